//! Whole-file sample-rate conversion, for a recording that must play at
//! the render's rate frame by frame (`weft render --input FILE`): an
//! FFT-based band-limited resampler (rubato's `Fft`, anti-aliased, with
//! its start-up delay trimmed so that the result lines up with the file).
//! Sounds played by notes are not converted: the player resamples them
//! as it plays ([`super::SamplePlayer`]).

use super::Sample;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Frames per chunk the resampler works in.
const CHUNK: usize = 1024;

/// `sample` at `rate` Hz (the same sample when it is at that rate
/// already). The length scales with the rate: `frames × rate / sample.rate`,
/// rounded; frame `k` of the file is at `k × rate / sample.rate` of the
/// result to within half an input frame.
pub fn resample(sample: &Sample, rate: u32) -> Result<Sample, String> {
    let from = sample.rate.round();
    if from == rate as f64 {
        return Ok(Sample {
            data: sample.data.clone(),
            channels: sample.channels,
            rate: sample.rate,
            path: sample.path.clone(),
        });
    }
    if !(from >= 1.0 && from <= u32::MAX as f64) || rate == 0 {
        return Err(format!("cannot convert {} Hz to {rate} Hz", sample.rate));
    }
    let channels = sample.channels.max(1);
    let frames = sample.frames();
    let failed = |e: &dyn std::fmt::Display| format!("cannot convert {from} Hz to {rate} Hz: {e}");
    let mut r = Fft::<f32>::new(
        from as usize,
        rate as usize,
        CHUNK,
        channels,
        FixedSync::Both,
    )
    .map_err(|e| failed(&e))?;
    let input = InterleavedSlice::new(&sample.data[..frames * channels], channels, frames)
        .map_err(|e| failed(&e))?;
    let out = r
        .process_all(&input, frames, None)
        .map_err(|e| failed(&e))?;
    let mut data = out.take_data();
    let want = (frames as f64 * rate as f64 / from).round() as usize;
    data.resize(want * channels, 0.0);
    Ok(Sample {
        data,
        channels,
        rate: rate as f64,
        path: sample.path.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frequency of a sine, from its zero crossings (upward), Hz.
    fn frequency(x: &[f32], rate: f64) -> f64 {
        let ups: Vec<f64> = x
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
            .map(|(i, w)| i as f64 + w[0] as f64 / (w[0] - w[1]) as f64)
            .collect();
        let periods = (ups.len() - 1) as f64;
        periods * rate / (ups[ups.len() - 1] - ups[0])
    }

    #[test]
    fn a_sine_keeps_its_frequency_and_level_across_rates() {
        let hz = 1000.0;
        let sine: Vec<f32> = (0..44100)
            .map(|i| 0.5 * (2.0 * std::f64::consts::PI * hz * i as f64 / 44100.0).sin() as f32)
            .collect();
        let s = Sample::from_frames(sine, 1, 44100.0);
        for rate in [48000, 96000, 22050] {
            let r = resample(&s, rate).unwrap();
            assert_eq!(r.frames(), rate as usize, "{rate}");
            assert_eq!(r.rate, rate as f64);
            // Away from the edges: the same frequency and level.
            let mid = &r.data[rate as usize / 10..rate as usize * 9 / 10];
            let f = frequency(mid, rate as f64);
            assert!((f - hz).abs() < 0.01, "{rate} Hz: {f}");
            let peak = mid.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!((peak - 0.5).abs() < 0.005, "{rate} Hz: peak {peak}");
        }
    }

    #[test]
    fn the_start_lines_up_and_stereo_stays_apart() {
        // A click at frame 4410 (0.1 s) on the left only.
        let mut data = vec![0.0f32; 2 * 44100];
        data[2 * 4410] = 1.0;
        let s = Sample::from_frames(data, 2, 44100.0);
        let r = resample(&s, 48000).unwrap();
        let (at, _) = (0..r.frames())
            .map(|k| (k, r.data[2 * k]))
            .fold((0, 0.0f32), |b, (k, x)| if x > b.1 { (k, x) } else { b });
        // Within a frame of 4800 (the converter's timing is exact to half
        // an input frame: the click's energy is split over 4799 and 4800).
        assert!(at.abs_diff(4800) <= 1, "{at}");
        let right = r
            .data
            .iter()
            .skip(1)
            .step_by(2)
            .fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(right < 1e-6, "{right}");
    }
}
