//! Chords: the chord-type dictionary and chord symbols (`Cm7`, `F#m7b5`,
//! `Bb^7`, `Eø`, `G7#9`, `Dsus4`).

use super::data::CHORD_TYPES;
use super::pitch;
use super::scale::chroma_of;
use std::collections::HashMap;
use std::sync::OnceLock;

/// An entry of the chord dictionary.
#[derive(Clone, Debug, PartialEq)]
pub struct ChordType {
    /// Full name (`"minor seventh"`); empty for some types.
    pub name: &'static str,
    /// `"Major"`, `"Minor"`, `"Augmented"`, `"Diminished"` or `"Unknown"`.
    pub quality: &'static str,
    pub intervals: Vec<&'static str>,
    /// Symbols, the first being the preferred one (`["m7", "min7", "mi7",
    /// "-7"]`). The major triad's symbols include the empty symbol.
    pub aliases: &'static [&'static str],
    pub chroma: String,
    pub set_num: u32,
}

fn quality(intervals: &[&str]) -> &'static str {
    let has = |i: &str| intervals.contains(&i);
    if has("5A") {
        "Augmented"
    } else if has("3M") {
        "Major"
    } else if has("5d") {
        "Diminished"
    } else if has("3m") {
        "Minor"
    } else {
        "Unknown"
    }
}

struct Dictionary {
    /// In data order.
    types: Vec<ChordType>,
    /// Indices into `types`, sorted by set number (stable).
    sorted: Vec<usize>,
    index: HashMap<String, usize>,
}

fn dictionary() -> &'static Dictionary {
    static DICT: OnceLock<Dictionary> = OnceLock::new();
    DICT.get_or_init(|| {
        let mut types = Vec::new();
        let mut index = HashMap::new();
        for (i, (ivls, name, aliases)) in CHORD_TYPES.iter().enumerate() {
            let intervals: Vec<&'static str> = ivls.split(' ').collect();
            let (chroma, set_num) = chroma_of(&intervals);
            // Later entries win, as in the reference's index.
            if !name.is_empty() {
                index.insert(name.to_string(), i);
            }
            index.insert(set_num.to_string(), i);
            index.insert(chroma.clone(), i);
            for a in aliases.iter() {
                index.insert(a.to_string(), i);
            }
            types.push(ChordType {
                name,
                quality: quality(&intervals),
                intervals,
                aliases,
                chroma,
                set_num,
            });
        }
        let mut sorted: Vec<usize> = (0..types.len()).collect();
        sorted.sort_by_key(|&i| types[i].set_num);
        Dictionary {
            types,
            sorted,
            index,
        }
    })
}

/// All chord types, ordered by set number like the reference's list.
pub fn chord_types() -> Vec<&'static ChordType> {
    let d = dictionary();
    d.sorted.iter().map(|&i| &d.types[i]).collect()
}

/// Looks up a chord type by symbol, full name, set number or chroma.
pub fn chord_type(symbol: &str) -> Option<&'static ChordType> {
    let d = dictionary();
    d.index.get(symbol).map(|&i| &d.types[i])
}

/// Every chord symbol the dictionary knows (non-empty ones), in dictionary
/// order: `M`, `^`, `maj`, `maj7`, `Δ`, …
pub fn chord_symbols() -> Vec<&'static str> {
    dictionary()
        .types
        .iter()
        .flat_map(|t| t.aliases.iter().copied())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A chord: a type, optionally on a tonic.
#[derive(Clone, Debug, PartialEq)]
pub struct Chord {
    /// `"Cm7"`; the symbol is normalised to the dictionary's first symbol
    /// unless the one given is one of the type's symbols.
    pub symbol: String,
    /// `"C minor seventh"`.
    pub name: String,
    /// Pitch class of the tonic, `None` for a bare type (`"m7"`).
    pub tonic: Option<String>,
    /// The chord type's full name (may be empty).
    pub type_name: &'static str,
    pub quality: &'static str,
    pub aliases: &'static [&'static str],
    pub intervals: Vec<&'static str>,
    /// Pitch classes from the tonic; empty without tonic.
    pub notes: Vec<String>,
}

/// Splits a chord symbol into tonic and type: `"Cmaj7"` → `("C",
/// "maj7")`, `"C7"` → `("C", "7")`, `"m7"` → `("", "m7")`, `"Aaug"` →
/// `("A", "aug")` but `"aug"` → `("", "aug")`.
pub fn chord_tokenize(name: &str) -> (String, String) {
    let (letter, acc, oct, ty) = pitch::tokenize(name);
    let Some(letter) = letter else {
        return (String::new(), name.to_string());
    };
    if letter == 'A' && ty == "ug" {
        return (String::new(), "aug".to_string());
    }
    (format!("{}{}", letter, acc), format!("{}{}", oct, ty))
}

fn chord_from(type_name: &str, tonic: &str) -> Option<Chord> {
    let ty = chord_type(type_name)?;
    let tonic_note = pitch::note(tonic);
    if !tonic.is_empty() && tonic_note.is_none() {
        return None;
    }
    let notes = match &tonic_note {
        Some(t) => ty
            .intervals
            .iter()
            .map(|i| pitch::transpose(&t.name, i))
            .collect(),
        None => Vec::new(),
    };
    let symbol_part = if ty.aliases.contains(&type_name) {
        type_name
    } else {
        ty.aliases[0]
    };
    let pc = tonic_note.as_ref().map(|t| t.pc.clone());
    Some(Chord {
        symbol: format!("{}{}", pc.as_deref().unwrap_or(""), symbol_part),
        name: match &pc {
            Some(pc) => format!("{} {}", pc, ty.name),
            None => ty.name.to_string(),
        },
        tonic: tonic_note.map(|t| t.name),
        type_name: ty.name,
        quality: ty.quality,
        aliases: ty.aliases,
        intervals: ty.intervals.clone(),
        notes,
    })
}

/// Parses a chord symbol: `"Cm7"`, `"F#m7b5"`, `"Bb^7"`, `"C"`, `"Ab7"`,
/// `"C6/9"`, `"Dø"`, or a bare type (`"m7"`, `"dim"`). Slash chords with a
/// bass note are not chord symbols here (`"C/E"` is `None`), as in the
/// reference.
pub fn chord_get(symbol: &str) -> Option<Chord> {
    if symbol.is_empty() {
        return None;
    }
    let (tonic, ty) = chord_tokenize(symbol);
    chord_from(&ty, &tonic).or_else(|| chord_from(symbol, ""))
}
