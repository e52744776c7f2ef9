//! From a voice graph to a lane program ([`crate::dsp::lanes`]), when the
//! graph's shape fits: oscillators (saw, square, pulse, sine, with FM),
//! white noise, the Karplus–Strong string, attack–decay envelopes, low-,
//! band- and high-pass filters with constant settings, constant pans,
//! gains and offsets, and sums, differences and products of those, mono or
//! stereo, with an optional ADSR on the outside (applied by the engine).
//!
//! The graph has its parameters resolved to constants and simplified
//! ([`crate::compile::simplify`]). Every setting is computed as the
//! network compiler ([`crate::compile::Builder`]) computes it for the
//! fundsp node it would build, and oscillators start at the same phases
//! ([`crate::compile::oscillator_phase`]), so a lane plays what the
//! network plays.

use crate::compile::oscillator_phase;
use crate::dsp::lanes::{
    AdSettings, LaneVoice, Op, SvfCoefs, Wave, MAX_AD, MAX_K, MAX_OPS, MAX_OSC, MAX_REGS, MAX_SVF,
};
use crate::dsp::nodes::Pluck;
use fundsp::prelude32::AudioNode;
use lang::graph::{Graph, Prim};

/// Largest constant a lane accepts: beyond it (or not finite) the network
/// runs the voice and its fault checks apply.
const LIMIT: f32 = 1e7;

/// A compiled signal.
#[derive(Clone, Copy, Debug)]
enum V {
    Const(f32),
    Mono(u8),
    Stereo(u8, u8),
}

struct Mapper {
    v: LaneVoice,
    sample_rate: f32,
    /// Seconds per sample, as fundsp's oscillators hold it.
    sample_duration: f32,
    seed: u64,
    free: Vec<u8>,
    osc: usize,
    svf: usize,
    k: usize,
    ad: usize,
    noise: bool,
    /// The sample input not yet used: whether it is stereo.
    input: Option<bool>,
}

/// The lane voice for a graph, and the ADSR settings (attack, decay,
/// sustain, release) when the graph ends in `adsr` with constant settings;
/// `None` when the shape does not fit.
pub fn lane_voice(g: &Graph, sample_rate: f64, seed: u64) -> Option<(LaneVoice, Option<[f32; 4]>)> {
    lane_voice_with_input(g, sample_rate, seed, None)
}

/// [`lane_voice`] for a graph whose `Input` is a sample (mono, or stereo
/// when `stereo_input` is `Some(true)`); the caller puts the sample's
/// player in the voice ([`LaneVoice::sample`]).
pub fn lane_voice_with_input(
    g: &Graph,
    sample_rate: f64,
    seed: u64,
    stereo_input: Option<bool>,
) -> Option<(LaneVoice, Option<[f32; 4]>)> {
    let (body, env) = split_adsr(g)?;
    let mut m = Mapper {
        v: LaneVoice::default(),
        sample_rate: sample_rate as f32,
        sample_duration: (1.0 / sample_rate) as f32,
        seed,
        free: (0..MAX_REGS as u8).rev().collect(),
        osc: 0,
        svf: 0,
        k: 0,
        ad: 0,
        noise: false,
        input: stereo_input,
    };
    let out = m.sig(body)?;
    let p = &mut m.v.program;
    match out {
        V::Const(_) => return None,
        V::Mono(r) => p.out = [r, r],
        V::Stereo(l, r) => {
            p.out = [l, r];
            p.stereo = true;
        }
    }
    Some((m.v, env))
}

/// Splits `x * adsr(a, d, s, r)` (constant settings) into `x` and the
/// settings; any other graph is returned whole.
fn split_adsr(g: &Graph) -> Option<(&Graph, Option<[f32; 4]>)> {
    if let Graph::Node(Prim::Mul, a) = g {
        if let [x, Graph::Node(Prim::Adsr, e)] | [Graph::Node(Prim::Adsr, e), x] = a.as_slice() {
            let mut s = [0.0f32; 4];
            for (i, e) in e.iter().take(4).enumerate() {
                s[i] = constant(e)?;
            }
            return Some((x, Some(s)));
        }
    }
    Some((g, None))
}

fn constant(g: &Graph) -> Option<f32> {
    match g {
        Graph::Const(x) => Some(*x as f32).filter(|x| x.abs() < LIMIT),
        _ => None,
    }
}

impl Mapper {
    fn push(&mut self, op: Op) -> Option<()> {
        let p = &mut self.v.program;
        if p.len as usize >= MAX_OPS {
            return None;
        }
        p.ops[p.len as usize] = op;
        p.len += 1;
        Some(())
    }

    fn reg(&mut self) -> Option<u8> {
        self.free.pop()
    }

    fn release(&mut self, r: u8) {
        if !self.free.contains(&r) {
            self.free.push(r);
        }
    }

    fn constant(&mut self, x: f32) -> Option<u8> {
        if self.k >= MAX_K || !x.is_finite() || x.abs() >= LIMIT {
            return None;
        }
        self.v.k[self.k] = x;
        self.k += 1;
        Some((self.k - 1) as u8)
    }

    fn sig(&mut self, g: &Graph) -> Option<V> {
        let Graph::Node(prim, args) = g else {
            return match g {
                Graph::Const(x) => Some(V::Const(*x as f32)).filter(|_| (*x as f32).abs() < LIMIT),
                Graph::Input => self.sample_input(),
                _ => None,
            };
        };
        let arg = |i: usize| args.get(i);
        match prim {
            Prim::Sine => self.osc(Wave::Sine, arg(0)?, None),
            Prim::Saw => self.osc(Wave::Saw, arg(0)?, None),
            Prim::Square => self.osc(Wave::Square, arg(0)?, None),
            Prim::Pulse => {
                let w = constant(arg(1)?)?;
                self.osc(Wave::Pulse, arg(0)?, Some(w))
            }
            Prim::Noise if !self.noise => {
                self.noise = true;
                self.v.noise = (self.seed ^ (self.seed >> 32)) as u32;
                let out = self.reg()?;
                self.push(Op::Noise { out })?;
                Some(V::Mono(out))
            }
            Prim::Pluck => {
                if self.v.pluck.is_some() {
                    return None;
                }
                let (f, d, t) = (constant(arg(0)?)?, constant(arg(1)?)?, constant(arg(2)?)?);
                let mut p = Pluck::new(f, d, t, self.seed);
                p.set_sample_rate(self.sample_rate as f64);
                self.v.pluck = Some(Box::new(p));
                let out = self.reg()?;
                self.push(Op::Pluck { out })?;
                Some(V::Mono(out))
            }
            Prim::Ad => {
                let (a, d) = (constant(arg(0)?)?, constant(arg(1)?)?);
                if self.ad >= MAX_AD {
                    return None;
                }
                let decay = d.max(1e-4);
                self.v.ad[self.ad] = AdSettings {
                    attack: a.max(0.0),
                    dt: 1.0 / self.sample_rate,
                    coef: (-6.907_755 / (decay as f64 * self.sample_rate as f64)).exp() as f32,
                };
                let slot = self.ad as u8;
                self.ad += 1;
                let out = self.reg()?;
                self.push(Op::Ad { slot, out })?;
                Some(V::Mono(out))
            }
            Prim::Lowpass | Prim::Highpass | Prim::Bandpass => {
                let (c, q) = (constant(arg(1)?)?, constant(arg(2)?)?);
                let coefs = self.svf_coefs(*prim, c, q);
                match self.sig(arg(0)?)? {
                    V::Const(_) => None,
                    V::Mono(r) => Some(V::Mono(self.svf(coefs, r)?)),
                    V::Stereo(l, r) => {
                        let l = self.svf(coefs, l)?;
                        Some(V::Stereo(l, self.svf(coefs, r)?))
                    }
                }
            }
            Prim::Pan => {
                let p = constant(arg(1)?)?.clamp(0.0, 1.0);
                match self.sig(arg(0)?)? {
                    V::Const(_) => None,
                    V::Mono(r) => {
                        // fundsp's `pan(p * 2 - 1)`: equal power.
                        let value = (p * 2.0 - 1.0).clamp(-1.0, 1.0);
                        let angle = (value + 1.0) * (std::f32::consts::PI * 0.25);
                        let (wl, wr) = (angle.cos(), angle.sin());
                        let right = self.reg()?;
                        let kr = self.constant(wr)?;
                        self.push(Op::Scale {
                            a: r,
                            k: kr,
                            out: right,
                        })?;
                        let kl = self.constant(wl)?;
                        self.push(Op::Scale {
                            a: r,
                            k: kl,
                            out: r,
                        })?;
                        Some(V::Stereo(r, right))
                    }
                    V::Stereo(l, r) => {
                        let (gl, gr) = ((2.0 * (1.0 - p)).min(1.0), (2.0 * p).min(1.0));
                        let kl = self.constant(gl)?;
                        self.push(Op::Scale {
                            a: l,
                            k: kl,
                            out: l,
                        })?;
                        let kr = self.constant(gr)?;
                        self.push(Op::Scale {
                            a: r,
                            k: kr,
                            out: r,
                        })?;
                        Some(V::Stereo(l, r))
                    }
                }
            }
            Prim::Add | Prim::Sub | Prim::Mul => {
                let a = self.sig(arg(0)?)?;
                let b = self.sig(arg(1)?)?;
                self.binary(*prim, a, b)
            }
            _ => None,
        }
    }

    /// The sample, once (a graph using its input twice runs in a network).
    fn sample_input(&mut self) -> Option<V> {
        let stereo = self.input.take()?;
        let out = self.reg()?;
        let right = if stereo { Some(self.reg()?) } else { None };
        self.push(Op::Sample { out, right })?;
        Some(match right {
            Some(r) => V::Stereo(out, r),
            None => V::Mono(out),
        })
    }

    /// An oscillator at a constant frequency or at a mono signal's.
    fn osc(&mut self, wave: Wave, freq: &Graph, width: Option<f32>) -> Option<V> {
        // Numbered after the oscillators of the frequency, as the network
        // compiler numbers them.
        let f = self.sig(freq)?;
        if self.osc >= MAX_OSC {
            return None;
        }
        let slot = self.osc as u8;
        self.v.phase[slot as usize] = oscillator_phase(self.osc);
        self.osc += 1;
        let w = width.unwrap_or(0.5);
        match f {
            V::Const(f) => {
                self.v.osc[slot as usize] = (f * self.sample_duration, w);
                let out = self.reg()?;
                self.push(Op::Osc {
                    wave,
                    slot,
                    fm: None,
                    out,
                })?;
                Some(V::Mono(out))
            }
            V::Mono(r) => {
                self.v.osc[slot as usize] = (self.sample_duration, w);
                self.push(Op::Osc {
                    wave,
                    slot,
                    fm: Some(r),
                    out: r,
                })?;
                Some(V::Mono(r))
            }
            V::Stereo(..) => None,
        }
    }

    /// fundsp's fixed state-variable filter coefficients, after the
    /// network compiler's clamps.
    fn svf_coefs(&self, prim: Prim, cutoff: f32, q: f32) -> SvfCoefs {
        let sr = self.sample_rate;
        let cutoff = cutoff.clamp(5.0, (sr as f64 * 0.45) as f32);
        let q = q.max(0.05);
        let g = (std::f32::consts::PI * cutoff / sr).tan();
        let k = 1.0 / q;
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        let (m0, m1, m2) = match prim {
            Prim::Lowpass => (0.0, 0.0, 1.0),
            Prim::Highpass => (1.0, -k, -1.0),
            _ => (0.0, 1.0, 0.0),
        };
        SvfCoefs {
            a1,
            a2,
            a3,
            m0,
            m1,
            m2,
        }
    }

    fn svf(&mut self, coefs: SvfCoefs, inp: u8) -> Option<u8> {
        if self.svf >= MAX_SVF {
            return None;
        }
        self.v.svf[self.svf] = coefs;
        let slot = self.svf as u8;
        self.svf += 1;
        self.push(Op::Svf {
            slot,
            inp,
            out: inp,
        })?;
        Some(inp)
    }

    /// `a op b`, as the network compiler builds it: a constant operand
    /// becomes a gain or an offset; a mono signal meets a stereo one on
    /// both channels.
    fn binary(&mut self, prim: Prim, a: V, b: V) -> Option<V> {
        match (a, b) {
            (V::Const(_), V::Const(_)) => None,
            (s, V::Const(c)) | (V::Const(c), s) if prim == Prim::Mul => {
                let k = self.constant(c)?;
                self.each(s, |r| Op::Scale { a: r, k, out: r })
            }
            (s, V::Const(c)) | (V::Const(c), s) if prim == Prim::Add => {
                let k = self.constant(c)?;
                self.each(s, |r| Op::Offset { a: r, k, out: r })
            }
            (s, V::Const(c)) if prim == Prim::Sub => {
                let k = self.constant(-c)?;
                self.each(s, |r| Op::Offset { a: r, k, out: r })
            }
            (V::Const(_), _) => None,
            (a, b) => {
                let make = |a: u8, b: u8| match prim {
                    Prim::Add => Op::Add { a, b, out: a },
                    Prim::Sub => Op::Sub { a, b, out: a },
                    _ => Op::Mul { a, b, out: a },
                };
                match (a, b) {
                    (V::Mono(x), V::Mono(y)) => {
                        self.push(make(x, y))?;
                        self.release(y);
                        Some(V::Mono(x))
                    }
                    (V::Stereo(xl, xr), V::Stereo(yl, yr)) => {
                        self.push(make(xl, yl))?;
                        self.push(make(xr, yr))?;
                        self.release(yl);
                        self.release(yr);
                        Some(V::Stereo(xl, xr))
                    }
                    (V::Stereo(xl, xr), V::Mono(y)) => {
                        self.push(make(xl, y))?;
                        self.push(make(xr, y))?;
                        self.release(y);
                        Some(V::Stereo(xl, xr))
                    }
                    (V::Mono(x), V::Stereo(yl, yr)) => {
                        // x op yl into a fresh register, x op yr into x.
                        let l = self.reg()?;
                        let one = self.constant(1.0)?;
                        self.push(Op::Scale {
                            a: x,
                            k: one,
                            out: l,
                        })?;
                        self.push(make(l, yl))?;
                        self.push(make(x, yr))?;
                        self.release(yl);
                        self.release(yr);
                        Some(V::Stereo(l, x))
                    }
                    _ => None,
                }
            }
        }
    }

    /// Applies a one-register step to each channel of a signal.
    fn each(&mut self, s: V, op: impl Fn(u8) -> Op) -> Option<V> {
        match s {
            V::Const(_) => None,
            V::Mono(r) => {
                self.push(op(r))?;
                Some(V::Mono(r))
            }
            V::Stereo(l, r) => {
                self.push(op(l))?;
                self.push(op(r))?;
                Some(V::Stereo(l, r))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::CHUNK;
    use crate::compile::{channels, Builder, Sig};
    use crate::dsp::lanes::LaneBank;
    use fundsp::prelude32::{AudioUnit, BufferVec};

    const SR: f64 = 48000.0;

    fn n(p: Prim, a: Vec<Graph>) -> Graph {
        Graph::Node(p, a)
    }

    fn c(x: f64) -> Graph {
        Graph::Const(x)
    }

    /// One second of a graph through the network compiler (the reference)
    /// and through a lane, one channel after the other.
    fn render_both(g: &Graph, lane: usize) -> (Vec<f32>, Vec<f32>) {
        let seed = 7;
        let none = |_: &str| None;
        let outs = channels(g, 0);
        let mut b = Builder::voice(&none, outs, SR, seed);
        let s = b.compile(g);
        let (mut net, warnings) = b.finish(&s);
        assert!(warnings.is_empty(), "{warnings:?}");
        let (mut v, env) = lane_voice(g, SR, seed).expect("the graph fits lanes");
        assert!(env.is_none());
        assert_eq!(v.stereo(), outs == 2);
        let mut bank = LaneBank::default();
        // Fill the lanes before the one compared with other voices.
        for _ in 0..lane {
            let (mut other, _) = lane_voice(g, SR, seed + 1).unwrap();
            bank.start(&mut other, SR as f32).unwrap();
        }
        assert_eq!(bank.start(&mut v, SR as f32), Some(lane));
        let input = BufferVec::new(1);
        let mut output = BufferVec::new(outs);
        let (mut reference, mut lanes) = (Vec::new(), Vec::new());
        for _ in 0..(SR as usize / CHUNK) {
            net.process(CHUNK, &input.buffer_ref(), &mut output.buffer_mut());
            bank.process(CHUNK);
            for ch in 0..outs {
                reference.extend_from_slice(&output.channel_f32(ch)[..CHUNK]);
                let o = if ch == 0 { &bank.out } else { &bank.out_r };
                lanes.extend_from_slice(&o[lane][..CHUNK]);
            }
        }
        (reference, lanes)
    }

    /// The largest difference between the lane and the network, and the
    /// network's peak (a test of silence would prove nothing).
    fn compare(g: &Graph) -> (f32, f32) {
        let (reference, lanes) = render_both(g, 3);
        let worst = reference
            .iter()
            .zip(&lanes)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let peak = reference.iter().map(|x| x.abs()).fold(0.0f32, f32::max);
        (worst, peak)
    }

    fn assert_same(name: &str, g: Graph, tolerance: f32) {
        let (worst, peak) = compare(&g);
        assert!(peak > 0.05, "{name}: peak {peak}");
        assert!(
            worst < tolerance,
            "{name}: differs by {worst} (peak {peak})"
        );
    }

    #[test]
    fn saw_through_lowpass_matches_the_network() {
        let g = n(
            Prim::Lowpass,
            vec![n(Prim::Saw, vec![c(110.0)]), c(1200.0), c(0.707)],
        );
        assert_same("saw-lpf", g, 1e-5);
    }

    #[test]
    fn two_operator_fm_matches_the_network() {
        // sine(220 + sine(440) * 440)
        let m = n(Prim::Mul, vec![n(Prim::Sine, vec![c(440.0)]), c(440.0)]);
        let g = n(Prim::Sine, vec![n(Prim::Add, vec![c(220.0), m])]);
        // Lanes and network compute their sines differently, each within
        // 2e-7 of the sine of the same argument; the carrier adds up the
        // modulator, so over this second the two drift apart by about
        // 1.5e-5 (−90 dB of the peak).
        assert_same("fm", n(Prim::Mul, vec![g, c(0.45)]), 3e-5);
    }

    #[test]
    fn pulse_and_square_through_filters_match_the_network() {
        let p = n(Prim::Pulse, vec![c(110.0), c(0.3)]);
        assert_same(
            "pulse-bpf",
            n(Prim::Bandpass, vec![p, c(1000.0), c(2.0)]),
            1e-5,
        );
        let sq = n(Prim::Square, vec![c(97.0)]);
        let hp = n(Prim::Highpass, vec![sq, c(500.0), c(0.7)]);
        assert_same(
            "square-hpf-ad",
            n(Prim::Mul, vec![hp, n(Prim::Ad, vec![c(0.01), c(0.5)])]),
            1e-5,
        );
    }

    #[test]
    fn noise_through_bandpass_matches_the_network() {
        let g = n(
            Prim::Bandpass,
            vec![n(Prim::Noise, vec![]), c(880.0), c(4.0)],
        );
        assert_same("noise-bpf", g, 1e-5);
    }

    #[test]
    fn karplus_strong_matches_the_network() {
        let g = n(
            Prim::Mul,
            vec![n(Prim::Pluck, vec![c(196.0), c(3.0), c(0.5)]), c(0.7)],
        );
        assert_same("pluck", g, 1e-6);
    }

    #[test]
    fn stereo_supersaw_matches_the_network() {
        let f = 130.0;
        let mut sum = n(Prim::Pan, vec![n(Prim::Saw, vec![c(f)]), c(0.5)]);
        // The standard library's seven sawtooths.
        for (d, p) in [
            (1.0024, 0.3),
            (0.9976, 0.7),
            (1.0048, 0.15),
            (0.9952, 0.85),
            (1.0071, 0.0),
            (0.9929, 1.0),
        ] {
            let s = n(Prim::Pan, vec![n(Prim::Saw, vec![c(f * d)]), c(p)]);
            sum = n(Prim::Add, vec![sum, s]);
        }
        let g = n(
            Prim::Lowpass,
            vec![n(Prim::Mul, vec![sum, c(0.12)]), c(1800.0), c(0.6)],
        );
        assert_same("supersaw", g, 1e-5);
    }

    #[test]
    fn fm_bell_with_envelopes_matches_the_network() {
        let f = 523.0;
        let index = n(
            Prim::Mul,
            vec![c(f * 3.5 * 2.0), n(Prim::Ad, vec![c(0.001), c(0.75)])],
        );
        let m = n(Prim::Mul, vec![n(Prim::Sine, vec![c(f * 3.5)]), index]);
        let g = n(Prim::Sine, vec![n(Prim::Add, vec![c(f), m])]);
        let g = n(
            Prim::Mul,
            vec![
                n(Prim::Mul, vec![g, n(Prim::Ad, vec![c(0.001), c(2.5)])]),
                c(0.45),
            ],
        );
        assert_same("bell", g, 1e-5);
    }

    #[test]
    fn samples_through_filters_match_the_network() {
        use crate::samples::{Sample, SamplePlayer};
        use fundsp::prelude32::An;
        use std::sync::Arc;
        for channels in [1, 2] {
            let data: Vec<f32> = (0..4000 * channels)
                .map(|i| ((i as f32 * 0.037).sin() + (i as f32 * 0.0031).cos()) * 0.4)
                .collect();
            let sample = Arc::new(Sample::from_frames(data, channels, 44100.0));
            let player = SamplePlayer::new(sample, 1.37, 0.1, 0.9, true);
            let g = n(Prim::Lowpass, vec![Graph::Input, c(2000.0), c(0.9)]);
            let stereo = channels == 2;
            // The network, as `voice::prepare_sample` builds it.
            let none = |_: &str| None;
            let mut b = Builder::voice(&none, channels, SR, 1);
            let src = Sig::Chans(b.unit(Box::new(An(player.clone())), &[]));
            let src = match src {
                Sig::Chans(c) if !stereo => Sig::Chans(vec![c[0]]),
                other => other,
            };
            let s = b.with_input(src, |b| b.compile(&g));
            let (mut net, _) = b.finish(&s);
            let (mut v, _) = lane_voice_with_input(&g, SR, 1, Some(stereo)).unwrap();
            assert_eq!(v.stereo(), stereo);
            v.sample = Some(Box::new(player));
            let mut bank = LaneBank::default();
            assert_eq!(bank.start(&mut v, SR as f32), Some(0));
            let input = BufferVec::new(1);
            let mut output = BufferVec::new(channels);
            let (mut worst, mut peak) = (0.0f32, 0.0f32);
            for _ in 0..200 {
                net.process(CHUNK, &input.buffer_ref(), &mut output.buffer_mut());
                bank.process(CHUNK);
                for ch in 0..channels {
                    let o = if ch == 0 { &bank.out } else { &bank.out_r };
                    for (a, b) in output.channel_f32(ch)[..CHUNK].iter().zip(&o[0][..CHUNK]) {
                        worst = worst.max((a - b).abs());
                        peak = peak.max(a.abs());
                    }
                }
            }
            assert!(peak > 0.1, "{peak}");
            assert!(worst < 1e-6, "{channels} channels: differs by {worst}");
        }
    }

    #[test]
    fn the_outer_adsr_goes_to_the_engine() {
        let body = n(Prim::Saw, vec![c(110.0)]);
        let adsr = n(Prim::Adsr, vec![c(0.01), c(0.1), c(0.5), c(0.2)]);
        let (v, env) = lane_voice(&n(Prim::Mul, vec![body, adsr]), SR, 1).unwrap();
        assert_eq!(env, Some([0.01, 0.1, 0.5, 0.2]));
        assert_eq!(v.program.len, 1);
    }

    #[test]
    fn shapes_that_do_not_fit_use_the_network() {
        let moog = n(
            Prim::Moog,
            vec![n(Prim::Saw, vec![c(110.0)]), c(500.0), c(0.5)],
        );
        assert!(lane_voice(&moog, SR, 1).is_none());
        let gate = n(
            Prim::Mul,
            vec![n(Prim::Saw, vec![c(110.0)]), Graph::Param("gate".into())],
        );
        assert!(lane_voice(&gate, SR, 1).is_none());
        let huge = n(Prim::Sine, vec![c(1e12)]);
        assert!(lane_voice(&huge, SR, 1).is_none());
    }

    #[test]
    fn voices_of_other_programs_take_other_banks() {
        let (mut saw, _) = lane_voice(&n(Prim::Saw, vec![c(110.0)]), SR, 1).unwrap();
        let (mut sine, _) = lane_voice(&n(Prim::Sine, vec![c(110.0)]), SR, 1).unwrap();
        let mut bank = LaneBank::default();
        assert_eq!(bank.start(&mut saw, SR as f32), Some(0));
        assert_eq!(bank.start(&mut sine, SR as f32), None);
        bank.stop(0);
        assert_eq!(bank.start(&mut sine, SR as f32), Some(0));
    }
}
