//! Standard MIDI File export: a round trip through midly compared with
//! weft's own events (exact ticks), and a check with an independent reader
//! (Python's mido) where it is installed.

use engine::midi::events::{event_midi, is_drum};
use engine::midi::smf::{export, Export};
use lang::program::{evaluate, Program};
use lang::{Time, Value};
use midly::{MetaMessage, Smf, Timing, TrackEventKind};
use std::collections::BTreeSet;

const SONG: &str = r#"bpm(120)
section a {
  lead: note("c4 [e4 g4 b4] <a4 f4>").velocity("0.5 1 0.75")
  hats: s("hh(5,8)").gain(0.8)
  knob: ccv(sine.range(0, 127)).segment(4).ccn(74).midi("synth", 2)
}
section b {
  bpm(137)
  lead: note("c5 eb5 g5 bb5 d6").legato(0.5)
  hats: s("[bd sd]*2")
}
song: arrange([2, a], [3, b])
"#;

fn program() -> Program {
    let (p, diags) = evaluate(SONG);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    p
}

/// (track, on tick, off tick, channel, key, velocity)
type NoteRow = (String, u64, u64, u8, u8, u8);

/// Notes as weft's own events give them, in ticks.
fn weft_notes(p: &Program, length: Time, tpc: Time) -> BTreeSet<NoteRow> {
    let tick = |t: Time| {
        let x = t * tpc;
        assert_eq!(x.denom(), 1, "{t} is not a whole tick");
        x.numer() as u64
    };
    let mut out = BTreeSet::new();
    let mut channel = 1;
    for t in p.audible() {
        let ch = match &t.output {
            lang::program::Output::Midi { channel, .. } => *channel,
            _ => {
                let c = channel;
                channel += 1;
                c
            }
        };
        for h in t.pattern.query_arc(Time::ZERO, length) {
            if !h.has_onset() {
                continue;
            }
            let whole = h.whole.unwrap();
            let Value::Map(m) = &h.value else { continue };
            let e = event_midi(m, if is_drum(m) { 10 } else { ch });
            let Some((key, vel)) = e.note else { continue };
            let end = if e.hold == 1.0 {
                whole.end
            } else {
                whole.begin + (whole.end - whole.begin) * Time::from_f64(e.hold).unwrap()
            };
            out.insert((
                t.name.clone(),
                tick(whole.begin),
                tick(end),
                e.channel,
                key,
                vel,
            ));
        }
    }
    out
}

/// Notes as midly reads them back.
fn file_notes(smf: &Smf) -> BTreeSet<NoteRow> {
    let mut out = BTreeSet::new();
    for track in &smf.tracks[1..] {
        let mut name = String::new();
        let mut now = 0u64;
        let mut open = std::collections::HashMap::new();
        for ev in track {
            now += ev.delta.as_int() as u64;
            match ev.kind {
                TrackEventKind::Meta(MetaMessage::TrackName(n)) => {
                    name = String::from_utf8(n.to_vec()).unwrap()
                }
                TrackEventKind::Midi { channel, message } => match message {
                    midly::MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                        open.insert((channel.as_int(), key.as_int()), (now, vel.as_int()));
                    }
                    midly::MidiMessage::NoteOff { key, .. }
                    | midly::MidiMessage::NoteOn { key, .. } => {
                        let (on, vel) = open.remove(&(channel.as_int(), key.as_int())).unwrap();
                        out.insert((
                            name.clone(),
                            on,
                            now,
                            channel.as_int() + 1,
                            key.as_int(),
                            vel,
                        ));
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        assert!(open.is_empty(), "unfinished notes in {name}");
    }
    out
}

fn exported() -> (Program, Export, Time) {
    let p = program();
    let length = p.song_length.unwrap();
    let e = export(&p, length);
    (p, e, length)
}

#[test]
fn round_trip_matches_weft_events_exactly() {
    let (p, e, length) = exported();
    assert!(e.exact);
    let smf = Smf::parse(&e.bytes).unwrap();
    assert_eq!(smf.header.timing, Timing::Metrical((e.ppq).into()));
    assert_eq!(smf.tracks.len(), 1 + 3);
    let expected = weft_notes(&p, length, e.ticks_per_cycle);
    let got = file_notes(&smf);
    assert!(expected.len() > 30);
    assert_eq!(got, expected);

    // Tempo map: 120 BPM, then 137 BPM at cycle 2, in ticks and µs.
    let tpc = e.ticks_per_cycle.numer() as u64;
    let mut tempos = Vec::new();
    let mut now = 0u64;
    for ev in &smf.tracks[0] {
        now += ev.delta.as_int() as u64;
        if let TrackEventKind::Meta(MetaMessage::Tempo(us)) = ev.kind {
            tempos.push((now, us.as_int()));
        }
    }
    assert_eq!(tempos, vec![(0, 500_000), (2 * tpc, 437_956)]);

    // A marker at the start of each section, in the tempo track.
    let mut markers = Vec::new();
    let mut now = 0u64;
    for ev in &smf.tracks[0] {
        now += ev.delta.as_int() as u64;
        if let TrackEventKind::Meta(MetaMessage::Marker(text)) = ev.kind {
            markers.push((now, String::from_utf8_lossy(text).into_owned()));
        }
    }
    let expected = vec![(0, "a".to_string()), (2 * tpc, "b".to_string())];
    assert_eq!(markers, expected);
    assert_eq!(e.markers, expected);

    // Control changes of the MIDI track at their ticks.
    let knob = &smf.tracks[3];
    let mut ccs = Vec::new();
    let mut now = 0u64;
    for ev in knob {
        now += ev.delta.as_int() as u64;
        if let TrackEventKind::Midi {
            channel,
            message: midly::MidiMessage::Controller { controller, value },
        } = ev.kind
        {
            assert_eq!((channel.as_int(), controller.as_int()), (1, 74));
            ccs.push((now, value.as_int()));
        }
    }
    assert_eq!(ccs.len(), 8, "four per cycle during section a");
    assert_eq!(ccs[0], (0, 64));
    assert_eq!(ccs[1], (tpc / 4, 127));

    // Seconds from the file's tempo map agree with weft's to within the
    // rounding of tempos to whole microseconds per quarter note.
    let map = engine::tempo::TempoMap::new(
        p.cps,
        &engine::tempo::unrolled_changes(p.cps, &p.tempo_changes, p.song_length)
            .into_iter()
            .filter(|c| c.at < length)
            .collect::<Vec<_>>(),
        48000,
    );
    let ppq = e.ppq as f64;
    let secs = |tick: u64| {
        let mut s = 0.0;
        let mut last = (0u64, 500_000u32);
        for &(t, us) in &tempos[1..] {
            if t > tick {
                break;
            }
            s += (t - last.0) as f64 / ppq * last.1 as f64 / 1e6;
            last = (t, us);
        }
        s + (tick - last.0) as f64 / ppq * last.1 as f64 / 1e6
    };
    for (_, on, ..) in got.iter() {
        let weft = map.seconds_at(Time::new(*on as i64, tpc as i64)).to_f64();
        assert!((secs(*on) - weft).abs() < 1e-5, "tick {on}");
    }
}

#[test]
fn independent_reader_mido() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = std::process::Command::new(&python)
        .args(["-c", "import mido"])
        .output();
    match probe {
        Err(e) => {
            println!("skipped: no {python} ({e})");
            return;
        }
        Ok(o) if !o.status.success() => {
            println!("skipped: Python's mido is not installed (pip install mido)");
            return;
        }
        Ok(_) => {}
    }
    let (p, e, length) = exported();
    let dir = std::env::temp_dir().join(format!("weft-mido-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("song.mid");
    std::fs::write(&path, &e.bytes).unwrap();
    let script = r#"
import sys, mido
f = mido.MidiFile(sys.argv[1])
print("ppq", f.ticks_per_beat)
for track in f.tracks:
    name, now, open_ = "", 0, {}
    for m in track:
        now += m.time
        if m.type == "track_name":
            name = m.name
        elif m.type == "set_tempo":
            print("tempo", now, m.tempo)
        elif m.type == "marker":
            print("marker", now, m.text)
        elif m.type == "note_on" and m.velocity > 0:
            open_[(m.channel, m.note)] = (now, m.velocity)
        elif m.type in ("note_off", "note_on"):
            on, vel = open_.pop((m.channel, m.note))
            print("note", name, on, now, m.channel + 1, m.note, vel)
print("seconds", round(f.length, 6))
"#;
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut notes = BTreeSet::new();
    let mut tempos = Vec::new();
    let mut markers = Vec::new();
    let mut seconds = 0.0f64;
    for line in text.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        match w[0] {
            "ppq" => assert_eq!(w[1].parse::<u16>().unwrap(), e.ppq),
            "tempo" => tempos.push((w[1].parse::<u64>().unwrap(), w[2].parse::<u32>().unwrap())),
            "note" => {
                let n = |i: usize| w[i].parse::<u64>().unwrap();
                notes.insert((
                    w[1].to_string(),
                    n(2),
                    n(3),
                    n(4) as u8,
                    n(5) as u8,
                    n(6) as u8,
                ));
            }
            "marker" => markers.push((w[1].parse::<u64>().unwrap(), w[2].to_string())),
            "seconds" => seconds = w[1].parse().unwrap(),
            _ => panic!("unexpected line {line}"),
        }
    }
    assert_eq!(notes, weft_notes(&p, length, e.ticks_per_cycle));
    assert_eq!(tempos, e.tempos);
    assert_eq!(markers, e.markers);
    // 2 cycles at 120 BPM (4 s) and 3 at 137 BPM (12 × 60/137 s), as weft plays them.
    let expected = 4.0 + 12.0 * 60.0 / 137.0;
    assert!((seconds - expected).abs() < 1e-4, "{seconds} s");
    let _ = std::fs::remove_dir_all(&dir);
}
