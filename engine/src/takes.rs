//! Takes: recordings of the input, a track or the master for a whole
//! number of cycles, from a cycle boundary, that become samples at once.
//!
//! The control side ([`crate::engine::Engine::request_take`]) works out the
//! exact frames (from the tempo map, shifted by the input's latency for an
//! input take), allocates the buffer and sends it to the audio side, which
//! copies the source's frames into it chunk by chunk — no allocation there —
//! and sends it back when it is full, or early when the input device
//! disappears (the take keeps what was recorded). The engine then
//! installs the take as a sample (layered onto the previous one for an
//! overdub) and reports it; saving it as a WAV is the caller's choice
//! ([`save_wav`], [`load_folder`]).

use crate::samples::Sample;
use std::path::{Path, PathBuf};

/// Most values (frames × channels) a take may hold: 2^26, the limit of a
/// decoded sample (about 11 minutes of stereo at 48 kHz, 256 MiB).
pub const MAX_TAKE_VALUES: usize = crate::samples::MAX_DECODED_VALUES;

/// Most takes recording at once.
pub const MAX_ACTIVE_TAKES: usize = 8;

/// What a take records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TakeSource {
    /// The live input (or `--input FILE` offline): its first two channels.
    Input,
    /// A track's strip, after its effects, gain and pan.
    Track(String),
    /// The master bus after its effects (before the safety limiter).
    Master,
}

/// A take asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct TakeRequest {
    /// The sound name it becomes (`s("voice")`).
    pub name: String,
    pub source: TakeSource,
    /// Length in cycles (whole cycles from the next cycle boundary).
    pub cycles: u32,
    /// Layer onto the existing take of that name instead of replacing it.
    pub overdub: bool,
}

/// Why a take was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum TakeError {
    /// Longer than [`MAX_TAKE_VALUES`] allows (or the memory could not be had).
    TooLong {
        frames: u64,
        limit_seconds: f64,
    },
    NoTrack(String),
    BadName(String),
    ZeroCycles,
    /// Too many takes recording at once.
    Busy,
}

impl std::fmt::Display for TakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            TakeError::TooLong {
                frames,
                limit_seconds,
            } => write!(
                f,
                "a take of {frames} frames is too long: the limit is {limit_seconds:.0} seconds at this rate; record fewer cycles"
            ),
            TakeError::NoTrack(t) => write!(f, "no track is called `{t}`"),
            TakeError::BadName(n) => write!(
                f,
                "`{n}` cannot name a take: use letters, digits, `_` and `-`"
            ),
            TakeError::ZeroCycles => write!(f, "a take needs at least one cycle"),
            TakeError::Busy => write!(
                f,
                "{MAX_ACTIVE_TAKES} takes are already recording; wait for one to finish"
            ),
        }
    }
}

/// Whether `name` can name a take (and its file): the language's rule.
pub fn valid_name(name: &str) -> bool {
    lang::takes::valid_name(name)
}

/// Where a take is copied from on the audio side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tap {
    Input,
    Strip(usize),
    Master,
}

/// A take being recorded: built on the control side, filled on the audio side.
pub struct TakeJob {
    pub(crate) id: u64,
    pub(crate) tap: Tap,
    /// First engine frame recorded and number of frames.
    pub(crate) start: i64,
    pub(crate) frames: usize,
    /// Interleaved stereo, `frames` long, allocated beforehand.
    pub(crate) data: Vec<f32>,
    /// Frames written so far (from the start).
    pub(crate) written: usize,
    /// Ended early: the input device disappeared.
    pub(crate) cut: bool,
}

impl TakeJob {
    /// Copies the frames of `[pos, pos + n)` that belong to the take from
    /// `left`/`right` (frame `pos` first). Returns true when the take is full.
    pub(crate) fn capture(&mut self, pos: i64, left: &[f32], right: &[f32]) -> bool {
        let n = left.len() as i64;
        let from = self.start.max(pos);
        let to = (self.start + self.frames as i64).min(pos + n);
        for t in from..to {
            let k = (t - pos) as usize;
            let j = (t - self.start) as usize;
            self.data[2 * j] = left[k];
            self.data[2 * j + 1] = right[k];
        }
        if to > from {
            self.written = (to - self.start) as usize;
        }
        pos + n >= self.start + self.frames as i64
    }
}

/// The audio side's takes: new jobs arrive on one queue, full ones leave
/// on another; at most [`MAX_ACTIVE_TAKES`] record at once. Nothing here
/// allocates.
pub struct Deck {
    incoming: rtrb::Consumer<Box<TakeJob>>,
    done: rtrb::Producer<Box<TakeJob>>,
    active: [Option<Box<TakeJob>>; MAX_ACTIVE_TAKES],
}

/// The control side's ends of a [`Deck`]'s queues.
pub struct DeckControl {
    pub(crate) outgoing: rtrb::Producer<Box<TakeJob>>,
    pub(crate) returned: rtrb::Consumer<Box<TakeJob>>,
}

/// A deck and the control side's handle on it.
pub fn deck() -> (Deck, DeckControl) {
    let (outgoing, incoming) = rtrb::RingBuffer::new(MAX_ACTIVE_TAKES);
    let (done, returned) = rtrb::RingBuffer::new(2 * MAX_ACTIVE_TAKES);
    (
        Deck {
            incoming,
            done,
            active: Default::default(),
        },
        DeckControl { outgoing, returned },
    )
}

impl Deck {
    /// Takes in new jobs (into free places; the rest wait in the queue).
    pub(crate) fn receive(&mut self) {
        for place in self.active.iter_mut() {
            if place.is_none() {
                match self.incoming.pop() {
                    Ok(job) => *place = Some(job),
                    Err(_) => return,
                }
            }
        }
    }

    /// Whether a take is recording (or waiting to record) from `tap`.
    #[inline]
    pub(crate) fn wants(&self, tap: Tap) -> bool {
        self.active.iter().flatten().any(|j| j.tap == tap)
    }

    /// Copies the frames of `[pos, pos + left.len())` into the takes of
    /// `tap`, and sends back those that are full.
    pub(crate) fn capture(&mut self, tap: Tap, pos: i64, left: &[f32], right: &[f32]) {
        for place in self.active.iter_mut() {
            let full = match place {
                Some(job) if job.tap == tap => job.capture(pos, left, right),
                _ => false,
            };
            if full {
                send_back(place, &mut self.done);
            }
        }
    }

    /// The input is gone: its takes end here, keeping what they hold.
    pub(crate) fn cut_input(&mut self) {
        for place in self.active.iter_mut() {
            if place.as_ref().is_some_and(|j| j.tap == Tap::Input) {
                if let Some(job) = place.as_mut() {
                    job.cut = true;
                }
                send_back(place, &mut self.done);
            }
        }
    }
}

/// Sends a finished job back (it stays in its place if the queue is full,
/// to be sent after the next chunk).
fn send_back(place: &mut Option<Box<TakeJob>>, done: &mut rtrb::Producer<Box<TakeJob>>) {
    if let Some(job) = place.take() {
        if let Err(rtrb::PushError::Full(job)) = done.push(job) {
            *place = Some(job);
        }
    }
}

/// A finished take, as the engine reports it.
#[derive(Clone, Debug)]
pub struct FinishedTake {
    pub name: String,
    pub sample: std::sync::Arc<Sample>,
    /// Frames recorded (fewer than asked when `cut`).
    pub frames: usize,
    pub cycles: u32,
    /// The input device disappeared during the take: it holds what was
    /// recorded up to then.
    pub cut: bool,
    pub overdub: bool,
}

/// Adds `new` onto `old` (an overdub): the longer length, frame by frame.
pub fn layer(old: &Sample, new: &[f32]) -> Vec<f32> {
    let old_st = to_stereo(old);
    let len = old_st.len().max(new.len());
    (0..len)
        .map(|i| old_st.get(i).copied().unwrap_or(0.0) + new.get(i).copied().unwrap_or(0.0))
        .collect()
}

fn to_stereo(s: &Sample) -> Vec<f32> {
    if s.channels == 2 {
        return s.data.clone();
    }
    s.data.iter().flat_map(|x| [*x, *x]).collect()
}

/// The file of take `name` in `dir`.
pub fn take_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.wav"))
}

/// Writes a take as a 32-bit float WAV (bit-exact), creating `dir`.
pub fn save_wav(dir: &Path, name: &str, sample: &Sample) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let path = take_path(dir, name);
    let spec = hound::WavSpec {
        channels: sample.channels as u16,
        sample_rate: sample.rate.round() as u32,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let tmp = dir.join(format!(".{name}.wav.part"));
    let write = || -> Result<(), hound::Error> {
        let mut w = hound::WavWriter::create(&tmp, spec)?;
        for x in &sample.data {
            w.write_sample(*x)?;
        }
        w.finalize()
    };
    write().map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    Ok(path)
}

/// The takes saved in `dir` (`NAME.wav`), decoded, sorted by name.
/// Unreadable files are reported, not fatal.
pub fn load_folder(dir: &Path) -> (Vec<(String, Sample)>, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (out, problems);
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
        .collect();
    paths.sort();
    for p in paths {
        let Some(name) = p.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
            continue;
        };
        if !valid_name(&name) {
            continue;
        }
        match crate::samples::decode(&p) {
            Ok(s) => out.push((name, s)),
            Err(e) => problems.push(format!("cannot read the take `{}`: {e}", p.display())),
        }
    }
    (out, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_keeps_exactly_its_frames() {
        let mut job = TakeJob {
            id: 1,
            tap: Tap::Master,
            start: 10,
            frames: 5,
            data: vec![0.0; 10],
            written: 0,
            cut: false,
        };
        let l: Vec<f32> = (0..8).map(|i| i as f32).collect();
        let r: Vec<f32> = (0..8).map(|i| -(i as f32)).collect();
        assert!(!job.capture(4, &l, &r[..8]));
        assert_eq!(job.written, 2);
        let l2: Vec<f32> = (8..16).map(|i| i as f32).collect();
        assert!(job.capture(12, &l2, &l2));
        assert_eq!(job.written, 5);
        assert_eq!(
            job.data,
            vec![6.0, -6.0, 7.0, -7.0, 8.0, 8.0, 9.0, 9.0, 10.0, 10.0]
        );
    }

    #[test]
    fn names_are_plain() {
        assert!(valid_name("voice_2-b"));
        assert!(!valid_name("../x"));
        assert!(!valid_name(""));
    }
}

/// A take on its way: what was asked and where it sits in engine frames.
struct Pending {
    id: u64,
    request: TakeRequest,
    start: i64,
}

/// The control side of takes, kept by the engine.
pub struct TakeDesk {
    control: DeckControl,
    pending: Vec<Pending>,
    finished: Vec<FinishedTake>,
    next_id: u64,
    /// Input latency compensation in frames; `None`: no input attached.
    input_latency: Option<i64>,
    /// The takes installed as samples, by name.
    installed: std::collections::HashMap<String, std::sync::Arc<Sample>>,
}

impl TakeDesk {
    pub(crate) fn new(control: DeckControl) -> TakeDesk {
        TakeDesk {
            control,
            pending: Vec::new(),
            finished: Vec::new(),
            next_id: 1,
            input_latency: None,
            installed: Default::default(),
        }
    }
}

/// A take as it is scheduled: the cycle and frames it covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scheduled {
    pub from_cycle: lang::Time,
    /// First engine frame recorded (the cycle's frame plus the input
    /// latency for an input take) and the number of frames.
    pub start: i64,
    pub frames: usize,
}

use crate::engine::Engine;

impl Engine {
    /// Declares the input attached to the audio side and its latency in
    /// frames (how much later than played its frames reach the engine):
    /// input takes are shifted by it. `None`: no input.
    pub fn set_input_latency(&mut self, frames: Option<i64>) {
        self.takes.input_latency = frames;
    }

    /// The input latency compensation in force (`None`: no input).
    pub fn input_latency(&self) -> Option<i64> {
        self.takes.input_latency
    }

    /// Starts a take at the next cycle boundary that the audio side can
    /// still reach. The buffer is allocated here; a take over
    /// [`MAX_TAKE_VALUES`] is refused.
    pub fn request_take(&mut self, request: TakeRequest) -> Result<Scheduled, String> {
        let sr = self.config().sample_rate;
        // The audio side may be up to the look-ahead past the published position.
        let margin = (self.config().lookahead * sr as f64).ceil() as i64 + 64;
        let reachable = self.position() + margin;
        let tempo = self.tempo();
        let mut from = lang::Time::int(tempo.approx_cycle_at_sample(reachable).floor() as i64 + 1);
        if tempo.sample_at(from - lang::Time::ONE) >= reachable {
            from = from - lang::Time::ONE;
        }
        self.request_take_from(request, from)
    }

    /// Starts a take at cycle `from`. For offline renders, where the audio
    /// side is exactly at the published position: the caller makes sure
    /// it has not passed `from` (a live session uses [`Engine::request_take`]).
    pub fn request_take_from(
        &mut self,
        request: TakeRequest,
        from: lang::Time,
    ) -> Result<Scheduled, String> {
        if !valid_name(&request.name) {
            return Err(TakeError::BadName(request.name).to_string());
        }
        if request.cycles == 0 {
            return Err(TakeError::ZeroCycles.to_string());
        }
        let tap = match &request.source {
            TakeSource::Input => {
                if self.takes.input_latency.is_none() {
                    return Err(
                        "no audio input is open: start with --input DEVICE (weft devices lists them), or render with --input FILE.wav"
                            .to_string(),
                    );
                }
                Tap::Input
            }
            TakeSource::Master => Tap::Master,
            TakeSource::Track(t) => match self.track_slots().into_iter().find(|(_, n)| n == t) {
                Some((slot, _)) => Tap::Strip(slot),
                None => return Err(TakeError::NoTrack(t.clone()).to_string()),
            },
        };
        let sr = self.config().sample_rate;
        let tempo = self.tempo();
        let begin = tempo.sample_at(from);
        let end = tempo.sample_at(from + lang::Time::int(request.cycles as i64));
        let frames = (end - begin).max(0) as u64;
        let limit_seconds = (MAX_TAKE_VALUES / 2) as f64 / sr as f64;
        if frames * 2 > MAX_TAKE_VALUES as u64 {
            return Err(TakeError::TooLong {
                frames,
                limit_seconds,
            }
            .to_string());
        }
        let frames = frames as usize;
        let mut data = Vec::new();
        if data.try_reserve_exact(frames * 2).is_err() {
            return Err(TakeError::TooLong {
                frames: frames as u64,
                limit_seconds,
            }
            .to_string());
        }
        data.resize(frames * 2, 0.0);
        let shift = if tap == Tap::Input {
            self.takes.input_latency.unwrap_or(0)
        } else {
            0
        };
        let id = self.takes.next_id;
        let job = Box::new(TakeJob {
            id,
            tap,
            start: begin + shift,
            frames,
            data,
            written: 0,
            cut: false,
        });
        if self.takes.control.outgoing.push(job).is_err() {
            return Err(TakeError::Busy.to_string());
        }
        self.takes.next_id += 1;
        self.takes.pending.push(Pending {
            id,
            request,
            start: begin + shift,
        });
        Ok(Scheduled {
            from_cycle: from,
            start: begin + shift,
            frames,
        })
    }

    /// Takes still recording (or waiting for their first cycle): names.
    pub fn takes_recording(&self) -> Vec<String> {
        self.takes
            .pending
            .iter()
            .map(|p| p.request.name.clone())
            .collect()
    }

    /// Returns and clears the takes finished since the last call (they
    /// are already playable as samples).
    pub fn finished_takes(&mut self) -> Vec<FinishedTake> {
        std::mem::take(&mut self.takes.finished)
    }

    /// Installs a sample as the take `name` (playable as `s("name")`).
    pub fn install_take(&mut self, name: &str, sample: std::sync::Arc<Sample>) {
        self.takes
            .installed
            .insert(name.to_string(), sample.clone());
        self.samples_mut().set_take(name, sample);
    }

    /// The take called `name`, if any.
    pub fn take(&self, name: &str) -> Option<std::sync::Arc<Sample>> {
        self.takes.installed.get(name).cloned()
    }

    /// Loads the takes saved in `dir` (`NAME.wav`): they play as samples.
    /// Returns the names loaded and the problems met.
    pub fn load_takes(&mut self, dir: &Path) -> (Vec<String>, Vec<String>) {
        let (found, problems) = load_folder(dir);
        let mut names = Vec::new();
        for (name, sample) in found {
            self.install_take(&name, std::sync::Arc::new(sample));
            names.push(name);
        }
        (names, problems)
    }

    /// Takes in the takes the audio side finished (called by `collect`).
    pub(crate) fn poll_takes(&mut self) {
        while let Ok(mut job) = self.takes.control.returned.pop() {
            let Some(i) = self.takes.pending.iter().position(|p| p.id == job.id) else {
                continue;
            };
            let p = self.takes.pending.remove(i);
            let _ = p.start;
            let frames = if job.cut { job.written } else { job.frames };
            job.data.truncate(frames * 2);
            let data = std::mem::take(&mut job.data);
            let data = match (p.request.overdub, self.take(&p.request.name)) {
                (true, Some(old)) => layer(&old, &data),
                _ => data,
            };
            let mut sample = Sample::from_frames(data, 2, self.config().sample_rate as f64);
            sample.path = PathBuf::from(format!("{}.wav", p.request.name));
            let sample = std::sync::Arc::new(sample);
            self.install_take(&p.request.name, sample.clone());
            self.takes.finished.push(FinishedTake {
                name: p.request.name.clone(),
                frames,
                sample,
                cycles: p.request.cycles,
                cut: job.cut,
                overdub: p.request.overdub,
            });
        }
    }
}
