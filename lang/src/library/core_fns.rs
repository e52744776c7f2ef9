//! Structural and temporal functions: speed, shifting, reversing, cycling,
//! conditional application, layering and euclidean rhythms.

use super::registry::{AddFn, Kind};
use super::{
    apply_fn, apply_fn_args, call, reify, reify_seq, sequence, to_count, to_num, to_time, Join,
    Pat, R,
};
use crate::hap::Hap;
use crate::pattern::{
    fastcat, nothing, pure, silence, slowcat, slowcat_prime, stack, stepcat, Pattern,
};
use crate::time::Time;
use crate::value::{RtError, Value, ValueMap};
use std::sync::Arc;

fn t1(args: &[Value]) -> R<Time> {
    to_time(&args[0])
}

fn fast(args: &[Value], pat: &Pat) -> R<Pat> {
    if matches!(args[0], Value::Num(x) if x == 0.0) {
        return Ok(silence());
    }
    let f = t1(args)?;
    if f.is_zero() {
        // A zero given as an exact fraction: every query shrinks to the
        // instant 0, and events found there cannot be scaled back.
        let p = pat.clone();
        return Ok(Pattern::new(move |st| {
            let at = crate::span::Span::new(Time::ZERO, Time::ZERO);
            if !p.query(&st.set_span(at)).is_empty() {
                crate::pattern::report_query_error("Division by Zero: speed factor 0");
            }
            Vec::new()
        }));
    }
    check_factor(f)?;
    Ok(pat.fast(f))
}

fn slow(args: &[Value], pat: &Pat) -> R<Pat> {
    if matches!(args[0], Value::Num(x) if x == 0.0) {
        return Ok(silence());
    }
    let f = t1(args)?;
    if f.is_zero() {
        return Err(RtError::new("slow: division by zero"));
    }
    check_factor(Time::ONE / f)?;
    Ok(pat.slow(f))
}

/// Refuses speed factors whose results could not be represented exactly.
fn check_factor(f: Time) -> R<()> {
    if f.abs() > Time::int(1_000_000_000) {
        return Err(RtError::new(format!("speed factor {f} is too large")).with_code("E0302"));
    }
    Ok(())
}

fn hurry(args: &[Value], pat: &Pat) -> R<Pat> {
    let fasted = fast(args, pat)?;
    let speed = Value::map([("speed", args[0].clone())]);
    super::ops::apply(
        super::ops::Op::Mul,
        super::ops::How::In,
        &fasted,
        &pure(speed),
    )
}

fn early(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.early(t1(args)?))
}

fn late(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.late(t1(args)?))
}

/// Reverses the whole pattern (not cycle by cycle).
fn revv(_: &[Value], pat: &Pat) -> R<Pat> {
    let neg = |s: &crate::span::Span| crate::span::Span::new(-s.end, -s.begin);
    Ok(pat.with_query_span(move |s| neg(&s)).with_hap_span(neg))
}

fn ply(args: &[Value], pat: &Pat) -> R<Pat> {
    let factor = t1(args)?;
    check_factor(factor)?;
    let mut out = pat.squeeze_bind(move |v| pure(v.clone()).fast(factor));
    out.steps = pat.steps.map(|s| s * factor);
    Ok(out)
}

fn iter_impl(args: &[Value], pat: &Pat, back: bool) -> R<Pat> {
    let times = t1(args)?;
    let n = (times - Time::ONE).to_f64().floor() as i64 + 1;
    if n > 100_000 {
        return Err(RtError::new("iter: too many subdivisions").with_code("E0302"));
    }
    let pats = (0..n.max(0))
        .map(|i| {
            let t = Time::int(i) / times;
            if back {
                pat.late(t)
            } else {
                pat.early(t)
            }
        })
        .collect();
    Ok(slowcat(pats))
}

fn iter(args: &[Value], pat: &Pat) -> R<Pat> {
    iter_impl(args, pat, false)
}

fn iter_back(args: &[Value], pat: &Pat) -> R<Pat> {
    iter_impl(args, pat, true)
}

fn repeat_cycles(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.repeat_cycles(t1(args)?))
}

fn palindrome(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(slowcat_prime(vec![pat.clone(), pat.rev()]))
}

/// `firstOf(n, f)`: `f` applied in the first of every `n` cycles.
fn first_of(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = to_count(&args[0], "firstOf: the cycle count")?;
    if n < 1 {
        return Err(RtError::new("firstOf: the cycle count must be at least 1"));
    }
    let mut pats = vec![apply_fn(&args[1], pat)?];
    pats.extend((1..n).map(|_| pat.clone()));
    Ok(slowcat_prime(pats))
}

/// `lastOf(n, f)`: `f` applied in the last of every `n` cycles.
fn last_of(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = to_count(&args[0], "lastOf: the cycle count")?;
    if n < 1 {
        return Err(RtError::new("lastOf: the cycle count must be at least 1"));
    }
    let mut pats: Vec<Pat> = (1..n).map(|_| pat.clone()).collect();
    pats.push(apply_fn(&args[1], pat)?);
    Ok(slowcat_prime(pats))
}

fn chunk_impl(args: &[Value], pat: &Pat, back: bool, fast: bool) -> R<Pat> {
    let n = to_count(&args[0], "chunk: the number of parts")?;
    if n < 1 {
        return Err(RtError::new(
            "chunk: the number of parts must be at least 1",
        ));
    }
    let mut binary = vec![Value::Bool(true)];
    binary.extend((1..n).map(|_| Value::Bool(false)));
    let bin = sequence(&binary);
    let bin_pat = iter_impl(&[Value::Num(n as f64)], &bin, !back)?;
    let pat = if fast {
        pat.clone()
    } else {
        pat.repeat_cycles(Time::int(n))
    };
    call("when", &[Value::Pat(bin_pat), args[1].clone()], &pat)
}

fn chunk(args: &[Value], pat: &Pat) -> R<Pat> {
    chunk_impl(args, pat, false, false)
}

fn chunk_back(args: &[Value], pat: &Pat) -> R<Pat> {
    chunk_impl(args, pat, true, false)
}

fn fast_chunk(args: &[Value], pat: &Pat) -> R<Pat> {
    chunk_impl(args, pat, false, true)
}

fn linger(args: &[Value], pat: &Pat) -> R<Pat> {
    let t = t1(args)?;
    if t.is_zero() {
        return Ok(silence());
    }
    if t.is_negative() {
        // Lingers on the end of the cycle (the reference throws here).
        return Ok(pat.zoom(Time::ONE + t, Time::ONE).slow(-t));
    }
    Ok(pat.zoom(Time::ZERO, t).slow(t))
}

fn zoom(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.zoom(to_time(&args[0])?, to_time(&args[1])?))
}

fn compress(args: &[Value], pat: &Pat) -> R<Pat> {
    let (b, e) = (to_time(&args[0])?, to_time(&args[1])?);
    if b == e && b >= Time::ZERO && b <= Time::ONE {
        return Err(RtError::new(
            "Division by Zero: compress needs a span of non-zero length",
        ));
    }
    Ok(pat.compress(b, e))
}

fn focus(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.focus(to_time(&args[0])?, to_time(&args[1])?))
}

fn fast_gap(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.fast_gap(t1(args)?))
}

fn ribbon(args: &[Value], pat: &Pat) -> R<Pat> {
    let shifted = pat.early(to_time(&args[0])?);
    let cycles = to_time(&args[1])?;
    let trig = pure(Value::Num(1.0)).slow(cycles);
    super::ops::apply(
        super::ops::Op::KeepIf,
        super::ops::How::Restart,
        &shifted,
        &trig,
    )
}

fn inside(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = to_time(&args[0])?;
    Ok(apply_fn(&args[1], &pat.slow(n))?.fast(n))
}

fn outside(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = to_time(&args[0])?;
    Ok(apply_fn(&args[1], &pat.fast(n))?.slow(n))
}

fn swing_by(args: &[Value], pat: &Pat) -> R<Pat> {
    let swing = to_num(&args[0]);
    let shift = sequence(&[Value::Num(0.0), Value::Num(swing / 2.0)]);
    let n = to_time(&args[1])?;
    let inner = pat.slow(n);
    Ok(call("late", &[Value::Pat(shift)], &inner)?.fast(n))
}

fn swing(args: &[Value], pat: &Pat) -> R<Pat> {
    swing_by(&[Value::Num(1.0 / 3.0), args[0].clone()], pat)
}

fn when(args: &[Value], pat: &Pat) -> R<Pat> {
    if args[0].truthy() {
        apply_fn(&args[1], pat)
    } else {
        Ok(pat.clone())
    }
}

fn off(args: &[Value], pat: &Pat) -> R<Pat> {
    let shifted = pat.late(to_time(&args[0])?);
    Ok(stack(vec![pat.clone(), apply_fn(&args[1], &shifted)?]))
}

fn brak(_: &[Value], pat: &Pat) -> R<Pat> {
    let cond = slowcat(vec![pure(Value::Bool(false)), pure(Value::Bool(true))]);
    call(
        "when",
        &[
            Value::Pat(cond),
            super::registry::native_fn("brak", brak_step),
        ],
        pat,
    )
}

fn brak_step(args: Vec<Value>) -> R<Value> {
    let p = reify(&args[0]);
    Ok(Value::Pat(
        fastcat(vec![p, silence()]).late(Time::new(1, 4)),
    ))
}

fn press_by(args: &[Value], pat: &Pat) -> R<Pat> {
    let r = to_time(&args[0])?;
    Ok(pat.squeeze_bind(move |v| pure(v.clone()).compress(r, Time::ONE)))
}

fn press(_: &[Value], pat: &Pat) -> R<Pat> {
    press_by(&[Value::Num(0.5)], pat)
}

fn filter_when(pat: &Pat, test: impl Fn(Time) -> bool + Send + Sync + 'static) -> Pat {
    pat.with_haps(move |haps: Vec<Hap<Value>>, _| {
        haps.into_iter()
            .filter(|h| match h.whole {
                Some(w) => test(w.begin),
                None => {
                    crate::pattern::report_query_error(
                        "within: continuous signals have no onsets to test (use segment first)",
                    );
                    false
                }
            })
            .collect()
    })
}

fn within(args: &[Value], pat: &Pat) -> R<Pat> {
    let (a, b) = (to_num(&args[0]), to_num(&args[1]));
    let inside = filter_when(pat, move |t| {
        let p = t.cycle_pos().to_f64();
        p >= a && p <= b
    });
    let outside = filter_when(pat, move |t| {
        let p = t.cycle_pos().to_f64();
        p < a || p > b
    });
    Ok(stack(vec![apply_fn(&args[2], &inside)?, outside]))
}

fn map_pan(pat: &Pat, delta: f64) -> Pat {
    // One key shared by every event.
    let key: Arc<str> = Arc::from("pan");
    pat.map_values(move |v| match v.as_object() {
        Some(m) => {
            let mut m = m;
            let pan = m.get("pan").map(|p| p.to_number()).unwrap_or(0.5);
            m.set(key.clone(), Value::Num(pan + delta));
            Value::Map(Arc::new(m))
        }
        None => {
            crate::pattern::report_query_error(format!(
                "jux: expected control values (such as s(\"bd\")), found {}",
                v.type_name()
            ));
            Value::Undefined
        }
    })
}

fn jux_by(args: &[Value], pat: &Pat) -> R<Pat> {
    let by = to_num(&args[0]) / 2.0;
    let left = map_pan(pat, -by);
    let right = apply_fn(&args[1], &map_pan(pat, by))?;
    Ok(stack(vec![left, right]))
}

fn jux(args: &[Value], pat: &Pat) -> R<Pat> {
    jux_by(&[Value::Num(1.0), args[0].clone()], pat)
}

fn echo_with(args: &[Value], pat: &Pat) -> R<Pat> {
    let times = to_num(&args[0]);
    let time = to_time(&args[1])?;
    let n = (times - 1.0).floor() as i64 + 1;
    if n > 10_000 {
        return Err(RtError::new("echoWith: too many repeats").with_code("E0302"));
    }
    let mut pats = Vec::new();
    for i in 0..n.max(0) {
        let shifted = pat.late(time * Time::int(i));
        pats.push(apply_fn_args(
            &args[2],
            vec![Value::Pat(shifted), Value::Num(i as f64)],
        )?);
    }
    Ok(stack(pats))
}

fn echo_gain(times: &Value, time: &Value, feedback: f64, pat: &Pat) -> R<Pat> {
    let f = super::registry::native_fn_owned("echo", move |args: Vec<Value>| {
        let p = reify(&args[0]);
        let i = args.get(1).map(|v| v.to_number()).unwrap_or(0.0);
        let g = crate::jsmath::pow(feedback, i);
        Ok(Value::Pat(call("gain", &[Value::Num(g)], &p)?))
    });
    echo_with(&[times.clone(), time.clone(), f], pat)
}

fn echo(args: &[Value], pat: &Pat) -> R<Pat> {
    echo_gain(&args[0], &args[1], to_num(&args[2]), pat)
}

fn stut(args: &[Value], pat: &Pat) -> R<Pat> {
    echo_gain(&args[0], &args[2], to_num(&args[1]), pat)
}

// ----- euclidean rhythms ----------------------------------------------------

/// Bjorklund's algorithm: `ons` onsets spread over `steps` steps.
pub fn bjorklund(ons: i64, steps: i64) -> Vec<bool> {
    let inverted = ons < 0;
    let ons_abs = ons.unsigned_abs() as usize;
    let steps = steps.max(0) as usize;
    let offs = steps.saturating_sub(ons_abs);
    let mut a: Vec<Vec<bool>> = vec![vec![true]; ons_abs.min(steps.max(ons_abs))];
    let mut b: Vec<Vec<bool>> = vec![vec![false]; offs];
    let (mut on, mut off) = (a.len(), b.len());
    while on.min(off) > 1 {
        if on > off {
            // Pair the first `off` groups of `a` with all of `b`; leftover `a` becomes `b`.
            let rest = a.split_off(off);
            for (x, y) in a.iter_mut().zip(b.iter()) {
                x.extend_from_slice(y);
            }
            b = rest;
            (on, off) = (off, on - off);
        } else {
            let rest = b.split_off(on);
            for (x, y) in a.iter_mut().zip(b.iter()) {
                x.extend_from_slice(y);
            }
            b = rest;
            (on, off) = (on, off - on);
        }
    }
    let mut out: Vec<bool> = a
        .into_iter()
        .flatten()
        .chain(b.into_iter().flatten())
        .collect();
    if inverted {
        for x in &mut out {
            *x = !*x;
        }
    }
    out
}

/// The euclidean rhythm, rotated as the reference rotates it (later by `rot`).
pub fn euclid_rot_bits(pulses: i64, steps: i64, rot: i64) -> Vec<bool> {
    let b = bjorklund(pulses, steps);
    if rot == 0 || b.is_empty() {
        return b;
    }
    // `arr.slice(-rot).concat(arr.slice(0, -rot))` with JavaScript's clamping.
    let len = b.len() as i64;
    let k = -rot;
    let start = if k < 0 { (len + k).max(0) } else { k.min(len) } as usize;
    let mut out = b[start..].to_vec();
    out.extend_from_slice(&b[..start]);
    out
}

fn bits_pattern(bits: &[bool]) -> Pat {
    let vals: Vec<Value> = bits.iter().map(|b| Value::Num(*b as i32 as f64)).collect();
    sequence(&vals)
}

fn euclid_counts(args: &[Value]) -> R<(i64, i64)> {
    let p = to_count(&args[0], "euclid: the number of pulses")?;
    let s = to_count(&args[1], "euclid: the number of steps")?;
    if p.abs() > 100_000 || s > 100_000 {
        return Err(RtError::new("euclid: too many steps").with_code("E0302"));
    }
    if s < 0 || p.abs() > s {
        return Err(RtError::new(format!(
            "euclid: {} pulses do not fit in {s} steps",
            p.abs()
        )));
    }
    Ok((p, s))
}

fn struct_bits(pat: &Pat, bits: &[bool]) -> R<Pat> {
    super::ops::apply(
        super::ops::Op::KeepIf,
        super::ops::How::Out,
        pat,
        &bits_pattern(bits),
    )
}

fn euclid(args: &[Value], pat: &Pat) -> R<Pat> {
    let (p, s) = euclid_counts(args)?;
    struct_bits(pat, &euclid_rot_bits(p, s, 0))
}

fn euclid_rot(args: &[Value], pat: &Pat) -> R<Pat> {
    let (p, s) = euclid_counts(args)?;
    // A rotation that is not a number does nothing (as in the reference).
    let r = args[2].to_number();
    let r = if r.is_finite() { r.trunc() as i64 } else { 0 };
    struct_bits(pat, &euclid_rot_bits(p, s, r))
}

fn euclid_legato_impl(args: &[Value], rot: &Value, pat: &Pat) -> R<Pat> {
    let (p, s) = euclid_counts(args)?;
    if p < 1 {
        return Ok(silence());
    }
    let bits = euclid_rot_bits(p, s, 0);
    // Each onset lasts until the next one.
    let text: String = bits.iter().map(|b| if *b { '1' } else { '0' }).collect();
    let parts: Vec<(Option<Time>, Pat)> = text
        .split('1')
        .skip(1)
        .map(|gap| {
            (
                Some(Time::int(gap.len() as i64 + 1)),
                pure(Value::Bool(true)),
            )
        })
        .collect();
    let structure = stepcat(parts);
    let structured = super::ops::apply(
        super::ops::Op::KeepIf,
        super::ops::How::Out,
        pat,
        &structure,
    )?;
    let shift = to_time(rot)? / Time::int(s.max(1));
    Ok(structured.late(shift))
}

fn euclid_legato(args: &[Value], pat: &Pat) -> R<Pat> {
    euclid_legato_impl(args, &Value::Num(0.0), pat)
}

fn euclid_legato_rot(args: &[Value], pat: &Pat) -> R<Pat> {
    euclid_legato_impl(args, &args[2], pat)
}

// ----- layering ---------------------------------------------------------------

fn superimpose_values(args: &[Value]) -> R<Value> {
    // Method form: this, f1, f2, …
    let pat = reify(&args[0]);
    let mut pats = vec![pat.clone()];
    for f in &args[1..] {
        pats.push(apply_fn(f, &pat)?);
    }
    Ok(Value::Pat(stack(pats)))
}

fn layer_values(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    let mut pats = Vec::new();
    for f in &args[1..] {
        pats.push(apply_fn(f, &pat)?);
    }
    Ok(Value::Pat(stack(pats)))
}

// ----- constructors --------------------------------------------------------------

fn stack_values(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(stack(args.iter().map(reify_seq).collect())))
}

fn slowcat_values(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(slowcat(args.iter().map(reify_seq).collect())))
}

fn fastcat_values(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(sequence(args)))
}

fn pure_value(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(pure(args.first().cloned().unwrap_or_default())))
}

fn silence_value() -> Value {
    Value::Pat(silence())
}

/// `[weight, pattern]` lists or patterns (weighted by their step count).
fn timecat_values(args: &[Value]) -> R<Value> {
    let items = args
        .iter()
        .map(super::stepwise::stepcat_item)
        .collect::<R<Vec<_>>>()?;
    Ok(Value::Pat(super::stepwise::stepcat_weighted(items)?))
}

/// `arrange([cycles, pattern], …)`: sections played one after another.
fn arrange_values(args: &[Value]) -> R<Value> {
    let mut total = Time::ZERO;
    let mut items = Vec::new();
    for a in args {
        let Value::List(l) = a else {
            return Err(RtError::new("arrange: expected [cycles, pattern] pairs")
                .with_help("write arrange([4, \"a b\"], [2, \"c d\"])"));
        };
        if l.len() != 2 {
            return Err(RtError::new("arrange: expected [cycles, pattern] pairs"));
        }
        let cycles = to_time(&l[0])?;
        total = total + cycles;
        items.push((Some(cycles), reify(&l[1]).fast(cycles)));
    }
    Ok(Value::Pat(stepcat(items).slow(total)))
}

/// `polymeter(a, b, …)`: aligns the steps of the patterns.
fn polymeter_values(args: &[Value]) -> R<Value> {
    if matches!(args.first(), Some(Value::List(_))) {
        // Lists of items: steps of the first list.
        let seqs: Vec<(Pat, usize)> = args
            .iter()
            .map(|a| match a {
                Value::List(l) => (sequence(l), l.len()),
                other => (reify(other), 1),
            })
            .collect();
        let steps = seqs[0].1;
        let pats = seqs
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(p, n)| {
                if n == steps {
                    p
                } else {
                    p.fast(Time::new(steps as i64, n as i64))
                }
            })
            .collect();
        return Ok(Value::Pat(stack(pats)));
    }
    let pats: Vec<Pat> = args
        .iter()
        .map(reify)
        .filter(|p| p.steps.is_some())
        .collect();
    if pats.is_empty() {
        return Ok(silence_value());
    }
    let steps = crate::pattern::lcm_steps(pats.iter().map(|p| p.steps)).unwrap();
    if steps.is_zero() {
        return Ok(Value::Pat(nothing()));
    }
    let paced = pats.iter().map(|p| pace_to(p, steps)).collect();
    Ok(Value::Pat(stack(paced).with_steps_value(Some(steps))))
}

fn pace_to(pat: &Pat, target: Time) -> Pat {
    match pat.steps {
        None => pat.clone(),
        Some(s) if s.is_zero() => nothing(),
        Some(s) => pat.fast(target / s).with_steps_value(Some(target)),
    }
}

fn pace(args: &[Value], pat: &Pat) -> R<Pat> {
    let target = t1(args)?;
    if target.is_zero() && pat.steps.is_some_and(|s| !s.is_zero()) {
        // Speeding up by an exact zero fails once there are events, as in
        // the reference.
        let zero = Value::list(vec![Value::Num(0.0), Value::Num(1.0)]);
        return Ok(fast(&[zero], pat)?.with_steps_value(Some(target)));
    }
    Ok(pace_to(pat, target))
}

/// `squeeze(indices, [a, b, …])`: plays the chosen pattern squeezed into each event.
fn squeeze_values(args: &[Value]) -> R<Value> {
    let idx = reify(args.first().unwrap_or(&Value::Undefined));
    let xs: Vec<Pat> = match args.get(1) {
        Some(Value::List(l)) => l.iter().map(reify).collect(),
        _ => args[1..].iter().map(reify).collect(),
    };
    if xs.is_empty() {
        return Ok(silence_value());
    }
    let n = xs.len() as f64;
    Ok(Value::Pat(idx.squeeze_bind(move |i| {
        let k = super::js_round(i.to_number());
        let k = ((k % n) + n) % n;
        xs.get(k as usize).cloned().unwrap_or_else(silence)
    })))
}

fn run(args: &[Value]) -> R<Value> {
    let n = args.first().cloned().unwrap_or(Value::Num(0.0));
    let saw = super::signals::saw();
    let ranged = call("range", &[Value::Num(0.0), n.clone()], &saw)?;
    let rounded = call("round", &[], &ranged)?;
    Ok(Value::Pat(call("segment", &[n], &rounded)?))
}

fn segment(args: &[Value], pat: &Pat) -> R<Pat> {
    let rate = t1(args)?;
    check_factor(rate)?;
    let structure = pure(Value::Bool(true)).fast(rate);
    let out = super::ops::apply(
        super::ops::Op::KeepIf,
        super::ops::How::Out,
        pat,
        &structure,
    )?;
    Ok(out.with_steps_value(Some(rate)))
}

fn round(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(numeric_map(pat, super::js_round))
}

fn floor(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(numeric_map(pat, f64::floor))
}

fn ceil(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(numeric_map(pat, f64::ceil))
}

/// Maps numbers (numerals: numbers, numeric strings, note names). On
/// control maps the function is applied to every numeric control.
pub fn numeric_map(pat: &Pat, f: fn(f64) -> f64) -> Pat {
    pat.map_values(move |v| match v {
        Value::Map(m) => {
            let mut out = ValueMap::new();
            for (k, x) in m.iter() {
                let y = match super::ops::numeral(x) {
                    Ok(n) => Value::Num(f(n)),
                    Err(_) => x.clone(),
                };
                out.set(k, y);
            }
            Value::Map(Arc::new(out))
        }
        other => match super::ops::numeral(other) {
            Ok(n) => Value::Num(f(n)),
            Err(e) => {
                crate::pattern::report_query_error(e);
                Value::Undefined
            }
        },
    })
}

fn range(args: &[Value], pat: &Pat) -> R<Pat> {
    let (min, max) = (to_num(&args[0]), to_num(&args[1]));
    let scaled = super::ops::apply(
        super::ops::Op::Mul,
        super::ops::How::In,
        pat,
        &pure(Value::Num(max - min)),
    )?;
    super::ops::apply(
        super::ops::Op::Add,
        super::ops::How::In,
        &scaled,
        &pure(Value::Num(min)),
    )
}

fn rangex(args: &[Value], pat: &Pat) -> R<Pat> {
    let (min, max) = (
        crate::jsmath::ln(to_num(&args[0])),
        crate::jsmath::ln(to_num(&args[1])),
    );
    let ranged = range(&[Value::Num(min), Value::Num(max)], pat)?;
    Ok(ranged.map_values(|v| Value::Num(crate::jsmath::exp(v.to_number()))))
}

fn range2(args: &[Value], pat: &Pat) -> R<Pat> {
    let uni = pat.map_values(|v| Value::Num((v.to_number() + 1.0) / 2.0));
    range(args, &uni)
}

fn to_bipolar(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.map_values(|v| Value::Num(v.to_number() * 2.0 - 1.0)))
}

fn from_bipolar(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.map_values(|v| Value::Num((v.to_number() + 1.0) / 2.0)))
}

fn invert(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat
        .map_values(|v| Value::Bool(!v.truthy()))
        .with_steps_value(pat.steps))
}

fn apply_f(args: &[Value], pat: &Pat) -> R<Pat> {
    apply_fn(&args[0], pat)
}

fn bite(args: &[Pat], pat: &Pat) -> R<Pat> {
    let (npat, ipat) = (&args[0], &args[1]);
    let pat = pat.clone();
    let funcs = ipat.app_left(npat, move |i, n| {
        let i = to_time(i).unwrap_or(Time::ZERO);
        let n = to_time(n).unwrap_or(Time::ONE);
        if n.is_zero() {
            return silence();
        }
        let a = (i / n).js_mod(Time::ONE);
        let b = a + Time::ONE / n;
        pat.zoom(a, b)
    });
    Ok(funcs.squeeze_bind(|p| p.clone()))
}

fn arp_with(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = args[0].clone();
    let collected = collect_haps(pat);
    let joined = collected.inner_bind(move |haps| match &f {
        Value::Func(func) => {
            let list = Value::list(haps.iter().map(|(v, _)| v.clone()).collect());
            match func.call(vec![list]) {
                Ok(v) => {
                    // A chosen note keeps its context (e.g. its scale).
                    let haps = haps.clone();
                    reify(&v).with_hap(move |h| {
                        if let Some((_, c)) = haps.iter().find(|(x, _)| *x == h.value) {
                            h.context = h.context.combine(c);
                        }
                    })
                }
                Err(e) => {
                    crate::pattern::report_query_error(e.message);
                    silence()
                }
            }
        }
        _ => silence(),
    });
    Ok(joined)
}

/// Groups events with identical spans into lists (for chords: `arp`).
fn collect_haps(pat: &Pat) -> Pattern<Vec<(Value, crate::hap::Context)>> {
    pat.with_haps(|haps: Vec<Hap<Value>>, _| {
        let mut groups: Vec<Hap<Vec<(Value, crate::hap::Context)>>> = Vec::new();
        for h in haps {
            if groups
                .iter()
                .any(|g| g.whole.is_none() != h.whole.is_none())
            {
                crate::pattern::report_query_error(
                    "arp: cannot group continuous signals with events (segment them first)",
                );
            }
            let same = groups.iter_mut().find(|g| g.whole == h.whole);
            match same {
                Some(g) => g.value.push((h.value, h.context)),
                None => groups.push(Hap::new(h.whole, h.part, vec![(h.value, h.context)])),
            }
        }
        groups
    })
}

/// `arp("0 [0,2]")`: picks notes of each chord by index.
fn arp(args: &[Pat], pat: &Pat) -> R<Pat> {
    let indices = args[0].clone();
    let collected = collect_haps(pat);
    Ok(collected.inner_bind(move |haps| {
        let haps = haps.clone();
        indices.with_haps(move |index_haps, _| {
            let mut out = Vec::new();
            for h in index_haps {
                if haps.is_empty() {
                    continue;
                }
                let n = haps.len() as f64;
                let k = h.value.to_number() % n;
                // JavaScript's `%` keeps the sign: negative or non-numeric
                // indices find no note, which the reference reports as an error.
                if k.is_nan() || k < 0.0 || k.fract() != 0.0 {
                    crate::pattern::report_query_error(format!(
                        "arp: no note at index {}",
                        h.value.to_js_string()
                    ));
                    continue;
                }
                let (value, context) = haps[k as usize].clone();
                // The note keeps its context (e.g. the scale set before arp).
                let context = h.context.combine(&context);
                out.push(Hap::with_context(h.whole, h.part, value, context));
            }
            out
        })
    }))
}

fn reify_value(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(reify(args.first().unwrap_or(&Value::Undefined))))
}

/// `pick(lookup)`: each value of the pattern selects a pattern from `lookup`
/// (a list by index, clamped, or a map by name).
fn pick_impl(args: &[Value], pat: &Pat, modulo: bool, join: Join) -> R<Pat> {
    let lookup = args[0].clone();
    let len = match &lookup {
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        _ => return Err(RtError::new("pick: expected a list or a map of patterns")),
    };
    if len == 0 {
        return Ok(silence());
    }
    let pats: Pattern<Pat> = pat.fmap(move |v| match &lookup {
        Value::List(l) => {
            let k = super::js_round(v.to_number());
            let i = if modulo {
                (k % len as f64 + len as f64) % len as f64
            } else {
                k.clamp(0.0, (len - 1) as f64)
            };
            if i.is_nan() {
                crate::pattern::report_query_error(format!(
                    "pick: `{}` is not an index",
                    v.to_js_string()
                ));
                silence()
            } else {
                reify(&l[i as usize])
            }
        }
        Value::Map(m) => m.get(&v.to_js_string()).map(reify).unwrap_or_else(silence),
        _ => silence(),
    });
    Ok(super::join_pats(&pats, join))
}

fn pick(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_impl(args, pat, false, Join::Inner)
}

fn pickmod(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_impl(args, pat, true, Join::Inner)
}

fn pick_out(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_impl(args, pat, false, Join::Outer)
}

fn inhabit(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_impl(args, pat, false, Join::Squeeze)
}

fn sequence_fn(args: &[Value]) -> R<Value> {
    fastcat_values(args)
}

pub fn register(add: &mut AddFn) {
    let t = |arity, f| Kind::Transform {
        arity,
        f,
        join: Join::Inner,
        preserve_steps: false,
    };
    let tp = |arity, f| Kind::Transform {
        arity,
        f,
        join: Join::Inner,
        preserve_steps: true,
    };
    for (names, kind) in [
        (&["fast"][..], tp(1, fast)),
        (&["slow", "sparsity"][..], t(1, slow)),
        (&["hurry"][..], t(1, hurry)),
        (&["early"][..], tp(1, early)),
        (&["late"][..], tp(1, late)),
        (
            &["rev"][..],
            Kind::Raw {
                arity: 0,
                f: |_, p| Ok(p.rev()),
            },
        ),
        (&["revv"][..], t(0, revv)),
        (&["ply"][..], t(1, ply)),
        (&["iter"][..], tp(1, iter)),
        (&["iterBack", "iterback"][..], tp(1, iter_back)),
        (&["repeatCycles"][..], tp(1, repeat_cycles)),
        (&["palindrome"][..], tp(0, palindrome)),
        (&["firstOf", "every"][..], t(2, first_of)),
        (&["lastOf"][..], t(2, last_of)),
        (&["chunk", "slowchunk", "slowChunk"][..], tp(2, chunk)),
        (&["chunkBack", "chunkback"][..], tp(2, chunk_back)),
        (&["fastChunk", "fastchunk"][..], tp(2, fast_chunk)),
        (&["linger"][..], tp(1, linger)),
        (&["zoom"][..], t(2, zoom)),
        (&["compress"][..], t(2, compress)),
        (&["focus"][..], t(2, focus)),
        (&["fastGap", "fastgap"][..], t(1, fast_gap)),
        (&["ribbon", "rib"][..], t(2, ribbon)),
        (&["inside"][..], t(2, inside)),
        (&["outside"][..], t(2, outside)),
        (&["swingBy"][..], t(2, swing_by)),
        (&["swing"][..], t(1, swing)),
        (&["when"][..], t(2, when)),
        (&["off"][..], t(2, off)),
        (&["brak"][..], t(0, brak)),
        (&["pressBy"][..], t(1, press_by)),
        (&["press"][..], t(0, press)),
        (&["within"][..], t(3, within)),
        (&["juxBy", "juxby"][..], t(2, jux_by)),
        (&["jux"][..], t(1, jux)),
        (
            &["echoWith", "echowith", "stutWith", "stutwith"][..],
            t(3, echo_with),
        ),
        (&["echo"][..], t(3, echo)),
        (&["stut"][..], t(3, stut)),
        (&["euclid"][..], t(2, euclid)),
        (&["euclidRot", "euclidrot"][..], t(3, euclid_rot)),
        (&["euclidLegato"][..], t(2, euclid_legato)),
        (&["euclidLegatoRot"][..], t(3, euclid_legato_rot)),
        (&["segment", "seg"][..], t(1, segment)),
        (&["round"][..], t(0, round)),
        (&["floor"][..], t(0, floor)),
        (&["ceil"][..], t(0, ceil)),
        (&["range"][..], t(2, range)),
        (&["rangex"][..], t(2, rangex)),
        (&["range2"][..], t(2, range2)),
        (&["toBipolar"][..], t(0, to_bipolar)),
        (&["fromBipolar"][..], t(0, from_bipolar)),
        (&["invert", "inv"][..], tp(0, invert)),
        (&["apply"][..], t(1, apply_f)),
        (&["pace", "steps"][..], t(1, pace)),
        (&["arpWith"][..], t(1, arp_with)),
        (&["bite"][..], Kind::Raw { arity: 2, f: bite }),
        (&["pick"][..], t(1, pick)),
        (&["pickmod"][..], t(1, pickmod)),
        (&["pickOut"][..], t(1, pick_out)),
        (&["inhabit", "pickSqueeze"][..], t(1, inhabit)),
        (&["arp"][..], Kind::Raw { arity: 1, f: arp }),
    ] {
        for name in names {
            add(name, kind, true, true);
        }
    }
    let v = |f, method| Kind::Values { f, method };
    for (name, kind, global, method) in [
        ("stack", v(stack_values, true), true, true),
        ("polyrhythm", v(stack_values, true), true, false),
        ("pr", v(stack_values, true), true, false),
        ("cat", v(slowcat_values, true), true, true),
        ("slowcat", v(slowcat_values, true), true, true),
        ("fastcat", v(fastcat_values, true), true, true),
        ("seq", v(sequence_fn, true), true, true),
        ("sequence", v(sequence_fn, true), true, true),
        ("timecat", v(timecat_values, true), true, false),
        ("timeCat", v(timecat_values, true), true, false),
        ("s_cat", v(timecat_values, true), true, false),
        ("s_polymeter", v(polymeter_values, true), true, true),
        ("stepcat", v(timecat_values, true), true, false),
        ("arrange", v(arrange_values, false), true, false),
        ("polymeter", v(polymeter_values, true), true, true),
        ("pm", v(polymeter_values, true), true, false),
        ("pure", v(pure_value, false), true, false),
        ("superimpose", v(superimpose_values, true), false, true),
        ("layer", v(layer_values, true), false, true),
        ("squeeze", v(squeeze_values, false), true, false),
        ("run", v(run, false), true, false),
        ("reify", v(reify_value, false), true, false),
    ] {
        add(name, kind, global, method);
    }
    add("silence", Kind::Const(silence_value), true, false);
    add(
        "superimpose",
        Kind::Values {
            f: superimpose_curried,
            method: false,
        },
        true,
        false,
    );
    add(
        "layer",
        Kind::Values {
            f: layer_curried,
            method: false,
        },
        true,
        false,
    );
}

/// Top-level `superimpose(f, pat)`.
fn superimpose_curried(args: &[Value]) -> R<Value> {
    curried_layering(args, superimpose_values)
}

fn layer_curried(args: &[Value]) -> R<Value> {
    curried_layering(args, layer_values)
}

fn curried_layering(args: &[Value], f: fn(&[Value]) -> R<Value>) -> R<Value> {
    let Some((pat, funcs)) = args.split_last() else {
        return Err(RtError::new("expected functions and a pattern"));
    };
    if matches!(pat, Value::Func(_)) {
        // Only functions so far: wait for the pattern.
        let funcs = args.to_vec();
        return Ok(super::registry::native_fn_owned("layer", move |more| {
            let mut all = funcs.clone();
            all.extend(more);
            curried_layering(&all, f)
        }));
    }
    let mut all = vec![pat.clone()];
    all.extend(funcs.iter().cloned());
    f(&all)
}
