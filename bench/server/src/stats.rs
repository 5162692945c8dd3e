//! Latency summaries: nearest-rank percentiles over every request of a
//! window (no sampling, no histogram buckets).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Percentiles of a set of durations, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Latency {
    /// How many requests.
    pub(crate) n: usize,
    /// The median.
    pub(crate) p50_ms: f64,
    /// The 90th percentile.
    pub(crate) p90_ms: f64,
    /// The 99th percentile (with fewer than 100 requests, this is the
    /// largest or close to it: nearest rank).
    pub(crate) p99_ms: f64,
    /// The slowest.
    pub(crate) max_ms: f64,
    /// The mean.
    pub(crate) mean_ms: f64,
}

/// The nearest-rank percentile `p` (0 to 100) of sorted values.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of values in any order (the mean of the middle two for an
/// even count), or NaN for none.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

impl Latency {
    /// The summary of `durations`.
    pub(crate) fn of(durations: &[Duration]) -> Latency {
        let mut ms: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let mean = if ms.is_empty() { f64::NAN } else { ms.iter().sum::<f64>() / ms.len() as f64 };
        Latency {
            n: ms.len(),
            p50_ms: percentile(&ms, 50.0),
            p90_ms: percentile(&ms, 90.0),
            p99_ms: percentile(&ms, 99.0),
            max_ms: ms.last().copied().unwrap_or(f64::NAN),
            mean_ms: mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let d: Vec<Duration> = (1..=200).map(Duration::from_millis).collect();
        let l = Latency::of(&d);
        assert_eq!((l.n, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms), (200, 100.0, 180.0, 198.0, 200.0));
        assert_eq!(l.mean_ms, 100.5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(percentile(&[5.0], 99.0), 5.0);
    }
}
