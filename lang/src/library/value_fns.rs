//! Helpers on plain values that programs call directly, as in the
//! reference: note and frequency conversions (`noteToMidi`, `midiToFreq`,
//! `getFreq`, …), list helpers (`flatten`, `listRange`, `pairs`, `uniqsort`,
//! …), function helpers (`id`, `pipe`, `compose`, …), tests (`isNote`,
//! `isPattern`), and text views of patterns (`drawLine`, `log`).

use super::registry::{native_fn_owned, AddFn, Kind};
use super::{js_round, reify, Pat, R};
use crate::docs::FnDoc;
use crate::pattern::report_query_warning;
use crate::time::Time;
use crate::tonal as notes;
use crate::value::{js_number_string, RtError, Value};

/// The most items a list built from numbers may hold.
const MAX_ITEMS: f64 = 1_000_000.0;

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Undefined)
}

/// A value the reference treats as a plain string (`typeof x === 'string'`).
fn plain_str(v: &Value) -> Option<&str> {
    match v {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

fn not_a_note(v: &Value) -> RtError {
    let shown = match v {
        Value::Pat(_) => "[object Object]".to_string(),
        other => other.to_js_string(),
    };
    RtError::new(format!("not a note: \"{shown}\"")).with_help(
        "note names are plain strings in single quotes, such as noteToMidi('c4') \
         (double quotes make a pattern)",
    )
}

fn note_to_midi_value(v: &Value, default_octave: f64) -> R<f64> {
    plain_str(v)
        .and_then(|s| notes::note_to_midi(s, default_octave))
        .ok_or_else(|| not_a_note(v))
}

fn note_to_midi(args: &[Value]) -> R<Value> {
    let oct = match args.get(1) {
        None | Some(Value::Undefined) => 3.0,
        Some(o) => o.to_number(),
    };
    Ok(Value::Num(note_to_midi_value(&arg(args, 0), oct)?))
}

fn midi_to_freq(args: &[Value]) -> R<Value> {
    Ok(Value::Num(notes::midi_to_freq(arg(args, 0).to_number())))
}

fn freq_to_midi(args: &[Value]) -> R<Value> {
    Ok(Value::Num(notes::freq_to_midi(arg(args, 0).to_number())))
}

/// `name[n % len] + octave` with JavaScript's rules: a missing name makes
/// the sum `NaN`.
fn name_and_octave(names: &[&str], n: f64) -> Value {
    let oct = (n / 12.0).floor() - 1.0;
    let i = n % 12.0;
    if i >= 0.0 && i.fract() == 0.0 && (i as usize) < names.len() {
        Value::str(&format!("{}{}", names[i as usize], js_number_string(oct)))
    } else {
        Value::Num(f64::NAN)
    }
}

const FLATS: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
];

fn midi2note(args: &[Value]) -> R<Value> {
    Ok(name_and_octave(&FLATS, arg(args, 0).to_number()))
}

fn sol2note(args: &[Value]) -> R<Value> {
    let notation = match args.get(1) {
        None | Some(Value::Undefined) => "letters".to_string(),
        Some(v) => v.to_js_string(),
    };
    let names: &[&str] = match notation.as_str() {
        "solfeggio" => &[
            "Do", "Reb", "Re", "Mib", "Mi", "Fa", "Solb", "Sol", "Lab", "La", "Sib", "Si",
        ],
        "indian" => &["Sa", "Re", "Ga", "Ma", "Pa", "Dha", "Ni"],
        "german" => &[
            "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Hb", "H",
        ],
        "byzantine" => &[
            "Ni", "Pab", "Pa", "Voub", "Vou", "Ga", "Dib", "Di", "Keb", "Ke", "Zob", "Zo",
        ],
        "japanese" => &["I", "Ro", "Ha", "Ni", "Ho", "He", "To"],
        _ => &FLATS,
    };
    Ok(name_and_octave(names, arg(args, 0).to_number()))
}

fn value_to_midi(args: &[Value]) -> R<Value> {
    let v = arg(args, 0);
    let Some(m) = v.as_object() else {
        return Err(RtError::new("valueToMidi: expected object value"));
    };
    if let Some(Value::Num(f)) = m.get("freq") {
        return Ok(Value::Num(notes::freq_to_midi(*f)));
    }
    match m.get("note") {
        Some(n @ Value::Str(_)) => return Ok(Value::Num(note_to_midi_value(n, 3.0)?)),
        Some(Value::Num(n)) => return Ok(Value::Num(*n)),
        _ => {}
    }
    let fallback = arg(args, 1);
    if !fallback.truthy() {
        return Err(RtError::new("valueToMidi: expected freq or note to be set"));
    }
    Ok(fallback)
}

fn get_freq(args: &[Value]) -> R<Value> {
    let v = arg(args, 0);
    let midi = match v {
        Value::Num(n) => n,
        other => note_to_midi_value(&other, 3.0)?,
    };
    Ok(Value::Num(notes::midi_to_freq(midi)))
}

fn get_accidentals_offset(args: &[Value]) -> R<Value> {
    let acc = match arg(args, 0) {
        Value::Str(s) => s.to_string(),
        Value::Undefined | Value::Null => return Ok(Value::Num(0.0)),
        other => {
            return Err(RtError::new(format!(
                "getAccidentalsOffset: expected a string, found {}",
                other.type_name()
            )))
        }
    };
    let mut sum = 0.0;
    for c in acc.chars() {
        sum += match c {
            '#' | 's' => 1.0,
            'b' | 'f' => -1.0,
            // An unknown character makes the sum NaN, which counts as 0.
            _ => return Ok(Value::Num(0.0)),
        };
    }
    Ok(Value::Num(sum))
}

fn tokenize_note(args: &[Value]) -> R<Value> {
    let Some(s) = plain_str(&arg(args, 0)).map(str::to_string) else {
        return Ok(Value::list(Vec::new()));
    };
    match notes::tokenize_note(&s) {
        Some((letter, acc, oct)) => Ok(Value::list(vec![
            Value::str(&letter.to_string()),
            Value::str(acc.as_str()),
            oct.map(Value::Num).unwrap_or(Value::Undefined),
        ])),
        None => Ok(Value::list(Vec::new())),
    }
}

/// The text a regular expression test sees: `String(x)`.
fn test_text(v: &Value) -> String {
    match v {
        Value::Pat(_) => "[object Object]".to_string(),
        other => other.to_js_string(),
    }
}

fn is_note(args: &[Value]) -> R<Value> {
    Ok(Value::Bool(notes::is_note(&test_text(&arg(args, 0)))))
}

fn is_note_with_octave(args: &[Value]) -> R<Value> {
    Ok(Value::Bool(notes::is_note_with_octave(&test_text(&arg(
        args, 0,
    )))))
}

/// `true` for patterns; as in the reference, other values give undefined.
fn is_pattern(args: &[Value]) -> R<Value> {
    Ok(match arg(args, 0) {
        Value::Pat(_) => Value::Bool(true),
        _ => Value::Undefined,
    })
}

fn nan_fallback(args: &[Value]) -> R<Value> {
    let v = arg(args, 0);
    let fallback = match args.get(1) {
        None | Some(Value::Undefined) => Value::Num(0.0),
        Some(f) => f.clone(),
    };
    if v.to_number().is_nan() {
        report_query_warning(format!(
            "\"{}\" is not a number, falling back to {}",
            test_text(&v),
            fallback.to_js_string()
        ));
        return Ok(fallback);
    }
    Ok(v)
}

fn clamp(args: &[Value]) -> R<Value> {
    let (x, lo, hi) = (
        arg(args, 0).to_number(),
        arg(args, 1).to_number(),
        arg(args, 2).to_number(),
    );
    let max = if x.is_nan() || lo.is_nan() {
        f64::NAN
    } else {
        x.max(lo)
    };
    Ok(Value::Num(if max.is_nan() || hi.is_nan() {
        f64::NAN
    } else {
        max.min(hi)
    }))
}

fn id(args: &[Value]) -> R<Value> {
    Ok(arg(args, 0))
}

fn list_arg(v: &Value, name: &str) -> R<Vec<Value>> {
    match v {
        Value::List(l) => Ok(l.to_vec()),
        other => Err(RtError::new(format!(
            "{name}: expected a list, found {}",
            other.type_name()
        ))),
    }
}

fn call_fn(f: &Value, args: Vec<Value>, name: &str) -> R<Value> {
    match f {
        Value::Func(f) => f.call(args),
        other => Err(RtError::new(format!(
            "{name}: expected a function, found {}",
            other.type_name()
        ))),
    }
}

/// `pipe(f, g)(x)` is `f(g(x))`, as in the reference.
fn chain_fns(funcs: Vec<Value>, name: &'static str) -> Value {
    native_fn_owned(name, move |args| {
        let mut funcs = funcs.iter().rev();
        let Some(first) = funcs.next() else {
            return Ok(args.into_iter().next().unwrap_or(Value::Undefined));
        };
        let mut v = call_fn(first, args, name)?;
        for f in funcs {
            v = call_fn(f, vec![v], name)?;
        }
        Ok(v)
    })
}

fn pipe(args: &[Value]) -> R<Value> {
    Ok(chain_fns(args.to_vec(), "pipe"))
}

fn compose(args: &[Value]) -> R<Value> {
    let mut funcs = args.to_vec();
    funcs.reverse();
    Ok(chain_fns(funcs, "compose"))
}

fn flatten(args: &[Value]) -> R<Value> {
    let mut out = Vec::new();
    for item in list_arg(&arg(args, 0), "flatten")? {
        match item {
            Value::List(l) => out.extend(l.iter().cloned()),
            other => out.push(other),
        }
    }
    Ok(Value::list(out))
}

fn list_range(args: &[Value]) -> R<Value> {
    let (min, max) = (arg(args, 0), arg(args, 1));
    let len = max.to_number() - min.to_number() + 1.0;
    let len = if len.is_nan() {
        0.0
    } else {
        len.max(0.0).floor()
    };
    if len > MAX_ITEMS {
        return Err(RtError::new(format!("listRange: too many items ({len})")).with_code("E0302"));
    }
    let out = (0..len as usize)
        .map(|i| match &min {
            // `i + min` concatenates with a string.
            Value::Str(s) => Value::str(&format!("{i}{s}")),
            m => Value::Num(i as f64 + m.to_number()),
        })
        .collect();
    Ok(Value::list(out))
}

fn pairs(args: &[Value]) -> R<Value> {
    let xs = list_arg(&arg(args, 0), "pairs")?;
    Ok(Value::list(
        xs.windows(2).map(|w| Value::list(w.to_vec())).collect(),
    ))
}

fn remove_undefineds(args: &[Value]) -> R<Value> {
    let xs = list_arg(&arg(args, 0), "removeUndefineds")?;
    Ok(Value::list(
        xs.into_iter()
            .filter(|x| !matches!(x, Value::Undefined | Value::Null))
            .collect(),
    ))
}

fn uniq(args: &[Value]) -> R<Value> {
    let xs = list_arg(&arg(args, 0), "uniq")?;
    if !xs.is_empty() {
        // The reference calls a method plain objects do not have.
        return Err(RtError::new("uniq: seen.hasOwn is not a function"));
    }
    Ok(Value::list(xs))
}

/// JavaScript's default sort key: the value as a string (undefined last).
fn sort_text(v: &Value) -> Option<Vec<u16>> {
    match v {
        Value::Undefined => None,
        other => Some(test_text(other).encode_utf16().collect()),
    }
}

/// JavaScript's loose `!=` on the values lists hold.
fn loosely_differ(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Undefined | Value::Null, Value::Undefined | Value::Null) => false,
        (Value::Undefined | Value::Null, _) | (_, Value::Undefined | Value::Null) => true,
        (Value::Num(x), Value::Num(y)) => x != y,
        (Value::Str(x), Value::Str(y)) => x != y,
        (
            Value::Num(_) | Value::Str(_) | Value::Bool(_),
            Value::Num(_) | Value::Str(_) | Value::Bool(_),
        ) => a.to_number() != b.to_number(),
        _ => a != b,
    }
}

fn uniqsort(args: &[Value]) -> R<Value> {
    let mut xs = list_arg(&arg(args, 0), "uniqsort")?;
    xs.sort_by(|a, b| match (sort_text(a), sort_text(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Greater,
        (_, None) => std::cmp::Ordering::Less,
    });
    let mut out: Vec<Value> = Vec::new();
    for x in xs {
        if out.last().is_none_or(|p| loosely_differ(&x, p)) {
            out.push(x);
        }
    }
    Ok(Value::list(out))
}

fn uniqsortr(args: &[Value]) -> R<Value> {
    let xs = list_arg(&arg(args, 0), "uniqsortr")?;
    if xs.len() > 1 {
        // The reference compares with a method only fractions have.
        return Err(
            RtError::new("uniqsortr: x.compare is not a function").with_help(
                "uniqsortr sorts exact fractions, which weft keeps inside patterns; use uniqsort",
            ),
        );
    }
    Ok(Value::list(xs))
}

/// JavaScript's `+` on the values lists hold.
fn js_add(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Str(_), _) | (_, Value::Str(_)) => {
            Value::str(&format!("{}{}", test_text(a), test_text(b)))
        }
        _ => Value::Num(a.to_number() + b.to_number()),
    }
}

fn average_array(args: &[Value]) -> R<Value> {
    let xs = list_arg(&arg(args, 0), "averageArray")?;
    let Some(first) = xs.first() else {
        return Err(RtError::new(
            "averageArray: Reduce of empty array with no initial value",
        ));
    };
    let sum = xs[1..].iter().fold(first.clone(), |acc, x| js_add(&acc, x));
    Ok(Value::Num(sum.to_number() / xs.len() as f64))
}

fn constant(args: &[Value]) -> R<Value> {
    Ok(arg(args, 0))
}

fn zip_with(args: &[Value]) -> R<Value> {
    let f = arg(args, 0);
    let xs = list_arg(&arg(args, 1), "zipWith")?;
    let ys = list_arg(&arg(args, 2), "zipWith")?;
    let mut out = Vec::with_capacity(xs.len());
    for (i, x) in xs.into_iter().enumerate() {
        let y = ys.get(i).cloned().unwrap_or(Value::Undefined);
        out.push(call_fn(&f, vec![x, y], "zipWith")?);
    }
    Ok(Value::list(out))
}

fn cycle_to_seconds(args: &[Value]) -> R<Value> {
    Ok(Value::Num(
        arg(args, 0).to_number() / arg(args, 1).to_number(),
    ))
}

fn get_event_offset_ms(args: &[Value]) -> R<Value> {
    Ok(Value::Num(
        (arg(args, 0).to_number() - arg(args, 1).to_number()) * 1000.0,
    ))
}

fn get_sound_index(args: &[Value]) -> R<Value> {
    let n = match arg(args, 0) {
        Value::Undefined | Value::Null => Value::Num(0.0),
        v => nan_fallback(&[v, Value::Num(0.0)])?,
    };
    let m = arg(args, 1).to_number();
    let r = js_round(n.to_number());
    Ok(Value::Num(((r % m) + m) % m))
}

fn parse_numeral(args: &[Value]) -> R<Value> {
    let v = arg(args, 0);
    let n = v.to_number();
    if !n.is_nan() {
        return Ok(Value::Num(n));
    }
    if let Some(m) = plain_str(&v).and_then(|s| notes::note_to_midi(s, 3.0)) {
        return Ok(Value::Num(m));
    }
    Err(RtError::new(format!(
        "cannot parse as numeral: \"{}\"",
        test_text(&v)
    )))
}

fn parse_fractional(args: &[Value]) -> R<Value> {
    let v = arg(args, 0);
    let n = v.to_number();
    if !n.is_nan() {
        return Ok(Value::Num(n));
    }
    let special = match plain_str(&v) {
        Some("pi") => Some(std::f64::consts::PI),
        Some("w") => Some(1.0),
        Some("h") => Some(0.5),
        Some("q") => Some(0.25),
        Some("e") => Some(0.125),
        Some("s") => Some(0.0625),
        Some("t") => Some(1.0 / 3.0),
        Some("f") => Some(0.2),
        Some("x") => Some(1.0 / 6.0),
        _ => None,
    };
    special
        .map(Value::Num)
        .ok_or_else(|| RtError::new(format!("cannot parse as fractional: \"{}\"", test_text(&v))))
}

/// `mapArgs(f, g)`: a function that applies `g` to each argument, then `f`.
fn map_args(args: &[Value]) -> R<Value> {
    let (f, g) = (arg(args, 0), arg(args, 1));
    Ok(native_fn_owned("mapArgs", move |xs| {
        let mapped = xs
            .into_iter()
            .map(|x| call_fn(&g, vec![x], "mapArgs"))
            .collect::<R<Vec<_>>>()?;
        call_fn(&f, mapped, "mapArgs")
    }))
}

fn numeral_args(args: &[Value]) -> R<Value> {
    map_args(&[
        arg(args, 0),
        native_fn_owned("parseNumeral", |a| parse_numeral(&a)),
    ])
}

fn fractional_args(args: &[Value]) -> R<Value> {
    map_args(&[
        arg(args, 0),
        native_fn_owned("parseFractional", |a| parse_fractional(&a)),
    ])
}

/// `objectMap(obj, f)`: `f(value, key, index)` for each entry (lists map
/// as `f(value, index)`).
fn object_map(args: &[Value]) -> R<Value> {
    let f = arg(args, 1);
    match arg(args, 0) {
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for (i, v) in l.iter().enumerate() {
                out.push(call_fn(
                    &f,
                    vec![v.clone(), Value::Num(i as f64), Value::List(l.clone())],
                    "objectMap",
                )?);
            }
            Ok(Value::list(out))
        }
        Value::Map(m) => {
            let mut out = crate::value::ValueMap::new();
            for (i, (k, v)) in m.iter().enumerate() {
                let y = call_fn(
                    &f,
                    vec![v.clone(), Value::str(k), Value::Num(i as f64)],
                    "objectMap",
                )?;
                out.set(k, y);
            }
            Ok(out.into())
        }
        other => Err(RtError::new(format!(
            "objectMap: expected a map or a list, found {}",
            other.type_name()
        ))),
    }
}

/// The text of a value in a line of [`draw_line`].
fn draw_char(v: &Value) -> String {
    test_text(v)
}

/// Renders cycles of a pattern as text, one character per shortest event:
/// `|` separates cycles, `-` holds a value, `.` is silence; overlapping
/// events get extra lines.
pub fn draw_line(pat: &Pat, chars: usize) -> R<String> {
    let mut cycle: i64 = 0;
    let mut pos = Time::ZERO;
    let mut lines: Vec<String> = vec![String::new()];
    let mut empty = String::new();
    let mut work: u64 = 0;
    while lines[0].chars().count() < chars {
        let haps = pat.query_arc(Time::int(cycle), Time::int(cycle + 1));
        let mut step: Option<Time> = None;
        for h in haps.iter().filter(|h| h.has_onset()) {
            step = Some(step.unwrap_or(Time::ONE).gcd(h.duration()));
        }
        let Some(step) = step.filter(|s| !s.is_zero()) else {
            return Err(RtError::new(format!(
                "drawLine: cycle {cycle} has no event starting in it (Cannot read properties of undefined)"
            )));
        };
        let slots = Time::ONE / step;
        if slots > Time::int(10_000) {
            return Err(
                RtError::new("drawLine: the events are too short to draw").with_code("E0302")
            );
        }
        for line in &mut lines {
            line.push('|');
        }
        empty.push('|');
        let mut i = Time::ZERO;
        while i < slots {
            let (begin, end) = (pos, pos + step);
            let matches: Vec<_> = haps
                .iter()
                .filter(|h| h.whole.is_some_and(|w| w.begin <= begin && w.end >= end))
                .collect();
            while lines.len() < matches.len() {
                lines.push(empty.clone());
            }
            for (k, line) in lines.iter_mut().enumerate() {
                match matches.get(k) {
                    Some(h) if h.whole.is_some_and(|w| w.begin == begin) => {
                        line.push_str(&draw_char(&h.value))
                    }
                    Some(_) => line.push('-'),
                    None => line.push('.'),
                }
            }
            empty.push('.');
            pos = pos + step;
            i = i + Time::ONE;
            work += 1;
            if work > 100_000 {
                return Err(RtError::new("drawLine: too much to draw").with_code("E0302"));
            }
        }
        cycle += 1;
    }
    Ok(lines.join("\n"))
}

fn draw_line_fn(args: &[Value]) -> R<Value> {
    let pat = reify(&arg(args, 0));
    let chars = match args.get(1) {
        None | Some(Value::Undefined) => 60.0,
        Some(c) => c.to_number(),
    };
    let chars = if chars.is_nan() {
        0.0
    } else {
        chars.clamp(0.0, 10_000.0)
    };
    Ok(Value::str(&draw_line(&pat, chars.ceil() as usize)?))
}

/// Method form: reports the drawing (as the reference prints it) and
/// returns the pattern.
fn draw_line_method(args: &[Value]) -> R<Value> {
    let pat = reify(&arg(args, 0));
    report_query_warning(draw_line(&pat, 60)?);
    Ok(Value::Pat(pat))
}

/// The text of a value as `logValues` writes it.
fn compact_value(v: &Value) -> String {
    match v {
        Value::Map(_) | Value::List(_) => {
            let json = v.to_json().unwrap_or_default();
            let inner = json.get(1..json.len().saturating_sub(1)).unwrap_or("");
            inner.replace('"', "").replace(',', " ")
        }
        other => test_text(other),
    }
}

/// Reports every event that starts in a query, as `[hap] begin → end: value`.
fn logged(pat: &Pat, values_only: bool) -> Pat {
    pat.with_haps(move |haps, _| {
        for h in haps.iter().filter(|h| h.has_onset()) {
            let text = if values_only {
                format!("[hap] {}", compact_value(&h.value))
            } else {
                let whole = h
                    .whole
                    .map(|w| format!("{} → {}", w.begin, w.end))
                    .unwrap_or_else(|| "~".to_string());
                format!("[hap] {whole}: {}", compact_value(&h.value))
            };
            report_query_warning(text);
        }
        haps
    })
}

fn log_method(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(logged(&reify(&arg(args, 0)), false)))
}

fn log_values_method(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(logged(&reify(&arg(args, 0)), true)))
}

/// Parses text as mini-notation (`mini('a b')`, `m`, `h`).
fn parse_mini(v: &Value) -> R<Pat> {
    crate::mini::mini(&test_text(v)).map_err(|e| {
        let mut err = RtError::new(format!("[mini] {}", e.message)).with_code("E0110");
        err.help = e.help;
        err
    })
}

fn mini_fn(args: &[Value]) -> R<Value> {
    let pats = args
        .iter()
        .map(|a| parse_mini(a).map(Value::Pat))
        .collect::<R<Vec<_>>>()?;
    Ok(Value::Pat(super::sequence(&pats)))
}

fn mini_one(args: &[Value]) -> R<Value> {
    Ok(Value::Pat(parse_mini(&arg(args, 0))?))
}

/// `h('"a b"')`: the text is the whole mini-notation source, quotes and all.
fn mini_raw(args: &[Value]) -> R<Value> {
    let text = test_text(&arg(args, 0));
    let inner = text
        .trim()
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| {
            RtError::new("[mini] parse error: h expects the text in double quotes")
                .with_code("E0110")
                .with_help("write h('\"a b\"'), or m('a b')")
        })?;
    Ok(Value::Pat(parse_mini(&Value::str(inner))?))
}

fn minify(args: &[Value]) -> R<Value> {
    match arg(args, 0) {
        s @ Value::Str(_) => mini_fn(&[s]),
        other => Ok(Value::Pat(reify(&other))),
    }
}

/// `pat.asNumber()`: values read as numbers (note names as MIDI).
fn as_number(args: &[Value]) -> R<Value> {
    let pat = reify(&arg(args, 0));
    Ok(Value::Pat(pat.map_values(|v| {
        match parse_numeral(std::slice::from_ref(v)) {
            Ok(n) => n,
            Err(e) => {
                crate::pattern::report_query_error(e.message);
                Value::Undefined
            }
        }
    })))
}

/// `ref(() => value)`: a pattern that asks the function for its value
/// (or pattern) at every query, a cycle at a time.
fn ref_fn(args: &[Value]) -> R<Value> {
    let f = arg(args, 0);
    let cycles = crate::pattern::pure(Value::Num(1.0));
    Ok(Value::Pat(cycles.inner_bind(move |_| {
        match call_fn(&f, Vec::new(), "ref") {
            Ok(v) => reify(&v),
            Err(e) => {
                crate::pattern::report_query_error(e.message);
                crate::pattern::silence()
            }
        }
    })))
}

fn stringify_values(args: &[Value]) -> R<Value> {
    let v = arg(args, 0);
    let compact = arg(args, 1).truthy();
    Ok(match &v {
        Value::Map(_) | Value::List(_) | Value::Null if compact => Value::str(&compact_value(&v)),
        Value::Map(_) | Value::List(_) | Value::Null => {
            Value::str(&v.to_json().unwrap_or_default())
        }
        _ => v,
    })
}

pub fn register(add: &mut AddFn) {
    let v = |f| Kind::Values { f, method: false };
    for (name, kind) in [
        ("noteToMidi", v(note_to_midi)),
        ("midiToFreq", v(midi_to_freq)),
        ("freqToMidi", v(freq_to_midi)),
        ("midi2note", v(midi2note)),
        ("sol2note", v(sol2note)),
        ("valueToMidi", v(value_to_midi)),
        ("getFreq", v(get_freq)),
        ("getAccidentalsOffset", v(get_accidentals_offset)),
        ("tokenizeNote", v(tokenize_note)),
        ("isNote", v(is_note)),
        ("isNoteWithOctave", v(is_note_with_octave)),
        ("isPattern", v(is_pattern)),
        ("nanFallback", v(nan_fallback)),
        ("clamp", v(clamp)),
        ("id", v(id)),
        ("constant", v(constant)),
        ("pipe", v(pipe)),
        ("compose", v(compose)),
        ("flatten", v(flatten)),
        ("listRange", v(list_range)),
        ("pairs", v(pairs)),
        ("removeUndefineds", v(remove_undefineds)),
        ("uniq", v(uniq)),
        ("uniqsort", v(uniqsort)),
        ("uniqsortr", v(uniqsortr)),
        ("averageArray", v(average_array)),
        ("zipWith", v(zip_with)),
        ("cycleToSeconds", v(cycle_to_seconds)),
        ("getEventOffsetMs", v(get_event_offset_ms)),
        ("getSoundIndex", v(get_sound_index)),
        ("parseNumeral", v(parse_numeral)),
        ("parseFractional", v(parse_fractional)),
        ("mapArgs", v(map_args)),
        ("numeralArgs", v(numeral_args)),
        ("fractionalArgs", v(fractional_args)),
        ("objectMap", v(object_map)),
        ("drawLine", v(draw_line_fn)),
        ("mini", v(mini_fn)),
        ("m", v(mini_one)),
        ("h", v(mini_raw)),
        ("minify", v(minify)),
        ("ref", v(ref_fn)),
        ("stringifyValues", v(stringify_values)),
    ] {
        add(name, kind, true, false);
    }
    let m = |f| Kind::Values { f, method: true };
    for (name, kind) in [
        ("drawLine", m(draw_line_method)),
        ("log", m(log_method)),
        ("logValues", m(log_values_method)),
        ("asNumber", m(as_number)),
    ] {
        add(name, kind, false, true);
    }
}

pub const DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["noteToMidi"],
        category: "Values",
        summary: "The MIDI number of a note name ('c4' is 60; without an octave, octave 3).",
        params: &[("note", "a note name in single quotes, such as 'eb4'"), ("octave", "the octave when the name has none (default 3)")],
        example: "note(noteToMidi('c4') + 7)",
    },
    FnDoc {
        names: &["midiToFreq"],
        category: "Values",
        summary: "The frequency in Hz of a MIDI number (69 is 440 Hz).",
        params: &[("midi", "a MIDI number, possibly fractional")],
        example: "freq(midiToFreq(69))",
    },
    FnDoc {
        names: &["freqToMidi"],
        category: "Values",
        summary: "The MIDI number (possibly fractional) of a frequency in Hz.",
        params: &[("freq", "a frequency in Hz")],
        example: "note(freqToMidi(440))",
    },
    FnDoc {
        names: &["midi2note"],
        category: "Values",
        summary: "The note name of a whole MIDI number, with flats (61 is 'Db4').",
        params: &[("midi", "a whole MIDI number ≥ 0")],
        example: "note(midi2note(61))",
    },
    FnDoc {
        names: &["sol2note"],
        category: "Values",
        summary: "The name of a MIDI number in a naming system: 'letters' (default), 'solfeggio', 'german', 'indian', 'byzantine' or 'japanese'.",
        params: &[("midi", "a whole MIDI number ≥ 0"), ("notation", "the naming system")],
        example: "s(sol2note(60, 'solfeggio'))",
    },
    FnDoc {
        names: &["valueToMidi"],
        category: "Values",
        summary: "The MIDI number of a control map: from `freq`, else from `note` (a name or a number), else the fallback.",
        params: &[("value", "a map such as {note: 'c4'}"), ("fallback", "returned when neither is set")],
        example: "note(valueToMidi({freq: 220}))",
    },
    FnDoc {
        names: &["getFreq"],
        category: "Values",
        summary: "The frequency in Hz of a MIDI number or a note name.",
        params: &[("note", "a MIDI number or a note name in single quotes")],
        example: "freq(getFreq('a4'))",
    },
    FnDoc {
        names: &["getAccidentalsOffset"],
        category: "Values",
        summary: "The semitones a run of accidentals adds: `#` and `s` +1, `b` and `f` −1.",
        params: &[("accidentals", "a string such as '##' or 'b'")],
        example: "note(60 + getAccidentalsOffset('##'))",
    },
    FnDoc {
        names: &["tokenizeNote"],
        category: "Values",
        summary: "Splits a note name into letter, accidentals and octave (a list; empty when it is not a note).",
        params: &[("note", "a note name in single quotes")],
        example: "pure(tokenizeNote('eb4'))",
    },
    FnDoc {
        names: &["isNote"],
        category: "Values",
        summary: "Whether a value is a note name (a letter, accidentals, an optional octave).",
        params: &[("value", "the value to test")],
        example: "pure(isNote('c#3'))",
    },
    FnDoc {
        names: &["isNoteWithOctave"],
        category: "Values",
        summary: "Like `isNote`, but negative octaves do not count.",
        params: &[("value", "the value to test")],
        example: "pure(isNoteWithOctave('c-1'))",
    },
    FnDoc {
        names: &["isPattern"],
        category: "Values",
        summary: "Whether a value is a pattern (double-quoted strings are; plain numbers are not): true, or undefined for other values, as in the reference.",
        params: &[("value", "the value to test")],
        example: "pure(isPattern(\"a b\"))",
    },
    FnDoc {
        names: &["nanFallback"],
        category: "Values",
        summary: "The value when it reads as a number, else the fallback (with a warning).",
        params: &[("value", "the value"), ("fallback", "used when the value is not a number (default 0)")],
        example: "n(nanFallback('x', 3))",
    },
    FnDoc {
        names: &["clamp"],
        category: "Values",
        summary: "A number limited to a range.",
        params: &[("x", "the number"), ("min", "the lowest result"), ("max", "the highest result")],
        example: "n(clamp(12, 0, 7))",
    },
    FnDoc {
        names: &["id"],
        category: "Higher-order",
        summary: "Returns its argument unchanged (a function that does nothing, for `pickF` lists and the like).",
        params: &[("x", "any value")],
        example: "s(\"bd sd\").pickF(\"<0 1>\", [id, rev])",
    },
    FnDoc {
        names: &["constant"],
        category: "Higher-order",
        summary: "Returns its first argument and ignores the second.",
        params: &[("a", "the value returned"), ("b", "ignored")],
        example: "n(constant(3, 4))",
    },
    FnDoc {
        names: &["pipe"],
        category: "Higher-order",
        summary: "Combines functions into one: `pipe(f, g)(x)` is `f(g(x))` (the last function is applied first).",
        params: &[("functions", "the functions")],
        example: "s(\"bd sd\").apply(pipe(fast(2), rev))",
    },
    FnDoc {
        names: &["compose"],
        category: "Higher-order",
        summary: "Combines functions into one, first to last: `compose(f, g)(x)` is `g(f(x))`.",
        params: &[("functions", "the functions")],
        example: "s(\"bd sd\").apply(compose(fast(2), rev))",
    },
    FnDoc {
        names: &["flatten"],
        category: "Values",
        summary: "A list of lists joined into one list (one level deep).",
        params: &[("list", "a list whose items may be lists")],
        example: "n(seq(flatten([[0, 1], 2, [3]])))",
    },
    FnDoc {
        names: &["listRange"],
        category: "Values",
        summary: "The list of whole numbers from `min` to `max`.",
        params: &[("min", "the first number"), ("max", "the last number")],
        example: "n(seq(listRange(0, 3)))",
    },
    FnDoc {
        names: &["pairs"],
        category: "Values",
        summary: "The list of neighbouring pairs of a list: [a, b, c] gives [[a, b], [b, c]].",
        params: &[("list", "a list")],
        example: "pure(pairs([0, 1, 2]))",
    },
    FnDoc {
        names: &["removeUndefineds"],
        category: "Values",
        summary: "A list without its undefined and null items.",
        params: &[("list", "a list")],
        example: "n(seq(removeUndefineds([0, undefined, 2])))",
    },
    FnDoc {
        names: &["uniq"],
        category: "Values",
        summary: "As in the reference, fails on any non-empty list (it calls a method plain objects lack); use `uniqsort`.",
        params: &[("list", "a list")],
        example: "pure(uniq([]))",
    },
    FnDoc {
        names: &["uniqsort"],
        category: "Values",
        summary: "A list sorted as text and without repeated items.",
        params: &[("list", "a list")],
        example: "n(seq(uniqsort([3, 1, 3, 2])))",
    },
    FnDoc {
        names: &["uniqsortr"],
        category: "Values",
        summary: "Sorts exact fractions in the reference; lists of two or more plain values are an error there and in weft. Use `uniqsort`.",
        params: &[("list", "a list")],
        example: "pure(uniqsortr([1]))",
    },
    FnDoc {
        names: &["averageArray"],
        category: "Values",
        summary: "The mean of a list of numbers.",
        params: &[("list", "a non-empty list")],
        example: "n(averageArray([1, 2, 6]))",
    },
    FnDoc {
        names: &["zipWith"],
        category: "Values",
        summary: "A list of `f(x, y)` for the items of two lists taken in pairs.",
        params: &[("f", "a function of two values"), ("xs", "a list"), ("ys", "a list")],
        example: "n(seq(zipWith((a, b) => a + b, [0, 1], [10, 20])))",
    },
    FnDoc {
        names: &["cycleToSeconds"],
        category: "Values",
        summary: "Cycles converted to seconds at a tempo.",
        params: &[("cycles", "a number of cycles"), ("cps", "cycles per second")],
        example: "n(cycleToSeconds(2, 0.5))",
    },
    FnDoc {
        names: &["getEventOffsetMs"],
        category: "Values",
        summary: "The time from one moment to another in milliseconds.",
        params: &[("target", "the later time in seconds"), ("now", "the current time in seconds")],
        example: "n(getEventOffsetMs(1.5, 1))",
    },
    FnDoc {
        names: &["getSoundIndex"],
        category: "Values",
        summary: "The sample a number `n` selects among `count` samples (rounded, wrapping around).",
        params: &[("n", "the sample number"), ("count", "the number of samples")],
        example: "n(getSoundIndex(5, 4))",
    },
    FnDoc {
        names: &["parseNumeral"],
        category: "Values",
        summary: "A number from a number, a numeric string or a note name (as MIDI).",
        params: &[("value", "the value")],
        example: "n(parseNumeral('c4'))",
    },
    FnDoc {
        names: &["parseFractional"],
        category: "Values",
        summary: "A number from a number or a duration letter: w 1, h 1/2, q 1/4, e 1/8, s 1/16, t 1/3, f 1/5, x 1/6, pi.",
        params: &[("value", "the value")],
        example: "n(parseFractional('q'))",
    },
    FnDoc {
        names: &["mapArgs"],
        category: "Higher-order",
        summary: "A function that converts each argument with `g` before calling `f`.",
        params: &[("f", "the function"), ("g", "the conversion")],
        example: "n(mapArgs((a, b) => a + b, x => x * 2)(1, 2))",
    },
    FnDoc {
        names: &["numeralArgs"],
        category: "Higher-order",
        summary: "A function that reads each argument with `parseNumeral` (note names become MIDI numbers) before calling `f`.",
        params: &[("f", "the function")],
        example: "n(numeralArgs(x => x + 1)('c4'))",
    },
    FnDoc {
        names: &["fractionalArgs"],
        category: "Higher-order",
        summary: "A function that reads each argument with `parseFractional` before calling `f`.",
        params: &[("f", "the function")],
        example: "n(fractionalArgs(x => x * 8)('q'))",
    },
    FnDoc {
        names: &["objectMap"],
        category: "Higher-order",
        summary: "A map (or list) with `f(value, key, index)` applied to each entry.",
        params: &[("map", "a map or a list"), ("f", "the function")],
        example: "s(\"a\").pickRestart(objectMap({a: \"bd sd\"}, x => x))",
    },
    FnDoc {
        names: &["drawLine"],
        category: "Visual",
        summary: "The pattern drawn as a line of text, one character per shortest event: `|` between cycles, `-` while a value holds, `.` for silence. As a method it reports the drawing and returns the pattern.",
        params: &[("pat", "the pattern"), ("chars", "about how many characters (default 60)")],
        example: "s(drawLine(\"0 [1 2 3]\", 10))",
    },
    FnDoc {
        names: &["mini"],
        category: "Values",
        summary: "Parses plain strings (single-quoted) as mini-notation, one step each: `mini('a b')` is the pattern \"a b\".",
        params: &[("strings", "the mini-notation texts")],
        example: "s(mini('bd [sd sd]', 'hh'))",
    },
    FnDoc {
        names: &["m"],
        category: "Values",
        summary: "Parses one plain string as mini-notation.",
        params: &[("text", "the mini-notation text")],
        example: "s(m('bd*2 sd'))",
    },
    FnDoc {
        names: &["h"],
        category: "Values",
        summary: "Parses a whole mini-notation source, double quotes included: `h('\"a b\"')`.",
        params: &[("text", "the quoted mini-notation text")],
        example: "s(h('\"bd sd\"'))",
    },
    FnDoc {
        names: &["minify"],
        category: "Values",
        summary: "Strings become mini-notation patterns, other values constant patterns.",
        params: &[("value", "a string or any value")],
        example: "s(minify('bd sd'))",
    },
    FnDoc {
        names: &["asNumber"],
        category: "Values",
        summary: "Reads every value as a number: numeric strings as numbers, note names as MIDI numbers.",
        params: &[],
        example: "n(\"c4 e4 7\".asNumber())",
    },
    FnDoc {
        names: &["ref"],
        category: "Higher-order",
        summary: "A pattern that calls a function for its value (or pattern) at every query, one cycle at a time.",
        params: &[("f", "a function without arguments")],
        example: "n(ref(() => 3))",
    },
    FnDoc {
        names: &["stringifyValues"],
        category: "Values",
        summary: "A value as text: maps and lists as JSON (compact: without quotes and commas), other values as they are.",
        params: &[("value", "the value"), ("compact", "the short form")],
        example: "s(stringifyValues({a: 1}, true))",
    },
    FnDoc {
        names: &["log"],
        category: "Visual",
        summary: "Reports each event as it is played (time span and value) in the messages of the run; the events are unchanged.",
        params: &[],
        example: "s(\"bd sd\").log()",
    },
    FnDoc {
        names: &["logValues"],
        category: "Visual",
        summary: "Like `log`, showing only the values of the events.",
        params: &[],
        example: "s(\"bd sd\").gain(\"0.25 0.5\").logValues()",
    },
];
