//! The web dashboard in a real browser: headless Chromium, driven over
//! WebDriver (sloop-testkit's `chromium`), against a real server on
//! 127.0.0.1 over SQLite, seeded through the HTTP API.
//!
//! Three objectives cover the three states a row can be in: one breached
//! by an incident that is still going on (both its alert pairs fire), one
//! healthy, one without data. The numbers in the browser are checked twice:
//! against values worked out by hand from the seeded counts, and against
//! the report API's JSON for the same data, so the list, the objective page
//! and the API cannot drift apart.
//!
//! Windows end "now", so they slide while the test runs, and a count would
//! change whenever a window's start passed a stored interval. The seeded
//! data leaves quiet stretches wherever a window's start goes in the ten
//! minutes after seeding (6h, 1h and 30m before the last whole minute, and
//! the whole day before the older traffic): every number checked stays
//! exact for that long, and the test needs a few seconds. (The 5-minute
//! window holds only incident minutes, so its burn rate is 100 for the
//! first four minutes whatever their number.)
//!
//! Screenshots land in `target/dashboard-screenshots/` for people to look at.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use serde_json::{Value, json};
use sloop_server::api::ServerOptions;
use sloop_store::{Database, Scope, SqliteStore};
use sloop_testkit::chromium::Chromium;
use sloop_testkit::chromium::fantoccini::elements::Element;
use sloop_testkit::chromium::fantoccini::{Client, Locator};

#[path = "common/server.rs"]
mod server;
use server::TestServer;

/// The whole browser part of one server's checks.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(240);

/// One step: a page to load, an element to appear, a request.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The tenant everything is seeded for: the one `--public-read` shows.
const TENANT: &str = "default";

/// Long enough that no page reloads itself while the test reads it.
const REFRESH_SECS: u32 = 600;

/// Breached: a 10% error rate for the last 15 minutes, and an older 1%
/// blip. Its own alert windows, so that both pairs have a short window of
/// several minutes (the default pairs, scaled to a 1d window, confirm
/// over 1 minute, which would stop firing a minute after seeding).
const CHECKOUT: &str = r#"apiVersion: sloop/v1
service: checkout
labels:
  team: payments
slos:
  - name: availability
    target: 99.9
    window: 1d
    ratio:
      bad: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
      total: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
    alerting:
      windows:
        - { severity: page, long: 1h, short: 5m, budget: 25 }
        - { severity: ticket, long: 6h, short: 30m, budget: 50 }
"#;

/// Healthy: a steady 0.1% error rate against a 1% budget.
const SEARCH: &str = r#"apiVersion: sloop/v1
service: search
slos:
  - name: queries
    title: Search answers queries
    target: 99
    window: 1d
    selector:
      app: search
"#;

/// No data: nothing is ever pushed for it.
const BILLING: &str = r#"apiVersion: sloop/v1
service: billing
slos:
  - name: invoices
    target: 99.5
    window: 7d
    ratio:
      bad: sum(rate(invoices_total{outcome="failed"}[{{.window}}]))
      total: sum(rate(invoices_total[{{.window}}]))
"#;

/// How many minutes checkout has data for: 36 recent (18 good, then 3
/// good and 15 of the incident), 1,060 older (1,080 less 20 quiet).
const CHECKOUT_MINUTES: usize = 36 + 1060;

/// Runs `fut`, failing the test if it takes longer than [`STEP_TIMEOUT`].
async fn step<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(STEP_TIMEOUT, fut).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: no answer within {STEP_TIMEOUT:?}"),
    }
}

/// One HTTP exchange with the server: status and body (JSON when it is
/// JSON, else a string). `cookie` is sent as the dashboard's cookie.
async fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    cookie: Option<&str>,
    body: Option<(&str, String)>,
) -> (u16, Value) {
    let client = reqwest::Client::builder().timeout(STEP_TIMEOUT).build().unwrap();
    let mut r = client.request(method.parse().unwrap(), url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(c) = cookie {
        r = r.header("cookie", format!("sloop_token={c}"));
    }
    if let Some((content_type, text)) = body {
        r = r.header("content-type", content_type).body(text);
    }
    let response = r.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The last whole minute: the seeded data ends there.
fn end() -> i64 {
    sloop_server::api::now_unix() / 60 * 60
}

/// One-minute intervals ending at `end`, `end − 60`, … `end − 60·(n−1)`,
/// each with `total` events of which `good(k)` are good (`k` counts back
/// from the newest, 0-based).
fn minutes(labels: &Value, end: i64, n: i64, total: i64, good: impl Fn(i64) -> i64) -> Vec<Value> {
    (0..n)
        .map(|k| {
            let to = end - 60 * k;
            json!({"labels": labels, "from": to - 60, "to": to, "good": good(k), "total": total})
        })
        .collect()
}

/// Syncs the three objectives and pushes their indicators.
async fn seed(server: &TestServer, end: i64) {
    let base = server.url();
    let write = server.token(TENANT, Scope::Write);
    for (path, manifest) in
        [("checkout/availability", CHECKOUT), ("search/queries", SEARCH), ("billing/invoices", BILLING)]
    {
        let url = format!("{base}/api/v1/objectives/{path}");
        let (status, body) = call("PUT", &url, Some(&write), None, Some(("application/yaml", manifest.into()))).await;
        assert_eq!(status, 201, "PUT {path}: {body}");
    }
    // checkout: 18 hours of traffic ending two hours ago, quiet around
    // the 6h window's start, with a 30-minute blip at 990 of 1000 ten hours
    // ago; then 50 minutes up to `end`, quiet around the 30m window's
    // start, the last 15 at 900 good of 1000 (the incident).
    let checkout = json!({"service": "checkout", "slo": "availability", "region": "eu"});
    let quiet = |to: i64, (from, until): (i64, i64)| to > end - from && to <= end - until;
    let mut batch: Vec<Value> = minutes(&checkout, end, 50, 1000, |k| if k < 15 { 900 } else { 1000 })
        .into_iter()
        .filter(|m| !quiet(m["to"].as_i64().unwrap(), (32 * 60, 18 * 60)))
        .collect();
    let blip = 8 * 60..8 * 60 + 30;
    batch.extend(
        minutes(&checkout, end - 2 * 3600, 18 * 60, 1000, |k| if blip.contains(&k) { 990 } else { 1000 })
            .into_iter()
            .filter(|m| !quiet(m["to"].as_i64().unwrap(), (6 * 3600 + 5 * 60, 5 * 3600 + 45 * 60))),
    );
    assert_eq!(batch.len(), CHECKOUT_MINUTES);
    // search: 20 hours at 999 good of 1000.
    batch.extend(minutes(&json!({"app": "search", "pod": "search-0"}), end, 20 * 60, 1000, |_| 999));
    let url = format!("{base}/api/v1/indicators");
    let (status, body) =
        call("POST", &url, Some(&write), None, Some(("application/json", json!({"indicators": batch}).to_string())))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["objectives"],
        json!({"checkout/availability": CHECKOUT_MINUTES, "search/queries": 20 * 60}),
        "every indicator counts for its objective: {body}"
    );
}

// How the dashboard writes numbers, restated from its documentation
// (three decimals for SLIs, one for budgets, two for burn rates).

fn sli_text(v: &Value) -> String {
    v.as_f64().map_or_else(|| "no data".into(), |v| format!("{:.3}%", v * 100.0))
}

fn budget_text(v: &Value) -> String {
    v.as_f64().map_or_else(|| "no data".into(), |v| format!("{:.1}%", v * 100.0))
}

fn burn_text(v: &Value) -> String {
    v.as_f64().map_or_else(|| "no data".into(), |v| format!("{v:.2}"))
}

fn alert_text(state: &str) -> String {
    if matches!(state, "page" | "ticket") { format!("{state} firing") } else { state.to_string() }
}

/// The cells of one list row as the API's report says they should read:
/// status, SLI, target, budget left, burn 1h 6h 1d 3d, alerts.
fn expected_row(o: &Value) -> Vec<String> {
    let mut cells = vec![
        o["status"].as_str().unwrap().replace('_', " "),
        sli_text(&o["sli"]),
        format!("{}%", o["target"].as_f64().unwrap()),
        budget_text(&o["budget"]["left"]),
    ];
    for w in ["1h", "6h", "1d", "3d"] {
        let rate = o["burn_rates"].as_array().unwrap().iter().find(|b| b["window"] == w).unwrap();
        cells.push(burn_text(&rate["rate"]));
    }
    cells.push(alert_text(o["alerts"]["state"].as_str().unwrap()));
    cells
}

/// The report API's objective `key` (`service/name`) out of `report`.
fn objective<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| format!("{}/{}", o["service"].as_str().unwrap(), o["name"].as_str().unwrap()) == key)
        .unwrap_or_else(|| panic!("{key} not in the report: {report}"))
}

async fn find(browser: &Client, css: &str) -> Element {
    step(&format!("finding {css}"), browser.find(Locator::Css(css)))
        .await
        .unwrap_or_else(|e| panic!("{css} is not on the page: {e}"))
}

async fn find_all(browser: &Client, css: &str) -> Vec<Element> {
    step(&format!("finding {css}"), browser.find_all(Locator::Css(css))).await.unwrap()
}

/// Waits until `css` is on the page: after a click or a form, the next page.
async fn wait_for(browser: &Client, css: &str) -> Element {
    let found = browser.wait().at_most(STEP_TIMEOUT).for_element(Locator::Css(css)).await;
    match found {
        Ok(e) => e,
        Err(e) => panic!("{css} did not appear (at {}): {e}", current_path(browser).await),
    }
}

async fn text(e: &Element) -> String {
    step("reading a text", e.text()).await.unwrap().trim().to_string()
}

async fn attr(e: &Element, name: &str) -> String {
    step(&format!("reading @{name}"), e.attr(name)).await.unwrap().unwrap_or_default()
}

async fn classes(e: &Element) -> Vec<String> {
    attr(e, "class").await.split_whitespace().map(str::to_string).collect()
}

async fn current_path(browser: &Client) -> String {
    step("reading the URL", browser.current_url()).await.map(|u| u.path().to_string()).unwrap_or_default()
}

/// The HTTP status of the page the browser shows, from the Navigation
/// Timing API (WebDriver itself does not say).
async fn http_status(browser: &Client) -> u64 {
    let script = "return performance.getEntriesByType('navigation')[0].responseStatus;";
    step("reading the HTTP status", browser.execute(script, vec![])).await.unwrap().as_u64().unwrap_or(0)
}

/// Types `token` into the login form and submits it.
async fn sign_in(browser: &Client, token: &str) {
    let input = find(browser, "input#token").await;
    step("clearing the token", input.clear()).await.unwrap();
    step("typing the token", input.send_keys(token)).await.unwrap();
    step("submitting", find(browser, "form button[type=submit]").await.click()).await.unwrap();
}

/// Saves a screenshot of the viewport to `target/dashboard-screenshots/NAME.png`
/// and checks that it is a real picture of the whole window.
async fn screenshot(browser: &Client, name: &str, min_kib: usize) -> PathBuf {
    let png = step("taking a screenshot", browser.screenshot()).await.unwrap();
    // CARGO_TARGET_TMPDIR is `<target>/tmp`, wherever the target directory is.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("dashboard-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, &png).unwrap();
    println!("screenshot: {}", path.display());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}: not a PNG");
    assert_eq!(&png[12..16], b"IHDR", "{name}: no PNG header chunk");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!(width, 1280, "{name}: the window is 1280 pixels wide");
    assert!(height >= 800, "{name}: {height} pixels high");
    // A blank page compresses to a few hundred bytes; text, tables and
    // charts do not.
    assert!(png.len() > min_kib * 1024, "{name}: only {} bytes: an empty page?", png.len());
    path
}

/// The list: order, classes, summary, and every cell against the API.
async fn check_list(browser: &Client, base: &str, read: &str) {
    let rows = find_all(browser, "#slo-table tr.slo-row").await;
    let mut keys = Vec::new();
    for row in &rows {
        keys.push(attr(row, "data-slo").await);
    }
    assert_eq!(keys, ["checkout/availability", "search/queries", "billing/invoices"], "least budget left first");
    for (row, status) in rows.iter().zip(["status-breached", "status-met", "status-no-data"]) {
        let c = classes(row).await;
        assert!(c.contains(&status.to_string()), "{c:?} should have {status}");
    }
    for (id, n) in [("met", 1), ("breached", 1), ("no-data", 1), ("alerting", 1)] {
        let count = find(browser, &format!("#summary #summary-{id}")).await;
        assert_eq!(attr(&count, "data-count").await, n.to_string(), "#summary-{id}");
        assert!(text(&count).await.starts_with(&n.to_string()), "#summary-{id} reads {:?}", text(&count).await);
    }

    // Worked out from the seeded counts. checkout: 1,800 bad (1,500 in the
    // incident, 300 in the blip) of 1,096,000 in the day; the last hour
    // has only the 36 recent minutes, 1,500 bad of 36,000.
    let by_hand = [
        ("checkout/availability", "breached", "99.836%", "99.9%", "-64.2%", "41.67", "5.75", "1.64", "page firing"),
        ("search/queries", "met", "99.900%", "99%", "90.0%", "0.10", "0.10", "0.10", "ok"),
        ("billing/invoices", "no data", "no data", "99.5%", "no data", "no data", "no data", "no data", "no data"),
    ];
    let checkout_sli = 1.0 - 1800.0 / 1_096_000.0;
    assert_eq!(format!("{:.3}%", checkout_sli * 100.0), by_hand[0].2);
    assert_eq!(format!("{:.1}%", (checkout_sli - 0.999) / 0.001 * 100.0), by_hand[0].4);
    assert_eq!(format!("{:.2}", 1500.0 / 36_000.0 / 0.001), by_hand[0].5);
    // 6h: the older traffic after the quiet stretch (225 minutes) and the recent 36.
    assert_eq!(format!("{:.2}", 1500.0 / 261_000.0 / 0.001), by_hand[0].6);
    assert_eq!(format!("{:.2}", 1800.0 / 1_096_000.0 / 0.001), by_hand[0].7);
    for (row, (key, status, sli, target, budget, burn_1h, burn_6h, burn_1d, alert)) in rows.iter().zip(by_hand) {
        let cell = |css: &'static str| async move { text(&find_in(row, css).await).await };
        assert_eq!(cell(".c-status").await, status, "{key}");
        assert_eq!(cell(".c-sli").await, sli, "{key}");
        assert_eq!(cell(".c-target").await, target, "{key}");
        assert_eq!(cell(".c-budget").await, budget, "{key}");
        assert_eq!(cell(".c-burn[data-window='1h']").await, burn_1h, "{key}");
        assert_eq!(cell(".c-burn[data-window='6h']").await, burn_6h, "{key}");
        assert_eq!(cell(".c-burn[data-window='1d']").await, burn_1d, "{key}");
        assert_eq!(cell(".c-burn[data-window='3d']").await, burn_1d, "{key}: the same data as 1d");
        assert_eq!(cell(".c-alert").await, alert, "{key}");
    }
    let budget = find_in(&rows[0], ".c-budget").await;
    assert!(classes(&budget).await.contains(&"negative".to_string()), "an overspent budget is marked negative");
    let no_data = find_in(&rows[2], ".c-budget").await;
    assert!(classes(&no_data).await.contains(&"no-data".to_string()));
    let title = text(&find_in(&rows[1], ".c-slo a").await).await;
    assert_eq!(title, "Search answers queries", "a titled objective shows its title");

    // The same cells from the API's report of the same data.
    let (status, report) = call("GET", &format!("{base}/api/v1/reports"), Some(read), None, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["summary"],
        json!({"met": 1, "breached": 1, "no_data": 1, "alerting": 1}),
        "the API's summary is the page's"
    );
    for (row, key) in rows.iter().zip(&keys) {
        let o = objective(&report, key);
        let mut cells = Vec::new();
        for css in [".c-status", ".c-sli", ".c-target", ".c-budget"] {
            cells.push(text(&find_in(row, css).await).await);
        }
        for w in ["1h", "6h", "1d", "3d"] {
            cells.push(text(&find_in(row, &format!(".c-burn[data-window='{w}']")).await).await);
        }
        cells.push(text(&find_in(row, ".c-alert").await).await);
        assert_eq!(cells, expected_row(o), "{key}: the row against the API's {o}");
        if let Some(left) = o["budget"]["left"].as_f64() {
            let shown: f64 = cells[3].trim_end_matches('%').parse().unwrap();
            assert!((shown / 100.0 - left).abs() <= 0.0005 + 1e-12, "{key}: {shown}% shows {left}");
        }
    }
}

async fn find_in(parent: &Element, css: &str) -> Element {
    step(&format!("finding {css}"), parent.find(Locator::Css(css))).await.unwrap()
}

/// The breached objective's page, reached by its link from the list.
async fn check_objective(browser: &Client, base: &str, read: &str) {
    let link = find(browser, "#slo-table tr.slo-row[data-slo='checkout/availability'] .c-slo a").await;
    step("clicking checkout/availability", link.click()).await.unwrap();
    let header = wait_for(browser, "#slo-header").await;
    assert_eq!(current_path(browser).await, "/slo/checkout/availability");
    assert_eq!(attr(&header, "data-slo").await, "checkout/availability");
    assert!(classes(&header).await.contains(&"status-breached".to_string()));
    assert_eq!(text(&find(browser, "#slo-header h1").await).await, "checkout/availability");
    assert_eq!(text(&find(browser, "#stat-status .value").await).await, "breached");
    assert_eq!(text(&find(browser, "#stat-sli .value").await).await, "99.836%");
    assert_eq!(text(&find(browser, "#target").await).await, "99.9%");
    assert_eq!(text(&find(browser, "#stat-budget .value").await).await, "-64.2%");
    assert_eq!(text(&find(browser, "#stat-exhaustion .value").await).await, "spent");
    assert_eq!(text(&find(browser, "#stat-events .value").await).await, "1,094,200 / 1,096,000");

    let refresh = find(browser, "meta[http-equiv='refresh']").await;
    assert_eq!(attr(&refresh, "content").await, REFRESH_SECS.to_string());

    for id in ["sli-chart", "budget-chart"] {
        let chart = find(browser, &format!("svg#{id}")).await;
        let points: usize = attr(&chart, "data-points").await.parse().unwrap();
        let segments: usize = attr(&chart, "data-segments").await.parse().unwrap();
        assert!(points > 0 && segments > 0, "{id}: {points} points in {segments} segments");
        assert!(step("is the chart shown", chart.is_displayed()).await.unwrap(), "{id} is hidden");
        let (_, _, width, height) = step("measuring the chart", chart.rectangle()).await.unwrap();
        assert!(width > 400.0 && height > 100.0, "{id} is {width}×{height}");
        let line = find_in(&chart, "path.line").await;
        assert!(attr(&line, "d").await.starts_with('M'), "{id}: a drawn line");
    }
    // 70 minutes without data between the older traffic and the recent
    // minutes: the SLI line breaks there at least.
    let sli_chart = find(browser, "svg#sli-chart").await;
    let segments: usize = attr(&sli_chart, "data-segments").await.parse().unwrap();
    assert!(segments >= 2, "the SLI line has gaps: {segments} segments");

    let (status, report) =
        call("GET", &format!("{base}/api/v1/reports/checkout/availability"), Some(read), None, None).await;
    assert_eq!(status, 200, "{report}");
    let o = objective(&report, "checkout/availability");

    let burn_rows = find_all(browser, "#burn-table tr.burn-row").await;
    assert_eq!(burn_rows.len(), 4, "one row per burn window");
    for (row, api) in burn_rows.iter().zip(o["burn_rates"].as_array().unwrap()) {
        assert_eq!(attr(row, "data-window").await, api["window"].as_str().unwrap());
        let value = text(&find_in(row, "td.num").await).await;
        assert_eq!(value, burn_text(&api["rate"]), "burn rate over {}", api["window"]);
    }
    let mut by_window = Vec::new();
    for row in &burn_rows {
        by_window.push((attr(row, "data-window").await, text(&find_in(row, "td.num").await).await));
    }
    let by_hand = [("1h", "41.67"), ("6h", "5.75"), ("1d", "1.64"), ("3d", "1.64")];
    assert_eq!(by_window, by_hand.map(|(w, v)| (w.to_string(), v.to_string())), "as on the list");

    assert_eq!(text(&find(browser, "#alert-state").await).await, "page firing");
    let alert_rows = find_all(browser, "#alert-table tr.alert-row").await;
    let pairs = o["alerts"]["pairs"].as_array().unwrap();
    assert_eq!(alert_rows.len(), pairs.len(), "one row per alert pair: {pairs:?}");
    for (row, pair) in alert_rows.iter().zip(pairs) {
        assert_eq!(attr(row, "data-severity").await, pair["severity"].as_str().unwrap());
        assert_eq!(attr(row, "data-long").await, pair["long"].as_str().unwrap());
        let firing = classes(row).await.contains(&"firing".to_string());
        assert_eq!(firing, pair["firing"].as_bool().unwrap(), "{pair}");
        let cells = find_all_in(row, "td").await;
        let mut texts = Vec::new();
        for c in &cells {
            texts.push(text(c).await);
        }
        let windows = format!("{} / {}", pair["long"].as_str().unwrap(), pair["short"].as_str().unwrap());
        let state = if firing { "firing" } else { "no" };
        let expected = [
            pair["severity"].as_str().unwrap().to_string(),
            windows,
            burn_text(&pair["threshold"]),
            burn_text(&pair["long_burn"]),
            burn_text(&pair["short_burn"]),
            state.to_string(),
        ];
        assert_eq!(texts, expected, "alert row against the API's {pair}");
    }
    // Both pairs fire. page: 41.67 over 1h and 100 over the last 5
    // minutes (all incident), threshold 6 (25% of the budget in 1h);
    // ticket: 5.75 over 6h and 83.33 over 30m (3 good minutes and the 15
    // of the incident), threshold 2 (50% in 6h).
    let mut rows_by_hand = Vec::new();
    for row in &alert_rows {
        let mut texts = Vec::new();
        for c in find_all_in(row, "td").await {
            texts.push(text(&c).await);
        }
        rows_by_hand.push(texts);
    }
    assert_eq!(
        rows_by_hand,
        [
            ["page", "1h / 5m", "6.00", "41.67", "100.00", "firing"],
            ["ticket", "6h / 30m", "2.00", "5.75", "83.33", "firing"]
        ]
    );
    find(browser, "#alert-table tr.alert-row.firing[data-severity='page'][data-long='1h']").await;
    find(browser, "#alert-table tr.alert-row.firing[data-severity='ticket'][data-long='6h']").await;

    let manifest = text(&find(browser, "pre#manifest").await).await;
    assert!(manifest.starts_with("apiVersion: sloop/v1"), "{manifest}");
    assert!(manifest.contains("service: checkout") && manifest.contains("availability"), "{manifest}");
}

async fn find_all_in(parent: &Element, css: &str) -> Vec<Element> {
    step(&format!("finding {css}"), parent.find_all(Locator::Css(css))).await.unwrap()
}

/// Everything a signed-out visitor of a private server goes through.
async fn private_server(browser: &Client, server: &TestServer) {
    let base = server.url();
    let read = server.token(TENANT, Scope::Read);

    // No token: the list sends the visitor to the login form.
    step("opening /", browser.goto(&format!("{base}/"))).await.unwrap();
    wait_for(browser, "input#token").await;
    assert_eq!(current_path(browser).await, "/login");
    assert!(find_all(browser, "#login-error").await.is_empty(), "no error before trying");

    // A token the server does not know.
    sign_in(browser, "sloop_0123456789012345678901234567890123456789").await;
    let error = wait_for(browser, "#login-error").await;
    assert_eq!(text(&error).await, "That token is not known to this server.");
    assert_eq!(current_path(browser).await, "/login");
    assert_eq!(http_status(browser).await, 401);
    screenshot(browser, "login-error", 8).await;
    assert!(step("reading cookies", browser.get_all_cookies()).await.unwrap().is_empty(), "no cookie for a bad token");

    // A read token: the list, and the token kept where scripts cannot read it.
    sign_in(browser, &read).await;
    wait_for(browser, "#slo-table").await;
    assert_eq!(current_path(browser).await, "/");
    let cookie = step("reading the cookie", browser.get_named_cookie("sloop_token")).await.unwrap();
    assert_eq!(cookie.value(), read);
    assert_eq!(cookie.http_only(), Some(true), "the token cookie is HttpOnly");
    let from_script = step("document.cookie", browser.execute("return document.cookie;", vec![])).await.unwrap();
    assert_eq!(from_script, json!(""), "scripts cannot read the token");
    assert_eq!(text(&find(browser, "#tenant").await).await, format!("tenant {TENANT}"));
    assert_eq!(attr(&find(browser, "meta[http-equiv='refresh']").await, "content").await, REFRESH_SECS.to_string());

    check_list(browser, &base, &read).await;
    let list_png = screenshot(browser, "list", 30).await;

    check_objective(browser, &base, &read).await;
    let slo_png = screenshot(browser, "slo-checkout-availability", 40).await;
    // The rest of the page, a screen at a time: the budget chart and the
    // tables, then the manifest.
    let scroll = "document.getElementById('budget-chart').scrollIntoView();";
    step("scrolling to the budget chart", browser.execute(scroll, vec![])).await.unwrap();
    screenshot(browser, "slo-checkout-availability-middle", 30).await;
    let scroll = "window.scrollTo(0, document.body.scrollHeight);";
    step("scrolling to the bottom", browser.execute(scroll, vec![])).await.unwrap();
    screenshot(browser, "slo-checkout-availability-bottom", 30).await;

    // Back to the list by the page's own link.
    step("clicking back", find(browser, "a#back").await.click()).await.unwrap();
    wait_for(browser, "#slo-table").await;
    assert_eq!(current_path(browser).await, "/");
    assert_eq!(find_all(browser, "#slo-table tr.slo-row").await.len(), 3);

    // An objective that does not exist: a 404 page with a way back.
    step("opening an unknown SLO", browser.goto(&format!("{base}/slo/checkout/nope"))).await.unwrap();
    let not_found = wait_for(browser, "#not-found").await;
    let missing = format!("There is no SLO checkout/nope in tenant {TENANT}.");
    assert!(text(&not_found).await.contains(&missing), "{}", text(&not_found).await);
    assert_eq!(http_status(browser).await, 404);
    // Still the tenant's page, with its header and the way to sign out.
    assert_eq!(text(&find(browser, "#tenant").await).await, format!("tenant {TENANT}"));
    find(browser, "#not-found a#back").await;
    screenshot(browser, "not-found", 8).await;
    let (status, _) = call("GET", &format!("{base}/slo/checkout/nope"), None, Some(&read), None).await;
    assert_eq!(status, 404, "the same page, fetched with the cookie");

    assert_ne!(std::fs::read(list_png).unwrap(), std::fs::read(slo_png).unwrap(), "two different pages");
}

/// A `--public-read` server: the list without signing in.
async fn public_server(browser: &Client, server: &TestServer) {
    step("opening /", browser.goto(&format!("{}/", server.url()))).await.unwrap();
    wait_for(browser, "#slo-table").await;
    assert_eq!(current_path(browser).await, "/", "no detour by the login form");
    let rows = find_all(browser, "#slo-table tr.slo-row").await;
    let mut keys = Vec::new();
    for row in &rows {
        keys.push(attr(row, "data-slo").await);
    }
    assert_eq!(keys, ["checkout/availability", "search/queries", "billing/invoices"]);
    assert!(step("reading cookies", browser.get_all_cookies()).await.unwrap().is_empty(), "signed in without a cookie");
}

/// Runs `scenario` within [`SCENARIO_TIMEOUT`], catching a failure so
/// that the caller can close the browser before passing it on with
/// [`finish`].
async fn guarded(scenario: impl Future<Output = ()>) -> Result<(), String> {
    match tokio::time::timeout(SCENARIO_TIMEOUT, AssertUnwindSafe(scenario).catch_unwind()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(panic)) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".into())),
        Err(_) => Err(format!("the browser scenario did not finish within {SCENARIO_TIMEOUT:?}")),
    }
}

/// Closes `browser` (bounded), then fails the test if `outcome` is a failure.
async fn finish(browser: Client, outcome: Result<(), String>) {
    let _ = tokio::time::timeout(Duration::from_secs(10), browser.close()).await;
    if let Err(message) = outcome {
        panic!("{message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_real_browser() {
    let Some(chromium) = Chromium::required_by("the_dashboard_in_a_real_browser") else { return };
    let dir = tempfile::tempdir().unwrap();
    let db: Arc<dyn Database> = Arc::new(SqliteStore::open(dir.path().join("sloop.db")).unwrap());

    let options = ServerOptions { refresh_secs: REFRESH_SECS, ..ServerOptions::default() };
    let server = TestServer::start(db.clone(), options.clone()).await;
    seed(&server, end()).await;
    let browser = step("opening a browser", chromium.session()).await.unwrap_or_else(|e| panic!("{e}"));
    let outcome = guarded(private_server(&browser, &server)).await;
    finish(browser, outcome).await;
    server.stop().await;

    // A fresh browser (no cookie) against the same data, served publicly.
    let public = TestServer::start(db, ServerOptions { public_read: true, ..options }).await;
    let browser = step("opening a browser", chromium.session()).await.unwrap_or_else(|e| panic!("{e}"));
    let outcome = guarded(public_server(&browser, &public)).await;
    finish(browser, outcome).await;
    public.stop().await;
    drop(chromium);
}
