//! `weft play`: play a program through the audio output and follow the
//! file: every save (and every save of a file it imports) is evaluated and
//! swapped in at the next quantization point; a save with errors changes
//! nothing. The live control loop is shared with `weft repl`
//! (`crate::live`), without the prompt.

use crate::live::{run_from_args, LiveArgs};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The program file.
    file: PathBuf,
    #[command(flatten)]
    live: LiveArgs,
}

pub fn run_play(a: Args) -> u8 {
    run_from_args(Some(a.file), false, a.live)
}
