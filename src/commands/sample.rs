//! `weft sample info FILE`: what a sound file holds — length, rate,
//! channels, peak, true peak and loudness — before it is used as a sample.

use engine::analysis::{analyse, Analysis};
use engine::samples::{decode, Sample};
use std::path::PathBuf;

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
        file: PathBuf,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// A decoded file and its measurements.
struct Info {
    sample: Sample,
    analysis: Analysis,
}

/// Decodes `file` and measures it (a mono file as both channels, as it
/// plays centred).
fn sample_info(file: &std::path::Path) -> Result<Info, String> {
    let sample = decode(file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
    let stereo: Vec<f32> = if sample.channels == 1 {
        sample.data.iter().flat_map(|&x| [x, x]).collect()
    } else {
        sample.data.clone()
    };
    let analysis = analyse(&stereo, sample.rate.round() as u32);
    Ok(Info { sample, analysis })
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
    })
}

pub fn run(args: Args) -> u8 {
    match args.what {
        What::Info { file, json } => match sample_info(&file) {
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
