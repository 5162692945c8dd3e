//! SLIs of a time series, under OpenSLO's three budgeting methods.
//!
//! A series is a list of [`Point`]s, each the counts of the interval
//! `(from, to]` in unix seconds. A [`Window`] is the half-open interval
//! `(end − length, end]`, and a point belongs to it when its `to` does:
//! `end − length < to ≤ end`. Points are assumed not to straddle the
//! window's start (a point `(from, to]` with `from < end − length < to` is
//! counted whole): query with a step that divides the window, or accept the
//! error of one step at the edge.
//!
//! - **Occurrences**: every event counts. SLI = Σ good / Σ total.
//! - **Timeslices**: the window is cut into slices aligned to multiples of
//!   the slice length (a point goes to the slice `(k·s, (k+1)·s]` holding its
//!   `to`). A slice with events is good when its ratio reaches
//!   `slice_target`. SLI = good slices / slices with events.
//! - **RatioTimeslices**: SLI = the mean of the slices' own ratios, over
//!   slices with events.
//!
//! Slices without events are left out of both counts (no data is neither
//! good nor bad), and a window without any events has no SLI (`None`). A
//! slice cut by the window's start only holds the points inside the window.

use std::collections::BTreeMap;

use crate::duration::Duration;
use crate::model::BudgetingMethod;
use crate::target::Target;

use super::budget::target_ratio;
use super::sli::{Counts, MathError};

/// The counts of one interval `(from, to]` of a series, in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Where the interval starts (exclusive).
    pub from: i64,
    /// Where the interval ends (inclusive): this decides the window and the
    /// slice the point belongs to.
    pub to: i64,
    /// The events of the interval.
    pub counts: Counts,
}

impl Point {
    /// A point, checked: `from < to`, and the counts as in [`Counts::new`].
    pub fn new(from: i64, to: i64, good: f64, total: f64) -> Result<Self, MathError> {
        if from >= to {
            return Err(MathError::new(format!(
                "the interval ({from}, {to}] is empty: a point's `from` must be before its `to`"
            )));
        }
        Ok(Self { from, to, counts: Counts::new(good, total)? })
    }
}

/// The window `(end − length, end]`, in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The last second of the window (inclusive).
    pub end: i64,
    /// How far back it reaches.
    pub length: Duration,
}

impl Window {
    /// The window of `length` ending at `end`.
    pub fn ending_at(end: i64, length: Duration) -> Self {
        Self { end, length }
    }

    /// The start of the window, `end − length` (exclusive).
    pub fn start(self) -> i64 {
        clamp_i64(i128::from(self.end) - i128::from(self.length.as_secs()))
    }

    /// Whether an instant `t` is inside: `end − length < t ≤ end`.
    pub fn contains(self, t: i64) -> bool {
        i128::from(self.end) - i128::from(self.length.as_secs()) < i128::from(t) && t <= self.end
    }
}

/// One slice of a window and the counts of its points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slice {
    /// The slice's end (inclusive), a multiple of the slice length; the slice
    /// is `(end − slice, end]`.
    pub end: i64,
    /// The events of the slice's points inside the window.
    pub counts: Counts,
}

/// The points of `points` inside `window`.
pub fn points_in(points: &[Point], window: Window) -> impl Iterator<Item = &Point> {
    points.iter().filter(move |p| window.contains(p.to))
}

/// The summed counts of the points inside `window`.
pub fn window_counts(points: &[Point], window: Window) -> Counts {
    points_in(points, window).map(|p| p.counts).sum()
}

/// The end of the slice holding instant `t`: the smallest multiple of
/// `slice` at or after `t` (so `t = 60` is in the slice `(0, 60]`).
///
/// A zero slice length is read as one second (the model never holds one).
pub fn slice_end(t: i64, slice: Duration) -> i64 {
    let s = i128::from(slice.as_secs().max(1));
    let t = i128::from(t);
    clamp_i64(t + (-t).rem_euclid(s))
}

/// The slices of `window` that hold at least one point, oldest first.
/// A slice whose points have no events is kept, with zero counts.
pub fn slices(points: &[Point], window: Window, slice: Duration) -> Vec<Slice> {
    let mut by_end: BTreeMap<i64, Counts> = BTreeMap::new();
    for p in points_in(points, window) {
        *by_end.entry(slice_end(p.to, slice)).or_default() += p.counts;
    }
    by_end.into_iter().map(|(end, counts)| Slice { end, counts }).collect()
}

/// Whether counts reach a target ratio, `good / total ≥ target`; `None`
/// without events.
///
/// Compared as `good × den ≥ total × num` with the target's exact decimal
/// `num / den` (99.9 % is `999 / 1000`), not as `good / total ≥ 0.999`
/// with both sides rounded to binary. For whole-number counts this is exact
/// while the products stay under 2⁵³ (9·10¹² events per slice at 99.9 %):
/// 999 of 1000 meets 99.9 % and 998 of 999 does not. For fractional counts
/// each product is rounded once, so a slice whose decimal ratio equals the
/// target (59.94 of 60 at 99.9 %) meets it.
pub fn meets_target(counts: Counts, target: Target) -> Option<bool> {
    if !counts.has_data() {
        return None;
    }
    let (num, den) = target_ratio(target);
    let (good, total) = (counts.good(), counts.total());
    let (a, b) = (good * den as f64, total * num as f64);
    if a.is_finite() && b.is_finite() {
        Some(a >= b)
    } else {
        // Beyond 10²⁹³ events the products overflow: compare the ratio instead.
        Some(good / total >= target.fraction())
    }
}

/// The occurrences SLI: Σ good / Σ total over the window; `None` without events.
pub fn occurrences_sli(points: &[Point], window: Window) -> Option<f64> {
    window_counts(points, window).sli()
}

/// The timeslices SLI: good slices / slices with events; `None` without events.
pub fn timeslices_sli(points: &[Point], window: Window, slice: Duration, slice_target: Target) -> Option<f64> {
    let verdicts: Vec<bool> =
        slices(points, window, slice).iter().filter_map(|s| meets_target(s.counts, slice_target)).collect();
    let good = verdicts.iter().filter(|&&g| g).count();
    (!verdicts.is_empty()).then(|| good as f64 / verdicts.len() as f64)
}

/// The ratio-timeslices SLI: the mean of the slices' own ratios, over slices
/// with events; `None` without events.
pub fn ratio_timeslices_sli(points: &[Point], window: Window, slice: Duration) -> Option<f64> {
    let ratios: Vec<f64> = slices(points, window, slice).iter().filter_map(|s| s.counts.sli()).collect();
    (!ratios.is_empty()).then(|| ratios.iter().sum::<f64>() / ratios.len() as f64)
}

/// The SLI of the window under any budgeting method.
pub fn series_sli(points: &[Point], window: Window, method: &BudgetingMethod) -> Option<f64> {
    match method {
        BudgetingMethod::Occurrences => occurrences_sli(points, window),
        BudgetingMethod::Timeslices { slice, slice_target } => timeslices_sli(points, window, *slice, *slice_target),
        BudgetingMethod::RatioTimeslices { slice } => ratio_timeslices_sli(points, window, *slice),
    }
}

/// One point of a budget burn-down chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurnDownPoint {
    /// The instant (unix seconds).
    pub at: i64,
    /// The share of the window's budget left at `at` (1 untouched, negative
    /// overspent), counting everything in `(window start, at]`.
    pub left: f64,
}

/// The budget left over the window, step by step: a burn-down chart.
///
/// The budget is the window's whole allowance (occurrences: all of the
/// window's events × (1 − target); timeslices: its slices with events ×
/// (1 − target)), and at each instant the failures so far are taken from it
/// (occurrences: bad events of points up to that instant; timeslices: bad
/// slices ended by then; ratio timeslices: `1 − ratio` of each slice ended
/// by then). The last point, at `window.end`, is the window's budget left.
///
/// Points are at every multiple of `step` inside the window, and at
/// `window.end`. A zero `step` gives only the last point. Empty without
/// events.
pub fn burn_down(
    points: &[Point],
    window: Window,
    method: &BudgetingMethod,
    target: Target,
    step: Duration,
) -> Vec<BurnDownPoint> {
    // (instant, failures, opportunities): events, or slices counting 1 each.
    let spent: Vec<(i64, f64, f64)> = match method {
        BudgetingMethod::Occurrences => {
            points_in(points, window).map(|p| (p.to, p.counts.bad(), p.counts.total())).collect()
        }
        BudgetingMethod::Timeslices { slice, slice_target } => slices(points, window, *slice)
            .iter()
            .filter_map(|s| {
                meets_target(s.counts, *slice_target).map(|good| (s.end, if good { 0.0 } else { 1.0 }, 1.0))
            })
            .collect(),
        BudgetingMethod::RatioTimeslices { slice } => slices(points, window, *slice)
            .iter()
            .filter_map(|s| s.counts.error_ratio().map(|e| (s.end, e, 1.0)))
            .collect(),
    };
    let allowed = spent.iter().map(|s| s.2).sum::<f64>() * target.budget();
    if allowed <= 0.0 {
        return Vec::new();
    }
    let mut instants = Vec::new();
    if !step.is_zero() {
        let mut t = slice_end(window.start().saturating_add(1), step);
        while t < window.end {
            instants.push(t);
            t = t.saturating_add(i64::try_from(step.as_secs()).unwrap_or(i64::MAX));
        }
    }
    instants.push(window.end);
    // A slice can end after `window.end` when the end is not aligned: it still
    // counts at the last point, because its points are all inside the window.
    let mut spent = spent;
    spent.sort_by_key(|s| s.0);
    let mut out = Vec::with_capacity(instants.len());
    let (mut i, mut failed) = (0, 0.0);
    for (n, at) in instants.iter().copied().enumerate() {
        let last = n + 1 == instants.len();
        while i < spent.len() && (spent[i].0 <= at || last) {
            failed += spent[i].1;
            i += 1;
        }
        out.push(BurnDownPoint { at, left: 1.0 - failed / allowed });
    }
    out
}

fn clamp_i64(x: i128) -> i64 {
    i64::try_from(x).unwrap_or(if x < 0 { i64::MIN } else { i64::MAX })
}
