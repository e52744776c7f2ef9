//! MIDI input: controller values and notes go to the language's store
//! (`midicc(n)`, `midinote()`, `midivel()` in patterns); clock pulses give
//! an external tempo that `weft play --midi-in PORT --follow-clock` follows.

use super::message::MidiMessage;
use super::sink::{match_port, MidiError, VIRTUAL_PORT};
use lang::library::midi_in;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Clock pulses averaged for the tempo (two beats).
const WINDOW: usize = 48;

/// Tempo of an external MIDI clock, from its pulses' timestamps.
#[derive(Default)]
pub struct ClockFollower {
    state: Mutex<ClockState>,
}

#[derive(Default)]
struct ClockState {
    pulses: VecDeque<u64>,
    running: bool,
}

impl ClockFollower {
    /// A clock pulse (0xF8) received at `micros` (any monotonic origin).
    pub fn pulse(&self, micros: u64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.pulses.back().is_some_and(|&last| micros <= last) {
            return;
        }
        s.pulses.push_back(micros);
        if s.pulses.len() > WINDOW + 1 {
            s.pulses.pop_front();
        }
    }

    pub fn set_running(&self, running: bool) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.running = running;
        if running {
            s.pulses.clear();
        }
    }

    /// Whether the last transport message was Start or Continue.
    pub fn running(&self) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).running
    }

    /// Beats per minute over the last pulses (at least a quarter of a beat of them).
    pub fn bpm(&self) -> Option<f64> {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.pulses.len() < 7 {
            return None;
        }
        let span = (s.pulses.back()? - s.pulses.front()?) as f64 / 1e6;
        let per_pulse = span / (s.pulses.len() - 1) as f64;
        (per_pulse > 0.0).then(|| 60.0 / (per_pulse * 24.0))
    }
}

/// Handles one incoming message.
pub fn handle(bytes: &[u8], micros: u64, clock: &ClockFollower) {
    match MidiMessage::parse(bytes) {
        Some(MidiMessage::ControlChange {
            channel,
            controller,
            value,
        }) => midi_in::set_cc(channel, controller, value),
        Some(MidiMessage::NoteOn {
            channel,
            key,
            velocity,
        }) => midi_in::note_on(channel, key, velocity),
        Some(MidiMessage::Clock) => clock.pulse(micros),
        Some(MidiMessage::Start) | Some(MidiMessage::Continue) => clock.set_running(true),
        Some(MidiMessage::Stop) => clock.set_running(false),
        _ => {}
    }
}

/// An open MIDI input; closing it (dropping) stops the input.
pub struct MidiIn {
    _connection: midir::MidiInputConnection<()>,
    pub clock: Arc<ClockFollower>,
    pub port: String,
}

/// Opens the input port named `name` (see [`match_port`]).
pub fn open_input(name: &str) -> Result<MidiIn, MidiError> {
    let input =
        midir::MidiInput::new(VIRTUAL_PORT).map_err(|e| MidiError::Unavailable(e.to_string()))?;
    let ports = input.ports();
    let names: Vec<String> = ports
        .iter()
        .map(|p| input.port_name(p).unwrap_or_default())
        .collect();
    let Some(i) = match_port(name, &names) else {
        return Err(MidiError::NoSuchPort {
            name: name.to_string(),
            available: names,
        });
    };
    let clock = Arc::new(ClockFollower::default());
    let c = clock.clone();
    let connection = input
        .connect(
            &ports[i],
            "weft-in",
            move |micros, bytes, _| handle(bytes, micros, &c),
            (),
        )
        .map_err(|e| MidiError::Other(format!("cannot open MIDI input `{name}`: {e}")))?;
    Ok(MidiIn {
        _connection: connection,
        clock,
        port: names[i].clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_clock_tempo() {
        let c = ClockFollower::default();
        handle(&[0xfa], 0, &c);
        assert!(c.running());
        // 125 BPM: a quarter note lasts 0.48 s, a pulse 20 ms.
        for i in 0..100u64 {
            handle(&[0xf8], 1_000 + i * 20_000, &c);
        }
        assert!((c.bpm().unwrap() - 125.0).abs() < 1e-9);
        handle(&[0xfc], 0, &c);
        assert!(!c.running());
    }

    #[test]
    fn controllers_reach_patterns() {
        let c = ClockFollower::default();
        handle(&[0xb0 | 6, 77, 127], 0, &c);
        assert_eq!(midi_in::cc(7, 77), 1.0);
        handle(&[0x90, 64, 127], 0, &c);
        assert_eq!(midi_in::last_note(1), (64.0, 1.0));
    }
}
