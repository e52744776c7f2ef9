//! Diagnostics: plain data produced by every stage, rendered in one place.
//!
//! Each diagnostic has a stable code (documented in `docs/errors.md`), a
//! message, a primary source range with a label, optional extra labels and
//! an optional `help:` line. [`render`] draws them with ariadne;
//! [`to_json`] gives editors a machine-readable form.

use crate::lexer::SrcSpan;
use crate::value::json_string;
use ariadne::{Color, Config, IndexType, Label, Report, ReportKind, Source};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// Primary location and the label shown there.
    pub span: Option<SrcSpan>,
    pub label: Option<String>,
    /// Further locations with their labels.
    pub extra: Vec<(SrcSpan, String)>,
    pub help: Option<String>,
    pub note: Option<String>,
    /// The file the spans are in (`None`: the main source).
    pub file: Option<std::sync::Arc<str>>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            extra: Vec::new(),
            help: None,
            note: None,
            file: None,
        }
    }

    pub fn in_file(mut self, file: Option<std::sync::Arc<str>>) -> Diagnostic {
        self.file = file;
        self
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: SrcSpan) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.note = Some(note.into());
        self
    }

    pub fn with_extra(mut self, span: SrcSpan, label: impl Into<String>) -> Diagnostic {
        self.extra.push((span, label.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders diagnostics for `src` (named `file`) as text. `color` adds
/// terminal colours. Diagnostics located in other files are rendered with
/// the sources in `others` (file name → text).
pub fn render(diags: &[Diagnostic], file: &str, src: &str, color: bool) -> String {
    render_with(diags, file, src, &std::collections::HashMap::new(), color)
}

/// [`render`] with the sources of imported files.
pub fn render_with(
    diags: &[Diagnostic],
    main_file: &str,
    main_src: &str,
    others: &std::collections::HashMap<String, String>,
    color: bool,
) -> String {
    let mut out = Vec::new();
    for d in diags {
        let (file, src) = match &d.file {
            Some(f) if others.contains_key(&**f) => (&**f, others[&**f].as_str()),
            _ => (main_file, main_src),
        };
        let span = d
            .span
            .clone()
            .unwrap_or(src.len()..src.len())
            .clamp_to(src.len());
        let kind = match d.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let colour = match d.severity {
            Severity::Error => Color::Red,
            Severity::Warning => Color::Yellow,
        };
        let mut report = Report::build(kind, (file, span.clone()))
            .with_config(
                Config::new()
                    .with_index_type(IndexType::Byte)
                    .with_color(color),
            )
            .with_code(d.code)
            .with_message(&d.message);
        if d.span.is_some() {
            let mut label = Label::new((file, span)).with_color(colour);
            if let Some(l) = &d.label {
                label = label.with_message(l);
            }
            report = report.with_label(label);
        }
        for (s, l) in &d.extra {
            report = report.with_label(
                Label::new((file, s.clone().clamp_to(src.len())))
                    .with_message(l)
                    .with_color(Color::Blue),
            );
        }
        if let Some(h) = &d.help {
            report = report.with_help(h);
        }
        if let Some(n) = &d.note {
            report = report.with_note(n);
        }
        let _ = report.finish().write((file, Source::from(src)), &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

trait Clamp {
    fn clamp_to(self, len: usize) -> Self;
}

impl Clamp for SrcSpan {
    fn clamp_to(self, len: usize) -> SrcSpan {
        let s = self.start.min(len);
        let e = self.end.min(len).max(s);
        s..e
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..src.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// One JSON object per diagnostic, for editors:
/// `{"file","line","column","span":[start,end],"severity","code","message","help"}`.
pub fn to_json(d: &Diagnostic, file: &str, src: &str) -> String {
    let mut out = String::from("{\"file\":");
    json_string(file, &mut out);
    let span = d.span.clone().unwrap_or(src.len()..src.len());
    let (line, col) = line_col(src, span.start);
    out.push_str(&format!(
        ",\"line\":{line},\"column\":{col},\"span\":[{},{}],\"severity\":\"{}\",\"code\":\"{}\",\"message\":",
        span.start,
        span.end,
        match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        d.code
    ));
    json_string(&d.message, &mut out);
    out.push_str(",\"help\":");
    match &d.help {
        Some(h) => json_string(h, &mut out),
        None => out.push_str("null"),
    }
    out.push('}');
    out
}

/// Closest names to `name` among `candidates`, for "did you mean".
///
/// Similarity is the optimal-string-alignment edit distance; a candidate is
/// suggested when the distance is at most a third of the longer name's
/// length (at least 1, at most 3), and case-only differences always count.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.eq_ignore_ascii_case(name) && c != name {
            return Some(c);
        }
        let d = edit_distance(name, c);
        let limit = (name.chars().count().max(c.chars().count()) / 3).clamp(1, 3);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let names = ["fast", "slow", "stack", "note", "sometimes"];
        assert_eq!(did_you_mean("fsat", names), Some("fast"));
        assert_eq!(did_you_mean("Fast", names), Some("fast"));
        assert_eq!(did_you_mean("stakc", names), Some("stack"));
        assert_eq!(did_you_mean("xyz", names), None);
        assert_eq!(did_you_mean("sometims", names), Some("sometimes"));
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 0), (1, 1));
    }
}
