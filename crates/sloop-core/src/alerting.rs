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
        let (windows, warnings) = fit_standard(slo_window);
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

/// Fits window pairs a manifest wrote to an SLO window.
///
/// A pair that fits is kept as written, even when its threshold is under 1
/// (explain points that out). A pair longer than the SLO window is shrunk in
/// proportion so its long window equals the SLO window, with a warning; if its
/// short window would then be under [`MIN_ALERT_WINDOW`] it is dropped. The
/// result fits, so fitting it again changes nothing.
pub fn fit_windows(pairs: Vec<BurnRateWindow>, slo_window: Duration) -> (Vec<BurnRateWindow>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for p in pairs {
        if p.long <= slo_window {
            out.push(p);
            continue;
        }
        let why = format!(
            "the {} alert over {} (confirmed over {}) does not fit the {slo_window} SLO window",
            p.severity.as_str(),
            p.long,
            p.short
        );
        push_scaled(p.clone(), slo_window.as_secs(), p.long.as_secs(), why, &mut out, &mut warnings);
    }
    (out, warnings)
}

/// The standard pairs ([`standard_windows`]) fitted to an SLO window.
///
/// A pair is kept as it is when its long window fits inside the SLO window
/// and its burn-rate threshold is at least 1 (below 1 it would fire while the
/// budget is on track to last the window: noise). That keeps the workbook's
/// pairs on 30 days and longer, and on 28 days keeps 13.44, 5.6 and 2.8.
///
/// Otherwise the pair is scaled by `slo_window / 30d`, which gives it back its
/// 30-day threshold (so the 3d pair of a 28d SLO becomes 2d19h12m at
/// threshold 1, not 0.93). A pair whose short window would then be under
/// [`MIN_ALERT_WINDOW`] is dropped. Every change comes with a sentence saying
/// why: nothing is ever silently rounded to 0s.
pub fn fit_standard(slo_window: Duration) -> (Vec<BurnRateWindow>, Vec<String>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for p in standard_windows() {
        let threshold = p.threshold(slo_window);
        let fits = p.long <= slo_window;
        if fits && (threshold >= 1.0 - crate::math::THRESHOLD_TOLERANCE || slo_window >= REFERENCE_WINDOW) {
            out.push(p);
            continue;
        }
        let (sev, long, short) = (p.severity.as_str(), p.long, p.short);
        let why = if fits {
            let t = (threshold * 1e4).round() / 1e4;
            format!(
                "the {sev} alert over {long} (confirmed over {short}) would have a burn-rate threshold of {t} \
                 on a {slo_window} SLO window, under 1"
            )
        } else {
            format!("the {sev} alert over {long} (confirmed over {short}) does not fit the {slo_window} SLO window")
        };
        push_scaled(p, slo_window.as_secs(), REFERENCE_WINDOW.as_secs(), why, &mut out, &mut warnings);
    }
    (out, warnings)
}

/// Scales a pair's windows by `num / den` (exact integers, rounded down to a
/// second) and keeps it, or drops it when its short window gets too short.
fn push_scaled(
    p: BurnRateWindow,
    num: u64,
    den: u64,
    why: String,
    out: &mut Vec<BurnRateWindow>,
    warnings: &mut Vec<String>,
) {
    let scale = |d: Duration| Duration::from_secs((u128::from(d.as_secs()) * u128::from(num) / u128::from(den)) as u64);
    let (long, short) = (scale(p.long), scale(p.short));
    if short < MIN_ALERT_WINDOW || long < MIN_ALERT_WINDOW {
        warnings.push(format!(
            "{why}, and scaled down its short window would be {}s, under the {MIN_ALERT_WINDOW} minimum: \
             that pair is dropped",
            short.as_secs()
        ));
        return;
    }
    warnings.push(format!("{why}: scaled down to {long} (confirmed over {short})"));
    out.push(BurnRateWindow { long, short, ..p });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fitted(slo: Duration) -> (Vec<BurnRateWindow>, Vec<String>) {
        fit_standard(slo)
    }

    /// (severity, long secs, short secs) of each pair.
    fn shape(ws: &[BurnRateWindow]) -> Vec<(Severity, u64, u64)> {
        ws.iter().map(|w| (w.severity, w.long.as_secs(), w.short.as_secs())).collect()
    }

    fn thresholds(ws: &[BurnRateWindow], slo: Duration) -> Vec<f64> {
        ws.iter().map(|w| w.threshold(slo)).collect()
    }

    fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{got:?} vs {want:?}");
        }
    }

    const STANDARD: [(Severity, u64, u64); 4] = [
        (Severity::Page, 3_600, 300),
        (Severity::Page, 21_600, 1_800),
        (Severity::Ticket, 86_400, 7_200),
        (Severity::Ticket, 259_200, 21_600),
    ];

    #[test]
    fn thirty_days_is_the_workbook() {
        let slo = Duration::from_days(30);
        let (ws, warnings) = fitted(slo);
        assert_eq!(shape(&ws), STANDARD);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_close(&thresholds(&ws, slo), &[14.4, 6.0, 3.0, 1.0]);
        assert_eq!(ws.iter().map(|w| w.budget_share).collect::<Vec<_>>(), [0.02, 0.05, 0.10, 0.10]);
    }

    #[test]
    fn twenty_eight_days_keeps_the_pairs_and_scales_thresholds() {
        let slo = Duration::from_days(28);
        let (ws, warnings) = fitted(slo);
        // 3d at 28d would be 0.933 (< 1): scaled by 28/30 to 2d19h12m (241 920 s) over 5h36m (20 160 s).
        assert_eq!(shape(&ws), [STANDARD[0], STANDARD[1], STANDARD[2], (Severity::Ticket, 241_920, 20_160)]);
        assert_close(&thresholds(&ws, slo), &[13.44, 5.6, 2.8, 1.0]);
        assert_eq!(
            warnings,
            ["the ticket alert over 3d (confirmed over 6h) would have a burn-rate threshold of 0.9333 on a 28d SLO \
              window, under 1: scaled down to 2d19h12m (confirmed over 5h36m)"]
        );
    }

    #[test]
    fn seven_days_scales_the_pairs_under_one() {
        let slo = Duration::from_days(7);
        let (ws, warnings) = fitted(slo);
        // 1d (0.7) → 5h36m over 28m; 3d (0.233) → 16h48m over 1h24m.
        assert_eq!(
            shape(&ws),
            [STANDARD[0], STANDARD[1], (Severity::Ticket, 20_160, 1_680), (Severity::Ticket, 60_480, 5_040)]
        );
        assert_close(&thresholds(&ws, slo), &[3.36, 1.4, 3.0, 1.0]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn one_day_keeps_thirty_day_thresholds() {
        let slo = Duration::from_days(1);
        let (ws, warnings) = fitted(slo);
        // 1h → 2m over 10s: dropped. 6h → 12m over 1m; 1d → 48m over 4m; 3d → 2h24m over 12m.
        assert_eq!(
            shape(&ws),
            [(Severity::Page, 720, 60), (Severity::Ticket, 2_880, 240), (Severity::Ticket, 8_640, 720)]
        );
        assert_close(&thresholds(&ws, slo), &[6.0, 3.0, 1.0]);
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(warnings[0].ends_with("short window would be 10s, under the 1m minimum: that pair is dropped"));
        assert!(warnings[3].starts_with("the ticket alert over 3d (confirmed over 6h) does not fit the 1d SLO window"));
        assert!(warnings[3].ends_with("scaled down to 2h24m (confirmed over 12m)"));
    }

    #[test]
    fn one_hour_has_no_pair_left() {
        let slo = Duration::from_hours(1);
        let (ws, warnings) = fitted(slo);
        // 1h would be 0.02; scaled, every short window is under 1m (0s, 2s, 10s, 30s).
        assert!(ws.is_empty(), "{ws:?}");
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(warnings[0].contains("threshold of 0.02 on a 1h SLO window"), "{}", warnings[0]);
        for (w, short) in warnings.iter().zip(["0s", "2s", "10s", "30s"]) {
            assert!(w.contains(&format!("short window would be {short}, under the 1m minimum")), "{w}");
        }
    }

    #[test]
    fn five_minutes_drops_everything_and_says_why() {
        let (ws, warnings) = fitted(Duration::from_mins(5));
        assert!(ws.is_empty(), "{ws:?}");
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        for (w, (sev, long, short)) in warnings.iter().zip([
            ("page", "1h", "0s"),
            ("page", "6h", "0s"),
            ("ticket", "1d", "0s"),
            ("ticket", "3d", "2s"),
        ]) {
            assert!(w.starts_with(&format!("the {sev} alert over {long} ")), "{w}");
            assert!(w.contains("does not fit the 5m SLO window"), "{w}");
            assert!(w.contains(&format!("would be {short}, under the 1m minimum: that pair is dropped")), "{w}");
        }
    }

    #[test]
    fn standard_policy_carries_the_fitting() {
        let (p, warnings) = AlertPolicy::standard(Duration::from_days(1));
        assert_eq!(p.windows.len(), 3);
        assert_eq!(warnings.len(), 4);
        assert_eq!(p.tier(Severity::Page).count(), 1);
        assert_eq!(p.tier(Severity::Ticket).map(|w| w.long.as_secs()).collect::<Vec<_>>(), [2_880, 8_640]);
        assert!(!AlertPolicy::disabled(Duration::from_days(30)).enabled);
    }

    #[test]
    fn fitting_is_idempotent() {
        for days in [1, 7, 28, 30, 90] {
            let slo = Duration::from_days(days);
            let (once, _) = fit_standard(slo);
            let (twice, warnings) = fit_windows(once.clone(), slo);
            assert_eq!(once, twice, "{days}d");
            assert!(warnings.is_empty(), "{days}d: {warnings:?}");
        }
        // A written pair longer than the window is shrunk to the window, once.
        let slo = Duration::from_days(28);
        let long = Duration::from_days(35);
        let pair =
            BurnRateWindow { severity: Severity::Ticket, long, short: Duration::from_hours(35), budget_share: 0.5 };
        let (once, warnings) = fit_windows(vec![pair], slo);
        assert_eq!((once[0].long, once[0].short), (slo, Duration::from_hours(28)));
        assert_eq!(
            warnings,
            ["the ticket alert over 35d (confirmed over 1d11h) does not fit the 28d SLO window: \
              scaled down to 28d (confirmed over 1d4h)"]
        );
        assert_eq!(fit_windows(once.clone(), slo).0, once);
    }
}
