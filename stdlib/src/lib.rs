//! The standard library (see docs/).

pub mod docs;
pub mod instruments;

pub use instruments::instruments;
