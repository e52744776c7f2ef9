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

/// The events `weft events FILE --json --to CYCLES` prints for `code`
/// (all audible tracks), or the errors that stop it.
fn program_events(code: &str, cycles: i64) -> Result<Vec<Json>, String> {
    weft::lang::library::voicing_fns::reset_program_state();
    let options = weft::stdlib::eval_options(None, &[]);
    let ev = weft::lang::program::evaluate_with(code, &options);
    let errors: Vec<String> = ev
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
        return Err(query_errors.join("; "));
    }
    if events.is_empty() && !errors.is_empty() {
        return Err(errors.join("; "));
    }
    Ok(events)
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
        let got = std::panic::catch_unwind(|| program_events(code, cycles))
            .unwrap_or_else(|_| Err("panicked".into()));
        let verdict = match (want.get("error"), got) {
            (Some(_), Err(e)) if want.get("browser").is_some() && !e.contains("browser") => Err(
                format!("needs a browser, but the error does not say so: {e}"),
            ),
            (Some(_), Err(_)) => Ok(()),
            (Some(e), Ok(evs)) => Err(format!("expected an error ({e}), got {} events", evs.len())),
            (None, Err(e)) => Err(format!("refused: {e}")),
            (None, Ok(evs)) => same_events(&evs, want["events"].as_array().unwrap()),
        };
        if let Err(why) = verdict {
            failures.push((format!("{name}:{id}"), why));
        }
    }
    (cases.len(), cases.len() - failures.len(), failures)
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
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "{} unexpected failures:\n{}\n{} listed divergences now pass (remove them): {fixed:?}",
        unexpected.len(),
        unexpected.join("\n"),
        fixed.len(),
    );
}
