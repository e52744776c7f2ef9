//! Applying sample edits (`editSample`, [`lang::sample_edit::SampleEdit`])
//! to a decoded sample: a new sample, the original untouched.

use super::Sample;
use lang::sample_edit::SampleEdit;

/// `sample` edited: trimmed to `begin`–`end` (fractions of its frames,
/// rounded to whole frames), reversed, normalised to a peak, scaled by
/// `gain`, then faded in and out (linear, over whole frames).
pub fn apply(sample: &Sample, e: &SampleEdit) -> Sample {
    let ch = sample.channels.max(1);
    let frames = sample.frames();
    let first = ((e.begin * frames as f64).round() as usize).min(frames);
    let last = ((e.end * frames as f64).round() as usize).clamp(first, frames);
    let mut data: Vec<f32> = sample.data[first * ch..last * ch].to_vec();
    if e.reverse {
        let n = data.len() / ch;
        for k in 0..n / 2 {
            for c in 0..ch {
                data.swap(k * ch + c, (n - 1 - k) * ch + c);
            }
        }
    }
    let mut gain = e.gain;
    if let Some(db) = e.normalize {
        let peak = data.iter().fold(0.0f32, |p, x| p.max(x.abs())) as f64;
        if peak > 0.0 {
            gain *= 10f64.powf(db / 20.0) / peak;
        }
    }
    if gain != 1.0 {
        for x in data.iter_mut() {
            *x = (*x as f64 * gain) as f32;
        }
    }
    let n = data.len() / ch;
    fade(
        &mut data,
        ch,
        (e.fade_in * sample.rate).round() as usize,
        n,
        true,
    );
    fade(
        &mut data,
        ch,
        (e.fade_out * sample.rate).round() as usize,
        n,
        false,
    );
    Sample {
        data,
        channels: ch,
        rate: sample.rate,
        path: sample.path.clone(),
    }
}

/// A linear fade over the first (`fade_in`) or last `len` of `n` frames:
/// frame `k` of the fade-in is scaled by `k / len` (0 first), frame `k`
/// before the end of a fade-out by `k / len` (0 last).
fn fade(data: &mut [f32], ch: usize, len: usize, n: usize, fade_in: bool) {
    let len = len.min(n);
    for k in 0..len {
        let g = k as f32 / len as f32;
        let frame = if fade_in { k } else { n - 1 - k };
        for c in 0..ch {
            data[frame * ch + c] *= g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(n: usize) -> Sample {
        Sample::from_frames((1..=n).map(|i| i as f32 / 10.0).collect(), 1, 10.0)
    }

    #[test]
    fn trim_reverse_gain_are_exact() {
        let e = SampleEdit {
            begin: 0.2,
            end: 0.6,
            reverse: true,
            gain: 2.0,
            ..SampleEdit::default()
        };
        let out = apply(&ramp(10), &e);
        assert_eq!(out.data, vec![1.2, 1.0, 0.8, 0.6]);
    }

    #[test]
    fn normalise_then_fade() {
        let e = SampleEdit {
            normalize: Some(0.0),
            fade_in: 0.4,
            fade_out: 0.2,
            ..SampleEdit::default()
        };
        // 10 frames at 10 Hz: 4 frames in, 2 out; peak 1.0 → gain 1.
        let out = apply(&ramp(10), &e);
        let expect: Vec<f32> = [0.0, 0.05, 0.15, 0.3, 0.5, 0.6, 0.7, 0.8, 0.45, 0.0]
            .into_iter()
            .collect();
        for (a, b) in out.data.iter().zip(&expect) {
            assert!((a - b).abs() < 1e-6, "{:?}", out.data);
        }
        let half = SampleEdit {
            normalize: Some(-6.0),
            ..SampleEdit::default()
        };
        let peak = apply(&ramp(10), &half)
            .data
            .iter()
            .fold(0.0f32, |p, x| p.max(x.abs()));
        assert_eq!(peak, (10f64.powf(-6.0 / 20.0)) as f32);
    }

    #[test]
    fn stereo_frames_stay_together() {
        let s = Sample::from_frames(vec![1.0, -1.0, 2.0, -2.0, 3.0, -3.0], 2, 48000.0);
        let e = SampleEdit {
            reverse: true,
            ..SampleEdit::default()
        };
        assert_eq!(apply(&s, &e).data, vec![3.0, -3.0, 2.0, -2.0, 1.0, -1.0]);
    }
}
