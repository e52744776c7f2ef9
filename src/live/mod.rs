//! Live performance: `weft play` and `weft repl`.
//!
//! One control loop owns the engine. It keeps the audio scheduled ahead
//! (and the MIDI, OSC and Link outputs beside it), reloads the program when
//! a watched file is saved, evaluates REPL entries, prints what happened
//! (and when it takes effect) and redraws the status line. Nothing here
//! runs on the audio thread.

pub mod keys;
pub mod repl;
pub mod session;
pub mod status;
pub mod takes;
pub mod watch;

use crate::commands::midi::{LiveOutputs, PlayArgs};
use engine::device::{self, DeviceError};
use engine::engine::{Engine, EngineConfig, Message, Quantize};
use lang::Time;
use repl::{Input, Printer};
use session::{tracks_line, user_names, Session};
use status::{Display, Status};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};
use watch::{Change, FileWatcher};

/// How a live session is started.
pub struct LiveOptions {
    pub file: Option<PathBuf>,
    pub repl: bool,
    pub quantize: Quantize,
    pub device: Option<String>,
    pub buffer: u32,
    pub record: Option<PathBuf>,
    /// Input device for `input()` and takes (`default`: the system's).
    pub input: Option<String>,
    /// Stop after this many seconds of audio.
    pub seconds: Option<f64>,
    /// MIDI clock and input, MIDI/OSC latencies, Link.
    pub external: PlayArgs,
}

/// The command-line options `weft play` and `weft repl` share.
#[derive(clap::Args)]
pub struct LiveArgs {
    /// When changes take effect: cycle (default), now, bar, or a number of cycles.
    #[arg(long, default_value = "cycle")]
    quantize: String,
    /// Output device name (see `weft devices`; default: the system default).
    #[arg(long)]
    device: Option<String>,
    /// Buffer size in frames (always requested as a fixed size).
    #[arg(long, default_value_t = 256)]
    buffer: u32,
    /// Also record what is played to this WAV file (32-bit float).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Input device for `input()` and `:take` (see `weft devices`;
    /// `default` for the system's).
    #[arg(long)]
    input: Option<String>,
    /// Stop after this many seconds of audio (default: play until stopped).
    #[arg(long)]
    seconds: Option<f64>,
    #[command(flatten)]
    external: PlayArgs,
}

/// Runs a live session from the command line's options: `file` played and
/// watched (optional with a REPL), `repl` for the prompt.
pub fn run_from_args(file: Option<PathBuf>, repl: bool, a: LiveArgs) -> u8 {
    let quantize = match parse_quantize(&a.quantize) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    run(LiveOptions {
        file,
        repl,
        quantize,
        device: a.device,
        buffer: a.buffer,
        record: a.record,
        input: a.input,
        seconds: a.seconds,
        external: a.external,
    })
}

/// Parses `--quantize`: `cycle` (default), `now`, `bar`, or a number of cycles.
pub fn parse_quantize(s: &str) -> Result<Quantize, String> {
    match s {
        "cycle" | "next" => Ok(Quantize::NextCycle),
        "now" | "immediate" => Ok(Quantize::Immediate),
        "bar" => Ok(Quantize::NextBar),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(Quantize::Cycles)
            .ok_or_else(|| {
                format!("--quantize takes cycle, now, bar or a number of cycles, not `{s}`")
            }),
    }
}

/// Sound names the standard library provides.
pub fn known_sounds() -> Vec<String> {
    stdlib::known_sounds()
}

struct Recording {
    path: PathBuf,
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
}

fn start_recording(path: &PathBuf, sample_rate: u32) -> Result<Recording, String> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    hound::WavWriter::create(path, spec)
        .map(|writer| Recording {
            path: path.clone(),
            writer,
        })
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// The control loop's state.
struct Live {
    engine: Engine,
    outputs: LiveOutputs,
    session: Session,
    current: Option<lang::program::Program>,
    quantize: Quantize,
    printer: Printer,
    display: Display,
    status: Status,
    pending: Option<String>,
    recording: Option<Recording>,
    record_rx: rtrb::Consumer<f32>,
    sample_rate: u32,
    hushed: bool,
    color: bool,
    /// Files the program last evaluated imports.
    imports: Vec<PathBuf>,
    /// The live input (`--input`) and where takes are saved.
    input: Option<takes::LiveInput>,
    takes_dir: PathBuf,
}

impl Live {
    fn say(&mut self, s: String) {
        self.display.clear_for_message();
        (self.printer)(s);
    }

    /// Evaluates the session (plus an optional REPL statement) and swaps
    /// the result in. Returns whether the entry was accepted.
    fn apply(&mut self, extra: Option<&str>, quantize: Quantize) -> bool {
        let mut outcome = self
            .session
            .attempt(extra, self.current.as_ref(), self.color);
        self.imports = std::mem::take(&mut outcome.imports);
        if !outcome.report.is_empty() {
            let r = outcome.report.trim_end().to_string();
            self.say(r);
        }
        let Some(mut program) = outcome.program else {
            self.status.last = outcome.summary.clone();
            self.say(format!("✗ {}", outcome.summary));
            return false;
        };
        if self.hushed {
            for t in &mut program.tracks {
                t.muted = true;
            }
        }
        self.status.tracks = program.audible().count();
        self.status.bpm = program.cps * 60.0 * program.beats_per_cycle;
        self.status.beats_per_cycle = program.beats_per_cycle;
        self.outputs
            .swap_at(&mut self.engine, program.clone(), &outcome.failed, quantize);
        self.status.last = outcome.summary.clone();
        let when = self
            .engine
            .pending_swap()
            .map(|(c, _)| format!(" at cycle {c}"))
            .unwrap_or_default();
        self.pending = Some(format!("{}{when}", outcome.summary));
        self.say(format!("… {}{when}", outcome.summary));
        self.current = Some(program);
        true
    }

    fn next_boundary(&self) -> Time {
        self.engine.scheduled_until().ceil()
    }

    /// Handles one REPL entry. Returns false to stop.
    fn entry(&mut self, line: &str) -> bool {
        let line = line.trim();
        if line.is_empty() {
            return true;
        }
        if !line.starts_with(':') {
            self.hushed = false;
            let stmt = name_repl_pattern(line);
            self.apply(Some(&stmt), self.quantize);
            return true;
        }
        let mut words = line.splitn(2, char::is_whitespace);
        let cmd = words.next().unwrap_or("");
        let arg = words.next().map(str::trim).unwrap_or("");
        match cmd {
            ":q" | ":quit" | ":exit" => return false,
            ":help" | ":h" => {
                let text = repl::COMMANDS
                    .iter()
                    .map(|(c, d)| format!("  {c:<26} {d}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                self.say(format!(
                    "Type weft statements (drums: s(\"bd*4\"), let x = …, bpm(120)) or commands:\n{text}"
                ));
            }
            ":doc" => {
                let entries = stdlib::docs::all();
                let found: Vec<String> = entries
                    .iter()
                    .filter(|e| e.name == arg || e.aliases.iter().any(|a| a == arg))
                    .map(|e| e.to_text())
                    .collect();
                if found.is_empty() {
                    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
                    let hint = lang::diagnostics::did_you_mean(arg, names.iter().copied())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    self.say(format!("nothing is called `{arg}`{hint}"));
                } else {
                    self.say(found.join("\n").trim_end().to_string());
                }
            }
            ":tracks" => {
                let line = self
                    .current
                    .as_ref()
                    .map(tracks_line)
                    .unwrap_or_else(|| "no program".into());
                self.say(line);
            }
            ":hush" => {
                self.hushed = true;
                self.apply(None, Quantize::Immediate);
            }
            ":mute" | ":unmute" | ":solo" => {
                let known = self
                    .current
                    .as_ref()
                    .is_some_and(|p| p.track(arg).is_some());
                if !arg.is_empty() && !known {
                    self.say(format!("no track is called `{arg}`"));
                    return true;
                }
                match cmd {
                    ":mute" => {
                        self.session.unmuted.remove(arg);
                        self.session.muted.insert(arg.to_string());
                    }
                    ":unmute" => {
                        self.session.muted.remove(arg);
                        self.session.unmuted.insert(arg.to_string());
                        self.hushed = false;
                    }
                    _ if arg.is_empty() => self.session.soloed.clear(),
                    _ => {
                        self.session.soloed.insert(arg.to_string());
                    }
                }
                self.apply(None, Quantize::Immediate);
            }
            ":tempo" => match arg.parse::<f64>() {
                Ok(bpm) if bpm > 0.0 && bpm < 1000.0 => {
                    let beats = self
                        .current
                        .as_ref()
                        .map(|p| p.beats_per_cycle)
                        .unwrap_or(4.0);
                    self.session.tempo = Some(bpm / 60.0 / beats);
                    self.apply(None, self.quantize);
                }
                _ => self.say("usage: :tempo BPM (e.g. :tempo 128)".into()),
            },
            ":load" => {
                let path = PathBuf::from(arg);
                if !path.exists() {
                    self.say(format!("cannot read `{arg}`"));
                    return true;
                }
                self.session.file = Some(path);
                self.session.lines.clear();
                if let Err(e) = self.session.read_file() {
                    self.say(e);
                    return true;
                }
                self.apply(None, self.quantize);
            }
            ":save" => {
                if arg.is_empty() {
                    self.say("usage: :save FILE".into());
                } else {
                    match std::fs::write(arg, self.session.to_source()) {
                        Ok(()) => self.say(format!("saved {arg}")),
                        Err(e) => self.say(format!("cannot write `{arg}`: {e}")),
                    }
                }
            }
            ":record" => {
                let mut parts = arg.split_whitespace();
                match (parts.next(), parts.next()) {
                    (Some("start"), Some(file)) => {
                        match start_recording(&PathBuf::from(file), self.sample_rate) {
                            Ok(r) => {
                                self.say(format!("recording to {file}"));
                                self.recording = Some(r);
                            }
                            Err(e) => self.say(e),
                        }
                    }
                    (Some("stop"), _) => match self.recording.take() {
                        Some(r) => {
                            let path = r.path.clone();
                            match r.writer.finalize() {
                                Ok(()) => self.say(format!("recorded {}", path.display())),
                                Err(e) => self.say(format!("cannot finish the recording: {e}")),
                            }
                        }
                        None => self.say("not recording".into()),
                    },
                    _ => self.say("usage: :record start FILE | :record stop".into()),
                }
            }
            ":take" => {
                let m = takes::command(&mut self.engine, arg);
                self.say(m);
            }
            ":jump" => {
                let Some(p) = &self.current else { return true };
                let Some(sec) = p.sections.iter().find(|s| s.name == arg).cloned() else {
                    let names: Vec<&str> = p.sections.iter().map(|s| s.name.as_str()).collect();
                    self.say(if names.is_empty() {
                        "this program has no song sections".into()
                    } else {
                        format!("no section `{arg}` (sections: {})", names.join(", "))
                    });
                    return true;
                };
                // At the next cycle boundary, play the section's start.
                self.session.offset = self.next_boundary() - sec.start;
                self.apply(None, Quantize::NextCycle);
            }
            _ => self.say(format!("unknown command `{cmd}`; :help lists the commands")),
        }
        true
    }

    /// Writes the recorded frames that have arrived (whole frames only:
    /// the audio thread may be half way through pushing one).
    fn drain_recording(&mut self) {
        while self.record_rx.slots() >= 2 {
            for _ in 0..2 {
                let x = self.record_rx.pop().unwrap_or(0.0);
                if let Some(r) = self.recording.as_mut() {
                    let _ = r.writer.write_sample(x);
                }
            }
        }
    }
}

/// `setcps(…)`, `bpm(…)` and other calls that are not patterns stay statements.
/// A bare pattern typed at the REPL (an entry's last statement) replaces
/// the REPL's own track `repl`, so that typing one pattern after another
/// plays the latest. Statements that set something up (`setcps(…)`,
/// `samples(…)`, `all(…)`) and patterns that name their own track
/// (`.p('x')`, `.d1`) stay as they are.
fn name_repl_pattern(entry: &str) -> String {
    let (stmts, _) = lang::parser::parse_program(entry);
    match stmts.last().map(|s| (&s.kind, s.span.start)) {
        Some((lang::ast::StmtKind::Expr(e), start))
            if !is_setup_call(e) && !lang::program::names_its_track(e) =>
        {
            format!("{}repl: {}", &entry[..start], &entry[start..])
        }
        _ => entry.to_string(),
    }
}

/// A call of one of the program-wide functions (possibly awaited).
fn is_setup_call(e: &lang::ast::Expr) -> bool {
    use lang::ast::ExprKind;
    match &e.kind {
        ExprKind::Unary { expr, .. } => is_setup_call(expr),
        ExprKind::Call { callee, .. } => matches!(&callee.kind, ExprKind::Ident(n)
            if matches!(n.as_str(), "setcps" | "setCps" | "setcpm" | "setCpm" | "bpm" | "all"
                | "each" | "hush" | "samples")),
        _ => false,
    }
}

/// The sample rate of a session without an audio device.
const SILENT_RATE: u32 = 48_000;

/// Runs `f` with the process's standard error closed to the messages of
/// system libraries: ALSA prints its own lines when it finds no device,
/// before weft can say so clearly.
pub fn without_library_messages<R>(f: impl FnOnce() -> R) -> R {
    use std::io::Write;
    let _ = std::io::stderr().flush();
    // SAFETY: plain file-descriptor calls; fd 2 is restored below.
    let saved = unsafe { libc::dup(2) };
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null");
    let redirected = match (&null, saved >= 0) {
        (Ok(n), true) => {
            use std::os::fd::AsRawFd;
            // SAFETY: both descriptors are open.
            unsafe { libc::dup2(n.as_raw_fd(), 2) >= 0 }
        }
        _ => false,
    };
    let out = f();
    if redirected {
        // SAFETY: `saved` is the duplicate of the original fd 2.
        unsafe { libc::dup2(saved, 2) };
    }
    if saved >= 0 {
        // SAFETY: `saved` is ours.
        unsafe { libc::close(saved) };
    }
    out
}

/// Runs a live session until it is stopped. Returns the exit code.
pub fn run(opts: LiveOptions) -> u8 {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut known = known_sounds();
    known.extend(takes::saved_names(opts.file.as_deref()));
    let mut session = Session::new(opts.file.clone(), known);
    if let Err(e) = session.read_file() {
        eprintln!("error: {e}");
        return 1;
    }
    let output = match without_library_messages(|| {
        device::open(opts.device.as_deref(), opts.buffer)
    }) {
        Ok(o) => o,
        // The REPL works without sound: documentation, evaluation,
        // previews and recordings need no device.
        Err(DeviceError::NoDevice(why)) if opts.repl => {
            eprintln!(
                "audio is off: no output device is available ({why}); :record and weft render still work; \
                 `weft devices` lists devices, --device NAME picks one"
            );
            device::silent(SILENT_RATE, opts.buffer)
        }
        Err(e) => {
            eprintln!("{e}");
            return match e {
                DeviceError::Other(_) => 1,
                _ => 2,
            };
        }
    };
    let sr = output.sample_rate;
    let first = session.attempt(None, None, color);
    if !first.report.is_empty() {
        eprint!("{}", first.report);
    }
    let osc_lookahead = first
        .program
        .as_ref()
        .map(|p| opts.external.lookahead(p))
        .unwrap_or(0.0);
    let config = EngineConfig {
        sample_rate: sr,
        lookahead: (3.0 * output.buffer as f64 / sr as f64 + 0.02)
            .max(0.05)
            .max(osc_lookahead),
        // 1/64 cycle (31 ms at 120 BPM): `--quantize now` and the REPL's
        // :mute/:solo take effect soon after they are asked for.
        schedule_steps: 64,
        // `--quantize now`: a swap lands one buffer and 3 ms after the
        // audio position, taking back what was queued after it.
        swap_margin: output.buffer as f64 / sr as f64 + 0.003,
        ..EngineConfig::default()
    };
    let (mut engine, mut core) = Engine::new(config, stdlib::instruments());
    let (record_tx, record_rx) = rtrb::RingBuffer::new(sr as usize * 4);
    core.set_record(record_tx);
    let input = opts
        .input
        .as_deref()
        .and_then(|d| takes::attach_input(d, &output, &mut engine, &mut core));
    let takes_dir = takes::folder(opts.file.as_deref());
    if let Some(m) = takes::load_saved(&mut engine, &takes_dir) {
        eprintln!("{m}");
    }
    let mut outputs = LiveOutputs::new(&opts.external, sr, output.buffer);
    let mut current = None;
    if let Some(p) = first.program {
        outputs.load_first(&mut engine, p.clone());
        current = Some(p);
    }
    engine.pump();
    let name = opts
        .file
        .as_ref()
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "the REPL".into());
    let interactive_out = std::io::stderr().is_terminal();
    eprintln!(
        "playing {name} on {} ({sr} Hz, {} frames){}",
        output.name,
        output.buffer,
        if opts.repl {
            "; type :help for commands"
        } else {
            "; edit and save the file to change the music, Ctrl-C to stop"
        }
    );
    let _playing = match output.start(core, |e| eprintln!("audio: {e}")) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };

    // Keys for `keyDown`/`whenKey` (the REPL's line editor owns the
    // keyboard, so only `weft play` reads them).
    let _keys = if opts.repl { None } else { keys::start() };
    let names: repl::Names = Default::default();
    let (input_tx, input_rx) = channel();
    let (printer, editor) = if opts.repl {
        repl::start(input_tx, names.clone())
    } else {
        drop(input_tx);
        let p: Printer = Box::new(|s: String| eprintln!("{s}"));
        (p, false)
    };
    let display = match (opts.repl, editor, interactive_out) {
        (true, true, _) => Display::TopRow,
        (false, _, true) => Display::Inline,
        _ => Display::Off,
    };
    display.begin();
    let mut watched: Vec<PathBuf> = opts.file.iter().cloned().collect();
    {
        let (ev, _) = session.evaluate(None);
        watched.extend(ev.imports);
    }
    let mut watcher = FileWatcher::new(&watched).ok();
    if watcher.is_none() && opts.file.is_some() {
        eprintln!("warning: cannot watch the file for changes; reload with :load");
    }
    let mut live = Live {
        engine,
        outputs,
        session,
        current,
        quantize: opts.quantize,
        printer,
        display,
        status: Status {
            beats_per_cycle: 4.0,
            ..Status::default()
        },
        pending: None,
        recording: None,
        record_rx,
        sample_rate: sr,
        hushed: false,
        color,
        imports: Vec::new(),
        input,
        takes_dir,
    };
    if let Some(p) = &live.current {
        live.status.tracks = p.audible().count();
        live.status.bpm = p.cps * 60.0 * p.beats_per_cycle;
        live.status.beats_per_cycle = p.beats_per_cycle;
    }
    if let Some(path) = &opts.record {
        match start_recording(path, sr) {
            Ok(r) => live.recording = Some(r),
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    let stop_at = opts.seconds.map(|s| (s * sr as f64) as i64);
    let mut input_done = !opts.repl;
    let mut downloads = crate::commands::downloads::DownloadLine::new();
    let mut last_draw = Instant::now();
    let code = loop {
        live.engine.pump();
        live.outputs.pump(&mut live.engine);
        for m in live.engine.take_messages() {
            match m {
                Message::SwapApplied { cycle, .. } => {
                    if let Some(s) = live.pending.take() {
                        if cycle > Time::ZERO {
                            live.say(format!("✓ cycle {cycle}: {s}"));
                        }
                    }
                }
                m => live.say(format!("warning: {m}")),
            }
        }
        for m in takes::save_finished(
            &mut live.engine,
            &live.takes_dir,
            &mut live.session.known_sounds,
        ) {
            live.say(m);
        }
        let input_news = match live.input.as_mut() {
            Some(i) => i.check(&mut live.engine),
            None => Vec::new(),
        };
        for m in input_news {
            live.say(format!("warning: {m}"));
        }
        live.drain_recording();
        if let Some(w) = watcher.as_mut() {
            match w.poll() {
                Some(Change::Modified(paths)) => {
                    live.hushed = false;
                    let only_main = live.session.file.as_ref().is_some_and(|f| {
                        let f = std::path::absolute(f).unwrap_or_else(|_| f.clone());
                        paths.iter().all(|p| *p == f)
                    });
                    match live.session.read_file() {
                        // Saved again without changes: nothing to do.
                        Ok(false) if only_main && live.current.is_some() => {}
                        Ok(_) => {
                            live.apply(None, live.quantize);
                            let mut files: Vec<PathBuf> =
                                live.session.file.iter().cloned().collect();
                            files.extend(live.imports.iter().cloned());
                            if files != watched {
                                watched = files;
                                let _ = w.set_files(&watched);
                            }
                        }
                        Err(e) => live.say(format!("warning: {e}; still playing")),
                    }
                }
                Some(Change::Removed(p)) => live.say(format!(
                    "warning: `{}` disappeared; still playing the last version",
                    p.display()
                )),
                None => {}
            }
        }
        if !input_done {
            match input_rx.try_recv() {
                Ok(Input::Line(l)) => {
                    if !live.entry(&l) {
                        break 0;
                    }
                    let (_, src) = live.session.evaluate(None);
                    *names.lock().unwrap() = user_names(&src);
                }
                Ok(Input::End) => {
                    input_done = true;
                    if stop_at.is_none() {
                        // Scripted input: let the last change take effect, then stop.
                        let until = live.engine.pending_swap().map(|(_, s)| s).unwrap_or(0);
                        while live.engine.position() <= until
                            || !live.engine.takes_recording().is_empty()
                        {
                            live.engine.pump();
                            live.outputs.pump(&mut live.engine);
                            std::thread::sleep(Duration::from_millis(2));
                        }
                        live.engine.take_messages();
                        break 0;
                    }
                }
                Err(_) => {}
            }
        }
        if stop_at.is_some_and(|s| live.engine.position() >= s) || live.outputs.interrupted() {
            break 0;
        }
        if last_draw.elapsed() > Duration::from_millis(250) {
            last_draw = Instant::now();
            let pos = live.engine.position();
            let cycle = live.engine.tempo().approx_cycle_at_sample(pos);
            live.status.cycle = cycle;
            live.status.section = live.current.as_ref().and_then(|p| {
                let at = Time::from_f64(cycle).unwrap_or(Time::ZERO) - live.session.offset;
                p.section_at(at).map(|s| s.name.clone())
            });
            let stats = live.engine.stats();
            live.status.voices = stats.voices;
            live.status.keys = lang::library::keys::held();
            live.status.load = stats.load;
            live.status.xruns = stats.xruns;
            // Sample downloads: on the status line, else as plain lines.
            match live.display {
                Display::Off => downloads.update(),
                _ => live.status.downloads = downloads.status_text(),
            }
            live.display.draw(&live.status);
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    live.display.end();
    if let Some(i) = &live.input {
        eprintln!("{}", i.summary());
    }
    live.engine.collect();
    for m in takes::save_finished(
        &mut live.engine,
        &live.takes_dir,
        &mut live.session.known_sounds,
    ) {
        eprintln!("{m}");
    }
    live.drain_recording();
    let Live {
        engine,
        outputs,
        recording,
        ..
    } = live;
    outputs.finish(&engine);
    if let Some(r) = recording {
        if let Err(e) = r.writer.finalize() {
            eprintln!("error: cannot finish the recording: {e}");
            return 1;
        }
    }
    code
}
