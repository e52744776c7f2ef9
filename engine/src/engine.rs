//! The control side of the engine: scheduling, voice preparation and hot
//! swap. [`Engine::new`] returns the control-side handle and the
//! [`AudioCore`] that the audio callback owns; they talk only through
//! fixed-capacity lock-free queues.
//!
//! Scheduling works in exact cycle spans: the engine queries every audible
//! track over `[scheduled_until, next)` (steps of 1/`schedule_steps` cycle, cut at a
//! pending swap), turns each onset into a voice whose first sample comes
//! from the tempo map, and queues the voices in time order. The audio side
//! starts each at its sample.

use crate::audio::{
    strip_gains, AudioCore, Command, CoreParts, Garbage, OrbitFx, Report, Retraction, Strip,
    StripUpdate, SwapPlan, ORBITS,
};
use crate::compile::compile_effect_live;
use crate::samples::{FileStatus, Sample, SampleLibrary};
use crate::stem_tap::StemTap;
use crate::tempo::{unrolled_changes, TempoMap};
use crate::voice::{
    number, prepare, prepare_sample, InstrumentIds, PreparedInstrument, VoicePlacement, Who,
    DEFAULT_INSTRUMENT, DEFAULT_POLYPHONY,
};
use fundsp::prelude32::AudioUnit;
use lang::diagnostics::did_you_mean;
use lang::graph::{Graph, Instrument};
use lang::library::Pat;
use lang::pattern::{query_within, Budget, Controls, State};
use lang::program::{Output, Program};
use lang::value::ValueMap;
use lang::{Span, Time, Value};
use rtrb::{Consumer, Producer, RingBuffer};
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Settings of an engine.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub sample_rate: u32,
    /// Voices that can sound at once (all tracks).
    pub max_voices: usize,
    /// Tracks that can exist at once (including ones ringing out after removal).
    pub max_tracks: usize,
    /// Capacity of the command queue (voices and swaps waiting for their sample).
    pub queue_capacity: usize,
    /// Cross-fade time for changed effect chains, seconds.
    pub crossfade: f64,
    /// Ceiling of the master limiter, dBFS true peak.
    pub ceiling_db: f64,
    /// Keep each track's stems of the last callback (see
    /// [`crate::stem_tap`]). Offline renders only: the audio side then
    /// allocates.
    pub stems: bool,
    /// Largest callback size in frames when stems are on.
    pub stem_frames: usize,
    /// Cycles per bar for [`Quantize::NextBar`] (weft puts four beats in a cycle).
    pub cycles_per_bar: u32,
    /// How far ahead of the audio position [`Engine::pump`] schedules, seconds.
    pub lookahead: f64,
    /// Decode samples when a note first needs them, on the control thread
    /// (offline renders: deterministic). Otherwise a loader thread decodes
    /// them and notes of a sound still loading are skipped.
    pub load_samples_now: bool,
    /// Events are scheduled in steps of 1/`schedule_steps` cycle, and a
    /// swap `Quantize::Immediate` cannot land inside a step already
    /// scheduled. More steps: a quicker immediate swap, more queries.
    /// Offline renders keep the default (16); live playback uses more.
    pub schedule_steps: i64,
    /// Live playback: an immediate swap ([`Engine::swap_now`]) lands this
    /// many seconds after the audio position, taking back the notes
    /// already queued after that point, instead of waiting behind the
    /// look-ahead. At least one audio buffer. Zero: immediate swaps land
    /// after what is already scheduled (offline renders).
    pub swap_margin: f64,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            sample_rate: 48000,
            max_voices: 1024,
            max_tracks: 512,
            queue_capacity: 16384,
            crossfade: 0.05,
            ceiling_db: -1.0,
            stems: false,
            stem_frames: 4096,
            cycles_per_bar: 1,
            lookahead: 0.05,
            load_samples_now: false,
            schedule_steps: 16,
            swap_margin: 0.0,
        }
    }
}

/// When a new program takes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantize {
    /// At the first moment not yet scheduled (within the look-ahead).
    Immediate,
    /// At the next cycle boundary (the default).
    NextCycle,
    /// At the next bar (`EngineConfig::cycles_per_bar` cycles).
    NextBar,
    /// At the next multiple of this many cycles.
    Cycles(u32),
}

/// Something the engine reports to its user.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// A program swap took effect at this cycle and sample.
    SwapApplied {
        cycle: Time,
        sample: i64,
    },
    /// A track produced NaN or infinity; it is muted until it changes.
    TrackFault {
        track: String,
    },
    /// An event named a sound (instrument, drum or sample) that does not
    /// exist (reported once).
    UnknownInstrument {
        name: String,
        suggestion: Option<String>,
    },
    /// A track's pattern failed while being queried (reported once).
    QueryError {
        track: String,
        message: String,
    },
    /// A track's query ran out of its budget (too many events): the track
    /// is silent until it changes; the other tracks play on. An offline
    /// render stops with this message.
    TooDense {
        track: String,
        message: String,
    },
    Warning(String),
    /// Voices that started after their sample (the control side fell behind).
    Late {
        voices: u64,
        max_samples: i64,
    },
    /// Voices dropped because every voice slot was busy.
    Dropped {
        voices: u64,
    },
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Message::SwapApplied { cycle, sample } => {
                write!(f, "new program playing from cycle {cycle} (sample {sample})")
            }
            Message::TrackFault { track } => write!(
                f,
                "track `{track}` produced NaN or infinite samples and was muted; change it to hear it again"
            ),
            Message::UnknownInstrument { name, suggestion } => {
                write!(f, "no instrument, drum or sample is called `{name}`; its notes are skipped")?;
                match suggestion {
                    Some(s) => write!(f, " (did you mean `{s}`?)"),
                    None => Ok(()),
                }
            }
            Message::QueryError { track, message } => write!(f, "track `{track}`: {message}"),
            Message::TooDense { message, .. } => {
                write!(f, "{message}; the track is silent until it changes")
            }
            Message::Warning(w) => write!(f, "{w}"),
            Message::Late { voices, max_samples } => write!(
                f,
                "{voices} note(s) started late (by up to {max_samples} samples)"
            ),
            Message::Dropped { voices } => {
                write!(f, "{voices} note(s) dropped: too many voices at once")
            }
        }
    }
}

struct TrackState {
    name: String,
    slot: usize,
    source: String,
    fx: Option<Graph>,
    gains: [f32; 2],
    audible: bool,
    pattern: Pat,
    /// Where the track's density likely comes from (for the message).
    hint: Option<lang::density::DenseHint>,
    /// Set when the track was too dense to query: it stays silent until
    /// a new version of it arrives.
    too_dense: bool,
    /// The track plays a continuous signal (`input(…)`): removed, it is
    /// faded out rather than left to ring out.
    signal: bool,
}

struct PendingSwap {
    program: Program,
    quantize: Quantize,
    keep: Vec<String>,
    at: Option<Time>,
    /// Take back queued notes after the swap point (see [`Engine::swap_now`]).
    retract: bool,
}

/// The control-side handle of the engine.
pub struct Engine {
    config: EngineConfig,
    library: Vec<Instrument>,
    instruments: HashMap<String, PreparedInstrument>,
    /// Names of the running program's own instruments (they come before samples).
    program_instruments: HashSet<String>,
    samples: SampleLibrary,
    ids: InstrumentIds,
    tempo: TempoMap,
    scheduled_until: Time,
    tracks: Vec<TrackState>,
    master: Option<Graph>,
    pending: Option<PendingSwap>,
    started: bool,
    free_slots: Vec<usize>,
    slot_names: Vec<Option<String>>,
    commands: Producer<Command>,
    garbage: Consumer<Garbage>,
    reports: Consumer<Report>,
    backlog: VecDeque<Command>,
    position: Arc<AtomicI64>,
    /// Queued notes taken back by the last immediate swap.
    retraction: Arc<Retraction>,
    /// Generation of the voices being queued (see [`Retraction`]).
    generation: u16,
    /// Where the last swap took effect: queued notes before it stay.
    last_swap: Time,
    stats: Arc<crate::stats::Stats>,
    messages: Vec<Message>,
    reported: HashSet<String>,
    voice_seed: u64,
    /// The orbits whose effects were sent to the audio side.
    orbit_fx: [bool; ORBITS],
    /// No voice starts at or after this sample (end of an offline render).
    end: Option<i64>,
    /// The input frames `input(…)` reads (shared with the audio side).
    capture: Arc<crate::input::CaptureBus>,
    /// Takes asked for and finished (see [`crate::takes`]).
    pub(crate) takes: crate::takes::TakeDesk,
}

fn quantize(now: Time, q: Quantize, cycles_per_bar: u32) -> Time {
    let every = match q {
        Quantize::Immediate => return now,
        Quantize::NextCycle => 1,
        Quantize::NextBar => cycles_per_bar.max(1),
        Quantize::Cycles(n) => n.max(1),
    } as i64;
    let n = Time::int(every);
    let k = (now / n).sam();
    if k * n == now {
        now
    } else {
        (k + Time::ONE) * n
    }
}

impl Engine {
    /// A new engine playing nothing, and its audio side. `library` holds
    /// the instruments available besides a program's own (the stdlib's).
    pub fn new(config: EngineConfig, library: Vec<Instrument>) -> (Engine, AudioCore) {
        let (commands, commands_rx) = RingBuffer::new(config.queue_capacity);
        let garbage_cap = config.queue_capacity + config.max_voices + 2 * config.max_tracks + 64;
        let (garbage_tx, garbage) = RingBuffer::new(garbage_cap);
        let (reports_tx, reports) = RingBuffer::new(4096);
        let position = Arc::new(AtomicI64::new(0));
        let retraction = Arc::new(Retraction::default());
        let stats = Arc::new(crate::stats::Stats::with_tracks(config.max_tracks));
        let sr = config.sample_rate as f64;
        let capture = Arc::new(crate::input::CaptureBus::default());
        let (deck, deck_control) = crate::takes::deck();
        let core = AudioCore::new(CoreParts {
            capture: capture.clone(),
            takes: deck,
            sample_rate: sr,
            max_voices: config.max_voices,
            max_tracks: config.max_tracks,
            crossfade_samples: (config.crossfade * sr) as f32,
            ceiling_db: config.ceiling_db,
            master_fx: None,
            stems: config.stems,
            commands: commands_rx,
            garbage: garbage_tx,
            reports: reports_tx,
            position: position.clone(),
            retraction: retraction.clone(),
            stats: stats.clone(),
        });
        let load_samples_now = config.load_samples_now;
        let engine = Engine {
            tempo: TempoMap::new(0.5, &[], config.sample_rate),
            free_slots: (0..config.max_tracks).rev().collect(),
            slot_names: vec![None; config.max_tracks],
            config,
            library,
            instruments: HashMap::new(),
            program_instruments: HashSet::new(),
            samples: {
                let mut s = SampleLibrary::new();
                // Offline renders wait for downloads; live playback never does.
                s.set_blocking(load_samples_now);
                s
            },
            ids: InstrumentIds::default(),
            scheduled_until: Time::ZERO,
            tracks: Vec::new(),
            master: None,
            pending: None,
            started: false,
            commands,
            garbage,
            reports,
            backlog: VecDeque::new(),
            position,
            retraction,
            generation: 0,
            last_swap: Time::ZERO,
            stats,
            messages: Vec::new(),
            reported: HashSet::new(),
            voice_seed: 0,
            orbit_fx: [false; ORBITS],
            end: None,
            capture,
            takes: crate::takes::TakeDesk::new(deck_control),
        };
        (engine, core)
    }

    /// Voices, callback load and underruns, as last reported by the audio thread.
    pub fn stats(&self) -> crate::stats::StatsView {
        self.stats.view()
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Plays `program` from the start (the first program) or at the next
    /// cycle (a later one).
    pub fn load(&mut self, program: Program) {
        let q = if self.started || self.pending.is_some() {
            Quantize::NextCycle
        } else {
            Quantize::Immediate
        };
        self.swap(program, q);
    }

    /// Replaces the running program at the quantization point. Tracks are
    /// matched by name: unchanged ones go on undisturbed, changed effect
    /// chains cross-fade, removed tracks ring out, notes already sounding
    /// finish. A swap requested before an earlier one took effect replaces it.
    pub fn swap(&mut self, program: Program, quantize: Quantize) {
        self.swap_keeping(program, quantize, Vec::new());
    }

    /// [`Engine::swap`], keeping the running version of the tracks named in
    /// `keep` (tracks whose new definition failed to evaluate).
    pub fn swap_keeping(&mut self, program: Program, quantize: Quantize, keep: Vec<String>) {
        self.pending = Some(PendingSwap {
            program,
            quantize,
            keep,
            at: None,
            retract: false,
        });
    }

    /// Replaces the running program as soon as the audio device allows:
    /// [`EngineConfig::swap_margin`] after the audio position, on a fine
    /// grid of the cycle, the notes already queued after that point taken
    /// back and scheduled again from the new program. Used for
    /// `--quantize now` in live playback, where waiting behind the
    /// look-ahead would be heard as lag. Without a margin, or before
    /// anything plays, it is [`Engine::swap_keeping`] with
    /// [`Quantize::Immediate`].
    pub fn swap_now(&mut self, program: Program, keep: Vec<String>) {
        self.pending = Some(PendingSwap {
            program,
            quantize: Quantize::Immediate,
            keep,
            at: None,
            retract: true,
        });
    }

    /// The earliest point an immediate swap can take back queued notes
    /// from: the audio position plus the margin, rounded up to 1/1024
    /// cycle, never before the last swap; `None` when nothing queued lies
    /// after it.
    fn retraction_point(&self) -> Option<Time> {
        const GRID: i64 = 1024;
        if self.config.swap_margin <= 0.0 || !self.started {
            return None;
        }
        let margin = (self.config.swap_margin * self.config.sample_rate as f64).ceil() as i64;
        let cycle = self.tempo.approx_cycle_at_sample(self.position() + margin);
        if !cycle.is_finite() || cycle.abs() > 1e12 {
            return None;
        }
        let mut at = Time::new((cycle * GRID as f64).ceil() as i64, GRID);
        // The float cycle may fall a hair short of the sample: one more step.
        if self.tempo.sample_at(at) < self.position() + margin {
            at = at + Time::new(1, GRID);
        }
        let at = at.max(self.last_swap);
        (at < self.scheduled_until).then_some(at)
    }

    /// Takes back every voice queued at or after `at` (those still on the
    /// control side at once, those in the queue as the audio thread reaches
    /// them) and schedules again from `at`.
    fn retract_from(&mut self, at: Time) {
        let from = self.tempo.sample_at(at);
        self.backlog
            .retain(|c| !matches!(c, Command::Voice(v) if v.start() >= from));
        self.generation = self.generation.wrapping_add(1);
        self.retraction.set(self.generation, from);
        self.scheduled_until = at;
    }

    /// The cycle and sample at which the pending swap will take effect,
    /// once fixed.
    pub fn pending_swap(&self) -> Option<(Time, i64)> {
        let at = self.pending.as_ref()?.at?;
        Some((at, self.tempo.sample_at(at)))
    }

    /// The tempo map in force.
    pub fn tempo(&self) -> &TempoMap {
        &self.tempo
    }

    /// The audio side's position (frames rendered so far).
    pub fn position(&self) -> i64 {
        self.position.load(Ordering::Acquire)
    }

    /// Cycle position up to which events have been scheduled.
    pub fn scheduled_until(&self) -> Time {
        self.scheduled_until
    }

    /// Each track's level since the last call (for meters), by name.
    pub fn take_track_levels(&self) -> Vec<(String, crate::stats::Level)> {
        self.tracks
            .iter()
            .map(|t| (t.name.clone(), self.stats.take_level(t.slot)))
            .collect()
    }

    /// Taps the strip of track `name` (none: no track) for
    /// [`Engine::scope_samples`]; returns whether the track has one. Cheap
    /// when the same track stays selected: call it again after a swap, as a
    /// track's strip can change.
    pub fn set_scope_track(&self, name: Option<&str>) -> bool {
        let slot = name.and_then(|n| self.tracks.iter().find(|t| t.name == n).map(|t| t.slot));
        self.stats.scope().select(slot);
        slot.is_some()
    }

    /// The latest `n` samples (mono, oldest first) of the track tapped by
    /// [`Engine::set_scope_track`]; fewer just after it was selected.
    pub fn scope_samples(&self, n: usize) -> Vec<f32> {
        self.stats.scope().latest(n)
    }

    /// Track names by strip slot (for stems).
    pub fn track_slots(&self) -> Vec<(usize, String)> {
        self.tracks
            .iter()
            .map(|t| (t.slot, t.name.clone()))
            .collect()
    }

    /// Stops starting notes at sample `end` (sounding ones ring out).
    pub fn set_end(&mut self, end: Option<i64>) {
        self.end = end;
    }

    /// Real-time use: schedule up to the look-ahead past the audio position.
    pub fn pump(&mut self) {
        let ahead = (self.config.lookahead * self.config.sample_rate as f64) as i64;
        self.schedule(self.position() + ahead);
    }

    /// Prepares and queues every event starting before sample `horizon`
    /// (rounded up to the scheduling step), applying a pending swap at its
    /// point.
    pub fn schedule(&mut self, horizon: i64) {
        self.collect();
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.retract && p.at.is_none())
        {
            if let Some(at) = self.retraction_point() {
                self.retract_from(at);
                if let Some(p) = self.pending.as_mut() {
                    p.at = Some(at);
                }
            }
        }
        loop {
            if let Some(p) = self.pending.as_mut() {
                let at = *p.at.get_or_insert_with(|| {
                    quantize(self.scheduled_until, p.quantize, self.config.cycles_per_bar)
                });
                if at <= self.scheduled_until {
                    self.apply_pending();
                    continue;
                }
            }
            let cur = self.scheduled_until;
            if self.tempo.sample_at(cur) >= horizon {
                break;
            }
            let step = Time::new(1, self.config.schedule_steps.max(1));
            let mut end = ((cur / step).sam() + Time::ONE) * step;
            if let Some(at) = self.pending.as_ref().and_then(|p| p.at) {
                end = end.min(at);
            }
            self.query(cur, end);
            self.scheduled_until = end;
        }
        self.flush();
    }

    /// Drops what the audio side sent back and turns its reports into messages.
    pub fn collect(&mut self) {
        self.samples.poll();
        self.poll_takes();
        if self.samples.take_maps_arrived() {
            // New sounds: load what the next cycles play.
            let patterns: Vec<Pat> = self
                .tracks
                .iter()
                .filter(|t| t.audible)
                .map(|t| t.pattern.clone())
                .collect();
            self.prefetch_samples(&patterns, self.scheduled_until);
        }
        for p in std::mem::take(&mut self.samples.problems) {
            self.report_once(format!("samples:{p}"), Message::Warning(p));
        }
        while let Ok(g) = self.garbage.pop() {
            if let Garbage::Strip(slot, _) = g {
                if !self.tracks.iter().any(|t| t.slot == slot) {
                    self.slot_names[slot] = None;
                    self.free_slots.push(slot);
                }
            }
        }
        let (mut late, mut late_max, mut dropped) = (0u64, 0i64, 0u64);
        while let Ok(r) = self.reports.pop() {
            match r {
                Report::SwapApplied { cycle, sample } => {
                    self.messages.push(Message::SwapApplied { cycle, sample })
                }
                Report::TrackFault { slot } => self.messages.push(Message::TrackFault {
                    track: self.slot_names[slot].clone().unwrap_or_default(),
                }),
                Report::Late { by } => {
                    late += 1;
                    late_max = late_max.max(by);
                }
                Report::Dropped => dropped += 1,
            }
        }
        if late > 0 {
            self.messages.push(Message::Late {
                voices: late,
                max_samples: late_max,
            });
        }
        if dropped > 0 {
            self.messages.push(Message::Dropped { voices: dropped });
        }
    }

    /// Reports a warning (once).
    pub fn warn(&mut self, w: String) {
        self.report_once(format!("warn:{w}"), Message::Warning(w));
    }

    /// The sample library (takes are installed there).
    pub(crate) fn samples_mut(&mut self) -> &mut SampleLibrary {
        &mut self.samples
    }

    /// Returns and clears the messages gathered so far.
    pub fn take_messages(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.messages)
    }

    fn report_once(&mut self, key: String, m: Message) {
        if self.reported.insert(key) {
            self.messages.push(m);
        }
    }

    /// Queues the effects of the orbits that `voices` are the first to
    /// send to (ahead of them: the audio side takes them at once).
    fn send_orbit_fx(&mut self, voices: &[Box<crate::audio::Voice>]) {
        for v in voices {
            if v.sends.iter().any(|&s| s > 0.0) && !self.orbit_fx[v.orbit] {
                self.orbit_fx[v.orbit] = true;
                let fx = OrbitFx::new(self.config.sample_rate as f64);
                self.backlog
                    .push_back(Command::OrbitFx(v.orbit, Box::new(fx)));
            }
        }
    }

    fn flush(&mut self) {
        while let Some(cmd) = self.backlog.pop_front() {
            if let Err(rtrb::PushError::Full(cmd)) = self.commands.push(cmd) {
                self.backlog.push_front(cmd);
                break;
            }
        }
    }

    fn compile_fx(&mut self, g: &Option<Graph>) -> Option<Box<dyn AudioUnit>> {
        let g = g.as_ref()?;
        let (net, warnings) = compile_effect_live(g, self.config.sample_rate as f64, &self.capture);
        for w in warnings {
            self.report_once(format!("fx:{w}"), Message::Warning(w));
        }
        Some(Box::new(net))
    }

    fn apply_pending(&mut self) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let at = p.at.unwrap_or(self.scheduled_until);
        self.last_swap = at;
        let prog = p.program;
        let sr = self.config.sample_rate;
        let changes = unrolled_changes(prog.cps, &prog.tempo_changes, prog.song_length);
        self.tempo = if self.started {
            self.tempo.spliced(at, prog.cps, &changes)
        } else {
            TempoMap::new(prog.cps, &changes, sr)
        };
        self.instruments.clear();
        for inst in self.library.iter().chain(prog.instruments.iter()) {
            let id = self.ids.id(&inst.name);
            self.instruments
                .insert(inst.name.clone(), PreparedInstrument::new(inst.clone(), id));
        }
        self.program_instruments = prog.instruments.iter().map(|i| i.name.clone()).collect();
        self.samples.set_sources(&prog.sample_sources);
        self.samples.set_edits(&prog.sample_edits);
        let patterns: Vec<Pat> = prog
            .audible()
            .filter(|t| t.output == Output::Audio)
            .map(|t| t.pattern.clone())
            .collect();
        self.prefetch_samples(&patterns, at);
        let audible: HashSet<&str> = prog.audible().map(|t| t.name.as_str()).collect();
        let mut old: Vec<Option<TrackState>> = std::mem::take(&mut self.tracks)
            .into_iter()
            .map(Some)
            .collect();
        let mut updates = Vec::new();
        let xfade = (self.config.crossfade * sr as f64) as f32;
        for t in &prog.tracks {
            if t.output != Output::Audio {
                self.report_once(
                    format!("output:{}", t.name),
                    Message::Warning(format!(
                        "track `{}`: MIDI and OSC outputs are not available yet; the track is silent",
                        t.name
                    )),
                );
                continue;
            }
            let chain = t.chain();
            let is_audible = audible.contains(t.name.as_str());
            let gains = strip_gains(t.gain, t.pan, is_audible);
            let previous = old
                .iter_mut()
                .find(|o| o.as_ref().is_some_and(|o| o.name == t.name))
                .and_then(|o| o.take());
            // A track too dense to play stays silent while it is unchanged.
            let too_dense = previous
                .as_ref()
                .is_some_and(|o| o.too_dense && o.source == t.source);
            let slot = match previous {
                Some(o) => {
                    let fx = if o.fx != chain {
                        Some(self.compile_fx(&chain))
                    } else {
                        None
                    };
                    updates.push(StripUpdate {
                        slot: o.slot,
                        install: None,
                        gains,
                        fx,
                        remove: false,
                    });
                    o.slot
                }
                None => {
                    let Some(slot) = self.free_slots.pop() else {
                        self.report_once(
                            format!("slots:{}", t.name),
                            Message::Warning(format!(
                                "track `{}`: too many tracks; it is silent",
                                t.name
                            )),
                        );
                        continue;
                    };
                    let fx = self.compile_fx(&chain);
                    let tap = self.config.stems.then(|| {
                        Box::new(StemTap::new(
                            self.config.stem_frames,
                            xfade,
                            self.config.sample_rate as f64,
                        ))
                    });
                    let strip = Strip::new(fx, gains, xfade, tap);
                    updates.push(StripUpdate {
                        slot,
                        install: Some(Box::new(strip)),
                        gains,
                        fx: None,
                        remove: false,
                    });
                    slot
                }
            };
            self.slot_names[slot] = Some(t.name.clone());
            self.tracks.push(TrackState {
                name: t.name.clone(),
                slot,
                source: t.source.clone(),
                fx: chain,
                gains,
                audible: is_audible,
                pattern: t.pattern.clone(),
                hint: t.hint.clone(),
                too_dense,
                signal: t.signal.is_some(),
            });
        }
        for o in old.into_iter().flatten() {
            if p.keep.contains(&o.name) && !self.tracks.iter().any(|t| t.name == o.name) {
                self.tracks.push(o);
                continue;
            }
            // Removed: its notes ring out at the old level, then the strip retires.
            updates.push(StripUpdate {
                slot: o.slot,
                install: None,
                gains: if o.signal { [0.0, 0.0] } else { o.gains },
                fx: None,
                remove: true,
            });
        }
        let master_fx = if prog.master != self.master || !self.started {
            let fx = self.compile_fx(&prog.master);
            self.master = prog.master.clone();
            Some(fx)
        } else {
            None
        };
        let plan = SwapPlan {
            at: self.tempo.sample_at(at),
            cycle: at,
            updates,
            master_fx,
        };
        self.backlog.push_back(Command::Swap(Box::new(plan)));
        self.started = true;
    }

    /// Queries every audible track over `[begin, end)` and queues a voice per onset.
    fn query(&mut self, begin: Time, end: Time) {
        let state = State {
            span: Span::new(begin, end),
            controls: Controls {
                seed: None,
                cps: Some(self.tempo.cps_at(begin)),
            },
        };
        let mut voices = Vec::new();
        for ti in 0..self.tracks.len() {
            if !self.tracks[ti].audible || self.tracks[ti].too_dense {
                continue;
            }
            let queried = query_within(
                &self.tracks[ti].pattern,
                &state,
                Budget::for_step(&state.span),
            );
            let name = self.tracks[ti].name.clone();
            for e in queried.errors.into_iter().chain(queried.warnings) {
                self.report_once(
                    format!("query:{name}:{e}"),
                    Message::QueryError {
                        track: name.clone(),
                        message: e,
                    },
                );
            }
            let haps = match queried.haps {
                Ok(haps) => haps,
                Err(e) => {
                    let t = &mut self.tracks[ti];
                    t.too_dense = true;
                    let message =
                        lang::density::too_dense_message(Some(&t.name), &e, t.hint.as_ref());
                    self.messages.push(Message::TooDense {
                        track: name,
                        message,
                    });
                    continue;
                }
            };
            for h in haps {
                if !h.has_onset() {
                    continue;
                }
                let Some(whole) = h.whole else { continue };
                let owned;
                let ev: &ValueMap = match &h.value {
                    Value::Map(m) => m,
                    Value::Str(s) => {
                        owned = ValueMap(vec![("s".into(), Value::Str(s.clone()))]);
                        &owned
                    }
                    Value::Num(n) => {
                        owned = ValueMap(vec![("note".into(), Value::Num(*n))]);
                        &owned
                    }
                    _ => continue,
                };
                if let Some(v) = self.voice_for(ev, whole, self.tracks[ti].slot) {
                    voices.push(v);
                }
            }
        }
        voices.sort_by_key(|v| v.start());
        for v in voices.iter_mut() {
            v.generation = self.generation;
        }
        self.send_orbit_fx(&voices);
        self.backlog.extend(voices.into_iter().map(Command::Voice));
    }

    /// Loads the sample files the given tracks play in their next two
    /// cycles: at once before anything plays (files on this computer or in
    /// the download cache) or offline, else on the loader threads.
    fn prefetch_samples(&mut self, patterns: &[Pat], at: Time) {
        if self.samples.names().next().is_none() {
            return;
        }
        let now = !self.started || self.config.load_samples_now;
        let mut files = Vec::new();
        // While playing, a look ahead must not hold up the scheduling of
        // the other tracks: it gets the work of a short step only.
        let budget = if now {
            Budget::CYCLE
        } else {
            Budget::for_step(&Span::new(Time::ZERO, Time::new(1, 16)))
        };
        for p in patterns {
            let mut haps = Vec::new();
            for c in 0..2 {
                let span = Span::new(at + Time::int(c), at + Time::int(c + 1));
                // Problems are reported when the track plays.
                match query_within(p, &State::new(span), budget).haps {
                    Ok(h) => haps.extend(h),
                    Err(_) => break,
                }
            }
            for h in haps.iter().filter(|h| h.has_onset()) {
                if let Value::Map(m) = &h.value {
                    let found = sound_candidates(m)
                        .into_iter()
                        .filter(|c| !self.program_instruments.contains(c))
                        .find(|c| self.samples.has(c));
                    if let Some((f, _)) = found.and_then(|c| self.samples.pick(&c, m)) {
                        if !files.contains(&f) {
                            files.push(f);
                        }
                    }
                }
            }
        }
        for f in files {
            self.samples.file(&f, now);
        }
    }

    /// What plays an event: the program's instruments first, then samples
    /// (falling back to an instrument of the same name when the file cannot
    /// be had), then the library's instruments (drums included); with a `bank`, the
    /// name is `bank_s` (`RolandTR909_bd` as written, or `tr909_bd`).
    fn resolve(&mut self, ev: &ValueMap) -> Resolved {
        let candidates = sound_candidates(ev);
        if candidates.is_empty() {
            return Resolved::Nothing;
        }
        for c in &candidates {
            if self.program_instruments.contains(c) {
                return Resolved::Instrument(c.clone());
            }
            if self.samples.has(c) {
                let Some((file, root)) = self.samples.pick(c, ev) else {
                    return Resolved::Nothing;
                };
                let now = self.config.load_samples_now || !self.started;
                return match self.samples.file(&file, now) {
                    FileStatus::Ready(s) => {
                        let s = self.samples.edited(c, &file, s);
                        Resolved::Sample(c.clone(), s, root)
                    }
                    FileStatus::Loading => Resolved::Loading {
                        name: c.clone(),
                        download: self.samples.is_download(&file),
                    },
                    // A file that cannot be had (offline, a failed
                    // download): the library's instrument of that name, if
                    // there is one (`bd` stays a drum), else silence.
                    FileStatus::Failed if self.instruments.contains_key(c) => {
                        Resolved::Instrument(c.clone())
                    }
                    FileStatus::Failed => Resolved::Nothing,
                };
            }
            if self.instruments.contains_key(c) {
                return Resolved::Instrument(c.clone());
            }
        }
        let name = candidates.last().cloned().unwrap_or_default();
        if self.samples.maps_pending() {
            // Perhaps a sound of a map still downloading.
            return Resolved::Waiting(name);
        }
        Resolved::Unknown(name)
    }

    fn voice_for(
        &mut self,
        ev: &ValueMap,
        whole: Span,
        slot: usize,
    ) -> Option<Box<crate::audio::Voice>> {
        let resolved = self.resolve(ev);
        let name = match &resolved {
            Resolved::Nothing => return None,
            Resolved::Loading { name, download } => {
                if *download {
                    self.report_once(
                        format!("loading:{name}"),
                        Message::Warning(format!(
                            "sample `{name}` is downloading; its notes are skipped until it arrives"
                        )),
                    );
                }
                return None;
            }
            Resolved::Waiting(name) => {
                self.report_once(
                    format!("waiting:{name}"),
                    Message::Warning(format!(
                        "sample maps are downloading; notes of `{name}` are skipped until they arrive"
                    )),
                );
                return None;
            }
            Resolved::Unknown(name) => {
                let suggestion = did_you_mean(
                    name,
                    self.instruments
                        .keys()
                        .map(|k| k.as_str())
                        .chain(self.samples.names()),
                )
                .map(str::to_string);
                self.report_once(
                    format!("instrument:{name}"),
                    Message::UnknownInstrument {
                        name: name.clone(),
                        suggestion,
                    },
                );
                return None;
            }
            Resolved::Instrument(n) | Resolved::Sample(n, _, _) => n.clone(),
        };
        let start = self.tempo.sample_at(whole.begin);
        if self.end.is_some_and(|e| start >= e) {
            return None;
        }
        let end = self.tempo.sample_at(whole.end);
        let clip = ev
            .get("clip")
            .or_else(|| ev.get("legato"))
            .and_then(number)
            .unwrap_or(1.0)
            .max(0.0);
        let gate_off = if clip == 1.0 {
            end
        } else {
            start + ((end - start) as f64 * clip).round() as i64
        };
        self.voice_seed += 1;
        let placement = VoicePlacement {
            start,
            gate_off,
            track: slot,
            seed: self.voice_seed,
            cps: self.tempo.cps_at(whole.begin),
            cycle: whole.begin.to_f64(),
        };
        let sr = self.config.sample_rate as f64;
        let (voice, warnings) = match resolved {
            Resolved::Sample(_, sample, root) => {
                let who = Who {
                    id: self.ids.id(&name),
                    polyphony: DEFAULT_POLYPHONY,
                    reads_velocity: false,
                };
                prepare_sample(sample, root, &who, ev, placement, sr)?
            }
            _ => {
                let inst = self.instruments.get(&name)?;
                prepare(inst, ev, placement, sr)
            }
        };
        for w in warnings {
            self.report_once(
                format!("voice:{w}"),
                Message::Warning(format!(
                    "instrument `{}`: {w}",
                    inst_name(&self.instruments, &name)
                )),
            );
        }
        Some(voice)
    }

    /// Whether a track (by name) currently plays the given source text.
    pub fn track_source(&self, name: &str) -> Option<&str> {
        self.tracks
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.source.as_str())
    }
}

fn inst_name(map: &HashMap<String, PreparedInstrument>, name: &str) -> String {
    map.get(name)
        .map(|i| i.name.clone())
        .unwrap_or_else(|| name.to_string())
}

/// How an event's sound was found.
enum Resolved {
    /// The event makes no sound (no `s` and no pitch, or `speed(0)`).
    Nothing,
    Instrument(String),
    /// A sample file and the MIDI note it sounds at unchanged.
    Sample(String, Arc<Sample>, f64),
    /// A sample still being loaded (live; `download`: from the network):
    /// the note is skipped.
    Loading {
        name: String,
        download: bool,
    },
    /// No sound of this name yet, while sample maps are downloading.
    Waiting(String),
    Unknown(String),
}

/// The names an event's sound may have, in order: `s` (or the default
/// instrument for a pitch without `s`); with a `bank`, `bank_s` as written
/// and with the bank's short form (`tr909_bd`).
pub(crate) fn sound_candidates(ev: &ValueMap) -> Vec<String> {
    let s = match ev.get("s") {
        Some(Value::Str(s)) => s.to_string(),
        _ if ev.contains("note") || ev.contains("freq") || ev.contains("n") => {
            return vec![DEFAULT_INSTRUMENT.to_string()];
        }
        _ => return Vec::new(),
    };
    match ev.get("bank") {
        Some(Value::Str(b)) if !b.is_empty() => {
            let short = format!("{}_{s}", lang::program::bank_prefix(b));
            let full = format!("{b}_{s}");
            if full == short {
                vec![short]
            } else {
                vec![full, short]
            }
        }
        _ => vec![s],
    }
}
