//! `weft check FILE`: report diagnostics without playing.

use lang::diagnostics::to_json;

/// How long `check` waits for the sample maps a program names.
const MAP_TIMEOUT_SECS: u64 = 60;

#[derive(clap::Args)]
pub struct Args {
    /// The program to check.
    file: String,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Cycles to play silently, looking for problems that show only then
    /// (too-dense tracks, unknown scales, NaN controls); default: the
    /// song's length, else 8. 0 skips this.
    #[arg(long)]
    cycles: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> u8 {
    let src = match super::read_source(&args.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let (ev, problems) = super::downloads::evaluate_with_maps(
        &args.file,
        &src,
        std::time::Duration::from_secs(MAP_TIMEOUT_SECS),
    );
    for p in &problems {
        eprintln!("warning: {p}");
    }
    let diags = &ev.diagnostics;
    match args.format {
        Format::Text => super::print_all_diagnostics(&ev, &args.file, &src),
        Format::Json => {
            for d in diags {
                let (file, text) = match &d.file {
                    Some(f) => (
                        f.to_string(),
                        ev.sources.get(&**f).cloned().unwrap_or_default(),
                    ),
                    None => (args.file.clone(), src.clone()),
                };
                println!("{}", to_json(d, &file, &text));
            }
        }
    }
    let cycles = match &args.cycles {
        Some(c) => match c.parse::<lang::Time>() {
            Ok(t) if t >= lang::Time::ZERO => t.min(lang::Time::int(MAX_CYCLES)),
            _ => {
                eprintln!("error: --cycles expects a number of cycles such as 8, found `{c}`");
                return 2;
            }
        },
        None => ev
            .program
            .song_length
            .unwrap_or(lang::Time::int(8))
            .min(lang::Time::int(MAX_CYCLES)),
    };
    let problems = lang::probe::probe_tracks(&ev.program, cycles);
    for p in &problems {
        let severity = if p.error { "error" } else { "warning" };
        match args.format {
            Format::Text => eprintln!("{severity}: track `{}`: {}", p.track, p.message),
            Format::Json => {
                let mut track = String::new();
                let mut message = String::new();
                lang::value::json_string(&p.track, &mut track);
                lang::value::json_string(&p.message, &mut message);
                println!("{{\"severity\":\"{severity}\",\"track\":{track},\"message\":{message}}}");
            }
        }
    }
    if diags.iter().any(|d| d.is_error()) || problems.iter().any(|p| p.error) {
        1
    } else {
        0
    }
}

/// The most cycles `check` plays.
const MAX_CYCLES: i64 = 1024;
