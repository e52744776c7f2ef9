//! The documentation of the pattern function library (see [`crate::docs`]).
//! Every name registered in the library must appear here, as a name or an
//! alias; `lang/tests/docs.rs` checks it and runs every example.

use crate::docs::FnDoc;

pub const FUNCTION_DOCS: &[FnDoc] = &[
    FnDoc {
        names: &["fast", "density"],
        category: "Time",
        summary: "Speeds a pattern up: `fast(2)` plays each cycle twice per cycle.",
        params: &[(
            "factor",
            "speed-up factor (> 0); a pattern such as \"<1 2>\" changes it per cycle",
        )],
        example: "s(\"bd sd\").fast(\"<1 2>\")",
    },
    FnDoc {
        names: &["slow", "sparsity"],
        category: "Time",
        summary: "Slows a pattern down: `slow(2)` stretches each cycle over two.",
        params: &[("factor", "slow-down factor (> 0)")],
        example: "note(\"c e g b\").slow(2)",
    },
];
