//! Continuous signals (`sine`, `saw`, `rand`, …) and the functions built on
//! randomness (`degradeBy`, `sometimesBy`, `choose`, `shuffle`, …).
//!
//! Signals are sampled at the start of each query span, and random values
//! depend only on time (see [`crate::random`]), so results are repeatable.

use super::registry::{AddFn, Kind};
use super::{call, join_pats, reify, to_count, to_num, Join, Pat, R};
use crate::pattern::{
    fastcat, pure, report_query_error, report_query_warning, signal, silence, stack,
    take_query_errors, take_query_warnings, Controls, Pattern,
};
use crate::random::{perlin_at, rand_at_time, rands_at_time};
use crate::time::Time;
use crate::value::{RtError, Value};

fn num_signal(f: fn(f64) -> f64) -> Pat {
    signal(move |t: Time, _: &Controls| Value::Num(f(t.to_f64())))
}

pub fn saw() -> Pat {
    num_signal(|t| t % 1.0)
}

pub fn isaw() -> Pat {
    num_signal(|t| 1.0 - (t % 1.0))
}

pub fn sine2() -> Pat {
    num_signal(|t| crate::jsmath::sin(std::f64::consts::PI * 2.0 * t))
}

pub fn sine() -> Pat {
    num_signal(|t| (crate::jsmath::sin(std::f64::consts::PI * 2.0 * t) + 1.0) / 2.0)
}

pub fn cosine() -> Pat {
    sine().early(Time::new(1, 4))
}

pub fn square() -> Pat {
    num_signal(|t| ((t * 2.0) % 2.0).floor())
}

pub fn tri() -> Pat {
    fastcat(vec![saw(), isaw()])
}

pub fn rand() -> Pat {
    signal(|t, c| Value::Num(rand_at_time(t.to_f64(), c.seed.unwrap_or(0.0))))
}

pub fn perlin() -> Pat {
    signal(|t, c| Value::Num(perlin_at(t.to_f64(), c.seed.unwrap_or(0.0))))
}

fn bipolar(p: Pat) -> Pat {
    p.map_values(|v| Value::Num(v.to_number() * 2.0 - 1.0))
}

/// Keeps the events of `pat` where the signal `with` is above `x`.
fn degrade_by_with(with: &Pat, x: f64, pat: &Pat) -> Pat {
    let kept = with.filter_values(move |v| v.to_number() > x);
    pat.app_left(&kept, |a, _| a.clone())
        .with_steps_value(pat.steps)
}

fn one_minus(p: Pat) -> Pat {
    p.map_values(|v| Value::Num(1.0 - v.to_number()))
}

fn degrade_by(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(degrade_by_with(&rand(), to_num(&args[0]), pat))
}

fn degrade(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(degrade_by_with(&rand(), 0.5, pat))
}

fn undegrade_by(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(degrade_by_with(&one_minus(rand()), to_num(&args[0]), pat))
}

fn undegrade(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(degrade_by_with(&one_minus(rand()), 0.5, pat))
}

/// The mini-notation `?`: degrade with a randomness stream shifted by `seed`.
pub fn degrade_seeded(pat: &Pat, amount: f64, seed: u32) -> Pat {
    let shift = Time::from_f64(0.0003 * seed as f64).unwrap_or(Time::ZERO);
    degrade_by_with(&rand().early(shift), amount, pat)
}

fn segment1(p: &Pat) -> Pat {
    let structure = pure(Value::Bool(true));
    super::ops::apply(super::ops::Op::KeepIf, super::ops::How::Out, p, &structure)
        .unwrap_or_else(|_| silence())
        .with_steps_value(Some(Time::ONE))
}

/// `reify(x).fmap(build).innerJoin()`. When `x` is a plain value the outer
/// pattern is constant and the join only splits queries at cycles, so the
/// pattern is built once instead of at every query (unless building fails:
/// the failure is then reported at query time, as the reference does).
fn inner_join_built(x: &Value, build: impl Fn(f64) -> R<Pat> + Send + Sync + 'static) -> Pat {
    let outer = reify(x);
    if let Some(v) = &outer.pure_value {
        // Built here only if building reports nothing (what it reports
        // belongs to the queries).
        let (errors, warnings) = (take_query_errors(), take_query_warnings());
        let built = build(v.to_number());
        let quiet = take_query_errors().is_empty() && take_query_warnings().is_empty();
        errors.into_iter().for_each(report_query_error);
        warnings.into_iter().for_each(report_query_warning);
        if let (Ok(p), true) = (built, quiet) {
            return p.split_queries();
        }
    }
    let choice = outer.fmap(move |x| match build(x.to_number()) {
        Ok(p) => p,
        Err(e) => {
            report_query_error(e.message);
            silence()
        }
    });
    join_pats(&choice, Join::Inner)
}

fn sometimes_by(args: &[Value], pat: &Pat) -> R<Pat> {
    let (pat, f) = (pat.clone(), args[1].clone());
    Ok(inner_join_built(&args[0], move |x| {
        let kept = degrade_by_with(&rand(), x, &pat);
        let changed = degrade_by_with(&one_minus(rand()), 1.0 - x, &pat);
        Ok(stack(vec![kept, super::apply_fn(&f, &changed)?]))
    }))
}

fn some_cycles_by(args: &[Value], pat: &Pat) -> R<Pat> {
    let (pat, f) = (pat.clone(), args[1].clone());
    Ok(inner_join_built(&args[0], move |x| {
        let kept = degrade_by_with(&segment1(&rand()), x, &pat);
        let changed = degrade_by_with(&segment1(&one_minus(rand())), 1.0 - x, &pat);
        Ok(stack(vec![kept, super::apply_fn(&f, &changed)?]))
    }))
}

fn sometimes_fixed(p: f64) -> impl Fn(&[Value], &Pat) -> R<Pat> {
    move |args, pat| sometimes_by(&[Value::Num(p), args[0].clone()], pat)
}

fn always(args: &[Value], pat: &Pat) -> R<Pat> {
    super::apply_fn(&args[0], pat)
}

fn never(_: &[Value], pat: &Pat) -> R<Pat> {
    Ok(pat.clone())
}

fn some_cycles(args: &[Value], pat: &Pat) -> R<Pat> {
    some_cycles_by(&[Value::Num(0.5), args[0].clone()], pat)
}

/// Plays the `n` parts of each cycle in the order given by `ipat`.
fn rearrange_with(ipat: &Pat, n: i64, pat: &Pat) -> Pat {
    let nt = Time::int(n);
    let parts: Vec<Pat> = (0..n)
        .map(|i| {
            pat.zoom(Time::int(i) / nt, Time::int(i + 1) / nt)
                .repeat_cycles(nt)
                .fast(nt)
        })
        .collect();
    ipat.inner_bind(move |i| {
        let k = i.to_number();
        if k >= 0.0 && (k as usize) < parts.len() && k.fract() == 0.0 {
            parts[k as usize].clone()
        } else {
            silence()
        }
    })
}

fn shuffle(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = to_count(&args[0], "shuffle: the number of parts")?;
    if n < 1 {
        return Ok(silence());
    }
    // A random permutation per cycle, drawn from the middle of the cycle.
    let order = signal(move |t: Time, c: &Controls| {
        let at = t.floor().to_f64() + 0.5;
        if n == 1 {
            // The reference fails here (one random number is not a list).
            crate::pattern::report_query_error("shuffle: the number of parts must be at least 2");
            return Value::Num(0.0);
        }
        let rands = rands_at_time(at, n as usize, c.seed.unwrap_or(0.0));
        let mut idx: Vec<usize> = (0..n as usize).collect();
        idx.sort_by(|a, b| {
            rands[*a]
                .partial_cmp(&rands[*b])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let i = (t.cycle_pos() * Time::int(n)).floor_i64().rem_euclid(n) as usize;
        Value::Num(idx[i] as f64)
    });
    let order = super::call("segment", &[Value::Num(n as f64)], &order)?;
    Ok(rearrange_with(&order, n, pat))
}

fn scramble(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = to_count(&args[0], "scramble: the number of parts")?;
    if n < 1 {
        return Ok(silence());
    }
    let idx = irand_n(n as f64);
    let idx = super::call("segment", &[Value::Num(n as f64)], &idx)?;
    Ok(rearrange_with(&idx, n, pat))
}

fn irand_n(i: f64) -> Pat {
    rand().map_values(move |x| Value::Num((x.to_number() * i).trunc()))
}

fn irand(args: &[Value]) -> R<Value> {
    let n = reify(args.first().unwrap_or(&Value::Undefined));
    Ok(Value::Pat(n.inner_bind(|v| irand_n(v.to_number()))))
}

fn brand_by(args: &[Value]) -> R<Value> {
    let p = reify(args.first().unwrap_or(&Value::Num(0.5)));
    Ok(Value::Pat(p.inner_bind(|v| {
        let p = v.to_number();
        rand().fmap(move |x| Value::Bool(x.to_number() < p))
    })))
}

/// Chooses among `xs` with a signal in `[0, 1)`.
fn choose_with(chooser: &Pat, xs: &[Value], join: Join) -> R<Pat> {
    if xs.is_empty() {
        return Ok(silence());
    }
    let pats: Vec<Pat> = xs.iter().map(reify).collect();
    let n = pats.len();
    let ranged = call("range", &[Value::Num(0.0), Value::Num(n as f64)], chooser)?;
    let chosen: Pattern<Pat> = ranged.fmap(move |i| {
        let k = i.to_number().floor().clamp(0.0, (n - 1) as f64);
        let k = if k.is_nan() { 0 } else { k as usize };
        pats[k].clone()
    });
    Ok(join_pats(&chosen, join))
}

fn flat_choices(args: &[Value]) -> Vec<Value> {
    args.to_vec()
}

fn choose(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(choose_with(
        &rand(),
        &flat_choices(args),
        Join::Outer,
    )?))
}

fn choose_in(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(choose_with(
        &rand(),
        &flat_choices(args),
        Join::Inner,
    )?))
}

fn choose_cycles(args: &[Value]) -> R<Value> {
    let chooser = segment1(&rand());
    Ok(Value::Pat(choose_with(&chooser, args, Join::Inner)?))
}

/// Method form: the receiver is the chooser (`sine.choose("a", "b")`).
fn choose_method(args: &[Value]) -> R<Value> {
    let chooser = reify(&args[0]);
    Ok(Value::Pat(choose_with(&chooser, &args[1..], Join::Outer)?))
}

/// Weighted choice: pairs `[value, weight]`.
fn wchoose_with(chooser: &Pat, pairs: &[Value], join: Join) -> R<Pat> {
    let mut values = Vec::new();
    let mut weights: Vec<Pat> = Vec::new();
    let mut total = pure(Value::Num(0.0));
    for p in pairs {
        let Value::List(l) = p else {
            return Err(RtError::new("wchoose: expected [value, weight] pairs")
                .with_help("write wchoose([\"bd\", 3], [\"sd\", 1])"));
        };
        if l.len() != 2 {
            return Err(RtError::new("wchoose: expected [value, weight] pairs"));
        }
        values.push(reify(&l[0]));
        total = super::ops::apply(
            super::ops::Op::Add,
            super::ops::How::In,
            &total,
            &super::sequence(&[l[1].clone()]),
        )?;
        weights.push(total.clone());
    }
    // A pattern of the running totals, as lists.
    let mut lists: Pattern<Vec<f64>> = pure(Vec::new());
    for w in weights {
        lists = lists.bind(move |list| {
            let list = list.clone();
            w.fmap(move |v| {
                let mut l = list.clone();
                l.push(v.to_number());
                l
            })
        });
    }
    let total2 = total.clone();
    let chooser_of = move |r: &Value| -> Pattern<Pat> {
        let r = r.to_number();
        let find = total2.fmap(move |t| t.to_number() * r);
        let values = values.clone();
        lists.app_left(&find, move |ws, f| {
            let idx = ws.iter().position(|x| x > f);
            match idx {
                Some(i) => values[i].clone(),
                None => {
                    crate::pattern::report_query_error(
                        "wchoose: the weights add up to zero, nothing can be chosen",
                    );
                    silence()
                }
            }
        })
    };
    let chosen = chooser.bind(chooser_of);
    Ok(join_pats(&chosen, join))
}

fn wchoose(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(wchoose_with(&rand(), args, Join::Outer)?))
}

fn wchoose_cycles(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(wchoose_with(
        &segment1(&rand()),
        args,
        Join::Inner,
    )?))
}

fn binary_n(args: &[Value]) -> R<Value> {
    let n = reify(args.first().unwrap_or(&Value::Undefined));
    let bits = args.get(1).cloned().unwrap_or(Value::Num(16.0));
    let bits_pat = reify(&bits);
    let run = super::registry::call_global(super::global("run").unwrap(), vec![bits.clone()])?;
    let neg = call("mul", &[Value::Num(-1.0)], &reify(&run))?;
    let top = call("sub", &[Value::Num(1.0)], &bits_pat)?;
    let pos = call("add", &[Value::Pat(top)], &neg)?;
    let seg = call("segment", &[bits], &n)?;
    let shifted = call("brshift", &[Value::Pat(pos)], &seg)?;
    Ok(Value::Pat(call(
        "band",
        &[Value::Pat(pure(Value::Num(1.0)))],
        &shifted,
    )?))
}

fn binary(args: &[Value]) -> R<Value> {
    let n = reify(args.first().unwrap_or(&Value::Undefined));
    let l = call("log2", &[Value::Num(0.0)], &n)?;
    let f = call("floor", &[], &l)?;
    let bits = call("add", &[Value::Num(1.0)], &f)?;
    binary_n(&[Value::Pat(n), Value::Pat(bits)])
}

fn seed(args: &[Value], pat: &Pat) -> R<Pat> {
    let s = to_num(&args[0]);
    let steps = pat.steps;
    let pat = pat.clone();
    Ok(Pattern::new(move |st| {
        let mut st = *st;
        st.controls.seed = Some(s);
        pat.query(&st)
    })
    .with_steps_value(steps))
}

pub fn register(add: &mut AddFn) {
    type Constant = (&'static str, fn() -> Value);
    let constants: [Constant; 19] = [
        ("saw", || Value::Pat(saw())),
        ("isaw", || Value::Pat(isaw())),
        ("sine", || Value::Pat(sine())),
        ("cosine", || Value::Pat(cosine())),
        ("square", || Value::Pat(square())),
        ("tri", || Value::Pat(tri())),
        ("itri", || Value::Pat(fastcat(vec![isaw(), saw()]))),
        ("rand", || Value::Pat(rand())),
        ("time", || Value::Pat(num_signal(|t| t))),
        ("perlin", || Value::Pat(perlin())),
        ("saw2", || Value::Pat(bipolar(saw()))),
        ("isaw2", || Value::Pat(bipolar(isaw()))),
        ("sine2", || Value::Pat(sine2())),
        ("cosine2", || Value::Pat(sine2().early(Time::new(1, 4)))),
        ("square2", || Value::Pat(bipolar(square()))),
        ("tri2", || {
            Value::Pat(fastcat(vec![bipolar(saw()), bipolar(isaw())]))
        }),
        ("itri2", || {
            Value::Pat(fastcat(vec![bipolar(isaw()), bipolar(saw())]))
        }),
        ("rand2", || Value::Pat(bipolar(rand()))),
        ("brand", || {
            Value::Pat(rand().map_values(|x| Value::Bool(x.to_number() < 0.5)))
        }),
    ];
    for (name, f) in constants {
        add(name, Kind::Const(f), true, false);
    }
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
    for (name, kind) in [
        (
            "degradeBy",
            tp(1, degrade_by as super::registry::TransformFn),
        ),
        ("degrade", tp(0, degrade)),
        ("undegradeBy", tp(1, undegrade_by)),
        ("undegrade", tp(0, undegrade)),
        ("sometimesBy", t(2, sometimes_by)),
        ("sometimes", t(1, |a, p| sometimes_fixed(0.5)(a, p))),
        ("often", t(1, |a, p| sometimes_fixed(0.75)(a, p))),
        ("rarely", t(1, |a, p| sometimes_fixed(0.25)(a, p))),
        ("almostNever", t(1, |a, p| sometimes_fixed(0.1)(a, p))),
        ("almostAlways", t(1, |a, p| sometimes_fixed(0.9)(a, p))),
        ("always", t(1, always)),
        ("never", t(1, never)),
        ("someCyclesBy", t(2, some_cycles_by)),
        ("someCycles", t(1, some_cycles)),
        ("shuffle", t(1, shuffle)),
        ("scramble", t(1, scramble)),
        ("seed", t(1, seed)),
    ] {
        add(name, kind, true, true);
    }
    let v = |f| Kind::Values { f, method: false };
    for (name, kind) in [
        ("irand", v(irand)),
        ("brandBy", v(brand_by)),
        ("choose", v(choose)),
        ("chooseOut", v(choose)),
        ("chooseIn", v(choose_in)),
        ("chooseCycles", v(choose_cycles)),
        ("randcat", v(choose_cycles)),
        ("wchoose", v(wchoose)),
        ("wchooseCycles", v(wchoose_cycles)),
        ("wrandcat", v(wchoose_cycles)),
        ("binary", v(binary)),
        ("binaryN", v(binary_n)),
    ] {
        add(name, kind, true, false);
    }
    add(
        "choose",
        Kind::Values {
            f: choose_method,
            method: true,
        },
        false,
        true,
    );
}
