//! Tracks too dense to play and the problems of one track: an offline
//! render fails with one message naming the track and the cause, never
//! with late notes; a track's warnings are reported under that track only.

mod common;

use common::render_cycles;
use engine::engine::Message;

#[test]
fn a_too_dense_track_fails_the_render_with_its_cause_and_nothing_is_late() {
    let r = render_cycles(
        "a: note(\"c3*4\").s(\"tone\")\nbad: note(\"[a _ _ b]*99999999\").s(\"tone\")",
        4,
    );
    let dense: Vec<_> = r
        .messages
        .iter()
        .filter_map(|m| match m {
            Message::TooDense { track, message } => Some((track.clone(), message.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(dense.len(), 1, "{:?}", r.messages);
    assert_eq!(dense[0].0, "bad");
    assert!(
        dense[0].1.starts_with("track `bad` is too dense")
            && dense[0].1.contains("`*99999999` at "),
        "{}",
        dense[0].1
    );
    assert!(
        !r.messages.iter().any(|m| matches!(m, Message::Late { .. })),
        "{:?}",
        r.messages
    );
}

#[test]
fn a_warning_is_reported_under_the_track_that_caused_it() {
    let r = render_cycles(
        "a: note(\"c3*4\").s(\"tone\")\nc: n(\"0 2\").scale(\"C:nosuchscale\").s(\"tone\")\nd: note(\"e3\").s(\"tone\")",
        2,
    );
    let tracks: Vec<&str> = r
        .messages
        .iter()
        .filter_map(|m| match m {
            Message::QueryError { track, .. } => Some(track.as_str()),
            _ => None,
        })
        .collect();
    assert!(!tracks.is_empty(), "{:?}", r.messages);
    assert!(tracks.iter().all(|t| *t == "c"), "{:?}", r.messages);
}
