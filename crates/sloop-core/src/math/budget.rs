//! The error budget: how much may fail, and how much of that is left.
//!
//! With a target of 99.9 %, 0.1 % of events may fail: that 0.1 % is the
//! budget, `1 − target`, always taken from [`Target::budget`] (exact) and
//! never as `1.0 - 0.999` (which is `0.0010000000000000009`).
//!
//! ```text
//! allowed bad events  = total × (1 − target)
//! allowed full outage = window × (1 − target)      90 %, 30d → 72h; 99.9 %, 30d → 43m12s
//! budget consumed     = bad / allowed bad           = (1 − SLI) / (1 − target)
//! budget left         = 1 − consumed                = (SLI − target) / (1 − target)
//! ```
//!
//! "Left" goes negative once the objective is breached: with every event bad
//! and a 99.9 % target, `(0 − 0.999) / 0.001 = −999`, that is 999 budgets
//! overspent on top of the one that was there.

use crate::duration::Duration;
use crate::target::Target;

use super::sli::Counts;

/// Where the budget of one window stands, from its event counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// The SLI, `good / total`, as a fraction of one.
    pub sli: f64,
    /// The bad events, `total − good`.
    pub bad: f64,
    /// The bad events the target allows, `total × (1 − target)`.
    pub allowed_bad: f64,
    /// The share of the budget spent, `bad / allowed_bad`: 0 untouched,
    /// 1 exactly spent, above 1 overspent.
    pub consumed: f64,
    /// The share of the budget left, `1 − consumed`: negative once breached.
    pub left: f64,
}

impl Budget {
    /// The budget of a window with these counts; `None` when the window had
    /// no events (no data is not a full budget).
    ///
    /// Computed from the bad events, `consumed = bad / (total × budget)`, so
    /// 1 bad event in 1000 on a 99.9 % target is exactly 1 budget.
    pub fn of(counts: Counts, target: Target) -> Option<Budget> {
        let sli = counts.sli()?;
        let bad = counts.bad();
        let allowed_bad = allowed_bad_events(counts.total(), target);
        let consumed = bad / allowed_bad;
        Some(Budget { sli, bad, allowed_bad, consumed, left: 1.0 - consumed })
    }

    /// Whether the objective is missed: more than the whole budget is spent.
    pub fn is_breached(&self) -> bool {
        self.left < 0.0
    }
}

/// The share of the budget left for an SLI (a fraction of one, from
/// [`Counts::sli`]): `(SLI − target) / (1 − target)`. Negative when breached.
///
/// Computed with the target's exact decimal `num / den` as
/// `(SLI × den − num) / (den − num)`, so the round cases are exact: an SLI of
/// 1 leaves exactly 1, an SLI of 0.999 on 99.9 % leaves exactly 0 (not
/// `−8.9e−16`), and an SLI of 0 leaves exactly `−999`.
pub fn budget_left(sli: f64, target: Target) -> f64 {
    let (num, den) = target_ratio(target);
    let (num, den) = (num as f64, den as f64);
    (sli * den - num) / (den - num)
}

/// The share of the budget consumed for an SLI: `1 − left`. Above 1 when
/// breached.
pub fn budget_consumed(sli: f64, target: Target) -> f64 {
    1.0 - budget_left(sli, target)
}

/// The bad events a target allows out of `total`: `total × (1 − target)`.
pub fn allowed_bad_events(total: f64, target: Target) -> f64 {
    total * target.budget()
}

/// How long everything may be down within `window`, in seconds:
/// `window × (1 − target)`. 90 % over 30 days is 259 200 s (72 hours);
/// 99.9 % over 30 days is 2 592 s (43m12s); 99.99 % over 30 days is 259.2 s.
///
/// Computed in integers from the target's exact decimal, then rounded once,
/// so whole results are exact. [`whole_seconds`] makes it a [`Duration`].
pub fn allowed_downtime_secs(window: Duration, target: Target) -> f64 {
    let (num, den) = target_ratio(target);
    let n = u128::from(window.as_secs()) * u128::from(den - num);
    let den = u128::from(den);
    if n < 1 << 53 {
        // Both exact as f64: one correctly rounded division.
        n as f64 / den as f64
    } else {
        (n / den) as f64 + (n % den) as f64 / den as f64
    }
}

/// Seconds as a [`Duration`], rounded to the nearest whole second (halves
/// away from zero). Negative and `NaN` become 0 s; huge values saturate.
pub fn whole_seconds(secs: f64) -> Duration {
    // `as` saturates and maps NaN to 0, which is exactly what is wanted here.
    Duration::from_secs(secs.round().max(0.0) as u64)
}

/// The target as the exact fraction `num / den` with `den` a power of ten
/// (99.9 % → `999 / 1000`), both below 2⁵³ so they are exact as `f64` too.
///
/// Read back from [`Target::fraction_string`], the exact decimal the target
/// keeps, because `Target` does not expose its parts.
pub(crate) fn target_ratio(target: Target) -> (u64, u64) {
    let s = target.fraction_string();
    let digits = s.strip_prefix("0.").unwrap_or("");
    match (digits.parse::<u64>(), u32::try_from(digits.len()).ok().and_then(|n| 10u64.checked_pow(n))) {
        (Ok(num), Some(den)) if num > 0 && num < den => (num, den),
        // Unreachable for a valid target (strictly between 0 and 1, at most
        // 15 decimals); fall back to the float with the finest scale we have.
        _ => {
            let den = 1_000_000_000_000_000u64;
            ((target.fraction() * den as f64).round() as u64, den)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_ratio_is_the_exact_decimal() {
        let t = |s| Target::from_percent_str(s).unwrap();
        assert_eq!(target_ratio(t("99.9")), (999, 1000));
        assert_eq!(target_ratio(t("90")), (9, 10));
        assert_eq!(target_ratio(t("50")), (5, 10));
        assert_eq!(target_ratio(t("99.95")), (9995, 10000));
        assert_eq!(target_ratio(t("0.001")), (1, 100_000));
        assert_eq!(target_ratio(t("99.9999999999999")), (999_999_999_999_999, 1_000_000_000_000_000));
    }
}
