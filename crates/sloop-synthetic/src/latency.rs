//! Optional latency histograms: `http_request_duration_seconds`.
//!
//! Each minute, the share of a group's requests at or under each bucket
//! bound is fixed by the description (incidents change errors, not
//! latency). The cumulative count under bound `i` is
//! `dither(total × share_i)` with one coin for all bounds, so counts never
//! decrease with the bound. The slices between consecutive bounds are then
//! spread over the pods like the requests are (a separate, equally
//! deterministic split: a pod's `_count` is not its `http_requests_total`).

use super::Truth;
use super::rng;
use super::scenario::Group;

const LATENCY: u64 = 7;
const LATENCY_SPLIT: u64 = 8;

/// The latency of the requests of a slice, for `_sum`, in microseconds:
/// the middle of the bucket, or twice the last bound above it.
fn slice_micros(les: &[f64], i: usize) -> u64 {
    let (low, high) = match i {
        0 => (0.0, les[0]),
        _ if i == les.len() => (les[i - 1], 3.0 * les[i - 1]),
        _ => (les[i - 1], les[i]),
    };
    ((low + high) / 2.0 * 1e6).round() as u64
}

/// Per-bucket truths for `total` per-minute request counts.
pub(super) fn truths(buckets: &[(f64, f64)], key: u64, start: i64, totals: &[u64]) -> Vec<Truth> {
    buckets
        .iter()
        .map(|&(_, share)| {
            let minutes: Vec<(u64, u64)> = totals
                .iter()
                .enumerate()
                .map(|(i, &total)| {
                    let coin = rng::hash(&[key, i as u64 + 1, LATENCY]);
                    (rng::dither(total as f64 * share, coin).min(total), total)
                })
                .collect();
            Truth::from_minutes(start, &minutes)
        })
        .collect()
}

/// The latency histogram counters of one pod, at every mark, as exported
/// in `http_request_duration_seconds_{bucket,count,sum}{job, pod}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyCounters {
    /// `buckets[j][k]`: the requests at or under bound `j`, counted at mark
    /// `k`. One more bucket than bounds: the last is `+Inf`, which is also
    /// the `_count` counter.
    pub buckets: Vec<Vec<u64>>,
    /// `sum_micros[k]`: the `_sum` counter at mark `k`, in microseconds.
    /// Each request counts for the middle of its bucket (twice the last
    /// bound above it).
    pub sum_micros: Vec<u64>,
}

impl Group {
    /// The requests of slice `i` (above bound `i − 1`, at or under bound
    /// `i`; `i == bounds` is above the last) served by `pod` in minute `k`.
    fn latency_slice(&self, pod: usize, i: usize, k: usize) -> u64 {
        let under = |j: usize| match j {
            0 => 0,
            _ if j > self.latency.len() => self.truth.minute_at_index(k).total,
            _ => self.latency[j - 1].minute_at_index(k).good,
        };
        let slice = under(i + 1) - under(i);
        rng::split(slice, &self.pod_prefix, pod, rng::hash(&[self.key, k as u64, LATENCY_SPLIT, i as u64]))
    }

    /// A pod's latency counters at marks `0..=last`, reset like the requests.
    pub(super) fn latency_counters(&self, pod: usize, last: usize) -> LatencyCounters {
        let les: Vec<f64> = self.spec.latency.iter().map(|b| b.0).collect();
        let bounds = les.len();
        let mut buckets = vec![Vec::with_capacity(last + 1); bounds + 1];
        let mut sum_micros = Vec::with_capacity(last + 1);
        let mut running = vec![0u64; bounds + 1];
        let mut sum = 0u64;
        for k in 0..=last {
            if k > 0 {
                if self.reset[k] {
                    running.iter_mut().for_each(|v| *v = 0);
                    sum = 0;
                }
                let mut under = 0;
                for (i, bucket) in running.iter_mut().enumerate() {
                    let slice = self.latency_slice(pod, i, k);
                    under += slice;
                    *bucket += under;
                    sum += slice * slice_micros(&les, i);
                }
            }
            for (series, value) in buckets.iter_mut().zip(&running) {
                series.push(*value);
            }
            sum_micros.push(sum);
        }
        LatencyCounters { buckets, sum_micros }
    }
}

/// A bucket bound as the `le` label value: OpenMetrics' canonical form,
/// Go's `%g` with `.0` added to integers (`0.25`, `1.0`, `10.0`), exact
/// for bounds from 0.0001 to below 1e6.
pub(super) fn le_label(le: f64) -> String {
    let mut s = format!("{le}");
    if !s.contains(['.', 'e', 'E']) {
        s.push_str(".0");
    }
    s
}

/// Checks the buckets of a group; `Err` says what is wrong.
pub(super) fn check(buckets: &[(f64, f64)]) -> Result<(), String> {
    let mut previous = (0.0, 0.0);
    for &(le, share) in buckets {
        if !(le.is_finite() && le > previous.0 && (1e-4..1e6).contains(&le)) {
            return Err(format!("latency bound {le} must be in [0.0001, 1e6) and above the previous bound"));
        }
        if !(share >= previous.1 && share <= 1.0) {
            return Err(format!(
                "latency share {share} under {le} s must be in [0, 1] and not below the previous share"
            ));
        }
        previous = (le, share);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_labels_are_canonical() {
        let got: Vec<String> = [0.005, 0.1, 0.25, 1.0, 2.5, 10.0, 300.0].into_iter().map(le_label).collect();
        assert_eq!(got, ["0.005", "0.1", "0.25", "1.0", "2.5", "10.0", "300.0"]);
    }

    #[test]
    fn slices_have_representative_latencies() {
        let les = [0.1, 0.3, 1.0];
        let got: Vec<u64> = (0..=3).map(|i| slice_micros(&les, i)).collect();
        assert_eq!(got, [50_000, 200_000, 650_000, 2_000_000]);
    }

    #[test]
    fn bucket_descriptions_are_checked() {
        assert!(check(&[(0.1, 0.9), (0.3, 0.99), (1.0, 1.0)]).is_ok());
        assert!(check(&[(0.3, 0.9), (0.1, 0.99)]).unwrap_err().contains("above the previous bound"));
        assert!(check(&[(0.1, 0.9), (0.3, 0.8)]).unwrap_err().contains("not below the previous share"));
        assert!(check(&[(0.1, 1.5)]).is_err());
        assert!(check(&[(0.0, 0.5)]).is_err());
    }
}
