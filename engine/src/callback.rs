//! The audio callback: the one function that runs on the audio thread.
//!
//! It drains the command queue (voices to start, swaps to apply, each at
//! its exact sample), renders in chunks of at most 64 frames, and sends
//! finished voices and replaced effect chains back to the control side to
//! be dropped there. It never allocates, locks, blocks or does I/O; the
//! tests run it under an allocation guard.

use crate::audio::{AudioCore, CHUNK};

/// Fills `out` (interleaved, `channels` per frame) with the next frames.
pub fn process(core: &mut AudioCore, out: &mut [f32], channels: usize) {
    let started = std::time::Instant::now();
    // Decaying tails (a string, a filter, the master's DC blocker settling
    // on a value after the music stops) reach subnormal numbers, each
    // operation on which costs a hundred times more on x86; they are far
    // below the last bit of any output format: flushed to zero.
    let _flush = crate::dsp::lanes::FlushSubnormals::new();
    let channels = channels.max(1);
    let frames = out.len() / channels;
    core.begin_callback();
    let mut done = 0;
    while done < frames {
        let n = core.start_due((frames - done).min(CHUNK));
        core.render_chunk(n);
        core.finish_chunk(
            n,
            &mut out[done * channels..(done + n) * channels],
            channels,
        );
        done += n;
    }
    core.publish();
    core.record_stats(started, frames);
}
