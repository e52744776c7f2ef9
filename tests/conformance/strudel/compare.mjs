// Runs `weft events FILE --json` on every program of a suite and compares
// the events with the reference's (expected/NAME.jsonl). A developer tool:
// `cargo test` runs the same comparison in lang/tests/strudel_programs.rs.
// Usage: node strudel/compare.mjs [--weft PATH] [--show N] [NAME…]
import { readFileSync, writeFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sortEvents, canonical } from './sort.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let weft = join(here, '../../../target/release/weft');
let show = 0;
const names = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--weft') weft = args[++i];
  else if (args[i] === '--show') show = Number(args[++i]);
  else names.push(args[i]);
}
const suites = names.length
  ? names
  : readdirSync(join(here, 'cases')).filter((f) => f.endsWith('.jsonl')).map((f) => f.replace(/\.jsonl$/, ''));
const tmp = mkdtempSync(join(tmpdir(), 'weft-strudel-'));
const read = (p) => readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

for (const suite of suites) {
  const cases = read(join(here, 'cases', `${suite}.jsonl`));
  const expected = new Map(read(join(here, 'expected', `${suite}.jsonl`)).map((e) => [e.id, e]));
  const tally = { pass: 0, refused: 0, wrong: 0, refError: 0 };
  const failures = [];
  for (const c of cases) {
    const exp = expected.get(c.id);
    if (exp.error !== undefined && !exp.browser) {
      tally.refError++;
      continue;
    }
    const file = join(tmp, 'case.weft');
    writeFileSync(file, c.code);
    const r = spawnSync(weft, ['events', file, '--json', '--to', String(c.cycles)], { encoding: 'utf8', timeout: 60000 });
    const lines = (r.stdout || '').split('\n').filter((l) => l.trim());
    let got;
    try {
      got = sortEvents(lines.map((l) => { const e = JSON.parse(l); delete e.track; return e; }));
    } catch (e) {
      got = null;
    }
    const ok = exp.browser
      ? /browser/.test(r.stderr || '')
      : got && JSON.stringify(canonical(got)) === JSON.stringify(canonical(exp.events));
    if (ok) tally.pass++;
    else {
      const refused = r.status !== 0 && lines.length === 0;
      refused ? tally.refused++ : tally.wrong++;
      const firstErr = (r.stderr || '').split('\n').find((l) => /rror|arning/.test(l)) || '';
      let diff = '';
      if (!refused && got && exp.events) {
        const i = got.findIndex((e, k) => JSON.stringify(canonical(e)) !== JSON.stringify(canonical(exp.events[k])));
        diff = `got ${got.length} events, expected ${exp.events.length}; first difference at ${i}: ${JSON.stringify(got[i])} vs ${JSON.stringify(exp.events[i])}`;
      }
      failures.push({ id: c.id, kind: refused ? 'refused' : 'wrong', err: firstErr.trim(), diff });
    }
  }
  const total = cases.length - tally.refError;
  console.log(`${suite}: ${tally.pass}/${total} pass, ${tally.refused} refused, ${tally.wrong} wrong (${tally.refError} rejected by the reference)`);
  writeFileSync(join(tmp, `${suite}-failures.json`), JSON.stringify(failures, null, 1));
  for (const f of failures.slice(0, show)) console.log(`  ${f.kind} ${f.id}: ${f.err} ${f.diff}`.slice(0, 400));
}
console.log(`failures written to ${tmp}`);
