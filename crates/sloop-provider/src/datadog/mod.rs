//! Counts from Datadog's metrics query API v1 (`GET /api/v1/query`).
//!
//! # How a range becomes requests
//!
//! sloop asks for the counts of the intervals `(from, from + step]`, …,
//! `(to − step, to]`. Each side of the objective's ratio is one Datadog query
//! with `.as_count()` terms; the provider gives every metric term
//! `.rollup(sum, Δ)` (see [`rollup`] for why per term) so that each point of
//! the answer is the number of events in one bucket of Δ seconds.
//!
//! Datadog aligns rollup buckets to unix time: the point stamped `t` (in
//! milliseconds) sums the data stamped in `[t, t + Δ)`. With `Δ = step` and
//! `from` a multiple of `step`, bucket `[t, t + step)` is reported as sloop's
//! interval `(t, t + step]`. The two conventions differ only for data stamped
//! exactly on a boundary, which lands one interval later than a half-open
//! `(a, b]` reading of its timestamp would put it; every event still lands in
//! exactly one interval, so no event is lost or counted twice and the sums
//! over any run of intervals are exact. When `from` is not a multiple of
//! `step`, Δ is the largest length dividing both `step` and `from` (their
//! gcd), and each interval sums its `step / Δ` buckets.
//!
//! Datadog returns at most about 1,500 points per series and quietly widens
//! the rollup beyond that, so a long range is split into requests of at most
//! [`DatadogConfig::max_points`] buckets. Each request covers
//! `[chunk_from, chunk_to]`; points outside the chunk's own intervals (the
//! bucket starting at `chunk_to` that Datadog may include) are ignored, so
//! consecutive chunks never count a bucket twice. An answer whose `interval`
//! is not Δ is refused rather than misread.
//!
//! # Gaps and sums
//!
//! A `null` value is a bucket without data, not a zero. Grouped queries
//! (`by {host}`) answer one series per group; their points are summed. An
//! interval with no value in either query's answer has no data (`None`);
//! otherwise a side without a value counts 0 events, which is what a count
//! metric without events in a bucket means.

mod api;
mod config;
mod rollup;

use std::fmt;

use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_core::model::{EventQuery, Indicator, ProviderKind, RatioIndicator};
use sloop_core::query::divides_at_top;

pub use config::DatadogConfig;

use crate::{BoxFuture, IntervalCounts, Provider, ProviderError, Range};
use api::{Api, Series};

/// A [`Provider`] asking Datadog's metrics query API v1.
///
/// It measures ratio objectives (and selectors carrying a Datadog ratio) whose
/// queries count events with `.as_count()`, such as
///
/// ```text
/// good:  (sum:trace.starlette.request.hits{service:web}.as_count()
///         - sum:trace.starlette.request.errors{service:web}.as_count())
/// total: sum:trace.starlette.request.hits{service:web}.as_count()
/// ```
///
/// Latency, raw-ratio and threshold indicators are
/// [`ProviderError::Unsupported`].
pub struct DatadogProvider {
    name: String,
    base: String,
    max_points: usize,
    api: Api,
}

impl fmt::Debug for DatadogProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The keys live in `api`; show where requests go and nothing secret.
        f.debug_struct("DatadogProvider")
            .field("name", &self.name)
            .field("base", &self.base)
            .field("max_points", &self.max_points)
            .finish_non_exhaustive()
    }
}

impl DatadogProvider {
    /// A provider named `datadog` for this configuration. Fails when the
    /// site is unknown, the base URL is not an http(s) URL, a key is empty or
    /// `max_points` is 0.
    pub fn new(config: DatadogConfig) -> Result<Self, ProviderError> {
        let base = config.api_base()?;
        let config_error = |message: &str| ProviderError::Config {
            provider: config::PROVIDER.to_string(),
            message: message.to_string(),
        };
        if config.api_key.trim().is_empty() {
            return Err(config_error("the API key is empty; set DD_API_KEY"));
        }
        if config.application_key.trim().is_empty() {
            return Err(config_error("the application key is empty; set DD_APP_KEY"));
        }
        if config.max_points == 0 {
            return Err(config_error("max_points is 0; Datadog answers up to about 1500 points per series"));
        }
        let api = Api::new(
            config::PROVIDER.to_string(),
            &base,
            config.api_key,
            config.application_key,
            config.timeout,
            config.max_rate_limit_wait,
        )?;
        Ok(Self { name: config::PROVIDER.to_string(), base, max_points: config.max_points, api })
    }

    /// The same provider under another name (a manifest's data source name),
    /// used in messages.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self.api.provider = self.name.clone();
        self
    }

    /// Where requests go: `https://api.datadoghq.com`, or the base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn fetch_counts(&self, objective: &Objective, range: Range) -> Result<Vec<IntervalCounts>, ProviderError> {
        let ratio = self.ratio_of(objective)?;
        if range.is_empty() {
            return Ok(Vec::new());
        }
        let plan = Plan::new(range, self.max_points).map_err(|reason| self.unsupported(objective, reason))?;
        let events =
            rollup::with_rollup(ratio.events.query(), plan.rollup).map_err(|r| self.unsupported(objective, r))?;
        let total = rollup::with_rollup(&ratio.total, plan.rollup).map_err(|r| self.unsupported(objective, r))?;

        let n = range.len();
        let mut event_sums: Vec<Option<f64>> = vec![None; n];
        let mut total_sums: Vec<Option<f64>> = vec![None; n];
        for chunk in plan.chunks(range) {
            for (query, sums) in [(&events, &mut event_sums), (&total, &mut total_sums)] {
                let series = self.api.query(&objective.id(), query, chunk.from, chunk.to).await?;
                plan.add(&series, range, chunk, sums).map_err(|message| ProviderError::Response {
                    provider: self.name.clone(),
                    query: query.clone(),
                    message,
                })?;
            }
        }

        let mut out = Vec::with_capacity(n);
        for (i, to) in range.ends().enumerate() {
            let counts = match (event_sums[i], total_sums[i]) {
                (None, None) => None,
                (e, t) => Some(self.counts(objective, &ratio.events, e.unwrap_or(0.0), t.unwrap_or(0.0), to)?),
            };
            out.push(IntervalCounts { from: to - range.step, to, counts });
        }
        Ok(out)
    }

    /// The Datadog ratio the objective is measured by, or why there is none.
    fn ratio_of<'a>(&self, objective: &'a Objective) -> Result<&'a RatioIndicator, ProviderError> {
        let ratio = match &objective.indicator {
            Indicator::Ratio(r) => r,
            Indicator::Selector(s) => s.ratio.as_ref().ok_or_else(|| {
                self.unsupported(
                    objective,
                    "its selector names no Datadog queries; add datadog_numerator_query and \
                     datadog_denominator_query, or let clients push its indicators",
                )
            })?,
            Indicator::Latency(_) => {
                return Err(self.unsupported(
                    objective,
                    "latency indicators read Prometheus histogram buckets; on Datadog, write a ratio of \
                     .as_count() queries (requests under the threshold over all requests)",
                ));
            }
            Indicator::Raw(_) => {
                return Err(self.unsupported(
                    objective,
                    "a raw ratio query cannot be summed into event counts; write good (or bad) and total \
                     .as_count() queries",
                ));
            }
            Indicator::Threshold(_) => {
                return Err(self.unsupported(
                    objective,
                    "threshold indicators judge samples, not events; write good and total .as_count() queries",
                ));
            }
        };
        if ratio.provider.kind != ProviderKind::Datadog {
            return Err(self
                .unsupported(objective, format!("its queries are for {}, not Datadog", ratio.provider.kind.as_str())));
        }
        for (side, q) in [(side_name(&ratio.events), ratio.events.query()), ("total", ratio.total.as_str())] {
            if divides_at_top(ProviderKind::Datadog, q) {
                return Err(self.unsupported(
                    objective,
                    format!(
                        "its {side} query divides, so it yields a ratio, not a number of events: {q}; \
                         write a count such as (hits.as_count() - errors.as_count())"
                    ),
                ));
            }
        }
        Ok(ratio)
    }

    /// The counts of one interval from the sums of its two queries.
    ///
    /// The two queries are evaluated separately, so an interval can come
    /// back with a little more good (or bad) than total, or a negative
    /// difference, when the metrics' buckets are skewed by a flush. Such
    /// values are clamped into `[0, total]` (and logged) so that one skewed
    /// interval does not fail a whole range.
    fn counts(
        &self,
        objective: &Objective,
        events: &EventQuery,
        e: f64,
        total: f64,
        to: i64,
    ) -> Result<Counts, ProviderError> {
        let clamped = e.clamp(0.0, total.max(0.0));
        if clamped != e {
            let objective = objective.id();
            tracing::debug!(provider = %self.name, objective, to, events = e, total, "clamped events to [0, total]");
        }
        let counts = match events {
            EventQuery::Good(_) => Counts::new(clamped, total),
            EventQuery::Bad(_) => Counts::from_bad(clamped, total),
        };
        counts.map_err(|err| ProviderError::Response {
            provider: self.name.clone(),
            query: events.query().to_string(),
            message: format!("impossible counts for the interval ending at {to}: {err}"),
        })
    }

    fn unsupported(&self, objective: &Objective, reason: impl Into<String>) -> ProviderError {
        ProviderError::Unsupported { provider: self.name.clone(), objective: objective.id(), reason: reason.into() }
    }
}

impl Provider for DatadogProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Datadog
    }

    fn fetch<'a>(
        &'a self,
        objective: &'a Objective,
        range: Range,
    ) -> BoxFuture<'a, Result<Vec<IntervalCounts>, ProviderError>> {
        Box::pin(self.fetch_counts(objective, range))
    }
}

fn side_name(events: &EventQuery) -> &'static str {
    match events {
        EventQuery::Good(_) => "good",
        EventQuery::Bad(_) => "bad",
    }
}

/// How a range is cut into requests: the rollup and how many intervals one
/// request covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    /// Δ, the bucket length asked for, in seconds: divides `step` and `from`.
    rollup: i64,
    /// Intervals per request.
    per_request: usize,
}

/// The intervals one request covers: `from..to` in unix seconds, starting at
/// interval `first` of the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chunk {
    first: usize,
    from: i64,
    to: i64,
}

impl Plan {
    fn new(range: Range, max_points: usize) -> Result<Self, String> {
        let rollup = gcd(range.step, range.from.rem_euclid(range.step));
        let per_interval = usize::try_from(range.step / rollup).unwrap_or(usize::MAX);
        if per_interval > max_points {
            return Err(format!(
                "the range starts at {} s, which is not a multiple of its {} s step; Datadog's buckets are \
                 aligned to unix time, so each interval would need {per_interval} buckets of {rollup} s, \
                 more than the {max_points} points one request may hold; start ranges on a multiple of the step",
                range.from, range.step
            ));
        }
        Ok(Self { rollup, per_request: (max_points / per_interval).max(1) })
    }

    fn chunks(self, range: Range) -> impl Iterator<Item = Chunk> {
        (0..range.len()).step_by(self.per_request).map(move |first| {
            let n = self.per_request.min(range.len() - first) as i64;
            let from = range.from + first as i64 * range.step;
            Chunk { first, from, to: from + n * range.step }
        })
    }

    /// Adds the points of `series` that fall in `chunk`'s intervals to `sums`.
    fn add(&self, series: &[Series], range: Range, chunk: Chunk, sums: &mut [Option<f64>]) -> Result<(), String> {
        let step_ms = range.step * 1000;
        let n = ((chunk.to - chunk.from) / range.step) as usize;
        for s in series {
            if let Some(interval) = s.interval {
                // Seconds in Datadog's answers; accept milliseconds too, as some clients document.
                let asked = self.rollup as f64;
                if interval != asked && interval != asked * 1000.0 {
                    return Err(format!(
                        "Datadog answered with {interval} s buckets where sloop asked for {} s \
                         (.rollup(sum, {})); it widens rollups to stay under its points per series, \
                         so lower max_points",
                        self.rollup, self.rollup
                    ));
                }
            }
            for &(ts, value) in &s.points {
                let Some(v) = value else { continue };
                if !v.is_finite() {
                    return Err(format!("the point at {ts} ms is {v}, not a count"));
                }
                let idx = (ts - chunk.from * 1000).div_euclid(step_ms);
                if (0..n as i64).contains(&idx) {
                    let slot = &mut sums[chunk.first + idx as usize];
                    *slot = Some(slot.unwrap_or(0.0) + v);
                }
            }
        }
        Ok(())
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    //! Pure planning and bucket arithmetic: no request is sent (Datadog cannot be reached from
    //! the test machines; the request tests in tests/datadog*.rs use a local server answering
    //! with the documented Datadog API shapes).

    use super::*;

    #[test]
    fn aligned_ranges_ask_for_one_bucket_per_interval() {
        let r = Range { from: 1_700_000_040, to: 1_700_000_040 + 3000 * 60, step: 60 };
        let plan = Plan::new(r, 1440).unwrap();
        assert_eq!(plan, Plan { rollup: 60, per_request: 1440 });
        let chunks: Vec<_> = plan.chunks(r).collect();
        assert_eq!(
            chunks,
            vec![
                Chunk { first: 0, from: r.from, to: r.from + 1440 * 60 },
                Chunk { first: 1440, from: r.from + 1440 * 60, to: r.from + 2880 * 60 },
                Chunk { first: 2880, from: r.from + 2880 * 60, to: r.to },
            ]
        );
    }

    #[test]
    fn misaligned_ranges_use_the_gcd_and_refuse_when_too_fine() {
        let r = Range { from: 1_700_000_010, to: 1_700_000_010 + 600, step: 60 };
        // 1_700_000_010 mod 60 = 30 → 30 s buckets, two per interval.
        assert_eq!(Plan::new(r, 1440).unwrap(), Plan { rollup: 30, per_request: 720 });
        // 1_699_999_201 mod 3600 = 1 → 1 s buckets, 3600 per interval.
        let r = Range { from: 1_699_999_201, to: 1_699_999_201 + 3600 * 4, step: 3600 };
        assert_eq!(Plan::new(r, 3600).unwrap(), Plan { rollup: 1, per_request: 1 });
        assert!(Plan::new(r, 1440).unwrap_err().contains("multiple of the step"));
    }

    #[test]
    fn points_land_in_their_interval_and_out_of_chunk_points_are_ignored() {
        let r = Range { from: 600, to: 600 + 3 * 60, step: 60 };
        let plan = Plan::new(r, 2).unwrap();
        let chunks: Vec<_> = plan.chunks(r).collect();
        assert_eq!(chunks.len(), 2);
        let mut sums = vec![None; 3];
        let s = Series {
            interval: Some(60.0),
            // 540 s is before the chunk, 720 s is the bucket starting at the chunk's end.
            points: vec![(540_000, Some(100.0)), (600_000, Some(1.5)), (660_000, None), (720_000, Some(7.0))],
        };
        plan.add(&[s.clone(), s], r, chunks[0], &mut sums).unwrap();
        assert_eq!(sums, vec![Some(3.0), None, None]);
        let wrong = Series { interval: Some(120.0), points: vec![] };
        assert!(plan.add(&[wrong], r, chunks[1], &mut sums).unwrap_err().contains("120 s buckets"));
    }
}
