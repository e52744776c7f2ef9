//! The computer keyboard as an input of patterns: `keyDown("Control:j")`
//! is true while those keys are held, `whenKey("j", f)` applies `f` while
//! `j` is held. Key names are the browser's (`a`, `Control`, `Shift`,
//! `Alt`, `ArrowUp`, `Enter`, ` `…), with Strudel's aliases (`ctrl`,
//! `control`, `up`, `down`…). The terminal front end (`weft play`) records
//! presses and releases here; patterns read the state when they are
//! queried, so a key takes effect within one scheduling step.

use super::registry::{AddFn, Kind};
use super::{reify, Pat, R};
use crate::docs::FnDoc;
use crate::pattern::Pattern;
use crate::value::Value;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long a key counts as held after a press when the terminal does not
/// report releases: longer than the auto-repeat delay of keyboards, so a
/// held key (which repeats) stays down.
pub const HOLD_WITHOUT_RELEASE: Duration = Duration::from_millis(600);

enum Held {
    /// Held until its release is reported.
    UntilRelease,
    /// Held until this moment (no release events from the terminal).
    Until(Instant),
}

static KEYS: RwLock<Option<HashMap<String, Held>>> = RwLock::new(None);

/// The browser name of a key written the way Strudel accepts it.
pub fn canonical_key(name: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "control" | "ctrl" => "Control".into(),
        "alt" => "Alt".into(),
        "shift" => "Shift".into(),
        "meta" | "cmd" | "super" => "Meta".into(),
        "down" | "arrowdown" => "ArrowDown".into(),
        "up" | "arrowup" => "ArrowUp".into(),
        "left" | "arrowleft" => "ArrowLeft".into(),
        "right" | "arrowright" => "ArrowRight".into(),
        "enter" | "return" => "Enter".into(),
        "space" => " ".into(),
        "escape" | "esc" => "Escape".into(),
        "tab" => "Tab".into(),
        "backspace" => "Backspace".into(),
        _ => name.to_string(),
    }
}

/// Records that a key went down. `until_release`: the terminal reports
/// releases (else the key is held for [`HOLD_WITHOUT_RELEASE`]).
pub fn press(key: &str, until_release: bool) {
    let held = if until_release {
        Held::UntilRelease
    } else {
        Held::Until(Instant::now() + HOLD_WITHOUT_RELEASE)
    };
    let mut keys = KEYS.write().unwrap_or_else(|e| e.into_inner());
    keys.get_or_insert_with(HashMap::new)
        .insert(canonical_key(key), held);
}

/// Records that a key was released.
pub fn release(key: &str) {
    let mut keys = KEYS.write().unwrap_or_else(|e| e.into_inner());
    if let Some(k) = keys.as_mut() {
        k.remove(&canonical_key(key));
    }
}

/// Forgets every key (when the terminal loses focus, or between tests).
pub fn release_all() {
    *KEYS.write().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Whether a key is held now.
pub fn is_down(key: &str) -> bool {
    let keys = KEYS.read().unwrap_or_else(|e| e.into_inner());
    match keys.as_ref().and_then(|k| k.get(&canonical_key(key))) {
        Some(Held::UntilRelease) => true,
        Some(Held::Until(t)) => Instant::now() < *t,
        None => false,
    }
}

/// The keys held now, sorted (for displays).
pub fn held() -> Vec<String> {
    let keys = KEYS.read().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    let mut out: Vec<String> = keys
        .iter()
        .flatten()
        .filter(|(_, h)| match h {
            Held::UntilRelease => true,
            Held::Until(t) => now < *t,
        })
        .map(|(k, _)| if k == " " { "Space".into() } else { k.clone() })
        .collect();
    out.sort();
    out
}

/// Whether all the keys a value names are held (`"j"`, `["Control", "j"]`).
fn all_down(v: &Value) -> bool {
    match v {
        Value::List(keys) => keys.iter().all(|k| is_down(&k.to_js_string())),
        other => is_down(&other.to_js_string()),
    }
}

/// `keyDown(keys)`: each event's value becomes whether its keys are held.
fn key_down(args: &[Value]) -> R<Value> {
    let pat = reify(args.first().unwrap_or(&Value::Undefined));
    Ok(Value::Pat(pat.map_values(|v| Value::Bool(all_down(v)))))
}

/// `whenKey(keys, f)`: the pattern with `f` applied while the keys are held
/// (checked at every query).
fn when_key(args: &[Pat], pat: &Pat) -> R<Pat> {
    let keys = args[0].clone();
    let f = args[1].clone();
    let applied = f
        .pure_value
        .as_ref()
        .map(|f| super::apply_fn(f, pat))
        .transpose()?;
    let plain = pat.clone();
    Ok(Pattern::new(move |st| {
        let held = match &keys.pure_value {
            Some(k) => all_down(k),
            None => keys
                .query(&st.set_span(crate::span::Span::new(st.span.begin, st.span.begin)))
                .first()
                .is_some_and(|h| all_down(&h.value)),
        };
        match (&applied, held) {
            (Some(on), true) => on.query(st),
            _ => plain.query(st),
        }
    })
    .with_steps_value(pat.steps))
}

pub fn register(add: &mut AddFn) {
    add(
        "keyDown",
        Kind::Values {
            f: key_down,
            method: true,
        },
        true,
        true,
    );
    add(
        "whenKey",
        Kind::Raw {
            arity: 2,
            f: when_key,
        },
        true,
        true,
    );
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["keyDown"],
        category: "Input",
        summary: "True while the keys an event names are held on the computer keyboard (in `weft play` on a terminal): `\"Control:j\"` needs both. Strudel's key names and aliases (`ctrl`, `shift`, `up`…).",
        params: &[("keys", "a key, or keys joined with `:`; patternable")],
        example: "keyDown(\"Control:j\").pick([s(\"bd(5,8)\"), s(\"cp(3,8)\")])",
    },
    FnDoc {
        names: &["whenKey"],
        category: "Input",
        summary: "Applies a function to the pattern while keys are held on the computer keyboard (`weft play` on a terminal); checked at every query, so it takes effect within a scheduling step.",
        params: &[("keys", "a key, or keys joined with `:`"), ("function", "what to do while held")],
        example: "s(\"bd(5,8)\").whenKey(\"Control:j\", x => x.segment(16))",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_holding() {
        release_all();
        assert!(!is_down("Control"));
        press("ctrl", true);
        assert!(is_down("Control") && is_down("control"));
        release("Control");
        assert!(!is_down("ctrl"));
        press("j", false);
        assert!(is_down("j"));
        release_all();
        assert!(!is_down("j"));
    }
}
