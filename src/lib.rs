//! weft: a live-coding music language.
pub use engine;
pub use lang;
pub use stdlib;
