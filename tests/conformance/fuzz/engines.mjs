// The two sides of the differential test, and how their results compare.
//
//   Reference: a child node process running refserver.mjs (restarted when a
//              case takes too long).
//   weft:      the `weft events --json` command, once per case.

import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const conformanceDir = join(here, '..');

// ---------------------------------------------------------------------------
// Reference.

export class Reference {
  constructor({ timeoutMs = 20000 } = {}) {
    this.timeoutMs = timeoutMs;
    this.child = null;
    this.pending = null;
    this.restarts = 0;
  }

  start() {
    const child = spawn(process.execPath, ['--import', './register.mjs', 'fuzz/refserver.mjs'], {
      cwd: conformanceDir,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', (line) => {
      const p = this.pending;
      // (a line from a process that was given up on answers nothing)
      if (!p || p.child !== child) return;
      this.pending = null;
      clearTimeout(p.timer);
      p.resolve(JSON.parse(line));
    });
    child.on('exit', () => {
      if (this.child === child) this.child = null;
      // only a request sent to this process fails with it: a process killed
      // after a timeout exits while its replacement is already answering
      const p = this.pending;
      if (p && p.child === child) {
        this.pending = null;
        clearTimeout(p.timer);
        p.resolve({ crash: 'reference process exited' });
      }
    });
    this.child = child;
  }

  // fix: optionally a quirk of quirks.mjs to correct
  run(from, to, code, fix = null) {
    if (!this.child) this.start();
    const child = this.child;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.child = null;
        this.restarts++;
        child.kill('SIGKILL');
        resolve({ timeout: true });
      }, this.timeoutMs);
      this.pending = { resolve, timer, child };
      child.stdin.write(JSON.stringify(fix ? { from, to, code, fix } : { from, to, code }) + '\n');
    });
  }

  stop() {
    if (this.child) {
      this.child.stdin.end();
      this.child = null;
    }
  }
}

// ---------------------------------------------------------------------------
// weft.

export function runWeft(weft, from, to, code, timeoutMs = 20000) {
  const r = spawnSync(weft, ['events', '-e', code, `--from=${from}`, `--to=${to}`, '--json'], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error && r.error.code === 'ETIMEDOUT') return { timeout: true };
  if (r.error) return { crash: String(r.error.message) };
  const stderr = (r.stderr || '').trim();
  const warnings = stderr
    .split('\n')
    .filter((l) => l.startsWith('warning:'))
    .map((l) => l.slice('warning:'.length).trim());
  if (r.status !== 0) {
    if (r.signal) return { crash: `killed by ${r.signal}`, stderr };
    // exit code 1: an error reported by weft (a panic exits with 101)
    if (r.status === 101 || /panicked/.test(stderr)) return { crash: 'panic', stderr };
    return { error: stderr.split('\n')[0] || `exit ${r.status}`, stderr };
  }
  const events = r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  const res = { events };
  if (warnings.length) res.warnings = warnings;
  return res;
}

// ---------------------------------------------------------------------------
// Comparison.

function gcd(a, b) {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

// Canonical form of an exact time "n/d" or "n".
export function normTime(s) {
  if (typeof s !== 'string') return String(s);
  const m = /^(-?\d+)(?:\/(-?\d+))?$/.exec(s.trim());
  if (!m) return s;
  let n = BigInt(m[1]);
  let d = m[2] ? BigInt(m[2]) : 1n;
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d) || 1n;
  n /= g;
  d /= g;
  return d === 1n ? `${n}` : `${n}/${d}`;
}

function normSpan(sp) {
  return sp ? [normTime(sp[0]), normTime(sp[1])] : null;
}

// JSON with sorted keys and numbers rounded (for sorting only).
function roundedKey(v) {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(8);
  if (Array.isArray(v)) return `[${v.map(roundedKey).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${roundedKey(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function approxEq(a, b) {
  if (typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => approxEq(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && approxEq(a[k], b[k]));
  }
  return a === b;
}

function normEvent(e) {
  return { whole: normSpan(e.whole), part: normSpan(e.part), value: e.value };
}

function eventEq(a, b) {
  return (
    JSON.stringify(a.whole) === JSON.stringify(b.whole) &&
    JSON.stringify(a.part) === JSON.stringify(b.part) &&
    approxEq(a.value, b.value)
  );
}

function timeNum(s) {
  const [n, d] = s.split('/');
  return Number(n) / (d ? Number(d) : 1);
}

function sortKeyed(evs) {
  return evs
    .map((e) => ({
      e,
      k: [timeNum(e.part[0]), timeNum(e.part[1]), e.whole ? timeNum(e.whole[0]) : -Infinity, e.whole ? timeNum(e.whole[1]) : -Infinity],
      v: roundedKey(e.value),
    }))
    .sort((x, y) => {
      for (let i = 0; i < 4; i++) if (x.k[i] !== y.k[i]) return x.k[i] - y.k[i];
      return x.v < y.v ? -1 : x.v > y.v ? 1 : 0;
    })
    .map((x) => x.e);
}

// Compares a weft result with a reference result. Returns
//   {status: 'same' | 'same-error' | 'order' | 'mismatch' | 'skip', kind?, detail?}
// kind (for mismatches): 'weft-error' (weft failed, reference did not),
// 'ref-error' (the reference failed, weft did not), 'events', 'weft-crash'.
export function compare(w, r) {
  if (r.timeout || r.crash) return { status: 'skip', detail: r.timeout ? 'reference timeout' : r.crash };
  if (w.timeout) return { status: 'mismatch', kind: 'weft-timeout', detail: 'weft timed out' };
  if (w.crash) return { status: 'mismatch', kind: 'weft-crash', detail: `${w.crash}: ${(w.stderr || '').slice(0, 300)}` };
  const rErr = r.error !== undefined;
  const wErr = w.error !== undefined;
  if (rErr && wErr) return { status: 'same-error' };
  if (wErr) return { status: 'mismatch', kind: 'weft-error', detail: `weft: ${w.error} | reference: ${r.events.length} events` };
  if (rErr) return { status: 'mismatch', kind: 'ref-error', detail: `reference: ${r.error} | weft: ${w.events.length} events` };
  const we = w.events.map(normEvent);
  const re = r.events.map(normEvent);
  if (we.length === re.length && we.every((e, i) => eventEq(e, re[i]))) return { status: 'same' };
  const ws = sortKeyed(we);
  const rs = sortKeyed(re);
  if (ws.length === rs.length && ws.every((e, i) => eventEq(e, rs[i]))) return { status: 'order' };
  // first difference, on sorted lists
  let i = 0;
  while (i < ws.length && i < rs.length && eventEq(ws[i], rs[i])) i++;
  return {
    status: 'mismatch',
    kind: 'events',
    detail: `weft ${ws.length} events, reference ${rs.length}; first difference (sorted) at #${i}: weft ${JSON.stringify(ws[i] ?? null)} reference ${JSON.stringify(rs[i] ?? null)}`,
  };
}
