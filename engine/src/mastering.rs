//! Mastering a mixdown for delivery: a gain, then the true-peak limiter,
//! whose gain curve is kept so that stems get exactly what the mix got;
//! reaching a loudness target without more limiting than allowed; and
//! seamless loops, whose tails wrap around to their start.

use crate::analysis::db;
use crate::dsp::effects::TruePeakLimiter;
use ebur128::{EbuR128, Mode};

/// A limited master and the limiter's gain on each of its frames.
#[derive(Clone, Debug, Default)]
pub struct Limited {
    /// Interleaved stereo.
    pub samples: Vec<f32>,
    /// The gain applied to each frame (1 = untouched).
    pub gains: Vec<f32>,
}

/// Amplifies `samples` by `gain_db` and limits true peaks to `ceiling_db`
/// (the limiter's delay removed: frame `i` of the result is frame `i` of
/// the input times the gain and `gains[i]`).
pub fn limit(samples: &[f32], sample_rate: u32, gain_db: f64, ceiling_db: f64) -> Limited {
    let frames = samples.len() / 2;
    run_limiter(samples, sample_rate, gain_db, ceiling_db, 0..frames, |i| {
        (i < frames).then_some(i)
    })
}

/// [`limit`] for a loop: the limiter runs around the loop twice and the
/// second round is kept, so its state at the end continues into the start
/// and its look-ahead at the end sees the start again.
pub fn limit_loop(samples: &[f32], sample_rate: u32, gain_db: f64, ceiling_db: f64) -> Limited {
    let frames = samples.len() / 2;
    if frames == 0 {
        return Limited::default();
    }
    run_limiter(
        samples,
        sample_rate,
        gain_db,
        ceiling_db,
        frames..2 * frames,
        |i| Some(i % frames),
    )
}

/// Runs the limiter over the input frames `source(0), source(1), …`
/// (silence where `None`) and keeps the output frames in `keep`.
fn run_limiter(
    samples: &[f32],
    sample_rate: u32,
    gain_db: f64,
    ceiling_db: f64,
    keep: std::ops::Range<usize>,
    source: impl Fn(usize) -> Option<usize>,
) -> Limited {
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    let mut limiter = TruePeakLimiter::new(sample_rate as f64, ceiling_db);
    let latency = limiter.latency();
    let mut out = Limited {
        samples: Vec::with_capacity(keep.len() * 2),
        gains: Vec::with_capacity(keep.len()),
    };
    for i in 0..keep.end + latency {
        let (l, r) = match source(i) {
            Some(k) => (samples[2 * k] * gain, samples[2 * k + 1] * gain),
            None => (0.0, 0.0),
        };
        let (l, r, g) = limiter.tick_with_gain(l, r);
        if i >= latency && keep.contains(&(i - latency)) {
            out.samples.push(l);
            out.samples.push(r);
            out.gains.push(g);
        }
    }
    out
}

/// [`limit`] a piece at a time, for a master that is still being
/// rendered: each frame comes out `latency` frames after it goes in, with
/// its gain; [`LimiterStream::finish`] lets the last ones out.
pub struct LimiterStream {
    limiter: TruePeakLimiter,
    gain: f32,
    latency: usize,
    /// Frames fed so far.
    fed: usize,
}

impl LimiterStream {
    pub fn new(sample_rate: u32, gain_db: f64, ceiling_db: f64) -> LimiterStream {
        let limiter = TruePeakLimiter::new(sample_rate as f64, ceiling_db);
        LimiterStream {
            gain: 10f64.powf(gain_db / 20.0) as f32,
            latency: limiter.latency(),
            limiter,
            fed: 0,
        }
    }

    /// Feeds interleaved stereo `samples`; `out(left, right, gain)` gets
    /// every frame that comes out, in order.
    pub fn push(&mut self, samples: &[f32], out: &mut impl FnMut(f32, f32, f32)) {
        for f in samples.chunks_exact(2) {
            self.tick(f[0] * self.gain, f[1] * self.gain, out);
        }
    }

    /// Feeds silence until every frame fed has come out.
    pub fn finish(&mut self, out: &mut impl FnMut(f32, f32, f32)) {
        for _ in 0..self.latency {
            self.tick(0.0, 0.0, out);
        }
    }

    #[inline]
    fn tick(&mut self, l: f32, r: f32, out: &mut impl FnMut(f32, f32, f32)) {
        let (l, r, g) = self.limiter.tick_with_gain(l, r);
        if self.fed >= self.latency {
            out(l, r, g);
        }
        self.fed += 1;
    }
}

/// `stem` amplified by `gain_db` and by the limiter's `gains`, frame by
/// frame: a post-master stem with the mix's limiting.
pub fn apply_gains(stem: &[f32], gain_db: f64, gains: &[f32]) -> Vec<f32> {
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    stem.chunks_exact(2)
        .zip(gains)
        .flat_map(|(f, g)| [f[0] * gain * g, f[1] * gain * g])
        .collect()
}

/// How hard the limiter worked, dB of gain reduction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limiting {
    pub max_db: f64,
    /// Mean over the whole programme.
    pub mean_db: f64,
}

/// The gain reduction of a limiter's `gains`.
pub fn limiting(gains: &[f32]) -> Limiting {
    let mut m = LimitingMeter::default();
    for &g in gains {
        m.add(g);
    }
    m.finish()
}

/// [`limiting`] a gain at a time.
#[derive(Clone, Copy, Debug)]
pub struct LimitingMeter {
    min: f32,
    /// Sum of the reductions, dB (from −0, as `Iterator::sum` starts).
    sum: f64,
    frames: usize,
}

impl Default for LimitingMeter {
    fn default() -> LimitingMeter {
        LimitingMeter {
            min: 1.0,
            sum: -0.0,
            frames: 0,
        }
    }
}

impl LimitingMeter {
    #[inline]
    pub fn add(&mut self, gain: f32) {
        self.min = self.min.min(gain);
        // `0.0 - x` rather than `-x`: no reduction is 0 dB, not −0; a gain
        // of 1 takes no logarithm.
        self.sum += if gain == 1.0 {
            0.0
        } else {
            0.0 - db(gain as f64)
        };
        self.frames += 1;
    }

    pub fn finish(&self) -> Limiting {
        Limiting {
            max_db: 0.0 - db(self.min as f64),
            mean_db: self.sum / self.frames.max(1) as f64,
        }
    }
}

/// Samples of `samples` amplified by `gain_db` over full scale: what
/// would have clipped without the limiter.
pub fn over_full_scale(samples: &[f32], gain_db: f64) -> usize {
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    samples.iter().filter(|x| (**x * gain).abs() > 1.0).count()
}

/// Wraps everything after the first `frames` frames of `x` around onto its
/// start (as often as it is longer): the loop as it sounds when repeated,
/// its own tails (reverb, delay, releases) ringing into its beginning.
pub fn fold_tail(x: &[f32], frames: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; frames * 2];
    if frames == 0 {
        return out;
    }
    for (i, f) in x.chunks_exact(2).enumerate() {
        let k = i % frames;
        out[2 * k] += f[0];
        out[2 * k + 1] += f[1];
    }
    out
}

/// A loudness to reach: integrated LUFS within a tolerance, under a
/// true-peak ceiling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Goal {
    pub integrated: f64,
    pub tolerance: f64,
    pub true_peak: f64,
}

/// How a goal was reached.
#[derive(Clone, Debug)]
pub struct Fit {
    /// The gain before the limiter, dB.
    pub gain_db: f64,
    pub limited: Limited,
    /// Integrated loudness reached, LUFS.
    pub integrated: f64,
    pub limiting: Limiting,
    /// Set when the goal's exact loudness needed more limiting than
    /// allowed and a level inside its tolerance was delivered instead.
    pub backed_off: bool,
}

/// Why a goal cannot be reached.
#[derive(Clone, Debug, PartialEq)]
pub enum FitError {
    /// The programme is silent: no gain makes it loud.
    Silent,
    /// Reaching the goal needs more limiting than allowed.
    Damage {
        /// Limiting the goal's loudness needs, dB.
        needed_db: f64,
        /// The limiting allowed, dB.
        allowed_db: f64,
        /// The loudest the programme gets within the allowed limiting, LUFS.
        reachable: f64,
    },
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FitError::Silent => write!(f, "the programme is silent: no gain reaches a loudness"),
            FitError::Damage {
                needed_db,
                allowed_db,
                reachable,
            } => write!(
                f,
                "reaching it needs {needed_db:.1} dB of limiting, more than the {allowed_db:.1} dB allowed; \
                 within that the programme reaches {reachable:.1} LUFS"
            ),
        }
    }
}

/// One trial: the master at a gain under a ceiling, measured.
struct Trial {
    gain_db: f64,
    limited: Limited,
    integrated: f64,
    true_peak: f64,
    limiting: Limiting,
}

fn trial(master: &[f32], sr: u32, gain_db: f64, ceiling_db: f64, looped: bool) -> Trial {
    let limited = if looped {
        limit_loop(master, sr, gain_db, ceiling_db)
    } else {
        limit(master, sr, gain_db, ceiling_db)
    };
    let (integrated, true_peak) = loudness_and_true_peak(&limited.samples, sr);
    let limiting = limiting(&limited.gains);
    Trial {
        gain_db,
        limited,
        integrated,
        true_peak,
        limiting,
    }
}

/// Integrated loudness (LUFS) and true peak (dBTP) of interleaved stereo.
pub fn loudness_and_true_peak(samples: &[f32], sample_rate: u32) -> (f64, f64) {
    let Ok(mut m) = EbuR128::new(2, sample_rate, Mode::I | Mode::TRUE_PEAK) else {
        return (f64::NEG_INFINITY, f64::NEG_INFINITY);
    };
    if m.add_frames_f32(samples).is_err() {
        return (f64::NEG_INFINITY, f64::NEG_INFINITY);
    }
    let tp = m
        .true_peak(0)
        .unwrap_or(0.0)
        .max(m.true_peak(1).unwrap_or(0.0));
    (m.loudness_global().unwrap_or(f64::NEG_INFINITY), db(tp))
}

/// Masters `master` (interleaved stereo, before any limiter) to `goal`
/// with at most `max_limiting_db` of limiter gain reduction. Aims at the
/// goal's loudness; when that needs more limiting, at the loudest level
/// the allowed limiting gives, if it lies within the tolerance; otherwise
/// fails rather than squash the programme.
pub fn fit(
    master: &[f32],
    sample_rate: u32,
    goal: Goal,
    max_limiting_db: f64,
    looped: bool,
) -> Result<Fit, FitError> {
    let (now, _) = loudness_and_true_peak(master, sample_rate);
    if !now.is_finite() {
        return Err(FitError::Silent);
    }
    let mut ceiling = goal.true_peak;
    let run = |gain: f64, ceiling: f64| trial(master, sample_rate, gain, ceiling, looped);
    let mut t = run(goal.integrated - now, ceiling);
    for _ in 0..8 {
        // The limiter's own estimate of true peaks is close to, not the
        // same as, the meter's: lower its ceiling by any overshoot.
        let over = t.true_peak - goal.true_peak;
        let short = goal.integrated - t.integrated;
        if over <= 0.0 && short.abs() < 0.05 {
            break;
        }
        if over > 0.0 {
            ceiling -= over + 0.02;
        }
        t = run(
            t.gain_db + if short.is_finite() { short } else { 0.0 },
            ceiling,
        );
    }
    if t.limiting.max_db <= max_limiting_db {
        return Ok(finish(t, false));
    }
    let needed_db = t.limiting.max_db;
    // The largest reduction follows the gain almost one to one.
    let mut back = run(t.gain_db - (needed_db - max_limiting_db) - 0.01, ceiling);
    for _ in 0..4 {
        let excess = back.limiting.max_db - max_limiting_db;
        if excess <= 0.0 {
            break;
        }
        back = run(back.gain_db - excess - 0.01, ceiling);
    }
    if back.limiting.max_db <= max_limiting_db
        && back.integrated >= goal.integrated - goal.tolerance
        && back.true_peak <= goal.true_peak
    {
        return Ok(finish(back, true));
    }
    Err(FitError::Damage {
        needed_db,
        allowed_db: max_limiting_db,
        reachable: back.integrated,
    })
}

fn finish(t: Trial, backed_off: bool) -> Fit {
    Fit {
        gain_db: t.gain_db,
        integrated: t.integrated,
        limiting: t.limiting,
        limited: t.limited,
        backed_off,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(amp: f32, frames: usize) -> Vec<f32> {
        (0..frames)
            .flat_map(|i| {
                let x = amp * (i as f32 * 0.05).sin();
                [x, x]
            })
            .collect()
    }

    #[test]
    fn the_limiter_output_is_its_input_times_its_gains() {
        let x = tone(1.5, 20000);
        let l = limit(&x, 48000, 0.0, -1.0);
        assert_eq!(l.samples.len(), x.len());
        assert!(l.gains.iter().any(|&g| g < 0.7));
        let again = apply_gains(&x, 0.0, &l.gains);
        assert_eq!(again, l.samples);
        assert!(limiting(&l.gains).max_db > 3.0);
        let over = x.iter().filter(|v| v.abs() > 1.0).count();
        assert!(over > 1000);
        assert_eq!(over_full_scale(&x, 0.0), over);
        assert_eq!(over_full_scale(&x, -6.0), 0);
    }

    #[test]
    fn folding_wraps_the_tail_onto_the_start() {
        let x: Vec<f32> = (0..10).flat_map(|i| [i as f32, -(i as f32)]).collect();
        let f = fold_tail(&x, 4);
        // Frames 0..4 plus 4..8 plus 8..10.
        assert_eq!(f[0], 0.0 + 4.0 + 8.0);
        assert_eq!(f[2], 1.0 + 5.0 + 9.0);
        assert_eq!(f[4], 2.0 + 6.0);
        assert_eq!(f[7], -(3.0 + 7.0));
    }

    #[test]
    fn a_looped_limiter_continues_around_the_loop() {
        // A loud burst at the very end: the look-ahead at the loop's end
        // sees it, and the gain it causes carries over into the start.
        let mut x = tone(0.3, 4800);
        for v in x[2 * 4700..].iter_mut() {
            *v *= 6.0;
        }
        let l = limit_loop(&x, 48000, 0.0, -1.0);
        assert!(l.gains[4799] < 0.7, "limited at the end");
        assert!(
            l.gains[0] < 0.9,
            "still releasing at the start: {}",
            l.gains[0]
        );
        let plain = limit(&x, 48000, 0.0, -1.0);
        assert_eq!(plain.gains[0], 1.0);
    }
}
