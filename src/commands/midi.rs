//! `weft midi`: MIDI utilities (`weft midi ports`), and the program
//! `weft render` plays (its MIDI and OSC tracks left out). The live MIDI
//! and OSC outputs are `crate::live::outputs`.

use engine::midi::live::audio_part;
use engine::midi::sink::{input_ports, output_ports, VIRTUAL_PORT};
use lang::program::{Output, Program};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: MidiCommand,
}

#[derive(clap::Subcommand)]
enum MidiCommand {
    /// List the MIDI output and input ports.
    Ports,
}

pub fn run(a: Args) -> u8 {
    match a.command {
        MidiCommand::Ports => ports(),
    }
}

fn list(title: &str, ports: &[String]) {
    println!("{title}:");
    if ports.is_empty() {
        println!("  (none)");
    }
    for p in ports {
        println!("  {p}");
    }
}

fn ports() -> u8 {
    let outputs = match output_ports() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "note: MIDI tracks are skipped when MIDI is unavailable; `weft export` writes MIDI files without it"
            );
            return 1;
        }
    };
    list("MIDI outputs", &outputs);
    match input_ports() {
        Ok(inputs) => list("MIDI inputs", &inputs),
        Err(e) => eprintln!("warning: MIDI input: {e}"),
    }
    if cfg!(unix) && !outputs.iter().any(|p| p.contains(VIRTUAL_PORT)) {
        println!(
            "`.midi(\"{VIRTUAL_PORT}\", channel)` creates a virtual output port `{VIRTUAL_PORT}` that other programs can connect to"
        );
    }
    0
}

/// The program `weft render` renders: MIDI and OSC tracks are left out,
/// with a note for each.
pub fn for_render(program: Program) -> Program {
    for t in program.audible() {
        let to = match &t.output {
            Output::Audio => continue,
            Output::Midi { port, channel } => format!("MIDI port `{port}` (channel {channel})"),
            Output::Osc { host, port } => format!("OSC at {host}:{port}"),
        };
        eprintln!(
            "note: track `{}` goes to {to}; `weft render` leaves it out (`weft export` writes a MIDI file)",
            t.name
        );
    }
    audio_part(&program)
}
