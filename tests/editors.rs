//! The editor set-up of docs/editors.md, where the editor is installed:
//! Neovim's built-in LSP client (headless) talks to `weft lsp`.

use std::process::Command;

fn has(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok()
}

#[test]
fn neovim_shows_diagnostics_and_formats() {
    if !has("nvim") {
        eprintln!("Neovim is not installed: skipped (apt-get install neovim)");
        return;
    }
    let dir = std::env::temp_dir().join(format!("weft-nvim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("song.weft");
    std::fs::write(&file, "drums: s(\"bd*2\").fsat(2)\n").unwrap();
    let out = dir.join("out.txt");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/editors/nvim_check.lua");
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {script}"))
        .current_dir(&dir)
        .env("WEFT_BIN", env!("CARGO_BIN_EXE_weft"))
        .env("WEFT_FILE", &file)
        .env("WEFT_OUT", &out)
        .status()
        .unwrap();
    let got = std::fs::read_to_string(&out).unwrap_or_default();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(status.success(), "{got}");
    let (diagnostics, formatted) = got.split_once("---\n").unwrap();
    assert!(
        diagnostics.starts_with("0:17 E0201 ") && diagnostics.contains("fsat"),
        "{diagnostics}"
    );
    assert_eq!(formatted, "drums: s(\"bd*2\").fast(2)\n");
}
