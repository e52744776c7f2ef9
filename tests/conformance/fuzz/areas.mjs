// Focused case generators ("areas") for the differential fuzzer, added for
// the second fuzzing round. The general generator of gen.mjs spreads its
// cases over the whole catalogue; each area here concentrates on one family
// of functions with many more argument forms:
//
//   tonal   scale (many scale names, tonics, octaves, patterned names),
//           degrees with accidentals, scaleTranspose, transpose (numbers and
//           interval names), note quantisation, chord voicings with
//           anchor/mode/offset/n/dictionary/octaves, arp, rootNotes
//   arith   arithmetic, set/keep/keepif, comparisons and bitwise operators,
//           with every variant (.in .out .mix .squeeze .squeezeout .reset
//           .restart .poly), on control patterns and plain values
//   signal  signals with segment/struct/range/rangex/fast/early/..., and the
//           random functions (seed, patterned degradeBy/sometimesBy,
//           someCyclesBy, wchoose, chooseCycles, shuffle, scramble, irand,
//           perlin, ...)
//   sample  chop, striate, slice (counts and lists), splice, loopAt, fit,
//           speed, begin, end
//   chain   long method chains (5-8 functions) on deeply nested mini-notation
//   top     top-level and curried forms: stack/cat/seq/timecat/arrange/
//           polymeter/..., partial applications as function arguments
//           (firstOf(3, fast(2)), sometimesBy(0.5, ply(2)), ...)
//
// `genAreaCase(rng, area)` makes one case; `--mode round2` in run.mjs picks
// the area per case (see AREA_WEIGHTS). Everything is driven by the seeded
// rng, like gen.mjs.

import {
  A,
  ATOMS,
  CHORD_ROOTS,
  CHORD_TYPES,
  RANGES,
  applyRandom,
  arr,
  arrow,
  call,
  fnArg,
  genMini,
  genPattern,
  id,
  meth,
  num,
  print,
  rawMini,
  simpleMini,
  str,
} from './gen.mjs';

export const AREAS = ['tonal', 'arith', 'signal', 'sample', 'chain', 'top'];
const AREA_WEIGHTS = [
  [22, 'tonal'],
  [18, 'arith'],
  [18, 'signal'],
  [14, 'sample'],
  [14, 'chain'],
  [14, 'top'],
];

const rm = (s) => ({ t: 'mini', m: rawMini(s) });
const pickMini = (rng, list) => rm(rng.pick(list));
const pickNum = (rng, list) => num(rng.pick(list));

// Extra atom kinds for genMini (ATOMS is shared with gen.mjs; new keys only).
Object.assign(ATOMS, {
  // scale degrees, with accidentals and the odd fraction (rounded up)
  deg: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-1', '-2', '-3', '-5', '-8', '14', '0', '2', '4', '2#', '-1b', '3b', '4##', '0#', '6b', '1s', '2f', '-4#', '5bb', '7###', '0.5', '2.5', '-0.5', '1.2'],
  // note names to quantise or transpose
  qnote: ['c', 'e', 'f#', 'bb', 'c4', 'e4', 'f#4', 'ab3', 'c#5', 'eb2', 'g3', 'b4', 'C4', 'Db3', 'fb3', 'e#4', 'B#2', 'cbb4', 'g##3', 'a0', 'c7', 'd-1', '60', '64', '67'],
  // integers for bitwise operators
  bits: ['0', '1', '2', '3', '5', '6', '7', '8', '12', '15', '255', '-1', '-4', '2.5', '1024', '31', '33'],
  // sample slice indices
  sidx: ['0', '1', '2', '3', '4', '5', '7', '-1', '0.5', '1.5', '8', '0', '1', '2', '3'],
});

// ---------------------------------------------------------------------------
// Tonal.

const SCALE_TYPES = [
  'major', 'minor', 'dorian', 'phrygian', 'lydian', 'mixolydian', 'locrian', 'aeolian', 'ionian',
  'harmonic minor', 'melodic minor', 'major pentatonic', 'minor pentatonic', 'pentatonic', 'blues',
  'major blues', 'chromatic', 'whole tone', 'bebop', 'bebop major', 'bebop minor', 'bebop dominant',
  'ritusen', 'egyptian', 'hirajoshi', 'in-sen', 'iwato', 'kumoi', 'pelog', 'prometheus', 'augmented',
  'diminished', 'altered', 'lydian dominant', 'lydian augmented', 'phrygian dominant',
  'double harmonic major', 'hungarian minor', 'neapolitan major', 'enigmatic', 'spanish', 'persian',
  'flamenco', 'super locrian', 'harmonic major', 'minor six pentatonic', 'lydian pentatonic',
  'mixolydian pentatonic', 'half-whole diminished', 'ultralocrian', 'scriabin', 'balinese', 'oriental',
  'major', 'minor', 'dorian', 'minor pentatonic', 'major pentatonic', 'lydian', 'mixolydian',
];
const RARE_SCALE_TYPES = ['majr', 'foo', 'Major', 'MINOR', 'minor:pentatonic', 'pentatonic minor', 'm', 'maj7', 'ionian pentatonic', 'blues minor'];
const TONICS = ['C', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B', 'Db', 'C#', 'Gb', 'c', 'd', 'f#', 'bb', 'g', 'a', 'e'];
const RARE_TONICS = ['Cb', 'E#', 'B#', 'Fb', 'Dbb', 'G##', 'H', 'x'];
const OCTAVES = ['', '', '', '', '2', '3', '4', '5', '1', '0', '6', '-1'];

function scaleWords(rng) {
  const type = rng.chance(0.03) ? rng.pick(RARE_SCALE_TYPES) : rng.pick(SCALE_TYPES);
  const tonic = rng.chance(0.03) ? rng.pick(RARE_TONICS) : rng.pick(TONICS);
  return { tonic: tonic + rng.pick(OCTAVES), type };
}

// A scale name as an atom of mini-notation: words joined by ':'.
function scaleAtom(rng) {
  const { tonic, type } = scaleWords(rng);
  if (rng.chance(0.02)) return tonic; // incomplete: only a tonic
  return `${tonic}:${type.replace(/ /g, ':')}`;
}

function scaleArg(rng) {
  return rng.weighted([
    [
      5,
      () => {
        // plain string, ':' or ' ' separated
        const { tonic, type } = scaleWords(rng);
        const sep = rng.chance(0.6) ? ':' : ' ';
        return str(`${tonic}${sep}${type.replace(/ /g, sep)}`);
      },
    ],
    [3, () => rm(scaleAtom(rng))],
    [
      3,
      () => {
        // patterned scale names
        const n = rng.int(2, 4);
        const xs = [];
        for (let i = 0; i < n; i++) xs.push(scaleAtom(rng));
        const shape = rng.pick(['<>', '<>', '<>', '[]', '<>/2', '<>*2', 'seq']);
        if (shape === 'seq') return rm(xs.join(' '));
        const inner = shape.startsWith('<') ? `<${xs.join(' ')}>` : `[${xs.join(' ')}]`;
        return rm(inner + shape.slice(2));
      },
    ],
    [
      2,
      () => {
        // tonic with a patterned type, or patterned tonic with one type
        const { tonic } = scaleWords(rng);
        const t1 = rng.pick(SCALE_TYPES).replace(/ /g, ':');
        const t2 = rng.pick(SCALE_TYPES).replace(/ /g, ':');
        return rng.weighted([
          [3, () => rm(`${tonic}:<${t1} ${t2}>${rng.pick(['', '', '/2', '*2'])}`)],
          [1, () => rm(`<${rng.pick(TONICS)} ${rng.pick(TONICS)}>:${t1}`)],
          [1, () => rm(`${tonic}:<${t1} ${t2}>:${rng.pick(['pentatonic', 'blues', 'major'])}`)],
        ])();
      },
    ],
  ])();
}

const degMini = (rng, d = 1) => genMini(rng, 'deg', d);
const qnoteMini = (rng, d = 1) => genMini(rng, 'qnote', d);

// A numeric pattern of scale degrees (before `scale`).
function degreePattern(rng) {
  let node = rng.weighted([
    [10, () => degMini(rng, rng.int(1, 2))],
    [1, () => call('run', num(rng.int(3, 9)))],
    [1, () => meth(call('irand', num(rng.int(4, 14))), 'segment', num(rng.int(2, 8)))],
    [1, () => meth(meth(id(rng.pick(['sine', 'saw', 'perlin', 'rand', 'tri'])), 'range', num(rng.pick(['0', '-7', '-3'])), num(rng.pick(['7', '14', '5']))), 'segment', num(rng.pick(['4', '8', '3'])))],
    [1, () => pickMini(rng, ['0 2 4 6 4 2', '[0,2,4] [1,3,5]', '<[0,7b] [-4# -4] [-2,7##] 4>*4', '0 .. 7', '<0 2 4>*8', '[0 0] [1 2] [3 4] [5 6]', '-8 [2,4,6]', '0 2# -1b'])],
  ])();
  // a few numeric transformations before the scale
  const n = rng.weighted([
    [6, 0],
    [3, 1],
    [1, 2],
  ]);
  for (let i = 0; i < n; i++) {
    node = rng.weighted([
      [3, () => meth(node, 'add', rng.chance(0.5) ? pickNum(rng, ['1', '2', '7', '-3', '0.5']) : pickMini(rng, ['<0 3 4 0>', '<0 2>', '0 [2 4]', '<0 -1>']))],
      [2, () => meth(node, 'off', A.time(rng), call('add', pickNum(rng, ['2', '4', '7'])))],
      [2, () => meth(node, 'fast', A.fact(rng))],
      [1, () => meth(node, 'rev')],
      [1, () => meth(node, 'ply', num(2))],
      [1, () => meth(node, 'sub', pickMini(rng, ['<0 1 2 3>', '1']))],
      [1, () => meth(node, 'iter', num(4))],
      [1, () => meth(node, 'struct', A.bool(rng))],
      [1, () => meth(node, 'every', num(2), call('add', num(7)))],
    ])();
  }
  return node;
}

// A pattern of scaled notes; returns {node, obj} (obj: control values).
function scaledPattern(rng) {
  const S = () => scaleArg(rng);
  return rng.weighted([
    [8, () => ({ node: meth(call('n', degreePattern(rng)), 'scale', S()), obj: true })],
    [3, () => ({ node: meth(degreePattern(rng), 'scale', S()), obj: false })],
    [2, () => ({ node: meth(call('note', qnoteMini(rng)), 'scale', S()), obj: true })],
    [1, () => ({ node: meth(qnoteMini(rng), 'scale', S()), obj: false })],
    [2, () => ({ node: meth(meth(call('n', degreePattern(rng)), 'anchor', rng.chance(0.7) ? str(rng.pick(['c4', 'g4', 'C5', 'e3', 'a4', 'bb3'])) : pickMini(rng, ['<c4 g4>', '<c4 e4 g4>', 'c5 c4'])), 'scale', S()), obj: true })],
    [1, () => ({ node: meth(meth(call('n', degreePattern(rng)), 's', str(rng.pick(['piano', 'sawtooth']))), 'scale', S()), obj: true })],
    [2, () => ({ node: call('scale', S(), call('n', degreePattern(rng))), obj: true })],
    [1, () => ({ node: meth(call('note', degMini(rng)), 'scale', S()), obj: true })],
    [1, () => ({ node: meth(meth(call('s', pickMini(rng, ['piano*4', 'bd sd'])), 'n', degMini(rng)), 'scale', S()), obj: true })],
  ])();
}

function transposeArg(rng) {
  return rng.weighted([
    [4, () => pickNum(rng, ['1', '2', '3', '5', '7', '12', '-1', '-3', '-5', '-12', '24', '0', '0.5', '-0.5'])],
    [3, () => str(rng.pick(['3M', '3m', '5P', '4P', '2M', '2m', '7m', '7M', '8P', '1P', '-2M', '-3m', '-5P', '6M', '4A', '5d', '9M', '-8P', '13m', '2A', '3P', '0P', 'x']))],
    [3, () => pickMini(rng, ['<0 -2 5 3>', '<1P -2M 4P 3m>', '<0 12>', '<0 3M>', '0 7', '<5P 8P>', '3m 3M', '<-12 0>/2', '<0 [2 4]>', '-2M'])],
  ])();
}

function scaleTransArg(rng) {
  if (rng.chance(0.6)) return pickNum(rng, ['1', '2', '3', '-1', '-2', '4', '7', '-7', '0', '8', '1.5']);
  return pickMini(rng, ['<0 -1 -2 -3>', '<0 1>', '0 2', '<1 2 3>', '<0 -1 -2 -3 -4 -5 -6 -4>', '0 [1 2]']);
}

// Functions applied after `scale` (the values are note names, plain or `note`).
function tonalPost(rng, node, obj) {
  const fns = [
    [5, () => meth(node, rng.pick(['scaleTranspose', 'scaleTranspose', 'scaleTrans', 'strans']), scaleTransArg(rng))],
    [4, () => meth(node, rng.pick(['transpose', 'transpose', 'trans']), transposeArg(rng))],
    [2, () => meth(node, 'off', A.time(rng), arrow(meth(id('x'), rng.pick(['scaleTranspose', 'transpose']), pickNum(rng, ['2', '4', '7', '-2']))))],
    [1, () => meth(node, 'superimpose', arrow(meth(id('x'), 'scaleTranspose', pickNum(rng, ['2', '4', '-3']))))],
    [1, () => meth(node, 'every', num(rng.int(2, 3)), arrow(meth(id('x'), 'transpose', pickNum(rng, ['12', '7', '-12']))))],
    [1, () => meth(node, 'echoWith', num(rng.int(2, 3)), A.time(rng), arrow(meth(id('p'), 'scaleTranspose', id('i')), ['p', 'i']))],
    [2, () => (rng.chance(0.7) ? meth(node, rng.pick(['fast', 'slow', 'ply', 'iter']), num(2)) : meth(node, rng.pick(['rev', 'palindrome'])))],
    [1, () => meth(node, 'arp', A.idx(rng))],
    [1, () => meth(node, 'segment', num(rng.int(2, 8)))],
  ];
  if (obj) {
    fns.push([2, () => meth(node, 'add', call('note', pickMini(rng, ['12', '<0 7>', '0 -12', '1'])))]);
    fns.push([1, () => meth(node, 's', str('piano'))]);
    fns.push([1, () => meth(node, 'gain', pickMini(rng, ['0.5 1', '<0.8 0.5>']))]);
  } else {
    fns.push([2, () => meth(node, 'note')]);
    fns.push([1, () => meth(node, 'add', pickNum(rng, ['12', '1', '-12']))]);
  }
  return rng.weighted(fns)();
}

function chordAtom(rng) {
  const types = rng.chance(0.4)
    ? ['m7', '7', '^7', '69', 'm7b5', '7b9', '7b13', 'o7', '7#11', '7#9', 'mM7', 'm6', '', 'M', 'm', 'o', 'aug', 'm9', '^9', '6']
    : CHORD_TYPES;
  let c = rng.pick(CHORD_ROOTS) + rng.pick(types);
  if (rng.chance(0.05)) c += '/' + rng.pick(['E', 'G', 'Bb', 'C']);
  return c;
}

function chordMini(rng) {
  return rng.weighted([
    [4, () => rm(rng.pick(['<C Am7 F^7 G7>', '<C^7 A7b13 Dm7 G7>', '<Am C D F Am E Am E>', '<C Am F G>', 'C Am F G', '<Dm7 G7 C^7>', '<C^7 A7 Dm7 G7>*2', '<Am7 D7 G^7 C^7>/2', '<Cm7 Fm7 Bb7 Eb^7>', '<C G Am Em F C F G>']))],
    [4, () => genMini(rng, 'chord', 1)],
    [
      2,
      () => {
        const n = rng.int(2, 5);
        const xs = [];
        for (let i = 0; i < n; i++) xs.push(chordAtom(rng));
        return rm(`<${xs.join(' ')}>${rng.pick(['', '', '*2', '/2'])}`);
      },
    ],
  ])();
}

const DICTS = ['ireal', 'ireal-ext', 'lefthand', 'triads', 'guidetones', 'legacy'];

function voicingControl(rng, node) {
  return rng.weighted([
    [4, () => meth(node, 'anchor', rng.weighted([
      [4, () => str(rng.pick(['c5', 'g4', 'C4', 'e5', 'a4', 'c4', 'f#4', 'bb3', 'D5']))],
      [2, () => pickMini(rng, ['<c4 g4>', 'c5 e5', '<60 67>', '<c4 e4 g4 c5>', '<C4 G4>/2'])],
      [1, () => pickNum(rng, ['60', '67', '72', '55.5'])],
    ])())],
    [3, () => meth(node, 'mode', rng.chance(0.6) ? str(rng.pick(['below', 'above', 'duck', 'root', 'below:c4', 'above:g3', 'root:c2', 'duck:e4'])) : pickMini(rng, ['<below above duck root>', '<below above>', 'root:<c2 g2>', 'below above']))],
    [3, () => meth(node, 'offset', rng.chance(0.6) ? pickNum(rng, ['1', '-1', '2', '3', '-2', '0']) : pickMini(rng, ['<0 1 2>', '0 1', '<-1 1>']))],
    [3, () => meth(node, 'n', pickMini(rng, ['0 1 2 3', '<0 1 2 3>*4', '0 [1 2]', '0 2 4 6', '-1 5', '7 8 9', '0 1.5', '[0,2] 1']))],
    [2, () => meth(node, rng.pick(['dictionary', 'dict']), str(rng.pick(DICTS)))],
    [1, () => meth(node, rng.pick(['dictionary', 'dict']), pickMini(rng, ['<ireal lefthand>', '<triads legacy>', 'guidetones']))],
    [1, () => meth(node, 'octaves', pickNum(rng, ['1', '2', '3', '4']))],
  ])();
}

function voicingPattern(rng) {
  let node = rng.weighted([
    [6, () => call('chord', chordMini(rng))],
    [1, () => meth(call('n', pickMini(rng, ['0 1 2 3', '<0 1 2>*4', '0 2 4'])), 'chord', chordMini(rng))],
    [1, () => meth(call('s', str('piano')), 'chord', chordMini(rng))],
    [1, () => chordMini(rng)],
  ])();
  const k = rng.weighted([
    [3, 0],
    [4, 1],
    [3, 2],
    [1, 3],
  ]);
  for (let i = 0; i < k; i++) node = voicingControl(rng, node);
  node = rng.chance(0.9) ? meth(node, 'voicing') : call('voicing', node);
  const post = rng.weighted([
    [5, 0],
    [3, 1],
    [1, 2],
  ]);
  for (let i = 0; i < post; i++) {
    node = rng.weighted([
      [3, () => meth(node, 'arp', pickMini(rng, ['0 1 2 3', '<0 2> 1', '0 [1 2] 3', '0 -1', '0 4', '<0 1 2>*4', '3 2 1 0']))],
      [2, () => meth(node, 'transpose', transposeArg(rng))],
      [1, () => meth(node, 'add', call('note', pickMini(rng, ['12', '<0 -12>', '1'])))],
      [1, () => meth(node, 's', str('piano'))],
      [1, () => meth(node, 'struct', A.bool(rng))],
      [1, () => (rng.chance(0.8) ? meth(node, rng.pick(['fast', 'slow', 'ply']), num(2)) : meth(node, 'rev'))],
      [1, () => meth(node, 'off', num('1/8'), arrow(meth(id('x'), 'add', call('note', num(12)))))],
    ])();
  }
  return node;
}

function rootNotesPattern(rng) {
  const oct = pickNum(rng, ['1', '2', '3', '4']);
  return rng.weighted([
    [3, () => meth(call('chord', chordMini(rng)), 'rootNotes', oct)],
    [2, () => meth(chordMini(rng), 'rootNotes', oct)],
    [1, () => call('rootNotes', oct, call('chord', chordMini(rng)))],
    [1, () => meth(meth(meth(call('chord', chordMini(rng)), 'rootNotes', oct), 'note'), 'struct', A.bool(rng))],
    [1, () => meth(call('note', meth(chordMini(rng), 'rootNotes', oct)), 's', str('sawtooth'))],
  ])();
}

function transposePattern(rng) {
  const base = rng.weighted([
    [3, () => call('note', qnoteMini(rng, rng.int(1, 2)))],
    [2, () => qnoteMini(rng, rng.int(1, 2))],
    [1, () => call('note', genMini(rng, 'num', 1))],
    [1, () => pickMini(rng, ['c2 c3', 'c e g', '<c4 e4 g4>', '48 52 55'])],
  ])();
  let node = meth(base, rng.pick(['transpose', 'transpose', 'trans']), transposeArg(rng));
  if (rng.chance(0.3)) node = meth(node, 'transpose', transposeArg(rng));
  if (rng.chance(0.2)) node = rng.chance(0.7) ? meth(node, rng.pick(['fast', 'ply']), num(2)) : meth(node, 'rev');
  return node;
}

function arpPattern(rng) {
  const base = rng.weighted([
    [3, () => call('note', pickMini(rng, ['<[c,e,g] [d,f,a]>', '[c,e,g,b]', '<[c3,e3,g3] [a2,c3,e3]>*2', '[c,eb,g] [d,f]', 'c e g']))],
    [2, () => meth(call('n', pickMini(rng, ['[0,2,4]', '<[0,2,4] [1,3,5]>', '[0,2,4,6] [1,3]'])), 'scale', scaleArg(rng))],
    [1, () => pickMini(rng, ['[0,4,7]', '<[0,3,7] [2,5,9]>'])],
  ])();
  return meth(base, 'arp', rng.chance(0.8) ? A.idx(rng) : pickMini(rng, ['<0 2> 1', '0 1 2 3 2 1', '<0 1 2 3>*8', '0 [1 2]*2']));
}

function genTonal(rng) {
  return rng.weighted([
    [
      10,
      () => {
        let { node, obj } = scaledPattern(rng);
        const k = rng.weighted([
          [3, 0],
          [4, 1],
          [2, 2],
          [1, 3],
        ]);
        for (let i = 0; i < k; i++) node = tonalPost(rng, node, obj);
        return node;
      },
    ],
    [6, () => voicingPattern(rng)],
    [3, () => transposePattern(rng)],
    [2, () => arpPattern(rng)],
    [2, () => rootNotesPattern(rng)],
  ])();
}

// ---------------------------------------------------------------------------
// Arithmetic.

const OPS = [
  [10, 'add'],
  [4, 'sub'],
  [5, 'mul'],
  [2, 'div'],
  [2, 'mod'],
  [1, 'pow'],
  [6, 'set'],
  [4, 'keep'],
  [4, 'keepif'],
  [2, 'lt'],
  [2, 'gt'],
  [1, 'lte'],
  [1, 'gte'],
  [2, 'eq'],
  [1, 'ne'],
  [1, 'eqt'],
  [1, 'net'],
  [1, 'and'],
  [1, 'or'],
  [2, 'band'],
  [2, 'bor'],
  [1, 'bxor'],
  [1, 'blshift'],
  [1, 'brshift'],
];
const HOWS = [
  [6, ''],
  [3, 'in'],
  [5, 'out'],
  [4, 'mix'],
  [4, 'squeeze'],
  [1, 'squeezeout'],
  [1, 'reset'],
  [1, 'restart'],
  [0.3, 'poly'],
];

function ctrlBase(rng) {
  return rng.weighted([
    [4, () => call('n', genMini(rng, 'num', rng.int(1, 2)))],
    [3, () => call('note', genMini(rng, rng.pick(['note', 'num']), 1))],
    [2, () => meth(call('s', genMini(rng, 'snd', 1)), 'n', genMini(rng, 'num', 1))],
    [1, () => call('s', genMini(rng, 'snd', 1))],
    [1, () => meth(call('n', genMini(rng, 'num', 1)), 'gain', simpleMini(rng, 'gain'))],
    [1, () => meth(call('note', pickMini(rng, ['c e g', '<c4 e4>', 'a3 c4'])), 's', str('sawtooth'))],
  ])();
}

function plainBase(rng, op) {
  if (['band', 'bor', 'bxor', 'blshift', 'brshift'].includes(op)) return genMini(rng, 'bits', 1);
  return rng.weighted([
    [6, () => genMini(rng, 'num', rng.int(1, 2))],
    [2, () => genMini(rng, 'note', 1)],
    [1, () => genMini(rng, 'snd', 1)],
    [1, () => meth(id(rng.pick(['sine', 'saw', 'rand'])), 'segment', num(4))],
  ])();
}

function arithOperand(rng, op, ctrl) {
  if (['band', 'bor', 'bxor', 'blshift', 'brshift'].includes(op) && !ctrl) {
    return rng.chance(0.5) ? pickNum(rng, ['1', '3', '2', '7', '0', '-1', '32', '0.5']) : genMini(rng, 'bits', 1);
  }
  if (op === 'keepif' && !ctrl) return A.bool(rng);
  if (ctrl && rng.chance(0.85)) {
    return rng.weighted([
      [5, () => call('n', rng.chance(0.6) ? simpleMini(rng, 'num') : genMini(rng, 'num', 1))],
      [2, () => call('note', simpleMini(rng, rng.pick(['num', 'note'])))],
      [2, () => call('s', simpleMini(rng, 'snd'))],
      [2, () => call('gain', simpleMini(rng, 'gain'))],
      [1, () => meth(call('n', simpleMini(rng, 'num')), 's', simpleMini(rng, 'snd'))],
      [1, () => call('pan', id('sine'))],
      [1, () => call('n', meth(call('irand', num(8)), 'segment', num(4)))],
    ])();
  }
  return rng.weighted([
    [4, () => pickNum(rng, ['1', '2', '7', '12', '-1', '0.5', '3', '10', '1/4', '0'])],
    [4, () => simpleMini(rng, 'num')],
    [2, () => genMini(rng, 'num', 1)],
    [1, () => simpleMini(rng, 'note')],
    [1, () => meth(id(rng.pick(['sine', 'saw', 'rand'])), 'range', num(0), num(4))],
    [1, () => A.bool(rng)],
  ])();
}

function genArith(rng) {
  const ctrl = rng.chance(0.6);
  let first = rng.weighted(OPS);
  let node = ctrl ? ctrlBase(rng) : plainBase(rng, first);
  const n = rng.weighted([
    [5, 1],
    [3, 2],
    [1, 3],
  ]);
  for (let i = 0; i < n; i++) {
    const op = i === 0 ? first : rng.weighted(OPS);
    const how = rng.weighted(HOWS);
    const f = how ? `${op}.${how}` : op;
    const args = [arithOperand(rng, op, ctrl)];
    if (rng.chance(0.04)) args.push(arithOperand(rng, op, ctrl)); // two arguments: sequenced
    node = meth(node, f, ...args);
    // sometimes an ordinary function in between
    if (rng.chance(0.2)) node = applyRandom(rng, node, ctrl ? 'ctrl' : 'num', 1).node;
  }
  // comparisons and bitwise results are sometimes used as structure
  if (!ctrl && rng.chance(0.1)) node = meth(genMini(rng, 'snd', 1), rng.pick(['struct', 'mask']), node);
  if (rng.chance(0.05)) node = call(rng.pick(['add', 'mul', 'set', 'keepif', 'sub']), arithOperand(rng, 'add', ctrl), node);
  return node;
}

// ---------------------------------------------------------------------------
// Signals and randomness.

const SIGNALS = ['sine', 'cosine', 'saw', 'isaw', 'tri', 'square', 'rand', 'perlin', 'sine2', 'cosine2', 'saw2', 'isaw2', 'tri2', 'square2', 'rand2', 'time', 'brand'];

function signalBase(rng) {
  return rng.weighted([
    [12, () => id(rng.pick(SIGNALS))],
    [3, () => call('irand', rng.chance(0.7) ? num(rng.int(2, 16)) : pickMini(rng, ['<4 8>', '4 12', '<2 3 5>']))],
    [1, () => call('brandBy', rng.chance(0.7) ? pickNum(rng, ['0.2', '0.5', '0.8']) : pickMini(rng, ['<0.2 0.8>', '0.1 0.9']))],
    [1, () => meth(id('perlin'), 'range', num(0), num(rng.pick(['1', '10'])))],
  ])();
}

function signalTransform(rng, node) {
  return rng.weighted([
    [6, () => meth(node, 'range', pickNum(rng, ['0', '-1', '200', '0.5', '1', '10', '-12']), pickNum(rng, ['1', '7', '2000', '12', '4', '100', '-5']))],
    [3, () => meth(node, 'rangex', pickNum(rng, ['20', '1', '100', '0.5']), pickNum(rng, ['2000', '10', '8000', '2']))],
    [1, () => meth(node, 'range2', pickNum(rng, ['0', '-1', '200']), pickNum(rng, ['1', '7', '2000']))],
    [4, () => meth(node, 'fast', A.fact(rng))],
    [2, () => meth(node, 'slow', A.fact(rng))],
    [3, () => meth(node, 'early', A.time(rng))],
    [2, () => meth(node, 'late', A.time(rng))],
    [2, () => meth(node, rng.pick(['add', 'mul', 'sub']), rng.chance(0.6) ? pickNum(rng, ['1', '2', '0.5', '12', '-1']) : rng.chance(0.5) ? id(rng.pick(SIGNALS)) : simpleMini(rng, 'num'))],
    [2, () => meth(node, 'seed', rng.chance(0.7) ? pickNum(rng, ['1', '2', '42', '0', '-1', '0.5', '1000']) : pickMini(rng, ['<1 2>', '1 2 3', '<0 7>']))],
    [1, () => meth(node, rng.pick(['round', 'floor', 'ceil', 'toBipolar', 'fromBipolar']))],
    [1, () => meth(node, 'zoom', num('0.25'), num('0.75'))],
    [1, () => meth(node, 'rev')],
    [1, () => meth(node, 'ribbon', A.time(rng), A.fact(rng))],
  ])();
}

function discretise(rng, node) {
  return rng.weighted([
    [6, () => meth(node, 'segment', rng.chance(0.75) ? num(rng.pick(['1', '2', '3', '4', '8', '16', '5'])) : pickMini(rng, ['<4 8>', '2 4', '<1 3>']))],
    [4, () => meth(node, 'struct', A.bool(rng))],
    [1, () => meth(node, 'mask', A.bool(rng))],
    [1, () => meth(genMini(rng, 'snd', 1), 'set', node)],
    [1, () => meth(meth(genMini(rng, 'num', 1), 'add', node), 'segment', num(rng.int(1, 4)))],
  ])();
}

function randomFn(rng, node, kind) {
  const P = () => rng.weighted([
    [4, () => pickNum(rng, ['0.5', '0.2', '0.8', '0.3', '0', '1', '0.9', '0.25'])],
    [4, () => pickMini(rng, ['<0.2 0.8>', '0.5 0.9', '0.3', '<0 1>', '0.1 0.5 0.9', '<0.25 0.75>*2', '[0.2 0.8]*2', '<0 0.5 1>'])],
    [1, () => meth(id(rng.pick(['sine', 'saw', 'perlin', 'rand'])), 'segment', num(rng.pick(['2', '4'])))],
    [1, () => id(rng.pick(['sine', 'saw', 'perlin']))],
  ])();
  const F = () => fnArg(rng, kind, 1);
  return rng.weighted([
    [5, () => meth(node, 'degradeBy', P())],
    [2, () => meth(node, 'undegradeBy', P())],
    [2, () => meth(node, rng.pick(['degrade', 'undegrade']))],
    [5, () => meth(node, 'sometimesBy', P(), F())],
    [2, () => meth(node, rng.pick(['sometimes', 'often', 'rarely', 'almostNever', 'almostAlways', 'someCycles']), F())],
    [4, () => meth(node, 'someCyclesBy', P(), F())],
    [3, () => meth(node, 'shuffle', A.smallint(rng))],
    [3, () => meth(node, 'scramble', A.smallint(rng))],
    [4, () => meth(node, 'seed', rng.chance(0.7) ? pickNum(rng, ['1', '2', '42', '0', '7', '0.5', '-3']) : pickMini(rng, ['<1 2>', '1 2', '<0 1 2 3>']))],
    [2, () => (rng.chance(0.85) ? meth(node, rng.pick(['fast', 'slow', 'early', 'late', 'ply']), A.fact(rng)) : meth(node, 'rev'))],
    [1, () => meth(node, 'segment', num(rng.int(2, 8)))],
  ])();
}

function choicePattern(rng, kind) {
  const val = () => (kind === 'num' ? num(rng.int(0, 7)) : rng.chance(0.7) ? str(rng.pick(ATOMS.snd)) : rm(rng.pick(['bd sd', 'hh*2', '<a b>', 'c [d e]'])));
  const n = rng.int(2, 4);
  const vals = [];
  for (let i = 0; i < n; i++) vals.push(val());
  const pairs = () => vals.map((v) => arr(v, pickNum(rng, ['1', '2', '3', '0.5', '0', '4'])));
  return rng.weighted([
    [3, () => meth(call('wchoose', ...pairs()), 'segment', num(rng.int(1, 8)))],
    [3, () => call('chooseCycles', ...vals)],
    [1, () => call('randcat', ...vals)],
    [2, () => call('wchooseCycles', ...pairs())],
    [1, () => call('wrandcat', ...pairs())],
    [2, () => meth(call('choose', ...vals), 'segment', num(rng.int(1, 8)))],
    [1, () => meth(meth(genMini(rng, 'snd', 1), 'set', call('choose', ...vals)), 'fast', num(1))],
  ])();
}

function signalInControl(rng) {
  const sig = () => {
    let s = signalBase(rng);
    const k = rng.int(0, 2);
    for (let i = 0; i < k; i++) s = signalTransform(rng, s);
    return s;
  };
  return rng.weighted([
    [3, () => meth(call('s', genMini(rng, 'snd', 1)), rng.pick(['gain', 'pan', 'speed', 'lpf', 'velocity', 'room']), sig())],
    [2, () => call('n', discretise(rng, sig()))],
    [1, () => meth(call('note', genMini(rng, 'note', 1)), 'lpf', meth(meth(id('sine'), 'range', num(200), num(2000)), 'slow', num(rng.int(2, 8))))],
    [1, () => meth(call('n', genMini(rng, 'num', 1)), 'add', call('n', discretise(rng, sig())))],
    [1, () => meth(genMini(rng, 'num', 1), 'add', sig())],
    [1, () => meth(call('s', genMini(rng, 'snd', 1)), 'n', meth(call('irand', num(rng.int(2, 8))), 'segment', num(rng.int(1, 8))))],
  ])();
}

function genSignal(rng) {
  return rng.weighted([
    [
      6,
      () => {
        // a signal, transformed, then made discrete (or queried as it is)
        let node = signalBase(rng);
        const k = rng.weighted([
          [2, 0],
          [4, 1],
          [3, 2],
          [1, 3],
        ]);
        for (let i = 0; i < k; i++) node = signalTransform(rng, node);
        if (rng.chance(0.85)) node = discretise(rng, node);
        if (rng.chance(0.3)) node = signalTransform(rng, node);
        return node;
      },
    ],
    [4, () => signalInControl(rng)],
    [
      6,
      () => {
        // random functions on an ordinary pattern
        const kind = rng.pick(['snd', 'num', 'ctrl', 'ctrl']);
        let node = kind === 'ctrl' ? call('s', genMini(rng, 'snd', rng.int(1, 2))) : genMini(rng, kind, rng.int(1, 2));
        if (rng.chance(0.3)) node = meth(node, 'fast', num(rng.pick(['2', '4'])));
        const k = rng.weighted([
          [4, 1],
          [3, 2],
          [1, 3],
        ]);
        for (let i = 0; i < k; i++) node = randomFn(rng, node, kind);
        return node;
      },
    ],
    [
      3,
      () => {
        const kind = rng.pick(['snd', 'num']);
        let node = choicePattern(rng, kind);
        if (rng.chance(0.4)) node = randomFn(rng, node, kind);
        return node;
      },
    ],
  ])();
}

// ---------------------------------------------------------------------------
// Samples.

function sampleBase(rng) {
  return rng.weighted([
    [4, () => call('s', pickMini(rng, ['bev', 'break', 'bev*2', 'amen', '<bev amen>', 'bev ~ bev', 'bev:1', 'break/2', 'bev@3 amen']))],
    [3, () => call('s', genMini(rng, 'snd', 1))],
    [1, () => meth(call('s', pickMini(rng, ['bev', 'break*2'])), 'n', pickMini(rng, ['<0 1>', '0 1 2', '3']))],
    [1, () => meth(call('s', str('bev')), rng.pick(['begin', 'end']), A.unit(rng))],
    [1, () => meth(call('s', pickMini(rng, ['bev', 'amen'])), 'speed', pickNum(rng, ['-1', '2', '0.5']))],
    [1, () => call('sound', pickMini(rng, ['bev', 'break']))],
    [0.5, () => pickMini(rng, ['bev', 'a b', 'bev:2'])],
  ])();
}

function sliceCount(rng) {
  return rng.weighted([
    [5, () => num(rng.int(1, 8))],
    [2, () => pickMini(rng, ['<4 8>', '2 4', '<2 3>', '4'])],
    [1, () => pickNum(rng, ['16', '0', '-2', '1.5', '32'])],
  ])();
}

function sliceList(rng) {
  return arr(...rng.pick([
    ['0', '0.25', '0.5', '0.75'],
    ['0', '0.25', '0.5', '1'],
    ['0', '0.5'],
    ['0.1', '0.3', '0.9'],
    ['0.5', '0.25', '1'],
    ['0', '1'],
    ['0', '1/3', '2/3', '1'],
    ['0.25'],
    ['0', '0.125', '0.25', '0.5', '1'],
  ]).map(num));
}

function sliceIndex(rng) {
  return rng.weighted([
    [5, () => A.idx(rng)],
    [4, () => genMini(rng, 'sidx', 1)],
    [1, () => pickMini(rng, ['0 .. 7', '<0 1 2 3>*4', '[0 2] [1 3]', '0*8', '~ 1'])],
    [1, () => meth(call('irand', num(8)), 'segment', num(rng.int(2, 8)))],
  ])();
}

function sampleFn(rng, node) {
  return rng.weighted([
    [5, () => meth(node, 'chop', sliceCount(rng))],
    [4, () => meth(node, 'striate', sliceCount(rng))],
    [4, () => meth(node, 'slice', sliceCount(rng), sliceIndex(rng))],
    [3, () => meth(node, 'slice', sliceList(rng), sliceIndex(rng))],
    [3, () => meth(node, 'splice', sliceCount(rng), sliceIndex(rng))],
    [1, () => meth(node, 'splice', sliceList(rng), sliceIndex(rng))],
    [3, () => meth(node, 'loopAt', rng.chance(0.7) ? pickNum(rng, ['1', '2', '4', '0.5', '3']) : pickMini(rng, ['<1 2>', '2 4']))],
    [2, () => meth(node, 'fit')],
    [3, () => meth(node, 'speed', rng.chance(0.5) ? pickNum(rng, ['2', '-1', '0.5', '1.5']) : pickMini(rng, ['1 2', '<1 -1>', '0.5 [1 2]']))],
    [3, () => meth(node, 'begin', rng.chance(0.6) ? A.unit(rng) : pickMini(rng, ['0 0.25', '<0 0.5>', '0.25 0.5 0.75']))],
    [3, () => meth(node, 'end', rng.chance(0.6) ? A.unit(rng) : pickMini(rng, ['0.5 1', '<1 0.5>', '0.75']))],
    [1, () => meth(node, 'unit', str('c'))],
    [1, () => meth(node, 'cut', num(1))],
    [1, () => meth(node, rng.pick(['legato', 'clip']), pickNum(rng, ['0.5', '1', '2']))],
    [4, () => applyRandom(rng, node, 'ctrl', 1).node],
  ])();
}

function genSample(rng) {
  let node = sampleBase(rng);
  const k = rng.weighted([
    [3, 1],
    [4, 2],
    [2, 3],
    [1, 4],
  ]);
  for (let i = 0; i < k; i++) node = sampleFn(rng, node);
  // top-level forms
  if (rng.chance(0.1)) {
    node = rng.weighted([
      [2, () => call('chop', num(rng.int(2, 4)), node)],
      [1, () => call('striate', num(rng.int(2, 4)), node)],
      [1, () => call('slice', num(4), A.idx(rng), node)],
      [1, () => call('splice', num(4), A.idx(rng), node)],
      [1, () => call('loopAt', num(2), node)],
      [1, () => call('fit', node)],
    ])();
  }
  return node;
}

// ---------------------------------------------------------------------------
// Long chains on deeply nested mini-notation.

function genChain(rng) {
  const kind = rng.weighted([
    [3, 'snd'],
    [3, 'num'],
    [2, 'note'],
    [3, 'ctrl'],
  ]);
  let node;
  const deep = () => {
    // deeply nested mini-notation, kept to a printable size
    for (let t = 0; t < 8; t++) {
      const m = genMini(rng, kind === 'ctrl' ? 'snd' : kind, rng.chance(0.3) ? 4 : 3);
      if (print(m).length <= 160) return m;
    }
    return genMini(rng, kind === 'ctrl' ? 'snd' : kind, 2);
  };
  if (kind === 'ctrl') {
    node = rng.weighted([
      [3, () => call('s', deep())],
      [2, () => call('n', deep())],
      [1, () => call('note', deep())],
      [1, () => meth(call('s', deep()), 'n', genMini(rng, 'num', 2))],
    ])();
  } else {
    node = rng.chance(0.85) ? deep() : genPattern(rng, kind, 1).node;
  }
  const len = rng.int(5, 8);
  let k = kind;
  for (let i = 0; i < len; i++) {
    const res = applyRandom(rng, node, k, rng.chance(0.3) ? 2 : 1);
    node = res.node;
    k = res.kind;
  }
  return node;
}

// ---------------------------------------------------------------------------
// Top-level and curried forms.

// A partially applied library function (a function of a pattern).
function partial(rng, kind, depth = 1) {
  const numeric = kind === 'num' || kind === 'note';
  const opts = [
    [4, () => call('fast', A.fact(rng))],
    [2, () => call('slow', A.fact(rng))],
    [3, () => call('ply', A.smallint(rng))],
    [2, () => call('late', A.time(rng))],
    [2, () => call('early', A.time(rng))],
    [3, () => id('rev')],
    [1, () => id('palindrome')],
    [1, () => id('brak')],
    [2, () => call('iter', A.smallint(rng))],
    [2, () => call('degradeBy', A.prob(rng))],
    [1, () => call('segment', num(rng.int(1, 4)))],
    [1, () => call('linger', A.linger(rng))],
    [1, () => call('swingBy', num('1/3'), num(4))],
    [1, () => call('inside', num(2), id('rev'))],
    [1, () => call('euclid', num(3), num(8))],
    [1, () => call('struct', A.bool(rng))],
    [1, () => call('mask', A.bool(rng))],
  ];
  if (numeric) opts.push([4, () => call('add', rng.chance(0.6) ? pickNum(rng, ['12', '7', '1', '-12']) : simpleMini(rng, 'num'))], [1, () => call('mul', num(2))]);
  if (kind === 'ctrl') opts.push([2, () => call('add', call('n', pickNum(rng, ['1', '12'])))], [1, () => call('jux', id('rev'))], [1, () => call('chop', num(2))]);
  if (depth > 0) {
    const inner = () => partial(rng, kind, depth - 1);
    opts.push(
      [3, () => call('firstOf', num(rng.int(2, 4)), inner())],
      [3, () => call('every', num(rng.int(2, 4)), inner())],
      [2, () => call('lastOf', num(rng.int(2, 4)), inner())],
      [3, () => call('sometimesBy', A.prob(rng), inner())],
      [1, () => call(rng.pick(['sometimes', 'often', 'rarely', 'someCycles']), inner())],
      [1, () => call('someCyclesBy', A.prob(rng), inner())],
      [2, () => call('chunk', num(rng.int(2, 4)), inner())],
      [2, () => call('off', A.time(rng), inner())],
      [1, () => call('when', A.bool(rng), inner())],
      [1, () => call('within', num(0), num('0.5'), inner())],
      [1, () => call('echoWith', num(rng.int(2, 3)), num('1/8'), inner())],
      [1, () => call('apply', inner())],
    );
  }
  return rng.weighted(opts)();
}

function topPart(rng, kind) {
  if (rng.chance(0.6)) {
    if (kind === 'ctrl') return call('s', genMini(rng, 'snd', 1));
    return genMini(rng, kind, 1);
  }
  return genPattern(rng, kind, 1).node;
}

function genTop(rng) {
  const kind = rng.weighted([
    [3, 'snd'],
    [3, 'num'],
    [1, 'note'],
    [2, 'ctrl'],
  ]);
  const parts = (lo, hi) => {
    const n = rng.int(lo, hi);
    const xs = [];
    for (let i = 0; i < n; i++) xs.push(topPart(rng, kind));
    return xs;
  };
  const weighted = (lo, hi) => {
    const n = rng.int(lo, hi);
    const xs = [];
    for (let i = 0; i < n; i++) xs.push(arr(pickNum(rng, ['1', '2', '3', '1', '0.5', '1/2', '4']), topPart(rng, kind)));
    return xs;
  };
  let node = rng.weighted([
    [4, () => call(rng.pick(['stack', 'cat', 'seq', 'fastcat', 'slowcat', 'sequence']), ...parts(1, 4))],
    [3, () => call('timecat', ...weighted(1, 4))],
    [3, () => call('arrange', ...weighted(1, 3))],
    [1, () => call(rng.pick(['stepcat', 's_cat']), ...weighted(1, 3))],
    [3, () => call('polymeter', ...parts(2, 3))],
    [1, () => call('polyrhythm', ...parts(2, 3))],
    [
      6,
      () => {
        // curried function applied to a pattern: f(args..., pat)
        const p = partial(rng, kind, 1);
        if (p.t === 'id') return call(p.v, topPart(rng, kind));
        return { ...p, args: [...p.args, topPart(rng, kind)] };
      },
    ],
    [
      5,
      () => {
        // partial application as a function argument
        const base = topPart(rng, kind);
        return rng.weighted([
          [3, () => meth(base, 'every', num(rng.int(2, 4)), partial(rng, kind, 1))],
          [2, () => meth(base, 'sometimesBy', A.prob(rng), partial(rng, kind, 1))],
          [2, () => meth(base, 'off', A.time(rng), partial(rng, kind, 1))],
          [2, () => meth(base, 'superimpose', partial(rng, kind, 1))],
          [1, () => meth(base, 'layer', partial(rng, kind, 0), partial(rng, kind, 0))],
          [2, () => meth(base, 'apply', partial(rng, kind, 1))],
          [1, () => meth(base, 'chunk', num(4), partial(rng, kind, 1))],
          [1, () => meth(base, 'firstOf', num(3), partial(rng, kind, 1))],
          [1, () => meth(base, 'echoWith', num(2), num('1/8'), partial(rng, kind, 0))],
        ])();
      },
    ],
  ])();
  const k = rng.weighted([
    [5, 0],
    [3, 1],
    [1, 2],
  ]);
  for (let i = 0; i < k; i++) node = applyRandom(rng, node, kind, 1).node;
  return node;
}

// ---------------------------------------------------------------------------

const GENERATORS = { tonal: genTonal, arith: genArith, signal: genSignal, sample: genSample, chain: genChain, top: genTop };

// Query ranges: those of gen.mjs plus a few longer and oddly placed ones.
const AREA_RANGES = [
  ...RANGES,
  ['0', '1'],
  ['0', '2'],
  ['0', '4'],
  ['0', '8'],
  ['1', '3'],
  ['-3', '0'],
  ['100', '102'],
  ['1/3', '7/2'],
  ['-7/3', '-1/4'],
  ['99/2', '203/4'],
  ['0', '1/3'],
  ['5/3', '5/2'],
  ['-1', '1'],
  ['17/8', '33/8'],
];

// One case of an area (or, for 'round2', of an area picked at random).
export function genAreaCase(rng, area) {
  if (area === 'round2') area = rng.weighted(AREA_WEIGHTS);
  const [from, to] = rng.pick(AREA_RANGES);
  const ast = GENERATORS[area](rng);
  return { from, to, ast, code: print(ast), mode: area };
}
