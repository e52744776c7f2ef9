//! The dashboard of `weft play`, in a real terminal: tmux runs `weft
//! play` on a headless JACK device; the captured screen shows the atoms
//! of the notes playing lit in turn and the meters rising; the key `1`
//! mutes the first track, which the screen and the recording both show;
//! the master's panel shows the scope of the track that asks for one, and
//! the keys `o` and `f` move it to the selected track and its spectrum.
//! Skips (saying why) where tmux or JACK is missing.

mod common;

use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// The screen with its colours (`capture-pane -e`).
fn capture(session: &str) -> String {
    tmux(&["capture-pane", "-p", "-e", "-t", session]).unwrap_or_default()
}

/// The text drawn on a yellow background (the lit atoms), in runs.
fn lit_runs(pane: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    let mut lit = false;
    let mut chars = pane.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            let mut params = String::new();
            for p in chars.by_ref() {
                if p.is_ascii_alphabetic() {
                    break;
                }
                params.push(p);
            }
            // Yellow backgrounds: 43, or 48;5;3 (the 256-colour form).
            let ps: Vec<&str> = params.split(';').collect();
            let mut i = 0;
            while i < ps.len() {
                match ps[i] {
                    "" | "0" | "49" => lit = false,
                    "43" => lit = true,
                    "48" => {
                        lit = ps.get(1 + i) == Some(&"5") && ps.get(2 + i) == Some(&"3");
                        i += 2;
                    }
                    "38" => i += 2,
                    p if p.starts_with('4') && p.len() == 2 => lit = false,
                    _ => {}
                }
                i += 1;
            }
            continue;
        }
        if lit && c != '\n' {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs
}

/// The plain text of the screen.
fn plain(session: &str) -> String {
    tmux(&["capture-pane", "-p", "-t", session]).unwrap_or_default()
}

#[test]
fn the_dashboard_lights_atoms_shows_levels_and_mutes_with_a_key() {
    if tmux(&["-V"]).is_none() {
        println!("skipped: tmux is not installed");
        return;
    }
    let Some(jack) = start_jack(&format!("weft-dash-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("dashboard");
    let file = dir.join("dash.weft");
    let record = dir.join("dash.wav");
    // One cycle a second: `lead` steps through four notes, `bass` holds C3.
    std::fs::write(
        &file,
        "setcps(1)\nlead: note(\"c5 e5 g5 b5\").s(\"sine\")\nbass: note(\"c3\").s(\"sine\")._scope()\n",
    )
    .unwrap();
    let session = format!("weft-dash-{}", std::process::id());
    let mut env = Command::new("true");
    jack.env(&mut env);
    let vars: Vec<String> = env
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_str()?, v?.to_str()?)))
        .collect();
    let command = format!(
        "env {} {} play {} --seconds 7 --record {}",
        vars.join(" "),
        env!("CARGO_BIN_EXE_weft"),
        file.display(),
        record.display()
    );
    tmux_session(&session, 140, 36, &command).expect("tmux starts");
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    // Over a second, the lit atom moves from note to note.
    let mut lit = std::collections::BTreeSet::new();
    let mut meters = false;
    while started.elapsed() < Duration::from_millis(2700) {
        let pane = capture(&session);
        lit.extend(lit_runs(&pane));
        let text = plain(&session);
        // The master's meter: the line under its title has a filled bar.
        let mut lines = text.lines();
        while let Some(l) = lines.next() {
            if l.contains(" master ") {
                meters |= lines.next().is_some_and(|m| m.contains('█'));
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let shown = plain(&session);
    let coloured = capture(&session);
    let code_line = coloured
        .lines()
        .find(|l| l.contains("note("))
        .unwrap_or_default()
        .escape_debug()
        .to_string();
    // The key `1` mutes the first track, `lead`, at about 3 s.
    tmux(&["send-keys", "-t", &session, "1"]);
    std::thread::sleep(Duration::from_millis(800));
    let muted = plain(&session);
    // `o`: the scope of the selected track (the first); `f`: its spectrum.
    tmux(&["send-keys", "-t", &session, "o"]);
    std::thread::sleep(Duration::from_millis(400));
    let picked = plain(&session);
    tmux(&["send-keys", "-t", &session, "f"]);
    std::thread::sleep(Duration::from_millis(400));
    let spectrum = plain(&session);
    std::thread::sleep(Duration::from_millis(3200));
    let _ = tmux(&["kill-session", "-t", &session]);
    assert!(shown.contains("lead"), "the tracks are listed:\n{shown}");
    assert!(shown.contains("bass"), "{shown}");
    let notes: Vec<&String> = lit
        .iter()
        .filter(|r| ["c5", "e5", "g5", "b5"].contains(&r.as_str()))
        .collect();
    assert!(
        notes.len() >= 2,
        "the lit atom moves from note to note: {lit:?}\n{code_line}\n{shown}"
    );
    assert!(lit.contains("c3"), "the held bass note is lit: {lit:?}");
    assert!(meters, "the master's meter rose:\n{shown}");
    assert!(
        shown.contains("master · scope of bass"),
        "`._scope()` puts the bass in the scope:\n{shown}"
    );
    assert!(picked.contains("scope of lead"), "{picked}");
    assert!(spectrum.contains("spectrum of lead"), "{spectrum}");
    assert!(
        muted.contains("1 lead MUTE"),
        "the key muted `lead`:\n{muted}"
    );
    // The recording: both tracks at first (the lead's high notes rule the
    // zero crossings), the bass alone after the key.
    let (left, sr) = left_channel(&record);
    let hz = |from: f64| {
        let a = ((from * sr as f64) as usize).min(left.len());
        let b = (((from + 0.4) * sr as f64) as usize).min(left.len());
        zero_crossing_hz(&left[a..b], sr)
    };
    assert!(hz(1.0) > 300.0, "before the key: {} Hz", hz(1.0));
    let after = hz(5.5);
    assert!(
        (after - 130.81).abs() < 130.81 * 0.05,
        "after the key only the bass sounds: {after} Hz"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
