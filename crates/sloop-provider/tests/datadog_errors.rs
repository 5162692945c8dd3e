//! How the Datadog provider reads Datadog's failures: rate limits, refused
//! queries and keys, outages, timeouts and answers that are not the API's.
//!
//! Datadog cannot be reached from the test machines, so these tests run the
//! provider against a local server (`datadog/fake.rs`) on 127.0.0.1 that
//! answers with the status codes, headers and bodies Datadog documents.

#[path = "datadog/fake.rs"]
mod fake;

use std::time::{Duration, Instant};

use fake::{FakeDatadog, Reply, Seen, example, fetch, ok_body, series};
use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_provider::{DatadogProvider, IntervalCounts, ProviderError, Range};

/// 2023-11-14T22:00:00Z.
const T0: i64 = 1_699_999_200;

fn origin_story() -> Objective {
    example("sloop/web-datadog.yaml").remove(0)
}

/// One interval's worth of a documented success: 10 events, 9 of them good.
fn success(seen: &Seen) -> Reply {
    let v = if seen.query.starts_with('(') { 9.0 } else { 10.0 };
    Reply::ok(ok_body(
        seen,
        vec![series(&seen.query, "service:my-frontend-service", 60, &[(seen.from, Some(v))], true)],
    ))
}

async fn fetch_one(provider: &DatadogProvider) -> Result<Vec<IntervalCounts>, ProviderError> {
    fetch(provider, &origin_story(), Range::single(T0, T0 + 60)).await
}

/// A 429 with `X-RateLimit-Reset: 1`, then success, from a local server that
/// answers with the documented Datadog API shapes (status, body and the four
/// `X-RateLimit-*` headers), because Datadog cannot be reached from the test
/// machines. The provider waits out the second itself and retries once.
#[tokio::test]
async fn a_short_rate_limit_is_waited_out_and_retried_once() {
    let server = FakeDatadog::start(|seen: &Seen, n| if n == 0 { Reply::rate_limited(1) } else { success(seen) }).await;
    let started = Instant::now();
    let got = fetch_one(&server.provider()).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(got, vec![IntervalCounts { from: T0, to: T0 + 60, counts: Some(Counts::new(9.0, 10.0).unwrap()) }]);
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}, before the reset");
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "the good query twice, then the total");
    assert_eq!(seen[0], seen[1]);
}

/// A 429 whose reset is longer than the provider sits out, and a second 429
/// after a retry, from a local server that answers with the documented
/// Datadog API shapes, because Datadog cannot be reached from the test
/// machines. Both come back as `RateLimited` with the reset as `retry_after`.
#[tokio::test]
async fn a_long_rate_limit_is_returned_with_its_reset() {
    let server = FakeDatadog::start(|_: &Seen, _| Reply::rate_limited(1800)).await;
    let started = Instant::now();
    let err = fetch_one(&server.provider()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "did not wait for a 30-minute reset");
    assert!(matches!(&err, ProviderError::RateLimited { provider, .. } if provider == "datadog"), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1800)));
    assert!(err.is_transient());
    assert_eq!(err.to_string(), "datadog: rate limited, retry in 1800s");
    assert_eq!(server.seen().len(), 1);

    // Retried once only: a second 429 after the wait is returned.
    let server = FakeDatadog::start(|_: &Seen, _| Reply::rate_limited(0)).await;
    let err = fetch_one(&server.provider()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(server.seen().len(), 2);
}

/// A query Datadog refuses (400) and keys it refuses (403), from a local
/// server that answers with the documented Datadog API shapes
/// (`{"errors": [...]}`), because Datadog cannot be reached from the test
/// machines. Datadog's own message is carried, with the query as sent.
#[tokio::test]
async fn refused_queries_and_keys_carry_datadogs_message() {
    let parse_error =
        "Error parsing query: \n unable to parse sum:trace.starlette.request.hits{: Rule 'scope_expr' didn't match";
    let server = FakeDatadog::start(move |_: &Seen, _| Reply::errors(400, &[parse_error])).await;
    match fetch_one(&server.provider()).await.unwrap_err() {
        ProviderError::Query { provider, objective, query, message } => {
            assert_eq!((provider.as_str(), objective.as_str()), ("datadog", "my-frontend-service/frontend-2xx"));
            assert_eq!(query, server.seen()[0].query);
            assert!(query.contains(".as_count().rollup(sum, 60)"), "{query}");
            assert_eq!(message, format!("HTTP 400: {parse_error}"));
        }
        other => panic!("expected Query, got {other:?}"),
    }

    let server = FakeDatadog::start(|_: &Seen, _| Reply::errors(403, &["Forbidden"])).await;
    let err = fetch_one(&server.provider().with_name("dd-prod")).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Auth { status: 403, message, provider }
            if message == "Forbidden" && provider == "dd-prod"),
        "{err:?}"
    );
    assert!(!err.is_transient());

    // 200 with `"status": "error"`: the documented `error` field is the message.
    let server = FakeDatadog::start(|_: &Seen, _| {
        let body = serde_json::json!({
            "status": "error",
            "res_type": "time_series",
            "series": [],
            "error": "Rule 'metric_expr' didn't match",
        });
        Reply::ok(body.to_string())
    })
    .await;
    let err = fetch_one(&server.provider()).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Query { message, .. } if message == "Rule 'metric_expr' didn't match"),
        "{err:?}"
    );
}

/// A 500 and a timeout, from a local server that answers with the documented
/// Datadog API shapes (or too late), because Datadog cannot be reached from
/// the test machines. Both are `Unavailable`, which is transient.
#[tokio::test]
async fn server_errors_and_timeouts_are_unavailable() {
    let server = FakeDatadog::start(|_: &Seen, _| Reply::errors(500, &["Internal Server Error"])).await;
    let err = fetch_one(&server.provider()).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Unavailable { message, .. } if message == "HTTP 500: Internal Server Error"),
        "{err:?}"
    );
    assert!(err.is_transient());

    let server = FakeDatadog::start(|seen: &Seen, _| {
        let mut r = success(seen);
        r.delay = Duration::from_secs(3);
        r
    })
    .await;
    let mut config = server.config();
    config.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = fetch_one(&DatadogProvider::new(config).unwrap()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "gave up after {:?}", started.elapsed());
    assert!(matches!(&err, ProviderError::Unavailable { message, .. } if message.starts_with("timed out")), "{err:?}");

    // Nothing listening: connection refused.
    let mut config = server.config();
    config.base_url = Some("http://127.0.0.1:9".into());
    let err = fetch_one(&DatadogProvider::new(config).unwrap()).await.unwrap_err();
    assert!(matches!(&err, ProviderError::Unavailable { .. }), "{err:?}");
}

/// Answers that are not what Datadog documents, from a local server
/// standing in for Datadog (which cannot be reached from the test machines):
/// an HTML page, a point that is not `[timestamp, value]`, and buckets wider
/// than the rollup asked for. All are `Response` errors, never misread counts.
#[tokio::test]
async fn answers_that_are_not_the_documented_json_are_response_errors() {
    let server = FakeDatadog::start(|_: &Seen, _| Reply::ok("<html>502 Bad Gateway</html>".into())).await;
    let err = fetch_one(&server.provider()).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Response { message, .. }
            if message.contains("not the documented JSON") && message.ends_with("<html>502 Bad Gateway</html>")),
        "{err:?}"
    );
    assert!(err.is_transient());

    let server = FakeDatadog::start(|seen: &Seen, _| {
        Reply::ok(ok_body(seen, vec![serde_json::json!({"interval": 60, "pointlist": [[1.0e12]]})]))
    })
    .await;
    let err = fetch_one(&server.provider()).await.unwrap_err();
    assert!(
        matches!(&err, ProviderError::Response { message, .. }
            if message.contains("not [timestamp in ms, value or null]")),
        "{err:?}"
    );

    let server = FakeDatadog::start(|seen: &Seen, _| {
        Reply::ok(ok_body(seen, vec![series(&seen.query, "*", 120, &[(seen.from, Some(5.0))], true)]))
    })
    .await;
    let err = fetch_one(&server.provider()).await.unwrap_err();
    assert!(matches!(&err, ProviderError::Response { message, .. } if message.contains("120 s buckets")), "{err:?}");
}
