//! The rest of the randomness family: choosing with a given signal
//! (`chooseWith`, `chooseInWith`, `choose2`), degrading by a given signal
//! (`degradeByWith`), lists of random numbers (`randL`, `randrun`,
//! `getRandsAtTime`), ridged noise (`berlin`), the generator switch
//! (`useRNG`) and seed functions (`withSeed`).

use super::registry::{AddFn, Kind};
use super::{call, join_pats, reify, to_count, Join, Pat, R};
use crate::docs::FnDoc;
use crate::pattern::{report_query_error, signal, silence, Controls, Pattern};
use crate::random::{berlin_at, rands_at_time, set_precise};
use crate::time::Time;
use crate::value::{RtError, Value};

/// The most random numbers one list may hold.
const MAX_LIST: i64 = 4096;

/// Picks from `xs` with a chooser pattern of numbers in `[0, 1)`: the
/// chooser is scaled to `[0, len)` and floored, clamped to the ends.
fn choose_by(chooser: &Pat, xs: &[Value], join: Join) -> R<Pat> {
    if xs.is_empty() {
        return Ok(silence());
    }
    let pats: Vec<Pat> = xs.iter().map(reify).collect();
    let n = pats.len();
    let ranged = call("range", &[Value::Num(0.0), Value::Num(n as f64)], chooser)?;
    let chosen: Pattern<Pat> = ranged.fmap(move |i| {
        let k = i.to_number().floor().max(0.0).min((n - 1) as f64);
        // NaN picks nothing in the reference (an undefined pattern).
        if k.is_nan() {
            report_query_error("chooseWith: the chooser gave a value that is not a number");
            return silence();
        }
        pats[k as usize].clone()
    });
    Ok(join_pats(&chosen, join))
}

/// The list argument of `chooseWith(pat, [..])`.
fn choice_list(v: Option<&Value>, name: &str) -> R<Vec<Value>> {
    match v {
        Some(Value::List(l)) => Ok(l.to_vec()),
        _ => Err(
            RtError::new(format!("{name}: expected a list of values to choose from"))
                .with_help(format!("write {name}(sine, [\"a\", \"b\", \"c\"])")),
        ),
    }
}

fn choose_with(args: &[Value]) -> R<Value> {
    let chooser = reify(args.first().unwrap_or(&Value::Undefined));
    let xs = choice_list(args.get(1), "chooseWith")?;
    Ok(Value::Pat(choose_by(&chooser, &xs, Join::Outer)?))
}

fn choose_in_with(args: &[Value]) -> R<Value> {
    let chooser = reify(args.first().unwrap_or(&Value::Undefined));
    let xs = choice_list(args.get(1), "chooseInWith")?;
    Ok(Value::Pat(choose_by(&chooser, &xs, Join::Inner)?))
}

/// `sine2.choose2(a, b)`: the receiver is a bipolar chooser.
fn choose2(args: &[Value]) -> R<Value> {
    let chooser = reify(&args[0]).map_values(|v| Value::Num((v.to_number() + 1.0) / 2.0));
    Ok(Value::Pat(choose_by(&chooser, &args[1..], Join::Outer)?))
}

/// Keeps the events of `pat` where the signal `with` is above `x`; the
/// structure comes from `pat`. As in the reference, `with` is a pattern
/// value (`pure(saw)`): a plain pattern of numbers is taken apart by the
/// patterning of arguments, and its numbers cannot be compared.
fn degrade_by_with(args: &[Value], pat: &Pat) -> R<Pat> {
    let Value::Pat(with) = &args[0] else {
        return Err(RtError::new(format!(
            "degradeByWith: expected a pattern to compare, found {} (filterValues is not a function)",
            args[0].type_name()
        ))
        .with_help("wrap the signal in pure: degradeByWith(pure(saw), 0.5)"));
    };
    let x = args[1].to_number();
    let kept = with.filter_values(move |v| v.to_number() > x);
    Ok(pat
        .app_left(&kept, |a, _| a.clone())
        .with_steps_value(pat.steps))
}

/// A random-number count: a whole number up to [`MAX_LIST`].
fn list_count(v: &Value, what: &str) -> R<usize> {
    let n = to_count(v, what)?;
    if n > MAX_LIST {
        return Err(RtError::new(format!("{what} is too large ({n})")).with_code("E0302"));
    }
    if n < 0 {
        return Err(RtError::new(format!("{what} must not be negative")));
    }
    Ok(n as usize)
}

fn rand_list(args: &[Value]) -> R<Value> {
    let n = reify(args.first().unwrap_or(&Value::Undefined));
    let lists = signal(|t: Time, _: &Controls| t).app_left(&n, |t, n| {
        let count = match list_count(n, "randL: the number of values") {
            Ok(1) => {
                // The reference fails here: one random number is not a list.
                report_query_error("randL: the number of values must be at least 2");
                return Value::Undefined;
            }
            Ok(c) => c,
            Err(e) => {
                report_query_error(e.message);
                return Value::Undefined;
            }
        };
        let rands = rands_at_time(t.to_f64(), count, 0.0);
        Value::list(rands.into_iter().map(|r| Value::Num(r.abs())).collect())
    });
    Ok(Value::Pat(lists))
}

/// A random permutation of `0..n` per cycle, one index per step.
fn randrun(args: &[Value]) -> R<Value> {
    let v = args.first().unwrap_or(&Value::Undefined);
    let n = list_count(v, "randrun: the number of steps")?;
    if n == 0 {
        return Ok(Value::Pat(silence()));
    }
    if n == 1 {
        return Err(RtError::new(
            "randrun: the number of steps must be at least 2 (one random number is not a list)",
        ));
    }
    let order = signal(move |t: Time, c: &Controls| {
        let at = t.floor().to_f64() + 0.5;
        let rands = rands_at_time(at, n, c.seed.unwrap_or(0.0));
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|a, b| {
            rands[*a]
                .partial_cmp(&rands[*b])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let i = (t.cycle_pos() * Time::int(n as i64))
            .floor_i64()
            .rem_euclid(n as i64) as usize;
        Value::Num(idx[i] as f64)
    });
    Ok(Value::Pat(call(
        "segment",
        &[Value::Num(n as f64)],
        &order,
    )?))
}

/// `getRandsAtTime(t, n = 1, seed = 0)`: the numbers random functions draw.
fn get_rands_at_time(args: &[Value]) -> R<Value> {
    let t = args.first().map(Value::to_number).unwrap_or(f64::NAN);
    let n = match args.get(1) {
        None | Some(Value::Undefined) => 1,
        Some(v) => list_count(v, "getRandsAtTime: the number of values")?,
    };
    let seed = match args.get(2) {
        None | Some(Value::Undefined) => 0.0,
        Some(v) => v.to_number(),
    };
    let rands = rands_at_time(t, n, seed);
    if n == 1 {
        return Ok(Value::Num(rands[0]));
    }
    Ok(Value::list(rands.into_iter().map(Value::Num).collect()))
}

fn use_rng(args: &[Value]) -> R<Value> {
    let mode = match args.first() {
        None | Some(Value::Undefined) => "legacy".to_string(),
        Some(v) => v.to_js_string(),
    };
    set_precise(mode != "legacy");
    Ok(Value::str(&mode))
}

/// `withSeed(f, pat)`: queries `pat` with the seed `f(seed)`.
fn with_seed(args: &[Value]) -> R<Value> {
    let f = args.first().cloned().unwrap_or(Value::Undefined);
    let Value::Func(f) = f else {
        return Err(RtError::new("withSeed: expected a function of the seed")
            .with_help("write withSeed(s => 3, pat)"));
    };
    let pat = reify(args.get(1).unwrap_or(&Value::Undefined));
    Ok(Value::Pat(Pattern::new(move |st| {
        let old = st.controls.seed.map(Value::Num).unwrap_or(Value::Undefined);
        let seed = match f.call(vec![old]) {
            Ok(Value::Undefined) | Ok(Value::Null) => None,
            Ok(v) => Some(v.to_number()),
            Err(e) => {
                report_query_error(e.message);
                return Vec::new();
            }
        };
        let mut st = *st;
        st.controls.seed = seed;
        pat.query(&st)
    })))
}

fn berlin() -> Value {
    Value::Pat(signal(|t, c| {
        Value::Num(berlin_at(t.to_f64(), c.seed.unwrap_or(0.0)))
    }))
}

pub fn register(add: &mut AddFn) {
    let v = |f| Kind::Values { f, method: false };
    for (name, kind) in [
        ("chooseWith", v(choose_with)),
        ("chooseInWith", v(choose_in_with)),
        ("randL", v(rand_list)),
        ("randrun", v(randrun)),
        ("getRandsAtTime", v(get_rands_at_time)),
        ("useRNG", v(use_rng)),
        ("withSeed", v(with_seed)),
    ] {
        add(name, kind, true, false);
    }
    add(
        "choose2",
        Kind::Values {
            f: choose2,
            method: true,
        },
        false,
        true,
    );
    add("berlin", Kind::Const(berlin), true, false);
    add(
        "degradeByWith",
        Kind::Transform {
            arity: 2,
            f: degrade_by_with,
            join: Join::Inner,
            preserve_steps: true,
        },
        true,
        true,
    );
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["chooseWith"],
        category: "Randomness",
        summary: "Chooses from a list with a pattern of numbers between 0 and 1 (0 picks the first item, values near 1 the last); the structure comes from the chooser.",
        params: &[
            ("chooser", "a pattern of numbers from 0 to 1, such as `sine` or `rand`"),
            ("values", "a list of values or patterns to choose from"),
        ],
        example: "note(\"c2 g2!2 d2 f1\").s(chooseWith(sine.fast(2), [\"sawtooth\", \"triangle\", \"bd:6\"]))",
    },
    FnDoc {
        names: &["chooseInWith"],
        category: "Randomness",
        summary: "Like `chooseWith`, but the structure comes from the chosen values rather than from the chooser.",
        params: &[
            ("chooser", "a pattern of numbers from 0 to 1"),
            ("values", "a list of values or patterns to choose from"),
        ],
        example: "chooseInWith(\"<0 0.5 0.9>\", [\"a b\", \"c*3\", \"d\"])",
    },
    FnDoc {
        names: &["choose2"],
        category: "Randomness",
        summary: "Method on a bipolar chooser (numbers from -1 to 1, such as `sine2`): chooses among its arguments.",
        params: &[("values", "the values or patterns to choose from")],
        example: "s(sine2.segment(4).choose2(\"bd\", \"sd\", \"hh\"))",
    },
    FnDoc {
        names: &["degradeByWith"],
        category: "Randomness",
        summary: "Drops the events where a given signal is not above an amount: `degradeBy` with your own signal instead of `rand`. The signal is given as a pattern value, `pure(saw)`: a plain pattern of numbers is an error, as in the reference.",
        params: &[
            ("with", "the signal compared with the amount, wrapped: `pure(saw)`"),
            ("amount", "events are kept where `with` is greater than this; patternable"),
        ],
        example: "s(\"hh*8\").degradeByWith(pure(saw), 0.5)",
    },
    FnDoc {
        names: &["randL"],
        category: "Randomness",
        summary: "A continuous pattern of lists of random numbers between 0 and 1, `n` numbers each (n ≥ 2), for controls that take lists such as `partials`.",
        params: &[("n", "how many numbers per list (2 to 4096); patternable")],
        example: "randL(4).segment(2)",
    },
    FnDoc {
        names: &["randrun"],
        category: "Randomness",
        summary: "The numbers 0 to n-1 in a random order each cycle, one per step (the order `shuffle` plays parts in).",
        params: &[("n", "how many steps (at least 2)")],
        example: "n(randrun(4)).scale(\"C:major\")",
    },
    FnDoc {
        names: &["getRandsAtTime"],
        category: "Randomness",
        summary: "The random number (or list of `n` numbers) every random function draws at a time: a plain value, not a pattern.",
        params: &[
            ("time", "the time in cycles"),
            ("n", "how many numbers (default 1: a single number)"),
            ("seed", "added to the time (default 0)"),
        ],
        example: "n(getRandsAtTime(0.5) * 8)",
    },
    FnDoc {
        names: &["useRNG"],
        category: "Randomness",
        summary: "Chooses the random number generator: 'legacy' (the default, repeats every 300 cycles) or 'precise'. It applies to the whole program and is reset at each evaluation.",
        params: &[("mode", "'legacy' or 'precise'")],
        example: "useRNG('legacy')",
    },
    FnDoc {
        names: &["withSeed"],
        category: "Randomness",
        summary: "Queries a pattern with the random seed changed by a function (given the current seed, or undefined when none is set); `seed(n)` is `withSeed(() => n)`.",
        params: &[
            ("f", "a function from the seed to a new seed"),
            ("pat", "the pattern"),
        ],
        example: "withSeed(s => 7, s(\"hh*8\").degrade())",
    },
    FnDoc {
        names: &["berlin"],
        category: "Signals",
        summary: "Ridged noise between 0 and 1: each cycle rises in a straight line from one random value by another random height (halved), then jumps back.",
        params: &[],
        example: "n(\"0!16\".add(berlin.fast(4).mul(14))).scale(\"d:minor\")",
    },
];
