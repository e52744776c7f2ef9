//! Algebraic properties of patterns, checked on generated patterns, and
//! robustness of the parsers against arbitrary input.

use lang::eval::eval_source;
use lang::library::{reify, Pat};
use lang::pattern::with_work_budget;
use lang::{Hap, Time, Value};
use proptest::prelude::*;

/// Random mini-notation built from the grammar (always valid).
fn mini_strategy() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("c4".to_string()),
        Just("1".to_string()),
        Just("~".to_string()),
        Just("bd:3".to_string()),
    ];
    atom.prop_recursive(4, 24, 4, |inner| {
        let seq = prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.join(" "));
        prop_oneof![
            seq.clone().prop_map(|s| format!("[{s}]")),
            seq.clone().prop_map(|s| format!("<{s}>")),
            (seq.clone(), seq.clone()).prop_map(|(a, b)| format!("[{a}, {b}]")),
            (seq.clone(), seq.clone()).prop_map(|(a, b)| format!("{{{a}, {b}}}")),
            (inner.clone(), 1u8..4).prop_map(|(a, n)| format!("{a}*{n}")),
            (inner.clone(), 1u8..4).prop_map(|(a, n)| format!("{a}/{n}")),
            (inner.clone(), 1u8..3).prop_map(|(a, n)| format!("{a}@{n}")),
            (inner.clone(), 2u8..4).prop_map(|(a, n)| format!("{a}!{n}")),
            inner.clone().prop_map(|a| format!("{a}?")),
            (inner.clone(), 1u8..5, 5u8..9).prop_map(|(a, k, n)| format!("{a}({k},{n})")),
            seq,
        ]
    })
}

fn pattern(mini: &str) -> Pat {
    reify(&eval_source(&format!("\"{mini}\"")).expect("generated mini-notation parses"))
}

fn events(p: &Pat, a: Time, b: Time) -> Vec<Hap<Value>> {
    with_work_budget(1_000_000, || p.query_arc(a, b))
}

/// Sorts events and joins fragments of the same event that touch.
fn normalise(mut haps: Vec<Hap<Value>>) -> Vec<(Option<lang::Span>, lang::Span, String)> {
    haps.sort_by(|x, y| {
        (x.part.begin, x.whole.map(|w| w.begin), x.value.show()).cmp(&(
            y.part.begin,
            y.whole.map(|w| w.begin),
            y.value.show(),
        ))
    });
    let mut out: Vec<(Option<lang::Span>, lang::Span, String)> = Vec::new();
    for h in haps {
        let v = h.value.show();
        if let Some(last) = out.iter_mut().rev().find(|(w, p, lv)| {
            *w == h.whole && h.whole.is_some() && p.end == h.part.begin && *lv == v
        }) {
            last.1.end = h.part.end;
            continue;
        }
        out.push((h.whole, h.part, v));
    }
    out.sort_by_key(|x| (x.1.begin, x.1.end, x.2.clone()));
    out
}

fn time(n: i64, d: i64) -> Time {
    Time::new(n, d)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn fast_then_slow_is_identity(m in mini_strategy(), n in 1i64..6, d in 1i64..4) {
        let p = pattern(&m);
        let f = time(n, d);
        let q = p.fast(f).slow(f);
        prop_assert_eq!(
            normalise(events(&q, Time::ZERO, Time::int(3))),
            normalise(events(&p, Time::ZERO, Time::int(3)))
        );
    }

    #[test]
    fn rev_twice_is_identity(m in mini_strategy()) {
        let p = pattern(&m);
        prop_assert_eq!(
            normalise(events(&p.rev().rev(), Time::ZERO, Time::int(3))),
            normalise(events(&p, Time::ZERO, Time::int(3)))
        );
    }

    #[test]
    fn split_queries_join_up(m in mini_strategy(), b in 1i64..12, c in 1i64..5) {
        let p = pattern(&m);
        let (start, mid, end) = (Time::ZERO, time(b, c), Time::int(4));
        prop_assume!(mid < end);
        let mut parts = events(&p, start, mid);
        parts.extend(events(&p, mid, end));
        prop_assert_eq!(normalise(parts), normalise(events(&p, start, end)));
    }

    #[test]
    fn early_late_cancel(m in mini_strategy(), n in -7i64..7, d in 1i64..5) {
        let p = pattern(&m);
        let t = time(n, d);
        prop_assert_eq!(
            normalise(events(&p.early(t).late(t), Time::ZERO, Time::int(2))),
            normalise(events(&p, Time::ZERO, Time::int(2)))
        );
    }

    #[test]
    fn parsers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = lang::mini::mini(&s);
        let _ = lang::program::evaluate(&s);
        let _ = eval_source(&s);
    }

    #[test]
    fn parsers_never_panic_on_near_valid_text(
        parts in prop::collection::vec(
            prop_oneof![
                Just("s("), Just("\"bd*2 [sd cp]\""), Just(")"), Just(".fast("), Just("2"),
                Just("x => x.rev()"), Just(","), Just("["), Just("]"), Just("<"), Just(">"),
                Just("\"a(3,8\""), Just("{"), Just("}"), Just("let y = "), Just("\n"),
                Just("drums: "), Just("@"), Just("?"), Just("!"), Just("-"), Just("1e12"),
            ],
            0..16,
        )
    ) {
        let s: String = parts.concat();
        let _ = lang::program::evaluate(&s);
        let (program, _) = lang::program::evaluate(&s);
        for t in &program.tracks {
            let _ = events(&t.pattern, Time::ZERO, Time::int(2));
        }
    }
}
