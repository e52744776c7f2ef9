//! The standard library: instruments, synthesized drum kits and effects,
//! mostly written in weft (`stdlib/*.weft`, built into the binary) on top
//! of the engine's primitives, plus the documentation of every name.
//!
//! - `instruments.weft`: pitched instruments (`s("sawtooth")`, `s("pluck")`…).
//! - `drums.weft`: the drum kits, one instrument per drum and kit
//!   (`tr808_bd`, `tr909_sd`…); `s("bd").bank("tr808")` plays `tr808_bd`,
//!   and `s("bd")` alone plays the default kit's (`tr909`).
//! - `effects.weft`: effect presets for `.fx(…)` and `master:`, in scope in
//!   every program.

pub mod docs;
pub mod instruments;

use lang::graph::Instrument;
use lang::program::{evaluate_with, Definition, EvalOptions, Evaluation};
use lang::sample_source::SampleSource;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use instruments::instruments;

/// The weft source of the instruments.
pub const INSTRUMENTS_WEFT: &str = include_str!("../instruments.weft");
/// The weft source of the drum kits.
pub const DRUMS_WEFT: &str = include_str!("../drums.weft");
/// The weft source of the effect presets (evaluated before every program).
pub const EFFECTS_WEFT: &str = include_str!("../effects.weft");

/// The drum machines, as `bank` names (`"tr808"`; `"RolandTR808"` works too).
pub const KITS: &[&str] = &["tr808", "tr909"];
/// The kit `s("bd")` plays without a bank.
pub const DEFAULT_KIT: &str = "tr909";
/// The drums of every kit: `(name, what it is)`.
pub const DRUMS: &[(&str, &str)] = &[
    ("bd", "bass drum"),
    ("sd", "snare drum"),
    ("hh", "closed hi-hat"),
    ("oh", "open hi-hat"),
    ("cp", "hand clap"),
    ("rim", "rim shot"),
    ("lt", "low tom"),
    ("mt", "mid tom"),
    ("ht", "high tom"),
    ("cb", "cowbell"),
    ("cr", "crash cymbal"),
    ("rd", "ride cymbal"),
    ("sh", "shaker"),
    ("tb", "tambourine"),
];
/// Other names for instruments: `(alias, instrument)`.
pub const ALIASES: &[(&str, &str)] = &[("saw", "sawtooth"), ("subbass", "sub")];

/// The stdlib's sources with their file names, in evaluation order.
pub fn sources() -> [(&'static str, &'static str); 3] {
    [
        ("<stdlib>/effects.weft", EFFECTS_WEFT),
        ("<stdlib>/instruments.weft", INSTRUMENTS_WEFT),
        ("<stdlib>/drums.weft", DRUMS_WEFT),
    ]
}

fn evaluate_source(name: &str, src: &str) -> Evaluation {
    let options = EvalOptions {
        file: Some(PathBuf::from(name)),
        ..Default::default()
    };
    let ev = evaluate_with(src, &options);
    debug_assert!(
        ev.diagnostics.iter().all(|d| !d.is_error()),
        "{name}: {:?}",
        ev.diagnostics
    );
    ev
}

struct Built {
    instruments: Vec<Instrument>,
    definitions: Vec<Definition>,
    diagnostics: Vec<String>,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut instruments = Vec::new();
        let mut definitions = Vec::new();
        let mut diagnostics = Vec::new();
        for (name, src) in sources() {
            let ev = evaluate_source(name, src);
            diagnostics.extend(
                ev.diagnostics
                    .iter()
                    .map(|d| format!("{name}: {}", d.message)),
            );
            instruments.extend(ev.program.instruments);
            definitions.extend(ev.definitions);
        }
        let mut aliases = Vec::new();
        for (alias, of) in ALIASES {
            if let Some(i) = instruments.iter().find(|i: &&Instrument| i.name == *of) {
                aliases.push(Instrument {
                    name: alias.to_string(),
                    ..i.clone()
                });
            }
        }
        for (drum, _) in DRUMS {
            let of = format!("{DEFAULT_KIT}_{drum}");
            if let Some(i) = instruments.iter().find(|i| i.name == of) {
                aliases.push(Instrument {
                    name: drum.to_string(),
                    ..i.clone()
                });
            }
        }
        instruments.extend(aliases);
        Built {
            instruments,
            definitions,
            diagnostics,
        }
    })
}

/// Every instrument of the standard library (drums and aliases included),
/// built from the embedded weft sources once.
pub fn all_instruments() -> Vec<Instrument> {
    built().instruments.clone()
}

/// The `instrument` and `effect` definitions of the stdlib's sources,
/// with their doc comments.
pub fn definitions() -> &'static [Definition] {
    &built().definitions
}

/// Diagnostics from evaluating the stdlib's sources (empty; tests check).
pub fn diagnostics() -> &'static [String] {
    &built().diagnostics
}

/// Every sound name the standard library provides.
pub fn known_sounds() -> Vec<String> {
    built().instruments.iter().map(|i| i.name.clone()).collect()
}

/// The sources evaluated before every program: the effect presets.
pub fn prelude() -> Vec<(String, Arc<str>)> {
    static PRELUDE: OnceLock<Arc<str>> = OnceLock::new();
    let src = PRELUDE.get_or_init(|| EFFECTS_WEFT.into()).clone();
    vec![("<stdlib>/effects.weft".to_string(), src)]
}

/// Evaluation options for a user's program: the stdlib's effects in scope,
/// its sounds known (unknown `s` names are reported), the given sample
/// sources (the command line's `--samples`).
pub fn eval_options(file: Option<PathBuf>, samples: &[SampleSource]) -> EvalOptions {
    EvalOptions {
        file,
        known_sounds: Some(known_sounds()),
        sample_sources: samples.to_vec(),
        sample_map_names: None,
        prelude: prelude(),
    }
}

/// Evaluates a program file with the standard library (tests, tools).
pub fn evaluate_file(path: &Path) -> Result<Evaluation, String> {
    lang::program::evaluate_file(path, &eval_options(None, &[]))
}
