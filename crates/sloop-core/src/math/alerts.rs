//! Multi-window, multi-burn-rate alert evaluation (SRE workbook, chapter 5).
//!
//! A pair fires when the budget burns at least `threshold` times too fast
//! over its long window (the problem is big enough) *and* over its short
//! window (it is still happening). A window without events has no burn rate
//! and never fires: no data is not an outage, and not a success either.

use std::collections::BTreeMap;

use crate::alerting::{AlertPolicy, Severity};
use crate::duration::Duration;
use crate::target::Target;

use super::burn::{burn_rate_of, burn_reaches};
use super::sli::Counts;

/// How one window pair stands.
#[derive(Debug, Clone, PartialEq)]
pub struct PairEvaluation {
    /// Page or ticket.
    pub severity: Severity,
    /// The long window.
    pub long: Duration,
    /// The short window.
    pub short: Duration,
    /// The burn-rate threshold, `(SLO window / long) × budget_share`.
    pub threshold: f64,
    /// The share of the budget the pair lets `long` spend.
    pub budget_share: f64,
    /// The burn rate over the long window; `None` without events.
    pub long_burn: Option<f64>,
    /// The burn rate over the short window; `None` without events.
    pub short_burn: Option<f64>,
    /// Whether both burn rates reach the threshold (see
    /// [`super::burn_reaches`]). Never true without data. This is the
    /// condition alone: it ignores whether the tier is enabled.
    pub firing: bool,
}

impl PairEvaluation {
    /// Whether both windows had events.
    pub fn has_data(&self) -> bool {
        self.long_burn.is_some() && self.short_burn.is_some()
    }
}

/// The overall state of an objective's alerts, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertState {
    /// At least one pair of the (enabled) page tier fires.
    PageFiring,
    /// No page fires, but a pair of the (enabled) ticket tier does.
    TicketFiring,
    /// Nothing fires, and at least one enabled pair had data in both windows.
    Ok,
    /// No enabled pair had data in both of its windows.
    NoData,
    /// Alerting is off: the policy, or both of its tiers, are disabled
    /// (the pairs are still evaluated, for display).
    Disabled,
}

impl AlertState {
    /// `page`, `ticket`, `ok`, `no data`, `disabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::PageFiring => "page",
            AlertState::TicketFiring => "ticket",
            AlertState::Ok => "ok",
            AlertState::NoData => "no data",
            AlertState::Disabled => "disabled",
        }
    }
}

/// Every pair's evaluation, and the overall state.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvaluation {
    /// One per pair of the policy, in the policy's order.
    pub pairs: Vec<PairEvaluation>,
    /// The overall state, from the pairs of enabled tiers.
    pub state: AlertState,
}

/// The distinct windows a policy needs counts for, shortest first: what to
/// query before calling [`evaluate_alerts`].
pub fn alert_windows(policy: &AlertPolicy) -> Vec<Duration> {
    let mut ws: Vec<Duration> = policy.windows.iter().flat_map(|p| [p.long, p.short]).collect();
    ws.sort_unstable();
    ws.dedup();
    ws
}

/// Evaluates every pair of `policy` for an SLO window and target.
///
/// `counts_over(w)` gives the counts over the last `w` (the half-open
/// interval `(now − w, now]`), or `None` when they are unknown. It is called
/// once per distinct window. With the counts in a map:
///
/// ```
/// use std::collections::BTreeMap;
/// use sloop_core::{alerting::AlertPolicy, math::{evaluate_alerts, AlertState, Counts}, Duration, Target};
/// let slo = Duration::from_days(30);
/// let (policy, _) = AlertPolicy::standard(slo);
/// let target = Target::from_percent_str("99.9").unwrap();
/// let mut counts = BTreeMap::new();
/// counts.insert(Duration::from_hours(1), Counts::from_bad(20.0, 1000.0).unwrap()); // burn 20
/// counts.insert(Duration::from_mins(5), Counts::from_bad(2.0, 100.0).unwrap()); // burn 20
/// let eval = evaluate_alerts(&policy, slo, target, |w| counts.get(&w).copied());
/// assert!(eval.pairs[0].firing);
/// assert_eq!(eval.state, AlertState::PageFiring);
/// ```
pub fn evaluate_alerts<F>(policy: &AlertPolicy, slo_window: Duration, target: Target, counts_over: F) -> AlertEvaluation
where
    F: Fn(Duration) -> Option<Counts>,
{
    let burns: BTreeMap<Duration, Option<f64>> =
        alert_windows(policy).into_iter().map(|w| (w, counts_over(w).and_then(|c| burn_rate_of(c, target)))).collect();
    let burn = |w: Duration| burns.get(&w).copied().flatten();
    let pairs: Vec<PairEvaluation> = policy
        .windows
        .iter()
        .map(|p| {
            let threshold = p.threshold(slo_window);
            let (long_burn, short_burn) = (burn(p.long), burn(p.short));
            let firing = match (long_burn, short_burn) {
                (Some(l), Some(s)) => burn_reaches(l, threshold) && burn_reaches(s, threshold),
                _ => false,
            };
            PairEvaluation {
                severity: p.severity,
                long: p.long,
                short: p.short,
                threshold,
                budget_share: p.budget_share,
                long_burn,
                short_burn,
                firing,
            }
        })
        .collect();
    let state = overall_state(policy, &pairs);
    AlertEvaluation { pairs, state }
}

fn overall_state(policy: &AlertPolicy, pairs: &[PairEvaluation]) -> AlertState {
    let enabled = |s: Severity| {
        policy.enabled
            && match s {
                Severity::Page => policy.page.enabled,
                Severity::Ticket => policy.ticket.enabled,
            }
    };
    if !enabled(Severity::Page) && !enabled(Severity::Ticket) {
        return AlertState::Disabled;
    }
    let live: Vec<&PairEvaluation> = pairs.iter().filter(|p| enabled(p.severity)).collect();
    if live.iter().any(|p| p.firing && p.severity == Severity::Page) {
        AlertState::PageFiring
    } else if live.iter().any(|p| p.firing && p.severity == Severity::Ticket) {
        AlertState::TicketFiring
    } else if live.iter().any(|p| p.has_data()) {
        AlertState::Ok
    } else {
        AlertState::NoData
    }
}
