//! Mixing and per-event controls: mute/solo, pan, filters, sends, the NaN
//! guard, the limiter ceiling, stems, determinism.

mod common;

use common::{channel, program, render_cycles, rms};
use engine::engine::Message;
use engine::render::{measure, normalize, render, Length};
use lang::graph::{Graph, Instrument};
use lang::Time;

#[test]
fn rendering_is_deterministic() {
    let src = "bpm(130)\na: note(\"c3 e3 g3 b3\").s(\"buzz\").room(0.3).delay(0.3)\n\
               b: note(\"c5*8\").s(\"tone\").pan(rand)";
    let a = render_cycles(src, 4);
    let b = render_cycles(src, 4);
    // 4 cycles of 4 beats at 130 BPM, stereo.
    assert_eq!(
        a.samples.len(),
        2 * (16.0 * 60.0 / 130.0 * 48000.0_f64).round() as usize
    );
    assert!(a.samples == b.samples);
    assert!(rms(&a.samples) > 0.01);
}

#[test]
fn a_nan_track_is_muted_and_reported_and_others_play() {
    let mut p = program("bad: note(\"c4\").s(\"nan\")\ngood: note(\"a4*2\").s(\"tone\")");
    p.instruments.push(Instrument {
        name: "nan".into(),
        params: vec![],
        graph: Graph::Const(f64::NAN),
    });
    let r = render(
        p,
        Vec::new(),
        &common::opts(Length::Cycles(Time::int(2))),
        &mut |_| {},
    );
    assert!(r.samples.iter().all(|x| x.is_finite()));
    assert!(rms(&r.samples) > 0.05, "the good track plays");
    assert!(r
        .messages
        .iter()
        .any(|m| matches!(m, Message::TrackFault { track } if track == "bad")));
}

#[test]
fn mute_and_solo() {
    let muted = render_cycles("_a: note(\"c4*4\").s(\"tone\")", 1);
    assert!(rms(&muted.samples) < 1e-6);
    let solo = render_cycles(
        "a!: note(\"c4*4\").s(\"tone\")\nb: note(\"c6*4\").s(\"buzz\")",
        1,
    );
    let only_a = render_cycles("a: note(\"c4*4\").s(\"tone\")", 1);
    assert_eq!(solo.samples, only_a.samples);
}

#[test]
fn pan_places_notes() {
    let left = render_cycles("a: note(\"c4*4\").s(\"tone\").pan(0)", 1);
    assert!(rms(&channel(&left.samples, 1)) < 1e-6);
    assert!(rms(&channel(&left.samples, 0)) > 0.05);
    let balanced = render_cycles("a: note(\"c4*4\").s(\"tone\").balance(1)", 1);
    assert!(rms(&channel(&balanced.samples, 0)) < 1e-6);
}

/// Energy of the first difference over the signal's energy: a crude
/// measure of high-frequency content.
fn brightness(x: &[f32]) -> f32 {
    let d: Vec<f32> = x.windows(2).map(|w| w[1] - w[0]).collect();
    (rms(&d) / rms(x)).powi(2)
}

#[test]
fn filter_controls_act() {
    let open = render_cycles("a: note(\"c3\").s(\"buzz\")", 1);
    let low = render_cycles("a: note(\"c3\").s(\"buzz\").cutoff(300)", 1);
    let high = render_cycles("a: note(\"c3\").s(\"buzz\").hcutoff(3000)", 1);
    let (o, l, h) = (
        brightness(&channel(&open.samples, 0)),
        brightness(&channel(&low.samples, 0)),
        brightness(&channel(&high.samples, 0)),
    );
    assert!(l < o * 0.7, "lowpass {l} vs {o}");
    assert!(h > o * 1.3, "highpass {h} vs {o}");
}

#[test]
fn room_and_delay_sends_leave_tails() {
    // One short note in the first quarter; measure the last half cycle.
    let tail = |src: &str| {
        let r = render_cycles(src, 1);
        let x = channel(&r.samples, 0);
        rms(&x[x.len() / 2..])
    };
    let dry = tail("a: note(\"c4 ~ ~ ~\").s(\"tone\")");
    let wet = tail("a: note(\"c4 ~ ~ ~\").s(\"tone\").room(0.8).size(4)");
    let echo =
        tail("a: note(\"c4 ~ ~ ~\").s(\"tone\").delay(0.8).delaytime(0.3).delayfeedback(0.7)");
    assert!(dry < 1e-4, "{dry}");
    assert!(wet > 1e-3, "{wet}");
    assert!(echo > 1e-3, "{echo}");
}

#[test]
fn instruments_without_an_envelope_still_end() {
    let r = render_cycles(
        "instrument raw(freq = 220) = sine(freq)\na: note(\"c4 ~\").s(\"raw\")",
        1,
    );
    let x = channel(&r.samples, 0);
    assert!(rms(&x[..x.len() / 2]) > 0.05);
    assert!(rms(&x[x.len() / 2 + 4800..]) < 1e-4);
}

#[test]
fn the_limiter_holds_the_true_peak_ceiling() {
    let r = render_cycles(
        "a: note(\"[c2,g2,c3,e3,g3,b3]*4\").s(\"buzz\").gain(6)\n\
         b: note(\"c1*8\").s(\"tone\").gain(8).shape(0.9)",
        2,
    );
    let l = measure(&r.samples, 48000);
    assert!(l.true_peak_db <= -0.9, "true peak {}", l.true_peak_db);
    assert!(
        l.sample_peak_db > -3.0,
        "limited, not silenced: {}",
        l.sample_peak_db
    );
}

#[test]
fn normalizing_reaches_the_loudness_target() {
    let mut r = render_cycles("a: note(\"c3 e3 g3 b3\").s(\"buzz\").gain(0.2)", 8);
    normalize(&mut r.samples, 48000, -16.0, -1.0);
    let l = measure(&r.samples, 48000);
    assert!((l.lufs + 16.0).abs() < 0.5, "{}", l.lufs);
    assert!(l.true_peak_db <= -0.9);
}

#[test]
fn stems_hold_each_track() {
    let mut opts = common::opts(Length::Cycles(Time::int(1)));
    opts.stems = true;
    let r = render(
        program("a: note(\"c4*4\").s(\"tone\").pan(0)\nb: note(\"c5*4\").s(\"tone\").pan(1)"),
        Vec::new(),
        &opts,
        &mut |_| {},
    );
    assert_eq!(r.stems.len(), 2);
    for (name, s) in &r.stems {
        assert_eq!(s.len(), r.samples.len(), "{name}");
    }
    let a = &r.stems.iter().find(|(n, _)| n == "a").unwrap().1;
    assert!(rms(&channel(a, 0)) > 0.05 && rms(&channel(a, 1)) < 1e-6);
}

#[test]
fn unknown_instruments_are_reported_once_with_a_suggestion() {
    let r = render_cycles(
        "a: note(\"c4*8\").s(\"tonne\")\nb: note(\"c4\").s(\"tone\")",
        2,
    );
    let unknown: Vec<_> = r
        .messages
        .iter()
        .filter_map(|m| match m {
            Message::UnknownInstrument { name, suggestion } => {
                Some((name.clone(), suggestion.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        unknown,
        vec![("tonne".to_string(), Some("tone".to_string()))]
    );
    assert!(rms(&r.samples) > 0.01, "the other track plays");
}

#[test]
fn velocity_and_gain_scale_notes() {
    let full = render_cycles("a: note(\"c4\").s(\"tone\")", 1);
    let half = render_cycles("a: note(\"c4\").s(\"tone\").velocity(0.5)", 1);
    let ratio = rms(&half.samples) / rms(&full.samples);
    assert!((ratio - 0.5).abs() < 0.01, "{ratio}");
}

#[test]
fn master_and_track_effect_chains_apply() {
    let dry = render_cycles("a: note(\"c3\").s(\"buzz\")", 1);
    let fx = render_cycles("a: note(\"c3\").s(\"buzz\").fx(lpf(200, 0.7))", 1);
    let master = render_cycles("a: note(\"c3\").s(\"buzz\")\nmaster: lpf(200, 0.7)", 1);
    let b = |r: &engine::render::Rendered| brightness(&channel(&r.samples, 0));
    assert!(b(&fx) < b(&dry) * 0.5);
    assert!(b(&master) < b(&dry) * 0.5);
}

#[test]
fn stolen_voices_fade_instead_of_cutting() {
    // `pad` allows two voices per track: the third note steals the first.
    let src = "bpm(120)\na: note(\"c3 e3 g3 ~\").s(\"pad\").clip(4)";
    let r = render_cycles(src, 1);
    let x = channel(&r.samples, 0);
    // The steal happens at the third onset, 1 s in.
    let steal = 48000;
    let around = common::max_step(&x, steal - 480, steal + 960);
    let before = common::max_step(&x, 24000 + 2400, steal - 480);
    assert!(
        around <= before * 1.5,
        "step {around} at the steal, {before} before"
    );
}

#[test]
fn the_master_bus_blocks_dc() {
    // `blip` is a constant 0.5 while held: a pure DC offset. The master's
    // DC blocker lets the step through and then pulls the output back to
    // zero, while a tone's level passes unchanged.
    let r = render_cycles("a: note(\"c3\").s(\"blip\").clip(1)", 2);
    let x = channel(&r.samples, 0);
    let first = x[100..2000].iter().fold(0.0f32, |a, v| a.max(v.abs()));
    let mean_late = x[60000..90000].iter().sum::<f32>() / 30000.0;
    assert!(first > 0.1, "the step passes: {first}");
    assert!(
        mean_late.abs() < 0.01 * first,
        "DC remains: {mean_late} of {first}"
    );
    let tone = render_cycles("a: note(\"a4\").s(\"tone\").clip(1)", 1);
    let t = channel(&tone.samples, 0);
    assert!(rms(&t[24000..72000]) > 0.12, "{}", rms(&t[24000..72000]));
}

/// The engine's mixing (voices into tracks with their envelopes, fades,
/// gains and sends; tracks into the master with their effects) gives the
/// same samples, to the bit, in its AVX2 build and its portable build.
#[test]
fn the_avx_mix_gives_the_same_samples_as_the_portable_build() {
    use engine::engine::EngineConfig;
    use engine::render::Offline;
    let src = "bpm(140)\n\
               a: note(\"c3 e3 [g3 b3] c4\").s(\"buzz\").gain(0.7).pan(sine.slow(3)).room(0.4)\n\
               b: note(\"<[c5 e5]*4 g4*8>\").s(\"tone\").delay(0.5).release(0.2).gain(rand)\n\
               c: note(\"c2*2 ~ c2 [~ c2]\").s(\"pad\").lpf(800).postgain(0.8).orbit(2).room(0.8)\n\
               d: note(\"a4 ~ a5 ~\").s(\"blip\").legato(0.3).pan(0.1)";
    let run = |avx: bool| {
        let config = EngineConfig {
            load_samples_now: true,
            ..EngineConfig::default()
        };
        let mut off = Offline::new(config, Vec::new(), program(src));
        off.core.set_avx(avx);
        let mut all = Vec::new();
        // Blocks of several sizes, so that notes and chunks fall everywhere.
        for frames in [512usize, 37, 1000, 64, 4096].iter().cycle().take(60) {
            let mut out = vec![0.0f32; frames * 2];
            off.block(&mut out);
            all.extend(out.iter().map(|x| x.to_bits()));
        }
        all
    };
    let (avx, portable) = (run(true), run(false));
    assert_eq!(avx.len(), portable.len());
    let differ = avx.iter().zip(&portable).filter(|(a, b)| a != b).count();
    assert_eq!(differ, 0, "{differ} samples differ");
    let heard = portable
        .iter()
        .map(|&b| f32::from_bits(b).abs())
        .fold(0.0, f32::max);
    assert!(heard > 0.05, "{heard}");
}
