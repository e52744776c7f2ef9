//! A track's stems as the audio side builds them (offline renders only).
//!
//! A mix engineer's stem is the track as it reaches the master bus: its
//! strip (voices, effect chain, gain and balance) plus its own share of the
//! orbit reverbs and delays, which the engine otherwise shares between
//! tracks. Each tap keeps a silent copy of every orbit effect its track
//! sends to, with the shared effect's settings, ticked exactly when the
//! shared one is: the effects are linear, so the shares sum to the shared
//! output. The tap also runs the stem through its own copy of the master
//! effect chain and DC blocker ("post-master"), so that with a linear master
//! chain the post-master stems sum to the master bus before its limiter.
//!
//! Shares and effect copies are made on the audio side when first needed,
//! which allocates: stems are for offline renders, never for a device.

use crate::audio::FxSlot;
use crate::dsp::effects::{DcBlocker, Freeverb, StereoDelay};
use fundsp::prelude32::{AudioUnit, BufferVec};

/// A track's own copy of one orbit's reverb and delay, and its sends.
struct OrbitShare {
    reverb: Freeverb,
    delay: StereoDelay,
    room_in: BufferVec,
    delay_in: BufferVec,
}

/// One track's stem buffers and its copies of the shared effects.
pub struct StemTap {
    shares: Vec<Option<Box<OrbitShare>>>,
    /// The track's signal in the current chunk: strip output plus returns.
    bus: BufferVec,
    master_fx: FxSlot,
    dc: [DcBlocker; 2],
    /// This callback's frames (interleaved stereo) before and after the
    /// master chain.
    pre: Vec<f32>,
    post: Vec<f32>,
}

impl StemTap {
    /// A tap holding up to `frames` frames per callback.
    pub fn new(frames: usize, crossfade_samples: f32, sample_rate: f64) -> StemTap {
        StemTap {
            shares: (0..crate::audio::ORBITS).map(|_| None).collect(),
            bus: BufferVec::new(2),
            master_fx: FxSlot::new(None, crossfade_samples),
            dc: [DcBlocker::new(sample_rate), DcBlocker::new(sample_rate)],
            pre: Vec::with_capacity(frames * 2),
            post: Vec::with_capacity(frames * 2),
        }
    }

    /// The frames of the current callback: before and after the master chain.
    pub fn frames(&self) -> (&[f32], &[f32]) {
        (&self.pre, &self.post)
    }

    pub(crate) fn begin_callback(&mut self) {
        self.pre.clear();
        self.post.clear();
    }

    /// Clears the sends of every share for a chunk of `n` frames.
    pub(crate) fn begin_chunk(&mut self, n: usize) {
        for s in self.shares.iter_mut().flatten() {
            clear(&mut s.room_in, n);
            clear(&mut s.delay_in, n);
        }
    }

    /// Sends `x` (per channel, scaled by `gains`) to this track's share of
    /// orbit `orbit`, made from the shared effects when first used.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn send(
        &mut self,
        orbit: usize,
        shared: (&Freeverb, &StereoDelay),
        off: usize,
        l: &[f32],
        r: &[f32],
        amp: &[f32],
        room: [f32; 2],
        delay: [f32; 2],
    ) {
        let share = self.shares[orbit].get_or_insert_with(|| {
            let mut s = Box::new(OrbitShare {
                reverb: shared.0.silent_copy(),
                delay: shared.1.silent_copy(),
                room_in: BufferVec::new(2),
                delay_in: BufferVec::new(2),
            });
            clear(&mut s.room_in, crate::audio::CHUNK);
            clear(&mut s.delay_in, crate::audio::CHUNK);
            s
        });
        for (bus, g) in [(&mut share.room_in, room), (&mut share.delay_in, delay)] {
            let mut b = bus.buffer_mut();
            let dl = &mut b.channel_f32_mut(0)[off..off + l.len()];
            for k in 0..l.len() {
                dl[k] += l[k] * amp[k] * g[0];
            }
            let dr = &mut b.channel_f32_mut(1)[off..off + r.len()];
            for k in 0..r.len() {
                dr[k] += r[k] * amp[k] * g[1];
            }
        }
    }

    /// The shared reverb of `orbit` changed its room: so does the share.
    pub(crate) fn set_room(&mut self, orbit: usize, room: f32, damp: f32) {
        if let Some(s) = self.shares[orbit].as_mut() {
            s.reverb.set_room(room, damp);
        }
    }

    /// The shared delay of `orbit` changed: so does the share.
    pub(crate) fn set_delay(&mut self, orbit: usize, time: f32, feedback: f32) {
        if let Some(s) = self.shares[orbit].as_mut() {
            s.delay.set(time, feedback);
        }
    }

    /// Starts the chunk's signal with the strip's output (`None`: a muted,
    /// faulted strip).
    pub(crate) fn set_strip_output(&mut self, strip: Option<&BufferVec>, n: usize) {
        match strip {
            Some(src) => {
                let src = src.buffer_ref();
                for ch in 0..2 {
                    self.bus.channel_f32_mut(ch)[..n].copy_from_slice(&src.channel_f32(ch)[..n]);
                }
            }
            None => clear(&mut self.bus, n),
        }
    }

    /// Adds this track's returns of orbit `orbit` (ticked while the shared
    /// orbit is), in the same operations as the shared orbit's mix.
    pub(crate) fn mix_share(&mut self, orbit: usize, n: usize) {
        let Some(s) = self.shares[orbit].as_mut() else {
            return;
        };
        for k in 0..n {
            let (rl, rr) = s
                .reverb
                .tick(s.room_in.channel_f32(0)[k], s.room_in.channel_f32(1)[k]);
            let (dl, dr) = s
                .delay
                .tick(s.delay_in.channel_f32(0)[k], s.delay_in.channel_f32(1)[k]);
            self.bus.channel_f32_mut(0)[k] += rl * 3.0 + dl;
            self.bus.channel_f32_mut(1)[k] += rr * 3.0 + dr;
        }
    }

    /// A new master chain: cross-faded as the master's (`crossfade`), or
    /// put in place at once (a track that appears while it runs).
    pub(crate) fn set_master_fx(&mut self, fx: Option<Box<dyn AudioUnit>>, crossfade: bool) {
        // Offline only: the replaced units are dropped here.
        let _ = self.master_fx.replace(fx, crossfade);
    }

    /// Keeps the chunk's signal, then runs it through the master chain's
    /// copy and the DC blocker and keeps that too.
    pub(crate) fn finish_chunk(&mut self, n: usize) {
        if self.pre.len() + 2 * n > self.pre.capacity() {
            return;
        }
        {
            let bus = self.bus.buffer_ref();
            for k in 0..n {
                self.pre.push(bus.channel_f32(0)[k]);
                self.pre.push(bus.channel_f32(1)[k]);
            }
        }
        let _ = self.master_fx.process(n, &mut self.bus);
        for k in 0..n {
            let l = self.dc[0].tick(self.bus.channel_f32(0)[k]);
            let r = self.dc[1].tick(self.bus.channel_f32(1)[k]);
            self.post.push(l);
            self.post.push(r);
        }
    }
}

fn clear(b: &mut BufferVec, n: usize) {
    for ch in 0..b.channels() {
        b.channel_f32_mut(ch)[..n].fill(0.0);
    }
}
