//! Operators between patterns: arithmetic (`add`, `mul`, …), comparisons,
//! `set`/`keep`, and the structure-taking `struct`/`mask`/`reset`/`restart`.
//!
//! Every operator comes in variants that say where the structure of the
//! result comes from: `in` (the left pattern, the default), `out` (the
//! right), `mix` (both), `squeeze`, `squeezeout`, `reset`, `restart`.

use super::registry::{AddFn, Kind};
use super::{Pat, R};
use crate::pattern::{report_query_error, report_query_warning, silence};
use crate::tonal;
use crate::value::{RtError, Value, ValueMap};
use std::sync::Arc;

/// An operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Set,
    Keep,
    KeepIf,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Log2,
    Band,
    Bor,
    Bxor,
    Blshift,
    Brshift,
    Lt,
    Gt,
    Lte,
    Gte,
    Eq,
    Eqt,
    Ne,
    Net,
    And,
    Or,
    Func,
}

/// Where the structure of an operator's result comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    In,
    Out,
    Mix,
    Squeeze,
    SqueezeOut,
    Reset,
    Restart,
    /// Steps aligned: each event of the left plays the right sped up to
    /// the left's step count.
    Poly,
}

impl How {
    pub fn from_name(name: &str) -> Option<How> {
        Some(match name {
            "in" => How::In,
            "out" => How::Out,
            "mix" => How::Mix,
            "squeeze" | "squeezein" => How::Squeeze,
            "squeezeout" => How::SqueezeOut,
            "reset" => How::Reset,
            "restart" => How::Restart,
            "poly" => How::Poly,
            _ => return None,
        })
    }
}

/// Number conversion for arithmetic: numbers, numeric strings and note
/// names (as MIDI numbers, default octave 3).
pub fn numeral(v: &Value) -> Result<f64, String> {
    if let Some(x) = v.as_number() {
        return Ok(x);
    }
    if let Value::Str(s) = v {
        if let Some(m) = tonal::note_to_midi(s, 3.0) {
            return Ok(m);
        }
    }
    Err(format!("cannot parse as numeral: \"{}\"", v.to_js_string()))
}

fn to_i32(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    let m = x.trunc().rem_euclid(4294967296.0);
    m as u32 as i32
}

/// JavaScript's relational comparison (`None` when a side is NaN).
fn js_compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    // Objects compare through their text form, as JavaScript converts them.
    let prim = |v: &Value| match v {
        Value::List(_) | Value::Map(_) => Value::str(&v.to_js_string()),
        other => other.clone(),
    };
    let (a, b) = (&prim(a), &prim(b));
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        _ => a.to_number().partial_cmp(&b.to_number()),
    }
}

fn js_loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Undefined | Value::Null, Value::Undefined | Value::Null) => true,
        (Value::Undefined | Value::Null, _) | (_, Value::Undefined | Value::Null) => false,
        (Value::Num(_), Value::Str(_))
        | (Value::Str(_), Value::Num(_))
        | (Value::Bool(_), _)
        | (_, Value::Bool(_)) => a.to_number() == b.to_number(),
        _ => a == b,
    }
}

/// Applies the operator to two plain (non-map) values.
fn plain(op: Op, a: &Value, b: &Value) -> Result<Value, String> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let num = |f: fn(f64, f64) -> f64| -> Result<Value, String> {
        Ok(Value::Num(f(numeral(a)?, numeral(b)?)))
    };
    let int = |f: fn(i32, i32) -> i32| -> Result<Value, String> {
        Ok(Value::Num(
            f(to_i32(numeral(a)?), to_i32(numeral(b)?)) as f64
        ))
    };
    match op {
        Op::Set => Ok(b.clone()),
        Op::Keep => Ok(a.clone()),
        Op::KeepIf => Ok(if b.truthy() {
            a.clone()
        } else {
            Value::Undefined
        }),
        Op::Add => num(|x, y| x + y),
        Op::Sub => num(|x, y| x - y),
        Op::Mul => num(|x, y| x * y),
        Op::Div => num(|x, y| x / y),
        Op::Mod => num(|x, y| ((x % y) + y) % y),
        Op::Pow => num(crate::jsmath::pow),
        Op::Log2 => num(|x, _| crate::jsmath::log2(x)),
        Op::Band => int(|x, y| x & y),
        Op::Bor => int(|x, y| x | y),
        Op::Bxor => int(|x, y| x ^ y),
        Op::Blshift => int(|x, y| x.wrapping_shl(y as u32 & 31)),
        Op::Brshift => int(|x, y| x.wrapping_shr(y as u32 & 31)),
        Op::Lt => Ok(Value::Bool(js_compare(a, b) == Some(Less))),
        Op::Gt => Ok(Value::Bool(js_compare(a, b) == Some(Greater))),
        Op::Lte => Ok(Value::Bool(matches!(js_compare(a, b), Some(Less | Equal)))),
        Op::Gte => Ok(Value::Bool(matches!(
            js_compare(a, b),
            Some(Greater | Equal)
        ))),
        Op::Eq => Ok(Value::Bool(js_loose_eq(a, b))),
        Op::Ne => Ok(Value::Bool(!js_loose_eq(a, b))),
        Op::Eqt => Ok(Value::Bool(a == b)),
        Op::Net => Ok(Value::Bool(a != b)),
        Op::And => Ok(if a.truthy() { b.clone() } else { a.clone() }),
        Op::Or => Ok(if a.truthy() { a.clone() } else { b.clone() }),
        Op::Func => match b {
            Value::Func(f) => f.call(vec![a.clone()]).map_err(|e| e.message),
            _ => Err("func: expected a function".into()),
        },
    }
}

/// Applies the operator, merging control maps key by key.
pub fn compose(op: Op, a: &Value, b: &Value) -> Result<Value, String> {
    if op == Op::KeepIf {
        return plain(op, a, b);
    }
    if !(a.is_map() || b.is_map()) {
        return plain(op, a, b);
    }
    let wrap = |v: &Value| -> Arc<ValueMap> {
        match v {
            Value::Map(m) => m.clone(),
            other => {
                let mut m = ValueMap::new();
                m.set("value", other.clone());
                Arc::new(m)
            }
        }
    };
    let (am, bm) = (wrap(a), wrap(b));
    if bm.len() == 1
        && bm
            .get("value")
            .is_some_and(|v| !matches!(v, Value::Undefined))
    {
        report_query_warning("[warn]: Can't do arithmetic on control pattern.");
        return Ok(Value::Map(am));
    }
    let mut out = (*am).clone();
    for (k, bv) in bm.iter() {
        let v = match am.get(k) {
            Some(av) => plain(op, av, bv)?,
            None => bv.clone(),
        };
        out.set(k, v);
    }
    Ok(Value::Map(Arc::new(out)))
}

fn op_fn(op: Op) -> impl Fn(&Value, &Value) -> Value + Send + Sync + Clone + 'static {
    move |a, b| match compose(op, a, b) {
        Ok(v) => v,
        Err(e) => {
            report_query_error(e);
            Value::Undefined
        }
    }
}

/// `pat.<op>.<how>(other)`.
pub fn apply(op: Op, how: How, pat: &Pat, other: &Pat) -> R<Pat> {
    let f = op_fn(op);
    let result = match how {
        How::In => pat.app_left(other, f),
        How::Out => pat.app_right(other, f),
        How::Mix => pat.app_both(other, f),
        How::Squeeze => {
            let other = other.clone();
            pat.squeeze_bind(move |a| {
                let (a, f) = (a.clone(), f.clone());
                other.map_values(move |b| f(&a, b))
            })
        }
        How::SqueezeOut => {
            let this = pat.clone();
            other.squeeze_bind(move |b| {
                let (b, f) = (b.clone(), f.clone());
                this.map_values(move |a| f(a, &b))
            })
        }
        How::Poly => {
            // The step ratio is only needed once the left side has an event:
            // a silent left side gives silence even when the ratio is
            // undefined, as in the reference.
            let factor = match (pat.steps, other.steps) {
                (Some(_), Some(rs)) if rs.is_zero() => {
                    Err("Division by Zero: poly with a pattern of zero steps")
                }
                (Some(ls), Some(rs)) => Ok(ls / rs),
                _ => Err(
                    "poly: both patterns need a known number of steps (mini-notation sequences have one)",
                ),
            };
            let other = other.clone();
            pat.outer_bind(move |b| match factor {
                Ok(factor) => {
                    let (b, f) = (b.clone(), f.clone());
                    other.map_values(move |a| f(a, &b)).fast(factor)
                }
                Err(msg) => {
                    report_query_error(msg);
                    silence()
                }
            })
        }
        How::Reset | How::Restart => {
            let this = pat.clone();
            other.reset_bind(how == How::Restart, move |b| {
                let (b, f) = (b.clone(), f.clone());
                this.map_values(move |a| f(a, &b))
            })
        }
    };
    Ok(if op == Op::KeepIf {
        result.filter_values(|v| !matches!(v, Value::Undefined | Value::Null))
    } else {
        result
    })
}

/// Errors in operator arguments that can be found before querying.
pub fn check_op_name(name: &str) -> R<Op> {
    op_by_name(name).ok_or_else(|| RtError::new(format!("unknown operator `{name}`")))
}

fn op_by_name(name: &str) -> Option<Op> {
    Some(match name {
        "set" => Op::Set,
        "keep" => Op::Keep,
        "keepif" => Op::KeepIf,
        "add" => Op::Add,
        "sub" => Op::Sub,
        "mul" => Op::Mul,
        "div" => Op::Div,
        "mod" => Op::Mod,
        "pow" => Op::Pow,
        "log2" => Op::Log2,
        "band" => Op::Band,
        "bor" => Op::Bor,
        "bxor" => Op::Bxor,
        "blshift" => Op::Blshift,
        "brshift" => Op::Brshift,
        "lt" => Op::Lt,
        "gt" => Op::Gt,
        "lte" => Op::Lte,
        "gte" => Op::Gte,
        "eq" => Op::Eq,
        "eqt" => Op::Eqt,
        "ne" => Op::Ne,
        "net" => Op::Net,
        "and" => Op::And,
        "or" => Op::Or,
        "func" => Op::Func,
        _ => return None,
    })
}

pub fn register(add: &mut AddFn) {
    for name in [
        "set", "keep", "keepif", "add", "sub", "mul", "div", "mod", "pow", "log2", "band", "bor",
        "bxor", "blshift", "brshift", "lt", "gt", "lte", "gte", "eq", "eqt", "ne", "net", "and",
        "or", "func",
    ] {
        add(name, Kind::Op(op_by_name(name).unwrap()), true, true);
    }
    // Structure from the argument / from the pattern, keeping only true events.
    add("struct", Kind::OpHow(Op::KeepIf, How::Out), true, true);
    add("structAll", Kind::OpHow(Op::Keep, How::Out), true, true);
    add("mask", Kind::OpHow(Op::KeepIf, How::In), true, true);
    add("maskAll", Kind::OpHow(Op::Keep, How::In), true, true);
    add("reset", Kind::OpHow(Op::KeepIf, How::Reset), true, true);
    add("resetAll", Kind::OpHow(Op::Keep, How::Reset), true, true);
    add("restart", Kind::OpHow(Op::KeepIf, How::Restart), true, true);
    add(
        "restartAll",
        Kind::OpHow(Op::Keep, How::Restart),
        true,
        true,
    );
    // `pat.out(x)` = `pat.set.out(x)` and so on.
    add("in", Kind::OpHow(Op::Set, How::In), false, true);
    add("out", Kind::OpHow(Op::Set, How::Out), false, true);
    add("mix", Kind::OpHow(Op::Set, How::Mix), false, true);
    add("squeeze", Kind::OpHow(Op::Set, How::Squeeze), false, true);
    add(
        "squeezeout",
        Kind::OpHow(Op::Set, How::SqueezeOut),
        false,
        true,
    );
}
