//! Mini-notation: parsed, then played as `note("…")`.
#![no_main]
mod common;

libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = lang::mini::parse(text);
    let code = format!("note(\"{}\")", text.replace('"', ""));
    if let Ok(v) = lang::eval::eval_source(&code) {
        common::first_cycle(&v);
    }
});
