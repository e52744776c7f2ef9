//! A hand-written recursive-descent reading of the grammar in
//! `parser.rs`, for the common case: a file without syntax errors.
//!
//! The grammar's combinators try a dozen precedence levels and several
//! alternatives around every operand; on a correct program this reading
//! builds the same syntax tree (the same nodes and spans) several times
//! faster. It follows the grammar's ordered choices and backtracking
//! exactly (each alternative restores the position when it fails) but
//! has no error recovery: wherever the grammar would recover from an
//! error, or nesting runs deep, it gives up (`None`) and the caller
//! parses the file again with the grammar, which reports the errors.
//! `tests::agrees_with_the_grammar` checks the two against each other.

use crate::ast::*;
use crate::lexer::{SrcSpan, Token};
use crate::value::js_number;

use super::{
    conditional, declaration_stmts, member_name_of, power_chain, track_label, unescape,
    unescape_mapped, Pre,
};

/// Nesting of expressions beyond which this reading gives up and leaves
/// the file to the grammar (which also reports too deep nesting).
const DEPTH_LIMIT: usize = 96;

/// A whole program's statements, or `None` where the grammar must decide.
pub(super) fn program(toks: &[(Token, SrcSpan)], src_len: usize) -> Option<Vec<Stmt>> {
    let mut p = Descent::new(toks, src_len);
    p.skip_semicolons();
    let mut out = Vec::new();
    while p.pos < toks.len() {
        match p.stmt() {
            Some(stmts) => out.extend(stmts),
            None => return None,
        }
    }
    (!p.abort).then_some(out)
}

/// A single expression filling the whole input, or `None` where the
/// grammar must decide.
pub(super) fn expression(toks: &[(Token, SrcSpan)], src_len: usize) -> Option<Expr> {
    let mut p = Descent::new(toks, src_len);
    let e = p.expr()?;
    (!p.abort && p.pos == toks.len()).then_some(e)
}

struct Descent<'t, 's> {
    toks: &'t [(Token<'s>, SrcSpan)],
    src_len: usize,
    pos: usize,
    depth: usize,
    /// Set where the grammar would recover from an error: the file is
    /// left to it.
    abort: bool,
}

/// Tries an alternative; on failure the position is restored.
macro_rules! attempt {
    ($p:expr, $body:expr) => {{
        let saved = $p.pos;
        let r = $body;
        if r.is_none() {
            $p.pos = saved;
        }
        r
    }};
}

impl<'t, 's> Descent<'t, 's> {
    fn new(toks: &'t [(Token<'s>, SrcSpan)], src_len: usize) -> Self {
        Descent {
            toks,
            src_len,
            pos: 0,
            depth: 0,
            abort: false,
        }
    }

    fn peek(&self) -> Option<&'t Token<'s>> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    /// Consumes `tok` if it is next.
    fn eat(&mut self, tok: Token) -> bool {
        if self.peek() == Some(&tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: Token) -> Option<()> {
        self.eat(tok).then_some(())
    }

    /// The span of what was read since token `start`, as the grammar's
    /// spans are made: from the first token's start to the end of the
    /// last token read (both at the end of the input when nothing was).
    fn span_from(&self, start: usize) -> SrcSpan {
        let begin = self.toks.get(start).map_or(self.src_len, |(_, s)| s.start);
        let end = if start >= self.toks.len() {
            return self.src_len..self.src_len;
        } else if self.pos == 0 {
            self.src_len
        } else {
            self.toks[self.pos - 1].1.end
        };
        begin..end
    }

    fn token_span(&self, at: usize) -> SrcSpan {
        self.toks[at].1.clone()
    }

    fn skip_semicolons(&mut self) {
        while self.eat(Token::Semi) {}
    }

    fn ident(&mut self) -> Option<String> {
        match self.peek() {
            Some(Token::Ident(s)) => {
                self.pos += 1;
                Some(s.to_string())
            }
            _ => None,
        }
    }

    fn spanned_ident(&mut self) -> Option<(String, SrcSpan)> {
        let at = self.pos;
        let name = self.ident()?;
        Some((name, self.token_span(at)))
    }

    // ----- statements -----

    /// One statement (a declaration may give several) and the `;`s after
    /// it. Fails only before `}` or at the end; elsewhere the grammar
    /// recovers, so this gives up.
    fn stmt(&mut self) -> Option<Vec<Stmt>> {
        if self.abort {
            return None;
        }
        if self.depth >= DEPTH_LIMIT {
            self.abort = true;
            return None;
        }
        let start = self.pos;
        self.depth += 1;
        let parsed = attempt!(self, self.declaration())
            .or_else(|| attempt!(self, self.single().map(|s| vec![s])));
        self.depth -= 1;
        match parsed {
            Some(stmts) if !self.abort => {
                self.skip_semicolons();
                Some(stmts)
            }
            Some(_) => None,
            None => {
                if !matches!(self.toks.get(start), None | Some((Token::RBrace, _))) {
                    self.abort = true;
                }
                None
            }
        }
    }

    fn declaration(&mut self) -> Option<Vec<Stmt>> {
        let start = self.pos;
        if !(self.eat(Token::Let) || self.eat(Token::Const) || self.eat(Token::Var)) {
            return None;
        }
        let mut decls = vec![self.declarator()?];
        loop {
            let before = self.pos;
            if !self.eat(Token::Comma) {
                break;
            }
            match self.declarator() {
                Some(d) => decls.push(d),
                None => {
                    self.pos = before;
                    break;
                }
            }
        }
        Some(declaration_stmts(decls, self.span_from(start)))
    }

    fn declarator(&mut self) -> Option<(Binding, Option<Expr>)> {
        let binding = attempt!(self, self.binding())?;
        let value = self.assigned_value();
        Some((binding, value))
    }

    /// `= expr`, if it is there and reads.
    fn assigned_value(&mut self) -> Option<Expr> {
        attempt!(self, {
            if self.eat(Token::Assign) {
                self.expr()
            } else {
                None
            }
        })
    }

    fn single(&mut self) -> Option<Stmt> {
        let start = self.pos;
        let kind = match self.peek()? {
            Token::Import => attempt!(self, self.import()),
            Token::Instrument | Token::Effect => attempt!(self, self.instrument()),
            Token::Section => attempt!(self, self.section()),
            Token::Function => attempt!(self, self.function_stmt()),
            Token::Return => attempt!(self, self.return_stmt()),
            Token::If => attempt!(self, self.if_stmt()),
            Token::For => attempt!(self, self.for_stmt()),
            Token::Ident(_) => attempt!(self, self.track()),
            _ => None,
        };
        let kind = match kind {
            Some(k) => k,
            None if self.abort => return None,
            None => StmtKind::Expr(attempt!(self, self.expr())?),
        };
        Some(Stmt {
            kind,
            span: self.span_from(start),
        })
    }

    fn import(&mut self) -> Option<StmtKind> {
        self.expect(Token::Import)?;
        let at = self.pos;
        let path = match self.peek()? {
            Token::Mini(s) | Token::Str(s) => unescape(s),
            _ => return None,
        };
        self.pos += 1;
        Some(StmtKind::Import {
            path,
            path_span: self.token_span(at),
        })
    }

    fn instrument(&mut self) -> Option<StmtKind> {
        let is_effect = if self.eat(Token::Instrument) {
            false
        } else if self.eat(Token::Effect) {
            true
        } else {
            return None;
        };
        let (name, name_span) = self.spanned_ident()?;
        let params = attempt!(self, self.params());
        self.expect(Token::Assign)?;
        let body = self.expr()?;
        Some(StmtKind::Instrument {
            name,
            name_span,
            params: params.unwrap_or_default(),
            body,
            is_effect,
        })
    }

    fn section(&mut self) -> Option<StmtKind> {
        self.expect(Token::Section)?;
        let (name, name_span) = self.spanned_ident()?;
        let body = self.block()?;
        Some(StmtKind::Section {
            name,
            name_span,
            body,
        })
    }

    fn function_stmt(&mut self) -> Option<StmtKind> {
        self.expect(Token::Function)?;
        let (name, name_span) = self.spanned_ident()?;
        let params = self.params()?;
        let body = self.block_expr()?;
        Some(StmtKind::Function {
            name,
            name_span,
            params,
            body,
        })
    }

    fn return_stmt(&mut self) -> Option<StmtKind> {
        self.expect(Token::Return)?;
        let value = attempt!(self, self.expr());
        if self.abort {
            return None;
        }
        Some(StmtKind::Return(value))
    }

    /// The body of `if`/`for`: a block or one statement.
    fn body(&mut self) -> Option<Vec<Stmt>> {
        attempt!(self, self.block()).or_else(|| {
            if self.abort {
                None
            } else {
                attempt!(self, self.stmt())
            }
        })
    }

    fn if_stmt(&mut self) -> Option<StmtKind> {
        self.expect(Token::If)?;
        self.expect(Token::LParen)?;
        let cond = self.expr()?;
        self.expect(Token::RParen)?;
        let then = self.body()?;
        let otherwise = attempt!(self, {
            if self.eat(Token::Else) {
                self.body()
            } else {
                None
            }
        });
        if self.abort {
            return None;
        }
        Some(StmtKind::If {
            cond,
            then,
            otherwise: otherwise.unwrap_or_default(),
        })
    }

    fn for_stmt(&mut self) -> Option<StmtKind> {
        self.expect(Token::For)?;
        let of = attempt!(self, {
            match self.for_of_head() {
                Some((binding, items)) => self.body().map(|body| StmtKind::ForOf {
                    binding,
                    items,
                    body,
                }),
                None => None,
            }
        });
        if of.is_some() || self.abort {
            return of;
        }
        let (init, cond, update) = self.for_classic_head()?;
        let body = self.body()?;
        Some(StmtKind::For {
            init,
            cond,
            update,
            body,
        })
    }

    fn for_of_head(&mut self) -> Option<(Binding, Expr)> {
        self.expect(Token::LParen)?;
        let _ = self.eat(Token::Let) || self.eat(Token::Const) || self.eat(Token::Var);
        let binding = self.binding()?;
        match self.peek()? {
            Token::Ident("of") => self.pos += 1,
            _ => return None,
        }
        let items = self.expr()?;
        self.expect(Token::RParen)?;
        Some((binding, items))
    }

    #[allow(clippy::type_complexity)]
    fn for_classic_head(&mut self) -> Option<(Option<Box<Stmt>>, Option<Expr>, Option<Expr>)> {
        self.expect(Token::LParen)?;
        let init = self.for_init();
        if self.abort {
            return None;
        }
        self.expect(Token::Semi)?;
        let cond = attempt!(self, self.expr());
        self.expect(Token::Semi)?;
        let update = attempt!(self, self.expr());
        self.expect(Token::RParen)?;
        Some((init, cond, update))
    }

    /// `let i = 0` (one declarator) or an expression, or nothing.
    fn for_init(&mut self) -> Option<Box<Stmt>> {
        if let Some(mut decls) = attempt!(self, self.declaration()) {
            return if decls.len() == 1 {
                decls.pop().map(Box::new)
            } else {
                None
            };
        }
        let start = self.pos;
        let x = attempt!(self, self.expr())?;
        Some(Box::new(Stmt {
            kind: StmtKind::Expr(x),
            span: self.span_from(start),
        }))
    }

    fn track(&mut self) -> Option<StmtKind> {
        let (label, name_span) = self.spanned_ident()?;
        let solo = self.eat(Token::Bang);
        self.expect(Token::Colon)?;
        let value = self.expr()?;
        let (name, muted) = track_label(&label);
        Some(StmtKind::Track {
            name,
            name_span,
            flags: TrackFlags { muted, solo },
            value,
        })
    }

    /// `{ statements }`.
    fn block(&mut self) -> Option<Vec<Stmt>> {
        self.expect(Token::LBrace)?;
        self.skip_semicolons();
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return None,
                Some(Token::RBrace) => {
                    self.pos += 1;
                    return Some(out);
                }
                Some(_) => out.extend(self.stmt()?),
            }
        }
    }

    fn block_expr(&mut self) -> Option<Expr> {
        let start = self.pos;
        let b = self.block()?;
        Some(Expr::new(ExprKind::Block(b), self.span_from(start)))
    }

    // ----- bindings and parameters -----

    /// Parameters of a function: `(a, b = 1, ...rest)`.
    fn params(&mut self) -> Option<Vec<Param>> {
        self.expect(Token::LParen)?;
        let params = self.separated(true, |p| {
            attempt!(p, {
                let rest = p.eat(Token::Ellipsis);
                match p.spanned_ident() {
                    Some((name, span)) => {
                        let default = p.assigned_value();
                        Some(Param {
                            name,
                            span,
                            default,
                            rest,
                        })
                    }
                    None => None,
                }
            })
        });
        if self.abort {
            return None;
        }
        self.expect(Token::RParen)?;
        Some(params)
    }

    /// Items separated by commas (a trailing one allowed or not), as
    /// many as read; a failing item ends the list.
    fn separated<T>(
        &mut self,
        allow_trailing: bool,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        match item(self) {
            Some(x) => out.push(x),
            None => return out,
        }
        loop {
            let before = self.pos;
            if !self.eat(Token::Comma) {
                return out;
            }
            match item(self) {
                Some(x) => out.push(x),
                None => {
                    if !allow_trailing {
                        self.pos = before;
                    }
                    return out;
                }
            }
        }
    }

    /// What `let`/`const` and `for … of` bind: a name, `{…}` or `[…]`.
    fn binding(&mut self) -> Option<Binding> {
        match self.peek()? {
            Token::Ident(_) => {
                let (n, s) = self.spanned_ident()?;
                Some(Binding::Name(n, s))
            }
            Token::LBrace => attempt!(self, self.object_binding()),
            Token::LBracket => attempt!(self, self.array_binding()),
            _ => None,
        }
    }

    /// `, ...name` (the comma optional) before a closing bracket.
    fn rest_name(&mut self) -> Option<String> {
        attempt!(self, {
            let _ = self.eat(Token::Comma);
            if self.eat(Token::Ellipsis) {
                self.ident()
            } else {
                None
            }
        })
    }

    fn object_binding(&mut self) -> Option<Binding> {
        self.expect(Token::LBrace)?;
        let items = self.separated(true, |p| {
            attempt!(p, {
                let at = p.pos;
                let key = match p.peek() {
                    Some(Token::Ident(s)) => s.to_string(),
                    Some(Token::Str(s)) | Some(Token::Mini(s)) => unescape(s),
                    _ => return None,
                };
                p.pos += 1;
                let span = p.token_span(at);
                let b = attempt!(p, {
                    if p.eat(Token::Colon) {
                        p.binding()
                    } else {
                        None
                    }
                });
                let d = p.assigned_value();
                let b = b.unwrap_or_else(|| Binding::Name(key.clone(), span));
                Some((key, b, d))
            })
        });
        if self.abort {
            return None;
        }
        let rest = self.rest_name();
        self.expect(Token::RBrace)?;
        Some(Binding::Object(items, rest))
    }

    fn array_binding(&mut self) -> Option<Binding> {
        self.expect(Token::LBracket)?;
        // An item is optional (a hole), so an item always reads.
        let mut items = self.separated(false, |p| {
            Some(attempt!(p, {
                match p.binding() {
                    Some(b) => {
                        let d = p.assigned_value();
                        Some((b, d))
                    }
                    None => None,
                }
            }))
        });
        if self.abort {
            return None;
        }
        let rest = self.rest_name();
        self.expect(Token::RBracket)?;
        if matches!(items.last(), Some(None)) {
            items.pop();
        }
        Some(Binding::Array(items, rest))
    }

    // ----- expressions -----

    /// A whole expression, assignments included.
    fn expr(&mut self) -> Option<Expr> {
        if self.abort {
            return None;
        }
        if self.depth >= DEPTH_LIMIT {
            self.abort = true;
            return None;
        }
        self.depth += 1;
        let r = self.assignment();
        self.depth -= 1;
        if self.abort {
            None
        } else {
            r
        }
    }

    fn assignment(&mut self) -> Option<Expr> {
        let start = self.pos;
        let target = self.ternary()?;
        let op = match self.peek() {
            Some(Token::Assign) => None,
            Some(Token::PlusAssign) => Some(BinOp::Add),
            Some(Token::MinusAssign) => Some(BinOp::Sub),
            Some(Token::StarAssign) => Some(BinOp::Mul),
            Some(Token::SlashAssign) => Some(BinOp::Div),
            Some(Token::PercentAssign) => Some(BinOp::Rem),
            _ => return Some(target),
        };
        let before = self.pos;
        self.pos += 1;
        match self.expr() {
            Some(value) => Some(Expr::new(
                ExprKind::Assign {
                    target: Box::new(target),
                    op,
                    value: Box::new(value),
                },
                self.span_from(start),
            )),
            None => {
                self.pos = before;
                Some(target)
            }
        }
    }

    fn ternary(&mut self) -> Option<Expr> {
        let start = self.pos;
        let cond = self.binary(BINARY_LEVELS)?;
        let branches = attempt!(self, {
            if self.eat(Token::Question) {
                match self.expr() {
                    Some(then) if self.eat(Token::Colon) => self.expr().map(|o| (then, o)),
                    _ => None,
                }
            } else {
                None
            }
        });
        Some(conditional(cond, branches, self.span_from(start)))
    }

    /// Left-associative binary operators of precedence `level` (1 = `*`,
    /// the tightest) and tighter, by precedence climbing; level 0 is `**`.
    /// An operator whose right side does not read ends the expression
    /// before it, as in the grammar's one-rule-per-level reading.
    fn binary(&mut self, level: usize) -> Option<Expr> {
        let mut lhs = self.power()?;
        while let Some((op, op_level)) = self.peek().and_then(binary_op) {
            if op_level > level {
                break;
            }
            let before = self.pos;
            self.pos += 1;
            let Some(rhs) = self.binary(op_level - 1) else {
                self.pos = before;
                break;
            };
            let span = lhs.span.start..rhs.span.end;
            lhs = Expr::new(
                ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            );
        }
        Some(lhs)
    }

    /// `**`, right-associative: `2 ** 3 ** 2` is `2 ** 9`.
    fn power(&mut self) -> Option<Expr> {
        let first = self.unary()?;
        if self.peek() != Some(&Token::StarStar) {
            return Some(first);
        }
        let mut rest = Vec::new();
        loop {
            let before = self.pos;
            if !self.eat(Token::StarStar) {
                break;
            }
            match self.unary() {
                Some(x) => rest.push(x),
                None => {
                    self.pos = before;
                    break;
                }
            }
        }
        Some(power_chain(first, rest))
    }

    fn unary(&mut self) -> Option<Expr> {
        let start = self.pos;
        let mut ops = Vec::new();
        loop {
            let pre = match self.peek() {
                Some(Token::Minus) => Pre::Op(UnOp::Neg),
                Some(Token::Bang) => Pre::Op(UnOp::Not),
                Some(Token::Plus) => Pre::Op(UnOp::Plus),
                Some(Token::Typeof) => Pre::Op(UnOp::Typeof),
                Some(Token::Await) => Pre::Op(UnOp::Await),
                Some(Token::PlusPlus) => Pre::Update(1.0),
                Some(Token::MinusMinus) => Pre::Update(-1.0),
                _ => break,
            };
            ops.push((pre, self.token_span(self.pos)));
            self.pos += 1;
        }
        let Some(mut acc) = self.postfix() else {
            self.pos = start;
            return None;
        };
        while let Some((op, span)) = ops.pop() {
            acc = op.apply(span, acc);
        }
        Some(acc)
    }

    /// An atom followed by calls, members, indexes and `++`/`--`.
    fn postfix(&mut self) -> Option<Expr> {
        let start = self.pos;
        let mut acc = self.atom()?;
        loop {
            let before = self.pos;
            let kind = match self.peek() {
                Some(Token::LParen) => match self.args() {
                    Some(args) => ExprKind::Call {
                        callee: Box::new(acc),
                        args,
                    },
                    None => {
                        self.pos = before;
                        break;
                    }
                },
                Some(Token::Dot) => {
                    self.pos += 1;
                    match self.member_name() {
                        Some((name, name_span)) => ExprKind::Member {
                            object: Box::new(acc),
                            name,
                            name_span,
                        },
                        None => {
                            self.pos = before;
                            break;
                        }
                    }
                }
                Some(Token::LBracket) => {
                    self.pos += 1;
                    match self.expr() {
                        Some(index) if self.eat(Token::RBracket) => ExprKind::Index {
                            object: Box::new(acc),
                            index: Box::new(index),
                        },
                        _ => {
                            self.pos = before;
                            break;
                        }
                    }
                }
                Some(Token::PlusPlus) | Some(Token::MinusMinus) => {
                    let delta = if self.peek() == Some(&Token::PlusPlus) {
                        1.0
                    } else {
                        -1.0
                    };
                    self.pos += 1;
                    ExprKind::Update {
                        target: Box::new(acc),
                        delta,
                        prefix: false,
                    }
                }
                _ => break,
            };
            acc = Expr::new(kind, self.span_from(start));
        }
        if self.abort {
            return None;
        }
        Some(acc)
    }

    fn member_name(&mut self) -> Option<(String, SrcSpan)> {
        let name = member_name_of(self.peek()?)?;
        let at = self.pos;
        self.pos += 1;
        Some((name, self.token_span(at)))
    }

    /// `(a, ...b,)`: the arguments of a call.
    fn args(&mut self) -> Option<Vec<Expr>> {
        self.expect(Token::LParen)?;
        let items = self.items();
        if self.abort {
            return None;
        }
        self.expect(Token::RParen)?;
        Some(items)
    }

    /// Items of a list or of arguments: expressions or `...spread`s.
    fn items(&mut self) -> Vec<Expr> {
        self.separated(true, |p| {
            let start = p.pos;
            let spread = attempt!(p, {
                if p.eat(Token::Ellipsis) {
                    p.expr()
                } else {
                    None
                }
            });
            match spread {
                Some(x) => Some(Expr::new(ExprKind::Spread(Box::new(x)), p.span_from(start))),
                None if p.abort => None,
                None => attempt!(p, p.expr()),
            }
        })
    }

    /// A literal, name, string, bracketed expression, list, object or
    /// function. Where none reads at `(` or `[`, the grammar would
    /// recover, so this gives up.
    fn atom(&mut self) -> Option<Expr> {
        let start = self.pos;
        let first = self.peek()?;
        let arrow_or_function = match first {
            Token::Ident(_) | Token::LParen | Token::Function => attempt!(self, self.arrow())
                .or_else(|| {
                    if self.abort {
                        None
                    } else {
                        attempt!(self, self.function_expr())
                    }
                }),
            _ => None,
        };
        if arrow_or_function.is_some() || self.abort {
            return arrow_or_function;
        }
        let span = self.token_span(start);
        let kind = match first {
            Token::Number(s) => Some(ExprKind::Num(js_number(s).unwrap_or(f64::NAN))),
            Token::Str(s) => Some(ExprKind::Str(unescape(s))),
            Token::True => Some(ExprKind::Bool(true)),
            Token::False => Some(ExprKind::Bool(false)),
            Token::This => Some(ExprKind::This),
            Token::Mini(s) => {
                let (text, escapes) = unescape_mapped(s);
                Some(ExprKind::Mini {
                    text,
                    offset: span.start + 1,
                    escapes,
                })
            }
            Token::MiniBacktick(s) => Some(ExprKind::Mini {
                text: s.split("${").next().unwrap_or("").to_string(),
                offset: span.start + 1,
                escapes: Escapes::default(),
            }),
            Token::Ident(s) => Some(ExprKind::Ident(s.to_string())),
            _ => None,
        };
        if let Some(kind) = kind {
            self.pos += 1;
            return Some(Expr::new(kind, span));
        }
        let compound = match first {
            Token::LParen => attempt!(self, {
                self.pos += 1;
                match self.expr() {
                    Some(x) if self.eat(Token::RParen) => Some(x),
                    _ => None,
                }
            }),
            Token::LBracket => attempt!(self, {
                self.pos += 1;
                let items = self.items();
                if !self.abort && self.eat(Token::RBracket) {
                    Some(Expr::new(ExprKind::List(items), self.span_from(start)))
                } else {
                    None
                }
            }),
            Token::LBrace => attempt!(self, self.object()),
            _ => None,
        };
        if compound.is_none() && matches!(first, Token::LParen | Token::LBracket) {
            self.abort = true;
        }
        if self.abort {
            return None;
        }
        compound
    }

    /// `x => …`, `(a, b) => …`, `async x => …`.
    fn arrow(&mut self) -> Option<Expr> {
        let start = self.pos;
        if matches!(self.peek(), Some(Token::Ident("async"))) {
            self.pos += 1;
        }
        let params = match self.peek()? {
            Token::Ident(_) => {
                let (name, span) = self.spanned_ident()?;
                vec![Param {
                    name,
                    span,
                    default: None,
                    rest: false,
                }]
            }
            Token::LParen => self.params()?,
            _ => return None,
        };
        self.expect(Token::Arrow)?;
        let body = attempt!(self, self.block_expr());
        let body = match body {
            Some(b) => b,
            None if self.abort => return None,
            None => self.expr()?,
        };
        Some(Expr::new(
            ExprKind::Arrow {
                params,
                body: Box::new(body),
                binds_this: false,
            },
            self.span_from(start),
        ))
    }

    /// `function (a) { … }` (its name, if any, is not bound).
    fn function_expr(&mut self) -> Option<Expr> {
        let start = self.pos;
        if matches!(self.peek(), Some(Token::Ident("async"))) {
            self.pos += 1;
        }
        self.expect(Token::Function)?;
        let _ = self.ident();
        let params = self.params()?;
        let body = self.block_expr()?;
        Some(Expr::new(
            ExprKind::Arrow {
                params,
                body: Box::new(body),
                binds_this: true,
            },
            self.span_from(start),
        ))
    }

    /// `{ key: value, shorthand, ...spread }`.
    fn object(&mut self) -> Option<Expr> {
        let start = self.pos;
        self.expect(Token::LBrace)?;
        let props = self.separated(true, |p| p.prop());
        if self.abort {
            return None;
        }
        self.expect(Token::RBrace)?;
        Some(Expr::new(ExprKind::Object(props), self.span_from(start)))
    }

    fn prop(&mut self) -> Option<Prop> {
        let spread = attempt!(self, {
            if self.eat(Token::Ellipsis) {
                self.expr()
            } else {
                None
            }
        });
        if let Some(x) = spread {
            return Some(Prop::Spread(x));
        }
        if self.abort {
            return None;
        }
        let pair = attempt!(self, {
            let key = match self.peek() {
                Some(Token::Ident(s)) => Some(s.to_string()),
                Some(Token::Str(s)) | Some(Token::Mini(s)) => Some(unescape(s)),
                Some(Token::Number(s)) => Some(
                    js_number(s)
                        .map(crate::value::js_number_string)
                        .unwrap_or_else(|| s.to_string()),
                ),
                _ => None,
            };
            match key {
                Some(k) => {
                    self.pos += 1;
                    if self.eat(Token::Colon) {
                        self.expr().map(|v| Prop::Pair(k, v))
                    } else {
                        None
                    }
                }
                None => None,
            }
        });
        if pair.is_some() || self.abort {
            return pair;
        }
        let at = self.pos;
        let k = self.ident()?;
        let span = self.token_span(at);
        Some(Prop::Pair(k.clone(), Expr::new(ExprKind::Ident(k), span)))
    }
}

/// Number of precedence levels of the left-associative operators.
const BINARY_LEVELS: usize = 7;

/// A left-associative operator and its precedence level, 1 the tightest.
fn binary_op(t: &Token) -> Option<(BinOp, usize)> {
    Some(match t {
        Token::Star => (BinOp::Mul, 1),
        Token::Slash => (BinOp::Div, 1),
        Token::Percent => (BinOp::Rem, 1),
        Token::Plus => (BinOp::Add, 2),
        Token::Minus => (BinOp::Sub, 2),
        Token::Le => (BinOp::Le, 3),
        Token::Ge => (BinOp::Ge, 3),
        Token::Lt => (BinOp::Lt, 3),
        Token::Gt => (BinOp::Gt, 3),
        Token::StrictEq => (BinOp::StrictEq, 4),
        Token::StrictNe => (BinOp::StrictNe, 4),
        Token::EqEq => (BinOp::Eq, 4),
        Token::NotEq => (BinOp::Ne, 4),
        Token::Pipe => (BinOp::Pipe, 5),
        Token::AndAnd => (BinOp::And, 6),
        Token::OrOr => (BinOp::Or, 7),
        Token::Nullish => (BinOp::Nullish, 7),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;
    use std::path::{Path, PathBuf};

    /// The grammar's reading of a program: its statements when it reports
    /// no error.
    fn by_grammar(src: &str) -> Option<Vec<Stmt>> {
        let (out, diags) =
            super::super::parse_program_with_grammar(src, &super::super::spanned(lex(src)));
        if diags.is_empty() {
            out
        } else {
            None
        }
    }

    fn by_descent(src: &str) -> Option<Vec<Stmt>> {
        program(&lex(src), src.len())
    }

    fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path, ext, out);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }

    /// Programs from the repository: examples, the standard library, the
    /// diagnostics cases, the conformance cases' expressions and the
    /// reference's own programs (examples, tunes, website pages).
    fn corpus() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["examples", "stdlib", "lang/tests", "tests"] {
            files_under(&root.join(dir), "weft", &mut files);
        }
        let mut out: Vec<(String, String)> = files
            .into_iter()
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        let mut cases = Vec::new();
        files_under(&root.join("tests/conformance/cases"), "txt", &mut cases);
        for path in cases {
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                let mut fields = line.splitn(3, ' ');
                let (Some(_), Some(_), Some(code)) = (fields.next(), fields.next(), fields.next())
                else {
                    continue;
                };
                if !line.starts_with('#') {
                    out.push((format!("{}:{}", path.display(), i + 1), code.to_string()));
                }
            }
        }
        let mut jsonl = Vec::new();
        files_under(
            &root.join("tests/conformance/strudel/cases"),
            "jsonl",
            &mut jsonl,
        );
        for path in jsonl {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let id = v["id"].as_str().unwrap_or("?");
                out.push((
                    format!("{} {id}", path.display()),
                    v["code"].as_str().unwrap().to_string(),
                ));
            }
        }
        out
    }

    /// A correct program reads the same both ways; the descent never
    /// reads a program the grammar reports an error in.
    fn check_agreement(name: &str, src: &str) -> bool {
        let descent = by_descent(src);
        let grammar = by_grammar(src);
        match (&descent, &grammar) {
            (Some(d), Some(g)) => assert_eq!(d, g, "{name} reads differently:\n{src}"),
            (Some(_), None) => panic!("{name}: the descent reads a program with errors:\n{src}"),
            _ => {}
        }
        descent.is_some() || grammar.is_none()
    }

    #[test]
    fn agrees_with_the_grammar() {
        let corpus = corpus();
        assert!(corpus.len() > 1000, "only {} programs found", corpus.len());
        let mut left = Vec::new();
        for (name, src) in &corpus {
            if !check_agreement(name, src) {
                left.push(name.clone());
            }
        }
        // The descent gives up on a correct program only where it nests
        // deeper than it reads.
        assert!(
            left.is_empty(),
            "correct programs left to the grammar: {left:?}"
        );
    }

    #[test]
    fn expressions_agree_with_the_grammar() {
        for src in [
            "a = b = c ? d : e ? f : g",
            "x => y => x + y * 2 ** 3 ** 2 - -z",
            "async (a, b = 1, ...c) => { return a }",
            "function (x) { this.y = x }",
            "f(...xs, )[0]++ + --g.h['i']",
            "({a, 'b': 1, \"c\": [1, 2,], 3: x, ...rest})",
            "typeof await !+x >> y && z ?? w || v",
            "`a ${b}`.fast(2) === null",
        ] {
            let toks = lex(src);
            let d = expression(&toks, src.len()).unwrap_or_else(|| panic!("{src}"));
            let g = super::super::parse_expr(src).unwrap();
            assert_eq!(d, g, "{src}");
        }
    }

    /// Mutations of correct programs (a token deleted, doubled, swapped
    /// with the next, or a punctuation token inserted): whatever the
    /// descent reads, the grammar reads the same without error.
    #[test]
    fn mutations_agree_or_are_left_to_the_grammar() {
        const INSERTS: [&str; 16] = [
            "(", ")", "[", "]", "{", "}", ",", ";", ":", "=", "=>", ".", "...", "?", "x", "\"a\"",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let corpus = corpus();
        let mut read = 0;
        for (name, src) in corpus.iter().filter(|(_, s)| s.len() < 4000) {
            let toks = lex(src);
            if toks.is_empty() {
                continue;
            }
            for _ in 0..6 {
                let i = (next() % toks.len() as u64) as usize;
                let span = toks[i].1.clone();
                let mutated = match next() % 4 {
                    0 => format!("{}{}", &src[..span.start], &src[span.end..]),
                    1 => format!("{} {}", &src[..span.end], &src[span.start..]),
                    2 if i + 1 < toks.len() => {
                        let after = toks[i + 1].1.clone();
                        format!(
                            "{}{} {}{}",
                            &src[..span.start],
                            &src[after.clone()],
                            &src[span.clone()],
                            &src[after.end..]
                        )
                    }
                    _ => {
                        let t = INSERTS[(next() % INSERTS.len() as u64) as usize];
                        format!("{} {t} {}", &src[..span.start], &src[span.start..])
                    }
                };
                check_agreement(name, &mutated);
                read += usize::from(by_descent(&mutated).is_some());
            }
        }
        assert!(
            read > 100,
            "the mutations tested the reading of only {read} programs"
        );
    }

    #[test]
    fn deep_nesting_is_left_to_the_grammar() {
        let src = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(by_descent(&src).is_none());
        let src = format!("{}x{}", "if (a) ".repeat(500), "");
        assert!(by_descent(&src).is_none());
        let src = format!("{}1{}", "(".repeat(50), ")".repeat(50));
        assert!(by_descent(&src).is_some());
    }
}
