//! sloop's own format: every example loads into exact model values, bad
//! input gets a positioned error with a hint, and writing round-trips.

use sloop_core::alerting::Severity;
use sloop_core::model::*;
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format};
use sloop_core::{Duration, Error};

fn example(name: &str) -> SourceFile {
    let path = format!("{}/../../examples/sloop/{name}", env!("CARGO_MANIFEST_DIR"));
    SourceFile::new(format!("examples/sloop/{name}"), std::fs::read_to_string(&path).unwrap())
}

fn load(text: &str) -> Result<spec::Loaded, Vec<sloop_core::Diagnostic>> {
    spec::load(&[SourceFile::new("t.yaml", text)]).map_err(|e| match e {
        Error::Invalid { diagnostics } => diagnostics,
        other => panic!("{other}"),
    })
}

fn only_error(text: &str) -> sloop_core::Diagnostic {
    let ds = load(text).unwrap_err();
    let errors: Vec<_> = ds.into_iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn origin_story_latency_slo() {
    let loaded = spec::load(&[example("myservice-latency.yaml")]).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let o = &loaded.manifest.objectives[0];
    assert_eq!(o.id(), "myservice/requests-latency");
    assert_eq!(o.target.percent_string(), "90");
    assert_eq!(o.target.budget(), 0.1);
    assert_eq!(o.window, TimeWindow::rolling(Duration::from_days(30)));
    assert_eq!(o.labels.get("team").map(String::as_str), Some("web"));
    let Indicator::Latency(l) = &o.indicator else { panic!("{:?}", o.indicator) };
    assert_eq!(l.metric, "http_server_requests_seconds");
    assert_eq!(l.matchers, vec![r#"outcome="SUCCESS""#, r#"service_name="myservice""#]);
    assert_eq!(l.threshold, "0.2");
    assert_eq!(l.total, LatencyTotal::Count);
    assert_eq!(l.buckets.as_deref(), Some(&[0.05, 0.1, 0.2, 0.5, 1.0, 2.0][..]));
    let a = &o.alerting;
    assert!(a.enabled && a.custom_windows);
    assert_eq!(a.windows.len(), 2);
    let page = &a.windows[0];
    assert_eq!(
        (page.severity, page.long, page.short),
        (Severity::Page, Duration::from_hours(1), Duration::from_mins(5))
    );
    assert!((page.threshold(Duration::from_days(30)) - 14.4).abs() < 1e-9);
    let ticket = &a.windows[1];
    assert_eq!(
        (ticket.severity, ticket.long, ticket.short),
        (Severity::Ticket, Duration::from_days(1), Duration::from_hours(1))
    );
    assert!((ticket.threshold(Duration::from_days(30)) - 3.0).abs() < 1e-9);
    assert_eq!(o.runbook_url.as_deref(), Some("https://runbooks.example.com/myservice/latency"));
    let origin = &loaded.origins[0];
    assert_eq!((origin.format, origin.line), (Format::Sloop, 11));
    assert_eq!(origin.fields["target"].line, 13);
}

#[test]
fn checkout_example() {
    let loaded = spec::load(&[example("checkout.yaml")]).unwrap();
    let m = &loaded.manifest;
    assert_eq!(m.services.len(), 1);
    assert_eq!(m.services[0].display_name.as_deref(), Some("Checkout API"));
    let avail = &m.objectives[0];
    assert_eq!(avail.target.budget(), 0.001);
    assert_eq!(avail.window.nominal_length(), Duration::from_days(28));
    assert_eq!(avail.traffic, Some(50.0));
    assert_eq!(avail.labels.get("owner").map(String::as_str), Some("payments"));
    let Indicator::Ratio(r) = &avail.indicator else { panic!() };
    assert!(matches!(&r.events, EventQuery::Bad(q) if q.contains("code=~\"5..\"")));
    assert_eq!(avail.alerting.name.as_deref(), Some("CheckoutHighErrorRate"));
    assert_eq!(avail.alerting.page.labels.get("severity").map(String::as_str), Some("critical"));
    assert_eq!(avail.alerting.ticket.for_duration, Some(Duration::from_mins(10)));
    assert!(!avail.alerting.custom_windows);
    assert_eq!(avail.alerting.windows.len(), 4);
    let month = &m.objectives[1];
    assert_eq!(
        month.window,
        TimeWindow::Calendar(CalendarWindow { unit: CalendarUnit::Month, count: 1, time_zone: "Europe/Paris".into() })
    );
    let BudgetingMethod::Timeslices { slice, slice_target } = &month.budgeting else { panic!() };
    assert_eq!((*slice, slice_target.percent_string()), (Duration::from_mins(1), "99".to_string()));
    let Indicator::Latency(l) = &month.indicator else { panic!() };
    assert_eq!((l.threshold.as_str(), l.matchers.as_slice()), ("0.5", &[r#"job="checkout""#.to_string()][..]));
}

#[test]
fn datadog_example() {
    let loaded = spec::load(&[example("web-datadog.yaml")]).unwrap();
    let o = &loaded.manifest.objectives[0];
    assert_eq!(o.indicator.provider(), Some(&ProviderRef::datadog()));
    assert!(matches!(&o.indicator, Indicator::Ratio(r) if matches!(r.events, EventQuery::Good(_))));
}

#[test]
fn every_example_round_trips() {
    for name in ["myservice-latency.yaml", "checkout.yaml", "web-datadog.yaml"] {
        let first = spec::load(&[example(name)]).unwrap();
        let written = spec::write(&first.manifest, Format::Sloop).unwrap();
        assert!(written.losses.is_empty(), "{name}: {:?}", written.losses);
        let again = spec::load(&[SourceFile::new("out.yaml", written.text.clone())])
            .unwrap_or_else(|e| panic!("{name}: {e:?}\n{}", written.text));
        assert_eq!(again.manifest, first.manifest, "{name}:\n{}", written.text);
    }
}

const BASE: &str = "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: a\n    target: 99.9\n    window: 30d\n    ratio:\n      bad: sum(rate(e[{{.window}}]))\n      total: sum(rate(t[{{.window}}]))\n";

#[test]
fn target_100_is_rejected_at_its_position() {
    let e = only_error(&BASE.replace("target: 99.9", "target: 100"));
    assert_eq!((e.line, e.column, e.field.as_str()), (5, 13, "slos[0].target"));
    assert!(e.message.contains("no error budget"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("above 0 and below 100"));
    let shown = e.to_string();
    assert!(shown.contains("5 |     target: 100"), "{shown}");
    assert!(shown.contains("^^^"), "{shown}");
}

#[test]
fn bad_values_name_field_and_fix() {
    // (replace, with, expected line and column, field, message fragment)
    type Case<'a> = (&'a str, &'a str, (usize, usize), &'a str, &'a str);
    let cases: [Case<'_>; 7] = [
        ("target: 99.9", "target: -1", (5, 13), "slos[0].target", "not a number"),
        ("window: 30d", "window: 30x", (6, 13), "slos[0].window", "unknown unit `x`"),
        ("window: 30d", "window: 1M", (6, 13), "slos[0].window", "calendar window"),
        (
            "bad: sum(rate(e[{{.window}}]))",
            "bad: sum(rate(e[{{.window}}])",
            (8, 12),
            "slos[0].ratio.bad",
            "invalid PromQL",
        ),
        ("window: 30d", "window: { calendar: fortnight }", (6, 25), "slos[0].window.calendar", "not a calendar period"),
        ("    target: 99.9\n", "    targt: 99.9\n", (5, 5), "slos[0].targt", "unknown field `targt`"),
        (
            "window: 30d",
            "window: { calendar: month, timezone: Mars/Olympus }",
            (6, 42),
            "slos[0].window.timezone",
            "unknown time zone",
        ),
    ];
    for (from, to, pos, field, msg) in cases {
        let e = only_error(&BASE.replace(from, to));
        assert_eq!((e.line, e.column), pos, "{to}: {e}");
        assert_eq!(e.field, field, "{to}");
        assert!(e.message.contains(msg), "{to}: {}", e.message);
        assert!(e.hint.is_some(), "{to}: no hint");
    }
}

#[test]
fn shape_errors_get_a_hint() {
    let e = only_error(&BASE.replace("window: 30d", "window: [30d]"));
    assert_eq!(e.field, "slos[0].window");
    assert!(e.hint.as_deref().unwrap().contains("calendar period"), "{e}");
}

#[test]
fn indicator_must_be_exactly_one() {
    let none = BASE.split("    ratio:").next().unwrap().to_string();
    let e = only_error(&none);
    assert_eq!(e.field, "slos[0]");
    assert!(e.message.contains("no indicator"));
    let two = format!("{BASE}    raw:\n      error_ratio: x\n");
    let e = only_error(&two);
    assert!(e.message.contains("more than one indicator (ratio, raw)"), "{}", e.message);
}

#[test]
fn all_errors_are_reported_not_just_the_first() {
    let text = BASE.replace("target: 99.9", "target: 0").replace("window: 30d", "window: forever");
    let ds = load(&text).unwrap_err();
    let fields: Vec<_> = ds.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["slos[0].target", "slos[0].window"]);
}

#[test]
fn short_windows_scale_standard_alerts_quietly() {
    let loaded = load(&BASE.replace("window: 30d", "window: 1d")).unwrap();
    let o = &loaded.manifest.objectives[0];
    // On a 1d window the pairs are scaled by 1d/30d (the 1h pair would confirm over 10s: dropped).
    let longs: Vec<_> = o.alerting.windows.iter().map(|w| w.long.to_compact()).collect();
    assert_eq!(longs, ["12m", "48m", "2h24m"]);
    assert_eq!(o.alerting.windows[2].short, Duration::from_mins(12));
    // The manifest did not write these pairs, so fitting them is not its fault: no warning.
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    // ...but explain says what happened.
    let notes = sloop_core::explain::explain(o).notes;
    assert!(notes.iter().any(|n| n.contains("scaled down to 2h24m")), "{notes:?}");
}

#[test]
fn custom_windows_that_do_not_fit_warn() {
    let text = format!(
        "{}    alerting:\n      windows:\n        - {{ severity: page, long: 2d, short: 4h, budget: 5 }}\n",
        BASE.replace("window: 30d", "window: 1d")
    );
    let loaded = load(&text).unwrap();
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    let w = &loaded.warnings[0];
    assert_eq!((w.field.as_str(), w.line), ("slos[0].alerting.windows", 12));
    assert!(
        w.message.contains("does not fit the 1d SLO window: scaled down to 1d (confirmed over 2h)"),
        "{}",
        w.message
    );
}

#[test]
fn alerting_can_be_switched_off() {
    let loaded = load(&format!("{BASE}    alerting: false\n")).unwrap();
    assert!(!loaded.manifest.objectives[0].alerting.enabled);
}

#[test]
fn published_schema_is_current() {
    let path = format!("{}/../../schema/sloop.schema.json", env!("CARGO_MANIFEST_DIR"));
    let generated = spec::sloop::json_schema();
    if std::env::var_os("SLOOP_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "schema/sloop.schema.json is stale: run `SLOOP_BLESS=1 cargo test -p sloop-core --test sloop_format`"
    );
    let v: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(v["required"], serde_json::json!(["apiVersion", "service", "slos"]));
}

#[test]
fn native_histogram_latency_reads_as_pyrra_computes_it() {
    let yaml = "apiVersion: sloop/v1\nservice: api\nslos:\n  - name: fast\n    target: 99\n    window: 28d\n    \
                latency:\n      metric: http_request_duration_seconds\n      native: true\n      \
                selector: { job: api }\n      threshold: 250ms\n";
    let loaded = load(yaml).unwrap();
    let Indicator::Ratio(r) = &loaded.manifest.objectives[0].indicator else { panic!("not a ratio") };
    assert_eq!(r.total, "histogram_count(sum(rate(http_request_duration_seconds{job=\"api\"}[{{.window}}])))");
    assert_eq!(
        r.events,
        EventQuery::Good(
            "histogram_fraction(0, 0.25, sum(rate(http_request_duration_seconds{job=\"api\"}[{{.window}}]))) * \
             histogram_count(sum(rate(http_request_duration_seconds{job=\"api\"}[{{.window}}])))"
                .into()
        )
    );
    // Buckets make no sense for a native histogram: a clear error, at the latency block.
    let bad = yaml.replace("native: true\n", "native: true\n      total: inf\n");
    let e = only_error(&bad);
    assert!(e.message.contains("native histogram"), "{e:?}");
}
