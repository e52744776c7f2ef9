//! MIDI output: exact scheduling (message, sample), the sender thread on a
//! simulated clock with the recording backend, no drift over an hour, MIDI
//! clock at 24 pulses per quarter note, the swap shared with the audio
//! engine, jitter on the wall clock, and midir where the system has MIDI.

use engine::engine::{EngineConfig, Message, Quantize};
use engine::midi::clock::{SampleClock, SimulatedClock, WallClock};
use engine::midi::live::{load_together, swap_together_at};
use engine::midi::sender::{Sender, SenderConfig};
use engine::midi::{
    ExternalScheduler, Item, MidiError, MidiMessage, MidirSink, RecordingSink, Timed,
};
use engine::render::Offline;
use engine::tempo::TempoMap;
use lang::program::{evaluate, Program};
use lang::Time;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const SR: u32 = 48000;

fn program(src: &str) -> Program {
    let (p, diags) = evaluate(src);
    assert!(diags.iter().all(|d| !d.is_error()), "{src}: {diags:?}");
    p
}

fn tempo(p: &Program) -> TempoMap {
    TempoMap::new(p.cps, &p.tempo_changes, SR)
}

fn midi(t: &Timed) -> (i64, MidiMessage) {
    match &t.item {
        Item::Midi { message, .. } => (t.sample, *message),
        other => panic!("not MIDI: {other:?}"),
    }
}

fn on(channel: u8, key: u8, velocity: u8) -> MidiMessage {
    MidiMessage::NoteOn {
        channel,
        key,
        velocity,
    }
}

fn off(channel: u8, key: u8) -> MidiMessage {
    MidiMessage::NoteOff { channel, key }
}

#[test]
fn notes_controls_and_lengths_are_exact() {
    // 120 BPM, four beats a cycle: a cycle is 2 s = 96000 samples.
    let p = program(
        r#"bpm(120)
        synth: note("c4 [e4 g4]").velocity("1 0.5").midi("synth", 3)
        cc: ccv("0 64 127 200").ccn(74).midi("synth", 3)
        prog: note("c2").progNum(5).midibend(0.5).legato(0.25).midi("synth", 4)
        "#,
    );
    let map = tempo(&p);
    let mut s = ExternalScheduler::new(&[]);
    s.swap(&p, Time::ZERO, &[]);
    let got: Vec<(i64, MidiMessage)> = s.schedule(Time::ONE, &map).iter().map(midi).collect();
    let cc = |v| MidiMessage::ControlChange {
        channel: 3,
        controller: 74,
        value: v,
    };
    let expected = vec![
        (
            0,
            MidiMessage::ProgramChange {
                channel: 4,
                program: 5,
            },
        ),
        (0, cc(0)),
        (
            0,
            MidiMessage::PitchBend {
                channel: 4,
                value: 12288,
            },
        ),
        (0, on(3, 60, 127)),
        (0, on(4, 36, 114)),
        (24000, off(4, 36)),
        (24000, cc(64)),
        (48000, off(3, 60)),
        (48000, cc(127)),
        (48000, on(3, 64, 64)),
        (72000, off(3, 64)),
        (72000, cc(127)),
        (72000, on(3, 67, 64)),
    ];
    assert_eq!(got, expected);
    // The last note-off is due at the end of the cycle: it comes with the next span.
    let next: Vec<_> = s
        .schedule(Time::new(1, 100), &map)
        .iter()
        .map(midi)
        .collect();
    assert!(next.is_empty(), "{next:?}");
    let next: Vec<_> = s.schedule(Time::new(5, 4), &map).iter().map(midi).collect();
    assert_eq!(next[0], (96000, off(3, 67)));
}

#[test]
fn repeated_keys_are_released_by_their_last_note_off() {
    // Two overlapping c4s (0–0.75 and 0.5–1.25 cycles): the first note-off
    // must not cut the second note.
    let p = program(r#"x: note("<[c4 c4] ~>").legato(1.5).midi("m", 1)"#);
    let map = tempo(&p);
    let mut s = ExternalScheduler::new(&[]);
    s.swap(&p, Time::ZERO, &[]);
    let got: Vec<_> = s.schedule(Time::ONE, &map).iter().map(midi).collect();
    assert_eq!(got, vec![(0, on(1, 60, 114)), (48000, on(1, 60, 114))]);
    let rest: Vec<_> = s.schedule(Time::int(2), &map).iter().map(midi).collect();
    assert_eq!(rest, vec![(120000, off(1, 60))]);
}

#[test]
fn one_hour_at_137_bpm_without_drift() {
    // Every quarter note for an hour, scheduled in uneven spans as a live
    // loop would: each note-on lands on round(k · 60/137 s · 48000).
    let p = program(
        r#"bpm(137)
        hat: note("c4*4").midi("m", 10)"#,
    );
    let map = tempo(&p);
    let mut s = ExternalScheduler::new(&[]);
    s.swap(&p, Time::ZERO, &[]);
    let beats: i64 = 137 * 60; // one hour
    let end = Time::int(beats / 4);
    let mut t = Time::ZERO;
    let mut k: i64 = 0;
    let mut step = 0;
    while t < end {
        step = step % 7 + 1;
        t = (t + Time::new(step, 23)).min(end);
        for item in s.schedule(t, &map) {
            if let (sample, MidiMessage::NoteOn { .. }) = midi(&item) {
                // round half up of k · 60 · 48000 / 137
                let exact = (2 * k * 60 * SR as i64 + 137).div_euclid(2 * 137);
                assert_eq!(sample, exact, "beat {k}");
                k += 1;
            }
        }
    }
    assert_eq!(k, beats);
}

#[test]
fn midi_clock_is_24_pulses_per_quarter_exactly() {
    let p = program(r#"bpm(137)"#);
    let map = tempo(&p);
    let mut s = ExternalScheduler::new(&["drums".to_string()]);
    s.swap(&p, Time::ZERO, &[]);
    let mut got = Vec::new();
    for c in 1..=40 {
        got.extend(s.schedule(Time::new(c, 4), &map).iter().map(midi));
    }
    assert_eq!(got[0], (0, MidiMessage::Start));
    let pulses: Vec<i64> = got[1..]
        .iter()
        .map(|(t, m)| {
            assert_eq!(*m, MidiMessage::Clock);
            *t
        })
        .collect();
    // 10 cycles of 4 beats of 24 pulses.
    assert_eq!(pulses.len(), 10 * 4 * 24);
    for (j, t) in pulses.iter().enumerate() {
        let j = j as i64;
        let exact = (2 * j * 60 * SR as i64 + 137 * 24).div_euclid(2 * 137 * 24);
        assert_eq!(*t, exact, "pulse {j}");
    }
    let stop: Vec<_> = s.stop(1_000_000).iter().map(midi).collect();
    assert_eq!(stop, vec![(1_000_000, MidiMessage::Stop)]);
}

#[test]
fn clock_follows_tempo_changes_of_a_song() {
    let p = program(
        r#"bpm(120)
        section a { x: note("c4") }
        section b { bpm(60)
          x: note("e4") }
        song: arrange([1, a], [1, b])"#,
    );
    let changes: Vec<_> = engine::tempo::unrolled_changes(p.cps, &p.tempo_changes, p.song_length)
        .into_iter()
        .filter(|c| c.at < Time::int(8))
        .collect();
    let map = TempoMap::new(p.cps, &changes, SR);
    let mut s = ExternalScheduler::new(&["c".to_string()]);
    s.swap(&p, Time::ZERO, &[]);
    let pulses: Vec<i64> = s
        .schedule(Time::int(2), &map)
        .iter()
        .map(midi)
        .filter(|(_, m)| *m == MidiMessage::Clock)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(pulses.len(), 192);
    // 120 BPM: a pulse every 1000 samples; then 60 BPM: every 2000.
    assert_eq!(pulses[1] - pulses[0], 1000);
    assert_eq!(pulses[96], 96000);
    assert_eq!(pulses[97] - pulses[96], 2000);
}

#[test]
fn sender_delivers_at_the_scheduled_samples() {
    let p = program(
        r#"bpm(120)
        a: note("c4 e4 g4 b4").midi("a", 1)
        b: note("c3*3").midi("b", 2)"#,
    );
    let map = tempo(&p);
    let mut s = ExternalScheduler::new(&["a".to_string()]);
    s.swap(&p, Time::ZERO, &[]);
    let items = s.schedule(Time::int(2), &map);
    let clock = Arc::new(SimulatedClock::new(SR, SystemTime::UNIX_EPOCH));
    let sender = Sender::start(clock.clone(), SenderConfig::default());
    let (ra, rb) = (RecordingSink::new(), RecordingSink::new());
    sender.add_sink("a", Box::new(ra.clone()));
    sender.add_sink("b", Box::new(rb.clone()));
    sender.send(items.clone());
    // The audio clock advances by blocks of 256 frames.
    let block = 256;
    let end = 2 * 96000;
    let mut pos = 0;
    while pos < end {
        let due = items.iter().filter(|t| t.sample <= pos).count();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while ra.recorded().len() + rb.recorded().len() < due {
            assert!(
                std::time::Instant::now() < deadline,
                "sender stalled at {pos}"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        pos += block;
        clock.set(pos as f64);
    }
    let report = sender.finish(end);
    for (port, rec) in [("a", &ra), ("b", &rb)] {
        let expected: Vec<(i64, MidiMessage)> = items
            .iter()
            .filter(|t| matches!(&t.item, Item::Midi { port: p, .. } if &**p == port))
            .map(midi)
            .collect();
        let got: Vec<(i64, MidiMessage)> = rec
            .recorded()
            .iter()
            .map(|r| (r.due, r.message().unwrap()))
            .collect();
        assert_eq!(got, expected, "port {port}");
        for r in rec.recorded() {
            assert!(r.sent_at >= r.due as f64, "sent early: {r:?}");
            assert!(r.sent_at < (r.due + block) as f64, "sent late: {r:?}");
        }
    }
    assert_eq!(report.midi.count as usize, items.len());
    println!("simulated clock, 256-frame blocks: {}", report.midi);
}

#[test]
fn jitter_on_the_wall_clock() {
    // 400 messages over one second of real time, sent by the thread.
    let clock = Arc::new(WallClock::new(SR));
    let sender = Sender::start(clock.clone(), SenderConfig::default());
    let rec = RecordingSink::new();
    sender.add_sink("m", Box::new(rec.clone()));
    let start = clock.now() as i64 + 4800;
    let items: Vec<Timed> = (0..400)
        .map(|i| Timed {
            sample: start + i * 120,
            item: Item::Midi {
                port: "m".into(),
                message: MidiMessage::Clock,
            },
        })
        .collect();
    let last = items.last().unwrap().sample;
    sender.send(items);
    std::thread::sleep(Duration::from_secs_f64(
        (last - start) as f64 / SR as f64 + 0.2,
    ));
    let report = sender.finish(last);
    println!("wall clock: {}", report.midi);
    assert_eq!(report.midi.count, 400);
    assert!(rec.recorded().iter().all(|r| r.sent_at >= r.due as f64));
    // Generous bound for a loaded two-core machine; typical runs are far below.
    assert!(report.midi.quantile_us(0.5) < 20_000.0, "{}", report.midi);
}

#[test]
fn midi_tracks_swap_with_the_audio_at_the_same_cycle() {
    for q in [
        Quantize::NextCycle,
        Quantize::Cycles(4),
        Quantize::Immediate,
    ] {
        swap_with_the_audio(q);
    }
}

/// The engine plays the audio track, the scheduler the MIDI track, both
/// driven as `weft play` drives them; the new program doubles the tempo.
fn swap_with_the_audio(quantize: Quantize) {
    let first = program(
        r#"bpm(120)
        a: s("bd*4")
        m: note("c4*4").midi("m", 1)"#,
    );
    let second = program(
        r#"bpm(240)
        a: s("bd*4")
        m: note("e4*4").midi("m", 1)"#,
    );
    let config = EngineConfig {
        sample_rate: SR,
        ..EngineConfig::default()
    };
    let mut off = Offline::new(config, Vec::new(), Program::default());
    let mut s = ExternalScheduler::new(&[]);
    load_together(&mut off.engine, &mut s, &first);
    let mut buf = vec![0.0f32; 2 * 512];
    let mut items = Vec::new();
    let mut swapped_at = None;
    let mut applied = None;
    for block in 0..1200 {
        off.block(&mut buf);
        items.extend(s.schedule(off.engine.scheduled_until(), off.engine.tempo()));
        if block == 150 {
            swapped_at = Some(swap_together_at(
                &mut off.engine,
                &mut s,
                &second,
                &[],
                quantize,
            ));
        }
        for m in off.engine.take_messages() {
            if let Message::SwapApplied { cycle, sample } = m {
                if cycle > Time::ZERO {
                    applied = Some((cycle, sample));
                }
            }
        }
    }
    let (cycle, sample) = applied.expect("the engine swapped");
    assert_eq!(Some(cycle), swapped_at, "{quantize:?}");
    assert_eq!(off.engine.tempo().sample_at(cycle), sample);
    // After the swap, notes follow the engine's new tempo map exactly.
    let map = off.engine.tempo();
    let e4: Vec<i64> = items
        .iter()
        .map(midi)
        .filter(|(_, m)| matches!(m, MidiMessage::NoteOn { key: 64, .. }))
        .map(|(t, _)| t)
        .collect();
    assert!(e4.len() > 8);
    // The new track's notes start at its first quarter from the swap cycle on.
    let first = (cycle * Time::int(4)).ceil() / Time::int(4);
    for (i, t) in e4.iter().enumerate() {
        let c = first + Time::new(i as i64, 4);
        assert_eq!(*t, map.sample_at(c), "{quantize:?}: note {i}");
    }
}

#[test]
fn midir_virtual_port_where_the_system_allows() {
    match MidirSink::open("weft") {
        Err(MidiError::Unavailable(why)) => {
            println!("skipped: MIDI is not available here ({why})");
        }
        Err(e) => panic!("{e}"),
        Ok(mut sink) => {
            use engine::midi::MidiSink;
            sink.send(&on(1, 60, 100).bytes(), 0, 0.0).unwrap();
            sink.send(&off(1, 60).bytes(), 0, 0.0).unwrap();
            let ports = engine::midi::sink::input_ports().unwrap();
            assert!(ports.iter().any(|p| p.contains("weft")), "{ports:?}");
        }
    }
}
