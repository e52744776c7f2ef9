//! Whole programs (tracks, MIDI and OSC outputs with their arguments):
//! evaluated, then their first cycle played silently.
#![no_main]

libfuzzer_sys::fuzz_target!(|src: &str| {
    let (program, _) = lang::program::evaluate(src);
    let _ = lang::probe::probe_tracks(&program, lang::Time::ONE);
});
