//! The base protocol of the language server: `Content-Length` framed JSON
//! messages over standard input and output.
//!
//! Reading is written here rather than left to `lsp-server`'s reader so
//! that a malformed message (bad JSON, a missing or absurd
//! `Content-Length`, an object that is no message) becomes a protocol
//! error sent back to the editor, and the server goes on with the next
//! message instead of stopping or allocating what a bad header asks for.

use lsp_server::{ErrorCode, Message};
use serde_json::{json, Value};
use std::io::{BufRead, Read, Write};

/// The largest message read (a document of several megabytes fits).
pub const MAX_MESSAGE: usize = 64 << 20;

/// What the reader found.
pub enum Incoming {
    Message(Message),
    /// A message that could not be read; answered with an error whose id
    /// is the request's when it could be found, else `null`.
    Malformed {
        id: Option<Value>,
        code: ErrorCode,
        message: String,
    },
}

/// Reads messages until the input ends; `None` at the end.
pub fn read(input: &mut impl BufRead) -> Option<Incoming> {
    let length = match read_headers(input)? {
        Ok(n) => n,
        Err(why) => return Some(malformed(None, ErrorCode::ParseError, why)),
    };
    if length > MAX_MESSAGE {
        // Skip the body without keeping it.
        let skipped = std::io::copy(&mut input.take(length as u64), &mut std::io::sink()).ok()?;
        if skipped < length as u64 {
            return None;
        }
        return Some(malformed(
            None,
            ErrorCode::InvalidRequest,
            format!("a message of {length} bytes is larger than the {MAX_MESSAGE} bytes read"),
        ));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body).ok()?;
    Some(parse_body(&body))
}

/// The `Content-Length` of the next message, or why the headers are
/// wrong. Skips to the end of the headers (an empty line); a line that
/// does not look like a header starts the search for the next
/// `Content-Length:` (after a body of the wrong length).
fn read_headers(input: &mut impl BufRead) -> Option<Result<usize, String>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut line = String::new();
    loop {
        line.clear();
        let mut raw = Vec::new();
        let n = input
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut raw)
            .ok()?;
        if n == 0 {
            return None;
        }
        line.push_str(&String::from_utf8_lossy(&raw));
        let text = line.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        // Garbage before a header (the rest of a body longer than its
        // length said): resume at the header.
        let header = match text.find("Content-Length:") {
            Some(i) => &text[i..],
            None if text.contains(':') && !text.starts_with('{') => text,
            None => {
                length = Some(Err(
                    "a line that is no header where headers were expected".into()
                ));
                continue;
            }
        };
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| format!("`Content-Length: {}` is not a length", value.trim())),
            );
        }
    }
    length
}

/// A header line longer than this is cut (a stray body without newlines).
const MAX_HEADER_LINE: usize = 1 << 16;

fn malformed(id: Option<Value>, code: ErrorCode, message: impl Into<String>) -> Incoming {
    Incoming::Malformed {
        id,
        code,
        message: message.into(),
    }
}

fn parse_body(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return malformed(None, ErrorCode::ParseError, format!("bad JSON: {e}")),
    };
    let id = value.get("id").cloned();
    match serde_json::from_value::<Message>(value) {
        Ok(m) => Incoming::Message(m),
        Err(e) => malformed(
            id,
            ErrorCode::InvalidRequest,
            format!("not a request, response or notification: {e}"),
        ),
    }
}

/// Writes one message.
pub fn write(out: &mut impl Write, message: &Message) -> std::io::Result<()> {
    let mut value = serde_json::to_value(message)?;
    if let Value::Object(map) = &mut value {
        map.insert("jsonrpc".into(), json!("2.0"));
    }
    write_value(out, &value)
}

/// Writes an error response (its id may be `null`).
pub fn write_error(
    out: &mut impl Write,
    id: Option<Value>,
    code: ErrorCode,
    message: &str,
) -> std::io::Result<()> {
    let value = json!({
        "jsonrpc": "2.0",
        "id": id.unwrap_or(Value::Null),
        "error": { "code": code as i32, "message": message },
    });
    write_value(out, &value)
}

fn write_value(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string(value)?;
    write!(out, "Content-Length: {}\r\n\r\n{text}", text.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn read_all(input: &str) -> Vec<Result<String, (i32, String)>> {
        let mut r = std::io::BufReader::new(input.as_bytes());
        let mut out = Vec::new();
        while let Some(m) = read(&mut r) {
            out.push(match m {
                Incoming::Message(Message::Request(r)) => Ok(r.method),
                Incoming::Message(Message::Notification(n)) => Ok(n.method),
                Incoming::Message(Message::Response(_)) => Ok("response".into()),
                Incoming::Malformed { code, message, .. } => Err((code as i32, message)),
            });
        }
        out
    }

    #[test]
    fn messages_after_malformed_ones_are_read() {
        let ok = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = [
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","id":3}"#),
            "Content-Length: lots\r\n\r\n".to_string(),
            frame(ok),
            "Content-Length: 999999999999\r\n\r\n".to_string(),
        ]
        .concat();
        let got = read_all(&input);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0].as_ref().unwrap_err().0, -32700);
        assert_eq!(got[1].as_ref().unwrap_err().0, -32600);
        assert_eq!(got[2].as_ref().unwrap_err().0, -32700);
        assert_eq!(got[3].as_ref().unwrap(), "initialized");
    }

    #[test]
    fn a_body_longer_than_its_length_does_not_lose_the_next_message() {
        let ok = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let input = format!("Content-Length: 2\r\n\r\n{{}}xyz{}", frame(ok));
        let got = read_all(&input);
        assert_eq!(got.last().unwrap().as_ref().unwrap(), "exit", "{got:?}");
    }
}
