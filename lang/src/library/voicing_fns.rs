//! Voicing dictionaries a program registers (`addVoicings`,
//! `registerVoicings`, `setVoicingRange`, `voicingAlias`,
//! `setDefaultVoicings`, `resetVoicings`), the dictionaries themselves as
//! values (`simple`, `complex`, `voicingRegistry`), and the older
//! `voicings(dictionary)`, which picks the voicing whose top note lies
//! closest to the previous chord's.
//!
//! Registrations change the registry of the program being evaluated (see
//! [`crate::tonal::registry`]), never that of other programs.

use super::registry::{AddFn, Kind};
use super::{join_pats, Join, Pat, R};
use crate::docs::FnDoc;
use crate::pattern::{pure, report_query_error, silence, stack};
use crate::tonal::registry::{self, Registered, VoicingDict, VoicingRegistry};
use crate::tonal::{self, interval_add, midi_to_note_name, note, tokenize_chord, transpose_note};
use crate::value::{RtError, Value, ValueMap};
use std::cell::RefCell;
use std::sync::{Arc, Mutex};

/// Resets what a program evaluation may change in the library's state: the
/// voicing registry, the previous voicing of `voicings()` and the random
/// number generator. Called before each evaluation of a program.
pub fn reset_program_state() {
    registry::reset();
    crate::random::set_precise(false);
    LAST_VOICING.with(|c| *c.borrow_mut() = None);
}

/// The voicing `voicings()` chose last, shared by all its patterns of one
/// program (as in the reference) and cleared by `resetVoicings`.
type LastVoicing = Arc<Mutex<Option<Vec<String>>>>;

thread_local! {
    static LAST_VOICING: RefCell<Option<LastVoicing>> = const { RefCell::new(None) };
}

/// The previous-voicing cell of the program being evaluated.
fn last_voicing() -> LastVoicing {
    LAST_VOICING.with(|c| c.borrow_mut().get_or_insert_with(Default::default).clone())
}

/// The steps of one voicing: a space-separated string or a list.
fn voicing_steps(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Str(s) => Some(s.split(' ').map(str::to_string).collect()),
        Value::Num(_) => Some(vec![v.to_js_string()]),
        Value::List(l) => Some(l.iter().map(Value::to_js_string).collect()),
        _ => None,
    }
}

/// A dictionary from a map value: chord symbol → list of voicings.
pub fn dict_from_value(v: &Value) -> Option<VoicingDict> {
    let m = v.as_map()?;
    let mut dict = VoicingDict::default();
    for (symbol, voicings) in m.iter() {
        let list = match voicings {
            Value::List(l) => l.iter().filter_map(voicing_steps).collect(),
            other => voicing_steps(other).into_iter().collect(),
        };
        dict.set(symbol, list);
    }
    Some(dict)
}

/// A dictionary as a map value (the form programs see).
fn dict_to_value(d: &VoicingDict) -> Value {
    let mut m = ValueMap::new();
    for (symbol, voicings) in &d.entries {
        let list = voicings.iter().map(|v| Value::str(&v.join(" "))).collect();
        m.set(symbol.as_str(), Value::list(list));
    }
    m.into()
}

fn range_from_value(v: &Value) -> Option<(String, String)> {
    match v {
        Value::List(l) if l.len() >= 2 => Some((l[0].to_js_string(), l[1].to_js_string())),
        _ => None,
    }
}

fn dict_arg(v: Option<&Value>, name: &str) -> R<VoicingDict> {
    v.and_then(dict_from_value).ok_or_else(|| {
        RtError::new(format!("{name}: expected a dictionary of voicings")).with_help(format!(
            "write {name}('name', {{'': ['0 4 7'], m: ['0 3 7']}})"
        ))
    })
}

fn name_arg(v: Option<&Value>) -> String {
    v.map(Value::to_js_string)
        .unwrap_or_else(|| "undefined".into())
}

fn add_voicings(args: &[Value]) -> R<Value> {
    let name = name_arg(args.first());
    let dict = dict_arg(args.get(1), "addVoicings")?;
    let range = match args.get(2) {
        None | Some(Value::Undefined) => Some(("F3".to_string(), "A4".to_string())),
        Some(r) => range_from_value(r),
    };
    registry::update(|r| {
        r.set(
            &name,
            Registered {
                dict: Arc::new(dict),
                range,
            },
        )
    });
    Ok(Value::Undefined)
}

fn register_voicings(args: &[Value]) -> R<Value> {
    let name = name_arg(args.first());
    let dict = dict_arg(args.get(1), "registerVoicings")?;
    let range = args
        .get(2)
        .and_then(Value::as_map)
        .and_then(|o| o.get("range").and_then(range_from_value));
    registry::update(|r| {
        r.set(
            &name,
            Registered {
                dict: Arc::new(dict),
                range,
            },
        )
    });
    Ok(Value::Undefined)
}

fn set_voicing_range(args: &[Value]) -> R<Value> {
    let name = name_arg(args.first());
    let range = args.get(1).and_then(range_from_value);
    registry::update(|r| {
        let Some(entry) = r.get(&name).cloned() else {
            return Err(RtError::new(format!(
                "setVoicingRange: no voicing dictionary named `{name}`"
            )));
        };
        r.set(
            &name,
            Registered {
                dict: entry.dict,
                range,
            },
        );
        Ok(Value::Undefined)
    })
}

/// `voicingAlias(symbol, alias, dictionaries)`: `alias` gets the voicings
/// of `symbol` in each given dictionary (registered dictionaries are
/// recognised by their contents, such as `simple` or `complex`).
fn voicing_alias(args: &[Value]) -> R<Value> {
    let symbol = name_arg(args.first());
    let alias = name_arg(args.get(1));
    let sets: Vec<Value> = match args.get(2) {
        Some(Value::List(l)) => l.to_vec(),
        Some(v) => vec![v.clone()],
        None => Vec::new(),
    };
    for set in &sets {
        let Some(given) = dict_from_value(set) else {
            return Err(RtError::new("voicingAlias: expected voicing dictionaries"));
        };
        registry::update(|r| {
            for (_, entry) in r.dicts.iter_mut() {
                if *entry.dict == given {
                    let mut d = (*entry.dict).clone();
                    match d.get(&symbol).cloned() {
                        Some(v) => d.set(&alias, v),
                        None => d.entries.retain(|(s, _)| *s != alias),
                    }
                    entry.dict = Arc::new(d);
                }
            }
        });
    }
    Ok(Value::Undefined)
}

fn reset_voicings(_: &[Value]) -> R<Value> {
    *last_voicing().lock().unwrap_or_else(|e| e.into_inner()) = None;
    registry::update(|r| r.default = tonal::DEFAULT_VOICING_DICTIONARY.to_string());
    Ok(Value::Undefined)
}

fn set_default_voicings(args: &[Value]) -> R<Value> {
    let name = args.first().cloned().unwrap_or(Value::Undefined);
    registry::update(|r| r.default = name.to_js_string());
    Ok(name)
}

fn registered_dict(name: &str) -> Value {
    registry::current()
        .get(name)
        .map(|r| dict_to_value(&r.dict))
        .unwrap_or(Value::Undefined)
}

fn voicing_registry_value() -> Value {
    let reg = registry::current();
    let mut m = ValueMap::new();
    for (name, entry) in &reg.dicts {
        let mut e = ValueMap::new();
        e.set("dictionary", dict_to_value(&entry.dict));
        if let Some((lo, hi)) = &entry.range {
            e.set("range", Value::list(vec![Value::str(lo), Value::str(hi)]));
        }
        m.set(name.as_str(), e.into());
    }
    m.into()
}

// ----- voicings(dictionary): the older voicing function --------------------

fn midi_of(name: &str) -> Option<f64> {
    note(name).and_then(|n| n.midi)
}

/// The name of `src` respelled with the pitch class `dest` (`Db3`, `C#` →
/// `C#3`), as the reference's `Note.enharmonic` does.
fn enharmonic(src: &str, dest: &str) -> Option<String> {
    let s = note(src)?;
    let d = note(dest)?;
    if d.chroma != s.chroma {
        return None;
    }
    let Some(oct) = s.oct else {
        return Some(d.pc);
    };
    let src_chroma = s.chroma - s.alt;
    let dest_chroma = d.chroma - d.alt;
    let shift = if src_chroma > 11.0 || dest_chroma < 0.0 {
        -1.0
    } else if src_chroma < 0.0 || dest_chroma > 11.0 {
        1.0
    } else {
        0.0
    };
    Some(format!("{}{}", d.pc, tonal::num_to_string(oct + shift)))
}

/// Every placement of the dictionary's voicings of `chord` whose notes lie
/// within `range`, lowest first, as note names.
fn voicings_in_range(
    chord: &str,
    dict: &VoicingDict,
    range: &(String, String),
) -> Vec<Vec<String>> {
    let Some((tonic, symbol, _)) = tokenize_chord(chord) else {
        return Vec::new();
    };
    let Some(voicings) = dict.get(&symbol) else {
        return Vec::new();
    };
    let (Some(lo), Some(hi)) = (midi_of(&range.0), midi_of(&range.1)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for voicing in voicings {
        let Some(first) = voicing.first() else {
            continue;
        };
        let relative: Vec<String> = voicing
            .iter()
            .map(|i| interval_add(i, &format!("-{first}")).unwrap_or_default())
            .collect();
        let Some(bottom_pc) = transpose_note(&tonic, first) else {
            continue;
        };
        let Some(bottom) = note(&bottom_pc) else {
            continue;
        };
        let last = relative.last().cloned().unwrap_or_default();
        let mut m = lo;
        while m <= hi {
            let name = midi_to_note_name(m, false).unwrap_or_default();
            m += 1.0;
            if note(&name).map(|n| n.chroma) != Some(bottom.chroma) {
                continue;
            }
            let top = transpose_note(&name, &last).and_then(|t| midi_of(&t));
            if !top.is_some_and(|t| t <= hi) {
                continue;
            }
            let start = enharmonic(&name, &bottom_pc).unwrap_or_default();
            out.push(
                relative
                    .iter()
                    .map(|i| transpose_note(&start, i).unwrap_or_default())
                    .collect(),
            );
        }
    }
    out
}

/// The voicing whose top note is closest to the previous voicing's (the
/// first on a tie; the first of all without a previous voicing).
fn min_top_note_diff(voicings: &[Vec<String>], last: Option<&Vec<String>>) -> Vec<String> {
    let Some(last) = last else {
        return voicings[0].clone();
    };
    let top = |v: &Vec<String>| v.last().and_then(|n| midi_of(n)).unwrap_or(0.0);
    let reference = top(last);
    let diff = |v: &Vec<String>| (reference - top(v)).abs();
    let mut best = &voicings[0];
    for v in voicings {
        if diff(v) < diff(best) {
            best = v;
        }
    }
    best.clone()
}

fn voicings_of(chord: &Value, name: &str, reg: &VoicingRegistry, last: &LastVoicing) -> Pat {
    let Some(entry) = reg.get(name) else {
        report_query_error(format!("voicings: no voicing dictionary named `{name}`"));
        return silence();
    };
    let Value::Str(chord) = chord else {
        report_query_error(format!(
            "voicings: expected chord names such as \"C^7\", found {}",
            chord.type_name()
        ));
        return silence();
    };
    let range = entry
        .range
        .clone()
        .unwrap_or_else(|| ("D3".to_string(), "A4".to_string()));
    let found = voicings_in_range(chord, &entry.dict, &range);
    let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
    let chosen = if found.is_empty() {
        Vec::new()
    } else {
        min_top_note_diff(&found, last.as_ref())
    };
    *last = Some(chosen.clone());
    stack(chosen.iter().map(|n| pure(Value::str(n))).collect())
}

fn voicings(args: &[Value], pat: &Pat) -> R<Pat> {
    let name = args[0].to_js_string();
    let reg = registry::handle();
    let last = last_voicing();
    let chords = pat.fmap(move |v| voicings_of(v, &name, &registry::read(&reg), &last));
    Ok(join_pats(&chords, Join::Outer))
}

pub fn register(add: &mut AddFn) {
    let v = |f| Kind::Values { f, method: false };
    for (name, kind) in [
        ("addVoicings", v(add_voicings)),
        ("registerVoicings", v(register_voicings)),
        ("setVoicingRange", v(set_voicing_range)),
        ("voicingAlias", v(voicing_alias)),
        ("resetVoicings", v(reset_voicings)),
        ("setDefaultVoicings", v(set_default_voicings)),
    ] {
        add(name, kind, true, false);
    }
    add(
        "simple",
        Kind::Const(|| registered_dict("ireal")),
        true,
        false,
    );
    add(
        "complex",
        Kind::Const(|| registered_dict("ireal-ext")),
        true,
        false,
    );
    add(
        "voicingRegistry",
        Kind::Const(voicing_registry_value),
        true,
        false,
    );
    add(
        "packageName",
        Kind::Const(|| Value::str("@strudel/tonal")),
        true,
        false,
    );
    add(
        "voicings",
        Kind::Transform {
            arity: 1,
            f: voicings,
            join: Join::Inner,
            preserve_steps: false,
        },
        true,
        true,
    );
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["addVoicings"],
        category: "Harmony",
        summary: "Registers a voicing dictionary under a name for `dict(name).voicing()` and `voicings(name)`: chord symbols (the part after the root) with lists of voicings, each a string of intervals ('3M 7m') or semitones ('0 4 7'). Registrations last for the program.",
        params: &[
            ("name", "the dictionary's name"),
            ("dictionary", "a map such as {'': ['0 4 7'], m: ['0 3 7']}"),
            ("range", "lowest and highest note for `voicings` (default ['F3', 'A4'])"),
        ],
        example: "addVoicings('house', {'': ['7 12 16', '0 7 16'], m: ['0 3 7']})\n$: chord(\"<Am C>\").dict('house').anchor(66).voicing()",
    },
    FnDoc {
        names: &["registerVoicings"],
        category: "Harmony",
        summary: "Registers a voicing dictionary with options (`range`), like `addVoicings`.",
        params: &[
            ("name", "the dictionary's name"),
            ("dictionary", "a map of chord symbols to voicings"),
            ("options", "a map, such as {range: ['C3', 'C5']}"),
        ],
        example: "registerVoicings('mine', {m7: ['3m 7m 9M']})\n$: chord(\"Dm7\").dict('mine').voicing()",
    },
    FnDoc {
        names: &["setVoicingRange"],
        category: "Harmony",
        summary: "Sets the note range in which `voicings` places a registered dictionary's chords.",
        params: &[("name", "a registered dictionary"), ("range", "lowest and highest note, such as ['C3', 'C5']")],
        example: "setVoicingRange('lefthand', ['C3', 'A4'])\n$: \"<C^7 Dm7>\".voicings('lefthand').note()",
    },
    FnDoc {
        names: &["voicingAlias"],
        category: "Harmony",
        summary: "Makes a chord symbol another name for an existing one in the given dictionaries (`simple` and `complex` are the built-in ones).",
        params: &[
            ("symbol", "the existing symbol, such as '^7'"),
            ("alias", "the new name, such as 'maj7'"),
            ("dictionaries", "a dictionary or a list of them"),
        ],
        example: "voicingAlias('^7', 'maj7', [simple, complex])\n$: chord(\"Cmaj7\").voicing()",
    },
    FnDoc {
        names: &["resetVoicings"],
        category: "Harmony",
        summary: "Forgets the previous chord of `voicings` and makes 'ireal' the default dictionary again.",
        params: &[],
        example: "resetVoicings()\n$: chord(\"C\").voicing()",
    },
    FnDoc {
        names: &["setDefaultVoicings"],
        category: "Harmony",
        summary: "Chooses the dictionary `voicing()` uses when `dict` is not set (initially 'ireal').",
        params: &[("name", "a registered dictionary")],
        example: "setDefaultVoicings('triads')\n$: chord(\"<C Am>\").voicing()",
    },
    FnDoc {
        names: &["simple"],
        category: "Harmony",
        summary: "The built-in 'ireal' voicing dictionary as a value (for `voicingAlias` or `addVoicings`).",
        params: &[],
        example: "addVoicings('copy', simple)\n$: chord(\"C^7\").dict('copy').voicing()",
    },
    FnDoc {
        names: &["complex"],
        category: "Harmony",
        summary: "The built-in 'ireal-ext' voicing dictionary (extended chords) as a value.",
        params: &[],
        example: "addVoicings('ext', complex)\n$: chord(\"C^7\").dict('ext').voicing()",
    },
    FnDoc {
        names: &["voicingRegistry"],
        category: "Harmony",
        summary: "All voicing dictionaries of the program by name, each with its `dictionary` and `range`, as a value.",
        params: &[],
        example: "pure(voicingRegistry.triads.range)",
    },
    FnDoc {
        names: &["packageName"],
        category: "Harmony",
        summary: "The name of the reference package the harmony functions follow, '@strudel/tonal'.",
        params: &[],
        example: "s(packageName)",
    },
    FnDoc {
        names: &["voicings"],
        category: "Harmony",
        summary: "The older way to voice chord names: each chord becomes the notes of the dictionary voicing (within the dictionary's range) whose top note is closest to the previous chord's. Prefer `voicing()`.",
        params: &[("dictionary", "a registered dictionary, such as 'lefthand'")],
        example: "stack(\"<C^7 A7 Dm7 G7>\".voicings('lefthand'), \"<C3 A2 D3 G2>\").note()",
    },
];
