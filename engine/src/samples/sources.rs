//! From what `samples(…)` names to sounds: shorthand addresses expanded
//! (`github:`, `shabda:`, `shabda/speech`, `bubo:`, `local:`), sample maps
//! read (downloaded once into the cache) and their file names turned into
//! addresses or paths, as Strudel's sampler does.

use super::fetch::{is_http, FetchError, Fetcher, What};
use lang::sample_source::{
    expand_home, parse_map_text, percent_decode, MapFiles, SampleMap, SampleSource,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where `github:` addresses point.
pub const GITHUB_RAW: &str = "https://raw.githubusercontent.com";
/// A testing aid: when set (e.g. `http://127.0.0.1:8000`), `github:`
/// addresses point at this host instead of [`GITHUB_RAW`], with the same
/// paths (`/user/repo/branch/…`).
pub const GITHUB_RAW_ENV: &str = "WEFT_GITHUB_RAW";
/// Where `shabda:` addresses point.
pub const SHABDA: &str = "https://shabda.ndre.gr";

/// The host `github:` addresses use ([`GITHUB_RAW`] unless
/// [`GITHUB_RAW_ENV`] is set).
pub fn github_raw() -> String {
    std::env::var(GITHUB_RAW_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| GITHUB_RAW.to_string())
        .trim_end_matches('/')
        .to_string()
}

/// `bubo:name` is `github:Bubobubobubobubo/dough-name`.
fn special_paths(s: &str) -> String {
    match s.strip_prefix("bubo:") {
        Some(rest) => {
            let repo = rest.split(':').next().unwrap_or("");
            format!("github:Bubobubobubobubo/dough-{repo}")
        }
        None => s.to_string(),
    }
}

/// `github:user[/repo[/branch[/path…]]]` as an address on `raw`, with
/// `subpath` appended: the repository defaults to `samples`, the branch to
/// `main`.
pub fn github_url(spec: &str, subpath: &str, raw: &str) -> Option<String> {
    let path = spec.strip_prefix("github:")?;
    let path = path.strip_suffix('/').unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    let user = parts[0];
    let repo = parts.get(1).copied().unwrap_or("samples");
    let branch = parts.get(2).copied().unwrap_or("main");
    let mut rest: Vec<&str> = parts.iter().skip(3).copied().collect();
    rest.push(subpath);
    Some(format!("{raw}/{user}/{repo}/{branch}/{}", rest.join("/")))
}

/// The address of a sample map named in `samples('…')`: shorthands
/// expanded (`raw` is the host for `github:`).
pub fn map_url(written: &str, raw: &str) -> Result<String, String> {
    let url = special_paths(written.trim());
    if url.starts_with("github:") {
        return github_url(&url, "strudel.json", raw)
            .ok_or_else(|| format!("`{written}` is not a github: address"));
    }
    if url.starts_with("local:") {
        return Ok("http://localhost:5432".into());
    }
    if let Some(path) = url.strip_prefix("shabda:") {
        return Ok(format!("{SHABDA}/{path}.json?strudel=1"));
    }
    if let Some(path) = url.strip_prefix("shabda/speech") {
        return Ok(shabda_speech(path));
    }
    if is_http(&url) {
        return Ok(url);
    }
    Err(format!(
        "`{written}` is not an address weft can download (http, https, github:, shabda:)"
    ))
}

/// `shabda/speech[/language/gender]:words`: spoken words (English, female
/// voice unless given).
fn shabda_speech(path: &str) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    let (params, words) = path.split_once(':').unwrap_or((path, ""));
    let (mut language, mut gender) = ("en-GB", "f");
    if !params.is_empty() {
        let mut it = params.split('/');
        language = it.next().unwrap_or(language);
        gender = it.next().filter(|g| !g.is_empty()).unwrap_or(gender);
    }
    format!("{SHABDA}/speech/{words}.json?gender={gender}&language={language}&strudel=1")
}

/// The folder of an address (up to and including its last `/`, without
/// query): what a map's files are relative to when it has no `_base`.
pub fn url_dir(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let after_scheme = no_query.find("://").map(|i| i + 3).unwrap_or(0);
    match no_query[after_scheme..].rfind('/') {
        Some(i) => no_query[..after_scheme + i + 1].to_string(),
        None => format!("{no_query}/"),
    }
}

/// One sample file: an address or a path on this computer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileRef {
    Path(PathBuf),
    Url(String),
}

impl std::fmt::Display for FileRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileRef::Path(p) => write!(f, "{}", p.display()),
            FileRef::Url(u) => write!(f, "{u}"),
        }
    }
}

/// The files of a sound.
#[derive(Clone, Debug, PartialEq)]
pub enum Bank {
    /// `n` picks one.
    List(Vec<FileRef>),
    /// By note (MIDI numbers): the nearest is retuned.
    Pitched(Vec<(f64, Vec<FileRef>)>),
}

impl Bank {
    pub fn files(&self) -> Box<dyn Iterator<Item = &FileRef> + '_> {
        match self {
            Bank::List(f) => Box::new(f.iter()),
            Bank::Pitched(p) => Box::new(p.iter().flat_map(|(_, f)| f.iter())),
        }
    }
}

/// A file name of a map with its base: an address, or (only for maps
/// written in the program) a path relative to the program's folder.
fn file_ref(full: &str, remote: bool, dir: Option<&Path>) -> Result<FileRef, String> {
    if is_http(full) {
        return Ok(FileRef::Url(full.to_string()));
    }
    if let Some((scheme, _)) = full.split_once("://") {
        return Err(format!(
            "`{full}`: only http and https addresses are used, not `{scheme}://`"
        ));
    }
    if remote {
        return Err(format!(
            "`{full}`: a downloaded map may only name http and https addresses"
        ));
    }
    let path = expand_home(&percent_decode(full));
    Ok(FileRef::Path(match dir {
        Some(d) if path.is_relative() => d.join(path),
        _ => path,
    }))
}

/// The sounds of a map, each file name joined to its base as Strudel
/// does: `base + name`, where an entry's own `_base` replaces the base for
/// it and for the entries after it, and `github:` bases are expanded.
/// `remote`: the map was downloaded (its files must be addresses).
pub fn resolve_map(
    map: &SampleMap,
    base: &str,
    remote: bool,
    dir: Option<&Path>,
    raw: &str,
) -> (Vec<(String, Bank)>, Vec<String>) {
    let mut sounds = Vec::with_capacity(map.sounds.len());
    let mut problems = Vec::new();
    let mut base = base.to_string();
    for s in &map.sounds {
        if let Some(b) = &s.base {
            base = b.clone();
        }
        base = special_paths(&base);
        if base.starts_with("github:") {
            base = github_url(&base, "", raw).unwrap_or_default();
        }
        let refs = |files: &[String]| -> Result<Vec<FileRef>, String> {
            files
                .iter()
                .map(|f| file_ref(&format!("{base}{f}"), remote, dir))
                .collect()
        };
        let bank = match &s.files {
            MapFiles::List(files) => refs(files).map(Bank::List),
            MapFiles::Pitched(notes) => notes
                .iter()
                .map(|p| Ok((p.midi, refs(&p.files)?)))
                .collect::<Result<Vec<_>, String>>()
                .map(Bank::Pitched),
        };
        match bank {
            Ok(b) => sounds.push((s.name.clone(), b)),
            Err(e) => problems.push(format!("`{}`: {e}", s.key)),
        }
    }
    (sounds, problems)
}

/// A map read from an address.
#[derive(Clone, Debug)]
pub struct LoadedMap {
    /// The address it was read from (shorthands expanded).
    pub url: String,
    pub map: Arc<SampleMap>,
}

/// Why a map could not be read.
#[derive(Clone, Debug, PartialEq)]
pub enum MapError {
    /// Offline and not cached.
    NotCached(String),
    Failed(String),
}

impl std::fmt::Display for MapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MapError::NotCached(url) => write!(
                f,
                "offline: the sample map `{url}` is not in the download cache; its sounds are silent (run once without --offline to download it)"
            ),
            MapError::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Reads the map at `written` (a shorthand or address): from memory, the
/// cache, or the network (blocking). A body that is not a sample map is
/// removed from the cache.
pub fn load_map(fetcher: &Fetcher, written: &str) -> Result<LoadedMap, MapError> {
    load_map_from(fetcher, written, false)
}

/// [`load_map`]; `cache_only`: never download.
fn load_map_from(
    fetcher: &Fetcher,
    written: &str,
    cache_only: bool,
) -> Result<LoadedMap, MapError> {
    let url = map_url(written, &github_raw())
        .map_err(|e| MapError::Failed(format!("cannot load the sample map: {e}")))?;
    if let Some(map) = fetcher.maps.lock().unwrap().get(&url) {
        return Ok(LoadedMap {
            url,
            map: map.clone(),
        });
    }
    let fetched = if cache_only && !fetcher.is_cached(&url) {
        Err(FetchError::NotCached)
    } else {
        fetcher.get(&url, What::Map)
    };
    let path = match fetched {
        Ok(p) => p,
        Err(FetchError::NotCached) => return Err(MapError::NotCached(url)),
        Err(FetchError::Failed(e)) => {
            return Err(MapError::Failed(format!(
                "cannot download the sample map `{url}`: {e}; its sounds are silent"
            )))
        }
    };
    let map = read_map_file(&path).map_err(|e| {
        fetcher.forget(&url);
        MapError::Failed(format!("the sample map `{url}` is unusable: {e}"))
    })?;
    let map = Arc::new(map);
    fetcher
        .maps
        .lock()
        .unwrap()
        .insert(url.clone(), map.clone());
    Ok(LoadedMap { url, map })
}

fn read_map_file(path: &Path) -> Result<SampleMap, String> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len > What::Map.limit() {
        return Err("larger than the limit for sample maps".into());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| "not text (UTF-8)".to_string())?;
    parse_map_text(&text)
}

/// The sound names of a map given by address, if it is in memory or in
/// the cache (never downloads). For the evaluator's unknown-sound check.
pub fn cached_names(fetcher: &Fetcher, source: &SampleSource) -> Option<Vec<String>> {
    let SampleSource::Url { url, .. } = source else {
        return None;
    };
    load_map_from(fetcher, url, true)
        .ok()
        .map(|l| l.map.names())
}

/// The base a map's file names are relative to: the call's own, else the
/// map's `_base`, else the folder of its address.
pub fn map_base(given: Option<&str>, loaded: &LoadedMap) -> String {
    match given.filter(|b| !b.is_empty()) {
        Some(b) => b.to_string(),
        None => loaded
            .map
            .base
            .clone()
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| url_dir(&loaded.url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = "https://raw.githubusercontent.com";

    #[test]
    fn github_addresses() {
        assert_eq!(
            map_url("github:tidalcycles/dirt-samples", RAW).unwrap(),
            "https://raw.githubusercontent.com/tidalcycles/dirt-samples/main/strudel.json"
        );
        assert_eq!(
            map_url("github:yaxu/clean-breaks/main/", RAW).unwrap(),
            "https://raw.githubusercontent.com/yaxu/clean-breaks/main/strudel.json"
        );
        assert_eq!(
            map_url("github:user/repo/dev/packs/drums", RAW).unwrap(),
            "https://raw.githubusercontent.com/user/repo/dev/packs/drums/strudel.json"
        );
        assert_eq!(
            map_url("github:someone", RAW).unwrap(),
            "https://raw.githubusercontent.com/someone/samples/main/strudel.json"
        );
        assert_eq!(
            map_url("bubo:fox", RAW).unwrap(),
            "https://raw.githubusercontent.com/Bubobubobubobubo/dough-fox/main/strudel.json"
        );
        assert_eq!(
            map_url("github:a/b", "http://127.0.0.1:8000").unwrap(),
            "http://127.0.0.1:8000/a/b/main/strudel.json"
        );
        // As a base: the repository's folder.
        assert_eq!(
            github_url("github:tidalcycles/dirt-samples", "", RAW).unwrap(),
            "https://raw.githubusercontent.com/tidalcycles/dirt-samples/main/"
        );
    }

    #[test]
    fn shabda_addresses() {
        assert_eq!(
            map_url("shabda:bass:4,hihat:4", RAW).unwrap(),
            "https://shabda.ndre.gr/bass:4,hihat:4.json?strudel=1"
        );
        assert_eq!(
            map_url("shabda/speech/fr-FR/m:magnifique", RAW).unwrap(),
            "https://shabda.ndre.gr/speech/magnifique.json?gender=m&language=fr-FR&strudel=1"
        );
        assert_eq!(
            map_url("shabda/speech:the_drum,forever", RAW).unwrap(),
            "https://shabda.ndre.gr/speech/the_drum,forever.json?gender=f&language=en-GB&strudel=1"
        );
        assert_eq!(
            map_url("shabda/speech/de-DE:hallo", RAW).unwrap(),
            "https://shabda.ndre.gr/speech/hallo.json?gender=f&language=de-DE&strudel=1"
        );
    }

    #[test]
    fn other_addresses() {
        assert_eq!(
            map_url("https://example.com/pack/strudel.json", RAW).unwrap(),
            "https://example.com/pack/strudel.json"
        );
        assert_eq!(map_url("local:", RAW).unwrap(), "http://localhost:5432");
        assert!(map_url("ftp://x/y.json", RAW).is_err());
        assert_eq!(
            url_dir("https://e.com/pack/strudel.json"),
            "https://e.com/pack/"
        );
        assert_eq!(
            url_dir("https://shabda.ndre.gr/bass:4.json?strudel=1"),
            "https://shabda.ndre.gr/"
        );
        assert_eq!(url_dir("http://localhost:5432"), "http://localhost:5432/");
    }

    fn map(text: &str) -> SampleMap {
        parse_map_text(text).unwrap()
    }

    #[test]
    fn file_names_join_their_base() {
        let m = map(
            r#"{"bd": ["bd/a.wav", "bd/b.wav"], "moog": {"g2": "moog/g2.wav", "_base": "github:x/y"},
                "after": "z.wav", "abs": "https://cdn.example.com/q.mp3"}"#,
        );
        let (sounds, problems) = resolve_map(&m, "https://e.com/p/", true, None, RAW);
        assert!(problems.is_empty(), "{problems:?}");
        let url = |s: &str| FileRef::Url(s.into());
        assert_eq!(
            sounds[0],
            (
                "bd".into(),
                Bank::List(vec![
                    url("https://e.com/p/bd/a.wav"),
                    url("https://e.com/p/bd/b.wav")
                ])
            )
        );
        let gh = "https://raw.githubusercontent.com/x/y/main/";
        assert_eq!(
            sounds[1],
            (
                "moog".into(),
                Bank::Pitched(vec![(43.0, vec![url(&format!("{gh}moog/g2.wav"))])])
            )
        );
        // An entry's `_base` carries on to the entries after it (as in Strudel).
        assert_eq!(
            sounds[2],
            ("after".into(), Bank::List(vec![url(&format!("{gh}z.wav"))]))
        );
        // Without a base only full addresses work; with one they are joined
        // as text (as in Strudel).
        let m = map(r#"{"abs": "https://cdn.example.com/q.mp3"}"#);
        let (sounds, _) = resolve_map(&m, "", true, None, RAW);
        assert_eq!(
            sounds[0],
            (
                "abs".into(),
                Bank::List(vec![url("https://cdn.example.com/q.mp3")])
            )
        );
    }

    #[test]
    fn downloaded_maps_name_only_addresses() {
        let m = map(r#"{"bd": "/etc/x.wav", "ok": "a.wav"}"#);
        let (sounds, problems) = resolve_map(&m, "", true, None, RAW);
        assert!(sounds.is_empty());
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0].contains("only name http and https"),
            "{problems:?}"
        );
        let m = map(r#"{"bd": "a.wav"}"#);
        let (_, problems) = resolve_map(&m, "file:///etc/", true, None, RAW);
        assert!(problems[0].contains("not `file://`"), "{problems:?}");
    }

    #[test]
    fn written_maps_may_name_local_files() {
        let m = map(r#"{"bd": "bd/a%20b.wav"}"#);
        let (sounds, _) = resolve_map(&m, "", false, Some(Path::new("/songs")), RAW);
        assert_eq!(
            sounds[0].1,
            Bank::List(vec![FileRef::Path(PathBuf::from("/songs/bd/a b.wav"))])
        );
    }
}
