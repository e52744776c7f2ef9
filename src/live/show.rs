//! Feeding the dashboard: the control loop's side. It keeps what the view
//! needs between frames (the version playing and its source, each track's
//! events around now, meter memories, the master's samples, the messages)
//! and builds a [`Snapshot`] at most 30 times a second. Everything here
//! runs on the control thread; levels come from the engine's atomics and
//! the recorded frames, never from the audio thread directly.

use super::dashboard::lanes::{query_span, Lane};
use super::dashboard::meters::{MasterTap, MeterState, SCOPE_LEN};
use super::dashboard::spectrum::{Analyzer, FFT_LEN};
use super::dashboard::terminal::{Ui, FRAME};
use super::dashboard::{Clock, Line, Snapshot, TrackView};
use engine::engine::Engine;
use lang::hap::Hap;
use lang::program::Program;
use lang::span::Span;
use lang::{Time, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

/// Messages kept for the view.
const MESSAGES: usize = 40;

/// A program and the source text its locations point into.
#[derive(Clone)]
pub struct Version {
    pub program: Program,
    pub source: String,
}

/// The dashboard and what it remembers.
pub struct Shown {
    pub ui: Ui,
    title: String,
    /// The version sounding now, and the one waiting for its swap.
    playing: Option<Version>,
    waiting: Option<Version>,
    /// Each track's events over the span queried (see [`query_span`]).
    events: Vec<(String, Vec<Hap<Value>>)>,
    /// The whole cycle `events` were queried around, if still valid.
    events_at: Option<i64>,
    pitched: HashSet<String>,
    /// The standard library's instruments (built once, before playing).
    library: Vec<lang::graph::Instrument>,
    meters: HashMap<String, MeterState>,
    master: MeterState,
    pub tap: MasterTap,
    /// The track whose scope the key `o` asked for.
    scope_pick: Option<String>,
    /// The key `f` flips the scope's panel between waveform and spectrum.
    spectrum_flip: bool,
    analyzer: Analyzer,
    messages: VecDeque<Line>,
    last_frame: Instant,
}

impl Shown {
    pub fn new(ui: Ui, title: String) -> Shown {
        Shown {
            ui,
            title,
            playing: None,
            waiting: None,
            events: Vec::new(),
            events_at: None,
            pitched: HashSet::new(),
            library: stdlib::instruments(),
            meters: HashMap::new(),
            master: MeterState::default(),
            tap: MasterTap::default(),
            scope_pick: None,
            spectrum_flip: false,
            analyzer: Analyzer::default(),
            messages: VecDeque::new(),
            last_frame: Instant::now() - FRAME,
        }
    }

    /// A message, stamped with the time of day (UTC).
    pub fn say(&mut self, text: String) {
        let now = time::OffsetDateTime::now_utc();
        let time = format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second());
        self.messages.push_back(Line { time, text });
        while self.messages.len() > MESSAGES {
            self.messages.pop_front();
        }
    }

    /// A version was swapped in now (`immediately`) or will be at its
    /// swap (then [`Shown::swapped`] makes it the one shown).
    pub fn loaded(&mut self, v: Version, immediately: bool) {
        if immediately || self.playing.is_none() {
            self.set_playing(v);
        } else {
            self.waiting = Some(v);
        }
    }

    /// The waiting version now sounds.
    pub fn swapped(&mut self) {
        if let Some(v) = self.waiting.take() {
            self.set_playing(v);
        }
    }

    fn set_playing(&mut self, v: Version) {
        self.pitched = pictures::roll::pitched_sounds(&v.program, &self.library);
        self.playing = Some(v);
        self.events_at = None;
    }

    /// Shows `track`'s scope; asked again for the same track, goes back
    /// to the scope the program asks for (or the master's).
    pub fn pick_scope(&mut self, track: String) {
        self.scope_pick = if self.scope_pick.as_ref() == Some(&track) {
            None
        } else {
            Some(track)
        };
    }

    /// Switches the scope's panel between the waveform and the spectrum.
    pub fn toggle_spectrum(&mut self) {
        self.spectrum_flip = !self.spectrum_flip;
    }

    /// Lines printed to standard error while the view is up.
    pub fn catch_stderr(&mut self) {
        for l in self.ui.stderr_lines() {
            self.say(l);
        }
    }

    /// Whether a new frame is due.
    pub fn due(&self) -> bool {
        self.last_frame.elapsed() >= FRAME
    }

    /// Builds the snapshot for `clock` and hands it to the view.
    pub fn frame(&mut self, engine: &Engine, clock: Clock) {
        self.last_frame = Instant::now();
        let now = clock.cycle;
        self.query_around(now);
        let levels = engine.take_track_levels();
        let at = Instant::now();
        let (peak, rms) = self.tap.take_level();
        let master = self.master.update(peak, rms, at);
        let Some(playing) = &self.playing else {
            return;
        };
        let mut tracks = Vec::new();
        for t in &playing.program.tracks {
            let (p, r) = levels
                .iter()
                .find(|(n, _)| *n == t.name)
                .map(|(_, l)| (l.peak, l.rms))
                .unwrap_or((0.0, 0.0));
            let meter = self
                .meters
                .entry(t.name.clone())
                .or_default()
                .update(p, r, at);
            let haps = self
                .events
                .iter()
                .find(|(n, _)| *n == t.name)
                .map(|(_, h)| h.as_slice())
                .unwrap_or(&[]);
            tracks.push(TrackView {
                name: t.name.clone(),
                muted: t.muted,
                solo: t.solo,
                tall: t
                    .visuals
                    .iter()
                    .any(|v| matches!(v.kind.as_str(), "pianoroll" | "punchcard")),
                lane: Lane::from_haps(haps, &self.pitched),
                meter,
            });
        }
        // The scope: of the track chosen (tapped in the engine), else the master's.
        let (wanted, asks_spectrum) = scope_choice(&playing.program, self.scope_pick.as_deref());
        let tapped = engine.set_scope_track(wanted.as_deref());
        let (scope_of, asks_spectrum) = if tapped {
            (wanted, asks_spectrum)
        } else {
            (None, false)
        };
        let samples = match scope_of {
            Some(_) => engine.scope_samples(FFT_LEN),
            None => self.tap.latest(FFT_LEN),
        };
        let spectrum = (asks_spectrum != self.spectrum_flip).then(|| {
            self.analyzer
                .spectrum(&samples, engine.config().sample_rate as f32)
        });
        let snapshot = Snapshot {
            title: self.title.clone(),
            source: playing.source.clone(),
            active: self.sounding(now),
            tracks,
            master,
            scope: samples[samples.len().saturating_sub(SCOPE_LEN)..].to_vec(),
            scope_of,
            spectrum,
            clock,
            messages: self.messages.iter().cloned().collect(),
            ..Snapshot::default()
        };
        self.ui.show(snapshot);
    }

    /// Queries the tracks of the version playing around `now` when the
    /// cycle changed (or the version did).
    fn query_around(&mut self, now: f64) {
        let cycle = now.floor() as i64;
        if self.events_at == Some(cycle) {
            return;
        }
        self.events_at = Some(cycle);
        let Some(playing) = &self.playing else {
            self.events.clear();
            return;
        };
        let (from, to) = query_span(now);
        self.events = playing
            .program
            .tracks
            .iter()
            .map(|t| {
                let q = lang::pattern::query_span_within(&t.pattern, Span::new(from, to));
                (t.name.clone(), q.haps.unwrap_or_default())
            })
            .collect();
    }

    /// The source ranges of the events of audible tracks sounding at `now`.
    fn sounding(&self, now: f64) -> Vec<(usize, usize)> {
        let Some(playing) = &self.playing else {
            return Vec::new();
        };
        let Some(now) = Time::from_f64(now) else {
            return Vec::new();
        };
        let audible: HashSet<&str> = playing.program.audible().map(|t| t.name.as_str()).collect();
        let mut out: Vec<(usize, usize)> = self
            .events
            .iter()
            .filter(|(n, _)| audible.contains(n.as_str()))
            .flat_map(|(_, haps)| haps.iter())
            .filter(|h| h.whole.is_some_and(|w| w.begin <= now && now < w.end))
            .flat_map(|h| h.context.locations().iter())
            .map(|l| (l.start as usize, l.end as usize))
            .filter(|(a, b)| a < b && *b <= playing.source.len())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The track whose scope is shown: the one picked with the key `o`, else
/// the first that asks for one (`._scope()`, `.fscope()`, `.spectrum()`…);
/// and whether it asks for the spectrum (`fscope`, `spectrum`).
fn scope_choice(program: &Program, pick: Option<&str>) -> (Option<String>, bool) {
    let asks = |t: &lang::program::Track| {
        t.visuals
            .iter()
            .find(|v| matches!(v.kind.as_str(), "scope" | "fscope" | "spectrum"))
            .map(|v| v.kind != "scope")
    };
    let picked = pick.and_then(|p| program.tracks.iter().find(|t| t.name == p));
    match picked.or_else(|| program.tracks.iter().find(|t| asks(t).is_some())) {
        Some(t) => (Some(t.name.clone()), asks(t).unwrap_or(false)),
        None => (None, false),
    }
}

#[cfg(test)]
mod tests {
    use super::scope_choice;
    use lang::program::evaluate;

    fn choice(src: &str, pick: Option<&str>) -> (Option<String>, bool) {
        let (p, d) = evaluate(src);
        assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
        scope_choice(&p, pick)
    }

    #[test]
    fn the_scope_follows_the_track_that_asks_or_the_one_picked() {
        let src = "a: s(\"bd\").pianoroll()\nb: note(\"c e\")._scope()\nc: note(\"g\").spectrum()";
        assert_eq!(choice(src, None), (Some("b".into()), false));
        assert_eq!(choice(src, Some("c")), (Some("c".into()), true));
        assert_eq!(choice(src, Some("a")), (Some("a".into()), false));
        // A pick that is gone falls back to the track that asks.
        assert_eq!(choice(src, Some("gone")), (Some("b".into()), false));
        assert_eq!(
            choice("a: s(\"bd\")\nb: s(\"hh\").fscope()", None),
            (Some("b".into()), true)
        );
        assert_eq!(choice("a: s(\"bd\")", None), (None, false));
    }
}
