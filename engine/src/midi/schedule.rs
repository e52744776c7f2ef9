//! The scheduler of the tracks that leave weft: `.midi(…)` and `.osc(…)`
//! tracks (and MIDI clock).
//!
//! It works like the audio scheduler and against the same clock: it
//! queries its tracks over exact cycle spans and places every message on
//! the sample given by the engine's [`TempoMap`] (the very map the audio
//! voices use, passed in by the caller), so a MIDI note starts on the same
//! sample as an audio note at the same cycle. Its output is a list of
//! [`Timed`] items in time order, for the sender thread
//! ([`super::sender`]) or a file writer.
//!
//! Program changes happen at a cycle given by the caller (in `weft play`,
//! the cycle at which the engine swaps its audio tracks); the caller never
//! asks for cycles past the engine's scheduled position, so both sides
//! always read the same tempo map.

use super::events::event_midi;
use super::message::MidiMessage;
use crate::osc::dirt_message;
use crate::tempo::TempoMap;
use lang::density::DenseHint;
use lang::library::Pat;
use lang::pattern::{query_within, Budget, Controls, State};
use lang::program::{Output, Program};
use lang::value::ValueMap;
use lang::{Span, Time, Value};
use rosc::OscMessage;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

/// MIDI clock pulses per quarter note.
pub const PPQN: i64 = 24;

/// What to send.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A MIDI message for the output port with this name.
    Midi {
        port: Arc<str>,
        message: MidiMessage,
    },
    /// A `/dirt/play` message for `host:port`, to sound at the item's sample.
    Osc { to: Arc<str>, message: OscMessage },
}

/// An item and the sample (engine clock) at which it takes effect.
#[derive(Clone, Debug, PartialEq)]
pub struct Timed {
    pub sample: i64,
    pub item: Item,
}

impl Timed {
    fn rank(&self) -> u8 {
        match &self.item {
            Item::Midi { message, .. } => message.rank(),
            Item::Osc { .. } => 6,
        }
    }
}

#[derive(Clone)]
struct ExtTrack {
    name: String,
    pattern: Pat,
    output: Output,
    audible: bool,
    /// Where the track's density likely comes from (for the message).
    hint: Option<DenseHint>,
    /// Set when the track was too dense to query: silent until it changes.
    too_dense: bool,
}

struct Pending {
    tracks: Vec<ExtTrack>,
    beats_per_cycle: f64,
    at: Time,
    keep: Vec<String>,
}

/// A note-off waiting for its sample.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Off {
    sample: i64,
    seq: u64,
    port: Arc<str>,
    channel: u8,
    key: u8,
}

/// Schedules MIDI and OSC tracks; see the module documentation.
pub struct ExternalScheduler {
    tracks: Vec<ExtTrack>,
    pending: Option<Pending>,
    scheduled_until: Time,
    offs: BinaryHeap<Reverse<Off>>,
    /// Notes sounding per (port, channel, key): a key struck again while
    /// held is released only by its last note-off.
    held: HashMap<(Arc<str>, u8, u8), u32>,
    clock_ports: Vec<Arc<str>>,
    /// Cycles between two clock pulses (1 / (24 × beats per cycle)).
    clock_step: Time,
    clock_started: bool,
    seq: u64,
    warnings: Vec<String>,
    reported: HashSet<String>,
}

fn clock_step(beats_per_cycle: f64) -> Time {
    let beats = Time::from_f64(beats_per_cycle)
        .filter(|b| *b > Time::ZERO)
        .unwrap_or(Time::int(4));
    Time::ONE / (beats * Time::int(PPQN))
}

fn external_tracks(program: &Program) -> Vec<ExtTrack> {
    let audible: HashSet<&str> = program.audible().map(|t| t.name.as_str()).collect();
    program
        .tracks
        .iter()
        .filter(|t| t.output != Output::Audio)
        .map(|t| ExtTrack {
            name: t.name.clone(),
            pattern: t.pattern.clone(),
            output: t.output.clone(),
            audible: audible.contains(t.name.as_str()),
            hint: t.hint.clone(),
            too_dense: false,
        })
        .collect()
}

/// The `host:port` key of an OSC output.
pub fn osc_target(host: &str, port: u16) -> String {
    format!("{host}:{port}")
}

impl ExternalScheduler {
    /// A scheduler sending MIDI clock to `clock_ports` (may be empty).
    pub fn new(clock_ports: &[String]) -> ExternalScheduler {
        ExternalScheduler {
            tracks: Vec::new(),
            pending: None,
            scheduled_until: Time::ZERO,
            offs: BinaryHeap::new(),
            held: HashMap::new(),
            clock_ports: clock_ports.iter().map(|p| Arc::from(p.as_str())).collect(),
            clock_step: clock_step(4.0),
            clock_started: false,
            seq: 0,
            warnings: Vec::new(),
            reported: HashSet::new(),
        }
    }

    /// Plays the MIDI and OSC tracks of `program` from cycle `at` on
    /// (not before the cycle already scheduled). Tracks named in `keep`
    /// (whose new version failed) keep their running version.
    pub fn swap(&mut self, program: &Program, at: Time, keep: &[String]) {
        self.pending = Some(Pending {
            tracks: external_tracks(program),
            beats_per_cycle: program.beats_per_cycle,
            at: at.max(self.scheduled_until),
            keep: keep.to_vec(),
        });
    }

    /// Whether any track (playing or pending) goes to MIDI or OSC.
    pub fn has_tracks(&self) -> bool {
        !self.tracks.is_empty() || self.pending.as_ref().is_some_and(|p| !p.tracks.is_empty())
    }

    /// Cycle up to which items have been produced.
    pub fn scheduled_until(&self) -> Time {
        self.scheduled_until
    }

    /// Warnings gathered so far (each reported once).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    fn warn_once(&mut self, key: String, text: String) {
        if self.reported.insert(key) {
            self.warnings.push(text);
        }
    }

    fn apply_pending(&mut self) {
        let Some(p) = self.pending.take() else { return };
        let mut tracks = p.tracks;
        for old in &self.tracks {
            if p.keep.contains(&old.name) && !tracks.iter().any(|t| t.name == old.name) {
                tracks.push(old.clone());
            }
        }
        self.tracks = tracks;
        self.clock_step = clock_step(p.beats_per_cycle);
    }

    /// Produces every item due before cycle `until`, in time order, placed
    /// with `tempo`. Note-offs come out when their sample is reached.
    pub fn schedule(&mut self, until: Time, tempo: &TempoMap) -> Vec<Timed> {
        let mut out = Vec::new();
        loop {
            if let Some(p) = &self.pending {
                if p.at <= self.scheduled_until {
                    self.apply_pending();
                }
            }
            let cur = self.scheduled_until;
            if cur >= until {
                break;
            }
            let mut end = until.min(cur.sam() + Time::ONE);
            if let Some(p) = &self.pending {
                end = end.min(p.at);
            }
            self.window(cur, end, tempo, &mut out);
            self.scheduled_until = end;
        }
        out
    }

    /// Releases every sounding note and stops the clock, at `sample`.
    pub fn stop(&mut self, sample: i64) -> Vec<Timed> {
        let mut out = Vec::new();
        self.offs.clear();
        let mut held: Vec<_> = self.held.drain().map(|(k, _)| k).collect();
        held.sort();
        for (port, channel, key) in held {
            out.push(Timed {
                sample,
                item: Item::Midi {
                    port,
                    message: MidiMessage::NoteOff { channel, key },
                },
            });
        }
        if self.clock_started {
            for port in &self.clock_ports {
                out.push(Timed {
                    sample,
                    item: Item::Midi {
                        port: port.clone(),
                        message: MidiMessage::Stop,
                    },
                });
            }
            self.clock_started = false;
        }
        out
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Items of the span `[begin, end)` (within one cycle, no swap inside).
    fn window(&mut self, begin: Time, end: Time, tempo: &TempoMap, out: &mut Vec<Timed>) {
        let mut batch: Vec<(u64, Timed)> = Vec::new();
        let state = State {
            span: Span::new(begin, end),
            controls: Controls {
                seed: None,
                cps: Some(tempo.cps_at(begin)),
            },
        };
        for ti in 0..self.tracks.len() {
            if !self.tracks[ti].audible || self.tracks[ti].too_dense {
                continue;
            }
            let track = self.tracks[ti].clone();
            let queried = query_within(&track.pattern, &state, Budget::for_step(&state.span));
            for e in queried.errors.into_iter().chain(queried.warnings) {
                self.warn_once(
                    format!("query:{}:{e}", track.name),
                    format!("track `{}`: {e}", track.name),
                );
            }
            let haps = match queried.haps {
                Ok(haps) => haps,
                Err(e) => {
                    // The track goes silent until it changes; the others play on.
                    self.tracks[ti].too_dense = true;
                    let m = lang::density::too_dense_message(
                        Some(&track.name),
                        &e,
                        track.hint.as_ref(),
                    );
                    self.warn_once(
                        format!("dense:{}", track.name),
                        format!("{m}; the track is silent until it changes"),
                    );
                    continue;
                }
            };
            for h in haps {
                if !h.has_onset() {
                    continue;
                }
                let Some(whole) = h.whole else { continue };
                let owned;
                let ev: &ValueMap = match &h.value {
                    Value::Map(m) => m,
                    Value::Num(n) => {
                        owned = ValueMap(vec![("note".into(), Value::Num(*n))]);
                        &owned
                    }
                    Value::Str(s) => {
                        owned = ValueMap(vec![("s".into(), Value::Str(s.clone()))]);
                        &owned
                    }
                    _ => continue,
                };
                match &track.output {
                    Output::Midi { port, channel } => {
                        self.midi_event(&track.name, port, *channel, ev, whole, tempo, &mut batch)
                    }
                    Output::Osc { host, port } => {
                        let start = tempo.seconds_at(whole.begin);
                        let stop = tempo.seconds_at(whole.end);
                        let delta = stop.to_f64() - start.to_f64();
                        let message = dirt_message(
                            ev,
                            tempo.cps_at(whole.begin),
                            whole.begin.to_f64(),
                            delta,
                        );
                        let seq = self.next_seq();
                        batch.push((
                            seq,
                            Timed {
                                sample: tempo.sample_at(whole.begin),
                                item: Item::Osc {
                                    to: osc_target(host, *port).into(),
                                    message,
                                },
                            },
                        ));
                    }
                    Output::Audio => {}
                }
            }
        }
        self.clock_pulses(begin, end, tempo, &mut batch);
        let end_sample = tempo.sample_at(end);
        while self.offs.peek().is_some_and(|o| o.0.sample < end_sample) {
            let Reverse(off) = self.offs.pop().expect("peeked");
            batch.push((
                off.seq,
                Timed {
                    sample: off.sample,
                    item: Item::Midi {
                        port: off.port,
                        message: MidiMessage::NoteOff {
                            channel: off.channel,
                            key: off.key,
                        },
                    },
                },
            ));
        }
        batch.sort_by_key(|(seq, t)| (t.sample, t.rank(), *seq));
        for (_, t) in batch {
            if self.admit(&t) {
                out.push(t);
            }
        }
    }

    /// Counts held notes; a note-off goes out only for a key's last holder.
    fn admit(&mut self, t: &Timed) -> bool {
        let Item::Midi { port, message } = &t.item else {
            return true;
        };
        match *message {
            MidiMessage::NoteOn { channel, key, .. } => {
                *self.held.entry((port.clone(), channel, key)).or_insert(0) += 1;
                true
            }
            MidiMessage::NoteOff { channel, key } => {
                let k = (port.clone(), channel, key);
                match self.held.get_mut(&k) {
                    Some(n) if *n > 1 => {
                        *n -= 1;
                        false
                    }
                    Some(_) => {
                        self.held.remove(&k);
                        true
                    }
                    None => false,
                }
            }
            _ => true,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn midi_event(
        &mut self,
        track: &str,
        port: &str,
        channel: u8,
        ev: &ValueMap,
        whole: Span,
        tempo: &TempoMap,
        batch: &mut Vec<(u64, Timed)>,
    ) {
        let m = event_midi(ev, channel);
        let port: Arc<str> = port.into();
        let start = tempo.sample_at(whole.begin);
        for message in m.controls.iter().copied() {
            let seq = self.next_seq();
            batch.push((
                seq,
                Timed {
                    sample: start,
                    item: Item::Midi {
                        port: port.clone(),
                        message,
                    },
                },
            ));
        }
        let Some((key, velocity)) = m.note else {
            if m.controls.is_empty() {
                self.warn_once(
                    format!("nopitch:{track}"),
                    format!(
                        "track `{track}`: events without a pitch (note, freq, n or a drum name in s) send no MIDI note"
                    ),
                );
            }
            return;
        };
        let end = tempo.sample_at(whole.end);
        let off = if m.hold == 1.0 {
            end
        } else {
            start + ((end - start) as f64 * m.hold).round() as i64
        };
        if off <= start {
            return;
        }
        let seq = self.next_seq();
        batch.push((
            seq,
            Timed {
                sample: start,
                item: Item::Midi {
                    port: port.clone(),
                    message: MidiMessage::NoteOn {
                        channel: m.channel,
                        key,
                        velocity,
                    },
                },
            },
        ));
        let seq = self.next_seq();
        self.offs.push(Reverse(Off {
            sample: off,
            seq,
            port,
            channel: m.channel,
            key,
        }));
    }

    fn clock_pulses(
        &mut self,
        begin: Time,
        end: Time,
        tempo: &TempoMap,
        batch: &mut Vec<(u64, Timed)>,
    ) {
        if self.clock_ports.is_empty() {
            return;
        }
        let step = self.clock_step;
        let mut k = (begin / step).ceil();
        while k * step < end {
            let sample = tempo.sample_at(k * step);
            let ports = self.clock_ports.clone();
            for port in ports {
                if !self.clock_started {
                    let seq = self.next_seq();
                    batch.push((
                        seq,
                        Timed {
                            sample,
                            item: Item::Midi {
                                port: port.clone(),
                                message: MidiMessage::Start,
                            },
                        },
                    ));
                }
                let seq = self.next_seq();
                batch.push((
                    seq,
                    Timed {
                        sample,
                        item: Item::Midi {
                            port,
                            message: MidiMessage::Clock,
                        },
                    },
                ));
            }
            self.clock_started = true;
            k = k + Time::ONE;
        }
    }
}
