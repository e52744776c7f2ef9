//! `weft doc NAME`: the documentation of a function, control, instrument,
//! effect, graph primitive or scale. `--markdown` prints the whole reference
//! (docs/stdlib.md is generated with it).

#[derive(clap::Args)]
pub struct Args {
    /// The name to look up.
    name: Option<String>,
    /// Print the whole reference as Markdown.
    #[arg(long)]
    markdown: bool,
}

pub fn run(args: Args) -> u8 {
    let entries = stdlib::docs::all();
    if args.markdown {
        print!("{}", lang::docs::markdown(&entries));
        return 0;
    }
    let Some(name) = args.name else {
        eprintln!("error: give a name, e.g. `weft doc fast`, or --markdown for everything");
        return 1;
    };
    let found: Vec<_> = entries
        .iter()
        .filter(|e| e.name == name || e.aliases.contains(&name))
        .collect();
    match found.is_empty() {
        false => {
            let texts: Vec<String> = found.iter().map(|e| e.to_text()).collect();
            print!("{}", texts.join("\n"));
            0
        }
        true => {
            let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
            match lang::diagnostics::did_you_mean(&name, names.iter().copied()) {
                Some(s) => eprintln!("error: nothing is called `{name}`; did you mean `{s}`?"),
                None => eprintln!("error: nothing is called `{name}`"),
            }
            1
        }
    }
}
