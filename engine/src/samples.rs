//! Sample playback: folders laid out like Dirt-Samples (`dir/bd/*.wav` is
//! the sound `bd`, its files sorted by name so that `s("bd:3")` is the
//! fourth), decoded on the control side or a loader thread — never on the
//! audio thread — and played by [`SamplePlayer`], a node of the voice's
//! network.
//!
//! WAV files are decoded with hound, FLAC and Ogg Vorbis with symphonia.
//! Samples keep their own sample rate; the player resamples (cubic
//! interpolation) while playing.

use fundsp::prelude32::{AudioNode, Frame, U0, U2};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

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

/// Decodes a WAV, FLAC or Ogg Vorbis file.
pub fn decode(path: &Path) -> Result<Sample, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let (data, channels, rate) = match ext.as_str() {
        "wav" | "wave" => decode_wav(path)?,
        _ => decode_symphonia(path)?,
    };
    if data.is_empty() {
        return Err("the file holds no audio".into());
    }
    let (data, channels) = to_stereo_at_most(data, channels);
    Ok(Sample {
        data,
        channels,
        rate: rate as f64,
        path: path.to_path_buf(),
    })
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

fn decode_symphonia(path: &Path) -> Result<(Vec<f32>, usize, u32), String> {
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
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| format!("not a FLAC or Ogg Vorbis file ({e})"))?;
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
            }
            Err(Error::DecodeError(_)) => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok((data, channels, rate))
}

/// The files of each sound in the registered folders.
#[derive(Default)]
struct Index {
    dirs: Vec<PathBuf>,
    sounds: HashMap<String, Vec<PathBuf>>,
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

/// A loaded sound: its samples in order, and the files that failed.
pub struct Loaded {
    pub samples: Vec<Arc<Sample>>,
    pub errors: Vec<String>,
}

fn load_sound(files: &[PathBuf]) -> Loaded {
    let mut samples = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match decode(f) {
            Ok(s) => samples.push(Arc::new(s)),
            Err(e) => errors.push(format!("cannot read the sample `{}`: {e}", f.display())),
        }
    }
    Loaded { samples, errors }
}

/// The samples the engine knows: the folders of the running program,
/// their sounds (names and files, listed when the folders are set) and
/// the sounds decoded so far. Lives on the control side. Sounds are
/// decoded when first needed: on a loader thread while playing live (a
/// note whose sound is still loading is skipped), or at once for offline
/// renders and before the first program starts.
pub struct SampleLibrary {
    index: Index,
    loaded: HashMap<String, Arc<Vec<Arc<Sample>>>>,
    pending: Vec<String>,
    to_loader: Option<Sender<(String, Vec<PathBuf>)>>,
    from_loader: Option<Receiver<(String, Loaded)>>,
    /// Problems to report (unreadable folders and files).
    pub problems: Vec<String>,
}

impl Default for SampleLibrary {
    fn default() -> Self {
        SampleLibrary::new()
    }
}

impl SampleLibrary {
    pub fn new() -> SampleLibrary {
        SampleLibrary {
            index: Index::default(),
            loaded: HashMap::new(),
            pending: Vec::new(),
            to_loader: None,
            from_loader: None,
            problems: Vec::new(),
        }
    }

    /// Registers the folders (the earlier a folder, the higher its
    /// priority for a name found in several). Lists them again only if
    /// they changed; sounds already decoded from unchanged files are kept.
    pub fn set_dirs(&mut self, dirs: &[PathBuf]) {
        if self.index.dirs == dirs {
            return;
        }
        let mut sounds: HashMap<String, Vec<PathBuf>> = HashMap::new();
        for dir in dirs {
            let names = match lang::program::sample_names(dir) {
                Ok(n) => n,
                Err(e) => {
                    self.problems.push(format!(
                        "cannot read the sample folder `{}`: {e}",
                        dir.display()
                    ));
                    continue;
                }
            };
            for name in names {
                sounds
                    .entry(name.clone())
                    .or_insert_with(|| sound_files(&dir.join(&name)));
            }
        }
        self.loaded.retain(|name, s| {
            sounds.get(name).is_some_and(|files| {
                files.len() == s.len() && files.iter().zip(s.iter()).all(|(f, s)| *f == s.path)
            })
        });
        self.index = Index {
            dirs: dirs.to_vec(),
            sounds,
        };
    }

    /// Adds one sound from samples in memory (tests, generated sounds).
    pub fn insert(&mut self, name: &str, samples: Vec<Sample>) {
        self.index.sounds.insert(name.to_string(), Vec::new());
        self.loaded.insert(
            name.to_string(),
            Arc::new(samples.into_iter().map(Arc::new).collect()),
        );
    }

    /// Whether a sound of this name exists (loaded or not).
    pub fn has(&self, name: &str) -> bool {
        self.index.sounds.contains_key(name)
    }

    /// Every sound name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.index.sounds.keys().map(|s| s.as_str())
    }

    /// The samples of a sound if they are decoded.
    pub fn get(&self, name: &str) -> Option<Arc<Vec<Arc<Sample>>>> {
        self.loaded.get(name).cloned()
    }

    /// Decodes a sound now (control side; offline renders).
    pub fn load_now(&mut self, name: &str) -> Option<Arc<Vec<Arc<Sample>>>> {
        if let Some(s) = self.loaded.get(name) {
            return Some(s.clone());
        }
        let files = self.index.sounds.get(name)?.clone();
        let loaded = load_sound(&files);
        Some(self.store(name.to_string(), loaded))
    }

    fn store(&mut self, name: String, loaded: Loaded) -> Arc<Vec<Arc<Sample>>> {
        self.problems.extend(loaded.errors);
        self.pending.retain(|p| *p != name);
        let s = Arc::new(loaded.samples);
        self.loaded.insert(name, s.clone());
        s
    }

    /// Asks the loader thread to decode a sound (if not loaded or asked).
    pub fn request(&mut self, name: &str) {
        if self.loaded.contains_key(name) || self.pending.iter().any(|p| p == name) {
            return;
        }
        let Some(files) = self.index.sounds.get(name).cloned() else {
            return;
        };
        if self.to_loader.is_none() {
            let (tx, rx) = channel::<(String, Vec<PathBuf>)>();
            let (done_tx, done_rx) = channel();
            let spawned = std::thread::Builder::new()
                .name("weft-samples".into())
                .spawn(move || {
                    while let Ok((name, files)) = rx.recv() {
                        if done_tx.send((name, load_sound(&files))).is_err() {
                            break;
                        }
                    }
                });
            if spawned.is_err() {
                // No thread: decode here instead.
                let loaded = load_sound(&files);
                self.store(name.to_string(), loaded);
                return;
            }
            self.to_loader = Some(tx);
            self.from_loader = Some(done_rx);
        }
        self.pending.push(name.to_string());
        if let Some(tx) = &self.to_loader {
            let _ = tx.send((name.to_string(), files));
        }
    }

    /// Takes in what the loader thread has finished.
    pub fn poll(&mut self) {
        let mut done = Vec::new();
        if let Some(rx) = &self.from_loader {
            while let Ok(d) = rx.try_recv() {
                done.push(d);
            }
        }
        for (name, loaded) in done {
            self.store(name, loaded);
        }
    }

    /// Whether a sound is being decoded.
    pub fn is_pending(&self, name: &str) -> bool {
        self.pending.iter().any(|p| p == name)
    }
}

/// Plays a region of a sample at a fixed rate (frames of the sample per
/// output frame; negative plays backwards from the region's end), once or
/// looping. Two outputs (a mono sample uses the first). Never allocates.
#[derive(Clone)]
pub struct SamplePlayer {
    sample: Arc<Sample>,
    rate: f64,
    begin: f64,
    end: f64,
    looping: bool,
    pos: f64,
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

    /// Cubic (Catmull-Rom) interpolation at the current position.
    #[inline]
    fn read(&self, ch: usize) -> f32 {
        let i = self.pos.floor();
        let t = (self.pos - i) as f32;
        let i = i as i64;
        let (y0, y1, y2, y3) = (
            self.frame(i - 1, ch),
            self.frame(i, ch),
            self.frame(i + 1, ch),
            self.frame(i + 2, ch),
        );
        let a = -0.5 * y0 + 1.5 * y1 - 1.5 * y2 + 0.5 * y3;
        let b = y0 - 2.5 * y1 + 2.0 * y2 - 0.5 * y3;
        let c = -0.5 * y0 + 0.5 * y2;
        ((a * t + b) * t + c) * t + y1
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
        let inside = self.pos >= self.begin && self.pos < self.end;
        if !inside {
            if !self.looping || self.end - self.begin < 1.0 {
                return [0.0, 0.0].into();
            }
            let len = self.end - self.begin;
            self.pos = self.begin + (self.pos - self.begin).rem_euclid(len);
        }
        let out = [self.read(0), self.read(1)];
        self.pos += self.rate;
        out.into()
    }
}
