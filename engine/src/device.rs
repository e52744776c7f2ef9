//! Real-time output through cpal: a thin adapter that moves the
//! [`AudioCore`] into the device's callback.

use crate::audio::AudioCore;
use crate::callback;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use std::fmt;
use std::sync::{Arc, Mutex};

/// Why an output could not be opened.
#[derive(Debug)]
pub enum DeviceError {
    /// No usable audio output on this machine.
    NoDevice(String),
    /// The named device does not exist.
    NotFound(String),
    Other(String),
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            DeviceError::NoDevice(why) => write!(
                f,
                "error: no audio output device is available ({why}); render to a file instead: weft render FILE -o out.wav"
            ),
            DeviceError::NotFound(name) => write!(
                f,
                "error: no output device named `{name}`; `weft devices` lists them"
            ),
            DeviceError::Other(e) => write!(f, "error: audio output failed: {e}"),
        }
    }
}

/// An output device as `weft devices` shows it.
#[derive(Clone, Debug)]
pub struct DeviceInfo {
    pub name: String,
    pub is_default: bool,
    /// Its default configuration, e.g. "2 ch, 48000 Hz, f32".
    pub config: String,
}

/// A device's name as the user types it after `--device`/`--input`.
pub(crate) fn device_name(d: &cpal::Device) -> String {
    d.description()
        .map(|x| x.name().to_string())
        .unwrap_or_else(|_| "(unnamed)".to_string())
}

/// Lists the output devices of the default host.
pub fn output_devices() -> Result<Vec<DeviceInfo>, DeviceError> {
    let host = cpal::default_host();
    let default = host.default_output_device().map(|d| device_name(&d));
    let devices = host
        .output_devices()
        .map_err(|e| DeviceError::NoDevice(e.to_string()))?;
    let mut out = Vec::new();
    for d in devices {
        let Ok(cfg) = d.default_output_config() else {
            continue;
        };
        out.push(describe(&d, &cfg, default.as_deref()));
    }
    Ok(out)
}

/// One line of `weft devices`: the name, whether it is the default, and
/// its default configuration.
pub(crate) fn describe(
    d: &cpal::Device,
    cfg: &cpal::SupportedStreamConfig,
    default: Option<&str>,
) -> DeviceInfo {
    let name = device_name(d);
    DeviceInfo {
        is_default: Some(name.as_str()) == default,
        config: format!(
            "{} ch, {} Hz, {}",
            cfg.channels(),
            cfg.sample_rate(),
            cfg.sample_format()
        ),
        name,
    }
}

/// The chosen device and its stream settings, before the stream starts.
pub struct Output {
    /// `None`: audio off (see [`silent`]).
    device: Option<cpal::Device>,
    pub name: String,
    pub sample_rate: u32,
    pub channels: u16,
    pub buffer: u32,
    format: cpal::SampleFormat,
}

/// Finds the output (`name`, or the default) and its configuration.
/// `buffer` frames are always requested as a fixed size.
pub fn open(name: Option<&str>, buffer: u32) -> Result<Output, DeviceError> {
    let host = cpal::default_host();
    let device = match name {
        None => host
            .default_output_device()
            .ok_or_else(|| DeviceError::NoDevice("no default output".into()))?,
        Some(n) => host
            .output_devices()
            .map_err(|e| DeviceError::NoDevice(e.to_string()))?
            .find(|d| device_name(d) == n)
            .ok_or_else(|| DeviceError::NotFound(n.to_string()))?,
    };
    // Without a usable device the failure shows here, not when finding it.
    let cfg = device
        .default_output_config()
        .map_err(|e| DeviceError::NoDevice(e.to_string()))?;
    Ok(Output {
        name: device_name(&device),
        sample_rate: cfg.sample_rate(),
        channels: cfg.channels(),
        buffer: buffer.max(16),
        format: cfg.sample_format(),
        device: Some(device),
    })
}

/// Audio off: an output without a device. The audio side still runs, on
/// a clock of its own at the pace of a device (`buffer` frames at a time),
/// so that everything but the sound works as usual — recordings included.
pub fn silent(sample_rate: u32, buffer: u32) -> Output {
    Output {
        device: None,
        name: "no device (audio off)".into(),
        sample_rate,
        channels: 2,
        buffer: buffer.max(16),
        format: cpal::SampleFormat::F32,
    }
}

/// The clock of a [`silent`] output: a thread that renders a buffer each
/// buffer's duration, stopped when dropped.
struct Clock {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Clock {
    fn start(mut core: AudioCore, sample_rate: u32, buffer: u32) -> Clock {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut out = vec![0.0f32; buffer as usize * 2];
            let started = std::time::Instant::now();
            let mut frames = 0u64;
            while !stopped.load(Ordering::Relaxed) {
                callback::process(&mut core, &mut out, 2);
                frames += buffer as u64;
                let due = std::time::Duration::from_secs_f64(frames as f64 / sample_rate as f64);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    std::thread::sleep(wait);
                }
            }
        });
        Clock {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Clock {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How long after its callback an output buffer starts to be heard.
fn playback_delay(info: &cpal::OutputCallbackInfo) -> std::time::Duration {
    let t = info.timestamp();
    t.playback.duration_since(t.callback)
}

/// A running output stream; dropping it stops playback.
///
/// The stream's callback holds the [`AudioCore`] while it runs; when the
/// stream goes (dropped, or restarted after it stalled) the core comes
/// home to [`Playing`], so that a new stream — or, when the device is
/// gone, a clock of its own — carries on with the same engine state.
pub struct Playing {
    stream: Option<cpal::Stream>,
    clock: Option<Clock>,
    home: Arc<Mutex<Option<AudioCore>>>,
    device: Option<cpal::Device>,
    settings: StreamSettings,
    on_error: ErrorSink,
}

/// What a stream is built with, kept to build it again.
#[derive(Clone, Copy)]
struct StreamSettings {
    sample_rate: u32,
    channels: u16,
    buffer: u32,
    format: cpal::SampleFormat,
}

type ErrorSink = Arc<dyn Fn(String) + Send + Sync>;

/// The real-time priority the audio thread asks for: below a JACK
/// server's default (10), above every ordinary thread.
#[cfg(target_os = "linux")]
const REAL_TIME_PRIORITY: i32 = 8;

/// Asks for real-time (FIFO) scheduling of the calling thread, the audio
/// callback's, so that builds, drawing or other programs on a busy machine
/// do not make it late (an underrun). Called once, from a callback of a
/// paced device ([`Pacing`]): one system call, no allocation, no lock. Best effort: without
/// the right to it (an `rtprio` limit, as the `audio` group gives) the
/// thread keeps its ordinary priority. Other systems' audio threads are
/// real-time already.
fn promote_to_real_time() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param {
            sched_priority: REAL_TIME_PRIORITY,
        };
        // SAFETY: sched_setscheduler reads `param` and changes only the
        // scheduling of the calling thread (pid 0).
        let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) };
    }
}

/// The core as a stream's callback holds it: given back to `home` when the
/// callback is dropped with its stream (never on the audio thread while
/// it renders).
struct Lent {
    core: Option<AudioCore>,
    home: Arc<Mutex<Option<AudioCore>>>,
    /// Whether the callback's thread may still ask for real-time priority.
    pacing: Pacing,
}

/// Watches the first callbacks of a stream: a device that asks for audio
/// at the pace it plays it gets a real-time thread; one that takes it as
/// fast as it is made (a file, a null device) does not, as a real-time
/// thread that never waits would keep a core from everything else.
struct Pacing {
    /// The first callback's time, and the frames asked for since.
    start: Option<(std::time::Instant, u64)>,
    /// Decided (promoted or not).
    done: bool,
    sample_rate: u32,
}

/// Frames watched before deciding (about a fifth of a second at 48 kHz).
const PACING_FRAMES: u64 = 9600;

impl Pacing {
    fn new(sample_rate: u32) -> Pacing {
        Pacing {
            start: None,
            done: false,
            sample_rate,
        }
    }

    /// Counts `frames` asked for at `now`; true once, when enough have
    /// been and they took at least half their playing time to be asked
    /// for (then the thread should be promoted).
    #[inline]
    fn note(&mut self, frames: usize, now: std::time::Instant) -> bool {
        if self.done {
            return false;
        }
        let (start, count) = self.start.get_or_insert((now, 0));
        *count += frames as u64;
        if *count < PACING_FRAMES {
            return false;
        }
        self.done = true;
        let playing = *count as f64 / self.sample_rate.max(1) as f64;
        now.duration_since(*start).as_secs_f64() >= 0.5 * playing
    }
}

impl Lent {
    #[inline]
    fn render(&mut self, data: &mut [f32], ch: usize) {
        // The clock is read only while the pacing is watched.
        if !self.pacing.done
            && self
                .pacing
                .note(data.len() / ch.max(1), std::time::Instant::now())
        {
            promote_to_real_time();
        }
        if let Some(core) = self.core.as_mut() {
            callback::process(core, data, ch);
        }
    }

    /// Renders into a device buffer of integer samples through `scratch`
    /// (allocated with the stream, never in the callback), a part at a time.
    #[inline]
    fn render_converted<T>(
        &mut self,
        data: &mut [T],
        scratch: &mut [f32],
        ch: usize,
        info: &cpal::OutputCallbackInfo,
        convert: impl Fn(f32) -> T,
    ) {
        self.note_output_delay(info);
        for part in data.chunks_mut(scratch.len()) {
            let s = &mut scratch[..part.len()];
            self.render(s, ch);
            for (d, x) in part.iter_mut().zip(s.iter()) {
                *d = convert(*x);
            }
        }
    }

    #[inline]
    fn note_output_delay(&mut self, info: &cpal::OutputCallbackInfo) {
        if let Some(core) = self.core.as_mut() {
            core.note_output_delay(playback_delay(info));
        }
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(core) = self.core.take() {
            if let Ok(mut home) = self.home.lock() {
                *home = Some(core);
            }
        }
    }
}

/// Largest callback the integer-format conversion handles at once.
const CONVERT_FRAMES: usize = 4096;

impl Output {
    /// Starts the stream with `core` rendering into it.
    pub fn start(
        self,
        core: AudioCore,
        on_error: impl Fn(String) + Send + Sync + 'static,
    ) -> Result<Playing, DeviceError> {
        let settings = StreamSettings {
            sample_rate: self.sample_rate,
            channels: self.channels,
            buffer: self.buffer,
            format: self.format,
        };
        let mut playing = Playing {
            stream: None,
            clock: None,
            home: Arc::new(Mutex::new(None)),
            device: self.device,
            settings,
            on_error: Arc::new(on_error),
        };
        match &playing.device {
            None => playing.clock = Some(Clock::start(core, settings.sample_rate, settings.buffer)),
            Some(device) => {
                let stream =
                    build_stream(device, settings, core, &playing.home, &playing.on_error)?;
                playing.stream = Some(stream);
            }
        }
        Ok(playing)
    }
}

impl Playing {
    /// Builds the device's stream again (after it stalled: some drivers
    /// never wake a playback stream again after an underrun). When that
    /// fails the engine goes on at the pace of its own clock, without
    /// sound, and the error says why.
    pub fn restart(&mut self) -> Result<(), DeviceError> {
        if self.device.is_none() {
            return Ok(());
        }
        // Dropping the stream drops its callback, which sends the core home.
        self.stream = None;
        let Some(core) = self.home.lock().ok().and_then(|mut h| h.take()) else {
            return Err(DeviceError::Other(
                "the engine did not come back from the stalled stream".into(),
            ));
        };
        let Some(device) = &self.device else {
            return Ok(());
        };
        match build_stream(device, self.settings, core, &self.home, &self.on_error) {
            Ok(stream) => {
                self.stream = Some(stream);
                Ok(())
            }
            Err(e) => {
                self.fall_back_to_clock();
                Err(e)
            }
        }
    }

    /// Runs the engine on a clock of its own (no sound) with the core
    /// that came home.
    fn fall_back_to_clock(&mut self) {
        self.device = None;
        if let Some(core) = self.home.lock().ok().and_then(|mut h| h.take()) {
            let s = self.settings;
            self.clock = Some(Clock::start(core, s.sample_rate, s.buffer));
        }
    }

    /// Whether sound goes to a device (false: audio off, or the device was lost).
    pub fn has_device(&self) -> bool {
        self.device.is_some()
    }
}

/// Builds and starts a stream on `device` with `core` rendering into it;
/// the core comes home to `home` when the stream is dropped.
fn build_stream(
    device: &cpal::Device,
    s: StreamSettings,
    core: AudioCore,
    home: &Arc<Mutex<Option<AudioCore>>>,
    on_error: &ErrorSink,
) -> Result<cpal::Stream, DeviceError> {
    let config = cpal::StreamConfig {
        channels: s.channels,
        sample_rate: s.sample_rate,
        buffer_size: cpal::BufferSize::Fixed(s.buffer),
    };
    let ch = s.channels as usize;
    let sink = on_error.clone();
    let stats = core.stats();
    // Underruns are counted for the status line; other errors are told.
    let err = move |e: cpal::Error| match e.kind() {
        cpal::ErrorKind::Xrun => stats.device_xrun(),
        _ => sink(e.to_string()),
    };
    let mut lent = Lent {
        core: Some(core),
        home: home.clone(),
        pacing: Pacing::new(s.sample_rate),
    };
    let stream = match s.format {
        cpal::SampleFormat::F32 => device.build_output_stream(
            config,
            move |data: &mut [f32], info: &cpal::OutputCallbackInfo| {
                lent.note_output_delay(info);
                lent.render(data, ch)
            },
            err,
            None,
        ),
        cpal::SampleFormat::I16 => {
            let mut scratch = vec![0.0f32; CONVERT_FRAMES * ch];
            device.build_output_stream(
                config,
                move |data: &mut [i16], info: &cpal::OutputCallbackInfo| {
                    lent.render_converted(data, &mut scratch, ch, info, |x| {
                        (x.clamp(-1.0, 1.0) * 32767.0) as i16
                    })
                },
                err,
                None,
            )
        }
        cpal::SampleFormat::I32 => {
            let mut scratch = vec![0.0f32; CONVERT_FRAMES * ch];
            device.build_output_stream(
                config,
                move |data: &mut [i32], info: &cpal::OutputCallbackInfo| {
                    lent.render_converted(data, &mut scratch, ch, info, |x| {
                        (x.clamp(-1.0, 1.0) as f64 * 2147483647.0) as i32
                    })
                },
                err,
                None,
            )
        }
        f => {
            return Err(DeviceError::Other(format!(
                "the device's sample format {f} is not supported"
            )))
        }
    }
    .map_err(|e| DeviceError::Other(e.to_string()))?;
    stream
        .play()
        .map_err(|e| DeviceError::Other(e.to_string()))?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Feeds 256-frame buffers at 48 kHz, `gap` apart; the decisions.
    fn decisions(gap: Duration) -> Vec<bool> {
        let mut p = Pacing::new(48000);
        let t0 = Instant::now();
        (0..100u32).map(|i| p.note(256, t0 + gap * i)).collect()
    }

    #[test]
    fn a_paced_device_is_promoted_once_and_a_fast_one_never() {
        // Paced: a buffer every 5.33 ms (its playing time).
        let paced = decisions(Duration::from_micros(5333));
        assert_eq!(paced.iter().filter(|d| **d).count(), 1);
        // Decided once 9,600 frames were asked for: at the 38th buffer.
        assert!(paced[37]);
        // A null device: every buffer at once.
        assert!(!decisions(Duration::ZERO).contains(&true));
        // Ten times faster than played: not paced either.
        assert!(!decisions(Duration::from_micros(533)).contains(&true));
    }
}
