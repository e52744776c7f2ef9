//! MIDI and OSC: tracks sent to other instruments instead of being
//! synthesised, MIDI clock, MIDI input, and Standard MIDI File export
//! (see docs/midi.md).
//!
//! The data flows in three steps, each testable on its own:
//! [`schedule::ExternalScheduler`] turns patterns into messages stamped
//! with exact samples of the engine's clock; [`sender::Sender`] (a thread)
//! sends them when a [`clock::SampleClock`] reaches their time; a
//! [`sink::MidiSink`] (midir, or a recorder in tests) or a UDP socket
//! (OSC) carries them out.

pub mod clock;
pub mod events;
pub mod input;
pub mod live;
pub mod message;
pub mod schedule;
pub mod sender;
pub mod sink;
pub mod smf;

pub use message::MidiMessage;
pub use schedule::{ExternalScheduler, Item, Timed};
pub use sink::{MidiError, MidiSink, MidirSink, RecordingSink};
