// Collects the Strudel programs of the `strudel` conformance suite:
//
//   cases/examples.jsonl  every `@example` of the documentation comments in
//                         the installed 1.2.6 packages (../node_modules)
//   cases/tunes.jsonl     the example tunes of Strudel's website REPL
//   cases/website.jsonl   the code fields (`<MiniRepl tune={`…`} />`) of the
//                         website's English pages (learn, workshop, recipes, …)
//
// Usage: node collect.mjs [STRUDEL_SOURCE_DIR]
// The website parts need a checkout of Strudel's repository (its `website/`
// folder); without one only the examples are collected.
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, '..', 'node_modules');

/** Packages whose documentation comments are collected (all at 1.2.6). */
export const PACKAGES = [
  '@strudel/core',
  '@strudel/mini',
  '@strudel/tonal',
  '@strudel/transpiler',
  '@strudel/webaudio',
  '@strudel/draw',
  '@strudel/midi',
  '@strudel/codemirror',
  '@strudel/soundfonts',
  '@strudel/hydra',
  'superdough',
];

/** Cycles queried per case, as in Strudel's own snapshot tests. */
const EXAMPLE_CYCLES = 4;
const TUNE_CYCLES = {
  timeCatMini: 16, timeCat: 8, shapeShifted: 16, tetrisMini: 16, whirlyStrudel: 16, swimming: 51,
  giantSteps: 20, giantStepsReggae: 25, transposedChordsHacked: 8, scaleTranspose: 16, struct: 4,
  magicSofa: 8, confusedPhone: 8, zeldasRescue: 48, technoDrums: 4, caverave: 60, callcenterhero: 22,
  primalEnemy: 4, synthDrums: 4, sampleDrums: 4, xylophoneCalling: 60, sowhatelse: 60, barryHarris: 64,
  wavyKalimba: 64, jemblung: 12, risingEnemy: 12, festivalOfFingers: 16, festivalOfFingers2: 22,
  undergroundPlumber: 20, bridgeIsOver: 8, goodTimes: 16, echoPiano: 8, sml1: 48, speakerman: 48,
  randomBells: 24, waa: 16, waar: 16, festivalOfFingers3: 16,
};
const DEFAULT_TUNE_CYCLES = 8;
const WEBSITE_CYCLES = 4;

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (['node_modules', 'dist', 'test', 'bench', 'tests'].includes(name)) continue;
      out.push(...sourceFiles(path));
    } else if (/\.(mjs|js)$/.test(name) && !/\.test\./.test(name)) {
      out.push(path);
    }
  }
  return out;
}

/** The documented name of a comment block: `@name`, else the declaration after it. */
function docName(tags, after) {
  const named = tags.find((t) => t.tag === 'name');
  if (named) return named.text.split(/\s+/)[0];
  const m =
    /^\s*(?:export\s+)?(?:const|let|var|function\*?|async\s+function)\s+(?:\{\s*)?([A-Za-z_$][\w$]*)/.exec(after) ||
    /^\s*(?:Pattern\.prototype\.|[\w.]*\.)([A-Za-z_$][\w$]*)\s*=/.exec(after) ||
    /^\s*([A-Za-z_$][\w$]*)\s*[(=]/.exec(after);
  return m ? m[1] : 'anonymous';
}

/** Splits a `/** … *\/` block into tags with their text (leading `*` removed). */
function parseDoc(block) {
  const lines = block
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').replace(/^\s*\*$/, ''));
  const tags = [];
  let current = { tag: 'description', lines: [] };
  for (const line of lines) {
    const m = /^@(\w+)\s?(.*)$/.exec(line);
    if (m) {
      tags.push(current);
      current = { tag: m[1], lines: [m[2]] };
    } else {
      current.lines.push(line);
    }
  }
  tags.push(current);
  return tags.map((t) => ({ tag: t.tag, text: t.lines.join('\n').replace(/\s+$/, '').replace(/^\n+/, '') }));
}

export function collectExamples() {
  const cases = [];
  const seen = new Map();
  for (const pkg of PACKAGES) {
    const root = join(modules, pkg);
    for (const file of sourceFiles(root)) {
      const src = readFileSync(file, 'utf8');
      const re = /\/\*\*[\s\S]*?\*\//g;
      let m;
      while ((m = re.exec(src))) {
        const tags = parseDoc(m[0]);
        const examples = tags.filter((t) => t.tag === 'example' && t.text.trim() !== '');
        if (!examples.length) continue;
        const name = docName(tags, src.slice(m.index + m[0].length, m.index + m[0].length + 300));
        examples.forEach((ex) => {
          const n = seen.get(name) ?? 0;
          seen.set(name, n + 1);
          cases.push({
            id: `${name}#${n}`,
            source: `${pkg}/${relative(root, file)}`,
            cycles: EXAMPLE_CYCLES,
            code: ex.text,
          });
        });
      }
    }
  }
  return cases;
}

/** The tunes of `website/src/repl/tunes.mjs` (exported template literals). */
export function collectTunes(strudelDir) {
  const src = readFileSync(join(strudelDir, 'website/src/repl/tunes.mjs'), 'utf8');
  const cases = [];
  const re = /export const (\w+) = `((?:[^`\\]|\\.)*)`;/g;
  let m;
  while ((m = re.exec(src))) {
    const [, name, body] = m;
    cases.push({
      id: name,
      source: 'website/src/repl/tunes.mjs',
      cycles: TUNE_CYCLES[name] ?? DEFAULT_TUNE_CYCLES,
      code: unescapeTemplate(body),
    });
  }
  return cases;
}

/** The value of a JS template literal without substitutions. */
function unescapeTemplate(raw) {
  return raw.replace(/\\([`$\\])/g, '$1');
}

function mdxFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === 'de') continue; // translations repeat the English code
      out.push(...mdxFiles(path));
    } else if (name.endsWith('.mdx')) {
      out.push(path);
    }
  }
  return out;
}

/** Code fields of the website's pages: `tune={`…`}` and `tunes={[`…`, …]}`. */
export function collectWebsite(strudelDir) {
  const pages = join(strudelDir, 'website/src/pages');
  const cases = [];
  for (const file of mdxFiles(pages)) {
    const src = readFileSync(file, 'utf8');
    const page = relative(pages, file).replace(/\.mdx$/, '');
    const re = /<MiniRepl\b([\s\S]*?)\/>/g;
    let m;
    let i = 0;
    while ((m = re.exec(src))) {
      const attrs = m[1];
      const codes = [];
      const single = /\btune=\{\s*`((?:[^`\\]|\\.)*)`\s*\}/.exec(attrs);
      if (single) codes.push(single[1]);
      const multi = /\btunes=\{\s*\[([\s\S]*?)\]\s*\}/.exec(attrs);
      if (multi) {
        const tre = /`((?:[^`\\]|\\.)*)`/g;
        let t;
        while ((t = tre.exec(multi[1]))) codes.push(t[1]);
      }
      for (const raw of codes) {
        cases.push({
          id: `${page}#${i++}`,
          source: `website/src/pages/${relative(pages, file)}`,
          cycles: WEBSITE_CYCLES,
          code: unescapeTemplate(raw),
        });
      }
    }
  }
  return cases;
}

function write(name, cases) {
  const dir = join(here, 'cases');
  if (!existsSync(dir)) mkdirSync(dir);
  writeFileSync(join(dir, `${name}.jsonl`), cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
  console.log(`${name}: ${cases.length} programs`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  write('examples', collectExamples());
  const strudelDir = process.argv[2];
  if (strudelDir) {
    write('tunes', collectTunes(strudelDir));
    write('website', collectWebsite(strudelDir));
  }
}
