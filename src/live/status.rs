//! The performer's status line: bar and beat, cycle, tempo, tracks,
//! voices, audio load and underruns, and the result of the last reload.
//!
//! With `weft play` the line is redrawn in place on stderr; in the REPL it
//! sits on the top row of the terminal, outside the scrolling region, so
//! it never disturbs the line being typed. It is off when the output is
//! not a terminal.

use std::io::Write;

/// What the status line shows.
#[derive(Clone, Debug, Default)]
pub struct Status {
    pub cycle: f64,
    pub beats_per_cycle: f64,
    pub bpm: f64,
    pub tracks: usize,
    pub voices: u32,
    /// Audio callback time as a fraction of the buffer's duration.
    pub load: f32,
    pub xruns: u64,
    pub section: Option<String>,
    /// Computer keys held (seen by `keyDown`/`whenKey`).
    pub keys: Vec<String>,
    /// Sample downloads under way.
    pub downloads: Option<String>,
    pub last: String,
}

impl Status {
    pub fn line(&self, width: usize) -> String {
        let beats = self.cycle * self.beats_per_cycle;
        let bar = (beats / self.beats_per_cycle.max(1.0)).floor() as i64 + 1;
        let beat = (beats.rem_euclid(self.beats_per_cycle.max(1.0))).floor() as i64 + 1;
        let mut s = format!(
            "▶ bar {bar}.{beat}  cycle {:.2}  {:.1} bpm  {} tracks  {} voices  cpu {:>3.0}%  xruns {}",
            self.cycle,
            self.bpm,
            self.tracks,
            self.voices,
            self.load * 100.0,
            self.xruns
        );
        if let Some(sec) = &self.section {
            s.push_str(&format!("  [{sec}]"));
        }
        if !self.keys.is_empty() {
            s.push_str(&format!("  keys {}", self.keys.join("+")));
        }
        if let Some(d) = &self.downloads {
            s.push_str(&format!("  ↓ {d}"));
        }
        if !self.last.is_empty() {
            s.push_str(&format!("  │ {}", self.last));
        }
        if s.chars().count() > width {
            s = s.chars().take(width.saturating_sub(1)).collect::<String>() + "…";
        }
        s
    }
}

/// Where and how the status line is drawn.
pub enum Display {
    Off,
    /// Redrawn in place at the bottom of stderr (`weft play`).
    Inline,
    /// On the terminal's top row, above a scrolling region (`weft repl`).
    TopRow,
}

impl Display {
    fn width() -> usize {
        terminal_size::terminal_size()
            .map(|(w, _)| w.0 as usize)
            .unwrap_or(100)
    }

    /// Prepares the terminal.
    pub fn begin(&self) {
        if let Display::TopRow = self {
            if let Some((_, h)) = terminal_size::terminal_size() {
                let mut out = std::io::stdout();
                // Scroll only rows 2.., leave the cursor at the bottom.
                let _ = write!(out, "\x1b[2J\x1b[2;{}r\x1b[{};1H", h.0, h.0);
                let _ = out.flush();
            }
        }
    }

    pub fn draw(&self, status: &Status) {
        let line = status.line(Display::width());
        match self {
            Display::Off => {}
            Display::Inline => {
                let mut err = std::io::stderr();
                let _ = write!(err, "\r\x1b[2K\x1b[2m{line}\x1b[0m");
                let _ = err.flush();
            }
            Display::TopRow => {
                let mut out = std::io::stdout();
                // One write: save cursor, draw row 1, restore cursor.
                let _ = out.write_all(
                    format!("\x1b7\x1b[1;1H\x1b[2K\x1b[7m{line}\x1b[0m\x1b8").as_bytes(),
                );
                let _ = out.flush();
            }
        }
    }

    /// Makes room for a message printed by someone else (inline mode).
    pub fn clear_for_message(&self) {
        if let Display::Inline = self {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }

    /// Restores the terminal.
    pub fn end(&self) {
        match self {
            Display::Inline => {
                let mut err = std::io::stderr();
                let _ = writeln!(err, "\r\x1b[2K");
            }
            Display::TopRow => {
                let mut out = std::io::stdout();
                let _ = write!(out, "\x1b7\x1b[1;1H\x1b[2K\x1b8\x1b[r");
                let _ = out.flush();
            }
            Display::Off => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_beats() {
        let s = Status {
            cycle: 2.5,
            beats_per_cycle: 4.0,
            bpm: 120.0,
            tracks: 3,
            voices: 12,
            load: 0.25,
            xruns: 0,
            section: Some("verse".into()),
            keys: vec!["Control".into(), "j".into()],
            downloads: None,
            last: "~drums".into(),
        };
        let l = s.line(200);
        assert!(
            l.starts_with(
                "▶ bar 3.3  cycle 2.50  120.0 bpm  3 tracks  12 voices  cpu  25%  xruns 0  [verse]  keys Control+j"
            ),
            "{l}"
        );
        assert!(s.line(20).chars().count() <= 20);
    }
}
