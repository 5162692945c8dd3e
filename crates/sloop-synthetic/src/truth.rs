//! Exact good and total event counts of a series group over any window.

use std::ops::Add;

use super::MINUTE;

/// Good and total events over some window. `good <= total` always.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    /// Events that met the objective (non-5xx requests).
    pub good: u64,
    /// All events.
    pub total: u64,
}

impl Counts {
    /// Events that did not meet the objective: `total - good`.
    pub fn bad(&self) -> u64 {
        self.total - self.good
    }

    /// `bad / total`; `None` when there were no events.
    pub fn error_ratio(&self) -> Option<f64> {
        (self.total > 0).then(|| self.bad() as f64 / self.total as f64)
    }

    /// The service level indicator, `good / total`; `None` when there were
    /// no events.
    pub fn sli(&self) -> Option<f64> {
        (self.total > 0).then(|| self.good as f64 / self.total as f64)
    }

    /// How fast the window spent error budget for an objective such as
    /// `0.999`: `error_ratio / (1 - objective)`. 1 means "exactly on budget".
    /// `None` when there were no events, or when `objective` is not strictly
    /// between 0 and 1 (there is then no budget to burn).
    pub fn burn_rate(&self, objective: f64) -> Option<f64> {
        if !(objective > 0.0 && objective < 1.0) {
            return None;
        }
        self.error_ratio().map(|r| r / (1.0 - objective))
    }
}

impl Add for Counts {
    type Output = Counts;
    fn add(self, rhs: Counts) -> Counts {
        Counts { good: self.good + rhs.good, total: self.total + rhs.total }
    }
}

/// The exact events of one series group (one SLO's traffic), summed over all
/// its exported series, with O(1) window queries.
///
/// **Minutes.** Time is cut into minutes at the *marks* `start + 60·k`. The
/// minute ending at mark `m` holds the events of the half-open interval
/// `(m − 60, m]`; it is also the increase of every exported counter between
/// its samples at `m − 60` and `m`. The scenario's minutes end at the marks
/// `start + 60` to `end`; there are no events outside them.
///
/// Two window definitions are offered:
/// - [`Truth::counts`]: the minutes ending at marks `m` with
///   `end − window < m ≤ end`. For minute-aligned `end` and `window` this is
///   exactly what `increase(x[window])` returns at `end` in Prometheus 2.x,
///   whose ranges include both edge samples (no extrapolation happens: the
///   first and last samples sit on the range's edges).
/// - [`Truth::counts_prometheus`]: the minutes whose *both* edges lie
///   inside `[end − window, end]`, for any `end`, which is what a *ratio* of
///   two `increase()` or `rate()` over the same range measures when rules
///   are evaluated at offsets that are not minute-aligned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truth {
    start: i64,
    /// `good[k]`: good events of the minutes ending at marks 1..=k.
    good: Vec<u64>,
    /// `total[k]`: all events of the minutes ending at marks 1..=k.
    total: Vec<u64>,
}

impl Truth {
    /// Builds the prefix sums from per-minute `(good, total)` counts, the
    /// first minute ending at `start + 60`.
    pub(crate) fn from_minutes(start: i64, minutes: &[(u64, u64)]) -> Truth {
        let mut good = Vec::with_capacity(minutes.len() + 1);
        let mut total = Vec::with_capacity(minutes.len() + 1);
        let (mut g, mut t) = (0u64, 0u64);
        good.push(0);
        total.push(0);
        for &(mg, mt) in minutes {
            debug_assert!(mg <= mt);
            g += mg;
            t += mt;
            good.push(g);
            total.push(t);
        }
        Truth { start, good, total }
    }

    /// The scenario's start (unix seconds): the mark of the first sample.
    pub fn start(&self) -> i64 {
        self.start
    }

    /// The mark ending the last minute (unix seconds).
    pub fn end(&self) -> i64 {
        self.start + self.minutes() as i64 * MINUTE
    }

    /// How many minutes the scenario has.
    pub fn minutes(&self) -> usize {
        self.good.len() - 1
    }

    /// All the events of the scenario.
    pub fn all(&self) -> Counts {
        self.sum(0, self.minutes())
    }

    /// The events of the single minute ending at mark `mark`, that is of
    /// `(mark − 60, mark]` (zero outside the scenario or off the marks).
    pub fn minute(&self, mark: i64) -> Counts {
        if (mark - self.start).rem_euclid(MINUTE) != 0 {
            return Counts::default();
        }
        self.counts(mark, MINUTE)
    }

    /// Events of the minutes ending at marks `m` with
    /// `end − window < m ≤ end` (unix seconds; a window of 0 or less is
    /// empty). For minute-aligned `end` and `window` this equals what
    /// Prometheus' `increase(x[window])` returns at `end`, summed over the
    /// group's series.
    pub fn counts(&self, end: i64, window: i64) -> Counts {
        if window <= 0 {
            return Counts::default();
        }
        // Marks `start + 60k` with a < mark <= b are k in (floor((a-start)/60), floor((b-start)/60)].
        let hi = self.clamp((end - self.start).div_euclid(MINUTE));
        let lo = self.clamp((end - window - self.start).div_euclid(MINUTE));
        self.sum(lo, hi)
    }

    /// Events of the minutes whose both edges lie inside
    /// `[end − window, end]`, `end` in unix seconds at millisecond precision
    /// (as Prometheus evaluates rules), `window` in seconds.
    ///
    /// This is what a ratio such as
    /// `sum(increase(good[w])) / sum(increase(total[w]))` (or the same with
    /// `rate`) measures at any `end`. A range `[end − w, end]` selects the
    /// samples on the marks inside it; `increase()` takes last minus first
    /// (plus counter resets) — exactly the minutes between the first and the
    /// last selected mark — and multiplies by an extrapolation factor
    /// `(sampled + to_start + to_end) / sampled` that depends only on the
    /// sample times. Every series of the group has samples on the same
    /// marks, so numerator and denominator get the same factor and it
    /// cancels. (Caveat: Prometheus shortens the extrapolation of a counter
    /// that was near zero at the first sample; see
    /// [`Scenario::prometheus_extrapolation`](super::Scenario::prometheus_extrapolation),
    /// which tells when the factor is common to all series.)
    ///
    /// Worked example, 5-minute window evaluated at `10:00:30`: the range
    /// `[09:55:30, 10:00:30]` selects the samples at 09:56, 09:57, 09:58,
    /// 09:59 and 10:00. Their differences cover the 4 minutes ending at
    /// 09:57, 09:58, 09:59 and 10:00, which is what this returns; both
    /// `increase()` results are those counts × 300/240. [`Truth::counts`]
    /// at 10:00:30 would instead count the 5 minutes ending at 09:56 to
    /// 10:00, including `(09:55, 09:56]`, which half lies outside the range.
    /// At a minute-aligned `end` the two definitions agree.
    pub fn counts_prometheus(&self, end: f64, window: i64) -> Counts {
        if window <= 0 || !end.is_finite() {
            return Counts::default();
        }
        let end_ms = (end * 1000.0).round() as i64;
        let start_ms = self.start * 1000;
        let step_ms = MINUTE * 1000;
        // The first selected mark is the first at or after `end - window`.
        let from = end_ms - window * 1000 - start_ms;
        let first = self.clamp(-(-from).div_euclid(step_ms)); // ceil(from / step)
        let last = self.clamp((end_ms - start_ms).div_euclid(step_ms));
        if last <= first { Counts::default() } else { self.sum(first, last) }
    }

    /// The events of the minute ending at mark index `k` (1-based).
    pub(crate) fn minute_at_index(&self, k: usize) -> Counts {
        self.sum(k - 1, k)
    }

    fn clamp(&self, k: i64) -> usize {
        k.clamp(0, self.minutes() as i64) as usize
    }

    /// Events of the minutes ending at marks `lo + 1 ..= hi`.
    fn sum(&self, lo: usize, hi: usize) -> Counts {
        if hi <= lo {
            return Counts::default();
        }
        Counts { good: self.good[hi] - self.good[lo], total: self.total[hi] - self.total[lo] }
    }
}
