//! How well the control loop keeps ahead of the audio (`--loop-stats`, for
//! measurements such as the dashboard's cost in `docs/performance.md`):
//! the time between two rounds of scheduling, the least time scheduled
//! ahead of the audio position, and the notes that started late.

use std::time::Instant;

/// Measurements of one session.
#[derive(Default)]
pub struct LoopTiming {
    last: Option<Instant>,
    /// Time between two pumps, microseconds.
    gaps: Vec<u32>,
    /// Least time scheduled ahead of the audio, seconds.
    min_ahead: Option<f64>,
    late_notes: u64,
}

impl LoopTiming {
    /// A round of scheduling has run; `ahead` is how far the engine has
    /// scheduled past the audio position now, in seconds.
    pub fn pumped(&mut self, ahead: f64) {
        let now = Instant::now();
        if let Some(l) = self.last {
            let us = now.duration_since(l).as_micros().min(u32::MAX as u128) as u32;
            self.gaps.push(us);
        }
        self.last = Some(now);
        self.min_ahead = Some(self.min_ahead.map_or(ahead, |m| m.min(ahead)));
    }

    pub fn late(&mut self, notes: u64) {
        self.late_notes += notes;
    }

    /// One line: the gaps' median, 99th percentile and maximum, the least
    /// time ahead, the late notes.
    pub fn report(&mut self) -> String {
        self.gaps.sort_unstable();
        let at = |q: f64| {
            let i = ((self.gaps.len() as f64 - 1.0) * q).round() as usize;
            self.gaps.get(i).copied().unwrap_or(0) as f64 / 1000.0
        };
        format!(
            "control loop: {} rounds, gap p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
             least scheduled ahead {:.1} ms; {} note(s) late",
            self.gaps.len() + 1,
            at(0.5),
            at(0.99),
            at(1.0),
            self.min_ahead.unwrap_or(0.0) * 1000.0,
            self.late_notes
        )
    }
}
