//! The REPL's line editor: history, multi-line input (open brackets and
//! strings continue the entry), completion of library and user names, and
//! hints from the documentation. Without a terminal, lines are read from
//! standard input as they come (for scripts and tests).

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, ExternalPrinter, Helper};
use std::borrow::Cow;
use std::io::{BufRead, IsTerminal};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// REPL commands, with a one-line description.
pub const COMMANDS: &[(&str, &str)] = &[
    (":help", "this list"),
    (
        ":doc NAME",
        "documentation of a function, control, instrument or effect",
    ),
    (":tracks", "the tracks and their state"),
    (
        ":hush",
        "silence everything (type a track again to bring it back)",
    ),
    (":mute NAME", "mute a track"),
    (":unmute NAME", "unmute a track"),
    (":solo NAME", "solo a track (`:solo` alone clears solos)"),
    (":tempo BPM", "set the tempo in beats per minute"),
    (":load FILE", "play another file"),
    (
        ":save FILE",
        "write the current program (file plus REPL entries) as weft source",
    ),
    (
        ":record start|stop FILE",
        "record what is played to a WAV file",
    ),
    (
        ":take NAME CYCLES [--add]",
        "record the input (or --from master|TRACK) for CYCLES cycles from the next cycle: s(\"NAME\") plays it",
    ),
    (
        ":jump SECTION",
        "jump to a section of the song at the next cycle",
    ),
    (":quit", "stop"),
];

/// What the input side sends to the control loop.
pub enum Input {
    Line(String),
    /// End of input (Ctrl-D, end of a pipe).
    End,
}

/// Names offered for completion; refreshed by the control loop.
pub type Names = Arc<Mutex<Vec<String>>>;

/// Depth of open brackets and whether a string is open, at the end of `s`.
pub fn open_brackets(s: &str) -> (i32, bool) {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, '/') if chars.peek() == Some(&'/') => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    (depth, quote.is_some())
}

struct WeftHelper {
    names: Names,
    docs: Vec<(String, String)>,
}

fn word_start(line: &str, pos: usize) -> usize {
    line[..pos]
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$' || *c == ':'))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0)
}

impl Completer for WeftHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = word_start(line, pos);
        let word = &line[start..pos];
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        let mut out: Vec<Pair> = Vec::new();
        let mut push = |name: &str, summary: &str| {
            if name.starts_with(word) && !out.iter().any(|p| p.replacement == name) {
                out.push(Pair {
                    display: if summary.is_empty() {
                        name.to_string()
                    } else {
                        format!("{name}  — {summary}")
                    },
                    replacement: name.to_string(),
                });
            }
        };
        if word.starts_with(':') {
            for (c, d) in COMMANDS {
                push(c.split(' ').next().unwrap(), d);
            }
        } else {
            for n in self.names.lock().unwrap().iter() {
                push(n, "");
            }
            for (n, s) in &self.docs {
                push(n, s);
            }
        }
        out.sort_by(|a, b| {
            a.replacement
                .len()
                .cmp(&b.replacement.len())
                .then(a.replacement.cmp(&b.replacement))
        });
        out.truncate(40);
        Ok((start, out))
    }
}

impl Hinter for WeftHelper {
    type Hint = String;

    /// After a complete library name followed by `(`, the hint shows its summary.
    fn hint(&self, line: &str, pos: usize, _: &Context<'_>) -> Option<String> {
        if pos != line.len() || !line.ends_with('(') {
            return None;
        }
        let before = &line[..line.len() - 1];
        let word = &before[word_start(before, before.len())..];
        self.docs
            .iter()
            .find(|(n, _)| n == word)
            .map(|(_, s)| format!("  ← {}", truncate(s, 60)))
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

impl Highlighter for WeftHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
    }
}

impl Validator for WeftHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let (depth, in_string) = open_brackets(ctx.input());
        if depth > 0 || in_string {
            Ok(ValidationResult::Incomplete)
        } else {
            Ok(ValidationResult::Valid(None))
        }
    }
}

impl Helper for WeftHelper {}

/// A way to print while the user may be typing.
pub type Printer = Box<dyn FnMut(String) + Send>;

fn history_path() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("XDG_STATE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/state"))
        })?;
    Some(dir.join("weft").join("history"))
}

/// The history file of the line editor, as the dashboard's prompt uses it:
/// read in the line editor's own format (entries over several lines
/// included), and each new entry appended to it at once, so that the next
/// session, with or without the view, finds it.
pub struct HistoryFile {
    path: Option<std::path::PathBuf>,
    history: rustyline::history::DefaultHistory,
}

impl HistoryFile {
    /// The user's history file (`$XDG_STATE_HOME/weft/history`).
    pub fn open() -> HistoryFile {
        HistoryFile::at(history_path())
    }

    /// The history kept at `path` (none: kept in memory only).
    pub fn at(path: Option<std::path::PathBuf>) -> HistoryFile {
        use rustyline::history::History;
        let mut history = rustyline::history::DefaultHistory::new();
        if let Some(p) = path.as_deref().filter(|p| p.exists()) {
            let _ = history.load(p);
        }
        HistoryFile { path, history }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> Vec<String> {
        self.history.iter().cloned().collect()
    }

    /// Adds an entry and appends it to the file (a file that cannot be
    /// written only loses the history, never the entry).
    pub fn add(&mut self, entry: &str) {
        use rustyline::history::History;
        if !matches!(self.history.add(entry), Ok(true)) {
            return;
        }
        if let Some(p) = &self.path {
            if let Some(dir) = p.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = self.history.append(p);
        }
    }
}

/// Starts reading input on its own thread. Returns a printer that does not
/// disturb the line being typed, and whether a line editor is in use.
pub fn start(tx: Sender<Input>, names: Names) -> (Printer, bool) {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if interactive {
        let docs: Vec<(String, String)> = stdlib::docs::all()
            .into_iter()
            .flat_map(|e| {
                let mut v = vec![(e.name.clone(), e.summary.clone())];
                v.extend(e.aliases.iter().map(|a| (a.clone(), e.summary.clone())));
                v
            })
            .collect();
        let config = rustyline::Config::builder()
            .auto_add_history(true)
            .completion_type(rustyline::CompletionType::List)
            .build();
        if let Ok(mut ed) =
            Editor::<WeftHelper, rustyline::history::DefaultHistory>::with_config(config)
        {
            ed.set_helper(Some(WeftHelper { names, docs }));
            let history = history_path();
            if let Some(h) = &history {
                let _ = ed.load_history(h);
            }
            if let Ok(mut printer) = ed.create_external_printer() {
                std::thread::spawn(move || loop {
                    match ed.readline("weft> ") {
                        Ok(line) => {
                            if tx.send(Input::Line(line)).is_err() {
                                break;
                            }
                        }
                        Err(rustyline::error::ReadlineError::Interrupted) => continue,
                        Err(_) => {
                            let _ = tx.send(Input::End);
                            break;
                        }
                    }
                    if let Some(h) = &history {
                        if let Some(dir) = h.parent() {
                            let _ = std::fs::create_dir_all(dir);
                        }
                        let _ = ed.save_history(h);
                    }
                });
                return (
                    Box::new(move |s: String| {
                        let _ = printer.print(s);
                    }),
                    true,
                );
            }
        }
    }
    // Not a terminal: read whole entries (continuing while brackets are
    // open, and while the next line continues a chain: `.fast(2)`).
    let (line_tx, line_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if line_tx.send(line).is_err() {
                return;
            }
        }
    });
    std::thread::spawn(move || read_entries(&line_rx, &tx));
    (
        Box::new(|s: String| {
            println!("{s}");
        }),
        false,
    )
}

/// How long a complete entry waits for a continuation line (`.lpf(…)` on
/// the next line) before it is applied.
const CONTINUATION_WAIT: std::time::Duration = std::time::Duration::from_millis(60);

/// Whether a line continues the entry before it, as JavaScript reads it:
/// a method chain or a closing bracket on the next line.
fn continues(line: &str) -> bool {
    let t = line.trim_start();
    (t.starts_with('.') && !t.starts_with("...")) || t.starts_with([')', ']', '}', '?'])
}

/// Splits input lines into REPL entries: an entry goes on while brackets or
/// strings are open, or while the next line continues it; a complete entry
/// is sent when the next line starts something new, or after a moment.
fn read_entries(line_rx: &std::sync::mpsc::Receiver<String>, tx: &Sender<Input>) {
    let mut entry = String::new();
    loop {
        let (depth, in_string) = open_brackets(&entry);
        let complete = !entry.trim().is_empty() && depth <= 0 && !in_string;
        let next = if complete {
            match line_rx.recv_timeout(CONTINUATION_WAIT) {
                Ok(line) => Some(line),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if tx.send(Input::Line(std::mem::take(&mut entry))).is_err() {
                        return;
                    }
                    continue;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => None,
            }
        } else {
            line_rx.recv().ok()
        };
        let Some(line) = next else {
            if !entry.trim().is_empty() {
                let _ = tx.send(Input::Line(entry));
            }
            let _ = tx.send(Input::End);
            return;
        };
        if complete
            && !continues(&line)
            && tx.send(Input::Line(std::mem::take(&mut entry))).is_err()
        {
            return;
        }
        if !entry.is_empty() {
            entry.push('\n');
        }
        entry.push_str(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_chains_on_the_next_line_continue_an_entry() {
        let input =
            "const keys = x => x.s('sawtooth')\n  .cutoff(1200)\n$: note(\"c e\")\n:tracks\n";
        let (line_tx, line_rx) = std::sync::mpsc::channel();
        for l in input.lines() {
            line_tx.send(l.to_string()).unwrap();
        }
        drop(line_tx);
        let (tx, rx) = std::sync::mpsc::channel();
        read_entries(&line_rx, &tx);
        let got: Vec<String> = rx
            .try_iter()
            .filter_map(|i| match i {
                Input::Line(l) => Some(l),
                Input::End => None,
            })
            .collect();
        assert_eq!(
            got,
            [
                "const keys = x => x.s('sawtooth')\n  .cutoff(1200)",
                "$: note(\"c e\")",
                ":tracks"
            ]
        );
    }

    #[test]
    fn entries_added_to_the_history_file_are_read_by_the_line_editor() {
        use rustyline::history::{DefaultHistory, History};
        let dir = std::env::temp_dir().join(format!("weft-history-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("weft").join("history");
        // An earlier session of the plain line editor.
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut plain = DefaultHistory::new();
        plain.add("$: s(\"bd\")").unwrap();
        plain.save(&path).unwrap();
        // The view's prompt starts with it and adds its own entries.
        let mut file = HistoryFile::at(Some(path.clone()));
        assert_eq!(file.entries(), ["$: s(\"bd\")"]);
        file.add("stack(\n  s(\"hh*8\"))");
        file.add("note(\"c\\\\d\")");
        // The line editor of the next session reads them back as typed.
        let mut next = DefaultHistory::new();
        next.load(&path).unwrap();
        let read: Vec<&String> = next.iter().collect();
        assert_eq!(
            read,
            ["$: s(\"bd\")", "stack(\n  s(\"hh*8\"))", "note(\"c\\\\d\")"]
        );
        assert_eq!(HistoryFile::at(Some(path)).entries().len(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn brackets_continue_entries() {
        assert_eq!(open_brackets("s(\"bd"), (1, true));
        assert_eq!(open_brackets("stack(s(\"bd\"),"), (1, false));
        assert_eq!(open_brackets("s(\"[bd\") // (\n"), (0, false));
        assert_eq!(open_brackets("note('c\\'')"), (0, false));
    }
}
