//! `weft fmt` over every program the project has: the examples, the
//! tutorial's lessons, the standard library's sources, the conformance
//! cases and the whole Strudel programs of tests/conformance/strudel
//! (written in Strudel's JavaScript: declarations, functions with bodies,
//! `$:` labels, template strings, comments). For each: formatting again
//! changes nothing, and the formatted program gives exactly the same
//! events (and the same errors) as the original. And the command itself:
//! files rewritten in place, `--check`, standard input.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use weft::lang::conformance::{events_json, events_to_json};
use weft::lang::format::{format_source, FormatError};
use weft::lang::pattern::{take_query_errors, take_query_warnings, with_work_budget};
use weft::lang::Time;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Formats `src`; checks that a second pass changes nothing.
fn format_twice(name: &str, src: &str) -> Result<String, String> {
    let once = match format_source(src) {
        Ok(f) => f,
        Err(FormatError::Syntax(_)) => return Err("syntax".into()),
        Err(e) => panic!("{name}: {e}\n--- source:\n{src}"),
    };
    let twice = format_source(&once).unwrap_or_else(|e| panic!("{name}: again: {e}\n{once}"));
    assert_eq!(
        once, twice,
        "{name}: formatting again changes the layout\n--- source:\n{src}"
    );
    Ok(once)
}

/// The events of every audible track over `cycles` cycles and the error
/// messages, as `weft events FILE --json` would give them.
fn program_events(code: &str, cycles: i64) -> (Vec<Json>, Vec<String>) {
    let options = weft::stdlib::eval_options(None, &[]);
    let ev = weft::lang::program::evaluate_with(code, &options);
    let mut errors: Vec<String> = ev
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    let mut events = Vec::new();
    take_query_errors();
    take_query_warnings();
    for track in ev.program.audible() {
        let haps = with_work_budget(20_000_000, || {
            track.pattern.query_arc(Time::ZERO, Time::int(cycles))
        });
        events.push(Json::String(track.name.clone()));
        events.extend(events_to_json(&haps));
    }
    errors.extend(take_query_errors());
    (events, errors)
}

/// Formats a whole program and compares its events before and after.
fn check_program(name: &str, src: &str, cycles: i64) -> bool {
    let Ok(formatted) = format_twice(name, src) else {
        return false;
    };
    let before = program_events(src, cycles);
    let after = program_events(&formatted, cycles);
    assert!(
        before == after,
        "{name}: the formatted program gives other events or errors\n--- source:\n{src}\n--- formatted:\n{formatted}\n--- errors before: {:?}\n--- errors after: {:?}",
        before.1,
        after.1
    );
    true
}

fn weft_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            weft_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "weft") {
            out.push(p);
        }
    }
}

#[test]
fn examples_lessons_and_stdlib_keep_their_events() {
    let mut files = Vec::new();
    weft_files(&Path::new(ROOT).join("examples"), &mut files);
    weft_files(&Path::new(ROOT).join("stdlib"), &mut files);
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        let name = f.display().to_string();
        let formatted = format_twice(&name, &src).unwrap_or_else(|_| panic!("{name}: syntax"));
        // Evaluated as the file itself: imports and sample folders are
        // relative to it.
        let events = |code: &str| {
            let options = weft::stdlib::eval_options(Some(f.clone()), &[]);
            let ev = weft::lang::program::evaluate_with(code, &options);
            let errors: Vec<String> = ev.diagnostics.iter().map(|d| d.message.clone()).collect();
            let mut all = Vec::new();
            for t in ev.program.audible() {
                let haps =
                    with_work_budget(20_000_000, || t.pattern.query_arc(Time::ZERO, Time::int(8)));
                all.push(Json::String(t.name.clone()));
                all.extend(events_to_json(&haps));
            }
            let instruments: Vec<String> = ev
                .program
                .instruments
                .iter()
                .map(|i| format!("{i:?}"))
                .collect();
            (all, errors, instruments, ev.program.cps.to_bits())
        };
        assert!(
            events(&src) == events(&formatted),
            "{name}: the formatted program differs\n{formatted}"
        );
    }
}

#[test]
fn conformance_cases_keep_their_events() {
    let dir = Path::new(ROOT).join("tests/conformance/cases");
    let mut checked = 0;
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for file in names {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, ' ');
            let (Some(from), Some(to), Some(code)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let (Ok(from), Ok(to)) = (from.parse::<Time>(), to.parse::<Time>()) else {
                continue;
            };
            let name = format!("{}:{}", file.display(), n + 1);
            let Ok(formatted) = format_twice(&name, code) else {
                continue;
            };
            let before = events_json(code, from, to);
            let after = events_json(formatted.trim_end(), from, to);
            assert!(
                before == after,
                "{name}: other events after formatting\n{code}\n{formatted}"
            );
            checked += 1;
        }
    }
    assert!(checked > 2000, "only {checked} cases checked");
}

#[test]
fn strudel_programs_keep_their_events() {
    let dir = Path::new(ROOT).join("tests/conformance/strudel/cases");
    let (mut total, mut formatted) = (0, 0);
    for suite in ["examples", "tunes", "website"] {
        let text = std::fs::read_to_string(dir.join(format!("{suite}.jsonl"))).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Json = serde_json::from_str(line).unwrap();
            let id = case["id"].as_str().unwrap();
            let code = case["code"].as_str().unwrap();
            let cycles = case["cycles"].as_i64().unwrap_or(4).min(16);
            total += 1;
            if check_program(&format!("{suite}:{id}"), code, cycles) {
                formatted += 1;
            }
        }
    }
    // The few programs weft cannot read (listed in the divergences) are
    // not formatted; all the others are.
    assert!(
        total > 800 && formatted + 10 >= total,
        "{formatted} of {total} formatted"
    );
}

fn weft_bin() -> &'static str {
    env!("CARGO_BIN_EXE_weft")
}

#[test]
fn fmt_rewrites_files_and_check_reports_them() {
    let dir = std::env::temp_dir().join(format!("weft-fmt-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let messy = dir.join("messy.weft");
    let tidy = dir.join("tidy.weft");
    std::fs::write(
        &messy,
        "// drums\nbpm( 120 )\ndrums:s(\"bd*2\")  .gain(0.8) // loud\nbass : note(\"c2\")\n",
    )
    .unwrap();
    std::fs::write(&tidy, "drums: s(\"bd\")\n").unwrap();
    let out = Command::new(weft_bin())
        .args(["fmt", "--check"])
        .arg(&messy)
        .arg(&tidy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("messy.weft") && !listed.contains("tidy.weft"),
        "{listed}"
    );
    let out = Command::new(weft_bin())
        .arg("fmt")
        .arg(&messy)
        .arg(&tidy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "// drums\nbpm(120)\ndrums: s(\"bd*2\").gain(0.8) // loud\nbass:  note(\"c2\")\n"
    );
    let out = Command::new(weft_bin())
        .args(["fmt", "--check"])
        .arg(&messy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));

    // A file with a syntax error is reported and left alone.
    let broken = dir.join("broken.weft");
    std::fs::write(&broken, "drums: s(\"bd\".fast(2)\n").unwrap();
    let out = Command::new(weft_bin())
        .arg("fmt")
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0"));
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "drums: s(\"bd\".fast(2)\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // Standard input to standard output.
    let mut child = Command::new(weft_bin())
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"let x=[1,2]\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "let x = [1, 2]\n");
}
