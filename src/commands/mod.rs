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

/// Evaluates a program file's source (imports relative to the file).
pub fn evaluate(path: &str, src: &str) -> Evaluation {
    let options = EvalOptions {
        file: Some(std::path::PathBuf::from(path)),
        known_sounds: None,
    };
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
