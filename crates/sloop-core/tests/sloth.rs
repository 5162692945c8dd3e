//! Sloth `prometheus/v1`: reading the reference spec and the examples, the
//! errors Sloth's own validation would give, and writing back.

use sloop_core::alerting::{AlertPolicy, TierPolicy};
use sloop_core::diagnostic::Diagnostic;
use sloop_core::duration::Duration;
use sloop_core::model::{
    BudgetingMethod, EventQuery, Indicator, Labels, LatencyIndicator, LatencyTotal, Manifest, Objective, ProviderRef,
    RatioIndicator, RawIndicator, RawMeasure, SelectorIndicator, Service, TimeWindow,
};
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format, Loss};
use sloop_core::{Error, Target};

fn example(name: &str) -> SourceFile {
    let path = format!("{}/../../examples/sloth/{name}", env!("CARGO_MANIFEST_DIR"));
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

/// The errors of loading one inline Sloth file.
fn errors(yaml: &str) -> Vec<Diagnostic> {
    match spec::load(&[SourceFile::new("slo.yml", yaml)]) {
        Ok(_) => panic!("expected errors for:\n{yaml}"),
        Err(Error::Invalid { diagnostics }) => diagnostics.into_iter().filter(|d| d.is_error()).collect(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// The one error of loading an inline file, as (line, column, field).
fn one_error(yaml: &str) -> Diagnostic {
    let es = errors(yaml);
    assert_eq!(es.len(), 1, "{es:#?}");
    es.into_iter().next().unwrap()
}

const HEAD: &str = "version: \"prometheus/v1\"\nservice: myservice\nslos:\n";

/// An SLO with a good objective and queries, and `objective`, `sli` spliced in.
fn slo(objective: &str, sli: &str) -> String {
    format!(
        "{HEAD}  - name: availability\n    objective: {objective}\n    sli:\n{sli}    alerting:\n      name: HighErrorRate\n"
    )
}

const EVENTS: &str = "      events:\n        error_query: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n        total_query: sum(rate(http_requests_total[{{.window}}]))\n";

fn standard_policy() -> AlertPolicy {
    AlertPolicy::standard(Duration::from_days(30)).0
}

#[test]
fn reference_spec_loads_exactly() {
    let m = load(&[example("getting-started.yml")]);
    let service_labels = labels(&[("owner", "myteam"), ("repo", "myorg/myservice"), ("tier", "2")]);
    assert_eq!(
        m.services,
        vec![Service { labels: service_labels, ..Service::named("myservice") }],
        "service labels come from the top-level `labels`"
    );
    let mut alerting = standard_policy();
    alerting.name = Some("MyServiceHighErrorRate".into());
    alerting.labels = labels(&[("category", "availability")]);
    alerting.annotations = labels(&[("summary", "High error rate on 'myservice' requests responses")]);
    alerting.page =
        TierPolicy { labels: labels(&[("severity", "pageteam"), ("routing_key", "myteam")]), ..TierPolicy::default() };
    alerting.ticket = TierPolicy {
        labels: labels(&[("severity", "slack"), ("slack_channel", "#alerts-myteam")]),
        ..TierPolicy::default()
    };
    let expected = Objective {
        name: "requests-availability".into(),
        display_name: None,
        service: "myservice".into(),
        description: Some("Common SLO based on availability for HTTP request responses.".into()),
        labels: labels(&[("owner", "myteam"), ("repo", "myorg/myservice"), ("tier", "2")]),
        indicator: Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::prometheus(),
            events: EventQuery::Bad(
                "sum(rate(http_request_duration_seconds_count{job=\"myservice\",code=~\"(5..|429)\"}[{{.window}}]))"
                    .into(),
            ),
            total: "sum(rate(http_request_duration_seconds_count{job=\"myservice\"}[{{.window}}]))".into(),
        }),
        target: Target::from_percent_str("99.9").unwrap(),
        window: TimeWindow::rolling(Duration::from_days(30)),
        budgeting: BudgetingMethod::Occurrences,
        alerting,
        runbook_url: None,
        traffic: None,
    };
    assert_eq!(m.objectives, vec![expected]);
    assert_eq!(m.objectives[0].target.budget(), 0.001);
    assert_eq!(m.objectives[0].alerting.windows.len(), 4);
}

#[test]
fn reference_spec_records_field_positions() {
    let loaded = spec::load(&[example("getting-started.yml")]).unwrap();
    let origin = &loaded.origins[0];
    assert_eq!((origin.file.as_str(), origin.line, origin.format), ("getting-started.yml", 9, Format::Sloth));
    let at = |f: &str| {
        let p = &origin.fields[f];
        (p.path.as_str(), p.line, p.column)
    };
    assert_eq!(at(spec::field::NAME), ("slos[0].name", 9, 11));
    assert_eq!(at(spec::field::TARGET), ("slos[0].objective", 10, 16));
    assert_eq!(at(spec::field::BAD), ("slos[0].sli.events.error_query", 14, 22));
    assert_eq!(at(spec::field::TOTAL), ("slos[0].sli.events.total_query", 15, 22));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn raw_example_loads() {
    let m = load(&[example("raw-wifi.yml")]);
    assert_eq!(m.objectives.len(), 1);
    let o = &m.objectives[0];
    assert_eq!((o.service.as_str(), o.name.as_str()), ("home-wifi", "wifi-client-satisfaction"));
    assert_eq!(o.target.budget(), 0.05);
    assert_eq!(
        o.indicator,
        Indicator::Raw(RawIndicator {
            provider: ProviderRef::prometheus(),
            query: "1 - (\n  sum(sum_over_time(unifipoller_client_satisfaction_ratio[{{.window}}]))\n  /\n  \
                    sum(count_over_time(unifipoller_client_satisfaction_ratio[{{.window}}]))\n)\n"
                .into(),
            measures: RawMeasure::ErrorRatio,
        })
    );
    // The runbook annotation becomes the objective's runbook URL, and leaves the annotations.
    assert_eq!(o.runbook_url.as_deref(), Some("https://runbooks.example.com/wifi"));
    assert!(o.alerting.annotations.is_empty());
    assert_eq!(o.alerting.page.labels, labels(&[("severity", "home")]));
}

#[test]
fn two_slo_example_loads_with_one_silent() {
    let m = load(&[example("two-slos.yml")]);
    let names: Vec<&str> = m.objectives.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["requests-availability", "requests-latency"]);
    let (first, second) = (&m.objectives[0], &m.objectives[1]);
    assert_eq!(first.labels, labels(&[("owner", "payments"), ("category", "availability")]));
    assert_eq!(second.labels, labels(&[("owner", "payments"), ("category", "latency")]));
    assert_eq!(first.target.budget(), 0.001);
    assert_eq!(second.target.budget(), 0.01);
    assert!(first.alerting.enabled && first.alerting.page.enabled && first.alerting.ticket.enabled);
    // Both tiers disabled: the policy stays enabled, no tier alerts, no name needed.
    assert!(second.alerting.enabled);
    assert!(!second.alerting.page.enabled && !second.alerting.ticket.enabled);
    assert_eq!(second.alerting.name, None);
    match &second.indicator {
        Indicator::Ratio(r) => assert!(r.events.query().contains("le=\"0.3\"")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn objective_zero_is_refused() {
    let e = one_error(&slo("0", EVENTS));
    assert_eq!((e.line, e.column, e.field.as_str(), e.code), (5, 16, "slos[0].objective", "invalid-target"));
    assert!(e.message.contains("must be above 0"), "{}", e.message);
    assert_eq!(e.hint.as_deref(), Some(sloop_core::target::TARGET_HINT));
}

#[test]
fn objective_hundred_is_refused() {
    let e = one_error(&slo("100", EVENTS));
    assert_eq!((e.line, e.column, e.field.as_str()), (5, 16, "slos[0].objective"));
    assert!(e.message.contains("100% leaves no error budget"), "{}", e.message);
}

#[test]
fn objective_string_is_refused() {
    let e = one_error(&slo("\"abc\"", EVENTS));
    assert_eq!((e.line, e.column, e.field.as_str()), (5, 16, "slos[0].objective"));
    assert_eq!(e.message, "Sloth's objective is a number, not the string `abc`");
    assert_eq!(e.hint.as_deref(), Some("a percentage above 0 and below 100, written as a number: `objective: 99.9`"));
}

#[test]
fn missing_total_query() {
    let sli = "      events:\n        error_query: sum(rate(x_total{code=~\"5..\"}[{{.window}}]))\n";
    let e = one_error(&slo("99", sli));
    // Pointed at the `events` mapping, the nearest field present.
    assert_eq!((e.line, e.column, e.field.as_str()), (8, 9, "slos[0].sli.events.total_query"));
    assert_eq!(e.message, "`total_query` is required");
    assert!(e.hint.as_deref().unwrap().contains("{{.window}}"));
}

#[test]
fn invalid_promql() {
    let sli = "      events:\n        error_query: sum(rate(x_total{code=~\"5..\"}[{{.window}}])\n        total_query: sum(rate(x_total[{{.window}}]))\n";
    let e = one_error(&slo("99", sli));
    assert_eq!(
        (e.line, e.column, e.field.as_str(), e.code),
        (8, 22, "slos[0].sli.events.error_query", "invalid-query")
    );
    assert!(e.message.starts_with("invalid PromQL"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("PromQL"));
}

#[test]
fn query_without_window_placeholder() {
    let sli = "      events:\n        error_query: sum(rate(x_total{code=~\"5..\"}[5m]))\n        total_query: sum(rate(x_total[{{.window}}]))\n";
    let e = one_error(&slo("99", sli));
    assert_eq!(
        (e.line, e.column, e.field.as_str(), e.code),
        (8, 22, "slos[0].sli.events.error_query", "missing-window")
    );
}

#[test]
fn same_error_and_total_query() {
    let sli = "      events:\n        error_query: sum(rate(x_total[{{.window}}]))\n        total_query: sum(rate(x_total[{{.window}}]))\n";
    let e = one_error(&slo("99", sli));
    assert_eq!((e.line, e.field.as_str(), e.code), (8, "slos[0].sli.events.error_query", "invalid-sli"));
}

#[test]
fn plugin_sli_is_refused_with_hint() {
    let sli = "      plugin:\n        id: sloth-common/kubernetes/apiserver/availability\n        options:\n          filter: verb=\"GET\"\n";
    let e = one_error(&slo("99", sli));
    assert_eq!((e.line, e.column, e.field.as_str(), e.code), (8, 9, "slos[0].sli.plugin", "unsupported-sli"));
    assert!(e.message.starts_with("Sloth SLI plugins are not supported"), "{}", e.message);
    assert!(e.message.contains("sloth-common/kubernetes/apiserver/availability"));
    assert!(e.hint.as_deref().unwrap().contains("sli.raw.error_ratio_query"));
}

#[test]
fn two_sli_kinds_are_refused() {
    let sli = format!("{EVENTS}      raw:\n        error_ratio_query: x[{{{{.window}}}}]\n");
    let e = one_error(&slo("99", &sli));
    // Pointed at the start of the `sli` mapping.
    assert_eq!((e.line, e.column, e.field.as_str()), (7, 7, "slos[0].sli"));
    assert_eq!(e.message, "the SLI sets more than one kind");
}

#[test]
fn alert_name_required_while_a_tier_alerts() {
    let yaml = format!("{HEAD}  - name: availability\n    objective: 99\n    sli:\n{EVENTS}");
    let e = one_error(&yaml);
    assert_eq!((e.field.as_str(), e.code), ("slos[0].alerting.name", "missing-field"));
    // No `alerting` at all: the nearest field is the SLO itself.
    assert_eq!((e.line, e.column), (4, 5));
    assert!(e.hint.as_deref().unwrap().contains("disable: true"));
}

#[test]
fn all_errors_are_collected_with_positions() {
    let yaml = "version: \"prometheus/v1\"\nservice: my service\nlabels:\n  1bad: x\nslos:\n  - name: a\n    objective: 101\n    sli:\n      raw:\n        error_ratio_query: \"\"\n";
    let es = errors(yaml);
    let got: Vec<(usize, usize, &str, &str)> =
        es.iter().map(|d| (d.line, d.column, d.field.as_str(), d.code)).collect();
    assert_eq!(
        got,
        [
            (2, 10, "service", "invalid-name"),
            (4, 9, "labels.1bad", "invalid-label"),
            (6, 11, "slos[0].name", "invalid-name"),
            (7, 16, "slos[0].objective", "invalid-target"),
            (10, 28, "slos[0].sli.raw.error_ratio_query", "missing-field"),
            (6, 5, "slos[0].alerting.name", "missing-field"),
        ]
    );
}

#[test]
fn unknown_field_names_the_valid_ones() {
    let yaml = format!("{HEAD}  - name: availability\n    objetive: 99\n");
    let e = one_error(&yaml);
    assert_eq!((e.line, e.column, e.field.as_str()), (5, 5, "slos[0].objetive"));
    assert!(e.message.contains("unknown field `objetive`"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("objective"));
}

#[test]
fn duplicate_slo_names_in_a_service() {
    let one = format!("  - name: availability\n    objective: 99\n    sli:\n{EVENTS}    alerting:\n      name: A\n");
    let yaml = format!("{HEAD}{one}{one}");
    let e = one_error(&yaml);
    assert_eq!((e.line, e.column, e.field.as_str(), e.code), (12, 11, "slos[1].name", "duplicate-objective"));
}

#[test]
fn plugin_chains_warn() {
    let yaml = format!("{}slo_plugins:\n  chain:\n    - id: sloth.dev/core/debug/v1\n", slo("99", EVENTS));
    let loaded = spec::load(&[SourceFile::new("slo.yml", yaml)]).unwrap();
    assert_eq!(loaded.manifest.objectives.len(), 1);
    let w: Vec<(&str, &str)> = loaded.warnings.iter().map(|d| (d.field.as_str(), d.code)).collect();
    assert_eq!(w, [("slo_plugins", "ignored-field")]);
}

#[test]
fn reference_round_trips() {
    let m = load(&[example("getting-started.yml")]);
    let written = spec::write(&m, Format::Sloth).unwrap();
    assert_eq!(written.losses, vec![]);
    let again = load(&[SourceFile::new("out.yml", written.text.clone())]);
    assert_eq!(again, m);
    // Written back the way Sloth writes it.
    assert!(written.text.starts_with("version: prometheus/v1\nservice: myservice\nlabels:\n  owner: myteam\n"));
    assert!(written.text.contains("    name: MyServiceHighErrorRate\n"));
    assert!(written.text.contains("  objective: 99.9\n"));
}

#[test]
fn examples_round_trip() {
    for name in ["raw-wifi.yml", "two-slos.yml"] {
        let m = load(&[example(name)]);
        let written = spec::write(&m, Format::Sloth).unwrap();
        assert_eq!(written.losses, vec![], "{name}");
        let whole = if name == "raw-wifi.yml" { "  objective: 95\n" } else { "  objective: 99\n" };
        assert!(written.text.contains(whole), "{name}: {}", written.text);
        assert_eq!(load(&[SourceFile::new("out.yml", written.text)]), m, "{name}");
    }
}

#[test]
fn several_services_become_several_documents() {
    let m = load(&[example("getting-started.yml"), example("two-slos.yml")]);
    let written = spec::write(&m, Format::Sloth).unwrap();
    assert_eq!(written.text.matches("---\n").count(), 1);
    assert!(written.text.contains("\n---\nversion: prometheus/v1\nservice: checkout\n"));
    assert_eq!(load(&[SourceFile::new("out.yml", written.text)]), m);
}

/// An objective with everything default, to vary in the writer tests.
fn objective(indicator: Indicator) -> Objective {
    Objective {
        name: "availability".into(),
        display_name: None,
        service: "web".into(),
        description: None,
        labels: Labels::new(),
        indicator,
        target: Target::from_percent_str("99.5").unwrap(),
        window: TimeWindow::rolling(Duration::from_days(30)),
        budgeting: BudgetingMethod::Occurrences,
        alerting: standard_policy(),
        runbook_url: None,
        traffic: None,
    }
}

fn manifest(objectives: Vec<Objective>) -> Manifest {
    Manifest { services: vec![Service::named("web")], objectives }
}

fn datadog() -> Objective {
    let mut o = objective(Indicator::Ratio(RatioIndicator {
        provider: ProviderRef::datadog(),
        events: EventQuery::Good("sum:trace.http.request.hits{service:web}.as_count()".into()),
        total: "sum:trace.http.request.hits{service:web}.as_count()".into(),
    }));
    o.name = "dd-availability".into();
    o
}

fn prom_bad() -> Indicator {
    Indicator::Ratio(RatioIndicator {
        provider: ProviderRef::prometheus(),
        events: EventQuery::Bad("sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))".into()),
        total: "sum(rate(http_requests_total[{{.window}}]))".into(),
    })
}

#[test]
fn datadog_objectives_are_skipped_with_a_loss() {
    let written = spec::write(&manifest(vec![datadog(), objective(prom_bad())]), Format::Sloth).unwrap();
    assert_eq!(
        written.losses,
        vec![Loss {
            objective: "web/dd-availability".into(),
            field: "indicator".into(),
            reason: "Sloth reads Prometheus queries only; this objective's queries are for datadog".into(),
        }]
    );
    let back = load(&[SourceFile::new("out.yml", written.text)]);
    let names: Vec<&str> = back.objectives.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["availability"]);
}

#[test]
fn nothing_writable_is_an_error() {
    match spec::write(&manifest(vec![datadog()]), Format::Sloth) {
        Err(Error::Unwritable { format: Format::Sloth, reason }) => {
            assert!(reason.contains("web/dd-availability: indicator: Sloth reads Prometheus queries only"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(spec::write(&Manifest::default(), Format::Sloth), Err(Error::Unwritable { .. })));
}

#[test]
fn selector_only_and_threshold_are_skipped() {
    let mut sel = objective(Indicator::Selector(SelectorIndicator { labels: labels(&[("app", "web")]), ratio: None }));
    sel.name = "pushed".into();
    let written = spec::write(&manifest(vec![sel, objective(prom_bad())]), Format::Sloth).unwrap();
    let fields: Vec<(&str, &str)> = written.losses.iter().map(|l| (l.objective.as_str(), l.field.as_str())).collect();
    assert_eq!(fields, [("web/pushed", "indicator")]);
}

#[test]
fn window_and_other_losses_are_reported() {
    let mut o = objective(prom_bad());
    o.window = TimeWindow::rolling(Duration::from_days(28));
    o.traffic = Some(12.0);
    o.display_name = Some("Availability".into());
    o.alerting.page.for_duration = Some(Duration::from_mins(2));
    let written = spec::write(&manifest(vec![o]), Format::Sloth).unwrap();
    let got: Vec<(&str, &str)> = written.losses.iter().map(|l| (l.field.as_str(), l.reason.as_str())).collect();
    assert_eq!(
        got,
        [
            (
                "window",
                "window 28d: Sloth takes the SLO period from --default-slo-period / --slo-period-windows; \
                 pass --default-slo-period=28d"
            ),
            ("display_name", "Sloth has no display name for an SLO"),
            ("traffic", "Sloth has no field for declared traffic"),
            ("alerting.page.for_duration", "Sloth sets no `for` duration on its alerts; `for: 2m` is dropped"),
        ]
    );
}

#[test]
fn good_latency_and_good_ratio_become_error_queries() {
    let mut good = objective(Indicator::Ratio(RatioIndicator {
        provider: ProviderRef::prometheus(),
        events: EventQuery::Good("http_requests_total{code!~\"5..\"}".into()),
        total: "http_requests_total".into(),
    }));
    good.name = "good".into();
    let mut latency = objective(Indicator::Latency(LatencyIndicator {
        provider: ProviderRef::prometheus(),
        metric: "http_request_duration_seconds".into(),
        matchers: vec!["job=\"web\"".into(), "code=~\"2..\"".into()],
        threshold: "0.3".into(),
        total: LatencyTotal::Count,
        buckets: None,
    }));
    latency.name = "latency".into();
    let mut raw = objective(Indicator::Raw(RawIndicator {
        provider: ProviderRef::prometheus(),
        query: "avg_over_time(up[{{.window}}])".into(),
        measures: RawMeasure::GoodRatio,
    }));
    raw.name = "up".into();
    let written = spec::write(&manifest(vec![good, latency, raw]), Format::Sloth).unwrap();
    assert_eq!(written.losses, vec![]);
    assert!(written.text.contains("  objective: 99.5\n"));
    let back = load(&[SourceFile::new("out.yml", written.text)]);
    let bad = |i: usize| match &back.objectives[i].indicator {
        Indicator::Ratio(RatioIndicator { events: EventQuery::Bad(b), total, .. }) => (b.clone(), total.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        bad(0),
        (
            "(sum(rate(http_requests_total[{{.window}}]))) - (sum(rate(http_requests_total{code!~\"5..\"}[{{.window}}])))"
                .to_string(),
            "sum(rate(http_requests_total[{{.window}}]))".to_string()
        )
    );
    assert_eq!(
        bad(1),
        (
            "sum(rate(http_request_duration_seconds_count{job=\"web\",code=~\"2..\"}[{{.window}}])) - \
             sum(rate(http_request_duration_seconds_bucket{job=\"web\",code=~\"2..\",le=\"0.3\"}[{{.window}}]))"
                .to_string(),
            "sum(rate(http_request_duration_seconds_count{job=\"web\",code=~\"2..\"}[{{.window}}]))".to_string()
        )
    );
    assert_eq!(
        back.objectives[2].indicator,
        Indicator::Raw(RawIndicator {
            provider: ProviderRef::prometheus(),
            query: "1 - (avg_over_time(up[{{.window}}]))".into(),
            measures: RawMeasure::ErrorRatio,
        })
    );
}

#[test]
fn disabled_alerting_writes_both_tiers_disabled() {
    let mut o = objective(prom_bad());
    o.alerting.enabled = false;
    o.runbook_url = Some("https://runbooks.example.com/web".into());
    let written = spec::write(&manifest(vec![o]), Format::Sloth).unwrap();
    assert!(
        written.text.ends_with(
            "  alerting:\n    annotations:\n      runbook_url: https://runbooks.example.com/web\n    page_alert:\n      \
             disable: true\n    ticket_alert:\n      disable: true\n"
        ),
        "{}",
        written.text
    );
    let back = &load(&[SourceFile::new("out.yml", written.text)]).objectives[0];
    assert!(!back.alerting.page.enabled && !back.alerting.ticket.enabled);
    assert_eq!(back.alerting.name, None);
    assert_eq!(back.runbook_url.as_deref(), Some("https://runbooks.example.com/web"));
}

#[test]
fn unnamed_alerting_gets_the_default_name() {
    let written = spec::write(&manifest(vec![objective(prom_bad())]), Format::Sloth).unwrap();
    let back = &load(&[SourceFile::new("out.yml", written.text)]).objectives[0];
    assert_eq!(back.alerting.name.as_deref(), Some("ErrorBudgetBurn"));
}
