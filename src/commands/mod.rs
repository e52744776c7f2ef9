//! Subcommands of the `weft` binary.

pub mod check;
pub mod devices;
pub mod doc;
pub mod downloads;
pub mod events;
pub mod export;
pub mod fmt;
#[cfg(feature = "link")]
pub mod link;
pub mod midi;
pub mod play;
pub mod plot;
pub mod render;
pub mod render_report;
pub mod repl;
pub mod roll;
pub mod sample;

use engine::samples::fetch::Fetcher;
use engine::samples::sources::cached_names;
use lang::diagnostics::{render, render_with, Diagnostic};
use lang::program::{EvalOptions, Evaluation};
use lang::sample_source::{MapNames, SampleSource};
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

static SAMPLE_SOURCES: std::sync::OnceLock<Vec<SampleSource>> = std::sync::OnceLock::new();

/// Records the `--samples` sources after checking that each folder is
/// readable and each address is one weft can download.
pub fn set_sample_sources(given: &[String]) -> Result<(), String> {
    let mut sources = Vec::new();
    for g in given {
        let source =
            SampleSource::from_text(g, None).map_err(|e| format!("error: --samples: {e}"))?;
        if let SampleSource::Folder(d) = &source {
            if let Err(e) = std::fs::read_dir(d) {
                return Err(format!(
                    "error: --samples: cannot read the folder `{}`: {e}",
                    d.display()
                ));
            }
        }
        sources.push(source);
    }
    let _ = SAMPLE_SOURCES.set(sources);
    Ok(())
}

/// The `--samples` sources.
pub fn sample_sources() -> &'static [SampleSource] {
    SAMPLE_SOURCES.get().map(|d| d.as_slice()).unwrap_or(&[])
}

/// Evaluation options for a program: the standard library's effects in
/// scope, its sounds (and the samples') known, the `--samples` sources,
/// the sound names of sample maps in the download cache.
pub fn eval_options(file: Option<PathBuf>) -> EvalOptions {
    let takes = crate::live::takes::saved_names(file.as_deref());
    let mut options = EvalOptions {
        sample_map_names: Some(MapNames(std::sync::Arc::new(|s| {
            cached_names(Fetcher::global(), s)
        }))),
        ..stdlib::eval_options(file, sample_sources())
    };
    // The takes beside the program play as samples.
    if let Some(known) = options.known_sounds.as_mut() {
        known.extend(takes);
    }
    options
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
