//! Subcommands of the `weft` binary.

pub mod check;
pub mod events;

use lang::diagnostics::{render, Diagnostic};
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
