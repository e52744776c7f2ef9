//! Live statistics of the audio callback, shared with the control side
//! through atomics (no locks): voices sounding, callback load, underruns,
//! each track's level (for meters) and the scope of one track.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

/// Written by the audio thread, read by anyone.
#[derive(Default)]
pub struct Stats {
    voices: AtomicU32,
    /// Time spent in the callback per time of audio produced, in 1/1000.
    load_permille: AtomicU32,
    /// Callbacks that started late (see [`Stats::record`]).
    xruns: AtomicU64,
    /// Underruns the device reported itself.
    device_xruns: AtomicU64,
    /// Nanoseconds since `epoch` at the end of the last callback.
    last_end_ns: AtomicU64,
    /// One meter per mixer strip slot (fixed when the engine is built).
    tracks: Box<[TrackMeter]>,
    /// The samples of the one strip the control side watches.
    scope: crate::scope_tap::ScopeTap,
}

/// A track's level since the control side last looked: the peak, and the
/// sum of squares over a number of frames, as `f32` bits. Only the audio
/// thread adds; the control side takes (swaps to zero), so a reading
/// racing a callback may lose that callback's share, which a meter can
/// afford.
#[derive(Default)]
struct TrackMeter {
    peak: AtomicU32,
    sum_squares: AtomicU32,
    frames: AtomicU32,
}

/// A track's level over the time since it was last taken.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Level {
    /// Highest absolute sample value (either channel).
    pub peak: f32,
    /// Root mean square over both channels.
    pub rms: f32,
}

/// A snapshot of [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StatsView {
    pub voices: u32,
    /// Callback time as a fraction of the audio it produced (1.0 = no headroom).
    pub load: f32,
    /// Underruns: the larger of the device's own count (where its host
    /// reports them) and the callbacks that came late (the device ran out
    /// of audio) — one underrun is often seen both ways.
    pub xruns: u64,
}

impl Stats {
    /// Statistics with a meter for each of `tracks` strip slots.
    pub fn with_tracks(tracks: usize) -> Stats {
        Stats {
            tracks: (0..tracks).map(|_| TrackMeter::default()).collect(),
            ..Stats::default()
        }
    }

    /// Adds a strip's output of one chunk (audio thread; no allocation):
    /// its peak and sum of squares over `frames` stereo frames.
    pub fn meter(&self, slot: usize, peak: f32, sum_squares: f32, frames: usize) {
        let Some(m) = self.tracks.get(slot) else {
            return;
        };
        // Non-negative floats order like their bits.
        m.peak.fetch_max(peak.max(0.0).to_bits(), Ordering::Relaxed);
        let sum = f32::from_bits(m.sum_squares.load(Ordering::Relaxed)) + sum_squares;
        m.sum_squares.store(sum.to_bits(), Ordering::Relaxed);
        m.frames.fetch_add(frames as u32, Ordering::Relaxed);
    }

    /// Takes the level of strip `slot` since the last call (control side).
    pub fn take_level(&self, slot: usize) -> Level {
        let Some(m) = self.tracks.get(slot) else {
            return Level::default();
        };
        let peak = f32::from_bits(m.peak.swap(0, Ordering::Relaxed));
        let sum = f32::from_bits(m.sum_squares.swap(0, Ordering::Relaxed));
        let frames = m.frames.swap(0, Ordering::Relaxed);
        let rms = if frames > 0 {
            (sum / (2 * frames) as f32).sqrt()
        } else {
            0.0
        };
        Level { peak, rms }
    }

    /// Counts an underrun the device reported (from its error callback,
    /// which runs on the audio thread: an atomic add, nothing printed).
    pub fn device_xrun(&self) {
        self.device_xruns.fetch_add(1, Ordering::Relaxed);
    }

    /// The tap of one strip's samples (for a track's scope).
    pub fn scope(&self) -> &crate::scope_tap::ScopeTap {
        &self.scope
    }

    pub fn view(&self) -> StatsView {
        StatsView {
            voices: self.voices.load(Ordering::Relaxed),
            load: self.load_permille.load(Ordering::Relaxed) as f32 / 1000.0,
            xruns: self
                .xruns
                .load(Ordering::Relaxed)
                .max(self.device_xruns.load(Ordering::Relaxed)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meter_keeps_the_peak_and_the_rms_until_taken() {
        let s = Stats::with_tracks(2);
        s.meter(1, 0.5, 2.0 * 4.0 * 0.25, 4);
        s.meter(1, 0.25, 0.0, 4);
        let l = s.take_level(1);
        assert_eq!(l.peak, 0.5);
        assert!((l.rms - (2.0f32 / 16.0).sqrt()).abs() < 1e-6, "{l:?}");
        assert_eq!(s.take_level(1), Level::default());
        assert_eq!(s.take_level(0), Level::default());
        // Slots the engine does not have are ignored.
        s.meter(7, 1.0, 1.0, 1);
        assert_eq!(s.take_level(7), Level::default());
    }

    /// Underruns the device reports and late callbacks are two views of
    /// the same events: the status shows the larger count, not the sum.
    #[test]
    fn underruns_count_the_larger_of_the_devices_and_the_late_callbacks() {
        let s = Stats::default();
        let epoch = Instant::now();
        let ms = |n: u64| epoch + std::time::Duration::from_millis(n);
        // 2.7 ms callbacks: on time, then one starting 20 ms late.
        s.record(epoch, ms(0), 0.0027, 1);
        s.record(epoch, ms(3), 0.0027, 1);
        assert_eq!(s.view().xruns, 0);
        s.device_xrun();
        assert_eq!(s.view().xruns, 1);
        std::thread::sleep(std::time::Duration::from_millis(30));
        let late = Instant::now();
        s.record(epoch, late, 0.0027, 1);
        assert_eq!(s.view().xruns, 1, "the same underrun, seen both ways");
        s.device_xrun();
        s.device_xrun();
        assert_eq!(s.view().xruns, 3);
    }
}
