//! The parts of JavaScript's standard library that Strudel programs use
//! around their patterns: `Math`, `Number`, `String`, `Array`, `Object`,
//! `JSON`, `console`, `parseInt`…, and the methods of lists and strings
//! (`[1, 2].map(…)`, `'a b'.split(' ')`). Lists and strings follow
//! JavaScript here (a list's `filter` is the array's, not the pattern
//! function's), so code written for Strudel means the same in weft.

use crate::library::registry::{native_fn, native_fn_owned};
use crate::value::{js_number_string, Callable, Func, RtError, Value, ValueMap};
use std::sync::Arc;

type R<T> = Result<T, RtError>;

/// Lists built by `Array(n)`, `fill`, `repeat`, … stay below this size.
pub const MAX_LIST: usize = 1_000_000;

fn too_large(what: &str) -> RtError {
    RtError::new(format!(
        "{what}: the result would be too large (over {MAX_LIST} items)"
    ))
    .with_code("E0302")
}

/// `typeof v`.
pub fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Undefined => "undefined",
        Value::Bool(_) => "boolean",
        Value::Num(_) => "number",
        Value::Str(_) => "string",
        Value::Func(_) => "function",
        _ => "object",
    }
}

/// JavaScript's `Math.round`: halves go up.
fn js_round(x: f64) -> f64 {
    crate::library::js_round(x)
}

fn num(args: &[Value], i: usize) -> f64 {
    args.get(i).map(Value::to_number).unwrap_or(f64::NAN)
}

fn text(args: &[Value], i: usize) -> String {
    args.get(i).map(Value::to_js_string).unwrap_or_default()
}

/// A global object: callable or not, with named members.
struct JsObject {
    name: &'static str,
    call: Option<fn(Vec<Value>) -> R<Value>>,
    members: fn(&str) -> Option<Value>,
}

impl Callable for JsObject {
    fn call(&self, args: Vec<Value>) -> R<Value> {
        match self.call {
            Some(f) => f(args),
            None => {
                Err(RtError::new(format!("`{}` is not a function", self.name)).with_code("E0204"))
            }
        }
    }

    fn name(&self) -> String {
        self.name.to_string()
    }

    fn member(&self, name: &str) -> Option<Value> {
        (self.members)(name)
    }
}

fn object(
    name: &'static str,
    call: Option<fn(Vec<Value>) -> R<Value>>,
    members: fn(&str) -> Option<Value>,
) -> Value {
    Value::Func(Func(Arc::new(JsObject {
        name,
        call,
        members,
    })))
}

/// A JavaScript global by name, if weft provides it.
pub fn global(name: &str) -> Option<Value> {
    Some(match name {
        "Math" => object("Math", None, math_member),
        "Number" => object(
            "Number",
            Some(|a| Ok(Value::Num(num(&a, 0)))),
            number_member,
        ),
        "String" => object(
            "String",
            Some(|a| {
                Ok(Value::str(
                    &a.first().map(Value::to_js_string).unwrap_or_default(),
                ))
            }),
            |_| None,
        ),
        "Boolean" => object(
            "Boolean",
            Some(|a| Ok(Value::Bool(a.first().is_some_and(Value::truthy)))),
            |_| None,
        ),
        "Array" => object("Array", Some(array_new), array_member),
        "Object" => object("Object", None, object_member),
        "JSON" => object("JSON", None, json_member),
        "console" => object("console", None, console_member),
        "parseInt" => native_fn("parseInt", |a| {
            Ok(Value::Num(parse_int(&text(&a, 0), a.get(1))))
        }),
        "parseFloat" => native_fn("parseFloat", |a| Ok(Value::Num(parse_float(&text(&a, 0))))),
        "isNaN" => native_fn("isNaN", |a| Ok(Value::Bool(num(&a, 0).is_nan()))),
        "isFinite" => native_fn("isFinite", |a| Ok(Value::Bool(num(&a, 0).is_finite()))),
        _ => return None,
    })
}

fn math_member(name: &str) -> Option<Value> {
    fn unary(name: &'static str, f: fn(f64) -> f64) -> Value {
        native_fn_owned(name, move |a| Ok(Value::Num(f(num(&a, 0)))))
    }
    Some(match name {
        "PI" => Value::Num(std::f64::consts::PI),
        "E" => Value::Num(std::f64::consts::E),
        "LN2" => Value::Num(std::f64::consts::LN_2),
        "LN10" => Value::Num(std::f64::consts::LN_10),
        "LOG2E" => Value::Num(std::f64::consts::LOG2_E),
        "LOG10E" => Value::Num(std::f64::consts::LOG10_E),
        "SQRT2" => Value::Num(std::f64::consts::SQRT_2),
        "SQRT1_2" => Value::Num(std::f64::consts::FRAC_1_SQRT_2),
        "abs" => unary("abs", f64::abs),
        "floor" => unary("floor", f64::floor),
        "ceil" => unary("ceil", f64::ceil),
        "round" => unary("round", js_round),
        "trunc" => unary("trunc", f64::trunc),
        "sign" => unary("sign", |x| {
            if x == 0.0 || x.is_nan() {
                x
            } else {
                x.signum()
            }
        }),
        "sqrt" => unary("sqrt", f64::sqrt),
        "cbrt" => unary("cbrt", f64::cbrt),
        "exp" => unary("exp", crate::jsmath::exp),
        "expm1" => unary("expm1", f64::exp_m1),
        "log" => unary("log", crate::jsmath::ln),
        "log2" => unary("log2", crate::jsmath::log2),
        "log10" => unary("log10", crate::jsmath::log10),
        "log1p" => unary("log1p", f64::ln_1p),
        "sin" => unary("sin", crate::jsmath::sin),
        "cos" => unary("cos", crate::jsmath::cos),
        "tan" => unary("tan", f64::tan),
        "asin" => unary("asin", f64::asin),
        "acos" => unary("acos", f64::acos),
        "atan" => unary("atan", f64::atan),
        "sinh" => unary("sinh", f64::sinh),
        "cosh" => unary("cosh", f64::cosh),
        "tanh" => unary("tanh", f64::tanh),
        "fround" => unary("fround", |x| x as f32 as f64),
        "atan2" => native_fn("atan2", |a| Ok(Value::Num(num(&a, 0).atan2(num(&a, 1))))),
        "pow" => native_fn("pow", |a| {
            Ok(Value::Num(crate::jsmath::pow(num(&a, 0), num(&a, 1))))
        }),
        "hypot" => native_fn("hypot", |a| {
            Ok(Value::Num(
                a.iter().map(|v| v.to_number().powi(2)).sum::<f64>().sqrt(),
            ))
        }),
        "min" => native_fn("min", |a| {
            Ok(Value::Num(a.iter().map(Value::to_number).fold(
                f64::INFINITY,
                |m, x| {
                    if x.is_nan() || m.is_nan() {
                        f64::NAN
                    } else {
                        m.min(x)
                    }
                },
            )))
        }),
        "max" => native_fn("max", |a| {
            Ok(Value::Num(a.iter().map(Value::to_number).fold(
                f64::NEG_INFINITY,
                |m, x| {
                    if x.is_nan() || m.is_nan() {
                        f64::NAN
                    } else {
                        m.max(x)
                    }
                },
            )))
        }),
        "random" => native_fn("random", |_| Ok(Value::Num(random_unit()))),
        _ => return None,
    })
}

/// A random number in [0, 1) for `Math.random()` (not a pattern's
/// deterministic randomness: like JavaScript's, it differs on every run).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn number_member(name: &str) -> Option<Value> {
    Some(match name {
        "isInteger" => native_fn("isInteger", |a| {
            Ok(Value::Bool(
                matches!(a.first(), Some(Value::Num(x)) if x.is_finite() && x.fract() == 0.0),
            ))
        }),
        "isFinite" => native_fn("isFinite", |a| {
            Ok(Value::Bool(
                matches!(a.first(), Some(Value::Num(x)) if x.is_finite()),
            ))
        }),
        "isNaN" => native_fn("isNaN", |a| {
            Ok(Value::Bool(
                matches!(a.first(), Some(Value::Num(x)) if x.is_nan()),
            ))
        }),
        "parseFloat" => native_fn("parseFloat", |a| Ok(Value::Num(parse_float(&text(&a, 0))))),
        "parseInt" => native_fn("parseInt", |a| {
            Ok(Value::Num(parse_int(&text(&a, 0), a.get(1))))
        }),
        "MAX_SAFE_INTEGER" => Value::Num(9007199254740991.0),
        "MIN_SAFE_INTEGER" => Value::Num(-9007199254740991.0),
        "EPSILON" => Value::Num(f64::EPSILON),
        "POSITIVE_INFINITY" => Value::Num(f64::INFINITY),
        "NEGATIVE_INFINITY" => Value::Num(f64::NEG_INFINITY),
        "NaN" => Value::Num(f64::NAN),
        _ => return None,
    })
}

/// `parseFloat`: the longest leading number.
fn parse_float(s: &str) -> f64 {
    let t = s.trim_start();
    let mut best = f64::NAN;
    for (i, _) in t.char_indices().chain(std::iter::once((t.len(), ' '))) {
        if i == 0 {
            continue;
        }
        let head = &t[..i];
        if head.starts_with("0x") || head.starts_with("0X") {
            break;
        }
        if let Ok(x) = head.parse::<f64>() {
            if !head.ends_with(['e', 'E', '+', '-']) {
                best = x;
            }
        }
    }
    if t.starts_with("Infinity") || t.starts_with("+Infinity") {
        return f64::INFINITY;
    }
    if t.starts_with("-Infinity") {
        return f64::NEG_INFINITY;
    }
    best
}

/// `parseInt(s, radix)`.
fn parse_int(s: &str, radix: Option<&Value>) -> f64 {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let given = radix
        .map(|r| r.to_number())
        .filter(|r| *r != 0.0 && !r.is_nan());
    let mut radix = given.unwrap_or(10.0) as u32;
    let mut t = t;
    if matches!(given, None | Some(16.0)) && (t.starts_with("0x") || t.starts_with("0X")) {
        radix = 16;
        t = &t[2..];
    }
    if !(2..=36).contains(&radix) {
        return f64::NAN;
    }
    let digits: String = t.chars().take_while(|c| c.is_digit(radix)).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    let v = digits.chars().fold(0.0, |acc, c| {
        acc * radix as f64 + c.to_digit(radix).unwrap() as f64
    });
    if neg {
        -v
    } else {
        v
    }
}

fn array_new(args: Vec<Value>) -> R<Value> {
    match args.as_slice() {
        [Value::Num(n)] => {
            if n.fract() != 0.0 || *n < 0.0 {
                return Err(RtError::new("Array(n): invalid array length").with_code("E0202"));
            }
            if *n as usize > MAX_LIST {
                return Err(too_large("Array"));
            }
            Ok(Value::list(vec![Value::Undefined; *n as usize]))
        }
        _ => Ok(Value::list(args)),
    }
}

fn array_member(name: &str) -> Option<Value> {
    Some(match name {
        "isArray" => native_fn("isArray", |a| {
            Ok(Value::Bool(matches!(a.first(), Some(Value::List(_)))))
        }),
        "of" => native_fn("of", |a| Ok(Value::list(a))),
        "from" => native_fn("from", |a| {
            let items: Vec<Value> = match a.first() {
                Some(Value::List(l)) => l.to_vec(),
                Some(Value::Str(s)) => s.chars().map(|c| Value::str(&c.to_string())).collect(),
                Some(Value::Map(m)) => {
                    let n = m.get("length").map(Value::to_number).unwrap_or(0.0);
                    if n.is_nan() || n < 0.0 {
                        Vec::new()
                    } else if n as usize > MAX_LIST {
                        return Err(too_large("Array.from"));
                    } else {
                        (0..n as usize)
                            .map(|i| m.get(&i.to_string()).cloned().unwrap_or(Value::Undefined))
                            .collect()
                    }
                }
                _ => Vec::new(),
            };
            match a.get(1) {
                Some(f @ Value::Func(_)) => map_items(&items, f),
                _ => Ok(Value::list(items)),
            }
        }),
        _ => return None,
    })
}

fn object_member(name: &str) -> Option<Value> {
    fn entries_of(v: Option<&Value>) -> Vec<(String, Value)> {
        v.and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
            .unwrap_or_default()
    }
    Some(match name {
        "keys" => native_fn("keys", |a| {
            Ok(Value::list(
                entries_of(a.first())
                    .into_iter()
                    .map(|(k, _)| Value::str(&k))
                    .collect(),
            ))
        }),
        "values" => native_fn("values", |a| {
            Ok(Value::list(
                entries_of(a.first()).into_iter().map(|(_, v)| v).collect(),
            ))
        }),
        "entries" => native_fn("entries", |a| {
            Ok(Value::list(
                entries_of(a.first())
                    .into_iter()
                    .map(|(k, v)| Value::list(vec![Value::str(&k), v]))
                    .collect(),
            ))
        }),
        "fromEntries" => native_fn("fromEntries", |a| {
            let mut m = ValueMap::new();
            if let Some(Value::List(items)) = a.first() {
                for item in items.iter() {
                    if let Value::List(pair) = item {
                        if let Some(k) = pair.first() {
                            m.set(k.to_js_string(), pair.get(1).cloned().unwrap_or_default());
                        }
                    }
                }
            }
            Ok(Value::Map(Arc::new(m)))
        }),
        "assign" => native_fn("assign", |a| {
            let mut m = ValueMap::new();
            for v in &a {
                for (k, x) in entries_of(Some(v)) {
                    m.set(k, x);
                }
            }
            Ok(Value::Map(Arc::new(m)))
        }),
        _ => return None,
    })
}

fn json_member(name: &str) -> Option<Value> {
    Some(match name {
        "stringify" => native_fn("stringify", |a| {
            Ok(a.first()
                .and_then(Value::to_json)
                .map(|s| Value::str(&s))
                .unwrap_or_default())
        }),
        "parse" => native_fn("parse", |a| {
            let t = text(&a, 0);
            let j: serde_json::Value = serde_json::from_str(&t)
                .map_err(|e| RtError::new(format!("JSON.parse: {e}")).with_code("E0202"))?;
            Ok(from_json(&j))
        }),
        _ => return None,
    })
}

/// A JSON document as a value.
pub fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            let mut m = ValueMap::new();
            for (k, v) in o {
                m.set(k.as_str(), from_json(v));
            }
            Value::Map(Arc::new(m))
        }
    }
}

fn console_member(name: &str) -> Option<Value> {
    match name {
        "log" | "info" | "warn" | "error" | "debug" => Some(native_fn("log", |a| {
            let line = a.iter().map(Value::show).collect::<Vec<_>>().join(" ");
            crate::pattern::report_query_warning(format!("console: {line}"));
            Ok(Value::Undefined)
        })),
        _ => None,
    }
}

/// A property of a list, string or function object (`length`, …).
pub fn property(v: &Value, name: &str) -> Option<Value> {
    match (v, name) {
        (Value::List(l), "length") => Some(Value::Num(l.len() as f64)),
        (Value::Str(s), "length") => Some(Value::Num(s.encode_utf16().count() as f64)),
        (Value::List(l), _) => name
            .parse::<usize>()
            .ok()
            .map(|i| l.get(i).cloned().unwrap_or_default()),
        _ => None,
    }
}

fn call(f: &Value, args: Vec<Value>) -> R<Value> {
    crate::eval::call_value(f, args)
}

fn map_items(items: &[Value], f: &Value) -> R<Value> {
    let list = Value::list(items.to_vec());
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        out.push(call(
            f,
            vec![x.clone(), Value::Num(i as f64), list.clone()],
        )?);
    }
    Ok(Value::list(out))
}

/// A relative index (`slice(-2)`) clamped into `0..=len`.
fn rel_index(v: Option<&Value>, len: usize, default: usize) -> usize {
    match v {
        None | Some(Value::Undefined) => default,
        Some(v) => {
            let x = v.to_number();
            let x = if x.is_nan() { 0.0 } else { x.trunc() };
            if x < 0.0 {
                (len as f64 + x).max(0.0) as usize
            } else {
                (x as usize).min(len)
            }
        }
    }
}

fn same_value_zero(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

/// JavaScript's default sort order: by `String(x)`, undefined last.
fn default_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    a.to_js_string()
        .encode_utf16()
        .cmp(b.to_js_string().encode_utf16())
}

/// Calls a JavaScript method of a list or string; `None` when `name` is
/// not one (the pattern methods then apply).
pub fn call_method(recv: &Value, name: &str, args: &[Value]) -> Option<R<Value>> {
    match recv {
        Value::List(items) => list_method(items, name, args),
        Value::Str(s) => string_method(s, name, args),
        Value::Num(x) => number_method(*x, name, args),
        Value::Map(m) if name == "hasOwnProperty" => {
            Some(Ok(Value::Bool(m.contains(&text(args, 0)))))
        }
        _ => None,
    }
}

fn number_method(x: f64, name: &str, args: &[Value]) -> Option<R<Value>> {
    Some(Ok(match name {
        "toFixed" => {
            let d = num(args, 0);
            let d = if d.is_nan() {
                0
            } else {
                d.clamp(0.0, 100.0) as usize
            };
            Value::str(&format!("{x:.d$}"))
        }
        "toString" => Value::str(&js_number_string(x)),
        _ => return None,
    }))
}

fn list_method(items: &Arc<Vec<Value>>, name: &str, args: &[Value]) -> Option<R<Value>> {
    let f = args.first().cloned().unwrap_or_default();
    let list = Value::List(items.clone());
    let each = |f: &Value, i: usize, x: &Value| {
        call(f, vec![x.clone(), Value::Num(i as f64), list.clone()])
    };
    let result = (|| -> R<Value> {
        Ok(match name {
            "map" => map_items(items, &f)?,
            "forEach" => {
                for (i, x) in items.iter().enumerate() {
                    each(&f, i, x)?;
                }
                Value::Undefined
            }
            "filter" => {
                let mut out = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    if each(&f, i, x)?.truthy() {
                        out.push(x.clone());
                    }
                }
                Value::list(out)
            }
            "find" | "findIndex" => {
                for (i, x) in items.iter().enumerate() {
                    if each(&f, i, x)?.truthy() {
                        return Ok(if name == "find" {
                            x.clone()
                        } else {
                            Value::Num(i as f64)
                        });
                    }
                }
                if name == "find" {
                    Value::Undefined
                } else {
                    Value::Num(-1.0)
                }
            }
            "some" | "every" => {
                let want = name == "some";
                for (i, x) in items.iter().enumerate() {
                    if each(&f, i, x)?.truthy() == want {
                        return Ok(Value::Bool(want));
                    }
                }
                Value::Bool(!want)
            }
            "reduce" | "reduceRight" => {
                let order: Vec<usize> = if name == "reduce" {
                    (0..items.len()).collect()
                } else {
                    (0..items.len()).rev().collect()
                };
                let mut it = order.into_iter();
                let mut acc = match args.get(1) {
                    Some(init) => init.clone(),
                    None => match it.next() {
                        Some(i) => items[i].clone(),
                        None => {
                            return Err(RtError::new(
                                "reduce of an empty list with no initial value",
                            )
                            .with_code("E0202"))
                        }
                    },
                };
                for i in it {
                    acc = call(
                        &f,
                        vec![acc, items[i].clone(), Value::Num(i as f64), list.clone()],
                    )?;
                }
                acc
            }
            "join" => {
                let sep = match args.first() {
                    None | Some(Value::Undefined) => ",".to_string(),
                    Some(v) => v.to_js_string(),
                };
                Value::str(
                    &items
                        .iter()
                        .map(|v| match v {
                            Value::Undefined | Value::Null => String::new(),
                            v => v.to_js_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(&sep),
                )
            }
            "slice" => {
                let a = rel_index(args.first(), items.len(), 0);
                let b = rel_index(args.get(1), items.len(), items.len());
                Value::list(if a < b {
                    items[a..b].to_vec()
                } else {
                    Vec::new()
                })
            }
            "concat" => {
                let mut out = items.to_vec();
                for a in args {
                    match a {
                        Value::List(l) => out.extend(l.iter().cloned()),
                        other => out.push(other.clone()),
                    }
                    if out.len() > MAX_LIST {
                        return Err(too_large("concat"));
                    }
                }
                Value::list(out)
            }
            "indexOf" => Value::Num(
                items
                    .iter()
                    .position(|x| x == &f && !matches!(x, Value::Num(n) if n.is_nan()))
                    .map(|i| i as f64)
                    .unwrap_or(-1.0),
            ),
            "includes" => Value::Bool(items.iter().any(|x| same_value_zero(x, &f))),
            "reverse" | "toReversed" => Value::list(items.iter().rev().cloned().collect()),
            "at" => {
                let i = num(args, 0).trunc();
                let i = if i < 0.0 { items.len() as f64 + i } else { i };
                if i >= 0.0 {
                    items.get(i as usize).cloned().unwrap_or_default()
                } else {
                    Value::Undefined
                }
            }
            "flat" => {
                let mut out = Vec::new();
                for x in items.iter() {
                    match x {
                        Value::List(l) => out.extend(l.iter().cloned()),
                        other => out.push(other.clone()),
                    }
                }
                Value::list(out)
            }
            "flatMap" => {
                let mut out = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    match each(&f, i, x)? {
                        Value::List(l) => out.extend(l.iter().cloned()),
                        other => out.push(other),
                    }
                }
                Value::list(out)
            }
            "fill" => Value::list(vec![f.clone(); items.len()]),
            "sort" | "toSorted" => {
                let mut out = items.to_vec();
                let mut error = None;
                match &f {
                    Value::Func(_) => {
                        out.sort_by(|a, b| match call(&f, vec![a.clone(), b.clone()]) {
                            Ok(v) => {
                                let x = v.to_number();
                                x.partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal)
                            }
                            Err(e) => {
                                error.get_or_insert(e);
                                std::cmp::Ordering::Equal
                            }
                        })
                    }
                    _ => out.sort_by(default_order),
                }
                if let Some(e) = error {
                    return Err(e);
                }
                Value::list(out)
            }
            "keys" => Value::list((0..items.len()).map(|i| Value::Num(i as f64)).collect()),
            "entries" => Value::list(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| Value::list(vec![Value::Num(i as f64), x.clone()]))
                    .collect(),
            ),
            "toString" => Value::str(&list.to_js_string()),
            _ => return Err(RtError::new("not a list method")),
        })
    })();
    match result {
        Err(e) if e.message == "not a list method" => None,
        other => Some(other),
    }
}

fn string_method(s: &str, name: &str, args: &[Value]) -> Option<R<Value>> {
    let utf16: Vec<u16> = s.encode_utf16().collect();
    let from16 = |v: &[u16]| Value::str(&String::from_utf16_lossy(v));
    Some(Ok(match name {
        "split" => {
            let parts: Vec<Value> = match args.first() {
                None | Some(Value::Undefined) => vec![Value::str(s)],
                Some(sep) => {
                    let sep = sep.to_js_string();
                    if sep.is_empty() {
                        s.chars().map(|c| Value::str(&c.to_string())).collect()
                    } else {
                        s.split(sep.as_str()).map(Value::str).collect()
                    }
                }
            };
            Value::list(parts)
        }
        "toUpperCase" => Value::str(&s.to_uppercase()),
        "toLowerCase" => Value::str(&s.to_lowercase()),
        "trim" => Value::str(s.trim()),
        "trimStart" => Value::str(s.trim_start()),
        "trimEnd" => Value::str(s.trim_end()),
        "slice" | "substring" => {
            let mut a = rel_index(args.first(), utf16.len(), 0);
            let mut b = rel_index(args.get(1), utf16.len(), utf16.len());
            if name == "substring" {
                let clamp = |v: Option<&Value>, d: usize| match v {
                    None | Some(Value::Undefined) => d,
                    Some(v) => v.to_number().max(0.0).min(utf16.len() as f64) as usize,
                };
                a = clamp(args.first(), 0);
                b = clamp(args.get(1), utf16.len());
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
            }
            if a < b {
                from16(&utf16[a..b])
            } else {
                Value::str("")
            }
        }
        "includes" => Value::Bool(s.contains(&text(args, 0))),
        "startsWith" => Value::Bool(s.starts_with(&text(args, 0))),
        "endsWith" => Value::Bool(s.ends_with(&text(args, 0))),
        "indexOf" => Value::Num(
            s.find(&text(args, 0))
                .map(|i| s[..i].encode_utf16().count() as f64)
                .unwrap_or(-1.0),
        ),
        "charAt" | "at" => {
            let i = num(args, 0);
            let i = if i.is_nan() { 0.0 } else { i.trunc() };
            let i = if name == "at" && i < 0.0 {
                utf16.len() as f64 + i
            } else {
                i
            };
            if i >= 0.0 && (i as usize) < utf16.len() {
                from16(&utf16[i as usize..i as usize + 1])
            } else if name == "at" {
                Value::Undefined
            } else {
                Value::str("")
            }
        }
        "replace" | "replaceAll" => {
            let from = text(args, 0);
            let to = text(args, 1);
            Value::str(&if name == "replace" {
                s.replacen(&from, &to, 1)
            } else {
                s.replace(&from, &to)
            })
        }
        "repeat" => {
            let n = num(args, 0);
            if n.is_nan() || n < 0.0 || n.is_infinite() {
                return Some(Err(RtError::new("repeat: invalid count").with_code("E0202")));
            }
            if (n as usize).saturating_mul(s.len()) > MAX_LIST * 8 {
                return Some(Err(too_large("repeat")));
            }
            Value::str(&s.repeat(n as usize))
        }
        "padStart" | "padEnd" => {
            let width = num(args, 0).max(0.0).min(MAX_LIST as f64) as usize;
            let fill = match args.get(1) {
                None | Some(Value::Undefined) => " ".to_string(),
                Some(v) => v.to_js_string(),
            };
            let len = utf16.len();
            if width <= len || fill.is_empty() {
                Value::str(s)
            } else {
                let pad: String = fill.chars().cycle().take(width - len).collect();
                Value::str(&if name == "padStart" {
                    format!("{pad}{s}")
                } else {
                    format!("{s}{pad}")
                })
            }
        }
        "concat" => Value::str(&format!(
            "{s}{}",
            args.iter().map(Value::to_js_string).collect::<String>()
        )),
        "toString" | "valueOf" => Value::str(s),
        _ => return None,
    }))
}
