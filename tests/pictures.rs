//! `weft roll` and `weft plot` end to end, and the tutorial's pictures
//! checked in under docs/pictures being what docs/pictures.sh draws now.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn weft(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-pictures-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn tutorial_pictures_are_current() {
    let out = temp_dir("tutorial");
    let status = Command::new("sh")
        .arg("docs/pictures.sh")
        .arg(&out)
        .arg(env!("CARGO_BIN_EXE_weft"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/pictures");
    let names = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".svg"))
            .collect();
        v.sort();
        v
    };
    let drawn = names(&out);
    assert_eq!(
        drawn,
        names(&checked_in),
        "run docs/pictures.sh to update docs/pictures"
    );
    // Every lesson has its roll; lesson 9 the plot of its instrument.
    assert_eq!(
        drawn.iter().filter(|n| n.ends_with(".roll.svg")).count(),
        11
    );
    assert!(drawn.contains(&"09-instruments.acid.plot.svg".to_string()));
    for n in &drawn {
        let new = std::fs::read_to_string(out.join(n)).unwrap();
        let old = std::fs::read_to_string(checked_in.join(n)).unwrap();
        assert!(
            new == old,
            "docs/pictures/{n} is not current: run docs/pictures.sh"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn roll_writes_png_and_svg() {
    let out = temp_dir("roll");
    let png = out.join("r.png");
    let o = weft(&[
        "roll",
        "examples/tutorial/11-song.weft",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&png).unwrap();
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    assert_eq!(reader.info().width, 1200);
    let svg = out.join("r.svg");
    let o = weft(&[
        "roll",
        "examples/tutorial/11-song.weft",
        "--cycles",
        "2",
        "--track",
        "drums",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains(">intro</text>") && !text.contains("data-track=\"bass\""));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_picture_commands_say_why() {
    let out = temp_dir("bad");
    let o = |args: &[&str]| {
        let r = weft(args);
        assert!(!r.status.success(), "{args:?} succeeded");
        stderr(&r)
    };
    let svg = out.join("x.svg");
    let svg = svg.to_str().unwrap();
    let song = "examples/tutorial/11-song.weft";
    assert!(o(&["roll", song, "-o", "x.jpg"]).contains(".svg or .png"));
    assert!(o(&["roll", song, "-o", svg, "--cycles", "0"]).contains("must be positive"));
    assert!(o(&["roll", song, "-o", svg, "--cycles", "x"]).contains("--cycles expects"));
    assert!(o(&["roll", song, "-o", svg, "--track", "nope"]).contains("no track named `nope`"));
    assert!(o(&["plot", song, "-o", svg, "--instrument", "nope"]).contains("no instrument named"));
    assert!(o(&["plot", "-o", svg, "--track", "bass"]).contains("needs a program file"));
    assert!(
        o(&["plot", "-o", svg, "--instrument", "sine", "--note", "h9"]).contains("--note expects")
    );
    assert!(!Path::new(svg).exists());
    let _ = std::fs::remove_dir_all(&out);
}
