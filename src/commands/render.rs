//! `weft render`: render a program offline to a WAV file.

use super::downloads::DownloadLine;
use super::{evaluate, print_all_diagnostics, read_source};
use engine::engine::Message;
use engine::render::{self, Length, RenderOptions, SampleFormat};
use lang::Time;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Length of `--song` for a program without a song.
const SONG_CYCLES: i64 = 16;

#[derive(clap::Args)]
pub struct Args {
    /// The program file.
    file: String,
    /// The WAV file to write.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Length in cycles (default 8).
    #[arg(long, conflicts_with_all = ["seconds", "song"])]
    cycles: Option<String>,
    /// Length in seconds.
    #[arg(long, conflicts_with = "song")]
    seconds: Option<f64>,
    /// The whole song (16 cycles for a program without one).
    #[arg(long)]
    song: bool,
    /// Sample rate in Hz.
    #[arg(long, default_value_t = 48000)]
    sample_rate: u32,
    /// Sample format: s16, s24 or f32.
    #[arg(long, default_value = "s24")]
    format: String,
    /// Also write one WAV per track into this directory.
    #[arg(long)]
    stems: Option<PathBuf>,
    /// Master to this integrated loudness (LUFS, e.g. -14), under the ceiling.
    #[arg(long, allow_hyphen_values = true)]
    normalize: Option<f64>,
    /// Seconds rendered after the end, without new notes (reverb tails).
    #[arg(long, default_value_t = 0.0)]
    tail: f64,
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

fn db(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "-inf".to_string()
    }
}

pub fn run(a: Args) -> u8 {
    let format = match parse_format(&a.format) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    if !(8000..=384000).contains(&a.sample_rate) {
        eprintln!("error: --sample-rate must be between 8000 and 384000");
        return 2;
    }
    let length = match (&a.cycles, a.seconds, a.song) {
        (Some(c), _, _) => match c.parse::<Time>() {
            Ok(t) if t > Time::ZERO => Length::Cycles(t),
            _ => {
                eprintln!(
                    "error: --cycles expects a positive number such as 8 or 3/2, found `{c}`"
                );
                return 2;
            }
        },
        (_, Some(s), _) if s.is_finite() && s > 0.0 => Length::Seconds(s),
        (_, Some(s), _) => {
            eprintln!("error: --seconds expects a positive number, found {s}");
            return 2;
        }
        (_, _, true) => Length::Song(Time::int(SONG_CYCLES)),
        _ => Length::Cycles(Time::int(8)),
    };
    let src = match read_source(&a.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    if !(a.download_timeout.is_finite() && a.download_timeout > 0.0) {
        eprintln!("error: --download-timeout expects a positive number of seconds");
        return 2;
    }
    let opts = RenderOptions {
        sample_rate: a.sample_rate,
        length,
        tail: a.tail,
        stems: a.stems.is_some(),
    };
    let ev = evaluate(&a.file, &src);
    // The samples first (a render must be exact): the maps it names by
    // address and the files it plays. Failures are reported by the render.
    let mut line = DownloadLine::new();
    let downloaded = engine::samples::download_needed(
        &ev.program,
        render::cycles_to_render(&ev.program, &opts),
        std::time::Duration::from_secs_f64(a.download_timeout.min(1e6)),
        &mut |_| line.update(),
    );
    line.finish();
    if let Err(e) = downloaded {
        print_all_diagnostics(&ev, &a.file, &src);
        eprintln!("error: {e}; nothing rendered");
        eprintln!("help: try again (finished downloads are kept), or give more time with --download-timeout");
        return 1;
    }
    // With the maps in the cache their sound names are known.
    let ev = if ev.program.sample_sources.iter().any(|s| s.is_remote()) {
        evaluate(&a.file, &src)
    } else {
        ev
    };
    print_all_diagnostics(&ev, &a.file, &src);
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
    let started = std::time::Instant::now();
    let mut rendered = render::render(program, stdlib::instruments(), &opts, &mut |f| {
        if let Some(b) = &bar {
            b.set_position((f * 1000.0) as u64);
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut too_dense = false;
    for m in &rendered.messages {
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
    if let Some(target) = a.normalize {
        render::normalize(&mut rendered.samples, a.sample_rate, target, -1.0);
    }
    if let Err(e) = render::write_wav(&a.output, &rendered.samples, a.sample_rate, format) {
        eprintln!("error: cannot write `{}`: {e}", a.output.display());
        return 1;
    }
    if let Some(dir) = &a.stems {
        if let Err(e) = write_stems(dir, &rendered, format) {
            eprintln!("{e}");
            return 1;
        }
    }
    let seconds = rendered.samples.len() as f64 / 2.0 / a.sample_rate as f64;
    let l = render::measure(&rendered.samples, a.sample_rate);
    println!(
        "wrote {}: {seconds:.2} s, peak {} dBFS, true peak {} dBTP, {} LUFS integrated ({:.0}× real time)",
        a.output.display(),
        db(l.sample_peak_db),
        db(l.true_peak_db),
        db(l.lufs),
        seconds / elapsed.max(1e-9),
    );
    0
}

fn write_stems(dir: &Path, r: &render::Rendered, format: SampleFormat) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("error: cannot create `{}`: {e}", dir.display()))?;
    for (name, samples) in &r.stems {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = dir.join(format!("{safe}.wav"));
        render::write_wav(&path, samples, r.sample_rate, format)
            .map_err(|e| format!("error: cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}
