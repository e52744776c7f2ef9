//! Sample playback from a folder laid out like Dirt-Samples: the right
//! file for `s("name:n")`, and `speed`, `begin`, `end`, `loop`, `cut`,
//! `loopAt` measured on the rendered audio; missing folders and names are
//! diagnostics.

mod common;
use common::*;
use std::path::PathBuf;

/// A fresh sample folder: `tone/` holds a 440 Hz and an 880 Hz sine (one
/// second each), `ramp/` a rising ramp from 0 to 0.8 over one second.
fn folder(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-samples-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tone")).unwrap();
    std::fs::create_dir_all(dir.join("ramp")).unwrap();
    let sine = |hz: f32| -> Vec<f32> {
        (0..SR)
            .map(|i| 0.5 * (std::f32::consts::TAU * hz * i as f32 / SR as f32).sin())
            .collect()
    };
    write_wav(&dir.join("tone/a_440.wav"), &sine(440.0), SR);
    write_wav(&dir.join("tone/b_880.wav"), &sine(880.0), SR);
    let ramp: Vec<f32> = (0..SR).map(|i| 0.8 * i as f32 / SR as f32).collect();
    write_wav(&dir.join("ramp/ramp.wav"), &ramp, SR);
    dir
}

fn play(dir: &std::path::Path, pattern: &str, secs: f64) -> Vec<f32> {
    let src = format!("samples('{}')\nsetcps(0.25)\n$: {pattern}", dir.display());
    // Left channel of the stem: samples are mono, panned centre.
    let r = render_src(&src, secs);
    channel(&r.stems[0].1, 0)
}

/// The output level of a sample value of 1 (default gain, centre pan),
/// from the top of the ramp played plainly.
fn unit_level(dir: &std::path::Path) -> f32 {
    let x = play(dir, "s(\"ramp\")", 1.5);
    x.iter().fold(0.0f32, |a, v| a.max(*v)) / 0.8
}

/// Where the sound is louder than `threshold`: first and last sample.
fn extent(x: &[f32], threshold: f32) -> (usize, usize) {
    let first = x.iter().position(|v| v.abs() > threshold).unwrap_or(0);
    let last = x.iter().rposition(|v| v.abs() > threshold).unwrap_or(0);
    (first, last)
}

#[test]
fn the_index_picks_the_file_and_wraps() {
    let dir = folder("index");
    let f0 = peak_frequency(seconds(&play(&dir, "s(\"tone\")", 1.0), 0.1, 0.9), 100.0);
    let f1 = peak_frequency(seconds(&play(&dir, "s(\"tone:1\")", 1.0), 0.1, 0.9), 100.0);
    let f2 = peak_frequency(
        seconds(&play(&dir, "s(\"tone\").n(2)", 1.0), 0.1, 0.9),
        100.0,
    );
    assert!((f0 - 440.0).abs() < 2.0, "{f0}");
    assert!((f1 - 880.0).abs() < 4.0, "{f1}");
    assert!((f2 - 440.0).abs() < 2.0, "n wraps: {f2}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn speed_changes_pitch_and_length_and_negative_reverses() {
    let dir = folder("speed");
    let normal = play(&dir, "s(\"tone\")", 2.0);
    let double = play(&dir, "s(\"tone\").speed(2)", 2.0);
    let f = peak_frequency(seconds(&double, 0.05, 0.45), 100.0);
    assert!((f - 880.0).abs() < 4.0, "{f}");
    let (_, end_normal) = extent(&normal, 0.05);
    let (_, end_double) = extent(&double, 0.05);
    let ratio = end_normal as f64 / end_double as f64;
    assert!((ratio - 2.0).abs() < 0.02, "length ratio {ratio}");
    // The ramp backwards falls from its top.
    let back = play(&dir, "s(\"ramp\").speed(-1)", 1.5);
    let early = seconds(&back, 0.05, 0.1).iter().sum::<f32>();
    let late = seconds(&back, 0.85, 0.9).iter().sum::<f32>();
    assert!(early > 4.0 * late.abs(), "reversed: {early} then {late}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn begin_and_end_choose_the_region() {
    let dir = folder("region");
    // The ramp from half way: it starts near 0.4.
    let k = unit_level(&dir);
    let x = play(&dir, "s(\"ramp\").begin(0.5)", 1.5);
    let (first, last) = extent(&x, 0.01);
    let start = x[first + 200] / k;
    assert!((start - 0.4).abs() < 0.05, "begins at {start}");
    assert!(
        ((last - first) as f64 / SR as f64 - 0.5).abs() < 0.02,
        "half the sample plays"
    );
    // Up to a quarter: it plays 0.25 s and stops below 0.2.
    let y = play(&dir, "s(\"ramp\").end(0.25)", 1.5);
    let top = y.iter().fold(0.0f32, |a, v| a.max(*v)) / k;
    assert!(top < 0.22 && top > 0.18, "ends at {top}");
    let (_, last) = extent(&y, 1e-4);
    assert!((last as f64 / SR as f64 - 0.25).abs() < 0.02, "{last}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn loop_repeats_the_region_while_the_note_lasts() {
    let dir = folder("loop");
    // A 4 s cycle; the region is the first 0.1 s of the ramp, looped for
    // the whole note: the ramp restarts every 0.1 s until 4 s.
    let x = play(&dir, "s(\"ramp\").loop(1).end(0.1)", 4.0);
    let (_, last) = extent(&x, 0.01);
    assert!(last as f64 / SR as f64 > 3.5, "loops to the end: {last}");
    // Peaks near 0.08, once per 0.1 s.
    let k = unit_level(&dir);
    let windows: Vec<f32> = x[..SR as usize * 3]
        .chunks(SR as usize / 10)
        .map(|w| w.iter().fold(0.0f32, |a, v| a.max(*v)) / k)
        .collect();
    assert!(
        windows.iter().all(|p| (*p - 0.08).abs() < 0.01),
        "{windows:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_cut_group_stops_the_ringing_sound() {
    let dir = folder("cut");
    // Two one-second tones half a second apart; in one cut group the
    // first stops when the second starts.
    let both = play(&dir, "s(\"tone tone:1 ~ ~ ~ ~ ~ ~\")", 2.0);
    let cut = play(&dir, "s(\"tone tone:1 ~ ~ ~ ~ ~ ~\").cut(1)", 2.0);
    let f = |x: &[f32]| band_energy(seconds(x, 0.6, 0.95), 430.0, 450.0);
    assert!(f(&cut) < 0.01 * f(&both), "{} vs {}", f(&cut), f(&both));
    // The second one plays in full.
    let g = |x: &[f32]| band_energy(seconds(x, 0.6, 0.95), 870.0, 890.0);
    assert!((g(&cut) / g(&both) - 1.0).abs() < 0.1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn loop_at_fits_the_sample_to_cycles() {
    let dir = folder("loopat");
    // At 0.25 cycles per second a cycle is 4 s: loopAt(1) stretches the
    // one-second tone over 4 s (a quarter of the speed: 110 Hz), where a
    // plain one stops after a second.
    let x = play(&dir, "s(\"tone\").loopAt(1)", 4.0);
    let plain = play(&dir, "s(\"tone\")", 4.0);
    assert!(rms(seconds(&x, 3.5, 3.9)) > 0.5 * rms(seconds(&x, 0.5, 0.9)));
    assert!(rms(seconds(&plain, 3.5, 3.9)) < 1e-4);
    let f = peak_frequency(seconds(&x, 0.5, 3.5), 50.0);
    assert!((f - 110.0).abs() < 1.0, "{f}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_folders_and_names_are_diagnostics() {
    let options = stdlib::eval_options(None, &[]);
    let ev = lang::program::evaluate_with("samples('/no/such/folder')\n$: s(\"bd\")", &options);
    let d = ev
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .expect("an error");
    assert!(d.message.contains("/no/such/folder"), "{}", d.message);
    let span = d.span.clone().expect("a span");
    assert!(span.start < span.end);
    // The other track still evaluates.
    assert_eq!(ev.program.tracks.len(), 1);

    let dir = folder("names");
    let src = format!("samples('{}')\n$: s(\"tone tonne\")", dir.display());
    let ev = lang::program::evaluate_with(&src, &options);
    let w = ev
        .diagnostics
        .iter()
        .find(|d| d.code == "W0010")
        .expect("a warning");
    assert!(!w.is_error());
    assert_eq!(w.help.as_deref(), Some("did you mean `tone`?"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn flac_and_ogg_files_decode_at_their_own_rate() {
    // tests/data/coded: a quarter second of 660 Hz at 44.1 kHz, as FLAC
    // (`coded:0`) and Ogg Vorbis (`coded:1`); played at 48 kHz.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for n in [0, 1] {
        let x = play(&dir, &format!("s(\"coded:{n}\")"), 1.0);
        let f = peak_frequency(seconds(&x, 0.02, 0.23), 100.0);
        assert!((f - 660.0).abs() < 3.0, "coded:{n} at {f} Hz");
        let (first, last) = extent(&x, 0.02);
        let secs = (last - first) as f64 / SR as f64;
        assert!((secs - 0.25).abs() < 0.01, "coded:{n} lasts {secs} s");
    }
}
