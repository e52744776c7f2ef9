//! Frames of the dashboard, drawn into ratatui's `TestBackend` and read
//! back cell by cell: the lit atoms, the lanes and their playhead, the
//! meters, the help line and the prompt.

use super::lanes::{Lane, LaneNote};
use super::meters::Meter;
use super::*;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;

fn frame(s: &Snapshot, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render::draw(f, s)).unwrap();
    t.backend().buffer().clone()
}

fn row_text(b: &Buffer, y: u16) -> String {
    (0..b.area.width)
        .map(|x| b[(x, y)].symbol().to_string())
        .collect()
}

/// Where `needle` first appears: (x, y) of its first cell.
fn find(b: &Buffer, needle: &str) -> Option<(u16, u16)> {
    (0..b.area.height).find_map(|y| {
        let row: Vec<String> = (0..b.area.width)
            .map(|x| b[(x, y)].symbol().to_string())
            .collect();
        let n: Vec<String> = needle.chars().map(|c| c.to_string()).collect();
        row.windows(n.len())
            .position(|w| w == n.as_slice())
            .map(|x| (x as u16, y))
    })
}

fn program_snapshot() -> Snapshot {
    let source = "bpm(120)\ndrums: s(\"bd sd\")\n".to_string();
    let sd = source.find("sd").unwrap();
    Snapshot {
        title: "live.weft".into(),
        active: vec![(sd, sd + 2)],
        source,
        tracks: vec![
            TrackView {
                name: "drums".into(),
                lane: Lane {
                    rows: vec!["bd".into(), "sd".into()],
                    notes: vec![
                        LaneNote {
                            row: 0,
                            begin: 2.0,
                            end: 2.5,
                        },
                        LaneNote {
                            row: 1,
                            begin: 2.5,
                            end: 3.0,
                        },
                    ],
                },
                meter: Meter {
                    peak: 0.5,
                    rms: 0.25,
                    clip: false,
                },
                ..TrackView::default()
            },
            TrackView {
                name: "bass".into(),
                muted: true,
                tall: true,
                lane: Lane {
                    rows: vec!["c3".into(), "g2".into()],
                    notes: vec![LaneNote {
                        row: 1,
                        begin: 3.0,
                        end: 4.0,
                    }],
                },
                ..TrackView::default()
            },
        ],
        master: Meter {
            peak: 1.0,
            rms: 0.5,
            clip: true,
        },
        scope: (0..256).map(|i| (i as f32 / 10.0).sin()).collect(),
        clock: Clock {
            cycle: 2.75,
            beats_per_cycle: 4.0,
            bpm: 120.0,
            section: Some("verse".into()),
            voices: 3,
            load: 0.25,
            xruns: 0,
            keys: vec![],
        },
        messages: vec![Line {
            time: "21:03:07".into(),
            text: "✓ cycle 2: ~drums".into(),
        }],
        ..Snapshot::default()
    }
}

#[test]
fn the_atoms_sounding_now_are_lit_in_the_code() {
    let b = frame(&program_snapshot(), 120, 30);
    let (x, y) = find(&b, "s(\"bd sd\")").expect("the code is shown");
    let bd = (x + 3, y);
    let sd = (x + 6, y);
    assert_eq!(b[sd].symbol(), "s");
    assert_eq!(b[sd].bg, Color::Yellow, "the sounding atom is lit");
    assert_eq!(b[(sd.0 + 1, y)].bg, Color::Yellow);
    assert_ne!(b[bd].bg, Color::Yellow, "a silent atom is not");
    assert_ne!(
        b[(sd.0 + 2, y)].bg,
        Color::Yellow,
        "the quote after it is not"
    );
}

#[test]
fn the_header_shows_the_clock_and_the_engine() {
    let b = frame(&program_snapshot(), 120, 30);
    let top = row_text(&b, 0);
    assert!(top.contains("live.weft"), "{top}");
    assert!(top.contains("bar 3.4"), "{top}");
    assert!(top.contains("120.0 bpm"), "{top}");
    assert!(top.contains("[verse]"), "{top}");
    assert!(top.contains("3 voices"), "{top}");
    assert!(top.contains("cpu  25%"), "{top}");
}

#[test]
fn a_lane_shows_events_around_the_playhead() {
    let lane = program_snapshot().tracks[0].lane.clone();
    // Compact: one row; the window is cycles 0.75..4.75, the playhead at
    // 2.75 in the middle, inside the `sd` event (2.5..3), which is lit.
    let lines = render::lane_lines(&lane, false, 2.75, 46);
    assert_eq!(lines.len(), 1);
    let cells: Vec<(String, Option<Color>)> = lines[0]
        .spans
        .iter()
        .skip(1)
        .map(|s| (s.content.to_string(), s.style.fg))
        .collect();
    assert_eq!(cells.len(), 40);
    let text: String = cells.iter().map(|c| c.0.as_str()).collect();
    // 10 columns per cycle: bd at 2.0 is column 12, sd at 2.5 column 17.
    assert_eq!(&text[..], "············▐████▐████··················");
    assert_eq!(cells[20].1, Some(Color::Yellow), "the event sounding now");
    assert_eq!(cells[12].1, Some(Color::Cyan), "an event already over");
    // Empty at the playhead: the playhead line shows.
    let later = render::lane_lines(&lane, false, 4.0, 46);
    let text: String = later[0]
        .spans
        .iter()
        .skip(1)
        .map(|s| s.content.to_string())
        .collect();
    assert_eq!(text.chars().nth(20), Some('│'), "{text}");
}

#[test]
fn tall_lanes_have_a_row_per_pitch_or_sound() {
    let s = program_snapshot();
    let lines = render::lane_lines(&s.tracks[1].lane, true, 2.75, 46);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].spans[0].content, "   c3 ");
    assert_eq!(lines[1].spans[0].content, "   g2 ");
    let b = frame(&s, 120, 30);
    let (_, y) = find(&b, "2 bass MUTE").expect("the muted track says so");
    assert!(row_text(&b, y + 1).contains("c3"));
    assert!(row_text(&b, y + 2).contains("g2"));
}

#[test]
fn meters_fill_with_the_level_and_hold_a_clip() {
    let spans = render::meter_spans(
        &Meter {
            peak: 0.5,
            rms: 0.1,
            clip: false,
        },
        30,
    );
    // −20 dB RMS fills two thirds of a 60 dB scale; −6 dB peak is marked.
    let bar = spans[0].content.to_string();
    assert_eq!(bar.chars().filter(|c| *c == '█').count(), 20, "{bar}");
    assert_eq!(bar.chars().position(|c| c == '▌'), Some(26), "{bar}");
    assert_eq!(spans[1].content, "  -6");
    assert_eq!(spans.len(), 2, "no clip");
    let b = frame(&program_snapshot(), 120, 30);
    let (_, y) = find(&b, " master ").unwrap();
    assert!(
        row_text(&b, y + 1).contains("CLIP"),
        "{}",
        row_text(&b, y + 1)
    );
}

#[test]
fn the_scope_draws_the_wave() {
    let wave: Vec<f32> = (0..64).map(|i| if i < 32 { 1.0 } else { -1.0 }).collect();
    let lines = render::scope_lines(&wave, 8, 3);
    let rows: Vec<String> = lines
        .iter()
        .map(|l| l.spans[0].content.to_string())
        .collect();
    assert_eq!(rows, ["••••    ", "        ", "    ••••"]);
}

#[test]
fn the_help_line_and_the_messages_are_shown() {
    let b = frame(&program_snapshot(), 120, 30);
    assert_eq!(row_text(&b, 29).trim_end(), HELP);
    assert!(find(&b, "21:03:07 ✓ cycle 2: ~drums").is_some());
}

#[test]
fn the_prompt_sits_at_the_bottom() {
    let mut s = program_snapshot();
    s.prompt = Some(("note(\"c e\")".into(), 4));
    s.prompt_focus = true;
    let b = frame(&s, 120, 30);
    assert!(row_text(&b, 28).starts_with("weft> note(\"c e\")"));
    assert_eq!(row_text(&b, 29).trim_end(), PROMPT_HELP);
}

#[test]
fn the_code_scrolls_to_what_plays() {
    let mut source = String::new();
    for i in 0..80 {
        source.push_str(&format!("// line {i}\n"));
    }
    let at = source.len() + 3;
    source.push_str("a: s(\"hh\")\n");
    let s = Snapshot {
        source,
        active: vec![(at + 3, at + 5)],
        ..Snapshot::default()
    };
    let b = frame(&s, 100, 30);
    assert!(
        find(&b, "a: s(\"hh\")").is_some(),
        "the lit line is in view"
    );
    assert!(find(&b, "// line 0").is_none());
}

#[test]
fn other_views_show_the_code_or_the_tracks_alone() {
    let mut s = program_snapshot();
    s.view = View::Code;
    let b = frame(&s, 120, 30);
    assert!(find(&b, " code ").is_some());
    assert!(find(&b, " tracks ").is_none());
    s.view = View::Tracks;
    let b = frame(&s, 120, 30);
    assert!(find(&b, " code ").is_none());
    assert!(find(&b, "1 drums").is_some());
}

#[test]
fn lanes_sort_events_by_pitch_and_sound() {
    use lang::program::evaluate;
    let (p, _) = evaluate("a: stack(note(\"c4 e4\"), s(\"bd hh\"))");
    let haps = p.tracks[0]
        .pattern
        .query_arc(lang::Time::ZERO, lang::Time::ONE);
    let lane = Lane::from_haps(&haps, &Default::default());
    assert_eq!(lane.rows, ["e4", "c4", "bd", "hh"]);
    let mut rows: Vec<(usize, f64)> = lane.notes.iter().map(|n| (n.row, n.begin)).collect();
    rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(rows, [(0, 0.5), (1, 0.0), (2, 0.0), (3, 0.5)]);
}

/// The rows of the master's panel under its meter: (left border, right
/// border, first row, bottom border), found from the title at (x, y).
fn panel(b: &Buffer, (x, y): (u16, u16)) -> (u16, u16, u16, u16) {
    let left = (0..=x).rev().find(|&i| b[(i, y + 1)].symbol() == "│");
    let right = (x..b.area.width).find(|&i| b[(i, y + 1)].symbol() == "│");
    let (left, right) = (left.unwrap(), right.unwrap());
    let bottom = (y + 1..b.area.height)
        .find(|&r| b[(left, r)].symbol() == "└")
        .unwrap();
    (left, right, y + 2, bottom)
}

#[test]
fn a_sine_peaks_in_its_column_of_the_spectrum() {
    let sr = 48000.0;
    let hz = 960.0;
    let wave: Vec<f32> = (0..spectrum::FFT_LEN)
        .map(|i| 0.5 * (std::f32::consts::TAU * hz * i as f32 / sr).sin())
        .collect();
    let mut s = program_snapshot();
    s.scope_of = Some("bass".into());
    s.spectrum = Some(spectrum::Analyzer::default().spectrum(&wave, sr));
    let b = frame(&s, 120, 30);
    let title = find(&b, " master · spectrum of bass ").expect("the title says whose");
    let (left, right, top, bottom) = panel(&b, title);
    // Each column's bar, in eighths of a row.
    let eighths = |sym: &str| {
        [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
            .iter()
            .position(|e| *e == sym)
            .unwrap_or_else(|| panic!("not a bar: {sym:?}"))
    };
    let bars: Vec<usize> = (left + 1..right)
        .map(|x| (top..bottom).map(|y| eighths(b[(x, y)].symbol())).sum())
        .collect();
    // 20 Hz to 20 kHz over the panel's width, logarithmically.
    let width = bars.len() as f32;
    let expected = (width * (hz / 20.0).ln() / 1000f32.ln()).floor() as usize;
    let (peak, tallest) = bars.iter().enumerate().max_by_key(|(_, h)| **h).unwrap();
    assert_eq!(peak, expected, "{bars:?}");
    // −6 dBFS on a scale of −90..0 over 4 rows.
    let full = (bottom - top) as usize * 8;
    assert!(
        (*tallest as f32 - full as f32 * 84.0 / 90.0).abs() <= 2.0,
        "{tallest} of {full}"
    );
    assert!(
        bars.iter().filter(|h| **h + 4 >= *tallest).count() == 1,
        "{bars:?}"
    );
    // Far from the sine, the bars stay low.
    assert!(
        bars[..expected / 2].iter().all(|h| *h < full / 3),
        "{bars:?}"
    );
}

#[test]
fn the_title_names_the_track_whose_scope_is_shown() {
    let mut s = program_snapshot();
    let b = frame(&s, 120, 30);
    assert!(find(&b, " master ").is_some());
    assert!(find(&b, "scope of").is_none(), "the master's own scope");
    s.scope_of = Some("drums".into());
    let b = frame(&s, 120, 30);
    let title = find(&b, " master · scope of drums ").expect("the title names the track");
    let (left, right, top, bottom) = panel(&b, title);
    // The wave is drawn under the meter.
    let dots = (top..bottom)
        .flat_map(|y| (left + 1..right).map(move |x| (x, y)))
        .filter(|p| b[*p].symbol() == "•")
        .count();
    assert_eq!(dots, (right - left - 1) as usize, "one dot a column");
}

#[test]
fn entries_typed_in_the_view_go_to_the_history_file() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use terminal::LineEditor;
    let dir = std::env::temp_dir().join(format!("weft-view-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("history");
    let history = || crate::live::repl::HistoryFile::at(Some(path.clone()));
    let key = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    let mut ed = LineEditor::with_file(history());
    for c in "s(\"bd\"".chars() {
        ed.key(&key(KeyCode::Char(c)));
    }
    // An open bracket continues the entry on a new line.
    assert_eq!(ed.key(&key(KeyCode::Enter)), None);
    ed.key(&key(KeyCode::Char(')')));
    assert_eq!(
        ed.key(&key(KeyCode::Enter)),
        Some("s(\"bd\"\n)".to_string())
    );
    assert_eq!(history().entries(), ["s(\"bd\"\n)"]);
    // The next session's prompt walks back to it.
    let mut next = LineEditor::with_file(history());
    next.key(&key(KeyCode::Up));
    assert_eq!(next.shown(), "s(\"bd\"⏎)");
    let _ = std::fs::remove_dir_all(&dir);
}
