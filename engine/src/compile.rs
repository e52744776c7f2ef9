//! Compiling sound graphs ([`lang::graph::Graph`]) into fundsp networks.
//!
//! Runs on the control side only: building a `Net` allocates. A graph is
//! compiled once per voice (parameters are fixed when the note starts, so
//! they become constants and filters with constant settings use fundsp's
//! fixed-coefficient versions) or once per effect chain.
//!
//! Signals are mono or stereo. A mono signal meets a stereo one by
//! duplication; filters and other one-channel processors run once per
//! channel; `reverb` and `pan` make stereo from mono.

use crate::dsp::distortion::{distortion, Algorithm};
use crate::dsp::effects::{DelayNode, ReverbNode};
use crate::dsp::nodes::{
    apply_op, shaper, soft_clip, vowel_filter, Ad, Adsr, AutoPan, Binary, Coarse, Compressor,
    Crush, Line, Op, Perc, Pluck, Tremolo, XLine,
};
use fundsp::prelude32::*;
use fundsp::wavetable::{WaveSynth, Wavetable};
use lang::graph::{Graph, Prim};
use std::sync::Arc;

/// Where one channel of a signal comes from.
#[derive(Clone, Copy, Debug)]
pub enum Src {
    /// A global input of the network.
    Input(usize),
    /// An output port of a node.
    Node(NodeId, usize),
}

/// A compiled signal: a constant (folded at compile time) or channels.
#[derive(Clone, Debug)]
pub enum Sig {
    Const(f32),
    Chans(Vec<Src>),
}

impl Sig {
    fn channels(&self) -> usize {
        match self {
            Sig::Const(_) => 1,
            Sig::Chans(c) => c.len(),
        }
    }
}

/// Looks up a voice parameter by name (`None`: not set anywhere).
pub type ParamLookup<'a> = &'a dyn Fn(&str) -> Option<f64>;

/// Builds one network from graphs.
pub struct Builder<'a> {
    net: Net,
    params: ParamLookup<'a>,
    /// The channels of `Graph::Input`.
    inputs: Vec<Src>,
    /// The voice gate (network input 0), or a constant 1 for effect chains.
    gate: Sig,
    sample_rate: f64,
    seed: u64,
    /// Parameters bound to signals (modulated controls), looked up before
    /// `params`.
    bound: Vec<(String, Sig)>,
    /// An additive waveform replacing the sawtooth, square and triangle
    /// oscillators (`partials`).
    waveform: Option<Arc<Wavetable>>,
    /// Oscillators built so far (each starts at [`oscillator_phase`] of
    /// its index).
    oscillators: usize,
    /// Problems found (unknown parameters, non-constant settings).
    pub warnings: Vec<String>,
    /// The live input `input(…)` reads (none: silence).
    capture: Option<Arc<crate::input::CaptureBus>>,
}

/// Number of output channels a graph produces given its input's channels.
pub fn channels(g: &Graph, input: usize) -> usize {
    match g {
        Graph::Const(_) | Graph::Param(_) => 1,
        Graph::Input => std::cmp::max(input, 1),
        Graph::Node(p, args) => {
            let arg = |i: usize| args.get(i).map(|a| channels(a, input)).unwrap_or(1);
            match p {
                Prim::Reverb | Prim::Pan | Prim::Autopan => 2,
                Prim::Capture => capture_channels(args).len(),
                Prim::Add | Prim::Sub | Prim::Mul | Prim::Div | Prim::Min | Prim::Max => {
                    std::cmp::max(arg(0), arg(1))
                }
                _ if p.info().takes_input => arg(0),
                _ => 1,
            }
        }
    }
}

impl<'a> Builder<'a> {
    /// A builder for a voice: one network input (the gate), `outputs` outputs.
    pub fn voice(params: ParamLookup<'a>, outputs: usize, sample_rate: f64, seed: u64) -> Self {
        Builder {
            net: Net::new(1, outputs),
            params,
            inputs: Vec::new(),
            gate: Sig::Chans(vec![Src::Input(0)]),
            sample_rate,
            seed,
            bound: Vec::new(),
            waveform: None,
            oscillators: 0,
            warnings: Vec::new(),
            capture: None,
        }
    }

    /// A builder for a stereo effect chain (`Graph::Input` = the two inputs).
    pub fn effect(params: ParamLookup<'a>, sample_rate: f64) -> Self {
        Builder {
            net: Net::new(2, 2),
            params,
            inputs: vec![Src::Input(0), Src::Input(1)],
            gate: Sig::Const(1.0),
            sample_rate,
            seed: 1,
            bound: Vec::new(),
            waveform: None,
            oscillators: 0,
            warnings: Vec::new(),
            capture: None,
        }
    }

    /// Binds a parameter name to a signal: `Graph::Param(name)` compiles
    /// to it (a modulated control).
    pub fn bind(&mut self, name: &str, sig: Sig) {
        self.bound.retain(|(n, _)| n != name);
        self.bound.push((name.to_string(), sig));
    }

    /// Whether a parameter name is bound to a signal.
    pub fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|(n, _)| n == name)
    }

    /// Uses an additive waveform for the sawtooth, square and triangle
    /// oscillators of what is compiled next.
    pub fn set_waveform(&mut self, table: Option<Arc<Wavetable>>) {
        self.waveform = table;
    }

    /// `a op b` on signals (constants fold).
    pub fn arith(&mut self, op: Op, a: &Sig, b: &Sig) -> Sig {
        self.binary(op, a, b)
    }

    /// A signal clamped to `[lo, hi]`.
    pub fn clamp(&mut self, s: &Sig, lo: f32, hi: f32) -> Sig {
        match s {
            Sig::Const(c) => Sig::Const(c.clamp(lo, hi)),
            s => self.per_channel(s, &[], &|_| Box::new(clip_to(lo, hi))),
        }
    }

    /// Stereo position (0 left … 1 right; a signal is clamped to that):
    /// equal-power for mono, balance for stereo.
    pub fn position(&mut self, input: &Sig, pos: &Sig) -> Sig {
        if input.channels() < 2 || matches!(pos, Sig::Const(_)) {
            return self.pan(input, pos);
        }
        let c = self.chans(input);
        let pos = self.clamp(pos, 0.0, 1.0);
        let two_p = self.binary(Op::Mul, &pos, &Sig::Const(2.0));
        let right = self.clamp(&two_p, 0.0, 1.0);
        let rest = self.binary(Op::Sub, &Sig::Const(2.0), &two_p);
        let left = self.clamp(&rest, 0.0, 1.0);
        let l = self.binary(Op::Mul, &Sig::Chans(vec![c[0]]), &left);
        let r = self.binary(Op::Mul, &Sig::Chans(vec![c[1]]), &right);
        match (l, r) {
            (Sig::Chans(mut l), Sig::Chans(r)) => {
                l.extend(r);
                Sig::Chans(l)
            }
            (l, _) => l,
        }
    }

    pub fn warn_once(&mut self, msg: String) {
        self.warn(msg);
    }

    fn warn(&mut self, msg: String) {
        if !self.warnings.contains(&msg) {
            self.warnings.push(msg);
        }
    }

    fn connect(&mut self, s: Src, id: NodeId, port: usize) {
        match s {
            Src::Input(i) => self.net.connect_input(i, id, port),
            Src::Node(n, p) => self.net.connect(n, p, id, port),
        }
    }

    /// Adds a unit fed by `ins` and returns its outputs.
    pub fn unit(&mut self, u: Box<dyn AudioUnit>, ins: &[Src]) -> Vec<Src> {
        let outs = u.outputs();
        let id = self.net.push(u);
        for (port, s) in ins.iter().enumerate() {
            self.connect(*s, id, port);
        }
        (0..outs).map(|p| Src::Node(id, p)).collect()
    }

    /// The channels of a signal (constants become `dc` nodes).
    pub fn chans(&mut self, s: &Sig) -> Vec<Src> {
        match s {
            Sig::Const(c) => self.unit(Box::new(dc(*c)), &[]),
            Sig::Chans(c) => c.clone(),
        }
    }

    /// The first channel of a signal (for parameter inputs).
    fn mono(&mut self, s: &Sig) -> Src {
        self.chans(s)[0]
    }

    /// Runs a one-channel processor on each channel of `input`, each copy
    /// also fed `extra` (parameter signals).
    pub fn per_channel(
        &mut self,
        input: &Sig,
        extra: &[Src],
        make: &dyn Fn(usize) -> Box<dyn AudioUnit>,
    ) -> Sig {
        let chans = self.chans(input);
        let mut out = Vec::with_capacity(chans.len());
        for (i, c) in chans.into_iter().enumerate() {
            let mut ins = vec![c];
            ins.extend_from_slice(extra);
            out.extend(self.unit(make(i), &ins));
        }
        Sig::Chans(out)
    }

    /// A constant setting of a primitive: constants are used as they are;
    /// a signal there is reported and the default is used.
    fn setting(&mut self, prim: Prim, i: usize, s: &Sig) -> f32 {
        let info = prim.info();
        match s {
            Sig::Const(c) => *c,
            Sig::Chans(_) => {
                let (name, def) = info.params[i];
                self.warn(format!(
                    "`{}`: the `{name}` setting must be a constant here; using {def}",
                    info.name
                ));
                if def.is_nan() {
                    0.0
                } else {
                    def as f32
                }
            }
        }
    }

    /// Runs `f` with `Graph::Input` standing for `sig`.
    pub fn with_input(&mut self, sig: Sig, f: impl FnOnce(&mut Self) -> Sig) -> Sig {
        let chans = self.chans(&sig);
        let saved = std::mem::replace(&mut self.inputs, chans);
        let out = f(self);
        self.inputs = saved;
        out
    }

    /// Compiles a graph to a signal.
    pub fn compile(&mut self, g: &Graph) -> Sig {
        match g {
            Graph::Const(x) => Sig::Const(*x as f32),
            Graph::Param(name) if &**name == "gate" => self.gate.clone(),
            Graph::Param(name) if self.is_bound(name) => self
                .bound
                .iter()
                .find(|(n, _)| n == &**name)
                .map(|(_, s)| s.clone())
                .unwrap_or(Sig::Const(0.0)),
            Graph::Param(name) => match (self.params)(name) {
                Some(v) => Sig::Const(v as f32),
                None => {
                    self.warn(format!("the parameter `{name}` has no value; using 0"));
                    Sig::Const(0.0)
                }
            },
            Graph::Input => {
                if self.inputs.is_empty() {
                    self.warn("`in` has no input in an instrument; using silence".into());
                    Sig::Const(0.0)
                } else {
                    Sig::Chans(self.inputs.clone())
                }
            }
            Graph::Node(prim, args) => {
                let info = prim.info();
                let mut sigs = Vec::with_capacity(info.params.len());
                for (i, (_, def)) in info.params.iter().enumerate() {
                    sigs.push(match args.get(i) {
                        Some(a) => self.compile(a),
                        None => Sig::Const(if def.is_nan() { 0.0 } else { *def as f32 }),
                    });
                }
                self.node(*prim, &sigs)
            }
        }
    }

    fn nyquist_clamp(&self, f: f32) -> f32 {
        f.clamp(5.0, (self.sample_rate * 0.45) as f32)
    }

    /// An oscillator starting at the phase of its index, fed its
    /// frequency (a constant or a signal).
    fn oscillator(&mut self, freq: &Sig, make: &dyn Fn(f32) -> Box<dyn AudioUnit>) -> Sig {
        let osc = make(oscillator_phase(self.oscillators));
        self.oscillators += 1;
        let f = self.mono(freq);
        Sig::Chans(self.unit(osc, &[f]))
    }

    /// A two-pole filter of the `Svf` family with cutoff and Q.
    fn svf(
        &mut self,
        s: &[Sig],
        fixed: &dyn Fn(f32, f32) -> Box<dyn AudioUnit>,
        free: &dyn Fn() -> Box<dyn AudioUnit>,
    ) -> Sig {
        match (&s[1], &s[2]) {
            (Sig::Const(f), Sig::Const(q)) => {
                let (f, q) = (self.nyquist_clamp(*f), q.max(0.05));
                self.per_channel(&s[0], &[], &|_| fixed(f, q))
            }
            (f, q) => {
                let f = self.mono(f);
                let hi = (self.sample_rate * 0.45) as f32;
                let f = self.unit(Box::new(clip_to(5.0, hi)), &[f])[0];
                let q = self.mono(q);
                let q = self.unit(Box::new(clip_to(0.05, 100.0)), &[q])[0];
                self.per_channel(&s[0], &[f, q], &|_| free())
            }
        }
    }

    fn binary(&mut self, op: Op, a: &Sig, b: &Sig) -> Sig {
        match (a, b) {
            (Sig::Const(x), Sig::Const(y)) => Sig::Const(apply_op(op, *x, *y)),
            (s, Sig::Const(c)) if op == Op::Mul => self.per_channel(s, &[], &|_| Box::new(mul(*c))),
            (Sig::Const(c), s) if op == Op::Mul => self.per_channel(s, &[], &|_| Box::new(mul(*c))),
            (s, Sig::Const(c)) if op == Op::Add => self.per_channel(s, &[], &|_| Box::new(add(*c))),
            (Sig::Const(c), s) if op == Op::Add => self.per_channel(s, &[], &|_| Box::new(add(*c))),
            (s, Sig::Const(c)) if op == Op::Sub => {
                self.per_channel(s, &[], &|_| Box::new(add(-*c)))
            }
            _ => {
                let (a, b) = (self.chans(a), self.chans(b));
                let n = std::cmp::max(a.len(), b.len());
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    out.extend(self.unit(
                        Box::new(An(Binary::new(op))),
                        &[a[i % a.len()], b[i % b.len()]],
                    ));
                }
                Sig::Chans(out)
            }
        }
    }

    fn stereo(&mut self, s: &Sig) -> Vec<Src> {
        let c = self.chans(s);
        if c.len() == 1 {
            vec![c[0], c[0]]
        } else {
            c
        }
    }

    /// One primitive applied to its compiled arguments.
    fn node(&mut self, prim: Prim, s: &[Sig]) -> Sig {
        let seed = self.seed;
        match prim {
            Prim::Sine => self.oscillator(&s[0], &|p| Box::new(An(Sine::<f32>::with_phase(p)))),
            Prim::Saw | Prim::Square | Prim::Triangle if self.waveform.is_some() => {
                let table = self.waveform.clone().unwrap();
                let f = self.mono(&s[0]);
                // Starts at phase 0, as Strudel's oscillators do (two
                // voices of opposite phases cancel).
                let mut osc = WaveSynth::<U1>::new(table);
                AudioNode::set(&mut osc, Setting::phase(0.0));
                AudioNode::reset(&mut osc);
                Sig::Chans(self.unit(Box::new(An(osc)), &[f]))
            }
            Prim::Saw => self.oscillator(&s[0], &|p| Box::new(An(PolySaw::<f32>::with_phase(p)))),
            Prim::Square => {
                self.oscillator(&s[0], &|p| Box::new(An(PolySquare::<f32>::with_phase(p))))
            }
            Prim::Triangle => match &s[0] {
                Sig::Const(f) => Sig::Chans(self.unit(Box::new(triangle_hz(*f)), &[])),
                f => {
                    let f = self.mono(f);
                    Sig::Chans(self.unit(Box::new(triangle()), &[f]))
                }
            },
            Prim::Pulse => {
                let f = self.mono(&s[0]);
                let w = self.mono(&s[1]);
                let phase = oscillator_phase(self.oscillators);
                self.oscillators += 1;
                let osc = Box::new(An(PolyPulse::<f32>::with_phase(phase)));
                Sig::Chans(self.unit(osc, &[f, w]))
            }
            Prim::Noise => Sig::Chans(self.unit(Box::new(noise().seed(seed)), &[])),
            Prim::Pink => Sig::Chans(self.unit(Box::new(pink().seed(seed)), &[])),
            Prim::Brown => Sig::Chans(self.unit(Box::new(brown().seed(seed)), &[])),
            Prim::Lowpass => self.svf(s, &|f, q| Box::new(lowpass_hz(f, q)), &|| {
                Box::new(lowpass())
            }),
            Prim::Highpass => self.svf(s, &|f, q| Box::new(highpass_hz(f, q)), &|| {
                Box::new(highpass())
            }),
            Prim::Bandpass => self.svf(s, &|f, q| Box::new(bandpass_hz(f, q)), &|| {
                Box::new(bandpass())
            }),
            Prim::Notch => self.svf(s, &|f, q| Box::new(notch_hz(f, q)), &|| Box::new(notch())),
            Prim::Moog => {
                let res = |r: f32| r.clamp(0.0, 1.0);
                match (&s[1], &s[2]) {
                    (Sig::Const(f), Sig::Const(r)) => {
                        let (f, r) = (self.nyquist_clamp(*f), res(*r));
                        self.per_channel(&s[0], &[], &|_| Box::new(moog_hz(f, r)))
                    }
                    (f, r) => {
                        let f = self.mono(f);
                        let hi = (self.sample_rate * 0.45) as f32;
                        let f = self.unit(Box::new(clip_to(5.0, hi)), &[f])[0];
                        let r = self.mono(r);
                        let r = self.unit(Box::new(clip_to(0.0, 1.0)), &[r])[0];
                        self.per_channel(&s[0], &[f, r], &|_| Box::new(moog()))
                    }
                }
            }
            Prim::Adsr => {
                let v: Vec<f32> = (0..4).map(|i| self.setting(prim, i, &s[i])).collect();
                let gate = self.mono(&self.gate.clone());
                Sig::Chans(self.unit(Box::new(An(Adsr::new(v[0], v[1], v[2], v[3]))), &[gate]))
            }
            Prim::Perc => {
                let a = self.setting(prim, 0, &s[0]);
                let r = self.setting(prim, 1, &s[1]);
                Sig::Chans(self.unit(Box::new(An(Perc::new(a, r))), &[]))
            }
            Prim::Line => {
                let v: Vec<f32> = (0..3).map(|i| self.setting(prim, i, &s[i])).collect();
                Sig::Chans(self.unit(Box::new(An(Line::new(v[0], v[1], v[2]))), &[]))
            }
            Prim::Delay => {
                let v: Vec<f32> = (1..4).map(|i| self.setting(prim, i, &s[i])).collect();
                self.per_channel(&s[0], &[], &|_| {
                    Box::new(An(DelayNode::new(v[0], v[1], v[2])))
                })
            }
            Prim::Reverb => {
                let v: Vec<f32> = (1..4).map(|i| self.setting(prim, i, &s[i])).collect();
                let ins = self.stereo(&s[0]);
                Sig::Chans(self.unit(Box::new(An(ReverbNode::new(v[0], v[1], v[2]))), &ins))
            }
            Prim::Distort => {
                let a = self.setting(prim, 1, &s[1]);
                self.per_channel(&s[0], &[], &|_| Box::new(soft_clip(a)))
            }
            Prim::Waveshape => {
                let v: Vec<f32> = (1..4).map(|i| self.setting(prim, i, &s[i])).collect();
                let algorithm = Algorithm::from_index(v[2] as f64);
                self.per_channel(&s[0], &[], &|_| Box::new(distortion(algorithm, v[0], v[1])))
            }
            Prim::Chorus => {
                let v: Vec<f32> = (1..4).map(|i| self.setting(prim, i, &s[i])).collect();
                let (rate, depth, mix) = (v[0], v[1].clamp(0.0, 1.0), v[2].clamp(0.0, 1.0));
                self.per_channel(&s[0], &[], &|ch| {
                    Box::new(
                        (pass() * (1.0 - mix))
                            & (chorus(seed + ch as u64, 0.015, 0.01 * depth + 0.0005, rate) * mix),
                    )
                })
            }
            Prim::Phaser => {
                let v: Vec<f32> = (1..3).map(|i| self.setting(prim, i, &s[i])).collect();
                let (rate, depth) = (v[0], v[1].clamp(0.0, 1.0));
                self.per_channel(&s[0], &[], &|_| {
                    Box::new(phaser(0.5, move |t| 0.5 + 0.5 * depth * sin_hz(rate, t)))
                })
            }
            Prim::Flanger => {
                let v: Vec<f32> = (1..4).map(|i| self.setting(prim, i, &s[i])).collect();
                let (rate, depth, fb) = (v[0], v[1].clamp(0.0, 1.0), v[2].clamp(-0.95, 0.95));
                let (lo, hi) = (0.001, 0.001 + 0.009 * depth.max(0.01));
                self.per_channel(&s[0], &[], &|_| {
                    Box::new(flanger(fb, lo, hi, move |t| {
                        lerp11(lo, hi, sin_hz(rate, t))
                    }))
                })
            }
            Prim::Crush => {
                let b = self.setting(prim, 1, &s[1]);
                self.per_channel(&s[0], &[], &|_| Box::new(An(Crush::new(b))))
            }
            Prim::Compressor => {
                let v: Vec<f32> = (1..5).map(|i| self.setting(prim, i, &s[i])).collect();
                self.per_channel(&s[0], &[], &|_| {
                    Box::new(An(Compressor::new(v[0], v[1], v[2], v[3])))
                })
            }
            Prim::Limiter => {
                let c = db_amp(self.setting(prim, 1, &s[1]).min(0.0));
                if s[0].channels() == 2 {
                    let ins = self.chans(&s[0]);
                    let u = (mul(1.0 / c) | mul(1.0 / c))
                        >> limiter_stereo(0.005, 0.1)
                        >> (mul(c) | mul(c));
                    Sig::Chans(self.unit(Box::new(u), &ins))
                } else {
                    self.per_channel(&s[0], &[], &|_| {
                        Box::new(mul(1.0 / c) >> limiter(0.005, 0.1) >> mul(c))
                    })
                }
            }
            Prim::Eq => {
                let v: Vec<f32> = (1..4).map(|i| self.setting(prim, i, &s[i])).collect();
                let (lo, mid, hi) = (db_amp(v[0]), db_amp(v[1]), db_amp(v[2]));
                self.per_channel(&s[0], &[], &|_| {
                    Box::new(
                        lowshelf_hz(250.0, 0.707, lo)
                            >> bell_hz(1000.0, 0.7, mid)
                            >> highshelf_hz(4000.0, 0.707, hi),
                    )
                })
            }
            Prim::Tremolo => {
                let v: Vec<f32> = (1..3).map(|i| self.setting(prim, i, &s[i])).collect();
                self.per_channel(&s[0], &[], &|_| Box::new(An(Tremolo::new(v[0], v[1]))))
            }
            Prim::Pan => self.pan(&s[0], &s[1]),
            Prim::Add => self.binary(Op::Add, &s[0], &s[1]),
            Prim::Sub => self.binary(Op::Sub, &s[0], &s[1]),
            Prim::Mul => self.binary(Op::Mul, &s[0], &s[1]),
            Prim::Div => self.binary(Op::Div, &s[0], &s[1]),
            Prim::Tanh => self.per_channel(&s[0], &[], &|_| Box::new(shape(Tanh(1.0)))),
            Prim::Clip => self.per_channel(&s[0], &[], &|_| Box::new(clip())),
            Prim::Min => self.binary(Op::Min, &s[0], &s[1]),
            Prim::Max => self.binary(Op::Max, &s[0], &s[1]),
            Prim::Vowel => {
                let v = self.setting(prim, 1, &s[1]);
                self.per_channel(&s[0], &[], &|_| vowel_filter(v))
            }
            Prim::Ring => {
                // in × ((1 − depth) + depth × sine(freq))
                let depth = self.setting(prim, 2, &s[2]).clamp(0.0, 1.0);
                let osc = self.node(Prim::Sine, &[s[1].clone()]);
                let m = self.binary(Op::Mul, &osc, &Sig::Const(depth));
                let m = self.binary(Op::Add, &m, &Sig::Const(1.0 - depth));
                self.binary(Op::Mul, &s[0], &m)
            }
            Prim::Autopan => {
                let rate = self.setting(prim, 1, &s[1]);
                let depth = self.setting(prim, 2, &s[2]);
                let ins = self.stereo(&s[0]);
                Sig::Chans(self.unit(Box::new(An(AutoPan::new(rate, depth))), &ins))
            }
            Prim::Peq => {
                let v: Vec<f32> = (1..4).map(|i| self.setting(prim, i, &s[i])).collect();
                let (f, g, q) = (self.nyquist_clamp(v[0]), db_amp(v[1]), v[2].max(0.05));
                self.per_channel(&s[0], &[], &|_| Box::new(bell_hz(f, q, g)))
            }
            Prim::Coarse => {
                let c = self.setting(prim, 1, &s[1]);
                self.per_channel(&s[0], &[], &|_| Box::new(An(Coarse::new(c))))
            }
            Prim::Shape => {
                let a = self.setting(prim, 1, &s[1]);
                self.per_channel(&s[0], &[], &|_| Box::new(shaper(a)))
            }
            Prim::Pluck => {
                let v: Vec<f32> = (0..3).map(|i| self.setting(prim, i, &s[i])).collect();
                Sig::Chans(self.unit(Box::new(An(Pluck::new(v[0], v[1], v[2], seed))), &[]))
            }
            Prim::Ad => {
                let a = self.setting(prim, 0, &s[0]);
                let d = self.setting(prim, 1, &s[1]);
                Sig::Chans(self.unit(Box::new(An(Ad::new(a, d))), &[]))
            }
            Prim::Capture => self.capture_input(s),
            Prim::Xline => {
                let v: Vec<f32> = (0..3).map(|i| self.setting(prim, i, &s[i])).collect();
                Sig::Chans(self.unit(Box::new(An(XLine::new(v[0], v[1], v[2]))), &[]))
            }
        }
    }

    /// `input(channel, right)`: the live input's channels.
    fn capture_input(&mut self, s: &[Sig]) -> Sig {
        let c = |i: usize| match &s[i] {
            Sig::Const(x) => Graph::Const(*x as f64),
            Sig::Chans(_) => Graph::Const(f64::NAN),
        };
        let wanted = capture_channels(&[c(0), c(1)]);
        let Some(bus) = self.capture.clone() else {
            self.warn(
                "`input(…)` plays on a track (mic: input(1)); in an instrument it is silent".into(),
            );
            return Sig::Const(0.0);
        };
        let mut out = Vec::new();
        for ch in wanted {
            match ch {
                Some(ch) => out.extend(self.unit(
                    Box::new(An(crate::input::CaptureNode::new(bus.clone(), ch))),
                    &[],
                )),
                None => {
                    self.warn(format!(
                        "`input(…)` takes input channels 1 to {}; using silence",
                        crate::input::MAX_INPUT_CHANNELS
                    ));
                    return Sig::Const(0.0);
                }
            }
        }
        Sig::Chans(out)
    }

    /// Stereo position 0–1: equal-power for mono, balance for stereo.
    fn pan(&mut self, input: &Sig, pos: &Sig) -> Sig {
        match pos {
            Sig::Const(p) => {
                let p = p.clamp(0.0, 1.0);
                let ins = self.chans(input);
                if ins.len() == 2 {
                    let (l, r) = ((2.0 * (1.0 - p)).min(1.0), (2.0 * p).min(1.0));
                    Sig::Chans(self.unit(Box::new(mul(l) | mul(r)), &ins))
                } else {
                    Sig::Chans(self.unit(Box::new(pan(p * 2.0 - 1.0)), &ins))
                }
            }
            p => {
                let x = self.mono(input);
                let p = self.mono(p);
                let p = self.unit(Box::new(clip_to(0.0, 1.0) * 2.0 - 1.0), &[p])[0];
                Sig::Chans(self.unit(Box::new(panner()), &[x, p]))
            }
        }
    }

    /// Connects the signal to the network outputs and returns the network,
    /// ready for the audio thread (ordered and allocated).
    pub fn finish(mut self, out: &Sig) -> (Net, Vec<String>) {
        let outs = self.net.outputs();
        let chans = self.chans(out);
        for o in 0..outs {
            match chans[o % chans.len()] {
                Src::Input(i) => self.net.pass_through(i, o),
                Src::Node(id, p) => self.net.connect_output(id, p, o),
            }
        }
        self.net.set_sample_rate(self.sample_rate);
        self.net.allocate();
        (self.net, self.warnings)
    }
}

/// The phase (0–1) at which a voice's oscillator number `index` (in the
/// order they are built, arguments first) starts: the first at 0, as
/// Strudel's oscillators do, the others spread (fundsp's `rnd1`) so that
/// detuned copies do not start in step. The same for every voice, and the
/// same in lanes ([`crate::dsp::lanes`]) as in networks.
pub fn oscillator_phase(index: usize) -> f32 {
    if index == 0 {
        0.0
    } else {
        fundsp::math::rnd1(index as u64) as f32
    }
}

/// Simplifies a graph whose parameters are constants: arithmetic on
/// constants is computed, `x * 0` is 0 (and `x` is not built at all),
/// `x * 1`, `x + 0`, `x - 0` and `x / 1` are `x`. Run before compiling a
/// voice so that switched-off parts of an instrument (a supersaw's unused
/// voices) cost nothing.
pub fn simplify(g: &Graph) -> Graph {
    let Graph::Node(prim, args) = g else {
        return g.clone();
    };
    let args: Vec<Graph> = args.iter().map(simplify).collect();
    let op = match prim {
        Prim::Add => Some(Op::Add),
        Prim::Sub => Some(Op::Sub),
        Prim::Mul => Some(Op::Mul),
        Prim::Div => Some(Op::Div),
        Prim::Min => Some(Op::Min),
        Prim::Max => Some(Op::Max),
        _ => None,
    };
    if let (Some(op), [a, b]) = (op, args.as_slice()) {
        let c = |g: &Graph| match g {
            Graph::Const(x) => Some(*x),
            _ => None,
        };
        match (op, c(a), c(b)) {
            (_, Some(x), Some(y)) => return Graph::Const(apply_op(op, x as f32, y as f32) as f64),
            (Op::Mul, Some(z), _) | (Op::Mul, _, Some(z)) if z == 0.0 => return Graph::Const(0.0),
            (Op::Mul, Some(1.0), _) => return b.clone(),
            (Op::Mul | Op::Div, _, Some(1.0)) => return a.clone(),
            (Op::Add, Some(0.0), _) => return b.clone(),
            (Op::Add | Op::Sub, _, Some(0.0)) => return a.clone(),
            _ => {}
        }
    }
    Graph::Node(*prim, args)
}

/// The 0-based channels `input(channel, right)` reads (`None`: out of
/// range); one channel unless `right` is given.
fn capture_channels(args: &[Graph]) -> Vec<Option<usize>> {
    let num = |i: usize| match args.get(i) {
        Some(Graph::Const(x)) => *x,
        _ => 0.0,
    };
    let to_ch = |x: f64| {
        (x.is_finite() && x >= 1.0 && x <= crate::input::MAX_INPUT_CHANNELS as f64)
            .then(|| x as usize - 1)
    };
    let mut out = vec![to_ch(num(0))];
    if num(1) != 0.0 {
        out.push(to_ch(num(1)));
    }
    out
}

/// Compiles an effect chain in which `input(…)` reads `capture`.
pub fn compile_effect_live(
    g: &Graph,
    sample_rate: f64,
    capture: &Arc<crate::input::CaptureBus>,
) -> (Net, Vec<String>) {
    let none = |_: &str| None;
    let mut b = Builder::effect(&none, sample_rate);
    b.capture = Some(capture.clone());
    let sig = b.compile(g);
    b.finish(&sig)
}

/// Compiles an effect chain (stereo in, stereo out).
pub fn compile_effect(g: &Graph, sample_rate: f64) -> (Net, Vec<String>) {
    let none = |_: &str| None;
    let mut b = Builder::effect(&none, sample_rate);
    let sig = b.compile(g);
    b.finish(&sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn param(n: &str) -> Graph {
        Graph::Param(Arc::from(n))
    }

    fn node(p: Prim, a: Vec<Graph>) -> Graph {
        Graph::Node(p, a)
    }

    #[test]
    fn saw_through_lowpass_runs() {
        let g = node(
            Prim::Lowpass,
            vec![
                node(Prim::Saw, vec![param("freq")]),
                Graph::Const(1200.0),
                Graph::Const(0.707),
            ],
        );
        let params = |n: &str| (n == "freq").then_some(110.0);
        let mut b = Builder::voice(&params, channels(&g, 0), 48000.0, 1);
        let s = b.compile(&g);
        let (mut net, warnings) = b.finish(&s);
        assert!(warnings.is_empty());
        assert_eq!(net.outputs(), 1);
        let mut peak = 0.0f32;
        for _ in 0..4800 {
            peak = peak.max(net.filter_mono(1.0).abs());
        }
        assert!(peak > 0.3 && peak < 2.0, "{peak}");
    }

    #[test]
    fn every_prim_compiles() {
        for info in lang::graph::PRIMS {
            let args: Vec<Graph> = info
                .params
                .iter()
                .map(|(_, d)| {
                    if d.is_nan() {
                        node(Prim::Saw, vec![Graph::Const(220.0)])
                    } else {
                        Graph::Const(*d)
                    }
                })
                .collect();
            let g = node(info.prim, args);
            let params = |_: &str| None;
            let mut b = Builder::voice(&params, channels(&g, 0), 48000.0, 1);
            let s = b.compile(&g);
            let (mut net, _) = b.finish(&s);
            let mut out = [0.0f32; 2];
            for _ in 0..2000 {
                net.tick(&[1.0], &mut out[..net.outputs()]);
                assert!(out.iter().all(|x| x.is_finite()), "{}", info.name);
            }
        }
    }

    #[test]
    fn effect_chain_is_stereo() {
        let g = node(
            Prim::Reverb,
            vec![
                node(Prim::Lowpass, vec![Graph::Input, Graph::Const(500.0)]),
                Graph::Const(0.5),
            ],
        );
        let (net, w) = compile_effect(&g, 48000.0);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!((net.inputs(), net.outputs()), (2, 2));
    }
}
