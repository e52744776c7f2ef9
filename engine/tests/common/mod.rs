//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use engine::render::{render, render_with_swaps, Length, RenderOptions, Rendered, ScheduledSwap};
use lang::program::{evaluate, Program};
use lang::Time;

/// Instruments the tests use, in weft syntax (the engine does not depend
/// on the standard library).
pub const INSTRUMENTS: &str = "
instrument tone(freq = 220, attack = 0.001, release = 0.01) = sine(freq) * 0.5 >> adsr(attack, 0.05, 0.8, release)
instrument buzz(freq = 110) = saw(freq) * 0.3 >> adsr(0.005, 0.1, 0.6, 0.05)
instrument blip(freq = 220) = 0.5 >> adsr(0, 0.01, 1, 0)
instrument pad(freq = 220, polyphony = 2) = saw(freq) >> lpf(1500, 0.7) >> adsr(0.01, 0.1, 0.7, 0.3)
";

/// Evaluates a program (with the test instruments), failing on errors.
pub fn program(src: &str) -> Program {
    let full = format!("{INSTRUMENTS}\n{src}");
    let (p, diags) = evaluate(&full);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    p
}

pub fn opts(length: Length) -> RenderOptions {
    RenderOptions {
        sample_rate: 48000,
        length,
        tail: 0.0,
        stems: false,
    }
}

pub fn render_cycles(src: &str, cycles: i64) -> Rendered {
    render(
        program(src),
        Vec::new(),
        &opts(Length::Cycles(Time::int(cycles))),
        &mut |_| {},
    )
}

pub fn render_swaps(src: &str, seconds: f64, swaps: Vec<ScheduledSwap>) -> Rendered {
    render_with_swaps(
        program(src),
        Vec::new(),
        &opts(Length::Seconds(seconds)),
        swaps,
        &mut |_| {},
    )
}

/// One channel of interleaved stereo.
pub fn channel(samples: &[f32], ch: usize) -> Vec<f32> {
    samples.iter().skip(ch).step_by(2).copied().collect()
}

/// Largest sample-to-sample step in `x[from..to]`.
pub fn max_step(x: &[f32], from: usize, to: usize) -> f32 {
    x[from.max(1)..to.min(x.len())]
        .iter()
        .zip(&x[from.max(1) - 1..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

pub fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}
