//! Takes and sample edits from the command line: a take saved beside the
//! program plays in renders with its edits applied exactly, and `weft
//! sample info NAME` finds it through the program, edits, onsets and tempo
//! included.

mod common;

use common::*;
use std::path::Path;

fn write_wav(path: &Path, channels: u16, data: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: 48000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for x in data {
        w.write_sample(*x).unwrap();
    }
    w.finalize().unwrap();
}

fn read_wav(path: &Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .into_samples::<f32>()
        .map(|s| s.unwrap())
        .collect()
}

/// One second of mono clicks every half second (120 BPM), from 0.1 s.
fn clicks() -> Vec<f32> {
    let mut data = vec![0.0f32; 48000];
    for n in 0..2 {
        for k in 0..2000 {
            data[4800 + n * 24000 + k] =
                0.8 * (-(k as f32) / 300.0).exp() * if k % 2 == 0 { 1.0 } else { -1.0 };
        }
    }
    data
}

#[test]
fn an_edited_take_renders_exactly_and_sample_info_finds_it_by_name() {
    let d = temp_dir("takes-cli");
    std::fs::create_dir_all(d.join("takes")).unwrap();
    let take: Vec<f32> = (0..48000)
        .map(|i| ((i % 100) as f32 - 50.0) / 100.0)
        .collect();
    // Stereo, as weft saves takes (a mono sound plays panned to the
    // centre at equal power, not bit-exact).
    let stereo: Vec<f32> = take.iter().flat_map(|x| [*x, *x]).collect();
    write_wav(&d.join("takes/voice.wav"), 2, &stereo);
    write_wav(&d.join("takes/beat.wav"), 1, &clicks());
    let prog = d.join("p.weft");
    std::fs::write(
        &prog,
        "setcps(1)\neditSample('voice', { begin: 0.25, end: 0.75, reverse: true, gain: 0.5 })\nv: s(\"voice\").gain(1).attack(0)\n",
    )
    .unwrap();
    let stems = d.join("stems");
    let (code, _, err) = run_weft(&[
        "render",
        prog.to_str().unwrap(),
        "-o",
        d.join("o.wav").to_str().unwrap(),
        "--cycles",
        "1",
        "--format",
        "f32",
        "--stems",
        stems.to_str().unwrap(),
        "--stems-pre",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("W0010"), "{err}");
    let out = read_wav(&stems.join("v.wav"));
    // Frames 12000..36000, backwards, at half gain; then silence.
    for k in 0..24000 {
        let want = (take[35999 - k] as f64 * 0.5) as f32;
        assert_eq!(out[2 * k], want, "frame {k}");
        assert_eq!(out[2 * k + 1], want, "frame {k}");
    }
    assert!(out[2 * 24000..].iter().all(|x| *x == 0.0));

    let (code, json, err) = run_weft(&[
        "sample",
        "info",
        "voice",
        "--program",
        prog.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["frames"], 24000);
    // The peak of the edited take: 0.5 × 0.5.
    let peak = v["sample_peak_dbfs"].as_f64().unwrap();
    assert!((peak - 20.0 * (0.25f64).log10()).abs() < 0.01, "{json}");

    let (code, json, err) = run_weft(&[
        "sample",
        "info",
        "beat",
        "--program",
        prog.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let onsets: Vec<f64> = v["onsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(onsets.len(), 2, "{json}");
    assert!(
        (onsets[0] - 0.1).abs() < 0.011 && (onsets[1] - 0.6).abs() < 0.011,
        "{json}"
    );

    let (code, _, err) = run_weft(&[
        "sample",
        "info",
        "nothing",
        "--program",
        prog.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("`nothing` is neither a file nor a sound"),
        "{err}"
    );

    let bad = d.join("bad.weft");
    std::fs::write(&bad, "editSample('voice', { begin: 0.9, end: 0.1 })\n").unwrap();
    let (code, _, err) = run_weft(&["check", bad.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("E0232"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}
