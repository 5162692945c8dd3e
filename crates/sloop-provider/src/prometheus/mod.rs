//! Counts from any Prometheus-compatible HTTP API: Prometheus, Thanos,
//! Mimir, VictoriaMetrics.
//!
//! # From a manifest's query to counts
//!
//! An objective's queries count rates (`sum(rate(x[5m]))`); a provider needs
//! the number of events in each interval. [`sloop_core::promql::CountQueries`]
//! rewrites both queries (good or bad, and total) into
//! `sum(increase(x[Δ]))`, `Δ` being the interval's length: evaluated at `t`,
//! that is the number of events in `(t − Δ, t]`.
//! [`CountQuery`](sloop_core::promql::CountQuery) explains why it is exact
//! when `t` and `Δ` are whole minutes over minute-scraped counters.
//!
//! - One interval: `GET /api/v1/query?time=<to>`.
//! - Several: `GET /api/v1/query_range?start=<from + Δ>&end=<to>&step=<Δ>`.
//!   The sample at each `t` counts exactly one interval, `(t − Δ, t]`: the
//!   intervals tile the range without overlap. Prometheus refuses more than
//!   11,000 points per series, so the range goes in chunks of at most
//!   [`MAX_POINTS`] intervals, one after the other.
//!
//! The two queries of a chunk run concurrently.
//!
//! # No data
//!
//! PromQL has no zero for a series without samples: `increase()` over a
//! range holding fewer than two samples of a series yields no series at all,
//! and a `sum()` of nothing is an empty result, not `0`. So each query gives
//! each interval a value or nothing, and [`interval_counts`] decides:
//!
//! - **no total** (or `NaN`): no data, `counts: None`. Prometheus was not
//!   scraping the service, or it did not exist yet. It is not zero traffic,
//!   and must not count as a success (or a failure) in any report.
//! - **a total, but no good or bad value**: zero such events. A counter that
//!   never moved is often not there at all: the `code="503"` series appears
//!   with the first 503. For a bad query that means no failures; for a good
//!   query, no successes: every event failed. The rules sloop generates read
//!   a missing good side the same way (`or vector(0)`), so the provider and
//!   the rules agree, and a good query that matches nothing by mistake shows
//!   as a loud outage rather than as silence.
//! - `NaN` on either side (a `0 / 0` inside the query): no data.
//! - Good above total (the two queries extrapolate separately, off whole
//!   minutes) reads as no failures, bad above total as no successes, and a
//!   negative value (only arithmetic inside a query can make one) as zero.
//! - An infinite value is an error: no count is infinite.

mod http;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_core::model::ProviderKind;
use sloop_core::promql::{CountError, CountQueries, Counted};

use self::http::Api;
use crate::{BoxFuture, IntervalCounts, Provider, ProviderError, Range};

/// The most intervals asked of one range query. Prometheus refuses more
/// than 11,000 points per series; Thanos and Mimir apply the same limit.
const MAX_POINTS: usize = 10_000;

/// How to reach a Prometheus-compatible API.
///
/// Secrets (the bearer token, the basic-auth password) never show in its
/// `Debug` output.
#[derive(Clone)]
pub struct PrometheusConfig {
    /// The provider's name in messages (default `prometheus`).
    pub name: String,
    /// The API's base URL, the part before `/api/v1`:
    /// `http://localhost:9090`, `https://mimir.example.com/prometheus`.
    pub url: String,
    /// Sent as `Authorization: Bearer <token>`.
    pub bearer_token: Option<String>,
    /// User and password, sent as `Authorization: Basic`. At most one of
    /// this and `bearer_token`.
    pub basic_auth: Option<(String, String)>,
    /// More headers on every request, such as Mimir's tenant,
    /// `("X-Scope-OrgID", "team-a")`.
    pub headers: Vec<(String, String)>,
    /// PEM certificates (one or more) of the authorities to trust for
    /// `https`, besides the usual web roots.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Accept any TLS certificate. For tests and emergencies only: anyone in
    /// the middle can then read the queries and forge the answers.
    pub insecure_skip_verify: bool,
    /// How long one request may take, connection included (default 30 s).
    pub timeout: Duration,
}

impl PrometheusConfig {
    /// How long a request may take unless configured otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// An API at `url`, without credentials, with the default timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            name: "prometheus".into(),
            url: url.into(),
            bearer_token: None,
            basic_auth: None,
            headers: Vec::new(),
            ca_cert_pem: None,
            insecure_skip_verify: false,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for PrometheusConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusConfig")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "<redacted>"))
            .field("basic_auth", &self.basic_auth.as_ref().map(|(user, _)| (user, "<redacted>")))
            .field("headers", &self.headers.iter().map(|(name, _)| name).collect::<Vec<_>>())
            .field("ca_cert_pem", &self.ca_cert_pem.as_ref().map(|pem| format!("{} bytes", pem.len())))
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A [`Provider`] over a Prometheus-compatible HTTP API. Cheap to clone:
/// clones share one connection pool.
#[derive(Debug, Clone)]
pub struct PrometheusProvider {
    api: Api,
}

impl PrometheusProvider {
    /// A provider for `config`. Fails with [`ProviderError::Config`] on a URL
    /// that is not `http(s)`, an invalid header, unreadable certificates, or
    /// both a bearer token and basic auth. Does not connect yet.
    pub fn new(config: PrometheusConfig) -> Result<Self, ProviderError> {
        Ok(Self { api: Api::new(&config)? })
    }

    /// The counts of every interval of `range`; see the module docs.
    async fn counts(&self, objective: &Objective, range: Range) -> Result<Vec<IntervalCounts>, ProviderError> {
        let queries = self.count_queries(objective)?;
        if range.is_empty() {
            return Ok(Vec::new());
        }
        // `is_empty` is false, so the step is positive.
        let window = sloop_core::Duration::from_secs(range.step.unsigned_abs());
        let events = queries.events.query().over(window);
        let total = queries.total.over(window);
        let id = objective.id();
        let mut out = Vec::with_capacity(range.len());
        for chunk in chunks(range) {
            let (e, t) = tokio::try_join!(self.api.sample(&events, chunk, &id), self.api.sample(&total, chunk, &id))?;
            for to in chunk.ends() {
                let counts = interval_counts(&queries.events, e.get(&to).copied(), t.get(&to).copied())
                    .map_err(|message| self.api.response_error(&format!("{events}\n  and {total}"), message, to))?;
                out.push(IntervalCounts { from: to - range.step, to, counts });
            }
        }
        Ok(out)
    }

    /// The objective's count queries, or why it has none here.
    fn count_queries(&self, objective: &Objective) -> Result<CountQueries, ProviderError> {
        let unsupported = |reason: String| ProviderError::Unsupported {
            provider: self.api.name().to_string(),
            objective: objective.id(),
            reason,
        };
        if let Some(p) = objective.indicator.provider()
            && p.kind != ProviderKind::Prometheus
        {
            return Err(unsupported(format!(
                "its queries are {} queries, and this provider speaks PromQL",
                p.kind.as_str()
            )));
        }
        CountQueries::of(&objective.indicator).map_err(|e| match e {
            CountError::Unsupported(reason) => unsupported(reason),
            CountError::Query(q) => ProviderError::Query {
                provider: self.api.name().to_string(),
                objective: objective.id(),
                query: q.query,
                message: q.reason,
            },
        })
    }
}

impl Provider for PrometheusProvider {
    fn name(&self) -> &str {
        self.api.name()
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Prometheus
    }

    fn fetch<'a>(
        &'a self,
        objective: &'a Objective,
        range: Range,
    ) -> BoxFuture<'a, Result<Vec<IntervalCounts>, ProviderError>> {
        Box::pin(self.counts(objective, range))
    }
}

/// `range` cut into consecutive ranges of at most [`MAX_POINTS`] intervals.
fn chunks(range: Range) -> impl Iterator<Item = Range> {
    let span = MAX_POINTS as i64 * range.step;
    let last = range.from + range.len() as i64 * range.step;
    (0..range.len().div_ceil(MAX_POINTS)).map(move |i| {
        let from = range.from + i as i64 * span;
        Range { from, to: (from + span).min(last), step: range.step }
    })
}

/// One interval's counts from its two query results (`None`: the query gave
/// no value at the interval's end), by the rules of the module docs. `Err`
/// says what is wrong with the values.
fn interval_counts(events: &Counted, value: Option<f64>, total: Option<f64>) -> Result<Option<Counts>, String> {
    let Some(total) = total.filter(|t| !t.is_nan()) else { return Ok(None) };
    // A good or bad series without samples: no such events.
    let value = value.unwrap_or(0.0);
    if value.is_nan() {
        return Ok(None);
    }
    if value.is_infinite() || total.is_infinite() {
        return Err(format!("an infinite count ({value} of {total}): a query divides by zero or overflows"));
    }
    let (value, total) = (value.max(0.0), total.max(0.0));
    let good = match events {
        Counted::Good(_) => value,
        Counted::Bad(_) => (total - value).max(0.0),
    };
    Counts::clamped(good, total).map(Some).map_err(|e| e.to_string())
}

/// Values by interval end (unix seconds), as [`Api::sample`] returns them.
type Samples = BTreeMap<i64, f64>;

#[cfg(test)]
mod tests {
    use super::*;
    use sloop_core::promql::CountQuery;

    fn good() -> Counted {
        Counted::Good(CountQuery::parse("sum(rate(x[5m]))").unwrap())
    }

    fn bad() -> Counted {
        Counted::Bad(CountQuery::parse("sum(rate(x[5m]))").unwrap())
    }

    fn counts(good: f64, total: f64) -> Option<Counts> {
        Some(Counts::new(good, total).unwrap())
    }

    #[test]
    fn missing_values_follow_the_rules() {
        // Both present.
        assert_eq!(interval_counts(&good(), Some(90.0), Some(100.0)), Ok(counts(90.0, 100.0)));
        assert_eq!(interval_counts(&bad(), Some(10.0), Some(100.0)), Ok(counts(90.0, 100.0)));
        // No total: no data, whatever the other side says.
        assert_eq!(interval_counts(&good(), Some(90.0), None), Ok(None));
        assert_eq!(interval_counts(&bad(), None, None), Ok(None));
        // A total but no good or bad series: zero such events.
        assert_eq!(interval_counts(&bad(), None, Some(100.0)), Ok(counts(100.0, 100.0)));
        assert_eq!(interval_counts(&good(), None, Some(100.0)), Ok(counts(0.0, 100.0)));
        // NaN on either side: no data.
        assert_eq!(interval_counts(&good(), Some(f64::NAN), Some(100.0)), Ok(None));
        assert_eq!(interval_counts(&bad(), Some(1.0), Some(f64::NAN)), Ok(None));
        // Float noise is clamped; infinities are refused.
        assert_eq!(interval_counts(&good(), Some(100.000_000_1), Some(100.0)), Ok(counts(100.0, 100.0)));
        assert_eq!(interval_counts(&bad(), Some(100.5), Some(100.0)), Ok(counts(0.0, 100.0)));
        assert_eq!(interval_counts(&bad(), Some(-1e-9), Some(100.0)), Ok(counts(100.0, 100.0)));
        assert!(interval_counts(&good(), Some(f64::INFINITY), Some(100.0)).unwrap_err().contains("infinite"));
        assert!(interval_counts(&good(), Some(1.0), Some(f64::INFINITY)).is_err());
    }

    #[test]
    fn ranges_go_in_chunks_of_at_most_max_points() {
        let step = 60;
        let range = Range { from: 0, to: 25_000 * step, step };
        let got: Vec<(i64, i64, usize)> = chunks(range).map(|c| (c.from, c.to, c.len())).collect();
        assert_eq!(
            got,
            [(0, 10_000 * step, 10_000), (10_000 * step, 20_000 * step, 10_000), (20_000 * step, 25_000 * step, 5_000)]
        );
        assert_eq!(chunks(Range { from: 0, to: 10_000, step: 1 }).count(), 1);
        assert_eq!(chunks(Range::single(10, 70)).map(|c| c.len()).collect::<Vec<_>>(), [1]);
        assert_eq!(chunks(Range { from: 10, to: 10, step: 60 }).count(), 0);
        // The chunks' ends are the range's ends.
        let range = Range { from: 120, to: 120 + 10_001 * 60, step: 60 };
        assert!(chunks(range).flat_map(|c| c.ends().collect::<Vec<_>>()).eq(range.ends()));
    }
}
