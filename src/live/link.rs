//! Following an Ableton Link session's tempo and phase (cargo feature
//! `link`) during `weft play --link`.

use engine::engine::Engine;
use engine::link::{catch_up_cps, LinkSession};
use lang::program::{Program, TempoChange};
use lang::Time;
use std::time::{Duration, Instant};

/// `weft play --link`: keeps weft's tempo and cycles on the session's.
///
/// Before each cycle boundary the engine has not yet scheduled, it asks
/// the session for its tempo and for its phase at the moment that boundary
/// will be heard; when either differs, the program is swapped at that
/// boundary with a tempo that makes the next cycle start on a bar (one
/// cycle slightly shorter or longer), then the session's tempo.
pub struct LinkFollower {
    session: LinkSession,
    /// Tempo of the last program loaded from the file, BPM.
    file_bpm: Option<f64>,
    /// No new correction before the engine has scheduled this cycle.
    settle_until: Time,
}

fn bpm_of(p: &Program) -> f64 {
    p.cps * 60.0 * p.beats_per_cycle
}

impl LinkFollower {
    /// Joins the session, giving peers up to a second to answer (so that
    /// weft takes a running session's tempo rather than imposing its own).
    pub fn join() -> LinkFollower {
        let session = LinkSession::join(120.0, 4.0);
        let start = Instant::now();
        while session.peers() == 0 && start.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("Link: joined, {} other peer(s)", session.peers());
        LinkFollower {
            session,
            file_bpm: None,
            settle_until: Time::ZERO,
        }
    }

    /// A program read from the file: its tempo is proposed to the session
    /// when it changed (or when weft is alone), else the session's is kept.
    pub fn loaded(&mut self, program: &mut Program) {
        let bpm = bpm_of(program);
        let propose = match self.file_bpm {
            None => self.session.peers() == 0,
            Some(before) => (before - bpm).abs() > 1e-9,
        };
        self.file_bpm = Some(bpm);
        if propose {
            self.session.set_tempo(bpm);
        }
        let session = self.session.tempo();
        program.cps = session / 60.0 / program.beats_per_cycle;
        program.tempo_changes.clear();
    }

    /// The program to swap in at the engine's next cycle to follow the
    /// session, if any. `now` is the engine clock's position (samples) and
    /// `latency` how long after its sample a moment is heard.
    pub fn correction(
        &mut self,
        engine: &Engine,
        current: &Program,
        now: f64,
        latency: i64,
    ) -> Option<Program> {
        let until = engine.scheduled_until();
        if until < self.settle_until {
            return None;
        }
        let at = until.ceil();
        let map = engine.tempo();
        let sr = map.sample_rate() as f64;
        let heard = (map.sample_at(at) + latency) as f64;
        let when = self.session.clock_micros() + ((heard - now) / sr * 1e6).round() as i64;
        let bpm = self.session.tempo();
        let beats = current.beats_per_cycle;
        let phase = self.session.phase_at(when);
        let session_cps = bpm / 60.0 / beats;
        let cps = catch_up_cps(bpm, beats, phase);
        let tempo_changed = (session_cps - map.cps_at(at)).abs() > 1e-9;
        if cps.is_none() && !tempo_changed {
            return None;
        }
        if tempo_changed && (bpm_of(current) - bpm).abs() > 0.01 {
            eprintln!("Link: {bpm:.2} BPM ({} peer(s))", self.session.peers());
        }
        if cps.is_some() {
            let off = phase - if phase >= beats / 2.0 { beats } else { 0.0 };
            eprintln!(
                "Link: aligning cycle {} with the session's bar (off by {:.1} ms)",
                at + Time::ONE,
                off * 60_000.0 / bpm
            );
        }
        let mut p = current.clone();
        p.cps = cps.unwrap_or(session_cps);
        p.tempo_changes = vec![TempoChange {
            at: at + Time::ONE,
            cps: session_cps,
        }];
        self.settle_until = at + Time::ONE;
        Some(p)
    }
}
