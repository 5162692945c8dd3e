//! What the API must do, as scenarios that each database runs (SQLite and
//! PostgreSQL, in `main.rs`).

use std::sync::Arc;

use serde_json::{Value, json};
use sloop_server::api::ServerOptions;
use sloop_store::{Database, Scope};

use crate::support::*;

pub(crate) const CHECKOUT: &str = r#"apiVersion: sloop/v1
service: checkout
labels:
  team: payments
slos:
  - name: availability
    target: 99.9
    window: 1d
    ratio:
      bad: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total[{{.window}}]))
"#;

pub(crate) const WEB_SELECTOR: &str = "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: pages\n    target: 99\n    window: 1d\n    selector:\n      app: web\n";

/// The last whole minute: reports ask `at=end`; `/metrics` and the
/// dashboard report "now", which is a few seconds later.
pub(crate) fn end() -> i64 {
    sloop_server::api::now_unix() / 60 * 60
}

fn minutes(labels: Value, end: i64, n: i64, good: i64, total: i64) -> Vec<Value> {
    (0..n)
        .map(|k| {
            let to = end - 60 * k;
            json!({"labels": labels, "from": to - 60, "to": to, "good": good, "total": total})
        })
        .collect()
}

/// Sync, push finer series than the selector, and read exact numbers back
/// from every read route.
pub(crate) async fn sync_push_and_report(db: Arc<dyn Database>) {
    let server = TestServer::start(db, ServerOptions::default()).await;
    let (base, t) = (server.url(), server.token("acme", Scope::Write));
    let t = Some(t.as_str());
    let objective = format!("{base}/api/v1/objectives/checkout/availability");

    let (status, body) = put_yaml(&objective, t, CHECKOUT).await;
    assert_eq!((status, body["result"].as_str()), (201, Some("created")), "{body}");
    assert_eq!(body["objective"]["selector"], json!({"service": "checkout", "slo": "availability"}));
    let (status, body) = put_yaml(&objective, t, CHECKOUT).await;
    assert_eq!((status, body["result"].as_str()), (200, Some("unchanged")), "a second sync changes nothing");
    let (status, body) = put_yaml(&objective, t, &CHECKOUT.replace("99.9", "99.5")).await;
    assert_eq!((status, body["result"].as_str()), (200, Some("updated")));
    assert_eq!(body["objective"]["target"], json!(0.995));
    put_yaml(&objective, t, CHECKOUT).await;

    // Two regions, an hour each, and one series no objective selects.
    let end = end();
    let sel = |region: &str| json!({"service": "checkout", "slo": "availability", "region": region});
    let mut batch = minutes(sel("eu"), end, 60, 999, 1000);
    batch.extend(minutes(sel("us"), end, 60, 990, 1000));
    batch.extend(minutes(json!({"service": "other"}), end, 1, 1, 1));
    let (status, body) = post_json(&format!("{base}/api/v1/indicators"), t, &json!({"indicators": batch})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"stored": 121, "inserted": 121, "replaced": 0, "unchanged": 0, "matched": 120, "unmatched": 1,
               "objectives": {"checkout/availability": 120}})
    );

    // SLI = (60·999 + 60·990) / 120,000, a ratio of sums.
    let sli = (60.0 * 999.0 + 60.0 * 990.0) / 120_000.0;
    let (status, report) = get(&format!("{base}/api/v1/reports?at={end}"), t).await;
    assert_eq!(status, 200, "{report}");
    let o = &report["objectives"][0];
    assert_eq!((o["service"].as_str(), o["sli"].as_f64()), (Some("checkout"), Some(sli)), "{o}");
    assert_eq!(o["total"], json!(120_000.0));
    assert_eq!(o["status"], "breached");
    let left = o["budget"]["left"].as_f64().unwrap();
    assert!((left - (sli - 0.999) / 0.001).abs() < 1e-9, "budget left {left}");
    assert_eq!(report["summary"]["breached"], 1);

    let (_, one) = get(&format!("{base}/api/v1/reports/checkout/availability?at={end}"), t).await;
    assert_eq!(one["objectives"][0], *o, "one objective's report is the same");
    let (_, picked) = get(&format!("{base}/api/v1/reports?at={end}&selector=team=payments"), t).await;
    assert_eq!(picked["objectives"].as_array().unwrap().len(), 1);
    let (_, none) = get(&format!("{base}/api/v1/reports?at={end}&selector=team=search"), t).await;
    assert_eq!(none["objectives"], json!([]));
    let (status, history) =
        get(&format!("{base}/api/v1/objectives/checkout/availability/history?at={end}&points=24"), t).await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["ends"].as_array().unwrap().len(), 24);
    assert_eq!(history["ends"][23], json!(end));
    assert_eq!(history["sli"][23].as_f64(), Some(sli), "the last hour holds every event");
    assert_eq!(history["sli"][0], Value::Null, "hours without events have no data");

    // Reliably-style: a percentage alone, RFC 3339 times, matched by a selector.
    let web = format!("{base}/api/v1/objectives/web/pages");
    assert_eq!(put_yaml(&web, t, WEB_SELECTOR).await.0, 201);
    let iso = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    let batch = json!({"indicators": [
        {"labels": {"app": "web", "page": "home"}, "from": iso(end - 600), "to": iso(end - 300), "percentage": 98.5},
        {"labels": {"app": "web", "page": "cart"}, "from": iso(end - 300), "to": iso(end), "percentage": 100}
    ]});
    let (status, body) = post_json(&format!("{base}/api/v1/indicators"), t, &batch).await;
    assert_eq!((status, body["matched"].as_u64()), (200, Some(2)), "{body}");
    let (_, web_report) = get(&format!("{base}/api/v1/reports/web/pages?at={end}"), t).await;
    // Percentages are not integers: the sums are exact to the last bit or two.
    let web_sli = web_report["objectives"][0]["sli"].as_f64().unwrap();
    assert!((web_sli - 0.9925).abs() < 1e-12, "{web_report}");

    // Pushing the same batch again replaces nothing and counts nothing twice.
    let (_, again) = post_json(&format!("{base}/api/v1/indicators"), t, &batch).await;
    assert_eq!((again["unchanged"].as_u64(), again["inserted"].as_u64()), (Some(2), Some(0)), "{again}");
    let (_, web_report) = get(&format!("{base}/api/v1/reports/web/pages?at={end}"), t).await;
    assert_eq!(web_report["objectives"][0]["total"], json!(2.0));

    // /metrics: the same numbers for Prometheus.
    let (status, metrics) = get(&format!("{base}/metrics"), t).await;
    assert_eq!(status, 200);
    let text = metrics.as_str().unwrap();
    let line =
        format!("sloop_slo_sli{{tenant=\"acme\",service=\"checkout\",slo=\"availability\",window=\"1d\"}} {sli}");
    assert!(text.contains(&line), "{line} not in\n{text}");
    assert!(text.contains("sloop_slo_alert_firing{tenant=\"acme\",service=\"checkout\",slo=\"availability\",window=\"1d\",severity=\"ticket\",long=\"48m\",short=\"4m\"} 1"), "a burn of 5.5 opens a ticket: {text}");
    assert!(text.contains("sloop_slo_alert_firing{tenant=\"acme\",service=\"checkout\",slo=\"availability\",window=\"1d\",severity=\"page\",long=\"12m\",short=\"1m\"} 0"), "but pages no one: {text}");
    assert!(text.contains("sloop_indicators_ingested_total 125"), "{text}");
    server.stop().await;
}

/// Every kind of bad batch is refused with a 4xx JSON error, and nothing of
/// it is stored.
pub(crate) async fn bad_input_is_refused_whole(db: Arc<dyn Database>) {
    let options = ServerOptions { max_body_bytes: 64 * 1024, max_indicators: 100, ..ServerOptions::default() };
    let server = TestServer::start(db, options).await;
    let (base, t) = (server.url(), server.token("acme", Scope::Write));
    let t = Some(t.as_str());
    put_yaml(&format!("{base}/api/v1/objectives/checkout/availability"), t, CHECKOUT).await;
    let end = end();
    let url = format!("{base}/api/v1/indicators");
    let labels = json!({"service": "checkout", "slo": "availability"});
    let good = json!({"labels": labels, "from": end - 120, "to": end - 60, "good": 9, "total": 10});
    let (status, _) = post_json(&url, t, &json!({"indicators": [good]})).await;
    assert_eq!(status, 200);

    let fresh =
        |from: i64, to: i64, g: f64, n: f64| json!({"labels": labels, "from": from, "to": to, "good": g, "total": n});
    let ok = fresh(end - 60, end, 5.0, 5.0);
    let many_labels: serde_json::Map<String, Value> = (0..33).map(|i| (format!("l{i}"), json!("v"))).collect();
    let raw = |s: &str| s.as_bytes().to_vec();
    let cases: Vec<(&str, Vec<u8>, u16, &str, &str)> = vec![
        ("invalid JSON", raw(r#"{"indicators": ["#), 400, "invalid_json", "EOF"),
        ("NaN is not JSON", raw(r#"{"indicators":[{"labels":{"a":"b"},"from":0,"to":60,"good":NaN,"total":1}]}"#), 400, "invalid_json", ""),
        ("an unknown field", raw(r#"{"indicators":[{"labels":{"a":"b"},"from":0,"to":60,"good":1,"total":2,"extra":1}]}"#), 400, "invalid_body", "indicators[0]"),
        ("an unknown top-level field", raw(r#"{"indicators":[],"tenant":"other"}"#), 400, "invalid_body", "tenant"),
        ("a wrong type", raw(r#"{"indicators":[{"labels":{"a":"b"},"from":0,"to":60,"good":"9","total":2}]}"#), 400, "invalid_body", "indicators[0].good"),
        ("good > total", serde_json::to_vec(&json!({"indicators": [ok, fresh(end, end + 60, 12.0, 10.0)]})).unwrap(), 422, "invalid_indicator", "indicators[1]"),
        ("negative counts", serde_json::to_vec(&json!({"indicators": [ok, fresh(end, end + 60, -1.0, 10.0)]})).unwrap(), 422, "invalid_indicator", "indicators[1]"),
        ("from = to", serde_json::to_vec(&json!({"indicators": [ok, fresh(end, end, 1.0, 1.0)]})).unwrap(), 422, "invalid_indicator", "indicators[1]"),
        ("from > to", serde_json::to_vec(&json!({"indicators": [ok, fresh(end + 60, end, 1.0, 1.0)]})).unwrap(), 422, "invalid_indicator", "indicators[1]"),
        ("counts and a percentage", serde_json::to_vec(&json!({"indicators": [{"labels": labels, "from": end, "to": end + 60, "good": 1, "total": 1, "percentage": 50}]})).unwrap(), 422, "invalid_indicator", "either"),
        ("a percentage over 100", serde_json::to_vec(&json!({"indicators": [{"labels": labels, "from": end, "to": end + 60, "percentage": 101}]})).unwrap(), 422, "invalid_indicator", "percentage"),
        ("too many labels", serde_json::to_vec(&json!({"indicators": [ok, {"labels": many_labels, "from": end, "to": end + 60, "good": 1, "total": 1}]})).unwrap(), 422, "invalid_indicator", "33 labels"),
        ("the reserved tenant label", serde_json::to_vec(&json!({"indicators": [ok, {"labels": {"__tenant__": "other"}, "from": end, "to": end + 60, "good": 1, "total": 1}]})).unwrap(), 422, "invalid_indicator", "reserved"),
        ("no labels", serde_json::to_vec(&json!({"indicators": [{"labels": {}, "from": end, "to": end + 60, "good": 1, "total": 1}]})).unwrap(), 422, "invalid_indicator", "at least one label"),
        ("too many indicators", serde_json::to_vec(&json!({"indicators": (0..101).map(|k| fresh(end + 60 * k, end + 60 * (k + 1), 1.0, 1.0)).collect::<Vec<_>>()})).unwrap(), 422, "too_many_indicators", "at most 100"),
        ("a body over the limit", serde_json::to_vec(&json!({"indicators": [ok], "pad": "x".repeat(70 * 1024)})).unwrap(), 413, "body_too_large", "65536"),
        ("an interval overlapping a stored one", serde_json::to_vec(&json!({"indicators": [ok, fresh(end - 90, end - 30, 1.0, 1.0)]})).unwrap(), 409, "conflict", "overlaps"),
    ];
    for (what, body, status, code, contains) in cases {
        let (got, error) = call("POST", &url, t, Some(("application/json", body))).await;
        assert_eq!(got, status, "{what}: {error}");
        assert_error(got, &error, status, code, contains);
    }
    // Only the first good indicator is stored: no batch was half-written.
    let (_, report) = get(&format!("{base}/api/v1/reports?at={}", end + 7200), t).await;
    assert_eq!(report["objectives"][0]["total"], json!(10.0), "{report}");

    // Bad query parameters are JSON 400s too.
    let (status, error) = get(&format!("{base}/api/v1/reports?at=yesterday"), t).await;
    assert_error(status, &error, 400, "invalid_parameter", "at=");
    let (status, error) = get(&format!("{base}/api/v1/reports?colour=red"), t).await;
    assert_error(status, &error, 400, "invalid_parameter", "colour");
    server.stop().await;
}

/// Tokens, scopes and tenants.
pub(crate) async fn tokens_scopes_and_tenants(db: Arc<dyn Database>) {
    let server = TestServer::start(db.clone(), ServerOptions::default()).await;
    let base = server.url();
    let (read, write, admin) =
        (server.token("acme", Scope::Read), server.token("acme", Scope::Write), server.token("acme", Scope::Admin));
    let objectives = format!("{base}/api/v1/objectives");
    let (status, error) = get(&objectives, None).await;
    assert_error(status, &error, 401, "unauthorized", "Authorization: Bearer");
    let (status, error) = get(&objectives, Some("sloop_0123456789012345678901234567890123456789")).await;
    assert_error(status, &error, 401, "unauthorized", "not known");
    assert_eq!(get(&objectives, Some(&read)).await.0, 200);
    let (status, error) = put_yaml(&format!("{objectives}/checkout/availability"), Some(&read), CHECKOUT).await;
    assert_error(status, &error, 403, "forbidden", "write scope");
    let (status, error) =
        post_json(&format!("{base}/api/v1/tokens"), Some(&write), &json!({"name": "x", "scope": "read"})).await;
    assert_error(status, &error, 403, "forbidden", "admin scope");

    // An admin makes a token over the API; it works until revoked.
    let (status, made) =
        post_json(&format!("{base}/api/v1/tokens"), Some(&admin), &json!({"name": "ci", "scope": "write"})).await;
    assert_eq!((status, made["tenant"].as_str(), made["scope"].as_str()), (201, Some("acme"), Some("write")), "{made}");
    let ci = made["token"].as_str().unwrap().to_string();
    assert_eq!(put_yaml(&format!("{objectives}/checkout/availability"), Some(&ci), CHECKOUT).await.0, 201);
    let (_, list) = get(&format!("{base}/api/v1/tokens"), Some(&admin)).await;
    assert_eq!(list.as_array().unwrap().len(), 4, "{list}");
    assert!(!list.to_string().contains(&ci), "listings never show a secret");
    let id = made["id"].as_str().unwrap();
    assert_eq!(call("DELETE", &format!("{base}/api/v1/tokens/{id}"), Some(&admin), None).await.0, 204);
    assert_eq!(get(&objectives, Some(&ci)).await.0, 401, "a revoked token opens nothing");

    // Tenant globex sees nothing of acme's, and its indicators with the
    // same labels count only for its own objective.
    let globex = server.token("globex", Scope::Write);
    let (_, list) = get(&objectives, Some(&globex)).await;
    assert_eq!(list["objectives"], json!([]));
    assert_eq!(get(&format!("{objectives}/checkout/availability"), Some(&globex)).await.0, 404);
    assert_eq!(put_yaml(&format!("{objectives}/checkout/availability"), Some(&globex), CHECKOUT).await.0, 201);
    let end = end();
    let labels = json!({"service": "checkout", "slo": "availability"});
    post_json(
        &format!("{base}/api/v1/indicators"),
        Some(&write),
        &json!({"indicators": minutes(labels.clone(), end, 10, 90, 100)}),
    )
    .await;
    post_json(
        &format!("{base}/api/v1/indicators"),
        Some(&globex),
        &json!({"indicators": minutes(labels, end, 10, 50, 100)}),
    )
    .await;
    let sli = |r: &Value| r["objectives"][0]["sli"].as_f64();
    assert_eq!(sli(&get(&format!("{base}/api/v1/reports?at={end}"), Some(&read)).await.1), Some(0.9));
    assert_eq!(sli(&get(&format!("{base}/api/v1/reports?at={end}"), Some(&globex)).await.1), Some(0.5));
    server.stop().await;

    // With --public-read, reads need no token (the default tenant) but
    // writes still do.
    let public = TestServer::start(db, ServerOptions { public_read: true, ..ServerOptions::default() }).await;
    let default_writer = public.token("default", Scope::Write);
    let objectives = format!("{}/api/v1/objectives", public.url());
    assert_eq!(put_yaml(&format!("{objectives}/checkout/availability"), Some(&default_writer), CHECKOUT).await.0, 201);
    let (status, list) = get(&objectives, None).await;
    assert_eq!((status, list["objectives"].as_array().map(Vec::len)), (200, Some(1)), "{list}");
    let (status, error) = put_yaml(&format!("{objectives}/checkout/availability"), None, CHECKOUT).await;
    assert_error(status, &error, 401, "unauthorized", "write scope");
    public.stop().await;
}

/// Manifests are validated like `sloop validate`, in any format, and kept
/// in sloop's.
pub(crate) async fn manifests_and_routes(db: Arc<dyn Database>) {
    let server = TestServer::start(db, ServerOptions::default()).await;
    let (base, t) = (server.url(), server.token("acme", Scope::Write));
    let t = Some(t.as_str());
    let objective = format!("{base}/api/v1/objectives/checkout/availability");

    let (status, error) = put_yaml(&objective, t, &CHECKOUT.replace("target: 99.9", "target: 120")).await;
    assert_error(status, &error, 422, "invalid_manifest", "checkout/availability:7:13: slos[0].target");
    assert_eq!(error["error"]["details"][0]["line"], json!(7), "{error}");
    let (status, error) = put_yaml(&format!("{base}/api/v1/objectives/checkout/latency"), t, CHECKOUT).await;
    assert_error(status, &error, 422, "invalid_manifest", "/api/v1/objectives/checkout/availability");
    let two = format!("{CHECKOUT}  - name: other\n    target: 99\n    window: 1d\n    selector:\n      a: b\n");
    let (status, error) = put_yaml(&objective, t, &two).await;
    assert_error(status, &error, 422, "invalid_manifest", "2 objectives");

    // OpenSLO in, sloop out.
    let openslo = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/openslo/ratio-referenced-sli.yaml"
    ))
    .unwrap();
    let loaded = sloop_core::spec::load(&[sloop_core::source::SourceFile::new("x", openslo.as_str())]).unwrap();
    let o = &loaded.manifest.objectives[0];
    let url = format!("{base}/api/v1/objectives/{}/{}", o.service, o.name);
    let (status, body) = put_yaml(&url, t, &openslo).await;
    assert_eq!(status, 201, "{body}");
    let (_, doc) = get(&url, t).await;
    assert!(doc["manifest"].as_str().unwrap().starts_with("apiVersion: sloop/v1"), "{doc}");
    assert_eq!(
        put_yaml(&url, t, doc["manifest"].as_str().unwrap()).await.1["result"],
        "unchanged",
        "sloop's form of the same objective changes nothing"
    );

    assert_eq!(call("DELETE", &url, t, None).await.0, 204);
    let (status, error) = call("DELETE", &url, t, None).await;
    assert_error(status, &error, 404, "not_found", "sloop sync");
    let (status, error) = get(&format!("{base}/api/v1/nowhere"), t).await;
    assert_error(status, &error, 404, "not_found", "openapi.json");

    assert_eq!(get(&format!("{base}/healthz"), None).await.0, 200);
    assert_eq!(get(&format!("{base}/readyz"), None).await.0, 200);
    let (status, spec) = get(&format!("{base}/api/v1/openapi.json"), None).await;
    assert_eq!((status, spec["openapi"].as_str()), (200, Some("3.1.0")));
    for (method, path) in sloop_server::api::openapi::ROUTES {
        assert!(spec["paths"][path][method].is_object(), "{method} {path}");
    }
    server.stop().await;
}

/// Two stateless replicas on one database, as behind a load balancer: a
/// sync through one is seen at once by the other, and clients pushing to
/// both at the same time add up in both replicas' reports.
pub(crate) async fn two_replicas(a: Arc<dyn Database>, b: Arc<dyn Database>) {
    let (one, two) =
        (TestServer::start(a, ServerOptions::default()).await, TestServer::start(b, ServerOptions::default()).await);
    let token = one.token("acme", Scope::Write);
    let t = Some(token.as_str());
    let (status, _) = put_yaml(&format!("{}/api/v1/objectives/checkout/availability", one.url()), t, CHECKOUT).await;
    assert_eq!(status, 201);
    let (status, doc) = get(&format!("{}/api/v1/objectives/checkout/availability", two.url()), t).await;
    assert_eq!(status, 200, "the other replica sees the sync and the token: {doc}");

    // 8 clients, 4 on each replica, each its own region, 30 minutes each.
    let end = end();
    let pushes = (0..8).map(|c| {
        let url = format!("{}/api/v1/indicators", if c % 2 == 0 { one.url() } else { two.url() });
        let token = token.clone();
        tokio::spawn(async move {
            let labels = json!({"service": "checkout", "slo": "availability", "region": format!("r{c}")});
            for k in 0..30 {
                let to = end - 60 * k;
                let body = json!({"indicators": [{"labels": labels, "from": to - 60, "to": to, "good": 990 + c, "total": 1000}]});
                let (status, body) = post_json(&url, Some(&token), &body).await;
                assert_eq!(status, 200, "{body}");
            }
        })
    });
    for p in futures::future::join_all(pushes).await {
        p.unwrap();
    }
    let good: f64 = (0..8).map(|c| 30.0 * (990.0 + c as f64)).sum();
    for server in [&one, &two] {
        let (_, report) = get(&format!("{}/api/v1/reports?at={end}", server.url()), t).await;
        let o = &report["objectives"][0];
        assert_eq!((o["good"].as_f64(), o["total"].as_f64()), (Some(good), Some(240_000.0)), "{o}");
    }
    // A change through the second replica is seen by the first.
    let (status, body) =
        put_yaml(&format!("{}/api/v1/objectives/checkout/availability", two.url()), t, &CHECKOUT.replace("99.9", "99"))
            .await;
    assert_eq!((status, body["result"].as_str()), (200, Some("updated")));
    let (_, report) = get(&format!("{}/api/v1/reports?at={end}", one.url()), t).await;
    assert_eq!(report["objectives"][0]["target"], json!(99.0));
    one.stop().await;
    two.stop().await;
}
