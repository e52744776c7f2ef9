//! The audio callback never allocates: it runs here under an allocation
//! guard through playback, many hot swaps, voice stealing, tempo changes,
//! effect chains, orbit effects, modulated and additive voices with
//! per-event effect chains, a NaN-producing track, and the scope tap of a
//! track (selected, moved to another track, and lost to a swap).

mod common;

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use common::program;
use engine::callback;
use engine::engine::{Engine, EngineConfig, Message, Quantize};
use lang::program::TempoChange;
use lang::Time;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const BUSY: &str = r#"
bpm(128)
bass: note("c2 [eb2 g2] bb1 [c2 c3]").s("buzz").cutoff(900).room(0.4).size(3).orbit(2)
lead: note("c4 e4 g4 b4 d5 g4 e4 c4").s("tone").fast(2).delay(0.4).delaytime(0.1875).delayfeedback(0.6).pan(sine.range(0, 1))
chords: note("[c3,e3,g3,b3,d4,f4] [a2,c3,e3,g3,b3,d4]").s("pad").clip(2)
crunch: note("c3*8").s("buzz").crush(6).coarse(3).shape(0.5).distort(1).hcutoff(200).bandf(1000)
fxd: note("g3 ~ d4 ~").s("tone").fx(delay(0.2, 0.5, 0.4) >> chorus(0.8, 0.5, 0.5) >> reverb(0.6, 0.5, 0.3))
instrument user(freq = 110) = triangle(freq) * 0.4 >> adsr(0.005, 0.1, 0.6, 0.05)
modded: note("c3 e3").s("buzz").lpf(600).lfo({ r: 3 }).env({ c: 'gain', a: 0.1 }).pan(0.3).lfo({ c: 'pan', r: 2 }).lfo({ c: 'note', sync: 4 }).FX(coarse(4), lpf(800).lfo({ r: 5 }).room(0.3).delay(0.4)).diode(2).fxr(0.5)
adds: note("c3 g3").s("user").partials([1, 0.5, 0, 0.25]).phases([0, 0.5]).fold(2)
instrument ks(freq = 110) = pluck(freq, 2, 0.5) * 0.5
instrument fm2(freq = 110) = sine(freq + sine(freq * 2) * freq) * 0.3 >> adsr(0.01, 0.1, 0.5, 0.1)
instrument wide(freq = 110) = (pan(saw(freq), 0.2) + pan(pulse(freq * 1.01, 0.3), 0.8)) * 0.2 >> bpf(800, 2)
strings: note("c4 e4 g4 c5").s("ks").fast(4)
bells: note("<[c5,e5] [g5,b5]>*4").s("fm2")
spread: note("c3 g3").s("wide").fast(2)
master: compressor(-18, 3, 0.01, 0.2) >> eq(1, 0, -1)
"#;

const OTHER: &str = r#"
bpm(140)
bass: note("c2*8").s("buzz").cutoff(1500).room(0.2).orbit(2)
chords: note("[d3,f3,a3,c4,e4]").s("pad").clip(4)
fxd: note("g3 d4").s("tone").fx(flanger(0.3, 0.5, 0.5) >> phaser(0.5, 0.7) >> tremolo(4, 0.5))
new: note("c5*4").s("tone").crush(4)
broken: note("c4").s("nan")
master: limiter(-3)
"#;

fn run(engine: &mut Engine, core: &mut engine::audio::AudioCore, blocks: usize, frames: usize) {
    let mut buf = vec![0.0f32; frames * 2];
    for _ in 0..blocks {
        engine.schedule(core.position() + frames as i64);
        assert_no_alloc(|| callback::process(core, &mut buf, 2));
        engine.collect();
        assert!(buf.iter().all(|x| x.is_finite() && x.abs() <= 1.0));
    }
}

#[test]
fn callback_never_allocates() {
    reset_violation_count();
    let config = EngineConfig {
        max_voices: 128,
        ..EngineConfig::default()
    };
    let (mut engine, mut core) = Engine::new(config, Vec::new());
    let mut first = program(BUSY);
    first.tempo_changes = vec![
        TempoChange {
            at: Time::int(2),
            cps: 0.7,
        },
        TempoChange {
            at: Time::new(7, 2),
            cps: 0.4,
        },
    ];
    let mut other = program(OTHER);
    other.instruments.push(lang::graph::Instrument {
        name: "nan".into(),
        params: vec![],
        graph: lang::graph::Graph::Const(f64::NAN),
    });
    engine.load(first.clone());
    run(&mut engine, &mut core, 1, 256);
    // The scope taps a track with an effect chain, then another.
    assert!(engine.set_scope_track(Some("fxd")));
    // Playback with tempo changes, odd block sizes included.
    run(&mut engine, &mut core, 200, 256);
    assert!(engine.set_scope_track(Some("bass")));
    run(&mut engine, &mut core, 50, 1000);
    run(&mut engine, &mut core, 100, 37);
    // Many hot swaps, every quantization, back and forth.
    let quantizes = [
        Quantize::Immediate,
        Quantize::NextCycle,
        Quantize::NextBar,
        Quantize::Cycles(2),
    ];
    for i in 0..24 {
        let p = if i % 2 == 0 {
            other.clone()
        } else {
            first.clone()
        };
        engine.swap(p, quantizes[i % 4]);
        // `fxd` is in both versions, `chords` in both, `strings` in one.
        engine.set_scope_track(Some(["fxd", "strings", "chords"][i % 3]));
        run(&mut engine, &mut core, 100, 512);
    }
    assert!(!engine.scope_samples(4096).is_empty());
    let messages = engine.take_messages();
    let swaps = messages
        .iter()
        .filter(|m| matches!(m, Message::SwapApplied { .. }))
        .count();
    // A swap requested before the previous one took effect replaces it.
    assert!(swaps >= 15, "{swaps} swaps applied");
    assert!(messages
        .iter()
        .any(|m| matches!(m, Message::TrackFault { track } if track == "broken")));
    assert_eq!(violation_count(), 0, "the callback allocated");
}

#[test]
fn voice_stealing_does_not_allocate() {
    reset_violation_count();
    let config = EngineConfig {
        max_voices: 16,
        ..EngineConfig::default()
    };
    let (mut engine, mut core) = Engine::new(config, Vec::new());
    // `pad` allows two voices per track: six-note chords steal constantly,
    // and 3 tracks of them exceed the 16 voice slots.
    engine.load(program(
        "a: note(\"[c3,e3,g3,b3,d4,f4]*8\").s(\"pad\").clip(4)\n\
         b: note(\"[c4,e4,g4,b4,d5,f5]*8\").s(\"buzz\").clip(4)\n\
         c: note(\"[c2,e2,g2,b2,d3,f3]*16\").s(\"tone\").clip(8)",
    ));
    run(&mut engine, &mut core, 400, 256);
    assert!(core.active_voices() <= 16);
    assert_eq!(violation_count(), 0, "the callback allocated");
}

#[test]
fn swaps_taking_back_queued_notes_do_not_allocate() {
    reset_violation_count();
    let config = EngineConfig {
        max_voices: 128,
        lookahead: 0.05,
        schedule_steps: 64,
        swap_margin: 256.0 / 48000.0 + 0.003,
        ..EngineConfig::default()
    };
    let (mut engine, mut core) = Engine::new(config, Vec::new());
    let (first, other) = (program(BUSY), program(OTHER));
    engine.load(first.clone());
    let mut buf = vec![0.0f32; 256 * 2];
    for i in 0..40 {
        let p = if i % 2 == 0 { &other } else { &first };
        engine.swap_now(p.clone(), Vec::new());
        for _ in 0..20 {
            // Live playback: scheduled 50 ms ahead of the audio position.
            engine.pump();
            assert_no_alloc(|| callback::process(&mut core, &mut buf, 2));
            assert!(buf.iter().all(|x| x.is_finite() && x.abs() <= 1.0));
        }
    }
    let swaps = engine
        .take_messages()
        .iter()
        .filter(|m| matches!(m, Message::SwapApplied { .. }))
        .count();
    assert!(swaps >= 40, "{swaps} swaps applied");
    assert_eq!(violation_count(), 0, "the callback allocated");
}
