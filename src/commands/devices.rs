//! `weft devices`: list the audio outputs.

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_: Args) -> u8 {
    match crate::live::without_library_messages(engine::device::output_devices) {
        Ok(list) if list.is_empty() => {
            eprintln!(
                "no audio output devices found; `weft render FILE -o out.wav` works without one"
            );
            2
        }
        Ok(list) => {
            for d in list {
                let mark = if d.is_default { "*" } else { " " };
                println!("{mark} {}  ({})", d.name, d.config);
            }
            0
        }
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}
