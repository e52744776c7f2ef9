//! Checks against tables of the reference implementation's outputs
//! (`tests_data.rs`, written by
//! `tests/conformance/tonal/gen_tonal_fixtures.mjs`).

use super::js::num_to_string as num;
use super::tests_data::*;
use super::*;

/// Collects mismatches so that one run shows all of them.
struct Check {
    name: &'static str,
    failures: Vec<String>,
    count: usize,
}

impl Check {
    fn new(name: &'static str) -> Check {
        Check {
            name,
            failures: Vec::new(),
            count: 0,
        }
    }

    fn eq(&mut self, what: impl std::fmt::Display, got: &str, want: &str) {
        self.count += 1;
        if got != want {
            self.failures
                .push(format!("{}: got {:?}, want {:?}", what, got, want));
        }
    }

    fn done(self) {
        assert!(self.count > 0, "{}: no cases", self.name);
        if !self.failures.is_empty() {
            let shown: Vec<&String> = self.failures.iter().take(40).collect();
            panic!(
                "{}: {} of {} cases differ:\n{}",
                self.name,
                self.failures.len(),
                self.count,
                shown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

fn val(s: &str) -> NoteValue {
    if let Some(n) = s.strip_prefix("n:") {
        NoteValue::Num(to_number(n))
    } else if let Some(t) = s.strip_prefix("s:") {
        NoteValue::Str(t.to_string())
    } else {
        panic!("bad value encoding {:?}", s)
    }
}

fn show(v: &NoteValue) -> String {
    match v {
        NoteValue::Num(n) => format!("n:{}", num(*n)),
        NoteValue::Str(s) => format!("s:{}", s),
    }
}

fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

#[test]
fn strudel_note_names() {
    let mut c = Check::new("strudel notes");
    for &(input, is, with_oct, tok, midi) in STRUDEL_NOTES {
        c.eq(format!("is_note({:?})", input), flag(is_note(input)), is);
        c.eq(
            format!("is_note_with_octave({:?})", input),
            flag(is_note_with_octave(input)),
            with_oct,
        );
        let t = match tokenize_note(input) {
            Some((l, a, o)) => format!("{}|{}|{}", l, a, o.map(num).unwrap_or_else(|| "u".into())),
            None => "-".to_string(),
        };
        c.eq(format!("tokenize_note({:?})", input), &t, tok);
        let m = note_to_midi(input, 3.0)
            .map(num)
            .unwrap_or_else(|| "throw".into());
        c.eq(format!("note_to_midi({:?})", input), &m, midi);
    }
    c.done();
}

#[test]
fn spelled_notes() {
    let mut c = Check::new("notes");
    for &(input, want) in TONAL_NOTES {
        let got = match note(input) {
            None => "-".to_string(),
            Some(n) => format!(
                "{}|{}|{}|{}|{}|{}",
                n.name,
                n.pc,
                n.acc,
                n.oct.map(num).unwrap_or_else(|| "u".into()),
                num(n.chroma),
                n.midi.map(num).unwrap_or_else(|| "null".into())
            ),
        };
        c.eq(format!("note({:?})", input), &got, want);
    }
    c.done();
}

#[test]
fn intervals() {
    let mut c = Check::new("intervals");
    for &(input, want) in INTERVALS {
        let got = match interval(input) {
            None => "-".to_string(),
            Some(i) => format!(
                "{}|{}|{}|{}|{}|{}|{}",
                i.name,
                num(i.num),
                i.q,
                num(i.semitones),
                num(i.chroma),
                num(i.dir),
                num(i.oct)
            ),
        };
        c.eq(format!("interval({:?})", input), &got, want);
        let semis = interval(input)
            .map(|i| i.semitones)
            .filter(|s| s.is_finite());
        c.eq(
            format!("interval_semitones({:?})", input),
            &format!("{:?}", interval_semitones(input)),
            &format!("{:?}", semis.map(|s| s as i32)),
        );
    }
    for &(n, want) in FROM_SEMITONES {
        let x = to_number(n);
        let got = pitch::interval_from_semitones_f64(x);
        c.eq(format!("from_semitones({})", n), &got, want);
        if x.fract() == 0.0 {
            c.eq(
                format!("interval_from_semitones({})", n),
                &interval_from_semitones(x as i32),
                want,
            );
        }
    }
    for &(a, b, want) in INTERVAL_ADD {
        let got = interval_add(a, b).unwrap_or_else(|| "undefined".into());
        c.eq(format!("interval_add({:?}, {:?})", a, b), &got, want);
    }
    c.done();
}

#[test]
fn transpositions() {
    let mut c = Check::new("transpose");
    for &(n, i, want) in TRANSPOSE {
        c.eq(
            format!("transpose_note({:?}, {:?})", n, i),
            &transpose_note(n, i).unwrap_or_default(),
            want,
        );
    }
    c.done();
}

#[test]
fn midi_and_frequencies() {
    let mut c = Check::new("midi");
    for &(m, sharps, want) in MIDI_NAMES {
        let got = midi_to_note_name(to_number(m), sharps == "1").unwrap_or_default();
        c.eq(format!("midi_to_note_name({}, {})", m, sharps), &got, want);
    }
    c.done();
    for &(m, f, back) in FREQS {
        let m = to_number(m);
        let f = to_number(f);
        let got = midi_to_freq(m);
        assert!(
            (got - f).abs() <= f * 1e-12,
            "midi_to_freq({}) = {}, want {}",
            m,
            got,
            f
        );
        let back = to_number(back);
        let got = freq_to_midi(f * 1.01);
        assert!(
            (got - back).abs() < 1e-9,
            "freq_to_midi = {}, want {}",
            got,
            back
        );
    }
}

#[test]
fn scale_dictionary() {
    let mut c = Check::new("scale types");
    let types = scale_types();
    assert_eq!(types.len(), SCALE_TYPES_CHECK.len());
    for (t, &(name, ivls, aliases, set_num, chroma)) in types.iter().zip(SCALE_TYPES_CHECK) {
        c.eq("name", t.name, name);
        c.eq(name, &t.intervals.join(" "), ivls);
        c.eq(name, &t.aliases.join(","), aliases);
        c.eq(name, &t.set_num.to_string(), set_num);
        c.eq(name, &t.chroma, chroma);
    }
    c.done();
    assert_eq!(scale_names().len(), types.len());
    assert!(scale_names_and_aliases().contains(&"pentatonic"));
}

#[test]
fn scales_by_name() {
    let mut c = Check::new("scale names");
    for &(input, want) in SCALE_GET {
        let got = match scale_get(input) {
            None => "-".to_string(),
            Some(s) => format!(
                "{}|{}|{}|{}|{}|{}",
                s.name,
                s.type_name,
                s.tonic.as_deref().unwrap_or(""),
                s.intervals.join(" "),
                s.notes.join(" "),
                s.aliases.join(",")
            ),
        };
        c.eq(format!("scale_get({:?})", input), &got, want);
    }
    for &(input, tonic, ty) in SCALE_TOKENIZE {
        let (t, y) = scale_tokenize(input);
        c.eq(
            format!("scale_tokenize({:?})", input),
            &format!("{}|{}", t, y),
            &format!("{}|{}", tonic, ty),
        );
    }
    c.done();
}

fn scale_outcome(r: Result<NoteValue, ScaleError>) -> String {
    match r {
        Ok(v) => show(&v),
        Err(ScaleError::Dropped(m)) => format!("drop:{}", m),
        Err(ScaleError::Thrown(m)) => format!("throw:{}", m),
    }
}

#[test]
fn scale_function() {
    let mut c = Check::new("scale values");
    for &(value, scale, anchor, want) in SCALE_VALUES {
        let v = val(value);
        let a = (!anchor.is_empty()).then(|| val(anchor));
        let got = scale_outcome(scale_value(&v, scale, a.as_ref()));
        c.eq(
            format!("scale_value({}, {:?}, {:?})", value, scale, anchor),
            &got,
            want,
        );
        // Mini-notation's `C:minor:pentatonic` means the same.
        let colons = scale.replace(' ', ":");
        let got = scale_outcome(scale_value(&v, &colons, a.as_ref()));
        c.eq(
            format!("scale_value({}, {:?}, {:?})", value, colons, anchor),
            &got,
            want,
        );
    }
    c.done();
}

#[test]
fn scale_transpose_function() {
    let mut c = Check::new("scale transpose");
    for &(note, offset, scale, want) in SCALE_TRANSPOSE {
        let got = match scale_transpose_value(&val(note), &val(offset), scale) {
            Ok(s) => format!("s:{}", s),
            Err(m) => format!("throw:{}", m),
        };
        c.eq(
            format!("scale_transpose({}, {}, {:?})", note, offset, scale),
            &got,
            want,
        );
    }
    c.done();
}

#[test]
fn transpose_function() {
    let mut c = Check::new("transpose values");
    for &(value, amount, want) in TRANSPOSE_VALUES {
        let got = match transpose_value(&val(value), &val(amount)) {
            Ok(v) => show(&v),
            Err(w) => format!("warn:{}", w),
        };
        c.eq(
            format!("transpose_value({}, {})", value, amount),
            &got,
            want,
        );
    }
    c.done();
}

#[test]
fn chords() {
    let mut c = Check::new("chords");
    for &(input, want) in CHORD_GET {
        let got = match chord_get(input) {
            None => "-".to_string(),
            Some(ch) => format!(
                "{}|{}|{}|{}|{}|{}|{}|{}",
                ch.symbol,
                ch.name,
                ch.tonic.as_deref().unwrap_or(""),
                ch.type_name,
                ch.quality,
                ch.aliases.join(","),
                ch.intervals.join(" "),
                ch.notes.join(" ")
            ),
        };
        c.eq(format!("chord_get({:?})", input), &got, want);
    }
    let types = chord_types();
    assert_eq!(types.len(), CHORD_TYPES_CHECK.len());
    for (t, &(name, quality, ivls, aliases, set)) in types.iter().zip(CHORD_TYPES_CHECK) {
        c.eq("name", t.name, name);
        c.eq(name, t.quality, quality);
        c.eq(name, &t.intervals.join(" "), ivls);
        c.eq(name, &t.aliases.join(","), aliases);
        c.eq(name, &format!("{}|{}", t.set_num, t.chroma), set);
    }
    c.done();
    assert!(chord_symbols().contains(&"m7b5"));
}

#[test]
fn voicings() {
    let mut c = Check::new("voicings");
    for &(chord, controls, want) in VOICINGS {
        let mut v = VoicingControls::chord(chord);
        for part in controls.split(';').filter(|p| !p.is_empty()) {
            let (k, x) = part.split_once('=').expect("k=v");
            match k {
                "dictionary" => v.dictionary = Some(x.to_string()),
                "mode" => v.mode = Some(x.to_string()),
                "anchor" => v.anchor = Some(val(x)),
                "offset" => v.offset = Some(val(x).to_number()),
                "n" => v.n = Some(val(x).to_number()),
                "octaves" => v.octaves = Some(val(x).to_number()),
                _ => panic!("unknown control {}", k),
            }
        }
        let got = match voicing(&v) {
            Ok(notes) => notes.iter().map(show).collect::<Vec<_>>().join("|"),
            Err(m) => format!("silence:{}", m),
        };
        c.eq(format!("voicing({:?}, {:?})", chord, controls), &got, want);
    }
    c.done();
}

#[test]
fn root_notes() {
    let mut c = Check::new("root notes");
    for &(chord, oct, want) in ROOT_NOTES {
        let got = match root_note(chord, &val(oct)) {
            Some(s) => format!("s:{}", s),
            None => "throw".to_string(),
        };
        let want = if want.starts_with("throw:") {
            "throw"
        } else {
            want
        };
        c.eq(format!("root_note({:?}, {})", chord, oct), &got, want);
    }
    c.done();
}

#[test]
fn documented_examples() {
    let s = |x: &str| NoteValue::Str(x.to_string());
    assert_eq!(scale_step(0.0, "C:major").unwrap(), "C3");
    assert_eq!(scale_step(7.0, "C:major").unwrap(), "C4");
    assert_eq!(scale_step(-1.0, "C:major").unwrap(), "B2");
    assert_eq!(scale_step(0.5, "C:major").unwrap(), "D3");
    assert_eq!(
        get_scale("C:pentatonic").unwrap().type_name,
        "major pentatonic"
    );
    assert_eq!(
        get_scale("A2:minor:pentatonic").unwrap().notes,
        ["A2", "C3", "D3", "E3", "G3"]
    );
    assert_eq!(get_scale("c:major").unwrap().tonic.as_deref(), Some("C"));
    assert!(get_scale("C").is_err());
    assert_eq!(scale_value(&s("-1b"), "C:major", None), Ok(s("A#2")));
    assert_eq!(scale_value(&s("db4"), "C:major", None), Ok(s("D4")));
    assert_eq!(
        scale_value(&NoteValue::Num(2.0), "C:major", Some(&s("c4"))),
        Ok(NoteValue::Num(64.0))
    );
    assert_eq!(scale_offset("C:major", 1.0, &s("E4")).as_deref(), Ok("F4"));
    assert_eq!(transpose_note("c", "3m").as_deref(), Some("Eb"));
    assert_eq!(transpose_note("B2", "-2m").as_deref(), Some("A#2"));
    assert_eq!(interval_from_semitones(6), "5d");
    assert_eq!(interval_semitones("-2m"), Some(-1));
    assert_eq!(
        transpose_value(&s("c4"), &NoteValue::Num(3.0)),
        Ok(s("Eb4"))
    );
    assert_eq!(
        transpose_value(&NoteValue::Num(60.0), &s("3M")),
        Ok(NoteValue::Num(64.0))
    );
    assert!(transpose_value(&s("x"), &NoteValue::Num(1.0)).is_err());
    let cm7 = chord_get("Cm7").unwrap();
    assert_eq!(cm7.notes, ["C", "Eb", "G", "Bb"]);
    assert_eq!(chord_get("F#m7b5").unwrap().notes, ["F#", "A", "C", "E"]);
    assert_eq!(
        voicing(&VoicingControls::chord("Cm7")).unwrap(),
        ["Bb3", "Eb4", "G4", "Bb4", "C5"].map(s)
    );
    let mut n0 = VoicingControls::chord("F7");
    n0.n = Some(0.0);
    assert_eq!(voicing(&n0).unwrap(), [NoteValue::Num(53.0)]);
    assert!(voicing(&VoicingControls::chord("Cfoo")).is_err());
    assert_eq!(
        root_note("F#m7", &NoteValue::Num(2.0)).as_deref(),
        Some("F#2")
    );
    assert!(scale_names().len() >= 90);
    assert!(chord_symbols().len() >= 100);
}
