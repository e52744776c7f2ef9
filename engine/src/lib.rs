//! The audio engine (see docs/engine.md).

pub mod audio;
pub mod callback;
pub mod compile;
pub mod device;
pub mod dsp;
pub mod engine;
#[cfg(feature = "link")]
pub mod link;
pub mod midi;
pub mod modulation;
pub mod osc;
pub mod render;
pub mod samples;
pub mod stats;
pub mod tempo;
pub mod voice;
