//! Runtime values: what patterns carry and what expressions evaluate to.
//!
//! Values follow the conventions of the pattern languages weft is compatible
//! with: numbers are 64-bit floats, mini-notation words are strings, `a:b`
//! builds a list, and controls (`s`, `n`, `note`, …) are maps. Conversions
//! (`to_number`, truthiness, JSON) follow the same rules those languages use,
//! so the same pattern gives the same events.

use crate::pattern::Pattern;
use std::fmt;
use std::sync::Arc;

/// Something that can be called from the language: builtins, user arrow
/// functions, partially applied (curried) calls.
pub trait Callable: Send + Sync {
    fn call(&self, args: Vec<Value>) -> Result<Value, RtError>;
    /// A name for messages.
    fn name(&self) -> String;
    /// Number of arguments the function takes, where fixed.
    fn arity(&self) -> Option<usize> {
        None
    }
    /// A named member of the function value (`pat.add.out`), if any.
    fn member(&self, _name: &str) -> Option<Value> {
        None
    }
}

/// A runtime error raised by a builtin or a user function. The evaluator
/// attaches the source location of the call that failed.
#[derive(Clone, Debug, PartialEq)]
pub struct RtError {
    pub message: String,
    pub help: Option<String>,
    /// Byte range in the source, once known.
    pub span: Option<(usize, usize)>,
    /// Stable diagnostic code (see docs/errors.md).
    pub code: &'static str,
    /// The file the span is in (`None`: the main source).
    pub file: Option<Arc<str>>,
}

impl RtError {
    pub fn new(message: impl Into<String>) -> RtError {
        RtError {
            file: None,
            message: message.into(),
            help: None,
            span: None,
            code: "E0300",
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> RtError {
        self.help = Some(help.into());
        self
    }

    pub fn with_code(mut self, code: &'static str) -> RtError {
        self.code = code;
        self
    }
}

impl fmt::Display for RtError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

/// A callable value.
#[derive(Clone)]
pub struct Func(pub Arc<dyn Callable>);

impl Func {
    pub fn call(&self, args: Vec<Value>) -> Result<Value, RtError> {
        self.0.call(args)
    }
}

impl fmt::Debug for Func {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "<function {}>", self.0.name())
    }
}

/// An ordered map of control names to values (insertion order is kept, as
/// in the reference output).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueMap(pub Vec<(Arc<str>, Value)>);

impl ValueMap {
    pub fn new() -> ValueMap {
        ValueMap(Vec::new())
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets a key, keeping its position if it already exists.
    pub fn set(&mut self, key: impl Into<Arc<str>>, value: Value) {
        let key = key.into();
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.0.push((key, value));
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.0.iter().position(|(k, _)| &**k == key)?;
        Some(self.0.remove(i).1)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A runtime value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    #[default]
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Arc<str>),
    List(Arc<Vec<Value>>),
    Map(Arc<ValueMap>),
    Func(Func),
    Pat(Pattern<Value>),
    /// A sound graph (inside `instrument` definitions and `.fx(…)`).
    Graph(Arc<crate::graph::Graph>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            (Value::Func(a), Value::Func(b)) => Arc::ptr_eq(&a.0, &b.0),
            (Value::Graph(a), Value::Graph(b)) => a == b,
            _ => false,
        }
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Num(x)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<ValueMap> for Value {
    fn from(m: ValueMap) -> Value {
        Value::Map(Arc::new(m))
    }
}

/// Parses a string the way JavaScript's `Number(…)` does. `None` means NaN.
pub fn js_number(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return Some(0.0);
    }
    let (neg, body) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let radix = |prefix: &[&str], radix: u32| -> Option<Option<f64>> {
        for p in prefix {
            if let Some(rest) = t.strip_prefix(p) {
                if rest.is_empty() || !rest.chars().all(|c| c.is_digit(radix)) {
                    return Some(None);
                }
                let mut v = 0f64;
                for c in rest.chars() {
                    v = v * radix as f64 + c.to_digit(radix).unwrap() as f64;
                }
                return Some(Some(v));
            }
        }
        None
    };
    // Prefixed integers take no sign in JavaScript.
    if let Some(r) = radix(&["0x", "0X"], 16) {
        return r;
    }
    if let Some(r) = radix(&["0o", "0O"], 8) {
        return r;
    }
    if let Some(r) = radix(&["0b", "0B"], 2) {
        return r;
    }
    if body == "Infinity" {
        return Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    // Decimal literal: digits, optional fraction, optional exponent.
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    let v: f64 = body.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Formats a number as JavaScript prints it.
pub fn js_number_string(x: f64) -> String {
    let mut out = String::new();
    write_js_number(x, &mut out);
    out
}

/// Appends a number as JavaScript prints it.
pub fn write_js_number(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else if x == 0.0 {
        out.push('0');
    } else if x.fract() == 0.0 && x.abs() < 1e15 {
        // Integers (most values in patterns) print as their digits.
        out.push_str(itoa::Buffer::new().format(x as i64));
    } else {
        out.push_str(ryu_js::Buffer::new().format(x));
    }
}

/// JSON string escaping (as `JSON.stringify` does).
pub fn json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let escaped = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        plain = i + c.len_utf8();
        if escaped.is_empty() {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push_str(escaped);
        }
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(s.into())
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    pub fn map(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
        let mut m = ValueMap::new();
        for (k, v) in pairs {
            m.set(k, v);
        }
        Value::Map(Arc::new(m))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Undefined => "undefined",
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Num(_) => "a number",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a control map",
            Value::Func(_) => "a function",
            Value::Pat(_) => "a pattern",
            Value::Graph(_) => "a sound graph",
        }
    }

    /// JavaScript's `Number(x)`; `NaN` where it gives NaN.
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Num(x) => *x,
            Value::Bool(b) => *b as i32 as f64,
            Value::Null => 0.0,
            Value::Str(s) => js_number(s).unwrap_or(f64::NAN),
            Value::List(l) => match l.len() {
                0 => 0.0,
                1 => l[0].to_number(),
                _ => f64::NAN,
            },
            _ => f64::NAN,
        }
    }

    /// A number, if this is one or converts to one.
    pub fn as_number(&self) -> Option<f64> {
        let x = self.to_number();
        if x.is_nan() {
            None
        } else {
            Some(x)
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an object: maps as they are, lists keyed by index
    /// (`["a", 3]` is `{"0": "a", "1": 3}`), as JavaScript spreads them.
    pub fn as_object(&self) -> Option<ValueMap> {
        match self {
            Value::Map(m) => Some((**m).clone()),
            Value::List(l) => {
                let mut m = ValueMap::new();
                for (i, v) in l.iter().enumerate() {
                    m.set(i.to_string(), v.clone());
                }
                Some(m)
            }
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&ValueMap> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// JavaScript truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(x) => *x != 0.0 && !x.is_nan(),
            Value::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self, Value::Map(_))
    }

    /// JavaScript's `String(x)` for the value types patterns carry.
    pub fn to_js_string(&self) -> String {
        match self {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Num(x) => js_number_string(*x),
            Value::Str(s) => s.to_string(),
            Value::List(l) => l
                .iter()
                .map(|v| match v {
                    Value::Undefined | Value::Null => String::new(),
                    v => v.to_js_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            Value::Map(_) => "[object Object]".into(),
            Value::Func(f) => format!("<function {}>", f.0.name()),
            Value::Pat(_) => "<pattern>".into(),
            Value::Graph(g) => g.to_string(),
        }
    }

    /// The value as `JSON.stringify` writes it (`None` where it writes nothing).
    pub fn to_json(&self) -> Option<String> {
        let mut out = String::new();
        if self.write_json(&mut out) {
            Some(out)
        } else {
            None
        }
    }

    /// Appends the value as JSON to `out` (as `JSON.stringify` writes
    /// it); false, with nothing appended, for values JSON cannot hold.
    pub fn write_json(&self, out: &mut String) -> bool {
        match self {
            Value::Undefined | Value::Func(_) | Value::Pat(_) | Value::Graph(_) => return false,
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Num(x) => {
                if x.is_finite() {
                    write_js_number(*x, out)
                } else {
                    out.push_str("null")
                }
            }
            Value::Str(s) => json_string(s, out),
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if !v.write_json(out) {
                        out.push_str("null");
                    }
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                let mut first = true;
                for (k, v) in m.iter() {
                    // Entries JSON cannot hold are left out (written, then
                    // taken back).
                    let mark = out.len();
                    if !first {
                        out.push(',');
                    }
                    json_string(k, out);
                    out.push(':');
                    if v.write_json(out) {
                        first = false;
                    } else {
                        out.truncate(mark);
                    }
                }
                out.push('}');
            }
        }
        true
    }

    /// A short human-readable form for tables and messages.
    pub fn show(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.show()))
                .collect::<Vec<_>>()
                .join(" "),
            Value::List(l) => l.iter().map(|v| v.show()).collect::<Vec<_>>().join(":"),
            v => v.to_json().unwrap_or_else(|| v.to_js_string()),
        }
    }
}

/// The atom value rule of mini-notation: a number if `Number(word)` is a
/// number, the word otherwise.
pub fn atom_value(word: &str) -> Value {
    match js_number(word) {
        Some(x) => Value::Num(x),
        None => Value::str(word),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_number_rules() {
        assert_eq!(js_number("1e3"), Some(1000.0));
        assert_eq!(js_number("0x10"), Some(16.0));
        assert_eq!(js_number(".5"), Some(0.5));
        assert_eq!(js_number("5."), Some(5.0));
        assert_eq!(js_number("-0"), Some(-0.0));
        assert_eq!(js_number("007"), Some(7.0));
        assert_eq!(js_number("-0x10"), None);
        assert_eq!(js_number("c4"), None);
        assert_eq!(js_number("1e"), None);
        assert_eq!(js_number("."), None);
        assert_eq!(js_number("-"), None);
        assert_eq!(js_number("Infinity"), Some(f64::INFINITY));
    }

    #[test]
    fn json_like_the_reference() {
        let v = Value::map([("s", Value::str("bd")), ("n", Value::Num(3.0))]);
        assert_eq!(v.to_json().unwrap(), r#"{"s":"bd","n":3}"#);
        assert_eq!(
            Value::Num(0.1 + 0.2).to_json().unwrap(),
            "0.30000000000000004"
        );
        assert_eq!(Value::Num(-0.0).to_json().unwrap(), "0");
        assert_eq!(Value::Num(1e21).to_json().unwrap(), "1e+21");
        assert_eq!(Value::Num(f64::NAN).to_json().unwrap(), "null");
    }
}
