//! Music theory on spelled pitches: note names (`C#4`, `Bbb`, `Fx3`),
//! interval names (`3M`, `-2m`, `M3`, `11P`, `4A`) and transposition on
//! the line of fifths, so that spelling is kept (`C` + `3m` = `Eb`,
//! `B2` − `2m` = `A#2`).
//!
//! A pitch is a pair of coordinates: fifths and octaves. Transposing adds
//! coordinates; names are read back from the sum. Numbers are `f64`
//! throughout so that edge cases (a lone `-` as octave, interval number
//! `0`) give the same results as the reference rather than panicking.

use super::js;

const SEMITONES: [f64; 7] = [0.0, 2.0, 4.0, 5.0, 7.0, 9.0, 11.0];
/// Position of each natural step (C D E F G A B) on the line of fifths.
const FIFTHS: [f64; 7] = [0.0, 2.0, 4.0, -1.0, 1.0, 3.0, 5.0];
/// `floor(FIFTHS[step] * 7 / 12)`
const STEPS_TO_OCTS: [f64; 7] = [0.0, 1.0, 2.0, -1.0, 0.0, 1.0, 2.0];
/// Step of each position `(fifths + 1) mod 7` on the line of fifths.
const FIFTHS_TO_STEPS: [usize; 7] = [3, 0, 4, 1, 5, 2, 6];
const LETTERS: [char; 7] = ['C', 'D', 'E', 'F', 'G', 'A', 'B'];
/// Whether the interval of each step is majorable (`M`) or perfectable (`P`).
const TYPES: [char; 7] = ['P', 'M', 'M', 'P', 'P', 'M', 'M'];

/// A parsed note name.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    /// Normalised name: upper-case letter, `x` spelled `##`, octave text
    /// as written (`cx4` → `C##4`, `C007` → `C007`).
    pub name: String,
    pub letter: char,
    /// Accidentals: a run of `#` or of `b`.
    pub acc: String,
    /// Pitch class: letter + accidentals.
    pub pc: String,
    /// 0 = C … 6 = B.
    pub step: usize,
    /// Semitones added by the accidentals.
    pub alt: f64,
    /// Octave, if written. `c-` has octave `NaN` (as in the reference).
    pub oct: Option<f64>,
    /// Pitch class number 0–11 (negative for absurd runs of flats).
    pub chroma: f64,
    /// MIDI number when the note has an octave and is in `0..=127`.
    pub midi: Option<f64>,
    /// Frequency in Hz when the note has an octave.
    pub freq: Option<f64>,
    coord: Coord,
}

/// Line-of-fifths coordinates: `[fifths]` for pitch classes and
/// `[fifths, octaves]` for pitches and intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Coord {
    Class(f64),
    Pitch(f64, f64),
}

/// Splits a note name into letter (upper-cased; `None` if the text does
/// not start with one), accidentals (`x` spelled `##`), octave text and the
/// text after any whitespace that follows.
pub(crate) fn tokenize(s: &str) -> (Option<char>, String, String, String) {
    let mut rest = s;
    let letter = match rest.chars().next() {
        Some(c) if matches!(c, 'a'..='g' | 'A'..='G') => {
            rest = &rest[1..];
            Some(c.to_ascii_uppercase())
        }
        _ => None,
    };
    let acc = match rest.as_bytes().first() {
        Some(&c) if c == b'#' || c == b'b' || c == b'x' => {
            let n = rest.bytes().take_while(|&b| b == c).count();
            let run = &rest[..n];
            rest = &rest[n..];
            if c == b'x' {
                "##".repeat(n)
            } else {
                run.to_string()
            }
        }
        _ => String::new(),
    };
    let mut oct_len = usize::from(rest.starts_with('-'));
    oct_len += rest[oct_len..]
        .bytes()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let oct = rest[..oct_len].to_string();
    let tail = rest[oct_len..].trim_start_matches(js::is_space).to_string();
    (letter, acc, oct, tail)
}

/// Parses a note name: `C4`, `eb`, `F##2`, `Bx`, `G-1`. Trailing
/// whitespace is allowed; `None` for anything else.
pub fn note(s: &str) -> Option<Note> {
    let (letter, acc, oct_str, tail) = tokenize(s);
    let letter = letter?;
    if !tail.is_empty() {
        return None;
    }
    let step = (letter as usize + 3) % 7;
    let alt = if acc.starts_with('b') {
        -(acc.len() as f64)
    } else {
        acc.len() as f64
    };
    let oct = if oct_str.is_empty() {
        None
    } else {
        Some(js::to_number(&oct_str))
    };
    let f = FIFTHS[step] + 7.0 * alt;
    let coord = match oct {
        None => Coord::Class(f),
        Some(o) => Coord::Pitch(f, o - STEPS_TO_OCTS[step] - 4.0 * alt),
    };
    let chroma = (SEMITONES[step] + alt + 120.0) % 12.0;
    let height = match oct {
        None => js::modulo(SEMITONES[step] + alt, 12.0) - 1188.0,
        Some(o) => SEMITONES[step] + alt + 12.0 * (o + 1.0),
    };
    let midi = if (0.0..=127.0).contains(&height) {
        Some(height)
    } else {
        None
    };
    let pc = format!("{}{}", letter, acc);
    Some(Note {
        name: format!("{}{}", pc, oct_str),
        letter,
        acc,
        pc,
        step,
        alt,
        oct,
        chroma,
        midi,
        freq: oct.map(|_| crate::jsmath::pow(2.0, (height - 69.0) / 12.0) * 440.0),
        coord,
    })
}

/// Name of the pitch at the given coordinates; `None` when they are not
/// numbers.
fn coord_to_note_name(coord: Coord) -> Option<String> {
    let (f, o) = match coord {
        Coord::Class(f) => (f, None),
        Coord::Pitch(f, o) => (f, Some(o)),
    };
    let i = (f + 1.0) % 7.0;
    let i = if i < 0.0 { 7.0 + i } else { i };
    let step = *js::at(&FIFTHS_TO_STEPS, i)?;
    let alt = ((f + 1.0) / 7.0).floor();
    if alt.is_nan() {
        return None;
    }
    let acc = if alt < 0.0 {
        "b".repeat((-alt) as usize)
    } else {
        "#".repeat(alt as usize)
    };
    let mut name = format!("{}{}", LETTERS[step], acc);
    if let Some(o) = o {
        let oct = o + 4.0 * alt + STEPS_TO_OCTS[step];
        if !oct.is_nan() {
            name.push_str(&js::num_to_string(oct));
        }
    }
    // The reference re-reads the name it built.
    note(&name).map(|n| n.name)
}

/// Which of the reference's two interval readers to use. The interval API
/// (`Interval.semitones`, `Interval.add`, …) finds an interval at the start
/// or at the end of the text (`"3Mxyz"` reads as `3M`); transposition
/// requires the whole text to be an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reader {
    Lenient,
    Strict,
}

/// A parsed interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Interval {
    /// Normalised name: number then quality (`M3` → `3M`, `+5P` → `5P`).
    pub name: String,
    /// Interval number, negative for descending intervals.
    pub num: f64,
    /// Quality: `P`, `M`, `m`, a run of `A` or of `d`.
    pub q: String,
    /// Size in semitones (signed).
    pub semitones: f64,
    /// Size modulo 12.
    pub chroma: f64,
    /// `1` ascending, `-1` descending.
    pub dir: f64,
    /// Octaves spanned.
    pub oct: f64,
    fifths: f64,
    octaves: f64,
}

fn tonal_form(s: &str, strict: bool) -> Option<(String, String)> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+') | Some(b'-')));
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == ds {
        return None;
    }
    let num = &s[..i];
    let q_len = match b.get(i) {
        Some(b'd') | Some(b'A') => {
            let c = b[i];
            b[i..].iter().take_while(|&&x| x == c).count().min(4)
        }
        Some(b'm') | Some(b'M') | Some(b'P') => 1,
        _ => return None,
    };
    if strict && i + q_len != b.len() {
        return None;
    }
    Some((num.to_string(), s[i..i + q_len].to_string()))
}

fn shorthand_form(s: &str) -> Option<(String, String)> {
    for q in ["AA", "A", "P", "M", "m", "d", "dd"] {
        if let Some(num) = s.strip_prefix(q) {
            let digits = num.strip_prefix(['+', '-']).unwrap_or(num);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return Some((num.to_string(), q.to_string()));
            }
        }
    }
    None
}

fn tokenize_interval(s: &str, reader: Reader) -> Option<(String, String)> {
    match reader {
        Reader::Strict => tonal_form(s, true).or_else(|| shorthand_form(s)),
        Reader::Lenient => tonal_form(s, false).or_else(|| {
            s.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(s.len()))
                .find_map(|i| shorthand_form(&s[i..]))
        }),
    }
}

fn q_to_alt(majorable: bool, q: &str) -> f64 {
    if (q == "M" && majorable) || (q == "P" && !majorable) {
        0.0
    } else if q == "m" && majorable {
        -1.0
    } else if q.bytes().all(|b| b == b'A') {
        q.len() as f64
    } else if q.bytes().all(|b| b == b'd') {
        -(if majorable { q.len() + 1 } else { q.len() } as f64)
    } else {
        0.0
    }
}

pub(crate) fn parse_interval(s: &str, reader: Reader) -> Option<Interval> {
    let (num_str, q) = tokenize_interval(s, reader)?;
    let num = js::to_number(&num_str);
    let step = (num.abs() - 1.0) % 7.0;
    let t = js::at(&TYPES, step).copied();
    if t == Some('M') && q == "P" {
        return None;
    }
    let majorable = t == Some('M');
    let dir = if num < 0.0 { -1.0 } else { 1.0 };
    let alt = q_to_alt(majorable, &q);
    let oct = ((num.abs() - 1.0) / 7.0).floor();
    let size = js::at(&SEMITONES, step).copied().unwrap_or(f64::NAN);
    let fifths_of_step = js::at(&FIFTHS, step).copied().unwrap_or(f64::NAN);
    let octs_of_step = js::at(&STEPS_TO_OCTS, step).copied().unwrap_or(f64::NAN);
    let f = fifths_of_step + 7.0 * alt;
    let o = oct - octs_of_step - 4.0 * alt;
    Some(Interval {
        name: format!("{}{}", js::num_to_string(num), q),
        num,
        semitones: dir * (size + alt + 12.0 * oct),
        chroma: ((dir * (size + alt)) % 12.0 + 12.0) % 12.0,
        q,
        dir,
        oct,
        fifths: dir * f,
        octaves: dir * o,
    })
}

/// Parses an interval name as the reference's interval functions do:
/// `3M`, `-2m`, `M3`, `11P`, `4A`, `5dd`. The match may be a prefix
/// (`3Mfoo`) or suffix (`fooM3`) of the text. `None` when there is none or
/// the quality does not fit the number (`3P`).
pub fn interval(s: &str) -> Option<Interval> {
    parse_interval(s, Reader::Lenient)
}

/// Semitones of an interval name (`3M` → 4, `-8P` → -12, `M3` → 4).
/// `None` when it is not an interval, or for number 0 (`0P`), whose size
/// the reference computes as `NaN`.
pub fn interval_semitones(s: &str) -> Option<i32> {
    let i = interval(s)?;
    if i.semitones.is_finite() {
        Some(i.semitones as i32)
    } else {
        None
    }
}

/// Semitones as the reference computes them, `NaN` included.
pub(crate) fn interval_semitones_f64(s: &str) -> Option<f64> {
    interval(s).map(|i| i.semitones)
}

const FROM_SEMI_NUM: [f64; 12] = [1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0, 6.0, 6.0, 7.0, 7.0];
const FROM_SEMI_Q: [&str; 12] = ["P", "m", "M", "m", "M", "P", "d", "P", "m", "M", "m", "M"];

/// The interval name the reference picks for a number of semitones:
/// `0` → `1P`, `6` → `5d`, `-6` → `-5d`, `12` → `8P`, `13` → `9m`.
pub fn interval_from_semitones(semitones: i32) -> String {
    interval_from_semitones_f64(semitones as f64)
}

/// [`interval_from_semitones`] for any number; non-integers give `"NaN"`
/// (the reference computes the number `NaN`), which is no interval.
pub(crate) fn interval_from_semitones_f64(semitones: f64) -> String {
    let d = if semitones < 0.0 { -1.0 } else { 1.0 };
    let n = semitones.abs();
    let c = n % 12.0;
    let o = (n / 12.0).floor();
    match (js::at(&FROM_SEMI_NUM, c), js::at(&FROM_SEMI_Q, c)) {
        (Some(num), Some(q)) => format!("{}{}", js::num_to_string(d * (num + 7.0 * o)), q),
        _ => "NaN".to_string(),
    }
}

fn interval_name_from_coord(f: f64, o: f64) -> String {
    let descending = f * 7.0 + o * 12.0 < 0.0;
    let (f, o, dir) = if descending {
        (-f, -o, -1.0)
    } else {
        (f, o, 1.0)
    };
    let i = (f + 1.0) % 7.0;
    let i = if i < 0.0 { 7.0 + i } else { i };
    let Some(&step) = js::at(&FIFTHS_TO_STEPS, i) else {
        return String::new();
    };
    let alt = ((f + 1.0) / 7.0).floor();
    let oct = o + 4.0 * alt + STEPS_TO_OCTS[step];
    let calc = step as f64 + 1.0 + 7.0 * oct;
    let num = if calc == 0.0 { step as f64 + 1.0 } else { calc };
    let majorable = TYPES[step] == 'M';
    let q = if alt == 0.0 {
        if majorable { "M" } else { "P" }.to_string()
    } else if alt == -1.0 && majorable {
        "m".to_string()
    } else if alt > 0.0 {
        "A".repeat(alt as usize)
    } else {
        let n = if majorable { alt + 1.0 } else { alt };
        "d".repeat(n.abs() as usize)
    };
    let name = format!(
        "{}{}{}",
        if dir < 0.0 { "-" } else { "" },
        js::num_to_string(num),
        q
    );
    interval(&name).map(|i| i.name).unwrap_or_default()
}

/// Adds two intervals (`3M` + `3m` = `5P`, `3M` + `-8P` = `-6m`). `None`
/// when either is not an interval.
pub fn interval_add(a: &str, b: &str) -> Option<String> {
    let a = interval(a)?;
    let b = interval(b)?;
    Some(interval_name_from_coord(
        a.fifths + b.fifths,
        a.octaves + b.octaves,
    ))
}

/// Transposes a note name by an interval name, keeping the spelling:
/// `("C4", "3M")` → `"E4"`, `("c", "3m")` → `"Eb"`, `("B#4", "3M")` →
/// `"D##5"`. Notes without octave stay without. `None` when either name is
/// invalid (the reference returns an empty string).
pub fn transpose_note(note_name: &str, interval_name: &str) -> Option<String> {
    let t = transpose(note_name, interval_name);
    if t.is_empty() {
        None
    } else {
        Some(t)
    }
}

/// [`transpose_note`] with the reference's empty string for failure.
pub(crate) fn transpose(note_name: &str, interval_name: &str) -> String {
    let Some(n) = note(note_name) else {
        return String::new();
    };
    let Some(i) = parse_interval(interval_name, Reader::Strict) else {
        return String::new();
    };
    transpose_by_coord(&n, i.fifths, i.octaves)
}

pub(crate) fn transpose_by_coord(n: &Note, fifths: f64, octaves: f64) -> String {
    let coord = match n.coord {
        Coord::Class(f) => Coord::Class(f + fifths),
        Coord::Pitch(f, o) => Coord::Pitch(f + fifths, o + octaves),
    };
    coord_to_note_name(coord).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_transpositions() {
        assert_eq!(transpose("c", "3m"), "Eb");
        assert_eq!(transpose("C4", "-2m"), "B3");
        assert_eq!(transpose("B#4", "3M"), "D##5");
        assert_eq!(transpose("Fbb", "5A"), "Cb");
        assert_eq!(transpose("C-", "3M"), "E");
        assert_eq!(transpose("C4", "3Mxyz"), "");
        assert_eq!(transpose("C4", "0P"), "");
    }

    #[test]
    fn interval_readers() {
        assert_eq!(interval_semitones("3Mxyz"), Some(4));
        assert_eq!(interval_semitones("xyM3"), Some(4));
        assert_eq!(interval("AAA3").unwrap().name, "3AA");
        assert_eq!(interval_semitones("0P"), None);
        assert_eq!(interval("0P").unwrap().name, "0P");
        assert!(interval("3P").is_none());
        assert_eq!(interval_semitones("4M"), Some(5));
        assert_eq!(interval_add("3Mx", "3M").as_deref(), Some("5A"));
        assert_eq!(interval_add("0P", "3M").as_deref(), Some(""));
        assert_eq!(interval_add("x", "3M"), None);
        assert_eq!(interval_add("3M", "-8P").as_deref(), Some("-6m"));
    }
}
