//! Live statistics of the audio callback, shared with the control side
//! through atomics (no locks): voices sounding, callback load, underruns.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

/// Written by the audio thread, read by anyone.
#[derive(Default)]
pub struct Stats {
    voices: AtomicU32,
    /// Time spent in the callback per time of audio produced, in 1/1000.
    load_permille: AtomicU32,
    xruns: AtomicU64,
    /// Nanoseconds since `epoch` at the end of the last callback.
    last_end_ns: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StatsView {
    pub voices: u32,
    /// Callback time as a fraction of the audio it produced (1.0 = no headroom).
    pub load: f32,
    /// Callbacks that came late (the device ran out of audio).
    pub xruns: u64,
}

impl Stats {
    pub fn view(&self) -> StatsView {
        StatsView {
            voices: self.voices.load(Ordering::Relaxed),
            load: self.load_permille.load(Ordering::Relaxed) as f32 / 1000.0,
            xruns: self.xruns.load(Ordering::Relaxed),
        }
    }

    /// Called by the audio thread after each callback: `started` is when
    /// the callback began, `seconds` the duration of audio it produced.
    pub fn record(&self, epoch: Instant, started: Instant, seconds: f64, voices: usize) {
        let now = Instant::now();
        let spent = now.duration_since(started).as_secs_f64();
        if seconds > 0.0 {
            // Smoothed: 7/8 of the previous value plus 1/8 of this callback.
            let this = (spent / seconds * 1000.0).min(10_000.0) as u32;
            let old = self.load_permille.load(Ordering::Relaxed);
            self.load_permille
                .store((old * 7 + this) / 8, Ordering::Relaxed);
        }
        let end_ns = now.duration_since(epoch).as_nanos() as u64;
        let last = self.last_end_ns.swap(end_ns, Ordering::Relaxed);
        // A callback starting much later than the audio already delivered
        // lasts means the device starved.
        let start_ns = started.duration_since(epoch).as_nanos() as u64;
        if last > 0 && start_ns > last && (start_ns - last) as f64 > 2.5 * seconds * 1e9 + 2e6 {
            self.xruns.fetch_add(1, Ordering::Relaxed);
        }
        self.voices.store(voices as u32, Ordering::Relaxed);
    }
}
