//! One call to `GET /api/v1/query`, and what its answers mean.
//!
//! Datadog's "Query timeseries points" (metrics API v1) takes `from` and `to`
//! in unix seconds and a `query`, authenticated by the `DD-API-KEY` and
//! `DD-APPLICATION-KEY` headers. A success looks like
//!
//! ```json
//! {"status": "ok", "res_type": "time_series", "query": "...",
//!  "from_date": 1700000000000, "to_date": 1700000180000,
//!  "series": [{"metric": "trace.x.hits", "scope": "service:web",
//!              "expression": "sum:trace.x.hits{service:web}.as_count().rollup(sum, 60)",
//!              "interval": 60, "length": 3, "start": 1700000000000, "end": 1700000179000,
//!              "pointlist": [[1700000000000.0, 12.0], [1700000060000.0, null], ...]}]}
//! ```
//!
//! with timestamps in milliseconds and `null` where a bucket has no data. A
//! grouped query (`by {host}`) has one series per group. Failures carry
//! `{"errors": ["..."]}` with a 4xx or 5xx status; rate limits are a 429 with
//! `X-RateLimit-Limit`, `-Period`, `-Remaining` and `-Reset` (seconds until
//! the limit resets).

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::ProviderError;

/// A client of one Datadog API host.
pub(super) struct Api {
    /// The provider's name, for errors.
    pub(super) provider: String,
    http: reqwest::Client,
    /// `<base>/api/v1/query`.
    url: String,
    api_key: String,
    application_key: String,
    max_rate_limit_wait: Duration,
}

/// One series of an answer: its points, as `(timestamp ms, value)`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Series {
    /// The bucket length Datadog says it used, if it said (seconds in
    /// Datadog's answers; some clients document milliseconds).
    pub(super) interval: Option<f64>,
    /// The points in Datadog's order; `None` values are gaps.
    pub(super) points: Vec<(i64, Option<f64>)>,
}

/// The answer, as documented (fields sloop does not use are ignored).
#[derive(Debug, Deserialize)]
struct QueryResponse {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    series: Option<Vec<RawSeries>>,
}

#[derive(Debug, Deserialize)]
struct RawSeries {
    #[serde(default)]
    interval: Option<f64>,
    #[serde(default)]
    pointlist: Option<Vec<Vec<Option<f64>>>>,
}

/// The body of an error answer.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<serde_json::Value>,
    #[serde(default)]
    error: Option<String>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("Api").field("provider", &self.provider).field("url", &self.url).finish_non_exhaustive()
    }
}

impl Api {
    /// A client sending to `base` (no trailing slash).
    pub(super) fn new(
        provider: String,
        base: &str,
        api_key: String,
        application_key: String,
        timeout: Duration,
        max_rate_limit_wait: Duration,
    ) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|e| ProviderError::Config {
            provider: provider.clone(),
            message: format!("cannot build an HTTP client: {e}"),
        })?;
        Ok(Self { provider, http, url: format!("{base}/api/v1/query"), api_key, application_key, max_rate_limit_wait })
    }

    /// The series of `query` over `from..to` (unix seconds).
    ///
    /// A 429 whose reset is at most `max_rate_limit_wait` away is waited out
    /// and retried once: Datadog's limits are per period and calendar
    /// aligned, so a reset a second away is cheaper to sit out here than to
    /// send back through the agent's backoff. A longer one is returned.
    pub(super) async fn query(
        &self,
        objective: &str,
        query: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<Series>, ProviderError> {
        let mut retried = false;
        loop {
            tracing::debug!(provider = %self.provider, %query, from, to, "datadog query");
            let sent = self
                .http
                .get(&self.url)
                .header("DD-API-KEY", &self.api_key)
                .header("DD-APPLICATION-KEY", &self.application_key)
                .header(reqwest::header::ACCEPT, "application/json")
                .query(&[("from", from.to_string()), ("to", to.to_string()), ("query", query.to_string())])
                .send()
                .await;
            let response = sent.map_err(|e| self.transport_error(&e))?;
            let status = response.status();
            let reset = rate_limit_reset(response.headers());
            let body = response.text().await.map_err(|e| self.transport_error(&e))?;
            if status == StatusCode::TOO_MANY_REQUESTS {
                match reset {
                    Some(wait) if !retried && wait <= self.max_rate_limit_wait => {
                        let wait_s = wait.as_secs_f64();
                        tracing::warn!(provider = %self.provider, wait_s, "datadog rate limit, waiting for its reset");
                        tokio::time::sleep(wait).await;
                        retried = true;
                        continue;
                    }
                    _ => {
                        return Err(ProviderError::RateLimited { provider: self.provider.clone(), retry_after: reset });
                    }
                }
            }
            return self.read(status, &body, objective, query);
        }
    }

    /// Turns an answer into series or the error it means.
    fn read(&self, status: StatusCode, body: &str, objective: &str, query: &str) -> Result<Vec<Series>, ProviderError> {
        let provider = self.provider.clone();
        if status.is_success() {
            let parsed: QueryResponse = serde_json::from_str(body).map_err(|e| ProviderError::Response {
                provider: provider.clone(),
                query: query.to_string(),
                message: format!("the answer is not the documented JSON ({e}): {}", excerpt(body)),
            })?;
            // Datadog documents `error` as "message indicating the errors if status is not ok".
            if parsed.status.as_deref() == Some("error") || parsed.error.as_deref().is_some_and(|e| !e.is_empty()) {
                return Err(ProviderError::Query {
                    provider,
                    objective: objective.to_string(),
                    query: query.to_string(),
                    message: parsed.error.unwrap_or_else(|| "status \"error\" without a message".into()),
                });
            }
            return parsed.series.unwrap_or_default().into_iter().map(|s| self.series(s, query)).collect();
        }
        let message = error_message(status, body);
        Err(match status.as_u16() {
            401 | 403 => ProviderError::Auth { provider, status: status.as_u16(), message },
            404 => ProviderError::Config {
                provider,
                message: format!("no query API at {} (HTTP 404: {message}); check the site or base URL", self.url),
            },
            500..=599 => {
                ProviderError::Unavailable { provider, message: format!("HTTP {}: {message}", status.as_u16()) }
            }
            400..=499 => ProviderError::Query {
                provider,
                objective: objective.to_string(),
                query: query.to_string(),
                message: format!("HTTP {}: {message}", status.as_u16()),
            },
            _ => ProviderError::Response {
                provider,
                query: query.to_string(),
                message: format!("unexpected HTTP {}: {message}", status.as_u16()),
            },
        })
    }

    /// Checks the shape of one series: every point is `[timestamp, value]`.
    fn series(&self, raw: RawSeries, query: &str) -> Result<Series, ProviderError> {
        let mut points = Vec::new();
        for p in raw.pointlist.unwrap_or_default() {
            match p.as_slice() {
                // Timestamps come as integers or as floats such as 1700000000000.0.
                [Some(ts), value] if ts.is_finite() => points.push((ts.round() as i64, *value)),
                _ => {
                    return Err(ProviderError::Response {
                        provider: self.provider.clone(),
                        query: query.to_string(),
                        message: format!("a point of the pointlist is {p:?}, not [timestamp in ms, value or null]"),
                    });
                }
            }
        }
        Ok(Series { interval: raw.interval, points })
    }

    fn transport_error(&self, e: &reqwest::Error) -> ProviderError {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "cannot connect"
        } else {
            "request failed"
        };
        ProviderError::Unavailable { provider: self.provider.clone(), message: format!("{what}: {}", full_error(e)) }
    }
}

/// `X-RateLimit-Reset`: seconds until the limit resets.
fn rate_limit_reset(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get("x-ratelimit-reset")?.to_str().ok()?.trim().parse::<f64>().ok()?;
    (v.is_finite() && v >= 0.0).then(|| Duration::from_secs_f64(v))
}

/// Datadog's own words from an error body: its `errors` joined, or the body.
fn error_message(status: StatusCode, body: &str) -> String {
    if let Ok(parsed) = serde_json::from_str::<ErrorBody>(body) {
        let errors: Vec<String> = parsed
            .errors
            .iter()
            .map(|e| match e {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        if !errors.is_empty() {
            return errors.join("; ");
        }
        if let Some(e) = parsed.error.filter(|e| !e.is_empty()) {
            return e;
        }
    }
    if body.trim().is_empty() { status.canonical_reason().unwrap_or("no message").to_string() } else { excerpt(body) }
}

/// The start of a body, for messages.
fn excerpt(body: &str) -> String {
    const MAX: usize = 200;
    let body = body.trim();
    match body.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_string(),
    }
}

/// An error with its sources, which is where reqwest says what went wrong.
fn full_error(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}
