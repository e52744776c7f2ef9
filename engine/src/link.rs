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
