//! The pattern function library, built on the core in [`crate::pattern`].
//!
//! Functions are written on plain values (`fast(2.0, pat)`), then made
//! "patternable" by one generic wrapper ([`patternify`]): when every argument
//! is a constant the function is called directly; otherwise the arguments
//! are combined into a pattern of argument lists and the results are joined.
//! This is what lets any argument be a pattern (`fast("<1 2>")`).

pub mod controls;
pub mod core_fns;
pub mod kernel_fns;
pub mod keys;
pub mod midi_in;
pub mod modulation;
pub mod ops;
pub mod params;
pub mod pick_fns;
pub mod random_fns;
pub mod registry;
pub mod samples;
pub mod shaping;
pub mod signals;
pub mod stepwise;
pub mod structure_fns;
pub mod time_fns;
pub mod tonal_fns;
pub mod value_fns;
pub mod visual_fns;
pub mod voicing_fns;
pub mod website_fns;

use crate::pattern::{fastcat, pure, report_query_error, Pattern};
use crate::time::Time;
use crate::value::{RtError, Value};
use std::sync::Arc;

pub use registry::{global, global_names, method, method_names, Builtin, Kind};

/// A pattern of runtime values.
pub type Pat = Pattern<Value>;
/// Library result.
pub type R<T> = Result<T, RtError>;

/// Turns any value into a pattern: patterns stay as they are, anything else
/// becomes a constant (`pure`) pattern.
pub fn reify(v: &Value) -> Pat {
    match v {
        Value::Pat(p) => p.clone(),
        other => pure(other.clone()),
    }
}

/// `sequence(a, b, …)`: lists become subsequences, as in the reference.
pub fn sequence(items: &[Value]) -> Pat {
    fastcat(items.iter().map(reify_seq).collect())
}

/// Like [`reify`], but a list becomes a sequence of its items.
pub fn reify_seq(v: &Value) -> Pat {
    match v {
        Value::List(items) => sequence(items),
        other => reify(other),
    }
}

/// A value used as a time (`fast(1.5)`, `late("0.25")`).
pub fn to_time(v: &Value) -> R<Time> {
    match v {
        Value::Num(x) => {
            Time::from_f64(*x).ok_or_else(|| RtError::new("expected a number, found NaN"))
        }
        Value::Str(s) => s
            .parse::<Time>()
            .map_err(|_| RtError::new(format!("expected a number, found the word `{s}`"))),
        Value::Bool(b) => Ok(Time::int(*b as i64)),
        Value::List(l) if l.len() == 2 => {
            let n = l[0].to_number();
            let d = l[1].to_number();
            match (Time::from_f64(n), Time::from_f64(d)) {
                (Some(n), Some(d)) if !d.is_zero() => Ok(n / d),
                _ => Err(RtError::new("expected a number")),
            }
        }
        other => Err(RtError::new(format!(
            "expected a number, found {}",
            other.type_name()
        ))),
    }
}

/// A value used as a plain number (JavaScript coercion; may be NaN).
pub fn to_num(v: &Value) -> f64 {
    v.to_number()
}

/// A value used as a count (`ply(3)`, `iter(4)`): must be a finite integer.
pub fn to_count(v: &Value, what: &str) -> R<i64> {
    let x = v.to_number();
    if !x.is_finite() || x.fract() != 0.0 {
        return Err(RtError::new(format!(
            "{what} must be a whole number, found {}",
            v.show()
        )));
    }
    if x.abs() > 1e6 {
        return Err(RtError::new(format!("{what} is too large ({x})")).with_code("E0302"));
    }
    Ok(x as i64)
}

/// JavaScript's `Math.round` (halves round up, towards +∞).
pub fn js_round(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let f = x.floor();
    if x - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

/// Calls a function value with a pattern and expects a pattern back.
pub fn apply_fn(f: &Value, p: &Pat) -> R<Pat> {
    apply_fn_args(f, vec![Value::Pat(p.clone())])
}

/// Calls a function value with arguments and reifies the result.
pub fn apply_fn_args(f: &Value, args: Vec<Value>) -> R<Pat> {
    match f {
        Value::Func(func) => Ok(reify(&func.call(args)?)),
        other => Err(
            RtError::new(format!("expected a function, found {}", other.type_name()))
                .with_help("pass a function such as `x => x.fast(2)` or `rev`"),
        ),
    }
}

/// How a pattern of patterns is flattened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    Inner,
    Outer,
    Squeeze,
}

/// The signature of a library function written on plain values.
pub type PlainFn = Arc<dyn Fn(&[Value], &Pat) -> R<Pat> + Send + Sync>;

/// Applies `f` with patterned arguments (see the module docs).
pub fn patternify(args: &[Pat], pat: &Pat, f: PlainFn, join: Join) -> R<Pat> {
    if args.is_empty() {
        return f(&[], pat);
    }
    if args.iter().all(|a| a.pure_value.is_some()) {
        let vals: Vec<Value> = args
            .iter()
            .map(|a| (**a.pure_value.as_ref().unwrap()).clone())
            .collect();
        return f(&vals, pat);
    }
    let mut acc: Pattern<Vec<Value>> = args[0].fmap(|v| vec![v.clone()]);
    for a in &args[1..] {
        acc = acc.app_left(a, |vs, v| {
            let mut vs = vs.clone();
            vs.push(v.clone());
            vs
        });
    }
    let pat = pat.clone();
    let pats: Pattern<Pat> = acc.fmap(move |vs| match f(vs, &pat) {
        Ok(p) => p,
        Err(e) => {
            report_query_error(e.message);
            crate::pattern::silence()
        }
    });
    Ok(join_pats(&pats, join))
}

/// Flattens a pattern of patterns.
pub fn join_pats(pats: &Pattern<Pat>, join: Join) -> Pat {
    match join {
        Join::Inner => pats.inner_bind(|p| p.clone()),
        Join::Outer => pats.outer_bind(|p| p.clone()),
        Join::Squeeze => pats.squeeze_bind(|p| p.clone()),
    }
}

/// Flattens a pattern whose values are patterns (`Value::Pat`) or plain
/// values (which count as constant patterns).
pub fn join_values(p: &Pat, join: Join) -> Pat {
    join_pats(&p.fmap(reify), join)
}

/// Calls a patternified library function from Rust code, with arguments
/// that may be patterns: the same path a call from the language takes.
pub fn call(name: &str, args: &[Value], pat: &Pat) -> R<Pat> {
    let b = method(name).ok_or_else(|| RtError::new(format!("unknown function `{name}`")))?;
    match registry::call_method(b, &Value::Pat(pat.clone()), args.to_vec())? {
        Value::Pat(p) => Ok(p),
        other => Ok(reify(&other)),
    }
}
