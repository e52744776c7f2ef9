//! A performance session: the program file, the statements typed in the
//! REPL on top of it, and the performer's overrides (mute, solo, tempo,
//! jumps). Every change is evaluated like a save: if it fails, what is
//! playing keeps playing.

use lang::diagnostics::render_with;
use lang::program::{evaluate_with, EvalOptions, Evaluation, Program, Track};
use lang::Time;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The result of trying a change.
pub struct Outcome {
    /// The program to play, if the change is usable (possibly with some
    /// tracks failed: they keep their previous version).
    pub program: Option<Program>,
    /// Tracks whose new version failed.
    pub failed: Vec<String>,
    /// Diagnostics, rendered for the terminal (empty if none).
    pub report: String,
    /// One line: what changed, or why nothing did.
    pub summary: String,
    /// Files the program imports (to watch them too).
    pub imports: Vec<std::path::PathBuf>,
}

/// Where tracks differ between two programs.
pub fn describe_changes(old: Option<&Program>, new: &Program) -> String {
    let Some(old) = old else {
        return format!("{} tracks", new.tracks.len());
    };
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for t in &new.tracks {
        match old.track(&t.name) {
            None => added.push(t.name.as_str()),
            Some(o) if !o.same_as(t) => changed.push(t.name.as_str()),
            _ => {}
        }
    }
    let removed: Vec<&str> = old
        .tracks
        .iter()
        .filter(|t| new.track(&t.name).is_none())
        .map(|t| t.name.as_str())
        .collect();
    let mut parts = Vec::new();
    if !added.is_empty() {
        parts.push(format!("+{}", added.join(" +")));
    }
    if !changed.is_empty() {
        parts.push(format!("~{}", changed.join(" ~")));
    }
    if !removed.is_empty() {
        parts.push(format!("-{}", removed.join(" -")));
    }
    if old.cps != new.cps {
        parts.push(format!(
            "tempo {:.1} bpm",
            new.cps * 60.0 * new.beats_per_cycle
        ));
    }
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join(" ")
    }
}

/// The performer's state on top of the source.
#[derive(Default)]
pub struct Session {
    pub file: Option<PathBuf>,
    /// Statements accepted at the REPL, in order.
    pub lines: Vec<String>,
    pub muted: BTreeSet<String>,
    pub unmuted: BTreeSet<String>,
    pub soloed: BTreeSet<String>,
    /// Tempo set with `:tempo` (cycles per second), overriding the source.
    pub tempo: Option<f64>,
    /// Shift applied to every track (set by `:jump`), in cycles.
    pub offset: Time,
    /// Sound names known besides the program's instruments.
    pub known_sounds: Vec<String>,
    /// The source text of the file as last read.
    file_text: String,
    /// Warnings already shown (each is shown once per session).
    shown: BTreeSet<String>,
}

impl Session {
    pub fn new(file: Option<PathBuf>, known_sounds: Vec<String>) -> Session {
        Session {
            file,
            known_sounds,
            ..Session::default()
        }
    }

    /// Re-reads the file. An unreadable file keeps the last text, and so
    /// does a file that became empty: editors truncate before they write,
    /// and half a save must not silence the music. Returns whether the
    /// text changed.
    pub fn read_file(&mut self) -> Result<bool, String> {
        if let Some(f) = &self.file {
            let text = std::fs::read_to_string(f)
                .map_err(|e| format!("cannot read `{}`: {e}", f.display()))?;
            if text.trim().is_empty() && !self.file_text.trim().is_empty() {
                return Err(format!(
                    "`{}` is empty (part way through a save?); to stop the music, save it with just a comment (`// stop`) or mute the tracks (`_name:`)",
                    f.display()
                ));
            }
            let changed = text != self.file_text;
            self.file_text = text;
            return Ok(changed);
        }
        Ok(false)
    }

    fn source(&self, extra: Option<&str>) -> String {
        let mut src = self.file_text.clone();
        for l in self.lines.iter().map(String::as_str).chain(extra) {
            if !src.is_empty() && !src.ends_with('\n') {
                src.push('\n');
            }
            src.push_str(l);
            src.push('\n');
        }
        src
    }

    /// The source the program playing was evaluated from: the file's
    /// text and the REPL's entries (event locations point into it).
    pub fn source_text(&self) -> String {
        self.source(None)
    }

    fn name(&self) -> String {
        match &self.file {
            Some(f) if self.lines.is_empty() => f.display().to_string(),
            Some(f) => format!("{} + REPL", f.display()),
            None => "REPL".into(),
        }
    }

    /// Evaluates the source plus an optional new statement.
    pub fn evaluate(&self, extra: Option<&str>) -> (Evaluation, String) {
        let src = self.source(extra);
        let options = EvalOptions {
            known_sounds: Some(self.known_sounds.clone()),
            ..crate::commands::eval_options(self.file.clone())
        };
        let mut ev = evaluate_with(&src, &options);
        if !self.lines.is_empty() || extra.is_some() {
            // Redefining a file's track at the REPL is the point, not a mistake.
            ev.diagnostics.retain(|d| d.code != "W0001");
        }
        (ev, src)
    }

    /// Applies the overrides (mute, solo, tempo, jump) to a program.
    pub fn overridden(&self, mut p: Program) -> Program {
        for t in &mut p.tracks {
            if self.muted.contains(&t.name) {
                t.muted = true;
            }
            if self.unmuted.contains(&t.name) {
                t.muted = false;
            }
            if self.soloed.contains(&t.name) {
                t.solo = true;
            }
            if self.offset != Time::ZERO {
                t.pattern = t.pattern.late(self.offset);
                t.source = format!("{}@{}", t.source, self.offset);
            }
        }
        if let Some(cps) = self.tempo {
            p.cps = cps;
            p.tempo_changes.clear();
        }
        p
    }

    /// Tries the source with `extra` (a REPL statement, if any). On success
    /// the statement is kept.
    pub fn attempt(
        &mut self,
        extra: Option<&str>,
        previous: Option<&Program>,
        color: bool,
    ) -> Outcome {
        // An entry of several statements keeps those that work: the
        // failing ones are reported and left out (the others take effect).
        let kept = extra.and_then(|entry| self.working_statements(entry, color));
        let (extra, dropped) = match &kept {
            Some((k, report)) => (Some(k.as_str()), report.clone()),
            None => (extra, String::new()),
        };
        let (mut ev, src) = self.evaluate(extra);
        let errors = ev.diagnostics.iter().filter(|d| d.is_error()).count();
        // Errors are shown every time; a warning only the first time.
        let shown = &mut self.shown;
        ev.diagnostics.retain(|d| {
            d.is_error() || shown.insert(format!("{}{}{:?}", d.code, d.message, d.label))
        });
        let report = if ev.diagnostics.is_empty() {
            dropped
        } else {
            dropped + &render_with(&ev.diagnostics, &self.name(), &src, &ev.sources, color)
        };
        // A REPL statement that fails is not kept, and a file that cannot
        // be read as a whole (a syntax error) changes nothing: which tracks
        // it meant is unknown. A file whose statements read but fail to
        // evaluate updates its good tracks; failed ones keep their previous
        // version.
        let syntax = ev
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.code < "E0110");
        if (extra.is_some() && errors > 0) || syntax {
            return Outcome {
                program: None,
                failed: ev.failed_tracks,
                imports: ev.imports,
                report,
                summary: format!(
                    "not applied: {errors} error{}; still playing the previous version",
                    plural(errors)
                ),
            };
        }
        if let Some(l) = extra {
            self.lines.push(l.to_string());
        }
        let program = self.overridden(ev.program);
        let summary = describe_changes(previous, &program);
        let summary = if errors > 0 {
            format!(
                "{summary}; {errors} error{} (kept the previous version of {})",
                plural(errors),
                if ev.failed_tracks.is_empty() {
                    "what failed".to_string()
                } else {
                    ev.failed_tracks.join(", ")
                }
            )
        } else {
            summary
        };
        Outcome {
            program: Some(program),
            failed: ev.failed_tracks,
            imports: ev.imports,
            report,
            summary,
        }
    }

    /// The statements of a REPL entry that evaluate without errors, when
    /// some (not all) of them fail, with the report of those that fail;
    /// `None` otherwise.
    fn working_statements(&self, entry: &str, color: bool) -> Option<(String, String)> {
        let (stmts, parse_errors) = lang::parser::parse_program(entry);
        if stmts.len() < 2 || !parse_errors.is_empty() {
            return None;
        }
        let (ev, src) = self.evaluate(Some(entry));
        let start = src.len() - entry.len() - 1;
        let failed = |s: &lang::ast::Stmt| {
            ev.diagnostics.iter().any(|d| {
                d.is_error()
                    && d.file.is_none()
                    && d.span.as_ref().is_some_and(|sp| {
                        sp.start >= start + s.span.start && sp.start < start + s.span.end
                    })
            })
        };
        let good: Vec<&str> = stmts
            .iter()
            .filter(|s| !failed(s))
            .map(|s| &entry[s.span.clone()])
            .collect();
        if good.is_empty() || good.len() == stmts.len() {
            return None;
        }
        let errors: Vec<lang::diagnostics::Diagnostic> = ev
            .diagnostics
            .iter()
            .filter(|d| {
                d.is_error()
                    && d.file.is_none()
                    && d.span.as_ref().is_some_and(|sp| sp.start >= start)
            })
            .cloned()
            .collect();
        let report = render_with(&errors, &self.name(), &src, &ev.sources, color);
        Some((good.join("\n"), report))
    }

    /// The current program as weft source (for `:save`).
    pub fn to_source(&self) -> String {
        let mut out = self.source(None);
        for m in &self.muted {
            out.push_str(&format!("// muted at the REPL: {m}\n"));
        }
        if let Some(cps) = self.tempo {
            out.push_str(&format!("setcps({cps})\n"));
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Names for completion: user `let`s and tracks in the current source.
pub fn user_names(src: &str) -> Vec<String> {
    let (stmts, _) = lang::parser::parse_program(src);
    let mut out = Vec::new();
    for s in stmts {
        match s.kind {
            lang::ast::StmtKind::Let { name, .. } => out.push(name),
            lang::ast::StmtKind::Track { name, .. } => out.push(name),
            lang::ast::StmtKind::Instrument { name, .. } => out.push(name),
            _ => {}
        }
    }
    out
}

/// A one-line list of the tracks and their state (for `:tracks`).
pub fn tracks_line(p: &Program) -> String {
    let any_solo = p.tracks.iter().any(|t| t.solo);
    p.tracks
        .iter()
        .map(|t: &Track| {
            let state = if t.muted {
                " (muted)"
            } else if t.solo {
                " (solo)"
            } else if any_solo {
                " (silent: another track is soloed)"
            } else {
                ""
            };
            format!("{}{state}", t.name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod read_tests {
    use super::Session;

    #[test]
    fn an_emptied_file_keeps_the_last_text() {
        let dir = std::env::temp_dir().join(format!("weft-session-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("live.weft");
        std::fs::write(&f, "a: s(\"bd\")\n").unwrap();
        let mut s = Session::new(Some(f.clone()), Vec::new());
        assert_eq!(s.read_file(), Ok(true));
        std::fs::write(&f, "").unwrap();
        let e = s.read_file().unwrap_err();
        assert!(e.contains("is empty"), "{e}");
        assert_eq!(s.file_text, "a: s(\"bd\")\n");
        // A comment is a program without tracks: that stops the music.
        std::fs::write(&f, "// stop\n").unwrap();
        assert_eq!(s.read_file(), Ok(true));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
