//! Drawing and output methods: `.pianoroll()`, `._scope()`, `.midi()`,
//! `.osc()` and friends. On events they do what the reference does —
//! nothing, except that scopes and spectra mark events with `analyze` — and
//! the program evaluator records what each track asks for (see
//! `program::Visual`, `program::Output`).

use super::registry::{AddFn, Kind};
use super::{call, reify, R};
use crate::docs::FnDoc;
use crate::value::{Value, ValueMap};

/// The MIDI port `.midi()` uses when none is named: weft's own virtual
/// port (other programs connect to it).
pub const VIRTUAL_MIDI_PORT: &str = "weft";

/// The receiver, unchanged: drawing and sending change no event.
fn unchanged(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(reify(args.first().unwrap_or(&Value::Undefined))))
}

/// The `id` of an options object, else 1 (the reference's default).
fn option_id(options: Option<&Value>) -> Value {
    options
        .and_then(Value::as_map)
        .and_then(|m: &ValueMap| m.get("id").cloned())
        .unwrap_or(Value::Num(1.0))
}

/// `.scope(options)`, `.spectrum(options)`: the events are marked for
/// analysis with `analyze` = the options' id (default 1).
fn analyzed(args: &[Value]) -> R<Value> {
    let pat = reify(args.first().unwrap_or(&Value::Undefined));
    Ok(Value::Pat(call(
        "analyze",
        &[option_id(args.get(1))],
        &pat,
    )?))
}

/// `._scope()`, `._spectrum()`: marked with the inline widget's id.
fn analyzed_inline(args: &[Value]) -> R<Value> {
    let pat = reify(args.first().unwrap_or(&Value::Undefined));
    let id = args.get(1).cloned().unwrap_or(Value::Num(1.0));
    Ok(Value::Pat(call("analyze", &[id], &pat)?))
}

pub fn register(add: &mut AddFn) {
    let method = |f| Kind::Values { f, method: true };
    for name in [
        "pianoroll",
        "punchcard",
        "wordfall",
        "spiral",
        "pitchwheel",
        "draw",
        "onPaint",
        "markcss",
        "_pianoroll",
        "_punchcard",
        "_spiral",
        "_pitchwheel",
        "midi",
        "osc",
        "csound",
    ] {
        add(name, method(unchanged), false, true);
    }
    for name in ["scope", "tscope", "fscope", "spectrum"] {
        add(name, method(analyzed), false, true);
    }
    for name in ["_scope", "_spectrum"] {
        add(name, method(analyzed_inline), false, true);
    }
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["pianoroll", "_pianoroll"],
        category: "Pictures and outputs",
        summary: "Shows the track as a pianoroll (notes by pitch, drums by name); `_pianoroll` draws it under the code. The events do not change.",
        params: &[("options", "optional: { cycles, playhead, fold, labels, … } as in Strudel")],
        example: "note(\"c e g b\").pianoroll()",
    },
    FnDoc {
        names: &["punchcard", "_punchcard", "wordfall"],
        category: "Pictures and outputs",
        summary: "Shows the track as a punchcard (events as boxes over time); `wordfall` is a vertical one with labels. The events do not change.",
        params: &[("options", "optional drawing options")],
        example: "s(\"bd sd [~ bd] sd\").punchcard()",
    },
    FnDoc {
        names: &["spiral", "_spiral", "pitchwheel", "_pitchwheel"],
        category: "Pictures and outputs",
        summary: "Shows the track as a spiral of cycles or a wheel of pitches. The events do not change.",
        params: &[("options", "optional drawing options")],
        example: "note(\"c e g\").spiral()",
    },
    FnDoc {
        names: &["scope", "tscope", "fscope", "spectrum", "_scope", "_spectrum"],
        category: "Pictures and outputs",
        summary: "Shows the track's sound as a waveform (`scope`) or spectrum (`fscope`, `spectrum`); the events are marked for analysis with the `analyze` control (the options' `id`, default 1; the inline forms use their widget's id).",
        params: &[("options", "optional: { id, color, scale, … }")],
        example: "s(\"sawtooth\").note(\"c2\").scope()",
    },
    FnDoc {
        names: &["draw", "onPaint", "markcss"],
        category: "Pictures and outputs",
        summary: "Strudel's hooks for custom drawing in a browser; weft accepts them and leaves the events unchanged.",
        params: &[("painter", "a drawing function (not called in weft)")],
        example: "s(\"bd sd\").markcss('color: red')",
    },
    FnDoc {
        names: &["midi"],
        category: "Pictures and outputs",
        summary: "Sends the track to a MIDI port instead of the synthesiser (anywhere in the chain; the last one counts). Without a port, weft's own virtual port `weft`. The channel is the second argument, or `{ midichannel: n }`, or the `midichan` control of each event.",
        params: &[
            ("port", "the port's name (or part of it); optional"),
            ("channel", "1–16, or an options object { midichannel }"),
        ],
        example: "note(\"c4 e4 g4\").midichan(2).midi()",
    },
    FnDoc {
        names: &["csound"],
        category: "Pictures and outputs",
        summary: "Strudel's Csound output (a browser feature); weft accepts it and leaves the events unchanged — they play on weft's own instruments.",
        params: &[("instrument", "the Csound instrument's name")],
        example: "note(\"c e g\").csound('FM1')",
    },
    FnDoc {
        names: &["osc"],
        category: "Pictures and outputs",
        summary: "Sends the track as OSC `/dirt/play` messages (to SuperDirt) instead of the synthesiser.",
        params: &[("host", "default 127.0.0.1"), ("port", "default 57120")],
        example: "s(\"bd sd\").osc()",
    },
];
