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
    let bits = bits.clamp(8, 32);
    let scale = (1i64 << (bits - 1)) as f64;
    let (lo, hi) = (-scale, scale - 1.0);
    let mut rng = fastrand::Rng::with_seed(seed);
    // Per channel: the last errors, newest first.
    let mut errors = [[0.0f64; SHAPE.len()]; 2];
    let mut out = Vec::with_capacity(samples.len());
    for (i, &x) in samples.iter().enumerate() {
        let v = x as f64 * scale;
        let v = if v.is_finite() { v } else { 0.0 };
        let y = match dither {
            Dither::None => v.round(),
            Dither::Tpdf => (v + tpdf(&mut rng)).round(),
            Dither::Shaped => {
                let e = &mut errors[i % 2];
                let shaped = v - SHAPE.iter().zip(e.iter()).map(|(h, e)| h * e).sum::<f64>();
                let y = (shaped + tpdf(&mut rng)).round();
                e.rotate_right(1);
                // The error of this sample, kept within a few LSB so that a
                // clipped sample cannot make the feedback run away.
                e[0] = (y - shaped).clamp(-4.0, 4.0);
                y
            }
        };
        out.push(y.clamp(lo, hi) as i32);
    }
    out
}

/// Triangular noise in (−1, 1) LSB.
fn tpdf(rng: &mut fastrand::Rng) -> f64 {
    rng.f64() - rng.f64()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
