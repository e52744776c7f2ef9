//! Live audio input: the capture stream, the lock-free path from it to the
//! audio callback, and what `input(…)` in a sound graph reads.
//!
//! The capture device runs its own callback (cpal input stream). It pushes
//! interleaved frames into a fixed-size ring ([`rtrb`]); the output
//! callback takes exactly as many frames as it renders, so input and output
//! stay in step. Before reading, the output side waits until the ring holds
//! a target fill (one capture block plus one output block, see
//! [`LiveInput::new`]): that fill is the latency, bounded and measured
//! ([`InputStats`]). A ring that runs dry (an input dropout) gives silence
//! for the missing frames and is counted; a ring that grows past its bound
//! (clock drift, a stalled output) drops the excess and is counted. Neither
//! ever blocks or allocates on the output side.
//!
//! Offline (`weft render --input FILE`) a file takes the place of the ring:
//! frame `k` of the file is heard at frame `k` of the render.
//!
//! The audio core copies each chunk's input into a [`CaptureBus`]; the
//! capture nodes compiled from `input(…)` read it (all on the audio thread).

use crate::audio::CHUNK;
use crate::device::device_name;
use crate::device::DeviceError;
use crate::samples::Sample;
use fundsp::prelude32::{AudioNode, Frame, U0, U1};
use rtrb::{Consumer, Producer, RingBuffer};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// Most input channels the engine reads (`input(9)` is silent).
pub const MAX_INPUT_CHANNELS: usize = 8;

/// The input frames of the chunk being rendered, written by the audio core
/// and read by capture nodes, both on the audio thread (atomics only so
/// that the bus can be shared without locks or `unsafe`).
pub struct CaptureBus {
    /// `MAX_INPUT_CHANNELS` channels of `CHUNK` frames, channel after channel.
    values: Box<[AtomicU32]>,
    /// Bumped for every chunk: a node seeing a new one reads from frame 0.
    chunk: AtomicU64,
}

impl Default for CaptureBus {
    fn default() -> Self {
        CaptureBus {
            values: (0..MAX_INPUT_CHANNELS * CHUNK)
                .map(|_| AtomicU32::new(0))
                .collect(),
            chunk: AtomicU64::new(0),
        }
    }
}

impl CaptureBus {
    /// Frame `k` of channel `ch` (0-based) of the current chunk.
    #[inline]
    pub fn get(&self, ch: usize, k: usize) -> f32 {
        match self.values.get(ch * CHUNK + k) {
            Some(v) => f32::from_bits(v.load(Ordering::Relaxed)),
            None => 0.0,
        }
    }

    #[inline]
    fn set(&self, ch: usize, k: usize, x: f32) {
        if let Some(v) = self.values.get(ch * CHUNK + k) {
            v.store(x.to_bits(), Ordering::Relaxed);
        }
    }

    fn next_chunk(&self) {
        self.chunk.fetch_add(1, Ordering::Relaxed);
    }

    fn chunk(&self) -> u64 {
        self.chunk.load(Ordering::Relaxed)
    }

    /// Silence in the first `n` frames of every channel.
    fn clear(&self, n: usize) {
        for ch in 0..MAX_INPUT_CHANNELS {
            for k in 0..n.min(CHUNK) {
                self.set(ch, k, 0.0);
            }
        }
    }
}

/// `input(channel)`: one channel of the live input, as a fundsp node.
#[derive(Clone)]
pub struct CaptureNode {
    bus: Arc<CaptureBus>,
    channel: usize,
    seen: u64,
    k: usize,
}

impl CaptureNode {
    /// Reads `channel` (0-based) of `bus`.
    pub fn new(bus: Arc<CaptureBus>, channel: usize) -> CaptureNode {
        CaptureNode {
            bus,
            channel,
            seen: u64::MAX,
            k: 0,
        }
    }
}

impl AudioNode for CaptureNode {
    const ID: u64 = 0x7766_0101;
    type Inputs = U0;
    type Outputs = U1;

    #[inline]
    fn tick(&mut self, _input: &Frame<f32, U0>) -> Frame<f32, U1> {
        let chunk = self.bus.chunk();
        if chunk != self.seen {
            self.seen = chunk;
            self.k = 0;
        }
        let x = self.bus.get(self.channel, self.k);
        self.k += 1;
        [x].into()
    }
}

/// Counters of the live input, written by the audio thread.
pub struct InputStats {
    /// The clock both callbacks' times are measured on.
    epoch: std::time::Instant,
    /// Capture time (ns since `epoch`) of the ring's input frame 0, from
    /// the capture callback (its earliest estimate, see [`WindowMin`]).
    in_origin: AtomicI64,
    /// The measured round trip in frames (output to input), -1: unknown.
    pub latency: AtomicI64,
    /// Chunks in which the input ran dry (frames missing, silence heard).
    pub underruns: AtomicU64,
    /// Frames dropped because the ring grew past its bound.
    pub dropped: AtomicU64,
    /// Frames the ring held when last read (the input's share of the latency).
    pub fill: AtomicI64,
    /// Lowest and highest fill seen since reading started.
    pub fill_min: AtomicI64,
    pub fill_max: AtomicI64,
    /// The device stopped delivering (its stream is gone).
    pub gone: AtomicBool,
    /// Frames of input rendered so far.
    pub frames: AtomicU64,
}

impl Default for InputStats {
    fn default() -> Self {
        InputStats {
            epoch: std::time::Instant::now(),
            in_origin: AtomicI64::new(i64::MAX),
            latency: AtomicI64::new(-1),
            underruns: Default::default(),
            dropped: Default::default(),
            fill: Default::default(),
            fill_min: Default::default(),
            fill_max: Default::default(),
            gone: Default::default(),
            frames: Default::default(),
        }
    }
}

/// The smallest of a stream of estimates over the last two windows of
/// `WINDOW` values: a callback that wakes up late overestimates a time, so
/// the smallest recent estimate is the best; old ones expire (after an xrun
/// the true value moves).
#[derive(Clone, Copy)]
struct WindowMin {
    current: i64,
    previous: i64,
    count: u32,
}

const WINDOW: u32 = 64;

impl WindowMin {
    fn new() -> WindowMin {
        WindowMin {
            current: i64::MAX,
            previous: i64::MAX,
            count: 0,
        }
    }

    fn push(&mut self, x: i64) -> i64 {
        self.current = self.current.min(x);
        self.count += 1;
        if self.count >= WINDOW {
            self.previous = self.current;
            self.current = i64::MAX;
            self.count = 0;
        }
        self.current.min(self.previous)
    }

    /// The smallest recent estimate, without adding one.
    fn peek(&self) -> i64 {
        self.current.min(self.previous)
    }
}

fn frames_to_ns(frames: i64, rate: u32) -> i64 {
    (frames as i128 * 1_000_000_000 / rate.max(1) as i128) as i64
}

/// A snapshot of [`InputStats`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct InputView {
    pub underruns: u64,
    pub dropped: u64,
    pub fill: i64,
    pub fill_min: i64,
    pub fill_max: i64,
    pub gone: bool,
    pub frames: u64,
    /// Measured round trip from output to input, frames (`None`: not yet).
    pub latency: Option<i64>,
}

impl InputStats {
    pub fn view(&self) -> InputView {
        InputView {
            underruns: self.underruns.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            fill: self.fill.load(Ordering::Relaxed),
            fill_min: self.fill_min.load(Ordering::Relaxed),
            fill_max: self.fill_max.load(Ordering::Relaxed),
            gone: self.gone.load(Ordering::Relaxed),
            frames: self.frames.load(Ordering::Relaxed),
            latency: Some(self.latency.load(Ordering::Relaxed)).filter(|l| *l >= 0),
        }
    }
}

/// The audio side of a live input: the ring's consumer and its bounds.
pub struct LiveInput {
    ring: Consumer<f32>,
    channels: usize,
    /// Fill (frames) waited for before reading, and the most kept.
    target: usize,
    bound: usize,
    /// The capture block: the target grows by one after each dropout, up
    /// to `max_target`.
    block: usize,
    max_target: usize,
    reading: bool,
    stats: Arc<InputStats>,
    /// Input frames taken from the ring (dropped ones included).
    consumed: i64,
    /// Engine frame minus input frame of what is read (changes with each
    /// dropout and drop).
    offset: i64,
    /// Play time (ns) of engine frame 0, from the output callbacks.
    out_origin: WindowMin,
    /// Position and time of the last output callback.
    last_output: (i64, i64),
    rate: u32,
}

impl LiveInput {
    /// Reads `channels`-channel frames from `ring`. `capture_block` and
    /// `output_block`: the streams' buffer sizes in frames; the target fill
    /// covers one of each (the least that never runs dry when both
    /// callbacks are on time), the bound two more capture blocks.
    pub fn new(
        ring: Consumer<f32>,
        channels: usize,
        capture_block: usize,
        output_block: usize,
        stats: Arc<InputStats>,
    ) -> LiveInput {
        let target = capture_block.max(16) + output_block.max(16);
        stats.fill_min.store(i64::MAX, Ordering::Relaxed);
        LiveInput {
            ring,
            channels: channels.max(1),
            target,
            bound: target + 2 * capture_block.max(16),
            block: capture_block.max(16),
            max_target: target + 6 * capture_block.max(16),
            reading: false,
            stats,
            consumed: 0,
            offset: 0,
            out_origin: WindowMin::new(),
            last_output: (0, i64::MIN),
            rate: 48000,
        }
    }

    /// The output callback for engine frame `pos` is due to be heard
    /// `delay_ns` from now: updates the measured round trip, the time from
    /// an output frame being played to the engine reading it back in.
    pub(crate) fn note_output(&mut self, pos: i64, delay_ns: i64) {
        let now = self.stats.epoch.elapsed().as_nanos() as i64;
        let steady = self.on_time(pos, now);
        let estimate = now + delay_ns - frames_to_ns(pos, self.rate);
        let out = if steady {
            self.out_origin.push(estimate)
        } else {
            self.out_origin.peek()
        };
        if out == i64::MAX {
            return;
        }
        let input = self.stats.in_origin.load(Ordering::Relaxed);
        if input == i64::MAX || !self.reading {
            return;
        }
        let between = (out - input) as i128 * self.rate as i128;
        let latency = self.offset + ((between + 500_000_000) / 1_000_000_000) as i64;
        self.stats.latency.store(latency, Ordering::Relaxed);
    }

    /// Whether this output callback came on time: between a quarter of a
    /// buffer and two buffers after the previous one. Callbacks in a burst (a stream filling its buffer
    /// before it starts, or again after an underrun) and the first after a
    /// gap report a delay that is not yet true — the device is not
    /// playing — and would make the play time look early, so they are
    /// left out of the estimate.
    fn on_time(&mut self, pos: i64, now: i64) -> bool {
        let (last_pos, last_now) = self.last_output;
        self.last_output = (pos, now);
        if last_now == i64::MIN || pos <= last_pos {
            return false;
        }
        let expected = frames_to_ns(pos - last_pos, self.rate);
        let interval = now - last_now;
        interval * 4 >= expected && interval <= expected * 2
    }

    /// The fill the input waits for before reading (frames).
    pub fn target(&self) -> usize {
        self.target
    }

    fn available(&self) -> usize {
        self.ring.slots() / self.channels
    }

    /// Copies the next `n` frames, for engine frame `pos` on, into `bus`
    /// (silence for what is missing).
    fn read(&mut self, pos: i64, n: usize, bus: &CaptureBus) {
        let stats = &self.stats;
        if self.ring.is_abandoned() && self.available() < n {
            stats.gone.store(true, Ordering::Relaxed);
        }
        let mut have = self.available();
        if !self.reading {
            if have < self.target {
                bus.clear(n);
                return;
            }
            self.reading = true;
            // Starting (or starting again): align on the target fill;
            // what was waiting is older than the latency allows.
            let extra = have - self.target;
            skip(&mut self.ring, extra * self.channels);
            self.consumed += extra as i64;
            have = self.target;
        }
        if have > self.bound {
            // Too far behind: drop down to the target.
            let drop = have - self.target;
            skip(&mut self.ring, drop * self.channels);
            self.consumed += drop as i64;
            stats.dropped.fetch_add(drop as u64, Ordering::Relaxed);
            have = self.target;
        }
        stats.fill.store(have as i64, Ordering::Relaxed);
        stats.fill_min.fetch_min(have as i64, Ordering::Relaxed);
        stats.fill_max.fetch_max(have as i64, Ordering::Relaxed);
        let got = have.min(n);
        self.offset = pos - self.consumed;
        self.consumed += got as i64;
        if let Ok(chunk) = self.ring.read_chunk(got * self.channels) {
            let (a, b) = chunk.as_slices();
            for (i, x) in a.iter().chain(b.iter()).enumerate() {
                let (k, ch) = (i / self.channels, i % self.channels);
                if ch < MAX_INPUT_CHANNELS {
                    bus.set(ch, k, *x);
                }
            }
            chunk.commit_all();
        }
        for ch in 0..MAX_INPUT_CHANNELS {
            let from = if ch < self.channels { got } else { 0 };
            for k in from..n {
                bus.set(ch, k, 0.0);
            }
        }
        stats.frames.fetch_add(got as u64, Ordering::Relaxed);
        if got < n && !stats.gone.load(Ordering::Relaxed) {
            stats.underruns.fetch_add(1, Ordering::Relaxed);
            // Wait for the target fill again rather than stutter, with
            // one more block of margin (the device delivers less evenly
            // than its block size says).
            self.reading = false;
            if self.target < self.max_target {
                self.target += self.block;
                self.bound += self.block;
            }
        }
    }
}

fn skip(ring: &mut Consumer<f32>, values: usize) {
    if let Ok(c) = ring.read_chunk(values.min(ring.slots())) {
        c.commit_all();
    }
}

/// A recorded input played into `input()` offline: frame `k` at frame `k`.
pub struct FileInput {
    sample: Arc<Sample>,
    pos: usize,
}

impl FileInput {
    pub fn new(sample: Arc<Sample>) -> FileInput {
        FileInput { sample, pos: 0 }
    }

    fn read(&mut self, n: usize, bus: &CaptureBus) {
        let ch = self.sample.channels.max(1);
        let frames = self.sample.frames();
        for k in 0..n {
            let f = self.pos + k;
            for c in 0..MAX_INPUT_CHANNELS {
                let x = if f < frames && c < ch {
                    self.sample.data[f * ch + c]
                } else {
                    0.0
                };
                bus.set(c, k, x);
            }
        }
        self.pos += n;
    }
}

/// Where `input()` reads from.
pub enum InputFeed {
    Live(LiveInput),
    File(FileInput),
}

impl InputFeed {
    /// Fills the first `n` frames of `bus` with the next input frames and
    /// starts a new chunk. Called once per rendered chunk on the audio thread.
    pub(crate) fn read(&mut self, pos: i64, n: usize, bus: &CaptureBus) {
        bus.next_chunk();
        match self {
            InputFeed::Live(l) => l.read(pos, n, bus),
            InputFeed::File(f) => f.read(n, bus),
        }
    }

    /// Channels the input delivers.
    pub fn channels(&self) -> usize {
        match self {
            InputFeed::Live(l) => l.channels,
            InputFeed::File(f) => f.sample.channels.max(1),
        }
    }

    /// Whether the input has stopped for good (a live device gone and its
    /// frames used up).
    pub fn is_gone(&self) -> bool {
        match self {
            InputFeed::Live(l) => l.stats.gone.load(Ordering::Relaxed),
            InputFeed::File(_) => false,
        }
    }
}

/// A capture device as `weft devices` shows it.
pub use crate::device::DeviceInfo as InputInfo;

/// Lists the input (capture) devices of the default host.
pub fn input_devices() -> Result<Vec<InputInfo>, DeviceError> {
    use cpal::traits::{DeviceTrait, HostTrait};
    let host = cpal::default_host();
    let default = host.default_input_device().map(|d| device_name(&d));
    let devices = host
        .input_devices()
        .map_err(|e| DeviceError::NoDevice(e.to_string()))?;
    let mut out = Vec::new();
    for d in devices {
        let Ok(cfg) = d.default_input_config() else {
            continue;
        };
        out.push(crate::device::describe(&d, &cfg, default.as_deref()));
    }
    Ok(out)
}

/// Why an input could not be opened.
#[derive(Debug, Clone, PartialEq)]
pub enum InputError {
    /// No capture device on this machine (or none by that name).
    NoDevice(String),
    NotFound(String),
    Other(String),
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            InputError::NoDevice(why) => write!(
                f,
                "no audio input device is available ({why}); `input()` is silent and the output plays on; `weft render --input FILE.wav` feeds a recording instead"
            ),
            InputError::NotFound(n) => write!(
                f,
                "no input device named `{n}`; `input()` is silent and the output plays on; `weft devices` lists the inputs"
            ),
            InputError::Other(e) => write!(
                f,
                "the audio input failed ({e}); `input()` is silent and the output plays on"
            ),
        }
    }
}

/// A running capture stream. Dropping it stops the capture; the audio side
/// then sees the input gone.
pub struct Capture {
    _stream: cpal::Stream,
    pub name: String,
    pub channels: usize,
    /// The capture buffer size asked for (frames).
    pub block: usize,
    failed: Arc<AtomicBool>,
}

impl Capture {
    /// Whether the device reported an error (it disappeared, most often).
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }
}

/// Opens the capture device `name` (or the default) at `sample_rate` with
/// `block`-frame buffers, and returns the running stream and the audio
/// side's end of its ring (sized for a quarter of a second or four blocks).
pub fn open_capture(
    name: Option<&str>,
    sample_rate: u32,
    block: u32,
    output_block: u32,
    stats: Arc<InputStats>,
) -> Result<(Capture, LiveInput), InputError> {
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    let host = cpal::default_host();
    let device = match name {
        None | Some("default") => host
            .default_input_device()
            .ok_or_else(|| InputError::NoDevice("no default input".into()))?,
        Some(n) => host
            .input_devices()
            .map_err(|e| InputError::NoDevice(e.to_string()))?
            .find(|d| device_name(d) == n)
            .ok_or_else(|| InputError::NotFound(n.to_string()))?,
    };
    let cfg = device
        .default_input_config()
        .map_err(|e| InputError::NoDevice(e.to_string()))?;
    let channels = (cfg.channels() as usize).clamp(1, MAX_INPUT_CHANNELS);
    let block = block.max(16);
    let config = cpal::StreamConfig {
        channels: channels as u16,
        sample_rate,
        buffer_size: cpal::BufferSize::Fixed(block),
    };
    let frames = (sample_rate as usize / 4).max(4 * block as usize + 4 * output_block as usize);
    let (producer, consumer) = RingBuffer::<f32>::new(frames * channels);
    let failed = Arc::new(AtomicBool::new(false));
    let flag = failed.clone();
    let err = move |_e: cpal::Error| flag.store(true, Ordering::Relaxed);
    let stream = match cfg.sample_format() {
        cpal::SampleFormat::I16 => {
            let mut w = Writer::new(producer, channels, stats.clone(), sample_rate);
            device.build_input_stream(
                config,
                move |data: &[i16], info: &cpal::InputCallbackInfo| {
                    w.note_capture(capture_delay(info));
                    w.push(data.iter().map(|x| *x as f32 / 32768.0))
                },
                err,
                None,
            )
        }
        cpal::SampleFormat::I32 => {
            let mut w = Writer::new(producer, channels, stats.clone(), sample_rate);
            device.build_input_stream(
                config,
                move |data: &[i32], info: &cpal::InputCallbackInfo| {
                    w.note_capture(capture_delay(info));
                    w.push(data.iter().map(|x| *x as f32 / 2147483648.0))
                },
                err,
                None,
            )
        }
        _ => {
            let mut w = Writer::new(producer, channels, stats.clone(), sample_rate);
            device.build_input_stream(
                config,
                move |data: &[f32], info: &cpal::InputCallbackInfo| {
                    w.note_capture(capture_delay(info));
                    w.push(data.iter().copied())
                },
                err,
                None,
            )
        }
    }
    .map_err(|e| InputError::Other(e.to_string()))?;
    stream
        .play()
        .map_err(|e| InputError::Other(e.to_string()))?;
    let mut live = LiveInput::new(
        consumer,
        channels,
        block as usize,
        output_block as usize,
        stats,
    );
    live.rate = sample_rate;
    Ok((
        Capture {
            _stream: stream,
            name: device_name(&device),
            channels,
            block: block as usize,
            failed,
        },
        live,
    ))
}

/// How long before its callback a capture buffer's first frame was captured.
fn capture_delay(info: &cpal::InputCallbackInfo) -> std::time::Duration {
    let t = info.timestamp();
    t.callback.duration_since(t.capture)
}

/// The capture callback's side of the ring: whole frames or nothing.
struct Writer {
    ring: Producer<f32>,
    channels: usize,
    stats: Arc<InputStats>,
    rate: u32,
    /// Frames written so far.
    written: i64,
    origin: WindowMin,
}

impl Writer {
    fn new(ring: Producer<f32>, channels: usize, stats: Arc<InputStats>, rate: u32) -> Writer {
        Writer {
            ring,
            channels,
            stats,
            rate,
            written: 0,
            origin: WindowMin::new(),
        }
    }

    /// Notes when the first frame of this callback was captured (`delay`
    /// before now): the capture time of the ring's frame 0.
    fn note_capture(&mut self, delay: std::time::Duration) {
        let now = self.stats.epoch.elapsed().as_nanos() as i64;
        let origin = self
            .origin
            .push(now - delay.as_nanos() as i64 - frames_to_ns(self.written, self.rate));
        self.stats.in_origin.store(origin, Ordering::Relaxed);
    }

    fn push(&mut self, data: impl ExactSizeIterator<Item = f32>) {
        let values = data.len() / self.channels * self.channels;
        let room = self.ring.slots() / self.channels * self.channels;
        let n = values.min(room);
        if n < values {
            self.stats
                .dropped
                .fetch_add(((values - n) / self.channels) as u64, Ordering::Relaxed);
        }
        if let Ok(chunk) = self.ring.write_chunk_uninit(n) {
            chunk.fill_from_iter(data.take(n));
        }
        self.written += (n / self.channels) as i64;
    }
}

/// A live input fed by hand (tests, tools): the writer's end of a ring and
/// the [`LiveInput`] that reads it. Dropping the producer is a device
/// that disappeared.
pub fn manual_input(
    channels: usize,
    frames: usize,
    capture_block: usize,
    output_block: usize,
) -> (Producer<f32>, LiveInput, Arc<InputStats>) {
    let stats = Arc::new(InputStats::default());
    let (p, c) = RingBuffer::new(frames * channels.max(1));
    let live = LiveInput::new(c, channels, capture_block, output_block, stats.clone());
    (p, live, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(feed: &mut InputFeed, bus: &CaptureBus, n: usize) -> Vec<f32> {
        feed.read(0, n, bus);
        (0..n).map(|k| bus.get(0, k)).collect()
    }

    #[test]
    fn only_output_callbacks_about_a_buffer_apart_count_for_the_round_trip() {
        let (_p, mut live, _stats) = manual_input(1, 1024, 256, 256);
        let ms = |m: f64| (m * 1e6) as i64;
        // 256 frames at 48 kHz: 5.33 ms.
        assert!(!live.on_time(0, ms(0.0)), "the first callback");
        assert!(live.on_time(256, ms(5.3)));
        assert!(live.on_time(512, ms(10.0)));
        // A burst (a buffer filling before the stream starts) …
        assert!(!live.on_time(768, ms(10.1)));
        assert!(!live.on_time(1024, ms(10.2)));
        // … and the first callback after a gap (an underrun) do not count.
        assert!(!live.on_time(1280, ms(40.0)));
        assert!(live.on_time(1536, ms(45.5)));
        // A callback somewhat late or early on a busy machine still counts.
        assert!(live.on_time(1792, ms(54.0)));
        assert!(live.on_time(2048, ms(56.0)));
    }

    #[test]
    fn live_input_waits_for_its_target_then_reads_in_order() {
        let (mut p, live, stats) = manual_input(1, 1024, 64, 64);
        let bus = CaptureBus::default();
        let mut feed = InputFeed::Live(live);
        for i in 0..100 {
            p.push(i as f32).unwrap();
        }
        // 100 < 128: still waiting, silence.
        assert_eq!(read_all(&mut feed, &bus, 32), vec![0.0; 32]);
        for i in 100..200 {
            p.push(i as f32).unwrap();
        }
        // 200 waiting: reading starts on the newest 128 (frames 72…).
        let got = read_all(&mut feed, &bus, 32);
        assert_eq!(got, (72..104).map(|i| i as f32).collect::<Vec<_>>());
        assert_eq!(stats.view().fill, 128);
        assert_eq!(stats.view().underruns, 0);
    }

    #[test]
    fn a_dry_ring_is_counted_and_silent_and_a_full_one_drops() {
        let (mut p, live, stats) = manual_input(1, 4096, 64, 64);
        let bus = CaptureBus::default();
        let mut feed = InputFeed::Live(live);
        for i in 0..130 {
            p.push(1.0 + i as f32).unwrap();
        }
        assert_eq!(read_all(&mut feed, &bus, 64)[0], 3.0);
        assert_eq!(read_all(&mut feed, &bus, 64)[63], 130.0);
        let rest = read_all(&mut feed, &bus, 64);
        assert!(rest.iter().all(|x| *x == 0.0));
        assert_eq!(stats.view().underruns, 1);
        // After a dropout the target grows by a block (192) and reading
        // starts again aligned on it: older frames are skipped.
        for i in 0..1000 {
            p.push(i as f32).unwrap();
        }
        assert_eq!(read_all(&mut feed, &bus, 64)[0], 808.0);
        assert_eq!(stats.view().dropped, 0);
        // While reading, a ring past its bound (320) drops down to the target.
        for i in 1000..1400 {
            p.push(i as f32).unwrap();
        }
        // 128 + 400 = 528 waiting: 336 dropped, 192 kept.
        assert_eq!(read_all(&mut feed, &bus, 64)[0], 1208.0);
        assert_eq!(stats.view().dropped, 336);
        read_all(&mut feed, &bus, 64);
        drop(p);
        read_all(&mut feed, &bus, 64);
        assert!(!feed.is_gone());
        read_all(&mut feed, &bus, 64);
        assert!(feed.is_gone());
    }
}
