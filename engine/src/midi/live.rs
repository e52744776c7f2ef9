//! Playing MIDI and OSC tracks beside the audio engine: the engine plays a
//! program's audio tracks, an [`ExternalScheduler`] the others, and both
//! change programs at the same cycle.

use super::schedule::ExternalScheduler;
use crate::engine::{Engine, Quantize};
use lang::program::{Output, Program};
use lang::Time;
use std::collections::HashSet;

/// The part of a program the audio engine plays: its audio tracks, with
/// mute and solo decided over all tracks (a soloed MIDI track silences the
/// audio tracks).
pub fn audio_part(program: &Program) -> Program {
    let audible: HashSet<String> = program.audible().map(|t| t.name.clone()).collect();
    let mut p = program.clone();
    p.tracks.retain(|t| t.output == Output::Audio);
    for t in &mut p.tracks {
        t.muted = !audible.contains(&t.name);
        t.solo = false;
    }
    p
}

/// Starts `program` on both sides from cycle 0.
pub fn load_together(engine: &mut Engine, scheduler: &mut ExternalScheduler, program: &Program) {
    engine.load(audio_part(program));
    scheduler.swap(program, Time::ZERO, &[]);
}

/// Swaps both sides to `program` at the engine's next cycle and returns
/// that cycle. Tracks named in `keep` keep their running version.
pub fn swap_together(
    engine: &mut Engine,
    scheduler: &mut ExternalScheduler,
    program: &Program,
    keep: &[String],
) -> Time {
    swap_together_at(engine, scheduler, program, keep, Quantize::NextCycle)
}

/// [`swap_together`] at the engine's quantization point `quantize`.
pub fn swap_together_at(
    engine: &mut Engine,
    scheduler: &mut ExternalScheduler,
    program: &Program,
    keep: &[String],
    quantize: Quantize,
) -> Time {
    let before = engine.scheduled_until();
    let external =
        scheduler.has_tracks() || program.tracks.iter().any(|t| t.output != Output::Audio);
    if quantize == Quantize::Immediate && !external {
        // Audio only: the engine may take back what it queued and swap
        // sooner (MIDI and OSC messages already sent cannot be).
        engine.swap_now(audio_part(program), keep.to_vec());
    } else {
        engine.swap_keeping(audio_part(program), quantize, keep.to_vec());
    }
    // Fixes the engine's swap point without scheduling further.
    engine.schedule(engine.tempo().sample_at(before));
    let at = engine.pending_swap().map(|(c, _)| c).unwrap_or(before);
    scheduler.swap(program, at, keep);
    at
}
