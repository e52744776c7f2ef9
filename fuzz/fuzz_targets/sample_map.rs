//! Sample maps (`strudel.json`) as downloaded from anywhere.
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = lang::sample_source::parse_map_text(text);
});
