//! The SLO math of the Google SRE workbook, pure and exact.

use crate::duration::Duration;

/// The burn-rate threshold of an alert: `(slo_window / alert_window) × budget_share`.
///
/// 30d, 1h, 2 % → 14.4: spending 2 % of a 30-day budget in one hour is burning
/// it 14.4 times faster than the rate that would spend it exactly in 30 days.
pub fn burn_rate_threshold(slo_window: Duration, alert_window: Duration, budget_share: f64) -> f64 {
    slo_window.as_secs_f64() / alert_window.as_secs_f64() * budget_share
}
