//! Snapshot tests of diagnostics: every file in tests/diagnostics/ is a
//! broken program; its rendered diagnostics are compared with the stored
//! snapshot. Adding a case means adding an input file.

use lang::diagnostics::render_with;
use lang::program::{evaluate_with, EvalOptions};

#[test]
fn diagnostics_snapshots() {
    insta::glob!("diagnostics/*.weft", |path| {
        let src = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let options = EvalOptions {
            file: Some(path.to_path_buf()),
            known_sounds: Some(vec![
                "sawtooth".into(),
                "bd".into(),
                "sd".into(),
                "cp".into(),
            ]),
            ..Default::default()
        };
        let ev = evaluate_with(&src, &options);
        assert!(
            !ev.diagnostics.is_empty(),
            "{name} should produce diagnostics"
        );
        let text = render_with(&ev.diagnostics, &name, &src, &Default::default(), false);
        insta::assert_snapshot!(text);
    });
}
