//! DSP building blocks that fundsp does not provide in the form weft needs.

pub mod additive;
pub mod distortion;
pub mod effects;
pub mod lane_map;
pub mod lanes;
pub mod modulators;
pub mod nodes;
