//! Additive waveforms for `partials` and `phases`: the harmonics of a
//! synth's waveform (sawtooth, square, triangle, or plain sines for
//! `user`) scaled by the event's magnitudes and rotated by its phases, as
//! Strudel's synths build their periodic waves, then made into a
//! band-limited wavetable normalised to a peak of 1.

use fundsp::wavetable::Wavetable;
use std::sync::Arc;

/// The harmonic series a list of partials scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Series {
    Sawtooth,
    Square,
    Triangle,
    /// Equal sines: the partials alone make the wave.
    User,
}

impl Series {
    /// The series of a synth by its name (`saw` is `sawtooth`); synths
    /// without one (`sine` keeps its single harmonic) are `None`.
    pub fn of_synth(name: &str) -> Option<Series> {
        match name {
            "sawtooth" | "saw" => Some(Series::Sawtooth),
            "square" => Some(Series::Square),
            "triangle" | "tri" => Some(Series::Triangle),
            "user" => Some(Series::User),
            _ => None,
        }
    }

    /// Cosine and sine coefficients of harmonic `n` (from 1).
    fn terms(self, n: usize) -> (f64, f64) {
        let nf = n as f64;
        match self {
            Series::Sawtooth => (0.0, -1.0 / nf),
            Series::Square => (0.0, if n.is_multiple_of(2) { 0.0 } else { 1.0 / nf }),
            Series::Triangle => (
                if n.is_multiple_of(2) {
                    0.0
                } else {
                    1.0 / (nf * nf)
                },
                0.0,
            ),
            Series::User => (0.0, 1.0),
        }
    }
}

/// Most harmonics a list may give.
pub const MAX_PARTIALS: usize = 1024;

/// The coefficients `(cos, sin)` of each harmonic, scaled and rotated as
/// Strudel does (its rotation uses the already rotated cosine term for the
/// sine term; kept, so the same lists sound the same).
pub fn coefficients(series: Series, magnitudes: &[f64], phases: &[f64]) -> Vec<(f64, f64)> {
    magnitudes
        .iter()
        .take(MAX_PARTIALS)
        .enumerate()
        .map(|(i, mag)| {
            let (r, s) = series.terms(i + 1);
            let (mut re, mut im) = (r * mag, s * mag);
            let phase = phases.get(i).copied().unwrap_or(0.0);
            if phase != 0.0 {
                let (sn, c) = (std::f64::consts::TAU * phase).sin_cos();
                re = c * re - sn * im;
                im = sn * re + c * im;
            }
            (re, im)
        })
        .collect()
}

/// A band-limited wavetable of the waveform for base frequencies in
/// `[min_pitch, max_pitch]` Hz (one table per half octave).
pub fn wavetable(
    series: Series,
    magnitudes: &[f64],
    phases: &[f64],
    min_pitch: f64,
    max_pitch: f64,
) -> Arc<Wavetable> {
    let coefs = coefficients(series, magnitudes, phases);
    // re·cos + im·sin = A·sin(θ + φ) with A = |(re, im)|, φ = atan2(re, im).
    let amp = |_: f64, i: u32| {
        coefs
            .get(i as usize - 1)
            .map(|(re, im)| re.hypot(*im))
            .filter(|a| a.is_finite())
            .unwrap_or(0.0)
    };
    let phase = |i: u32| {
        coefs
            .get(i as usize - 1)
            .map(|(re, im)| re.atan2(*im) / std::f64::consts::TAU)
            .filter(|p| p.is_finite())
            .unwrap_or(0.0)
    };
    // At least two tables: the reader steps between neighbours.
    let lo = min_pitch.clamp(10.0, 10_000.0);
    let hi = max_pitch.clamp(lo * 2.0, 20_000.0);
    Arc::new(Wavetable::new(lo, hi, 2.0, &phase, &amp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_follow_the_series_and_rotate() {
        let c = coefficients(Series::Sawtooth, &[1.0, 0.5], &[]);
        assert_eq!(c, vec![(0.0, -1.0), (0.0, -0.25)]);
        let c = coefficients(Series::Triangle, &[1.0, 1.0, 1.0], &[]);
        assert_eq!(c[1], (0.0, 0.0));
        assert!((c[2].0 - 1.0 / 9.0).abs() < 1e-12);
        // Half a turn flips the sine term of a user partial.
        let c = coefficients(Series::User, &[1.0], &[0.5]);
        assert!((c[0].1 + 1.0).abs() < 1e-9, "{c:?}");
        assert_eq!(Series::of_synth("sine"), None);
    }

    #[test]
    fn table_has_the_partials_and_a_unit_peak() {
        // Fundamental and third harmonic only.
        let t = wavetable(Series::User, &[1.0, 0.0, 1.0], &[], 100.0, 200.0);
        let n = 1024;
        let wave: Vec<f32> = (0..n).map(|i| t.at(0, i as f32 / n as f32)).collect();
        let peak = wave.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!((peak - 1.0).abs() < 0.01, "{peak}");
        let bin = |k: f64| {
            let (mut re, mut im) = (0.0, 0.0);
            for (i, x) in wave.iter().enumerate() {
                let a = std::f64::consts::TAU * k * i as f64 / n as f64;
                re += *x as f64 * a.cos();
                im += *x as f64 * a.sin();
            }
            re.hypot(im) / n as f64
        };
        assert!(
            bin(1.0) > 0.2 && bin(3.0) > 0.2,
            "{} {}",
            bin(1.0),
            bin(3.0)
        );
        assert!(
            bin(2.0) < 0.01 && bin(4.0) < 0.01,
            "{} {}",
            bin(2.0),
            bin(4.0)
        );
    }
}
