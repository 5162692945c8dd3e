//! What Prometheus 2.42 must record for the long windows, computed from the
//! scenario's counters: the base rates `sum(rate(x[6m]))` at each base
//! sample's own timestamp (per series, with Prometheus' extrapolation), and
//! `sum_over_time` of them over a closed range.

use sloop_testkit::synthetic::{MINUTE, Scenario};

/// The base range of the generated rules, in seconds: 2 × 2m30s + the 1m scrape.
pub(crate) const BASE_RANGE_S: i64 = 360;

/// The counters of one job, sample by sample (one per minute).
#[derive(Debug)]
pub(crate) struct Counters {
    start_ms: i64,
    /// `(is 5xx, value at each mark)` per series.
    series: Vec<(bool, Vec<f64>)>,
}

impl Counters {
    /// The exported counters of `job`.
    pub(crate) fn new(scenario: &Scenario, job: &str) -> Counters {
        let series = scenario
            .series()
            .into_iter()
            .filter(|s| s.job == job)
            .map(|s| (s.error, scenario.counter_values(&s).into_iter().map(|v| v as f64).collect()))
            .collect();
        Counters { start_ms: scenario.start() * 1000, series }
    }

    /// `sum(rate(bad[range]))` (0 when empty, like `or vector(0)`) and
    /// `sum(rate(total[range]))` (`None` when empty) at `t_ms`.
    pub(crate) fn rates(&self, t_ms: i64, range_s: i64) -> (f64, Option<f64>) {
        let (mut bad, mut total) = (0.0, None::<f64>);
        for (error, values) in &self.series {
            if let Some(r) = self.rate(values, t_ms, range_s) {
                total = Some(total.unwrap_or(0.0) + r);
                if *error {
                    bad += r;
                }
            }
        }
        (bad, total)
    }

    /// `rate(x[range])` of one series at `t_ms`, as `extrapolatedRate()` in
    /// Prometheus 2.42's promql/functions.go computes it: the samples in the
    /// closed range `[t − range, t]`, resets added back, extrapolated to the
    /// range's edges unless a gap is over 1.1 average intervals (then half an
    /// interval), and never to before the counter was zero.
    fn rate(&self, values: &[f64], t_ms: i64, range_s: i64) -> Option<f64> {
        let step = MINUTE * 1000;
        let lo = (-(self.start_ms - (t_ms - range_s * 1000)).div_euclid(step)).max(0); // ceil
        let hi = (t_ms - self.start_ms).div_euclid(step).min(values.len() as i64 - 1);
        if hi - lo < 1 {
            return None;
        }
        let samples = &values[lo as usize..=hi as usize];
        let mut result = samples[samples.len() - 1] - samples[0];
        for w in samples.windows(2).filter(|w| w[1] < w[0]) {
            result += w[0];
        }
        let sampled = ((hi - lo) * MINUTE) as f64;
        let average = sampled / (samples.len() - 1) as f64;
        let mut to_start = (self.start_ms + lo * step - (t_ms - range_s * 1000)) as f64 / 1000.0;
        let to_end = (t_ms - (self.start_ms + hi * step)) as f64 / 1000.0;
        if result > 0.0 && samples[0] >= 0.0 {
            to_start = to_start.min(sampled * (samples[0] / result));
        }
        let threshold = average * 1.1;
        let extend = |d: f64| if d < threshold { d } else { average / 2.0 };
        Some(result * ((sampled + extend(to_start) + extend(to_end)) / sampled) / range_s as f64)
    }
}

/// The base recordings of one SLO: `sloop:slo_bad_events:rate` and
/// `sloop:slo_events:rate` at every sample time, as Prometheus computes them.
#[derive(Debug)]
pub(crate) struct Base {
    /// `(timestamp in ms, bad rate, total rate)`, in time order.
    samples: Vec<(i64, f64, f64)>,
}

impl Base {
    /// The base samples at `times` (ms, increasing).
    pub(crate) fn new(counters: &Counters, times: &[i64]) -> Base {
        let samples = times
            .iter()
            .map(|&t| {
                let (bad, total) = counters.rates(t, BASE_RANGE_S);
                (t, bad, total.unwrap_or_else(|| panic!("no traffic for the base rate at {t} ms")))
            })
            .collect();
        Base { samples }
    }

    /// `sum_over_time(bad[w]) / sum_over_time(total[w])` at `t_ms`: the
    /// samples in the closed range `[t − w, t]`, summed in time order as
    /// Prometheus does.
    pub(crate) fn ratio(&self, t_ms: i64, window_s: i64) -> f64 {
        let from = self.samples.partition_point(|s| s.0 < t_ms - window_s * 1000);
        let to = self.samples.partition_point(|s| s.0 <= t_ms);
        let (mut bad, mut total) = (0.0, 0.0);
        for s in &self.samples[from..to] {
            bad += s.1;
            total += s.2;
        }
        bad / total
    }
}
