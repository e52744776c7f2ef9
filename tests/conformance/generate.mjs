// Computes reference events for the conformance cases with Strudel 1.2.6.
//
// Usage (from tests/conformance, after `npm install`):
//   node --import ./register.mjs generate.mjs            # all case files
//   node --import ./register.mjs generate.mjs mini       # only cases/mini.txt
//   node --import ./register.mjs generate.mjs --print cases/mini.txt:42
//
// For every case file cases/NAME.txt the results are written to
// expected/NAME.jsonl, one JSON object per case, in case-file order.
// See README.md for the formats.

import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

import { realConsole, parseCases, runCase } from './reference.mjs';

// ---------------------------------------------------------------------------

const here = dirname(fileURLToPath(import.meta.url));
const casesDir = join(here, 'cases');
const expectedDir = join(here, 'expected');

const args = process.argv.slice(2);
if (args[0] === '--print') {
  // Debug helper: print results of single cases, e.g. cases/mini.txt:42
  // or an ad-hoc expression: --print 0 2 '"a b"'
  const out = [];
  if (args.length === 4) {
    out.push(runCase({ line: 0, from: args[1], to: args[2], code: args[3] }));
  } else {
    for (const spec of args.slice(1)) {
      const [file, line] = spec.split(':');
      const cases = parseCases(readFileSync(join(here, file), 'utf8'));
      out.push(...cases.filter((c) => line === undefined || String(c.line) === line).map((c) => runCase(c)));
    }
  }
  for (const r of out) realConsole.log(JSON.stringify(r));
  process.exit(0);
}

const names = args.length
  ? args
  : readdirSync(casesDir)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => basename(f, '.txt'))
      .sort();
mkdirSync(expectedDir, { recursive: true });
for (const name of names) {
  const cases = parseCases(readFileSync(join(casesDir, `${name}.txt`), 'utf8'));
  const results = cases.map((c) => runCase(c));
  writeFileSync(join(expectedDir, `${name}.jsonl`), results.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const errors = results.filter((r) => r.error !== undefined).length;
  const warned = results.filter((r) => r.warnings).length;
  const events = results.reduce((n, r) => n + (r.events ? r.events.length : 0), 0);
  realConsole.log(
    `${name}: ${results.length} cases, ${errors} errors, ${warned} with warnings, ${events} events -> expected/${name}.jsonl`,
  );
}
process.exit(0);
