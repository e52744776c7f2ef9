//! `weft render`: render a program offline to a WAV or FLAC file, as a
//! deliverable (docs/deliverables.md): loudness targets, dither, loops,
//! markers, BWF metadata, stems and a mix report.

use super::downloads::DownloadLine;
use super::render_report;
use super::{evaluate, print_all_diagnostics, read_source};
use engine::deliver::{self, Container, DeliverError, DeliverOptions, Delivered, Loudness};
use engine::dither::Dither;
use engine::engine::Message;
use engine::mastering::Goal;
use engine::render::{self, Length, OfflineInput, RenderOptions, SampleFormat, StemPoint};
use engine::timecode::{Fps, Timecode};
use engine::wav::{Bext, BextLoudness, PcmData, PcmKind, Smpte, WavMeta, WavStream};
use lang::Time;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Length of `--song` for a program without a song.
const SONG_CYCLES: i64 = 16;
/// Limiter gain reduction a target may need before the render fails, dB.
const MAX_LIMITING_DB: f64 = 6.0;
/// Exit code when a target cannot be met.
const TARGET_NOT_MET: u8 = 3;

#[derive(clap::Args)]
pub struct Args {
    /// The program file.
    #[arg(required_unless_present = "list_targets")]
    file: Option<String>,
    /// The file to write: .wav or .flac.
    #[arg(short = 'o', long = "output", required_unless_present = "list_targets")]
    output: Option<PathBuf>,
    /// Length in cycles (default 8).
    #[arg(long, conflicts_with_all = ["seconds", "song"])]
    cycles: Option<String>,
    /// Length in seconds.
    #[arg(long, conflicts_with = "song")]
    seconds: Option<f64>,
    /// The whole song (16 cycles for a program without one).
    #[arg(long)]
    song: bool,
    /// Sample rate in Hz (rendered at that rate, e.g. 44100, 48000, 96000).
    #[arg(long, default_value_t = 48000)]
    sample_rate: u32,
    /// Sample format: s16, s24 or f32 (FLAC: s16 or s24).
    #[arg(long, default_value = "s24")]
    format: String,
    /// Dither when writing integers: none, tpdf or shaped (default: tpdf
    /// for s16, none for s24).
    #[arg(long)]
    dither: Option<String>,
    /// Master to a delivery target (e.g. streaming, ebu-r128, podcast);
    /// --list-targets shows them all.
    #[arg(long, conflicts_with = "normalize")]
    target: Option<String>,
    /// List the delivery targets and their specifications.
    #[arg(long)]
    list_targets: bool,
    /// Master to this integrated loudness (LUFS, e.g. -14), ±0.5 LU.
    #[arg(long, allow_hyphen_values = true)]
    normalize: Option<f64>,
    /// True-peak ceiling in dBTP (default: the target's, or -1).
    #[arg(long, allow_hyphen_values = true)]
    ceiling: Option<f64>,
    /// Most limiter gain reduction a target may take, dB, before the
    /// render fails instead.
    #[arg(long, default_value_t = MAX_LIMITING_DB)]
    max_limiting: f64,
    /// A seamless loop of the length (--cycles N or --song): tails wrap
    /// round to the start; loop points in the file.
    #[arg(long = "loop", conflicts_with = "seconds")]
    looped: bool,
    /// Also write one file per track into this directory (post-master:
    /// they sum to the mix).
    #[arg(long)]
    stems: Option<PathBuf>,
    /// Stems as the tracks reach the master bus, before its effects and
    /// limiting.
    #[arg(long, requires = "stems")]
    stems_pre: bool,
    /// Write the mix report (JSON) to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Draw the master's short-term loudness over time, with its
    /// integrated loudness and the target, to this picture (.png or .svg).
    #[arg(long)]
    loudness_plot: Option<PathBuf>,
    /// Timecode of the first sample (BWF time reference), HH:MM:SS:FF.
    #[arg(long, requires = "fps")]
    timecode: Option<String>,
    /// Frame rate of --timecode: 23.976, 24, 25, 29.97, 29.97df or 30.
    #[arg(long)]
    fps: Option<String>,
    /// BWF description (written with a bext chunk).
    #[arg(long)]
    description: Option<String>,
    /// BWF originator (default "weft").
    #[arg(long)]
    originator: Option<String>,
    /// Write a BWF bext chunk (implied by --timecode, --description and
    /// --originator).
    #[arg(long)]
    bext: bool,
    /// Seconds rendered after the end, without new notes (reverb tails).
    #[arg(long, default_value_t = 0.0)]
    tail: f64,
    /// A recording (WAV, FLAC, …) that `input()` hears: its first frame
    /// at the render's first frame (converted to the render's sample
    /// rate). The program's `take(…)` lines are recorded from cycle 0 and
    /// saved in takes/ beside the program.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Seconds to wait for sample downloads before giving up.
    #[arg(long, default_value_t = 300.0, value_name = "SECONDS")]
    download_timeout: f64,
}

fn parse_format(s: &str) -> Result<SampleFormat, String> {
    match s {
        "s16" => Ok(SampleFormat::S16),
        "s24" => Ok(SampleFormat::S24),
        "f32" => Ok(SampleFormat::F32),
        _ => Err(format!(
            "error: --format expects s16, s24 or f32, found `{s}`"
        )),
    }
}

/// Everything the options ask for, checked.
struct Plan {
    file: String,
    output: PathBuf,
    container: Container,
    options: DeliverOptions,
    timecode: Option<Timecode>,
    bext: bool,
}

fn length_of(a: &Args) -> Result<Length, String> {
    Ok(match (&a.cycles, a.seconds, a.song) {
        (Some(c), _, _) => match c.parse::<Time>() {
            Ok(t) if t > Time::ZERO => Length::Cycles(t),
            _ => {
                return Err(format!(
                    "error: --cycles expects a positive number such as 8 or 3/2, found `{c}`"
                ))
            }
        },
        (_, Some(s), _) if s.is_finite() && s > 0.0 => Length::Seconds(s),
        (_, Some(s), _) => {
            return Err(format!(
                "error: --seconds expects a positive number, found {s}"
            ))
        }
        (_, _, true) => Length::Song(Time::int(SONG_CYCLES)),
        _ => Length::Cycles(Time::int(8)),
    })
}

fn loudness_of(a: &Args) -> Result<Loudness, String> {
    if let Some(c) = a.ceiling {
        if !(c.is_finite() && (-40.0..=0.0).contains(&c)) {
            return Err(format!(
                "error: --ceiling expects dBTP between -40 and 0, found {c}"
            ));
        }
    }
    if !(a.max_limiting.is_finite() && a.max_limiting >= 0.0) {
        return Err("error: --max-limiting expects a number of dB, 0 or more".into());
    }
    let goal = |name: String, integrated: f64, tolerance: f64, true_peak: f64| Loudness::Target {
        name,
        goal: Goal {
            integrated,
            tolerance,
            true_peak: a.ceiling.unwrap_or(true_peak),
        },
        max_limiting_db: a.max_limiting,
    };
    if let Some(name) = &a.target {
        let t = engine::targets::find(name).ok_or_else(|| {
            format!(
                "error: unknown target `{name}`\nhelp: the targets are {} (--list-targets shows their specifications)",
                engine::targets::names()
            )
        })?;
        return Ok(goal(
            t.name.to_string(),
            t.integrated,
            t.tolerance,
            t.true_peak,
        ));
    }
    if let Some(lufs) = a.normalize {
        if !(lufs.is_finite() && (-70.0..=0.0).contains(&lufs)) {
            return Err(format!(
                "error: --normalize expects LUFS between -70 and 0, found {lufs}"
            ));
        }
        return Ok(goal(
            format!("{lufs} LUFS"),
            lufs,
            0.5,
            deliver::DEFAULT_CEILING_DB,
        ));
    }
    Ok(Loudness::AsMixed {
        ceiling_db: a.ceiling.unwrap_or(deliver::DEFAULT_CEILING_DB),
    })
}

fn plan(a: &Args) -> Result<Plan, String> {
    let format = parse_format(&a.format)?;
    if !(8000..=384000).contains(&a.sample_rate) {
        return Err("error: --sample-rate must be between 8000 and 384000".into());
    }
    let length = length_of(a)?;
    if a.looped && a.tail != 0.0 {
        return Err(
            "error: --loop makes its own tail (it wraps round to the start): leave out --tail"
                .into(),
        );
    }
    let dither = match &a.dither {
        None => Dither::default_for(format.bits()),
        Some(d) => Dither::parse(d)
            .ok_or_else(|| format!("error: --dither expects none, tpdf or shaped, found `{d}`"))?,
    };
    if format == SampleFormat::F32 && dither != Dither::None {
        return Err("error: --dither applies to integer formats (s16, s24), not f32".into());
    }
    let output = a.output.clone().unwrap_or_default();
    let container = Container::from_path(&output).map_err(|e| format!("error: {e}"))?;
    if container == Container::Flac && format == SampleFormat::F32 {
        return Err("error: FLAC stores integers: use --format s16 or s24".into());
    }
    let timecode = match (&a.timecode, &a.fps) {
        (Some(tc), Some(fps)) => {
            let fps = Fps::parse(fps).ok_or_else(|| {
                format!("error: --fps expects 23.976, 24, 25, 29.97, 29.97df or 30, found `{fps}`")
            })?;
            Some(Timecode::parse(tc, fps).map_err(|e| format!("error: {e}"))?)
        }
        (None, Some(_)) => return Err("error: --fps goes with --timecode".into()),
        _ => None,
    };
    if !(a.download_timeout.is_finite() && a.download_timeout > 0.0) {
        return Err("error: --download-timeout expects a positive number of seconds".into());
    }
    let stems = match (&a.stems, a.stems_pre, &a.report) {
        (Some(_), true, _) => Some(StemPoint::PreMaster),
        (Some(_), false, _) | (None, _, Some(_)) => Some(StemPoint::PostMaster),
        (None, _, None) => None,
    };
    Ok(Plan {
        file: a.file.clone().unwrap_or_default(),
        output,
        container,
        options: DeliverOptions {
            sample_rate: a.sample_rate,
            length,
            tail: a.tail,
            looped: a.looped,
            stems,
            loudness: loudness_of(a)?,
            format,
            dither,
            input: offline_input(a)?,
            loudness_curve: a.loudness_plot.is_some() || a.report.is_some(),
        },
        bext: a.bext || timecode.is_some() || a.description.is_some() || a.originator.is_some(),
        timecode,
    })
}

/// The recording `--input` names (decoded, converted to the render's
/// rate) and the takes folder beside the program; with a recording the
/// program's takes are recorded.
fn offline_input(a: &Args) -> Result<OfflineInput, String> {
    let takes = a
        .file
        .as_deref()
        .map(|f| crate::live::takes::folder(Some(Path::new(f))));
    let Some(path) = &a.input else {
        return Ok(OfflineInput {
            input: None,
            takes,
            record_takes: false,
        });
    };
    let s = engine::samples::decode(path)
        .map_err(|e| format!("error: cannot read the input `{}`: {e}", path.display()))?;
    let s = if s.rate != a.sample_rate as f64 {
        eprintln!(
            "input: `{}` converted from {} Hz to {} Hz",
            path.display(),
            s.rate,
            a.sample_rate
        );
        engine::samples::resample::resample(&s, a.sample_rate)
            .map_err(|e| format!("error: the input `{}`: {e}", path.display()))?
    } else {
        s
    };
    Ok(OfflineInput {
        input: Some(std::sync::Arc::new(s)),
        takes,
        record_takes: true,
    })
}

/// Saves the takes a render recorded into the takes folder and says so.
fn save_takes(d: &Delivered, dir: Option<&Path>) -> Result<(), String> {
    let Some(dir) = dir else {
        return Ok(());
    };
    for t in &d.takes {
        let path = engine::takes::save_wav(dir, &t.name, &t.sample)?;
        eprintln!(
            "take `{}`: {} cycle(s), {:.2} s; saved to {}",
            t.name,
            t.cycles,
            t.frames as f64 / t.sample.rate,
            path.display()
        );
    }
    Ok(())
}

pub fn run(a: Args) -> u8 {
    if a.list_targets {
        render_report::print_targets();
        return 0;
    }
    let plan = match plan(&a) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let src = match read_source(&plan.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let opts = &plan.options;
    let ev = evaluate(&plan.file, &src);
    // The samples first (a render must be exact): the maps it names by
    // address and the files it plays. Failures are reported by the render.
    let mut line = DownloadLine::new();
    let horizon = RenderOptions {
        sample_rate: opts.sample_rate,
        length: opts.length,
        tail: 0.0,
        stems: false,
    };
    let downloaded = engine::samples::download_needed(
        &ev.program,
        render::cycles_to_render(&ev.program, &horizon),
        std::time::Duration::from_secs_f64(a.download_timeout.min(1e6)),
        &mut |_| line.update(),
    );
    line.finish();
    if let Err(e) = downloaded {
        print_all_diagnostics(&ev, &plan.file, &src);
        eprintln!("error: {e}; nothing rendered");
        eprintln!("help: try again (finished downloads are kept), or give more time with --download-timeout");
        return 1;
    }
    // With the maps in the cache their sound names are known.
    let ev = if ev.program.sample_sources.iter().any(|s| s.is_remote()) {
        evaluate(&plan.file, &src)
    } else {
        ev
    };
    print_all_diagnostics(&ev, &plan.file, &src);
    if !ev.program.takes.is_empty() && !opts.input.record_takes {
        eprintln!(
            "note: take(…) lines record in a live session, or in a render with --input FILE; the takes saved beside the program play"
        );
    }
    let program = super::midi::for_render(ev.program);
    if ev.diagnostics.iter().any(|d| d.is_error()) && program.tracks.is_empty() {
        eprintln!("error: nothing to render");
        return 1;
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(1000);
        b.set_style(
            indicatif::ProgressStyle::with_template("rendering {bar:40} {percent}% {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut master = match MasterFile::start(&plan, &a) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let started = std::time::Instant::now();
    let mut progress = |f: f64| {
        if let Some(b) = &bar {
            b.set_position((f * 1000.0) as u64);
        }
    };
    let delivered = match master.as_mut() {
        Some(m) => deliver::deliver_to(
            program,
            stdlib::instruments(),
            opts,
            &mut progress,
            &mut |p| m.write(p),
        ),
        None => deliver::deliver(program, stdlib::instruments(), opts, &mut progress),
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let d = match delivered {
        Ok(d) => d,
        Err(e @ DeliverError::Loop(_)) => {
            eprintln!("error: {e}");
            return 2;
        }
        Err(e @ DeliverError::Target { .. }) => {
            eprintln!("error: {e}; nothing written");
            eprintln!(
                "help: lower the target, allow more limiting with --max-limiting, or make the mix denser (compression)"
            );
            return TARGET_NOT_MET;
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let mut too_dense = false;
    for m in &d.messages {
        match m {
            Message::SwapApplied { .. } => {}
            // An offline render is exact or fails: a track too dense to
            // play would be missing from it.
            Message::TooDense { message, .. } => {
                eprintln!("error: {message}");
                too_dense = true;
            }
            m => eprintln!("warning: {m}"),
        }
    }
    if too_dense {
        eprintln!("error: nothing written");
        return 1;
    }
    if let Err(e) = write_all(&plan, &a, &d, master) {
        eprintln!("{e}");
        return 1;
    }
    if let Err(e) = save_takes(&d, opts.input.takes.as_deref()) {
        eprintln!("error: {e}");
        return 1;
    }
    render_report::print(&plan.output, &d, elapsed);
    if let Some(path) = &a.report {
        let json = render_report::json(&plan.output, &d);
        let text = serde_json::to_string_pretty(&json).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return 1;
        }
    }
    if let Some(path) = &a.loudness_plot {
        if let Err(e) = write_loudness_plot(path, &plan.output, &d) {
            eprintln!("error: {e}");
            return 1;
        }
    }
    match &d.report.target {
        Some(t) if !t.met => {
            eprintln!(
                "error: the file does not meet {} ({} LUFS ±{}, {} dBTP)",
                t.name, t.goal.integrated, t.goal.tolerance, t.goal.true_peak
            );
            TARGET_NOT_MET
        }
        _ => 0,
    }
}

/// Writes the master (or finishes the file it went to as it was made)
/// and the stems.
fn write_all(
    plan: &Plan,
    a: &Args,
    d: &Delivered,
    master: Option<MasterFile>,
) -> Result<(), String> {
    let master_meta = metadata(plan, a, d, None);
    let written = match master {
        Some(m) => m.finish(&master_meta),
        None => deliver::write_file(
            &plan.output,
            plan.container,
            &d.master,
            d.sample_rate,
            &master_meta,
        ),
    };
    written.map_err(|e| format!("error: cannot write `{}`: {e}", plan.output.display()))?;
    let Some(dir) = &a.stems else {
        return Ok(());
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("error: cannot create `{}`: {e}", dir.display()))?;
    let ext = match plan.container {
        Container::Wav => "wav",
        Container::Flac => "flac",
    };
    for (i, (name, _)) in d.stems.iter().enumerate() {
        let path = dir.join(format!("{}.{ext}", safe_name(name)));
        let meta = metadata(plan, a, d, Some(i));
        deliver::write_file(
            &path,
            plan.container,
            &d.stem_samples(i),
            d.sample_rate,
            &meta,
        )
        .map_err(|e| format!("error: cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}

/// The master's WAV file written as the render makes it, so that the
/// render never holds it: into a hidden file beside the output, renamed
/// over the output once finished (a render that fails leaves the output
/// as it was, and no partial file).
struct MasterFile {
    partial: PathBuf,
    output: PathBuf,
    stream: Option<WavStream<std::io::BufWriter<std::fs::File>>>,
    /// The first write that failed (the rest are not attempted).
    error: Option<String>,
}

impl MasterFile {
    /// The file for a WAV master, unless the output is something else than
    /// a file (a link, a device), which is written as a whole at the end.
    fn start(plan: &Plan, a: &Args) -> Result<Option<MasterFile>, String> {
        let output = &plan.output;
        let is_file = std::fs::symlink_metadata(output).map_or(true, |m| m.is_file());
        let Some(name) = output.file_name().filter(|_| is_file) else {
            return Ok(None);
        };
        if plan.container != Container::Wav {
            return Ok(None);
        }
        let partial = output.with_file_name(format!(".{}.partial", name.to_string_lossy()));
        let cannot = |e: std::io::Error| format!("error: cannot write `{}`: {e}", output.display());
        let file = std::fs::File::create(&partial).map_err(cannot)?;
        let mut m = MasterFile {
            partial,
            output: output.clone(),
            stream: None,
            error: None,
        };
        let kind = match plan.options.format {
            SampleFormat::F32 => PcmKind::Float,
            f => PcmKind::Int {
                bits: f.bits() as u16,
            },
        };
        // The head as it will be, its loudness figures still unknown.
        let head = WavMeta {
            bext: bext(
                plan,
                a,
                plan.options.sample_rate,
                plan.options.format,
                None,
                None,
            ),
            ..WavMeta::default()
        };
        let writer = std::io::BufWriter::with_capacity(1 << 16, file);
        let stream =
            WavStream::new(writer, kind, plan.options.sample_rate, &head).map_err(cannot)?;
        m.stream = Some(stream);
        Ok(Some(m))
    }

    fn write(&mut self, data: PcmData) {
        if self.error.is_some() {
            return;
        }
        if let Some(Err(e)) = self.stream.as_mut().map(|s| s.write(data)) {
            self.error = Some(e.to_string());
        }
    }

    /// Ends the file with `meta` and puts it in the output's place.
    fn finish(mut self, meta: &WavMeta) -> Result<(), String> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let stream = self.stream.take().ok_or("the file was not started")?;
        let writer = stream.finish(meta).map_err(|e| e.to_string())?;
        let file = writer.into_inner().map_err(|e| e.error().to_string())?;
        drop(file);
        std::fs::rename(&self.partial, &self.output).map_err(|e| e.to_string())?;
        self.partial = PathBuf::new();
        Ok(())
    }
}

impl Drop for MasterFile {
    /// Removes the partial file of a render that failed.
    fn drop(&mut self) {
        if !self.partial.as_os_str().is_empty() {
            self.stream = None;
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The chunks of the master's file (`stem: None`) or of stem `i`.
fn metadata(plan: &Plan, a: &Args, d: &Delivered, stem: Option<usize>) -> WavMeta {
    let analysis = match stem {
        Some(i) => &d.report.tracks[i].analysis,
        None => &d.report.master,
    };
    let smpte = plan.timecode.map(|t| Smpte {
        format: t.fps.smpl_format(),
        hours: t.hours,
        minutes: t.minutes,
        seconds: t.seconds,
        frames: t.frames,
    });
    let loudness = BextLoudness {
        integrated: analysis.integrated,
        range: analysis.range,
        true_peak: analysis.true_peak,
        momentary_max: analysis.momentary_max,
        short_term_max: analysis.short_term_max,
    };
    let stem_name = stem.map(|i| d.stems[i].0.as_str());
    let bext = bext(plan, a, d.sample_rate, d.format, Some(loudness), stem_name);
    WavMeta {
        bext,
        cues: d.markers.clone(),
        sample_loop: d
            .report
            .loop_frames
            .map(|n| deliver::whole_file_loop(n, smpte)),
    }
}

/// The BWF chunk, when asked for, of the master (`stem: None`) or of a
/// stem.
fn bext(
    plan: &Plan,
    a: &Args,
    sample_rate: u32,
    format: SampleFormat,
    loudness: Option<BextLoudness>,
    stem: Option<&str>,
) -> Option<Bext> {
    plan.bext.then(|| {
        let (date, time) = origination();
        let description = a.description.clone().unwrap_or_default();
        let description = match stem {
            Some(name) if description.is_empty() => format!("stem {name}"),
            Some(name) => format!("{description} - stem {name}"),
            None => description,
        };
        Bext {
            description,
            originator: a.originator.clone().unwrap_or_else(|| "weft".into()),
            originator_reference: String::new(),
            date,
            time,
            time_reference: plan
                .timecode
                .map_or(0, |t| t.samples_since_midnight(sample_rate)),
            loudness,
            coding_history: format!(
                "A=PCM,F={},W={},M=stereo,T=weft {}\r\n",
                sample_rate,
                format.bits(),
                env!("CARGO_PKG_VERSION")
            ),
        }
    })
}

/// The date and time of origination (UTC; `SOURCE_DATE_EPOCH` when set,
/// for reproducible files).
fn origination() -> (String, String) {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    (
        format!(
            "{:04}-{:02}-{:02}",
            now.year(),
            now.month() as u8,
            now.day()
        ),
        format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second()),
    )
}

/// The master's loudness over time as a picture (`--loudness-plot`).
fn write_loudness_plot(
    path: &std::path::Path,
    output: &std::path::Path,
    d: &deliver::Delivered,
) -> Result<(), String> {
    let format = pictures::Format::from_path(path)?;
    let title = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let master = &d.report.master;
    let curve = pictures::loudness::LoudnessCurve {
        short_term: &master.loudness_curve,
        step: engine::analysis::CURVE_STEP,
        integrated: master.integrated,
        target: d
            .report
            .target
            .as_ref()
            .map(|t| (t.goal.integrated, t.name.as_str())),
        title: &title,
    };
    let svg = pictures::loudness::loudness_svg(&curve)?;
    let bytes = pictures::svg::encode(&svg, format)?;
    std::fs::write(path, bytes).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}
