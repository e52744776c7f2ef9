//! `weft fmt`: one canonical layout for weft programs.
//!
//! The syntax tree is printed again with a layout of its own: two spaces
//! per level, statements one per line (at most one empty line kept
//! between them), spaces around operators, method chains and argument
//! lists on one line when they fit in [`WIDTH`] columns and one item per
//! line when they do not (or when the author broke them), trailing commas
//! in broken lists, the labels of consecutive tracks aligned. Names,
//! numbers, strings and comments are taken from the source as written;
//! parentheses are those the meaning needs; `;` is written where a
//! statement would otherwise continue the one before.
//!
//! The result is checked before it is returned: it must parse to the same
//! syntax tree (positions aside) and hold the same comments, so formatting
//! never changes what a program means. Formatting it again changes nothing.

mod doc;

use self::doc::{
    broken_group, concat, group, if_break, indent, is_small, print, text, will_break, Doc,
};
use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::lexer::{comments, lex, Comment, SrcSpan, Token};
use crate::parser::parse_program;

/// The width lines are kept within, where the code allows.
pub const WIDTH: usize = 100;
const INDENT: &str = "  ";
/// The largest document (in nodes) that a layout with alternatives copies;
/// see [`doc::is_small`].
const CHOICE_LIMIT: usize = 2000;

/// Why a source is not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The source has errors; they are reported, nothing is changed.
    Syntax(Vec<Diagnostic>),
    /// The layout would not mean the same (a defect of the formatter);
    /// nothing is changed.
    Unsafe(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            FormatError::Syntax(d) => write!(
                f,
                "the program has {} syntax error{}; fix {} first",
                d.len(),
                if d.len() == 1 { "" } else { "s" },
                if d.len() == 1 { "it" } else { "them" }
            ),
            FormatError::Unsafe(why) => write!(f, "not formatted: {why}"),
        }
    }
}

/// The canonical layout of a program.
pub fn format_source(src: &str) -> Result<String, FormatError> {
    let (stmts, diags) = parse_program(src);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
    if !errors.is_empty() {
        return Err(FormatError::Syntax(errors));
    }
    let mut f = Fmt::new(src);
    let mut doc = f.program(&stmts);
    let mut out = print(&mut doc, WIDTH, INDENT);
    if !out.is_empty() {
        out.push('\n');
    }
    check_same_meaning(src, stmts, &out)?;
    Ok(out)
}

/// Checks that `out` parses to the syntax tree of `src` and keeps its comments.
fn check_same_meaning(src: &str, mut before: Vec<Stmt>, out: &str) -> Result<(), FormatError> {
    let (mut after, diags) = parse_program(out);
    if let Some(d) = diags.iter().find(|d| d.is_error()) {
        return Err(FormatError::Unsafe(format!(
            "the new layout would not parse ({})",
            d.message
        )));
    }
    erase_stmts(&mut before);
    erase_stmts(&mut after);
    if before != after {
        return Err(FormatError::Unsafe(
            "the new layout would read differently".into(),
        ));
    }
    let texts = |s: &str| -> Vec<String> {
        comments(s)
            .iter()
            .map(|c| s[c.span.clone()].trim_end().to_string())
            .collect()
    };
    if texts(src) != texts(out) {
        return Err(FormatError::Unsafe(
            "the new layout would change a comment".into(),
        ));
    }
    Ok(())
}

/// Clears every source position in a tree (to compare two trees).
fn erase_stmts(stmts: &mut [Stmt]) {
    for s in stmts {
        erase_stmt(s);
    }
}

fn erase_stmt(s: &mut Stmt) {
    s.span = 0..0;
    match &mut s.kind {
        StmtKind::Let {
            name_span, value, ..
        } => {
            *name_span = 0..0;
            erase(value);
        }
        StmtKind::Destructure { binding, value } => {
            erase_binding(binding);
            value.iter_mut().for_each(erase);
        }
        StmtKind::Function {
            name_span,
            params,
            body,
            ..
        } => {
            *name_span = 0..0;
            erase_params(params);
            erase(body);
        }
        StmtKind::Return(v) => v.iter_mut().for_each(erase),
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            erase(cond);
            erase_stmts(then);
            erase_stmts(otherwise);
        }
        StmtKind::For {
            init,
            cond,
            update,
            body,
        } => {
            init.iter_mut().for_each(|s| erase_stmt(s));
            cond.iter_mut().for_each(erase);
            update.iter_mut().for_each(erase);
            erase_stmts(body);
        }
        StmtKind::ForOf {
            binding,
            items,
            body,
        } => {
            erase_binding(binding);
            erase(items);
            erase_stmts(body);
        }
        StmtKind::Track {
            name_span, value, ..
        } => {
            *name_span = 0..0;
            erase(value);
        }
        StmtKind::Import { path_span, .. } => *path_span = 0..0,
        StmtKind::Instrument {
            name_span,
            params,
            body,
            ..
        } => {
            *name_span = 0..0;
            erase_params(params);
            erase(body);
        }
        StmtKind::Section {
            name_span, body, ..
        } => {
            *name_span = 0..0;
            erase_stmts(body);
        }
        StmtKind::Expr(e) => erase(e),
        StmtKind::Error => {}
    }
}

fn erase_params(params: &mut [Param]) {
    for p in params {
        p.span = 0..0;
        p.default.iter_mut().for_each(erase);
    }
}

fn erase_binding(b: &mut Binding) {
    match b {
        Binding::Name(_, span) => *span = 0..0,
        Binding::Object(items, _) => {
            for (_, b, d) in items {
                erase_binding(b);
                d.iter_mut().for_each(erase);
            }
        }
        Binding::Array(items, _) => {
            for (b, d) in items.iter_mut().flatten() {
                erase_binding(b);
                d.iter_mut().for_each(erase);
            }
        }
    }
}

fn erase(e: &mut Expr) {
    e.span = 0..0;
    match &mut e.kind {
        ExprKind::Mini {
            offset, escapes, ..
        } => {
            *offset = 0;
            *escapes = Escapes::default();
        }
        ExprKind::List(items) => items.iter_mut().for_each(erase),
        ExprKind::Object(props) => {
            for p in props {
                match p {
                    Prop::Pair(_, v) | Prop::Spread(v) => erase(v),
                }
            }
        }
        ExprKind::Spread(x) | ExprKind::Unary { expr: x, .. } => erase(x),
        ExprKind::Call { callee, args } => {
            erase(callee);
            args.iter_mut().for_each(erase);
        }
        ExprKind::Member {
            object, name_span, ..
        } => {
            *name_span = 0..0;
            erase(object);
        }
        ExprKind::Index { object, index } => {
            erase(object);
            erase(index);
        }
        ExprKind::Arrow { params, body, .. } => {
            erase_params(params);
            erase(body);
        }
        ExprKind::Block(stmts) => erase_stmts(stmts),
        ExprKind::Assign { target, value, .. } => {
            erase(target);
            erase(value);
        }
        ExprKind::Update { target, .. } => erase(target),
        ExprKind::Binary { lhs, rhs, .. } => {
            erase(lhs);
            erase(rhs);
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            erase(cond);
            erase(then);
            erase(otherwise);
        }
        _ => {}
    }
}

/// Binding strength of an expression (higher binds tighter), as the
/// parser reads it. Arrow functions count as loosest: their body takes
/// everything that follows.
fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Assign { .. } | ExprKind::Arrow { .. } => 1,
        ExprKind::Ternary { .. } => 2,
        ExprKind::Binary { op, .. } => op_prec(*op),
        ExprKind::Unary { .. } | ExprKind::Update { prefix: true, .. } => 11,
        ExprKind::Update { .. }
        | ExprKind::Call { .. }
        | ExprKind::Member { .. }
        | ExprKind::Index { .. } => 12,
        _ => 13,
    }
}

fn op_prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or | BinOp::Nullish => 3,
        BinOp::And => 4,
        BinOp::Pipe => 5,
        BinOp::Eq | BinOp::Ne | BinOp::StrictEq | BinOp::StrictNe => 6,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 7,
        BinOp::Add | BinOp::Sub => 8,
        BinOp::Mul | BinOp::Div | BinOp::Rem => 9,
        BinOp::Pow => 10,
    }
}

fn op_text(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Rem => "%",
        BinOp::Pipe => ">>",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::StrictEq => "===",
        BinOp::StrictNe => "!==",
        BinOp::Pow => "**",
        BinOp::And => "&&",
        BinOp::Or => "||",
        BinOp::Nullish => "??",
    }
}

/// The loosest expression accepted without parentheses where a whole
/// expression may stand (arguments, list items, values).
const FULL: u8 = 1;
/// Where only a call, member access or tighter may stand.
const POSTFIX: u8 = 12;

/// Tokens that carry content (names, literals, keywords, closing
/// brackets), as opposed to punctuation: a comment after punctuation
/// belongs to the content before.
fn is_leaf(t: &Token) -> bool {
    !matches!(
        t,
        Token::Arrow
            | Token::StrictEq
            | Token::StrictNe
            | Token::AndAnd
            | Token::OrOr
            | Token::Nullish
            | Token::StarStar
            | Token::Ellipsis
            | Token::PlusPlus
            | Token::MinusMinus
            | Token::PlusAssign
            | Token::MinusAssign
            | Token::StarAssign
            | Token::SlashAssign
            | Token::PercentAssign
            | Token::Pipe
            | Token::EqEq
            | Token::NotEq
            | Token::Le
            | Token::Ge
            | Token::Lt
            | Token::Gt
            | Token::Assign
            | Token::Plus
            | Token::Minus
            | Token::Star
            | Token::Slash
            | Token::Percent
            | Token::Bang
            | Token::Dot
            | Token::Comma
            | Token::Colon
            | Token::Semi
            | Token::Question
            | Token::LParen
            | Token::LBracket
            | Token::LBrace
    )
}

/// A key of an object as it can be written: a bare name, a number, or a
/// quoted string.
fn key_text(key: &str, numbers: bool) -> String {
    let toks = lex(key);
    let bare = match toks.as_slice() {
        [(Token::Ident(s), span)] => *s == key && span.len() == key.len(),
        [(Token::Number(s), _)] if numbers => {
            *s == key
                && crate::value::js_number(s).map(crate::value::js_number_string)
                    == Some(key.to_string())
        }
        _ => false,
    };
    if bare {
        return key.to_string();
    }
    let mut out = String::from("'");
    for c in key.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// How items between brackets are laid out.
struct Delimit {
    /// `{ a }` rather than `{a}`.
    spaced: bool,
    /// The last item may break while the others stay on the first line.
    hug: bool,
    /// The author broke the line after the opening bracket: keep it broken.
    forced: bool,
}

/// The parts of a method chain after its head, in source order.
enum ChainOp<'e> {
    Call(&'e Expr),
    Member(&'e Expr),
    Index(&'e Expr),
}

struct Fmt<'s> {
    src: &'s str,
    tokens: Vec<(Token<'s>, SrcSpan)>,
    /// For each bracket token, the index of its partner.
    partner: Vec<Option<usize>>,
    comments: Vec<Comment>,
    /// The first comment not printed yet.
    next_comment: usize,
    /// The end of the last token or comment printed.
    last_pos: usize,
    /// The end of the statement being printed: a `//` comment before it
    /// keeps the lines around it broken, one after it does not.
    stmt_end: usize,
}

impl<'s> Fmt<'s> {
    fn new(src: &'s str) -> Fmt<'s> {
        let tokens = lex(src);
        let mut partner = vec![None; tokens.len()];
        let mut open: Vec<usize> = Vec::new();
        for (i, (t, _)) in tokens.iter().enumerate() {
            match t {
                Token::LParen | Token::LBracket | Token::LBrace => open.push(i),
                Token::RParen | Token::RBracket | Token::RBrace => {
                    if let Some(o) = open.pop() {
                        partner[o] = Some(i);
                        partner[i] = Some(o);
                    }
                }
                _ => {}
            }
        }
        Fmt {
            src,
            tokens,
            partner,
            comments: comments(src),
            next_comment: 0,
            last_pos: 0,
            stmt_end: 0,
        }
    }

    // ---- tokens -------------------------------------------------------

    /// Index of the first token starting at or after `pos`.
    fn token_from(&self, pos: usize) -> usize {
        self.tokens.partition_point(|(_, s)| s.start < pos)
    }

    fn token_at(&self, pos: usize) -> Option<usize> {
        let i = self.token_from(pos);
        (i < self.tokens.len() && self.tokens[i].1.start == pos).then_some(i)
    }

    /// Index of the token that ends at `end`.
    fn token_ending_at(&self, end: usize) -> Option<usize> {
        let i = self.tokens.partition_point(|(_, s)| s.end < end);
        (i < self.tokens.len() && self.tokens[i].1.end == end).then_some(i)
    }

    fn kind(&self, i: usize) -> Option<&Token<'s>> {
        self.tokens.get(i).map(|(t, _)| t)
    }

    fn span(&self, i: usize) -> SrcSpan {
        self.tokens[i].1.clone()
    }

    /// The last token ending at or before `pos`.
    fn token_before(&self, pos: usize) -> Option<usize> {
        let i = self.tokens.partition_point(|(_, s)| s.end <= pos);
        i.checked_sub(1)
    }

    // ---- comments -----------------------------------------------------

    fn newline_between(&self, a: usize, b: usize) -> bool {
        a < b && self.src[a..b].contains('\n')
    }

    fn blank_between(&self, a: usize, b: usize) -> bool {
        if a >= b {
            return false;
        }
        let pieces: Vec<&str> = self.src[a..b].split('\n').collect();
        pieces.len() >= 3
            && pieces[1..pieces.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }

    fn code_before_on_line(&self, c: &Comment) -> bool {
        self.token_before(c.span.start)
            .is_some_and(|i| !self.newline_between(self.tokens[i].1.end, c.span.start))
    }

    fn code_after_on_line(&self, c: &Comment) -> bool {
        let i = self.token_from(c.span.end);
        i < self.tokens.len() && !self.newline_between(c.span.end, self.tokens[i].1.start)
    }

    fn comment_text(&self, c: &Comment) -> String {
        self.src[c.span.clone()].trim_end().to_string()
    }

    /// The comments before `pos` not printed yet, placed where they were:
    /// at the end of a line, inside a line, or on lines of their own.
    fn flush(&mut self, pos: usize) -> Doc {
        let mut parts = Vec::new();
        while let Some(c) = self.comments.get(self.next_comment).cloned() {
            if c.span.start >= pos {
                break;
            }
            let text_of = self.comment_text(&c);
            if c.block && self.code_after_on_line(&c) {
                parts.push(text(text_of));
                parts.push(text(" "));
            } else if self.code_before_on_line(&c) {
                parts.push(Doc::LineSuffix(format!(" {text_of}")));
                if !c.block && c.span.start < self.stmt_end {
                    parts.push(Doc::BreakParent);
                }
            } else {
                parts.push(Doc::BreakParent);
                parts.push(Doc::EnsureLine);
                let after_opener = self.src[..c.span.start]
                    .trim_end()
                    .ends_with(['{', '(', '[']);
                if self.blank_between(self.last_pos, c.span.start) && !after_opener {
                    parts.push(Doc::BlankLine);
                }
                parts.push(text(text_of));
                parts.push(Doc::NeedLine);
            }
            self.next_comment += 1;
            self.last_pos = c.span.end;
        }
        concat(parts)
    }

    /// A token of the source: the comments before it, its text, and the
    /// comments after it on its line (kept at the end of the line).
    fn anchor(&mut self, span: SrcSpan, t: impl Into<String>) -> Doc {
        let (token, trailing) = self.anchor_split(span, t);
        concat(vec![token, trailing])
    }

    /// [`Fmt::anchor`] in two parts: the comments before the token with
    /// its text, and the comments after it on its line. A closing bracket
    /// puts the second part outside its group, so that a `// comment`
    /// after `f(a),` breaks the list around the call, not the call.
    fn anchor_split(&mut self, span: SrcSpan, t: impl Into<String>) -> (Doc, Doc) {
        let token = concat(vec![self.flush(span.start), text(t)]);
        let mut parts = Vec::new();
        self.last_pos = self.last_pos.max(span.end);
        while let Some(c) = self.comments.get(self.next_comment).cloned() {
            if c.span.start < span.end || self.newline_between(span.end, c.span.start) {
                break;
            }
            let leaf_between = (self.token_from(span.end)..self.tokens.len())
                .take_while(|&i| self.tokens[i].1.start < c.span.start)
                .any(|i| is_leaf(&self.tokens[i].0));
            if leaf_between || (c.block && self.code_after_on_line(&c)) {
                break;
            }
            parts.push(Doc::LineSuffix(format!(" {}", self.comment_text(&c))));
            if !c.block && c.span.start < self.stmt_end {
                parts.push(Doc::BreakParent);
            }
            self.next_comment += 1;
            self.last_pos = c.span.end;
        }
        (token, concat(parts))
    }

    /// A token by its index (punctuation written as in the source).
    fn anchor_token(&mut self, i: usize, t: &str) -> Doc {
        let span = self.span(i);
        self.anchor(span, t)
    }

    /// Source text as written (for what the syntax tree does not keep);
    /// the comments inside it are part of it.
    fn verbatim(&mut self, span: SrcSpan) -> Doc {
        let before = self.flush(span.start);
        while self
            .comments
            .get(self.next_comment)
            .is_some_and(|c| c.span.start < span.end)
        {
            self.next_comment += 1;
        }
        self.last_pos = self.last_pos.max(span.end);
        concat(vec![before, text(self.src[span].trim().to_string())])
    }

    // ---- statements ---------------------------------------------------

    fn program(&mut self, stmts: &[Stmt]) -> Doc {
        let body = self.stmt_list(stmts);
        let rest = self.flush(self.src.len());
        concat(vec![body, rest])
    }

    /// Statements one per line; consecutive declarations written as one
    /// (`let a = 1, b = 2`) stay one.
    fn stmt_list(&mut self, stmts: &[Stmt]) -> Doc {
        let mut items: Vec<&[Stmt]> = Vec::new();
        let mut i = 0;
        while i < stmts.len() {
            let mut j = i + 1;
            let is_decl =
                |s: &Stmt| matches!(s.kind, StmtKind::Let { .. } | StmtKind::Destructure { .. });
            while j < stmts.len()
                && is_decl(&stmts[i])
                && is_decl(&stmts[j])
                && stmts[j].span == stmts[i].span
            {
                j += 1;
            }
            items.push(&stmts[i..j]);
            i = j;
        }
        let pads = self.track_alignment(&items);
        let mut parts = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let start = item[0].span.start;
            if k > 0 {
                parts.push(Doc::HardLine);
            }
            parts.push(self.flush(start));
            if k > 0 && self.blank_between(self.last_pos, start) {
                parts.push(Doc::BlankLine);
            }
            let outer_end = self.stmt_end;
            self.stmt_end = item[item.len() - 1].span.end;
            let d = self.stmt_item(item, pads[k]);
            self.stmt_end = outer_end;
            let semicolon = match items.get(k + 1) {
                Some(next) => {
                    matches!(item[0].kind, StmtKind::Return(None))
                        || self.starts_with_hazard(&next[0])
                }
                None => false,
            };
            parts.push(d);
            if semicolon {
                parts.push(text(";"));
            }
        }
        concat(parts)
    }

    /// Whether a statement would continue the one before it without a
    /// `;`: it starts with `(`, `[`, `+`, `-` or `` ` ``.
    fn starts_with_hazard(&self, s: &Stmt) -> bool {
        let StmtKind::Expr(e) = &s.kind else {
            return false;
        };
        let mut e = e;
        let mut min = FULL;
        loop {
            if prec(e) < min {
                return true;
            }
            match &e.kind {
                ExprKind::List(_)
                | ExprKind::Unary {
                    op: UnOp::Neg | UnOp::Plus,
                    ..
                }
                | ExprKind::Update { prefix: true, .. } => return true,
                ExprKind::Arrow {
                    params, binds_this, ..
                } => {
                    // `(function …)` and `(a, b) => …` start with `(`.
                    return !self.is_async(e) && (*binds_this || !single_simple(params));
                }
                ExprKind::Binary { op, lhs, .. } => {
                    min = if *op == BinOp::Pow { 11 } else { op_prec(*op) };
                    e = lhs;
                }
                ExprKind::Call { callee: x, .. } | ExprKind::Index { object: x, .. } => {
                    min = POSTFIX;
                    e = x;
                }
                ExprKind::Member { object, .. } => {
                    if matches!(object.kind, ExprKind::Num(_)) {
                        return true;
                    }
                    min = POSTFIX;
                    e = object;
                }
                ExprKind::Update { target, .. } => {
                    min = POSTFIX;
                    e = target;
                }
                ExprKind::Ternary { cond, .. } => {
                    min = 3;
                    e = cond;
                }
                ExprKind::Assign { target, .. } => {
                    min = 2;
                    e = target;
                }
                _ => return false,
            }
        }
    }

    /// Padding after each track label so that the values of consecutive
    /// tracks (one per line, nothing between) start in one column.
    fn track_alignment(&self, items: &[&[Stmt]]) -> Vec<usize> {
        let label = |s: &Stmt| -> Option<usize> {
            match &s.kind {
                StmtKind::Track {
                    name_span, flags, ..
                } => Some(self.src[name_span.clone()].chars().count() + usize::from(flags.solo)),
                _ => None,
            }
        };
        let mut pads = vec![0; items.len()];
        let mut k = 0;
        while k < items.len() {
            let Some(_) = label(&items[k][0]) else {
                k += 1;
                continue;
            };
            let mut end = k + 1;
            while end < items.len()
                && label(&items[end][0]).is_some()
                && self.src[items[end - 1][0].span.end..items[end][0].span.start]
                    .matches('\n')
                    .count()
                    == 1
                && !self.has_own_line_comment(items[end - 1][0].span.end, items[end][0].span.start)
            {
                end += 1;
            }
            let widest = (k..end)
                .filter_map(|i| label(&items[i][0]))
                .max()
                .unwrap_or(0);
            for (i, pad) in pads.iter_mut().enumerate().take(end).skip(k) {
                *pad = widest - label(&items[i][0]).unwrap_or(widest);
            }
            k = end;
        }
        pads
    }

    /// The comments lying between `a` and `b` (found by bisection: the
    /// comments are in source order).
    fn comments_between(&self, a: usize, b: usize) -> impl Iterator<Item = &Comment> {
        let first = self.comments.partition_point(|c| c.span.start < a);
        self.comments[first..]
            .iter()
            .take_while(move |c| c.span.end <= b)
    }

    fn line_comment_between(&self, a: usize, b: usize) -> bool {
        self.comments_between(a, b).any(|c| !c.block)
    }

    fn has_own_line_comment(&self, a: usize, b: usize) -> bool {
        self.comments_between(a, b)
            .any(|c| !self.code_before_on_line(c))
    }

    /// The keyword a declaration starts with, as written.
    fn decl_keyword(&self, pos: usize) -> &'static str {
        match self.token_at(pos).and_then(|i| self.kind(i)) {
            Some(Token::Const) => "const",
            Some(Token::Var) => "var",
            _ => "let",
        }
    }

    fn keyword(&mut self, pos: usize, t: &str) -> Doc {
        match self.token_at(pos) {
            Some(i) => self.anchor_token(i, t),
            None => text(t),
        }
    }

    fn stmt_item(&mut self, item: &[Stmt], pad: usize) -> Doc {
        if item.len() > 1 {
            let kw = self.decl_keyword(item[0].span.start);
            let kw = self.keyword(item[0].span.start, kw);
            let mut decls = Vec::new();
            for (i, s) in item.iter().enumerate() {
                if i > 0 {
                    decls.push(text(","));
                    decls.push(Doc::Line);
                }
                decls.push(self.declarator(s));
            }
            return group(concat(vec![kw, text(" "), indent(concat(decls))]));
        }
        self.stmt(&item[0], pad)
    }

    /// `name = value` or `{a, b} = value` of a declaration.
    fn declarator(&mut self, s: &Stmt) -> Doc {
        match &s.kind {
            StmtKind::Let {
                name,
                name_span,
                value,
            } => {
                let n = self.anchor(name_span.clone(), name.clone());
                let v = self.assigned(value);
                concat(vec![n, text(" ="), v])
            }
            StmtKind::Destructure { binding, value } => {
                let b = self.binding(binding);
                match value {
                    Some(v) => {
                        let v = self.assigned(v);
                        concat(vec![b, text(" ="), v])
                    }
                    None => b,
                }
            }
            _ => self.stmt(s, 0),
        }
    }

    /// The value after `=`: on the same line, or for operators on the
    /// next line (indented) when it does not fit.
    fn assigned(&mut self, value: &Expr) -> Doc {
        let v = self.expr(value, FULL);
        if matches!(
            value.kind,
            ExprKind::Binary { .. } | ExprKind::Ternary { .. }
        ) {
            group(indent(concat(vec![Doc::Line, v])))
        } else {
            concat(vec![text(" "), v])
        }
    }

    fn stmt(&mut self, s: &Stmt, pad: usize) -> Doc {
        match &s.kind {
            StmtKind::Let { .. } | StmtKind::Destructure { .. } => {
                let kw = self.decl_keyword(s.span.start);
                let kw = self.keyword(s.span.start, kw);
                let d = self.declarator(s);
                concat(vec![kw, text(" "), d])
            }
            StmtKind::Function {
                name,
                name_span,
                params,
                body,
            } => {
                let kw = self.keyword(s.span.start, "function");
                let n = self.anchor(name_span.clone(), name.clone());
                let open = self.token_from(name_span.end);
                let p = self.params(params, open);
                let b = self.body(body);
                concat(vec![kw, text(" "), n, p, text(" "), b])
            }
            StmtKind::Return(v) => {
                let kw = self.keyword(s.span.start, "return");
                match v {
                    Some(v) => {
                        let v = self.expr(v, FULL);
                        concat(vec![kw, text(" "), v])
                    }
                    None => kw,
                }
            }
            StmtKind::If { .. } => self.if_stmt(s),
            StmtKind::For {
                init,
                cond,
                update,
                body,
            } => {
                let kw = self.keyword(s.span.start, "for");
                let open = self.token_from(s.span.start + 3);
                let close = self.partner.get(open).copied().flatten();
                let semi = (open + 1..close.unwrap_or(open))
                    .find(|&i| matches!(self.kind(i), Some(Token::Semi)));
                let mut head = vec![kw, text(" (")];
                match init {
                    Some(init) => head.push(self.for_init(init)),
                    None => {
                        if let Some(semi) = semi.filter(|&s| s > open + 1) {
                            let span = self.span(open + 1).start..self.span(semi - 1).end;
                            head.push(self.verbatim(span));
                        }
                    }
                }
                head.push(text(";"));
                if let Some(c) = cond {
                    head.push(text(" "));
                    head.push(self.expr(c, FULL));
                }
                head.push(text(";"));
                if let Some(u) = update {
                    head.push(text(" "));
                    head.push(self.expr(u, FULL));
                }
                head.push(text(") "));
                let b = self.stmt_body(body, close.map(|c| c + 1));
                head.push(b);
                concat(head)
            }
            StmtKind::ForOf {
                binding,
                items,
                body,
            } => {
                let kw = self.keyword(s.span.start, "for");
                let open = self.token_from(s.span.start + 3);
                let close = self.partner.get(open).copied().flatten();
                let decl = match self.kind(open + 1) {
                    Some(Token::Let) => "let ",
                    Some(Token::Const) => "const ",
                    Some(Token::Var) => "var ",
                    _ => "",
                };
                let b = self.binding(binding);
                let it = self.expr(items, FULL);
                let body = self.stmt_body(body, close.map(|c| c + 1));
                concat(vec![
                    kw,
                    text(" ("),
                    text(decl),
                    b,
                    text(" of "),
                    it,
                    text(") "),
                    body,
                ])
            }
            StmtKind::Track {
                name_span,
                flags,
                value,
                ..
            } => {
                let label = self.src[name_span.clone()].to_string();
                let l = self.anchor(name_span.clone(), label);
                let v = self.expr(value, FULL);
                concat(vec![
                    l,
                    text(if flags.solo { "!:" } else { ":" }),
                    text(" ".repeat(pad + 1)),
                    v,
                ])
            }
            StmtKind::Import { path_span, .. } => {
                let kw = self.keyword(s.span.start, "import");
                let p = self.anchor(path_span.clone(), self.src[path_span.clone()].to_string());
                concat(vec![kw, text(" "), p])
            }
            StmtKind::Instrument {
                name,
                name_span,
                params,
                body,
                is_effect,
            } => {
                let kw = self.keyword(
                    s.span.start,
                    if *is_effect { "effect" } else { "instrument" },
                );
                let n = self.anchor(name_span.clone(), name.clone());
                let p = if params.is_empty() {
                    Doc::Nil
                } else {
                    let open = self.token_from(name_span.end);
                    self.params(params, open)
                };
                let b = self.expr(body, FULL);
                concat(vec![
                    kw,
                    text(" "),
                    n,
                    p,
                    text(" ="),
                    group(indent(concat(vec![Doc::Line, b]))),
                ])
            }
            StmtKind::Section {
                name,
                name_span,
                body,
            } => {
                let kw = self.keyword(s.span.start, "section");
                let n = self.anchor(name_span.clone(), name.clone());
                let open = self.token_from(name_span.end);
                let b = self.stmt_body(body, Some(open));
                concat(vec![kw, text(" "), n, text(" "), b])
            }
            StmtKind::Expr(e) => {
                // A function expression first would read as a declaration.
                let leads_with_function = matches!(
                    &e.kind,
                    ExprKind::Arrow {
                        binds_this: true,
                        ..
                    }
                ) && !self.is_async(e);
                let d = self.expr(e, FULL);
                if leads_with_function {
                    concat(vec![text("("), d, text(")")])
                } else {
                    d
                }
            }
            StmtKind::Error => self.verbatim(s.span.clone()),
        }
    }

    fn for_init(&mut self, init: &Stmt) -> Doc {
        match &init.kind {
            StmtKind::Let { .. } | StmtKind::Destructure { .. } => {
                let kw = self.decl_keyword(init.span.start);
                let kw = self.keyword(init.span.start, kw);
                let d = self.declarator(init);
                concat(vec![kw, text(" "), d])
            }
            StmtKind::Expr(e) => self.expr(e, FULL),
            _ => self.stmt(init, 0),
        }
    }

    fn if_stmt(&mut self, s: &Stmt) -> Doc {
        let StmtKind::If {
            cond,
            then,
            otherwise,
        } = &s.kind
        else {
            return Doc::Nil;
        };
        let kw = self.keyword(s.span.start, "if");
        let open = self.token_from(s.span.start + 2);
        let close = self.partner.get(open).copied().flatten();
        let c = self.expr(cond, FULL);
        let then_start = close.map(|c| c + 1);
        let then_doc = self.stmt_body(then, then_start);
        let mut parts = vec![kw, text(" ("), c, text(") "), then_doc];
        if !otherwise.is_empty() {
            // `else` follows the then-part: after its `}` or its statement.
            let then_end = match then_start.filter(|&i| matches!(self.kind(i), Some(Token::LBrace)))
            {
                Some(i) => self.partner[i].map(|c| self.span(c).end),
                None => then.last().map(|t| t.span.end),
            };
            let else_tok = then_end
                .map(|e| self.token_from(e))
                .filter(|&i| matches!(self.kind(i), Some(Token::Else)));
            parts.push(text(" "));
            parts.push(match else_tok {
                Some(i) => self.anchor_token(i, "else"),
                None => text("else"),
            });
            parts.push(text(" "));
            if let [single @ Stmt {
                kind: StmtKind::If { .. },
                ..
            }] = otherwise.as_slice()
            {
                parts.push(self.if_stmt(single));
            } else {
                let start = else_tok.map(|i| i + 1);
                parts.push(self.stmt_body(otherwise, start));
            }
        }
        concat(parts)
    }

    /// The body of `if`, `for` or `section`: always a block. `start` is
    /// the index of its first token (a `{` when it was written with one).
    fn stmt_body(&mut self, stmts: &[Stmt], start: Option<usize>) -> Doc {
        let open = start.filter(|&i| matches!(self.kind(i), Some(Token::LBrace)));
        let close = open.and_then(|o| self.partner[o]);
        let (o, c) = match (open, close) {
            (Some(o), Some(c)) => (Some(o), Some(c)),
            _ => (None, None),
        };
        self.block(stmts, o, c)
    }

    /// `{`, the statements indented, `}`; `{}` when empty.
    fn block(&mut self, stmts: &[Stmt], open: Option<usize>, close: Option<usize>) -> Doc {
        let open_doc = match open {
            Some(i) => self.anchor_token(i, "{"),
            None => text("{"),
        };
        let body = self.stmt_list(stmts);
        let inner_comments = match close {
            Some(c) => self.flush(self.span(c).start),
            None => Doc::Nil,
        };
        let close_doc = match close {
            Some(i) => self.anchor_token(i, "}"),
            None => text("}"),
        };
        let empty_inside = stmts.is_empty() && !will_break(&inner_comments);
        if empty_inside {
            return concat(vec![open_doc, inner_comments, close_doc]);
        }
        concat(vec![
            open_doc,
            indent(concat(vec![Doc::HardLine, body, inner_comments])),
            Doc::HardLine,
            close_doc,
        ])
    }

    /// A function body: a block, or an expression.
    fn body(&mut self, body: &Expr) -> Doc {
        match &body.kind {
            ExprKind::Block(stmts) => {
                let open = self.token_at(body.span.start);
                let close = self.token_ending_at(body.span.end);
                self.block(stmts, open, close)
            }
            _ => self.expr(body, FULL),
        }
    }

    // ---- parameters and bindings --------------------------------------

    /// `(a, b = 1, ...rest)`; `open` is the index of the `(`.
    fn params(&mut self, params: &[Param], open: usize) -> Doc {
        let close = self.partner.get(open).copied().flatten();
        let open_doc = if matches!(self.kind(open), Some(Token::LParen)) {
            self.anchor_token(open, "(")
        } else {
            text("(")
        };
        let mut items = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                items.push(text(","));
                items.push(Doc::Line);
            }
            items.push(self.param(p));
        }
        let inner = match close {
            Some(c) => self.flush(self.span(c).start),
            None => Doc::Nil,
        };
        let close_doc = match close {
            Some(c) => self.anchor_token(c, ")"),
            None => text(")"),
        };
        group(concat(vec![
            open_doc,
            indent(concat(vec![Doc::SoftLine, concat(items), inner])),
            Doc::SoftLine,
            close_doc,
        ]))
    }

    fn param(&mut self, p: &Param) -> Doc {
        let mut parts = Vec::new();
        if p.rest {
            parts.push(self.flush(p.span.start));
            parts.push(text("..."));
        }
        parts.push(self.anchor(p.span.clone(), p.name.clone()));
        if let Some(d) = &p.default {
            parts.push(text(" = "));
            parts.push(self.expr(d, FULL));
        }
        concat(parts)
    }

    fn binding(&mut self, b: &Binding) -> Doc {
        match b {
            Binding::Name(n, span) => self.anchor(span.clone(), n.clone()),
            Binding::Object(items, rest) => {
                let mut parts = vec![text("{ ")];
                for (i, (key, b, default)) in items.iter().enumerate() {
                    if i > 0 {
                        parts.push(text(", "));
                    }
                    match b {
                        Binding::Name(n, _) if n == key => parts.push(self.binding(b)),
                        _ => {
                            parts.push(text(key_text(key, false)));
                            parts.push(text(": "));
                            parts.push(self.binding(b));
                        }
                    }
                    if let Some(d) = default {
                        parts.push(text(" = "));
                        parts.push(self.expr(d, FULL));
                    }
                }
                if let Some(r) = rest {
                    if !items.is_empty() {
                        parts.push(text(", "));
                    }
                    parts.push(text(format!("...{r}")));
                }
                if items.is_empty() && rest.is_none() {
                    return text("{}");
                }
                parts.push(text(" }"));
                concat(parts)
            }
            Binding::Array(items, rest) => {
                let mut parts = vec![text("[")];
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        parts.push(text(", "));
                    }
                    if let Some((b, default)) = item {
                        parts.push(self.binding(b));
                        if let Some(d) = default {
                            parts.push(text(" = "));
                            parts.push(self.expr(d, FULL));
                        }
                    }
                }
                if matches!(items.last(), Some(None)) && rest.is_none() {
                    // A hole at the end needs its comma.
                    parts.push(text(","));
                }
                if let Some(r) = rest {
                    if !items.is_empty() {
                        parts.push(text(", "));
                    }
                    parts.push(text(format!("...{r}")));
                }
                parts.push(text("]"));
                concat(parts)
            }
        }
    }

    // ---- expressions --------------------------------------------------

    /// An expression where at least `min` binding strength may stand,
    /// in parentheses when it binds more loosely.
    fn expr(&mut self, e: &Expr, min: u8) -> Doc {
        let d = self.expr_inner(e);
        if prec(e) < min {
            concat(vec![text("("), d, text(")")])
        } else {
            d
        }
    }

    fn leaf(&mut self, e: &Expr) -> Doc {
        let t = self.src[e.span.clone()].to_string();
        self.anchor(e.span.clone(), t)
    }

    fn expr_inner(&mut self, e: &Expr) -> Doc {
        match &e.kind {
            ExprKind::Num(_)
            | ExprKind::Bool(_)
            | ExprKind::Mini { .. }
            | ExprKind::Str(_)
            | ExprKind::Ident(_)
            | ExprKind::This => self.leaf(e),
            ExprKind::List(items) => self.list(e, items),
            ExprKind::Object(props) => self.object(e, props),
            ExprKind::Spread(x) => {
                let f = self.flush(e.span.start);
                let x = self.expr(x, FULL);
                concat(vec![f, text("..."), x])
            }
            ExprKind::Call { .. } | ExprKind::Member { .. } | ExprKind::Index { .. } => {
                self.chain(e)
            }
            ExprKind::Arrow { .. } => self.arrow(e),
            ExprKind::Block(stmts) => {
                let open = self.token_at(e.span.start);
                let close = self.token_ending_at(e.span.end);
                self.block(stmts, open, close)
            }
            ExprKind::Assign { target, op, value } => {
                let t = self.expr(target, 2);
                let op = match op {
                    None => " =".to_string(),
                    Some(op) => format!(" {}=", op_text(*op)),
                };
                let v = self.assigned(value);
                concat(vec![t, text(op), v])
            }
            ExprKind::Update {
                target,
                delta,
                prefix,
            } => {
                let op = if *delta > 0.0 { "++" } else { "--" };
                if *prefix {
                    let f = self.flush(e.span.start);
                    let t = self.expr(target, 11);
                    concat(vec![f, text(op), t])
                } else {
                    let t = self.expr(target, POSTFIX);
                    concat(vec![t, text(op)])
                }
            }
            ExprKind::Binary { .. } => self.binary(e),
            ExprKind::Unary { op, expr } => {
                let f = self.flush(e.span.start);
                let op_t = match op {
                    UnOp::Neg => "-",
                    UnOp::Not => "!",
                    UnOp::Plus => "+",
                    UnOp::Typeof => "typeof ",
                    UnOp::Await => "await ",
                };
                let inner = self.expr(expr, 11);
                // `- -x` and `+ +x` (never `--x`, `++x`).
                let clash = prec(expr) >= 11
                    && match (op, &expr.kind) {
                        (UnOp::Neg, ExprKind::Unary { op: UnOp::Neg, .. }) => true,
                        (UnOp::Plus, ExprKind::Unary { op: UnOp::Plus, .. }) => true,
                        (
                            UnOp::Neg,
                            ExprKind::Update {
                                prefix: true,
                                delta,
                                ..
                            },
                        ) => *delta < 0.0,
                        (
                            UnOp::Plus,
                            ExprKind::Update {
                                prefix: true,
                                delta,
                                ..
                            },
                        ) => *delta > 0.0,
                        _ => false,
                    };
                concat(vec![
                    f,
                    text(op_t),
                    text(if clash { " " } else { "" }),
                    inner,
                ])
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => {
                let c = self.expr(cond, 3);
                let t = self.expr(then, FULL);
                let o = self.expr(otherwise, FULL);
                group(concat(vec![
                    c,
                    indent(concat(vec![
                        Doc::Line,
                        text("? "),
                        t,
                        Doc::Line,
                        text(": "),
                        o,
                    ])),
                ]))
            }
            ExprKind::Error => self.verbatim(e.span.clone()),
        }
    }

    fn binary(&mut self, e: &Expr) -> Doc {
        let ExprKind::Binary { op, lhs, rhs } = &e.kind else {
            return Doc::Nil;
        };
        // `3/16`: a fraction of two numbers stays together.
        if *op == BinOp::Div
            && matches!(lhs.kind, ExprKind::Num(_))
            && matches!(rhs.kind, ExprKind::Num(_))
        {
            let a = self.leaf(lhs);
            let b = self.leaf(rhs);
            return concat(vec![a, text("/"), b]);
        }
        if *op == BinOp::Pow {
            let a = self.expr(lhs, 11);
            let b = self.expr(rhs, 10);
            return concat(vec![a, text(" ** "), b]);
        }
        // A run of operators of one strength: `a + b - c`.
        let p = op_prec(*op);
        let outer = *op;
        let mut rest: Vec<(BinOp, &Expr)> = vec![(*op, rhs)];
        let mut first: &Expr = lhs;
        while let ExprKind::Binary { op, lhs, rhs } = &first.kind {
            let fraction = *op == BinOp::Div
                && matches!(lhs.kind, ExprKind::Num(_))
                && matches!(rhs.kind, ExprKind::Num(_));
            if op_prec(*op) != p || fraction || mixes_nullish(outer, first) {
                break;
            }
            rest.push((*op, rhs));
            first = lhs;
        }
        rest.reverse();
        let head = if mixes_nullish(outer, first) {
            let d = self.expr(first, p);
            concat(vec![text("("), d, text(")")])
        } else {
            self.expr(first, p)
        };
        let mut tail = Vec::new();
        for (op, operand) in rest {
            let d = self.expr(operand, p + 1);
            tail.push(Doc::Line);
            tail.push(text(format!("{} ", op_text(op))));
            tail.push(d);
        }
        group(concat(vec![head, indent(concat(tail))]))
    }

    fn is_async(&self, e: &Expr) -> bool {
        match self.token_at(e.span.start) {
            Some(i) => {
                matches!(self.kind(i), Some(Token::Ident("async")))
                    && !matches!(self.kind(i + 1), Some(Token::Arrow))
            }
            None => false,
        }
    }

    fn arrow(&mut self, e: &Expr) -> Doc {
        let ExprKind::Arrow {
            params,
            body,
            binds_this,
        } = &e.kind
        else {
            return Doc::Nil;
        };
        let mut parts = Vec::new();
        let mut i = self.token_from(e.span.start);
        if self.is_async(e) {
            parts.push(self.anchor_token(i, "async"));
            parts.push(text(" "));
            i += 1;
        }
        if *binds_this {
            parts.push(self.anchor_token(i, "function"));
            i += 1;
            if let Some(Token::Ident(name)) = self.kind(i).cloned() {
                parts.push(text(" "));
                parts.push(self.anchor_token(i, name));
                i += 1;
            }
            parts.push(self.params(params, i));
            parts.push(text(" "));
            parts.push(self.body(body));
            return concat(parts);
        }
        if single_simple(params) {
            parts.push(self.param(&params[0]));
        } else {
            parts.push(self.params(params, i));
        }
        parts.push(text(" =>"));
        match &body.kind {
            ExprKind::Block(_) => {
                parts.push(text(" "));
                parts.push(self.body(body));
                concat(parts)
            }
            _ => {
                let starts_with_brace = leftmost_is_object(body);
                let b = self.expr(body, FULL);
                let b = if starts_with_brace && prec(body) >= FULL {
                    concat(vec![text("("), b, text(")")])
                } else {
                    b
                };
                let same_line = matches!(
                    body.kind,
                    ExprKind::List(_) | ExprKind::Object(_) | ExprKind::Arrow { .. }
                );
                if same_line {
                    parts.push(text(" "));
                    parts.push(b);
                    concat(parts)
                } else {
                    parts.push(group(indent(concat(vec![Doc::Line, b]))));
                    group(concat(parts))
                }
            }
        }
    }

    /// Whether the author broke the line right after an opening bracket.
    fn broken_after(&self, open: Option<usize>) -> bool {
        match open.and_then(|o| self.tokens.get(o + 1)) {
            Some((_, next)) => self.newline_between(self.span(open.unwrap_or(0)).end, next.start),
            None => false,
        }
    }

    /// Items between brackets: on one line if they fit, else one per line
    /// with a trailing comma. `open`/`close` are the bracket tokens.
    fn delimited(
        &mut self,
        close: Option<usize>,
        close_text: &str,
        items: Vec<Doc>,
        how: Delimit,
    ) -> Doc {
        let inner_comments = match close {
            Some(c) => self.flush(self.span(c).start),
            None => Doc::Nil,
        };
        let (close_doc, trailing) = match close {
            Some(c) => {
                let span = self.span(c);
                self.anchor_split(span, close_text)
            }
            None => (text(close_text), Doc::Nil),
        };
        let laid_out = self.delimited_items(items, inner_comments, close_doc, how);
        concat(vec![laid_out, trailing])
    }

    /// The layouts of [`Fmt::delimited`], its closing bracket included.
    fn delimited_items(
        &mut self,
        items: Vec<Doc>,
        inner_comments: Doc,
        close_doc: Doc,
        how: Delimit,
    ) -> Doc {
        let Delimit {
            spaced,
            hug,
            forced,
        } = how;
        let open_doc = Doc::Nil;
        if items.is_empty() {
            if will_break(&inner_comments) {
                return concat(vec![
                    open_doc,
                    indent(inner_comments),
                    Doc::HardLine,
                    close_doc,
                ]);
            }
            return concat(vec![open_doc, inner_comments, close_doc]);
        }
        let line = if spaced { Doc::Line } else { Doc::SoftLine };
        let mut joined = Vec::new();
        let n = items.len();
        for (i, it) in items.iter().enumerate() {
            joined.push(it.clone());
            if i + 1 < n {
                joined.push(text(","));
                joined.push(Doc::Line);
            }
        }
        let broken = concat(vec![
            open_doc.clone(),
            indent(concat(vec![
                line.clone(),
                concat(joined),
                if_break(text(","), Doc::Nil),
                inner_comments.clone(),
            ])),
            line.clone(),
            close_doc.clone(),
        ]);
        if forced {
            return broken_group(broken);
        }
        let others_break = items[..n - 1].iter().any(will_break);
        if !hug || others_break || will_break(&inner_comments) || !is_small(&broken, CHOICE_LIMIT) {
            return group(broken);
        }
        // The last item may break on its own while the others stay on the
        // opening line: `f(a, x => {` … `})`.
        let mut flat = vec![open_doc.clone()];
        if spaced {
            flat.push(text(" "));
        }
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                flat.push(text(", "));
            }
            if i + 1 == n {
                flat.push(force_break(it.clone()));
            } else {
                flat.push(it.clone());
            }
        }
        flat.push(inner_comments);
        if spaced {
            flat.push(text(" "));
        }
        flat.push(close_doc);
        Doc::Choice(vec![group(broken.clone()), concat(flat), broken])
    }

    fn list(&mut self, e: &Expr, items: &[Expr]) -> Doc {
        let close = self.token_ending_at(e.span.end);
        let open = self.token_at(e.span.start);
        let open_doc = match open {
            Some(o) => self.anchor_token(o, "["),
            None => text("["),
        };
        let forced = self.broken_after(open);
        let docs: Vec<Doc> = items.iter().map(|x| self.expr(x, FULL)).collect();
        let how = Delimit {
            spaced: false,
            hug: false,
            forced,
        };
        let d = self.delimited(close, "]", docs, how);
        concat(vec![open_doc, d])
    }

    fn object(&mut self, e: &Expr, props: &[Prop]) -> Doc {
        let close = self.token_ending_at(e.span.end);
        let open = self.token_at(e.span.start);
        let open_doc = match open {
            Some(o) => self.anchor_token(o, "{"),
            None => text("{"),
        };
        let forced = self.broken_after(open);
        let mut docs = Vec::new();
        for p in props {
            docs.push(match p {
                Prop::Spread(x) => {
                    let start = self.prop_start(x);
                    let f = self.flush(start);
                    let x = self.expr(x, FULL);
                    concat(vec![f, text("..."), x])
                }
                Prop::Pair(k, v) => {
                    let start = self.prop_start(v);
                    let f = self.flush(start);
                    let shorthand = matches!(&v.kind, ExprKind::Ident(n) if n == k)
                        && key_text(k, true) == *k
                        && self.src[v.span.clone()] == **k
                        && !matches!(self.kind(self.token_from(v.span.end)), Some(Token::Colon));
                    if shorthand {
                        let v = self.expr(v, FULL);
                        concat(vec![f, v])
                    } else {
                        let v = self.expr(v, FULL);
                        concat(vec![f, text(key_text(k, true)), text(": "), v])
                    }
                }
            });
        }
        let how = Delimit {
            spaced: true,
            hug: false,
            forced,
        };
        let d = self.delimited(close, "}", docs, how);
        concat(vec![open_doc, d])
    }

    /// Where an object entry starts: its key (before the value and `:`)
    /// or its `...`.
    fn prop_start(&self, value: &Expr) -> usize {
        let mut i = self.token_from(value.span.start);
        while i > 0 && matches!(self.kind(i - 1), Some(Token::LParen)) {
            i -= 1;
        }
        match i.checked_sub(1).and_then(|j| self.kind(j)) {
            Some(Token::Colon) if i >= 2 => self.span(i - 2).start,
            Some(Token::Ellipsis) => self.span(i - 1).start,
            _ => value.span.start,
        }
    }

    /// Arguments of a call; `close` is the index of the `)`.
    fn args(&mut self, call: &Expr, args: &[Expr]) -> Doc {
        let close = self.token_ending_at(call.span.end);
        let open = close.and_then(|c| self.partner[c]);
        let open_doc = match open {
            Some(o) => self.anchor_token(o, "("),
            None => text("("),
        };
        let forced = self.broken_after(open);
        let docs: Vec<Doc> = args.iter().map(|a| self.expr(a, FULL)).collect();
        let hug = match args.last().map(|a| &a.kind) {
            Some(ExprKind::Arrow { .. }) | Some(ExprKind::Object(_)) => true,
            Some(ExprKind::List(items)) => args.len() == 1 && !items.is_empty(),
            _ => false,
        };
        let d = self.delimited(
            close,
            ")",
            docs,
            Delimit {
                spaced: false,
                hug,
                forced,
            },
        );
        concat(vec![open_doc, d])
    }

    /// Calls, member accesses and indexing: `head.a(…).b(…)` on one line,
    /// or with each `.link(…)` on a line of its own.
    fn chain(&mut self, e: &Expr) -> Doc {
        let mut ops: Vec<ChainOp> = Vec::new();
        let mut head = e;
        loop {
            match &head.kind {
                ExprKind::Call { callee, .. } => {
                    ops.push(ChainOp::Call(head));
                    head = callee;
                }
                ExprKind::Member { object, .. } => {
                    ops.push(ChainOp::Member(head));
                    head = object;
                }
                ExprKind::Index { object, .. } => {
                    ops.push(ChainOp::Index(head));
                    head = object;
                }
                _ => break,
            }
        }
        ops.reverse();
        let number_head = matches!(head.kind, ExprKind::Num(_))
            && matches!(ops.first(), Some(ChainOp::Member(_)));
        let head_doc = if number_head {
            let d = self.expr(head, POSTFIX);
            concat(vec![text("("), d, text(")")])
        } else {
            self.expr(head, POSTFIX)
        };
        // Links: each `.name` with the calls and indexes after it; a
        // member without a call joins the next link (`.add.squeeze(…)`).
        let mut links: Vec<(Vec<Doc>, bool, bool)> = Vec::new(); // (docs, has_call, broken_before)
        let mut head_parts = vec![head_doc];
        let mut prev_end = head.span.end;
        let mut comment_between = false;
        for op in &ops {
            match op {
                ChainOp::Member(m) => {
                    let ExprKind::Member {
                        name, name_span, ..
                    } = &m.kind
                    else {
                        continue;
                    };
                    let dot = self
                        .token_before(name_span.start)
                        .filter(|&i| matches!(self.kind(i), Some(Token::Dot)))
                        .map(|i| self.span(i).start)
                        .unwrap_or(name_span.start);
                    let user_break = self.newline_between(prev_end, dot);
                    // A `// comment` at the end of the line before the dot
                    // keeps the dot on the next line.
                    if self.line_comment_between(prev_end, dot) {
                        comment_between = true;
                    }
                    let f = self.flush(dot);
                    if will_break(&f) {
                        comment_between = true;
                    }
                    let n = self.anchor(name_span.clone(), name.clone());
                    let d = concat(vec![f, text("."), n]);
                    match links.last_mut() {
                        Some((docs, false, _)) => docs.push(d),
                        _ => links.push((vec![d], false, user_break)),
                    }
                    prev_end = name_span.end;
                }
                ChainOp::Call(c) => {
                    let ExprKind::Call { args, .. } = &c.kind else {
                        continue;
                    };
                    let d = self.args(c, args);
                    match links.last_mut() {
                        Some((docs, has_call, _)) => {
                            docs.push(d);
                            *has_call = true;
                        }
                        None => head_parts.push(d),
                    }
                    prev_end = c.span.end;
                }
                ChainOp::Index(x) => {
                    let ExprKind::Index { index, .. } = &x.kind else {
                        continue;
                    };
                    let i = self.expr(index, FULL);
                    let d = concat(vec![text("["), i, text("]")]);
                    match links.last_mut() {
                        Some((docs, _, _)) => docs.push(d),
                        None => head_parts.push(d),
                    }
                    prev_end = x.span.end;
                }
            }
        }
        // A short plain name keeps its first link: `sine.range(…)`.
        let short_head = head_parts.len() == 1
            && match &head.kind {
                ExprKind::Ident(n) => n.chars().count() <= 8,
                ExprKind::This => true,
                _ => false,
            };
        if short_head && !links.is_empty() && !comment_between {
            let (docs, _, _) = links.remove(0);
            head_parts.extend(docs);
        }
        let calls = links.iter().filter(|l| l.1).count();
        let head_doc = concat(head_parts);
        if links.is_empty() || (calls < 2 && !comment_between) {
            let mut all = vec![head_doc];
            for (docs, _, _) in links {
                all.extend(docs);
            }
            return concat(all);
        }
        let forced = comment_between || links.iter().any(|l| l.2);
        let one_line = {
            let mut v = vec![head_doc.clone()];
            for (docs, _, _) in &links {
                v.extend(docs.iter().cloned());
            }
            concat(v)
        };
        let expanded = {
            let mut v = Vec::new();
            for (docs, _, _) in links {
                v.push(Doc::HardLine);
                v.extend(docs);
            }
            concat(vec![head_doc, indent(concat(v))])
        };
        if forced {
            expanded
        } else if is_small(&one_line, CHOICE_LIMIT) {
            Doc::Choice(vec![one_line, expanded])
        } else {
            // Too large to copy: every link on its own line.
            expanded
        }
    }
}

/// Whether `e` joins `??` with `||` or `&&` under `op`, which JavaScript
/// only reads with parentheses (weft reads both ways; they are kept so
/// that the program stays valid JavaScript).
fn mixes_nullish(op: BinOp, e: &Expr) -> bool {
    let ExprKind::Binary { op: inner, .. } = &e.kind else {
        return false;
    };
    let nullish = |o: BinOp| o == BinOp::Nullish;
    let logical = |o: BinOp| matches!(o, BinOp::Or | BinOp::And);
    (nullish(op) && logical(*inner)) || (logical(op) && nullish(*inner))
}

/// A lone parameter without default or `...`: written without parentheses.
fn single_simple(params: &[Param]) -> bool {
    matches!(params, [p] if p.default.is_none() && !p.rest)
}

/// Whether the printed expression starts with `{` (an object literal),
/// which after `=>` would read as a block.
fn leftmost_is_object(e: &Expr) -> bool {
    let mut e = e;
    loop {
        if prec(e) < FULL {
            return false;
        }
        match &e.kind {
            ExprKind::Object(_) => return true,
            ExprKind::Call { callee: x, .. }
            | ExprKind::Member { object: x, .. }
            | ExprKind::Index { object: x, .. }
            | ExprKind::Update {
                target: x,
                prefix: false,
                ..
            } => {
                if prec(x) < POSTFIX {
                    return false;
                }
                e = x;
            }
            ExprKind::Binary { lhs, op, .. } => {
                let min = if *op == BinOp::Pow { 11 } else { op_prec(*op) };
                if prec(lhs) < min {
                    return false;
                }
                e = lhs;
            }
            ExprKind::Ternary { cond, .. } => {
                if prec(cond) < 3 {
                    return false;
                }
                e = cond;
            }
            ExprKind::Assign { target, .. } => {
                if prec(target) < 2 {
                    return false;
                }
                e = target;
            }
            _ => return false,
        }
    }
}

/// The document, with its outermost group broken.
fn force_break(d: Doc) -> Doc {
    match d {
        Doc::Group(inner, _) => Doc::Group(inner, true),
        Doc::Concat(mut parts) => {
            // An arrow function: its last part is the group of its body.
            if let Some(last) = parts.pop() {
                parts.push(force_break(last));
            }
            Doc::Concat(parts)
        }
        other => broken_group(other),
    }
}

#[cfg(test)]
mod tests;
