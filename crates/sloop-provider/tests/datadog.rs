//! The Datadog provider's counts, requests and configuration.
//!
//! Datadog cannot be reached from the test machines, so these tests run the
//! provider against a local server (`datadog/fake.rs`) on 127.0.0.1 that
//! answers with the shapes Datadog's API reference documents for
//! `GET /api/v1/query`, and check what the provider sent and computed.

#[path = "datadog/fake.rs"]
mod fake;

use std::time::Duration;

use fake::{FakeDatadog, Reply, Seen, example, fetch, objectives, ok_body, ratio_manifest, series};
use sloop_core::math::Counts;
use sloop_provider::{DatadogConfig, DatadogProvider, IntervalCounts, Provider, ProviderError, Range};

const HITS: &str = "sum:trace.starlette.request.hits{service:my-frontend-service}.as_count()";
const ERRORS: &str = "sum:trace.starlette.request.errors{service:my-frontend-service}.as_count()";
/// 2023-11-14T22:00:00Z: a multiple of 60, 300 and 3600.
const T0: i64 = 1_699_999_200;

fn counts(good: f64, total: f64) -> Option<Counts> {
    Some(Counts::new(good, total).unwrap())
}

fn interval(from: i64, step: i64, counts: Option<Counts>) -> IntervalCounts {
    IntervalCounts { from, to: from + step, counts }
}

/// The origin story's Datadog SLO (examples/sloop/web-datadog.yaml), run
/// against a local server that answers with the documented Datadog API
/// shapes, because Datadog cannot be reached from the test machines.
///
/// Checks the exact per-interval sums, that a bucket null in both answers is
/// "no data", that the bucket Datadog adds at `to` is ignored, the exact
/// query strings sent (each metric term rolled up with `.rollup(sum, 60)`),
/// the `from`/`to` of the request, and the key headers.
#[tokio::test]
async fn origin_story_counts_are_exact_sums_per_interval() {
    let good_sent = format!("({HITS}.rollup(sum, 60) - {ERRORS}.rollup(sum, 60))");
    let total_sent = format!("{HITS}.rollup(sum, 60)");
    let (good_q, total_q) = (good_sent.clone(), total_sent.clone());
    let server = FakeDatadog::start(move |seen: &Seen, _| {
        // Buckets of [t, t + 60 s): 120 hits and 2 errors, nothing, 33 hits and no
        // errors (as_count aligns the missing errors as 0), 60 hits and 3 errors;
        // then the bucket starting at `to`, which is outside the range.
        let (scope, points) = if seen.query == good_q {
            ("service:my-frontend-service", [Some(118.0), None, Some(33.0), Some(57.0), Some(999.0)])
        } else if seen.query == total_q {
            ("service:my-frontend-service", [Some(120.0), None, Some(33.0), Some(60.0), Some(999.0)])
        } else {
            return Reply::errors(400, &["unexpected query in this test"]);
        };
        let pts: Vec<_> = (0..5).map(|i| (seen.from + 60 * i, points[i as usize])).collect();
        Reply::ok(ok_body(seen, vec![series(&seen.query, scope, 60, &pts, true)]))
    })
    .await;
    let objective = &example("sloop/web-datadog.yaml")[0];
    let range = Range { from: T0, to: T0 + 240, step: 60 };
    let got = fetch(&server.provider(), objective, range).await.unwrap();
    assert_eq!(
        got,
        vec![
            interval(T0, 60, counts(118.0, 120.0)),
            interval(T0 + 60, 60, None),
            interval(T0 + 120, 60, counts(33.0, 33.0)),
            interval(T0 + 180, 60, counts(57.0, 60.0)),
        ]
    );
    let key = |q: &str| Seen {
        from: T0,
        to: T0 + 240,
        query: q.to_string(),
        api_key: Some("test-api-key".into()),
        app_key: Some("test-app-key".into()),
    };
    assert_eq!(server.seen(), vec![key(&good_sent), key(&total_sent)]);
}

/// Grouped queries (`by {env}`) with nulls, run against a local server that
/// answers with the documented Datadog API shapes (one series per group),
/// because Datadog cannot be reached from the test machines.
///
/// The groups' points are summed; a null is a gap, not a zero; a bad side
/// with no point where the total has one counts 0 bad events; a total of 0
/// is data (zero events), unlike a null.
#[tokio::test]
async fn grouped_series_are_summed_and_nulls_are_gaps() {
    let bad = "sum:trace.http.request.errors{service:web} by {env}.as_count()";
    let total = "sum:trace.http.request.hits{service:web} by {env}.as_count()";
    let server = FakeDatadog::start(move |seen: &Seen, _| {
        let at = |i: i64| seen.from + 300 * i;
        let body = if seen.query.starts_with("sum:trace.http.request.errors") {
            vec![
                series(&seen.query, "env:prod,service:web", 300, &[(at(0), Some(1.5)), (at(1), None)], false),
                series(&seen.query, "env:staging,service:web", 300, &[(at(0), Some(0.25)), (at(3), Some(2.0))], false),
            ]
        } else {
            vec![
                series(
                    &seen.query,
                    "env:prod,service:web",
                    300,
                    &[(at(0), Some(100.0)), (at(1), Some(40.0)), (at(2), None), (at(3), Some(10.0))],
                    false,
                ),
                series(
                    &seen.query,
                    "env:staging,service:web",
                    300,
                    &[(at(0), Some(0.75)), (at(1), None), (at(2), None), (at(3), Some(0.0)), (at(4), Some(0.0))],
                    false,
                ),
            ]
        };
        Reply::ok(ok_body(seen, body))
    })
    .await;
    let objective = &objectives(&ratio_manifest(&format!("bad: {bad}"), total))[0];
    let range = Range { from: T0, to: T0 + 5 * 300, step: 300 };
    let got = fetch(&server.provider(), objective, range).await.unwrap();
    assert_eq!(
        got,
        vec![
            // 100.75 events, 1.75 bad.
            interval(T0, 300, Some(Counts::from_bad(1.75, 100.75).unwrap())),
            // No bad point: 0 bad events out of 40.
            interval(T0 + 300, 300, counts(40.0, 40.0)),
            // Null everywhere: no data.
            interval(T0 + 600, 300, None),
            // 10 events, 2 bad.
            interval(T0 + 900, 300, counts(8.0, 10.0)),
            // A point of 0: zero events, which is data.
            interval(T0 + 1200, 300, counts(0.0, 0.0)),
        ]
    );
    let sent: Vec<String> = server.seen().into_iter().map(|s| s.query).collect();
    assert_eq!(sent, vec![format!("{bad}.rollup(sum, 300)"), format!("{total}.rollup(sum, 300)")]);
}

/// A 50-hour range of one-minute intervals, run against a local server that
/// answers with the documented Datadog API shapes (one point per bucket from
/// `from` through the bucket at `to`), because Datadog cannot be reached from
/// the test machines.
///
/// 3,000 intervals at 1,440 points per request make three chunks per query:
/// the `from`/`to` of every request is checked, and every interval's counts
/// equal the truth the server was built from, so no bucket is lost or counted
/// twice at chunk boundaries.
#[tokio::test]
async fn long_ranges_are_split_into_chunks_under_the_points_limit() {
    fn total_at(t: i64) -> f64 {
        ((t / 60) % 10 + 1) as f64
    }
    fn bad_at(t: i64) -> f64 {
        if (t / 60) % 3 == 0 { 1.0 } else { 0.0 }
    }
    let server = FakeDatadog::start(|seen: &Seen, _| {
        let good = seen.query.starts_with("sum:trace.http.request.hits.by_http_status");
        let pts: Vec<_> = (seen.from..=seen.to)
            .step_by(60)
            .map(|t| (t, Some(if good { total_at(t) - bad_at(t) } else { total_at(t) })))
            .collect();
        Reply::ok(ok_body(seen, vec![series(&seen.query, "service:web", 60, &pts, true)]))
    })
    .await;
    let good = "good: sum:trace.http.request.hits.by_http_status{service:web,http.status_class:2xx}.as_count()";
    let objective = &objectives(&ratio_manifest(good, "sum:trace.http.request.hits{service:web}.as_count()"))[0];
    let range = Range { from: T0, to: T0 + 3000 * 60, step: 60 };
    let got = fetch(&server.provider(), objective, range).await.unwrap();

    let want: Vec<_> = range
        .ends()
        .map(|to| interval(to - 60, 60, counts(total_at(to - 60) - bad_at(to - 60), total_at(to - 60))))
        .collect();
    assert_eq!(got.len(), 3000);
    assert_eq!(got, want);

    let spans: Vec<(i64, i64)> = server.seen().iter().map(|s| (s.from, s.to)).collect();
    let (a, b, c, d) = (T0, T0 + 1440 * 60, T0 + 2880 * 60, T0 + 3000 * 60);
    assert_eq!(spans, vec![(a, b), (a, b), (b, c), (b, c), (c, d), (c, d)]);
    assert!(server.seen().iter().all(|s| s.query.ends_with(".as_count().rollup(sum, 60)")));
}

/// A range that does not start on a multiple of its step, run against a
/// local server that answers with the documented Datadog API shapes (buckets
/// aligned to unix time), because Datadog cannot be reached from the test
/// machines.
///
/// With `from ≡ 30 (mod 60)` the provider asks for 30 s buckets, the gcd, and
/// sums two of them per one-minute interval.
#[tokio::test]
async fn misaligned_ranges_sum_finer_aligned_buckets() {
    let server = FakeDatadog::start(|seen: &Seen, _| {
        let total = seen.query.starts_with("sum:hits");
        let values = if total { [1.0, 2.0, 3.0, 4.0] } else { [1.0, 1.0, 3.0, 4.0] };
        let pts: Vec<_> = (0..4).map(|i| (seen.from + 30 * i, Some(values[i as usize]))).collect();
        Reply::ok(ok_body(seen, vec![series(&seen.query, "*", 30, &pts, false)]))
    })
    .await;
    let objective = &objectives(&ratio_manifest("good: sum:ok{*}.as_count()", "sum:hits{*}.as_count()"))[0];
    let from = T0 + 30;
    let got = fetch(&server.provider(), objective, Range { from, to: from + 120, step: 60 }).await.unwrap();
    assert_eq!(got, vec![interval(from, 60, counts(2.0, 3.0)), interval(from + 60, 60, counts(7.0, 7.0))]);
    let sent: Vec<String> = server.seen().into_iter().map(|s| s.query).collect();
    assert_eq!(sent, vec!["sum:ok{*}.as_count().rollup(sum, 30)", "sum:hits{*}.as_count().rollup(sum, 30)"]);
}

/// Reliably's selector with Datadog queries (examples/reliably/frontend.yaml),
/// run against a local server that answers with the documented Datadog API
/// shapes, because Datadog cannot be reached from the test machines: the
/// numerator and denominator are sent as written, each term rolled up.
#[tokio::test]
async fn reliably_selector_queries_are_sent_as_written_with_rollups() {
    let server = FakeDatadog::start(|seen: &Seen, _| {
        let v = if seen.query.starts_with('(') { 9.0 } else { 10.0 };
        Reply::ok(ok_body(
            seen,
            vec![series(&seen.query, "service:my-test-service", 300, &[(seen.from, Some(v))], true)],
        ))
    })
    .await;
    let objective = &example("reliably/frontend.yaml")[0];
    let got = fetch(&server.provider(), objective, Range::single(T0, T0 + 300)).await.unwrap();
    assert_eq!(got, vec![interval(T0, 300, counts(9.0, 10.0))]);
    let scope = "{service:my-test-service,resource_name:get_/}";
    let hits = format!("sum:trace.starlette.request.hits{scope}.as_count().rollup(sum, 300)");
    let errors = format!("sum:trace.starlette.request.errors{scope}.as_count().rollup(sum, 300)");
    let sent: Vec<String> = server.seen().into_iter().map(|s| s.query).collect();
    assert_eq!(sent, vec![format!("({hits} - {errors})"), hits]);
}

/// Objectives Datadog cannot count, checked with a local server that answers
/// with the documented Datadog API shapes (because Datadog cannot be reached
/// from the test machines) to show that no request is even sent.
///
/// Latency, raw ratios, Prometheus queries, a selector without queries, the
/// Reliably origin story's numerator that divides (a ratio, not a count) and
/// a rollup other than a sum are all `Unsupported`, with a reason.
#[tokio::test]
async fn objectives_datadog_cannot_count_are_unsupported_before_any_request() {
    let server = FakeDatadog::start(|seen: &Seen, _| Reply::ok(ok_body(seen, vec![]))).await;
    let provider = server.provider();
    let latency = unsupported_reason(&provider, &example("sloop/myservice-latency.yaml")[0]).await;
    assert!(latency.starts_with("myservice/requests-latency: latency indicators"), "{latency}");
    let raw = unsupported_reason(&provider, &example("sloth/raw-wifi.yml")[0]).await;
    assert!(raw.contains("raw ratio"), "{raw}");
    let prometheus = unsupported_reason(&provider, &example("sloop/checkout.yaml")[0]).await;
    assert!(prometheus.contains("for prometheus, not Datadog"), "{prometheus}");
    let selector = unsupported_reason(&provider, &example("reliably/multi.yaml")[0]).await;
    assert!(selector.contains("names no Datadog queries"), "{selector}");
    let divides = unsupported_reason(&provider, &example("reliably/origin-story.yaml")[0]).await;
    assert!(divides.contains("good query divides"), "{divides}");
    let avg = objectives(&ratio_manifest("good: sum:ok{*}.as_count().rollup(avg, 60)", "sum:hits{*}.as_count()"));
    let avg = unsupported_reason(&provider, &avg[0]).await;
    assert!(avg.contains("`.rollup(avg, 60)`"), "{avg}");
    assert_eq!(server.seen(), vec![]);
}

/// Why `provider` cannot count `objective`, as `service/name: reason`.
async fn unsupported_reason(provider: &DatadogProvider, objective: &sloop_core::Objective) -> String {
    match fetch(provider, objective, Range::single(T0, T0 + 60)).await {
        Err(ProviderError::Unsupported { provider, objective, reason }) => {
            assert_eq!(provider, "datadog");
            format!("{objective}: {reason}")
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

/// The site → API host mapping. No request is sent: Datadog cannot be
/// reached from the test machines, and the tests that do send requests use a
/// local server answering with the documented Datadog API shapes.
#[test]
fn every_site_maps_to_its_documented_api_host() {
    let base = |site: &str| DatadogConfig::new("k", "a").with_site(site).api_base().unwrap();
    for (site, host) in [
        ("datadoghq.com", "https://api.datadoghq.com"),
        ("datadoghq.eu", "https://api.datadoghq.eu"),
        ("us3.datadoghq.com", "https://api.us3.datadoghq.com"),
        ("us5.datadoghq.com", "https://api.us5.datadoghq.com"),
        ("ap1.datadoghq.com", "https://api.ap1.datadoghq.com"),
        ("ddog-gov.com", "https://api.ddog-gov.com"),
        // As pasted from a browser.
        ("app.datadoghq.eu", "https://api.datadoghq.eu"),
        ("https://us5.datadoghq.com/", "https://api.us5.datadoghq.com"),
    ] {
        assert_eq!(base(site), host, "site {site}");
    }
    assert_eq!(DatadogConfig::new("k", "a").api_base().unwrap(), "https://api.datadoghq.com");
    let provider = DatadogProvider::new(DatadogConfig::new("k", "a").with_site("datadoghq.eu")).unwrap();
    assert_eq!(provider.base_url(), "https://api.datadoghq.eu");
    assert_eq!((provider.name(), provider.kind().as_str()), ("datadog", "datadog"));
    assert_eq!(provider.with_name("dd-eu").name(), "dd-eu");

    // The base URL takes precedence over the site.
    let proxied = DatadogConfig::new("k", "a").with_site("datadoghq.eu").with_base_url("http://127.0.0.1:9/");
    assert_eq!(proxied.api_base().unwrap(), "http://127.0.0.1:9");

    let unknown = DatadogConfig::new("k", "a").with_site("datadoghq.org").api_base().unwrap_err().to_string();
    assert!(unknown.contains("unknown Datadog site \"datadoghq.org\"") && unknown.contains("us5.datadoghq.com"));
    let bad_url = DatadogConfig::new("k", "a").with_base_url("ftp://x").api_base().unwrap_err().to_string();
    assert!(bad_url.contains("not an http(s) URL"), "{bad_url}");
}

/// Reading the keys and site from environment variables (given as a map:
/// no request is sent, since Datadog cannot be reached from the test
/// machines; request tests use a local server answering with the documented
/// Datadog API shapes).
#[test]
fn environment_variables_give_keys_and_site_and_missing_keys_are_named() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    };
    let c = DatadogConfig::from_vars(vars(&[("DD_API_KEY", "api"), ("DD_APP_KEY", "app")])).unwrap();
    assert_eq!((c.api_key.as_str(), c.application_key.as_str(), c.site.as_str()), ("api", "app", "datadoghq.com"));
    let c = DatadogConfig::from_vars(vars(&[
        ("DD_API_KEY", "api"),
        ("DD_APPLICATION_KEY", "app2"),
        ("DD_SITE", "us3.datadoghq.com"),
    ]))
    .unwrap();
    assert_eq!((c.application_key.as_str(), c.api_base().unwrap().as_str()), ("app2", "https://api.us3.datadoghq.com"));

    let missing = |pairs: &'static [(&'static str, &'static str)]| match DatadogConfig::from_vars(vars(pairs)) {
        Err(ProviderError::Config { message, .. }) => message,
        other => panic!("expected a Config error, got {other:?}"),
    };
    assert!(missing(&[("DD_APP_KEY", "app")]).starts_with("DD_API_KEY is not set"));
    assert!(missing(&[("DD_API_KEY", "api"), ("DD_APP_KEY", " ")]).starts_with("DD_APP_KEY (or DD_APPLICATION_KEY)"));

    // Keys never show in debug output.
    let shown = format!("{:?}", DatadogConfig::new("secret-api", "secret-app"));
    assert!(!shown.contains("secret") && shown.contains("<redacted>"), "{shown}");
    let shown = format!("{:?}", DatadogProvider::new(DatadogConfig::new("secret-api", "secret-app")).unwrap());
    assert!(!shown.contains("secret"), "{shown}");
    let timeout = Duration::from_secs(30);
    assert_eq!(DatadogConfig::new("a", "b").timeout, timeout);
}
