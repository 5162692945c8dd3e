//! Multi-window, multi-burn-rate alerting policy (SRE workbook, chapter 5).
//!
//! An alert fires when the error budget burns fast over a long window *and*
//! is still burning over a short window (so it resolves soon after the
//! problem stops). Each pair is written as "spend `budget_share` of the budget
//! within `long`", and its burn-rate threshold follows from the SLO window:
//!
//! ```text
//! threshold = (SLO window / long window) × budget share
//! ```
//!
//! For a 30-day SLO the four standard pairs give 14.4, 6, 3 and 1. For other
//! windows the same pairs are kept and the thresholds scale (28 days: 13.44).
//! A pair whose long window does not fit inside the SLO window is scaled down
//! in proportion, with a warning; one whose short window would fall under one
//! minute is dropped, with a warning. Nothing is ever silently rounded to 0s.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::duration::Duration;
use crate::model::Labels;

/// Who an alert goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Wake someone up.
    Page,
    /// Look at it during working hours.
    Ticket,
}

impl Severity {
    /// `page` or `ticket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }
}

/// One long/short window pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurnRateWindow {
    /// Page or ticket.
    pub severity: Severity,
    /// The window over which `budget_share` would be spent.
    pub long: Duration,
    /// The confirming window (usually long / 12).
    pub short: Duration,
    /// The share of the whole budget spent in `long`, as a fraction (0.02).
    pub budget_share: f64,
}

impl BurnRateWindow {
    /// The burn-rate threshold for an SLO window: `(slo / long) × share`.
    pub fn threshold(&self, slo_window: Duration) -> f64 {
        crate::math::burn_rate_threshold(slo_window, self.long, self.budget_share)
    }
}

/// Labels, annotations and switches of one tier (page or ticket).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TierPolicy {
    /// Whether alerts of this tier are generated.
    pub enabled: bool,
    /// Extra labels on the tier's alerts (e.g. `severity: pageteam`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    /// Extra annotations on the tier's alerts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: Labels,
    /// How long the condition must hold before firing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub for_duration: Option<Duration>,
}

impl Default for TierPolicy {
    fn default() -> Self {
        Self { enabled: true, labels: Labels::new(), annotations: Labels::new(), for_duration: None }
    }
}

/// How an objective alerts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertPolicy {
    /// Whether the objective alerts at all.
    pub enabled: bool,
    /// The alert's name (Sloth `alerting.name`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Labels on every alert of the objective.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    /// Annotations on every alert of the objective.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: Labels,
    /// The page tier.
    pub page: TierPolicy,
    /// The ticket tier.
    pub ticket: TierPolicy,
    /// The window pairs, already fitted to the SLO window.
    pub windows: Vec<BurnRateWindow>,
    /// Whether `windows` were written in the manifest (true) or are the
    /// standard pairs (false). Writers only emit custom windows.
    pub custom_windows: bool,
}

impl AlertPolicy {
    /// The standard policy for an SLO window, and any warnings from fitting it.
    pub fn standard(slo_window: Duration) -> (Self, Vec<String>) {
        let (windows, warnings) = fit_windows(standard_windows(), slo_window);
        (
            Self {
                enabled: true,
                name: None,
                labels: Labels::new(),
                annotations: Labels::new(),
                page: TierPolicy::default(),
                ticket: TierPolicy::default(),
                windows,
                custom_windows: false,
            },
            warnings,
        )
    }

    /// A policy that never alerts.
    pub fn disabled(slo_window: Duration) -> Self {
        let (mut p, _) = Self::standard(slo_window);
        p.enabled = false;
        p
    }

    /// The pairs of one tier.
    pub fn tier(&self, severity: Severity) -> impl Iterator<Item = &BurnRateWindow> {
        self.windows.iter().filter(move |w| w.severity == severity)
    }
}

/// The four pairs of the SRE workbook, as written for a 30-day SLO:
/// page 2 % in 1h (5m), page 5 % in 6h (30m), ticket 10 % in 1d (2h),
/// ticket 10 % in 3d (6h).
pub fn standard_windows() -> Vec<BurnRateWindow> {
    let w = |severity, long: Duration, short: Duration, budget_share| BurnRateWindow {
        severity,
        long,
        short,
        budget_share,
    };
    vec![
        w(Severity::Page, Duration::from_hours(1), Duration::from_mins(5), 0.02),
        w(Severity::Page, Duration::from_hours(6), Duration::from_mins(30), 0.05),
        w(Severity::Ticket, Duration::from_days(1), Duration::from_hours(2), 0.10),
        w(Severity::Ticket, Duration::from_days(3), Duration::from_hours(6), 0.10),
    ]
}

/// The window the standard pairs were written for.
pub const REFERENCE_WINDOW: Duration = Duration::from_days(30);

/// The shortest alert window kept after scaling down.
pub const MIN_ALERT_WINDOW: Duration = Duration::from_mins(1);

/// Fits window pairs to an SLO window.
///
/// Pairs whose long window fits are kept as they are (their threshold scales
/// with the SLO window). A pair whose long window is longer than the SLO
/// window is scaled by `slo_window / 30d`, which keeps its 30-day threshold;
/// if its short window would then be under [`MIN_ALERT_WINDOW`] it is dropped.
/// Every change is reported as a warning.
pub fn fit_windows(pairs: Vec<BurnRateWindow>, slo_window: Duration) -> (Vec<BurnRateWindow>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for p in pairs {
        if p.long <= slo_window {
            out.push(p);
            continue;
        }
        let scale = |d: Duration| {
            // Exact integer arithmetic: d × slo / 30d, rounded down to a second.
            let secs =
                u128::from(d.as_secs()) * u128::from(slo_window.as_secs()) / u128::from(REFERENCE_WINDOW.as_secs());
            Duration::from_secs(secs as u64)
        };
        let (long, short) = (scale(p.long), scale(p.short));
        if short < MIN_ALERT_WINDOW || long < MIN_ALERT_WINDOW {
            warnings.push(format!(
                "the {} alert over {} (confirmed over {}) does not fit the {} SLO window, and scaled down its \
                 short window would be {}s, under the {} minimum: that pair is dropped",
                p.severity.as_str(),
                p.long,
                p.short,
                slo_window,
                short.as_secs(),
                MIN_ALERT_WINDOW
            ));
            continue;
        }
        warnings.push(format!(
            "the {} alert over {} (confirmed over {}) does not fit the {} SLO window: scaled down to {} (confirmed over {})",
            p.severity.as_str(),
            p.long,
            p.short,
            slo_window,
            long,
            short
        ));
        out.push(BurnRateWindow { long, short, ..p });
    }
    (out, warnings)
}
