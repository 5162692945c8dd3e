//! Pyrra `pyrra.dev/v1alpha1` ServiceLevelObjective: the reference object,
//! the examples of each indicator kind, errors, and conversion to Sloth.

use sloop_core::alerting::AlertPolicy;
use sloop_core::diagnostic::Diagnostic;
use sloop_core::duration::Duration;
use sloop_core::model::{
    BudgetingMethod, EventQuery, Indicator, Labels, LatencyIndicator, LatencyTotal, Manifest, Objective, ProviderRef,
    RatioIndicator, Service, TimeWindow,
};
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format, Loss};
use sloop_core::{Error, Target};

fn example(name: &str) -> SourceFile {
    let path = format!("{}/../../examples/pyrra/{name}", env!("CARGO_MANIFEST_DIR"));
    SourceFile::new(name, std::fs::read_to_string(&path).unwrap())
}

fn load(files: &[SourceFile]) -> Manifest {
    match spec::load(files) {
        Ok(l) => l.manifest,
        Err(e) => panic!("{e}: {e:?}"),
    }
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn one_error(yaml: &str) -> Diagnostic {
    match spec::load(&[SourceFile::new("slo.yaml", yaml)]) {
        Ok(_) => panic!("expected an error for:\n{yaml}"),
        Err(Error::Invalid { diagnostics }) => {
            let es: Vec<Diagnostic> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
            assert_eq!(es.len(), 1, "{es:#?}");
            es.into_iter().next().unwrap()
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// A Pyrra object with `spec` lines spliced in (each indented by two spaces).
fn slo(spec: &str) -> String {
    format!("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api\nspec:\n{spec}")
}

const RATIO: &str = "  indicator:\n    ratio:\n      errors:\n        metric: http_requests_total{code=~\"5..\"}\n      total:\n        metric: http_requests_total\n";

fn latency_spec(success: &str, total: &str) -> String {
    slo(&format!(
        "  target: \"99\"\n  window: 28d\n  indicator:\n    latency:\n      success:\n        metric: {success}\n      total:\n        metric: {total}\n"
    ))
}

#[test]
fn reference_object_loads_exactly() {
    let loaded = spec::load(&[example("http.yaml")]).unwrap();
    let m = loaded.manifest;
    assert_eq!(m.services, vec![Service::named("http")], "no namespace nor service label: the SLO's name");
    let mut alerting = AlertPolicy::standard(Duration::from_days(28)).0;
    alerting.annotations = labels(&[("description", "foo")]);
    let expected = Objective {
        name: "http".into(),
        display_name: None,
        service: "http".into(),
        description: Some("foo".into()),
        labels: labels(&[("team", "foo")]),
        indicator: Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::prometheus(),
            events: EventQuery::Bad("http_requests_total{job=\"app\",status=~\"5..\"}".into()),
            total: "http_requests_total{job=\"app\"}".into(),
        }),
        target: Target::from_percent_str("99.5").unwrap(),
        window: TimeWindow::rolling(Duration::from_days(28)),
        budgeting: BudgetingMethod::Occurrences,
        alerting,
        runbook_url: None,
        traffic: None,
    };
    assert_eq!(m.objectives, vec![expected]);
    assert_eq!(m.objectives[0].target.budget(), 0.005);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let origin = &loaded.origins[0];
    assert_eq!((origin.format, origin.line), (Format::Pyrra, 14));
    let bad = &origin.fields[spec::field::BAD];
    assert_eq!((bad.path.as_str(), bad.line, bad.column), ("spec.indicator.ratio.errors.metric", 30, 17));
}

#[test]
fn latency_example_loads() {
    let m = load(&[example("latency.yaml")]);
    assert_eq!(m.services, vec![Service::named("catalog")]);
    let o = &m.objectives[0];
    assert_eq!((o.service.as_str(), o.name.as_str()), ("catalog", "api-read-latency"));
    assert_eq!(o.labels, labels(&[("namespace", "shop"), ("service", "catalog"), ("team", "storefront")]));
    assert_eq!(o.window, TimeWindow::rolling(Duration::from_days(14)));
    assert_eq!(o.target.budget(), 0.01);
    assert_eq!(
        o.indicator,
        Indicator::Latency(LatencyIndicator {
            provider: ProviderRef::prometheus(),
            metric: "http_request_duration_seconds".into(),
            matchers: vec!["job=\"catalog\"".into(), "method=~\"GET|HEAD\"".into()],
            threshold: "0.5".into(),
            total: LatencyTotal::Count,
            buckets: None,
        })
    );
    assert_eq!(o.alerting.name.as_deref(), Some("CatalogLatencyBudgetBurn"));
    assert!(o.alerting.enabled);
}

#[test]
fn latency_total_may_be_the_inf_bucket() {
    let yaml = latency_spec("lat_bucket{job=\"a\",le=\"0.25\"}", "lat_bucket{le=\"+Inf\",job=\"a\"}");
    let m = load(&[SourceFile::new("slo.yaml", yaml)]);
    match &m.objectives[0].indicator {
        Indicator::Latency(l) => {
            assert_eq!((l.metric.as_str(), l.threshold.as_str(), l.total), ("lat", "0.25", LatencyTotal::InfBucket));
            assert_eq!(l.matchers, vec!["job=\"a\"".to_string()]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn native_latency_example_loads_as_a_ratio() {
    let m = load(&[example("latency-native.yaml")]);
    let o = &m.objectives[0];
    assert_eq!((o.service.as_str(), o.name.as_str()), ("monitoring", "connect-latency"));
    let sel = "connect_server_requests_duration_seconds{job=\"pyrra\",code=\"ok\"}[{{.window}}]";
    let total = format!("histogram_count(sum(rate({sel})))");
    assert_eq!(
        o.indicator,
        Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::prometheus(),
            events: EventQuery::Good(format!("histogram_fraction(0, 0.2, sum(rate({sel}))) * {total}")),
            total,
        })
    );
}

#[test]
fn bool_gauge_example_loads() {
    let m = load(&[example("bool-gauge.yaml")]);
    let o = &m.objectives[0];
    assert_eq!(
        o.indicator,
        Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::prometheus(),
            events: EventQuery::Good("sum(sum_over_time(up{job=\"prometheus-k8s\"}[{{.window}}]))".into()),
            total: "sum(count_over_time(up{job=\"prometheus-k8s\"}[{{.window}}]))".into(),
        })
    );
    assert_eq!(o.window, TimeWindow::rolling(Duration::from_days(28)));
    assert!(!o.alerting.enabled, "burnrates: false turns alerting off");
    assert_eq!(o.labels, labels(&[("namespace", "monitoring"), ("team", "observability")]));
}

#[test]
fn plain_service_label_names_the_service_only() {
    let yaml = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api\n  namespace: ns\n  labels:\n    service: billing\n    pyrra.dev/service: \"\"\nspec:\n  target: \"99\"\n  window: 7d\n  indicator:\n    bool_gauge:\n      metric: up\n";
    let m = load(&[SourceFile::new("slo.yaml", yaml)]);
    let o = &m.objectives[0];
    assert_eq!(o.service, "billing");
    // `service` is object metadata for Pyrra, not a rule label; the empty `pyrra.dev/service` is propagated as is.
    assert_eq!(o.labels, labels(&[("namespace", "ns"), ("service", "")]));
}

#[test]
fn offset_stays_after_the_range() {
    let yaml =
        slo("  target: \"99\"\n  window: 7d\n  indicator:\n    bool_gauge:\n      metric: up{job=\"a\"} offset 1m\n");
    let m = load(&[SourceFile::new("slo.yaml", yaml)]);
    match &m.objectives[0].indicator {
        Indicator::Ratio(r) => assert_eq!(r.total, "sum(count_over_time(up{job=\"a\"}[{{.window}}] offset 1m))"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn latency_without_le_is_refused() {
    let e = one_error(&latency_spec("lat_bucket{job=\"a\"}", "lat_count{job=\"a\"}"));
    assert_eq!(
        (e.line, e.column, e.field.as_str(), e.code),
        (11, 17, "spec.indicator.latency.success.metric", "invalid-latency")
    );
    assert_eq!(e.message, "the success metric has no `le` label matcher, so it picks no latency threshold");
    assert!(e.hint.as_deref().unwrap().contains("le=\"0.5\""));
}

#[test]
fn latency_success_must_be_a_bucket() {
    let e = one_error(&latency_spec("lat_sum{le=\"0.5\"}", "lat_count"));
    assert_eq!((e.line, e.field.as_str()), (11, "spec.indicator.latency.success.metric"));
    assert_eq!(e.message, "`lat_sum` is not a histogram bucket series: its name does not end in `_bucket`");
}

#[test]
fn latency_on_two_histograms_is_refused() {
    let e = one_error(&latency_spec("a_bucket{le=\"0.5\"}", "b_count"));
    assert_eq!((e.line, e.column, e.field.as_str()), (13, 17, "spec.indicator.latency.total.metric"));
    assert_eq!(e.message, "the total metric `b_count` is not on the success metric's histogram `a`");
    assert_eq!(
        e.hint.as_deref(),
        Some("`a_count{...}` or `a_bucket{...,le=\"+Inf\"}`, with the success metric's other matchers")
    );
}

#[test]
fn latency_selectors_must_match_the_same_series() {
    let e = one_error(&latency_spec("a_bucket{job=\"x\",le=\"0.5\"}", "a_count{job=\"y\"}"));
    assert_eq!(e.field, "spec.indicator.latency.total.metric");
    assert_eq!(
        e.message,
        "the total metric selects other series than the success metric: {job=\"y\"} against {job=\"x\"}"
    );
}

#[test]
fn target_above_hundred_is_refused() {
    let e = one_error(&slo(&format!("  target: \"101\"\n  window: 28d\n{RATIO}")));
    assert_eq!((e.line, e.column, e.field.as_str(), e.code), (6, 11, "spec.target", "invalid-target"));
    assert!(e.message.contains("a target cannot exceed 100%"), "{}", e.message);
    assert_eq!(e.hint.as_deref(), Some(sloop_core::target::TARGET_HINT));
}

#[test]
fn unquoted_target_is_refused_as_pyrra_does() {
    let e = one_error(&slo(&format!("  target: 99.5\n  window: 28d\n{RATIO}")));
    assert_eq!((e.line, e.column, e.field.as_str()), (6, 11, "spec.target"));
    assert_eq!(e.message, "Pyrra's target is a string, and `99.5` is written as a number");
    assert_eq!(e.hint.as_deref(), Some("a percentage above 0 and below 100, as a quoted string: `target: \"99.5\"`"));
}

#[test]
fn fraction_target_warns() {
    let loaded =
        spec::load(&[SourceFile::new("slo.yaml", slo(&format!("  target: \"0.99\"\n  window: 28d\n{RATIO}")))])
            .unwrap();
    let w = &loaded.warnings[0];
    assert_eq!((w.field.as_str(), w.code), ("spec.target", "suspicious-target"));
    assert_eq!(w.message, "the target is in percent, from 0 to 100: `0.99` means 0.99%");
    assert_eq!(w.hint.as_deref(), Some("\"99\" if 99% was meant"));
}

#[test]
fn missing_window_and_expression_metric_are_both_reported() {
    let spec = "  target: \"99\"\n  indicator:\n    ratio:\n      errors:\n        metric: sum(rate(x_total{code=\"500\"}[5m]))\n      total:\n        metric: x_total\n";
    match spec::load(&[SourceFile::new("slo.yaml", slo(spec))]) {
        Err(Error::Invalid { diagnostics }) => {
            let got: Vec<(usize, usize, &str)> =
                diagnostics.iter().map(|d| (d.line, d.column, d.field.as_str())).collect();
            // The missing window points at the `spec` mapping.
            assert_eq!(got, [(6, 3, "spec.window"), (10, 17, "spec.indicator.ratio.errors.metric")]);
            assert!(diagnostics[1].message.starts_with("Pyrra's metrics are vector selectors"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_indicator_kinds_are_refused() {
    let spec = format!("  target: \"99\"\n  window: 28d\n{RATIO}    bool_gauge:\n      metric: up\n");
    let e = one_error(&slo(&spec));
    assert_eq!((e.line, e.column, e.field.as_str()), (9, 5, "spec.indicator"));
    assert_eq!(e.message, "the indicator sets more than one kind");
}

#[test]
fn unknown_spec_field_is_refused() {
    let e = one_error(&slo(&format!("  target: \"99\"\n  window: 28d\n  objective: 1\n{RATIO}")));
    assert_eq!((e.line, e.column, e.field.as_str()), (8, 3, "spec.objective"));
    assert!(e.message.contains("unknown field `objective`"), "{}", e.message);
}

#[test]
fn grouping_and_absent_warn() {
    let spec = "  target: \"99\"\n  window: 28d\n  indicator:\n    ratio:\n      errors:\n        metric: x_total{code=\"500\"}\n      total:\n        metric: x_total\n      grouping:\n        - handler\n  alerting:\n    absent: false\n";
    let loaded = spec::load(&[SourceFile::new("slo.yaml", slo(spec))]).unwrap();
    let w: Vec<(&str, &str)> = loaded.warnings.iter().map(|d| (d.field.as_str(), d.code)).collect();
    assert_eq!(w, [("spec.indicator.ratio.grouping", "ignored-field"), ("spec.alerting.absent", "ignored-field")]);
}

#[test]
fn reference_to_sloth_loses_only_the_window() {
    let m = load(&[example("http.yaml")]);
    let written = spec::write(&m, Format::Sloth).unwrap();
    assert_eq!(
        written.losses,
        vec![Loss {
            objective: "http/http".into(),
            field: "window".into(),
            reason: "window 28d: Sloth takes the SLO period from --default-slo-period / --slo-period-windows; \
                     pass --default-slo-period=28d"
                .into(),
        }]
    );
    let sloth = load(&[SourceFile::new("http.sloth.yml", written.text)]);
    let (before, after) = (&m.objectives[0], &sloth.objectives[0]);
    assert_eq!(after.window, TimeWindow::rolling(Duration::from_days(30)));
    assert_eq!((&after.labels, &after.description, after.target), (&before.labels, &before.description, before.target));
    assert_eq!(
        after.indicator,
        Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::prometheus(),
            events: EventQuery::Bad("sum(rate(http_requests_total{job=\"app\",status=~\"5..\"}[{{.window}}]))".into()),
            total: "sum(rate(http_requests_total{job=\"app\"}[{{.window}}]))".into(),
        })
    );
    assert_eq!(after.alerting.annotations, labels(&[("description", "foo")]));
    assert_eq!(after.alerting.name.as_deref(), Some("ErrorBudgetBurn"));
}

#[test]
fn every_example_converts_to_sloth() {
    for name in ["latency.yaml", "latency-native.yaml", "bool-gauge.yaml"] {
        let m = load(&[example(name)]);
        let written = spec::write(&m, Format::Sloth).unwrap();
        let fields: Vec<&str> = written.losses.iter().map(|l| l.field.as_str()).collect();
        assert_eq!(fields, ["window"], "{name}: {:?}", written.losses);
        let back = load(&[SourceFile::new("out.yml", written.text)]);
        assert_eq!(back.objectives.len(), 1, "{name}");
        assert_eq!(back.objectives[0].target, m.objectives[0].target, "{name}");
    }
}
