//! `weft devices`: list the audio outputs, then the inputs (capture
//! devices, for `--input`).

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
            print_list(&list);
            let inputs = crate::live::without_library_messages(engine::input::input_devices)
                .unwrap_or_default();
            if inputs.is_empty() {
                println!("inputs: none");
            } else {
                println!("inputs (--input NAME):");
                print_list(&inputs);
            }
            0
        }
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

fn print_list(list: &[engine::device::DeviceInfo]) {
    for d in list {
        let mark = if d.is_default { "*" } else { " " };
        println!("{mark} {}  ({})", d.name, d.config);
    }
}
