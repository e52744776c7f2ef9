//! The registry of library functions, and how they are called: as
//! top-level (curried) functions, as methods on patterns, and as values.

use super::ops::{self, How, Op};
use super::{patternify, reify, reify_seq, sequence, Join, Pat, PlainFn, R};
use crate::value::{Callable, Func, RtError, Value};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// A library function written on plain values: `f(args, pat)`.
pub type TransformFn = fn(&[Value], &Pat) -> R<Pat>;
/// A library function that takes its arguments as patterns.
pub type RawFn = fn(&[Pat], &Pat) -> R<Pat>;
/// A variadic function on values (`stack`, `cat`, `choose`, …).
pub type ValuesFn = fn(&[Value]) -> R<Value>;

/// What a library name does.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Transforms a pattern; arguments are patterned automatically.
    Transform {
        arity: usize,
        f: TransformFn,
        join: Join,
        preserve_steps: bool,
    },
    /// Transforms a pattern; gets its arguments as patterns, unjoined.
    Raw { arity: usize, f: RawFn },
    /// A variadic function. As a method, the receiver is the first argument.
    Values { f: ValuesFn, method: bool },
    /// A control (`s`, `note`, `lpf`, …): writes `key` (or several keys
    /// when given an `a:b:c` list).
    Control {
        key: &'static str,
        multi: &'static [&'static str],
    },
    /// An operator composer (`add`, `set`, …) with its variants
    /// (`.add.out`, `.add.squeeze`, …).
    Op(Op),
    /// An operator with a fixed variant (`struct` is keep-if, structure from the argument).
    OpHow(Op, How),
    /// A constant such as `sine`.
    Const(fn() -> Value),
}

/// Names registered twice (see `Registry::duplicates`).
pub fn duplicate_names() -> Vec<&'static str> {
    registry().duplicates.clone()
}

/// A named library entry.
pub struct Builtin {
    pub name: &'static str,
    pub kind: Kind,
}

struct Registry {
    globals: HashMap<&'static str, Builtin>,
    methods: HashMap<&'static str, Builtin>,
    /// Names registered twice as globals or as methods (the later entry
    /// wins; a test keeps this empty so that no module silently replaces
    /// another's function).
    duplicates: Vec<&'static str>,
}

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| {
        let mut r = Registry {
            globals: HashMap::new(),
            methods: HashMap::new(),
            duplicates: Vec::new(),
        };
        let mut add = |name: &'static str, kind: Kind, global: bool, method: bool| {
            if global && r.globals.insert(name, Builtin { name, kind }).is_some() {
                r.duplicates.push(name);
            }
            if method && r.methods.insert(name, Builtin { name, kind }).is_some() {
                r.duplicates.push(name);
            }
        };
        super::core_fns::register(&mut add);
        super::signals::register(&mut add);
        super::midi_in::register(&mut add);
        super::samples::register(&mut add);
        super::tonal_fns::register(&mut add);
        super::random_fns::register(&mut add);
        super::pick_fns::register(&mut add);
        super::time_fns::register(&mut add);
        super::value_fns::register(&mut add);
        super::voicing_fns::register(&mut add);
        ops::register(&mut add);
        super::controls::register(&mut add);
        super::visual_fns::register(&mut add);
        super::website_fns::register(&mut add);
        super::keys::register(&mut add);
        super::stepwise::register(&mut add);
        super::structure_fns::register(&mut add);
        super::kernel_fns::register(&mut add);
        super::modulation::register(&mut add);
        super::shaping::register(&mut add);
        super::params::register(&mut add);
        r
    })
}

/// Registration callback: `(name, kind, as_global, as_method)`.
pub type AddFn<'a> = dyn FnMut(&'static str, Kind, bool, bool) + 'a;

/// A top-level name.
pub fn global(name: &str) -> Option<&'static Builtin> {
    registry().globals.get(name)
}

/// A method name.
pub fn method(name: &str) -> Option<&'static Builtin> {
    registry().methods.get(name)
}

pub fn global_names() -> Vec<&'static str> {
    let mut v: Vec<_> = registry().globals.keys().copied().collect();
    v.sort();
    v
}

pub fn method_names() -> Vec<&'static str> {
    let mut v: Vec<_> = registry().methods.keys().copied().collect();
    v.sort();
    v
}

fn arity_error(name: &str, expected: usize, got: usize) -> RtError {
    RtError::new(format!(
        "`{name}` expects {expected} argument{} but got {got}",
        if expected == 1 { "" } else { "s" }
    ))
    .with_code("E0203")
}

/// Applies a transformer to arguments and a pattern.
fn apply_transform(b: &'static Builtin, args: &[Value], pat: &Value) -> R<Value> {
    let pat = reify(pat);
    match b.kind {
        Kind::Transform {
            f,
            join,
            preserve_steps,
            ..
        } => {
            let pats: Vec<Pat> = args.iter().map(reify).collect();
            let plain: PlainFn = Arc::new(f);
            let mut out = patternify(&pats, &pat, plain, join)?;
            if preserve_steps {
                out.steps = pat.steps;
            }
            Ok(Value::Pat(out))
        }
        Kind::Raw { f, .. } => {
            let pats: Vec<Pat> = args.iter().map(reify).collect();
            Ok(Value::Pat(f(&pats, &pat)?))
        }
        _ => unreachable!("apply_transform on a non-transform"),
    }
}

/// Calls `b` as a top-level function.
pub fn call_global(b: &'static Builtin, args: Vec<Value>) -> R<Value> {
    match b.kind {
        Kind::Transform { arity, .. } | Kind::Raw { arity, .. } => {
            if args.len() < arity + 1 {
                return Ok(partial(b, args));
            }
            if args.len() > arity + 1 {
                // As in the reference, the last argument is the pattern: a
                // one-argument function such as `rev` given `(pattern, index)`
                // (by `echoWith`) transforms the last one.
                return match b.kind {
                    // Functions taking patterns as they are use the first ones.
                    Kind::Raw { .. } => apply_transform(b, &args[..arity], &args[arity]),
                    _ if arity == 0 => apply_transform(b, &[], args.last().unwrap()),
                    // The reference fails only once the extra arguments meet
                    // events of the pattern; so does weft.
                    _ => {
                        let pat = reify(&args[arity]);
                        let name = b.name;
                        let expected = arity + 1;
                        let got = args.len();
                        Ok(Value::Pat(crate::pattern::Pattern::new(move |st| {
                            if !pat.query(st).is_empty() {
                                crate::pattern::report_query_error(format!(
                                    "`{name}` expects {expected} arguments but got {got}"
                                ));
                            }
                            Vec::new()
                        })))
                    }
                };
            }
            let (pat, rest) = args.split_last().unwrap();
            apply_transform(b, rest, pat)
        }
        Kind::Values { f, .. } => f(&args),
        Kind::Control { key, multi } => {
            if args.is_empty() {
                return Ok(partial(b, args));
            }
            let ctl = super::controls::control_pattern(&reify(&args[0]), key, multi);
            match args.get(1) {
                // `gain(0.5, pat)` is `pat.gain(0.5)`.
                Some(pat) => Ok(Value::Pat(ops::apply(Op::Set, How::In, &reify(pat), &ctl)?)),
                None => Ok(Value::Pat(ctl)),
            }
        }
        Kind::Op(op) | Kind::OpHow(op, _) => {
            // add(a, b) = b.add(a); further arguments are ignored.
            if args.len() < 2 {
                return Ok(partial(b, args));
            }
            let how = match b.kind {
                Kind::OpHow(_, h) => h,
                _ => How::In,
            };
            let target = reify(&args[1]);
            let other = reify_seq(&args[0]);
            Ok(Value::Pat(ops::apply(op, how, &target, &other)?))
        }
        Kind::Const(f) => {
            if args.is_empty() {
                Ok(f())
            } else {
                Err(RtError::new(format!("`{}` is not a function", b.name)))
            }
        }
    }
}

/// `pat.name(x)` for an instrument parameter `name` (see
/// [`super::controls::register_param_control`]): sets the control `name`.
pub fn call_param_control(key: &'static str, this: &Value, args: Vec<Value>) -> R<Value> {
    let pat = reify(this);
    let Some(arg) = args.first() else {
        return Ok(Value::Pat(super::controls::control_values(
            &pat,
            key,
            super::params::user_multi(key),
        )));
    };
    let ctl = super::controls::control_pattern(&reify(arg), key, super::params::user_multi(key));
    Ok(Value::Pat(ops::apply(Op::Set, How::In, &pat, &ctl)?))
}

/// Calls `b` as a method on `this`.
pub fn call_method(b: &'static Builtin, this: &Value, args: Vec<Value>) -> R<Value> {
    match b.kind {
        Kind::Transform { arity, .. } | Kind::Raw { arity, .. } => {
            let args = if arity == 1 && args.len() != 1 {
                vec![Value::Pat(sequence(&args))]
            } else if args.len() != arity {
                return Err(arity_error(b.name, arity, args.len()));
            } else {
                args
            };
            apply_transform(b, &args, this)
        }
        Kind::Values { f, .. } => {
            let mut all = vec![this.clone()];
            all.extend(args);
            f(&all)
        }
        Kind::Control { key, multi } => {
            let pat = reify(this);
            if args.is_empty() {
                return Ok(Value::Pat(super::controls::control_values(
                    &pat, key, multi,
                )));
            }
            // Only the first argument counts, as in the reference.
            let ctl = super::controls::control_pattern(&reify(&args[0]), key, multi);
            Ok(Value::Pat(ops::apply(Op::Set, How::In, &pat, &ctl)?))
        }
        Kind::Op(op) => {
            let other = sequence(&args);
            Ok(Value::Pat(ops::apply(op, How::In, &reify(this), &other)?))
        }
        Kind::OpHow(op, how) => {
            let other = sequence(&args);
            Ok(Value::Pat(ops::apply(op, how, &reify(this), &other)?))
        }
        Kind::Const(_) => Err(RtError::new(format!("`{}` is not a method", b.name))),
    }
}

/// A builtin with some arguments already given (currying).
struct Partial {
    b: &'static Builtin,
    args: Vec<Value>,
}

impl Callable for Partial {
    fn call(&self, args: Vec<Value>) -> R<Value> {
        let mut all = self.args.clone();
        all.extend(args);
        call_global(self.b, all)
    }
    fn name(&self) -> String {
        self.b.name.to_string()
    }
}

fn partial(b: &'static Builtin, args: Vec<Value>) -> Value {
    Value::Func(Func(Arc::new(Partial { b, args })))
}

/// The value of a bare top-level name (`rev`, `fast`, `sine`).
pub fn global_value(b: &'static Builtin) -> R<Value> {
    match b.kind {
        Kind::Const(f) => Ok(f()),
        Kind::Values { .. } => Ok(Value::Func(Func(Arc::new(ValuesFunc { b })))),
        _ => Ok(partial(b, Vec::new())),
    }
}

struct ValuesFunc {
    b: &'static Builtin,
}

impl Callable for ValuesFunc {
    fn call(&self, args: Vec<Value>) -> R<Value> {
        call_global(self.b, args)
    }
    fn name(&self) -> String {
        self.b.name.to_string()
    }
}

/// A method looked up on a value but not yet called (`pat.add`), so that
/// variants can be chosen (`pat.add.out(…)`).
pub struct BoundMethod {
    pub b: &'static Builtin,
    pub this: Value,
    pub how: Option<How>,
}

impl Callable for BoundMethod {
    fn call(&self, args: Vec<Value>) -> R<Value> {
        match (self.how, self.b.kind) {
            (Some(how), Kind::Op(op)) => {
                let other = sequence(&args);
                Ok(Value::Pat(ops::apply(op, how, &reify(&self.this), &other)?))
            }
            _ => call_method(self.b, &self.this, args),
        }
    }
    fn name(&self) -> String {
        self.b.name.to_string()
    }
    fn member(&self, name: &str) -> Option<Value> {
        self.variant(name)
    }
}

impl BoundMethod {
    /// `pat.add.out` and friends.
    pub fn variant(&self, name: &str) -> Option<Value> {
        if let Kind::Op(_) = self.b.kind {
            if self.how.is_none() {
                let how = How::from_name(name)?;
                return Some(Value::Func(Func(Arc::new(BoundMethod {
                    b: self.b,
                    this: self.this.clone(),
                    how: Some(how),
                }))));
            }
        }
        None
    }
}

/// A function value implemented in Rust (for library code that passes
/// functions to other library functions).
struct NativeFn<F> {
    name: &'static str,
    f: F,
}

impl<F: Fn(Vec<Value>) -> R<Value> + Send + Sync> Callable for NativeFn<F> {
    fn call(&self, args: Vec<Value>) -> R<Value> {
        (self.f)(args)
    }
    fn name(&self) -> String {
        self.name.to_string()
    }
}

/// Wraps a plain Rust function as a function value.
pub fn native_fn(name: &'static str, f: fn(Vec<Value>) -> R<Value>) -> Value {
    Value::Func(Func(Arc::new(NativeFn { name, f })))
}

/// Wraps a Rust closure as a function value.
pub fn native_fn_owned(
    name: &'static str,
    f: impl Fn(Vec<Value>) -> R<Value> + Send + Sync + 'static,
) -> Value {
    Value::Func(Func(Arc::new(NativeFn { name, f })))
}
