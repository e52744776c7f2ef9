// Tokenizes weft lines with the extension's TextMate grammar through the
// engine VS Code uses (vscode-textmate with Oniguruma) and checks the
// scopes of mini-notation inside strings. `npm test` runs it.
const fs = require("fs");
const path = require("path");
const assert = require("assert");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => {
      const file = path.join(__dirname, "..", "syntaxes", "weft.tmLanguage.json");
      return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  const grammar = await registry.loadGrammar("source.weft");

  // The innermost scope of each piece of `line`.
  function scopes(line) {
    const { tokens } = grammar.tokenizeLine(line, vsctm.INITIAL);
    return tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]]);
  }
  function scopeOf(line, piece) {
    const found = scopes(line).find(([text]) => text === piece);
    assert.ok(found, `no token ${piece} in ${JSON.stringify(scopes(line))}`);
    return found[1];
  }

  const line = 'drums: s("bd*2 [~ sd:3]").fast(2) // loud';
  assert.strictEqual(scopeOf(line, "drums"), "entity.name.tag.track.weft");
  assert.strictEqual(scopeOf(line, "bd"), "variable.other.atom.mini.weft");
  assert.strictEqual(scopeOf(line, "*"), "keyword.operator.mini.weft");
  assert.strictEqual(scopeOf(line, "2"), "constant.numeric.mini.weft");
  assert.strictEqual(scopeOf(line, "~"), "keyword.operator.mini.weft");
  assert.strictEqual(scopeOf(line, "fast"), "entity.name.function.method.weft");
  assert.strictEqual(scopeOf(line, "// loud"), "comment.line.double-slash.weft");
  const decl = "instrument acid(cutoff = 800) = saw(freq) >> moog(cutoff, 0.7)";
  assert.strictEqual(scopeOf(decl, "acid"), "entity.name.function.weft");
  assert.strictEqual(scopeOf(decl, ">>"), "keyword.operator.pipe.weft");
  assert.strictEqual(scopeOf("let x = 'C:minor'", "C:minor"), "string.quoted.single.weft");
  console.log("grammar: ok");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
