//! Evaluation of every program construct.

use lang::graph::Graph;
use lang::program::{evaluate, evaluate_file, EvalOptions, Output, TempoChange};
use lang::{Time, Value};

fn onsets(p: &lang::library::Pat, a: i64, b: i64) -> Vec<(Time, String)> {
    let mut v: Vec<(Time, String)> = p
        .query_arc(Time::int(a), Time::int(b))
        .into_iter()
        .filter(|h| h.has_onset())
        .map(|h| (h.whole.unwrap().begin, h.value.show()))
        .collect();
    v.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    v
}

#[test]
fn tempo_forms() {
    assert_eq!(evaluate("setcps(0.75)").0.cps, 0.75);
    assert_eq!(evaluate("setcpm(30)").0.cps, 0.5);
    let (p, _) = evaluate("bpm(120)");
    assert_eq!(p.cps, 0.5);
    assert_eq!(p.beats_per_cycle, 4.0);
    let (p, _) = evaluate("bpm(90, 3)");
    assert_eq!(p.cps, 0.5);
    assert_eq!(p.beats_per_cycle, 3.0);
    let (_, d) = evaluate("bpm(-3)");
    assert_eq!(d[0].code, "E0202");
}

#[test]
fn tracks_labels_mute_solo_and_anonymous() {
    let (p, d) = evaluate(
        "drums: s(\"bd\")\n_hats: s(\"hh*2\")\nlead!: note(\"c\")\n$: s(\"cp\")\ns(\"rim\")",
    );
    // The last statement is a bare pattern in a program with named
    // tracks: as in Strudel, it does not play (and a warning says so).
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code, "W0004");
    let names: Vec<&str> = p.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["drums", "hats", "lead", "$1"]);
    assert!(p.track("hats").unwrap().muted);
    assert!(p.track("lead").unwrap().solo);
    let audible: Vec<&str> = p.audible().map(|t| t.name.as_str()).collect();
    assert_eq!(audible, ["lead"]);
}

#[test]
fn let_bindings_and_functions() {
    let src = "let wobble = (p, hz) => p.lpf(sine.range(200, hz).slow(4))\nlet beat = s(\"bd sd\")\nx: wobble(beat, 2000)";
    let (p, d) = evaluate(src);
    assert!(d.is_empty(), "{d:?}");
    let haps = p
        .track("x")
        .unwrap()
        .pattern
        .query_arc(Time::ZERO, Time::ONE);
    assert_eq!(haps.len(), 2);
    let Value::Map(m) = &haps[0].value else {
        panic!()
    };
    assert_eq!(m.get("cutoff").unwrap().to_number(), 1100.0);
}

#[test]
fn instruments_are_graphs_with_parameters() {
    let src = "instrument acid(cutoff = 800, res = 0.7) = saw(freq) >> moog(cutoff, res) >> adsr(0.005, 0.1, 0.5, 0.1)\n\
               instrument fm(ratio = 2, index = 100) = sine(freq + sine(freq * ratio) * index) * perc(0.01, 0.4)";
    let (p, d) = evaluate(src);
    assert!(d.is_empty(), "{d:?}");
    let acid = p.instrument("acid").unwrap();
    assert_eq!(
        acid.params,
        vec![("cutoff".to_string(), 800.0), ("res".to_string(), 0.7)]
    );
    assert_eq!(
        acid.graph.to_string(),
        "mul(moog(saw(freq), cutoff, res), adsr(0.005, 0.1, 0.5, 0.1))"
    );
    let fm = p.instrument("fm").unwrap();
    assert_eq!(
        fm.graph.to_string(),
        "mul(sine(add(freq, mul(sine(mul(freq, ratio)), index))), perc(0.01, 0.4))"
    );
}

#[test]
fn instrument_errors_teach() {
    let (_, d) = evaluate("instrument bad = lpf(800)");
    assert!(
        d[0].message.contains("unconnected input"),
        "{}",
        d[0].message
    );
    let (_, d) = evaluate("instrument bad = saw(\"c e\")");
    assert!(d[0].message.contains("found a pattern"), "{}", d[0].message);
    assert!(d[0].help.is_some());
    let (_, d) = evaluate("instrument bad = sqaure(freq)");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `square`?"));
}

#[test]
fn track_methods_fx_volume_balance_outputs() {
    let src = "effect space(size = 0.6) = reverb(size, 0.5, 0.3)\n\
               a: s(\"bd\").fx(delay(0.25, 0.4) >> space(0.8)).volume(0.8).balance(0.25)\n\
               b: note(\"c e\").midi(\"IAC Bus 1\", 2)\n\
               c: s(\"bd\").osc(\"127.0.0.1\", 57120)";
    let (p, d) = evaluate(src);
    assert!(d.is_empty(), "{d:?}");
    let a = p.track("a").unwrap();
    assert_eq!(a.gain, 0.8);
    assert_eq!(a.pan, 0.25);
    assert_eq!(
        a.fx.as_ref().unwrap().to_string(),
        "reverb(delay(in, 0.25, 0.4, 0.5), 0.8, 0.5, 0.3)"
    );
    assert_eq!(
        p.track("b").unwrap().output,
        Output::Midi {
            port: "IAC Bus 1".into(),
            channel: 2
        }
    );
    assert_eq!(
        p.track("c").unwrap().output,
        Output::Osc {
            host: "127.0.0.1".into(),
            port: 57120
        }
    );
}

#[test]
fn master_chain() {
    let (p, d) = evaluate("master: compressor(-18, 3) >> limiter(-1)");
    assert!(d.is_empty(), "{d:?}");
    let m = p.master.unwrap();
    assert!(matches!(m, Graph::Node(..)));
    assert_eq!(
        m.to_string(),
        "limiter(compressor(in, -18, 3, 0.01, 0.2), -1)"
    );
}

#[test]
fn tempo_synced_times_in_graphs() {
    let (p, d) =
        evaluate("bpm(120)\na: s(\"bd\").fx(delay(cycles(1/4), 0.3) >> delay(beats(1), 0.2))");
    assert!(d.is_empty(), "{d:?}");
    // At 120 BPM (0.5 cycles/s, 4 beats per cycle) a quarter cycle and a beat are 0.5 s.
    assert_eq!(
        p.track("a").unwrap().fx.as_ref().unwrap().to_string(),
        "delay(delay(in, 0.5, 0.3, 0.5), 0.5, 0.2, 0.5)"
    );
}

#[test]
fn sections_and_song() {
    let src = "bpm(120)\n\
               section intro { drums: s(\"bd*2\") }\n\
               section verse { bpm(150)\n drums: s(\"sd\")\n bass: note(\"c2\") }\n\
               song: arrange([2, intro], [1, verse], [1, intro])";
    let (p, d) = evaluate(src);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(p.song_length, Some(Time::int(4)));
    let names: Vec<(&str, Time, Time)> = p
        .sections
        .iter()
        .map(|s| (s.name.as_str(), s.start, s.length))
        .collect();
    assert_eq!(
        names,
        [
            ("intro", Time::int(0), Time::int(2)),
            ("verse", Time::int(2), Time::int(1)),
            ("intro", Time::int(3), Time::int(1))
        ]
    );
    assert_eq!(
        p.tempo_changes,
        vec![
            TempoChange {
                at: Time::int(0),
                cps: 0.5
            },
            TempoChange {
                at: Time::int(2),
                cps: 150.0 / 60.0 / 4.0
            },
            TempoChange {
                at: Time::int(3),
                cps: 0.5
            },
        ]
    );
    let drums = &p.track("drums").unwrap().pattern;
    let got = onsets(drums, 0, 4);
    let want: Vec<(Time, String)> = vec![
        (Time::new(0, 1), "s: bd".into()),
        (Time::new(1, 2), "s: bd".into()),
        (Time::new(1, 1), "s: bd".into()),
        (Time::new(3, 2), "s: bd".into()),
        (Time::new(2, 1), "s: sd".into()),
        (Time::new(3, 1), "s: bd".into()),
        (Time::new(7, 2), "s: bd".into()),
    ];
    assert_eq!(got, want);
    let bass = &p.track("bass").unwrap().pattern;
    assert_eq!(
        onsets(bass, 0, 8),
        vec![
            (Time::int(2), "note: c2".into()),
            (Time::int(6), "note: c2".into())
        ]
    );
    assert_eq!(p.section_at(Time::new(5, 2)).unwrap().name, "verse");
    let (_, d) = evaluate("section a { x: s(\"bd\") }\nsong: arrange([2, b])");
    assert_eq!(d[0].code, "E0221");
}

#[test]
fn imports_relative_to_the_file() {
    let dir = std::env::temp_dir().join(format!("weft-import-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(
        dir.join("lib/drums.weft"),
        "let kick = s(\"bd*4\")\nimport \"more.weft\"",
    )
    .unwrap();
    std::fs::write(
        dir.join("lib/more.weft"),
        "let snare = s(\"~ sd\")\nlet oops = nope",
    )
    .unwrap();
    std::fs::write(
        dir.join("main.weft"),
        "import \"lib/drums.weft\"\nd: stack(kick, snare)",
    )
    .unwrap();
    let ev = evaluate_file(&dir.join("main.weft"), &EvalOptions::default()).unwrap();
    assert_eq!(ev.program.tracks.len(), 1);
    assert_eq!(ev.imports.len(), 2);
    assert_eq!(ev.diagnostics.len(), 1);
    let d = &ev.diagnostics[0];
    assert!(d.file.as_deref().unwrap().ends_with("more.weft"));
    std::fs::write(dir.join("lib/more.weft"), "import \"drums.weft\"").unwrap();
    let ev = evaluate_file(&dir.join("main.weft"), &EvalOptions::default()).unwrap();
    assert!(
        ev.diagnostics.iter().any(|d| d.code == "E0212"),
        "{:?}",
        ev.diagnostics
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_sounds_are_warnings_with_suggestions() {
    let options = EvalOptions {
        file: None,
        known_sounds: Some(vec!["sawtooth".into(), "bd".into()]),
        ..Default::default()
    };
    let ev = lang::program::evaluate_with("a: s(\"bd sawtoth\")", &options);
    assert_eq!(ev.diagnostics.len(), 1);
    assert_eq!(ev.diagnostics[0].code, "W0010");
    assert_eq!(
        ev.diagnostics[0].help.as_deref(),
        Some("did you mean `sawtooth`?")
    );
    // The warning points at the misspelt name, not the whole line.
    assert_eq!(ev.diagnostics[0].span, Some(9..16));
}

#[test]
fn automation_follows_signals() {
    let (p, _) = evaluate("a: s(\"bd*4\").gain(saw.range(0, 1).slow(4))");
    let gains: Vec<f64> = p
        .track("a")
        .unwrap()
        .pattern
        .query_arc(Time::int(1), Time::int(2))
        .iter()
        .map(|h| h.value.as_map().unwrap().get("gain").unwrap().to_number())
        .collect();
    assert_eq!(gains, vec![0.25, 0.3125, 0.375, 0.4375]);
}

#[test]
fn a_thousand_line_program() {
    let mut src = String::from("bpm(128)\n");
    for i in 0..330 {
        src.push_str(&format!(
            "let p{i} = note(\"c{} e g\").fast({})\n",
            i % 5 + 1,
            i % 4 + 1
        ));
        src.push_str(&format!(
            "t{i}: p{i}.s(\"sawtooth\").lpf({}).every(3, x => x.rev())\n",
            300 + i
        ));
        src.push_str("// a comment line\n");
    }
    assert!(src.lines().count() >= 990);
    let (p, d) = evaluate(&src);
    assert!(d.is_empty());
    assert_eq!(p.tracks.len(), 330);
}

#[test]
fn take_lines_are_held_by_the_program_and_checked() {
    use lang::takes::{TakeFrom, TakeLine};
    let src = "take('voice', \"4\")\ntake(\"loop\", 8, { from: \"drums\" })\ntake('voice', 2, { add: true })\ntake('all', 1, { from: 'master' })\ndrums: s(\"bd sd\")\nv: s(\"voice loop\")\n";
    let ev = lang::program::evaluate_with(
        src,
        &EvalOptions {
            known_sounds: Some(vec!["bd".into(), "sd".into()]),
            ..EvalOptions::default()
        },
    );
    // The takes' names are sounds: no W0010 for `voice` and `loop`.
    assert!(ev.diagnostics.is_empty(), "{:?}", ev.diagnostics);
    let line = |name: &str, cycles, from, add| TakeLine {
        name: name.into(),
        cycles,
        from,
        add,
    };
    // A later line of a name replaces the earlier.
    assert_eq!(
        ev.program.takes,
        [
            line("loop", 8, TakeFrom::Track("drums".into()), false),
            line("voice", 2, TakeFrom::Input, true),
            line("all", 1, TakeFrom::Master, false),
        ]
    );
    // Strudel's stepwise `take` is still there, as a function and a method.
    let (p, d) = evaluate("$: take(2, s(\"bd cp ht mt\"))");
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(onsets(&p.tracks[0].pattern, 0, 1).len(), 2);
    assert!(p.takes.is_empty());
    let (p, d) = evaluate("$: s(\"bd cp ht mt\").take(\"<2 -3>\")");
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(onsets(&p.tracks[0].pattern, 1, 2).len(), 3);
}

#[test]
fn wrong_take_lines_are_errors_at_their_call() {
    let src = "drums: s(\"bd\")\ntake('a b', 4)\ntake('v', 0)\ntake('w', 2, { form: 'drums' })\ntake('x', 2, { from: 'drum' })\n";
    let (p, d) = evaluate(src);
    let errors: Vec<_> = d.iter().filter(|d| d.code == "E0233").collect();
    assert_eq!(errors.len(), 4, "{d:?}");
    let at = |d: &lang::diagnostics::Diagnostic| &src[d.span.clone().unwrap()];
    // Errors of the arguments point at the call, an unknown track at its line.
    assert_eq!(at(errors[0]), "take");
    assert!(
        errors[0].message.contains("cannot name a take"),
        "{errors:?}"
    );
    assert!(errors[1].message.contains("from 1 to 1024"), "{errors:?}");
    assert!(
        errors[2].message.contains("unknown option `form`"),
        "{errors:?}"
    );
    assert!(
        errors[3].message.contains("no track is called `drum`"),
        "{errors:?}"
    );
    assert_eq!(at(errors[3]), "take('x', 2, { from: 'drum' })");
    assert!(errors[3].help.as_deref().unwrap_or("").contains("`drums`"));
    // The track plays; no take is asked for.
    assert!(p.takes.is_empty());
    assert_eq!(p.tracks.len(), 1);
}
