//! The dashboard rendered from real reports: `sloop_core::report::build`
//! over generated event counts, the same path the server takes.

use sloop_core::Objective;
use sloop_core::math::{Counts, Point, Window, window_counts};
use sloop_core::report::{self, ObjectiveReport, Report, Status, Trend};
use sloop_core::source::SourceFile;
use sloop_core::spec;

use super::svg::{Guide, LineChart, Scale, line_chart, time_ticks};
use super::{Chrome, list_page, login_page, not_found_page, objective_page};

const DAY: i64 = 86_400;
/// 2026-11-21T12:00:00Z.
const END: i64 = 1_795_262_400;
const SCRIPT: &str = "<script>alert(1)</script>";

const CHROME: Chrome<'static> = Chrome { tenant: "acme", refresh_secs: Some(30), base_path: "" };

fn objective(name: &str, target: &str) -> Objective {
    let yaml = format!(
        "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: {name}\n    target: {target}\n    window: 7d\n    \
         ratio:\n      bad: sum(rate(errors_total[{{{{.window}}}}]))\n      total: sum(rate(requests_total[{{{{.window}}}}]))\n"
    );
    spec::load(&[SourceFile::new("t.yaml", &yaml)]).unwrap().manifest.objectives.remove(0)
}

/// One point every 5 minutes over 8 days before END, 100 events each with
/// `bad` of them bad, and the last `outage` points failing entirely.
fn points(bad: f64, outage: i64) -> Vec<Point> {
    let mut out = Vec::new();
    let mut t = END - 8 * DAY;
    while t < END {
        let b = if END - t <= outage * 300 { 100.0 } else { bad };
        out.push(Point::new(t, t + 300, 100.0 - b, 100.0).unwrap());
        t += 300;
    }
    out
}

fn build(obj: &Objective, pts: &[Point]) -> ObjectiveReport {
    report::build(obj, END, &|from, to| {
        let length = sloop_core::Duration::from_secs(u64::try_from(to - from).unwrap());
        Some(window_counts(pts, Window::ending_at(to, length)))
    })
}

/// Four objectives in a manifest order unlike their urgency:
/// `quiet` has no data, `latency` has 90% of its budget left, `avail` 50%
/// (and a hostile title), `checkout` is overspent and paging.
fn fixture() -> Report {
    let quiet = report::build(&objective("quiet", "99.9"), END, &|_, _| Some(Counts::ZERO));
    let latency = build(&objective("latency", "99"), &points(0.1, 0));
    let mut avail_obj = objective("avail", "99.9");
    avail_obj.display_name = Some(SCRIPT.into());
    let avail = build(&avail_obj, &points(0.05, 0));
    let checkout = build(&objective("checkout", "99.9"), &points(0.2, 4));
    report::assemble(END, vec![quiet, latency, avail, checkout])
}

/// Checks the document is well formed: tags nest and close (void elements
/// aside), attribute values are quoted, no attribute appears twice, and no
/// raw `<` or `>` is left in text (the stylesheet aside: CSS may use `>`,
/// and a `<style>` ends only at `</style>`). Returns the number of elements.
fn assert_well_formed(html: &str) -> usize {
    const VOID: [&str; 4] = ["meta", "link", "input", "br"];
    let mut rest = html.strip_prefix("<!DOCTYPE html>").expect("starts with the doctype");
    let mut stack: Vec<&str> = Vec::new();
    let mut elements = 0;
    while let Some(open) = rest.find('<') {
        assert!(
            !rest[..open].contains('>'),
            "a raw '>' in text before {:?}",
            &rest[open..][..40.min(rest.len() - open)]
        );
        let close = rest[open..].find('>').expect("tag closes") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "'<' inside tag {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "closing {name} at {:?}", &rest[..close + 1]);
        } else {
            elements += 1;
            let name = tag.split([' ', '\n']).next().unwrap();
            assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()), "tag name {name:?}");
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in {tag:?}");
            // Attribute names are what sits outside the quotes, before a '=' or alone.
            let mut names: Vec<&str> = tag[name.len()..]
                .split('"')
                .step_by(2)
                .flat_map(|outside| outside.split_whitespace())
                .map(|a| a.trim_end_matches('='))
                .filter(|a| !a.is_empty())
                .collect();
            let count = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), count, "an attribute twice in {tag:?}");
            if !VOID.contains(&name) {
                stack.push(name);
            }
            if name == "style" {
                let css = &rest[close + 1..];
                let end = css.find("</style>").expect("the stylesheet ends");
                assert!(!css[..end].contains('<'), "'<' in the stylesheet");
                rest = &css[end..];
                continue;
            }
        }
        rest = &rest[close + 1..];
    }
    assert!(!rest.contains('>'), "a raw '>' after the last tag");
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    elements
}

/// The attribute values of every `attr="…"` in `html`, in document order.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let value = &html[i + needle.len()..];
            &value[..value.find('"').unwrap()]
        })
        .collect()
}

/// The markup of the element that starts with `start`, through its `</tag>`
/// (for elements that do not nest in themselves: rows, svgs).
fn element<'a>(html: &'a str, start: &str, tag: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start} not in page"));
    let close = format!("</{tag}>");
    let to = html[from..].find(&close).unwrap() + from + close.len();
    &html[from..to]
}

#[test]
fn the_fixture_is_what_the_tests_assume() {
    let r = fixture();
    let left = |name: &str| r.objectives.iter().find(|o| o.name == name).unwrap().budget.map(|b| b.left);
    assert_eq!(left("quiet"), None);
    assert!((left("latency").unwrap() - 0.9).abs() < 1e-9);
    assert!((left("avail").unwrap() - 0.5).abs() < 1e-9);
    assert!(left("checkout").unwrap() < -1.0);
    assert_eq!(r.summary, report::Summary { met: 2, breached: 1, no_data: 1, alerting: 1 });
}

#[test]
fn the_list_puts_the_least_budget_first_and_no_data_last() {
    let html = list_page(&CHROME, &fixture());
    assert_well_formed(&html);
    assert_eq!(attr_values(&html, "data-slo"), ["web/checkout", "web/avail", "web/latency", "web/quiet"]);
    let hrefs: Vec<&str> = attr_values(&html, "href").into_iter().filter(|h| h.contains("/slo/")).collect();
    assert_eq!(hrefs, ["/slo/web/checkout", "/slo/web/avail", "/slo/web/latency", "/slo/web/quiet"]);
    assert!(html.contains(r#"<tr class="slo-row status-breached" data-slo="web/checkout">"#), "{html}");
    assert!(html.contains(r#"<tr class="slo-row status-met" data-slo="web/avail">"#));
    assert!(html.contains(r#"<tr class="slo-row status-no-data" data-slo="web/quiet">"#));
    for (id, n) in [("summary-met", 2), ("summary-breached", 1), ("summary-no-data", 1), ("summary-alerting", 1)] {
        assert!(html.contains(&format!(r#"id="{id}" class="#)), "{id}");
        let div = element(&html, &format!(r#"<div id="{id}""#), "div");
        assert!(div.contains(&format!(r#"data-count="{n}"><span class="n">{n}</span>"#)), "{div}");
    }
    assert!(html.contains(r#"<meta http-equiv="refresh" content="30">"#));
    assert!(html.contains(r#"<span id="tenant" class="tenant">tenant <strong>acme</strong></span>"#));
}

#[test]
fn the_list_shows_numbers_with_their_digits() {
    let report = fixture();
    let html = list_page(&CHROME, &report);
    let avail = element(&html, r#"data-slo="web/avail""#, "tr");
    // 0.05 bad in 100 events: an SLI of 99.95%, half the budget of a 99.9% target.
    assert!(avail.contains(r#"<td class="num c-sli">99.950%</td>"#), "{avail}");
    assert!(avail.contains(r#"<td class="num c-target">99.9%</td>"#));
    assert!(avail.contains(r#"<td class="num c-budget">50.0%</td>"#));
    assert!(avail.contains(r#"<td class="num c-burn" data-window="1h">0.50</td>"#), "{avail}");
    assert!(avail.contains(r#"<span class="badge alert-ok">ok</span>"#));
    let checkout = element(&html, r#"data-slo="web/checkout""#, "tr");
    let left = report.objectives[3].budget.unwrap().left;
    let budget = format!(r#"<td class="num c-budget negative">{:.1}%</td>"#, left * 100.0);
    assert!(checkout.contains(&budget), "{checkout}");
    // 20 of the last 60 minutes failed entirely: burning (1/3 + 2/3 · 0.002) / 0.001 ≈ 334.67.
    assert!(checkout.contains(r#"<td class="num c-burn hot" data-window="1h">334.67</td>"#), "{checkout}");
    assert!(checkout.contains(r#"<span class="badge alert-page">page firing</span>"#));
}

#[test]
fn objectives_without_data_read_no_data() {
    let html = list_page(&CHROME, &fixture());
    let quiet = element(&html, r#"data-slo="web/quiet""#, "tr");
    assert!(quiet.contains(r#"<span class="badge status-no-data">no data</span>"#), "{quiet}");
    assert!(quiet.contains(r#"<td class="num c-sli no-data">no data</td>"#));
    assert!(quiet.contains(r#"<td class="num c-budget no-data">no data</td>"#));
    for w in ["1h", "6h", "1d", "3d"] {
        assert!(quiet.contains(&format!(r#"<td class="num c-burn no-data" data-window="{w}">no data</td>"#)), "{w}");
    }
    assert!(quiet.contains(r#"<span class="badge alert-no-data">no data</span>"#), "{quiet}");
}

#[test]
fn text_from_manifests_is_escaped() {
    let report = fixture();
    let chrome = Chrome { tenant: "a&b\"<i>", ..CHROME };
    let html = list_page(&chrome, &report);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<i>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<strong>a&amp;b&quot;&lt;i&gt;</strong>"));
    let avail = &report.objectives[2];
    let manifest = "title: \"<script>x</script>\" # a < b && c";
    let page = objective_page(&chrome, avail, &avail.trend, manifest);
    assert_well_formed(&page);
    assert!(!page.contains("<script"));
    assert!(page.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
    assert!(page.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; · sloop</title>"));
    assert!(page.contains(
        r#"<pre id="manifest"><code>title: &quot;&lt;script&gt;x&lt;/script&gt;&quot; # a &lt; b &amp;&amp; c</code></pre>"#
    ));
    let login = login_page(&chrome, Some("token <b>expired</b>"));
    assert!(login.contains("token &lt;b&gt;expired&lt;/b&gt;"));
    let missing = not_found_page(&chrome, "no SLO web/<x>");
    assert!(missing.contains("<p>no SLO web/&lt;x&gt;</p>"));
}

#[test]
fn an_empty_report_says_how_to_add_objectives() {
    let html = list_page(&CHROME, &report::assemble(END, Vec::new()));
    assert_well_formed(&html);
    assert!(!html.contains("slo-table"));
    let empty = element(&html, r#"<section id="empty-state""#, "section");
    assert!(empty.contains("<code>sloop sync -f slos.yaml --server URL</code>"), "{empty}");
    assert!(html.contains(r#"<time id="generated-at" datetime="2026-11-21T12:00:00Z">2026-11-21 12:00 UTC</time>"#));
}

#[test]
fn the_objective_page_draws_the_history_with_its_gaps() {
    let report = fixture();
    let checkout = &report.objectives[3];
    assert_eq!(checkout.status, Status::Breached);
    // An hourly history over the 7-day window, with two holes in the SLI.
    let ends: Vec<i64> = (1..=168).map(|h| END - 7 * DAY + h * 3_600).collect();
    let sli: Vec<Option<f64>> =
        (1..=168).map(|h| if (50..53).contains(&h) || h == 100 { None } else { Some(0.9995) }).collect();
    let budget_left: Vec<Option<f64>> = (1..=168).map(|h| Some(1.0 - f64::from(h) / 84.0)).collect();
    let history = Trend { ends, sli, budget_left };
    let chrome = Chrome { base_path: "/x/", ..CHROME };
    let html = objective_page(&chrome, checkout, &history, "apiVersion: sloop/v1");
    assert_well_formed(&html);

    let sli_chart = element(&html, r#"<svg id="sli-chart""#, "svg");
    assert!(sli_chart.contains(r#"data-points="164" data-segments="3""#), "{}", &sli_chart[..300]);
    let d = attr_values(sli_chart, "d");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].matches('M').count(), 3);
    assert_eq!(d[0].matches('L').count(), 164 - 3);
    assert!(sli_chart.contains(r#"<line class="guide target""#));
    assert!(sli_chart.contains(">target 99.9%</text>"));
    assert!(sli_chart.contains("<title id=\"sli-chart-title\">SLI per interval, against the target</title>"));
    // More points than dots are worth: only the isolated ones would get one, and there are none.
    assert!(!sli_chart.contains("<circle"));

    let budget_chart = element(&html, r#"<svg id="budget-chart""#, "svg");
    assert!(budget_chart.contains(r#"data-points="168" data-segments="1""#));
    assert!(budget_chart.contains(r#"<line class="guide zero""#));
    // From 1 down to −1: the axis runs from −100% to 100% in steps of 50%.
    let labels: Vec<&str> =
        budget_chart.split("<text class=\"ylabel\"").skip(1).map(|s| between(s, '>', '<')).collect();
    assert_eq!(labels, ["-100%", "-50%", "0%", "50%", "100%"]);

    assert!(html.contains(r#"<section id="slo-header" class="slo-header status-breached" data-slo="web/checkout">"#));
    assert!(html.contains(r#"<a id="back" href="/x/">← All SLOs</a>"#));
    assert!(html.contains(r#"<div class="value negative">spent</div>"#));
    let page_1h = element(&html, r#"<tr class="alert-row firing" data-severity="page" data-long="1h""#, "tr");
    assert!(page_1h.contains("<td>1h / 5m</td>"), "{page_1h}");
    // The 30-day threshold of 14.4, scaled to a 7-day window: 14.4 × 7 / 30.
    assert!(page_1h.contains(r#"<td class="num">3.36</td>"#), "{page_1h}");
    assert!(page_1h.contains(r#"<td class="num hot">334.67</td><td class="num hot">1000.00</td>"#));
    assert!(page_1h.contains("<strong>firing</strong>"));
    assert!(html.contains(r#"<tr class="burn-row" data-window="1h"><td>1h</td><td class="num hot">334.67</td></tr>"#));
    assert!(html.contains(r#"<span id="alert-state" class="badge alert-page">page firing</span>"#));
}

fn between(s: &str, open: char, close: char) -> &str {
    let from = s.find(open).unwrap() + 1;
    &s[from..from + s[from..].find(close).unwrap()]
}

#[test]
fn without_history_the_report_trend_is_drawn() {
    let report = fixture();
    let avail = &report.objectives[2];
    let empty = Trend { ends: Vec::new(), sli: Vec::new(), budget_left: Vec::new() };
    let html = objective_page(&CHROME, avail, &empty, "");
    let sli_chart = element(&html, r#"<svg id="sli-chart""#, "svg");
    assert!(sli_chart.contains(r#"data-points="30" data-segments="1""#));
    // 30 points is few enough for a dot (with its own tooltip) on each.
    assert_eq!(sli_chart.matches("<circle").count(), 30);
    assert!(sli_chart.contains("<title>11-14 17:36 UTC: 99.950%</title>"), "{sli_chart}");
    let quiet = &report.objectives[0];
    let html = objective_page(&CHROME, quiet, &empty, "");
    let budget_chart = element(&html, r#"<svg id="budget-chart""#, "svg");
    assert!(budget_chart.contains(r#"data-points="0" data-segments="0""#));
    assert!(budget_chart.contains(r#"<text class="empty""#) && budget_chart.contains(">no data</text>"));
    assert!(!budget_chart.contains("<path"));
}

#[test]
fn a_chart_breaks_its_line_at_gaps() {
    let times: Vec<i64> = (0..10).map(|i| i * 60).collect();
    let values = [Some(1.0), Some(0.99), None, Some(0.995), Some(0.995), Some(1.0), None, None, Some(0.99), Some(1.0)];
    let chart = LineChart {
        id: "c",
        title: "t",
        times: &times,
        values: &values,
        span: (0, 540),
        guide: Some(Guide { value: 0.99, class: "target", label: "target 99%".into() }),
        ceiling: Some(1.0),
        floor: None,
    };
    let svg = line_chart(&chart).into_string();
    // x: 64 + t/540 · 848; y: 28 at 100%, 208 at 99%.
    assert_eq!(
        attr_values(&svg, "d"),
        ["M64.0 28.0 L158.2 208.0 M346.7 118.0 L440.9 118.0 L535.1 28.0 M817.8 208.0 L912.0 28.0"]
    );
    let labels: Vec<&str> = svg.split("<text class=\"ylabel\"").skip(1).map(|s| between(s, '>', '<')).collect();
    assert_eq!(labels, ["99.0%", "99.5%", "100.0%"]);
    assert!(svg.contains(r#"viewBox="0 0 960 240""#));

    // In a long series only a point with gaps on both sides gets a dot: it has no line.
    let times: Vec<i64> = (0..200).map(|i| i * 60).collect();
    let values: Vec<Option<f64>> = (0..200).map(|i| if i == 99 || i == 101 { None } else { Some(0.999) }).collect();
    let chart = LineChart { times: &times, values: &values, span: (0, 199 * 60), guide: None, ..chart };
    let svg = line_chart(&chart).into_string();
    assert!(svg.contains(r#"data-points="198" data-segments="3""#));
    assert_eq!(svg.matches("<circle").count(), 1);
    assert!(svg.contains(r#"<circle class="dot" cx="490.1" "#), "{svg}");
}

#[test]
fn values_under_the_floor_are_drawn_on_the_bottom_edge_and_the_legend_stays_off_the_data() {
    // An incident's 90 % would stretch the axis to 90–100 %, where a 99.9 %
    // target and a 100 % SLI are 2 pixels apart; with the floor at 99 % the
    // axis is 99–100 % and the target sits 18 pixels under the top.
    let times: Vec<i64> = (0..4).map(|i| i * 60).collect();
    let values = [Some(1.0), Some(0.9), Some(0.999), Some(1.0)];
    let chart = LineChart {
        id: "c",
        title: "t",
        times: &times,
        values: &values,
        span: (0, 180),
        guide: Some(Guide { value: 0.999, class: "target", label: "target 99.9%".into() }),
        ceiling: Some(1.0),
        floor: Some(0.99),
    };
    let svg = line_chart(&chart).into_string();
    let labels: Vec<&str> = svg.split("<text class=\"ylabel\"").skip(1).map(|s| between(s, '>', '<')).collect();
    assert_eq!(labels, ["99.0%", "99.5%", "100.0%"]);
    // 90 % is drawn at 99 % (y 208), as a marked dot with its true value.
    assert_eq!(attr_values(&svg, "d"), ["M64.0 28.0 L346.7 208.0 L629.3 46.0 L912.0 28.0"]);
    assert!(
        svg.contains(
            r#"<circle class="dot clipped" cx="346.7" cy="208.0" r="2.5"><title>01-01 00:01 UTC: 90.000%</title>"#
        ),
        "{svg}"
    );
    assert_eq!(svg.matches("clipped").count(), 1);
    assert!(svg.contains("1 below 99.0% are drawn on the bottom edge."), "{svg}");
    // The target line at y 46; its label in the legend above the plot (y 20 < 28).
    assert!(svg.contains(r#"<line class="guide target" x1="64" x2="912" y1="46.0" y2="46.0">"#), "{svg}");
    assert!(svg.contains(r#"<text class="guide-label target" x="878" y="20" text-anchor="end">target 99.9%</text>"#));
}

#[test]
fn axes_use_round_steps() {
    assert_eq!(
        Scale::fit([0.9995, 1.0].into_iter(), Some(0.999), Some(1.0)).ticks(),
        [0.999, 0.9995, 1.0].map(|v: f64| v)
    );
    let flat = Scale::fit([1.0, 1.0].into_iter(), None, Some(1.0));
    assert_eq!((flat.hi, flat.ticks().last().copied()), (1.0, Some(1.0)));
    assert!(flat.lo < 1.0);
    let burn_down = Scale::fit([1.0, -0.3].into_iter(), Some(0.0), Some(1.0));
    assert_eq!(burn_down.ticks(), [-0.5, 0.0, 0.5, 1.0]);
    let labels: Vec<String> = time_ticks((END - DAY, END)).into_iter().map(super::numbers::utc_minute).collect();
    assert_eq!(labels, ["11-20 12:00", "11-20 18:00", "11-21 00:00", "11-21 06:00", "11-21 12:00"]);
    let week = time_ticks((END - 7 * DAY + 1_800, END));
    // 6.98 days: daily labels, on UTC midnights.
    assert_eq!(week.len(), 7);
    assert_eq!(super::numbers::utc_minute(week[0]), "11-15 00:00");
    assert!(week.windows(2).all(|w| w[1] - w[0] == DAY));
    // Ten days no longer fit six steps of a day: every other day (even days since 1970).
    let labels: Vec<String> = time_ticks((END - 10 * DAY, END)).into_iter().map(super::numbers::utc_minute).collect();
    assert_eq!(labels, ["11-13 00:00", "11-15 00:00", "11-17 00:00", "11-19 00:00", "11-21 00:00"]);
}

#[test]
fn links_and_forms_start_at_the_base_path() {
    let chrome = Chrome { tenant: "", refresh_secs: Some(30), base_path: "/sloop" };
    let login = login_page(&chrome, None);
    assert_well_formed(&login);
    assert!(login.contains(r#"<form method="post" action="/sloop/login">"#));
    assert!(login.contains(r#"<input id="token" name="token" type="password""#));
    assert!(!login.contains("login-error"));
    // A form never reloads itself, and an empty tenant is not shown.
    assert!(!login.contains("http-equiv"));
    assert!(!login.contains("id=\"tenant\""));
    let failed = login_page(&chrome, Some("unknown token"));
    assert!(failed.contains(r#"<p id="login-error" class="error" role="alert">unknown token</p>"#));
    let missing = not_found_page(&chrome, "nothing here");
    assert_well_formed(&missing);
    assert!(missing.contains(r#"<a id="back" href="/sloop/">"#));
    assert_eq!(super::page::slo_href(&chrome, "my svc", "a/b"), "/sloop/slo/my%20svc/a%2Fb");
    let no_refresh = Chrome { refresh_secs: None, ..chrome };
    assert!(!list_page(&no_refresh, &fixture()).contains("http-equiv"));
}
