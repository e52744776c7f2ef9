//! Live input and takes in a live session: opening the capture device
//! (`--input`), the REPL's `:take`, and the call a key binding uses
//! ([`request`]). Finished takes are saved as WAV files in the takes
//! folder next to the program (`takes/NAME.wav`) and loaded from there at
//! the next start.

use engine::device::Output;
use engine::engine::Engine;
use engine::input::{open_capture, Capture, InputFeed, InputStats, InputView};
use engine::takes::{save_wav, TakeRequest, TakeSource};
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

/// The REPL's `:take NAME CYCLES [--add] [--from input|master|TRACK]`.
pub fn command(engine: &mut Engine, arg: &str) -> String {
    const USAGE: &str = "usage: :take NAME CYCLES [--add] [--from input|master|TRACK]";
    let words: Vec<&str> = arg.split_whitespace().collect();
    let (Some(name), Some(cycles)) = (words.first(), words.get(1)) else {
        return USAGE.into();
    };
    let Ok(cycles) = cycles.parse::<u32>() else {
        return format!("`{cycles}` is not a number of cycles; {USAGE}");
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
                    None => return USAGE.into(),
                }
            }
            _ => return USAGE.into(),
        }
    }
    match request(engine, name, cycles, source, overdub) {
        Ok(s) | Err(s) => s,
    }
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
