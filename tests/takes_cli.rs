//! Takes and sample edits from the command line: a take saved beside the
//! program plays in renders with its edits applied exactly, and `weft
//! sample info NAME` finds it through the program, edits, onsets and tempo
//! included; a render with `--input` records the program's take lines
//! (the same every time) and converts an input at another sample rate.

mod common;

use common::*;
use std::path::Path;

fn write_wav(path: &Path, channels: u16, data: &[f32]) {
    write_wav_at(path, channels, 48000, data)
}

fn write_wav_at(path: &Path, channels: u16, sample_rate: u32, data: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate,
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

/// The frequency of a sine from its upward zero crossings, interpolated
/// between samples (Hz).
fn sine_hz(x: &[f32], rate: u32) -> f64 {
    let ups: Vec<f64> = x
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
        .map(|(i, w)| i as f64 + w[0] as f64 / (w[0] - w[1]) as f64)
        .collect();
    assert!(ups.len() > 2, "no sine");
    (ups.len() - 1) as f64 * rate as f64 / (ups[ups.len() - 1] - ups[0])
}

#[test]
fn an_input_at_44k_renders_at_48k_at_its_own_frequency() {
    let d = temp_dir("takes-cli-rate");
    // Two seconds of a 1 kHz sine recorded at 44.1 kHz: played as it is at
    // 48 kHz it would sound at 1088.4 Hz.
    let sine: Vec<f32> = (0..88200)
        .map(|i| 0.5 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 44100.0).sin() as f32)
        .collect();
    let input = d.join("sine44.wav");
    write_wav_at(&input, 1, 44100, &sine);
    let prog = d.join("p.weft");
    std::fs::write(&prog, "setcps(1)\nmic: input(1)\n").unwrap();
    let out = d.join("o.wav");
    let (code, _, err) = run_weft(&[
        "render",
        prog.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--cycles",
        "3",
        "--format",
        "f32",
        "--input",
        input.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("converted from 44100 Hz to 48000 Hz"), "{err}");
    let (left, sr) = left_channel(&out);
    assert_eq!(sr, 48000);
    let hz = sine_hz(&left[4800..91200], sr);
    println!("measured {hz:.4} Hz");
    assert!((hz - 1000.0).abs() < 0.05, "{hz} Hz");
    // It lasts its two seconds, then silence (after the master's DC
    // blocker has settled from the cut).
    assert!(rms(&left[90000..95000]) > 0.1);
    assert!(rms(&left[100000..144000]) < 1e-5);
    let _ = std::fs::remove_dir_all(&d);
}

/// Renders `prog` for two cycles with `extra` arguments; returns the exit
/// code and the messages.
fn render_two_cycles(prog: &Path, extra: &[&str]) -> (i32, String) {
    let out = prog.with_extension("wav");
    let mut args = vec![
        "render",
        prog.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--cycles",
        "2",
        "--format",
        "f32",
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = run_weft(&args);
    (code, err)
}

#[test]
fn a_render_with_an_input_records_the_take_lines_the_same_every_time() {
    let d = temp_dir("takes-cli-render");
    // Two seconds of stereo input: a ramp on the left, its negative on the right.
    let input: Vec<f32> = (0..96000)
        .flat_map(|i| {
            let x = (i % 4800) as f32 / 4800.0 - 0.5;
            [x, -x]
        })
        .collect();
    let input_file = d.join("in.wav");
    write_wav(&input_file, 2, &input);
    let prog = d.join("song.weft");
    std::fs::write(
        &prog,
        "setcps(1)\ntake('voice', 1)\ntake('beat', 1, { from: 'drums' })\ntake('more', 1, { add: true })\ntake('long', 8)\ndrums: s(\"bd*4\")\n",
    )
    .unwrap();
    let (code, err) = render_two_cycles(&prog, &["--input", input_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("take `voice`: 1 cycle(s), 1.00 s; saved to"),
        "{err}"
    );
    assert!(err.contains("take `beat`: 1 cycle(s)"), "{err}");
    assert!(
        err.contains("an overdub records only in a live session"),
        "{err}"
    );
    assert!(err.contains("take `long` was not recorded"), "{err}");
    let takes = d.join("takes");
    // The input's first cycle, exactly.
    let voice = read_wav(&takes.join("voice.wav"));
    assert_eq!(voice.len(), 2 * 48000);
    assert_eq!(voice, input[..2 * 48000]);
    let beat = read_wav(&takes.join("beat.wav"));
    assert_eq!(beat.len(), 2 * 48000);
    assert!(rms(&beat) > 0.01);
    assert!(!takes.join("more.wav").exists() && !takes.join("long.wav").exists());
    // Again: the same takes, byte for byte.
    let first: Vec<Vec<u8>> = ["voice", "beat"]
        .iter()
        .map(|n| std::fs::read(takes.join(format!("{n}.wav"))).unwrap())
        .collect();
    let (code, err) = render_two_cycles(&prog, &["--input", input_file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for (n, bytes) in ["voice", "beat"].iter().zip(&first) {
        assert_eq!(
            &std::fs::read(takes.join(format!("{n}.wav"))).unwrap(),
            bytes,
            "{n}"
        );
    }
    // Without an input: a note, nothing recorded, the render goes on.
    std::fs::remove_dir_all(&takes).unwrap();
    let (code, err) = render_two_cycles(&prog, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("take(…) lines record in a live session"),
        "{err}"
    );
    assert!(!takes.exists());
    let _ = std::fs::remove_dir_all(&d);
}

/// The lines of `text` that start a take of `name`.
fn starts_of(text: &str, name: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with(&format!("take `{name}`: recording")))
        .count()
}

#[test]
fn a_take_line_records_live_when_it_appears_or_changes_not_at_every_save() {
    if !has_alsa() {
        return;
    }
    use std::io::Write;
    use std::process::Stdio;
    use std::time::Duration;
    let d = temp_dir("takes-live-lines");
    let prog = d.join("live.weft");
    // Four cycles a second.
    let song = |drums: &str, cycles: u32| {
        format!("setcps(4)\ndrums: s(\"{drums}\")\ntake('loop', {cycles}, {{ from: 'drums' }})\n")
    };
    std::fs::write(&prog, song("bd*4", 1)).unwrap();
    // No sound card: the REPL plays on a silent clock.
    let mut child = weft()
        .args(["repl", prog.to_str().unwrap(), "--seconds", "5"])
        .env("ALSA_CONFIG_PATH", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(Duration::from_millis(800));
    // A take typed at the prompt is a take, not a pattern.
    writeln!(stdin, "take('typed', 1, {{ from: 'drums' }})").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    // Another change with the same take line: no new take.
    std::fs::write(&prog, song("bd*2", 1)).unwrap();
    std::thread::sleep(Duration::from_millis(800));
    // The line changes: a new take.
    std::fs::write(&prog, song("bd*2", 2)).unwrap();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    // The REPL prints on standard output, the session on standard error.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("~drums"),
        "the second save was not seen:\n{text}"
    );
    assert_eq!(starts_of(&text, "loop"), 2, "{text}");
    assert_eq!(starts_of(&text, "typed"), 1, "{text}");
    assert!(!text.contains("+repl"), "{text}");
    assert!(
        text.contains("take `loop`: 2 cycle(s), 0.50 s; play it with s(\"loop\"); saved to"),
        "{text}"
    );
    // The last take is saved: two cycles of 12000 frames, stereo.
    let saved = read_wav(&d.join("takes/loop.wav"));
    assert_eq!(saved.len(), 2 * 24000);
    assert!(d.join("takes/typed.wav").exists());
    // The next session keeps the saved take for the same line.
    let (code, _, err) = {
        let out = weft()
            .args(["repl", prog.to_str().unwrap(), "--seconds", "1"])
            .env("ALSA_CONFIG_PATH", "/dev/null")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            (),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout)
            ),
        )
    };
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the saved take plays"), "{err}");
    assert_eq!(starts_of(&err, "loop"), 0, "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Waits up to `seconds` for `what` to hold, polling.
fn wait_for(seconds: f64, mut what: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds);
    while std::time::Instant::now() < until {
        if what() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    what()
}

#[test]
fn the_dashboards_t_key_takes_the_selected_track_under_a_new_name() {
    if tmux(&["-V"]).is_none() {
        println!("skipped: tmux is not installed");
        return;
    }
    if !has_alsa() {
        return;
    }
    let d = temp_dir("takes-key");
    let prog = d.join("key.weft");
    // Four cycles a second; `take1` is saved already: the key skips it.
    std::fs::write(&prog, "setcps(4)\ndrums: s(\"bd*4\")\n").unwrap();
    std::fs::create_dir_all(d.join("takes")).unwrap();
    write_wav(&d.join("takes/take1.wav"), 2, &[0.0; 8]);
    let session = format!("weft-takes-key-{}", std::process::id());
    let command = format!(
        "env ALSA_CONFIG_PATH=/dev/null {} repl {} --seconds 12",
        env!("CARGO_BIN_EXE_weft"),
        prog.display()
    );
    tmux_session(&session, 200, 40, &command).expect("tmux starts");
    let screen = || tmux(&["capture-pane", "-p", "-t", &session]).unwrap_or_default();
    let up = wait_for(5.0, || screen().contains("drums"));
    // The empty prompt hands the keys to the view; `t` takes the selected
    // track (the first), 4 cycles: one second.
    tmux(&["send-keys", "-t", &session, "Tab"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let help = screen();
    tmux(&["send-keys", "-t", &session, "t"]);
    let started = wait_for(3.0, || {
        screen().contains("take `take2`: recording 4 cycle(s) of track `drums` from cycle")
    });
    let file = d.join("takes/take2.wav");
    let saved = wait_for(5.0, || file.exists());
    let ready = wait_for(2.0, || {
        screen().contains("take `take2`: 4 cycle(s), 1.00 s")
    });
    let shown = screen();
    let _ = tmux(&["kill-session", "-t", &session]);
    assert!(up, "the dashboard did not come up:\n{shown}");
    assert!(help.contains("t take"), "the help line:\n{help}");
    assert!(started, "no take started:\n{shown}");
    assert!(saved && ready, "the take was not saved:\n{shown}");
    let take = read_wav(&file);
    assert_eq!(take.len(), 2 * 48000);
    assert!(rms(&take) > 0.01, "the take of the drums is silent");
    let _ = std::fs::remove_dir_all(&d);
}
