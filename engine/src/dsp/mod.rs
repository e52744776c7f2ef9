//! DSP building blocks that fundsp does not provide in the form weft needs.

pub mod additive;
pub mod bank;
pub mod distortion;
pub mod effects;
pub mod modulators;
pub mod nodes;
