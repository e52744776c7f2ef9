//! Whole programs: source → `Program` (tempo, tracks, instruments, effect
//! chains, sections and the song).
//!
//! A program is a list of statements. Evaluation is per statement: a broken
//! statement is reported and skipped, the rest still count, so one typo
//! never silences the other tracks (the engine keeps a failed track's
//! previous version; see [`Evaluation::failed_tracks`]).

use crate::ast::{Expr, ExprKind, Stmt, StmtKind};
use crate::density::{find_hint, too_dense_message, DenseHint};
use crate::diagnostics::Diagnostic;
use crate::eval::{eval, in_file, reset_budget, to_diagnostic, Env};
use crate::graph::{Graph, Instrument};
use crate::graph_eval::{in_graph_mode, set_tempo, to_graph};
use crate::lexer::SrcSpan;
use crate::library::{registry::native_fn_owned, reify, Pat};
use crate::parser::parse_program;
use crate::pattern::{query_within, silence, stepcat, Budget, State, TooDense};
use crate::sample_source::{known_names, parse_map, value_to_json, MapNames, SampleSource};
use crate::span::Span;
use crate::time::Time;
use crate::value::{RtError, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where a track's events go.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Output {
    /// Synthesised and mixed into the audio output (the default).
    #[default]
    Audio,
    /// Sent as MIDI notes to a port and channel (1–16).
    Midi { port: String, channel: u8 },
    /// Sent as OSC messages (`/dirt/play`) to a host and port.
    Osc { host: String, port: u16 },
}

/// A named pattern that plays.
#[derive(Clone, Debug)]
pub struct Track {
    pub name: String,
    pub pattern: Pat,
    /// `_name:` — defined but silent.
    pub muted: bool,
    /// `name!:` — soloed.
    pub solo: bool,
    /// Track gain (linear, default 1, `.volume(…)`) and stereo position
    /// (0–1, default 0.5, `.balance(…)`).
    pub gain: f64,
    pub pan: f64,
    /// Effect chain applied to the track's mixed audio (`Input` = the track).
    pub fx: Option<Graph>,
    /// A continuous sound the track plays besides its notes: a track
    /// written as a sound graph (`mic: input(1).fx(…)`).
    pub signal: Option<Graph>,
    pub output: Output,
    /// How the track asks to be shown (`.pianoroll()`, `._scope()`, …),
    /// in the order written.
    pub visuals: Vec<Visual>,
    /// The source text of the track's expression (to tell what changed).
    pub source: String,
    /// Where `source` starts in its file (to point at a literal in it).
    pub source_start: usize,
    pub span: SrcSpan,
    /// Where in the source the track's density most likely comes from,
    /// for the message when it is too dense to play.
    pub hint: Option<DenseHint>,
}

/// A picture a track asks for, as Strudel's drawing methods do.
#[derive(Clone, Debug, PartialEq)]
pub struct Visual {
    /// `pianoroll`, `punchcard`, `wordfall`, `spiral`, `pitchwheel`,
    /// `scope`, `fscope`, `spectrum` (without the leading `_`).
    pub kind: String,
    /// Written with a leading `_`: drawn inline, under the code.
    pub inline: bool,
    /// The options as written (`{ fold: 1 }`), empty if none.
    pub options: String,
}

impl Track {
    /// A plain audio track.
    pub fn new(name: impl Into<String>, pattern: Pat) -> Track {
        Track {
            name: name.into(),
            pattern,
            muted: false,
            solo: false,
            gain: 1.0,
            pan: 0.5,
            fx: None,
            signal: None,
            output: Output::Audio,
            visuals: Vec::new(),
            source: String::new(),
            source_start: 0,
            span: 0..0,
            hint: None,
        }
    }

    /// The message for this track when its query was stopped (see
    /// [`crate::pattern::query_within`]).
    pub fn too_dense_message(&self, e: &TooDense) -> String {
        too_dense_message(Some(&self.name), e, self.hint.as_ref())
    }

    /// The chain the track's strip runs: its signal (if any) mixed with
    /// its notes, then its effects.
    pub fn chain(&self) -> Option<Graph> {
        let Some(signal) = &self.signal else {
            return self.fx.clone();
        };
        let source = Graph::Node(crate::graph::Prim::Add, vec![Graph::Input, signal.clone()]);
        Some(match &self.fx {
            Some(fx) => source.pipe(fx),
            None => source,
        })
    }

    /// True when playing `self` instead of `other` changes nothing.
    pub fn same_as(&self, other: &Track) -> bool {
        self.source == other.source
            && self.muted == other.muted
            && self.solo == other.solo
            && self.gain == other.gain
            && self.pan == other.pan
            && self.fx == other.fx
            && self.signal == other.signal
            && self.output == other.output
            && self.visuals == other.visuals
    }
}

/// A tempo change: from cycle `at` on, `cps` cycles per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TempoChange {
    pub at: Time,
    pub cps: f64,
}

/// Where a section sits in the song.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionInfo {
    pub name: String,
    pub start: Time,
    pub length: Time,
}

/// The result of evaluating a program: plain data the engine plays and
/// compares with the previous program, track by track.
#[derive(Clone, Debug)]
pub struct Program {
    /// Cycles per second at cycle 0.
    pub cps: f64,
    /// Beats per cycle (for bars and beats in displays; default 4).
    pub beats_per_cycle: f64,
    /// Later tempo changes, in order of `at` (exact cycle positions).
    /// With a song they repeat every `song_length` cycles.
    pub tempo_changes: Vec<TempoChange>,
    pub tracks: Vec<Track>,
    /// Instruments defined by the program (`instrument name(…) = …`);
    /// they take precedence over the standard library's.
    pub instruments: Vec<Instrument>,
    /// Effect chain on the master bus (before the safety limiter).
    pub master: Option<Graph>,
    /// The song's sections in playing order (empty without a song).
    pub sections: Vec<SectionInfo>,
    /// Length of the song in cycles (it loops), if there is one.
    pub song_length: Option<Time>,
    /// Where samples come from (folders laid out like Dirt-Samples, sample
    /// maps by address or written in the program): the command line's
    /// `--samples` first, then each `samples(…)` statement in order. A later
    /// source wins a sound name an earlier one also has.
    pub sample_sources: Vec<SampleSource>,
    /// MIDI inputs the program reads (`midin('port')`), to be opened by
    /// whoever plays it.
    pub midi_inputs: Vec<String>,
    /// Sample edits (`editSample(…)`), applied when the sounds load.
    pub sample_edits: Vec<(String, crate::sample_edit::SampleEdit)>,
    /// Takes the program asks for (`take('voice', 4)`), in order; a live
    /// session starts each when it first appears or changes.
    pub takes: Vec<crate::takes::TakeLine>,
}

impl Default for Program {
    fn default() -> Program {
        Program {
            cps: 0.5,
            beats_per_cycle: 4.0,
            tempo_changes: Vec::new(),
            tracks: Vec::new(),
            instruments: Vec::new(),
            master: None,
            sections: Vec::new(),
            song_length: None,
            sample_sources: Vec::new(),
            midi_inputs: Vec::new(),
            sample_edits: Vec::new(),
            takes: Vec::new(),
        }
    }
}

impl Program {
    pub fn track(&self, name: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.name == name)
    }

    pub fn instrument(&self, name: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.name == name)
    }

    /// The tracks that sound: not muted, and soloed ones only if any is soloed.
    pub fn audible(&self) -> impl Iterator<Item = &Track> {
        let any_solo = self.tracks.iter().any(|t| t.solo);
        self.tracks
            .iter()
            .filter(move |t| !t.muted && (!any_solo || t.solo))
    }

    /// The section a cycle falls in.
    pub fn section_at(&self, cycle: Time) -> Option<&SectionInfo> {
        let len = self.song_length?;
        let pos = cycle.rem_euclid(len);
        self.sections
            .iter()
            .find(|s| s.start <= pos && pos < s.start + s.length)
    }
}

/// What evaluating a program gives.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
    /// Tracks whose definition failed (the engine keeps their previous version).
    pub failed_tracks: Vec<String>,
    /// Files read through `import` (to watch them as well).
    pub imports: Vec<PathBuf>,
    /// Sources of imported files, for rendering diagnostics.
    pub sources: HashMap<String, String>,
    /// Every `instrument` and `effect` definition with its doc comment
    /// (`///` lines just above it), in source order.
    pub definitions: Vec<Definition>,
}

/// An `instrument` or `effect` definition as written, for documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub name: String,
    pub is_effect: bool,
    /// Parameters with the source text of their defaults (empty if none).
    pub params: Vec<(String, String)>,
    /// The `///` comment lines above the definition, without the slashes.
    pub doc: String,
    /// The file it is in (`None`: the main source).
    pub file: Option<Arc<str>>,
}

/// The `///` lines directly above byte `start` of `src`, joined by newlines.
pub fn doc_comment(src: &str, start: usize) -> String {
    let before = src[..start.min(src.len())].trim_end_matches([' ', '\t']);
    if !before.is_empty() && !before.ends_with('\n') {
        return String::new();
    }
    let mut lines: Vec<&str> = Vec::new();
    for line in before.lines().rev() {
        match line.trim().strip_prefix("///") {
            Some(d) => lines.push(d.strip_prefix(' ').unwrap_or(d).trim_end()),
            None => break,
        }
    }
    lines.reverse();
    lines.join("\n")
}

/// The short form of a drum machine name used in instrument names:
/// `"RolandTR909"`, `"TR-909"` and `"tr909"` all give `"tr909"`.
pub fn bank_prefix(bank: &str) -> String {
    let lower: String = bank
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    lower
        .strip_prefix("roland")
        .map(str::to_string)
        .unwrap_or(lower)
}

/// The sound names a sample folder provides: its subfolders that hold
/// at least one WAV, FLAC or Ogg file (sorted).
pub fn sample_names(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let has_audio = std::fs::read_dir(&path)
            .map(|it| it.flatten().any(|e| is_audio_file(&e.path())))
            .unwrap_or(false);
        if has_audio {
            out.push(name.to_string());
        }
    }
    out.sort();
    Ok(out)
}

/// True for the file types sample folders may hold (by extension).
pub fn is_audio_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "wav" | "wave" | "flac" | "ogg" | "oga"
        )
    })
}

/// Options for evaluation.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// The file being evaluated (imports are relative to it).
    pub file: Option<PathBuf>,
    /// Sound names that exist besides the program's own instruments (the
    /// standard library's instruments, drums and loaded samples). When
    /// given, unknown `s` names in the first cycles are reported.
    pub known_sounds: Option<Vec<String>>,
    /// Sample sources given on the command line (`--samples`): they come
    /// first in `Program::sample_sources` and their sounds are known.
    pub sample_sources: Vec<SampleSource>,
    /// The sound names of sample maps given by address, from the download
    /// cache (without it, or while a map is not cached, unknown sound names
    /// are not reported for programs that use such maps).
    pub sample_map_names: Option<MapNames>,
    /// Sources evaluated before the program, in the same scope (the
    /// standard library's effects): `(file name, source)`. Their tracks and
    /// instruments are not part of the program.
    pub prelude: Vec<(String, Arc<str>)>,
}

/// Methods that apply to a whole track (written last on a track).
pub const TRACK_METHODS: &[&str] = &["fx", "volume", "balance"];

/// Methods that send a track elsewhere instead of synthesising it; they
/// may be written anywhere in a track's chain.
pub const OUTPUT_METHODS: &[&str] = &["midi", "osc"];

/// Drawing methods a track may carry (with or without a leading `_`).
pub const VISUAL_METHODS: &[&str] = &[
    "pianoroll",
    "punchcard",
    "wordfall",
    "spiral",
    "pitchwheel",
    "scope",
    "tscope",
    "fscope",
    "spectrum",
];

#[derive(Default)]
struct Settings {
    cps: Option<f64>,
    beats: Option<f64>,
    /// Sources named by `samples(…)`, in order.
    sample_sources: Vec<SampleSource>,
    /// `all(f)`: functions applied to all tracks together, in order.
    all: Vec<Value>,
    /// `each(f)`: a function applied to each track.
    each: Option<Value>,
    /// `hush()` was called: the tracks defined so far are dropped.
    hushed: bool,
    /// Ports named by `midin(…)`.
    midi_inputs: Vec<String>,
}

/// `samples(…)`: records where samples come from — a folder (relative to
/// the program file), the address of a sample map (`https://…`, `github:…`,
/// `shabda:…`) or a map written in the program, with an optional base
/// address. Folders and written maps are checked here; addresses are only
/// recorded (the engine downloads them).
fn samples_fn(settings: &Arc<Mutex<Settings>>, base: Option<PathBuf>) -> Value {
    let s = settings.clone();
    native_fn_owned("samples", move |args| {
        let base_url = match args.get(1) {
            None | Some(Value::Undefined) | Some(Value::Null) => None,
            Some(Value::Str(b)) => Some(b.to_string()),
            Some(other) => {
                return Err(RtError::new(format!(
                    "samples: the base address must be a string, not {}",
                    other.type_name()
                ))
                .with_code("E0230"))
            }
        };
        let source = match args.first() {
            Some(Value::Str(arg)) => text_source(arg, base.as_deref(), base_url)?,
            Some(map @ Value::Map(_)) => map_source(map, base.clone(), base_url)?,
            _ => {
                return Err(RtError::new(
                    "samples: give a folder, the address of a sample map or a map, e.g. samples('github:tidalcycles/dirt-samples')",
                )
                .with_code("E0230"))
            }
        };
        let mut st = s.lock().unwrap();
        if !st.sample_sources.contains(&source) {
            st.sample_sources.push(source);
        }
        Ok(Value::Undefined)
    })
}

/// `samples('…')`: an address (recorded as written) or a folder (which
/// must be readable).
fn text_source(
    arg: &str,
    dir: Option<&Path>,
    base_url: Option<String>,
) -> Result<SampleSource, RtError> {
    let written = arg.trim();
    let source = SampleSource::from_text(written, dir)
        .map_err(|e| RtError::new(format!("samples: {e}")).with_code("E0230"))?;
    let full = match source {
        SampleSource::Url { url, .. } => {
            return Ok(SampleSource::Url {
                url,
                base: base_url,
            })
        }
        SampleSource::Folder(full) => full,
        other => return Ok(other),
    };
    match std::fs::metadata(&full) {
        Ok(m) if m.is_dir() => Ok(SampleSource::Folder(full)),
        Ok(_) => Err(
            RtError::new(format!("samples: `{written}` is a file, not a folder"))
                .with_help("give the folder that holds one subfolder per sound (bd/, sd/, …), or the address of a sample map")
                .with_code("E0230"),
        ),
        Err(e) => Err(RtError::new(format!(
            "samples: cannot read the folder `{written}`: {e}"
        ))
        .with_help("paths are relative to the program file; `~/` is your home folder; addresses start with https://, github: or shabda:")
        .with_code("E0230")),
    }
}

/// `samples({ bd: 'bd/a.wav', … }, base)`: a map written in the program,
/// checked entry by entry (any wrong entry is an error naming it).
fn map_source(
    map: &Value,
    dir: Option<PathBuf>,
    base_url: Option<String>,
) -> Result<SampleSource, RtError> {
    let bad = |e: String| RtError::new(format!("samples: {e}")).with_code("E0231");
    let json = value_to_json(map).map_err(|e| bad(format!("a sample map holds {e}")))?;
    let parsed = parse_map(&json).map_err(bad)?;
    if let Some(p) = parsed.problem_summary() {
        return Err(bad(format!("the map has {p}")).with_help(
            "each sound is a file name, a list of file names, or an object of notes such as { g2: 'moog/g2.wav' }",
        ));
    }
    Ok(SampleSource::Map {
        map: Arc::new(parsed),
        base: base_url,
        dir,
    })
}

fn tempo_fn(
    settings: &Arc<Mutex<Settings>>,
    name: &'static str,
    to_cps: fn(&[f64]) -> (f64, Option<f64>),
) -> Value {
    let s = settings.clone();
    native_fn_owned(name, move |args| {
        let nums: Vec<f64> = args.iter().map(|a| a.to_number()).collect();
        let (cps, beats) = to_cps(&nums);
        if !(cps.is_finite() && cps > 0.0 && cps < 1000.0) {
            return Err(
                RtError::new(format!("{name}: the tempo must be a positive number"))
                    .with_code("E0202"),
            );
        }
        let mut s = s.lock().unwrap();
        s.cps = Some(cps);
        if beats.is_some() {
            s.beats = beats;
        }
        set_tempo(cps, s.beats.unwrap_or(4.0));
        Ok(Value::Num(cps))
    })
}

/// The functions of Strudel's REPL that act on the whole program: `all`,
/// `each`, `hush`, and `cpm` (which reads the tempo set so far).
fn repl_functions(settings: &Arc<Mutex<Settings>>, env: &Env) {
    let s = settings.clone();
    env.set(
        "all",
        native_fn_owned("all", move |args| {
            let f = transform_arg("all", &args)?;
            s.lock().unwrap().all.push(f);
            Ok(Value::Pat(silence()))
        }),
    );
    let s = settings.clone();
    env.set(
        "each",
        native_fn_owned("each", move |args| {
            let f = transform_arg("each", &args)?;
            s.lock().unwrap().each = Some(f);
            Ok(Value::Pat(silence()))
        }),
    );
    let s = settings.clone();
    env.set(
        "hush",
        native_fn_owned("hush", move |_| {
            let mut st = s.lock().unwrap();
            st.hushed = true;
            st.all.clear();
            st.each = None;
            Ok(Value::Pat(silence()))
        }),
    );
    let s = settings.clone();
    let cpm = move |cpm: &Value, pat: &Value| -> Result<Value, RtError> {
        let cps = s.lock().unwrap().cps.unwrap_or(0.5);
        let factor = Value::Num(cpm.to_number() / 60.0 / cps);
        crate::eval::call_method(pat, "fast", vec![factor])
    };
    let cpm = Arc::new(cpm);
    let global = cpm.clone();
    env.set(
        "cpm",
        native_fn_owned("cpm", move |args| match args.as_slice() {
            [c, pat, ..] => global(c, pat),
            _ => Err(RtError::new("cpm needs cycles per minute and a pattern").with_code("E0203")),
        }),
    );
    let s = settings.clone();
    env.set(
        "midin",
        native_fn_owned("midin", move |args| {
            let port = match args.first() {
                Some(Value::Str(p)) => p.to_string(),
                Some(Value::Pat(p)) if p.pure_value.is_some() => {
                    p.pure_value.as_ref().unwrap().to_js_string()
                }
                _ => {
                    return Err(RtError::new(
                        "midin needs the name of a MIDI input, e.g. midin('nanoKONTROL')",
                    )
                    .with_code("E0202"))
                }
            };
            let mut st = s.lock().unwrap();
            if !st.midi_inputs.contains(&port) {
                st.midi_inputs.push(port);
            }
            Ok(crate::library::midi_in::controller_reader())
        }),
    );
    env.set("slider", native_fn_owned("slider", slider_value));
    env.set(
        "sliderWithID",
        native_fn_owned("sliderWithID", |args| {
            slider_value(args.into_iter().skip(1).collect())
        }),
    );
    env.set(
        "Pattern.prototype.cpm",
        native_fn_owned("cpm", move |args| {
            let this = crate::eval::take_this();
            let c = args.first().cloned().unwrap_or(Value::Undefined);
            cpm(&c, &this)
        }),
    );
}

/// `slider(value, min, max)`: a knob in Strudel's editor; here its value.
fn slider_value(args: Vec<Value>) -> Result<Value, RtError> {
    Ok(Value::Pat(crate::pattern::pure(
        args.first().cloned().unwrap_or(Value::Num(0.0)),
    )))
}

fn transform_arg(name: &str, args: &[Value]) -> Result<Value, RtError> {
    match args.first() {
        Some(f @ Value::Func(_)) => Ok(f.clone()),
        _ => Err(RtError::new(format!(
            "{name} needs a function, e.g. {name}(x => x.fast(2))"
        ))
        .with_code("E0202")),
    }
}

/// A section as a value: its tracks, and its tempo if it sets one.
struct SectionValue {
    name: String,
    tracks: Vec<Track>,
    cps: Option<f64>,
}

struct Evaluator<'a> {
    options: &'a EvalOptions,
    out: Evaluation,
    settings: Arc<Mutex<Settings>>,
    sections: HashMap<String, Arc<SectionValue>>,
    anonymous: usize,
    importing: Vec<PathBuf>,
    /// The program's last statement when it is a bare pattern: it plays
    /// if no track is named (as in Strudel, where the last expression is
    /// the program's pattern unless `$:`/`name:` patterns exist).
    last_bare: Option<Track>,
    /// Whether the top-level statement being run is the source's last.
    at_last_statement: bool,
    /// `take(…)` lines met so far.
    takes: crate::takes::Lines,
}

/// How bare pattern statements play: at the top of a program only the last
/// statement's (Strudel's rule); inside a section, every one.
#[derive(Clone, Copy, PartialEq)]
enum Bare {
    LastOnly,
    All,
}

/// Evaluates program source (imports are relative to the working directory).
pub fn evaluate(src: &str) -> (Program, Vec<Diagnostic>) {
    let e = evaluate_with(src, &EvalOptions::default());
    (e.program, e.diagnostics)
}

/// Evaluates a program file.
pub fn evaluate_file(path: &Path, options: &EvalOptions) -> Result<Evaluation, String> {
    let src = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let options = EvalOptions {
        file: Some(path.to_path_buf()),
        ..options.clone()
    };
    Ok(evaluate_with(&src, &options))
}

/// Evaluates program source with options.
pub fn evaluate_with(src: &str, options: &EvalOptions) -> Evaluation {
    crate::pattern::take_query_warnings();
    // Voicing dictionaries, the last voicing and `useRNG` belong to one
    // evaluation: nothing carries over from the previous program.
    crate::library::voicing_fns::reset_program_state();
    let settings = Arc::new(Mutex::new(Settings::default()));
    set_tempo(0.5, 4.0);
    let env = Env::new();
    env.set(
        "setcps",
        tempo_fn(&settings, "setcps", |a| {
            (a.first().copied().unwrap_or(f64::NAN), None)
        }),
    );
    env.set(
        "setCps",
        tempo_fn(&settings, "setCps", |a| {
            (a.first().copied().unwrap_or(f64::NAN), None)
        }),
    );
    env.set(
        "setcpm",
        tempo_fn(&settings, "setcpm", |a| {
            (a.first().copied().unwrap_or(f64::NAN) / 60.0, None)
        }),
    );
    env.set(
        "setCpm",
        tempo_fn(&settings, "setCpm", |a| {
            (a.first().copied().unwrap_or(f64::NAN) / 60.0, None)
        }),
    );
    env.set(
        "bpm",
        tempo_fn(&settings, "bpm", |a| {
            let beats = a.get(1).copied().unwrap_or(4.0);
            (
                a.first().copied().unwrap_or(f64::NAN) / 60.0 / beats,
                Some(beats),
            )
        }),
    );
    let base = options
        .file
        .as_ref()
        .and_then(|f| f.parent().map(Path::to_path_buf));
    env.set("samples", samples_fn(&settings, base));
    let edits = crate::sample_edit::Edits::default();
    env.set("editSample", crate::sample_edit::edit_sample_fn(&edits));
    let takes = crate::takes::Lines::default();
    env.set("take", crate::takes::take_fn(&takes));
    repl_functions(&settings, &env);
    let mut ev = Evaluator {
        options,
        out: Evaluation::default(),
        settings: settings.clone(),
        sections: HashMap::new(),
        anonymous: 0,
        importing: options.file.iter().cloned().collect(),
        last_bare: None,
        at_last_statement: false,
        takes,
    };
    let mut env = Arc::new(env);
    let mut tracks = Vec::new();
    for (name, prelude) in &options.prelude {
        let mut ignored = Vec::new();
        let before = ev.out.program.instruments.len();
        ev.run_source(prelude, Some(name.as_str().into()), &mut env, &mut ignored);
        ev.out.program.instruments.truncate(before);
        ev.out.definitions.clear();
    }
    ev.run_source(src, None, &mut env, &mut tracks);
    ev.play_last_bare(&mut tracks);
    ev.apply_all_and_each(&mut tracks);
    ev.out.program.tracks.extend(tracks);
    {
        let s = settings.lock().unwrap();
        if let Some(cps) = s.cps {
            ev.out.program.cps = cps;
        }
        if let Some(b) = s.beats {
            ev.out.program.beats_per_cycle = b;
        }
        let mut sources = options.sample_sources.clone();
        for d in &s.sample_sources {
            if !sources.contains(d) {
                sources.push(d.clone());
            }
        }
        ev.out.program.sample_sources = sources;
        ev.out.program.midi_inputs = s.midi_inputs.clone();
    }
    ev.out.program.sample_edits = edits.lock().unwrap().clone();
    ev.resolve_takes();
    ev.check_sounds();
    ev.out
}

impl Evaluator<'_> {
    fn run_source(
        &mut self,
        src: &str,
        file: Option<Arc<str>>,
        env: &mut Arc<Env>,
        tracks: &mut Vec<Track>,
    ) {
        let (mut stmts, diags) = parse_program(src);
        assign_widget_ids(&mut stmts);
        register_params(&stmts);
        self.out
            .diagnostics
            .extend(diags.into_iter().map(|d| d.in_file(file.clone())));
        in_file(file.clone(), || {
            if let Err(e) = crate::eval::hoist_functions(&stmts, env) {
                self.diag(to_diagnostic(&e), &file);
            }
            let last = stmts.len().saturating_sub(1);
            for (i, stmt) in stmts.iter().enumerate() {
                reset_budget();
                self.at_last_statement = i == last;
                self.exec(stmt, src, &file, env, tracks, Bare::LastOnly);
                self.report_eval_messages(stmt, &file);
                self.place_takes(stmt, &file);
                let hushed = std::mem::take(&mut self.settings.lock().unwrap().hushed);
                if hushed {
                    tracks.clear();
                    self.last_bare = None;
                }
            }
            self.at_last_statement = false;
        });
    }

    /// The `take(…)` lines the statement just run wrote are at that
    /// statement (for diagnostics found once the tracks are known).
    fn place_takes(&mut self, stmt: &Stmt, file: &Option<Arc<str>>) {
        for w in self.takes.lock().unwrap().iter_mut() {
            if w.at.is_none() {
                w.at = Some((stmt.span.clone(), file.clone()));
            }
        }
    }

    /// Checks that the tracks the takes record from exist and puts the
    /// good take lines into the program.
    fn resolve_takes(&mut self) {
        use crate::takes::TakeFrom;
        let written = std::mem::take(&mut *self.takes.lock().unwrap());
        for w in written {
            if let TakeFrom::Track(t) = &w.line.from {
                if self.out.program.track(t).is_none() {
                    let names = self.out.program.tracks.iter().map(|t| t.name.as_str());
                    let mut d =
                        Diagnostic::error("E0233", format!("take: no track is called `{t}`"))
                            .label("records from it")
                            .help(match crate::diagnostics::did_you_mean(t, names) {
                                Some(c) => format!(
                                    "did you mean `{c}`? (`from` is 'input', 'master' or a track)"
                                ),
                                None => {
                                    "`from` is 'input', 'master' or the name of a track".to_string()
                                }
                            });
                    let mut file = None;
                    if let Some((span, f)) = w.at {
                        d = d.at(span);
                        file = f;
                    }
                    self.diag(d, &file);
                    continue;
                }
            }
            self.out.program.takes.push(w.line);
        }
    }

    /// Messages that functions printed while a statement ran (`console.log`,
    /// features weft ignores) become warnings at that statement.
    fn report_eval_messages(&mut self, stmt: &Stmt, file: &Option<Arc<str>>) {
        for message in crate::pattern::take_query_warnings() {
            self.diag(
                Diagnostic::warning("W0005", message).at(stmt.span.clone()),
                file,
            );
        }
    }

    /// Plays the program's last statement if it is a bare pattern and no
    /// track is named; otherwise says why it does not play.
    fn play_last_bare(&mut self, tracks: &mut Vec<Track>) {
        let Some(t) = self.last_bare.take() else {
            return;
        };
        if tracks.is_empty() {
            tracks.push(t);
        } else {
            self.out.diagnostics.push(
                Diagnostic::warning(
                    "W0004",
                    "this pattern does not play: the program names its tracks",
                )
                .at(t.span.clone())
                .label("not played")
                .help("give it a name too, e.g. `$: …` or `lead: …`"),
            );
        }
    }

    /// `each(f)` and `all(f)`: `each` transforms every track; `all`
    /// transforms the tracks stacked together, and the result is split
    /// back into the tracks (each event stays with the track it came from,
    /// so they keep their own mixing).
    fn apply_all_and_each(&mut self, tracks: &mut [Track]) {
        let (all, each) = {
            let s = self.settings.lock().unwrap();
            (s.all.clone(), s.each.clone())
        };
        if let Some(f) = each {
            for t in tracks.iter_mut() {
                match crate::library::apply_fn(&f, &t.pattern) {
                    Ok(p) => t.pattern = p,
                    Err(e) => self.out.diagnostics.push(to_diagnostic(&e)),
                }
            }
        }
        if all.is_empty() {
            return;
        }
        let any_solo = tracks.iter().any(|t| t.solo);
        let playing: Vec<usize> = (0..tracks.len())
            .filter(|&i| !tracks[i].muted && (!any_solo || tracks[i].solo))
            .collect();
        let tagged: Vec<Pat> = playing
            .iter()
            .map(|&i| tag_track(&tracks[i].pattern, i as u32))
            .collect();
        let mut together = crate::pattern::stack(tagged);
        for f in &all {
            match crate::library::apply_fn(f, &together) {
                Ok(p) => together = p,
                Err(e) => {
                    self.out.diagnostics.push(to_diagnostic(&e));
                    return;
                }
            }
        }
        let first = playing.first().copied();
        for &i in &playing {
            let untagged_here = Some(i) == first;
            tracks[i].pattern = track_part(&together, i as u32, untagged_here);
        }
    }

    fn diag(&mut self, d: Diagnostic, file: &Option<Arc<str>>) {
        let d = if d.file.is_none() {
            d.in_file(file.clone())
        } else {
            d
        };
        self.out.diagnostics.push(d);
    }

    fn exec(
        &mut self,
        stmt: &Stmt,
        src: &str,
        file: &Option<Arc<str>>,
        env: &mut Arc<Env>,
        tracks: &mut Vec<Track>,
        bare: Bare,
    ) {
        match &stmt.kind {
            StmtKind::Destructure { .. }
            | StmtKind::Function { .. }
            | StmtKind::If { .. }
            | StmtKind::For { .. }
            | StmtKind::ForOf { .. }
            | StmtKind::Return(_) => {
                if let Err(e) = crate::eval::exec_stmt(stmt, env) {
                    self.diag(to_diagnostic(&e), file);
                }
            }
            StmtKind::Let { name, value, .. } => match eval(value, env) {
                Ok(v) => env.set(name.clone(), v),
                Err(e) => self.diag(to_diagnostic(&e), file),
            },
            StmtKind::Track {
                name,
                name_span,
                flags,
                value,
            } => match name.as_str() {
                "master" => self.master(value, env, file),
                "song" => self.song(value, env, file),
                _ => self.add_track(name, name_span, *flags, value, stmt, src, file, env, tracks),
            },
            StmtKind::Expr(e) => {
                if calls(e, "initHydra") {
                    bind_hydra_names(env);
                }
                if let Some((inner, label)) = track_call(e) {
                    match label {
                        TrackCall::Named(label_expr) => {
                            let label = match eval(label_expr, env) {
                                Ok(v) => v.to_js_string(),
                                Err(err) => return self.diag(to_diagnostic(&err), file),
                            };
                            let (name, muted) = strudel_label(&label);
                            let flags = crate::ast::TrackFlags { muted, solo: false };
                            self.add_track(
                                &name,
                                &label_expr.span,
                                flags,
                                inner,
                                stmt,
                                src,
                                file,
                                env,
                                tracks,
                            );
                        }
                        TrackCall::Numbered(n) => {
                            let flags = crate::ast::TrackFlags::default();
                            self.add_track(&n, &e.span, flags, inner, stmt, src, file, env, tracks);
                        }
                        TrackCall::Quiet => {
                            if let Err(err) = eval(inner, env) {
                                self.diag(to_diagnostic(&err), file);
                            }
                        }
                    }
                    return;
                }
                match self.track(None, e, src, env) {
                    Ok(None) => {}
                    Ok(Some(t)) => {
                        let mut t = Track {
                            span: stmt.span.clone(),
                            hint: find_hint(e, src, file.clone()),
                            ..t
                        };
                        if bare == Bare::All {
                            self.anonymous += 1;
                            t.name = format!("${}", self.anonymous);
                            tracks.push(t);
                        } else if self.at_last_statement {
                            self.anonymous += 1;
                            t.name = format!("${}", self.anonymous);
                            self.last_bare = Some(t);
                        } else {
                            self.diag(
                                Diagnostic::warning(
                                    "W0004",
                                    "this pattern does not play: only the program's last statement plays when it is a bare pattern",
                                )
                                .at(stmt.span.clone())
                                .label("not played")
                                .help("name it to play it with the rest, e.g. `$: …` or `lead: …`"),
                                file,
                            );
                        }
                    }
                    Err(d) => self.diag(*d, file),
                }
            }
            StmtKind::Import { path, path_span } => self.import(path, path_span, file, env, tracks),
            StmtKind::Instrument {
                name,
                name_span,
                params,
                body,
                is_effect,
            } => {
                self.out.definitions.retain(|d| d.name != *name);
                self.out.definitions.push(Definition {
                    name: name.clone(),
                    is_effect: *is_effect,
                    params: params
                        .iter()
                        .map(|p| {
                            let default = p
                                .default
                                .as_ref()
                                .map(|d| src[d.span.clone()].to_string())
                                .unwrap_or_default();
                            (p.name.clone(), default)
                        })
                        .collect(),
                    doc: doc_comment(src, stmt.span.start),
                    file: file.clone(),
                });
                if *is_effect {
                    // An effect is a function building a graph.
                    let f = Expr::new(
                        ExprKind::Arrow {
                            params: params.clone(),
                            body: Box::new(body.clone()),
                            binds_this: false,
                        },
                        body.span.clone(),
                    );
                    match eval(&f, env) {
                        Ok(v) => env.set(name.clone(), graph_fn(v)),
                        Err(e) => self.diag(to_diagnostic(&e), file),
                    }
                    return;
                }
                match self.instrument(name, params, body, env) {
                    Ok(inst) => {
                        if self.out.program.instrument(name).is_some() {
                            self.diag(
                                Diagnostic::warning(
                                    "W0002",
                                    format!(
                                        "instrument `{name}` is defined twice; the later one wins"
                                    ),
                                )
                                .at(name_span.clone()),
                                file,
                            );
                            self.out.program.instruments.retain(|i| i.name != *name);
                        }
                        self.out.program.instruments.push(inst);
                    }
                    Err(e) => self.diag(to_diagnostic(&e), file),
                }
            }
            StmtKind::Section {
                name,
                name_span,
                body,
            } => {
                let mut section_env = Arc::new(Env::child(env.clone()));
                let mut section_tracks = Vec::new();
                let before = self.settings.lock().unwrap().cps;
                self.settings.lock().unwrap().cps = None;
                if let Err(e) = crate::eval::hoist_functions(body, &section_env) {
                    self.diag(to_diagnostic(&e), file);
                }
                for s in body {
                    reset_budget();
                    self.exec(
                        s,
                        src,
                        file,
                        &mut section_env,
                        &mut section_tracks,
                        Bare::All,
                    );
                }
                let cps = {
                    let mut set = self.settings.lock().unwrap();
                    let cps = set.cps;
                    set.cps = before;
                    set_tempo(before.unwrap_or(0.5), set.beats.unwrap_or(4.0));
                    cps
                };
                let value = Arc::new(SectionValue {
                    name: name.clone(),
                    tracks: section_tracks,
                    cps,
                });
                if self.sections.insert(name.clone(), value).is_some() {
                    self.diag(
                        Diagnostic::warning("W0003", format!("section `{name}` is defined twice"))
                            .at(name_span.clone()),
                        file,
                    );
                }
            }
            StmtKind::Error => {}
        }
    }

    /// A track: its pattern plus the track-level methods written last.
    /// Adds a named track (`name: pattern`, `pattern.p('name')`).
    #[allow(clippy::too_many_arguments)]
    fn add_track(
        &mut self,
        name: &str,
        name_span: &SrcSpan,
        flags: crate::ast::TrackFlags,
        value: &Expr,
        stmt: &Stmt,
        src: &str,
        file: &Option<Arc<str>>,
        env: &Arc<Env>,
        tracks: &mut Vec<Track>,
    ) {
        let name = if name == "$" {
            self.anonymous += 1;
            format!("${}", self.anonymous)
        } else {
            name.to_string()
        };
        match self.track(Some(&name), value, src, env) {
            Ok(Some(mut t)) => {
                t.muted = flags.muted;
                t.solo = flags.solo;
                t.span = stmt.span.clone();
                t.hint = find_hint(value, src, file.clone());
                if tracks.iter().any(|x| x.name == name) {
                    self.diag(
                        Diagnostic::warning(
                            "W0001",
                            format!("track `{name}` is defined twice; the later one wins"),
                        )
                        .at(name_span.clone())
                        .label("defined again here"),
                        file,
                    );
                    tracks.retain(|x| x.name != name);
                }
                tracks.push(t);
            }
            Ok(None) => {}
            Err(d) => {
                self.out.failed_tracks.push(name.clone());
                self.diag(
                    d.note(format!("track `{name}` keeps its previous version")),
                    file,
                );
            }
        }
    }

    /// A track: its pattern plus the track-level methods written last, the
    /// outputs (`.midi`, `.osc`) and pictures (`.pianoroll()`, …) asked
    /// for anywhere in its chain. A bare statement (`name` is `None`)
    /// whose value is not a pattern (`setcps(1)`) is no track.
    fn track(
        &mut self,
        name: Option<&str>,
        value: &Expr,
        src: &str,
        env: &Arc<Env>,
    ) -> Result<Option<Track>, Box<Diagnostic>> {
        let mut methods = Vec::new();
        let mut inner = value;
        while let ExprKind::Call { callee, args } = &inner.kind {
            match &callee.kind {
                ExprKind::Member { object, name, .. } if TRACK_METHODS.contains(&name.as_str()) => {
                    methods.push((name.as_str(), args.as_slice(), inner.span.clone()));
                    inner = object;
                }
                _ => break,
            }
        }
        let v = eval(inner, env).map_err(|e| Box::new(to_diagnostic(&e)))?;
        let mut signal = None;
        let pattern = match (v, name) {
            (Value::Pat(p), _) => p,
            // A sound graph (`input(1)`): a track that plays it continuously.
            (Value::Graph(g), Some(_)) => {
                signal = Some((*g).clone());
                crate::pattern::silence()
            }
            (v @ (Value::Str(_) | Value::Num(_)), Some(_)) => reify(&v),
            (_, None) => return Ok(None),
            (other, Some(name)) => {
                return Err(Box::new(
                    Diagnostic::error(
                        "E0202",
                        format!(
                            "track `{name}` must be a pattern, found {}",
                            other.type_name()
                        ),
                    )
                    .at(inner.span.clone())
                    .label("this is not a pattern")
                    .help("a track is a pattern such as s(\"bd sd\") or note(\"c e g\")"),
                ))
            }
        };
        let mut track = Track::new(name.unwrap_or(""), pattern);
        track.signal = signal;
        track.source = src[value.span.clone()].to_string();
        track.source_start = value.span.start;
        let chain = receiver_chain(inner);
        track.visuals = chain
            .iter()
            .rev()
            .filter_map(|(method, args, _)| visual_of(method, args, src))
            .collect();
        let outputs = chain
            .iter()
            .filter(|(m, _, _)| OUTPUT_METHODS.contains(m))
            .take(1)
            .map(|(m, a, s)| (*m, *a, s.clone()));
        for (method, args, span) in outputs.chain(methods.into_iter().rev()) {
            self.track_method(&mut track, method, args, env)
                .map_err(|mut e| {
                    if e.span.is_none() {
                        e.span = Some((span.start, span.end));
                    }
                    to_diagnostic(&e)
                })?;
        }
        Ok(Some(track))
    }

    fn track_method(
        &mut self,
        track: &mut Track,
        method: &str,
        args: &[Expr],
        env: &Arc<Env>,
    ) -> Result<(), RtError> {
        let num = |i: usize, what: &str| -> Result<f64, RtError> {
            let v = args
                .get(i)
                .ok_or_else(|| RtError::new(format!(".{method} needs {what}")).with_code("E0203"))
                .and_then(|e| eval(e, env))?;
            v.as_number().ok_or_else(|| {
                RtError::new(format!(
                    ".{method}: {what} must be a number, found {}",
                    v.type_name()
                ))
                .with_code("E0202")
            })
        };
        let text = |i: usize, what: &str| -> Result<String, RtError> {
            // A quoted name is taken literally (not as mini-notation).
            if let Some(Expr {
                kind: ExprKind::Mini { text, .. },
                ..
            }) = args.get(i)
            {
                return Ok(text.clone());
            }
            let v = args
                .get(i)
                .ok_or_else(|| RtError::new(format!(".{method} needs {what}")).with_code("E0203"))
                .and_then(|e| eval(e, env))?;
            match v {
                Value::Str(s) => Ok(s.to_string()),
                Value::Pat(p) => match &p.pure_value {
                    Some(v) => Ok(v.to_js_string()),
                    None => Ok(p
                        .query_arc(Time::ZERO, Time::ONE)
                        .first()
                        .map(|h| h.value.to_js_string())
                        .unwrap_or_default()),
                },
                other => Ok(other.to_js_string()),
            }
        };
        match method {
            "fx" => {
                let mut chain: Option<Graph> = None;
                for a in args {
                    let v = in_graph_mode(|| eval(a, env))?;
                    let g = to_graph(&v, "fx")?;
                    chain = Some(match chain {
                        None => g,
                        Some(prev) => prev.pipe(&g),
                    });
                }
                if let Some(g) = chain {
                    track.fx = Some(match track.fx.take() {
                        Some(prev) => prev.pipe(&g),
                        None => g,
                    });
                }
            }
            "volume" => track.gain = num(0, "the gain")?.max(0.0),
            "balance" => track.pan = num(0, "the position (0–1)")?.clamp(0.0, 1.0),
            "midi" => {
                // Without a port, weft's own virtual port (Strudel's
                // `.midi()` picks the first port it finds).
                let port = if args.is_empty() {
                    crate::library::visual_fns::VIRTUAL_MIDI_PORT.to_string()
                } else {
                    text(0, "a port name")?
                };
                let options = match args.get(1) {
                    Some(e) => Some(eval(e, env)?),
                    None => None,
                };
                let channel = match &options {
                    None => 1.0,
                    Some(Value::Map(m)) => m
                        .get("midichannel")
                        .or_else(|| m.get("channel"))
                        .map(|v| v.to_number())
                        .unwrap_or(1.0),
                    Some(_) => num(1, "the channel")?,
                };
                if !(1.0..=16.0).contains(&channel) {
                    return Err(RtError::new(".midi: the channel must be between 1 and 16")
                        .with_code("E0202"));
                }
                track.output = Output::Midi {
                    port,
                    channel: channel as u8,
                };
            }
            "osc" => {
                let host = if args.is_empty() {
                    "127.0.0.1".to_string()
                } else {
                    text(0, "a host")?
                };
                let port = if args.len() > 1 {
                    num(1, "the port")?
                } else {
                    57120.0
                };
                track.output = Output::Osc {
                    host,
                    port: port as u16,
                };
            }
            _ => unreachable!(),
        }
        Ok(())
    }

    fn instrument(
        &mut self,
        name: &str,
        params: &[crate::ast::Param],
        body: &Expr,
        env: &Arc<Env>,
    ) -> Result<Instrument, RtError> {
        let scope = Env::child(env.clone());
        let mut defaults = Vec::new();
        for p in params {
            let default = match &p.default {
                Some(d) => {
                    let v = eval(d, env)?;
                    v.as_number().ok_or_else(|| {
                        let mut e = RtError::new(format!(
                            "the default of `{}` must be a number, found {}",
                            p.name,
                            v.type_name()
                        ))
                        .with_code("E0202");
                        e.span = Some((d.span.start, d.span.end));
                        e
                    })?
                }
                None => 0.0,
            };
            defaults.push((p.name.clone(), default));
            scope.set(
                p.name.clone(),
                Value::Graph(Arc::new(Graph::Param(p.name.as_str().into()))),
            );
        }
        let scope = Arc::new(scope);
        let v = in_graph_mode(|| eval(body, &scope))?;
        let graph = match v {
            Value::Graph(g) => (*g).clone(),
            Value::Num(x) => Graph::Const(x),
            other => {
                let mut e = RtError::new(format!(
                    "instrument `{name}` must be a sound graph, found {}",
                    other.type_name()
                ))
                .with_help("build it from oscillators and filters: saw(freq) >> lpf(800) >> adsr(0.01, 0.1, 0.5, 0.2)")
                .with_code("E0202");
                e.span = Some((body.span.start, body.span.end));
                return Err(e);
            }
        };
        if graph.has_input() {
            let mut e = RtError::new(format!(
                "instrument `{name}` has an unconnected input"
            ))
            .with_help("start the chain with a source such as saw(freq); filters like lpf(800) need something fed into them with >>")
            .with_code("E0202");
            e.span = Some((body.span.start, body.span.end));
            return Err(e);
        }
        Ok(Instrument {
            name: name.to_string(),
            params: defaults,
            graph,
        })
    }

    fn master(&mut self, value: &Expr, env: &Arc<Env>, file: &Option<Arc<str>>) {
        match in_graph_mode(|| eval(value, env)).and_then(|v| to_graph(&v, "master")) {
            Ok(g) => self.out.program.master = Some(g),
            Err(e) => self.diag(to_diagnostic(&e), file),
        }
    }

    /// `song: arrange([4, intro], [8, verse], …)` (or a list of pairs).
    fn song(&mut self, value: &Expr, env: &Arc<Env>, file: &Option<Arc<str>>) {
        let items = match &value.kind {
            ExprKind::Call { callee, args } if matches!(&callee.kind, ExprKind::Ident(n) if n == "arrange") => {
                args
            }
            ExprKind::List(items) => items,
            _ => {
                self.diag(
                    Diagnostic::error(
                        "E0220",
                        "a song is written `song: arrange([cycles, section], …)`",
                    )
                    .at(value.span.clone())
                    .label("not an arrangement")
                    .help("for example: song: arrange([4, intro], [8, verse], [4, outro])"),
                    file,
                );
                return;
            }
        };
        let mut parts: Vec<(Time, Arc<SectionValue>)> = Vec::new();
        for item in items {
            let ExprKind::List(pair) = &item.kind else {
                self.diag(
                    Diagnostic::error("E0220", "each part of a song is [cycles, section]")
                        .at(item.span.clone())
                        .label("expected [cycles, section]"),
                    file,
                );
                continue;
            };
            let (Some(len), Some(sec)) = (pair.first(), pair.get(1)) else {
                self.diag(
                    Diagnostic::error("E0220", "each part of a song is [cycles, section]")
                        .at(item.span.clone()),
                    file,
                );
                continue;
            };
            let cycles = match eval(len, env).map(|v| crate::library::to_time(&v)) {
                Ok(Ok(t)) if t > Time::ZERO => t,
                Ok(_) => {
                    self.diag(
                        Diagnostic::error(
                            "E0220",
                            "a section's length must be a positive number of cycles",
                        )
                        .at(len.span.clone()),
                        file,
                    );
                    continue;
                }
                Err(e) => {
                    self.diag(to_diagnostic(&e), file);
                    continue;
                }
            };
            let ExprKind::Ident(sname) = &sec.kind else {
                self.diag(
                    Diagnostic::error("E0221", "expected the name of a section")
                        .at(sec.span.clone()),
                    file,
                );
                continue;
            };
            match self.sections.get(sname) {
                Some(s) => parts.push((cycles, s.clone())),
                None => {
                    let names: Vec<&str> = self.sections.keys().map(|s| s.as_str()).collect();
                    let mut d = Diagnostic::error("E0221", format!("unknown section `{sname}`"))
                        .at(sec.span.clone())
                        .label("not defined");
                    if let Some(s) = crate::diagnostics::did_you_mean(sname, names.iter().copied())
                    {
                        d = d.help(format!("did you mean `{s}`?"));
                    } else {
                        d = d.help("define it first: section intro { drums: s(\"bd*4\") }");
                    }
                    self.diag(d, file);
                }
            }
        }
        if parts.is_empty() {
            return;
        }
        let total = parts.iter().fold(Time::ZERO, |a, (c, _)| a + *c);
        let mut names: Vec<String> = Vec::new();
        for (_, s) in &parts {
            for t in &s.tracks {
                if !names.contains(&t.name) {
                    names.push(t.name.clone());
                }
            }
        }
        let program = &mut self.out.program;
        let mut start = Time::ZERO;
        for (cycles, s) in &parts {
            program.sections.push(SectionInfo {
                name: s.name.clone(),
                start,
                length: *cycles,
            });
            start = start + *cycles;
        }
        // Sections without a tempo of their own play at the song's tempo.
        let mut changes = Vec::new();
        let mut at = Time::ZERO;
        for (cycles, s) in &parts {
            changes.push(TempoChange {
                at,
                cps: s.cps.unwrap_or(f64::NAN),
            });
            at = at + *cycles;
        }
        if changes.iter().any(|c| !c.cps.is_nan()) {
            let base = self.settings.lock().unwrap().cps.unwrap_or(0.5);
            program.tempo_changes = changes
                .into_iter()
                .map(|c| TempoChange {
                    at: c.at,
                    cps: if c.cps.is_nan() { base } else { c.cps },
                })
                .collect();
        } else {
            program.tempo_changes.clear();
        }
        program.song_length = Some(total);
        for name in names {
            let mut template: Option<Track> = None;
            let items: Vec<(Option<Time>, Pat)> = parts
                .iter()
                .map(|(cycles, s)| {
                    let pat = match s.tracks.iter().find(|t| t.name == name) {
                        Some(t) => {
                            if template.is_none() {
                                template = Some(t.clone());
                            }
                            if t.muted {
                                silence()
                            } else {
                                t.pattern.clone()
                            }
                        }
                        None => silence(),
                    };
                    (Some(*cycles), pat.fast(*cycles))
                })
                .collect();
            let pattern = stepcat(items).slow(total);
            let template = template.expect("a track name comes from some section");
            let source = parts
                .iter()
                .map(|(c, s)| {
                    let t = s.tracks.iter().find(|t| t.name == name);
                    format!("{c}:{}", t.map(|t| t.source.as_str()).unwrap_or("~"))
                })
                .collect::<Vec<_>>()
                .join("|");
            program.tracks.retain(|t| t.name != name);
            program.tracks.push(Track {
                pattern,
                source,
                muted: false,
                ..template
            });
        }
    }

    fn import(
        &mut self,
        path: &str,
        span: &SrcSpan,
        file: &Option<Arc<str>>,
        env: &mut Arc<Env>,
        tracks: &mut Vec<Track>,
    ) {
        let base = match file {
            Some(f) => PathBuf::from(&**f),
            None => self.options.file.clone().unwrap_or_default(),
        };
        let dir = base.parent().map(Path::to_path_buf).unwrap_or_default();
        let full = dir.join(path);
        if self.importing.iter().any(|p| same_file(p, &full)) {
            self.diag(
                Diagnostic::error(
                    "E0212",
                    format!("`{path}` imports itself (directly or through other files)"),
                )
                .at(span.clone())
                .label("import cycle"),
                file,
            );
            return;
        }
        let src = match std::fs::read_to_string(&full) {
            Ok(s) => s,
            Err(e) => {
                self.diag(
                    Diagnostic::error("E0210", format!("cannot read `{path}`: {e}"))
                        .at(span.clone())
                        .label("imported here")
                        .help("paths are relative to the importing file"),
                    file,
                );
                return;
            }
        };
        let name: Arc<str> = full.display().to_string().into();
        self.out.imports.push(full.clone());
        self.out.sources.insert(name.to_string(), src.clone());
        self.importing.push(full);
        self.run_source(&src, Some(name), env, tracks);
        self.importing.pop();
    }

    /// Reports `s` names that no instrument or sample provides.
    fn check_sounds(&mut self) {
        let Some(known) = &self.options.known_sounds else {
            return;
        };
        let mut names: Vec<String> = known.clone();
        names.extend(self.out.program.instruments.iter().map(|i| i.name.clone()));
        // A take the program records plays under its name.
        names.extend(self.out.program.takes.iter().map(|t| t.name.clone()));
        // A map not downloaded yet: its names are unknown, so none are reported.
        let Some(samples) = known_names(
            &self.out.program.sample_sources,
            self.options.sample_map_names.as_ref(),
        ) else {
            return;
        };
        names.extend(samples);
        let mut reported = Vec::new();
        let program = &self.out.program;
        let horizon = program
            .song_length
            .unwrap_or(Time::int(8))
            .min(Time::int(64));
        let mut found = Vec::new();
        // A short look per cycle: a track too dense to play is reported
        // when it plays, and must not hold up a live reload here.
        let budget = Budget::for_step(&Span::new(Time::ZERO, Time::new(1, 8)));
        for t in program.tracks.iter().filter(|t| t.output == Output::Audio) {
            let mut haps = Vec::new();
            let mut at = Time::ZERO;
            while at < horizon {
                let span = Span::new(at, (at + Time::ONE).min(horizon));
                match query_within(&t.pattern, &State::new(span), budget).haps {
                    Ok(h) => haps.extend(h.into_iter().filter(|h| h.has_onset())),
                    Err(_) => break,
                }
                at = span.end;
            }
            for h in haps {
                if let Value::Map(m) = &h.value {
                    if let Some(Value::Str(s)) = m.get("s") {
                        // With a bank, the sound is `bank_s` (`RolandTR909_bd`
                        // or `tr909_bd`).
                        let (candidates, shown) = match m.get("bank") {
                            Some(Value::Str(b)) => {
                                let short = format!("{}_{s}", bank_prefix(b));
                                (vec![format!("{b}_{s}"), short.clone()], short)
                            }
                            _ => (vec![s.to_string()], s.to_string()),
                        };
                        if !candidates.iter().any(|c| names.contains(c))
                            && !reported.contains(&shown)
                        {
                            reported.push(shown.clone());
                            let at = literal_span(t, s).unwrap_or(t.span.clone());
                            found.push((shown, at, t.name.clone()));
                        }
                    }
                }
            }
        }
        for (s, span, track) in found {
            let mut d =
                Diagnostic::warning("W0010", format!("no instrument or sample is called `{s}`"))
                    .at(span)
                    .label(format!("used by track `{track}`"))
                    .note("events with this sound are skipped; the rest of the track plays");
            if let Some(c) = crate::diagnostics::did_you_mean(&s, names.iter().map(|n| n.as_str()))
            {
                d = d.help(format!("did you mean `{c}`?"));
            }
            self.out.diagnostics.push(d);
        }
    }
}

/// Where `word` is written in the source of track `t` as a whole word
/// (`"sawtoth"`, `"bd sawtoth"`): the span a warning about it points at.
fn literal_span(t: &Track, word: &str) -> Option<SrcSpan> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = t.source[from..].find(word).map(|i| i + from) {
        let end = i + word.len();
        let before = t.source[..i].chars().next_back();
        let after = t.source[end..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return Some(t.source_start + i..t.source_start + end);
        }
        from = end;
    }
    None
}

/// Makes the parameters of every instrument in `stmts` (sections
/// included) usable as control methods, before any track is evaluated.
fn register_params(stmts: &[Stmt]) {
    for st in stmts {
        match &st.kind {
            StmtKind::Instrument {
                params,
                is_effect: false,
                ..
            } => {
                for p in params {
                    if crate::library::method(&p.name).is_none() {
                        crate::library::controls::register_param_control(&p.name);
                    }
                }
            }
            StmtKind::Section { body, .. } => register_params(body),
            _ => {}
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Wraps a function so that it is called in graph mode (for `effect`s).
fn graph_fn(f: Value) -> Value {
    native_fn_owned("effect", move |args| {
        in_graph_mode(|| crate::eval::call_value(&f, args))
    })
}

/// Whether a statement is a call of `name` (possibly awaited).
fn calls(e: &Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::Unary { expr, .. } => calls(expr, name),
        ExprKind::Call { callee, .. } => matches!(&callee.kind, ExprKind::Ident(n) if n == name),
        _ => false,
    }
}

/// The names hydra code uses (its sources, outputs and audio object).
const HYDRA_NAMES: &[&str] = &[
    "osc", "shape", "src", "noise", "voronoi", "gradient", "solid", "render", "o0", "o1", "o2",
    "o3", "s0", "s1", "s2", "s3", "a",
];

/// After `initHydra()`, hydra's own functions are in scope in Strudel; in
/// weft each says, when used, that hydra visuals need a browser.
fn bind_hydra_names(env: &Env) {
    for name in HYDRA_NAMES {
        let message = format!("`{name}` is a hydra function: hydra visuals need a browser");
        env.set(
            *name,
            native_fn_owned("hydra", move |_| {
                Err(RtError::new(message.clone())
                    .with_help("the hydra lines are skipped; the music plays")
                    .with_code("E0240"))
            }),
        );
    }
}

/// Whether a statement names its own track (`pattern.p('x')`, `.d1`,
/// `.q(…)`), as opposed to being a bare pattern.
pub fn names_its_track(e: &Expr) -> bool {
    track_call(e).is_some()
}

/// How a statement names the track it makes, Strudel style.
enum TrackCall<'a> {
    /// `pattern.p('name')` (`$` anonymous, `_name`/`name_` muted).
    Named(&'a Expr),
    /// `pattern.d1` … `pattern.d9`, `pattern.p1` … `pattern.p9`.
    Numbered(String),
    /// `pattern.q(…)`, `pattern.q1`: evaluated, not played.
    Quiet,
}

/// Recognises a statement that registers its pattern as a track.
fn track_call(e: &Expr) -> Option<(&Expr, TrackCall<'_>)> {
    match &e.kind {
        ExprKind::Call { callee, args } => match &callee.kind {
            ExprKind::Member { object, name, .. } if name == "p" && args.len() == 1 => {
                Some((object, TrackCall::Named(&args[0])))
            }
            ExprKind::Member { object, name, .. } if name == "q" => {
                Some((object, TrackCall::Quiet))
            }
            _ => None,
        },
        ExprKind::Member { object, name, .. } => {
            let (prefix, digit) = name.split_at(1.min(name.len()));
            let numbered = name.len() == 2 && digit.chars().all(|c| ('1'..='9').contains(&c));
            match prefix {
                "d" | "p" if numbered => Some((object, TrackCall::Numbered(name.clone()))),
                "q" if numbered => Some((object, TrackCall::Quiet)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A `.p(label)` label's track name and whether it is muted.
fn strudel_label(label: &str) -> (String, bool) {
    if label.len() > 1 {
        if let Some(rest) = label.strip_prefix('_') {
            return (rest.to_string(), true);
        }
        if let Some(rest) = label.strip_suffix('_') {
            return (rest.to_string(), true);
        }
    }
    (label.to_string(), false)
}

/// The method calls along a chain, outermost first: for
/// `s("bd").fast(2).pianoroll()` that is `pianoroll`, then `fast`.
fn receiver_chain(e: &Expr) -> Vec<(&str, &[Expr], SrcSpan)> {
    let mut out = Vec::new();
    let mut cur = e;
    while let ExprKind::Call { callee, args } = &cur.kind {
        match &callee.kind {
            ExprKind::Member { object, name, .. } => {
                out.push((name.as_str(), args.as_slice(), cur.span.clone()));
                cur = object;
            }
            _ => break,
        }
    }
    out
}

/// The picture a method call asks for, if it is a drawing method.
fn visual_of(method: &str, args: &[Expr], src: &str) -> Option<Visual> {
    let inline = method.starts_with('_');
    let kind = method.trim_start_matches('_');
    if !VISUAL_METHODS.contains(&kind) {
        return None;
    }
    let options = args
        .get(if inline { 1 } else { 0 })
        .and_then(|a| src.get(a.span.clone()))
        .unwrap_or("")
        .to_string();
    Some(Visual {
        kind: if kind == "tscope" { "scope" } else { kind }.to_string(),
        inline,
        options,
    })
}

/// Inline drawing methods (`._pianoroll()`, `._scope()`, …) get an id as
/// their first argument, numbered per kind in the order Strudel's
/// transpiler numbers them (outer calls of a chain first), so they give
/// the same events (`._scope()` sets `analyze` to its id).
fn assign_widget_ids(stmts: &mut [Stmt]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for s in stmts {
        widget_ids_in_stmt(s, &mut counts);
    }
}

fn widget_ids_in_stmt(s: &mut Stmt, counts: &mut HashMap<String, usize>) {
    match &mut s.kind {
        StmtKind::Let { value, .. } | StmtKind::Track { value, .. } | StmtKind::Expr(value) => {
            widget_ids(value, counts)
        }
        StmtKind::Destructure { value: Some(v), .. } | StmtKind::Return(Some(v)) => {
            widget_ids(v, counts)
        }
        StmtKind::Function { body, .. } => widget_ids(body, counts),
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            widget_ids(cond, counts);
            then.iter_mut()
                .chain(otherwise.iter_mut())
                .for_each(|s| widget_ids_in_stmt(s, counts));
        }
        StmtKind::Section { body, .. } => {
            body.iter_mut().for_each(|s| widget_ids_in_stmt(s, counts))
        }
        _ => {}
    }
}

/// The inline drawing methods (written with `_`).
pub const WIDGET_METHODS: &[&str] = &[
    "_pianoroll",
    "_punchcard",
    "_spiral",
    "_scope",
    "_pitchwheel",
    "_spectrum",
];

fn widget_ids(e: &mut Expr, counts: &mut HashMap<String, usize>) {
    if let ExprKind::Call { callee, args } = &mut e.kind {
        if let ExprKind::Member { name, .. } = &callee.kind {
            if WIDGET_METHODS.contains(&name.as_str()) {
                let n = counts.entry(name.clone()).or_insert(0);
                let id = format!("_widget_{name}_{n}");
                *n += 1;
                args.insert(0, Expr::new(ExprKind::Str(id), callee.span.clone()));
            }
        }
    }
    match &mut e.kind {
        ExprKind::Call { callee, args } => {
            widget_ids(callee, counts);
            args.iter_mut().for_each(|a| widget_ids(a, counts));
        }
        ExprKind::Member { object, .. } => widget_ids(object, counts),
        ExprKind::Index { object, index } => {
            widget_ids(object, counts);
            widget_ids(index, counts);
        }
        ExprKind::List(items) => items.iter_mut().for_each(|a| widget_ids(a, counts)),
        ExprKind::Object(items) => items.iter_mut().for_each(|p| match p {
            crate::ast::Prop::Pair(_, v) | crate::ast::Prop::Spread(v) => widget_ids(v, counts),
        }),
        ExprKind::Spread(x) | ExprKind::Unary { expr: x, .. } => widget_ids(x, counts),
        ExprKind::Arrow { body, .. } => widget_ids(body, counts),
        ExprKind::Block(stmts) => stmts.iter_mut().for_each(|s| widget_ids_in_stmt(s, counts)),
        ExprKind::Binary { lhs, rhs, .. } => {
            widget_ids(lhs, counts);
            widget_ids(rhs, counts);
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            widget_ids(cond, counts);
            widget_ids(then, counts);
            widget_ids(otherwise, counts);
        }
        ExprKind::Assign { target, value, .. } => {
            widget_ids(target, counts);
            widget_ids(value, counts);
        }
        _ => {}
    }
}

/// Marks every event of a track's pattern with the track's index.
fn tag_track(pat: &Pat, index: u32) -> Pat {
    pat.with_hap(move |h| {
        h.context.track = Some(index);
    })
}

/// The events of a tagged stack that belong to track `index` (and, for
/// one track, those that no track made).
fn track_part(together: &Pat, index: u32, untagged: bool) -> Pat {
    together.filter_haps(move |h| match h.context.track {
        Some(t) => t == index,
        None => untagged,
    })
}

/// The documentation of the functions a program's evaluator provides
/// (they act on the program as a whole, not on one pattern).
pub const DOCS: &[crate::docs::FnDoc] = &[
    crate::docs::FnDoc {
        names: &["setcps", "setCps"],
        category: "Program",
        summary: "Sets the tempo in cycles per second (0.5 by default: one cycle every two seconds).",
        params: &[("cps", "cycles per second (> 0)")],
        example: "setcps(0.6)\n$: s(\"bd sd\")",
    },
    crate::docs::FnDoc {
        names: &["setcpm", "setCpm"],
        category: "Program",
        summary: "Sets the tempo in cycles per minute (`setcpm(120/4)` is 120 BPM with 4 beats per cycle).",
        params: &[("cpm", "cycles per minute (> 0)")],
        example: "setcpm(140/4)\n$: s(\"bd*4,[- sd]*2\")",
    },
    crate::docs::FnDoc {
        names: &["bpm"],
        category: "Program",
        summary: "Sets the tempo in beats per minute, with a number of beats per cycle (4 by default).",
        params: &[("bpm", "beats per minute"), ("beats", "beats per cycle (default 4)")],
        example: "bpm(120)\n$: s(\"bd*4\")",
    },
    crate::docs::FnDoc {
        names: &["cpm"],
        category: "Program",
        summary: "Plays a pattern at a number of cycles per minute, relative to the tempo set so far (`pat.cpm(90)` at the default tempo is `pat.fast(3)`).",
        params: &[("cpm", "cycles per minute")],
        example: "$: s(\"<bd sd>,hh*2\").cpm(90)\n$: s(\"cp\")",
    },
    crate::docs::FnDoc {
        names: &["all"],
        category: "Program",
        summary: "Applies a function to all tracks together (as one stack): each resulting event stays on the track it came from.",
        params: &[("function", "e.g. x => x.fast(2)")],
        example: "$: s(\"bd sd\")\n$: s(\"hh*8\")\nall(x => x.room(0.3))",
    },
    crate::docs::FnDoc {
        names: &["each"],
        category: "Program",
        summary: "Applies a function to every track on its own.",
        params: &[("function", "e.g. x => x.fast(\"<1 2>\")")],
        example: "$: s(\"bd sd\")\neach(x => x.gain(0.8))",
    },
    crate::docs::FnDoc {
        names: &["hush"],
        category: "Program",
        summary: "Drops the tracks defined before it (and `all`/`each`): what follows plays alone.",
        params: &[],
        example: "$: s(\"bd sd\")\nhush()\n$: s(\"hh*8\")",
    },
    crate::docs::FnDoc {
        names: &["slider", "sliderWithID"],
        category: "Program",
        summary: "Strudel's editor knob; in weft its value (`slider(0.5, 0, 1)` is 0.5).",
        params: &[("value", "the knob's value"), ("min", "ignored"), ("max", "ignored")],
        example: "$: s(\"hh*8\")\n  .gain(slider(0.5, 0, 1))",
    },
    crate::docs::FnDoc {
        names: &["midin"],
        category: "Program",
        summary: "Reads a MIDI input (opened by `weft play`/`weft repl`): gives a function of a controller number whose pattern has the controller's latest value, 0–1, in every cycle.",
        params: &[("port", "the input's name (or part of it)")],
        example: "let cc = await midin('nanoKONTROL')\n$: note(\"c a f e\").lpf(cc(74).range(200, 4000))",
    },
    crate::docs::FnDoc {
        names: &["register"],
        category: "Program",
        summary: "Defines a new pattern method from a function whose last parameter is the pattern; its other arguments may be patterns, as for the library's functions.",
        params: &[("name", "the method's name"), ("function", "(arg, …, pat) => pattern")],
        example: "register('dark', (f, pat) => pat.lpf(f))\n$: s(\"sawtooth\").dark(\"<400 800>\")",
    },
];
