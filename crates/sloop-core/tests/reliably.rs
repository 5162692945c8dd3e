//! Reliably `reliably.com/v1` `Objective` manifests: reading, writing, round trips.

use sloop_core::alerting::AlertPolicy;
use sloop_core::model::{
    BudgetingMethod, CalendarUnit, CalendarWindow, EventQuery, Indicator, Labels, LatencyIndicator, LatencyTotal,
    Manifest, Objective, ProviderKind, ProviderRef, RatioIndicator, RawIndicator, RawMeasure, SelectorIndicator,
    Service, TimeWindow,
};
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format, Loaded, Loss, field};
use sloop_core::{Diagnostic, Duration, Error, Target};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/reliably");

const HITS: &str = "sum:trace.starlette.request.hits{service:my-test-service,resource_name:get_/}.as_count()";
const ERRORS: &str = "sum:trace.starlette.request.errors{service:my-test-service,resource_name:get_/}.as_count()";

fn example(name: &str) -> SourceFile {
    let path = format!("{EXAMPLES}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    SourceFile::new(name, text)
}

fn load(files: &[SourceFile]) -> Loaded {
    match spec::load(files) {
        Ok(l) => l,
        Err(e) => panic!("{e}: {e:?}"),
    }
}

fn load_one(name: &str, text: &str) -> Loaded {
    load(&[SourceFile::new(name, text)])
}

/// The diagnostics of a load that must fail.
fn errors_of(text: &str) -> Vec<Diagnostic> {
    match spec::load(&[SourceFile::new("bad.yaml", text)]) {
        Err(Error::Invalid { diagnostics }) => diagnostics,
        Err(e) => panic!("unexpected error {e}"),
        Ok(l) => panic!("loaded {:?}", l.manifest),
    }
}

fn doc(labels: &str, spec: &str) -> String {
    format!("apiVersion: reliably.com/v1\nkind: Objective\nmetadata:\n  labels:\n{labels}spec:\n{spec}")
}

const LABELS: &str = "    name: Availability\n    service: web\n";
const SPEC_TAIL: &str = "  objectivePercent: 99.5\n  window: 720h\n";

fn selector_of(o: &Objective) -> &SelectorIndicator {
    match &o.indicator {
        Indicator::Selector(s) => s,
        other => panic!("not a selector: {other:?}"),
    }
}

/// The ratio of an objective: a plain ratio (a selector of queries only) or a selector's.
fn ratio_of(o: &Objective) -> RatioIndicator {
    match &o.indicator {
        Indicator::Ratio(r) => r.clone(),
        Indicator::Selector(SelectorIndicator { ratio: Some(r), .. }) => r.clone(),
        other => panic!("no ratio: {other:?}"),
    }
}

#[test]
fn origin_story_reads() {
    let loaded = load(&[example("origin-story.yaml")]);
    let m = &loaded.manifest;
    assert_eq!(m.services, vec![Service::named("my-test-service")]);
    assert_eq!(m.objectives.len(), 1);
    let o = &m.objectives[0];
    assert_eq!(o.name, "99-of-requests-over-last-5-minutes");
    assert_eq!(o.display_name.as_deref(), Some("99% of requests  over last 5 minutes"));
    assert_eq!(o.service, "my-test-service");
    assert_eq!(o.id(), "my-test-service/99-of-requests-over-last-5-minutes");
    assert!(o.labels.is_empty());
    assert_eq!(o.target, Target::from_percent_str("99").unwrap());
    assert_eq!(o.target.budget(), 0.01);
    assert_eq!(o.window, TimeWindow::rolling(Duration::from_hours(1)));
    assert_eq!(o.budgeting, BudgetingMethod::Occurrences);
    assert_eq!(o.description, None);
    assert_eq!(o.traffic, None);
    let numerator = format!("({HITS} / {ERRORS})");
    assert_eq!(
        o.indicator,
        // Only queries in the selector: a plain Datadog ratio.
        Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::datadog(),
            events: EventQuery::Good(numerator),
            total: HITS.into(),
        })
    );
    assert_eq!(o.indicator.provider(), Some(&ProviderRef::datadog()));
}

#[test]
fn origin_story_alerting_is_the_standard_policy_fitted_to_one_hour() {
    let loaded = load(&[example("origin-story.yaml")]);
    let o = &loaded.manifest.objectives[0];
    assert_eq!(o.alerting, AlertPolicy::standard(Duration::from_hours(1)).0);
    // No standard pair is useful on a 1h window: 1h/5m would page at burn rate 0.02, and scaled
    // by 1h/30d every short window falls under a minute. The objective does not alert, and
    // explain says why.
    assert!(o.alerting.windows.is_empty());
    let notes = sloop_core::explain::explain(o).notes;
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(notes[0].contains("burn-rate threshold of 0.02 on a 1h SLO window"), "{notes:?}");
    // Fitting the standard pairs is not the manifest's doing: reading it raises no warning.
    assert_eq!(loaded.warnings, vec![]);
}

#[test]
fn origin_records_field_positions() {
    let loaded = load(&[example("origin-story.yaml")]);
    let origin = &loaded.origins[0];
    assert_eq!(origin.file, "origin-story.yaml");
    assert_eq!(origin.format, Format::Reliably);
    assert_eq!(origin.line, 8);
    let pos = |f: &str| {
        let p = &origin.fields[f];
        (p.path.as_str(), p.line, p.column)
    };
    assert_eq!(pos(field::NAME), ("metadata.labels.name", 5, 11));
    assert_eq!(pos(field::GOOD), ("spec.indicatorSelector.datadog_numerator_query", 10, 30));
    assert_eq!(pos(field::TOTAL), ("spec.indicatorSelector.datadog_denominator_query", 9, 32));
    assert_eq!(pos(field::INDICATOR), ("spec.indicatorSelector", 9, 5));
    assert_eq!(pos(field::TARGET), ("spec.objectivePercent", 11, 21));
    assert_eq!(pos(field::WINDOW), ("spec.window", 12, 11));
    assert!(!origin.fields.contains_key(field::BAD));
}

#[test]
fn frontend_reads_with_an_iso_window() {
    let loaded = load(&[example("frontend.yaml")]);
    let o = &loaded.manifest.objectives[0];
    assert_eq!(o.name, "99-of-frontend-responses-over-last-5-minutes-are-2xx");
    assert_eq!(o.display_name.as_deref(), Some("99% of frontend responses over last 5 minutes are 2xx"));
    assert_eq!(o.service, "my-frontend-service");
    assert_eq!(o.window, TimeWindow::rolling(Duration::from_mins(5)));
    let ratio = &ratio_of(o);
    assert_eq!(ratio.events, EventQuery::Good(format!("({HITS} - {ERRORS})")));
    assert_eq!(ratio.total, HITS);
    // No standard pair fits a 5-minute window: all four are dropped, each with a warning.
    assert!(o.alerting.enabled);
    assert!(o.alerting.windows.is_empty());
    assert_eq!(o.alerting, AlertPolicy::standard(Duration::from_mins(5)).0);
    assert_eq!(loaded.warnings, vec![]);
}

#[test]
fn multi_reads_two_objectives_with_plain_selectors() {
    let loaded = load(&[example("multi.yaml")]);
    let m = &loaded.manifest;
    assert_eq!(m.services, vec![Service::named("checkout")]);
    let names: Vec<&str> = m.objectives.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        ["99-9-of-checkout-requests-succeed-over-30-days", "99-of-checkout-requests-under-300ms-over-7-days"]
    );
    let team = Labels::from([("team".to_string(), "payments".to_string())]);
    assert_eq!(m.objectives[0].labels, team);
    assert_eq!(m.objectives[1].labels, team);
    assert_eq!(m.objectives[0].target.percent_string(), "99.9");
    assert_eq!(m.objectives[1].target.percent_string(), "99");
    assert_eq!(m.objectives[0].window, TimeWindow::rolling(Duration::from_days(30)));
    assert_eq!(m.objectives[1].window, TimeWindow::rolling(Duration::from_days(7)));
    let sel = |pairs: &[(&str, &str)]| SelectorIndicator {
        labels: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ratio: None,
    };
    assert_eq!(selector_of(&m.objectives[0]), &sel(&[("category", "availability"), ("service", "checkout")]));
    assert_eq!(
        selector_of(&m.objectives[1]),
        &sel(&[("category", "latency"), ("latency_target", "300ms"), ("service", "checkout")])
    );
    assert_eq!(m.objectives[0].indicator.provider(), None);
    // The standard pairs all fit 30 and 7 days: nothing to warn about.
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(m.objectives[0].alerting, AlertPolicy::standard(Duration::from_days(30)).0);
    assert_eq!(loaded.origins[1].line, 23);
    assert!(!loaded.origins[1].fields.contains_key(field::GOOD));
}

#[test]
fn prometheus_queries_are_a_sloop_extension() {
    let spec = "  indicatorSelector:\n    prometheus_numerator_query: sum(rate(http_requests_total{code!~\"5..\"}[{{.window}}]))\n    prometheus_denominator_query: sum(rate(http_requests_total[{{.window}}]))\n    category: availability\n";
    let loaded = load_one("p.yaml", &doc(LABELS, &format!("{spec}{SPEC_TAIL}")));
    let o = &loaded.manifest.objectives[0];
    let s = selector_of(o);
    assert_eq!(s.labels, Labels::from([("category".to_string(), "availability".to_string())]));
    let r = s.ratio.as_ref().unwrap();
    assert_eq!(r.provider, ProviderRef::prometheus());
    assert_eq!(r.events, EventQuery::Good("sum(rate(http_requests_total{code!~\"5..\"}[{{.window}}]))".into()));
    assert_eq!(r.total, "sum(rate(http_requests_total[{{.window}}]))");
    let good = &loaded.origins[0].fields[field::GOOD];
    assert_eq!((good.path.as_str(), good.line), ("spec.indicatorSelector.prometheus_numerator_query", 9));
}

#[test]
fn labels_numbers_and_string_targets() {
    let labels = "    name: Availability\n    service: web\n    tier: 1\n";
    let spec = "  indicatorSelector:\n    category: availability\n  objectivePercent: \"99.95%\"\n  window: 30d\n";
    let loaded = load_one("l.yaml", &doc(labels, spec));
    let o = &loaded.manifest.objectives[0];
    assert_eq!(o.name, "availability");
    assert_eq!(o.labels, Labels::from([("tier".to_string(), "1".to_string())]));
    assert_eq!(o.target.budget(), 0.0005);
}

#[test]
fn related_to_and_unknown_query_keys_warn() {
    let text = "apiVersion: reliably.com/v1\nkind: Objective\nmetadata:\n  labels:\n    name: Availability\n    service: web\n  relatedTo:\n    service: db\nspec:\n  indicatorSelector:\n    datadog_numerator: sum:x{a:b}.as_count()\n  objectivePercent: 99\n  window: 720h\n";
    let loaded = load_one("w.yaml", text);
    let codes: Vec<(&str, &str, usize)> = loaded.warnings.iter().map(|w| (w.code, w.field.as_str(), w.line)).collect();
    assert_eq!(
        codes,
        [
            ("ignored-field", "metadata.relatedTo", 8),
            ("unknown-query-key", "spec.indicatorSelector.datadog_numerator", 11),
        ]
    );
    // The misspelt key stays a plain selector label.
    let s = selector_of(&loaded.manifest.objectives[0]);
    assert!(s.ratio.is_none());
    assert!(s.labels.contains_key("datadog_numerator"));
}

fn one_error(text: &str) -> Diagnostic {
    let ds = errors_of(text);
    let errors: Vec<&Diagnostic> = ds.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{ds:#?}");
    errors[0].clone()
}

#[test]
fn missing_name_and_service_are_errors_with_hints() {
    let spec = format!("  indicatorSelector:\n    category: availability\n{SPEC_TAIL}");
    let e = one_error(&doc("    service: web\n", &spec));
    assert_eq!((e.code, e.field.as_str(), e.line), ("missing-field", "metadata.labels.name", 5));
    assert!(e.message.contains("no title"), "{}", e.message);
    assert!(e.hint.as_deref().unwrap().contains("name: 99% of requests"));

    let e = one_error(&doc("    name: Availability\n", &spec));
    assert_eq!((e.code, e.field.as_str(), e.line), ("missing-field", "metadata.labels.service", 5));
    assert!(e.hint.as_deref().unwrap().contains("service: checkout"));

    let e = one_error(&doc("    name: \"%%%\"\n    service: web\n", &spec));
    assert_eq!((e.code, e.field.as_str(), e.line, e.column), ("invalid-name", "metadata.labels.name", 5, 11));
}

#[test]
fn bad_values_point_at_their_fields() {
    let sel = "  indicatorSelector:\n    category: availability\n";
    let e = one_error(&doc(LABELS, &format!("{sel}  objectivePercent: 100\n  window: 720h\n")));
    assert_eq!((e.code, e.field.as_str(), e.line, e.column), ("invalid-target", "spec.objectivePercent", 10, 21));
    assert!(e.message.contains("no error budget"), "{}", e.message);

    let e = one_error(&doc(LABELS, &format!("{sel}  objectivePercent: 99\n  window: 1 month\n")));
    assert_eq!((e.code, e.field.as_str(), e.line, e.column), ("invalid-duration", "spec.window", 11, 11));
    assert!(e.hint.is_some());

    let e = one_error(&doc(LABELS, &format!("{sel}  objectivePercent: 99\n")));
    assert_eq!((e.code, e.field.as_str()), ("missing-field", "spec.window"));

    let e = one_error(&doc(LABELS, &format!("{sel}  window: 720h\n")));
    assert_eq!((e.code, e.field.as_str()), ("missing-field", "spec.objectivePercent"));

    let e = one_error(&doc(LABELS, SPEC_TAIL));
    assert_eq!((e.code, e.field.as_str()), ("missing-field", "spec.indicatorSelector"));
    assert!(e.hint.as_deref().unwrap().contains("datadog_numerator_query"));

    let e = one_error(&doc(LABELS, &format!("{sel}  objectivePercent: 99\n  window: 720h\n  alerting: true\n")));
    assert_eq!((e.code, e.field.as_str(), e.line), ("invalid-field", "spec.alerting", 12));
    assert!(e.message.contains("unknown field `alerting`"), "{}", e.message);
}

#[test]
fn a_query_without_its_pair_is_an_error_at_the_query() {
    let spec = "  indicatorSelector:\n    datadog_numerator_query: sum:x{a:b}.as_count()\n";
    let e = one_error(&doc(LABELS, &format!("{spec}{SPEC_TAIL}")));
    assert_eq!(
        (e.code, e.field.as_str(), e.line, e.column),
        ("missing-query", "spec.indicatorSelector.datadog_numerator_query", 9, 30)
    );
    assert!(e.hint.as_deref().unwrap().starts_with("`datadog_denominator_query`"), "{:?}", e.hint);

    let spec = "  indicatorSelector:\n    prometheus_denominator_query: sum(rate(x[5m]))\n";
    let e = one_error(&doc(LABELS, &format!("{spec}{SPEC_TAIL}")));
    assert_eq!((e.code, e.field.as_str()), ("missing-query", "spec.indicatorSelector.prometheus_denominator_query"));
    assert!(e.hint.as_deref().unwrap().starts_with("`prometheus_numerator_query`"));
}

#[test]
fn bad_queries_and_mixed_providers_are_errors() {
    let spec = "  indicatorSelector:\n    datadog_numerator_query: sum:x{a:b.as_count()\n    datadog_denominator_query: sum:x{a:b}.as_count()\n";
    let e = one_error(&doc(LABELS, &format!("{spec}{SPEC_TAIL}")));
    assert_eq!(
        (e.code, e.field.as_str(), e.line),
        ("invalid-query", "spec.indicatorSelector.datadog_numerator_query", 9)
    );

    let spec = "  indicatorSelector:\n    prometheus_numerator_query: sum(rate(x[5m])\n    prometheus_denominator_query: sum(rate(x[5m]))\n";
    let e = one_error(&doc(LABELS, &format!("{spec}{SPEC_TAIL}")));
    assert_eq!((e.code, e.field.as_str()), ("invalid-query", "spec.indicatorSelector.prometheus_numerator_query"));
    assert!(e.message.contains("invalid PromQL"));

    let spec = "  indicatorSelector:\n    datadog_numerator_query: sum:x{a:b}.as_count()\n    datadog_denominator_query: sum:x{a:b}.as_count()\n    prometheus_numerator_query: sum(rate(x[5m]))\n";
    let e = one_error(&doc(LABELS, &format!("{spec}{SPEC_TAIL}")));
    assert_eq!((e.code, e.field.as_str(), e.line), ("conflicting-queries", "spec.indicatorSelector", 9));
}

#[test]
fn every_error_of_every_document_is_collected() {
    let bad = doc("    name: Availability\n", "  indicatorSelector:\n    a: b\n  objectivePercent: 0\n  window: 5x\n");
    let good = doc(LABELS, &format!("  indicatorSelector:\n    a: b\n{SPEC_TAIL}"));
    let ds = errors_of(&format!("{bad}---\n{good}---\n{bad}"));
    let found: Vec<(&str, usize)> = ds.iter().filter(|d| d.is_error()).map(|d| (d.field.as_str(), d.line)).collect();
    assert_eq!(
        found,
        [
            ("metadata.labels.service", 5),
            ("spec.objectivePercent", 9),
            ("spec.window", 10),
            ("metadata.labels.service", 28),
            ("spec.objectivePercent", 32),
            ("spec.window", 33),
        ]
    );
}

// ---------------------------------------------------------------- writing

fn write(m: &Manifest) -> spec::Written {
    spec::write(m, Format::Reliably).unwrap()
}

fn read_back(text: &str) -> Manifest {
    load_one("written.yaml", text).manifest
}

#[test]
fn origin_story_writes_back_as_it_was() {
    let file = example("origin-story.yaml");
    let written = write(&load(std::slice::from_ref(&file)).manifest);
    assert_eq!(written.losses, vec![]);
    assert_eq!(written.text, file.text);
}

#[test]
fn examples_round_trip() {
    for name in ["origin-story.yaml", "frontend.yaml", "multi.yaml"] {
        let m = load(&[example(name)]).manifest;
        let written = write(&m);
        assert_eq!(written.losses, vec![], "{name}");
        assert_eq!(read_back(&written.text), m, "{name}:\n{}", written.text);
    }
}

#[test]
fn multi_writes_go_durations_and_separated_documents() {
    let written = write(&load(&[example("multi.yaml")]).manifest);
    let expected = "apiVersion: reliably.com/v1
kind: Objective
metadata:
  labels:
    name: 99.9% of checkout requests succeed over 30 days
    service: checkout
    team: payments
spec:
  indicatorSelector:
    category: availability
    service: checkout
  objectivePercent: 99.9
  window: 720h0m0s
---
apiVersion: reliably.com/v1
kind: Objective
metadata:
  labels:
    name: 99% of checkout requests under 300ms over 7 days
    service: checkout
    team: payments
spec:
  indicatorSelector:
    category: latency
    latency_target: 300ms
    service: checkout
  objectivePercent: 99
  window: 168h0m0s
";
    assert_eq!(written.text, expected);
}

fn ratio(kind: ProviderKind, events: EventQuery, total: &str) -> Indicator {
    Indicator::Ratio(RatioIndicator { provider: ProviderRef { kind, name: None }, events, total: total.into() })
}

fn objective(name: &str, indicator: Indicator) -> Objective {
    let window = TimeWindow::rolling(Duration::from_days(28));
    Objective {
        name: name.into(),
        display_name: None,
        service: "web".into(),
        description: None,
        labels: Labels::new(),
        indicator,
        target: Target::from_percent_str("99.9").unwrap(),
        alerting: AlertPolicy::standard(window.nominal_length()).0,
        window,
        budgeting: BudgetingMethod::Occurrences,
        runbook_url: None,
        traffic: None,
    }
}

fn manifest(objectives: Vec<Objective>) -> Manifest {
    Manifest { services: vec![Service::named("web")], objectives }
}

fn fields(losses: &[Loss]) -> Vec<(&str, &str)> {
    losses.iter().map(|l| (l.objective.as_str(), l.field.as_str())).collect()
}

#[test]
fn a_plain_ratio_converts_without_loss() {
    let q = "sum:trace.http.request.hits{service:web}.as_count()";
    let good = "sum:trace.http.request.hits{service:web,http.status_class:2xx}.as_count()";
    let mut o = objective("availability", ratio(ProviderKind::Datadog, EventQuery::Good(good.into()), q));
    o.labels.insert("team".into(), "edge".into());
    let written = write(&manifest(vec![o.clone()]));
    assert_eq!(written.losses, vec![]);
    let back = read_back(&written.text);
    let b = &back.objectives[0];
    assert_eq!((b.name.as_str(), b.display_name.as_deref()), ("availability", Some("availability")));
    assert_eq!(b.labels, o.labels);
    assert_eq!((b.target, &b.window, &b.alerting), (o.target, &o.window, &o.alerting));
    assert_eq!(
        b.indicator,
        Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::datadog(),
            events: EventQuery::Good(good.into()),
            total: q.into()
        })
    );
    assert!(written.text.contains("  window: 672h0m0s\n"), "{}", written.text);
    assert!(written.text.contains("  objectivePercent: 99.9\n"));
}

#[test]
fn bad_events_become_total_minus_bad_and_bare_selectors_get_a_window() {
    let o = objective(
        "errors",
        ratio(
            ProviderKind::Prometheus,
            EventQuery::Bad("http_requests_total{code=~\"5..\"}".into()),
            "http_requests_total",
        ),
    );
    let written = write(&manifest(vec![o]));
    assert_eq!(fields(&written.losses), [("web/errors", field::BAD)]);
    let r = ratio_of(&read_back(&written.text).objectives[0]);
    assert_eq!(r.provider, ProviderRef::prometheus());
    assert_eq!(r.total, "sum(rate(http_requests_total[{{.window}}]))");
    assert_eq!(
        r.events,
        EventQuery::Good(
            "sum(rate(http_requests_total[{{.window}}])) - sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))"
                .into()
        )
    );
}

#[test]
fn latency_on_prometheus_becomes_a_bucket_ratio() {
    let lat = |total| {
        Indicator::Latency(LatencyIndicator {
            provider: ProviderRef::prometheus(),
            metric: "http_request_duration_seconds".into(),
            matchers: vec!["job=\"api\"".into()],
            threshold: "0.3".into(),
            total,
            buckets: Some(vec![0.1, 0.3, 1.0]),
        })
    };
    let written = write(&manifest(vec![
        objective("fast", lat(LatencyTotal::Count)),
        objective("fast-inf", lat(LatencyTotal::InfBucket)),
    ]));
    assert_eq!(fields(&written.losses), [("web/fast", field::INDICATOR), ("web/fast-inf", field::INDICATOR)]);
    assert!(written.losses[0].reason.contains("declared buckets are dropped"));
    let back = read_back(&written.text);
    let good = "sum(rate(http_request_duration_seconds_bucket{job=\"api\",le=\"0.3\"}[{{.window}}]))";
    let r0 = ratio_of(&back.objectives[0]);
    assert_eq!(r0.events, EventQuery::Good(good.into()));
    assert_eq!(r0.total, "sum(rate(http_request_duration_seconds_count{job=\"api\"}[{{.window}}]))");
    let r1 = ratio_of(&back.objectives[1]);
    assert_eq!(r1.total, "sum(rate(http_request_duration_seconds_bucket{job=\"api\",le=\"+Inf\"}[{{.window}}]))");
}

#[test]
fn inexpressible_indicators_are_skipped_with_a_loss() {
    let raw = Indicator::Raw(RawIndicator {
        provider: ProviderRef::prometheus(),
        query: "1 - sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))".into(),
        measures: RawMeasure::GoodRatio,
    });
    let dd_latency = Indicator::Latency(LatencyIndicator {
        provider: ProviderRef::datadog(),
        metric: "m".into(),
        matchers: vec![],
        threshold: "0.3".into(),
        total: LatencyTotal::Count,
        buckets: None,
    });
    let kept = objective("kept", ratio(ProviderKind::Datadog, EventQuery::Good("sum:g{a:b}".into()), "sum:t{a:b}"));
    let written = write(&manifest(vec![objective("raw", raw), kept, objective("dd-latency", dd_latency)]));
    assert_eq!(fields(&written.losses), [("web/raw", field::INDICATOR), ("web/dd-latency", field::INDICATOR)]);
    assert!(written.losses[0].reason.ends_with("the raw objective is not written"), "{}", written.losses[0]);
    let back = read_back(&written.text);
    assert_eq!(back.objectives.len(), 1);
    assert_eq!(back.objectives[0].name, "kept");
}

#[test]
fn what_reliably_cannot_say_is_reported() {
    let mut o =
        objective("checkout", ratio(ProviderKind::Datadog, EventQuery::Good("sum:g{a:b}".into()), "sum:t{a:b}"));
    o.display_name = Some("Checkout availability".into());
    o.description = Some("Orders go through".into());
    o.runbook_url = Some("https://runbooks/checkout".into());
    o.traffic = Some(12.5);
    o.labels.insert("service".into(), "other".into());
    o.labels.insert("owner".into(), "team-a".into());
    o.window = TimeWindow::Calendar(CalendarWindow { unit: CalendarUnit::Month, count: 1, time_zone: "UTC".into() });
    o.budgeting = BudgetingMethod::RatioTimeslices { slice: Duration::from_mins(1) };
    o.alerting = AlertPolicy::disabled(o.window.nominal_length());
    if let Indicator::Ratio(r) = &mut o.indicator {
        r.provider.name = Some("dd-eu".into());
    }
    let mut m = manifest(vec![o]);
    m.services[0].description = Some("The web shop".into());
    m.services[0].labels.insert("tier".into(), "1".into());
    m.services.push(Service::named("lonely"));
    let written = write(&m);
    assert_eq!(
        fields(&written.losses),
        [
            ("web/checkout", "indicator.provider"),
            ("web/checkout", field::NAME),
            ("web/checkout", "labels.service"),
            ("web/checkout", field::WINDOW),
            ("web/checkout", "budgeting"),
            ("web/checkout", field::ALERTING),
            ("web/checkout", "description"),
            ("web/checkout", "runbook_url"),
            ("web/checkout", field::TRAFFIC),
            ("web", "service.description"),
            ("web", "service.labels"),
            ("lonely", "service"),
        ]
    );
    let reason = |f: &str| written.losses.iter().find(|l| l.field == f).unwrap().reason.clone();
    assert_eq!(
        reason(field::NAME),
        "Reliably identifies an objective by its title `Checkout availability`: the name `checkout` reads back as \
         `checkout-availability`"
    );
    assert_eq!(
        reason(field::WINDOW),
        "Reliably windows are rolling: each calendar month (UTC) is written as a rolling 30 days"
    );
    assert_eq!(
        reason(field::ALERTING),
        "Reliably has no alerting, so the disabled alerting cannot be written: the objective reads back with the \
         standard policy"
    );
    let back = read_back(&written.text);
    let b = &back.objectives[0];
    assert_eq!(b.window, TimeWindow::rolling(Duration::from_days(30)));
    assert_eq!(b.labels, Labels::from([("owner".to_string(), "team-a".to_string())]));
    assert_eq!(b.display_name.as_deref(), Some("Checkout availability"));
    assert!(
        written.text.contains("    name: Checkout availability\n    service: web\n    owner: team-a\n"),
        "{}",
        written.text
    );
}

#[test]
fn custom_alert_windows_are_a_loss_but_the_standard_policy_is_not() {
    let mut o = objective("a", ratio(ProviderKind::Datadog, EventQuery::Good("sum:g{a:b}".into()), "sum:t{a:b}"));
    assert_eq!(write(&manifest(vec![o.clone()])).losses, vec![]);
    o.alerting.windows.truncate(2);
    o.alerting.custom_windows = true;
    let written = write(&manifest(vec![o]));
    assert_eq!(fields(&written.losses), [("web/a", field::ALERTING)]);
    assert!(written.losses[0].reason.contains("custom burn-rate windows"));
}

#[test]
fn only_compound_operands_of_total_minus_bad_are_parenthesised() {
    let dd = objective(
        "dd",
        ratio(
            ProviderKind::Datadog,
            EventQuery::Bad("sum:e{path:/a-b}.as_count()".into()),
            "sum:a{x:y}.as_count() + sum:b{x:y}.as_count()",
        ),
    );
    let prom = objective(
        "prom",
        ratio(
            ProviderKind::Prometheus,
            EventQuery::Bad("sum(rate(a_total[{{.window}}])) + sum(rate(b_total[{{.window}}]))".into()),
            "sum by (job) (rate(t_total[{{.window}}]))",
        ),
    );
    let back = read_back(&write(&manifest(vec![dd, prom])).text);
    let good = |i: usize| ratio_of(&back.objectives[i]).events;
    assert_eq!(
        good(0),
        EventQuery::Good("(sum:a{x:y}.as_count() + sum:b{x:y}.as_count()) - sum:e{path:/a-b}.as_count()".into())
    );
    assert_eq!(
        good(1),
        EventQuery::Good(
            "sum by (job) (rate(t_total[{{.window}}])) - (sum(rate(a_total[{{.window}}])) + sum(rate(b_total[{{.window}}])))"
                .into()
        )
    );
}

#[test]
fn titles_that_would_read_back_as_one_objective_fall_back_to_names() {
    let q = || ratio(ProviderKind::Datadog, EventQuery::Good("sum:g{a:b}".into()), "sum:t{a:b}");
    let mut good = objective("search-good", q());
    let mut very_good = objective("search-very-good", q());
    good.display_name = Some("Search success".into());
    very_good.display_name = Some("Search  success!".into());
    let written = write(&manifest(vec![good, very_good]));
    assert_eq!(fields(&written.losses), [("web/search-good", field::NAME), ("web/search-very-good", "display_name")]);
    assert_eq!(
        written.losses[1].reason,
        "the title `Search  success!` would read back as the same objective as an earlier one: the name \
         `search-very-good` is written as the title instead"
    );
    let back = read_back(&written.text);
    let names: Vec<&str> = back.objectives.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["search-success", "search-very-good"]);
}

#[test]
fn a_service_label_naming_the_service_itself() {
    let mut o = objective("a", ratio(ProviderKind::Datadog, EventQuery::Good("sum:g{a:b}".into()), "sum:t{a:b}"));
    o.labels.insert("service".into(), "web".into());
    let written = write(&manifest(vec![o]));
    assert_eq!(fields(&written.losses), [("web/a", "labels.service")]);
    assert_eq!(
        written.losses[0].reason,
        "the label `service: web` is Reliably's own service label: it reads back as the service only"
    );
}
