//! Live input and takes in a live session: opening the capture device
//! (`--input`), the REPL's `:take`, the program's `take(…)` lines and the
//! dashboard's take key ([`SessionTakes`]), and the call they all use
//! ([`request`]). Finished takes are saved as WAV files in the takes
//! folder next to the program (`takes/NAME.wav`) and loaded from there at
//! the next start.

use engine::device::Output;
use engine::engine::Engine;
use engine::input::{open_capture, Capture, InputFeed, InputStats, InputView};
use engine::takes::{save_wav, TakeRequest, TakeSource};
use lang::takes::{TakeFrom, TakeLine};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The takes folder of a program: `takes/` beside it (the current
/// directory's without a file).
pub fn folder(program: Option<&Path>) -> PathBuf {
    let dir = program
        .and_then(|p| p.parent())
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    dir.join("takes")
}

/// The live input of a session: the running capture stream and its counters.
pub struct LiveInput {
    capture: Option<Capture>,
    stats: Arc<InputStats>,
    /// Latency compensation of input takes (frames): the round trip plus
    /// the master limiter's look-ahead (what is heard left the engine that
    /// much later than it was rendered).
    pub latency: i64,
    limiter: i64,
    reported: InputView,
}

/// Opens the input `device` ("default" for the system's) beside `output`
/// and attaches it to the engine and its audio side. Without a usable
/// device: one clear message on standard error, and `None` — the output
/// plays on and `input()` is silent.
pub fn attach_input(
    device: &str,
    output: &Output,
    engine: &mut Engine,
    core: &mut engine::audio::AudioCore,
) -> Option<LiveInput> {
    let stats = Arc::new(InputStats::default());
    let opened = crate::live::without_library_messages(|| {
        open_capture(
            Some(device),
            output.sample_rate,
            output.buffer,
            output.buffer,
            stats.clone(),
        )
    });
    match opened {
        Ok((capture, live)) => {
            // Until measured (see `check`): the output's buffer, the
            // capture's block and the ring's fill before reading.
            let latency = (live.target() + capture.block + output.buffer as usize) as i64;
            eprintln!(
                "input: {} ({} ch at {} Hz, {}-frame blocks)",
                capture.name, capture.channels, output.sample_rate, capture.block
            );
            let limiter = core.latency() as i64;
            let latency = latency + limiter;
            core.set_input(InputFeed::Live(live));
            engine.set_input_latency(Some(latency));
            Some(LiveInput {
                capture: Some(capture),
                stats,
                latency,
                limiter,
                reported: InputView::default(),
            })
        }
        Err(e) => {
            eprintln!("warning: {e}");
            None
        }
    }
}

impl LiveInput {
    /// What changed on the input since the last call, as messages: the
    /// device gone (its stream is then closed, so that takes end), dropouts
    /// and dropped frames.
    pub fn check(&mut self, engine: &mut Engine) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(l) = self.stats.view().latency {
            let l = l + self.limiter;
            if engine.input_latency() != Some(l) {
                self.latency = l;
                engine.set_input_latency(Some(l));
            }
        }
        if self.capture.as_ref().is_some_and(|c| c.failed()) {
            let name = self.capture.take().map(|c| c.name).unwrap_or_default();
            out.push(format!(
                "the input device `{name}` stopped; `input()` is silent from here, a take in progress keeps what it recorded"
            ));
        }
        let now = self.stats.view();
        if now.underruns > self.reported.underruns {
            out.push(format!(
                "input dropout: {} time(s) the input ran dry (silence instead; the output is unaffected)",
                now.underruns - self.reported.underruns
            ));
        }
        if now.dropped > self.reported.dropped {
            out.push(format!(
                "input overrun: {} frame(s) dropped to keep the latency bounded",
                now.dropped - self.reported.dropped
            ));
        }
        self.reported = now;
        out
    }

    /// One line for the end of a session: latency, ring fill, dropouts.
    pub fn summary(&self) -> String {
        let v = self.stats.view();
        let fill = if v.fill_min <= v.fill_max {
            format!("ring fill {}–{} frames", v.fill_min, v.fill_max)
        } else {
            "no input received".to_string()
        };
        let measured = match v.latency {
            Some(l) => format!(
                "measured round trip {l} frames (+{} of the limiter's look-ahead: takes shifted by {})",
                self.limiter,
                l + self.limiter
            ),
            None => format!("round trip not measured (assumed {} frames)", self.latency),
        };
        format!(
            "input: {measured}, {fill}, {} frames in, {} dropout(s), {} frame(s) dropped",
            v.frames, v.underruns, v.dropped
        )
    }
}

/// Asks for a take: `name` recorded from `source` for `cycles` cycles from
/// the next cycle boundary (`overdub`: layered onto the take of that name).
/// Returns a line saying when it starts, or why it cannot. This is the
/// call for a key binding.
pub fn request(
    engine: &mut Engine,
    name: &str,
    cycles: u32,
    source: TakeSource,
    overdub: bool,
) -> Result<String, String> {
    let s = engine.request_take(TakeRequest {
        name: name.to_string(),
        source: source.clone(),
        cycles,
        overdub,
    })?;
    let from = match &source {
        TakeSource::Input => "the input".to_string(),
        TakeSource::Master => "the master".to_string(),
        TakeSource::Track(t) => format!("track `{t}`"),
    };
    Ok(format!(
        "take `{name}`: {} {cycles} cycle(s) of {from} from cycle {}",
        if overdub { "adding" } else { "recording" },
        s.from_cycle
    ))
}

/// Reads `:take`'s argument: name, cycles, source and whether it is an
/// overdub; or what to say instead.
fn parse_command(arg: &str) -> Result<(String, u32, TakeSource, bool), String> {
    const USAGE: &str = "usage: :take NAME CYCLES [--add] [--from input|master|TRACK]";
    let words: Vec<&str> = arg.split_whitespace().collect();
    let (Some(name), Some(cycles)) = (words.first(), words.get(1)) else {
        return Err(USAGE.into());
    };
    let Ok(cycles) = cycles.parse::<u32>() else {
        return Err(format!("`{cycles}` is not a number of cycles; {USAGE}"));
    };
    let mut overdub = false;
    let mut source = TakeSource::Input;
    let mut rest = words[2..].iter();
    while let Some(w) = rest.next() {
        match *w {
            "--add" => overdub = true,
            "--from" => {
                source = match rest.next() {
                    Some(&"input") => TakeSource::Input,
                    Some(&"master") => TakeSource::Master,
                    Some(t) => TakeSource::Track(t.to_string()),
                    None => return Err(USAGE.into()),
                }
            }
            _ => return Err(USAGE.into()),
        }
    }
    Ok((name.to_string(), cycles, source, overdub))
}

/// The length of a take from the dashboard's key when no take was
/// recorded yet in the session.
pub const KEY_CYCLES: u32 = 4;

/// What a session remembers about takes: the program's take lines
/// already asked for (a line records when it first appears or changes,
/// not at every save) and the length of the last take asked for (the
/// dashboard key's length).
#[derive(Default)]
pub struct SessionTakes {
    asked: Vec<TakeLine>,
    last_cycles: Option<u32>,
}

impl SessionTakes {
    /// At the start of a session: the lines of the first program whose
    /// take is saved already count as asked for (the saved take plays; a
    /// changed line records it again). Returns what to say.
    pub fn start(&mut self, engine: &Engine, lines: &[TakeLine]) -> Vec<String> {
        let mut out = Vec::new();
        for l in lines {
            if engine.take(&l.name).is_some() {
                out.push(format!(
                    "{l}: the saved take plays; change the line (or :take {} {}) to record it again",
                    l.name, l.cycles
                ));
                self.asked.push(l.clone());
            }
        }
        out
    }

    /// Asks for the takes of `lines` (the program now playing) that were
    /// not asked for in that form before; forgets lines no longer there.
    /// Returns what to say.
    pub fn follow(&mut self, engine: &mut Engine, lines: &[TakeLine]) -> Vec<String> {
        let mut out = Vec::new();
        let mut asked = Vec::new();
        for l in lines {
            if !self.asked.contains(l) {
                let source = match &l.from {
                    TakeFrom::Input => TakeSource::Input,
                    TakeFrom::Master => TakeSource::Master,
                    TakeFrom::Track(t) => TakeSource::Track(t.clone()),
                };
                out.push(match request(engine, &l.name, l.cycles, source, l.add) {
                    Ok(m) => {
                        self.last_cycles = Some(l.cycles);
                        m
                    }
                    Err(e) => format!("warning: {l}: {e}"),
                });
            }
            asked.push(l.clone());
        }
        self.asked = asked;
        out
    }

    /// The REPL's `:take NAME CYCLES [--add] [--from input|master|TRACK]`.
    pub fn command(&mut self, engine: &mut Engine, arg: &str) -> String {
        match parse_command(arg) {
            Ok((name, cycles, source, overdub)) => {
                match request(engine, &name, cycles, source, overdub) {
                    Ok(m) => {
                        self.last_cycles = Some(cycles);
                        m
                    }
                    Err(e) => e,
                }
            }
            Err(usage) => usage,
        }
    }

    /// The dashboard's take key: a take of the input (of the `selected`
    /// track when no input is open) as long as the last take (else
    /// [`KEY_CYCLES`]), named `take1`, `take2`, … (the first name no take
    /// has, saved or recording).
    pub fn key(&mut self, engine: &mut Engine, dir: &Path, selected: Option<&str>) -> String {
        let source = match (engine.input_latency(), selected) {
            (Some(_), _) => TakeSource::Input,
            (None, Some(t)) => TakeSource::Track(t.to_string()),
            (None, None) => {
                return "no input is open and no track is selected: start with --input DEVICE (weft devices lists them), or select a track with ↑↓".into()
            }
        };
        let name = free_name(engine, dir);
        let cycles = self.last_cycles.unwrap_or(KEY_CYCLES);
        match request(engine, &name, cycles, source, false) {
            Ok(m) => {
                self.last_cycles = Some(cycles);
                m
            }
            Err(e) => format!("take `{name}`: {e}"),
        }
    }
}

/// The first of `take1`, `take2`, … that no take has: none installed,
/// recording or saved in `dir`.
pub fn free_name(engine: &Engine, dir: &Path) -> String {
    let recording = engine.takes_recording();
    (1..)
        .map(|n| format!("take{n}"))
        .find(|n| {
            engine.take(n).is_none()
                && !recording.contains(n)
                && !engine::takes::take_path(dir, n).exists()
        })
        .unwrap_or_default()
}

/// The names of the takes saved for `program` (see [`folder`]).
pub fn saved_names(program: Option<&Path>) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder(program)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_string))
        .filter(|n| engine::takes::valid_name(n))
        .collect();
    names.sort();
    names
}

/// Saves the takes that finished into `dir`, adds their names to `known`
/// (sound names the evaluation knows) and returns what to say.
pub fn save_finished(engine: &mut Engine, dir: &Path, known: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for t in engine.finished_takes() {
        if !known.contains(&t.name) {
            known.push(t.name.clone());
        }
        let saved = save_wav(dir, &t.name, &t.sample);
        let secs = t.frames as f64 / t.sample.rate;
        let what = if t.cut {
            format!(
                "take `{}` cut short: the input stopped after {secs:.2} s (kept)",
                t.name
            )
        } else {
            format!(
                "take `{}`{}: {} cycle(s), {secs:.2} s; play it with s(\"{}\")",
                t.name,
                if t.overdub { " (layered)" } else { "" },
                t.cycles,
                t.name
            )
        };
        out.push(match saved {
            Ok(path) => format!("{what}; saved to {}", path.display()),
            Err(e) => format!("{what}; not saved: {e}"),
        });
    }
    out
}

/// Loads the takes saved in `dir` and says which (nothing when there are none).
pub fn load_saved(engine: &mut Engine, dir: &Path) -> Option<String> {
    let (names, problems) = engine.load_takes(dir);
    for p in problems {
        eprintln!("warning: {p}");
    }
    (!names.is_empty()).then(|| format!("takes: {} (from {})", names.join(", "), dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::engine::EngineConfig;

    /// An engine playing `src` (its swap done, as the live loop waits
    /// for) and the program's take lines.
    fn engine_playing(src: &str) -> (Engine, Vec<TakeLine>) {
        let (mut engine, core) = Engine::new(EngineConfig::default(), Vec::new());
        let (p, d) = lang::program::evaluate(src);
        assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
        let lines = p.takes.clone();
        engine.load(p);
        engine.schedule(256);
        assert!(engine.pending_swap().is_none());
        // The audio side is not needed: takes only wait in its queue.
        drop(core);
        (engine, lines)
    }

    #[test]
    fn a_take_line_records_when_it_appears_or_changes_not_at_every_save() {
        let src = "setcps(1)\ndrums: s(\"bd\")\ntake('loop', 2, { from: 'drums' })\n";
        let (mut engine, lines) = engine_playing(src);
        let mut t = SessionTakes::default();
        let said = t.follow(&mut engine, &lines);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("take `loop`: recording 2 cycle(s) of track `drums` from cycle"),
            "{said:?}"
        );
        assert_eq!(engine.takes_recording(), ["loop"]);
        // Saved again unchanged: nothing new.
        assert!(t.follow(&mut engine, &lines).is_empty());
        assert_eq!(engine.takes_recording().len(), 1);
        // A changed line records again.
        let (_, changed) = engine_playing(&src.replace("2, {", "3, {"));
        assert_eq!(t.follow(&mut engine, &changed).len(), 1);
        assert_eq!(engine.takes_recording().len(), 2);
        // Taken out and put back: records again.
        assert!(t.follow(&mut engine, &[]).is_empty());
        assert_eq!(t.follow(&mut engine, &changed).len(), 1);
        assert_eq!(engine.takes_recording().len(), 3);
        // The key uses the last length.
        assert_eq!(t.last_cycles, Some(3));
    }

    #[test]
    fn a_take_that_cannot_start_is_said_once() {
        let (mut engine, lines) = engine_playing("take('voice', 4)\n");
        let mut t = SessionTakes::default();
        let said = t.follow(&mut engine, &lines);
        assert_eq!(said.len(), 1);
        assert!(
            said[0].starts_with("warning: take(\"voice\", 4): no audio input is open"),
            "{said:?}"
        );
        assert!(t.follow(&mut engine, &lines).is_empty());
        assert!(engine.takes_recording().is_empty());
    }

    #[test]
    fn a_saved_take_is_kept_at_the_start() {
        let (mut engine, lines) = engine_playing("m: s(\"bd\")\ntake('loop', 1, { from: 'm' })\n");
        engine.install_take(
            "loop",
            Arc::new(engine::samples::Sample::from_frames(
                vec![0.0; 4],
                2,
                48000.0,
            )),
        );
        let mut t = SessionTakes::default();
        let said = t.start(&engine, &lines);
        assert_eq!(said.len(), 1);
        assert!(said[0].contains("the saved take plays"), "{said:?}");
        assert!(t.follow(&mut engine, &lines).is_empty());
        assert!(engine.takes_recording().is_empty());
    }

    #[test]
    fn the_key_takes_the_selected_track_under_a_free_name() {
        let dir = std::env::temp_dir().join(format!("weft-key-takes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("take1.wav"), b"").unwrap();
        let (mut engine, _) = engine_playing("setcps(1)\nbass: s(\"bd\")\n");
        let mut t = SessionTakes::default();
        let none = t.key(&mut engine, &dir, None);
        assert!(none.contains("no track is selected"), "{none}");
        let m = t.key(&mut engine, &dir, Some("bass"));
        assert!(
            m.starts_with("take `take2`: recording 4 cycle(s) of track `bass`"),
            "{m}"
        );
        let m = t.key(&mut engine, &dir, Some("bass"));
        assert!(m.starts_with("take `take3`"), "{m}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_take_line_at_the_prompt_stays_a_statement() {
        use crate::live::name_repl_pattern as named;
        for entry in [
            "take('v', 4)",
            "take(\"v\", 4, { from: 'drums' })",
            "editSample('bd', { gain: 0.5 })",
        ] {
            assert_eq!(named(entry), entry);
        }
        // Strudel's stepwise `take` is a pattern: it plays as `repl`.
        assert_eq!(
            named("take(2, s(\"bd sd\"))"),
            "repl: take(2, s(\"bd sd\"))"
        );
    }
}
