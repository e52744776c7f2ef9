//! Helpers shared by the end-to-end tests: running the binary, headless
//! audio devices (ALSA into a file, or a JACK server with the dummy driver,
//! paced in real time) and measuring recorded audio.
#![allow(dead_code)]

pub mod http;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub const SYSTEM_ALSA: &str = "/usr/share/alsa/alsa.conf";

pub fn weft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weft"))
}

/// Runs `weft ARGS` to the end: exit code (-1 when killed), stdout, stderr.
pub fn run_weft(args: &[&str]) -> (i32, String, String) {
    let out = weft().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `ALSA_CONFIG_PATH` value using one of tests/audio/*.conf.
pub fn conf(name: &str) -> String {
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/audio")
        .join(name);
    format!("{SYSTEM_ALSA}:{}", local.display())
}

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("weft-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn has_alsa() -> bool {
    if Path::new(SYSTEM_ALSA).exists() {
        return true;
    }
    println!("skipped: {SYSTEM_ALSA} is missing (install libasound2-data)");
    false
}

/// A JACK server with the dummy driver, stopped (by its id) when dropped.
pub struct Jack {
    child: std::process::Child,
    pub name: String,
}

impl Drop for Jack {
    /// Stops the server politely (SIGTERM) so that it removes its entry
    /// from JACK's shared registry; a killed server leaves it behind, and
    /// after a few of those no new server can start.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Jack {
    /// Environment for a process that should play through this server.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("ALSA_CONFIG_PATH", conf("jack-default.conf"))
            .env("JACK_DEFAULT_SERVER", &self.name)
            .env("JACK_NO_AUDIO_RESERVATION", "1");
    }
}

pub fn start_jack(name: &str) -> Option<Jack> {
    if !has_alsa() {
        return None;
    }
    let jackd = ["/usr/bin/jackd", "/usr/local/bin/jackd"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let Some(jackd) = jackd else {
        println!("skipped: jackd is not installed (apt-get install jackd2 libasound2-plugins)");
        return None;
    };
    if !Path::new("/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_jack.so").exists()
        && !Path::new("/usr/lib/aarch64-linux-gnu/alsa-lib/libasound_module_pcm_jack.so").exists()
    {
        println!("skipped: ALSA's JACK plugin is missing (apt-get install libasound2-plugins)");
        return None;
    }
    let child = Command::new(jackd)
        .args([
            "-n",
            name,
            "--no-realtime",
            // A client held up by a loaded machine is waited for rather
            // than dropped from the graph (which stalls its stream).
            "-t",
            "10000",
            "-d",
            "dummy",
            "-r",
            "48000",
            "-p",
            "256",
        ])
        .env("JACK_NO_AUDIO_RESERVATION", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let jack = Jack {
        child,
        name: name.to_string(),
    };
    // Wait until the server answers (setup, not a measurement).
    let ready = Command::new("jack_wait")
        .args(["-s", name, "-w", "-t", "20"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(ready, Ok(s) if s.success()) {
        std::thread::sleep(Duration::from_secs(2));
    }
    Some(jack)
}

/// The left channel of a stereo WAV file.
pub fn left_channel(path: &Path) -> (Vec<f32>, u32) {
    let r = hound::WavReader::open(path).unwrap();
    let sr = r.spec().sample_rate;
    let samples: Vec<f32> = r.into_samples::<f32>().map(|s| s.unwrap()).collect();
    (samples.chunks(2).map(|f| f[0]).collect(), sr)
}

/// Frequency estimated from zero crossings (upward) in `x`.
pub fn zero_crossing_hz(x: &[f32], sr: u32) -> f64 {
    let ups = x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    ups as f64 * sr as f64 / x.len().max(1) as f64
}

pub fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

/// Largest sample-to-sample jump.
pub fn max_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// Runs tmux with `args`: what it printed, or `None` when tmux is missing
/// or the command failed (terminal UIs are tested in tmux).
pub fn tmux(args: &[&str]) -> Option<String> {
    let out = Command::new("tmux").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Starts `command` in a detached tmux session `name` of `width` × `height`
/// cells.
pub fn tmux_session(name: &str, width: u16, height: u16, command: &str) -> Option<String> {
    let (w, h) = (width.to_string(), height.to_string());
    tmux(&["new-session", "-d", "-s", name, "-x", &w, "-y", &h, command])
}
