//! The waveshaping curves of `distort` and its algorithms (`soft`, `hard`,
//! `cubic`, `diode`, `asym`, `fold`, `sinefold`, `chebyshev`; `scurve` when
//! none is named), with the character of Strudel's: the amount `d` drives
//! the curve with `k = e^d − 1`, and `distortvol` (0.001–1) scales the
//! result.

use fundsp::prelude32::*;

/// A distortion curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Scurve,
    Soft,
    Hard,
    Cubic,
    Diode,
    Asym,
    Fold,
    SineFold,
    Chebyshev,
}

const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::Scurve,
    Algorithm::Soft,
    Algorithm::Hard,
    Algorithm::Cubic,
    Algorithm::Diode,
    Algorithm::Asym,
    Algorithm::Fold,
    Algorithm::SineFold,
    Algorithm::Chebyshev,
];

impl Algorithm {
    /// By name (`"diode"`); unknown names are `None`.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        lang::library::shaping::DISTORT_ALGORITHMS
            .iter()
            .position(|n| *n == name)
            .map(|i| ALGORITHMS[i])
    }

    /// By number, wrapping around the list (as `distorttype(3)`).
    pub fn from_index(i: f64) -> Algorithm {
        if !i.is_finite() {
            return Algorithm::Scurve;
        }
        ALGORITHMS[(i.floor() as i64).rem_euclid(ALGORITHMS.len() as i64) as usize]
    }

    /// The curve at `x` with drive `k` (≥ 0).
    pub fn shape(self, x: f32, k: f32) -> f32 {
        match self {
            Algorithm::Scurve => (1.0 + k) * x / (1.0 + k * x.abs()),
            Algorithm::Soft => soft(x, k),
            Algorithm::Hard => ((1.0 + k) * x).clamp(-1.0, 1.0),
            Algorithm::Cubic => {
                let t = squash(k.ln_1p());
                let c = (x - t / 3.0 * x * x * x) / (1.0 - t / 3.0);
                soft(c, k)
            }
            Algorithm::Diode => diode(x, k, false),
            Algorithm::Asym => diode(x, k, true),
            Algorithm::Fold => fold(x, k),
            Algorithm::SineFold => (std::f32::consts::FRAC_PI_2 * fold(x, k)).sin(),
            Algorithm::Chebyshev => chebyshev(x, k),
        }
    }
}

/// Maps [0, ∞) onto [0, 1).
fn squash(x: f32) -> f32 {
    x / (1.0 + x)
}

fn soft(x: f32, k: f32) -> f32 {
    (x * (1.0 + k)).tanh()
}

/// Folds back at ±1: a triangle of the driven input.
fn fold(x: f32, k: f32) -> f32 {
    let y = (1.0 + 0.5 * k) * x;
    let window = (y + 1.0).rem_euclid(4.0);
    1.0 - (window - 2.0).abs()
}

/// Two biased tanh branches (one for `asym`), scaled by their slope at 0
/// so that small signals pass almost unchanged.
fn diode(x: f32, k: f32, asym: bool) -> f32 {
    let g = 1.0 + 2.0 * k;
    let bias = 0.07 * squash(k.ln_1p());
    let pos = soft(x + bias, 2.0 * k);
    let neg = soft(if asym { bias } else { bias - x }, 2.0 * k);
    let sech = 1.0 / (g * bias).cosh();
    let slope = (if asym { 1.0 } else { 2.0 }) * g * sech * sech;
    soft((pos - neg) / slope.max(1e-8), k)
}

/// A weighted sum of Chebyshev polynomials of the input (the recurrence
/// seeded as the reference seeds it: `x`, then the odd orders), weighted by
/// the drive, then soft-clipped.
fn chebyshev(x: f32, k: f32) -> f32 {
    let kl = 10.0 * k.ln_1p();
    let (mut tnm1, mut tnm2) = (1.0f32, x);
    let mut y = x;
    for i in 2..64 {
        let tn = 2.0 * x * tnm1 - tnm2;
        tnm2 = tnm1;
        tnm1 = tn;
        if i % 2 == 0 {
            y += (1.3 * kl / i as f32).min(2.0) * tn;
        }
    }
    soft(y, kl / 20.0)
}

/// A distortion unit: `postgain × algorithm(x, e^amount − 1)`.
pub fn distortion(
    algorithm: Algorithm,
    amount: f32,
    postgain: f32,
) -> An<impl AudioNode<Inputs = U1, Outputs = U1>> {
    let k = amount.max(0.0).exp_m1().min(1e6);
    let g = postgain.clamp(0.001, 1.0);
    let curve = move |x: f32| {
        let y = g * algorithm.shape(x, k);
        if y.is_finite() {
            y
        } else {
            0.0
        }
    };
    map(move |i: &Frame<f32, U1>| curve(i[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_stay_bounded_and_keep_small_signals() {
        for a in ALGORITHMS {
            for k in [0.0f32, 0.5, 3.0, 50.0] {
                for i in -50..=50 {
                    let x = i as f32 / 50.0;
                    let y = a.shape(x, k);
                    assert!(y.is_finite() && y.abs() <= 1.0001, "{a:?} {k} {x} {y}");
                }
            }
        }
        // Near zero, the curves without a fold are close to the identity
        // at k = 0 (scurve and soft exactly: tanh is nearly linear there).
        for a in [Algorithm::Scurve, Algorithm::Hard, Algorithm::Fold] {
            assert!((a.shape(0.1, 0.0) - 0.1).abs() < 1e-6, "{a:?}");
        }
    }

    #[test]
    fn algorithms_differ_and_wrap_by_number() {
        assert_eq!(Algorithm::from_name("diode"), Some(Algorithm::Diode));
        assert_eq!(Algorithm::from_name("nope"), None);
        assert_eq!(Algorithm::from_index(9.0), Algorithm::Scurve);
        assert_eq!(Algorithm::from_index(4.0), Algorithm::Diode);
        // Hard clipping flattens at 1; folding comes back down.
        assert_eq!(Algorithm::Hard.shape(0.9, 1.0), 1.0);
        assert!(Algorithm::Fold.shape(0.9, 1.0) < 0.7);
        // asym is not odd-symmetric; diode is.
        let (p, n) = (
            Algorithm::Asym.shape(0.5, 2.0),
            Algorithm::Asym.shape(-0.5, 2.0),
        );
        assert!((p + n).abs() > 0.05, "{p} {n}");
        let (p, n) = (
            Algorithm::Diode.shape(0.5, 2.0),
            Algorithm::Diode.shape(-0.5, 2.0),
        );
        assert!((p + n).abs() < 1e-5, "{p} {n}");
    }
}
