//! One note of an instrument, for teaching synthesis: the engine renders
//! it offline (a program of one note, through the same path as `weft
//! render`), and the picture shows its waveform (a few periods), its
//! spectrum (log frequency, dB) and its amplitude envelope with the
//! moment the note is let go, and the response of its filter if it has one.

use crate::svg::{num, Anchor, Svg};
use engine::render::{self, Length, RenderOptions};
use engine::voice::event_freq;
use lang::graph::{Graph, Instrument, Prim};
use lang::pattern::{take_query_errors, take_query_warnings, with_work_budget};
use lang::program::{Output, Program, Track};
use lang::tonal::notes::{freq_to_midi, midi_to_note_name};
use lang::value::ValueMap;
use lang::{Hap, Pattern, Span, State, Time, Value};
use realfft::RealFftPlanner;
use std::sync::Arc;

/// Sample rate of the render.
pub const SAMPLE_RATE: u32 = 48_000;
/// Seconds rendered after the note is let go (its release).
pub const TAIL: f64 = 1.0;
/// How far into a track `--track` looks for its first note, in cycles.
pub const SEARCH_CYCLES: i64 = 16;
/// The longest note plotted, in seconds.
pub const MAX_SECONDS: f64 = 30.0;
/// Points of the spectrum's FFT (at most).
const FFT_SIZE: usize = 8192;

pub const WIDTH: f64 = 900.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 20.0;
const TITLE: f64 = 28.0;
/// A panel: its heading, the plot, the tick labels under it.
const PANEL_HEAD: f64 = 22.0;
const PANEL_PLOT: f64 = 170.0;
const PANEL_FOOT: f64 = 34.0;

/// Whose note.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// The first note a track plays (with its controls and the track's effects).
    Track(String),
    /// A note of an instrument (the program's or the library's).
    Instrument(String),
}

/// What to plot.
#[derive(Clone, Debug)]
pub struct PlotOptions {
    pub subject: Subject,
    /// For an instrument: the MIDI note (default 48, C3).
    pub note: f64,
    /// For an instrument: how long the note is held, in seconds.
    pub seconds: f64,
    /// A title at the top (e.g. the file's name).
    pub title: String,
}

impl PlotOptions {
    pub fn new(subject: Subject) -> PlotOptions {
        PlotOptions {
            subject,
            note: 48.0,
            seconds: 0.5,
            title: String::new(),
        }
    }
}

/// A program that plays one note and nothing else, and what the note is.
pub struct OneNote {
    pub program: Program,
    /// The note's event.
    pub event: ValueMap,
    /// Cycles it is held, and the same in seconds.
    pub length: Time,
    pub seconds: f64,
    /// What the note is called in the picture (`acid C3`, `bass: c2`).
    pub label: String,
}

/// A pattern with one event, from 0 for `length` cycles, never repeated.
fn one_shot(value: Value, length: Time) -> lang::library::Pat {
    let whole = Span::new(Time::ZERO, length);
    Pattern::new(move |state: &State| match whole.intersection(&state.span) {
        Some(part) => vec![Hap::new(Some(whole), part, value.clone())],
        None => Vec::new(),
    })
}

/// The program of one note of `subject`, with `program`'s own
/// instruments and sample sources.
pub fn one_note(
    program: &Program,
    library: &[Instrument],
    options: &PlotOptions,
) -> Result<OneNote, String> {
    let (mut track, event, length, cps, label) = match &options.subject {
        Subject::Instrument(name) => instrument_note(program, library, name, options)?,
        Subject::Track(name) => track_note(program, name)?,
    };
    let seconds = length.to_f64() / cps;
    track.pattern = one_shot(Value::Map(Arc::new(event.clone())), length);
    let one = Program {
        cps,
        beats_per_cycle: program.beats_per_cycle,
        tracks: vec![track],
        instruments: program.instruments.clone(),
        sample_sources: program.sample_sources.clone(),
        ..Program::default()
    };
    Ok(OneNote {
        program: one,
        event,
        length,
        seconds,
        label,
    })
}

/// A note's track, event, length in cycles, cycles per second and label.
type NoteParts = (Track, ValueMap, Time, f64, String);

fn instrument_note(
    program: &Program,
    library: &[Instrument],
    name: &str,
    options: &PlotOptions,
) -> Result<NoteParts, String> {
    let known = program.instrument(name).is_some() || library.iter().any(|i| i.name == name);
    if !known {
        let names = program
            .instruments
            .iter()
            .chain(library)
            .map(|i| i.name.as_str());
        let mut e = format!("no instrument named `{name}`");
        if let Some(s) = lang::diagnostics::did_you_mean(name, names) {
            e.push_str(&format!(" (did you mean `{s}`?)"));
        }
        return Err(e);
    }
    if !(options.note.is_finite() && (0.0..=127.0).contains(&options.note)) {
        return Err(format!(
            "the note must be a MIDI number from 0 to 127, found {}",
            options.note
        ));
    }
    if !(options.seconds.is_finite() && options.seconds > 0.0 && options.seconds <= MAX_SECONDS) {
        return Err(format!(
            "the note's length must be more than 0 and at most {MAX_SECONDS} seconds, found {}",
            options.seconds
        ));
    }
    let length = Time::from_f64(options.seconds)
        .filter(|t| *t > Time::ZERO)
        .ok_or_else(|| format!("cannot play a note of {} seconds", options.seconds))?;
    let mut event = ValueMap::new();
    event.set("s", Value::Str(name.into()));
    event.set("note", Value::Num(options.note));
    let note = midi_to_note_name(options.note, false).unwrap_or_default();
    Ok((
        Track::new(name, lang::pattern::silence()),
        event,
        length,
        1.0,
        format!("{name} {note}"),
    ))
}

fn track_note(program: &Program, name: &str) -> Result<NoteParts, String> {
    let Some(source) = program.track(name) else {
        return Err(crate::roll::unknown_track(program, name));
    };
    if source.output != Output::Audio {
        return Err(format!(
            "track `{name}` plays through MIDI or OSC, not weft's sound: nothing to plot"
        ));
    }
    take_query_errors();
    let haps = with_work_budget(20_000_000, || {
        source
            .pattern
            .query_arc(Time::ZERO, Time::int(SEARCH_CYCLES))
    });
    take_query_warnings();
    if let Some(e) = take_query_errors().into_iter().next() {
        return Err(format!("track `{name}`: {e}"));
    }
    let first = haps
        .iter()
        .filter(|h| h.has_onset() && h.value.as_map().is_some())
        .min_by(|a, b| a.part.begin.cmp(&b.part.begin));
    let Some(hap) = first else {
        return Err(format!(
            "track `{name}` plays no note in its first {SEARCH_CYCLES} cycles"
        ));
    };
    let whole = hap.whole.unwrap_or(hap.part);
    let event = hap.value.as_map().cloned().unwrap_or_default();
    let cps = program.cps;
    let length = whole.end - whole.begin;
    let seconds = length.to_f64() / cps;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_SECONDS) {
        return Err(format!(
            "track `{name}`'s first note lasts {seconds} seconds: at most {MAX_SECONDS} can be plotted"
        ));
    }
    let mut track = source.clone();
    track.muted = false;
    track.solo = false;
    let label = format!("{name}: {}", Value::Map(Arc::new(event.clone())).show());
    Ok((track, event, length, cps, label))
}

/// One note rendered: mono samples and what they are.
pub struct Rendered {
    pub samples: Vec<f32>,
    pub seconds: f64,
    pub freq: f64,
    pub label: String,
    /// The response of the instrument's first filter, if it has one.
    pub filter: Option<FilterResponse>,
}

/// A filter's gain by frequency, measured: white noise through the filter
/// (with the note's parameters) against the same noise without it.
pub struct FilterResponse {
    /// The filter's name in the language (`moog`, `lpf`, …).
    pub name: &'static str,
    /// Frequency (Hz) and gain (dB).
    pub points: Vec<(f64, f64)>,
}

/// The first filter in a sound graph, with its arguments.
fn first_filter(g: &Graph) -> Option<(Prim, &[Graph])> {
    match g {
        Graph::Node(
            p @ (Prim::Lowpass | Prim::Highpass | Prim::Bandpass | Prim::Notch | Prim::Moog),
            args,
        ) if args.len() >= 2 => Some((*p, args)),
        Graph::Node(_, args) => args.iter().find_map(first_filter),
        _ => None,
    }
}

const PROBE_NOISE: &str = "plot-probe-noise";
const PROBE_FILTER: &str = "plot-probe-filter";

/// Renders `event` on a probe instrument (mono), alone on a plain track.
fn render_probe(one: &OneNote, library: &[Instrument], probe: Instrument) -> Vec<f32> {
    let mut program = one.program.clone();
    let mut event = one.event.clone();
    event.set("s", Value::Str(probe.name.as_str().into()));
    program.instruments.insert(0, probe);
    let mut track = Track::new("probe", one_shot(Value::Map(Arc::new(event)), one.length));
    track.gain = 1.0;
    program.tracks = vec![track];
    let opts = RenderOptions {
        sample_rate: SAMPLE_RATE,
        length: Length::Cycles(one.length),
        tail: 0.0,
        stems: false,
    };
    render::render(program, library.to_vec(), &opts, &mut |_| {})
        .samples
        .chunks_exact(2)
        .map(|f| (f[0] + f[1]) * 0.5)
        .collect()
}

/// Power spectrum averaged over Hann windows (Welch's method) of the held
/// part of a note, past its first 50 ms.
fn welch(samples: &[f32], size: usize) -> Vec<f64> {
    let start = (0.05 * SAMPLE_RATE as f64) as usize;
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(size);
    let mut sum = vec![0.0; size / 2 + 1];
    let mut at = start;
    while at + size <= samples.len() {
        let mut input: Vec<f64> = (0..size)
            .map(|i| {
                let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / size as f64).cos();
                samples[at + i] as f64 * w
            })
            .collect();
        let mut out = fft.make_output_vec();
        if fft.process(&mut input, &mut out).is_ok() {
            for (s, c) in sum.iter_mut().zip(&out) {
                *s += c.norm_sqr();
            }
        }
        at += size / 2;
    }
    sum
}

/// The response of the first filter of the note's instrument, measured.
fn filter_response(one: &OneNote, library: &[Instrument]) -> Option<FilterResponse> {
    let name = one.event.get("s")?.as_str()?;
    let instrument = one
        .program
        .instrument(name)
        .or_else(|| library.iter().find(|i| i.name == name))?;
    let (prim, args) = first_filter(&instrument.graph)?;
    const SIZE: usize = 2048;
    if one.seconds < 0.05 + 2.0 * SIZE as f64 / SAMPLE_RATE as f64 {
        return None;
    }
    let noise = Graph::node(
        Prim::Mul,
        vec![Graph::node(Prim::Noise, vec![]), Graph::Const(0.25)],
    );
    let mut filter_args = vec![noise.clone()];
    filter_args.extend(args[1..].iter().cloned());
    let probe = |name: &str, graph: Graph| Instrument {
        name: name.to_string(),
        params: instrument.params.clone(),
        graph,
    };
    let plain = render_probe(one, library, probe(PROBE_NOISE, noise));
    let filtered = render_probe(
        one,
        library,
        probe(PROBE_FILTER, Graph::node(prim, filter_args)),
    );
    let (p, f) = (welch(&plain, SIZE), welch(&filtered, SIZE));
    let bin = SAMPLE_RATE as f64 / SIZE as f64;
    let points: Vec<(f64, f64)> = p
        .iter()
        .zip(&f)
        .enumerate()
        .skip(1)
        .filter(|(_, (p, _))| **p > 0.0)
        .map(|(i, (p, f))| (i as f64 * bin, 10.0 * (f.max(1e-30) / p).log10()))
        .collect();
    if points.is_empty() {
        return None;
    }
    Some(FilterResponse {
        name: prim.info().name,
        points,
    })
}

/// Renders one note of `subject` offline (mono: the mean of both channels),
/// without the silence at its end.
pub fn render_note(
    program: &Program,
    library: &[Instrument],
    options: &PlotOptions,
) -> Result<Rendered, String> {
    let one = one_note(program, library, options)?;
    let opts = RenderOptions {
        sample_rate: SAMPLE_RATE,
        length: Length::Cycles(one.length),
        tail: TAIL,
        stems: false,
    };
    let out = render::render(one.program.clone(), library.to_vec(), &opts, &mut |_| {});
    let mut mono: Vec<f32> = out
        .samples
        .chunks_exact(2)
        .map(|f| (f[0] + f[1]) * 0.5)
        .collect();
    let peak = mono.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if peak.is_nan() || peak <= 1e-5 {
        return Err(format!("{} makes no sound", one.label));
    }
    let last = mono.iter().rposition(|x| x.abs() > 1e-4).unwrap_or(0);
    let keep = (last + SAMPLE_RATE as usize / 100)
        .max(((one.seconds + 0.05) * SAMPLE_RATE as f64) as usize)
        .min(mono.len());
    mono.truncate(keep);
    let filter = filter_response(&one, library);
    Ok(Rendered {
        samples: mono,
        seconds: one.seconds,
        freq: event_freq(&one.event),
        label: one.label,
        filter,
    })
}

/// The plot of one note of `options.subject` as SVG text.
pub fn plot(
    program: &Program,
    library: &[Instrument],
    options: &PlotOptions,
) -> Result<String, String> {
    let note = render_note(program, library, options)?;
    Ok(draw(&note, &options.title))
}

/// Where a panel's plot area is.
#[derive(Clone, Copy)]
struct Panel {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Panel {
    fn nth(i: usize) -> Panel {
        Panel {
            x: LEFT,
            y: TITLE + i as f64 * (PANEL_HEAD + PANEL_PLOT + PANEL_FOOT) + PANEL_HEAD,
            w: WIDTH - LEFT - RIGHT,
            h: PANEL_PLOT,
        }
    }

    /// A point from fractions of the width (0 left) and height (0 bottom).
    fn at(&self, fx: f64, fy: f64) -> (f64, f64) {
        (
            self.x + fx.clamp(0.0, 1.0) * self.w,
            self.y + (1.0 - fy.clamp(0.0, 1.0)) * self.h,
        )
    }

    fn frame(&self, svg: &mut Svg, heading: &str) {
        svg.text(self.x, self.y - 7.0, 12.0, Anchor::Start, "#000", heading);
        svg.rect(self.x, self.y, self.w, self.h, "#fafafa", 1.0);
    }

    fn x_tick(&self, svg: &mut Svg, fx: f64, label: &str) {
        let (x, y) = self.at(fx, 0.0);
        svg.line(x, self.y, x, y, "#e2e2e2", 1.0);
        svg.text(x, y + 13.0, 10.0, Anchor::Middle, "#444", label);
    }

    fn y_tick(&self, svg: &mut Svg, fy: f64, label: &str) {
        let (x, y) = self.at(0.0, fy);
        svg.line(x, y, self.x + self.w, y, "#e2e2e2", 1.0);
        svg.text(x - 4.0, y + 3.5, 10.0, Anchor::End, "#444", label);
    }

    fn x_label(&self, svg: &mut Svg, label: &str) {
        svg.text(
            self.x + self.w,
            self.y + self.h + 28.0,
            10.0,
            Anchor::End,
            "#444",
            label,
        );
    }

    fn border(&self, svg: &mut Svg) {
        svg.raw(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>",
            num(self.x),
            num(self.y),
            num(self.w),
            num(self.h)
        ));
    }
}

/// A step of 1, 2 or 5 times a power of ten that cuts `range` into about
/// `parts` pieces.
pub(crate) fn nice_step(range: f64, parts: f64) -> f64 {
    let raw = (range / parts).max(1e-9);
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

fn draw(note: &Rendered, title: &str) -> String {
    let panels = if note.filter.is_some() { 4.0 } else { 3.0 };
    let height = TITLE + panels * (PANEL_HEAD + PANEL_PLOT + PANEL_FOOT);
    let mut svg = Svg::new(WIDTH, height);
    let mut heading = note.label.clone();
    if !title.is_empty() {
        heading = format!("{title} — {heading}");
    }
    svg.text(8.0, 18.0, 13.0, Anchor::Start, "#000", &heading);
    draw_waveform(&mut svg, Panel::nth(0), note);
    draw_spectrum(&mut svg, Panel::nth(1), note);
    draw_envelope(&mut svg, Panel::nth(2), note);
    if let Some(f) = &note.filter {
        draw_filter(&mut svg, Panel::nth(3), f);
    }
    svg.finish()
}

/// Where the waveform and the spectrum look: into the held part of the
/// note, past its attack.
fn steady_start(note: &Rendered) -> usize {
    let t = (note.seconds * 0.5).min(0.1);
    ((t * SAMPLE_RATE as f64) as usize).min(note.samples.len().saturating_sub(1))
}

fn peak(samples: &[f32]) -> f64 {
    samples.iter().fold(0.0f64, |m, x| m.max(x.abs() as f64))
}

fn draw_waveform(svg: &mut Svg, p: Panel, note: &Rendered) {
    let sr = SAMPLE_RATE as f64;
    let span = if (20.0..5000.0).contains(&note.freq) {
        (4.0 / note.freq).clamp(0.005, 0.05)
    } else {
        0.02
    };
    let start = steady_start(note);
    let n = ((span * sr) as usize)
        .min(note.samples.len() - start)
        .max(1);
    let window = &note.samples[start..start + n];
    let top = nice_ceiling(peak(&note.samples));
    p.frame(
        svg,
        &format!(
            "waveform: {} ms from {} s",
            num(n as f64 / sr * 1000.0),
            num(start as f64 / sr)
        ),
    );
    for v in [-top, 0.0, top] {
        p.y_tick(svg, (v / top + 1.0) / 2.0, &num(v));
    }
    let ms = n as f64 / sr * 1000.0;
    let step = nice_step(ms, 8.0);
    let mut t = 0.0;
    while t <= ms + 1e-9 {
        p.x_tick(svg, t / ms, &num(t));
        t += step;
    }
    p.x_label(svg, "milliseconds");
    let stride = n.div_ceil(1200).max(1);
    let points: Vec<(f64, f64)> = window
        .iter()
        .enumerate()
        .step_by(stride)
        .map(|(i, x)| p.at(i as f64 / n as f64, (*x as f64 / top + 1.0) / 2.0))
        .collect();
    svg.polyline(&points, "#1f77b4", 1.5);
    p.border(svg);
}

/// A round value at or above `x` for an axis's end (at least 0.01).
fn nice_ceiling(x: f64) -> f64 {
    let step = nice_step(x.max(0.01), 4.0);
    ((x / step).ceil() * step).max(0.01)
}

const SPECTRUM_LOW: f64 = 20.0;
const SPECTRUM_FLOOR: f64 = -100.0;

/// Magnitudes (dB below the highest) of the note's held part, Hann
/// windowed, with the frequency of each bin.
pub fn spectrum(note: &Rendered) -> Vec<(f64, f64)> {
    let start = steady_start(note);
    let available = note.samples.len() - start;
    let mut size = FFT_SIZE;
    while size > 256 && size > available {
        size /= 2;
    }
    let mut input: Vec<f64> = (0..size)
        .map(|i| {
            let x = note.samples.get(start + i).copied().unwrap_or(0.0) as f64;
            let w = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / size as f64).cos();
            x * w
        })
        .collect();
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(size);
    let mut out = fft.make_output_vec();
    if fft.process(&mut input, &mut out).is_err() {
        return Vec::new();
    }
    let mags: Vec<f64> = out.iter().map(|c| c.norm()).collect();
    let max = mags.iter().fold(1e-12f64, |m, x| m.max(*x));
    let bin = SAMPLE_RATE as f64 / size as f64;
    mags.iter()
        .enumerate()
        .skip(1)
        .map(|(i, m)| {
            let db = 20.0 * (m / max).max(1e-12).log10();
            (i as f64 * bin, db.max(SPECTRUM_FLOOR))
        })
        .collect()
}

/// The x (0–1) of a frequency on the log axis of the spectrum panels.
fn log_x(f: f64) -> f64 {
    let high = SAMPLE_RATE as f64 / 2.0;
    (f / SPECTRUM_LOW).log10() / (high / SPECTRUM_LOW).log10()
}

/// Frequency ticks of a log axis.
fn frequency_ticks(svg: &mut Svg, p: Panel) {
    for (f, label) in [
        (20.0, "20"),
        (50.0, "50"),
        (100.0, "100"),
        (200.0, "200"),
        (500.0, "500"),
        (1000.0, "1k"),
        (2000.0, "2k"),
        (5000.0, "5k"),
        (10000.0, "10k"),
        (20000.0, "20k"),
    ] {
        p.x_tick(svg, log_x(f), label);
    }
    p.x_label(svg, "Hz");
}

/// Points of a curve over the log frequency axis: the highest value under
/// each pixel column (the low bins are wider than a column: they are drawn
/// where they fall).
fn log_curve(p: Panel, points: &[(f64, f64)], y: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    let columns = p.w as usize;
    let mut best: Vec<Option<f64>> = vec![None; columns + 1];
    for &(f, v) in points {
        if f < SPECTRUM_LOW {
            continue;
        }
        let c = (log_x(f) * columns as f64).round() as usize;
        if c <= columns {
            let slot = &mut best[c];
            *slot = Some(slot.map_or(v, |b: f64| b.max(v)));
        }
    }
    best.iter()
        .enumerate()
        .filter_map(|(c, v)| v.map(|v| p.at(c as f64 / columns as f64, y(v))))
        .collect()
}

fn draw_spectrum(svg: &mut Svg, p: Panel, note: &Rendered) {
    let high = SAMPLE_RATE as f64 / 2.0;
    let fx = log_x;
    p.frame(
        svg,
        "spectrum: dB below the strongest partial, log frequency",
    );
    let mut db = 0.0;
    while db >= SPECTRUM_FLOOR {
        p.y_tick(svg, 1.0 - db / SPECTRUM_FLOOR, &num(db));
        db -= 20.0;
    }
    frequency_ticks(svg, p);
    if (SPECTRUM_LOW..high).contains(&note.freq) {
        let (x, _) = p.at(fx(note.freq), 0.0);
        svg.dashed(x, p.y, x, p.y + p.h, "#d62728");
        let name = midi_to_note_name(freq_to_midi(note.freq), false).unwrap_or_default();
        let label = format!("{} Hz ({name})", num(note.freq));
        if x > p.x + p.w - 120.0 {
            svg.text(x - 4.0, p.y + 12.0, 10.0, Anchor::End, "#d62728", &label);
        } else {
            svg.text(x + 4.0, p.y + 12.0, 10.0, Anchor::Start, "#d62728", &label);
        }
    }
    let points = log_curve(p, &spectrum(note), |db| 1.0 - db / SPECTRUM_FLOOR);
    svg.polyline(&points, "#2ca02c", 1.2);
    p.border(svg);
}

fn draw_envelope(svg: &mut Svg, p: Panel, note: &Rendered) {
    let sr = SAMPLE_RATE as f64;
    let total = note.samples.len() as f64 / sr;
    let top = nice_ceiling(peak(&note.samples));
    p.frame(
        svg,
        "amplitude envelope (peak), note held until the dashed line",
    );
    let mut v = 0.0;
    let vstep = nice_step(top, 4.0);
    while v <= top + 1e-9 {
        p.y_tick(svg, v / top, &num(v));
        v += vstep;
    }
    let step = nice_step(total, 8.0);
    let mut t = 0.0;
    while t <= total + 1e-9 {
        p.x_tick(svg, t / total, &num(t));
        t += step;
    }
    p.x_label(svg, "seconds");
    let columns = p.w as usize;
    let len = note.samples.len();
    let per = len as f64 / columns as f64;
    // Each column shows the peak around it over at least a period and a
    // half (10 ms without a pitch), so that the envelope does not follow
    // the wave itself.
    let period = if (20.0..5000.0).contains(&note.freq) {
        1.5 * sr / note.freq
    } else {
        0.01 * sr
    };
    let half = (per.max(period) / 2.0).ceil() as usize;
    let mut points = vec![p.at(0.0, 0.0)];
    for c in 0..columns {
        let mid = ((c as f64 + 0.5) * per) as usize;
        let a = mid.saturating_sub(half).min(len - 1);
        let b = (mid + half).clamp(a + 1, len);
        let level = peak(&note.samples[a..b]);
        points.push(p.at((c as f64 + 0.5) / columns as f64, level / top));
    }
    points.push(p.at(1.0, 0.0));
    svg.polygon(&points, "#9467bd", 0.35);
    svg.polyline(&points[1..points.len() - 1], "#9467bd", 1.2);
    let (x, _) = p.at(note.seconds / total, 0.0);
    svg.dashed(x, p.y, x, p.y + p.h, "#d62728");
    // The label on the side of the line where it fits.
    if x > p.x + p.w - 60.0 {
        svg.text(
            x - 4.0,
            p.y + 12.0,
            10.0,
            Anchor::End,
            "#d62728",
            "note off",
        );
    } else {
        svg.text(
            x + 4.0,
            p.y + 12.0,
            10.0,
            Anchor::Start,
            "#d62728",
            "note off",
        );
    }
    p.border(svg);
}

const RESPONSE_TOP: f64 = 36.0;
const RESPONSE_BOTTOM: f64 = -60.0;

fn draw_filter(svg: &mut Svg, p: Panel, f: &FilterResponse) {
    let fy = |db: f64| {
        (db.clamp(RESPONSE_BOTTOM, RESPONSE_TOP) - RESPONSE_BOTTOM)
            / (RESPONSE_TOP - RESPONSE_BOTTOM)
    };
    p.frame(
        svg,
        &format!(
            "filter response ({}): gain in dB, measured with white noise",
            f.name
        ),
    );
    let mut db = RESPONSE_TOP;
    while db >= RESPONSE_BOTTOM {
        p.y_tick(svg, fy(db), &num(db));
        db -= 12.0;
    }
    frequency_ticks(svg, p);
    let points = log_curve(p, &f.points, fy);
    svg.polyline(&points, "#ff7f0e", 1.2);
    p.border(svg);
}
