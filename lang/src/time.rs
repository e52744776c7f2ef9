//! Exact rational time, measured in cycles.
//!
//! Pattern time is never a float: every onset and duration is a fraction of
//! two 64-bit integers, kept in lowest terms. Intermediate products use 128
//! bits; a result that no longer fits 64 bits (which only extreme, nonsensical
//! inputs reach) is rounded to the nearest representable fraction instead of
//! panicking, so bad input degrades gracefully.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A point or a duration in cycles.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    n: i64,
    d: i64,
}

fn gcd_u64(mut a: u64, mut b: u64) -> u64 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    // Musical times mostly have power-of-two denominators (halves,
    // eighths, sixty-fourths), whose greatest common divisor with anything
    // is a power of two: no loop needed (the loop would take about one
    // round per bit of the other number).
    if a.is_power_of_two() || b.is_power_of_two() {
        return 1 << shift;
    }
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        if a == 1 {
            return 1 << shift;
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// `n / g` for a `g` that divides `n` exactly (a greatest common
/// divisor): a shift when `g` is a power of two, as it mostly is, which
/// costs a fraction of a division.
fn div_exact(n: i64, g: i64) -> i64 {
    if g & (g - 1) == 0 {
        n >> g.trailing_zeros()
    } else {
        n / g
    }
}

fn gcd_u128(mut a: u128, mut b: u128) -> u128 {
    if a <= u64::MAX as u128 && b <= u64::MAX as u128 {
        return gcd_u64(a as u64, b as u64) as u128;
    }
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

impl Time {
    pub const ZERO: Time = Time { n: 0, d: 1 };
    pub const ONE: Time = Time { n: 1, d: 1 };

    /// An integer number of cycles.
    pub const fn int(n: i64) -> Time {
        Time { n, d: 1 }
    }

    /// `n/d`, reduced. A zero denominator gives zero (callers guard against it).
    pub fn new(n: i64, d: i64) -> Time {
        if d == 1 {
            return Time { n, d };
        }
        if d > 0 && n != i64::MIN {
            // The common case, kept in 64 bits.
            let g = gcd_u64(n.unsigned_abs(), d as u64) as i64;
            return Time {
                n: div_exact(n, g),
                d: div_exact(d, g),
            };
        }
        Time::from_i128(n as i128, d as i128)
    }

    fn from_i128(n: i128, d: i128) -> Time {
        if d == 0 {
            return Time::ZERO;
        }
        // Fast path: both parts fit 64 bits (the common case).
        if let (Ok(n), Ok(d)) = (i64::try_from(n), i64::try_from(d)) {
            if d == 1 {
                return Time { n, d };
            }
            if n != i64::MIN && d != i64::MIN {
                let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
                let g = gcd_u64(n.unsigned_abs(), d as u64) as i64;
                return if g > 1 {
                    Time { n: n / g, d: d / g }
                } else {
                    Time { n, d }
                };
            }
        }
        let (mut n, mut d) = if d < 0 { (-n, -d) } else { (n, d) };
        let g = gcd_u128(n.unsigned_abs(), d as u128) as i128;
        if g > 1 {
            n /= g;
            d /= g;
        }
        if n > i64::MIN as i128 && n <= i64::MAX as i128 && d <= i64::MAX as i128 {
            return Time {
                n: n as i64,
                d: d as i64,
            };
        }
        Time::approximate(n, d)
    }

    /// Best approximation of an out-of-range fraction (continued fractions).
    fn approximate(n: i128, d: i128) -> Time {
        const LIMIT: i128 = i64::MAX as i128 / 4;
        let neg = n < 0;
        let (mut a, mut b) = (n.unsigned_abs() as i128, d);
        if a / b > LIMIT {
            let v = if neg { -LIMIT } else { LIMIT };
            return Time { n: v as i64, d: 1 };
        }
        let (mut p0, mut q0, mut p1, mut q1) = (0i128, 1i128, 1i128, 0i128);
        while b != 0 {
            let q = a / b;
            let p2 = q.saturating_mul(p1).saturating_add(p0);
            let q2 = q.saturating_mul(q1).saturating_add(q0);
            if p2 > LIMIT || q2 > LIMIT {
                break;
            }
            (p0, q0, p1, q1) = (p1, q1, p2, q2);
            (a, b) = (b, a - q * b);
        }
        if q1 == 0 {
            return Time::ZERO;
        }
        let p = if neg { -p1 } else { p1 };
        Time {
            n: p as i64,
            d: q1 as i64,
        }
    }

    pub fn numer(self) -> i64 {
        self.n
    }

    pub fn denom(self) -> i64 {
        self.d
    }

    pub fn to_f64(self) -> f64 {
        self.n as f64 / self.d as f64
    }

    /// Converts a float the way the reference implementation does: integers
    /// exactly, other values by a walk down the Farey sequence to the closest
    /// fraction with a denominator of at most ten million (so `0.1` is `1/10`
    /// and `1/3` computed in floating point is exactly `1/3`).
    /// NaN gives `None`; infinities saturate.
    pub fn from_f64(x: f64) -> Option<Time> {
        if x.is_nan() {
            return None;
        }
        if x.is_infinite() {
            return Some(Time::int(if x > 0.0 {
                i64::MAX / 4
            } else {
                -(i64::MAX / 4)
            }));
        }
        let neg = x < 0.0;
        let mut p = x.abs();
        if p.fract() == 0.0 {
            if p > (i64::MAX / 4) as f64 {
                p = (i64::MAX / 4) as f64;
            }
            let n = p as i64;
            return Some(Time::int(if neg { -n } else { n }));
        }
        let mut scale = 1.0f64;
        if p >= 1.0 {
            scale = 10f64.powf((1.0 + p.log10()).floor());
            p /= scale;
        }
        const N: f64 = 10_000_000.0;
        let (mut a, mut b, mut c, mut d) = (0.0f64, 1.0f64, 1.0f64, 1.0f64);
        let (mut num, mut den) = (0.0, 1.0);
        while b <= N && d <= N {
            let m = (a + c) / (b + d);
            if p == m {
                if b + d <= N {
                    num = a + c;
                    den = b + d;
                } else if d > b {
                    num = c;
                    den = d;
                } else {
                    num = a;
                    den = b;
                }
                break;
            }
            if p > m {
                a += c;
                b += d;
            } else {
                c += a;
                d += b;
            }
            if b > N {
                num = c;
                den = d;
            } else {
                num = a;
                den = b;
            }
        }
        let n = (num * scale) as i128;
        let t = Time::from_i128(if neg { -n } else { n }, den as i128);
        Some(t)
    }

    /// Start of the cycle containing this time.
    pub fn sam(self) -> Time {
        Time::int(self.floor_i64())
    }

    pub fn next_sam(self) -> Time {
        self.sam() + Time::ONE
    }

    /// Position within the cycle, in `[0, 1)`.
    pub fn cycle_pos(self) -> Time {
        self - self.sam()
    }

    pub fn floor(self) -> Time {
        self.sam()
    }

    pub fn ceil(self) -> Time {
        Time::int(-((-self.n).div_euclid(self.d)))
    }

    pub fn floor_i64(self) -> i64 {
        // The denominator is positive; a power of two (the usual case)
        // divides by an arithmetic shift, which rounds down as floor does.
        if self.d & (self.d - 1) == 0 {
            return self.n >> self.d.trailing_zeros();
        }
        self.n.div_euclid(self.d)
    }

    pub fn is_zero(self) -> bool {
        self.n == 0
    }

    pub fn is_negative(self) -> bool {
        self.n < 0
    }

    pub fn abs(self) -> Time {
        Time {
            n: self.n.saturating_abs(),
            d: self.d,
        }
    }

    pub fn min(self, other: Time) -> Time {
        if self <= other {
            self
        } else {
            other
        }
    }

    pub fn max(self, other: Time) -> Time {
        if self >= other {
            self
        } else {
            other
        }
    }

    /// Euclidean remainder (`x mod m`, always in `[0, m)` for positive `m`).
    pub fn rem_euclid(self, m: Time) -> Time {
        if m.is_zero() {
            return Time::ZERO;
        }
        let q = (self / m).floor();
        self - q * m
    }

    /// Remainder with the sign of the dividend (JavaScript's `%`).
    pub fn js_mod(self, m: Time) -> Time {
        if m.is_zero() {
            return Time::ZERO;
        }
        let q = self / m;
        let trunc = if q.is_negative() { q.ceil() } else { q.floor() };
        self - trunc * m
    }

    /// Least common multiple of two positive fractions (as fraction.js defines it).
    pub fn lcm(self, other: Time) -> Time {
        if self.is_zero() || other.is_zero() {
            return Time::ZERO;
        }
        let ln = lcm_i128(self.n as i128, other.n as i128);
        let gd = gcd_u128(self.d as u128, other.d as u128) as i128;
        Time::from_i128(ln, gd)
    }

    /// Greatest common divisor of two fractions (as fraction.js defines it).
    pub fn gcd(self, other: Time) -> Time {
        let gn = gcd_u128(
            self.n.unsigned_abs() as u128,
            other.n.unsigned_abs() as u128,
        ) as i128;
        let ld = lcm_i128(self.d as i128, other.d as i128);
        Time::from_i128(gn, ld)
    }
}

fn lcm_i128(a: i128, b: i128) -> i128 {
    if a == 0 || b == 0 {
        return 0;
    }
    let g = gcd_u128(a.unsigned_abs(), b.unsigned_abs()) as i128;
    (a / g).saturating_mul(b).abs()
}

impl Default for Time {
    fn default() -> Self {
        Time::ZERO
    }
}

impl From<i64> for Time {
    fn from(n: i64) -> Time {
        Time::int(n)
    }
}

impl Add for Time {
    type Output = Time;
    fn add(self, o: Time) -> Time {
        if o.n == 0 {
            return self;
        }
        if self.n == 0 {
            return o;
        }
        if self.d == o.d {
            if let Some(n) = self.n.checked_add(o.n) {
                return Time::new(n, self.d);
            }
        }
        if let (Some(a), Some(b), Some(d)) = (
            self.n.checked_mul(o.d),
            o.n.checked_mul(self.d),
            self.d.checked_mul(o.d),
        ) {
            if let Some(n) = a.checked_add(b) {
                return Time::new(n, d);
            }
        }
        Time::from_i128(
            self.n as i128 * o.d as i128 + o.n as i128 * self.d as i128,
            self.d as i128 * o.d as i128,
        )
    }
}

impl Sub for Time {
    type Output = Time;
    fn sub(self, o: Time) -> Time {
        self + (-o)
    }
}

impl Neg for Time {
    type Output = Time;
    fn neg(self) -> Time {
        Time {
            n: self.n.saturating_neg(),
            d: self.d,
        }
    }
}

impl Mul for Time {
    type Output = Time;
    fn mul(self, o: Time) -> Time {
        if self.d == 1 && o.d == 1 {
            if let Some(n) = self.n.checked_mul(o.n) {
                return Time::int(n);
            }
        }
        // Cross-reduce first: both results are then already in lowest terms.
        let g1 = gcd_u64(self.n.unsigned_abs(), o.d as u64) as i64;
        let g2 = gcd_u64(o.n.unsigned_abs(), self.d as u64) as i64;
        let (g1, g2) = (g1.max(1), g2.max(1));
        if let (Some(n), Some(d)) = (
            div_exact(self.n, g1).checked_mul(div_exact(o.n, g2)),
            div_exact(self.d, g2).checked_mul(div_exact(o.d, g1)),
        ) {
            if n != i64::MIN {
                return Time { n, d };
            }
        }
        Time::from_i128(self.n as i128 * o.n as i128, self.d as i128 * o.d as i128)
    }
}

impl Div for Time {
    type Output = Time;
    fn div(self, o: Time) -> Time {
        if o.n != 0 && o.n != i64::MIN {
            let inv = if o.n < 0 {
                Time { n: -o.d, d: -o.n }
            } else {
                Time { n: o.d, d: o.n }
            };
            return self * inv;
        }
        Time::from_i128(self.n as i128 * o.d as i128, self.d as i128 * o.n as i128)
    }
}

impl Ord for Time {
    fn cmp(&self, o: &Time) -> Ordering {
        if self.d == o.d {
            return self.n.cmp(&o.n);
        }
        (self.n as i128 * o.d as i128).cmp(&(o.n as i128 * self.d as i128))
    }
}

impl PartialOrd for Time {
    fn partial_cmp(&self, o: &Time) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Time {
    /// Appends the time as [`Display`](fmt::Display) writes it (`n` or
    /// `n/d`), without the formatting machinery (event output writes
    /// millions of times).
    pub fn write_to(self, out: &mut String) {
        let mut digits = itoa::Buffer::new();
        out.push_str(digits.format(self.n));
        if self.d != 1 {
            out.push('/');
            out.push_str(digits.format(self.d));
        }
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.d == 1 {
            write!(f, "{}", self.n)
        } else {
            write!(f, "{}/{}", self.n, self.d)
        }
    }
}

impl fmt::Debug for Time {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for Time {
    type Err = String;
    /// Parses `"3"`, `"-1/4"` or a decimal such as `"0.5"`.
    fn from_str(s: &str) -> Result<Time, String> {
        let s = s.trim();
        if let Some((a, b)) = s.split_once('/') {
            let n: i64 = a.trim().parse().map_err(|_| format!("bad time `{s}`"))?;
            let d: i64 = b.trim().parse().map_err(|_| format!("bad time `{s}`"))?;
            if d == 0 {
                return Err(format!("bad time `{s}` (zero denominator)"));
            }
            return Ok(Time::new(n, d));
        }
        if let Ok(n) = s.parse::<i64>() {
            return Ok(Time::int(n));
        }
        let x: f64 = s.parse().map_err(|_| format!("bad time `{s}`"))?;
        Time::from_f64(x).ok_or_else(|| format!("bad time `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_and_orders() {
        assert_eq!(Time::new(2, 4), Time::new(1, 2));
        assert_eq!(Time::new(1, -2), Time::new(-1, 2));
        assert!(Time::new(1, 3) < Time::new(1, 2));
        assert_eq!(Time::new(1, 3) + Time::new(1, 6), Time::new(1, 2));
        assert_eq!(Time::new(-1, 3).sam(), Time::int(-1));
        assert_eq!(Time::new(7, 3).cycle_pos(), Time::new(1, 3));
        assert_eq!(Time::new(7, 3).ceil(), Time::int(3));
        assert_eq!(Time::new(-7, 3).ceil(), Time::int(-2));
        assert_eq!(Time::new(-7, 4).sam(), Time::int(-2));
        assert_eq!(Time::new(-8, 4).floor_i64(), -2);
        assert_eq!(Time::new(7, 4).floor_i64(), 1);
        assert_eq!(Time::new(-1, 1 << 40).floor_i64(), -1);
        assert_eq!(Time::new(6, -4), Time::new(-3, 2));
    }

    #[test]
    fn floats_convert_like_the_reference() {
        assert_eq!(Time::from_f64(0.1), Some(Time::new(1, 10)));
        assert_eq!(Time::from_f64(1.0 / 3.0), Some(Time::new(1, 3)));
        assert_eq!(Time::from_f64(1.5), Some(Time::new(3, 2)));
        assert_eq!(Time::from_f64(-0.25), Some(Time::new(-1, 4)));
        assert_eq!(Time::from_f64(0.3), Some(Time::new(3, 10)));
        assert_eq!(Time::from_f64(1.0 / 6.0), Some(Time::new(1, 6)));
        assert_eq!(Time::from_f64(f64::NAN), None);
    }

    #[test]
    fn gcd_agrees_with_euclid() {
        fn euclid(a: u64, b: u64) -> u64 {
            if b == 0 {
                a
            } else {
                euclid(b, a % b)
            }
        }
        let samples = [
            0u64, 1, 2, 3, 4, 6, 8, 12, 15, 16, 64, 96, 1000, 1024, 15999, 65536,
        ];
        for &a in &samples {
            for &b in &samples {
                assert_eq!(gcd_u64(a, b), euclid(a, b), "gcd({a}, {b})");
            }
        }
        assert_eq!(gcd_u64(u64::MAX, 1 << 63), 1);
        assert_eq!(gcd_u64(3 << 40, 9 << 20), 3 << 20);
    }

    #[test]
    fn exact_division_by_a_power_of_two_shifts() {
        assert_eq!(div_exact(-12, 4), -3);
        assert_eq!(div_exact(12, 4), 3);
        assert_eq!(div_exact(-15, 3), -5);
        assert_eq!(div_exact(i64::MIN, 1 << 62), -2);
        assert_eq!(Time::new(-6, 8), Time::new(-3, 4));
        assert_eq!(Time::new(-3, 8) * Time::new(4, 3), Time::new(-1, 2));
    }

    #[test]
    fn lcm_gcd() {
        assert_eq!(Time::int(4).lcm(Time::int(6)), Time::int(12));
        assert_eq!(Time::new(1, 2).lcm(Time::new(1, 3)), Time::int(1));
        assert_eq!(Time::int(4).gcd(Time::int(6)), Time::int(2));
    }

    #[test]
    fn overflow_degrades_instead_of_panicking() {
        let big = Time::new(i64::MAX - 1, 3);
        let _ = big * big;
        let _ = big + big;
        let _ = Time::new(1, i64::MAX) * Time::new(1, i64::MAX - 2);
    }
}
