//! A local stand-in for Datadog's metrics query API v1, for the provider's
//! tests: Datadog cannot be reached from the test machines.
//!
//! It listens on 127.0.0.1, records every `GET /api/v1/query` it receives
//! (the `from`, `to` and `query` parameters and the key headers), and answers
//! what each test scripts, built with the shapes Datadog documents: a
//! `{"status": "ok", "res_type": "time_series", "series": [...]}` body whose
//! `pointlist` holds `[timestamp in ms, value or null]`, or an
//! `{"errors": [...]}` body with its status and headers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use sloop_core::Objective;
use sloop_core::source::SourceFile;
use sloop_provider::{DatadogConfig, DatadogProvider, IntervalCounts, Provider, ProviderError, Range};

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) query: String,
    pub(crate) api_key: Option<String>,
    pub(crate) app_key: Option<String>,
}

/// What the server answers to one request.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
    /// How long to wait before answering.
    pub(crate) delay: Duration,
}

impl Reply {
    /// A 200 with this body.
    pub(crate) fn ok(body: String) -> Self {
        Self { status: 200, headers: Vec::new(), body, delay: Duration::ZERO }
    }

    /// A documented error answer: `{"errors": [...]}` with this status.
    pub(crate) fn errors(status: u16, errors: &[&str]) -> Self {
        Self { status, headers: Vec::new(), body: json!({ "errors": errors }).to_string(), delay: Duration::ZERO }
    }

    /// A 429 with Datadog's rate limit headers, resetting in `reset` seconds.
    pub(crate) fn rate_limited(reset: u64) -> Self {
        let mut r = Self::errors(429, &["Too many requests"]);
        r.headers = vec![
            ("X-RateLimit-Limit", "100".into()),
            ("X-RateLimit-Period", "3600".into()),
            ("X-RateLimit-Remaining", "0".into()),
            ("X-RateLimit-Reset", reset.to_string()),
            ("X-RateLimit-Name", "query".into()),
        ];
        r
    }
}

type Responder = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

#[derive(Clone)]
struct ServerState {
    seen: Arc<Mutex<Vec<Seen>>>,
    respond: Responder,
}

/// The running server.
pub(crate) struct FakeDatadog {
    pub(crate) base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeDatadog {
    /// Starts a server answering `respond(request, n)`, `n` counting the
    /// requests received before this one. It runs on the test's runtime and
    /// stops with it.
    pub(crate) async fn start(respond: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = ServerState { seen: seen.clone(), respond: Arc::new(respond) };
        let app = Router::new().route("/api/v1/query", get(handle)).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base: format!("http://{addr}"), seen }
    }

    /// Every request received so far, in order.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// A provider sending to this server with test keys and a 5 s timeout.
    pub(crate) fn provider(&self) -> DatadogProvider {
        DatadogProvider::new(self.config()).unwrap()
    }

    /// The configuration of [`FakeDatadog::provider`], to adjust.
    pub(crate) fn config(&self) -> DatadogConfig {
        let mut c = DatadogConfig::new("test-api-key", "test-app-key").with_base_url(&self.base);
        c.timeout = Duration::from_secs(5);
        c
    }
}

async fn handle(
    State(state): State<ServerState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let seen = Seen {
        from: params.get("from").and_then(|v| v.parse().ok()).unwrap_or(-1),
        to: params.get("to").and_then(|v| v.parse().ok()).unwrap_or(-1),
        query: params.get("query").cloned().unwrap_or_default(),
        api_key: header("dd-api-key"),
        app_key: header("dd-application-key"),
    };
    let reply = {
        let mut all = state.seen.lock().unwrap();
        let n = all.len();
        all.push(seen.clone());
        (state.respond)(&seen, n)
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    for (k, v) in reply.headers {
        // Header names are case-insensitive; `from_bytes` stores them lower-cased.
        response
            .headers_mut()
            .insert(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(&v).unwrap());
    }
    response
}

/// One series as Datadog documents it. `points` are `(unix seconds, value)`;
/// timestamps are written in milliseconds, as floats when `float_ts` (as
/// Datadog's answers often are: `1700000040000.0`).
pub(crate) fn series(
    expression: &str,
    scope: &str,
    interval: i64,
    points: &[(i64, Option<f64>)],
    float_ts: bool,
) -> Value {
    let metric = expression.split(':').nth(1).and_then(|s| s.split('{').next()).unwrap_or(expression);
    let ts = |t: i64| if float_ts { json!(t as f64 * 1000.0) } else { json!(t * 1000) };
    let start = points.first().map(|p| p.0 * 1000).unwrap_or(0);
    let end = points.last().map(|p| p.0 * 1000 + interval * 1000 - 1).unwrap_or(0);
    json!({
        "aggr": "sum",
        "attributes": {},
        "display_name": metric,
        "end": end,
        "expression": expression,
        "interval": interval,
        "length": points.len(),
        "metric": metric,
        "pointlist": points.iter().map(|(t, v)| json!([ts(*t), v])).collect::<Vec<_>>(),
        "query_index": 0,
        "scope": scope,
        "start": start,
        "tag_set": [],
        "unit": null,
    })
}

/// A documented success answer to `seen` holding `series`.
pub(crate) fn ok_body(seen: &Seen, series: Vec<Value>) -> String {
    json!({
        "status": "ok",
        "res_type": "time_series",
        "resp_version": 1,
        "query": seen.query,
        "message": "",
        "from_date": seen.from * 1000,
        "to_date": seen.to * 1000,
        "group_by": [],
        "series": series,
    })
    .to_string()
}

/// The objectives of a manifest given as text.
pub(crate) fn objectives(yaml: &str) -> Vec<Objective> {
    let loaded = sloop_core::spec::load(&[SourceFile::new("test.yaml", yaml)]).unwrap();
    loaded.manifest.objectives
}

/// The objectives of an example manifest of the repository.
pub(crate) fn example(path: &str) -> Vec<Objective> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(path);
    let text = std::fs::read_to_string(&full).unwrap();
    let loaded = sloop_core::spec::load(&[SourceFile::new(path, text)]).unwrap();
    loaded.manifest.objectives
}

/// A sloop manifest of one Datadog SLO with these ratio lines (`good: ...`
/// or `bad: ...`, and `total: ...`).
pub(crate) fn ratio_manifest(events: &str, total: &str) -> String {
    format!(
        "apiVersion: sloop/v1\nservice: web\nprovider: datadog\nslos:\n  - name: availability\n    target: 99.9\n    \
         window: 30d\n    ratio:\n      {events}\n      total: {total}\n"
    )
}

/// `provider.fetch`, bounded so a test can never hang.
pub(crate) async fn fetch(
    provider: &DatadogProvider,
    objective: &Objective,
    range: Range,
) -> Result<Vec<IntervalCounts>, ProviderError> {
    tokio::time::timeout(Duration::from_secs(30), provider.fetch(objective, range)).await.expect("fetch took over 30 s")
}
