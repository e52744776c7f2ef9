//! The tempo map: exact conversion from cycle positions to sample indices.
//!
//! A tempo is a number of cycles per second given as a float (`bpm(137)`
//! is 137/240 cps). The map takes each tempo as the nearest fraction with
//! a denominator of at most 2^20 (137/240 is recovered exactly) and keeps
//! every segment start as an exact fraction of seconds. The sample of a
//! cycle position `c` is then `round(seconds(c) · sample_rate)` computed in
//! 128-bit integers: nothing is accumulated, so an onset an hour in lands
//! on the same sample as a direct computation.

use lang::program::TempoChange;
use lang::Time;

/// An exact fraction `n/d` in 128-bit integers (`d > 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    pub n: i128,
    pub d: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

impl Ratio {
    pub fn new(n: i128, d: i128) -> Ratio {
        let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
        let g = gcd(n, d);
        Ratio { n: n / g, d: d / g }
    }

    pub fn from_time(t: Time) -> Ratio {
        Ratio::new(t.numer() as i128, t.denom() as i128)
    }

    pub fn plus(self, o: Ratio) -> Ratio {
        let g = gcd(self.d, o.d);
        let d = self.d / g * o.d;
        Ratio::new(self.n * (d / self.d) + o.n * (d / o.d), d)
    }

    pub fn times(self, o: Ratio) -> Ratio {
        let g1 = gcd(self.n, o.d);
        let g2 = gcd(o.n, self.d);
        Ratio::new((self.n / g1) * (o.n / g2), (self.d / g2) * (o.d / g1))
    }

    /// `floor(self + 1/2)`: rounding half up.
    pub fn round(self) -> i128 {
        (2 * self.n + self.d).div_euclid(2 * self.d)
    }

    pub fn to_f64(self) -> f64 {
        self.n as f64 / self.d as f64
    }

    /// The closest fraction to `x` with a denominator at most `max_den`
    /// (continued fractions).
    pub fn approximate(x: f64, max_den: i128) -> Ratio {
        let neg = x < 0.0;
        let mut v = x.abs();
        let (mut p0, mut q0, mut p1, mut q1) = (0i128, 1i128, 1i128, 0i128);
        for _ in 0..64 {
            let a = v.floor();
            let ai = a as i128;
            let p2 = ai * p1 + p0;
            let q2 = ai * q1 + q0;
            if q2 > max_den {
                break;
            }
            (p0, q0, p1, q1) = (p1, q1, p2, q2);
            let f = v - a;
            if f < 1e-15 || (p1 as f64 / q1 as f64 - x.abs()).abs() < 1e-15 * x.abs() {
                break;
            }
            v = 1.0 / f;
        }
        if q1 == 0 {
            return Ratio::new(0, 1);
        }
        Ratio::new(if neg { -p1 } else { p1 }, q1)
    }
}

/// One stretch of constant tempo.
#[derive(Clone, Debug)]
struct Segment {
    /// Cycle where the segment starts.
    cycle: Time,
    /// Exact time in seconds at `cycle`.
    seconds: Ratio,
    /// Seconds per cycle (exact).
    spc: Ratio,
    cps: f64,
}

/// Cycle → sample conversion for a tempo and its changes.
#[derive(Clone, Debug)]
pub struct TempoMap {
    sample_rate: u32,
    segments: Vec<Segment>,
}

/// Largest denominator of a tempo taken as a fraction.
const TEMPO_DENOMINATOR: i128 = 1 << 20;

fn seconds_per_cycle(cps: f64) -> Ratio {
    let cps = if cps.is_finite() && cps > 0.0 {
        cps
    } else {
        0.5
    };
    let r = Ratio::approximate(cps, TEMPO_DENOMINATOR);
    if r.n <= 0 {
        return Ratio::new(2, 1);
    }
    Ratio::new(r.d, r.n)
}

impl TempoMap {
    /// A map starting at cycle 0 with `cps`, then each change in order of `at`.
    pub fn new(cps: f64, changes: &[TempoChange], sample_rate: u32) -> TempoMap {
        let mut map = TempoMap {
            sample_rate,
            segments: vec![Segment {
                cycle: Time::ZERO,
                seconds: Ratio::new(0, 1),
                spc: seconds_per_cycle(cps),
                cps,
            }],
        };
        let mut sorted: Vec<&TempoChange> = changes.iter().collect();
        sorted.sort_by_key(|c| c.at);
        for c in sorted {
            if c.at > Time::ZERO {
                map.push(c.at, c.cps);
            } else {
                map.segments[0].spc = seconds_per_cycle(c.cps);
                map.segments[0].cps = c.cps;
            }
        }
        map
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn segment(&self, c: Time) -> &Segment {
        let i = self.segments.partition_point(|s| s.cycle <= c);
        &self.segments[i.saturating_sub(1)]
    }

    /// Appends a tempo change at cycle `at` (after the last segment start).
    fn push(&mut self, at: Time, cps: f64) {
        let seconds = self.seconds_at(at);
        // Segments are in order of their cycle: drop those from `at` on
        // from the end (a song's unrolled changes append thousands of them,
        // which must not cost a pass over all the others each).
        while self.segments.last().is_some_and(|s| s.cycle >= at) {
            self.segments.pop();
        }
        self.segments.push(Segment {
            cycle: at,
            seconds,
            spc: seconds_per_cycle(cps),
            cps,
        });
    }

    /// Exact time in seconds of cycle `c`.
    pub fn seconds_at(&self, c: Time) -> Ratio {
        let s = self.segment(c);
        s.seconds.plus(Ratio::from_time(c - s.cycle).times(s.spc))
    }

    /// The sample index of cycle `c`: seconds × sample rate, rounded half up.
    pub fn sample_at(&self, c: Time) -> i64 {
        self.seconds_at(c)
            .times(Ratio::new(self.sample_rate as i128, 1))
            .round() as i64
    }

    /// Cycles per second in force at `c`.
    pub fn cps_at(&self, c: Time) -> f64 {
        self.segment(c).cps
    }

    /// The cycle at sample `s`, approximately (for choosing query
    /// horizons, never for placing events).
    pub fn approx_cycle_at_sample(&self, s: i64) -> f64 {
        let secs = s as f64 / self.sample_rate as f64;
        let i = self
            .segments
            .partition_point(|seg| seg.seconds.to_f64() <= secs);
        let seg = &self.segments[i.saturating_sub(1)];
        seg.cycle.to_f64() + (secs - seg.seconds.to_f64()) / seg.spc.to_f64()
    }

    /// The map that continues this one up to cycle `at` and follows
    /// `cps`/`changes` (a new program's tempo) from there on.
    pub fn spliced(&self, at: Time, cps: f64, changes: &[TempoChange]) -> TempoMap {
        let mut map = self.clone();
        let mut in_force = cps;
        let mut later: Vec<&TempoChange> = Vec::new();
        let mut sorted: Vec<&TempoChange> = changes.iter().collect();
        sorted.sort_by_key(|c| c.at);
        for c in sorted {
            if c.at <= at {
                in_force = c.cps;
            } else {
                later.push(c);
            }
        }
        map.push(at, in_force);
        for c in later {
            map.push(c.at, c.cps);
        }
        map
    }
}

/// A program's tempo changes with a looping song unrolled: the song's
/// changes repeat every `song_length` cycles, the tempo returning to `cps`
/// at each loop start (up to 100,000 cycles).
pub fn unrolled_changes(
    cps: f64,
    changes: &[TempoChange],
    song_length: Option<Time>,
) -> Vec<TempoChange> {
    let Some(len) = song_length.filter(|l| *l > Time::ZERO && !changes.is_empty()) else {
        return changes.to_vec();
    };
    let mut out = changes.to_vec();
    let mut start = len;
    while start < Time::int(100_000) && out.len() < 200_000 {
        out.push(TempoChange { at: start, cps });
        out.extend(changes.iter().filter(|c| c.at < len).map(|c| TempoChange {
            at: start + c.at,
            cps: c.cps,
        }));
        start = start + len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_bpm_fractions() {
        let spc = seconds_per_cycle(137.0 / 60.0 / 4.0);
        assert_eq!(spc, Ratio::new(240, 137));
        assert_eq!(seconds_per_cycle(0.5), Ratio::new(2, 1));
    }

    #[test]
    fn samples_at_120_bpm() {
        let m = TempoMap::new(0.5, &[], 48000);
        assert_eq!(m.sample_at(Time::new(1, 4)), 24000);
        assert_eq!(m.sample_at(Time::int(3)), 288000);
    }

    #[test]
    fn tempo_changes_are_continuous() {
        let m = TempoMap::new(
            0.5,
            &[TempoChange {
                at: Time::int(2),
                cps: 1.0,
            }],
            48000,
        );
        assert_eq!(m.sample_at(Time::int(2)), 192000);
        assert_eq!(m.sample_at(Time::int(3)), 240000);
        let s = m.spliced(Time::int(3), 0.25, &[]);
        assert_eq!(s.sample_at(Time::int(3)), 240000);
        assert_eq!(s.sample_at(Time::int(4)), 432000);
        assert!((s.approx_cycle_at_sample(432000) - 4.0).abs() < 1e-9);
    }
}
