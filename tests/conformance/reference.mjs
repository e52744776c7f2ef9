// The reference implementation (Strudel 1.2.6) as used by the conformance
// tools: evaluates a case's code the way the Strudel REPL does and returns
// its events in the expected-file format (see README.md).
//
// Load with `node --import ./register.mjs`, as the packages need the
// resolution hooks. Importing this module replaces the console methods so
// that what Strudel prints is captured per case; use `realConsole` to print.

// The core logger prints errors with console.error when NODE_ENV is
// 'development'; keep output independent of the caller's environment.
delete process.env.NODE_ENV;

// Silence the banners the packages print while loading.
export const realConsole = {
  log: console.log,
  warn: console.warn,
  error: console.error,
  info: console.info,
  debug: console.debug,
};
const CONSOLE_METHODS = Object.keys(realConsole);
let captured = null;
function formatArgs(args) {
  args = [...args];
  // The core logger prints `%c<message>` followed by a CSS string.
  if (typeof args[0] === 'string' && args[0].includes('%c')) {
    const styles = (args[0].match(/%c/g) || []).length;
    args[0] = args[0].replace(/%c/g, '');
    args.splice(1, styles);
  }
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return a.message;
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return String(a);
      }
    })
    .join(' ');
}
for (const name of CONSOLE_METHODS) {
  console[name] = (...args) => {
    if (captured) captured.push(formatArgs(args));
  };
}

const core = await import('@strudel/core');
const mini = await import('@strudel/mini');
const tonal = await import('@strudel/tonal');

const { Fraction, State, TimeSpan, isPattern, reify, logger } = core;

// ---------------------------------------------------------------------------
// Scope: every export of the three packages, as in the REPL.

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval'
  ).split(' '),
);
const scope = {};
for (const mod of [core, mini, tonal]) {
  for (const [name, value] of Object.entries(mod)) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name) || RESERVED.has(name)) continue;
    if (name in scope && scope[name] !== value) {
      throw new Error(`export name clash between packages: ${name}`);
    }
    scope[name] = value;
  }
}
const scopeNames = Object.keys(scope);
const scopeValues = scopeNames.map((n) => scope[n]);

// ---------------------------------------------------------------------------
// Code transformation: "..." -> m("..."), '...' untouched.

export function transpile(code) {
  let out = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < code.length && code[j] !== c) {
        j += code[j] === '\\' ? 2 : 1;
      }
      if (j >= code.length) throw new SyntaxError(`unterminated string literal in: ${code}`);
      const literal = code.slice(i, j + 1);
      out += c === '"' ? `m(${literal})` : literal;
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// `overrides` (optional): names to bind to other values than the packages'
// exports (used by the fuzzer to evaluate with a reference quirk fixed).
export function evaluate(code, overrides = null) {
  const body = `"use strict";\nreturn (${transpile(code)});`;
  const fn = new Function(...scopeNames, body);
  if (!overrides || typeof overrides !== 'object') return fn(...scopeValues);
  return fn(...scopeNames.map((n, i) => (n in overrides ? overrides[n] : scopeValues[i])));
}

// ---------------------------------------------------------------------------
// Serialisation.

export const frac = (x) => Fraction(x).toFraction();
const span = (s) => [frac(s.begin), frac(s.end)];

function isFraction(v) {
  return v !== null && typeof v === 'object' && typeof v.n === 'bigint' && typeof v.d === 'bigint';
}

// JSON.stringify cannot serialise Fraction objects (BigInt fields); write
// them as plain numbers (this is how they reach sound outputs as well).
function valueReplacer(_key, v) {
  return isFraction(v) ? Number(v.valueOf()) : v;
}

function serializeHap(hap) {
  const ev = {
    whole: hap.whole ? span(hap.whole) : null,
    part: span(hap.part),
    value: hap.value,
  };
  return JSON.parse(JSON.stringify(ev, valueReplacer));
}

// ---------------------------------------------------------------------------
// Case files.

export function parseCases(text) {
  const cases = [];
  text.split('\n').forEach((raw, idx) => {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = /^\s*(\S+)\s+(\S+)\s+(.*?)\s*$/.exec(line);
    if (!match) throw new Error(`line ${idx + 1}: expected "FROM TO CODE": ${line}`);
    const [, from, to, code] = match;
    cases.push({ line: idx + 1, from, to, code });
  });
  return cases;
}

let boundary = 0;
function resetLoggerDebounce() {
  // The core logger drops a message identical to the previous one if it is
  // repeated within a second. Log a unique message (discarded) so every case
  // sees the logger in the same state regardless of timing.
  const saved = captured;
  captured = null;
  logger(`conformance case boundary ${boundary++}`);
  captured = saved;
}

export function runCase(c, overrides = null) {
  const result = { line: c.line, from: frac(c.from), to: frac(c.to), code: c.code };
  resetLoggerDebounce();
  captured = [];
  try {
    let pat = evaluate(c.code, overrides);
    if (typeof pat === 'string' || typeof pat === 'number') pat = reify(pat);
    if (!isPattern(pat)) {
      throw new TypeError(`expression did not evaluate to a pattern (got ${typeof pat})`);
    }
    const haps = pat.query(new State(new TimeSpan(Fraction(c.from), Fraction(c.to))));
    result.events = haps.map(serializeHap);
  } catch (err) {
    delete result.events;
    result.error = String(err && err.message !== undefined ? err.message : err);
  } finally {
    if (captured.length) result.warnings = captured;
    captured = null;
  }
  return result;
}
