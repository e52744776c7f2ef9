//! Stepwise functions: a pattern with a known number of steps per cycle
//! (`"a b c"` has three) can be cut, grown and joined step by step
//! (`take`, `drop`, `expand`, `shrink`, `tour`, `zip`, …). Step counts travel
//! with patterns (`Pattern::steps`) exactly as the reference propagates its
//! `_steps`, because `polymeter`, `pace` and `stepcat` read them.
//!
//! A patterned argument of a stepwise function (`take("1 2")`) is joined
//! stepwise (`stepJoin`): the patterns chosen within a cycle are laid one
//! after another, each taking its own number of steps.

use super::registry::{AddFn, Kind};
use super::{call, reify, sequence, Pat, R};
use crate::docs::FnDoc;
use crate::hap::Hap;
use crate::pattern::{
    fastcat, gap, nothing, report_query_error, silence, slowcat, stack, take_query_errors,
    with_work_budget, Pattern,
};
use crate::span::Span;
use crate::time::Time;
use crate::value::{RtError, Value};

/// Work allowed for the first-cycle probe a stepwise join makes when it is
/// built (to know its step count).
const PROBE_BUDGET: u64 = 200_000;

/// Most pieces a stepwise function may lay out (`shrink`, `stepalt`, …).
const MAX_PIECES: usize = 10_000;

fn too_many(what: &str) -> RtError {
    RtError::new(format!("{what}: too many pieces (at most {MAX_PIECES})")).with_code("E0302")
}

fn division_by_zero(what: &str) -> RtError {
    RtError::new(format!("Division by Zero ({what})"))
}

/// A value read as an exact fraction, as the reference's `Fraction(x)` reads
/// it: numbers (finite only), numeric strings, `[numerator, denominator]`
/// lists; `undefined` is 0.
pub(crate) fn fraction(v: &Value) -> R<Time> {
    match v {
        Value::Undefined | Value::Null => Ok(Time::ZERO),
        Value::Num(x) if !x.is_finite() => Err(RtError::new(format!(
            "expected a finite number, found {}",
            v.to_js_string()
        ))),
        Value::Bool(_) | Value::Map(_) | Value::Func(_) | Value::Pat(_) | Value::Graph(_) => Err(
            RtError::new(format!("expected a number, found {}", v.type_name())),
        ),
        Value::List(l) if l.len() >= 2 => {
            let (n, d) = (fraction(&l[0])?, fraction(&l[1])?);
            if d.is_zero() {
                return Err(division_by_zero("a fraction with denominator 0"));
            }
            Ok(n / d)
        }
        other => super::to_time(other),
    }
}

/// Sums exact times.
fn sum(times: impl IntoIterator<Item = Time>) -> Time {
    times.into_iter().fold(Time::ZERO, |a, b| a + b)
}

/// `stepcat` with the reference's rules for weights: a known weight is used
/// as given; unknown weights (`None`) take the average of the known ones,
/// and when none is known the patterns share the cycle equally. Patterns
/// of zero weight are left out; weights summing to zero are an error.
pub(crate) fn stepcat_weighted(items: Vec<(Option<Time>, Pat)>) -> R<Pat> {
    if items.is_empty() {
        return Ok(nothing());
    }
    let known: Vec<Time> = items.iter().filter_map(|(w, _)| *w).collect();
    if known.is_empty() {
        return Ok(fastcat(items.into_iter().map(|(_, p)| p).collect()));
    }
    let average = sum(known.iter().copied()) / Time::int(known.len() as i64);
    let items: Vec<(Time, Pat)> = items
        .into_iter()
        .map(|(w, p)| (w.unwrap_or(average), p))
        .collect();
    if items.len() == 1 {
        let (w, p) = items.into_iter().next().unwrap();
        return Ok(with_steps_fn(&p, |_| Some(w)));
    }
    let total = sum(items.iter().map(|(w, _)| *w));
    let mut begin = Time::ZERO;
    let mut pats = Vec::new();
    for (w, p) in items {
        if w.is_zero() {
            continue;
        }
        if total.is_zero() {
            return Err(division_by_zero("stepcat: the weights add up to 0"));
        }
        let end = begin + w;
        pats.push(p.compress(begin / total, end / total));
        begin = end;
    }
    Ok(stack(pats).with_steps_value(Some(total)))
}

/// A stepcat item from a value: a `[weight, pattern]` list, or a pattern
/// weighing its step count (1 when it has none).
pub(crate) fn stepcat_item(v: &Value) -> R<(Option<Time>, Pat)> {
    match v {
        Value::List(l) => {
            let w = match l.first() {
                None | Some(Value::Undefined) => None,
                Some(w) => Some(fraction(w)?),
            };
            Ok((w, reify(l.get(1).unwrap_or(&Value::Undefined))))
        }
        other => {
            let p = reify(other);
            let w = match other {
                Value::Pat(p) => p.steps.unwrap_or(Time::ONE),
                _ => Time::ONE,
            };
            Ok((Some(w), p))
        }
    }
}

/// The same events with the step count changed by `f` where there is one
/// (no step count stays none), as the reference's `withSteps`.
fn with_steps_fn(p: &Pat, f: impl FnOnce(Time) -> Option<Time>) -> Pat {
    let mut out = p.clone();
    out.pure_value = None;
    out.steps = p.steps.and_then(f);
    out
}

/// Queries the first cycle of a pattern the way the reference does when a
/// stepwise join is built: a failing query counts as no events.
fn probe_first_cycle(p: &Pat) -> Vec<Hap<Value>> {
    let earlier = take_query_errors();
    let haps = with_work_budget(PROBE_BUDGET, || p.query_arc(Time::ZERO, Time::ONE));
    let failed = !take_query_errors().is_empty();
    for e in earlier {
        report_query_error(e);
    }
    if failed {
        Vec::new()
    } else {
        haps
    }
}

/// Lays the patterns carried by one cycle of events one after another: the
/// cycle is cut at every event boundary, each slice plays the stack of the
/// patterns active in it, weighted by its step count.
fn slices_stepcat(haps: &[Hap<Value>]) -> R<Pat> {
    let mut points = vec![Time::ZERO, Time::ONE];
    for h in haps {
        points.push(h.part.begin);
        points.push(h.part.end);
    }
    points.sort();
    points.dedup();
    let mut items = Vec::new();
    for w in points.windows(2) {
        let slice = Span::new(w[0], w[1]);
        let mut inner = Vec::new();
        for h in haps {
            if slice.intersection(&h.part).is_none() {
                continue;
            }
            let Value::Pat(p) = &h.value else {
                return Err(RtError::new(format!(
                    "stepJoin: expected a pattern of patterns, found {}",
                    h.value.type_name()
                )));
            };
            let context = h.context.clone();
            inner.push(p.with_hap(move |ih| {
                ih.context = ih.context.combine(&context);
            }));
        }
        let stacked = stack(inner);
        // Slices are weighted by their step count, when they have one.
        items.push((stacked.steps, stacked));
    }
    stepcat_weighted(items)
}

/// `stepJoin`: flattens a pattern of patterns stepwise (see the module
/// docs). The structure of each query comes from the cycle it starts in.
pub(crate) fn step_join(pp: &Pat) -> R<Pat> {
    let steps = slices_stepcat(&probe_first_cycle(pp))?.steps;
    let pp = pp.clone();
    Ok(Pattern::new(move |st| {
        let cycle = st.span.begin.sam();
        let haps = pp
            .early(cycle)
            .query(&st.set_span(Span::new(Time::ZERO, Time::ONE)));
        match slices_stepcat(&haps) {
            Ok(p) => p.query(st),
            Err(e) => {
                report_query_error(e.message);
                Vec::new()
            }
        }
    })
    .with_steps_value(steps))
}

/// Signature of a stepwise function on plain argument values.
type StepFn = fn(&[Value], &Pat) -> R<Pat>;

/// Applies a stepwise function with patterned arguments: constants call it
/// directly; otherwise the results for each argument event are joined
/// stepwise.
fn step_patternify(args: &[Pat], pat: &Pat, f: StepFn) -> R<Pat> {
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
    let pats: Pat = acc.fmap(move |vs| match f(vs, &pat) {
        Ok(p) => Value::Pat(p),
        Err(e) => {
            report_query_error(e.message);
            Value::Pat(silence())
        }
    });
    step_join(&pats)
}

// ----- take, drop, expand, … -------------------------------------------------

/// The first `i` steps (the last `-i` when negative), zoomed to fill the cycle.
fn take_steps(i: Time, pat: &Pat) -> Pat {
    let Some(steps) = pat.steps else {
        return nothing();
    };
    if steps <= Time::ZERO || i.is_zero() {
        return nothing();
    }
    let frac = i.abs() / steps;
    if frac >= Time::ONE {
        return pat.clone();
    }
    if i.is_negative() {
        pat.zoom(Time::ONE - frac, Time::ONE)
    } else {
        pat.zoom(Time::ZERO, frac)
    }
}

fn take(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(take_steps(fraction(&args[0])?, pat))
}

fn drop(args: &[Value], pat: &Pat) -> R<Pat> {
    let Some(steps) = pat.steps else {
        return Ok(nothing());
    };
    let i = fraction(&args[0])?;
    if i.is_negative() {
        Ok(take_steps(steps + i, pat))
    } else {
        Ok(take_steps(-(steps - i), pat))
    }
}

fn expand_by(pat: &Pat, factor: &Value) -> R<Pat> {
    match pat.steps {
        None => Ok(with_steps_fn(pat, |_| None)),
        Some(s) => {
            let f = fraction(factor)?;
            Ok(with_steps_fn(pat, |_| Some(s * f)))
        }
    }
}

fn expand(args: &[Value], pat: &Pat) -> R<Pat> {
    expand_by(pat, &args[0])
}

fn contract(args: &[Value], pat: &Pat) -> R<Pat> {
    match pat.steps {
        None => Ok(with_steps_fn(pat, |_| None)),
        Some(s) => {
            let f = fraction(&args[0])?;
            if f.is_zero() {
                return Err(division_by_zero("contract by 0"));
            }
            Ok(with_steps_fn(pat, |_| Some(s / f)))
        }
    }
}

fn extend(args: &[Value], pat: &Pat) -> R<Pat> {
    let fasted = call("fast", &args[..1], pat)?;
    expand_by(&fasted, &args[0])
}

fn replicate(args: &[Value], pat: &Pat) -> R<Pat> {
    let repeated = call("repeatCycles", &args[..1], pat)?;
    let fasted = call("fast", &args[..1], &repeated)?;
    expand_by(&fasted, &args[0])
}

// ----- shrink and grow ----------------------------------------------------------

/// How many pieces `shrinklist` makes: the pattern's step count, or the
/// second item of an `amount:times` list.
enum Times {
    Steps(Time),
    Given(Value),
}

/// The pattern, then the pattern with `amount` more steps cut from its
/// start (from its end when negative) each time, while something is left.
fn shrinklist_with(pat: &Pat, amount: Time, times: Times) -> R<Vec<Pat>> {
    let steps = pat.steps.expect("callers check the step count");
    let limit = match &times {
        Times::Steps(s) => s.to_f64(),
        Times::Given(v) => v.to_number(),
    };
    if steps.is_zero() {
        return Err(division_by_zero("shrink: the pattern has 0 steps"));
    }
    let from_start = amount > Time::ZERO;
    let seg = Time::ONE / steps * amount.abs();
    let mut out = Vec::new();
    let mut i: i64 = 0;
    while (i as f64) < limit {
        let cut = seg * Time::int(i);
        if from_start {
            if cut > Time::ONE {
                break;
            }
            out.push(pat.zoom(cut, Time::ONE));
        } else {
            let end = Time::ONE - cut;
            if end < Time::ZERO {
                break;
            }
            out.push(pat.zoom(Time::ZERO, end));
        }
        if out.len() > MAX_PIECES {
            return Err(too_many("shrink"));
        }
        i += 1;
    }
    Ok(out)
}

/// `shrinklist(amount)`: `amount` is a number or an `amount:times` list.
fn shrinklist_of(pat: &Pat, amount: &Value) -> R<Vec<Pat>> {
    let Some(steps) = pat.steps else {
        return Ok(vec![pat.clone()]);
    };
    let (amountv, times) = match amount {
        Value::List(l) => {
            let times = l.get(1).cloned().unwrap_or_default();
            if matches!(times, Value::Num(x) if x == 0.0) {
                return Ok(vec![pat.clone()]);
            }
            (
                fraction(l.first().unwrap_or(&Value::Undefined))?,
                Times::Given(times),
            )
        }
        other => (fraction(other)?, Times::Steps(steps)),
    };
    shrinklist_with(pat, amountv, times)
}

/// Concatenates the pieces stepwise, with their summed step count.
fn cat_pieces(list: Vec<Pat>) -> R<Pat> {
    let steps = sum(list.iter().filter_map(|p| p.steps));
    let items = list
        .into_iter()
        .map(|p| (Some(p.steps.unwrap_or(Time::ONE)), p))
        .collect();
    Ok(stepcat_weighted(items)?.with_steps_value(Some(steps)))
}

fn shrink(args: &[Value], pat: &Pat) -> R<Pat> {
    if pat.steps.is_none() {
        return Ok(nothing());
    }
    cat_pieces(shrinklist_of(pat, &args[0])?)
}

fn grow(args: &[Value], pat: &Pat) -> R<Pat> {
    let Some(steps) = pat.steps else {
        return Ok(nothing());
    };
    let amount = -fraction(&args[0])?;
    let mut list = shrinklist_with(pat, amount, Times::Steps(steps))?;
    list.reverse();
    cat_pieces(list)
}

/// `pat.shrinklist(amount)`: the list of ever shorter patterns.
fn shrinklist_method(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    let amount = args.get(1).cloned().unwrap_or_default();
    let list = shrinklist_of(&pat, &amount)?;
    Ok(Value::list(list.into_iter().map(Value::Pat).collect()))
}

/// `shrinklist(amount, pat)`.
fn shrinklist_global(args: &[Value]) -> R<Value> {
    let Some(Value::Pat(pat)) = args.get(1) else {
        return Err(RtError::new("shrinklist: expected an amount and a pattern"));
    };
    shrinklist_method(&[Value::Pat(pat.clone()), args[0].clone()])
}

// ----- tour, zip, stepalt ---------------------------------------------------------

/// `pat.tour(a, b, …)`: the pattern moves back through the others, one
/// place per repetition, all laid out stepwise in one cycle.
fn tour(args: &[Value]) -> R<Value> {
    let Some((this, many)) = args.split_first() else {
        return Err(RtError::new("tour: expected a pattern"));
    };
    let n = many.len();
    if n * (n + 2) > MAX_PIECES {
        return Err(too_many("tour"));
    }
    let mut order: Vec<&Value> = Vec::new();
    for i in 0..n {
        order.extend(&many[..n - i]);
        order.push(this);
        order.extend(&many[n - i..]);
    }
    order.push(this);
    // The trailing copies are spread into the list, as JavaScript's
    // `concat` spreads arrays: a `[weight, pattern]` pair becomes two items.
    for m in many {
        match m {
            Value::List(items) => order.extend(items.iter()),
            other => order.push(other),
        }
    }
    let items = order.into_iter().map(stepcat_item).collect::<R<_>>()?;
    Ok(Value::Pat(stepcat_weighted(items)?))
}

/// Top-level `tour(pat, a, b, …)`: the first argument must be a pattern.
fn tour_global(args: &[Value]) -> R<Value> {
    match args.first() {
        Some(Value::Pat(_)) => tour(args),
        _ => Err(RtError::new("tour: the first argument must be a pattern")),
    }
}

/// `zip(a, b, …)`: step `i` of the result is step `i` of every pattern in
/// turn, over the least common multiple of their step counts.
fn zip(args: &[Value]) -> R<Value> {
    let pats: Vec<(Pat, Time)> = args
        .iter()
        .filter_map(|v| match v {
            Value::Pat(p) => p.steps.map(|s| (p.clone(), s)),
            _ => None,
        })
        .collect();
    if pats.is_empty() {
        return Ok(Value::Pat(Pattern::new(|_| Vec::new())));
    }
    let mut slowed = Vec::new();
    for (p, s) in &pats {
        if s.is_zero() {
            return Err(division_by_zero("zip: a pattern has 0 steps"));
        }
        slowed.push(p.slow(*s));
    }
    let steps = crate::pattern::lcm_steps(pats.iter().map(|(_, s)| Some(*s))).unwrap();
    let zipped = slowcat(slowed);
    Ok(Value::Pat(zipped.fast(steps).with_steps_value(Some(steps))))
}

/// `stepalt(a, [b, c], …)`: concatenates stepwise; a list alternates its
/// items from one repetition to the next.
fn stepalt(args: &[Value]) -> R<Value> {
    let groups: Vec<Vec<Pat>> = args
        .iter()
        .map(|a| match a {
            Value::List(l) => l.iter().map(reify).collect(),
            other => vec![reify(other)],
        })
        .collect();
    let cycles = crate::pattern::lcm_steps(groups.iter().map(|g| Some(Time::int(g.len() as i64))))
        .unwrap_or(Time::ZERO);
    if cycles.to_f64() * groups.len() as f64 > MAX_PIECES as f64 {
        return Err(too_many("stepalt"));
    }
    let mut chosen = Vec::new();
    for cycle in 0..cycles.floor_i64().max(0) {
        for g in &groups {
            chosen.push(if g.is_empty() {
                silence()
            } else {
                g[(cycle as usize) % g.len()].clone()
            });
        }
    }
    let chosen: Vec<(Time, Pat)> = chosen
        .into_iter()
        .filter_map(|p| match p.steps {
            Some(s) if s > Time::ZERO => Some((s, p)),
            _ => None,
        })
        .collect();
    let steps = sum(chosen.iter().map(|(s, _)| *s));
    let items = chosen.into_iter().map(|(s, p)| (Some(s), p)).collect();
    Ok(Value::Pat(
        stepcat_weighted(items)?.with_steps_value(Some(steps)),
    ))
}

// ----- step counts ------------------------------------------------------------------

fn step_join_fn(_: &[Value], pat: &Pat) -> R<Pat> {
    step_join(pat)
}

/// `stepBind(f)`: `f` maps each value to a pattern; joined stepwise.
fn step_bind(args: &[Value], pat: &Pat) -> R<Pat> {
    let f = args[0].clone();
    let mapped = pat.map_values(move |v| match &f {
        Value::Func(func) => match func.call(vec![v.clone()]) {
            Ok(r) => r,
            Err(e) => {
                report_query_error(e.message);
                Value::Pat(silence())
            }
        },
        _ => {
            report_query_error("stepBind: expected a function");
            Value::Pat(silence())
        }
    });
    step_join(&mapped)
}

/// `pat.setSteps(n)`: the same events with `n` steps per cycle
/// (`undefined`: no step count).
fn set_steps(args: &[Value]) -> R<Value> {
    let mut pat = reify(&args[0]);
    pat.steps = match args.get(1) {
        None | Some(Value::Undefined) => None,
        Some(v) => Some(fraction(v)?),
    };
    Ok(Value::Pat(pat))
}

/// `pat.withSteps(f)`: the step count changed by `f` (given and returning
/// a number); a pattern without a step count keeps none.
fn with_steps(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    let Some(steps) = pat.steps else {
        return Ok(Value::Pat(with_steps_fn(&pat, |_| None)));
    };
    let Some(Value::Func(f)) = args.get(1) else {
        return Err(RtError::new("withSteps: expected a function"));
    };
    let new = match f.call(vec![Value::Num(steps.to_f64())])? {
        Value::Undefined => None,
        v => Some(fraction(&v)?),
    };
    Ok(Value::Pat(with_steps_fn(&pat, |_| new)))
}

/// `pat.hasSteps()`: whether the pattern has a step count.
fn has_steps(args: &[Value]) -> R<Value> {
    Ok(Value::Bool(reify(&args[0]).steps.is_some()))
}

/// `gap(n)`: silence `n` steps long.
fn gap_value(args: &[Value]) -> R<Value> {
    match args.first() {
        None | Some(Value::Undefined) => Ok(Value::Pat(Pattern::new(|_| Vec::new()))),
        Some(v) => Ok(Value::Pat(gap(fraction(v)?))),
    }
}

// ----- aligned stacks ------------------------------------------------------------------

/// Where shorter patterns go when stacked with longer ones.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
    Centre,
}

fn stack_items(args: &[Value]) -> Vec<Pat> {
    args.iter()
        .map(|a| match a {
            Value::List(l) => sequence(l),
            other => reify(other),
        })
        .collect()
}

fn steps_of(p: &Pat, what: &str) -> R<Time> {
    p.steps.ok_or_else(|| {
        RtError::new(format!(
            "{what}: every pattern needs a step count (mini-notation sequences have one)"
        ))
    })
}

/// Stacks patterns padded with gaps to the longest step count.
fn stack_aligned(pats: Vec<Pat>, align: Align, what: &str) -> R<Pat> {
    if pats.is_empty() {
        return Ok(silence());
    }
    if pats.len() == 1 {
        return Ok(pats.into_iter().next().unwrap());
    }
    let first = steps_of(&pats[0], what)?;
    let longest = pats[1..]
        .iter()
        .map(|p| p.steps.unwrap_or(Time::ZERO))
        .fold(first, Time::max);
    let mut out = Vec::new();
    for p in pats {
        let s = steps_of(&p, what)?;
        if s == longest {
            out.push(p);
            continue;
        }
        let item = |p: Pat| (Some(p.steps.unwrap_or(Time::ONE)), p);
        let padded = match align {
            Align::Left => vec![item(p), item(gap(longest - s))],
            Align::Right => vec![item(gap(longest - s)), item(p)],
            Align::Centre => {
                let g = (longest - s) / Time::int(2);
                vec![item(gap(g)), item(p), item(gap(g))]
            }
        };
        out.push(stepcat_weighted(padded)?);
    }
    Ok(stack(out))
}

fn stack_left(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(stack_aligned(
        stack_items(args),
        Align::Left,
        "stackLeft",
    )?))
}

fn stack_right(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(stack_aligned(
        stack_items(args),
        Align::Right,
        "stackRight",
    )?))
}

fn stack_centre(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(stack_aligned(
        stack_items(args),
        Align::Centre,
        "stackCentre",
    )?))
}

/// `stackBy(by, a, b, …)`: stacks the patterns aligned as `by` says
/// (`left`, `right`, `centre`, `expand` or `repeat`), patternable.
fn stack_by(args: &[Value]) -> R<Value> {
    let Some((by, pats)) = args.split_first() else {
        return Err(RtError::new("stackBy: expected an alignment and patterns"));
    };
    let Value::Pat(by) = by else {
        return Err(RtError::new(
            "stackBy: the alignment must be a pattern such as \"<left right>\"",
        ));
    };
    let first = match pats.first() {
        Some(Value::Pat(p)) => steps_of(p, "stackBy")?,
        _ => {
            return Err(RtError::new(
                "stackBy: every pattern needs a step count (mini-notation sequences have one)",
            ))
        }
    };
    let longest = pats[1..]
        .iter()
        .map(|v| match v {
            Value::Pat(p) => p.steps.unwrap_or(Time::ZERO),
            _ => Time::ZERO,
        })
        .fold(first, Time::max);
    let build = |key: &str| -> R<Pat> {
        match key {
            "left" => stack_aligned(stack_items(pats), Align::Left, "stackLeft"),
            "right" => stack_aligned(stack_items(pats), Align::Right, "stackRight"),
            "centre" => stack_aligned(stack_items(pats), Align::Centre, "stackCentre"),
            "expand" => Ok(stack(pats.iter().map(super::reify_seq).collect())),
            "repeat" => {
                let pm = super::registry::call_global(
                    super::global("polymeter").expect("polymeter is registered"),
                    pats.to_vec(),
                )?;
                call(
                    "pace",
                    &[Value::list(vec![
                        Value::Num(longest.numer() as f64),
                        Value::Num(longest.denom() as f64),
                    ])],
                    &reify(&pm),
                )
            }
            other => Err(RtError::new(format!(
                "stackBy: unknown alignment `{other}` (use left, right, centre, expand or repeat)"
            ))),
        }
    };
    let stacks: Vec<(&str, Result<Pat, String>)> = ["left", "right", "centre", "expand", "repeat"]
        .into_iter()
        .map(|k| (k, build(k).map_err(|e| e.message)))
        .collect();
    let stacks = std::sync::Arc::new(stacks);
    let out = by.discrete_only().inner_bind(move |v| {
        let key = v.to_js_string();
        match stacks.iter().find(|(k, _)| *k == key) {
            Some((_, Ok(p))) => p.clone(),
            Some((_, Err(e))) => {
                report_query_error(e.clone());
                silence()
            }
            None => {
                report_query_error(format!(
                    "stackBy: unknown alignment `{key}` (use left, right, centre, expand or repeat)"
                ));
                silence()
            }
        }
    });
    Ok(Value::Pat(out.with_steps_value(Some(longest))))
}

pub fn register(add: &mut AddFn) {
    let step = |f| Kind::Raw { arity: 1, f };
    for (names, kind) in [
        (
            &["take", "s_add"][..],
            step(|a, p| step_patternify(a, p, take)),
        ),
        (
            &["drop", "s_sub"][..],
            step(|a, p| step_patternify(a, p, drop)),
        ),
        (
            &["extend", "s_extend"][..],
            step(|a, p| step_patternify(a, p, extend)),
        ),
        (
            &["expand", "s_expand"][..],
            step(|a, p| step_patternify(a, p, expand)),
        ),
        (
            &["contract", "s_contract"][..],
            step(|a, p| step_patternify(a, p, contract)),
        ),
        (
            &["replicate"][..],
            step(|a, p| step_patternify(a, p, replicate)),
        ),
        (
            &["shrink", "s_taper"][..],
            step(|a, p| step_patternify(a, p, shrink)),
        ),
        (&["grow"][..], step(|a, p| step_patternify(a, p, grow))),
        (
            &["stepBind"][..],
            Kind::Transform {
                arity: 1,
                f: step_bind,
                join: super::Join::Inner,
                preserve_steps: false,
            },
        ),
    ] {
        for name in names {
            add(name, kind, true, true);
        }
    }
    let method0 = |f| Kind::Transform {
        arity: 0,
        f,
        join: super::Join::Inner,
        preserve_steps: false,
    };
    add("stepJoin", method0(step_join_fn), false, true);
    let values = |f, method| Kind::Values { f, method };
    for (name, kind, global, method) in [
        ("shrinklist", values(shrinklist_method, true), false, true),
        ("s_taperlist", values(shrinklist_method, true), false, true),
        ("shrinklist", values(shrinklist_global, false), true, false),
        ("s_taperlist", values(shrinklist_global, false), true, false),
        ("tour", values(tour, true), false, true),
        ("s_tour", values(tour, true), false, true),
        ("tour", values(tour_global, false), true, false),
        ("s_tour", values(tour_global, false), true, false),
        ("zip", values(zip, false), true, false),
        ("s_zip", values(zip, false), true, false),
        ("stepalt", values(stepalt, false), true, false),
        ("s_alt", values(stepalt, false), true, false),
        ("setSteps", values(set_steps, true), false, true),
        ("withSteps", values(with_steps, true), false, true),
        ("hasSteps", values(has_steps, true), false, true),
        ("gap", values(gap_value, false), true, false),
        ("stackLeft", values(stack_left, false), true, false),
        ("stackRight", values(stack_right, false), true, false),
        ("stackCentre", values(stack_centre, false), true, false),
        ("stackBy", values(stack_by, false), true, false),
    ] {
        add(name, kind, global, method);
    }
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["take", "s_add"],
        category: "Stepwise",
        summary: "Keeps the first steps of a pattern (the last ones when negative), stretched over the cycle; its step count becomes the number taken. A patterned amount lays the results one after another, each with its own steps.",
        params: &[("steps", "how many steps to keep; negative counts from the end; patternable (joined stepwise)")],
        example: "s(\"bd cp ht mt\").take(\"<2 -3>\")",
    },
    FnDoc {
        names: &["drop", "s_sub"],
        category: "Stepwise",
        summary: "Leaves out the first steps of a pattern (the last ones when negative) and plays the rest over the cycle.",
        params: &[("steps", "how many steps to leave out; negative counts from the end; patternable (joined stepwise)")],
        example: "s(\"bd cp ht mt\").drop(\"0 1 2\")",
    },
    FnDoc {
        names: &["extend", "s_extend"],
        category: "Stepwise",
        summary: "Repeats the pattern within the cycle like `fast`, and multiplies its step count by the same factor, so stepwise joins give it room for every repetition.",
        params: &[("factor", "repetitions per cycle; patternable (joined stepwise)")],
        example: "stepcat(s(\"bd sd\").extend(2), s(\"hh hh hh\"))",
    },
    FnDoc {
        names: &["expand", "s_expand"],
        category: "Stepwise",
        summary: "Multiplies the step count of a pattern, leaving its events as they are: in a stepwise join or `polymeter` it takes proportionally more room.",
        params: &[("factor", "step-count multiplier; patternable (joined stepwise)")],
        example: "s(\"bd sd hh cp\").expand(\"2 1\").pace(8)",
    },
    FnDoc {
        names: &["contract", "s_contract"],
        category: "Stepwise",
        summary: "Divides the step count of a pattern (the opposite of `expand`).",
        params: &[("factor", "step-count divisor (not 0); patternable (joined stepwise)")],
        example: "s(\"bd sd hh cp\").contract(\"2 1\").pace(8)",
    },
    FnDoc {
        names: &["replicate"],
        category: "Stepwise",
        summary: "Plays each cycle several times in a row within one cycle (like `repeatCycles` then `fast`) and multiplies the step count accordingly.",
        params: &[("factor", "how many times; patternable (joined stepwise)")],
        example: "stepcat(s(\"<bd cp> sd\").replicate(2), s(\"hh hh\"))",
    },
    FnDoc {
        names: &["shrink", "s_taper"],
        category: "Stepwise",
        summary: "Plays the pattern, then again without its first step, without its first two, … (from the end when negative), all laid out stepwise in one cycle. `\"n:k\"` cuts n steps at a time, k times.",
        params: &[("amount", "steps cut each time (negative: from the end), or `amount:times`; patternable (joined stepwise)")],
        example: "s(\"bd sd hh cp\").shrink(\"<1 -1>\").pace(4)",
    },
    FnDoc {
        names: &["grow"],
        category: "Stepwise",
        summary: "The reverse of `shrink`: starts with the first step and grows by `amount` steps each time until the whole pattern plays (from the end when negative).",
        params: &[("amount", "steps added each time (negative: from the end); patternable (joined stepwise)")],
        example: "s(\"bd sd hh cp\").grow(\"<1 -1>\").pace(4)",
    },
    FnDoc {
        names: &["shrinklist", "s_taperlist"],
        category: "Stepwise",
        summary: "The list of patterns `shrink` lays out: the pattern, then shorter and shorter cuts of it.",
        params: &[("amount", "steps cut each time (negative: from the end), or `[amount, times]`")],
        example: "seq(s(\"bd sd hh\").shrinklist(1))",
    },
    FnDoc {
        names: &["tour", "s_tour"],
        category: "Stepwise",
        summary: "Moves the pattern through a list of others: first after all of them, then one place earlier each time, all laid out stepwise in one cycle (use `pace` to slow it down).",
        params: &[("patterns…", "the patterns it tours through")],
        example: "note(\"[c g]\".tour(\"e f\", \"e f g\")).pace(8)",
    },
    FnDoc {
        names: &["zip", "s_zip"],
        category: "Stepwise",
        summary: "Interleaves the steps of the patterns: step 1 of each, then step 2 of each, … over the least common multiple of their step counts, all in one cycle.",
        params: &[("patterns…", "patterns with step counts")],
        example: "note(zip(\"e f\", \"e f g\")).pace(4)",
    },
    FnDoc {
        names: &["stepalt", "s_alt"],
        category: "Stepwise",
        summary: "Concatenates patterns stepwise (like `stepcat`); a list alternates its patterns from one repetition to the next, all within one cycle.",
        params: &[("patterns…", "patterns, or lists of patterns to alternate")],
        example: "s(stepalt([\"bd cp\", \"mt\"], \"bd\"))",
    },
    FnDoc {
        names: &["stepBind"],
        category: "Stepwise",
        summary: "Maps every value to a pattern with the given function and joins the patterns stepwise: those chosen within a cycle play one after another, each taking its own number of steps.",
        params: &[("function", "value => pattern")],
        example: "\"2 3\".stepBind(n => s(\"bd hh\").fast(1).take(n))",
    },
    FnDoc {
        names: &["stepJoin"],
        category: "Stepwise",
        summary: "Flattens a pattern whose values are patterns stepwise (see `stepBind`).",
        params: &[],
        example: "\"a b\".fmap(x => s(\"bd sd cp\")).stepJoin()",
    },
    FnDoc {
        names: &["setSteps"],
        category: "Stepwise",
        summary: "Sets the number of steps per cycle the pattern counts as, without changing its events.",
        params: &[("steps", "the new step count (`undefined`: none)")],
        example: "polymeter(s(\"bd sd\").setSteps(3), s(\"hh hh hh hh\"))",
    },
    FnDoc {
        names: &["withSteps"],
        category: "Stepwise",
        summary: "Changes the step count with a function (given the count as a number); a pattern without a step count keeps none.",
        params: &[("function", "steps => new steps")],
        example: "s(\"bd sd\").withSteps(n => n * 2).pace(2)",
    },
    FnDoc {
        names: &["hasSteps"],
        category: "Stepwise",
        summary: "Whether the pattern has a step count (mini-notation sequences do, signals do not).",
        params: &[],
        example: "\"a\".when(s(\"bd sd\").hasSteps(), x => x.fast(2))",
    },
    FnDoc {
        names: &["gap"],
        category: "Stepwise",
        summary: "Silence with a step count: `gap(3)` takes three steps in `stepcat` or `polymeter`, like `\"~@3\"`.",
        params: &[("steps", "its step count")],
        example: "stepcat(s(\"bd sd\"), gap(2))",
    },
    FnDoc {
        names: &["stackLeft"],
        category: "Stepwise",
        summary: "Stacks patterns of different step counts, each starting at the beginning of the cycle: shorter ones are padded with silence at the end to the longest count.",
        params: &[("patterns…", "patterns with step counts")],
        example: "stackLeft(s(\"bd sd hh\"), s(\"cp cp\"))",
    },
    FnDoc {
        names: &["stackRight"],
        category: "Stepwise",
        summary: "Stacks patterns of different step counts, each ending at the end of the cycle: shorter ones are padded with silence at the start.",
        params: &[("patterns…", "patterns with step counts")],
        example: "stackRight(s(\"bd sd hh\"), s(\"cp cp\"))",
    },
    FnDoc {
        names: &["stackCentre"],
        category: "Stepwise",
        summary: "Stacks patterns of different step counts, centred: shorter ones are padded with silence on both sides.",
        params: &[("patterns…", "patterns with step counts")],
        example: "stackCentre(s(\"bd sd hh cp\"), s(\"rim rim\"))",
    },
    FnDoc {
        names: &["stackBy"],
        category: "Stepwise",
        summary: "Stacks patterns of different step counts aligned as a pattern of names says: `left`, `right`, `centre`, `expand` (each stretched over the cycle) or `repeat` (as `polymeter`).",
        params: &[
            ("alignment", "a pattern of alignment names, e.g. \"<left right>\""),
            ("patterns…", "patterns with step counts"),
        ],
        example: "stackBy(\"<left centre right>\", s(\"bd sd hh cp\"), s(\"rim rim\"))",
    },
];
