//! The scope of one mixer strip: the audio thread copies the output of the
//! strip the control side selected into a ring of atomics, and the control
//! side reads the latest samples back (for the live view's scope and
//! spectrum of a track). Lock-free and allocation-free on the audio side:
//! one atomic load per strip and chunk when the strip is not selected.
//!
//! The selection and the count of samples written since it was made share
//! one atomic word, so a reader never takes samples of a strip selected
//! before: a new selection starts the count at zero, and a write for a
//! strip no longer selected is not counted.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Samples the ring holds (mono).
pub const SCOPE_RING: usize = 8192;

/// The selection's field in the shared word: the high 16 bits.
const SLOT_SHIFT: u32 = 48;
const COUNT_MASK: u64 = (1 << SLOT_SHIFT) - 1;
/// No strip selected.
const NONE: u64 = 0xFFFF;

/// The ring and the selection (shared by the engine and its audio core).
pub struct ScopeTap {
    /// Selected slot (high 16 bits) and samples written since (the rest).
    state: AtomicU64,
    ring: Box<[AtomicU32]>,
}

impl Default for ScopeTap {
    fn default() -> Self {
        ScopeTap {
            state: AtomicU64::new(NONE << SLOT_SHIFT),
            ring: (0..SCOPE_RING).map(|_| AtomicU32::new(0)).collect(),
        }
    }
}

fn pack(slot: u64, count: u64) -> u64 {
    (slot << SLOT_SHIFT) | (count & COUNT_MASK)
}

impl ScopeTap {
    /// Selects the strip in `slot` (none: no strip is tapped). Selecting
    /// the strip already selected keeps its samples.
    pub fn select(&self, slot: Option<usize>) {
        let slot = slot.map_or(NONE, |s| (s as u64).min(NONE - 1));
        let old = self.state.load(Ordering::Acquire);
        if old >> SLOT_SHIFT != slot {
            self.state.store(pack(slot, 0), Ordering::Release);
        }
    }

    /// The strip selected.
    pub fn selected(&self) -> Option<usize> {
        let slot = self.state.load(Ordering::Acquire) >> SLOT_SHIFT;
        (slot != NONE).then_some(slot as usize)
    }

    /// Whether strip `slot` is the one tapped (audio thread).
    #[inline]
    pub fn wants(&self, slot: usize) -> bool {
        self.state.load(Ordering::Relaxed) >> SLOT_SHIFT == slot as u64
    }

    /// Writes one chunk of strip `slot`'s stereo output as mono (audio
    /// thread; no allocation, no lock). Ignored unless `slot` is selected.
    pub fn write(&self, slot: usize, left: &[f32], right: &[f32]) {
        let state = self.state.load(Ordering::Acquire);
        if state >> SLOT_SHIFT != slot as u64 {
            return;
        }
        let count = state & COUNT_MASK;
        for (k, (l, r)) in left.iter().zip(right).enumerate() {
            let at = (count as usize + k) % SCOPE_RING;
            self.ring[at].store((0.5 * (l + r)).to_bits(), Ordering::Relaxed);
        }
        let written = left.len().min(right.len()) as u64;
        // Fails only when the selection changed meanwhile: then these
        // samples are not counted (and will be overwritten before they are).
        let _ = self.state.compare_exchange(
            state,
            pack(slot as u64, count + written),
            Ordering::Release,
            Ordering::Relaxed,
        );
    }

    /// The latest samples of the strip selected, oldest first: at most
    /// `n` (and at most [`SCOPE_RING`]), fewer while fewer were written
    /// since the selection (control side).
    pub fn latest(&self, n: usize) -> Vec<f32> {
        let state = self.state.load(Ordering::Acquire);
        if state >> SLOT_SHIFT == NONE {
            return Vec::new();
        }
        let count = (state & COUNT_MASK) as usize;
        let n = n.min(SCOPE_RING).min(count);
        (count - n..count)
            .map(|i| f32::from_bits(self.ring[i % SCOPE_RING].load(Ordering::Relaxed)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_selected_strip_is_written_and_a_new_selection_starts_empty() {
        let t = ScopeTap::default();
        t.write(0, &[1.0; 4], &[1.0; 4]);
        assert!(t.latest(10).is_empty(), "nothing is selected");
        t.select(Some(1));
        t.write(0, &[1.0; 4], &[1.0; 4]);
        t.write(1, &[0.5, 0.25], &[0.5, -0.25]);
        assert_eq!(t.latest(10), [0.5, 0.0]);
        assert_eq!(t.latest(1), [0.0]);
        t.select(Some(1));
        assert_eq!(
            t.latest(10),
            [0.5, 0.0],
            "the same selection keeps its samples"
        );
        t.select(Some(0));
        assert!(t.latest(10).is_empty());
        assert_eq!(t.selected(), Some(0));
        t.select(None);
        assert_eq!(t.selected(), None);
    }

    #[test]
    fn the_ring_keeps_the_latest_samples_when_it_wraps() {
        let t = ScopeTap::default();
        t.select(Some(2));
        let x: Vec<f32> = (0..SCOPE_RING + 100).map(|i| i as f32).collect();
        for chunk in x.chunks(64) {
            t.write(2, chunk, chunk);
        }
        let got = t.latest(SCOPE_RING * 2);
        assert_eq!(got.len(), SCOPE_RING);
        assert_eq!(got[0], 100.0);
        assert_eq!(*got.last().unwrap(), (SCOPE_RING + 99) as f32);
    }
}
