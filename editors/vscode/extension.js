// The weft extension: starts `weft lsp` for .weft files and offers
// "weft: Play current file", which runs `weft play FILE` in a terminal
// (weft play watches the file: every save is heard).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;
let terminal;

function settings() {
  const config = vscode.workspace.getConfiguration("weft");
  const samples = config.get("samples", []).flatMap((s) => ["--samples", s]);
  return { command: config.get("path", "weft"), samples };
}

function activate(context) {
  const { command, samples } = settings();
  client = new LanguageClient(
    "weft",
    "weft",
    { command, args: ["lsp", ...samples] },
    { documentSelector: [{ language: "weft" }] }
  );
  client.start();

  context.subscriptions.push(
    vscode.commands.registerCommand("weft.play", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== "weft") {
        return;
      }
      await editor.document.save();
      const { command, samples } = settings();
      if (terminal) {
        terminal.dispose();
      }
      terminal = vscode.window.createTerminal("weft play");
      const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
      terminal.sendText([command, "play", ...samples, editor.document.fileName].map(quote).join(" "));
      terminal.show(true);
    }),
    vscode.commands.registerCommand("weft.stop", () => {
      if (terminal) {
        terminal.dispose();
        terminal = undefined;
      }
    }),
    vscode.window.onDidCloseTerminal((t) => {
      if (t === terminal) {
        terminal = undefined;
      }
    })
  );
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
