//! Pictures drawn from known programs: what they show and where.

use lang::program::{evaluate_with, Program};
use lang::Time;
use pictures::plot::{plot, PlotOptions, Subject};
use pictures::roll::{roll, Range, RollOptions, LABEL_WIDTH, RIGHT_MARGIN, WIDTH};
use pictures::svg::{to_png, Format};

fn program(src: &str) -> Program {
    let ev = evaluate_with(src, &stdlib::eval_options(None, &[]));
    assert!(
        ev.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        ev.diagnostics
    );
    ev.program
}

fn options(range: Range) -> RollOptions {
    RollOptions {
        range,
        track: None,
        title: "test.weft".into(),
    }
}

fn draw(src: &str, cycles: i64) -> Result<String, String> {
    roll(
        &program(src),
        &stdlib::instruments(),
        &options(Range::Cycles(Time::int(cycles))),
    )
}

/// The x of a time in a roll of `cycles` cycles.
fn x(t: f64, cycles: f64) -> f64 {
    LABEL_WIDTH + t / cycles * (WIDTH - LABEL_WIDTH - RIGHT_MARGIN)
}

#[test]
fn roll_shows_track_names_and_notes_where_they_play() {
    let svg = draw(
        "bass: note(\"c3 e3\").velocity(\"1 0.5\")\ndrums: s(\"bd sd\")",
        2,
    )
    .unwrap();
    assert!(svg.contains(">bass</text>"), "{svg}");
    assert!(svg.contains(">drums</text>"));
    // Drum sounds are named rows.
    assert!(svg.contains(">bd</text>") && svg.contains(">sd</text>"));
    // bass spans c3..e3: 5 rows of 12 px under the title line (bars strip
    // 36 px, track title 18 px). e3 at half a cycle, velocity 0.5 →
    // opacity 0.2 + 0.8 × 0.5.
    let e3 = format!(
        "<rect x=\"{}\" y=\"54.5\" width=\"{}\" height=\"11\" fill-opacity=\"0.6\"/>",
        x(0.5, 2.0),
        x(1.0, 2.0) - x(0.5, 2.0) - 2.0
    );
    assert!(svg.contains(&e3), "{e3} not in {svg}");
    // c3 four rows lower, at full loudness (no opacity written).
    let c3 = format!(
        "<rect x=\"{}\" y=\"102.5\" width=\"{}\" height=\"11\"/>",
        x(0.0, 2.0),
        x(0.5, 2.0) - x(0.0, 2.0) - 2.0
    );
    assert!(svg.contains(&c3), "{c3} not in {svg}");
    // Two cycles: every note of both, four per track.
    let notes = svg.matches("height=\"11\"").count();
    assert_eq!(notes, 4);
    let drum_notes = svg.matches("height=\"13\"").count();
    assert_eq!(drum_notes, 4);
}

#[test]
fn gain_is_opacity_too() {
    let svg = draw("drums: s(\"bd\").gain(0.25)", 1).unwrap();
    assert!(svg.contains("fill-opacity=\"0.4\""), "{svg}");
}

#[test]
fn roll_of_a_song_names_its_sections_and_bars() {
    let src = "section intro { drums: s(\"bd*4\") }\n\
               section verse { drums: s(\"bd*4, hh*8\")\n bass: note(\"c2 g2\") }\n\
               song: arrange([2, intro], [4, verse])";
    let p = program(src);
    let svg = roll(&p, &stdlib::instruments(), &options(Range::Song)).unwrap();
    assert!(svg.contains(">intro</text>") && svg.contains(">verse</text>"));
    // The verse starts after two of six cycles.
    let verse = format!("<rect x=\"{}\" y=\"1\"", x(2.0, 6.0));
    assert!(svg.contains(&verse), "{svg}");
    // Bars 1 to 6 numbered, seven bar lines.
    for bar in 1..=6 {
        assert!(svg.contains(&format!(">{bar}</text>")), "bar {bar}");
    }
    assert_eq!(svg.matches("stroke=\"#999\"").count(), 7);
    // bass is silent in the intro: its first note starts with the verse.
    let first = svg
        .split("<g class=\"notes\" data-track=\"bass\"")
        .nth(1)
        .unwrap();
    assert!(first.contains(&format!("<rect x=\"{}\"", x(2.0, 6.0))));
    assert!(!first.contains(&format!("<rect x=\"{}\"", x(0.0, 6.0))));
}

#[test]
fn one_track_only() {
    let p = program("a: s(\"bd\")\nb: note(\"c3\")");
    let o = RollOptions {
        track: Some("b".into()),
        ..options(Range::Cycles(Time::ONE))
    };
    let svg = roll(&p, &stdlib::instruments(), &o).unwrap();
    assert!(svg.contains("data-track=\"b\"") && !svg.contains("data-track=\"a\""));
}

#[test]
fn bad_rolls_say_why() {
    let p = program("a: s(\"bd\")\nquiet: silence");
    let lib = stdlib::instruments();
    let err = |o: RollOptions| roll(&p, &lib, &o).unwrap_err();
    let unknown = err(RollOptions {
        track: Some("b".into()),
        ..options(Range::Cycles(Time::ONE))
    });
    assert_eq!(unknown, "no track named `b` (tracks: a, quiet)");
    let empty = err(RollOptions {
        track: Some("quiet".into()),
        ..options(Range::Cycles(Time::ONE))
    });
    assert_eq!(empty, "no events to draw in cycles 0 to 1");
    assert!(err(options(Range::Cycles(Time::ZERO))).contains("must be positive"));
    assert!(err(options(Range::Cycles(Time::int(-2)))).contains("must be positive"));
    assert!(err(options(Range::Cycles(Time::int(1_000_000)))).contains("at most 4096 cycles"));
    assert!(err(options(Range::Song)).contains("no song"));
}

#[test]
fn too_many_events_is_an_error_not_a_huge_picture() {
    let e = draw("a: s(\"hh*256\")", 1000).unwrap_err();
    assert!(e.contains("more than 200000 events"), "{e}");
    // Too dense to query at all: the query's work budget stops it.
    let e = draw("a: s(\"bd\").fast(1e9)", 1).unwrap_err();
    assert!(e.contains("track `a` is too dense"), "{e}");
}

#[test]
fn same_program_same_bytes_svg_and_png() {
    let src = "drums: s(\"bd [~ sd] hh*2\")\nkeys: n(\"0 2 4\").scale(\"C:major\").s(\"triangle\")";
    let a = draw(src, 4).unwrap();
    let b = draw(src, 4).unwrap();
    assert_eq!(a, b);
    let pa = pictures::svg::encode(&a, Format::Png).unwrap();
    let pb = pictures::svg::encode(&b, Format::Png).unwrap();
    assert_eq!(pa, pb);
}

/// Width, height and whether any pixel is darker than light grey (text).
fn decode_png(bytes: &[u8]) -> (u32, u32, bool) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let dark = px.chunks(4).any(|p| p[0] < 60 && p[1] < 60 && p[2] < 60);
    (info.width, info.height, dark)
}

#[test]
fn png_has_the_svg_size_and_text_without_system_fonts() {
    let svg = draw("drums: s(\"bd sd\")", 1).unwrap();
    let height: f64 = svg
        .split("height=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    let (w, h, dark) = decode_png(&to_png(&svg).unwrap());
    assert_eq!((w, h), (WIDTH as u32, height as u32));
    // Black text (the title) is drawn: the embedded font works.
    assert!(dark);
    // The same picture with its text removed has no black pixel.
    let no_text: String = svg
        .lines()
        .filter(|l| !l.starts_with("<text"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!decode_png(&to_png(&no_text).unwrap()).2);
}

#[test]
fn plot_of_an_instrument_shows_its_note() {
    let p = Program::default();
    let svg = plot(
        &p,
        &stdlib::instruments(),
        &PlotOptions::new(Subject::Instrument("sine".into())),
    )
    .unwrap();
    assert!(svg.contains("sine C3"));
    assert!(svg.contains("waveform"));
    assert!(svg.contains("spectrum"));
    assert!(svg.contains("envelope"));
    // The fundamental is marked: C3 is 130.81 Hz.
    assert!(svg.contains("130.81 Hz (C3)"), "{svg}");
    // A sine has no filter to show.
    assert!(!svg.contains("filter response"));
    let again = plot(
        &p,
        &stdlib::instruments(),
        &PlotOptions::new(Subject::Instrument("sine".into())),
    )
    .unwrap();
    assert_eq!(svg, again);
}

#[test]
fn spectrum_peaks_at_the_fundamental_of_a_sine() {
    let note = pictures::plot::render_note(
        &Program::default(),
        &stdlib::instruments(),
        &PlotOptions {
            note: 69.0,
            ..PlotOptions::new(Subject::Instrument("sine".into()))
        },
    )
    .unwrap();
    assert!((note.freq - 440.0).abs() < 1e-9);
    // Held 0.5 s, then released, the silence after it cut.
    let secs = note.samples.len() as f64 / pictures::plot::SAMPLE_RATE as f64;
    assert!((0.55..1.5).contains(&secs), "{secs}");
    let spectrum = pictures::plot::spectrum(&note);
    let (f, db) =
        spectrum.iter().copied().fold(
            (0.0, f64::NEG_INFINITY),
            |a, b| if b.1 > a.1 { b } else { a },
        );
    assert_eq!(db, 0.0);
    // Within a bin (48000 / 8192 Hz) of A4.
    assert!((f - 440.0).abs() < 6.0, "{f}");
    // A sine has no partials: an octave up is far below.
    let octave = spectrum
        .iter()
        .filter(|(g, _)| (g - 880.0).abs() < 6.0)
        .fold(f64::NEG_INFINITY, |m, (_, d)| m.max(*d));
    assert!(octave < -60.0, "{octave}");
}

#[test]
fn plot_of_a_track_plays_its_first_note_with_its_controls() {
    let p = program(
        "instrument buzz(cutoff = 800) = saw(freq) >> lpf(cutoff, 0.7) >> adsr(0.01, 0.1, 0.5, 0.1)\n\
         bass: note(\"~ a2 c3\").s(\"buzz\").cutoff(400)",
    );
    let one = pictures::plot::one_note(
        &p,
        &stdlib::instruments(),
        &PlotOptions::new(Subject::Track("bass".into())),
    )
    .unwrap();
    assert_eq!(
        one.event.get("cutoff").and_then(|v| v.as_number()),
        Some(400.0)
    );
    // A third of a cycle at the default 0.5 cycles per second.
    assert!((one.seconds - 2.0 / 3.0).abs() < 1e-12);
    let svg = plot(
        &p,
        &stdlib::instruments(),
        &PlotOptions::new(Subject::Track("bass".into())),
    )
    .unwrap();
    assert!(svg.contains("110 Hz (A2)"), "{svg}");
}

#[test]
fn bad_plots_say_why() {
    let p = program("bass: note(\"c2\")\nquiet: silence\nkeys: note(\"c3\").midi(\"x\", 1)");
    let lib = stdlib::instruments();
    let err = |s: Subject| plot(&p, &lib, &PlotOptions::new(s)).unwrap_err();
    assert_eq!(
        err(Subject::Instrument("sinee".into())),
        "no instrument named `sinee` (did you mean `sine`?)"
    );
    assert!(err(Subject::Track("nope".into())).starts_with("no track named `nope`"));
    assert_eq!(
        err(Subject::Track("quiet".into())),
        "track `quiet` plays no note in its first 16 cycles"
    );
    assert!(
        err(Subject::Track("keys".into())).contains("MIDI"),
        "{}",
        err(Subject::Track("keys".into()))
    );
    let long = PlotOptions {
        seconds: 1e9,
        ..PlotOptions::new(Subject::Instrument("sine".into()))
    };
    assert!(plot(&p, &lib, &long)
        .unwrap_err()
        .contains("at most 30 seconds"));
    let nan = PlotOptions {
        note: f64::NAN,
        ..PlotOptions::new(Subject::Instrument("sine".into()))
    };
    assert!(plot(&p, &lib, &nan).unwrap_err().contains("MIDI number"));
}

#[test]
fn filter_response_is_measured_where_the_instrument_has_a_filter() {
    let p =
        program("instrument dull() = saw(freq) >> lpf(1000, 0.707) >> adsr(0.01, 0.1, 0.8, 0.1)");
    let options = PlotOptions::new(Subject::Instrument("dull".into()));
    let note = pictures::plot::render_note(&p, &stdlib::instruments(), &options).unwrap();
    let f = note.filter.expect("a filter response");
    assert_eq!(f.name, "lpf");
    let gain_at = |hz: f64| {
        let near: Vec<f64> = f
            .points
            .iter()
            .filter(|(g, _)| (g / hz).log2().abs() < 0.1)
            .map(|(_, db)| *db)
            .collect();
        near.iter().sum::<f64>() / near.len() as f64
    };
    // A 2-pole low-pass at 1 kHz: flat below, about -12 dB an octave above
    // the cutoff, -24 dB two octaves above.
    assert!(gain_at(100.0).abs() < 1.5, "{}", gain_at(100.0));
    let g4k = gain_at(4000.0);
    assert!((-30.0..-18.0).contains(&g4k), "{g4k}");
    let svg = plot(&p, &stdlib::instruments(), &options).unwrap();
    assert!(svg.contains("filter response (lpf)"));
}
