//! The audio engine (see docs/engine.md).

pub mod analysis;
pub mod audio;
pub mod callback;
pub mod compile;
mod cpu;
pub mod deliver;
pub mod device;
pub mod dither;
pub mod dsp;
pub mod engine;
pub mod flac;
pub mod input;
#[cfg(feature = "link")]
pub mod link;
pub mod markers;
pub mod mastering;
pub mod midi;
pub mod modulation;
pub mod osc;
pub mod render;
pub mod samples;
pub mod scope_tap;
pub mod stats;
pub mod stem_tap;
pub mod takes;
pub mod targets;
pub mod tempo;
pub mod timecode;
pub mod voice;
pub mod wav;
