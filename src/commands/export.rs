//! `weft export`: write a program as a Standard MIDI File.

use super::{evaluate, print_all_diagnostics, read_source};
use engine::midi::smf;
use lang::Time;
use std::path::PathBuf;

/// Length of `--song` for a program without a song (as `weft render`).
const SONG_CYCLES: i64 = 16;

#[derive(clap::Args)]
pub struct Args {
    /// The program file.
    file: String,
    /// The MIDI file to write.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Length in cycles (default 8).
    #[arg(long, conflicts_with = "song")]
    cycles: Option<String>,
    /// The whole song (16 cycles for a program without one).
    #[arg(long)]
    song: bool,
}

pub fn run(a: Args) -> u8 {
    let src = match read_source(&a.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let ev = evaluate(&a.file, &src);
    print_all_diagnostics(&ev, &a.file, &src);
    let program = ev.program;
    let length = match (&a.cycles, a.song) {
        (Some(c), _) => match c.parse::<Time>() {
            Ok(t) if t > Time::ZERO => t,
            _ => {
                eprintln!(
                    "error: --cycles expects a positive number such as 8 or 3/2, found `{c}`"
                );
                return 2;
            }
        },
        (None, true) => program.song_length.unwrap_or(Time::int(SONG_CYCLES)),
        (None, false) => Time::int(8),
    };
    if program.audible().next().is_none() {
        eprintln!("error: nothing to export: the program has no audible track");
        return 1;
    }
    let out = smf::export(&program, length);
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    if !out.errors.is_empty() {
        for e in &out.errors {
            eprintln!("error: {e}");
        }
        return 1;
    }
    if let Err(e) = std::fs::write(&a.output, &out.bytes) {
        eprintln!("error: cannot write `{}`: {e}", a.output.display());
        return 1;
    }
    let notes: usize = out.tracks.iter().map(|t| smf::notes(t).len()).sum();
    println!(
        "wrote {}: {} cycles, {} track(s), {notes} notes, {} tempo change(s), {} ticks per quarter note{}",
        a.output.display(),
        length,
        out.tracks.len(),
        out.tempos.len().saturating_sub(1),
        out.ppq,
        if out.exact { "" } else { " (times rounded)" }
    );
    0
}
