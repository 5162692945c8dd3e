//! Invalid input: exact positions, fields, messages and hints.

use super::*;

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
