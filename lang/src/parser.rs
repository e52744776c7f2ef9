//! Parser: tokens → syntax tree (chumsky), recovering from errors so that
//! one pass reports every syntax error in a file.

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::lexer::{lex, SrcSpan, Token};
use crate::value::js_number;
use chumsky::extra::ParserExtra;
use chumsky::input::ValueInput;
use chumsky::label::LabelError;
use chumsky::prelude::*;
use chumsky::Boxed;

mod descent;

type Span = SimpleSpan;
type Extra<'t, 's> = extra::Err<Rich<'t, Token<'s>, Span>>;

/// Deepest expression nesting accepted (calls inside calls, etc.).
pub const MAX_NESTING: usize = 256;

fn range(s: Span) -> SrcSpan {
    s.start..s.end
}

/// Resolves the escapes of a quoted string, as JavaScript does.
pub fn unescape(s: &str) -> String {
    unescape_mapped(s).0
}

/// Resolves the escapes of a quoted string, and tells where its bytes
/// were written (see [`Escapes`]).
pub fn unescape_mapped(s: &str) -> (String, Escapes) {
    let mut escapes = Escapes::default();
    if !s.contains('\\') {
        return (s.to_string(), escapes);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let before = out.len();
        let mut next = || chars.next().map(|(_, c)| c);
        let hex = |next: &mut dyn FnMut() -> Option<char>, n: usize| -> Option<char> {
            let h: String = (0..n).filter_map(|_| next()).collect();
            u32::from_str_radix(&h, 16).ok().and_then(char::from_u32)
        };
        match next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some('0') => out.push('\0'),
            Some('x') => out.extend(hex(&mut next, 2)),
            Some('u') => {
                if chars.peek().map(|(_, c)| *c) == Some('{') {
                    chars.next();
                    let h: String = chars
                        .by_ref()
                        .map(|(_, c)| c)
                        .take_while(|c| *c != '}')
                        .collect();
                    out.extend(u32::from_str_radix(&h, 16).ok().and_then(char::from_u32));
                } else {
                    let mut next = || chars.next().map(|(_, c)| c);
                    out.extend(hex(&mut next, 4));
                }
            }
            Some('\n') => {}
            Some(other) => out.push(other),
            None => {}
        }
        let read = chars.peek().map_or(s.len(), |(i, _)| *i);
        escapes.push(out.len(), read - out.len(), out.len() == before);
    }
    (out, escapes)
}

/// Builds the parser of whole assignment expressions and, mutually
/// recursive with it, the parser of statements (function bodies hold
/// statements; statements hold expressions). Returns (expression,
/// program) parsers.
#[allow(clippy::type_complexity)]
fn grammar<'t, 's: 't, I, E>() -> (Boxed<'t, 't, I, Expr, E>, Boxed<'t, 't, I, Vec<Stmt>, E>)
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParserExtra<'t, I> + 't,
    E::Error: LabelError<'t, I, &'static str>
        + LabelError<'t, I, chumsky::DefaultExpected<'t, Token<'s>>>,
    E::State: 't,
    E::Context: 't,
{
    let mut expr = Recursive::declare();
    let mut stmt = Recursive::declare();
    let block = just(Token::Semi)
        .repeated()
        .ignore_then(stmt.clone().repeated().collect::<Vec<Vec<Stmt>>>())
        .map(|v: Vec<Vec<Stmt>>| v.into_iter().flatten().collect::<Vec<Stmt>>())
        .delimited_by(just(Token::LBrace), just(Token::RBrace))
        .boxed();
    expr.define(expr_def(expr.clone(), block.clone()));
    stmt.define(stmt_def(expr.clone(), stmt.clone(), block.clone()));
    let program = just(Token::Semi)
        .repeated()
        .ignore_then(stmt.repeated().collect::<Vec<Vec<Stmt>>>())
        .map(|v| v.into_iter().flatten().collect::<Vec<Stmt>>());
    (expr.boxed(), program.boxed())
}

/// Parameters of a function: `a`, `a = 1`, `...rest`.
fn params_def<'t, 's: 't, I, E>(
    expr: impl Parser<'t, I, Expr, E> + Clone + 't,
) -> Boxed<'t, 't, I, Vec<Param>, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParserExtra<'t, I> + 't,
    E::Error: LabelError<'t, I, &'static str>,
{
    let ident = select! { Token::Ident(s) => s.to_string() }.labelled("a name");
    just(Token::Ellipsis)
        .or_not()
        .then(ident.map_with(|name, e| (name, range(e.span()))))
        .then(just(Token::Assign).ignore_then(expr).or_not())
        .map(|((rest, (name, span)), default)| Param {
            name,
            span,
            default,
            rest: rest.is_some(),
        })
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .boxed()
}

/// What `const`/`let` and `for … of` bind: a name, `{a, b: c}` or `[a, b]`.
fn binding_def<'t, 's: 't, I, E>(
    expr: impl Parser<'t, I, Expr, E> + Clone + 't,
) -> Boxed<'t, 't, I, Binding, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParserExtra<'t, I> + 't,
    E::Error: LabelError<'t, I, &'static str>,
{
    recursive(move |binding| {
        let ident = select! { Token::Ident(s) => s.to_string() }.labelled("a name");
        let name = ident.map_with(|n, e| Binding::Name(n, range(e.span())));
        let default = just(Token::Assign).ignore_then(expr.clone()).or_not();
        let rest = just(Token::Ellipsis).ignore_then(ident);
        let key = select! {
            Token::Ident(s) => s.to_string(),
            Token::Str(s) => unescape(s),
            Token::Mini(s) => unescape(s),
        };
        let object_item = key
            .map_with(|k, e| (k, range(e.span())))
            .then(just(Token::Colon).ignore_then(binding.clone()).or_not())
            .then(default.clone())
            .map(|(((k, span), b), d)| {
                let b = b.unwrap_or_else(|| Binding::Name(k.clone(), span));
                (k, b, d)
            });
        let object = object_item
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .then(
                just(Token::Comma)
                    .or_not()
                    .ignore_then(rest.clone())
                    .or_not(),
            )
            .delimited_by(just(Token::LBrace), just(Token::RBrace))
            .map(|(items, rest)| Binding::Object(items, rest));
        let array_item = binding.then(default).or_not();
        let array = array_item
            .separated_by(just(Token::Comma))
            .collect::<Vec<_>>()
            .then(just(Token::Comma).or_not().ignore_then(rest).or_not())
            .delimited_by(just(Token::LBracket), just(Token::RBracket))
            .map(|(items, rest)| {
                // The empty item the list's last comma (or the start) makes
                // before `...rest` or the closing bracket is not a hole.
                let mut items = items;
                if matches!(items.last(), Some(None)) {
                    items.pop();
                }
                Binding::Array(items, rest)
            });
        choice((name, object, array))
    })
    .boxed()
}

fn expr_def<'t, 's: 't, I, E>(
    expr: impl Parser<'t, I, Expr, E> + Clone + 't,
    block: impl Parser<'t, I, Vec<Stmt>, E> + Clone + 't,
) -> Boxed<'t, 't, I, Expr, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParserExtra<'t, I> + 't,
    E::Error: LabelError<'t, I, &'static str>
        + LabelError<'t, I, chumsky::DefaultExpected<'t, Token<'s>>>,
    E::State: 't,
    E::Context: 't,
{
    let ident = select! { Token::Ident(s) => s.to_string() }.labelled("a name");

    let literal = select! {
        Token::Number(s) => ExprKind::Num(js_number(s).unwrap_or(f64::NAN)),
        Token::Str(s) => ExprKind::Str(unescape(s)),
        Token::True => ExprKind::Bool(true),
        Token::False => ExprKind::Bool(false),
        Token::This => ExprKind::This,
    }
    .map_with(|k, e| Expr::new(k, range(e.span())));

    let mini = select! {
        Token::Mini(s) => unescape_mapped(s),
        // A template with `${…}` is mini-notation up to its first
        // substitution, as in the reference's transpiler.
        Token::MiniBacktick(s) => (s.split("${").next().unwrap_or("").to_string(), Escapes::default()),
    }
    .map_with(|(text, escapes): (String, Escapes), e| {
        let sp: Span = e.span();
        Expr::new(
            ExprKind::Mini {
                text,
                offset: sp.start + 1,
                escapes,
            },
            range(sp),
        )
    })
    .labelled("a string");

    let item = just(Token::Ellipsis)
        .ignore_then(expr.clone())
        .map_with(|x, e| Expr::new(ExprKind::Spread(Box::new(x)), range(e.span())))
        .or(expr.clone());
    let items = item
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>();

    let args = items
        .clone()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .labelled("arguments");

    let list = items
        .clone()
        .delimited_by(just(Token::LBracket), just(Token::RBracket))
        .map_with(|items, e| Expr::new(ExprKind::List(items), range(e.span())));

    let key = select! {
        Token::Ident(s) => s.to_string(),
        Token::Str(s) => unescape(s),
        Token::Mini(s) => unescape(s),
        Token::Number(s) => js_number(s).map(crate::value::js_number_string).unwrap_or_else(|| s.to_string()),
    };
    let prop = choice((
        just(Token::Ellipsis)
            .ignore_then(expr.clone())
            .map(Prop::Spread),
        key.then_ignore(just(Token::Colon))
            .then(expr.clone())
            .map(|(k, v)| Prop::Pair(k, v)),
        ident
            .map_with(|k, e| Prop::Pair(k.clone(), Expr::new(ExprKind::Ident(k), range(e.span())))),
    ));
    let object = prop
        .separated_by(just(Token::Comma))
        .allow_trailing()
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LBrace), just(Token::RBrace))
        .map_with(|items, e| Expr::new(ExprKind::Object(items), range(e.span())));

    let params = params_def(expr.clone());
    let body = block
        .clone()
        .map_with(|b, e| Expr::new(ExprKind::Block(b), range(e.span())))
        .or(expr.clone());
    let is_async = select! { Token::Ident("async") => () }.or_not();
    let arrow = is_async
        .ignore_then(
            ident
                .map_with(|name, e| {
                    vec![Param {
                        name,
                        span: range(e.span()),
                        default: None,
                        rest: false,
                    }]
                })
                .or(params.clone()),
        )
        .then_ignore(just(Token::Arrow))
        .then(body)
        .map_with(|(params, body), e| {
            Expr::new(
                ExprKind::Arrow {
                    params,
                    body: Box::new(body),
                    binds_this: false,
                },
                range(e.span()),
            )
        });
    let function = is_async
        .ignore_then(just(Token::Function))
        .ignore_then(ident.or_not())
        .ignore_then(params)
        .then(
            block
                .clone()
                .map_with(|b, e| Expr::new(ExprKind::Block(b), range(e.span()))),
        )
        .map_with(|(params, body), e| {
            Expr::new(
                ExprKind::Arrow {
                    params,
                    body: Box::new(body),
                    binds_this: true,
                },
                range(e.span()),
            )
        });

    let paren = expr
        .clone()
        .delimited_by(just(Token::LParen), just(Token::RParen));

    let atom = choice((
        arrow,
        function,
        literal,
        mini,
        ident.map_with(|s, e| Expr::new(ExprKind::Ident(s), range(e.span()))),
        paren,
        list,
        object,
    ))
    .recover_with(via_parser(nested_delimiters(
        Token::LParen,
        Token::RParen,
        [
            (Token::LBracket, Token::RBracket),
            (Token::LBrace, Token::RBrace),
        ],
        |s| Expr::new(ExprKind::Error, range(s)),
    )))
    .recover_with(via_parser(nested_delimiters(
        Token::LBracket,
        Token::RBracket,
        [
            (Token::LParen, Token::RParen),
            (Token::LBrace, Token::RBrace),
        ],
        |s| Expr::new(ExprKind::Error, range(s)),
    )))
    .labelled("an expression")
    .boxed();

    #[derive(Clone)]
    enum Post {
        Call(Vec<Expr>),
        Member(String, SrcSpan),
        Index(Expr),
        Update(f64),
    }
    let member_name = any()
        .filter(|t: &Token| member_name_of(t).is_some())
        .map(|t: Token| member_name_of(&t).unwrap_or_default())
        .labelled("a method name");
    let postfix = choice((
        args.map(Post::Call),
        just(Token::Dot)
            .ignore_then(member_name.map_with(|n, e| (n, range(e.span()))))
            .map(|(n, s)| Post::Member(n, s)),
        expr.clone()
            .delimited_by(just(Token::LBracket), just(Token::RBracket))
            .map(Post::Index),
        just(Token::PlusPlus).to(Post::Update(1.0)),
        just(Token::MinusMinus).to(Post::Update(-1.0)),
    ));
    let call = atom
        .foldl_with(postfix.repeated(), |lhs, post, e| {
            let span = range(e.span());
            let kind = match post {
                Post::Call(args) => ExprKind::Call {
                    callee: Box::new(lhs),
                    args,
                },
                Post::Member(name, name_span) => ExprKind::Member {
                    object: Box::new(lhs),
                    name,
                    name_span,
                },
                Post::Index(index) => ExprKind::Index {
                    object: Box::new(lhs),
                    index: Box::new(index),
                },
                Post::Update(delta) => ExprKind::Update {
                    target: Box::new(lhs),
                    delta,
                    prefix: false,
                },
            };
            Expr::new(kind, span)
        })
        .boxed();

    let unary = choice((
        just(Token::Minus).to(Pre::Op(UnOp::Neg)),
        just(Token::Bang).to(Pre::Op(UnOp::Not)),
        just(Token::Plus).to(Pre::Op(UnOp::Plus)),
        just(Token::Typeof).to(Pre::Op(UnOp::Typeof)),
        just(Token::Await).to(Pre::Op(UnOp::Await)),
        just(Token::PlusPlus).to(Pre::Update(1.0)),
        just(Token::MinusMinus).to(Pre::Update(-1.0)),
    ))
    .map_with(|op, e| (op, range(e.span())))
    .repeated()
    .foldr(call, |(op, span), rhs| op.apply(span, rhs))
    .boxed();

    fn binary<'t, 's: 't, I, P, E>(
        lower: P,
        ops: impl Parser<'t, I, BinOp, E> + Clone,
    ) -> impl Parser<'t, I, Expr, E> + Clone
    where
        I: ValueInput<'t, Token = Token<'s>, Span = Span>,
        E: ParserExtra<'t, I>,
        P: Parser<'t, I, Expr, E> + Clone,
    {
        lower
            .clone()
            .foldl(ops.then(lower).repeated(), |lhs, (op, rhs)| {
                let span = lhs.span.start..rhs.span.end;
                Expr::new(
                    ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span,
                )
            })
    }

    // `**` is right-associative: `2 ** 3 ** 2` is `2 ** 9`.
    let power = unary
        .clone()
        .then(
            just(Token::StarStar)
                .ignore_then(unary)
                .repeated()
                .collect::<Vec<_>>(),
        )
        .map(|(first, rest)| power_chain(first, rest))
        .boxed();
    let product = binary(
        power,
        choice((
            just(Token::Star).to(BinOp::Mul),
            just(Token::Slash).to(BinOp::Div),
            just(Token::Percent).to(BinOp::Rem),
        )),
    )
    .boxed();
    let sum = binary(
        product,
        choice((
            just(Token::Plus).to(BinOp::Add),
            just(Token::Minus).to(BinOp::Sub),
        )),
    )
    .boxed();
    let compare = binary(
        sum,
        choice((
            just(Token::Le).to(BinOp::Le),
            just(Token::Ge).to(BinOp::Ge),
            just(Token::Lt).to(BinOp::Lt),
            just(Token::Gt).to(BinOp::Gt),
        )),
    )
    .boxed();
    let equality = binary(
        compare,
        choice((
            just(Token::StrictEq).to(BinOp::StrictEq),
            just(Token::StrictNe).to(BinOp::StrictNe),
            just(Token::EqEq).to(BinOp::Eq),
            just(Token::NotEq).to(BinOp::Ne),
        )),
    )
    .boxed();
    let pipe = binary(equality, just(Token::Pipe).to(BinOp::Pipe)).boxed();
    let and = binary(pipe, just(Token::AndAnd).to(BinOp::And)).boxed();
    let or = binary(
        and,
        choice((
            just(Token::OrOr).to(BinOp::Or),
            just(Token::Nullish).to(BinOp::Nullish),
        )),
    )
    .boxed();

    let ternary = or
        .clone()
        .then(
            just(Token::Question)
                .ignore_then(expr.clone())
                .then_ignore(just(Token::Colon))
                .then(expr.clone())
                .or_not(),
        )
        .map_with(|(cond, rest), e| conditional(cond, rest, range(e.span())))
        .boxed();

    let assign_op = choice((
        just(Token::Assign).to(None),
        just(Token::PlusAssign).to(Some(BinOp::Add)),
        just(Token::MinusAssign).to(Some(BinOp::Sub)),
        just(Token::StarAssign).to(Some(BinOp::Mul)),
        just(Token::SlashAssign).to(Some(BinOp::Div)),
        just(Token::PercentAssign).to(Some(BinOp::Rem)),
    ));
    ternary
        .then(assign_op.then(expr).or_not())
        .map_with(|(target, rest), e| match rest {
            None => target,
            Some((op, value)) => Expr::new(
                ExprKind::Assign {
                    target: Box::new(target),
                    op,
                    value: Box::new(value),
                },
                range(e.span()),
            ),
        })
        .labelled("an expression")
        .boxed()
}

fn stmt_def<'t, 's: 't, I, E>(
    expr: impl Parser<'t, I, Expr, E> + Clone + 't,
    stmt: impl Parser<'t, I, Vec<Stmt>, E> + Clone + 't,
    block: impl Parser<'t, I, Vec<Stmt>, E> + Clone + 't,
) -> Boxed<'t, 't, I, Vec<Stmt>, E>
where
    I: ValueInput<'t, Token = Token<'s>, Span = Span>,
    E: ParserExtra<'t, I> + 't,
    E::Error: LabelError<'t, I, &'static str>
        + LabelError<'t, I, chumsky::DefaultExpected<'t, Token<'s>>>,
    E::State: 't,
    E::Context: 't,
{
    let ident = select! { Token::Ident(s) => s.to_string() }.labelled("a name");
    let spanned_ident = ident.map_with(|n, e| (n, range(e.span())));
    let one = |kind: StmtKind, span: SrcSpan| vec![Stmt { kind, span }];

    // Where a new statement can begin (used to resynchronise after errors).
    let sync = choice((
        just(Token::Let).ignored(),
        just(Token::Const).ignored(),
        just(Token::Var).ignored(),
        just(Token::Function).ignored(),
        just(Token::Import).ignored(),
        just(Token::Instrument).ignored(),
        just(Token::Effect).ignored(),
        just(Token::Section).ignored(),
        just(Token::RBrace).ignored(),
        ident
            .then(just(Token::Bang).or_not())
            .then(just(Token::Colon))
            .ignored(),
    ));

    let binding = binding_def(expr.clone());
    let declarator = binding
        .clone()
        .then(just(Token::Assign).ignore_then(expr.clone()).or_not());
    let declaration = choice((just(Token::Let), just(Token::Const), just(Token::Var)))
        .ignore_then(
            declarator
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map_with(|decls, e| declaration_stmts(decls, range(e.span())))
        .boxed();

    let import = just(Token::Import)
        .ignore_then(
            select! { Token::Mini(s) => unescape(s), Token::Str(s) => unescape(s) }
                .map_with(|p, e| (p, range(e.span())))
                .labelled("a file name in quotes"),
        )
        .map(|(path, path_span)| StmtKind::Import { path, path_span });

    let params = params_def(expr.clone());
    let instrument = just(Token::Instrument)
        .to(false)
        .or(just(Token::Effect).to(true))
        .then(spanned_ident)
        .then(params.clone().or_not())
        .then_ignore(just(Token::Assign))
        .then(expr.clone())
        .map(
            |(((is_effect, (name, name_span)), params), body)| StmtKind::Instrument {
                name,
                name_span,
                params: params.unwrap_or_default(),
                body,
                is_effect,
            },
        );

    let section = just(Token::Section)
        .ignore_then(spanned_ident)
        .then(block.clone())
        .map(|((name, name_span), body)| StmtKind::Section {
            name,
            name_span,
            body,
        });

    let function = just(Token::Function)
        .ignore_then(spanned_ident)
        .then(params)
        .then(
            block
                .clone()
                .map_with(|b, e| Expr::new(ExprKind::Block(b), range(e.span()))),
        )
        .map(|(((name, name_span), params), body)| StmtKind::Function {
            name,
            name_span,
            params,
            body,
        });

    let ret = just(Token::Return)
        .ignore_then(expr.clone().or_not())
        .map(StmtKind::Return);

    // The body of `if`/`for`: a block or one statement.
    let body = block.clone().or(stmt.clone());
    let if_ = just(Token::If)
        .ignore_then(
            expr.clone()
                .delimited_by(just(Token::LParen), just(Token::RParen)),
        )
        .then(body.clone())
        .then(just(Token::Else).ignore_then(body.clone()).or_not())
        .map(|((cond, then), otherwise)| StmtKind::If {
            cond,
            then,
            otherwise: otherwise.unwrap_or_default(),
        });

    let for_of = choice((just(Token::Let), just(Token::Const), just(Token::Var)))
        .or_not()
        .ignore_then(binding)
        .then_ignore(select! { Token::Ident("of") => () })
        .then(expr.clone())
        .delimited_by(just(Token::LParen), just(Token::RParen));
    let for_init = declaration
        .clone()
        .map(|mut v| if v.len() == 1 { v.pop() } else { None })
        .or(expr.clone().map_with(|x, e| {
            Some(Stmt {
                kind: StmtKind::Expr(x),
                span: range(e.span()),
            })
        }))
        .or_not()
        .map(|s| s.flatten().map(Box::new));
    let for_classic = for_init
        .then_ignore(just(Token::Semi))
        .then(expr.clone().or_not())
        .then_ignore(just(Token::Semi))
        .then(expr.clone().or_not())
        .delimited_by(just(Token::LParen), just(Token::RParen));
    let for_ = just(Token::For).ignore_then(choice((
        for_of
            .then(body.clone())
            .map(|((binding, items), body)| StmtKind::ForOf {
                binding,
                items,
                body,
            }),
        for_classic
            .then(body)
            .map(|(((init, cond), update), body)| StmtKind::For {
                init,
                cond,
                update,
                body,
            }),
    )));

    let track = spanned_ident
        .then(just(Token::Bang).or_not().map(|b| b.is_some()))
        .then_ignore(just(Token::Colon))
        .then(expr.clone())
        .map(|(((label, name_span), solo), value)| {
            let (name, muted) = track_label(&label);
            StmtKind::Track {
                name,
                name_span,
                flags: TrackFlags { muted, solo },
                value,
            }
        });

    let single = choice((
        import,
        instrument,
        section,
        function,
        ret,
        if_,
        for_,
        track,
        expr.clone().map(StmtKind::Expr),
    ))
    .map_with(move |kind, e| one(kind, range(e.span())));

    choice((declaration, single))
        .recover_with(via_parser(
            any()
                .and_is(just(Token::RBrace).not())
                .ignored()
                .then(any().and_is(sync.clone().not()).repeated())
                .map_with(|_, e| {
                    vec![Stmt {
                        kind: StmtKind::Error,
                        span: range(e.span()),
                    }]
                }),
        ))
        .then_ignore(just(Token::Semi).repeated())
        .boxed()
}

/// A prefix operator: `-x`, `!x`, `+x`, `typeof x`, `await x`, `++x`, `--x`.
#[derive(Clone, Copy)]
enum Pre {
    Op(UnOp),
    Update(f64),
}

impl Pre {
    /// The operator written at `span` applied to `rhs`.
    fn apply(self, span: SrcSpan, rhs: Expr) -> Expr {
        let span = span.start..rhs.span.end;
        let kind = match self {
            Pre::Op(op) => ExprKind::Unary {
                op,
                expr: Box::new(rhs),
            },
            Pre::Update(delta) => ExprKind::Update {
                target: Box::new(rhs),
                delta,
                prefix: true,
            },
        };
        Expr::new(kind, span)
    }
}

/// `cond ? then : otherwise` spanning `span`, or `cond` alone when no
/// branches follow it.
fn conditional(cond: Expr, branches: Option<(Expr, Expr)>, span: SrcSpan) -> Expr {
    match branches {
        None => cond,
        Some((then, otherwise)) => Expr::new(
            ExprKind::Ternary {
                cond: Box::new(cond),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            span,
        ),
    }
}

/// `a ** b ** c` from its operands: `**` groups to the right.
fn power_chain(first: Expr, rest: Vec<Expr>) -> Expr {
    let mut all = vec![first];
    all.extend(rest);
    let mut acc = all.pop().expect("one operand at least");
    while let Some(lhs) = all.pop() {
        let span = lhs.span.start..acc.span.end;
        acc = Expr::new(
            ExprKind::Binary {
                op: BinOp::Pow,
                lhs: Box::new(lhs),
                rhs: Box::new(acc),
            },
            span,
        );
    }
    acc
}

/// The name a token gives after `.`: a name, or a keyword used as a
/// method's name (`pattern.section(…)`, `x.for`).
fn member_name_of(t: &Token) -> Option<String> {
    Some(
        match t {
            Token::Ident(s) => s,
            Token::Effect => "effect",
            Token::Section => "section",
            Token::Import => "import",
            Token::Instrument => "instrument",
            Token::For => "for",
            Token::If => "if",
            Token::Function => "function",
            Token::Return => "return",
            Token::Let => "let",
            Token::Const => "const",
            Token::Var => "var",
            Token::Else => "else",
            _ => return None,
        }
        .to_string(),
    )
}

/// The statements of one `let`/`const`/`var`: a name given a value is a
/// `Let`; anything else (a pattern, or no value) a `Destructure`. All
/// share the declaration's span.
fn declaration_stmts(decls: Vec<(Binding, Option<Expr>)>, span: SrcSpan) -> Vec<Stmt> {
    decls
        .into_iter()
        .map(|(binding, value)| {
            let kind = match (binding, value) {
                (Binding::Name(name, name_span), Some(value)) => StmtKind::Let {
                    name,
                    name_span,
                    value,
                },
                (binding, value) => StmtKind::Destructure { binding, value },
            };
            Stmt {
                kind,
                span: span.clone(),
            }
        })
        .collect()
}

/// A track label's name and whether it is muted: `_name` and `name_`
/// are muted (as in the reference); `_` alone and `$` are names.
fn track_label(label: &str) -> (String, bool) {
    if label.len() > 1 {
        if let Some(rest) = label.strip_prefix('_') {
            return (rest.to_string(), true);
        }
        if let Some(rest) = label.strip_suffix('_') {
            return (rest.to_string(), true);
        }
    }
    (label.to_string(), false)
}

/// The bracket opened before `pos` that is still open there, if any.
fn unclosed_before(tokens: &[(Token, Span)], pos: usize) -> Option<(SrcSpan, char)> {
    let mut stack: Vec<(SrcSpan, char)> = Vec::new();
    for (t, s) in tokens {
        if s.start >= pos {
            break;
        }
        match t {
            Token::LParen => stack.push((range(*s), ')')),
            Token::LBracket => stack.push((range(*s), ']')),
            Token::LBrace => stack.push((range(*s), '}')),
            Token::RParen | Token::RBracket | Token::RBrace => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// Operators are possible almost everywhere; listing them hides what matters.
fn is_operator(expected: &str) -> bool {
    matches!(
        expected,
        "`!=`"
            | "`%`"
            | "`*`"
            | "`+`"
            | "`-`"
            | "`.`"
            | "`/`"
            | "`<`"
            | "`<=`"
            | "`==`"
            | "`>`"
            | "`>=`"
            | "`>>`"
            | "`?`"
            | "`[`"
            | "`(`"
            | "`!`"
            | "`;`"
            | "`===`"
            | "`!==`"
            | "`&&`"
            | "`||`"
            | "`??`"
            | "`**`"
            | "`++`"
            | "`--`"
            | "`=`"
            | "`+=`"
            | "`-=`"
            | "`*=`"
            | "`/=`"
            | "`%=`"
            | "`...`"
            | "`const`"
            | "`var`"
            | "`for`"
            | "`if`"
            | "`function`"
            | "`return`"
            | "`await`"
            | "`typeof`"
            | "`this`"
            | "`else`"
    )
}

fn rich_to_diag(e: &Rich<'_, Token<'_>, Span>, tokens: &[(Token, Span)]) -> Diagnostic {
    let span = range(*e.span());
    let found = e
        .found()
        .map(|t| t.to_string())
        .unwrap_or_else(|| "the end of the file".to_string());
    let mut expected: Vec<String> = e
        .expected()
        .map(|p| p.to_string().replace('\'', ""))
        .filter(|s| !s.is_empty())
        .collect();
    expected.sort();
    expected.dedup();
    if expected.iter().any(|x| !is_operator(x)) {
        expected.retain(|x| !is_operator(x));
    }
    let closer = ["`)`", "`]`", "`}`"]
        .into_iter()
        .find(|c| expected.iter().any(|x| x == c));
    let open = closer.and_then(|_| unclosed_before(tokens, span.start));
    let (code, message) = match e.found() {
        Some(Token::Error) => (
            "E0001",
            "this character is not part of weft's syntax".to_string(),
        ),
        Some(Token::Unterminated) => ("E0002", "this string has no closing quote".to_string()),
        Some(Token::UnclosedComment) => ("E0003", "this comment has no closing `*/`".to_string()),
        _ if open.is_some() => (
            if e.found().is_none() {
                "E0101"
            } else {
                "E0102"
            },
            format!(
                "`{}` is not closed",
                match open.as_ref().unwrap().1 {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                }
            ),
        ),
        _ if e.found().is_none() => (
            "E0101",
            "the file ends in the middle of an expression".to_string(),
        ),
        _ => ("E0100", format!("unexpected {found}")),
    };
    let mut d = Diagnostic::error(code, message)
        .at(span)
        .label(format!("found {found} here"));
    if let Some((open_span, close)) = &open {
        d = d
            .with_extra(open_span.clone(), "opened here")
            .help(format!("add `{close}` where the expression ends"));
    } else if !expected.is_empty() {
        let list = if expected.len() > 6 {
            format!("{} or …", expected[..6].join(", "))
        } else {
            expected.join(", ")
        };
        d = d.note(format!("expected {list}"));
    }
    if code == "E0002" {
        d = d.help("add the closing quote; mini-notation strings use double quotes: \"bd sd\"");
    } else if code == "E0001" {
        d = d.help("remove it; weft code uses letters, digits, quotes and ( ) [ ] { } . , : = => >> + - * /");
    }
    d
}

/// Parses a whole file into statements, with diagnostics for every error.
pub fn parse_program(src: &str) -> (Vec<Stmt>, Vec<Diagnostic>) {
    let tokens = lex(src);
    // The common, correct case is read by the hand-written descent, which
    // is several times faster; a file it leaves (one with errors, or
    // nested very deep) is parsed by the grammar, which describes them.
    let (out, mut diags) = match descent::program(&tokens, src.len()) {
        Some(stmts) => (Some(stmts), Vec::new()),
        None => parse_program_with_grammar(src, &spanned(tokens)),
    };
    let stmts = merge_broken(out.unwrap_or_default());
    for s in &stmts {
        check_depth_stmt(s, &mut diags);
    }
    check_separated(src, &stmts, &mut diags);
    (stmts, diags)
}

/// Tokens with the grammar's spans.
fn spanned(tokens: Vec<(Token, SrcSpan)>) -> Vec<(Token, Span)> {
    tokens
        .into_iter()
        .map(|(t, s)| (t, Span::from(s)))
        .collect()
}

/// Parses a program's tokens with the grammar, describing every error.
fn parse_program_with_grammar(
    src: &str,
    toks: &[(Token, Span)],
) -> (Option<Vec<Stmt>>, Vec<Diagnostic>) {
    let eoi = Span::from(src.len()..src.len());
    let (out, errs) = grammar::<_, Extra>()
        .1
        .then_ignore(end())
        .parse(toks.map(eoi, |(t, s)| (t, s)))
        .into_output_errors();
    let diags = errs.iter().map(|e| rich_to_diag(e, toks)).collect();
    (out, diags)
}

/// Two statements on one line need a `;` between them, as in JavaScript
/// (`note("c e")s("piano")` is one statement missing a `.`, not two).
/// After a block (`function f() {…}`, `if (…) {…}`) none is needed.
fn check_separated(src: &str, stmts: &[Stmt], diags: &mut Vec<Diagnostic>) {
    for pair in stmts.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let between = src.get(a.span.end..b.span.start).unwrap_or("\n");
        let block = matches!(
            a.kind,
            StmtKind::Function { .. }
                | StmtKind::If { .. }
                | StmtKind::For { .. }
                | StmtKind::ForOf { .. }
                | StmtKind::Section { .. }
                | StmtKind::Error
        ) || matches!(b.kind, StmtKind::Error);
        let ends_with_semicolon = src
            .get(a.span.clone())
            .is_some_and(|t| t.trim_end().ends_with(';'));
        if !block && !ends_with_semicolon && !between.contains(['\n', ';']) {
            diags.push(
                Diagnostic::error(
                    "E0103",
                    "two statements on one line without `;` between them",
                )
                .at(b.span.start..b.span.start)
                .label("a new statement starts here")
                .help("a `.` is probably missing (`note(\"c e\").s(\"piano\")`); or end the first statement with `;`"),
            );
        }
    }
    for s in stmts {
        match &s.kind {
            StmtKind::Section { body, .. } => check_separated(src, body, diags),
            StmtKind::Function { body, .. } => {
                if let ExprKind::Block(b) = &body.kind {
                    check_separated(src, b, diags)
                }
            }
            StmtKind::If {
                then, otherwise, ..
            } => {
                check_separated(src, then, diags);
                check_separated(src, otherwise, diags);
            }
            StmtKind::For { body, .. } | StmtKind::ForOf { body, .. } => {
                check_separated(src, body, diags)
            }
            _ => {}
        }
    }
}

/// A statement directly followed by unparseable tokens (`s("bd").fast(2`)
/// is broken as a whole: it becomes an error statement, so that it is not
/// evaluated half-read.
fn merge_broken(stmts: Vec<Stmt>) -> Vec<Stmt> {
    let mut out: Vec<Stmt> = Vec::with_capacity(stmts.len());
    for s in stmts {
        if let (StmtKind::Error, Some(prev)) = (&s.kind, out.last_mut()) {
            if prev.span.end == s.span.start && !matches!(prev.kind, StmtKind::Error) {
                prev.kind = StmtKind::Error;
                prev.span = prev.span.start..s.span.end;
                continue;
            }
        }
        if let (StmtKind::Error, Some(prev)) = (&s.kind, out.last_mut()) {
            if matches!(prev.kind, StmtKind::Error) && prev.span.end == s.span.start {
                prev.span = prev.span.start..s.span.end;
                continue;
            }
        }
        out.push(s);
    }
    out
}

/// Parses a single expression (`weft events -e …`).
pub fn parse_expr(src: &str) -> Result<Expr, Vec<Diagnostic>> {
    let tokens = lex(src);
    if let Some(e) = descent::expression(&tokens, src.len()) {
        let mut diags = Vec::new();
        check_depth(&e, &mut diags);
        return if diags.is_empty() { Ok(e) } else { Err(diags) };
    }
    let toks = spanned(tokens);
    let eoi = Span::from(src.len()..src.len());
    let (out, errs) = grammar::<_, Extra>()
        .0
        .then_ignore(end())
        .parse(toks.as_slice().map(eoi, |(t, s)| (t, s)))
        .into_output_errors();
    let mut diags: Vec<Diagnostic> = errs.iter().map(|e| rich_to_diag(e, &toks)).collect();
    match out {
        Some(e) if diags.is_empty() => {
            check_depth(&e, &mut diags);
            if diags.is_empty() {
                Ok(e)
            } else {
                Err(diags)
            }
        }
        _ => {
            if diags.is_empty() {
                diags.push(Diagnostic::error("E0100", "could not parse the expression"));
            }
            Err(diags)
        }
    }
}

fn check_depth(e: &Expr, diags: &mut Vec<Diagnostic>) {
    if e.depth(MAX_NESTING + 1) > MAX_NESTING {
        diags.push(
            Diagnostic::error(
                "E0303",
                format!("expression nested more than {MAX_NESTING} levels deep"),
            )
            .at(e.span.clone())
            .label("this expression")
            .help("split it up with `let` bindings"),
        );
    }
}

fn check_depth_stmt(s: &Stmt, diags: &mut Vec<Diagnostic>) {
    if s.depth(MAX_NESTING + 1) > MAX_NESTING {
        diags.push(
            Diagnostic::error(
                "E0303",
                format!("expression nested more than {MAX_NESTING} levels deep"),
            )
            .at(s.span.clone())
            .label("this statement")
            .help("split it up with `let` bindings"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Num(n) => format!("{n}"),
            ExprKind::Mini { text, .. } => format!("\"{text}\""),
            ExprKind::Str(s) => format!("'{s}'"),
            ExprKind::Ident(s) => s.clone(),
            ExprKind::Call { callee, args } => format!(
                "{}({})",
                show(callee),
                args.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
            ExprKind::Member { object, name, .. } => format!("{}.{name}", show(object)),
            ExprKind::Arrow { params, body, .. } => format!(
                "({}) => {}",
                params
                    .iter()
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                show(body)
            ),
            ExprKind::Binary { op, lhs, rhs } => format!("({} {op:?} {})", show(lhs), show(rhs)),
            ExprKind::Unary { op, expr } => format!("({op:?} {})", show(expr)),
            ExprKind::List(items) => format!(
                "[{}]",
                items.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn method_chains_and_arrows() {
        let e = parse_expr(r#"note("c e g").fast(2).every(3, x => x.rev())"#).unwrap();
        assert_eq!(
            show(&e),
            r#"note("c e g").fast(2).every(3, (x) => x.rev())"#
        );
        let e = parse_expr("echoWith(3, 1/8, (p, n) => p.add(n*2))").unwrap();
        assert_eq!(
            show(&e),
            "echoWith(3, (1 Div 8), (p, n) => p.add((n Mul 2)))"
        );
        let e = parse_expr("arrange([4, \"a\"], [2, \"b\"])").unwrap();
        assert_eq!(show(&e), "arrange([4, \"a\"], [2, \"b\"])");
        let e = parse_expr("n(\"0\").add.squeeze(\"1 2\")").unwrap();
        assert_eq!(show(&e), "n(\"0\").add.squeeze(\"1 2\")");
        let e = parse_expr("saw(freq) >> lpf(800) >> adsr(0.01, 0.1, 0.5, 0.2)").unwrap();
        assert_eq!(
            show(&e),
            "((saw(freq) Pipe lpf(800)) Pipe adsr(0.01, 0.1, 0.5, 0.2))"
        );
        let e = parse_expr("-1 - -2").unwrap();
        assert_eq!(show(&e), "((Neg 1) Sub (Neg 2))");
    }

    #[test]
    fn program_with_tracks_and_recovery() {
        let src = "let x = 1\ndrums: s(\"bd\").fast(2\n  _bass: note(\"c2\")\nlead!: n(\"0\")\n";
        let (stmts, diags) = parse_program(src);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(matches!(stmts[0].kind, StmtKind::Let { .. }));
        assert!(matches!(stmts[1].kind, StmtKind::Error), "{:?}", stmts);
        match &stmts[2].kind {
            StmtKind::Track { name, flags, .. } => {
                assert_eq!(name, "bass");
                assert!(flags.muted);
            }
            other => panic!("{other:?}"),
        }
        match &stmts[3].kind {
            StmtKind::Track { name, flags, .. } => {
                assert_eq!(name, "lead");
                assert!(flags.solo);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse_expr(&src).is_ok());
        let src = format!("{}1{}", "f(".repeat(2_000), ")".repeat(2_000));
        let errs = parse_expr(&src).unwrap_err();
        assert_eq!(errs[0].code, "E0303");
    }
}
