//! Every effect measurably does what it says: filters attenuate where
//! they should, a delay repeats at its time, a reverb lengthens the tail,
//! modulation effects move at their rate, distortion adds harmonics,
//! dynamics hold the level down.

mod common;
use common::*;

/// The master mix (sends and master chain included), as mono.
fn mix(src: &str, seconds_: f64) -> Vec<f32> {
    let r = render_src(src, seconds_);
    r.samples
        .chunks_exact(2)
        .map(|f| 0.5 * (f[0] + f[1]))
        .collect()
}

/// RMS in consecutive windows of `ms` milliseconds.
fn envelope(x: &[f32], ms: f64) -> Vec<f32> {
    let n = (ms * SR as f64 / 1000.0) as usize;
    x.chunks(n).map(rms).collect()
}

/// A held sawtooth at 110 Hz with one effect control, from 0.2 s to 1.2 s.
fn saw_with(control: &str) -> Vec<f32> {
    held("sawtooth", "a2", control)
}

/// A held note of an instrument with a control, from 0.2 s to 1.2 s.
fn held(instrument: &str, note: &str, control: &str) -> Vec<f32> {
    let src = format!("$: note(\"{note}\").s(\"{instrument}\").clip(1){control}");
    seconds(&mono(&src, 1.3), 0.2, 1.2).to_vec()
}

#[test]
fn filters_attenuate_outside_their_band() {
    let dry = saw_with("");
    let low = saw_with(".lpf(500)");
    let high = saw_with(".hpf(2000)");
    let band = saw_with(".bandf(1000).bandq(4)");
    let ratio = |x: &[f32], lo: f32, hi: f32| band_energy(x, lo, hi) / band_energy(&dry, lo, hi);
    // Low-pass at 500 Hz: an octave and more above is at least 12 dB down,
    // the fundamental nearly untouched.
    assert!(
        db(ratio(&low, 2000.0, 8000.0)) < -12.0,
        "lpf {}",
        db(ratio(&low, 2000.0, 8000.0))
    );
    assert!(
        db(ratio(&low, 100.0, 120.0)).abs() < 3.0,
        "lpf keeps the fundamental"
    );
    // High-pass at 2 kHz: the fundamental goes.
    assert!(
        db(ratio(&high, 100.0, 120.0)) < -24.0,
        "hpf {}",
        db(ratio(&high, 100.0, 120.0))
    );
    assert!(db(ratio(&high, 3000.0, 8000.0)) > -3.0, "hpf keeps the top");
    // Band-pass at 1 kHz: both ends go, the band stays.
    assert!(db(ratio(&band, 100.0, 200.0)) < -15.0);
    assert!(db(ratio(&band, 6000.0, 12000.0)) < -12.0);
    assert!(db(ratio(&band, 900.0, 1100.0)) > -6.0);
}

#[test]
fn notch_removes_its_band() {
    let dry = mono("$: s(\"white\").clip(1)", 1.0);
    let notched = mono("$: s(\"white\").clip(1).notch(2000).notchq(2)", 1.0);
    let at = |x: &[f32]| band_energy(seconds(x, 0.1, 0.9), 1900.0, 2100.0);
    let away = |x: &[f32]| band_energy(seconds(x, 0.1, 0.9), 5000.0, 8000.0);
    assert!(
        db(at(&notched) / at(&dry)) < -15.0,
        "{}",
        db(at(&notched) / at(&dry))
    );
    assert!(db(away(&notched) / away(&dry)).abs() < 3.0);
}

#[test]
fn vowels_have_their_formants() {
    // "a" has its first formant high (~800 Hz), "i" low (~300 Hz) and a
    // second one high (~2 kHz or more).
    let a = saw_with(".vowel(\"a\")");
    let i = saw_with(".vowel(\"i\")");
    let low_a = band_energy(&a, 200.0, 400.0) / band_energy(&a, 600.0, 1000.0);
    let low_i = band_energy(&i, 200.0, 400.0) / band_energy(&i, 600.0, 1000.0);
    assert!(low_i > 4.0 * low_a, "i {low_i} vs a {low_a}");
}

#[test]
fn delay_repeats_at_its_time() {
    // A click at 0 and echoes every 0.25 s, each quieter.
    let x = mix(
        "$: s(\"rim ~ ~ ~ ~ ~ ~ ~\").delay(0.7).delaytime(0.25).delayfeedback(0.5)",
        2.0,
    );
    let env = envelope(&x, 10.0);
    let at = |t: f64| env[(t * 100.0) as usize];
    let between = |t: f64| env[(t * 100.0) as usize];
    for k in 1..=3 {
        let t = 0.25 * k as f64;
        assert!(at(t) > 5.0 * between(t + 0.1), "no echo at {t} s: {env:?}");
    }
    assert!(at(0.25) > at(0.5) && at(0.5) > at(0.75), "echoes fade");
    // A dry click has nothing there.
    let dry = envelope(&mix("$: s(\"rim ~ ~ ~ ~ ~ ~ ~\")", 2.0), 10.0);
    assert!(dry[25] < 0.01 * at(0.25));
}

#[test]
fn delaysync_follows_the_tempo() {
    // 3/8 of a cycle at 0.5 cycles per second is 0.75 s.
    let x = mix(
        "setcps(0.5)\n$: s(\"rim ~ ~ ~ ~ ~ ~ ~\").delay(0.7).delaysync(3/8).delayfeedback(0.3)",
        1.2,
    );
    let env = envelope(&x, 10.0);
    assert!(env[75] > 5.0 * env[60], "{env:?}");
    assert!(env[75] > 5.0 * env[90]);
}

#[test]
fn reverb_lengthens_the_tail_and_size_lengthens_it_more() {
    let tail = |src: &str| {
        let x = mix(src, 3.0);
        rms(seconds(&x, 1.0, 1.9))
    };
    let dry = tail("$: s(\"cp ~ ~ ~ ~ ~ ~ ~\")");
    let small = tail("$: s(\"cp ~ ~ ~ ~ ~ ~ ~\").room(0.6).size(1)");
    let big = tail("$: s(\"cp ~ ~ ~ ~ ~ ~ ~\").room(0.6).size(8)");
    assert!(dry < 1e-4, "{dry}");
    assert!(small > 1e-4, "{small}");
    assert!(big > 2.0 * small, "size: {big} vs {small}");
    // Damping darkens the tail.
    let bright = mix(
        "$: s(\"cp ~ ~ ~ ~ ~ ~ ~\").room(0.6).size(6).roomdamp(0)",
        3.0,
    );
    let dark = mix(
        "$: s(\"cp ~ ~ ~ ~ ~ ~ ~\").room(0.6).size(6).roomdamp(1)",
        3.0,
    );
    let hf = |x: &[f32]| {
        let t = seconds(x, 0.8, 2.0);
        band_energy(t, 4000.0, 12000.0) / band_energy(t, 200.0, 1000.0)
    };
    assert!(
        hf(&dark) < 0.5 * hf(&bright),
        "{} vs {}",
        hf(&dark),
        hf(&bright)
    );
}

/// The modulation rate found in an RMS envelope: the lag (in windows)
/// where its autocorrelation peaks, searched between `lo` and `hi`.
fn modulation_period(env: &[f32], lo: usize, hi: usize) -> usize {
    let m = env.iter().sum::<f32>() / env.len() as f32;
    let d: Vec<f32> = env.iter().map(|v| v - m).collect();
    let ac = |lag: usize| -> f32 { d.iter().zip(&d[lag..]).map(|(a, b)| a * b).sum() };
    (lo..hi).max_by(|a, b| ac(*a).total_cmp(&ac(*b))).unwrap()
}

#[test]
fn tremolo_wobbles_the_level_at_its_rate() {
    // An 880 Hz sine: 5 ms windows hold whole periods, so only the
    // tremolo moves the level.
    let x = held("sine", "a5", ".tremolo(5).tremolodepth(1)");
    let env = envelope(&x, 5.0);
    // 5 Hz: a 200 ms period, 40 windows of 5 ms.
    let period = modulation_period(&env, 20, 60);
    assert!((period as i32 - 40).abs() <= 2, "period {period} windows");
    let (lo, hi) = env
        .iter()
        .fold((f32::MAX, 0.0f32), |(a, b), v| (a.min(*v), b.max(*v)));
    assert!(hi > 4.0 * lo, "depth: {lo}..{hi}");
    let steady = envelope(&held("sine", "a5", ""), 5.0);
    let (slo, shi) = steady
        .iter()
        .fold((f32::MAX, 0.0f32), |(a, b), v| (a.min(*v), b.max(*v)));
    assert!(shi < 1.2 * slo, "the dry note is steady: {slo}..{shi}");
}

#[test]
fn autopan_moves_between_the_channels() {
    let r = render_src("$: note(\"a2\").s(\"sawtooth\").clip(1).autopan(2)", 1.3);
    let s = &r.stems[0].1;
    let (l, rr) = (channel(s, 0), channel(s, 1));
    let balance: Vec<f32> = envelope(seconds(&l, 0.2, 1.2), 10.0)
        .iter()
        .zip(envelope(seconds(&rr, 0.2, 1.2), 10.0))
        .map(|(a, b)| a / (a + b + 1e-9))
        .collect();
    let (lo, hi) = balance
        .iter()
        .fold((1.0f32, 0.0f32), |(a, b), v| (a.min(*v), b.max(*v)));
    assert!(lo < 0.25 && hi > 0.75, "balance {lo}..{hi}");
    // 2 Hz: a 500 ms period, 50 windows of 10 ms.
    let period = modulation_period(&balance, 30, 80);
    assert!((period as i32 - 50).abs() <= 3, "period {period}");
}

#[test]
fn ring_modulation_moves_the_partials() {
    // A 220 Hz sine times a 310 Hz sine: 90 Hz and 530 Hz, no 220 Hz.
    let x = mono(
        "$: note(\"a3\").s(\"sine\").clip(1).ring(1).ringf(310)",
        1.3,
    );
    let body = seconds(&x, 0.2, 1.2);
    let e = |f: f32| band_energy(body, f - 10.0, f + 10.0);
    assert!(e(530.0) > 100.0 * e(220.0), "{} vs {}", e(530.0), e(220.0));
    assert!(e(90.0) > 100.0 * e(220.0));
}

#[test]
fn distortion_adds_harmonics() {
    let harmonics = |control: &str| {
        let x = mono(
            &format!("$: note(\"a3\").s(\"sine\").clip(1){control}"),
            1.3,
        );
        let body = seconds(&x, 0.2, 1.2);
        band_energy(body, 600.0, 20000.0) / band_energy(body, 200.0, 240.0)
    };
    let clean = harmonics("");
    for control in [".shape(0.8)", ".distort(3)", ".crush(3)", ".coarse(8)"] {
        let h = harmonics(control);
        assert!(h > 100.0 * clean.max(1e-9), "{control}: {h} vs {clean}");
    }
}

#[test]
fn chorus_phaser_and_flanger_change_the_sound_over_time() {
    // Each leaves the sound different from the dry one, and different from
    // itself half a modulation period later.
    let dry = saw_with("");
    let spectrum_at = |x: &[f32], t: f64| {
        let (mag, _) = spectrum(seconds(x, t, t + 0.1));
        mag
    };
    let distance = |a: &[f32], b: &[f32]| {
        let n: f32 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
        let d: f32 = a.iter().map(|x| x * x).sum();
        n / d
    };
    for (control, half_period) in [
        (".chorus(0.8).chorusrate(2)", 0.25),
        (".phaser(2).phaserdepth(1)", 0.25),
        (".flanger(2).flangerdepth(1)", 0.25),
    ] {
        let x = saw_with(control);
        let moved = distance(&spectrum_at(&x, 0.2), &spectrum_at(&x, 0.2 + half_period));
        let still = distance(
            &spectrum_at(&dry, 0.2),
            &spectrum_at(&dry, 0.2 + half_period),
        );
        assert!(moved > 10.0 * still, "{control}: {moved} vs {still}");
        assert!(distance(&x, &dry) > 0.05, "{control} changes the sound");
    }
}

#[test]
fn compressor_and_limiter_hold_the_level_down() {
    let loud = saw_with(".gain(1.5)");
    let comp = saw_with(".gain(1.5).compressor(-30).compressorRatio(10)");
    let limited = saw_with(".gain(1.5).limiter(-30)");
    assert!(
        rms(&comp) < 0.5 * rms(&loud),
        "{} vs {}",
        rms(&comp),
        rms(&loud)
    );
    let ceiling = 10f32.powf(-30.0 / 20.0);
    assert!(
        peak(&limited) < ceiling * 1.05,
        "{} over {ceiling}",
        peak(&limited)
    );
    assert!(peak(&loud) > 2.0 * ceiling, "{}", peak(&loud));
}

#[test]
fn eq_bands_boost_and_cut_where_they_say() {
    let dry = saw_with("");
    let ratio_db =
        |x: &[f32], lo: f32, hi: f32| db(band_energy(x, lo, hi) / band_energy(&dry, lo, hi));
    let low = saw_with(".eqlow(9)");
    assert!(
        ratio_db(&low, 100.0, 120.0) > 6.0,
        "{}",
        ratio_db(&low, 100.0, 120.0)
    );
    assert!(ratio_db(&low, 5000.0, 10000.0).abs() < 2.0);
    let high = saw_with(".eqhigh(-12)");
    assert!(
        ratio_db(&high, 6000.0, 12000.0) < -9.0,
        "{}",
        ratio_db(&high, 6000.0, 12000.0)
    );
    assert!(ratio_db(&high, 100.0, 120.0).abs() < 2.0);
    let mid = saw_with(".eqfreq(1000).eqgain(12).eqq(2)");
    assert!(
        ratio_db(&mid, 950.0, 1050.0) > 9.0,
        "{}",
        ratio_db(&mid, 950.0, 1050.0)
    );
    assert!(ratio_db(&mid, 100.0, 120.0).abs() < 2.0);
}

#[test]
fn effect_presets_apply_as_chains() {
    // `lofi` band-limits and crushes; `space` adds a tail.
    let dry = mix("$: note(\"a3 ~ ~ ~\").s(\"sine\")", 2.5);
    let lofi = mix("$: note(\"a3 ~ ~ ~\").s(\"sine\").fx(lofi(3, 4))", 2.5);
    let space = mix("$: note(\"a3 ~ ~ ~\").s(\"sine\").fx(space(0.9, 0.5))", 2.5);
    let hf = |x: &[f32]| band_energy(seconds(x, 0.05, 0.25), 1000.0, 5000.0);
    assert!(hf(&lofi) > 100.0 * hf(&dry));
    let tail = |x: &[f32]| rms(seconds(x, 1.0, 2.0));
    assert!(tail(&space) > 100.0 * tail(&dry).max(1e-7));
}
