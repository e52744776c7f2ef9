// Known quirks of the reference, and a way to evaluate a case with one of
// them corrected. The fuzzer uses this to tell whether a mismatch is
// explained by a quirk already on record: if weft agrees with the corrected
// reference, the mismatch is classified under that quirk.

import { Pattern, register, reify } from '@strudel/core';
import { QUIRKS } from './quirk-names.mjs';

// 1. firstOf / every / lastOf (and so palindrome) pick the pattern for a
//    cycle with JavaScript's `%`, which is negative for negative cycles, so
//    those cycles are silent unless the cycle number is a multiple of n.
//    Corrected version: a proper modulo.
function cycleChoice(pats) {
  pats = pats.map(reify);
  const query = (state) => {
    const n = pats.length;
    const i = ((Math.floor(state.span.begin) % n) + n) % n;
    return pats[i].query(state);
  };
  return new Pattern(query).splitQueries();
}

const FIXES = {
  'negative-cycle-every': () => {
    const saved = {};
    const names = ['firstOf', 'every', 'lastOf'];
    for (const n of names) {
      saved[n] = Pattern.prototype[n];
      saved['_' + n] = Pattern.prototype['_' + n];
    }
    const firstOf = (n, func, pat) => cycleChoice([func(pat), ...Array(n - 1).fill(pat)]);
    const lastOf = (n, func, pat) => cycleChoice([...Array(n - 1).fill(pat), func(pat)]);
    const overrides = {
      firstOf: register('firstOf', firstOf),
      every: register('every', firstOf),
      lastOf: register('lastOf', lastOf),
    };
    const restore = () => {
      for (const [k, v] of Object.entries(saved)) Pattern.prototype[k] = v;
    };
    return { overrides, restore };
  },
};


if (QUIRKS.join() !== Object.keys(FIXES).join()) throw new Error('quirk-names.mjs is out of date');

// Runs fn(overrides) with the named quirk corrected.
export function withFix(name, fn) {
  const { overrides, restore } = FIXES[name]();
  try {
    return fn(overrides);
  } finally {
    restore();
  }
}
