//! Cheap onset and tempo detection for `weft sample info`: where the
//! level jumps, from a short-window energy envelope.

use super::Sample;

/// Window and hop of the energy envelope (frames at the sample's rate,
/// about 10 ms and 5 ms at 48 kHz).
const HOP_SECONDS: f64 = 0.005;
/// A rise of this much (dB) over the level of the previous 50 ms is an onset…
const RISE_DB: f64 = 9.0;
/// …if it reaches this level (dBFS).
const FLOOR_DB: f64 = -45.0;
/// Onsets closer than this are one (seconds).
const GAP_SECONDS: f64 = 0.06;

/// Onset times in seconds.
pub fn onsets(sample: &Sample) -> Vec<f64> {
    let ch = sample.channels.max(1);
    let frames = sample.frames();
    let hop = ((HOP_SECONDS * sample.rate).round() as usize).max(1);
    let mut env = Vec::with_capacity(frames / hop + 1);
    let mut k = 0;
    while k < frames {
        let end = (k + 2 * hop).min(frames);
        let mut sum = 0.0f64;
        for f in k..end {
            for c in 0..ch {
                let x = sample.data[f * ch + c] as f64;
                sum += x * x;
            }
        }
        let ms = sum / ((end - k) * ch) as f64;
        env.push(10.0 * ms.max(1e-20).log10());
        k += hop;
    }
    let back = ((0.05 / HOP_SECONDS).round() as usize).max(1);
    let mut out: Vec<f64> = Vec::new();
    for i in 0..env.len() {
        let before = env[i.saturating_sub(back)..i]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let before = if i == 0 { -200.0 } else { before };
        if env[i] >= FLOOR_DB && env[i] - before >= RISE_DB {
            let t = (i * hop) as f64 / sample.rate;
            if out.last().is_none_or(|l| t - l >= GAP_SECONDS) {
                out.push(t);
            }
        }
    }
    out
}

/// A tempo (BPM, folded into 70–180) from the onsets' most common
/// spacing, when there are enough onsets to tell.
pub fn tempo(onsets: &[f64]) -> Option<f64> {
    if onsets.len() < 4 {
        return None;
    }
    let mut gaps: Vec<f64> = onsets.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let median = gaps[gaps.len() / 2];
    if median <= 0.0 {
        return None;
    }
    let mut bpm = 60.0 / median;
    while bpm < 70.0 {
        bpm *= 2.0;
    }
    while bpm > 180.0 {
        bpm /= 2.0;
    }
    Some(bpm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicks_are_found_and_give_their_tempo() {
        let rate = 48000.0;
        let mut data = vec![0.0f32; 48000 * 2];
        // A decaying click every 0.5 s (120 BPM), from 0.1 s.
        for n in 0..4 {
            let at = 4800 + n * 24000;
            for k in 0..2000 {
                data[at + k] =
                    0.8 * (-(k as f32) / 300.0).exp() * if k % 2 == 0 { 1.0 } else { -1.0 };
            }
        }
        let s = Sample::from_frames(data, 1, rate);
        let found = onsets(&s);
        assert_eq!(found.len(), 4, "{found:?}");
        for (n, t) in found.iter().enumerate() {
            let want = 0.1 + n as f64 * 0.5;
            assert!((t - want).abs() <= 0.011, "{found:?}");
        }
        assert_eq!(tempo(&found).map(|b| b.round()), Some(120.0));
    }
}
