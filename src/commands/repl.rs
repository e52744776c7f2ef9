//! `weft repl [FILE]`: play a file (optional), watch it, and accept weft
//! statements and commands typed at a prompt (or piped in).

use crate::live::{run_from_args, LiveArgs};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A program file to play and watch (optional).
    file: Option<PathBuf>,
    #[command(flatten)]
    live: LiveArgs,
}

pub fn run_repl(a: Args) -> u8 {
    run_from_args(a.file, true, a.live)
}
