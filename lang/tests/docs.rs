//! Documentation that cannot drift: every diagnostic code is documented,
//! and every tutorial example evaluates without errors.

use std::path::Path;

fn files(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

#[test]
fn every_diagnostic_code_is_documented() {
    let doc = std::fs::read_to_string("../docs/errors.md").unwrap();
    let mut sources = Vec::new();
    files(Path::new("src"), "rs", &mut sources);
    let mut missing = Vec::new();
    for f in sources {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, _) in text.match_indices("\"E0").chain(text.match_indices("\"W0")) {
            let code = &text[i + 1..i + 6];
            if code.chars().skip(1).all(|c| c.is_ascii_digit())
                && !doc.contains(&format!("| {code} |"))
            {
                missing.push(format!("{code} ({})", f.display()));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented codes: {missing:?}");
}

#[test]
fn tutorial_examples_evaluate_cleanly() {
    // The tutorial's lessons need only the language; every example is
    // evaluated with the standard library in stdlib/tests/docs.rs.
    let mut examples = Vec::new();
    files(Path::new("../examples/tutorial"), "weft", &mut examples);
    assert!(examples.len() >= 11);
    for path in examples {
        let ev = lang::program::evaluate_file(&path, &Default::default()).unwrap();
        let errors: Vec<_> = ev.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        assert!(
            !ev.program.tracks.is_empty(),
            "{} has no tracks",
            path.display()
        );
    }
}

#[test]
fn every_library_name_is_documented() {
    let missing = lang::docs::undocumented();
    assert!(
        missing.is_empty(),
        "{} undocumented: {missing:?}",
        missing.len()
    );
}

#[test]
fn every_documented_example_evaluates() {
    for e in lang::docs::all() {
        if e.example.is_empty() {
            continue;
        }
        let result = if e.example.starts_with("instrument ") || e.example.contains('\n') {
            let (_, d) = lang::program::evaluate(&e.example);
            d.iter().find(|d| d.is_error()).map(|d| d.message.clone())
        } else {
            lang::eval::eval_source(&e.example)
                .err()
                .map(|d| d[0].message.clone())
        };
        assert!(
            result.is_none(),
            "example of `{}` fails: {:?}\n{}",
            e.name,
            result,
            e.example
        );
    }
}

#[test]
fn no_library_name_is_registered_twice() {
    assert_eq!(
        lang::library::registry::duplicate_names(),
        Vec::<&str>::new()
    );
}
