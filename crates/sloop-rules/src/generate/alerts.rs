//! Multi-window multi-burn-rate alerts, and where each window is computed.
//!
//! A pair fires when the burn rate over its long window *and* over its short
//! window both reach the threshold. Each alert is placed in the group that
//! computes the ratios it reads, after them, so it never reads a value one
//! evaluation old. A pair whose long window comes from recorded history also
//! waits until that history covers most of the window: a fresh Prometheus (or
//! one back from a gap) would otherwise compute a "6h" ratio over minutes and
//! page on noise.

use std::collections::{BTreeMap, BTreeSet};

use sloop_core::Duration;
use sloop_core::alerting::Severity;
use sloop_core::explain::duration_words;

use super::Ctx;
use crate::conventions::{self, ABSENT_ALERT, DEFAULT_ALERT, PAIR_LABEL, SEVERITY_LABEL, TOTAL_RATE};
use crate::promql::EventRates;
use crate::rules::{AlertingRule, Rule};

/// The two groups of an SLO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Short,
    Long,
}

/// One alert pair and where it is evaluated.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub(crate) severity: Severity,
    pub(crate) long: Duration,
    pub(crate) short: Duration,
    pub(crate) threshold: f64,
    pub(crate) group: Group,
}

/// Which windows each group computes, and which alerts it holds.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) pairs: Vec<Pair>,
    short: BTreeSet<Duration>,
    long_raw: BTreeSet<Duration>,
    recorded: BTreeSet<Duration>,
    pub(crate) notes: Vec<String>,
}

impl Plan {
    /// Windows the short group records from the raw series.
    pub(crate) fn short_windows(&self) -> impl Iterator<Item = Duration> + '_ {
        self.short.iter().copied()
    }
    /// Short windows the long group records from the raw series.
    pub(crate) fn long_group_raw_windows(&self) -> impl Iterator<Item = Duration> + '_ {
        self.long_raw.iter().copied()
    }
    /// Windows the long group sums from the base recordings.
    pub(crate) fn recorded_windows(&self) -> impl Iterator<Item = Duration> + '_ {
        self.recorded.iter().copied()
    }
    fn in_group(&self, w: Duration, g: Group) -> bool {
        match g {
            Group::Short => self.short.contains(&w),
            Group::Long => self.long_raw.contains(&w) || self.recorded.contains(&w),
        }
    }
}

/// Places every enabled pair and the windows it needs.
pub(crate) fn plan(ctx: &Ctx<'_>) -> Plan {
    let a = &ctx.o.alerting;
    let raw_max = ctx.options.raw_max;
    let mut notes = Vec::new();
    let pairs: Vec<Pair> = if a.enabled {
        a.windows
            .iter()
            .filter(|w| match w.severity {
                Severity::Page => a.page.enabled,
                Severity::Ticket => a.ticket.enabled,
            })
            .map(|w| Pair {
                severity: w.severity,
                long: w.long,
                short: w.short,
                threshold: round9(w.threshold(ctx.window)),
                group: if w.long <= raw_max { Group::Short } else { Group::Long },
            })
            .collect()
    } else {
        Vec::new()
    };
    if a.enabled && a.windows.is_empty() {
        notes.push(format!("no alert pair fits the {} window: only the data-absent alert is generated", ctx.window));
    } else if a.enabled && pairs.is_empty() {
        notes.push("page and ticket alerts are both disabled: only the data-absent alert is generated".into());
    }
    // The 5m ratio is the "current" burn rate; the SLO window is the budget.
    let mut short: BTreeSet<Duration> = BTreeSet::from([conventions::CURRENT_WINDOW]);
    for p in pairs.iter().filter(|p| p.group == Group::Short) {
        short.extend([p.long, p.short]);
    }
    let mut long_raw = BTreeSet::new();
    let mut recorded = BTreeSet::from([ctx.window]);
    for p in pairs.iter().filter(|p| p.group == Group::Long) {
        for w in [p.long, p.short] {
            if w > raw_max {
                recorded.insert(w);
            } else if !short.contains(&w) {
                long_raw.insert(w);
            }
        }
    }
    Plan { pairs, short, long_raw, recorded, notes }
}

/// The burn-rate alerts of one group.
pub(crate) fn rules(ctx: &Ctx<'_>, plan: &Plan, group: Group) -> Vec<Rule> {
    plan.pairs.iter().filter(|p| p.group == group).map(|p| Rule::Alert(pair_alert(ctx, plan, p))).collect()
}

fn pair_alert(ctx: &Ctx<'_>, plan: &Plan, p: &Pair) -> AlertingRule {
    let side = |w: Duration| -> String {
        let ratio = if plan.in_group(w, p.group) {
            strip_window(ctx, &ctx.ratio_ref(w))
        } else {
            // Recorded in the other group: compute it here from the raw series.
            format!("({})", ctx.rates.error_ratio(w))
        };
        format!("{ratio} / {} >= {}", ctx.budget, p.threshold)
    };
    let mut expr = format!("(\n  {}\nand on()\n  {}\n)", side(p.long), side(p.short));
    if plan.recorded.contains(&p.long) && p.group == Group::Long {
        let needed = (ctx.options.min_history * p.long.as_secs_f64() / ctx.options.long_interval.as_secs_f64()).ceil();
        let base = match ctx.rates {
            EventRates::Events { .. } => TOTAL_RATE,
            EventRates::ErrorRatio(_) => conventions::RAW_RATIO,
        };
        expr.push_str(&format!("\nand on()\n  count_over_time({base}{}[{}]) >= {needed}", ctx.selector, p.long));
    }
    let a = &ctx.o.alerting;
    let tier = match p.severity {
        Severity::Page => &a.page,
        Severity::Ticket => &a.ticket,
    };
    // The SLO's identity labels also come with the expression's result; they
    // are set here too so that each rule is distinct and Alertmanager can
    // group and inhibit one SLO's alerts by them.
    let mut labels = ctx.id_labels.clone();
    labels.insert(SEVERITY_LABEL.to_string(), p.severity.as_str().to_string());
    labels.extend(a.labels.clone());
    labels.extend(tier.labels.clone());
    labels.insert(ctx.names.severity_label().to_string(), p.severity.as_str().to_string());
    labels.insert(PAIR_LABEL.to_string(), format!("{}/{}", p.long, p.short));
    let mut annotations = annotations(ctx, p);
    annotations.extend(a.annotations.clone());
    annotations.extend(tier.annotations.clone());
    AlertingRule {
        alert: a.name.clone().unwrap_or_else(|| DEFAULT_ALERT.to_string()),
        expr,
        for_duration: tier.for_duration,
        labels,
        annotations,
    }
}

fn annotations(ctx: &Ctx<'_>, p: &Pair) -> BTreeMap<String, String> {
    let o = ctx.o;
    let lasts = duration_words(ctx.window.as_secs_f64() / p.threshold);
    let mut a = BTreeMap::new();
    a.insert(
        "title".into(),
        format!("({}) {} {} SLO error budget burn rate is too fast", p.severity.as_str(), o.service, o.name),
    );
    a.insert("summary".into(), format!("{}: {}", o.id(), sloop_core::explain::sentence(o)));
    a.insert(
        "description".into(),
        format!(
            "{} is burning its error budget {{{{ printf \"%.2f\" $value }}}} times faster than sustainable over the \
             last {} (threshold {}), and still over the last {}. At {}x the whole {} budget lasts {}.",
            o.id(),
            p.long,
            p.threshold,
            p.short,
            p.threshold,
            ctx.window,
            lasts
        ),
    );
    if let Some(url) = &o.runbook_url {
        a.insert("runbook_url".into(), url.clone());
    }
    a
}

/// The data-absent alert: the SLO's events cannot be counted at all.
pub(crate) fn absent(ctx: &Ctx<'_>) -> Rule {
    let base = match ctx.rates {
        EventRates::Events { .. } => TOTAL_RATE,
        EventRates::ErrorRatio(_) => conventions::RAW_RATIO,
    };
    let o = ctx.o;
    let mut labels = ctx.id_labels.clone();
    labels.extend([
        (SEVERITY_LABEL.to_string(), "ticket".to_string()),
        (ctx.names.severity_label().to_string(), "absent".to_string()),
    ]);
    labels.extend(o.alerting.labels.clone());
    let mut annotations = BTreeMap::from([
        ("title".to_string(), format!("{} {} SLO has no data", o.service, o.name)),
        (
            "description".to_string(),
            format!(
                "The events of {} cannot be counted: its total-events query returns nothing. The SLO is not \
                 measured and its alerts cannot fire.",
                o.id()
            ),
        ),
    ]);
    if let Some(url) = &o.runbook_url {
        annotations.insert("runbook_url".into(), url.clone());
    }
    Rule::Alert(AlertingRule {
        alert: ABSENT_ALERT.into(),
        expr: format!("absent({base}{})", ctx.selector),
        for_duration: Some(Duration::from_mins(10).max(ctx.options.long_interval * 3)),
        labels,
        annotations,
    })
}

/// In Sloth naming, ratios carry a window label; drop it where series of
/// different windows meet.
pub(crate) fn strip_window(ctx: &Ctx<'_>, expr: &str) -> String {
    match ctx.names.window_label() {
        Some(l) => format!("max without ({l}) ({expr})"),
        None => expr.to_string(),
    }
}

/// Rounds away float noise (`0.1 × 144 = 14.400000000000002`).
fn round9(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}
