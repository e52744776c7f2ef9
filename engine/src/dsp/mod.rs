//! DSP building blocks that fundsp does not provide in the form weft needs.

pub mod bank;
pub mod effects;
pub mod nodes;
