//! Documentation that cannot drift: every stdlib name is documented with a
//! summary, its parameters and a runnable example; docs/stdlib.md is the
//! generated reference; every example program evaluates with the stdlib.

use lang::docs::Kind;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn stdlib_md_is_up_to_date() {
    let expected = lang::docs::markdown(&stdlib::docs::all());
    let path = root().join("docs/stdlib.md");
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/stdlib.md is stale: regenerate it with `cargo run -- doc --markdown > docs/stdlib.md`"
    );
}

#[test]
fn every_definition_is_fully_documented() {
    let mut problems = Vec::new();
    for d in stdlib::definitions() {
        let names: Vec<&str> = d.params.iter().map(|(n, _)| n.as_str()).collect();
        let doc = stdlib::docs::parse_doc(&d.doc, &names);
        if doc.summary.is_empty() {
            problems.push(format!("{}: no summary", d.name));
        }
        if doc.example.is_empty() {
            problems.push(format!("{}: no example", d.name));
        }
        for (p, _) in &d.params {
            let internal = ["variants", "variant", "rate"].contains(&p.as_str());
            if !internal && !doc.params.iter().any(|(n, _)| n == p) {
                problems.push(format!("{}: parameter `{p}` is not described", d.name));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_sound_is_documented() {
    let entries = stdlib::docs::all();
    for name in stdlib::known_sounds() {
        assert!(
            entries
                .iter()
                .any(|e| (e.name == name || e.aliases.contains(&name))
                    && matches!(e.kind, Kind::Instrument | Kind::Drum)),
            "{name} has no entry"
        );
    }
    let effects = stdlib::definitions().iter().filter(|d| d.is_effect).count();
    assert!(effects >= 6);
}

#[test]
fn harmony_is_documented() {
    let entries = stdlib::docs::all();
    let scales = entries.iter().filter(|e| e.kind == Kind::Scale).count();
    let chords = entries.iter().filter(|e| e.kind == Kind::Chord).count();
    assert!(scales >= 40, "{scales} scales");
    assert!(chords >= 30, "{chords} chords");
    for symbol in ["C:major", "D:dorian", "A:minor:pentatonic"] {
        let src = format!("n(\"0 2 4\").scale(\"{symbol}\")");
        assert!(lang::eval::eval_source(&src).is_ok(), "{symbol}");
    }
    for chord in ["Cm7", "F#m7b5", "Bb^7", "C"] {
        assert!(lang::tonal::chord_get(chord).is_some(), "{chord}");
    }
}

/// Evaluates a doc example with the standard library, from the repo root.
fn check_example(name: &str, example: &str) -> Option<String> {
    let is_program = example.contains('\n')
        || example.starts_with("instrument ")
        || example.starts_with("samples(");
    let src = if is_program {
        example.to_string()
    } else {
        format!("$: {example}")
    };
    let options = stdlib::eval_options(Some(root().join("doc-example.weft")), &[]);
    let ev = lang::program::evaluate_with(&src, &options);
    let bad: Vec<String> = ev
        .diagnostics
        .iter()
        .filter(|d| d.is_error() || d.code == "W0010")
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    (!bad.is_empty()).then(|| format!("{name}: {bad:?}\n{example}"))
}

#[test]
fn every_stdlib_example_evaluates() {
    let mut problems = Vec::new();
    for e in stdlib::docs::all() {
        if e.example.is_empty()
            || !matches!(
                e.kind,
                Kind::Instrument | Kind::Drum | Kind::Effect | Kind::Chord
            ) && e.category != "Effect controls"
                && e.name != "samples"
        {
            continue;
        }
        // Sample examples use the example folder.
        let example = if ["begin", "end", "loop", "unit"].contains(&e.name.as_str()) {
            format!("samples('examples/samples')\n$: {}", e.example)
        } else {
            e.example.clone()
        };
        problems.extend(check_example(&e.name, &example));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn examples_evaluate_with_the_stdlib() {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "weft") {
                out.push(p);
            }
        }
    }
    let mut all = Vec::new();
    files(&root().join("examples"), &mut all);
    for path in all {
        let ev = stdlib::evaluate_file(&path).unwrap();
        let bad: Vec<_> = ev
            .diagnostics
            .iter()
            .filter(|d| d.is_error() || d.code == "W0010")
            .collect();
        assert!(bad.is_empty(), "{}: {bad:?}", path.display());
        assert!(
            !ev.program.tracks.is_empty(),
            "{} has no tracks",
            path.display()
        );
    }
}

#[test]
fn readme_examples_evaluate() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```js\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 2);
    for b in blocks {
        let options = stdlib::eval_options(None, &[]);
        let ev = lang::program::evaluate_with(b, &options);
        let bad: Vec<_> = ev
            .diagnostics
            .iter()
            .filter(|d| d.is_error() || d.code == "W0010")
            .collect();
        assert!(bad.is_empty(), "{b}: {bad:?}");
        assert!(!ev.program.tracks.is_empty(), "{b}");
    }
}
