//! The spectrum of the scope's samples (control side): a Hann-windowed
//! real FFT (realfft), levels in dBFS per bin, and where frequencies fall
//! on the view's logarithmic axis.

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// Samples one spectrum is taken over (at 48 kHz: 85 ms, 11.7 Hz a bin).
pub const FFT_LEN: usize = 4096;
/// The frequency axis: 20 Hz to 20 kHz, logarithmic.
pub const LOW_HZ: f32 = 20.0;
pub const HIGH_HZ: f32 = 20_000.0;
/// The level axis: −90 dBFS to 0.
pub const FLOOR_DB: f32 = -90.0;

/// Levels by frequency, as the view draws them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spectrum {
    /// dBFS of a sine at each bin's frequency (bin `k` is at
    /// `k * sample_rate / (2 * (db.len() - 1))`).
    pub db: Vec<f32>,
    pub sample_rate: f32,
}

impl Spectrum {
    /// The frequency of bin `k`.
    pub fn bin_hz(&self, k: usize) -> f32 {
        k as f32 * self.sample_rate / (2 * self.db.len().saturating_sub(1)).max(1) as f32
    }

    /// The loudest level in `lo..hi` Hz: the largest bin inside, or the
    /// bin nearest when the range falls between two.
    pub fn level(&self, lo: f32, hi: f32) -> f32 {
        if self.db.len() < 2 || self.sample_rate <= 0.0 {
            return FLOOR_DB;
        }
        let per_bin = self.bin_hz(1);
        let a = (lo / per_bin).ceil().max(0.0) as usize;
        let b = (hi / per_bin).ceil() as usize;
        let inside = self.db.get(a..b.min(self.db.len())).unwrap_or(&[]);
        if let Some(m) = inside.iter().copied().reduce(f32::max) {
            return m;
        }
        let nearest = ((lo + hi) * 0.5 / per_bin).round() as usize;
        self.db.get(nearest).copied().unwrap_or(FLOOR_DB)
    }
}

/// The frequencies column `c` of `width` covers on the log axis.
pub fn column_hz(c: usize, width: usize) -> (f32, f32) {
    let ratio = HIGH_HZ / LOW_HZ;
    let at = |x: f32| LOW_HZ * ratio.powf(x / width.max(1) as f32);
    (at(c as f32), at(c as f32 + 1.0))
}

/// An FFT plan with its window and buffers, made once.
pub struct Analyzer {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    output: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

impl Default for Analyzer {
    fn default() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_LEN);
        let window = (0..FFT_LEN)
            .map(|i| {
                let x = std::f32::consts::TAU * i as f32 / FFT_LEN as f32;
                0.5 - 0.5 * x.cos()
            })
            .collect();
        Analyzer {
            input: fft.make_input_vec(),
            output: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
        }
    }
}

impl Analyzer {
    /// The spectrum of the latest [`FFT_LEN`] of `samples` (fewer are
    /// padded with silence before them).
    pub fn spectrum(&mut self, samples: &[f32], sample_rate: f32) -> Spectrum {
        let take = samples.len().min(FFT_LEN);
        let pad = FFT_LEN - take;
        self.input[..pad].fill(0.0);
        for (i, x) in samples[samples.len() - take..].iter().enumerate() {
            let x = if x.is_finite() { *x } else { 0.0 };
            self.input[pad + i] = x * self.window[pad + i];
        }
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
            .is_err()
        {
            return Spectrum::default();
        }
        // A sine of amplitude A reads A·Σw/2 in its bin.
        let gain: f32 = 2.0 / self.window.iter().sum::<f32>();
        let db = self
            .output
            .iter()
            .map(|c| {
                let a = c.norm() * gain;
                if a > 0.0 {
                    (20.0 * a.log10()).max(FLOOR_DB)
                } else {
                    FLOOR_DB
                }
            })
            .collect();
        Spectrum { db, sample_rate }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_reads_its_level_at_its_frequency() {
        let sr = 48000.0;
        let x: Vec<f32> = (0..FFT_LEN)
            .map(|i| 0.5 * (std::f32::consts::TAU * 1000.0 * i as f32 / sr).sin())
            .collect();
        let s = Analyzer::default().spectrum(&x, sr);
        assert_eq!(s.db.len(), FFT_LEN / 2 + 1);
        let (peak, _) =
            s.db.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap();
        assert!((s.bin_hz(peak) - 1000.0).abs() < sr / FFT_LEN as f32);
        // −6 dBFS, within the Hann window's scalloping (1.4 dB).
        assert!(
            (s.level(990.0, 1010.0) + 6.0).abs() < 1.5,
            "{}",
            s.level(990.0, 1010.0)
        );
        assert!(s.level(4000.0, 5000.0) < -60.0);
    }

    #[test]
    fn silence_and_short_input_stay_at_the_floor() {
        let s = Analyzer::default().spectrum(&[0.0; 10], 48000.0);
        assert!(s.db.iter().all(|d| *d == FLOOR_DB));
        assert_eq!(Spectrum::default().level(100.0, 200.0), FLOOR_DB);
    }
}
