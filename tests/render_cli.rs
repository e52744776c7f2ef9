//! `weft render` end to end: files, formats, determinism, stems, loudness.

mod common;

use common::{run_weft, temp_dir};
use std::path::Path;

fn render(args: &[&str]) -> (i32, String, String) {
    run_weft(&[&["render"], args].concat())
}

fn spec(path: &Path) -> (hound::WavSpec, u32) {
    let r = hound::WavReader::open(path).unwrap();
    (r.spec(), r.duration())
}

#[test]
fn renders_the_first_example() {
    let d = temp_dir("first");
    let out = d.join("first.wav");
    let (code, stdout, stderr) = render(&[
        "examples/first.weft",
        "-o",
        out.to_str().unwrap(),
        "--cycles",
        "2",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (s, frames) = spec(&out);
    assert_eq!(
        (s.channels, s.sample_rate, s.bits_per_sample),
        (2, 48000, 24)
    );
    // 2 cycles at 120 BPM, 4 beats per cycle: 4 s.
    assert_eq!(frames, 4 * 48000);
    for word in ["4.00 s", "peak", "true peak", "LUFS"] {
        assert!(stdout.contains(word), "{stdout}");
    }
}

#[test]
fn same_input_same_bytes() {
    let d = temp_dir("determinism");
    let (a, b) = (d.join("a.wav"), d.join("b.wav"));
    for p in [&a, &b] {
        let (code, _, e) = render(&[
            "examples/first.weft",
            "-o",
            p.to_str().unwrap(),
            "--cycles",
            "3",
        ]);
        assert_eq!(code, 0, "{e}");
    }
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
}

#[test]
fn formats_rates_and_lengths() {
    let d = temp_dir("formats");
    for (fmt, bits) in [("s16", 16), ("s24", 24), ("f32", 32)] {
        let p = d.join(format!("{fmt}.wav"));
        let (code, _, e) = render(&[
            "examples/first.weft",
            "-o",
            p.to_str().unwrap(),
            "--seconds",
            "1.5",
            "--format",
            fmt,
            "--sample-rate",
            "44100",
        ]);
        assert_eq!(code, 0, "{e}");
        let (s, frames) = spec(&p);
        assert_eq!(
            (s.bits_per_sample, s.sample_rate, frames),
            (bits, 44100, 66150)
        );
    }
    let p = d.join("song.wav");
    let (code, _, e) = render(&[
        "examples/first.weft",
        "-o",
        p.to_str().unwrap(),
        "--song",
        "--tail",
        "1",
    ]);
    assert_eq!(code, 0, "{e}");
    // No song in the program: 16 cycles (32 s), plus a 1 s tail.
    assert_eq!(spec(&p).1, 33 * 48000);
    let (code, _, e) = render(&[
        "examples/first.weft",
        "-o",
        p.to_str().unwrap(),
        "--format",
        "u8",
    ]);
    assert_eq!(code, 2);
    assert!(e.contains("s16, s24 or f32"));
}

#[test]
fn stems_and_normalize() {
    let d = temp_dir("stems");
    let out = d.join("mix.wav");
    let stems = d.join("stems");
    let (code, stdout, e) = render(&[
        "examples/first.weft",
        "-o",
        out.to_str().unwrap(),
        "--cycles",
        "4",
        "--stems",
        stems.to_str().unwrap(),
        "--normalize",
        "-14",
        // These drums need about 10 dB of limiting at −14 LUFS: more than
        // the 6 dB a target may take by default.
        "--max-limiting",
        "12",
    ]);
    assert_eq!(code, 0, "{e}");
    for t in ["drums", "bass"] {
        let (_, frames) = spec(&stems.join(format!("{t}.wav")));
        assert_eq!(frames, 8 * 48000, "{t}");
    }
    let lufs: f64 = stdout
        .split(" LUFS")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|s| s.parse().ok())
        .expect(&stdout);
    assert!((lufs + 14.0).abs() < 1.0, "{stdout}");
}

#[test]
fn missing_file_and_bad_options_fail_cleanly() {
    let (code, _, e) = render(&["nope.weft", "-o", "/tmp/x.wav"]);
    assert_eq!(code, 2);
    assert!(e.contains("cannot read"));
    let (code, _, _) = render(&["examples/first.weft", "-o", "/tmp/x.wav", "--cycles", "-1"]);
    assert_eq!(code, 2);
}

/// A WAV master is written beside the output and put in its place once
/// complete: a render that fails leaves the output as it was, and no
/// render leaves its partial file behind.
#[test]
fn a_failed_render_leaves_the_output_as_it_was() {
    let d = temp_dir("partial");
    let out = d.join("out.wav");
    std::fs::write(&out, b"before").unwrap();
    let dense = d.join("dense.weft");
    std::fs::write(
        &dense,
        "a: note(\"c3*4\").s(\"sine\")\nbad: note(\"[a _ _ b]*99999999\").s(\"sine\")\n",
    )
    .unwrap();
    let (code, _, e) = render(&[dense.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{e}");
    assert!(e.contains("nothing written"), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), b"before");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(), ["dense.weft", "out.wav"]);
    let (code, _, e) = render(&["examples/first.weft", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{e}");
    assert_eq!(spec(&out).1, 8 * 2 * 48000);
    assert_eq!(listing(), ["dense.weft", "out.wav"]);
}
