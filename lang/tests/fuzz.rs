//! A bounded, deterministic fuzz run over every front door of the
//! language: mini-notation, expressions, programs (with MIDI and OSC
//! outputs and their arguments) and sample maps. Inputs are mutations of
//! the conformance cases (`tests/conformance/cases`), chosen by a fixed
//! seed; each is evaluated and its first cycle queried within a query
//! budget. Nothing may panic, hang (each input has a time cap) or take
//! more memory than a cap (the allocator refuses more).
//!
//! `WEFT_FUZZ_INPUTS=N` runs N inputs instead of the default,
//! `WEFT_FUZZ_SEED=S` another seed, and `WEFT_FUZZ_VERBOSE=1` prints each
//! input before it runs (to find the one that aborted). The longer,
//! coverage-guided campaign is in `fuzz/` (see `fuzz/README.md`).

use lang::library::reify;
use lang::pattern::{query_within, Budget, State};
use lang::{Span, Time};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Live heap bytes above which allocations fail (the process aborts).
const MEMORY_CAP: usize = 1 << 30;
/// How long one input may take before the run counts it as a hang.
const TIME_CAP: Duration = Duration::from_secs(30);
const DEFAULT_INPUTS: usize = 2000;
const DEFAULT_SEED: u64 = 0x005e_ed0f_3ef7;

struct Capped;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size() > MEMORY_CAP {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Capped = Capped;

/// SplitMix64: a small, fixed pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// The code of every conformance case.
fn corpus() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/cases");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the conformance cases")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        for line in std::fs::read_to_string(&f).unwrap().lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut parts = line.splitn(3, ' ');
            if let (Some(_), Some(_), Some(code)) = (parts.next(), parts.next(), parts.next()) {
                out.push(code.replace("\\n", "\n"));
            }
        }
    }
    out
}

/// Numbers, words and pieces that stress the language.
const HOSTILE: &[&str] = &[
    "99999999",
    "1e9",
    "1e308",
    "-1e308",
    "0",
    "-0",
    "1e-300",
    "NaN",
    "Infinity",
    "-1",
    "0.0000001",
    "4294967297",
    "[",
    "]",
    "<",
    ">",
    "(",
    ")",
    "{",
    "}",
    "*",
    "/",
    "!",
    "@",
    "?",
    "~",
    "_",
    ",",
    ":",
    ".",
    "|",
    "\"",
    "'",
    "`",
    "\\",
    "$",
    "…",
    "é",
    "\u{0}",
    " ",
    "\n",
];

/// A copy of `s` with a few random edits: numbers replaced by hostile
/// ones, characters inserted, deleted or duplicated, pieces of another
/// case spliced in.
fn mutate(rng: &mut Rng, s: &str, other: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..1 + rng.below(3) {
        match rng.below(6) {
            0 => {
                // Replace a number.
                let digits: Vec<usize> = (0..chars.len())
                    .filter(|&i| chars[i].is_ascii_digit())
                    .collect();
                if !digits.is_empty() {
                    let i = digits[rng.below(digits.len())];
                    let mut j = i;
                    while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                        j += 1;
                    }
                    let with: Vec<char> = rng.pick(HOSTILE).chars().collect();
                    chars.splice(i..j, with);
                }
            }
            1 => {
                let i = rng.below(chars.len() + 1);
                let with: Vec<char> = rng.pick(HOSTILE).chars().collect();
                chars.splice(i..i, with);
            }
            2 if !chars.is_empty() => {
                let i = rng.below(chars.len());
                let n = 1 + rng.below(4);
                chars.drain(i..(i + n).min(chars.len()));
            }
            3 if !chars.is_empty() => {
                let i = rng.below(chars.len());
                let j = (i + 1 + rng.below(12)).min(chars.len());
                let piece: Vec<char> = chars[i..j].to_vec();
                chars.splice(j..j, piece);
            }
            4 => {
                let o: Vec<char> = other.chars().collect();
                if !o.is_empty() {
                    let a = rng.below(o.len());
                    let b = (a + rng.below(20)).min(o.len());
                    let i = rng.below(chars.len() + 1);
                    chars.splice(i..i, o[a..b].iter().copied());
                }
            }
            _ => {
                // Speed it up.
                let f = rng.pick(&["99999999", "1e9", "1e8", "65536", "0.00000001"]);
                let m = rng.pick(&["fast", "segment", "ply", "inside", "swing", "iter", "chop"]);
                let tail: Vec<char> = format!(".{m}({f})").chars().collect();
                chars.extend(tail);
            }
        }
    }
    chars.into_iter().collect()
}

/// The first string literal of `s` (a mini-notation text), if any.
fn first_string(s: &str) -> Option<&str> {
    let a = s.find('"')?;
    let b = s[a + 1..].find('"')?;
    Some(&s[a + 1..a + 1 + b])
}

/// One input for a front door.
enum Input {
    Expr(String),
    Mini(String),
    Program(String),
    SampleMap(String),
}

fn make_input(rng: &mut Rng, corpus: &[String]) -> Input {
    let a = &corpus[rng.below(corpus.len())];
    let b = &corpus[rng.below(corpus.len())];
    match rng.below(8) {
        0..=2 => Input::Expr(mutate(rng, a, b)),
        3 | 4 => {
            let text = first_string(a).unwrap_or("a b");
            Input::Mini(mutate(rng, text, first_string(b).unwrap_or("")))
        }
        5 | 6 => {
            let port = rng.pick(&["weft", "", "\u{0}", "a:b", "99999999"]);
            let ch = rng.pick(&["1", "16", "0", "17", "-1", "1e9", "NaN", "\"x\""]);
            let osc_port = rng.pick(&["57120", "0", "65536", "99999999", "-1", "NaN"]);
            let src = format!(
                "bpm(120)\na: {a}\nb: {b}\nm: note(\"c e\").ccn({ch}).ccv({ch}).midi(\"{port}\", {ch})\no: s(\"bd\").osc(\"{port}\", {osc_port})\n"
            );
            Input::Program(mutate(rng, &src, b))
        }
        _ => {
            let map = r#"{"_base": "https://example.invalid/", "bd": ["bd/1.wav", "bd/2.wav"], "piano": {"c4": "p/c4.wav", "a4": "p/a4.wav"}, "hh": "hh.wav"}"#;
            Input::SampleMap(mutate(rng, map, a))
        }
    }
}

/// A budget smaller than the engine's (the mechanism is the same) keeps
/// the run short.
const FUZZ_BUDGET: Budget = Budget {
    work: 50_000,
    events: 5_000,
};

fn query_first_cycle(v: &lang::Value) {
    let span = Span::new(Time::ZERO, Time::ONE);
    let _ = query_within(&reify(v), &State::new(span), FUZZ_BUDGET);
}

fn run_input(input: &Input) {
    match input {
        Input::Expr(code) => {
            if let Ok(v) = lang::eval::eval_source(code) {
                query_first_cycle(&v);
            }
        }
        Input::Mini(text) => {
            let _ = lang::mini::parse(text);
            let mut code = String::from("note(\"");
            code.extend(text.chars().filter(|c| *c != '"'));
            code.push_str("\")");
            if let Ok(v) = lang::eval::eval_source(&code) {
                query_first_cycle(&v);
            }
        }
        Input::Program(src) => {
            let (program, _) = lang::program::evaluate(src);
            let _ = lang::probe::probe_tracks(&program, Time::ONE);
        }
        Input::SampleMap(text) => {
            let _ = lang::sample_source::parse_map_text(text);
        }
    }
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.parse().ok()
}

#[test]
fn fuzzed_inputs_neither_panic_nor_hang_nor_exhaust_memory() {
    let corpus = corpus();
    assert!(corpus.len() > 100, "too few conformance cases found");
    let n = env_number("WEFT_FUZZ_INPUTS").unwrap_or(DEFAULT_INPUTS as u64) as usize;
    let seed = env_number("WEFT_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let verbose = std::env::var_os("WEFT_FUZZ_VERBOSE").is_some();
    let mut rng = Rng(seed);
    for i in 0..n {
        let input = make_input(&mut rng, &corpus);
        let shown = match &input {
            Input::Expr(s) => format!("expression {s:?}"),
            Input::Mini(s) => format!("mini-notation {s:?}"),
            Input::Program(s) => format!("program {s:?}"),
            Input::SampleMap(s) => format!("sample map {s:?}"),
        };
        if verbose {
            eprintln!("{i}: {shown}");
        }
        let (tx, rx) = std::sync::mpsc::channel();
        // A large stack: deep nesting is bounded by the parser, not by
        // the test thread's default stack.
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || {
                let ok = std::panic::catch_unwind(|| run_input(&input)).is_ok();
                let _ = tx.send(ok);
            })
            .unwrap();
        match rx.recv_timeout(TIME_CAP) {
            Ok(true) => {}
            Ok(false) => panic!("input {i} (seed {seed}) panicked: {shown}"),
            Err(_) => panic!("input {i} (seed {seed}) ran past {TIME_CAP:?}: {shown}"),
        }
    }
}
