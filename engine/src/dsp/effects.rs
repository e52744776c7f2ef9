//! Shared effects with parameters that change while they run: a Freeverb
//! style reverb and a stereo feedback delay (the orbit effects and the
//! `reverb`/`delay` graph primitives), the DC blocker and the true-peak
//! safety limiter of the master bus. All buffers are allocated in `new`.

use fundsp::prelude32::{AudioNode, Frame, DEFAULT_SR, U1, U2};

const COMBS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASSES: [usize; 4] = [556, 441, 341, 225];
const SPREAD: usize = 23;

#[derive(Clone)]
struct Comb {
    buf: Vec<f32>,
    pos: usize,
    store: f32,
}

impl Comb {
    fn new(len: usize) -> Comb {
        Comb {
            buf: vec![0.0; len.max(1)],
            pos: 0,
            store: 0.0,
        }
    }

    #[inline]
    fn tick(&mut self, x: f32, feedback: f32, damp: f32) -> f32 {
        let out = self.buf[self.pos];
        self.store = out * (1.0 - damp) + self.store * damp;
        self.buf[self.pos] = x + self.store * feedback;
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        out
    }
}

#[derive(Clone)]
struct Allpass {
    buf: Vec<f32>,
    pos: usize,
}

impl Allpass {
    fn new(len: usize) -> Allpass {
        Allpass {
            buf: vec![0.0; len.max(1)],
            pos: 0,
        }
    }

    #[inline]
    fn tick(&mut self, x: f32) -> f32 {
        let b = self.buf[self.pos];
        self.buf[self.pos] = x + b * 0.5;
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        b - x
    }
}

/// A stereo Freeverb: eight damped combs and four allpasses per side.
/// Output is the wet signal only.
#[derive(Clone)]
pub struct Freeverb {
    combs: [Vec<Comb>; 2],
    allpasses: [Vec<Allpass>; 2],
    feedback: f32,
    damp: f32,
}

impl Freeverb {
    pub fn new(sample_rate: f64) -> Freeverb {
        let scale = |n: usize| ((n as f64) * sample_rate / 44100.0).round() as usize;
        let side = |extra: usize| {
            (
                COMBS.iter().map(|&n| Comb::new(scale(n + extra))).collect(),
                ALLPASSES
                    .iter()
                    .map(|&n| Allpass::new(scale(n + extra)))
                    .collect(),
            )
        };
        let (cl, al) = side(0);
        let (cr, ar) = side(SPREAD);
        let mut r = Freeverb {
            combs: [cl, cr],
            allpasses: [al, ar],
            feedback: 0.84,
            damp: 0.2,
        };
        r.set_room(0.5, 0.5);
        r
    }

    /// A copy with the same settings and no sound in it: a track's own
    /// share of a shared reverb (stems) starts from silence.
    pub fn silent_copy(&self) -> Freeverb {
        let mut c = self.clone();
        for side in 0..2 {
            for comb in c.combs[side].iter_mut() {
                comb.buf.fill(0.0);
                comb.store = 0.0;
            }
            for a in c.allpasses[side].iter_mut() {
                a.buf.fill(0.0);
            }
        }
        c
    }

    /// `room` 0–1 (feedback 0.7–0.98), `damp` 0–1.
    pub fn set_room(&mut self, room: f32, damp: f32) {
        self.feedback = 0.7 + 0.28 * room.clamp(0.0, 1.0);
        self.damp = 0.4 * damp.clamp(0.0, 1.0);
    }

    /// Strudel's `size`/`roomsize` (0–10, larger is longer) as a room 0–1.
    pub fn room_from_size(size: f32) -> f32 {
        1.0 - (-size.max(0.0) * 0.6).exp()
    }

    #[inline]
    pub fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        let input = (l + r) * 0.015;
        let mut out = [0.0f32; 2];
        for (side, o) in out.iter_mut().enumerate() {
            let mut acc = 0.0;
            for c in self.combs[side].iter_mut() {
                acc += c.tick(input, self.feedback, self.damp);
            }
            for a in self.allpasses[side].iter_mut() {
                acc = a.tick(acc);
            }
            *o = acc;
        }
        (out[0], out[1])
    }
}

/// The `reverb(size, damp, mix)` primitive: stereo in, stereo out.
#[derive(Clone)]
pub struct ReverbNode {
    reverb: Freeverb,
    room: f32,
    damp: f32,
    mix: f32,
}

impl ReverbNode {
    pub fn new(size: f32, damp: f32, mix: f32) -> ReverbNode {
        let mut reverb = Freeverb::new(DEFAULT_SR);
        reverb.set_room(size, damp);
        ReverbNode {
            reverb,
            room: size,
            damp,
            mix: mix.clamp(0.0, 1.0),
        }
    }
}

impl AudioNode for ReverbNode {
    const ID: u64 = 0x7766_0101;
    type Inputs = U2;
    type Outputs = U2;

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.reverb = Freeverb::new(sample_rate);
        self.reverb.set_room(self.room, self.damp);
    }

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U2>) -> Frame<f32, U2> {
        let (wl, wr) = self.reverb.tick(input[0], input[1]);
        let dry = 1.0 - self.mix;
        // The wet gain compensates Freeverb's fixed input scaling.
        let wet = self.mix * 3.0;
        [input[0] * dry + wl * wet, input[1] * dry + wr * wet].into()
    }
}

/// A delay line with a fixed maximum length and a smoothly varying time.
#[derive(Clone)]
pub struct DelayLine {
    buf: Vec<f32>,
    pos: usize,
}

impl DelayLine {
    pub fn new(max_samples: usize) -> DelayLine {
        DelayLine {
            buf: vec![0.0; max_samples.max(4)],
            pos: 0,
        }
    }

    /// Reads `delay` samples back (fractional, linear interpolation).
    #[inline]
    pub fn read(&self, delay: f32) -> f32 {
        let len = self.buf.len();
        let d = delay.clamp(1.0, (len - 2) as f32);
        let i = d.floor() as usize;
        let frac = d - i as f32;
        let a = self.buf[(self.pos + len - i) % len];
        let b = self.buf[(self.pos + len - i - 1) % len];
        a + (b - a) * frac
    }

    #[inline]
    pub fn write(&mut self, x: f32) {
        self.pos += 1;
        if self.pos == self.buf.len() {
            self.pos = 0;
        }
        self.buf[self.pos] = x;
    }
}

/// Stereo feedback delay with runtime time (seconds) and feedback; the
/// time glides over about 50 ms when changed. Output is wet only.
#[derive(Clone)]
pub struct StereoDelay {
    lines: [DelayLine; 2],
    sample_rate: f32,
    time: f32,
    target_time: f32,
    feedback: f32,
}

/// Longest delay time of the orbit delays, in seconds.
pub const MAX_DELAY_SECONDS: f32 = 2.0;

impl StereoDelay {
    pub fn new(sample_rate: f64) -> StereoDelay {
        let n = (sample_rate as f32 * MAX_DELAY_SECONDS) as usize + 4;
        StereoDelay {
            lines: [DelayLine::new(n), DelayLine::new(n)],
            sample_rate: sample_rate as f32,
            time: 0.25 * sample_rate as f32,
            target_time: 0.25 * sample_rate as f32,
            feedback: 0.5,
        }
    }

    /// A copy with the same settings (and the same glide) and empty
    /// lines: a track's own share of a shared delay (stems).
    pub fn silent_copy(&self) -> StereoDelay {
        let mut c = self.clone();
        for line in c.lines.iter_mut() {
            line.buf.fill(0.0);
        }
        c
    }

    pub fn set(&mut self, time_seconds: f32, feedback: f32) {
        self.target_time = time_seconds.clamp(0.001, MAX_DELAY_SECONDS) * self.sample_rate;
        self.feedback = feedback.clamp(0.0, 0.98);
    }

    #[inline]
    pub fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        self.time += (self.target_time - self.time) * 0.0005;
        let ol = self.lines[0].read(self.time);
        let or = self.lines[1].read(self.time);
        self.lines[0].write(l + ol * self.feedback);
        self.lines[1].write(r + or * self.feedback);
        (ol, or)
    }
}

/// The `delay(time, feedback, mix)` primitive on one channel.
#[derive(Clone)]
pub struct DelayNode {
    line: DelayLine,
    time: f32,
    feedback: f32,
    mix: f32,
    delay_samples: f32,
}

impl DelayNode {
    pub fn new(time: f32, feedback: f32, mix: f32) -> DelayNode {
        let mut d = DelayNode {
            line: DelayLine::new(4),
            time: time.clamp(0.0, 10.0),
            feedback: feedback.clamp(0.0, 0.98),
            mix: mix.clamp(0.0, 1.0),
            delay_samples: 1.0,
        };
        d.set_sample_rate(DEFAULT_SR);
        d
    }
}

impl AudioNode for DelayNode {
    const ID: u64 = 0x7766_0102;
    type Inputs = U1;
    type Outputs = U1;

    fn set_sample_rate(&mut self, sample_rate: f64) {
        self.delay_samples = (self.time * sample_rate as f32).max(1.0);
        self.line = DelayLine::new(self.delay_samples as usize + 4);
    }

    #[inline]
    fn tick(&mut self, input: &Frame<f32, U1>) -> Frame<f32, U1> {
        let wet = self.line.read(self.delay_samples);
        self.line.write(input[0] + wet * self.feedback);
        [input[0] * (1.0 - self.mix) + wet * self.mix].into()
    }
}

/// One-pole DC blocker (about 10 Hz).
#[derive(Clone, Default)]
pub struct DcBlocker {
    x1: f32,
    y1: f32,
    r: f32,
}

impl DcBlocker {
    pub fn new(sample_rate: f64) -> DcBlocker {
        DcBlocker {
            x1: 0.0,
            y1: 0.0,
            r: 1.0 - (std::f64::consts::TAU * 10.0 / sample_rate) as f32,
        }
    }

    #[inline]
    pub fn tick(&mut self, x: f32) -> f32 {
        let y = x - self.x1 + self.r * self.y1;
        self.x1 = x;
        self.y1 = y;
        y
    }
}

/// Taps per phase of the 4× interpolator used to estimate true peaks.
const TP_TAPS: usize = 8;

/// A stereo look-ahead limiter on true (inter-sample) peaks.
///
/// Each input frame's peak is estimated at 4× oversampling (windowed-sinc
/// interpolation) and the gain needed to keep it under the ceiling is
/// computed. The gain curve is the minimum of that requirement over the
/// look-ahead window, with a smooth release, then averaged over the
/// window: every frame of the average contains the peak's requirement, so
/// the peak is never over the ceiling while the gain moves smoothly. The
/// audio is delayed by the window length.
pub struct TruePeakLimiter {
    ceiling: f32,
    window: usize,
    /// Delayed audio, per channel (ring buffers of `window` frames).
    delay: [Vec<f32>; 2],
    /// Required gains over the look-ahead window (ring).
    required: Vec<f32>,
    /// Smoothed minimum gains over the last `window` frames (ring) and their sum.
    smoothed: Vec<f32>,
    smoothed_sum: f64,
    pos: usize,
    held: f32,
    release_coef: f32,
    /// Recent input per channel for the interpolator, newest first from
    /// `newest`: a ring written twice (at `i` and `i + TP_TAPS`) so that
    /// the last `TP_TAPS` frames are always one slice, without moving
    /// them each frame.
    history: [[f32; 2 * TP_TAPS]; 2],
    newest: usize,
    phases: [[f32; TP_TAPS]; 3],
    /// Lowest gain applied since the last call to `take_min_gain`.
    min_gain: f32,
    /// Entries of `required` below 1 (none: the window's minimum is 1).
    limiting: usize,
    /// A bound on the interpolator's gain (the largest sum of absolute
    /// taps, with a margin for rounding): a frame whose history stays
    /// below `ceiling / bound` cannot need limiting.
    bound: f32,
    /// Frames since the last one with a sample `x` where `|x| · bound`
    /// exceeds the ceiling (at most `TP_TAPS`): while the whole history
    /// is older than that, no interpolated point can reach the ceiling.
    since_loud: usize,
    /// Entries of `smoothed` other than 1.
    unsettled: usize,
    /// The gain of the last frame (from `smoothed_sum` as it is now).
    last_gain: f32,
}

impl TruePeakLimiter {
    /// `ceiling_db` in dBFS (true peak), look-ahead 1.5 ms, release 100 ms.
    pub fn new(sample_rate: f64, ceiling_db: f64) -> TruePeakLimiter {
        let window = ((sample_rate * 0.0015) as usize).max(8);
        let mut phases = [[0.0f32; TP_TAPS]; 3];
        for (p, phase) in phases.iter_mut().enumerate() {
            let frac = (p + 1) as f64 / 4.0;
            let mut sum = 0.0;
            for (k, tap) in phase.iter_mut().enumerate() {
                // Tap k multiplies x[n - k]; the interpolated point lies at
                // n - (TP_TAPS/2 - 1) - 1 + frac.
                let t = (TP_TAPS as f64 / 2.0 - frac) - k as f64;
                let sinc = if t.abs() < 1e-9 {
                    1.0
                } else {
                    (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t)
                };
                let w = 0.5 + 0.5 * (std::f64::consts::PI * t / (TP_TAPS as f64 / 2.0 + 1.0)).cos();
                *tap = (sinc * w) as f32;
                sum += sinc * w;
            }
            for tap in phase.iter_mut() {
                *tap /= sum as f32;
            }
        }
        let bound = phases
            .iter()
            .map(|p| p.iter().map(|t| t.abs() as f64).sum::<f64>())
            .fold(1.0f64, f64::max);
        TruePeakLimiter {
            limiting: 0,
            bound: (bound * 1.02 * 1.001) as f32,
            since_loud: TP_TAPS,
            unsettled: 0,
            last_gain: 1.0,
            ceiling: 10f64.powf(ceiling_db / 20.0) as f32,
            window,
            delay: [vec![0.0; window], vec![0.0; window]],
            required: vec![1.0; window],
            smoothed: vec![1.0; window],
            smoothed_sum: window as f64,
            pos: 0,
            held: 1.0,
            release_coef: (-1.0 / (0.1 * sample_rate)).exp() as f32,
            history: [[0.0; 2 * TP_TAPS]; 2],
            newest: 0,
            phases,
            min_gain: 1.0,
        }
    }

    /// Latency in frames.
    pub fn latency(&self) -> usize {
        self.window - 1 + TP_TAPS / 2
    }

    /// The lowest gain applied since the last call (1 = no limiting).
    pub fn take_min_gain(&mut self) -> f32 {
        std::mem::replace(&mut self.min_gain, 1.0)
    }

    /// Pushes a frame into the interpolator and returns the true peak
    /// around the frame `TP_TAPS / 2` frames back (the one the limiter
    /// processes now), with that frame. When the recent frames are too
    /// low for any interpolated point to reach the ceiling, the peak is
    /// not computed and 0 is returned (such a frame needs no limiting).
    ///
    /// "Too low" means that no sample `x` of the history has
    /// `|x| · bound > ceiling`. Rounded multiplication by a positive
    /// number keeps order, so this is the same as the history's largest
    /// magnitude times `bound` staying at or under the ceiling; keeping
    /// the age of the last loud frame saves scanning the history.
    #[inline]
    fn frame_peak(&mut self, l: f32, r: f32) -> (f32, [f32; 2]) {
        let mut centre = [0.0f32; 2];
        let at = if self.newest == 0 {
            TP_TAPS - 1
        } else {
            self.newest - 1
        };
        self.newest = at;
        for (ch, x) in [l, r].into_iter().enumerate() {
            let h = &mut self.history[ch];
            h[at] = x;
            h[at + TP_TAPS] = x;
            centre[ch] = h[at + TP_TAPS / 2];
        }
        let loud = l.abs() * self.bound > self.ceiling || r.abs() * self.bound > self.ceiling;
        self.since_loud = if loud {
            0
        } else {
            (self.since_loud + 1).min(TP_TAPS)
        };
        if self.since_loud >= TP_TAPS {
            return (0.0, centre);
        }
        let mut peak = 0.0f32;
        for h in &self.history {
            let h = &h[at..at + TP_TAPS];
            peak = peak.max(h[TP_TAPS / 2].abs()).max(h[TP_TAPS / 2 - 1].abs());
            for phase in &self.phases {
                let y: f32 = phase.iter().zip(h.iter()).map(|(a, b)| a * b).sum();
                peak = peak.max(y.abs());
            }
        }
        // A small margin covers the interpolator's own error.
        (peak * 1.02, centre)
    }

    /// The smallest requirement in the look-ahead window (eight lanes at
    /// a time: a minimum is exact in any order).
    fn window_min(&self) -> f32 {
        let mut acc = [1.0f32; 8];
        let chunks = self.required.chunks_exact(8);
        let rest = chunks.remainder().iter().copied().fold(1.0f32, f32::min);
        for c in chunks {
            for j in 0..8 {
                acc[j] = acc[j].min(c[j]);
            }
        }
        acc.iter().copied().fold(rest, f32::min)
    }

    #[inline]
    pub fn tick(&mut self, l: f32, r: f32) -> (f32, f32) {
        let (l, r, _) = self.tick_with_gain(l, r);
        (l, r)
    }

    /// [`Self::tick`], also returning the gain applied to the frame that
    /// comes out: the output is exactly that frame times the gain, so the
    /// same gain can be applied to parts of the signal (stems).
    #[inline]
    pub fn tick_with_gain(&mut self, l: f32, r: f32) -> (f32, f32, f32) {
        let (peak, [l, r]) = self.frame_peak(l, r);
        let need = if peak > self.ceiling {
            self.ceiling / peak
        } else {
            1.0
        };
        let i = self.pos;
        let gain = if need == 1.0 && self.limiting == 0 && self.held == 1.0 && self.unsettled == 0 {
            // Nothing limited in the window and the release is over: every
            // step below leaves the state as it is (the requirement and the
            // smoothed gain stay 1, the sum gains 0), and the gain is the
            // last one.
            self.last_gain
        } else {
            self.gain_after(i, need)
        };
        self.min_gain = self.min_gain.min(gain);
        // Output the frame that entered `window - 1` frames ago: every
        // gain averaged above was computed over a window containing it.
        self.delay[0][i] = l;
        self.delay[1][i] = r;
        self.pos = if i + 1 == self.window { 0 } else { i + 1 };
        let j = self.pos;
        (self.delay[0][j] * gain, self.delay[1][j] * gain, gain)
    }

    /// Enters frame `i`'s requirement, moves the held and smoothed gains,
    /// and returns the gain of the frame that comes out.
    fn gain_after(&mut self, i: usize, need: f32) -> f32 {
        self.limiting -= usize::from(self.required[i] < 1.0);
        self.limiting += usize::from(need < 1.0);
        self.required[i] = need;
        // Minimum requirement over the window ahead (the newest frames).
        let window_min = if self.limiting == 0 {
            1.0
        } else {
            self.window_min()
        };
        // Release towards 1, never above the requirement.
        self.held = (1.0 - (1.0 - self.held) * self.release_coef).min(window_min);
        self.smoothed_sum += (self.held - self.smoothed[i]) as f64;
        self.unsettled -= usize::from(self.smoothed[i] != 1.0);
        self.unsettled += usize::from(self.held != 1.0);
        self.smoothed[i] = self.held;
        self.last_gain = ((self.smoothed_sum / self.window as f64) as f32).min(1.0);
        self.last_gain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The limiter as its description says, with no shortcut: every
    /// frame's interpolated peak, the window's minimum by a scan, the
    /// average from the sum.
    struct Reference {
        l: TruePeakLimiter,
        /// Recent input per channel, newest first.
        history: [[f32; TP_TAPS]; 2],
    }

    impl Reference {
        fn tick(&mut self, x: [f32; 2]) -> (f32, f32, f32) {
            let l = &mut self.l;
            let mut peak = 0.0f32;
            let mut centre = [0.0f32; 2];
            for (ch, x) in x.into_iter().enumerate() {
                let h = &mut self.history[ch];
                h.copy_within(0..TP_TAPS - 1, 1);
                h[0] = x;
                centre[ch] = h[TP_TAPS / 2];
                peak = peak.max(h[TP_TAPS / 2].abs()).max(h[TP_TAPS / 2 - 1].abs());
                for phase in &l.phases {
                    let y: f32 = phase.iter().zip(h.iter()).map(|(a, b)| a * b).sum();
                    peak = peak.max(y.abs());
                }
            }
            let peak = peak * 1.02;
            let need = if peak > l.ceiling {
                l.ceiling / peak
            } else {
                1.0
            };
            let i = l.pos;
            l.required[i] = need;
            let window_min = l.required.iter().copied().fold(1.0f32, f32::min);
            l.held = (1.0 - (1.0 - l.held) * l.release_coef).min(window_min);
            l.smoothed_sum += (l.held - l.smoothed[i]) as f64;
            l.smoothed[i] = l.held;
            let gain = ((l.smoothed_sum / l.window as f64) as f32).min(1.0);
            l.delay[0][i] = centre[0];
            l.delay[1][i] = centre[1];
            l.pos = (i + 1) % l.window;
            let j = l.pos;
            (l.delay[0][j] * gain, l.delay[1][j] * gain, gain)
        }
    }

    #[test]
    fn the_limiter_is_its_reference_to_the_bit() {
        let mut rng = fastrand::Rng::with_seed(4);
        for ceiling in [-1.0, -6.0, 0.0, f64::INFINITY] {
            let mut fast = TruePeakLimiter::new(48000.0, ceiling);
            let mut slow = Reference {
                l: TruePeakLimiter::new(48000.0, ceiling),
                history: [[0.0; TP_TAPS]; 2],
            };
            let mut limited = 0;
            // Quiet and loud stretches, silences, single spikes.
            for stretch in 0..200 {
                let level = [0.0, 0.05, 0.5, 0.95, 1.3, 3.0][stretch % 6] * rng.f32();
                for k in 0..rng.usize(1..3000) {
                    let spike = if rng.u32(..500) == 0 { 4.0 } else { 1.0 };
                    let s = level * spike * (k as f32 * 0.05).sin();
                    let x = [s, level * (rng.f32() - 0.5)];
                    let a = fast.tick_with_gain(x[0], x[1]);
                    let b = slow.tick(x);
                    assert_eq!(
                        [a.0, a.1, a.2].map(f32::to_bits),
                        [b.0, b.1, b.2].map(f32::to_bits),
                        "ceiling {ceiling}, stretch {stretch}"
                    );
                    limited += usize::from(a.2 < 1.0);
                }
            }
            assert_eq!(limited > 0, ceiling.is_finite(), "ceiling {ceiling}");
        }
    }
}
