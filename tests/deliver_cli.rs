//! `weft render` as a deliverable, end to end: loudness targets measured
//! with ebur128, FLAC read back with symphonia, seamless loops, BWF/cue/smpl
//! chunks read back by an independent reader (Python), stems that sum to
//! the mix, the report, and clear errors for bad options.

mod common;

use common::{run_weft, temp_dir};
use std::path::{Path, PathBuf};

/// Sustained chords (low crest factor) at `gain`, 120 BPM.
fn chords(gain: f64) -> String {
    format!(
        "bpm(120)\n\
         pad: note(\"<[c3,e3,g3,b3] [a2,c3,e3,g3]>\").s(\"sawtooth\").lpf(1800).gain({gain})\n\
         bass: note(\"c2 c2 g1 a1\").s(\"triangle\").gain({gain})\n"
    )
}

fn write_program(dir: &Path, name: &str, src: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, src).unwrap();
    p
}

fn render(args: &[&str]) -> (i32, String, String) {
    run_weft(&[&["render"], args].concat())
}

/// A WAV file's samples as floats (full scale ±1) and its sample rate.
fn read_wav(path: &Path) -> (Vec<f32>, u32) {
    let r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => r.into_samples::<f32>().map(|s| s.unwrap()).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1i64 << (spec.bits_per_sample - 1)) as f64;
            r.into_samples::<i32>()
                .map(|s| (s.unwrap() as f64 * scale) as f32)
                .collect()
        }
    };
    (samples, spec.sample_rate)
}

/// Integrated loudness (LUFS) and true peak (dBTP) as ebur128 measures them.
fn measure(samples: &[f32], rate: u32) -> (f64, f64) {
    use ebur128::{EbuR128, Mode};
    let mut m = EbuR128::new(2, rate, Mode::I | Mode::TRUE_PEAK).unwrap();
    m.add_frames_f32(samples).unwrap();
    let tp = m.true_peak(0).unwrap().max(m.true_peak(1).unwrap());
    (m.loudness_global().unwrap(), 20.0 * tp.log10())
}

#[test]
fn every_target_is_met_from_quiet_and_loud_mixes() {
    let d = temp_dir("targets");
    let programs = [
        write_program(&d, "quiet.weft", &chords(0.05)),
        write_program(&d, "loud.weft", &chords(0.8)),
    ];
    let mut before = Vec::new();
    for p in &programs {
        let out = d.join("as-mixed.wav");
        let (code, _, e) = render(&[
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--cycles",
            "4",
        ]);
        assert_eq!(code, 0, "{e}");
        let (s, r) = read_wav(&out);
        before.push(measure(&s, r).0);
    }
    // The two mixes lie far apart, on either side of most targets.
    assert!(before[1] - before[0] > 20.0, "{before:?}");
    for (name, lufs, tolerance, ceiling) in [
        ("streaming", -14.0, 1.0, -1.0),
        ("apple-music", -16.0, 1.0, -1.0),
        ("podcast", -16.0, 1.0, -1.0),
        ("ebu-r128", -23.0, 0.5, -1.0),
        ("atsc-a85", -24.0, 2.0, -2.0),
        ("streaming-drama", -27.0, 2.0, -2.0),
        ("games-console", -24.0, 2.0, -1.0),
        ("games-mobile", -18.0, 2.0, -1.0),
    ] {
        for p in &programs {
            let out = d.join(format!("{name}.wav"));
            let (code, stdout, e) = render(&[
                p.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--cycles",
                "4",
                "--target",
                name,
            ]);
            assert_eq!(code, 0, "{name} {}: {e}", p.display());
            assert!(stdout.contains(&format!("target {name}")), "{stdout}");
            assert!(stdout.contains(": met"), "{stdout}");
            let (s, r) = read_wav(&out);
            let (integrated, true_peak) = measure(&s, r);
            assert!(
                (integrated - lufs).abs() <= tolerance,
                "{name} from {}: {integrated} LUFS",
                p.display()
            );
            // Exactly on the target unless it backed off within the tolerance.
            if !stdout.contains("the exact level needed") {
                assert!((integrated - lufs).abs() < 0.1, "{name}: {integrated}");
            }
            assert!(true_peak <= ceiling + 0.01, "{name}: {true_peak} dBTP");
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_target_that_needs_too_much_limiting_fails_loudly() {
    let d = temp_dir("target-fails");
    // Drums and bass with sharp transients: −14 LUFS under −1 dBTP needs
    // about 10 dB of limiting.
    let p = Path::new("examples/first.weft");
    let out = d.join("drums.wav");
    let at_most_3_db = |target: &str| {
        render(&[
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--cycles",
            "4",
            "--target",
            target,
            "--max-limiting",
            "3",
        ])
    };
    let (code, stdout, e) = at_most_3_db("streaming");
    assert_eq!(code, 3, "{stdout}{e}");
    assert!(e.contains("cannot meet streaming"), "{e}");
    assert!(e.contains("more than the 3.0 dB allowed"), "{e}");
    assert!(!out.exists(), "a file was written");
    // A broadcast level needs no limiting.
    let (code, stdout, e) = at_most_3_db("ebu-r128");
    assert_eq!(code, 0, "{e}");
    assert!(stdout.contains("met"), "{stdout}");
    let _ = std::fs::remove_dir_all(&d);
}

/// FLAC samples as integers of `bits` bits, decoded by symphonia.
fn read_flac(path: &Path, bits: u32) -> (Vec<i32>, u32) {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::DecoderOptions;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::probe::Hint;
    let file = std::fs::File::open(path).unwrap();
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.with_extension("flac");
    let mut probed = symphonia::default::get_probe()
        .format(&hint, mss, &Default::default(), &Default::default())
        .unwrap();
    let track = probed.format.default_track().unwrap();
    let rate = track.codec_params.sample_rate.unwrap();
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .unwrap();
    let mut out = Vec::new();
    while let Ok(packet) = probed.format.next_packet() {
        let audio = decoder.decode(&packet).unwrap();
        let mut buf = SampleBuffer::<i32>::new(audio.capacity() as u64, *audio.spec());
        buf.copy_interleaved_ref(audio);
        out.extend(buf.samples().iter().map(|&x| x >> (32 - bits)));
    }
    (out, rate)
}

#[test]
fn flac_holds_the_same_samples_as_wav() {
    let d = temp_dir("flac");
    let p = write_program(&d, "chords.weft", &chords(0.5));
    for (format, bits, rate) in [("s16", 16, "44100"), ("s24", 24, "96000")] {
        let (wav, flac) = (d.join("x.wav"), d.join("x.flac"));
        for out in [&wav, &flac] {
            let (code, _, e) = render(&[
                p.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--cycles",
                "1",
                "--format",
                format,
                "--sample-rate",
                rate,
            ]);
            assert_eq!(code, 0, "{e}");
        }
        assert_eq!(&std::fs::read(&flac).unwrap()[..4], b"fLaC");
        let (decoded, r) = read_flac(&flac, bits);
        assert_eq!(r.to_string(), rate);
        let w = hound::WavReader::open(&wav).unwrap();
        let ints: Vec<i32> = w.into_samples::<i32>().map(|s| s.unwrap()).collect();
        // One cycle (2 s) rendered at the rate itself.
        assert_eq!(ints.len(), 2 * 2 * rate.parse::<usize>().unwrap());
        assert!(decoded == ints, "{format}: FLAC and WAV differ");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn dither_defaults_and_choices() {
    let d = temp_dir("dither");
    let p = write_program(&d, "chords.weft", &chords(0.5));
    let run = |extra: &[&str]| {
        let out = d.join("x.wav");
        let args = [
            &[
                p.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--cycles",
                "1",
            ],
            extra,
        ]
        .concat();
        let (code, stdout, e) = render(&args);
        (code, stdout, e, std::fs::read(&out).unwrap_or_default())
    };
    let (code, stdout, e, tpdf) = run(&["--format", "s16"]);
    assert_eq!(code, 0, "{e}");
    assert!(stdout.contains("16-bit, tpdf dither"), "{stdout}");
    let (_, stdout, _, plain) = run(&["--format", "s16", "--dither", "none"]);
    assert!(stdout.contains("16-bit, no dither"), "{stdout}");
    let (_, stdout, _, shaped) = run(&["--format", "s16", "--dither", "shaped"]);
    assert!(stdout.contains("16-bit, shaped dither"), "{stdout}");
    assert!(tpdf != plain && shaped != plain && shaped != tpdf);
    let (_, stdout, _, _) = run(&[]);
    assert!(stdout.contains("24-bit, no dither"), "{stdout}");
    let (code, _, e, _) = run(&["--dither", "noise"]);
    assert_eq!(code, 2);
    assert!(e.contains("none, tpdf or shaped"), "{e}");
    let (code, _, e, _) = run(&["--format", "f32", "--dither", "tpdf"]);
    assert_eq!(code, 2);
    assert!(e.contains("integer formats"), "{e}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Largest step between neighbouring frames of `x` (interleaved stereo)
/// over frames `from..to` (steps from frame i to i+1).
fn max_step(x: &[f32], from: usize, to: usize) -> f32 {
    (from..to)
        .flat_map(|i| {
            [
                (x[2 * i + 2] - x[2 * i]).abs(),
                (x[2 * i + 3] - x[2 * i + 1]).abs(),
            ]
        })
        .fold(0.0, f32::max)
}

#[test]
fn a_loop_repeats_seamlessly_with_its_tails_wrapped() {
    let d = temp_dir("loop");
    // The same every cycle, with long reverb and delay tails.
    let p = write_program(
        &d,
        "loop.weft",
        "bpm(120)\n\
         lead: note(\"c4 e4 g4 [b4 c5]\").s(\"sine\").room(0.9).size(0.9).delay(0.5).delayfeedback(0.6).gain(0.5)\n",
    );
    let looped = d.join("loop.wav");
    let (code, stdout, e) = render(&[
        p.to_str().unwrap(),
        "-o",
        looped.to_str().unwrap(),
        "--cycles",
        "2",
        "--loop",
    ]);
    assert_eq!(code, 0, "{e}");
    assert!(stdout.contains("loop: 192000 frames"), "{stdout}");
    let (x, _) = read_wav(&looped);
    // Exactly two cycles at 120 BPM.
    let n = x.len() / 2;
    assert_eq!(n, 192_000);
    let half = n / 2;

    // The file joined to itself: the step from its last frame to its first
    // is no larger than the steps of its middle, where one cycle runs into
    // the next.
    let joined: Vec<f32> = x.iter().chain(x.iter()).copied().collect();
    let seam = max_step(&joined, n - 50, n + 50);
    let middle = max_step(&x, half - 50, half + 50);
    let everywhere = max_step(&x, n / 4, 3 * n / 4);
    assert!(seam <= middle * 1.05 + 1e-6, "seam {seam}, middle {middle}");
    assert!(seam <= everywhere, "seam {seam}, middle half {everywhere}");

    // With the tails wrapped round, the loop is in its steady state: both
    // cycles sound the same, including the first one's start, which
    // carries the tails of the end.
    let diff = (0..half)
        .flat_map(|i| {
            [
                (x[2 * i] - x[2 * (i + half)]).abs(),
                (x[2 * i + 1] - x[2 * (i + half) + 1]).abs(),
            ]
        })
        .fold(0.0f32, f32::max);
    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(diff < peak * 1e-3, "cycles differ by {diff} (peak {peak})");
    // Not so without --loop: the first cycle starts without the tails.
    let plain = d.join("plain.wav");
    let (code, _, e) = render(&[
        p.to_str().unwrap(),
        "-o",
        plain.to_str().unwrap(),
        "--cycles",
        "2",
    ]);
    assert_eq!(code, 0, "{e}");
    let (y, _) = read_wav(&plain);
    let diff = (0..half / 2)
        .map(|i| (y[2 * i] - y[2 * (i + half)]).abs())
        .fold(0.0f32, f32::max);
    assert!(
        diff > peak * 0.05,
        "the plain render's cycles differ by only {diff}"
    );

    // The smpl chunk loops the whole file.
    let chunks = riff_chunks(&std::fs::read(&looped).unwrap());
    let smpl = &chunks
        .iter()
        .find(|(id, _)| id == "smpl")
        .expect("no smpl chunk")
        .1;
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    assert_eq!(u32_at(smpl, 28), 1, "one loop");
    assert_eq!((u32_at(smpl, 36 + 8), u32_at(smpl, 36 + 12)), (0, 191_999));
    let _ = std::fs::remove_dir_all(&d);
}

/// The chunks of a RIFF file (id, body), walked by the sizes alone.
fn riff_chunks(b: &[u8]) -> Vec<(String, Vec<u8>)> {
    assert_eq!(&b[0..4], b"RIFF");
    assert_eq!(&b[8..12], b"WAVE");
    let mut out = Vec::new();
    let mut pos = 12;
    while pos + 8 <= b.len() {
        let id = String::from_utf8_lossy(&b[pos..pos + 4]).into_owned();
        let len = u32::from_le_bytes(b[pos + 4..pos + 8].try_into().unwrap()) as usize;
        out.push((id, b[pos + 8..pos + 8 + len].to_vec()));
        pos += 8 + len + len % 2;
    }
    assert_eq!(pos, b.len());
    out
}

const SONG: &str = "bpm(120)
section intro {
  drums: s(\"bd*4\")
}
section verse {
  drums: s(\"bd*4, [~ sd]*2, hh*8\")
  bass: note(\"c2 [~ c2] eb2 g1\").s(\"sawtooth\").lpf(900)
}
song: arrange([2, intro], [4, verse])
";

/// Reads a WAV file's bext, cue, labels and smpl with Python's standard
/// library (struct), as an editor's tools would: one `key value` line each.
const CHUNK_READER: &str = r#"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
pos = 12
while pos + 8 <= len(data):
    cid, size = struct.unpack("<4sI", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + size]
    if cid == b"bext":
        desc, orig, ref, date, time = struct.unpack("<256s32s32s10s8s", body[:338])
        low, high, version = struct.unpack("<IIH", body[338:348])
        loud = struct.unpack("<5h", body[412:422])
        print("description", desc.rstrip(b"\0").decode())
        print("originator", orig.rstrip(b"\0").decode())
        print("date", date.decode())
        print("time", time.decode())
        print("time_reference", low + (high << 32))
        print("version", version)
        print("loudness", loud[0] / 100, loud[2] / 100)
        print("history", body[602:].rstrip(b"\0").decode().strip())
    elif cid == b"cue ":
        (n,) = struct.unpack("<I", body[:4])
        for i in range(n):
            ident, position, chunk, start, block, offset = struct.unpack("<II4sIII", body[4 + 24 * i:28 + 24 * i])
            print("cue", ident, offset)
    elif cid == b"LIST" and body[:4] == b"adtl":
        p = 4
        while p + 8 <= len(body):
            sid, ssize = struct.unpack("<4sI", body[p:p + 8])
            if sid == b"labl":
                (ident,) = struct.unpack("<I", body[p + 8:p + 12])
                print("label", ident, body[p + 12:p + 8 + ssize].rstrip(b"\0").decode())
            p += 8 + ssize + (ssize % 2)
    elif cid == b"smpl":
        fields = struct.unpack("<9I", body[:36])
        print("smpte", fields[5], "%08x" % fields[6])
        for i in range(fields[7]):
            loop = struct.unpack("<6I", body[36 + 24 * i:60 + 24 * i])
            print("loop", loop[2], loop[3])
    pos += 8 + size + (size % 2)
"#;

fn python_chunks(path: &Path) -> Option<Vec<String>> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(CHUNK_READER)
        .arg(path)
        .output();
    match out {
        Err(e) => {
            println!("skipped: no {python} ({e})");
            None
        }
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            Some(
                String::from_utf8(o.stdout)
                    .unwrap()
                    .lines()
                    .map(str::to_string)
                    .collect(),
            )
        }
    }
}

#[test]
fn markers_and_broadcast_metadata_read_back() {
    let d = temp_dir("bwf");
    let p = write_program(&d, "song.weft", SONG);
    let out = d.join("song.wav");
    let (code, stdout, e) = run_weft_env(
        &[
            "render",
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--song",
            "--loop",
            "--timecode",
            "01:00:00:00",
            "--fps",
            "25",
            "--description",
            "Spot 3, take 2",
        ],
        // 2024-05-06 07:08:09 UTC.
        &[("SOURCE_DATE_EPOCH", "1714979289")],
    );
    assert_eq!(code, 0, "{e}");
    assert!(stdout.contains("markers: intro, verse"), "{stdout}");
    // A reader that knows only fmt and data still finds the samples.
    let (samples, rate) = read_wav(&out);
    assert_eq!((samples.len(), rate), (2 * 12 * 48000, 48000));
    let Some(lines) = python_chunks(&out) else {
        return;
    };
    let has = |l: &str| lines.iter().any(|x| x == l);
    for l in [
        "description Spot 3, take 2",
        "originator weft",
        "date 2024-05-06",
        "time 07:08:09",
        // One hour at 48 kHz.
        "time_reference 172800000",
        "version 2",
        "cue 1 0",
        // The verse starts at cycle 2: 4 s.
        "cue 2 192000",
        "label 1 intro",
        "label 2 verse",
        "smpte 25 01000000",
        "loop 0 575999",
    ] {
        assert!(has(l), "no `{l}` in {lines:#?}");
    }
    let loudness = lines.iter().find(|l| l.starts_with("loudness ")).unwrap();
    let lufs: f64 = loudness.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(lufs < -5.0 && lufs > -40.0, "{loudness}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("history A=PCM,F=48000,W=24")),
        "{lines:#?}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

fn run_weft_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = common::weft()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn post_master_stems_sum_to_the_mix() {
    let d = temp_dir("stem-sum");
    // Two tracks sharing an orbit's reverb and delay, a linear master chain.
    let p = write_program(
        &d,
        "mix.weft",
        "bpm(120)\n\
         keys: note(\"c4 e4 g4 b4\").s(\"triangle\").room(0.6).size(0.8).gain(0.6)\n\
         bass: note(\"c2 ~ g1 ~\").s(\"sawtooth\").lpf(700).delay(0.4).gain(0.7)\n\
         master: peq(800, -4, 1.5)\n",
    );
    let out = d.join("mix.wav");
    let stems = d.join("stems");
    let report = d.join("report.json");
    let (code, stdout, e) = render(&[
        p.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--cycles",
        "4",
        "--tail",
        "2",
        "--target",
        "podcast",
        "--stems",
        stems.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{e}");
    let (mix, _) = read_wav(&out);
    let mut sum = vec![0.0f64; mix.len()];
    for t in ["keys", "bass"] {
        let (s, _) = read_wav(&stems.join(format!("{t}.wav")));
        // Same length and start as the mix.
        assert_eq!(s.len(), mix.len(), "{t}");
        assert!(s.iter().any(|x| x.abs() > 0.01), "{t} is silent");
        for (a, b) in sum.iter_mut().zip(&s) {
            *a += *b as f64;
        }
    }
    let worst = sum
        .iter()
        .zip(&mix)
        .map(|(a, b)| (a - *b as f64).abs())
        .fold(0.0, f64::max);
    // The stated tolerance: −100 dBFS (24-bit rounding of three files is
    // about −132 dBFS).
    assert!(worst < 1e-5, "stems sum to the mix ±{worst}");

    // The table and the report name every track with its figures.
    for word in ["master", "keys", "bass", "post-master stems"] {
        assert!(stdout.contains(word), "{stdout}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["target"]["name"], "podcast");
    assert_eq!(json["target"]["met"], true);
    let master = &json["master"];
    let (measured, _) = measure(&mix, 48000);
    assert!((master["integrated_lufs"].as_f64().unwrap() - measured).abs() < 0.01);
    for key in [
        "loudness_range_lu",
        "short_term_max_lufs",
        "true_peak_dbtp",
        "sample_peak_dbfs",
        "crest_factor_db",
        "stereo_correlation",
        "mono_fold_down_loss_db",
        "dc_offset_dbfs",
    ] {
        assert!(master[key].is_number(), "{key}: {master}");
    }
    assert!(master["limiter_gain_reduction_db"]["max"].is_number());
    assert!(master["limiter_gain_reduction_db"]["mean"].is_number());
    assert!(master["clipped_samples_before_limiter"].is_u64());
    let tracks = json["tracks"].as_array().unwrap();
    let names: Vec<&str> = tracks.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["keys", "bass"]);
    for t in tracks {
        assert!(
            t["integrated_lufs"].as_f64().unwrap() < master["integrated_lufs"].as_f64().unwrap()
        );
        assert!(t["true_peak_dbtp"].is_number() && t["sample_peak_dbfs"].is_number());
    }
    assert_eq!(json["stems"]["point"], "post-master");
    assert!(json["stems"]["sum_error_dbfs"].as_f64().unwrap() < -100.0);
    assert!(
        json["loudness_over_time"]["short_term_lufs"]
            .as_array()
            .unwrap()
            .len()
            > 50
    );

    // Pre-master stems: the same length and start, before the master's
    // gain (so quieter here, where the target raised the mix).
    let pre = d.join("pre");
    let (code, stdout, e) = render(&[
        p.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--cycles",
        "4",
        "--tail",
        "2",
        "--target",
        "podcast",
        "--stems",
        pre.to_str().unwrap(),
        "--stems-pre",
    ]);
    assert_eq!(code, 0, "{e}");
    assert!(stdout.contains("pre-master stems"), "{stdout}");
    for t in ["keys", "bass"] {
        let (s, _) = read_wav(&pre.join(format!("{t}.wav")));
        assert_eq!(s.len(), mix.len(), "{t}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_options_give_clear_errors() {
    let d = temp_dir("deliver-errors");
    let p = write_program(&d, "chords.weft", &chords(0.5));
    let out = d.join("x.wav");
    let (p, o) = (p.to_str().unwrap(), out.to_str().unwrap());
    let tempo_song = write_program(
        &d,
        "tempo.weft",
        "bpm(120)\nsection a { x: note(\"c3\") }\nsection b { bpm(90)\n x: note(\"e3\") }\nsong: arrange([1, a], [1, b])\n",
    );
    let t = tempo_song.to_str().unwrap();
    for (args, message) in [
        (
            vec![p, "-o", o, "--target", "loud"],
            "unknown target `loud`",
        ),
        (vec![p, "-o", o, "--target", "loud"], "ebu-r128"),
        (
            vec![p, "-o", o, "--timecode", "00:01:00:00", "--fps", "29.97df"],
            "does not exist",
        ),
        (
            vec![p, "-o", o, "--timecode", "25:00:00:00", "--fps", "25"],
            "hours go up to 23",
        ),
        (
            vec![p, "-o", o, "--timecode", "00:00:00:25", "--fps", "25"],
            "frames go up to 24",
        ),
        (
            vec![p, "-o", o, "--timecode", "1:00", "--fps", "25"],
            "HH:MM:SS:FF",
        ),
        (
            vec![p, "-o", o, "--timecode", "01:00:00:00", "--fps", "60"],
            "--fps expects",
        ),
        (
            vec![p, "-o", o, "--loop", "--cycles", "3/2"],
            "whole number of cycles",
        ),
        (
            vec![t, "-o", o, "--loop", "--cycles", "3"],
            "tempo changes at cycle 1",
        ),
        (
            vec![p, "-o", d.join("x.mp3").to_str().unwrap()],
            "name the file .wav or .flac",
        ),
        (
            vec![
                p,
                "-o",
                d.join("x.flac").to_str().unwrap(),
                "--format",
                "f32",
            ],
            "FLAC stores integers",
        ),
        (
            vec![p, "-o", o, "--loop", "--tail", "2"],
            "leave out --tail",
        ),
    ] {
        let (code, _, e) = render(&args);
        assert_eq!(code, 2, "{args:?}: {e}");
        assert!(e.contains(message), "{args:?}: {e}");
        assert!(!out.exists());
    }
    // The list of targets names each specification.
    let (code, stdout, _) = render(&["--list-targets"]);
    assert_eq!(code, 0);
    for word in ["EBU R 128", "ATSC A/85", "ASWG-R001", "Netflix", "Apple"] {
        assert!(stdout.contains(word), "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn loudness_over_time_is_drawn_with_the_target() {
    let d = temp_dir("loudness-plot");
    let prog = write_program(&d, "mix.weft", &chords(0.3));
    let wav = d.join("mix.wav");
    let svg = d.join("loudness.svg");
    let png = d.join("loudness.png");
    for picture in [&svg, &png] {
        let (code, _, err) = render(&[
            prog.to_str().unwrap(),
            "-o",
            wav.to_str().unwrap(),
            "--cycles",
            "4",
            "--target",
            "streaming",
            "--loudness-plot",
            picture.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("target streaming: -14 LUFS"), "{text}");
    // The integrated loudness drawn is the file's, as measured independently.
    let (samples, rate) = read_wav(&wav);
    let (lufs, _) = measure(&samples, rate);
    let drawn: f64 = text
        .split("integrated ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("an integrated loudness label");
    assert!(
        (drawn - lufs).abs() < 0.15,
        "drawn {drawn}, measured {lufs}"
    );
    // 8 s of audio: 80 short-term values in one unbroken curve.
    let points = text.split("<polyline points=\"").nth(1).unwrap();
    let points = points.split('"').next().unwrap().split_whitespace().count();
    assert_eq!(points, 80);
    let decoder = png::Decoder::new(std::io::Cursor::new(std::fs::read(&png).unwrap()));
    let info = decoder.read_info().unwrap();
    assert_eq!((info.info().width, info.info().height), (900, 320));
    // Not a picture name: a clear error, nothing half written.
    let (code, _, err) = render(&[
        prog.to_str().unwrap(),
        "-o",
        wav.to_str().unwrap(),
        "--cycles",
        "1",
        "--loudness-plot",
        d.join("loudness.jpg").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("must end in .svg or .png"), "{err}");
}
