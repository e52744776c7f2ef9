// Differential fuzzing of weft against the reference (Strudel 1.2.6).
//
//   cd tests/conformance
//   node --import ./register.mjs fuzz/run.mjs --cases 5000 --seed 1 --weft ../../target/release/weft
//
// See fuzz/README.md for the options and the output files.

import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRng, genCase, print } from './gen.mjs';
import { AREAS, genAreaCase } from './areas.mjs';
import { Reference, runWeft, compare } from './engines.mjs';
import { reduce } from './reduce.mjs';
import { QUIRKS } from './quirk-names.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const opts = {
    cases: 1000,
    seed: 1,
    start: 0,
    weft: join(here, '..', '..', '..', 'target', 'release', 'weft'),
    out: join(here, 'out'),
    reduce: 1000,
    timeout: 20000,
    only: null,
    show: false,
    mode: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--cases') opts.cases = Number(val());
    else if (a === '--seed') opts.seed = Number(val());
    else if (a === '--start') opts.start = Number(val());
    else if (a === '--weft') opts.weft = resolve(val());
    else if (a === '--out') opts.out = resolve(val());
    else if (a === '--reduce') opts.reduce = Number(val());
    else if (a === '--no-reduce') opts.reduce = 0;
    else if (a === '--timeout') opts.timeout = Number(val());
    else if (a === '--only') opts.only = Number(val());
    else if (a === '--show') opts.show = true;
    else if (a === '--mode') opts.mode = val();
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: node --import ./register.mjs fuzz/run.mjs [--cases N] [--seed S] [--start I] [--weft PATH]\n' +
          '       [--out DIR] [--reduce MAX | --no-reduce] [--timeout MS] [--only I] [--show]\n' +
          '       [--mode mini|fn|round2|tonal|arith|signal|sample|chain|top]',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

// Case i of seed s always gets the same generator state.
function caseRng(seed, i) {
  let h = (seed * 0x9e3779b1) ^ (i * 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return makeRng(h);
}

const opts = parseArgs(process.argv.slice(2));
if (opts.mode !== null && !['mini', 'fn', 'round2', ...AREAS].includes(opts.mode)) throw new Error(`unknown mode ${opts.mode}`);

// Case i of the run: the general generator (all cases, or --mode mini|fn) or
// one of the focused areas of areas.mjs (--mode round2 mixes them).
function makeCase(i) {
  const rng = caseRng(opts.seed, i);
  if (opts.mode === 'round2' || AREAS.includes(opts.mode)) return genAreaCase(rng, opts.mode);
  return genCase(rng, opts.mode);
}
const ref = new Reference({ timeoutMs: opts.timeout });

async function runBoth(from, to, code) {
  const r = await ref.run(from, to, code);
  const w = runWeft(opts.weft, from, to, code, opts.timeout);
  return { r, w, cmp: compare(w, r) };
}

// Known explanations of a mismatch. Returns a label, or null when the
// mismatch is not explained by anything on record.
async function classify(from, to, code, w, cmp) {
  if (cmp.kind === 'ref-error') {
    if (/euclidLegato(Rot)? is not a function/.test(cmp.detail)) return 'known: top-level euclidLegato/euclidLegatoRot missing in the reference';
  }
  if (cmp.kind === 'events' || cmp.kind === 'ref-error' || cmp.kind === 'weft-error') {
    for (const fix of QUIRKS) {
      const fixed = await ref.run(from, to, code, fix);
      const again = compare(w, fixed);
      if (again.status === 'same' || again.status === 'order' || again.status === 'same-error') return `quirk: ${fix}`;
    }
  }
  return null;
}

// The error of a weft-error / ref-error mismatch, without the details that
// vary with the expression (quoted text, numbers); null for other kinds.
function errorClass(cmp) {
  const side = { 'weft-error': /^weft: (.*?) \| reference:/, 'ref-error': /^reference: (.*?) \| weft:/ }[cmp.kind];
  const m = side && side.exec(cmp.detail || '');
  if (!m) return null;
  return m[1].replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '"…"').replace(/\d+(\.\d+)?/g, 'N');
}

// Warnings are compared as sets (their order follows the query order).
function sameWarnings(w, r) {
  const set = (xs) => [...new Set(xs || [])].sort().join('\n');
  return set(w.warnings) === set(r.warnings);
}

if (opts.only !== null || opts.show) {
  // print cases (and, with --only, the comparison of one case)
  const first = opts.only ?? opts.start;
  const count = opts.only !== null ? 1 : opts.cases;
  for (let i = first; i < first + count; i++) {
    const c = makeCase(i);
    if (opts.show && opts.only === null) {
      console.log(`${c.from} ${c.to} ${c.code}`);
      continue;
    }
    const { r, w, cmp } = await runBoth(c.from, c.to, c.code);
    console.log(JSON.stringify({ i, from: c.from, to: c.to, code: c.code, cmp }, null, 1));
    console.log('reference:', JSON.stringify(r).slice(0, 3000));
    console.log('weft:     ', JSON.stringify(w).slice(0, 3000));
  }
  ref.stop();
  process.exit(0);
}

mkdirSync(opts.out, { recursive: true });
const tag = `seed${opts.seed}${opts.mode ? `-${opts.mode}` : ''}`;
const files = {
  mismatches: join(opts.out, `${tag}-mismatches.jsonl`),
  order: join(opts.out, `${tag}-order.jsonl`),
  warnings: join(opts.out, `${tag}-warnings.jsonl`),
  skipped: join(opts.out, `${tag}-skipped.jsonl`),
  summary: join(opts.out, `${tag}-summary.json`),
};
for (const f of Object.values(files)) writeFileSync(f, '');

const knownCounts = {};
const counts = { run: 0, same: 0, 'same-error': 0, order: 0, mismatch: 0, skip: 0, warnings: 0 };
const byKind = {};
const byMode = {}; // cases per generator mode / area
let reduced = 0;
let reducedOrder = 0;
const t0 = Date.now();

for (let i = opts.start; i < opts.start + opts.cases; i++) {
  const c = makeCase(i);
  const { r, w, cmp } = await runBoth(c.from, c.to, c.code);
  counts.run++;
  counts[cmp.status]++;
  const area = (byMode[c.mode] ??= { run: 0, mismatch: 0, order: 0 });
  area.run++;
  if (cmp.status === 'mismatch' || cmp.status === 'order') area[cmp.status]++;
  const record = { i, from: c.from, to: c.to, code: c.code, mode: c.mode };
  if (cmp.status === 'skip') {
    appendFileSync(files.skipped, JSON.stringify({ ...record, why: cmp.detail }) + '\n');
  } else if (cmp.status === 'mismatch' || cmp.status === 'order') {
    const isOrder = cmp.status === 'order';
    if (!isOrder) byKind[cmp.kind] = (byKind[cmp.kind] || 0) + 1;
    Object.assign(record, { kind: cmp.kind ?? 'order', detail: cmp.detail });
    const label = isOrder ? null : await classify(c.from, c.to, c.code, w, cmp);
    if (label) {
      record.known = label;
      knownCounts[label] = (knownCounts[label] || 0) + 1;
    }
    // reduce every unexplained mismatch, and a few examples of each known one
    const doReduce = isOrder
      ? reducedOrder < Math.min(50, opts.reduce)
      : reduced < opts.reduce && (!label || knownCounts[label] <= 3);
    if (doReduce) {
      if (isOrder) reducedOrder++;
      else reduced++;
      const want = isOrder ? 'order' : cmp.kind;
      const wantError = errorClass(cmp);
      const small = await reduce(c, async (from, to, ast) => {
        const code = print(ast);
        const res = await runBoth(from, to, code);
        if ((res.cmp.kind ?? res.cmp.status) !== want) return false;
        // an error mismatch must keep its error (not any other error)
        if (errorClass(res.cmp) !== wantError) return false;
        // stay in the same class: explained by the same label (or by none)
        return isOrder || (await classify(from, to, code, res.w, res.cmp)) === label;
      });
      const again = await runBoth(small.from, small.to, small.code);
      record.reduced = { from: small.from, to: small.to, code: small.code, detail: again.cmp.detail };
    }
    appendFileSync(isOrder ? files.order : files.mismatches, JSON.stringify(record) + '\n');
  } else if (!sameWarnings(w, r)) {
    counts.warnings++;
    if (counts.warnings <= 500) {
      appendFileSync(files.warnings, JSON.stringify({ ...record, weft: w.warnings || [], reference: r.warnings || [] }) + '\n');
    }
  }
  if (counts.run % 250 === 0) {
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    console.log(`${counts.run} cases (${secs}s): ${JSON.stringify(counts)} ${JSON.stringify(byKind)} known ${JSON.stringify(knownCounts)}`);
  }
}
ref.stop();
const summary = { seed: opts.seed, start: opts.start, mode: opts.mode, ...counts, byKind, byMode, known: knownCounts, seconds: (Date.now() - t0) / 1000 };
writeFileSync(files.summary, JSON.stringify(summary, null, 1) + '\n');
console.log(JSON.stringify(summary));
process.exit(0);
