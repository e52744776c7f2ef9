//! Deliverables (`weft render`): a program rendered, mastered to a
//! loudness target or as mixed, optionally as a seamless loop, with stems
//! that share the master's gain, word-length reduced with dither, measured
//! for the mix report, and written as WAV (with BWF, cue and loop chunks)
//! or FLAC. See docs/deliverables.md.

use crate::analysis::{analyse, db, Analyser, Analysis};
use crate::dither::{quantize, Dither, Quantizer};
use crate::markers::{check_loop, section_starts, LoopError};
use crate::mastering::{
    apply_gains, fit, fold_tail, limit, limit_loop, limiting, over_full_scale, FitError, Goal,
    LimiterStream, Limiting, LimitingMeter,
};
use crate::render::{
    cycles_to_render, fade_out, mixdown, mixdown_into, tempo_map, Length, MixOptions,
    RenderOptions, SampleFormat, StemPoint, Tail, CEILING_DB,
};
use crate::wav::{Cue, PcmData, WavMeta};
use lang::graph::Instrument;
use lang::program::Program;
use std::path::Path;

/// Longest tail a loop waits for (reverbs, delays, releases), seconds.
const LOOP_TAIL: f64 = 45.0;

/// The loudness a delivery is mastered to.
#[derive(Clone, Debug, PartialEq)]
pub enum Loudness {
    /// The mix as made, its true peaks limited to `ceiling_db`.
    AsMixed { ceiling_db: f64 },
    /// A loudness goal, named `name` in reports, reached with at most
    /// `max_limiting_db` of limiter gain reduction.
    Target {
        name: String,
        goal: Goal,
        max_limiting_db: f64,
    },
}

/// What to deliver.
#[derive(Clone, Debug)]
pub struct DeliverOptions {
    pub sample_rate: u32,
    pub length: Length,
    /// Seconds after the end, without new notes (not for loops: their
    /// tails wrap round to the start).
    pub tail: f64,
    /// A seamless loop of the length.
    pub looped: bool,
    /// Stems (needed for per-track figures too).
    pub stems: Option<StemPoint>,
    pub loudness: Loudness,
    pub format: SampleFormat,
    pub dither: Dither,
    /// What `input()` hears, and the takes folder (see [`crate::render::OfflineInput`]).
    pub input: crate::render::OfflineInput,
    /// The master's short-term loudness over time
    /// ([`Analysis::loudness_curve`]) is wanted; without it, and
    /// without stems, a plain render measures less (every other figure
    /// the same).
    pub loudness_curve: bool,
}

/// Why a delivery cannot be made.
#[derive(Clone, Debug, PartialEq)]
pub enum DeliverError {
    /// `--loop` on a program whose loop would not be whole.
    Loop(LoopError),
    /// The target cannot be met without damage.
    Target { name: String, error: FitError },
}

impl std::fmt::Display for DeliverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeliverError::Loop(e) => write!(f, "cannot loop: {e}"),
            DeliverError::Target { name, error } => write!(f, "cannot meet {name}: {error}"),
        }
    }
}

/// How a target was met.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetCheck {
    pub name: String,
    pub goal: Goal,
    pub max_limiting_db: f64,
    /// A level inside the tolerance was delivered because the exact one
    /// needed more limiting than allowed.
    pub backed_off: bool,
    /// The delivered file's loudness and true peak meet the goal.
    pub met: bool,
}

/// One track of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackReport {
    pub name: String,
    pub analysis: Analysis,
    /// Samples over full scale on their way into the master limiter.
    pub clipped: usize,
}

/// The mix report: the master and every track, measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub sample_rate: u32,
    pub seconds: f64,
    /// The master as written to the file (after dither).
    pub master: Analysis,
    /// Gain before the limiter, dB.
    pub gain_db: f64,
    pub ceiling_db: f64,
    pub limiting: Limiting,
    /// Samples over full scale going into the limiter.
    pub clipped: usize,
    pub target: Option<TargetCheck>,
    pub stem_point: Option<StemPoint>,
    pub tracks: Vec<TrackReport>,
    /// Largest difference between the sum of the post-master stems and
    /// the master, dBFS.
    pub stems_sum_error_db: Option<f64>,
    /// The loop's length in frames, for a loop.
    pub loop_frames: Option<usize>,
}

/// A file's samples as written.
#[derive(Clone, Debug, PartialEq)]
pub enum FileSamples {
    Int { samples: Vec<i32>, bits: u32 },
    Float(Vec<f32>),
}

impl FileSamples {
    /// The samples as a WAV file's data.
    pub fn as_pcm(&self) -> PcmData<'_> {
        match self {
            FileSamples::Int { samples, bits } => PcmData::Int {
                samples,
                bits: *bits as u16,
            },
            FileSamples::Float(s) => PcmData::Float(s),
        }
    }

    /// The same format without samples.
    fn emptied(&self) -> FileSamples {
        match self {
            FileSamples::Int { bits, .. } => FileSamples::Int {
                samples: Vec::new(),
                bits: *bits,
            },
            FileSamples::Float(_) => FileSamples::Float(Vec::new()),
        }
    }

    /// The samples back as floats (full scale ±1), as a player reads them.
    pub fn to_f32(&self) -> Vec<f32> {
        match self {
            FileSamples::Int { samples, bits } => {
                let scale = 1.0 / (1i64 << (bits - 1)) as f64;
                samples.iter().map(|&x| (x as f64 * scale) as f32).collect()
            }
            FileSamples::Float(s) => s.clone(),
        }
    }
}

/// A finished delivery, ready to be written.
pub struct Delivered {
    pub sample_rate: u32,
    pub format: SampleFormat,
    pub dither: Dither,
    /// The master as the file holds it (no samples when they were handed
    /// on as they were made: [`deliver_to`]).
    pub master: FileSamples,
    /// Each track, mastered as the mix (post-master) or as it reaches the
    /// master bus (pre-master), before dither.
    pub stems: Vec<(String, Vec<f32>)>,
    /// Starts of the song's sections: frame and name.
    pub markers: Vec<Cue>,
    pub report: Report,
    pub messages: Vec<crate::engine::Message>,
    /// Takes the render recorded (see [`crate::render::OfflineInput::record_takes`]).
    pub takes: Vec<crate::takes::FinishedTake>,
}

impl Delivered {
    /// Stem `i` as a file holds it (each stem gets its own dither noise).
    pub fn stem_samples(&self, i: usize) -> FileSamples {
        to_file(&self.stems[i].1, self.format, self.dither, i as u64 + 1)
    }
}

/// `samples` in `format`, dithered with noise number `seed`.
pub fn to_file(samples: &[f32], format: SampleFormat, dither: Dither, seed: u64) -> FileSamples {
    match format {
        SampleFormat::F32 => FileSamples::Float(samples.to_vec()),
        SampleFormat::S16 | SampleFormat::S24 => {
            let bits = if format == SampleFormat::S16 { 16 } else { 24 };
            FileSamples::Int {
                samples: quantize(samples, bits, dither, seed),
                bits,
            }
        }
    }
}

/// [`analyse`] of the samples a file holds, read back as a player reads
/// them ([`FileSamples::to_f32`]) a piece at a time.
fn analyse_file(file: &FileSamples, sample_rate: u32) -> Analysis {
    let (samples, bits) = match file {
        FileSamples::Float(s) => return analyse(s, sample_rate),
        FileSamples::Int { samples, bits } => (samples, *bits),
    };
    let mut a = Analyser::new(sample_rate);
    let mut buf = Vec::with_capacity(8192);
    for chunk in samples.chunks(8192) {
        buf.clear();
        int_to_f32(chunk, bits, &mut buf);
        a.add(&buf);
    }
    a.finish_with_stray(samples.len() % 2 == 1)
}

/// The cycles a delivery plays, for downloads and loop checks.
fn length_cycles(program: &Program, opts: &DeliverOptions) -> lang::Time {
    cycles_to_render(
        program,
        &RenderOptions {
            sample_rate: opts.sample_rate,
            length: opts.length,
            tail: 0.0,
            stems: false,
        },
    )
}

/// Renders and masters `program`. `progress` is called with the fraction
/// of the rendering done.
pub fn deliver(
    program: Program,
    library: Vec<Instrument>,
    opts: &DeliverOptions,
    progress: &mut dyn FnMut(f64),
) -> Result<Delivered, DeliverError> {
    deliver_with(program, library, opts, progress, None)
}

/// [`deliver`] handing the master's samples, as the file holds them, to
/// `out` in order instead of keeping them ([`Delivered::master`] is left
/// without samples), so that a file can be written as they come. A plain
/// delivery (as mixed, no loop, no stems) hands them on while it renders
/// and never holds them; the others master the whole mix at the end and
/// hand it on then. The same samples as [`deliver`].
pub fn deliver_to(
    program: Program,
    library: Vec<Instrument>,
    opts: &DeliverOptions,
    progress: &mut dyn FnMut(f64),
    out: &mut dyn FnMut(PcmData),
) -> Result<Delivered, DeliverError> {
    deliver_with(program, library, opts, progress, Some(out))
}

/// [`deliver`], or [`deliver_to`] with `out`.
fn deliver_with(
    program: Program,
    library: Vec<Instrument>,
    opts: &DeliverOptions,
    progress: &mut dyn FnMut(f64),
    out: Option<&mut dyn FnMut(PcmData)>,
) -> Result<Delivered, DeliverError> {
    let sr = opts.sample_rate;
    let cycles = length_cycles(&program, opts);
    if opts.looped {
        check_loop(&program, cycles).map_err(DeliverError::Loop)?;
    }
    let tempo = tempo_map(&program, sr);
    let markers: Vec<Cue> = section_starts(&program, cycles)
        .into_iter()
        .map(|(at, label)| Cue {
            frame: tempo.sample_at(at).max(0) as u64,
            label,
        })
        .collect();
    if let (Loudness::AsMixed { ceiling_db }, false, None) =
        (&opts.loudness, opts.looped, opts.stems)
    {
        return Ok(deliver_as_rendered(
            program,
            library,
            opts,
            (*ceiling_db, markers),
            progress,
            out,
        ));
    }
    let mix = mixdown(
        program,
        library,
        &MixOptions {
            sample_rate: sr,
            length: opts.length,
            tail: if opts.looped {
                Tail::UntilSilent(LOOP_TAIL)
            } else {
                Tail::Seconds(opts.tail)
            },
            stems: opts.stems,
            input: opts.input.clone(),
        },
        Vec::new(),
        progress,
    );
    let loop_frames = opts.looped.then_some(mix.end);
    let (master, mut stems) = match loop_frames {
        Some(n) => (
            fold_tail(&mix.master, n),
            mix.stems
                .iter()
                .map(|(name, s)| (name.clone(), fold_tail(s, n)))
                .collect(),
        ),
        None => (mix.master, mix.stems),
    };

    // Gain and limiting.
    let (gain_db, ceiling_db, mut limited, target) = match &opts.loudness {
        Loudness::AsMixed { ceiling_db } => {
            let l = if opts.looped {
                limit_loop(&master, sr, 0.0, *ceiling_db)
            } else {
                limit(&master, sr, 0.0, *ceiling_db)
            };
            (0.0, *ceiling_db, l, None)
        }
        Loudness::Target {
            name,
            goal,
            max_limiting_db,
        } => {
            let f = fit(&master, sr, *goal, *max_limiting_db, opts.looped).map_err(|error| {
                DeliverError::Target {
                    name: name.clone(),
                    error,
                }
            })?;
            let check = TargetCheck {
                name: name.clone(),
                goal: *goal,
                max_limiting_db: *max_limiting_db,
                backed_off: f.backed_off,
                met: false,
            };
            (f.gain_db, goal.true_peak, f.limited, Some(check))
        }
    };
    // Measured before the end's fade, which is not limiting.
    let limiter_work = limiting(&limited.gains);
    if !opts.looped {
        // A short fade at the very end, so that a cut-off note does not click.
        let fade = (0.005 * sr as f64) as usize;
        let mut ramp = vec![1.0f32; limited.gains.len().min(fade) * 2];
        fade_out(&mut ramp, fade);
        let from = limited.gains.len() - ramp.len() / 2;
        for (g, r) in limited.gains[from..].iter_mut().zip(ramp.iter().step_by(2)) {
            *g *= r;
        }
        fade_out(&mut limited.samples, fade);
    }
    let clipped = over_full_scale(&master, gain_db);
    let stem_point = opts.stems;
    let mut tracks = Vec::new();
    for (name, s) in stems.iter_mut() {
        let clipped = over_full_scale(
            s,
            if stem_point == Some(StemPoint::PostMaster) {
                gain_db
            } else {
                0.0
            },
        );
        if stem_point == Some(StemPoint::PostMaster) {
            *s = apply_gains(s, gain_db, &limited.gains);
        }
        tracks.push(TrackReport {
            name: name.clone(),
            analysis: analyse(s, sr),
            clipped,
        });
    }
    let stems_sum_error_db = (stem_point == Some(StemPoint::PostMaster) && !stems.is_empty())
        .then(|| sum_error(&limited.samples, &stems));

    let mut file = to_file(&limited.samples, opts.format, opts.dither, 0);
    let analysis = analyse_file(&file, sr);
    if let Some(out) = out {
        out(file.as_pcm());
        file = file.emptied();
    }
    let target = target.map(|mut t| {
        t.met = (analysis.integrated - t.goal.integrated).abs() <= t.goal.tolerance + 1e-9
            && analysis.true_peak <= t.goal.true_peak + 0.05;
        t
    });
    let frames = limited.gains.len();
    let report = Report {
        sample_rate: sr,
        seconds: frames as f64 / sr as f64,
        master: analysis,
        gain_db,
        ceiling_db,
        limiting: limiter_work,
        clipped,
        target,
        stem_point,
        tracks,
        stems_sum_error_db,
        loop_frames,
    };
    let markers = markers
        .into_iter()
        .filter(|m| (m.frame as usize) < frames)
        .collect();
    Ok(Delivered {
        sample_rate: sr,
        format: opts.format,
        dither: opts.dither,
        master: file,
        stems,
        markers,
        report,
        messages: mix.messages,
        takes: mix.takes,
    })
}

/// [`deliver`] of a plain render (as mixed, no loop, no stems), the
/// master finished while it is rendered: limited, faded at the end,
/// quantized, and measured on a second thread, so that none of it waits
/// for the whole mix and the mix is never held. The same file and report
/// as finishing the whole mixdown afterwards.
fn deliver_as_rendered(
    program: Program,
    library: Vec<Instrument>,
    opts: &DeliverOptions,
    (ceiling_db, markers): (f64, Vec<Cue>),
    progress: &mut dyn FnMut(f64),
    out: Option<&mut dyn FnMut(PcmData)>,
) -> Delivered {
    let sr = opts.sample_rate;
    let mix_options = MixOptions {
        sample_rate: sr,
        length: opts.length,
        tail: Tail::Seconds(opts.tail),
        stems: None,
        input: opts.input.clone(),
    };
    let mut finish = Finishing::new(opts, ceiling_db, out);
    let (mixed, analysis) = std::thread::scope(|scope| {
        let mut measure = Measuring::start(scope, sr, opts.loudness_curve);
        let mixed = mixdown_into(
            program,
            library,
            &mix_options,
            Vec::new(),
            progress,
            &mut |block| finish.push(block.samples, block.expected, &mut measure),
        );
        finish.end(&mut measure);
        (mixed, measure.finish())
    });
    let frames = mixed.frames;
    let report = Report {
        sample_rate: sr,
        seconds: frames as f64 / sr as f64,
        master: analysis,
        gain_db: 0.0,
        ceiling_db,
        limiting: finish.limiting.finish(),
        clipped: finish.clipped,
        target: None,
        stem_point: None,
        tracks: Vec::new(),
        stems_sum_error_db: None,
        loop_frames: None,
    };
    Delivered {
        sample_rate: sr,
        format: opts.format,
        dither: opts.dither,
        master: finish.file,
        stems: Vec::new(),
        markers: markers
            .into_iter()
            .filter(|m| (m.frame as usize) < frames)
            .collect(),
        report,
        messages: mixed.messages,
        takes: mixed.takes,
    }
}

/// The master of a plain render finished as it arrives: the limiter, the
/// end's fade (the last frames are held back until the end is known) and
/// the word length; the file's samples kept, or handed to `out`.
struct Finishing<'o> {
    limiter: LimiterStream,
    limiting: LimitingMeter,
    /// Samples over full scale going into the limiter.
    clipped: usize,
    /// Frames of the end's fade.
    fade: usize,
    /// Limited frames not yet quantized (interleaved).
    held: Vec<f32>,
    quantizer: Option<Quantizer>,
    file: FileSamples,
    out: Option<&'o mut dyn FnMut(PcmData)>,
}

/// Frames quantized at a time (besides the fade held back).
const FINISH_BATCH: usize = 8192;

impl<'o> Finishing<'o> {
    fn new(
        opts: &DeliverOptions,
        ceiling_db: f64,
        out: Option<&'o mut dyn FnMut(PcmData)>,
    ) -> Finishing<'o> {
        let sr = opts.sample_rate;
        let (quantizer, file) = match opts.format {
            SampleFormat::F32 => (None, FileSamples::Float(Vec::new())),
            SampleFormat::S16 | SampleFormat::S24 => {
                let bits = if opts.format == SampleFormat::S16 {
                    16
                } else {
                    24
                };
                (
                    Some(Quantizer::new(bits, opts.dither, 0)),
                    FileSamples::Int {
                        samples: Vec::new(),
                        bits,
                    },
                )
            }
        };
        Finishing {
            limiter: LimiterStream::new(sr, 0.0, ceiling_db),
            limiting: LimitingMeter::default(),
            clipped: 0,
            fade: (0.005 * sr as f64) as usize,
            held: Vec::with_capacity((FINISH_BATCH + 512) * 2),
            quantizer,
            file,
            out,
        }
    }

    /// Takes the next block of the mixdown (`expected` frames in all).
    fn push(&mut self, samples: &[f32], expected: usize, measure: &mut Measuring) {
        if self.file_len() == 0 && self.out.is_none() {
            self.reserve(expected.min(1 << 26) * 2);
        }
        // As `over_full_scale` at a gain of 0 dB.
        self.clipped += samples.iter().filter(|x| x.abs() > 1.0).count();
        let (held, limiting) = (&mut self.held, &mut self.limiting);
        self.limiter.push(samples, &mut |l, r, g| {
            held.push(l);
            held.push(r);
            limiting.add(g);
        });
        if self.held.len() >= (FINISH_BATCH + self.fade) * 2 {
            let ready = self.held.len() - self.fade * 2;
            self.emit(ready, measure);
        }
    }

    /// The mixdown is over: the limiter's last frames, the fade, the rest.
    fn end(&mut self, measure: &mut Measuring) {
        let (held, limiting) = (&mut self.held, &mut self.limiting);
        self.limiter.finish(&mut |l, r, g| {
            held.push(l);
            held.push(r);
            limiting.add(g);
        });
        fade_out(&mut self.held, self.fade);
        self.emit(self.held.len(), measure);
    }

    /// Quantizes the first `samples` held samples into the file and hands
    /// them to the measuring.
    fn emit(&mut self, samples: usize, measure: &mut Measuring) {
        let ready = &self.held[..samples];
        match (&mut self.file, &mut self.quantizer) {
            (FileSamples::Int { samples, bits }, Some(q)) => {
                let mut chunk = Vec::with_capacity(ready.len());
                q.extend(ready, &mut chunk);
                match self.out.as_mut() {
                    Some(out) => out(PcmData::Int {
                        samples: &chunk,
                        bits: *bits as u16,
                    }),
                    None => samples.extend_from_slice(&chunk),
                }
                measure.add(Piece::Int(chunk, *bits));
            }
            (file, _) => {
                match (self.out.as_mut(), file) {
                    (Some(out), _) => out(PcmData::Float(ready)),
                    (None, FileSamples::Float(s)) => s.extend_from_slice(ready),
                    (None, _) => {}
                }
                measure.add(Piece::Float(ready.to_vec()));
            }
        }
        self.held.drain(..samples);
    }

    fn file_len(&self) -> usize {
        match &self.file {
            FileSamples::Int { samples, .. } => samples.len(),
            FileSamples::Float(s) => s.len(),
        }
    }

    fn reserve(&mut self, samples: usize) {
        match &mut self.file {
            FileSamples::Int { samples: s, .. } => s.reserve_exact(samples),
            FileSamples::Float(s) => s.reserve_exact(samples),
        }
    }
}

/// Samples of the file, as written, for measuring.
enum Piece {
    Int(Vec<i32>, u32),
    Float(Vec<f32>),
}

/// The file's analysis: on a second thread fed through a bounded
/// channel, or here when no thread can be started.
enum Measuring<'scope> {
    Thread(
        std::sync::mpsc::SyncSender<Piece>,
        std::thread::ScopedJoinHandle<'scope, Analysis>,
    ),
    Here(Box<Analyser>),
}

impl<'scope> Measuring<'scope> {
    fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        sample_rate: u32,
        curve: bool,
    ) -> Self {
        let analyser = move || match curve {
            true => Analyser::new(sample_rate),
            false => Analyser::without_curve(sample_rate),
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Piece>(16);
        let spawned = std::thread::Builder::new()
            .name("weft-measure".into())
            .spawn_scoped(scope, move || {
                let mut a = analyser();
                let mut buf = Vec::new();
                for piece in rx {
                    measure_piece(&mut a, &piece, &mut buf);
                }
                a.finish()
            });
        match spawned {
            Ok(handle) => Measuring::Thread(tx, handle),
            Err(_) => Measuring::Here(Box::new(analyser())),
        }
    }

    fn add(&mut self, piece: Piece) {
        match self {
            Measuring::Thread(tx, _) => {
                // The thread only stops early if it panicked; `finish` says so.
                let _ = tx.send(piece);
            }
            Measuring::Here(a) => measure_piece(a, &piece, &mut Vec::new()),
        }
    }

    fn finish(self) -> Analysis {
        match self {
            Measuring::Thread(tx, handle) => {
                drop(tx);
                handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))
            }
            Measuring::Here(a) => a.finish(),
        }
    }
}

/// Adds a piece of the file to `a`, integers read back as
/// [`FileSamples::to_f32`] reads them.
fn measure_piece(a: &mut Analyser, piece: &Piece, buf: &mut Vec<f32>) {
    match piece {
        Piece::Float(s) => a.add(s),
        Piece::Int(s, bits) => {
            for chunk in s.chunks(8192) {
                buf.clear();
                int_to_f32(chunk, *bits, buf);
                a.add(buf);
            }
        }
    }
}

/// Appends `samples` of `bits` bits to `out` as [`FileSamples::to_f32`]
/// reads them, in single precision: the same values, since scaling by
/// a power of two commutes with rounding to `f32` (and does not
/// underflow for a nonzero integer), with twice as many samples to a
/// vector.
fn int_to_f32(samples: &[i32], bits: u32, out: &mut Vec<f32>) {
    let scale = 1.0 / (1i64 << (bits - 1)) as f32;
    out.extend(samples.iter().map(|&x| x as f32 * scale));
}

/// Peak of (sum of stems − master), dBFS.
fn sum_error(master: &[f32], stems: &[(String, Vec<f32>)]) -> f64 {
    let mut worst = 0.0f64;
    for (i, &m) in master.iter().enumerate() {
        let sum: f64 = stems.iter().map(|(_, s)| s[i] as f64).sum();
        worst = worst.max((sum - m as f64).abs());
    }
    db(worst)
}

/// A kind of audio file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Wav,
    Flac,
}

impl Container {
    /// The container a file name asks for: `.flac` is FLAC, `.wav` (or no
    /// extension) WAV.
    pub fn from_path(path: &Path) -> Result<Container, String> {
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("wav") | Some("wave") | Some("bwf") => Ok(Container::Wav),
            Some("flac") => Ok(Container::Flac),
            Some(other) => Err(format!(
                "`.{other}` is not a format weft writes: name the file .wav or .flac"
            )),
        }
    }
}

/// Writes `samples` to `path` as `container`, with `meta` (FLAC keeps
/// what its Vorbis comments can hold; see [`flac_tags`]).
pub fn write_file(
    path: &Path,
    container: Container,
    samples: &FileSamples,
    sample_rate: u32,
    meta: &WavMeta,
) -> Result<(), String> {
    match (container, samples) {
        (Container::Wav, samples) => {
            crate::wav::write(path, samples.as_pcm(), sample_rate, meta).map_err(|e| e.to_string())
        }
        (Container::Flac, FileSamples::Int { samples, bits }) => crate::flac::write(
            path,
            samples,
            *bits,
            sample_rate,
            &flac_tags(meta, sample_rate),
        ),
        (Container::Flac, FileSamples::Float(_)) => {
            Err("FLAC stores integers: use --format s16 or s24".to_string())
        }
    }
}

/// The Vorbis comments of a FLAC file for `meta`: DESCRIPTION, ORIGINATOR,
/// DATE, TIME_REFERENCE (samples since midnight), LOOPSTART and LOOPLENGTH
/// (frames, as game engines read them), CHAPTERnn and CHAPTERnnNAME (the
/// markers, as `HH:MM:SS.mmm`).
pub fn flac_tags(meta: &WavMeta, sample_rate: u32) -> Vec<(String, String)> {
    let mut tags = Vec::new();
    let mut tag = |k: &str, v: String| tags.push((k.to_string(), v));
    if let Some(b) = &meta.bext {
        if !b.description.is_empty() {
            tag("DESCRIPTION", b.description.clone());
        }
        if !b.originator.is_empty() {
            tag("ORIGINATOR", b.originator.clone());
        }
        tag("DATE", b.date.clone());
        tag("TIME_REFERENCE", b.time_reference.to_string());
    }
    if let Some(l) = &meta.sample_loop {
        tag("LOOPSTART", l.start.to_string());
        tag(
            "LOOPLENGTH",
            (l.end as u64 + 1 - l.start as u64).to_string(),
        );
    }
    for (i, c) in meta.cues.iter().enumerate() {
        let ms = c.frame * 1000 / sample_rate.max(1) as u64;
        let clock = format!(
            "{:02}:{:02}:{:02}.{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        );
        tag(&format!("CHAPTER{:02}", i + 1), clock);
        tag(&format!("CHAPTER{:02}NAME", i + 1), c.label.clone());
    }
    tags
}

/// The sample loop of a delivered loop: the whole file.
pub fn whole_file_loop(frames: usize, smpte: Option<crate::wav::Smpte>) -> crate::wav::SampleLoop {
    crate::wav::SampleLoop {
        start: 0,
        end: frames.saturating_sub(1).min(u32::MAX as usize) as u32,
        smpte,
    }
}

/// The ceiling a plain render limits to.
pub const DEFAULT_CEILING_DB: f64 = CEILING_DB;

#[cfg(test)]
mod tests {
    use super::*;

    /// The measuring reads integers back as a player does, to the bit.
    #[test]
    fn integers_are_measured_as_they_are_read_back() {
        let mut rng = fastrand::Rng::with_seed(1);
        for bits in [16u32, 24, 32] {
            let top = (1i64 << (bits - 1)) as i32;
            let mut samples: Vec<i32> = vec![0, 1, -1, top.wrapping_sub(1), top.wrapping_neg()];
            samples.extend((0..10000).map(|_| rng.i32(..) >> (32 - bits)));
            samples.extend([i32::MAX, i32::MIN, (1 << 24) + 1, -(1 << 25) - 3]);
            let file = FileSamples::Int {
                samples: samples.clone(),
                bits,
            };
            let mut ours = Vec::new();
            int_to_f32(&samples, bits, &mut ours);
            let bits_of = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits_of(&ours), bits_of(&file.to_f32()), "{bits} bits");
        }
    }
}
