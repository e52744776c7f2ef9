//! Comparing weft's events with the reference implementation's, as recorded
//! in `tests/conformance/expected/*.jsonl` (see that folder's README).

use crate::eval::eval_source;
use crate::library::reify;
use crate::pattern::{take_query_errors, take_query_warnings, with_work_budget};
use crate::time::Time;
use serde_json::Value as Json;

/// The outcome of one case.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Same events in the same order.
    Pass,
    /// Same events, different order.
    PassUnordered,
    /// Both sides report an error.
    PassError,
    Fail(String),
}

/// Events of `code` over `[from, to)` as JSON objects, or an error message.
pub fn events_json(code: &str, from: Time, to: Time) -> Result<Vec<Json>, String> {
    crate::library::voicing_fns::reset_program_state();
    let v = eval_source(code).map_err(|d| {
        d.iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let pat = reify(&v);
    take_query_errors();
    take_query_warnings();
    let haps = with_work_budget(2_000_000, || pat.query_arc(from, to));
    let errs = take_query_errors();
    if !errs.is_empty() {
        return Err(errs.join("; "));
    }
    Ok(events_to_json(&haps))
}

/// Events in the expected files' JSON form (`whole`, `part`, `value`).
pub fn events_to_json(haps: &[crate::Hap<crate::Value>]) -> Vec<Json> {
    haps.iter()
        .map(|h| {
            let span = |s: &crate::span::Span| {
                Json::Array(vec![
                    Json::String(s.begin.to_string()),
                    Json::String(s.end.to_string()),
                ])
            };
            let mut obj = serde_json::Map::new();
            obj.insert(
                "whole".into(),
                h.whole.as_ref().map(span).unwrap_or(Json::Null),
            );
            obj.insert("part".into(), span(&h.part));
            if let Some(v) = h.value.to_json() {
                obj.insert(
                    "value".into(),
                    serde_json::from_str(&v).unwrap_or(Json::Null),
                );
            }
            Json::Object(obj)
        })
        .collect()
}

/// Compares two lists of events in any order, exactly (numbers to the last
/// bit, object keys in any order); says where they first differ.
pub fn same_events(got: &[Json], want: &[Json]) -> Result<(), String> {
    let mut g = got.to_vec();
    let mut w = want.to_vec();
    g.sort_by_cached_key(sort_key);
    w.sort_by_cached_key(sort_key);
    if g == w {
        return Ok(());
    }
    let first = g
        .iter()
        .zip(&w)
        .position(|(a, b)| a != b)
        .unwrap_or(g.len().min(w.len()));
    let show = |v: Option<&Json>| v.map(|v| v.to_string()).unwrap_or("nothing".into());
    Err(format!(
        "{} events, expected {}; first difference at #{first}: got {} expected {}",
        g.len(),
        w.len(),
        show(g.get(first)),
        show(w.get(first)),
    ))
}

/// Exact comparison of event JSON: numbers must be the same doubles.
fn exact_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| exact_eq(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| exact_eq(v, w)))
        }
        _ => a == b,
    }
}

/// An exact sort key: part, then whole (begin and end, continuous events
/// first), then the value's JSON text.
fn sort_key(e: &Json) -> (Time, Time, Option<(Time, Time)>, String) {
    let t = |v: Option<&Json>, i: usize| -> Time {
        v.and_then(|v| v.get(i))
            .and_then(|s| s.as_str())
            .and_then(|s| s.parse::<Time>().ok())
            .unwrap_or(Time::ZERO)
    };
    let part = e.get("part");
    let whole = e.get("whole").filter(|w| !w.is_null());
    (
        t(part, 0),
        t(part, 1),
        whole.map(|w| (t(Some(w), 0), t(Some(w), 1))),
        e.get("value").map(|v| v.to_string()).unwrap_or_default(),
    )
}

/// Runs one recorded case.
pub fn run_case(case: &Json) -> Outcome {
    let code = case["code"].as_str().unwrap_or("");
    let from: Time = case["from"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap_or(Time::ZERO);
    let to: Time = case["to"]
        .as_str()
        .unwrap_or("1")
        .parse()
        .unwrap_or(Time::ONE);
    let got = events_json(code, from, to);
    match (case.get("error"), got) {
        (Some(_), Err(_)) => Outcome::PassError,
        (Some(e), Ok(evs)) => Outcome::Fail(format!(
            "expected an error ({}), got {} events",
            e.as_str().unwrap_or(""),
            evs.len()
        )),
        (None, Err(e)) => Outcome::Fail(format!("unexpected error: {e}")),
        (None, Ok(got)) => {
            let want = case["events"].as_array().cloned().unwrap_or_default();
            if got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| exact_eq(a, b)) {
                return Outcome::Pass;
            }
            let mut g = got.clone();
            let mut w = want.clone();
            g.sort_by_cached_key(sort_key);
            w.sort_by_cached_key(sort_key);
            if g.len() == w.len() && g.iter().zip(&w).all(|(a, b)| exact_eq(a, b)) {
                return Outcome::PassUnordered;
            }
            let first = g
                .iter()
                .zip(&w)
                .position(|(a, b)| !exact_eq(a, b))
                .unwrap_or(g.len().min(w.len()));
            Outcome::Fail(format!(
                "{} events, expected {}; first difference at #{first}: got {} expected {}",
                g.len(),
                w.len(),
                g.get(first)
                    .map(|v| v.to_string())
                    .unwrap_or("nothing".into()),
                w.get(first)
                    .map(|v| v.to_string())
                    .unwrap_or("nothing".into()),
            ))
        }
    }
}
