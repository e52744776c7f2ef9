//! Subcommands of the `weft` binary.

pub mod check;
pub mod devices;
pub mod doc;
pub mod events;
pub mod export;
#[cfg(feature = "link")]
pub mod link;
pub mod midi;
pub mod play;
pub mod render;
pub mod repl;

use lang::diagnostics::{render, render_with, Diagnostic};
use lang::program::{EvalOptions, Evaluation};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Reads a source file, or explains why it cannot.
pub fn read_source(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("error: cannot read `{path}`: {e}"))
}

/// Prints diagnostics to stderr (coloured on a terminal).
pub fn print_diagnostics(diags: &[Diagnostic], file: &str, src: &str) {
    if diags.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!("{}", render(diags, file, src, color));
}

static SAMPLE_DIRS: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();

/// Records the `--samples` folders after checking that each is a readable
/// folder.
pub fn set_sample_dirs(dirs: &[PathBuf]) -> Result<(), String> {
    for d in dirs {
        if let Err(e) = std::fs::read_dir(d) {
            return Err(format!(
                "error: --samples: cannot read the folder `{}`: {e}",
                d.display()
            ));
        }
    }
    let _ = SAMPLE_DIRS.set(dirs.to_vec());
    Ok(())
}

/// The `--samples` folders.
pub fn sample_dirs() -> &'static [PathBuf] {
    SAMPLE_DIRS.get().map(|d| d.as_slice()).unwrap_or(&[])
}

/// Evaluation options for a program: the standard library's effects in
/// scope, its sounds (and the samples') known, the `--samples` folders.
pub fn eval_options(file: Option<PathBuf>) -> EvalOptions {
    stdlib::eval_options(file, sample_dirs())
}

/// Evaluates a program file's source (imports relative to the file).
pub fn evaluate(path: &str, src: &str) -> Evaluation {
    let options = eval_options(Some(PathBuf::from(path)));
    lang::program::evaluate_with(src, &options)
}

/// Prints an evaluation's diagnostics, including those in imported files.
pub fn print_all_diagnostics(ev: &Evaluation, file: &str, src: &str) {
    if ev.diagnostics.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    eprint!(
        "{}",
        render_with(&ev.diagnostics, file, src, &ev.sources, color)
    );
}
