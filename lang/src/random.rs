//! Deterministic randomness, seeded from time.
//!
//! A random value is a pure function of the (cycle) time it is drawn at, so
//! the same pattern gives the same events on every run and on every machine.
//! The generator is the xorshift scheme used by TidalCycles and Strudel: time
//! is folded into a 300-cycle window, scaled to 29 bits and scrambled with
//! 32-bit shifts, which makes weft's random choices bit-identical to theirs.

use std::sync::atomic::{AtomicBool, Ordering};

const SCALE: f64 = 536_870_912.0; // 2^29

/// Whether the statistically better generator (`useRNG('precise')`) is in
/// use. Like the reference's setting it is global; program evaluation
/// resets it to the default (see [`crate::library::program_state`]).
static PRECISE: AtomicBool = AtomicBool::new(false);

/// Chooses the generator: `"legacy"` (the default) or anything else for
/// the precise one, as the reference's `useRNG` does.
pub fn set_precise(precise: bool) {
    PRECISE.store(precise, Ordering::Relaxed);
}

pub fn is_precise() -> bool {
    PRECISE.load(Ordering::Relaxed)
}

/// `n` random numbers at time `t` with a seed, from the generator in use
/// (the reference's `getRandsAtTime`). One number is non-negative; the
/// legacy generator's lists may contain negative values.
pub fn rands_at_time(t: f64, n: usize, seed: f64) -> Vec<f64> {
    if is_precise() {
        precise_rands(t, n, seed)
    } else {
        rands_at(t + seed, n)
    }
}

/// One random number in `[0, 1)` at time `t` with a seed.
pub fn rand_at_time(t: f64, seed: f64) -> f64 {
    if is_precise() {
        precise_rands(t, 1, seed)[0]
    } else {
        rand_at(t + seed)
    }
}

/// JavaScript's `ToUint32`.
fn to_uint32(x: f64) -> u32 {
    if !x.is_finite() {
        return 0;
    }
    x.trunc().rem_euclid(4_294_967_296.0) as u32
}

/// A 32-bit hash finalizer: flipping one input bit flips each output bit
/// with probability one half.
fn murmur_finalize(x: u32) -> u32 {
    let mut x = x;
    x ^= x >> 16;
    x = x.wrapping_mul(0x85eb_ca6b);
    x ^= x >> 13;
    x = x.wrapping_mul(0xc2b2_ae35);
    x ^= x >> 16;
    x
}

/// Mixes time, index and seed into one key before hashing.
fn decorrelate(t: f64, i: u32, seed: f64) -> u32 {
    let low = to_uint32(t);
    let high = to_uint32((t / 4_294_967_296.0).floor());
    let mut key = low ^ (high ^ 0x85eb_ca6b).wrapping_mul(0xc2b2_ae35);
    key ^= (i ^ 0x7f4a_7c15).wrapping_mul(0x9e37_79b9);
    key ^= (to_uint32(seed) ^ 0x1656_67b1).wrapping_mul(0x27d4_eb2d);
    key
}

/// The precise generator: time kept to 1/2^29 of a cycle, hashed with the
/// index and seed.
fn precise_rands(t: f64, n: usize, seed: f64) -> Vec<f64> {
    let tt = (t * SCALE).floor();
    (0..n)
        .map(|i| murmur_finalize(decorrelate(tt, i as u32, seed)) as f64 / 4_294_967_296.0)
        .collect()
}

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
    let (ra, rb) = (rand_at_time(ta, seed), rand_at_time(tb, seed));
    ra + smoother(t - ta) * (rb - ra)
}

/// Ridged noise: rises linearly from one random value by another random
/// height over each cycle, halved.
pub fn berlin_at(t: f64, seed: f64) -> f64 {
    let prev = t.floor();
    let next = prev + 1.0;
    let bottom = rand_at_time(prev, seed);
    let height = rand_at_time(next, seed);
    let top = bottom + height;
    let percent = (t - prev) / (next - prev);
    (bottom + percent * (top - bottom)) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_zero() {
        assert_eq!(rand_at(0.0), 0.0);
    }

    #[test]
    fn precise_generator_matches_the_reference() {
        // Values of the reference's getRandsAtTime after useRNG('precise').
        assert_eq!(
            precise_rands(0.5, 3, 0.0),
            vec![0.3268951131030917, 0.09512063069269061, 0.36898483126424253]
        );
        assert_eq!(precise_rands(1.25, 1, 2.0), vec![0.5789480353705585]);
        assert_eq!(
            precise_rands(-3.7, 2, 0.5),
            vec![0.09252425306476653, 0.5428288248367608]
        );
        assert_eq!(precise_rands(123456.789, 1, 0.0), vec![0.15973764727823436]);
    }

    #[test]
    fn values_in_unit_range() {
        for i in 0..1000 {
            let r = rand_at(i as f64 * 0.37 - 100.0);
            assert!((0.0..1.0).contains(&r));
        }
    }
}
