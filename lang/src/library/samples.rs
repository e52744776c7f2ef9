//! Sample manipulation: cutting sounds into pieces (`chop`, `striate`,
//! `slice`, `splice`) and fitting them to time (`loopAt`, `fit`). These work
//! on the `begin`/`end`/`speed`/`unit` controls that sample playback reads.

use super::registry::{AddFn, Kind};
use super::{to_time, Join, Pat, R};
use crate::pattern::{fastcat, pure, report_query_error, slowcat, Pattern};
use crate::time::Time;
use crate::value::{RtError, Value, ValueMap};
use std::sync::Arc;

fn as_map(v: &Value, what: &str) -> Option<ValueMap> {
    match v {
        Value::Map(m) => Some((**m).clone()),
        other => {
            report_query_error(format!(
                "{what}: expected sound controls (such as s(\"bev\")), found {}",
                other.type_name()
            ));
            None
        }
    }
}

/// The pieces of a sound cut in `n`: `floor(n)` pieces of size `1/n`
/// (a fractional `n` leaves the end of the sound out, as in the reference).
fn slice_bounds(n: f64) -> Vec<(f64, f64)> {
    let count = if n.is_finite() && n > 0.0 {
        n.floor().min(100_000.0) as i64
    } else {
        0
    };
    (0..count)
        .map(|i| (i as f64 / n, (i + 1) as f64 / n))
        .collect()
}

fn piece_count(v: &Value, what: &str) -> R<f64> {
    let n = v.to_number();
    if n > 100_000.0 {
        return Err(RtError::new(format!("{what}: too many pieces ({n})")).with_code("E0302"));
    }
    Ok(n)
}

fn chop(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = piece_count(&args[0], "chop")?;
    let bounds = slice_bounds(n);
    let steps = pat.steps.zip(Time::from_f64(n)).map(|(s, n)| s * n);
    let out = pat.squeeze_bind(move |v| {
        // Lists count as objects keyed by index (as JavaScript spreads them).
        let Some(m) = v.as_object().or_else(|| as_map(v, "chop")) else {
            return crate::pattern::silence();
        };
        let range = match (m.get("begin"), m.get("end")) {
            (Some(b), Some(e))
                if !matches!(b, Value::Undefined) && !matches!(e, Value::Undefined) =>
            {
                Some((b.to_number(), e.to_number()))
            }
            _ => None,
        };
        let pieces = bounds
            .iter()
            .map(|(b, e)| {
                let (b, e) = match range {
                    Some((rb, re)) => {
                        let d = re - rb;
                        (rb + b * d, rb + e * d)
                    }
                    None => (*b, *e),
                };
                let mut piece = m.clone();
                piece.set("begin", Value::Num(b));
                piece.set("end", Value::Num(e));
                pure(Value::Map(Arc::new(piece)))
            })
            .collect();
        fastcat(pieces)
    });
    Ok(out.with_steps_value(steps))
}

fn striate(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = piece_count(&args[0], "striate")?;
    let pieces: Vec<Pat> = slice_bounds(n)
        .into_iter()
        .map(|(b, e)| {
            pure(Value::map([
                ("begin", Value::Num(b)),
                ("end", Value::Num(e)),
            ]))
        })
        .collect();
    let set = super::ops::apply(
        super::ops::Op::Set,
        super::ops::How::In,
        pat,
        &slowcat(pieces),
    )?;
    let Some(factor) = Time::from_f64(n).filter(|t| *t > Time::ZERO) else {
        return Ok(crate::pattern::silence());
    };
    Ok(set
        .fast(factor)
        .with_steps_value(pat.steps.map(|s| s * factor)))
}

/// The event value of slice `i` of `n` (or of a list of cut points).
fn slice_value(n: &Value, i: &Value, o: &Value) -> Value {
    let mut m = ValueMap::new();
    let idx = i.to_number();
    let (b, e) = match n {
        Value::List(points) => {
            let at = |k: f64| -> Value {
                if k >= 0.0 && k.fract() == 0.0 {
                    points.get(k as usize).cloned().unwrap_or(Value::Undefined)
                } else {
                    Value::Undefined
                }
            };
            (at(idx), at(idx + 1.0))
        }
        other => {
            let n = other.to_number();
            (Value::Num(idx / n), Value::Num((idx + 1.0) / n))
        }
    };
    m.set("begin", b);
    m.set("end", e);
    m.set("_slices", n.clone());
    match o {
        Value::Map(om) => {
            for (k, v) in om.iter() {
                m.set(k, v.clone());
            }
        }
        Value::List(_) => {
            for (k, v) in o.as_object().unwrap().iter() {
                m.set(k, v.clone());
            }
        }
        other => m.set("s", other.clone()),
    }
    Value::Map(Arc::new(m))
}

fn slice(args: &[Pat], pat: &Pat) -> R<Pat> {
    let (npat, ipat, opat) = (args[0].clone(), args[1].clone(), pat.clone());
    let steps = ipat.steps;
    Ok(npat
        .inner_bind(move |n| {
            let (n, opat) = (n.clone(), opat.clone());
            ipat.outer_bind(move |i| {
                let (n, i) = (n.clone(), i.clone());
                opat.outer_bind(move |o| pure(slice_value(&n, &i, o)))
            })
        })
        .with_steps_value(steps))
}

fn splice(args: &[Pat], pat: &Pat) -> R<Pat> {
    let sliced = slice(args, pat)?;
    let steps = args[1].steps;
    Ok(Pattern::new(move |st| {
        let cps = st.controls.cps.filter(|c| *c != 0.0).unwrap_or(1.0);
        sliced
            .query(st)
            .into_iter()
            .map(|h| {
                let dur = h.whole_or_part().duration().to_f64();
                h.map_value(|v| {
                    let Value::Map(m) = &v else { return v };
                    let slices = m.get("_slices").map(|x| x.to_number()).unwrap_or(1.0);
                    let speed = m
                        .get("speed")
                        .map(|x| x.to_number())
                        .filter(|x| *x != 0.0 && !x.is_nan())
                        .unwrap_or(1.0);
                    let mut out = ValueMap::new();
                    out.set("speed", Value::Num(cps / slices / dur * speed));
                    out.set("unit", Value::str("c"));
                    for (k, x) in m.iter() {
                        out.set(k, x.clone());
                    }
                    Value::Map(Arc::new(out))
                })
            })
            .collect()
    })
    .with_steps_value(steps))
}

fn loop_at(args: &[Value], pat: &Pat) -> R<Pat> {
    let factor = to_time(&args[0])?;
    if factor.is_zero() {
        return Err(RtError::new(
            "loopAt: the number of cycles must not be zero",
        ));
    }
    let f = factor.to_f64();
    let steps = pat.steps.map(|s| s / factor);
    let pat = pat.clone();
    Ok(Pattern::new(move |st| {
        let cps = st.controls.cps.unwrap_or(0.5);
        let speed = Value::Num((1.0 / f) * cps);
        let sped = super::call("speed", &[speed], &pat)
            .and_then(|p| super::call("unit", &[Value::str("c")], &p));
        match sped {
            Ok(p) => p.slow(factor).query(st),
            Err(e) => {
                report_query_error(e.message);
                Vec::new()
            }
        }
    })
    .with_steps_value(steps))
}

fn fit(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.with_haps(|haps, st| {
        let cps = st.controls.cps.filter(|c| *c != 0.0).unwrap_or(1.0);
        haps.into_iter()
            .map(|h| {
                let dur = h.whole_or_part().duration().to_f64();
                h.map_value(|v| {
                    let Some(m) = v.as_object() else {
                        report_query_error("fit: expected sound controls such as s(\"break\")");
                        return v;
                    };
                    let end = m.get("end").map(|x| x.to_number()).unwrap_or(1.0);
                    let begin = m.get("begin").map(|x| x.to_number()).unwrap_or(0.0);
                    let mut out = m.clone();
                    out.set("speed", Value::Num(cps / dur * (end - begin)));
                    out.set("unit", Value::str("c"));
                    Value::Map(Arc::new(out))
                })
            })
            .collect()
    }))
}

pub fn register(add: &mut AddFn) {
    let t = |arity, f| Kind::Transform {
        arity,
        f,
        join: Join::Inner,
        preserve_steps: false,
    };
    for (name, kind) in [
        ("chop", t(1, chop as super::registry::TransformFn)),
        ("striate", t(1, striate)),
        ("loopAt", t(1, loop_at)),
        ("loopat", t(1, loop_at)),
        ("fit", t(0, fit)),
        ("slice", Kind::Raw { arity: 2, f: slice }),
        (
            "splice",
            Kind::Raw {
                arity: 2,
                f: splice,
            },
        ),
    ] {
        add(name, kind, true, true);
    }
}
