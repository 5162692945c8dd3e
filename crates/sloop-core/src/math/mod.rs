//! The SLO math of the Google SRE workbook, pure and exact.
//!
//! Everything in sloop that computes with an SLO (the CLI's `explain` and
//! `status`, the rule generators, the providers) uses these functions, so
//! the numbers agree everywhere. Nothing here does I/O.
//!
//! # Counting events
//!
//! An SLI is *good events / total events* over a window. Counts are `f64`
//! ([`Counts`]): Prometheus' `increase()` and Datadog's `.as_count()` give
//! non-integers. The SLI of a window is the ratio of the **sums** of its
//! events, never the average of per-minute ratios: one good request in a
//! quiet minute must not weigh as much as 99 failures in a busy one.
//!
//! ```text
//! SLI = Σ good / Σ total          over (end − window, end]
//! ```
//!
//! A window without events has **no data**: [`Counts::sli`] is `None`. It is
//! neither 100 % (nothing failed) nor `NaN` (0 / 0), and it never fires an
//! alert. Counts that cannot be (`good > total`, negative, `NaN`) are refused
//! with a [`MathError`], which [`MathError::in_objective`] turns into
//! [`crate::Error::Math`].
//!
//! # The error budget
//!
//! A 99.9 % target allows 0.1 % of events to fail: the budget is
//! `1 − target`, taken exactly from [`Target::budget`](crate::Target::budget).
//!
//! ```text
//! allowed bad events   = total × (1 − target)
//! allowed full outage  = window × (1 − target)       30d at 99.9 % → 43m12s
//! budget consumed      = (1 − SLI) / (1 − target)     1 = exactly spent
//! budget left          = (SLI − target) / (1 − target) = 1 − consumed
//! ```
//!
//! See [`Budget`], [`budget_left`], [`allowed_downtime_secs`].
//!
//! # Burn rate
//!
//! How fast the budget goes, compared with the pace that spends it exactly
//! over the SLO window:
//!
//! ```text
//! burn rate over w = (1 − SLI_w) / (1 − target)
//! time left        = budget left × SLO window / burn rate
//! ```
//!
//! At burn rate 1 a full budget lasts the SLO window; at 14.4 a 30-day
//! budget lasts 50 hours. See [`burn_rate_of`], [`time_to_exhaustion_secs`].
//!
//! # Multi-window, multi-burn-rate alerts
//!
//! An alert pair says "page when `budget_share` of the budget goes within
//! `long`". Spending 2 % of a 30-day budget in 1 hour is burning
//! `720 × 0.02 = 14.4` times too fast:
//!
//! ```text
//! threshold = (SLO window / long window) × budget share
//!   30d: 1h 2 % → 14.4 · 6h 5 % → 6 · 1d 10 % → 3 · 3d 10 % → 1     28d: 1h 2 % → 13.44
//! ```
//!
//! The pair fires when the burn rate reaches the threshold over the long
//! window *and* over the short one (so it stops soon after the problem
//! does). For `explain` each pair also has the time a full budget lasts at
//! the threshold (`SLO window / threshold`) and the time it takes to notice
//! a total outage (`long × threshold × (1 − target)`, 51.84 s for the 1h pair
//! at 99.9 %). See [`evaluate_alerts`], [`alert_table`].
//!
//! # Budgeting methods over a series
//!
//! OpenSLO's `Occurrences`, `Timeslices` and `RatioTimeslices` are computed
//! over a list of [`Point`]s by [`series_sli`]; the rules are in
//! the docs of [`occurrences_sli`], [`timeslices_sli`] and
//! [`ratio_timeslices_sli`].
//!
//! # Units
//!
//! Fractions are fractions of one (`0.999`, not `99.9`). Durations derived
//! from float math (exhaustion and detection times, allowed downtime) are
//! `f64` seconds, not rounded; [`whole_seconds`] rounds one to a
//! [`Duration`](crate::Duration).

mod alerts;
mod budget;
mod burn;
mod series;
mod sli;

pub use alerts::{AlertEvaluation, AlertState, PairEvaluation, alert_windows, evaluate_alerts};
pub use budget::{Budget, allowed_bad_events, allowed_downtime_secs, budget_consumed, budget_left, whole_seconds};
pub use burn::{
    AlertPairNumbers, THRESHOLD_TOLERANCE, alert_pair_numbers, alert_table, burn_rate, burn_rate_of,
    burn_rate_threshold, burn_reaches, time_to_exhaustion_secs,
};
pub use series::{
    BurnDownPoint, Point, Slice, Window, burn_down, meets_target, occurrences_sli, points_in, ratio_timeslices_sli,
    series_sli, slice_end, slices, timeslices_sli, window_counts,
};
pub use sli::{Counts, MathError, sli_of_sums};
