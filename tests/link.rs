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
