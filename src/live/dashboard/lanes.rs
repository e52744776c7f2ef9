//! A track's lane: its events over a few cycles around now, sorted into
//! rows (drum sounds by name, notes by pitch).

use lang::hap::Hap;
use lang::{Time, Value};
use pictures::roll::{row_of, Row};
use std::collections::HashSet;

/// The events of a track over `from..to` (cycles), in rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lane {
    /// Row labels, top first (high notes on top, then sounds).
    pub rows: Vec<String>,
    pub notes: Vec<LaneNote>,
}

/// One event in a lane.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneNote {
    pub row: usize,
    /// Start and end, in cycles.
    pub begin: f64,
    pub end: f64,
}

impl Lane {
    /// Sorts events into rows. `pitched` are the sounds with a pitch
    /// (their `n` is a note).
    pub fn from_haps(haps: &[Hap<Value>], pitched: &HashSet<String>) -> Lane {
        let mut found: Vec<(Row, f64, f64)> = Vec::new();
        for h in haps {
            let Some(whole) = h.whole else { continue };
            let Some(map) = h.value.as_map() else {
                continue;
            };
            if let Some(row) = row_of(map, pitched) {
                found.push((row, whole.begin.to_f64(), whole.end.to_f64()));
            }
        }
        let mut pitches: Vec<i64> = found
            .iter()
            .filter_map(|(r, _, _)| match r {
                Row::Pitch(m) => Some(m.round() as i64),
                Row::Sound(_) => None,
            })
            .collect();
        pitches.sort_unstable_by(|a, b| b.cmp(a));
        pitches.dedup();
        let mut sounds: Vec<String> = Vec::new();
        for (r, _, _) in &found {
            if let Row::Sound(s) = r {
                if !sounds.contains(s) {
                    sounds.push(s.clone());
                }
            }
        }
        let mut rows: Vec<String> = pitches.iter().map(|m| pitch_label(*m)).collect();
        rows.extend(sounds.iter().cloned());
        let notes = found
            .into_iter()
            .map(|(r, begin, end)| {
                let row = match r {
                    Row::Pitch(m) => pitches
                        .iter()
                        .position(|p| *p == m.round() as i64)
                        .unwrap_or(0),
                    Row::Sound(s) => {
                        pitches.len() + sounds.iter().position(|x| *x == s).unwrap_or(0)
                    }
                };
                LaneNote { row, begin, end }
            })
            .collect();
        Lane { rows, notes }
    }
}

/// "c4", "f#3": a MIDI note's name.
fn pitch_label(midi: i64) -> String {
    lang::tonal::notes::midi_to_note_name(midi as f64, true)
        .map(|n| n.to_lowercase())
        .unwrap_or_else(|| midi.to_string())
}

/// The cycles a lane shows around `now`: two before, two after.
pub fn window(now: f64) -> (f64, f64) {
    (now - 2.0, now + 2.0)
}

/// The span to query so that the window stays covered until the next
/// whole cycle: from two cycles before `now`'s cycle to three after.
pub fn query_span(now: f64) -> (Time, Time) {
    let c = now.floor() as i64;
    (Time::int(c - 2), Time::int(c + 3))
}
