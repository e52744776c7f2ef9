//! Downloads into the sample cache: each address is fetched once, its body
//! kept in `$XDG_CACHE_HOME/weft/samples` (else `~/.cache/weft/samples`)
//! under the SHA-256 of the address, and read from there afterwards — also
//! offline.
//!
//! The network is not trusted: only http and https, at most
//! [`MAX_REDIRECTS`] redirects, connect and read timeouts, bodies larger
//! than [`MAX_MAP_BYTES`] (sample maps) or [`MAX_AUDIO_BYTES`] (audio
//! files) are refused while they arrive, and nothing of an address ever
//! becomes part of a file name (a name is 64 hex digits). A body is written
//! to a temporary file and renamed when complete, so a cut download never
//! looks cached. Calls block: the engine calls them from its loader
//! threads, never from the audio thread.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Largest sample map accepted (JSON), in bytes.
pub const MAX_MAP_BYTES: u64 = 4 * 1024 * 1024;
/// Largest audio file accepted, in bytes.
pub const MAX_AUDIO_BYTES: u64 = 32 * 1024 * 1024;
/// Redirects followed at most per request.
pub const MAX_REDIRECTS: u32 = 5;
/// Time allowed to connect (DNS included).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed without receiving anything once connected.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for one whole request, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// What a download is (it decides the size limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Map,
    Audio,
}

impl What {
    pub fn limit(self) -> u64 {
        match self {
            What::Map => MAX_MAP_BYTES,
            What::Audio => MAX_AUDIO_BYTES,
        }
    }
}

/// Why an address could not be had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// Offline, and the address is not in the cache.
    NotCached,
    /// The download failed (the reason, for a message).
    Failed(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::NotCached => write!(f, "not in the download cache (offline)"),
            FetchError::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// Downloads so far (for a progress line).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    pub started: u64,
    pub finished: u64,
    pub failed: u64,
    /// Bytes received.
    pub bytes: u64,
    /// The address most recently started, while downloads run.
    pub current: Option<String>,
}

impl Progress {
    /// Downloads under way.
    pub fn active(&self) -> u64 {
        self.started.saturating_sub(self.finished + self.failed)
    }
}

/// The download cache and the HTTP client.
pub struct Fetcher {
    dir: PathBuf,
    offline: AtomicBool,
    agent: ureq::Agent,
    /// Addresses that failed in this process (not tried again).
    failed: Mutex<HashMap<String, String>>,
    progress: Mutex<Progress>,
    temp_counter: AtomicU64,
    /// Sample maps read so far, by address.
    pub(crate) maps: Mutex<HashMap<String, Arc<lang::sample_source::SampleMap>>>,
}

/// The cache folder: `$XDG_CACHE_HOME/weft/samples`, else
/// `~/.cache/weft/samples` (else one in the temporary folder).
pub fn default_cache_dir() -> PathBuf {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    if let Some(x) = xdg {
        return x.join("weft").join("samples");
    }
    match std::env::var_os("HOME") {
        Some(h) if !h.is_empty() => PathBuf::from(h).join(".cache/weft/samples"),
        _ => std::env::temp_dir().join("weft-cache").join("samples"),
    }
}

/// The cache file name of an address: its SHA-256 in hex.
pub fn cache_name(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// True for `http://…` and `https://…` addresses.
pub fn is_http(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// An address as the HTTP client accepts it: spaces, `#`, quotes,
/// brackets and non-ASCII characters percent-encoded (file names in maps
/// are often written as they are on disk).
pub fn escape_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        let plain = b.is_ascii_graphic()
            && !matches!(
                b,
                b'#' | b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' | b'[' | b']'
            );
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn describe(e: ureq::Error) -> String {
    match e {
        ureq::Error::StatusCode(code) => format!("the server answered HTTP {code}"),
        ureq::Error::HostNotFound => "the host is unknown (no network?)".into(),
        ureq::Error::ConnectionFailed => "cannot connect".into(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::TooManyRedirects => format!("more than {MAX_REDIRECTS} redirects"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "cannot connect (connection refused)".into()
        }
        other => other.to_string(),
    }
}

fn too_large(what: What) -> String {
    let mib = what.limit() / (1024 * 1024);
    match what {
        What::Map => format!("larger than {mib} MiB, the limit for sample maps"),
        What::Audio => format!("larger than {mib} MiB, the limit for audio files"),
    }
}

impl Fetcher {
    /// A fetcher keeping its downloads in `dir`.
    pub fn new(dir: PathBuf) -> Fetcher {
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_per_read(Some(READ_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .max_redirects(MAX_REDIRECTS)
            .user_agent(format!("weft/{}", env!("CARGO_PKG_VERSION")))
            .build();
        Fetcher {
            dir,
            offline: AtomicBool::new(false),
            agent: config.into(),
            failed: Mutex::new(HashMap::new()),
            progress: Mutex::new(Progress::default()),
            temp_counter: AtomicU64::new(0),
            maps: Mutex::new(HashMap::new()),
        }
    }

    /// The process's fetcher, on [`default_cache_dir`].
    pub fn global() -> &'static Fetcher {
        static GLOBAL: OnceLock<Fetcher> = OnceLock::new();
        GLOBAL.get_or_init(|| Fetcher::new(default_cache_dir()))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Offline: only what is in the cache (`--offline`).
    pub fn set_offline(&self, offline: bool) {
        self.offline.store(offline, Ordering::Relaxed);
    }

    pub fn offline(&self) -> bool {
        self.offline.load(Ordering::Relaxed)
    }

    /// Where the body of `url` is (or would be) cached.
    pub fn cache_path(&self, url: &str) -> PathBuf {
        self.dir.join(cache_name(url))
    }

    pub fn is_cached(&self, url: &str) -> bool {
        self.cache_path(url).is_file()
    }

    /// Whether `url` failed earlier in this process.
    pub fn has_failed(&self, url: &str) -> bool {
        self.failed.lock().unwrap().contains_key(url)
    }

    /// Removes a cached body that turned out to be unusable (not audio,
    /// not JSON), so that a later run downloads it again.
    pub fn forget(&self, url: &str) {
        let _ = std::fs::remove_file(self.cache_path(url));
    }

    pub fn progress(&self) -> Progress {
        self.progress.lock().unwrap().clone()
    }

    /// The cached file holding the body of `url`, downloaded first when it
    /// is not cached (blocking). An address that failed once in this
    /// process fails again at once.
    pub fn get(&self, url: &str, what: What) -> Result<PathBuf, FetchError> {
        let path = self.cache_path(url);
        if path.is_file() {
            return Ok(path);
        }
        if self.offline() {
            return Err(FetchError::NotCached);
        }
        if let Some(e) = self.failed.lock().unwrap().get(url) {
            return Err(FetchError::Failed(e.clone()));
        }
        {
            let mut p = self.progress.lock().unwrap();
            p.started += 1;
            p.current = Some(url.to_string());
        }
        let result = self.download(url, what, &path);
        let mut p = self.progress.lock().unwrap();
        match result {
            Ok(()) => {
                p.finished += 1;
                Ok(path)
            }
            Err(e) => {
                p.failed += 1;
                drop(p);
                self.failed
                    .lock()
                    .unwrap()
                    .insert(url.to_string(), e.clone());
                Err(FetchError::Failed(e))
            }
        }
    }

    fn download(&self, url: &str, what: What, dest: &Path) -> Result<(), String> {
        if !is_http(url) {
            return Err("only http and https addresses are downloaded".into());
        }
        let mut response = self.agent.get(&escape_url(url)).call().map_err(describe)?;
        let limit = what.limit();
        if response.body().content_length().is_some_and(|n| n > limit) {
            return Err(too_large(what));
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            format!(
                "cannot create the cache folder `{}`: {e}",
                self.dir.display()
            )
        })?;
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = self.dir.join(format!(
            ".part-{}-{}-{n}",
            cache_name(url),
            std::process::id()
        ));
        let written = self.write_body(response.body_mut().as_reader(), &temp, what);
        let done = written.and_then(|()| {
            std::fs::rename(&temp, dest).map_err(|e| format!("cannot write to the cache: {e}"))
        });
        if done.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        done
    }

    /// Copies a body to `temp`, stopping as soon as it passes the limit.
    fn write_body(&self, mut body: impl Read, temp: &Path, what: What) -> Result<(), String> {
        let mut file = std::fs::File::create(temp)
            .map_err(|e| format!("cannot write to the cache folder: {e}"))?;
        let limit = what.limit();
        let mut total = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("the download broke off ({e})")),
            };
            total += n as u64;
            if total > limit {
                return Err(too_large(what));
            }
            file.write_all(&buf[..n])
                .map_err(|e| format!("cannot write to the cache: {e}"))?;
            self.progress.lock().unwrap().bytes += n as u64;
        }
        file.flush()
            .map_err(|e| format!("cannot write to the cache: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_are_hashes_of_the_address() {
        let a = cache_name("https://example.com/../../etc/passwd");
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, cache_name("https://example.com/x"));
        // SHA-256 of the empty string.
        assert_eq!(
            cache_name(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let f = Fetcher::new(PathBuf::from("/cache"));
        let p = f.cache_path("https://x/../../a b");
        assert_eq!(p.parent(), Some(Path::new("/cache")));
    }

    #[test]
    fn addresses_are_escaped_for_the_client() {
        assert_eq!(
            escape_url("https://h/moog/004_Mighty Moog G2#1.wav"),
            "https://h/moog/004_Mighty%20Moog%20G2%231.wav"
        );
        assert_eq!(escape_url("https://h/a%20b.wav"), "https://h/a%20b.wav");
        assert_eq!(escape_url("https://h/é"), "https://h/%C3%A9");
        assert_eq!(
            escape_url("https://shabda.ndre.gr/bass:4,hihat:4.json?strudel=1"),
            "https://shabda.ndre.gr/bass:4,hihat:4.json?strudel=1"
        );
    }

    #[test]
    fn only_http_and_https() {
        assert!(is_http("HTTPS://x"));
        assert!(is_http("http://x"));
        assert!(!is_http("file:///etc/passwd"));
        assert!(!is_http("ftp://x"));
        let dir = std::env::temp_dir().join(format!("weft-fetch-scheme-{}", std::process::id()));
        let f = Fetcher::new(dir.clone());
        let e = f.get("file:///etc/passwd", What::Audio).unwrap_err();
        assert!(e.to_string().contains("only http and https"), "{e}");
        assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
    }

    #[test]
    fn offline_is_cache_only() {
        let dir = std::env::temp_dir().join(format!("weft-fetch-offline-{}", std::process::id()));
        let f = Fetcher::new(dir.clone());
        f.set_offline(true);
        assert_eq!(
            f.get("http://127.0.0.1:9/x.wav", What::Audio),
            Err(FetchError::NotCached)
        );
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(f.cache_path("http://127.0.0.1:9/x.wav"), b"RIFF").unwrap();
        assert_eq!(
            f.get("http://127.0.0.1:9/x.wav", What::Audio),
            Ok(f.cache_path("http://127.0.0.1:9/x.wav"))
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
