//! Scales: the scale-type dictionary, scale names (`"C4 minor
//! pentatonic"`), and what the pattern functions `scale`, `scaleTranspose`
//! need on single values.

use super::data::SCALE_TYPES;
use super::js;
use super::notes;
use super::pitch::{self, Reader};
use super::NoteValue;
use std::collections::HashMap;
use std::sync::OnceLock;

/// An entry of the scale dictionary.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleType {
    pub name: &'static str,
    /// Intervals above the tonic, e.g. `["1P", "2M", "3m", …]`.
    pub intervals: Vec<&'static str>,
    pub aliases: &'static [&'static str],
    /// Pitch-class set as a 12-character bit string, C first.
    pub chroma: String,
    /// `chroma` read as a binary number.
    pub set_num: u32,
}

pub(crate) fn chroma_of(intervals: &[&str]) -> (String, u32) {
    let mut bits = [false; 12];
    for i in intervals {
        let c = match pitch::note(i) {
            Some(n) => n.chroma,
            None => match pitch::parse_interval(i, Reader::Strict) {
                Some(iv) => iv.chroma,
                None => continue,
            },
        };
        if c.fract() == 0.0 && (0.0..12.0).contains(&c) {
            bits[c as usize] = true;
        }
    }
    let chroma: String = bits.iter().map(|&b| if b { '1' } else { '0' }).collect();
    let num = u32::from_str_radix(&chroma, 2).unwrap_or(0);
    (chroma, num)
}

struct Dictionary {
    types: Vec<ScaleType>,
    index: HashMap<String, usize>,
}

fn dictionary() -> &'static Dictionary {
    static DICT: OnceLock<Dictionary> = OnceLock::new();
    DICT.get_or_init(|| {
        let mut types = Vec::new();
        let mut index = HashMap::new();
        for (i, (ivls, name, aliases)) in SCALE_TYPES.iter().enumerate() {
            let intervals: Vec<&'static str> = ivls.split(' ').collect();
            let (chroma, set_num) = chroma_of(&intervals);
            // Later entries win, as in the reference's index.
            index.insert(name.to_string(), i);
            index.insert(set_num.to_string(), i);
            index.insert(chroma.clone(), i);
            for a in aliases.iter() {
                index.insert(a.to_string(), i);
            }
            types.push(ScaleType {
                name,
                intervals,
                aliases,
                chroma,
                set_num,
            });
        }
        Dictionary { types, index }
    })
}

/// All scale types, in dictionary order.
pub fn scale_types() -> &'static [ScaleType] {
    &dictionary().types
}

/// Looks up a scale type by name, alias, set number or chroma
/// (case-sensitive; scale names are lower case).
pub fn scale_type(name: &str) -> Option<&'static ScaleType> {
    let d = dictionary();
    d.index.get(name).map(|&i| &d.types[i])
}

/// Names of all scale types (without aliases), in dictionary order.
pub fn scale_names() -> Vec<&'static str> {
    scale_types().iter().map(|t| t.name).collect()
}

/// Every name a scale type can be given by: names and aliases.
pub fn scale_names_and_aliases() -> Vec<&'static str> {
    scale_types()
        .iter()
        .flat_map(|t| std::iter::once(t.name).chain(t.aliases.iter().copied()))
        .collect()
}

/// A scale: a type, optionally on a tonic.
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    /// `"C4 minor pentatonic"`, or just the type name without tonic.
    pub name: String,
    /// The scale type's (main) name.
    pub type_name: &'static str,
    /// Normalised tonic (`"C4"`, `"Eb"`), `None` when none was given.
    pub tonic: Option<String>,
    pub intervals: Vec<&'static str>,
    /// Notes from the tonic, with its octave if it has one; empty without
    /// tonic.
    pub notes: Vec<String>,
    pub aliases: &'static [&'static str],
}

/// Splits a scale name at the first space into tonic and (lower-cased)
/// type: `"C4 Minor"` → `("C4", "minor")`, `"major"` → `("", "major")`,
/// `"C"` → `("C", "")`.
pub fn scale_tokenize(name: &str) -> (String, String) {
    let Some(sp) = name.find(' ') else {
        return match pitch::note(name) {
            Some(n) => (n.name, String::new()),
            None => (String::new(), name.to_lowercase()),
        };
    };
    match pitch::note(&name[..sp]) {
        // The type starts one character after the *normalised* tonic name,
        // so `"cx major"` (tonic `C##`) leaves `"ajor"`.
        Some(t) => {
            let ty = js::substring_from(name, js::utf16_len(&t.name) + 1).to_lowercase();
            (t.name, ty)
        }
        None => match pitch::note(name) {
            Some(n) => (n.name, String::new()),
            None => (String::new(), name.to_lowercase()),
        },
    }
}

/// Looks up a scale by name: `"C major"`, `"D4 minor pentatonic"`,
/// `"pentatonic"`, `"C 2773"` (set number). Tokens are separated by spaces.
pub fn scale_get(name: &str) -> Option<Scale> {
    let (tonic, ty) = scale_tokenize(name);
    let tonic = pitch::note(&tonic).map(|n| n.name).unwrap_or_default();
    let st = scale_type(&ty)?;
    let notes = if tonic.is_empty() {
        Vec::new()
    } else {
        st.intervals
            .iter()
            .map(|i| pitch::transpose(&tonic, i))
            .collect()
    };
    Some(Scale {
        name: if tonic.is_empty() {
            st.name.to_string()
        } else {
            format!("{} {}", tonic, st.name)
        },
        type_name: st.name,
        tonic: if tonic.is_empty() { None } else { Some(tonic) },
        intervals: st.intervals.clone(),
        notes,
        aliases: st.aliases,
    })
}

/// A scale name as the pattern functions read it: `:` separates tonic and
/// type words (`"C:major"`, `"A2:minor:pentatonic"`); spaces work too. The
/// error is the reference's message.
pub fn get_scale(name: &str) -> Result<Scale, String> {
    let name = name.replace(':', " ");
    scale_get(&name).ok_or_else(|| {
        format!(
            "Scale name {} is incomplete. Make sure to use \":\" instead of spaces, example: .scale(\"C:major\")",
            name
        )
    })
}

fn octaves_interval(octaves: f64) -> String {
    let base = if octaves <= 0.0 { -1.0 } else { 1.0 };
    format!("{}P", js::num_to_string(base + octaves * 7.0))
}

/// Note name of a scale degree, counting from 0 at the tonic, as
/// `n("…").scale(name)` computes it. The step is rounded up; the tonic's
/// octave defaults to 3; steps beyond the scale wrap into other octaves:
/// step 0 of `"C:major"` is `"C3"`, 7 is `"C4"`, -1 is `"B2"`. A step that
/// is not a finite number gives `""` (as the reference does).
pub fn scale_step(step: f64, scale_name: &str) -> Result<String, String> {
    let step = step.ceil();
    let scale = get_scale(scale_name)?;
    let tonic = scale.tonic.unwrap_or_else(|| "C".to_string());
    let (pc, oct) = match pitch::note(&tonic) {
        Some(n) => (n.pc, n.oct.unwrap_or(3.0)),
        None => (String::new(), 3.0),
    };
    let len = scale.intervals.len() as f64;
    let octave_offset = (step / len).floor();
    let interval = js::at(&scale.intervals, js::modulo(step, len))
        .and_then(|i| pitch::interval_add(i, &octaves_interval(octave_offset)));
    let start = format!("{}{}", pc, js::num_to_string(oct));
    Ok(match interval {
        Some(i) => pitch::transpose(&start, &i),
        None => String::new(),
    })
}

/// Reads a scale step: a number, or a string holding an integer followed
/// by accidentals (`"2#"`, `"-1b"`, `"3##"`, `"1s"`, `"2f"`). Returns the
/// number and the semitone offset of the accidentals.
pub fn convert_step(step: &NoteValue) -> Result<(f64, i32), String> {
    let as_number = match step {
        NoteValue::Num(n) => *n,
        NoteValue::Str(s) => js::to_number(s),
    };
    if !as_number.is_nan() {
        return Ok((as_number, 0));
    }
    let text = match step {
        NoteValue::Num(n) => js::num_to_string(*n),
        NoteValue::Str(s) => s.clone(),
    };
    let digits_start = usize::from(text.starts_with('-'));
    let digits_len = text[digits_start..]
        .bytes()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let (number, acc) = text.split_at(digits_start + digits_len);
    if digits_len == 0 || !acc.bytes().all(|b| matches!(b, b'#' | b'b' | b's' | b'f')) {
        return Err(format!(
            "invalid scale step \"{}\", expected number or integer with optional # b suffixes",
            text
        ));
    }
    Ok((js::to_number(number), notes::accidentals_offset(acc)))
}

/// Index of the number nearest to `target`; on ties the first one, or the
/// last one with `prefer_higher`.
pub fn nearest_number_index(target: f64, numbers: &[f64], prefer_higher: bool) -> usize {
    let mut best = 0;
    let mut best_diff = f64::INFINITY;
    for (i, s) in numbers.iter().enumerate() {
        let diff = (s - target).abs();
        if (!prefer_higher && diff < best_diff) || (prefer_higher && diff <= best_diff) {
            best = i;
            best_diff = diff;
        }
    }
    best
}

/// `x` as MIDI: numbers as they are, note names with the given default
/// octave. Err is the reference's "not a note" message.
pub(crate) fn value_to_midi(x: &NoteValue, default_octave: f64) -> Result<f64, String> {
    match x {
        NoteValue::Num(n) => Ok(*n),
        NoteValue::Str(s) => {
            notes::note_to_midi(s, default_octave).ok_or_else(|| format!("not a note: \"{}\"", s))
        }
    }
}

/// Step within a scale given as MIDI number, optionally relative to an
/// anchor note (step 0 is then the scale note nearest the anchor). This is
/// what `n(…).anchor(a).scale(name)` uses. The scale name is split at its
/// first space (`"C4 major"`; write `:` as space). Invalid scale types give
/// `NaN`, as in the reference; a tonic that is not a note is an error.
pub fn step_in_named_scale(
    step: f64,
    scale: &str,
    anchor: Option<&NoteValue>,
    prefer_higher: bool,
) -> Result<f64, String> {
    let (root, type_name) = scale_tokenize(scale);
    let root_midi = value_to_midi(&NoteValue::Str(root), 3.0)?;
    let root_chroma = root_midi % 12.0;
    let steps: Vec<f64> = scale_get(&format!("C {}", type_name))
        .map(|s| s.intervals.iter().map(|i| step_to_semitones(i)).collect())
        .unwrap_or_default();
    let mut step = step;
    let mut transpose = root_midi;
    if let Some(anchor) = anchor.filter(|a| a.is_truthy()) {
        let anchor = value_to_midi(anchor, 3.0)?;
        let anchor_chroma = anchor % 12.0;
        let anchor_diff = js::modulo(anchor_chroma - root_chroma, 12.0);
        let zero = nearest_number_index(anchor_diff, &steps, prefer_higher);
        step += zero as f64;
        transpose = anchor - anchor_diff;
    }
    let len = steps.len() as f64;
    let oct_offset = (step / len).floor() * 12.0;
    let target = js::at(&steps, js::modulo(step, len))
        .copied()
        .unwrap_or(f64::NAN);
    Ok(target + transpose + oct_offset)
}

/// A number, or else the semitones of an interval name (`NaN` if neither).
pub(crate) fn step_to_semitones(x: &str) -> f64 {
    let n = js::to_number(x);
    if !n.is_nan() {
        return n;
    }
    pitch::interval_semitones_f64(x).unwrap_or(f64::NAN)
}

/// The scale note nearest to a note (name or MIDI number); on ties the
/// higher one. Keeps the octave: `("C:major", "db4")` → `"D4"`. This is how
/// `note("…").scale(name)` quantises.
pub fn nearest_scale_note(scale_name: &str, note: &NoteValue) -> Result<String, String> {
    let note_midi = value_to_midi(note, 3.0)?;
    let scale = get_scale(scale_name)?;
    let pc = scale
        .tonic
        .as_deref()
        .and_then(pitch::note)
        .map(|n| n.pc)
        .unwrap_or_default();
    let start = format!("{}0", pc);
    let names: Vec<String> = scale
        .intervals
        .iter()
        .copied()
        .chain(std::iter::once("8P"))
        .map(|i| pitch::transpose(&start, i))
        .collect();
    let mut midis = Vec::with_capacity(names.len());
    for n in &names {
        midis.push(value_to_midi(&NoteValue::Str(n.clone()), 3.0)?);
    }
    let root = midis[0];
    let octave_diff = ((note_midi - root) / 12.0).floor();
    let aligned: Vec<f64> = midis.iter().map(|m| m + 12.0 * octave_diff).collect();
    let idx = nearest_number_index(note_midi, &aligned, true);
    Ok(pitch::transpose(
        &names[idx],
        &pitch::interval_from_semitones_f64(12.0 * octave_diff),
    ))
}

/// Why `scale` produced no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScaleError {
    /// The reference logs `[tonal] error: <message>` and drops the event.
    Dropped(String),
    /// The reference throws: the whole query fails with this message.
    Thrown(String),
}

impl ScaleError {
    pub fn message(&self) -> &str {
        match self {
            ScaleError::Dropped(m) | ScaleError::Thrown(m) => m,
        }
    }
}

/// `.scale(name)` on one value (the event's `note`, else `n`, else the
/// bare value):
/// - note names (`"c4"`, `"eb"`) are quantised to the nearest scale note
///   (a name);
/// - numbers and step strings (`"2#"`) are scale degrees from 0, giving a
///   note name, or a MIDI number when `anchor` is set (a non-empty,
///   non-zero `anchor` control); accidentals then shift by semitones.
///
/// `scale` is the scale as written in the pattern (`"C:major"`,
/// `"A2:minor:pentatonic"`, `"C major"`); `:` is read as in mini-notation.
pub fn scale_value(
    value: &NoteValue,
    scale: &str,
    anchor: Option<&NoteValue>,
) -> Result<NoteValue, ScaleError> {
    let scale = scale.replace(':', " ");
    if let NoteValue::Str(s) = value {
        if notes::is_note(s) {
            return nearest_scale_note(&scale, value)
                .map(NoteValue::Str)
                .map_err(ScaleError::Thrown);
        }
    }
    let (number, offset) = convert_step(value).map_err(ScaleError::Dropped)?;
    let note = match anchor.filter(|a| a.is_truthy()) {
        Some(a) => NoteValue::Num(
            step_in_named_scale(number, &scale, Some(a), false).map_err(ScaleError::Dropped)?,
        ),
        None => NoteValue::Str(scale_step(number, &scale).map_err(ScaleError::Dropped)?),
    };
    if offset == 0 {
        return Ok(note);
    }
    let shifted = match &note {
        NoteValue::Str(s) => pitch::transpose(s, &pitch::interval_from_semitones(offset)),
        // A MIDI number is not a note name: the reference gets "".
        NoteValue::Num(_) => String::new(),
    };
    Ok(NoteValue::Str(shifted))
}

/// Moves a note by `offset` steps within a scale, as `.scaleTranspose`
/// does for an event whose `note` is `note`: `("C:major", 1, "E4")` →
/// `"F4"`. The note must be a pitch class of the scale as spelled there;
/// the octave (default 3) changes when passing a note whose letter is C.
/// Offsets beyond ±10⁷ steps are refused (the reference walks step by
/// step and never finishes for an infinite offset).
pub fn scale_offset(scale: &str, offset: f64, note: &NoteValue) -> Result<String, String> {
    let pcs: Vec<String> = get_scale(scale)?
        .notes
        .iter()
        .map(|n| pitch::note(n).map(|n| n.pc).unwrap_or_default())
        .collect();
    if offset.is_nan() {
        return Err("scale offset \"NaN\" not a number".to_string());
    }
    let parsed = match note {
        NoteValue::Str(s) => pitch::note(s),
        NoteValue::Num(_) => None,
    };
    let (from_pc, oct) = match &parsed {
        Some(n) => (n.pc.clone(), n.oct.unwrap_or(3.0)),
        None => (String::new(), 3.0),
    };
    let Some(note_index) = pcs.iter().position(|p| *p == from_pc) else {
        let shown = match note {
            NoteValue::Str(s) => s.clone(),
            NoteValue::Num(n) => js::num_to_string(*n),
        };
        return Err(format!("note \"{}\" is not in scale \"{}\"", shown, scale));
    };
    if offset.abs() > 1e7 {
        return Err(format!(
            "scale offset \"{}\" out of range",
            js::num_to_string(offset)
        ));
    }
    let note_index = note_index as f64;
    let direction = if offset > 0.0 {
        1.0
    } else if offset < 0.0 {
        -1.0
    } else {
        0.0
    };
    let (mut i, mut o, mut n) = (note_index, oct, from_pc);
    while (i - note_index).abs() < offset.abs() {
        i += direction;
        let index = js::modulo(i, pcs.len() as f64) as usize;
        if direction < 0.0 && n.starts_with('C') {
            o += direction;
        }
        n = pcs[index].clone();
        if direction > 0.0 && n.starts_with('C') {
            o += direction;
        }
    }
    Ok(format!("{}{}", n, js::num_to_string(o)))
}

/// `.scaleTranspose(offset)` on a bare value (not a map of controls): only
/// strings are accepted. `scale` is the scale the value was tagged with by
/// `.scale`. Errors make the reference's query fail.
pub fn scale_transpose_value(
    value: &NoteValue,
    offset: &NoteValue,
    scale: &str,
) -> Result<String, String> {
    match value {
        NoteValue::Str(_) => scale_offset(scale, offset.to_number(), value),
        NoteValue::Num(_) => Err("can only use scaleTranspose with notes".to_string()),
    }
}
