// Groups the mismatches found by run.mjs by their reduced expression.
//
//   node fuzz/summarize.mjs [--all] [OUT_DIR]     (default: fuzz/out)
//
// Mismatches explained by a known quirk are counted under that quirk unless
// --all is given.
//
// Prints one line per distinct reduced case, most frequent first.

import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv.slice(2).find((a) => !a.startsWith('--')) || join(dirname(fileURLToPath(import.meta.url)), 'out');
const groups = new Map();
let total = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith('-mismatches.jsonl') || f.endsWith('-order.jsonl'))) {
  for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    total++;
    const red = r.reduced || { from: r.from, to: r.to, code: r.code, detail: r.detail };
    if (r.known && !process.argv.includes('--all')) {
      const k = `[${r.known}]`;
      if (!groups.has(k)) groups.set(k, { n: 0, detail: `e.g. ${red.from} ${red.to} ${red.code}`, example: `${f}#${r.i}` });
      groups.get(k).n++;
      continue;
    }
    const key = `${r.kind} | ${red.from} ${red.to} ${red.code}`;
    if (!groups.has(key)) groups.set(key, { n: 0, detail: red.detail, example: `${f}#${r.i}` });
    groups.get(key).n++;
  }
}
const sorted = [...groups.entries()].sort((a, b) => b[1].n - a[1].n);
console.log(`${total} mismatching cases, ${sorted.length} distinct reduced cases`);
for (const [key, g] of sorted) {
  console.log(`${String(g.n).padStart(5)}  ${key}\n         ${(g.detail || '').slice(0, 400)}  (${g.example})`);
}
