//! The program-level JavaScript that Strudel programs use: declarations,
//! destructuring, functions with bodies, operators, lists and strings,
//! `Math`, and the REPL's rules (`$:`, `.p()`, the last bare pattern,
//! `all`, `each`, `hush`, `setcps` with `.cpm`), each checked by its events.

use lang::program::{evaluate, Program};
use lang::{Time, Value};

/// `(onset, value)` of every event of the audible tracks in cycle 0.
fn events(p: &Program) -> Vec<(Time, String)> {
    let mut v: Vec<(Time, String)> = p
        .audible()
        .flat_map(|t| t.pattern.query_arc(Time::ZERO, Time::ONE))
        .filter(|h| h.has_onset())
        .map(|h| (h.whole.unwrap().begin, h.value.show()))
        .collect();
    v.sort();
    v
}

fn values(src: &str) -> Vec<String> {
    let (p, d) = evaluate(src);
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    events(&p).into_iter().map(|(_, v)| v).collect()
}

/// The value of the last statement, written as `$: pure(EXPR)`.
fn value_of(expr: &str) -> String {
    let src = format!("$: pure({expr})");
    let v = values(&src);
    assert_eq!(v.len(), 1, "{src}: {v:?}");
    v[0].clone()
}

#[test]
fn declarations_and_destructuring() {
    assert_eq!(
        value_of("(() => { const a = 1, b = 2; let c = 3; var d = 4; return a + b + c + d })()"),
        "10"
    );
    let src = "let { a, b: bee = 5, ...others } = { a: 1, c: 3, d: 4 }\n\
               let [x, , y = 7, ...rest] = [10, 20, undefined, 40, 50]\n\
               $: pure([a, bee, Object.keys(others).join(''), x, y, rest.length].join(' '))";
    assert_eq!(values(src), ["1 5 cd 10 7 2"]);
}

#[test]
fn functions_with_bodies_this_and_rest_parameters() {
    let src =
        "function twice(p) {\n  if (p === undefined) return silence;\n  return p.fast(2)\n}\n\
               $: twice(n(\"0 2\"))";
    assert_eq!(values(src), ["n: 0", "n: 2", "n: 0", "n: 2"]);
    assert_eq!(value_of("((...xs) => xs.length)(1, 2, 3)"), "3");
    assert_eq!(value_of("(function (a, b = 10) { return a + b })(1)"), "11");
    // A method defined on Pattern.prototype gets the pattern as `this`.
    let src = "Pattern.prototype.twice = function (...args) { return this.fast(2) }\n\
               $: s(\"bd\").twice()";
    assert_eq!(values(src), ["s: bd", "s: bd"]);
}

#[test]
fn registered_functions_take_patterned_arguments() {
    // A plain value goes straight in; a pattern changes it per cycle.
    let src = "const dark = register('dark', (freq, pat) => {\n\
                 return pat.cutoff(freq / 2)\n\
               })\n\
               $: s(\"saw saw\").dark(\"<800 400>\")\n\
               $: s(\"hh\").dark(1000)";
    let (p, d) = evaluate(src);
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    let cutoffs = |t: &lang::program::Track, c: i64| -> Vec<String> {
        t.pattern
            .query_arc(Time::int(c), Time::int(c + 1))
            .iter()
            .map(|h| h.value.show())
            .collect()
    };
    assert_eq!(
        cutoffs(&p.tracks[0], 0),
        ["s: saw cutoff: 400", "s: saw cutoff: 400"]
    );
    assert_eq!(
        cutoffs(&p.tracks[0], 1),
        ["s: saw cutoff: 200", "s: saw cutoff: 200"]
    );
    assert_eq!(cutoffs(&p.tracks[1], 0), ["s: hh cutoff: 500"]);
}

#[test]
fn operators_as_in_javascript() {
    assert_eq!(value_of("2 ** 3 ** 2"), "512");
    assert_eq!(
        value_of("[1 === 1, '1' == 1, '1' === 1, 1 !== 2].join()"),
        "true,true,false,true"
    );
    assert_eq!(
        value_of("[null ?? 'd', 0 || 'o', 1 && 'a', 0 && 'z'].join()"),
        "d,o,a,0"
    );
    assert_eq!(
        value_of("typeof 'x' + typeof 1 + typeof undefined"),
        "stringnumberundefined"
    );
    // A pattern compared with a value is not a pattern operation.
    assert_eq!(value_of("s('bd') === undefined ? 'yes' : 'no'"), "no");
    let src = "let x = 1\nx += 2\nx++\nlet o = { a: 1 }\no.b = x\n$: pure(o.a + o.b)";
    assert_eq!(values(src), ["5"]);
}

#[test]
fn lists_strings_and_math() {
    assert_eq!(
        value_of("[3, 1, 2].map((x, i) => x * i).join(' ')"),
        "0 1 4"
    );
    assert_eq!(
        value_of("[1, 2, 3, 4].filter(x => x % 2).reduce((a, b) => a + b, 0)"),
        "4"
    );
    assert_eq!(value_of("'a b c'.split(' ').reverse().join('-')"), "c-b-a");
    assert_eq!(
        value_of("Math.round(2.5) + Math.floor(-1.5) + Math.max(1, 7)"),
        "8"
    );
    assert_eq!(
        value_of("Array.from({ length: 3 }, (_, i) => i * 2).join()"),
        "0,2,4"
    );
    assert_eq!(value_of("[...[1, 2], ...[3]].length"), "3");
    assert_eq!(value_of("'x'.padStart(3, '-')"), "--x");
}

#[test]
fn loops_are_bounded() {
    let src = "let s = 0\nfor (let i = 0; i < 5; i++) { s += i }\nfor (const x of [10, 20]) s += x\n$: pure(s)";
    assert_eq!(values(src), ["40"]);
    let (_, d) = evaluate("for (;;) {}\n$: s(\"bd\")");
    assert!(d.iter().any(|d| d.code == "E0301"), "{d:?}");
}

#[test]
fn template_strings_are_mini_notation_up_to_the_first_substitution() {
    // As the reference's transpiler reads them.
    assert_eq!(values("$: s(`bd sd`)"), ["s: bd", "s: sd"]);
    assert_eq!(values("const x = 1\n$: n(`0 ${x} 2`)"), ["n: 0"]);
}

#[test]
fn the_last_bare_pattern_plays_unless_tracks_are_named() {
    let (p, d) = evaluate("s(\"bd\")\ns(\"hh*2\")");
    assert_eq!(events(&p).len(), 2, "only the last statement plays");
    assert_eq!(d.iter().filter(|d| d.code == "W0004").count(), 1);
    // The last statement is not a pattern: nothing plays.
    let (p, _) = evaluate("s(\"bd\")\nsetcps(1)");
    assert!(events(&p).is_empty());
    // With `$:` tracks, a bare pattern does not play.
    let (p, d) = evaluate("$: s(\"bd\")\ns(\"hh*2\")");
    assert_eq!(events(&p).len(), 1);
    assert!(d.iter().any(|d| d.code == "W0004"));
}

#[test]
fn strudel_track_labels() {
    let src = "$: s(\"a\")\n_$: s(\"b\")\nx_: s(\"c\")\ns(\"d\").p('lead')\ns(\"e\").d1\ns(\"f\").q('no')\ns(\"g\").p('_quiet')";
    let (p, d) = evaluate(src);
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    let names: Vec<(&str, bool)> = p
        .tracks
        .iter()
        .map(|t| (t.name.as_str(), t.muted))
        .collect();
    assert_eq!(
        names,
        [
            ("$1", false),
            ("$2", true),
            ("x", true),
            ("lead", false),
            ("d1", false),
            ("quiet", true)
        ]
    );
    let playing: Vec<String> = events(&p).into_iter().map(|(_, v)| v).collect();
    assert_eq!(playing, ["s: a", "s: d", "s: e"]);
}

#[test]
fn all_transforms_the_tracks_together_and_keeps_them_apart() {
    let src = "$: s(\"bd\")\n$: s(\"hh\")\nall(x => x.fast(2))";
    let (p, _) = evaluate(src);
    assert_eq!(p.tracks.len(), 2);
    for t in &p.tracks {
        let haps = t.pattern.query_arc(Time::ZERO, Time::ONE);
        assert_eq!(haps.len(), 2, "{}", t.name);
        let first = haps[0].value.show();
        assert!(
            haps.iter().all(|h| h.value.show() == first),
            "{}: {haps:?}",
            t.name
        );
    }
    // `each` applies to every track; `hush()` drops what came before.
    assert_eq!(values("$: s(\"bd\")\neach(x => x.ply(3))").len(), 3);
    assert_eq!(values("$: s(\"bd\")\nhush()\n$: s(\"hh\")"), ["s: hh"]);
}

#[test]
fn cpm_reads_the_tempo_set_so_far() {
    // 120 cycles per minute at the default 0.5 cycles per second is 4× faster.
    assert_eq!(values("$: s(\"bd\").cpm(120)").len(), 4);
    assert_eq!(values("setcps(1)\n$: s(\"bd\").cpm(120)").len(), 2);
    let (p, _) = evaluate("setcpm(90)\n$: s(\"bd\")");
    assert_eq!(p.cps, 1.5);
}

#[test]
fn browser_features_say_so() {
    let (p, d) = evaluate("$: s(\"bd\").pan(mousex)\n$: s(\"hh\")");
    assert!(d
        .iter()
        .any(|d| d.code == "E0240" && d.message.contains("browser")));
    assert_eq!(events(&p).len(), 1, "the other track plays");
    let (p, d) = evaluate("await initHydra()\nosc(10).out()\n$: s(\"hh\")");
    assert!(d
        .iter()
        .any(|d| d.code == "W0005" && d.message.contains("browser")));
    assert!(d.iter().any(|d| d.code == "E0240"), "{d:?}");
    assert_eq!(events(&p).len(), 1);
}

#[test]
fn pictures_and_outputs_are_remembered_per_track() {
    let src = "$: note(\"c e\").pianoroll({ fold: 1 }).gain(0.5)\n\
               drums: s(\"bd sd\")._scope()\n\
               keys: note(\"c\").midi().gain(0.5)";
    let (p, d) = evaluate(src);
    assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
    let roll = &p.tracks[0].visuals;
    assert_eq!(roll.len(), 1);
    assert_eq!(roll[0].kind, "pianoroll");
    assert_eq!(roll[0].options, "{ fold: 1 }");
    let scope = &p.track("drums").unwrap().visuals[0];
    assert!(scope.inline && scope.kind == "scope");
    // `._scope()` marks the events with its widget id, as in the reference.
    let h = &p
        .track("drums")
        .unwrap()
        .pattern
        .query_arc(Time::ZERO, Time::ONE)[0];
    let Value::Map(m) = &h.value else { panic!() };
    assert_eq!(m.get("analyze"), Some(&Value::str("_widget__scope_0")));
    assert_eq!(
        p.track("keys").unwrap().output,
        lang::program::Output::Midi {
            port: "weft".into(),
            channel: 1
        }
    );
}
