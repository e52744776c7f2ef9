//! Documentation of everything a program can name: the language's library
//! (`lang::docs`) plus the standard library's instruments.

use lang::docs::{Entry, Kind};

/// Every documented name.
pub fn all() -> Vec<Entry> {
    let mut out = lang::docs::all();
    for inst in crate::instruments() {
        if out.iter().any(|e| e.name == inst.name) {
            continue;
        }
        out.push(Entry {
            name: inst.name.clone(),
            aliases: Vec::new(),
            kind: Kind::Instrument,
            category: "Instruments".into(),
            summary: format!("Instrument: {}", inst.graph),
            params: inst
                .params
                .iter()
                .map(|(p, d)| (p.clone(), format!("default {d}")))
                .collect(),
            example: format!("note(\"c3 e3 g3\").s(\"{}\")", inst.name),
        });
    }
    out
}
