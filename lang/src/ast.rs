//! The syntax tree. Every node carries its source range (`SrcSpan`).

use crate::lexer::SrcSpan;

/// An expression with its source range.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: SrcSpan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// `>>`: chains signal processors.
    Pipe,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

/// A parameter of an arrow function or instrument, with optional default.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub span: SrcSpan,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Num(f64),
    Bool(bool),
    /// `"…"` or `` `…` ``: mini-notation. `offset` is where the content
    /// starts in the source (for error positions).
    Mini {
        text: String,
        offset: usize,
    },
    /// `'…'`: a plain string.
    Str(String),
    Ident(String),
    List(Vec<Expr>),
    Object(Vec<(String, Expr)>),
    Call {
        callee: Box<Expr>,
        args: Vec<Expr>,
    },
    Member {
        object: Box<Expr>,
        name: String,
        name_span: SrcSpan,
    },
    Index {
        object: Box<Expr>,
        index: Box<Expr>,
    },
    Arrow {
        params: Vec<Param>,
        body: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnOp,
        expr: Box<Expr>,
    },
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// Placeholder where a syntax error was recovered from.
    Error,
}

/// How a track label was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TrackFlags {
    /// `_name:` — defined but silent.
    pub muted: bool,
    /// `name!:` — soloed: only soloed tracks sound while any is soloed.
    pub solo: bool,
}

/// A statement (top level or inside a section).
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: SrcSpan,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `let name = value`
    Let {
        name: String,
        name_span: SrcSpan,
        value: Expr,
    },
    /// `name: pattern` (a track). `$:` gives an anonymous track.
    Track {
        name: String,
        name_span: SrcSpan,
        flags: TrackFlags,
        value: Expr,
    },
    /// `import "file.weft"`
    Import {
        path: String,
        path_span: SrcSpan,
    },
    /// `instrument name(params) = graph` / `effect name(params) = graph`
    Instrument {
        name: String,
        name_span: SrcSpan,
        params: Vec<Param>,
        body: Expr,
        is_effect: bool,
    },
    /// `section name { statements }`
    Section {
        name: String,
        name_span: SrcSpan,
        body: Vec<Stmt>,
    },
    /// An expression on its own (`setcps(0.5)`, or a bare pattern).
    Expr(Expr),
    Error,
}

impl Expr {
    pub fn new(kind: ExprKind, span: SrcSpan) -> Expr {
        Expr { kind, span }
    }

    /// Depth of the deepest nesting (bounded: stops counting at `limit`).
    pub fn depth(&self, limit: usize) -> usize {
        if limit == 0 {
            return 1;
        }
        let sub = |e: &Expr| e.depth(limit - 1);
        1 + match &self.kind {
            ExprKind::List(items) => items.iter().map(sub).max().unwrap_or(0),
            ExprKind::Object(items) => items.iter().map(|(_, e)| sub(e)).max().unwrap_or(0),
            ExprKind::Call { callee, args } => {
                args.iter().map(sub).max().unwrap_or(0).max(sub(callee))
            }
            ExprKind::Member { object, .. } => sub(object),
            ExprKind::Index { object, index } => sub(object).max(sub(index)),
            ExprKind::Arrow { body, params } => params
                .iter()
                .filter_map(|p| p.default.as_ref().map(sub))
                .max()
                .unwrap_or(0)
                .max(sub(body)),
            ExprKind::Binary { lhs, rhs, .. } => sub(lhs).max(sub(rhs)),
            ExprKind::Unary { expr, .. } => sub(expr),
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => sub(cond).max(sub(then)).max(sub(otherwise)),
            _ => 0,
        }
    }
}
