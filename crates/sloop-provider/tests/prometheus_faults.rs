//! `PrometheusProvider` against a scripted API on 127.0.0.1 (axum): what
//! reaches the server (queries, times, chunks, credentials, headers), how
//! answers become counts, and what each failure becomes.
//!
//! The exact counts of a real Prometheus are checked in `prometheus.rs`;
//! here the server says what a real one cannot be made to say on demand
//! (500, 429, garbage, `NaN`, silence).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_core::source::SourceFile;
use sloop_provider::{PrometheusConfig, PrometheusProvider, Provider, ProviderError, Range};

/// 2024-03-01T00:00:00Z.
const T0: i64 = 1_709_251_200;

const BAD: &str = r#"sum(increase(http_requests_total{code=~"5..",job="web"}[1m]))"#;
const TOTAL: &str = r#"sum(increase(http_requests_total{job="web"}[1m]))"#;

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    params: BTreeMap<String, String>,
    headers: HeaderMap,
}

impl Seen {
    fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn is_bad_query(&self) -> bool {
        self.param("query").contains("5..")
    }
}

/// What the server answers; `delay` before answering.
struct Answer {
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Answer {
    fn new(status: u16, body: impl Into<String>) -> Self {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: Vec::new(),
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    fn ok(body: impl Into<String>) -> Self {
        Self::new(200, body)
    }
}

/// A server on a free port of 127.0.0.1 answering every request with
/// `reply`, and the requests it saw. It stops with the test's runtime.
struct Fake {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    async fn start(reply: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> Fake {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let reply = Arc::new(reply);
        let log = seen.clone();
        let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
            let (reply, log) = (reply.clone(), log.clone());
            async move {
                let full = reqwest::Url::parse(&format!("http://fake{uri}")).unwrap();
                let params = full.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
                let request = Seen { path: uri.path().to_string(), params, headers };
                log.lock().unwrap().push(request.clone());
                let answer = reply(&request);
                tokio::time::sleep(answer.delay).await;
                let mut response: Response = (answer.status, answer.body).into_response();
                for (name, value) in answer.headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fake { url: format!("http://{addr}"), seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn provider(&self) -> PrometheusProvider {
        PrometheusProvider::new(self.config()).unwrap()
    }

    fn config(&self) -> PrometheusConfig {
        let mut config = PrometheusConfig::new(&self.url);
        config.timeout = Duration::from_secs(5);
        config
    }
}

/// A successful answer of `kind` (`vector` or `matrix`) with one series of
/// these `(time, value)` points, or no series when there are none.
fn answer(kind: &str, points: &[(i64, &str)]) -> String {
    let result = match (kind, points) {
        (_, []) => String::new(),
        ("vector", [(t, v)]) => format!(r#"{{"metric":{{}},"value":[{t},"{v}"]}}"#),
        ("matrix", points) => {
            let values: Vec<String> = points.iter().map(|(t, v)| format!(r#"[{t},"{v}"]"#)).collect();
            format!(r#"{{"metric":{{}},"values":[{}]}}"#, values.join(","))
        }
        _ => unreachable!(),
    };
    format!(r#"{{"status":"success","data":{{"resultType":"{kind}","result":[{result}]}}}}"#)
}

fn objectives() -> Vec<Objective> {
    let yaml = r#"apiVersion: sloop/v1
service: web
slos:
  - name: availability
    target: 99
    window: 30d
    ratio:
      bad: sum(rate(http_requests_total{job="web",code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total{job="web"}[{{.window}}]))
  - name: raw
    target: 99
    window: 30d
    raw:
      error_ratio: sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))
"#;
    sloop_core::spec::load(&[SourceFile::new("web.yaml", yaml)]).unwrap().manifest.objectives
}

fn availability() -> Objective {
    objectives().remove(0)
}

fn minutes(n: i64) -> Range {
    Range { from: T0, to: T0 + n * 60, step: 60 }
}

fn counts(good: f64, total: f64) -> Option<Counts> {
    Some(Counts::new(good, total).unwrap())
}

#[tokio::test]
async fn queries_times_and_answers() {
    // Interval ends T0+60, T0+120, T0+180, T0+240. Total: no data at the
    // second, NaN at the third. Bad: 5 at the first, nothing else.
    let fake = Fake::start(|seen| match (seen.path.as_str(), seen.is_bad_query()) {
        ("/api/v1/query_range", true) => Answer::ok(answer("matrix", &[(T0 + 60, "5")])),
        ("/api/v1/query_range", false) => {
            Answer::ok(answer("matrix", &[(T0 + 60, "100"), (T0 + 180, "NaN"), (T0 + 240, "50")]))
        }
        ("/api/v1/query", true) => Answer::ok(answer("vector", &[])),
        ("/api/v1/query", false) => Answer::ok(answer("vector", &[(T0 + 3600, "1234.5")])),
        _ => Answer::new(404, "not found"),
    })
    .await;
    let provider = fake.provider();
    let objective = availability();

    let got = provider.fetch(&objective, minutes(4)).await.unwrap();
    let got: Vec<_> = got.iter().map(|c| (c.from, c.to, c.counts)).collect();
    assert_eq!(
        got,
        [
            (T0, T0 + 60, counts(95.0, 100.0)),
            (T0 + 60, T0 + 120, None),                // no total: no data
            (T0 + 120, T0 + 180, None),               // NaN: no data
            (T0 + 180, T0 + 240, counts(50.0, 50.0)), // no bad series: no failures
        ]
    );
    let mut seen = fake.seen();
    seen.sort_by_key(|s| s.param("query").to_string());
    let asked: Vec<_> = seen.iter().map(|s| (s.path.as_str(), s.params.clone())).collect();
    let range = |query: &str| {
        let p = [("query", query), ("start", "1709251260"), ("end", "1709251440"), ("step", "60")];
        ("/api/v1/query_range", p.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    };
    assert_eq!(asked, [range(BAD), range(TOTAL)]);

    // One interval: an instant query at its end, over its length.
    let hour = provider.fetch(&objective, Range::single(T0, T0 + 3600)).await.unwrap();
    assert_eq!(hour.len(), 1);
    assert_eq!((hour[0].from, hour[0].to, hour[0].counts), (T0, T0 + 3600, counts(1234.5, 1234.5)));
    let seen = fake.seen();
    let instant: Vec<_> = seen[2..].iter().map(|s| (s.path.as_str(), s.param("query"), s.param("time"))).collect();
    assert!(instant.contains(&("/api/v1/query", r#"sum(increase(http_requests_total{job="web"}[1h]))"#, "1709254800")));
    assert_eq!(instant.len(), 2);
}

#[tokio::test]
async fn long_ranges_go_in_chunks_of_ten_thousand() {
    let fake = Fake::start(|seen| {
        let kind = if seen.path.ends_with("range") { "matrix" } else { "vector" };
        Answer::ok(answer(kind, &[]))
    })
    .await;
    let got = fake.provider().fetch(&availability(), minutes(20_001)).await.unwrap();
    assert_eq!(got.len(), 20_001);
    assert!(got.iter().all(|c| c.counts.is_none()));
    assert_eq!(got[20_000].to, T0 + 20_001 * 60);
    // Per query: 10,000 + 10,000 intervals by range, the last one alone by an instant query.
    let mut asked: Vec<(String, String, String, bool)> = fake
        .seen()
        .iter()
        .map(|s| {
            let at = if s.path.ends_with("range") { s.param("start") } else { s.param("time") };
            (s.path.clone(), at.to_string(), s.param("end").to_string(), s.is_bad_query())
        })
        .collect();
    asked.sort();
    let chunk =
        |start: i64, end: i64, bad| ("/api/v1/query_range".to_string(), start.to_string(), end.to_string(), bad);
    let last = |bad| ("/api/v1/query".to_string(), (T0 + 20_001 * 60).to_string(), String::new(), bad);
    let mut want = vec![];
    for bad in [false, true] {
        want.push(chunk(T0 + 60, T0 + 10_000 * 60, bad));
        want.push(chunk(T0 + 10_001 * 60, T0 + 20_000 * 60, bad));
        want.push(last(bad));
    }
    want.sort();
    assert_eq!(asked, want);
}

#[tokio::test]
async fn credentials_and_headers_reach_the_server() {
    let fake = Fake::start(|_| Answer::ok(answer("vector", &[]))).await;
    let mut config = fake.config();
    config.bearer_token = Some("s3cret".into());
    config.headers = vec![("X-Scope-OrgID".into(), "team-a".into())];
    let debug = format!("{config:?}");
    assert!(!debug.contains("s3cret") && debug.contains("X-Scope-OrgID"), "{debug}");
    let provider = PrometheusProvider::new(config).unwrap();
    provider.fetch(&availability(), Range::single(T0, T0 + 60)).await.unwrap();

    let mut config = fake.config();
    config.basic_auth = Some(("user".into(), "pass".into()));
    assert!(!format!("{config:?}").contains("pass\""));
    PrometheusProvider::new(config).unwrap().fetch(&availability(), Range::single(T0, T0 + 60)).await.unwrap();

    let seen = fake.seen();
    assert_eq!(seen.len(), 4);
    for s in &seen[..2] {
        assert_eq!((s.header("authorization"), s.header("x-scope-orgid")), ("Bearer s3cret", "team-a"));
    }
    for s in &seen[2..] {
        // base64("user:pass")
        assert_eq!((s.header("authorization"), s.header("x-scope-orgid")), ("Basic dXNlcjpwYXNz", ""));
    }
    assert!(seen[0].header("user-agent").starts_with("sloop/"));
}

#[tokio::test]
async fn refused_queries_carry_the_servers_message() {
    let fake = Fake::start(|seen| {
        if seen.is_bad_query() {
            let body = r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: something is off"}"#;
            Answer::new(400, body)
        } else {
            Answer::ok(answer("vector", &[]))
        }
    })
    .await;
    match fake.provider().fetch(&availability(), Range::single(T0, T0 + 60)).await {
        Err(ProviderError::Query { provider, objective, query, message }) => {
            assert_eq!(
                (provider.as_str(), objective.as_str(), query.as_str(), message.as_str()),
                ("prometheus", "web/availability", BAD, "1:5: parse error: something is off")
            );
        }
        other => panic!("{other:?}"),
    }
}

/// The error of one fetch against a server that always gives `answer`.
async fn failure(answer: fn() -> Answer) -> ProviderError {
    let fake = Fake::start(move |_| answer()).await;
    fake.provider().fetch(&availability(), minutes(3)).await.unwrap_err()
}

#[tokio::test]
async fn each_failure_has_its_kind() {
    let e = failure(|| Answer::new(500, "boom")).await;
    assert!(
        matches!(&e, ProviderError::Unavailable { message, .. } if message.contains("500") && message.contains("boom"))
    );
    assert!(e.is_transient());

    let e = failure(|| {
        let body = r#"{"status":"error","errorType":"unavailable","error":"too many queries in flight"}"#;
        Answer::new(503, body)
    })
    .await;
    assert!(matches!(&e, ProviderError::Unavailable { message, .. } if message.contains("too many queries in flight")));

    let e = failure(|| Answer::ok("<html>a login page</html>")).await;
    assert!(matches!(&e, ProviderError::Response { message, .. } if message.contains("<html>a login page")), "{e}");
    assert!(e.is_transient());

    let e = failure(|| Answer::ok(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#)).await;
    assert!(matches!(&e, ProviderError::Response { message, .. } if message.contains("scalar")), "{e}");

    let e = failure(|| Answer::ok(answer("matrix", &[(T0 + 90, "1")]))).await;
    assert!(matches!(&e, ProviderError::Response { message, .. } if message.contains("not the end of an interval")));

    let e = failure(|| Answer::ok(answer("matrix", &[(T0 + 60, "+Inf")]))).await;
    assert!(matches!(&e, ProviderError::Response { message, .. } if message.contains("infinite")), "{e}");

    let e = failure(|| {
        let mut a = Answer::new(429, "slow down");
        a.headers.push(("retry-after", "7".into()));
        a
    })
    .await;
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(matches!(e, ProviderError::RateLimited { .. }) && e.is_transient());

    let e = failure(|| Answer::new(401, "who are you")).await;
    assert!(matches!(&e, ProviderError::Auth { status: 401, message, .. } if message.contains("who are you")));
    assert!(!e.is_transient());

    let e = failure(|| Answer::new(404, "404 page not found")).await;
    assert!(matches!(&e, ProviderError::Config { message, .. } if message.contains("/api/v1")), "{e}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let fake = Fake::start(|_| {
        let mut a = Answer::ok(answer("vector", &[]));
        a.delay = Duration::from_secs(60);
        a
    })
    .await;
    let mut config = fake.config();
    config.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let e = PrometheusProvider::new(config).unwrap().fetch(&availability(), Range::single(T0, T0 + 60)).await;
    let took = started.elapsed();
    match e {
        Err(ProviderError::Unavailable { message, .. }) => assert!(message.contains("within 1s"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    // A port that was free a moment ago: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let provider = PrometheusProvider::new(PrometheusConfig::new(url)).unwrap();
    let e = provider.fetch(&availability(), Range::single(T0, T0 + 60)).await.unwrap_err();
    assert!(matches!(&e, ProviderError::Unavailable { .. }) && e.is_transient(), "{e}");
}

#[tokio::test]
async fn unsupported_objectives_and_bad_configurations_ask_nothing() {
    let fake = Fake::start(|_| Answer::ok(answer("vector", &[]))).await;
    let raw = objectives().remove(1);
    match fake.provider().fetch(&raw, Range::single(T0, T0 + 60)).await {
        Err(ProviderError::Unsupported { objective, reason, .. }) => {
            assert_eq!(objective, "web/raw");
            assert!(reason.contains("yields a ratio"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(fake.seen().is_empty());
    // An empty range asks nothing either.
    assert!(fake.provider().fetch(&availability(), minutes(0)).await.unwrap().is_empty());
    assert!(fake.seen().is_empty());

    let config = |edit: fn(&mut PrometheusConfig)| {
        let mut c = PrometheusConfig::new("http://127.0.0.1:9090");
        edit(&mut c);
        PrometheusProvider::new(c).unwrap_err()
    };
    for e in [
        config(|c| c.url = "localhost:9090".into()),
        config(|c| c.url = "ftp://example.com".into()),
        config(|c| {
            c.bearer_token = Some("a".into());
            c.basic_auth = Some(("b".into(), "c".into()));
        }),
        config(|c| c.headers = vec![("bad header".into(), "x".into())]),
        config(|c| c.ca_cert_pem = Some(b"not a certificate".to_vec())),
    ] {
        assert!(matches!(e, ProviderError::Config { .. }), "{e}");
    }
    assert_eq!(PrometheusConfig::new("http://x").timeout, Duration::from_secs(30));
}
