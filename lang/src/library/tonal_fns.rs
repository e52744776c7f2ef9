//! Harmony on patterns: `scale`, `scaleTranspose`, `transpose`, `voicing`
//! and `rootNotes`. The music theory itself lives in [`crate::tonal`].

use super::registry::{AddFn, Kind};
use super::{Join, Pat, R};
use crate::hap::Hap;
use crate::pattern::{report_query_error, report_query_warning, silence, stack};
use crate::tonal::{self, NoteValue, ScaleError, VoicingControls};
use crate::value::{Value, ValueMap};
use std::sync::Arc;

fn to_note_value(v: &Value) -> NoteValue {
    match v {
        Value::Num(x) => NoteValue::Num(*x),
        Value::Str(s) => NoteValue::Str(s.to_string()),
        Value::Bool(b) => NoteValue::Num(*b as i32 as f64),
        other => NoteValue::Str(other.to_js_string()),
    }
}

fn from_note_value(v: NoteValue) -> Value {
    match v {
        NoteValue::Num(x) => Value::Num(x),
        NoteValue::Str(s) => Value::str(&s),
    }
}

/// A scale name as written: `"C:major"` arrives as the list `[C, major]`.
fn scale_name(v: &Value) -> String {
    fn flat(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::List(l) => l.iter().for_each(|x| flat(x, out)),
            other => out.push(other.to_js_string()),
        }
    }
    let mut parts = Vec::new();
    flat(v, &mut parts);
    parts.join(" ")
}

fn defined(v: Option<&Value>) -> Option<&Value> {
    v.filter(|x| !matches!(x, Value::Undefined | Value::Null))
}

fn scale(args: &[Value], pat: &Pat) -> R<Pat> {
    let name: Arc<str> = scale_name(&args[0]).into();
    let raw_colon = matches!(&args[0], Value::Str(s) if s.contains(':'));
    Ok(pat.with_haps(move |haps: Vec<Hap<Value>>, _| {
        let mut out = Vec::with_capacity(haps.len());
        for mut h in haps {
            if let Value::List(_) = h.value {
                // A list has no `n`, `note` or `value`: it passes unchanged.
                report_query_warning(
                    "[tonal] Invalid value format for 'scale'. Value must contain n, note, or value",
                );
                out.push(h);
                continue;
            }
            let is_map = h.value.is_map();
            let map = match &h.value {
                Value::Map(m) => (**m).clone(),
                other => {
                    let mut m = ValueMap::new();
                    m.set("n", other.clone());
                    m
                }
            };
            let step = defined(map.get("note"))
                .or(defined(map.get("n")))
                .or(defined(map.get("value")))
                .cloned();
            let Some(step) = step else {
                report_query_warning(format!(
                    "[tonal] Invalid value format for 'scale'. Value must contain n, note, or value but received keys [{}]",
                    map.keys().collect::<Vec<_>>().join(", ")
                ));
                out.push(h);
                continue;
            };
            let step = to_note_value(&step);
            let quantises = matches!(&step, NoteValue::Str(s) if tonal::is_note(s));
            let anchor = defined(map.get("anchor")).map(to_note_value);
            // A note name is quantised to the scale before the anchor is
            // looked at, so only scale degrees reach the anchored lookup.
            if !quantises && anchor.as_ref().is_some_and(|a| a.is_truthy()) && raw_colon {
                // The reference's anchored lookup does not read `:` in a
                // plain string ('C:major'); only the mini-notation form works.
                report_query_warning("[tonal] error: not a note: \"\"");
                continue;
            }
            match tonal::scale_value(&step, &name, anchor.as_ref()) {
                Ok(note) => {
                    let note = from_note_value(note);
                    h.value = if is_map {
                        let mut rest = map.clone();
                        rest.remove("note");
                        rest.remove("n");
                        rest.remove("value");
                        rest.set("note", note);
                        Value::Map(Arc::new(rest))
                    } else {
                        note
                    };
                    h.context.scale = Some(name.clone());
                    out.push(h);
                }
                Err(ScaleError::Dropped(m)) => report_query_warning(format!("[tonal] {m}")),
                Err(ScaleError::Thrown(m)) => report_query_error(m),
            }
        }
        out
    }))
}

fn scale_transpose(args: &[Value], pat: &Pat) -> R<Pat> {
    let offset = args[0].to_number();
    let offset_value = to_note_value(&args[0]);
    Ok(pat.with_hap(move |h: &mut Hap<Value>| {
        let Some(scale) = h.context.scale.clone() else {
            report_query_error("can only use scaleTranspose after .scale");
            return;
        };
        let result = match &h.value {
            Value::Map(m) => {
                let note = m
                    .get("note")
                    .map(to_note_value)
                    .unwrap_or(NoteValue::Num(f64::NAN));
                tonal::scale_offset(&scale, offset, &note).map(|n| {
                    let mut m = (**m).clone();
                    m.set("note", Value::str(&n));
                    Value::Map(Arc::new(m))
                })
            }
            other => tonal::scale_transpose_value(&to_note_value(other), &offset_value, &scale)
                .map(|n| Value::str(&n)),
        };
        match result {
            Ok(v) => h.value = v,
            Err(e) => report_query_error(e),
        }
    }))
}

fn transpose(args: &[Value], pat: &Pat) -> R<Pat> {
    let amount = to_note_value(&args[0]);
    Ok(pat.map_values(move |v| {
        let (note, map) = match v {
            Value::Map(m) => match defined(m.get("note")) {
                Some(n) => (n.clone(), Some(m.clone())),
                None => (v.clone(), None),
            },
            other => (other.clone(), None),
        };
        let nv = match &note {
            Value::Num(x) => NoteValue::Num(*x),
            Value::Str(s) => NoteValue::Str(s.to_string()),
            _ => {
                report_query_warning(format!(
                    "[tonal] transpose: not a note \"{}\"",
                    note.to_js_string()
                ));
                return v.clone();
            }
        };
        match tonal::transpose_value(&nv, &amount) {
            Ok(t) => {
                let t = from_note_value(t);
                match map {
                    Some(m) => {
                        let mut m = (*m).clone();
                        m.set("note", t);
                        Value::Map(Arc::new(m))
                    }
                    None => t,
                }
            }
            Err(w) => {
                report_query_warning(w);
                v.clone()
            }
        }
    }))
}

fn voicing_of(value: &Value, registry: &tonal::registry::VoicingRegistry) -> Pat {
    let map = match value {
        Value::Map(m) => (**m).clone(),
        other => {
            let mut m = ValueMap::new();
            m.set("chord", other.clone());
            m
        }
    };
    let mut rest = map.clone();
    for k in [
        "dictionary",
        "chord",
        "anchor",
        "offset",
        "mode",
        "n",
        "octaves",
    ] {
        rest.remove(k);
    }
    let num = |k: &str| defined(map.get(k)).map(|v| v.to_number());
    let controls = VoicingControls {
        chord: defined(map.get("chord"))
            .map(|v| v.to_js_string())
            .unwrap_or_default(),
        dictionary: defined(map.get("dictionary")).map(|v| v.to_js_string()),
        anchor: defined(map.get("anchor")).map(to_note_value),
        mode: defined(map.get("mode")).map(|v| v.to_js_string()),
        offset: num("offset"),
        n: num("n"),
        octaves: num("octaves"),
    };
    // A dictionary given as a map is used as it is.
    let found = match defined(map.get("dictionary")).and_then(super::voicing_fns::dict_from_value) {
        Some(dict) => tonal::render_dict(Some(&dict), &controls),
        None => tonal::voicing_with(registry, &controls),
    };
    match found {
        Ok(notes) => {
            let pats = notes
                .into_iter()
                .map(|n| {
                    let mut m = ValueMap::new();
                    m.set("note", from_note_value(n));
                    for (k, v) in rest.iter() {
                        m.set(k, v.clone());
                    }
                    crate::pattern::pure(Value::Map(Arc::new(m)))
                })
                .collect();
            stack(pats)
        }
        Err(e) => {
            report_query_warning(e);
            silence()
        }
    }
}

fn voicing(_: &[Value], pat: &Pat) -> R<Pat> {
    let registry = tonal::registry::handle();
    Ok(super::join_pats(
        &pat.fmap(move |v| voicing_of(v, &tonal::registry::read(&registry))),
        Join::Outer,
    ))
}

fn root_notes(args: &[Value], pat: &Pat) -> R<Pat> {
    let octave = to_note_value(&args[0]);
    Ok(pat.map_values(move |v| {
        if let Value::List(_) = v {
            report_query_error(
                "rootNotes: expected chord names such as \"<C Am F G>\", found a list",
            );
            return Value::Undefined;
        }
        let (chord, is_map) = match v {
            Value::Map(m) => match defined(m.get("chord")) {
                Some(Value::Str(c)) => (c.to_string(), true),
                Some(c) if c.truthy() => {
                    // Only a chord name can be matched; a list (`chord("a:2")`)
                    // or a number is an error in the reference too.
                    report_query_error(format!(
                        "rootNotes: expected a chord name, found {}",
                        c.to_js_string()
                    ));
                    return Value::Undefined;
                }
                _ => (v.to_js_string(), false),
            },
            other => (other.to_js_string(), false),
        };
        match tonal::root_note(&chord, &octave) {
            Some(note) if is_map => Value::map([("note", Value::str(&note))]),
            Some(note) => Value::str(&note),
            None => {
                report_query_error(format!("rootNotes: \"{chord}\" does not start with a note"));
                Value::Undefined
            }
        }
    }))
}

pub fn register(add: &mut AddFn) {
    let tp = |arity, f| Kind::Transform {
        arity,
        f,
        join: Join::Inner,
        preserve_steps: true,
    };
    let t = |arity, f| Kind::Transform {
        arity,
        f,
        join: Join::Inner,
        preserve_steps: false,
    };
    for (name, kind) in [
        ("scale", tp(1, scale as super::registry::TransformFn)),
        ("scaleTranspose", t(1, scale_transpose)),
        ("scaleTrans", t(1, scale_transpose)),
        ("strans", t(1, scale_transpose)),
        ("transpose", t(1, transpose)),
        ("trans", t(1, transpose)),
        ("voicing", t(0, voicing)),
        ("rootNotes", t(1, root_notes)),
    ] {
        add(name, kind, true, true);
    }
}
