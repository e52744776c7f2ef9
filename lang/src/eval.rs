//! The evaluator: syntax tree → values (patterns, functions, numbers…).
//!
//! Evaluation is bounded: user functions may nest at most
//! [`MAX_CALL_DEPTH`] calls deep and a whole evaluation may take at most
//! [`EVAL_STEPS`] steps, so `let f = x => f(x)` ends with a clear error
//! rather than a stack overflow or a hang.

use crate::ast::{BinOp, Expr, ExprKind, Param, UnOp};
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

/// A user function (`x => …`).
struct Closure {
    params: Vec<Param>,
    body: Arc<Expr>,
    env: Arc<Env>,
    file: Option<Arc<str>>,
}

impl Callable for Closure {
    fn call(&self, args: Vec<Value>) -> Result<Value, RtError> {
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
            let env = Env::child(self.env.clone());
            for (i, p) in self.params.iter().enumerate() {
                let v = match args.get(i) {
                    Some(v) => v.clone(),
                    None => match &p.default {
                        Some(d) => eval(d, &Arc::new(Env::child(self.env.clone())))?,
                        None => Value::Undefined,
                    },
                };
                env.set(p.name.clone(), v);
            }
            eval(&self.body, &Arc::new(env))
        });
        DEPTH.with(|d| d.set(depth));
        result
    }

    fn name(&self) -> String {
        "function".into()
    }

    fn arity(&self) -> Option<usize> {
        Some(self.params.len())
    }
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
        ExprKind::Mini { text, offset } => mini_literal(text, *offset),
        ExprKind::Ident(name) => lookup(name, env).map_err(|err| at(err, &e.span)),
        ExprKind::List(items) => Ok(Value::list(
            items
                .iter()
                .map(|i| eval(i, env))
                .collect::<Result<_, _>>()?,
        )),
        ExprKind::Object(items) => {
            let mut m = ValueMap::new();
            for (k, v) in items {
                m.set(k.as_str(), eval(v, env)?);
            }
            Ok(Value::Map(Arc::new(m)))
        }
        ExprKind::Arrow { params, body } => Ok(Value::Func(Func(Arc::new(Closure {
            params: params.clone(),
            body: Arc::new((**body).clone()),
            env: env.clone(),
            file: current_file(),
        })))),
        ExprKind::Call { callee, args } => {
            let argv = args
                .iter()
                .map(|a| eval(a, env))
                .collect::<Result<Vec<_>, _>>()?;
            match &callee.kind {
                ExprKind::Member {
                    object,
                    name,
                    name_span,
                } => {
                    let recv = eval(object, env)?;
                    call_method(&recv, name, argv).map_err(|err| at(err, name_span))
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
            member(&recv, name).map_err(|err| at(err, name_span))
        }
        ExprKind::Index { object, index } => {
            let o = eval(object, env)?;
            let i = eval(index, env)?;
            Ok(index_value(&o, &i))
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let a = eval(lhs, env)?;
            let b = eval(rhs, env)?;
            binary(*op, &a, &b).map_err(|err| at(err, &e.span))
        }
        ExprKind::Unary { op, expr } => {
            let v = eval(expr, env)?;
            match op {
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

fn mini_literal(text: &str, offset: usize) -> Result<Value, RtError> {
    match mini::mini(text) {
        Ok(p) => Ok(Value::Pat(p)),
        Err(me) => {
            let mut err = RtError::new(me.message).with_code("E0110");
            err.help = me.help;
            err.span = Some((offset + me.start, offset + me.end.max(me.start + 1)));
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
            mini_literal(&text, 0).map_err(|mut e| {
                e.span = None;
                e
            })
        })),
        _ => None,
    }
}

fn lookup(name: &str, env: &Env) -> Result<Value, RtError> {
    if let Some(v) = env.get(name) {
        return Ok(v);
    }
    if crate::graph_eval::graph_mode() {
        if let Some(v) = crate::graph_eval::graph_name(name) {
            return Ok(v);
        }
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
        other => {
            Err(RtError::new(format!("{} is not a function", other.type_name())).with_code("E0204"))
        }
    }
}

/// `recv.name(args)`.
pub fn call_method(recv: &Value, name: &str, args: Vec<Value>) -> Result<Value, RtError> {
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
    // Patterns combine with the pattern operators (structure from the left).
    if let (Value::Pat(_), _) | (_, Value::Pat(_)) = (a, b) {
        let name = match op {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
            BinOp::Rem => "mod",
            BinOp::Lt => "lt",
            BinOp::Gt => "gt",
            BinOp::Le => "lte",
            BinOp::Ge => "gte",
            BinOp::Eq => "eq",
            BinOp::Ne => "ne",
            BinOp::Pipe => {
                return Err(RtError::new("`>>` chains sound processors, not patterns")
                    .with_help("use it inside `instrument` or `.fx(…)`: saw(freq) >> lpf(800)")
                    .with_code("E0202"))
            }
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
        BinOp::Eq => Value::Bool(a == b || (x == y && !x.is_nan())),
        BinOp::Ne => Value::Bool(!(a == b || (x == y && !x.is_nan()))),
        BinOp::Pipe => {
            return Err(RtError::new("`>>` chains sound processors")
                .with_help("use it inside `instrument` or `.fx(…)`: saw(freq) >> lpf(800)")
                .with_code("E0202"))
        }
    })
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
    let expr = crate::parser::parse_expr(src)?;
    reset_budget();
    eval(&expr, &Arc::new(Env::new())).map_err(|e| vec![to_diagnostic(&e)])
}
