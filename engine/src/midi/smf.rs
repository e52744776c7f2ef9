//! Standard MIDI File export (`weft export`): one MIDI track per weft track
//! with its name, a tempo track with every tempo change and a marker at
//! the start of each section of a song, notes with their velocities,
//! control and program changes and pitch bends.
//!
//! Time is exact: the file's resolution (ticks per quarter note) is chosen
//! so that every event time of the export, in cycles, is a whole number of
//! ticks (triplets, quintuplets, euclidean rhythms included). Only when no
//! resolution up to the format's limit (32767) fits are times rounded, to
//! 960 ticks per quarter note, and [`Export::exact`] says so.

use super::events::{event_midi, is_drum, EventMidi};
use super::message::MidiMessage;
use crate::tempo::unrolled_changes;
use lang::pattern::{query_within, Budget, State};
use lang::program::{Output, Program, TempoChange};
use lang::value::ValueMap;
use lang::{Span, Time, Value};
use midly::num::{u14, u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::collections::HashMap;

/// Query work allowed per track and cycle.
/// Least resolution of an exported file, ticks per quarter note.
const MIN_PPQ: i128 = 96;
/// Resolution when no exact one fits.
const FALLBACK_PPQ: i128 = 960;

/// One note of an export, in ticks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub on: u64,
    pub off: u64,
    pub channel: u8,
    pub key: u8,
    pub velocity: u8,
}

/// A weft track as exported.
#[derive(Clone, Debug)]
pub struct ExportTrack {
    pub name: String,
    /// Every message with its tick, in file order.
    pub messages: Vec<(u64, MidiMessage)>,
}

/// A Standard MIDI File made from a program.
#[derive(Clone, Debug)]
pub struct Export {
    pub bytes: Vec<u8>,
    /// Ticks per quarter note.
    pub ppq: u16,
    /// Ticks per cycle (`ppq` × beats per cycle), when whole.
    pub ticks_per_cycle: Time,
    /// Whether every time is exact (see the module documentation).
    pub exact: bool,
    pub tracks: Vec<ExportTrack>,
    /// Tempo changes written: tick and microseconds per quarter note.
    pub tempos: Vec<(u64, u32)>,
    /// Markers written (the starts of the song's sections): tick and name.
    pub markers: Vec<(u64, String)>,
    pub warnings: Vec<String>,
    /// Tracks too dense to query (see [`lang::pattern::query_within`]):
    /// the export is not faithful and should not be written.
    pub errors: Vec<String>,
}

/// One event of a track, in cycles.
struct Ev {
    begin: Time,
    end: Time,
    hold: Option<Time>,
    midi: EventMidi,
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

/// The least ticks per quarter (≥ 96) that makes every time in `times`
/// a whole number of ticks, with `beats` quarter notes per cycle.
fn exact_ppq(times: &[Time], beats: Time) -> Option<i128> {
    let mut l: i128 = 1;
    for t in times {
        let d = t.denom() as i128;
        l = l / gcd(l, d) * d;
        if l > 1 << 40 {
            return None;
        }
    }
    // ppq · beats must be a multiple of l: ppq · p ≡ 0 (mod l · q).
    let (p, q) = (beats.numer() as i128, beats.denom() as i128);
    let lq = l * q;
    let base = lq / gcd(lq, p);
    let ppq = base * ((MIN_PPQ + base - 1) / base);
    (ppq <= 32767).then_some(ppq)
}

fn to_7(x: u8) -> u7 {
    u7::new(x.min(127))
}

fn track_event(delta: u64, channel: u8, m: MidiMessage) -> Option<TrackEvent<'static>> {
    use midly::MidiMessage as M;
    let message = match m {
        MidiMessage::NoteOn { key, velocity, .. } => M::NoteOn {
            key: to_7(key),
            vel: to_7(velocity),
        },
        MidiMessage::NoteOff { key, .. } => M::NoteOff {
            key: to_7(key),
            vel: u7::new(0),
        },
        MidiMessage::ControlChange {
            controller, value, ..
        } => M::Controller {
            controller: to_7(controller),
            value: to_7(value),
        },
        MidiMessage::ProgramChange { program, .. } => M::ProgramChange {
            program: to_7(program),
        },
        MidiMessage::PitchBend { value, .. } => M::PitchBend {
            bend: midly::PitchBend(u14::new(value.min(16383))),
        },
        _ => return None,
    };
    Some(TrackEvent {
        delta: u28::new(delta as u32),
        kind: TrackEventKind::Midi {
            channel: u4::new(channel.clamp(1, 16) - 1),
            message,
        },
    })
}

/// Exports `length` cycles of `program` (its audible tracks, whatever
/// their output).
pub fn export(program: &Program, length: Time) -> Export {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let beats = Time::from_f64(program.beats_per_cycle)
        .filter(|b| *b > Time::ZERO)
        .unwrap_or(Time::int(4));
    let changes: Vec<TempoChange> =
        unrolled_changes(program.cps, &program.tempo_changes, program.song_length)
            .into_iter()
            .filter(|c| c.at < length)
            .collect();

    // Events of every audible track, with channels.
    let mut next_channel = 1u8;
    let mut tracks: Vec<(String, Vec<Ev>)> = Vec::new();
    for t in program.audible() {
        let channel = match &t.output {
            Output::Midi { channel, .. } => *channel,
            _ => {
                let c = next_channel;
                next_channel = if c >= 16 { 1 } else { c + 1 };
                if next_channel == 10 {
                    next_channel = 11;
                }
                c
            }
        };
        let drums_to_10 = !matches!(t.output, Output::Midi { .. });
        let mut evs = Vec::new();
        let mut c = Time::ZERO;
        while c < length {
            let end = (c + Time::ONE).min(length);
            let state = State::new(Span::new(c, end));
            let queried = query_within(&t.pattern, &state, Budget::for_span(&state.span));
            for e in queried.errors.into_iter().chain(queried.warnings) {
                let w = format!("track `{}`: {e}", t.name);
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            let haps = match queried.haps {
                Ok(haps) => haps,
                Err(e) => {
                    errors.push(t.too_dense_message(&e));
                    break;
                }
            };
            for h in haps {
                if !h.has_onset() {
                    continue;
                }
                let Some(whole) = h.whole else { continue };
                let ev = match &h.value {
                    Value::Map(m) => (**m).clone(),
                    Value::Num(n) => ValueMap(vec![("note".into(), Value::Num(*n))]),
                    Value::Str(s) => ValueMap(vec![("s".into(), Value::Str(s.clone()))]),
                    _ => continue,
                };
                let ch = if drums_to_10 && is_drum(&ev) {
                    10
                } else {
                    channel
                };
                let midi = event_midi(&ev, ch);
                let hold =
                    (midi.hold != 1.0).then(|| Time::from_f64(midi.hold).unwrap_or(Time::ONE));
                evs.push(Ev {
                    begin: whole.begin,
                    end: whole.end,
                    hold,
                    midi,
                });
            }
            c = end;
        }
        evs.sort_by_key(|e| e.begin);
        tracks.push((t.name.clone(), evs));
    }

    let sections = crate::markers::section_starts(program, length);

    // Resolution.
    let mut times: Vec<Time> = changes.iter().map(|c| c.at).collect();
    times.extend(sections.iter().map(|(at, _)| *at));
    for (_, evs) in &tracks {
        for e in evs {
            times.push(e.begin);
            times.push(match e.hold {
                Some(h) => e.begin + (e.end - e.begin) * h,
                None => e.end,
            });
        }
    }
    let (ppq, exact) = match exact_ppq(&times, beats) {
        Some(p) => (p, true),
        None => {
            warnings.push(format!(
                "some event times are not a whole number of ticks at any resolution a MIDI file allows; they are rounded to 1/{FALLBACK_PPQ} of a beat"
            ));
            (FALLBACK_PPQ, false)
        }
    };
    let tpc = Time::int(ppq as i64) * beats;
    let tick = |t: Time| -> u64 {
        let x = t * tpc;
        if x.denom() == 1 {
            x.numer().max(0) as u64
        } else {
            x.to_f64().round().max(0.0) as u64
        }
    };

    // Tempo track.
    let mut tempos = vec![(0u64, us_per_quarter(program.cps, beats))];
    for c in &changes {
        let entry = (tick(c.at), us_per_quarter(c.cps, beats));
        if entry.0 == 0 {
            tempos[0] = entry;
        } else {
            tempos.push(entry);
        }
    }
    let mut conductor: Vec<TrackEvent> = vec![TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::TrackName(b"weft")),
    }];
    if beats.denom() == 1 && (1..=255).contains(&beats.numer()) {
        conductor.push(TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::TimeSignature(beats.numer() as u8, 2, 24, 8)),
        });
    }
    let markers: Vec<(u64, String)> = sections
        .iter()
        .map(|(at, name)| (tick(*at), name.clone()))
        .collect();
    // Tempos before markers at the same tick (a stable sort keeps that order).
    let mut meta: Vec<(u64, MetaMessage)> = tempos
        .iter()
        .map(|&(t, us)| (t, MetaMessage::Tempo(u24::new(us))))
        .chain(
            markers
                .iter()
                .map(|(t, name)| (*t, MetaMessage::Marker(name.as_bytes()))),
        )
        .collect();
    meta.sort_by_key(|(t, _)| *t);
    let mut last = 0;
    for (t, m) in meta {
        conductor.push(TrackEvent {
            delta: u28::new((t - last) as u32),
            kind: TrackEventKind::Meta(m),
        });
        last = t;
    }
    conductor.push(TrackEvent {
        delta: u28::new((tick(length).max(last) - last) as u32),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });

    // Note and control tracks.
    let mut exported = Vec::new();
    for (name, evs) in &tracks {
        let mut msgs: Vec<(u64, u8, usize, MidiMessage)> = Vec::new();
        for e in evs {
            let on = tick(e.begin);
            for m in &e.midi.controls {
                msgs.push((on, m.rank(), msgs.len(), *m));
            }
            if let Some((key, velocity)) = e.midi.note {
                let off = tick(match e.hold {
                    Some(h) => e.begin + (e.end - e.begin) * h,
                    None => e.end,
                });
                if off > on {
                    let channel = e.midi.channel;
                    let m = MidiMessage::NoteOn {
                        channel,
                        key,
                        velocity,
                    };
                    msgs.push((on, m.rank(), msgs.len(), m));
                    let m = MidiMessage::NoteOff { channel, key };
                    msgs.push((off, m.rank(), msgs.len(), m));
                }
            }
        }
        msgs.sort_by_key(|&(t, rank, i, _)| (t, rank, i));
        let mut held: HashMap<(u8, u8), u32> = HashMap::new();
        let mut kept = Vec::new();
        for (t, _, _, m) in msgs {
            match m {
                MidiMessage::NoteOn { channel, key, .. } => {
                    *held.entry((channel, key)).or_insert(0) += 1;
                }
                MidiMessage::NoteOff { channel, key } => {
                    let n = held.entry((channel, key)).or_insert(1);
                    *n -= 1;
                    if *n > 0 {
                        continue;
                    }
                    held.remove(&(channel, key));
                }
                _ => {}
            }
            kept.push((t, m));
        }
        exported.push(ExportTrack {
            name: name.clone(),
            messages: kept,
        });
    }

    let header = Header::new(Format::Parallel, Timing::Metrical(u15::new(ppq as u16)));
    let mut smf = Smf::new(header);
    smf.tracks.push(conductor);
    for t in &exported {
        let mut events = vec![TrackEvent {
            delta: u28::new(0),
            kind: TrackEventKind::Meta(MetaMessage::TrackName(t.name.as_bytes())),
        }];
        let mut last = 0;
        for &(at, m) in &t.messages {
            let channel = m.channel().unwrap_or(1);
            if let Some(ev) = track_event(at - last, channel, m) {
                events.push(ev);
                last = at;
            }
        }
        events.push(TrackEvent {
            delta: u28::new((tick(length).max(last) - last) as u32),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        });
        smf.tracks.push(events);
    }
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes)
        .expect("writing to memory does not fail");
    Export {
        bytes,
        ppq: ppq as u16,
        ticks_per_cycle: tpc,
        exact,
        tracks: exported,
        tempos,
        markers,
        warnings,
        errors,
    }
}

/// Microseconds per quarter note at `cps` cycles per second.
fn us_per_quarter(cps: f64, beats: Time) -> u32 {
    let cps = if cps.is_finite() && cps > 0.0 {
        cps
    } else {
        0.5
    };
    (1e6 / (cps * beats.to_f64()))
        .round()
        .clamp(1.0, 16_777_215.0) as u32
}

/// The notes of an export's track, paired (for tests and tools).
pub fn notes(track: &ExportTrack) -> Vec<Note> {
    let mut open: HashMap<(u8, u8), Vec<(u64, u8)>> = HashMap::new();
    let mut out = Vec::new();
    for &(t, m) in &track.messages {
        match m {
            MidiMessage::NoteOn {
                channel,
                key,
                velocity,
            } => open.entry((channel, key)).or_default().push((t, velocity)),
            MidiMessage::NoteOff { channel, key } => {
                for (on, velocity) in open.remove(&(channel, key)).unwrap_or_default() {
                    out.push(Note {
                        on,
                        off: t,
                        channel,
                        key,
                        velocity,
                    });
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_fits_every_time() {
        let times = [Time::new(1, 3), Time::new(2, 5), Time::new(7, 8)];
        let ppq = exact_ppq(&times, Time::int(4)).unwrap();
        for t in times {
            assert_eq!((t * Time::int(ppq as i64) * Time::int(4)).denom(), 1);
        }
        assert!(ppq >= MIN_PPQ);
        assert_eq!(exact_ppq(&[Time::new(1, 4)], Time::int(4)), Some(96));
        assert_eq!(exact_ppq(&[Time::new(1, 65537)], Time::int(4)), None);
    }
}
