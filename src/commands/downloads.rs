//! Sample downloads as the commands show them: one line on stderr updated
//! in place on a terminal, plain lines otherwise; and the sample maps of a
//! program downloaded before `check` and `render` read its sound names.

use super::evaluate;
use engine::samples::fetch::{Fetcher, Progress};
use engine::samples::sources::{cached_names, load_map, MapError};
use lang::program::Evaluation;
use lang::sample_source::SampleSource;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Downloads counted from when a command started.
fn since(p: &Progress, base: &Progress) -> Progress {
    Progress {
        started: p.started.saturating_sub(base.started),
        finished: p.finished.saturating_sub(base.finished),
        failed: p.failed.saturating_sub(base.failed),
        bytes: p.bytes.saturating_sub(base.bytes),
        current: p.current.clone(),
    }
}

fn megabytes(bytes: u64) -> String {
    if bytes < 1_000_000 {
        format!("{} kB", bytes.div_ceil(1000))
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// A short description of downloads under way, if any (for status lines).
pub fn describe(p: &Progress) -> Option<String> {
    if p.active() == 0 {
        return None;
    }
    Some(format!(
        "downloading samples: {} of {} done, {}",
        p.finished + p.failed,
        p.started,
        megabytes(p.bytes)
    ))
}

/// The progress of downloads on stderr.
pub struct DownloadLine {
    base: Progress,
    terminal: bool,
    drawn: bool,
    last: Progress,
    last_plain: Instant,
}

impl Default for DownloadLine {
    fn default() -> Self {
        DownloadLine::new()
    }
}

impl DownloadLine {
    /// Counts downloads from now on.
    pub fn new() -> DownloadLine {
        DownloadLine {
            base: Fetcher::global().progress(),
            terminal: std::io::stderr().is_terminal(),
            drawn: false,
            last: Progress::default(),
            last_plain: Instant::now(),
        }
    }

    /// The downloads under way, for a status line (`None` when none are).
    pub fn status_text(&self) -> Option<String> {
        describe(&since(&Fetcher::global().progress(), &self.base))
    }

    /// Shows the fetcher's progress: redrawn in place on a terminal; as a
    /// plain line at most once a second otherwise (and when a batch ends).
    pub fn update(&mut self) {
        let p = since(&Fetcher::global().progress(), &self.base);
        if p == self.last {
            return;
        }
        let done_now = p.finished + p.failed;
        let batch_ended = p.active() == 0 && done_now > self.last.finished + self.last.failed;
        self.last = p.clone();
        let Some(text) = describe(&p).or_else(|| {
            batch_ended.then(|| {
                format!(
                    "downloaded samples: {} file{}, {}{}",
                    p.finished,
                    if p.finished == 1 { "" } else { "s" },
                    megabytes(p.bytes),
                    if p.failed > 0 {
                        format!(", {} failed", p.failed)
                    } else {
                        String::new()
                    }
                )
            })
        }) else {
            return;
        };
        let mut err = std::io::stderr();
        if self.terminal {
            let width = terminal_size::terminal_size()
                .map(|(w, _)| w.0 as usize)
                .unwrap_or(100);
            let mut line = match (&p.current, p.active() > 0) {
                (Some(url), true) => format!("{text} — {url}"),
                _ => text,
            };
            if line.chars().count() >= width {
                line = line
                    .chars()
                    .take(width.saturating_sub(2))
                    .collect::<String>()
                    + "…";
            }
            let _ = write!(err, "\r\x1b[2K{line}");
            self.drawn = true;
        } else if batch_ended || self.last_plain.elapsed() >= Duration::from_secs(1) {
            let _ = writeln!(err, "{text}");
            self.last_plain = Instant::now();
        }
        let _ = err.flush();
    }

    /// Ends the line (a terminal keeps the last state on its own line).
    pub fn finish(&mut self) {
        self.update();
        if self.drawn {
            let _ = writeln!(std::io::stderr());
            self.drawn = false;
        }
    }
}

/// Evaluates a program file and makes sure the sample maps it names by
/// address are in the download cache (never offline), evaluating again
/// when one arrived so that unknown sound names are reported. Returns the
/// evaluation and the problems met (failed downloads, unusable maps,
/// maps missing offline, `timeout` passed).
pub fn evaluate_with_maps(path: &str, src: &str, timeout: Duration) -> (Evaluation, Vec<String>) {
    let ev = evaluate(path, src);
    let fetcher = Fetcher::global();
    let missing: Vec<String> = ev
        .program
        .sample_sources
        .iter()
        .filter(|s| cached_names(fetcher, s).is_none())
        .filter_map(|s| match s {
            SampleSource::Url { url, .. } => Some(url.clone()),
            _ => None,
        })
        .collect();
    if missing.is_empty() {
        return (ev, Vec::new());
    }
    let mut line = DownloadLine::new();
    let handles: Vec<_> = missing
        .into_iter()
        .map(|url| {
            let u = url.clone();
            (
                url,
                std::thread::spawn(move || load_map(Fetcher::global(), &u)),
            )
        })
        .collect();
    let started = Instant::now();
    while !handles.iter().all(|(_, h)| h.is_finished()) && started.elapsed() < timeout {
        line.update();
        std::thread::sleep(Duration::from_millis(20));
    }
    line.finish();
    let mut problems = Vec::new();
    let mut arrived = false;
    for (url, h) in handles {
        if !h.is_finished() {
            problems.push(format!(
                "timed out after {} s waiting for the sample map `{url}`; its sounds are not checked",
                timeout.as_secs()
            ));
            continue;
        }
        match h.join() {
            Ok(Ok(_)) => arrived = true,
            Ok(Err(e @ MapError::NotCached(_))) | Ok(Err(e @ MapError::Failed(_))) => {
                problems.push(e.to_string())
            }
            Err(_) => problems.push("a sample map could not be read".into()),
        }
    }
    let ev = if arrived { evaluate(path, src) } else { ev };
    (ev, problems)
}
