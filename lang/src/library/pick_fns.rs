//! The rest of the `pick` family: choosing functions by index (`pickF`,
//! `pickmodF`) and choosing patterns with other ways of joining them
//! (`pickRestart`, `pickReset`, `pickmodOut`, `pickmodRestart`,
//! `pickmodReset`, `inhabitmod`).

use super::registry::{AddFn, Kind, TransformFn};
use super::{apply_fn, join_pats, js_round, reify, Join, Pat, R};
use crate::docs::FnDoc;
use crate::pattern::{pure, report_query_error, silence, Pattern};
use crate::value::{RtError, Value};

/// How the chosen patterns are joined.
#[derive(Clone, Copy)]
enum PickJoin {
    Plain(Join),
    /// Each chosen pattern starts from its cycle zero at the event's start.
    Restart,
    /// Each chosen pattern is aligned to the cycle position of the event.
    Reset,
}

/// The entry of `lookup` a value selects: lists by rounded index (clamped,
/// or wrapped when `modulo`), maps by name.
fn lookup_entry(lookup: &Value, key: &Value, modulo: bool) -> Option<Value> {
    match lookup {
        Value::List(l) => {
            let len = l.len() as f64;
            let k = js_round(key.to_number());
            // As in the reference, the remainder keeps the sign, so
            // negative indices find nothing.
            let i = if modulo {
                k % len
            } else {
                k.max(0.0).min(len - 1.0)
            };
            if i.is_nan() || i < 0.0 {
                return None;
            }
            l.get(i as usize).cloned()
        }
        Value::Map(m) => m.get(&key.to_js_string()).cloned(),
        _ => None,
    }
}

fn lookup_len(lookup: &Value, name: &str) -> R<usize> {
    match lookup {
        Value::List(l) => Ok(l.len()),
        Value::Map(m) => Ok(m.len()),
        _ => Err(
            RtError::new(format!("{name}: expected a list or a map to pick from")).with_help(
                format!("write {name}([\"a b\", \"c*2\"]) or {name}({{a: \"a b\"}})"),
            ),
        ),
    }
}

/// The pattern of chosen patterns.
fn picked(lookup: &Value, pat: &Pat, modulo: bool, name: &'static str) -> Pattern<Pat> {
    let lookup = lookup.clone();
    pat.fmap(move |v| match lookup_entry(&lookup, v, modulo) {
        Some(p) => reify(&p),
        None => {
            report_query_error(format!("{name}: nothing to pick at `{}`", v.to_js_string()));
            silence()
        }
    })
}

fn pick_with(
    args: &[Value],
    pat: &Pat,
    modulo: bool,
    join: PickJoin,
    name: &'static str,
) -> R<Pat> {
    if lookup_len(&args[0], name)? == 0 {
        return Ok(silence());
    }
    let pats = picked(&args[0], pat, modulo, name);
    Ok(match join {
        PickJoin::Plain(j) => join_pats(&pats, j),
        PickJoin::Restart => pats.reset_bind(true, |p| p.clone()),
        PickJoin::Reset => pats.reset_bind(false, |p| p.clone()),
    })
}

/// `pickF(lookup, funcs)`: applies the function `lookup` selects from
/// `funcs` (clamped to the list), a cycle at a time.
fn pick_function(args: &[Value], pat: &Pat, name: &'static str) -> R<Pat> {
    let funcs = &args[1];
    if !matches!(funcs, Value::List(_)) {
        return Err(
            RtError::new(format!("{name}: expected a list of functions"))
                .with_help(format!("write {name}(\"<0 1>\", [rev, fast(2)])")),
        );
    }
    if lookup_len(funcs, name)? == 0 {
        return Ok(silence());
    }
    let Some(f) = lookup_entry(funcs, &args[0], false) else {
        return Err(RtError::new(format!(
            "{name}: no function at `{}`",
            args[0].to_js_string()
        )));
    };
    let applied = apply_fn(&f, pat)?;
    // The reference applies a pattern of one function per cycle, so the
    // result is joined cycle by cycle.
    Ok(pure(Value::Bool(true)).inner_bind(move |_| applied.clone()))
}

fn pick_f(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_function(args, pat, "pickF")
}

/// As in the reference, which hands its arguments to `pickmod` in the
/// wrong order (a number has no entries to pick from): nothing plays.
fn pickmod_f(_: &[Value], _: &Pat) -> R<Pat> {
    Ok(silence())
}

fn pick_restart(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_with(args, pat, false, PickJoin::Restart, "pickRestart")
}

fn pick_reset(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_with(args, pat, false, PickJoin::Reset, "pickReset")
}

fn pickmod_out(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_with(args, pat, true, PickJoin::Plain(Join::Outer), "pickmodOut")
}

fn pickmod_restart(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_with(args, pat, true, PickJoin::Restart, "pickmodRestart")
}

fn pickmod_reset(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_with(args, pat, true, PickJoin::Reset, "pickmodReset")
}

fn inhabitmod(args: &[Value], pat: &Pat) -> R<Pat> {
    pick_with(
        args,
        pat,
        true,
        PickJoin::Plain(Join::Squeeze),
        "inhabitmod",
    )
}

pub fn register(add: &mut AddFn) {
    let t = |arity, f| Kind::Transform {
        arity,
        f,
        join: Join::Inner,
        preserve_steps: false,
    };
    for (names, kind) in [
        (&["pickF"][..], t(2, pick_f as TransformFn)),
        (&["pickmodF"][..], t(2, pickmod_f)),
        (&["pickRestart"][..], t(1, pick_restart)),
        (&["pickReset"][..], t(1, pick_reset)),
        (&["pickmodOut"][..], t(1, pickmod_out)),
        (&["pickmodRestart"][..], t(1, pickmod_restart)),
        (&["pickmodReset"][..], t(1, pickmod_reset)),
        (&["inhabitmod", "pickmodSqueeze"][..], t(1, inhabitmod)),
    ] {
        for name in names {
            add(name, kind, true, true);
        }
    }
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["pickF"],
        category: "Pick",
        summary: "Applies one of a list of functions to the pattern, chosen by a pattern of indices (rounded, and clamped to the list).",
        params: &[
            ("indices", "a pattern of indices into the list, such as \"<0 1 2>\""),
            ("functions", "the list of functions, such as [rev, fast(2)]"),
        ],
        example: "s(\"bd [rim hh]\").pickF(\"<0 1 2>\", [rev, jux(rev), fast(2)])",
    },
    FnDoc {
        names: &["pickmodF"],
        category: "Pick",
        summary: "Meant as `pickF` with indices wrapping around the list; the reference passes its arguments on in the wrong order, so it plays nothing, and weft does the same.",
        params: &[
            ("indices", "a pattern of indices into the list"),
            ("functions", "the list of functions"),
        ],
        example: "s(\"bd [rim hh]\").pickmodF(\"<0 1 2 3>\", [rev, fast(2)])",
    },
    FnDoc {
        names: &["pickRestart"],
        category: "Pick",
        summary: "Like `pick`, but the chosen pattern starts from its beginning at each event that chooses it.",
        params: &[("lookup", "a list of patterns (by index) or a map of patterns (by name)")],
        example: "\"<a@2 b@2>\".pickRestart({a: n(\"0 1 2 0\"), b: n(\"2 3 4 ~\")}).scale(\"C:major\")",
    },
    FnDoc {
        names: &["pickReset"],
        category: "Pick",
        summary: "Like `pick`, but the chosen pattern is realigned to the start of the cycle position of each event that chooses it.",
        params: &[("lookup", "a list of patterns (by index) or a map of patterns (by name)")],
        example: "\"<a@2 b@2>\".pickReset({a: n(\"0 1 2 0\"), b: n(\"2 3 4 ~\")}).scale(\"C:major\")",
    },
    FnDoc {
        names: &["pickmodOut"],
        category: "Pick",
        summary: "Like `pickOut` (structure from the choosing pattern), but indices wrap around the list.",
        params: &[("lookup", "a list of patterns")],
        example: "n(\"0 1 2 3\".pickmodOut([\"0 2\", \"4*3\", \"7\"])).scale(\"C:major\")",
    },
    FnDoc {
        names: &["pickmodRestart"],
        category: "Pick",
        summary: "Like `pickRestart`, but indices wrap around the list.",
        params: &[("lookup", "a list of patterns")],
        example: "n(\"<0 1 2>\".pickmodRestart([\"0 1 2\", \"4 5\"])).scale(\"C:major\")",
    },
    FnDoc {
        names: &["pickmodReset"],
        category: "Pick",
        summary: "Like `pickReset`, but indices wrap around the list.",
        params: &[("lookup", "a list of patterns")],
        example: "n(\"<0 1 2>\".pickmodReset([\"0 1 2\", \"4 5\"])).scale(\"C:major\")",
    },
    FnDoc {
        names: &["inhabitmod", "pickmodSqueeze"],
        category: "Pick",
        summary: "Like `inhabit`: a whole cycle of the chosen pattern is squeezed into each event; indices wrap around the list.",
        params: &[("lookup", "a list of patterns")],
        example: "s(\"0 [1 2] 3\".inhabitmod([\"bd sd\", \"hh*3\"]))",
    },
];
