//! Documentation of everything a program can name: the language's library
//! (`lang::docs`), the standard library's instruments, drums and effects
//! (from the `///` comments of their weft source), the effect controls,
//! the chord types and `samples`. `weft doc`, `docs/stdlib.md` and the
//! REPL's completion all read [`all`].

use lang::docs::{Entry, Kind};
use lang::program::Definition;

/// A doc comment split into its parts.
#[derive(Debug, Default, PartialEq)]
pub struct DocComment {
    /// The first line.
    pub summary: String,
    /// Further lines that are neither parameters nor the example.
    pub more: Vec<String>,
    /// `name: text` lines for declared parameters.
    pub params: Vec<(String, String)>,
    pub example: String,
}

/// Splits a doc comment: the first line is the summary, `example: …` the
/// example, `name: text` a parameter (when `name` is one of `params`).
pub fn parse_doc(doc: &str, params: &[&str]) -> DocComment {
    let mut out = DocComment::default();
    for line in doc.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(ex) = line.strip_prefix("example:") {
            out.example = ex.trim().to_string();
        } else if let Some((name, text)) = line
            .split_once(':')
            .filter(|(n, _)| params.contains(&n.trim()))
        {
            out.params
                .push((name.trim().to_string(), text.trim().to_string()));
        } else if out.summary.is_empty() {
            out.summary = line.to_string();
        } else {
            out.more.push(line.to_string());
        }
    }
    out
}

/// Parameters of drums that the engine sets (not written by users).
const DRUM_INTERNAL: &[&str] = &["variants", "variant", "rate"];

/// What every instrument responds to, besides its own parameters.
const COMMON: &str = "note/n/freq, gain, velocity, pan, cutoff/lpf, resonance and every effect control (see Effect controls)";

fn definition_entry(d: &Definition) -> Entry {
    let names: Vec<&str> = d.params.iter().map(|(n, _)| n.as_str()).collect();
    let doc = parse_doc(&d.doc, &names);
    let drum = names.contains(&"variants");
    let mut params: Vec<(String, String)> = Vec::new();
    if drum {
        let variants = d
            .params
            .iter()
            .find(|(n, _)| n == "variants")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        params.push((
            "n".into(),
            format!(
                "variant 0–{} (wraps around; higher variants are longer and lower)",
                variants.parse::<f64>().map(|v| v - 1.0).unwrap_or(3.0)
            ),
        ));
        params.push((
            "speed, note".into(),
            "tuning: the drum plays at speed × 2^((note − 36) / 12) (note c2 is the original pitch)".into(),
        ));
    }
    for (name, default) in &d.params {
        if drum && DRUM_INTERNAL.contains(&name.as_str()) {
            continue;
        }
        let text = doc
            .params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        let text = if default.is_empty() {
            text
        } else if text.is_empty() {
            format!("default {default}")
        } else {
            format!("{text}; default {default}")
        };
        params.push((name.clone(), text));
    }
    if !d.is_effect && !drum {
        params.push(("also".into(), COMMON.into()));
    }
    let mut summary = doc.summary.clone();
    for m in &doc.more {
        summary.push(' ');
        summary.push_str(m);
    }
    let (kind, category) = if d.is_effect {
        (Kind::Effect, "Effects".to_string())
    } else if drum {
        let kit = d.name.split('_').next().unwrap_or_default().to_uppercase();
        (Kind::Drum, format!("Drums: {}", kit.replace("TR", "TR-")))
    } else {
        (Kind::Instrument, "Instruments".to_string())
    };
    Entry {
        name: d.name.clone(),
        aliases: crate::ALIASES
            .iter()
            .filter(|(_, of)| *of == d.name)
            .map(|(a, _)| a.to_string())
            .collect(),
        kind,
        category,
        summary,
        params,
        example: doc.example,
    }
}

fn drum_entries() -> Vec<Entry> {
    crate::DRUMS
        .iter()
        .map(|(d, what)| {
            let kits: Vec<String> = crate::KITS.iter().map(|k| format!("`{k}_{d}`")).collect();
            Entry {
                name: d.to_string(),
                aliases: Vec::new(),
                kind: Kind::Drum,
                category: "Drums".into(),
                summary: format!(
                    "The {what}: synthesized, no samples needed. `.bank(\"tr808\")` or `.bank(\"tr909\")` (also `RolandTR808`, `RolandTR909`) picks the kit ({}); without a bank the {} one plays, unless a loaded sample folder has a `{d}`.",
                    kits.join(", "),
                    crate::DEFAULT_KIT
                ),
                params: vec![
                    ("n".into(), "variant (`s(\"{d}:2\")`), wrapping around".replace("{d}", d)),
                    ("speed, note".into(), "tuning (note c2 is the original pitch)".into()),
                    ("decay".into(), "seconds to fade (each drum has its own default)".into()),
                ],
                example: format!("s(\"{d}*4\").bank(\"<tr808 tr909>\")"),
            }
        })
        .collect()
}

fn chord_entries() -> Vec<Entry> {
    lang::tonal::chord_types()
        .into_iter()
        .filter(|t| !t.aliases.is_empty())
        .map(|t| {
            // A symbol that mini-notation reads as one word, if there is one.
            let in_mini = |a: &str| !a.is_empty() && !a.contains(['/', '+', '"']);
            let symbol = t
                .aliases
                .iter()
                .find(|a| in_mini(a))
                .or_else(|| t.aliases.iter().find(|a| !a.is_empty()))
                .copied()
                .unwrap_or("");
            let name = if t.name.is_empty() {
                symbol.to_string()
            } else {
                t.name.to_string()
            };
            let shown: Vec<String> = t
                .aliases
                .iter()
                .map(|a| {
                    if a.is_empty() {
                        "C".to_string()
                    } else {
                        format!("C{a}")
                    }
                })
                .collect();
            Entry {
                name,
                aliases: Vec::new(),
                kind: Kind::Chord,
                category: "Chords".into(),
                summary: format!(
                    "Chord symbol{} {}: intervals {}.",
                    if shown.len() > 1 { "s" } else { "" },
                    shown.join(", "),
                    t.intervals.join(" ")
                ),
                params: Vec::new(),
                example: if in_mini(symbol) {
                    format!("chord(\"<C{symbol} F{symbol} Bb{symbol}>\").voicing().s(\"pad\")")
                } else {
                    // Not one word in mini-notation: a plain string.
                    format!("chord('C{symbol}').voicing().s(\"pad\")")
                },
            }
        })
        .collect()
}

/// `(control, summary, parameter text, example)` for the controls that
/// shape sound: filters, effects, sample playback.
const EFFECT_CONTROLS: &[(&str, &str, &str, &str)] = &[
    ("cutoff", "Low-pass filter cutoff (resonant, 12 dB/octave). Also `lpf`, `lp`, `ctf`.", "Hz, 20–20000", "note(\"c2*8\").s(\"sawtooth\").cutoff(sine.range(300, 3000).slow(4))"),
    ("resonance", "Resonance (Q) of the low-pass filter. Also `lpq`.", "0.1–30 (1 is mild; instruments with their own ladder filter use 0–1)", "note(\"c2*8\").s(\"sawtooth\").cutoff(800).resonance(8)"),
    ("hcutoff", "High-pass filter cutoff. Also `hpf`, `hp`.", "Hz, 20–20000", "s(\"hh*8\").hcutoff(4000)"),
    ("hresonance", "Resonance (Q) of the high-pass filter. Also `hpq`.", "0.1–30", "s(\"bd*4\").hcutoff(200).hresonance(5)"),
    ("bandf", "Band-pass filter centre frequency. Also `bpf`, `bp`.", "Hz, 20–20000", "note(\"c3*8\").s(\"sawtooth\").bandf(\"<500 1000 2000>\")"),
    ("bandq", "Band-pass filter Q (narrowness). Also `bpq`.", "0.1–30", "note(\"c3*8\").s(\"sawtooth\").bandf(1000).bandq(8)"),
    ("notch", "Notch filter: removes a band around this frequency; `notch(\"1000:4\")` also sets `notchq`.", "Hz, 20–20000", "note(\"c3*4\").s(\"sawtooth\").notch(1200).notchq(2)"),
    ("notchq", "Width of the notch: higher is narrower.", "0.1–30, default 1", "s(\"white*4\").notch(2000).notchq(4)"),
    ("vowel", "Formant filter: makes the sound say a vowel.", "a, e, i, o or u", "note(\"c3*4\").s(\"sawtooth\").vowel(\"<a e i o u>\")"),
    ("delay", "Send to the orbit's echo; `delay(\"0.5:0.25:0.6\")` also sets time and feedback.", "0–1", "note(\"c4 ~ e4 ~\").s(\"pluck\").delay(0.5).delaytime(0.25).delayfeedback(0.5)"),
    ("delaytime", "Time between echoes, in seconds (`delaysync` for cycles). Also `delayt`, `dt`.", "seconds, 0.001–2", "s(\"cp\").delay(0.5).delaytime(0.125)"),
    ("delaysync", "Time between echoes in cycles: follows the tempo.", "cycles, e.g. 3/16", "s(\"rim\").delay(0.6).delaysync(3 / 16).delayfeedback(0.5)"),
    ("delayfeedback", "How much of each echo comes back. Also `delayfb`, `dfb`.", "0–0.98", "s(\"cp ~\").delay(0.5).delayfeedback(0.8)"),
    ("room", "Send to the orbit's reverb; `room(\"0.5:4\")` also sets the size.", "0–1", "note(\"c4 e4 g4\").s(\"bell\").room(0.6)"),
    ("roomsize", "Reverb size: larger rooms ring longer. Also `size`, `sz`, `rsize`.", "0–10", "s(\"cp*2\").room(0.5).size(8)"),
    ("roomdamp", "Reverb damping: how quickly the high frequencies of the tail fade.", "0 (bright) – 1 (dark), default 0.5", "s(\"sd*2\").room(0.5).roomdamp(0.9)"),
    ("chorus", "Chorus amount: detuned, moving copies mixed with the sound.", "0–1", "note(\"[c3,e3,g3]\").s(\"square\").chorus(0.7)"),
    ("chorusrate", "Speed of the chorus.", "Hz, 0.05–10, default 0.8", "note(\"c3\").s(\"sawtooth\").chorus(0.5).chorusrate(2)"),
    ("chorusdepth", "Depth of the chorus.", "0–1, default 0.5", "note(\"c3\").s(\"sawtooth\").chorus(0.5).chorusdepth(1)"),
    ("phaserrate", "Phaser: sweeping notches at this rate; `phaser(\"2:0.8\")` also sets the depth. Also `phaser`, `ph`.", "Hz, 0.05–20", "note(\"c3*4\").s(\"sawtooth\").phaser(2)"),
    ("phaserdepth", "Depth of the phaser sweep. Also `phasdp`, `phd`.", "0–1, default 0.75", "note(\"c3*4\").s(\"sawtooth\").phaser(1).phaserdepth(1)"),
    ("flanger", "Flanger: a short modulated delay with feedback, at this rate; `flanger(\"0.3:0.8:0.7\")` also sets depth and feedback.", "Hz, 0.05–10", "note(\"c3*4\").s(\"sawtooth\").flanger(0.3)"),
    ("flangerdepth", "Depth of the flanger sweep.", "0–1, default 0.5", "s(\"hh*8\").flanger(0.5).flangerdepth(1)"),
    ("flangerfeedback", "Feedback of the flanger (metallic at high values).", "−0.95–0.95, default 0.5", "s(\"hh*8\").flanger(0.5).flangerfeedback(0.9)"),
    ("shape", "Waveshaping distortion.", "0–1 (0.99 at most)", "s(\"bd*4\").shape(0.6)"),
    ("distort", "Soft-clipping distortion (drive grows with the value). Also `dist`.", "0–10", "note(\"c2*4\").s(\"sine\").distort(2)"),
    ("crush", "Bit crusher: the bit depth.", "1–16 (fractions allowed; lower is harsher)", "s(\"sd*4\").crush(4)"),
    ("coarse", "Sample-rate reduction: keeps every n-th sample.", "1–64 (1 = none)", "s(\"hh*8\").coarse(8)"),
    ("compressor", "Compressor threshold; `compressor(\"-20:4:0:0.005:0.1\")` sets threshold, ratio, knee, attack, release.", "dB, −60–0", "s(\"bd*4, hh*8\").compressor(-24).compressorRatio(6)"),
    ("compressorRatio", "Compression ratio.", "1–20, default 4", "s(\"sd*4\").compressor(-20).compressorRatio(8)"),
    ("compressorAttack", "Compressor attack.", "seconds, default 0.005", "s(\"sd*4\").compressor(-20).compressorAttack(0.02)"),
    ("compressorRelease", "Compressor release.", "seconds, default 0.1", "s(\"sd*4\").compressor(-20).compressorRelease(0.3)"),
    ("limiter", "Peak limiter on the note: its ceiling.", "dBFS, −40–0", "note(\"c2*4\").s(\"sawtooth\").distort(3).limiter(-6)"),
    ("eqlow", "Three-band EQ: low shelf (250 Hz) gain.", "dB, −24–24", "s(\"bd*4\").eqlow(6)"),
    ("eqmid", "Three-band EQ: mid band (1 kHz) gain.", "dB, −24–24", "note(\"c3*4\").s(\"sawtooth\").eqmid(-6)"),
    ("eqhigh", "Three-band EQ: high shelf (4 kHz) gain.", "dB, −24–24", "s(\"hh*8\").eqhigh(-9)"),
    ("eqfreq", "Parametric EQ band: centre frequency; `eqfreq(\"800:6:2\")` also sets gain and Q.", "Hz, 20–20000", "note(\"c3*4\").s(\"sawtooth\").eqfreq(800).eqgain(9).eqq(2)"),
    ("eqgain", "Parametric EQ band: boost or cut.", "dB, −24–24", "s(\"sd*2\").eqfreq(200).eqgain(6)"),
    ("eqq", "Parametric EQ band: bandwidth (higher is narrower).", "0.1–20, default 1", "s(\"sd*2\").eqfreq(5000).eqgain(-8).eqq(4)"),
    ("tremolo", "Tremolo: the volume wobbles at this rate; `tremolo(\"6:0.5\")` also sets the depth. Also `trem`.", "Hz, 0.1–40", "note(\"[c3,e3,g3]\").s(\"organ\").tremolo(6)"),
    ("tremolosync", "Tremolo rate in cycles: so many wobbles per cycle. Also `tremsync`.", "per cycle", "note(\"c3\").s(\"pad\").tremolosync(8)"),
    ("tremolodepth", "Depth of the tremolo. Also `tremdepth`.", "0–1, default 1", "note(\"c3\").s(\"pad\").tremolo(4).tremolodepth(0.5)"),
    ("autopan", "Auto-pan: the sound moves between left and right at this rate; `autopan(\"0.5:0.8\")` also sets the depth.", "Hz, 0.05–20", "note(\"c3 e3 g3 c4\").s(\"strings\").autopan(0.5)"),
    ("autopandepth", "Width of the auto-pan movement.", "0–1, default 1", "s(\"hh*8\").autopan(2).autopandepth(0.5)"),
    ("ring", "Ring modulation amount (multiplies the sound by a sine at `ringf`).", "0–1", "note(\"c3*4\").s(\"sine\").ring(1).ringf(220)"),
    ("ringf", "Ring modulator frequency.", "Hz, default 440", "s(\"sd*2\").ring(0.8).ringf(\"<100 800>\")"),
    ("gain", "Loudness (linear; 1 is full, 0.5 about −6 dB; default 0.8).", "0–2", "s(\"hh*8\").gain(\"0.4 0.8\")"),
    ("velocity", "Loudness of the note, multiplied with gain. Also `vel`.", "0–1", "note(\"c3*4\").s(\"fm\").velocity(\"0.4 1\")"),
    ("pan", "Stereo position.", "0 left, 0.5 centre, 1 right", "s(\"hh*8\").pan(sine.slow(2))"),
    ("speed", "Playback speed of a sample or drum: 2 is an octave up, negative plays a sample backwards.", "−8–8 (0 is silent)", "s(\"bd*4\").speed(\"<1 1.5 0.75>\")"),
    ("begin", "Where a sample starts playing, as a fraction of its length.", "0–1", "s(\"blip:1*4\").begin(\"0 0.25 0.5 0.75\")"),
    ("end", "Where a sample stops playing, as a fraction of its length.", "0–1", "s(\"blip*4\").end(\"1 0.5 0.25 0.1\")"),
    ("loop", "Loop the sample's region (begin–end) while the note lasts.", "0 or 1", "s(\"blip:1\").loop(1).end(0.1).clip(1)"),
    ("cut", "Cut group: a new sound in the group stops the ones still ringing (open/closed hi-hats).", "1, 2, … (0: none)", "s(\"[hh oh]*4\").cut(1)"),
    ("unit", "Unit of `speed`: with `\"c\"` the rate is `speed` sample lengths per second, so `speed(cps / n)` stretches a sample over n cycles (what `loopAt`, `splice` and `fit` set).", "\"r\" (rate) or \"c\"", "s(\"blip\").speed(1).unit(\"c\")"),
    ("bank", "Drum machine or sample bank: `s(\"bd\").bank(\"tr808\")` plays `tr808_bd` (or the loaded sample `tr808_bd`).", "tr808, tr909 (also RolandTR808, RolandTR909)", "s(\"bd sd\").bank(\"<tr808 tr909>\")"),
];

fn override_controls(out: &mut [Entry]) {
    for (name, summary, range, example) in EFFECT_CONTROLS {
        if let Some(e) = out
            .iter_mut()
            .find(|e| e.kind == Kind::Control && e.name == *name)
        {
            e.category = "Effect controls".into();
            e.summary = summary.to_string();
            e.params = vec![("value".into(), range.to_string())];
            e.example = example.to_string();
        }
    }
}

fn samples_entry() -> Entry {
    Entry {
        name: "samples".into(),
        aliases: Vec::new(),
        kind: Kind::Function,
        category: "Samples".into(),
        summary: "Loads samples: a folder laid out like Dirt-Samples (each subfolder is a sound, its WAV, FLAC, Ogg or MP3 files sorted by name), a Strudel sample map by address (`github:user/repo`, `https://…/strudel.json`, `shabda:bass:4`), or a map written in the program (`{ bd: ['bd/a.wav', 'bd/b.wav'], moog: { g2: 'moog/g2.wav' } }`, file names relative to the base). `s(\"bd:3\")` is the fourth file (`n` wraps around); a map of notes plays the nearest note, retuned. Downloads happen once, into a cache (`--offline` uses only the cache). Also `weft play|render|repl --samples DIR|URL`.".into(),
        params: vec![
            (
                "source".into(),
                "a folder (relative to the program file; `~/` is the home folder), an address or shorthand of a sample map, or a map".into(),
            ),
            (
                "base".into(),
                "optional: the address (or folder) the map's file names are relative to; replaces the map's `_base`".into(),
            ),
        ],
        example: "samples('examples/samples')\ns(\"click blip:1 click:1 blip\")".into(),
    }
}

/// Every documented name.
pub fn all() -> Vec<Entry> {
    let mut out = lang::docs::all();
    override_controls(&mut out);
    out.push(samples_entry());
    for d in crate::definitions() {
        out.retain(|e| !(e.name == d.name && e.kind == Kind::Instrument));
        out.push(definition_entry(d));
    }
    out.extend(drum_entries());
    out.extend(chord_entries());
    out
}

/// Looks up a name (or alias); several entries may share a name (the
/// `sine` primitive and the `sine` instrument).
pub fn lookup(name: &str) -> Vec<Entry> {
    all()
        .into_iter()
        .filter(|e| e.name == name || e.aliases.iter().any(|a| a == name))
        .collect()
}
