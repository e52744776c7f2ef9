//! Speed of pattern queries, mini-notation parsing and program evaluation.
//! Run: `cargo bench -p weft-lang`. Results are recorded in docs/performance.md.

use lang::eval::eval_source;
use lang::library::{reify, Pat};
use lang::Time;

/// The `weft` binary's allocator, so that the numbers are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn pattern(code: &str) -> Pat {
    reify(&eval_source(code).unwrap())
}

/// 409 600 events: the workload of `benches/compare-strudel`.
#[divan::bench(sample_count = 10)]
fn iter_run_fast_100_cycles(b: divan::Bencher) {
    let p = pattern("n(run(64)).iter(64).fast(64)");
    b.bench(|| p.query_arc(Time::ZERO, Time::int(100)).len());
}

#[divan::bench(args = [
    "s(\"bd*2, [~ sd], hh*8\")",
    "s(\"bd(3,8,<0 2>) [sd cp]? <hh oh>*4\").sometimesBy(0.3, ply(2))",
    "n(\"0 2 4 <5 7>\").scale(\"C:minor\").off(1/8, x => x.add(n(7))).jux(rev)",
    "note(\"<[c3,eb3,g3] [ab2,c3,eb3]>\").arp(\"0 1 2 1\").fast(2).lpf(sine.range(400, 2400).slow(8))",
])]
fn query_16_cycles(b: divan::Bencher, code: &str) {
    let p = pattern(code);
    b.bench(|| p.query_arc(Time::ZERO, Time::int(16)).len());
}

#[divan::bench]
fn parse_mini(b: divan::Bencher) {
    let src = "bd*2 [sd cp]? <hh oh hh:3>*4 {a b c, d e}%4 bd(3,8,2) [a|b|c] 0 .. 7";
    // Parsed and compiled each time (`mini` would remember the tree).
    b.bench(|| {
        let node = lang::mini::parse(divan::black_box(src)).unwrap();
        lang::mini::compile(&node).is_ok()
    });
}

fn thousand_lines() -> String {
    thousand_lines_with(|i| format!("c{} e g", i % 5 + 1))
}

/// The program with the mini-notation text of each track's notes.
fn thousand_lines_with(notes: impl Fn(usize) -> String) -> String {
    let mut src = String::from("bpm(128)\n");
    for i in 0..333 {
        src.push_str(&format!(
            "let p{i} = note(\"{}\").fast({})\n",
            notes(i),
            i % 4 + 1
        ));
        src.push_str(&format!(
            "t{i}: p{i}.s(\"sawtooth\").lpf({}).every(3, x => x.rev())\n",
            300 + i
        ));
        src.push_str("// a comment line\n");
    }
    src
}

/// Parsing alone (tokens and syntax tree) of the same program.
#[divan::bench(sample_count = 20)]
fn parse_1000_lines(b: divan::Bencher) {
    let src = thousand_lines();
    b.bench(|| lang::parser::parse_program(divan::black_box(&src)).0.len());
}

/// The same program with a different text of notes on every track (no
/// mini-notation tree is read twice).
#[divan::bench(sample_count = 20)]
fn parse_and_evaluate_1000_lines_distinct(b: divan::Bencher) {
    let mut round = 0;
    b.with_inputs(|| {
        round += 1;
        thousand_lines_with(|i| format!("c{} e g {round}.{i}", i % 5 + 1))
    })
    .bench_local_refs(|src| lang::program::evaluate(src).0.tracks.len());
}

/// Issue target: parse + evaluate a 1,000-line program in under 5 ms.
#[divan::bench(sample_count = 20)]
fn parse_and_evaluate_1000_lines(b: divan::Bencher) {
    let src = thousand_lines();
    b.bench(|| {
        lang::program::evaluate(divan::black_box(&src))
            .0
            .tracks
            .len()
    });
}
