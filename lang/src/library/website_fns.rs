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
    Ok(Value::Pat(pat.map_values(move |v| {
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

/// `.hush()`: silence (the pattern is switched off).
fn hushed(_: &[Value]) -> R<Value> {
    Ok(Value::Pat(crate::pattern::silence()))
}

/// `.onTrigger(f)`, `.onTriggerTime(f)`: Strudel calls `f` as events play
/// in the browser; weft plays the events and does not call it.
fn trigger_callback(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(reify(args.first().unwrap_or(&Value::Undefined))))
}

/// `.mqtt(…)`: Strudel sends events to an MQTT broker; weft cannot, and
/// says so once — the events play on weft's own instruments.
fn mqtt(args: &[Value]) -> R<Value> {
    crate::pattern::report_query_warning(
        "weft does not send MQTT messages; this pattern plays on weft's own sounds",
    );
    Ok(Value::Pat(reify(args.first().unwrap_or(&Value::Undefined))))
}

/// `.K(…)`: an audio worklet compiled in the browser.
fn worklet(_: &[Value]) -> R<Value> {
    Err(RtError::new(
        "`.K(…)` needs a browser (in-browser audio worklets); weft plays in a terminal",
    )
    .with_help("leave it out; the rest of the program plays")
    .with_code("E0240"))
}

pub fn register(add: &mut AddFn) {
    let method = |f| Kind::Values { f, method: true };
    add("hush", method(hushed), false, true);
    add("onTrigger", method(trigger_callback), false, true);
    add("onTriggerTime", method(trigger_callback), false, true);
    add("mqtt", method(mqtt), false, true);
    add("K", method(worklet), false, true);
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
    names: &["hush"],
    category: "Pictures and outputs",
    summary: "As a method, switches a pattern off: `pat.hush()` is silence (the program-wide `hush()` drops the tracks before it).",
    params: &[],
    example: "stack(s(\"bd\").hush(), s(\"hh*3\"))",
},
FnDoc {
    names: &["onTrigger", "onTriggerTime"],
    category: "Pictures and outputs",
    summary: "Strudel calls a function as each event plays (in the browser); weft plays the events unchanged and does not call it.",
    params: &[("function", "called with each event in Strudel")],
    example: "s(\"bd!8\").onTriggerTime(hap => hap)",
},
FnDoc {
    names: &["mqtt"],
    category: "Pictures and outputs",
    summary: "Strudel's MQTT output; weft does not send MQTT, warns once, and plays the events on its own sounds.",
    params: &[("options", "broker, topic… (ignored)")],
    example: "s(\"bd sd\").mqtt()",
},
FnDoc {
    names: &["K"],
    category: "Pictures and outputs",
    summary: "Strudel's in-browser audio worklets (kabelsalat); they need a browser, so weft reports that and plays the rest of the program.",
    params: &[("function", "the worklet")],
    example: "",
},
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
