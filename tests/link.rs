//! Ableton Link (cargo feature `link`): two weft processes on one machine
//! join one session; one changes the tempo; both end with the same tempo
//! and a phase difference under 1 ms.
//!
//! Both run in a fresh network namespace with only the loopback interface
//! (`unshare -rn`), so Link's discovery traffic stays on this machine.
#![cfg(feature = "link")]

use std::process::Command;

#[derive(Debug)]
struct Peer {
    tempo: f64,
    probes: Vec<(i64, f64)>,
}

fn parse(out: &str) -> Peer {
    let mut p = Peer {
        tempo: 0.0,
        probes: Vec::new(),
    };
    for line in out.lines() {
        let w: Vec<&str> = line.split(' ').collect();
        match w[0] {
            "tempo" => p.tempo = w[1].parse().unwrap(),
            "probe" => p
                .probes
                .push((w[1].parse().unwrap(), w[2].parse().unwrap())),
            _ => {}
        }
    }
    p
}

#[test]
fn two_processes_share_tempo_and_phase() {
    let unshare = Command::new("unshare").args(["-rn", "true"]).output();
    match unshare {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            println!(
                "skipped: cannot make a private network namespace (unshare -rn): {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            println!("skipped: no unshare ({e})");
            return;
        }
    }
    let weft = env!("CARGO_BIN_EXE_weft");
    let dir = std::env::temp_dir().join(format!("weft-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.txt"), dir.join("b.txt"));
    let script = format!(
        "ip link set lo up 2>/dev/null || true; \
         '{weft}' link --seconds 4 > '{a}' & \
         '{weft}' link --seconds 4 --set-tempo 133 --at 2 > '{b}'; wait",
        a = a.display(),
        b = b.display()
    );
    let out = Command::new("unshare")
        .args(["-rn", "sh", "-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ta = std::fs::read_to_string(&a).unwrap();
    let tb = std::fs::read_to_string(&b).unwrap();
    println!("peer a:\n{ta}\npeer b:\n{tb}");
    assert!(ta.contains("peers 1"), "a never saw b:\n{ta}");
    let (pa, pb) = (parse(&ta), parse(&tb));
    assert!((pa.tempo - 133.0).abs() < 1e-3, "{pa:?}");
    assert!((pb.tempo - 133.0).abs() < 1e-3, "{pb:?}");
    let mut compared = 0;
    for (t, beat_a) in &pa.probes {
        if let Some((_, beat_b)) = pb.probes.iter().find(|(u, _)| u == t) {
            let ms = (beat_a - beat_b).abs() * 60_000.0 / 133.0;
            println!("at {t} µs: beats {beat_a} and {beat_b}: {ms:.4} ms apart");
            assert!(ms < 1.0, "phase differs by {ms} ms");
            compared += 1;
        }
    }
    assert!(compared > 0, "no common probe time: {pa:?} {pb:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `weft play --link` through a JACK dummy device (paced in real time)
/// follows a peer's tempo change: it joins the session the peer started,
/// takes its tempo and then the new one.
#[test]
fn play_follows_a_peers_tempo() {
    let ok = |args: &[&str]| {
        Command::new(args[0])
            .args(&args[1..])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !ok(&["unshare", "-rn", "true"]) || !ok(&["sh", "-c", "command -v jackd jack_wait"]) {
        println!("skipped: needs unshare -rn, jackd and jack_wait");
        return;
    }
    let weft = env!("CARGO_BIN_EXE_weft");
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = std::env::temp_dir().join(format!("weft-link-play-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let song = dir.join("song.weft");
    std::fs::write(&song, "bpm(100)\na: note(\"c3 e3 g3 c4\").s(\"sine\")\n").unwrap();
    let (peer, play) = (dir.join("peer.txt"), dir.join("play.txt"));
    let server = format!("weft-link-{}", std::process::id());
    let script = format!(
        "ip link set lo up 2>/dev/null || true; \
         export JACK_NO_AUDIO_RESERVATION=1 JACK_DEFAULT_SERVER={server}; \
         jackd -n {server} --no-realtime -d dummy -r 48000 -p 256 >/dev/null 2>&1 & j=$!; \
         jack_wait -s {server} -w -t 20 >/dev/null 2>&1; \
         '{weft}' link --seconds 7 --set-tempo 133 --at 3 > '{peer}' & \
         sleep 1; \
         ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:{root}/tests/audio/jack-default.conf \
           '{weft}' play '{song}' --link --seconds 5 2> '{play}'; \
         wait %2; kill -TERM $j; wait $j",
        peer = peer.display(),
        play = play.display(),
        song = song.display(),
    );
    let out = Command::new("unshare")
        .args(["-rn", "sh", "-c", &script])
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&play).unwrap_or_default();
    assert!(
        out.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("weft play:\n{text}");
    assert!(text.contains("Link: joined, 1 other peer(s)"), "{text}");
    // The peer started at 120 BPM (weft joined a running session and took
    // its tempo instead of its file's 100), then set 133.
    assert!(text.contains("Link: 133.00 BPM"), "{text}");
    assert!(!text.contains("Link: 100.00 BPM"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
