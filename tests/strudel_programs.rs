//! Strudel programs as written (tests/conformance/strudel): every `@example`
//! of Strudel's documentation, the website's tunes and the code fields of
//! its pages, evaluated as a weft program file, must give the reference's
//! events over the cycles recorded — exactly, to the last bit of every
//! number. Programs the reference rejects must be rejected too; those that
//! need a browser must say so. Programs listed in
//! tests/conformance/strudel/divergences.txt are known differences (the
//! test fails when one of them starts to pass, so the list stays true).

use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use weft::lang::conformance::{events_to_json, same_events};
use weft::lang::pattern::{take_query_errors, take_query_warnings, with_work_budget};
use weft::lang::Time;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/conformance/strudel");

fn read_jsonl(path: &str) -> Vec<Json> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What `weft events FILE --json --to CYCLES` gives for `code`: the events
/// of all audible tracks, and the messages of the errors reported.
struct Outcome {
    events: Vec<Json>,
    errors: Vec<String>,
}

fn program_events(code: &str, cycles: i64) -> Outcome {
    let options = weft::stdlib::eval_options(None, &[]);
    let ev = weft::lang::program::evaluate_with(code, &options);
    let mut errors: Vec<String> = ev
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    let mut events = Vec::new();
    take_query_errors();
    take_query_warnings();
    for track in ev.program.audible() {
        let haps = with_work_budget(20_000_000, || {
            track.pattern.query_arc(Time::ZERO, Time::int(cycles))
        });
        events.extend(events_to_json(&haps));
    }
    let query_errors = take_query_errors();
    if !query_errors.is_empty() {
        // A query that fails stops `weft events` with the error.
        events.clear();
        errors.extend(query_errors);
    }
    Outcome { events, errors }
}

fn divergences() -> BTreeMap<String, String> {
    std::fs::read_to_string(format!("{DIR}/divergences.txt"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (id, why) = l.split_once(' ')?;
            Some((id.to_string(), why.trim().to_string()))
        })
        .collect()
}

/// Runs one suite: (programs, passing, failures as (id, why)).
fn run_suite(name: &str) -> (usize, usize, Vec<(String, String)>) {
    let cases = read_jsonl(&format!("{DIR}/cases/{name}.jsonl"));
    let expected: BTreeMap<String, Json> = read_jsonl(&format!("{DIR}/expected/{name}.jsonl"))
        .into_iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e))
        .collect();
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let code = case["code"].as_str().unwrap();
        let want = &expected[id];
        let cycles = want["cycles"].as_i64().unwrap();
        let got =
            std::panic::catch_unwind(|| program_events(code, cycles)).unwrap_or_else(|_| Outcome {
                events: Vec::new(),
                errors: vec!["panicked".into()],
            });
        let errors = got.errors.join("; ");
        let verdict = if want.get("browser").is_some() {
            // What truly needs a browser must say so (the rest may play).
            if errors.contains("browser") {
                Ok(())
            } else {
                Err(format!("needs a browser, but no error says so: {errors}"))
            }
        } else if let Some(e) = want.get("error") {
            if got.errors.is_empty() {
                Err(format!(
                    "expected an error ({e}), got {} events",
                    got.events.len()
                ))
            } else {
                Ok(())
            }
        } else if got.events.is_empty() && !got.errors.is_empty() {
            Err(format!("refused: {errors}"))
        } else {
            same_events(&got.events, want["events"].as_array().unwrap())
        };
        if let Err(why) = verdict {
            failures.push((format!("{name}:{id}"), why));
        }
    }
    (cases.len(), cases.len() - failures.len(), failures)
}

/// Rewrites divergences.txt to list exactly the programs failing now:
/// listed ones keep their reason, new ones get "pending: <why>". Run with
/// `WEFT_UPDATE_DIVERGENCES=1` after deliberate changes, then review.
fn rewrite_divergences(
    known: &BTreeMap<String, String>,
    failed: &BTreeSet<String>,
    unexpected: &[String],
) {
    let path = format!("{DIR}/divergences.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut out: Vec<String> = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(str::to_string)
        .collect();
    for id in failed {
        match known.get(id) {
            Some(why) => out.push(format!("{id} {why}")),
            None => {
                let why = unexpected
                    .iter()
                    .find_map(|u| u.strip_prefix(&format!("{id}: ")))
                    .unwrap_or("");
                let why: String = why.chars().take(160).collect();
                out.push(format!("{id} pending: {why}"));
            }
        }
    }
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
}

#[test]
fn strudel_programs_give_the_reference_events() {
    let known = divergences();
    let (mut unexpected, mut summary, mut failed) = (Vec::new(), Vec::new(), BTreeSet::new());
    for name in ["examples", "tunes", "website"] {
        let (total, passed, failures) = run_suite(name);
        summary.push(format!("{name}: {passed}/{total}"));
        for (id, why) in failures {
            if !known.contains_key(&id) {
                unexpected.push(format!("{id}: {why}"));
            }
            failed.insert(id);
        }
    }
    let fixed: Vec<&String> = known.keys().filter(|id| !failed.contains(*id)).collect();
    println!("strudel programs: {}", summary.join(", "));
    if std::env::var_os("WEFT_UPDATE_DIVERGENCES").is_some() {
        rewrite_divergences(&known, &failed, &unexpected);
        return;
    }
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "{} unexpected failures:\n{}\n{} listed divergences now pass (remove them): {fixed:?}",
        unexpected.len(),
        unexpected.join("\n"),
        fixed.len(),
    );
}
