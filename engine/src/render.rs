//! Offline rendering: the same engine and callback as live playback, run
//! as fast as possible on one thread, deterministic (the same program
//! gives the same samples, so the same file bytes), plus WAV writing and
//! loudness measurement.

use crate::audio::AudioCore;
use crate::callback;
use crate::engine::{Engine, EngineConfig, Message, Quantize};
use lang::graph::Instrument;
use lang::program::Program;
use lang::Time;
use std::collections::BTreeMap;
use std::path::Path;

/// How much to render.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Length {
    Cycles(Time),
    Seconds(f64),
    /// The program's song (its `song_length`), or this many cycles without one.
    Song(Time),
}

/// Sample format of a WAV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleFormat {
    S16,
    S24,
    F32,
}

impl SampleFormat {
    pub fn bits(self) -> u32 {
        match self {
            SampleFormat::S16 => 16,
            SampleFormat::S24 => 24,
            SampleFormat::F32 => 32,
        }
    }
}

/// Frames per callback in offline renders.
pub const BLOCK: usize = 512;

/// A program swap during an offline render (for tests and tools).
pub struct ScheduledSwap {
    /// Render position (frames) at which the swap is requested.
    pub request_at: i64,
    pub program: Program,
    pub quantize: Quantize,
}

/// The engine and its audio side driven offline.
pub struct Offline {
    pub engine: Engine,
    pub core: AudioCore,
    /// The master limiter delays the output by this many frames; renders
    /// drop them at the start so that events land on their exact sample.
    pub latency: usize,
}

impl Offline {
    pub fn new(config: EngineConfig, library: Vec<Instrument>, program: Program) -> Offline {
        let (mut engine, core) = Engine::new(config, library);
        engine.load(program);
        let latency = core.latency();
        Offline {
            engine,
            core,
            latency,
        }
    }

    /// Renders the next `out.len() / 2` frames (interleaved stereo).
    pub fn block(&mut self, out: &mut [f32]) {
        let frames = (out.len() / 2) as i64;
        self.engine.schedule(self.core.position() + frames);
        callback::process(&mut self.core, out, 2);
        self.engine.collect();
    }
}

/// The result of an offline render.
pub struct Rendered {
    pub sample_rate: u32,
    /// Interleaved stereo samples.
    pub samples: Vec<f32>,
    /// Per-track interleaved stereo samples (when stems were asked for):
    /// each track as it reaches the master bus, its share of the reverb
    /// and delay included.
    pub stems: Vec<(String, Vec<f32>)>,
    pub messages: Vec<Message>,
}

/// Options of [`render`].
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub sample_rate: u32,
    pub length: Length,
    /// Extra seconds rendered after the end, with no new notes.
    pub tail: f64,
    pub stems: bool,
}

/// Where stems are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StemPoint {
    /// As each track reaches the master bus.
    PreMaster,
    /// Through (a copy of) the master effects and DC blocker: before the
    /// limiter, whose gain the mastering applies to them as to the mix.
    PostMaster,
}

/// How long a render goes on after the end of its notes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tail {
    Seconds(f64),
    /// Until every tail has died away (below −140 dBFS for half a
    /// second), at most this many seconds.
    UntilSilent(f64),
}

/// Options of [`mixdown`].
#[derive(Clone, Debug)]
pub struct MixOptions {
    pub sample_rate: u32,
    pub length: Length,
    pub tail: Tail,
    pub stems: Option<StemPoint>,
    pub input: OfflineInput,
}

/// What an offline render hears besides its program: a recording fed to
/// `input()` (frame `k` of the file at frame `k` of the render), and the
/// takes saved in a folder (playable as samples).
#[derive(Clone, Debug, Default)]
pub struct OfflineInput {
    pub input: Option<std::sync::Arc<crate::samples::Sample>>,
    pub takes: Option<std::path::PathBuf>,
    /// Record the program's takes (`take(…)` lines) from cycle 0; the
    /// finished ones are in [`Mixdown::takes`]. Overdubs (`add: true`)
    /// are left out, so that rendering again gives the same takes.
    pub record_takes: bool,
}

impl OfflineInput {
    /// Attaches the recording and the takes to an offline engine, and
    /// starts the takes of `lines` when asked to.
    fn attach(&self, off: &mut Offline, lines: &[lang::takes::TakeLine]) {
        if let Some(s) = &self.input {
            off.core
                .set_input(crate::input::InputFeed::File(crate::input::FileInput::new(
                    s.clone(),
                )));
            off.engine.set_input_latency(Some(0));
        }
        if let Some(dir) = &self.takes {
            let (_, problems) = off.engine.load_takes(dir);
            for p in problems {
                off.engine.warn(p);
            }
        }
        if self.record_takes {
            start_takes(&mut off.engine, lines);
        }
    }
}

/// Starts the takes of a render from cycle 0 (problems become warnings).
fn start_takes(engine: &mut Engine, lines: &[lang::takes::TakeLine]) {
    use crate::takes::{TakeRequest, TakeSource};
    use lang::takes::TakeFrom;
    if lines.is_empty() {
        return;
    }
    // The program's tracks are in place once its first swap is done.
    engine.schedule(0);
    for l in lines {
        if l.add {
            engine.warn(format!(
                "{l}: an overdub records only in a live session (a render would layer it again each time)"
            ));
            continue;
        }
        let source = match &l.from {
            TakeFrom::Input => TakeSource::Input,
            TakeFrom::Master => TakeSource::Master,
            TakeFrom::Track(t) => TakeSource::Track(t.clone()),
        };
        let request = TakeRequest {
            name: l.name.clone(),
            source,
            cycles: l.cycles,
            overdub: false,
        };
        if let Err(e) = engine.request_take_from(request, Time::ZERO) {
            engine.warn(format!("{l}: {e}"));
        }
    }
}

/// What the engine plays, before the master limiter: the material that
/// mastering (gain, limiting, loops) works on.
pub struct Mixdown {
    pub sample_rate: u32,
    /// The master bus after its effects and DC blocker (interleaved stereo).
    pub master: Vec<f32>,
    /// Per track, at the chosen point, as long as `master`.
    pub stems: Vec<(String, Vec<f32>)>,
    /// Frames until the end of the notes; the rest is tail.
    pub end: usize,
    pub messages: Vec<Message>,
    /// The takes recorded (with [`OfflineInput::record_takes`]).
    pub takes: Vec<crate::takes::FinishedTake>,
}

/// The true-peak ceiling of a plain render (the engine's default).
pub const CEILING_DB: f64 = -1.0;

/// Level under which a render's tail counts as silent (−140 dBFS).
const TAIL_SILENCE: f32 = 1e-7;

/// The cycles an offline render plays notes in (from 0), rounded up: the
/// horizon for downloading its samples beforehand.
pub fn cycles_to_render(program: &Program, opts: &RenderOptions) -> Time {
    cycles_of(program, opts.length, opts.sample_rate)
}

fn cycles_of(program: &Program, length: Length, sample_rate: u32) -> Time {
    match length {
        Length::Cycles(c) => c,
        Length::Song(default) => program.song_length.unwrap_or(default),
        Length::Seconds(s) => {
            let tempo = tempo_map(program, sample_rate);
            let end = (s.max(0.0) * sample_rate as f64).round() as i64;
            let cycles = tempo.approx_cycle_at_sample(end).ceil() + 1.0;
            Time::int(cycles.clamp(1.0, 1e9) as i64)
        }
    }
}

/// The program's tempo map (its changes repeated with its song).
pub fn tempo_map(program: &Program, sample_rate: u32) -> crate::tempo::TempoMap {
    let changes =
        crate::tempo::unrolled_changes(program.cps, &program.tempo_changes, program.song_length);
    crate::tempo::TempoMap::new(program.cps, &changes, sample_rate)
}

/// The frame where the notes of a render of `length` end.
pub fn end_frame(program: &Program, length: Length, sample_rate: u32) -> i64 {
    let tempo = tempo_map(program, sample_rate);
    match length {
        Length::Cycles(c) => tempo.sample_at(c),
        Length::Song(default) => tempo.sample_at(program.song_length.unwrap_or(default)),
        Length::Seconds(s) => (s.max(0.0) * sample_rate as f64).round() as i64,
    }
}

/// Renders `program` offline. `progress` is called with the fraction done.
pub fn render(
    program: Program,
    library: Vec<Instrument>,
    opts: &RenderOptions,
    progress: &mut dyn FnMut(f64),
) -> Rendered {
    render_with_swaps(program, library, opts, Vec::new(), progress)
}

/// [`render`] with program swaps requested at given positions.
pub fn render_with_swaps(
    program: Program,
    library: Vec<Instrument>,
    opts: &RenderOptions,
    swaps: Vec<ScheduledSwap>,
    progress: &mut dyn FnMut(f64),
) -> Rendered {
    let mix = mixdown(
        program,
        library,
        &MixOptions {
            sample_rate: opts.sample_rate,
            length: opts.length,
            tail: Tail::Seconds(opts.tail),
            stems: opts.stems.then_some(StemPoint::PreMaster),
            input: OfflineInput::default(),
        },
        swaps,
        progress,
    );
    let mut samples =
        crate::mastering::limit(&mix.master, mix.sample_rate, 0.0, CEILING_DB).samples;
    fade_out(&mut samples, (0.005 * mix.sample_rate as f64) as usize);
    Rendered {
        sample_rate: mix.sample_rate,
        samples,
        stems: mix.stems,
        messages: mix.messages,
    }
}

/// Runs the engine offline: the master bus before its limiter (the
/// mastering applies one, so that stems can share its gain) and the stems.
pub fn mixdown(
    program: Program,
    library: Vec<Instrument>,
    opts: &MixOptions,
    swaps: Vec<ScheduledSwap>,
    progress: &mut dyn FnMut(f64),
) -> Mixdown {
    let mut master = Vec::new();
    let mixed = mixdown_into(program, library, opts, swaps, progress, &mut |block| {
        if master.is_empty() {
            master.reserve_exact(block.expected.min(1 << 26) * 2);
        }
        master.extend_from_slice(block.samples);
    });
    Mixdown {
        sample_rate: opts.sample_rate,
        master,
        stems: mixed.stems,
        end: mixed.end,
        messages: mixed.messages,
        takes: mixed.takes,
    }
}

/// A piece of the master bus handed to a [`mixdown_into`] sink.
pub struct MasterBlock<'a> {
    /// Interleaved stereo, following the previous block.
    pub samples: &'a [f32],
    /// Frames the whole mixdown is expected to have (fewer when it stops
    /// early: a track too dense to play, or a tail that fell silent).
    pub expected: usize,
}

/// What [`mixdown_into`] leaves besides the master it handed on.
pub struct Mixed {
    /// Frames handed to the sink.
    pub frames: usize,
    /// Per track, at the chosen point, `frames` long.
    pub stems: Vec<(String, Vec<f32>)>,
    /// Frames until the end of the notes; the rest is tail.
    pub end: usize,
    pub messages: Vec<Message>,
    /// The takes recorded (with [`OfflineInput::record_takes`]).
    pub takes: Vec<crate::takes::FinishedTake>,
}

/// [`mixdown`] handing the master bus to `sink` a block at a time, as it
/// is rendered, instead of keeping it.
pub fn mixdown_into(
    program: Program,
    library: Vec<Instrument>,
    opts: &MixOptions,
    mut swaps: Vec<ScheduledSwap>,
    progress: &mut dyn FnMut(f64),
    sink: &mut dyn FnMut(MasterBlock),
) -> Mixed {
    let config = EngineConfig {
        sample_rate: opts.sample_rate,
        stems: opts.stems.is_some(),
        stem_frames: BLOCK,
        load_samples_now: true,
        // No limiter in the engine (the mastering limits the whole mix).
        ceiling_db: f64::INFINITY,
        ..EngineConfig::default()
    };
    let sr = opts.sample_rate as f64;
    let end = end_frame(&program, opts.length, opts.sample_rate).max(0) as usize;
    let (tail, until_silent) = match opts.tail {
        Tail::Seconds(s) => (s, false),
        Tail::UntilSilent(s) => (s, true),
    };
    let total = end + (tail.clamp(0.0, 1e6) * sr).round() as usize;
    let quiet_needed = (0.5 * sr) as usize;
    let lines = program.takes.clone();
    let mut off = Offline::new(config, library, program);
    off.core.set_metering(false);
    opts.input.attach(&mut off, &lines);
    off.engine.set_end(Some(end as i64));
    swaps.sort_by_key(|s| s.request_at);
    let mut swaps = swaps.into_iter().peekable();
    let latency = off.latency;
    // Frames of the master kept (handed to the sink).
    let mut kept_frames = 0usize;
    let mut stems: BTreeMap<usize, Vec<f32>> = BTreeMap::new();
    let mut block = vec![0.0f32; BLOCK * 2];
    let mut messages = Vec::new();
    let mut rendered = 0usize;
    let mut quiet = 0usize;
    let wanted = total + latency;
    while rendered < wanted {
        while let Some(s) = swaps.next_if(|s| s.request_at <= rendered as i64) {
            off.engine.swap(s.program, s.quantize);
        }
        let n = (wanted - rendered).min(BLOCK);
        off.block(&mut block[..n * 2]);
        // Drop the limiter's latency from the start of the master output.
        let skip = latency.saturating_sub(rendered).min(n);
        let kept = &block[skip * 2..n * 2];
        // The master is never longer than `total` frames.
        let keep = (total - kept_frames).min(kept.len() / 2);
        if keep > 0 {
            sink(MasterBlock {
                samples: &kept[..keep * 2],
                expected: total,
            });
        }
        kept_frames += keep;
        if let Some(point) = opts.stems {
            let names = off.engine.track_slots();
            for (slot, pre, post) in off.core.stems() {
                if names.iter().any(|(sl, _)| *sl == slot) {
                    let s = if point == StemPoint::PreMaster {
                        pre
                    } else {
                        post
                    };
                    let buf = stems.entry(slot).or_default();
                    // A track appearing later starts with silence.
                    if buf.is_empty() {
                        buf.resize((rendered * 2).min(total * 2), 0.0);
                    }
                    // Stems have no limiter latency: keep them aligned with the master.
                    let keep = total.saturating_sub(buf.len() / 2).min(s.len() / 2);
                    buf.extend_from_slice(&s[..keep * 2]);
                }
            }
        }
        rendered += n;
        messages.extend(off.engine.take_messages());
        progress(rendered as f64 / wanted.max(1) as f64);
        // A track too dense to play fails the render: stop at once.
        if messages
            .iter()
            .any(|m| matches!(m, Message::TooDense { .. }))
        {
            break;
        }
        if until_silent && kept_frames > end {
            let loud = kept.iter().any(|x| x.abs() > TAIL_SILENCE);
            quiet = if loud { 0 } else { quiet + kept.len() / 2 };
            if quiet >= quiet_needed {
                break;
            }
        }
    }
    let takes = off.engine.finished_takes();
    for name in off.engine.takes_recording() {
        off.engine.warn(format!(
            "take `{name}` was not recorded: the render ends before its last cycle (render more cycles)"
        ));
    }
    messages.extend(off.engine.take_messages());
    let frames = kept_frames;
    let names = off.engine.track_slots();
    let stems = stems
        .into_iter()
        .filter_map(|(slot, mut s)| {
            let name = names.iter().find(|(sl, _)| *sl == slot)?.1.clone();
            s.resize(frames * 2, 0.0);
            Some((name, s))
        })
        .collect();
    Mixed {
        frames,
        stems,
        end: end.min(frames),
        messages,
        takes,
    }
}

/// A short linear fade at the very end, so a cut-off note does not click.
pub fn fade_out(samples: &mut [f32], frames: usize) {
    let total = samples.len() / 2;
    let frames = frames.min(total);
    for i in 0..frames {
        let g = i as f32 / frames as f32;
        let k = total - 1 - i;
        samples[2 * k] *= g;
        samples[2 * k + 1] *= g;
    }
}

/// Loudness and peaks of interleaved stereo audio.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Loudness {
    /// Integrated loudness (LUFS); `-inf` for silence.
    pub lufs: f64,
    pub sample_peak_db: f64,
    pub true_peak_db: f64,
}

fn to_db(x: f64) -> f64 {
    if x > 0.0 {
        20.0 * x.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// Measures integrated loudness (EBU R128) and peaks.
pub fn measure(samples: &[f32], sample_rate: u32) -> Loudness {
    use ebur128::{EbuR128, Mode};
    let mut m = match EbuR128::new(
        2,
        sample_rate,
        Mode::I | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK,
    ) {
        Ok(m) => m,
        Err(_) => {
            return Loudness {
                lufs: f64::NEG_INFINITY,
                sample_peak_db: f64::NEG_INFINITY,
                true_peak_db: f64::NEG_INFINITY,
            }
        }
    };
    let _ = m.add_frames_f32(samples);
    let peak = |f: &dyn Fn(u32) -> f64| f(0).max(f(1));
    Loudness {
        lufs: m.loudness_global().unwrap_or(f64::NEG_INFINITY),
        sample_peak_db: to_db(peak(&|c| m.sample_peak(c).unwrap_or(0.0))),
        true_peak_db: to_db(peak(&|c| m.true_peak(c).unwrap_or(0.0))),
    }
}

/// Scales audio to `target_lufs`, then limits true peaks to `ceiling_db`.
/// Limiting takes some loudness away, so the gain is corrected by what is
/// still missing and the limiting done again (a few rounds reach the
/// target within 0.1 LU unless the ceiling makes it impossible).
pub fn normalize(samples: &mut Vec<f32>, sample_rate: u32, target_lufs: f64, ceiling_db: f64) {
    let now = measure(samples, sample_rate).lufs;
    if !now.is_finite() {
        return;
    }
    let limited =
        |gain_db: f64| crate::mastering::limit(samples, sample_rate, gain_db, ceiling_db).samples;
    let mut gain_db = target_lufs - now;
    let mut best = limited(gain_db);
    for _ in 0..4 {
        let short = target_lufs - measure(&best, sample_rate).lufs;
        if !short.is_finite() || short.abs() < 0.1 {
            break;
        }
        gain_db += short;
        best = limited(gain_db);
    }
    *samples = best;
}

/// Writes interleaved stereo samples to a WAV file (16-bit with TPDF
/// dither, 24-bit rounded, or 32-bit float).
pub fn write_wav(
    path: &Path,
    samples: &[f32],
    sample_rate: u32,
    format: SampleFormat,
) -> Result<(), String> {
    let dither = crate::dither::Dither::default_for(format.bits());
    let file = crate::deliver::to_file(samples, format, dither, 0);
    crate::deliver::write_file(
        path,
        crate::deliver::Container::Wav,
        &file,
        sample_rate,
        &crate::wav::WavMeta::default(),
    )
}
