//! Long spans queried in pieces (`weft events` over many cycles): the
//! pieces together give exactly the events of one query, and a long dense
//! span is handed over in several pieces instead of all at once.

use lang::eval::eval_source;
use lang::library::{reify, Pat};
use lang::pattern::query_span_in_pieces;
use lang::{Hap, Span, Time, Value};

fn pattern(src: &str) -> Pat {
    reify(&eval_source(src).unwrap_or_else(|e| panic!("{src}: {e:?}")))
}

/// The pieces of a query over `[from, to)`, holding about `max_held`.
fn pieces(src: &str, from: i64, to: i64, max_held: usize) -> Vec<Vec<Hap<Value>>> {
    let mut out = Vec::new();
    query_span_in_pieces(
        &pattern(src),
        Span::new(Time::int(from), Time::int(to)),
        max_held,
        |q| {
            out.push(q.haps.expect("not too dense"));
            true
        },
    );
    out
}

fn shown(haps: &[Hap<Value>]) -> Vec<String> {
    haps.iter().map(|h| format!("{h:?}")).collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

const PATTERNS: &[&str] = &[
    r#"n("0 1 2 3")"#,
    r#"note("c e g").slow(3)"#,
    r#"n("0 [1 2]").rev().slow(2)"#,
    r#"stack(s("bd*2"), note("c").slow(5))"#,
    r#"sine.segment(4)"#,
    r#"sine"#,
    r#"n(run(8)).iter(4).sometimesBy(0.5, x => x.fast(2))"#,
    r#"note("<c [e g]>").ply(2).off(0.25, x => x.add(12))"#,
];

#[test]
fn the_pieces_give_the_events_of_one_query() {
    for src in PATTERNS {
        let whole = pattern(src).query_arc(Time::ZERO, Time::int(12));
        for max_held in [1, 5, 1_000_000] {
            let p = pieces(src, 0, 12, max_held);
            let joined: Vec<Hap<Value>> = p.concat();
            assert_eq!(
                sorted(shown(&joined)),
                sorted(shown(&whole)),
                "{src} in pieces of {max_held}"
            );
        }
        // Few events: one piece, in the order of one query.
        assert_eq!(
            shown(&pieces(src, 0, 12, 1_000_000).concat()),
            shown(&whole),
            "{src}"
        );
    }
}

#[test]
fn a_long_dense_span_comes_in_pieces_of_about_the_size_asked() {
    let p = pieces(r#"n(run(64)).iter(64).fast(64)"#, 0, 20, 10_000);
    // 4096 events a cycle: a piece at each third cycle boundary.
    assert_eq!(
        p.len(),
        7,
        "{:?}",
        p.iter().map(Vec::len).collect::<Vec<_>>()
    );
    assert!(p.iter().all(|piece| piece.len() <= 10_000 + 4096));
    assert_eq!(p.iter().map(Vec::len).sum::<usize>(), 20 * 4096);
}

#[test]
fn events_across_every_boundary_keep_the_span_whole() {
    // A note four cycles long crosses every boundary but each fourth: the
    // pieces end only there, and a continuous signal is never cut.
    let p = pieces(r#"note("c").slow(4)"#, 0, 12, 1);
    assert_eq!(p.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 1, 1]);
    assert_eq!(pieces("sine", 0, 12, 1).len(), 1);
}

#[test]
fn events_across_every_cycle_boundary_split_inside_a_cycle() {
    // `off` moves the second half of each cycle across the next boundary:
    // no cycle boundary is clean, so pieces end inside cycles (at 5/8,
    // after the shifted clap and before the next), and hold the same events.
    let src = r#"s("~ cp").off(1/8, x => x.gain(0.6))"#;
    let p = pieces(src, 0, 12, 4);
    assert!(
        p.len() > 1,
        "{:?}",
        p.iter().map(Vec::len).collect::<Vec<_>>()
    );
    // At most the events asked for, plus a cycle's (3 fragments) and the
    // rest of the cycle split.
    assert!(p.iter().all(|piece| piece.len() <= 4 + 2 * 3));
    let whole = pattern(src).query_arc(Time::ZERO, Time::int(12));
    assert_eq!(sorted(shown(&p.concat())), sorted(shown(&whole)));
    for piece in &p[..p.len() - 1] {
        let last = piece.iter().filter_map(|h| h.whole).map(|w| w.end).max();
        assert!(
            last.is_some_and(|t| t.denom() == 8 || t.denom() == 1),
            "{last:?}"
        );
    }
}

#[test]
fn events_across_boundaries_over_a_long_span_come_in_chunks_with_the_same_events() {
    // After the first piece, pieces are queried once each (a chunk of
    // cycles): they must still hold about the events asked for, and all
    // of them together those of one query; a cycle far denser than the
    // others (more than a chunk may hold) is taken cycle by cycle.
    for (src, cycles) in [
        (
            r#"stack(s("bd*2 [~ bd] bd sd").every(4, fast(2)), s("hh*16").degradeBy(0.3), s("~ cp").off(1/8, x => x.gain(0.6))).jux(rev)"#,
            200,
        ),
        (
            r#"s("hh ~ ~ cp").off(1/8, x => x.gain(0.6)).fast("<1!20 2500 1!9>")"#,
            40,
        ),
    ] {
        let p = pieces(src, 0, cycles, 100);
        assert!(
            p.len() > 4,
            "{src}: {:?}",
            p.iter().map(Vec::len).collect::<Vec<_>>()
        );
        let whole = pattern(src).query_arc(Time::ZERO, Time::int(cycles));
        assert_eq!(sorted(shown(&p.concat())), sorted(shown(&whole)), "{src}");
    }
}
