//! Where MIDI bytes go: a small trait with a recording backend (tests,
//! tools) and the midir backend (ALSA sequencer on Linux, CoreMIDI, WinMM).

use super::message::MidiMessage;
use std::fmt;
use std::sync::{Arc, Mutex};

/// A MIDI output.
pub trait MidiSink: Send {
    /// Sends one complete message. `due` is the sample it was scheduled
    /// for and `now` the clock's position as it is sent.
    fn send(&mut self, bytes: &[u8], due: i64, now: f64) -> Result<(), String>;
}

/// One message as a [`RecordingSink`] saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub due: i64,
    pub sent_at: f64,
    pub bytes: Vec<u8>,
}

impl Recorded {
    pub fn message(&self) -> Option<MidiMessage> {
        MidiMessage::parse(&self.bytes)
    }
}

/// Keeps every message with its times; clones share the same log.
#[derive(Clone, Default)]
pub struct RecordingSink {
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl RecordingSink {
    pub fn new() -> RecordingSink {
        RecordingSink::default()
    }

    /// A copy of everything recorded so far.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl MidiSink for RecordingSink {
    fn send(&mut self, bytes: &[u8], due: i64, now: f64) -> Result<(), String> {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Recorded {
                due,
                sent_at: now,
                bytes: bytes.to_vec(),
            });
        Ok(())
    }
}

/// Why MIDI cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub enum MidiError {
    /// The system has no MIDI service (on Linux: no ALSA sequencer).
    Unavailable(String),
    /// No port has this name.
    NoSuchPort {
        name: String,
        available: Vec<String>,
    },
    Other(String),
}

impl fmt::Display for MidiError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            MidiError::Unavailable(why) => write!(
                f,
                "MIDI is not available on this system ({why}); on Linux weft needs the ALSA sequencer (/dev/snd/seq, kernel module snd-seq)"
            ),
            MidiError::NoSuchPort { name, available } if available.is_empty() => {
                write!(f, "no MIDI output port `{name}` (there are no MIDI output ports)")
            }
            MidiError::NoSuchPort { name, available } => write!(
                f,
                "no MIDI output port `{name}`; the ports are: {}",
                available
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            MidiError::Other(e) => write!(f, "{e}"),
        }
    }
}

/// Name of weft's virtual output port (and of its MIDI client).
pub const VIRTUAL_PORT: &str = "weft";

fn output() -> Result<midir::MidiOutput, MidiError> {
    midir::MidiOutput::new(VIRTUAL_PORT).map_err(|e| MidiError::Unavailable(e.to_string()))
}

/// The names of the MIDI output ports.
pub fn output_ports() -> Result<Vec<String>, MidiError> {
    let out = output()?;
    Ok(out
        .ports()
        .iter()
        .filter_map(|p| out.port_name(p).ok())
        .collect())
}

/// The names of the MIDI input ports.
pub fn input_ports() -> Result<Vec<String>, MidiError> {
    let input =
        midir::MidiInput::new(VIRTUAL_PORT).map_err(|e| MidiError::Unavailable(e.to_string()))?;
    Ok(input
        .ports()
        .iter()
        .filter_map(|p| input.port_name(p).ok())
        .collect())
}

/// Picks the port for `wanted` among `names`: an exact match, else the
/// only one containing it (case-insensitive).
pub fn match_port(wanted: &str, names: &[String]) -> Option<usize> {
    if let Some(i) = names.iter().position(|n| n == wanted) {
        return Some(i);
    }
    let w = wanted.to_lowercase();
    let hits: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.to_lowercase().contains(&w))
        .map(|(i, _)| i)
        .collect();
    (hits.len() == 1).then(|| hits[0])
}

/// A port opened with midir.
pub struct MidirSink {
    connection: midir::MidiOutputConnection,
}

impl MidirSink {
    /// Opens the output port named `name` (see [`match_port`]). On Linux
    /// and macOS, the name `weft` with no such port creates weft's own
    /// virtual port, which other programs can connect to.
    pub fn open(name: &str) -> Result<MidirSink, MidiError> {
        let out = output()?;
        let ports = out.ports();
        let names: Vec<String> = ports
            .iter()
            .map(|p| out.port_name(p).unwrap_or_default())
            .collect();
        match match_port(name, &names) {
            Some(i) => out
                .connect(&ports[i], VIRTUAL_PORT)
                .map(|connection| MidirSink { connection })
                .map_err(|e| MidiError::Other(format!("cannot open MIDI port `{name}`: {e}"))),
            None if name == VIRTUAL_PORT => Self::create_virtual(out),
            None => Err(MidiError::NoSuchPort {
                name: name.to_string(),
                available: names,
            }),
        }
    }

    #[cfg(unix)]
    fn create_virtual(out: midir::MidiOutput) -> Result<MidirSink, MidiError> {
        use midir::os::unix::VirtualOutput;
        out.create_virtual(VIRTUAL_PORT)
            .map(|connection| MidirSink { connection })
            .map_err(|e| MidiError::Other(format!("cannot create the virtual port `weft`: {e}")))
    }

    #[cfg(not(unix))]
    fn create_virtual(_: midir::MidiOutput) -> Result<MidirSink, MidiError> {
        Err(MidiError::Other(
            "virtual MIDI ports are not supported on this system".to_string(),
        ))
    }
}

impl MidiSink for MidirSink {
    fn send(&mut self, bytes: &[u8], _due: i64, _now: f64) -> Result<(), String> {
        self.connection.send(bytes).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_matching() {
        let names = vec![
            "Midi Through:Midi Through Port-0 14:0".to_string(),
            "TR-8:TR-8 MIDI 1 20:0".to_string(),
        ];
        assert_eq!(match_port("TR-8:TR-8 MIDI 1 20:0", &names), Some(1));
        assert_eq!(match_port("tr-8", &names), Some(1));
        assert_eq!(match_port("midi", &names), None, "ambiguous");
        assert_eq!(match_port("korg", &names), None);
    }
}
