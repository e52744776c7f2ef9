//! Drawing a [`Snapshot`] into a ratatui frame: a pure function of the
//! snapshot, so that frames can be checked in tests.

use super::lanes::{window, Lane};
use super::meters::{db, Meter};
use super::spectrum::{column_hz, Spectrum, FLOOR_DB};
use super::{Line as Message, Snapshot, TrackView, View, HELP, PROMPT_HELP};
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// How sounding atoms are shown in the code.
const LIT: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Yellow)
    .add_modifier(Modifier::BOLD);
const DIM: Style = Style::new().fg(Color::DarkGray);
/// Width of a lane's row labels.
const LABEL: usize = 5;
/// Rows of a tall lane at most.
const TALL_ROWS: usize = 8;

/// Draws the whole view.
pub fn draw(frame: &mut Frame, s: &Snapshot) {
    let area = frame.area();
    let prompt_rows = u16::from(s.prompt.is_some());
    let [header, body, prompt, help] = split_v(
        area,
        [
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(prompt_rows),
            Constraint::Length(1),
        ],
    );
    frame.render_widget(Paragraph::new(header_line(s)), header);
    match s.view {
        View::All => {
            let [top, bottom] = split_v(body, [Constraint::Min(3), Constraint::Length(7)]);
            let [code, tracks] = split_h(
                top,
                [Constraint::Percentage(50), Constraint::Percentage(50)],
            );
            draw_code(frame, s, code);
            draw_tracks(frame, s, tracks);
            let [master, messages] = split_h(
                bottom,
                [Constraint::Percentage(50), Constraint::Percentage(50)],
            );
            draw_master(frame, s, master);
            draw_messages(frame, &s.messages, messages);
        }
        View::Code => draw_code(frame, s, body),
        View::Tracks => draw_tracks(frame, s, body),
    }
    if let Some((text, cursor)) = &s.prompt {
        let style = if s.prompt_focus { Style::new() } else { DIM };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("weft> ", style.add_modifier(Modifier::BOLD)),
                Span::styled(text.as_str(), style),
            ])),
            prompt,
        );
        if s.prompt_focus {
            let x = prompt.x + 6 + *cursor as u16;
            frame.set_cursor_position((x.min(prompt.right().saturating_sub(1)), prompt.y));
        }
    }
    let keys = if s.prompt.is_some() && s.prompt_focus {
        PROMPT_HELP
    } else {
        HELP
    };
    frame.render_widget(Paragraph::new(Span::styled(keys, DIM)), help);
}

fn split_v<const N: usize>(area: Rect, c: [Constraint; N]) -> [Rect; N] {
    Layout::default()
        .direction(Direction::Vertical)
        .constraints(c)
        .split(area)
        .as_ref()
        .try_into()
        .unwrap_or([area; N])
}

fn split_h<const N: usize>(area: Rect, c: [Constraint; N]) -> [Rect; N] {
    Layout::default()
        .direction(Direction::Horizontal)
        .constraints(c)
        .split(area)
        .as_ref()
        .try_into()
        .unwrap_or([area; N])
}

/// The top line: what plays, where in it, how fast, how well.
fn header_line(s: &Snapshot) -> Line<'static> {
    let c = &s.clock;
    let mut text = format!(
        "▶ {}  {}  cycle {:.2}  {:.1} bpm",
        s.title,
        c.bar_beat(),
        c.cycle,
        c.bpm
    );
    if let Some(sec) = &c.section {
        text.push_str(&format!("  [{sec}]"));
    }
    text.push_str(&format!(
        "  {} voices  cpu {:>3.0}%  xruns {}",
        c.voices,
        c.load * 100.0,
        c.xruns
    ));
    if !c.keys.is_empty() {
        text.push_str(&format!("  keys {}", c.keys.join("+")));
    }
    Line::from(Span::styled(
        text,
        Style::new().add_modifier(Modifier::REVERSED),
    ))
}

/// The program's text, the sounding atoms lit, scrolled so that the
/// first of them is in view.
fn draw_code(frame: &mut Frame, s: &Snapshot, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" code ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = code_lines(&s.source, &s.active);
    let first_lit = s
        .active
        .iter()
        .map(|(a, _)| s.source[..(*a).min(s.source.len())].matches('\n').count())
        .min()
        .unwrap_or(0);
    let height = inner.height as usize;
    let scroll = if first_lit >= height {
        first_lit + 1 - height / 2
    } else {
        0
    };
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The source as lines of spans, the bytes inside `active` ranges lit.
pub fn code_lines(source: &str, active: &[(usize, usize)]) -> Vec<Line<'static>> {
    let lit = |i: usize| active.iter().any(|(a, b)| i >= *a && i < *b);
    let mut out = Vec::new();
    let mut offset = 0;
    for line in source.split('\n') {
        let mut spans: Vec<Span<'static>> = Vec::new();
        let mut run = String::new();
        let mut run_lit = false;
        for (i, ch) in line.char_indices() {
            let l = lit(offset + i);
            if l != run_lit && !run.is_empty() {
                spans.push(styled_run(std::mem::take(&mut run), run_lit));
            }
            run_lit = l;
            run.push(if ch == '\t' { ' ' } else { ch });
        }
        if !run.is_empty() {
            spans.push(styled_run(run, run_lit));
        }
        out.push(Line::from(spans));
        offset += line.len() + 1;
    }
    out
}

fn styled_run(text: String, lit: bool) -> Span<'static> {
    if lit {
        Span::styled(text, LIT)
    } else {
        Span::raw(text)
    }
}

/// Rows a track takes: its header line and its lane.
fn track_height(t: &TrackView) -> usize {
    1 + if t.tall {
        t.lane.rows.len().clamp(1, TALL_ROWS)
    } else {
        1
    }
}

/// One block per track: name, state, meter, lane.
fn draw_tracks(frame: &mut Frame, s: &Snapshot, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" tracks ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let now = s.clock.cycle;
    let mut lines: Vec<Line> = Vec::new();
    for (i, t) in s.tracks.iter().enumerate() {
        if lines.len() + track_height(t) > inner.height as usize && !lines.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("… {} more", s.tracks.len() - i),
                DIM,
            )));
            break;
        }
        lines.push(track_header(t, i, i == s.selected, inner.width as usize));
        lines.extend(lane_lines(&t.lane, t.tall, now, inner.width as usize));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn track_header(t: &TrackView, i: usize, selected: bool, width: usize) -> Line<'static> {
    let marker = if selected { "▸" } else { " " };
    let state = match (t.muted, t.solo) {
        (true, _) => " MUTE",
        (false, true) => " SOLO",
        _ => "",
    };
    let name = format!("{marker}{} {}{state} ", i + 1, t.name);
    let bar_width = width.saturating_sub(name.chars().count() + 8).min(24);
    let mut spans = vec![Span::styled(
        name,
        if t.muted {
            DIM
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        },
    )];
    spans.extend(meter_spans(&t.meter, bar_width));
    Line::from(spans)
}

/// A horizontal meter: RMS filled, peak marked, "CLIP" while held.
pub fn meter_spans(m: &Meter, width: usize) -> Vec<Span<'static>> {
    let cells = |x: f32| (((db(x) + 60.0) / 60.0).clamp(0.0, 1.0) * width as f32).round() as usize;
    let rms = cells(m.rms);
    let peak = cells(m.peak).max(rms);
    let mut bar = String::new();
    for i in 0..width {
        bar.push(if i < rms {
            '█'
        } else if i + 1 == peak {
            '▌'
        } else {
            '·'
        });
    }
    let colour = if m.clip {
        Color::Red
    } else if db(m.peak) > -6.0 {
        Color::Yellow
    } else {
        Color::Green
    };
    let mut spans = vec![Span::styled(bar, Style::new().fg(colour))];
    spans.push(Span::raw(format!(" {:>3.0}", db(m.peak))));
    if m.clip {
        spans.push(Span::styled(
            " CLIP",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    spans
}

/// A lane over the window around `now`, the playhead in the middle:
/// one row per sound or pitch when tall, all in one row when compact.
pub fn lane_lines(lane: &Lane, tall: bool, now: f64, width: usize) -> Vec<Line<'static>> {
    let cols = width.saturating_sub(LABEL + 1).max(4);
    let (from, to) = window(now);
    let col = |x: f64| ((x - from) / (to - from) * cols as f64).floor();
    let playhead = cols / 2;
    let rows = if tall {
        lane.rows.len().clamp(1, TALL_ROWS)
    } else {
        1
    };
    let mut grid = vec![vec![(' ', false); cols]; rows];
    for n in &lane.notes {
        let row = if tall { n.row.min(rows - 1) } else { 0 };
        let (a, b) = (col(n.begin), col(n.end));
        if b < 0.0 || a >= cols as f64 {
            continue;
        }
        let sounding = n.begin <= now && now < n.end;
        let first = a.max(0.0) as usize;
        let last = ((b as i64 - 1).max(a as i64)).clamp(0, cols as i64 - 1) as usize;
        for (c, cell) in grid[row].iter_mut().enumerate().take(last + 1).skip(first) {
            let ch = if c == first && a >= 0.0 { '▐' } else { '█' };
            *cell = (ch, sounding || cell.1);
        }
    }
    grid.into_iter()
        .enumerate()
        .map(|(r, cells)| {
            let label = if tall {
                lane.rows.get(r).cloned().unwrap_or_default()
            } else {
                String::new()
            };
            let label: String = label.chars().take(LABEL).collect();
            let mut spans = vec![Span::styled(format!("{label:>LABEL$} "), DIM)];
            for (c, (ch, sounding)) in cells.into_iter().enumerate() {
                let (ch, style) = match (ch, sounding, c == playhead) {
                    (' ', _, true) => ('│', DIM),
                    (' ', _, false) => ('·', Style::new().fg(Color::Rgb(60, 60, 60))),
                    (ch, true, _) => (ch, Style::new().fg(Color::Yellow)),
                    (ch, false, _) => (ch, Style::new().fg(Color::Cyan)),
                };
                spans.push(Span::styled(ch.to_string(), style));
            }
            Line::from(spans)
        })
        .collect()
}

/// The master's meter and the scope (or spectrum), of the master or of
/// the track the title names.
fn draw_master(frame: &mut Frame, s: &Snapshot, area: Rect) {
    let what = if s.spectrum.is_some() {
        "spectrum"
    } else {
        "scope"
    };
    let title = match (&s.scope_of, &s.spectrum) {
        (Some(t), _) => format!(" master · {what} of {t} "),
        (None, Some(_)) => " master · spectrum ".to_string(),
        (None, None) => " master ".to_string(),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let width = inner.width as usize;
    let mut lines = vec![Line::from(meter_spans(&s.master, width.saturating_sub(10)))];
    let height = inner.height.saturating_sub(1) as usize;
    match &s.spectrum {
        Some(spec) => lines.extend(spectrum_lines(spec, width, height)),
        None => lines.extend(scope_lines(&s.scope, width, height)),
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The spectrum: one bar per column, frequencies on a logarithmic axis
/// from 20 Hz to 20 kHz, levels from −90 dBFS (empty) to 0 (full), in
/// eighths of a row.
pub fn spectrum_lines(spec: &Spectrum, width: usize, height: usize) -> Vec<Line<'static>> {
    const EIGHTHS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if height == 0 || width == 0 {
        return Vec::new();
    }
    let bars: Vec<(usize, Color)> = (0..width)
        .map(|c| {
            let (lo, hi) = column_hz(c, width);
            let db = spec.level(lo, hi);
            let fill = ((db - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0);
            let colour = if db > -6.0 {
                Color::Red
            } else if db > -18.0 {
                Color::Yellow
            } else {
                Color::Cyan
            };
            ((fill * (height * 8) as f32).round() as usize, colour)
        })
        .collect();
    (0..height)
        .map(|r| {
            // Eighths below this row (rows counted from the top).
            let below = (height - 1 - r) * 8;
            Line::from(
                bars.iter()
                    .map(|(h, colour)| {
                        let ch = EIGHTHS[h.saturating_sub(below).min(8)];
                        Span::styled(ch.to_string(), Style::new().fg(*colour))
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// The scope: the samples drawn as dots, one column each (scaled up so
/// that quiet signals still show).
pub fn scope_lines(samples: &[f32], width: usize, height: usize) -> Vec<Line<'static>> {
    if height == 0 || width == 0 {
        return Vec::new();
    }
    let mut grid = vec![vec![' '; width]; height];
    if !samples.is_empty() {
        let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs())).max(0.05);
        for (c, column) in (0..width).map(|c| (c, c * samples.len() / width)) {
            let x = (samples[column] / peak).clamp(-1.0, 1.0);
            let row = ((1.0 - x) * 0.5 * (height - 1) as f32).round() as usize;
            grid[row.min(height - 1)][c] = '•';
        }
    }
    grid.into_iter()
        .map(|r| {
            Line::from(Span::styled(
                r.into_iter().collect::<String>(),
                Style::new().fg(Color::Green),
            ))
        })
        .collect()
}

/// The last messages, newest at the bottom.
fn draw_messages(frame: &mut Frame, messages: &[Message], area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" messages ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let n = inner.height as usize;
    let lines: Vec<Line> = messages
        .iter()
        .flat_map(|m| {
            m.text
                .lines()
                .map(|l| {
                    Line::from(vec![
                        Span::styled(format!("{} ", m.time), DIM),
                        Span::raw(l.to_string()),
                    ])
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let skip = lines.len().saturating_sub(n);
    frame.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()),
        inner,
    );
}
