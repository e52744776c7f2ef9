//! Sample playback: where samples come from ([`SampleLibrary`]: folders
//! laid out like Dirt-Samples, sample maps by address or written in the
//! program), decoding on the control side or on loader threads — never on
//! the audio thread — and [`SamplePlayer`], a node of the voice's network.
//!
//! A folder `dir/bd/*.wav` is the sound `bd`, its files sorted by name so
//! that `s("bd:3")` is the fourth. Maps (Strudel's `strudel.json` format)
//! are downloaded once into a cache ([`fetch`]) and their files as they are
//! first needed: while one downloads, the notes that need it are skipped
//! (live), or the render waits ([`download_needed`]).
//!
//! WAV files are decoded with hound, FLAC, Ogg Vorbis and MP3 with
//! symphonia. Samples keep their own sample rate; the player resamples
//! (cubic interpolation) while playing.

pub mod edit;
pub mod fetch;
pub mod onsets;
pub mod resample;
pub mod sources;

use crate::engine::sound_candidates;
use fetch::{FetchError, Fetcher, Progress, What};
use fundsp::prelude32::{AudioNode, BufferMut, BufferRef, Frame, U0, U2};
use lang::program::{Output, Program};
use lang::sample_source::SampleSource;
use lang::value::{Value, ValueMap};
use lang::Time;
use sources::{load_map, map_base, resolve_map, Bank, FileRef, LoadedMap, MapError};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most values (frames × channels) a decoded sample may hold: 2^26, about
/// 11 minutes of stereo at 48 kHz (256 MiB of memory).
pub const MAX_DECODED_VALUES: usize = 1 << 26;

/// A decoded sample: mono or stereo frames (more channels are mixed down
/// to two), at its own sample rate.
#[derive(Debug)]
pub struct Sample {
    /// Interleaved frames, `channels` values each.
    pub data: Vec<f32>,
    pub channels: usize,
    pub rate: f64,
    pub path: PathBuf,
}

impl Sample {
    pub fn frames(&self) -> usize {
        self.data.len() / self.channels.max(1)
    }

    /// Length in seconds.
    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / self.rate
    }

    /// A sample from frames (for tests and generated sounds).
    pub fn from_frames(data: Vec<f32>, channels: usize, rate: f64) -> Sample {
        Sample {
            data,
            channels: channels.clamp(1, 2),
            rate,
            path: PathBuf::new(),
        }
    }
}

/// Decodes a WAV, FLAC, Ogg Vorbis or MP3 file (by its content; the
/// extension only helps).
pub fn decode(path: &Path) -> Result<Sample, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    decode_hinted(path, ext.as_deref())
}

/// True when a file starts like a RIFF WAVE file.
fn looks_like_wav(path: &Path) -> bool {
    let mut head = [0u8; 12];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    f.read_exact(&mut head).is_ok() && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE"
}

/// [`decode`] with the file type hinted (`ext`: the extension of the
/// file's address, for a cached download).
pub fn decode_hinted(path: &Path, ext: Option<&str>) -> Result<Sample, String> {
    let (data, channels, rate) = if looks_like_wav(path) {
        decode_wav(path)?
    } else {
        decode_symphonia(path, ext)?
    };
    if data.is_empty() {
        return Err("the file holds no audio".into());
    }
    if rate == 0 || channels == 0 {
        return Err("the file gives no sample rate or channels".into());
    }
    let (data, channels) = to_stereo_at_most(data, channels);
    Ok(Sample {
        data,
        channels,
        rate: rate as f64,
        path: path.to_path_buf(),
    })
}

fn too_long() -> String {
    format!(
        "longer than the limit of {} million values (about 11 minutes of stereo)",
        MAX_DECODED_VALUES >> 20
    )
}

fn to_stereo_at_most(data: Vec<f32>, channels: usize) -> (Vec<f32>, usize) {
    if channels <= 2 {
        return (data, channels.max(1));
    }
    let mut out = Vec::with_capacity(data.len() / channels * 2);
    for f in data.chunks_exact(channels) {
        // Odd channels to the left, even ones to the right.
        let (mut l, mut r) = (0.0, 0.0);
        for (i, x) in f.iter().enumerate() {
            if i % 2 == 0 {
                l += x;
            } else {
                r += x;
            }
        }
        let n = channels as f32 / 2.0;
        out.push(l / n);
        out.push(r / n);
    }
    (out, 2)
}

fn decode_wav(path: &Path) -> Result<(Vec<f32>, usize, u32), String> {
    let reader = hound::WavReader::open(path).map_err(|e| e.to_string())?;
    let spec = reader.spec();
    if reader.len() as usize > MAX_DECODED_VALUES {
        return Err(too_long());
    }
    let data: Result<Vec<f32>, _> = match spec.sample_format {
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|x| x as f32 * scale))
                .collect()
        }
    };
    let data = data.map_err(|e| e.to_string())?;
    Ok((data, spec.channels as usize, spec.sample_rate))
}

fn decode_symphonia(path: &Path, ext: Option<&str>) -> Result<(Vec<f32>, usize, u32), String> {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
    use symphonia::core::errors::Error;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|_| {
            "not an audio file weft can read (WAV, FLAC, Ogg Vorbis or MP3)".to_string()
        })?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or("no audio track")?;
    let track_id = track.id;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| e.to_string())?;
    let mut rate = track.codec_params.sample_rate.unwrap_or(44100);
    let mut channels = track.codec_params.channels.map(|c| c.count()).unwrap_or(1);
    let mut data = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(Error::ResetRequired) => break,
            Err(e) => return Err(e.to_string()),
        };
        if packet.track_id() != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                let spec = *buf.spec();
                rate = spec.rate;
                channels = spec.channels.count();
                let mut out = SampleBuffer::<f32>::new(buf.capacity() as u64, spec);
                out.copy_interleaved_ref(buf);
                data.extend_from_slice(out.samples());
                if data.len() > MAX_DECODED_VALUES {
                    return Err(too_long());
                }
            }
            Err(Error::DecodeError(_)) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok((data, channels, rate))
}

/// The sounds of a folder laid out like Dirt-Samples: each subfolder that
/// holds audio files, with its files sorted by name.
fn list_folder(dir: &Path) -> std::io::Result<Vec<(String, Vec<PathBuf>)>> {
    Ok(lang::program::sample_names(dir)?
        .into_iter()
        .map(|name| {
            let files = sound_files(&dir.join(&name));
            (name, files)
        })
        .collect())
}

/// The files of one sound in a folder, sorted by file name.
fn sound_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && lang::program::is_audio_file(p))
                .collect()
        })
        .unwrap_or_default();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    files
}

/// The file reference a take is known by (never read from disk).
fn take_ref(name: &str) -> FileRef {
    FileRef::Path(PathBuf::from(format!("<take>/{name}")))
}

/// The extension of an address's file name (a hint for the decoder).
fn url_extension(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?;
    let (_, ext) = name.rsplit_once('.')?;
    (ext.len() <= 5 && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| ext.to_ascii_lowercase())
}

/// Reads one sample file: decodes a local file, or downloads an address
/// (once, into the cache) and decodes the download. A download that is
/// not audio leaves the cache.
pub fn load_file(fetcher: &Fetcher, f: &FileRef) -> Result<Arc<Sample>, String> {
    match f {
        FileRef::Path(p) => decode(p)
            .map(Arc::new)
            .map_err(|e| format!("cannot read the sample `{}`: {e}", p.display())),
        FileRef::Url(u) => {
            let path = fetcher.get(u, What::Audio).map_err(|e| match e {
                FetchError::NotCached => {
                    format!("offline: the sample `{u}` is not in the download cache")
                }
                FetchError::Failed(e) => format!("cannot download the sample `{u}`: {e}"),
            })?;
            decode_hinted(&path, url_extension(u).as_deref())
                .map(Arc::new)
                .map_err(|e| {
                    fetcher.forget(u);
                    format!("the sample `{u}` is unusable: {e}")
                })
        }
    }
}

/// The rounding of JavaScript's `Math.round` (halves go up), which picks
/// a sample by `n`.
fn js_round(x: f64) -> f64 {
    let f = x.floor();
    if x - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

/// The file `n` picks among `count` (wrapping around; not a number is 0).
fn index_of(n: Option<f64>, count: usize) -> usize {
    let n = n.filter(|n| n.is_finite()).map(js_round).unwrap_or(0.0);
    n.rem_euclid(count as f64) as usize % count.max(1)
}

/// How a sample file stands.
#[derive(Clone)]
pub enum FileStatus {
    Ready(Arc<Sample>),
    /// Being downloaded or decoded (live): the note is skipped.
    Loading,
    /// It could not be had (reported once).
    Failed,
}

enum FileState {
    Pending,
    Ready(Arc<Sample>),
    Failed,
}

enum MapState {
    Pending,
    Ready(LoadedMap),
    Failed,
}

enum Job {
    Map(String),
    File(FileRef),
}

enum Done {
    Map(String, Result<LoadedMap, MapError>),
    File(FileRef, Result<Arc<Sample>, String>),
}

/// Loader threads: maps and files are fetched and decoded in parallel.
struct Workers {
    jobs: Sender<Job>,
    done: Receiver<Done>,
}

/// Loader threads at most (downloads in parallel).
const WORKERS: usize = 4;

fn start_workers(fetcher: &'static Fetcher) -> Option<Workers> {
    let (jobs, job_rx) = channel::<Job>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done) = channel();
    let mut started = 0;
    for i in 0..WORKERS {
        let rx = job_rx.clone();
        let tx = done_tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("weft-samples-{i}"))
            .spawn(move || loop {
                let job = match rx.lock() {
                    Ok(r) => r.recv(),
                    Err(_) => break,
                };
                let result = match job {
                    Ok(Job::Map(url)) => {
                        let r = load_map(fetcher, &url);
                        Done::Map(url, r)
                    }
                    Ok(Job::File(f)) => {
                        let r = load_file(fetcher, &f);
                        Done::File(f, r)
                    }
                    Err(_) => break,
                };
                if tx.send(result).is_err() {
                    break;
                }
            });
        if spawned.is_ok() {
            started += 1;
        }
    }
    (started > 0).then_some(Workers { jobs, done })
}

/// The samples the engine knows: the sources of the running program, the
/// sounds they provide (a later source wins a name an earlier one also
/// has), and the files decoded so far. Lives on the control side.
///
/// Files are loaded when first needed: on loader threads while playing
/// live (a note whose file is not ready is skipped), or at once before the
/// first program starts (files on this computer or in the cache) and for
/// offline renders ([`SampleLibrary::set_blocking`]: downloads too).
pub struct SampleLibrary {
    fetcher: &'static Fetcher,
    sources: Vec<SampleSource>,
    folders: HashMap<PathBuf, Vec<(String, Vec<PathBuf>)>>,
    /// Maps given by address, by the address as written.
    maps: HashMap<String, MapState>,
    index: HashMap<String, Arc<Bank>>,
    files: HashMap<FileRef, FileState>,
    blocking: bool,
    workers: Option<Workers>,
    maps_arrived: bool,
    /// Takes (see [`crate::takes`]): sounds held in memory, which win a
    /// name a source also has.
    takes: HashMap<String, Arc<Sample>>,
    /// Edits by sound name (`editSample`), and the edited files so far.
    edits: HashMap<String, lang::sample_edit::SampleEdit>,
    /// By sound and file: the original the edit was made from, and the edit.
    edited: HashMap<(String, FileRef), (Arc<Sample>, Arc<Sample>)>,
    /// Problems to report (unreadable folders and files, failed downloads,
    /// unusable maps).
    pub problems: Vec<String>,
}

impl Default for SampleLibrary {
    fn default() -> Self {
        SampleLibrary::new()
    }
}

impl SampleLibrary {
    /// A library using the process's download cache.
    pub fn new() -> SampleLibrary {
        SampleLibrary::with_fetcher(Fetcher::global())
    }

    pub fn with_fetcher(fetcher: &'static Fetcher) -> SampleLibrary {
        SampleLibrary {
            fetcher,
            sources: Vec::new(),
            folders: HashMap::new(),
            maps: HashMap::new(),
            index: HashMap::new(),
            files: HashMap::new(),
            blocking: false,
            workers: None,
            maps_arrived: false,
            takes: HashMap::new(),
            edits: HashMap::new(),
            edited: HashMap::new(),
            problems: Vec::new(),
        }
    }

    /// Blocking: maps and files are fetched when asked for, downloads
    /// included (offline renders, which must be exact).
    pub fn set_blocking(&mut self, blocking: bool) {
        self.blocking = blocking;
    }

    /// Sets the sources. Folders are listed and maps read only when they
    /// are new; files already decoded are kept while a sound still uses
    /// them.
    pub fn set_sources(&mut self, sources: &[SampleSource]) {
        if self.sources == sources {
            return;
        }
        self.sources = sources.to_vec();
        self.folders
            .retain(|d, _| sources.contains(&SampleSource::Folder(d.clone())));
        self.maps.retain(|u, _| {
            sources
                .iter()
                .any(|s| matches!(s, SampleSource::Url { url, .. } if url == u))
        });
        for s in sources {
            match s {
                SampleSource::Folder(dir) if !self.folders.contains_key(dir) => {
                    let listing = list_folder(dir).unwrap_or_else(|e| {
                        self.problems.push(format!(
                            "cannot read the sample folder `{}`: {e}",
                            dir.display()
                        ));
                        Vec::new()
                    });
                    self.folders.insert(dir.clone(), listing);
                }
                SampleSource::Url { url, .. } if !self.maps.contains_key(url) => {
                    self.start_map(url);
                }
                _ => {}
            }
        }
        self.rebuild();
    }

    /// Reads a map now when that is quick or allowed (cached, offline,
    /// blocking), else on a loader thread.
    fn start_map(&mut self, url: &str) {
        let cached = sources::map_url(url, &sources::github_raw()).is_ok_and(|full| {
            self.fetcher.maps.lock().unwrap().contains_key(&full)
                || self.fetcher.is_cached(&full)
                || self.fetcher.has_failed(&full)
        });
        if self.blocking || cached || self.fetcher.offline() || !self.dispatch(Job::Map(url.into()))
        {
            let r = load_map(self.fetcher, url);
            self.finish_map(url, r);
        } else {
            self.maps.insert(url.to_string(), MapState::Pending);
        }
    }

    fn finish_map(&mut self, url: &str, r: Result<LoadedMap, MapError>) {
        let state = match r {
            Ok(loaded) => {
                if let Some(p) = loaded.map.problem_summary() {
                    self.problems
                        .push(format!("sample map `{}`: {p}", loaded.url));
                }
                MapState::Ready(loaded)
            }
            Err(e) => {
                self.problems.push(e.to_string());
                MapState::Failed
            }
        };
        self.maps.insert(url.to_string(), state);
    }

    /// The sound index from the sources, in order.
    fn rebuild(&mut self) {
        let raw = sources::github_raw();
        let mut index: HashMap<String, Arc<Bank>> = HashMap::new();
        for s in &self.sources {
            let (sounds, problems, label) = match s {
                SampleSource::Folder(dir) => {
                    for (name, files) in self.folders.get(dir).into_iter().flatten() {
                        let refs = files.iter().cloned().map(FileRef::Path).collect();
                        index.insert(name.clone(), Arc::new(Bank::List(refs)));
                    }
                    continue;
                }
                SampleSource::Map { map, base, dir } => {
                    let b = base
                        .clone()
                        .or_else(|| map.base.clone())
                        .unwrap_or_default();
                    let (sounds, problems) = resolve_map(map, &b, false, dir.as_deref(), &raw);
                    (sounds, problems, "the sample map".to_string())
                }
                SampleSource::Url { url, base } => {
                    let Some(MapState::Ready(loaded)) = self.maps.get(url) else {
                        continue;
                    };
                    let b = map_base(base.as_deref(), loaded);
                    let (sounds, problems) = resolve_map(&loaded.map, &b, true, None, &raw);
                    (sounds, problems, format!("sample map `{}`", loaded.url))
                }
            };
            for p in problems {
                self.problems.push(format!("{label}: {p}"));
            }
            for (name, bank) in sounds {
                index.insert(name, Arc::new(bank));
            }
        }
        for (name, sample) in &self.takes {
            let f = take_ref(name);
            index.insert(name.clone(), Arc::new(Bank::List(vec![f.clone()])));
            self.files.insert(f, FileState::Ready(sample.clone()));
        }
        let used: HashSet<&FileRef> = index.values().flat_map(|b| b.files()).collect();
        self.files.retain(|f, _| used.contains(f));
        self.index = index;
    }

    /// Sets the edits (`editSample`); edited files are made again only
    /// for sounds whose edit changed.
    pub fn set_edits(&mut self, edits: &[(String, lang::sample_edit::SampleEdit)]) {
        let new: HashMap<String, lang::sample_edit::SampleEdit> = edits.iter().cloned().collect();
        self.edited
            .retain(|(name, _), _| new.get(name) == self.edits.get(name));
        self.edits = new;
    }

    /// `sample` (the file `f` of the sound `name`) with the sound's edits
    /// applied, made once and kept.
    pub fn edited(&mut self, name: &str, f: &FileRef, sample: Arc<Sample>) -> Arc<Sample> {
        let Some(e) = self.edits.get(name) else {
            return sample;
        };
        let key = (name.to_string(), f.clone());
        if let Some((from, done)) = self.edited.get(&key) {
            if Arc::ptr_eq(from, &sample) {
                return done.clone();
            }
        }
        let out = Arc::new(edit::apply(&sample, e));
        self.edited.insert(key, (sample, out.clone()));
        out
    }

    /// Makes `sample` the sound `name` (a take), replacing any take of
    /// that name; notes already sounding keep the previous one.
    pub fn set_take(&mut self, name: &str, sample: Arc<Sample>) {
        self.takes.insert(name.to_string(), sample);
        self.rebuild();
    }

    fn lookup(&self, name: &str) -> Option<&Arc<Bank>> {
        self.index
            .get(name)
            .or_else(|| self.index.get(&name.to_lowercase()))
    }

    /// Whether a sound of this name exists (loaded or not).
    pub fn has(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }

    /// Every sound name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(|s| s.as_str())
    }

    /// Whether a map given by address is still being downloaded (its
    /// sounds are not known yet).
    pub fn maps_pending(&self) -> bool {
        self.maps.values().any(|m| matches!(m, MapState::Pending))
    }

    /// True once after maps arrived (their sounds are new).
    pub fn take_maps_arrived(&mut self) -> bool {
        std::mem::take(&mut self.maps_arrived)
    }

    /// The file an event plays and the MIDI note it sounds at unchanged:
    /// `n` picks among the files (rounded, wrapping); a pitched sound uses
    /// the files of the note nearest the event's (`note`, `freq`, else
    /// 36), the first written winning a tie.
    pub fn pick(&self, name: &str, ev: &ValueMap) -> Option<(FileRef, f64)> {
        let n = ev.get("n").and_then(crate::voice::number);
        match &**self.lookup(name)? {
            Bank::List(files) if !files.is_empty() => {
                Some((files[index_of(n, files.len())].clone(), 36.0))
            }
            Bank::List(_) => None,
            Bank::Pitched(notes) => {
                let midi = crate::voice::event_midi(ev).unwrap_or(36.0);
                let mut best: Option<&(f64, Vec<FileRef>)> = None;
                for entry in notes {
                    if best.is_none_or(|b| (entry.0 - midi).abs() < (b.0 - midi).abs()) {
                        best = Some(entry);
                    }
                }
                let (root, files) = best?;
                if files.is_empty() {
                    return None;
                }
                Some((files[index_of(n, files.len())].clone(), *root))
            }
        }
    }

    /// A file's sample: ready, loading or failed. Not loaded yet, it is
    /// loaded here when `now` (a file on this computer or in the cache) or
    /// when blocking (downloads too), else on a loader thread.
    pub fn file(&mut self, f: &FileRef, now: bool) -> FileStatus {
        match self.files.get(f) {
            Some(FileState::Ready(s)) => return FileStatus::Ready(s.clone()),
            Some(FileState::Pending) => return FileStatus::Loading,
            Some(FileState::Failed) => return FileStatus::Failed,
            None => {}
        }
        let quick = match f {
            FileRef::Path(_) => true,
            FileRef::Url(u) => {
                self.fetcher.is_cached(u) || self.fetcher.offline() || self.fetcher.has_failed(u)
            }
        };
        if self.blocking || (now && quick) || !self.dispatch(Job::File(f.clone())) {
            let r = load_file(self.fetcher, f);
            return self.store(f.clone(), r);
        }
        self.files.insert(f.clone(), FileState::Pending);
        FileStatus::Loading
    }

    /// Whether a file must still be downloaded (not in the cache).
    pub fn is_download(&self, f: &FileRef) -> bool {
        matches!(f, FileRef::Url(u) if !self.fetcher.is_cached(u))
    }

    fn store(&mut self, f: FileRef, r: Result<Arc<Sample>, String>) -> FileStatus {
        let (state, status) = match r {
            Ok(s) => (FileState::Ready(s.clone()), FileStatus::Ready(s)),
            Err(e) => {
                self.problems.push(e);
                (FileState::Failed, FileStatus::Failed)
            }
        };
        self.files.insert(f, state);
        status
    }

    /// Hands a job to the loader threads (started on first use). False
    /// when no thread could be started.
    fn dispatch(&mut self, job: Job) -> bool {
        if self.workers.is_none() {
            self.workers = start_workers(self.fetcher);
        }
        match &self.workers {
            Some(w) => w.jobs.send(job).is_ok(),
            None => false,
        }
    }

    /// Takes in what the loader threads have finished.
    pub fn poll(&mut self) {
        let mut done = Vec::new();
        if let Some(w) = &self.workers {
            while let Ok(d) = w.done.try_recv() {
                done.push(d);
            }
        }
        let mut rebuild = false;
        for d in done {
            match d {
                Done::Map(url, r) => {
                    if matches!(self.maps.get(&url), Some(MapState::Pending)) {
                        self.finish_map(&url, r);
                        rebuild = true;
                    }
                }
                Done::File(f, r) => {
                    if matches!(self.files.get(&f), Some(FileState::Pending)) {
                        self.store(f, r);
                    }
                }
            }
        }
        if rebuild {
            self.rebuild();
            self.maps_arrived = true;
        }
    }

    /// The addresses of the files the program's audible tracks play from
    /// cycle 0 to `until` that are not in the cache yet.
    pub fn needed_downloads(&self, program: &Program, until: Time) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for t in program.audible().filter(|t| t.output == Output::Audio) {
            let mut at = Time::ZERO;
            while at < until {
                let end = (at + Time::ONE).min(until);
                let state = lang::pattern::State::new(lang::Span::new(at, end));
                let budget = lang::pattern::Budget::for_span(&state.span);
                // A track too dense to play needs no files (it is reported
                // when it plays).
                let Ok(haps) = lang::pattern::query_within(&t.pattern, &state, budget).haps else {
                    break;
                };
                for h in haps.iter().filter(|h| h.has_onset()) {
                    let owned;
                    let ev = match &h.value {
                        Value::Map(m) => &**m,
                        Value::Str(s) => {
                            owned = ValueMap(vec![("s".into(), Value::Str(s.clone()))]);
                            &owned
                        }
                        _ => continue,
                    };
                    let Some(c) = sound_candidates(ev).into_iter().find(|c| self.has(c)) else {
                        continue;
                    };
                    if let Some((FileRef::Url(u), _)) = self.pick(&c, ev) {
                        if !self.fetcher.is_cached(&u)
                            && !self.fetcher.has_failed(&u)
                            && seen.insert(u.clone())
                        {
                            out.push(u);
                        }
                    }
                }
                at = end;
            }
        }
        out
    }
}

/// Downloads what an offline render of `program` up to cycle `until` will
/// play, before it starts (a render must be exact): the maps, then the
/// files, several at a time. `progress` is called while waiting. Fails
/// only when `timeout` passes first; failed downloads are left for the
/// render to report (each once). Offline, nothing is downloaded.
pub fn download_needed(
    program: &Program,
    until: Time,
    timeout: Duration,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), String> {
    let fetcher = Fetcher::global();
    if fetcher.offline()
        || !program
            .sample_sources
            .iter()
            .any(|s| s.is_remote() || matches!(s, SampleSource::Map { .. }))
    {
        return Ok(());
    }
    let started = Instant::now();
    let timed_out =
        |what: String| format!("timed out after {} s waiting for {what}", timeout.as_secs());
    let mut lib = SampleLibrary::with_fetcher(fetcher);
    lib.set_sources(&program.sample_sources);
    while lib.maps_pending() {
        if started.elapsed() > timeout {
            return Err(timed_out("sample maps to download".into()));
        }
        progress(&fetcher.progress());
        std::thread::sleep(Duration::from_millis(20));
        lib.poll();
    }
    let urls = lib.needed_downloads(program, until);
    if urls.is_empty() {
        return Ok(());
    }
    let total = urls.len();
    let queue = Arc::new(Mutex::new(urls.into_iter().collect::<VecDeque<String>>()));
    let left = Arc::new(AtomicUsize::new(total));
    let work = {
        let (queue, left) = (queue.clone(), left.clone());
        move || {
            while let Some(url) = queue.lock().ok().and_then(|mut q| q.pop_front()) {
                let _ = fetcher.get(&url, What::Audio);
                left.fetch_sub(1, Ordering::AcqRel);
            }
        }
    };
    for i in 0..WORKERS.min(total) {
        let spawned = std::thread::Builder::new()
            .name(format!("weft-download-{i}"))
            .spawn(work.clone());
        if spawned.is_err() {
            // No thread: download here.
            work();
        }
    }
    loop {
        progress(&fetcher.progress());
        let remaining = left.load(Ordering::Acquire);
        if remaining == 0 {
            return Ok(());
        }
        if started.elapsed() > timeout {
            queue.lock().map(|mut q| q.clear()).ok();
            return Err(timed_out(format!(
                "{remaining} of {total} sample files to download"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Plays a region of a sample at a fixed rate (frames of the sample per
/// output frame; negative plays backwards from the region's end), once or
/// looping. Two outputs (a mono sample uses the first). Never allocates.
#[derive(Clone, Debug)]
pub struct SamplePlayer {
    sample: Arc<Sample>,
    rate: f64,
    begin: f64,
    end: f64,
    looping: bool,
    pos: f64,
    /// A position's bits and a number of frames from it on that surely
    /// lie inside (at least: see [`Self::frames_surely_inside`], which
    /// depends on nothing else that changes), left by a lane bank for
    /// the next chunk.
    sure: (u64, usize),
}

/// A player as a lane bank reads it (see [`SamplePlayer::lane`]). For
/// each of the next `sure` frames: the position's whole part `i` (`pos as
/// i64`) and fraction `t` (`(pos - i as f64) as f32`), the frames `i - 1`
/// to `i + 2` (at `data[(i - 1) · channels ..]`, channel after channel),
/// [`cubic`] of them at `t` per channel; then `pos += rate`.
pub(crate) struct Lane<'a> {
    pub data: &'a [f32],
    pub channels: usize,
    pub pos: f64,
    pub rate: f64,
    pub sure: usize,
}

/// Catmull-Rom interpolation between `y1` and `y2` at `t` (0–1).
/// (The lane banks compute it eight lanes at a time with the same
/// operations in the same order: `dsp::lanes::cubic`.)
#[inline(always)]
fn cubic(y0: f32, y1: f32, y2: f32, y3: f32, t: f32) -> f32 {
    let a = -0.5 * y0 + 1.5 * y1 - 1.5 * y2 + 0.5 * y3;
    let b = y0 - 2.5 * y1 + 2.0 * y2 - 0.5 * y3;
    let c = -0.5 * y0 + 0.5 * y2;
    ((a * t + b) * t + c) * t + y1
}

impl SamplePlayer {
    /// `begin` and `end` are fractions of the sample (0–1).
    pub fn new(sample: Arc<Sample>, rate: f64, begin: f64, end: f64, looping: bool) -> Self {
        let frames = sample.frames() as f64;
        let (b, e) = (begin.min(end) * frames, begin.max(end) * frames);
        let pos = if rate < 0.0 { e - 1.0 } else { b };
        SamplePlayer {
            sample,
            rate,
            begin: b,
            end: e,
            looping,
            pos,
            // The bits of a NaN, whose frames surely inside are none.
            sure: (u64::MAX, 0),
        }
    }

    /// Output frames until the region has played once.
    pub fn length_frames(&self) -> usize {
        ((self.end - self.begin) / self.rate.abs()).ceil().max(0.0) as usize
    }

    #[inline]
    fn frame(&self, i: i64, ch: usize) -> f32 {
        let n = self.sample.frames() as i64;
        if i < 0 || i >= n {
            return 0.0;
        }
        let c = self.sample.channels;
        self.sample.data[i as usize * c + ch.min(c - 1)]
    }

    /// Cubic (Catmull-Rom) interpolation at the current position (which
    /// is inside the region, so not negative: truncation is the floor).
    #[inline]
    fn read(&self, ch: usize) -> f32 {
        let i = self.pos as i64;
        let t = (self.pos - i as f64) as f32;
        let c = self.sample.channels;
        let n = self.sample.frames() as i64;
        let (y0, y1, y2, y3) = if i >= 1 && i + 2 < n {
            // The four frames are inside the sample: no checks.
            let at = |k: i64| self.sample.data[k as usize * c + ch.min(c - 1)];
            (at(i - 1), at(i), at(i + 1), at(i + 2))
        } else {
            (
                self.frame(i - 1, ch),
                self.frame(i, ch),
                self.frame(i + 1, ch),
                self.frame(i + 2, ch),
            )
        };
        cubic(y0, y1, y2, y3, t)
    }

    /// Fills `left` and `right` (the same length) with the next frames:
    /// what [`Self::next_frame`] gives frame by frame. While the four
    /// frames of the interpolation lie inside the sample, a run of
    /// positions is taken first, then their frames, then the
    /// interpolation over the run (which vectorises).
    pub fn fill(&mut self, left: &mut [f32], right: &mut [f32]) {
        const RUN: usize = 64;
        let sample = Arc::clone(&self.sample);
        let (data, c) = (&sample.data[..], sample.channels);
        let n = sample.frames() as i64;
        let len = left.len().min(right.len());
        let mut k = 0;
        while k < len {
            let mut at = [0usize; RUN];
            let mut t = [0.0f32; RUN];
            let want = RUN.min(len - k);
            let mut pos = self.pos;
            // Frames surely inside: their positions without a test each.
            let sure = self.frames_surely_inside(n, c).min(want);
            for q in 0..sure {
                let i = pos as i64;
                t[q] = (pos - i as f64) as f32;
                at[q] = (i - 1) as usize * c;
                pos += self.rate;
            }
            let mut m = sure;
            while m < want {
                let inside = pos >= self.begin && pos < self.end;
                let i = pos as i64;
                if !inside || i < 1 || i + 2 >= n || c == 0 {
                    break;
                }
                t[m] = (pos - i as f64) as f32;
                at[m] = (i - 1) as usize * c;
                pos += self.rate;
                m += 1;
            }
            self.pos = pos;
            if m == 0 {
                (left[k], right[k]) = self.next_frame().unwrap_or((0.0, 0.0));
                k += 1;
                continue;
            }
            let mut y = [[0.0f32; RUN]; 4];
            for (q, &at) in at[..m].iter().enumerate() {
                let w = &data[at..at + 4 * c];
                for (j, y) in y.iter_mut().enumerate() {
                    y[q] = w[j * c];
                }
            }
            let l = &mut left[k..k + m];
            for (q, l) in l.iter_mut().enumerate() {
                *l = cubic(y[0][q], y[1][q], y[2][q], y[3][q], t[q]);
            }
            if c == 1 {
                right[k..k + m].copy_from_slice(l);
            } else {
                for (q, &at) in at[..m].iter().enumerate() {
                    let w = &data[at..at + 4 * c];
                    for (j, y) in y.iter_mut().enumerate() {
                        y[q] = w[j * c + 1];
                    }
                }
                for (q, r) in right[k..k + m].iter_mut().enumerate() {
                    *r = cubic(y[0][q], y[1][q], y[2][q], y[3][q], t[q]);
                }
            }
            k += m;
        }
    }

    /// What a lane bank needs to play this player's next frames side by
    /// side with others ([`crate::dsp::lanes`]): its frames, position and
    /// rate, and how many frames surely lie inside (see
    /// [`Self::frames_surely_inside`]), which the bank computes as
    /// [`Self::fill`] does, then continues from with [`Self::move_to`].
    pub(crate) fn lane(&self) -> Lane<'_> {
        let sample = &*self.sample;
        let channels = sample.channels;
        let (at, known) = self.sure;
        let sure = if at == self.pos.to_bits() {
            known
        } else {
            self.frames_surely_inside(sample.frames() as i64, channels)
        };
        Lane {
            data: &sample.data,
            channels,
            pos: self.pos,
            rate: self.rate,
            sure,
        }
    }

    /// Continues from `pos`, reached by adding the rate once a frame from
    /// [`Lane::pos`] over frames surely inside, from where `sure` more
    /// frames surely lie inside (the lane's `sure` less the frames
    /// played, or fewer): kept so that the next chunk need not find them.
    pub(crate) fn move_to(&mut self, pos: f64, sure: usize) {
        self.pos = pos;
        self.sure = (pos.to_bits(), sure);
    }

    /// How many frames from the current position on surely have their
    /// four interpolation frames inside the sample and lie inside the
    /// region (a frame short of the bound, so the positions added up one
    /// rate at a time cannot cross it by rounding); 0 for an empty sample.
    fn frames_surely_inside(&self, frames: i64, channels: usize) -> usize {
        // Inside: low <= pos < high, as the test frame by frame reads it
        // (`pos as i64` >= 1 and + 2 < frames).
        let low = self.begin.max(1.0);
        let high = self.end.min((frames - 2) as f64);
        let pos = self.pos;
        if channels == 0 || !(pos >= low && pos < high) {
            return 0;
        }
        let room = if self.rate > 0.0 {
            (high - pos) / self.rate
        } else if self.rate < 0.0 {
            (pos - low) / -self.rate
        } else {
            return usize::MAX;
        };
        // Whole frames of room, less one for rounding; NaN gives 0.
        (room - 1.0).floor().clamp(0.0, 1e9) as usize
    }

    /// The next output frame (left, right), or `None` once a region that
    /// does not loop has ended (silence from then on).
    #[inline]
    fn next_frame(&mut self) -> Option<(f32, f32)> {
        let inside = self.pos >= self.begin && self.pos < self.end;
        if !inside {
            if !self.looping || self.end - self.begin < 1.0 {
                return None;
            }
            let len = self.end - self.begin;
            self.pos = self.begin + (self.pos - self.begin).rem_euclid(len);
        }
        let l = self.read(0);
        // A mono sample's right channel is its left.
        let r = if self.sample.channels == 1 {
            l
        } else {
            self.read(1)
        };
        self.pos += self.rate;
        Some((l, r))
    }
}

impl AudioNode for SamplePlayer {
    const ID: u64 = 0x7766_0201;
    type Inputs = U0;
    type Outputs = U2;

    fn reset(&mut self) {
        self.pos = if self.rate < 0.0 {
            self.end - 1.0
        } else {
            self.begin
        };
    }

    #[inline]
    fn tick(&mut self, _input: &Frame<f32, U0>) -> Frame<f32, U2> {
        let (l, r) = self.next_frame().unwrap_or((0.0, 0.0));
        [l, r].into()
    }

    fn process(&mut self, size: usize, _input: &BufferRef, output: &mut BufferMut) {
        for k in 0..size {
            let (l, r) = self.next_frame().unwrap_or((0.0, 0.0));
            output.set_f32(0, k, l);
            output.set_f32(1, k, r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lang::sample_source::parse_map_text;

    fn written(map: &str, base: &str) -> SampleSource {
        SampleSource::Map {
            map: Arc::new(parse_map_text(map).unwrap()),
            base: Some(base.to_string()),
            dir: None,
        }
    }

    fn event(pairs: &[(&str, Value)]) -> ValueMap {
        ValueMap(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), v.clone()))
                .collect(),
        )
    }

    fn path(p: &str) -> FileRef {
        FileRef::Path(PathBuf::from(p))
    }

    #[test]
    fn filling_a_chunk_gives_the_frames_one_by_one() {
        let mut rng = fastrand::Rng::with_seed(11);
        for case in 0..200 {
            let channels = 1 + case % 3;
            let frames = [1, 2, 3, 5, 40, 1000][case % 6];
            let data = (0..frames * channels).map(|_| rng.f32() - 0.5).collect();
            let sample = Arc::new(Sample {
                data,
                channels,
                rate: 48000.0,
                path: PathBuf::new(),
            });
            let rate = [1.0, 0.37, 2.9, -1.0, -0.61, 1e-3, 0.0][case % 7];
            let (begin, end) = (rng.f64() * 0.5, 0.5 + rng.f64() * 0.5);
            let looping = case % 2 == 0;
            let mut a = SamplePlayer::new(sample.clone(), rate, begin, end, looping);
            let mut b = a.clone();
            for len in [64, 1, 17, 64, 300] {
                let (mut l, mut r) = (vec![9.0; len], vec![9.0; len]);
                a.fill(&mut l, &mut r);
                for k in 0..len {
                    let (x, y) = b.next_frame().unwrap_or((0.0, 0.0));
                    assert_eq!((l[k].to_bits(), r[k].to_bits()), (x.to_bits(), y.to_bits()));
                }
                assert_eq!(a.pos.to_bits(), b.pos.to_bits(), "case {case}");
            }
        }
    }

    #[test]
    fn n_picks_a_file_rounding_like_javascript_and_wrapping() {
        let mut lib = SampleLibrary::new();
        lib.set_sources(&[written(r#"{"bd": ["0.wav", "1.wav", "2.wav"]}"#, "/p/")]);
        let pick = |n: f64| lib.pick("bd", &event(&[("n", Value::Num(n))])).unwrap();
        assert_eq!(pick(0.0), (path("/p/0.wav"), 36.0));
        assert_eq!(pick(1.5).0, path("/p/2.wav"));
        assert_eq!(pick(1.49).0, path("/p/1.wav"));
        assert_eq!(pick(-0.5).0, path("/p/0.wav"));
        assert_eq!(pick(-1.0).0, path("/p/2.wav"));
        assert_eq!(pick(4.0).0, path("/p/1.wav"));
        assert_eq!(pick(f64::NAN).0, path("/p/0.wav"));
        assert_eq!(lib.pick("bd", &event(&[])).unwrap().0, path("/p/0.wav"));
        // Names are matched as Strudel registers them: in lower case.
        assert!(lib.has("BD"));
        assert!(!lib.has("sd"));
    }

    #[test]
    fn a_pitched_sound_picks_the_nearest_note() {
        let mut lib = SampleLibrary::new();
        lib.set_sources(&[written(
            r#"{"moog": {"c3": "c3.wav", "c5": ["c5a.wav", "c5b.wav"], "g2": "g2.wav"}}"#,
            "/m/",
        )]);
        let pick = |pairs: &[(&str, Value)]| lib.pick("moog", &event(pairs)).unwrap();
        // A tie (c4 is 12 from c3 and from c5): the first written wins.
        assert_eq!(pick(&[("note", "c4".into())]), (path("/m/c3.wav"), 48.0));
        assert_eq!(
            pick(&[("note", Value::Num(71.0))]),
            (path("/m/c5a.wav"), 72.0)
        );
        assert_eq!(
            pick(&[("note", Value::Num(71.0)), ("n", Value::Num(1.0))]),
            (path("/m/c5b.wav"), 72.0)
        );
        // By frequency; without a pitch, MIDI 36 (nearest: g2 = 43).
        assert_eq!(
            pick(&[("freq", Value::Num(98.0))]),
            (path("/m/g2.wav"), 43.0)
        );
        assert_eq!(pick(&[]), (path("/m/g2.wav"), 43.0));
    }

    #[test]
    fn a_later_source_wins_a_name() {
        let mut lib = SampleLibrary::new();
        lib.set_sources(&[
            written(r#"{"bd": "a.wav", "sd": "s.wav"}"#, "/one/"),
            written(r#"{"bd": "b.wav"}"#, "/two/"),
        ]);
        assert_eq!(lib.pick("bd", &event(&[])).unwrap().0, path("/two/b.wav"));
        assert_eq!(lib.pick("sd", &event(&[])).unwrap().0, path("/one/s.wav"));
        assert!(!lib.maps_pending());
    }

    #[test]
    fn unreadable_files_fail_once_with_a_message() {
        let mut lib = SampleLibrary::new();
        lib.set_blocking(true);
        lib.set_sources(&[written(r#"{"bd": "missing.wav"}"#, "/no/such/folder/")]);
        let f = lib.pick("bd", &event(&[])).unwrap().0;
        assert!(matches!(lib.file(&f, true), FileStatus::Failed));
        assert!(matches!(lib.file(&f, true), FileStatus::Failed));
        assert_eq!(lib.problems.len(), 1, "{:?}", lib.problems);
        assert!(lib.problems[0].contains("cannot read the sample `/no/such/folder/missing.wav`"));
    }
}
