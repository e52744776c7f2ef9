// Post-install fix-ups so the reference packages load under plain node.
//
// Several @tonaljs/* packages declare "main": "dist/index.js" but only ship
// dist/index.cjs. CommonJS consumers (chord-voicings, required by
// @strudel/tonal) then fail with "Cannot find module". We copy the .cjs
// build to the declared main path in every such package, at any depth of
// node_modules. The step is idempotent.
import { readdirSync, readFileSync, existsSync, copyFileSync, statSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let fixed = 0;

function visitPackage(dir) {
  const pj = join(dir, 'package.json');
  if (existsSync(pj)) {
    let main;
    try {
      main = JSON.parse(readFileSync(pj, 'utf8')).main;
    } catch {
      main = undefined;
    }
    if (typeof main === 'string' && extname(main) === '.js') {
      const target = join(dir, main);
      const cjs = target.slice(0, -3) + '.cjs';
      if (!existsSync(target) && existsSync(cjs)) {
        copyFileSync(cjs, target);
        fixed++;
      }
    }
  }
  const nested = join(dir, 'node_modules');
  if (existsSync(nested)) visitNodeModules(nested);
}

function visitNodeModules(nm) {
  for (const name of readdirSync(nm)) {
    if (name.startsWith('.')) continue;
    const p = join(nm, name);
    if (!statSync(p).isDirectory()) continue;
    if (name.startsWith('@')) {
      for (const sub of readdirSync(p)) {
        const q = join(p, sub);
        if (statSync(q).isDirectory()) visitPackage(q);
      }
    } else {
      visitPackage(p);
    }
  }
}

const root = join(here, 'node_modules');
if (existsSync(root)) visitNodeModules(root);
console.log(`setup: copied .cjs to declared main in ${fixed} package(s)`);
