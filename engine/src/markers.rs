//! Where things are in a render: the starts of a song's sections (as WAV
//! cue markers and SMF markers), and whether N cycles make a whole loop.

use crate::tempo::unrolled_changes;
use lang::program::Program;
use lang::Time;

/// Most markers written to one file.
pub const MAX_MARKERS: usize = 10_000;

/// The starts of the song's sections within the first `length` cycles,
/// with their names, in order (the song repeats after its length).
pub fn section_starts(program: &Program, length: Time) -> Vec<(Time, String)> {
    let Some(song) = program.song_length.filter(|l| *l > Time::ZERO) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut base = Time::ZERO;
    while base < length && out.len() < MAX_MARKERS {
        for s in &program.sections {
            let at = base + s.start;
            if at < length && out.len() < MAX_MARKERS {
                out.push((at, s.name.clone()));
            }
        }
        base = base + song;
    }
    out
}

/// Why `--loop` cannot make a loop of a program.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopError(pub String);

impl std::fmt::Display for LoopError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks that `cycles` cycles of `program` repeat as a whole: a whole
/// number of cycles (or of songs), and one tempo all the way unless the
/// loop is the song itself (or several of it), whose tempo changes come
/// round again.
pub fn check_loop(program: &Program, cycles: Time) -> Result<(), LoopError> {
    let songs = program
        .song_length
        .filter(|l| *l > Time::ZERO)
        .map(|l| cycles / l);
    let whole_songs = songs.is_some_and(|n| n.denom() == 1);
    if cycles.denom() != 1 && !whole_songs {
        return Err(LoopError(format!(
            "a loop is a whole number of cycles, not {cycles}: the pattern would not line up when it repeats"
        )));
    }
    if whole_songs {
        return Ok(());
    }
    let changes = unrolled_changes(program.cps, &program.tempo_changes, program.song_length);
    let start = changes
        .iter()
        .rfind(|c| c.at <= Time::ZERO)
        .map_or(program.cps, |c| c.cps);
    if let Some(c) = changes
        .iter()
        .find(|c| c.at > Time::ZERO && c.at < cycles && c.cps != start)
    {
        let bpm = |cps: f64| cps * 60.0 * program.beats_per_cycle;
        let hint = match program.song_length {
            Some(l) => format!(
                "; loop the whole song (--song, or --cycles {l} or a multiple), whose tempo comes round again"
            ),
            None => "; loop a part with one tempo (fewer --cycles)".to_string(),
        };
        return Err(LoopError(format!(
            "the tempo changes at cycle {} (from {:.4} to {:.4} BPM) and the loop would end at another tempo than it starts{hint}",
            c.at,
            bpm(start),
            bpm(c.cps)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lang::program::{SectionInfo, TempoChange};

    fn song() -> Program {
        Program {
            sections: vec![
                SectionInfo {
                    name: "intro".into(),
                    start: Time::ZERO,
                    length: Time::int(4),
                },
                SectionInfo {
                    name: "verse".into(),
                    start: Time::int(4),
                    length: Time::int(8),
                },
            ],
            song_length: Some(Time::int(12)),
            ..Program::default()
        }
    }

    #[test]
    fn sections_repeat_with_the_song() {
        let starts = section_starts(&song(), Time::int(20));
        let at: Vec<(i64, &str)> = starts
            .iter()
            .map(|(t, n)| (t.numer(), n.as_str()))
            .collect();
        assert_eq!(
            at,
            [(0, "intro"), (4, "verse"), (12, "intro"), (16, "verse")]
        );
        assert!(section_starts(&Program::default(), Time::int(8)).is_empty());
    }

    #[test]
    fn loops_must_come_round_whole() {
        let mut p = song();
        assert!(check_loop(&p, Time::int(4)).is_ok());
        p.tempo_changes = vec![TempoChange {
            at: Time::int(4),
            cps: 0.6,
        }];
        // Inside the intro the tempo does not change.
        assert!(check_loop(&p, Time::int(4)).is_ok());
        let e = check_loop(&p, Time::int(8)).unwrap_err().0;
        assert!(e.contains("tempo changes at cycle 4"), "{e}");
        assert!(check_loop(&p, Time::int(12)).is_ok());
        assert!(check_loop(&p, Time::int(24)).is_ok());
        let e = check_loop(&Program::default(), Time::new(3, 2))
            .unwrap_err()
            .0;
        assert!(e.contains("whole number"), "{e}");
    }
}
