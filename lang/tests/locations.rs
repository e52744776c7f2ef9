//! Events know where they come from: the mini-notation atoms that made
//! them, as byte ranges of the program's source, through every function
//! (as the reference's hap locations do). The live view highlights them.

use lang::program::evaluate;
use lang::Time;

/// Each onset of the program's track `a` in cycles `[0, cycles)`: its
/// start, its value, and the source text of each of its locations.
fn located(src: &str, cycles: i64) -> Vec<(Time, String, Vec<String>)> {
    let (p, d) = evaluate(src);
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    let track = p.track("a").expect("a track `a`");
    let mut out: Vec<(Time, String, Vec<String>)> = track
        .pattern
        .query_arc(Time::ZERO, Time::int(cycles))
        .into_iter()
        .filter(|h| h.has_onset())
        .map(|h| {
            let texts = h
                .context
                .locations()
                .iter()
                .map(|l| src[l.start as usize..l.end as usize].to_string())
                .collect();
            (h.whole.unwrap().begin, h.value.show(), texts)
        })
        .collect();
    out.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)));
    out
}

/// The located texts of each onset, in order.
fn texts(src: &str, cycles: i64) -> Vec<Vec<String>> {
    located(src, cycles).into_iter().map(|e| e.2).collect()
}

fn v(items: &[&[&str]]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|i| i.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn each_atom_locates_its_events() {
    let src = "a: s(\"bd [hh sd]\")";
    assert_eq!(texts(src, 1), v(&[&["bd"], &["hh"], &["sd"]]));
    // The offsets are those of the program's text.
    let (p, _) = evaluate(src);
    let h = &p
        .track("a")
        .unwrap()
        .pattern
        .query_arc(Time::ZERO, Time::ONE)[0];
    let l = h.context.locations()[0];
    assert_eq!((l.start, l.end), (6, 8));
}

#[test]
fn locations_survive_time_functions() {
    assert_eq!(
        texts("a: s(\"bd sd\").fast(2)", 1),
        v(&[&["bd"], &["sd"], &["bd"], &["sd"]])
    );
    assert_eq!(texts("a: s(\"bd sd\").rev()", 1), v(&[&["sd"], &["bd"]]));
    assert_eq!(
        texts("a: s(\"bd sd\").every(2, fast(2))", 2),
        v(&[&["bd"], &["sd"], &["bd"], &["sd"], &["bd"], &["sd"]])
    );
    assert_eq!(
        texts("a: s(\"<bd cp>*2 hh\").slow(2)", 2),
        v(&[&["bd"], &["cp"], &["hh"]])
    );
}

#[test]
fn locations_survive_stack_off_and_jux() {
    assert_eq!(
        texts("a: stack(s(\"bd\"), s(\"hh*2\"))", 1),
        v(&[&["bd"], &["hh"], &["hh"]])
    );
    let off = located("a: n(\"0 1\").off(0.25, x => x.add(12))", 1);
    // The copy still comes from the same atoms (and from the 12 it adds).
    let at_quarter: Vec<_> = off.iter().filter(|e| e.0 == Time::new(1, 4)).collect();
    assert_eq!(at_quarter.len(), 1, "{off:?}");
    assert_eq!(at_quarter[0].2, ["0"]);
    let jux = texts("a: s(\"bd sd\").jux(rev)", 1);
    assert_eq!(jux.len(), 4);
    assert!(jux.iter().all(|t| t.len() == 1), "{jux:?}");
}

#[test]
fn combined_events_carry_the_atoms_of_both_sides() {
    // Arithmetic: the event comes from an atom on each side.
    assert_eq!(
        texts("a: n(\"0 1\".add(\"<10 20>\"))", 2),
        v(&[&["0", "10"], &["1", "10"], &["0", "20"], &["1", "20"]])
    );
    // Controls combined with `.gain(…)`: the sound's atom and the gain's.
    assert_eq!(
        texts("a: s(\"bd*2\").gain(\"0.5 1\")", 1),
        v(&[&["bd", "0.5"], &["bd", "1"]])
    );
    // A scale: the degree's atom survives the note lookup.
    let scaled = texts("a: n(\"0 2\").scale(\"C:major\")", 1);
    assert_eq!(scaled.len(), 2);
    assert_eq!(scaled[0][0], "0");
    assert_eq!(scaled[1][0], "2");
}

#[test]
fn strings_made_at_run_time_have_no_location() {
    // `mini('…')` parses text that is not in the source as written.
    let t = texts("a: s(mini('bd sd'))", 1);
    assert_eq!(t, v(&[&[], &[]]));
}

#[test]
fn escapes_in_the_string_do_not_shift_the_atoms_after_them() {
    // `\t` is two bytes written for one meant, `\x64` four for one, `\u{63}`
    // six for one: the atoms after each are still found, and an atom
    // written with an escape is found as written.
    let src = "a: s(\"bd\\tsd  hh b\\x64 \\u{63}p oh\")";
    assert_eq!(
        texts(src, 1),
        v(&[
            &["bd"],
            &["sd"],
            &["hh"],
            &["b\\x64"],
            &["\\u{63}p"],
            &["oh"]
        ])
    );
    // A mistake after escapes is pointed at where it is written.
    let src = r#"a: s("b\x64\tsd \\ hh")"#;
    let (_, d) = evaluate(src);
    let e = d
        .iter()
        .find(|d| d.is_error())
        .expect("`\\` is not mini-notation");
    let span = e.span.clone().expect("a place");
    assert_eq!(&src[span], r"\\");
}
