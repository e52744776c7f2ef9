//! Measuring a master or a stem for the mix report: loudness as EBU R 128
//! measures it (integrated, range, short-term and momentary maxima, true
//! peak), and the plain figures a mix engineer checks before delivering
//! (sample peak, RMS, crest factor, stereo correlation, what folding to
//! mono loses, DC offset).
//!
//! The figures are the ebur128 crate's. At the usual rates they are
//! computed here in one pass (`loudness`, `true_peak`: about a tenth
//! of the crate's time, which every render spends on its file), the
//! loudness within 5e-7 LU of the crate's up to 96 kHz (5e-6 at 192 kHz)
//! and the peaks to the bit, as the tests hold them; at other rates the
//! crate measures.

use ebur128::{EbuR128, Mode};

mod loudness;
mod true_peak;

/// Seconds between two values of [`Analysis::loudness_curve`].
pub const CURVE_STEP: f64 = 0.1;

/// The measurements of interleaved stereo audio. Levels are in dB
/// (`-inf` for silence); a figure that does not exist for the signal
/// (the correlation of silence) is NaN.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// Integrated loudness, LUFS.
    pub integrated: f64,
    /// Loudness range (EBU Tech 3342), LU.
    pub range: f64,
    /// Highest short-term (3 s) loudness, LUFS.
    pub short_term_max: f64,
    /// Highest momentary (400 ms) loudness, LUFS.
    pub momentary_max: f64,
    /// Highest sample, dBFS.
    pub sample_peak: f64,
    /// Highest true (inter-sample) peak, dBTP.
    pub true_peak: f64,
    /// RMS level of both channels, dBFS.
    pub rms: f64,
    /// Sample peak over RMS, dB.
    pub crest: f64,
    /// Correlation of the channels, −1 (opposite) … 1 (mono).
    pub correlation: f64,
    /// Loudness lost when the channels are folded to mono as (L+R)/2, LU:
    /// 0 for a centred signal, about 3 for unrelated channels, more when
    /// they cancel.
    pub mono_loss: f64,
    /// The larger of the channels' mean values, dBFS.
    pub dc_offset: f64,
    /// Short-term loudness every [`CURVE_STEP`] seconds (LUFS, `-inf` in
    /// silence): the loudness over time a plot draws.
    pub loudness_curve: Vec<f64>,
}

/// `20·log10(x)`, `-inf` for 0.
pub fn db(x: f64) -> f64 {
    if x > 0.0 {
        20.0 * x.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// Measures interleaved stereo `samples`.
pub fn analyse(samples: &[f32], sample_rate: u32) -> Analysis {
    let whole = samples.len() & !1;
    let mut a = Analyser::new(sample_rate);
    a.add(&samples[..whole]);
    a.finish_with_stray(whole < samples.len())
}

/// [`analyse`] fed piece by piece: the same figures, to the last bit, for
/// the same samples however they are cut, without holding them all.
pub struct Analyser {
    meters: Meters,
    plain: Plain,
}

/// What measures the loudness and the peaks: this module's one-pass
/// meter where a rate's 100 ms are whole steps ([`loudness::fits`]),
/// else the ebur128 crate.
enum Meters {
    OnePass {
        loudness: Box<loudness::StepMeter>,
        peaks: Box<true_peak::PeakMeter>,
    },
    Crate {
        loudness: Box<LoudnessMeter>,
        mono: Box<MonoMeter>,
    },
}

impl Analyser {
    pub fn new(sample_rate: u32) -> Analyser {
        Analyser::with_curve(sample_rate, true)
    }

    /// An analyser whose [`Analysis::loudness_curve`] stays empty (every
    /// other figure the same).
    pub fn without_curve(sample_rate: u32) -> Analyser {
        Analyser::with_curve(sample_rate, false)
    }

    fn with_curve(sample_rate: u32, curve: bool) -> Analyser {
        let frames = frames_per_step(sample_rate);
        let meters = if loudness::fits(sample_rate, frames) {
            Meters::OnePass {
                loudness: Box::new(loudness::StepMeter::new(sample_rate, frames, curve)),
                peaks: Box::new(true_peak::PeakMeter::new(sample_rate)),
            }
        } else {
            Analyser::crate_meters(sample_rate, curve)
        };
        Analyser {
            meters,
            plain: Plain::default(),
        }
    }

    /// The ebur128 crate's meters.
    fn crate_meters(sample_rate: u32, curve: bool) -> Meters {
        Meters::Crate {
            loudness: Box::new(LoudnessMeter::new(sample_rate, curve)),
            mono: Box::new(MonoMeter::new(sample_rate)),
        }
    }

    /// An analyser measuring with the ebur128 crate at any rate: the
    /// reference the tests hold the one-pass meter to.
    #[cfg(test)]
    fn with_crate(sample_rate: u32, curve: bool) -> Analyser {
        Analyser {
            meters: Analyser::crate_meters(sample_rate, curve),
            plain: Plain::default(),
        }
    }

    /// Adds whole stereo frames (interleaved; an odd sample at the end is
    /// ignored).
    pub fn add(&mut self, samples: &[f32]) {
        let samples = &samples[..samples.len() & !1];
        match &mut self.meters {
            Meters::OnePass { loudness, peaks } => {
                // A decay into silence leaves filter states subnormal,
                // which costs a hundred times more on x86; such energies
                // are zero to any meter (ebur128 flushes them too).
                let _flush = crate::dsp::lanes::FlushSubnormals::new();
                loudness.add(samples, &mut self.plain);
                peaks.add(samples);
            }
            Meters::Crate { loudness, mono } => {
                loudness.add(samples);
                mono.add(samples);
                self.plain.add(samples);
            }
        }
    }

    pub fn finish(self) -> Analysis {
        self.finish_with_stray(false)
    }

    /// The figures; `stray`: the samples ended with half a frame, which
    /// the loudness meter refuses (its figures stop at the last whole
    /// curve step).
    pub(crate) fn finish_with_stray(self, stray: bool) -> Analysis {
        let (loudness, mono_integrated) = match self.meters {
            Meters::OnePass { loudness, peaks } => one_pass_figures(*loudness, &peaks, stray),
            Meters::Crate { loudness, mono } => (loudness.finish(stray), mono.finish()),
        };
        let plain = self.plain.finish();
        let mono_loss = loudness.integrated - mono_integrated;
        Analysis {
            integrated: loudness.integrated,
            range: loudness.range,
            short_term_max: loudness.short_term_max,
            momentary_max: loudness.momentary_max,
            sample_peak: loudness.sample_peak,
            true_peak: loudness.true_peak,
            rms: plain.rms,
            crest: if plain.rms.is_finite() {
                loudness.sample_peak - plain.rms
            } else {
                f64::NAN
            },
            correlation: plain.correlation,
            mono_loss: if mono_loss.is_finite() {
                mono_loss.max(0.0)
            } else if loudness.integrated.is_finite() {
                f64::INFINITY
            } else {
                f64::NAN
            },
            dc_offset: plain.dc_offset,
            loudness_curve: loudness.curve,
        }
    }
}

/// Frames in a step of [`Analysis::loudness_curve`].
fn frames_per_step(sample_rate: u32) -> usize {
    ((sample_rate as f64 * CURVE_STEP) as usize).max(1)
}

/// The loudness figures of the one-pass meters, and the integrated
/// loudness of the mono fold. With `stray`, as the crate's meter gives
/// them when the signal ends in half a frame: the maxima and the curve
/// up to the last whole step, no loudness and no peaks.
fn one_pass_figures(
    mut meter: loudness::StepMeter,
    peaks: &true_peak::PeakMeter,
    stray: bool,
) -> (Loudness, f64) {
    if stray {
        let (short_term_max, momentary_max) = meter.maxima();
        let loudness = Loudness {
            short_term_max,
            momentary_max,
            curve: meter.curve(),
            ..Loudness::none()
        };
        return (loudness, meter.finish().mono_integrated);
    }
    let f = meter.finish();
    let loudness = Loudness {
        integrated: f.integrated,
        range: f.range,
        short_term_max: f.short_term_max,
        momentary_max: f.momentary_max,
        sample_peak: db(peaks.sample_peak()),
        true_peak: db(peaks.true_peak()),
        curve: f.curve,
    };
    (loudness, f.mono_integrated)
}

struct Loudness {
    integrated: f64,
    range: f64,
    short_term_max: f64,
    momentary_max: f64,
    sample_peak: f64,
    true_peak: f64,
    curve: Vec<f64>,
}

impl Loudness {
    /// The figures of no signal.
    fn none() -> Loudness {
        Loudness {
            integrated: f64::NEG_INFINITY,
            range: 0.0,
            short_term_max: f64::NEG_INFINITY,
            momentary_max: f64::NEG_INFINITY,
            sample_peak: f64::NEG_INFINITY,
            true_peak: f64::NEG_INFINITY,
            curve: Vec::new(),
        }
    }
}

/// EBU R 128 loudness through the ebur128 crate, read every
/// [`CURVE_STEP`] seconds of audio.
struct LoudnessMeter {
    meter: Option<EbuR128>,
    /// Samples per curve step (interleaved).
    step: usize,
    /// The start of the current step, when it arrived in pieces.
    pending: Vec<f32>,
    out: Loudness,
    /// The curve is kept.
    curve: bool,
}

impl LoudnessMeter {
    fn new(sample_rate: u32, curve: bool) -> LoudnessMeter {
        let mode = Mode::I | Mode::LRA | Mode::S | Mode::M | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK;
        LoudnessMeter {
            meter: EbuR128::new(2, sample_rate, mode).ok(),
            step: frames_per_step(sample_rate) * 2,
            curve,
            pending: Vec::new(),
            out: Loudness::none(),
        }
    }

    fn add(&mut self, mut samples: &[f32]) {
        if self.meter.is_none() {
            return;
        }
        if !self.pending.is_empty() {
            let take = (self.step - self.pending.len()).min(samples.len());
            self.pending.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.pending.len() < self.step {
                return;
            }
            let step = std::mem::take(&mut self.pending);
            self.read_step(&step);
            self.pending = step;
            self.pending.clear();
        }
        let mut steps = samples.chunks_exact(self.step);
        for chunk in &mut steps {
            self.read_step(chunk);
        }
        self.pending.extend_from_slice(steps.remainder());
    }

    /// Feeds one step (the last may be shorter) and reads the short-term
    /// and momentary loudness after it.
    fn read_step(&mut self, chunk: &[f32]) {
        let Some(m) = self.meter.as_mut() else {
            return;
        };
        if m.add_frames_f32(chunk).is_err() {
            // The figures stop here, as they are.
            self.meter = None;
            return;
        }
        let out = &mut self.out;
        let st = m.loudness_shortterm().unwrap_or(f64::NEG_INFINITY);
        let mo = m.loudness_momentary().unwrap_or(f64::NEG_INFINITY);
        out.short_term_max = out.short_term_max.max(st);
        out.momentary_max = out.momentary_max.max(mo);
        if self.curve {
            out.curve
                .push(if st < -200.0 { f64::NEG_INFINITY } else { st });
        }
    }

    fn finish(mut self, stray: bool) -> Loudness {
        if stray {
            // Half a frame at the end: the meter refuses the last piece.
            return self.out;
        }
        if !self.pending.is_empty() {
            let last = std::mem::take(&mut self.pending);
            self.read_step(&last);
        }
        let Some(m) = self.meter else {
            return self.out;
        };
        let mut out = self.out;
        let peak = |f: &dyn Fn(u32) -> f64| db(f(0).max(f(1)));
        out.integrated = m.loudness_global().unwrap_or(f64::NEG_INFINITY);
        out.range = m.loudness_range().unwrap_or(0.0);
        out.sample_peak = peak(&|c| m.sample_peak(c).unwrap_or(0.0));
        out.true_peak = peak(&|c| m.true_peak(c).unwrap_or(0.0));
        for x in [&mut out.short_term_max, &mut out.momentary_max] {
            if *x < -200.0 {
                *x = f64::NEG_INFINITY;
            }
        }
        out
    }
}

/// Integrated loudness of the signal folded to mono, (L+R)/2 on both
/// sides: measured as one channel counted twice (EBU R 128's dual mono),
/// which gives the same figure as two identical channels with half the
/// filtering (a block's energy `2·s` is `s + s` exactly).
struct MonoMeter {
    meter: Option<EbuR128>,
    mid: Vec<f32>,
}

impl MonoMeter {
    fn new(sample_rate: u32) -> MonoMeter {
        let meter = EbuR128::new(1, sample_rate, Mode::I)
            .ok()
            .and_then(|mut m| {
                m.set_channel(0, ebur128::Channel::DualMono).ok()?;
                Some(m)
            });
        MonoMeter {
            meter,
            mid: Vec::with_capacity(4096),
        }
    }

    fn add(&mut self, samples: &[f32]) {
        let Some(m) = self.meter.as_mut() else {
            return;
        };
        for chunk in samples.chunks(8192) {
            self.mid.clear();
            self.mid
                .extend(chunk.chunks_exact(2).map(|f| 0.5 * (f[0] + f[1])));
            if m.add_frames_f32(&self.mid).is_err() {
                self.meter = None;
                return;
            }
        }
    }

    fn finish(self) -> f64 {
        self.meter
            .and_then(|m| m.loudness_global().ok())
            .unwrap_or(f64::NEG_INFINITY)
    }
}

/// Sums for RMS, correlation and DC offset.
#[derive(Default)]
struct Plain {
    ll: f64,
    rr: f64,
    lr: f64,
    sl: f64,
    sr: f64,
    frames: usize,
}

struct PlainFigures {
    rms: f64,
    correlation: f64,
    dc_offset: f64,
}

impl Plain {
    fn add(&mut self, samples: &[f32]) {
        let (mut ll, mut rr, mut lr, mut sl, mut sr) =
            (self.ll, self.rr, self.lr, self.sl, self.sr);
        for f in samples.chunks_exact(2) {
            let (l, r) = (f[0] as f64, f[1] as f64);
            ll += l * l;
            rr += r * r;
            lr += l * r;
            sl += l;
            sr += r;
        }
        (self.ll, self.rr, self.lr, self.sl, self.sr) = (ll, rr, lr, sl, sr);
        self.frames += samples.len() / 2;
    }

    fn finish(&self) -> PlainFigures {
        let (ll, rr, lr, sl, sr) = (self.ll, self.rr, self.lr, self.sl, self.sr);
        let frames = self.frames.max(1) as f64;
        PlainFigures {
            rms: 10.0 * ((ll + rr) / (2.0 * frames)).log10(),
            correlation: if ll > 0.0 && rr > 0.0 {
                (lr / (ll * rr).sqrt()).clamp(-1.0, 1.0)
            } else {
                f64::NAN
            },
            dc_offset: db((sl / frames).abs().max((sr / frames).abs())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, amp: f64, seconds: f64, phase_r: f64) -> Vec<f32> {
        let sr = 48000.0;
        (0..(seconds * sr) as usize)
            .flat_map(|i| {
                let t = i as f64 / sr;
                let w = std::f64::consts::TAU * freq * t;
                [(amp * w.sin()) as f32, (amp * (w + phase_r).sin()) as f32]
            })
            .collect()
    }

    #[test]
    fn a_centred_sine_is_correlated_and_folds_to_mono_without_loss() {
        let a = analyse(&sine(1000.0, 0.5, 5.0, 0.0), 48000);
        assert!((a.sample_peak - db(0.5)).abs() < 0.01, "{}", a.sample_peak);
        // A sine's crest factor is 3 dB.
        assert!((a.crest - 3.01).abs() < 0.05, "{}", a.crest);
        assert!((a.correlation - 1.0).abs() < 1e-9);
        assert!(a.mono_loss.abs() < 0.05, "{}", a.mono_loss);
        assert!(a.dc_offset < -80.0, "{}", a.dc_offset);
        // 1 kHz at −6 dBFS in both channels: about −6 + 3 − 3 = −6 LUFS.
        assert!((a.integrated + 6.0).abs() < 0.3, "{}", a.integrated);
        assert!(a.range < 0.5);
        assert_eq!(a.loudness_curve.len(), 50);
    }

    /// Signals whose loudness moves in every way: noise, low, middle and
    /// high sines, a crescendo, a jump after silence, a decaying burst.
    fn varied(sr: f64, seconds: f64) -> Vec<Vec<f32>> {
        let n = (seconds * sr) as usize;
        let mut rng = fastrand::Rng::with_seed(5);
        let tone = |f: f64, i: usize| (std::f64::consts::TAU * f * i as f64 / sr).sin() as f32;
        let mut out = Vec::new();
        out.push((0..2 * n).map(|_| 0.3 * (rng.f32() - 0.5)).collect());
        for f in [31.0, 1000.0, 12000.0] {
            out.push(
                (0..n)
                    .flat_map(|i| [0.5 * tone(f, i), 0.4 * tone(f, i)])
                    .collect(),
            );
        }
        out.push(
            (0..n)
                .flat_map(|i| {
                    let g = (i as f32 / n as f32).powi(3);
                    [g * tone(440.0, i), g * tone(660.0, i)]
                })
                .collect(),
        );
        out.push(
            (0..n)
                .flat_map(|i| {
                    let on = if i > n / 2 { 0.7 } else { 0.0 };
                    [on * tone(220.0, i), on * 0.5 * tone(3000.0, i)]
                })
                .collect(),
        );
        out.push(
            (0..n)
                .flat_map(|i| {
                    let g =
                        (-(i as f32) / sr as f32).exp() * (1.0 + 0.3 * (i as f32 * 0.0007).sin());
                    [g * tone(97.0, i), g * (rng.f32() - 0.5)]
                })
                .collect(),
        );
        out
    }

    /// Edge cases and the signals a meter's gates, windows and
    /// interpolator are sensitive to, at `sr`.
    fn edges(sr: f64) -> Vec<(&'static str, Vec<f32>)> {
        let frames = |s: f64| (s * sr) as usize;
        let tone = |f: f64, i: usize, phase: f64| {
            (std::f64::consts::TAU * f * i as f64 / sr + phase).sin() as f32
        };
        let stereo =
            |n: usize, f: &dyn Fn(usize) -> [f32; 2]| -> Vec<f32> { (0..n).flat_map(f).collect() };
        let mut rng = fastrand::Rng::with_seed(11);
        let mut out = vec![
            ("silence", vec![0.0; 2 * frames(4.0)]),
            ("nothing", Vec::new()),
            ("one frame", vec![0.5, -0.25]),
            (
                "short of a block",
                stereo(frames(0.35), &|i| [0.5 * tone(1000.0, i, 0.0); 2]),
            ),
            (
                "short of a short-term window",
                stereo(frames(2.73), &|i| {
                    [0.3 * tone(440.0, i, 0.0), 0.2 * tone(550.0, i, 0.0)]
                }),
            ),
            (
                "odd length",
                stereo(frames(5.0) + 1234, &|i| {
                    [0.4 * tone(250.0, i, 0.0), 0.1 * tone(5000.0, i, 1.0)]
                }),
            ),
            (
                // A quarter of the rate at 45°: every sample at 0.707, the
                // waveform at 1 between them.
                "inter-sample peaks",
                stereo(frames(1.5), &|i| {
                    [tone(sr / 4.0, i, std::f64::consts::FRAC_PI_4); 2]
                }),
            ),
            (
                "near half the rate",
                stereo(frames(1.5), &|i| {
                    [0.9 * tone(sr * 0.45, i, 0.3), 0.9 * tone(sr * 0.3, i, 0.0)]
                }),
            ),
            (
                "full-scale square",
                stereo(frames(3.3), &|i| {
                    let s = if (i / 37) % 2 == 0 { 1.0 } else { -1.0 };
                    [s, -s]
                }),
            ),
            (
                "silence then loud",
                stereo(frames(7.0), &|i| {
                    let on = if i > frames(4.05) { 0.9 } else { 0.0 };
                    [on * tone(100.0, i, 0.0), on * tone(2000.0, i, 0.0)]
                }),
            ),
            (
                // −20 LUFS with passages 15 and 60 LU below it: the
                // relative and absolute gates each remove some.
                "gated passages",
                stereo(frames(12.0), &|i| {
                    let g = match i * 6 / frames(12.0) {
                        0 | 3 => 0.14,
                        1 | 4 => 0.025,
                        _ => 0.00014,
                    };
                    [g * tone(1000.0, i, 0.0); 2]
                }),
            ),
            (
                "left only",
                stereo(frames(3.2), &|i| [0.5 * tone(700.0, i, 0.0), 0.0]),
            ),
            (
                "opposite channels",
                stereo(frames(2.0), &|i| {
                    [0.5 * tone(300.0, i, 0.0), -0.5 * tone(300.0, i, 0.0)]
                }),
            ),
        ];
        for level in [1.0, 0.1, 0.003, 1e-5] {
            out.push((
                "sine",
                stereo(frames(4.0), &|i| {
                    [level * tone(997.0, i, 0.0), level * tone(997.0, i, 0.5)]
                }),
            ));
        }
        out.push((
            "noise",
            (0..2 * frames(6.5))
                .map(|_| rng.f32() * 2.0 - 1.0)
                .collect(),
        ));
        out
    }

    /// `a` and `b` agree within `tolerance` (or are the same infinity or
    /// both NaN).
    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        a == b || (a - b).abs() <= tolerance || (a.is_nan() && b.is_nan())
    }

    /// How far (LU) the one-pass meter's loudness figures may lie from
    /// the crate's at `sr`. The windows' energies are summed in another
    /// order, the K-weighting is two biquads rather than one fourth-order
    /// section (whose rounding grows with the rate: the differences seen
    /// are 3e-9 LU at 48 kHz, 1.3e-7 at 96 kHz, 1.2e-6 at 192 kHz), and
    /// the mono fold is of the K-weighted channels rather than of the
    /// samples rounded to single precision (3e-7 LU).
    fn tolerance(sr: u32) -> f64 {
        if sr < 192000 {
            5e-7
        } else {
            5e-6
        }
    }

    /// The one-pass meter's figures against the ebur128 crate's: the
    /// loudness figures within [`tolerance`], the peaks and the plain
    /// figures to the bit.
    fn assert_matches_the_crate(x: &[f32], sr: u32, what: &str) {
        let mut one_pass = Analyser::new(sr);
        assert!(matches!(one_pass.meters, Meters::OnePass { .. }));
        let mut reference = Analyser::with_crate(sr, true);
        for piece in x.chunks(2 * 4321) {
            one_pass.add(piece);
            reference.add(piece);
        }
        let (a, r) = (one_pass.finish(), reference.finish());
        let tolerance = tolerance(sr);
        for (name, a, r) in [
            ("integrated", a.integrated, r.integrated),
            ("range", a.range, r.range),
            ("short-term max", a.short_term_max, r.short_term_max),
            ("momentary max", a.momentary_max, r.momentary_max),
            ("mono loss", a.mono_loss, r.mono_loss),
        ] {
            assert!(
                close(a, r, tolerance),
                "{what} at {sr} Hz: {name} {a} against {r}"
            );
        }
        for (name, a, r) in [
            ("sample peak", a.sample_peak, r.sample_peak),
            ("true peak", a.true_peak, r.true_peak),
            ("rms", a.rms, r.rms),
            ("crest", a.crest, r.crest),
            ("correlation", a.correlation, r.correlation),
            ("dc", a.dc_offset, r.dc_offset),
        ] {
            assert_eq!(
                a.to_bits(),
                r.to_bits(),
                "{what} at {sr} Hz: {name} {a} against {r}"
            );
        }
        assert_eq!(
            a.loudness_curve.len(),
            r.loudness_curve.len(),
            "{what} at {sr} Hz"
        );
        for (i, (a, r)) in a.loudness_curve.iter().zip(&r.loudness_curve).enumerate() {
            assert!(
                close(*a, *r, tolerance),
                "{what} at {sr} Hz: curve {i}: {a} against {r}"
            );
        }
    }

    #[test]
    fn the_one_pass_meter_gives_the_crates_figures() {
        for sr in [48000u32, 44100, 96000, 192000, 8000] {
            for (what, x) in edges(sr as f64) {
                assert_matches_the_crate(&x, sr, what);
            }
            for x in varied(sr as f64, 7.33) {
                assert_matches_the_crate(&x, sr, "varied");
            }
        }
    }

    #[test]
    fn the_true_peak_lies_between_the_samples() {
        let x = &edges(48000.0)[6];
        assert_eq!(x.0, "inter-sample peaks");
        let a = analyse(&x.1, 48000);
        assert!(
            (a.sample_peak - db(0.5f64.sqrt())).abs() < 0.01,
            "{}",
            a.sample_peak
        );
        // (The interpolator's gain is 0.1 dB above 1 at a quarter of the rate.)
        assert!(a.true_peak > 0.0 && a.true_peak < 0.2, "{}", a.true_peak);
    }

    /// The one-pass meter's short-term and momentary loudness after each
    /// step against the crate's readings at the same point.
    #[test]
    fn each_reading_follows_the_meter() {
        for sr in [48000u32, 44100, 96000, 192000] {
            let frames = frames_per_step(sr);
            let mut signals = varied(sr as f64, 5.0);
            signals.extend(edges(sr as f64).into_iter().map(|(_, x)| x));
            for x in signals {
                let mode = Mode::I | Mode::LRA | Mode::S | Mode::M;
                let mut m = EbuR128::new(2, sr, mode).unwrap();
                let mut one_pass = loudness::StepMeter::new(sr, frames, false);
                let mut plain = Plain::default();
                for step in x.chunks_exact(2 * frames) {
                    m.add_frames_f32(step).unwrap();
                    one_pass.add(step, &mut plain);
                    let exact = [
                        m.loudness_shortterm().unwrap(),
                        m.loudness_momentary().unwrap(),
                    ];
                    for (a, exact) in one_pass.reading().into_iter().zip(exact) {
                        if exact > -150.0 {
                            assert!(
                                close(a, exact, tolerance(sr)),
                                "{sr} Hz: {a} against {exact}"
                            );
                        } else {
                            assert!(a < -140.0, "{sr} Hz: {a} against {exact}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn rates_whose_100_ms_are_not_whole_are_measured_by_the_crate() {
        for sr in [11025, 22050, 32000] {
            let fits = loudness::fits(sr, frames_per_step(sr));
            assert_eq!(fits, sr != 11025, "{sr} Hz");
            let x = &varied(sr as f64, 4.0)[0];
            let mut reference = Analyser::with_crate(sr, true);
            reference.add(x);
            let a = format!("{:?}", analyse(x, sr));
            if fits {
                assert_ne!(a, format!("{:?}", reference.finish()), "{sr} Hz");
            } else {
                assert_eq!(a, format!("{:?}", reference.finish()), "{sr} Hz");
            }
        }
    }

    /// However the audio is cut into pieces, the figures are the same to
    /// the bit.
    #[test]
    fn the_one_pass_meter_gives_the_same_figures_however_cut() {
        let mut rng = fastrand::Rng::with_seed(3);
        for sr in [48000u32, 96000] {
            let mut signals = varied(sr as f64, 6.21);
            signals.extend(edges(sr as f64).into_iter().map(|(_, x)| x));
            for x in signals {
                let whole = format!("{:?}", analyse(&x, sr));
                for cut in [1usize, 2, 7, 8, 9, 4800, 65536, 0] {
                    let mut a = Analyser::new(sr);
                    let mut rest = &x[..];
                    while !rest.is_empty() {
                        let frames = if cut == 0 { rng.usize(1..3000) } else { cut };
                        let (piece, later) = rest.split_at((2 * frames).min(rest.len()));
                        a.add(piece);
                        rest = later;
                    }
                    assert_eq!(format!("{:?}", a.finish()), whole, "pieces of {cut} frames");
                }
            }
        }
    }

    /// The mono fold's integrated loudness, from the channels' K-weighted
    /// signals, against the crate measuring the fold itself.
    #[test]
    fn the_mono_fold_matches_the_crates_dual_mono_meter() {
        for sr in [44100u32, 48000] {
            let mut signals = varied(sr as f64, 6.0);
            signals.extend(edges(sr as f64).into_iter().map(|(_, x)| x));
            for x in signals {
                let mut crate_mono = MonoMeter::new(sr);
                crate_mono.add(&x);
                let mut one_pass = loudness::StepMeter::new(sr, frames_per_step(sr), false);
                one_pass.add(&x, &mut Plain::default());
                let (a, r) = (one_pass.finish().mono_integrated, crate_mono.finish());
                assert!(close(a, r, tolerance(sr)), "{sr} Hz: {a} against {r}");
            }
        }
    }

    #[test]
    fn half_a_frame_at_the_end_is_measured_as_the_crate_measures_it() {
        let mut x = varied(48000.0, 3.55).swap_remove(1);
        x.push(0.25);
        let a = analyse(&x, 48000);
        let mut reference = Analyser::with_crate(48000, true);
        reference.add(&x[..x.len() - 1]);
        let r = reference.finish_with_stray(true);
        assert_eq!(a.integrated, f64::NEG_INFINITY);
        assert_eq!(a.loudness_curve.len(), r.loudness_curve.len());
        for (a, r) in [
            (a.short_term_max, r.short_term_max),
            (a.momentary_max, r.momentary_max),
        ] {
            assert!(close(a, r, 1e-6), "{a} against {r}");
        }
        assert_eq!(
            format!(
                "{:?}",
                (a.sample_peak, a.true_peak, a.range, a.rms, a.mono_loss)
            ),
            format!(
                "{:?}",
                (r.sample_peak, r.true_peak, r.range, r.rms, r.mono_loss)
            )
        );
    }

    #[test]
    fn without_a_curve_every_figure_is_the_same() {
        for sr in [48000u32, 44100, 11025, 192000] {
            for x in varied(sr as f64, 9.05) {
                let whole = analyse(&x, sr);
                let mut a = Analyser::without_curve(sr);
                for piece in x.chunks(2 * 3001) {
                    a.add(piece);
                }
                let a = a.finish();
                assert!(a.loudness_curve.is_empty());
                assert!(!whole.loudness_curve.is_empty());
                let bits = |a: &Analysis| {
                    [
                        a.integrated,
                        a.range,
                        a.short_term_max,
                        a.momentary_max,
                        a.sample_peak,
                        a.true_peak,
                        a.rms,
                        a.crest,
                        a.correlation,
                        a.mono_loss,
                        a.dc_offset,
                    ]
                    .map(f64::to_bits)
                };
                assert_eq!(bits(&a), bits(&whole), "{sr} Hz");
            }
        }
    }

    #[test]
    fn dual_mono_is_two_identical_channels_to_the_bit() {
        for x in varied(48000.0, 6.0) {
            let mut two = EbuR128::new(2, 48000, Mode::I).unwrap();
            let mids: Vec<f32> = x
                .chunks_exact(2)
                .flat_map(|f| {
                    let mid = 0.5 * (f[0] + f[1]);
                    [mid, mid]
                })
                .collect();
            two.add_frames_f32(&mids).unwrap();
            let mut one = MonoMeter::new(48000);
            for piece in x.chunks(2 * 777) {
                one.add(piece);
            }
            let expected = two.loudness_global().unwrap();
            assert_eq!(one.finish().to_bits(), expected.to_bits(), "{expected}");
        }
    }

    #[test]
    fn pieces_give_the_figures_of_the_whole() {
        for x in varied(44100.0, 7.0) {
            let whole = analyse(&x, 44100);
            let mut a = Analyser::new(44100);
            for piece in x.chunks(2 * 1001) {
                a.add(piece);
            }
            assert_eq!(format!("{:?}", a.finish()), format!("{whole:?}"));
        }
    }

    #[test]
    fn opposite_channels_cancel_in_mono() {
        let a = analyse(&sine(1000.0, 0.5, 3.0, std::f64::consts::PI), 48000);
        assert!((a.correlation + 1.0).abs() < 1e-6);
        assert_eq!(a.mono_loss, f64::INFINITY);
        let q = analyse(&sine(1000.0, 0.5, 3.0, std::f64::consts::FRAC_PI_2), 48000);
        assert!(q.correlation.abs() < 0.01);
        assert!((q.mono_loss - 3.0).abs() < 0.2, "{}", q.mono_loss);
    }

    #[test]
    fn dc_and_silence() {
        let dc: Vec<f32> = sine(1000.0, 0.25, 1.0, 0.0)
            .iter()
            .map(|x| x + 0.01)
            .collect();
        assert!((analyse(&dc, 48000).dc_offset + 40.0).abs() < 0.1);
        let s = analyse(&vec![0.0; 96000], 48000);
        assert_eq!(s.integrated, f64::NEG_INFINITY);
        assert_eq!(s.sample_peak, f64::NEG_INFINITY);
        assert!(s.correlation.is_nan() && s.crest.is_nan() && s.mono_loss.is_nan());
    }
}
