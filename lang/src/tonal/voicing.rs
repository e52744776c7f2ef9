//! Chord voicings as `chord("…").voicing()` renders them: a chord symbol
//! is looked up in a voicing dictionary (by default `ireal`), and the
//! voicing whose top (or bottom) note lies closest to an anchor note is
//! placed there.

use super::data::VOICING_DICTIONARIES;
use super::js;
use super::notes;
use super::registry::{VoicingDict, VoicingRegistry};
use super::scale::{step_to_semitones, value_to_midi};
use super::NoteValue;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The dictionary `voicing()` uses when none is given.
pub const DEFAULT_VOICING_DICTIONARY: &str = "ireal";

type Voicings = &'static [&'static str];

fn dictionaries() -> &'static HashMap<&'static str, HashMap<&'static str, Voicings>> {
    static DICTS: OnceLock<HashMap<&'static str, HashMap<&'static str, Voicings>>> =
        OnceLock::new();
    DICTS.get_or_init(|| {
        VOICING_DICTIONARIES
            .iter()
            .map(|(name, entries)| (*name, entries.iter().copied().collect()))
            .collect()
    })
}

/// Names of the built-in voicing dictionaries: `ireal` (the default),
/// `ireal-ext`, `lefthand`, `triads`, `guidetones`, `legacy`.
pub fn voicing_dictionary_names() -> Vec<&'static str> {
    VOICING_DICTIONARIES.iter().map(|(n, _)| *n).collect()
}

/// Chord symbols (the part after the root) a voicing dictionary knows, in
/// its order; empty for an unknown dictionary.
pub fn voicing_symbols(dictionary: &str) -> Vec<&'static str> {
    VOICING_DICTIONARIES
        .iter()
        .find(|(n, _)| *n == dictionary)
        .map(|(_, entries)| entries.iter().map(|(s, _)| *s).collect())
        .unwrap_or_default()
}

/// The voicings (interval lists) a dictionary has for a chord symbol.
pub fn voicings_for(dictionary: &str, symbol: &str) -> Option<&'static [&'static str]> {
    dictionaries().get(dictionary)?.get(symbol).copied()
}

/// The controls `voicing()` reads from an event. `None` means the control
/// is not set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VoicingControls {
    /// Chord symbol: root `A`–`G` with `#`/`b`, then the dictionary's symbol
    /// (`"Cm7"`, `"Bb^7"`, `"F#-7"`, `"C"`); an optional `/bass` is ignored.
    pub chord: String,
    /// Voicing dictionary name (default `ireal`).
    pub dictionary: Option<String>,
    /// Note name (default octave 4) or MIDI number the voicing is placed
    /// against (default `c5`).
    pub anchor: Option<NoteValue>,
    /// `below` (default): top note ≤ anchor; `duck`: like below but the
    /// anchor note itself is left out; `above`: bottom note ≥ anchor;
    /// `root`: always the first voicing, top note ≤ anchor.
    pub mode: Option<String>,
    /// Moves to the next (or previous) voicing of the chord.
    pub offset: Option<f64>,
    /// When set, only one note is produced: the `n`th note of the voicing
    /// counting from the bottom, wrapping into other octaves.
    pub n: Option<f64>,
    /// Octaves per wrap for `n` (default 1).
    pub octaves: Option<f64>,
}

impl VoicingControls {
    /// Controls with just a chord symbol; everything else default.
    pub fn chord(chord: &str) -> VoicingControls {
        VoicingControls {
            chord: chord.to_string(),
            ..VoicingControls::default()
        }
    }
}

/// Splits `Root symbol [/Bass]`; `None` if the chord does not have that
/// shape (root must be an upper-case letter).
pub fn tokenize_chord(chord: &str) -> Option<(String, String, Option<String>)> {
    let first = chord.chars().next()?;
    if !matches!(first, 'A'..='G') {
        return None;
    }
    let root_len = 1 + chord[1..]
        .bytes()
        .take_while(|b| matches!(b, b'b' | b'#'))
        .count();
    let (root, rest) = chord.split_at(root_len);
    let (symbol, bass) = match rest.find('/') {
        None => (rest, None),
        Some(i) => {
            let bass = &rest[i + 1..];
            let ok = bass.is_empty()
                || (matches!(bass.as_bytes()[0], b'A'..=b'G')
                    && bass[1..].bytes().all(|b| matches!(b, b'b' | b'#')));
            if !ok {
                return None;
            }
            (&rest[..i], (!bass.is_empty()).then(|| bass.to_string()))
        }
    };
    Some((root.to_string(), symbol.to_string(), bass))
}

fn pc_to_chroma(pc: &str) -> f64 {
    let mut chars = pc.chars();
    let letter = chars.next().map(|c| c.to_ascii_lowercase());
    let base = match letter {
        Some('c') => 0.0,
        Some('d') => 2.0,
        Some('e') => 4.0,
        Some('f') => 5.0,
        Some('g') => 7.0,
        Some('a') => 9.0,
        Some('b') => 11.0,
        _ => -1.0,
    };
    chars.fold(base, |sum, c| match c {
        '#' => sum + 1.0,
        'b' => sum - 1.0,
        _ => f64::NAN,
    })
}

/// The note of a voicing the anchor is compared with.
fn target_step(mode: &str, voicing: &[f64]) -> Option<f64> {
    match mode {
        "below" | "duck" => voicing.last().copied(),
        "above" | "root" => voicing.first().copied(),
        _ => None,
    }
}

/// `n`th note (from 0) of a list of notes, wrapping by `octaves` octaves.
fn nth_note(names: &[NoteValue], n: f64, octaves: f64) -> Option<f64> {
    let mut midis = Vec::with_capacity(names.len());
    for name in names {
        midis.push(match name {
            NoteValue::Str(s) => notes::note_to_midi(s, 3.0)?,
            NoteValue::Num(m) => *m,
        });
    }
    let len = midis.len() as f64;
    let oct_offset = (n / len).floor() * octaves * 12.0;
    Some(
        js::at(&midis, js::modulo(n, len))
            .copied()
            .unwrap_or(f64::NAN)
            + oct_offset,
    )
}

/// Renders a chord with a registered dictionary, as `voicing()` does for
/// one event: note names (flat spelling, e.g. `"Bb3"`) from the bottom up,
/// or a single MIDI number when `n` is set. Notes that fall below MIDI 0
/// (or off the semitone grid, with a fractional anchor) come out as the
/// number `NaN`, as in the reference. The error is the message the
/// reference logs (`[voicing]: unknown chord "…"`); it then plays nothing.
/// The dictionaries are those of the program being evaluated (see
/// [`super::registry`]).
///
/// Unlike what the dictionaries' registrations suggest, `voicing()` does not
/// apply a dictionary's own mode or anchor: unset controls always mean
/// `below` and `c5`.
pub fn voicing(controls: &VoicingControls) -> Result<Vec<NoteValue>, String> {
    voicing_with(&super::registry::current(), controls)
}

/// [`voicing`] with the dictionaries of a given registry.
pub fn voicing_with(
    registry: &VoicingRegistry,
    controls: &VoicingControls,
) -> Result<Vec<NoteValue>, String> {
    let name = controls.dictionary.as_deref().unwrap_or(&registry.default);
    let dict = registry.get(name).map(|r| r.dict.clone());
    render_dict(dict.as_deref(), controls)
}

/// [`voicing`] with a given dictionary (`None`: an unknown one).
/// `controls.dictionary` is ignored.
pub fn render_dict(
    dict: Option<&VoicingDict>,
    controls: &VoicingControls,
) -> Result<Vec<NoteValue>, String> {
    render(|symbol| dict?.get(symbol).cloned(), controls)
        .ok_or_else(|| format!("[voicing]: unknown chord \"{}\"", controls.chord))
}

/// [`voicing`] with a custom dictionary given as a lookup from chord symbol
/// to voicings (each a space-separated list of intervals or semitones above
/// the root). `controls.dictionary` is ignored.
pub fn render_voicing<F>(lookup: F, controls: &VoicingControls) -> Result<Vec<NoteValue>, String>
where
    F: Fn(&str) -> Option<&'static [&'static str]>,
{
    let owned = |symbol: &str| {
        lookup(symbol).map(|vs| {
            vs.iter()
                .map(|v| v.split(' ').map(str::to_string).collect())
                .collect()
        })
    };
    render(owned, controls)
        .ok_or_else(|| format!("[voicing]: unknown chord \"{}\"", controls.chord))
}

fn render<F>(lookup: F, c: &VoicingControls) -> Option<Vec<NoteValue>>
where
    F: Fn(&str) -> Option<Vec<Vec<String>>>,
{
    let (root, symbol, _bass) = tokenize_chord(&c.chord)?;
    let root_chroma = pc_to_chroma(&root);
    let anchor_value = c.anchor.clone().unwrap_or(NoteValue::Str("c5".to_string()));
    let anchor = value_to_midi(&anchor_value, 4.0).ok()?;
    let anchor_chroma = anchor % 12.0;
    let voicings: Vec<Vec<f64>> = lookup(&symbol)?
        .iter()
        .map(|v| v.iter().map(|s| step_to_semitones(s)).collect())
        .collect();
    let mode = c.mode.as_deref().unwrap_or("below");
    let offset = c.offset.unwrap_or(0.0);

    let mut best: Option<usize> = None;
    let mut min_distance = f64::NAN;
    let mut diffs = Vec::with_capacity(voicings.len());
    for (i, v) in voicings.iter().enumerate() {
        let t = target_step(mode, v)?;
        let diff = js::modulo(anchor_chroma - t - root_chroma, 12.0);
        if best.is_none() || diff < min_distance {
            min_distance = diff;
            best = Some(i);
        }
        diffs.push(diff);
    }
    if mode == "root" {
        best = Some(0);
    }
    let len = voicings.len() as f64;
    let oct_diff = (offset / len).ceil() * 12.0;
    let index = js::modulo(best? as f64 + offset, len);
    let voicing = js::at(&voicings, index)?;
    let target = target_step(mode, voicing)?;
    let anchor_midi = anchor - js::at(&diffs, index)? + oct_diff;
    let midis: Vec<f64> = voicing.iter().map(|v| anchor_midi - target + v).collect();
    let mut names: Vec<NoteValue> = midis
        .iter()
        .map(|&m| match notes::midi_to_flat_name(m) {
            Some(name) => NoteValue::Str(name),
            None => NoteValue::Num(f64::NAN),
        })
        .collect();
    if mode == "duck" {
        names = names
            .into_iter()
            .zip(&midis)
            .filter(|(_, &m)| m != anchor)
            .map(|(n, _)| n)
            .collect();
    }
    match c.n {
        Some(n) => Some(vec![NoteValue::Num(nth_note(
            &names,
            n,
            c.octaves.unwrap_or(1.0),
        )?)]),
        None => Some(names),
    }
}

/// The root of a chord symbol in an octave, as `rootNotes(octave)` gives
/// it: `("C^7", 2)` → `"C2"`, `("F#m7", 3)` → `"F#3"`. `None` when the
/// symbol does not start with a note letter (the reference then fails).
pub fn root_note(chord: &str, octave: &NoteValue) -> Option<String> {
    let first = chord.chars().next()?;
    if !matches!(first, 'a'..='g' | 'A'..='G') {
        return None;
    }
    if chord.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return None;
    }
    let acc = chord[1..].chars().next().filter(|c| *c == 'b' || *c == '#');
    let root = match acc {
        Some(a) => format!("{}{}", first, a),
        None => first.to_string(),
    };
    Some(format!("{}{}", root, octave.to_js_string()))
}
