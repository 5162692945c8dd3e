//! # sloop-synthetic
//!
//! Deterministic, seeded synthetic HTTP traffic with exact ground truth: the
//! data behind `sloop demo`, the synthetic provider, and the tests and
//! benchmarks that compare sloop's numbers with the truth. Pure: it depends on
//! nothing else of sloop.
//!
//!
//! A [`Scenario`] is a stretch of time (minute resolution) and one or more
//! [`SeriesGroup`]s, each the traffic of one SLO: a request rate following a
//! day/night cycle with noise, a baseline error ratio, incidents, slow
//! degradations and counter resets, spread over pods × status codes.
//! From it you get
//! - the exported counters `http_requests_total{job, pod, code}`
//!   ([`Scenario::series`], [`Scenario::counter_values`]), as an OpenMetrics
//!   file for `promtool tsdb create-blocks-from openmetrics`
//!   ([`Scenario::to_openmetrics`]);
//! - the exact number of good and total events in any window ([`Truth`]),
//!   to compare what generated Prometheus rules compute against.
//!
//! ```
//! use sloop_synthetic::{Scenario, SeriesGroup, DAY, HOUR, MINUTE};
//! let start = 1_709_251_200; // 2024-03-01T00:00:00Z
//! let scenario = Scenario::builder(start, 2 * DAY)
//!     .seed(7)
//!     .group(
//!         SeriesGroup::new("checkout")
//!             .rate(1.0, 100.0)
//!             .error_ratio(0.0005)
//!             .incident(DAY + 10 * HOUR, 20 * MINUTE, 1.0)
//!             .reset(DAY + 12 * HOUR)
//!             .cardinality(3, &["200", "404", "500", "503"]),
//!     )
//!     .build()
//!     .unwrap();
//! let truth = scenario.truth("checkout").unwrap();
//! // The 20-minute outage: every request failed.
//! let outage = truth.counts(start + DAY + 10 * HOUR + 20 * MINUTE, 20 * MINUTE);
//! assert_eq!(outage.good, 0);
//! assert!(outage.total > 0);
//! ```
//!
//! Everything here is pure: no I/O besides the [`std::io::Write`] handed to
//! [`Scenario::to_openmetrics`]. The same seed and description always give
//! the same bytes, on every machine and with every version of this crate's
//! dependencies (the random numbers and the cosine are computed by code
//! written out in this module).
#![forbid(unsafe_code)]

mod latency;
mod openmetrics;
mod rng;
mod scenario;
mod truth;

#[cfg(test)]
mod tests;

pub use latency::LatencyCounters;
pub use scenario::{Scenario, ScenarioBuilder, ScenarioError, Series};
pub use truth::{Counts, Truth};

/// One minute, in seconds: the resolution of every scenario.
pub const MINUTE: i64 = 60;
/// One hour, in seconds.
pub const HOUR: i64 = 3600;
/// One day, in seconds.
pub const DAY: i64 = 86_400;

/// A stretch of time during which a share of requests fail.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// When it starts, in seconds after the scenario's start (a multiple of 60).
    pub at: i64,
    /// How long it lasts, in seconds (a positive multiple of 60).
    pub duration: i64,
    /// The share of requests that fail meanwhile, in `[0, 1]`.
    pub error_ratio: f64,
}

/// An error ratio ramping up linearly, then back to the baseline at once
/// (think of a leak, fixed by a deploy).
#[derive(Debug, Clone, PartialEq)]
pub struct Degradation {
    /// When the ramp starts, in seconds after the scenario's start (a multiple of 60).
    pub at: i64,
    /// How long it ramps, in seconds (a positive multiple of 60).
    pub duration: i64,
    /// The error ratio reached at the end of the ramp, in `[0, 1]`.
    pub to: f64,
}

/// The traffic of one SLO: which series it exports and what happens to it.
///
/// Times (`at`) are seconds after the scenario's start, so a description can
/// be replayed at any date. The error ratio of a minute is the largest of
/// the baseline, every active incident's ratio, and every active
/// degradation's current value; a minute is inside an incident or a
/// degradation when its end mark `o` (seconds after start) satisfies
/// `at < o ≤ at + duration`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesGroup {
    /// The `job` label, which identifies the group. Pods are named `{job}-{i}`.
    pub job: String,
    /// Requests per second at the quietest time of day (default 1).
    pub min_rps: f64,
    /// Requests per second at the busiest time of day (default 100).
    pub max_rps: f64,
    /// The busiest hour, UTC, in `[0, 24)` (default 15). The rate follows a
    /// cosine over the day, lowest twelve hours away from the peak.
    pub peak_hour: f64,
    /// Relative noise on each minute's rate: the rate is multiplied by a
    /// uniform factor in `[1 − noise, 1 + noise]` (default 0.1).
    pub noise: f64,
    /// The baseline share of failed requests (default 0.0005, i.e. 0.05 %).
    pub error_ratio: f64,
    /// Outages and partial outages.
    pub incidents: Vec<Incident>,
    /// Slow degradations.
    pub degradations: Vec<Degradation>,
    /// Counter resets (a restart of every pod), in seconds after the start,
    /// multiples of 60. A reset at offset `o` means the counters' sample at
    /// `o` holds only the events of the minute ending at `o`: the counters
    /// dropped to 0 within that minute and counted on. Events are never lost,
    /// so truth is unaffected.
    pub resets: Vec<i64>,
    /// How many pods serve the traffic (default 1).
    pub pods: usize,
    /// The `code` label values (default `["200", "500"]`). Codes starting
    /// with `5` receive the failed requests, the others the good ones, with
    /// fixed weights `1, 1/2, 1/3...` in the order given.
    pub codes: Vec<String>,
    /// Latency buckets as `(bound in seconds, share of requests at or under
    /// it)`, bounds increasing, shares not decreasing. Empty (the default):
    /// no `http_request_duration_seconds` histogram for this group.
    pub latency: Vec<(f64, f64)>,
}

impl SeriesGroup {
    /// A group with the defaults listed on each field.
    pub fn new(job: impl Into<String>) -> Self {
        SeriesGroup {
            job: job.into(),
            min_rps: 1.0,
            max_rps: 100.0,
            peak_hour: 15.0,
            noise: 0.1,
            error_ratio: 0.0005,
            incidents: Vec::new(),
            degradations: Vec::new(),
            resets: Vec::new(),
            pods: 1,
            codes: vec!["200".to_owned(), "500".to_owned()],
            latency: Vec::new(),
        }
    }

    /// Requests per second at night and at the peak.
    pub fn rate(mut self, min_rps: f64, max_rps: f64) -> Self {
        self.min_rps = min_rps;
        self.max_rps = max_rps;
        self
    }

    /// The busiest hour of the day, UTC.
    pub fn peak_hour(mut self, hour: f64) -> Self {
        self.peak_hour = hour;
        self
    }

    /// Relative noise on each minute's rate, in `[0, 1)`.
    pub fn noise(mut self, noise: f64) -> Self {
        self.noise = noise;
        self
    }

    /// The baseline share of failed requests.
    pub fn error_ratio(mut self, ratio: f64) -> Self {
        self.error_ratio = ratio;
        self
    }

    /// Adds an incident: from `at` seconds after the start, for `duration`
    /// seconds, `error_ratio` of the requests fail.
    pub fn incident(mut self, at: i64, duration: i64, error_ratio: f64) -> Self {
        self.incidents.push(Incident { at, duration, error_ratio });
        self
    }

    /// Adds a degradation: from `at`, the error ratio ramps linearly from
    /// the baseline to `to` over `duration` seconds, then falls back.
    pub fn degradation(mut self, at: i64, duration: i64, to: f64) -> Self {
        self.degradations.push(Degradation { at, duration, to });
        self
    }

    /// Adds a counter reset at `at` seconds after the start.
    pub fn reset(mut self, at: i64) -> Self {
        self.resets.push(at);
        self
    }

    /// Spreads the traffic over `pods` pods and these status codes
    /// (e.g. 50 × `["200", "201", "404", "500", "503"]` for 250 series).
    pub fn cardinality(mut self, pods: usize, codes: &[&str]) -> Self {
        self.pods = pods;
        self.codes = codes.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    /// Exports a latency histogram with these `(bound, share)` buckets,
    /// e.g. `&[(0.1, 0.9), (0.3, 0.99), (1.0, 0.999)]`: 90 % of requests
    /// take at most 100 ms, 99 % at most 300 ms...
    pub fn latency(mut self, buckets: &[(f64, f64)]) -> Self {
        self.latency = buckets.to_vec();
        self
    }

    /// The error ratio of the minute ending `offset` seconds after the start.
    fn error_ratio_at(&self, offset: i64) -> f64 {
        let inside = |at: i64, duration: i64| at < offset && offset <= at + duration;
        let mut ratio = self.error_ratio;
        for i in self.incidents.iter().filter(|i| inside(i.at, i.duration)) {
            ratio = ratio.max(i.error_ratio);
        }
        for d in self.degradations.iter().filter(|d| inside(d.at, d.duration)) {
            let progress = (offset - d.at) as f64 / d.duration as f64;
            ratio = ratio.max(self.error_ratio + (d.to - self.error_ratio) * progress);
        }
        ratio.clamp(0.0, 1.0)
    }

    /// Whether `code` receives failed requests.
    fn is_error_code(code: &str) -> bool {
        code.starts_with('5')
    }
}
