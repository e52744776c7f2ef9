//! Deterministic randomness, seeded from time.
//!
//! A random value is a pure function of the (cycle) time it is drawn at, so
//! the same pattern gives the same events on every run and on every machine.
//! The generator is the xorshift scheme used by TidalCycles and Strudel: time
//! is folded into a 300-cycle window, scaled to 29 bits and scrambled with
//! 32-bit shifts, which makes weft's random choices bit-identical to theirs.

const SCALE: f64 = 536_870_912.0; // 2^29

/// One xorshift round on a 32-bit signed integer.
pub fn xorwise(x: i32) -> i32 {
    let a = (x << 13) ^ x;
    let b = (a >> 17) ^ a;
    (b << 5) ^ b
}

fn frac(x: f64) -> f64 {
    x - x.trunc()
}

fn time_to_int_seed(t: f64) -> i32 {
    // Truncation of a value within ±2^29 always fits 32 bits.
    xorwise((frac(t / 300.0) * SCALE).trunc() as i64 as i32)
}

fn int_seed_to_rand(x: i32) -> f64 {
    (x % 536_870_912) as f64 / SCALE
}

/// The random number in `[0, 1)` at time `t` (cycles, as a float).
pub fn rand_at(t: f64) -> f64 {
    int_seed_to_rand(time_to_int_seed(t)).abs()
}

/// `n` successive random numbers at time `t`. As in the reference, only the
/// single-value form is made non-negative; lists may contain negative values.
pub fn rands_at(t: f64, n: usize) -> Vec<f64> {
    let mut seed = time_to_int_seed(t);
    if n == 1 {
        return vec![int_seed_to_rand(seed).abs()];
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(int_seed_to_rand(seed));
        seed = xorwise(seed);
    }
    out
}

/// Smooth noise between random values at integer times.
pub fn perlin_at(t: f64, seed: f64) -> f64 {
    let ta = t.floor();
    let tb = ta + 1.0;
    let pow = crate::jsmath::pow;
    let smoother = |x: f64| 6.0 * pow(x, 5.0) - 15.0 * pow(x, 4.0) + 10.0 * pow(x, 3.0);
    let (ra, rb) = (rand_at(ta + seed), rand_at(tb + seed));
    ra + smoother(t - ta) * (rb - ra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_zero() {
        assert_eq!(rand_at(0.0), 0.0);
    }

    #[test]
    fn values_in_unit_range() {
        for i in 0..1000 {
            let r = rand_at(i as f64 * 0.37 - 100.0);
            assert!((0.0..1.0).contains(&r));
        }
    }
}
