//! The audio callback never allocates with a live input, input effects
//! and takes recording: input read from the ring (dropouts and drops
//! included), `input()` through effect chains, takes of the input, a track
//! and the master filling and finishing, and a device that disappears.

mod common;

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use common::program;
use engine::callback;
use engine::engine::{Engine, EngineConfig};
use engine::input::{manual_input, InputFeed};
use engine::takes::{TakeRequest, TakeSource};

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

const PROGRAM: &str = r#"
setcps(4)
mic: input(1).fx(lpf(800) >> delay(0.05, 0.4) >> reverb(0.5)).volume(0.8).balance(0.3)
pair: input(1, 2).fx(chorus(0.8, 0.5, 0.5))
beat: note("c3 e3").s("tone")
"#;

#[test]
fn callback_never_allocates_with_input_and_takes() {
    reset_violation_count();
    let (mut engine, mut core) = Engine::new(EngineConfig::default(), Vec::new());
    let (mut p, live, stats) = manual_input(2, 1 << 15, 256, 256);
    core.set_input(InputFeed::Live(live));
    engine.set_input_latency(Some(0));
    engine.load(program(PROGRAM));
    let mut buf = vec![0.0f32; 256 * 2];
    let mut x = 0.0f32;
    let mut requested = false;
    for block in 0..400 {
        // Uneven delivery: bursts, a pause (dropout), a flood (drop).
        let frames = match block {
            100..=110 => 0,
            200 => 4000,
            _ if block % 3 == 0 => 512,
            _ => 128,
        };
        if block < 350 {
            for _ in 0..frames {
                x = (x + 0.01) % 1.0;
                let _ = p.push(x);
                let _ = p.push(-x);
            }
        } else if block == 350 {
            // The device disappears.
            p = rtrb::RingBuffer::new(1).0;
        }
        if block == 20 && !requested {
            requested = true;
            for (name, source) in [
                ("in", TakeSource::Input),
                ("track", TakeSource::Track("mic".into())),
                ("all", TakeSource::Master),
            ] {
                engine
                    .request_take(TakeRequest {
                        name: name.into(),
                        source,
                        cycles: 2,
                        overdub: false,
                    })
                    .unwrap();
            }
        }
        engine.schedule(core.position() + 256);
        assert_no_alloc(|| callback::process(&mut core, &mut buf, 2));
        engine.collect();
        assert!(buf.iter().all(|v| v.is_finite()));
    }
    assert_eq!(violation_count(), 0);
    let v = stats.view();
    assert!(v.underruns > 0 && v.dropped > 0, "{v:?}");
    for name in ["in", "track", "all"] {
        assert!(engine.take(name).is_some(), "take {name} did not finish");
    }
}
