//! Sample-accurate timing: every onset lands on the sample computed from
//! its exact cycle position and the tempo map.

mod common;

use common::{channel, program, render_cycles};
use engine::engine::{Engine, EngineConfig};
use lang::program::TempoChange;
use lang::Time;

const SR: i64 = 48000;

/// `round(n/d)`, half up, in exact integers.
fn round_div(n: i128, d: i128) -> i64 {
    ((2 * n + d).div_euclid(2 * d)) as i64
}

/// Schedules `seconds` of a program and returns every voice's start sample.
fn scheduled_starts(src: &str, seconds: i64, changes: Vec<TempoChange>) -> Vec<i64> {
    let mut p = program(src);
    p.tempo_changes = changes;
    let (mut engine, mut core) = Engine::new(EngineConfig::default(), Vec::new());
    engine.load(p);
    let mut starts = Vec::new();
    let mut horizon = 0;
    while horizon < seconds * SR {
        horizon += 10 * SR;
        engine.schedule(horizon);
        starts.extend(core.drain_queued_starts());
    }
    starts.retain(|s| *s < seconds * SR);
    starts
}

#[test]
fn one_hour_at_137_bpm_every_onset_on_its_sample() {
    // 16 notes per cycle, 4 beats per cycle: a cycle lasts 240/137 s.
    let starts = scheduled_starts("bpm(137)\nt: note(\"c4*16\").s(\"tone\")", 3600, vec![]);
    let expected: Vec<i64> = (0..)
        .map(|k: i128| round_div(k * 240 * SR as i128, 16 * 137))
        .take_while(|s| *s < 3600 * SR)
        .collect();
    assert_eq!(starts.len(), expected.len());
    // 137 beats a minute, 4 notes a beat, 60 minutes.
    assert_eq!(starts.len(), 137 * 4 * 60);
    for (i, (a, b)) in starts.iter().zip(&expected).enumerate() {
        assert_eq!(a, b, "onset {i}");
    }
}

#[test]
fn tempo_changes_keep_onsets_exact() {
    // 137 BPM, then 90 BPM from cycle 100, then 174 BPM from cycle 1001/2.
    let changes = vec![
        TempoChange {
            at: Time::int(100),
            cps: 90.0 / 240.0,
        },
        TempoChange {
            at: Time::new(1001, 2),
            cps: 174.0 / 240.0,
        },
    ];
    let starts = scheduled_starts("bpm(137)\nt: note(\"c4*8\").s(\"tone\")", 1200, changes);
    // Exact seconds per onset k (cycle k/8), as a fraction, by segment.
    let seconds = |k: i128| -> (i128, i128) {
        let (c_num, c_den) = (k, 8i128); // cycle = k/8
        if c_num < 100 * c_den {
            (c_num * 240, c_den * 137)
        } else if 2 * c_num < 1001 * c_den {
            // 100·240/137 + (c − 100)·240/90
            let n = 100 * 240 * 90 * c_den + (c_num - 100 * c_den) * 240 * 137;
            (n, 137 * 90 * c_den)
        } else {
            // 100·240/137 + 200.5·240/90 + (c − 500.5)·240/174
            let d = 137 * 90 * 174 * 2 * c_den;
            let n = 100 * 240 * 90 * 174 * 2 * c_den
                + 401 * 240 * 137 * 174 * c_den
                + (2 * c_num - 1001 * c_den) * 240 * 137 * 90;
            (n, d)
        }
    };
    let expected: Vec<i64> = (0..)
        .map(|k| {
            let (n, d) = seconds(k);
            round_div(n * SR as i128, d)
        })
        .take_while(|s| *s < 1200 * SR)
        .collect();
    assert_eq!(starts, expected);
}

#[test]
fn rendered_onsets_land_on_their_samples() {
    let r = render_cycles("bpm(137)\nt: note(\"c4*4\").s(\"blip\").clip(0.5)", 8);
    let left = channel(&r.samples, 0);
    let found: Vec<i64> = (1..left.len())
        .filter(|&i| left[i] - left[i - 1] > 0.1)
        .map(|i| i as i64)
        .collect();
    let expected: Vec<i64> = (0..32)
        .map(|k: i128| round_div(k * 240 * SR as i128, 4 * 137))
        .collect();
    // The very first onset is at sample 0 (no step from a previous sample).
    assert!(left[0] > 0.1);
    assert_eq!(found, expected[1..].to_vec());
}
