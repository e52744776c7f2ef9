//! Rendering programs with the standard library and measuring the result.
#![allow(dead_code)]

use engine::render::{render, Length, RenderOptions, Rendered};
use realfft::RealFftPlanner;

pub const SR: u32 = 48000;

/// Renders a program (with the stdlib) for `seconds`, with stems.
pub fn render_src(src: &str, seconds: f64) -> Rendered {
    let options = stdlib::eval_options(None, &[]);
    let ev = lang::program::evaluate_with(src, &options);
    let errors: Vec<_> = ev.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{src}: {errors:?}");
    render(
        ev.program,
        stdlib::instruments(),
        &RenderOptions {
            sample_rate: SR,
            length: Length::Seconds(seconds),
            tail: 0.0,
            stems: true,
        },
        &mut |_| {},
    )
}

/// The first track's stem (before the master bus), as a mono mix.
pub fn stem_mono(r: &Rendered) -> Vec<f32> {
    let s = &r.stems[0].1;
    s.chunks_exact(2).map(|f| 0.5 * (f[0] + f[1])).collect()
}

pub fn channel(x: &[f32], ch: usize) -> Vec<f32> {
    x.iter().skip(ch).step_by(2).copied().collect()
}

/// Renders one track and returns its stem as mono.
pub fn mono(src: &str, seconds: f64) -> Vec<f32> {
    stem_mono(&render_src(src, seconds))
}

pub fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |a, v| a.max(v.abs()))
}

pub fn mean(x: &[f32]) -> f32 {
    x.iter().sum::<f32>() / x.len().max(1) as f32
}

pub fn seconds(x: &[f32], from: f64, to: f64) -> &[f32] {
    let a = ((from * SR as f64) as usize).min(x.len());
    let b = ((to * SR as f64) as usize).min(x.len());
    &x[a..b]
}

/// Magnitude spectrum (Hann window) and the bin width in Hz.
pub fn spectrum(x: &[f32]) -> (Vec<f32>, f32) {
    let n = x.len();
    let mut planner = RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(n);
    let mut input: Vec<f32> = x
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let w = 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos();
            v * w
        })
        .collect();
    let mut out = fft.make_output_vec();
    fft.process(&mut input, &mut out).unwrap();
    (out.iter().map(|c| c.norm()).collect(), SR as f32 / n as f32)
}

/// Frequency of the strongest spectral peak above `min_hz`, refined by
/// parabolic interpolation.
pub fn peak_frequency(x: &[f32], min_hz: f32) -> f32 {
    let (mag, df) = spectrum(x);
    let start = (min_hz / df) as usize + 1;
    let (i, _) = mag
        .iter()
        .enumerate()
        .skip(start)
        .take(mag.len() - start - 1)
        .fold((0, 0.0f32), |b, (i, m)| if *m > b.1 { (i, *m) } else { b });
    let (a, b, c) = (mag[i - 1].ln(), mag[i].ln(), mag[i + 1].ln());
    let shift = 0.5 * (a - c) / (a - 2.0 * b + c);
    (i as f32 + shift) * df
}

/// Energy of the spectrum between two frequencies.
pub fn band_energy(x: &[f32], lo: f32, hi: f32) -> f32 {
    let (mag, df) = spectrum(x);
    mag.iter()
        .enumerate()
        .filter(|(i, _)| {
            let f = *i as f32 * df;
            f >= lo && f < hi
        })
        .map(|(_, m)| m * m)
        .sum()
}

pub fn db(x: f32) -> f32 {
    10.0 * x.max(1e-30).log10()
}

/// Largest momentary loudness (400 ms windows, EBU R128) of stereo audio.
pub fn max_momentary_lufs(stereo: &[f32]) -> f64 {
    let mut m = ebur128::EbuR128::new(2, SR, ebur128::Mode::M).unwrap();
    let mut best = f64::NEG_INFINITY;
    for chunk in stereo.chunks(2 * SR as usize / 100) {
        m.add_frames_f32(chunk).unwrap();
        if let Ok(l) = m.loudness_momentary() {
            best = best.max(l);
        }
    }
    best
}

/// Writes a mono 16-bit WAV file.
pub fn write_wav(path: &std::path::Path, data: &[f32], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for x in data {
        w.write_sample((x.clamp(-1.0, 1.0) * 32767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}
