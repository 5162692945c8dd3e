//! From objectives to rule groups.
//!
//! Each SLO gets two groups. Their shape follows one idea: a window is exact
//! when it is a ratio of event *sums*, and cheap when long windows are summed
//! from a small recorded series instead of re-reading raw series.
//!
//! ```text
//! sloop-<service>-<slo>-short   every 30s
//!   error ratio 5m, 1h          straight from the raw counters: exact, immediate
//!   page alerts 1h/5m           right after the ratios they read
//!
//! sloop-<service>-<slo>-long    every 2m30s
//!   bad and total rates         over 2 × 2m30s + the scrape interval, from the raw counters
//!                               (see `Options::base_range`), one series each
//!   error ratio 30m             from the raw counters
//!   error ratio 2h 6h 1d 3d 30d sum_over_time(bad rate) / sum_over_time(total rate): event-weighted
//!   page 6h/30m, tickets        right after the ratios they read, and only once
//!                               the recorded history covers the long window
//!   metadata                    objective, budget, window, budget left, burn rates, info
//!   calendar period so far      for calendar windows: ratio and budget since the period began
//!   data-absent alert
//! ```
//!
//! Every ratio divides by `(total > 0)`, so zero traffic records nothing
//! (no data), never NaN or Inf. Bad events that have not happened yet count
//! as zero (`or vector(0)`), so a service without errors is at 0 %, not "no
//! data". `rate()` absorbs counter resets. The base series carry only the
//! SLO's identity labels, so editing an SLO's other labels does not split
//! its history into two series.

mod alerts;
mod calendar;
mod meta;

pub use calendar::period_start as calendar_period_start;

use std::collections::BTreeMap;

use sloop_core::model::{BudgetingMethod, Indicator, Objective, ProviderKind, TimeWindow};
use sloop_core::{Duration, Manifest};

use crate::conventions::{self, BAD_RATE, Names, Naming, TOTAL_RATE, label_name};
use crate::promql::{Dialect, EventRates};
use crate::rules::{RecordingRule, Rule, RuleGroup};

/// How to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Metric and label names.
    pub naming: Naming,
    /// Interval of the short group (page alerts on short windows).
    pub short_interval: Duration,
    /// Interval of the long group (and of the base series). Under 5m, so
    /// recorded series never go stale between evaluations.
    pub long_interval: Duration,
    /// How often the raw series are scraped (Prometheus' default is 1m). The
    /// base series are rates over [`Options::base_range`], which depends on it.
    pub scrape_interval: Duration,
    /// Windows up to this length are computed from the raw series.
    pub raw_max: Duration,
    /// A long-window alert needs this share of its window covered by recorded history.
    pub min_history: f64,
    /// PromQL, or VictoriaMetrics' MetricsQL (relaxed parsing).
    pub dialect: Dialect,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            naming: Naming::Sloop,
            short_interval: Duration::from_secs(30),
            long_interval: Duration::from_secs(150),
            scrape_interval: Duration::from_secs(60),
            raw_max: Duration::from_hours(1),
            min_history: 0.9,
            dialect: Dialect::PromQl,
        }
    }
}

impl Options {
    /// The range of the base rates: two long intervals plus one scrape
    /// interval (6m for 2m30s and a 1m scrape).
    ///
    /// Why: evaluated between two scrapes, `rate(x[r])` sees only the scrape
    /// intervals wholly inside its range, `r − scrape` of them. The long
    /// windows sum one base sample per long interval, so an event is counted
    /// once for every base sample whose seen span holds it: `(r − scrape) /
    /// long interval` times. With `r = 2 × interval + scrape` that is exactly
    /// 2 for every event, and the long windows are event-weighted. (A plain
    /// 5m range with a 1m scrape sees 4 minutes and counts minutes 2,2,2,1,1
    /// times: 30-day budgets were measured 0.4 percentage points off.)
    pub fn base_range(&self) -> Duration {
        Duration::from_secs(2 * self.long_interval.as_secs() + self.scrape_interval.as_secs())
    }
}

/// The rules of one SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct SloRules {
    /// `service/name`.
    pub id: String,
    /// The service.
    pub service: String,
    /// The SLO's name.
    pub name: String,
    /// Its rule groups.
    pub groups: Vec<RuleGroup>,
    /// What was generated differently from the standard, and why.
    pub notes: Vec<String>,
}

/// An objective that got no rules, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// `service/name`.
    pub id: String,
    /// Why, in words.
    pub reason: String,
}

/// Everything generated from a manifest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Generated {
    /// Rules, one entry per SLO, in manifest order.
    pub slos: Vec<SloRules>,
    /// Objectives with no rules.
    pub skipped: Vec<Skipped>,
}

impl Generated {
    /// Every group of every SLO.
    pub fn groups(&self) -> impl Iterator<Item = &RuleGroup> {
        self.slos.iter().flat_map(|s| s.groups.iter())
    }
}

/// Generates the rules of every objective that Prometheus can evaluate.
///
/// Objectives are independent, so large manifests are split over the
/// machine's cores (parsing PromQL dominates the cost); the output is the
/// same, in manifest order.
pub fn generate(manifest: &Manifest, options: &Options) -> Generated {
    const PER_THREAD_MIN: usize = 256;
    let objectives = &manifest.objectives;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let results: Vec<Result<SloRules, String>> = if threads == 1 || objectives.len() < 2 * PER_THREAD_MIN {
        objectives.iter().map(|o| slo_rules(o, options)).collect()
    } else {
        let chunk = objectives.len().div_ceil(threads).max(PER_THREAD_MIN);
        std::thread::scope(|scope| {
            let handles: Vec<_> = objectives
                .chunks(chunk)
                .map(|c| scope.spawn(move || c.iter().map(|o| slo_rules(o, options)).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        })
    };
    let mut out = Generated::default();
    for (o, r) in objectives.iter().zip(results) {
        match r {
            Ok(r) => out.slos.push(r),
            Err(reason) => out.skipped.push(Skipped { id: o.id(), reason }),
        }
    }
    out
}

/// What every rule of one SLO shares.
pub(crate) struct Ctx<'a> {
    pub(crate) o: &'a Objective,
    pub(crate) names: Names,
    pub(crate) options: &'a Options,
    pub(crate) rates: EventRates,
    /// The SLO window used for thresholds and the budget.
    pub(crate) window: Duration,
    /// `{sloop_service="x",sloop_slo="y"}`.
    pub(crate) selector: String,
    /// Identity labels only (for base series).
    pub(crate) id_labels: BTreeMap<String, String>,
    /// Identity and objective labels (for everything people read).
    pub(crate) labels: BTreeMap<String, String>,
    /// The exact error budget, as written in PromQL: `0.001`.
    pub(crate) budget: String,
}

impl Ctx<'_> {
    /// Labels of a ratio over `window` (adds the window label in Sloth naming).
    pub(crate) fn ratio_labels(&self, window: Duration) -> BTreeMap<String, String> {
        let mut l = self.labels.clone();
        if let Some(w) = self.names.window_label() {
            l.insert(w.into(), window.to_compact());
        }
        l
    }

    /// The recorded error ratio over `window`, selected for this SLO.
    pub(crate) fn ratio_ref(&self, window: Duration) -> String {
        format!("{}{}", self.names.error_ratio(window), self.selector)
    }
}

fn slo_rules(o: &Objective, options: &Options) -> Result<SloRules, String> {
    match o.indicator.provider().map(|p| p.kind) {
        Some(ProviderKind::Prometheus) => {}
        Some(ProviderKind::Datadog) => return Err("Datadog SLOs are evaluated by Datadog, not Prometheus".into()),
        None => return Err(EventRates::of(&o.indicator).err().unwrap_or_default()),
    }
    if !matches!(o.budgeting, BudgetingMethod::Occurrences) {
        return Err(format!(
            "{} budgeting counts time slices, which Prometheus burn-rate rules do not express; \
             sloop generates rules for occurrences budgeting only",
            o.budgeting.openslo_name()
        ));
    }
    let rates = EventRates::of_in(&o.indicator, options.dialect)?;
    let names = Names::new(options.naming);
    let id: Vec<(&str, String)> = names.id_labels(&o.service, &o.name);
    let selector =
        format!("{{{}}}", id.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect::<Vec<_>>().join(", "));
    let id_labels: BTreeMap<String, String> = id.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let mut labels = id_labels.clone();
    for (k, v) in &o.labels {
        let k = label_name(k);
        if !reserved(&k, &names) {
            labels.entry(k).or_insert_with(|| v.clone());
        }
    }
    let ctx = Ctx {
        o,
        names,
        options,
        rates,
        window: o.window.nominal_length(),
        selector,
        id_labels,
        labels,
        budget: budget_literal(o),
    };
    let mut notes = Vec::new();
    if matches!(ctx.rates, EventRates::ErrorRatio(_)) {
        notes.push(
            "the indicator is a raw ratio: windows longer than 1h average it over time instead of weighting by \
             events"
                .into(),
        );
    }
    let plan = alerts::plan(&ctx);
    let mut short = Vec::new();
    let mut long = Vec::new();
    // Short group: the short windows (and 5m, the current burn rate), then their alerts.
    for w in plan.short_windows() {
        short.push(record(ctx.names.error_ratio(w), ctx.rates.error_ratio(w), ctx.ratio_labels(w)));
    }
    short.extend(alerts::rules(&ctx, &plan, alerts::Group::Short));
    // Long group: base rates, raw short windows it needs, recorded long windows, alerts, metadata.
    long.extend(base_rules(&ctx));
    for w in plan.long_group_raw_windows() {
        long.push(record(ctx.names.error_ratio(w), ctx.rates.error_ratio(w), ctx.ratio_labels(w)));
    }
    for w in plan.recorded_windows() {
        long.push(record(ctx.names.error_ratio(w), long_ratio(&ctx, w), ctx.ratio_labels(w)));
    }
    long.extend(alerts::rules(&ctx, &plan, alerts::Group::Long));
    long.extend(meta::rules(&ctx));
    if let TimeWindow::Calendar(c) = &o.window {
        let (rules, note) = calendar::rules(&ctx, c);
        long.extend(rules);
        notes.push(note);
    }
    long.push(alerts::absent(&ctx));
    let groups = vec![
        RuleGroup {
            name: conventions::group_name(&o.service, &o.name, "short"),
            interval: Some(options.short_interval),
            rules: short,
        },
        RuleGroup {
            name: conventions::group_name(&o.service, &o.name, "long"),
            interval: Some(options.long_interval),
            rules: long,
        },
    ];
    notes.extend(plan.notes.iter().cloned());
    Ok(SloRules { id: o.id(), service: o.service.clone(), name: o.name.clone(), groups, notes })
}

/// The base series: bad and total events per second over 5m, one series each.
fn base_rules(ctx: &Ctx<'_>) -> Vec<Rule> {
    let range = ctx.options.base_range();
    match (ctx.rates.bad_rate(range), ctx.rates.total_rate(range)) {
        (Some(bad), Some(total)) => vec![
            record(BAD_RATE.into(), bad, ctx.id_labels.clone()),
            record(TOTAL_RATE.into(), total, ctx.id_labels.clone()),
        ],
        // A raw ratio: record the ratio itself.
        _ => vec![record(conventions::RAW_RATIO.into(), ctx.rates.error_ratio(range), ctx.id_labels.clone())],
    }
}

/// A long window from the base series: event-weighted sums, or a time
/// average for a raw ratio.
fn long_ratio(ctx: &Ctx<'_>, w: Duration) -> String {
    let sel = &ctx.selector;
    match ctx.rates {
        EventRates::Events { .. } => {
            format!("sum_over_time({BAD_RATE}{sel}[{w}])\n/\n(sum_over_time({TOTAL_RATE}{sel}[{w}]) > 0)")
        }
        EventRates::ErrorRatio(_) => format!("avg_over_time({}{sel}[{w}])", conventions::RAW_RATIO),
    }
}

pub(crate) fn record(name: String, expr: String, labels: BTreeMap<String, String>) -> Rule {
    Rule::Record(RecordingRule { record: name, expr, labels })
}

/// The exact budget `1 − target`, as the shortest decimal: `0.001`.
fn budget_literal(o: &Objective) -> String {
    let e = sloop_core::explain::budget_figures(o.target, o.window.nominal_length(), None);
    // The budget in percent is exact ("0.1"); shift it two places.
    shift_decimal(&e.percent, -2)
}

/// Moves the decimal point of a non-negative decimal string: ("0.1", -2) → "0.001".
fn shift_decimal(s: &str, by: i32) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i32 + by;
    let out = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    };
    let out = out.trim_start_matches('0');
    let out = if out.starts_with('.') || out.is_empty() { format!("0{out}") } else { out.to_string() };
    if out.contains('.') { out.trim_end_matches('0').trim_end_matches('.').to_string() } else { out }
}

fn reserved(label: &str, names: &Names) -> bool {
    names.id_label_names().contains(&label)
        || names.window_label() == Some(label)
        || label == names.severity_label()
        || label == conventions::PAIR_LABEL
        || label == "__name__"
}

/// Escapes a label value for a PromQL string.
pub(crate) fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Whether an indicator can have Prometheus rules at all (for messages).
pub fn is_prometheus(indicator: &Indicator) -> bool {
    indicator.provider().is_some_and(|p| p.kind == ProviderKind::Prometheus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_shift_exactly() {
        assert_eq!(shift_decimal("0.1", -2), "0.001");
        assert_eq!(shift_decimal("10", -2), "0.1");
        assert_eq!(shift_decimal("0.05", -2), "0.0005");
        assert_eq!(shift_decimal("1", -2), "0.01");
        assert_eq!(shift_decimal("0.001", -2), "0.00001");
    }
}
