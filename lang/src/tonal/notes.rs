//! Note names as the pattern layer reads them: `c4`, `eb3`, `f#`, `cs2`
//! (`s` = sharp), `bf` (`f` = flat). These are independent of the music
//! theory parser in [`super::pitch`], which does not know `s`/`f`.

use super::js;

/// Splits `letter accidentals digits` where the accidentals may be any of
/// `#bsf` and the octave may carry a minus sign. `None` if `s` is not of
/// that shape.
fn split_note(s: &str, allow_minus: bool) -> Option<(char, &str, &str)> {
    let mut chars = s.char_indices();
    let (_, letter) = chars.next()?;
    if !matches!(letter.to_ascii_lowercase(), 'a'..='g') {
        return None;
    }
    let rest = &s[letter.len_utf8()..];
    let acc_len = rest
        .bytes()
        .take_while(|b| matches!(b, b'#' | b'b' | b's' | b'f'))
        .count();
    let (acc, oct) = rest.split_at(acc_len);
    let digits = if allow_minus {
        oct.strip_prefix('-').unwrap_or(oct)
    } else {
        oct
    };
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        Some((letter, acc, oct))
    } else {
        None
    }
}

/// True for note names: a letter `a`–`g` (any case), any number of `#`,
/// `b`, `s`, `f` and an optional, possibly negative, octave number.
pub fn is_note(s: &str) -> bool {
    split_note(s, true).is_some()
}

/// Like [`is_note`] but without negative octaves.
pub fn is_note_with_octave(s: &str) -> bool {
    split_note(s, false).is_some()
}

/// Splits a note name into letter, accidentals and octave. The octave is
/// `None` when absent; a lone `-` gives `Some(NaN)`, as in the reference.
pub fn tokenize_note(s: &str) -> Option<(char, String, Option<f64>)> {
    let (letter, acc, oct) = split_note(s, true)?;
    let oct = if oct.is_empty() {
        None
    } else {
        Some(js::to_number(oct))
    };
    Some((letter, acc.to_string(), oct))
}

/// Semitone offset of a run of accidentals: `#`/`s` +1, `b`/`f` −1. Any
/// other character makes the whole run count as 0 (reference behaviour).
pub fn accidentals_offset(acc: &str) -> i32 {
    let mut sum = 0;
    for c in acc.chars() {
        match c {
            '#' | 's' => sum += 1,
            'b' | 'f' => sum -= 1,
            _ => return 0,
        }
    }
    sum
}

/// MIDI number of a note name; `default_octave` is used when the name has
/// no octave (the reference's default is 3). `None` when `s` is not a note
/// name (the reference throws `not a note: "<s>"`). `c-` gives `NaN`.
pub fn note_to_midi(s: &str, default_octave: f64) -> Option<f64> {
    let (letter, acc, oct) = tokenize_note(s)?;
    let chroma = match letter.to_ascii_lowercase() {
        'c' => 0.0,
        'd' => 2.0,
        'e' => 4.0,
        'f' => 5.0,
        'g' => 7.0,
        'a' => 9.0,
        _ => 11.0,
    };
    let oct = oct.unwrap_or(default_octave);
    Some((oct + 1.0) * 12.0 + chroma + accidentals_offset(&acc) as f64)
}

/// Frequency in Hz of a (possibly fractional) MIDI number, A4 = 440 Hz.
pub fn midi_to_freq(midi: f64) -> f64 {
    crate::jsmath::pow(2.0, (midi - 69.0) / 12.0) * 440.0
}

/// MIDI number (fractional) of a frequency in Hz.
pub fn freq_to_midi(freq: f64) -> f64 {
    (12.0 * crate::jsmath::ln(freq / 440.0)) / std::f64::consts::LN_2 + 69.0
}

const FLAT_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
];
const SHARP_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Note name of a MIDI number, rounding to the nearest integer first
/// (`61` → `"Db4"`, or `"C#4"` with `sharps`). `None` for non-finite or
/// negative input (where the reference produces no usable name).
pub fn midi_to_note_name(midi: f64, sharps: bool) -> Option<String> {
    if !midi.is_finite() {
        return None;
    }
    let m = js::round(midi);
    if m < 0.0 {
        return None;
    }
    let names = if sharps { &SHARP_NAMES } else { &FLAT_NAMES };
    let pc = names[(m % 12.0) as usize];
    Some(format!(
        "{}{}",
        pc,
        js::num_to_string((m / 12.0).floor() - 1.0)
    ))
}

/// Pitch class (no octave) of a MIDI number; see [`midi_to_note_name`].
pub fn midi_to_pitch_class(midi: f64, sharps: bool) -> Option<&'static str> {
    if !midi.is_finite() {
        return None;
    }
    let m = js::round(midi);
    if m < 0.0 {
        return None;
    }
    let names = if sharps { &SHARP_NAMES } else { &FLAT_NAMES };
    Some(names[(m % 12.0) as usize])
}

/// The note naming used by the voicing code: flat names, octave
/// `floor(midi / 12) - 1`, no rounding. `None` for MIDI numbers that are
/// not integers in `0..` (or `-0`), where the reference's result is the
/// number `NaN` instead of a name.
pub fn midi_to_flat_name(midi: f64) -> Option<String> {
    let oct = (midi / 12.0).floor() - 1.0;
    let pc = js::at(&FLAT_NAMES, midi % 12.0)?;
    Some(format!("{}{}", pc, js::num_to_string(oct)))
}
