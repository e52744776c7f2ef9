//! `weft link` (cargo feature `link`): join an Ableton Link session and
//! show its tempo and beat, to check a setup (and to test Link). The
//! follower `weft play --link` uses is `crate::live::link`.

use engine::link::LinkSession;
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
