//! The conformance suite: weft's events for every recorded case must equal
//! the reference implementation's (tests/conformance/expected/*.jsonl).
//! Cases listed in tests/conformance/divergences.txt are known, documented
//! differences; any other failure fails this test, and so does a listed
//! case that passes (so the list stays true).

use lang::conformance::{run_case, Outcome};
use std::collections::BTreeMap;

fn divergences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string("../tests/conformance/divergences.txt").unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with("name:"))
        .filter_map(|l| {
            let (id, why) = l.split_once(' ')?;
            Some((id.to_string(), why.trim().to_string()))
        })
        .collect()
}

fn run_file(name: &str) -> (usize, usize, Vec<(String, String)>) {
    let path = format!("../tests/conformance/expected/{name}.jsonl");
    let text = std::fs::read_to_string(&path).expect("expected data");
    let (mut total, mut passed, mut failures) = (0, 0, Vec::new());
    for line in text.lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        total += 1;
        let id = format!("{name}:{}", case["line"]);
        let outcome = std::panic::catch_unwind(|| run_case(&case))
            .unwrap_or_else(|_| Outcome::Fail("panicked".into()));
        match outcome {
            Outcome::Fail(why) => failures.push((id, format!("{}  ⟶  {why}", case["code"]))),
            _ => passed += 1,
        }
    }
    (total, passed, failures)
}

#[test]
fn conformance_with_reference() {
    let known = divergences();
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    let mut summary = Vec::new();
    let mut all_failed = std::collections::BTreeSet::new();
    let mut names: Vec<String> = std::fs::read_dir("../tests/conformance/expected")
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".jsonl").map(str::to_string)
        })
        .collect();
    names.sort();
    for name in &names {
        let (total, passed, failures) = run_file(name);
        summary.push(format!("{name}: {passed}/{total}"));
        for (id, why) in failures {
            all_failed.insert(id.clone());
            if !known.contains_key(&id) {
                unexpected.push(format!("{id}: {why}"));
            }
        }
    }
    for id in known.keys() {
        if !all_failed.contains(id) {
            fixed.push(id.clone());
        }
    }
    println!("conformance: {}", summary.join(", "));
    if !unexpected.is_empty() || !fixed.is_empty() {
        panic!(
            "{} unexpected failures:\n{}\n{} listed divergences now pass (remove them): {:?}",
            unexpected.len(),
            unexpected.join("\n"),
            fixed.len(),
            fixed
        );
    }
}
