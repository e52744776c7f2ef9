//! The MIDI and OSC commands end to end: `weft export`, `weft midi ports`,
//! and `weft play` with MIDI and OSC tracks (through ALSA's file device, as
//! in tests/audio_device.rs), where a missing MIDI port is one clear
//! warning and everything else keeps playing.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const SYSTEM_ALSA: &str = "/usr/share/alsa/alsa.conf";

fn weft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weft"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("weft-midi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn export_writes_a_standard_midi_file() {
    let d = temp_dir("export");
    let src = d.join("song.weft");
    std::fs::write(
        &src,
        r#"bpm(120)
        section a { lead: note("c4 e4 g4") }
        section b { bpm(90)
          lead: note("a3*4").midi("synth", 2)
          drums: s("bd sd") }
        song: arrange([2, a], [2, b])"#,
    )
    .unwrap();
    let mid = d.join("song.mid");
    let out = weft()
        .arg("export")
        .arg(&src)
        .arg("-o")
        .arg(&mid)
        .arg("--song")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("4 cycles, 2 track(s), 18 notes, 1 tempo change(s)"),
        "{text}"
    );
    let bytes = std::fs::read(&mid).unwrap();
    assert_eq!(&bytes[..4], b"MThd");
    let tracks = bytes.windows(4).filter(|w| w == b"MTrk").count();
    assert_eq!(tracks, 3, "a tempo track and one per weft track");
    let bad = weft()
        .arg("export")
        .arg(&src)
        .args(["-o", "x.mid", "--cycles", "zero"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn midi_ports_lists_or_says_why_not() {
    let out = weft().args(["midi", "ports"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!err.contains("panicked"), "{err}");
    match out.status.code() {
        Some(0) => assert!(text.contains("MIDI outputs"), "{text}"),
        Some(1) => {
            assert!(
                err.contains("MIDI is not available on this system"),
                "{err}"
            );
            println!("MIDI unavailable here: {err}");
        }
        other => panic!("exit {other:?}: {err}"),
    }
}

#[test]
fn play_sends_osc_and_survives_a_missing_midi_port() {
    if !Path::new(SYSTEM_ALSA).exists() {
        println!("skipped: {SYSTEM_ALSA} is missing (install libasound2-data)");
        return;
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/audio/file-default.conf");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let port = socket.local_addr().unwrap().port();
    let d = temp_dir("play");
    let src = d.join("live.weft");
    std::fs::write(
        &src,
        format!(
            r#"bpm(120)
            keys: note("c4 e4 g4").s("sine")
            hw: note("c2*4").midi("no such synth", 1)
            dirt: s("bd*4").osc("127.0.0.1", {port})"#
        ),
    )
    .unwrap();
    let capture = d.join("capture.raw");
    let out = weft()
        .arg("play")
        .arg(&src)
        .args(["--seconds", "2", "--buffer", "512"])
        .env(
            "ALSA_CONFIG_PATH",
            format!("{SYSTEM_ALSA}:{}", local.display()),
        )
        .env("HEADLESS_CAPTURE", &capture)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // One warning for the MIDI port, whatever the reason here.
    assert!(
        err.contains("MIDI is not available") || err.contains("no MIDI output port"),
        "{err}"
    );
    assert!(err.contains("the rest keeps playing"), "{err}");
    // The audio track played.
    let bytes = std::fs::read(&capture).unwrap();
    assert!(
        bytes
            .chunks_exact(4)
            .any(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).abs() > 0.01),
        "silent capture"
    );
    // The OSC track reached the socket as /dirt/play bundles.
    let mut buf = [0u8; 2048];
    let (n, _) = socket.recv_from(&mut buf).expect("an OSC bundle");
    let packet = osc_strings(&buf[..n]);
    assert!(
        packet.contains("/dirt/play") && packet.contains("bd"),
        "{packet}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// The strings of an OSC packet, space-separated (no OSC crate needed here).
fn osc_strings(bytes: &[u8]) -> String {
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty() && s.iter().all(|c| c.is_ascii_graphic()))
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
