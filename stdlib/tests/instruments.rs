//! Every instrument renders non-silent, in tune (the spectral peak within
//! 1% of the note), without clipping and without DC; every drum's
//! loudness is within a sane range of its kit.

mod common;
use common::*;

/// Pitched instruments and the note each is tested at (a noise band
/// that is tuned by the note is tested long and narrow).
const PITCHED: &[(&str, &str, f32, &str)] = &[
    ("sine", "a3", 220.0, ""),
    ("triangle", "a3", 220.0, ""),
    ("sawtooth", "a3", 220.0, ""),
    ("saw", "a3", 220.0, ""),
    ("square", "a3", 220.0, ""),
    ("pulse", "a3", 220.0, ""),
    ("supersaw", "a3", 220.0, ""),
    ("fm", "a3", 220.0, ""),
    ("pluck", "a3", 220.0, ""),
    ("pad", "a3", 220.0, ""),
    ("organ", "a3", 220.0, ""),
    ("acid", "a2", 110.0, ""),
    ("sub", "a1", 55.0, ""),
    ("bell", "a4", 440.0, ""),
    ("strings", "a3", 220.0, ""),
    ("snap", "a5", 880.0, ".decay(2).q(30)"),
];

#[test]
fn instruments_are_in_tune_clean_and_audible() {
    let mut report = Vec::new();
    for (name, note, hz, more) in PITCHED {
        let x = mono(
            &format!("$: note(\"{note}\").s(\"{name}\").clip(0.9){more}"),
            1.6,
        );
        let body = seconds(&x, 0.3, 1.3);
        let f = peak_frequency(body, 30.0);
        let err = (f - hz).abs() / hz;
        let (p, r, dc) = (peak(&x), rms(body), mean(&x));
        report.push(format!(
            "{name}: {f:.2} Hz (want {hz}), peak {p:.3}, rms {r:.3}, dc {dc:.5}"
        ));
        assert!(r > 0.005, "{name} is silent: {}", report.last().unwrap());
        assert!(err < 0.01, "{name} out of tune: {}", report.last().unwrap());
        assert!(p < 1.0, "{name} clips: {}", report.last().unwrap());
        assert!(
            dc.abs() < 0.01 * p.max(0.01),
            "{name} has DC: {}",
            report.last().unwrap()
        );
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn noises_are_audible_clean_and_centred() {
    for name in ["white", "pink", "brown", "burst"] {
        let x = mono(&format!("$: s(\"{name}\").clip(0.9)"), 1.0);
        let (p, r, dc) = (peak(&x), rms(&x), mean(&x));
        assert!(r > 0.005, "{name} silent");
        assert!(p < 1.0, "{name} clips ({p})");
        assert!(dc.abs() < 0.05 * p, "{name} DC {dc}");
    }
}

#[test]
fn every_instrument_follows_the_envelope_controls() {
    // A long release keeps sounding after the note; a short one does not.
    for name in [
        "sine", "sawtooth", "pad", "organ", "acid", "fm", "strings", "supersaw",
    ] {
        let long = mono(
            &format!("$: note(\"a3 ~\").s(\"{name}\").release(0.5)"),
            2.0,
        );
        let short = mono(
            &format!("$: note(\"a3 ~\").s(\"{name}\").release(0.01)"),
            2.0,
        );
        let after_long = rms(seconds(&long, 1.05, 1.2));
        let after_short = rms(seconds(&short, 1.05, 1.2));
        assert!(
            after_long > 10.0 * after_short.max(1e-6),
            "{name}: {after_long} vs {after_short}"
        );
        // A slow attack is quieter at the start.
        let slow = mono(&format!("$: note(\"a3\").s(\"{name}\").attack(0.5)"), 0.3);
        let fast = mono(&format!("$: note(\"a3\").s(\"{name}\").attack(0.001)"), 0.3);
        assert!(
            rms(seconds(&slow, 0.0, 0.05)) < 0.5 * rms(seconds(&fast, 0.0, 0.05)),
            "{name} attack"
        );
    }
}

#[test]
fn instruments_respond_to_gain_pan_and_cutoff() {
    let loud = mono("$: note(\"a3\").s(\"sawtooth\").gain(1)", 0.5);
    let soft = mono("$: note(\"a3\").s(\"sawtooth\").gain(0.25)", 0.5);
    assert!((rms(&loud) / rms(&soft) - 4.0).abs() < 0.2);
    let r = render_src("$: note(\"a3\").s(\"pluck\").pan(0)", 0.5);
    let s = &r.stems[0].1;
    assert!(rms(&channel(s, 1)) < 0.01 * rms(&channel(s, 0)));
    let open = mono("$: note(\"a2\").s(\"acid\").cutoff(3000)", 0.5);
    let closed = mono("$: note(\"a2\").s(\"acid\").cutoff(100).env(0)", 0.5);
    assert!(band_energy(&open, 1000.0, 5000.0) > 100.0 * band_energy(&closed, 1000.0, 5000.0));
    let vel = mono("$: note(\"a3\").s(\"organ\").velocity(0.5)", 0.5);
    let full = mono("$: note(\"a3\").s(\"organ\")", 0.5);
    assert!((rms(&full) / rms(&vel) - 2.0).abs() < 0.1);
}

#[test]
fn supersaw_voices_and_fm_index_change_the_sound() {
    let one = mono("$: note(\"a3\").s(\"supersaw\").voices(1)", 0.6);
    let seven = mono("$: note(\"a3\").s(\"supersaw\").voices(7)", 0.6);
    assert!(rms(&seven) > 1.5 * rms(&one));
    let plain = mono("$: note(\"a3\").s(\"fm\").index(0)", 0.6);
    let bright = mono("$: note(\"a3\").s(\"fm\").index(4)", 0.6);
    assert!(band_energy(&bright, 600.0, 4000.0) > 100.0 * band_energy(&plain, 600.0, 4000.0));
}

#[test]
fn drums_have_sane_levels_within_each_kit() {
    let mut lines = Vec::new();
    for kit in stdlib::KITS {
        let mut levels = Vec::new();
        for (d, _) in stdlib::DRUMS {
            let r = render_src(&format!("$: s(\"{d}\").bank(\"{kit}\")"), 2.0);
            let s = &r.stems[0].1;
            let l = max_momentary_lufs(s);
            let p = peak(s);
            lines.push(format!(
                "{kit} {d}: {l:.1} LUFS (momentary max), peak {p:.2}"
            ));
            assert!(p < 1.0, "{kit}_{d} clips: {p}");
            assert!(mean(&channel(s, 0)).abs() < 0.01, "{kit}_{d} has DC");
            levels.push(l);
        }
        let mut sorted = levels.clone();
        sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let median = sorted[sorted.len() / 2];
        for ((d, _), l) in stdlib::DRUMS.iter().zip(&levels) {
            assert!(
                *l > median - 12.0 && *l < median + 8.0 && *l < -6.0,
                "{kit}_{d} at {l:.1} LUFS, kit median {median:.1}\n{}",
                lines.join("\n")
            );
        }
    }
    eprintln!("{}", lines.join("\n"));
}

#[test]
fn drum_variants_and_tuning() {
    let a = mono("$: s(\"bd\").bank(\"tr808\")", 1.5);
    let b = mono("$: s(\"bd:2\").bank(\"tr808\")", 1.5);
    let wrapped = mono("$: s(\"bd:6\").bank(\"tr808\")", 1.5);
    assert!(a != b, "variants differ");
    assert_eq!(b, wrapped, "n wraps around");
    let low = peak_frequency(seconds(&a, 0.1, 0.6), 20.0);
    let high = peak_frequency(
        seconds(
            &mono("$: s(\"bd\").bank(\"tr808\").speed(2)", 1.5),
            0.05,
            0.3,
        ),
        20.0,
    );
    assert!((high / low - 2.0).abs() < 0.1, "{low} → {high}");
    let up = peak_frequency(
        seconds(
            &mono("$: s(\"bd\").bank(\"tr808\").note(\"c3\")", 1.5),
            0.05,
            0.3,
        ),
        20.0,
    );
    assert!(
        (up / low - 2.0).abs() < 0.1,
        "note c3 is an octave up: {low} → {up}"
    );
    // The long spelling of the bank and the default kit.
    assert_eq!(
        mono("$: s(\"sd\").bank(\"RolandTR909\")", 0.5),
        mono("$: s(\"sd\").bank(\"tr909\")", 0.5)
    );
    assert_eq!(mono("$: s(\"sd\")", 0.5), mono("$: s(\"tr909_sd\")", 0.5));
}
