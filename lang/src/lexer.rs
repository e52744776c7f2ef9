//! Tokens of weft source (logos).

use logos::Logos;
use std::fmt;

/// A byte range in a source file. Distinct from pattern-time [`crate::Span`].
pub type SrcSpan = std::ops::Range<usize>;

#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(skip r"[ \t\r\n\f\u{a0}\u{feff}]+")]
#[logos(skip(r"//[^\n]*", allow_greedy = true))]
pub enum Token<'a> {
    /// A character that starts no token (kept so parsing can go on).
    Error,

    #[regex(r"/\*([^*]|\*+[^*/])*\*+/", logos::skip)]
    BlockComment,
    /// `/*` without its `*/`.
    #[token("/*", priority = 1)]
    UnclosedComment,

    #[regex(r"(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)", |lex| lex.slice())]
    Number(&'a str),

    /// Mini-notation: `"…"` (content without the quotes).
    #[regex(r#""([^"\\]|\\.)*""#, |lex| { let s = lex.slice(); &s[1..s.len() - 1] })]
    Mini(&'a str),
    /// Mini-notation over several lines: `` `…` ``.
    #[regex(r"`[^`]*`", |lex| { let s = lex.slice(); &s[1..s.len() - 1] })]
    MiniBacktick(&'a str),
    /// A plain string: `'…'` (escapes `\'` and `\\` allowed).
    #[regex(r"'([^'\\\n]|\\.)*'", |lex| { let s = lex.slice(); &s[1..s.len() - 1] })]
    Str(&'a str),
    /// A string missing its closing quote.
    #[regex(r#""([^"\\]|\\.)*"#, priority = 0)]
    #[regex(r"'([^'\\\n]|\\.)*", priority = 0)]
    #[regex(r"`[^`]*", priority = 0)]
    Unterminated,

    #[token("let")]
    Let,
    #[token("const")]
    Const,
    #[token("var")]
    Var,
    #[token("await")]
    Await,
    #[token("return")]
    Return,
    #[token("function")]
    Function,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("for")]
    For,
    #[token("this")]
    This,
    #[token("typeof")]
    Typeof,
    #[token("import")]
    Import,
    #[token("instrument")]
    Instrument,
    #[token("effect")]
    Effect,
    #[token("section")]
    Section,
    #[token("true")]
    True,
    #[token("false")]
    False,

    #[regex(r"[A-Za-z_$][A-Za-z0-9_$]*", |lex| lex.slice())]
    Ident(&'a str),

    #[token("=>")]
    Arrow,
    #[token("===")]
    StrictEq,
    #[token("!==")]
    StrictNe,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("??")]
    Nullish,
    #[token("**")]
    StarStar,
    #[token("...")]
    Ellipsis,
    #[token("++")]
    PlusPlus,
    #[token("--")]
    MinusMinus,
    #[token("+=")]
    PlusAssign,
    #[token("-=")]
    MinusAssign,
    #[token("*=")]
    StarAssign,
    #[token("/=")]
    SlashAssign,
    #[token("%=")]
    PercentAssign,
    #[token(">>")]
    Pipe,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("=")]
    Assign,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("!")]
    Bang,
    #[token(".")]
    Dot,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token("?")]
    Question,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
}

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let s = match self {
            Token::Error => "an invalid character",
            Token::BlockComment => "a comment",
            Token::UnclosedComment => "`/*`",
            Token::Number(n) => return write!(f, "`{n}`"),
            Token::Mini(s) => return write!(f, "\"{s}\""),
            Token::MiniBacktick(s) => return write!(f, "`{s}`"),
            Token::Str(s) => return write!(f, "'{s}'"),
            Token::Unterminated => "an unterminated string",
            Token::Let => "`let`",
            Token::Const => "`const`",
            Token::Var => "`var`",
            Token::Await => "`await`",
            Token::Return => "`return`",
            Token::Function => "`function`",
            Token::If => "`if`",
            Token::Else => "`else`",
            Token::For => "`for`",
            Token::This => "`this`",
            Token::Typeof => "`typeof`",
            Token::StrictEq => "`===`",
            Token::StrictNe => "`!==`",
            Token::AndAnd => "`&&`",
            Token::OrOr => "`||`",
            Token::Nullish => "`??`",
            Token::StarStar => "`**`",
            Token::Ellipsis => "`...`",
            Token::PlusPlus => "`++`",
            Token::MinusMinus => "`--`",
            Token::PlusAssign => "`+=`",
            Token::MinusAssign => "`-=`",
            Token::StarAssign => "`*=`",
            Token::SlashAssign => "`/=`",
            Token::PercentAssign => "`%=`",
            Token::Import => "`import`",
            Token::Instrument => "`instrument`",
            Token::Effect => "`effect`",
            Token::Section => "`section`",
            Token::True => "`true`",
            Token::False => "`false`",
            Token::Ident(s) => return write!(f, "`{s}`"),
            Token::Arrow => "`=>`",
            Token::Pipe => "`>>`",
            Token::EqEq => "`==`",
            Token::NotEq => "`!=`",
            Token::Le => "`<=`",
            Token::Ge => "`>=`",
            Token::Lt => "`<`",
            Token::Gt => "`>`",
            Token::Assign => "`=`",
            Token::Plus => "`+`",
            Token::Minus => "`-`",
            Token::Star => "`*`",
            Token::Slash => "`/`",
            Token::Percent => "`%`",
            Token::Bang => "`!`",
            Token::Dot => "`.`",
            Token::Comma => "`,`",
            Token::Colon => "`:`",
            Token::Semi => "`;`",
            Token::Question => "`?`",
            Token::LParen => "`(`",
            Token::RParen => "`)`",
            Token::LBracket => "`[`",
            Token::RBracket => "`]`",
            Token::LBrace => "`{`",
            Token::RBrace => "`}`",
        };
        f.write_str(s)
    }
}

/// Splits source into tokens with their byte ranges. Invalid input becomes
/// `Token::Error` so that the parser can report it and continue.
pub fn lex(src: &str) -> Vec<(Token<'_>, SrcSpan)> {
    // About one token per five bytes of code: room for most files at once.
    let mut tokens = Vec::with_capacity(src.len() / 5 + 8);
    tokens.extend(
        Token::lexer(src)
            .spanned()
            .map(|(t, span)| (t.unwrap_or(Token::Error), span)),
    );
    tokens
}

/// A comment in the source, which the parser never sees (the formatter and
/// the language server keep or show them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The whole comment, `//` or `/*` … `*/` included.
    pub span: SrcSpan,
    /// `/* … */` rather than `// …`.
    pub block: bool,
}

/// The comments of `src`, in order. They are what the lexer skips between
/// tokens besides whitespace, so the tokens [`lex`] gives are unchanged.
pub fn comments(src: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut gap_start = 0;
    for (_, span) in Token::lexer(src).spanned() {
        comments_in_gap(src, gap_start, span.start, &mut out);
        gap_start = span.end;
    }
    comments_in_gap(src, gap_start, src.len(), &mut out);
    out
}

/// Comments between two tokens (the text there is whitespace and comments).
fn comments_in_gap(src: &str, start: usize, end: usize, out: &mut Vec<Comment>) {
    let gap = &src[start..end];
    let mut i = 0;
    while i < gap.len() {
        let rest = &gap[i..];
        if rest.starts_with("//") {
            let len = rest.find('\n').unwrap_or(rest.len());
            out.push(Comment {
                span: start + i..start + i + len,
                block: false,
            });
            i += len;
        } else if let Some(body) = rest.strip_prefix("/*") {
            let len = body.find("*/").map(|e| e + 4).unwrap_or(rest.len());
            out.push(Comment {
                span: start + i..start + i + len,
                block: true,
            });
            i += len;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token<'_>> {
        lex(src).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn lexes_an_expression() {
        assert_eq!(
            kinds(r#"note("c e g").fast(2) // comment"#),
            vec![
                Token::Ident("note"),
                Token::LParen,
                Token::Mini("c e g"),
                Token::RParen,
                Token::Dot,
                Token::Ident("fast"),
                Token::LParen,
                Token::Number("2"),
                Token::RParen,
            ]
        );
    }

    #[test]
    fn numbers_comments_and_strings() {
        assert_eq!(
            kinds("1.5 .5 1e3 0x10 /* x */ 'plain' `a\nb` x => y"),
            vec![
                Token::Number("1.5"),
                Token::Number(".5"),
                Token::Number("1e3"),
                Token::Number("0x10"),
                Token::Str("plain"),
                Token::MiniBacktick("a\nb"),
                Token::Ident("x"),
                Token::Arrow,
                Token::Ident("y"),
            ]
        );
    }

    #[test]
    fn comments_are_found_between_tokens() {
        let src = "a // one\n/* two\n */ b /**/ \"// not\" c // end";
        let found: Vec<&str> = comments(src).iter().map(|c| &src[c.span.clone()]).collect();
        assert_eq!(found, vec!["// one", "/* two\n */", "/**/", "// end"]);
        assert!(comments(src)[1].block);
        assert_eq!(kinds(src).len(), 4);
    }

    #[test]
    fn unterminated_string() {
        assert_eq!(
            kinds(r#"s("bd"#),
            vec![Token::Ident("s"), Token::LParen, Token::Unterminated]
        );
    }
}
