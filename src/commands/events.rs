//! `weft events`: print the events of a pattern over a time range.

use lang::density::{hint_of_source, too_dense_message, DenseHint};
use lang::library::{reify, Pat};
use lang::pattern::query_span_in_pieces;
use lang::value::json_string;
use lang::{Hap, Time, Value};
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// A program file (use `-e` for an expression instead).
    file: Option<String>,
    /// A pattern expression, e.g. 'note("c e g").fast(2)'.
    #[arg(short = 'e', long = "expr", conflicts_with = "file")]
    expr: Option<String>,
    /// The track of the program to show (default: all audible tracks).
    #[arg(long)]
    track: Option<String>,
    /// Start of the range, in cycles (e.g. 0, 1/2, 1.5).
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    from: String,
    /// End of the range, in cycles.
    #[arg(long, default_value = "1", allow_hyphen_values = true)]
    to: String,
    /// One JSON object per event and line.
    #[arg(long)]
    json: bool,
}

fn time_arg(s: &str, what: &str) -> Result<Time, String> {
    s.parse::<Time>().map_err(|_| {
        format!("error: --{what} expects a number of cycles such as 2 or 1/4, found `{s}`")
    })
}

/// Appends a span as a JSON pair of fractions.
fn write_span_json(s: &lang::Span, out: &mut String) {
    out.push_str("[\"");
    s.begin.write_to(out);
    out.push_str("\",\"");
    s.end.write_to(out);
    out.push_str("\"]");
}

/// Appends one event as a JSON object (no newline); `track`: a `"track"`
/// member first, already written as a JSON string.
pub fn write_hap_json(h: &Hap<Value>, track: Option<&str>, out: &mut String) {
    out.push('{');
    if let Some(t) = track {
        out.push_str("\"track\":");
        out.push_str(t);
        out.push(',');
    }
    out.push_str("\"whole\":");
    match &h.whole {
        Some(w) => write_span_json(w, out),
        None => out.push_str("null"),
    }
    out.push_str(",\"part\":");
    write_span_json(&h.part, out);
    let mark = out.len();
    out.push_str(",\"value\":");
    if !h.value.write_json(out) {
        out.truncate(mark);
    }
    out.push('}');
}

fn span_text(s: &Option<lang::Span>) -> String {
    match s {
        Some(s) => format!("{} → {}", s.begin, s.end),
        None => "~ (continuous)".to_string(),
    }
}

/// Events held in memory at once over a long span (see
/// [`query_span_in_pieces`]): a few hundred kB, so that the query's
/// working memory stays small (at 25,000, zeroing fresh pages taken from
/// the system cost up to a third of the time).
const HELD_EVENTS: usize = 1_024;

/// The events as a table; `header`: the column names first (the first
/// piece of a long span).
fn print_table(
    out: &mut impl Write,
    haps: &[Hap<Value>],
    track: Option<&str>,
    header: bool,
) -> std::io::Result<()> {
    let mut sorted: Vec<&Hap<Value>> = haps.iter().collect();
    sorted.sort_by_key(|h| (h.part.begin, h.whole.map(|w| w.begin)));
    let rows: Vec<(String, String, String)> = sorted
        .into_iter()
        .map(|h| {
            let part = if Some(h.part) == h.whole {
                String::new()
            } else {
                format!("{} → {}", h.part.begin, h.part.end)
            };
            (span_text(&h.whole), part, h.value.show())
        })
        .collect();
    let w0 = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let w1 = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    if let Some(t) = track {
        writeln!(out, "{t}:")?;
    }
    if header {
        writeln!(out, "{:<w0$}  {:<w1$}  value", "whole", "part")?;
    }
    for (a, b, c) in rows {
        writeln!(out, "{a:<w0$}  {b:<w1$}  {c}")?;
    }
    Ok(())
}

pub fn run(args: Args) -> u8 {
    let (from, to) = match (time_arg(&args.from, "from"), time_arg(&args.to, "to")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return 1;
        }
    };
    if to < from {
        eprintln!("error: --to ({to}) is before --from ({from})");
        return 1;
    }
    if (to - from) > Time::int(1_000_000) {
        eprintln!("error: the range is longer than 1000000 cycles; query a shorter range");
        return 1;
    }
    let mut named: Vec<(Option<String>, Pat, Option<DenseHint>)> = Vec::new();
    let mut failed = false;
    if let Some(expr) = &args.expr {
        match lang::eval::eval_source(expr) {
            Ok(v) => named.push((None, reify(&v), hint_of_source(expr))),
            Err(diags) => {
                super::print_diagnostics(&diags, "<expr>", expr);
                return 1;
            }
        }
    } else if let Some(file) = &args.file {
        let src = match super::read_source(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return 1;
            }
        };
        let ev = super::evaluate(file, &src);
        super::print_all_diagnostics(&ev, file, &src);
        // A failed statement is reported; the others still give their
        // events (the exit code tells that something failed).
        failed = ev.diagnostics.iter().any(|d| d.is_error());
        let program = ev.program;
        match &args.track {
            Some(t) => match program.track(t) {
                Some(track) => named.push((
                    Some(track.name.clone()),
                    track.pattern.clone(),
                    track.hint.clone(),
                )),
                None => {
                    let names: Vec<&str> = program.tracks.iter().map(|t| t.name.as_str()).collect();
                    eprintln!("error: no track named `{t}` (tracks: {})", names.join(", "));
                    return 1;
                }
            },
            None => {
                for t in program.audible() {
                    named.push((Some(t.name.clone()), t.pattern.clone(), t.hint.clone()));
                }
            }
        }
    } else {
        eprintln!("error: give a program file or a pattern with -e");
        return 1;
    }
    let several = named.len() > 1;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    for (name, pat, hint) in named {
        let who = name
            .as_deref()
            .map(|n| format!("track `{n}`: "))
            .unwrap_or_default();
        let mut warned = std::collections::HashSet::new();
        let mut first = true;
        let mut outcome = Ok(());
        // Handed over a piece at a time, so that a long span is written
        // as it is queried instead of held in memory whole.
        query_span_in_pieces(&pat, lang::Span::new(from, to), HELD_EVENTS, |queried| {
            for w in queried.warnings {
                if warned.insert(w.clone()) {
                    eprintln!("warning: {who}{w}");
                }
            }
            if !queried.errors.is_empty() {
                for e in queried.errors {
                    eprintln!("error: {who}{e}");
                }
                outcome = Err(1);
                return false;
            }
            let haps = match queried.haps {
                Ok(haps) => haps,
                Err(e) => {
                    eprintln!(
                        "error: {}",
                        too_dense_message(name.as_deref(), &e, hint.as_ref())
                    );
                    outcome = Err(1);
                    return false;
                }
            };
            let written = if args.json {
                let mut tn = String::new();
                if several {
                    json_string(name.as_deref().unwrap_or(""), &mut tn);
                }
                // One buffer for the piece's lines, written out in large
                // blocks.
                let mut line = String::with_capacity(1 << 16);
                let track = several.then_some(tn.as_str());
                haps.iter()
                    .try_for_each(|h| {
                        write_hap_json(h, track, &mut line);
                        line.push('\n');
                        if line.len() >= 1 << 15 {
                            out.write_all(line.as_bytes())?;
                            line.clear();
                        }
                        Ok(())
                    })
                    .and_then(|()| out.write_all(line.as_bytes()))
            } else {
                print_table(
                    &mut out,
                    &haps,
                    if several && first {
                        name.as_deref()
                    } else {
                        None
                    },
                    first,
                )
            };
            first = false;
            if written.is_err() {
                // The reader went away (e.g. `| head`): stop quietly.
                outcome = Err(0);
                return false;
            }
            true
        });
        if let Err(code) = outcome {
            return code;
        }
    }
    let _ = out.flush();
    u8::from(failed)
}
