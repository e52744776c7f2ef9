//! Sound-shaping helpers that set controls: envelope shorthands (`adsr`,
//! `ad`, `ar`, `ds`), effect chains per event (`FX`), distortion with a
//! chosen algorithm (`soft`, `hard`, `cubic`, `diode`, `asym`, `fold`,
//! `sinefold`, `chebyshev`), additive waveforms (`partials`, `phases`,
//! built with `parray`), colours (`hsl`, `hsla`) and `scrub`.

use super::ops::{self, How, Op};
use super::params::{empty_controls, set_control};
use super::registry::{AddFn, Kind};
use super::{call, reify, Join, Pat, R};
use crate::docs::FnDoc;
use crate::pattern::pure;
use crate::value::{js_number_string, RtError, Value, ValueMap};
use std::sync::Arc;

/// The distortion algorithms, in the order the engine numbers them.
pub const DISTORT_ALGORITHMS: &[&str] = &[
    "scurve",
    "soft",
    "hard",
    "cubic",
    "diode",
    "asym",
    "fold",
    "sinefold",
    "chebyshev",
];

/// A value as a pattern, reading text as mini-notation (as the reference
/// does for every string it turns into a pattern).
fn pattern_of(v: &Value) -> R<Pat> {
    match v {
        Value::Str(s) => {
            crate::mini::mini(s).map_err(|e| RtError::new(e.message).with_code("E0110"))
        }
        other => Ok(reify(other)),
    }
}

/// The items of a list value, or the value as a one-item list.
fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => (**l).clone(),
        other => vec![other.clone()],
    }
}

/// `{...v}`: a map's entries, a string's or list's items under index keys.
fn spread(v: &Value) -> ValueMap {
    match v {
        Value::Map(m) => (**m).clone(),
        Value::Str(s) => {
            let mut out = ValueMap::new();
            for (i, c) in s.chars().enumerate() {
                out.set(i.to_string(), Value::str(&c.to_string()));
            }
            out
        }
        Value::List(l) => {
            let mut out = ValueMap::new();
            for (i, x) in l.iter().enumerate() {
                out.set(i.to_string(), x.clone());
            }
            out
        }
        _ => ValueMap::new(),
    }
}

fn set_map(pat: &Pat, pairs: &[(&'static str, Value)]) -> R<Pat> {
    let mut m = ValueMap::new();
    for (k, v) in pairs {
        m.set(*k, v.clone());
    }
    ops::apply(Op::Set, How::In, pat, &pure(Value::Map(Arc::new(m))))
}

fn nth(list: &[Value], i: usize) -> Value {
    list.get(i).cloned().unwrap_or_default()
}

/// `adsr("a:d:s:r")`: sets attack, decay, sustain and release (missing
/// ones are left unset, overriding earlier values, as in the reference).
fn adsr(args: &[Value], pat: &Pat) -> R<Pat> {
    let t = items(&args[0]);
    set_map(
        pat,
        &[
            ("attack", nth(&t, 0)),
            ("decay", nth(&t, 1)),
            ("sustain", nth(&t, 2)),
            ("release", nth(&t, 3)),
        ],
    )
}

/// `ad("a:d")`: attack and decay (decay defaults to the attack).
fn ad(args: &[Value], pat: &Pat) -> R<Pat> {
    let t = items(&args[0]);
    let attack = nth(&t, 0);
    let decay = match nth(&t, 1) {
        Value::Undefined => attack.clone(),
        d => d,
    };
    let p = set_control(pat, "attack", &[], &attack)?;
    set_control(&p, "decay", &[], &decay)
}

/// `ds("d:s")`: decay and sustain (sustain defaults to 0).
fn ds(args: &[Value], pat: &Pat) -> R<Pat> {
    let t = items(&args[0]);
    let sustain = match nth(&t, 1) {
        Value::Undefined => Value::Num(0.0),
        s => s,
    };
    set_map(pat, &[("decay", nth(&t, 0)), ("sustain", sustain)])
}

/// `ar("a:r")`: attack and release (release defaults to the attack).
fn ar(args: &[Value], pat: &Pat) -> R<Pat> {
    let t = items(&args[0]);
    let attack = nth(&t, 0);
    let release = match nth(&t, 1) {
        Value::Undefined => attack.clone(),
        r => r,
    };
    set_map(pat, &[("attack", attack), ("release", release)])
}

/// `parray([a, b, …])`: a pattern of lists, one item from each pattern
/// (structure from all of them).
pub fn parray(pats: &[Value]) -> R<Pat> {
    if pats.is_empty() {
        return Ok(pure(Value::Undefined));
    }
    let mut acc: crate::pattern::Pattern<Vec<Value>> = pure(Vec::new());
    for p in pats {
        acc = acc.app_both(&pattern_of(p)?, |xs, x| {
            let mut xs = xs.clone();
            xs.push(x.clone());
            xs
        });
    }
    Ok(acc.fmap(|xs| Value::List(Arc::new(xs.clone()))))
}

fn parray_fn(args: &[Value]) -> R<Value> {
    let pats = match args.first() {
        Some(Value::List(l)) => (**l).clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    Ok(Value::Pat(parray(&pats)?))
}

/// JavaScript's `ToInt32`.
fn to_int32(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    (x.trunc().rem_euclid(4294967296.0) as u32) as i32
}

/// Most bits a binary list may have.
const MAX_BITS: f64 = 4096.0;

/// `binaryNL(n, bits)`: each value of `n` as a list of its lowest `bits`
/// bits, the most significant first.
fn binary_nl(args: &[Value]) -> R<Value> {
    let n = pattern_of(args.first().unwrap_or(&Value::Undefined))?;
    let bits = match args.get(1) {
        None | Some(Value::Undefined) => pure(Value::Num(16.0)),
        Some(b) => pattern_of(b)?,
    };
    Ok(Value::Pat(n.app_left(&bits, |v, b| {
        let v = to_int32(v.to_number());
        let b = b.to_number();
        let mut out = Vec::new();
        if b.is_finite() && b <= MAX_BITS {
            let mut i = b - 1.0;
            while i >= 0.0 {
                let shift = (to_int32(i) as u32) & 31;
                out.push(Value::Num(((v >> shift) & 1) as f64));
                i -= 1.0;
            }
        } else if b > MAX_BITS {
            crate::pattern::report_query_error(format!(
                "binaryNL: at most {MAX_BITS} bits, asked for {b}"
            ));
        }
        Value::List(Arc::new(out))
    })))
}

/// `binaryL(n)`: each value of `n` as the list of its bits.
fn binary_l(args: &[Value]) -> R<Value> {
    let n = pattern_of(args.first().unwrap_or(&Value::Undefined))?;
    let l = call("log2", &[Value::Num(0.0)], &n)?;
    let f = call("floor", &[], &l)?;
    let bits = call("add", &[Value::Num(1.0)], &f)?;
    binary_nl(&[Value::Pat(n), Value::Pat(bits)])
}

/// A list argument as a pattern of lists; anything else as a pattern.
fn list_pattern(v: &Value) -> R<Pat> {
    match v {
        Value::List(l) => parray(l),
        other => pattern_of(other),
    }
}

/// `pat.key(list)` for `partials` and `phases`: the list (or each value
/// of a pattern) is stored under `key`, structure from `pat`.
fn with_list(this: &Value, list: &Value, key: &'static str) -> R<Value> {
    let pat = reify(this);
    let lists = list_pattern(list)?;
    Ok(Value::Pat(pat.app_left(&lists, move |v, l| {
        let mut m = spread(v);
        m.set(key, l.clone());
        Value::Map(Arc::new(m))
    })))
}

/// The global `partials(list)` / `phases(list)`: as the reference, the
/// pattern of lists named with `as`, which keeps the first item.
fn list_global(list: &Value, key: &'static str) -> R<Value> {
    let lists = list_pattern(list)?;
    Ok(Value::Pat(lists.map_values(move |v| {
        let mut m = ValueMap::new();
        let first = match v {
            Value::List(l) => l.first().cloned().unwrap_or_default(),
            other => other.clone(),
        };
        if !matches!(first, Value::Undefined) {
            m.set(key, first);
        }
        Value::Map(Arc::new(m))
    })))
}

fn partials_method(args: &[Value]) -> R<Value> {
    with_list(
        &args[0],
        args.get(1).unwrap_or(&Value::Undefined),
        "partials",
    )
}
fn phases_method(args: &[Value]) -> R<Value> {
    with_list(&args[0], args.get(1).unwrap_or(&Value::Undefined), "phases")
}
fn partials_global(args: &[Value]) -> R<Value> {
    list_global(args.first().unwrap_or(&Value::Undefined), "partials")
}
fn phases_global(args: &[Value]) -> R<Value> {
    list_global(args.first().unwrap_or(&Value::Undefined), "phases")
}

/// `pat.FX(fx1, fx2, …)`: appends effect settings (each a pattern of
/// controls) to the event's `FX` chain; the engine applies them in order,
/// before the event's own effects.
fn fx_method(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    let effects = parray(&args[1..])?;
    let empty = args.len() == 1;
    Ok(Value::Pat(pat.app_left(&effects, move |v, e| {
        let mut m = spread(v);
        let mut chain: Vec<Value> = match (v, m.get("FX")) {
            (Value::Map(_), Some(Value::List(l))) => (**l).clone(),
            (Value::Map(_), Some(Value::Undefined | Value::Null)) | (_, None) => Vec::new(),
            (_, Some(other)) => vec![other.clone()],
        };
        match e {
            Value::List(items) => chain.extend(items.iter().cloned()),
            // `FX()` without effects appends the (empty) combiner itself.
            _ if empty => chain.push(Value::Undefined),
            other => chain.push(other.clone()),
        }
        m.set("FX", Value::List(Arc::new(chain)));
        Value::Map(Arc::new(m))
    })))
}

/// `distort` settings with an algorithm: `x` is `[x, 1, name]`, a list
/// `[a, b]` is `[a, b, name]`.
fn distort_args(args: &Value, name: &'static str) -> R<Pat> {
    Ok(pattern_of(args)?.map_values(move |v| match v {
        Value::List(l) => {
            let mut l = (**l).clone();
            l.push(Value::str(name));
            Value::List(Arc::new(l))
        }
        other => Value::List(Arc::new(vec![
            other.clone(),
            Value::Num(1.0),
            Value::str(name),
        ])),
    }))
}

fn distort_with(name: &'static str, args: &Value, pat: &Pat) -> R<Value> {
    let settings = distort_args(args, name)?;
    let ctl = super::controls::control_pattern(
        &settings,
        "distort",
        &["distort", "distortvol", "distorttype"],
    );
    Ok(Value::Pat(ops::apply(Op::Set, How::In, pat, &ctl)?))
}

macro_rules! distortion {
    ($method:ident, $global:ident, $name:literal) => {
        fn $method(args: &[Value]) -> R<Value> {
            distort_with(
                $name,
                args.get(1).unwrap_or(&Value::Undefined),
                &reify(&args[0]),
            )
        }
        fn $global(args: &[Value]) -> R<Value> {
            let pat = match args.get(1) {
                Some(p) if !matches!(p, Value::Undefined) => reify(p),
                _ => empty_controls(),
            };
            distort_with($name, args.first().unwrap_or(&Value::Undefined), &pat)
        }
    };
}

distortion!(soft_method, soft_global, "soft");
distortion!(hard_method, hard_global, "hard");
distortion!(cubic_method, cubic_global, "cubic");
distortion!(diode_method, diode_global, "diode");
distortion!(asym_method, asym_global, "asym");
distortion!(fold_method, fold_global, "fold");
distortion!(sinefold_method, sinefold_global, "sinefold");
distortion!(chebyshev_method, chebyshev_global, "chebyshev");

/// `hsl(h, s, l)`: sets `color` to a CSS colour (hue in turns).
fn hsl(args: &[Value], pat: &Pat) -> R<Pat> {
    let colour = format!(
        "hsl({}turn,{}%,{}%)",
        args[0].to_js_string(),
        js_number_string(args[1].to_number() * 100.0),
        js_number_string(args[2].to_number() * 100.0)
    );
    set_map(pat, &[("color", Value::str(&colour))])
}

/// `hsla(h, s, l, a)`: as `hsl`, with an alpha.
fn hsla(args: &[Value], pat: &Pat) -> R<Pat> {
    let colour = format!(
        "hsla({}turn,{}%,{}%,{})",
        args[0].to_js_string(),
        js_number_string(args[1].to_number() * 100.0),
        js_number_string(args[2].to_number() * 100.0),
        args[3].to_js_string()
    );
    set_map(pat, &[("color", Value::str(&colour))])
}

/// `scrub("pos:speed")`: plays a sample from each position (`begin`) at a
/// speed factor, one event per position.
fn scrub(args: &[Pat], pat: &Pat) -> R<Pat> {
    let pat = pat.clone();
    Ok(args[0].outer_bind(move |v| {
        let (begin, speed) = match v {
            Value::List(l) => (
                l.first().cloned().unwrap_or_default(),
                match l.get(1) {
                    None | Some(Value::Undefined) => Value::Num(1.0),
                    Some(s) => s.clone(),
                },
            ),
            other => (other.clone(), Value::Num(1.0)),
        };
        let scrubbed = call("begin", &[begin], &pat).and_then(|p| {
            let speeds = super::controls::control_pattern(&pure(speed), "speed", &[]);
            let p = ops::apply(Op::Mul, How::In, &p, &speeds)?;
            call("clip", &[Value::Num(1.0)], &p)
        });
        match scrubbed {
            Ok(p) => p,
            Err(e) => {
                crate::pattern::report_query_error(e.message);
                crate::pattern::silence()
            }
        }
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
        ("adsr", t(1, adsr)),
        ("ad", t(1, ad)),
        ("ds", t(1, ds)),
        ("ar", t(1, ar)),
        ("hsl", t(3, hsl)),
        ("hsla", t(4, hsla)),
        ("scrub", Kind::Raw { arity: 1, f: scrub }),
    ] {
        add(name, kind, true, true);
    }
    let m = |f| Kind::Values { f, method: true };
    let g = |f| Kind::Values { f, method: false };
    add("FX", m(fx_method), false, true);
    add("partials", m(partials_method), false, true);
    add("phases", m(phases_method), false, true);
    add("partials", g(partials_global), true, false);
    add("phases", g(phases_global), true, false);
    add("parray", g(parray_fn), true, false);
    add("binaryL", g(binary_l), true, false);
    add("binaryNL", g(binary_nl), true, false);
    for (name, method, global) in [
        (
            "soft",
            soft_method as fn(&[Value]) -> R<Value>,
            soft_global as fn(&[Value]) -> R<Value>,
        ),
        ("hard", hard_method, hard_global),
        ("cubic", cubic_method, cubic_global),
        ("diode", diode_method, diode_global),
        ("asym", asym_method, asym_global),
        ("fold", fold_method, fold_global),
        ("sinefold", sinefold_method, sinefold_global),
        ("chebyshev", chebyshev_method, chebyshev_global),
    ] {
        add(name, m(method), false, true);
        add(name, g(global), true, false);
    }
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["adsr"],
        category: "Envelope",
        summary: "Sets the amplitude envelope in one go: `adsr(\".1:.1:.5:.2\")` is attack 0.1 s, decay 0.1 s, sustain 0.5, release 0.2 s.",
        params: &[("a:d:s:r", "attack (s), decay (s), sustain level (0–1), release (s); missing ones are unset")],
        example: "note(\"[c3 bb2 f3 eb3]*2\").s(\"sawtooth\").lpf(600).adsr(\".1:.1:.5:.2\")",
    },
    FnDoc {
        names: &["ad"],
        category: "Envelope",
        summary: "Sets attack and decay (`ad(0.1)` uses 0.1 for both).",
        params: &[("a:d", "attack and decay in seconds")],
        example: "note(\"c3 e3\").s(\"sawtooth\").ad(\"0.01:0.3\").sustain(0)",
    },
    FnDoc {
        names: &["ds"],
        category: "Envelope",
        summary: "Sets decay and sustain (sustain 0 when not given).",
        params: &[("d:s", "decay in seconds and the sustain level (0–1)")],
        example: "note(\"c3*4\").s(\"square\").ds(\"0.2:0.3\")",
    },
    FnDoc {
        names: &["ar"],
        category: "Envelope",
        summary: "Sets attack and release (`ar(0.5)` uses 0.5 for both).",
        params: &[("a:r", "attack and release in seconds")],
        example: "note(\"<c3 g3>\").s(\"sine\").ar(\"0.3:1\")",
    },
    FnDoc {
        names: &["FX"],
        category: "Effects",
        summary: "An effect chain per event, applied in the order given and before the event's own effects: `.FX(coarse(4), lpf(500))` crushes, then filters. Each effect is a pattern of controls; calls add up.",
        params: &[("effects", "one or more patterns of effect controls (`room(0.2)`, `distort(1.3)`, `lpf(800).lpq(4)`)")],
        example: "s(\"saw\").note(\"c2\").FX(coarse(4), lpf(500)).FX(distort(1))",
    },
    FnDoc {
        names: &["soft"],
        category: "Distortion",
        summary: "Soft-clipping distortion (tanh): `distort` with the `soft` algorithm.",
        params: &[("amount:volume", "amount of distortion, and the linear gain after it (default 1)")],
        example: "note(\"c2*4\").s(\"sawtooth\").soft(\"<1 3>\")",
    },
    FnDoc {
        names: &["hard"],
        category: "Distortion",
        summary: "Hard-clipping distortion.",
        params: &[("amount:volume", "amount of distortion, and the linear gain after it")],
        example: "note(\"c2*4\").s(\"sine\").hard(2)",
    },
    FnDoc {
        names: &["cubic"],
        category: "Distortion",
        summary: "Cubic polynomial distortion: warm, mostly third harmonic.",
        params: &[("amount:volume", "amount of distortion, and the linear gain after it")],
        example: "note(\"c2*4\").s(\"triangle\").cubic(2)",
    },
    FnDoc {
        names: &["diode"],
        category: "Distortion",
        summary: "Diode-like distortion (symmetric).",
        params: &[("amount:volume", "amount of distortion, and the linear gain after it")],
        example: "s(\"saw\").lpf(500).diode(0.3)",
    },
    FnDoc {
        names: &["asym"],
        category: "Distortion",
        summary: "Asymmetric diode distortion: adds even harmonics.",
        params: &[("amount:volume", "amount of distortion, and the linear gain after it")],
        example: "note(\"c2*4\").s(\"sine\").asym(2)",
    },
    FnDoc {
        names: &["fold"],
        category: "Distortion",
        summary: "Wavefolding: the wave folds back at ±1 instead of clipping.",
        params: &[("amount:volume", "amount of distortion, and the linear gain after it")],
        example: "note(\"c2*4\").s(\"sine\").fold(\"<1 4>\")",
    },
    FnDoc {
        names: &["sinefold"],
        category: "Distortion",
        summary: "Wavefolding through a sine: smoother folds.",
        params: &[("amount:volume", "amount of distortion, and the linear gain after it")],
        example: "note(\"c2*4\").s(\"sine\").sinefold(3)",
    },
    FnDoc {
        names: &["chebyshev"],
        category: "Distortion",
        summary: "Distortion by Chebyshev polynomials: adds odd harmonics that grow with the amount.",
        params: &[("amount:volume", "amount of distortion, and the linear gain after it")],
        example: "note(\"c2*4\").s(\"sine\").chebyshev(0.5)",
    },
    FnDoc {
        names: &["partials"],
        category: "Waveforms",
        summary: "Additive waveform for the synths (`sine`, `triangle`, `sawtooth`, `square`, `user`): scales the magnitude of each harmonic. As a function, `partials(list)` gives `{partials: first item}` (as the reference).",
        params: &[("magnitudes", "a list of 0–1 magnitudes, the fundamental first; items may be patterns")],
        example: "s(\"user\").seg(16).n(irand(8)).scale(\"A:major\").partials([1, 0, 1, 0, 0, 1])",
    },
    FnDoc {
        names: &["phases"],
        category: "Waveforms",
        summary: "Rotates the harmonics of a synth's waveform by the given phases (fractions of a turn), the fundamental first.",
        params: &[("phases", "a list of phases in [0, 1)")],
        example: "s(\"sawtooth\").note(\"c2\").partials([1, 1, 1]).phases([0, 0.5, 0.25])",
    },
    FnDoc {
        names: &["parray"],
        category: "Combining",
        summary: "A pattern of lists from a list of patterns: each event holds one value of every pattern (structure from all of them).",
        params: &[("patterns", "a list of patterns or values")],
        example: "s(\"user\").partials(parray([1, \"0 1\", 0.5]))",
    },
    FnDoc {
        names: &["binaryL"],
        category: "Waveforms",
        summary: "Each number as the list of its bits, most significant first: `binaryL(5)` is `[1, 0, 1]` (for `partials`).",
        params: &[("n", "a number or a pattern of numbers")],
        example: "s(\"saw\").seg(8).partials(binaryL(irand(256).add(1)))",
    },
    FnDoc {
        names: &["binaryNL"],
        category: "Waveforms",
        summary: "Each number as a list of its lowest `bits` bits (16 when not given), most significant first.",
        params: &[("n", "a number or a pattern of numbers"), ("bits", "how many bits (default 16)")],
        example: "s(\"user\").partials(binaryNL(\"<5 9 12>\", 4))",
    },
    FnDoc {
        names: &["hsl"],
        category: "Visuals",
        summary: "Sets `color` to a CSS colour from hue (in turns), saturation and lightness (0–1).",
        params: &[("h", "hue in turns"), ("s", "saturation 0–1"), ("l", "lightness 0–1")],
        example: "s(\"bd*4\").hsl(\"0 0.25 0.5 0.75\", 0.8, 0.5)",
    },
    FnDoc {
        names: &["hsla"],
        category: "Visuals",
        summary: "As `hsl`, with an alpha (opacity).",
        params: &[("h", "hue in turns"), ("s", "saturation 0–1"), ("l", "lightness 0–1"), ("a", "alpha 0–1")],
        example: "s(\"bd*4\").hsla(0.5, 0.8, 0.5, \"1 0.5\")",
    },
    FnDoc {
        names: &["scrub"],
        category: "Samples",
        summary: "Scrubs through a sample like a tape: each value is a start position (`begin`, 0–1), optionally with a speed factor (`\"0.5:2\"`).",
        params: &[("positions", "a pattern of positions, or position:speed pairs")],
        example: "s(\"blip\").scrub(\"{0.1!2 0.25@3 0.7!2 <0.8:1.5>}%8\")",
    },
];
