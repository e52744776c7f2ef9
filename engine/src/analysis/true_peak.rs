//! Sample and true peaks of stereo audio, the same to the bit as the
//! ebur128 crate's (its `Mode::TRUE_PEAK`): the same interpolator taps,
//! summed in the same order in single precision, but computed for eight
//! frames at a time, and without the phase that only repeats the input.

/// Frames of history kept before each piece: the longest interpolator
/// (24 taps, at 2× oversampling) reads the 23 frames before a frame.
const HISTORY: usize = 24;

/// Frames computed together (one 256-bit vector of `f32`).
const LANES: usize = 8;

/// How the true peak is found at a sample rate, as ebur128 does it:
/// 4× oversampling with 12 taps a phase below 96 kHz, 2× with 24 taps
/// below 192 kHz, and none above (the true peak is then the sample peak).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Oversampling {
    Four,
    Two,
    None,
}

impl Oversampling {
    fn at(rate: u32) -> Oversampling {
        if rate < 96_000 {
            Oversampling::Four
        } else if rate < 192_000 {
            Oversampling::Two
        } else {
            Oversampling::None
        }
    }
}

/// The interpolator's 48 coefficients (ebur128's `InterpF`): a sinc at
/// `factor`× oversampling in a Hann window, computed in double precision
/// and kept in single; coefficient `j` is tap `j / factor` of phase
/// `j % factor`.
fn coefficients(factor: usize) -> [f32; 48] {
    use std::f64::consts::PI;
    let mut c = [0.0f32; 48];
    for (j, c) in c.iter_mut().enumerate() {
        let j = j as f64;
        let window = 48.0;
        let w = 0.5 * (1.0 - (2.0 * PI * j / window).cos());
        let m = j - window / 2.0;
        *c = if m.abs() > 0.000001 {
            w * (m * PI / factor as f64).sin() / (m * PI / factor as f64)
        } else {
            w
        } as f32;
    }
    c
}

/// The taps of phases `1..=P` of an interpolator with `T` taps a phase
/// (`T · (P + 1) = 48`). Phase 0 is left out: its taps are 1 at the
/// middle and below 1e-16 elsewhere, so its output is the input delayed
/// (or, where that is 0, smaller than its neighbours by 1e-15), never
/// above the sample peak, which the true peak includes anyway.
fn phases<const T: usize, const P: usize>() -> [[f32; T]; P] {
    let c = coefficients(P + 1);
    let mut out = [[0.0; T]; P];
    for (p, phase) in out.iter_mut().enumerate() {
        for (t, tap) in phase.iter_mut().enumerate() {
            *tap = c[t * (P + 1) + p + 1];
        }
    }
    out
}

/// The sample and true peaks of stereo audio given a piece at a time.
pub(super) struct PeakMeter {
    oversampling: Oversampling,
    four: [[f32; 12]; 3],
    two: [[f32; 24]; 1],
    /// Per channel: the last [`HISTORY`] frames, then the current piece.
    channels: [Vec<f32>; 2],
    /// Highest |sample|.
    sample_peak: f32,
    /// Highest |interpolated value| found so far (values that cannot
    /// exceed the sample peak are not all computed).
    true_peak: f32,
    /// The CPU runs the AVX build of the interpolation.
    avx: bool,
}

impl PeakMeter {
    pub(super) fn new(rate: u32) -> PeakMeter {
        PeakMeter {
            oversampling: Oversampling::at(rate),
            four: phases::<12, 3>(),
            two: phases::<24, 1>(),
            channels: [vec![0.0; HISTORY], vec![0.0; HISTORY]],
            sample_peak: 0.0,
            true_peak: 0.0,
            avx: avx_available(),
        }
    }

    /// Takes whole interleaved stereo frames.
    pub(super) fn add(&mut self, samples: &[f32]) {
        let frames = samples.len() / 2;
        for buf in &mut self.channels {
            let keep = buf.len() - HISTORY;
            buf.copy_within(keep.., 0);
            buf.resize(HISTORY + frames, 0.0);
        }
        let [left, right] = &mut self.channels;
        let pairs = left[HISTORY..].iter_mut().zip(&mut right[HISTORY..]);
        for (f, (l, r)) in samples.chunks_exact(2).zip(pairs) {
            (*l, *r) = (f[0], f[1]);
        }
        for buf in &self.channels {
            self.sample_peak = max_abs(&buf[HISTORY..], self.sample_peak);
        }
        let mut peak = self.true_peak;
        for buf in &self.channels {
            let known = (peak, self.sample_peak);
            peak = match self.oversampling {
                Oversampling::Four => scan(buf, &self.four, known, self.avx),
                Oversampling::Two => scan(buf, &self.two, known, self.avx),
                Oversampling::None => peak,
            };
        }
        self.true_peak = peak;
    }

    /// The highest sample of either channel (full scale 1).
    pub(super) fn sample_peak(&self) -> f64 {
        self.sample_peak as f64
    }

    /// The highest true peak of either channel, as ebur128 reports it
    /// (never below the sample peak).
    pub(super) fn true_peak(&self) -> f64 {
        self.sample_peak.max(self.true_peak) as f64
    }
}

/// Whether this CPU runs the AVX build of [`scan`].
fn avx_available() -> bool {
    crate::cpu::has_avx()
}

/// The larger of `peak` and the highest |x| of `xs`.
#[inline(always)]
fn max_abs(xs: &[f32], peak: f32) -> f32 {
    let mut m = [peak; LANES];
    let mut groups = xs.chunks_exact(LANES);
    for g in &mut groups {
        for (m, x) in m.iter_mut().zip(g) {
            *m = keep_max(*m, x.abs());
        }
    }
    for x in groups.remainder() {
        m[0] = keep_max(m[0], x.abs());
    }
    m.into_iter().fold(peak, keep_max)
}

/// `x` where it is above `m` (a NaN is ignored, as ebur128 ignores it).
#[inline(always)]
fn keep_max(m: f32, x: f32) -> f32 {
    if x > m {
        x
    } else {
        m
    }
}

/// Frames whose interpolated values are skipped together when they
/// cannot reach the peak.
const BLOCK: usize = 64;

/// The larger of `known.0` and the highest |interpolated value| of the
/// frames of `buf` after its [`HISTORY`], each phase of `taps` applied
/// to a frame and the `T - 1` before it; values that cannot exceed both
/// `known.0` and the sample peak `known.1` (which the true peak includes)
/// may be left out.
fn scan<const T: usize, const P: usize>(
    buf: &[f32],
    taps: &[[f32; T]; P],
    known: (f32, f32),
    avx: bool,
) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if avx {
        // SAFETY: `avx` is set only when the CPU has AVX.
        return unsafe { scan_avx(buf, taps, known) };
    }
    let _ = avx;
    scan_portable(buf, taps, known)
}

/// [`scan`] with 256-bit AVX registers: the same operations in the same
/// order, so the same result.
///
/// # Safety
/// The CPU must have AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn scan_avx<const T: usize, const P: usize>(
    buf: &[f32],
    taps: &[[f32; T]; P],
    known: (f32, f32),
) -> f32 {
    scan_portable(buf, taps, known)
}

/// [`scan`], a block of frames at a time: a block is skipped when the
/// largest sample it reads, times the largest sum of |taps| of a phase
/// (with room for rounding), lies below what is known of the peak
/// (mostly in quieter passages).
#[inline(always)]
fn scan_portable<const T: usize, const P: usize>(
    buf: &[f32],
    taps: &[[f32; T]; P],
    (peak, sample_peak): (f32, f32),
) -> f32 {
    let gain = taps
        .iter()
        .map(|phase| phase.iter().map(|h| h.abs() as f64).sum::<f64>())
        .fold(0.0, f64::max)
        * (1.0 + 1e-5);
    let mut m = [peak; LANES];
    let mut n = HISTORY;
    while n < buf.len() {
        let end = (n + BLOCK).min(buf.len());
        let reach = max_abs(&buf[n + 1 - T..end], 0.0) as f64 * gain;
        let known = m.into_iter().fold(sample_peak, keep_max);
        if reach >= known as f64 {
            while n + LANES <= end {
                interpolate_group::<T, P, LANES>(buf, n, taps, &mut m);
                n += LANES;
            }
            let mut last = [m[0]];
            while n < end {
                interpolate_group::<T, P, 1>(buf, n, taps, &mut last);
                n += 1;
            }
            m[0] = last[0];
        }
        n = end;
    }
    m.into_iter().fold(peak, keep_max)
}

/// The interpolated values of frames `n .. n + L` of `buf` (every phase
/// of `taps`), their magnitudes kept in `m` where larger. Each value
/// is summed as ebur128 sums it: tap 0 (the newest frame) first, in
/// single precision, without fused multiply-adds.
#[inline(always)]
fn interpolate_group<const T: usize, const P: usize, const L: usize>(
    buf: &[f32],
    n: usize,
    taps: &[[f32; T]; P],
    m: &mut [f32; L],
) {
    // Frames n + 1 - T ..= n + L - 1: lane l of tap t reads w[T - 1 + l - t].
    let w = &buf[n + 1 - T..n + L];
    for phase in taps {
        let mut acc = [0.0f32; L];
        for (t, &h) in phase.iter().enumerate() {
            let x = &w[T - 1 - t..T - 1 - t + L];
            for l in 0..L {
                acc[l] += h * x[l];
            }
        }
        for l in 0..L {
            m[l] = keep_max(m[l], acc[l].abs());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The portable and the AVX build find the same peaks, to the bit.
    #[test]
    fn both_builds_find_the_same_peaks() {
        if !avx_available() {
            return;
        }
        let mut rng = fastrand::Rng::with_seed(9);
        for frames in [0usize, 1, 7, 8, 9, 100, 4099] {
            let mut buf = vec![0.0f32; HISTORY];
            buf.extend((0..frames).map(|i| {
                let s = (i as f32 * 1.7).sin();
                s * s.abs().powf(0.1) * (rng.f32() * 0.2 + 0.8)
            }));
            let four = phases::<12, 3>();
            let two = phases::<24, 1>();
            for known in [(0.0, 0.0), (0.5, 0.0), (0.0, 0.9)] {
                assert_eq!(
                    scan(&buf, &four, known, true).to_bits(),
                    scan(&buf, &four, known, false).to_bits()
                );
                assert_eq!(
                    scan(&buf, &two, known, true).to_bits(),
                    scan(&buf, &two, known, false).to_bits()
                );
            }
        }
    }

    /// The blocks skipped hold no value above the peak found: the same
    /// peak as every value computed, on a signal with loud and quiet
    /// passages.
    #[test]
    fn skipped_blocks_hold_no_peak() {
        let mut rng = fastrand::Rng::with_seed(4);
        let mut buf = vec![0.0f32; HISTORY];
        buf.extend((0..20000).map(|i| {
            let level = [0.9, 0.05, 0.5, 0.52, 0.001][i / 4000];
            level * (i as f32 * 0.9).sin() * (rng.f32() * 0.1 + 0.9)
        }));
        let four = phases::<12, 3>();
        let mut every = [0.0f32];
        for n in HISTORY..buf.len() {
            interpolate_group::<12, 3, 1>(&buf, n, &four, &mut every);
        }
        assert!(every[0] > 0.9);
        for avx in [false, avx_available()] {
            assert_eq!(scan(&buf, &four, (0.0, 0.0), avx), every[0]);
            assert_eq!(scan(&buf, &four, (0.0, 0.9), avx).max(0.9), every[0]);
        }
    }

    #[test]
    fn phase_zero_only_repeats_the_input() {
        for factor in [2, 4] {
            let c = coefficients(factor);
            for (j, c) in c.iter().enumerate().step_by(factor) {
                if j == 24 {
                    assert_eq!(*c, 1.0);
                } else {
                    assert!(c.abs() < 1e-16, "{factor}× tap {j}: {c}");
                }
            }
        }
    }
}
