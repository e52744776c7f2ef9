//! Whole programs: source → `Program` (tempo and tracks of patterns).
//!
//! A program is a list of statements. Evaluation is per statement: a broken
//! statement is reported and skipped, the rest still count, so one typo
//! never silences the other tracks.

use crate::ast::{Stmt, StmtKind};
use crate::diagnostics::Diagnostic;
use crate::eval::{eval, reset_budget, to_diagnostic, Env};
use crate::graph::{Graph, Instrument};
use crate::lexer::SrcSpan;
use crate::library::{registry::native_fn_owned, Pat};
use crate::parser::parse_program;
use crate::time::Time;
use crate::value::{RtError, Value};
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
    /// Track gain (linear, default 1) and stereo position (0–1, default 0.5).
    pub gain: f64,
    pub pan: f64,
    /// Effect chain applied to the track's mixed audio (`Input` = the track).
    pub fx: Option<Graph>,
    pub output: Output,
    /// The source text of the track's expression (to tell what changed).
    pub source: String,
    pub span: SrcSpan,
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
            output: Output::Audio,
            source: String::new(),
            span: 0..0,
        }
    }
}

/// A tempo change: from cycle `at` on, `cps` cycles per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TempoChange {
    pub at: Time,
    pub cps: f64,
}

/// The result of evaluating a program: plain data the engine plays and
/// compares with the previous program, track by track.
#[derive(Clone, Debug)]
pub struct Program {
    /// Cycles per second at cycle 0.
    pub cps: f64,
    /// Later tempo changes, in order of `at` (exact cycle positions).
    pub tempo_changes: Vec<TempoChange>,
    pub tracks: Vec<Track>,
    /// Instruments defined by the program (`instrument name(…) = …`);
    /// they take precedence over the standard library's.
    pub instruments: Vec<Instrument>,
    /// Effect chain on the master bus (before the safety limiter).
    pub master: Option<Graph>,
}

impl Default for Program {
    fn default() -> Program {
        Program {
            cps: 0.5,
            tempo_changes: Vec::new(),
            tracks: Vec::new(),
            instruments: Vec::new(),
            master: None,
        }
    }
}

impl Program {
    pub fn track(&self, name: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.name == name)
    }

    /// The tracks that sound: not muted, and soloed ones only if any is soloed.
    pub fn audible(&self) -> impl Iterator<Item = &Track> {
        let any_solo = self.tracks.iter().any(|t| t.solo);
        self.tracks
            .iter()
            .filter(move |t| !t.muted && (!any_solo || t.solo))
    }
}

#[derive(Default)]
struct Settings {
    cps: Option<f64>,
}

fn tempo_fn(
    settings: &Arc<Mutex<Settings>>,
    name: &'static str,
    to_cps: fn(&[f64]) -> f64,
) -> Value {
    let s = settings.clone();
    native_fn_owned(name, move |args| {
        let nums: Vec<f64> = args.iter().map(|a| a.to_number()).collect();
        let cps = to_cps(&nums);
        if !(cps.is_finite() && cps > 0.0 && cps < 1000.0) {
            return Err(
                RtError::new(format!("{name}: the tempo must be a positive number"))
                    .with_code("E0202"),
            );
        }
        s.lock().unwrap().cps = Some(cps);
        Ok(Value::Num(cps))
    })
}

/// Evaluates program source. Diagnostics cover syntax and evaluation.
pub fn evaluate(src: &str) -> (Program, Vec<Diagnostic>) {
    let (stmts, mut diags) = parse_program(src);
    let settings = Arc::new(Mutex::new(Settings::default()));
    let mut env = Env::new();
    env.set(
        "setcps",
        tempo_fn(&settings, "setcps", |a| {
            a.first().copied().unwrap_or(f64::NAN)
        }),
    );
    env.set(
        "setCps",
        tempo_fn(&settings, "setCps", |a| {
            a.first().copied().unwrap_or(f64::NAN)
        }),
    );
    env.set(
        "setcpm",
        tempo_fn(&settings, "setcpm", |a| {
            a.first().copied().unwrap_or(f64::NAN) / 60.0
        }),
    );
    env.set(
        "setCpm",
        tempo_fn(&settings, "setCpm", |a| {
            a.first().copied().unwrap_or(f64::NAN) / 60.0
        }),
    );
    env.set(
        "bpm",
        tempo_fn(&settings, "bpm", |a| {
            let beats = a.get(1).copied().unwrap_or(4.0);
            a.first().copied().unwrap_or(f64::NAN) / 60.0 / beats
        }),
    );
    let mut program = Program::default();
    let mut env = Arc::new(env);
    let mut anonymous = 0;
    for stmt in &stmts {
        reset_budget();
        exec(
            stmt,
            src,
            &mut env,
            &mut program,
            &mut diags,
            &mut anonymous,
        );
    }
    if let Some(cps) = settings.lock().unwrap().cps {
        program.cps = cps;
    }
    (program, diags)
}

fn exec(
    stmt: &Stmt,
    src: &str,
    env: &mut Arc<Env>,
    program: &mut Program,
    diags: &mut Vec<Diagnostic>,
    anonymous: &mut usize,
) {
    match &stmt.kind {
        StmtKind::Let { name, value, .. } => {
            let (scope, slot) = Env::recursive(env.clone(), name);
            let scope = Arc::new(scope);
            match eval(value, &scope) {
                Ok(v) => {
                    let _ = slot.set(v);
                    *env = scope;
                }
                Err(e) => diags.push(to_diagnostic(&e)),
            }
        }
        StmtKind::Track {
            name,
            name_span,
            flags,
            value,
        } => {
            let name = if name == "$" {
                *anonymous += 1;
                format!("${anonymous}")
            } else {
                name.clone()
            };
            match eval(value, env) {
                Ok(v) => match as_pattern(&v) {
                    Some(p) => {
                        if program.track(&name).is_some() {
                            diags.push(
                                Diagnostic::warning(
                                    "W0001",
                                    format!("track `{name}` is defined twice; the later one wins"),
                                )
                                .at(name_span.clone())
                                .label("defined again here"),
                            );
                            program.tracks.retain(|t| t.name != name);
                        }
                        program.tracks.push(Track {
                            muted: flags.muted,
                            solo: flags.solo,
                            source: src[value.span.clone()].to_string(),
                            span: stmt.span.clone(),
                            ..Track::new(name, p)
                        })
                    }
                    None => diags.push(
                        Diagnostic::error(
                            "E0202",
                            format!("track `{name}` must be a pattern, found {}", v.type_name()),
                        )
                        .at(value.span.clone())
                        .label("this is not a pattern")
                        .help("a track is a pattern such as s(\"bd sd\") or note(\"c e g\")"),
                    ),
                },
                Err(e) => diags.push(
                    to_diagnostic(&e).note(format!("track `{name}` keeps its previous version")),
                ),
            }
        }
        StmtKind::Expr(e) => match eval(e, env) {
            Ok(Value::Pat(p)) => {
                // A bare pattern plays, like an anonymous track.
                *anonymous += 1;
                program.tracks.push(Track {
                    source: src[e.span.clone()].to_string(),
                    span: stmt.span.clone(),
                    ..Track::new(format!("${anonymous}"), p)
                });
            }
            Ok(_) => {}
            Err(err) => diags.push(to_diagnostic(&err)),
        },
        StmtKind::Import { path_span, .. } => diags.push(
            Diagnostic::error("E0210", "`import` is not available here").at(path_span.clone()),
        ),
        StmtKind::Instrument { name_span, .. } | StmtKind::Section { name_span, .. } => diags.push(
            Diagnostic::error("E0211", "this statement is not available here")
                .at(name_span.clone()),
        ),
        StmtKind::Error => {}
    }
}

fn as_pattern(v: &Value) -> Option<Pat> {
    match v {
        Value::Pat(p) => Some(p.clone()),
        Value::Str(_) | Value::Num(_) => Some(crate::library::reify(v)),
        _ => None,
    }
}
