//! What the language server knows of one document, from the library's
//! lexer and parser: its definitions (lets, functions, tracks,
//! instruments, effects, sections, imports), the uses of their names, the
//! word under the cursor, and the pieces of mini-notation in its strings.

use lang::ast::{Binding, Stmt, StmtKind};
use lang::lexer::{lex, SrcSpan, Token};
use lang::parser::parse_program;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefKind {
    Let,
    Function,
    Track,
    Instrument,
    Effect,
    Section,
    Import,
}

/// A definition in the document.
#[derive(Clone, Debug)]
pub struct Def {
    pub name: String,
    pub kind: DefKind,
    pub name_span: SrcSpan,
    /// The whole statement.
    pub span: SrcSpan,
    /// Its source text (a `let`'s value, an instrument's body, a path).
    pub detail: String,
    /// Definitions inside it (a section's tracks and lets).
    pub children: Vec<Def>,
}

/// The definitions of a source, in order (a section's inside it).
pub fn definitions(src: &str) -> Vec<Def> {
    let (stmts, _) = parse_program(src);
    defs_of(src, &stmts)
}

fn defs_of(src: &str, stmts: &[Stmt]) -> Vec<Def> {
    let mut out = Vec::new();
    for s in stmts {
        let text = |span: &SrcSpan| src.get(span.clone()).unwrap_or("").to_string();
        let def = |name: &str, kind, name_span: &SrcSpan, detail: String| Def {
            name: name.to_string(),
            kind,
            name_span: name_span.clone(),
            span: s.span.clone(),
            detail,
            children: Vec::new(),
        };
        match &s.kind {
            StmtKind::Let {
                name,
                name_span,
                value,
            } => out.push(def(name, DefKind::Let, name_span, text(&value.span))),
            StmtKind::Destructure { binding, .. } => {
                let mut names = Vec::new();
                binding_names(binding, &mut names);
                for (n, span) in names {
                    out.push(def(&n, DefKind::Let, &span, text(&s.span)));
                }
            }
            StmtKind::Function {
                name, name_span, ..
            } => out.push(def(name, DefKind::Function, name_span, text(&s.span))),
            StmtKind::Track {
                name,
                name_span,
                value,
                ..
            } if name != "$" && !name_span.is_empty() => {
                out.push(def(name, DefKind::Track, name_span, text(&value.span)))
            }
            StmtKind::Instrument {
                name,
                name_span,
                is_effect,
                ..
            } => {
                let kind = if *is_effect {
                    DefKind::Effect
                } else {
                    DefKind::Instrument
                };
                out.push(def(name, kind, name_span, text(&s.span)));
            }
            StmtKind::Section {
                name,
                name_span,
                body,
            } => {
                let mut d = def(name, DefKind::Section, name_span, text(&s.span));
                d.children = defs_of(src, body);
                out.push(d);
            }
            StmtKind::Import { path, path_span } => {
                out.push(def(path, DefKind::Import, path_span, path.clone()))
            }
            _ => {}
        }
    }
    out
}

fn binding_names(b: &Binding, out: &mut Vec<(String, SrcSpan)>) {
    match b {
        Binding::Name(n, span) => out.push((n.clone(), span.clone())),
        Binding::Object(items, _) => items.iter().for_each(|(_, b, _)| binding_names(b, out)),
        Binding::Array(items, _) => items
            .iter()
            .flatten()
            .for_each(|(b, _)| binding_names(b, out)),
    }
}

/// Every definition, sections' insides included.
pub fn flatten(defs: &[Def]) -> Vec<&Def> {
    let mut out = Vec::new();
    for d in defs {
        out.push(d);
        out.extend(flatten(&d.children));
    }
    out
}

/// What is under the cursor.
#[derive(Clone, Debug, PartialEq)]
pub enum Word {
    /// A name in the code; `member` after a `.`.
    Name {
        name: String,
        span: SrcSpan,
        member: bool,
    },
    /// A word inside a string; `call` is the function the string is given
    /// to (`scale` in `.scale("C:major")`).
    InString {
        word: String,
        span: SrcSpan,
        call: Option<String>,
    },
    /// A string (an import's path).
    String { text: String, span: SrcSpan },
}

/// The word at (or just before) `offset`.
pub fn word_at(src: &str, offset: usize) -> Option<Word> {
    let tokens = lex(src);
    let i = tokens
        .iter()
        .position(|(_, s)| s.start <= offset && offset <= s.end && !s.is_empty())?;
    // Prefer the token starting at the cursor over the one ending there.
    let i = match tokens.get(i + 1) {
        Some((Token::Ident(_), s)) if s.start == offset => i + 1,
        _ => i,
    };
    let (tok, span) = &tokens[i];
    match tok {
        Token::Ident(n) => Some(Word::Name {
            name: n.to_string(),
            span: span.clone(),
            member: i > 0 && matches!(tokens[i - 1].0, Token::Dot),
        }),
        Token::Mini(_) | Token::MiniBacktick(_) | Token::Str(_) => {
            let content = span.start + 1..span.end.saturating_sub(1).max(span.start + 1);
            let call = string_call(&tokens, i);
            if let Some((wspan, _)) = mini_words(src, content.clone())
                .into_iter()
                .find(|(s, k)| *k == MiniKind::Atom && s.start <= offset && offset <= s.end)
            {
                return Some(Word::InString {
                    word: src[wspan.clone()].to_string(),
                    span: wspan,
                    call,
                });
            }
            Some(Word::String {
                text: src[content.clone()].to_string(),
                span: content,
            })
        }
        _ => None,
    }
}

/// The name of the function a string token is the first argument of.
fn string_call(tokens: &[(Token, SrcSpan)], i: usize) -> Option<String> {
    let open = i.checked_sub(1)?;
    if !matches!(tokens[open].0, Token::LParen) {
        return None;
    }
    match tokens.get(open.checked_sub(1)?) {
        Some((Token::Ident(n), _)) => Some(n.to_string()),
        _ => None,
    }
}

/// Where the name `name` is used as a name (not after `.`), and as a word
/// inside strings when `in_strings` (an instrument played by `s("…")`).
pub fn uses(src: &str, name: &str, in_strings: bool) -> Vec<SrcSpan> {
    let tokens = lex(src);
    let mut out = Vec::new();
    for (i, (t, span)) in tokens.iter().enumerate() {
        match t {
            Token::Ident(n) if *n == name => {
                let member = i > 0 && matches!(tokens[i - 1].0, Token::Dot);
                if !member {
                    out.push(span.clone());
                }
            }
            Token::Mini(_) | Token::MiniBacktick(_) if in_strings => {
                let content = span.start + 1..span.end - 1;
                out.extend(
                    mini_words(src, content)
                        .into_iter()
                        .filter(|(s, k)| *k == MiniKind::Atom && &src[s.clone()] == name)
                        .map(|(s, _)| s),
                );
            }
            _ => {}
        }
    }
    out
}

/// A piece of mini-notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MiniKind {
    /// A word: a note, a sound, a scale name.
    Atom,
    Number,
    /// `* / ! @ ? : < > [ ] { } ( ) , | ~ . _` and the like.
    Operator,
}

/// The atoms, numbers and operators in the source range `content` (the
/// inside of a string).
pub fn mini_words(src: &str, content: SrcSpan) -> Vec<(SrcSpan, MiniKind)> {
    let Some(text) = src.get(content.clone()) else {
        return Vec::new();
    };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = if c.is_ascii_alphabetic() || (c == b'_' && next_is_alpha(bytes, i)) {
            i += 1;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'#' | b'\''))
            {
                i += 1;
            }
            MiniKind::Atom
        } else if c.is_ascii_digit()
            || ((c == b'-' || c == b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            MiniKind::Number
        } else if c.is_ascii_whitespace() || !c.is_ascii() || c == b'\\' {
            i += 1;
            continue;
        } else {
            i += 1;
            MiniKind::Operator
        };
        out.push((content.start + start..content.start + i, kind));
    }
    out
}

fn next_is_alpha(bytes: &[u8], i: usize) -> bool {
    bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
}

/// Each string of mini-notation in the source (not an import's path): the
/// range of its content.
pub fn mini_strings(src: &str) -> Vec<SrcSpan> {
    let tokens = lex(src);
    tokens
        .iter()
        .enumerate()
        .filter(|(i, (t, _))| {
            matches!(t, Token::Mini(_) | Token::MiniBacktick(_))
                && !(*i > 0 && matches!(tokens[i - 1].0, Token::Import))
        })
        .map(|(_, (_, s))| s.start + 1..s.end - 1)
        .collect()
}

/// The call the cursor is in: the function's name and which argument.
pub fn call_at(src: &str, offset: usize) -> Option<(String, usize)> {
    let tokens = lex(src);
    let end = tokens.partition_point(|(_, s)| s.end <= offset);
    let mut depth = 0usize;
    let mut commas = 0;
    for i in (0..end).rev() {
        match tokens[i].0 {
            Token::RParen | Token::RBracket | Token::RBrace => depth += 1,
            Token::LBracket | Token::LBrace if depth > 0 => depth -= 1,
            Token::LParen if depth > 0 => depth -= 1,
            Token::LBracket | Token::LBrace => return None,
            Token::LParen => {
                return match tokens.get(i.checked_sub(1)?) {
                    Some((Token::Ident(n), _)) => Some((n.to_string(), commas)),
                    _ => None,
                }
            }
            Token::Comma if depth == 0 => commas += 1,
            Token::Semi => return None,
            _ => {}
        }
    }
    None
}

/// Whether the cursor follows a `.` (possibly with the start of a name).
pub fn after_dot(src: &str, offset: usize) -> bool {
    let tokens = lex(src);
    let mut i = tokens.partition_point(|(_, s)| s.end <= offset);
    if i > 0 && matches!(tokens[i - 1].0, Token::Ident(_)) && tokens[i - 1].1.end == offset {
        i -= 1;
    }
    i > 0 && matches!(tokens[i - 1].0, Token::Dot)
}

/// The string the cursor is in, with the function it is given to.
pub fn string_at(src: &str, offset: usize) -> Option<(SrcSpan, Option<String>)> {
    let tokens = lex(src);
    let i = tokens.iter().position(|(t, s)| {
        matches!(t, Token::Mini(_) | Token::MiniBacktick(_) | Token::Str(_))
            && s.start < offset
            && offset < s.end
    })?;
    let span = tokens[i].1.clone();
    Some((span.start + 1..span.end - 1, string_call(&tokens, i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_of_every_kind() {
        let src = "import \"kit.weft\"\nlet x = 3\ninstrument acid(c = 1) = saw(freq)\nsection verse {\n  drums: s(\"bd\")\n}\nbass: note(\"c\")\n";
        let defs = definitions(src);
        let kinds: Vec<(String, DefKind)> = flatten(&defs)
            .iter()
            .map(|d| (d.name.clone(), d.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("kit.weft".into(), DefKind::Import),
                ("x".into(), DefKind::Let),
                ("acid".into(), DefKind::Instrument),
                ("verse".into(), DefKind::Section),
                ("drums".into(), DefKind::Track),
                ("bass".into(), DefKind::Track),
            ]
        );
        assert_eq!(defs[1].detail, "3");
        assert_eq!(&src[defs[2].name_span.clone()], "acid");
    }

    #[test]
    fn uses_skip_members_and_find_sounds_in_strings() {
        let src = "let fast = 2\na: s(\"acid bd\").fast(fast)\ninstrument acid = saw(freq)";
        let found: Vec<usize> = uses(src, "fast", false).iter().map(|s| s.start).collect();
        assert_eq!(found, vec![4, src.rfind("fast").unwrap()]);
        let acid = uses(src, "acid", true);
        assert_eq!(acid.len(), 2);
        assert_eq!(&src[acid[0].clone()], "acid");
    }

    #[test]
    fn words_calls_and_strings() {
        let src = "n(\"0 2\").scale(\"C:minor\").lpf(200, x)";
        let at = src.find("minor").unwrap() + 2;
        assert_eq!(
            word_at(src, at),
            Some(Word::InString {
                word: "minor".into(),
                span: at - 2..at + 3,
                call: Some("scale".into())
            })
        );
        assert_eq!(
            call_at(src, src.find("x)").unwrap()),
            Some(("lpf".into(), 1))
        );
        assert_eq!(call_at(src, 2), Some(("n".into(), 0)));
        assert!(after_dot(src, src.find("lpf").unwrap()));
        assert!(after_dot(src, src.find("lpf").unwrap() + 2));
        assert!(!after_dot(src, 1));
        let words = mini_words(src, 3..6);
        assert_eq!(
            words,
            vec![(3..4, MiniKind::Number), (5..6, MiniKind::Number)]
        );
    }
}
