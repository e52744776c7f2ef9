//! Too-dense tracks: what to tell when a track's query runs out of its
//! budget ([`crate::pattern::query_within`]), and where in the source the
//! density most likely comes from.
//!
//! The budget stops the query wherever it happens to be, deep inside the
//! pattern, so the culprit is found in the source instead: the largest
//! count or speed factor written in the track's expression — a number
//! given to a function that is not a control (`fast(1e9)`,
//! `inside(99999999, rev)`, `segment(1e8)`), a number in mini-notation
//! after `*`, `/`, `!` or `@` or in a Euclidean rhythm (`"a*99999999"`),
//! or any number of a string given to such a function (`fast("1e9")`).

use crate::ast::{Escapes, Expr, ExprKind, Prop, Stmt, StmtKind, UnOp};
use crate::diagnostics::line_col;
use crate::lexer::SrcSpan;
use crate::pattern::{group_digits, TooDense};
use std::sync::Arc;

/// Numbers below this are not named as the cause of a dense track.
const SUSPECT_FROM: f64 = 100.0;

/// A place in the source that likely makes a track too dense.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseHint {
    /// What is written there, e.g. `*99999999` or `segment(99999999)`.
    pub text: String,
    /// The file (`None`: the main program).
    pub file: Option<Arc<str>>,
    pub span: SrcSpan,
    /// 1-based line and column of the span's start.
    pub line: usize,
    pub column: usize,
    /// How strongly the number multiplies (to compare hints).
    pub size: f64,
}

/// The likeliest cause of density in `expr` (see the module's comment).
pub fn find_hint(expr: &Expr, src: &str, file: Option<Arc<str>>) -> Option<DenseHint> {
    let mut best: Option<(f64, String, SrcSpan)> = None;
    visit_expr(expr, src, false, &mut |size, text, span| {
        if size >= SUSPECT_FROM && best.as_ref().is_none_or(|b| size > b.0) {
            best = Some((size, text, span));
        }
    });
    let (size, text, span) = best?;
    let (line, column) = line_col(src, span.start);
    Some(DenseHint {
        text,
        file,
        span,
        line,
        column,
        size,
    })
}

/// [`find_hint`] for a whole source text (a pattern given on the command
/// line, or a program).
pub fn hint_of_source(src: &str) -> Option<DenseHint> {
    let (stmts, _) = crate::parser::parse_program(src);
    let mut best: Option<DenseHint> = None;
    for st in &stmts {
        let found = match &st.kind {
            StmtKind::Expr(e)
            | StmtKind::Track { value: e, .. }
            | StmtKind::Let { value: e, .. } => find_hint(e, src, None),
            _ => None,
        };
        if let Some(h) = found {
            if best.as_ref().is_none_or(|b| h.size > b.size) {
                best = Some(h);
            }
        }
    }
    best
}

/// How strongly a number multiplies: large factors and tiny ones (`/1e-9`).
fn magnitude(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::MAX;
    }
    let a = x.abs();
    if a == 0.0 {
        0.0
    } else {
        a.max(1.0 / a)
    }
}

/// The message for a track (or, with `track` `None`, a pattern) whose
/// query was stopped: what was found, the limit, and the likely cause.
pub fn too_dense_message(track: Option<&str>, e: &TooDense, hint: Option<&DenseHint>) -> String {
    let who = match track {
        Some(t) => format!("track `{t}` is too dense"),
        None => "the pattern is too dense".to_string(),
    };
    format!("{who}: {}", too_dense_detail(e, hint))
}

/// What [`too_dense_message`] says after naming the track.
pub fn too_dense_detail(e: &TooDense, hint: Option<&DenseHint>) -> String {
    let limit = group_digits(crate::pattern::EVENTS_PER_CYCLE);
    let what = match e {
        TooDense::Events { found, .. } => format!("{} events in one cycle", group_digits(*found)),
        TooDense::Work { .. } => format!("far more than {limit} events per cycle"),
    };
    let at = hint
        .map(|h| format!(" (`{}` at {}:{})", h.text, h.line, h.column))
        .unwrap_or_default();
    format!("{what}{at}; the limit is {limit} per cycle")
}

type Found<'a> = dyn FnMut(f64, String, SrcSpan) + 'a;

fn visit_stmts(stmts: &[Stmt], src: &str, found: &mut Found) {
    for st in stmts {
        match &st.kind {
            StmtKind::Let { value, .. }
            | StmtKind::Track { value, .. }
            | StmtKind::Expr(value)
            | StmtKind::Return(Some(value))
            | StmtKind::Destructure {
                value: Some(value), ..
            } => visit_expr(value, src, false, found),
            StmtKind::Function { body, .. } => visit_expr(body, src, false, found),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                visit_expr(cond, src, false, found);
                visit_stmts(then, src, found);
                visit_stmts(otherwise, src, found);
            }
            StmtKind::For { body, .. } => visit_stmts(body, src, found),
            StmtKind::ForOf { items, body, .. } => {
                visit_expr(items, src, false, found);
                visit_stmts(body, src, found);
            }
            _ => {}
        }
    }
}

/// Visits `e`; `factor` tells that `e` is an argument of a function that
/// is not a control (so every number in it is a count or factor).
fn visit_expr(e: &Expr, src: &str, factor: bool, found: &mut Found) {
    let sub = |x: &Expr, found: &mut Found| visit_expr(x, src, false, found);
    match &e.kind {
        ExprKind::Num(x) if factor => found(magnitude(*x), snippet(src, &e.span), e.span.clone()),
        ExprKind::Unary {
            op: UnOp::Neg,
            expr,
        } if factor => visit_expr(expr, src, true, found),
        ExprKind::Mini {
            text,
            offset,
            escapes,
        } => visit_mini(text, (*offset, escapes), factor, found),
        ExprKind::Call { callee, args } => {
            sub(callee, found);
            let name = match &callee.kind {
                ExprKind::Ident(n) => Some((n.as_str(), callee.span.start)),
                ExprKind::Member {
                    name, name_span, ..
                } => Some((name.as_str(), name_span.start)),
                _ => None,
            };
            let counts = name.is_some_and(|(n, _)| !is_control(n));
            for a in args {
                let before = matches!(a.kind, ExprKind::Num(_) | ExprKind::Unary { .. });
                if counts && before {
                    // Name the call: `segment(99999999)`.
                    let (_, start) = name.unwrap_or(("", a.span.start));
                    let call = start..e.span.end.max(start);
                    let text = snippet(src, &call);
                    visit_expr(a, src, true, &mut |size, _, _| {
                        found(size, text.clone(), a.span.clone())
                    });
                } else {
                    visit_expr(a, src, counts, found);
                }
            }
        }
        ExprKind::List(items) => items.iter().for_each(|x| visit_expr(x, src, factor, found)),
        ExprKind::Object(props) => {
            for p in props {
                match p {
                    Prop::Pair(_, x) | Prop::Spread(x) => sub(x, found),
                }
            }
        }
        ExprKind::Spread(x) => visit_expr(x, src, factor, found),
        ExprKind::Member { object, .. } => sub(object, found),
        ExprKind::Index { object, index } => {
            sub(object, found);
            sub(index, found);
        }
        ExprKind::Arrow { body, .. } => sub(body, found),
        ExprKind::Block(stmts) => visit_stmts(stmts, src, found),
        ExprKind::Assign { target, value, .. } => {
            sub(target, found);
            sub(value, found);
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            visit_expr(lhs, src, factor, found);
            visit_expr(rhs, src, factor, found);
        }
        ExprKind::Unary { expr, .. } => sub(expr, found),
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            sub(cond, found);
            visit_expr(then, src, factor, found);
            visit_expr(otherwise, src, factor, found);
        }
        _ => {}
    }
}

/// Numbers of a mini-notation string that multiply events: after `*`,
/// `/`, `!`, `@`, inside `(…)`, or all of them when `factor`. `at` is where
/// the text was written, and its escapes.
fn visit_mini(text: &str, at: (usize, &Escapes), factor: bool, found: &mut Found) {
    let (offset, escapes) = at;
    let bytes = text.as_bytes();
    let mut depth_paren = 0i32;
    let mut prev = b' ';
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            let mut j = i;
            while j < bytes.len()
                && (bytes[j].is_ascii_digit()
                    || bytes[j] == b'.'
                    || ((bytes[j] == b'e' || bytes[j] == b'E')
                        && bytes
                            .get(j + 1)
                            .is_some_and(|d| d.is_ascii_digit() || *d == b'-')))
            {
                if bytes[j] == b'e' || bytes[j] == b'E' {
                    j += 1;
                }
                j += 1;
            }
            // A number that is part of a word (`bd2`, `c4`) is a name.
            let in_word = start > 0 && bytes[start - 1].is_ascii_alphabetic();
            let op = matches!(prev, b'*' | b'/' | b'!' | b'@');
            if !in_word && (factor || op || depth_paren > 0) {
                if let Ok(x) = text[start..j].parse::<f64>() {
                    let from = if op { start - 1 } else { start };
                    found(
                        magnitude(x),
                        text[from..j].to_string(),
                        offset + escapes.start(from)..offset + escapes.end(j),
                    );
                }
            }
            prev = b'0';
            i = j;
            continue;
        }
        match c {
            b'(' => depth_paren += 1,
            b')' => depth_paren -= 1,
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            prev = c;
        }
        i += 1;
    }
}

/// The source of `span`, shortened to one line of at most 40 characters.
fn snippet(src: &str, span: &SrcSpan) -> String {
    let s = src.get(span.clone()).unwrap_or("");
    let line = s.lines().next().unwrap_or("");
    if line.chars().count() > 40 || line.len() < s.len() {
        let short: String = line.chars().take(39).collect();
        format!("{short}…")
    } else {
        line.to_string()
    }
}

/// Controls set values (`lpf(8000)`, `note(100)`): their numbers never
/// make a pattern dense.
fn is_control(name: &str) -> bool {
    crate::library::controls::control(name).is_some()
        || crate::library::controls::param_control(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(src: &str) -> Option<(String, usize, usize)> {
        hint_of_source(src).map(|h| (h.text, h.line, h.column))
    }

    #[test]
    fn the_largest_factor_is_named_with_its_position() {
        assert_eq!(
            hint("note(\"c d e f\").inside(99999999, rev)"),
            Some(("inside(99999999, rev)".into(), 1, 24))
        );
        assert_eq!(
            hint("x: s(\"hh*8\")\nbad: note(\"[a _ _ b]*99999999\")"),
            Some(("*99999999".into(), 2, 21))
        );
        assert_eq!(
            hint("sine.segment(99999999)"),
            Some(("segment(99999999)".into(), 1, 14))
        );
        assert_eq!(
            hint("note(\"c d\").swing(1e9)"),
            Some(("swing(1e9)".into(), 1, 19))
        );
        assert_eq!(
            hint("s(\"bd\").fast(\"<2 1e9>\")"),
            Some(("1e9".into(), 1, 18))
        );
        // Escapes written before it (`\t`: two bytes for one) do not move it.
        assert_eq!(
            hint("s(\"bd\\t\\thh*99999999\")"),
            Some(("*99999999".into(), 1, 12))
        );
    }

    #[test]
    fn the_message_names_the_track_the_cause_and_the_limit() {
        let h = hint_of_source("note(\"[a _ _ b]*99999999\")");
        assert_eq!(
            too_dense_message(Some("bad"), &TooDense::Work { limit: 1 }, h.as_ref()),
            "track `bad` is too dense: far more than 20,000 events per cycle \
             (`*99999999` at 1:16); the limit is 20,000 per cycle"
        );
        assert_eq!(
            too_dense_message(
                None,
                &TooDense::Events {
                    found: 25_000,
                    limit: 20_000
                },
                None
            ),
            "the pattern is too dense: 25,000 events in one cycle; the limit is 20,000 per cycle"
        );
    }

    #[test]
    fn controls_and_names_with_digits_are_not_suspects() {
        assert_eq!(hint("note(\"c4 e4\").lpf(8000).s(\"bd909\")"), None);
        assert_eq!(hint("s(\"bd*4\").fast(2)"), None);
    }
}

#[cfg(test)]
mod budget_tests {
    use crate::eval::eval_source;
    use crate::library::reify;
    use crate::pattern::{query_within, Budget, State, TooDense};
    use crate::span::Span;
    use crate::time::Time;

    /// The first cycle of `src` queried within the budget of one cycle.
    fn first_cycle(src: &str) -> Result<usize, TooDense> {
        let v = eval_source(src).unwrap_or_else(|d| panic!("{src}: {d:?}"));
        let span = Span::new(Time::ZERO, Time::ONE);
        let q = query_within(&reify(&v), &State::new(span), Budget::for_span(&span));
        q.haps.map(|h| h.len())
    }

    #[test]
    fn hostile_patterns_stop_at_the_budget() {
        for src in [
            "note(\"c d e f\").inside(99999999, rev)",
            "note(\"[a _ _ b]*99999999\")",
            "sine.segment(99999999)",
            "note(\"c d e f\").swing(1e9)",
            "fastcat(note(\"c d\"), s(\"bd*2\")).segment(1e8)",
            "s(\"bd\").fast(\"<1e9 2>\")",
            "note(\"c(3,8)*99999999\")",
            "s(\"bd!9999 hh!9999 sn!9999\")",
        ] {
            assert!(first_cycle(src).is_err(), "{src} was not stopped");
        }
    }

    #[test]
    fn ordinary_patterns_are_within_the_budget() {
        assert_eq!(first_cycle("note(\"c d e f\").inside(2, rev)"), Ok(4));
        assert_eq!(first_cycle("s(\"hh*16\").stack(s(\"bd*4\"))"), Ok(20));
        assert_eq!(first_cycle("sine.segment(1000)"), Ok(1000));
    }
}
