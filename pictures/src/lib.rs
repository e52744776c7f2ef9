//! weft's pictures: the arrangement of a program as a pianoroll
//! ([`roll`]) and one note of an instrument as waveform, spectrum and
//! envelope ([`plot`]), written as SVG and, through an embedded font so
//! that no system font is needed, as PNG.
//!
//! Data flows one way: a [`lang::program::Program`] and its events (the
//! same queries as `weft events`) or its offline render (the engine's
//! `render`) go in, picture bytes come out. The same input gives the same
//! bytes.

pub mod loudness;
pub mod plot;
pub mod roll;
pub mod svg;

pub use svg::Format;
