//! OSC to SuperDirt, checked on a UDP socket on localhost: `/dirt/play`
//! bundles with Tidal's parameter names and timetags that follow the tempo.

use engine::midi::clock::SimulatedClock;
use engine::midi::sender::{Sender, SenderConfig};
use engine::midi::ExternalScheduler;
use engine::tempo::TempoMap;
use lang::program::evaluate;
use lang::Time;
use rosc::{OscPacket, OscTime, OscType};
use std::net::UdpSocket;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const SR: u32 = 48000;

fn seconds(t: OscTime) -> f64 {
    t.seconds as f64 + t.fractional as f64 / 4294967296.0
}

#[test]
fn dirt_play_bundles_on_localhost() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let port = socket.local_addr().unwrap().port();
    let (p, diags) = evaluate(&format!(
        r#"bpm(137)
        d: s("bd [sd cp]").n("0 <1 2>").orbit(1).osc("127.0.0.1", {port})"#
    ));
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    let map = TempoMap::new(p.cps, &p.tempo_changes, SR);
    let mut s = ExternalScheduler::new(&[]);
    s.swap(&p, Time::ZERO, &[]);
    let items = s.schedule(Time::int(2), &map);
    assert_eq!(items.len(), 6);

    let origin = SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000);
    let clock = Arc::new(SimulatedClock::new(SR, origin));
    let latency = SR as i64 / 5; // 200 ms ahead
    let sender = Sender::start(
        clock.clone(),
        SenderConfig {
            offset: 0,
            osc_ahead: latency,
        },
    );
    sender.send(items.clone());
    // Bundles leave 200 ms before they sound: at position 0 the first
    // (sounding at 0) is already due, and by the end all are.
    clock.set((items.last().unwrap().sample - latency) as f64);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < items.len() {
        let (n, _) = socket.recv_from(&mut buf).expect("a bundle arrives");
        let (_, packet) = rosc::decoder::decode_udp(&buf[..n]).unwrap();
        got.push(packet);
    }
    let report = sender.finish(i64::MAX);
    assert_eq!(report.osc_sent, 6);

    let cps = 137.0 / 60.0 / 4.0;
    let mut first_time = None;
    let expected = [
        ("bd", 0.0, 0.0, 0.5),
        ("sd", 1.0, 0.5, 0.25),
        ("cp", 1.0, 0.75, 0.25),
        ("bd", 0.0, 1.0, 0.5),
        ("sd", 2.0, 1.5, 0.25),
        ("cp", 2.0, 1.75, 0.25),
    ];
    for (packet, (sound, n, cycle, length)) in got.iter().zip(expected) {
        let OscPacket::Bundle(b) = packet else {
            panic!("not a bundle: {packet:?}")
        };
        let [OscPacket::Message(m)] = &b.content[..] else {
            panic!("one message per bundle")
        };
        assert_eq!(m.addr, "/dirt/play");
        let pairs = engine::osc::pairs(m);
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no `{k}` in {pairs:?}"))
        };
        assert_eq!(get("s"), OscType::String(sound.into()));
        assert_eq!(get("n"), OscType::Float(n));
        assert_eq!(get("orbit"), OscType::Int(1));
        assert_eq!(get("cps"), OscType::Float(cps as f32));
        assert_eq!(get("cycle"), OscType::Float(cycle as f32));
        let delta = length / cps;
        assert_eq!(get("delta"), OscType::Float(delta as f32));
        // The timetag is the moment the event sounds.
        let t = seconds(b.timetag);
        let t0 = *first_time.get_or_insert(t);
        // It is the event's sample on the engine's clock (as the audio)...
        let c = Time::from_f64(cycle).unwrap();
        let at_sample = map.sample_at(c) as f64 / SR as f64;
        assert!(
            ((t - t0) - at_sample).abs() < 1e-6,
            "cycle {cycle}: {} s after the first, expected {at_sample}",
            t - t0
        );
        // ... within half a sample of the exact time in the tempo map.
        let exact = map.seconds_at(c).to_f64();
        assert!(((t - t0) - exact).abs() <= 0.5 / SR as f64 + 1e-6);
    }
    let origin_ntp = seconds(OscTime::try_from(origin).unwrap());
    assert!((first_time.unwrap() - origin_ntp).abs() < 1e-6);
}
