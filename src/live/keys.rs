//! The computer keyboard while `weft play` runs on a terminal: the keys
//! held are visible to patterns (`keyDown(…)`, `whenKey(…)`).
//!
//! The terminal is put in "cbreak" mode (keys arrive one by one, not
//! echoed) rather than raw mode: output keeps its line endings and Ctrl-C
//! still stops weft. Terminals that speak the kitty keyboard protocol
//! report releases, so a key is held exactly as long as it is down; on
//! others a key counts as held for a moment after each press (auto-repeat
//! keeps a held key down). Everything here runs on its own thread, far
//! from the audio callback.

use crossterm::event::{
    self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use lang::library::keys;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Reads the keyboard until dropped (the terminal is restored then).
pub struct KeyReader {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    saved: libc::termios,
    enhanced: bool,
}

/// Starts reading keys when standard input is a terminal.
pub fn start() -> Option<KeyReader> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    let saved = cbreak()?;
    let enhanced = crossterm::terminal::supports_keyboard_enhancement().unwrap_or(false);
    if enhanced {
        let _ = crossterm::execute!(
            std::io::stderr(),
            PushKeyboardEnhancementFlags(
                KeyboardEnhancementFlags::REPORT_EVENT_TYPES
                    | KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES
            )
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let thread = std::thread::Builder::new()
        .name("weft-keys".into())
        .spawn(move || read_keys(&s, enhanced))
        .ok()?;
    Some(KeyReader {
        stop,
        thread: Some(thread),
        saved,
        enhanced,
    })
}

impl Drop for KeyReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if self.enhanced {
            let _ = crossterm::execute!(std::io::stderr(), PopKeyboardEnhancementFlags);
        }
        // SAFETY: restores the attributes read from the same descriptor.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
        keys::release_all();
        let _ = std::io::stderr().flush();
    }
}

/// Switches the terminal to cbreak mode; returns the previous settings.
fn cbreak() -> Option<libc::termios> {
    // SAFETY: `termios` is plain data, filled in by `tcgetattr` before use.
    unsafe {
        let mut saved: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
            return None;
        }
        let mut t = saved;
        t.c_lflag &= !(libc::ICANON | libc::ECHO);
        t.c_iflag &= !(libc::ICRNL | libc::IXON);
        t.c_cc[libc::VMIN] = 1;
        t.c_cc[libc::VTIME] = 0;
        if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) != 0 {
            return None;
        }
        Some(saved)
    }
}

fn read_keys(stop: &AtomicBool, enhanced: bool) {
    while !stop.load(Ordering::SeqCst) {
        match event::poll(Duration::from_millis(50)) {
            Ok(true) => match event::read() {
                Ok(Event::Key(k)) => record(&k, enhanced),
                Ok(Event::FocusLost) => keys::release_all(),
                Ok(_) => {}
                Err(_) => return,
            },
            Ok(false) => {}
            Err(_) => return,
        }
    }
}

/// The browser's name of a key (what Strudel programs write).
pub fn key_name(code: &KeyCode) -> Option<String> {
    Some(match code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Esc => "Escape".into(),
        KeyCode::Up => "ArrowUp".into(),
        KeyCode::Down => "ArrowDown".into(),
        KeyCode::Left => "ArrowLeft".into(),
        KeyCode::Right => "ArrowRight".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PageUp".into(),
        KeyCode::PageDown => "PageDown".into(),
        KeyCode::Delete => "Delete".into(),
        KeyCode::Insert => "Insert".into(),
        KeyCode::F(n) => format!("F{n}"),
        _ => return None,
    })
}

/// Records a key event (and its modifiers, held with it).
pub(super) fn record(k: &KeyEvent, enhanced: bool) {
    let Some(name) = key_name(&k.code) else {
        return;
    };
    let modifiers = [
        (KeyModifiers::CONTROL, "Control"),
        (KeyModifiers::SHIFT, "Shift"),
        (KeyModifiers::ALT, "Alt"),
        (KeyModifiers::SUPER, "Meta"),
    ];
    match k.kind {
        KeyEventKind::Release => {
            keys::release(&name);
            for (m, n) in modifiers {
                if k.modifiers.contains(m) {
                    keys::release(n);
                }
            }
        }
        KeyEventKind::Press | KeyEventKind::Repeat => {
            keys::press(&name, enhanced);
            for (m, n) in modifiers {
                if k.modifiers.contains(m) {
                    keys::press(n, enhanced);
                }
            }
        }
    }
}
