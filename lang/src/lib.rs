//! weft's language: exact time, the pattern core and library,
//! mini-notation, the expression language and its diagnostics.
//!
//! Data flows one way: source → tokens → syntax tree → evaluation →
//! patterns (and, for whole programs, a `Program`).

pub mod hap;
pub mod jsmath;
pub mod library;
pub mod mini;
pub mod pattern;
pub mod random;
pub mod span;
pub mod time;
pub mod tonal;
pub mod value;

pub use hap::Hap;
pub use pattern::{Pattern, State};
pub use span::Span;
pub use time::Time;
pub use value::Value;
pub mod ast;
pub mod conformance;
pub mod density;
pub mod diagnostics;
pub mod docs;
mod docs_data;
pub mod eval;
pub mod format;
pub mod graph;
pub mod graph_eval;
pub mod jsbuiltins;
pub mod lexer;
pub mod parser;
pub mod probe;
pub mod program;
pub mod sample_edit;
pub mod sample_source;
pub mod takes;
