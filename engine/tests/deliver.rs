//! A plain delivery (as mixed, no loop, no stems) finishes its master
//! while it is rendered: the same file and report as mastering the whole
//! mixdown afterwards.

mod common;

use common::program;
use engine::analysis::analyse;
use engine::deliver::{deliver, deliver_to, to_file, DeliverOptions, FileSamples, Loudness};
use engine::dither::Dither;
use engine::mastering::{limit, limiting, over_full_scale, Goal, Limiting};
use engine::render::{fade_out, mixdown, Length, MixOptions, SampleFormat, Tail};
use engine::wav::PcmData;

/// Loud enough to be limited, with a tail of silence.
const LOUD: &str = "bpm(150)\n\
    a: note(\"c3 [e3 g3] ~ b3\").s(\"buzz\").gain(3)\n\
    b: note(\"c5*4\").s(\"tone\").gain(2).room(0.4)";

fn options(length: Length, format: SampleFormat, dither: Dither, curve: bool) -> DeliverOptions {
    DeliverOptions {
        sample_rate: 48000,
        length,
        tail: 0.5,
        looped: false,
        stems: None,
        loudness: Loudness::AsMixed { ceiling_db: -1.0 },
        format,
        dither,
        input: Default::default(),
        loudness_curve: curve,
    }
}

/// What a plain delivery makes, mastered after the whole mixdown.
fn mastered_afterwards(src: &str, opts: &DeliverOptions) -> (FileSamples, Limiting, usize) {
    let mix = mixdown(
        program(src),
        Vec::new(),
        &MixOptions {
            sample_rate: opts.sample_rate,
            length: opts.length,
            tail: Tail::Seconds(opts.tail),
            stems: None,
            input: Default::default(),
        },
        Vec::new(),
        &mut |_| {},
    );
    let mut limited = limit(&mix.master, opts.sample_rate, 0.0, -1.0);
    fade_out(
        &mut limited.samples,
        (0.005 * opts.sample_rate as f64) as usize,
    );
    let file = to_file(&limited.samples, opts.format, opts.dither, 0);
    (
        file,
        limiting(&limited.gains),
        over_full_scale(&mix.master, 0.0),
    )
}

#[test]
fn a_plain_delivery_is_the_whole_mixdown_mastered() {
    let formats = [
        (SampleFormat::S24, Dither::None),
        (SampleFormat::S16, Dither::Tpdf),
        (SampleFormat::S16, Dither::Shaped),
        (SampleFormat::F32, Dither::None),
    ];
    for (length, (format, dither)) in [
        Length::Seconds(3.3),
        Length::Seconds(0.002),
        Length::Seconds(2.0),
        Length::Seconds(1.0),
    ]
    .into_iter()
    .zip(formats)
    {
        for curve in [false, true] {
            let opts = options(length, format, dither, curve);
            let d = deliver(program(LOUD), Vec::new(), &opts, &mut |_| {}).unwrap();
            let (file, work, clipped) = mastered_afterwards(LOUD, &opts);
            assert!(d.master == file, "{length:?} {format:?}");
            let r = &d.report;
            assert_eq!((r.limiting, r.clipped), (work, clipped));
            let mut whole = analyse(&file.to_f32(), 48000);
            if !curve {
                whole.loudness_curve.clear();
            }
            assert_eq!(format!("{:?}", r.master), format!("{whole:?}"));
            if length == Length::Seconds(3.3) {
                assert!(r.limiting.max_db > 1.0, "limited: {:?}", r.limiting);
            }
        }
    }
}

/// Handed on as they are made, the samples are those a delivery keeps,
/// and so is everything else it gives (a plain delivery, one mastered to
/// a target, a loop).
#[test]
fn a_delivery_hands_on_the_samples_it_would_keep() {
    let target = Loudness::Target {
        name: "test".into(),
        goal: Goal {
            integrated: -20.0,
            tolerance: 1.0,
            true_peak: -1.0,
        },
        max_limiting_db: 12.0,
    };
    let cases = [
        (
            SampleFormat::S24,
            Dither::None,
            Loudness::AsMixed { ceiling_db: -1.0 },
            false,
        ),
        (
            SampleFormat::S16,
            Dither::Tpdf,
            Loudness::AsMixed { ceiling_db: -1.0 },
            false,
        ),
        (
            SampleFormat::F32,
            Dither::None,
            Loudness::AsMixed { ceiling_db: -1.0 },
            false,
        ),
        (SampleFormat::S16, Dither::Shaped, target, false),
        (
            SampleFormat::F32,
            Dither::None,
            Loudness::AsMixed { ceiling_db: -1.0 },
            true,
        ),
    ];
    for (format, dither, loudness, looped) in cases {
        let mut opts = options(Length::Seconds(2.4), format, dither, false);
        opts.loudness = loudness.clone();
        if looped {
            opts.length = Length::Cycles(lang::Time::int(2));
            opts.tail = 0.0;
            opts.looped = true;
        }
        let kept = deliver(program(LOUD), Vec::new(), &opts, &mut |_| {}).unwrap();
        let (mut ints, mut floats, mut pieces) = (Vec::new(), Vec::new(), 0);
        let handed = deliver_to(program(LOUD), Vec::new(), &opts, &mut |_| {}, &mut |p| {
            pieces += 1;
            match p {
                PcmData::Int { samples, .. } => ints.extend_from_slice(samples),
                PcmData::Float(s) => floats.extend_from_slice(s),
            }
        })
        .unwrap();
        let what = format!("{format:?} {loudness:?} loop {looped}");
        let got = match &kept.master {
            FileSamples::Int { bits, .. } => FileSamples::Int {
                samples: ints,
                bits: *bits,
            },
            FileSamples::Float(_) => FileSamples::Float(floats),
        };
        assert!(got == kept.master, "{what}");
        let empty = match &kept.master {
            FileSamples::Int { bits, .. } => FileSamples::Int {
                samples: Vec::new(),
                bits: *bits,
            },
            FileSamples::Float(_) => FileSamples::Float(Vec::new()),
        };
        assert!(handed.master == empty, "{what}");
        // (Debug: a NaN figure is not equal to itself.)
        let report = |d: &engine::deliver::Delivered| format!("{:?}", d.report);
        assert_eq!(report(&handed), report(&kept), "{what}");
        assert_eq!(handed.markers, kept.markers, "{what}");
        let plain = matches!(loudness, Loudness::AsMixed { .. }) && !looped;
        assert_eq!(pieces > 1, plain, "{what}: {pieces} pieces");
    }
}
