//! Stepwise and kernel functions where the conformance data cannot reach:
//! the forms weft gives to the reference's getters and span callbacks,
//! event order, and bounds on huge arguments.

use lang::conformance::events_json;
use lang::eval::eval_source;
use lang::library::reify;
use lang::pattern::{take_query_errors, with_work_budget};
use lang::{Time, Value};

/// Events of `code` over `[from, to)` as compact `whole|part|value` strings,
/// in the order the pattern returns them.
fn events(code: &str, from: i64, to: i64) -> Vec<String> {
    let evs =
        events_json(code, Time::int(from), Time::int(to)).unwrap_or_else(|e| panic!("{code}: {e}"));
    evs.iter()
        .map(|e| {
            let span = |s: &serde_json::Value| match s.as_array() {
                Some(a) => format!("{}-{}", a[0].as_str().unwrap(), a[1].as_str().unwrap()),
                None => "~".to_string(),
            };
            format!("{}|{}|{}", span(&e["whole"]), span(&e["part"]), e["value"])
        })
        .collect()
}

fn value(code: &str) -> Value {
    eval_source(code).unwrap_or_else(|d| panic!("{code}: {}", d[0].message))
}

#[test]
fn getters_are_methods() {
    assert_eq!(value("\"a b\".hasSteps()"), Value::Bool(true));
    assert_eq!(value("sine.hasSteps()"), Value::Bool(false));
    assert_eq!(value("sine.setSteps(2).hasSteps()"), Value::Bool(true));
    assert_eq!(
        value("\"a [b c]\".firstCycleValues()"),
        Value::list(vec![Value::str("a"), Value::str("b"), Value::str("c")])
    );
    assert_eq!(
        value("\"a [b 3]\".showFirstCycle()"),
        Value::list(vec![
            Value::str("a: 0 - 1/2"),
            Value::str("b: 1/2 - 3/4"),
            Value::str("3: 3/4 - 1"),
        ])
    );
    assert!(eval_source("sine.showFirstCycle()").is_err());
}

#[test]
fn first_cycle_gives_events_as_maps() {
    let v = value("\"a b\".late(0.25).firstCycle()");
    let Value::List(haps) = v else {
        panic!("expected a list")
    };
    assert_eq!(haps.len(), 3);
    let m = haps
        .iter()
        .filter_map(Value::as_map)
        .find(|m| m.get("value") == Some(&Value::str("a")))
        .unwrap();
    let whole = m.get("whole").unwrap().as_map().unwrap();
    assert_eq!(whole.get("begin"), Some(&Value::Num(0.25)));
    assert_eq!(whole.get("end"), Some(&Value::Num(0.75)));
}

#[test]
fn span_callbacks_take_and_give_begin_end_maps() {
    assert_eq!(
        events(
            "\"a b\".withQuerySpan(s => ({ begin: s.begin + 0.5, end: s.end + 0.5 }))",
            0,
            1
        ),
        ["1-3/2|1-3/2|\"a\"", "1/2-1|1/2-1|\"b\""]
    );
    assert_eq!(
        events("\"a b\".withHapSpan(s => [s.begin, s.end + 0.25])", 0, 1),
        ["0-3/4|0-3/4|\"a\"", "1/2-5/4|1/2-5/4|\"b\""]
    );
    // Continuous events have no whole to map.
    assert_eq!(
        events(
            "sine.withHapSpan(s => ({ begin: s.begin * 2, end: s.end * 2 }))",
            0,
            1
        ),
        ["~|0-2|0.5"]
    );
    assert!(events_json("\"a\".withQuerySpan(s => 3)", Time::ZERO, Time::ONE).is_err());
}

#[test]
fn filter_haps_sees_event_maps() {
    assert_eq!(
        events(
            "\"a b\".late(0.25).filterHaps(h => h.whole.begin == h.part.begin)",
            0,
            1
        ),
        ["1/4-3/4|1/4-3/4|\"a\"", "3/4-5/4|3/4-1|\"b\""]
    );
    assert_eq!(
        events("sine.filterHaps(h => h.whole == undefined)", 0, 1),
        ["~|0-1|0.5"]
    );
}

#[test]
fn sort_haps_by_part_orders_by_time() {
    assert_eq!(
        events("stack(\"c d\", \"a b e\").sortHapsByPart()", 0, 1),
        [
            "0-1/3|0-1/3|\"a\"",
            "0-1/2|0-1/2|\"c\"",
            "1/3-2/3|1/3-2/3|\"b\"",
            "1/2-1|1/2-1|\"d\"",
            "2/3-1|2/3-1|\"e\"",
        ]
    );
}

#[test]
fn collect_groups_events_with_the_same_whole() {
    assert_eq!(
        events("\"[a,b] c\".collect().fmap(hs => hs.length)", 0, 1),
        ["0-1/2|0-1/2|2", "1/2-1|1/2-1|1"]
    );
}

#[test]
fn step_counts_are_set_and_read() {
    // `setSteps` does not change events, only what `pace` reads.
    assert_eq!(
        events("\"a b\".setSteps(1).pace(2)", 0, 1),
        [
            "0-1/4|0-1/4|\"a\"",
            "1/2-3/4|1/2-3/4|\"a\"",
            "1/4-1/2|1/4-1/2|\"b\"",
            "3/4-1|3/4-1|\"b\"",
        ]
    );
    assert_eq!(
        events("\"a b c\".take(2).withSteps(n => n + 2).pace(2)", 0, 1),
        ["0-1|0-1|\"a\""]
    );
}

#[test]
fn huge_arguments_are_bounded() {
    for code in [
        "\"a b c\".shrink(\"0:1e9\")",
        "\"a b c\".shrink(\"1e-9:1e9\")",
        "\"a b c\".grow(1e-9)",
        "\"0 1\".plyWith(1e9, x => x)",
        "\"0 1\".plyForEach(1e9, (x, i) => x)",
        "\"a b\".chunkInto(1e9, rev)",
        "\"a b\".chunkBackInto(1e7, rev)",
        "stepalt([\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\"], [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"], [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\"])",
        "\"a b\".take(1e300)",
        "\"a b\".expand(1e300).pace(3)",
        "\"a b\".extend(1e12)",
        "\"a b\".replicate(1e12)",
        "zip(\"a b\".expand(1e15), \"c\")",
        "\"a*1e12\".take(\"1 2\")",
        "\"a b\".setSteps(1e300).pace(4)",
        "seqPLoop([0, 1e300, \"a\"])",
        "morph([1,0], [0,1], 1e300)",
        "\"a b\".take(\"1 2\").take(\"1 2\").take(\"1 2\").take(\"1 2\")",
    ] {
        take_query_errors();
        if let Ok(v) = eval_source(code) {
            let haps = with_work_budget(100_000, || reify(&v).query_arc(Time::ZERO, Time::int(4)));
            assert!(haps.len() <= 200_000, "{code}: {} events", haps.len());
        }
        take_query_errors();
    }
    // Too many pieces is an error, found when the function is called or,
    // for patterned arguments, when it is queried.
    for code in [
        "\"a b c\".shrink(\"0:1e9\")",
        "\"a b c\".shrink(\"<0:1e9>\")",
        "\"0 1\".plyWith(1e9, x => x)",
        "\"a b\".chunkInto(1e9, rev)",
    ] {
        take_query_errors();
        match eval_source(code) {
            Err(err) => assert_eq!(err[0].code, "E0302", "{code}: {}", err[0].message),
            Ok(v) => {
                reify(&v).query_arc(Time::ZERO, Time::ONE);
                let errors = take_query_errors();
                assert!(
                    errors.iter().any(|e| e.contains("too many")),
                    "{code}: {errors:?}"
                );
            }
        }
    }
}
