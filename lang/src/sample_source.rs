//! Where a program's samples come from: what `samples(…)` records.
//!
//! A source is a folder laid out like Dirt-Samples, the address of a JSON
//! sample map (`https://…/strudel.json`, or a shorthand such as
//! `github:user/repo` or `shabda:bass:4`), or a map written in the program
//! (`samples({ bd: 'bd/a.wav' }, 'https://…/')`). Evaluation only records
//! and checks what is written: nothing here touches the network. Fetching
//! and decoding happen in the engine (`engine::samples`).
//!
//! Sample maps use Strudel's format: an object from sound names to a file,
//! a list of files (`n` picks one), or an object from note names to files
//! (a pitched sound: the nearest note is retuned). `_base` gives the
//! address the file names are relative to. Maps come from the network, so
//! [`parse_map`] checks every name and file and says what it skipped.

use crate::value::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// Where a program's samples come from.
#[derive(Clone, Debug, PartialEq)]
pub enum SampleSource {
    /// A folder laid out like Dirt-Samples (`dir/bd/*.wav` is the sound `bd`).
    Folder(PathBuf),
    /// A JSON sample map at an address (`https://…`, `http://…`) or a
    /// shorthand (`github:`, `shabda:`, `shabda/speech…`, `bubo:`, `local:`),
    /// as written; `base`: the second argument of `samples`, which replaces
    /// the map's own `_base`.
    Url { url: String, base: Option<String> },
    /// A map written in the program; `base` as for `Url`; `dir`: the
    /// program file's folder (file names that are not addresses are paths
    /// relative to it).
    Map {
        map: Arc<SampleMap>,
        base: Option<String>,
        dir: Option<PathBuf>,
    },
}

/// The address schemes and shorthands `samples(…)` accepts for a map.
const URL_PREFIXES: &[&str] = &[
    "http://",
    "https://",
    "github:",
    "shabda:",
    "shabda/speech",
    "bubo:",
    "local:",
];

impl SampleSource {
    /// A source from a command-line value or a `samples('…')` string: an
    /// address or shorthand, else a folder (`~/` is the home folder,
    /// relative paths start at `base_dir`). Addresses with another scheme
    /// (`ftp://`, `file://`) are refused.
    pub fn from_text(
        written: &str,
        base_dir: Option<&std::path::Path>,
    ) -> Result<SampleSource, String> {
        let written = written.trim();
        if is_map_address(written) {
            return Ok(SampleSource::Url {
                url: written.to_string(),
                base: None,
            });
        }
        if let Some((scheme, _)) = written.split_once("://") {
            return Err(format!(
                "`{written}`: weft downloads samples over http and https only, not `{scheme}`"
            ));
        }
        let expanded = expand_home(written);
        Ok(SampleSource::Folder(match base_dir {
            Some(dir) if expanded.is_relative() => dir.join(&expanded),
            _ => expanded,
        }))
    }

    /// True for sources that need the network (or the download cache).
    pub fn is_remote(&self) -> bool {
        matches!(self, SampleSource::Url { .. })
    }
}

/// True for an address or shorthand of a sample map (`https://…`,
/// `github:…`, `shabda:…`, …).
pub fn is_map_address(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    URL_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// `~/x` as a path in the home folder; anything else as written.
pub fn expand_home(s: &str) -> PathBuf {
    match (s.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(s),
    }
}

/// A sample map, checked: its sounds in the order written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleMap {
    /// The map's `_base` (file names are relative to it).
    pub base: Option<String>,
    pub sounds: Vec<MapSound>,
    /// Entries left out, each with the reason (at most a few are kept;
    /// `skipped` counts them all).
    pub problems: Vec<String>,
    pub skipped: usize,
}

/// One sound of a map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapSound {
    /// The name `s(…)` uses: the key in lower case, spaces as `_` (as
    /// Strudel registers it).
    pub name: String,
    /// The key as written.
    pub key: String,
    /// The entry's own `_base` (pitched entries may have one).
    pub base: Option<String>,
    pub files: MapFiles,
}

/// The files of a sound.
#[derive(Clone, Debug, PartialEq)]
pub enum MapFiles {
    /// `n` picks one (wrapping around).
    List(Vec<String>),
    /// Files by note: the note nearest to the event's is retuned.
    Pitched(Vec<PitchedFiles>),
}

/// The files recorded at one note of a pitched sound.
#[derive(Clone, Debug, PartialEq)]
pub struct PitchedFiles {
    /// The note name as written (`g2`).
    pub note: String,
    /// Its MIDI number (octave 3 when the name has none, as in Strudel).
    pub midi: f64,
    pub files: Vec<String>,
}

/// Most problems kept per map (the rest are only counted).
const PROBLEMS_KEPT: usize = 5;
/// Most sounds, and files per sound, read from one map.
pub const MAX_MAP_SOUNDS: usize = 20_000;
pub const MAX_SOUND_FILES: usize = 10_000;
/// Longest sound name and file name accepted.
const MAX_NAME_LEN: usize = 256;
const MAX_FILE_LEN: usize = 2048;

impl SampleMap {
    fn skip(&mut self, problem: String) {
        self.skipped += 1;
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(problem);
        }
    }

    /// The sound names the map provides (as registered, and as written).
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.sounds.len() * 2);
        for s in &self.sounds {
            out.push(s.name.clone());
            if s.key != s.name {
                out.push(s.key.clone());
            }
        }
        out
    }

    /// One line on what was left out, if anything.
    pub fn problem_summary(&self) -> Option<String> {
        if self.skipped == 0 {
            return None;
        }
        let mut s = format!(
            "{} entr{} skipped: {}",
            self.skipped,
            if self.skipped == 1 { "y" } else { "ies" },
            self.problems.join("; ")
        );
        if self.skipped > self.problems.len() {
            s.push_str("; …");
        }
        Some(s)
    }
}

/// Reads a sample map from JSON text (a downloaded `strudel.json`).
pub fn parse_map_text(text: &str) -> Result<SampleMap, String> {
    let json: Json = serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    parse_map(&json)
}

/// A JSON value whose objects keep their keys in JavaScript's order (the
/// order written, integer-like keys first), which decides which note wins
/// a tie and which `_base` carries on.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// An object's value for `key`.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(o) => o.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// An object from entries in the order written: a repeated key keeps
    /// its first place and takes the last value; integer-like keys move to
    /// the front in numeric order.
    fn object(entries: Vec<(String, Json)>) -> Json {
        let mut out: Vec<(String, Json)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match out.iter_mut().find(|(o, _)| *o == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
        let index = |k: &str| -> Option<u32> {
            if k == "0" || (!k.starts_with('0') && k.bytes().all(|b| b.is_ascii_digit())) {
                k.parse::<u32>().ok().filter(|n| *n < u32::MAX)
            } else {
                None
            }
        };
        let (mut ints, rest): (Vec<_>, Vec<_>) =
            out.into_iter().partition(|(k, _)| index(k).is_some());
        ints.sort_by_key(|(k, _)| index(k));
        ints.extend(rest);
        Json::Object(ints)
    }
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> serde::de::Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(Json::Number(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            out.push((k, v));
        }
        Ok(Json::object(out))
    }
}

/// Checks a sample map given as JSON. An entry that is wrong is skipped
/// and described in `problems`; a map that is not an object is an error.
pub fn parse_map(json: &Json) -> Result<SampleMap, String> {
    let Json::Object(entries) = json else {
        return Err(format!(
            "a sample map is an object from sound names to files, not {}",
            json_kind(json)
        ));
    };
    let mut map = SampleMap::default();
    match json.get("_base") {
        None => {}
        Some(Json::String(b)) => match check_base(b) {
            Ok(()) => map.base = Some(b.clone()),
            Err(e) => return Err(format!("`_base`: {e}")),
        },
        Some(other) => {
            return Err(format!(
                "`_base` must be a string (an address), not {}",
                json_kind(other)
            ))
        }
    }
    for (key, value) in entries {
        if key.starts_with('_') {
            continue;
        }
        if map.sounds.len() >= MAX_MAP_SOUNDS {
            map.skip(format!("more than {MAX_MAP_SOUNDS} sounds"));
            break;
        }
        let name = match sound_name(key) {
            Ok(n) => n,
            Err(e) => {
                map.skip(e);
                continue;
            }
        };
        match sound_entry(key, value) {
            Ok((files, base)) => map.sounds.push(MapSound {
                name,
                key: key.clone(),
                base,
                files,
            }),
            Err(e) => map.skip(e),
        }
    }
    Ok(map)
}

/// The name a map key registers: lower case, runs of white space as `_`.
/// Keys that could not be a sound name, or that look like a path
/// (`../x`, `a/b`), are refused.
pub fn sound_name(key: &str) -> Result<String, String> {
    let shown = shorten(key);
    if key.trim().is_empty() {
        return Err("an empty sound name".into());
    }
    if key.len() > MAX_NAME_LEN {
        return Err(format!("the sound name `{shown}` is too long"));
    }
    if key.contains(['/', '\\']) || key.contains("..") || key.chars().any(|c| c.is_control()) {
        return Err(format!("`{shown}` is not a sound name"));
    }
    let mut out = String::with_capacity(key.len());
    let mut in_space = false;
    for c in key.to_lowercase().chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push('_');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    Ok(out)
}

fn sound_entry(key: &str, value: &Json) -> Result<(MapFiles, Option<String>), String> {
    let shown = shorten(key);
    match value {
        Json::String(_) | Json::Array(_) => Ok((MapFiles::List(file_list(key, value)?), None)),
        Json::Object(notes) => {
            let base = match value.get("_base") {
                None => None,
                Some(Json::String(b)) => {
                    check_base(b).map_err(|e| format!("`{shown}`: `_base`: {e}"))?;
                    Some(b.clone())
                }
                Some(other) => {
                    return Err(format!(
                        "`{shown}`: `_base` must be a string, not {}",
                        json_kind(other)
                    ))
                }
            };
            let mut pitched = Vec::new();
            for (note, files) in notes {
                if note.starts_with('_') {
                    continue;
                }
                let midi = crate::tonal::note_to_midi(note, 3.0)
                    .filter(|m| m.is_finite())
                    .ok_or_else(|| {
                        format!(
                            "`{shown}`: `{}` is not a note name (such as c4 or g#2)",
                            shorten(note)
                        )
                    })?;
                pitched.push(PitchedFiles {
                    note: note.clone(),
                    midi,
                    files: file_list(key, files)?,
                });
            }
            if pitched.is_empty() {
                return Err(format!("`{shown}` has no notes"));
            }
            Ok((MapFiles::Pitched(pitched), base))
        }
        other => Err(format!(
            "`{shown}`: expected a file name, a list of file names or an object of notes, not {}",
            json_kind(other)
        )),
    }
}

fn file_list(key: &str, value: &Json) -> Result<Vec<String>, String> {
    let shown = shorten(key);
    let items: Vec<&Json> = match value {
        Json::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    if items.is_empty() {
        return Err(format!("`{shown}` lists no files"));
    }
    if items.len() > MAX_SOUND_FILES {
        return Err(format!("`{shown}` lists more than {MAX_SOUND_FILES} files"));
    }
    items
        .into_iter()
        .map(|f| match f {
            Json::String(f) => {
                check_file_name(f).map_err(|e| format!("`{shown}`: {e}"))?;
                Ok(f.clone())
            }
            other => Err(format!(
                "`{shown}`: expected a file name, not {}",
                json_kind(other)
            )),
        })
        .collect()
}

/// Refuses file names that are empty, contain control characters, go up
/// a folder (`..`, also percent-encoded) or use a scheme other than http
/// and https.
pub fn check_file_name(f: &str) -> Result<(), String> {
    let shown = shorten(f);
    if f.trim().is_empty() {
        return Err("an empty file name".into());
    }
    if f.len() > MAX_FILE_LEN {
        return Err(format!("the file name `{shown}` is too long"));
    }
    if f.chars().any(|c| c.is_control()) {
        return Err(format!("the file name `{shown}` has control characters"));
    }
    let decoded = percent_decode(f);
    let path = decoded.split(['?', '#']).next().unwrap_or("");
    let after_host = match path.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map(|(_, p)| p).unwrap_or(""),
        None => path,
    };
    if after_host.split(['/', '\\']).any(|seg| seg == "..") {
        return Err(format!(
            "the file name `{shown}` goes up a folder (`..`); a map names files inside its pack"
        ));
    }
    check_scheme(f).map_err(|e| format!("the file `{shown}`: {e}"))
}

fn check_base(b: &str) -> Result<(), String> {
    if b.chars().any(|c| c.is_control()) || b.len() > MAX_FILE_LEN {
        return Err(format!("`{}` is not an address", shorten(b)));
    }
    check_scheme(b)
}

fn check_scheme(s: &str) -> Result<(), String> {
    match s.split_once("://") {
        Some((scheme, _))
            if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") =>
        {
            Err(format!(
                "only http and https addresses are used, not `{scheme}://`"
            ))
        }
        _ => Ok(()),
    }
}

/// `%xx` sequences decoded (others left as they are), for checks and for
/// local paths.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if clean.chars().count() <= MAX {
        clean
    } else {
        clean.chars().take(MAX).collect::<String>() + "…"
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A map written in the program as JSON, for [`parse_map`]. Values that
/// JSON cannot hold (functions, patterns) are errors.
pub fn value_to_json(v: &Value) -> Result<Json, String> {
    Ok(match v {
        Value::Null | Value::Undefined => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Num(x) => Json::Number(*x),
        Value::Str(s) => Json::String(s.to_string()),
        Value::List(l) => Json::Array(l.iter().map(value_to_json).collect::<Result<_, _>>()?),
        Value::Map(m) => Json::object(
            m.0.iter()
                .map(|(k, v)| Ok((k.to_string(), value_to_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Value::Func(_) => return Err("a function".into()),
        Value::Pat(_) => {
            return Err("a pattern (write file names in single quotes: 'bd/a.wav')".into())
        }
        Value::Graph(_) => return Err("a sound graph".into()),
    })
}

/// Looks up the sound names of a map given by address (the engine's
/// download cache answers; `None` when the map is not there yet).
#[derive(Clone)]
pub struct MapNames(pub Arc<MapNamesFn>);

/// See [`MapNames`].
pub type MapNamesFn = dyn Fn(&SampleSource) -> Option<Vec<String>> + Send + Sync;

impl std::fmt::Debug for MapNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MapNames")
    }
}

/// Every sound name the sources provide, or `None` when a map given by
/// address is not known yet (its names cannot be checked).
pub fn known_names(sources: &[SampleSource], lookup: Option<&MapNames>) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for s in sources {
        match s {
            SampleSource::Folder(dir) => {
                if let Ok(found) = crate::program::sample_names(dir) {
                    names.extend(found);
                }
            }
            SampleSource::Map { map, .. } => names.extend(map.names()),
            SampleSource::Url { .. } => names.extend((lookup?.0)(s)?),
        }
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_folders() {
        for a in [
            "github:tidalcycles/dirt-samples",
            "https://example.com/strudel.json",
            "HTTP://x/y.json",
            "shabda:bass:4",
            "shabda/speech/fr-FR/f:chocolat",
            "bubo:fox",
        ] {
            assert!(
                matches!(
                    SampleSource::from_text(a, None),
                    Ok(SampleSource::Url { .. })
                ),
                "{a}"
            );
        }
        assert_eq!(
            SampleSource::from_text("pack", Some(std::path::Path::new("/songs"))),
            Ok(SampleSource::Folder(PathBuf::from("/songs/pack")))
        );
        let e = SampleSource::from_text("ftp://x/y", None).unwrap_err();
        assert!(e.contains("http and https only"), "{e}");
    }

    #[test]
    fn a_map_with_lists_strings_and_notes() {
        let m = parse_map_text(
            r#"{
                "_base": "https://example.com/pack/",
                "bd": ["bd/a.wav", "bd/b.wav"],
                "Hi Hat": "hh/x.wav",
                "moog": { "g2": "moog/g2.wav", "C3": ["moog/c3.wav"], "_base": "https://other/" }
            }"#,
        )
        .unwrap();
        assert_eq!(m.base.as_deref(), Some("https://example.com/pack/"));
        assert_eq!(m.skipped, 0);
        let names: Vec<&str> = m.sounds.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["bd", "hi_hat", "moog"]);
        assert_eq!(
            m.sounds[0].files,
            MapFiles::List(vec!["bd/a.wav".into(), "bd/b.wav".into()])
        );
        let MapFiles::Pitched(p) = &m.sounds[2].files else {
            panic!("pitched")
        };
        assert_eq!((p[0].note.as_str(), p[0].midi), ("g2", 43.0));
        assert_eq!((p[1].note.as_str(), p[1].midi), ("C3", 48.0));
        assert_eq!(m.sounds[2].base.as_deref(), Some("https://other/"));
        assert_eq!(m.names(), ["bd", "hi_hat", "Hi Hat", "moog"]);
    }

    #[test]
    fn keys_keep_javascript_order() {
        let m = parse_map_text(
            r#"{"z": "a.wav", "10": "b.wav", "a": "c.wav", "2": "d.wav", "z": "e.wav"}"#,
        )
        .unwrap();
        let names: Vec<&str> = m.sounds.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["2", "10", "z", "a"]);
        assert_eq!(m.sounds[2].files, MapFiles::List(vec!["e.wav".into()]));
    }

    #[test]
    fn bad_entries_are_skipped_and_named() {
        let m = parse_map_text(
            r#"{
                "../../x": "a.wav",
                "up": "../../etc/passwd.wav",
                "up2": "a/%2e%2e/b.wav",
                "num": 5,
                "ftp": "ftp://host/a.wav",
                "notes": { "zz": "a.wav" },
                "ok": "fine.wav"
            }"#,
        )
        .unwrap();
        assert_eq!(m.sounds.len(), 1);
        assert_eq!(m.sounds[0].name, "ok");
        assert_eq!(m.skipped, 6);
        assert_eq!(m.problems.len(), 5);
        assert_eq!(m.problems[0], "`../../x` is not a sound name");
        assert!(
            m.problems[1].contains("`../../etc/passwd.wav` goes up a folder"),
            "{}",
            m.problems[1]
        );
        assert!(
            m.problems[2].contains("goes up a folder"),
            "{}",
            m.problems[2]
        );
        assert!(
            m.problems[3].contains("`num`: expected a file name"),
            "{}",
            m.problems[3]
        );
        assert!(
            m.problems[4].contains("only http and https"),
            "{}",
            m.problems[4]
        );
        let summary = m.problem_summary().unwrap();
        assert!(summary.starts_with("6 entries skipped: "), "{summary}");
        assert!(summary.ends_with("; …"), "{summary}");
    }

    #[test]
    fn a_map_that_is_not_an_object_is_an_error() {
        let e = parse_map_text(r#"["a.wav"]"#).unwrap_err();
        assert!(e.contains("not a list"), "{e}");
        assert!(parse_map_text("{ bd: ")
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(parse_map_text(r#"{"_base": 3}"#).is_err());
        assert!(parse_map_text(r#"{"_base": "file:///etc/"}"#).is_err());
    }

    #[test]
    fn absolute_addresses_are_file_names_too() {
        assert!(check_file_name("https://cdn.example.com/a/b-lq.mp3").is_ok());
        // `..` in the host part is not a path.
        assert!(check_file_name("https://a..b/x.wav").is_ok());
        assert!(check_file_name("https://a/../x.wav").is_err());
        assert!(check_file_name("moog/004_Mighty%20Moog%20G2.wav").is_ok());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2E%zz%4"), "a b.%zz%4");
    }

    #[test]
    fn samples_records_its_sources_in_order() {
        let (p, d) = crate::program::evaluate(
            "samples('github:a/b')\nsamples({ bd: ['x.wav', 'y.wav'] }, 'https://h/')\nsamples('https://e.com/m.json', 'https://base/')\nsamples('github:a/b')",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(p.sample_sources.len(), 3);
        assert_eq!(
            p.sample_sources[0],
            SampleSource::Url {
                url: "github:a/b".into(),
                base: None
            }
        );
        let SampleSource::Map { map, base, .. } = &p.sample_sources[1] else {
            panic!("{:?}", p.sample_sources[1])
        };
        assert_eq!(base.as_deref(), Some("https://h/"));
        assert_eq!(
            map.sounds[0].files,
            MapFiles::List(vec!["x.wav".into(), "y.wav".into()])
        );
        assert_eq!(
            p.sample_sources[2],
            SampleSource::Url {
                url: "https://e.com/m.json".into(),
                base: Some("https://base/".into())
            }
        );
    }

    #[test]
    fn a_malformed_written_map_is_an_error_naming_the_entry() {
        let (p, d) = crate::program::evaluate(
            "samples({ bd: 5, ok: 'a.wav' })\nsamples({ '../x': 'a.wav' })\nsamples(3)\nsamples('ftp://h/x')\n$: s(\"bd\")",
        );
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0231", "E0231", "E0230", "E0230"], "{d:?}");
        assert!(
            d[0].message.contains("`bd`: expected a file name"),
            "{}",
            d[0].message
        );
        assert!(
            d[1].message.contains("`../x` is not a sound name"),
            "{}",
            d[1].message
        );
        assert!(
            d[3].message.contains("http and https only"),
            "{}",
            d[3].message
        );
        // Nothing recorded from them; the track still plays.
        assert!(p.sample_sources.is_empty());
        assert_eq!(p.tracks.len(), 1);
    }

    #[test]
    fn unknown_sounds_are_checked_against_written_maps_but_not_unknown_ones() {
        let options = crate::program::EvalOptions {
            known_sounds: Some(Vec::new()),
            ..Default::default()
        };
        let ev = crate::program::evaluate_with(
            "samples({ Tone: 'a.wav' })\n$: s(\"tone tonne Tone\")",
            &options,
        );
        let w: Vec<&str> = ev.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(w, ["no instrument or sample is called `tonne`"]);
        // A map by address not in the cache: its names are unknown, none reported.
        let ev =
            crate::program::evaluate_with("samples('github:a/b')\n$: s(\"anything\")", &options);
        assert!(ev.diagnostics.is_empty(), "{:?}", ev.diagnostics);
        // Known from the cache: reported again.
        let options = crate::program::EvalOptions {
            sample_map_names: Some(MapNames(Arc::new(|_| Some(vec!["bd".to_string()])))),
            ..options
        };
        let ev =
            crate::program::evaluate_with("samples('github:a/b')\n$: s(\"bd anything\")", &options);
        let w: Vec<&str> = ev.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(w, ["no instrument or sample is called `anything`"]);
    }
}
