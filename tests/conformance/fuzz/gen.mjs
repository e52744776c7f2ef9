// Random test expressions for differential fuzzing.
//
// Expressions are built as small syntax trees (so the reducer in reduce.mjs
// can shrink them) and printed in the case-file syntax: calls, method
// chains, arrow functions, numbers, "mini" strings, 'plain' strings, arrays.
// Everything is driven by a seeded generator, so a seed always gives the
// same cases.

// ---------------------------------------------------------------------------
// Seeded random numbers (mulberry32).

export function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    // weighted choice from [[weight, value], ...]
    weighted: (pairs) => {
      const total = pairs.reduce((s, [w]) => s + w, 0);
      let r = next() * total;
      for (const [w, v] of pairs) {
        if ((r -= w) < 0) return v;
      }
      return pairs[pairs.length - 1][1];
    },
  };
  return rng;
}

// ---------------------------------------------------------------------------
// Syntax trees.
//
// Expression nodes:
//   {t:'num', v:'2'}              number literal (printed verbatim, may be `1/3`)
//   {t:'str', v:'C:major'}        single-quoted plain string
//   {t:'mini', m:<mini seq>}      double-quoted mini-notation
//   {t:'id', v:'sine'}            identifier
//   {t:'call', f:'fast', args}    f(args)
//   {t:'meth', recv, f, args}     recv.f(args)   (f may be 'add.squeeze')
//   {t:'arrow', ps:['x'], body}   x => body
//   {t:'arr', items}              [a, b]
//
// Mini nodes:
//   {t:'body', seqs:[seq...], sep:null|','|'|'|'.'}
//   seq: {t:'seq', steps:[step...]}
//   step: {t:'step', core, mods:[mod...]}  or {t:'elong'} (`_`) or {t:'range', to:'3'} (` .. 3`)
//   core: {t:'atom', v} | {t:'group', open:'['|'<'|'{', body, steps?} ({...}%n)
//   mod: {t:'*', arg} {t:'/', arg} {t:'!', n?} {t:'@', w} {t:'?', p?} {t:'euclid', k, n, r?} {t:':', v}
//   mod arg: an atom string or a core group

export function print(node) {
  switch (node.t) {
    case 'num':
      return node.v;
    case 'str':
      return `'${node.v}'`;
    case 'mini':
      return `"${printMini(node.m)}"`;
    case 'id':
    case 'raw':
      return node.v;
    case 'call':
      return `${node.f}(${node.args.map(print).join(', ')})`;
    case 'meth':
      return `${printRecv(node.recv)}.${node.f}(${node.args.map(print).join(', ')})`;
    case 'arrow':
      return `${node.ps.length === 1 ? node.ps[0] : `(${node.ps.join(', ')})`} => ${print(node.body)}`;
    case 'arr':
      return `[${node.items.map(print).join(', ')}]`;
    default:
      throw new Error(`unknown node ${node.t}`);
  }
}

function printRecv(node) {
  // numbers need parentheses before a method call; arrows too
  if (node.t === 'num' || node.t === 'arrow') return `(${print(node)})`;
  return print(node);
}

export function printMini(body) {
  if (body.t === 'body') {
    const parts = body.seqs.map(printMini);
    return body.sep ? parts.join(body.sep === '.' ? ' . ' : `${body.sep} `) : parts[0];
  }
  if (body.t === 'seq') return body.steps.map(printMini).join(' ');
  if (body.t === 'elong') return '_';
  if (body.t === 'range') return `.. ${body.to}`;
  if (body.t === 'step') return printCore(body.core) + body.mods.map(printMod).join('');
  throw new Error(`unknown mini node ${body.t}`);
}

function printCore(core) {
  if (core.t === 'atom') return core.v;
  const close = { '[': ']', '<': '>', '{': '}' }[core.open];
  let s = core.open + printMini(core.body) + close;
  if (core.open === '{' && core.steps !== undefined) s += `%${core.steps}`;
  return s;
}

function printArg(a) {
  return typeof a === 'string' ? a : printCore(a);
}

function printMod(m) {
  switch (m.t) {
    case '*':
    case '/':
      return m.t + printArg(m.arg);
    case '!':
      return m.n === undefined ? '!' : `!${m.n}`;
    case '@':
      return `@${m.w}`;
    case '?':
      return m.p === undefined ? '?' : `?${m.p}`;
    case 'euclid':
      return `(${[m.k, m.n, m.r].filter((x) => x !== undefined).map(printArg).join(',')})`;
    case ':':
      return `:${m.v}`;
    default:
      throw new Error(`unknown mod ${m.t}`);
  }
}

// ---------------------------------------------------------------------------
// Mini-notation.
//
// Value kinds: 'snd' (sample names), 'num', 'note' (note names), 'bool'
// (structure patterns), 'word' (chord / scale words are not generated here).

export const ATOMS = {
  snd: ['bd', 'sd', 'hh', 'cp', 'oh', 'rim', 'lt', 'a', 'b', 'c', 'd'],
  num: ['0', '1', '2', '3', '4', '5', '7', '-1', '-2', '12', '0.5', '1.5', '-0.25', '.25', '10', '6'],
  note: ['c', 'e', 'g', 'a', 'f', 'd', 'b', 'eb', 'f#', 'bb', 'c3', 'e4', 'g2', 'a5', 'c#4', 'eb3', 'ab2', 'g4'],
  bool: ['1', '0', 'x', 't', 'f', 'true', 'false', '1', '1', 'x'],
  fact: ['2', '3', '4', '1.5', '0.5', '2', '2'],
};

export const CHORD_ROOTS = ['C', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B', 'Db', 'c', 'g'];
export const CHORD_TYPES = ['', '', 'm', 'm7', '7', '7', '^7', '-7', 'h7', 'o7', '7b9', '9', '13', '7#11', 'sus', '7sus', '6', '69', 'add9', '-^7', 'm9', 'M7', 'dim', 'aug', 'maj7', '^', '-', 'o', '+', '7alt', '-7b5', 'xyz'];

// unusual atoms, used rarely
const WILD_ATOMS = ['1e3', '0x10', '-0', 'Infinity', '.5', '5.', '007', 'NaN', '1_000', 'bd:3:2', 'a:b', 'C#', 'cb', 'e#4', 'x', '_x', 'a.b', '-1.5', '12.25'];

function atomFor(rng, kind) {
  if (rng.chance(0.01)) return rng.pick(WILD_ATOMS);
  if (kind === 'chord') return rng.pick(CHORD_ROOTS) + rng.pick(CHORD_TYPES);
  return rng.pick(ATOMS[kind] || ATOMS.snd);
}

function factorArg(rng, d) {
  if (d > 0 && rng.chance(0.2)) {
    const open = rng.pick(['<', '[']);
    const n = rng.int(2, 3);
    const steps = [];
    for (let i = 0; i < n; i++) steps.push({ t: 'step', core: { t: 'atom', v: rng.pick(['1', '2', '3', '4']) }, mods: [] });
    return { t: 'group', open, body: { t: 'body', seqs: [{ t: 'seq', steps }], sep: null } };
  }
  return rng.pick(ATOMS.fact);
}

function genMod(rng, kind, d) {
  return rng.weighted([
    [15, () => ({ t: '*', arg: factorArg(rng, d) })],
    [7, () => ({ t: '/', arg: factorArg(rng, d) })],
    [6, () => ({ t: '!', n: rng.chance(0.3) ? undefined : String(rng.int(2, 3)) })],
    [6, () => ({ t: '@', w: rng.pick(['2', '3', '0.5', '1.5', '2']) })],
    [7, () => ({ t: '?', p: rng.chance(0.5) ? undefined : rng.pick(['0.3', '0.5', '0.7', '0.1', '0']) })],
    [
      6,
      () => {
        const n = rng.int(3, 8);
        const k = rng.int(1, n);
        const m = { t: 'euclid', k: String(k), n: String(n) };
        if (rng.chance(0.35)) m.r = String(rng.int(0, n));
        if (d > 0 && rng.chance(0.15)) m.k = parseMiniCore(rng.pick(['<3 5>', '<2 3>', '[3 5]']));
        return m;
      },
    ],
    [kind === 'snd' ? 8 : 1, () => ({ t: ':', v: String(rng.int(0, 4)) })],
    // unusual modifiers, used rarely
    [0.3, () => ({ t: '@', w: rng.pick(['0', '-1', '0.25', '1/2']) })],
    [0.3, () => ({ t: '!', n: rng.pick(['0', '1', '4']) })],
    [0.3, () => ({ t: '*', arg: rng.pick(['0', '-1', '0.25', '1.25', '100']) })],
    [0.3, () => ({ t: '/', arg: rng.pick(['0', '3', '0.75']) })],
    [0.3, () => ({ t: 'euclid', k: rng.pick(['-3', '0', '9', '3.5']), n: rng.pick(['8', '0', '1', '-8']), r: rng.pick([undefined, '-1', '9', '2']) })],
    [0.3, () => ({ t: '?', p: rng.pick(['1', '0.99', '0.01']) })],
    [0.3, () => ({ t: ':', v: rng.pick(['a', '-1', '0.5', '[1 2]']) })],
  ])();
}

// tiny helper: only used for the fixed '<3 5>' style arguments above
function parseMiniCore(s) {
  const inner = s.slice(1, -1).split(' ');
  return {
    t: 'group',
    open: s[0],
    body: { t: 'body', seqs: [{ t: 'seq', steps: inner.map((v) => ({ t: 'step', core: { t: 'atom', v }, mods: [] })) }], sep: null },
  };
}

function genStep(rng, kind, d) {
  let core;
  const r = rng.next();
  if (d > 0 && r < 0.14) core = { t: 'group', open: '[', body: genBody(rng, kind, d - 1) };
  else if (d > 0 && r < 0.26) core = { t: 'group', open: '<', body: genBody(rng, kind, d - 1, true) };
  else if (d > 0 && r < 0.31) {
    core = { t: 'group', open: '{', body: genBody(rng, kind, d - 1, true, true) };
    if (rng.chance(0.5)) core.steps = rng.chance(0.1) ? rng.pick(['<2 3>', '0', '1.5']) : String(rng.int(1, 5));
  } else if (r < 0.38) core = { t: 'atom', v: rng.pick(['~', '~', '-']) };
  else core = { t: 'atom', v: atomFor(rng, kind) };
  const mods = [];
  const nmods = rng.weighted([
    [62, 0],
    [28, 1],
    [8, 2],
    [2, 3],
  ]);
  for (let i = 0; i < nmods; i++) mods.push(genMod(rng, kind, d));
  return { t: 'step', core, mods };
}

function genSeq(rng, kind, d) {
  const n = rng.weighted([
    [10, 1],
    [25, 2],
    [25, 3],
    [25, 4],
    [10, 5],
    [5, 8],
  ]);
  const steps = [];
  for (let i = 0; i < n; i++) {
    if ((i > 0 || rng.chance(0.05)) && rng.chance(0.04)) steps.push({ t: 'elong' });
    if (i > 0 && kind === 'num' && rng.chance(0.03) && steps[steps.length - 1].t === 'step' && steps[steps.length - 1].core.t === 'atom') {
      steps.push({ t: 'range', to: rng.pick(['3', '5', '0', '-2', '7']) });
      continue;
    }
    steps.push(genStep(rng, kind, d));
  }
  return { t: 'seq', steps };
}

function genBody(rng, kind, d, inAlt = false, inPoly = false) {
  const r = rng.next();
  let sep = null;
  let count = 1;
  if (inPoly) {
    if (r < 0.4) {
      sep = ',';
      count = 2;
    }
  } else if (r < 0.12) {
    sep = ',';
    count = rng.int(2, 3);
  } else if (r < 0.16 && !inAlt) {
    // `|` is not accepted directly inside < >
    sep = '|';
    count = rng.int(2, 3);
  } else if (r < 0.19 && !inAlt) {
    sep = '.';
    count = 2;
  }
  const seqs = [];
  for (let i = 0; i < count; i++) seqs.push(genSeq(rng, kind, d));
  return { t: 'body', seqs, sep };
}

export function genMini(rng, kind, depth = 2) {
  return { t: 'mini', m: genBody(rng, kind, depth) };
}

// Simple hand-picked minis for arguments.
const SIMPLE = {
  fact: ['2', '<2 3>', '2 4', '<1 2>', '[1 2] 3', '<2 [3 4]>', '1.5', '<1 0.5>', '3'],
  smallint: ['2', '3', '4', '<2 3>', '<3 4>', '2 3'],
  time: ['0.25', '<0 0.25>', '0 0.125', '<0.5 0.25>', '1/8', '0.125', '<0 1/3>'],
  prob: ['0.5', '<0.2 0.8>', '0.3', '0.5 0.9', '0.75', '<0 1>'],
  bool: ['1 0 1 1', 'x ~ x', 'true false', '<1 0> 1', '1(3,8)', 't f t t', '1 [0 1]', 'x*4', '<1 [1 0]>', '1 0'],
  num: ['0 1', '<0 12>', '1 2 3', '7', '<0 3 5>', '0 [2 4]', '-1 1', '0.5 1'],
  gain: ['0.5 1', '<0.8 0.5>', '1 0.7 0.5', '.4!2 1 .4!2 1', '0.25'],
  pan: ['0 1', '<0 0.5 1>', '0.25 0.75'],
  lpf: ['200 800', '<500 2000>', '1000', '300 [600 1200]'],
  idx: ['0 1', '0 1 2 3', '<0 2> 1', '0 [1 0]', '3 2 1 0', '<0 1 2>', '0 2 1 3', '0 -1', '<-1 5>', '1.5 0'],
  snd: ['bd sd', 'hh*2 oh', '<bd cp>', 'bd:1 sd:2'],
  note: ['c e g', '<c4 e4>', 'a3 c4', 'c [e g]'],
};

export function simpleMini(rng, key) {
  return { t: 'mini', m: rawMini(rng.pick(SIMPLE[key])) };
}

// A raw mini string wrapped as a single atom sequence (printing reproduces
// it verbatim; the reducer treats it as indivisible).
export function rawMini(s) {
  return { t: 'body', seqs: [{ t: 'seq', steps: [{ t: 'step', core: { t: 'atom', v: s }, mods: [] }] }], sep: null };
}

// ---------------------------------------------------------------------------
// Expressions.

export const num = (v) => ({ t: 'num', v: String(v) });
export const str = (v) => ({ t: 'str', v });
export const id = (v) => ({ t: 'id', v });
export const call = (f, ...args) => ({ t: 'call', f, args });
export const meth = (recv, f, ...args) => ({ t: 'meth', recv, f, args });
export const arrow = (body, ps = ['x']) => ({ t: 'arrow', ps, body });
export const arr = (...items) => ({ t: 'arr', items });

// Argument generators. Each returns an expression node.
export const A = {
  fact: (rng) => (rng.chance(0.6) ? num(rng.pick(['2', '3', '1.5', '0.5', '4', '0.25', '1/3', '2/3', '1', '0.75'])) : simpleMini(rng, 'fact')),
  smallint: (rng) => (rng.chance(0.65) ? num(rng.int(1, 5)) : simpleMini(rng, 'smallint')),
  plainint: (rng) => num(rng.int(1, 5)),
  time: (rng) => (rng.chance(0.6) ? num(rng.pick(['0.25', '0.5', '1/8', '1/3', '0.125', '1', '-0.25', '0.75', '1.5'])) : simpleMini(rng, 'time')),
  unit: (rng) => num(rng.pick(['0', '0.25', '0.5', '0.75', '1', '1/3', '2/3', '0.125'])),
  prob: (rng) => (rng.chance(0.7) ? num(rng.pick(['0.5', '0.2', '0.8', '0.3', '0', '1', '0.9', '.5'])) : simpleMini(rng, 'prob')),
  bool: (rng) => (rng.chance(0.75) ? simpleMini(rng, 'bool') : genMini(rng, 'bool', 1)),
  idx: (rng) => simpleMini(rng, 'idx'),
  linger: (rng) => (rng.chance(0.7) ? num(rng.pick(['0.25', '0.5', '1/3', '0.75', '1', '0.125', '2'])) : { t: 'mini', m: rawMini(rng.pick(['<0.25 0.5>', '0.25 0.5', '<1 0.5>'])) }),
};

// Numeric value for arithmetic, by receiver kind.
function arithArg(rng, kind) {
  if (kind === 'ctrl') {
    return rng.chance(0.85) ? call(rng.pick(['n', 'note']), simpleMini(rng, 'num')) : num(rng.int(1, 12));
  }
  if (kind === 'note' && rng.chance(0.3)) return simpleMini(rng, 'note');
  if (rng.chance(0.5)) return num(rng.pick(['1', '2', '7', '12', '-1', '0.5', '3', '10', '1/4']));
  return rng.chance(0.6) ? simpleMini(rng, 'num') : genMini(rng, 'num', 1);
}

// A function argument (for every, chunk, off, …) for a pattern of `kind`.
export function fnArg(rng, kind, depth) {
  const simple = [
    [6, () => id('rev')],
    [4, () => call('fast', num(2))],
    [2, () => call('slow', num(2))],
    [2, () => call('late', num('0.25'))],
    [2, () => call('ply', num(2))],
    [1, () => id('brak')],
    [1, () => id('press')],
    [1, () => id('palindrome')],
  ];
  if (kind === 'num' || kind === 'note') simple.push([5, () => call('add', num(rng.pick(['7', '12', '1', '-12'])))]);
  if (kind === 'num') simple.push([2, () => call('mul', num(2))]);
  return rng.weighted([
    [4, () => rng.weighted(simple)()],
    [
      8,
      () => {
        // x => x.<chain>
        let body = id('x');
        const n = depth > 0 && rng.chance(0.3) ? 2 : 1;
        for (let i = 0; i < n; i++) body = applyRandom(rng, body, kind, Math.max(0, depth - 1), true).node;
        return arrow(body);
      },
    ],
  ])();
}

// A function of (pattern, index), for echoWith: mostly arrows.
function fnArg2(rng, kind, depth) {
  if (rng.chance(0.1)) return fnArg(rng, kind, depth);
  if ((kind === 'num' || kind === 'note') && rng.chance(0.4)) {
    const k = rng.pick(['1', '2', '7', '12']);
    return arrow(meth(id('p'), 'add', rng.chance(0.5) ? id('i') : { t: 'raw', v: `i*${k}` }), ['p', 'i']);
  }
  if (kind === 'ctrl' && rng.chance(0.4)) {
    return arrow(meth(id('p'), rng.pick(['gain', 'speed', 'pan']), { t: 'raw', v: rng.pick(['1/(i+1)', 'i+1', 'i/4']) }), ['p', 'i']);
  }
  return arrow(applyRandom(rng, id('x'), kind, Math.max(0, depth - 1), true).node);
}

// ---------------------------------------------------------------------------
// The function catalogue. `kinds`: receiver kinds ('any' for all); `args`:
// argument generators; `out`: resulting kind (default: unchanged);
// `top`: may also be called top-level as f(args..., pat).

const ANY = ['snd', 'num', 'note', 'ctrl', 'chord'];
const NUMERIC = ['num'];
const FN = 'FN';

const CATALOGUE = [
  { f: 'fast', args: [A.fact], w: 8 },
  { f: 'slow', args: [A.fact], w: 6 },
  { f: 'hurry', args: [A.fact], kinds: ['ctrl'], w: 2 },
  { f: 'early', args: [A.time], w: 3 },
  { f: 'late', args: [A.time], w: 3 },
  { f: 'rev', args: [], w: 5 },
  { f: 'ply', args: [A.smallint], w: 4 },
  { f: 'iter', args: [A.smallint], w: 3 },
  { f: 'iterBack', args: [A.smallint], w: 2 },
  { f: 'palindrome', args: [], w: 2 },
  { f: 'chunk', args: [A.smallint, FN], w: 3 },
  { f: 'chunkBack', args: [A.smallint, FN], w: 2 },
  { f: 'linger', args: [A.linger], w: 3 },
  { f: 'zoom', args: 'range01', w: 3 },
  { f: 'compress', args: 'range01', w: 2 },
  { f: 'fastGap', args: [A.fact], w: 2 },
  { f: 'ribbon', args: [A.time, A.fact], w: 2 },
  { f: 'swingBy', args: [(rng) => num(rng.pick(['1/3', '0.25', '0.5'])), A.smallint], w: 2 },
  { f: 'swing', args: [A.smallint], w: 2 },
  { f: 'inside', args: [A.smallint, FN], w: 2 },
  { f: 'outside', args: [A.smallint, FN], w: 2 },
  { f: 'brak', args: [], w: 2 },
  { f: 'press', args: [], w: 2 },
  { f: 'pressBy', args: [A.prob], w: 2 },
  { f: 'firstOf', args: [A.smallint, FN], w: 2 },
  { f: 'lastOf', args: [A.smallint, FN], w: 2 },
  { f: 'every', args: [A.smallint, FN], w: 4 },
  { f: 'when', args: [A.bool, FN], w: 2 },
  { f: 'within', args: 'within', w: 2 },
  { f: 'off', args: [A.time, FN], w: 4 },
  { f: 'superimpose', args: [FN], w: 3, notTop: true },
  { f: 'layer', args: [FN, FN], w: 2, notTop: true },
  { f: 'jux', args: [FN], kinds: ['ctrl'], w: 3 },
  { f: 'juxBy', args: [A.prob, FN], kinds: ['ctrl'], w: 2 },
  { f: 'echo', args: [A.plainint, A.time, (rng) => num(rng.pick(['0.5', '0.8', '0.7']))], w: 3 },
  { f: 'echoWith', args: [A.plainint, A.time, 'FN2'], w: 3 },
  { f: 'stut', args: [A.plainint, (rng) => num(rng.pick(['0.5', '0.8'])), A.time], w: 2 },
  { f: 'struct', args: [A.bool], w: 4 },
  { f: 'mask', args: [A.bool], w: 4 },
  { f: 'euclid', args: 'euclid2', w: 3 },
  { f: 'euclidRot', args: 'euclid3', w: 2 },
  { f: 'euclidLegato', args: 'euclid2', w: 2, notTop: true },
  { f: 'euclidLegatoRot', args: 'euclid3', w: 1 },
  { f: 'segment', args: [A.smallint], w: 3 },
  { f: 'range', args: 'range', kinds: NUMERIC, w: 3 },
  { f: 'rangex', args: 'rangex', kinds: NUMERIC, w: 1 },
  { f: 'invert', args: [], kinds: ['bool'], w: 1 },
  { f: 'degrade', args: [], w: 2 },
  { f: 'degradeBy', args: [A.prob], w: 3 },
  { f: 'undegradeBy', args: [A.prob], w: 2 },
  { f: 'sometimesBy', args: [A.prob, FN], w: 3 },
  { f: 'sometimes', args: [FN], w: 2 },
  { f: 'often', args: [FN], w: 1 },
  { f: 'rarely', args: [FN], w: 1 },
  { f: 'almostNever', args: [FN], w: 1 },
  { f: 'almostAlways', args: [FN], w: 1 },
  { f: 'always', args: [FN], w: 1 },
  { f: 'never', args: [FN], w: 1 },
  { f: 'someCyclesBy', args: [A.prob, FN], w: 2 },
  { f: 'someCycles', args: [FN], w: 1 },
  { f: 'shuffle', args: [A.smallint], w: 2 },
  { f: 'scramble', args: [A.smallint], w: 2 },
  // arithmetic
  { f: 'add', args: 'arith', kinds: ['num', 'note', 'ctrl'], w: 5 },
  { f: 'sub', args: 'arith', kinds: ['num', 'note', 'ctrl'], w: 2 },
  { f: 'mul', args: 'arith', kinds: ['num', 'ctrl'], w: 2 },
  { f: 'div', args: 'arith', kinds: ['num'], w: 1 },
  { f: 'mod', args: 'arith', kinds: ['num'], w: 1 },
  { f: 'add.squeeze', args: 'arith', kinds: ['num', 'note', 'ctrl'], w: 2 },
  { f: 'add.out', args: 'arith', kinds: ['num', 'note', 'ctrl'], w: 2 },
  { f: 'add.mix', args: 'arith', kinds: ['num', 'note', 'ctrl'], w: 2 },
  { f: 'mul.out', args: 'arith', kinds: ['num'], w: 1 },
  { f: 'sub.squeeze', args: 'arith', kinds: ['num'], w: 1 },
  { f: 'set', args: 'ctrlarg', kinds: ['ctrl'], w: 2 },
  { f: 'set.squeeze', args: 'ctrlarg', kinds: ['ctrl'], w: 1 },
  { f: 'set.out', args: 'ctrlarg', kinds: ['ctrl'], w: 1 },
  { f: 'keep', args: 'ctrlarg', kinds: ['ctrl'], w: 1 },
  { f: 'keep.out', args: 'ctrlarg', kinds: ['ctrl'], w: 1 },
  // composition as methods
  { f: 'stack', args: 'samekind', w: 3 },
  { f: 'cat', args: 'samekind', w: 2 },
  { f: 'seq', args: 'samekind', w: 2 },
  { f: 'fastcat', args: 'samekind', w: 1 },
  // samples
  { f: 'chop', args: [A.smallint], kinds: ['ctrl'], w: 3 },
  { f: 'striate', args: [A.smallint], kinds: ['ctrl'], w: 2 },
  { f: 'slice', args: [A.smallint, A.idx], kinds: ['ctrl'], w: 2 },
  { f: 'splice', args: [A.smallint, A.idx], kinds: ['ctrl'], w: 2 },
  { f: 'loopAt', args: [A.smallint], kinds: ['ctrl'], w: 2 },
  { f: 'fit', args: [], kinds: ['ctrl'], w: 1 },
  { f: 'bite', args: [A.smallint, A.idx], w: 2 },
  // controls
  { f: 'speed', args: [(rng) => (rng.chance(0.5) ? num(rng.pick(['2', '-1', '0.5'])) : simpleMini(rng, 'fact'))], kinds: ['ctrl'], w: 2 },
  { f: 'begin', args: [A.unit], kinds: ['ctrl'], w: 1 },
  { f: 'end', args: [A.unit], kinds: ['ctrl'], w: 1 },
  { f: 'cut', args: [(rng) => num(1)], kinds: ['ctrl'], w: 1 },
  { f: 'gain', args: [(rng) => (rng.chance(0.4) ? num('0.8') : rng.chance(0.7) ? simpleMini(rng, 'gain') : id(rng.pick(['sine', 'rand', 'saw'])))], kinds: ['ctrl'], w: 3 },
  { f: 'pan', args: [(rng) => (rng.chance(0.5) ? id(rng.pick(['sine', 'saw', 'rand', 'perlin', 'tri', 'square', 'cosine', 'isaw'])) : simpleMini(rng, 'pan'))], kinds: ['ctrl'], w: 3 },
  { f: 'velocity', args: [(rng) => simpleMini(rng, 'gain')], kinds: ['ctrl'], w: 1 },
  { f: 'lpf', args: [(rng) => (rng.chance(0.7) ? simpleMini(rng, 'lpf') : meth(id('sine'), 'range', num(200), num(2000)))], kinds: ['ctrl'], w: 2 },
  { f: 'room', args: [(rng) => num(rng.pick(['0.5', '1', '0.2']))], kinds: ['ctrl'], w: 1 },
  { f: 'delay', args: [(rng) => simpleMini(rng, 'pan')], kinds: ['ctrl'], w: 1 },
  { f: 'bank', args: [(rng) => str(rng.pick(['RolandTR909', 'RolandTR808']))], kinds: ['ctrl'], w: 1 },
  { f: 'legato', args: [(rng) => num(rng.pick(['0.5', '1', '2']))], kinds: ['ctrl'], w: 1 },
  // values to controls
  { f: 's', args: [], kinds: ['snd'], out: 'ctrl', w: 2 },
  { f: 'n', args: [], kinds: ['num'], out: 'ctrl', w: 2 },
  { f: 'note', args: [], kinds: ['note', 'num'], out: 'ctrl', w: 3 },
  { f: 'n', args: [(rng) => simpleMini(rng, 'num')], kinds: ['ctrl'], w: 1 },
  // tonal
  { f: 'scale', args: 'scale', kinds: ['num'], out: 'note', w: 4 },
  { f: 'transpose', args: [(rng) => (rng.chance(0.6) ? num(rng.pick(['2', '12', '-3', '7'])) : { t: 'mini', m: rawMini(rng.pick(['<0 12>', '<0 -2 5>', '3m', '<1P 5P>'])) })], kinds: ['note'], w: 2 },
  { f: 'arp', args: [A.idx], kinds: ['note', 'ctrl', 'num'], w: 1 },
  { f: 'pick', args: 'pick', kinds: ['num'], out: 'pick', w: 1 },
  // chords (the 'chord' kind is a control pattern with a chord key)
  { f: 'voicing', args: [], kinds: ['chord'], out: 'ctrl', w: 30 },
  { f: 'dict', args: [(rng) => str(rng.pick(['ireal', 'lefthand', 'triads', 'guidetones', 'legacy']))], kinds: ['chord'], w: 4 },
  { f: 'anchor', args: [(rng) => (rng.chance(0.6) ? str(rng.pick(['c5', 'g4', 'C4', 'e5', 'a4'])) : { t: 'mini', m: rawMini(rng.pick(['<c4 g4>', 'c5 e5', '<60 67>'])) })], kinds: ['chord'], w: 4 },
  { f: 'mode', args: [(rng) => str(rng.pick(['below', 'above', 'duck', 'root', 'below:c4']))], kinds: ['chord'], w: 3 },
  { f: 'offset', args: [(rng) => (rng.chance(0.6) ? num(rng.pick(['1', '-1', '2'])) : simpleMini(rng, 'smallint'))], kinds: ['chord'], w: 2 },
  { f: 'n', args: [(rng) => simpleMini(rng, 'idx')], kinds: ['chord'], w: 4 },
  { f: 'octaves', args: [(rng) => num(rng.pick(['1', '2', '3']))], kinds: ['chord'], w: 1 },
  { f: 'rootNotes', args: [(rng) => num(rng.pick(['2', '3']))], kinds: ['chord'], out: 'ctrl', w: 2 },
];

const TOTAL_W = CATALOGUE.reduce((s, e) => s + e.w, 0);

function pickEntry(rng, kind) {
  for (let tries = 0; tries < 50; tries++) {
    let r = rng.next() * TOTAL_W;
    let e;
    for (e of CATALOGUE) if ((r -= e.w) < 0) break;
    const kinds = e.kinds || ANY;
    if (kinds.includes(kind) || rng.chance(0.01)) return e;
  }
  return CATALOGUE[0];
}

function genArgs(rng, e, kind, depth) {
  if (Array.isArray(e.args)) {
    return e.args.map((g) => (g === FN ? fnArg(rng, kind, depth) : g === 'FN2' ? fnArg2(rng, kind, depth) : g(rng)));
  }
  switch (e.args) {
    case 'range01': {
      const a = rng.pick(['0', '0.25', '0.5', '1/3', '0.125']);
      const b = rng.pick(['0.75', '1', '0.5', '2/3', '1.5']);
      if (rng.chance(0.15)) return [simpleMiniOf(rng, ['<0 0.25>', '<0 0.5>']), num(b)];
      return [num(a), num(b)];
    }
    case 'within': {
      const a = rng.pick(['0', '0.25', '0.5']);
      const b = rng.pick(['0.5', '0.75', '1']);
      return [num(a), num(b), fnArg(rng, kind, depth)];
    }
    case 'euclid2':
    case 'euclid3': {
      const n = rng.int(3, 16);
      const k = rng.int(0, n);
      const args = [num(k), num(n)];
      if (rng.chance(0.1)) args[0] = simpleMiniOf(rng, ['<3 5>', '3 5', '<2 4>']);
      if (rng.chance(0.03)) args[0] = num(-rng.int(1, 3));
      if (e.args === 'euclid3') args.push(rng.chance(0.8) ? num(rng.int(0, n)) : simpleMiniOf(rng, ['<0 2>', '1 3']));
      return args;
    }
    case 'range':
      return [num(rng.pick(['0', '-1', '10', '0.5'])), num(rng.pick(['1', '7', '12', '100', '-5']))];
    case 'rangex':
      return [num(rng.pick(['20', '1', '100'])), num(rng.pick(['2000', '10', '8000']))];
    case 'arith':
      return [arithArg(rng, kind)];
    case 'ctrlarg':
      return [
        rng.weighted([
          [3, () => call('n', simpleMini(rng, 'num'))],
          [2, () => call('s', simpleMini(rng, 'snd'))],
          [2, () => call('gain', simpleMini(rng, 'gain'))],
          [1, () => call('pan', id('sine'))],
        ])(),
      ];
    case 'samekind':
      return [leaf(rng, kind, 1)];
    case 'scale':
      if (rng.chance(0.15)) return [simpleMiniOf(rng, ['<C:major D:minor>', 'C4:<major minor>', '<A2:minor:pentatonic E:dorian>'])];
      return [str(rng.pick(['C:major', 'C4:minor', 'D:dorian', 'C major', 'A2:minor:pentatonic', 'F#3:lydian', 'Eb:mixolydian', 'c:pentatonic', 'G:ritusen', 'bb3:harmonic minor', 'C:chromatic']))];
    case 'pick': {
      const k = rng.int(2, 3);
      const items = [];
      for (let i = 0; i < k; i++) items.push(leaf(rng, 'snd', 1));
      return [arr(...items)];
    }
    default:
      throw new Error(`bad args ${e.args}`);
  }
}

function simpleMiniOf(rng, list) {
  return { t: 'mini', m: rawMini(rng.pick(list)) };
}

// Applies a random catalogue function to `node` (of `kind`).
// In function bodies (`inFn`), the receiver is `x`.
export function applyRandom(rng, node, kind, depth, inFn = false) {
  const e = pickEntry(rng, kind);
  const args = genArgs(rng, e, kind, depth);
  let out = e.out || kind;
  if (out === 'pick') out = 'snd';
  // top-level curried form f(args..., pat)
  const canTop = !e.notTop && !e.f.includes('.') && !['stack', 'cat', 'seq', 'fastcat', 's', 'n', 'note', 'speed', 'begin', 'end', 'cut', 'gain', 'pan', 'velocity', 'lpf', 'room', 'delay', 'bank', 'legato'].includes(e.f);
  if (!inFn && canTop && rng.chance(0.12)) return { node: call(e.f, ...args, node), kind: out };
  if (e.f === 'n' && args.length === 0 && kind === 'ctrl') return { node: meth(node, 'n', simpleMini(rng, 'num')), kind: out };
  return { node: meth(node, e.f, ...args), kind: out };
}

// A base pattern of `kind`.
export function leaf(rng, kind, depth) {
  const mini = () => genMini(rng, kind === 'ctrl' ? 'snd' : kind, depth >= 2 ? 2 : 1);
  if (kind === 'ctrl') {
    return rng.weighted([
      [5, () => call('s', genMini(rng, 'snd', 2))],
      [3, () => call('n', genMini(rng, 'num', 2))],
      [3, () => call('note', genMini(rng, rng.pick(['note', 'num']), 2))],
      [2, () => meth(call('s', genMini(rng, 'snd', 1)), 'n', genMini(rng, 'num', 1))],
      [1, () => call('sound', genMini(rng, 'snd', 1))],
      [1, () => meth(call('n', genMini(rng, 'num', 1)), 's', str(rng.pick(['piano', 'sawtooth', 'superpiano'])))],
      [1, () => call('s', simpleMini(rng, 'snd'))],
    ])();
  }
  if (kind === 'chord') {
    return rng.weighted([
      [4, () => call('chord', genMini(rng, 'chord', 1))],
      [1, () => meth(call('n', simpleMini(rng, 'idx')), 'chord', genMini(rng, 'chord', 1))],
    ])();
  }
  if (kind === 'num') {
    return rng.weighted([
      [14, mini],
      [1, () => call('run', A.smallint(rng))],
      [1, () => meth(call('irand', num(rng.int(2, 12))), 'segment', num(rng.int(1, 8)))],
      [1, () => meth(meth(id(rng.pick(['sine', 'saw', 'tri', 'cosine', 'square', 'isaw', 'perlin', 'rand'])), 'range', num(0), num(rng.pick(['7', '12', '4']))), 'segment', num(rng.pick(['4', '8', '3']))) ],
      [1, () => meth(id(rng.pick(['sine', 'saw', 'rand', 'perlin', 'tri'])), 'segment', num(rng.int(1, 8)))],
      [0.5, () => call('binaryN', num(rng.int(1, 255)), num(rng.int(3, 8)))],
      [0.5, () => call('binary', num(rng.int(1, 40)))],
      [0.5, () => call('pure', num(rng.int(0, 7)))],
    ])();
  }
  return rng.weighted([
    [12, mini],
    [1, () => call('pure', str(atomFor(rng, kind)))],
  ])();
}

// A complete pattern expression of some kind, with a method chain.
export function genPattern(rng, kind, depth) {
  let node;
  const r = rng.next();
  if (depth > 0 && r < 0.14) {
    // composition of sub-patterns
    const f = rng.pick(['stack', 'cat', 'seq', 'fastcat', 'slowcat', 'sequence', 'stack', 'cat', 'polymeter', 'arrange', 'randcat', 'chooseCycles', 'timecat']);
    const n = rng.int(2, 3);
    const parts = [];
    for (let i = 0; i < n; i++) {
      const p = genPattern(rng, kind, depth - 1).node;
      if (f === 'arrange' || f === 'timecat') parts.push(arr(num(rng.int(1, 3)), p));
      else parts.push(p);
    }
    node = call(f, ...parts);
  } else if (depth > 0 && r < 0.17 && kind !== 'ctrl' && kind !== 'chord') {
    // choose from plain values
    const vals = [];
    const n = rng.int(2, 4);
    for (let i = 0; i < n; i++) vals.push(kind === 'num' ? num(rng.int(0, 7)) : str(atomFor(rng, kind)));
    if (rng.chance(0.3)) node = meth(call('wchoose', ...vals.map((v) => arr(v, num(rng.int(1, 4))))), 'segment', num(rng.int(1, 8)));
    else node = meth(call('choose', ...vals), 'segment', num(rng.int(1, 8)));
  } else if (depth > 0 && r < 0.19 && kind !== 'ctrl' && kind !== 'chord') {
    const items = [];
    for (let i = 0; i < rng.int(2, 3); i++) items.push(leaf(rng, kind, 1));
    node = rng.chance(0.5) ? meth(simpleMini(rng, 'idx'), 'pick', arr(...items)) : call('squeeze', simpleMini(rng, 'idx'), arr(...items));
  } else {
    node = leaf(rng, kind, depth);
  }
  // method chain
  const len = rng.weighted([
    [15, 0],
    [35, 1],
    [30, 2],
    [15, 3],
    [5, 4],
  ]);
  for (let i = 0; i < len; i++) {
    const res = applyRandom(rng, node, kind, depth);
    node = res.node;
    kind = res.kind;
  }
  return { node, kind };
}

export const RANGES = [
  ['0', '1'],
  ['0', '1'],
  ['0', '2'],
  ['0', '4'],
  ['1/3', '7/2'],
  ['100', '102'],
  ['-3', '0'],
  ['5/4', '9/4'],
  ['-1/2', '1/2'],
  ['7', '8'],
  ['1/7', '13/5'],
  ['3', '5'],
  ['1000000', '1000001'],
  ['12345/7', '12352/7'],
  ['4294967296', '4294967297'],
  ['-101/3', '-98/3'],
];

// One case: {from, to, ast, code, mode}
// `only`: 'mini' or 'fn' to generate only that kind of case.
export function genCase(rng, only = null) {
  const [from, to] = rng.pick(RANGES);
  let mode = rng.weighted([
    [30, 'mini'],
    [70, 'fn'],
  ]);
  if (only) mode = only;
  let ast;
  if (mode === 'mini') {
    const kind = rng.pick(['snd', 'num', 'note', 'snd', 'num']);
    ast = genMini(rng, kind, rng.int(1, 3));
    if (rng.chance(0.3)) ast = call(rng.pick(['s', 'n', 'note']), ast);
  } else {
    const kind = rng.weighted([
      [3, 'snd'],
      [3, 'num'],
      [2, 'note'],
      [4, 'ctrl'],
      [1, 'chord'],
    ]);
    ast = genPattern(rng, kind, rng.int(1, 2)).node;
  }
  return { from, to, ast, code: print(ast), mode };
}
