//! `weft link` (cargo feature `link`): join an Ableton Link session and
//! show its tempo and beat, to check a setup (and to test Link).

use engine::engine::Engine;
use engine::link::{catch_up_cps, LinkSession};
use lang::program::{Program, TempoChange};
use lang::Time;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Tempo proposed when starting a session alone, BPM.
    #[arg(long, default_value_t = 120.0)]
    bpm: f64,
    /// Beats per bar (Link's quantum).
    #[arg(long, default_value_t = 4.0)]
    quantum: f64,
    /// How long to stay in the session, seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Change the session's tempo to this BPM ...
    #[arg(long, requires = "at")]
    set_tempo: Option<f64>,
    /// ... this many seconds after joining.
    #[arg(long)]
    at: Option<f64>,
}

pub fn run(a: Args) -> u8 {
    let mut link = LinkSession::join(a.bpm, a.quantum);
    let start = Instant::now();
    let mut changed = false;
    let mut last_print = Instant::now() - Duration::from_secs(1);
    while start.elapsed().as_secs_f64() < a.seconds {
        if let (Some(bpm), Some(at)) = (a.set_tempo, a.at) {
            if !changed && start.elapsed().as_secs_f64() >= at {
                link.set_tempo(bpm);
                changed = true;
                println!("set tempo {bpm}");
            }
        }
        if last_print.elapsed() >= Duration::from_millis(500) {
            last_print = Instant::now();
            let now = link.clock_micros();
            println!(
                "peers {} tempo {:.4} beat {:.4} phase {:.4}",
                link.peers(),
                link.tempo(),
                link.beat_at(now),
                link.phase_at(now)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // The beat at the last whole seconds of Link's clock (the system's
    // monotonic clock): peers on one machine can compare them.
    let now = link.clock_micros();
    let last = now / 1_000_000 * 1_000_000;
    for k in 0..3 {
        let t = last - k * 1_000_000;
        println!("probe {t} {:.9}", link.beat_at(t));
    }
    println!("tempo {:.6}", link.tempo());
    0
}

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
