//! Harmony on patterns: `scale`, `scaleTranspose`, `transpose`, `chord`
//! voicings. The music theory itself lives in [`crate::tonal`].

use super::registry::AddFn;

pub fn register(_add: &mut AddFn) {}
