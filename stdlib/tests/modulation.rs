//! Modulators, FX chains, distortion algorithms and additive waveforms
//! do to the sound what they say, measured in rendered audio.

mod common;
use common::*;

/// Spectral centroid (Hz) of a stretch of audio.
fn centroid(x: &[f32]) -> f32 {
    let (mag, df) = spectrum(x);
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (i, m) in mag.iter().enumerate() {
        let p = (*m as f64) * (*m as f64);
        num += p * i as f64 * df as f64;
        den += p;
    }
    (num / den.max(1e-30)) as f32
}

/// Highs over lows (dB): how open a low-pass on a 110 Hz sawtooth is.
fn brightness(x: &[f32]) -> f32 {
    db(band_energy(x, 1500.0, 8000.0) / band_energy(x, 20.0, 300.0))
}

/// A value per window of `ms` milliseconds between `from` and `to` seconds.
fn windows(x: &[f32], from: f64, to: f64, ms: f64, f: impl Fn(&[f32]) -> f32) -> Vec<f32> {
    let n = (ms * SR as f64 / 1000.0) as usize;
    seconds(x, from, to).chunks_exact(n).map(f).collect()
}

fn spread(v: &[f32]) -> (f32, f32) {
    v.iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)))
}

/// Index of the largest value.
fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold(
            (0, f32::MIN),
            |b, (i, x)| if *x > b.1 { (i, *x) } else { b },
        )
        .0
}

#[test]
fn lfo_on_cutoff_sweeps_the_spectrum_at_its_rate() {
    // One held note per cycle (2 s at the default tempo).
    let plain = mono("$: note(\"a1\").s(\"sawtooth\").clip(1).lpf(600)", 2.0);
    let swept = mono(
        "$: note(\"a1\").s(\"sawtooth\").clip(1).lpf(600).lfo({ rate: 1, shape: 'sine', depth: 1.6 })",
        2.0,
    );
    let c_plain = windows(&plain, 0.1, 1.9, 100.0, centroid);
    let c_swept = windows(&swept, 0.1, 1.9, 100.0, centroid);
    let (lo, hi) = spread(&c_plain);
    assert!(hi / lo < 1.1, "steady without an lfo: {lo}–{hi}");
    let (lo, hi) = spread(&c_swept);
    assert!(hi / lo > 1.8, "the lfo moves the centroid: {lo}–{hi}");
    // A 1 Hz sine: the brightest windows are a second apart, the darkest
    // half a second from the brightest.
    let first = argmax(&c_swept[..10]);
    let second = 10 + argmax(&c_swept[10..]);
    assert!(
        (second - first) as i32 - 10 <= 1 && (second - first) as i32 - 10 >= -1,
        "{c_swept:?}"
    );
    let darkest = c_swept[first + 5 - 1..=first + 5 + 1]
        .iter()
        .fold(f32::MAX, |a, x| a.min(*x));
    assert!(darkest < c_swept[first] / 1.6, "{c_swept:?}");
}

#[test]
fn synced_lfo_follows_the_cycles() {
    // sync 2: two sweeps per cycle, i.e. 1 Hz at 0.5 cycles per second;
    // at 1 cycle per second the same setting sweeps twice as fast.
    let voice = "note(\"a2\").s(\"sawtooth\").clip(1).sustain(1).lpf(800).lfo({ sync: 2, shape: 'ramp', depth: 2 })";
    let slow = mono(&format!("$: {voice}"), 2.0);
    let fast = mono(&format!("setcps(1)\n$: {voice}"), 1.0);
    // A ramp opens the filter, then snaps shut once per period.
    let drops = |c: &[f32]| c.windows(2).filter(|w| w[1] < w[0] - 10.0).count();
    let c_slow = windows(&slow, 0.05, 1.95, 100.0, brightness);
    let c_fast = windows(&fast, 0.025, 0.975, 50.0, brightness);
    assert_eq!(drops(&c_slow), 1, "{c_slow:?}");
    assert_eq!(drops(&c_fast), 1, "{c_fast:?}");
    // Between the drops it opens steadily.
    let rising = c_slow[..9].windows(2).filter(|w| w[1] > w[0]).count();
    assert!(rising >= 7, "{c_slow:?}");
}

#[test]
fn envelope_on_gain_rises_over_its_attack() {
    // The gain goes from 0.4 up to 0.8 over 0.4 s and stays there.
    let x = mono(
        "$: note(\"a3\").s(\"sine\").clip(1).sustain(1).gain(0.4).env({ a: 0.4, s: 1, depthabs: 0.4 })",
        1.0,
    );
    let level = windows(&x, 0.0, 1.0, 20.0, rms);
    let start = level[1];
    let end = level[30];
    assert!(
        (db(end * end / (start * start)) - 6.0).abs() < 1.5,
        "{start} → {end}"
    );
    // Rise time (10 % → 90 % of the way): about 0.8 × the linear attack.
    let at = |frac: f32| {
        let target = start + frac * (end - start);
        level.iter().position(|l| *l >= target).unwrap() as f32 * 0.02
    };
    let rise = at(0.9) - at(0.1);
    assert!((0.24..=0.40).contains(&rise), "rise {rise} s");
}

#[test]
fn envelope_on_cutoff_opens_the_filter() {
    let x = mono(
        "$: note(\"a2\").s(\"sawtooth\").clip(1).sustain(1).lpf(200).env({ a: 0.3, d: 0.3, s: 0.5, depth: 15 })",
        1.5,
    );
    let c = windows(&x, 0.0, 1.5, 50.0, brightness);
    let top = argmax(&c);
    let peak_at = top as f32 * 0.05;
    assert!(
        (0.2..=0.4).contains(&peak_at),
        "brightest at {peak_at} s: {c:?}"
    );
    assert!(c[top] > c[0] + 20.0, "{c:?}");
    // Then down to the sustain: between the start and the peak.
    let late = c[25];
    assert!(late < c[top] - 2.0 && late > c[0] + 10.0, "{c:?}");
}

#[test]
fn lfo_on_pitch_and_pan() {
    // Pitch: ±10 % around 440 Hz.
    let x = mono(
        "$: note(\"a4\").s(\"sine\").clip(1).lfo({ c: 'note', rate: 2, depth: 0.2, shape: 'sine' })",
        1.0,
    );
    let f = windows(&x, 0.05, 0.95, 50.0, |w| peak_frequency(w, 100.0));
    let (lo, hi) = spread(&f);
    assert!(
        lo < 420.0 && hi > 460.0 && lo > 380.0 && hi < 500.0,
        "{lo}–{hi}"
    );
    // Pan: the balance swings between the channels.
    let r = render_src(
        "$: note(\"a3\").s(\"sine\").clip(1).pan(0.5).lfo({ rate: 2, depthabs: 1.6, shape: 'sine' })",
        1.0,
    );
    let st = &r.stems[0].1;
    let (l, rr) = (channel(st, 0), channel(st, 1));
    let balance: Vec<f32> = windows(&l, 0.05, 0.95, 50.0, rms)
        .iter()
        .zip(windows(&rr, 0.05, 0.95, 50.0, rms))
        .map(|(a, b)| db(a * a / (b * b).max(1e-12)))
        .collect();
    let (lo, hi) = spread(&balance);
    assert!(lo < -10.0 && hi > 10.0, "balance {lo}–{hi} dB");
}

#[test]
fn fx_chain_runs_in_the_given_order() {
    let held = "$: note(\"a2\").s(\"sawtooth\").clip(1)";
    // Filter then crush: the crusher's steps bring highs back; crush then
    // filter: the filter removes them.
    let filter_last = mono(&format!("{held}.FX(coarse(8)).FX(lpf(300))"), 1.0);
    let coarse_last = mono(&format!("{held}.FX(lpf(300)).FX(coarse(8))"), 1.0);
    let hi = |x: &[f32]| band_energy(seconds(x, 0.2, 0.9), 3000.0, 12000.0);
    assert!(
        db(hi(&coarse_last) / hi(&filter_last)) > 15.0,
        "{}",
        db(hi(&coarse_last) / hi(&filter_last))
    );
}

#[test]
fn distortion_algorithms_have_their_character() {
    let sine = |ctl: &str| mono(&format!("$: note(\"a3\").s(\"sine\").clip(1){ctl}"), 1.0);
    let harmonic =
        |x: &[f32], h: f32| band_energy(seconds(x, 0.2, 0.9), 220.0 * h - 15.0, 220.0 * h + 15.0);
    let soft = sine(".soft(2)");
    let asym = sine(".asym(2)");
    let hard = sine(".hard(3)");
    let fold = sine(".fold(4)");
    // Symmetric curves make odd harmonics only; the asymmetric diode
    // adds the second.
    let even = |x: &[f32]| db(harmonic(x, 2.0) / harmonic(x, 1.0));
    assert!(even(&soft) < -40.0, "soft {}", even(&soft));
    assert!(even(&asym) > -25.0, "asym {}", even(&asym));
    // Hard clipping and folding are rich in high harmonics; folding more so.
    let highs =
        |x: &[f32]| db(band_energy(seconds(x, 0.2, 0.9), 2000.0, 8000.0) / harmonic(x, 1.0));
    assert!(highs(&hard) > -40.0, "hard {}", highs(&hard));
    assert!(
        highs(&fold) > highs(&soft) + 6.0,
        "fold {} soft {}",
        highs(&fold),
        highs(&soft)
    );
    // The algorithm decides the sound: distort with a type is the named
    // function.
    let typed = sine(".distort(2).distorttype('asym')");
    assert!((even(&typed) - even(&asym)).abs() < 1.0);
}

#[test]
fn partials_make_the_waveform() {
    let x = mono(
        "$: note(\"a2\").s(\"user\").clip(1).partials([1, 0, 1])",
        1.0,
    );
    let h = |n: f32| band_energy(seconds(&x, 0.2, 0.9), 110.0 * n - 10.0, 110.0 * n + 10.0);
    assert!(db(h(3.0) / h(1.0)).abs() < 2.0, "{}", db(h(3.0) / h(1.0)));
    assert!(db(h(2.0) / h(1.0)) < -40.0, "{}", db(h(2.0) / h(1.0)));
    assert!(db(h(4.0) / h(1.0)) < -40.0, "{}", db(h(4.0) / h(1.0)));
    // On a sawtooth, the magnitudes scale its 1/n series: the 4th at a
    // quarter of the fundamental, the 2nd and 3rd gone.
    let saw = mono(
        "$: note(\"a2\").s(\"sawtooth\").clip(1).partials([1, 0, 0, 1])",
        1.0,
    );
    let h = |n: f32| band_energy(seconds(&saw, 0.2, 0.9), 110.0 * n - 10.0, 110.0 * n + 10.0);
    assert!(
        (db(h(4.0) / h(1.0)) + 12.0).abs() < 2.0,
        "{}",
        db(h(4.0) / h(1.0))
    );
    assert!(db(h(2.0) / h(1.0)) < -40.0 && db(h(3.0) / h(1.0)) < -40.0);
    // Without partials, `user` is a triangle: odd harmonics only.
    let tri = mono("$: note(\"a2\").s(\"user\").clip(1)", 1.0);
    let h = |n: f32| band_energy(seconds(&tri, 0.2, 0.9), 110.0 * n - 10.0, 110.0 * n + 10.0);
    assert!(db(h(3.0) / h(1.0)) < -15.0 && db(h(3.0) / h(1.0)) > -25.0);
}

#[test]
fn phases_cancel_against_the_unshifted_wave() {
    // Half a turn on every partial flips the wave: mixed with the
    // original, it cancels.
    let x = mono(
        "$: note(\"a2\").s(\"sawtooth\").clip(1).partials([1, 1, 1]).superimpose(x => x.phases([0.5, 0.5, 0.5]))",
        1.0,
    );
    let one = mono(
        "$: note(\"a2\").s(\"sawtooth\").clip(1).partials([1, 1, 1])",
        1.0,
    );
    let (a, b) = (rms(seconds(&x, 0.2, 0.9)), rms(seconds(&one, 0.2, 0.9)));
    assert!(db(a * a / (b * b)) < -20.0, "{} dB", db(a * a / (b * b)));
}
