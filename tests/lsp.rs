//! `weft lsp` spoken to as an editor would: the real binary over its
//! standard input and output.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

/// Reads framed messages from the server on a thread (so that a test
/// never blocks forever on a server that does not answer).
fn reader(stdout: ChildStdout) -> Receiver<Value> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    length = v.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            if r.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        }
    });
    rx
}

impl Client {
    fn start(dir: &std::path::Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let incoming = reader(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            incoming,
            next_id: 1,
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, v: Value) {
        let text = v.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{text}", text.len()).as_bytes());
    }

    fn receive(&mut self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers")
    }

    /// Sends a request and returns its response (notifications before it
    /// are set aside).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.receive();
            if m["id"] == json!(id) {
                return m;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next diagnostics published.
    fn diagnostics(&mut self) -> Vec<Value> {
        loop {
            let m = self.receive();
            if m["method"] == "textDocument/publishDiagnostics" {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    /// `shutdown` then `exit`; the exit status.
    fn finish(mut self) -> Option<i32> {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null);
        self.notify("exit", Value::Null);
        drop(self.stdin);
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the server did not exit");
    }
}

fn at(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-lsp-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_conversation() {
    let dir = temp_dir("talk");
    std::fs::write(
        dir.join("kit.weft"),
        "/// A thick square.\ninstrument thick = square(freq) * 0.3\n",
    )
    .unwrap();
    let file = dir.join("song.weft");
    let uri = format!("file://{}", file.display());
    let mut c = Client::start(&dir);
    let init = c.request(
        "initialize",
        json!({"processId": null, "capabilities": {}, "rootUri": null}),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["hoverProvider"], true, "{init}");
    assert_eq!(caps["documentFormattingProvider"], true);
    assert_eq!(caps["positionEncoding"], "utf-16");
    c.notify("initialized", json!({}));

    let text = "import \"kit.weft\"\nlet root = \"c3\"\ndrums:  s(\"bd*2\").fast(2)\nbass: note(root).s(\"thick\")\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "weft", "version": 1, "text": text}}),
    );
    assert_eq!(c.diagnostics(), Vec::<Value>::new());

    // An error as it is typed: the diagnostics of `weft check`.
    let broken = "import \"kit.weft\"\nlet root = \"c3\"\ndrums: s(\"bd*2\").fsat(2)\nbass: note(root).s(\"thick\")\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let d = c.diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E0201");
    assert_eq!(d[0]["severity"], 1);
    assert_eq!(d[0]["range"]["start"], at(2, 17));
    assert!(d[0]["message"].as_str().unwrap().contains("fast"), "{d:?}");
    assert!(d[0]["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("docs/errors.md#evaluating"));
    // An unknown sound is found in the first cycles.
    let unknown = "a: s(\"nosuchsound\")\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": unknown}]}),
    );
    let d = c.diagnostics();
    assert_eq!(d[0]["code"], "W0010", "{d:?}");
    // And a problem that shows only when the track is queried.
    let at_play = "a: s(\"bd\").fast(\"<1 x>\")\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": at_play}]}),
    );
    let d = c.diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["severity"], 2);
    assert_eq!(
        d[0]["message"],
        "while playing `a`: expected a number, found the word `x`"
    );
    assert_eq!(d[0]["range"]["start"], at(0, 0));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": text}]}),
    );
    assert_eq!(c.diagnostics(), Vec::<Value>::new());

    // Hover: a library function, a let, a scale name in its string.
    let doc = json!({"uri": uri});
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": at(2, 19)}),
    );
    let shown = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(shown.starts_with("fast — pattern function"), "{shown}");
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": at(3, 13)}),
    );
    assert_eq!(
        h["result"]["contents"]["value"],
        "```weft\nlet root = \"c3\"\n```"
    );
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": at(3, 22)}),
    );
    let shown = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("instrument thick") && shown.contains("A thick square."),
        "{shown}"
    );

    // Completion: methods after `.`, names elsewhere, sounds in `s("…")`.
    let labels = |r: &Value| -> Vec<String> {
        r["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": doc, "position": at(2, 18)}),
    );
    let l = labels(&r);
    assert!(
        l.contains(&"fast".into()) && l.contains(&"gain".into()),
        "{l:?}"
    );
    assert!(!l.contains(&"root".into()));
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": doc, "position": at(3, 11)}),
    );
    let l = labels(&r);
    assert!(
        l.contains(&"root".into()) && l.contains(&"stack".into()) && l.contains(&"drums".into())
    );
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": doc, "position": at(2, 11)}),
    );
    let l = labels(&r);
    assert!(
        l.contains(&"bd".into()) && l.contains(&"thick".into()),
        "{l:?}"
    );
    assert!(!l.contains(&"fast".into()));

    // Signature help after `(`.
    let r = c.request(
        "textDocument/signatureHelp",
        json!({"textDocument": doc, "position": at(2, 23)}),
    );
    assert_eq!(r["result"]["signatures"][0]["label"], "fast(factor)", "{r}");

    // Definitions: a let here, an instrument in the imported file.
    let r = c.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": at(3, 12)}),
    );
    assert_eq!(r["result"]["uri"], uri.as_str());
    assert_eq!(r["result"]["range"]["start"], at(1, 4));
    let r = c.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": at(3, 21)}),
    );
    assert!(
        r["result"]["uri"].as_str().unwrap().ends_with("/kit.weft"),
        "{r}"
    );
    assert_eq!(r["result"]["range"]["start"], at(1, 11));
    let r = c.request(
        "textDocument/references",
        json!({"textDocument": doc, "position": at(1, 5), "context": {"includeDeclaration": true}}),
    );
    assert_eq!(r["result"].as_array().unwrap().len(), 2, "{r}");

    // Rename a let; symbols; mini-notation tokens.
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": doc, "position": at(1, 5), "newName": "tonic"}),
    );
    let edits = r["result"]["changes"][&uri].as_array().unwrap();
    assert_eq!(edits.len(), 2);
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": doc, "position": at(1, 5), "newName": "two words"}),
    );
    assert_eq!(r["error"]["code"], -32602);
    let r = c.request("textDocument/documentSymbol", json!({"textDocument": doc}));
    let names: Vec<&str> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["kit.weft", "root", "drums", "bass"]);
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": doc}),
    );
    // "c3" on line 1; "bd*2": bd, *, 2; "thick".
    let data: Vec<u64> = r["result"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(
        data,
        vec![1, 12, 2, 0, 0, 1, 11, 2, 0, 0, 0, 2, 1, 2, 0, 0, 1, 1, 1, 0, 1, 20, 5, 0, 0]
    );

    // Formatting gives the layout of `weft fmt`.
    let r = c.request(
        "textDocument/formatting",
        json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = r["result"].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["newText"],
        "import \"kit.weft\"\nlet root = \"c3\"\ndrums: s(\"bd*2\").fast(2)\nbass:  note(root).s(\"thick\")\n"
    );

    // The sounds of the program's sample folder are offered in `s("…")`.
    std::fs::create_dir_all(dir.join("mysamples/kick")).unwrap();
    std::fs::write(dir.join("mysamples/kick/0.wav"), b"").unwrap();
    let with_samples = "samples('mysamples')\na: s(\"k\")\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": with_samples}]}),
    );
    c.diagnostics();
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": doc, "position": at(1, 7)}),
    );
    assert!(labels(&r).contains(&"kick".into()), "{r}");

    // Unknown methods are answered with an error.
    let r = c.request("workspace/unknownThing", json!({}));
    assert_eq!(r["error"]["code"], -32601);
    assert_eq!(c.finish(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_messages_are_protocol_errors() {
    let dir = temp_dir("bad");
    let mut c = Client::start(&dir);
    let r = c.request(
        "initialize",
        json!({"capabilities": {"general": {"positionEncodings": ["utf-8"]}}}),
    );
    assert_eq!(r["result"]["capabilities"]["positionEncoding"], "utf-8");
    // Bad JSON.
    c.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let m = c.receive();
    assert_eq!(m["error"]["code"], -32700, "{m}");
    assert_eq!(m["id"], Value::Null);
    // JSON that is no message.
    c.send(json!({"jsonrpc": "2.0", "id": 7, "params": 3}));
    let m = c.receive();
    assert_eq!(m["error"]["code"], -32600, "{m}");
    assert_eq!(m["id"], 7);
    // A length that is no number.
    c.send_raw(b"Content-Length: twelve\r\n\r\n");
    let m = c.receive();
    assert_eq!(m["error"]["code"], -32700, "{m}");
    // A request for a document that is not open.
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere.weft"}, "position": at(0, 0)}),
    );
    assert_eq!(r["error"]["code"], -32602);
    // A huge document: a note instead of a slow analysis.
    let huge = "a: s(\"bd\")\n".repeat(200_000);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "file:///huge.weft", "languageId": "weft", "version": 1, "text": huge}}),
    );
    let d = c.diagnostics();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["severity"], 3);
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///huge.weft"}, "position": at(0, 0)}),
    );
    assert_eq!(r["result"], Value::Null);
    // A length larger than the server reads is refused without reading it
    // into memory; the server still answers afterwards.
    let big = 100usize << 20;
    c.send_raw(format!("Content-Length: {big}\r\n\r\n").as_bytes());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..100 {
        c.send_raw(&chunk);
    }
    let m = c.receive();
    assert_eq!(m["error"]["code"], -32600, "{m}");
    let r = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": "file:///huge.weft"}}),
    );
    assert!(r.get("result").is_some(), "{r}");
    assert_eq!(c.finish(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}
