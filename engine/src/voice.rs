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
use crate::compile::{channels, simplify, Builder, Sig};
use crate::dsp::additive::{self, Series};
use crate::dsp::distortion::Algorithm;
use crate::dsp::effects::Freeverb;
use crate::dsp::lane_map::{lane_voice, lane_voice_with_input};
use crate::dsp::nodes::Adsr;
use crate::dsp::nodes::Op;
use crate::modulation::{self, Clock, ModSpec};
use crate::samples::{Sample, SamplePlayer};
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
    /// Number of variants when the instrument is a drum (it declares a
    /// `variants` parameter): `n` then picks a variant and `speed`/`note`
    /// set its `rate` instead of a pitch.
    pub variants: Option<u32>,
}

fn contains(g: &Graph, f: &dyn Fn(&Graph) -> bool) -> bool {
    f(g) || matches!(g, Graph::Node(_, args) if args.iter().any(|a| contains(a, f)))
}

impl PreparedInstrument {
    pub fn new(instrument: Instrument, id: u32) -> PreparedInstrument {
        let g = &instrument.graph;
        let self_enveloped = contains(g, &|n| {
            matches!(n, Graph::Node(Prim::Adsr | Prim::Perc | Prim::Ad, _))
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
        let variants = instrument
            .params
            .iter()
            .find(|(n, _)| n == "variants")
            .map(|(_, v)| v.clamp(1.0, 1024.0) as u32);
        PreparedInstrument {
            variants,
            name: instrument.name.clone(),
            id,
            instrument,
            self_enveloped,
            reads_velocity,
            reads_gate,
            polyphony,
        }
    }

    /// Whether the instrument declares a parameter (and so handles the
    /// control of that name itself).
    pub fn declares(&self, name: &str) -> bool {
        self.instrument.params.iter().any(|(n, _)| n == name)
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
    /// Tempo at the onset (cycles per second), for tempo-synced effects.
    pub cps: f64,
    /// The onset's position in cycles (tempo-synced LFOs keep their phase
    /// on the cycle grid).
    pub cycle: f64,
}

/// The MIDI note of an event's `note` (or `freq`), if it has one.
pub(crate) fn event_midi(ev: &ValueMap) -> Option<f64> {
    if let Some(f) = ev.get("freq").and_then(number).filter(|f| *f > 0.0) {
        return Some(69.0 + 12.0 * (f / 440.0).log2());
    }
    match ev.get("note") {
        Some(Value::Str(s)) => note_to_midi(s, 3.0).or_else(|| js_number(s)),
        Some(v) => number(v),
        None => None,
    }
    .filter(|m| m.is_finite())
}

/// Playback rate from `speed` and `note` (semitones from C2, MIDI 36, as
/// Strudel's sampler does): for samples and drums.
pub fn event_rate(ev: &ValueMap) -> f64 {
    event_rate_from(ev, 36.0)
}

/// Playback rate from `speed` and `note` for a sample recorded at MIDI
/// note `root` (36 unless a pitched sample map says otherwise).
pub fn event_rate_from(ev: &ValueMap, root: f64) -> f64 {
    let speed = ev.get("speed").and_then(number).unwrap_or(1.0);
    let transpose = event_midi(ev).unwrap_or(root) - root;
    speed * 2f64.powf(transpose / 12.0)
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
    // Drums: `n` picks the variant, `speed` and `note` the rate.
    let drum = inst.variants.map(|count| {
        let n = ctl("n").unwrap_or(0.0).floor() as i64;
        (
            n.rem_euclid(count as i64) as f64,
            event_rate(ev).abs().max(0.01),
        )
    });
    let lookup = |name: &str| -> Option<f64> {
        match (name, drum) {
            ("freq", _) => return Some(freq),
            ("variant", Some((v, _))) => return Some(v),
            ("rate", Some((_, r))) => return Some(r),
            _ => {}
        }
        ctl(name).or_else(|| inst.default_of(name)).or_else(|| {
            PARAM_DEFAULTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        })
    };
    let clock = Clock {
        cps: at.cps,
        cycle: at.cycle,
    };
    let plan = ModPlan::new(ev);
    // A modulated pitch stays a signal: `freq` is bound when compiling.
    let pitch_mods = plan.pitch();
    let keep_freq = !pitch_mods.is_empty() && drum.is_none();
    // Parameters become constants; switched-off parts disappear.
    let mut graph = simplify(&resolve(&inst.instrument.graph, &lookup, keep_freq));
    // Instruments without their own envelope get the engine's, applied
    // while mixing the voice (cheaper than a node in the network).
    let env = (!inst.self_enveloped).then(|| {
        let v = |p: &str| lookup(p).unwrap_or(0.0) as f32;
        let release = fx_release(ev, v("release"));
        let mut env = Adsr::new(v("attack"), v("decay"), v("sustain"), release);
        env.set_sample_rate(sample_rate);
        env
    });
    graph = event_filters(graph, ev, &|c| inst.declares(c), &plan.filter_tag(None));
    let mut effects = fx_chain(ev, at.cps, &plan);
    effects.extend(event_effects(ev, &|c| inst.declares(c), at.cps));
    let waveform = additive_waveform(inst, ev, freq, keep_freq);
    // Voices whose graph fits run in SIMD lanes (see `dsp::lanes`).
    let bank = if effects.is_empty() && plan.is_empty() && waveform.is_none() {
        lane_voice(&graph, sample_rate, at.seed)
    } else {
        None
    };
    let pans = plan.pans(ev);
    let (dsp, outputs, env, warnings) = match bank {
        Some((params, adsr)) => {
            let env = adsr
                .map(|[a, d, s, r]| {
                    let mut e = Adsr::new(a, d, s, r);
                    e.set_sample_rate(sample_rate);
                    e
                })
                .or(env);
            let outputs = if params.stereo() { 2 } else { 1 };
            (
                Dsp::Bank {
                    params: Box::new(params),
                    lane: None,
                },
                outputs,
                env,
                Vec::new(),
            )
        }
        None => {
            let mut outputs = effects
                .iter()
                .fold(channels(&graph, 0), |c, g| channels(g, c));
            if pans {
                outputs = 2;
            }
            let mut b = Builder::voice(&lookup, outputs, sample_rate, at.seed);
            b.set_waveform(waveform);
            if keep_freq {
                let f = modulation::modulated(&mut b, &pitch_mods, freq, true, clock);
                b.bind("freq", f);
            }
            plan.bind_filters(&mut b, ev, clock);
            let mut sig = b.compile(&graph);
            for g in &effects {
                sig = apply(&mut b, g, sig);
            }
            sig = plan.apply_gain_and_pan(&mut b, sig, ev, inst.reads_velocity, clock);
            let (net, warnings) = b.finish(&sig);
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
    let who = Who {
        id: inst.id,
        polyphony: inst.polyphony,
        reads_velocity: inst.reads_velocity,
    };
    if pans {
        // The voice pans itself: it mixes in centred.
        let mut centred = ev.clone();
        centred.remove("pan");
        return finish_voice(&who, voice_rest, &centred, at, warnings);
    }
    finish_voice(&who, voice_rest, ev, at, warnings)
}

/// What a voice plays, as far as mixing and polyphony are concerned.
pub struct Who {
    pub id: u32,
    pub polyphony: usize,
    pub reads_velocity: bool,
}

/// Builds a voice playing a sample. The gate falls at the end of the
/// sample's region (so the whole sample plays) unless the event sets
/// `clip`/`legato` or `loop`, in which case it falls at the event's end
/// (`at.gate_off`), as in Strudel. `root`: the MIDI note the sample sounds
/// at unchanged (36, or its note in a pitched sample map). Returns `None`
/// for `speed(0)`.
pub fn prepare_sample(
    sample: Arc<Sample>,
    root: f64,
    who: &Who,
    ev: &ValueMap,
    mut at: VoicePlacement,
    sample_rate: f64,
) -> Option<(Box<Voice>, Vec<String>)> {
    let ctl = |name: &str| ev.get(name).and_then(number);
    let mut rate = event_rate_from(ev, root);
    if rate == 0.0 || !rate.is_finite() {
        return None;
    }
    let unit_cycles = matches!(ev.get("unit"), Some(Value::Str(u)) if &**u == "c");
    if unit_cycles {
        // `unit("c")`: the pattern functions that set it (`loopAt`,
        // `splice`, `fit`) have already put the tempo into `speed`, as the
        // reference does, so the rate is `speed` sample lengths per second.
        rate *= sample.seconds();
    }
    let begin = ctl("begin").unwrap_or(0.0).clamp(0.0, 1.0);
    let end = ctl("end").unwrap_or(1.0).clamp(0.0, 1.0);
    let looping = ctl("loop").is_some_and(|l| l > 0.0);
    let player = SamplePlayer::new(
        sample.clone(),
        rate * sample.rate / sample_rate,
        begin,
        end,
        looping,
    );
    let held = ev.contains("clip") || ev.contains("legato") || looping;
    if !held {
        at.gate_off = at.start + player.length_frames() as i64;
    }
    let stereo_source = sample.channels == 2;
    let lookup = |name: &str| -> Option<f64> {
        ctl(name).or_else(|| {
            PARAM_DEFAULTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        })
    };
    // Strudel's sample envelope: 1 ms attack, full sustain, short release.
    let v = |p: &str, d: f64| ctl(p).unwrap_or(d) as f32;
    let mut env = Adsr::new(
        v("attack", 0.001),
        v("decay", 0.001),
        v("sustain", 1.0),
        fx_release(ev, v("release", 0.005)),
    );
    env.set_sample_rate(sample_rate);
    let clock = Clock {
        cps: at.cps,
        cycle: at.cycle,
    };
    let plan = ModPlan::new(ev);
    let graph = event_filters(Graph::Input, ev, &|_| false, &plan.filter_tag(None));
    let mut effects = fx_chain(ev, at.cps, &plan);
    effects.extend(event_effects(ev, &|_| false, at.cps));
    let input_channels = if stereo_source { 2 } else { 1 };
    let pans = plan.pans(ev);
    let mut outputs = effects
        .iter()
        .fold(channels(&graph, input_channels), |c, g| channels(g, c));
    if pans {
        outputs = 2;
    }
    // Plain playback and the event's filters run in lanes (see `dsp::lanes`).
    if effects.is_empty() && plan.is_empty() {
        let fit = lane_voice_with_input(&graph, sample_rate, at.seed, Some(stereo_source));
        if let Some((mut params, None)) = fit {
            params.sample = Some(Box::new(player));
            let outputs = if params.stereo() { 2 } else { 1 };
            let rest = VoiceRest {
                dsp: Dsp::Bank {
                    params: Box::new(params),
                    lane: None,
                },
                outputs,
                env: Some(env),
            };
            return Some(finish_voice(who, rest, ev, at, Vec::new()));
        }
    }
    let mut b = Builder::voice(&lookup, outputs, sample_rate, at.seed);
    if !plan.pitch().is_empty() {
        b.warn_once("a sample's pitch cannot be modulated; the modulator is ignored".into());
    }
    plan.bind_filters(&mut b, ev, clock);
    let source = Sig::Chans(b.unit(Box::new(An(player)), &[]));
    let source = match source {
        Sig::Chans(c) if !stereo_source => Sig::Chans(vec![c[0]]),
        other => other,
    };
    let mut sig = b.with_input(source, |b| b.compile(&graph));
    for g in &effects {
        sig = apply(&mut b, g, sig);
    }
    sig = plan.apply_gain_and_pan(&mut b, sig, ev, false, clock);
    let (net, warnings) = b.finish(&sig);
    let rest = VoiceRest {
        dsp: Dsp::Net(Net1or2 {
            net,
            stereo: outputs == 2,
            reads_gate: false,
        }),
        outputs,
        env: Some(env),
    };
    if pans {
        let mut centred = ev.clone();
        centred.remove("pan");
        return Some(finish_voice(who, rest, &centred, at, warnings));
    }
    Some(finish_voice(who, rest, ev, at, warnings))
}

/// The filters an event asks for (`cutoff`, `hcutoff`, `bandf`), wrapped
/// around `g`, unless the instrument handles the control itself. A
/// modulated setting is left as a parameter named by `tag` (bound to its
/// signal when compiling).
fn event_filters(
    mut g: Graph,
    ev: &ValueMap,
    declares: &dyn Fn(&str) -> bool,
    tag: &dyn Fn(&str) -> Option<String>,
) -> Graph {
    let ctl = |name: &str| ev.get(name).and_then(number);
    for (prim, f, q) in [
        (Prim::Lowpass, "cutoff", "resonance"),
        (Prim::Highpass, "hcutoff", "hresonance"),
        (Prim::Bandpass, "bandf", "bandq"),
    ] {
        if declares(f) {
            continue;
        }
        if let Some(freq) = ctl(f).filter(|x| *x > 0.0) {
            let freq = match tag(f) {
                Some(name) => Graph::Param(name.into()),
                None => Graph::Const(freq),
            };
            let q = match tag(q) {
                Some(name) => Graph::Param(name.into()),
                None => Graph::Const(ctl(q).unwrap_or(1.0).clamp(0.1, 30.0)),
            };
            g = Graph::Node(prim, vec![g, freq, q]);
        }
    }
    g
}

/// The release of a voice whose `FX` chain rings on: the longer of its
/// own release and `FXrelease`.
fn fx_release(ev: &ValueMap, release: f32) -> f32 {
    match ev.get("FXrelease").and_then(number) {
        Some(r) if ev.contains("FX") && r as f32 > release => r as f32,
        _ => release,
    }
}

/// The event's `FX` chain: for each stage in order, its filters, its
/// effects, its gain (`gain` × `velocity`, default 0.8, as Strudel's),
/// pan, and an echo and a reverb of its own (`delay`, `room`). Each graph's
/// `Input` is the sound so far.
fn fx_chain(ev: &ValueMap, cps: f64, plan: &ModPlan) -> Vec<Graph> {
    let Some(Value::List(stages)) = ev.get("FX") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        let Some(fx) = stage.as_map() else { continue };
        let ctl = |name: &str| fx.get(name).and_then(number);
        let filters = event_filters(Graph::Input, fx, &|_| false, &plan.filter_tag(Some(i)));
        if !matches!(filters, Graph::Input) {
            out.push(filters);
        }
        out.extend(event_effects(fx, &|_| false, cps));
        let gain =
            ctl("gain").unwrap_or(DEFAULT_GAIN).max(0.0) * ctl("velocity").unwrap_or(1.0).max(0.0);
        out.push(Graph::Node(
            Prim::Mul,
            vec![Graph::Input, Graph::Const(gain)],
        ));
        if let Some(p) = ctl("pan") {
            out.push(node(Prim::Pan, &[p.clamp(0.0, 1.0)]));
        }
        let delay = ctl("delay").unwrap_or(0.0);
        let time = ctl("delaytime")
            .or_else(|| Some(ctl("delaysync").unwrap_or(3.0 / 16.0) / cps).filter(|_| cps > 0.0))
            .unwrap_or(0.0);
        let feedback = ctl("delayfeedback").unwrap_or(0.5);
        if delay > 0.0 && time > 0.0 && feedback > 0.0 {
            let echo = node(
                Prim::Delay,
                &[time.min(10.0), feedback.clamp(0.0, 0.98), 1.0],
            );
            out.push(Graph::Node(
                Prim::Add,
                vec![
                    Graph::Input,
                    Graph::Node(Prim::Mul, vec![echo, Graph::Const(delay)]),
                ],
            ));
        }
        if let Some(room) = ctl("room").filter(|r| *r > 0.0) {
            let size = ctl("roomsize").or_else(|| ctl("size")).unwrap_or(2.0);
            let wet = node(
                Prim::Reverb,
                &[Freeverb::room_from_size(size as f32) as f64, 0.5, 1.0],
            );
            out.push(Graph::Node(
                Prim::Add,
                vec![
                    Graph::Input,
                    Graph::Node(Prim::Mul, vec![wet, Graph::Const(room)]),
                ],
            ));
        }
    }
    out
}

/// The additive waveform of an event with `partials` on a synth that has
/// a harmonic series (`sawtooth`, `square`, `triangle`, `user`).
fn additive_waveform(
    inst: &PreparedInstrument,
    ev: &ValueMap,
    freq: f64,
    pitch_moves: bool,
) -> Option<Arc<fundsp::wavetable::Wavetable>> {
    let series = Series::of_synth(&inst.name)?;
    let numbers = |v: &Value| -> Vec<f64> {
        match v {
            Value::List(l) => l.iter().map(|x| number(x).unwrap_or(0.0)).collect(),
            other => match number(other) {
                Some(n) if n >= 1.0 => vec![1.0; (n as usize).min(additive::MAX_PARTIALS)],
                _ => Vec::new(),
            },
        }
    };
    let partials = numbers(ev.get("partials")?);
    if partials.is_empty() {
        return None;
    }
    let phases = ev.get("phases").map(numbers).unwrap_or_default();
    // One table per half octave around the pitch (or over the whole
    // range when the pitch moves).
    let (lo, hi) = if pitch_moves {
        (20.0, 20_000.0)
    } else {
        (freq / 2.0, freq * 2.0)
    };
    Some(additive::wavetable(series, &partials, &phases, lo, hi))
}

/// The modulators of an event (its own and its `FX` stages') and where
/// they go.
struct ModPlan {
    specs: Vec<ModSpec>,
}

impl ModPlan {
    fn new(ev: &ValueMap) -> ModPlan {
        let mut specs = modulation::specs(ev, None);
        if let Some(Value::List(stages)) = ev.get("FX") {
            for (i, stage) in stages.iter().enumerate() {
                if let Some(fx) = stage.as_map() {
                    specs.extend(modulation::specs(fx, Some(i)));
                }
            }
        }
        ModPlan { specs }
    }

    fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    fn of(&self, stage: Option<usize>, control: &str) -> Vec<&ModSpec> {
        self.specs
            .iter()
            .filter(|m| m.stage == stage && m.control == control)
            .collect()
    }

    /// Modulators of the pitch (`s`, `note`, `freq` move the source's
    /// frequency).
    fn pitch(&self) -> Vec<&ModSpec> {
        self.specs
            .iter()
            .filter(|m| m.stage.is_none() && matches!(m.control.as_str(), "s" | "note" | "freq"))
            .collect()
    }

    /// Whether the voice pans itself (its `pan` is modulated).
    fn pans(&self, ev: &ValueMap) -> bool {
        ev.get("pan").and_then(number).is_some() && !self.of(None, "pan").is_empty()
    }

    /// Names the modulated filter settings of a stage.
    fn filter_tag(&self, stage: Option<usize>) -> impl Fn(&str) -> Option<String> + '_ {
        move |control: &str| {
            (!self.of(stage, control).is_empty()).then(|| filter_param(stage, control))
        }
    }

    /// Binds the modulated filter settings of the event and its stages.
    fn bind_filters(&self, b: &mut Builder, ev: &ValueMap, clock: Clock) {
        let stages: Vec<(Option<usize>, &ValueMap)> = std::iter::once((None, ev))
            .chain(match ev.get("FX") {
                Some(Value::List(l)) => l
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| s.as_map().map(|m| (Some(i), m)))
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .collect();
        for (stage, map) in stages {
            for control in FILTER_SETTINGS {
                let mods = self.of(stage, control);
                if mods.is_empty() {
                    continue;
                }
                let current = map.get(control).and_then(number).unwrap_or(1.0);
                let is_frequency = matches!(*control, "cutoff" | "hcutoff" | "bandf");
                let sig = modulation::modulated(b, &mods, current, is_frequency, clock);
                let sig = if is_frequency {
                    sig
                } else {
                    b.clamp(&sig, 0.1, 30.0)
                };
                b.bind(&filter_param(stage, control), sig);
            }
        }
        for m in &self.specs {
            let known = FILTER_SETTINGS.contains(&m.control.as_str())
                || matches!(
                    m.control.as_str(),
                    "s" | "note" | "freq" | "gain" | "postgain" | "pan"
                );
            if !known {
                b.warn_once(format!(
                    "the `{}` control cannot be modulated; the modulator is ignored",
                    m.control
                ));
            }
        }
    }

    /// The voice's modulated gain (`gain`, `postgain`) and position (`pan`).
    fn apply_gain_and_pan(
        &self,
        b: &mut Builder,
        mut sig: Sig,
        ev: &ValueMap,
        reads_velocity: bool,
        clock: Clock,
    ) -> Sig {
        let ctl = |name: &str| ev.get(name).and_then(number);
        let velocity = if reads_velocity {
            1.0
        } else {
            ctl("velocity").unwrap_or(1.0).max(0.0)
        };
        for (control, base) in [
            (
                "gain",
                ctl("gain").unwrap_or(DEFAULT_GAIN).max(0.0) * velocity,
            ),
            ("postgain", ctl("postgain").unwrap_or(1.0)),
        ] {
            let mods = self.of(None, control);
            if mods.is_empty() || base == 0.0 {
                continue;
            }
            // The voice's constant gain is applied while mixing: scale by
            // the modulated value over it.
            let moved = modulation::modulated(b, &mods, base, false, clock);
            let factor = b.arith(Op::Mul, &moved, &Sig::Const((1.0 / base) as f32));
            sig = b.arith(Op::Mul, &sig, &factor);
        }
        if self.pans(ev) {
            let p = ctl("pan").unwrap_or(0.5).clamp(0.0, 1.0);
            let mods = self.of(None, "pan");
            let moved = modulation::modulated(b, &mods, 2.0 * p - 1.0, false, clock);
            let moved = b.clamp(&moved, -1.0, 1.0);
            let shifted = b.arith(Op::Add, &moved, &Sig::Const(1.0));
            let pos = b.arith(Op::Mul, &shifted, &Sig::Const(0.5));
            sig = b.position(&sig, &pos);
        }
        sig
    }
}

/// Filter settings a modulator can move.
const FILTER_SETTINGS: &[&str] = &[
    "cutoff",
    "resonance",
    "hcutoff",
    "hresonance",
    "bandf",
    "bandq",
];

/// The parameter name of a modulated filter setting.
fn filter_param(stage: Option<usize>, control: &str) -> String {
    match stage {
        None => format!("~{control}"),
        Some(i) => format!("~{i}~{control}"),
    }
}

fn node(p: Prim, args: &[f64]) -> Graph {
    let mut a = vec![Graph::Input];
    a.extend(args.iter().map(|x| Graph::Const(*x)));
    Graph::Node(p, a)
}

/// The effects an event asks for, in the order they are applied (each a
/// graph whose `Input` is the sound so far): notch, vowel, coarse, crush,
/// shape, distort, compressor, EQ, ring modulation, tremolo, phaser,
/// chorus, flanger, limiter, auto-pan. Controls the instrument declares
/// itself are left to it.
pub fn event_effects(ev: &ValueMap, declares: &dyn Fn(&str) -> bool, cps: f64) -> Vec<Graph> {
    let ctl = |name: &str| {
        if declares(name) {
            None
        } else {
            ev.get(name).and_then(number)
        }
    };
    let on = |name: &str| ctl(name).filter(|x| *x > 0.0);
    let mut out = Vec::new();
    if let Some(f) = on("notch") {
        out.push(node(
            Prim::Notch,
            &[f, ctl("notchq").unwrap_or(1.0).clamp(0.1, 30.0)],
        ));
    }
    if !declares("vowel") {
        let v = match ev.get("vowel") {
            Some(Value::Str(s)) => lang::graph_eval::vowel_number(s),
            Some(v) => number(v).filter(|x| (0.0..=4.0).contains(x)),
            None => None,
        };
        if let Some(v) = v {
            out.push(node(Prim::Vowel, &[v]));
        }
    }
    if let Some(c) = ctl("coarse").filter(|c| *c > 1.0) {
        out.push(node(Prim::Coarse, &[c]));
    }
    if let Some(bits) = on("crush") {
        out.push(node(Prim::Crush, &[bits]));
    }
    if let Some(s) = on("shape") {
        out.push(node(Prim::Shape, &[s]));
    }
    if let Some(d) = on("distort") {
        // Strudel's curves: `distorttype` names one (or numbers it);
        // without it, the s-curve.
        let algorithm = match ev.get("distorttype") {
            Some(Value::Str(name)) => Algorithm::from_name(name).unwrap_or(Algorithm::Scurve),
            Some(v) => Algorithm::from_index(number(v).unwrap_or(0.0)),
            None => Algorithm::Scurve,
        };
        out.push(node(
            Prim::Waveshape,
            &[
                d,
                ctl("distortvol").unwrap_or(1.0),
                algorithm as usize as f64,
            ],
        ));
    }
    if let Some(t) = ctl("compressor") {
        out.push(node(
            Prim::Compressor,
            &[
                t,
                ctl("compressorRatio").unwrap_or(4.0).max(1.0),
                ctl("compressorAttack").unwrap_or(0.005).max(0.0001),
                ctl("compressorRelease").unwrap_or(0.1).max(0.001),
            ],
        ));
    }
    let (lo, mid, hi) = (
        ctl("eqlow").unwrap_or(0.0),
        ctl("eqmid").unwrap_or(0.0),
        ctl("eqhigh").unwrap_or(0.0),
    );
    if lo != 0.0 || mid != 0.0 || hi != 0.0 {
        out.push(node(Prim::Eq, &[lo, mid, hi]));
    }
    if let Some(f) = on("eqfreq") {
        let g = ctl("eqgain").unwrap_or(0.0);
        if g != 0.0 {
            out.push(node(
                Prim::Peq,
                &[f, g, ctl("eqq").unwrap_or(1.0).max(0.05)],
            ));
        }
    }
    if let Some(depth) = on("ring") {
        out.push(node(
            Prim::Ring,
            &[ctl("ringf").unwrap_or(440.0), depth.min(1.0)],
        ));
    }
    let trem_rate = on("tremolosync").map(|c| c * cps).or_else(|| on("tremolo"));
    if let Some(rate) = trem_rate {
        let depth = ctl("tremolodepth").unwrap_or(1.0).clamp(0.0, 1.0);
        out.push(node(Prim::Tremolo, &[rate, depth]));
    }
    if let Some(rate) = on("phaserrate") {
        let depth = ctl("phaserdepth").unwrap_or(0.75).clamp(0.0, 1.0);
        out.push(node(Prim::Phaser, &[rate, depth]));
    }
    if let Some(mix) = on("chorus") {
        out.push(node(
            Prim::Chorus,
            &[
                ctl("chorusrate").unwrap_or(0.8),
                ctl("chorusdepth").unwrap_or(0.5),
                mix.min(1.0),
            ],
        ));
    }
    if let Some(rate) = on("flanger") {
        out.push(node(
            Prim::Flanger,
            &[
                rate,
                ctl("flangerdepth").unwrap_or(0.5),
                ctl("flangerfeedback").unwrap_or(0.5),
            ],
        ));
    }
    if let Some(ceiling) = ctl("limiter") {
        out.push(node(Prim::Limiter, &[ceiling.min(0.0)]));
    }
    if let Some(rate) = on("autopan") {
        let depth = ctl("autopandepth").unwrap_or(1.0);
        out.push(node(Prim::Autopan, &[rate, depth]));
    }
    out
}

struct VoiceRest {
    dsp: Dsp,
    outputs: usize,
    env: Option<Adsr>,
}

/// Gains, pan, sends and orbit settings: the rest of a voice.
fn finish_voice(
    inst: &Who,
    rest: VoiceRest,
    ev: &ValueMap,
    at: VoicePlacement,
    warnings: Vec<String>,
) -> (Box<Voice>, Vec<String>) {
    let ctl = |name: &str| ev.get(name).and_then(number);
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
        damp: ctl("roomdamp").map(|d| d.clamp(0.0, 1.0) as f32),
        delay_time: ctl("delaysync")
            .filter(|c| *c > 0.0 && at.cps > 0.0)
            .map(|c| c / at.cps)
            .or_else(|| ctl("delaytime"))
            .map(|t| t as f32),
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
    let mut voice = voice;
    voice.cut = ctl("cut").filter(|c| *c >= 1.0).map_or(0, |c| c as u32);
    (Box::new(voice), warnings)
}

/// Replaces parameters (all but `gate`, and `freq` when `keep_freq`) by
/// their values and fills in missing arguments with the primitives'
/// defaults.
fn resolve(g: &Graph, lookup: &dyn Fn(&str) -> Option<f64>, keep_freq: bool) -> Graph {
    match g {
        Graph::Param(p) if &**p == "freq" && keep_freq => g.clone(),
        Graph::Param(p) if &**p != "gate" => Graph::Const(lookup(p).unwrap_or(0.0)),
        Graph::Node(prim, args) => {
            let info = prim.info();
            let mut out: Vec<Graph> = args.iter().map(|a| resolve(a, lookup, keep_freq)).collect();
            for (_, def) in info.params.iter().skip(out.len()) {
                out.push(Graph::Const(if def.is_nan() { 0.0 } else { *def }));
            }
            Graph::Node(*prim, out)
        }
        other => other.clone(),
    }
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
