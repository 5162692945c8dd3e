//! OpenSLO v1 reader and writer, through `spec::load` and `spec::write`.

use sloop_core::Diagnostic;
use sloop_core::alerting::{AlertPolicy, BurnRateWindow, Severity, TierPolicy};
use sloop_core::duration::Duration;
use sloop_core::model::{
    BudgetingMethod, CalendarUnit, CalendarWindow, Comparison, EventQuery, Indicator, Labels, LatencyIndicator,
    LatencyTotal, Manifest, Objective, ProviderKind, ProviderRef, RatioIndicator, RawIndicator, RawMeasure,
    SelectorIndicator, Service, ThresholdIndicator, TimeWindow,
};
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format, Loaded, Loss, field};
use sloop_core::target::Target;

const EXAMPLES: [&str; 6] = [
    "ratio-referenced-sli.yaml",
    "calendar-timeslices.yaml",
    "datadog-ratio.yaml",
    "threshold-metric.yaml",
    "raw-ratio-timeslices.yaml",
    "alerting.yaml",
];

fn example(name: &str) -> SourceFile {
    let path = format!("{}/../../examples/openslo/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    SourceFile::new(name, text)
}

fn load(files: &[SourceFile]) -> Loaded {
    match spec::load(files) {
        Ok(l) => l,
        Err(sloop_core::Error::Invalid { diagnostics }) => {
            panic!("{}", diagnostics.iter().map(ToString::to_string).collect::<String>())
        }
        Err(e) => panic!("{e}"),
    }
}

fn load_one(name: &str, text: &str) -> Loaded {
    load(&[SourceFile::new(name, text)])
}

/// The diagnostics of a load that must fail.
fn diagnostics(files: &[SourceFile]) -> Vec<Diagnostic> {
    match spec::load(files) {
        Ok(l) => panic!("expected errors, loaded {:#?}", l.manifest),
        Err(sloop_core::Error::Invalid { diagnostics }) => diagnostics,
        Err(e) => panic!("{e}"),
    }
}

fn errors_of(text: &str) -> Vec<Diagnostic> {
    diagnostics(&[SourceFile::new("slo.yaml", text)]).into_iter().filter(Diagnostic::is_error).collect()
}

/// (line, column, field, message, hint) of a diagnostic.
fn parts(d: &Diagnostic) -> (usize, usize, &str, &str, Option<&str>) {
    (d.line, d.column, d.field.as_str(), d.message.as_str(), d.hint.as_deref())
}

fn days(d: u64) -> Duration {
    Duration::from_days(d)
}

fn target(fraction: &str) -> Target {
    Target::from_fraction_str(fraction).unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn prom_ratio(name: Option<&str>, events: EventQuery, total: &str) -> Indicator {
    Indicator::Ratio(RatioIndicator {
        provider: ProviderRef { kind: ProviderKind::Prometheus, name: name.map(str::to_string) },
        events,
        total: total.into(),
    })
}

/// An objective with the defaults of an OpenSLO SLO: occurrences, standard alerting.
fn objective(name: &str, service: &str, indicator: Indicator, t: &str, window: TimeWindow) -> Objective {
    Objective {
        name: name.into(),
        display_name: None,
        service: service.into(),
        description: None,
        labels: Labels::new(),
        indicator,
        target: target(t),
        alerting: AlertPolicy::standard(window.nominal_length()).0,
        window,
        budgeting: BudgetingMethod::Occurrences,
        runbook_url: None,
        traffic: None,
    }
}

const CHECKOUT_GOOD: &str = r#"sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{.window}}]))"#;
const CHECKOUT_TOTAL: &str = r#"sum(rate(http_requests_total{job="checkout"}[{{.window}}]))"#;

fn checkout_objective() -> Objective {
    let mut o = objective(
        "checkout-availability",
        "checkout",
        prom_ratio(Some("prometheus-main"), EventQuery::Good(CHECKOUT_GOOD.into()), CHECKOUT_TOTAL),
        "0.999",
        TimeWindow::rolling(days(28)),
    );
    o.display_name = Some("Checkout availability".into());
    o.description = Some("99.9% of checkout requests succeed".into());
    o.labels = labels(&[("tier", "1"), ("tags", "payments,critical-path")]);
    o.runbook_url = Some("https://runbooks.example.com/checkout".into());
    o
}

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
    assert_eq!(l.manifest.objectives, vec![checkout_objective()]);
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

const SLI_DOC: &str = r#"apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-good-requests
spec:
  ratioMetric:
    good:
      metricSource:
        metricSourceRef: prometheus-main
        spec:
          query: sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{.window}}]))
    total:
      metricSource:
        metricSourceRef: prometheus-main
        spec:
          query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
"#;

const DATA_SOURCE_DOC: &str =
    "apiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: prometheus-main\nspec:\n  type: prometheus\n";

/// An SLO for checkout; `indicator` is the text under `spec:` that says what it measures.
fn checkout_slo(indicator: &str) -> String {
    format!(
        "apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  displayName: Checkout availability
  labels:
    tier: \"1\"
    tags: [payments, critical-path]
  annotations:
    runbook_url: https://runbooks.example.com/checkout
spec:
  description: 99.9% of checkout requests succeed
  service: checkout
{indicator}  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
"
    )
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

const MINIMAL: &str = "apiVersion: openslo/v1
kind: SLO
metadata:
  name: s
spec:
  service: svc
  indicator:
    metadata:
      name: i
    spec:
      ratioMetric:
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(ok_total[5m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(all_total[5m]))
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
";

fn minimal_with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "{from}");
    MINIMAL.replacen(from, to, 1)
}

#[test]
fn unknown_kind() {
    let e = errors_of(&minimal_with("kind: SLO", "kind: Objective"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        parts(&e[0]),
        (
            2,
            7,
            "kind",
            "kind `Objective` is not a openslo kind",
            Some("Service, SLO, SLI, DataSource, AlertPolicy, AlertCondition, AlertNotificationTarget")
        )
    );
}

#[test]
fn target_above_one() {
    let e = errors_of(&minimal_with("target: 0.999", "target: 1.5"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        parts(&e[0]),
        (
            27,
            15,
            "spec.objectives[0].target",
            "target `1.5` is not below 1: OpenSLO writes it as a fraction of one (0.999 means 99.9%)",
            Some("a fraction above 0 and below 1, such as 0.999, or `targetPercent: 99.9`")
        )
    );
    assert_eq!(e[0].code, "invalid-target");
    let e = errors_of(&minimal_with("target: 0.999", "targetPercent: 100"));
    assert_eq!((e[0].field.as_str(), e[0].line, e[0].column), ("spec.objectives[0].targetPercent", 27, 22));
    assert!(e[0].message.contains("no error budget"), "{}", e[0].message);
}

#[test]
fn rolling_window_in_months() {
    let e = errors_of(&minimal_with("28d", "1M"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        parts(&e[0]),
        (
            23,
            17,
            "spec.timeWindow[0].duration",
            "`1M` counts months, which have no fixed length: a rolling window needs a fixed duration \
             (for a window of calendar months, write `isRolling: false` with a `calendar`)",
            Some("a fixed length such as 28d, 30d, 4w or 1h")
        )
    );
    // Quarters and years too; a calendar window takes them.
    assert!(errors_of(&minimal_with("28d", "1Q"))[0].message.starts_with("`1Q` counts quarters"));
    assert!(errors_of(&minimal_with("28d", "1Y"))[0].message.starts_with("`1Y` counts years"));
}

#[test]
fn dangling_indicator_ref() {
    let slo = checkout_slo("  indicatorRef: checkout-requests\n");
    let d = diagnostics(&[
        SourceFile::new("slo.yaml", slo),
        SourceFile::new("sli.yaml", SLI_DOC),
        SourceFile::new("ds.yaml", DATA_SOURCE_DOC),
    ]);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].file, "slo.yaml");
    assert_eq!(d[0].code, "unknown-reference");
    assert_eq!(
        parts(&d[0]),
        (
            14,
            17,
            "spec.indicatorRef",
            "no SLI is named `checkout-requests`",
            Some("one of the SLIs defined: checkout-good-requests")
        )
    );
    // With no SLI at all, the hint says so.
    let d = diagnostics(&[SourceFile::new("slo.yaml", checkout_slo("  indicatorRef: checkout-requests\n"))]);
    assert_eq!(d[0].hint.as_deref(), Some("the name of a `kind: SLI` document; none is defined in the files loaded"));
}

#[test]
fn dangling_data_source_is_reported_in_the_sli_document() {
    let d = diagnostics(&[
        SourceFile::new("slo.yaml", checkout_slo("  indicatorRef: checkout-good-requests\n")),
        SourceFile::new("sli.yaml", SLI_DOC),
    ]);
    // Both metric sources name it; the SLO itself adds no error.
    let at: Vec<_> = d.iter().map(|d| (d.file.as_str(), d.line, d.column, d.field.as_str())).collect();
    assert_eq!(
        at,
        vec![
            ("sli.yaml", 9, 26, "spec.ratioMetric.good.metricSource.metricSourceRef"),
            ("sli.yaml", 14, 26, "spec.ratioMetric.total.metricSource.metricSourceRef"),
        ]
    );
    assert_eq!(
        d[0].hint.as_deref(),
        Some("the name of a `kind: DataSource` document; none is defined in the files loaded")
    );
}

#[test]
fn missing_total() {
    let text = minimal_with(
        "        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(all_total[5m]))
",
        "",
    );
    let e = errors_of(&text);
    assert_eq!(e.len(), 1, "{e:?}");
    // `total` is absent: the error points at `ratioMetric`, the nearest field written.
    assert_eq!(
        parts(&e[0]),
        (
            12,
            9,
            "spec.indicator.spec.ratioMetric.total",
            "`good` needs `total`, the count of all events",
            Some("total: {metricSource: {type: Prometheus, spec: {query: ...}}}")
        )
    );
}

#[test]
fn every_error_of_a_document_is_reported_and_nothing_is_added() {
    let text = minimal_with("target: 0.999", "target: 0")
        .replacen("28d", "1M", 1)
        .replacen("type: Prometheus", "type: CloudWatch", 1)
        .replacen("Occurrences", "Sometimes", 1);
    let e = errors_of(&text);
    let got: Vec<_> = e.iter().map(|d| (d.line, d.field.as_str(), d.code)).collect();
    assert_eq!(
        got,
        vec![
            (14, "spec.indicator.spec.ratioMetric.good.metricSource.type", "unsupported-source"),
            (23, "spec.timeWindow[0].duration", "invalid-duration"),
            (25, "spec.budgetingMethod", "invalid-budgeting-method"),
            (27, "spec.objectives[0].target", "invalid-target"),
        ]
    );
    assert_eq!(e[0].message, "metric source type `CloudWatch`, which sloop cannot query");
    assert_eq!(e[0].hint.as_deref(), Some("type: Prometheus or type: Datadog (the metric source types sloop reads)"));
}

#[test]
fn unknown_fields_are_refused_where_the_spec_is_closed() {
    let e = errors_of(&minimal_with("budgetingMethod", "budgetMethod"));
    assert_eq!((e[0].line, e[0].column, e[0].field.as_str()), (25, 3, "spec.budgetMethod"));
    assert!(e[0].message.contains("unknown field `budgetMethod`"), "{}", e[0].message);
    assert!(e[0].hint.as_deref().unwrap_or_default().contains("budgetingMethod"), "{:?}", e[0].hint);
    // A metric source's own spec is open: other fields are ignored with a warning.
    let l = load_one(
        "slo.yaml",
        &minimal_with("query: sum(rate(ok_total[5m]))", "query: sum(rate(ok_total[5m]))\n              region: eu"),
    );
    let w: Vec<_> = l.warnings.iter().map(|w| (w.line, w.field.as_str())).collect();
    assert_eq!(w, vec![(17, "spec.indicator.spec.ratioMetric.good.metricSource.spec.region")]);
}

#[test]
fn calendar_lengths_and_time_zones() {
    let cal = |duration: &str, tz: &str| {
        minimal_with(
            "    - duration: 28d\n      isRolling: true\n",
            &format!(
                "    - duration: {duration}
      isRolling: false
      calendar:
        startTime: 2024-01-01 00:00:00
        timeZone: {tz}
"
            ),
        )
    };
    for (d, unit, count) in [
        ("1d", CalendarUnit::Day, 1),
        ("1w", CalendarUnit::Week, 1),
        ("1M", CalendarUnit::Month, 1),
        ("2M", CalendarUnit::Month, 2),
        ("1Q", CalendarUnit::Quarter, 1),
        ("1Y", CalendarUnit::Year, 1),
    ] {
        let l = load_one("slo.yaml", &cal(d, "Europe/Paris"));
        assert_eq!(
            l.manifest.objectives[0].window,
            TimeWindow::Calendar(CalendarWindow { unit, count, time_zone: "Europe/Paris".into() }),
            "{d}"
        );
    }
    let e = errors_of(&cal("12h", "UTC"));
    assert_eq!(
        parts(&e[0]),
        (
            23,
            17,
            "spec.timeWindow[0].duration",
            "`12h` is not a calendar window length",
            Some("a whole number of d, w, M, Q or Y, such as 1M, 1Q, 1w or 1d")
        )
    );
    let e = errors_of(&cal("1M", "Mars/Olympus_Mons"));
    assert_eq!(
        parts(&e[0]),
        (
            27,
            19,
            "spec.timeWindow[0].calendar.timeZone",
            "unknown time zone `Mars/Olympus_Mons`",
            Some("an IANA time zone name such as UTC, Europe/Paris or America/New_York")
        )
    );
    // `calendar` without `isRolling` means a calendar window.
    let l = load_one("slo.yaml", &cal("1w", "UTC").replacen("      isRolling: false\n", "", 1));
    assert_eq!(l.manifest.objectives[0].window.nominal_length(), days(7));
    assert!(matches!(l.manifest.objectives[0].window, TimeWindow::Calendar(_)));
}

#[test]
fn timeslices_need_their_fields() {
    let e = errors_of(&minimal_with("Occurrences", "Timeslices"));
    let got: Vec<_> = e.iter().map(parts).collect();
    assert_eq!(
        got,
        vec![
            (
                27,
                7,
                "spec.objectives[0].timeSliceTarget",
                "the Timeslices budgeting method needs `timeSliceTarget`",
                Some("the share of good events that makes a slice good, such as `timeSliceTarget: 0.95`")
            ),
            (
                27,
                7,
                "spec.objectives[0].timeSliceWindow",
                "the Timeslices budgeting method needs `timeSliceWindow`",
                Some("the length of a slice, such as `timeSliceWindow: 1m` (a bare number is minutes)")
            ),
        ]
    );
    // A bare number is minutes.
    let l = load_one(
        "slo.yaml",
        &minimal_with("Occurrences", "RatioTimeslices").replacen(
            "- target: 0.999",
            "- target: 0.999\n      timeSliceWindow: 5",
            1,
        ),
    );
    assert_eq!(l.manifest.objectives[0].budgeting, BudgetingMethod::RatioTimeslices { slice: Duration::from_mins(5) });
}

#[test]
fn threshold_objectives_need_op_and_value_and_ratio_ones_ignore_them() {
    let l = load_one("slo.yaml", &minimal_with("- target: 0.999", "- target: 0.999\n      op: gt"));
    let w: Vec<_> = l.warnings.iter().map(|w| (w.line, w.field.as_str(), w.message.as_str())).collect();
    assert_eq!(
        w,
        vec![(28, "spec.objectives[0].op", "`op` and `value` only apply to a thresholdMetric indicator; ignored")]
    );
    let ratio = &MINIMAL[MINIMAL.find("      ratioMetric:").unwrap()..MINIMAL.find("  timeWindow:").unwrap()];
    let threshold = "      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: max(queue_depth)
";
    let e = errors_of(&MINIMAL.replacen(ratio, threshold, 1));
    let got: Vec<_> = e.iter().map(parts).collect();
    assert_eq!(
        got,
        vec![
            (
                21,
                7,
                "spec.objectives[0].op",
                "an objective of a thresholdMetric indicator needs `op`",
                Some("lt, lte, gt or gte: the comparison that makes a sample good")
            ),
            (
                21,
                7,
                "spec.objectives[0].value",
                "an objective of a thresholdMetric indicator needs `value`",
                Some("the number each sample is compared with, such as `value: 0.2`")
            ),
        ]
    );
    let e = errors_of(&MINIMAL.replacen(ratio, threshold, 1).replacen(
        "- target: 0.999",
        "- target: 0.999\n      op: under\n      value: 100",
        1,
    ));
    assert_eq!(
        parts(&e[0]),
        (
            22,
            11,
            "spec.objectives[0].op",
            "unknown operator `under`",
            Some("lt, lte, gt or gte: the comparison that makes a sample good")
        )
    );
}

#[test]
fn service_document_gives_the_service_details() {
    let service = "apiVersion: openslo/v1
kind: Service
metadata:
  name: svc
  displayName: The service
  labels:
    owner: [alice, bob]
spec:
  description: Does things
";
    let l = load(&[SourceFile::new("slo.yaml", MINIMAL), SourceFile::new("svc.yaml", service)]);
    assert_eq!(
        l.manifest.services,
        vec![Service {
            name: "svc".into(),
            display_name: Some("The service".into()),
            description: Some("Does things".into()),
            labels: labels(&[("owner", "alice,bob")]),
        }]
    );
    let d = diagnostics(&[
        SourceFile::new("a.yaml", service),
        SourceFile::new("b.yaml", service),
        SourceFile::new("slo.yaml", MINIMAL),
    ]);
    assert_eq!(
        parts(&d[0]),
        (
            4,
            9,
            "metadata.name",
            "a Service named `svc` is already defined at a.yaml:4",
            Some("a name not used by another Service")
        )
    );
    assert_eq!(d[0].file, "b.yaml");
}

#[test]
fn every_kind_needs_a_name() {
    let sli = SLI_DOC.replacen("name: checkout-good-requests", "name: \"  \"", 1);
    let d = diagnostics(&[SourceFile::new("sli.yaml", sli), SourceFile::new("ds.yaml", DATA_SOURCE_DOC)]);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        parts(&d[0]),
        (4, 9, "metadata.name", "the name is empty", Some("a non-empty name such as `checkout-availability`"))
    );
}

#[test]
fn alert_condition_errors() {
    let condition = "apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: c
spec:
  severity: page
  condition:
    kind: burnrate
    op: lt
    threshold: 14.4
    lookbackWindow: 1M
    alertAfter: 5m
";
    let policy = "apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: p
spec:
  conditions:
    - conditionRef: c
  notificationTargets:
    - targetRef: nobody
";
    let slo = format!("{MINIMAL}  alertPolicies:\n    - alertPolicyRef: p\n");
    let d = diagnostics(&[
        SourceFile::new("slo.yaml", slo),
        SourceFile::new("policy.yaml", policy),
        SourceFile::new("condition.yaml", condition),
    ]);
    let got: Vec<_> = d.iter().map(|d| (d.file.as_str(), d.line, d.field.as_str(), d.code)).collect();
    assert_eq!(
        got,
        vec![
            ("condition.yaml", 9, "spec.condition.op", "invalid-op"),
            ("condition.yaml", 11, "spec.condition.lookbackWindow", "invalid-duration"),
            ("policy.yaml", 9, "spec.notificationTargets[0].targetRef", "unknown-reference"),
        ]
    );
}

#[test]
fn burn_rate_thresholds_become_budget_shares() {
    let condition = |threshold: &str, lookback: &str, after: Option<&str>, severity: &str| {
        let after = after.map(|a| format!("\n                alertAfter: {a}")).unwrap_or_default();
        format!(
            "          - kind: AlertCondition
            metadata:
              name: c{lookback}
            spec:
              severity: {severity}
              condition:
                kind: burnrate
                threshold: {threshold}
                lookbackWindow: {lookback}{after}
"
        )
    };
    let slo = format!(
        "{MINIMAL}  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: p
      spec:
        conditions:
{}    - kind: AlertPolicy
      metadata:
        name: q
      spec:
        conditions:
{}    - kind: AlertPolicy
      metadata:
        name: r
      spec:
        conditions:
{}",
        condition("14.4", "1h", Some("5m"), "critical"),
        condition("5.6", "6h", Some("0m"), "High"),
        condition("1.4", "30d", None, "sev2"),
    );
    let l = load_one("slo.yaml", &slo);
    let windows = &l.manifest.objectives[0].alerting.windows;
    let got: Vec<_> = windows.iter().map(|w| (w.severity, w.long, w.short, w.budget_share)).collect();
    assert_eq!(
        got,
        vec![
            // 14.4 × 1h / 28d, a repeating decimal, kept as computed.
            (Severity::Page, Duration::from_hours(1), Duration::from_mins(5), 14.4 * 3600.0 / 2_419_200.0),
            // 5.6 × 6h / 28d computes as 0.049999999999999996: float noise, so 0.05.
            // Without alertAfter (or 0m) the short window is a twelfth of the long one.
            (Severity::Page, Duration::from_hours(6), Duration::from_mins(30), 0.05),
            // 30d does not fit in 28d: scaled by 28/30, keeping its share 1.4 × 30d / 28d.
            (Severity::Ticket, days(28), Duration::from_hours(56), 1.5),
        ]
    );
    assert_eq!(14.4 * 3600.0 / 2_419_200.0, 0.02142857142857143);
    let w: Vec<_> = l.warnings.iter().map(|w| (w.code, w.field.as_str())).collect();
    assert_eq!(w, vec![("alert-window-scaled", "spec.alertPolicies")]);
    // And they are written back as the thresholds they came from.
    let text = spec::write(&l.manifest, Format::OpenSlo).unwrap().text;
    for t in ["threshold: 14.4\n", "threshold: 5.6\n", "threshold: 1.5\n"] {
        assert!(text.contains(t), "{t} in {text}");
    }
    assert_eq!(load_one("written.yaml", &text).manifest, l.manifest);
}

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
    let m = Manifest {
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
