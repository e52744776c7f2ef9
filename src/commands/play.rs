//! `weft play`: play a program through the audio output and follow the
//! file: every save (and every save of a file it imports) is evaluated and
//! swapped in at the next quantization point; a save with errors changes
//! nothing. The live control loop is shared with `weft repl`
//! (`crate::live`), without the prompt.

use crate::live::{parse_quantize, run, LiveOptions};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The program file.
    file: PathBuf,
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
    /// Stop after this many seconds of audio (default: play until interrupted).
    #[arg(long)]
    seconds: Option<f64>,
    #[command(flatten)]
    external: super::midi::PlayArgs,
}

pub fn run_play(a: Args) -> u8 {
    let quantize = match parse_quantize(&a.quantize) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    run(LiveOptions {
        file: Some(a.file),
        repl: false,
        quantize,
        device: a.device,
        buffer: a.buffer,
        record: a.record,
        seconds: a.seconds,
        external: a.external,
    })
}
