//! `weft plot`: one note of an instrument as waveform, spectrum and
//! envelope (SVG or PNG).

use super::roll::{program_for_picture, title_of, write_picture};
use lang::tonal::notes::note_to_midi;
use lang::value::js_number;
use pictures::plot::{plot, PlotOptions, Subject};
use pictures::Format;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The program file (optional with --instrument: the standard library's
    /// instruments need none).
    file: Option<String>,
    /// The picture to write: a name ending in .svg or .png.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// The first note this track plays, with its controls and effects.
    #[arg(
        long,
        conflicts_with = "instrument",
        required_unless_present = "instrument"
    )]
    track: Option<String>,
    /// A note of this instrument (the program's or the standard library's).
    #[arg(long)]
    instrument: Option<String>,
    /// With --instrument: the note (a name such as c3 or a MIDI number).
    #[arg(long, default_value = "c3")]
    note: String,
    /// With --instrument: how long the note is held, in seconds.
    #[arg(long, default_value_t = 0.5)]
    seconds: f64,
}

pub fn run(a: Args) -> u8 {
    let format = match Format::from_path(&a.output) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let Some(note) = note_to_midi(&a.note, 3.0).or_else(|| js_number(&a.note)) else {
        eprintln!(
            "error: --note expects a note name such as c3 or a MIDI number, found `{}`",
            a.note
        );
        return 2;
    };
    let (program, title) = match &a.file {
        Some(f) => match program_for_picture(f) {
            Some(p) => (p, title_of(f)),
            None => return 1,
        },
        None if a.track.is_some() => {
            eprintln!("error: --track needs a program file");
            return 2;
        }
        None => (lang::program::Program::default(), String::new()),
    };
    let subject = match (a.track, a.instrument) {
        (Some(t), _) => Subject::Track(t),
        (None, Some(i)) => Subject::Instrument(i),
        (None, None) => unreachable!("clap requires --track or --instrument"),
    };
    let options = PlotOptions {
        note,
        seconds: a.seconds,
        title,
        ..PlotOptions::new(subject)
    };
    match plot(&program, &stdlib::instruments(), &options) {
        Ok(svg) => write_picture(&a.output, format, &svg),
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
