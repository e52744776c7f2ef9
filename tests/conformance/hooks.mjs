// ESM resolution hooks, installed by register.mjs.
//
// 1. @strudel/core imports { SalatRepl } from '@kabelsalat/web', which does
//    not load under node (it expects a browser). Nothing used here needs it,
//    so it resolves to a stub module exporting an empty class.
// 2. @tonaljs/* packages point "main" at a CommonJS file; their ES module
//    build is named by the "module" field. Bare imports of those packages are
//    redirected to the "module" file of the copy node would pick (nested
//    node_modules are respected), so named imports work.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const STUB = 'data:text/javascript,export class SalatRepl {}';

export async function resolve(specifier, context, next) {
  if (specifier === '@kabelsalat/web') {
    return { url: STUB, shortCircuit: true };
  }
  if (/^@tonaljs\/[^/]+$/.test(specifier)) {
    let pkgUrl;
    try {
      pkgUrl = (await next(specifier + '/package.json', context)).url;
    } catch {
      return next(specifier, context);
    }
    const pkg = JSON.parse(await readFile(fileURLToPath(pkgUrl), 'utf8'));
    if (typeof pkg.module === 'string') {
      return { url: new URL(pkg.module, pkgUrl).href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}
