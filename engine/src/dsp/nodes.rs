//! Small fundsp nodes that weft's sound graphs need and fundsp lacks (or
//! that must behave exactly as weft documents): gate-driven envelopes,
//! bit crushing, sample-rate reduction, compression, tremolo and simple
//! arithmetic. Each node is one struct implementing `AudioNode`; none
//! allocates after construction.

use fundsp::prelude32::*;

/// Attack–decay–sustain–release envelope driven by the voice gate
/// (input 0: gate, > 0 while held). Linear segments; the release starts
/// from the level reached when the gate falls.
#[derive(Clone)]
pub struct Adsr {
    attack: f32,
    decay: f32,
    sustain: f32,
    release: f32,
    sample_rate: f32,
    /// Time in seconds since the note started (attack/decay phase).
    t: f32,
    level: f32,
    /// Level when the gate fell and release progress (seconds), once released.
    released: Option<(f32, f32)>,
}

impl Adsr {
    pub fn new(attack: f32, decay: f32, sustain: f32, release: f32) -> Adsr {
        Adsr {
            attack: attack.max(0.0),
            decay: decay.max(0.0),
            sustain: sustain.clamp(0.0, 1.0),
            release: release.max(0.0),
            sample_rate: DEFAULT_SR as f32,
            t: 0.0,
            level: 0.0,
            released: None,
        }
    }

    /// The next level given the gate (true while the note is held).
    #[inline]
    pub fn next(&mut self, gate: bool) -> f32 {
        let dt = 1.0 / self.sample_rate;
        match self.released {
            None if gate => {
                self.level = self.attack_decay_level();
                self.t += dt;
            }
            None => self.released = Some((self.level, 0.0)),
            Some(_) => {}
        }
        if let Some((from, ref mut rt)) = self.released {
            self.level = if *rt >= self.release {
                0.0
            } else {
                from * (1.0 - *rt / self.release)
            };
            *rt += dt;
        }
        self.level
    }

    /// Fills `out` with the next levels, the gate held for the first
    /// `held` frames. Sustained and finished stretches take a fast path.
    /// Returns true when every level is 1 (`out` then left as it was).
    pub fn fill(&mut self, out: &mut [f32], held: usize) -> bool {
        let held = std::cmp::min(held, out.len());
        let mut k = 0;
        if self.released.is_none() && self.t >= self.attack + self.decay {
            // Sustaining: the level stays put while the gate is held.
            self.level = self.sustain;
            if held == out.len() && self.sustain == 1.0 {
                return true;
            }
            out[..held].fill(self.sustain);
            k = held;
        }
        if self.released.is_some_and(|(_, rt)| rt >= self.release) {
            self.level = 0.0;
            out[k..].fill(0.0);
            return false;
        }
        for (i, o) in out.iter_mut().enumerate().skip(k) {
            *o = self.next(i < held);
        }
        false
    }

    fn attack_decay_level(&self) -> f32 {
        let t = self.t;
        if t < self.attack {
            t / self.attack
        } else if t < self.attack + self.decay {
            1.0 - (1.0 - self.sustain) * (t - self.attack) / self.decay
        } else {
            self.sustain
        }
    }
}

impl AudioNode for Adsr {
    const ID: u64 = 0x7766_0001;
    type Inputs = U1;
    type Outputs = U1;

    fn reset(&mut self) {
        self.t = 0.0;
        self.level = 0.0;
        self.released = None;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.sample_rate = sample_rate as f32;
    }

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U1>) -> Frame<f32, U1> {
        [self.next(input[0] > 0.0)].into()
    }
}

/// Percussive envelope: linear attack to 1 then linear release to 0,
/// starting at note-on and ignoring the gate.
#[derive(Clone)]
pub struct Perc {
    attack: f32,
    release: f32,
    t: f32,
    dt: f32,
}

impl Perc {
    pub fn new(attack: f32, release: f32) -> Perc {
        Perc {
            attack: attack.max(0.0),
            release: release.max(1e-4),
            t: 0.0,
            dt: 1.0 / DEFAULT_SR as f32,
        }
    }
}

impl AudioNode for Perc {
    const ID: u64 = 0x7766_0002;
    type Inputs = U0;
    type Outputs = U1;

    fn reset(&mut self) {
        self.t = 0.0;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.dt = 1.0 / sample_rate as f32;
    }

    #[inline]
    fn tick(&mut self, _input: &Frame<f32, U0>) -> Frame<f32, U1> {
        let t = self.t;
        self.t += self.dt;
        let v = if t < self.attack {
            t / self.attack
        } else {
            (1.0 - (t - self.attack) / self.release).max(0.0)
        };
        [v].into()
    }
}

/// A straight ramp from `from` to `to` over `time` seconds after note-on,
/// then holding `to`.
#[derive(Clone)]
pub struct Line {
    from: f32,
    to: f32,
    time: f32,
    t: f32,
    dt: f32,
}

impl Line {
    pub fn new(from: f32, to: f32, time: f32) -> Line {
        Line {
            from,
            to,
            time: time.max(0.0),
            t: 0.0,
            dt: 1.0 / DEFAULT_SR as f32,
        }
    }
}

impl AudioNode for Line {
    const ID: u64 = 0x7766_0003;
    type Inputs = U0;
    type Outputs = U1;

    fn reset(&mut self) {
        self.t = 0.0;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.dt = 1.0 / sample_rate as f32;
    }

    #[inline]
    fn tick(&mut self, _input: &Frame<f32, U0>) -> Frame<f32, U1> {
        let v = if self.t >= self.time {
            self.to
        } else {
            self.from + (self.to - self.from) * self.t / self.time
        };
        self.t += self.dt;
        [v].into()
    }
}

/// Bit crusher: quantises to `2^(bits-1)` steps per unit (bits 1–16,
/// fractional values allowed, as in Strudel's `crush`).
#[derive(Clone)]
pub struct Crush {
    steps: f32,
}

impl Crush {
    pub fn new(bits: f32) -> Crush {
        Crush {
            steps: 2f32.powf(bits.clamp(1.0, 16.0) - 1.0),
        }
    }
}

impl AudioNode for Crush {
    const ID: u64 = 0x7766_0004;
    type Inputs = U1;
    type Outputs = U1;

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U1>) -> Frame<f32, U1> {
        [(input[0] * self.steps).round() / self.steps].into()
    }
}

/// Sample-rate reduction: holds every `factor`-th sample (`coarse`).
#[derive(Clone)]
pub struct Coarse {
    factor: u32,
    count: u32,
    held: f32,
}

impl Coarse {
    pub fn new(factor: f32) -> Coarse {
        Coarse {
            factor: factor.round().clamp(1.0, 4096.0) as u32,
            count: 0,
            held: 0.0,
        }
    }
}

impl AudioNode for Coarse {
    const ID: u64 = 0x7766_0005;
    type Inputs = U1;
    type Outputs = U1;

    fn reset(&mut self) {
        self.count = 0;
        self.held = 0.0;
    }

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U1>) -> Frame<f32, U1> {
        if self.count == 0 {
            self.held = input[0];
        }
        self.count = (self.count + 1) % self.factor;
        [self.held].into()
    }
}

/// Amplitude modulation by a sine LFO: `depth` 0–1, `rate` in Hz.
#[derive(Clone)]
pub struct Tremolo {
    rate: f32,
    depth: f32,
    phase: f32,
    dt: f32,
}

impl Tremolo {
    pub fn new(rate: f32, depth: f32) -> Tremolo {
        Tremolo {
            rate,
            depth: depth.clamp(0.0, 1.0),
            phase: 0.0,
            dt: 1.0 / DEFAULT_SR as f32,
        }
    }
}

impl AudioNode for Tremolo {
    const ID: u64 = 0x7766_0006;
    type Inputs = U1;
    type Outputs = U1;

    fn reset(&mut self) {
        self.phase = 0.0;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.dt = 1.0 / sample_rate as f32;
    }

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U1>) -> Frame<f32, U1> {
        let lfo = 0.5 + 0.5 * (self.phase * std::f32::consts::TAU).sin();
        self.phase = (self.phase + self.rate * self.dt).fract();
        [input[0] * (1.0 - self.depth * lfo)].into()
    }
}

/// Feed-forward compressor on one channel: threshold in dB, ratio,
/// attack and release in seconds (peak detector).
#[derive(Clone)]
pub struct Compressor {
    threshold_db: f32,
    ratio: f32,
    attack: f32,
    release: f32,
    attack_coef: f32,
    release_coef: f32,
    envelope_db: f32,
}

impl Compressor {
    pub fn new(threshold_db: f32, ratio: f32, attack: f32, release: f32) -> Compressor {
        let mut c = Compressor {
            threshold_db,
            ratio: ratio.max(1.0),
            attack: attack.max(1e-4),
            release: release.max(1e-4),
            attack_coef: 0.0,
            release_coef: 0.0,
            envelope_db: -120.0,
        };
        c.set_sample_rate(DEFAULT_SR);
        c
    }
}

impl AudioNode for Compressor {
    const ID: u64 = 0x7766_0007;
    type Inputs = U1;
    type Outputs = U1;

    fn reset(&mut self) {
        self.envelope_db = -120.0;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        let sr = sample_rate as f32;
        self.attack_coef = (-1.0 / (self.attack * sr)).exp();
        self.release_coef = (-1.0 / (self.release * sr)).exp();
    }

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U1>) -> Frame<f32, U1> {
        let x = input[0];
        let level_db = 20.0 * x.abs().max(1e-6).log10();
        let coef = if level_db > self.envelope_db {
            self.attack_coef
        } else {
            self.release_coef
        };
        self.envelope_db = level_db + coef * (self.envelope_db - level_db);
        let over = self.envelope_db - self.threshold_db;
        let gain_db = if over > 0.0 {
            -over * (1.0 - 1.0 / self.ratio)
        } else {
            0.0
        };
        [x * 10f32.powf(gain_db / 20.0)].into()
    }
}

/// Arithmetic on two signals (2 inputs, 1 output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
}

/// `a op b` per sample. Division by (near) zero gives zero, so that a
/// graph never produces infinities by itself.
#[derive(Clone)]
pub struct Binary {
    op: Op,
}

impl Binary {
    pub fn new(op: Op) -> Binary {
        Binary { op }
    }
}

/// Applies `op`, with the safe division described on [`Binary`].
#[inline]
pub fn apply_op(op: Op, a: f32, b: f32) -> f32 {
    match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => {
            if b.abs() < 1e-9 {
                0.0
            } else {
                a / b
            }
        }
        Op::Min => a.min(b),
        Op::Max => a.max(b),
    }
}

impl AudioNode for Binary {
    const ID: u64 = 0x7766_0008;
    type Inputs = U2;
    type Outputs = U1;

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U2>) -> Frame<f32, U1> {
        [apply_op(self.op, input[0], input[1])].into()
    }

    fn process(&mut self, size: usize, input: &BufferRef, output: &mut BufferMut) {
        let (a, b) = (&input.channel_f32(0)[..size], &input.channel_f32(1)[..size]);
        let out = &mut output.channel_f32_mut(0)[..size];
        match self.op {
            Op::Add => out
                .iter_mut()
                .zip(a.iter().zip(b))
                .for_each(|(o, (x, y))| *o = x + y),
            Op::Sub => out
                .iter_mut()
                .zip(a.iter().zip(b))
                .for_each(|(o, (x, y))| *o = x - y),
            Op::Mul => out
                .iter_mut()
                .zip(a.iter().zip(b))
                .for_each(|(o, (x, y))| *o = x * y),
            op => out
                .iter_mut()
                .zip(a.iter().zip(b))
                .for_each(|(o, (x, y))| *o = apply_op(op, *x, *y)),
        }
    }
}

/// Soft saturation with a drive amount 0–1 (`distort`), normalised so
/// that full-scale input stays near full scale.
pub fn soft_clip(amount: f32) -> An<impl AudioNode<Inputs = U1, Outputs = U1>> {
    let drive = 1.0 + 30.0 * amount.clamp(0.0, 1.0).powi(2);
    let norm = 1.0 / drive.tanh();
    shape_fn(move |x: f32| (x * drive).tanh() * norm)
}

/// Strudel's `shape` waveshaper: `(1+k)x / (1+k|x|)` with
/// `k = 2s/(1-s)`, `s` clamped below 1.
pub fn shaper(shape: f32) -> An<impl AudioNode<Inputs = U1, Outputs = U1>> {
    let s = shape.clamp(0.0, 0.99);
    let k = 2.0 * s / (1.0 - s);
    shape_fn(move |x: f32| (1.0 + k) * x / (1.0 + k * x.abs()))
}

/// Attack then exponential decay, starting at note-on and ignoring the
/// gate: linear rise to 1 over `attack` seconds, then `exp(-6.9 t / decay)`
/// (−60 dB after `decay` seconds). Exactly 0 once below −100 dB.
#[derive(Clone)]
pub struct Ad {
    attack: f32,
    decay: f32,
    t: f32,
    dt: f32,
    level: f32,
    coef: f32,
}

impl Ad {
    pub fn new(attack: f32, decay: f32) -> Ad {
        let mut a = Ad {
            attack: attack.max(0.0),
            decay: decay.max(1e-4),
            t: 0.0,
            dt: 0.0,
            level: 1.0,
            coef: 0.0,
        };
        a.set_sample_rate(DEFAULT_SR);
        a
    }
}

impl AudioNode for Ad {
    const ID: u64 = 0x7766_0009;
    type Inputs = U0;
    type Outputs = U1;

    fn reset(&mut self) {
        self.t = 0.0;
        self.level = 1.0;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.dt = 1.0 / sample_rate as f32;
        // ln(1000) = 6.9078: −60 dB after `decay` seconds.
        self.coef = (-6.907_755 / (self.decay as f64 * sample_rate)).exp() as f32;
    }

    #[inline]
    fn tick(&mut self, _input: &Frame<f32, U0>) -> Frame<f32, U1> {
        let v = if self.t < self.attack {
            self.t / self.attack
        } else {
            let v = self.level;
            self.level = if v < 1e-5 { 0.0 } else { v * self.coef };
            v
        };
        self.t += self.dt;
        [v].into()
    }
}

/// An exponential ramp from `from` to `to` over `time` seconds after
/// note-on, then holding `to` (both clamped above 1e-6).
#[derive(Clone)]
pub struct XLine {
    from: f32,
    to: f32,
    time: f32,
    value: f32,
    ratio: f32,
    left: u32,
    sample_rate: f64,
}

impl XLine {
    pub fn new(from: f32, to: f32, time: f32) -> XLine {
        let mut x = XLine {
            from: from.max(1e-6),
            to: to.max(1e-6),
            time: time.max(0.0),
            value: 0.0,
            ratio: 1.0,
            left: 0,
            sample_rate: DEFAULT_SR,
        };
        x.set_sample_rate(DEFAULT_SR);
        x
    }
}

impl AudioNode for XLine {
    const ID: u64 = 0x7766_000a;
    type Inputs = U0;
    type Outputs = U1;

    fn reset(&mut self) {
        self.set_sample_rate(self.sample_rate);
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.sample_rate = sample_rate;
        let n = (self.time as f64 * sample_rate).round().max(0.0);
        self.left = n as u32;
        self.value = self.from;
        self.ratio = if n > 0.0 {
            ((self.to as f64 / self.from as f64).powf(1.0 / n)) as f32
        } else {
            1.0
        };
    }

    #[inline]
    fn tick(&mut self, _input: &Frame<f32, U0>) -> Frame<f32, U1> {
        if self.left == 0 {
            return [self.to].into();
        }
        let v = self.value;
        self.value *= self.ratio;
        self.left -= 1;
        [v].into()
    }
}

/// A small deterministic noise generator (xorshift) for excitations.
#[derive(Clone)]
pub struct Xorshift(u64);

impl Xorshift {
    pub fn new(seed: u64) -> Xorshift {
        Xorshift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in −1…1.
    #[inline]
    pub fn uniform(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        ((x >> 40) as f32 / (1u64 << 23) as f32) * 2.0 - 1.0
    }
}

/// Karplus–Strong plucked string. The loop is a delay line, a symmetric
/// three-tap low-pass (exactly one sample of delay, so tuning does not
/// depend on the tone) and a first-order all-pass for the fractional part
/// of the period, which keeps the pitch exact. The line starts filled with
/// a burst of zero-mean noise shaped by `tone`. Allocates only in
/// `set_sample_rate` (on the control side, when the voice is built).
#[derive(Clone, Debug)]
pub struct Pluck {
    freq: f32,
    decay: f32,
    tone: f32,
    seed: u64,
    sample_rate: f32,
    buf: Vec<f32>,
    pos: usize,
    /// Integer part of the line and all-pass coefficient.
    n: usize,
    ap: f32,
    /// Filter taps: outer weight `a` (centre `1 - 2a`) and loop gain.
    a: f32,
    gain: f32,
    v1: f32,
    v2: f32,
    ap_x1: f32,
    ap_y1: f32,
}

impl Pluck {
    pub fn new(freq: f32, decay: f32, tone: f32, seed: u64) -> Pluck {
        let mut p = Pluck {
            freq: freq.clamp(20.0, 8000.0),
            decay: decay.clamp(0.01, 60.0),
            tone: tone.clamp(0.0, 1.0),
            seed,
            sample_rate: DEFAULT_SR as f32,
            buf: Vec::new(),
            pos: 0,
            n: 1,
            ap: 0.0,
            a: 0.25,
            gain: 1.0,
            v1: 0.0,
            v2: 0.0,
            ap_x1: 0.0,
            ap_y1: 0.0,
        };
        p.set_sample_rate(DEFAULT_SR);
        p
    }
}

impl AudioNode for Pluck {
    const ID: u64 = 0x7766_000b;
    type Inputs = U0;
    type Outputs = U1;

    fn reset(&mut self) {
        self.set_sample_rate(self.sample_rate as f64);
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.sample_rate = sample_rate as f32;
        let sr = sample_rate as f32;
        let freq = self.freq.min(sr * 0.2);
        let period = sr / freq;
        // Loop delay: n (line) + 1 (filter) + d (all-pass), d in [0.5, 1.5).
        let n = std::cmp::max((period - 1.5).floor() as usize, 1);
        let d = period - 1.0 - n as f32;
        self.n = n;
        self.ap = (1.0 - d) / (1.0 + d);
        self.a = 0.25 * (1.0 - 0.6 * self.tone);
        self.gain = 0.001f32.powf(1.0 / (self.decay * freq));
        // The excitation: one period of noise through a two-pole low-pass
        // a few harmonics above the pitch (more with a brighter tone), run
        // over the period twice so that the burst joins up with itself.
        let mut rng = Xorshift::new(self.seed);
        let cutoff = freq * (0.8 + 6.0 * self.tone * self.tone);
        let k = 1.0 - (-std::f32::consts::TAU * cutoff / sr).exp();
        let noise: Vec<f32> = (0..n).map(|_| rng.uniform()).collect();
        let (mut lp1, mut lp2) = (0.0f32, 0.0f32);
        let mut burst = vec![0.0f32; n];
        for pass in 0..2 {
            for (i, x) in noise.iter().enumerate() {
                lp1 += k * (x - lp1);
                lp2 += k * (lp1 - lp2);
                if pass == 1 {
                    burst[i] = lp2;
                }
            }
        }
        let mean = burst.iter().sum::<f32>() / n as f32;
        let peak = burst
            .iter()
            .map(|x| (x - mean).abs())
            .fold(1e-6f32, f32::max);
        for x in burst.iter_mut() {
            *x = (*x - mean) / peak * 0.8;
        }
        self.buf = burst;
        self.buf.resize(n + 2, 0.0);
        // Reading `n` samples back from position `pos` gives burst[0] first.
        self.pos = n;
        self.v1 = 0.0;
        self.v2 = 0.0;
        self.ap_x1 = 0.0;
        self.ap_y1 = 0.0;
    }

    #[inline]
    fn tick(&mut self, _input: &Frame<f32, U0>) -> Frame<f32, U1> {
        [self.next_sample()].into()
    }
}

impl Pluck {
    /// The next samples of the string: [`Pluck::next_sample`] over `out`, with
    /// the state in registers.
    pub fn fill(&mut self, out: &mut [f32]) {
        let len = self.buf.len();
        let (n, a, ap, gain) = (self.n, self.a, self.ap, self.gain);
        let (mut pos, mut v1, mut v2, mut x1, mut y1) =
            (self.pos, self.v1, self.v2, self.ap_x1, self.ap_y1);
        let buf = &mut self.buf[..];
        for o in out.iter_mut() {
            let mut read = pos + len - n;
            if read >= len {
                read -= len;
            }
            let v = buf[read];
            let f = a * v + (1.0 - 2.0 * a) * v1 + a * v2;
            v2 = v1;
            v1 = v;
            let y = ap * f + x1 - ap * y1;
            x1 = f;
            y1 = y;
            buf[pos] = y * gain;
            pos += 1;
            if pos == len {
                pos = 0;
            }
            *o = v;
        }
        (self.pos, self.v1, self.v2, self.ap_x1, self.ap_y1) = (pos, v1, v2, x1, y1);
    }

    /// Eight strings at once, one per SIMD lane: frame `k` of every lane
    /// into `out[k]`, each lane exactly what [`Pluck::fill`] gives its
    /// string alone (the same operations in the same order, eight at a
    /// time); lanes without a string give silence. The loop of one string
    /// is a chain of dependent operations, so eight side by side cost
    /// about what one costs.
    pub fn fill_lanes(mut strings: [Option<&mut Pluck>; 8], out: &mut [fundsp::wide::f32x8]) {
        use fundsp::wide::f32x8;
        let field = |strings: &[Option<&mut Pluck>; 8], f: fn(&Pluck) -> f32| {
            f32x8::from(std::array::from_fn::<f32, 8, _>(|j| {
                strings[j].as_deref().map_or(0.0, f)
            }))
        };
        let a = field(&strings, |p| p.a);
        let centre = field(&strings, |p| 1.0 - 2.0 * p.a);
        let ap = field(&strings, |p| p.ap);
        let gain = field(&strings, |p| p.gain);
        let (mut v1, mut v2) = (field(&strings, |p| p.v1), field(&strings, |p| p.v2));
        let (mut x1, mut y1) = (field(&strings, |p| p.ap_x1), field(&strings, |p| p.ap_y1));
        let mut pos: [usize; 8] =
            std::array::from_fn(|j| strings[j].as_deref().map_or(0, |p| p.pos));
        let n: [usize; 8] = std::array::from_fn(|j| strings[j].as_deref().map_or(1, |p| p.n));
        {
            // Silent stand-ins for missing strings (all-zero state and
            // settings give zeros).
            let mut spare = [[0.0f32; 2]; 8];
            let mut each = strings.iter_mut().zip(spare.iter_mut());
            let bufs: [&mut [f32]; 8] = std::array::from_fn(|_| match each.next() {
                Some((Some(p), _)) => &mut p.buf[..],
                Some((None, spare)) => &mut spare[..],
                None => &mut [],
            });
            let len: [usize; 8] = std::array::from_fn(|j| bufs[j].len());
            for o in out.iter_mut() {
                let v = f32x8::from(std::array::from_fn::<f32, 8, _>(|j| {
                    // `pos < len` and `0 < n < len`: one wrap at most.
                    let mut read = pos[j] + len[j] - n[j];
                    if read >= len[j] {
                        read -= len[j];
                    }
                    bufs[j][read]
                }));
                let f = a * v + centre * v1 + a * v2;
                v2 = v1;
                v1 = v;
                let y = ap * f + x1 - ap * y1;
                x1 = f;
                y1 = y;
                for (j, w) in (y * gain).to_array().into_iter().enumerate() {
                    bufs[j][pos[j]] = w;
                    pos[j] += 1;
                    if pos[j] == len[j] {
                        pos[j] = 0;
                    }
                }
                *o = v;
            }
        }
        let (v1, v2, x1, y1) = (v1.to_array(), v2.to_array(), x1.to_array(), y1.to_array());
        for (j, p) in strings.iter_mut().enumerate() {
            if let Some(p) = p {
                (p.pos, p.v1, p.v2, p.ap_x1, p.ap_y1) = (pos[j], v1[j], v2[j], x1[j], y1[j]);
            }
        }
    }

    /// The next sample of the string.
    #[inline]
    pub fn next_sample(&mut self) -> f32 {
        let len = self.buf.len();
        // `pos < len` and `0 < n < len`: one wrap at most.
        let mut read = self.pos + len - self.n;
        if read >= len {
            read -= len;
        }
        let v = self.buf[read];
        let f = self.a * v + (1.0 - 2.0 * self.a) * self.v1 + self.a * self.v2;
        self.v2 = self.v1;
        self.v1 = v;
        let y = self.ap * f + self.ap_x1 - self.ap * self.ap_y1;
        self.ap_x1 = f;
        self.ap_y1 = y;
        self.buf[self.pos] = y * self.gain;
        self.pos += 1;
        if self.pos == len {
            self.pos = 0;
        }
        v
    }
}

/// Automatic panning: a sine LFO at `rate` Hz moves the sound between the
/// channels (equal power); `depth` 0–1. Stereo in, stereo out.
#[derive(Clone)]
pub struct AutoPan {
    rate: f32,
    depth: f32,
    phase: f32,
    dt: f32,
}

impl AutoPan {
    pub fn new(rate: f32, depth: f32) -> AutoPan {
        AutoPan {
            rate: rate.max(0.0),
            depth: depth.clamp(0.0, 1.0),
            phase: 0.0,
            dt: 1.0 / DEFAULT_SR as f32,
        }
    }
}

impl AudioNode for AutoPan {
    const ID: u64 = 0x7766_000c;
    type Inputs = U2;
    type Outputs = U2;

    fn reset(&mut self) {
        self.phase = 0.0;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.dt = 1.0 / sample_rate as f32;
    }

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U2>) -> Frame<f32, U2> {
        let p = 0.5 + 0.5 * self.depth * (self.phase * std::f32::consts::TAU).sin();
        self.phase = (self.phase + self.rate * self.dt).fract();
        let a = p * std::f32::consts::FRAC_PI_2;
        // At the centre both channels keep unit gain (as `pan(0.5)` does for stereo).
        let norm = std::f32::consts::SQRT_2;
        [input[0] * a.cos() * norm, input[1] * a.sin() * norm].into()
    }
}

/// Formant tables (bass voice): centre frequencies (Hz), levels (dB) and
/// bandwidths (Hz) of five formants for a, e, i, o, u.
pub const FORMANTS: [([f32; 5], [f32; 5], [f32; 5]); 5] = [
    (
        [600.0, 1040.0, 2250.0, 2450.0, 2750.0],
        [0.0, -7.0, -9.0, -9.0, -20.0],
        [60.0, 70.0, 110.0, 120.0, 130.0],
    ),
    (
        [400.0, 1620.0, 2400.0, 2800.0, 3100.0],
        [0.0, -12.0, -9.0, -12.0, -18.0],
        [40.0, 80.0, 100.0, 120.0, 120.0],
    ),
    (
        [250.0, 1750.0, 2600.0, 3050.0, 3340.0],
        [0.0, -30.0, -16.0, -22.0, -28.0],
        [60.0, 90.0, 100.0, 120.0, 120.0],
    ),
    (
        [400.0, 750.0, 2400.0, 2600.0, 2900.0],
        [0.0, -11.0, -21.0, -20.0, -40.0],
        [40.0, 80.0, 100.0, 120.0, 120.0],
    ),
    (
        [350.0, 600.0, 2400.0, 2675.0, 2950.0],
        [0.0, -20.0, -32.0, -28.0, -36.0],
        [40.0, 80.0, 100.0, 120.0, 120.0],
    ),
];

/// A formant (vowel) filter on one channel: five band-passes in parallel.
pub fn vowel_filter(vowel: f32) -> Box<dyn AudioUnit> {
    let v = (vowel.round() as i64).clamp(0, 4) as usize;
    let (f, db, bw) = FORMANTS[v];
    let band = |i: usize| bandpass_hz(f[i], f[i] / bw[i]) * (db_amp(db[i]) * 3.0);
    Box::new(band(0) & band(1) & band(2) & band(3) & band(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_strings_in_lanes_match_each_string_alone() {
        use fundsp::wide::f32x8;
        let freqs = [55.0, 98.0, 196.0, 330.0, 440.0, 831.0, 1500.0, 7000.0];
        let mut lanes: Vec<Pluck> = freqs
            .iter()
            .enumerate()
            .map(|(i, &f)| Pluck::new(f, 0.5 + i as f32 * 0.3, i as f32 / 7.0, i as u64 + 1))
            .collect();
        let mut alone = lanes.clone();
        let mut heard = 0.0f32;
        for round in 0..400 {
            let len = [64, 17, 64, 1, 64, 33][round % 6];
            // Lane 3 has no string for a while: silence, its string untouched.
            let playing = |j: usize| j != 3 || round >= 100;
            let mut each = lanes.iter_mut().enumerate();
            let strings = std::array::from_fn(|_| {
                let (j, p) = each.next().expect("eight strings");
                playing(j).then_some(p)
            });
            let mut out = vec![f32x8::splat(9.0); len];
            Pluck::fill_lanes(strings, &mut out);
            for (j, p) in alone.iter_mut().enumerate() {
                let mut col = vec![0.0f32; len];
                if playing(j) {
                    p.fill(&mut col);
                }
                for (k, x) in col.iter().enumerate() {
                    assert_eq!(out[k].to_array()[j].to_bits(), x.to_bits(), "lane {j}");
                    heard = heard.max(x.abs());
                }
            }
        }
        assert!(heard > 0.1, "{heard}");
    }

    #[test]
    fn pluck_rings_at_its_pitch() {
        let mut p = Pluck::new(220.0, 1.5, 0.5, 7);
        p.set_sample_rate(48000.0);
        let mut x = Vec::new();
        for _ in 0..48000 {
            x.push(p.tick(&Frame::default())[0]);
        }
        let rms = |a: &[f32]| (a.iter().map(|v| v * v).sum::<f32>() / a.len() as f32).sqrt();
        // Periodic at 48000 / 220 samples: the autocorrelation peaks there.
        let seg = &x[12000..24000];
        let ac = |lag: usize| -> f32 {
            seg[..8000]
                .iter()
                .zip(&seg[lag..])
                .map(|(a, b)| a * b)
                .sum()
        };
        let best = (100..400).max_by(|a, b| ac(*a).total_cmp(&ac(*b))).unwrap();
        assert!((best as f32 - 48000.0 / 220.0).abs() < 1.5, "{best}");
        assert!(rms(&x[0..4800]) > 0.05, "{}", rms(&x[0..4800]));
        assert!(rms(&x[24000..28800]) > 0.01, "{}", rms(&x[24000..28800]));
    }
}
