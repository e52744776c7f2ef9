//! Making controls from a program: `createParam`, `createParams`,
//! `registerControl`, `registerMultiControl`, and asking about them:
//! `isControlName`, `getControlName`. Also the small helpers that set
//! several controls from one list (`control`, `sysex`, `as`).
//!
//! A control made here is a function value (`createParams('a').a(3)` is a
//! pattern of `{a: 3}`) and also a method on patterns (`s("x").a(3)`),
//! like the controls of the library. `registerControl` also makes its
//! names known to `isControlName` and `getControlName`.

use super::controls::{control_pattern, control_values, CONTROLS};
use super::ops::{self, How, Op};
use super::registry::{native_fn_owned, AddFn, Kind};
use super::{reify, Pat, R};
use crate::docs::FnDoc;
use crate::pattern::pure;
use crate::value::{RtError, Value, ValueMap};
use std::sync::{Arc, Mutex};

/// A control made by a program: `(name, key written, keys of a list)`.
type UserControl = (&'static str, &'static str, &'static [&'static str]);

/// Controls made by programs, for the life of the process (as the
/// reference adds them to every pattern).
static USER_CONTROLS: Mutex<Vec<UserControl>> = Mutex::new(Vec::new());

/// Names `registerControl` made known (its names and aliases, with their
/// main name).
static REGISTERED: Mutex<Vec<(&'static str, &'static str)>> = Mutex::new(Vec::new());

/// Names weft has as controls that the reference does not register as
/// control names (`isControlName` answers as the reference does).
const WEFT_ONLY: &[&str] = &[
    "autopan",
    "autopandepth",
    "chorusdepth",
    "chorusrate",
    "colour",
    "eqfreq",
    "eqgain",
    "eqhigh",
    "eqlow",
    "eqmid",
    "eqq",
    "flanger",
    "flangerdepth",
    "flangerfeedback",
    "limiter",
    "notch",
    "notchq",
    "roomdamp",
];

/// Bounds the names a program can make, so a loop cannot exhaust memory.
const MAX_USER_CONTROLS: usize = 4096;

/// Interns a name (each distinct name is kept once, and only so many).
fn intern(name: &str) -> R<&'static str> {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.iter().find(|n| **n == name) {
        return Ok(n);
    }
    if names.len() >= MAX_USER_CONTROLS || name.len() > 256 {
        return Err(too_many());
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(n);
    Ok(n)
}

fn too_many() -> RtError {
    RtError::new(format!(
        "too many control names made by the program (at most {MAX_USER_CONTROLS}, each at most 256 characters)"
    ))
    .with_code("E0302")
}

/// Interns a list of names (each distinct list is kept once).
fn intern_list(names: &[String]) -> R<&'static [&'static str]> {
    static LISTS: Mutex<Vec<&'static [&'static str]>> = Mutex::new(Vec::new());
    if names.len() < 2 {
        return Ok(&[]);
    }
    let v: Vec<&'static str> = names.iter().map(|n| intern(n)).collect::<R<_>>()?;
    let mut lists = LISTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(l) = lists.iter().find(|l| **l == v.as_slice()) {
        return Ok(l);
    }
    if lists.len() >= MAX_USER_CONTROLS {
        return Err(too_many());
    }
    let l: &'static [&'static str] = Box::leak(v.into_boxed_slice());
    lists.push(l);
    Ok(l)
}

/// The keys written by a control made by a program, if `name` is one.
pub fn user_control(name: &str) -> Option<(&'static str, &'static [&'static str])> {
    let list = USER_CONTROLS.lock().unwrap_or_else(|e| e.into_inner());
    list.iter()
        .rev()
        .find(|(n, _, _)| *n == name)
        .map(|(_, k, m)| (*k, *m))
}

/// The list keys of a control made by a program, by its key.
pub fn user_multi(key: &str) -> &'static [&'static str] {
    let list = USER_CONTROLS.lock().unwrap_or_else(|e| e.into_inner());
    list.iter()
        .rev()
        .find(|(_, k, _)| *k == key)
        .map(|(_, _, m)| *m)
        .unwrap_or(&[])
}

fn add_user_control(name: &str, key: &str, multi: &'static [&'static str]) -> R<()> {
    let (name, key) = (intern(name)?, intern(key)?);
    let mut list = USER_CONTROLS.lock().unwrap_or_else(|e| e.into_inner());
    list.retain(|(n, _, _)| *n != name);
    list.push((name, key, multi));
    super::controls::register_param_control(name);
    Ok(())
}

/// The main name of a control given any of its names (`lpf` → `cutoff`);
/// other names are returned as they are.
pub fn main_control_name(name: &str) -> String {
    {
        let reg = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, main)) = reg.iter().rev().find(|(n, _)| *n == name) {
            return main.to_string();
        }
    }
    if WEFT_ONLY.contains(&name) {
        return name.to_string();
    }
    match CONTROLS.iter().find(|(n, _, _)| *n == name) {
        Some((_, key, _)) => key.to_string(),
        None => name.to_string(),
    }
}

/// Whether `name` is a control name or alias, as the reference knows them.
pub fn is_control_name(name: &str) -> bool {
    let reg = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    reg.iter().any(|(n, _)| *n == name)
        || (!WEFT_ONLY.contains(&name) && CONTROLS.iter().any(|(n, _, _)| *n == name))
}

/// The names of a control description: one name or a list (the first is
/// the key written; a list also fills them from an `a:b:…` value).
fn names_of(v: &Value, what: &str) -> R<Vec<String>> {
    let names: Vec<String> = match v {
        Value::List(items) => items.iter().map(Value::to_js_string).collect(),
        Value::Str(s) => vec![s.to_string()],
        Value::Num(_) => vec![v.to_js_string()],
        other => {
            return Err(RtError::new(format!(
                "{what} expects a control name or a list of names, found {}",
                other.type_name()
            )))
        }
    };
    if names.is_empty() || names.iter().any(|n| n.is_empty()) {
        return Err(RtError::new(format!("{what} expects a control name")));
    }
    Ok(names)
}

/// Sets a control on a pattern as `pat.name(value)` does: `undefined`
/// turns the pattern's own values into the control; text is mini-notation.
pub fn set_control(
    pat: &Pat,
    key: &'static str,
    multi: &'static [&'static str],
    value: &Value,
) -> R<Pat> {
    if matches!(value, Value::Undefined) {
        return Ok(control_values(pat, key, multi));
    }
    let values = match value {
        Value::Str(s) => {
            crate::mini::mini(s).map_err(|e| RtError::new(e.message).with_code("E0110"))?
        }
        other => reify(other),
    };
    ops::apply(Op::Set, How::In, pat, &control_pattern(&values, key, multi))
}

/// The function value of a control: `f(value)` makes a pattern of the
/// control, `f(value, pat)` sets it on `pat`.
fn control_function(key: &'static str, multi: &'static [&'static str]) -> Value {
    native_fn_owned(key, move |args| {
        let value = args.first().cloned().unwrap_or_default();
        match args.get(1) {
            None | Some(Value::Undefined) => {
                Ok(Value::Pat(control_pattern(&reify(&value), key, multi)))
            }
            Some(pat) => {
                let pat = reify(pat);
                if matches!(value, Value::Undefined) {
                    return Ok(Value::Pat(control_values(&pat, key, multi)));
                }
                let ctl = control_pattern(&reify(&value), key, multi);
                Ok(Value::Pat(ops::apply(Op::Set, How::In, &pat, &ctl)?))
            }
        }
    })
}

/// `createParam(names)`: a control function, also added as a method.
fn make_param(names: &[String]) -> R<Value> {
    let key = intern(&names[0])?;
    let multi = intern_list(names)?;
    add_user_control(key, key, multi)?;
    Ok(control_function(key, multi))
}

fn create_param(args: &[Value]) -> R<Value> {
    let names = names_of(args.first().unwrap_or(&Value::Undefined), "createParam")?;
    make_param(&names)
}

fn create_params(args: &[Value]) -> R<Value> {
    let mut bag = ValueMap::new();
    for a in args {
        let name = a.to_js_string();
        if name.is_empty() {
            return Err(RtError::new("createParams expects control names"));
        }
        let f = make_param(std::slice::from_ref(&name))?;
        bag.set(name.as_str(), f);
    }
    Ok(Value::Map(Arc::new(bag)))
}

/// `registerControl(names, ...aliases)`: a map from the name and each
/// alias to the control function.
fn register_control_impl(names: &[String], aliases: &[String]) -> R<ValueMap> {
    let key = intern(&names[0])?;
    let multi = intern_list(names)?;
    let f = make_param(names)?;
    let mut bag = ValueMap::new();
    bag.set(key, f.clone());
    {
        let aliases: Vec<&'static str> = aliases.iter().map(|a| intern(a)).collect::<R<_>>()?;
        let mut reg = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
        for n in std::iter::once(key).chain(aliases) {
            if !reg.contains(&(n, key)) {
                reg.push((n, key));
            }
        }
    }
    for a in aliases {
        add_user_control(a, key, multi)?;
        bag.set(a.as_str(), f.clone());
    }
    Ok(bag)
}

fn register_control(args: &[Value]) -> R<Value> {
    let names = names_of(args.first().unwrap_or(&Value::Undefined), "registerControl")?;
    let aliases: Vec<String> = args.iter().skip(1).map(Value::to_js_string).collect();
    Ok(Value::Map(Arc::new(register_control_impl(
        &names, &aliases,
    )?)))
}

/// `registerMultiControl(names, count, ...aliases)`: `name`, `name2`, …
/// `nameN` (and the aliases numbered alike; `name1` is `name`).
fn register_multi_control(args: &[Value]) -> R<Value> {
    let names = names_of(
        args.first().unwrap_or(&Value::Undefined),
        "registerMultiControl",
    )?;
    let count = super::to_count(
        args.get(1).unwrap_or(&Value::Undefined),
        "the number of controls",
    )?;
    if count > 64 {
        return Err(RtError::new(format!(
            "registerMultiControl: at most 64 controls, asked for {count}"
        ))
        .with_code("E0302"));
    }
    let aliases: Vec<String> = args.iter().skip(2).map(Value::to_js_string).collect();
    let mut bag = ValueMap::new();
    for i in 1..=count.max(0) {
        let (these_names, these_aliases): (Vec<String>, Vec<String>) = if i == 1 {
            let mut al = aliases.clone();
            al.extend(aliases.iter().map(|a| format!("{a}1")));
            al.extend(names.iter().map(|n| format!("{n}1")));
            (names.clone(), al)
        } else {
            (
                names.iter().map(|n| format!("{n}{i}")).collect(),
                aliases.iter().map(|a| format!("{a}{i}")).collect(),
            )
        };
        for (k, v) in register_control_impl(&these_names, &these_aliases)?.iter() {
            bag.set(k, v.clone());
        }
    }
    Ok(Value::Map(Arc::new(bag)))
}

fn is_control_name_fn(args: &[Value]) -> R<Value> {
    Ok(Value::Bool(match args.first() {
        Some(Value::Str(s)) => is_control_name(s),
        _ => false,
    }))
}

fn get_control_name_fn(args: &[Value]) -> R<Value> {
    Ok(match args.first() {
        Some(Value::Str(s)) => Value::str(&main_control_name(s)),
        Some(other) => other.clone(),
        None => Value::Undefined,
    })
}

/// A list argument of `control`/`sysex`, or an error naming what is expected.
fn pair<'a>(v: &'a Value, what: &str) -> R<(&'a Value, &'a Value)> {
    match v {
        Value::List(items) => Ok((
            items.first().unwrap_or(&Value::Undefined),
            items.get(1).unwrap_or(&Value::Undefined),
        )),
        _ => Err(RtError::new(format!(
            "{what} expects an array of {}",
            match what {
                "control" => "[ccn, ccv]",
                _ => "[id, data]",
            }
        ))),
    }
}

/// `control([ccn, ccv])`: a MIDI control change (sets `ccn` and `ccv`).
fn midi_control(args: &[Value], pat: &Pat) -> R<Pat> {
    let (n, v) = pair(&args[0], "control")?;
    let p = set_control(pat, "ccn", &[], n)?;
    set_control(&p, "ccv", &[], v)
}

/// `sysex([id, data])`: a MIDI system-exclusive message (sets `sysexid`
/// and `sysexdata`).
fn sysex(args: &[Value], pat: &Pat) -> R<Pat> {
    let (id, data) = pair(&args[0], "sysex")?;
    let p = set_control(pat, "sysexid", &[], id)?;
    set_control(&p, "sysexdata", &[], data)
}

pub fn register(add: &mut AddFn) {
    let g = |f| Kind::Values { f, method: false };
    add("createParam", g(create_param), true, false);
    add("createParams", g(create_params), true, false);
    add("registerControl", g(register_control), true, false);
    add(
        "registerMultiControl",
        g(register_multi_control),
        true,
        false,
    );
    add("isControlName", g(is_control_name_fn), true, false);
    add("getControlName", g(get_control_name_fn), true, false);
    let t = |f| Kind::Transform {
        arity: 1,
        f,
        join: super::Join::Inner,
        preserve_steps: false,
    };
    for (name, kind) in [("control", t(midi_control)), ("sysex", t(sysex))] {
        add(name, kind, true, true);
    }
}

/// An empty-map pattern, the receiver of the global forms.
pub fn empty_controls() -> Pat {
    pure(Value::Map(Arc::new(ValueMap::new())))
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["createParam"],
        category: "Making controls",
        summary: "Makes a new control: returns its function (`f(value)` is a pattern of the control, `f(value, pat)` sets it on `pat`) and adds it as a method of every pattern. A list of names makes a control whose `a:b` values fill several keys.",
        params: &[("names", "a name, or a list of names (the first is the control's key)")],
        example: "createParam('grit')(\"0 0.5\")",
    },
    FnDoc {
        names: &["createParams"],
        category: "Making controls",
        summary: "Makes several new controls at once and returns them in an object by name: `createParams('a', 'b').a(1)`.",
        params: &[("names", "the names, one per argument")],
        example: "createParams('grit', 'fizz').grit(\"0 0.5\").fizz(2)",
    },
    FnDoc {
        names: &["registerControl"],
        category: "Making controls",
        summary: "Makes a new control with aliases, known to `isControlName` and `getControlName`; returns an object of its functions by name and alias.",
        params: &[
            ("names", "a name or a list of names (the first is the key)"),
            ("aliases", "further arguments: other names for it"),
        ],
        example: "registerControl('grit', 'gr').gr(\"1 2\")",
    },
    FnDoc {
        names: &["registerMultiControl"],
        category: "Making controls",
        summary: "Makes a numbered family of controls (`name`, `name2`, … `nameN`; `name1` is `name`), like the reference's `fmi`…`fmi8`.",
        params: &[
            ("names", "a name or a list of names"),
            ("count", "how many (1–64)"),
            ("aliases", "further arguments: aliases, numbered alike"),
        ],
        example: "registerMultiControl('grain', 3).grain2(\"0.5 1\")",
    },
    FnDoc {
        names: &["isControlName"],
        category: "Making controls",
        summary: "Whether a name is a control name or alias (`lpf` is; `fast` is not).",
        params: &[("name", "the name, as text")],
        example: "s(\"bd\").gain(isControlName('lpf') ? 1 : 0.5)",
    },
    FnDoc {
        names: &["getControlName"],
        category: "Making controls",
        summary: "The main name of a control given one of its aliases (`lpf` → `cutoff`); other names come back as they are.",
        params: &[("alias", "the name, as text")],
        example: "s(\"bd\").as(getControlName('lpf'))",
    },
    FnDoc {
        names: &["control"],
        category: "MIDI",
        summary: "A MIDI control change: `control([ccn, ccv])` sets the controller number and value (`ccn`, `ccv`).",
        params: &[("[ccn, ccv]", "controller number and value (0–127), as a list or an `a:b` pattern")],
        example: "note(\"c4\").control(\"74:<20 100>\")",
    },
    FnDoc {
        names: &["sysex"],
        category: "MIDI",
        summary: "A MIDI system-exclusive message: sets `sysexid` and `sysexdata`.",
        params: &[("[id, data]", "the manufacturer id and the data bytes")],
        example: "note(\"c4\").sysex([\"0x77\", \"0x01:0x02\"])",
    },
];
