//! OSC to SuperDirt: events as `/dirt/play` messages with Tidal's
//! parameter names, in bundles timestamped with the moment they sound.
//!
//! Every control of an event becomes a name/value pair; numbers are sent as
//! floats except Tidal's integer parameters (`orbit`, `channel`, `cut`),
//! words as strings. weft's `note` is a MIDI number (as in Strudel), so it
//! is sent as SuperDirt's `midinote`, which keeps a program sounding the
//! same in weft and in SuperDirt. `cps`, `cycle` (the event's start in
//! cycles) and `delta` (its length in seconds) are added as Tidal does, and
//! `orbit` defaults to 0.

use lang::tonal::note_to_midi;
use lang::value::{js_number, ValueMap};
use lang::Value;
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use std::time::SystemTime;

/// The OSC address SuperDirt listens on.
pub const DIRT_PLAY: &str = "/dirt/play";
/// SuperDirt's default port.
pub const DIRT_PORT: u16 = 57120;

/// Tidal's parameters that SuperDirt expects as integers.
const INT_PARAMS: &[&str] = &["orbit", "channel", "cut"];

/// The `/dirt/play` message of one event.
pub fn dirt_message(ev: &ValueMap, cps: f64, cycle: f64, delta: f64) -> OscMessage {
    let mut args = Vec::with_capacity(2 * ev.len() + 8);
    let mut push = |name: &str, v: OscType| {
        args.push(OscType::String(name.to_string()));
        args.push(v);
    };
    push("cps", OscType::Float(cps as f32));
    push("cycle", OscType::Float(cycle as f32));
    push("delta", OscType::Float(delta as f32));
    if !ev.contains("orbit") {
        push("orbit", OscType::Int(0));
    }
    for (key, value) in ev.iter() {
        let (name, value) = match (key, value) {
            ("note", Value::Str(s)) => match note_to_midi(s, 3.0).or_else(|| js_number(s)) {
                Some(m) => ("midinote", Value::Num(m)),
                None => continue,
            },
            ("note", v) => ("midinote", v.clone()),
            (k, v) => (k, v.clone()),
        };
        let arg = match value {
            Value::Num(x) if INT_PARAMS.contains(&name) => OscType::Int(x.round() as i32),
            Value::Num(x) => OscType::Float(x as f32),
            Value::Bool(b) => OscType::Int(b as i32),
            Value::Str(s) => match js_number(&s) {
                Some(x) if name == "n" => OscType::Float(x as f32),
                _ => OscType::String(s.to_string()),
            },
            _ => continue,
        };
        push(name, arg);
    }
    OscMessage {
        addr: DIRT_PLAY.to_string(),
        args,
    }
}

/// A bundle holding `message`, to be played at `at`.
pub fn bundle(message: OscMessage, at: SystemTime) -> OscPacket {
    let timetag = OscTime::try_from(at).unwrap_or(OscTime {
        seconds: 0,
        fractional: 1,
    });
    OscPacket::Bundle(OscBundle {
        timetag,
        content: vec![OscPacket::Message(message)],
    })
}

/// Name/value pairs of a `/dirt/play` message (for tests and tools).
pub fn pairs(message: &OscMessage) -> Vec<(String, OscType)> {
    message
        .args
        .chunks(2)
        .filter_map(|c| match c {
            [OscType::String(k), v] => Some((k.clone(), v.clone())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidal_names_and_types() {
        let ev = ValueMap(vec![
            ("s".into(), Value::str("bd")),
            ("n".into(), Value::Num(3.0)),
            ("note".into(), Value::str("e4")),
            ("cut".into(), Value::Num(1.0)),
            ("gain".into(), Value::Num(0.8)),
        ]);
        let m = dirt_message(&ev, 0.5, 2.25, 0.5);
        assert_eq!(m.addr, "/dirt/play");
        let p = pairs(&m);
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("s"), Some(OscType::String("bd".into())));
        assert_eq!(get("n"), Some(OscType::Float(3.0)));
        assert_eq!(get("midinote"), Some(OscType::Float(64.0)));
        assert_eq!(get("cut"), Some(OscType::Int(1)));
        assert_eq!(get("orbit"), Some(OscType::Int(0)));
        assert_eq!(get("cycle"), Some(OscType::Float(2.25)));
        assert_eq!(get("delta"), Some(OscType::Float(0.5)));
        assert_eq!(get("cps"), Some(OscType::Float(0.5)));
    }
}
