use super::*;

fn fmt(src: &str) -> String {
    match format_source(src) {
        Ok(s) => s,
        Err(e) => panic!("{e}: {e:?}\n{src}"),
    }
}

/// Formats, checks that formatting again changes nothing, returns the result.
fn stable(src: &str) -> String {
    let once = fmt(src);
    let twice = fmt(&once);
    assert_eq!(once, twice, "not idempotent for:\n{src}");
    once
}

#[test]
fn spacing_is_canonical() {
    assert_eq!(
        stable("note( \"c e g\" ).fast( 2 )  .every(3,x=>x.rev())"),
        "note(\"c e g\").fast(2).every(3, x => x.rev())\n"
    );
    assert_eq!(stable("let x=1+2*3"), "let x = 1 + 2 * 3\n");
    assert_eq!(stable("const a=(1+2)*3"), "const a = (1 + 2) * 3\n");
    assert_eq!(
        stable("x: s(\"bd\").delaysync(3 / 16)"),
        "x: s(\"bd\").delaysync(3/16)\n"
    );
}

#[test]
fn comments_stay_where_they_were() {
    let src =
        "// head\n\n// about drums\ndrums: s(\"bd\") // loud\n/* block */ bass: note(\"c\")\n";
    assert_eq!(stable(src), src);
    assert_eq!(
        stable("stack(\n  s(\"a\"), // one\n  s(\"b\") // two\n)"),
        "stack(\n  s(\"a\"), // one\n  s(\"b\"), // two\n)\n"
    );
    assert_eq!(
        stable("note(\"c\")\n  // .fast(2)\n  .s(\"x\")"),
        "note(\"c\")\n  // .fast(2)\n  .s(\"x\")\n"
    );
    assert_eq!(
        stable("let f = (x) => {\n  // nothing yet\n}"),
        "let f = x => {\n  // nothing yet\n}\n"
    );
    assert_eq!(stable("f(a, /* inline */ b)"), "f(a, /* inline */ b)\n");
}

#[test]
fn chains_and_arguments_break_when_they_do_not_fit() {
    let long = "drums: s(\"bd*2, [~ sd]*2, hh*8, ~ cp ~ cp\").bank(\"RolandTR909\").gain(0.8).room(0.3).size(2).speed(1.5)";
    assert_eq!(
        stable(long),
        "drums: s(\"bd*2, [~ sd]*2, hh*8, ~ cp ~ cp\")\n  .bank(\"RolandTR909\")\n  .gain(0.8)\n  .room(0.3)\n  .size(2)\n  .speed(1.5)\n"
    );
    // A chain the author broke stays broken; a short one stays whole.
    assert_eq!(
        stable("note(\"c\")\n.s(\"x\").gain(1)"),
        "note(\"c\")\n  .s(\"x\")\n  .gain(1)\n"
    );
    assert_eq!(
        stable("note(\"c\").s(\"x\").gain(1)"),
        "note(\"c\").s(\"x\").gain(1)\n"
    );
    // The last argument, a function with a body, hugs the call.
    assert_eq!(
        stable("register('x', (pat) => { return pat.fast(2) })"),
        "register('x', pat => {\n  return pat.fast(2)\n})\n"
    );
    assert_eq!(
        stable("stack(\ns(\"bd\"),\ns(\"hh\"))"),
        "stack(\n  s(\"bd\"),\n  s(\"hh\"),\n)\n"
    );
}

#[test]
fn javascript_statements() {
    let src = "const {a, b: c = 2, ...rest} = obj\nlet [x, , y] = list\nfunction f(p, q = 1, ...more) {\n  if (p === q) return 1\n  else if (p) { return 2 } else return 3\n}\nfor (let i = 0; i < 4; i++) { $: s(\"bd\").fast(i) }\nfor (const n of [1, 2]) console.log(n)\n";
    assert_eq!(
        stable(src),
        "const { a, b: c = 2, ...rest } = obj\nlet [x, , y] = list\nfunction f(p, q = 1, ...more) {\n  if (p === q) {\n    return 1\n  } else if (p) {\n    return 2\n  } else {\n    return 3\n  }\n}\nfor (let i = 0; i < 4; i++) {\n  $: s(\"bd\").fast(i)\n}\nfor (const n of [1, 2]) {\n  console.log(n)\n}\n"
    );
    assert_eq!(
        stable("let s = `a ${b} c`\nx += 1\ny = a ?? b || c\nz = (a ?? b) || c\nw = 2 ** 3 ** 2\nv = (2 ** 3) ** 2\nu = - -1"),
        "let s = `a ${b} c`\nx += 1\ny = (a ?? b) || c\nz = (a ?? b) || c\nw = 2 ** 3 ** 2\nv = (2 ** 3) ** 2\nu = - -1\n"
    );
}

#[test]
fn semicolons_only_where_a_statement_would_continue() {
    assert_eq!(
        stable("a = 1;\n(b || c).fast(2);"),
        "a = 1;\n(b || c).fast(2)\n"
    );
    assert_eq!(
        stable("let x = 1;;\n[1, 2].map(f)"),
        "let x = 1;\n[1, 2].map(f)\n"
    );
    assert_eq!(stable("x; -1"), "x;\n-1\n");
    assert_eq!(stable("let a = 1; let b = 2"), "let a = 1\nlet b = 2\n");
}

#[test]
fn objects_keys_and_arrow_bodies() {
    assert_eq!(
        stable("let m = {'a': 1, \"b c\": 2, d, 0: 3, ...e}"),
        "let m = { a: 1, 'b c': 2, d, 0: 3, ...e }\n"
    );
    assert_eq!(stable("let f = x => ({a: x})"), "let f = x => ({ a: x })\n");
    assert_eq!(
        stable("let g = async () => await x"),
        "let g = async () => await x\n"
    );
    assert_eq!(
        stable("Pattern.prototype.twice = function named (n) { return this.fast(2) }"),
        "Pattern.prototype.twice = function named(n) {\n  return this.fast(2)\n}\n"
    );
    assert_eq!(stable("(1).toString()"), "(1).toString()\n");
}

#[test]
fn weft_statements() {
    let src = "import \"other.weft\"\ninstrument acid(cutoff=800,res=0.7)=saw(freq)>>moog(cutoff,res)\neffect space = reverb(0.5)\nsection verse { drums: s(\"bd*4\")\n bass!: note(\"c2\") }\nsong: arrange([4, verse])\n_muted: s(\"hh\")\n";
    assert_eq!(
        stable(src),
        "import \"other.weft\"\ninstrument acid(cutoff = 800, res = 0.7) = saw(freq) >> moog(cutoff, res)\neffect space = reverb(0.5)\nsection verse {\n  drums: s(\"bd*4\")\n  bass!: note(\"c2\")\n}\nsong:   arrange([4, verse])\n_muted: s(\"hh\")\n"
    );
    let long = "instrument x(a = 1) = sine(48 * rate * (1 - 0.04 * variant)) * ad(0.001, decay * (1 + 0.35 * variant)) + noise() * 0.5 * level";
    assert_eq!(
        stable(long),
        "instrument x(a = 1) =\n  sine(48 * rate * (1 - 0.04 * variant)) * ad(0.001, decay * (1 + 0.35 * variant))\n    + noise() * 0.5 * level\n"
    );
}

#[test]
fn errors_leave_the_source_alone() {
    assert!(matches!(
        format_source("s(\"bd\".fast(2)"),
        Err(FormatError::Syntax(_))
    ));
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("\n\n// only\n\n"), "// only\n");
}

#[test]
fn deep_nesting_is_laid_out_in_bounded_work() {
    // Each level offers alternative layouts; copies of copies would grow
    // as 3^depth (this did not finish before the layouts were bounded).
    let hugging = format!("x: {}y{}", "f(1, y => ".repeat(60), ")".repeat(60));
    let chained = format!("x: {}y{}", "a.b(1).c(2).d(".repeat(60), ")".repeat(60));
    for src in [hugging, chained] {
        let out = stable(&src);
        assert_eq!(out.matches("=>").count(), src.matches("=>").count());
        assert!(out.lines().count() > 60, "{out}");
    }
}
