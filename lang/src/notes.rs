//! Note names as the pattern language writes them: a letter `a`–`g`
//! (either case), any number of accidentals (`#`/`s` sharp, `b`/`f` flat)
//! and an optional octave (default 3 where a number is needed).

/// Splits a note name into letter, accidentals and octave.
pub fn tokenize_note(s: &str) -> Option<(char, &str, Option<i64>)> {
    let mut chars = s.char_indices();
    let (_, letter) = chars.next()?;
    if !matches!(letter.to_ascii_lowercase(), 'a'..='g') {
        return None;
    }
    let rest = &s[1..];
    let acc_len = rest
        .find(|c: char| !matches!(c, '#' | 'b' | 's' | 'f'))
        .unwrap_or(rest.len());
    let (acc, oct) = rest.split_at(acc_len);
    let digits = oct.strip_prefix('-').unwrap_or(oct);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if digits.is_empty() {
        // A lone "-" is not an octave.
        return if oct.is_empty() {
            Some((letter, acc, None))
        } else {
            None
        };
    }
    let n: i64 = oct.parse().ok()?;
    Some((letter, acc, Some(n)))
}

/// True for note names such as `c`, `Eb4`, `f#-1`.
pub fn is_note(s: &str) -> bool {
    tokenize_note(s).is_some()
}

/// Semitones added by a run of accidentals.
pub fn accidental_offset(acc: &str) -> i64 {
    acc.chars()
        .map(|c| match c {
            '#' | 's' => 1,
            'b' | 'f' => -1,
            _ => 0,
        })
        .sum()
}

/// MIDI number of a note name (`c4` = 60); octave defaults to `default_octave`.
pub fn note_to_midi(s: &str, default_octave: i64) -> Option<f64> {
    let (letter, acc, oct) = tokenize_note(s)?;
    let chroma = match letter.to_ascii_lowercase() {
        'c' => 0,
        'd' => 2,
        'e' => 4,
        'f' => 5,
        'g' => 7,
        'a' => 9,
        _ => 11,
    };
    let oct = oct.unwrap_or(default_octave);
    Some(((oct + 1) * 12 + chroma + accidental_offset(acc)) as f64)
}

/// Frequency in Hz of a MIDI number (A4 = 69 = 440 Hz).
pub fn midi_to_freq(m: f64) -> f64 {
    2f64.powf((m - 69.0) / 12.0) * 440.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(note_to_midi("c4", 3), Some(60.0));
        assert_eq!(note_to_midi("c", 3), Some(48.0));
        assert_eq!(note_to_midi("eb3", 3), Some(51.0));
        assert_eq!(note_to_midi("F#2", 3), Some(42.0));
        assert_eq!(note_to_midi("css4", 3), Some(62.0));
        assert_eq!(note_to_midi("a-1", 3), Some(9.0));
        assert!(is_note("bb"));
        assert!(!is_note("bd"));
        assert!(!is_note("h"));
        assert!(!is_note("c-"));
        assert!(!is_note(""));
    }
}
