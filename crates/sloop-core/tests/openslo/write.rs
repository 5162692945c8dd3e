//! Writing OpenSLO: round trips and the exact losses.

use super::*;

// ---- writing ------------------------------------------------------------

#[test]
fn examples_round_trip() {
    let files: Vec<SourceFile> = EXAMPLES.iter().map(|n| example(n)).collect();
    let first = load(&files);
    assert_eq!(first.manifest.objectives.len(), 7);
    let written = spec::write(&first.manifest, Format::OpenSlo).unwrap();
    assert_eq!(written.losses, vec![]);
    let second = load_one("written.yaml", &written.text);
    assert_eq!(second.manifest.services, first.manifest.services);
    assert_eq!(second.manifest.objectives, first.manifest.objectives);
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
    // Writing again gives the same text.
    assert_eq!(spec::write(&second.manifest, Format::OpenSlo).unwrap().text, written.text);
}

#[test]
fn writes_an_slo_with_its_alerting_documents() {
    let l = load(&[example("alerting.yaml")]);
    let mut m = l.manifest;
    m.objectives[0].alerting.annotations.clear();
    m.objectives[0].alerting.windows.truncate(1);
    let written = spec::write(&m, Format::OpenSlo).unwrap();
    let expected = r#"apiVersion: openslo/v1
kind: Service
metadata:
  name: orders
spec: {}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: orders-availability
spec:
  service: orders
  indicator:
    metadata:
      name: orders-availability-sli
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{job="orders",code=~"5.."}[{{.window}}]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{job="orders"}[{{.window}}]))
  timeWindow:
  - duration: 30d
    isRolling: true
  budgetingMethod: Occurrences
  objectives:
  - target: 0.999
  alertPolicies:
  - alertPolicyRef: orders-availability-alert-1
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: orders-availability-alert-1
spec:
  alertWhenBreaching: true
  conditions:
  - conditionRef: orders-availability-burn-rate-1
  notificationTargets: []
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: orders-availability-burn-rate-1
spec:
  description: 2% of the error budget spent within 1h, confirmed over 5m
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 5m
"#;
    assert_eq!(written.text, expected);
    assert_eq!(written.losses, vec![]);
}

fn slo(name: &str, service: &str, window: TimeWindow, budgeting: BudgetingMethod) -> Objective {
    let mut o = objective(
        name,
        service,
        prom_ratio(Some("thanos"), EventQuery::Good("sum(rate(ok_total[5m]))".into()), "sum(rate(all_total[5m]))"),
        "0.9995",
        window,
    );
    o.budgeting = budgeting;
    o
}

#[test]
fn model_round_trips_through_openslo() {
    let cal = |unit, count, tz: &str| TimeWindow::Calendar(CalendarWindow { unit, count, time_zone: tz.into() });
    let mut custom = slo("custom", "a", TimeWindow::rolling(days(28)), BudgetingMethod::Occurrences);
    custom.alerting.custom_windows = true;
    custom.alerting.windows = vec![
        BurnRateWindow {
            severity: Severity::Page,
            long: Duration::from_hours(1),
            short: Duration::from_mins(5),
            budget_share: 0.02,
        },
        BurnRateWindow {
            severity: Severity::Ticket,
            long: days(2),
            short: Duration::from_secs(4321),
            budget_share: 0.0123456789,
        },
        BurnRateWindow {
            severity: Severity::Ticket,
            long: days(3),
            short: Duration::from_hours(6),
            budget_share: 1.0 / 3.0,
        },
    ];
    custom.alerting.annotations = labels(&[("notification_target", "pager,slack")]);
    custom.labels = labels(&[("team", "a,b")]);
    let mut datadog = slo("dd", "b", cal(CalendarUnit::Quarter, 1, "UTC"), BudgetingMethod::Occurrences);
    datadog.indicator = Indicator::Ratio(RatioIndicator {
        provider: ProviderRef::datadog(),
        events: EventQuery::Bad("sum:errors{a:b}.as_count()".into()),
        total: "sum:hits{a:b}.as_count()".into(),
    });
    let mut m = Manifest {
        services: vec![
            Service {
                name: "a".into(),
                display_name: Some("A".into()),
                description: None,
                labels: labels(&[("x", "y")]),
            },
            Service::named("b"),
        ],
        objectives: vec![
            custom,
            slo(
                "weekly",
                "a",
                cal(CalendarUnit::Week, 2, "Asia/Tokyo"),
                BudgetingMethod::Timeslices { slice: Duration::from_secs(90), slice_target: target("0.9") },
            ),
            slo(
                "yearly",
                "a",
                cal(CalendarUnit::Year, 1, "UTC"),
                BudgetingMethod::RatioTimeslices { slice: Duration::from_hours(1) },
            ),
            slo("daily", "a", cal(CalendarUnit::Day, 7, "UTC"), BudgetingMethod::Occurrences),
            datadog,
            // Same name in another service.
            slo("custom", "b", TimeWindow::rolling(Duration::from_hours(36)), BudgetingMethod::Occurrences),
        ],
    };
    // Objectives carry their service's labels, as every reader makes them.
    for o in &mut m.objectives {
        if o.service == "a" {
            o.labels.insert("x".into(), "y".into());
        }
    }
    let written = spec::write(&m, Format::OpenSlo).unwrap();
    assert_eq!(written.losses, vec![]);
    let back = load_one("written.yaml", &written.text);
    assert_eq!(back.manifest, m);
    // The thresholds are written in their shortest exact form.
    assert!(written.text.contains("threshold: 13.44\n"), "{}", written.text);
    assert!(written.text.contains("\n  name: thanos\n"), "{}", written.text);
    assert!(written.text.contains("duration: 36h\n"), "{}", written.text);
}

#[test]
fn lists_what_openslo_cannot_express() {
    let mut latency = slo("latency", "a", TimeWindow::rolling(days(30)), BudgetingMethod::Occurrences);
    latency.indicator = Indicator::Latency(LatencyIndicator {
        provider: ProviderRef::prometheus(),
        metric: "http_server_requests_seconds".into(),
        matchers: vec![r#"service_name="a""#.into()],
        threshold: "0.2".into(),
        total: LatencyTotal::InfBucket,
        buckets: Some(vec![0.1, 0.2, 0.5]),
    });
    latency.traffic = Some(25.0);
    latency.runbook_url = Some("https://runbooks/a".into());
    latency.alerting.page.labels = labels(&[("team", "a")]);
    latency.alerting.ticket.for_duration = Some(Duration::from_mins(10));
    latency.alerting.name = Some("ALatency".into());
    let mut pushed = slo("pushed", "a", TimeWindow::rolling(days(30)), BudgetingMethod::Occurrences);
    pushed.indicator = Indicator::Selector(SelectorIndicator { labels: labels(&[("slo", "pushed")]), ratio: None });
    let mut counted = slo("counted", "a", TimeWindow::rolling(days(30)), BudgetingMethod::Occurrences);
    let ratio = RatioIndicator {
        provider: ProviderRef::prometheus(),
        events: EventQuery::Good("sum(rate(ok_total[5m]))".into()),
        total: "sum(rate(all_total[5m]))".into(),
    };
    counted.indicator =
        Indicator::Selector(SelectorIndicator { labels: labels(&[("slo", "counted")]), ratio: Some(ratio.clone()) });
    let mut quiet = slo("quiet", "a", TimeWindow::rolling(days(30)), BudgetingMethod::Occurrences);
    quiet.alerting.enabled = false;
    quiet.alerting.labels = labels(&[("x", "y")]);
    quiet.alerting.annotations = labels(&[("summary", "s"), ("notification_target", "pager")]);
    let m = Manifest {
        services: vec![Service::named("a")],
        objectives: vec![latency.clone(), pushed, counted.clone(), quiet.clone()],
    };
    let written = spec::write(&m, Format::OpenSlo).unwrap();
    let loss = |o: &str, f: &str, r: &str| Loss { objective: o.into(), field: f.into(), reason: r.into() };
    assert_eq!(
        written.losses,
        vec![
            loss(
                "a/latency",
                "indicator",
                "OpenSLO has no latency indicator: written as a ratioMetric of histogram buckets (le=\"0.2\" over \
                 le=\"+Inf\"); the declared buckets are dropped; reading it back gives a ratio indicator"
            ),
            loss("a/latency", "traffic", "OpenSLO has no field for the declared traffic"),
            loss("a/latency", "alerting.name", "OpenSLO has no alert name"),
            loss("a/latency", "alerting.page", "OpenSLO has no per-tier labels"),
            loss("a/latency", "alerting.ticket", "OpenSLO has no per-tier a `for` duration"),
            loss(
                "a/pushed",
                "indicator",
                "OpenSLO has no selector indicator and this one names no provider queries: the objective is skipped"
            ),
            loss(
                "a/counted",
                "indicator",
                "OpenSLO has no selector indicator: its labels are dropped and its provider queries written as a \
                 ratioMetric"
            ),
            loss(
                "a/quiet",
                "alerting.enabled",
                "OpenSLO cannot turn alerting off: reading it back gives the standard alerts"
            ),
            loss("a/quiet", "alerting.labels", "OpenSLO has no alert labels"),
            loss("a/quiet", "alerting.annotations", "OpenSLO has no alert annotations (summary)"),
            loss(
                "a/quiet",
                "alerting.annotations",
                "notification targets are written only with custom alert windows; the standard alerts keep none"
            ),
        ]
    );
    // What was written reads back as the nearest OpenSLO can say.
    let back = load_one("written.yaml", &written.text).manifest;
    let names: Vec<_> = back.objectives.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, vec!["latency", "counted", "quiet"]);
    let mut latency_back = latency;
    latency_back.indicator = Indicator::Ratio(RatioIndicator {
        provider: ProviderRef::prometheus(),
        events: EventQuery::Good(
            r#"sum(rate(http_server_requests_seconds_bucket{service_name="a",le="0.2"}[{{.window}}]))"#.into(),
        ),
        total: r#"sum(rate(http_server_requests_seconds_bucket{service_name="a",le="+Inf"}[{{.window}}]))"#.into(),
    });
    latency_back.traffic = None;
    latency_back.alerting = AlertPolicy::standard(days(30)).0;
    assert_eq!(back.objectives[0], latency_back);
    assert_eq!(back.objectives[1].indicator, Indicator::Ratio(ratio));
    assert_eq!(back.objectives[2].alerting, AlertPolicy::standard(days(30)).0);
}
