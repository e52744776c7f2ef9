//! Modulation signals for the `lfo` and `env` entries of an event: an
//! offset added to a control (filter cutoff, gain, pitch, pan, …) while the
//! voice sounds, shaped as Strudel's modulators shape it.
//!
//! - LFO: one of five shapes (0 triangle, 1 sine, 2 ramp, 3 saw, 4 square)
//!   with a skew, `(shape(phase) + dcoffset) × depth`, raised to `curve`,
//!   clamped to a range. Its phase follows the tempo grid: at the onset it
//!   is `frac(seconds of the onset's cycle position × frequency)`, so a
//!   synced LFO (`sync` repetitions per cycle) lines up with the cycles.
//! - Envelope: from 0 up to 1 over the attack, down towards the sustain
//!   level, held while the voice lasts; each segment's progress is warped
//!   by its curve (−1 relaxed … 1 snappy); times count from the onset
//!   (the decay's progress is measured over attack + decay, as Strudel's).
//!   The value is scaled by `depth` and clamped.

use fundsp::prelude32::*;

/// LFO waveform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LfoShape {
    Triangle,
    Sine,
    Ramp,
    Saw,
    Square,
}

impl LfoShape {
    /// By number (wrapping at 5) or by name; anything else is a triangle.
    pub fn from_index(i: f64) -> LfoShape {
        if !i.is_finite() {
            return LfoShape::Triangle;
        }
        match (i.trunc() as i64).rem_euclid(5) {
            1 => LfoShape::Sine,
            2 => LfoShape::Ramp,
            3 => LfoShape::Saw,
            4 => LfoShape::Square,
            _ => LfoShape::Triangle,
        }
    }

    pub fn from_name(name: &str) -> LfoShape {
        match name {
            "sine" => LfoShape::Sine,
            "ramp" => LfoShape::Ramp,
            "saw" => LfoShape::Saw,
            "square" => LfoShape::Square,
            _ => LfoShape::Triangle,
        }
    }

    /// The unipolar (0–1) value at `phase` (0–1).
    pub fn at(self, phase: f64, skew: f64) -> f64 {
        match self {
            LfoShape::Triangle => {
                if phase >= skew {
                    let x = 1.0 - skew;
                    1.0 / x - phase / x
                } else {
                    phase / skew
                }
            }
            LfoShape::Sine => (std::f64::consts::TAU * phase).sin() * 0.5 + 0.5,
            LfoShape::Ramp => phase,
            LfoShape::Saw => 1.0 - phase,
            LfoShape::Square => {
                if phase >= skew {
                    0.0
                } else {
                    1.0
                }
            }
        }
    }
}

/// LFO settings (frequency in Hz; the others as Strudel's `lfo` keys).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LfoSettings {
    pub frequency: f64,
    pub shape: LfoShape,
    pub skew: f64,
    pub curve: f64,
    pub dcoffset: f64,
    pub depth: f64,
    /// Starting phase (0–1).
    pub phase: f64,
    pub min: f64,
    pub max: f64,
}

impl LfoSettings {
    /// The offset at `phase`.
    pub fn value(&self, phase: f64) -> f64 {
        let v = (self.shape.at(phase, self.skew) + self.dcoffset) * self.depth;
        let v = v.powf(self.curve).clamp(self.min, self.max);
        if v.is_finite() {
            v
        } else {
            0.0
        }
    }
}

/// The LFO as a signal (no inputs, one output).
#[derive(Clone)]
pub struct Lfo {
    settings: LfoSettings,
    phase: f64,
    dt: f64,
}

impl Lfo {
    pub fn new(settings: LfoSettings) -> Lfo {
        Lfo {
            settings,
            phase: settings.phase,
            dt: settings.frequency / DEFAULT_SR,
        }
    }
}

impl AudioNode for Lfo {
    const ID: u64 = 0x7766_0101;
    type Inputs = U0;
    type Outputs = U1;

    fn reset(&mut self) {
        self.phase = self.settings.phase;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.dt = self.settings.frequency / sample_rate;
    }

    #[inline]
    fn tick(&mut self, _: &Frame<f32, U0>) -> Frame<f32, U1> {
        let v = self.settings.value(self.phase);
        self.phase += self.dt;
        if self.phase > 1.0 {
            self.phase -= self.phase.floor();
        }
        [v as f32].into()
    }
}

/// Envelope settings (times in seconds, curves −1…1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnvSettings {
    pub attack: f64,
    pub decay: f64,
    pub sustain: f64,
    pub attack_curve: f64,
    pub decay_curve: f64,
    pub depth: f64,
    pub min: f64,
    pub max: f64,
}

/// Bends a segment's progress: snappier for positive curvature, calmer
/// for negative.
fn warp(phase: f64, curvature: f64) -> f64 {
    if phase == 0.0 || phase == 1.0 {
        return phase;
    }
    if curvature > 0.0 {
        1.0 - (1.0 - phase).powf(1.0 + 8.0 * curvature)
    } else {
        phase.powf(1.0 - 8.0 * curvature)
    }
}

impl EnvSettings {
    /// The envelope's level (before depth) `t` seconds after the onset.
    pub fn level(&self, t: f64) -> f64 {
        let (a, d, s) = (self.attack, self.decay, self.sustain);
        let segment = |start: f64, target: f64, time: f64, curve: f64| {
            if time <= 0.0 || start == target {
                target
            } else {
                start + (target - start) * warp((t / time).min(1.0), curve)
            }
        };
        if t < a {
            segment(0.0, 1.0, a, self.attack_curve)
        } else if t < a + d {
            segment(1.0, s, a + d, self.decay_curve)
        } else {
            s
        }
    }

    /// The offset `t` seconds after the onset.
    pub fn value(&self, t: f64) -> f64 {
        let v = (self.level(t) * self.depth).clamp(self.min, self.max);
        if v.is_finite() {
            v
        } else {
            0.0
        }
    }
}

/// The envelope as a signal (no inputs, one output), from the voice's
/// start.
#[derive(Clone)]
pub struct Envelope {
    settings: EnvSettings,
    t: f64,
    dt: f64,
}

impl Envelope {
    pub fn new(settings: EnvSettings) -> Envelope {
        Envelope {
            settings,
            t: 0.0,
            dt: 1.0 / DEFAULT_SR,
        }
    }
}

impl AudioNode for Envelope {
    const ID: u64 = 0x7766_0102;
    type Inputs = U0;
    type Outputs = U1;

    fn reset(&mut self) {
        self.t = 0.0;
    }

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.dt = 1.0 / sample_rate;
    }

    #[inline]
    fn tick(&mut self, _: &Frame<f32, U0>) -> Frame<f32, U1> {
        let v = self.settings.value(self.t);
        self.t += self.dt;
        [v as f32].into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lfo(shape: LfoShape) -> LfoSettings {
        LfoSettings {
            frequency: 1.0,
            shape,
            skew: 0.5,
            curve: 1.0,
            dcoffset: -0.5,
            depth: 100.0,
            phase: 0.0,
            min: -50.0,
            max: 50.0,
        }
    }

    #[test]
    fn lfo_shapes_span_the_depth_around_zero() {
        let t = lfo(LfoShape::Triangle);
        assert_eq!(t.value(0.0), -50.0);
        assert_eq!(t.value(0.5), 50.0);
        assert_eq!(t.value(0.25), 0.0);
        assert_eq!(lfo(LfoShape::Saw).value(0.0), 50.0);
        assert_eq!(lfo(LfoShape::Ramp).value(0.75), 25.0);
        assert_eq!(lfo(LfoShape::Square).value(0.2), 50.0);
        assert_eq!(lfo(LfoShape::Square).value(0.7), -50.0);
        assert!((lfo(LfoShape::Sine).value(0.25) - 50.0).abs() < 1e-9);
        assert_eq!(LfoShape::from_index(6.0), LfoShape::Sine);
        assert_eq!(LfoShape::from_name("square"), LfoShape::Square);
    }

    #[test]
    fn lfo_node_runs_at_its_frequency() {
        let mut s = lfo(LfoShape::Ramp);
        s.frequency = 2.0;
        s.depth = 1.0;
        s.dcoffset = 0.0;
        s.min = -1.0;
        s.max = 1.0;
        let mut node = Lfo::new(s);
        node.set_sample_rate(1000.0);
        let v: Vec<f32> = (0..500).map(|_| node.tick(&Frame::default())[0]).collect();
        // A ramp at 2 Hz: 0 at the start, half way after 250 ms, back to 0.
        assert!(v[0].abs() < 1e-6);
        assert!((v[250] - 0.5).abs() < 1e-3, "{}", v[250]);
        assert!((v[125] - 0.25).abs() < 1e-3, "{}", v[125]);
    }

    #[test]
    fn envelope_rises_decays_and_holds() {
        let e = EnvSettings {
            attack: 0.1,
            decay: 0.1,
            sustain: 0.5,
            attack_curve: 0.0,
            decay_curve: 0.0,
            depth: 2.0,
            min: -1e9,
            max: 1e9,
        };
        assert_eq!(e.value(0.0), 0.0);
        assert!((e.value(0.05) - 1.0).abs() < 1e-9);
        assert!((e.value(0.0999) - 2.0).abs() < 0.01);
        assert_eq!(e.value(0.5), 1.0);
        // Snappy attacks rise faster than relaxed ones.
        let snappy = EnvSettings {
            attack_curve: 1.0,
            ..e
        };
        let relaxed = EnvSettings {
            attack_curve: -1.0,
            ..e
        };
        assert!(snappy.value(0.02) > e.value(0.02) && e.value(0.02) > relaxed.value(0.02));
    }
}
