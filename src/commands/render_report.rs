//! What `weft render` prints and its `--report` JSON: the master's
//! loudness and peaks, the target, and a table of the master and every
//! track (docs/deliverables.md describes each figure).

use engine::analysis::{Analysis, CURVE_STEP};
use engine::deliver::{Delivered, Report};
use engine::render::StemPoint;
use engine::targets::TARGETS;
use serde_json::{json, Value};
use std::path::Path;

/// A level with one decimal, `-inf` for silence, `-` when it does not exist.
fn db(x: f64) -> String {
    if x.is_nan() {
        "-".to_string()
    } else if x.is_finite() {
        format!("{x:.1}")
    } else if x > 0.0 {
        "inf".to_string()
    } else {
        "-inf".to_string()
    }
}

/// `--list-targets`.
pub fn print_targets() {
    println!(
        "{:<16} {:>9} {:>6} {:>8}  for / specification",
        "target", "LUFS", "±LU", "dBTP"
    );
    for t in TARGETS {
        let aliases = if t.aliases.is_empty() {
            String::new()
        } else {
            format!(" (also {})", t.aliases.join(", "))
        };
        println!(
            "{:<16} {:>9.1} {:>6.1} {:>8.1}  {}{aliases}",
            t.name, t.integrated, t.tolerance, t.true_peak, t.what
        );
        println!("{:<16} {:>26}  {}", "", "", t.source);
    }
}

fn format_name(d: &Delivered) -> String {
    match d.format {
        engine::render::SampleFormat::F32 => "32-bit float".to_string(),
        f if d.dither == engine::dither::Dither::None => format!("{}-bit, no dither", f.bits()),
        f => format!("{}-bit, {} dither", f.bits(), d.dither.name()),
    }
}

/// The summary (and, with tracks, the table) after a render.
pub fn print(output: &Path, d: &Delivered, elapsed: f64) {
    let r = &d.report;
    let m = &r.master;
    println!(
        "wrote {}: {:.2} s, peak {} dBFS, true peak {} dBTP, {} LUFS integrated ({:.0}× real time)",
        output.display(),
        r.seconds,
        db(m.sample_peak),
        db(m.true_peak),
        db(m.integrated),
        r.seconds / elapsed.max(1e-9),
    );
    println!(
        "  {} Hz, {}; loudness range {} LU, short-term max {} LUFS, momentary max {} LUFS",
        d.sample_rate,
        format_name(d),
        db(m.range),
        db(m.short_term_max),
        db(m.momentary_max)
    );
    println!(
        "  gain {:+.1} dB, limiter at {} dBTP: gain reduction max {} dB, mean {} dB; {} samples over full scale before it",
        r.gain_db,
        db(r.ceiling_db),
        db(r.limiting.max_db),
        db(r.limiting.mean_db),
        r.clipped
    );
    if let Some(t) = &r.target {
        println!(
            "  target {}: {} LUFS ±{} LU, true peak at most {} dBTP: {}{}",
            t.name,
            t.goal.integrated,
            t.goal.tolerance,
            t.goal.true_peak,
            if t.met { "met" } else { "NOT met" },
            if t.backed_off {
                format!(
                    " (at {} LUFS: the exact level needed more than {} dB of limiting)",
                    db(m.integrated),
                    t.max_limiting_db
                )
            } else {
                String::new()
            }
        );
    }
    if let Some(n) = r.loop_frames {
        println!(
            "  loop: {n} frames ({:.3} s), loop points in the file",
            n as f64 / d.sample_rate as f64
        );
    }
    if !d.markers.is_empty() {
        let names: Vec<&str> = d.markers.iter().map(|c| c.label.as_str()).collect();
        println!("  markers: {}", names.join(", "));
    }
    if !r.tracks.is_empty() {
        print_table(r);
    }
}

fn print_table(r: &Report) {
    println!();
    println!(
        "{:<14} {:>7} {:>6} {:>7} {:>6} {:>6} {:>6} {:>6} {:>7} {:>9}",
        "", "LUFS", "peak", "true pk", "crest", "corr", "mono", "DC", "clipped", "limiting"
    );
    let row = |name: &str, a: &Analysis, clipped: usize, limiting: String| {
        println!(
            "{:<14} {:>7} {:>6} {:>7} {:>6} {:>6} {:>6} {:>6} {:>7} {:>9}",
            truncate(name, 14),
            db(a.integrated),
            db(a.sample_peak),
            db(a.true_peak),
            db(a.crest),
            if a.correlation.is_nan() {
                "-".to_string()
            } else {
                format!("{:.2}", a.correlation)
            },
            db(a.mono_loss),
            db(a.dc_offset),
            clipped,
            limiting
        );
    };
    row(
        "master",
        &r.master,
        r.clipped,
        format!("{}/{}", db(r.limiting.max_db), db(r.limiting.mean_db)),
    );
    for t in &r.tracks {
        row(&t.name, &t.analysis, t.clipped, String::new());
    }
    match (r.stem_point, r.stems_sum_error_db) {
        (Some(StemPoint::PostMaster), Some(e)) => println!(
            "tracks are post-master stems; their sum differs from the master by at most {} dBFS",
            db(e)
        ),
        (Some(StemPoint::PreMaster), _) => {
            println!("tracks are pre-master stems (before the master effects and limiter)")
        }
        _ => {}
    }
    println!("(LUFS integrated; peak, true pk, DC in dBFS/dBTP; crest, mono loss in dB; limiting max/mean dB)");
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// A number, `null` when it is not finite.
fn num(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

fn analysis_json(a: &Analysis) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for (k, v) in [
        ("integrated_lufs", a.integrated),
        ("loudness_range_lu", a.range),
        ("short_term_max_lufs", a.short_term_max),
        ("momentary_max_lufs", a.momentary_max),
        ("sample_peak_dbfs", a.sample_peak),
        ("true_peak_dbtp", a.true_peak),
        ("rms_dbfs", a.rms),
        ("crest_factor_db", a.crest),
        ("stereo_correlation", a.correlation),
        ("mono_fold_down_loss_db", a.mono_loss),
        ("dc_offset_dbfs", a.dc_offset),
    ] {
        m.insert(k.to_string(), num(v));
    }
    m
}

/// The `--report` document.
pub fn json(output: &Path, d: &Delivered) -> Value {
    let r = &d.report;
    let mut master = analysis_json(&r.master);
    master.insert("gain_db".into(), num(r.gain_db));
    master.insert("ceiling_dbtp".into(), num(r.ceiling_db));
    master.insert(
        "limiter_gain_reduction_db".into(),
        json!({ "max": num(r.limiting.max_db), "mean": num(r.limiting.mean_db) }),
    );
    master.insert("clipped_samples_before_limiter".into(), json!(r.clipped));
    let tracks: Vec<Value> = r
        .tracks
        .iter()
        .map(|t| {
            let mut m = analysis_json(&t.analysis);
            m.insert("name".into(), json!(t.name));
            m.insert("clipped_samples_before_limiter".into(), json!(t.clipped));
            Value::Object(m)
        })
        .collect();
    json!({
        "file": output.display().to_string(),
        "sample_rate": d.sample_rate,
        "seconds": num(r.seconds),
        "format": match d.format {
            engine::render::SampleFormat::S16 => "s16",
            engine::render::SampleFormat::S24 => "s24",
            engine::render::SampleFormat::F32 => "f32",
        },
        "dither": d.dither.name(),
        "target": r.target.as_ref().map(|t| json!({
            "name": t.name,
            "integrated_lufs": t.goal.integrated,
            "tolerance_lu": t.goal.tolerance,
            "true_peak_dbtp": t.goal.true_peak,
            "max_limiting_db": t.max_limiting_db,
            "backed_off": t.backed_off,
            "met": t.met,
        })),
        "loop_frames": r.loop_frames,
        "markers": d.markers.iter().map(|c| json!({
            "frame": c.frame,
            "seconds": num(c.frame as f64 / d.sample_rate as f64),
            "label": c.label,
        })).collect::<Vec<_>>(),
        "master": Value::Object(master),
        "tracks": tracks,
        "stems": r.stem_point.map(|p| json!({
            "point": match p { StemPoint::PreMaster => "pre-master", StemPoint::PostMaster => "post-master" },
            "sum_error_dbfs": r.stems_sum_error_db.map(num),
        })),
        "loudness_over_time": {
            "step_seconds": CURVE_STEP,
            "short_term_lufs": r.master.loudness_curve.iter().map(|&x| num(x)).collect::<Vec<_>>(),
        },
    })
}
