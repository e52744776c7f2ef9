//! The rest of the time and rhythm functions: placing events on a grid
//! (`beat`), rhythms from lists and numbers (`bjork`, `euclidish`,
//! `binaryL`, `binaryNL`), repeated application (`applyN`), sample
//! playback helpers (`scrub`, `loopAtCps`, `xfade`), naming values
//! (`as`, `ratio`, `sysex`) and signals measuring event length (`per`,
//! `cyclesPer`, `perx`).

use super::core_fns::{bjorklund, euclid_rot_bits};
use super::ops::{self, How, Op};
use super::registry::{AddFn, Kind, TransformFn};
use super::{apply_fn, call, reify, sequence, to_count, to_num, to_time, Join, Pat, R};
use crate::docs::FnDoc;
use crate::hap::Hap;
use crate::pattern::{pure, silence, stack, Pattern};
use crate::span::Span;
use crate::time::Time;
use crate::value::{RtError, Value, ValueMap};
use std::sync::Arc;

/// The longest rhythm or bit list built from a number.
const MAX_STEPS: i64 = 100_000;

/// `beat(t, div)`: each event squeezed into step `t` of a grid of `div`
/// steps per cycle.
fn beat(args: &[Value], pat: &Pat) -> R<Pat> {
    let div = to_time(&args[1])?;
    if div.is_zero() {
        return Err(RtError::new(
            "beat: Division by Zero (the grid has zero steps)",
        ));
    }
    let t = to_time(&args[0])?.js_mod(div);
    let (b, e) = (t / div, (t + Time::ONE) / div);
    Ok(pat.inner_bind(move |v| pure(v.clone()).compress(b, e)))
}

/// Validated euclidean counts: `0 ≤ |pulses| ≤ steps ≤ MAX_STEPS`.
fn euclid_counts(pulses: &Value, steps: &Value, name: &str) -> R<(i64, i64)> {
    let p = to_count(pulses, &format!("{name}: the number of pulses"))?;
    let s = to_count(steps, &format!("{name}: the number of steps"))?;
    if s > MAX_STEPS {
        return Err(RtError::new(format!("{name}: too many steps ({s})")).with_code("E0302"));
    }
    if s < 0 || p.abs() > s {
        return Err(RtError::new(format!(
            "{name}: {} pulses do not fit in {s} steps (Invalid array length)",
            p.abs()
        )));
    }
    Ok((p, s))
}

fn bits_values(bits: &[bool]) -> Vec<Value> {
    bits.iter().map(|b| Value::Num(*b as i32 as f64)).collect()
}

/// `pat.struct([1, 0, …])`.
fn struct_list(pat: &Pat, bits: &[bool]) -> R<Pat> {
    let structure = sequence(&[Value::list(bits_values(bits))]);
    ops::apply(Op::KeepIf, How::Out, pat, &structure)
}

/// `bjork([pulses, steps, rotation])`.
fn bjork(args: &[Value], pat: &Pat) -> R<Pat> {
    let list = match &args[0] {
        Value::List(l) => l.to_vec(),
        other => vec![other.clone()],
    };
    let pulses = list.first().cloned().unwrap_or(Value::Undefined);
    let steps = match list.get(1) {
        None | Some(Value::Undefined) => pulses.clone(),
        Some(s) => s.clone(),
    };
    let (p, s) = euclid_counts(&pulses, &steps, "bjork")?;
    let rot = match list.get(2) {
        None | Some(Value::Undefined) => 0.0,
        Some(r) => r.to_number(),
    };
    let rot = if rot.is_finite() {
        rot.trunc() as i64
    } else {
        0
    };
    struct_list(pat, &euclid_rot_bits(p, s, rot))
}

/// `bjorklund(pulses, steps)`: the rhythm as a list of ones and zeros.
fn bjorklund_list(args: &[Value]) -> R<Value> {
    let undefined = Value::Undefined;
    let (p, s) = euclid_counts(
        args.first().unwrap_or(&undefined),
        args.get(1).unwrap_or(&undefined),
        "bjorklund",
    )?;
    Ok(Value::list(bits_values(&bjorklund(p, s))))
}

/// Onsets of a euclidean rhythm moved part of the way (`by`) towards even
/// spacing, one step long each.
fn morph_arcs(pulses: i64, steps: i64, by: Time) -> Vec<Span> {
    let bits = bjorklund(pulses, steps);
    let from: Vec<Time> = bits
        .iter()
        .enumerate()
        .filter(|(_, b)| **b)
        .map(|(i, _)| Time::new(i as i64, steps))
        .collect();
    let dur = Time::new(1, steps);
    from.iter()
        .enumerate()
        .map(|(i, posa)| {
            let posb = Time::new(i as i64, pulses);
            // The reference subtracts the positions as floats.
            let d = Time::from_f64(posb.to_f64() - posa.to_f64()).unwrap_or(Time::ZERO);
            let b = by * d + *posa;
            Span::new(b, b + dur)
        })
        .collect()
}

fn euclidish(args: &[Value], pat: &Pat) -> R<Pat> {
    let (p, s) = euclid_counts(&args[0], &args[1], "euclidish")?;
    if p < 0 {
        return Err(RtError::new(
            "euclidish: the number of pulses must not be negative",
        ));
    }
    if s == 0 {
        return Err(RtError::new("euclidish: Division by Zero (no steps)"));
    }
    let by = Time::from_f64(to_num(&args[2]))
        .ok_or_else(|| RtError::new("euclidish: the amount must be a number"))?;
    let arcs = morph_arcs(p, s, by);
    let structure: Pat = Pattern::new(move |st| {
        let cycle = st.span.begin.sam();
        let arc = st.span.cycle_arc();
        arcs.iter()
            .filter_map(|whole| {
                let part = whole.intersection(&arc)?;
                Some(Hap::new(
                    Some(whole.with_time(|t| t + cycle)),
                    part.with_time(|t| t + cycle),
                    Value::Bool(true),
                ))
            })
            .collect()
    })
    .split_queries();
    Ok(ops::apply(Op::KeepIf, How::Out, pat, &structure)?.with_steps_value(Some(Time::int(s))))
}

/// `ratio(pat)`: a list `a:b:c` becomes `a / b / c`.
fn ratio_fn(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(ratio(&reify(
        args.first().unwrap_or(&Value::Undefined),
    ))))
}

/// `pat.ratio()`; with an argument it sets the control `ratio`, the
/// parameter of instruments that have one (such as the standard library's
/// `fm`; the reference has no such use and fails).
fn ratio_method(args: &[Value]) -> R<Value> {
    let (this, rest) = args.split_first().expect("a method has a receiver");
    if rest.is_empty() {
        return Ok(Value::Pat(ratio(&reify(this))));
    }
    super::registry::call_param_control("ratio", this, rest.to_vec())
}

fn ratio(pat: &Pat) -> Pat {
    pat.map_values(|v| match v {
        Value::List(l) if l.len() > 1 => Value::Num(
            l[1..]
                .iter()
                .fold(l[0].to_number(), |acc, x| acc / x.to_number()),
        ),
        Value::List(l) if l.len() == 1 => l[0].clone(),
        other => other.clone(),
    })
}

/// `applyN(n, f)`: `f` applied `n` times.
fn apply_n(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = to_num(&args[0]);
    if n > 10_000.0 {
        return Err(RtError::new(format!("applyN: too many repeats ({n})")).with_code("E0302"));
    }
    let mut result = pat.clone();
    let mut i = 0.0;
    while i < n {
        result = apply_fn(&args[1], &result)?;
        i += 1.0;
    }
    Ok(result)
}

/// The control name `as` writes for a name or alias (`lpf` → `cutoff`).
fn control_name(name: &str) -> String {
    super::controls::control(name)
        .map(|(k, _)| k.to_string())
        .unwrap_or_else(|| name.to_string())
}

/// The name a mapping entry stands for; a pattern (a double-quoted string
/// inside a list) is an object to the reference, named as one.
fn mapping_name(v: &Value) -> String {
    match v {
        Value::Pat(_) | Value::Map(_) => "[object Object]".to_string(),
        other => control_name(&other.to_js_string()),
    }
}

/// `as("note:clip")`: list values become controls named in turn.
fn as_controls(args: &[Value], pat: &Pat) -> R<Pat> {
    let names: Vec<String> = match &args[0] {
        Value::List(l) => l.iter().map(mapping_name).collect(),
        other => vec![mapping_name(other)],
    };
    Ok(pat.map_values(move |v| {
        let items = match v {
            Value::List(l) => l.to_vec(),
            other => vec![other.clone()],
        };
        let mut m = ValueMap::new();
        for (name, x) in names.iter().zip(items) {
            if !matches!(x, Value::Undefined) {
                m.set(name.as_str(), x);
            }
        }
        Value::Map(Arc::new(m))
    }))
}

/// `loopAtCps(factor, cps)`: fits a sample to `factor` cycles at `cps`.
fn loop_at_cps(args: &[Value], pat: &Pat) -> R<Pat> {
    let factor = to_time(&args[0])?;
    if factor.is_zero() {
        return Err(RtError::new(
            "loopAtCps: the number of cycles must not be zero",
        ));
    }
    let speed = (1.0 / to_num(&args[0])) * to_num(&args[1]);
    let sped = call("speed", &[Value::Num(speed)], pat)?;
    let unit = call("unit", &[Value::str("c")], &sped)?;
    Ok(unit.slow(factor))
}

fn fade_gain(p: f64) -> f64 {
    if p < 0.5 {
        1.0
    } else {
        1.0 - (p - 0.5) / 0.5
    }
}

/// `xfade(a, pos, b)`: `a` fades out and `b` in as `pos` goes from 0 to 1.
fn xfade(args: &[Value]) -> R<Value> {
    let undefined = Value::Undefined;
    let a = reify(args.first().unwrap_or(&undefined));
    let pos = reify(args.get(1).unwrap_or(&undefined));
    let b = reify(args.get(2).unwrap_or(&undefined));
    let gain_a = pos.map_values(|v| Value::map([("gain", Value::Num(fade_gain(v.to_number())))]));
    let gain_b =
        pos.map_values(|v| Value::map([("gain", Value::Num(fade_gain(1.0 - v.to_number())))]));
    Ok(Value::Pat(stack(vec![
        ops::apply(Op::Mul, How::In, &a, &gain_a)?,
        ops::apply(Op::Mul, How::In, &b, &gain_b)?,
    ])))
}

/// JavaScript's `parseInt(String(v))`: the leading whole number of the
/// text, `None` for NaN.
fn js_parse_int(v: &Value) -> Option<f64> {
    let text = match v {
        Value::Pat(_) | Value::Map(_) => "[object Object]".to_string(),
        other => other.to_js_string(),
    };
    let t = text.trim_start();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, t) = match t.get(..2) {
        Some("0x") | Some("0X") => (16, &t[2..]),
        _ => (10, t),
    };
    let digits: String = t.chars().take_while(|c| c.is_digit(radix)).collect();
    if digits.is_empty() {
        return None;
    }
    let n = digits.chars().fold(0.0, |acc, c| {
        acc * radix as f64 + c.to_digit(radix).unwrap_or(0) as f64
    });
    Some(if neg { -n } else { n })
}

/// `bypass(on)`: silence where `on` reads as a whole number other than 0.
fn bypass(args: &[Value], pat: &Pat) -> R<Pat> {
    let on = js_parse_int(&args[0]).is_some_and(|n| n != 0.0);
    Ok(if on { silence() } else { pat.clone() })
}

/// `rotate(list, n)`: the list starting from index `n` (JavaScript's
/// `slice` rules for negative and large `n`).
fn rotate(args: &[Value]) -> R<Value> {
    let Some(Value::List(l)) = args.first() else {
        return Err(RtError::new("rotate: expected a list"));
    };
    let len = l.len() as i64;
    let n = args.get(1).map(Value::to_number).unwrap_or(0.0);
    let n = if n.is_nan() {
        0
    } else {
        n.trunc().clamp(-1e15, 1e15) as i64
    };
    let k = if n < 0 { (len + n).max(0) } else { n.min(len) } as usize;
    let mut out = l[k..].to_vec();
    out.extend_from_slice(&l[..k]);
    Ok(Value::list(out))
}

/// A pattern whose value is computed from the length of each query.
fn span_measure(f: fn(Time) -> f64) -> Pat {
    Pattern::new(move |st| vec![Hap::new(None, st.span, Value::Num(f(st.span.duration())))])
}

fn per() -> Value {
    Value::Pat(span_measure(|d| {
        if d.is_zero() {
            f64::INFINITY
        } else {
            (Time::ONE / d).to_f64()
        }
    }))
}

fn cycles_per() -> Value {
    Value::Pat(span_measure(|d| d.to_f64()))
}

fn perx() -> Value {
    Value::Pat(span_measure(|d| {
        let n = if d.is_zero() {
            f64::INFINITY
        } else {
            (Time::ONE / d).to_f64()
        };
        crate::jsmath::ln(n) / crate::jsmath::ln(2.0) + 1.0
    }))
}

pub fn register(add: &mut AddFn) {
    let t = |arity, f| Kind::Transform {
        arity,
        f,
        join: Join::Inner,
        preserve_steps: false,
    };
    for (names, kind) in [
        (&["beat"][..], t(2, beat as TransformFn)),
        (&["bjork"][..], t(1, bjork)),
        (&["euclidish", "eish"][..], t(3, euclidish)),
        (&["applyN"][..], t(2, apply_n)),
        (&["as"][..], t(1, as_controls)),
        (&["loopAtCps", "loopatcps"][..], t(2, loop_at_cps)),
        (
            &["bypass"][..],
            Kind::Transform {
                arity: 1,
                f: bypass,
                join: Join::Inner,
                preserve_steps: true,
            },
        ),
    ] {
        for name in names {
            add(name, kind, true, true);
        }
    }
    let v = |f| Kind::Values { f, method: false };
    for (name, kind) in [
        ("bjorklund", v(bjorklund_list)),
        ("rotate", v(rotate)),
        ("xfade", v(xfade)),
        ("ratio", v(ratio_fn)),
    ] {
        add(name, kind, true, false);
    }
    add(
        "ratio",
        Kind::Values {
            f: ratio_method,
            method: true,
        },
        false,
        true,
    );
    add(
        "xfade",
        Kind::Values {
            f: xfade,
            method: true,
        },
        false,
        true,
    );
    add("per", Kind::Const(per), true, false);
    add("perCycle", Kind::Const(per), true, false);
    add("cyclesPer", Kind::Const(cycles_per), true, false);
    add("perx", Kind::Const(perx), true, false);
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["beat"],
        category: "Rhythm",
        summary: "Places each event of the pattern on step `t` of a grid of `div` steps per cycle (several steps with a pattern such as \"0,7,10\").",
        params: &[
            ("t", "the step, counted from 0 (taken modulo `div`); patternable"),
            ("div", "the number of steps per cycle; patternable"),
        ],
        example: "s(\"bd\").beat(\"0,7,10\", 16)",
    },
    FnDoc {
        names: &["bjork"],
        category: "Rhythm",
        summary: "A euclidean rhythm from one list `[pulses, steps, rotation]` (steps default to the pulses, rotation to 0).",
        params: &[("rhythm", "a list such as [3, 8] or [3, 8, 2]; patternable as \"3:8\"")],
        example: "s(\"hh\").bjork([3, 8, 2])",
    },
    FnDoc {
        names: &["bjorklund"],
        category: "Rhythm",
        summary: "The euclidean rhythm of `pulses` onsets in `steps` steps as a plain list of ones and zeros (negative pulses invert it).",
        params: &[("pulses", "the number of onsets"), ("steps", "the number of steps")],
        example: "s(\"bd\").struct(bjorklund(3, 8))",
    },
    FnDoc {
        names: &["euclidish", "eish"],
        category: "Rhythm",
        summary: "A euclidean rhythm morphed towards evenly spaced onsets: at 0 it is `euclid`, at 1 the onsets are spread evenly (and off the step grid in between).",
        params: &[
            ("pulses", "the number of onsets"),
            ("steps", "the number of steps"),
            ("amount", "0 to 1, how far to move towards even spacing; patternable"),
        ],
        example: "sound(\"hh\").euclidish(7, 12, sine.slow(8))",
    },
    FnDoc {
        names: &["ratio"],
        category: "Values",
        summary: "Divides list values: `5:4` becomes 1.25 (`a:b:c` is a / b / c); other values pass unchanged. With an argument, `.ratio(x)` sets the `ratio` parameter of an instrument that has one (such as `fm`).",
        params: &[],
        example: "ratio(\"1, 5:4, 3:2\").mul(110).freq()",
    },
    FnDoc {
        names: &["applyN"],
        category: "Higher-order",
        summary: "Applies a function to the pattern `n` times over.",
        params: &[("n", "how many times (up to 10000); patternable"), ("f", "the function")],
        example: "note(\"c e\").applyN(2, x => x.add(12))",
    },
    FnDoc {
        names: &["as"],
        category: "Controls",
        summary: "Names list values as controls: with \"note:clip\", the value `c:0.5` becomes `{note: \"c\", clip: 0.5}`.",
        params: &[("names", "control names separated by `:` (or a list of names)")],
        example: "\"c:.5 a:1 f:.25 e:.8\".as(\"note:clip\")",
    },
    FnDoc {
        names: &["loopAtCps", "loopatcps"],
        category: "Samples",
        summary: "Like `loopAt`, for a given tempo: fits each sample to `factor` cycles at `cps` cycles per second.",
        params: &[("factor", "the number of cycles"), ("cps", "the tempo in cycles per second")],
        example: "s(\"rhodes\").loopAtCps(4, 1.5)",
    },
    FnDoc {
        names: &["xfade"],
        category: "Combining",
        summary: "Crossfades between two patterns: at position 0 only the first is heard, at 1 only the second, at 0.5 both at full gain.",
        params: &[
            ("a", "the first pattern (the receiver, as a method)"),
            ("position", "0 to 1; patternable"),
            ("b", "the second pattern"),
        ],
        example: "xfade(s(\"bd*2\"), \"<0 .25 .5 .75 1>\", s(\"hh*8\"))",
    },
    FnDoc {
        names: &["bypass"],
        category: "Conditional",
        summary: "Silences the pattern where the argument reads as a whole number other than 0 (`1`, `\"1\"`); 0, fractions below 1 and words leave it playing.",
        params: &[("on", "1 to silence, 0 to play; patternable, such as \"<0 1>\"")],
        example: "s(\"bd sd\").bypass(\"<0 1>\")",
    },
    FnDoc {
        names: &["rotate"],
        category: "Values",
        summary: "A plain list rotated to start from index `n` (negative `n` counts from the end).",
        params: &[("list", "a list"), ("n", "the index to start from")],
        example: "s(\"bd\").struct(rotate([1, 0, 0, 1], 1))",
    },
    FnDoc {
        names: &["per", "perCycle"],
        category: "Signals",
        summary: "The number of events per cycle that the length of each event amounts to (4 for quarter-cycle events); it takes its structure from the pattern it is combined with.",
        params: &[],
        example: "n(\"0 0*2 0 [0 0 0]\").sound(\"bd\").distort(per.div(2))",
    },
    FnDoc {
        names: &["cyclesPer"],
        category: "Signals",
        summary: "The length of each event in cycles (0.25 for quarter-cycle events); it takes its structure from the pattern it is combined with.",
        params: &[],
        example: "sound(\"saw saw [saw saw] saw\").note(cyclesPer.range(50, 100))",
    },
    FnDoc {
        names: &["perx"],
        category: "Signals",
        summary: "Like `per` on a logarithmic scale: 1 for whole-cycle events, 2 for halves, 3 for quarters.",
        params: &[],
        example: "note(perx.struct(\"1 1 [1 [1 1]] 1\").add(40))",
    },
];
