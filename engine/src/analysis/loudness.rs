//! EBU R 128 loudness of stereo audio in one pass: each 100 ms step's
//! K-weighted energy, for both channels and for their mono fold, and
//! from those energies the figures the ebur128 crate gives (it stays
//! the reference in the tests): integrated loudness, loudness range,
//! the short-term and momentary loudness after every step, and the
//! integrated loudness of the mono fold.

use super::Plain;

/// The absolute gate of integrated loudness and loudness range as an
/// energy: −70 LUFS, as ebur128 writes it (its lowest histogram bound).
const ABSOLUTE_GATE: f64 = 0.000000117246530458229809506033624374;

/// Steps in a short-term window (3 s).
const SHORT_TERM_STEPS: usize = 30;

/// Steps in a momentary window and a gating block (400 ms).
const MOMENTARY_STEPS: usize = 4;

/// Steps between two short-term blocks of the loudness range (1 s).
const RANGE_HOP_STEPS: usize = 10;

/// Loudness (LUFS) of a mean square `energy` (−inf for none), as
/// ebur128 computes it.
pub(super) fn energy_to_loudness(energy: f64) -> f64 {
    if energy <= 0.0 {
        f64::NEG_INFINITY
    } else {
        10.0 * energy.log10() - 0.691
    }
}

/// Whether `frames_per_step` frames are the meter's 100 ms at `rate`
/// (then its readings fall at the ends of steps), in the range of rates
/// this meter is tested at.
pub(super) fn fits(rate: u32, frames_per_step: usize) -> bool {
    (8000..=384_000).contains(&rate) && (rate as usize + 5) / 10 == frames_per_step
}

/// The loudness figures of the whole signal.
pub(super) struct Figures {
    pub integrated: f64,
    pub range: f64,
    pub short_term_max: f64,
    pub momentary_max: f64,
    /// Integrated loudness of the mono fold (L+R)/2 counted as dual mono.
    pub mono_integrated: f64,
    pub curve: Vec<f64>,
}

/// The loudness meter: the K-weighting, then each step's energy, and
/// the readings and gating blocks made of them.
pub(super) struct StepMeter {
    filter: KWeighting,
    /// Frames per step (100 ms).
    step: usize,
    /// Frames of the current step so far, and its energy (the sum of
    /// both channels' squares) and its mono fold's (the sum of (L+R)²).
    fill: usize,
    energy: f64,
    mono: f64,
    /// Steps finished.
    steps: usize,
    /// Energy of the last 30 steps, step `i` at `i % 30` (zeros before
    /// the start, as in the meter's buffer).
    step_energy: [f64; SHORT_TERM_STEPS],
    /// Mono energy of the last 4 steps, step `i` at `i % 4`.
    step_mono: [f64; MOMENTARY_STEPS],
    /// Each frame's energy over the last 30 steps, step `i` from
    /// `(i % 30) · step`: what a reading at the end of a short last
    /// step sums.
    frame_energy: Vec<f64>,
    /// Gating blocks (400 ms every 100 ms) above the absolute gate, of
    /// the signal and of its mono fold.
    blocks: Vec<f64>,
    mono_blocks: Vec<f64>,
    /// Short-term blocks (3 s every second) above the absolute gate.
    range_blocks: Vec<f64>,
    short_term_max: f64,
    momentary_max: f64,
    /// The short-term loudness after each step, when asked for.
    curve: Option<Vec<f64>>,
}

impl StepMeter {
    pub(super) fn new(rate: u32, frames_per_step: usize, curve: bool) -> StepMeter {
        StepMeter {
            filter: KWeighting::new(rate as f64),
            step: frames_per_step,
            fill: 0,
            energy: 0.0,
            mono: 0.0,
            steps: 0,
            step_energy: [0.0; SHORT_TERM_STEPS],
            step_mono: [0.0; MOMENTARY_STEPS],
            frame_energy: vec![0.0; SHORT_TERM_STEPS * frames_per_step],
            blocks: Vec::new(),
            mono_blocks: Vec::new(),
            range_blocks: Vec::new(),
            short_term_max: f64::NEG_INFINITY,
            momentary_max: f64::NEG_INFINITY,
            curve: curve.then(Vec::new),
        }
    }

    /// Takes whole interleaved stereo frames, and adds them to `plain`.
    pub(super) fn add(&mut self, mut samples: &[f32], plain: &mut Plain) {
        while !samples.is_empty() {
            let frames = (self.step - self.fill).min(samples.len() / 2);
            let (now, later) = samples.split_at(2 * frames);
            let at = self.steps % SHORT_TERM_STEPS * self.step + self.fill;
            let energies = &mut self.frame_energy[at..at + frames];
            let sums = (&mut self.energy, &mut self.mono);
            self.filter.run(now, energies, sums, plain);
            self.fill += frames;
            if self.fill == self.step {
                self.end_step();
            }
            samples = later;
        }
    }

    /// A step is over: its energies kept, a gating block (and every
    /// second a short-term block) made, the readings taken.
    fn end_step(&mut self) {
        let i = self.steps;
        self.step_energy[i % SHORT_TERM_STEPS] = std::mem::take(&mut self.energy);
        self.step_mono[i % MOMENTARY_STEPS] = std::mem::take(&mut self.mono);
        self.steps += 1;
        self.fill = 0;
        let momentary = self.momentary_energy();
        let short_term = self.short_term_energy();
        if self.steps >= MOMENTARY_STEPS {
            keep_above_gate(&mut self.blocks, momentary);
            // The fold's energy is (L+R)²/4, counted twice.
            let mono = self.step_mono.iter().sum::<f64>() * 0.5;
            keep_above_gate(
                &mut self.mono_blocks,
                mono / (MOMENTARY_STEPS * self.step) as f64,
            );
        }
        if self.steps >= SHORT_TERM_STEPS
            && (self.steps - SHORT_TERM_STEPS).is_multiple_of(RANGE_HOP_STEPS)
        {
            keep_above_gate(&mut self.range_blocks, short_term);
        }
        self.read(short_term, momentary);
    }

    /// Mean square of the last 4 whole steps.
    fn momentary_energy(&self) -> f64 {
        let n = SHORT_TERM_STEPS;
        let sum: f64 = (1..=MOMENTARY_STEPS)
            .map(|k| self.step_energy[(self.steps + n - k) % n])
            .sum();
        sum / (MOMENTARY_STEPS * self.step) as f64
    }

    /// Mean square of the last 30 whole steps.
    fn short_term_energy(&self) -> f64 {
        let sum: f64 = self.step_energy.iter().sum();
        sum / (SHORT_TERM_STEPS * self.step) as f64
    }

    /// A reading of the short-term and momentary loudness (as energies).
    fn read(&mut self, short_term: f64, momentary: f64) {
        let st = energy_to_loudness(short_term);
        self.short_term_max = self.short_term_max.max(st);
        self.momentary_max = self.momentary_max.max(energy_to_loudness(momentary));
        if let Some(curve) = &mut self.curve {
            curve.push(if st < -200.0 { f64::NEG_INFINITY } else { st });
        }
    }

    /// The readings after a step cut short by the end of the signal:
    /// the windows end at the last frame.
    fn read_short_step(&mut self) {
        let ring = &self.frame_energy;
        let window = MOMENTARY_STEPS * self.step;
        let end = self.steps % SHORT_TERM_STEPS * self.step + self.fill;
        let start = (end + ring.len() - window) % ring.len();
        let momentary: f64 = if start < end {
            ring[start..end].iter().sum()
        } else {
            ring[start..].iter().chain(&ring[..end]).sum()
        };
        let short_term: f64 = ring[end..].iter().chain(&ring[..end]).sum();
        self.read(
            short_term / (SHORT_TERM_STEPS * self.step) as f64,
            momentary / window as f64,
        );
    }

    /// The figures when the signal ends (with a step cut short, read).
    pub(super) fn finish(mut self) -> Figures {
        if self.fill > 0 {
            self.read_short_step();
        }
        let floor = |x: f64| if x < -200.0 { f64::NEG_INFINITY } else { x };
        Figures {
            integrated: gated_loudness(&self.blocks),
            range: loudness_range(&mut self.range_blocks),
            short_term_max: floor(self.short_term_max),
            momentary_max: floor(self.momentary_max),
            mono_integrated: gated_loudness(&self.mono_blocks),
            curve: self.curve.unwrap_or_default(),
        }
    }

    /// The short-term and momentary maxima without a short last step
    /// read: what the meter gives when the signal ends in half a frame.
    pub(super) fn maxima(&self) -> (f64, f64) {
        (self.short_term_max, self.momentary_max)
    }

    /// The curve so far.
    pub(super) fn curve(&mut self) -> Vec<f64> {
        self.curve.take().unwrap_or_default()
    }
}

/// Adds `energy` to `blocks` unless it is below the absolute gate (a
/// NaN is kept, as ebur128 keeps it).
fn keep_above_gate(blocks: &mut Vec<f64>, energy: f64) {
    if energy >= ABSOLUTE_GATE || energy.is_nan() {
        blocks.push(energy);
    }
}

/// Integrated loudness of gating blocks above the absolute gate: their
/// mean over the blocks within 10 LU of the mean of all, as ebur128
/// computes it (NaN if a block is).
fn gated_loudness(blocks: &[f64]) -> f64 {
    if blocks.is_empty() {
        return f64::NEG_INFINITY;
    }
    let sum: f64 = blocks.iter().sum();
    if sum.is_nan() {
        return f64::NAN;
    }
    let relative_gate = f64::powf(10.0, -10.0 / 10.0);
    let threshold = (sum / blocks.len() as f64) * relative_gate;
    let (count, total) = blocks
        .iter()
        .filter(|&&b| b >= threshold)
        .fold((0u64, 0.0f64), |(n, s), &b| (n + 1, s + b));
    if count == 0 {
        f64::NEG_INFINITY
    } else {
        energy_to_loudness(total / count as f64)
    }
}

/// Loudness range (EBU Tech 3342) of short-term blocks above the
/// absolute gate, as ebur128 computes it: the spread between the 10th
/// and 95th percentiles of the blocks within 20 LU of their mean.
fn loudness_range(blocks: &mut [f64]) -> f64 {
    let mut nan = false;
    blocks.sort_unstable_by(|a, b| {
        a.partial_cmp(b).unwrap_or_else(|| {
            nan = true;
            a.is_nan().cmp(&b.is_nan())
        })
    });
    if nan {
        return f64::NAN;
    }
    if blocks.is_empty() {
        return 0.0;
    }
    let power = blocks.iter().sum::<f64>() / blocks.len() as f64;
    let threshold = f64::powf(10.0, -20.0 / 10.0) * power;
    let below = blocks.iter().take_while(|&&b| b < threshold).count();
    let Some(last) = (blocks.len() - below).checked_sub(1) else {
        return 0.0;
    };
    let last = last as f64;
    let high = blocks[below + (last * 0.95 + 0.5) as usize];
    let low = blocks[below + (last * 0.1 + 0.5) as usize];
    energy_to_loudness(high) - energy_to_loudness(low)
}

/// Coefficients `[b0, b1, b2, a1, a2]` of the two stages of BS.1770's
/// K-weighting at `rate`: the high shelf modelling the head and the
/// high-pass (RLB), from their analogue prototypes through the bilinear
/// transform (ebur128 multiplies them into one fourth-order section).
fn k_weighting(rate: f64) -> [[f64; 5]; 2] {
    use std::f64::consts::PI;
    let (f0, gain_db, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
    let k = (PI * f0 / rate).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    let shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ];
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let k = (PI * f0 / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = [
        1.0,
        -2.0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ];
    [shelf, high_pass]
}

/// Two `f64`s computed alike (left and right), which the compiler
/// keeps in one vector register.
#[derive(Clone, Copy, Default)]
struct Pair(f64, f64);

impl std::ops::Add for Pair {
    type Output = Pair;
    #[inline(always)]
    fn add(self, o: Pair) -> Pair {
        Pair(self.0 + o.0, self.1 + o.1)
    }
}

impl std::ops::Sub for Pair {
    type Output = Pair;
    #[inline(always)]
    fn sub(self, o: Pair) -> Pair {
        Pair(self.0 - o.0, self.1 - o.1)
    }
}

impl std::ops::Mul for Pair {
    type Output = Pair;
    #[inline(always)]
    fn mul(self, o: Pair) -> Pair {
        Pair(self.0 * o.0, self.1 * o.1)
    }
}

impl Pair {
    fn splat(x: f64) -> Pair {
        Pair(x, x)
    }
}

/// BS.1770's K-weighting of both channels: the shelf and the high-pass
/// as two biquads in double precision (direct form I).
struct KWeighting {
    shelf: [Pair; 5],
    high_pass: [Pair; 2],
    /// The shelf's last two inputs and outputs, the high-pass's last two
    /// outputs (its inputs are the shelf's outputs).
    x: [Pair; 2],
    y: [Pair; 2],
    z: [Pair; 2],
}

impl KWeighting {
    fn new(rate: f64) -> KWeighting {
        let [shelf, high_pass] = k_weighting(rate);
        KWeighting {
            shelf: shelf.map(Pair::splat),
            high_pass: [Pair::splat(high_pass[3]), Pair::splat(high_pass[4])],
            x: [Pair::default(); 2],
            y: [Pair::default(); 2],
            z: [Pair::default(); 2],
        }
    }

    /// Filters interleaved stereo `frames`: each frame's energy (the sum
    /// of the channels' squares) to `energies` and added to `sums.0`,
    /// the square of the channels' sum added to `sums.1`, and the
    /// frames added to `plain`.
    fn run(
        &mut self,
        frames: &[f32],
        energies: &mut [f64],
        sums: (&mut f64, &mut f64),
        plain: &mut Plain,
    ) {
        let [b0, b1, b2, a1, a2] = self.shelf;
        let [c1, c2] = self.high_pass;
        let two = Pair::splat(2.0);
        let [mut x1, mut x2] = self.x;
        let [mut y1, mut y2] = self.y;
        let [mut z1, mut z2] = self.z;
        let (mut energy, mut mono) = (*sums.0, *sums.1);
        let mut squares = Pair(plain.ll, plain.rr);
        let mut sum = Pair(plain.sl, plain.sr);
        let mut lr = plain.lr;
        for (f, e) in frames.chunks_exact(2).zip(energies.iter_mut()) {
            let x = Pair(f[0] as f64, f[1] as f64);
            // The oldest terms first: the chain from one output to the
            // next is one product and one sum.
            let y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;
            let z = y - two * y1 + y2 - c2 * z2 - c1 * z1;
            (x2, x1, y2, y1, z2, z1) = (x1, x, y1, y, z1, z);
            let zz = z * z;
            *e = zz.0 + zz.1;
            energy += *e;
            // The K-weighting is linear: the mono fold's K-weighted
            // signal is that of the channels, folded.
            let m = z.0 + z.1;
            mono += m * m;
            // As `Plain::add` sums them.
            squares = squares + x * x;
            lr += x.0 * x.1;
            sum = sum + x;
        }
        (self.x, self.y, self.z) = ([x1, x2], [y1, y2], [z1, z2]);
        (*sums.0, *sums.1) = (energy, mono);
        (plain.ll, plain.rr, plain.lr, plain.sl, plain.sr) =
            (squares.0, squares.1, lr, sum.0, sum.1);
        plain.frames += frames.len() / 2;
    }
}

#[cfg(test)]
impl StepMeter {
    /// The short-term and momentary loudness at the end of the last
    /// whole step.
    pub(super) fn reading(&self) -> [f64; 2] {
        [
            energy_to_loudness(self.short_term_energy()),
            energy_to_loudness(self.momentary_energy()),
        ]
    }
}
