//! Voice preparation (control side): from an event's controls and an
//! instrument to a ready-to-play [`Voice`].
//!
//! Every `Graph::Param(name)` of the instrument is filled from the event's
//! control of that name when it is a number, else from the instrument's
//! default, else from the engine defaults below. `freq` comes from
//! `freq`, else `note` (a MIDI number or a note name), else `n`, else
//! MIDI 36. Strudel-style controls add processing after the instrument
//! (`cutoff`, `hcutoff`, `bandf`, `coarse`, `crush`, `shape`, `distort`)
//! and set the voice's gain, pan and orbit sends.

use crate::audio::{Net1or2, OrbitSettings, Voice};
use crate::compile::{channels, Builder, Sig};
use crate::dsp::effects::Freeverb;
use crate::dsp::nodes::{shaper, Coarse};
use fundsp::prelude32::An;
use lang::graph::{Graph, Instrument, Prim};
use lang::tonal::{midi_to_freq, note_to_midi};
use lang::value::{js_number, ValueMap};
use lang::Value;
use std::sync::Arc;

/// Engine defaults for parameters neither the event nor the instrument sets.
pub const PARAM_DEFAULTS: &[(&str, f64)] = &[
    ("velocity", 1.0),
    ("gain", 1.0),
    ("attack", 0.001),
    ("decay", 0.05),
    ("sustain", 1.0),
    ("release", 0.01),
    ("speed", 1.0),
    ("pan", 0.5),
    ("resonance", 1.0),
];

/// MIDI note used when an event gives no pitch (Strudel's default).
pub const DEFAULT_NOTE: f64 = 36.0;

/// Default gain of a note (Strudel's).
pub const DEFAULT_GAIN: f64 = 0.8;

/// Default polyphony per instrument and track.
pub const DEFAULT_POLYPHONY: usize = 32;

/// An instrument ready for voice preparation.
#[derive(Clone, Debug)]
pub struct PreparedInstrument {
    pub name: String,
    pub id: u32,
    pub instrument: Instrument,
    /// The instrument shapes its own amplitude (`adsr`, `perc`, or reads `gate`).
    pub self_enveloped: bool,
    /// The instrument reads `velocity` itself.
    pub reads_velocity: bool,
    pub polyphony: usize,
}

fn contains(g: &Graph, f: &dyn Fn(&Graph) -> bool) -> bool {
    f(g) || matches!(g, Graph::Node(_, args) if args.iter().any(|a| contains(a, f)))
}

impl PreparedInstrument {
    pub fn new(instrument: Instrument, id: u32) -> PreparedInstrument {
        let g = &instrument.graph;
        let self_enveloped = contains(g, &|n| {
            matches!(n, Graph::Node(Prim::Adsr | Prim::Perc, _))
                || matches!(n, Graph::Param(p) if &**p == "gate")
        });
        let reads_velocity = contains(g, &|n| matches!(n, Graph::Param(p) if &**p == "velocity"));
        let polyphony = instrument
            .params
            .iter()
            .find(|(n, _)| n == "polyphony")
            .map(|(_, v)| v.clamp(1.0, 4096.0) as usize)
            .unwrap_or(DEFAULT_POLYPHONY);
        PreparedInstrument {
            name: instrument.name.clone(),
            id,
            instrument,
            self_enveloped,
            reads_velocity,
            polyphony,
        }
    }

    fn default_of(&self, name: &str) -> Option<f64> {
        self.instrument
            .params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }
}

/// A control's value as a number (numbers, numeric strings, booleans).
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Num(x) if x.is_finite() => Some(*x),
        Value::Str(s) => js_number(s).filter(|x| x.is_finite()),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// The frequency of an event: `freq`, else `note`, else `n`, else C2.
pub fn event_freq(ev: &ValueMap) -> f64 {
    if let Some(f) = ev.get("freq").and_then(number) {
        return f;
    }
    let midi = match ev.get("note") {
        Some(Value::Str(s)) => note_to_midi(s, 3.0).or_else(|| js_number(s)),
        Some(v) => number(v),
        None => None,
    }
    .or_else(|| match ev.get("n") {
        Some(Value::Str(s)) => note_to_midi(s, 3.0).or_else(|| js_number(s)),
        Some(v) => number(v),
        None => None,
    })
    .filter(|m| m.is_finite())
    .unwrap_or(DEFAULT_NOTE);
    midi_to_freq(midi)
}

/// Everything about a voice that the scheduler decides.
pub struct VoicePlacement {
    pub start: i64,
    pub gate_off: i64,
    pub track: usize,
    pub seed: u64,
}

/// Builds a voice for an event. Returns the voice and any warnings.
pub fn prepare(
    inst: &PreparedInstrument,
    ev: &ValueMap,
    at: VoicePlacement,
    sample_rate: f64,
) -> (Box<Voice>, Vec<String>) {
    let ctl = |name: &str| ev.get(name).and_then(number);
    let freq = event_freq(ev);
    let lookup = |name: &str| -> Option<f64> {
        if name == "freq" {
            return Some(freq);
        }
        ctl(name).or_else(|| inst.default_of(name)).or_else(|| {
            PARAM_DEFAULTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        })
    };
    let mut graph = inst.instrument.graph.clone();
    if !inst.self_enveloped {
        let env = Graph::Node(
            Prim::Adsr,
            ["attack", "decay", "sustain", "release"]
                .iter()
                .map(|p| Graph::Const(lookup(p).unwrap_or(0.0)))
                .collect(),
        );
        graph = Graph::Node(Prim::Mul, vec![graph, env]);
    }
    let filter = |g: Graph, prim: Prim, f: &str, q: &str| match ctl(f) {
        Some(freq) if freq > 0.0 => Graph::Node(
            prim,
            vec![
                g,
                Graph::Const(freq),
                Graph::Const(ctl(q).unwrap_or(1.0).clamp(0.1, 30.0)),
            ],
        ),
        _ => g,
    };
    graph = filter(graph, Prim::Lowpass, "cutoff", "resonance");
    graph = filter(graph, Prim::Highpass, "hcutoff", "hresonance");
    graph = filter(graph, Prim::Bandpass, "bandf", "bandq");
    let outputs = channels(&graph, 0);
    let mut b = Builder::voice(&lookup, outputs, sample_rate, at.seed);
    let mut sig = b.compile(&graph);
    if let Some(c) = ctl("coarse").filter(|c| *c > 1.0) {
        sig = b.per_channel(&sig, &[], &|_| Box::new(An(Coarse::new(c as f32))));
    }
    if let Some(bits) = ctl("crush").filter(|c| *c > 0.0) {
        let g = Graph::Node(Prim::Crush, vec![Graph::Input, Graph::Const(bits)]);
        sig = apply(&mut b, &g, sig);
    }
    if let Some(s) = ctl("shape").filter(|s| *s > 0.0) {
        sig = b.per_channel(&sig, &[], &|_| Box::new(shaper(s as f32)));
    }
    if let Some(d) = ctl("distort").filter(|d| *d > 0.0) {
        let amount = 1.0 - (-d).exp();
        let g = Graph::Node(Prim::Distort, vec![Graph::Input, Graph::Const(amount)]);
        sig = apply(&mut b, &g, sig);
    }
    let (net, warnings) = b.finish(&sig);
    let gain = ctl("gain").unwrap_or(DEFAULT_GAIN).max(0.0)
        * if inst.reads_velocity {
            1.0
        } else {
            ctl("velocity").unwrap_or(1.0).max(0.0)
        };
    let pan = ctl("pan").unwrap_or(0.5).clamp(0.0, 1.0);
    let gains = if outputs == 2 {
        [
            gain * (2.0 * (1.0 - pan)).min(1.0),
            gain * (2.0 * pan).min(1.0),
        ]
    } else {
        let a = pan * std::f64::consts::FRAC_PI_2;
        [gain * a.cos(), gain * a.sin()]
    };
    let room = ctl("room").unwrap_or(0.0).clamp(0.0, 1.0);
    let delay = ctl("delay").unwrap_or(0.0).clamp(0.0, 1.0);
    let orbit = ctl("orbit").unwrap_or(1.0).max(0.0) as usize;
    let settings = OrbitSettings {
        room: ctl("roomsize")
            .or_else(|| ctl("size"))
            .map(|s| Freeverb::room_from_size(s as f32)),
        delay_time: ctl("delaytime").map(|t| t as f32),
        delay_feedback: ctl("delayfeedback").map(|f| f as f32),
    };
    let voice = Voice::new(
        Net1or2 {
            net,
            stereo: outputs == 2,
        },
        at.start,
        at.gate_off.max(at.start),
        [gains[0] as f32, gains[1] as f32],
        [room as f32, delay as f32],
        orbit,
        settings,
        at.track,
        inst.id,
        inst.polyphony,
    );
    (Box::new(voice), warnings)
}

/// Runs `g` (whose `Input` is the signal) on `sig` inside the builder.
fn apply(b: &mut Builder, g: &Graph, sig: Sig) -> Sig {
    b.with_input(sig, |b| b.compile(g))
}

/// The instrument used for an event without `s` that has a pitch.
pub const DEFAULT_INSTRUMENT: &str = "triangle";

/// Interns instrument names as small ids (for polyphony accounting).
#[derive(Default)]
pub struct InstrumentIds {
    names: Vec<Arc<str>>,
}

impl InstrumentIds {
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(i) = self.names.iter().position(|n| &**n == name) {
            return i as u32;
        }
        self.names.push(name.into());
        (self.names.len() - 1) as u32
    }
}
