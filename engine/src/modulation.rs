//! The `lfo` and `env` entries of an event (see `lang::library::modulation`)
//! turned into modulation signals for a voice (control side).
//!
//! Each entry names the control it moves (`control`, e.g. `cutoff`) and
//! its settings. As in Strudel, a modulator adds an offset to the
//! control's value: the depth is relative to that value (`depth`, by
//! default one) unless given in the control's own units (`depthabs`); a
//! control at zero counts as one. Frequencies (filter cutoffs, the pitch)
//! stay between 20 Hz and 24 kHz. An entry may target the voice's own
//! controls or, with `fxi`, one stage of its `FX` chain.

use crate::compile::{Builder, Sig};
use crate::dsp::modulators::{EnvSettings, Envelope, Lfo, LfoSettings, LfoShape};
use crate::voice::number;
use fundsp::prelude32::An;
use lang::value::ValueMap;
use lang::Value;

/// Which kind of modulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModKind {
    Lfo,
    Env,
}

/// One modulator of an event.
#[derive(Clone, Debug)]
pub struct ModSpec {
    pub kind: ModKind,
    /// The control moved (main name: `cutoff`, `gain`, `s`, …).
    pub control: String,
    /// The `FX` stage it belongs to (`None`: the event's own controls).
    pub stage: Option<usize>,
    pub params: ValueMap,
}

impl ModSpec {
    fn num(&self, key: &str) -> Option<f64> {
        self.params.get(key).and_then(number)
    }
}

/// The modulators of a control map (an event, or one stage of its `FX`
/// chain, whose entries default to that stage).
pub fn specs(ev: &ValueMap, default_stage: Option<usize>) -> Vec<ModSpec> {
    let mut out = Vec::new();
    for (kind, key) in [(ModKind::Lfo, "lfo"), (ModKind::Env, "env")] {
        let Some(Value::Map(set)) = ev.get(key) else {
            continue;
        };
        for (id, entry) in set.iter() {
            if id == "__ids" {
                continue;
            }
            let Value::Map(params) = entry else { continue };
            let Some(Value::Str(control)) = params.get("control") else {
                continue;
            };
            let stage = match params.get("fxi") {
                None | Some(Value::Undefined) => default_stage,
                Some(Value::Str(s)) if &**s == "main" => None,
                Some(v) => number(v).filter(|i| *i >= 0.0).map(|i| i as usize),
            };
            out.push(ModSpec {
                kind,
                control: lang::library::params::main_control_name(control),
                stage,
                params: (**params).clone(),
            });
        }
    }
    out
}

/// Where the voice is in time, for tempo-following LFOs.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub cps: f64,
    /// The onset's position in cycles.
    pub cycle: f64,
}

/// The offset range of a modulated control with value `current`: a
/// frequency stays within 20 Hz – 24 kHz.
fn range(is_frequency: bool, current: f64) -> Option<(f64, f64)> {
    (is_frequency && current >= 30.0).then_some((20.0 - current, 24_000.0 - current))
}

/// The LFO settings of a spec for a control at `current`.
pub fn lfo_settings(spec: &ModSpec, current: f64, is_frequency: bool, clock: Clock) -> LfoSettings {
    let current = if current == 0.0 { 1.0 } else { current };
    let depth = spec
        .num("depthabs")
        .unwrap_or_else(|| spec.num("depth").unwrap_or(1.0) * current);
    let frequency = match spec.num("sync") {
        Some(sync) => sync * clock.cps,
        None => spec.num("rate").unwrap_or(1.0),
    };
    let shape = match spec.params.get("shape") {
        Some(Value::Str(s)) => LfoShape::from_name(s),
        Some(v) => LfoShape::from_index(number(v).unwrap_or(0.0)),
        None => LfoShape::Triangle,
    };
    let dcoffset = spec.num("dcoffset").unwrap_or(-0.5);
    let time = if clock.cps > 0.0 {
        clock.cycle / clock.cps
    } else {
        0.0
    };
    let phase = (time * frequency + spec.num("phaseoffset").unwrap_or(0.0)).rem_euclid(1.0);
    let (min, max) =
        range(is_frequency, current).unwrap_or((dcoffset * depth, dcoffset * depth + depth));
    LfoSettings {
        frequency: if frequency.is_finite() {
            frequency
        } else {
            0.0
        },
        shape,
        skew: spec.num("skew").unwrap_or(0.5),
        curve: spec.num("curve").unwrap_or(1.0),
        dcoffset,
        depth,
        phase: if phase.is_finite() { phase } else { 0.0 },
        min: min.min(max),
        max: max.max(min),
    }
}

/// The envelope settings of a spec for a control at `current`.
pub fn env_settings(spec: &ModSpec, current: f64, is_frequency: bool) -> EnvSettings {
    let current = if current == 0.0 { 1.0 } else { current };
    let depth = spec
        .num("depthabs")
        .unwrap_or_else(|| spec.num("depth").unwrap_or(1.0) * current);
    let (min, max) = range(is_frequency, current).unwrap_or((-1e9, 1e9));
    let time = |k: &str, d: f64| spec.num(k).unwrap_or(d).clamp(0.0, 3600.0);
    let curve = |k: &str| spec.num(k).unwrap_or(0.0).clamp(-1.0, 1.0);
    EnvSettings {
        attack: time("attack", 0.005),
        decay: time("decay", 0.14),
        sustain: spec.num("sustain").unwrap_or(0.0).clamp(0.0, 1.0),
        attack_curve: curve("acurve"),
        decay_curve: curve("dcurve"),
        depth,
        min,
        max,
    }
}

/// The sum of the modulators of one control as a signal (`None` if there
/// are none).
pub fn offset(
    b: &mut Builder,
    mods: &[&ModSpec],
    current: f64,
    is_frequency: bool,
    clock: Clock,
) -> Option<Sig> {
    let mut sum: Option<Sig> = None;
    for m in mods {
        let sig = match m.kind {
            ModKind::Lfo => {
                let s = lfo_settings(m, current, is_frequency, clock);
                Sig::Chans(b.unit(Box::new(An(Lfo::new(s))), &[]))
            }
            ModKind::Env => {
                let s = env_settings(m, current, is_frequency);
                Sig::Chans(b.unit(Box::new(An(Envelope::new(s))), &[]))
            }
        };
        sum = Some(match sum {
            None => sig,
            Some(acc) => b.arith(crate::dsp::nodes::Op::Add, &acc, &sig),
        });
    }
    sum
}

/// `current + offset` as a signal (or the constant when not modulated).
pub fn modulated(
    b: &mut Builder,
    mods: &[&ModSpec],
    current: f64,
    is_frequency: bool,
    clock: Clock,
) -> Sig {
    match offset(b, mods, current, is_frequency, clock) {
        Some(off) => b.arith(
            crate::dsp::nodes::Op::Add,
            &off,
            &Sig::Const(current as f32),
        ),
        None => Sig::Const(current as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn event(code: &str) -> ValueMap {
        let v = lang::eval::eval_source(code).unwrap();
        let pat = lang::library::reify(&v);
        let haps = pat.query_arc(lang::Time::int(0), lang::Time::int(1));
        haps[0].value.as_map().unwrap().clone()
    }

    #[test]
    fn specs_name_the_main_control_and_stage() {
        let ev =
            event("s(\"saw\").lpf(500).lfo({ r: 2 }).env({ c: \"hpf\", a: 0.1 }).FX(lpf(300))");
        let s = specs(&ev, None);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].kind, s[0].control.as_str(), s[0].stage),
            (ModKind::Lfo, "cutoff", None)
        );
        assert_eq!(
            (s[1].kind, s[1].control.as_str()),
            (ModKind::Env, "hcutoff")
        );
        let ev = event("s(\"saw\").lfo({ c: 'lpf', fxi: 1 })");
        assert_eq!(specs(&ev, None)[0].stage, Some(1));
    }

    #[test]
    fn settings_follow_the_reference_defaults() {
        let spec = ModSpec {
            kind: ModKind::Lfo,
            control: "cutoff".into(),
            stage: None,
            params: ValueMap(vec![(Arc::from("sync"), Value::Num(2.0))]),
        };
        let clock = Clock {
            cps: 0.5,
            cycle: 1.25,
        };
        let s = lfo_settings(&spec, 500.0, true, clock);
        assert_eq!(s.frequency, 1.0);
        assert_eq!(s.depth, 500.0);
        assert!((s.phase - 0.5).abs() < 1e-12);
        assert_eq!((s.min, s.max), (-480.0, 23_500.0));
        let s = lfo_settings(&spec, 0.0, false, clock);
        assert_eq!((s.depth, s.min, s.max), (1.0, -0.5, 0.5));
        let e = env_settings(
            &ModSpec {
                kind: ModKind::Env,
                ..spec
            },
            200.0,
            true,
        );
        assert_eq!(
            (e.attack, e.decay, e.sustain, e.depth),
            (0.005, 0.14, 0.0, 200.0)
        );
    }
}
