//! The command-line options of a live session (`weft play`, `weft repl`)
//! and what they become.

use super::outputs::PlayArgs;
use engine::engine::Quantize;
use std::path::PathBuf;

/// How a live session is started.
pub struct LiveOptions {
    pub file: Option<PathBuf>,
    pub repl: bool,
    pub quantize: Quantize,
    pub device: Option<String>,
    pub buffer: u32,
    pub record: Option<PathBuf>,
    /// Input device for `input()` and takes (`default`: the system's).
    pub input: Option<String>,
    /// Stop after this many seconds of audio.
    pub seconds: Option<f64>,
    /// The full-screen dashboard (on a terminal, unless `--no-ui`).
    pub ui: bool,
    /// Print how well the control loop kept ahead of the audio at the end.
    pub loop_stats: bool,
    /// MIDI clock and input, MIDI/OSC latencies, Link.
    pub external: PlayArgs,
}

/// The command-line options `weft play` and `weft repl` share.
#[derive(clap::Args)]
pub struct LiveArgs {
    /// When changes take effect: cycle (default), now, bar, or a number of cycles.
    #[arg(long, default_value = "cycle")]
    quantize: String,
    /// Output device name (see `weft devices`; default: the system default).
    #[arg(long)]
    device: Option<String>,
    /// Buffer size in frames (always requested as a fixed size).
    #[arg(long, default_value_t = 256)]
    buffer: u32,
    /// Also record what is played to this WAV file (32-bit float).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Input device for `input()` and `:take` (see `weft devices`;
    /// `default` for the system's).
    #[arg(long)]
    input: Option<String>,
    /// Stop after this many seconds of audio (default: play until stopped).
    #[arg(long)]
    seconds: Option<f64>,
    /// No full-screen dashboard: print a status line instead (as when the
    /// output is not a terminal).
    #[arg(long)]
    no_ui: bool,
    /// At the end, print how well the control loop kept ahead of the audio
    /// (gaps between rounds of scheduling, least time ahead, late notes).
    #[arg(long, hide = true)]
    loop_stats: bool,
    #[command(flatten)]
    external: PlayArgs,
}

impl LiveArgs {
    /// The session's options, or why the arguments are wrong.
    pub fn into_options(self, file: Option<PathBuf>, repl: bool) -> Result<LiveOptions, String> {
        Ok(LiveOptions {
            file,
            repl,
            quantize: parse_quantize(&self.quantize)?,
            device: self.device,
            buffer: self.buffer,
            record: self.record,
            input: self.input,
            seconds: self.seconds,
            ui: !self.no_ui,
            loop_stats: self.loop_stats,
            external: self.external,
        })
    }
}

/// Parses `--quantize`: `cycle` (default), `now`, `bar`, or a number of cycles.
pub fn parse_quantize(s: &str) -> Result<Quantize, String> {
    match s {
        "cycle" | "next" => Ok(Quantize::NextCycle),
        "now" | "immediate" => Ok(Quantize::Immediate),
        "bar" => Ok(Quantize::NextBar),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(Quantize::Cycles)
            .ok_or_else(|| {
                format!("--quantize takes cycle, now, bar or a number of cycles, not `{s}`")
            }),
    }
}
