//! Music theory for patterns: note names, intervals, transposition with
//! correct spelling, scales, chords and chord voicings.
//!
//! Everything here works on plain strings and numbers and reproduces the
//! results of the reference implementation's tonal functions exactly
//! (including its edge cases), so that `scale`, `scaleTranspose`,
//! `transpose`, `voicing` and `rootNotes` give the same events.
//!
//! Overview:
//! - note names as patterns use them ([`is_note`], [`note_to_midi`], …),
//!   where `s`/`#` are sharps and `f`/`b` flats;
//! - spelled pitches and intervals ([`note`], [`interval`],
//!   [`transpose_note`], [`interval_from_semitones`], [`interval_add`]);
//! - scales ([`get_scale`], [`scale_step`], [`scale_value`],
//!   [`scale_offset`], [`scale_names`]);
//! - chords ([`chord_get`], [`chord_symbols`]) and voicings ([`voicing`]);
//! - [`transpose_value`] for `.transpose(amount)`.
//!
//! Reference behaviour that is easy to get wrong (all reproduced here):
//! - scale steps round up (`0.5` is step 1); accidentals on steps are
//!   applied as the interval [`interval_from_semitones`] names, so `"-1b"`
//!   in C major is `A#2` and `"2#"` in D4 minor is `Gb4`;
//! - with an `anchor`, `scale` yields MIDI numbers, and a step with
//!   accidentals then yields `""`;
//! - `transpose` on names written with `s`/`f` (`"cs4"`) or by fractional
//!   semitones yields `""`; a number plus a numeric *string* adds nothing;
//! - the interval functions find an interval at the start or end of the
//!   text (`"3Mxyz"` is 4 semitones) while transposition needs the whole
//!   text to be one;
//! - `"cx:major"` is not a scale (the normalised tonic `C##` is longer than
//!   the written one, which shifts where the type is read);
//! - `voicing()` ignores the mode and anchor a dictionary was registered
//!   with (unset controls are always `below` and `c5`), and `offset` moves
//!   up an octave for every started round through the voicings
//!   (`offset = 1` on `C` gives `G4 C5 E5 G5 C6`);
//! - chord symbols: `C4` is a quartal chord, `C2192` (a set number) is a C
//!   major triad, slash chords are not symbols (but `C6/9` is).

mod chord;
mod data;
mod js;
pub mod notes;
pub(crate) mod pitch;
pub mod registry;
mod scale;
mod voicing;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_data;

pub use chord::{
    chord_get, chord_symbols, chord_tokenize, chord_type, chord_types, Chord, ChordType,
};
pub use js::{num_to_string, to_number};
pub use notes::{
    accidentals_offset, freq_to_midi, is_note, is_note_with_octave, midi_to_flat_name,
    midi_to_freq, midi_to_note_name, midi_to_pitch_class, note_to_midi, tokenize_note,
};
pub use pitch::{
    interval, interval_add, interval_from_semitones, interval_semitones, note, transpose_note,
    Interval, Note,
};
pub use scale::{
    convert_step, get_scale, nearest_number_index, nearest_scale_note, scale_get, scale_names,
    scale_names_and_aliases, scale_offset, scale_step, scale_tokenize, scale_transpose_value,
    scale_type, scale_types, scale_value, step_in_named_scale, Scale, ScaleError, ScaleType,
};
pub use voicing::{
    render_dict, render_voicing, root_note, tokenize_chord, voicing, voicing_dictionary_names,
    voicing_symbols, voicing_with, voicings_for, VoicingControls, DEFAULT_VOICING_DICTIONARY,
};

/// A value as the pattern functions see it: a number or a string.
#[derive(Clone, Debug, PartialEq)]
pub enum NoteValue {
    Num(f64),
    Str(String),
}

impl NoteValue {
    /// Truthiness as in the reference: `0`, `NaN` and `""` are false.
    pub fn is_truthy(&self) -> bool {
        match self {
            NoteValue::Num(n) => *n != 0.0 && !n.is_nan(),
            NoteValue::Str(s) => !s.is_empty(),
        }
    }

    /// Numeric reading (`"3"` → 3, `""` → 0, `"x"` → NaN).
    pub fn to_number(&self) -> f64 {
        match self {
            NoteValue::Num(n) => *n,
            NoteValue::Str(s) => js::to_number(s),
        }
    }

    /// Text form (`3`, `0.5`, `NaN`, or the string itself).
    pub fn to_js_string(&self) -> String {
        match self {
            NoteValue::Num(n) => js::num_to_string(*n),
            NoteValue::Str(s) => s.clone(),
        }
    }
}

impl From<f64> for NoteValue {
    fn from(n: f64) -> NoteValue {
        NoteValue::Num(n)
    }
}

impl From<&str> for NoteValue {
    fn from(s: &str) -> NoteValue {
        NoteValue::Str(s.to_string())
    }
}

impl From<String> for NoteValue {
    fn from(s: String) -> NoteValue {
        NoteValue::Str(s)
    }
}

/// `.transpose(amount)` on one note value:
/// - a number (MIDI) plus a number of semitones, or plus the semitones of
///   an interval name (`"3M"`; anything else counts as 0);
/// - a note name transposed by an interval name (spelling kept:
///   `("c4", "3m")` → `"Eb4"`), or by semitones, which are first turned
///   into an interval name ([`interval_from_semitones`]: `6` → `5d`).
///   Names using `s`/`f` accidentals (`"cs4"`) and fractional semitones
///   give `""`, as in the reference.
///
/// `Err(warning)` for strings that are not note names: the reference logs
/// the warning and leaves the value unchanged.
pub fn transpose_value(value: &NoteValue, amount: &NoteValue) -> Result<NoteValue, String> {
    match value {
        NoteValue::Num(n) => {
            let semitones = match amount {
                NoteValue::Num(a) => *a,
                NoteValue::Str(s) => pitch::interval_semitones_f64(s)
                    .filter(|x| !x.is_nan())
                    .unwrap_or(0.0),
            };
            Ok(NoteValue::Num(n + semitones))
        }
        NoteValue::Str(s) if notes::is_note(s) => {
            let as_number = amount.to_number();
            let interval = if as_number.is_nan() {
                amount.to_js_string()
            } else {
                pitch::interval_from_semitones_f64(as_number)
            };
            Ok(NoteValue::Str(pitch::transpose(s, &interval)))
        }
        NoteValue::Str(s) => Err(format!("[tonal] transpose: not a note \"{}\"", s)),
    }
}
