//! `weft play`: play a program through the audio output, re-reading the
//! file when it changes (the new version takes over at the next cycle).

use super::{evaluate, print_all_diagnostics, read_source};
use engine::device::{self, DeviceError};
use engine::engine::{Engine, EngineConfig, Message};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

#[derive(clap::Args)]
pub struct Args {
    /// The program file.
    file: String,
    /// Output device name (see `weft devices`; default: the system default).
    #[arg(long)]
    device: Option<String>,
    /// Buffer size in frames (always requested as a fixed size).
    #[arg(long, default_value_t = 256)]
    buffer: u32,
    /// Also record what is played to this WAV file (32-bit float).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Stop after this many seconds of audio (default: play until interrupted).
    #[arg(long)]
    seconds: Option<f64>,
    #[command(flatten)]
    external: super::midi::PlayArgs,
}

fn modified(path: &str) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn load(file: &str) -> Option<lang::program::Evaluation> {
    let src = match read_source(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return None;
        }
    };
    let ev = evaluate(file, &src);
    print_all_diagnostics(&ev, file, &src);
    Some(ev)
}

pub fn run(a: Args) -> u8 {
    let Some(first) = load(&a.file) else {
        return 2;
    };
    let output = match device::open(a.device.as_deref(), a.buffer) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return match e {
                DeviceError::Other(_) => 1,
                _ => 2,
            };
        }
    };
    let sr = output.sample_rate;
    let config = EngineConfig {
        sample_rate: sr,
        lookahead: (3.0 * output.buffer as f64 / sr as f64 + 0.02)
            .max(0.05)
            .max(a.external.lookahead(&first.program)),
        ..EngineConfig::default()
    };
    let (mut engine, mut core) = Engine::new(config, stdlib::instruments());
    let mut outputs = super::midi::LiveOutputs::new(&a.external, sr, output.buffer);
    outputs.load_first(&mut engine, first.program);
    engine.pump();
    let mut recorder = None;
    if let Some(path) = &a.record {
        let (tx, rx) = rtrb::RingBuffer::new(sr as usize * 4);
        core.set_record(tx);
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: sr,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        match hound::WavWriter::create(path, spec) {
            Ok(w) => recorder = Some((w, rx)),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return 1;
            }
        }
    }
    eprintln!(
        "playing {} on {} ({} Hz, {} frames); edit the file to change the music, Ctrl-C to stop",
        a.file, output.name, sr, output.buffer
    );
    let _playing = match output.start(core, |e| eprintln!("audio: {e}")) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let stop_at = a.seconds.map(|s| (s * sr as f64) as i64);
    let mut stamp = modified(&a.file);
    let mut last_check = Instant::now();
    let mut last_flush = Instant::now();
    loop {
        engine.pump();
        outputs.pump(&mut engine);
        for m in engine.take_messages() {
            match m {
                Message::SwapApplied { cycle, .. } if cycle > lang::Time::ZERO => {
                    eprintln!("reloaded: now playing from cycle {cycle}")
                }
                Message::SwapApplied { .. } => {}
                m => eprintln!("warning: {m}"),
            }
        }
        if let Some((w, rx)) = recorder.as_mut() {
            while let Ok(x) = rx.pop() {
                let _ = w.write_sample(x);
            }
            if last_flush.elapsed() > Duration::from_secs(1) {
                let _ = w.flush();
                last_flush = Instant::now();
            }
        }
        if last_check.elapsed() > Duration::from_millis(250) {
            last_check = Instant::now();
            let now = modified(&a.file);
            if now != stamp {
                stamp = now;
                if let Some(ev) = load(&a.file) {
                    // Tracks that failed to evaluate keep playing their previous version.
                    outputs.swap(&mut engine, ev.program, ev.failed_tracks);
                }
            }
        }
        if stop_at.is_some_and(|s| engine.position() >= s) || outputs.interrupted() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if let Some((mut w, mut rx)) = recorder {
        while let Ok(x) = rx.pop() {
            let _ = w.write_sample(x);
        }
        if let Err(e) = w.finalize() {
            eprintln!("error: cannot finish the recording: {e}");
            return 1;
        }
    }
    outputs.finish(&engine);
    0
}
