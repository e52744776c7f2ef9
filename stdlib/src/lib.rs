//! The standard library (see docs/).

pub mod instruments;

pub use instruments::instruments;
