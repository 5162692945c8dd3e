//! Event counts and the service level indicator (SLI) they give.
//!
//! Counts are `f64` because providers return non-integers: Prometheus
//! `increase()` extrapolates to the window's edges and Datadog's
//! `.as_count()` interpolates. A [`Counts`] is checked once, when it is
//! made, so every later formula can trust it: both numbers finite, none
//! negative, and `good ≤ total`.
//!
//! The SLI of a window is `good / total` over the *sums* of its events. Sums
//! are kept as [`Counts`] (they add with `+` and [`Iterator::sum`]) and the
//! division happens once, at the end. A window without events has no SLI:
//! [`Counts::sli`] is `None`, never `NaN` and never 100 %.

use std::iter::Sum;
use std::ops::{Add, AddAssign};

/// Why a piece of SLO math was refused, e.g. `good > total` or a negative
/// count. `reason` says what is wrong and what would be valid.
///
/// It is a small error of its own, like [`crate::target::TargetError`], so
/// the math does not need to know which objective it works for. Turn it into
/// the crate's [`crate::Error::Math`] with [`MathError::in_objective`] (or
/// with `?`/[`From`], which leaves the objective empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct MathError {
    /// What is wrong, in words, with what would be valid.
    pub reason: String,
}

impl MathError {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self { reason: reason.into() }
    }

    /// The crate error for this failure, naming the objective (`service/name`).
    pub fn in_objective(self, slo: impl Into<String>) -> crate::Error {
        crate::Error::Math { slo: slo.into(), reason: self.reason }
    }
}

impl From<MathError> for crate::Error {
    fn from(e: MathError) -> Self {
        e.in_objective("")
    }
}

/// Good and total events over some stretch of time.
///
/// Always valid: both finite, `0 ≤ good ≤ total`. Make one with
/// [`Counts::new`], [`Counts::from_bad`] or [`Counts::clamped`]. Counts add
/// up (`a + b`, `iter.sum()`), which is how windows and slices are summed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts {
    good: f64,
    total: f64,
}

impl Counts {
    /// No events at all: the sum of nothing.
    pub const ZERO: Counts = Counts { good: 0.0, total: 0.0 };

    /// Good and total events. Refuses `NaN`, infinities, negative counts and
    /// `good > total` (more good events than events means the two queries
    /// do not measure the same thing).
    pub fn new(good: f64, total: f64) -> Result<Self, MathError> {
        check_count("good", good)?;
        check_count("total", total)?;
        if good > total {
            return Err(MathError::new(format!(
                "{good} good events out of {total} in total: good events cannot outnumber all events; \
                 check that the good and total queries select the same requests"
            )));
        }
        Ok(Self { good, total })
    }

    /// Bad and total events, as Sloth and Pyrra write ratios (`errors / total`).
    /// Same checks as [`Counts::new`], with `bad ≤ total`.
    pub fn from_bad(bad: f64, total: f64) -> Result<Self, MathError> {
        check_count("bad", bad)?;
        check_count("total", total)?;
        if bad > total {
            return Err(MathError::new(format!(
                "{bad} bad events out of {total} in total: bad events cannot outnumber all events; \
                 check that the bad and total queries select the same requests"
            )));
        }
        // `total - bad` cannot go below zero or above `total` in floats either.
        Ok(Self { good: total - bad, total })
    }

    /// Like [`Counts::new`], but `good > total` is read as "no failures"
    /// (`good` becomes `total`) instead of refused.
    ///
    /// For provider data: two separate `increase()` queries extrapolate
    /// independently, so a window without failures can come back as
    /// `good = 1000.0000001, total = 1000`. Still refuses `NaN`, infinities
    /// and negative counts.
    pub fn clamped(good: f64, total: f64) -> Result<Self, MathError> {
        check_count("good", good)?;
        check_count("total", total)?;
        Ok(Self { good: good.min(total), total })
    }

    /// The good events.
    pub fn good(self) -> f64 {
        self.good
    }

    /// All events.
    pub fn total(self) -> f64 {
        self.total
    }

    /// The bad events, `total − good` (never negative).
    pub fn bad(self) -> f64 {
        self.total - self.good
    }

    /// Whether there were any events. Without events there is no SLI.
    pub fn has_data(self) -> bool {
        self.total > 0.0
    }

    /// The SLI, `good / total`, as a fraction of one; `None` without events.
    pub fn sli(self) -> Option<f64> {
        self.has_data().then(|| self.good / self.total)
    }

    /// The error ratio, `bad / total` (that is `1 − SLI`, computed without
    /// the cancellation of `1 − 0.999…`); `None` without events.
    pub fn error_ratio(self) -> Option<f64> {
        self.has_data().then(|| self.bad() / self.total)
    }
}

fn check_count(what: &str, n: f64) -> Result<(), MathError> {
    if !n.is_finite() {
        return Err(MathError::new(format!(
            "the {what} event count is {n}: expected a finite number of events, 0 or more"
        )));
    }
    if n < 0.0 {
        return Err(MathError::new(format!(
            "the {what} event count is {n}: event counts cannot be negative (a counter reset \
             handled without `increase()` or `rate()` can cause this)"
        )));
    }
    Ok(())
}

/// Adding counts keeps them valid: rounding is monotone, so `good₁ + good₂`
/// never rounds above `total₁ + total₂`.
impl Add for Counts {
    type Output = Counts;
    fn add(self, rhs: Counts) -> Counts {
        Counts { good: self.good + rhs.good, total: self.total + rhs.total }
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, rhs: Counts) {
        *self = *self + rhs;
    }
}

impl Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(iter: I) -> Counts {
        iter.fold(Counts::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Counts> for Counts {
    fn sum<I: Iterator<Item = &'a Counts>>(iter: I) -> Counts {
        iter.copied().sum()
    }
}

/// The SLI of many stretches of time together: the ratio of the *sums*,
/// `Σ good / Σ total`; `None` when there were no events at all.
///
/// This is not the average of each stretch's own ratio. With 1 of 1 request
/// good in one minute and 0 of 99 in the next, the SLI is 1 %, not 50 %.
pub fn sli_of_sums<I: IntoIterator<Item = Counts>>(counts: I) -> Option<f64> {
    counts.into_iter().sum::<Counts>().sli()
}
