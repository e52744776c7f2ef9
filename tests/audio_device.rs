//! The real cpal output path on a machine without a sound card: ALSA's
//! default device pointed at a file (unpaced) or at a JACK server with the
//! dummy driver (paced in real time), and at nothing (no device). The ALSA
//! configurations are in tests/audio/.

mod common;

use common::*;
use std::process::Stdio;
use std::time::Duration;

#[test]
fn no_device_is_one_clear_error_with_exit_code_2() {
    for args in [&["play", "examples/first.weft"][..], &["devices"][..]] {
        let out = weft()
            .args(args)
            .env("ALSA_CONFIG_PATH", "/dev/null")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("weft render"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        let ours: Vec<&str> = err.lines().filter(|l| !l.starts_with("ALSA lib")).collect();
        assert_eq!(ours.len(), 1, "{err}");
    }
}

#[test]
fn plays_through_alsa_into_a_file() {
    if !has_alsa() {
        return;
    }
    let d = temp_dir("file");
    let capture = d.join("capture.raw");
    let record = d.join("record.wav");
    let out = weft()
        .args([
            "play",
            "examples/first.weft",
            "--seconds",
            "2",
            "--buffer",
            "512",
            "--record",
        ])
        .arg(&record)
        .env("ALSA_CONFIG_PATH", conf("file-default.conf"))
        .env("HEADLESS_CAPTURE", &capture)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // The capture is raw interleaved f32 stereo (the negotiated format here).
    let bytes = std::fs::read(&capture).unwrap();
    let samples: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert!(samples.len() >= 2 * 2 * 48000, "{} samples", samples.len());
    assert!(samples.iter().all(|x| x.is_finite() && x.abs() <= 1.0));
    assert!(samples.iter().any(|x| x.abs() > 0.01), "silent capture");
    let r = hound::WavReader::open(&record).unwrap();
    assert_eq!(r.spec().channels, 2);
    assert!(r.duration() >= 48000, "{} frames recorded", r.duration());
    let listed = weft()
        .arg("devices")
        .env("ALSA_CONFIG_PATH", conf("file-default.conf"))
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(0));
    assert!(!listed.stdout.is_empty());
}

#[test]
fn plays_in_real_time_through_jack_and_reloads_the_file() {
    if !has_alsa() {
        return;
    }
    let name = format!("weft-test-{}", std::process::id());
    let Some(_jack) = start_jack(&name) else {
        return;
    };
    let d = temp_dir("jack");
    let file = d.join("live.weft");
    std::fs::write(
        &file,
        "bpm(240)\na: note(\"c3 e3 g3 b3\").s(\"sawtooth\")\n",
    )
    .unwrap();
    let record = d.join("record.wav");
    let child = weft()
        .args(["play", file.to_str().unwrap(), "--seconds", "4", "--record"])
        .arg(&record)
        .env("ALSA_CONFIG_PATH", conf("jack-default.conf"))
        .env("JACK_DEFAULT_SERVER", &name)
        .env("JACK_NO_AUDIO_RESERVATION", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::write(
        &file,
        "bpm(240)\na: note(\"c4*8\").s(\"square\")\nb: note(\"c2\").s(\"sine\")\n",
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("✓ cycle "), "{err}");
    let r = hound::WavReader::open(&record).unwrap();
    assert!(r.duration() >= 4 * 48000 - 4096, "{} frames", r.duration());
    let samples: Vec<f32> = r.into_samples::<f32>().map(|s| s.unwrap()).collect();
    assert!(samples.iter().any(|x| x.abs() > 0.01));
}
