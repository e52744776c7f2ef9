//! Hot swap: at the quantization point, only what changed changes, with
//! no discontinuity.

mod common;

use common::{channel, max_step, program, render_swaps, rms};
use engine::engine::{Message, Quantize};
use engine::render::ScheduledSwap;

const A: &str = r#"
bpm(120)
pad: note("<[c3,e3,g3] [a2,c3,e3]>").s("buzz").fx(lpf(800, 0.7))
bass: note("c2*4").s("tone")
"#;

const B: &str = r#"
bpm(120)
pad: note("<[c3,e3,g3] [a2,c3,e3]>").s("buzz").fx(lpf(3000, 0.7) >> distort(0.4))
bass: note("c2*4 eb2").s("tone")
lead: note("g4 c5").s("tone").gain(0.3)
"#;

fn swap_to(src: &str, quantize: Quantize) -> Vec<ScheduledSwap> {
    vec![ScheduledSwap {
        request_at: 24000,
        program: program(src),
        quantize,
    }]
}

#[test]
fn swap_takes_effect_at_next_cycle_and_reports_it() {
    let r = render_swaps(A, 6.0, swap_to(B, Quantize::NextCycle));
    let applied: Vec<_> = r
        .messages
        .iter()
        .filter_map(|m| match m {
            Message::SwapApplied { cycle, sample } => Some((cycle.to_f64(), *sample)),
            _ => None,
        })
        .collect();
    // The first program at cycle 0, the new one at cycle 1 (2 s at 120 BPM).
    assert_eq!(applied, vec![(0.0, 0), (1.0, 96000)]);
}

#[test]
fn other_quantizations() {
    for (q, cycle) in [
        (Quantize::Cycles(2), 2.0),
        (Quantize::NextBar, 1.0),
        (Quantize::Immediate, 0.25),
    ] {
        let r = render_swaps(A, 5.0, swap_to(B, q));
        let last = r.messages.iter().rev().find_map(|m| match m {
            Message::SwapApplied { cycle, .. } => Some(cycle.to_f64()),
            _ => None,
        });
        let c = last.expect("applied");
        // Requested at 0.5 s (cycle 1/4). Immediately: at the first moment
        // not yet scheduled (within 1/16 cycle).
        assert!(c >= cycle && c <= cycle + 1.0 / 16.0, "{q:?}: {c}");
    }
}

#[test]
fn no_discontinuity_around_the_swap() {
    let r = render_swaps(A, 6.0, swap_to(B, Quantize::NextCycle));
    let swap = 96000;
    for ch in 0..2 {
        let x = channel(&r.samples, ch);
        let around = max_step(&x, swap - 2400, swap + 4800);
        let elsewhere =
            max_step(&x, 2400, swap - 2400).max(max_step(&x, swap + 4800, x.len() - 2400));
        assert!(
            around <= elsewhere,
            "channel {ch}: step {around} around the swap, {elsewhere} elsewhere"
        );
    }
}

#[test]
fn swapping_in_the_same_program_changes_nothing() {
    let plain = render_swaps(A, 5.0, Vec::new());
    let swapped = render_swaps(A, 5.0, swap_to(A, Quantize::NextCycle));
    assert_eq!(plain.samples, swapped.samples);
}

#[test]
fn unchanged_tracks_are_untouched_by_a_swap() {
    // Only `lead` is added: the other tracks continue sample for sample
    // (measured on stems, before the shared limiter).
    let with_lead = format!("{A}\nlead: note(\"g4 c5\").s(\"tone\").gain(0.3)");
    let mut opts = common::opts(engine::render::Length::Seconds(5.0));
    opts.stems = true;
    let plain = engine::render::render(program(A), Vec::new(), &opts, &mut |_| {});
    let swapped = engine::render::render_with_swaps(
        program(A),
        Vec::new(),
        &opts,
        swap_to(&with_lead, Quantize::NextCycle),
        &mut |_| {},
    );
    for (name, s) in &plain.stems {
        let other = &swapped.stems.iter().find(|(n, _)| n == name).expect(name).1;
        // Equal up to the order in which voices are summed.
        let diff = s
            .iter()
            .zip(other)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(diff < 1e-5, "track {name} changed by {diff}");
    }
    assert!(swapped.stems.iter().any(|(n, _)| n == "lead"));
}

#[test]
fn sounding_notes_ring_out_across_a_swap() {
    // A long release that is still sounding at the swap (cycle 1, 2 s):
    // the note of the old program keeps ringing into the new one, which
    // has silenced the track, instead of being cut.
    let old = "bpm(120)\nbell: note(\"c4 ~ ~ ~\").s(\"tone\").release(1.2).clip(3)";
    let new = "bpm(120)\nbell: note(\"~\").s(\"tone\")";
    let r = render_swaps(old, 4.0, swap_to(new, Quantize::NextCycle));
    let x = channel(&r.samples, 0);
    let at = |from: f64, to: f64| rms(&x[(from * 48000.0) as usize..(to * 48000.0) as usize]);
    // The note (1.5 s long) is in its release at the swap and fades out
    // over the next second; nothing jumps at the swap itself.
    assert!(at(2.0, 2.2) > 0.05, "cut at the swap: {}", at(2.0, 2.2));
    assert!(at(2.0, 2.2) < at(1.7, 1.9), "fading");
    assert!(at(3.5, 4.0) < 1e-3, "and then silent: {}", at(3.5, 4.0));
    let around = max_step(&x, 96000 - 480, 96000 + 480);
    let before = max_step(&x, 96000 - 4800, 96000 - 3840);
    assert!(around <= before * 1.25 + 1e-4, "step {around} vs {before}");
}

/// Plays `old` live-style (256-frame callbacks, the engine scheduling 50 ms
/// ahead after each, as `weft play` does) and swaps to `new` at `request`
/// (a sample) immediately: taking back queued notes (`swap_now`) or the
/// plain way. Returns the output (limiter latency removed) and the sample
/// at which the swap took effect.
fn live_immediate_swap(old: &str, new: &str, request: i64, take_back: bool) -> (Vec<f32>, i64) {
    use engine::engine::{Engine, EngineConfig};
    const BUFFER: usize = 256;
    let config = EngineConfig {
        lookahead: 0.05,
        schedule_steps: 64,
        swap_margin: BUFFER as f64 / 48000.0 + 0.003,
        ..EngineConfig::default()
    };
    let (mut engine, mut core) = Engine::new(config, Vec::new());
    engine.load(program(old));
    let latency = core.latency();
    let mut out = Vec::new();
    let mut block = vec![0.0f32; BUFFER * 2];
    let mut applied = None;
    let mut requested = false;
    while out.len() < 48000 * 2 * 2 {
        if !requested && core.position() >= request {
            requested = true;
            if take_back {
                engine.swap_now(program(new), Vec::new());
            } else {
                engine.swap(program(new), Quantize::Immediate);
            }
        }
        engine.pump();
        engine::callback::process(&mut core, &mut block, 2);
        out.extend_from_slice(&block);
        for m in engine.take_messages() {
            if let Message::SwapApplied { sample, .. } = m {
                if sample > 0 {
                    applied = Some(sample);
                }
            }
        }
    }
    (
        out[latency * 2..].to_vec(),
        applied.expect("the swap took effect"),
    )
}

#[test]
fn an_immediate_live_swap_takes_back_queued_notes_and_lands_within_a_buffer() {
    // 32 short notes a cycle at 120 BPM: an onset every 3000 samples, each
    // sounding 1500 (plus a 10 ms release). The swap to silence is asked
    // for at 25,000 samples; the note at 27,000 was already queued by then
    // (50 ms look-ahead) and must not sound.
    let old = "bpm(120)\nt: note(\"c4*32\").s(\"tone\").clip(0.5)";
    let new = "bpm(120)\nt: note(\"~\").s(\"tone\")";
    let (x, at) = live_immediate_swap(old, new, 25_000, true);
    let margin = 256 + 144;
    // At the first callback at or after the request, plus the margin and
    // the 1/1024-cycle grid (94 samples), plus one buffer for the request
    // to be seen.
    assert!(
        at >= 25_000 + margin && at <= 25_000 + 256 + margin + 94,
        "swap at sample {at}"
    );
    let left = channel(&x, 0);
    // A note would be about 0.19 RMS; what remains is the master DC
    // blocker's tail after the previous note (−60 dB and falling, its size
    // depending on the phase the sine started at).
    let quiet = rms(&left[26_500..29_500]);
    assert!(quiet < 1e-3, "a taken-back note sounds: rms {quiet}");
    // Played the plain way, the note queued before the request still sounds
    // and the swap waits behind the look-ahead.
    let (y, later) = live_immediate_swap(old, new, 25_000, false);
    let heard = rms(&channel(&y, 0)[26_500..29_500]);
    assert!(heard > 0.01, "the control run has the note: rms {heard}");
    assert!(
        later > at + 1000,
        "plain swap at {later}, taking back at {at}"
    );
}

#[test]
fn notes_taken_back_are_scheduled_again_from_the_new_program() {
    // Swapping to a program that differs only in gain: every onset after
    // the swap still sounds exactly once, at the new level.
    let old = "bpm(120)\nt: note(\"c4*32\").s(\"tone\").clip(0.5).gain(0.5)";
    let new = "bpm(120)\nt: note(\"c4*32\").s(\"tone\").clip(0.5).gain(0.25)";
    let (x, at) = live_immediate_swap(old, new, 25_000, true);
    let left = channel(&x, 0);
    let note_rms = |onset: usize| rms(&left[onset + 200..onset + 1200]);
    let before = note_rms(24_000);
    for onset in [27_000usize, 30_000, 33_000] {
        assert!(onset as i64 > at);
        let r = note_rms(onset);
        // Half the gain: about half the level (never doubled by a note of
        // the old program sounding too).
        assert!(
            (r / before - 0.5).abs() < 0.05,
            "note at {onset}: {r} vs {before}"
        );
    }
}
