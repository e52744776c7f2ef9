//! The arrangement of a program as a pianoroll: one band per track, the
//! song's sections and the bars along the top, notes by pitch, sounds
//! without a pitch (drums, samples) as named rows, loudness as opacity.
//!
//! The events are the program's own (the query `weft events` makes);
//! nothing here plays or re-implements a pattern.

use crate::svg::{Anchor, Svg};
use engine::voice::number;
use lang::density::{too_dense_message, DenseHint};
use lang::graph::Instrument;
use lang::library::Pat;
use lang::pattern::{query_span_within, with_work_budget};
use lang::program::Program;
use lang::tonal::notes::{freq_to_midi, midi_to_note_name, note_to_midi};
use lang::value::{js_number, ValueMap};
use lang::{Hap, Span, Time, Value};
use std::collections::HashSet;

/// Width of the whole picture, in pixels.
pub const WIDTH: f64 = 1200.0;
/// Width of the names column on the left.
pub const LABEL_WIDTH: f64 = 120.0;
/// Margin on the right.
pub const RIGHT_MARGIN: f64 = 12.0;
/// Height of the section strip and of the bar-number strip at the top.
pub const SECTION_HEIGHT: f64 = 20.0;
pub const BAR_HEIGHT: f64 = 16.0;
/// Height of a track's name line above its rows.
pub const TRACK_TITLE_HEIGHT: f64 = 18.0;
/// Space after each band.
pub const BAND_GAP: f64 = 8.0;
/// Height of a named row (a drum sound).
pub const SOUND_ROW: f64 = 14.0;
/// A band's pitch rows share about this height (within the limits below).
pub const PITCH_AREA: f64 = 160.0;
pub const MIN_PITCH_ROW: f64 = 2.0;
pub const MAX_PITCH_ROW: f64 = 12.0;

/// The longest range drawn, in cycles.
pub const MAX_CYCLES: i64 = 4096;
/// The most events drawn in one picture.
pub const MAX_EVENTS: usize = 200_000;
/// The most named rows in one band.
pub const MAX_SOUND_ROWS: usize = 64;
/// The tallest picture, in pixels.
pub const MAX_HEIGHT: f64 = 16_000.0;
/// The most section labels drawn (a short song repeated over many cycles).
const MAX_SECTION_LABELS: usize = 4096;
/// Query work allowed for a whole picture, besides each cycle's own
/// budget (that of `weft events`): a hundred cycles at the limit, plenty
/// for 4096 cycles of a busy program, so that a pathological pattern ends
/// with an error rather than running on.
const WORK_BUDGET: u64 = 100 * lang::pattern::WORK_PER_CYCLE;

/// Track colours, in order of the tracks.
const COLOURS: &[&str] = &[
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// Which cycles to draw.
#[derive(Clone, Debug, PartialEq)]
pub enum Range {
    /// Cycles 0 to N.
    Cycles(Time),
    /// The program's whole song (an error without one).
    Song,
}

/// What to draw.
#[derive(Clone, Debug)]
pub struct RollOptions {
    pub range: Range,
    /// Only this track (default: every audible track).
    pub track: Option<String>,
    /// A title at the top left (e.g. the file's name).
    pub title: String,
}

/// The sounds that have a pitch: the instruments (the program's and the
/// library's) whose sound reads the note's frequency.
pub fn pitched_sounds(program: &Program, library: &[Instrument]) -> HashSet<String> {
    program
        .instruments
        .iter()
        .chain(library)
        .filter(|i| i.graph.params().iter().any(|p| &**p == "freq"))
        .map(|i| i.name.clone())
        .collect()
}

/// One event as drawn: its time, row and loudness.
#[derive(Clone, Debug, PartialEq)]
struct Note {
    begin: Time,
    end: Time,
    row: Row,
    /// 0–1: velocity × gain, clamped.
    level: f64,
}

/// Where an event is drawn: a pitch (MIDI note) or a named sound's row.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    Pitch(f64),
    Sound(String),
}

/// A track's events sorted into rows.
struct Band {
    name: String,
    colour: &'static str,
    notes: Vec<Note>,
    /// Lowest and highest MIDI note (whole semitones), if any note has a pitch.
    pitch_range: Option<(i64, i64)>,
    /// Named rows, in the order the sounds first play.
    sounds: Vec<String>,
}

impl Band {
    fn pitch_row_height(&self) -> f64 {
        match self.pitch_range {
            Some((lo, hi)) => {
                let rows = (hi - lo + 1) as f64;
                (PITCH_AREA / rows).clamp(MIN_PITCH_ROW, MAX_PITCH_ROW)
            }
            None => 0.0,
        }
    }

    fn pitch_height(&self) -> f64 {
        match self.pitch_range {
            Some((lo, hi)) => (hi - lo + 1) as f64 * self.pitch_row_height(),
            None => 0.0,
        }
    }

    fn height(&self) -> f64 {
        let rows = self.pitch_height() + self.sounds.len() as f64 * SOUND_ROW;
        TRACK_TITLE_HEIGHT + rows.max(SOUND_ROW)
    }
}

/// The pianoroll of `program` as SVG text.
/// `library` is the instruments the program can play besides its own (to
/// tell notes from drum sounds).
pub fn roll(
    program: &Program,
    library: &[Instrument],
    options: &RollOptions,
) -> Result<String, String> {
    let pitched = pitched_sounds(program, library);
    let end = cycles_to_draw(program, &options.range)?;
    let tracks = tracks_to_draw(program, options.track.as_deref())?;
    // One work budget for the whole picture: a pattern too dense to
    // query stops with an error, as in `weft events`.
    let bands = with_work_budget(WORK_BUDGET, || {
        let mut bands = Vec::new();
        let mut left = MAX_EVENTS;
        for (i, (name, pat, hint)) in tracks.into_iter().enumerate() {
            let notes = track_notes(&name, &pat, hint.as_ref(), end, &pitched, left)?;
            left -= notes.len();
            bands.push(band(name, COLOURS[i % COLOURS.len()], notes)?);
        }
        Ok::<_, String>(bands)
    })?;
    if bands.iter().all(|b| b.notes.is_empty()) {
        return Err(format!("no events to draw in cycles 0 to {end}"));
    }
    if picture_height(&bands) > MAX_HEIGHT {
        return Err(format!(
            "{} tracks make a picture taller than {MAX_HEIGHT} pixels: draw one with --track",
            bands.len()
        ));
    }
    Ok(draw(program, &bands, end, &options.title))
}

/// The end of the drawn range (from cycle 0), checked.
fn cycles_to_draw(program: &Program, range: &Range) -> Result<Time, String> {
    let end = match range {
        Range::Cycles(c) => *c,
        Range::Song => program.song_length.ok_or_else(|| {
            "the program has no song (`song: arrange(…)`): give --cycles N instead".to_string()
        })?,
    };
    if end <= Time::ZERO {
        return Err(format!(
            "the number of cycles must be positive, found {end}"
        ));
    }
    if end > Time::int(MAX_CYCLES) {
        return Err(format!(
            "at most {MAX_CYCLES} cycles can be drawn, asked for {end}"
        ));
    }
    Ok(end)
}

/// The named patterns to draw: one track, or all that sound.
type TrackToDraw = (String, Pat, Option<DenseHint>);

fn tracks_to_draw(program: &Program, only: Option<&str>) -> Result<Vec<TrackToDraw>, String> {
    if let Some(name) = only {
        return match program.track(name) {
            Some(t) => Ok(vec![(t.name.clone(), t.pattern.clone(), t.hint.clone())]),
            None => Err(unknown_track(program, name)),
        };
    }
    let tracks: Vec<TrackToDraw> = program
        .audible()
        .map(|t| (t.name.clone(), t.pattern.clone(), t.hint.clone()))
        .collect();
    if tracks.is_empty() {
        return Err("the program has no track to draw".to_string());
    }
    Ok(tracks)
}

/// The error for a track name the program does not have.
pub fn unknown_track(program: &Program, name: &str) -> String {
    let names: Vec<&str> = program.tracks.iter().map(|t| t.name.as_str()).collect();
    if names.is_empty() {
        format!("no track named `{name}` (the program has no tracks)")
    } else {
        format!("no track named `{name}` (tracks: {})", names.join(", "))
    }
}

/// Cycles queried at a time, so that a picture with too many events
/// stops early.
const CHUNK_CYCLES: i64 = 16;

/// The events of a track that start in cycles 0 to `end`, as notes; an
/// error as soon as there are more than `limit`.
fn track_notes(
    name: &str,
    pat: &Pat,
    hint: Option<&DenseHint>,
    end: Time,
    pitched: &HashSet<String>,
    limit: usize,
) -> Result<Vec<Note>, String> {
    let mut notes: Vec<Note> = Vec::new();
    let mut from = Time::ZERO;
    while from < end {
        let to = (from + Time::int(CHUNK_CYCLES)).min(end);
        // The query of `weft events`, within the same budget: a track too
        // dense to query stops with the same message.
        let queried = query_span_within(pat, Span::new(from, to));
        if let Some(e) = queried.errors.into_iter().next() {
            return Err(format!("track `{name}`: {e}"));
        }
        let haps = queried
            .haps
            .map_err(|e| too_dense_message(Some(name), &e, hint))?;
        notes.extend(haps.iter().filter_map(|h| note_of(h, end, pitched)));
        if notes.len() > limit {
            return Err(format!(
                "more than {MAX_EVENTS} events in {end} cycles: draw fewer cycles (--cycles) or one track (--track)"
            ));
        }
        from = to;
    }
    notes.sort_by(|a, b| a.begin.cmp(&b.begin).then(a.end.cmp(&b.end)));
    Ok(notes)
}

/// An event with an onset in range as a note; `None` for fragments and
/// continuous values.
fn note_of(h: &Hap<Value>, end: Time, pitched: &HashSet<String>) -> Option<Note> {
    let whole = h.whole?;
    if !h.has_onset() {
        return None;
    }
    let map = h.value.as_map()?;
    Some(Note {
        begin: whole.begin,
        end: whole.end.min(end),
        row: row_of(map, pitched)?,
        level: level_of(map),
    })
}

/// A control that is a note name or a number, as a MIDI number.
fn midi_of(v: &Value) -> Option<f64> {
    match v {
        Value::Str(s) => note_to_midi(s, 3.0).or_else(|| js_number(s)),
        v => number(v),
    }
    .filter(|m| m.is_finite())
}

/// Where an event is drawn: by pitch when it has one (`freq`, `note`, or
/// `n` for an instrument with a pitch, as the engine reads them), else by
/// its sound's name (`s`, with its bank, and its sample number after a
/// colon when not the first).
pub fn row_of(map: &ValueMap, pitched: &HashSet<String>) -> Option<Row> {
    if let Some(f) = map.get("freq").and_then(number).filter(|f| *f > 0.0) {
        return Some(Row::Pitch(freq_to_midi(f)));
    }
    if let Some(m) = map.get("note").and_then(midi_of) {
        return Some(Row::Pitch(m));
    }
    let sound = match map.get("s") {
        Some(Value::Str(s)) => Some(s.to_string()),
        _ => None,
    };
    let n = map.get("n");
    match sound {
        Some(s) if pitched.contains(&s) => Some(Row::Pitch(
            n.and_then(midi_of).unwrap_or(engine::voice::DEFAULT_NOTE),
        )),
        Some(s) => {
            let n = n.and_then(number).unwrap_or(0.0);
            let mut name = match map.get("bank").and_then(|b| b.as_str()) {
                Some(b) => format!("{b}_{s}"),
                None => s,
            };
            if n != 0.0 && !name.contains(':') {
                name = format!("{name}:{}", crate::svg::num(n));
            }
            Some(Row::Sound(name))
        }
        None => n.and_then(midi_of).map(Row::Pitch),
    }
}

/// How loud an event is, 0–1: its `velocity` times its `gain` (each 1
/// when not given), clamped.
fn level_of(map: &ValueMap) -> f64 {
    let v = map.get("velocity").and_then(number).unwrap_or(1.0);
    let g = map.get("gain").and_then(number).unwrap_or(1.0);
    (v * g).clamp(0.0, 1.0)
}

/// Opacity of a note of this loudness: quiet notes stay visible.
pub fn opacity(level: f64) -> f64 {
    0.2 + 0.8 * level.clamp(0.0, 1.0)
}

fn band(name: String, colour: &'static str, notes: Vec<Note>) -> Result<Band, String> {
    let mut lo = i64::MAX;
    let mut hi = i64::MIN;
    let mut sounds: Vec<String> = Vec::new();
    for n in &notes {
        match &n.row {
            Row::Pitch(m) => {
                let m = m.round().clamp(-1000.0, 1000.0) as i64;
                lo = lo.min(m);
                hi = hi.max(m);
            }
            Row::Sound(s) => {
                if !sounds.contains(s) {
                    if sounds.len() == MAX_SOUND_ROWS {
                        return Err(format!(
                            "track `{name}` plays more than {MAX_SOUND_ROWS} different sounds: too many rows to draw"
                        ));
                    }
                    sounds.push(s.clone());
                }
            }
        }
    }
    let pitch_range = (lo <= hi).then_some((lo, hi));
    if let Some((lo, hi)) = pitch_range {
        if hi - lo > 256 {
            return Err(format!(
                "track `{name}` spans more than 256 semitones: too many rows to draw"
            ));
        }
    }
    Ok(Band {
        name,
        colour,
        notes,
        pitch_range,
        sounds,
    })
}

/// Horizontal position of a time.
fn x_of(t: Time, end: Time) -> f64 {
    LABEL_WIDTH + (t / end).to_f64() * (WIDTH - LABEL_WIDTH - RIGHT_MARGIN)
}

/// Every how many cycles a bar gets its number, so that numbers stay apart.
fn label_every(cycle_width: f64) -> i64 {
    let mut k = 1;
    while cycle_width * (k as f64) < 36.0 {
        k *= 2;
    }
    k
}

fn picture_height(bands: &[Band]) -> f64 {
    SECTION_HEIGHT + BAR_HEIGHT + bands.iter().map(|b| b.height() + BAND_GAP).sum::<f64>()
}

fn draw(program: &Program, bands: &[Band], end: Time, title: &str) -> String {
    let top = SECTION_HEIGHT + BAR_HEIGHT;
    let height = picture_height(bands);
    let mut svg = Svg::new(WIDTH, height.ceil());
    svg.text(4.0, 14.0, 12.0, Anchor::Start, "#000", title);
    draw_sections(&mut svg, program, end);
    // Rows first, bar lines over them, notes over both.
    let mut y = top;
    let mut tops = Vec::new();
    for b in bands {
        draw_rows(&mut svg, b, y);
        tops.push(y);
        y += b.height() + BAND_GAP;
    }
    draw_bars(&mut svg, program, end, top, height);
    for (b, y) in bands.iter().zip(tops) {
        draw_notes(&mut svg, b, end, y);
    }
    svg.finish()
}

/// The song's sections (repeated as the song loops) along the top.
fn draw_sections(svg: &mut Svg, program: &Program, end: Time) {
    let Some(len) = program.song_length.filter(|l| *l > Time::ZERO) else {
        return;
    };
    if program.sections.is_empty() {
        return;
    }
    svg.raw("<g class=\"sections\">");
    let mut offset = Time::ZERO;
    let mut k = 0usize;
    while offset < end && k < MAX_SECTION_LABELS {
        for s in &program.sections {
            let b = offset + s.start;
            if b >= end {
                break;
            }
            let e = (b + s.length).min(end);
            let (x0, x1) = (x_of(b, end), x_of(e, end));
            let fill = if k.is_multiple_of(2) {
                "#e8e8f4"
            } else {
                "#d8d8ea"
            };
            k += 1;
            svg.rect(x0, 1.0, x1 - x0, SECTION_HEIGHT - 2.0, fill, 1.0);
            if x1 - x0 >= 24.0 {
                svg.text(x0 + 3.0, 14.0, 11.0, Anchor::Start, "#223", &s.name);
            }
        }
        offset = offset + len;
    }
    svg.raw("</g>");
}

/// Bar lines (one bar per cycle), beat lines when there is room, bar
/// numbers along the top.
fn draw_bars(svg: &mut Svg, program: &Program, end: Time, top: f64, bottom: f64) {
    let cycles = end.ceil().floor_i64();
    let cycle_width = x_of(Time::ONE, end) - x_of(Time::ZERO, end);
    let beats = program.beats_per_cycle.round().clamp(1.0, 64.0) as i64;
    let every = label_every(cycle_width);
    svg.raw("<g class=\"bars\">");
    for c in 0..=cycles {
        let t = Time::int(c);
        if t > end {
            break;
        }
        let x = x_of(t, end);
        svg.line(x, top, x, bottom, "#999", 1.0);
        if c % every == 0 && t < end {
            svg.text(
                x + 2.0,
                SECTION_HEIGHT + 12.0,
                10.0,
                Anchor::Start,
                "#444",
                &(c + 1).to_string(),
            );
        }
        if cycle_width / beats as f64 >= 8.0 {
            for b in 1..beats {
                let tb = t + Time::new(b, beats);
                if tb >= end {
                    break;
                }
                let xb = x_of(tb, end);
                svg.line(xb, top, xb, bottom, "#ddd", 1.0);
            }
        }
    }
    svg.raw("</g>");
}

/// A track's name, its rows and their names.
fn draw_rows(svg: &mut Svg, b: &Band, y: f64) {
    svg.raw(&format!(
        "<g class=\"rows\" data-track=\"{}\">",
        crate::svg::escape(&b.name)
    ));
    svg.text(4.0, y + 13.0, 12.0, Anchor::Start, b.colour, &b.name);
    let rows_top = y + TRACK_TITLE_HEIGHT;
    let left = LABEL_WIDTH;
    let width = WIDTH - RIGHT_MARGIN - LABEL_WIDTH;
    if b.notes.is_empty() {
        svg.rect(left, rows_top, width, SOUND_ROW, "#f4f4f4", 1.0);
        svg.text(
            left + 4.0,
            rows_top + 11.0,
            10.0,
            Anchor::Start,
            "#888",
            "no events",
        );
    }
    let row_h = b.pitch_row_height();
    if let Some((lo, hi)) = b.pitch_range {
        for m in lo..=hi {
            let ry = rows_top + (hi - m) as f64 * row_h;
            let black = matches!(m.rem_euclid(12), 1 | 3 | 6 | 8 | 10);
            let fill = if black { "#eeeef0" } else { "#f8f8f8" };
            svg.rect(left, ry, width, row_h, fill, 1.0);
        }
        pitch_labels(svg, lo, hi, rows_top, row_h);
    }
    let sounds_top = rows_top + b.pitch_height();
    for (i, s) in b.sounds.iter().enumerate() {
        let ry = sounds_top + i as f64 * SOUND_ROW;
        let fill = if i.is_multiple_of(2) {
            "#f8f8f8"
        } else {
            "#eeeef0"
        };
        svg.rect(left, ry, width, SOUND_ROW, fill, 1.0);
        svg.text(left - 4.0, ry + 11.0, 10.0, Anchor::End, "#333", s);
    }
    svg.raw("</g>");
}

/// A track's notes: a rectangle each, on its row, from its start to its
/// end (a little short of it, so that repeated notes stay apart).
fn draw_notes(svg: &mut Svg, b: &Band, end: Time, y: f64) {
    svg.raw(&format!(
        "<g class=\"notes\" data-track=\"{}\" fill=\"{}\">",
        crate::svg::escape(&b.name),
        b.colour
    ));
    let rows_top = y + TRACK_TITLE_HEIGHT;
    let row_h = b.pitch_row_height();
    let sounds_top = rows_top + b.pitch_height();
    for n in &b.notes {
        let (ry, h) = match &n.row {
            Row::Pitch(m) => {
                let hi = b.pitch_range.map(|r| r.1).unwrap_or(0);
                let m = m.round().clamp(-1000.0, 1000.0) as i64;
                (rows_top + (hi - m) as f64 * row_h, row_h)
            }
            Row::Sound(s) => {
                let i = b.sounds.iter().position(|x| x == s).unwrap_or(0);
                (sounds_top + i as f64 * SOUND_ROW, SOUND_ROW)
            }
        };
        let x0 = x_of(n.begin, end);
        let w = x_of(n.end, end) - x0;
        let gap = (w * 0.2).min(2.0);
        let inset = if h >= 4.0 { 1.0 } else { 0.0 };
        svg.rect(
            x0,
            ry + inset / 2.0,
            (w - gap).max(1.0),
            h - inset,
            "",
            opacity(n.level),
        );
    }
    svg.raw("</g>");
}

/// Note names beside the pitch rows: the lowest, the highest and the Cs
/// between, where they fit.
fn pitch_labels(svg: &mut Svg, lo: i64, hi: i64, top: f64, row_h: f64) {
    let mut last_y = f64::NEG_INFINITY;
    for m in (lo..=hi).rev() {
        if !(m == hi || m == lo || m.rem_euclid(12) == 0) {
            continue;
        }
        let y = top + (hi - m) as f64 * row_h + row_h / 2.0 + 3.5;
        if y - last_y < 11.0 && m != hi {
            continue;
        }
        let name = midi_to_note_name(m as f64, false).unwrap_or_else(|| m.to_string());
        svg.text(LABEL_WIDTH - 4.0, y, 9.0, Anchor::End, "#555", &name);
        last_y = y;
    }
}
