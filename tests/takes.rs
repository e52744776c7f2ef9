//! Takes through the engine and its audio callback, with a hand-fed input
//! standing for the capture device: exact frames from the cycle boundary,
//! latency compensation, a device that disappears mid-take, a take too
//! long for memory, overdubs, and a take that plays back bit-exact.

use engine::callback;
use engine::engine::{Engine, EngineConfig};
use engine::input::{manual_input, InputFeed};
use engine::takes::{TakeRequest, TakeSource, MAX_TAKE_VALUES};
use lang::program::evaluate;
use rtrb::Producer;

const BLOCK: usize = 256;

fn engine_with_input(src: &str) -> (Engine, engine::audio::AudioCore, Producer<f32>) {
    let (mut engine, mut core) = Engine::new(EngineConfig::default(), Vec::new());
    let (p, live, _) = manual_input(1, 1 << 16, BLOCK, BLOCK);
    core.set_input(InputFeed::Live(live));
    engine.set_input_latency(Some(0));
    let (prog, diags) = evaluate(src);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    engine.load(prog);
    (engine, core, p)
}

/// Feeds one block of the ramp (input frame `i` holds `i`) and renders one
/// block; returns the rendered stereo block.
fn step(
    engine: &mut Engine,
    core: &mut engine::audio::AudioCore,
    input: &mut Option<Producer<f32>>,
    fed: &mut usize,
) -> Vec<f32> {
    if let Some(p) = input.as_mut() {
        for _ in 0..BLOCK {
            p.push(*fed as f32).unwrap();
            *fed += 1;
        }
    }
    let mut out = vec![0.0f32; BLOCK * 2];
    engine.schedule(core.position() + BLOCK as i64);
    callback::process(core, &mut out, 2);
    engine.collect();
    out
}

fn input_take(name: &str, cycles: u32, overdub: bool) -> TakeRequest {
    TakeRequest {
        name: name.into(),
        source: TakeSource::Input,
        cycles,
        overdub,
    }
}

#[test]
fn an_input_take_holds_exactly_the_cycles_shifted_by_the_latency() {
    let (mut engine, mut core, p) = engine_with_input("setcps(0.5)\n");
    let mut input = Some(p);
    let mut fed = 0;
    step(&mut engine, &mut core, &mut input, &mut fed);
    engine.set_input_latency(Some(100));
    let s = engine.request_take(input_take("voice", 1, false)).unwrap();
    // Cycle 1 is at frame 96000 (0.5 cycles per second); shifted by 100.
    assert_eq!(s.from_cycle, lang::Time::int(1));
    assert_eq!((s.start, s.frames), (96100, 96000));
    while engine.take("voice").is_none() {
        step(&mut engine, &mut core, &mut input, &mut fed);
        assert!(fed < 400_000, "the take never finished");
    }
    let done = engine.finished_takes();
    assert_eq!(done.len(), 1);
    assert!(!done[0].cut);
    let take = engine.take("voice").unwrap();
    assert_eq!(take.frames(), 96000);
    assert_eq!(take.channels, 2);
    // The input waits for its target fill (two blocks) before it is read;
    // a block is fed before each is rendered: engine frame t hears input
    // frame t - 256.
    for k in 0..take.frames() {
        let want = (96100 + k - BLOCK) as f32;
        assert_eq!(take.data[2 * k], want, "frame {k}");
        assert_eq!(take.data[2 * k + 1], want, "frame {k}");
    }
}

#[test]
fn a_device_that_disappears_keeps_the_take_up_to_then() {
    let (mut engine, mut core, p) = engine_with_input("setcps(2)\n");
    let mut input = Some(p);
    let mut fed = 0;
    step(&mut engine, &mut core, &mut input, &mut fed);
    // 2 cycles per second: cycle 1 at frame 24000, two cycles = 48000 frames.
    let s = engine.request_take(input_take("cut", 2, false)).unwrap();
    assert_eq!((s.start, s.frames), (24000, 48000));
    while core.position() < 30000 {
        step(&mut engine, &mut core, &mut input, &mut fed);
    }
    // The device goes away: what it delivered is still read, then the take ends.
    input = None;
    for _ in 0..20 {
        step(&mut engine, &mut core, &mut input, &mut fed);
    }
    let done = engine.finished_takes();
    assert_eq!(done.len(), 1, "the take did not end with the device");
    assert!(done[0].cut);
    let take = &done[0].sample;
    // Every input frame delivered after the take's start is in it, in order.
    let kept = fed - (24000 - BLOCK);
    assert!(take.frames() >= kept, "{} < {kept}", take.frames());
    for k in 0..kept {
        assert_eq!(take.data[2 * k], (24000 - BLOCK + k) as f32, "frame {k}");
    }
    assert!(take.frames() < 48000);
    // And the engine plays on.
    step(&mut engine, &mut core, &mut input, &mut fed);
}

#[test]
fn a_take_longer_than_memory_allows_is_refused_with_the_limit() {
    let (mut engine, _core, _p) = engine_with_input("setcps(0.5)\n");
    let e = engine
        .request_take(input_take("long", 100_000, false))
        .unwrap_err();
    let limit = MAX_TAKE_VALUES / 2 / 48000;
    assert!(e.contains("too long"), "{e}");
    assert!(e.contains(&format!("{limit} seconds")), "{e}");
    for bad in [input_take("a/b", 1, false), input_take("zero", 0, false)] {
        assert!(engine.request_take(bad).is_err());
    }
    let no_track = engine
        .request_take(TakeRequest {
            name: "x".into(),
            source: TakeSource::Track("nothing".into()),
            cycles: 1,
            overdub: false,
        })
        .unwrap_err();
    assert!(
        no_track.contains("no track is called `nothing`"),
        "{no_track}"
    );
}

#[test]
fn without_an_input_an_input_take_is_refused_clearly() {
    let (mut engine, _core) = Engine::new(EngineConfig::default(), Vec::new());
    let e = engine.request_take(input_take("v", 1, false)).unwrap_err();
    assert!(e.contains("no audio input is open"), "{e}");
}

/// Renders `src` block by block with no input, recording a take of
/// `source`; returns the engine's output blocks (interleaved) and the take.
fn record_take(src: &str, source: TakeSource, overdub_onto: Option<Vec<f32>>) -> Vec<f32> {
    let (mut engine, mut core) = Engine::new(EngineConfig::default(), Vec::new());
    let (prog, diags) = evaluate(src);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    engine.load(prog);
    if let Some(old) = overdub_onto {
        engine.install_take(
            "t",
            std::sync::Arc::new(engine::samples::Sample::from_frames(old, 2, 48000.0)),
        );
    }
    let mut none = None;
    let mut fed = 0;
    step(&mut engine, &mut core, &mut none, &mut fed);
    engine
        .request_take(TakeRequest {
            name: "t".into(),
            source,
            cycles: 1,
            overdub: true,
        })
        .unwrap();
    while engine.finished_takes().is_empty() {
        step(&mut engine, &mut core, &mut none, &mut fed);
        assert!(fed == 0 && core.position() < 400_000);
    }
    engine.take("t").unwrap().data.clone()
}

#[test]
fn track_and_master_takes_start_on_the_cycle_and_overdubs_add_up() {
    // A click on each cycle (no attack): the take of the track starts with it.
    let src = "setcps(2)\ninstrument blip(freq = 220) = 0.5 >> adsr(0, 0.001, 0, 0)\nclick: s(\"blip\")\n";
    let take = record_take(src, TakeSource::Track("click".into()), None);
    assert_eq!(take.len(), 2 * 24000);
    assert!(take[0] > 0.1, "{:?}", &take[..8]);
    let master = record_take(src, TakeSource::Master, None);
    assert_eq!(master[..2], take[..2]);
    // An overdub onto a take of ones adds to it.
    let ones = vec![1.0f32; 2 * 100];
    let layered = record_take(src, TakeSource::Track("click".into()), Some(ones));
    assert_eq!(layered.len(), take.len());
    assert_eq!(layered[0], take[0] + 1.0);
    assert_eq!(layered[2 * 100], take[2 * 100]);
}

#[test]
fn an_input_track_plays_the_input_and_falls_silent_when_removed() {
    let (mut engine, mut core, mut p) = engine_with_input("setcps(4)\nmic: input(1)\n");
    let mut none = None;
    let mut fed = 0;
    // A 480 Hz square wave at ±0.25 as the input.
    let mut block = |engine: &mut Engine, core: &mut engine::audio::AudioCore| {
        for k in 0..BLOCK {
            let x = if (fed + k) / 50 % 2 == 0 { 0.25 } else { -0.25 };
            p.push(x).unwrap();
        }
        fed += BLOCK;
        let mut unused = 0;
        step(engine, core, &mut none, &mut unused)
    };
    let mut heard = 0.0f32;
    for _ in 0..40 {
        let out = block(&mut engine, &mut core);
        heard = out.iter().fold(heard, |m, x| m.max(x.abs()));
    }
    assert!(heard > 0.2, "the input was not heard ({heard})");
    let (prog, _) = evaluate("setcps(4)\nother: s(\"nothing\")\n");
    engine.swap(prog, engine::engine::Quantize::NextCycle);
    // A cycle is 12000 frames: the swap lands by frame 24000 (block 94),
    // then a short fade and the DC blocker's tail.
    for _ in 0..140 {
        block(&mut engine, &mut core);
    }
    for _ in 0..10 {
        let out = block(&mut engine, &mut core);
        assert!(out.iter().all(|x| x.abs() < 1e-4), "still heard");
    }
}
