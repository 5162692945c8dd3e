//! What an objective means, in words and numbers: the sentence a person
//! would say, the budget in events and in time of full outage, and the alert
//! table. `sloop explain` and `sloop budget` print this; it is computed here
//! so that every front end says the same thing.

use serde::Serialize;

use crate::alerting::AlertPolicy;
use crate::duration::Duration;
use crate::math::{self, AlertPairNumbers};
use crate::model::{BudgetingMethod, EventQuery, Indicator, Objective, TimeWindow};
use crate::target::Target;

/// Everything `sloop explain` says about one objective.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// `service/name`.
    pub id: String,
    /// The human title, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// "90% of successful requests to myservice are served in under 200ms, over a rolling 30 days".
    pub sentence: String,
    /// The target in percent, exactly as written: "99.9".
    pub target: String,
    /// The window, compact (`30d`) or calendar (`month (Europe/Paris)`).
    pub window: String,
    /// The error budget.
    pub budget: BudgetFigures,
    /// The alerts.
    pub alerting: AlertingFigures,
    /// Things worth knowing (e.g. an alert pair that can never fire).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// An error budget in the units people think in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetFigures {
    /// `1 − target` as a fraction: 0.001.
    pub fraction: f64,
    /// The budget in percent, exactly: "0.1".
    pub percent: String,
    /// Bad events allowed per million events.
    pub bad_per_million: f64,
    /// The window's (nominal) length.
    pub window: Duration,
    /// How long everything may be down in one window, in seconds.
    pub full_outage_secs: f64,
    /// The same in words: "43 minutes 12 seconds".
    pub full_outage: String,
    /// Declared traffic in events per second, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_per_sec: Option<f64>,
    /// Events in one window at the declared traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_per_window: Option<f64>,
    /// Bad events allowed in one window at the declared traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bad_events_per_window: Option<f64>,
}

/// The alert table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertingFigures {
    /// Whether the objective alerts at all.
    pub enabled: bool,
    /// One row per window pair whose tier is enabled.
    pub rows: Vec<AlertRow>,
}

/// One alert pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRow {
    /// `page` or `ticket`.
    pub severity: String,
    /// Long window, compact.
    pub long: String,
    /// Short window, compact.
    pub short: String,
    /// Share of the budget spent in the long window, in percent.
    pub budget_share_percent: f64,
    /// The burn-rate threshold.
    pub burn_rate: f64,
    /// The error ratio that threshold means, in percent.
    pub error_ratio_percent: f64,
    /// How long the whole budget lasts at this burn rate, in seconds.
    pub exhaustion_secs: f64,
    /// The same in words.
    pub exhaustion: String,
    /// Seconds from a total outage to the alert, when it can fire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection_secs: Option<f64>,
}

/// The budget of a target over a window, with optional traffic.
pub fn budget_figures(target: Target, window: Duration, traffic_per_sec: Option<f64>) -> BudgetFigures {
    let full_outage_secs = math::allowed_downtime_secs(window, target);
    let events = traffic_per_sec.map(|t| t * window.as_secs_f64());
    BudgetFigures {
        fraction: target.budget(),
        percent: budget_percent(target),
        bad_per_million: target.budget() * 1e6,
        window,
        full_outage_secs,
        full_outage: duration_words(full_outage_secs),
        traffic_per_sec,
        events_per_window: events,
        bad_events_per_window: events.map(|e| math::allowed_bad_events(e, target)),
    }
}

/// The exact budget in percent, e.g. 99.95 → "0.05".
fn budget_percent(target: Target) -> String {
    let t = target.percent_string();
    let decimals = t.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
    let scale = 10u64.pow(decimals as u32);
    let units: u64 = t.replace('.', "").parse().unwrap_or(0);
    let left = 100 * scale - units;
    let int = left / scale;
    let frac = left % scale;
    if decimals == 0 || frac == 0 {
        int.to_string()
    } else {
        let f = format!("{frac:0>width$}", width = decimals);
        format!("{int}.{}", f.trim_end_matches('0'))
    }
}

/// Seconds in words, to the second ("51.84 seconds" below a minute).
pub fn duration_words(secs: f64) -> String {
    if secs < 60.0 && secs.fract() != 0.0 {
        let r = (secs * 100.0).round() / 100.0;
        return format!("{r} seconds");
    }
    math::whole_seconds(secs).to_words()
}

/// The alert table of a policy.
pub fn alert_rows(policy: &AlertPolicy, window: Duration, target: Target) -> Vec<AlertRow> {
    math::alert_table(policy, window, target)
        .into_iter()
        .filter(|n| match n.severity {
            crate::alerting::Severity::Page => policy.page.enabled,
            crate::alerting::Severity::Ticket => policy.ticket.enabled,
        })
        .map(row)
        .collect()
}

fn row(n: AlertPairNumbers) -> AlertRow {
    AlertRow {
        severity: n.severity.as_str().into(),
        long: n.long.to_compact(),
        short: n.short.to_compact(),
        budget_share_percent: round9(n.budget_share * 100.0),
        burn_rate: round9(n.threshold),
        error_ratio_percent: round9(n.error_ratio * 100.0),
        exhaustion_secs: n.exhaustion_secs,
        exhaustion: duration_words(n.exhaustion_secs),
        detection_secs: n.detection_secs,
    }
}

/// Rounds away float noise (0.1 × 144 = 14.400000000000002) for display.
fn round9(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// Explains one objective.
pub fn explain(o: &Objective) -> Explanation {
    let window = o.window.nominal_length();
    let rows = if o.alerting.enabled { alert_rows(&o.alerting, window, o.target) } else { Vec::new() };
    let mut notes = Vec::new();
    for r in &rows {
        if r.detection_secs.is_none() {
            notes.push(format!(
                "the {} alert over {} can never fire: burn rate {} on a {}% target needs more than 100% of events to fail",
                r.severity,
                r.long,
                r.burn_rate,
                o.target.percent_string()
            ));
        } else if r.burn_rate < 1.0 {
            notes.push(format!(
                "the {} alert over {} has a burn rate under 1 ({}): it fires while the budget would still last the window",
                r.severity, r.long, r.burn_rate
            ));
        }
    }
    if o.alerting.enabled && !o.alerting.custom_windows {
        // How the standard pairs were fitted to this window, if they were.
        notes.extend(AlertPolicy::standard(window).1);
    }
    if let Indicator::Raw(_) = o.indicator {
        notes.push(
            "a raw ratio query cannot be summed into event counts: its SLI over long windows is an average of ratios"
                .into(),
        );
    }
    if let TimeWindow::Calendar(_) = o.window {
        notes.push(format!(
            "calendar windows vary in length; the budget and thresholds above use a nominal {}",
            window.to_words()
        ));
    }
    Explanation {
        id: o.id(),
        title: o.display_name.clone(),
        sentence: sentence(o),
        target: o.target.percent_string(),
        window: match &o.window {
            TimeWindow::Rolling { duration } => duration.to_compact(),
            TimeWindow::Calendar(c) => format!("{} ({})", c.unit.as_str(), c.time_zone),
        },
        budget: budget_figures(o.target, window, o.traffic),
        alerting: AlertingFigures { enabled: o.alerting.enabled, rows },
        notes,
    }
}

/// The sentence a person would say about an objective.
pub fn sentence(o: &Objective) -> String {
    let pct = format!("{}%", o.target.percent_string());
    let svc = &o.service;
    let when = o.window.describe();
    let what = match &o.indicator {
        Indicator::Latency(l) => {
            let (successful, rest) = describe_matchers(&l.matchers, svc);
            let adjective = if successful { "successful " } else { "" };
            format!("{pct} of {adjective}requests to {svc}{rest} are served in under {}", latency_words(&l.threshold))
        }
        Indicator::Ratio(r) => match r.events {
            EventQuery::Good(_) => format!("{pct} of events for {svc} are good (good events / total events)"),
            EventQuery::Bad(_) => {
                format!("{pct} of events for {svc} are good (at most {}% are bad)", budget_percent(o.target))
            }
        },
        Indicator::Selector(s) => {
            let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let from = match &s.ratio {
                Some(r) => format!("measured by {} queries", r.provider.kind.as_str()),
                None => format!("in indicators labelled {}", labels.join(", ")),
            };
            format!("{pct} of events for {svc} are good, {from}")
        }
        Indicator::Raw(r) => format!(
            "the {} of {svc} measured by its query stays at or above {pct}",
            match r.measures {
                crate::model::RawMeasure::GoodRatio => "success ratio",
                crate::model::RawMeasure::ErrorRatio => "success ratio (1 − error ratio)",
            }
        ),
        Indicator::Threshold(t) => format!("{pct} of samples for {svc} are {} {}", t.op.symbol(), t.value),
    };
    let slices = match &o.budgeting {
        BudgetingMethod::Occurrences => String::new(),
        BudgetingMethod::Timeslices { slice, slice_target } => {
            format!(", counted in {} slices (a slice is good when it reaches {})", slice.to_compact(), slice_target)
        }
        BudgetingMethod::RatioTimeslices { slice } => format!(", averaged over {} slices", slice.to_compact()),
    };
    format!("{what}{slices}, over {when}")
}

/// Whether the matchers say "successful", and the rest in words.
fn describe_matchers(matchers: &[String], service: &str) -> (bool, String) {
    let mut successful = false;
    let mut rest = Vec::new();
    for m in matchers {
        let compact = m.replace(' ', "");
        let (key, value) = compact.split_once(['=', '!']).unwrap_or((&compact, ""));
        let value = value.trim_start_matches(['=', '~']).trim_matches('"');
        if ["outcome=\"SUCCESS\"", "status=~\"2..\"", "code=~\"2..\"", "outcome=\"success\""]
            .contains(&compact.as_str())
        {
            successful = true;
        } else if ["service", "service_name", "job", "app"].contains(&key) && value == service {
            // Already said by "to <service>".
        } else {
            rest.push(m.clone());
        }
    }
    let rest = if rest.is_empty() { String::new() } else { format!(" where {}", rest.join(", ")) };
    (successful, rest)
}

/// "0.2" → "200ms", "1.5" → "1.5s".
fn latency_words(threshold: &str) -> String {
    match threshold.parse::<f64>() {
        Ok(s) if s < 1.0 => format!("{}ms", round9(s * 1000.0)),
        Ok(s) => format!("{}s", round9(s)),
        Err(_) => threshold.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_percent_is_exact() {
        let p = |s: &str| budget_percent(Target::from_percent_str(s).unwrap());
        assert_eq!(p("99.9"), "0.1");
        assert_eq!(p("99.95"), "0.05");
        assert_eq!(p("90"), "10");
        assert_eq!(p("99"), "1");
        assert_eq!(p("99.999"), "0.001");
    }

    #[test]
    fn workbook_budget_figures() {
        let f = budget_figures(Target::from_percent_str("90").unwrap(), Duration::from_days(30), None);
        assert_eq!(f.full_outage_secs, 72.0 * 3600.0);
        assert_eq!(f.full_outage, "3 days");
        let f = budget_figures(Target::from_percent_str("99.9").unwrap(), Duration::from_days(30), Some(100.0));
        assert_eq!(f.full_outage, "43 minutes 12 seconds");
        assert_eq!(f.events_per_window, Some(259_200_000.0));
        assert_eq!(f.bad_events_per_window, Some(259_200.0));
        assert_eq!(f.bad_per_million, 1000.0);
    }

    #[test]
    fn latency_words_are_exact() {
        assert_eq!(latency_words("0.2"), "200ms");
        assert_eq!(latency_words("0.005"), "5ms");
        assert_eq!(latency_words("1.5"), "1.5s");
    }
}
