//! Lints: each fires on a minimal input, at the field it is about, and not on a near miss.

use sloop_core::alerting::AlertPolicy;
use sloop_core::lint::lint;
use sloop_core::model::{
    BudgetingMethod, EventQuery, Indicator, LatencyIndicator, LatencyTotal, Manifest, Objective, ProviderRef,
    RatioIndicator, Service, TimeWindow,
};
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, FieldPos, Format, Loaded, Origin, field};
use sloop_core::{Diagnostic, Duration, Level, Target};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/reliably");

const HITS: &str = "sum:trace.starlette.request.hits{service:my-test-service,resource_name:get_/}.as_count()";
const ERRORS: &str = "sum:trace.starlette.request.errors{service:my-test-service,resource_name:get_/}.as_count()";

fn example(name: &str) -> SourceFile {
    let path = format!("{EXAMPLES}/{name}");
    SourceFile::new(name, std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

fn lint_files(files: &[SourceFile]) -> Vec<Diagnostic> {
    let loaded = spec::load(files).unwrap_or_else(|e| panic!("{e}: {e:?}"));
    lint(&loaded, files)
}

fn codes(ds: &[Diagnostic]) -> Vec<&str> {
    ds.iter().map(|d| d.code).collect()
}

/// A Reliably objective with these selector lines.
fn reliably(name: &str, service: &str, selector: &str) -> String {
    format!(
        "apiVersion: reliably.com/v1\nkind: Objective\nmetadata:\n  labels:\n    name: {name}\n    service: {service}\n\
         spec:\n  indicatorSelector:\n{selector}  objectivePercent: 99\n  window: 720h\n"
    )
}

fn datadog(numerator: &str, denominator: &str) -> String {
    format!("    datadog_numerator_query: {numerator}\n    datadog_denominator_query: {denominator}\n")
}

#[test]
fn origin_story_divides_where_good_events_are_meant() {
    let file = example("origin-story.yaml");
    let found = lint_files(std::slice::from_ref(&file));
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    let numerator = format!("({HITS} / {ERRORS})");
    assert_eq!(d.level, Level::Warning);
    assert_eq!(d.code, "lint/good-query-divides");
    assert_eq!((d.file.as_str(), d.line, d.column), ("origin-story.yaml", 10, 30));
    assert_eq!(d.field, "spec.indicatorSelector.datadog_numerator_query");
    assert_eq!(d.message, "the good-events query divides (a ratio); a count of good events is expected");
    assert_eq!(d.hint.as_deref(), Some("the good events themselves, e.g. hits - errors"));
    assert_eq!(d.source_line.as_deref(), Some(format!("    datadog_numerator_query: {numerator}").as_str()));
    assert_eq!(d.len, numerator.len());
}

#[test]
fn the_wizard_frontend_and_the_multi_example_are_clean() {
    assert_eq!(lint_files(&[example("frontend.yaml")]), vec![]);
    assert_eq!(lint_files(&[example("multi.yaml")]), vec![]);
}

#[test]
fn a_dividing_total_query() {
    let sel = datadog("sum:a{x:y}.as_count()", "sum:a{x:y}.as_count() / sum:b{x:y}.as_count()");
    let found = lint_files(&[SourceFile::new("t.yaml", reliably("A", "web", &sel))]);
    assert_eq!(codes(&found), ["lint/total-query-divides"]);
    assert_eq!((found[0].line, found[0].column), (10, 32));
    assert_eq!(found[0].field, "spec.indicatorSelector.datadog_denominator_query");
    // Near miss: a slash inside tags is not a division.
    let sel = datadog("sum:a{x:y}.as_count()", "sum:a{path:/v1/x}.as_count()");
    assert_eq!(lint_files(&[SourceFile::new("t.yaml", reliably("A", "web", &sel))]), vec![]);
}

#[test]
fn a_dividing_promql_good_query() {
    let sel = |good: &str| {
        format!(
            "    prometheus_numerator_query: {good}\n    prometheus_denominator_query: sum(rate(req_total[{{{{.window}}}}]))\n"
        )
    };
    let divides = sel("sum(rate(ok_total[5m])) / sum(rate(req_total[5m]))");
    let found = lint_files(&[SourceFile::new("p.yaml", reliably("A", "web", &divides))]);
    assert_eq!(codes(&found), ["lint/good-query-divides"]);
    assert_eq!(found[0].field, "spec.indicatorSelector.prometheus_numerator_query");
    assert_eq!((found[0].line, found[0].column), (9, 33));
    let subtracts = sel("sum(rate(req_total[5m])) - sum(rate(err_total[5m]))");
    assert_eq!(lint_files(&[SourceFile::new("p.yaml", reliably("A", "web", &subtracts))]), vec![]);
}

#[test]
fn identical_good_and_total_queries() {
    // Quoted with spaces: the comparison trims them.
    let sel = datadog("\" sum:a{x:y}.as_count() \"", "sum:a{x:y}.as_count()");
    let found = lint_files(&[SourceFile::new("t.yaml", reliably("A", "web", &sel))]);
    assert_eq!(codes(&found), ["lint/good-equals-total"]);
    assert_eq!(found[0].message, "the good-events query is the same as the total query, so the SLI is always 100 %");
    assert_eq!((found[0].line, found[0].field.as_str()), (9, "spec.indicatorSelector.datadog_numerator_query"));
    // Near miss: one tag apart.
    let sel = datadog("sum:a{x:y,ok:true}.as_count()", "sum:a{x:y}.as_count()");
    assert_eq!(lint_files(&[SourceFile::new("t.yaml", reliably("A", "web", &sel))]), vec![]);
}

#[test]
fn duplicate_names_within_a_service_across_files() {
    let sel = "    category: availability\n";
    let a = SourceFile::new("a.yaml", reliably("Checkout works", "shop", sel));
    let b = SourceFile::new("b.yaml", reliably("Checkout  works!", "shop", sel));
    let c = SourceFile::new(
        "c.yaml",
        format!("{}---\n{}", reliably("Other", "shop", sel), reliably("checkout works", "shop", sel)),
    );
    let found = lint_files(&[a.clone(), b.clone(), c.clone()]);
    assert_eq!(codes(&found), ["lint/duplicate-name", "lint/duplicate-name"]);
    assert_eq!((found[0].file.as_str(), found[0].line, found[0].column), ("b.yaml", 5, 11));
    assert_eq!(found[0].field, "metadata.labels.name");
    assert_eq!(
        found[0].message,
        "service `shop` already has an objective named `checkout-works` (first at a.yaml:5); both would write the same \
         rules and results"
    );
    assert_eq!((found[1].file.as_str(), found[1].line), ("c.yaml", 17));
    assert!(found[1].message.contains("(first at a.yaml:5)"));
    // Near miss: the same name in another service.
    let other = SourceFile::new("b.yaml", reliably("Checkout works", "payments", sel));
    assert_eq!(lint_files(&[a, other]), vec![]);
}

// ------------------------------------------------------- hand-made models

fn objective(indicator: Indicator) -> Objective {
    let window = TimeWindow::rolling(Duration::from_days(30));
    Objective {
        name: "checkout".into(),
        display_name: None,
        service: "web".into(),
        description: None,
        labels: Default::default(),
        indicator,
        target: Target::from_percent_str("99.9").unwrap(),
        alerting: AlertPolicy::standard(window.nominal_length()).0,
        window,
        budgeting: BudgetingMethod::Occurrences,
        runbook_url: None,
        traffic: None,
    }
}

/// One objective read from `web.yaml` at line 5, with these field positions.
fn loaded(o: Objective, fields: &[(&'static str, &str, usize, usize)]) -> Loaded {
    let fields = fields
        .iter()
        .map(|(name, path, line, column)| (*name, FieldPos { path: path.to_string(), line: *line, column: *column }))
        .collect();
    Loaded {
        manifest: Manifest { services: vec![Service::named(o.service.clone())], objectives: vec![o] },
        origins: vec![Origin { file: "web.yaml".into(), line: 5, format: Format::Sloop, fields }],
        warnings: vec![],
    }
}

const WEB: &str = "\
apiVersion: sloop/v1
service: web
traffic: 0.01/s
slos:
  - name: checkout
    target: 99.999
    window: 30d
    latency:
      metric: http_request_duration_seconds
      threshold: 0.25 # seconds
      buckets: [0.1, 0.2, 0.5, 1]
    ratio:
      bad: sum(rate(errors_total[{{.window}}])) / sum(rate(requests_total[{{.window}}]))
      total: sum(rate(requests_total[{{.window}}]))
";

fn web() -> Vec<SourceFile> {
    vec![SourceFile::new("web.yaml", WEB)]
}

fn bad_ratio(bad: &str, total: &str) -> Indicator {
    Indicator::Ratio(RatioIndicator {
        provider: ProviderRef::prometheus(),
        events: EventQuery::Bad(bad.into()),
        total: total.into(),
    })
}

const TOTAL: &str = "sum(rate(requests_total[{{.window}}]))";

#[test]
fn a_dividing_bad_query() {
    let bad = "sum(rate(errors_total[{{.window}}])) / sum(rate(requests_total[{{.window}}]))";
    let l = loaded(objective(bad_ratio(bad, TOTAL)), &[(field::BAD, "slos[0].ratio.bad", 13, 12)]);
    let found = lint(&l, &web());
    assert_eq!(codes(&found), ["lint/bad-query-divides"]);
    let d = &found[0];
    assert_eq!((d.file.as_str(), d.line, d.column, d.field.as_str()), ("web.yaml", 13, 12, "slos[0].ratio.bad"));
    assert_eq!(d.message, "the bad-events query divides (a ratio); a count of bad events is expected");
    assert_eq!(d.len, bad.len());
    let l = loaded(objective(bad_ratio("sum(rate(errors_total[{{.window}}]))", TOTAL)), &[]);
    assert_eq!(lint(&l, &web()), vec![]);
}

#[test]
fn identical_bad_and_total_queries() {
    let l = loaded(objective(bad_ratio(TOTAL, TOTAL)), &[(field::BAD, "slos[0].ratio.bad", 13, 12)]);
    let found = lint(&l, &web());
    assert_eq!(codes(&found), ["lint/bad-equals-total"]);
    assert_eq!(found[0].message, "the bad-events query is the same as the total query, so the SLI is always 0 %");
}

fn latency(threshold: &str, buckets: Option<Vec<f64>>) -> Indicator {
    Indicator::Latency(LatencyIndicator {
        provider: ProviderRef::prometheus(),
        metric: "http_request_duration_seconds".into(),
        matchers: vec![],
        threshold: threshold.into(),
        total: LatencyTotal::Count,
        buckets,
    })
}

#[test]
fn a_threshold_between_buckets() {
    let buckets = Some(vec![0.1, 0.2, 0.5, 1.0]);
    let at = [(field::THRESHOLD, "slos[0].latency.threshold", 10, 18)];
    let found = lint(&loaded(objective(latency("0.25", buckets.clone())), &at), &web());
    assert_eq!(codes(&found), ["lint/threshold-not-a-bucket"]);
    let d = &found[0];
    assert_eq!((d.line, d.column, d.field.as_str()), (10, 18, "slos[0].latency.threshold"));
    assert_eq!(
        d.message,
        "the threshold 0.25 is not a bucket boundary of `http_request_duration_seconds`: there is no le=\"0.25\" \
         series to count the good requests from"
    );
    assert_eq!(d.hint.as_deref(), Some("one of the declared buckets: 0.1, 0.2, 0.5, 1"));
    // The comment after the value is not underlined.
    assert_eq!(d.len, 4);
    // Near misses: compared as numbers, so 0.20 is the 0.2 bucket; and no declared buckets, nothing to check.
    assert_eq!(lint(&loaded(objective(latency("0.20", buckets)), &at), &web()), vec![]);
    assert_eq!(lint(&loaded(objective(latency("0.25", None)), &at), &web()), vec![]);
}

#[test]
fn a_budget_under_one_bad_event_a_day() {
    let mut o = objective(latency("0.2", None));
    o.target = Target::from_percent_str("99.999").unwrap();
    o.traffic = Some(0.01);
    let at = [(field::TARGET, "slos[0].target", 6, 13), (field::TRAFFIC, "traffic", 3, 10)];
    let found = lint(&loaded(o.clone(), &at), &web());
    assert_eq!(codes(&found), ["lint/budget-under-one-event"]);
    let d = &found[0];
    assert_eq!((d.line, d.column, d.field.as_str(), d.len), (6, 13, "slos[0].target", 6));
    assert_eq!(
        d.message,
        "at 0.01 req/s, 99.999% allows 0.009 bad events a day: a single failure spends more than a day's budget"
    );
    // 99.9 % allows 0.864 a day at 0.01 req/s, 99.5 % allows 4.32.
    assert_eq!(d.hint.as_deref(), Some("a target of 99.5% or lower (4.32 bad events a day at this traffic)"));

    // So little traffic that no usual target helps.
    o.traffic = Some(0.00001);
    let found = lint(&loaded(o.clone(), &at), &web());
    assert_eq!(
        found[0].hint.as_deref(),
        Some(
            "a longer window, or more traffic such as synthetic probes: at this traffic there are only 0.9 events a \
             day in all"
        )
    );

    // Near misses: 99.9 % at 0.02 req/s allows 1.728 a day; and no declared traffic.
    o.target = Target::from_percent_str("99.9").unwrap();
    o.traffic = Some(0.02);
    assert_eq!(lint(&loaded(o.clone(), &at), &web()), vec![]);
    o.target = Target::from_percent_str("99.999").unwrap();
    o.traffic = None;
    assert_eq!(lint(&loaded(o, &at), &web()), vec![]);
}

#[test]
fn positions_fall_back_to_the_indicator_then_the_objective() {
    let bad = "sum(rate(errors_total[{{.window}}])) / sum(rate(requests_total[{{.window}}]))";
    // No position for the bad query: the indicator's.
    let l = loaded(objective(bad_ratio(bad, TOTAL)), &[(field::INDICATOR, "slos[0].ratio", 13, 7)]);
    let d = &lint(&l, &web())[0];
    assert_eq!((d.line, d.column, d.field.as_str()), (13, 7, "slos[0].ratio"));
    // No positions at all: the line the objective starts on, at its first character.
    let l = loaded(objective(bad_ratio(bad, TOTAL)), &[]);
    let d = &lint(&l, &web())[0];
    assert_eq!((d.file.as_str(), d.line, d.column, d.field.as_str()), ("web.yaml", 5, 3, ""));
    assert_eq!(d.source_line.as_deref(), Some("  - name: checkout"));
    // A file that was not passed: the position stays, the snippet goes.
    let d = &lint(&l, &[])[0];
    assert_eq!((d.file.as_str(), d.line, d.source_line.as_deref()), ("web.yaml", 5, None));
    assert_eq!(d.level, Level::Warning);
}

// ------------------------------------------------- through sloop's own format

fn sloop_api(target: &str, traffic: &str, threshold: &str) -> SourceFile {
    SourceFile::new(
        "api.yaml",
        format!(
            "apiVersion: sloop/v1\nservice: api\nslos:\n  - name: fast\n    target: {target}\n    window: 30d\n\
             {traffic}    latency:\n      metric: http_request_duration_seconds\n      threshold: {threshold}\n\
             \x20     buckets: [0.1, 0.2, 0.5, 1]\n"
        ),
    )
}

#[test]
fn read_from_sloop_manifests() {
    let found = lint_files(&[sloop_api("99.999", "    traffic: 0.01/s\n", "250ms")]);
    let got: Vec<(&str, usize, usize, &str)> =
        found.iter().map(|d| (d.code, d.line, d.column, d.field.as_str())).collect();
    assert_eq!(
        got,
        [
            ("lint/threshold-not-a-bucket", 10, 18, "slos[0].latency.threshold"),
            ("lint/budget-under-one-event", 5, 13, "slos[0].target"),
        ]
    );
    assert_eq!(found[0].source_line.as_deref(), Some("      threshold: 250ms"));
    assert_eq!(found[0].len, 5);
    // Near misses: 200ms is the 0.2 bucket, and 10 req/s leave 8.64 bad events a day at 99.999 %.
    assert_eq!(lint_files(&[sloop_api("99.999", "    traffic: 10/s\n", "200ms")]), vec![]);
    assert_eq!(lint_files(&[sloop_api("99.999", "", "200ms")]), vec![]);
}

#[test]
fn an_alert_that_cannot_fire_is_flagged() {
    let yaml = "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: lat\n    target: 90\n    window: 30d\n    ratio:\n      bad: sum(rate(e[{{.window}}]))\n      total: sum(rate(t[{{.window}}]))\n    alerting:\n      windows:\n        - { severity: page, long: 1h, short: 5m, budget: 2 }\n        - { severity: ticket, long: 1d, short: 1h, budget: 10 }\n";
    let files = [SourceFile::new("t.yaml", yaml)];
    let loaded = spec::load(&files).unwrap();
    let found = lint(&loaded, &files);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(d.code, "lint/alert-never-fires");
    assert_eq!((d.line, d.field.as_str()), (11, "slos[0].alerting"));
    assert!(d.message.contains("the page alert over 1h needs a burn rate of 14.4"), "{}", d.message);
    assert!(d.message.contains("burns at most 10"), "{}", d.message);
    // The same pairs on 99.9 % can fire: no finding.
    let ok = yaml.replace("target: 90", "target: 99.9");
    let files = [SourceFile::new("t.yaml", ok)];
    assert!(lint(&spec::load(&files).unwrap(), &files).is_empty());
}
