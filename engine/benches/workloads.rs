//! The reference workloads of docs/performance.md, through the engine and,
//! for W1, the same DSP written directly against fundsp.
//!
//! Each iteration renders one second of audio at 48 kHz in 256-frame
//! callbacks, after the engine is set up and has played 0.1 s (setup is not
//! timed). One second divided by the time is the speed in × real time.

use engine::engine::EngineConfig;
use engine::render::Offline;
use fundsp::prelude32::*;

fn main() {
    divan::main();
}

const SR: usize = 48000;
const BUFFER: usize = 256;

/// The W1 program for `n` voices (as in examples/bench/w1-poly-N.weft).
fn w1_source(n: usize) -> String {
    let mut s = String::from(
        "bpm(120)\ninstrument w1(freq = 55, polyphony = 1) = saw(freq) >> lpf(1200, 0.707)\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "v{i}: note(\"{}\").s(\"w1\").gain({:?}).slow(64)\n",
            33 + i % 48,
            1.0 / n as f64
        ));
    }
    s
}

fn program(src: &str) -> lang::program::Program {
    let (p, diags) = lang::program::evaluate(src);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    p
}

fn started(p: &lang::program::Program) -> Offline {
    let mut off = Offline::new(EngineConfig::default(), Vec::new(), p.clone());
    let mut buf = vec![0.0f32; BUFFER * 2];
    for _ in 0..SR / 10 / BUFFER {
        off.block(&mut buf);
    }
    off
}

fn one_second(mut off: Offline) -> Offline {
    let mut buf = vec![0.0f32; BUFFER * 2];
    for _ in 0..SR / BUFFER {
        off.block(&mut buf);
    }
    divan::black_box(&buf);
    off
}

/// W1 through the engine: N tracks, one sustained saw → lowpass voice each.
#[divan::bench(args = [16, 64, 256, 300], sample_count = 5, sample_size = 1)]
fn w1_engine(bencher: divan::Bencher, voices: usize) {
    let p = program(&w1_source(voices));
    bencher
        .with_inputs(|| started(&p))
        .bench_local_values(one_second);
}

/// W1 written directly against fundsp: the same voices, summed at 1/N
/// into stereo, in 64-frame blocks.
#[divan::bench(args = [16, 64, 256, 300], sample_count = 5, sample_size = 1)]
fn w1_fundsp(bencher: divan::Bencher, voices: usize) {
    let make = || -> Vec<Box<dyn AudioUnit>> {
        (0..voices)
            .map(|i| {
                let f = 55.0 * 2f32.powf((i % 48) as f32 / 12.0);
                let mut u: Box<dyn AudioUnit> =
                    Box::new(poly_saw_hz(f) >> lowpass_hz(1200.0, 0.707));
                u.set_sample_rate(SR as f64);
                u.allocate();
                u
            })
            .collect()
    };
    bencher.with_inputs(make).bench_local_values(|mut units| {
        let input = BufferVec::new(0);
        let mut voice = BufferVec::new(1);
        let mut out = vec![0.0f32; 2 * SR];
        let gain = 1.0 / voices as f32;
        for block in out.chunks_mut(2 * MAX_BUFFER_SIZE) {
            let n = block.len() / 2;
            for u in units.iter_mut() {
                u.process(n, &input.buffer_ref(), &mut voice.buffer_mut());
                let v = voice.channel_f32(0);
                for (k, frame) in block.chunks_exact_mut(2).enumerate() {
                    frame[0] += v[k] * gain;
                    frame[1] += v[k] * gain;
                }
            }
        }
        divan::black_box(out);
        units
    });
}

/// W2 through the engine: 8 tracks of 16th notes, saw → lowpass → ADSR,
/// a master reverb.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn w2_engine(bencher: divan::Bencher) {
    let path = format!(
        "{}/../examples/bench/w2-notes.weft",
        env!("CARGO_MANIFEST_DIR")
    );
    let p = program(&std::fs::read_to_string(path).expect("w2-notes.weft"));
    bencher
        .with_inputs(|| started(&p))
        .bench_local_values(one_second);
}
