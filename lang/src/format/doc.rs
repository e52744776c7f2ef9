//! A layout algebra and its printer (after Wadler's "prettier printer",
//! with the additions that code with comments needs): a document says
//! where lines may break; the printer breaks the fewest groups so that
//! lines stay within the width.

/// A document to lay out.
#[derive(Clone, Debug)]
pub enum Doc {
    Nil,
    /// Text; it may hold newlines only when it is verbatim source (a
    /// multi-line string or comment).
    Text(String),
    /// A space, or a newline when its group breaks.
    Line,
    /// Nothing, or a newline when its group breaks.
    SoftLine,
    /// Always a newline; the groups around it break.
    HardLine,
    /// A newline unless the current line is still empty.
    EnsureLine,
    /// An empty line (after a newline, unless one is there already).
    BlankLine,
    /// After a `//` comment: the next text starts on a new line.
    NeedLine,
    Concat(Vec<Doc>),
    /// The lines inside start one level further in.
    Indent(Box<Doc>),
    /// Lines inside break together, only when the group does not fit.
    Group(Box<Doc>, bool),
    /// The first document when the enclosing group breaks, else the second.
    IfBreak(Box<Doc>, Box<Doc>),
    /// Text kept until the end of the line (a trailing `// comment`).
    LineSuffix(String),
    /// Breaks the groups around it.
    BreakParent,
    /// Layouts to choose from: the first that fits, else the last (broken).
    Choice(Vec<Doc>),
}

pub fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

pub fn concat(parts: Vec<Doc>) -> Doc {
    Doc::Concat(parts)
}

pub fn group(d: Doc) -> Doc {
    Doc::Group(Box::new(d), false)
}

/// A group that is broken whatever its width.
pub fn broken_group(d: Doc) -> Doc {
    Doc::Group(Box::new(d), true)
}

pub fn indent(d: Doc) -> Doc {
    Doc::Indent(Box::new(d))
}

pub fn if_break(broken: Doc, flat: Doc) -> Doc {
    Doc::IfBreak(Box::new(broken), Box::new(flat))
}

/// Marks every group that holds a forced break (a hard line, a `//`
/// comment) as broken; returns whether `d` holds one. Choices keep their
/// own decision and pass nothing up, as each of their layouts may differ.
pub fn propagate_breaks(d: &mut Doc) -> bool {
    match d {
        Doc::HardLine | Doc::BreakParent | Doc::BlankLine | Doc::NeedLine => true,
        Doc::Text(t) => t.contains('\n'),
        Doc::Concat(parts) => {
            let mut any = false;
            for p in parts {
                any |= propagate_breaks(p);
            }
            any
        }
        Doc::Indent(inner) => propagate_breaks(inner),
        Doc::Group(inner, broken) => {
            let inner_breaks = propagate_breaks(inner);
            *broken |= inner_breaks;
            *broken
        }
        Doc::IfBreak(a, b) => {
            let x = propagate_breaks(a);
            let y = propagate_breaks(b);
            x || y
        }
        Doc::Choice(states) => {
            for s in states.iter_mut() {
                propagate_breaks(s);
            }
            false
        }
        Doc::Nil | Doc::Line | Doc::SoftLine | Doc::EnsureLine | Doc::LineSuffix(_) => false,
    }
}

/// True when `d` holds a forced break (after [`propagate_breaks`]).
pub fn will_break(d: &Doc) -> bool {
    match d {
        Doc::HardLine | Doc::BreakParent | Doc::BlankLine | Doc::NeedLine => true,
        Doc::Text(t) => t.contains('\n'),
        Doc::Concat(parts) => parts.iter().any(will_break),
        Doc::Indent(inner) => will_break(inner),
        Doc::Group(inner, broken) => *broken || will_break(inner),
        Doc::IfBreak(a, b) => will_break(a) || will_break(b),
        Doc::Choice(states) => states.first().is_some_and(will_break),
        _ => false,
    }
}

/// Whether `d` has at most `limit` nodes. A [`Doc::Choice`] holds copies
/// of its parts, so choices nested in choices grow exponentially with the
/// nesting; the layouts that offer one check their parts with this first
/// and fall back to a plain group when they are large.
pub fn is_small(d: &Doc, limit: usize) -> bool {
    fn count(d: &Doc, left: &mut usize) -> bool {
        if *left == 0 {
            return false;
        }
        *left -= 1;
        match d {
            Doc::Concat(parts) | Doc::Choice(parts) => parts.iter().all(|p| count(p, left)),
            Doc::Indent(inner) | Doc::Group(inner, _) => count(inner, left),
            Doc::IfBreak(a, b) => count(a, left) && count(b, left),
            _ => true,
        }
    }
    let mut left = limit;
    count(d, &mut left)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

struct Printer<'a> {
    width: usize,
    indent_unit: &'a str,
    out: String,
    /// Characters on the current line so far.
    column: usize,
    suffixes: Vec<String>,
    need_line: bool,
}

impl Printer<'_> {
    fn line_is_empty(&self) -> bool {
        let last = self.out.rsplit('\n').next().unwrap_or("");
        last.trim().is_empty()
    }

    fn newline(&mut self, indent: usize) {
        for s in std::mem::take(&mut self.suffixes) {
            self.out.push_str(&s);
        }
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        for _ in 0..indent {
            self.out.push_str(self.indent_unit);
        }
        self.column = indent * self.indent_unit.len();
        self.need_line = false;
    }

    fn text(&mut self, t: &str, indent: usize) {
        if t.is_empty() || (self.need_line && t.trim().is_empty()) {
            return;
        }
        if self.need_line {
            self.newline(indent);
        }
        self.out.push_str(t);
        match t.rfind('\n') {
            Some(i) => self.column = t[i + 1..].chars().count(),
            None => self.column += t.chars().count(),
        }
    }

    /// Whether `next` (and then `rest`, up to its first line break) fits
    /// in what is left of the line.
    fn fits(&self, next: (usize, Mode, &Doc), rest: &[(usize, Mode, &Doc)]) -> bool {
        let mut left = self.width as isize - self.column as isize;
        let mut stack: Vec<(Mode, &Doc)> = vec![(next.1, next.2)];
        let mut rest_index = rest.len();
        loop {
            if left < 0 {
                return false;
            }
            let Some((mode, d)) = stack.pop() else {
                if rest_index == 0 {
                    return true;
                }
                rest_index -= 1;
                let (_, m, d) = rest[rest_index];
                stack.push((m, d));
                continue;
            };
            match d {
                Doc::Nil | Doc::BreakParent | Doc::LineSuffix(_) => {}
                Doc::Text(t) => match t.find('\n') {
                    Some(i) => return left >= t[..i].chars().count() as isize,
                    None => left -= t.chars().count() as isize,
                },
                Doc::Line | Doc::SoftLine => {
                    if mode == Mode::Break {
                        return true;
                    }
                    if matches!(d, Doc::Line) {
                        left -= 1;
                    }
                }
                Doc::HardLine | Doc::EnsureLine | Doc::BlankLine | Doc::NeedLine => return true,
                Doc::Concat(parts) => {
                    for p in parts.iter().rev() {
                        stack.push((mode, p));
                    }
                }
                Doc::Indent(inner) => stack.push((mode, inner)),
                Doc::Group(inner, broken) => {
                    stack.push((if *broken { Mode::Break } else { mode }, inner));
                }
                Doc::IfBreak(a, b) => stack.push((mode, if mode == Mode::Break { a } else { b })),
                Doc::Choice(states) => {
                    if let Some(first) = states.first() {
                        stack.push((mode, first));
                    }
                }
            }
        }
    }

    fn print(&mut self, doc: &Doc) {
        let mut cmds: Vec<(usize, Mode, &Doc)> = vec![(0, Mode::Break, doc)];
        while let Some((ind, mode, d)) = cmds.pop() {
            match d {
                Doc::Nil | Doc::BreakParent => {}
                Doc::Text(t) => self.text(t, ind),
                Doc::Line | Doc::SoftLine if mode == Mode::Flat => {
                    if matches!(d, Doc::Line) {
                        self.text(" ", ind);
                    }
                }
                Doc::Line | Doc::SoftLine | Doc::HardLine => self.newline(ind),
                Doc::EnsureLine => {
                    if !self.line_is_empty() {
                        self.newline(ind);
                    }
                }
                Doc::BlankLine => {
                    if !self.line_is_empty() {
                        self.newline(ind);
                    }
                    if !self.out.is_empty()
                        && !self.out.trim_end_matches([' ', '\t']).ends_with("\n\n")
                    {
                        self.newline(ind);
                    }
                }
                Doc::NeedLine => self.need_line = true,
                Doc::Concat(parts) => {
                    for p in parts.iter().rev() {
                        cmds.push((ind, mode, p));
                    }
                }
                Doc::Indent(inner) => cmds.push((ind + 1, mode, inner)),
                Doc::Group(inner, broken) => {
                    let m = if *broken {
                        Mode::Break
                    } else if mode == Mode::Flat || self.fits((ind, Mode::Flat, inner), &cmds) {
                        Mode::Flat
                    } else {
                        Mode::Break
                    };
                    cmds.push((ind, m, inner));
                }
                Doc::IfBreak(a, b) => {
                    cmds.push((ind, mode, if mode == Mode::Break { a } else { b }))
                }
                Doc::LineSuffix(s) => self.suffixes.push(s.clone()),
                Doc::Choice(states) if mode == Mode::Flat => {
                    if let Some(first) = states.first() {
                        cmds.push((ind, Mode::Flat, first));
                    }
                }
                Doc::Choice(states) => {
                    let last = states.len().saturating_sub(1);
                    let chosen = states.iter().enumerate().find(|(i, s)| {
                        *i == last
                            || ((*i > 0 || !will_break(s))
                                && self.fits((ind, Mode::Flat, s), &cmds))
                    });
                    if let Some((i, s)) = chosen {
                        let m = if i == last && last > 0 {
                            Mode::Break
                        } else {
                            Mode::Flat
                        };
                        cmds.push((ind, m, s));
                    }
                }
            }
        }
        for s in std::mem::take(&mut self.suffixes) {
            self.out.push_str(&s);
        }
    }
}

/// Lays `doc` out within `width` columns, indenting by `indent_unit`.
pub fn print(doc: &mut Doc, width: usize, indent_unit: &str) -> String {
    propagate_breaks(doc);
    let mut p = Printer {
        width,
        indent_unit,
        out: String::new(),
        column: 0,
        suffixes: Vec::new(),
        need_line: false,
    };
    p.print(doc);
    let trimmed = p.out.trim_end().len();
    p.out.truncate(trimmed);
    p.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Doc>) -> Doc {
        let mut items = Vec::new();
        let n = args.len();
        for (i, a) in args.into_iter().enumerate() {
            items.push(a);
            if i + 1 < n {
                items.push(text(","));
                items.push(Doc::Line);
            }
        }
        group(concat(vec![
            text(format!("{name}(")),
            indent(concat(vec![Doc::SoftLine, concat(items)])),
            if_break(text(","), Doc::Nil),
            Doc::SoftLine,
            text(")"),
        ]))
    }

    #[test]
    fn groups_break_only_when_needed() {
        let mut d = call("stack", vec![text("a"), text("b")]);
        assert_eq!(print(&mut d, 80, "  "), "stack(a, b)");
        let mut d = call("stack", vec![text("aaaa"), text("bbbb")]);
        assert_eq!(print(&mut d, 10, "  "), "stack(\n  aaaa,\n  bbbb,\n)");
    }

    #[test]
    fn a_line_comment_breaks_its_group_and_stays_at_the_line_end() {
        let mut d = call(
            "f",
            vec![
                concat(vec![
                    text("a"),
                    Doc::LineSuffix(" // x".into()),
                    Doc::BreakParent,
                ]),
                text("b"),
            ],
        );
        assert_eq!(print(&mut d, 80, "  "), "f(\n  a, // x\n  b,\n)");
    }

    #[test]
    fn a_choice_takes_the_first_layout_that_fits() {
        let mut d = Doc::Choice(vec![text("a very long line"), text("short")]);
        assert_eq!(print(&mut d, 8, "  "), "short");
        let mut d = Doc::Choice(vec![text("fits"), text("other")]);
        assert_eq!(print(&mut d, 8, "  "), "fits");
    }
}
