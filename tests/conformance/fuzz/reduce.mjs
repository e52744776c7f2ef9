// Shrinks a mismatching case: repeatedly tries smaller variants of the
// expression (and of the query range) and keeps the first that still shows
// the same kind of mismatch, until no variant does.

import { print, printMini } from './gen.mjs';

const clone = (x) => JSON.parse(JSON.stringify(x));

// All one-step simplifications of an expression tree, smallest first.
export function variants(ast) {
  const out = [];
  walkExpr(ast, (replace, node) => {
    for (const v of exprShrinks(node)) out.push(replace(v));
    if (node.t === 'mini') for (const m of miniShrinks(node.m)) out.push(replace({ t: 'mini', m }));
  });
  const seen = new Set();
  return out
    .map((a) => ({ a, s: print(a) }))
    .filter(({ s }) => (seen.has(s) ? false : seen.add(s)))
    .sort((x, y) => x.s.length - y.s.length)
    .map(({ a }) => a);
}

// Calls visit(replace, node) for every expression node; replace(newNode)
// returns a copy of the whole tree with that node replaced.
function walkExpr(root, visit) {
  const rec = (node, rebuild) => {
    visit((n) => rebuild(clone(n)), node);
    const sub = (key, idx) => (n) => {
      const copy = clone(node);
      if (idx === undefined) copy[key] = n;
      else copy[key][idx] = n;
      return rebuild(copy);
    };
    switch (node.t) {
      case 'call':
        node.args.forEach((a, i) => rec(a, sub('args', i)));
        break;
      case 'meth':
        rec(node.recv, sub('recv'));
        node.args.forEach((a, i) => rec(a, sub('args', i)));
        break;
      case 'arrow':
        rec(node.body, sub('body'));
        break;
      case 'arr':
        node.items.forEach((a, i) => rec(a, sub('items', i)));
        break;
    }
  };
  rec(root, (n) => n);
}

const PATTERN_FNS = new Set(['stack', 'cat', 'seq', 'fastcat', 'slowcat', 'sequence', 'polymeter', 'polyrhythm', 'randcat', 'wrandcat', 'chooseCycles', 'arrange', 'timecat', 'stepcat', 's_cat', 'choose', 'wchoose', 'wchooseCycles', 'squeeze']);

function exprShrinks(node) {
  const out = [];
  switch (node.t) {
    case 'meth':
      out.push(node.recv);
      // drop extra arguments of variadic methods (stack etc.)
      if (node.args.length > 1 && PATTERN_FNS.has(node.f)) {
        node.args.forEach((_, i) => out.push({ ...node, args: node.args.filter((__, j) => j !== i) }));
      }
      // a method with a function argument: replace the function by `rev` / x => x
      break;
    case 'call': {
      if (PATTERN_FNS.has(node.f)) {
        for (const a of node.args) out.push(a.t === 'arr' && a.items.length === 2 ? a.items[1] : a);
        if (node.args.length > 1) node.args.forEach((_, i) => out.push({ ...node, args: node.args.filter((__, j) => j !== i) }));
      } else if (node.args.length > 0) {
        // f(args..., pat) -> pat ; s(x) -> x
        out.push(node.args[node.args.length - 1]);
      }
      break;
    }
    case 'arrow':
      if (node.body.t !== 'id') out.push({ t: 'arrow', ps: node.ps, body: { t: 'id', v: node.ps[0] } });
      out.push({ t: 'id', v: 'rev' });
      break;
    case 'arr':
      if (node.items.length > 1) node.items.forEach((_, i) => out.push({ t: 'arr', items: node.items.filter((__, j) => j !== i) }));
      break;
    case 'num':
      if (!['1', '0', '2'].includes(node.v)) {
        out.push({ t: 'num', v: '1' });
        out.push({ t: 'num', v: '2' });
        out.push({ t: 'num', v: '0.5' });
      }
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Mini-notation shrinks (on the mini tree of gen.mjs).

function miniShrinks(body) {
  const out = [];
  const seen = new Set([printMini(body)]);
  const push = (b) => {
    const s = printMini(b);
    if (!seen.has(s)) {
      seen.add(s);
      out.push(b);
    }
  };
  shrinkBody(body, push);
  return out;
}

function shrinkBody(body, push) {
  // keep a single layer
  if (body.seqs.length > 1) {
    body.seqs.forEach((s) => push({ t: 'body', seqs: [s], sep: null }));
    body.seqs.forEach((_, i) => {
      const seqs = body.seqs.filter((__, j) => j !== i);
      push({ t: 'body', seqs, sep: seqs.length > 1 ? body.sep : null });
    });
  }
  body.seqs.forEach((seq, i) => {
    shrinkSeq(seq, (s2) => {
      const b = clone(body);
      b.seqs[i] = s2;
      push(b);
    });
  });
}

function shrinkSeq(seq, push) {
  const steps = seq.steps;
  // remove one step
  if (steps.length > 1) {
    steps.forEach((_, i) => {
      const rest = steps.filter((__, j) => j !== i);
      if (rest[0].t === 'step') push({ t: 'seq', steps: rest });
    });
  }
  steps.forEach((st, i) => {
    const put = (ns) => {
      const s = clone(seq);
      if (Array.isArray(ns)) s.steps.splice(i, 1, ...ns);
      else s.steps[i] = ns;
      push(s);
    };
    if (st.t !== 'step') return;
    // drop a modifier
    st.mods.forEach((_, k) => put({ ...st, mods: st.mods.filter((__, j) => j !== k) }));
    // simplify modifier arguments
    st.mods.forEach((m, k) => {
      if (m.arg && typeof m.arg !== 'string') {
        const mods = clone(st.mods);
        mods[k].arg = '2';
        put({ ...st, mods });
      }
      if (m.t === 'euclid' && m.r !== undefined) {
        const mods = clone(st.mods);
        delete mods[k].r;
        put({ ...st, mods });
      }
      if (m.t === '?' && m.p !== undefined) {
        const mods = clone(st.mods);
        delete mods[k].p;
        put({ ...st, mods });
      }
    });
    const core = st.core;
    if (core.t === 'group') {
      // replace the group by its contents (as steps), or by one of its steps
      if (core.body.seqs.length === 1) {
        const inner = core.body.seqs[0].steps;
        if (st.mods.length === 0) put(inner);
        inner.forEach((x) => {
          if (x.t === 'step') put({ t: 'step', core: x.core, mods: [...x.mods, ...st.mods] });
        });
      } else {
        core.body.seqs.forEach((s) => {
          s.steps.forEach((x) => {
            if (x.t === 'step') put({ t: 'step', core: x.core, mods: [...x.mods, ...st.mods] });
          });
        });
      }
      if (core.open !== '[') put({ ...st, core: { ...core, open: '[', steps: undefined } });
      if (core.steps !== undefined) put({ ...st, core: { ...core, steps: undefined } });
      shrinkBody(core.body, (b) => put({ ...st, core: { ...core, body: b } }));
    } else if (core.t === 'atom') {
      if (/\s/.test(core.v)) {
        // a raw mini string kept as one atom: try its words
        for (const w of core.v.split(/\s+/)) if (w) put({ ...st, core: { t: 'atom', v: w } });
      } else if (!['a', '0', '1', '~', 'c'].includes(core.v)) {
        for (const v of ['a', '0', '1', 'c']) put({ ...st, core: { t: 'atom', v } });
      }
    }
  });
}

// ---------------------------------------------------------------------------

function rangeVariants(from, to) {
  const out = [];
  const f = fracNum(from);
  const t = fracNum(to);
  const add = (a, b) => {
    if (fracNum(a) >= f - 1e-12 && fracNum(b) <= t + 1e-12 && !(a === from && b === to)) out.push([a, b]);
  };
  add('0', '1');
  const lo = Math.floor(f);
  const hi = Math.ceil(t);
  for (let k = lo; k < hi; k++) {
    const a = k < f ? from : String(k);
    const b = k + 1 > t ? to : String(k + 1);
    add(a, b);
  }
  out.unshift(['0', '1']); // also allowed outside the original range
  const seen = new Set();
  return out.filter(([a, b]) => (seen.has(a + ' ' + b) ? false : seen.add(a + ' ' + b)));
}

function fracNum(s) {
  const [n, d] = s.split('/');
  return Number(n) / (d ? Number(d) : 1);
}

// check(from, to, ast) -> Promise<boolean> (still the same mismatch?)
export async function reduce(c, check, { maxSteps = 400 } = {}) {
  let best = { from: c.from, to: c.to, ast: c.ast };
  let steps = 0;
  let progress = true;
  while (progress && steps < maxSteps) {
    progress = false;
    for (const [a, b] of rangeVariants(best.from, best.to)) {
      if (a === best.from && b === best.to) continue;
      steps++;
      if (await check(a, b, best.ast)) {
        best = { ...best, from: a, to: b };
        progress = true;
        break;
      }
    }
    if (progress) continue;
    for (const v of variants(best.ast)) {
      if (++steps > maxSteps) break;
      if (await check(best.from, best.to, v)) {
        best = { ...best, ast: v };
        progress = true;
        break;
      }
    }
  }
  return { ...best, code: print(best.ast) };
}
