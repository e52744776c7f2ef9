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

use crate::audio::CHUNK;
use crate::dsp::nodes::Pluck;
use crate::samples::SamplePlayer;
use fundsp::wide::{f32x8, u32x8};

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
            out: [[0.0; CHUNK]; LANES],
            out_r: [[0.0; CHUNK]; LANES],
        }
    }
}

/// Sets lane `j` of a vector.
fn set(v: &mut f32x8, j: usize, x: f32) {
    let mut a = v.to_array();
    a[j] = x;
    *v = f32x8::from(a);
}

/// `floor(x)` without a per-lane call (SSE2 has no rounding instruction);
/// exact for |x| < 2^31.
#[inline(always)]
fn floor(x: f32x8) -> f32x8 {
    let t = f32x8::from_i32x8(x.trunc_int());
    t - (t.simd_gt(x) & f32x8::ONE)
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
fn sin_turns(p: f32x8) -> f32x8 {
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
    let theta = p * f32x8::splat(std::f32::consts::TAU);
    let k = floor(theta * f32x8::splat(1.0 / std::f32::consts::TAU) + f32x8::splat(0.5));
    let x = (theta - k * f32x8::splat(TAU_HI)) - k * f32x8::splat(TAU_LO);
    let a = x.abs();
    let y = a.fast_min((f32x8::splat(std::f32::consts::PI) - a) + f32x8::splat(PI_LO));
    let y2 = y * y;
    let mut r = f32x8::splat(C[5]);
    for c in C[..5].iter().rev() {
        r = r * y2 + f32x8::splat(*c);
    }
    // The sign of x, put back on the (non-negative) odd polynomial.
    (r * y) ^ (x & f32x8::splat(-0.0))
}

/// Whether any lane's phase `t` lies within a step `dt` of the jump at
/// 0 (= 1), where the PolyBLEP residual is not zero.
#[inline(always)]
fn near_jump(t: f32x8, dt: f32x8) -> bool {
    (t.simd_lt(dt) | t.simd_gt(f32x8::ONE - dt)).any()
}

/// PolyBLEP residual, as fundsp's (dividing by `dt` as multiplying by
/// `inv` = 1 / `dt`, a rounding apart).
#[inline(always)]
fn polyblep(t: f32x8, dt: f32x8, inv: f32x8) -> f32x8 {
    let z1 = t * inv;
    let z2 = (t - f32x8::ONE) * inv;
    let rise = z1 + z1 - z1 * z1 - f32x8::ONE;
    let fall = z2 + z2 + z2 * z2 + f32x8::ONE;
    let early = t.simd_lt(dt);
    let late = t.simd_gt(f32x8::ONE - dt);
    early.bitselect(rise, late.bitselect(fall, f32x8::ZERO))
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
        let n = n.min(CHUNK);
        let len = self.program.len as usize;
        let ops = self.program.ops;
        for op in &ops[..len] {
            self.step(*op, n);
        }
        let [l, r] = self.program.out;
        transpose(&self.regs[l as usize][..n], &mut self.out);
        if self.program.stereo {
            transpose(&self.regs[r as usize][..n], &mut self.out_r);
        }
    }

    // Registers are read and written at the same frame index.
    #[allow(clippy::needless_range_loop)]
    fn step(&mut self, op: Op, n: usize) {
        let regs = &mut *self.regs;
        match op {
            Op::Osc {
                wave,
                slot,
                fm,
                out,
            } => {
                let s = slot as usize;
                let (mut phase, delta, width) = (self.phase[s], self.delta[s], self.width[s]);
                let o = out as usize;
                match (wave, fm) {
                    // As fundsp's `Sine::process`: the phase is wrapped
                    // once per chunk (the sine of 2π·phase, computed by
                    // `sin_turns` from the phase in turns).
                    (Wave::Sine, None) => {
                        for k in 0..n {
                            regs[o][k] = sin_turns(phase);
                            phase += delta;
                        }
                        phase -= floor(phase);
                    }
                    (Wave::Sine, Some(f)) => {
                        for k in 0..n {
                            let d = regs[f as usize][k] * delta;
                            regs[o][k] = sin_turns(phase);
                            phase += d;
                        }
                        phase -= floor(phase);
                    }
                    (Wave::Saw, fm) => {
                        let inv = f32x8::ONE / delta;
                        for k in 0..n {
                            let (d, inv) = match fm {
                                Some(f) => {
                                    let d = regs[f as usize][k] * delta;
                                    (d, f32x8::ONE / d)
                                }
                                None => (delta, inv),
                            };
                            let t = phase;
                            phase += d;
                            phase -= floor(phase);
                            // Most samples lie away from the jump, where
                            // the residual is zero: not computed there.
                            let naive = t + t - f32x8::ONE;
                            regs[o][k] = if near_jump(t, d) {
                                naive - polyblep(t, d, inv)
                            } else {
                                naive
                            };
                        }
                    }
                    (wave, fm) => {
                        let w = if wave == Wave::Square {
                            f32x8::splat(0.5)
                        } else {
                            width
                        };
                        let inv = f32x8::ONE / delta;
                        for k in 0..n {
                            let (d, inv) = match fm {
                                Some(f) => {
                                    let d = regs[f as usize][k] * delta;
                                    (d, f32x8::ONE / d)
                                }
                                None => (delta, inv),
                            };
                            let t = phase;
                            phase += d;
                            phase -= floor(phase);
                            let sq = t.simd_lt(w).bitselect(f32x8::ONE, -f32x8::ONE);
                            let half = t - w;
                            let half = half - floor(half);
                            // Residuals only near a jump (zero elsewhere).
                            regs[o][k] = if near_jump(t, d) || near_jump(half, d) {
                                sq + polyblep(t, d, inv) - polyblep(half, d, inv)
                            } else {
                                sq
                            };
                        }
                    }
                }
                self.phase[s] = phase;
            }
            Op::Noise { out } => {
                let mut state = self.noise;
                let z = f32x8::splat(2.0 / ((1 << 24) - 1) as f32);
                for k in 0..n {
                    state += u32x8::splat(1);
                    let h = hash32(state) >> 8u32;
                    let v: [u32; 8] = h.to_array();
                    let f = f32x8::from(v.map(|x| x as f32));
                    regs[out as usize][k] = f * z - f32x8::ONE;
                }
                self.noise = state;
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
                let mut left = [[0.0f32; CHUNK]; LANES];
                let mut rights = [[0.0f32; CHUNK]; LANES];
                let players = self.sample.iter_mut().zip(self.used);
                for ((p, used), (l, r)) in players.zip(left.iter_mut().zip(rights.iter_mut())) {
                    if let (Some(p), true) = (p.as_mut(), used) {
                        p.fill(&mut l[..n], &mut r[..n]);
                    }
                }
                interleave(&left, &mut regs[out as usize][..n]);
                if let Some(r) = right {
                    interleave(&rights, &mut regs[r as usize][..n]);
                }
            }
            Op::Ad { slot, out } => {
                let [attack, dt, coef, mut t, mut level] = self.ad[slot as usize];
                let tiny = f32x8::splat(1e-5);
                for k in 0..n {
                    let rising = t.simd_lt(attack);
                    let falling = level.simd_lt(tiny).bitselect(f32x8::ZERO, level * coef);
                    regs[out as usize][k] = rising.bitselect(t / attack, level);
                    level = rising.bitselect(level, falling);
                    t += dt;
                }
                self.ad[slot as usize][3] = t;
                self.ad[slot as usize][4] = level;
            }
            Op::Svf { slot, inp, out } => {
                let s = &mut self.svf[slot as usize];
                let [a1, a2, a3, m0, m1, m2, mut ic1, mut ic2] = *s;
                let two = f32x8::splat(2.0);
                for k in 0..n {
                    let v0 = regs[inp as usize][k];
                    let v3 = v0 - ic2;
                    let v1 = a1 * ic1 + a2 * v3;
                    let v2 = ic2 + a2 * ic1 + a3 * v3;
                    ic1 = two * v1 - ic1;
                    ic2 = two * v2 - ic2;
                    regs[out as usize][k] = m0 * v0 + m1 * v1 + m2 * v2;
                }
                s[6] = ic1;
                s[7] = ic2;
            }
            Op::Scale { a, k, out } => {
                let c = self.k[k as usize];
                for i in 0..n {
                    regs[out as usize][i] = regs[a as usize][i] * c;
                }
            }
            Op::Offset { a, k, out } => {
                let c = self.k[k as usize];
                for i in 0..n {
                    regs[out as usize][i] = regs[a as usize][i] + c;
                }
            }
            Op::Add { a, b, out } => {
                for i in 0..n {
                    regs[out as usize][i] = regs[a as usize][i] + regs[b as usize][i];
                }
            }
            Op::Sub { a, b, out } => {
                for i in 0..n {
                    regs[out as usize][i] = regs[a as usize][i] - regs[b as usize][i];
                }
            }
            Op::Mul { a, b, out } => {
                for i in 0..n {
                    regs[out as usize][i] = regs[a as usize][i] * regs[b as usize][i];
                }
            }
        }
    }
}

/// fundsp's 32-bit noise hash, eight at a time.
#[inline(always)]
fn hash32(x: u32x8) -> u32x8 {
    let m = u32x8::splat(0x45d9f3b);
    let x = (x ^ (x >> 16u32)) * m;
    let x = (x ^ (x >> 16u32)) * m;
    (x ^ (x >> 16u32)) * m
}

/// From a buffer per lane to frames of lanes.
fn interleave(cols: &[[f32; CHUNK]; LANES], dst: &mut [f32x8]) {
    for (k, r) in dst.iter_mut().enumerate() {
        *r = f32x8::from(std::array::from_fn::<f32, LANES, _>(|j| cols[j][k]));
    }
}

/// From frames of lanes to a buffer per lane.
fn transpose(src: &[f32x8], dst: &mut [[f32; CHUNK]; LANES]) {
    for (k, v) in src.iter().enumerate() {
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
}
