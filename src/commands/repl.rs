//! `weft repl [FILE]`: play a file (optional), watch it, and accept weft
//! statements and commands typed at a prompt (or piped in).

use crate::live::{parse_quantize, run, LiveOptions};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A program file to play and watch (optional).
    file: Option<PathBuf>,
    /// When changes take effect: cycle (default), now, bar, or a number of cycles.
    #[arg(long, default_value = "cycle")]
    quantize: String,
    /// Output device name (see `weft devices`).
    #[arg(long)]
    device: Option<String>,
    /// Buffer size in frames.
    #[arg(long, default_value_t = 256)]
    buffer: u32,
    /// Record what is played to this WAV file.
    #[arg(long)]
    record: Option<PathBuf>,
    /// Stop after this many seconds of audio.
    #[arg(long)]
    seconds: Option<f64>,
    #[command(flatten)]
    external: crate::commands::midi::PlayArgs,
}

pub fn run_repl(a: Args) -> u8 {
    let quantize = match parse_quantize(&a.quantize) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    run(LiveOptions {
        file: a.file,
        repl: true,
        quantize,
        device: a.device,
        buffer: a.buffer,
        record: a.record,
        seconds: a.seconds,
        external: a.external,
    })
}
