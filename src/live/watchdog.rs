//! Notices an output that stopped asking for audio.
//!
//! Some drivers never wake a playback stream again after an underrun on a
//! loaded machine, and a device can hang without reporting an error. The
//! audio position then stands still while the wall clock runs; after a
//! patience of several buffers the live loop restarts the stream (see
//! `engine::device::Playing::restart`) instead of going silent for good.

use std::time::{Duration, Instant};

/// The audio position as the live loop last saw it move.
pub struct Watchdog {
    position: i64,
    since: Instant,
    patience: Duration,
    /// Restarts so far (for the summary).
    pub restarts: u32,
}

/// The least time without progress that counts as a stall.
const LEAST_PATIENCE: Duration = Duration::from_millis(500);

impl Watchdog {
    /// A watchdog for a stream of `buffer`-frame callbacks at `sample_rate`:
    /// patient for eight buffers, and never less than half a second.
    pub fn new(buffer: u32, sample_rate: u32, now: Instant) -> Watchdog {
        let buffers = Duration::from_secs_f64(8.0 * buffer as f64 / sample_rate.max(1) as f64);
        Watchdog {
            position: i64::MIN,
            since: now,
            patience: buffers.max(LEAST_PATIENCE),
            restarts: 0,
        }
    }

    /// Whether the output has stalled: `position` has not moved for the
    /// patience. A stall is reported once; the wait starts again after it.
    pub fn stalled(&mut self, position: i64, now: Instant) -> bool {
        if position != self.position {
            self.position = position;
            self.since = now;
            return false;
        }
        // A stream still starting (position 0) gets longer: opening a
        // device on a loaded machine can take a while.
        let patience = if position <= 0 {
            self.patience * 4
        } else {
            self.patience
        };
        if now.duration_since(self.since) < patience {
            return false;
        }
        self.since = now;
        self.restarts += 1;
        true
    }

    /// How long the output must stand still to count as stalled.
    pub fn patience(&self) -> Duration {
        self.patience
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_that_stands_still_for_the_patience_is_a_stall_reported_once() {
        let t0 = Instant::now();
        let mut w = Watchdog::new(256, 48000, t0);
        assert_eq!(w.patience(), LEAST_PATIENCE);
        let ms = |m| t0 + Duration::from_millis(m);
        assert!(!w.stalled(0, ms(0)));
        // Starting (position 0): four times as patient.
        assert!(!w.stalled(0, ms(1500)));
        assert!(!w.stalled(256, ms(1505)));
        assert!(!w.stalled(256, ms(1900)));
        assert!(w.stalled(256, ms(2006)));
        // Reported once, then patient again.
        assert!(!w.stalled(256, ms(2100)));
        assert!(w.stalled(256, ms(2510)));
        assert_eq!(w.restarts, 2);
        // Moving again: no stall.
        assert!(!w.stalled(512, ms(3000)));
        assert!(!w.stalled(768, ms(3600)));
    }

    #[test]
    fn a_stream_that_never_starts_is_a_stall_after_four_patiences() {
        let t0 = Instant::now();
        let mut w = Watchdog::new(256, 48000, t0);
        assert!(!w.stalled(0, t0));
        assert!(w.stalled(0, t0 + Duration::from_millis(2001)));
    }

    #[test]
    fn large_buffers_make_the_watchdog_more_patient() {
        let w = Watchdog::new(8192, 48000, Instant::now());
        assert!(
            w.patience() > Duration::from_millis(1300),
            "{:?}",
            w.patience()
        );
    }
}
