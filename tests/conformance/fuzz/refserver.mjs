// Answers reference queries for the fuzzer: reads one JSON case per line
// on stdin ({"from","to","code"}, optionally "fix": a quirk name from
// quirks.mjs) and writes the reference result (the expected-file format of
// ../README.md) as one JSON line on stdout.
//
// Started by run.mjs as `node --import ./register.mjs fuzz/refserver.mjs`.

import { createInterface } from 'node:readline';
import { runCase } from '../reference.mjs';
import { withFix } from './quirks.mjs';

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const c = JSON.parse(line);
  let result;
  try {
    const theCase = { line: 0, from: c.from, to: c.to, code: c.code };
    // c.fix: evaluate with a known reference quirk corrected (quirks.mjs)
    result = c.fix ? withFix(c.fix, (overrides) => runCase(theCase, overrides)) : runCase(theCase);
  } catch (err) {
    // e.g. an unterminated string in the code
    result = { error: String(err && err.message !== undefined ? err.message : err) };
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}
