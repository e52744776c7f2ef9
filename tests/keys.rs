//! The computer keyboard in `weft play`, in a real terminal: tmux runs
//! `weft play` on a headless JACK device and types keys into it; the status
//! line shows the key held, and the recording shows `whenKey` switching the
//! melody while it is held.

mod common;

use common::*;
use std::process::Command;
use std::time::Duration;

#[test]
fn when_key_follows_keys_typed_in_the_terminal() {
    if tmux(&["-V"]).is_none() {
        println!("skipped: tmux is not installed");
        return;
    }
    let Some(jack) = start_jack(&format!("weft-keys-{}", std::process::id())) else {
        return;
    };
    let dir = temp_dir("keys");
    let file = dir.join("keys.weft");
    let record = dir.join("keys.wav");
    // Two notes per second: C4, or C5 while `j` is held.
    std::fs::write(
        &file,
        "setcps(2)\n$: note(\"c4\").s(\"sine\").whenKey(\"j\", x => x.note(\"c5\"))\n",
    )
    .unwrap();
    let session = format!("weft-keys-{}", std::process::id());
    let mut env = Command::new("true");
    jack.env(&mut env);
    let vars: Vec<String> = env
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_str()?, v?.to_str()?)))
        .collect();
    let command = format!(
        "env {} {} play {} --seconds 5 --record {}",
        vars.join(" "),
        env!("CARGO_BIN_EXE_weft"),
        file.display(),
        record.display()
    );
    tmux_session(&session, 200, 10, &command).unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    // Hold `j` for 1.5 s: a terminal sends a key again and again while it
    // is held (auto-repeat).
    let mut seen_keys = false;
    for i in 0..30 {
        tmux(&["send-keys", "-t", &session, "j"]);
        std::thread::sleep(Duration::from_millis(50));
        if i % 5 == 4 {
            let pane = tmux(&["capture-pane", "-p", "-t", &session]).unwrap_or_default();
            seen_keys |= pane.contains("keys j");
        }
    }
    std::thread::sleep(Duration::from_millis(3500));
    let _ = tmux(&["kill-session", "-t", &session]);
    assert!(seen_keys, "the status line never showed the key");
    let (left, sr) = left_channel(&record);
    let window = |from: f64| {
        let a = (from * sr as f64) as usize;
        let b = ((from + 0.2) * sr as f64) as usize;
        zero_crossing_hz(&left[a.min(left.len())..b.min(left.len())], sr)
    };
    let hz: Vec<f64> = (0..19).map(|i| window(0.1 + i as f64 * 0.25)).collect();
    let near = |f: f64, want: f64| (f - want).abs() < want * 0.03;
    assert!(near(hz[0], 261.63), "before the key: {hz:?}");
    assert!(
        hz.iter().any(|f| near(*f, 523.25)),
        "while `j` is held: {hz:?}"
    );
    assert!(near(*hz.last().unwrap(), 261.63), "after the key: {hz:?}");
}
