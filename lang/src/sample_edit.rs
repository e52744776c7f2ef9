//! Non-destructive sample edits: `editSample('voice', { begin: 0.1,
//! fadeOut: 0.05, normalize: true })` records how a sound is to be cut and
//! shaped; the engine applies it when the sound's files load (the files on
//! disk never change). This module only reads and checks the options.

use crate::docs::FnDoc;
use crate::library::registry::native_fn_owned;
use crate::value::{RtError, Value};
use std::sync::{Arc, Mutex};

/// How a sound's files are edited when they load, in this order: trim
/// (`begin`/`end`, fractions of the file), reverse, normalise, gain, fades.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleEdit {
    /// Kept part, as fractions of the file (0–1, `begin < end`).
    pub begin: f64,
    pub end: f64,
    /// Linear fade in and out, seconds.
    pub fade_in: f64,
    pub fade_out: f64,
    /// Peak level to normalise to, dBFS (`normalize: true` is 0 dBFS).
    pub normalize: Option<f64>,
    pub reverse: bool,
    /// Linear gain.
    pub gain: f64,
}

impl Default for SampleEdit {
    fn default() -> Self {
        SampleEdit {
            begin: 0.0,
            end: 1.0,
            fade_in: 0.0,
            fade_out: 0.0,
            normalize: None,
            reverse: false,
            gain: 1.0,
        }
    }
}

fn bad(msg: String) -> RtError {
    RtError::new(format!("editSample: {msg}"))
        .with_help("editSample('name', { begin: 0.1, end: 0.9, fadeIn: 0.01, fadeOut: 0.05, normalize: true, reverse: true, gain: 0.8 })")
        .with_code("E0232")
}

/// Reads `editSample`'s options.
pub fn parse_edit(options: &Value) -> Result<SampleEdit, RtError> {
    let Value::Map(m) = options else {
        return Err(bad(format!(
            "the edits are an object of options, not {}",
            options.type_name()
        )));
    };
    let mut e = SampleEdit::default();
    for (key, v) in m.iter() {
        let num = |what: &str| -> Result<f64, RtError> {
            v.as_number()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("`{key}` must be {what}")))
        };
        match key {
            "begin" => e.begin = num("a fraction from 0 to 1")?,
            "end" => e.end = num("a fraction from 0 to 1")?,
            "fade" => {
                e.fade_in = num("a number of seconds")?;
                e.fade_out = e.fade_in;
            }
            "fadeIn" | "fadein" => e.fade_in = num("a number of seconds")?,
            "fadeOut" | "fadeout" => e.fade_out = num("a number of seconds")?,
            "normalize" | "normalise" => {
                e.normalize = match v {
                    Value::Bool(true) => Some(0.0),
                    Value::Bool(false) => None,
                    _ => Some(num("true or a peak level in dBFS (≤ 0)")?),
                }
            }
            "reverse" => e.reverse = v.truthy(),
            "gain" => e.gain = num("a linear gain (≥ 0)")?,
            other => {
                return Err(bad(format!(
                    "unknown edit `{other}` (begin, end, fade, fadeIn, fadeOut, normalize, reverse, gain)"
                )))
            }
        }
    }
    if !(0.0..=1.0).contains(&e.begin) || !(0.0..=1.0).contains(&e.end) || e.begin >= e.end {
        return Err(bad(format!(
            "`begin` and `end` are fractions from 0 to 1 with begin < end, found {} and {}",
            e.begin, e.end
        )));
    }
    if e.fade_in < 0.0 || e.fade_out < 0.0 || e.fade_in > 3600.0 || e.fade_out > 3600.0 {
        return Err(bad("fades are from 0 to 3600 seconds".into()));
    }
    if e.gain < 0.0 || e.gain > 1000.0 {
        return Err(bad("`gain` is from 0 to 1000".into()));
    }
    if e.normalize.is_some_and(|db| !(-200.0..=0.0).contains(&db)) {
        return Err(bad("`normalize` is a peak level from -200 to 0 dBFS".into()));
    }
    Ok(e)
}

/// The edits a program asks for, in order (a later edit of a name wins).
pub type Edits = Arc<Mutex<Vec<(String, SampleEdit)>>>;

/// The `editSample(name, options)` function, recording into `edits`.
pub fn edit_sample_fn(edits: &Edits) -> Value {
    let edits = edits.clone();
    native_fn_owned("editSample", move |args| {
        let name = match args.first() {
            Some(Value::Str(s)) => s.to_string(),
            Some(Value::Pat(p)) if p.pure_value.is_some() => p
                .pure_value
                .as_ref()
                .map(|v| v.to_js_string())
                .unwrap_or_default(),
            _ => {
                return Err(bad(
                    "the first argument is a sound name, e.g. 'voice'".into()
                ))
            }
        };
        let edit = parse_edit(args.get(1).unwrap_or(&Value::Undefined))?;
        let mut e = edits.lock().unwrap();
        e.retain(|(n, _)| *n != name);
        e.push((name, edit));
        Ok(Value::Undefined)
    })
}

/// Documentation of `editSample`.
pub const DOCS: &[FnDoc] = &[FnDoc {
    names: &["editSample"],
    category: "Samples",
    summary: "Edits a sound's files when they load, without changing them on disk: trim (`begin`/`end`, fractions), `reverse`, `normalize` (true: peak at 0 dBFS, or a peak in dBFS), `gain`, `fadeIn`/`fadeOut` (or `fade`, seconds), in that order. Works on takes, sample folders and maps.",
    params: &[
        ("name", "the sound (as in `s(\"name\")`)"),
        ("edits", "an object of edits, e.g. { begin: 0.1, fadeOut: 0.05, normalize: true }"),
    ],
    example: "editSample('bd', { end: 0.5, fadeOut: 0.01, gain: 0.8 })\ns(\"bd*4\")",
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_and_checked() {
        let e = parse_edit(&Value::map([
            ("begin", Value::Num(0.25)),
            ("fade", Value::Num(0.01)),
            ("normalize", Value::Bool(true)),
            ("reverse", Value::Bool(true)),
        ]))
        .unwrap();
        assert_eq!(
            e,
            SampleEdit {
                begin: 0.25,
                fade_in: 0.01,
                fade_out: 0.01,
                normalize: Some(0.0),
                reverse: true,
                ..SampleEdit::default()
            }
        );
        for bad in [
            Value::map([("begin", Value::Num(0.5)), ("end", Value::Num(0.5))]),
            Value::map([("gain", Value::Num(f64::NAN))]),
            Value::map([("fadeIn", Value::Num(-1.0))]),
            Value::map([("speed", Value::Num(2.0))]),
            Value::Num(1.0),
        ] {
            let err = parse_edit(&bad).unwrap_err();
            assert_eq!(err.code, "E0232", "{bad:?}");
        }
    }
}
