// Prints the events of a pattern expression as JSON lines, computed by the
// reference implementation (Strudel 1.2.6), in the format of
// `weft events --json`.
//
// The reference is loaded plainly: a bare `import` of @strudel/core and
// @strudel/mini, no loader hooks. run.sh places this file in a copy of
// those packages in which @kabelsalat/web's "main" names its ES module
// build (the published "main" is a browser script node cannot import).
// Usage: node strudel-events.mjs EXPR FROM TO

// The packages print banners with console.log while loading; the events
// are written to stdout directly.
console.log = () => {};
const core = await import('@strudel/core');
const mini = await import('@strudel/mini');

const [code, from = '0', to = '1'] = process.argv.slice(2);

// Double-quoted strings are mini-notation, as in the Strudel REPL.
const source = code.replace(/"((?:[^"\\]|\\.)*)"/g, (s) => `mini(${s})`);
const scope = { ...core, ...mini };
const reserved = new Set(
  'arguments await break case catch class const continue debugger default delete do else enum eval export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(' '),
);
const names = Object.keys(scope).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && !reserved.has(k));
const pat = new Function(...names, `"use strict"; return (${source});`)(...names.map((k) => scope[k]));

const haps = pat.queryArc(core.Fraction(from), core.Fraction(to));
const frac = (x) => x.toFraction();
const span = (s) => `["${frac(s.begin)}","${frac(s.end)}"]`;
const lines = new Array(haps.length);
for (let i = 0; i < haps.length; i++) {
  const h = haps[i];
  lines[i] = `{"whole":${h.whole ? span(h.whole) : 'null'},"part":${span(h.part)},"value":${JSON.stringify(h.value)}}`;
}
process.stdout.write(lines.join('\n') + '\n');
