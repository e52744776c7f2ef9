//! Documentation of every name the language provides: pattern functions,
//! signals, controls, sound-graph primitives and scales (instruments and
//! effects of the standard library document themselves in their source).
//!
//! One source of truth feeds `weft doc NAME`, the generated
//! `docs/stdlib.md` and the REPL's completion hints; tests check that every
//! registered name is documented and that every example evaluates.

use crate::graph::PRIMS;
use crate::library::controls::CONTROLS;

/// Documentation of a function (or a group of aliases).
pub struct FnDoc {
    /// The name, then its aliases.
    pub names: &'static [&'static str],
    /// Which part of the library it belongs to (a heading in docs/stdlib.md).
    pub category: &'static str,
    /// One line: what it does.
    pub summary: &'static str,
    /// Parameters, each with its meaning and range.
    pub params: &'static [(&'static str, &'static str)],
    /// A runnable example (an expression).
    pub example: &'static str,
}

pub use crate::docs_data::FUNCTION_DOCS;

/// The documentation tables: the core library's, then each module's own
/// (kept beside the functions they document).
const DOC_TABLES: &[&[FnDoc]] = &[
    FUNCTION_DOCS,
    crate::library::visual_fns::DOCS,
    crate::library::website_fns::DOCS,
    crate::library::keys::DOCS,
    crate::library::stepwise::DOCS,
    crate::library::structure_fns::DOCS,
    crate::library::kernel_fns::DOCS,
    crate::library::random_fns::DOCS,
    crate::library::pick_fns::DOCS,
    crate::library::time_fns::DOCS,
    crate::library::value_fns::DOCS,
    crate::library::voicing_fns::DOCS,
    crate::library::modulation::DOCS,
    crate::library::shaping::DOCS,
    crate::library::params::DOCS,
    crate::program::DOCS,
    crate::sample_edit::DOCS,
    crate::takes::DOCS,
];

/// Every documented library function.
pub fn function_docs() -> impl Iterator<Item = &'static FnDoc> {
    DOC_TABLES.iter().flat_map(|t| t.iter())
}

/// What kind of thing a documented name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Function,
    Control,
    Graph,
    Scale,
    Instrument,
    Effect,
    /// A synthesized drum (`s("bd").bank("tr808")`).
    Drum,
    /// A chord symbol (`"Cm7"`, `voicing()`).
    Chord,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Function => "pattern function",
            Kind::Control => "control",
            Kind::Graph => "sound-graph primitive",
            Kind::Scale => "scale",
            Kind::Instrument => "instrument",
            Kind::Effect => "effect",
            Kind::Drum => "drum",
            Kind::Chord => "chord type",
        }
    }
}

/// A documentation entry, ready to print.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub name: String,
    pub aliases: Vec<String>,
    pub kind: Kind,
    pub category: String,
    pub summary: String,
    pub params: Vec<(String, String)>,
    pub example: String,
}

impl Entry {
    /// Plain-text form for the terminal.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{} — {}\n\n{}\n",
            self.name,
            self.kind.label(),
            self.summary
        );
        if !self.aliases.is_empty() {
            out.push_str(&format!("\nAlso: {}\n", self.aliases.join(", ")));
        }
        if !self.params.is_empty() {
            out.push_str("\nParameters:\n");
            for (p, d) in &self.params {
                out.push_str(&format!("  {p}: {d}\n"));
            }
        }
        if !self.example.is_empty() {
            out.push_str(&format!("\nExample:\n  {}\n", self.example));
        }
        out
    }

    /// Markdown form for docs/stdlib.md.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("### `{}`\n\n{}\n", self.name, self.summary);
        if !self.aliases.is_empty() {
            out.push_str(&format!(
                "\nAlso: {}.\n",
                self.aliases
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.params.is_empty() {
            out.push('\n');
            for (p, d) in &self.params {
                out.push_str(&format!("- `{p}`: {d}\n"));
            }
        }
        if !self.example.is_empty() {
            out.push_str(&format!("\n```js\n{}\n```\n", self.example));
        }
        out
    }
}

fn function_entries() -> Vec<Entry> {
    function_docs()
        .map(|d| Entry {
            name: d.names[0].to_string(),
            aliases: d.names[1..].iter().map(|s| s.to_string()).collect(),
            kind: Kind::Function,
            category: d.category.to_string(),
            summary: d.summary.to_string(),
            params: d
                .params
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            example: d.example.to_string(),
        })
        .collect()
}

/// Controls documented by hand (the most used ones); the others get a
/// generic line.
fn control_summary(key: &str) -> Option<&'static str> {
    Some(match key {
        "s" => "The sound: an instrument, drum or sample name; `\"bd:3\"` also sets `n`.",
        "n" => "Sample number of a sound, or a note number / scale degree.",
        "note" => "The pitch: a MIDI number or a note name (`c4`, `eb3`).",
        "freq" => "The pitch in hertz.",
        "gain" => "Loudness (linear; 1 is full, 0.5 about −6 dB).",
        "velocity" => "Loudness of the note (0–1), multiplied with gain.",
        "pan" => "Stereo position: 0 left, 0.5 centre, 1 right.",
        "cutoff" => "Low-pass filter cutoff in Hz.",
        "resonance" => "Low-pass filter resonance.",
        "hcutoff" => "High-pass filter cutoff in Hz.",
        "bandf" => "Band-pass filter centre frequency in Hz.",
        "room" => "Reverb send (0–1) to the orbit's reverb.",
        "roomsize" => "Reverb size (0–1).",
        "delay" => "Delay send (0–1) to the orbit's delay.",
        "delaytime" => "Delay time in seconds (see `delaysync` for cycles).",
        "delayfeedback" => "Delay feedback (0–1).",
        "orbit" => "The effect bus (reverb and delay) the sound is sent to.",
        "speed" => "Playback speed of a sample (negative plays backwards).",
        "begin" => "Start point in a sample (0–1).",
        "end" => "End point in a sample (0–1).",
        "clip" => "Note length as a fraction of the event (legato).",
        "attack" => "Envelope attack time in seconds.",
        "decay" => "Envelope decay time in seconds.",
        "sustain" => "Envelope sustain level (0–1).",
        "release" => "Envelope release time in seconds.",
        "bank" => "Drum machine or sample bank (`\"tr808\"`, `\"tr909\"`).",
        "shape" => "Waveshaping distortion amount (0–1).",
        "crush" => "Bit crushing: bit depth (1–16).",
        "coarse" => "Sample-rate reduction factor (1 = none).",
        "vowel" => "Formant filter: `a`, `e`, `i`, `o`, `u`.",
        "cut" => "Cut group: a new sound stops others of the same group.",
        "loop" => "Loop a sample this many times.",
        "chord" => "A chord symbol for `voicing()` (`C`, `Am7`, `F^7`).",
        "accelerate" => "Pitch glide of a sample while it plays.",
        "unit" => "Unit of `speed`: `\"c\"` means cycles per sample length.",
        _ => return None,
    })
}

fn control_entries() -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for (name, key, multi) in CONTROLS {
        if let Some(e) = out.iter_mut().find(|e| e.name == *key) {
            if name != key && !e.aliases.iter().any(|a| a == name) {
                e.aliases.push(name.to_string());
            }
            continue;
        }
        let summary = control_summary(key)
            .map(str::to_string)
            .unwrap_or_else(|| format!("Sets the `{key}` control of each event."));
        let mut params = vec![("value".to_string(), "a number, name or pattern".to_string())];
        if !multi.is_empty() {
            params.push((
                "a:b:…".to_string(),
                format!("a list sets {}", multi.join(", ")),
            ));
        }
        out.push(Entry {
            name: key.to_string(),
            aliases: if name != key {
                vec![name.to_string()]
            } else {
                Vec::new()
            },
            kind: Kind::Control,
            category: "Controls".into(),
            summary,
            params,
            example: format!("s(\"bd sd\").{key}(\"<0.25 0.5>\")"),
        });
    }
    out
}

fn graph_entries() -> Vec<Entry> {
    PRIMS
        .iter()
        .map(|p| Entry {
            name: p.name.to_string(),
            aliases: Vec::new(),
            kind: Kind::Graph,
            category: "Sound-graph primitives".into(),
            summary: p.doc.to_string(),
            params: p
                .params
                .iter()
                .map(|(n, d)| {
                    let what = if *n == "in" {
                        "input (fed by `>>` when omitted)".to_string()
                    } else if d.is_nan() {
                        "required".to_string()
                    } else {
                        format!("default {d}")
                    };
                    (n.to_string(), what)
                })
                .collect(),
            example: {
                let required = p
                    .params
                    .iter()
                    .filter(|(n, d)| d.is_nan() && *n != "in")
                    .count();
                match (p.takes_input, required) {
                    (true, _) => format!(
                        "instrument x = saw(freq) >> {}() >> perc(0.01, 0.3)",
                        p.name
                    ),
                    (false, 0) => format!("instrument x = {}() >> perc(0.01, 0.3)", p.name),
                    _ => format!("instrument x = {}(saw(freq), perc(0.01, 0.3))", p.name),
                }
            },
        })
        .collect()
}

fn scale_entries() -> Vec<Entry> {
    crate::tonal::scale_types()
        .iter()
        .map(|t| Entry {
            name: t.name.to_string(),
            aliases: t.aliases.iter().map(|a| a.to_string()).collect(),
            kind: Kind::Scale,
            category: "Scales".into(),
            summary: format!("Intervals: {}.", t.intervals.join(" ")),
            params: Vec::new(),
            example: if t.name.contains(['\'', '#']) {
                format!("n(\"0 2 4 6\").scale('C {}')", t.name.replace('\'', "\\'"))
            } else {
                format!("n(\"0 2 4 6\").scale(\"C:{}\")", t.name.replace(' ', ":"))
            },
        })
        .collect()
}

/// Every documented name of the language (not the stdlib's instruments).
pub fn all() -> Vec<Entry> {
    let mut out = function_entries();
    out.extend(control_entries());
    out.extend(graph_entries());
    out.extend(scale_entries());
    out
}

/// Looks up a name (or alias).
pub fn lookup(name: &str) -> Option<Entry> {
    all()
        .into_iter()
        .find(|e| e.name == name || e.aliases.iter().any(|a| a == name))
}

/// Library names (functions, signals, operators) without documentation.
pub fn undocumented() -> Vec<&'static str> {
    use crate::library::{global, global_names, method, method_names, Kind as K};
    let documented: Vec<&str> = function_docs()
        .flat_map(|d| d.names.iter().copied())
        .collect();
    let mut out: Vec<&'static str> = Vec::new();
    for name in global_names().into_iter().chain(method_names()) {
        let b = global(name).or_else(|| method(name)).unwrap();
        if matches!(b.kind, K::Control { .. }) || documented.contains(&name) || out.contains(&name)
        {
            continue;
        }
        out.push(name);
    }
    out.sort();
    out
}

/// The whole reference as Markdown, grouped by kind and category.
pub fn markdown(entries: &[Entry]) -> String {
    let mut out = String::from(
        "# Standard library reference\n\n\
         Generated from the documentation in the source (`weft doc --markdown`);\n\
         do not edit by hand. `weft doc NAME` prints one entry.\n",
    );
    let mut categories: Vec<(Kind, String)> = Vec::new();
    for e in entries {
        if !categories
            .iter()
            .any(|(k, c)| *k == e.kind && *c == e.category)
        {
            categories.push((e.kind, e.category.clone()));
        }
    }
    for (kind, cat) in categories {
        out.push_str(&format!("\n## {cat}\n\n"));
        let mut group: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.kind == kind && e.category == cat)
            .collect();
        group.sort_by_key(|e| e.name.to_lowercase());
        for e in group {
            out.push_str(&e.to_markdown());
            out.push('\n');
        }
    }
    out
}
