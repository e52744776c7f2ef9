//! `weft roll`: a program's arrangement as a pianoroll picture (SVG or PNG).

use super::{evaluate, print_all_diagnostics, read_source};
use lang::Time;
use pictures::roll::{roll, Range, RollOptions};
use pictures::Format;
use std::path::{Path, PathBuf};

/// Cycles drawn for a program without a song when no length is given.
const DEFAULT_CYCLES: i64 = 8;

#[derive(clap::Args)]
pub struct Args {
    /// The program file.
    file: String,
    /// The picture to write: a name ending in .svg or .png.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Cycles to draw, from 0 (default: the song, or 8 cycles without one).
    #[arg(long, conflicts_with = "song")]
    cycles: Option<String>,
    /// The whole song.
    #[arg(long)]
    song: bool,
    /// Only this track (default: every track that sounds).
    #[arg(long)]
    track: Option<String>,
}

/// Evaluates a program file for a picture: its diagnostics printed, and
/// `None` when it has errors.
pub fn program_for_picture(file: &str) -> Option<lang::program::Program> {
    let src = match read_source(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return None;
        }
    };
    let ev = evaluate(file, &src);
    print_all_diagnostics(&ev, file, &src);
    if ev.diagnostics.iter().any(|d| d.is_error()) {
        eprintln!("error: `{file}` has errors: no picture written");
        return None;
    }
    Some(ev.program)
}

/// The name a picture shows as its title: the file's, without folders.
pub fn title_of(file: &str) -> String {
    Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Writes SVG text as the picture `path` asks for (by its extension).
pub fn write_picture(path: &Path, format: Format, svg: &str) -> u8 {
    let bytes = match pictures::svg::encode(svg, format) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if let Err(e) = std::fs::write(path, bytes) {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return 1;
    }
    println!("wrote {}", path.display());
    0
}

pub fn run(a: Args) -> u8 {
    let format = match Format::from_path(&a.output) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let cycles = match &a.cycles {
        Some(c) => match c.parse::<Time>() {
            Ok(t) => Some(t),
            Err(_) => {
                eprintln!("error: --cycles expects a number such as 8 or 3/2, found `{c}`");
                return 2;
            }
        },
        None => None,
    };
    let Some(program) = program_for_picture(&a.file) else {
        return 1;
    };
    let range = match (cycles, a.song) {
        (Some(c), _) => Range::Cycles(c),
        (None, true) => Range::Song,
        (None, false) if program.song_length.is_some() => Range::Song,
        (None, false) => Range::Cycles(Time::int(DEFAULT_CYCLES)),
    };
    let options = RollOptions {
        range,
        track: a.track,
        title: title_of(&a.file),
    };
    match roll(&program, &stdlib::instruments(), &options) {
        Ok(svg) => write_picture(&a.output, format, &svg),
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
