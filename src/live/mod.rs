//! Live performance: `weft play` and `weft repl`.
//!
//! One control loop owns the engine. It keeps the audio scheduled ahead
//! (and the MIDI, OSC and Link outputs beside it), reloads the program when
//! a watched file is saved, evaluates REPL entries, prints what happened
//! (and when it takes effect) and feeds the dashboard (or redraws the
//! status line). Nothing here runs on the audio thread.

pub mod args;
pub mod commands;
pub mod dashboard;
pub mod keys;
#[cfg(feature = "link")]
pub mod link;
pub mod outputs;
pub mod recording;
pub mod repl;
pub mod session;
pub mod show;
pub mod status;
pub mod takes;
pub mod timing;
pub mod watch;
pub mod watchdog;

pub use args::{LiveArgs, LiveOptions};
use commands::Flow;
use engine::device::{self, DeviceError, Output};
use engine::engine::{Engine, EngineConfig, Message, Quantize};
use lang::Time;
use outputs::LiveOutputs;
use recording::Recording;
use repl::{Input, Printer};
use session::{user_names, Session};
use show::{Shown, Version};
use status::{Display, Status};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use watch::{Change, FileWatcher};

/// Runs a live session from the command line's options: `file` played and
/// watched (optional with a REPL), `repl` for the prompt.
pub fn run_from_args(file: Option<PathBuf>, repl: bool, a: LiveArgs) -> u8 {
    match a.into_options(file, repl) {
        Ok(opts) => run(opts),
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

/// Sound names the standard library provides.
pub fn known_sounds() -> Vec<String> {
    stdlib::known_sounds()
}

/// How often the status line is redrawn.
const STATUS_PERIOD: Duration = Duration::from_millis(250);

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
    /// The program file and its imports, watched for saves.
    watcher: Option<FileWatcher>,
    watched: Vec<PathBuf>,
    /// REPL entries (none for `weft play`), until the input ends.
    input: Option<Receiver<Input>>,
    /// Names offered for completion at the prompt.
    names: repl::Names,
    /// Stop at this audio position (`--seconds`).
    stop_at: Option<i64>,
    downloads: crate::commands::downloads::DownloadLine,
    last_draw: Instant,
    /// The full-screen view, when it is up.
    shown: Option<Shown>,
    /// `--loop-stats`: how well the loop keeps ahead of the audio.
    timing: Option<timing::LoopTiming>,
    /// The live audio input (`--input`) and where takes are saved.
    audio_in: Option<takes::LiveInput>,
    takes_dir: PathBuf,
    /// The output stream, restarted when it stalls.
    playing: engine::device::Playing,
    watchdog: watchdog::Watchdog,
    /// The program's take lines asked for, the last take's length.
    session_takes: takes::SessionTakes,
    /// The take lines of a program swapped in, asked for once the swap
    /// has taken effect (a take may record a track it adds).
    takes_due: Option<Vec<lang::takes::TakeLine>>,
}

impl Live {
    fn say(&mut self, s: String) {
        if let Some(shown) = self.shown.as_mut() {
            shown.say(s);
            return;
        }
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
        if let Some(shown) = self.shown.as_mut() {
            let version = Version {
                program: program.clone(),
                source: self.session.source_text(),
            };
            shown.loaded(version, self.engine.pending_swap().is_none());
        }
        self.takes_due = Some(program.takes.clone());
        self.set_current(program);
        true
    }

    /// Makes `program` the one playing (as far as the status knows).
    fn set_current(&mut self, program: lang::program::Program) {
        self.status.tracks = program.audible().count();
        self.status.bpm = program.cps * 60.0 * program.beats_per_cycle;
        self.status.beats_per_cycle = program.beats_per_cycle;
        self.current = Some(program);
    }

    fn next_boundary(&self) -> Time {
        self.engine.scheduled_until().ceil()
    }

    /// Handles one REPL entry: a `:command`, or weft statements.
    fn entry(&mut self, line: &str) -> Flow {
        let line = line.trim();
        if line.is_empty() {
            return Flow::Continue;
        }
        if !line.starts_with(':') {
            self.hushed = false;
            let stmt = name_repl_pattern(line);
            self.apply(Some(&stmt), self.quantize);
            return Flow::Continue;
        }
        let mut words = line.splitn(2, char::is_whitespace);
        let cmd = words.next().unwrap_or("");
        let arg = words.next().map(str::trim).unwrap_or("");
        self.command(cmd, arg)
    }

    fn drain_recording(&mut self) {
        let mut tap = self.shown.as_mut().map(|s| &mut s.tap);
        recording::drain(&mut self.record_rx, self.recording.as_mut(), |l, r| {
            if let Some(t) = tap.as_mut() {
                t.frame(l, r);
            }
        });
    }

    /// Keeps everything scheduled ahead: the engine, then the outputs
    /// beside it.
    fn pump(&mut self) {
        self.watch_output();
        self.engine.pump();
        self.outputs.pump(&mut self.engine);
        if let Some(t) = self.timing.as_mut() {
            let map = self.engine.tempo();
            let ahead = map.sample_at(self.engine.scheduled_until()) - self.engine.position();
            t.pumped(ahead as f64 / self.sample_rate as f64);
        }
    }

    /// Restarts the output stream when it stopped asking for audio (the
    /// music would otherwise stand still for good), or says why it could
    /// not and plays on without sound.
    fn watch_output(&mut self) {
        if !self
            .watchdog
            .stalled(self.engine.position(), Instant::now())
        {
            return;
        }
        let waited = self.watchdog.patience().as_millis();
        let m = match self.playing.restart() {
            Ok(()) => format!(
                "audio: the output stopped asking for audio for {waited} ms (a stalled device); restarted it"
            ),
            Err(e) => format!(
                "audio: the output stopped for {waited} ms and could not be restarted ({e}); playing on without sound (recordings, MIDI and OSC go on)"
            ),
        };
        self.say(m);
    }

    /// Reports the engine's messages: swaps that took effect, warnings.
    fn report_messages(&mut self) {
        for m in self.engine.take_messages() {
            match m {
                Message::SwapApplied { cycle, .. } => {
                    if let Some(shown) = self.shown.as_mut() {
                        shown.swapped();
                    }
                    if let Some(s) = self.pending.take() {
                        if cycle > Time::ZERO {
                            self.say(format!("✓ cycle {cycle}: {s}"));
                        }
                    }
                }
                m => {
                    if let (Message::Late { voices, .. }, Some(t)) = (&m, self.timing.as_mut()) {
                        t.late(*voices);
                    }
                    self.say(format!("warning: {m}"))
                }
            }
        }
    }

    /// Saves takes that have finished (they play as samples at once) and
    /// reports what happened to the live input.
    fn follow_takes(&mut self) {
        if self.engine.pending_swap().is_none() {
            if let Some(lines) = self.takes_due.take() {
                for m in self.session_takes.follow(&mut self.engine, &lines) {
                    self.say(m);
                }
            }
        }
        for m in takes::save_finished(
            &mut self.engine,
            &self.takes_dir,
            &mut self.session.known_sounds,
        ) {
            self.say(m);
        }
        let news = match self.audio_in.as_mut() {
            Some(i) => i.check(&mut self.engine),
            None => Vec::new(),
        };
        for m in news {
            self.say(format!("warning: {m}"));
        }
    }

    /// Reloads the program when a watched file was saved.
    fn follow_files(&mut self) {
        let Some(change) = self.watcher.as_mut().and_then(FileWatcher::poll) else {
            return;
        };
        match change {
            Change::Modified(paths) => self.reload(&paths),
            Change::Removed(p) => self.say(format!(
                "warning: `{}` disappeared; still playing the last version",
                p.display()
            )),
        }
    }

    /// Re-reads the program after `paths` changed and swaps it in (then
    /// watches the files it imports now).
    fn reload(&mut self, paths: &[PathBuf]) {
        self.hushed = false;
        let only_main = self.session.file.as_ref().is_some_and(|f| {
            let f = std::path::absolute(f).unwrap_or_else(|_| f.clone());
            paths.iter().all(|p| *p == f)
        });
        match self.session.read_file() {
            // Saved again without changes: nothing to do.
            Ok(false) if only_main && self.current.is_some() => {}
            Ok(_) => {
                self.apply(None, self.quantize);
                self.watch_imports();
            }
            Err(e) => self.say(format!("warning: {e}; still playing")),
        }
    }

    /// Watches the program file and the files it imports now.
    fn watch_imports(&mut self) {
        let mut files: Vec<PathBuf> = self.session.file.iter().cloned().collect();
        files.extend(self.imports.iter().cloned());
        if files != self.watched {
            self.watched = files;
            if let Some(w) = self.watcher.as_mut() {
                let _ = w.set_files(&self.watched);
            }
        }
    }

    /// Takes the next REPL entry, if one arrived.
    fn follow_input(&mut self) -> Flow {
        let Some(rx) = &self.input else {
            return Flow::Continue;
        };
        match rx.try_recv() {
            Ok(Input::Line(l)) => {
                if self.entry(&l) == Flow::Stop {
                    return Flow::Stop;
                }
                let (_, src) = self.session.evaluate(None);
                *self.names.lock().unwrap() = user_names(&src);
                Flow::Continue
            }
            Ok(Input::End) => {
                self.input = None;
                if self.stop_at.is_none() {
                    // Scripted input: let the last change take effect, then stop.
                    self.play_pending_swap();
                    return Flow::Stop;
                }
                Flow::Continue
            }
            Err(_) => Flow::Continue,
        }
    }

    /// Plays until the swap waiting in the engine has taken effect and
    /// the takes it asks for (and those recording) are done.
    fn play_pending_swap(&mut self) {
        let until = self.engine.pending_swap().map(|(_, s)| s).unwrap_or(0);
        loop {
            self.pump();
            self.follow_takes();
            if self.engine.position() > until
                && self.takes_due.is_none()
                && self.engine.takes_recording().is_empty()
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        self.engine.take_messages();
    }

    /// Whether the session should end: `--seconds` reached, or Ctrl-C.
    fn finished(&self) -> bool {
        self.stop_at.is_some_and(|s| self.engine.position() >= s) || self.outputs.interrupted()
    }

    /// Brings the status up to date with the engine.
    fn refresh_status(&mut self) {
        let pos = self.engine.position();
        let cycle = self.engine.tempo().approx_cycle_at_sample(pos);
        self.status.cycle = cycle;
        self.status.section = self.current.as_ref().and_then(|p| {
            let at = Time::from_f64(cycle).unwrap_or(Time::ZERO) - self.session.offset;
            p.section_at(at).map(|s| s.name.clone())
        });
        let stats = self.engine.stats();
        self.status.voices = stats.voices;
        self.status.keys = lang::library::keys::held();
        self.status.load = stats.load;
        self.status.xruns = stats.xruns;
    }

    /// Redraws the dashboard (at most 30 times a second) or the status
    /// line (four times a second).
    fn draw(&mut self) {
        if self.shown.is_some() {
            self.draw_dashboard();
            return;
        }
        if self.last_draw.elapsed() <= STATUS_PERIOD {
            return;
        }
        self.last_draw = Instant::now();
        self.refresh_status();
        // Sample downloads: on the status line, else as plain lines.
        match self.display {
            Display::Off => self.downloads.update(),
            _ => self.status.downloads = self.downloads.status_text(),
        }
        self.display.draw(&self.status);
    }

    /// Hands the dashboard a new frame when one is due.
    fn draw_dashboard(&mut self) {
        if !self.shown.as_ref().is_some_and(Shown::due) {
            return;
        }
        self.refresh_status();
        let st = &self.status;
        let clock = dashboard::Clock {
            cycle: st.cycle,
            beats_per_cycle: st.beats_per_cycle,
            bpm: st.bpm,
            section: st.section.clone(),
            voices: st.voices,
            load: st.load,
            xruns: st.xruns,
            keys: st.keys.clone(),
        };
        if let Some(d) = self.downloads.status_text() {
            self.status.downloads = Some(d);
        }
        if let Some(shown) = self.shown.as_mut() {
            shown.catch_stderr();
            shown.frame(&self.engine, clock);
        }
    }

    /// Carries out what the dashboard's keys asked for.
    fn follow_keys(&mut self) -> Flow {
        let actions = self
            .shown
            .as_ref()
            .map(|s| s.ui.actions())
            .unwrap_or_default();
        for a in actions {
            if self.act(a) == Flow::Stop {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    fn act(&mut self, a: dashboard::Action) -> Flow {
        use dashboard::Action;
        match a {
            Action::Quit => return Flow::Stop,
            Action::Hush => self.hush(),
            Action::ToggleMute(t) => {
                let muted = self
                    .current
                    .as_ref()
                    .and_then(|p| p.track(&t))
                    .is_some_and(|t| t.muted);
                if muted {
                    self.unmute(&t)
                } else {
                    self.mute(&t)
                }
            }
            Action::ToggleSolo(t) => {
                if self.session.soloed.remove(&t) {
                    self.apply(None, Quantize::Immediate);
                } else {
                    self.solo(&t);
                }
            }
            Action::Section(step) => self.step_section(step),
            Action::Take(selected) => {
                let m =
                    self.session_takes
                        .key(&mut self.engine, &self.takes_dir, selected.as_deref());
                self.say(m);
            }
            Action::Entry(line) => {
                self.say(format!("weft> {line}"));
                return self.entry(&line);
            }
            Action::Scope(t) => {
                if let Some(s) = self.shown.as_mut() {
                    s.pick_scope(t);
                }
            }
            Action::ToggleSpectrum => {
                if let Some(s) = self.shown.as_mut() {
                    s.toggle_spectrum();
                }
            }
        }
        Flow::Continue
    }

    /// Jumps to the section `step` sections after (or before) the one
    /// playing.
    fn step_section(&mut self, step: i32) {
        let Some(p) = &self.current else { return };
        if p.sections.is_empty() {
            self.say("this program has no song sections".into());
            return;
        }
        let now = self.status.section.as_ref();
        let i = now
            .and_then(|n| p.sections.iter().position(|s| &s.name == n))
            .map(|i| i as i64 + step as i64)
            .unwrap_or(0)
            .rem_euclid(p.sections.len() as i64) as usize;
        let name = p.sections[i].name.clone();
        self.jump(&name);
    }

    /// The control loop: runs until the session ends.
    fn run_loop(&mut self) {
        loop {
            self.pump();
            self.report_messages();
            self.follow_takes();
            self.drain_recording();
            self.follow_files();
            if self.follow_input() == Flow::Stop
                || self.follow_keys() == Flow::Stop
                || self.finished()
            {
                return;
            }
            self.draw();
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Restores the terminal, stops the outputs and finishes the
    /// recording. Returns the exit code.
    fn finish(mut self) -> u8 {
        // Restores the terminal first, so that what follows is readable.
        self.shown = None;
        self.display.end();
        if let Some(t) = self.timing.as_mut() {
            eprintln!("{}", t.report());
        }
        if let Some(i) = &self.audio_in {
            eprintln!("{}", i.summary());
        }
        self.engine.collect();
        for m in takes::save_finished(
            &mut self.engine,
            &self.takes_dir,
            &mut self.session.known_sounds,
        ) {
            eprintln!("{m}");
        }
        self.drain_recording();
        let Live {
            engine,
            outputs,
            recording,
            ..
        } = self;
        outputs.finish(&engine);
        if let Some(r) = recording {
            if let Err(e) = r.finish() {
                eprintln!("error: {e}");
                return 1;
            }
        }
        0
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
        ExprKind::Call { callee, args } => match &callee.kind {
            ExprKind::Ident(n) if n == "take" => is_take_line(args),
            ExprKind::Ident(n) => matches!(
                n.as_str(),
                "setcps"
                    | "setCps"
                    | "setcpm"
                    | "setCpm"
                    | "bpm"
                    | "all"
                    | "each"
                    | "hush"
                    | "samples"
                    | "editSample"
            ),
            _ => false,
        },
        _ => false,
    }
}

/// Whether `take(…)`'s arguments make it a recording (`take('voice', 4)`)
/// rather than Strudel's stepwise `take(2, pattern)`: a word first.
fn is_take_line(args: &[lang::ast::Expr]) -> bool {
    use lang::ast::ExprKind;
    let word = |t: &str| t.trim().parse::<f64>().is_err() && t.chars().any(char::is_alphabetic);
    match args.first().map(|a| &a.kind) {
        Some(ExprKind::Str(t)) => word(t),
        Some(ExprKind::Mini { text, .. }) => word(text),
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

/// Opens the audio output. The REPL works without a device
/// (documentation, evaluation, previews and recordings need none); `weft
/// play` stops with the exit code it returns.
fn open_output(opts: &LiveOptions) -> Result<Output, u8> {
    match without_library_messages(|| device::open(opts.device.as_deref(), opts.buffer)) {
        Ok(o) => Ok(o),
        Err(DeviceError::NoDevice(why)) if opts.repl => {
            eprintln!(
                "audio is off: no output device is available ({why}); :record and weft render still work; \
                 `weft devices` lists devices, --device NAME picks one"
            );
            Ok(device::silent(SILENT_RATE, opts.buffer))
        }
        Err(e) => {
            eprintln!("{e}");
            Err(match e {
                DeviceError::Other(_) => 1,
                _ => 2,
            })
        }
    }
}

/// The engine's settings for a live session on `output`; `osc_lookahead`
/// is how far ahead OSC bundles must be scheduled (seconds).
fn engine_config(output: &Output, osc_lookahead: f64) -> EngineConfig {
    let sr = output.sample_rate;
    EngineConfig {
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
    }
}

/// Says what is playing where, and how to change it.
fn announce(opts: &LiveOptions, output: &Output) {
    let name = opts
        .file
        .as_ref()
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "the REPL".into());
    eprintln!(
        "playing {name} on {} ({} Hz, {} frames){}",
        output.name,
        output.sample_rate,
        output.buffer,
        if opts.repl {
            "; type :help for commands"
        } else {
            "; edit and save the file to change the music, Ctrl-C to stop"
        }
    );
}

/// The input side: REPL entries (with a printer that does not disturb
/// the line being typed) and how the status is shown.
fn start_input(
    opts: &LiveOptions,
    names: &repl::Names,
) -> (Option<Receiver<Input>>, Printer, Display) {
    let interactive_out = std::io::stderr().is_terminal();
    if !opts.repl {
        let p: Printer = Box::new(|s: String| eprintln!("{s}"));
        let display = if interactive_out {
            Display::Inline
        } else {
            Display::Off
        };
        return (None, p, display);
    }
    let (tx, rx) = channel();
    let (printer, editor) = repl::start(tx, names.clone());
    let display = if editor {
        Display::TopRow
    } else {
        Display::Off
    };
    (Some(rx), printer, display)
}

/// Opens the full-screen view (with the REPL's prompt for `weft repl`).
fn start_dashboard(opts: &LiveOptions) -> Option<Shown> {
    let prompt = opts.repl.then(repl::HistoryFile::open);
    let ui = dashboard::terminal::Ui::start(prompt)?;
    let title = opts
        .file
        .as_ref()
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "REPL".into());
    Some(Shown::new(ui, title))
}

/// The program file and the files it imports, watched for saves.
fn start_watching(session: &Session) -> (Option<FileWatcher>, Vec<PathBuf>) {
    let mut watched: Vec<PathBuf> = session.file.iter().cloned().collect();
    let (ev, _) = session.evaluate(None);
    watched.extend(ev.imports);
    let watcher = FileWatcher::new(&watched).ok();
    if watcher.is_none() && session.file.is_some() {
        eprintln!("warning: cannot watch the file for changes; reload with :load");
    }
    (watcher, watched)
}

/// Runs a live session until it is stopped. Returns the exit code.
pub fn run(opts: LiveOptions) -> u8 {
    let ui = opts.ui && dashboard::terminal::available();
    // Messages in the dashboard are plain text.
    let color = !ui && std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut known = known_sounds();
    known.extend(takes::saved_names(opts.file.as_deref()));
    let mut session = Session::new(opts.file.clone(), known);
    if let Err(e) = session.read_file() {
        eprintln!("error: {e}");
        return 1;
    }
    let output = match open_output(&opts) {
        Ok(o) => o,
        Err(code) => return code,
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
    let (mut engine, mut core) =
        Engine::new(engine_config(&output, osc_lookahead), stdlib::instruments());
    let (record_tx, record_rx) = rtrb::RingBuffer::new(sr as usize * 4);
    core.set_record(record_tx);
    let audio_in = opts
        .input
        .as_deref()
        .and_then(|d| takes::attach_input(d, &output, &mut engine, &mut core));
    let takes_dir = takes::folder(opts.file.as_deref());
    if let Some(m) = takes::load_saved(&mut engine, &takes_dir) {
        eprintln!("{m}");
    }
    let mut outputs = LiveOutputs::new(&opts.external, sr, output.buffer);
    if let Some(p) = &first.program {
        outputs.load_first(&mut engine, p.clone());
    }
    engine.pump();
    announce(&opts, &output);
    let (buffer, device_rate) = (output.buffer, output.sample_rate);
    let playing = match output.start(core, |e| eprintln!("audio: {e}")) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let names: repl::Names = Default::default();
    let shown = if ui { start_dashboard(&opts) } else { None };
    // Keys for `keyDown`/`whenKey` (the REPL's line editor owns the
    // keyboard, so only `weft play` reads them; the dashboard reads its own).
    let _keys = if opts.repl || shown.is_some() {
        None
    } else {
        keys::start()
    };
    let (input, printer, display) = match &shown {
        Some(_) => (None, Box::new(|_: String| {}) as Printer, Display::Off),
        None => start_input(&opts, &names),
    };
    display.begin();
    let (watcher, watched) = start_watching(&session);
    let mut live = Live {
        engine,
        outputs,
        session,
        current: None,
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
        watcher,
        watched,
        input,
        names,
        stop_at: opts.seconds.map(|s| (s * sr as f64) as i64),
        downloads: crate::commands::downloads::DownloadLine::new(),
        last_draw: Instant::now(),
        shown,
        timing: opts.loop_stats.then(timing::LoopTiming::default),
        audio_in,
        takes_dir,
        playing,
        watchdog: watchdog::Watchdog::new(buffer, device_rate, Instant::now()),
        session_takes: takes::SessionTakes::default(),
        takes_due: None,
    };
    if let Some(p) = first.program {
        for m in live.session_takes.start(&live.engine, &p.takes) {
            live.say(m);
        }
        live.takes_due = Some(p.takes.clone());
        if let Some(shown) = live.shown.as_mut() {
            let source = live.session.source_text();
            shown.loaded(
                Version {
                    program: p.clone(),
                    source,
                },
                true,
            );
        }
        live.set_current(p);
    }
    if let Some(path) = &opts.record {
        match Recording::start(path, sr) {
            Ok(r) => live.recording = Some(r),
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    live.run_loop();
    live.finish()
}
