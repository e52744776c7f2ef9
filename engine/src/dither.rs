//! Word-length reduction: float samples to the integers of a 16- or 24-bit
//! file, with dither so that the rounding error is noise rather than
//! distortion that follows the music.
//!
//! - `none`: plain rounding. Quiet passages (fades, reverb tails) come out
//!   with harmonics that were not in the music.
//! - `tpdf`: triangular dither of ±1 LSB (two uniform values added) before
//!   rounding: the error becomes a steady, signal-independent hiss
//!   (Lipshitz, Wannamaker & Vanderkooy, "Quantization and Dither: A
//!   Theoretical Survey", JAES 1992).
//! - `shaped`: the same dither with the error fed back through a five-tap
//!   filter (Lipshitz et al.'s "E-weighted" curve, designed for 44.1 kHz)
//!   that moves the hiss out of the ear's most sensitive region (2–5 kHz)
//!   towards the top of the band: quieter to the ear, more total noise.
//!
//! The noise comes from a generator with a fixed seed, so that the same
//! render gives the same file.

/// How to reduce the word length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dither {
    None,
    Tpdf,
    Shaped,
}

impl Dither {
    /// The dither a word length gets unless told otherwise: TPDF for
    /// 16 bits; at 24 bits the rounding error lies below any converter's
    /// own noise.
    pub fn default_for(bits: u32) -> Dither {
        if bits <= 16 {
            Dither::Tpdf
        } else {
            Dither::None
        }
    }

    pub fn parse(s: &str) -> Option<Dither> {
        match s {
            "none" => Some(Dither::None),
            "tpdf" => Some(Dither::Tpdf),
            "shaped" => Some(Dither::Shaped),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dither::None => "none",
            Dither::Tpdf => "tpdf",
            Dither::Shaped => "shaped",
        }
    }
}

/// Error-feedback coefficients of the shaped dither.
const SHAPE: [f64; 5] = [2.033, -2.165, 1.959, -1.590, 0.6149];

/// Interleaved stereo `samples` (full scale ±1) as `bits`-bit integers.
/// `seed` picks the noise (give each file of a delivery its own).
pub fn quantize(samples: &[f32], bits: u32, dither: Dither, seed: u64) -> Vec<i32> {
    let mut out = Vec::with_capacity(samples.len());
    Quantizer::new(bits, dither, seed).extend(samples, &mut out);
    out
}

/// [`quantize`] a piece at a time: the same integers for the same samples
/// however they are cut.
pub struct Quantizer {
    dither: Dither,
    scale: f64,
    lo: f64,
    hi: f64,
    rng: fastrand::Rng,
    /// Per channel: the last errors, newest first.
    errors: [[f64; SHAPE.len()]; 2],
    /// Samples quantized so far (their parity is the next one's channel).
    count: usize,
}

impl Quantizer {
    pub fn new(bits: u32, dither: Dither, seed: u64) -> Quantizer {
        let bits = bits.clamp(8, 32);
        let scale = (1i64 << (bits - 1)) as f64;
        Quantizer {
            dither,
            scale,
            lo: -scale,
            hi: scale - 1.0,
            rng: fastrand::Rng::with_seed(seed),
            errors: [[0.0f64; SHAPE.len()]; 2],
            count: 0,
        }
    }

    /// Quantizes the next `samples` (interleaved stereo) onto `out`.
    pub fn extend(&mut self, samples: &[f32], out: &mut Vec<i32>) {
        let (scale, lo, hi) = (self.scale, self.lo, self.hi);
        let finite = |x: f32| {
            let v = x as f64 * scale;
            if v.is_finite() {
                v
            } else {
                0.0
            }
        };
        match self.dither {
            Dither::None if hi < I32_SAFE => {
                // Written in place rather than pushed, so that the loop
                // vectorises.
                let start = out.len();
                out.resize(start + samples.len(), 0);
                for (o, &x) in out[start..].iter_mut().zip(samples) {
                    *o = round_clamped_i32(finite(x), lo, hi);
                }
            }
            Dither::None => out.extend(samples.iter().map(|&x| round_clamped(finite(x), lo, hi))),
            Dither::Tpdf => {
                let rng = &mut self.rng;
                out.extend(
                    samples
                        .iter()
                        .map(|&x| round_clamped(finite(x) + tpdf(rng), lo, hi)),
                )
            }
            Dither::Shaped => {
                for &x in samples {
                    let v = finite(x);
                    let e = &mut self.errors[self.count % 2];
                    self.count += 1;
                    let shaped = v - SHAPE.iter().zip(e.iter()).map(|(h, e)| h * e).sum::<f64>();
                    let y = (shaped + tpdf(&mut self.rng)).round();
                    e.rotate_right(1);
                    // The error of this sample, kept within a few LSB so that a
                    // clipped sample cannot make the feedback run away.
                    e[0] = (y - shaped).clamp(-4.0, 4.0);
                    out.push(y.clamp(lo, hi) as i32);
                }
                return;
            }
        }
        self.count += samples.len();
    }
}

/// `v.round().clamp(lo, hi) as i32` for finite `v` and integral `lo`, `hi`
/// (within `i32`), without `f64::round`, which is a library call on
/// baseline x86-64. Rounding keeps order, so clamping first to one past
/// the range changes nothing; there a conversion truncates exactly and
/// the fraction left decides, halves away from zero as `round` does.
#[inline]
fn round_clamped(v: f64, lo: f64, hi: f64) -> i32 {
    let c = v.clamp(lo - 1.0, hi + 1.0);
    let t = c as i64;
    let frac = c - t as f64;
    let r = t + i64::from(frac >= 0.5) - i64::from(frac <= -0.5);
    r.clamp(lo as i64, hi as i64) as i32
}

/// Ranges below this (in magnitude) keep [`round_clamped_i32`]'s
/// conversions within `i32`.
const I32_SAFE: f64 = (1i64 << 30) as f64;

/// [`round_clamped`] for `lo`, `hi` within ±2^30 (words up to 31 bits),
/// converting through `i32`, which vector instructions do where `i64`
/// takes one scalar conversion per sample: the same integers.
#[inline(always)]
fn round_clamped_i32(v: f64, lo: f64, hi: f64) -> i32 {
    let c = v.clamp(lo - 1.0, hi + 1.0);
    let t = c as i32;
    let frac = c - t as f64;
    let r = t + i32::from(frac >= 0.5) - i32::from(frac <= -0.5);
    r.clamp(lo as i32, hi as i32)
}

/// Triangular noise in (−1, 1) LSB.
fn tpdf(rng: &mut fastrand::Rng) -> f64 {
    rng.f64() - rng.f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_without_the_library_call_is_exact() {
        let (lo, hi) = (-8_388_608.0, 8_388_607.0);
        let mut rng = fastrand::Rng::with_seed(3);
        let special = [
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            8_388_606.5,
            8_388_607.5,
            -8_388_608.5,
            -8_388_609.0,
            1e300,
            -1e300,
            0.0,
            -0.0,
        ];
        let random = (0..100_000).map(|_| (rng.f64() - 0.5) * 2.0e7);
        let halves = (0..1000).map(|i| i as f64 * 8391.0 + 0.5 - 4e6);
        for v in special.into_iter().chain(random).chain(halves) {
            assert_eq!(
                round_clamped(v, lo, hi),
                v.round().clamp(lo, hi) as i32,
                "{v}"
            );
        }
    }

    /// The `i32` conversion gives what `round` gives, at every word
    /// length it is used for.
    #[test]
    fn rounding_through_i32_is_exact() {
        let mut rng = fastrand::Rng::with_seed(5);
        for bits in [8u32, 16, 20, 24, 30, 31] {
            let scale = (1i64 << (bits - 1)) as f64;
            let (lo, hi) = (-scale, scale - 1.0);
            assert!(hi < I32_SAFE);
            let edges = [
                lo,
                hi,
                lo - 0.5,
                hi + 0.5,
                lo - 1.0,
                hi + 1.0,
                lo + 0.5,
                hi - 0.5,
            ];
            let special = [
                0.5,
                -0.5,
                1.5,
                -2.5,
                0.49999999999999994,
                1e300,
                -1e300,
                -0.0,
            ];
            let random = (0..20_000).map(|_| (rng.f64() - 0.5) * 2.2 * scale);
            let halves = (0..500).map(|i| (i as f64 - 250.0) * scale / 251.0 + 0.5);
            for v in edges.into_iter().chain(special).chain(random).chain(halves) {
                assert_eq!(
                    round_clamped_i32(v, lo, hi),
                    v.round().clamp(lo, hi) as i32,
                    "{bits} bits: {v}"
                );
            }
        }
        // 32-bit words take the `i64` path.
        assert!((1i64 << 31) as f64 - 1.0 >= I32_SAFE);
    }

    /// A plain quantizer's integers do not depend on which loop made them.
    #[test]
    fn plain_rounding_is_the_same_on_both_paths() {
        let mut rng = fastrand::Rng::with_seed(6);
        let x: Vec<f32> = (0..10_001)
            .map(|i| match i % 7 {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => 1.5,
                _ => (rng.f32() - 0.5) * 2.5,
            })
            .collect();
        for bits in [16, 24] {
            let fast = quantize(&x, bits, Dither::None, 1);
            let scale = (1i64 << (bits - 1)) as f64;
            let slow: Vec<i32> = x
                .iter()
                .map(|&s| {
                    let v = s as f64 * scale;
                    round_clamped(if v.is_finite() { v } else { 0.0 }, -scale, scale - 1.0)
                })
                .collect();
            assert_eq!(fast, slow, "{bits} bits");
        }
    }

    #[test]
    fn full_scale_and_rounding() {
        let q = quantize(&[1.0, -1.0, 0.5, 0.0], 16, Dither::None, 1);
        assert_eq!(q, vec![32767, -32768, 16384, 0]);
        let q = quantize(&[1.0, -1.0], 24, Dither::None, 1);
        assert_eq!(q, vec![8_388_607, -8_388_608]);
    }

    #[test]
    fn dither_is_small_unbiased_and_repeatable() {
        let x = vec![0.25f32; 20000];
        let a = quantize(&x, 16, Dither::Tpdf, 7);
        assert_eq!(a, quantize(&x, 16, Dither::Tpdf, 7));
        assert_ne!(a, quantize(&x, 16, Dither::Tpdf, 8));
        let mean = a.iter().map(|&v| v as f64).sum::<f64>() / a.len() as f64;
        assert!((mean - 8192.0).abs() < 0.05, "{mean}");
        assert!(a.iter().all(|&v| (v - 8192).abs() <= 1));
        let s = quantize(&x, 16, Dither::Shaped, 7);
        let mean = s.iter().map(|&v| v as f64).sum::<f64>() / s.len() as f64;
        assert!((mean - 8192.0).abs() < 0.05, "{mean}");
    }

    /// Power of `x` at `freq` Hz (one-hertz bins over one second).
    fn power_at(x: &[f64], freq: f64, sr: f64) -> f64 {
        let w = std::f64::consts::TAU * freq / sr;
        let (c, k) = (w.cos(), 2.0 * w.cos());
        let (mut s1, mut s2) = (0.0, 0.0);
        for &v in x {
            let s0 = v + k * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let re = s1 - s2 * c;
        let im = s2 * w.sin();
        (re * re + im * im) / (x.len() as f64).powi(2)
    }

    /// A 16-bit rendering of a 1 kHz sine `lsb` steps high, left channel,
    /// in LSB.
    fn low_sine(lsb: f64, dither: Dither) -> Vec<f64> {
        let x: Vec<f32> = (0..48000)
            .flat_map(|i| {
                let v = (lsb / 32768.0
                    * (std::f64::consts::TAU * 1000.0 * i as f64 / 48000.0).sin())
                    as f32;
                [v, v]
            })
            .collect();
        quantize(&x, 16, dither, 11)
            .iter()
            .step_by(2)
            .map(|&v| v as f64)
            .collect()
    }

    /// The loudest harmonic (2–9 kHz) over the noise around it (the mean of
    /// the bins 5–60 Hz either side), as a power ratio.
    fn harmonics_over_noise(x: &[f64]) -> f64 {
        let mut worst = 0.0f64;
        for h in 2..10 {
            let f = 1000.0 * h as f64;
            let noise: Vec<f64> = (5..60)
                .flat_map(|d| [f - d as f64, f + d as f64])
                .map(|g| power_at(x, g, 48000.0))
                .collect();
            let floor = noise.iter().sum::<f64>() / noise.len() as f64;
            worst = worst.max(power_at(x, f, 48000.0) / floor.max(1e-30));
        }
        worst
    }

    #[test]
    fn dither_turns_truncation_distortion_into_noise() {
        // Without dither a sine 3 LSB high comes out as a staircase: its
        // harmonics stand far above everything else.
        let plain = low_sine(3.0, Dither::None);
        assert!(
            harmonics_over_noise(&plain) > 1e6,
            "{}",
            harmonics_over_noise(&plain)
        );
        for d in [Dither::Tpdf, Dither::Shaped] {
            let x = low_sine(3.0, d);
            let ratio = harmonics_over_noise(&x);
            assert!(ratio < 8.0, "{d:?}: a harmonic {ratio}× the noise");
            // The sine itself comes through at its level (amplitude 3:
            // power 9/4 per bin).
            let fundamental = power_at(&x, 1000.0, 48000.0);
            assert!(
                (fundamental / 2.25 - 1.0).abs() < 0.05,
                "{d:?}: {fundamental}"
            );
        }
        // A sine under half an LSB vanishes without dither, and survives
        // (under noise) with it.
        assert!(low_sine(0.4, Dither::None).iter().all(|&v| v == 0.0));
        let kept = power_at(&low_sine(0.4, Dither::Tpdf), 1000.0, 48000.0);
        assert!((kept / 0.04 - 1.0).abs() < 0.2, "{kept}");
    }
}
