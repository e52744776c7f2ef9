//! Live performance end to end, through the real audio path on a JACK
//! server with the dummy driver (paced in real time): `weft play` follows
//! the file while it plays, however editors save it, and the recording
//! shows the new pattern starting exactly at a cycle boundary without a gap
//! or click; saving an imported file reloads too; `--quantize` moves the
//! swap; a broken save or a deleted file keeps the old music; REPL input
//! through stdin changes it.
//! Tests skip with a printed reason where JACK is not installed.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// 240 BPM with four beats to the cycle: one cycle per second.
const OLD: &str = "bpm(240)\na: note(\"c3\").s(\"sine\")\n";
const NEW: &str = "bpm(240)\na: note(\"c5\").s(\"sine\")\n";
const C3: f64 = 130.81;
const C5: f64 = 523.25;

#[derive(Clone, Copy, Debug)]
enum Save {
    InPlace,
    TempAndRename,
    DeleteAndRecreate,
    Burst,
}

fn save(path: &Path, text: &str, style: Save) {
    match style {
        Save::InPlace => std::fs::write(path, text).unwrap(),
        Save::TempAndRename => {
            let tmp = path.with_extension("weft.tmp~");
            std::fs::write(&tmp, text).unwrap();
            std::fs::rename(&tmp, path).unwrap();
        }
        Save::DeleteAndRecreate => {
            std::fs::remove_file(path).unwrap();
            std::thread::sleep(Duration::from_millis(3));
            std::fs::write(path, text).unwrap();
        }
        Save::Burst => {
            // An editor writing in pieces: only the last state counts.
            for n in [text.len() / 3, 2 * text.len() / 3] {
                let mut f = std::fs::File::create(path).unwrap();
                f.write_all(&text.as_bytes()[..n]).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
            std::fs::write(path, text).unwrap();
        }
    }
}

/// The cycle a reload took effect at, from the "✓ cycle N" line.
fn swap_cycle(stderr: &str) -> Option<i64> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("✓ cycle ")?.split(':').next()?.parse().ok())
}

/// Plays `first` with `weft play`, applies `change` after 1.4 s, records
/// `seconds`.
fn perform(
    jack: &Jack,
    dir: &Path,
    first: &str,
    seconds: f64,
    change: impl FnOnce(&Path),
) -> (String, Vec<f32>, u32) {
    perform_with(jack, dir, first, seconds, &[], change)
}

/// [`perform`] with more arguments to `weft play`.
fn perform_with(
    jack: &Jack,
    dir: &Path,
    first: &str,
    seconds: f64,
    args: &[&str],
    change: impl FnOnce(&Path),
) -> (String, Vec<f32>, u32) {
    let file = dir.join("live.weft");
    std::fs::write(&file, first).unwrap();
    let record = dir.join("record.wav");
    let mut cmd = weft();
    cmd.args([
        "play",
        file.to_str().unwrap(),
        "--seconds",
        &seconds.to_string(),
    ])
    .args(args)
    .arg("--record")
    .arg(&record)
    .stdin(Stdio::null())
    .stderr(Stdio::piped())
    .stdout(Stdio::piped());
    jack.env(&mut cmd);
    let child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1400));
    change(&file);
    let out = child.wait_with_output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stderr).to_string();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(0), "{text}");
    let (left, sr) = left_channel(&record);
    (text, left, sr)
}

fn window(x: &[f32], sr: u32, from: f64, to: f64) -> &[f32] {
    let a = ((from * sr as f64) as usize).min(x.len());
    let b = ((to * sr as f64) as usize).min(x.len());
    &x[a..b]
}

fn assert_near(hz: f64, want: f64, what: &str) {
    assert!(
        (hz - want).abs() < want * 0.05,
        "{what}: {hz:.1} Hz, expected {want:.1}"
    );
}

/// Checks the recording: old pitch before cycle `n`, new pitch after it,
/// and no gap or click at the boundary compared with an ordinary one.
fn check_swap(left: &[f32], sr: u32, n: i64) {
    let t = n as f64;
    assert_near(
        zero_crossing_hz(window(left, sr, t - 0.6, t - 0.1), sr),
        C3,
        "before the swap",
    );
    assert_near(
        zero_crossing_hz(window(left, sr, t + 0.1, t + 0.6), sr),
        C5,
        "after the swap",
    );
    // The new pitch starts right at the boundary (its first 50 ms).
    assert_near(
        zero_crossing_hz(window(left, sr, t + 0.005, t + 0.055), sr),
        C5,
        "at the swap",
    );
    // No gap: the quietest 5 ms around the swap is no quieter than around
    // an ordinary note boundary of the old pattern (one cycle earlier).
    let quietest = |c: f64| {
        (0..20)
            .map(|i| {
                rms(window(
                    left,
                    sr,
                    c - 0.05 + i as f64 * 0.005,
                    c - 0.045 + i as f64 * 0.005,
                ))
            })
            .fold(f32::MAX, f32::min)
    };
    assert!(
        quietest(t) >= 0.5 * quietest(t - 1.0),
        "gap at the swap: {} vs {}",
        quietest(t),
        quietest(t - 1.0)
    );
    // No click: the largest step around the swap is no larger than around
    // the ordinary note boundaries on either side of it.
    let step = |c: f64| max_step(window(left, sr, c - 0.01, c + 0.01));
    let (at, before, after) = (step(t), step(t - 1.0), step(t + 1.0));
    assert!(
        at <= before.max(after) * 1.25 + 1e-3,
        "click at the swap: step {at} vs {before} and {after} at ordinary boundaries"
    );
}

#[test]
fn every_save_style_reloads_at_the_next_cycle_without_a_click() {
    let Some(jack) = start_jack(&format!("weft-live-{}", std::process::id())) else {
        return;
    };
    for style in [
        Save::InPlace,
        Save::TempAndRename,
        Save::DeleteAndRecreate,
        Save::Burst,
    ] {
        let dir = temp_dir(&format!("live-{style:?}"));
        let (err, left, sr) = perform(&jack, &dir, OLD, 4.5, |f| save(f, NEW, style));
        let n = swap_cycle(&err).unwrap_or_else(|| panic!("{style:?}: no reload reported:\n{err}"));
        assert!(
            (1..=3).contains(&n),
            "{style:?}: swapped at cycle {n}:\n{err}"
        );
        check_swap(&left, sr, n);
    }
}

#[test]
fn a_broken_save_keeps_the_music_playing() {
    let Some(jack) = start_jack(&format!("weft-broken-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("live-broken");
    let (err, left, sr) = perform(&jack, &dir, OLD, 3.5, |f| {
        save(f, "bpm(240)\na: note(\"c5\".s(\"sine\")\n", Save::InPlace)
    });
    assert!(err.contains("is not closed"), "{err}");
    assert!(swap_cycle(&err).is_none(), "{err}");
    // The old pattern goes on, unchanged, after the save.
    assert_near(
        zero_crossing_hz(window(&left, sr, 2.1, 2.6), sr),
        C3,
        "after the broken save",
    );
    assert_near(
        zero_crossing_hz(window(&left, sr, 3.0, 3.4), sr),
        C3,
        "later",
    );
}

#[test]
fn saving_an_imported_file_reloads() {
    let Some(jack) = start_jack(&format!("weft-import-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("live-import");
    std::fs::write(dir.join("notes.weft"), "let tune = \"c3\"\n").unwrap();
    let main = "import \"notes.weft\"\nbpm(240)\na: note(tune).s(\"sine\")\n";
    let (err, left, sr) = perform(&jack, &dir, main, 4.5, |f| {
        let notes = f.with_file_name("notes.weft");
        save(&notes, "let tune = \"c5\"\n", Save::TempAndRename)
    });
    let n = swap_cycle(&err).unwrap_or_else(|| panic!("no reload reported:\n{err}"));
    assert!((1..=3).contains(&n), "swapped at cycle {n}:\n{err}");
    check_swap(&left, sr, n);
}

#[test]
fn quantize_chooses_the_swap_cycle() {
    let Some(jack) = start_jack(&format!("weft-quant-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("live-quantize");
    let (err, left, sr) = perform_with(&jack, &dir, OLD, 5.5, &["--quantize", "4"], |f| {
        save(f, NEW, Save::InPlace)
    });
    let n = swap_cycle(&err).unwrap_or_else(|| panic!("no reload reported:\n{err}"));
    assert_eq!(n, 4, "{err}");
    // The old pitch plays on through cycles 2 and 3.
    assert_near(
        zero_crossing_hz(window(&left, sr, 2.5, 3.5), sr),
        C3,
        "waiting for cycle 4",
    );
    check_swap(&left, sr, n);
}

#[test]
fn a_deleted_file_keeps_the_music_playing() {
    let Some(jack) = start_jack(&format!("weft-gone-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("live-gone");
    let (err, left, sr) = perform(&jack, &dir, OLD, 3.5, |f| std::fs::remove_file(f).unwrap());
    assert!(err.contains("disappeared; still playing"), "{err}");
    assert_near(
        zero_crossing_hz(window(&left, sr, 2.5, 3.4), sr),
        C3,
        "after the file went away",
    );
}

/// Plays `OLD` with `weft repl` for 4.5 s, typing `script`'s lines into
/// its standard input (starting 1.4 s in); returns the output and the
/// recording.
fn repl_session(
    jack: &Jack,
    dir: &Path,
    script: impl FnOnce(&mut std::process::ChildStdin),
) -> (String, Vec<f32>, u32) {
    let record = dir.join("record.wav");
    let file = dir.join("start.weft");
    std::fs::write(&file, OLD).unwrap();
    let mut cmd = weft();
    cmd.args([
        "repl",
        file.to_str().unwrap(),
        "--seconds",
        "4.5",
        "--record",
    ])
    .arg(&record)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    jack.env(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(Duration::from_millis(1400));
    script(&mut stdin);
    stdin.flush().unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    let (left, sr) = left_channel(&record);
    (text, left, sr)
}

#[test]
fn the_repl_changes_the_music_through_stdin() {
    let Some(jack) = start_jack(&format!("weft-repl-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("live-repl");
    let (text, left, sr) = repl_session(&jack, &dir, |stdin| {
        writeln!(stdin, "a: note(\"c5\").s(\"sine\")").unwrap();
        writeln!(stdin, ":tracks").unwrap();
    });
    assert!(
        text.contains("\na\n") || text.lines().any(|l| l.trim() == "a"),
        "{text}"
    );
    let n = text
        .lines()
        .filter_map(|l| {
            l.strip_prefix("✓ cycle ")?
                .split(':')
                .next()?
                .parse::<i64>()
                .ok()
        })
        .next_back()
        .unwrap_or_else(|| panic!("no change reported:\n{text}"));
    check_swap(&left, sr, n);
}

#[test]
fn repl_commands_mute_unmute_save_and_doc() {
    let Some(jack) = start_jack(&format!("weft-cmds-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("live-commands");
    let saved = dir.join("saved.weft");
    let (text, left, sr) = repl_session(&jack, &dir, |stdin| {
        writeln!(stdin, ":mute a").unwrap();
        writeln!(stdin, ":save {}", saved.display()).unwrap();
        writeln!(stdin, ":doc fast").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(1200));
        writeln!(stdin, ":unmute a").unwrap();
    });
    // :doc prints the library's entry.
    assert!(text.contains("fast"), "{text}");
    // :save writes the program as weft source.
    let src = std::fs::read_to_string(&saved).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    assert!(src.contains("note(\"c3\")"), "{src}");
    // Mute and unmute take effect at once (within a scheduling step), at
    // the cycles reported (one cycle is one second here); after :unmute the
    // track is back at its next note, the next whole cycle.
    let swaps: Vec<f64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("✓ cycle ")?.split(':').next())
        .map(|c| match c.split_once('/') {
            Some((n, d)) => n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap(),
            None => c.parse().unwrap(),
        })
        .collect();
    assert_eq!(swaps.len(), 2, "{text}");
    let (mute, unmute) = (swaps[0], swaps[1]);
    assert!(mute > 0.2 && unmute > mute + 0.5, "{swaps:?}");
    assert_near(
        zero_crossing_hz(window(&left, sr, mute - 0.2, mute - 0.02), sr),
        C3,
        "before :mute",
    );
    let quiet = rms(window(&left, sr, mute + 0.05, unmute));
    assert!(quiet < 0.01, "muted: {quiet}");
    let back = unmute.ceil();
    assert_near(
        zero_crossing_hz(window(&left, sr, back + 0.05, back + 0.5), sr),
        C3,
        "after :unmute",
    );
}

#[test]
fn a_strudel_program_pasted_into_the_repl_plays() {
    let Some(jack) = start_jack(&format!("weft-paste-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("live-paste");
    // `hush()` drops what played; the pasted program declares a function
    // over two lines (a method chain continued on the next line) and names
    // its pattern with `$:`, as Strudel code does.
    let (text, left, sr) = repl_session(&jack, &dir, |stdin| {
        writeln!(stdin, "hush()").unwrap();
        writeln!(stdin, "const tone = x => x.s('sine')").unwrap();
        writeln!(stdin, "  .gain(0.5);").unwrap();
        writeln!(stdin, "$: note(\"e5\").apply(tone)").unwrap();
    });
    assert!(!text.contains("Error"), "{text}");
    let last = text
        .lines()
        .filter_map(|l| {
            l.strip_prefix("✓ cycle ")?
                .split(':')
                .next()?
                .parse::<f64>()
                .ok()
        })
        .next_back()
        .unwrap_or_else(|| panic!("no change reported:\n{text}"));
    assert_near(
        zero_crossing_hz(window(&left, sr, last + 0.1, last + 0.6), sr),
        659.26,
        "the pasted program",
    );
}

/// Sample positions where sound starts after at least 50 ms of quiet.
fn onsets(x: &[f32], sr: u32) -> Vec<usize> {
    let quiet = (sr / 20) as usize;
    let mut out = Vec::new();
    let mut last_loud: Option<usize> = None;
    for (i, v) in x.iter().enumerate() {
        if v.abs() > 0.01 {
            if last_loud.is_none_or(|l| i - l > quiet) {
                out.push(i);
            }
            last_loud = Some(i);
        }
    }
    out
}

#[test]
fn a_track_too_dense_to_play_goes_silent_and_the_others_keep_time() {
    let Some(jack) = start_jack(&format!("weft-dense-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("live-dense");
    // Short notes every half second (one cycle is one second).
    let steady = "bpm(240)\na: note(\"c4 ~ c4 ~\").s(\"sine\").release(0.01)\n";
    let (err, left, sr) = perform(&jack, &dir, steady, 4.5, |f| {
        save(
            f,
            &format!("{steady}bad: note(\"[a _ _ b]*99999999\").s(\"sine\")\n"),
            Save::InPlace,
        )
    });
    // One message, naming the track and what makes it dense.
    assert_eq!(err.matches("too dense").count(), 1, "{err}");
    assert!(err.contains("track `bad` is too dense"), "{err}");
    assert!(err.contains("`*99999999` at 3:"), "{err}");
    assert!(!err.contains("late"), "{err}");
    // The steady track's notes start exactly every half second, before
    // and after the save (the same waveform each time, so the same offset
    // from the note's start).
    let found = onsets(&left, sr);
    assert!(found.len() >= 8, "{found:?}");
    let half = sr as usize / 2;
    for (k, at) in found.iter().enumerate() {
        let want = found[0] + k * half;
        assert!(
            at.abs_diff(want) <= 2,
            "onset {k} at {at}, expected {want}: {found:?}"
        );
    }
}

#[test]
fn the_repl_starts_without_an_audio_device() {
    if !has_alsa() {
        return;
    }
    let dir = temp_dir("repl-no-device");
    let record = dir.join("record.wav");
    let mut cmd = weft();
    cmd.args(["repl", "--seconds", "2.5", "--record"])
        .arg(&record)
        .env("ALSA_CONFIG_PATH", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "bpm(240)").unwrap();
    writeln!(stdin, "a: note(\"c4\").s(\"sine\")").unwrap();
    writeln!(stdin, ":tracks").unwrap();
    writeln!(stdin, ":doc fast").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    let first = text.lines().next().unwrap_or("");
    assert!(first.starts_with("audio is off"), "{text}");
    assert!(text.contains("--device"), "{text}");
    // ALSA's own messages are not shown.
    assert!(!text.contains("ALSA lib"), "{text}");
    assert!(text.lines().any(|l| l.trim() == "a"), "{text}");
    assert!(text.contains("fast"), "{text}");
    // The recording has the note.
    let (left, sr) = left_channel(&record);
    assert!(rms(window(&left, sr, 1.6, 2.4)) > 0.01, "{text}");
}
