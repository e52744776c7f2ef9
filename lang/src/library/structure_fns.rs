//! Structure from other patterns: `into` and the chunk functions built on
//! it, `plyWith`/`plyForEach`, `timeline`, `morph`, `sequenceP`,
//! `seqPLoop` and `splitAt`.

use super::registry::{AddFn, Kind};
use super::stepwise::fraction;
use super::{apply_fn, apply_fn_args, call, join_values, reify, sequence, to_count, Join, Pat, R};
use crate::docs::FnDoc;
use crate::hap::Hap;
use crate::pattern::{pure, report_query_error, silence, slowcat, stack, Pattern};
use crate::span::Span;
use crate::time::Time;
use crate::value::{RtError, Value};

/// Most pieces `plyWith`, `plyForEach` and the chunk functions make per event.
const MAX_PIECES: i64 = 10_000;

/// An exact time as a value (`[numerator, denominator]`), for calling
/// library functions without rounding.
fn exact(t: Time) -> Value {
    Value::list(vec![
        Value::Num(t.numer() as f64),
        Value::Num(t.denom() as f64),
    ])
}

/// Reports a failure found while querying and stands in silence.
fn or_silence(r: R<Pat>) -> Pat {
    r.unwrap_or_else(|e| {
        report_query_error(e.message);
        silence()
    })
}

/// `pat.into(pieces, f)`: where `pieces` is true, the part of the pattern
/// under that event is looped (as `ribbon`) and `f` applied to it; where
/// false, the pattern plays unchanged.
fn into_impl(pat: &Pat, pieces: &Pat, func: &Value) -> Pat {
    let this = pat.clone();
    let func = func.clone();
    let unjoined = pieces.with_hap(move |h| {
        let chosen = if h.value.truthy() {
            match h.whole {
                Some(w) => or_silence(
                    call("ribbon", &[exact(w.begin), exact(w.duration())], &this)
                        .and_then(|r| apply_fn(&func, &r)),
                ),
                None => {
                    report_query_error("into: continuous pieces have no span to loop");
                    silence()
                }
            }
        } else {
            this.clone()
        };
        h.value = Value::Pat(chosen);
    });
    join_values(&unjoined, Join::Inner)
}

fn into(args: &[Value]) -> R<Value> {
    let pat = reify(&args[0]);
    let Some(Value::Pat(pieces)) = args.get(1) else {
        return Err(RtError::new(
            "into: the pieces must be a pattern such as \"1 0\"",
        ));
    };
    let func = args.get(2).cloned().unwrap_or_default();
    Ok(Value::Pat(into_impl(&pat, pieces, &func)))
}

/// The `true false false …` pattern of `n` chunks, each cycle shifted by
/// one chunk (later for `back`, earlier otherwise).
fn chunk_pieces(n: &Value, back: bool) -> R<Pat> {
    let n = to_count(n, "chunkInto: the number of chunks")?;
    if n < 1 {
        return Err(RtError::new(
            "chunkInto: the number of chunks must be at least 1",
        ));
    }
    if n > MAX_PIECES {
        return Err(RtError::new("chunkInto: too many chunks").with_code("E0302"));
    }
    let mut flags = vec![Value::Bool(true)];
    flags.extend((1..n).map(|_| Value::Bool(false)));
    let seq = sequence(&flags);
    let nt = Time::int(n);
    let shifted = (0..n)
        .map(|i| {
            let t = Time::int(i) / nt;
            if back {
                seq.late(t)
            } else {
                seq.early(t)
            }
        })
        .collect();
    Ok(slowcat(shifted))
}

fn chunk_into(args: &[Value], pat: &Pat) -> R<Pat> {
    Ok(into_impl(pat, &chunk_pieces(&args[0], true)?, &args[1]))
}

fn chunk_back_into(args: &[Value], pat: &Pat) -> R<Pat> {
    let pieces = chunk_pieces(&args[0], false)?.early(Time::ONE);
    Ok(into_impl(pat, &pieces, &args[1]))
}

/// JavaScript's `Array.from({ length: x })` length for a computed count.
fn array_length(x: f64, what: &str) -> R<usize> {
    let n = if x.is_nan() { 0.0 } else { x.trunc().max(0.0) };
    if n > MAX_PIECES as f64 {
        return Err(RtError::new(format!("{what}: too many repeats")).with_code("E0302"));
    }
    Ok(n as usize)
}

/// Squeezes the pieces made from each value into its event, `factor` times
/// as fast, with the step count multiplied by `factor`.
fn ply_pieces(
    args: &[Value],
    pat: &Pat,
    pieces: impl Fn(&Value) -> R<Vec<Pat>> + Send + Sync + 'static,
) -> R<Pat> {
    let factor = args[0].clone();
    let steps = {
        let f = fraction(&factor)?;
        pat.steps.map(|s| f * s)
    };
    let out = pat.squeeze_bind(move |v| {
        or_silence(
            pieces(v)
                .and_then(|ps| call("fast", std::slice::from_ref(&factor), &slowcat_or_empty(ps))),
        )
    });
    Ok(out.with_steps_value(steps))
}

/// `cat` of the pieces; no pieces give no events.
fn slowcat_or_empty(pieces: Vec<Pat>) -> Pat {
    if pieces.is_empty() {
        Pattern::new(|_| Vec::new())
    } else {
        slowcat(pieces)
    }
}

fn ply_with(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = array_length(args[0].to_number() - 1.0 - 0.0 + 1.0, "plyWith")?;
    let func = args[1].clone();
    ply_pieces(args, pat, move |v| {
        let mut out = Vec::with_capacity(n);
        let mut p = pure(v.clone());
        for i in 0..n {
            if i > 0 {
                p = apply_fn(&func, &p)?;
            }
            out.push(p.clone());
        }
        Ok(out)
    })
}

fn ply_for_each(args: &[Value], pat: &Pat) -> R<Pat> {
    let n = array_length(args[0].to_number() - 1.0 - 1.0 + 1.0, "plyForEach")?;
    let func = args[1].clone();
    ply_pieces(args, pat, move |v| {
        let mut out = vec![pure(v.clone())];
        for i in 1..=n {
            out.push(apply_fn_args(
                &func,
                vec![Value::Pat(pure(v.clone())), Value::Num(i as f64)],
            )?);
        }
        Ok(out)
    })
}

/// `timeline(tl)`: plays the pattern restarted at the start of each event
/// of `tl`; timeline 0 keeps the pattern's own time.
fn timeline(args: &[Pat], pat: &Pat) -> R<Pat> {
    let (tpat, pat) = (args[0].clone(), pat.clone());
    let steps = pat.steps;
    Ok(Pattern::new(move |st| {
        let mut out = Vec::new();
        for th in tpat.query(st) {
            let offset = match th.value {
                Value::Num(0.0) => Time::ZERO,
                _ => th.whole_or_part().begin,
            };
            for mut h in pat.late(offset).query(&st.set_span(th.part)) {
                h.context = h.context.combine(&th.context);
                out.push(h);
            }
        }
        out
    })
    .with_steps_value(steps))
}

/// One cycle of the morph between two binary rhythms, `by` of the way.
fn morph_cycle(from: &Value, to: &Value, by: &Value) -> R<Pat> {
    let by = fraction(by)?;
    let (Value::List(from), Value::List(to)) = (from, to) else {
        return Err(RtError::new(
            "morph: the rhythms must be lists of 1s and 0s, such as [1,0,1,0] or \"1:0:1:0\"",
        ));
    };
    if from.is_empty() {
        return Err(RtError::new("Division by Zero (morph: an empty rhythm)"));
    }
    let dur = Time::ONE / Time::int(from.len() as i64);
    let onsets = |list: &[Value]| -> Vec<Time> {
        let len = Time::int(list.len() as i64);
        (0..list.len())
            .filter(|i| list[*i].truthy())
            .map(|i| Time::int(i as i64) / len)
            .collect()
    };
    let (a, b) = (onsets(from), onsets(to));
    let mut arcs = Vec::new();
    for (i, posa) in a.iter().enumerate() {
        let Some(posb) = b.get(i) else {
            return Err(RtError::new(
                "morph: the second rhythm has fewer onsets than the first",
            ));
        };
        let diff = Time::from_f64(posb.to_f64() - posa.to_f64()).unwrap_or(Time::ZERO);
        let begin = by * diff + *posa;
        arcs.push(Span::new(begin, begin + dur));
    }
    Ok(Pattern::new(move |st| {
        let cycle = st.span.begin.sam();
        let arc = st.span.cycle_arc();
        arcs.iter()
            .filter_map(|whole| {
                let part = whole.intersection(&arc)?;
                let shift = |s: &Span| s.with_time(|t| t + cycle);
                Some(Hap::new(
                    Some(shift(whole)),
                    shift(&part),
                    Value::Bool(true),
                ))
            })
            .collect()
    })
    .split_queries())
}

/// `morph(from, to, by)`: a rhythm part of the way from one binary
/// rhythm to another with the same number of onsets.
fn morph(args: &[Value]) -> R<Value> {
    let arg = |i: usize| reify(args.get(i).unwrap_or(&Value::Undefined));
    let (frompat, topat, bypat) = (arg(0), arg(1), arg(2));
    Ok(Value::Pat(frompat.inner_bind(move |from| {
        let (from, bypat) = (from.clone(), bypat.clone());
        topat.inner_bind(move |to| {
            let (from, to) = (from.clone(), to.clone());
            bypat.inner_bind(move |by| or_silence(morph_cycle(&from, &to, by)))
        })
    })))
}

/// `sequenceP([a, b, …])`: a pattern of lists, one item from each pattern.
fn sequence_p(args: &[Value]) -> R<Value> {
    let Some(Value::List(items)) = args.first() else {
        return Err(RtError::new("sequenceP: expected a list of patterns"));
    };
    let mut result = pure(Value::list(Vec::new()));
    for item in items.iter() {
        let Value::Pat(p) = item else {
            return Err(RtError::new(format!(
                "sequenceP: expected patterns, found {}",
                item.type_name()
            )));
        };
        let p = p.clone();
        result = result.bind(move |list| {
            let list = list.clone();
            p.map_values(move |v| {
                let mut l = match &list {
                    Value::List(l) => (**l).clone(),
                    _ => Vec::new(),
                };
                l.push(v.clone());
                Value::list(l)
            })
        });
    }
    Ok(Value::Pat(result))
}

/// `seqPLoop([start, stop, pat], [stop, pat], …)`: patterns playing from
/// their start to their stop cycle, looped over the last stop.
fn seq_p_loop(args: &[Value]) -> R<Value> {
    let mut total = Value::Num(0.0);
    let mut parts = Vec::new();
    for part in args {
        let Value::List(l) = part else {
            return Err(RtError::new(
                "seqPLoop: expected [start, stop, pattern] lists",
            ));
        };
        let (start, stop, pat) = match l.len() {
            2 => (total.clone(), l[0].clone(), l[1].clone()),
            n if n >= 3 => (l[0].clone(), l[1].clone(), l[2].clone()),
            _ => {
                return Err(RtError::new(
                    "seqPLoop: expected [start, stop, pattern] or [stop, pattern]",
                ))
            }
        };
        total = stop.clone();
        parts.push((start, stop, pat));
    }
    let total = fraction(&total)?;
    if total.is_zero() {
        return Err(RtError::new(
            "Division by Zero (seqPLoop: the loop is 0 cycles long)",
        ));
    }
    let mut pats = Vec::new();
    for (start, stop, pat) in parts {
        let (b, e) = (fraction(&start)? / total, fraction(&stop)? / total);
        if b == e && b >= Time::ZERO && b <= Time::ONE {
            return Err(RtError::new(
                "Division by Zero (seqPLoop: a part starts where it stops)",
            ));
        }
        pats.push(pure(Value::Pat(reify(&pat))).compress(b, e));
    }
    Ok(Value::Pat(join_values(
        &stack(pats).slow(total),
        Join::Inner,
    )))
}

/// JavaScript's `slice` position for an index into `len` items.
fn slice_index(index: &Value, len: usize) -> usize {
    let x = index.to_number();
    let x = if x.is_nan() { 0.0 } else { x.trunc() };
    if x < 0.0 {
        (len as f64 + x).max(0.0) as usize
    } else {
        x.min(len as f64) as usize
    }
}

/// `splitAt(i, list)`: the list (or string) cut in two before item `i`.
fn split_at(args: &[Value]) -> R<Value> {
    let index = args.first().cloned().unwrap_or_default();
    match args.get(1) {
        Some(Value::List(l)) => {
            let k = slice_index(&index, l.len());
            Ok(Value::list(vec![
                Value::list(l[..k].to_vec()),
                Value::list(l[k..].to_vec()),
            ]))
        }
        Some(Value::Str(s)) => {
            let units: Vec<u16> = s.encode_utf16().collect();
            let k = slice_index(&index, units.len());
            Ok(Value::list(vec![
                Value::str(&String::from_utf16_lossy(&units[..k])),
                Value::str(&String::from_utf16_lossy(&units[k..])),
            ]))
        }
        other => Err(RtError::new(format!(
            "splitAt: expected a list or a string, found {}",
            other.map(|v| v.type_name()).unwrap_or("nothing")
        ))),
    }
}

pub fn register(add: &mut AddFn) {
    let t = |f| Kind::Transform {
        arity: 2,
        f,
        join: Join::Inner,
        preserve_steps: false,
    };
    for name in ["chunkInto", "chunkinto"] {
        add(name, t(chunk_into), true, true);
    }
    for name in ["chunkBackInto", "chunkbackinto"] {
        add(name, t(chunk_back_into), true, true);
    }
    // As in the reference, these exist only as methods.
    for name in ["plyWith", "plywith"] {
        add(name, t(ply_with), false, true);
    }
    for name in ["plyForEach", "plyforeach"] {
        add(name, t(ply_for_each), false, true);
    }
    add(
        "timeline",
        Kind::Raw {
            arity: 1,
            f: timeline,
        },
        true,
        true,
    );
    let values = |f, method| Kind::Values { f, method };
    add("into", values(into, true), false, true);
    add("morph", values(morph, false), true, false);
    add("sequenceP", values(sequence_p, false), true, false);
    add("seqPLoop", values(seq_p_loop, false), true, false);
    add("splitAt", values(split_at, false), true, false);
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["into"],
        category: "Structure",
        summary: "Cuts the pattern by the events of a boolean pattern: under a true event, that part of the pattern is looped and the function applied to it; under a false one it plays unchanged.",
        params: &[
            ("pieces", "a pattern of true/false (or 1/0) events"),
            ("function", "applied to the looped parts"),
        ],
        example: "s(\"bd sd ht lt\").into(\"1 0\", hurry(2))",
    },
    FnDoc {
        names: &["chunkInto", "chunkinto"],
        category: "Structure",
        summary: "Like `chunk`, but the function is applied to a looped part of the pattern: the cycle is cut into n chunks and, one per cycle, a chunk is looped and transformed (moving backwards through the chunks).",
        params: &[
            ("n", "number of chunks (≥ 1); patternable"),
            ("function", "applied to the looped chunk"),
        ],
        example: "s(\"bd sd ht lt bd - cp lt\").chunkInto(4, hurry(2))",
    },
    FnDoc {
        names: &["chunkBackInto", "chunkbackinto"],
        category: "Structure",
        summary: "Like `chunkInto`, but moves forwards through the chunks, starting with the last.",
        params: &[
            ("n", "number of chunks (≥ 1); patternable"),
            ("function", "applied to the looped chunk"),
        ],
        example: "s(\"bd sd ht lt bd - cp lt\").chunkBackInto(4, hurry(2))",
    },
    FnDoc {
        names: &["plyWith", "plywith"],
        category: "Structure",
        summary: "Repeats each event `factor` times within its span, applying the function once more to each repetition (the first plays as it is, the second with the function applied once, …).",
        params: &[
            ("factor", "repetitions per event; patternable"),
            ("function", "pattern => pattern, applied cumulatively"),
        ],
        example: "note(\"c e\").plyWith(3, p => p.add(12))",
    },
    FnDoc {
        names: &["plyForEach", "plyforeach"],
        category: "Structure",
        summary: "Repeats each event `factor` times within its span; repetition i (from 1) is the function applied to the event and i, the first plays unchanged.",
        params: &[
            ("factor", "repetitions per event; patternable"),
            ("function", "(pattern, index) => pattern"),
        ],
        example: "note(\"c e\").plyForEach(3, (p, i) => p.add(i * 7))",
    },
    FnDoc {
        names: &["timeline"],
        category: "Structure",
        summary: "Plays the pattern restarted from its cycle 0 at the start of each event of the timeline pattern; timeline 0 leaves the pattern in its own time. Changing the number restarts the pattern.",
        params: &[("timeline", "a pattern of timeline numbers")],
        example: "n(\"<0 1 2 3>\").s(\"num\").timeline(\"<2 -2>\".slow(2))",
    },
    FnDoc {
        names: &["morph"],
        category: "Structure",
        summary: "A rhythm part of the way between two binary rhythms with the same number of onsets: each onset moves from its place in the first towards its place in the second (0: the first rhythm, 1: the second). Use it with `struct`.",
        params: &[
            ("from", "a list of 1s and 0s, e.g. [1,0,1,0] or \"1:0:1:0\""),
            ("to", "another list with as many 1s"),
            ("by", "how far to morph, 0 to 1; patternable"),
        ],
        example: "s(\"hh\").struct(morph([1,0,1,0,1,0,1,0], [1,1,0,1,0,1,0], 0.25))",
    },
    FnDoc {
        names: &["sequenceP"],
        category: "Combining",
        summary: "Turns a list of patterns into one pattern of lists: each event holds one value from every pattern.",
        params: &[("patterns", "a list of patterns")],
        example: "sequenceP([\"0 1\", \"2 3 4\"]).fmap(l => l[0] + l[1]).note()",
    },
    FnDoc {
        names: &["seqPLoop"],
        category: "Combining",
        summary: "Plays patterns over ranges of cycles, `[start, stop, pattern]` (or `[stop, pattern]` starting where the previous one stopped), looped over the last stop; ranges may overlap.",
        params: &[("[start, stop, pattern]…", "cycle ranges and their patterns")],
        example: "seqPLoop([0, 2, \"bd(3,8)\"], [1, 3, \"cp(3,8)\"]).sound()",
    },
    FnDoc {
        names: &["splitAt"],
        category: "Combining",
        summary: "Cuts a list (or a string) in two before the given index: `splitAt(1, [a, b, c])` is `[[a], [b, c]]`; a negative index counts from the end.",
        params: &[("index", "where to cut"), ("list", "a list or a string")],
        example: "seq(splitAt(1, [\"a\", \"b\", \"c\"])).s()",
    },
];
