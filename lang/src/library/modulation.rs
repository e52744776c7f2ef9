//! Modulators attached to events: `lfo`, `env` and `bmod` (and the
//! `modulate` method behind them). Each adds an entry to the event's
//! `lfo`/`env`/`bmod` control: a map from modulator ids to their settings
//! (`control`, `rate`, `depth`, …) plus `__ids`, the ids in the order they
//! were added. The engine reads these entries and moves the named control
//! of the voice while it sounds.
//!
//! The value structure is the reference's, including how it is built: the
//! settings are written stage by stage (one stage per configuration key,
//! each a structure-from-the-left combination with that key's pattern), into
//! objects that are shared by every fragment coming from the same event —
//! so a setting patterned faster than the event leaves its last value on
//! all fragments — and by events that carry the very same value (the
//! global `lfo(config)` gives each cycle the same object, which collects
//! one modulator per cycle of the query). The modulated control defaults to
//! the control set last before the call, decided once, by the first event
//! the modulator sees.

use super::registry::{AddFn, Kind};
use super::{Pat, R};
use crate::docs::FnDoc;
use crate::hap::{Context, Hap};
use crate::pattern::{pure, report_query_error, report_query_warning, Pattern, State};
use crate::span::Span;
use crate::value::{RtError, Value, ValueMap};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The three kinds of modulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModKind {
    Lfo,
    Env,
    Bmod,
}

/// Configuration keys of each kind: the main name, then its aliases.
const LFO_KEYS: &[&[&str]] = &[
    &["control", "c"],
    &["subControl", "sc"],
    &["rate", "r"],
    &["depth", "dep", "dr"],
    &["depthabs", "da"],
    &["dcoffset", "dc"],
    &["shape", "sh"],
    &["skew", "sk"],
    &["curve", "cu"],
    &["sync", "s"],
    &["fxi"],
];
const ENV_KEYS: &[&[&str]] = &[
    &["control", "c"],
    &["subControl", "sc"],
    &["attack", "att", "a"],
    &["decay", "dec", "d"],
    &["sustain", "sus", "s"],
    &["release", "rel", "r"],
    &["depth", "dep", "dr"],
    &["depthabs", "da"],
    &["acurve", "ac"],
    &["dcurve", "dc"],
    &["rcurve", "rc"],
    &["fxi"],
];
const BMOD_KEYS: &[&[&str]] = &[
    &["bus", "b"],
    &["control", "c"],
    &["subControl", "sc"],
    &["depth", "dep", "dr"],
    &["depthabs", "da"],
    &["dc"],
    &["fxi"],
];

impl ModKind {
    /// The control the modulators of this kind are written to.
    pub fn key(self) -> &'static str {
        match self {
            ModKind::Lfo => "lfo",
            ModKind::Env => "env",
            ModKind::Bmod => "bmod",
        }
    }

    pub fn from_name(name: &str) -> Option<ModKind> {
        match name {
            "lfo" => Some(ModKind::Lfo),
            "env" => Some(ModKind::Env),
            "bmod" => Some(ModKind::Bmod),
            _ => None,
        }
    }

    fn keys(self) -> &'static [&'static [&'static str]] {
        match self {
            ModKind::Lfo => LFO_KEYS,
            ModKind::Env => ENV_KEYS,
            ModKind::Bmod => BMOD_KEYS,
        }
    }

    /// The main name of a configuration key (`a` is `attack` for an
    /// envelope); matched without regard to case, unknown keys unchanged.
    pub fn setting_name(self, raw: &str) -> String {
        let lower = raw.to_lowercase();
        self.keys()
            .iter()
            .find(|names| names.iter().any(|n| n.to_lowercase() == lower))
            .map(|names| names[0].to_string())
            .unwrap_or_else(|| raw.to_string())
    }
}

/// Whether a property name is an array index (JavaScript lists such keys
/// first, in numeric order).
fn index_key(k: &str) -> Option<u32> {
    if k.is_empty() || (k.len() > 1 && k.starts_with('0')) || !k.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    k.parse::<u32>().ok().filter(|n| *n != u32::MAX)
}

/// The keys of a map in JavaScript's property order.
fn js_key_order(m: &ValueMap) -> Vec<&str> {
    let mut idx: Vec<(u32, &str)> = m
        .keys()
        .filter_map(|k| index_key(k).map(|n| (n, k)))
        .collect();
    idx.sort_by_key(|(n, _)| *n);
    let mut out: Vec<&str> = idx.into_iter().map(|(_, k)| k).collect();
    out.extend(m.keys().filter(|k| index_key(k).is_none()));
    out
}

/// The entries of a configuration object, in property order.
fn config_entries(config: &Value) -> R<Vec<(String, Value)>> {
    Ok(match config {
        Value::Map(m) => js_key_order(m)
            .into_iter()
            .map(|k| (k.to_string(), m.get(k).cloned().unwrap_or_default()))
            .collect(),
        // Spreading a string or a list gives its items under index keys.
        Value::Str(s) => s
            .chars()
            .enumerate()
            .map(|(i, c)| (i.to_string(), Value::str(&c.to_string())))
            .collect(),
        Value::List(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v.clone()))
            .collect(),
        Value::Undefined | Value::Null | Value::Num(_) | Value::Bool(_) => Vec::new(),
        other => {
            return Err(RtError::new(format!(
                "a modulator's settings must be an object such as {{ rate: 2 }}, found {}",
                other.type_name()
            )))
        }
    })
}

/// A setting as a pattern: patterns stay, text is read as mini-notation
/// (as the reference reads every string it turns into a pattern).
fn setting_pattern(v: &Value) -> R<Pat> {
    match v {
        Value::Pat(p) => Ok(p.clone()),
        Value::Str(s) => {
            crate::mini::mini(s).map_err(|e| RtError::new(e.message).with_code("E0110"))
        }
        other => Ok(pure(other.clone())),
    }
}

/// The modulators of one kind on one event: settings per id, and the ids
/// in the order they were added.
#[derive(Clone, Default)]
struct Modulators {
    entries: Vec<(String, ValueMap)>,
    ids: Vec<String>,
}

impl Modulators {
    fn from_value(m: &ValueMap) -> Option<Modulators> {
        let ids = match m.get("__ids")? {
            Value::Map(ids) => ids.keys().map(str::to_string).collect(),
            _ => return None,
        };
        let entries = m
            .iter()
            .filter(|(k, _)| *k != "__ids")
            .map(|(k, v)| (k.to_string(), v.as_map().cloned().unwrap_or_default()))
            .collect();
        Some(Modulators { entries, ids })
    }

    fn to_value(&self) -> Value {
        let mut ids = ValueMap::new();
        for id in &self.ids {
            ids.set(id.as_str(), Value::Undefined);
        }
        let mut all = ValueMap::new();
        all.set("__ids", Value::Map(Arc::new(ids)));
        for (k, v) in &self.entries {
            all.set(k.as_str(), Value::Map(Arc::new(v.clone())));
        }
        let mut out = ValueMap::new();
        for k in js_key_order(&all) {
            out.set(k, all.get(k).cloned().unwrap_or_default());
        }
        Value::Map(Arc::new(out))
    }

    fn entry(&mut self, id: &str) -> Option<&mut ValueMap> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v)
    }
}

/// One event's value while the settings are written.
struct Obj {
    /// The value's map, or `None` for a list (its modulators are written
    /// but not shown, as a list serialises without them).
    map: Option<ValueMap>,
    original: Value,
    /// Index of its modulators of the kind being written.
    modulators: Option<usize>,
}

/// A fragment of an event with the modulator id it writes.
struct Frag {
    whole: Option<Span>,
    part: Span,
    context: Context,
    obj: usize,
    id: Value,
}

/// The state of one query: the event values and modulator sets, each once
/// per identity.
#[derive(Default)]
struct Work {
    objs: Vec<Obj>,
    obj_by_ptr: HashMap<usize, usize>,
    sets: Vec<Modulators>,
    set_by_ptr: HashMap<usize, usize>,
}

impl Work {
    fn obj_for(&mut self, v: &Value) -> Result<usize, String> {
        let ptr = match v {
            Value::Map(m) => Some(Arc::as_ptr(m) as usize),
            Value::List(l) => Some(Arc::as_ptr(l) as usize),
            _ => None,
        };
        if let Some(i) = ptr.and_then(|p| self.obj_by_ptr.get(&p)) {
            return Ok(*i);
        }
        let map = match v {
            Value::Map(m) => Some((**m).clone()),
            Value::List(_) => None,
            other => return Err(cannot_set(other)),
        };
        self.objs.push(Obj {
            map,
            original: v.clone(),
            modulators: None,
        });
        let i = self.objs.len() - 1;
        if let Some(p) = ptr {
            self.obj_by_ptr.insert(p, i);
        }
        Ok(i)
    }

    /// The modulator set stored under `key` in a value, tracked by identity.
    fn set_in(&mut self, v: &Value) -> Option<usize> {
        let Value::Map(m) = v else { return None };
        let ptr = Arc::as_ptr(m) as usize;
        if let Some(i) = self.set_by_ptr.get(&ptr) {
            return Some(*i);
        }
        let set = Modulators::from_value(m)?;
        self.sets.push(set);
        self.set_by_ptr.insert(ptr, self.sets.len() - 1);
        Some(self.sets.len() - 1)
    }

    /// The modulators of `kind` on an object, created when absent.
    fn modulators_of(&mut self, obj: usize, kind: ModKind) -> Result<usize, String> {
        if let Some(i) = self.objs[obj].modulators {
            return Ok(i);
        }
        let existing = self.objs[obj]
            .map
            .as_ref()
            .and_then(|m| m.get(kind.key()))
            .cloned();
        let i = match existing {
            None | Some(Value::Undefined) | Some(Value::Null) => {
                self.sets.push(Modulators::default());
                if let Some(m) = self.objs[obj].map.as_mut() {
                    // Added now, so it is the value's last control from here on.
                    m.set(kind.key(), Value::Undefined);
                }
                self.sets.len() - 1
            }
            Some(v) => self.set_in(&v).ok_or_else(|| {
                format!(
                    "the `{}` control of an event is not a set of modulators",
                    kind.key()
                )
            })?,
        };
        self.objs[obj].modulators = Some(i);
        Ok(i)
    }

    /// The control a modulator targets when none is given: the value's
    /// last control (under its main name), or `lfo_<id>` for the last
    /// modulator added before.
    fn last_control(&mut self, obj: usize, kind: ModKind) -> Result<Option<String>, String> {
        let Some(map) = self.objs[obj].map.as_ref() else {
            // A list's keys are its indices.
            let n = match &self.objs[obj].original {
                Value::List(l) => l.len(),
                _ => 0,
            };
            return Ok(n.checked_sub(1).map(|i| i.to_string()));
        };
        let Some(last) = js_key_order(map).last().map(|k| k.to_string()) else {
            return Ok(None);
        };
        let control = super::params::main_control_name(&last);
        let Some(other) = ModKind::from_name(&control) else {
            return Ok(Some(control));
        };
        let set = if other == kind && self.objs[obj].modulators.is_some() {
            self.objs[obj].modulators
        } else {
            let v = map.get(&control).cloned().unwrap_or_default();
            self.set_in(&v)
        };
        let Some(set) = set else {
            return Err(format!(
                "the `{control}` control is not a set of modulators"
            ));
        };
        let last_id = self.sets[set]
            .ids
            .last()
            .cloned()
            .unwrap_or_else(|| "undefined".into());
        Ok(Some(format!("{control}_{last_id}")))
    }
}

fn cannot_set(v: &Value) -> String {
    match v {
        Value::Undefined | Value::Null => {
            "cannot add a modulator to an event without a value".to_string()
        }
        other => format!(
            "cannot add a modulator to the {} `{}`: the event needs controls (use s(…), note(…), …)",
            other.type_name(),
            other.to_js_string()
        ),
    }
}

/// One configuration key and the pattern of its values.
struct Stage {
    key: String,
    values: Pat,
}

/// Attaches a modulator of `kind` configured by `config` (an object of
/// settings, each a value or a pattern) under `id` (default: the next
/// index) to every event of `pat`.
pub fn modulate(pat: &Pat, kind: ModKind, config: &Value, id: &Value) -> R<Pat> {
    let mut entries = vec![("control".to_string(), Value::Undefined)];
    for (k, v) in config_entries(config)? {
        match entries.iter_mut().find(|(name, _)| *name == k) {
            Some(slot) => slot.1 = v,
            None => entries.push((k, v)),
        }
    }
    let stages: Vec<Stage> = entries
        .into_iter()
        .map(|(k, v)| {
            Ok(Stage {
                key: kind.setting_name(&k),
                values: setting_pattern(&v)?,
            })
        })
        .collect::<R<_>>()?;
    let ids = setting_pattern(id)?;
    let default_control: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let pat = pat.clone();
    let steps = pat.steps;
    let stages = Arc::new(stages);
    Ok(Pattern::new(
        move |st| match run_query(&pat, kind, &stages, &ids, &default_control, st) {
            Ok(haps) => haps,
            Err(msg) => {
                report_query_error(msg);
                Vec::new()
            }
        },
    )
    .with_steps_value(steps))
}

/// Splits each fragment by the events of `values` (structure from the
/// fragment, as `appLeft`), calling `write` for each piece in order.
fn split_frags(
    frags: Vec<Frag>,
    values: &Pat,
    st: &State,
    mut write: impl FnMut(&mut Frag, &Value) -> Result<(), String>,
) -> Result<Vec<Frag>, String> {
    let mut out = Vec::new();
    for f in frags {
        let span = f.whole.unwrap_or(f.part);
        for h in values.query(&st.set_span(span)) {
            let Some(part) = f.part.intersection(&h.part) else {
                continue;
            };
            let mut piece = Frag {
                whole: f.whole,
                part,
                context: h.context.combine(&f.context),
                obj: f.obj,
                id: f.id.clone(),
            };
            write(&mut piece, &h.value)?;
            out.push(piece);
        }
    }
    Ok(out)
}

fn run_query(
    pat: &Pat,
    kind: ModKind,
    stages: &[Stage],
    ids: &Pat,
    default_control: &Mutex<Option<String>>,
    st: &State,
) -> Result<Vec<Hap<Value>>, String> {
    let mut work = Work::default();
    let mut frags = Vec::new();
    for h in pat.query(st) {
        let obj = work.obj_for(&h.value)?;
        frags.push(Frag {
            whole: h.whole,
            part: h.part,
            context: h.context,
            obj,
            id: Value::Undefined,
        });
    }
    frags = split_frags(frags, ids, st, |f, id| {
        f.id = id.clone();
        Ok(())
    })?;
    for stage in stages {
        frags = split_frags(frags, &stage.values, st, |f, c| {
            write_setting(&mut work, kind, default_control, f, &stage.key, c)
        })?;
    }
    // Each value and set of modulators is built once, shared by its events.
    let set_values: Vec<Value> = work.sets.iter().map(Modulators::to_value).collect();
    let obj_values: Vec<Value> = work
        .objs
        .iter()
        .map(|o| match (&o.map, o.modulators) {
            (Some(m), Some(s)) => {
                let mut m = m.clone();
                m.set(kind.key(), set_values[s].clone());
                Value::Map(Arc::new(m))
            }
            _ => o.original.clone(),
        })
        .collect();
    Ok(frags
        .into_iter()
        .map(|f| Hap::with_context(f.whole, f.part, obj_values[f.obj].clone(), f.context))
        .collect())
}

/// Writes one setting of one fragment's modulator (creating the modulator
/// with its default target first).
fn write_setting(
    work: &mut Work,
    kind: ModKind,
    default_control: &Mutex<Option<String>>,
    f: &mut Frag,
    key: &str,
    c: &Value,
) -> Result<(), String> {
    let default = {
        let mut latched = default_control.lock().unwrap_or_else(|e| e.into_inner());
        if latched.is_none() {
            *latched = work.last_control(f.obj, kind)?;
        }
        latched.clone()
    };
    let set = work.modulators_of(f.obj, kind)?;
    let mods = &mut work.sets[set];
    if matches!(f.id, Value::Undefined | Value::Null) {
        f.id = Value::Num(mods.ids.len() as f64);
    }
    let id = f.id.to_js_string();
    if mods.entry(&id).is_none() {
        let mut m = ValueMap::new();
        m.set(
            "control",
            default.map(|c| Value::str(&c)).unwrap_or_default(),
        );
        mods.entries.push((id.clone(), m));
    }
    if !mods.ids.contains(&id) {
        mods.ids.push(id.clone());
    }
    if matches!(c, Value::Undefined) {
        return Ok(());
    }
    let value = match (key, c) {
        ("control" | "subControl", Value::Str(s)) => {
            Value::str(&super::params::main_control_name(s))
        }
        _ => c.clone(),
    };
    if let Some(entry) = mods.entry(&id) {
        entry.set(key, value);
    }
    Ok(())
}

fn reify_this(v: &Value) -> Pat {
    super::reify(v)
}

fn method_with(kind: ModKind, args: &[Value]) -> R<Value> {
    let this = reify_this(args.first().unwrap_or(&Value::Undefined));
    let config = args.get(1).cloned().unwrap_or_default();
    let id = args.get(2).cloned().unwrap_or_default();
    Ok(Value::Pat(modulate(&this, kind, &config, &id)?))
}

/// `lfo(config)` and friends: a modulator on an event with no other
/// control (the same object every cycle, as in the reference).
fn global_with(kind: ModKind, args: &[Value]) -> R<Value> {
    let config = args.first().cloned().unwrap_or_default();
    let empty = pure(Value::Map(Arc::new(ValueMap::new())));
    Ok(Value::Pat(modulate(
        &empty,
        kind,
        &config,
        &Value::Undefined,
    )?))
}

fn lfo_method(args: &[Value]) -> R<Value> {
    method_with(ModKind::Lfo, args)
}
fn env_method(args: &[Value]) -> R<Value> {
    method_with(ModKind::Env, args)
}
fn bmod_method(args: &[Value]) -> R<Value> {
    method_with(ModKind::Bmod, args)
}
fn lfo_global(args: &[Value]) -> R<Value> {
    global_with(ModKind::Lfo, args)
}
fn env_global(args: &[Value]) -> R<Value> {
    global_with(ModKind::Env, args)
}
fn bmod_global(args: &[Value]) -> R<Value> {
    global_with(ModKind::Bmod, args)
}

/// `pat.modulate(type, config, id)`: an unknown type leaves the pattern as
/// it is (with a warning).
fn modulate_method(args: &[Value]) -> R<Value> {
    let this = args.first().cloned().unwrap_or_default();
    let kind = match args.get(1) {
        Some(Value::Str(s)) => ModKind::from_name(s),
        _ => None,
    };
    let Some(kind) = kind else {
        let shown = match args.get(1) {
            Some(Value::Pat(_)) | Some(Value::Map(_)) => "[object Object]".to_string(),
            Some(v) => v.to_js_string(),
            None => "undefined".to_string(),
        };
        report_query_warning(format!(
            "[core] Modulation type {shown} not found. Please use one of 'lfo', 'env', 'bmod'"
        ));
        return Ok(Value::Pat(reify_this(&this)));
    };
    method_with(
        kind,
        &[
            this,
            args.get(2).cloned().unwrap_or_default(),
            args.get(3).cloned().unwrap_or_default(),
        ],
    )
}

pub fn register(add: &mut AddFn) {
    let m = |f| Kind::Values { f, method: true };
    let g = |f| Kind::Values { f, method: false };
    add("lfo", m(lfo_method), false, true);
    add("env", m(env_method), false, true);
    add("bmod", m(bmod_method), false, true);
    add("modulate", m(modulate_method), false, true);
    add("lfo", g(lfo_global), true, false);
    add("env", g(env_global), true, false);
    add("bmod", g(bmod_global), true, false);
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["lfo"],
        category: "Modulation",
        summary: "Moves a control of each note with a low-frequency oscillator while the note sounds. Without `control`, the control set just before `.lfo` is moved; several `.lfo` calls add several LFOs, and an id (second argument) lets a later call change one of them.",
        params: &[
            ("config", "settings, each a value or a pattern: control/c (the control to move, e.g. \"lpf\"), rate/r (Hz, default 1), sync/s (repetitions per cycle, follows the tempo; overrides rate), depth/dep/dr (relative to the control's value, default 1), depthabs/da (absolute), dcoffset/dc (default −0.5), shape/sh (0 tri, 1 sine, 2 ramp, 3 saw, 4 square, or the name), skew/sk, curve/cu, subControl/sc, fxi"),
            ("id", "optional: the modulator's id (a number or a word); by default the next index"),
        ],
        example: "s(\"saw\").note(\"F1\").lpf(500).lfo({ rate: 2, depth: 0.8 })",
    },
    FnDoc {
        names: &["env"],
        category: "Modulation",
        summary: "Moves a control of each note with an envelope (attack to the full depth, decay to the sustain level). Without `control`, the control set just before `.env` is moved.",
        params: &[
            ("config", "settings, each a value or a pattern: control/c, attack/att/a (s, default 0.005), decay/dec/d (s, default 0.14), sustain/sus/s (0–1, default 0), release/rel/r, depth/dep/dr (relative, default 1), depthabs/da (absolute), acurve/ac, dcurve/dc, rcurve/rc (−1 relaxed … 1 snappy), subControl/sc, fxi"),
            ("id", "optional: the modulator's id"),
        ],
        example: "s(\"saw\").note(\"F1\").lpf(300).env({ a: 0.1, d: 0.4, depth: 6 })",
    },
    FnDoc {
        names: &["bmod"],
        category: "Modulation",
        summary: "Moves a control of each note with the signal of an audio bus (set with `.bus(n)` on another pattern). Without `control`, the control set just before `.bmod` is moved.",
        params: &[
            ("config", "settings: bus/b (the bus number), control/c, depth/dep/dr, depthabs/da, dc (offset added first), subControl/sc, fxi"),
            ("id", "optional: the modulator's id"),
        ],
        example: "s(\"saw\").lpf(800).bmod({ b: 1 })",
    },
    FnDoc {
        names: &["modulate"],
        category: "Modulation",
        summary: "The general form of `lfo`, `env` and `bmod`: `pat.modulate('lfo', config, id)` is `pat.lfo(config, id)`.",
        params: &[
            ("type", "'lfo', 'env' or 'bmod' (as plain text)"),
            ("config", "the modulator's settings"),
            ("id", "optional: the modulator's id"),
        ],
        example: "s(\"saw\").lpf(500).modulate('lfo', { r: 4 })",
    },
];
