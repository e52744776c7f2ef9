//! Sound graphs: the synths and effects a program defines, as plain data.
//!
//! `instrument acid(cutoff = 800) = saw(freq) >> lpf(cutoff, 0.7) >> adsr(0.01, 0.1, 0.5, 0.2)`
//! evaluates to a [`Graph`]: a tree of primitive processors ([`Prim`]) whose
//! inputs are constants, per-voice parameters (`freq`, `gate`, `cutoff`…),
//! the processor input ([`Graph::Input`], filled by `>>`) or other graphs.
//! The engine compiles graphs into DSP networks; this module knows nothing
//! about audio.
//!
//! `a >> b` feeds `a` into every `Input` of `b`. If `b` has no input (an
//! envelope, an LFO), `a >> b` multiplies: `saw(freq) >> adsr(…)` is the
//! saw shaped by the envelope.

use std::fmt;
use std::sync::Arc;

/// A primitive processor. The table [`PRIMS`] gives each one's name in the
/// language and its parameters with defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prim {
    // Sources.
    Sine,
    Saw,
    Square,
    Triangle,
    Pulse,
    Noise,
    Pink,
    Brown,
    // Filters (input, cutoff, resonance/Q).
    Lowpass,
    Highpass,
    Bandpass,
    Notch,
    Moog,
    // Envelopes, driven by the voice's gate.
    Adsr,
    Perc,
    /// A ramp from `from` to `to` over `time` seconds after note-on.
    Line,
    // Effects (input first).
    Delay,
    Reverb,
    Distort,
    Waveshape,
    Chorus,
    Phaser,
    Flanger,
    Crush,
    Compressor,
    Limiter,
    Eq,
    Tremolo,
    Pan,
    Vowel,
    Ring,
    Autopan,
    Peq,
    Coarse,
    Shape,
    // Sources and envelopes added for the standard library.
    /// Karplus–Strong plucked string.
    Pluck,
    /// Attack then exponential decay (drums, plucks).
    Ad,
    /// Exponential ramp (pitch sweeps of drums).
    Xline,
    // Arithmetic and shaping.
    Add,
    Sub,
    Mul,
    Div,
    Tanh,
    Clip,
    Min,
    Max,
    /// Live audio input (`input(1)`, `input(1, 2)`): channels of the
    /// input device, or of `--input FILE` offline.
    Capture,
}

/// Description of a primitive for the language: name, parameters and
/// their defaults (`f64::NAN` = required), one-line doc.
pub struct PrimInfo {
    pub prim: Prim,
    pub name: &'static str,
    pub params: &'static [(&'static str, f64)],
    /// Whether the first parameter is the processor input (so that
    /// `lpf(800)` means "low-pass whatever `>>` feeds in").
    pub takes_input: bool,
    pub doc: &'static str,
}

const REQ: f64 = f64::NAN;

/// Every primitive available in sound graphs, as the language names it.
pub const PRIMS: &[PrimInfo] = &[
    PrimInfo {
        prim: Prim::Sine,
        name: "sine",
        params: &[("freq", 440.0)],
        takes_input: false,
        doc: "Sine oscillator.",
    },
    PrimInfo {
        prim: Prim::Saw,
        name: "saw",
        params: &[("freq", 440.0)],
        takes_input: false,
        doc: "Band-limited sawtooth oscillator.",
    },
    PrimInfo {
        prim: Prim::Square,
        name: "square",
        params: &[("freq", 440.0)],
        takes_input: false,
        doc: "Band-limited square oscillator.",
    },
    PrimInfo {
        prim: Prim::Triangle,
        name: "triangle",
        params: &[("freq", 440.0)],
        takes_input: false,
        doc: "Triangle oscillator.",
    },
    PrimInfo {
        prim: Prim::Pulse,
        name: "pulse",
        params: &[("freq", 440.0), ("width", 0.5)],
        takes_input: false,
        doc: "Pulse oscillator with variable width (0–1).",
    },
    PrimInfo {
        prim: Prim::Noise,
        name: "noise",
        params: &[],
        takes_input: false,
        doc: "White noise.",
    },
    PrimInfo {
        prim: Prim::Pink,
        name: "pink",
        params: &[],
        takes_input: false,
        doc: "Pink noise (−3 dB/octave).",
    },
    PrimInfo {
        prim: Prim::Brown,
        name: "brown",
        params: &[],
        takes_input: false,
        doc: "Brown noise (−6 dB/octave).",
    },
    PrimInfo {
        prim: Prim::Lowpass,
        name: "lpf",
        params: &[("in", REQ), ("cutoff", 1000.0), ("q", 0.707)],
        takes_input: true,
        doc: "Resonant 2-pole low-pass filter.",
    },
    PrimInfo {
        prim: Prim::Highpass,
        name: "hpf",
        params: &[("in", REQ), ("cutoff", 1000.0), ("q", 0.707)],
        takes_input: true,
        doc: "Resonant 2-pole high-pass filter.",
    },
    PrimInfo {
        prim: Prim::Bandpass,
        name: "bpf",
        params: &[("in", REQ), ("cutoff", 1000.0), ("q", 1.0)],
        takes_input: true,
        doc: "Band-pass filter.",
    },
    PrimInfo {
        prim: Prim::Notch,
        name: "notch",
        params: &[("in", REQ), ("cutoff", 1000.0), ("q", 1.0)],
        takes_input: true,
        doc: "Notch (band-reject) filter.",
    },
    PrimInfo {
        prim: Prim::Moog,
        name: "moog",
        params: &[("in", REQ), ("cutoff", 1000.0), ("res", 0.5)],
        takes_input: true,
        doc: "Moog ladder low-pass filter (resonance 0–1).",
    },
    PrimInfo {
        prim: Prim::Adsr,
        name: "adsr",
        params: &[
            ("attack", 0.01),
            ("decay", 0.1),
            ("sustain", 0.7),
            ("release", 0.2),
        ],
        takes_input: false,
        doc: "Attack-decay-sustain-release envelope following the note's gate.",
    },
    PrimInfo {
        prim: Prim::Perc,
        name: "perc",
        params: &[("attack", 0.005), ("release", 0.3)],
        takes_input: false,
        doc: "Percussive envelope: attack then release, ignoring the gate length.",
    },
    PrimInfo {
        prim: Prim::Line,
        name: "line",
        params: &[("from", 1.0), ("to", 0.0), ("time", 0.1)],
        takes_input: false,
        doc: "Straight ramp from `from` to `to` over `time` seconds after the note starts.",
    },
    PrimInfo {
        prim: Prim::Delay,
        name: "delay",
        params: &[("in", REQ), ("time", 0.25), ("feedback", 0.4), ("mix", 0.5)],
        takes_input: true,
        doc: "Feedback delay; time in seconds.",
    },
    PrimInfo {
        prim: Prim::Reverb,
        name: "reverb",
        params: &[("in", REQ), ("size", 0.5), ("damp", 0.5), ("mix", 0.3)],
        takes_input: true,
        doc: "Stereo reverb.",
    },
    PrimInfo {
        prim: Prim::Distort,
        name: "distort",
        params: &[("in", REQ), ("amount", 0.5)],
        takes_input: true,
        doc: "Soft-clipping distortion (amount 0–1).",
    },
    PrimInfo {
        prim: Prim::Waveshape,
        name: "waveshape",
        params: &[("in", REQ), ("amount", 1.0), ("volume", 1.0), ("algorithm", 0.0)],
        takes_input: true,
        doc: "Waveshaping with Strudel's distortion curves (what the `distort` control uses): `amount` drives the curve (k = e^amount − 1), `volume` scales the result (0.001–1), `algorithm` picks the curve: 0 scurve, 1 soft, 2 hard, 3 cubic, 4 diode, 5 asym, 6 fold, 7 sinefold, 8 chebyshev.",
    },
    PrimInfo {
        prim: Prim::Chorus,
        name: "chorus",
        params: &[("in", REQ), ("rate", 0.8), ("depth", 0.5), ("mix", 0.5)],
        takes_input: true,
        doc: "Chorus.",
    },
    PrimInfo {
        prim: Prim::Phaser,
        name: "phaser",
        params: &[("in", REQ), ("rate", 0.5), ("depth", 0.7)],
        takes_input: true,
        doc: "Phaser.",
    },
    PrimInfo {
        prim: Prim::Flanger,
        name: "flanger",
        params: &[
            ("in", REQ),
            ("rate", 0.3),
            ("depth", 0.5),
            ("feedback", 0.5),
        ],
        takes_input: true,
        doc: "Flanger.",
    },
    PrimInfo {
        prim: Prim::Crush,
        name: "crush",
        params: &[("in", REQ), ("bits", 8.0)],
        takes_input: true,
        doc: "Bit crusher (bits 1–16).",
    },
    PrimInfo {
        prim: Prim::Compressor,
        name: "compressor",
        params: &[
            ("in", REQ),
            ("threshold", -20.0),
            ("ratio", 4.0),
            ("attack", 0.01),
            ("release", 0.2),
        ],
        takes_input: true,
        doc: "Compressor (threshold in dB).",
    },
    PrimInfo {
        prim: Prim::Limiter,
        name: "limiter",
        params: &[("in", REQ), ("ceiling", -1.0)],
        takes_input: true,
        doc: "Peak limiter (ceiling in dBFS).",
    },
    PrimInfo {
        prim: Prim::Eq,
        name: "eq",
        params: &[("in", REQ), ("low", 0.0), ("mid", 0.0), ("high", 0.0)],
        takes_input: true,
        doc: "Three-band equaliser (gains in dB).",
    },
    PrimInfo {
        prim: Prim::Tremolo,
        name: "tremolo",
        params: &[("in", REQ), ("rate", 4.0), ("depth", 0.5)],
        takes_input: true,
        doc: "Amplitude modulation.",
    },
    PrimInfo {
        prim: Prim::Pan,
        name: "pan",
        params: &[("in", REQ), ("pos", 0.5)],
        takes_input: true,
        doc: "Stereo position (0 left, 0.5 centre, 1 right).",
    },
    PrimInfo {
        prim: Prim::Vowel,
        name: "vowel",
        params: &[("in", REQ), ("vowel", 0.0)],
        takes_input: true,
        doc: "Formant filter: vowel 0 a, 1 e, 2 i, 3 o, 4 u (or the letter: `vowel(\"o\")`).",
    },
    PrimInfo {
        prim: Prim::Ring,
        name: "ring",
        params: &[("in", REQ), ("freq", 440.0), ("depth", 1.0)],
        takes_input: true,
        doc: "Ring modulation by a sine at `freq` Hz; depth 0 (dry) to 1 (fully ring-modulated).",
    },
    PrimInfo {
        prim: Prim::Autopan,
        name: "autopan",
        params: &[("in", REQ), ("rate", 1.0), ("depth", 1.0)],
        takes_input: true,
        doc: "Moves the sound between left and right at `rate` Hz; depth 0–1 (1: hard left to hard right). Stereo out.",
    },
    PrimInfo {
        prim: Prim::Peq,
        name: "peq",
        params: &[("in", REQ), ("freq", 1000.0), ("gain", 0.0), ("q", 1.0)],
        takes_input: true,
        doc: "Parametric EQ band (bell): boost or cut `gain` dB around `freq` Hz with bandwidth `q`.",
    },
    PrimInfo {
        prim: Prim::Coarse,
        name: "coarse",
        params: &[("in", REQ), ("factor", 4.0)],
        takes_input: true,
        doc: "Sample-rate reduction: holds every `factor`-th sample (1 = none).",
    },
    PrimInfo {
        prim: Prim::Shape,
        name: "shape",
        params: &[("in", REQ), ("amount", 0.5)],
        takes_input: true,
        doc: "Waveshaping distortion, amount 0–1 (Strudel's `shape`).",
    },
    PrimInfo {
        prim: Prim::Pluck,
        name: "pluck",
        params: &[("freq", 440.0), ("decay", 2.0), ("tone", 0.5)],
        takes_input: false,
        doc: "Karplus–Strong plucked string at `freq` Hz: `decay` seconds to −60 dB, `tone` 0 (dark) – 1 (bright).",
    },
    PrimInfo {
        prim: Prim::Ad,
        name: "ad",
        params: &[("attack", 0.001), ("decay", 0.5)],
        takes_input: false,
        doc: "Percussive envelope: linear attack, then an exponential decay reaching −60 dB after `decay` seconds (ignores the gate).",
    },
    PrimInfo {
        prim: Prim::Xline,
        name: "xline",
        params: &[("from", 1.0), ("to", 0.001), ("time", 0.1)],
        takes_input: false,
        doc: "Exponential ramp from `from` to `to` (both > 0) over `time` seconds after the note starts, then holds `to`.",
    },
    PrimInfo {
        prim: Prim::Add,
        name: "add",
        params: &[("a", REQ), ("b", REQ)],
        takes_input: false,
        doc: "Sum of two signals (`a + b`).",
    },
    PrimInfo {
        prim: Prim::Sub,
        name: "sub",
        params: &[("a", REQ), ("b", REQ)],
        takes_input: false,
        doc: "Difference (`a - b`).",
    },
    PrimInfo {
        prim: Prim::Mul,
        name: "mul",
        params: &[("a", REQ), ("b", REQ)],
        takes_input: false,
        doc: "Product (`a * b`): gain or ring modulation.",
    },
    PrimInfo {
        prim: Prim::Div,
        name: "div",
        params: &[("a", REQ), ("b", REQ)],
        takes_input: false,
        doc: "Quotient (`a / b`).",
    },
    PrimInfo {
        prim: Prim::Tanh,
        name: "tanh",
        params: &[("in", REQ)],
        takes_input: true,
        doc: "Hyperbolic tangent saturation.",
    },
    PrimInfo {
        prim: Prim::Clip,
        name: "clip",
        params: &[("in", REQ)],
        takes_input: true,
        doc: "Hard clip to −1…1.",
    },
    PrimInfo {
        prim: Prim::Min,
        name: "min",
        params: &[("a", REQ), ("b", REQ)],
        takes_input: false,
        doc: "The smaller of two signals.",
    },
    PrimInfo {
        prim: Prim::Max,
        name: "max",
        params: &[("a", REQ), ("b", REQ)],
        takes_input: false,
        doc: "The larger of two signals.",
    },
    PrimInfo {
        prim: Prim::Capture,
        name: "input",
        params: &[("channel", 1.0), ("right", 0.0)],
        takes_input: false,
        doc: "Live audio input: channel `channel` (from 1) of the input device (`weft play --input`, `weft render --input FILE.wav`), or the stereo pair `channel`, `right`. A track of its own: `mic: input(1).fx(reverb(0.5))`. Silent inside instruments and without an input.",
    },
];

impl Prim {
    pub fn info(self) -> &'static PrimInfo {
        PRIMS
            .iter()
            .find(|p| p.prim == self)
            .expect("every prim is in PRIMS")
    }
}

/// Looks up a primitive by its language name.
pub fn prim_by_name(name: &str) -> Option<&'static PrimInfo> {
    PRIMS.iter().find(|p| p.name == name)
}

/// A sound graph.
#[derive(Clone, Debug, PartialEq)]
pub enum Graph {
    Const(f64),
    /// A per-voice parameter: read from the event's controls when the note
    /// starts (`freq`, `gate`, `velocity`, or an instrument parameter).
    Param(Arc<str>),
    /// The processor's input (what `>>` feeds in; for an effect chain, the
    /// track's audio).
    Input,
    /// A primitive applied to its arguments (one per parameter, in order).
    Node(Prim, Vec<Graph>),
}

impl Graph {
    pub fn node(p: Prim, args: Vec<Graph>) -> Graph {
        Graph::Node(p, args)
    }

    /// True if the graph reads its `Input` somewhere.
    pub fn has_input(&self) -> bool {
        match self {
            Graph::Input => true,
            Graph::Node(_, args) => args.iter().any(|a| a.has_input()),
            _ => false,
        }
    }

    /// Replaces every `Input` with `with`.
    pub fn feed(&self, with: &Graph) -> Graph {
        match self {
            Graph::Input => with.clone(),
            Graph::Node(p, args) => Graph::Node(*p, args.iter().map(|a| a.feed(with)).collect()),
            other => other.clone(),
        }
    }

    /// `a >> b`.
    pub fn pipe(&self, next: &Graph) -> Graph {
        if next.has_input() {
            next.feed(self)
        } else {
            Graph::Node(Prim::Mul, vec![self.clone(), next.clone()])
        }
    }

    /// Names of the parameters the graph reads.
    pub fn params(&self) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        self.collect_params(&mut out);
        out
    }

    fn collect_params(&self, out: &mut Vec<Arc<str>>) {
        match self {
            Graph::Param(p) if !out.contains(p) => out.push(p.clone()),
            Graph::Node(_, args) => args.iter().for_each(|a| a.collect_params(out)),
            _ => {}
        }
    }

    /// Number of nodes (a measure of cost).
    pub fn size(&self) -> usize {
        match self {
            Graph::Node(_, args) => 1 + args.iter().map(|a| a.size()).sum::<usize>(),
            _ => 1,
        }
    }
}

impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Graph::Const(x) => write!(f, "{x}"),
            Graph::Param(p) => write!(f, "{p}"),
            Graph::Input => write!(f, "in"),
            Graph::Node(p, args) => {
                write!(f, "{}(", p.info().name)?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
        }
    }
}

/// A named instrument: parameters with defaults and the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Instrument {
    pub name: String,
    /// Parameters the events may set, with their defaults.
    pub params: Vec<(String, f64)>,
    pub graph: Graph,
}

/// Parameters every voice receives from its event, whatever the instrument:
/// `freq` (Hz, from `freq`, `note` or `n`), `gate` (1 while the note is
/// held, then 0), `velocity` (0–1).
pub const VOICE_PARAMS: &[&str] = &["freq", "gate", "velocity"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_feeds_or_multiplies() {
        let saw = Graph::node(Prim::Saw, vec![Graph::Param("freq".into())]);
        let lpf = Graph::node(
            Prim::Lowpass,
            vec![Graph::Input, Graph::Const(800.0), Graph::Const(0.7)],
        );
        let env = Graph::node(Prim::Perc, vec![Graph::Const(0.01), Graph::Const(0.2)]);
        let g = saw.pipe(&lpf).pipe(&env);
        assert_eq!(
            g.to_string(),
            "mul(lpf(saw(freq), 800, 0.7), perc(0.01, 0.2))"
        );
        assert_eq!(g.params(), vec![Arc::<str>::from("freq")]);
    }
}
