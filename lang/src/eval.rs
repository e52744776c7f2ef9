//! The evaluator: syntax tree → values (patterns, functions, numbers…).
//!
//! Evaluation is bounded: user functions may nest at most
//! [`MAX_CALL_DEPTH`] calls deep and a whole evaluation may take at most
//! [`EVAL_STEPS`] steps, so `let f = x => f(x)` ends with a clear error
//! rather than a stack overflow or a hang.

use crate::ast::{BinOp, Binding, Expr, ExprKind, Param, Prop, Stmt, StmtKind, UnOp};
use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::library::registry::{self, BoundMethod};
use crate::library::{self, reify};
use crate::mini;
use crate::value::{Callable, Func, RtError, Value, ValueMap};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

/// How deeply user functions may call each other.
pub const MAX_CALL_DEPTH: u32 = 100;
/// Evaluation steps allowed per evaluation (and per query batch).
pub const EVAL_STEPS: u64 = 2_000_000;

thread_local! {
    static CURRENT_FILE: std::cell::RefCell<Option<Arc<str>>> = const { std::cell::RefCell::new(None) };
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    static STEPS: Cell<u64> = const { Cell::new(EVAL_STEPS) };
    /// The receiver of the method call being made, taken by a `function`
    /// when it starts (it becomes its `this`).
    static PENDING_THIS: std::cell::RefCell<Option<Value>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `file` as the file whose source is being evaluated (for
/// error locations).
pub fn in_file<R>(file: Option<Arc<str>>, f: impl FnOnce() -> R) -> R {
    let old = CURRENT_FILE.with(|c| c.replace(file));
    let out = f();
    CURRENT_FILE.with(|c| *c.borrow_mut() = old);
    out
}

fn current_file() -> Option<Arc<str>> {
    CURRENT_FILE.with(|c| c.borrow().clone())
}

/// Resets the step budget (call before each evaluation or query batch).
pub fn reset_budget() {
    STEPS.with(|s| s.set(EVAL_STEPS));
}

fn charge() -> Result<(), RtError> {
    STEPS.with(|s| {
        let left = s.get();
        if left == 0 {
            return Err(
                RtError::new("evaluation takes too long (step limit reached)")
                    .with_help("a function may be calling itself without end")
                    .with_code("E0301"),
            );
        }
        s.set(left - 1);
        Ok(())
    })
}

/// A scope of names. A program's top level is one scope that grows as
/// `let`s are evaluated (so functions see names defined after them, as in
/// JavaScript, and can call themselves); function calls get child scopes.
#[derive(Default)]
pub struct Env {
    vars: std::sync::RwLock<HashMap<String, Value>>,
    parent: Option<Arc<Env>>,
}

impl Env {
    pub fn new() -> Env {
        Env::default()
    }

    pub fn child(parent: Arc<Env>) -> Env {
        Env {
            vars: Default::default(),
            parent: Some(parent),
        }
    }

    /// Binds `name` in this scope.
    pub fn set(&self, name: impl Into<String>, v: Value) {
        self.vars.write().unwrap().insert(name.into(), v);
    }

    /// Changes an existing binding (the nearest scope that has `name`);
    /// false when no scope has it.
    pub fn assign(&self, name: &str, v: Value) -> bool {
        {
            let mut vars = self.vars.write().unwrap();
            if let Some(slot) = vars.get_mut(name) {
                *slot = v;
                return true;
            }
        }
        match &self.parent {
            Some(p) => p.assign(name, v),
            None => false,
        }
    }

    /// The outermost scope's binding of `name` (user methods live there).
    pub fn root_get(&self, name: &str) -> Option<Value> {
        match &self.parent {
            Some(p) => p.root_get(name),
            None => self.vars.read().unwrap().get(name).cloned(),
        }
    }

    /// Binds `name` in the outermost scope.
    pub fn root_set(&self, name: &str, v: Value) {
        match &self.parent {
            Some(p) => p.root_set(name, v),
            None => {
                self.vars.write().unwrap().insert(name.to_string(), v);
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.vars.read().unwrap().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.get(name))
    }

    /// All names visible from this scope.
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = self.vars.read().unwrap().keys().cloned().collect();
        if let Some(p) = &self.parent {
            out.extend(p.names());
        }
        out
    }
}

/// A user function (`x => …`, `function (…) { … }`).
struct Closure {
    params: Vec<Param>,
    body: Arc<Expr>,
    env: Arc<Env>,
    file: Option<Arc<str>>,
    binds_this: bool,
}

impl Callable for Closure {
    fn call(&self, args: Vec<Value>) -> Result<Value, RtError> {
        let this = PENDING_THIS.with(|t| t.borrow_mut().take());
        let depth = DEPTH.with(|d| d.get());
        if depth >= MAX_CALL_DEPTH {
            return Err(RtError::new(format!(
                "functions call each other more than {MAX_CALL_DEPTH} levels deep"
            ))
            .with_help("a function probably calls itself without a way to stop")
            .with_code("E0301"));
        }
        DEPTH.with(|d| d.set(depth + 1));
        let result = in_file(self.file.clone(), || {
            let env = Arc::new(Env::child(self.env.clone()));
            if self.binds_this {
                env.set("this", this.unwrap_or(Value::Undefined));
            }
            bind_params(&self.params, args, &env)?;
            match &self.body.kind {
                ExprKind::Block(stmts) => match exec_block(stmts, &env)? {
                    Flow::Return(v) => Ok(v),
                    Flow::Normal => Ok(Value::Undefined),
                },
                _ => eval(&self.body, &env),
            }
        });
        DEPTH.with(|d| d.set(depth));
        result
    }

    fn name(&self) -> String {
        "function".into()
    }

    fn arity(&self) -> Option<usize> {
        Some(self.params.iter().filter(|p| !p.rest).count())
    }
}

/// Binds a function's parameters in its scope: defaults where an argument
/// is missing or `undefined`, the rest of the arguments as a list.
fn bind_params(params: &[Param], args: Vec<Value>, env: &Arc<Env>) -> Result<(), RtError> {
    let mut args = args.into_iter();
    for p in params {
        if p.rest {
            env.set(p.name.clone(), Value::list(args.by_ref().collect()));
            continue;
        }
        let v = match args.next() {
            Some(v) if !matches!(v, Value::Undefined) => v,
            _ => match &p.default {
                Some(d) => eval(d, env)?,
                None => Value::Undefined,
            },
        };
        env.set(p.name.clone(), v);
    }
    Ok(())
}

/// Takes the receiver of the method call being made (for native methods
/// defined by a program's evaluator, such as `.cpm`).
pub fn take_this() -> Value {
    PENDING_THIS
        .with(|t| t.borrow_mut().take())
        .unwrap_or(Value::Undefined)
}

/// Calls `f` with `this` bound to `recv` (for `function`s; arrows ignore it).
pub fn call_with_this(f: &Value, recv: &Value, args: Vec<Value>) -> Result<Value, RtError> {
    PENDING_THIS.with(|t| *t.borrow_mut() = Some(recv.clone()));
    let out = call_value(f, args);
    PENDING_THIS.with(|t| t.borrow_mut().take());
    out
}

/// How a statement ended.
pub enum Flow {
    Normal,
    Return(Value),
}

/// Runs the statements of a block in a new scope.
pub fn exec_block(stmts: &[Stmt], env: &Arc<Env>) -> Result<Flow, RtError> {
    let scope = Arc::new(Env::child(env.clone()));
    hoist_functions(stmts, &scope)?;
    for s in stmts {
        if let Flow::Return(v) = exec_stmt(s, &scope)? {
            return Ok(Flow::Return(v));
        }
    }
    Ok(Flow::Normal)
}

/// `function name() {}` declarations are visible in their whole block.
pub fn hoist_functions(stmts: &[Stmt], env: &Arc<Env>) -> Result<(), RtError> {
    for s in stmts {
        if let StmtKind::Function {
            name, params, body, ..
        } = &s.kind
        {
            env.set(name.clone(), make_function(params, body, env, true));
        }
    }
    Ok(())
}

fn make_function(params: &[Param], body: &Expr, env: &Arc<Env>, binds_this: bool) -> Value {
    Value::Func(Func(Arc::new(Closure {
        params: params.to_vec(),
        body: Arc::new(body.clone()),
        env: env.clone(),
        file: current_file(),
        binds_this,
    })))
}

/// Loops stop after this many rounds (a loop that never ends is an error,
/// not a hang).
pub const MAX_LOOP: u64 = 1_000_000;

/// Runs one statement of a function body (or a program's plain statement).
pub fn exec_stmt(s: &Stmt, env: &Arc<Env>) -> Result<Flow, RtError> {
    charge().map_err(|err| at(err, &s.span))?;
    match &s.kind {
        StmtKind::Let { name, value, .. } => {
            let v = eval(value, env)?;
            env.set(name.clone(), v);
        }
        StmtKind::Destructure { binding, value } => {
            let v = match value {
                Some(e) => eval(e, env)?,
                None => Value::Undefined,
            };
            bind_pattern(binding, v, env)?;
        }
        StmtKind::Function { .. } => {}
        StmtKind::Expr(e) => {
            eval(e, env)?;
        }
        StmtKind::Return(e) => {
            let v = match e {
                Some(e) => eval(e, env)?,
                None => Value::Undefined,
            };
            return Ok(Flow::Return(v));
        }
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            let branch = if eval(cond, env)?.truthy() {
                then
            } else {
                otherwise
            };
            return exec_block(branch, env);
        }
        StmtKind::For {
            init,
            cond,
            update,
            body,
        } => {
            let scope = Arc::new(Env::child(env.clone()));
            if let Some(init) = init {
                exec_stmt(init, &scope)?;
            }
            let mut rounds = 0u64;
            loop {
                if let Some(c) = cond {
                    if !eval(c, &scope)?.truthy() {
                        break;
                    }
                }
                rounds += 1;
                if rounds > MAX_LOOP {
                    return Err(loop_too_long(&s.span));
                }
                if let Flow::Return(v) = exec_block(body, &scope)? {
                    return Ok(Flow::Return(v));
                }
                if let Some(u) = update {
                    eval(u, &scope)?;
                }
            }
        }
        StmtKind::ForOf {
            binding,
            items,
            body,
        } => {
            let items = match eval(items, env)? {
                Value::List(l) => l.to_vec(),
                Value::Str(t) => t.chars().map(|c| Value::str(&c.to_string())).collect(),
                other => {
                    return Err(RtError::new(format!(
                        "for … of needs a list, found {}",
                        other.type_name()
                    ))
                    .with_code("E0202"))
                }
            };
            for item in items {
                let scope = Arc::new(Env::child(env.clone()));
                bind_pattern(binding, item, &scope)?;
                if let Flow::Return(v) = exec_block(body, &scope)? {
                    return Ok(Flow::Return(v));
                }
            }
        }
        StmtKind::Track { .. }
        | StmtKind::Import { .. }
        | StmtKind::Instrument { .. }
        | StmtKind::Section { .. } => {
            return Err(at(
                RtError::new("tracks, imports, instruments and sections belong at the top of a program, not inside a function")
                    .with_code("E0205"),
                &s.span,
            ))
        }
        StmtKind::Error => {
            return Err(at(
                RtError::new("this statement could not be read").with_code("E0100"),
                &s.span,
            ))
        }
    }
    Ok(Flow::Normal)
}

fn loop_too_long(span: &crate::lexer::SrcSpan) -> RtError {
    at(
        RtError::new(format!("a loop ran more than {MAX_LOOP} times"))
            .with_help("check the loop's condition")
            .with_code("E0301"),
        span,
    )
}

/// Binds the names of a destructuring pattern (`{a, b}`, `[x, y]`).
pub fn bind_pattern(b: &Binding, v: Value, env: &Arc<Env>) -> Result<(), RtError> {
    match b {
        Binding::Name(n, _) => env.set(n.clone(), v),
        Binding::Object(items, rest) => {
            let mut used = Vec::new();
            for (key, inner, default) in items {
                let mut item = get_property(&v, key);
                if matches!(item, Value::Undefined) {
                    if let Some(d) = default {
                        item = eval(d, env)?;
                    }
                }
                used.push(key.as_str());
                bind_pattern(inner, item, env)?;
            }
            if let Some(rest) = rest {
                let mut m = ValueMap::new();
                if let Some(obj) = v.as_object() {
                    for (k, x) in obj.iter() {
                        if !used.contains(&k) {
                            m.set(k, x.clone());
                        }
                    }
                }
                env.set(rest.clone(), Value::Map(Arc::new(m)));
            }
        }
        Binding::Array(items, rest) => {
            let list: Vec<Value> = match &v {
                Value::List(l) => l.to_vec(),
                Value::Str(t) => t.chars().map(|c| Value::str(&c.to_string())).collect(),
                _ => Vec::new(),
            };
            for (i, item) in items.iter().enumerate() {
                if let Some((inner, default)) = item {
                    let mut x = list.get(i).cloned().unwrap_or(Value::Undefined);
                    if matches!(x, Value::Undefined) {
                        if let Some(d) = default {
                            x = eval(d, env)?;
                        }
                    }
                    bind_pattern(inner, x, env)?;
                }
            }
            if let Some(rest) = rest {
                let tail = list
                    .get(items.len()..)
                    .map(|t| t.to_vec())
                    .unwrap_or_default();
                env.set(rest.clone(), Value::list(tail));
            }
        }
    }
    Ok(())
}

fn at(mut e: RtError, span: &crate::lexer::SrcSpan) -> RtError {
    if e.span.is_none() {
        e.span = Some((span.start, span.end));
        e.file = current_file();
    }
    e
}

/// Evaluates an expression. Deep recursion grows the stack on the heap
/// instead of overflowing it (the call-depth limit still applies).
pub fn eval(e: &Expr, env: &Arc<Env>) -> Result<Value, RtError> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || eval_inner(e, env))
}

fn eval_inner(e: &Expr, env: &Arc<Env>) -> Result<Value, RtError> {
    charge().map_err(|err| at(err, &e.span))?;
    match &e.kind {
        ExprKind::Num(n) => Ok(Value::Num(*n)),
        ExprKind::Bool(b) => Ok(Value::Bool(*b)),
        ExprKind::Str(s) => Ok(Value::str(s)),
        ExprKind::Mini {
            text,
            offset,
            escapes,
        } => mini_literal(text, *offset, Some(escapes)),
        ExprKind::Ident(name) => lookup(name, env).map_err(|err| at(err, &e.span)),
        ExprKind::List(items) => Ok(Value::list(eval_items(items, env)?)),
        ExprKind::Object(items) => {
            let mut m = ValueMap::new();
            for p in items {
                match p {
                    Prop::Pair(k, v) => m.set(k.as_str(), eval(v, env)?),
                    Prop::Spread(v) => {
                        if let Some(obj) = eval(v, env)?.as_object() {
                            for (k, x) in obj.iter() {
                                m.set(k, x.clone());
                            }
                        }
                    }
                }
            }
            Ok(Value::Map(Arc::new(m)))
        }
        ExprKind::Spread(_) => Err(RtError::new(
            "`...` belongs in a list, an object or the arguments of a call",
        )
        .with_code("E0100")),
        ExprKind::Arrow {
            params,
            body,
            binds_this,
        } => Ok(make_function(params, body, env, *binds_this)),
        ExprKind::Block(stmts) => match exec_block(stmts, env)? {
            Flow::Return(v) => Ok(v),
            Flow::Normal => Ok(Value::Undefined),
        },
        ExprKind::This => Ok(env.get("this").unwrap_or(Value::Undefined)),
        ExprKind::Assign { target, op, value } => assign(target, *op, value, env, &e.span),
        ExprKind::Update {
            target,
            delta,
            prefix,
        } => {
            let old = eval(target, env)?.to_number();
            let new = old + delta;
            assign_value(target, Value::Num(new), env, &e.span)?;
            Ok(Value::Num(if *prefix { new } else { old }))
        }
        ExprKind::Call { callee, args } => {
            let argv = eval_items(args, env)?;
            match &callee.kind {
                ExprKind::Member {
                    object,
                    name,
                    name_span,
                } => {
                    let recv = eval(object, env)?;
                    if let Some(m) = user_method(env, name) {
                        return call_with_this(&m, &recv, argv).map_err(|err| at(err, name_span));
                    }
                    call_method(&recv, name, argv).map_err(|err| at(err, name_span))
                }
                ExprKind::Ident(name) if name == "register" && env.get(name).is_none() => {
                    register_user_function(&argv, env).map_err(|err| at(err, &callee.span))
                }
                _ => {
                    let f = eval(callee, env)?;
                    call_value(&f, argv).map_err(|err| at(err, &callee.span))
                }
            }
        }
        ExprKind::Member {
            object,
            name,
            name_span,
        } => {
            let recv = eval(object, env)?;
            if let Some(m) = user_method(env, name) {
                if matches!(recv, Value::Pat(_)) {
                    return Ok(bind_this(m, recv));
                }
            }
            member(&recv, name).map_err(|err| at(err, name_span))
        }
        ExprKind::Index { object, index } => {
            let o = eval(object, env)?;
            let i = eval(index, env)?;
            Ok(index_value(&o, &i))
        }
        ExprKind::Binary {
            op: op @ (BinOp::And | BinOp::Or | BinOp::Nullish),
            lhs,
            rhs,
        } => {
            let a = eval(lhs, env)?;
            let decided = match op {
                BinOp::And => !a.truthy(),
                BinOp::Or => a.truthy(),
                _ => !matches!(a, Value::Undefined | Value::Null),
            };
            if decided {
                Ok(a)
            } else {
                eval(rhs, env)
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let a = eval(lhs, env)?;
            let b = eval(rhs, env)?;
            binary(*op, &a, &b).map_err(|err| at(err, &e.span))
        }
        ExprKind::Unary {
            op: UnOp::Typeof,
            expr,
        } => {
            let v = match &expr.kind {
                ExprKind::Ident(n) => lookup(n, env).unwrap_or(Value::Undefined),
                _ => eval(expr, env)?,
            };
            Ok(Value::str(crate::jsbuiltins::type_of(&v)))
        }
        ExprKind::Unary { op, expr } => {
            let v = eval(expr, env)?;
            match op {
                UnOp::Await | UnOp::Typeof => Ok(v),
                UnOp::Plus => Ok(Value::Num(v.to_number())),
                UnOp::Neg => match v {
                    Value::Num(x) => Ok(Value::Num(-x)),
                    Value::Pat(p) => Ok(Value::Pat(
                        library::call("mul", &[Value::Num(-1.0)], &p)
                            .map_err(|err| at(err, &e.span))?,
                    )),
                    other => Ok(Value::Num(-other.to_number())),
                },
                UnOp::Not => Ok(Value::Bool(!v.truthy())),
            }
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            if eval(cond, env)?.truthy() {
                eval(then, env)
            } else {
                eval(otherwise, env)
            }
        }
        ExprKind::Error => {
            Err(RtError::new("this expression could not be read").with_code("E0100"))
        }
    }
}

/// Evaluates list items or call arguments, expanding `...spread` items.
fn eval_items(items: &[Expr], env: &Arc<Env>) -> Result<Vec<Value>, RtError> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match &item.kind {
            ExprKind::Spread(inner) => match eval(inner, env)? {
                Value::List(l) => out.extend(l.iter().cloned()),
                Value::Str(t) => out.extend(t.chars().map(|c| Value::str(&c.to_string()))),
                Value::Undefined | Value::Null => {
                    return Err(at(
                        RtError::new("cannot spread `undefined` with `...`").with_code("E0202"),
                        &item.span,
                    ))
                }
                other => out.push(other),
            },
            _ => out.push(eval(item, env)?),
        }
    }
    Ok(out)
}

/// The key under which `Pattern.prototype.name = …` and `register(name, …)`
/// keep a user-defined method (not a valid name, so it never collides).
fn method_key(name: &str) -> String {
    format!("Pattern.prototype.{name}")
}

/// A method the program defined itself, if any.
fn user_method(env: &Env, name: &str) -> Option<Value> {
    env.root_get(&method_key(name))
}

/// A user method as a value with its receiver bound (`const f = pat.micro`).
fn bind_this(f: Value, this: Value) -> Value {
    registry::native_fn_owned("method", move |args| call_with_this(&f, &this, args))
}

/// `register(name, (a, b, pat) => …)`: a new pattern method (and the
/// returned function) whose arguments may be patterns, as library
/// functions are: plain values go straight in, patterns are joined.
fn register_user_function(args: &[Value], env: &Arc<Env>) -> Result<Value, RtError> {
    let (names, f) = match args {
        [Value::Str(n), f @ Value::Func(_), ..] => (vec![n.to_string()], f.clone()),
        [Value::List(ns), f @ Value::Func(_), ..] => {
            (ns.iter().map(|n| n.to_js_string()).collect(), f.clone())
        }
        _ => {
            return Err(RtError::new(
                "register needs a name and a function: register('name', (x, pat) => …)",
            )
            .with_code("E0202"))
        }
    };
    let Value::Func(func) = &f else {
        unreachable!()
    };
    let arity = func.0.arity().unwrap_or(1).max(1);
    let patternify_args = !matches!(args.get(2), Some(v) if !v.truthy());
    let global = registry::native_fn_owned("registered", {
        let f = f.clone();
        move |args| apply_registered(&f, arity, patternify_args, args)
    });
    for name in &names {
        let f = f.clone();
        let method = registry::native_fn_owned("registered", move |args| {
            let this = take_this();
            let mut args = if arity == 2 && args.len() != 1 {
                vec![Value::Pat(library::sequence(&args))]
            } else {
                args
            };
            args.push(this);
            apply_registered(&f, arity, patternify_args, args)
        });
        env.root_set(&method_key(name), method);
    }
    Ok(global)
}

/// Calls a registered function: the last argument is the pattern.
fn apply_registered(
    f: &Value,
    arity: usize,
    patternify_args: bool,
    args: Vec<Value>,
) -> Result<Value, RtError> {
    let Some((pat, first)) = args.split_last() else {
        return Err(RtError::new("a registered function needs a pattern").with_code("E0203"));
    };
    let pat = reify(pat);
    if arity == 1 || !patternify_args {
        let mut all: Vec<Value> = first.to_vec();
        all.push(Value::Pat(pat));
        return Ok(Value::Pat(reify(&call_value(f, all)?)));
    }
    let pats: Vec<library::Pat> = first.iter().map(reify).collect();
    let f = f.clone();
    let plain: library::PlainFn = Arc::new(move |vals: &[Value], p: &library::Pat| {
        let mut all = vals.to_vec();
        all.push(Value::Pat(p.clone()));
        Ok(reify(&call_value(&f, all)?))
    });
    Ok(Value::Pat(library::patternify(
        &pats,
        &pat,
        plain,
        library::Join::Inner,
    )?))
}

/// `target = value` and `target op= value`.
fn assign(
    target: &Expr,
    op: Option<BinOp>,
    value: &Expr,
    env: &Arc<Env>,
    span: &crate::lexer::SrcSpan,
) -> Result<Value, RtError> {
    let v = eval(value, env)?;
    let v = match op {
        None => v,
        Some(op) => {
            let old = eval(target, env)?;
            binary(op, &old, &v).map_err(|err| at(err, span))?
        }
    };
    assign_value(target, v.clone(), env, span)?;
    Ok(v)
}

/// Stores `v` where `target` names: a variable, an object's property, a
/// list's item (objects and lists are values: the variable holding them
/// gets the changed copy), or `Pattern.prototype.name` (a user method).
fn assign_value(
    target: &Expr,
    v: Value,
    env: &Arc<Env>,
    span: &crate::lexer::SrcSpan,
) -> Result<(), RtError> {
    match &target.kind {
        ExprKind::Ident(name) => {
            if env.assign(name, v) {
                Ok(())
            } else {
                Err(at(
                    RtError::new(format!("`{name}` is not declared"))
                        .with_help(format!("declare it first: let {name} = …"))
                        .with_code("E0200"),
                    &target.span,
                ))
            }
        }
        ExprKind::Member { object, name, .. } => {
            if is_pattern_prototype(object) {
                env.root_set(&method_key(name), v);
                return Ok(());
            }
            let obj = eval(object, env)?;
            let updated = set_property(&obj, name, v).map_err(|e| at(e, span))?;
            assign_value(object, updated, env, span)
        }
        ExprKind::Index { object, index } => {
            let obj = eval(object, env)?;
            let key = eval(index, env)?;
            let updated = match (&obj, &key) {
                (Value::List(items), Value::Num(i)) if *i >= 0.0 && i.fract() == 0.0 => {
                    let i = *i as usize;
                    if i > items.len() + 1_000_000 {
                        return Err(at(
                            RtError::new("list index too large").with_code("E0302"),
                            span,
                        ));
                    }
                    let mut items = items.to_vec();
                    if i >= items.len() {
                        items.resize(i + 1, Value::Undefined);
                    }
                    items[i] = v;
                    Value::list(items)
                }
                _ => set_property(&obj, &key.to_js_string(), v).map_err(|e| at(e, span))?,
            };
            assign_value(object, updated, env, span)
        }
        _ => Err(at(
            RtError::new("cannot assign to this expression").with_code("E0202"),
            &target.span,
        )),
    }
}

fn is_pattern_prototype(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Member { object, name, .. }
        if name == "prototype" && matches!(&object.kind, ExprKind::Ident(p) if p == "Pattern"))
}

/// A copy of an object with one property set.
fn set_property(obj: &Value, key: &str, v: Value) -> Result<Value, RtError> {
    match obj {
        Value::Map(m) => {
            let mut m = (**m).clone();
            m.set(key, v);
            Ok(Value::Map(Arc::new(m)))
        }
        other => Err(RtError::new(format!(
            "cannot set property `{key}` of {}",
            other.type_name()
        ))
        .with_code("E0202")),
    }
}

/// `obj.key` / `obj[key]` for destructuring and property reads.
fn get_property(v: &Value, key: &str) -> Value {
    match v {
        Value::Map(m) => m.get(key).cloned().unwrap_or(Value::Undefined),
        Value::List(l) => match key.parse::<usize>() {
            Ok(i) => l.get(i).cloned().unwrap_or(Value::Undefined),
            Err(_) if key == "length" => Value::Num(l.len() as f64),
            Err(_) => Value::Undefined,
        },
        _ => crate::jsbuiltins::property(v, key).unwrap_or(Value::Undefined),
    }
}

/// A mini-notation string at `offset` of the source. When `located` (with
/// the escapes of the text as written) and the source is the program's own
/// (not an imported file), its events carry the locations of their atoms.
fn mini_literal(
    text: &str,
    offset: usize,
    located: Option<&crate::ast::Escapes>,
) -> Result<Value, RtError> {
    let no_escapes = crate::ast::Escapes::default();
    let escapes = located.unwrap_or(&no_escapes);
    let compiled = match located {
        Some(escapes) if current_file().is_none() => mini::mini_at(text, offset, escapes),
        _ => mini::mini(text),
    };
    match compiled {
        Ok(p) => Ok(Value::Pat(p)),
        Err(me) => {
            let mut err = RtError::new(me.message).with_code("E0110");
            err.help = me.help;
            err.span = Some((
                offset + escapes.start(me.start),
                offset + escapes.end(me.end.max(me.start + 1)),
            ));
            err.file = current_file();
            Err(err)
        }
    }
}

/// Names defined by the language itself.
fn builtin_value(name: &str) -> Option<Value> {
    match name {
        "undefined" => Some(Value::Undefined),
        "null" => Some(Value::Null),
        "Infinity" => Some(Value::Num(f64::INFINITY)),
        "NaN" => Some(Value::Num(f64::NAN)),
        "PI" => Some(Value::Num(std::f64::consts::PI)),
        "mini" | "m" => Some(registry::native_fn("mini", |args| {
            let text = args.first().map(|v| v.to_js_string()).unwrap_or_default();
            mini_literal(&text, 0, None).map_err(|mut e| {
                e.span = None;
                e
            })
        })),
        _ => crate::jsbuiltins::global(name),
    }
}

/// Names that only make sense in a web browser, with what they need.
pub const BROWSER_ONLY: &[(&str, &str)] = &[
    ("mousex", "the mouse position"),
    ("mousey", "the mouse position"),
    ("mouseX", "the mouse position"),
    ("mouseY", "the mouse position"),
    ("H", "hydra visuals"),
    ("K", "in-browser audio worklets"),
    ("S", "in-browser audio worklets"),
    ("sGate", "in-browser audio worklets"),
    ("sFreq", "in-browser audio worklets"),
    ("audioin", "in-browser audio worklets"),
    ("getAudioContext", "the Web Audio context"),
    ("getDrawContext", "a drawing canvas"),
    ("speak", "speech synthesis"),
];

/// Set-up calls of browser features: calling one only warns (the program's
/// other statements do not depend on it).
pub const BROWSER_SETUP: &[(&str, &str)] = &[
    ("initHydra", "hydra visuals"),
    ("loadCsound", "Csound in the browser"),
    ("loadCSound", "Csound in the browser"),
    ("loadcsound", "Csound in the browser"),
    ("loadOrc", "Csound in the browser"),
];

fn lookup(name: &str, env: &Env) -> Result<Value, RtError> {
    if let Some(v) = env.get(name) {
        return Ok(v);
    }
    if crate::graph_eval::graph_mode() {
        if let Some(v) = crate::graph_eval::graph_name(name) {
            return Ok(v);
        }
    } else if let Some(v) = crate::graph_eval::source_name(name) {
        return Ok(v);
    }
    if let Some((_, what)) = BROWSER_ONLY.iter().find(|(n, _)| *n == name) {
        return Err(RtError::new(format!(
            "`{name}` needs a browser ({what}); weft plays in a terminal"
        ))
        .with_help("leave it out; the rest of the program plays")
        .with_code("E0240"));
    }
    if let Some((n, what)) = BROWSER_SETUP.iter().find(|(n, _)| *n == name) {
        let message = format!("`{n}` needs a browser ({what}); weft ignores it");
        return Ok(registry::native_fn_owned("browser", move |_| {
            crate::pattern::report_query_warning(message.clone());
            Ok(Value::Undefined)
        }));
    }
    if let Some(b) = library::global(name) {
        return registry::global_value(b);
    }
    if let Some(v) = builtin_value(name) {
        return Ok(v);
    }
    let names = env.names();
    let globals = library::global_names();
    let suggestion = did_you_mean(
        name,
        names
            .iter()
            .map(|s| s.as_str())
            .chain(globals.iter().copied()),
    );
    let mut err = RtError::new(format!("unknown name `{name}`")).with_code("E0200");
    if let Some(s) = suggestion {
        err = err.with_help(format!("did you mean `{s}`?"));
    } else if library::method(name).is_some() {
        err = err.with_help(format!(
            "`{name}` is used as a method: write `pattern.{name}(…)`"
        ));
    }
    Err(err)
}

/// Calls a function value.
pub fn call_value(f: &Value, args: Vec<Value>) -> Result<Value, RtError> {
    match f {
        Value::Func(func) => func.call(args),
        Value::Graph(g) if **g == crate::graph::Graph::Input => crate::graph_eval::call_input(args),
        other => {
            Err(RtError::new(format!("{} is not a function", other.type_name())).with_code("E0204"))
        }
    }
}

/// `recv.name(args)`.
pub fn call_method(recv: &Value, name: &str, args: Vec<Value>) -> Result<Value, RtError> {
    if let Some(result) = crate::jsbuiltins::call_method(recv, name, &args) {
        return result;
    }
    match recv {
        Value::Func(f) => {
            if let Some(m) = f.0.member(name) {
                return call_value(&m, args);
            }
            Err(unknown_method(name, recv))
        }
        Value::Map(m) if m.get(name).is_some() => call_value(m.get(name).unwrap(), args),
        Value::Pat(_)
        | Value::Num(_)
        | Value::Str(_)
        | Value::Bool(_)
        | Value::List(_)
        | Value::Map(_) => {
            let Some(b) = library::method(name) else {
                if let Some(key) = library::controls::param_control(name) {
                    return registry::call_param_control(key, recv, args);
                }
                return Err(unknown_method(name, recv));
            };
            let recv = match recv {
                Value::List(items) => Value::Pat(library::sequence(items)),
                other => other.clone(),
            };
            registry::call_method(b, &recv, args)
        }
        _ => Err(unknown_method(name, recv)),
    }
}

fn unknown_method(name: &str, recv: &Value) -> RtError {
    let mut err =
        RtError::new(format!("{} has no method `{name}`", recv.type_name())).with_code("E0201");
    if let Some(s) = did_you_mean(name, library::method_names()) {
        err = err.with_help(format!("did you mean `{s}`?"));
    } else if library::global(name).is_some() {
        err = err.with_help(format!("`{name}` is a function: write `{name}(…)`"));
    }
    err
}

/// `recv.name` without a call.
fn member(recv: &Value, name: &str) -> Result<Value, RtError> {
    if let Some(v) = crate::jsbuiltins::property(recv, name) {
        return Ok(v);
    }
    match recv {
        Value::Map(m) => Ok(m.get(name).cloned().unwrap_or(Value::Undefined)),
        Value::List(l) if name == "length" => Ok(Value::Num(l.len() as f64)),
        Value::Func(f) => f.0.member(name).ok_or_else(|| unknown_method(name, recv)),
        Value::Pat(_) => match library::method(name) {
            Some(b) => Ok(Value::Func(Func(Arc::new(BoundMethod {
                b,
                this: recv.clone(),
                how: None,
            })))),
            None => Err(unknown_method(name, recv)),
        },
        _ => Err(unknown_method(name, recv)),
    }
}

fn index_value(o: &Value, i: &Value) -> Value {
    match o {
        Value::List(l) => {
            let k = i.to_number();
            if k >= 0.0 && k.fract() == 0.0 {
                l.get(k as usize).cloned().unwrap_or(Value::Undefined)
            } else {
                Value::Undefined
            }
        }
        Value::Map(m) => m
            .get(&i.to_js_string())
            .cloned()
            .unwrap_or(Value::Undefined),
        _ => Value::Undefined,
    }
}

fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, RtError> {
    let graphs = matches!(a, Value::Graph(_)) || matches!(b, Value::Graph(_));
    if graphs || (op == BinOp::Pipe && crate::graph_eval::graph_mode()) {
        return crate::graph_eval::graph_binary(op, a, b);
    }
    // Patterns combine with the pattern operators (structure from the left);
    // comparisons keep their JavaScript meaning (`pat === undefined`).
    let arithmetic = matches!(
        op,
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem | BinOp::Pow
    );
    if let (true, (Value::Pat(_), _) | (_, Value::Pat(_))) = (arithmetic, (a, b)) {
        let name = match op {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
            BinOp::Rem => "mod",
            _ => "pow",
        };
        return library::call(name, std::slice::from_ref(b), &reify(a)).map(Value::Pat);
    }
    let (x, y) = (a.to_number(), b.to_number());
    Ok(match op {
        BinOp::Add => match (a, b) {
            (Value::Str(_), _) | (_, Value::Str(_)) => {
                Value::str(&format!("{}{}", a.to_js_string(), b.to_js_string()))
            }
            _ => Value::Num(x + y),
        },
        BinOp::Sub => Value::Num(x - y),
        BinOp::Mul => Value::Num(x * y),
        BinOp::Div => Value::Num(x / y),
        BinOp::Rem => Value::Num(x % y),
        BinOp::Lt => Value::Bool(x < y),
        BinOp::Gt => Value::Bool(x > y),
        BinOp::Le => Value::Bool(x <= y),
        BinOp::Ge => Value::Bool(x >= y),
        BinOp::Eq => Value::Bool(loose_eq(a, b)),
        BinOp::Ne => Value::Bool(!loose_eq(a, b)),
        BinOp::StrictEq => Value::Bool(strict_eq(a, b)),
        BinOp::StrictNe => Value::Bool(!strict_eq(a, b)),
        BinOp::Pow => Value::Num(crate::jsmath::pow(x, y)),
        BinOp::And | BinOp::Or | BinOp::Nullish => unreachable!("evaluated lazily"),
        BinOp::Pipe => {
            return Err(RtError::new("`>>` chains sound processors")
                .with_help("use it inside `instrument` or `.fx(…)`: saw(freq) >> lpf(800)")
                .with_code("E0202"))
        }
    })
}

/// JavaScript's `==` for the values programs use.
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Undefined | Value::Null, Value::Undefined | Value::Null) => true,
        (Value::Undefined | Value::Null, _) | (_, Value::Undefined | Value::Null) => false,
        (Value::Str(x), Value::Str(y)) => x == y,
        (
            Value::Num(_) | Value::Str(_) | Value::Bool(_),
            Value::Num(_) | Value::Str(_) | Value::Bool(_),
        ) => {
            let (x, y) = (a.to_number(), b.to_number());
            x == y
        }
        _ => strict_eq(a, b),
    }
}

/// JavaScript's `===`: same type and value; objects are the same object.
fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::List(x), Value::List(y)) => Arc::ptr_eq(x, y),
        (Value::Map(x), Value::Map(y)) => Arc::ptr_eq(x, y),
        (Value::Pat(x), Value::Pat(y)) => x.same_as(y),
        _ => a == b,
    }
}

/// Turns a runtime error into a diagnostic.
pub fn to_diagnostic(e: &RtError) -> Diagnostic {
    let mut d = Diagnostic::error(e.code, e.message.clone());
    d.file = e.file.clone();
    if let Some((s, t)) = e.span {
        d = d.at(s..t).label(match e.code {
            "E0200" => "not defined",
            "E0201" => "unknown method",
            "E0202" => "wrong kind of value",
            "E0110" => "here",
            _ => "while evaluating this",
        });
    }
    if let Some(h) = &e.help {
        d = d.help(h.clone());
    }
    d
}

/// Evaluates a single expression source (for `weft events -e`).
pub fn eval_source(src: &str) -> Result<Value, Vec<Diagnostic>> {
    crate::library::voicing_fns::reset_program_state();
    let expr = crate::parser::parse_expr(src)?;
    reset_budget();
    eval(&expr, &Arc::new(Env::new())).map_err(|e| vec![to_diagnostic(&e)])
}
