//! Mini-notation: the compact rhythm language inside double-quoted strings
//! (`"bd*2 [sd cp]? <hh oh>"`), parsed to a small tree and compiled to a
//! pattern.
//!
//! The grammar follows the established mini-notation exactly, including its
//! corner cases (`"a . b"` feet, `"0 .. 3"` ranges, `?` seeds counted in
//! parse order), so that the same string gives the same events as in
//! Strudel and TidalCycles. Errors point at the offending character.

use crate::ast::Escapes;
use crate::hap::{Context, Hap, Location};
use crate::library::{self, Pat};
use crate::pattern::{fastcat, pure, silence, stack, stepcat, Pattern};
use crate::span::Span;
use crate::time::Time;
use crate::value::{atom_value, Value};
use std::sync::Arc;

/// Deepest nesting of brackets accepted.
pub const MAX_DEPTH: usize = 200;

/// A parse error: byte range in the mini string, message, expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct MiniError {
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub help: Option<String>,
}

/// How the children of a group combine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Align {
    /// `a b c`: one after another within the cycle.
    Sequence,
    /// `a, b`: at the same time.
    Stack,
    /// `a | b`: one chosen at random each cycle.
    Choose,
    /// `a . b c`: feet of equal length.
    Feet,
    /// `{a b, c d e}`: steps aligned.
    Polymeter,
    /// `<a b c>`: one step per cycle.
    Alternate,
}

/// A node of the mini-notation tree.
#[derive(Clone, Debug)]
pub enum Node {
    /// A word or number; `~`/`-` are rests. `start..end` locates it.
    Atom {
        text: String,
        start: usize,
        end: usize,
    },
    Group {
        children: Vec<Node>,
        align: Align,
        seed: u32,
        /// `%n` on a polymeter.
        steps: Option<Box<Node>>,
    },
    /// A slice with its modifiers (`a*2`, `a@3`, `a?`, …).
    Element {
        source: Box<Node>,
        ops: Vec<Modifier>,
        weight: f64,
    },
}

/// A modifier after a step.
#[derive(Clone, Debug)]
pub enum Modifier {
    Fast(Node),
    Slow(Node),
    Replicate(f64),
    Euclid(Node, Node, Option<Node>),
    Degrade(Option<f64>, u32),
    Tail(Node),
    Range(Node),
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    seed: u32,
    depth: usize,
    /// Furthest position where something failed to match, and what was wanted.
    fail_pos: usize,
    expected: Vec<&'static str>,
    fatal: Option<MiniError>,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\n' | '\r' | '\t' | '\u{a0}')
}

fn is_step_char(c: char) -> bool {
    c.is_alphabetic() || c.is_ascii_digit() || matches!(c, '~' | '-' | '#' | '.' | '^' | '_')
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn fail(&mut self, what: &'static str) {
        if self.pos > self.fail_pos {
            self.fail_pos = self.pos;
            self.expected.clear();
        }
        if self.pos == self.fail_pos && !self.expected.contains(&what) {
            self.expected.push(what);
        }
    }

    fn eat(&mut self, c: char, what: &'static str) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            self.fail(what);
            false
        }
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH && self.fatal.is_none() {
            self.fatal = Some(MiniError {
                start: self.pos,
                end: self.pos + 1,
                message: format!("brackets nested more than {MAX_DEPTH} deep"),
                help: Some("flatten the pattern, or build it in steps with `let`".into()),
            });
        }
        self.fatal.is_none()
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// `number = "-"? int frac? exp?`
    fn number(&mut self) -> Option<f64> {
        let start = self.pos;
        let b = self.src.as_bytes();
        let mut i = self.pos;
        if i < b.len() && b[i] == b'-' {
            i += 1;
        }
        if i < b.len() && b[i] == b'0' {
            i += 1;
        } else if i < b.len() && (b'1'..=b'9').contains(&b[i]) {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else {
            self.fail("a number");
            return None;
        }
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            let mut j = i + 1;
            if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                j += 1;
            }
            if j < b.len() && b[j].is_ascii_digit() {
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                i = j;
            }
        }
        self.pos = i;
        self.src[start..i].parse().ok()
    }

    /// `step = ws step_char+ ws` (but not a lone `.` or `_`).
    fn step(&mut self) -> Option<Node> {
        let save = self.pos;
        self.ws();
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_step_char(c) {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let end = self.pos;
        if end == start {
            self.fail("a step");
            self.pos = save;
            return None;
        }
        let text = &self.src[start..end];
        self.ws();
        if text == "." || text == "_" {
            self.pos = save;
            return None;
        }
        Some(Node::Atom {
            text: text.to_string(),
            start,
            end,
        })
    }

    /// `slice = step / sub_cycle / polymeter / slow_sequence`
    fn slice(&mut self) -> Option<Node> {
        if self.fatal.is_some() {
            return None;
        }
        if let Some(n) = self.step() {
            return Some(n);
        }
        let save = self.pos;
        self.ws();
        match self.peek() {
            Some('[') => {
                self.pos += 1;
                if !self.enter() {
                    return None;
                }
                self.ws();
                let inner = self.stack_or_choose();
                self.leave();
                let inner = match inner {
                    Some(n) => n,
                    None => {
                        self.pos = save;
                        return None;
                    }
                };
                self.ws();
                if !self.eat(']', "`]`") {
                    self.pos = save;
                    return None;
                }
                self.ws();
                Some(inner)
            }
            Some('{') => {
                self.pos += 1;
                if !self.enter() {
                    return None;
                }
                self.ws();
                let inner = self.polymeter_stack(Align::Polymeter);
                self.leave();
                let Some(mut inner) = inner else {
                    self.pos = save;
                    return None;
                };
                self.ws();
                if !self.eat('}', "`}`") {
                    self.pos = save;
                    return None;
                }
                let after = self.pos;
                if self.eat('%', "`%`") {
                    match self.slice() {
                        Some(s) => {
                            if let Node::Group { steps, .. } = &mut inner {
                                *steps = Some(Box::new(s));
                            }
                        }
                        None => self.pos = after,
                    }
                }
                self.ws();
                Some(inner)
            }
            Some('<') => {
                self.pos += 1;
                if !self.enter() {
                    return None;
                }
                self.ws();
                let inner = self.polymeter_stack(Align::Alternate);
                self.leave();
                let Some(inner) = inner else {
                    self.pos = save;
                    return None;
                };
                self.ws();
                if !self.eat('>', "`>`") {
                    self.pos = save;
                    return None;
                }
                self.ws();
                Some(inner)
            }
            _ => {
                self.fail("a step");
                self.pos = save;
                None
            }
        }
    }

    fn slice_op(&mut self, weight: &mut f64, reps: &mut f64, ops: &mut Vec<Modifier>) -> bool {
        let save = self.pos;
        // op_weight = ws ("@" / "_") number?
        self.ws();
        if matches!(self.peek(), Some('@') | Some('_')) {
            self.pos += 1;
            let save_n = self.pos;
            let a = self.number();
            if a.is_none() {
                self.pos = save_n;
            }
            *weight += a.unwrap_or(2.0) - 1.0;
            return true;
        }
        self.fail("`@`");
        self.pos = save;
        // op_bjorklund
        if self.peek() == Some('(') {
            if let Some(m) = self.euclid() {
                ops.push(m);
                return true;
            }
            self.pos = save;
        } else {
            self.fail("`(`");
        }
        if self.peek() == Some('/') {
            self.pos += 1;
            if let Some(s) = self.slice() {
                ops.push(Modifier::Slow(s));
                return true;
            }
            self.pos = save;
        }
        if self.peek() == Some('*') {
            self.pos += 1;
            if let Some(s) = self.slice() {
                ops.push(Modifier::Fast(s));
                return true;
            }
            self.pos = save;
        }
        // op_replicate = ws "!" number?
        self.ws();
        if self.peek() == Some('!') {
            self.pos += 1;
            let save_n = self.pos;
            let a = self.number();
            if a.is_none() {
                self.pos = save_n;
            }
            *reps += a.unwrap_or(2.0) - 1.0;
            ops.retain(|m| !matches!(m, Modifier::Replicate(_)));
            ops.push(Modifier::Replicate(*reps));
            *weight = *reps;
            return true;
        }
        self.pos = save;
        if self.peek() == Some('?') {
            self.pos += 1;
            let save_n = self.pos;
            let a = self.number();
            if a.is_none() {
                self.pos = save_n;
            }
            // The seed is numbered when the whole step is complete.
            ops.push(Modifier::Degrade(a, u32::MAX));
            return true;
        }
        if self.peek() == Some(':') {
            self.pos += 1;
            if let Some(s) = self.slice() {
                ops.push(Modifier::Tail(s));
                return true;
            }
            self.pos = save;
        }
        if self.src[self.pos..].starts_with("..") {
            self.pos += 2;
            if let Some(s) = self.slice() {
                ops.push(Modifier::Range(s));
                return true;
            }
            self.pos = save;
        }
        self.fail("a modifier");
        false
    }

    fn euclid(&mut self) -> Option<Modifier> {
        if !self.eat('(', "`(`") {
            return None;
        }
        self.ws();
        let p = self.slice_with_ops()?;
        self.ws();
        if !self.comma() {
            return None;
        }
        self.ws();
        let s = self.slice_with_ops()?;
        self.ws();
        let save = self.pos;
        if !self.comma() {
            self.pos = save;
        }
        self.ws();
        let save = self.pos;
        let r = self.slice_with_ops();
        if r.is_none() {
            self.pos = save;
        }
        self.ws();
        if !self.eat(')', "`)`") {
            return None;
        }
        Some(Modifier::Euclid(p, s, r))
    }

    fn comma(&mut self) -> bool {
        let save = self.pos;
        self.ws();
        if self.eat(',', "`,`") {
            self.ws();
            true
        } else {
            self.pos = save;
            false
        }
    }

    fn slice_with_ops(&mut self) -> Option<Node> {
        let source = self.slice()?;
        let mut weight = 1.0;
        let mut reps = 1.0;
        let mut ops = Vec::new();
        while self.fatal.is_none() && self.slice_op(&mut weight, &mut reps, &mut ops) {}
        for op in &mut ops {
            if let Modifier::Degrade(_, seed @ u32::MAX) = op {
                *seed = self.seed;
                self.seed += 1;
            }
        }
        Some(Node::Element {
            source: Box::new(source),
            ops,
            weight,
        })
    }

    /// `sequence = "^"? slice_with_ops+`
    fn sequence(&mut self) -> Option<Node> {
        let save = self.pos;
        if self.peek() == Some('^') {
            self.pos += 1;
        }
        let mut children = Vec::new();
        while let Some(e) = self.slice_with_ops() {
            children.push(e);
        }
        if children.is_empty() {
            self.pos = save;
            return None;
        }
        Some(Node::Group {
            children,
            align: Align::Sequence,
            seed: 0,
            steps: None,
        })
    }

    /// One or more `sep sequence` items.
    fn tail(&mut self, sep: char, what: &'static str) -> Vec<Node> {
        let mut out = Vec::new();
        loop {
            let save = self.pos;
            self.ws();
            if !self.eat(sep, what) {
                self.pos = save;
                break;
            }
            self.ws();
            match self.sequence() {
                Some(s) => out.push(s),
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        out
    }

    fn stack_or_choose(&mut self) -> Option<Node> {
        let head = self.sequence()?;
        for (sep, what, align) in [
            (',', "`,`", Align::Stack),
            ('|', "`|`", Align::Choose),
            ('.', "`.`", Align::Feet),
        ] {
            let list = self.tail(sep, what);
            if !list.is_empty() {
                let seed = if align == Align::Stack {
                    0
                } else {
                    let s = self.seed;
                    self.seed += 1;
                    s
                };
                let mut children = vec![head];
                children.extend(list);
                return Some(Node::Group {
                    children,
                    align,
                    seed,
                    steps: None,
                });
            }
        }
        Some(head)
    }

    fn polymeter_stack(&mut self, align: Align) -> Option<Node> {
        let head = self.sequence()?;
        let mut children = vec![head];
        children.extend(self.tail(',', "`,`"));
        Some(Node::Group {
            children,
            align,
            seed: 0,
            steps: None,
        })
    }
}

/// Parses a mini-notation string.
pub fn parse(src: &str) -> Result<Node, MiniError> {
    let mut p = Parser {
        src,
        pos: 0,
        seed: 0,
        depth: 0,
        fail_pos: 0,
        expected: Vec::new(),
        fatal: None,
    };
    p.ws();
    let node = p.stack_or_choose();
    if let Some(e) = p.fatal.take() {
        return Err(e);
    }
    if let Some(node) = node {
        p.ws();
        if p.pos == src.len() {
            return Ok(node);
        }
        p.fail("end of pattern");
    }
    let at = p.fail_pos.min(src.len());
    let found = src[at..].chars().next();
    let mut expected: Vec<&str> = Vec::new();
    for e in &p.expected {
        // Modifiers are possible after any step; naming them all is noise.
        if !expected.contains(e) && !matches!(*e, "`@`" | "`(`" | "a modifier") {
            expected.push(e);
        }
    }
    if found.is_none() || found == Some('"') {
        if let Some((pos, open, close)) = unclosed_bracket(&src[..at]) {
            return Err(MiniError {
                start: pos,
                end: pos + 1,
                message: format!("`{open}` is not closed"),
                help: Some(format!("add `{close}` where the group ends")),
            });
        }
    }
    let mixes = |a: char, b: char| src[..at].contains(a) && found == Some(b);
    if mixes('|', ',') || mixes(',', '|') {
        return Err(MiniError {
            start: at,
            end: at + 1,
            message: "`|` and `,` cannot be mixed in one group".to_string(),
            help: Some("put one of the choices in brackets: \"[a, b] | c\"".to_string()),
        });
    }
    let message = match found {
        Some(c) => format!("unexpected `{c}` in mini-notation"),
        None if src.trim().is_empty() => "empty mini-notation pattern".to_string(),
        None => "mini-notation pattern ends too early".to_string(),
    };
    let help = if src.trim().is_empty() {
        Some("write at least one step, e.g. \"bd\" or \"~\" for a rest".to_string())
    } else if !expected.is_empty() {
        Some(format!("expected {}", expected.join(", ")))
    } else {
        None
    };
    let end = at + found.map(|c| c.len_utf8()).unwrap_or(0);
    Err(MiniError {
        start: at,
        end,
        message,
        help,
    })
}

/// The innermost bracket still open at the end of `text`.
fn unclosed_bracket(text: &str) -> Option<(usize, char, char)> {
    let mut stack = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '[' => stack.push((i, '[', ']')),
            '<' => stack.push((i, '<', '>')),
            '{' => stack.push((i, '{', '}')),
            '(' => stack.push((i, '(', ')')),
            ']' | '>' | '}' | ')' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// A compiled node: the pattern and, for sequences, its total weight.
struct Compiled {
    pat: Pat,
    weight: Option<Time>,
}

fn plain(pat: Pat) -> Compiled {
    Compiled { pat, weight: None }
}

fn weight_time(w: f64) -> Time {
    Time::from_f64(w).unwrap_or(Time::ONE)
}

/// Compiles a parsed tree to a pattern.
pub fn compile(node: &Node) -> Result<Pat, MiniError> {
    Ok(compile_node(node, None)?.pat)
}

/// Compiles a parsed tree whose text was written at byte `offset` of the
/// program's source, with `escapes` (see [`Escapes`]): every event carries
/// the location of the atom(s) it comes from (for editors and the live
/// view to highlight what plays).
pub fn compile_at(node: &Node, offset: usize, escapes: &Escapes) -> Result<Pat, MiniError> {
    Ok(compile_node(node, Some(Placement { offset, escapes }))?.pat)
}

/// Where a mini-notation text was written in the program's source.
#[derive(Clone, Copy)]
struct Placement<'a> {
    offset: usize,
    escapes: &'a Escapes,
}

impl Placement<'_> {
    /// The source location of the text's bytes `start..end`.
    fn location(&self, start: usize, end: usize) -> Location {
        Location::new(
            self.offset + self.escapes.start(start),
            self.offset + self.escapes.end(end),
        )
    }
}

/// [`pure`] whose events carry `location`: the same events, the same
/// work, the same direct path for constant arguments.
fn pure_at(value: Value, location: Location) -> Pat {
    let context = Context::at(location);
    let v = value.clone();
    let mut p = Pattern::appending(move |st: &crate::pattern::State, out| {
        st.span.for_each_cycle(|s| {
            let whole = Span::new(s.begin.sam(), s.begin.sam() + Time::ONE);
            out.push(Hap::with_context(
                Some(whole),
                s,
                v.clone(),
                context.clone(),
            ));
        });
    });
    p.steps = Some(Time::ONE);
    p.pure_value = Some(Arc::new(value));
    p
}

fn err_at(node: &Node, message: String) -> MiniError {
    let (start, end) = node_range(node);
    MiniError {
        start,
        end,
        message,
        help: None,
    }
}

fn node_range(node: &Node) -> (usize, usize) {
    match node {
        Node::Atom { start, end, .. } => (*start, *end),
        Node::Element { source, .. } => node_range(source),
        Node::Group { children, .. } => {
            let a = children.first().map(node_range).unwrap_or((0, 0));
            let b = children.last().map(node_range).unwrap_or((0, 0));
            (a.0, b.1)
        }
    }
}

fn lib(r: Result<Pat, crate::value::RtError>, node: &Node) -> Result<Pat, MiniError> {
    r.map_err(|e| err_at(node, e.message))
}

/// Compiles a node. With `at` (where the mini-notation text starts in the
/// program's source), each atom's events carry the atom's location.
fn compile_node(node: &Node, at: Option<Placement>) -> Result<Compiled, MiniError> {
    match node {
        Node::Atom { text, start, end } => {
            if text == "~" || text == "-" {
                return Ok(plain(silence()));
            }
            let value = atom_value(text);
            Ok(plain(match at {
                Some(place) => pure_at(value, place.location(*start, *end)),
                None => pure(value),
            }))
        }
        Node::Element { source, .. } => compile_node(source, at),
        Node::Group {
            children,
            align,
            seed,
            steps,
        } => {
            let compiled: Vec<Compiled> = children
                .iter()
                .map(|c| {
                    let mut comp = compile_node(c, at)?;
                    if let Node::Element { ops, .. } = c {
                        comp.pat = apply_modifiers(comp.pat, ops, c, at)?;
                    }
                    Ok(comp)
                })
                .collect::<Result<_, MiniError>>()?;
            match align {
                Align::Stack => Ok(plain(stack(compiled.into_iter().map(|c| c.pat).collect()))),
                Align::Alternate => {
                    let mut pats = Vec::new();
                    for c in compiled {
                        let Some(w) = c.weight else {
                            return Err(err_at(
                                node,
                                "Division by Zero: a step of `< >` has no length".into(),
                            ));
                        };
                        pats.push(c.pat.slow(w));
                    }
                    Ok(plain(stack(pats)))
                }
                Align::Polymeter => {
                    let base: Pat = match steps {
                        Some(s) => compile_node(s, at)?.pat,
                        None => pure(Value::Num(
                            compiled
                                .first()
                                .and_then(|c| c.weight)
                                .unwrap_or(Time::ZERO)
                                .to_f64(),
                        )),
                    };
                    let mut aligned = Vec::new();
                    for c in compiled {
                        let w = c.weight;
                        aligned.push(lib(
                            library::call("fast", &[Value::Pat(exact_factor(&base, w))], &c.pat),
                            node,
                        )?);
                    }
                    Ok(plain(stack(aligned)))
                }
                Align::Choose => {
                    let shift = Time::from_f64(0.0003 * *seed as f64).unwrap_or(Time::ZERO);
                    let chooser = library::signals::rand().early(shift);
                    let chooser =
                        lib(library::call("segment", &[Value::Num(1.0)], &chooser), node)?;
                    let pats: Vec<Pat> = compiled.into_iter().map(|c| c.pat).collect();
                    let n = pats.len();
                    let ranged = lib(
                        library::call("range", &[Value::Num(0.0), Value::Num(n as f64)], &chooser),
                        node,
                    )?;
                    let chosen: Pattern<Pat> = ranged.fmap(move |i| {
                        let k = i.to_number().floor().clamp(0.0, (n - 1) as f64);
                        pats[if k.is_nan() { 0 } else { k as usize }].clone()
                    });
                    Ok(plain(library::join_pats(&chosen, library::Join::Inner)))
                }
                Align::Feet => Ok(plain(fastcat(
                    compiled.into_iter().map(|c| c.pat).collect(),
                ))),
                Align::Sequence => {
                    let weighted = children.iter().any(|c| {
                        matches!(c, Node::Element { weight, .. } if *weight != 0.0 && !weight.is_nan())
                    });
                    if !weighted {
                        // A plain sequence. With a single step it *is* that
                        // step, length included (as in the reference).
                        let n = compiled.len() as i64;
                        let weight = match (children.as_slice(), compiled.as_slice()) {
                            ([Node::Element { ops, .. }], [c]) if ops.is_empty() => c.weight,
                            _ => None,
                        };
                        let pat = fastcat(compiled.into_iter().map(|c| c.pat).collect())
                            .with_steps_value(Some(Time::int(n)));
                        return Ok(Compiled { pat, weight });
                    }
                    let weights: Vec<Time> = children
                        .iter()
                        .map(|c| match c {
                            Node::Element { weight, .. } if *weight != 0.0 && !weight.is_nan() => {
                                weight_time(*weight)
                            }
                            _ => Time::ONE,
                        })
                        .collect();
                    let total = weights.iter().fold(Time::ZERO, |a, w| a + *w);
                    if total.is_zero() {
                        return Err(err_at(
                            node,
                            "Division by Zero: the weights add up to zero".into(),
                        ));
                    }
                    let items = weights
                        .into_iter()
                        .zip(compiled)
                        .map(|(w, c)| (Some(w), c.pat))
                        .collect();
                    let pat = stepcat(items).with_steps_value(Some(total));
                    Ok(Compiled {
                        pat,
                        weight: Some(total),
                    })
                }
            }
        }
    }
}

/// `{…}%n`: the speed factor `n / steps` as a (non-constant) pattern, in
/// exact arithmetic.
fn exact_factor(base: &Pat, w: Option<Time>) -> Pat {
    base.map_values(move |x| match (library::to_time(x), w) {
        (_, None) => {
            crate::pattern::report_query_error("Division by Zero: a step of `{ }` has no length");
            Value::Num(f64::NAN)
        }
        (Ok(t), Some(w)) => {
            let r = t / w;
            // Keep the exact ratio: numerator and denominator as a list.
            Value::list(vec![
                Value::Num(r.numer() as f64),
                Value::Num(r.denom() as f64),
            ])
        }
        (Err(_), _) => Value::Num(f64::NAN),
    })
}

fn apply_modifiers(
    mut pat: Pat,
    ops: &[Modifier],
    node: &Node,
    at: Option<Placement>,
) -> Result<Pat, MiniError> {
    for op in ops {
        pat = match op {
            Modifier::Fast(n) => lib(
                library::call("fast", &[Value::Pat(compile_node(n, at)?.pat)], &pat),
                node,
            )?,
            Modifier::Slow(n) => lib(
                library::call("slow", &[Value::Pat(compile_node(n, at)?.pat)], &pat),
                node,
            )?,
            Modifier::Replicate(n) => {
                let t = Time::from_f64(*n).unwrap_or(Time::ONE);
                if t.is_zero() {
                    // `a!0`: no copies at all.
                    pat = silence();
                    continue;
                }
                if *n > 100_000.0 {
                    return Err(err_at(node, format!("`!` repeat count {n} is too large")));
                }
                pat.repeat_cycles(t).fast(t)
            }
            Modifier::Euclid(p, s, r) => {
                let p = Value::Pat(compile_node(p, at)?.pat);
                let s = Value::Pat(compile_node(s, at)?.pat);
                match r {
                    Some(r) => lib(
                        library::call(
                            "euclidRot",
                            &[p, s, Value::Pat(compile_node(r, at)?.pat)],
                            &pat,
                        ),
                        node,
                    )?,
                    None => lib(library::call("euclid", &[p, s], &pat), node)?,
                }
            }
            Modifier::Degrade(amount, seed) => {
                library::signals::degrade_seeded(&pat, amount.unwrap_or(0.5), *seed)
            }
            Modifier::Tail(n) => {
                let friend = compile_node(n, at)?.pat;
                pat.app_left(&friend, |a, b| match a {
                    Value::List(items) => {
                        let mut items = (**items).clone();
                        items.push(b.clone());
                        Value::List(Arc::new(items))
                    }
                    a => Value::list(vec![a.clone(), b.clone()]),
                })
            }
            Modifier::Range(n) => {
                let friend = compile_node(n, at)?.pat;
                pat.squeeze_bind(move |a| {
                    let a = a.clone();
                    friend.bind(move |b| range_seq(&a, b))
                })
            }
        };
    }
    Ok(pat)
}

/// `a .. b`: the integers from `a` to `b` (either direction) as a sequence.
fn range_seq(a: &Value, b: &Value) -> Pat {
    let (start, stop) = (a.to_number(), b.to_number());
    let len = ((stop - start).abs() + 1.0).floor();
    if len.is_infinite() {
        crate::pattern::report_query_error(
            "Invalid array length: a range `..` must have finite ends",
        );
        return silence();
    }
    if !len.is_finite() || len < 1.0 {
        return fastcat(Vec::new());
    }
    if len > 100_000.0 {
        crate::pattern::report_query_error("range `..` is too long (more than 100000 steps)");
        return silence();
    }
    let items = (0..len as i64)
        .map(|i| {
            let i = i as f64;
            let v = if start < stop { start + i } else { start - i };
            pure(Value::Num(v))
        })
        .collect();
    fastcat(items)
}

/// Parses and compiles a mini-notation string.
pub fn mini(src: &str) -> Result<Pat, MiniError> {
    let node = parse_remembered(src)?;
    compile(&node)
}

/// Most texts read on this thread lately, kept parsed.
const REMEMBERED_TEXTS: usize = 512;

thread_local! {
    static PARSED: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<Node>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// [`parse`], remembering the trees of recent texts: a program writes the
/// same few strings on many tracks, and a reloaded program writes them
/// again. The tree depends on the text alone (positions are in the text;
/// where it was written is applied when compiling).
fn parse_remembered(src: &str) -> Result<std::rc::Rc<Node>, MiniError> {
    if let Some(node) = PARSED.with(|m| m.borrow().get(src).cloned()) {
        return Ok(node);
    }
    let node = std::rc::Rc::new(parse(src)?);
    PARSED.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= REMEMBERED_TEXTS {
            m.clear();
        }
        m.insert(src.to_string(), node.clone());
    });
    Ok(node)
}

/// Parses and compiles a mini-notation string written at byte `offset` of
/// the program's source with `escapes` (its events carry their atoms'
/// locations in the source as written).
pub fn mini_at(src: &str, offset: usize, escapes: &Escapes) -> Result<Pat, MiniError> {
    let node = parse_remembered(src)?;
    compile_at(&node, offset, escapes)
}

/// A mini-notation string as a value (the pattern, or a constant for a
/// plain reify of non-mini input).
pub fn mini_value(src: &str) -> Result<Value, MiniError> {
    Ok(Value::Pat(mini(src)?))
}
