//! The `weft` command.

use clap::{Parser, Subcommand};

/// Pattern queries and evaluation allocate many small short-lived objects;
/// mimalloc handles that several times faster than the system allocator.
/// (The audio callback never allocates, whatever the allocator.)
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

mod commands;
mod live;
mod lsp;

#[derive(Parser)]
#[command(name = "weft", version, about = "A live-coding music language", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Samples: a folder laid out like Dirt-Samples (`DIR/bd/*.wav` is the
    /// sound `bd`) or the address of a sample map (`github:user/repo`,
    /// `https://…/strudel.json`, `shabda:…`); may be given several times.
    #[arg(long, global = true, value_name = "DIR|URL")]
    samples: Vec<String>,
    /// Use only samples already in the download cache; say what is missing.
    #[arg(long, global = true)]
    offline: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Print the events of a pattern or of a program's track.
    Events(commands::events::Args),
    /// Check a program for errors without playing it.
    Check(commands::check::Args),
    /// Show the documentation of a function, control, instrument or effect.
    Doc(commands::doc::Args),
    /// Lay programs out in weft's canonical layout (`--check`: only report).
    Fmt(commands::fmt::Args),
    /// A language server for editors, over standard input and output.
    Lsp(lsp::Args),
    /// Play a file (optional) and type changes at a prompt.
    Repl(commands::repl::Args),
    /// Render a program to a WAV file.
    Render(commands::render::Args),
    /// Write a program as a Standard MIDI File.
    Export(commands::export::Args),
    /// MIDI utilities: `weft midi ports` lists the ports.
    Midi(commands::midi::Args),
    /// Join an Ableton Link session and show its tempo and beat.
    #[cfg(feature = "link")]
    Link(commands::link::Args),
    /// Play a program through the audio output (re-read when the file changes).
    Play(commands::play::Args),
    /// List the audio output devices.
    Devices(commands::devices::Args),
    /// Draw a program's arrangement as a pianoroll (SVG or PNG).
    Roll(commands::roll::Args),
    /// Draw one note of an instrument: waveform, spectrum, envelope, filter (SVG or PNG).
    Plot(commands::plot::Args),
    /// Sound files: `weft sample info FILE` gives length, rate, peak and loudness.
    Sample(commands::sample::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    engine::samples::fetch::Fetcher::global().set_offline(cli.offline);
    if let Err(e) = commands::set_sample_sources(&cli.samples) {
        eprintln!("{e}");
        return ExitCode::from(2);
    }
    let code = match cli.command {
        Command::Events(a) => commands::events::run(a),
        Command::Check(a) => commands::check::run(a),
        Command::Doc(a) => commands::doc::run(a),
        Command::Fmt(a) => commands::fmt::run(a),
        Command::Lsp(a) => lsp::run(a),
        Command::Repl(a) => commands::repl::run_repl(a),
        Command::Render(a) => commands::render::run(a),
        Command::Play(a) => commands::play::run_play(a),
        Command::Export(a) => commands::export::run(a),
        Command::Midi(a) => commands::midi::run(a),
        #[cfg(feature = "link")]
        Command::Link(a) => commands::link::run(a),
        Command::Devices(a) => commands::devices::run(a),
        Command::Roll(a) => commands::roll::run(a),
        Command::Plot(a) => commands::plot::run(a),
        Command::Sample(a) => commands::sample::run(a),
    };
    ExitCode::from(code)
}
