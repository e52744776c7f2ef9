//! `weft events` and `weft check` end to end: exact event lines, the
//! table, ranges, a program's track, diagnostics as text and JSON, and
//! exit codes.

mod common;

use common::{run_weft as run, temp_dir};

fn sorted_lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.lines().collect();
    v.sort();
    v
}

#[test]
fn events_prints_exact_json_lines() {
    let (code, out, err) = run(&["events", "-e", "note(\"c e\").fast(2)", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        sorted_lines(&out),
        vec![
            r#"{"whole":["0","1/4"],"part":["0","1/4"],"value":{"note":"c"}}"#,
            r#"{"whole":["1/2","3/4"],"part":["1/2","3/4"],"value":{"note":"c"}}"#,
            r#"{"whole":["1/4","1/2"],"part":["1/4","1/2"],"value":{"note":"e"}}"#,
            r#"{"whole":["3/4","1"],"part":["3/4","1"],"value":{"note":"e"}}"#,
        ]
    );
}

#[test]
fn events_ranges_lists_and_signals() {
    // `:` values split into s and n; the range starts half way.
    let (code, out, _) = run(&[
        "events",
        "-e",
        "s(\"bd:3 sd\")",
        "--from",
        "0",
        "--to",
        "1",
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec![
            r#"{"whole":["0","1/2"],"part":["0","1/2"],"value":{"s":"bd","n":3}}"#,
            r#"{"whole":["1/2","1"],"part":["1/2","1"],"value":{"s":"sd"}}"#,
        ]
    );
    let (_, out, _) = run(&[
        "events", "-e", "\"a b\"", "--from", "1/2", "--to", "3/2", "--json",
    ]);
    assert_eq!(
        sorted_lines(&out),
        vec![
            r#"{"whole":["1","3/2"],"part":["1","3/2"],"value":"a"}"#,
            r#"{"whole":["1/2","1"],"part":["1/2","1"],"value":"b"}"#,
        ]
    );
    // A continuous signal has no whole and samples the span's start.
    let (_, out, _) = run(&["events", "-e", "saw", "--to", "1/2", "--json"]);
    assert_eq!(out.trim(), r#"{"whole":null,"part":["0","1/2"],"value":0}"#);
    // Bare mini-notation lists.
    let (_, out, _) = run(&["events", "-e", "\"bd:1:2\"", "--json"]);
    assert_eq!(
        out.trim(),
        r#"{"whole":["0","1"],"part":["0","1"],"value":["bd",1,2]}"#
    );
}

#[test]
fn events_table_is_readable() {
    let (code, out, _) = run(&["events", "-e", "n(\"0 1\")"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    assert!(lines[0].starts_with("whole"), "{out}");
    assert!(
        lines[1].starts_with("0 → 1/2") && lines[1].ends_with("n: 0"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("1/2 → 1") && lines[2].ends_with("n: 1"),
        "{out}"
    );
}

#[test]
fn events_of_a_programs_track() {
    let d = temp_dir("cli-track");
    let f = d.join("song.weft");
    std::fs::write(
        &f,
        "bpm(120)\ndrums: s(\"bd sd\")\nbass: note(\"c2 eb2\").s(\"sawtooth\")\n",
    )
    .unwrap();
    let (code, out, err) = run(&["events", f.to_str().unwrap(), "--track", "bass", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec![
            r#"{"whole":["0","1/2"],"part":["0","1/2"],"value":{"note":"c2","s":"sawtooth"}}"#,
            r#"{"whole":["1/2","1"],"part":["1/2","1"],"value":{"note":"eb2","s":"sawtooth"}}"#,
        ]
    );
    let (code, _, err) = run(&["events", f.to_str().unwrap(), "--track", "keys"]);
    assert_eq!(code, 1);
    assert!(err.contains("keys"), "{err}");
}

#[test]
fn events_reject_bad_input_with_exit_code_1() {
    for args in [
        vec!["events", "-e", "fast("],
        vec!["events", "-e", "\"a [b\""],
        vec!["events", "-e", "\"a\"", "--to", "x"],
        vec!["events", "/no/such/file.weft"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(
            !err.is_empty() && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
    let (_, _, err) = run(&["events", "-e", "\"a [b\""]);
    assert!(err.contains("1:4") || err.contains("not closed"), "{err}");
}

#[test]
fn check_reports_diagnostics_as_text_and_json() {
    let d = temp_dir("cli-check");
    let good = d.join("good.weft");
    std::fs::write(&good, "a: s(\"bd sd\").fast(2)\n").unwrap();
    let (code, out, err) = run(&["check", good.to_str().unwrap()]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));

    let bad = d.join("bad.weft");
    std::fs::write(&bad, "a: s(\"bd\").fsat(2)\n").unwrap();
    let (code, _, err) = run(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("E0201") && err.contains("did you mean `fast`?"),
        "{err}"
    );

    let (code, out, _) = run(&["check", bad.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["file"], bad.to_str().unwrap());
    assert_eq!(v["line"], 1);
    assert_eq!(v["column"], 12);
    assert_eq!(v["span"], serde_json::json!([11, 15]));
    assert_eq!(v["severity"], "error");
    assert_eq!(v["code"], "E0201");
    assert_eq!(v["message"], "a pattern has no method `fsat`");
    assert_eq!(v["help"], "did you mean `fast`?");

    // A warning alone is not a failure.
    let warn = d.join("warn.weft");
    std::fs::write(&warn, "a: s(\"bd sawtoth\")\n").unwrap();
    let (code, out, _) = run(&["check", warn.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["severity"], "warning");
    assert_eq!(v["help"], "did you mean `sawtooth`?");
}

#[test]
fn patterns_too_dense_to_play_end_with_one_clear_message() {
    let cases = [
        (
            "note(\"c d e f\").inside(99999999, rev)",
            "(`inside(99999999, rev)` at 1:24)",
        ),
        ("note(\"[a _ _ b]*99999999\")", "(`*99999999` at 1:16)"),
        ("sine.segment(99999999)", "(`segment(99999999)` at 1:14)"),
        ("note(\"c d e f\").swing(1e9)", "(`swing(1e9)` at 1:23)"),
        (
            "fastcat(note(\"c d\"), s(\"bd*2\")).segment(1e8)",
            "(`segment(1e8)` at 1:",
        ),
    ];
    for (expr, at) in cases {
        let (code, out, err) = run(&["events", "-e", expr, "--to", "8"]);
        assert_eq!(code, 1, "{expr}: {err}");
        assert!(out.is_empty(), "{expr}: {out}");
        assert!(
            err.starts_with(
                "error: the pattern is too dense: far more than 20,000 events per cycle "
            ) && err.contains(at)
                && err.trim_end().ends_with("the limit is 20,000 per cycle"),
            "{expr}: {err}"
        );
    }
}

#[test]
fn check_plays_the_first_cycles_and_reports_problems_under_their_track() {
    let dir = temp_dir("check-cycles");
    let file = dir.join("p.weft");
    std::fs::write(
        &file,
        "a: s(\"bd*4\")\nbad: note(\"[a _ _ b]*99999999\")\nn: note(\"c\").lpf(0/0)\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let (code, _, err) = run(&["check", f, "--cycles", "2"]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "error: track `bad`: too dense: far more than 20,000 events per cycle (`*99999999` at 2:21); the limit is 20,000 per cycle",
            "warning: track `n`: control `cutoff` is not a number (NaN), first at cycle 0",
        ],
        "{err}"
    );
    // Without playing, the program has no diagnostics.
    let (code, _, err) = run(&["check", f, "--cycles", "0"]);
    assert_eq!((code, err.as_str()), (0, ""));
    // An export of it fails with the same cause.
    let (code, _, err) = run(&["export", f, "-o", dir.join("p.mid").to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("track `bad` is too dense"), "{err}");
    assert!(!dir.join("p.mid").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
