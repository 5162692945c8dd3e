//! Line charts as inline SVG, drawn on the server.
//!
//! The dashboard needs two charts (the SLI over the window, and the error
//! budget burning down), and both are the same picture: one series of
//! `(time, value)` points that may have holes, a y axis in percent, a time
//! axis in UTC, and one horizontal guide (the target, or zero budget). A
//! hand-written SVG is a few hundred bytes of markup per hundred points and
//! needs no JavaScript, so the page works with scripts off and in a
//! headless browser alike.
//!
//! The chart has a fixed `viewBox` and no width or height: CSS makes it as
//! wide as its column and the browser scales everything together. Colours
//! come from classes styled in `style.css`, so the dark theme applies to
//! charts too.
//!
//! The guide's label sits in a legend above the plot, never on the data.
//! A chart may have a *floor*: values below it are drawn on the bottom
//! edge, marked, with their true value in the tooltip. An SLI of 90 % in an
//! incident would otherwise stretch the axis so far that a 99.9 % target
//! and a 100 % SLI drew on the same pixel.
//!
//! A missing value (`None`, or a non-finite number) is a gap: the line
//! stops and starts again after it, rather than drawing a straight line
//! across a period nobody measured. A point with gaps on both sides would
//! be invisible as a path, so it is drawn as a dot.

use maud::{Markup, html};

use super::numbers;

/// The drawing's coordinate system: what `viewBox` declares.
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 240.0;
/// Room for the y labels on the left and the last time label on the right.
const LEFT: f64 = 64.0;
const RIGHT: f64 = 48.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 32.0;
const PLOT_W: f64 = WIDTH - LEFT - RIGHT;
const PLOT_H: f64 = HEIGHT - TOP - BOTTOM;

/// Above this many points, only isolated points get a dot (with its own
/// tooltip): a dot per point would drown the line.
const MAX_DOTS: usize = 120;

/// Time-axis steps to choose from, in seconds: each is a multiple of
/// the one before, and multiples of each fall on round UTC times.
const TIME_STEPS: [i64; 16] = [
    60,
    300,
    900,
    1_800,
    3_600,
    2 * 3_600,
    3 * 3_600,
    6 * 3_600,
    12 * 3_600,
    86_400,
    2 * 86_400,
    7 * 86_400,
    14 * 86_400,
    28 * 86_400,
    91 * 86_400,
    364 * 86_400,
];

/// At most this many time steps across the axis (so at most one more label).
const MAX_TIME_STEPS: i64 = 6;

/// A horizontal reference line across the plot.
#[derive(Debug, Clone)]
pub(super) struct Guide<'a> {
    /// Where it is, in the series' units (a fraction of one).
    pub(super) value: f64,
    /// Its class besides `guide`: `target` (drawn dashed) or `zero`.
    pub(super) class: &'a str,
    /// The text written at its right end.
    pub(super) label: String,
}

/// One chart's data and dressing.
#[derive(Debug, Clone)]
pub(super) struct LineChart<'a> {
    /// The `id` of the `<svg>` element.
    pub(super) id: &'a str,
    /// What the chart shows, for its `<title>` (screen readers, tooltips).
    pub(super) title: &'a str,
    /// When each point was measured (unix seconds), oldest first.
    pub(super) times: &'a [i64],
    /// The values, fractions of one; `None` is a gap. Paired with `times`
    /// by position (any excess in either is ignored).
    pub(super) values: &'a [Option<f64>],
    /// The time range the x axis covers (unix seconds).
    pub(super) span: (i64, i64),
    /// The reference line, if any; the y range always includes it.
    pub(super) guide: Option<Guide<'a>>,
    /// The highest value worth showing (1.0 for ratios): the range is not
    /// padded above it, so a perfect SLI sits on the top edge rather than
    /// under an axis reading 100.05%.
    pub(super) ceiling: Option<f64>,
    /// The lowest value the axis stretches down to: lower values are drawn
    /// on the bottom edge as marked dots (see the module docs).
    pub(super) floor: Option<f64>,
}

/// The y axis: the range drawn and the spacing of its labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Scale {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) step: f64,
}

impl Scale {
    /// The y axis for `values`, the guide, under the ceiling: rounded out to
    /// whole steps of 1, 2 or 5 × 10ⁿ, about four steps in all.
    pub(super) fn fit(values: impl Iterator<Item = f64>, guide: Option<f64>, ceiling: Option<f64>) -> Scale {
        let (mut lo, mut hi) = values
            .chain(guide)
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if lo > hi {
            // Nothing to draw: a plain 0–100% frame.
            (lo, hi) = (0.0, 1.0);
        }
        let top_data = hi;
        if hi - lo < 1e-9 {
            // One flat value: open a small band around it so it has a place.
            let pad = (hi.abs() * 1e-3).max(1e-6);
            (lo, hi) = (lo - pad, hi + pad);
        }
        let step = nice_step((hi - lo) / 4.0);
        // The small slack keeps 0.999 / 0.0005 = 1997.9999… from adding a step.
        let mut lo = ((lo / step) + 1e-6).floor() * step;
        let mut hi = ((hi / step) - 1e-6).ceil() * step;
        if let Some(c) = ceiling.filter(|c| c.is_finite() && *c >= top_data) {
            hi = hi.min(c);
        }
        if hi <= lo {
            (lo, hi) = (lo - step, lo);
        }
        Scale { lo, hi, step }
    }

    /// The labelled values, from the bottom up.
    pub(super) fn ticks(&self) -> Vec<f64> {
        let first = (self.lo / self.step).round() as i64;
        let last = (self.hi / self.step).round() as i64;
        // Multiplying the index (not adding steps) keeps labels free of
        // accumulated error: 0.9995, not 0.9994999999.
        (first..=last)
            .map(|k| k as f64 * self.step)
            .filter(|v| *v >= self.lo - 1e-12 && *v <= self.hi + 1e-12)
            .collect()
    }

    /// The digits a percent label needs for this step: a step of 0.05% needs two.
    fn decimals(&self) -> usize {
        let step_percent = self.step * 100.0;
        (-step_percent.log10() - 1e-9).ceil().clamp(0.0, 6.0) as usize
    }

    fn y(&self, v: f64) -> f64 {
        TOP + (self.hi - v) / (self.hi - self.lo) * PLOT_H
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = if raw.is_finite() && raw > 0.0 { raw } else { 1.0 };
    let magnitude = 10f64.powf(raw.log10().floor());
    let unit = raw / magnitude;
    let nice = if unit <= 1.0 + 1e-9 {
        1.0
    } else if unit <= 2.0 + 1e-9 {
        2.0
    } else if unit <= 5.0 + 1e-9 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The labelled instants of a time axis: multiples of the smallest step
/// that fits at most [`MAX_TIME_STEPS`] across `span`.
pub(super) fn time_ticks(span: (i64, i64)) -> Vec<i64> {
    let (start, end) = span;
    if end <= start {
        return Vec::new();
    }
    let step = TIME_STEPS
        .iter()
        .copied()
        .find(|s| (end - start) / s <= MAX_TIME_STEPS)
        .unwrap_or_else(|| ((end - start) / MAX_TIME_STEPS).max(1));
    let first = start.div_euclid(step) * step + if start.rem_euclid(step) == 0 { 0 } else { step };
    (0..).map(|k| first + k * step).take_while(|t| *t <= end).collect()
}

fn x_of(t: i64, span: (i64, i64)) -> f64 {
    let (start, end) = span;
    if end <= start {
        return LEFT + PLOT_W / 2.0;
    }
    LEFT + (t - start) as f64 / (end - start) as f64 * PLOT_W
}

/// The runs of consecutive values without gaps, as points in the drawing:
/// `(time, value, x, y)`, where a value below the axis is drawn on its
/// bottom edge. Each run becomes one `M … L …` subpath; a run of one is a
/// dot.
pub(super) fn segments(chart: &LineChart<'_>, scale: &Scale) -> Vec<Vec<(i64, f64, f64, f64)>> {
    let mut out: Vec<Vec<(i64, f64, f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (t, v) in chart.times.iter().zip(chart.values) {
        match v.filter(|v| v.is_finite()) {
            Some(v) => current.push((*t, v, x_of(*t, chart.span), scale.y(v.max(scale.lo)))),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The `d` attribute of the line: one subpath per run.
pub(super) fn path_data(segments: &[Vec<(i64, f64, f64, f64)>]) -> String {
    let mut d = String::new();
    for run in segments {
        for (i, (_, _, x, y)) in run.iter().enumerate() {
            if !d.is_empty() {
                d.push(' ');
            }
            d.push_str(&format!("{}{x:.1} {y:.1}", if i == 0 { 'M' } else { 'L' }));
        }
    }
    d
}

/// The chart as an `<svg>` element.
pub(super) fn line_chart(chart: &LineChart<'_>) -> Markup {
    let floor = chart.floor.filter(|f| f.is_finite()).unwrap_or(f64::NEG_INFINITY);
    let values = chart.times.iter().zip(chart.values).filter_map(|(_, v)| *v).map(|v| v.max(floor));
    let scale = Scale::fit(values, chart.guide.as_ref().map(|g| g.value), chart.ceiling);
    let runs = segments(chart, &scale);
    let points: usize = runs.iter().map(Vec::len).sum();
    let clipped = |v: f64| v < scale.lo;
    let below = runs.iter().flatten().filter(|p| clipped(p.1)).count();
    let decimals = scale.decimals();
    let title_id = format!("{}-title", chart.id);
    let mut desc = if points == 0 {
        format!("No data from {} to {}.", numbers::utc_minute(chart.span.0), numbers::utc_minute(chart.span.1))
    } else {
        format!(
            "{points} points from {} to {} (UTC), in {} stretches without gaps.",
            numbers::utc_minute(chart.span.0),
            numbers::utc_minute(chart.span.1),
            runs.len()
        )
    };
    if below > 0 {
        desc.push_str(&format!(
            " {below} below {} are drawn on the bottom edge.",
            numbers::percent(scale.lo, decimals)
        ));
    }
    let dot = |run: &Vec<(i64, f64, f64, f64)>| run.len() == 1 || points <= MAX_DOTS;
    let bottom = TOP + PLOT_H;
    html! {
        svg id=(chart.id) class="chart" xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {WIDTH} {HEIGHT}"))
            role="img" aria-labelledby=(title_id) data-points=(points) data-segments=(runs.len()) {
            title id=(title_id) { (chart.title) }
            desc { (desc) }
            g class="y-axis" {
                @for v in scale.ticks() {
                    @let y = format!("{:.1}", scale.y(v));
                    line class="grid" x1=(LEFT) x2=(LEFT + PLOT_W) y1=(y) y2=(y) {}
                    text class="ylabel" x=(LEFT - 6.0) y=(format!("{:.1}", scale.y(v) + 4.0)) text-anchor="end" {
                        (numbers::percent(v, decimals))
                    }
                }
            }
            g class="x-axis" {
                @for t in time_ticks(chart.span) {
                    @let x = format!("{:.1}", x_of(t, chart.span));
                    line class="tick" x1=(x) x2=(x) y1=(bottom) y2=(bottom + 4.0) {}
                    text class="xlabel" x=(x) y=(HEIGHT - 10.0) text-anchor="middle" { (numbers::utc_minute(t)) }
                }
            }
            line class="axis" x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(bottom) {}
            line class="axis" x1=(LEFT) x2=(LEFT + PLOT_W) y1=(bottom) y2=(bottom) {}
            @if let Some(g) = &chart.guide {
                @let y = format!("{:.1}", scale.y(g.value));
                line class=(format!("guide {}", g.class)) x1=(LEFT) x2=(LEFT + PLOT_W) y1=(y) y2=(y) {
                    title { (g.label) }
                }
                // The legend, above the plot: a sample of the line, then its label.
                g class="legend" {
                    line class=(format!("guide {}", g.class)) x1=(LEFT + PLOT_W - 28.0) x2=(LEFT + PLOT_W)
                        y1=(TOP - 12.0) y2=(TOP - 12.0) {}
                    text class=(format!("guide-label {}", g.class)) x=(LEFT + PLOT_W - 34.0) y=(TOP - 8.0)
                        text-anchor="end" { (g.label) }
                }
            }
            @if points == 0 {
                text class="empty" x=(LEFT + PLOT_W / 2.0) y=(TOP + PLOT_H / 2.0) text-anchor="middle" {
                    (numbers::NO_DATA)
                }
            } @else {
                path class="line" d=(path_data(&runs)) {}
                g class="dots" {
                    @for run in &runs {
                        @for (t, v, x, y) in run.iter().filter(|p| dot(run) || clipped(p.1)) {
                            circle class=(if clipped(*v) { "dot clipped" } else { "dot" })
                                cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="2.5" {
                                title { (numbers::utc_minute(*t)) " UTC: " (numbers::percent(*v, 3)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
