//! The dashboard on a real terminal: its own thread draws the latest
//! snapshot (at most 30 times a second) and reads the keys, so that
//! neither a slow terminal nor a held key ever waits for the control loop,
//! nor the control loop for them. Messages written to standard error
//! while the view is up are caught and shown in it.

use super::super::repl::HistoryFile;
use super::{render, Action, Snapshot, View};
use crossterm::event::{
    self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The shortest time between two frames (30 per second at most).
pub const FRAME: Duration = Duration::from_millis(33);

/// The running view. Dropping it restores the terminal.
pub struct Ui {
    snapshots: Option<SyncSender<Snapshot>>,
    actions: Receiver<Action>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    stderr: Option<StderrCapture>,
}

/// Whether the view can run here: standard input and output are terminals.
pub fn available() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

impl Ui {
    /// Takes over the terminal. `prompt` gives the REPL's prompt (with
    /// the history file its entries are read from and added to).
    pub fn start(prompt: Option<HistoryFile>) -> Option<Ui> {
        if !available() {
            return None;
        }
        let stderr = StderrCapture::start();
        let (snap_tx, snap_rx) = sync_channel::<Snapshot>(1);
        let (action_tx, actions) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::Builder::new()
            .name("weft-view".into())
            .spawn(move || {
                let editor = prompt.map(LineEditor::with_file);
                if let Err(e) = run_view(&s, &snap_rx, &action_tx, editor) {
                    let _ = action_tx.send(Action::Quit);
                    eprintln!("the live view stopped: {e}");
                }
            })
            .ok()?;
        Some(Ui {
            snapshots: Some(snap_tx),
            actions,
            stop,
            thread: Some(thread),
            stderr,
        })
    }

    /// Hands the view a new snapshot; dropped if it is still drawing the
    /// last one (never waits).
    pub fn show(&self, s: Snapshot) {
        if let Some(tx) = &self.snapshots {
            let _ = tx.try_send(s);
        }
    }

    /// The keys' actions since the last call.
    pub fn actions(&self) -> Vec<Action> {
        self.actions.try_iter().collect()
    }

    /// Lines written to standard error since the last call.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr
            .as_ref()
            .map(|c| c.lines.try_iter().collect())
            .unwrap_or_default()
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.snapshots = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // Restores standard error; what is left is printed there.
        if let Some(c) = self.stderr.take() {
            for l in c.finish() {
                eprintln!("{l}");
            }
        }
    }
}

/// The view's thread: sets the terminal up, draws and reads keys until
/// stopped, then restores the terminal.
fn run_view(
    stop: &AtomicBool,
    snapshots: &Receiver<Snapshot>,
    actions: &Sender<Action>,
    mut editor: Option<LineEditor>,
) -> std::io::Result<()> {
    enable_raw_mode()?;
    let mut out = std::io::stdout();
    crossterm::execute!(out, EnterAlternateScreen)?;
    let enhanced = crossterm::terminal::supports_keyboard_enhancement().unwrap_or(false);
    if enhanced {
        let _ = crossterm::execute!(
            out,
            PushKeyboardEnhancementFlags(
                KeyboardEnhancementFlags::REPORT_EVENT_TYPES
                    | KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES
            )
        );
    }
    let result = view_loop(stop, snapshots, actions, &mut editor, enhanced);
    if enhanced {
        let _ = crossterm::execute!(std::io::stdout(), PopKeyboardEnhancementFlags);
    }
    let _ = crossterm::execute!(std::io::stdout(), LeaveAlternateScreen);
    let _ = disable_raw_mode();
    lang::library::keys::release_all();
    let _ = std::io::stdout().flush();
    result
}

/// What the view itself remembers between frames.
struct ViewState {
    view: View,
    selected: usize,
    /// Keys go to the prompt (REPL) rather than the view.
    prompt_focus: bool,
}

fn view_loop(
    stop: &AtomicBool,
    snapshots: &Receiver<Snapshot>,
    actions: &Sender<Action>,
    editor: &mut Option<LineEditor>,
    enhanced: bool,
) -> std::io::Result<()> {
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    let mut state = ViewState {
        view: View::All,
        selected: 0,
        prompt_focus: editor.is_some(),
    };
    let mut latest: Option<Snapshot> = None;
    let mut last_draw = Instant::now() - FRAME;
    let mut dirty = true;
    while !stop.load(Ordering::SeqCst) {
        if event::poll(Duration::from_millis(10))? {
            if let Event::Key(k) = event::read()? {
                let names: Vec<String> = latest
                    .as_ref()
                    .map(|s| s.tracks.iter().map(|t| t.name.clone()).collect())
                    .unwrap_or_default();
                for a in on_key(&k, &mut state, editor, &names, enhanced) {
                    let _ = actions.send(a);
                }
                dirty = true;
            }
        }
        while let Ok(s) = snapshots.try_recv() {
            latest = Some(s);
            dirty = true;
        }
        if dirty && last_draw.elapsed() >= FRAME {
            if let Some(s) = latest.as_mut() {
                s.view = state.view;
                state.selected = state.selected.min(s.tracks.len().saturating_sub(1));
                s.selected = state.selected;
                s.prompt = editor.as_ref().map(|e| (e.shown(), e.cursor));
                s.prompt_focus = state.prompt_focus;
                terminal.draw(|f| render::draw(f, s))?;
                last_draw = Instant::now();
                dirty = false;
            }
        }
    }
    Ok(())
}

/// What a key does: at the prompt it edits the line; in the view it acts
/// on the tracks (the keys of [`super::HELP`]), and every key in the view
/// is also held for `keyDown`/`whenKey`.
fn on_key(
    k: &KeyEvent,
    state: &mut ViewState,
    editor: &mut Option<LineEditor>,
    names: &[String],
    enhanced: bool,
) -> Vec<Action> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(k.code, KeyCode::Char('c') | KeyCode::Char('d')) {
        return vec![Action::Quit];
    }
    if let (true, Some(ed)) = (state.prompt_focus, editor.as_mut()) {
        if k.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if k.code == KeyCode::Tab && ed.is_empty() {
            state.prompt_focus = false;
            return Vec::new();
        }
        return ed.key(k).map(Action::Entry).into_iter().collect();
    }
    super::super::keys::record(k, enhanced);
    if k.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let track = |i: usize| names.get(i).cloned();
    match k.code {
        KeyCode::Tab | KeyCode::Esc if editor.is_some() => {
            state.prompt_focus = true;
            Vec::new()
        }
        KeyCode::Char('q') => vec![Action::Quit],
        KeyCode::Char('h') => vec![Action::Hush],
        KeyCode::Char('v') => {
            state.view = state.view.next();
            Vec::new()
        }
        KeyCode::Char('[') => vec![Action::Section(-1)],
        KeyCode::Char(']') => vec![Action::Section(1)],
        KeyCode::Up => {
            state.selected = state.selected.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Down => {
            state.selected = (state.selected + 1).min(names.len().saturating_sub(1));
            Vec::new()
        }
        KeyCode::Char('m') => track(state.selected)
            .map(Action::ToggleMute)
            .into_iter()
            .collect(),
        KeyCode::Char('s') => track(state.selected)
            .map(Action::ToggleSolo)
            .into_iter()
            .collect(),
        KeyCode::Char('o') => track(state.selected)
            .map(Action::Scope)
            .into_iter()
            .collect(),
        KeyCode::Char('f') => vec![Action::ToggleSpectrum],
        KeyCode::Char('t') => vec![Action::Take(track(state.selected))],
        KeyCode::Char(c @ '1'..='9') => {
            let i = c as usize - '1' as usize;
            track(i).map(Action::ToggleMute).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// The REPL's prompt inside the view: one entry (brackets left open
/// continue it on a new line), with the history of entries (kept in the
/// line editor's history file when there is one).
pub struct LineEditor {
    text: Vec<char>,
    cursor: usize,
    history: Vec<String>,
    /// Position while walking the history (`history.len()` = the new line).
    at: usize,
    file: Option<HistoryFile>,
}

impl LineEditor {
    pub fn new(history: Vec<String>) -> LineEditor {
        let at = history.len();
        LineEditor {
            text: Vec::new(),
            cursor: 0,
            history,
            at,
            file: None,
        }
    }

    /// An editor starting with the entries of `file`, adding its own to it.
    pub fn with_file(file: HistoryFile) -> LineEditor {
        let mut editor = LineEditor::new(file.entries());
        editor.file = Some(file);
        editor
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The line as shown (new lines as `⏎`).
    pub fn shown(&self) -> String {
        self.text
            .iter()
            .map(|c| if *c == '\n' { '⏎' } else { *c })
            .collect()
    }

    fn set(&mut self, s: &str) {
        self.text = s.chars().collect();
        self.cursor = self.text.len();
    }

    /// Edits with a key; returns a finished entry.
    pub fn key(&mut self, k: &KeyEvent) -> Option<String> {
        match k.code {
            KeyCode::Enter => {
                let s: String = self.text.iter().collect();
                let (depth, in_string) = super::super::repl::open_brackets(&s);
                if depth > 0 || in_string {
                    self.text.insert(self.cursor, '\n');
                    self.cursor += 1;
                    return None;
                }
                self.text.clear();
                self.cursor = 0;
                if !s.trim().is_empty() && self.history.last() != Some(&s) {
                    self.history.push(s.clone());
                    if let Some(f) = self.file.as_mut() {
                        f.add(&s);
                    }
                }
                self.at = self.history.len();
                return Some(s);
            }
            KeyCode::Char(c) => {
                self.text.insert(self.cursor, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.text.remove(self.cursor);
            }
            KeyCode::Delete if self.cursor < self.text.len() => {
                self.text.remove(self.cursor);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.text.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.len(),
            KeyCode::Up if self.at > 0 => {
                self.at -= 1;
                let h = self.history[self.at].clone();
                self.set(&h);
            }
            KeyCode::Down if self.at < self.history.len() => {
                self.at += 1;
                let h = self.history.get(self.at).cloned().unwrap_or_default();
                self.set(&h);
            }
            _ => {}
        }
        None
    }
}

/// Standard error sent through a pipe while the view is up (a message
/// printed onto the view would garble it); its lines are shown in the view.
struct StderrCapture {
    saved: i32,
    lines: Receiver<String>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl StderrCapture {
    fn start() -> Option<StderrCapture> {
        let _ = std::io::stderr().flush();
        let mut fds = [0i32; 2];
        // SAFETY: plain descriptor calls on descriptors this function owns;
        // fd 2 is restored by `finish`.
        unsafe {
            if libc::pipe(fds.as_mut_ptr()) != 0 {
                return None;
            }
            let saved = libc::dup(2);
            if saved < 0 || libc::dup2(fds[1], 2) < 0 {
                libc::close(fds[0]);
                libc::close(fds[1]);
                return None;
            }
            libc::close(fds[1]);
            let (tx, lines) = channel();
            use std::os::fd::FromRawFd;
            let read = std::fs::File::from_raw_fd(fds[0]);
            let reader = std::thread::Builder::new()
                .name("weft-stderr".into())
                .spawn(move || {
                    for l in std::io::BufReader::new(read).lines() {
                        let Ok(l) = l else { break };
                        if tx.send(l).is_err() {
                            break;
                        }
                    }
                })
                .ok();
            Some(StderrCapture {
                saved,
                lines,
                reader,
            })
        }
    }

    /// Restores standard error; returns the lines not yet shown.
    fn finish(mut self) -> Vec<String> {
        let _ = std::io::stderr().flush();
        // SAFETY: `saved` is the original fd 2; restoring it closes the
        // pipe's last writer, which ends the reader.
        unsafe {
            libc::dup2(self.saved, 2);
            libc::close(self.saved);
        }
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.lines.try_iter().collect()
    }
}
