//! Burn rates, alert thresholds, and how long a budget lasts.
//!
//! The burn rate compares the errors of a window to the errors the target
//! allows. A burn rate of 1 spends the budget exactly by the end of the SLO
//! window; 14.4 spends a 30-day budget in 50 hours.
//!
//! ```text
//! burn rate          = (1 − SLI_w) / (1 − target)          = bad / (total × budget)
//! threshold          = (SLO window / alert window) × budget share
//! exhaustion at rate = budget left × SLO window / burn rate
//! ```

use crate::alerting::{AlertPolicy, BurnRateWindow, Severity};
use crate::duration::Duration;
use crate::target::Target;

use super::budget::target_ratio;
use super::sli::Counts;

/// Relative slack when a burn rate is compared with a threshold.
///
/// Budget shares and budgets such as 0.02 and 0.001 are not exact in binary,
/// so an error ratio of exactly 14.4 × 0.1 % can come out as a burn rate of
/// 14.399999999999999. A burn rate within one part in 10⁹ of the threshold
/// counts as reaching it; real traffic is never that close by design.
pub const THRESHOLD_TOLERANCE: f64 = 1e-9;

/// The burn-rate threshold of an alert: `(slo_window / alert_window) × budget_share`.
///
/// 30d, 1h, 2 % → 14.4: spending 2 % of a 30-day budget in one hour is burning
/// it 14.4 times faster than the rate that would spend it exactly in 30 days.
pub fn burn_rate_threshold(slo_window: Duration, alert_window: Duration, budget_share: f64) -> f64 {
    slo_window.as_secs_f64() / alert_window.as_secs_f64() * budget_share
}

/// The burn rate of an SLI (a fraction of one): `(1 − SLI) / (1 − target)`.
/// 0 when nothing fails, 1 when failing exactly at the allowed pace, and
/// `1 / (1 − target)` (1000 for 99.9 %) when everything fails.
///
/// Computed as `(den − SLI × den) / (den − num)` with the target's exact
/// decimal `num / den`, so an SLI of 0.999 on 99.9 % burns exactly 1 (where
/// `(1 − 0.999) / 0.001` is 1.0000000000000009).
pub fn burn_rate(sli: f64, target: Target) -> f64 {
    let (num, den) = target_ratio(target);
    let (num, den) = (num as f64, den as f64);
    (den - sli * den) / (den - num)
}

/// The burn rate of a window's counts, `bad / (total × budget)`: the bad
/// events over the bad events allowed. `None` when the window had no events.
///
/// Dividing by the allowed bad events keeps round cases exact: 144 bad in
/// 10 000 on a 99.9 % target is 144 / 10 = 14.4, where
/// `(144 / 10 000) / 0.001` would give 14.399999999999999.
pub fn burn_rate_of(counts: Counts, target: Target) -> Option<f64> {
    counts.has_data().then(|| counts.bad() / (counts.total() * target.budget()))
}

/// Whether a burn rate reaches a threshold (`burn ≥ threshold`, with
/// [`THRESHOLD_TOLERANCE`]). `NaN` never reaches anything.
pub fn burn_reaches(burn: f64, threshold: f64) -> bool {
    burn >= threshold - threshold.abs() * THRESHOLD_TOLERANCE
}

/// Seconds until the budget is gone if it keeps burning at `burn_rate`:
/// `budget_left × slo_window / burn_rate`.
///
/// `budget_left` is a fraction of the whole budget (1 = untouched, as in
/// [`super::Budget::left`]). `Some(0.0)` when nothing is left (`≤ 0`), even
/// if nothing burns any more; `None` ("never") when `burn_rate ≤ 0` or is
/// `NaN`. A full budget at burn rate 1 lasts exactly the SLO window.
pub fn time_to_exhaustion_secs(budget_left: f64, burn_rate: f64, slo_window: Duration) -> Option<f64> {
    if budget_left <= 0.0 {
        return Some(0.0);
    }
    if burn_rate.is_nan() || burn_rate <= 0.0 {
        return None;
    }
    Some(budget_left * slo_window.as_secs_f64() / burn_rate)
}

/// The numbers of one alert pair, for `sloop explain`'s alert table.
///
/// Times are `f64` seconds, not rounded: the detection time of a 99.99 %
/// page alert is 5.184 s. Use [`super::whole_seconds`] to get a `Duration`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPairNumbers {
    /// Page or ticket.
    pub severity: Severity,
    /// The long window.
    pub long: Duration,
    /// The short (confirming) window.
    pub short: Duration,
    /// The share of the whole budget the pair lets `long` spend (0.02).
    pub budget_share: f64,
    /// The burn-rate threshold, `(SLO window / long) × budget_share`.
    pub threshold: f64,
    /// The error ratio the threshold stands for, `threshold × (1 − target)`:
    /// what a rule compares the window's `bad / total` with (0.0144 for
    /// 14.4 on 99.9 %).
    pub error_ratio: f64,
    /// How long the whole budget lasts at the threshold burn rate,
    /// `SLO window / threshold` (= `long / budget_share`): 50 hours for
    /// 14.4 on 30 days.
    pub exhaustion_secs: f64,
    /// How long after everything starts failing the long window reaches the
    /// threshold, `long × threshold × (1 − target)` (= `SLO window ×
    /// budget_share × (1 − target)`): 51.84 s for 14.4 on 99.9 %.
    /// `None` when the pair can never fire: the threshold needs more than
    /// 100 % of events to fail (14.4 on a 90 % target needs 144 %).
    pub detection_secs: Option<f64>,
}

impl AlertPairNumbers {
    /// Whether the pair can ever fire: its error ratio is at most 100 %.
    pub fn can_fire(&self) -> bool {
        self.detection_secs.is_some()
    }
}

/// The [`AlertPairNumbers`] of one window pair for an SLO window and target.
pub fn alert_pair_numbers(pair: &BurnRateWindow, slo_window: Duration, target: Target) -> AlertPairNumbers {
    let threshold = pair.threshold(slo_window);
    let budget = target.budget();
    let error_ratio = threshold * budget;
    let detection_secs = burn_reaches(1.0, error_ratio)
        .then(|| (slo_window.as_secs_f64() * pair.budget_share * budget).min(pair.long.as_secs_f64()));
    AlertPairNumbers {
        severity: pair.severity,
        long: pair.long,
        short: pair.short,
        budget_share: pair.budget_share,
        threshold,
        error_ratio,
        // long / share rather than slo / threshold: one rounding instead of three.
        exhaustion_secs: pair.long.as_secs_f64() / pair.budget_share,
        detection_secs,
    }
}

/// The [`AlertPairNumbers`] of every pair of a policy, in the policy's order.
pub fn alert_table(policy: &AlertPolicy, slo_window: Duration, target: Target) -> Vec<AlertPairNumbers> {
    policy.windows.iter().map(|p| alert_pair_numbers(p, slo_window, target)).collect()
}
