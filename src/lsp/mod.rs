//! `weft lsp`: a language server over standard input and output, for any
//! editor. One thread reads messages ([`transport`]); the main thread
//! answers them in order, each answer a call into the library (the
//! evaluator for diagnostics, the docs tables for hover and completion,
//! the parser for definitions, the formatter for formatting).

mod analysis;
mod features;
mod text;
mod transport;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{PositionEncodingKind, Uri};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use transport::Incoming;

#[derive(clap::Args)]
pub struct Args {
    /// Talk over standard input and output (the only way; editors pass it).
    #[arg(long)]
    stdio: bool,
}

/// The open documents and what the editor agreed to.
pub struct Server {
    docs: HashMap<Uri, String>,
    /// Positions in UTF-8 bytes rather than UTF-16 units.
    utf8: bool,
    shutdown: bool,
}

pub fn run(_args: Args) -> u8 {
    let (tx, rx) = crossbeam_channel::bounded::<Incoming>(16);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        while let Some(m) = transport::read(&mut input) {
            if tx.send(m).is_err() {
                break;
            }
        }
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut server = Server {
        docs: HashMap::new(),
        utf8: false,
        shutdown: false,
    };
    let mut initialized = false;
    // Documents changed since their diagnostics were last sent: checked
    // when no message waits, so that fast typing is not checked keystroke
    // by keystroke behind the editor's back.
    let mut dirty: Vec<Uri> = Vec::new();
    while let Ok(incoming) = rx.recv() {
        let message = match incoming {
            Incoming::Message(m) => m,
            Incoming::Malformed { id, code, message } => {
                let _ = transport::write_error(&mut out, id, code, &message);
                continue;
            }
        };
        match message {
            Message::Request(req) => {
                let id = req.id.clone();
                let reply = if !initialized && req.method != "initialize" {
                    error(req.id, ErrorCode::ServerNotInitialized, "not initialized")
                } else if req.method == "initialize" {
                    initialized = true;
                    server.initialize(req)
                } else {
                    guarded(|| server.request(req)).unwrap_or_else(|| {
                        error(
                            id,
                            ErrorCode::InternalError,
                            "the request failed inside weft",
                        )
                    })
                };
                if transport::write(&mut out, &Message::Response(reply)).is_err() {
                    return 1;
                }
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return if server.shutdown { 0 } else { 1 };
                }
                for uri in server.notification(n) {
                    if !dirty.contains(&uri) {
                        dirty.push(uri);
                    }
                }
            }
            Message::Response(_) => {}
        }
        if rx.is_empty() {
            for uri in std::mem::take(&mut dirty) {
                let m = guarded(|| server.diagnostics(&uri))
                    .unwrap_or_else(|| publish(&uri, Vec::new()));
                if transport::write(&mut out, &m).is_err() {
                    return 1;
                }
            }
        }
        let _ = out.flush();
    }
    // The input ended without `exit`.
    1
}

/// Runs `f`; `None` if it panicked (a defect reported on standard error:
/// the server answers and goes on rather than leaving the editor).
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

fn error(id: RequestId, code: ErrorCode, message: impl Into<String>) -> Response {
    Response::new_err(id, code as i32, message.into())
}

impl Server {
    fn initialize(&mut self, req: Request) -> Response {
        let encodings = req
            .params
            .pointer("/capabilities/general/positionEncodings")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        self.utf8 = encodings.iter().any(|e| e == "utf-8");
        let encoding = if self.utf8 {
            PositionEncodingKind::UTF8
        } else {
            PositionEncodingKind::UTF16
        };
        let result = json!({
            "capabilities": features::capabilities(encoding),
            "serverInfo": { "name": "weft", "version": env!("CARGO_PKG_VERSION") },
        });
        Response::new_ok(req.id, result)
    }

    fn request(&mut self, req: Request) -> Response {
        if req.method == "shutdown" {
            self.shutdown = true;
            return Response::new_ok(req.id, Value::Null);
        }
        let id = req.id.clone();
        match features::answer(self, &req.method, req.params) {
            Ok(v) => Response::new_ok(id, v),
            Err(features::Failure::Unknown) => error(
                id,
                ErrorCode::MethodNotFound,
                format!("`{}` is not supported", req.method),
            ),
            Err(features::Failure::Params(why)) => error(id, ErrorCode::InvalidParams, why),
        }
    }

    /// Handles a notification; returns the documents to check again.
    fn notification(&mut self, n: Notification) -> Vec<Uri> {
        let uri_of = |p: &Value| -> Option<Uri> {
            serde_json::from_value(p.pointer("/textDocument/uri")?.clone()).ok()
        };
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(uri) = uri_of(&n.params) else {
                    return Vec::new();
                };
                let text = n
                    .params
                    .pointer("/textDocument/text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                self.docs.insert(uri.clone(), text);
                vec![uri]
            }
            "textDocument/didChange" => {
                let Some(uri) = uri_of(&n.params) else {
                    return Vec::new();
                };
                // Full synchronisation: the last change holds the whole text.
                let Some(text) = n
                    .params
                    .pointer("/contentChanges")
                    .and_then(Value::as_array)
                    .and_then(|c| c.last())
                    .and_then(|c| c.get("text"))
                    .and_then(Value::as_str)
                else {
                    return Vec::new();
                };
                self.docs.insert(uri.clone(), text.to_string());
                vec![uri]
            }
            "textDocument/didClose" => {
                let Some(uri) = uri_of(&n.params) else {
                    return Vec::new();
                };
                self.docs.remove(&uri);
                vec![uri]
            }
            _ => Vec::new(),
        }
    }

    /// The diagnostics of a document (none once it is closed).
    fn diagnostics(&self, uri: &Uri) -> Message {
        match self.docs.get(uri) {
            Some(text) => publish(uri, features::diagnostics(text, uri, self.utf8)),
            None => publish(uri, Vec::new()),
        }
    }
}

fn publish(uri: &Uri, diagnostics: Vec<lsp_types::Diagnostic>) -> Message {
    Message::Notification(Notification::new(
        "textDocument/publishDiagnostics".into(),
        json!({ "uri": uri, "diagnostics": diagnostics }),
    ))
}
