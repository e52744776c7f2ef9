//! `weft sample info`: a sound file's length, rate, peak and loudness,
//! checked against the signal written and an independent loudness meter.

mod common;

use common::{run_weft, temp_dir};

/// Writes `seconds` of a sine at `amplitude` (16-bit, `channels`) and
/// returns its interleaved samples as written.
fn write_sine(path: &std::path::Path, rate: u32, channels: u16, amplitude: f64) -> Vec<f32> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let mut written = Vec::new();
    for i in 0..rate * 3 {
        let x = amplitude * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / rate as f64).sin();
        let s = (x * 32767.0).round() as i16;
        for _ in 0..channels {
            w.write_sample(s).unwrap();
            written.push(s as f32 / 32768.0);
        }
    }
    w.finalize().unwrap();
    written
}

fn info(path: &std::path::Path) -> serde_json::Value {
    let (code, out, err) = run_weft(&["sample", "info", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn info_gives_length_rate_peak_and_loudness() {
    let d = temp_dir("sample-info");
    let stereo = d.join("stereo.wav");
    let written = write_sine(&stereo, 44100, 2, 0.5);
    let j = info(&stereo);
    assert_eq!(j["frames"], 132300);
    assert_eq!(j["sample_rate"], 44100);
    assert_eq!(j["channels"], 2);
    assert_eq!(j["seconds"], 3.0);
    let peak = j["sample_peak_dbfs"].as_f64().unwrap();
    assert!((peak - 20.0 * 0.5f64.log10()).abs() < 0.01, "peak {peak}");
    let mut meter = ebur128::EbuR128::new(2, 44100, ebur128::Mode::I).unwrap();
    meter.add_frames_f32(&written).unwrap();
    let lufs = meter.loudness_global().unwrap();
    let got = j["integrated_lufs"].as_f64().unwrap();
    assert!((got - lufs).abs() < 0.05, "{got} LUFS, measured {lufs}");
    // A mono file plays centred: the same loudness as the same signal in
    // both channels.
    let mono = d.join("mono.wav");
    write_sine(&mono, 48000, 1, 0.5);
    let m = info(&mono);
    assert_eq!(
        (m["channels"].as_u64(), m["sample_rate"].as_u64()),
        (Some(1), Some(48000))
    );
    assert!((m["integrated_lufs"].as_f64().unwrap() - got).abs() < 0.1);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_missing_or_unreadable_file_is_one_clear_error() {
    let d = temp_dir("sample-info-bad");
    let (code, _, err) = run_weft(&["sample", "info", d.join("nope.wav").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot read") && err.contains("nope.wav"),
        "{err}"
    );
    let text = d.join("text.wav");
    std::fs::write(&text, "not audio").unwrap();
    let (code, _, err) = run_weft(&["sample", "info", text.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("not an audio file"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}
