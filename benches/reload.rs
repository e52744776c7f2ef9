//! Reload latency of `weft play` (a benchmark, not a test), over 100
//! saves, through the real audio path on a JACK server with the dummy
//! driver, with `--quantize now`:
//!
//! - **ready**: from writing the file to the new program being evaluated
//!   and handed to the engine with its swap point fixed (the "…" line):
//!   the file watcher and its debounce, evaluation, the diff. This is what
//!   decides whether a save makes it into the next quantization point.
//! - **heard**: from writing the file to the audio thread playing the new
//!   program (the "✓" line): ready, plus the swap margin of `--quantize
//!   now` (one buffer and 3 ms; notes queued after it are taken back),
//!   plus the wait for the next callback and the report back.
//!
//! Run: `cargo bench --bench reload` (needs jackd2 and libasound2-plugins,
//! as `.ci/run` installs). Results are in docs/performance.md.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SAVES: usize = 100;

fn program(i: usize) -> String {
    // Every save changes the pattern, so every save is a real swap.
    format!(
        "bpm(120)\ndrums: s(\"bd*2, [~ sd]*2, hh*8\").gain({})\nbass: note(\"<c2 eb2 g1 bb1>\").s(\"sawtooth\").lpf({})\n",
        0.5 + (i % 2) as f64 * 0.1,
        400 + i
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let Some(jack) = common::start_jack(&format!("weft-bench-{}", std::process::id())) else {
        return;
    };
    let dir = common::temp_dir("bench-reload");
    let file = dir.join("live.weft");
    std::fs::write(&file, program(0)).unwrap();
    let mut cmd = common::weft();
    cmd.args(["play", file.to_str().unwrap(), "--quantize", "now"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    jack.env(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send((Instant::now(), line));
        }
    });
    // Wait for the first program to play.
    let started = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("weft play did not start");
    assert!(started.1.starts_with("playing"), "{}", started.1);
    std::thread::sleep(Duration::from_millis(500));
    let (mut ready, mut heard) = (Vec::new(), Vec::new());
    for i in 1..=SAVES {
        while rx.try_recv().is_ok() {}
        let t0 = Instant::now();
        std::fs::write(&file, program(i)).unwrap();
        let mut got_ready = None;
        loop {
            let (t, line) = rx
                .recv_timeout(Duration::from_secs(5))
                .unwrap_or_else(|_| panic!("save {i}: no reload reported"));
            let ms = (t - t0).as_secs_f64() * 1000.0;
            if line.starts_with('…') {
                // The last "…" before the swap counts (an editor's
                // intermediate states are replaced before they play).
                got_ready = Some(ms);
            } else if line.starts_with('✓') {
                ready.push(got_ready.unwrap_or(ms));
                heard.push(ms);
                break;
            } else if line.starts_with('✗') || line.contains("error") {
                panic!("save {i}: {line}");
            }
        }
        // Saves a human might make: a few per second.
        std::thread::sleep(Duration::from_millis(150));
    }
    let _ = child.kill();
    let _ = child.wait();
    for (what, times) in [("ready", &mut ready), ("heard", &mut heard)] {
        times.sort_by(f64::total_cmp);
        println!(
            "{what}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {SAVES} saves",
            percentile(times, 0.5),
            percentile(times, 0.99),
            times[times.len() - 1]
        );
    }
}
