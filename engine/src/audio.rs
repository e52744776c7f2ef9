//! The audio side: voices, track strips, orbit effects and the master bus,
//! and the messages that cross between the control side and the audio
//! callback. Everything here is created (and allocated) on the control
//! side; the methods called from the callback ([`AudioCore`]'s) never
//! allocate, lock or block — except with stems on, an offline-only mode
//! (see [`crate::stem_tap`]).

use crate::dsp::effects::{DcBlocker, Freeverb, StereoDelay, TruePeakLimiter};
use crate::dsp::lanes::{LaneBank, LaneVoice};
use crate::stem_tap::StemTap;
use fundsp::prelude32::{AudioUnit, BufferVec, MAX_BUFFER_SIZE};
use lang::Time;
use rtrb::{Consumer, Producer};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Frames rendered per inner chunk (fundsp's largest block).
pub const CHUNK: usize = MAX_BUFFER_SIZE;
/// Number of orbits (shared reverb + delay buses).
pub const ORBITS: usize = 16;
/// A voice output below this level counts as silent.
const SILENCE: f32 = 1e-4;
/// How long a released voice must stay silent before it is retired (s).
const SILENCE_TIME: f64 = 0.1;
/// A released voice is faded out at the latest this long after release (s).
const MAX_TAIL: f64 = 30.0;
/// Fade applied to a stolen voice (s): a quick release, not a cut.
const STEAL_FADE: f64 = 0.005;
/// Orbit effects keep running this long after their last send (s).
const ORBIT_TAIL: f64 = 12.0;

/// Per-voice settings of the orbit effects, applied when the voice starts
/// (the orbit's reverb and delay are shared; the latest note sets them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrbitSettings {
    /// Reverb room 0–1 (from `size`/`roomsize`), if the event set it.
    pub room: Option<f32>,
    /// Reverb damping 0–1 (`roomdamp`), if the event set it.
    pub damp: Option<f32>,
    /// Delay time in seconds and feedback, if the event set them.
    pub delay_time: Option<f32>,
    pub delay_feedback: Option<f32>,
}

/// A sounding note: its network and where its output goes. Built on the
/// control side ([`crate::voice`]), played and retired on the audio side.
pub struct Voice {
    pub(crate) dsp: Dsp,
    /// Absolute sample of the onset and of the gate falling.
    pub(crate) start: i64,
    pub(crate) gate_off: i64,
    /// Output gains (gain, velocity and pan).
    pub(crate) gain: [f32; 2],
    /// Sends to the orbit's reverb and delay.
    pub(crate) sends: [f32; 2],
    pub(crate) orbit: usize,
    pub(crate) orbit_settings: OrbitSettings,
    /// Track strip slot, instrument id and its polyphony limit.
    pub(crate) track: usize,
    pub(crate) instrument: u32,
    pub(crate) polyphony: usize,
    /// The engine's amplitude envelope, for instruments without their own.
    pub(crate) env: Option<crate::dsp::nodes::Adsr>,
    /// Cut group (`cut`; 0: none): a new voice of the group on the same
    /// orbit fades the others out over 10 ms.
    pub(crate) cut: u32,
    /// The engine's scheduling generation when the voice was queued: a
    /// swap that takes back queued notes ([`Retraction`]) names the
    /// generations it replaces.
    pub(crate) generation: u16,
    /// Samples left of a steal/ending fade, and its length.
    fade: Option<(u32, u32)>,
    silent: u32,
}

/// How a voice makes its sound.
// Voices are boxed whole; a lane voice's settings are boxed on their own
// (they move into a bank when the voice starts).
#[allow(clippy::large_enum_variant)]
pub enum Dsp {
    /// A compiled network (any graph).
    Net(Net1or2),
    /// A lane in a bank of voices running one program (see
    /// [`crate::dsp::lanes`]), assigned when the voice starts.
    Bank {
        params: Box<LaneVoice>,
        lane: Option<(usize, usize)>,
    },
}

impl Dsp {
    fn stereo(&self) -> bool {
        match self {
            Dsp::Net(n) => n.stereo,
            Dsp::Bank { params, .. } => params.stereo(),
        }
    }
}

/// A voice network and its channel count.
pub struct Net1or2 {
    pub net: fundsp::prelude32::Net,
    pub stereo: bool,
    /// The network reads its gate input (else the gate is not computed).
    pub reads_gate: bool,
}

impl Voice {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        dsp: Dsp,
        start: i64,
        gate_off: i64,
        gain: [f32; 2],
        sends: [f32; 2],
        orbit: usize,
        orbit_settings: OrbitSettings,
        track: usize,
        instrument: u32,
        polyphony: usize,
        env: Option<crate::dsp::nodes::Adsr>,
    ) -> Voice {
        Voice {
            env,
            dsp,
            start,
            gate_off,
            gain,
            sends,
            orbit: orbit % ORBITS,
            orbit_settings,
            track,
            instrument,
            polyphony: polyphony.max(1),
            cut: 0,
            generation: 0,
            fade: None,
            silent: 0,
        }
    }

    /// Absolute sample of the onset.
    pub fn start(&self) -> i64 {
        self.start
    }

    fn begin_fade(&mut self, samples: u32) {
        if self.fade.is_none() {
            self.fade = Some((samples.max(1), samples.max(1)));
        }
    }
}

/// Cross-fading holder of an effect chain (stereo in, stereo out). `None`
/// is a straight wire.
pub struct FxSlot {
    current: Option<Box<dyn AudioUnit>>,
    old: Option<Box<dyn AudioUnit>>,
    /// Cross-fade position 0→1 towards `current`, and its step per sample.
    fade: f32,
    step: f32,
    out_a: BufferVec,
    out_b: BufferVec,
}

impl FxSlot {
    pub(crate) fn new(fx: Option<Box<dyn AudioUnit>>, crossfade_samples: f32) -> FxSlot {
        FxSlot {
            current: fx,
            old: None,
            fade: 1.0,
            step: 1.0 / crossfade_samples.max(1.0),
            out_a: BufferVec::new(2),
            out_b: BufferVec::new(2),
        }
    }

    /// Starts a cross-fade to `fx`; the unit it replaces (if any) is
    /// returned to be sent back for dropping.
    pub(crate) fn replace(
        &mut self,
        fx: Option<Box<dyn AudioUnit>>,
        crossfade: bool,
    ) -> [Option<Box<dyn AudioUnit>>; 2] {
        let previous = std::mem::replace(&mut self.current, fx);
        if crossfade {
            let older = std::mem::replace(&mut self.old, previous);
            self.fade = 0.0;
            // A chain that was a straight wire fades from the dry signal.
            if self.old.is_none() {
                self.fade = 0.0;
            }
            [older, None]
        } else {
            self.fade = 1.0;
            [previous, self.old.take()]
        }
    }

    /// Whether the slot processes anything (a chain or a cross-fade).
    fn is_active(&self) -> bool {
        self.current.is_some() || self.old.is_some() || self.fade < 1.0
    }

    /// Processes `n` frames of `bus` in place.
    pub(crate) fn process(&mut self, n: usize, bus: &mut BufferVec) -> Option<Box<dyn AudioUnit>> {
        if self.current.is_none() && self.old.is_none() && self.fade >= 1.0 {
            return None;
        }
        run(&mut self.current, n, bus, &mut self.out_a);
        if self.fade >= 1.0 {
            copy_into(bus, &self.out_a, n);
            return None;
        }
        run(&mut self.old, n, bus, &mut self.out_b);
        let (a, b) = (self.out_a.buffer_ref(), self.out_b.buffer_ref());
        let mut dst = bus.buffer_mut();
        for ch in 0..2 {
            let mut f = self.fade;
            let (a, b) = (a.channel_f32(ch), b.channel_f32(ch));
            for (i, d) in dst.channel_f32_mut(ch)[..n].iter_mut().enumerate() {
                *d = a[i] * f + b[i] * (1.0 - f);
                f = (f + self.step).min(1.0);
            }
        }
        self.fade = (self.fade + self.step * n as f32).min(1.0);
        if self.fade >= 1.0 {
            return self.old.take();
        }
        None
    }
}

/// Runs an optional unit on the first `n` frames of `input` into `out`
/// (a straight copy when there is no unit).
fn run(unit: &mut Option<Box<dyn AudioUnit>>, n: usize, input: &BufferVec, out: &mut BufferVec) {
    match unit {
        Some(u) => u.process(n, &input.buffer_ref(), &mut out.buffer_mut()),
        None => copy_into(out, input, n),
    }
}

fn copy_into(dst: &mut BufferVec, src: &BufferVec, n: usize) {
    let src = src.buffer_ref();
    for ch in 0..2 {
        dst.channel_f32_mut(ch)[..n].copy_from_slice(&src.channel_f32(ch)[..n]);
    }
}

/// One track's mixer strip: the sum of its voices, its effect chain, gain
/// and pan, and the NaN/Inf guard.
pub struct Strip {
    bus: BufferVec,
    fx: FxSlot,
    /// Current and target output gains (left, right).
    gain: [f32; 2],
    target: [f32; 2],
    voices: u32,
    faulted: bool,
    removing: bool,
    silent_samples: u64,
    /// The track's stems, when stems are on.
    tap: Option<Box<StemTap>>,
}

/// Track gains (left, right) from gain, pan (0–1, balance) and audibility.
pub fn strip_gains(gain: f64, pan: f64, audible: bool) -> [f32; 2] {
    if !audible || !gain.is_finite() {
        return [0.0, 0.0];
    }
    let p = if pan.is_finite() {
        pan.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let g = gain.max(0.0);
    [
        (g * (2.0 * (1.0 - p)).min(1.0)) as f32,
        (g * (2.0 * p).min(1.0)) as f32,
    ]
}

impl Strip {
    pub fn new(
        fx: Option<Box<dyn AudioUnit>>,
        gains: [f32; 2],
        crossfade_samples: f32,
        tap: Option<Box<StemTap>>,
    ) -> Strip {
        Strip {
            bus: BufferVec::new(2),
            fx: FxSlot::new(fx, crossfade_samples),
            gain: gains,
            target: gains,
            voices: 0,
            faulted: false,
            removing: false,
            silent_samples: 0,
            tap,
        }
    }
}

/// A change to one strip at a swap.
pub struct StripUpdate {
    pub slot: usize,
    /// A new strip for an empty slot (a new track).
    pub install: Option<Box<Strip>>,
    pub gains: [f32; 2],
    /// A new effect chain (`Some(None)`: remove the chain), cross-faded.
    pub fx: Option<Option<Box<dyn AudioUnit>>>,
    /// The track is gone: the strip plays out its voices, then retires.
    pub remove: bool,
}

/// A program swap as the audio side applies it, at sample `at`.
pub struct SwapPlan {
    pub at: i64,
    pub cycle: Time,
    pub updates: Vec<StripUpdate>,
    /// A new master effect chain, cross-faded.
    pub master_fx: Option<Option<Box<dyn AudioUnit>>>,
}

/// Control → audio commands, in order of their sample.
pub enum Command {
    Voice(Box<Voice>),
    Swap(Box<SwapPlan>),
    /// The effects of an orbit, sent before the first voice that uses
    /// them (taken at once: they sound only once such a voice sends).
    OrbitFx(usize, Box<OrbitFx>),
}

impl Command {
    pub fn at(&self) -> i64 {
        match self {
            Command::Voice(v) => v.start,
            Command::Swap(p) => p.at,
            Command::OrbitFx(..) => i64::MIN,
        }
    }
}

/// The stem taps of the strips that have one (post-master stems follow
/// the orbits' settings as the voices change them).
fn stem_taps(strips: &mut [Option<Box<Strip>>]) -> impl Iterator<Item = &mut Box<StemTap>> {
    strips.iter_mut().flatten().filter_map(|s| s.tap.as_mut())
}

/// Queued notes taken back by an immediate swap, shared by the control side
/// (one writer) and the audio thread: voices of a generation older than
/// `generation` that start at or after `from` are dropped instead of
/// started. One atomic word holds both, so the audio thread never sees the
/// start of one swap with the generation of another.
#[derive(Default)]
pub struct Retraction(std::sync::atomic::AtomicU64);

const RETRACT_FROM_BITS: u32 = 48;
const RETRACT_FROM_MASK: u64 = (1 << RETRACT_FROM_BITS) - 1;

impl Retraction {
    /// Takes back the voices queued before `generation` that start at or
    /// after sample `from`.
    pub fn set(&self, generation: u16, from: i64) {
        let word =
            ((generation as u64) << RETRACT_FROM_BITS) | (from.max(0) as u64 & RETRACT_FROM_MASK);
        self.0.store(word, std::sync::atomic::Ordering::Release);
    }

    /// The generation and start sample in force.
    pub fn get(&self) -> (u16, i64) {
        let word = self.0.load(std::sync::atomic::Ordering::Acquire);
        (
            (word >> RETRACT_FROM_BITS) as u16,
            (word & RETRACT_FROM_MASK) as i64,
        )
    }

    /// Whether a voice queued in `generation`, starting at `start`, was taken back.
    pub fn takes_back(&self, generation: u16, start: i64) -> bool {
        let (current, from) = self.get();
        // Generations wrap around; "older" is a short way behind.
        (current.wrapping_sub(generation) as i16) > 0 && start >= from
    }
}

/// Audio → control: things to drop off the audio thread.
pub enum Garbage {
    Voice(Box<Voice>),
    Unit(Box<dyn AudioUnit>),
    Strip(usize, Box<Strip>),
    Plan(Box<SwapPlan>),
    OrbitFx(Box<OrbitFx>),
}

/// Audio → control: what happened.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Report {
    /// A swap took effect at this cycle and sample.
    SwapApplied { cycle: Time, sample: i64 },
    /// A track produced NaN or infinity and was muted.
    TrackFault { slot: usize },
    /// A voice arrived after its start time and started late by `by` samples.
    Late { by: i64 },
    /// A voice was dropped: every voice slot was busy.
    Dropped,
}

/// A shared effects bus: reverb and delay fed by voice sends.
struct Orbit {
    /// The effects, from the first voice that sends to them on (most
    /// programs use few orbits: the others' buffers, about 0.9 MB each
    /// at 48 kHz, are never made).
    fx: Option<Box<OrbitFx>>,
    /// The reverb's current room and damping.
    room: f32,
    damp: f32,
    room_in: BufferVec,
    delay_in: BufferVec,
    /// Samples the orbit keeps running after its last send.
    active: u64,
}

/// The reverb and the delay of an orbit.
pub struct OrbitFx {
    reverb: Freeverb,
    delay: StereoDelay,
}

impl OrbitFx {
    /// Both effects as an orbit starts them (allocates their buffers).
    pub fn new(sample_rate: f64) -> OrbitFx {
        OrbitFx {
            reverb: Freeverb::new(sample_rate),
            delay: StereoDelay::new(sample_rate),
        }
    }
}

/// The master bus: effect chain, DC blocker, true-peak limiter.
struct Master {
    bus: BufferVec,
    fx: FxSlot,
    /// With stems on: the latest chain as compiled, never run, for the
    /// stems of tracks that appear later.
    pristine: Option<Box<dyn AudioUnit>>,
    dc: [DcBlocker; 2],
    /// None without a ceiling (offline renders, whose mastering limits
    /// the whole mix): such a limiter would only delay the audio.
    limiter: Option<TruePeakLimiter>,
}

/// The audio side of the engine, owned by the audio callback.
pub struct AudioCore {
    sample_rate: f64,
    /// The next sample to render.
    pos: i64,
    voices: Vec<Option<Box<Voice>>>,
    banks: Vec<LaneBank>,
    strips: Vec<Option<Box<Strip>>>,
    orbits: Vec<Orbit>,
    master: Master,
    commands: Consumer<Command>,
    garbage: Producer<Garbage>,
    reports: Producer<Report>,
    record: Option<Producer<f32>>,
    position: Arc<AtomicI64>,
    retraction: Arc<Retraction>,
    stats: Arc<crate::stats::Stats>,
    /// Reference instant for the statistics' clock.
    epoch: std::time::Instant,
    gate: BufferVec,
    scratch1: BufferVec,
    scratch2: BufferVec,
    smoothing: f32,
    stems: bool,
    /// Samples of silence before a released voice retires; the tail limit.
    silence_samples: u32,
    max_tail: i64,
    orbit_tail: u64,
    /// This chunk's input frames, read by `input(…)` in effect chains.
    capture: Arc<crate::input::CaptureBus>,
    /// Where the input comes from (none: `input(…)` is silent).
    input: Option<crate::input::InputFeed>,
    /// Takes being recorded.
    takes: crate::takes::Deck,
    /// Strip levels are measured for the statistics (off in offline
    /// renders, where nobody reads them).
    metering: bool,
    /// The CPU has AVX2: [`Self::render_chunk`] runs its AVX build.
    avx: bool,
    /// One past the last voice slot, strip slot and bank that may be in
    /// use: slots fill from the start, and each chunk walks only these.
    voices_end: usize,
    strips_end: usize,
    banks_end: usize,
}

/// Queues and settings an [`AudioCore`] is built from.
pub struct CoreParts {
    pub sample_rate: f64,
    pub max_voices: usize,
    pub max_tracks: usize,
    pub crossfade_samples: f32,
    pub ceiling_db: f64,
    pub master_fx: Option<Box<dyn AudioUnit>>,
    pub stems: bool,
    pub commands: Consumer<Command>,
    pub garbage: Producer<Garbage>,
    pub reports: Producer<Report>,
    pub position: Arc<AtomicI64>,
    pub retraction: Arc<Retraction>,
    pub stats: Arc<crate::stats::Stats>,
    pub capture: Arc<crate::input::CaptureBus>,
    pub takes: crate::takes::Deck,
}

impl AudioCore {
    pub(crate) fn new(p: CoreParts) -> AudioCore {
        let sr = p.sample_rate;
        AudioCore {
            sample_rate: sr,
            pos: 0,
            voices: (0..p.max_voices).map(|_| None).collect(),
            banks: (0..crate::dsp::lanes::banks_for(p.max_voices))
                .map(|_| LaneBank::default())
                .collect(),
            strips: (0..p.max_tracks).map(|_| None).collect(),
            orbits: (0..ORBITS)
                .map(|_| Orbit {
                    fx: None,
                    room: 0.5,
                    damp: 0.5,
                    room_in: BufferVec::new(2),
                    delay_in: BufferVec::new(2),
                    active: 0,
                })
                .collect(),
            master: Master {
                bus: BufferVec::new(2),
                pristine: if p.stems { p.master_fx.clone() } else { None },
                fx: FxSlot::new(p.master_fx, p.crossfade_samples),
                dc: [DcBlocker::new(sr), DcBlocker::new(sr)],
                limiter: (p.ceiling_db < f64::INFINITY)
                    .then(|| TruePeakLimiter::new(sr, p.ceiling_db)),
            },
            commands: p.commands,
            garbage: p.garbage,
            reports: p.reports,
            record: None,
            position: p.position,
            retraction: p.retraction,
            stats: p.stats,
            epoch: std::time::Instant::now(),
            gate: BufferVec::new(1),
            scratch1: BufferVec::new(1),
            scratch2: BufferVec::new(2),
            smoothing: 1.0 - (-1.0 / (0.005 * sr)).exp() as f32,
            stems: p.stems,
            silence_samples: (SILENCE_TIME * sr) as u32,
            max_tail: (MAX_TAIL * sr) as i64,
            orbit_tail: (ORBIT_TAIL * sr) as u64,
            capture: p.capture,
            input: None,
            takes: p.takes,
            metering: true,
            avx: crate::cpu::has_avx2(),
            voices_end: 0,
            strips_end: 0,
            banks_end: 0,
        }
    }

    /// Turns the strips' level meters (for the statistics) on or off.
    pub fn set_metering(&mut self, on: bool) {
        self.metering = on;
    }

    /// Mixes with the AVX2 build of [`Self::render_chunk`] where the CPU
    /// has it (the default), or with the portable build: both give the
    /// same samples, which is what this is for (tests compare them).
    pub fn set_avx(&mut self, on: bool) {
        self.avx = on && crate::cpu::has_avx2();
    }

    /// Feeds `input(…)` from `feed` (a live capture or a file).
    pub fn set_input(&mut self, feed: crate::input::InputFeed) {
        self.input = Some(feed);
    }

    /// The output callback about to run will be heard `delay` from now
    /// (the device's buffering): measures the input's round trip.
    pub fn note_output_delay(&mut self, delay: std::time::Duration) {
        if let Some(crate::input::InputFeed::Live(l)) = self.input.as_mut() {
            l.note_output(self.pos, delay.as_nanos() as i64);
        }
    }

    /// Reads this chunk's input into the capture bus and records it into
    /// the input's takes.
    fn read_input(&mut self, n: usize) {
        use crate::takes::Tap;
        self.takes.receive();
        let Some(feed) = self.input.as_mut() else {
            return;
        };
        feed.read(self.pos, n, &self.capture);
        if !self.takes.wants(Tap::Input) {
            return;
        }
        let (mut l, mut r) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
        let stereo = feed.channels() > 1;
        for k in 0..n {
            l[k] = self.capture.get(0, k);
            r[k] = if stereo { self.capture.get(1, k) } else { l[k] };
        }
        self.takes.capture(Tap::Input, self.pos, &l[..n], &r[..n]);
        if feed.is_gone() {
            self.takes.cut_input();
        }
    }

    /// Takes every queued command off the queue and returns the voices'
    /// start samples (for tests of the scheduler; allocates).
    #[doc(hidden)]
    pub fn drain_queued_starts(&mut self) -> Vec<i64> {
        let mut out = Vec::new();
        while let Ok(c) = self.commands.pop() {
            if let Command::Voice(v) = c {
                out.push(v.start);
            }
        }
        out
    }

    /// Number of voices sounding now.
    pub fn active_voices(&self) -> usize {
        self.voices[..self.voices_end]
            .iter()
            .filter(|v| v.is_some())
            .count()
    }

    /// Sends every rendered sample (interleaved stereo) to `record` too.
    pub fn set_record(&mut self, record: Producer<f32>) {
        self.record = Some(record);
    }

    /// The next sample to render.
    pub fn position(&self) -> i64 {
        self.pos
    }

    /// The statistics this core writes.
    pub(crate) fn stats(&self) -> Arc<crate::stats::Stats> {
        self.stats.clone()
    }

    /// Latency of the master limiter in frames.
    pub fn latency(&self) -> usize {
        self.master
            .limiter
            .as_ref()
            .map_or(0, TruePeakLimiter::latency)
    }

    /// Each track's stem in the last callback (interleaved stereo), before
    /// and after the master chain, when the core was built with stems on.
    pub fn stems(&self) -> impl Iterator<Item = (usize, &[f32], &[f32])> {
        self.strips.iter().enumerate().filter_map(|(i, s)| {
            let (pre, post) = s.as_ref()?.tap.as_ref()?.frames();
            Some((i, pre, post))
        })
    }

    /// Lowest master limiter gain since the last call.
    pub fn take_limiter_gain(&mut self) -> f32 {
        self.master
            .limiter
            .as_mut()
            .map_or(1.0, TruePeakLimiter::take_min_gain)
    }

    fn send_garbage(&mut self, g: Garbage) {
        // The queue is sized for everything that can be in flight; should it
        // ever be full, the item is leaked rather than dropped here.
        if let Err(rtrb::PushError::Full(g)) = self.garbage.push(g) {
            std::mem::forget(g);
        }
    }

    fn report(&mut self, r: Report) {
        let _ = self.reports.push(r);
    }

    /// Starts the voices and applies the swaps due before `pos + max`;
    /// returns the length of the next chunk (shortened so that a swap
    /// lands on its exact sample).
    pub(crate) fn start_due(&mut self, max: usize) -> usize {
        let end = self.pos + max as i64;
        while let Ok(cmd) = self.commands.peek() {
            if let Command::Voice(v) = cmd {
                // Taken back by an immediate swap: dropped whenever it
                // reaches the front, so the new program's voices behind it
                // are not held up.
                if self.retraction.takes_back(v.generation, v.start) {
                    if let Ok(Command::Voice(v)) = self.commands.pop() {
                        self.send_garbage(Garbage::Voice(v));
                    }
                    continue;
                }
            }
            let at = cmd.at();
            if at >= end {
                break;
            }
            if matches!(cmd, Command::Swap(_)) && at > self.pos {
                return (at - self.pos) as usize;
            }
            match self.commands.pop() {
                Ok(Command::Voice(v)) => self.start_voice(v),
                Ok(Command::Swap(p)) => self.apply_swap(p),
                Ok(Command::OrbitFx(i, fx)) => self.install_orbit_fx(i, fx),
                Err(_) => break,
            }
        }
        max
    }

    /// Gives orbit `i` its effects (the first ones only: the control
    /// side sends them once).
    fn install_orbit_fx(&mut self, i: usize, fx: Box<OrbitFx>) {
        match self.orbits.get_mut(i) {
            Some(o) if o.fx.is_none() => o.fx = Some(fx),
            _ => self.send_garbage(Garbage::OrbitFx(fx)),
        }
    }

    fn start_voice(&mut self, mut v: Box<Voice>) {
        if v.start < self.pos {
            self.report(Report::Late {
                by: self.pos - v.start,
            });
            v.start = self.pos;
        }
        let alive = |s: &Option<Box<Voice>>| {
            s.as_ref().is_some_and(|o| {
                o.fade.is_none() && o.track == v.track && o.instrument == v.instrument
            })
        };
        let count = self.voices.iter().filter(|s| alive(s)).count();
        if count >= v.polyphony {
            let oldest = self
                .voices
                .iter_mut()
                .filter(|s| alive(s))
                .flatten()
                .min_by_key(|o| o.start);
            if let Some(o) = oldest {
                o.begin_fade((STEAL_FADE * self.sample_rate) as u32);
            }
        }
        let Some(slot) = self.voices.iter().position(|s| s.is_none()) else {
            self.report(Report::Dropped);
            self.send_garbage(Garbage::Voice(v));
            return;
        };
        if let Dsp::Bank { params, lane } = &mut v.dsp {
            let sr = self.sample_rate as f32;
            *lane = self
                .banks
                .iter_mut()
                .enumerate()
                .filter(|(_, b)| !b.is_full())
                .find_map(|(i, b)| b.start(params, sr).map(|j| (i, j)));
            match lane {
                Some((b, _)) => self.banks_end = self.banks_end.max(*b + 1),
                None => {
                    self.report(Report::Dropped);
                    self.send_garbage(Garbage::Voice(v));
                    return;
                }
            }
        }
        match self.strips.get_mut(v.track).and_then(|s| s.as_mut()) {
            Some(strip) => strip.voices += 1,
            None => {
                self.send_garbage(Garbage::Voice(v));
                return;
            }
        }
        if v.cut != 0 {
            let fade = (0.01 * self.sample_rate) as u32;
            for o in self.voices.iter_mut().flatten() {
                if o.cut == v.cut && o.orbit == v.orbit {
                    o.begin_fade(fade);
                }
            }
        }
        let orbit = &mut self.orbits[v.orbit];
        let st = v.orbit_settings;
        if v.sends[0] > 0.0 && (st.room.is_some() || st.damp.is_some()) {
            let room = st.room.unwrap_or(orbit.room);
            let damp = st.damp.unwrap_or(orbit.damp);
            orbit.room = room;
            orbit.damp = damp;
            if let Some(fx) = orbit.fx.as_mut() {
                fx.reverb.set_room(room, damp);
            }
            for tap in stem_taps(&mut self.strips) {
                tap.set_room(v.orbit, room, damp);
            }
        }
        if v.sends[1] > 0.0 {
            let (time, feedback) = (
                st.delay_time.unwrap_or(0.25),
                st.delay_feedback.unwrap_or(0.5),
            );
            if let Some(fx) = orbit.fx.as_mut() {
                fx.delay.set(time, feedback);
            }
            for tap in stem_taps(&mut self.strips) {
                tap.set_delay(v.orbit, time, feedback);
            }
        }
        self.voices[slot] = Some(v);
        self.voices_end = self.voices_end.max(slot + 1);
    }

    fn apply_swap(&mut self, mut plan: Box<SwapPlan>) {
        for u in plan.updates.iter_mut() {
            if let Some(mut new) = u.install.take() {
                if let Some(tap) = new.tap.as_mut() {
                    tap.set_master_fx(self.master.pristine.clone(), false);
                }
                if let Some(old) = self.strips[u.slot].replace(new) {
                    self.send_garbage(Garbage::Strip(u.slot, old));
                }
                self.strips_end = self.strips_end.max(u.slot + 1);
            }
            let Some(strip) = self.strips[u.slot].as_mut() else {
                continue;
            };
            strip.target = u.gains;
            strip.removing = u.remove;
            let mut old = [None, None];
            if let Some(fx) = u.fx.take() {
                // A faulted chain holds NaN state: replace it without a fade.
                let crossfade = !strip.faulted;
                strip.faulted = false;
                old = strip.fx.replace(fx, crossfade);
            }
            for unit in old.into_iter().flatten() {
                self.send_garbage(Garbage::Unit(unit));
            }
        }
        if let Some(fx) = plan.master_fx.take() {
            if self.stems {
                self.master.pristine = fx.clone();
                for tap in self
                    .strips
                    .iter_mut()
                    .flatten()
                    .filter_map(|s| s.tap.as_mut())
                {
                    tap.set_master_fx(fx.clone(), true);
                }
            }
            for unit in self.master.fx.replace(fx, true).into_iter().flatten() {
                self.send_garbage(Garbage::Unit(unit));
            }
        }
        self.report(Report::SwapApplied {
            cycle: plan.cycle,
            sample: self.pos,
        });
        self.send_garbage(Garbage::Plan(plan));
    }

    /// Clears the per-callback stem buffers.
    pub(crate) fn begin_callback(&mut self) {
        if self.stems {
            for tap in self.strips[..self.strips_end]
                .iter_mut()
                .flatten()
                .filter_map(|s| s.tap.as_mut())
            {
                tap.begin_callback();
            }
        }
    }

    /// Renders `n` frames (n <= CHUNK) into the master bus.
    pub(crate) fn render_chunk(&mut self, n: usize) {
        #[cfg(target_arch = "x86_64")]
        if self.avx {
            // SAFETY: `avx` is set only where the CPU has AVX2.
            unsafe { self.render_chunk_avx(n) };
            return;
        }
        self.render_chunk_here(n);
    }

    /// [`Self::render_chunk`] compiled for AVX2: the mixing loops (voices
    /// into strips, strips into the master) take 256-bit vectors, with
    /// the same operations in the same order (no fused multiply-add),
    /// so the same samples, to the bit.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn render_chunk_avx(&mut self, n: usize) {
        self.render_chunk_here(n);
    }

    #[inline(always)]
    fn render_chunk_here(&mut self, n: usize) {
        self.read_input(n);
        for s in self.strips[..self.strips_end].iter_mut().flatten() {
            zero(&mut s.bus, n);
            if let Some(tap) = s.tap.as_mut() {
                tap.begin_chunk(n);
            }
        }
        for o in self.orbits.iter_mut() {
            if o.active > 0 {
                zero(&mut o.room_in, n);
                zero(&mut o.delay_in, n);
            }
        }
        for b in self.banks[..self.banks_end].iter_mut() {
            if !b.is_empty() {
                b.process(n);
            }
        }
        for i in 0..self.voices_end {
            if self.voices[i].is_some() {
                self.render_voice(i, n);
            }
        }
        zero(&mut self.master.bus, n);
        for i in 0..self.strips_end {
            if self.strips[i].is_some() {
                self.mix_strip(i, n);
            }
        }
        self.shrink_ends();
        self.mix_orbits(n);
        if let Some(old) = self.master.fx.process(n, &mut self.master.bus) {
            self.send_garbage(Garbage::Unit(old));
        }
        if self.takes.wants(crate::takes::Tap::Master) {
            let b = self.master.bus.buffer_ref();
            let (l, r) = (&b.channel_f32(0)[..n], &b.channel_f32(1)[..n]);
            self.takes
                .capture(crate::takes::Tap::Master, self.pos, l, r);
        }
        if self.stems {
            for tap in self.strips[..self.strips_end]
                .iter_mut()
                .flatten()
                .filter_map(|s| s.tap.as_mut())
            {
                tap.finish_chunk(n);
            }
        }
    }

    /// Moves the ends of the used slots back past slots that emptied.
    fn shrink_ends(&mut self) {
        while self.voices_end > 0 && self.voices[self.voices_end - 1].is_none() {
            self.voices_end -= 1;
        }
        while self.strips_end > 0 && self.strips[self.strips_end - 1].is_none() {
            self.strips_end -= 1;
        }
        while self.banks_end > 0 && self.banks[self.banks_end - 1].is_empty() {
            self.banks_end -= 1;
        }
    }

    #[inline(always)]
    fn render_voice(&mut self, i: usize, n: usize) {
        let pos = self.pos;
        let Some(v) = self.voices[i].as_mut() else {
            return;
        };
        let off = (v.start - pos).max(0) as usize;
        if off >= n {
            return;
        }
        let len = n - off;
        // Frames of this chunk (from `off`) during which the gate is held.
        let held = (v.gate_off - (pos + off as i64)).clamp(0, len as i64) as usize;
        let stereo = v.dsp.stereo();
        let (l, r): (&[f32], &[f32]) = match &mut v.dsp {
            Dsp::Net(net) => {
                if net.reads_gate {
                    let gate = self.gate.channel_f32_mut(0);
                    gate[..held].fill(1.0);
                    gate[held..len].fill(0.0);
                }
                let out = if net.stereo {
                    &mut self.scratch2
                } else {
                    &mut self.scratch1
                };
                net.net
                    .process(len, &self.gate.buffer_ref(), &mut out.buffer_mut());
                let out = out.buffer_ref();
                (
                    &out.channel_f32(0)[..len],
                    &out.channel_f32(if net.stereo { 1 } else { 0 })[..len],
                )
            }
            Dsp::Bank {
                lane: Some((b, j)), ..
            } => {
                let bank = &self.banks[*b];
                let o = &bank.out[*j][off..n];
                (o, if stereo { &bank.out_r[*j][off..n] } else { o })
            }
            Dsp::Bank { lane: None, .. } => return,
        };
        let Some(strip) = self.strips[v.track].as_mut() else {
            return;
        };
        // Amplitude per frame: the engine's envelope and any fade.
        let mut amp = [1.0f32; CHUNK];
        let amp = &mut amp[..len];
        let mut unit = true;
        if let Some(env) = v.env.as_mut() {
            unit = env.fill(amp, held);
        }
        if let Some((left, total)) = v.fade.as_mut() {
            unit = false;
            for a in amp.iter_mut() {
                *a *= *left as f32 / *total as f32;
                *left = left.saturating_sub(1);
            }
        }
        let (g0, g1) = (v.gain[0], v.gain[1]);
        let mut bus = strip.bus.buffer_mut();
        let bl = &mut bus.channel_f32_mut(0)[off..n];
        let br = &mut bus.channel_f32_mut(1)[off..n];
        // Bank voices have finite settings and cannot produce NaN.
        let sum = match v.dsp {
            Dsp::Net(_) => lane_sum(l) + lane_sum(r),
            Dsp::Bank { .. } => 0.0,
        };
        if unit {
            for k in 0..len {
                bl[k] += l[k] * g0;
                br[k] += r[k] * g1;
            }
        } else {
            for k in 0..len {
                bl[k] += l[k] * amp[k] * g0;
                br[k] += r[k] * amp[k] * g1;
            }
        }
        if v.sends[0] > 0.0 || v.sends[1] > 0.0 {
            let orbit = &mut self.orbits[v.orbit];
            if orbit.active == 0 {
                // A sleeping orbit's buses were not cleared for this chunk.
                zero(&mut orbit.room_in, CHUNK);
                zero(&mut orbit.delay_in, CHUNK);
            }
            orbit.active = self.orbit_tail;
            for (bus, send) in [
                (&mut orbit.room_in, v.sends[0]),
                (&mut orbit.delay_in, v.sends[1]),
            ] {
                let mut b = bus.buffer_mut();
                let (sl, sr) = (send * g0, send * g1);
                let dl = &mut b.channel_f32_mut(0)[off..n];
                for k in 0..len {
                    dl[k] += l[k] * amp[k] * sl;
                }
                let dr = &mut b.channel_f32_mut(1)[off..n];
                for k in 0..len {
                    dr[k] += r[k] * amp[k] * sr;
                }
            }
            if let (Some(tap), Some(fx)) = (strip.tap.as_mut(), orbit.fx.as_ref()) {
                let s = v.sends;
                tap.send(
                    v.orbit,
                    (&fx.reverb, &fx.delay),
                    off,
                    l,
                    r,
                    amp,
                    [s[0] * g0, s[0] * g1],
                    [s[1] * g0, s[1] * g1],
                );
            }
        }
        let released = held < len;
        let mut peak = 0.0f32;
        if released {
            let mut shaped = [0.0f32; CHUNK];
            for (ch, x) in [l, r].into_iter().enumerate() {
                if ch == 1 && !stereo {
                    break;
                }
                for k in 0..len {
                    shaped[k] = x[k] * amp[k];
                }
                peak = peak.max(lane_peak(&shaped[..len]));
            }
        }
        v.silent = if released && peak < SILENCE {
            v.silent.saturating_add(len as u32)
        } else {
            0
        };
        if released && pos - v.gate_off > self.max_tail {
            v.begin_fade((0.05 * self.sample_rate) as u32);
        }
        let faulted = !sum.is_finite();
        if faulted && !strip.faulted {
            strip.faulted = true;
            let _ = self.reports.push(Report::TrackFault { slot: v.track });
        }
        let done = faulted
            || v.fade.is_some_and(|(left, _)| left == 0)
            || v.silent >= self.silence_samples;
        if done {
            let v = self.voices[i].take();
            if let Some(v) = v {
                if let Dsp::Bank {
                    lane: Some((b, j)), ..
                } = v.dsp
                {
                    self.banks[b].stop(j);
                }
                if let Some(s) = self.strips[v.track].as_mut() {
                    s.voices = s.voices.saturating_sub(1);
                }
                self.send_garbage(Garbage::Voice(v));
            }
        }
    }

    #[inline(always)]
    fn mix_strip(&mut self, i: usize, n: usize) {
        let Some(strip) = self.strips[i].as_mut() else {
            return;
        };
        let fx_active = strip.fx.is_active();
        let old = strip.fx.process(n, &mut strip.bus);
        let k = self.smoothing;
        let mut sum = 0.0f32;
        let mut peak = 0.0f32;
        for ch in 0..2 {
            let mut g = strip.gain[ch];
            let t = strip.target[ch];
            let src = &mut strip.bus.channel_f32_mut(ch)[..n];
            if g == t {
                if g != 1.0 {
                    for x in src.iter_mut() {
                        *x *= g;
                    }
                }
            } else {
                for x in src.iter_mut() {
                    g += (t - g) * k;
                    *x *= g;
                }
                strip.gain[ch] = if (g - t).abs() < 1e-6 { t } else { g };
            }
            // Voices are checked one by one; only an effect chain can add NaN here.
            if fx_active {
                sum += lane_sum(src);
            }
            if strip.removing {
                peak = peak.max(lane_peak(src));
            }
        }
        if self.takes.wants(crate::takes::Tap::Strip(i)) {
            let b = strip.bus.buffer_ref();
            let (l, r) = (&b.channel_f32(0)[..n], &b.channel_f32(1)[..n]);
            self.takes
                .capture(crate::takes::Tap::Strip(i), self.pos, l, r);
        }
        let faulted = strip.faulted || !sum.is_finite();
        if faulted && !strip.faulted {
            strip.faulted = true;
            let _ = self.reports.push(Report::TrackFault { slot: i });
        }
        if !faulted {
            let src = strip.bus.buffer_ref();
            if self.metering {
                let mut level = Level8::default();
                for ch in 0..2 {
                    let dst = &mut self.master.bus.channel_f32_mut(ch)[..n];
                    level.add_into(dst, &src.channel_f32(ch)[..n]);
                }
                let (level_peak, squares) = level.finish();
                self.stats.meter(i, level_peak, squares, n);
            } else {
                for ch in 0..2 {
                    let dst = &mut self.master.bus.channel_f32_mut(ch)[..n];
                    for (d, x) in dst.iter_mut().zip(&src.channel_f32(ch)[..n]) {
                        *d += x;
                    }
                }
            }
            let scope = self.stats.scope();
            if scope.wants(i) {
                scope.write(i, &src.channel_f32(0)[..n], &src.channel_f32(1)[..n]);
            }
        }
        if let Some(tap) = strip.tap.as_mut() {
            tap.set_strip_output((!faulted).then_some(&strip.bus), n);
        }
        strip.silent_samples = if peak < SILENCE {
            strip.silent_samples + n as u64
        } else {
            0
        };
        let retire =
            strip.removing && strip.voices == 0 && strip.silent_samples as f64 > self.sample_rate;
        if let Some(old) = old {
            self.send_garbage(Garbage::Unit(old));
        }
        if retire {
            if let Some(s) = self.strips[i].take() {
                self.send_garbage(Garbage::Strip(i, s));
            }
        }
    }

    fn mix_orbits(&mut self, n: usize) {
        let master = &mut self.master.bus;
        for (i, o) in self.orbits.iter_mut().enumerate() {
            // An orbit sounds only after a voice sent to it, which came
            // after its effects.
            let Some(fx) = o.fx.as_mut().filter(|_| o.active > 0) else {
                continue;
            };
            o.active = o.active.saturating_sub(n as u64);
            for k in 0..n {
                let (rl, rr) = fx
                    .reverb
                    .tick(o.room_in.channel_f32(0)[k], o.room_in.channel_f32(1)[k]);
                let (dl, dr) = fx
                    .delay
                    .tick(o.delay_in.channel_f32(0)[k], o.delay_in.channel_f32(1)[k]);
                // Freeverb's input scaling is compensated here (wet gain 3).
                master.channel_f32_mut(0)[k] += rl * 3.0 + dl;
                master.channel_f32_mut(1)[k] += rr * 3.0 + dr;
            }
            for tap in self.strips[..self.strips_end]
                .iter_mut()
                .flatten()
                .filter_map(|s| s.tap.as_mut())
            {
                tap.mix_share(i, n);
            }
        }
    }

    /// DC blocking, limiting, and writing `n` frames to an interleaved
    /// output with `channels` channels (extra channels get silence).
    pub(crate) fn finish_chunk(&mut self, n: usize, out: &mut [f32], channels: usize) {
        let m = &mut self.master;
        for k in 0..n {
            let l = m.dc[0].tick(m.bus.channel_f32(0)[k]);
            let r = m.dc[1].tick(m.bus.channel_f32(1)[k]);
            let (l, r) = match m.limiter.as_mut() {
                Some(limiter) => limiter.tick(l, r),
                None => (l, r),
            };
            let frame = &mut out[k * channels..(k + 1) * channels];
            match channels {
                1 => frame[0] = 0.5 * (l + r),
                _ => {
                    frame[0] = l;
                    frame[1] = r;
                    frame[2..].fill(0.0);
                }
            }
            // Whole frames only: a full queue drops a frame, never one
            // channel of it (which would swap the channels from then on).
            if let Some(rec) = self.record.as_mut().filter(|rec| rec.slots() >= 2) {
                let _ = rec.push(l);
                let _ = rec.push(r);
            }
        }
        self.pos += n as i64;
    }

    /// Publishes the position for the control side.
    pub(crate) fn publish(&mut self) {
        self.position.store(self.pos, Ordering::Release);
    }

    /// Updates the shared statistics after a callback that began at `started`.
    pub(crate) fn record_stats(&self, started: std::time::Instant, frames: usize) {
        let voices = self.active_voices();
        self.stats.record(
            self.epoch,
            started,
            frames as f64 / self.sample_rate,
            voices,
        );
    }
}

/// A strip's level meter, accumulated in eight lanes while the strip is
/// added to the master bus: one pass over the samples, no dependency from
/// one sample to the next (a running maximum and sum would make the loop
/// wait for each addition in turn, once per track and sample).
#[derive(Default)]
struct Level8 {
    peak: [f32; 8],
    squares: [f32; 8],
}

impl Level8 {
    /// Adds `src` into `dst` and meters it.
    #[inline]
    fn add_into(&mut self, dst: &mut [f32], src: &[f32]) {
        let mut d = dst.chunks_exact_mut(8);
        let mut s = src.chunks_exact(8);
        for (d, s) in (&mut d).zip(&mut s) {
            for j in 0..8 {
                d[j] += s[j];
                self.peak[j] = self.peak[j].max(s[j].abs());
                self.squares[j] += s[j] * s[j];
            }
        }
        for (j, (d, x)) in d.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
            *d += x;
            self.peak[j] = self.peak[j].max(x.abs());
            self.squares[j] += x * x;
        }
    }

    /// The peak and the sum of squares.
    fn finish(&self) -> (f32, f32) {
        (
            self.peak.iter().copied().fold(0.0f32, f32::max),
            self.squares.iter().sum(),
        )
    }
}

/// Sum of `x` in eight lanes (so that it vectorises); not finite if any
/// sample is NaN or infinite.
#[inline(always)]
fn lane_sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for j in 0..8 {
            acc[j] += c[j];
        }
    }
    acc.iter().sum::<f32>() + rest
}

/// Largest absolute value in `x` (NaN ignored: the finiteness check is separate).
#[inline(always)]
fn lane_peak(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let mut peak = 0.0f32;
    for v in chunks.remainder() {
        let a = v.abs();
        peak = if a > peak { a } else { peak };
    }
    for c in chunks {
        for j in 0..8 {
            let a = c[j].abs();
            acc[j] = if a > acc[j] { a } else { acc[j] };
        }
    }
    acc.iter().fold(peak, |p, &a| if a > p { a } else { p })
}

#[inline(always)]
fn zero(b: &mut BufferVec, n: usize) {
    for ch in 0..b.channels() {
        b.channel_f32_mut(ch)[..n].fill(0.0);
    }
}
