//! Takes written in the program: `take('voice', 4)` records four cycles of
//! the input, `take('loop', 8, { from: 'drums' })` a track (or `'master'`),
//! `take('voice', 4, { add: true })` layers onto the take of that name.
//! The program only holds the requests ([`TakeLine`]); whoever plays it
//! starts each one when it first appears or when its line changes.
//!
//! `take` is also Strudel's stepwise `take(steps, pattern)`: a call whose
//! first argument is a word (`'voice'`) is a recording, any other call is
//! the stepwise function, so Strudel programs keep working.

use crate::docs::FnDoc;
use crate::lexer::SrcSpan;
use crate::library::registry::native_fn_owned;
use crate::value::{RtError, Value};
use std::sync::{Arc, Mutex};

/// Most cycles one take may ask for (the engine also refuses a take too
/// long for memory at its tempo and rate).
pub const MAX_CYCLES: u32 = 1024;

/// What a take records.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TakeFrom {
    /// The audio input (`--input`).
    Input,
    /// The master bus, after its effects.
    Master,
    /// A track of the program, after its effects, gain and pan.
    Track(String),
}

/// A take the program asks for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TakeLine {
    /// The sound it becomes (`s("voice")`) and its file (`takes/voice.wav`).
    pub name: String,
    /// Whole cycles, from the next cycle boundary.
    pub cycles: u32,
    pub from: TakeFrom,
    /// Layered onto the existing take of that name (an overdub).
    pub add: bool,
}

impl std::fmt::Display for TakeLine {
    /// The line as it is written: `take("loop", 8, { from: "drums" })`.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "take(\"{}\", {}", self.name, self.cycles)?;
        let from = match &self.from {
            TakeFrom::Input => None,
            TakeFrom::Master => Some("master"),
            TakeFrom::Track(t) => Some(t.as_str()),
        };
        match (from, self.add) {
            (None, false) => {}
            (None, true) => write!(f, ", {{ add: true }}")?,
            (Some(s), false) => write!(f, ", {{ from: \"{s}\" }}")?,
            (Some(s), true) => write!(f, ", {{ from: \"{s}\", add: true }}")?,
        }
        write!(f, ")")
    }
}

/// Whether `name` can name a take (and its file): letters, digits, `_`
/// and `-`, at most 64 of them.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A take line and where it is written (the statement; set by the
/// evaluator once the statement has run).
#[derive(Clone, Debug)]
pub struct Written {
    pub line: TakeLine,
    pub at: Option<(SrcSpan, Option<Arc<str>>)>,
}

/// The takes a program asks for, in order (a later line of a name
/// replaces the earlier).
pub type Lines = Arc<Mutex<Vec<Written>>>;

fn bad(msg: String) -> RtError {
    RtError::new(format!("take: {msg}"))
        .with_help("take('voice', 4) records 4 cycles of the input; take('loop', 8, { from: 'drums' }) a track or 'master'; { add: true } layers onto the take")
        .with_code("E0233")
}

/// The text of a value written as a string (`'x'`, or `"x"`: one word of
/// mini-notation, the same every cycle), if it is one.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.to_string()),
        Value::Pat(p) => match p.pure_value.as_deref() {
            Some(Value::Str(s)) => Some(s.to_string()),
            Some(_) => None,
            None => one_word(p),
        },
        _ => None,
    }
}

/// The word (or number) a pattern plays once a cycle, every cycle
/// (`"voice"`, `"4"`): the same one whole event in its first two cycles.
fn one_word(p: &crate::library::Pat) -> Option<String> {
    use crate::Time;
    let in_cycle = |c: i64| -> Option<String> {
        let haps = p.query_arc(Time::int(c), Time::int(c + 1));
        let [h] = haps.as_slice() else {
            return None;
        };
        let whole = h
            .whole
            .is_some_and(|w| w.begin == Time::int(c) && w.end == Time::int(c + 1));
        match &h.value {
            Value::Str(s) if whole => Some(s.to_string()),
            Value::Num(x) if whole => Some(x.to_string()),
            _ => None,
        }
    };
    let first = in_cycle(0)?;
    (in_cycle(1)? == first).then_some(first)
}

/// Whether a call of `take` asks for a recording: its first argument is a
/// word (not a number of steps, which is Strudel's stepwise `take`).
fn is_recording(args: &[Value]) -> bool {
    args.first()
        .and_then(text)
        .is_some_and(|t| t.trim().parse::<f64>().is_err() && t.chars().any(char::is_alphabetic))
}

/// Reads the arguments of a recording `take(name, cycles, options)`.
pub fn parse_take(args: &[Value]) -> Result<TakeLine, RtError> {
    let name = args.first().and_then(text).unwrap_or_default();
    if !valid_name(&name) {
        return Err(bad(format!(
            "`{name}` cannot name a take: use letters, digits, `_` and `-` (at most 64)"
        )));
    }
    let cycles = match args.get(1) {
        None | Some(Value::Undefined) => {
            return Err(bad(format!(
                "give the length in cycles, e.g. take('{name}', 4)"
            )))
        }
        Some(v) => number(v).ok_or_else(|| {
            bad(format!(
                "the length is a number of cycles, not {}",
                v.type_name()
            ))
        })?,
    };
    if !(cycles.fract() == 0.0 && cycles >= 1.0 && cycles <= MAX_CYCLES as f64) {
        return Err(bad(format!(
            "the length is a whole number of cycles from 1 to {MAX_CYCLES}, found {cycles}"
        )));
    }
    let mut line = TakeLine {
        name,
        cycles: cycles as u32,
        from: TakeFrom::Input,
        add: false,
    };
    match args.get(2) {
        None | Some(Value::Undefined) => {}
        Some(Value::Map(m)) => {
            for (key, v) in m.iter() {
                match key {
                    "from" => {
                        line.from = match text(v).as_deref() {
                            Some("input") => TakeFrom::Input,
                            Some("master") => TakeFrom::Master,
                            Some(t) if !t.trim().is_empty() => TakeFrom::Track(t.to_string()),
                            _ => {
                                return Err(bad(
                                    "`from` is 'input', 'master' or the name of a track".into(),
                                ))
                            }
                        }
                    }
                    "add" => line.add = v.truthy(),
                    other => return Err(bad(format!("unknown option `{other}` (from, add)"))),
                }
            }
        }
        Some(other) => {
            return Err(bad(format!(
                "the options are an object such as {{ from: 'drums', add: true }}, not {}",
                other.type_name()
            )))
        }
    }
    if args.len() > 3 {
        return Err(bad(format!(
            "takes 3 arguments at most, found {}",
            args.len()
        )));
    }
    Ok(line)
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Pat(p) => match p.pure_value.as_deref() {
            Some(pure) => number(pure),
            // `"4"`: one number every cycle.
            None => one_word(p).and_then(|w| w.trim().parse().ok()),
        },
        Value::Str(s) => s.trim().parse().ok(),
        v => v.as_number(),
    }
}

/// The global `take`: a recording (recorded into `lines`) when its first
/// argument is a word, else Strudel's stepwise `take(steps, pattern)`.
pub fn take_fn(lines: &Lines) -> Value {
    let lines = lines.clone();
    native_fn_owned("take", move |args| {
        if !is_recording(&args) {
            let stepwise = crate::library::global("take")
                .ok_or_else(|| RtError::new("take: the stepwise `take` is missing"))?;
            let f = crate::library::registry::global_value(stepwise)?;
            return crate::eval::call_value(&f, args);
        }
        let line = parse_take(&args)?;
        let mut l = lines.lock().unwrap();
        l.retain(|w| w.line.name != line.name);
        l.push(Written { line, at: None });
        Ok(Value::Undefined)
    })
}

/// Documentation of the recording `take`.
pub const DOCS: &[FnDoc] = &[FnDoc {
    names: &["take"],
    category: "Samples",
    summary: "Records a take when the program is played live (`weft play`/`weft repl`): `cycles` cycles of the input (`--input`), of a track or of the master, from the next cycle boundary; it then plays as `s(\"name\")` and is saved as takes/NAME.wav. A take line records when it first appears and again when it changes, not at every save. (`take(steps, pattern)` with a number is Strudel's stepwise `take`.)",
    params: &[
        ("name", "the sound it becomes: letters, digits, `_`, `-`"),
        ("cycles", "whole cycles, 1 to 1024"),
        ("options", "{ from: 'input' | 'master' | TRACK, add: true (layer onto the take) }"),
    ],
    example: "take('loop', 2, { from: 'drums' })\ndrums: s(\"bd sd\")",
}];

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn arguments_are_read_and_checked() {
        let t = parse_take(&[
            s("loop"),
            Value::Num(8.0),
            Value::map([("from", s("drums")), ("add", Value::Bool(true))]),
        ])
        .unwrap();
        assert_eq!(
            t,
            TakeLine {
                name: "loop".into(),
                cycles: 8,
                from: TakeFrom::Track("drums".into()),
                add: true,
            }
        );
        assert_eq!(
            t.to_string(),
            "take(\"loop\", 8, { from: \"drums\", add: true })"
        );
        let m =
            parse_take(&[s("m"), Value::Num(1.0), Value::map([("from", s("master"))])]).unwrap();
        assert_eq!(m.from, TakeFrom::Master);
        for bad in [
            vec![s("a/b"), Value::Num(1.0)],
            vec![s("v"), Value::Num(0.0)],
            vec![s("v"), Value::Num(1.5)],
            vec![s("v"), Value::Num(100_000.0)],
            vec![s("v"), Value::Num(f64::NAN)],
            vec![s("v")],
            vec![
                s("v"),
                Value::Num(1.0),
                Value::map([("speed", Value::Num(2.0))]),
            ],
            vec![s("v"), Value::Num(1.0), Value::Num(2.0)],
        ] {
            let err = parse_take(&bad).unwrap_err();
            assert_eq!(err.code, "E0233", "{bad:?}");
        }
    }

    #[test]
    fn only_a_word_first_makes_a_recording() {
        assert!(is_recording(&[s("voice"), Value::Num(4.0)]));
        assert!(is_recording(&[s("a/b"), Value::Num(4.0)]));
        assert!(!is_recording(&[Value::Num(2.0)]));
        assert!(!is_recording(&[s("2")]));
        assert!(!is_recording(&[s("-3")]));
    }
}
