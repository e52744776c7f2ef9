//! Voices run eight at a time, one per SIMD lane, as a short program of
//! vectorised primitives.
//!
//! A voice graph whose shape fits (see [`crate::dsp::lane_map`]) becomes a
//! [`Program`]: a few steps over chunk-long registers — PolyBLEP saw,
//! square and pulse oscillators, sines (with their frequency from another
//! register for FM), white noise, state-variable filters (low-, band- and
//! high-pass), attack–decay envelopes, a Karplus–Strong string, gains and
//! sums. Voices with the same program share a [`LaneBank`]: each step runs
//! once per chunk for all eight lanes (`wide::f32x8`), so there is no
//! per-sample dispatch and eight voices cost about what one costs through a
//! network. Each primitive computes what the fundsp node (or weft node)
//! it replaces computes, in the same order of operations; the settings
//! that differ between voices (frequencies, coefficients, gains) are per
//! lane.
//!
//! The steps are written once over [`vec8::Vec8`] and built twice: with
//! `f32x8` for any CPU, and with 256-bit AVX registers, chosen when the
//! bank is made on CPUs with AVX2. Both builds compute the same IEEE
//! operations in the same order (no fused multiply-adds), so a render
//! gives the same bits on every machine.

use crate::audio::CHUNK;
use crate::dsp::nodes::Pluck;
use crate::samples::{Lane, SamplePlayer};
use fundsp::wide::{f32x8, u32x8};
use vec8::Vec8;

mod vec8;

/// Voices per bank.
pub const LANES: usize = 8;
const _: () = assert!(crate::dsp::nodes::LANE_RUN == CHUNK);
/// Limits of a program (graphs beyond them use a network).
pub const MAX_OPS: usize = 64;
pub const MAX_OSC: usize = 8;
pub const MAX_SVF: usize = 4;
pub const MAX_K: usize = 32;
pub const MAX_AD: usize = 6;
pub const MAX_REGS: usize = 6;

/// Banks for an engine of `max_voices` voices: enough for every voice
/// plus room for voices of up to 64 programs sharing banks partly filled.
pub fn banks_for(max_voices: usize) -> usize {
    max_voices / LANES + 64
}

/// Oscillator waveforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wave {
    Saw,
    Square,
    Pulse,
    Sine,
}

/// One step of a program; `u8` fields name registers, or slots of
/// per-lane settings and state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `out` = oscillator `slot`, at its constant frequency, or at the
    /// frequency (Hz) in register `fm` when given.
    Osc {
        wave: Wave,
        slot: u8,
        fm: Option<u8>,
        out: u8,
    },
    /// `out` = white noise (one generator per voice).
    Noise {
        out: u8,
    },
    /// `out` = the Karplus–Strong string (one per voice).
    Pluck {
        out: u8,
    },
    /// `out` (and `right`, for a stereo sample) = the voice's sample.
    Sample {
        out: u8,
        right: Option<u8>,
    },
    /// `out` = attack–decay envelope `slot`.
    Ad {
        slot: u8,
        out: u8,
    },
    /// `out` = state-variable filter `slot` of register `inp`.
    Svf {
        slot: u8,
        inp: u8,
        out: u8,
    },
    /// `out` = `a` × constant `k`.
    Scale {
        a: u8,
        k: u8,
        out: u8,
    },
    /// `out` = `a` + constant `k`.
    Offset {
        a: u8,
        k: u8,
        out: u8,
    },
    Add {
        a: u8,
        b: u8,
        out: u8,
    },
    Sub {
        a: u8,
        b: u8,
        out: u8,
    },
    Mul {
        a: u8,
        b: u8,
        out: u8,
    },
}

/// The shape shared by the voices of a bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Program {
    pub ops: [Op; MAX_OPS],
    pub len: u8,
    /// Output registers (left, right; the same for a mono voice).
    pub out: [u8; 2],
    pub stereo: bool,
}

impl Default for Program {
    fn default() -> Program {
        Program {
            ops: [Op::Add { a: 0, b: 0, out: 0 }; MAX_OPS],
            len: 0,
            out: [0, 0],
            stereo: false,
        }
    }
}

/// Settings of a state-variable filter, as fundsp's `SvfCoefs`: output
/// `m0·in + m1·band + m2·low`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SvfCoefs {
    pub a1: f32,
    pub a2: f32,
    pub a3: f32,
    pub m0: f32,
    pub m1: f32,
    pub m2: f32,
}

/// Settings of an attack–decay envelope (weft's `ad`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AdSettings {
    pub attack: f32,
    pub dt: f32,
    pub coef: f32,
}

/// A voice for a bank: its program and its own settings.
#[derive(Clone, Debug, Default)]
pub struct LaneVoice {
    pub program: Program,
    /// Per oscillator: phase increment per sample (constant frequency)
    /// or seconds per sample (frequency from a register), and pulse width.
    pub osc: [(f32, f32); MAX_OSC],
    /// Initial phase per oscillator.
    pub phase: [f32; MAX_OSC],
    pub svf: [SvfCoefs; MAX_SVF],
    pub k: [f32; MAX_K],
    pub ad: [AdSettings; MAX_AD],
    /// Initial state of the noise generator.
    pub noise: u32,
    /// The string, built (and its burst computed) on the control side.
    pub pluck: Option<Box<Pluck>>,
    /// The sample it plays, if it plays one.
    pub sample: Option<Box<SamplePlayer>>,
}

impl LaneVoice {
    pub fn stereo(&self) -> bool {
        self.program.stereo
    }
}

/// Eight lanes running one program, state structure-of-arrays.
pub struct LaneBank {
    program: Program,
    used: [bool; LANES],
    phase: [f32x8; MAX_OSC],
    delta: [f32x8; MAX_OSC],
    width: [f32x8; MAX_OSC],
    svf: [[f32x8; 8]; MAX_SVF],
    k: [f32x8; MAX_K],
    ad: [[f32x8; 5]; MAX_AD],
    noise: u32x8,
    pluck: [Option<Box<Pluck>>; LANES],
    sample: [Option<Box<SamplePlayer>>; LANES],
    regs: Box<[[f32x8; CHUNK]; MAX_REGS]>,
    /// Whether `process` runs its AVX build (chosen once, when the bank
    /// is made: the audio thread does not detect features).
    avx: bool,
    /// Output per lane for the current chunk (left, or mono).
    pub out: [[f32; CHUNK]; LANES],
    /// Right channel per lane (stereo programs).
    pub out_r: [[f32; CHUNK]; LANES],
}

impl Default for LaneBank {
    fn default() -> LaneBank {
        let z = f32x8::ZERO;
        LaneBank {
            program: Program::default(),
            used: [false; LANES],
            phase: [z; MAX_OSC],
            delta: [z; MAX_OSC],
            width: [z; MAX_OSC],
            svf: [[z; 8]; MAX_SVF],
            k: [z; MAX_K],
            ad: [[z; 5]; MAX_AD],
            noise: u32x8::splat(0),
            pluck: Default::default(),
            sample: Default::default(),
            regs: Box::new([[z; CHUNK]; MAX_REGS]),
            avx: avx_available(),
            out: [[0.0; CHUNK]; LANES],
            out_r: [[0.0; CHUNK]; LANES],
        }
    }
}

/// Whether this CPU runs the AVX build of [`LaneBank::process`] (which
/// also uses AVX2's 256-bit integer operations, for noise).
fn avx_available() -> bool {
    crate::cpu::has_avx2()
}

/// Sets lane `j` of a vector.
fn set(v: &mut f32x8, j: usize, x: f32) {
    let mut a = v.to_array();
    a[j] = x;
    *v = f32x8::from(a);
}

/// `floor(x)` without a per-lane call (SSE2 has no rounding instruction),
/// through `x as i32`, which both builds compute alike (AVX's rounding
/// instruction would differ at -0, NaN and beyond i32); exact for
/// |x| < 2^31.
#[inline(always)]
fn floor<V: Vec8>(x: V) -> V {
    let t = x.trunc();
    t - t.gt(x).and(V::splat(1.0))
}

/// [`floor`] of an `x` known to be finite with |x| < 2^31, where it is
/// the same to the bit with fewer operations (no care for NaN and
/// out-of-range lanes, which only [`floor`] saturates). The phases of
/// oscillators at constant frequencies stay in that range: a phase in
/// [0, 1] at the start of a chunk moves by less than
/// `CHUNK · 1e7 / sample rate` in it (constant frequencies are below
/// 1e7 Hz, see `lane_map`).
#[inline(always)]
fn floor_in_range<V: Vec8>(x: V) -> V {
    let t = x.trunc_in_range();
    t - t.gt(x).and(V::splat(1.0))
}

/// The phases of every lane lie in [0, 1] and move by at most half a
/// turn a frame, forwards: a phase `p` reached lies in [0, 1.5], where
/// `p - floor(p)` is [`wrap_small_step`] (and stays in [0, 1]).
fn small_steps(phase: f32x8, delta: f32x8) -> bool {
    let ok = phase.simd_ge(f32x8::ZERO)
        & phase.simd_le(f32x8::ONE)
        & delta.simd_ge(f32x8::ZERO)
        & delta.simd_le(f32x8::splat(0.5));
    ok.all()
}

/// Every lane's pulse width `w` lies in [0.001, 1]: with a phase `t` in
/// [0, 1], `t - w` lies in [-1, 1), where its `x - floor(x)` is
/// [`wrap_half_turn`].
fn usual_width(w: f32x8) -> bool {
    (w.simd_ge(f32x8::splat(0.001)) & w.simd_le(f32x8::ONE)).all()
}

/// `p - floor(p)` for `p` in [0, 2): `floor(p)` is 1 or 0 there, and
/// subtracting it (as `floor` gives it: 1.0 or +0.0) is the same
/// subtraction, with a shorter chain from one frame's phase to the next.
#[inline(always)]
fn wrap_small_step<V: Vec8>(p: V) -> V {
    p - p.ge(V::splat(1.0)).and(V::splat(1.0))
}

/// `x - floor(x)` for `x` in [-1, 1): `floor(x)` is -1.0 or +0.0 there.
#[inline(always)]
fn wrap_half_turn<V: Vec8>(x: V) -> V {
    x - x.lt(V::splat(0.0)).and(V::splat(-1.0))
}

/// `sin(p·2π)` for a phase `p` in turns, in a few vector operations (a
/// general `sin` reduces against π in three parts and evaluates two
/// polynomials). The argument is rounded as fundsp's `Sine` rounds it
/// (`p·2π` in f32), so FM voices, whose carriers add up the modulator's
/// output, follow the network instead of drifting from it. It is reduced
/// to [-π, π] (2π in two parts), folded onto [-π/2, π/2]
/// (`sin(π − x) = sin x`, π in two parts) and the sine's Taylor series to
/// x¹¹ taken there: within 2.5e-7 of the sine of that argument.
#[inline(always)]
fn sin_turns<V: Vec8>(p: V) -> V {
    sin_turns_with(p, floor)
}

/// [`sin_turns`] of a phase `p` for which [`floor_in_range`] is exact
/// (an oscillator at a constant frequency).
#[inline(always)]
fn sin_turns_in_range<V: Vec8>(p: V) -> V {
    sin_turns_with(p, floor_in_range)
}

/// [`sin_turns`] with the given `floor` (one that is exact for `p`).
#[inline(always)]
fn sin_turns_with<V: Vec8>(p: V, floor: impl Fn(V) -> V) -> V {
    const C: [f32; 6] = [
        1.0,
        -0.166_666_67,
        0.008_333_334,
        -0.000_198_412_7,
        2.755_732e-6,
        -2.505_210_8e-8,
    ];
    // 2π = TAU_HI + TAU_LO, TAU_HI with few bits (k·TAU_HI is exact);
    // π = PI_HI + PI_LO.
    const TAU_HI: f32 = 6.281_25;
    const TAU_LO: f32 = 0.001_935_307_2;
    const PI_LO: f32 = -8.742_278e-8;
    let theta = p * V::splat(std::f32::consts::TAU);
    let k = floor(theta * V::splat(1.0 / std::f32::consts::TAU) + V::splat(0.5));
    let x = (theta - k * V::splat(TAU_HI)) - k * V::splat(TAU_LO);
    let a = x.abs();
    let y = a.min((V::splat(std::f32::consts::PI) - a) + V::splat(PI_LO));
    let y2 = y * y;
    let mut r = V::splat(C[5]);
    for c in C[..5].iter().rev() {
        r = r * y2 + V::splat(*c);
    }
    // The sign of x, put back on the (non-negative) odd polynomial.
    (r * y).xor(x.and(V::splat(-0.0)))
}

/// Whether any lane's phase `t` lies within a step `dt` of the jump at
/// 0 (= 1), where the PolyBLEP residual is not zero.
#[inline(always)]
fn near_jump<V: Vec8>(t: V, dt: V) -> bool {
    t.lt(dt).or(t.gt(V::splat(1.0) - dt)).any()
}

/// PolyBLEP residual, as fundsp's (dividing by `dt` as multiplying by
/// `inv` = 1 / `dt`, a rounding apart).
#[inline(always)]
fn polyblep<V: Vec8>(t: V, dt: V, inv: V) -> V {
    let one = V::splat(1.0);
    let z1 = t * inv;
    let z2 = (t - one) * inv;
    let rise = z1 + z1 - z1 * z1 - one;
    let fall = z2 + z2 + z2 * z2 + one;
    let early = t.lt(dt);
    let late = t.gt(one - dt);
    early.select(rise, late.select(fall, V::splat(0.0)))
}

impl LaneBank {
    /// Takes a free lane for a voice whose program this bank runs (or any
    /// voice when the bank is empty); `None` otherwise. Takes the voice's
    /// string, if it has one (no allocation here).
    pub fn start(&mut self, v: &mut LaneVoice, _sample_rate: f32) -> Option<usize> {
        if self.is_empty() {
            if self.program != v.program {
                self.adopt(v.program);
            }
        } else if self.program != v.program {
            return None;
        }
        let j = self.used.iter().position(|u| !u)?;
        self.used[j] = true;
        for (i, (d, w)) in v.osc.iter().enumerate() {
            set(&mut self.phase[i], j, v.phase[i]);
            set(&mut self.delta[i], j, *d);
            set(&mut self.width[i], j, *w);
        }
        for (i, c) in v.svf.iter().enumerate() {
            let s = &mut self.svf[i];
            for (slot, x) in [c.a1, c.a2, c.a3, c.m0, c.m1, c.m2, 0.0, 0.0]
                .into_iter()
                .enumerate()
            {
                set(&mut s[slot], j, x);
            }
        }
        for (i, k) in v.k.iter().enumerate() {
            set(&mut self.k[i], j, *k);
        }
        for (i, a) in v.ad.iter().enumerate() {
            // attack, dt, coef, time, level
            for (slot, x) in [a.attack, a.dt, a.coef, 0.0, 1.0].into_iter().enumerate() {
                set(&mut self.ad[i][slot], j, x);
            }
        }
        let mut n = self.noise.to_array();
        n[j] = v.noise;
        self.noise = u32x8::from(n);
        std::mem::swap(&mut self.pluck[j], &mut v.pluck);
        std::mem::swap(&mut self.sample[j], &mut v.sample);
        Some(j)
    }

    /// Runs a new program: clears the state of every lane.
    fn adopt(&mut self, program: Program) {
        let z = f32x8::ZERO;
        self.program = program;
        self.phase = [z; MAX_OSC];
        self.delta = [z; MAX_OSC];
        self.width = [z; MAX_OSC];
        self.svf = [[z; 8]; MAX_SVF];
        self.k = [z; MAX_K];
        self.ad = [[z; 5]; MAX_AD];
    }

    /// Frees a lane: it computes silence from now on. Its string (if any)
    /// stays until the lane is reused, then leaves with the next voice.
    pub fn stop(&mut self, j: usize) {
        self.used[j] = false;
        let settings = self.delta.iter_mut().chain(self.k.iter_mut());
        for v in settings.chain(self.svf.iter_mut().flatten()) {
            set(v, j, 0.0);
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.used.iter().any(|u| *u)
    }

    pub fn is_full(&self) -> bool {
        self.used.iter().all(|u| *u)
    }

    /// Renders `n` frames (n ≤ CHUNK) of every lane into `out` (and `out_r`).
    pub fn process(&mut self, n: usize) {
        // Decaying strings and filters reach subnormal numbers, which cost
        // a hundred times more on x86: flushed to zero while rendering.
        let _flush = FlushSubnormals::new();
        #[cfg(target_arch = "x86_64")]
        if self.avx {
            // SAFETY: `avx` is set only when the CPU has AVX2.
            unsafe { self.process_avx(n) };
            return;
        }
        self.run::<f32x8>(n);
    }

    /// [`Self::run`] on 256-bit AVX registers: the same operations in the
    /// same order as the portable build (so the same results, bit for bit)
    /// in half the instructions.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn process_avx(&mut self, n: usize) {
        self.run::<vec8::Ymm>(n);
    }

    /// Runs the program over `n` frames, computing with vectors `V`.
    #[inline(always)]
    fn run<V: Vec8>(&mut self, n: usize) {
        let n = n.min(CHUNK);
        let len = self.program.len as usize;
        let ops = self.program.ops;
        for op in &ops[..len] {
            self.step::<V>(*op, n);
        }
        let [l, r] = self.program.out;
        transpose::<V>(&self.regs[l as usize][..n], &mut self.out);
        if self.program.stereo {
            transpose::<V>(&self.regs[r as usize][..n], &mut self.out_r);
        }
    }

    // Registers are read and written at the same frame index.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn step<V: Vec8>(&mut self, op: Op, n: usize) {
        let regs = &mut *self.regs;
        let one = V::splat(1.0);
        match op {
            Op::Osc {
                wave,
                slot,
                fm,
                out,
            } => {
                let s = slot as usize;
                let mut phase = V::load(&self.phase[s]);
                let delta = V::load(&self.delta[s]);
                let o = out as usize;
                match (wave, fm) {
                    // As fundsp's `Sine::process`: the phase is wrapped
                    // once per chunk (the sine of 2π·phase, computed by
                    // `sin_turns` from the phase in turns). At a
                    // constant frequency the phase stays where
                    // `floor_in_range` is exact.
                    (Wave::Sine, None) => {
                        for k in 0..n {
                            sin_turns_in_range(phase).store(&mut regs[o][k]);
                            phase = phase + delta;
                        }
                        phase = phase - floor_in_range(phase);
                    }
                    (Wave::Sine, Some(f)) => {
                        for k in 0..n {
                            let d = V::load(&regs[f as usize][k]) * delta;
                            sin_turns(phase).store(&mut regs[o][k]);
                            phase = phase + d;
                        }
                        phase = phase - floor(phase);
                    }
                    // A constant frequency keeps the phase where
                    // `floor_in_range` is exact, and small steps where a
                    // comparison is; FM may take it anywhere.
                    (Wave::Saw, None) if small_steps(self.phase[s], self.delta[s]) => {
                        saw(regs, o, None, n, delta, &mut phase, wrap_small_step)
                    }
                    (Wave::Saw, None) => saw(regs, o, None, n, delta, &mut phase, |p| {
                        p - floor_in_range(p)
                    }),
                    (Wave::Saw, Some(f)) => {
                        saw(regs, o, Some(f), n, delta, &mut phase, |p| p - floor(p))
                    }
                    (wave, fm) => {
                        let w = if wave == Wave::Square {
                            f32x8::splat(0.5)
                        } else {
                            self.width[s]
                        };
                        let small = small_steps(self.phase[s], self.delta[s]) && usual_width(w);
                        let osc = (delta, V::load(&w));
                        match fm {
                            None if small => {
                                let wraps = (wrap_small_step, wrap_half_turn);
                                pulse(regs, o, None, n, osc, &mut phase, wraps)
                            }
                            None => {
                                let wrap = |p| p - floor_in_range(p);
                                pulse(regs, o, None, n, osc, &mut phase, (wrap, wrap))
                            }
                            Some(f) => {
                                let wrap = |p| p - floor(p);
                                pulse(regs, o, Some(f), n, osc, &mut phase, (wrap, wrap))
                            }
                        }
                    }
                }
                phase.store(&mut self.phase[s]);
            }
            Op::Noise { out } => {
                let mut state = V::noise_load(self.noise);
                let z = V::splat(2.0 / ((1 << 24) - 1) as f32);
                for k in 0..n {
                    let f = V::noise(&mut state);
                    (f * z - one).store(&mut regs[out as usize][k]);
                }
                self.noise = V::noise_store(state);
            }
            Op::Pluck { out } => {
                let mut used = self.used.iter();
                let strings = self.pluck.each_mut().map(|p| {
                    let used = *used.next().unwrap_or(&false);
                    p.as_deref_mut().filter(|_| used)
                });
                // The output columns are free until the end of `process`.
                Pluck::fill_lanes(strings, &mut regs[out as usize][..n], &mut self.out);
            }
            Op::Sample { out, right } => {
                let to = (out as usize, right.map(usize::from));
                let sure = play_side_by_side::<V>(&self.sample, self.used, regs, n, to);
                // The output columns are free until the end of `process`.
                let scratch = (&mut self.out, &mut self.out_r);
                play_one_by_one(&mut self.sample, self.used, sure, regs, n, to, scratch);
            }
            Op::Ad { slot, out } => {
                let [attack, dt, coef, t, level] = self.ad[slot as usize].each_ref().map(V::load);
                let (mut t, mut level) = (t, level);
                let tiny = V::splat(1e-5);
                let zero = V::splat(0.0);
                for k in 0..n {
                    let rising = t.lt(attack);
                    let falling = level.lt(tiny).select(zero, level * coef);
                    rising
                        .select(t / attack, level)
                        .store(&mut regs[out as usize][k]);
                    level = rising.select(level, falling);
                    t = t + dt;
                }
                t.store(&mut self.ad[slot as usize][3]);
                level.store(&mut self.ad[slot as usize][4]);
            }
            Op::Svf { slot, inp, out } => {
                let s = &mut self.svf[slot as usize];
                let [a1, a2, a3, m0, m1, m2, ic1, ic2] = s.each_ref().map(V::load);
                let (mut ic1, mut ic2) = (ic1, ic2);
                let two = V::splat(2.0);
                for k in 0..n {
                    let v0 = V::load(&regs[inp as usize][k]);
                    let v3 = v0 - ic2;
                    let v1 = a1 * ic1 + a2 * v3;
                    let v2 = ic2 + a2 * ic1 + a3 * v3;
                    ic1 = two * v1 - ic1;
                    ic2 = two * v2 - ic2;
                    (m0 * v0 + m1 * v1 + m2 * v2).store(&mut regs[out as usize][k]);
                }
                ic1.store(&mut s[6]);
                ic2.store(&mut s[7]);
            }
            Op::Scale { a, k, out } => {
                let c = V::load(&self.k[k as usize]);
                for i in 0..n {
                    (V::load(&regs[a as usize][i]) * c).store(&mut regs[out as usize][i]);
                }
            }
            Op::Offset { a, k, out } => {
                let c = V::load(&self.k[k as usize]);
                for i in 0..n {
                    (V::load(&regs[a as usize][i]) + c).store(&mut regs[out as usize][i]);
                }
            }
            Op::Add { a, b, out } => {
                for i in 0..n {
                    let x = V::load(&regs[a as usize][i]) + V::load(&regs[b as usize][i]);
                    x.store(&mut regs[out as usize][i]);
                }
            }
            Op::Sub { a, b, out } => {
                for i in 0..n {
                    let x = V::load(&regs[a as usize][i]) - V::load(&regs[b as usize][i]);
                    x.store(&mut regs[out as usize][i]);
                }
            }
            Op::Mul { a, b, out } => {
                for i in 0..n {
                    let x = V::load(&regs[a as usize][i]) * V::load(&regs[b as usize][i]);
                    x.store(&mut regs[out as usize][i]);
                }
            }
        }
    }
}

/// Registers of a bank.
type Regs = [[f32x8; CHUNK]; MAX_REGS];

/// The phase step of frame `k` and its reciprocal: the constant `delta`
/// (with `inv` = 1 / `delta`), or `delta` times the frequency in
/// register `fm`.
#[inline(always)]
fn step_at<V: Vec8>(regs: &Regs, fm: Option<u8>, k: usize, delta: V, inv: V) -> (V, V) {
    match fm {
        Some(f) => {
            let d = V::load(&regs[f as usize][k]) * delta;
            (d, V::splat(1.0) / d)
        }
        None => (delta, inv),
    }
}

/// `n` frames of a PolyBLEP saw into register `o` (see [`step_at`] for
/// `fm` and `delta`); `wrap(p)` must be `p - floor(p)`, to the bit, for
/// the phases reached.
#[inline(always)]
fn saw<V: Vec8>(
    regs: &mut Regs,
    o: usize,
    fm: Option<u8>,
    n: usize,
    delta: V,
    phase: &mut V,
    wrap: impl Fn(V) -> V,
) {
    let one = V::splat(1.0);
    let inv = one / delta;
    // Registers are read and written at the same frame index (`fm` may
    // be `o`).
    for k in 0..n {
        let (d, inv) = step_at(regs, fm, k, delta, inv);
        let t = *phase;
        *phase = wrap(*phase + d);
        // Most samples lie away from the jump, where the residual is
        // zero: not computed there.
        let naive = t + t - one;
        let y = if near_jump(t, d) {
            naive - polyblep(t, d, inv)
        } else {
            naive
        };
        y.store(&mut regs[o][k]);
    }
}

/// `n` frames of a PolyBLEP pulse of width `w` (a square at 0.5) into
/// register `o`, as [`saw`]; `wrap` for the phase, then for the phase
/// less the width.
#[inline(always)]
fn pulse<V: Vec8, W: Fn(V) -> V, H: Fn(V) -> V>(
    regs: &mut Regs,
    o: usize,
    fm: Option<u8>,
    n: usize,
    (delta, w): (V, V),
    phase: &mut V,
    (wrap, wrap_half): (W, H),
) {
    let one = V::splat(1.0);
    let inv = one / delta;
    for k in 0..n {
        let (d, inv) = step_at(regs, fm, k, delta, inv);
        let t = *phase;
        *phase = wrap(*phase + d);
        let sq = t.lt(w).select(one, V::splat(-1.0));
        let half = wrap_half(t - w);
        // Residuals only near a jump (zero elsewhere).
        let y = if near_jump(t, d) || near_jump(half, d) {
            sq + polyblep(t, d, inv) - polyblep(half, d, inv)
        } else {
            sq
        };
        y.store(&mut regs[o][k]);
    }
}

/// Where a lane playing no sample reads: four frames of stereo silence
/// (its position stays at 1, so it reads from the start).
static SILENCE: [f32; 8] = [0.0; 8];

/// The frames of each player of a bank that [`play_side_by_side`]
/// computed (from the first of the chunk), the position after them, and
/// how many more frames from there surely lie inside.
#[derive(Clone, Copy)]
struct SidePlayed {
    frames: [usize; LANES],
    pos: [f64; LANES],
    sure: [usize; LANES],
}

/// Plays the players of a bank eight at a time into registers `to`
/// (left, and right if given) for as many frames as each lies surely
/// inside its sample and region (see `SamplePlayer::lane`): positions are
/// added up and split eight at a time, the four frames of each lane
/// loaded as rows and turned into columns, and [`cubic`] is taken of
/// them, so every sample has the bits `SamplePlayer::fill` gives. Lanes
/// without a player read silence. From where a lane leaves the surely
/// inside frames on, it reads silence too, and [`play_one_by_one`]
/// writes its frames. The players themselves are left as they were.
#[inline(always)]
fn play_side_by_side<V: Vec8>(
    players: &[Option<Box<SamplePlayer>>; LANES],
    used: [bool; LANES],
    regs: &mut Regs,
    n: usize,
    to: (usize, Option<usize>),
) -> SidePlayed {
    let lanes: [Option<Lane>; LANES] = std::array::from_fn(|j| {
        let p = players[j].as_deref().filter(|_| used[j])?;
        Some(p.lane())
    });
    // The channels of the first player; another with other channels (or
    // too long to index with an i32) plays one by one.
    let channels = lanes.iter().flatten().next().map_or(1, |l| l.channels);
    let mut played = SidePlayed {
        frames: [n; LANES],
        pos: [1.0; LANES],
        sure: [0; LANES],
    };
    let mut data = [&SILENCE[..]; LANES];
    let mut rate = [0.0; LANES];
    // The last four frames' first value in each lane's data, which no
    // index passes (so reads stay inside whatever the positions).
    let mut last = [0; LANES];
    for (j, lane) in lanes.iter().enumerate() {
        if let Some(l) = lane {
            let room = l.data.len().checked_sub(4 * channels);
            let fits = l.channels == channels && l.data.len() < 1 << 31 && room.is_some();
            played.frames[j] = if fits { l.sure.min(n) } else { 0 };
            played.pos[j] = l.pos;
            if played.frames[j] > 0 {
                (data[j], rate[j], last[j]) = (l.data, l.rate, room.unwrap_or(0));
                played.sure[j] = l.sure - played.frames[j];
            }
        }
    }
    let mut data = Rows { data, last };
    let mut pos = played.pos;
    let mut k = 0;
    while k < n {
        // Up to where the next player leaves (lanes without players read
        // silence to the end).
        let playing = (0..LANES).filter(|&j| lanes[j].is_some() && played.frames[j] > k);
        let Some(end) = playing.map(|j| played.frames[j]).min() else {
            for r in [Some(to.0), to.1].into_iter().flatten() {
                regs[r][k..n].fill(f32x8::ZERO);
            }
            break;
        };
        let mut p = V::pos_load(&pos);
        let rate_v = V::pos_load(&rate);
        if channels == 2 {
            stereo_frames::<V>(&data, &mut p, rate_v, regs, k..end, to);
        } else {
            mono_frames::<V>(&data, &mut p, rate_v, regs, k..end, to);
        }
        V::pos_store(p, &mut pos);
        k = end;
        for j in 0..LANES {
            if lanes[j].is_some() && played.frames[j] == k {
                played.pos[j] = pos[j];
                (data.data[j], data.last[j], pos[j], rate[j]) = (&SILENCE[..], 0, 1.0, 0.0);
            }
        }
    }
    played
}

/// What each lane reads: its sample's frames (or [`SILENCE`]) and the
/// index of the first value of their last four frames.
struct Rows<'a> {
    data: [&'a [f32]; LANES],
    last: [usize; LANES],
}

impl<'a> Rows<'a> {
    /// Four values of each lane: of its frame `whole - 1` on (`C`
    /// channels a frame), from the first (`half` 0) or the fifth
    /// (`half` 1). An index past the last four frames (which
    /// [`play_side_by_side`] does not let happen) reads them.
    #[inline(always)]
    fn at<const C: usize>(&self, whole: [i32; LANES], half: usize) -> [&'a [f32; 4]; LANES] {
        std::array::from_fn(|j| {
            let at = (whole[j] as usize).wrapping_sub(1).wrapping_mul(C);
            let at = at.min(self.last[j]) + half * 4;
            let data = self.data[j];
            debug_assert!(at + 4 <= data.len());
            // SAFETY: `last[j] + 4 · C <= data.len()` (see
            // `play_side_by_side`), and `half` is 0, or 1 for `C` = 2.
            unsafe { &*data.as_ptr().add(at).cast::<[f32; 4]>() }
        })
    }
}

/// Frames `range` of mono lanes (the right register, if any, gets the
/// same samples, as a mono sample's right channel is its left).
#[inline(always)]
fn mono_frames<V: Vec8>(
    data: &Rows,
    pos: &mut V::Pos,
    rate: V::Pos,
    regs: &mut Regs,
    range: std::ops::Range<usize>,
    (out, right): (usize, Option<usize>),
) {
    for k in range {
        let (t, whole) = V::advance(pos, rate);
        let [y0, y1, y2, y3] = V::columns(data.at::<1>(whole, 0));
        let y = cubic(y0, y1, y2, y3, t);
        y.store(&mut regs[out][k]);
        if let Some(r) = right {
            y.store(&mut regs[r][k]);
        }
    }
}

/// Frames `range` of stereo lanes (frames of two interleaved values).
#[inline(always)]
fn stereo_frames<V: Vec8>(
    data: &Rows,
    pos: &mut V::Pos,
    rate: V::Pos,
    regs: &mut Regs,
    range: std::ops::Range<usize>,
    (out, right): (usize, Option<usize>),
) {
    for k in range {
        let (t, whole) = V::advance(pos, rate);
        let [l0, r0, l1, r1] = V::columns(data.at::<2>(whole, 0));
        let [l2, r2, l3, r3] = V::columns(data.at::<2>(whole, 1));
        cubic(l0, l1, l2, l3, t).store(&mut regs[out][k]);
        if let Some(r) = right {
            cubic(r0, r1, r2, r3, t).store(&mut regs[r][k]);
        }
    }
}

/// Catmull-Rom interpolation between `y1` and `y2` at `t`, eight lanes
/// at a time: the operations of `samples::cubic` in the same order.
#[inline(always)]
fn cubic<V: Vec8>(y0: V, y1: V, y2: V, y3: V, t: V) -> V {
    let s = V::splat;
    let a = s(-0.5) * y0 + s(1.5) * y1 - s(1.5) * y2 + s(0.5) * y3;
    let b = y0 - s(2.5) * y1 + s(2.0) * y2 - s(0.5) * y3;
    let c = s(-0.5) * y0 + s(0.5) * y2;
    ((a * t + b) * t + c) * t + y1
}

/// The frames [`play_side_by_side`] left to each player: the player
/// moves past the frames played side by side, then fills the rest of
/// the chunk itself (through a column of `scratch`), which goes into its
/// lane of the registers.
fn play_one_by_one(
    players: &mut [Option<Box<SamplePlayer>>; LANES],
    used: [bool; LANES],
    played: SidePlayed,
    regs: &mut Regs,
    n: usize,
    (out, right): (usize, Option<usize>),
    (left, rights): (&mut [[f32; CHUNK]; LANES], &mut [[f32; CHUNK]; LANES]),
) {
    for (j, p) in players.iter_mut().enumerate() {
        let Some(p) = p.as_deref_mut().filter(|_| used[j]) else {
            continue;
        };
        let from = played.frames[j];
        p.move_to(played.pos[j], played.sure[j]);
        if from >= n {
            continue;
        }
        let (l, r) = (&mut left[j][from..n], &mut rights[j][from..n]);
        p.fill(l, r);
        for (k, x) in (from..n).zip(l.iter()) {
            regs[out][k].as_mut_array()[j] = *x;
        }
        if let Some(ri) = right {
            for (k, x) in (from..n).zip(r.iter()) {
                regs[ri][k].as_mut_array()[j] = *x;
            }
        }
    }
}

/// From frames of lanes to a buffer per lane: eight frames at a time as
/// an 8×8 transpose ([`Vec8::transpose8`]), the frames left over one
/// by one.
#[inline(always)]
fn transpose<V: Vec8>(src: &[f32x8], dst: &mut [[f32; CHUNK]; LANES]) {
    let whole = src.len() / 8 * 8;
    for (q, frames) in src[..whole].chunks_exact(8).enumerate() {
        if let Ok(frames) = frames.try_into() {
            V::transpose8(frames, dst, q * 8);
        }
    }
    for (k, v) in src.iter().enumerate().skip(whole) {
        for (d, x) in dst.iter_mut().zip(v.to_array()) {
            d[k] = x;
        }
    }
}

/// Flushes subnormal results and inputs to zero (x86 SSE) until dropped,
/// then restores the previous mode.
pub(crate) struct FlushSubnormals {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

impl FlushSubnormals {
    #[allow(deprecated)]
    pub(crate) fn new() -> FlushSubnormals {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
            // SAFETY: only the flush-to-zero (bit 15) and
            // denormals-are-zero (bit 6) flags change; restored on drop.
            let saved = unsafe { _mm_getcsr() };
            unsafe { _mm_setcsr(saved | 0x8040) };
            FlushSubnormals { saved }
        }
        #[cfg(not(target_arch = "x86_64"))]
        FlushSubnormals {}
    }
}

impl Drop for FlushSubnormals {
    #[allow(deprecated)]
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::_mm_setcsr;
            // SAFETY: restores the mode read in `new`.
            unsafe { _mm_setcsr(self.saved) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::lane_map::{lane_voice, lane_voice_with_input};
    use crate::samples::Sample;
    use lang::graph::{Graph, Prim};
    use std::sync::Arc;

    /// Within 2.5e-7 of the sine of the argument fundsp's `Sine` computes,
    /// over the phases an oscillator reaches in a chunk (below zero with
    /// FM, past one before the wrap).
    #[test]
    fn sin_turns_is_the_sine_of_the_phase_in_turns() {
        let mut worst = 0.0f64;
        for i in -40_000..=80_000 {
            let base = i as f32 / 20_000.0;
            let p: [f32; 8] = std::array::from_fn(|j| base + j as f32 * 1.3e-6);
            let s = sin_turns(f32x8::from(p)).to_array();
            for (x, y) in p.iter().zip(s) {
                let exact = ((x * std::f32::consts::TAU) as f64).sin();
                worst = worst.max((y as f64 - exact).abs());
            }
        }
        assert!(worst < 2.5e-7, "worst error {worst}");
    }
    const SR: f64 = 48000.0;

    fn n(p: Prim, a: Vec<Graph>) -> Graph {
        Graph::Node(p, a)
    }

    fn c(x: f64) -> Graph {
        Graph::Const(x)
    }

    /// A graph of a frequency.
    type Voice = fn(f64) -> Graph;

    /// Graphs of every kind of step, each of a frequency.
    fn programs() -> Vec<(&'static str, Voice)> {
        vec![
            ("fm", |f| {
                let m = n(Prim::Mul, vec![n(Prim::Sine, vec![c(f * 2.0)]), c(f * 2.0)]);
                let g = n(Prim::Sine, vec![n(Prim::Add, vec![c(f), m])]);
                n(Prim::Mul, vec![g, c(0.45)])
            }),
            ("bell", |f| {
                let index = n(
                    Prim::Mul,
                    vec![c(f * 7.0), n(Prim::Ad, vec![c(0.001), c(0.75)])],
                );
                let m = n(Prim::Mul, vec![n(Prim::Sine, vec![c(f * 3.5)]), index]);
                let g = n(Prim::Sine, vec![n(Prim::Add, vec![c(f), m])]);
                n(Prim::Mul, vec![g, n(Prim::Ad, vec![c(0.02), c(0.5)])])
            }),
            ("saw-lpf", |f| {
                let saw = n(Prim::Saw, vec![c(f)]);
                n(Prim::Lowpass, vec![saw, c(1200.0), c(0.707)])
            }),
            ("saw-fm", |f| {
                let m = n(Prim::Mul, vec![n(Prim::Sine, vec![c(5.0)]), c(f * 0.5)]);
                n(Prim::Saw, vec![n(Prim::Add, vec![c(f), m])])
            }),
            ("pulse-bpf", |f| {
                let p = n(Prim::Pulse, vec![c(f), c(0.3)]);
                n(Prim::Bandpass, vec![p, c(1000.0), c(2.0)])
            }),
            ("pulse-fm", |f| {
                let m = n(Prim::Mul, vec![n(Prim::Sine, vec![c(3.0)]), c(f * 0.25)]);
                n(Prim::Pulse, vec![n(Prim::Add, vec![c(f), m]), c(0.2)])
            }),
            ("square-hpf-ad", |f| {
                let hp = n(
                    Prim::Highpass,
                    vec![n(Prim::Square, vec![c(f)]), c(500.0), c(0.7)],
                );
                n(Prim::Mul, vec![hp, n(Prim::Ad, vec![c(0.01), c(0.2)])])
            }),
            ("noise-bpf", |f| {
                let noise = n(Prim::Noise, vec![]);
                n(Prim::Bandpass, vec![noise, c(f * 8.0), c(4.0)])
            }),
            ("pluck", |f| {
                let p = n(Prim::Pluck, vec![c(f), c(3.0), c(0.5)]);
                n(Prim::Mul, vec![p, c(0.7)])
            }),
            ("supersaw", |f| {
                let mut sum = n(Prim::Pan, vec![n(Prim::Saw, vec![c(f)]), c(0.5)]);
                for (d, p) in [(1.0024, 0.3), (0.9976, 0.7), (1.0071, 0.0)] {
                    let s = n(Prim::Pan, vec![n(Prim::Saw, vec![c(f * d)]), c(p)]);
                    sum = n(Prim::Add, vec![sum, s]);
                }
                let g = n(Prim::Mul, vec![sum, c(0.12)]);
                n(Prim::Lowpass, vec![g, c(1800.0), c(0.6)])
            }),
        ]
    }

    /// A bank for `voices`, running the AVX build or the portable one.
    fn bank(avx: bool, voices: &[LaneVoice]) -> LaneBank {
        let mut bank = LaneBank {
            avx,
            ..LaneBank::default()
        };
        for (j, v) in voices.iter().enumerate() {
            let mut v = v.clone();
            assert_eq!(bank.start(&mut v, SR as f32), Some(j));
        }
        bank
    }

    /// Runs both banks for a second and a half, in chunks of several
    /// lengths, freeing a lane and starting it again on the way; asserts
    /// every output sample has the same bits in both.
    fn assert_same_bits(name: &str, voices: &[LaneVoice]) {
        let [mut portable, mut avx] = [false, true].map(|avx| bank(avx, voices));
        let mut peak = 0.0f32;
        for chunk in 0..1200 {
            let len = [CHUNK, 17, CHUNK, 1, CHUNK - 3][chunk % 5];
            if chunk == 400 {
                portable.stop(1);
                avx.stop(1);
            }
            if chunk == 700 {
                for b in [&mut portable, &mut avx] {
                    let mut v = voices[1].clone();
                    assert_eq!(b.start(&mut v, SR as f32), Some(1));
                }
            }
            portable.process(len);
            avx.process(len);
            for (a, b) in [(&portable.out, &avx.out), (&portable.out_r, &avx.out_r)] {
                for (j, (a, b)) in a.iter().zip(b).enumerate() {
                    for (k, (x, y)) in a[..len].iter().zip(&b[..len]).enumerate() {
                        assert_eq!(
                            x.to_bits(),
                            y.to_bits(),
                            "{name}: chunk {chunk}, lane {j}, frame {k}: {x} vs {y}"
                        );
                        peak = peak.max(x.abs());
                    }
                }
            }
        }
        // Not a comparison of silences.
        assert!(peak > 0.05, "{name}: peak {peak}");
    }

    /// The AVX build of `process` computes the same bits as the portable
    /// build, so a render does not depend on the CPU it runs on.
    #[test]
    fn the_avx_build_gives_the_same_bits_as_the_portable_one() {
        if !avx_available() {
            eprintln!("skipped: this CPU has no AVX2");
            return;
        }
        for (name, graph) in programs() {
            let voices: Vec<LaneVoice> = (0..LANES)
                .map(|j| {
                    let f = 55.0 * (1.0 + 0.37 * j as f64);
                    lane_voice(&graph(f), SR, 11 + j as u64)
                        .unwrap_or_else(|| panic!("{name} fits lanes"))
                        .0
                })
                .collect();
            assert_same_bits(name, &voices);
        }
    }

    /// A sample of `frames` frames of `channels` channels, at 44.1 kHz.
    fn test_sample(frames: usize, channels: usize) -> Arc<Sample> {
        let data: Vec<f32> = (0..frames * channels)
            .map(|i| ((i as f32 * 0.037).sin() + (i as f32 * 0.0031).cos()) * 0.4)
            .collect();
        Arc::new(Sample::from_frames(data, channels, 44100.0))
    }

    /// Players of a sample of `channels` channels, one per lane, of every
    /// kind a bank meets (`None`: a lane left unused): rates forwards,
    /// backwards, fractional, tiny and large, whole samples and regions,
    /// looping (regions of a few frames too) or ending in the middle of a
    /// chunk; one player of a sample of three frames.
    fn sample_players(channels: usize) -> [Option<SamplePlayer>; LANES] {
        let s = test_sample(4000, channels);
        let p = |rate, begin, end, looping| {
            Some(SamplePlayer::new(s.clone(), rate, begin, end, looping))
        };
        [
            p(1.0, 0.0, 1.0, true),
            p(-0.61, 0.2, 0.7, true),
            p(2.9, 0.0, 0.3, false),
            p(0.37, 0.5, 0.5009, true),
            None,
            p(-1.0, 0.0, 0.05, false),
            p(13.7, 0.1, 0.9, true),
            Some(SamplePlayer::new(
                test_sample(3, channels),
                0.73,
                0.0,
                1.0,
                true,
            )),
        ]
    }

    /// A voice playing `player` through `graph` (of its input).
    fn sample_voice(graph: &Graph, player: &SamplePlayer, channels: usize) -> LaneVoice {
        let stereo = Some(channels == 2);
        let (mut v, _) = lane_voice_with_input(graph, SR, 1, stereo).unwrap();
        v.sample = Some(Box::new(player.clone()));
        v
    }

    /// As above, for voices playing samples (mono and stereo) of every
    /// kind, with a lane left unused.
    #[test]
    fn the_avx_build_plays_samples_with_the_same_bits() {
        if !avx_available() {
            eprintln!("skipped: this CPU has no AVX2");
            return;
        }
        let g = n(Prim::Lowpass, vec![Graph::Input, c(2000.0), c(0.9)]);
        for channels in [1, 2] {
            let players = sample_players(channels);
            let voices: Vec<LaneVoice> = (0..LANES)
                .map(|j| {
                    // The unused lane plays the first player's sample.
                    let p = players[j].as_ref().or(players[0].as_ref()).unwrap();
                    sample_voice(&g, p, channels)
                })
                .collect();
            let [mut portable, mut avx] = [false, true].map(|avx| bank(avx, &voices));
            for b in [&mut portable, &mut avx] {
                b.stop(4);
            }
            let mut peak = 0.0f32;
            for chunk in 0..600 {
                let len = [CHUNK, 17, CHUNK, 1, CHUNK - 3][chunk % 5];
                portable.process(len);
                avx.process(len);
                for (a, b) in [(&portable.out, &avx.out), (&portable.out_r, &avx.out_r)] {
                    for (j, (a, b)) in a.iter().zip(b).enumerate() {
                        for (k, (x, y)) in a[..len].iter().zip(&b[..len]).enumerate() {
                            let (x, y) = (x.to_bits(), y.to_bits());
                            assert_eq!(
                                x, y,
                                "{channels} channels: chunk {chunk}, lane {j}, frame {k}"
                            );
                            peak = peak.max(f32::from_bits(x).abs());
                        }
                    }
                }
            }
            assert!(peak > 0.05, "{channels} channels: peak {peak}");
            assert_same_bits(&format!("sample, {channels} channels"), &voices);
        }
    }

    /// A bank plays each lane's sample as its player does alone
    /// (`SamplePlayer::fill`), to the bit, in both builds: with lanes
    /// unused, started after chunks of odd lengths, stopped, and playing
    /// to the end of their regions within a chunk.
    #[test]
    fn a_bank_plays_each_sample_as_its_player_alone() {
        let builds: &[bool] = if avx_available() {
            &[false, true]
        } else {
            &[false]
        };
        for &avx in builds {
            for channels in [1, 2] {
                let players = sample_players(channels);
                let mut bank = LaneBank {
                    avx,
                    ..LaneBank::default()
                };
                // The players alone, by lane, while their lane plays.
                let mut alone: [Option<SamplePlayer>; LANES] = Default::default();
                let start = |bank: &mut LaneBank, alone: &mut [Option<SamplePlayer>], j: usize| {
                    let p = players[j].as_ref().unwrap();
                    let mut v = sample_voice(&Graph::Input, p, channels);
                    assert_eq!(bank.start(&mut v, SR as f32), Some(j));
                    alone[j] = Some(p.clone());
                };
                // Lanes 0 to 3 first (lane 4 stays unused), the others later.
                for j in 0..4 {
                    start(&mut bank, &mut alone, j);
                }
                let mut peak = 0.0f32;
                for chunk in 0..500 {
                    let len = [CHUNK, 17, CHUNK, 1, CHUNK - 3, 40][chunk % 6];
                    if chunk == 3 {
                        // Lane 4 unused: taken, then freed.
                        let mut v =
                            sample_voice(&Graph::Input, players[0].as_ref().unwrap(), channels);
                        assert_eq!(bank.start(&mut v, SR as f32), Some(4));
                        for j in 5..LANES {
                            start(&mut bank, &mut alone, j);
                        }
                        bank.stop(4);
                    }
                    if chunk == 200 {
                        bank.stop(2);
                        alone[2] = None;
                    }
                    if chunk == 301 {
                        start(&mut bank, &mut alone, 2);
                    }
                    bank.process(len);
                    for (j, p) in alone.iter_mut().enumerate() {
                        let (mut l, mut r) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
                        let Some(p) = p else {
                            continue;
                        };
                        p.fill(&mut l[..len], &mut r[..len]);
                        let right = if channels == 2 {
                            &bank.out_r[j]
                        } else {
                            &bank.out[j]
                        };
                        for k in 0..len {
                            let want = (l[k].to_bits(), r[k].to_bits());
                            let got = (bank.out[j][k].to_bits(), right[k].to_bits());
                            assert_eq!(got, want, "avx {avx}, {channels} channels: chunk {chunk}, lane {j}, frame {k}");
                            peak = peak.max(l[k].abs());
                        }
                    }
                    // The unused lane is silent.
                    assert!(bank.out[4][..len].iter().all(|x| x.to_bits() == 0));
                }
                assert!(peak > 0.3, "peak {peak}");
            }
        }
    }

    /// Every frame of every lane lands in its lane's buffer, for any
    /// number of frames.
    #[test]
    fn transpose_moves_every_frame_to_its_lane() {
        let src: Vec<f32x8> = (0..CHUNK)
            .map(|k| f32x8::from(std::array::from_fn::<f32, 8, _>(|j| (k * 10 + j) as f32)))
            .collect();
        for avx in [false, true] {
            if avx && !avx_available() {
                eprintln!("the AVX build skipped: this CPU has no AVX2");
                continue;
            }
            for n in [0, 1, 3, 4, 5, 8, 9, 17, 31, 63, CHUNK] {
                let mut dst = [[-1.0f32; CHUNK]; LANES];
                if avx {
                    // SAFETY: the CPU has AVX2 (tested above).
                    #[cfg(target_arch = "x86_64")]
                    unsafe {
                        avx_transpose(&src[..n], &mut dst)
                    };
                } else {
                    transpose::<f32x8>(&src[..n], &mut dst);
                }
                for (j, lane) in dst.iter().enumerate() {
                    for (k, &x) in lane.iter().enumerate() {
                        let want = if k < n { (k * 10 + j) as f32 } else { -1.0 };
                        assert_eq!(x, want, "avx {avx}, n {n}, lane {j}, frame {k}");
                    }
                }
            }
        }
    }

    /// [`transpose`] in the AVX build.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn avx_transpose(src: &[f32x8], dst: &mut [[f32; CHUNK]; LANES]) {
        transpose::<vec8::Ymm>(src, dst);
    }

    /// Where they are used `floor_in_range`, `wrap_small_step` and
    /// `wrap_half_turn` are what `floor` gives, to the bit (in the
    /// portable build; the AVX build's operations are the same, see
    /// below); and `floor` saturates as `as i32` does outside its range.
    #[test]
    fn the_shortcuts_are_floor() {
        let mut rng = fastrand::Rng::with_seed(7);
        let bits = |v: f32x8| v.to_array().map(f32::to_bits);
        let floor = floor::<f32x8>;
        for i in 0..200_000 {
            let scale = [1.0, 2.0, 100.0, 1e5, 2e9][i % 5];
            let x = f32x8::from(std::array::from_fn::<f32, 8, _>(|j| match (i + j) % 9 {
                0 => -0.0,
                1 => (rng.i32(-1000..1000) as f32) * 0.5,
                _ => (rng.f32() * 2.0 - 1.0) * scale,
            }));
            assert_eq!(bits(floor_in_range(x)), bits(floor(x)), "{x:?}");
            assert_eq!(bits(sin_turns_in_range(x)), bits(sin_turns(x)), "{x:?}");
            let exact = x.to_array().map(|v| v.floor());
            assert_eq!(floor(x).to_array(), exact, "{x:?}");
        }
        // Phases in [0, 1] (their ends included), steps of up to half a
        // turn, widths in [0.001, 1].
        for i in 0..200_000 {
            let ends = [0.0, 1.0, 0.5, 0.001, 1.0 - f32::EPSILON / 2.0];
            let pick = |r: &mut fastrand::Rng, lo: f32, hi: f32| match r.u32(..8) {
                0 => ends[r.usize(..ends.len())].clamp(lo, hi),
                _ => lo + r.f32() * (hi - lo),
            };
            let mut lanes =
                |lo, hi| f32x8::from(std::array::from_fn::<f32, 8, _>(|_| pick(&mut rng, lo, hi)));
            let (t, d, w) = (lanes(0.0, 1.0), lanes(0.0, 0.5), lanes(0.001, 1.0));
            assert!(small_steps(t, d) && usual_width(w), "{i}");
            let p = t + d;
            assert_eq!(bits(wrap_small_step(p)), bits(p - floor(p)), "{p:?}");
            let h = t - w;
            assert_eq!(bits(wrap_half_turn(h)), bits(h - floor(h)), "{h:?}");
            let next = wrap_small_step(p).to_array();
            assert!(next.iter().all(|x| (0.0..=1.0).contains(x)), "{next:?}");
        }
        let odd = f32x8::from([
            f32::NAN,
            f32::INFINITY,
            -f32::INFINITY,
            3e9,
            -3e9,
            0.5,
            -0.5,
            1.0,
        ]);
        let two31 = 2_147_483_648.0;
        assert_eq!(
            floor(odd).to_array(),
            [0.0, two31, -two31, two31, -two31, 0.0, -1.0, 1.0]
        );
    }

    /// The operations of the two builds agree, bit for bit, on values a
    /// program rarely meets: zeros, NaN, infinities, subnormal numbers,
    /// numbers beyond the range of an i32.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_vector_operations_of_both_builds_agree_on_special_values() {
        if !avx_available() {
            eprintln!("skipped: this CPU has no AVX2");
            return;
        }
        let special = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            -1.0,
            1.0e-40,
            -1.0e-40,
            2147483520.0,
            2147483648.0,
            -2147483648.0,
            -2147483904.0,
            3.0e9,
            -3.0e9,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            f32::MAX,
            -7.25,
            123.456,
        ];
        for a in special.chunks(4) {
            for b in special.chunks(4) {
                let x: [f32; 8] = std::array::from_fn(|j| {
                    if j < 4 {
                        a[j % a.len()]
                    } else {
                        b[j % b.len()]
                    }
                });
                let y: [f32; 8] = std::array::from_fn(|j| {
                    if j < 4 {
                        b[j % b.len()]
                    } else {
                        a[j % a.len()]
                    }
                });
                let (x, y) = (f32x8::from(x), f32x8::from(y));
                let portable = operations::<f32x8>(x, y);
                // SAFETY: the CPU has AVX2 (tested above).
                let avx = unsafe { avx_operations(x, y) };
                for (i, (p, q)) in portable.iter().zip(&avx).enumerate() {
                    let (p, q) = (
                        p.to_array().map(f32::to_bits),
                        q.to_array().map(f32::to_bits),
                    );
                    assert_eq!(p, q, "operation {i} of {x:?} and {y:?}");
                }
            }
        }
    }

    /// Every operation of [`Vec8`] (and the functions built on them) of
    /// `x` and `y`, and whether `any` is true of `x`, `y` and the masks.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn operations<V: Vec8>(x: f32x8, y: f32x8) -> Vec<f32x8> {
        let (a, b) = (V::load(&x), V::load(&y));
        let masks = [a.lt(b), a.gt(b)];
        let anys = [a.any(), b.any(), masks[0].any(), masks[1].any()];
        let results = [
            a + b,
            a - b,
            a * b,
            a / b,
            masks[0],
            masks[1],
            a.and(b),
            a.or(b),
            a.xor(b),
            masks[0].select(a, b),
            a.select(a, b),
            a.abs(),
            a.min(b),
            b.min(a),
            a.trunc(),
            floor(a),
            sin_turns(a),
            a.ge(b),
            a.trunc_in_range(),
            floor_in_range(a),
            sin_turns_in_range(a),
            wrap_small_step(a),
            wrap_half_turn(a),
            polyblep(a, b, a),
            V::splat(if near_jump(a, b) { 1.0 } else { 0.0 }),
            V::splat(anys.map(|t| t as u8 as f32).iter().sum()),
        ];
        results
            .into_iter()
            .map(|r| {
                let mut out = f32x8::ZERO;
                r.store(&mut out);
                out
            })
            .collect()
    }

    /// [`operations`] in the AVX build.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn avx_operations(x: f32x8, y: f32x8) -> Vec<f32x8> {
        operations::<vec8::Ymm>(x, y)
    }

    /// The noise generators of both builds give the same numbers, also
    /// where their states wrap around.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_noise_of_both_builds_agrees() {
        if !avx_available() {
            eprintln!("skipped: this CPU has no AVX2");
            return;
        }
        let start = u32x8::from([0, 1, 7, u32::MAX - 3, u32::MAX, 1 << 31, 12345, 0xdead_beef]);
        let portable = noise::<f32x8>(start);
        // SAFETY: the CPU has AVX2 (tested above).
        let avx = unsafe { avx_noise(start) };
        assert_eq!(portable.1.to_array(), avx.1.to_array());
        for (p, q) in portable.0.iter().zip(&avx.0) {
            assert_eq!(
                p.to_array().map(f32::to_bits),
                q.to_array().map(f32::to_bits)
            );
        }
    }

    /// Ten steps of eight noise generators from `state`, and the state after.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn noise<V: Vec8>(state: u32x8) -> (Vec<f32x8>, u32x8) {
        let mut s = V::noise_load(state);
        let out = (0..10)
            .map(|_| {
                let mut o = f32x8::ZERO;
                V::noise(&mut s).store(&mut o);
                o
            })
            .collect();
        (out, V::noise_store(s))
    }

    /// [`noise`] in the AVX build.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn avx_noise(state: u32x8) -> (Vec<f32x8>, u32x8) {
        noise::<vec8::Ymm>(state)
    }
}
