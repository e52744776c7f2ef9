//! `weft sample info FILE|NAME`: what a sound file holds — length, rate,
//! channels, peak, true peak, loudness, onsets and tempo — before it is
//! used as a sample. A name (`voice`, `bd:2`) is looked up as the program
//! plays it: its takes, then its sample sources, with its edits.

use engine::analysis::{analyse, Analysis};
use engine::samples::{decode, Sample};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Length, sample rate, channels, peak, true peak and loudness of a
    /// sound file (WAV, FLAC, Ogg Vorbis, MP3).
    Info {
        /// A sound file, or a sound name (`voice`, `bd:2`) of the program's
        /// takes and samples.
        file: PathBuf,
        /// The program whose takes (`takes/` beside it), samples and edits
        /// a name is looked up in (default: the takes folder here).
        #[arg(long, short)]
        program: Option<PathBuf>,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// A decoded file and its measurements.
struct Info {
    sample: Sample,
    analysis: Analysis,
    /// Detected onsets (seconds) and the tempo they suggest.
    onsets: Vec<f64>,
    tempo: Option<f64>,
}

/// Decodes `file` and measures it (a mono file as both channels, as it
/// plays centred).
fn sample_info(file: &std::path::Path) -> Result<Info, String> {
    let sample = decode(file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
    Ok(measure(sample))
}

/// The sound `name` (`name:n` picks a file) as `program` plays it.
fn named_info(name: &str, program: Option<&Path>) -> Result<Info, String> {
    let (sound, n) = match name.rsplit_once(':') {
        Some((s, n)) if n.parse::<f64>().is_ok() => (s, n.parse::<f64>().unwrap_or(0.0)),
        _ => (name, 0.0),
    };
    let prog = match program {
        Some(p) => {
            let src = super::read_source(&p.display().to_string())
                .map_err(|e| e.trim_start_matches("error: ").to_string())?;
            super::evaluate(&p.display().to_string(), &src).program
        }
        None => lang::program::Program::default(),
    };
    let mut lib = engine::samples::SampleLibrary::new();
    lib.set_blocking(true);
    lib.set_sources(&prog.sample_sources);
    lib.set_edits(&prog.sample_edits);
    let (takes, _) = engine::takes::load_folder(&crate::live::takes::folder(program));
    for (t, s) in takes {
        lib.set_take(&t, std::sync::Arc::new(s));
    }
    let mut ev = lang::value::ValueMap::new();
    ev.set("n", lang::Value::Num(n));
    let Some((f, _)) = lib.pick(sound, &ev) else {
        let hint = lang::diagnostics::did_you_mean(sound, lib.names())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(format!(
            "`{name}` is neither a file nor a sound of {}{hint}",
            program
                .map(|p| format!("`{}` or its takes", p.display()))
                .unwrap_or_else(
                    || "the takes folder here (give the program with --program FILE)".into()
                )
        ));
    };
    match lib.file(&f, true) {
        engine::samples::FileStatus::Ready(s) => {
            let s = lib.edited(sound, &f, s);
            let mut sample = Sample::from_frames(s.data.clone(), s.channels, s.rate);
            sample.path = s.path.clone();
            Ok(measure(sample))
        }
        _ => Err(lib
            .problems
            .pop()
            .unwrap_or_else(|| format!("cannot load the sound `{name}`"))),
    }
}

/// A sound name (`voice`, `bd:2`) rather than a path (`take.wav`, `x/y`).
fn looks_like_a_name(arg: &Path) -> bool {
    arg.to_str()
        .is_some_and(|s| !s.is_empty() && !s.contains(['/', '\\', '.']))
}

fn measure(sample: Sample) -> Info {
    let stereo: Vec<f32> = if sample.channels == 1 {
        sample.data.iter().flat_map(|&x| [x, x]).collect()
    } else {
        sample.data.clone()
    };
    let analysis = analyse(&stereo, sample.rate.round() as u32);
    let onsets = engine::samples::onsets::onsets(&sample);
    let tempo = engine::samples::onsets::tempo(&onsets);
    Info {
        sample,
        analysis,
        onsets,
        tempo,
    }
}

/// A level in dB with one decimal, `-inf` for silence.
fn level(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "-inf".to_string()
    }
}

/// A figure for JSON: `null` where it does not exist.
fn json_number(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64((x * 1000.0).round() / 1000.0)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

fn print_info(file: &std::path::Path, i: &Info) {
    let s = &i.sample;
    let a = &i.analysis;
    println!("{}", file.display());
    println!(
        "  {:.3} s, {} frames, {} Hz, {}",
        s.seconds(),
        s.frames(),
        s.rate,
        if s.channels == 1 { "mono" } else { "stereo" }
    );
    println!(
        "  peak {} dBFS, true peak {} dBTP, RMS {} dBFS, DC offset {} dBFS",
        level(a.sample_peak),
        level(a.true_peak),
        level(a.rms),
        level(a.dc_offset)
    );
    println!(
        "  loudness {} LUFS integrated, short-term max {} LUFS, range {} LU",
        level(a.integrated),
        level(a.short_term_max),
        level(a.range)
    );
    let shown: Vec<String> = i
        .onsets
        .iter()
        .take(16)
        .map(|t| format!("{t:.3}"))
        .collect();
    println!(
        "  onsets {}{}{}",
        i.onsets.len(),
        if shown.is_empty() {
            String::new()
        } else {
            format!(" at {} s", shown.join(", "))
        },
        if i.onsets.len() > shown.len() {
            ", …"
        } else {
            ""
        }
    );
    if let Some(bpm) = i.tempo {
        println!("  tempo about {bpm:.1} BPM");
    }
}

fn info_json(file: &std::path::Path, i: &Info) -> serde_json::Value {
    let s = &i.sample;
    let a = &i.analysis;
    serde_json::json!({
        "file": file.display().to_string(),
        "seconds": json_number(s.seconds()),
        "frames": s.frames(),
        "sample_rate": s.rate.round() as u32,
        "channels": s.channels,
        "sample_peak_dbfs": json_number(a.sample_peak),
        "true_peak_dbtp": json_number(a.true_peak),
        "rms_dbfs": json_number(a.rms),
        "dc_offset_dbfs": json_number(a.dc_offset),
        "integrated_lufs": json_number(a.integrated),
        "short_term_max_lufs": json_number(a.short_term_max),
        "loudness_range_lu": json_number(a.range),
        "onsets": i.onsets.iter().map(|t| json_number(*t)).collect::<Vec<_>>(),
        "tempo_bpm": i.tempo.map(json_number),
    })
}

pub fn run(args: Args) -> u8 {
    match args.what {
        What::Info {
            file,
            program,
            json,
        } => match if file.is_file() || !looks_like_a_name(&file) {
            sample_info(&file)
        } else {
            named_info(&file.display().to_string(), program.as_deref())
        } {
            Ok(info) if json => {
                println!("{}", info_json(&file, &info));
                0
            }
            Ok(info) => {
                print_info(&file, &info);
                0
            }
            Err(e) => {
                eprintln!("error: {e}");
                1
            }
        },
    }
}
