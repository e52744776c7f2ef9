//! Measuring a master or a stem for the mix report: loudness as EBU R 128
//! measures it (integrated, range, short-term and momentary maxima, true
//! peak, through the ebur128 crate), and the plain figures a mix engineer
//! checks before delivering (sample peak, RMS, crest factor, stereo
//! correlation, what folding to mono loses, DC offset).

use ebur128::{EbuR128, Mode};

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
    loudness: LoudnessMeter,
    mono: MonoMeter,
    plain: Plain,
}

impl Analyser {
    pub fn new(sample_rate: u32) -> Analyser {
        Analyser {
            loudness: LoudnessMeter::new(sample_rate),
            mono: MonoMeter::new(sample_rate),
            plain: Plain::default(),
        }
    }

    /// Adds whole stereo frames (interleaved; an odd sample at the end is
    /// ignored).
    pub fn add(&mut self, samples: &[f32]) {
        let samples = &samples[..samples.len() & !1];
        self.loudness.add(samples);
        self.mono.add(samples);
        self.plain.add(samples);
    }

    pub fn finish(self) -> Analysis {
        self.finish_with_stray(false)
    }

    /// The figures; `stray`: the samples ended with half a frame, which
    /// the loudness meter refuses (its figures stop at the last whole
    /// curve step).
    pub(crate) fn finish_with_stray(self, stray: bool) -> Analysis {
        let loudness = self.loudness.finish(stray);
        let plain = self.plain.finish();
        let mono_loss = loudness.integrated - self.mono.finish();
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

struct Loudness {
    integrated: f64,
    range: f64,
    short_term_max: f64,
    momentary_max: f64,
    sample_peak: f64,
    true_peak: f64,
    curve: Vec<f64>,
}

/// EBU R 128 loudness, read every [`CURVE_STEP`] seconds of audio.
struct LoudnessMeter {
    meter: Option<EbuR128>,
    /// Samples per curve step (interleaved).
    step: usize,
    /// The start of the current step, when it arrived in pieces.
    pending: Vec<f32>,
    out: Loudness,
}

impl LoudnessMeter {
    fn new(sample_rate: u32) -> LoudnessMeter {
        let mode = Mode::I | Mode::LRA | Mode::S | Mode::M | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK;
        let step = ((sample_rate as f64 * CURVE_STEP) as usize).max(1) * 2;
        LoudnessMeter {
            meter: EbuR128::new(2, sample_rate, mode).ok(),
            step,
            pending: Vec::new(),
            out: Loudness {
                integrated: f64::NEG_INFINITY,
                range: 0.0,
                short_term_max: f64::NEG_INFINITY,
                momentary_max: f64::NEG_INFINITY,
                sample_peak: f64::NEG_INFINITY,
                true_peak: f64::NEG_INFINITY,
                curve: Vec::new(),
            },
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
        let st = m.loudness_shortterm().unwrap_or(f64::NEG_INFINITY);
        let mo = m.loudness_momentary().unwrap_or(f64::NEG_INFINITY);
        let out = &mut self.out;
        out.short_term_max = out.short_term_max.max(st);
        out.momentary_max = out.momentary_max.max(mo);
        out.curve
            .push(if st < -200.0 { f64::NEG_INFINITY } else { st });
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
