//! What one weft event means in MIDI: a note (key, velocity, how much of
//! the event it is held) and the channel messages sent with it (control
//! change, program change, pitch bend).
//!
//! | control | MIDI |
//! |---|---|
//! | `note` (number or name), else `freq`, else `n` | key (rounded to the nearest semitone) |
//! | `s` naming a drum (`bd`, `sd`, `hh`, …) with no pitch | General MIDI drum key |
//! | `velocity` (default 0.9) × `gain` (default 1) | velocity, × 127 |
//! | `legato` / `clip` (default 1) | note length as a fraction of the event |
//! | `ccn` + `ccv` | control change; `ccv` is 0–127 (Strudel uses 0–1) |
//! | `progNum` | program change (0–127) |
//! | `midibend` | pitch bend, −1 … 1 |
//! | `midichan` | channel (1–16), overriding the track's |

use super::message::MidiMessage;
use lang::tonal::note_to_midi;
use lang::value::{js_number, ValueMap};
use lang::Value;

/// Velocity when an event sets none (as in Strudel).
pub const DEFAULT_VELOCITY: f64 = 0.9;

/// The MIDI side of one event.
#[derive(Clone, Debug, PartialEq)]
pub struct EventMidi {
    pub channel: u8,
    /// Key and velocity (1–127) of the note, if the event has a pitch.
    pub note: Option<(u8, u8)>,
    /// Fraction of the event's length the note is held.
    pub hold: f64,
    /// Channel messages sent at the onset, before the note.
    pub controls: Vec<MidiMessage>,
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Num(x) if x.is_finite() => Some(*x),
        Value::Str(s) => js_number(s).filter(|x| x.is_finite()),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn pitch(v: &Value) -> Option<f64> {
    match v {
        Value::Str(s) => note_to_midi(s, 3.0).or_else(|| js_number(s)),
        other => number(other),
    }
}

/// General MIDI drum keys for the usual drum sample names.
pub fn drum_key(name: &str) -> Option<u8> {
    Some(match name {
        "bd" | "kick" => 36,
        "rim" | "rs" => 37,
        "sd" | "snare" => 38,
        "cp" | "clap" => 39,
        "hh" | "ch" => 42,
        "lt" => 45,
        "oh" => 46,
        "mt" => 47,
        "ht" => 50,
        "cr" | "crash" => 49,
        "rd" | "ride" => 51,
        "cb" => 56,
        "tb" | "tambourine" => 54,
        "sh" | "shaker" => 70,
        _ => return None,
    })
}

/// The MIDI key of an event: `note`, else `freq`, else a drum name in `s`,
/// else `n`.
pub fn event_key(ev: &ValueMap) -> Option<f64> {
    if let Some(m) = ev.get("note").and_then(pitch) {
        return Some(m);
    }
    if let Some(f) = ev.get("freq").and_then(number).filter(|f| *f > 0.0) {
        return Some(69.0 + 12.0 * (f / 440.0).log2());
    }
    if let Some(Value::Str(s)) = ev.get("s") {
        if let Some(k) = drum_key(s) {
            return Some(k as f64);
        }
    }
    ev.get("n").and_then(pitch)
}

/// Whether the event is a drum hit (its key comes from a drum name).
pub fn is_drum(ev: &ValueMap) -> bool {
    !ev.contains("note")
        && !ev.contains("freq")
        && matches!(ev.get("s"), Some(Value::Str(s)) if drum_key(s).is_some())
}

fn to_7bit(x: f64) -> u8 {
    x.round().clamp(0.0, 127.0) as u8
}

/// Reads the MIDI meaning of an event played on `channel` (1–16).
pub fn event_midi(ev: &ValueMap, channel: u8) -> EventMidi {
    let channel = ev
        .get("midichan")
        .and_then(number)
        .map(|c| c.round().clamp(1.0, 16.0) as u8)
        .unwrap_or(channel);
    let mut controls = Vec::new();
    if let Some(p) = ev.get("progNum").and_then(number) {
        controls.push(MidiMessage::ProgramChange {
            channel,
            program: to_7bit(p),
        });
    }
    if let (Some(n), Some(v)) = (
        ev.get("ccn").and_then(number),
        ev.get("ccv").and_then(number),
    ) {
        controls.push(MidiMessage::ControlChange {
            channel,
            controller: to_7bit(n),
            value: to_7bit(v),
        });
    }
    if let Some(b) = ev.get("midibend").and_then(number) {
        let v = (8192.0 + b.clamp(-1.0, 1.0) * 8192.0)
            .round()
            .clamp(0.0, 16383.0);
        controls.push(MidiMessage::PitchBend {
            channel,
            value: v as u16,
        });
    }
    let velocity = ev
        .get("velocity")
        .and_then(number)
        .unwrap_or(DEFAULT_VELOCITY)
        * ev.get("gain").and_then(number).unwrap_or(1.0);
    let velocity = to_7bit(velocity * 127.0);
    let note = event_key(ev)
        .map(f64::round)
        .filter(|k| (0.0..=127.0).contains(k) && velocity > 0)
        .map(|k| (k as u8, velocity));
    let hold = ev
        .get("clip")
        .or_else(|| ev.get("legato"))
        .and_then(number)
        .unwrap_or(1.0)
        .max(0.0);
    EventMidi {
        channel,
        note,
        hold,
        controls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(pairs: &[(&str, Value)]) -> ValueMap {
        ValueMap(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn notes_and_velocities() {
        let e = event_midi(&ev(&[("note", Value::str("c4"))]), 3);
        assert_eq!(e.note, Some((60, 114)));
        assert_eq!(e.channel, 3);
        let e = event_midi(
            &ev(&[
                ("note", Value::Num(61.6)),
                ("velocity", Value::Num(0.5)),
                ("gain", Value::Num(0.5)),
                ("midichan", Value::Num(10.0)),
            ]),
            1,
        );
        assert_eq!(e.note, Some((62, 32)));
        assert_eq!(e.channel, 10);
        let e = event_midi(&ev(&[("s", Value::str("bd")), ("n", Value::Num(3.0))]), 1);
        assert_eq!(e.note.map(|n| n.0), Some(36));
        let e = event_midi(&ev(&[("freq", Value::Num(440.0))]), 1);
        assert_eq!(e.note.map(|n| n.0), Some(69));
        let e = event_midi(
            &ev(&[("note", Value::Num(60.0)), ("gain", Value::Num(0.0))]),
            1,
        );
        assert_eq!(e.note, None, "silent notes are not sent");
    }

    #[test]
    fn controls() {
        let e = event_midi(
            &ev(&[
                ("ccn", Value::Num(74.0)),
                ("ccv", Value::Num(200.0)),
                ("progNum", Value::Num(5.0)),
                ("midibend", Value::Num(-1.0)),
                ("legato", Value::Num(0.5)),
            ]),
            2,
        );
        assert_eq!(e.note, None);
        assert_eq!(e.hold, 0.5);
        assert_eq!(
            e.controls,
            vec![
                MidiMessage::ProgramChange {
                    channel: 2,
                    program: 5
                },
                MidiMessage::ControlChange {
                    channel: 2,
                    controller: 74,
                    value: 127
                },
                MidiMessage::PitchBend {
                    channel: 2,
                    value: 0
                },
            ]
        );
    }
}
