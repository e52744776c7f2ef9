//! `weft fmt [--check] FILES`: lays programs out in weft's one canonical
//! layout (see `lang::format`). `-` reads standard input and writes the
//! result to standard output.

use lang::format::{format_source, FormatError};
use std::io::{Read, Write};

#[derive(clap::Args)]
pub struct Args {
    /// The files to format (`-`: standard input to standard output).
    #[arg(required = true)]
    files: Vec<String>,
    /// Change nothing; list the files whose layout differs and exit with
    /// code 1 if there are any.
    #[arg(long)]
    check: bool,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed,
    Failed,
}

pub fn run(args: Args) -> u8 {
    let mut changed = 0;
    let mut failed = 0;
    for file in &args.files {
        match format_file(file, args.check) {
            Outcome::Unchanged => {}
            Outcome::Changed => changed += 1,
            Outcome::Failed => failed += 1,
        }
    }
    if failed > 0 {
        2
    } else if args.check && changed > 0 {
        1
    } else {
        0
    }
}

fn format_file(file: &str, check: bool) -> Outcome {
    let src = if file == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut s) {
            eprintln!("error: cannot read standard input: {e}");
            return Outcome::Failed;
        }
        s
    } else {
        match super::read_source(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return Outcome::Failed;
            }
        }
    };
    let formatted = match format_source(&src) {
        Ok(f) => f,
        Err(FormatError::Syntax(diags)) => {
            super::print_diagnostics(&diags, file, &src);
            eprintln!(
                "error: `{file}` not formatted: {}",
                FormatError::Syntax(diags)
            );
            return Outcome::Failed;
        }
        Err(e) => {
            eprintln!("error: `{file}`: {e}");
            return Outcome::Failed;
        }
    };
    let same = formatted == src;
    if file == "-" {
        if check {
            if !same {
                eprintln!("standard input is not formatted");
            }
        } else {
            let _ = std::io::stdout().write_all(formatted.as_bytes());
        }
    } else if check {
        if !same {
            println!("{file}");
        }
    } else if !same {
        if let Err(e) = std::fs::write(file, &formatted) {
            eprintln!("error: cannot write `{file}`: {e}");
            return Outcome::Failed;
        }
    }
    if same {
        Outcome::Unchanged
    } else {
        Outcome::Changed
    }
}
