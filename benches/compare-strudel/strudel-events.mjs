// Prints the events of a pattern expression as JSON lines, computed by the
// reference implementation, in the same format as `weft events --json`.
// Usage (from the repository root, after `npm ci` in tests/conformance):
//   node --import ./tests/conformance/register.mjs benches/compare-strudel/strudel-events.mjs EXPR FROM TO
import { evaluate, frac } from '../../tests/conformance/reference.mjs';

const [code, from = '0', to = '1'] = process.argv.slice(2);
const pat = evaluate(code);
const haps = pat.queryArc(Number(from), Number(to));
const span = (s) => `["${frac(s.begin)}","${frac(s.end)}"]`;
const lines = [];
for (const h of haps) {
  lines.push(`{"whole":${h.whole ? span(h.whole) : 'null'},"part":${span(h.part)},"value":${JSON.stringify(h.value)}}`);
}
process.stdout.write(lines.join('\n') + '\n');
