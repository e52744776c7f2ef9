//! Bad input gives clear errors (with codes, spans and hints) or bounded
//! work — never a panic, a hang or a stack overflow.

use lang::eval::eval_source;
use lang::library::reify;
use lang::pattern::{take_query_errors, with_work_budget};
use lang::program::evaluate;
use lang::Time;

fn first_error(src: &str) -> lang::diagnostics::Diagnostic {
    let (_, diags) = evaluate(src);
    diags
        .into_iter()
        .find(|d| d.is_error())
        .unwrap_or_else(|| panic!("expected an error for {src:?}"))
}

#[test]
fn unbalanced_mini_brackets_point_at_the_problem() {
    let src = "drums: s(\"[bd sd\")";
    let d = first_error(src);
    assert_eq!(d.code, "E0110");
    // The bracket that is not closed.
    assert_eq!(&src[d.span.unwrap()], "[");
    assert_eq!(d.message, "`[` is not closed");
    let src = "drums: s(\"bd] sd\")";
    let d = first_error(src);
    assert_eq!(&src[d.span.unwrap()], "]");
}

#[test]
fn unbalanced_code_brackets() {
    let d = first_error("drums: s(\"bd\").fast(2");
    assert_eq!(d.code, "E0101");
    let d = first_error("drums: s(\"bd\"))\n");
    assert_eq!(d.code, "E0100");
}

#[test]
fn unknown_names_suggest_the_closest() {
    let d = first_error("drums: fsat(2, s(\"bd\"))");
    assert_eq!(d.code, "E0200");
    assert_eq!(d.help.as_deref(), Some("did you mean `fast`?"));
    let d = first_error("drums: s(\"bd\").sometims(rev)");
    assert_eq!(d.code, "E0201");
    assert_eq!(d.help.as_deref(), Some("did you mean `sometimes`?"));
    let d = first_error("let slowness = 2\ndrums: s(\"bd\").slow(slownes)");
    assert_eq!(d.help.as_deref(), Some("did you mean `slowness`?"));
}

#[test]
fn wrong_argument_types() {
    let d = first_error("drums: s(\"bd\").every(2, 3)");
    assert!(d.message.contains("expected a function"), "{}", d.message);
    let d = first_error("drums: 1 >> 2");
    assert_eq!(d.code, "E0202");
    let v = eval_source("s(\"bd\").fast(\"x\")").unwrap();
    take_query_errors();
    let _ = reify(&v).query_arc(Time::ZERO, Time::ONE);
    assert!(!take_query_errors().is_empty());
}

#[test]
fn huge_repeat_counts_are_bounded() {
    for code in [
        "\"a*1e12\"",
        "s(\"bd\").fast(1e9)",
        "\"a!100000\"",
        "s(\"bd\").ply(1e9)",
    ] {
        take_query_errors();
        let r = eval_source(code);
        if let Ok(v) = r {
            let haps = with_work_budget(100_000, || reify(&v).query_arc(Time::ZERO, Time::ONE));
            assert!(haps.len() <= 200_000);
            assert!(
                !take_query_errors().is_empty(),
                "{code} should report the limit"
            );
        }
    }
}

#[test]
fn a_million_cycles_is_bounded_work() {
    let v = eval_source("s(\"bd*4\")").unwrap();
    take_query_errors();
    let haps = with_work_budget(100_000, || {
        reify(&v).query_arc(Time::ZERO, Time::int(1_000_000))
    });
    assert!(haps.len() <= 100_000);
    assert!(!take_query_errors().is_empty());
}

#[test]
fn ten_thousand_nested_brackets() {
    let mini = format!("\"{}a{}\"", "[".repeat(10_000), "]".repeat(10_000));
    let err = eval_source(&mini).unwrap_err();
    assert!(err[0].message.contains("nested"), "{}", err[0].message);
    let code = format!("{}s(\"bd\"){}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(eval_source(&code).is_ok());
    let calls = format!("{}s(\"bd\"){}", "stack(".repeat(10_000), ")".repeat(10_000));
    let err = eval_source(&calls).unwrap_err();
    assert_eq!(err[0].code, "E0303");
}

#[test]
fn endless_recursion_is_an_error() {
    let d = first_error("let f = x => f(x)\ndrums: f(1)");
    assert_eq!(d.code, "E0301");
    let d = first_error("let f = x => f(x).fast(2)\ndrums: s(\"bd\").every(2, f)");
    assert_eq!(d.code, "E0301");
    let d = first_error("let f = n => n < 1 ? s(\"bd\") : stack(f(n - 1), f(n - 1))\ndrums: f(40)");
    assert_eq!(d.code, "E0301");
}

#[test]
fn one_broken_track_does_not_stop_the_others() {
    let (program, diags) = evaluate("a: s(\"bd\")\nb: s(\"[sd\")\nc: note(\"c e\")\n");
    assert_eq!(diags.len(), 1);
    let names: Vec<&str> = program.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
}
