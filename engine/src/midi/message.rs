//! MIDI 1.0 channel and real-time messages, as plain values.

use std::fmt;

/// One MIDI message. Channels are 1–16, as musicians count them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MidiMessage {
    NoteOn {
        channel: u8,
        key: u8,
        velocity: u8,
    },
    NoteOff {
        channel: u8,
        key: u8,
    },
    ControlChange {
        channel: u8,
        controller: u8,
        value: u8,
    },
    ProgramChange {
        channel: u8,
        program: u8,
    },
    /// 14-bit bend, 0–16383, centre 8192.
    PitchBend {
        channel: u8,
        value: u16,
    },
    /// Timing clock, 24 per quarter note.
    Clock,
    Start,
    Continue,
    Stop,
}

impl MidiMessage {
    /// The wire bytes (running status is never used).
    pub fn bytes(&self) -> Vec<u8> {
        let ch = |c: u8| (c.clamp(1, 16) - 1) & 0x0f;
        match *self {
            MidiMessage::NoteOn {
                channel,
                key,
                velocity,
            } => vec![0x90 | ch(channel), key & 0x7f, velocity & 0x7f],
            MidiMessage::NoteOff { channel, key } => vec![0x80 | ch(channel), key & 0x7f, 0],
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => vec![0xb0 | ch(channel), controller & 0x7f, value & 0x7f],
            MidiMessage::ProgramChange { channel, program } => {
                vec![0xc0 | ch(channel), program & 0x7f]
            }
            MidiMessage::PitchBend { channel, value } => {
                let v = value.min(16383);
                vec![0xe0 | ch(channel), (v & 0x7f) as u8, (v >> 7) as u8]
            }
            MidiMessage::Clock => vec![0xf8],
            MidiMessage::Start => vec![0xfa],
            MidiMessage::Continue => vec![0xfb],
            MidiMessage::Stop => vec![0xfc],
        }
    }

    /// Parses one complete message (note-on with velocity 0 is a note-off).
    /// Messages weft does not use (aftertouch, SysEx, …) give `None`.
    pub fn parse(bytes: &[u8]) -> Option<MidiMessage> {
        let status = *bytes.first()?;
        let channel = (status & 0x0f) + 1;
        let data = |i: usize| bytes.get(i).map(|b| b & 0x7f);
        Some(match status {
            0xf8 => MidiMessage::Clock,
            0xfa => MidiMessage::Start,
            0xfb => MidiMessage::Continue,
            0xfc => MidiMessage::Stop,
            s => match s & 0xf0 {
                0x80 => MidiMessage::NoteOff {
                    channel,
                    key: data(1)?,
                },
                0x90 if data(2)? == 0 => MidiMessage::NoteOff {
                    channel,
                    key: data(1)?,
                },
                0x90 => MidiMessage::NoteOn {
                    channel,
                    key: data(1)?,
                    velocity: data(2)?,
                },
                0xb0 => MidiMessage::ControlChange {
                    channel,
                    controller: data(1)?,
                    value: data(2)?,
                },
                0xc0 => MidiMessage::ProgramChange {
                    channel,
                    program: data(1)?,
                },
                0xe0 => MidiMessage::PitchBend {
                    channel,
                    value: data(1)? as u16 | ((data(2)? as u16) << 7),
                },
                _ => return None,
            },
        })
    }

    /// Order among messages due at the same instant: the clock first, then
    /// note-offs (so a repeated note is released before it starts again),
    /// then settings (program, controllers, bend) that the new notes should
    /// already hear, then note-ons, and `Stop` last.
    pub fn rank(&self) -> u8 {
        match self {
            MidiMessage::Start | MidiMessage::Continue => 0,
            MidiMessage::Clock => 1,
            MidiMessage::NoteOff { .. } => 2,
            MidiMessage::ProgramChange { .. } => 3,
            MidiMessage::ControlChange { .. } => 4,
            MidiMessage::PitchBend { .. } => 5,
            MidiMessage::NoteOn { .. } => 6,
            MidiMessage::Stop => 7,
        }
    }

    /// The channel of a channel message.
    pub fn channel(&self) -> Option<u8> {
        match *self {
            MidiMessage::NoteOn { channel, .. }
            | MidiMessage::NoteOff { channel, .. }
            | MidiMessage::ControlChange { channel, .. }
            | MidiMessage::ProgramChange { channel, .. }
            | MidiMessage::PitchBend { channel, .. } => Some(channel),
            _ => None,
        }
    }
}

impl fmt::Display for MidiMessage {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            MidiMessage::NoteOn {
                channel,
                key,
                velocity,
            } => write!(f, "ch{channel} note-on {key} vel {velocity}"),
            MidiMessage::NoteOff { channel, key } => write!(f, "ch{channel} note-off {key}"),
            MidiMessage::ControlChange {
                channel,
                controller,
                value,
            } => write!(f, "ch{channel} cc {controller} = {value}"),
            MidiMessage::ProgramChange { channel, program } => {
                write!(f, "ch{channel} program {program}")
            }
            MidiMessage::PitchBend { channel, value } => write!(f, "ch{channel} bend {value}"),
            MidiMessage::Clock => write!(f, "clock"),
            MidiMessage::Start => write!(f, "start"),
            MidiMessage::Continue => write!(f, "continue"),
            MidiMessage::Stop => write!(f, "stop"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let all = [
            MidiMessage::NoteOn {
                channel: 10,
                key: 36,
                velocity: 100,
            },
            MidiMessage::NoteOff {
                channel: 1,
                key: 60,
            },
            MidiMessage::ControlChange {
                channel: 16,
                controller: 74,
                value: 127,
            },
            MidiMessage::ProgramChange {
                channel: 2,
                program: 5,
            },
            MidiMessage::PitchBend {
                channel: 3,
                value: 12345,
            },
            MidiMessage::Clock,
            MidiMessage::Start,
            MidiMessage::Stop,
        ];
        for m in all {
            assert_eq!(MidiMessage::parse(&m.bytes()), Some(m), "{m}");
        }
        assert_eq!(
            MidiMessage::PitchBend {
                channel: 1,
                value: 8192
            }
            .bytes(),
            vec![0xe0, 0x00, 0x40]
        );
    }
}
