//! Clocks for the sender thread, counted in samples of the engine's clock.
//!
//! - [`AudioClock`] follows the audio output: the control thread reports the
//!   engine's position (frames rendered) as it reads it, and the clock
//!   interpolates between reports with the system's monotonic clock,
//!   correcting slowly towards the reported positions so that it neither
//!   drifts from the audio over long runs nor jumps with each callback.
//! - [`WallClock`] counts samples from its creation (no audio).
//! - [`SimulatedClock`] moves only when told to (tests, offline runs).

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A clock in samples.
pub trait SampleClock: Send + Sync {
    fn sample_rate(&self) -> u32;
    /// The current position, in samples (fractional).
    fn now(&self) -> f64;
    /// Waits until the clock reaches `target` or `max` has passed.
    fn wait_until(&self, target: f64, max: Duration);
    /// The wall-clock time of sample position `s` (for OSC timetags).
    fn system_time_at(&self, s: f64) -> SystemTime;
}

fn add_seconds(t: SystemTime, secs: f64) -> SystemTime {
    if secs >= 0.0 {
        t + Duration::from_secs_f64(secs)
    } else {
        t - Duration::from_secs_f64(-secs)
    }
}

fn sleep_towards(clock: &dyn SampleClock, target: f64, max: Duration) {
    let ahead = (target - clock.now()) / clock.sample_rate() as f64;
    if ahead > 0.0 {
        std::thread::sleep(Duration::from_secs_f64(ahead).min(max));
    }
}

/// Samples counted from the clock's creation.
pub struct WallClock {
    sample_rate: u32,
    start: Instant,
    start_system: SystemTime,
}

impl WallClock {
    pub fn new(sample_rate: u32) -> WallClock {
        WallClock {
            sample_rate,
            start: Instant::now(),
            start_system: SystemTime::now(),
        }
    }
}

impl SampleClock for WallClock {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.sample_rate as f64
    }
    fn wait_until(&self, target: f64, max: Duration) {
        sleep_towards(self, target, max)
    }
    fn system_time_at(&self, s: f64) -> SystemTime {
        add_seconds(self.start_system, s / self.sample_rate as f64)
    }
}

/// Fraction of the difference between a reported position and the
/// interpolated one that each report corrects.
const CORRECTION: f64 = 0.02;

struct Anchor {
    /// Interpolated position at `at`.
    position: f64,
    at: Instant,
    system: SystemTime,
    reported: bool,
}

/// Follows the engine's audio position (see the module documentation).
pub struct AudioClock {
    sample_rate: u32,
    /// Positions more than this far from the interpolation are taken as
    /// they are (start, underruns, a stalled device).
    resync: f64,
    anchor: Mutex<Anchor>,
}

impl AudioClock {
    /// A clock for an output of `sample_rate` with callbacks of `buffer` frames.
    pub fn new(sample_rate: u32, buffer: u32) -> AudioClock {
        AudioClock {
            sample_rate,
            resync: (4 * buffer.max(64)) as f64,
            anchor: Mutex::new(Anchor {
                position: 0.0,
                at: Instant::now(),
                system: SystemTime::now(),
                reported: false,
            }),
        }
    }

    /// Reports the engine's position (frames rendered), read just now.
    pub fn observe(&self, position: i64) {
        let now = Instant::now();
        let mut a = self.anchor.lock().unwrap_or_else(|e| e.into_inner());
        let predicted = a.position + (now - a.at).as_secs_f64() * self.sample_rate as f64;
        let error = position as f64 - predicted;
        a.position = if !a.reported || error.abs() > self.resync {
            position as f64
        } else {
            predicted + error * CORRECTION
        };
        a.at = now;
        a.system = SystemTime::now();
        a.reported = true;
    }
}

impl SampleClock for AudioClock {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
    fn now(&self) -> f64 {
        let a = self.anchor.lock().unwrap_or_else(|e| e.into_inner());
        a.position + a.at.elapsed().as_secs_f64() * self.sample_rate as f64
    }
    fn wait_until(&self, target: f64, max: Duration) {
        sleep_towards(self, target, max)
    }
    fn system_time_at(&self, s: f64) -> SystemTime {
        let a = self.anchor.lock().unwrap_or_else(|e| e.into_inner());
        add_seconds(a.system, (s - a.position) / self.sample_rate as f64)
    }
}

/// A clock that moves only by [`SimulatedClock::set`].
pub struct SimulatedClock {
    sample_rate: u32,
    /// The wall-clock time of sample 0.
    origin: SystemTime,
    now: Mutex<f64>,
    moved: Condvar,
}

impl SimulatedClock {
    pub fn new(sample_rate: u32, origin: SystemTime) -> SimulatedClock {
        SimulatedClock {
            sample_rate,
            origin,
            now: Mutex::new(0.0),
            moved: Condvar::new(),
        }
    }

    /// Moves the clock to `position` and wakes whoever waits on it.
    pub fn set(&self, position: f64) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = position;
        self.moved.notify_all();
    }
}

impl SampleClock for SimulatedClock {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
    fn now(&self) -> f64 {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn wait_until(&self, target: f64, max: Duration) {
        let guard = self.now.lock().unwrap_or_else(|e| e.into_inner());
        let _ = self
            .moved
            .wait_timeout_while(guard, max, |now| *now < target);
    }
    fn system_time_at(&self, s: f64) -> SystemTime {
        add_seconds(self.origin, s / self.sample_rate as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_clock_follows_reports_without_jumps() {
        let c = AudioClock::new(48000, 256);
        c.observe(1000);
        let a = c.now();
        assert!((1000.0..1000.0 + 48000.0).contains(&a));
        // A report far off resynchronises at once.
        c.observe(1_000_000);
        assert!((c.now() - 1_000_000.0).abs() < 48000.0);
    }

    #[test]
    fn simulated_clock_maps_to_wall_time() {
        let origin = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let c = SimulatedClock::new(48000, origin);
        c.set(24000.0);
        assert_eq!(c.now(), 24000.0);
        assert_eq!(c.system_time_at(96000.0), origin + Duration::from_secs(2));
    }
}
