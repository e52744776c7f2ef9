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

use crate::audio::{Dsp, Net1or2, OrbitSettings, Voice};
use crate::compile::{channels, Builder, Sig};
use crate::dsp::bank::SawLowpass;
use crate::dsp::effects::Freeverb;
use crate::dsp::nodes::{shaper, Adsr, Coarse};
use fundsp::prelude32::An;
use fundsp::prelude32::AudioNode;
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
    /// The instrument's graph uses the gate (`adsr` or `gate`).
    pub reads_gate: bool,
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
        let reads_gate = contains(g, &|n| {
            matches!(n, Graph::Node(Prim::Adsr, _))
                || matches!(n, Graph::Param(p) if &**p == "gate")
        });
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
            reads_gate,
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
    // Instruments without their own envelope get the engine's, applied
    // while mixing the voice (cheaper than a node in the network).
    let env = (!inst.self_enveloped).then(|| {
        let v = |p: &str| lookup(p).unwrap_or(0.0) as f32;
        let mut env = Adsr::new(v("attack"), v("decay"), v("sustain"), v("release"));
        env.set_sample_rate(sample_rate);
        env
    });
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
    let post = ["coarse", "crush", "shape", "distort"]
        .iter()
        .any(|c| ctl(c).is_some_and(|x| x > 0.0));
    let bank = if post {
        None
    } else {
        bank_shape(&graph, &lookup)
    };
    let (dsp, outputs, env, warnings) = match bank {
        Some((params, adsr)) => {
            let env = adsr
                .map(|[a, d, s, r]| {
                    let mut e = Adsr::new(a, d, s, r);
                    e.set_sample_rate(sample_rate);
                    e
                })
                .or(env);
            (Dsp::Bank { params, lane: None }, 1, env, Vec::new())
        }
        None => {
            let (net, outputs, warnings) =
                build_net(inst, &graph, &lookup, &ctl, at.seed, sample_rate);
            (
                Dsp::Net(Net1or2 {
                    net,
                    stereo: outputs == 2,
                    reads_gate: inst.reads_gate,
                }),
                outputs,
                env,
                warnings,
            )
        }
    };
    let voice_rest = VoiceRest { dsp, outputs, env };
    finish_voice(inst, voice_rest, &ctl, at, warnings)
}

struct VoiceRest {
    dsp: Dsp,
    outputs: usize,
    env: Option<Adsr>,
}

/// Compiles the instrument graph plus the per-event processing into a network.
fn build_net(
    _inst: &PreparedInstrument,
    graph: &Graph,
    lookup: &dyn Fn(&str) -> Option<f64>,
    ctl: &dyn Fn(&str) -> Option<f64>,
    seed: u64,
    sample_rate: f64,
) -> (fundsp::prelude32::Net, usize, Vec<String>) {
    let outputs = channels(graph, 0);
    let mut b = Builder::voice(lookup, outputs, sample_rate, seed);
    let mut sig = b.compile(graph);
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
    (net, outputs, warnings)
}

/// Gains, pan, sends and orbit settings: the rest of a voice.
fn finish_voice(
    inst: &PreparedInstrument,
    rest: VoiceRest,
    ctl: &dyn Fn(&str) -> Option<f64>,
    at: VoicePlacement,
    warnings: Vec<String>,
) -> (Box<Voice>, Vec<String>) {
    let outputs = rest.outputs;
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
        rest.dsp,
        at.start,
        at.gate_off.max(at.start),
        [gains[0] as f32, gains[1] as f32],
        [room as f32, delay as f32],
        orbit,
        settings,
        at.track,
        inst.id,
        inst.polyphony,
        rest.env,
    );
    (Box::new(voice), warnings)
}

/// Replaces parameters (all but `gate`) by their values and fills in
/// missing arguments with the primitives' defaults.
fn resolve(g: &Graph, lookup: &dyn Fn(&str) -> Option<f64>) -> Graph {
    match g {
        Graph::Param(p) if &**p != "gate" => Graph::Const(lookup(p).unwrap_or(0.0)),
        Graph::Node(prim, args) => {
            let info = prim.info();
            let mut out: Vec<Graph> = args.iter().map(|a| resolve(a, lookup)).collect();
            for (_, def) in info.params.iter().skip(out.len()) {
                out.push(Graph::Const(if def.is_nan() { 0.0 } else { *def }));
            }
            Graph::Node(*prim, out)
        }
        other => other.clone(),
    }
}

/// Recognises `saw(f)` → optional `lpf(c, q)` with constant gains and an
/// optional ADSR on the outside: voices of that shape run in a bank.
fn bank_shape(
    g: &Graph,
    lookup: &dyn Fn(&str) -> Option<f64>,
) -> Option<(SawLowpass, Option<[f32; 4]>)> {
    fn consts(args: &[Graph]) -> Option<Vec<f32>> {
        args.iter()
            .map(|a| match a {
                Graph::Const(x) => Some(*x as f32),
                _ => None,
            })
            .collect()
    }
    fn inner(g: &Graph, gain: &mut f32, filter: &mut Option<(f32, f32)>) -> Option<f32> {
        match g {
            Graph::Node(Prim::Saw, a) => match a.as_slice() {
                [Graph::Const(f)] => Some(*f as f32),
                _ => None,
            },
            Graph::Node(Prim::Mul, a) => match a.as_slice() {
                [x, Graph::Const(k)] | [Graph::Const(k), x] => {
                    *gain *= *k as f32;
                    inner(x, gain, filter)
                }
                _ => None,
            },
            Graph::Node(Prim::Lowpass, a) if filter.is_none() => match a.as_slice() {
                [x, Graph::Const(c), Graph::Const(q)] => {
                    *filter = Some((*c as f32, *q as f32));
                    inner(x, gain, filter)
                }
                _ => None,
            },
            _ => None,
        }
    }
    let g = resolve(g, lookup);
    let (body, env) = match &g {
        Graph::Node(Prim::Mul, a) => match a.as_slice() {
            [x, Graph::Node(Prim::Adsr, e)] | [Graph::Node(Prim::Adsr, e), x] => {
                let e = consts(e)?;
                (x, Some([e[0], e[1], e[2], e[3]]))
            }
            _ => (&g, None),
        },
        _ => (&g, None),
    };
    let (mut gain, mut filter) = (1.0, None);
    let freq = inner(body, &mut gain, &mut filter)?;
    Some((SawLowpass { freq, filter, gain }, env))
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
