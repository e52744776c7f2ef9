//! A bank of eight band-limited sawtooth → 2-pole lowpass voices processed
//! together, one voice per SIMD lane.
//!
//! Instruments of that shape (the most common subtractive voice, and the
//! W1 benchmark's) skip the per-voice network: their voices take a lane in
//! a bank, and a chunk of all eight lanes costs about as much as one voice
//! through a network. The oscillator is a PolyBLEP sawtooth and the filter
//! a state-variable lowpass (trapezoidal integration), both as in fundsp's
//! `poly_saw` and `lowpass_hz`.

/// Voices per bank.
pub const LANES: usize = 8;

/// Settings of one lane, fixed for the voice's life.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SawLowpass {
    pub freq: f32,
    /// Lowpass cutoff (Hz) and Q; `None`: no filter.
    pub filter: Option<(f32, f32)>,
    /// Constant gain applied to the lane.
    pub gain: f32,
}

/// Eight lanes of state, structure-of-arrays so that the per-sample loop
/// over lanes vectorises.
pub struct SawBank {
    phase: [f32; LANES],
    delta: [f32; LANES],
    a1: [f32; LANES],
    a2: [f32; LANES],
    a3: [f32; LANES],
    /// 1 where the lane is filtered, else 0 (the raw saw passes).
    filtered: [f32; LANES],
    ic1: [f32; LANES],
    ic2: [f32; LANES],
    gain: [f32; LANES],
    used: [bool; LANES],
    /// Output per lane for the current chunk.
    pub out: [[f32; crate::audio::CHUNK]; LANES],
}

impl Default for SawBank {
    fn default() -> SawBank {
        SawBank {
            phase: [0.0; LANES],
            delta: [0.0; LANES],
            a1: [0.0; LANES],
            a2: [0.0; LANES],
            a3: [0.0; LANES],
            filtered: [0.0; LANES],
            ic1: [0.0; LANES],
            ic2: [0.0; LANES],
            gain: [0.0; LANES],
            used: [false; LANES],
            out: [[0.0; crate::audio::CHUNK]; LANES],
        }
    }
}

impl SawBank {
    /// Takes a free lane for a voice; `None` when all are used.
    pub fn start(&mut self, v: &SawLowpass, sample_rate: f32) -> Option<usize> {
        let lane = self.used.iter().position(|u| !u)?;
        self.used[lane] = true;
        self.phase[lane] = 0.0;
        self.delta[lane] = (v.freq / sample_rate).clamp(0.0, 0.49);
        let (cutoff, q) = v.filter.unwrap_or((1000.0, 0.707));
        let g = (std::f32::consts::PI * cutoff.clamp(5.0, 0.45 * sample_rate) / sample_rate).tan();
        let k = 1.0 / q.max(0.05);
        let a1 = 1.0 / (1.0 + g * (g + k));
        self.a1[lane] = a1;
        self.a2[lane] = g * a1;
        self.a3[lane] = g * g * a1;
        self.filtered[lane] = if v.filter.is_some() { 1.0 } else { 0.0 };
        self.ic1[lane] = 0.0;
        self.ic2[lane] = 0.0;
        self.gain[lane] = v.gain;
        Some(lane)
    }

    /// Frees a lane.
    pub fn stop(&mut self, lane: usize) {
        self.used[lane] = false;
        self.gain[lane] = 0.0;
        self.delta[lane] = 0.0;
    }

    pub fn is_empty(&self) -> bool {
        !self.used.iter().any(|u| *u)
    }

    pub fn is_full(&self) -> bool {
        self.used.iter().all(|u| *u)
    }

    /// Renders `n` frames of every lane into `out`.
    // Indexing every lane array by `j` is what lets the loop vectorise.
    #[allow(clippy::needless_range_loop)]
    pub fn process(&mut self, n: usize) {
        for k in 0..n {
            let mut y = [0.0f32; LANES];
            for j in 0..LANES {
                let t = self.phase[j];
                let dt = self.delta[j].max(1e-9);
                let mut p = t + self.delta[j];
                p -= if p >= 1.0 { 1.0 } else { 0.0 };
                self.phase[j] = p;
                // PolyBLEP correction around the wrap.
                let z1 = t / dt;
                let z2 = (t - 1.0) / dt;
                let blep = if t < dt {
                    z1 + z1 - z1 * z1 - 1.0
                } else if t > 1.0 - dt {
                    z2 + z2 + z2 * z2 + 1.0
                } else {
                    0.0
                };
                let x = 2.0 * t - 1.0 - blep;
                // State-variable lowpass.
                let v3 = x - self.ic2[j];
                let v1 = self.a1[j] * self.ic1[j] + self.a2[j] * v3;
                let v2 = self.ic2[j] + self.a2[j] * self.ic1[j] + self.a3[j] * v3;
                self.ic1[j] = 2.0 * v1 - self.ic1[j];
                self.ic2[j] = 2.0 * v2 - self.ic2[j];
                let f = self.filtered[j];
                y[j] = (v2 * f + x * (1.0 - f)) * self.gain[j];
            }
            for j in 0..LANES {
                self.out[j][k] = y[j];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundsp::prelude32::*;

    #[test]
    fn matches_fundsp_saw_through_lowpass() {
        let mut bank = SawBank::default();
        let v = SawLowpass {
            freq: 110.0,
            filter: Some((1200.0, 0.707)),
            gain: 1.0,
        };
        let lane = bank.start(&v, 48000.0).unwrap();
        let mut reference =
            dc(110.0) >> An(PolySaw::<f32>::with_phase(0.0)) >> lowpass_hz(1200.0, 0.707);
        reference.set_sample_rate(48000.0);
        reference.reset();
        let mut worst = 0.0f32;
        for _ in 0..100 {
            bank.process(64);
            for k in 0..64 {
                let r = reference.get_mono();
                worst = worst.max((bank.out[lane][k] - r).abs());
            }
        }
        assert!(worst < 1e-3, "{worst}");
    }
}
