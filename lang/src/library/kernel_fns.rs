//! The pattern kernel as functions users call: mapping values (`fmap`),
//! flattening patterns of patterns (`bind`, `innerJoin`, …), applying
//! patterns of functions (`appLeft`, …), filtering, query and event time
//! maps, and first-cycle inspection.
//!
//! Where the reference hands its callbacks time spans or events, weft hands
//! plain values: a span is a map `{begin, end}` (numbers; a callback may
//! return such a map or a `[begin, end]` list), an event a map
//! `{whole, part, value}` (`whole` is undefined for samples of a signal).

use super::ops::{How, Op};
use super::registry::{AddFn, Kind};
use super::stepwise::fraction;
use super::{call, reify, Pat, R};
use crate::docs::FnDoc;
use crate::hap::Hap;
use crate::pattern::{report_query_error, silence, Pattern, State};
use crate::span::Span;
use crate::time::Time;
use crate::value::{js_number_string, RtError, Value, ValueMap};
use std::sync::Arc;

/// Calls a function value, reporting a failure as a query error.
fn call_fn(f: &Value, args: Vec<Value>) -> Option<Value> {
    let result = match f {
        Value::Func(func) => func.call(args),
        other => Err(RtError::new(format!(
            "{} is not a function",
            other.type_name()
        ))),
    };
    result.map_err(|e| report_query_error(e.message)).ok()
}

/// A value that must be a pattern (the inner patterns of a join).
fn as_pattern(v: &Value, what: &str) -> Pat {
    match v {
        Value::Pat(p) => p.clone(),
        other => {
            report_query_error(format!(
                "{what}: expected a pattern, found {}",
                other.type_name()
            ));
            silence()
        }
    }
}

/// A span as a callback sees it: `{begin, end}`.
pub(crate) fn span_value(s: &Span) -> Value {
    Value::map([
        ("begin", Value::Num(s.begin.to_f64())),
        ("end", Value::Num(s.end.to_f64())),
    ])
}

/// A span returned by a callback: `{begin, end}` or `[begin, end]`;
/// `undefined` is no span.
fn span_of(v: &Value) -> R<Option<Span>> {
    let (b, e) = match v {
        Value::Undefined | Value::Null => return Ok(None),
        Value::Map(m) => (
            m.get("begin").cloned().unwrap_or_default(),
            m.get("end").cloned().unwrap_or_default(),
        ),
        Value::List(l) if l.len() == 2 => (l[0].clone(), l[1].clone()),
        other => {
            return Err(RtError::new(format!(
                "expected a time span ({{begin, end}} or [begin, end]), found {}",
                other.type_name()
            )))
        }
    };
    Ok(Some(Span::new(fraction(&b)?, fraction(&e)?)))
}

/// An event as a callback sees it: `{whole, part, value}`.
pub(crate) fn hap_value(h: &Hap<Value>) -> Value {
    let mut m = ValueMap::new();
    m.set(
        "whole",
        h.whole.as_ref().map(span_value).unwrap_or(Value::Undefined),
    );
    m.set("part", span_value(&h.part));
    m.set("value", h.value.clone());
    let tags: Vec<Arc<str>> = h.context.tags.as_deref().cloned().unwrap_or_default();
    m.set(
        "tags",
        Value::list(tags.iter().map(|t| Value::Str(t.clone())).collect()),
    );
    let shown = (h.whole, h.part, h.value.clone());
    m.set(
        "show",
        super::registry::native_fn_owned("show", move |args| {
            let compact = args.first().is_some_and(Value::truthy);
            Ok(Value::str(&show_hap(shown.0, shown.1, &shown.2, compact)))
        }),
    );
    m.set(
        "hasTag",
        super::registry::native_fn_owned("hasTag", move |args| {
            let want = args.first().map(Value::to_js_string).unwrap_or_default();
            Ok(Value::Bool(tags.iter().any(|t| **t == *want)))
        }),
    );
    Value::Map(Arc::new(m))
}

/// A time as the reference's `Fraction.show()` writes it: always `n/d`.
fn fraction_show(t: Time) -> String {
    let r = t.to_string();
    if r.contains('/') {
        r
    } else {
        format!("{r}/1")
    }
}

/// An event as the reference's `hap.show(compact)` writes it:
/// `[ 0/1 → 1/2 | {"s":"bd"} ]`, fragments marked with `⇜`, `⇝` and `( )`.
fn show_hap(whole: Option<Span>, part: Span, value: &Value, compact: bool) -> String {
    let value = match value {
        Value::Map(_) | Value::List(_) => {
            let json = value.to_json().unwrap_or_default();
            if compact {
                json[1..json.len().saturating_sub(1)]
                    .replace('"', "")
                    .replace(',', " ")
            } else {
                json
            }
        }
        other => other.to_js_string(),
    };
    let part_text = format!(
        "{} → {}",
        fraction_show(part.begin),
        fraction_show(part.end)
    );
    let spans = match whole {
        None => format!("~{part_text}"),
        Some(w) => {
            let mut s = String::new();
            let is_whole = w == part;
            if w.begin != part.begin {
                s.push_str(&format!("{} ⇜ ", fraction_show(w.begin)));
            }
            if !is_whole {
                s.push('(');
            }
            s.push_str(&part_text);
            if !is_whole {
                s.push(')');
            }
            if w.end != part.end {
                s.push_str(&format!(" ⇝ {}", fraction_show(w.end)));
            }
            s
        }
    };
    format!("[ {spans} | {value} ]")
}

/// `signal(t => value)`: a continuous pattern from a function of time
/// (in cycles), sampled at the start of each query.
fn signal_fn(args: &[Value]) -> R<Value> {
    let f = args.first().cloned().unwrap_or_default();
    if !matches!(f, Value::Func(_)) {
        return Err(
            RtError::new("signal needs a function of time, e.g. signal(t => t % 1)")
                .with_code("E0202"),
        );
    }
    Ok(Value::Pat(crate::pattern::signal(
        move |t, _| match crate::eval::call_value(&f, vec![Value::Num(t.to_f64())]) {
            Ok(v) => v,
            Err(e) => {
                report_query_error(e.message);
                Value::Undefined
            }
        },
    )))
}

/// `steady(value)`: the value, continuously (no onsets).
fn steady(args: &[Value]) -> R<Value> {
    let v = args.first().cloned().unwrap_or_default();
    Ok(Value::Pat(Pattern::new(move |st| {
        vec![Hap::new(None, st.span, v.clone())]
    })))
}

/// `slowcatPrime(a, b, …)`: one pattern per cycle, each playing the cycle
/// it is in (not its own count of cycles, as `cat` does).
fn slowcat_prime(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(crate::pattern::slowcat_prime(
        args.iter().map(super::reify_seq).collect(),
    )))
}

/// `pat.removeUndefineds()`: drops events whose value is undefined.
fn remove_undefineds(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.filter_values(|v| !matches!(v, Value::Undefined)))
}

/// `pat.tag(name)`: labels every event (see `hasTag` on events).
fn tag(args: &[Value], pat: &Pat) -> R<Pat> {
    let name: Arc<str> = args[0].to_js_string().into();
    Ok(pat.with_hap(move |h| {
        let mut tags = h.context.tags.as_deref().cloned().unwrap_or_default();
        tags.push(name.clone());
        h.context.tags = Some(Arc::new(tags));
    }))
}

/// `pat.queryArc(begin, end)`: the events of a span, as `{whole, part,
/// value}` maps (for inspecting a pattern from code).
fn query_arc(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    let at = |i: usize| args.get(i).cloned().unwrap_or(Value::Undefined);
    let (b, e) = (fraction(&at(1))?, fraction(&at(2))?);
    if e < b || e - b > Time::int(1000) {
        return Err(RtError::new("queryArc: give a span of at most 1000 cycles").with_code("E0302"));
    }
    let haps = crate::pattern::with_work_budget(2_000_000, || pat.query_arc(b, e));
    Ok(Value::list(haps.iter().map(hap_value).collect()))
}

fn the_fn(args: &[Value]) -> Value {
    args[0].clone()
}

// ----- values ------------------------------------------------------------------

fn with_value(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.map_values(move |v| call_fn(&f, vec![v.clone()]).unwrap_or_default()))
}

// ----- binds and joins -----------------------------------------------------------

/// The pattern a bind's function gives for a value.
fn bound(f: &Value, v: &Value, what: &str) -> Pat {
    match call_fn(f, vec![v.clone()]) {
        Some(r) => as_pattern(&r, what),
        None => silence(),
    }
}

fn bind(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.bind(move |v| bound(&f, v, "bind")))
}

fn inner_bind(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.inner_bind(move |v| bound(&f, v, "innerBind")))
}

fn outer_bind(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.outer_bind(move |v| bound(&f, v, "outerBind")))
}

fn squeeze_bind(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.squeeze_bind(move |v| bound(&f, v, "squeezeBind")))
}

fn poly_bind(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(poly_join(&with_value(args, pat)?))
}

/// Flattens a pattern of patterns, fitting each inner pattern to the
/// outer one's step count (the inner steps play at the outer rate).
fn poly_join(pp: &Pat) -> Pat {
    let outer_steps = pp.steps;
    pp.outer_bind(move |v| {
        let inner = as_pattern(v, "polyJoin");
        let Some(outer) = outer_steps else {
            report_query_error("polyJoin: the outer pattern has no step count");
            return silence();
        };
        let inner_steps = inner.steps.unwrap_or(Time::ZERO);
        if inner_steps.is_zero() {
            report_query_error("Division by Zero (polyJoin: an inner pattern has no steps)");
            return silence();
        }
        let factor = outer / inner_steps;
        if factor.is_zero() {
            report_query_error("Division by Zero (polyJoin: the outer pattern has 0 steps)");
            return silence();
        }
        let mut out = inner.fast(factor);
        out.steps = inner.steps.map(|s| s * factor);
        out
    })
}

fn join(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.bind(|v| as_pattern(v, "join")))
}

fn inner_join(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.inner_bind(|v| as_pattern(v, "innerJoin")))
}

fn outer_join(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.outer_bind(|v| as_pattern(v, "outerJoin")))
}

fn squeeze_join(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.squeeze_bind(|v| as_pattern(v, "squeezeJoin")))
}

fn poly_join_fn(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(poly_join(pat))
}

/// `pat.resetJoin(restart)`: inner patterns restart at each outer onset,
/// from the cycle's start (from cycle 0 when `restart` is true).
fn reset_join(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    let restart = args.get(1).is_some_and(Value::truthy);
    Ok(Value::Pat(
        pat.reset_bind(restart, |v| as_pattern(v, "resetJoin")),
    ))
}

fn restart_join(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.reset_bind(true, |v| as_pattern(v, "restartJoin")))
}

// ----- patterns of functions ----------------------------------------------------------

/// Applies a function value to a value (for the `app…` functions).
fn apply_value(f: &Value, v: &Value) -> Value {
    call_fn(f, vec![v.clone()]).unwrap_or_default()
}

/// The pattern of values of an `app…` call: a pattern, else an error once
/// `this` has events (as in the reference).
fn app_operands(args: &[Value], what: &'static str) -> Result<(Pat, Pat), Pat> {
    let this = reify(&args[0]);
    match args.get(1) {
        Some(Value::Pat(p)) => Ok((this, p.clone())),
        other => {
            let found = other.map(Value::type_name).unwrap_or("nothing");
            let msg = format!("{what}: expected a pattern of values, found {found}");
            Err(Pattern::new(move |st| {
                if !this.query(st).is_empty() {
                    report_query_error(msg.clone());
                }
                Vec::new()
            }))
        }
    }
}

fn app_left(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(match app_operands(args, "appLeft") {
        Ok((this, other)) => this.app_left(&other, apply_value),
        Err(p) => p,
    }))
}

fn app_right(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(match app_operands(args, "appRight") {
        Ok((this, other)) => this.app_right(&other, apply_value),
        Err(p) => p,
    }))
}

fn app_both(args: &[Value]) -> R<Value> {
    let this = reify(&args[0]);
    let Some(Value::Pat(other)) = args.get(1) else {
        return Err(RtError::new("appBoth: expected a pattern of values"));
    };
    Ok(Value::Pat(this.app_both(other, apply_value)))
}

/// `pat.appWhole(wholeFn, values)`: like `appBoth`, with the whole of each
/// result chosen by `wholeFn(wholeOfFunction, wholeOfValue)`.
fn app_whole(args: &[Value]) -> R<Value> {
    let this = reify(&args[0]);
    let whole_fn = args.get(1).cloned().unwrap_or_default();
    let Some(Value::Pat(other)) = args.get(2) else {
        return Err(RtError::new(
            "appWhole: expected a function and a pattern of values",
        ));
    };
    let other = other.clone();
    Ok(Value::Pat(Pattern::new(move |st| {
        let values = other.query(st);
        let mut out = Vec::new();
        for hf in this.query(st) {
            for hv in &values {
                let Some(part) = hf.part.intersection(&hv.part) else {
                    continue;
                };
                let span_arg = |s: &Option<Span>| s.as_ref().map(span_value).unwrap_or_default();
                let Some(w) = call_fn(&whole_fn, vec![span_arg(&hf.whole), span_arg(&hv.whole)])
                else {
                    continue;
                };
                let whole = match span_of(&w) {
                    Ok(w) => w,
                    Err(e) => {
                        report_query_error(e.message);
                        continue;
                    }
                };
                let value = apply_value(&hf.value, &hv.value);
                out.push(Hap::with_context(
                    whole,
                    part,
                    value,
                    hv.context.combine(&hf.context),
                ));
            }
        }
        out
    })))
}

// ----- filters ------------------------------------------------------------------------

fn test(f: &Value, args: Vec<Value>) -> bool {
    call_fn(f, args).is_some_and(|v| v.truthy())
}

fn filter_values(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.filter_values(move |v| test(&f, vec![v.clone()])))
}

/// Keeps the events for which `f(event, index)` is true.
fn keep_haps(f: &Value, haps: Vec<Hap<Value>>) -> Vec<Hap<Value>> {
    haps.into_iter()
        .enumerate()
        .filter(|(i, h)| test(f, vec![hap_value(h), Value::Num(*i as f64)]))
        .map(|(_, h)| h)
        .collect()
}

fn filter_haps(args: &[Value], pat: &Pat) -> R<Pat> {
    let (f, p) = (the_fn(args), pat.clone());
    Ok(Pattern::new(move |st| keep_haps(&f, p.query(st))))
}

fn filter(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.with_haps(move |haps, _| keep_haps(&f, haps)))
}

fn filter_when(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.with_haps(move |haps, _| {
        haps.into_iter()
            .filter(|h| match h.whole {
                Some(w) => test(&f, vec![Value::Num(w.begin.to_f64())]),
                None => {
                    report_query_error(
                        "filterWhen: continuous signals have no onsets to test (use segment first)",
                    );
                    false
                }
            })
            .collect()
    }))
}

fn onsets_only(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.onsets_only())
}

fn discrete_only(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.discrete_only())
}

/// Joins fragments of the same event (same whole, same value, touching
/// parts) back into one.
fn defragment(mut haps: Vec<Hap<Value>>) -> Vec<Hap<Value>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < haps.len() {
        let value = haps[i].value.to_json();
        let mut a = haps[i].clone();
        'search: loop {
            for j in i + 1..haps.len() {
                let b = &haps[j];
                if a.whole != b.whole || value != b.value.to_json() {
                    continue;
                }
                let merged = if a.part.begin == b.part.end {
                    Span::new(b.part.begin, a.part.end)
                } else if b.part.begin == a.part.end {
                    Span::new(a.part.begin, b.part.end)
                } else {
                    continue;
                };
                a = Hap::new(a.whole, merged, a.value);
                haps.remove(j);
                continue 'search;
            }
            break;
        }
        out.push(a);
        i += 1;
    }
    out
}

fn defragment_haps(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.discrete_only().with_haps(|haps, _| defragment(haps)))
}

// ----- spans --------------------------------------------------------------------------

/// The `begin` and `end` of a span argument (`{begin, end}` or `[b, e]`).
fn span_bounds(v: &Value, what: &str) -> R<[Value; 2]> {
    match v {
        Value::Map(m) => Ok([
            m.get("begin").cloned().unwrap_or_default(),
            m.get("end").cloned().unwrap_or_default(),
        ]),
        Value::List(l) if l.len() == 2 => Ok([l[0].clone(), l[1].clone()]),
        other => Err(RtError::new(format!(
            "{what}: expected a time span ({{begin, end}} or [begin, end]), found {}",
            other.type_name()
        ))),
    }
}

fn compress_span(args: &[Value], pat: &Pat) -> R<Pat> {
    call("compress", &span_bounds(&args[0], "compressSpan")?, pat)
}

fn focus_span(args: &[Value], pat: &Pat) -> R<Pat> {
    call("focus", &span_bounds(&args[0], "focusSpan")?, pat)
}

fn zoom_arc(args: &[Value], pat: &Pat) -> R<Pat> {
    call("zoom", &span_bounds(&args[0], "zoomArc")?, pat)
}

fn split_queries(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.split_queries())
}

/// A span mapped by a callback (`None` when it fails).
fn map_span(f: &Value, s: &Span) -> Option<Span> {
    let r = call_fn(f, vec![span_value(s)])?;
    match span_of(&r) {
        Ok(Some(s)) => Some(s),
        Ok(None) => {
            report_query_error("the function must return a time span");
            None
        }
        Err(e) => {
            report_query_error(e.message);
            None
        }
    }
}

/// A time mapped by a callback (given and returning a number).
fn map_time(f: &Value, t: Time) -> Option<Time> {
    let r = call_fn(f, vec![Value::Num(t.to_f64())])?;
    fraction(&r).map_err(|e| report_query_error(e.message)).ok()
}

fn with_query_span(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.with_query_span_maybe(move |s| map_span(&f, &s)))
}

fn with_query_time(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(pat.with_query_span_maybe(move |s| {
        Some(Span::new(map_time(&f, s.begin)?, map_time(&f, s.end)?))
    }))
}

/// Maps the spans of every event; events whose span cannot be mapped are
/// dropped (the failure is reported).
fn map_hap_spans(pat: &Pat, m: impl Fn(&Span) -> Option<Span> + Send + Sync + 'static) -> Pat {
    let p = pat.clone();
    Pattern::new(move |st: &State| {
        p.query(st)
            .into_iter()
            .filter_map(|h| {
                let whole = match h.whole {
                    Some(w) => Some(m(&w)?),
                    None => None,
                };
                let part = m(&h.part)?;
                Some(Hap::with_context(whole, part, h.value, h.context))
            })
            .collect()
    })
}

fn with_hap_span(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(map_hap_spans(pat, move |s| map_span(&f, s)))
}

fn with_hap_time(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = the_fn(args);
    Ok(map_hap_spans(pat, move |s| {
        Some(Span::new(map_time(&f, s.begin)?, map_time(&f, s.end)?))
    }))
}

// ----- inspection ------------------------------------------------------------------------

/// `pat.collect()`: events with the same whole grouped into one event whose
/// value is the list of them (as `{whole, part, value}` maps).
fn collect(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.with_haps(|haps, _| {
        let mut groups: Vec<(Hap<Value>, Vec<Value>)> = Vec::new();
        for h in haps {
            if groups
                .iter()
                .any(|(g, _)| g.whole.is_none() != h.whole.is_none())
            {
                report_query_error("collect: cannot group continuous signals with events");
                continue;
            }
            match groups.iter_mut().find(|(g, _)| g.whole == h.whole) {
                Some((_, members)) => members.push(hap_value(&h)),
                None => {
                    let first = hap_value(&h);
                    groups.push((h, vec![first]));
                }
            }
        }
        groups
            .into_iter()
            .map(|(h, members)| Hap::new(h.whole, h.part, Value::list(members)))
            .collect()
    }))
}

fn first_cycle_haps(pat: &Pat) -> Vec<Hap<Value>> {
    pat.query_arc(Time::ZERO, Time::ONE)
}

/// `pat.firstCycle()`: the events of cycle 0 as `{whole, part, value}` maps.
fn first_cycle(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    Ok(Value::list(
        first_cycle_haps(&pat).iter().map(hap_value).collect(),
    ))
}

/// `pat.firstCycleValues()`: the values of the events of cycle 0.
fn first_cycle_values(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    Ok(Value::list(
        first_cycle_haps(&pat)
            .into_iter()
            .map(|h| h.value)
            .collect(),
    ))
}

/// A time as fraction.js writes it (`1/2`, `3`, `-1/4`).
fn fraction_text(t: Time) -> String {
    if t.denom() == 1 {
        js_number_string(t.numer() as f64)
    } else {
        format!("{}/{}", t.numer(), t.denom())
    }
}

/// `pat.showFirstCycle()`: the events of cycle 0 as `value: begin - end`.
fn show_first_cycle(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    let mut out = Vec::new();
    for h in first_cycle_haps(&pat) {
        let Some(w) = h.whole else {
            return Err(RtError::new(
                "showFirstCycle: continuous signals have no whole to show",
            ));
        };
        out.push(Value::str(&format!(
            "{}: {} - {}",
            h.value.to_js_string(),
            fraction_text(w.begin),
            fraction_text(w.end)
        )));
    }
    Ok(Value::list(out))
}

fn sort_haps_by_part(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.with_haps(|mut haps, _| {
        if haps.len() > 1 && haps.iter().any(|h| h.whole.is_none()) {
            report_query_error("sortHapsByPart: continuous signals have no whole to sort by");
            return Vec::new();
        }
        let key = |h: &Hap<Value>| {
            let w = h.whole_or_part();
            (h.part.begin, h.part.end, w.begin, w.end)
        };
        haps.sort_by_key(key);
        haps
    }))
}

pub fn register(add: &mut AddFn) {
    let t = |arity, f| Kind::Transform {
        arity,
        f,
        join: super::Join::Inner,
        preserve_steps: false,
    };
    // Global functions that are also methods.
    for (names, kind) in [
        (&["withValue"][..], t(1, with_value)),
        (&["bind"][..], t(1, bind)),
        (&["innerBind"][..], t(1, inner_bind)),
        (&["outerBind"][..], t(1, outer_bind)),
        (&["squeezeBind"][..], t(1, squeeze_bind)),
        (&["polyBind"][..], t(1, poly_bind)),
        (&["filterWhen"][..], t(1, filter_when)),
        (&["filter"][..], t(1, filter)),
        (&["compressSpan", "compressspan"][..], t(1, compress_span)),
        (&["focusSpan", "focusspan"][..], t(1, focus_span)),
        (&["zoomArc", "zoomarc"][..], t(1, zoom_arc)),
    ] {
        for name in names {
            add(name, kind, true, true);
        }
    }
    // Methods only.
    for (name, kind) in [
        ("fmap", t(1, with_value)),
        ("join", t(0, join)),
        ("innerJoin", t(0, inner_join)),
        ("outerJoin", t(0, outer_join)),
        ("squeezeJoin", t(0, squeeze_join)),
        ("polyJoin", t(0, poly_join_fn)),
        ("restartJoin", t(0, restart_join)),
        ("filterValues", t(1, filter_values)),
        ("filterHaps", t(1, filter_haps)),
        ("onsetsOnly", t(0, onsets_only)),
        ("discreteOnly", t(0, discrete_only)),
        ("defragmentHaps", t(0, defragment_haps)),
        ("splitQueries", t(0, split_queries)),
        ("withQuerySpan", t(1, with_query_span)),
        ("withQueryTime", t(1, with_query_time)),
        ("withHapSpan", t(1, with_hap_span)),
        ("withHapTime", t(1, with_hap_time)),
        ("collect", t(0, collect)),
        ("sortHapsByPart", t(0, sort_haps_by_part)),
        ("tag", t(1, tag)),
        ("removeUndefineds", t(0, remove_undefineds)),
        ("poly", Kind::OpHow(Op::Set, How::Poly)),
    ] {
        add(name, kind, false, true);
    }
    let values = |f| Kind::Values { f, method: true };
    for (name, f) in [
        ("resetJoin", reset_join as fn(&[Value]) -> R<Value>),
        ("appLeft", app_left),
        ("appRight", app_right),
        ("appBoth", app_both),
        ("appWhole", app_whole),
        ("firstCycle", first_cycle),
        ("firstCycleValues", first_cycle_values),
        ("showFirstCycle", show_first_cycle),
        ("queryArc", query_arc),
    ] {
        add(name, values(f), false, true);
    }
    let global = |f| Kind::Values { f, method: false };
    add("signal", global(signal_fn), true, false);
    add("steady", global(steady), true, false);
    add("slowcatPrime", global(slowcat_prime), true, false);
    add(
        "nothing",
        Kind::Const(|| Value::Pat(crate::pattern::nothing())),
        true,
        false,
    );
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["signal"],
        category: "Pattern internals",
        summary: "A continuous pattern from a function of time in cycles, sampled at the start of each query (as `sine` and `saw` are).",
        params: &[("function", "t => value")],
        example: "n(signal(t => (t * 4) % 8).segment(8))",
    },
    FnDoc {
        names: &["steady"],
        category: "Pattern internals",
        summary: "A value held continuously (no onsets: combine it with a pattern that has structure).",
        params: &[("value", "any value")],
        example: "s(\"bd*4\").gain(steady(0.5))",
    },
    FnDoc {
        names: &["slowcatPrime"],
        category: "Pattern internals",
        summary: "One pattern per cycle, each playing the cycle it is in (`cat` lets each pattern count its own cycles).",
        params: &[("patterns", "…")],
        example: "slowcatPrime(\"<a b>\", \"c\")",
    },
    FnDoc {
        names: &["nothing"],
        category: "Pattern internals",
        summary: "Silence that takes no steps (`gap(0)`): in stepwise sequences it adds no length.",
        params: &[],
        example: "s_cat(s(\"bd sd\"), nothing)",
    },
    FnDoc {
        names: &["removeUndefineds"],
        category: "Pattern internals",
        summary: "Drops the events whose value is undefined.",
        params: &[],
        example: "\"0 1 2\".withValue(v => v == 1 ? undefined : v).removeUndefineds()",
    },
    FnDoc {
        names: &["tag"],
        category: "Pattern internals",
        summary: "Labels every event with a tag (for filtering: an event seen by `filter` or `filterHaps` has `hasTag(name)` and a `tags` list).",
        params: &[("name", "the tag")],
        example: "s(\"bd sd\").tag('drums').filter(h => h.hasTag('drums'))",
    },
    FnDoc {
        names: &["queryArc"],
        category: "Pattern internals",
        summary: "The events of a time span, as `{whole, part, value}` objects (for looking inside a pattern from code, e.g. with `console.log`).",
        params: &[("begin", "start, in cycles"), ("end", "end, in cycles (at most 1000 cycles later)")],
        example: "s(\"bd sd\").queryArc(0, 1).length",
    },
    FnDoc {
        names: &["withValue", "fmap"],
        category: "Pattern internals",
        summary: "Applies a function to the value of every event (`fmap` is the method-only alias).",
        params: &[("function", "value => new value")],
        example: "\"0 1 2\".withValue(v => v + 10).note()",
    },
    FnDoc {
        names: &["bind"],
        category: "Pattern internals",
        summary: "Maps every value to a pattern and flattens: each event plays the part of its pattern that falls within it, with wholes where both events overlap.",
        params: &[("function", "value => pattern")],
        example: "\"<0 1>\".bind(i => i == 0 ? s(\"bd sd\") : s(\"hh*3\"))",
    },
    FnDoc {
        names: &["innerBind"],
        category: "Pattern internals",
        summary: "Like `bind`, keeping the structure (wholes) of the inner patterns.",
        params: &[("function", "value => pattern")],
        example: "\"<0 1>\".innerBind(i => i == 0 ? s(\"bd sd\") : s(\"hh*3\"))",
    },
    FnDoc {
        names: &["outerBind"],
        category: "Pattern internals",
        summary: "Like `bind`, keeping the structure (wholes) of the outer pattern.",
        params: &[("function", "value => pattern")],
        example: "\"0 1\".outerBind(i => s(\"bd*4\").gain(i + 0.5))",
    },
    FnDoc {
        names: &["squeezeBind"],
        category: "Pattern internals",
        summary: "Like `bind`, but a whole cycle of each inner pattern is squeezed into its outer event.",
        params: &[("function", "value => pattern")],
        example: "\"0 1\".squeezeBind(i => i == 0 ? s(\"bd sd\") : s(\"hh*3\"))",
    },
    FnDoc {
        names: &["polyBind"],
        category: "Pattern internals",
        summary: "Like `outerBind`, with each inner pattern played at the outer pattern's step rate (its steps aligned with the outer steps).",
        params: &[("function", "value => pattern")],
        example: "\"0 1 2\".polyBind(i => n(\"0 1\").add(i))",
    },
    FnDoc {
        names: &["join"],
        category: "Pattern internals",
        summary: "Flattens a pattern whose values are patterns, with wholes where outer and inner events overlap.",
        params: &[],
        example: "\"<0 1>\".fmap(i => i == 0 ? s(\"bd sd\") : s(\"hh*3\")).join()",
    },
    FnDoc {
        names: &["innerJoin"],
        category: "Pattern internals",
        summary: "Flattens a pattern of patterns keeping the inner structure.",
        params: &[],
        example: "\"<0 1>\".fmap(i => i == 0 ? s(\"bd sd\") : s(\"hh*3\")).innerJoin()",
    },
    FnDoc {
        names: &["outerJoin"],
        category: "Pattern internals",
        summary: "Flattens a pattern of patterns keeping the outer structure.",
        params: &[],
        example: "\"0 1\".fmap(i => s(\"bd*4\").gain(i + 0.5)).outerJoin()",
    },
    FnDoc {
        names: &["squeezeJoin"],
        category: "Pattern internals",
        summary: "Flattens a pattern of patterns, squeezing a whole cycle of each inner pattern into its outer event.",
        params: &[],
        example: "\"0 1\".fmap(i => i == 0 ? s(\"bd sd\") : s(\"hh*3\")).squeezeJoin()",
    },
    FnDoc {
        names: &["polyJoin"],
        category: "Pattern internals",
        summary: "Flattens a pattern of patterns keeping the outer structure, each inner pattern played at the outer step rate.",
        params: &[],
        example: "\"0 1 2\".fmap(i => n(\"0 1\").add(i)).polyJoin()",
    },
    FnDoc {
        names: &["resetJoin"],
        category: "Pattern internals",
        summary: "Flattens a pattern of patterns, restarting each inner pattern from the start of its cycle at every outer onset (from cycle 0 when given `true`).",
        params: &[("restart", "true: restart from cycle 0 (optional)")],
        example: "\"x x@2\".fmap(_ => s(\"bd sd hh\")).resetJoin()",
    },
    FnDoc {
        names: &["restartJoin"],
        category: "Pattern internals",
        summary: "Flattens a pattern of patterns, restarting each inner pattern from its cycle 0 at every outer onset.",
        params: &[],
        example: "\"<x x@2>\".fmap(_ => s(\"<bd sd> hh\")).restartJoin()",
    },
    FnDoc {
        names: &["poly"],
        category: "Operators",
        summary: "`pat.poly(other)` is `pat.set.poly(other)`: each event of the pattern plays the other pattern at its own step rate.",
        params: &[("other", "a pattern with a step count")],
        example: "n(\"0 1 2\").poly(n(\"5 6\"))",
    },
    FnDoc {
        names: &["appLeft"],
        category: "Pattern internals",
        summary: "Applies a pattern of functions to a pattern of values, keeping the structure of the functions.",
        params: &[("values", "a pattern of values")],
        example: "\"1 2\".fmap(a => b => a + b).appLeft(\"10 20 30\").note()",
    },
    FnDoc {
        names: &["appRight"],
        category: "Pattern internals",
        summary: "Applies a pattern of functions to a pattern of values, keeping the structure of the values.",
        params: &[("values", "a pattern of values")],
        example: "\"1 2\".fmap(a => b => a + b).appRight(\"10 20 30\").note()",
    },
    FnDoc {
        names: &["appBoth"],
        category: "Pattern internals",
        summary: "Applies a pattern of functions to a pattern of values, with structure from both (wholes where they overlap).",
        params: &[("values", "a pattern of values")],
        example: "\"1 2\".fmap(a => b => a + b).appBoth(\"10 20 30\").note()",
    },
    FnDoc {
        names: &["appWhole"],
        category: "Pattern internals",
        summary: "Applies a pattern of functions to a pattern of values where their parts overlap, the whole of each result chosen by a function of the two wholes (spans are `{begin, end}` maps).",
        params: &[
            ("wholeFunction", "(wholeA, wholeB) => span or undefined"),
            ("values", "a pattern of values"),
        ],
        example: "\"1 2\".fmap(a => b => a + b).appWhole((a, b) => a, \"10 20 30\").note()",
    },
    FnDoc {
        names: &["filterValues"],
        category: "Pattern internals",
        summary: "Keeps only the events whose value passes the test.",
        params: &[("test", "value => true or false")],
        example: "s(\"bd sd bd sd\").filterValues(v => v.s == \"bd\")",
    },
    FnDoc {
        names: &["filterHaps"],
        category: "Pattern internals",
        summary: "Keeps only the events that pass the test, given each event as `{whole, part, value}` (spans as `{begin, end}`).",
        params: &[("test", "event => true or false")],
        example: "s(\"bd*8\").velocity(rand).filterHaps(h => (h.whole.begin % 1) < h.value.velocity)",
    },
    FnDoc {
        names: &["filter"],
        category: "Pattern internals",
        summary: "Keeps only the events that pass the test, given each event as `{whole, part, value}` and its index in the query.",
        params: &[("test", "(event, index) => true or false")],
        example: "s(\"hh!7 oh\").filter(h => h.value.s == \"hh\")",
    },
    FnDoc {
        names: &["filterWhen"],
        category: "Pattern internals",
        summary: "Keeps only the events whose onset time (in cycles) passes the test.",
        params: &[("test", "time => true or false")],
        example: "s(\"bd*4\").filterWhen(t => t < 1)",
    },
    FnDoc {
        names: &["onsetsOnly"],
        category: "Pattern internals",
        summary: "Keeps only the fragments of events that contain their onset.",
        params: &[],
        example: "s(\"bd sd\").late(0.25).onsetsOnly()",
    },
    FnDoc {
        names: &["discreteOnly"],
        category: "Pattern internals",
        summary: "Drops samples of continuous signals, keeping events with a whole.",
        params: &[],
        example: "stack(s(\"bd sd\"), sine.fmap(v => ({ gain: v }))).discreteOnly()",
    },
    FnDoc {
        names: &["defragmentHaps"],
        category: "Pattern internals",
        summary: "Joins adjacent fragments of the same event (same whole and value) back into one.",
        params: &[],
        example: "s(\"bd sd\").splitQueries().defragmentHaps()",
    },
    FnDoc {
        names: &["compressSpan", "compressspan"],
        category: "Pattern internals",
        summary: "`compress` with its span given as one value, `{begin, end}` or `[begin, end]`.",
        params: &[("span", "the part of the cycle to squeeze each cycle into")],
        example: "s(\"bd sd\").compressSpan([0.25, 0.75])",
    },
    FnDoc {
        names: &["focusSpan", "focusspan"],
        category: "Pattern internals",
        summary: "`focus` with its span given as one value, `{begin, end}` or `[begin, end]`.",
        params: &[("span", "the span to focus on")],
        example: "s(\"bd hh sd hh\").focusSpan([0.25, 0.75])",
    },
    FnDoc {
        names: &["zoomArc", "zoomarc"],
        category: "Pattern internals",
        summary: "`zoom` with its span given as one value, `{begin, end}` or `[begin, end]`.",
        params: &[("span", "the part of the cycle to zoom into")],
        example: "s(\"bd*2 hh*3 [sd bd]*2 perc\").zoomArc([0.25, 0.75])",
    },
    FnDoc {
        names: &["splitQueries"],
        category: "Pattern internals",
        summary: "Splits every query at cycle boundaries (events crossing a cycle come in fragments).",
        params: &[],
        example: "s(\"bd sd\").slow(2).splitQueries()",
    },
    FnDoc {
        names: &["withQuerySpan"],
        category: "Pattern internals",
        summary: "Changes the span every query asks for, with a function given and returning a `{begin, end}` map (or a `[begin, end]` list).",
        params: &[("function", "span => span")],
        example: "s(\"bd sd\").withQuerySpan(s => ({ begin: s.begin + 0.5, end: s.end + 0.5 }))",
    },
    FnDoc {
        names: &["withQueryTime"],
        category: "Pattern internals",
        summary: "Changes the begin and end times every query asks for, with a function of a time (a number of cycles).",
        params: &[("function", "time => time")],
        example: "s(\"bd sd\").withQueryTime(t => t + 0.5)",
    },
    FnDoc {
        names: &["withHapSpan"],
        category: "Pattern internals",
        summary: "Changes the spans (whole and part) of every event, with a function given and returning a `{begin, end}` map (or a `[begin, end]` list).",
        params: &[("function", "span => span")],
        example: "s(\"bd sd\").withHapSpan(s => ({ begin: s.begin, end: s.end + 0.5 }))",
    },
    FnDoc {
        names: &["withHapTime"],
        category: "Pattern internals",
        summary: "Changes the begin and end times of every event, with a function of a time.",
        params: &[("function", "time => time")],
        example: "s(\"bd sd\").withHapTime(t => t + 0.25)",
    },
    FnDoc {
        names: &["collect"],
        category: "Pattern internals",
        summary: "Groups events with the same whole into one event whose value is the list of them (each `{whole, part, value}`).",
        params: &[],
        example: "note(\"[c,e,g] d\").collect().fmap(hs => hs.length).note()",
    },
    FnDoc {
        names: &["firstCycle"],
        category: "Pattern internals",
        summary: "The events of the first cycle, as a list of `{whole, part, value}` maps (for inspecting a pattern).",
        params: &[],
        example: "pure(\"a b c\".firstCycle().length)",
    },
    FnDoc {
        names: &["firstCycleValues"],
        category: "Pattern internals",
        summary: "The values of the events of the first cycle, as a list.",
        params: &[],
        example: "seq(\"a [b c]\".firstCycleValues())",
    },
    FnDoc {
        names: &["showFirstCycle"],
        category: "Pattern internals",
        summary: "The events of the first cycle as text, one `value: begin - end` string each.",
        params: &[],
        example: "seq(\"a [b c]\".showFirstCycle())",
    },
    FnDoc {
        names: &["sortHapsByPart"],
        category: "Pattern internals",
        summary: "Returns each query's events sorted by time (part begin and end, then whole).",
        params: &[],
        example: "stack(s(\"hh*2\"), s(\"bd sd\")).sortHapsByPart()",
    },
];
