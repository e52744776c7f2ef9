//! The REPL's `:commands`, one function each. [`Live::command`] finds the
//! function for a command; adding a command is one line there, one
//! function here and one line in [`super::repl::COMMANDS`].

use super::recording::Recording;
use super::session::tracks_line;
use super::Live;
use engine::engine::Quantize;
use std::path::PathBuf;

/// Whether the session goes on after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

impl Live {
    /// Runs one `:command` with its argument (trimmed, possibly empty).
    pub(super) fn command(&mut self, cmd: &str, arg: &str) -> Flow {
        match cmd {
            ":q" | ":quit" | ":exit" => return Flow::Stop,
            ":help" | ":h" => self.help(),
            ":doc" => self.doc(arg),
            ":tracks" => self.tracks(),
            ":hush" => self.hush(),
            ":mute" => self.mute(arg),
            ":unmute" => self.unmute(arg),
            ":solo" => self.solo(arg),
            ":tempo" => self.tempo(arg),
            ":load" => self.load(arg),
            ":save" => self.save(arg),
            ":record" => self.record(arg),
            ":take" => self.take(arg),
            ":jump" => self.jump(arg),
            _ => self.say(format!("unknown command `{cmd}`; :help lists the commands")),
        }
        Flow::Continue
    }

    fn help(&mut self) {
        let text = super::repl::COMMANDS
            .iter()
            .map(|(c, d)| format!("  {c:<26} {d}"))
            .collect::<Vec<_>>()
            .join("\n");
        self.say(format!(
            "Type weft statements (drums: s(\"bd*4\"), let x = …, bpm(120)) or commands:\n{text}"
        ));
    }

    fn doc(&mut self, arg: &str) {
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

    fn tracks(&mut self) {
        let line = self
            .current
            .as_ref()
            .map(tracks_line)
            .unwrap_or_else(|| "no program".into());
        self.say(line);
    }

    /// Silences everything until a track is typed (or unmuted) again.
    pub(super) fn hush(&mut self) {
        self.hushed = true;
        self.apply(None, Quantize::Immediate);
    }

    /// Whether `name` is a track of the program playing (or empty); says
    /// so when not.
    fn known_track(&mut self, name: &str) -> bool {
        let known = self
            .current
            .as_ref()
            .is_some_and(|p| p.track(name).is_some());
        if !name.is_empty() && !known {
            self.say(format!("no track is called `{name}`"));
            return false;
        }
        true
    }

    pub(super) fn mute(&mut self, name: &str) {
        if self.known_track(name) {
            self.session.unmuted.remove(name);
            self.session.muted.insert(name.to_string());
            self.apply(None, Quantize::Immediate);
        }
    }

    pub(super) fn unmute(&mut self, name: &str) {
        if self.known_track(name) {
            self.session.muted.remove(name);
            self.session.unmuted.insert(name.to_string());
            self.hushed = false;
            self.apply(None, Quantize::Immediate);
        }
    }

    /// Solos a track; an empty name clears the solos.
    pub(super) fn solo(&mut self, name: &str) {
        if self.known_track(name) {
            if name.is_empty() {
                self.session.soloed.clear();
            } else {
                self.session.soloed.insert(name.to_string());
            }
            self.apply(None, Quantize::Immediate);
        }
    }

    fn tempo(&mut self, arg: &str) {
        match arg.parse::<f64>() {
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
        }
    }

    fn load(&mut self, arg: &str) {
        let path = PathBuf::from(arg);
        if !path.exists() {
            self.say(format!("cannot read `{arg}`"));
            return;
        }
        self.session.file = Some(path);
        self.session.lines.clear();
        if let Err(e) = self.session.read_file() {
            self.say(e);
            return;
        }
        self.apply(None, self.quantize);
    }

    fn save(&mut self, arg: &str) {
        if arg.is_empty() {
            self.say("usage: :save FILE".into());
            return;
        }
        match std::fs::write(arg, self.session.to_source()) {
            Ok(()) => self.say(format!("saved {arg}")),
            Err(e) => self.say(format!("cannot write `{arg}`: {e}")),
        }
    }

    /// `:take NAME CYCLES [--add] [--from master|TRACK]`: records from the
    /// next cycle; the take plays as `s("NAME")` once it is done.
    fn take(&mut self, arg: &str) {
        let m = self.session_takes.command(&mut self.engine, arg);
        self.say(m);
    }

    fn record(&mut self, arg: &str) {
        let mut parts = arg.split_whitespace();
        match (parts.next(), parts.next()) {
            (Some("start"), Some(file)) => {
                match Recording::start(&PathBuf::from(file), self.sample_rate) {
                    Ok(r) => {
                        self.say(format!("recording to {file}"));
                        self.recording = Some(r);
                    }
                    Err(e) => self.say(e),
                }
            }
            (Some("stop"), _) => match self.recording.take() {
                Some(r) => match r.finish() {
                    Ok(path) => self.say(format!("recorded {}", path.display())),
                    Err(e) => self.say(e),
                },
                None => self.say("not recording".into()),
            },
            _ => self.say("usage: :record start FILE | :record stop".into()),
        }
    }

    /// Plays a section of the song from the next cycle boundary.
    pub(super) fn jump(&mut self, name: &str) {
        let Some(p) = &self.current else { return };
        let Some(sec) = p.sections.iter().find(|s| s.name == name).cloned() else {
            let names: Vec<&str> = p.sections.iter().map(|s| s.name.as_str()).collect();
            self.say(if names.is_empty() {
                "this program has no song sections".into()
            } else {
                format!("no section `{name}` (sections: {})", names.join(", "))
            });
            return;
        };
        self.session.offset = self.next_boundary() - sec.start;
        self.apply(None, Quantize::NextCycle);
    }
}
