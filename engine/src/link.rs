//! Ableton Link (cargo feature `link`): join a session on the local
//! network, share its tempo and read its beat timeline.
//!
//! The Link library is GPL-2.0-or-later (through the rusty_link crate), so
//! this module is only built with `--features link`; the default build
//! stays permissively licensed.

use rusty_link::{AblLink, SessionState};

/// A Link session joined by this process.
pub struct LinkSession {
    link: AblLink,
    state: SessionState,
    /// Beats per bar, Link's "quantum" (weft: beats per cycle).
    quantum: f64,
}

impl LinkSession {
    /// Joins (or starts) a session, proposing `bpm` if alone.
    pub fn join(bpm: f64, quantum: f64) -> LinkSession {
        let link = AblLink::new(bpm);
        link.enable(true);
        LinkSession {
            link,
            state: SessionState::new(),
            quantum,
        }
    }

    /// Link's clock, microseconds (the system's monotonic clock).
    pub fn clock_micros(&self) -> i64 {
        self.link.clock_micros()
    }

    /// Other peers in the session.
    pub fn peers(&self) -> u64 {
        self.link.num_peers()
    }

    /// The session's tempo, BPM.
    pub fn tempo(&mut self) -> f64 {
        self.link.capture_app_session_state(&mut self.state);
        self.state.tempo()
    }

    /// Proposes a new tempo to every peer, from now on.
    pub fn set_tempo(&mut self, bpm: f64) {
        self.link.capture_app_session_state(&mut self.state);
        self.state.set_tempo(bpm, self.link.clock_micros());
        self.link.commit_app_session_state(&self.state);
    }

    /// The session's beat at `micros` on Link's clock.
    pub fn beat_at(&mut self, micros: i64) -> f64 {
        self.link.capture_app_session_state(&mut self.state);
        self.state.beat_at_time(micros, self.quantum)
    }

    /// The position in the bar (0 ≤ phase < quantum) at `micros`.
    pub fn phase_at(&mut self, micros: i64) -> f64 {
        self.link.capture_app_session_state(&mut self.state);
        self.state.phase_at_time(micros, self.quantum)
    }
}

impl Drop for LinkSession {
    fn drop(&mut self) {
        self.link.enable(false);
    }
}

/// Phase errors under this many seconds are left alone.
pub const PHASE_TOLERANCE: f64 = 0.002;
/// A correcting cycle lasts at most this fraction longer or shorter.
const MAX_STRETCH: f64 = 0.25;

/// The tempo (cycles per second) for one cycle so that the cycle after it
/// starts on a bar of the session, given the session's tempo (BPM), its
/// quantum (beats per bar, weft's beats per cycle) and its phase (0 ≤
/// phase < quantum, in beats) when the cycle starts. `None` when the phase
/// is already right (within [`PHASE_TOLERANCE`]). Large errors are caught up
/// over several cycles (each stretched or shortened by at most a quarter).
pub fn catch_up_cps(bpm: f64, quantum: f64, phase: f64) -> Option<f64> {
    let mut error = phase.rem_euclid(quantum);
    if error >= quantum / 2.0 {
        error -= quantum;
    }
    if (error * 60.0 / bpm).abs() < PHASE_TOLERANCE {
        return None;
    }
    // The bar began `error` beats before the cycle: shorten the cycle by
    // that much (or lengthen it when the bar is still to come).
    let beats =
        (quantum - error).clamp(quantum * (1.0 - MAX_STRETCH), quantum * (1.0 + MAX_STRETCH));
    Some(bpm / 60.0 / beats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_up_to_the_next_bar() {
        // In phase: nothing to do.
        assert_eq!(catch_up_cps(120.0, 4.0, 0.0), None);
        assert_eq!(catch_up_cps(120.0, 4.0, 3.9999), None);
        // The bar began half a beat ago: the cycle lasts 3.5 beats.
        let cps = catch_up_cps(120.0, 4.0, 0.5).unwrap();
        assert!((1.0 / cps - 3.5 * 0.5).abs() < 1e-12);
        // The bar comes in a beat: the cycle lasts 5 beats.
        let cps = catch_up_cps(120.0, 4.0, 3.0).unwrap();
        assert!((1.0 / cps - 5.0 * 0.5).abs() < 1e-12);
        // Two beats off: one cycle lengthened by a quarter, the rest later.
        let cps = catch_up_cps(120.0, 4.0, 2.0).unwrap();
        assert!((1.0 / cps - 5.0 * 0.5).abs() < 1e-12);
    }
}
