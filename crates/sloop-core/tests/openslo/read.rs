//! Reading the examples and references into exact model values.

use super::*;

#[test]
fn ratio_with_referenced_sli_and_data_source() {
    let l = load(&[example("ratio-referenced-sli.yaml")]);
    assert_eq!(
        l.manifest.services,
        vec![Service {
            name: "checkout".into(),
            display_name: Some("Checkout".into()),
            description: Some("Takes the customer's money".into()),
            labels: labels(&[("team", "payments")]),
        }]
    );
    // The objective carries its service's labels, then its own.
    let mut expected = checkout_objective();
    expected.labels.insert("team".into(), "payments".into());
    assert_eq!(l.manifest.objectives, vec![expected]);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    // The SLO document starts at line 43; its queries live in the SLI
    // document, so the origin points at `indicatorRef`.
    let o = &l.origins[0];
    assert_eq!((o.file.as_str(), o.line, o.format), ("ratio-referenced-sli.yaml", 43, Format::OpenSlo));
    let at = |f: &str| o.fields.get(f).map(|p| (p.path.as_str(), p.line, p.column));
    assert_eq!(at(field::NAME), Some(("metadata.name", 46, 9)));
    assert_eq!(at(field::TARGET), Some(("spec.objectives[0].target", 64, 15)));
    assert_eq!(at(field::WINDOW), Some(("spec.timeWindow[0].duration", 60, 17)));
    assert_eq!(at(field::GOOD), Some(("spec.indicatorRef", 58, 17)));
    assert_eq!(at(field::TOTAL), Some(("spec.indicatorRef", 58, 17)));
    assert_eq!(at(field::ALERTING), None);
}

#[test]
fn calendar_month_with_timeslices() {
    let l = load(&[example("calendar-timeslices.yaml")]);
    let window = TimeWindow::Calendar(CalendarWindow {
        unit: CalendarUnit::Month,
        count: 1,
        time_zone: "America/New_York".into(),
    });
    let mut o = objective(
        "web-availability",
        "web",
        prom_ratio(
            None,
            EventQuery::Bad(r#"sum(rate(http_requests_total{job="web",code=~"5.."}[1m]))"#.into()),
            r#"sum(rate(http_requests_total{job="web"}[1m]))"#,
        ),
        "0.995",
        window,
    );
    o.display_name = Some("Web availability per calendar month".into());
    o.budgeting = BudgetingMethod::Timeslices { slice: Duration::from_mins(1), slice_target: target("0.95") };
    assert_eq!(l.manifest.objectives, vec![o]);
    assert_eq!(l.manifest.services, vec![Service::named("web")]);
    let inline = &l.origins[0].fields;
    assert_eq!(inline[field::BAD].path, "spec.indicator.spec.ratioMetric.bad.metricSource.spec.query");
    assert_eq!((inline[field::BAD].line, inline[field::BAD].column), (21, 22));
    assert_eq!(inline[field::INDICATOR].path, "spec.indicator");
}

#[test]
fn datadog_ratio_with_two_objectives() {
    let l = load(&[example("datadog-ratio.yaml")]);
    let indicator = Indicator::Ratio(RatioIndicator {
        provider: ProviderRef { kind: ProviderKind::Datadog, name: Some("datadog".into()) },
        events: EventQuery::Good(
            "sum:trace.http.request.hits.by_http_status{service:search,http.status_class:2xx}.as_count()".into(),
        ),
        total: "sum:trace.http.request.hits{service:search}.as_count()".into(),
    });
    let make = |name: &str, t: &str| {
        let mut o = objective(name, "search", indicator.clone(), t, TimeWindow::rolling(days(30)));
        o.display_name = Some("Search success".into());
        o.description = Some("Search requests answered with a 2xx".into());
        o
    };
    // `target: 0.99` and `targetPercent: 99.9`.
    assert_eq!(
        l.manifest.objectives,
        vec![make("search-success-good", "0.99"), make("search-success-very-good", "0.999")]
    );
    let names: Vec<_> = l.origins.iter().map(|o| (o.line, o.fields[field::NAME].path.as_str())).collect();
    assert_eq!(names, vec![(43, "spec.objectives[0].displayName"), (45, "spec.objectives[1].displayName")]);
    assert_eq!(l.origins[1].fields[field::TARGET].path, "spec.objectives[1].targetPercent");
}

#[test]
fn threshold_metric() {
    let l = load(&[example("threshold-metric.yaml")]);
    let mut o = objective(
        "api-latency-p99",
        "api",
        Indicator::Threshold(ThresholdIndicator {
            provider: ProviderRef::prometheus(),
            query:
                r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))"#
                    .into(),
            op: Comparison::Lte,
            value: 0.3,
        }),
        "0.99",
        TimeWindow::rolling(days(7)),
    );
    o.display_name = Some("API p99 latency".into());
    assert_eq!(l.manifest.objectives, vec![o]);
    assert_eq!(
        l.origins[0].fields[field::INDICATOR].path,
        "spec.indicator.spec.thresholdMetric.metricSource.spec.query"
    );
}

#[test]
fn raw_ratio_with_ratio_timeslices() {
    let l = load(&[example("raw-ratio-timeslices.yaml")]);
    let mut o = objective(
        "queue-processing",
        "worker",
        Indicator::Raw(RawIndicator {
            provider: ProviderRef::prometheus(),
            query: r#"job:queue_errors:ratio_rate5m{job="worker"}"#.into(),
            measures: RawMeasure::ErrorRatio,
        }),
        "0.98",
        TimeWindow::rolling(days(14)),
    );
    o.budgeting = BudgetingMethod::RatioTimeslices { slice: Duration::from_mins(5) };
    assert_eq!(l.manifest.objectives, vec![o]);
}

#[test]
fn alert_policies_conditions_and_targets() {
    let l = load(&[example("alerting.yaml")]);
    let mut o = objective(
        "orders-availability",
        "orders",
        prom_ratio(
            None,
            EventQuery::Bad(r#"sum(rate(http_requests_total{job="orders",code=~"5.."}[{{.window}}]))"#.into()),
            r#"sum(rate(http_requests_total{job="orders"}[{{.window}}]))"#,
        ),
        "0.999",
        TimeWindow::rolling(days(30)),
    );
    o.alerting = AlertPolicy {
        enabled: true,
        name: None,
        labels: Labels::new(),
        annotations: labels(&[("notification_target", "on-call-pager,orders-team-slack")]),
        page: TierPolicy::default(),
        ticket: TierPolicy::default(),
        windows: vec![
            // 14.4 × 1h / 30d = 2 % of the budget.
            BurnRateWindow {
                severity: Severity::Page,
                long: Duration::from_hours(1),
                short: Duration::from_mins(5),
                budget_share: 0.02,
            },
            // 1 × 3d / 30d = 10 %.
            BurnRateWindow {
                severity: Severity::Ticket,
                long: days(3),
                short: Duration::from_hours(6),
                budget_share: 0.1,
            },
        ],
        custom_windows: true,
    };
    assert_eq!(l.manifest.objectives, vec![o]);
    let a = &l.origins[0].fields[field::ALERTING];
    assert_eq!((a.path.as_str(), a.line, a.column), ("spec.alertPolicies", 33, 5));
}

#[test]
fn referenced_and_inline_slis_give_the_same_model_across_files() {
    let inline_sli = SLI_DOC
        .split_once("spec:\n")
        .map(|(_, rest)| rest.lines().map(|l| format!("      {l}\n")).collect::<String>())
        .unwrap();
    let inline = checkout_slo(&format!(
        "  indicator:\n    metadata:\n      name: checkout-good-requests\n    spec:\n{inline_sli}"
    ));
    let inline = load(&[SourceFile::new("slo.yaml", inline), SourceFile::new("ds.yaml", DATA_SOURCE_DOC)]);
    // The SLO, its SLI and the DataSource each in a file of their own.
    let referenced = load(&[
        SourceFile::new("slo.yaml", checkout_slo("  indicatorRef: checkout-good-requests\n")),
        SourceFile::new("sli.yaml", SLI_DOC),
        SourceFile::new("ds.yaml", DATA_SOURCE_DOC),
    ]);
    assert_eq!(inline.manifest, referenced.manifest);
    assert_eq!(referenced.manifest.objectives, vec![checkout_objective()]);
    assert_eq!(referenced.manifest.services, vec![Service::named("checkout")]);
}
