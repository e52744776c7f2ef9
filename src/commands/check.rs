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
    if diags.iter().any(|d| d.is_error()) {
        1
    } else {
        0
    }
}
