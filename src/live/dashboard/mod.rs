//! The full-screen live view of `weft play` (and `weft repl`): the
//! program's text with the atoms of the sounding events lit, one lane per
//! track (a pianoroll or punchcard of a few cycles around now, with meters),
//! the master's meters and scope, the clock, the engine's health and the
//! last messages.
//!
//! Drawing is a pure function of a [`Snapshot`], a plain struct the control
//! loop fills ([`render::draw`]; tested with ratatui's `TestBackend`). The
//! terminal is driven by its own thread ([`terminal::Ui`]): the control
//! loop hands it the latest snapshot without waiting, so a slow terminal
//! never delays scheduling; keys come back as [`Action`]s.

pub mod lanes;
pub mod meters;
pub mod render;
pub mod spectrum;
pub mod terminal;

pub use lanes::Lane;
pub use meters::Meter;

/// Everything the view shows, at one moment.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The file (or "REPL") playing.
    pub title: String,
    /// The source text of the version playing.
    pub source: String,
    /// Byte ranges of `source` whose events sound now.
    pub active: Vec<(usize, usize)>,
    pub tracks: Vec<TrackView>,
    /// The track whose keys (`m`, `s`) act on.
    pub selected: usize,
    pub master: Meter,
    /// The scope: the latest samples, −1..1 (the master's, or those of
    /// the track named in `scope_of`).
    pub scope: Vec<f32>,
    pub scope_of: Option<String>,
    /// The spectrum of the same samples, drawn instead of the scope when
    /// set (`.spectrum()`, `.fscope()`, or the key `f`).
    pub spectrum: Option<spectrum::Spectrum>,
    pub clock: Clock,
    pub messages: Vec<Line>,
    pub view: View,
    /// The REPL's prompt (text and cursor, in characters), when there is one.
    pub prompt: Option<(String, usize)>,
    /// Whether keys go to the prompt (else to the view and the patterns).
    pub prompt_focus: bool,
}

/// A message with the time it was said (`HH:MM:SS`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Line {
    pub time: String,
    pub text: String,
}

/// Position, tempo and the engine's health.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Clock {
    pub cycle: f64,
    pub beats_per_cycle: f64,
    pub bpm: f64,
    pub section: Option<String>,
    pub voices: u32,
    /// Callback time per audio time.
    pub load: f32,
    pub xruns: u64,
    /// Computer keys held (for `keyDown`/`whenKey`).
    pub keys: Vec<String>,
}

impl Clock {
    /// "bar 3.2": the bar and beat (from 1).
    pub fn bar_beat(&self) -> String {
        let per = self.beats_per_cycle.max(1.0);
        let beats = self.cycle * self.beats_per_cycle;
        let bar = (beats / per).floor() as i64 + 1;
        let beat = beats.rem_euclid(per).floor() as i64 + 1;
        format!("bar {bar}.{beat}")
    }
}

/// One track as shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackView {
    pub name: String,
    pub muted: bool,
    pub solo: bool,
    /// `.pianoroll()`/`._punchcard()`: a tall lane.
    pub tall: bool,
    pub lane: Lane,
    pub meter: Meter,
}

/// What fills the screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    /// Code, tracks and master together.
    #[default]
    All,
    /// The code alone (for projecting).
    Code,
    /// The tracks' lanes alone.
    Tracks,
}

impl View {
    pub fn next(self) -> View {
        match self {
            View::All => View::Code,
            View::Code => View::Tracks,
            View::Tracks => View::All,
        }
    }
}

/// What a key asks the control loop to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Hush,
    /// Mute or unmute a track (by name).
    ToggleMute(String),
    /// Solo a track, or clear the solos when it is the one soloed.
    ToggleSolo(String),
    /// Play the next (+1) or previous (−1) section from the next cycle.
    Section(i32),
    /// A line typed at the prompt.
    Entry(String),
    /// Show this track's scope (or, when it is already shown, go back to
    /// the one the program asks for).
    Scope(String),
    /// Switch the scope's panel between the waveform and the spectrum.
    ToggleSpectrum,
    /// Record a take (of the input, else of this track: the one selected).
    Take(Option<String>),
}

/// The keys of the view, for the help line.
pub const HELP: &str =
    "1-9 mute · ↑↓ select · m mute · s solo · t take · o scope · f spectrum · h hush · [ ] section · v view · q quit";
/// The help line while the REPL's prompt has the keys.
pub const PROMPT_HELP: &str = "Enter run · ↑↓ history · Tab (empty prompt) view keys · Ctrl-D quit";

#[cfg(test)]
mod tests;
