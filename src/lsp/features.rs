//! The answers of the language server, each a call into the library:
//! diagnostics (the evaluator, as `weft check`), hover and completion
//! (the docs tables, as `weft doc`), definitions, references, symbols and
//! renames (the parser, see [`super::analysis`]), semantic tokens for
//! mini-notation, and formatting (`weft fmt`).

use super::analysis::{self, Def, DefKind, MiniKind, Word};
use super::text::Lines;
use super::Server;
use lang::docs::{Entry, Kind};
use lang::lexer::{lex, SrcSpan, Token};
use lsp_types::{
    CodeDescription, CompletionOptions, DiagnosticSeverity, NumberOrString, OneOf,
    PositionEncodingKind, SemanticTokenType, SemanticTokensFullOptions, SemanticTokensLegend,
    SemanticTokensOptions, SemanticTokensServerCapabilities, ServerCapabilities,
    SignatureHelpOptions, TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;

/// Documents larger than this are not analysed (one diagnostic says so).
pub const MAX_ANALYSED: usize = 1 << 20;

/// The semantic token types, in the order of their indices.
const TOKEN_TYPES: [SemanticTokenType; 3] = [
    SemanticTokenType::VARIABLE,
    SemanticTokenType::NUMBER,
    SemanticTokenType::OPERATOR,
];

pub fn capabilities(encoding: PositionEncodingKind) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "\"".into(), "'".into(), " ".into()]),
            ..Default::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..Default::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: TOKEN_TYPES.to_vec(),
                    token_modifiers: Vec::new(),
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

/// Why a request has no answer.
pub enum Failure {
    /// A method the server does not offer.
    Unknown,
    /// Parameters that do not name an open document and a position.
    Params(String),
}

/// The requests answered (besides `initialize` and `shutdown`).
const METHODS: [&str; 10] = [
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/signatureHelp",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/documentSymbol",
    "textDocument/rename",
    "textDocument/semanticTokens/full",
    "textDocument/formatting",
    "textDocument/prepareRename",
];

/// The answer to a request.
pub fn answer(server: &Server, method: &str, params: Value) -> Result<Value, Failure> {
    if !METHODS.contains(&method) {
        return Err(Failure::Unknown);
    }
    let uri: Uri = params
        .pointer("/textDocument/uri")
        .cloned()
        .and_then(|u| serde_json::from_value(u).ok())
        .ok_or_else(|| Failure::Params("no textDocument.uri".into()))?;
    let src = server
        .docs
        .get(&uri)
        .ok_or_else(|| Failure::Params(format!("`{}` is not open", uri.as_str())))?;
    if src.len() > MAX_ANALYSED {
        return Ok(Value::Null);
    }
    let lines = Lines::new(src, server.utf8);
    let offset = || -> Result<usize, Failure> {
        let p: lsp_types::Position = params
            .get("position")
            .cloned()
            .and_then(|p| serde_json::from_value(p).ok())
            .ok_or_else(|| Failure::Params("no position".into()))?;
        Ok(lines.offset(p))
    };
    let doc = Doc {
        src,
        uri: &uri,
        lines: &lines,
    };
    Ok(match method {
        "textDocument/hover" => doc.hover(offset()?),
        "textDocument/completion" => doc.completion(offset()?),
        "textDocument/signatureHelp" => doc.signature(offset()?),
        "textDocument/definition" => doc.definition(offset()?),
        "textDocument/references" => doc.references(offset()?),
        "textDocument/documentSymbol" => doc.symbols(),
        "textDocument/rename" => {
            let name = params
                .get("newName")
                .and_then(Value::as_str)
                .ok_or_else(|| Failure::Params("no newName".into()))?;
            doc.rename(offset()?, name).map_err(Failure::Params)?
        }
        "textDocument/prepareRename" => match doc.target(offset()?) {
            Some((_, Some(d))) if d.kind != DefKind::Import => json!({ "defaultBehavior": true }),
            _ => return Err(Failure::Params("nothing to rename here".into())),
        },
        "textDocument/semanticTokens/full" => doc.semantic_tokens(),
        "textDocument/formatting" => doc.formatting(),
        _ => return Err(Failure::Unknown),
    })
}

/// The diagnostics of a document: those of `weft check` (the evaluation,
/// with the unknown sounds of its first cycles).
pub fn diagnostics(src: &str, uri: &Uri, utf8: bool) -> Vec<lsp_types::Diagnostic> {
    let lines = Lines::new(src, utf8);
    if src.len() > MAX_ANALYSED {
        return vec![lsp_types::Diagnostic {
            range: lines.range(0..0),
            severity: Some(DiagnosticSeverity::INFORMATION),
            source: Some("weft".into()),
            message: format!(
                "this document is larger than {} bytes; it is not checked as you type",
                MAX_ANALYSED
            ),
            ..Default::default()
        }];
    }
    let ev = evaluate(src, uri);
    let imports: Vec<Def> = analysis::definitions(src)
        .into_iter()
        .filter(|d| d.kind == DefKind::Import)
        .collect();
    let mut out: Vec<lsp_types::Diagnostic> = ev
        .diagnostics
        .iter()
        .map(|d| {
            let mut message = d.message.clone();
            // A problem in an imported file is shown at its import.
            let span = match &d.file {
                None => d.span.clone().unwrap_or(0..0),
                Some(f) => {
                    message = format!("{f}: {message}");
                    imports
                        .iter()
                        .find(|i| f.ends_with(i.name.as_str()))
                        .map_or(0..0, |i| i.span.clone())
                }
            };
            if let Some(h) = &d.help {
                message.push_str(&format!("\nhelp: {h}"));
            }
            if let Some(n) = &d.note {
                message.push_str(&format!("\nnote: {n}"));
            }
            lsp_types::Diagnostic {
                range: lines.range(span),
                severity: Some(if d.is_error() {
                    DiagnosticSeverity::ERROR
                } else {
                    DiagnosticSeverity::WARNING
                }),
                code: Some(NumberOrString::String(d.code.to_string())),
                code_description: errors_doc(d.code).map(|href| CodeDescription { href }),
                source: Some("weft".into()),
                message,
                ..Default::default()
            }
        })
        .collect();
    for (span, message) in playing_problems(&ev.program) {
        out.push(lsp_types::Diagnostic {
            range: lines.range(span),
            severity: Some(DiagnosticSeverity::WARNING),
            code_description: Uri::from_str(&format!(
                "{}/blob/main/docs/errors.md#while-playing",
                env!("CARGO_PKG_REPOSITORY")
            ))
            .ok()
            .map(|href| CodeDescription { href }),
            source: Some("weft".into()),
            message,
            ..Default::default()
        });
    }
    out
}

/// The problems that only show when the tracks are queried (what `weft
/// play` would report), over the cycles `weft check` looks at for unknown
/// sounds: each at its track.
fn playing_problems(program: &lang::program::Program) -> Vec<(SrcSpan, String)> {
    use lang::pattern::{take_query_errors, take_query_warnings, with_work_budget};
    let horizon = program
        .song_length
        .unwrap_or(lang::Time::int(8))
        .min(lang::Time::int(64));
    let mut out = Vec::new();
    take_query_errors();
    take_query_warnings();
    for t in program.audible() {
        with_work_budget(200_000, || t.pattern.query_arc(lang::Time::ZERO, horizon));
        for e in take_query_errors().into_iter().chain(take_query_warnings()) {
            out.push((t.span.clone(), format!("while playing `{}`: {e}", t.name)));
        }
    }
    out
}

/// The section of docs/errors.md that explains a code.
fn errors_doc(code: &str) -> Option<Uri> {
    let section = match code.get(..3)? {
        "E00" | "E01" => "reading-the-source",
        "E02" | "E03" => "evaluating",
        "W00" => "warnings",
        "E04" | "E05" | "W01" | "W02" => "downloading-samples",
        _ => "diagnostics",
    };
    let repo = env!("CARGO_PKG_REPOSITORY");
    Uri::from_str(&format!("{repo}/blob/main/docs/errors.md#{section}")).ok()
}

/// The file a `file:` URI names.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    Some(PathBuf::from(percent_decode(rest)))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&a), Some(&b)) if hex(a).is_some() && hex(b).is_some() => {
                out.push((hex(a).unwrap_or(0) * 16 + hex(b).unwrap_or(0)) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn uri_of(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for c in path.to_string_lossy().chars() {
        match c {
            ' ' => text.push_str("%20"),
            '%' => text.push_str("%25"),
            '#' => text.push_str("%23"),
            '?' => text.push_str("%3F"),
            c => text.push(c),
        }
    }
    Uri::from_str(&text).ok()
}

fn evaluate(src: &str, uri: &Uri) -> lang::program::Evaluation {
    let options = crate::commands::eval_options(path_of(uri));
    lang::program::evaluate_with(src, &options)
}

/// Every documented name (`weft doc`), read once.
fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(stdlib::docs::all)
}

fn lookup(name: &str) -> Vec<&'static Entry> {
    entries()
        .iter()
        .filter(|e| e.name == name || e.aliases.iter().any(|a| a == name))
        .collect()
}

/// The functions whose string argument names a scale, a chord or a sound.
fn string_kinds(call: Option<&str>) -> &'static [Kind] {
    match call {
        Some("scale") => &[Kind::Scale],
        Some("chord" | "voicing" | "voicings" | "chords") => &[Kind::Chord],
        Some("s" | "sound") => &[Kind::Drum, Kind::Instrument],
        _ => &[],
    }
}

fn markdown(text: String) -> Value {
    json!({ "contents": { "kind": "markdown", "value": text } })
}

struct Doc<'a> {
    src: &'a str,
    uri: &'a Uri,
    lines: &'a Lines<'a>,
}

impl Doc<'_> {
    fn defs(&self) -> Vec<Def> {
        analysis::definitions(self.src)
    }

    /// The local definition of `name` (not an import).
    fn local(&self, name: &str) -> Option<Def> {
        let defs = self.defs();
        let found = analysis::flatten(&defs)
            .into_iter()
            .find(|d| d.name == name && d.kind != DefKind::Import)
            .cloned();
        found
    }

    /// The definition of `name` in a file this one imports: its file and
    /// the definition.
    fn imported(&self, name: &str) -> Option<(PathBuf, Def)> {
        let base = path_of(self.uri)?.parent()?.to_path_buf();
        for import in self.defs().iter().filter(|d| d.kind == DefKind::Import) {
            let file = base.join(&import.name);
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let defs = analysis::definitions(&text);
            if let Some(d) = analysis::flatten(&defs)
                .into_iter()
                .find(|d| d.name == name && d.kind != DefKind::Import)
            {
                return Some((file, d.clone()));
            }
        }
        None
    }

    fn hover(&self, offset: usize) -> Value {
        let Some(word) = analysis::word_at(self.src, offset) else {
            return Value::Null;
        };
        let (name, member, kinds): (String, bool, &[Kind]) = match &word {
            Word::Name { name, member, .. } => (name.clone(), *member, &[]),
            Word::InString { word, call, .. } => {
                (word.clone(), false, string_kinds(call.as_deref()))
            }
            Word::String { .. } => return Value::Null,
        };
        if !member {
            if let Some(d) = self.local(&name) {
                return markdown(self.describe(self.src, &d));
            }
        }
        let found: Vec<&Entry> = lookup(&name)
            .into_iter()
            .filter(|e| kinds.is_empty() || kinds.contains(&e.kind))
            .collect();
        if !found.is_empty() {
            let texts: Vec<String> = found.iter().map(|e| e.to_text()).collect();
            return markdown(texts.join("\n---\n"));
        }
        if let Some((file, d)) = self.imported(&name) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            return markdown(format!(
                "{}\n\n(from `{}`)",
                self.describe(&text, &d),
                file.display()
            ));
        }
        if matches!(word, Word::InString { .. }) && self.sample_names().contains(&name) {
            return markdown(format!("`{name}`: a sample known to this program"));
        }
        Value::Null
    }

    /// A local definition shown on hover: its source (for a `let`, the
    /// value) and its `///` comment.
    fn describe(&self, src: &str, d: &Def) -> String {
        let code = match d.kind {
            DefKind::Let => format!("let {} = {}", d.name, d.detail),
            DefKind::Track => format!("{}: {}", d.name, d.detail),
            _ => d.detail.clone(),
        };
        let mut code: String = code.lines().take(12).collect::<Vec<_>>().join("\n");
        if d.detail.lines().count() > 12 {
            code.push_str("\n…");
        }
        let comment = lang::program::doc_comment(src, d.span.start);
        let mut out = format!("```weft\n{code}\n```");
        if !comment.is_empty() {
            out.push_str(&format!("\n\n{comment}"));
        }
        out
    }

    /// Sounds the program can play: the standard library's instruments and
    /// drums, its own instruments, and the samples it loads (or
    /// `--samples` gives) that are known here.
    fn sample_names(&self) -> Vec<String> {
        let ev = evaluate(self.src, self.uri);
        let mut names = stdlib::known_sounds();
        names.extend(ev.program.instruments.iter().map(|i| i.name.clone()));
        let options = crate::commands::eval_options(path_of(self.uri));
        // Source by source: a map not downloaded yet hides only its own names.
        for source in &ev.program.sample_sources {
            if let Some(found) = lang::sample_source::known_names(
                std::slice::from_ref(source),
                options.sample_map_names.as_ref(),
            ) {
                names.extend(found);
            }
        }
        names.sort();
        names.dedup();
        names
    }

    fn completion(&self, offset: usize) -> Value {
        let mut items = Vec::new();
        let item = |label: &str, kind: u32, detail: &str| json!({ "label": label, "kind": kind, "detail": detail });
        // Completion kinds of the protocol.
        const FUNCTION: u32 = 3;
        const FIELD: u32 = 5;
        const VARIABLE: u32 = 6;
        const CLASS: u32 = 7;
        const MODULE: u32 = 9;
        const PROPERTY: u32 = 10;
        const VALUE: u32 = 12;
        const KEYWORD: u32 = 14;
        const METHOD: u32 = 2;
        const ENUM_MEMBER: u32 = 20;
        if let Some((_, call)) = analysis::string_at(self.src, offset) {
            let kinds = string_kinds(call.as_deref());
            for e in entries().iter().filter(|e| kinds.contains(&e.kind)) {
                items.push(item(&e.name, ENUM_MEMBER, e.kind.label()));
            }
            if kinds.contains(&Kind::Instrument) {
                for n in self.sample_names() {
                    if !items.iter().any(|i| i["label"] == n.as_str()) {
                        items.push(item(&n, VALUE, "sound"));
                    }
                }
            }
            return json!(items);
        }
        if analysis::after_dot(self.src, offset) {
            for e in entries() {
                match e.kind {
                    Kind::Function => items.push(item(&e.name, METHOD, &e.summary)),
                    Kind::Control => items.push(item(&e.name, PROPERTY, &e.summary)),
                    _ => {}
                }
            }
            return json!(items);
        }
        for d in analysis::flatten(&self.defs()) {
            let kind = match d.kind {
                DefKind::Let => VARIABLE,
                DefKind::Function | DefKind::Effect => FUNCTION,
                DefKind::Track => FIELD,
                DefKind::Instrument => CLASS,
                DefKind::Section => MODULE,
                DefKind::Import => continue,
            };
            items.push(item(&d.name, kind, &d.detail));
        }
        for e in entries() {
            let kind = match e.kind {
                Kind::Function | Kind::Effect | Kind::Graph => FUNCTION,
                Kind::Control => PROPERTY,
                _ => continue,
            };
            if !items.iter().any(|i| i["label"] == e.name.as_str()) {
                items.push(item(&e.name, kind, &e.summary));
            }
        }
        for k in [
            "let",
            "const",
            "instrument",
            "effect",
            "section",
            "import",
            "function",
            "return",
        ] {
            items.push(item(k, KEYWORD, "keyword"));
        }
        json!(items)
    }

    fn signature(&self, offset: usize) -> Value {
        let Some((name, active)) = analysis::call_at(self.src, offset) else {
            return Value::Null;
        };
        let mut signatures = Vec::new();
        for e in lookup(&name) {
            let params: Vec<&str> = e.params.iter().map(|(p, _)| p.as_str()).collect();
            signatures.push(json!({
                "label": format!("{name}({})", params.join(", ")),
                "documentation": e.summary,
                "parameters": e.params.iter().map(|(p, d)| json!({
                    "label": p, "documentation": d
                })).collect::<Vec<_>>(),
            }));
        }
        if signatures.is_empty() {
            let Some(d) = self.local(&name) else {
                return Value::Null;
            };
            let head = d.detail.lines().next().unwrap_or("").to_string();
            signatures.push(json!({ "label": head, "parameters": [] }));
        }
        json!({
            "signatures": signatures,
            "activeSignature": 0,
            "activeParameter": active,
        })
    }

    fn location(&self, uri: &Uri, lines: &Lines, span: SrcSpan) -> Value {
        json!({ "uri": uri, "range": lines.range(span) })
    }

    fn definition(&self, offset: usize) -> Value {
        let name = match analysis::word_at(self.src, offset) {
            Some(Word::Name {
                name,
                member: false,
                ..
            }) => name,
            Some(Word::InString { word, .. }) => word,
            Some(Word::String { text, span }) => {
                // An import's path: the file.
                let is_import = self
                    .defs()
                    .iter()
                    .any(|d| d.kind == DefKind::Import && d.name_span.start + 1 == span.start);
                let base = path_of(self.uri).and_then(|p| p.parent().map(Path::to_path_buf));
                return match (is_import, base) {
                    (true, Some(base)) => match uri_of(&base.join(text)) {
                        Some(u) => json!({ "uri": u, "range": Lines::new("", false).range(0..0) }),
                        None => Value::Null,
                    },
                    _ => Value::Null,
                };
            }
            _ => return Value::Null,
        };
        if let Some(d) = self.local(&name) {
            return self.location(self.uri, self.lines, d.name_span);
        }
        if let Some((file, d)) = self.imported(&name) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if let Some(u) = uri_of(&file) {
                return self.location(&u, &Lines::new(&text, self.lines.utf8()), d.name_span);
            }
        }
        Value::Null
    }

    /// The name under the cursor and whether its uses in strings count
    /// (an instrument played by `s("…")`).
    fn target(&self, offset: usize) -> Option<(String, Option<Def>)> {
        let name = match analysis::word_at(self.src, offset)? {
            Word::Name {
                name,
                member: false,
                ..
            } => name,
            Word::InString { word, .. } => word,
            _ => return None,
        };
        let def = self.local(&name);
        Some((name, def))
    }

    fn references(&self, offset: usize) -> Value {
        let Some((name, def)) = self.target(offset) else {
            return Value::Null;
        };
        let in_strings = def.as_ref().is_some_and(|d| d.kind == DefKind::Instrument);
        let found: Vec<Value> = analysis::uses(self.src, &name, in_strings)
            .into_iter()
            .map(|s| self.location(self.uri, self.lines, s))
            .collect();
        json!(found)
    }

    fn rename(&self, offset: usize, new_name: &str) -> Result<Value, String> {
        let Some((name, Some(def))) = self.target(offset) else {
            return Err("only a name defined in this file can be renamed".into());
        };
        if def.kind == DefKind::Import {
            return Err("an import cannot be renamed".into());
        }
        let valid = matches!(lex(new_name).as_slice(), [(Token::Ident(n), _)] if *n == new_name);
        if !valid {
            return Err(format!("`{new_name}` is not a name"));
        }
        let in_strings = def.kind == DefKind::Instrument;
        let edits: Vec<Value> = analysis::uses(self.src, &name, in_strings)
            .into_iter()
            .map(|s| json!({ "range": self.lines.range(s), "newText": new_name }))
            .collect();
        let mut changes = serde_json::Map::new();
        changes.insert(self.uri.as_str().to_string(), json!(edits));
        Ok(json!({ "changes": changes }))
    }

    fn symbols(&self) -> Value {
        json!(self
            .defs()
            .iter()
            .map(|d| self.symbol(d))
            .collect::<Vec<_>>())
    }

    fn symbol(&self, d: &Def) -> Value {
        // Symbol kinds of the protocol.
        let kind = match d.kind {
            DefKind::Import => 1,
            DefKind::Section => 3,
            DefKind::Instrument => 5,
            DefKind::Track => 8,
            DefKind::Function | DefKind::Effect => 12,
            DefKind::Let => 13,
        };
        let detail = match d.kind {
            DefKind::Track => "track",
            DefKind::Section => "section",
            DefKind::Instrument => "instrument",
            DefKind::Effect => "effect",
            DefKind::Import => "import",
            DefKind::Let => "let",
            DefKind::Function => "function",
        };
        let span = d.span.start.min(d.name_span.start)..d.span.end.max(d.name_span.end);
        json!({
            "name": d.name,
            "detail": detail,
            "kind": kind,
            "range": self.lines.range(span),
            "selectionRange": self.lines.range(d.name_span.clone()),
            "children": d.children.iter().map(|c| self.symbol(c)).collect::<Vec<_>>(),
        })
    }

    /// Mini-notation inside strings: atoms, numbers and operators.
    fn semantic_tokens(&self) -> Value {
        let mut data = Vec::new();
        let (mut line, mut start) = (0u32, 0u32);
        for content in analysis::mini_strings(self.src) {
            for (span, kind) in analysis::mini_words(self.src, content) {
                let a = self.lines.position(span.start);
                let b = self.lines.position(span.end);
                if a.line != b.line {
                    continue;
                }
                let delta_line = a.line - line;
                let delta_start = if delta_line == 0 {
                    a.character - start
                } else {
                    a.character
                };
                let kind = match kind {
                    MiniKind::Atom => 0,
                    MiniKind::Number => 1,
                    MiniKind::Operator => 2,
                };
                data.extend([delta_line, delta_start, b.character - a.character, kind, 0]);
                (line, start) = (a.line, a.character);
            }
        }
        json!({ "data": data })
    }

    fn formatting(&self) -> Value {
        match lang::format::format_source(self.src) {
            Ok(formatted) if formatted != self.src => json!([{
                "range": self.lines.range(0..self.src.len()),
                "newText": formatted,
            }]),
            _ => json!([]),
        }
    }
}
