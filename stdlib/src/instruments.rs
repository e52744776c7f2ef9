//! The basic instruments: plain oscillators with an ADSR envelope, as data
//! (`lang::graph::Instrument`) that the engine compiles per voice.
//!
//! Each reads `freq` and the `attack`, `decay`, `sustain`, `release`
//! controls (defaults as in Strudel's synths: 1 ms, 50 ms, 0.6, 10 ms).

use lang::graph::{Graph, Instrument, Prim};

fn param(name: &str) -> Graph {
    Graph::Param(name.into())
}

fn node(p: Prim, args: Vec<Graph>) -> Graph {
    Graph::Node(p, args)
}

fn num(x: f64) -> Graph {
    Graph::Const(x)
}

/// The envelope every basic instrument uses.
fn envelope() -> Graph {
    node(
        Prim::Adsr,
        vec![
            param("attack"),
            param("decay"),
            param("sustain"),
            param("release"),
        ],
    )
}

fn envelope_params() -> Vec<(String, f64)> {
    [
        ("attack", 0.001),
        ("decay", 0.05),
        ("sustain", 0.6),
        ("release", 0.01),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), *v))
    .collect()
}

/// `osc(freq) * level >> adsr(attack, decay, sustain, release)`.
fn oscillator(name: &str, osc: Prim, level: f64) -> Instrument {
    let source = node(Prim::Mul, vec![node(osc, vec![param("freq")]), num(level)]);
    Instrument {
        name: name.to_string(),
        params: envelope_params(),
        graph: source.pipe(&envelope()),
    }
}

/// Seven sawtooths detuned around `freq` and spread across the stereo field.
fn supersaw() -> Instrument {
    const VOICES: [(f64, f64); 7] = [
        (1.0, 0.5),
        (1.0059, 0.15),
        (0.9941, 0.85),
        (1.0119, 0.3),
        (0.9881, 0.7),
        (1.0181, 0.0),
        (0.9819, 1.0),
    ];
    let saws = VOICES
        .iter()
        .map(|(ratio, pos)| {
            let f = node(Prim::Mul, vec![param("freq"), num(*ratio)]);
            node(Prim::Pan, vec![node(Prim::Saw, vec![f]), num(*pos)])
        })
        .reduce(|a, b| node(Prim::Add, vec![a, b]))
        .expect("seven voices");
    Instrument {
        name: "supersaw".to_string(),
        params: envelope_params(),
        graph: node(Prim::Mul, vec![saws, num(0.12)]).pipe(&envelope()),
    }
}

/// The basic instruments: `sine`, `sawtooth` (and `saw`), `square`,
/// `triangle` (the default for notes without `s`) and `supersaw`.
pub fn instruments() -> Vec<Instrument> {
    let saw = oscillator("sawtooth", Prim::Saw, 0.3);
    vec![
        oscillator("sine", Prim::Sine, 0.5),
        Instrument {
            name: "saw".to_string(),
            ..saw.clone()
        },
        saw,
        oscillator("square", Prim::Square, 0.25),
        oscillator("triangle", Prim::Triangle, 0.5),
        supersaw(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_instruments_exist() {
        let names: Vec<String> = instruments().into_iter().map(|i| i.name).collect();
        for n in ["sine", "sawtooth", "saw", "square", "triangle", "supersaw"] {
            assert!(names.iter().any(|x| x == n), "{n}");
        }
    }

    #[test]
    fn instruments_read_freq_and_envelope() {
        for i in instruments() {
            let params = i.graph.params();
            for p in ["freq", "attack", "release"] {
                assert!(params.iter().any(|x| &**x == p), "{} reads {p}", i.name);
            }
        }
    }
}
