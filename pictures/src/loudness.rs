//! Loudness over time, for a mix report: a render's short-term loudness
//! (EBU R128, 3 s window) as a curve, with its integrated loudness and the
//! delivery target as lines — where a master is too loud, too quiet or
//! uneven shows at a glance.

use crate::plot::nice_step;
use crate::svg::{num, Anchor, Svg};

/// What the picture shows.
pub struct LoudnessCurve<'a> {
    /// Short-term loudness (LUFS) every `step` seconds; `-inf` in silence.
    pub short_term: &'a [f64],
    /// Seconds between two values.
    pub step: f64,
    /// Integrated loudness of the whole render (LUFS).
    pub integrated: f64,
    /// The target's integrated loudness, with its name.
    pub target: Option<(f64, &'a str)>,
    /// A heading (e.g. the file's name).
    pub title: &'a str,
}

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 40.0;
/// Nothing quieter is drawn: silence sits at the bottom edge.
const FLOOR_LUFS: f64 = -60.0;

/// The picture as SVG text; an error when there is nothing to draw.
pub fn loudness_svg(c: &LoudnessCurve) -> Result<String, String> {
    if c.short_term.is_empty() || c.step.is_nan() || c.step <= 0.0 {
        return Err("no loudness to draw: the render is shorter than one step".to_string());
    }
    let (low, high) = level_range(c);
    let seconds = c.short_term.len() as f64 * c.step;
    let (w, h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x_of = |t: f64| LEFT + t / seconds * w;
    let y_of = |lufs: f64| TOP + (high - lufs.clamp(low, high)) / (high - low) * h;
    let mut svg = Svg::new(WIDTH, HEIGHT);
    let heading = if c.title.is_empty() {
        "Short-term loudness".to_string()
    } else {
        format!("{} - short-term loudness", c.title)
    };
    svg.text(LEFT, 22.0, 14.0, Anchor::Start, "#000", &heading);
    svg.rect(LEFT, TOP, w, h, "#fafafa", 1.0);
    let level_step = nice_step(high - low, 6.0);
    let mut level = (low / level_step).ceil() * level_step;
    while level <= high + 1e-9 {
        let y = y_of(level);
        svg.line(LEFT, y, LEFT + w, y, "#e2e2e2", 1.0);
        svg.text(LEFT - 4.0, y + 3.5, 10.0, Anchor::End, "#444", &num(level));
        level += level_step;
    }
    let time_step = nice_step(seconds, 10.0);
    let mut t = 0.0;
    while t <= seconds + 1e-9 {
        let x = x_of(t);
        svg.line(x, TOP, x, TOP + h, "#e2e2e2", 1.0);
        svg.text(x, TOP + h + 14.0, 10.0, Anchor::Middle, "#444", &num(t));
        t += time_step;
    }
    svg.text(
        LEFT + w,
        TOP + h + 30.0,
        10.0,
        Anchor::End,
        "#444",
        "seconds",
    );
    svg.text(LEFT - 4.0, TOP - 6.0, 10.0, Anchor::End, "#444", "LUFS");
    if let Some((target, name)) = c.target {
        let y = y_of(target);
        svg.dashed(LEFT, y, LEFT + w, y, "#c0392b");
        let label = format!("target {name}: {} LUFS", num(target));
        svg.text(
            LEFT + w - 4.0,
            y - 4.0,
            10.0,
            Anchor::End,
            "#c0392b",
            &label,
        );
    }
    if c.integrated.is_finite() {
        let y = y_of(c.integrated);
        svg.line(LEFT, y, LEFT + w, y, "#2c7a2c", 1.0);
        let label = format!(
            "integrated {} LUFS",
            num((c.integrated * 10.0).round() / 10.0)
        );
        svg.text(LEFT + 4.0, y - 4.0, 10.0, Anchor::Start, "#2c7a2c", &label);
    }
    for run in audible_runs(c.short_term) {
        let points: Vec<(f64, f64)> = run
            .map(|i| (x_of((i as f64 + 0.5) * c.step), y_of(c.short_term[i])))
            .collect();
        svg.polyline(&points, "#1f5fa8", 1.5);
    }
    Ok(svg.finish())
}

/// The loudness range drawn: from the quietest audible value (not below
/// the floor) to a little above the loudest, covering the target too.
fn level_range(c: &LoudnessCurve) -> (f64, f64) {
    let audible = c.short_term.iter().copied().filter(|x| x.is_finite());
    let (mut low, mut high) = audible.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    for x in [Some(c.integrated), c.target.map(|t| t.0)]
        .into_iter()
        .flatten()
    {
        if x.is_finite() {
            low = low.min(x);
            high = high.max(x);
        }
    }
    if !low.is_finite() || !high.is_finite() {
        return (FLOOR_LUFS, 0.0);
    }
    let low = ((low - 3.0) / 6.0).floor() * 6.0;
    let high = ((high + 3.0) / 6.0).ceil() * 6.0;
    (
        low.max(FLOOR_LUFS),
        high.min(6.0).max(low.max(FLOOR_LUFS) + 6.0),
    )
}

/// Index ranges of consecutive audible (finite) values: silence breaks
/// the curve instead of drawing a cliff to the floor.
fn audible_runs(values: &[f64]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, v) in values.iter().enumerate() {
        match (v.is_finite(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push(s..values.len());
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(values: &[f64], target: Option<(f64, &'static str)>) -> String {
        let c = LoudnessCurve {
            short_term: values,
            step: 0.1,
            integrated: -14.2,
            target,
            title: "mix",
        };
        loudness_svg(&c).unwrap()
    }

    #[test]
    fn draws_the_curve_the_integrated_level_and_the_target() {
        let svg = curve(&[-20.0, -14.0, -12.0, -15.0], Some((-14.0, "streaming")));
        assert!(svg.contains("integrated -14.2 LUFS"), "{svg}");
        assert!(svg.contains("target streaming: -14 LUFS"));
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("stroke-dasharray"));
    }

    #[test]
    fn silence_breaks_the_curve() {
        let inf = f64::NEG_INFINITY;
        let svg = curve(&[-20.0, -18.0, inf, inf, -16.0, -15.0, inf], None);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(!svg.contains("target"));
    }

    #[test]
    fn louder_is_higher() {
        let c = LoudnessCurve {
            short_term: &[-30.0, -10.0],
            step: 1.0,
            integrated: f64::NEG_INFINITY,
            target: None,
            title: "",
        };
        let (low, high) = level_range(&c);
        assert!(low <= -33.0 && high >= -7.0, "{low} {high}");
        let svg = loudness_svg(&c).unwrap();
        // Two points: the louder one (second) has the smaller y.
        let points = svg
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let ys: Vec<f64> = points
            .split_whitespace()
            .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        assert!(ys[1] < ys[0], "{ys:?}");
    }

    #[test]
    fn nothing_to_draw_is_an_error() {
        let c = LoudnessCurve {
            short_term: &[],
            step: 0.1,
            integrated: -20.0,
            target: None,
            title: "",
        };
        assert!(loudness_svg(&c).is_err());
    }
}
