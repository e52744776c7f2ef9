// Re-runs the shrunk mismatches of earlier runs (e.g. against a rebuilt
// weft) and prints the distinct ones that still differ.
//
//   node --import ./register.mjs fuzz/recheck.mjs [--weft PATH] [OUT_DIR]

import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Reference, runWeft, compare } from './engines.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let weft = join(here, '..', '..', '..', 'target', 'release', 'weft');
let dir = join(here, 'out');
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--weft') weft = resolve(args[++i]);
  else dir = resolve(args[i]);
}

const seen = new Map();
for (const f of readdirSync(dir).filter((f) => f.endsWith('-mismatches.jsonl'))) {
  for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const c = r.reduced || r;
    const key = `${c.from} ${c.to} ${c.code}`;
    if (!seen.has(key)) seen.set(key, { ...c, known: r.known });
  }
}
const ref = new Reference();
let still = 0;
for (const [key, c] of seen) {
  const r = await ref.run(c.from, c.to, c.code);
  const w = runWeft(weft, c.from, c.to, c.code);
  const cmp = compare(w, r);
  if (cmp.status === 'mismatch' || cmp.status === 'order') {
    still++;
    console.log(`${cmp.kind ?? cmp.status}${c.known ? ` [${c.known}]` : ''} | ${key}\n    ${cmp.detail ?? ''}`);
  }
}
console.log(`${still} of ${seen.size} shrunk cases still differ`);
ref.stop();
process.exit(0);
