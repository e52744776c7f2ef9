//! The scope tap of one track: the audio core copies the selected track's
//! strip, and only that one, for the live view's scope and spectrum.

mod common;

use common::program;
use engine::callback;
use engine::engine::{Engine, EngineConfig};
use engine::scope_tap::SCOPE_RING;

fn run(engine: &mut Engine, core: &mut engine::audio::AudioCore, blocks: usize) {
    let mut buf = vec![0.0f32; 256 * 2];
    for _ in 0..blocks {
        engine.schedule(core.position() + 256);
        callback::process(core, &mut buf, 2);
        engine.collect();
    }
}

/// Frequency from the rising zero crossings.
fn hz(x: &[f32], sr: f64) -> f64 {
    let ups = x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    ups as f64 * sr / x.len() as f64
}

#[test]
fn the_tap_carries_the_selected_track_and_not_another() {
    let (mut engine, mut core) = Engine::new(EngineConfig::default(), Vec::new());
    // Two held notes: A3 (220 Hz) and A5 (880 Hz), on two tracks.
    engine.load(program(
        "setcps(0.25)\nlow: note(\"a3\").s(\"tone\")\nhigh: note(\"a5\").s(\"tone\")",
    ));
    // The tracks exist once the first version is swapped in.
    run(&mut engine, &mut core, 1);
    assert!(
        engine.scope_samples(SCOPE_RING).is_empty(),
        "nothing tapped"
    );
    assert!(engine.set_scope_track(Some("low")));
    run(&mut engine, &mut core, 40);
    let low = engine.scope_samples(4096);
    assert_eq!(low.len(), 4096);
    let f = hz(&low, 48000.0);
    assert!((f - 220.0).abs() < 15.0, "the low track: {f} Hz");
    assert!(low.iter().any(|x| x.abs() > 0.1));

    assert!(engine.set_scope_track(Some("high")));
    assert!(
        engine.scope_samples(4096).is_empty(),
        "a new selection starts without the old track's samples"
    );
    run(&mut engine, &mut core, 20);
    let high = engine.scope_samples(4096);
    assert_eq!(high.len(), 4096);
    let f = hz(&high, 48000.0);
    assert!((f - 880.0).abs() < 30.0, "the high track: {f} Hz");

    assert!(!engine.set_scope_track(Some("nope")));
    assert!(engine.scope_samples(4096).is_empty());
    engine.set_scope_track(None);
    run(&mut engine, &mut core, 2);
    assert!(engine.scope_samples(4096).is_empty());
}
