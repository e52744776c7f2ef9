//! Expressions: evaluated and their first cycle queried.
#![no_main]
mod common;

libfuzzer_sys::fuzz_target!(|code: &str| {
    if let Ok(v) = lang::eval::eval_source(code) {
        common::first_cycle(&v);
    }
});
