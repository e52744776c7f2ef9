//! Levels as meters show them: peak and RMS with a falling peak and a
//! clip indicator that stays lit for a while; the master's levels and its
//! scope come from the recorded frames the control loop already drains.

use std::time::{Duration, Instant};

/// What a meter shows (linear amplitudes, 1.0 = full scale).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Meter {
    pub peak: f32,
    pub rms: f32,
    /// A sample reached full scale recently.
    pub clip: bool,
}

/// How long a clip stays shown.
pub const CLIP_HOLD: Duration = Duration::from_secs(2);
/// How fast a shown peak falls, per second (as a factor: 12 dB a second).
const FALL_PER_SECOND: f32 = 0.25;

/// A meter's memory between readings.
#[derive(Clone, Debug, Default)]
pub struct MeterState {
    shown: Meter,
    clipped_at: Option<Instant>,
    last: Option<Instant>,
}

impl MeterState {
    /// Takes a new reading (`peak`, `rms` since the last one) at `now`.
    pub fn update(&mut self, peak: f32, rms: f32, now: Instant) -> Meter {
        let dt = self
            .last
            .map(|l| now.duration_since(l).as_secs_f32())
            .unwrap_or(0.0);
        self.last = Some(now);
        let fall = FALL_PER_SECOND.powf(dt);
        let peak = if peak.is_finite() { peak } else { 1.0 };
        if peak >= 1.0 {
            self.clipped_at = Some(now);
        }
        self.shown = Meter {
            peak: peak.max(self.shown.peak * fall),
            rms: if rms.is_finite() { rms } else { 0.0 },
            clip: self
                .clipped_at
                .is_some_and(|c| now.duration_since(c) < CLIP_HOLD),
        };
        self.shown
    }
}

/// The master's samples as they arrive: levels since the last reading,
/// and the latest samples for the scope.
#[derive(Clone, Debug)]
pub struct MasterTap {
    peak: f32,
    squares: f64,
    count: usize,
    scope: Vec<f32>,
    next: usize,
}

/// Samples the scope shows (mono).
pub const SCOPE_LEN: usize = 1024;
/// Samples the master's tap keeps (enough for a spectrum).
const KEPT: usize = super::spectrum::FFT_LEN;

impl Default for MasterTap {
    fn default() -> Self {
        MasterTap {
            peak: 0.0,
            squares: 0.0,
            count: 0,
            scope: vec![0.0; KEPT],
            next: 0,
        }
    }
}

impl MasterTap {
    /// One stereo frame.
    pub fn frame(&mut self, l: f32, r: f32) {
        self.peak = self.peak.max(l.abs()).max(r.abs());
        self.squares += (l * l + r * r) as f64;
        self.count += 2;
        self.scope[self.next] = 0.5 * (l + r);
        self.next = (self.next + 1) % KEPT;
    }

    /// Peak and RMS since the last call.
    pub fn take_level(&mut self) -> (f32, f32) {
        let rms = if self.count > 0 {
            (self.squares / self.count as f64).sqrt() as f32
        } else {
            0.0
        };
        let peak = self.peak;
        self.peak = 0.0;
        self.squares = 0.0;
        self.count = 0;
        (peak, rms)
    }

    /// The latest `n` samples (at most those kept), oldest first.
    pub fn latest(&self, n: usize) -> Vec<f32> {
        let n = n.min(KEPT);
        (KEPT - n..KEPT)
            .map(|i| self.scope[(self.next + i) % KEPT])
            .collect()
    }
}

/// dBFS of a linear level, floored at −60.
pub fn db(x: f32) -> f32 {
    if x <= 0.001 {
        -60.0
    } else {
        (20.0 * x.log10()).max(-60.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_is_held_then_released_and_the_peak_falls() {
        let t0 = Instant::now();
        let mut m = MeterState::default();
        assert!(m.update(1.2, 0.5, t0).clip);
        let later = m.update(0.1, 0.05, t0 + Duration::from_secs(1));
        assert!(later.clip);
        assert!(later.peak < 1.2 && later.peak > 0.1, "{later:?}");
        assert!(!m.update(0.1, 0.05, t0 + Duration::from_secs(3)).clip);
    }

    #[test]
    fn the_master_tap_measures_and_keeps_the_latest_samples() {
        let mut t = MasterTap::default();
        for i in 0..KEPT + 10 {
            let x = if i % 2 == 0 { 0.5 } else { -0.5 };
            t.frame(x, x);
        }
        let (peak, rms) = t.take_level();
        assert_eq!(peak, 0.5);
        assert!((rms - 0.5).abs() < 1e-6);
        assert_eq!(t.take_level(), (0.0, 0.0));
        assert_eq!(t.latest(SCOPE_LEN).len(), SCOPE_LEN);
        assert_eq!(t.latest(SCOPE_LEN)[SCOPE_LEN - 1], -0.5);
        assert_eq!(t.latest(SCOPE_LEN)[SCOPE_LEN - 2], 0.5);
        assert_eq!(t.latest(usize::MAX).len(), KEPT);
    }
}
