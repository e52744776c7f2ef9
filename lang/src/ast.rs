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
    /// `===` and `!==`: equal in value and type (JavaScript's strict equality).
    StrictEq,
    StrictNe,
    /// `**`
    Pow,
    /// `&&`, `||` and `??`: evaluate the right side only when needed.
    And,
    Or,
    Nullish,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
    /// `+x`: the number of `x`.
    Plus,
    /// `typeof x`
    Typeof,
    /// `await x`: programs run in order, so this is `x` itself.
    Await,
}

/// A parameter of an arrow function or instrument, with optional default.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub span: SrcSpan,
    pub default: Option<Expr>,
    /// `...rest`: takes the remaining arguments as a list.
    pub rest: bool,
}

/// What a declaration or a destructuring assignment binds: a name,
/// `{a, b: c, ...rest}` or `[a, , b, ...rest]`.
#[derive(Clone, Debug, PartialEq)]
pub enum Binding {
    Name(String, SrcSpan),
    /// `(key, binding, default)` pairs and an optional rest name.
    Object(Vec<(String, Binding, Option<Expr>)>, Option<String>),
    /// Elements (`None` for a hole) and an optional rest name.
    Array(Vec<Option<(Binding, Option<Expr>)>>, Option<String>),
}

impl Binding {
    /// Every name the binding introduces.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Binding::Name(n, _) => vec![n.as_str()],
            Binding::Object(items, rest) => items
                .iter()
                .flat_map(|(_, b, _)| b.names())
                .chain(rest.as_deref())
                .collect(),
            Binding::Array(items, rest) => items
                .iter()
                .flatten()
                .flat_map(|(b, _)| b.names())
                .chain(rest.as_deref())
                .collect(),
        }
    }
}

/// An entry of an object literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Prop {
    /// `key: value` (and the shorthand `key`).
    Pair(String, Expr),
    /// `...value`
    Spread(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Num(f64),
    Bool(bool),
    /// `"…"` or `` `…` ``: mini-notation. `offset` is where the content
    /// starts in the source (for error positions and the events' source
    /// locations); `escapes` maps the unescaped `text` back onto it.
    Mini {
        text: String,
        offset: usize,
        escapes: Escapes,
    },
    /// `'…'`: a plain string.
    Str(String),
    Ident(String),
    /// `[a, b, ...c]` (spread items are `ExprKind::Spread`).
    List(Vec<Expr>),
    Object(Vec<Prop>),
    /// `...x` inside a list or the arguments of a call.
    Spread(Box<Expr>),
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
    /// `x => …`, `(a, b) => { … }` and `function (…) { … }`. A block body
    /// is an `ExprKind::Block`. Only `function`s bind `this`.
    Arrow {
        params: Vec<Param>,
        body: Box<Expr>,
        binds_this: bool,
    },
    /// The statements of a function body; its value is what `return` gives.
    Block(Vec<Stmt>),
    /// `target = value`, `target += value`, …
    Assign {
        target: Box<Expr>,
        op: Option<BinOp>,
        value: Box<Expr>,
    },
    /// `x++`, `--x`, …: `delta` is 1 or -1; `prefix` gives the new value.
    Update {
        target: Box<Expr>,
        delta: f64,
        prefix: bool,
    },
    /// `this` inside a `function`.
    This,
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
    /// `let name = value` (also `const` and `var`).
    Let {
        name: String,
        name_span: SrcSpan,
        value: Expr,
    },
    /// `const {a, b} = value`, `let [x, y] = value`, or a declaration
    /// without a value (`let x`).
    Destructure {
        binding: Binding,
        value: Option<Expr>,
    },
    /// `function name(params) { … }`
    Function {
        name: String,
        name_span: SrcSpan,
        params: Vec<Param>,
        body: Expr,
    },
    /// `return value` (in a function body).
    Return(Option<Expr>),
    /// `if (cond) … else …`
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    /// `for (init; cond; update) body`
    For {
        init: Option<Box<Stmt>>,
        cond: Option<Expr>,
        update: Option<Expr>,
        body: Vec<Stmt>,
    },
    /// `for (const x of items) body`
    ForOf {
        binding: Binding,
        items: Expr,
        body: Vec<Stmt>,
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
            ExprKind::Object(items) => items
                .iter()
                .map(|p| match p {
                    Prop::Pair(_, e) | Prop::Spread(e) => sub(e),
                })
                .max()
                .unwrap_or(0),
            ExprKind::Spread(e) => sub(e),
            ExprKind::Block(stmts) => stmts.iter().map(|s| s.depth(limit - 1)).max().unwrap_or(0),
            ExprKind::Assign { target, value, .. } => sub(target).max(sub(value)),
            ExprKind::Update { target, .. } => sub(target),
            ExprKind::Call { callee, args } => {
                args.iter().map(sub).max().unwrap_or(0).max(sub(callee))
            }
            ExprKind::Member { object, .. } => sub(object),
            ExprKind::Index { object, index } => sub(object).max(sub(index)),
            ExprKind::Arrow { body, params, .. } => params
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

impl Stmt {
    /// Depth of the deepest expression nesting in the statement (bounded).
    pub fn depth(&self, limit: usize) -> usize {
        if limit == 0 {
            return 1;
        }
        let e = |x: &Expr| x.depth(limit);
        let all = |v: &[Stmt]| v.iter().map(|s| s.depth(limit - 1)).max().unwrap_or(0);
        match &self.kind {
            StmtKind::Let { value, .. } | StmtKind::Track { value, .. } | StmtKind::Expr(value) => {
                e(value)
            }
            StmtKind::Destructure { value, .. } | StmtKind::Return(value) => {
                value.as_ref().map(e).unwrap_or(0)
            }
            StmtKind::Function { body, .. } | StmtKind::Instrument { body, .. } => e(body),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => e(cond).max(1 + all(then)).max(1 + all(otherwise)),
            StmtKind::For {
                init,
                cond,
                update,
                body,
            } => init
                .as_ref()
                .map(|s| s.depth(limit - 1))
                .unwrap_or(0)
                .max(cond.as_ref().map(e).unwrap_or(0))
                .max(update.as_ref().map(e).unwrap_or(0))
                .max(1 + all(body)),
            StmtKind::ForOf { items, body, .. } => e(items).max(1 + all(body)),
            StmtKind::Section { body, .. } => 1 + all(body),
            StmtKind::Import { .. } | StmtKind::Error => 0,
        }
    }
}

/// Where an unescaped string's bytes were written: escape sequences (`\"`,
/// `\\`, `\t`, a line continuation) are longer than what they stand for, so
/// every byte after one sits further on in the source. One entry per
/// escape, in order: the byte of the unescaped text where it ends, how many
/// bytes further on the source is from there, and whether it stood for
/// nothing (a line continuation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Escapes(Vec<(usize, usize, bool)>);

impl Escapes {
    /// An escape ends at byte `at` of the text; from there on the source
    /// is `shift` bytes further; `empty`: it stood for nothing.
    pub fn push(&mut self, at: usize, shift: usize, empty: bool) {
        self.0.push((at, shift, empty));
    }

    /// Where the character at byte `at` of the unescaped text starts in
    /// the written text.
    pub fn start(&self, at: usize) -> usize {
        let i = self.0.partition_point(|e| e.0 <= at);
        at + if i == 0 { 0 } else { self.0[i - 1].1 }
    }

    /// Where a range of the unescaped text ending at byte `at` ends in the
    /// written text (after the escape its last character was written as,
    /// before a line continuation that follows it).
    pub fn end(&self, at: usize) -> usize {
        let i = self.0.partition_point(|e| e.0 < at || (e.0 == at && !e.2));
        at + if i == 0 { 0 } else { self.0[i - 1].1 }
    }
}
