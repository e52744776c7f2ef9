// Computes expected/NAME.jsonl from cases/NAME.jsonl with Strudel 1.2.6
// (see README.md). Usage, from tests/conformance:
//   node --import ./register.mjs strudel/generate.mjs [NAME…]
//   node --import ./register.mjs strudel/generate.mjs --print NAME ID
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCase, realConsole } from './runtime.mjs';
import { sortEvents } from './sort.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function readCases(name) {
  return readFileSync(join(here, 'cases', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

async function generate(name) {
  const out = [];
  let errors = 0;
  for (const c of readCases(name)) {
    const r = await runCase(c.code, c.cycles);
    const rec = { id: c.id, cycles: c.cycles };
    if (r.error !== undefined) {
      errors++;
      rec.error = r.error;
      if (r.browser) rec.browser = true;
    } else {
      rec.cps = r.cps;
      rec.events = sortEvents(r.events);
    }
    out.push(JSON.stringify(rec));
  }
  writeFileSync(join(here, 'expected', `${name}.jsonl`), out.join('\n') + '\n');
  realConsole.log(`${name}: ${out.length} programs, ${errors} rejected by the reference`);
}

const args = process.argv.slice(2);
if (args[0] === '--print') {
  const c = readCases(args[1]).find((c) => c.id === args[2]);
  if (!c) throw new Error(`no case ${args[2]} in ${args[1]}`);
  const r = await runCase(c.code, Number(args[3] ?? c.cycles));
  if (r.events) r.events = sortEvents(r.events);
  realConsole.log(JSON.stringify(r, null, 1));
} else {
  const names = args.length
    ? args
    : readdirSync(join(here, 'cases'))
        .filter((f) => f.endsWith('.jsonl'))
        .map((f) => f.replace(/\.jsonl$/, ''));
  for (const n of names) await generate(n);
}
