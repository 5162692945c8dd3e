//! Where each objective stands: the numbers `sloop report` prints, the
//! server serves and the dashboard draws, computed in one place.
//!
//! A report needs event counts over a handful of windows that all end at
//! the same instant. [`windows_needed`] lists them; the caller fetches them
//! however it can (two lookups each in a store of cumulative sums, or one
//! provider query each for `--live`) and hands them to [`build`] as a
//! function `(from, to] → counts`. Nothing here does I/O.
//!
//! The JSON form of [`Report`] is the stable output of
//! `sloop report -o json` and of the server's report API. Fields are only
//! ever added. Ratios are fractions of one (`0.999`), except `target`,
//! which is in percent as manifests write it.

use std::collections::BTreeMap;

use jiff::{Timestamp, ToSpan, Zoned, civil::Weekday, tz::TimeZone};
use serde::{Deserialize, Serialize};

use crate::duration::Duration;
use crate::math::{self, AlertState, Budget, Counts};
use crate::model::{BudgetingMethod, CalendarUnit, CalendarWindow, Labels, Objective, TimeWindow};

/// The burn-rate windows every report shows.
pub const BURN_WINDOWS: [Duration; 4] =
    [Duration::from_hours(1), Duration::from_hours(6), Duration::from_days(1), Duration::from_days(3)];

/// How many slices the trend cuts the SLO window into.
pub const TREND_POINTS: usize = 30;

/// Counts over `(from, to]`, unix seconds; `None` when they are unknown
/// (the source failed), which is different from zero events.
pub type CountsFn<'a> = dyn Fn(i64, i64) -> Option<Counts> + 'a;

/// The report of several objectives at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// When the report was computed (RFC 3339).
    pub generated_at: String,
    /// The instant every window ends at (unix seconds).
    pub end: i64,
    /// How many objectives are met, breached, without data, alerting.
    pub summary: Summary,
    /// One per objective, in manifest order.
    pub objectives: Vec<ObjectiveReport>,
}

/// Totals over a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Objectives with budget left (≥ 0).
    pub met: usize,
    /// Objectives whose budget is overspent.
    pub breached: usize,
    /// Objectives without events in their window.
    pub no_data: usize,
    /// Objectives with a page or ticket alert firing.
    pub alerting: usize,
}

/// Whether an objective is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The SLI is at or above the target over the window.
    Met,
    /// The SLI is below the target: the budget is overspent.
    Breached,
    /// No events in the window.
    NoData,
}

impl Status {
    /// `met`, `breached`, `no data`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Breached => "breached",
            Status::NoData => "no data",
        }
    }
}

/// One objective's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveReport {
    /// The service.
    pub service: String,
    /// The objective's name, unique within the service.
    pub name: String,
    /// The human title, when the manifest has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The objective's labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    /// The target in percent (`99.9`).
    pub target: f64,
    /// The window as a manifest writes it: `30d`, `calendar month (UTC)`.
    pub window: String,
    /// Where the window starts (exclusive, unix seconds).
    pub window_start: i64,
    /// Where it ends (inclusive, unix seconds).
    pub window_end: i64,
    /// Met, breached or no data.
    pub status: Status,
    /// The SLI over the window, a fraction of one; absent without events.
    #[serde(default)]
    pub sli: Option<f64>,
    /// The good events in the window (slices, for timeslice budgeting).
    pub good: f64,
    /// All events in the window (slices with data, for timeslice budgeting).
    pub total: f64,
    /// The error budget; absent without events.
    #[serde(default)]
    pub budget: Option<BudgetReport>,
    /// Burn rates over 1h, 6h, 1d and 3d.
    pub burn_rates: Vec<BurnRate>,
    /// The multi-window multi-burn-rate alerts.
    pub alerts: AlertReport,
    /// The window cut into [`TREND_POINTS`] slices.
    pub trend: Trend,
}

/// The error budget of the window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BudgetReport {
    /// The share of the budget left: 1 untouched, 0 spent, negative overspent.
    pub left: f64,
    /// The share spent, `1 − left`.
    pub consumed: f64,
    /// What is left as time: how long a full outage could last before the
    /// budget is gone, `left × window × (1 − target)` (negative when overspent).
    pub left_secs: f64,
    /// The bad events so far.
    pub bad: f64,
    /// The bad events the window allows at its traffic so far.
    pub allowed_bad: f64,
    /// How long the rest lasts at the 1h burn rate; absent when nothing burns.
    #[serde(default)]
    pub exhaustion_secs: Option<f64>,
}

/// The burn rate over one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurnRate {
    /// `1h`, `6h`, `1d`, `3d`.
    pub window: String,
    /// The window in seconds.
    pub secs: u64,
    /// `(1 − SLI) / (1 − target)`; absent without events.
    #[serde(default)]
    pub rate: Option<f64>,
}

/// Where the alerts stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertReport {
    /// `page`, `ticket`, `ok`, `no data` or `disabled`.
    pub state: String,
    /// Every window pair.
    pub pairs: Vec<AlertPair>,
}

/// One window pair of the alert policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertPair {
    /// `page` or `ticket`.
    pub severity: String,
    /// The long window (`1h`).
    pub long: String,
    /// The short window (`5m`).
    pub short: String,
    /// The burn-rate threshold.
    pub threshold: f64,
    /// The burn rate over the long window.
    #[serde(default)]
    pub long_burn: Option<f64>,
    /// The burn rate over the short window.
    #[serde(default)]
    pub short_burn: Option<f64>,
    /// Whether both reach the threshold (and the tier is enabled).
    pub firing: bool,
}

/// The window cut into equal slices, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Where each slice ends (unix seconds).
    pub ends: Vec<i64>,
    /// The SLI of each slice alone; `null` for slices without events.
    pub sli: Vec<Option<f64>>,
    /// The budget left at each slice's end, counting from the window's start
    /// against the whole window's budget (a burn-down chart); `null` before
    /// the first event.
    pub budget_left: Vec<Option<f64>>,
}

/// Where an objective's window starts and ends at `end`.
///
/// A rolling window is `(end − length, end]`. A calendar window starts at the
/// beginning of the current period in its time zone (for `count` periods,
/// `count − 1` periods before), so a month's budget is the month so far.
pub fn window_bounds(window: &TimeWindow, end: i64) -> (i64, i64) {
    match window {
        TimeWindow::Rolling { duration } => (end - secs(*duration), end),
        TimeWindow::Calendar(c) => (calendar_start(c, end), end),
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn calendar_start(c: &CalendarWindow, end: i64) -> i64 {
    let tz = TimeZone::get(&c.time_zone).unwrap_or(TimeZone::UTC);
    // The instant `end` is the last second of the window: a window ending
    // exactly at midnight still belongs to the day before.
    let Ok(at) = Timestamp::from_second(end - 1) else { return end - secs(c.unit.nominal_length()) };
    let z: Zoned = at.to_zoned(tz);
    let back = i64::from(c.count.max(1)) - 1;
    let date = z.date();
    let first = match c.unit {
        CalendarUnit::Day => date.checked_sub(back.days()),
        CalendarUnit::Week => {
            let since_monday = i64::from(date.weekday().since(Weekday::Monday));
            date.checked_sub((since_monday + 7 * back).days())
        }
        CalendarUnit::Month => date.first_of_month().checked_sub(back.months()),
        CalendarUnit::Quarter => {
            let q_month = (date.month() - 1) / 3 * 3 + 1;
            date.first_of_month().with().month(q_month).build().and_then(|d| d.checked_sub((3 * back).months()))
        }
        CalendarUnit::Year => date.first_of_year().checked_sub(back.years()),
    };
    match first.and_then(|d| d.to_zoned(z.time_zone().clone())) {
        Ok(start) => start.timestamp().as_second(),
        Err(_) => end - secs(c.unit.nominal_length()),
    }
}

/// The slices of a trend: `points` equal parts of the window, ending at
/// `end` (slices are whole seconds, so some may be a second longer).
fn trend_slices(start: i64, end: i64, points: usize) -> Vec<(i64, i64)> {
    let n = i64::try_from(points).unwrap_or(i64::MAX).max(1);
    let len = end - start;
    (1..=n).map(|i| (start + len * (i - 1) / n, start + len * i / n)).filter(|(a, b)| a < b).collect()
}

/// The budgeting slices of a timeslice method over the window, on the
/// slice grid of the epoch.
fn budget_slices(start: i64, end: i64, slice: Duration) -> Vec<(i64, i64)> {
    let s = secs(slice).max(1);
    let mut out = Vec::new();
    let mut t = math::slice_end(start + 1, slice);
    let mut from = start;
    while from < end {
        let to = t.min(end);
        out.push((from, to));
        from = to;
        t += s;
    }
    out
}

/// Every interval `(from, to]` that [`build`] asks counts for, at `end`.
pub fn windows_needed(objective: &Objective, end: i64) -> Vec<(i64, i64)> {
    let (start, end) = window_bounds(&objective.window, end);
    let mut out = vec![(start, end)];
    let alert_windows = math::alert_windows(&objective.alerting);
    out.extend(BURN_WINDOWS.iter().chain(alert_windows.iter()).map(|w| (end - secs(*w), end)));
    out.extend(trend_slices(start, end, TREND_POINTS));
    if let BudgetingMethod::Timeslices { slice, .. } | BudgetingMethod::RatioTimeslices { slice } = &objective.budgeting
    {
        out.extend(budget_slices(start, end, *slice));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The report of one objective at `end`, from counts over the intervals of
/// [`windows_needed`]. An interval whose counts are unknown (`None`) reads as
/// no data.
pub fn build(objective: &Objective, end: i64, counts: &CountsFn<'_>) -> ObjectiveReport {
    let (start, end) = window_bounds(&objective.window, end);
    let target = objective.target;
    let over = |w: Duration| counts(end - secs(w), end);

    // The window's counts: events, or slices for the timeslice methods.
    let window_counts = match &objective.budgeting {
        BudgetingMethod::Occurrences => counts(start, end).unwrap_or(Counts::ZERO),
        BudgetingMethod::Timeslices { slice, slice_target } => budget_slices(start, end, *slice)
            .into_iter()
            .filter_map(|(a, b)| counts(a, b).and_then(|c| math::meets_target(c, *slice_target)))
            .map(|good| Counts::new(if good { 1.0 } else { 0.0 }, 1.0).unwrap_or(Counts::ZERO))
            .sum(),
        BudgetingMethod::RatioTimeslices { slice } => budget_slices(start, end, *slice)
            .into_iter()
            .filter_map(|(a, b)| counts(a, b).and_then(|c| c.sli()))
            .map(|sli| Counts::new(sli, 1.0).unwrap_or(Counts::ZERO))
            .sum(),
    };
    let sli = window_counts.sli();
    let burn_1h = over(Duration::from_hours(1)).and_then(|c| math::burn_rate_of(c, target));
    let slo_length = secs(objective.window.nominal_length()).max(1) as f64;
    let budget = Budget::of(window_counts, target).map(|b| BudgetReport {
        left: b.left,
        consumed: b.consumed,
        left_secs: b.left * slo_length * target.budget(),
        bad: b.bad,
        allowed_bad: b.allowed_bad,
        exhaustion_secs: burn_1h
            .filter(|r| *r > 0.0)
            .and_then(|r| math::time_to_exhaustion_secs(b.left, r, objective.window.nominal_length())),
    });
    let status = match &budget {
        None => Status::NoData,
        Some(b) if b.left < 0.0 => Status::Breached,
        Some(_) => Status::Met,
    };

    let burn_rates = BURN_WINDOWS
        .iter()
        .map(|w| BurnRate {
            window: w.to_compact(),
            secs: w.as_secs(),
            rate: over(*w).and_then(|c| math::burn_rate_of(c, target)),
        })
        .collect();

    let policy = &objective.alerting;
    let eval = math::evaluate_alerts(policy, objective.window.nominal_length(), target, over);
    // A pair's condition can hold while its tier (or all alerting) is off: it is shown, not firing.
    let tier_on = |s: crate::alerting::Severity| policy.enabled && tier(policy, s);
    let pairs = eval
        .pairs
        .iter()
        .map(|p| AlertPair {
            severity: p.severity.as_str().to_string(),
            long: p.long.to_compact(),
            short: p.short.to_compact(),
            threshold: p.threshold,
            long_burn: p.long_burn,
            short_burn: p.short_burn,
            firing: p.firing && tier_on(p.severity),
        })
        .collect();
    let alerts = AlertReport { state: eval.state.as_str().to_string(), pairs };

    let trend = trend(objective, (start, end), TREND_POINTS, window_counts, counts);

    ObjectiveReport {
        service: objective.service.clone(),
        name: objective.name.clone(),
        title: objective.display_name.clone(),
        labels: objective.labels.clone(),
        target: target.percent(),
        window: window_label(&objective.window),
        window_start: start,
        window_end: end,
        status,
        sli,
        good: window_counts.good(),
        total: window_counts.total(),
        budget,
        burn_rates,
        alerts,
        trend,
    }
}

/// The trend of a window cut into `points` slices: each slice's own SLI,
/// and the burn-down against the whole window's allowance (occurrences:
/// its events × budget; the timeslice methods have no burn-down).
fn trend(
    objective: &Objective,
    (start, end): (i64, i64),
    points: usize,
    window_counts: Counts,
    counts: &CountsFn<'_>,
) -> Trend {
    let slices = trend_slices(start, end, points);
    let slice_counts: Vec<Option<Counts>> = slices.iter().map(|(a, b)| counts(*a, *b)).collect();
    let allowed = window_counts.total() * objective.target.budget();
    let mut bad_so_far = 0.0;
    let mut seen = false;
    let budget_left = slice_counts
        .iter()
        .map(|c| {
            if let Some(c) = c.filter(|c| c.has_data()) {
                bad_so_far += c.bad();
                seen = true;
            }
            (seen && allowed > 0.0 && matches!(objective.budgeting, BudgetingMethod::Occurrences))
                .then(|| 1.0 - bad_so_far / allowed)
        })
        .collect();
    Trend {
        ends: slices.iter().map(|s| s.1).collect(),
        sli: slice_counts.iter().map(|c| c.and_then(|c| c.sli())).collect(),
        budget_left,
    }
}

/// Every interval [`history`] asks counts for: the window and `points`
/// slices of it.
pub fn history_windows(objective: &Objective, end: i64, points: usize) -> Vec<(i64, i64)> {
    let (start, end) = window_bounds(&objective.window, end);
    let mut out = trend_slices(start, end, points);
    out.push((start, end));
    out
}

/// The window at `end` cut into `points` slices, for charts: the report's
/// [`Trend`] at a finer grain (the report itself has [`TREND_POINTS`]).
pub fn history(objective: &Objective, end: i64, points: usize, counts: &CountsFn<'_>) -> Trend {
    let (start, end) = window_bounds(&objective.window, end);
    let window_counts = counts(start, end).unwrap_or(Counts::ZERO);
    trend(objective, (start, end), points, window_counts, counts)
}

fn tier(policy: &crate::alerting::AlertPolicy, s: crate::alerting::Severity) -> bool {
    match s {
        crate::alerting::Severity::Page => policy.page.enabled,
        crate::alerting::Severity::Ticket => policy.ticket.enabled,
    }
}

/// `30d`, or `calendar month (Europe/Paris)`.
pub fn window_label(w: &TimeWindow) -> String {
    match w {
        TimeWindow::Rolling { duration } => duration.to_compact(),
        TimeWindow::Calendar(c) if c.count == 1 => format!("calendar {} ({})", c.unit.as_str(), c.time_zone),
        TimeWindow::Calendar(c) => format!("{} calendar {}s ({})", c.count, c.unit.as_str(), c.time_zone),
    }
}

/// A whole report from per-objective reports.
pub fn assemble(end: i64, objectives: Vec<ObjectiveReport>) -> Report {
    let mut summary = Summary::default();
    for o in &objectives {
        match o.status {
            Status::Met => summary.met += 1,
            Status::Breached => summary.breached += 1,
            Status::NoData => summary.no_data += 1,
        }
        if o.alerts.pairs.iter().any(|p| p.firing) {
            summary.alerting += 1;
        }
    }
    let generated_at = Timestamp::from_second(end).map(|t| t.to_string()).unwrap_or_default();
    Report { generated_at, end, summary, objectives }
}

impl ObjectiveReport {
    /// The most urgent firing alert: `page`, `ticket`, or `None`.
    pub fn firing(&self) -> Option<AlertState> {
        let firing = |sev: &str| self.alerts.pairs.iter().any(|p| p.firing && p.severity == sev);
        if firing("page") {
            Some(AlertState::PageFiring)
        } else if firing("ticket") {
            Some(AlertState::TicketFiring)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests;
