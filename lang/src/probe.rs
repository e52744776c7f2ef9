//! Playing a program's first cycles without sound, to find the problems
//! that only show when its tracks are queried (`weft check --cycles`):
//! tracks too dense to play, query errors and warnings (unknown scales or
//! chords, …) and controls whose value is not a number (NaN).

use crate::pattern::{query_within, Budget, State};
use crate::program::Program;
use crate::span::Span;
use crate::time::Time;
use crate::value::Value;

/// A problem found while playing a track.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub track: String,
    pub message: String,
    /// Errors make the track unplayable; warnings do not.
    pub error: bool,
}

/// Queries every audible track of `program`, one cycle at a time, over
/// `[0, cycles)` within the same budget the engine uses, and returns each
/// problem once (in the order found).
pub fn probe_tracks(program: &Program, cycles: Time) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    let mut add = |track: &str, message: String, error: bool| {
        if !out.iter().any(|p| p.track == track && p.message == message) {
            out.push(Problem {
                track: track.to_string(),
                message,
                error,
            });
        }
    };
    let mut nan_seen = std::collections::HashSet::new();
    for t in program.audible() {
        let mut at = Time::ZERO;
        while at < cycles {
            let span = Span::new(at, (at + Time::ONE).min(cycles));
            let q = query_within(&t.pattern, &State::new(span), Budget::for_span(&span));
            for e in q.errors {
                add(&t.name, e, true);
            }
            for w in q.warnings {
                add(&t.name, w, false);
            }
            match q.haps {
                Ok(haps) => {
                    for h in haps.iter().filter(|h| h.has_onset()) {
                        if let Some(name) = nan_control(&h.value) {
                            if nan_seen.insert((t.name.clone(), name.clone())) {
                                let first = h.whole.map_or(h.part.begin, |w| w.begin);
                                add(
                                    &t.name,
                                    format!(
                                        "control `{name}` is not a number (NaN), first at cycle {first}"
                                    ),
                                    false,
                                );
                            }
                        }
                    }
                }
                Err(e) => {
                    let detail = crate::density::too_dense_detail(&e, t.hint.as_ref());
                    add(&t.name, format!("too dense: {detail}"), true);
                    break;
                }
            }
            at = at + Time::ONE;
        }
    }
    out
}

/// The first control of an event whose value is NaN.
fn nan_control(v: &Value) -> Option<String> {
    match v {
        Value::Num(x) if x.is_nan() => Some("value".into()),
        Value::Map(m) => {
            m.0.iter()
                .find(|(_, v)| matches!(v, Value::Num(x) if x.is_nan()))
                .map(|(k, _)| k.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(src: &str) -> Vec<(String, bool)> {
        let (program, _) = crate::program::evaluate(src);
        probe_tracks(&program, Time::int(2))
            .into_iter()
            .map(|p| (format!("{}: {}", p.track, p.message), p.error))
            .collect()
    }

    #[test]
    fn dense_tracks_and_nan_controls_are_found_under_their_track() {
        let found = problems(
            "a: s(\"bd*4\")\nbad: note(\"[a _ _ b]*99999999\")\nn: note(\"c\").lpf(0/0)\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0]
            .0
            .starts_with("bad: too dense: far more than 20,000 events"));
        assert!(found[0].0.contains("(`*99999999` at 2:21)"), "{found:?}");
        assert!(found[0].1);
        assert_eq!(
            found[1],
            (
                "n: control `cutoff` is not a number (NaN), first at cycle 0".to_string(),
                false
            )
        );
    }
}
