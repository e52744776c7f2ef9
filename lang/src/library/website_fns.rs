//! Helpers that Strudel's website adds to its REPL and that shared tunes
//! use: `.piano()` (the piano sound, panned by pitch).

use super::registry::{AddFn, Kind};
use super::{call, reify, R};
use crate::docs::FnDoc;
use crate::pattern::report_query_error;
use crate::tonal::notes::{freq_to_midi, note_to_midi};
use crate::value::{RtError, Value};
use std::sync::Arc;

/// The MIDI number of an event, from `freq` or `note` (as the
/// reference's `valueToMidi`).
fn value_to_midi(v: &Value) -> Result<f64, RtError> {
    let Value::Map(m) = v else {
        return Err(RtError::new("valueToMidi: expected object value"));
    };
    match (m.get("freq"), m.get("note")) {
        (Some(Value::Num(f)), _) => Ok(freq_to_midi(*f)),
        (_, Some(Value::Str(n))) => {
            note_to_midi(n, 3.0).ok_or_else(|| RtError::new(format!("not a note: \"{n}\"")))
        }
        (_, Some(Value::Num(n))) => Ok(*n),
        _ => Err(RtError::new("valueToMidi: expected freq or note to be set")),
    }
}

/// `.piano()`: `clip(1)`, the `piano` sound, `release(0.1)`, and a pan that
/// follows the pitch (low notes left, C8 and up right of centre).
fn piano(args: &[Value]) -> R<Value> {
    let pat = reify(args.first().unwrap_or(&Value::Undefined));
    let pat = call("clip", &[Value::Num(1.0)], &pat)?;
    let pat = call("s", &[Value::str("piano")], &pat)?;
    let pat = call("release", &[Value::Num(0.1)], &pat)?;
    let highest = note_to_midi("C8", 3.0).unwrap_or(108.0);
    Ok(Value::Pat(pat.fmap(move |v| {
        let midi = match value_to_midi(v) {
            Ok(m) => m,
            Err(e) => {
                report_query_error(format!("piano: {}", e.message));
                return v.clone();
            }
        };
        let pan = (super::js_round(midi) / highest).min(1.0) * 0.5 + (1.0 - 0.5) / 2.0;
        let Value::Map(m) = v else { return v.clone() };
        let mut m = (**m).clone();
        let old = m.get("pan").cloned().unwrap_or(Value::Undefined);
        let base = if old.truthy() { old.to_number() } else { 1.0 };
        m.set("pan", Value::Num(base * pan));
        Value::Map(Arc::new(m))
    })))
}

/// `.p(name)` inside an expression: the pattern itself (only a statement
/// `pattern.p('name')` names a track).
fn named(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(reify(args.first().unwrap_or(&Value::Undefined))))
}

pub fn register(add: &mut AddFn) {
    add(
        "piano",
        Kind::Values {
            f: piano,
            method: true,
        },
        false,
        true,
    );
    add(
        "p",
        Kind::Values {
            f: named,
            method: true,
        },
        false,
        true,
    );
}

pub const DOCS: &[FnDoc] = &[
FnDoc {
    names: &["p"],
    category: "Pictures and outputs",
    summary: "Names a track, Strudel style: the statement `pattern.p('name')` is the track `name:` (`$` anonymous, `_name` muted). Inside an expression it leaves the pattern as it is.",
    params: &[("name", "the track's name")],
    example: "s(\"bd sd\").p('drums')",
},
FnDoc {
    names: &["piano"],
    category: "Pictures and outputs",
    summary: "Plays the pattern on the `piano` instrument as Strudel's website does: `clip(1)`, `release(0.1)`, and a pan that follows the pitch (low notes to the left).",
    params: &[],
    example: "note(\"c2 e3 g4 c6\").piano()",
},
];
