//! End-to-end tests of the harness against the real Prometheus on `PATH`
//! (skipped, with a note, when it is not installed).

use std::time::Duration;

use sloop_testkit::prometheus::{
    Prometheus, RuleKind, StartOptions, backfill_scenario, promtool_check_rules, promtool_test_rules,
};
use sloop_testkit::synthetic::{DAY, HOUR, MINUTE, Scenario, SeriesGroup};

/// 2024-03-01T00:00:00Z.
const START: i64 = 1_709_251_200;

fn skip() -> bool {
    if Prometheus::available() {
        return false;
    }
    eprintln!("skipped: prometheus and promtool are not on PATH");
    true
}

/// Two days, 1 pod × 2 codes, a partial outage, a counter reset and a
/// latency histogram.
fn scenario() -> Scenario {
    Scenario::builder(START, 2 * DAY)
        .seed(11)
        .group(
            SeriesGroup::new("web")
                .rate(1.0, 100.0)
                .error_ratio(0.0005)
                .incident(DAY + 4 * HOUR + 30 * MINUTE, 20 * MINUTE, 0.3)
                .reset(DAY + 5 * HOUR)
                .latency(&[(0.1, 0.9), (0.3, 0.99), (1.0, 0.999)]),
        )
        .build()
        .unwrap()
}

#[test]
fn backfilled_counters_give_exact_truth_in_prometheus() {
    if skip() {
        return;
    }
    let s = scenario();
    let truth = s.truth("web").unwrap();
    let data = tempfile::tempdir().unwrap();
    let blocks = backfill_scenario(&s, data.path()).unwrap();
    assert!(blocks.contains("BLOCK ULID"), "{blocks}");
    let prom = Prometheus::start(StartOptions::new(data.path())).unwrap();

    let total = "sum(increase(http_requests_total[1h]))";
    let good = "sum(increase(http_requests_total{code!~\"5..\"}[1h]))";
    // Minute-aligned times: increase() over minute-aligned samples is exact,
    // including across the reset at DAY + 5h (in the hours ending 05:30 and
    // 05:59 of day 2).
    let times = [
        s.at(HOUR),
        s.at(7 * HOUR + 13 * MINUTE),
        s.at(DAY + 5 * HOUR),
        s.at(DAY + 5 * HOUR + 30 * MINUTE),
        s.at(DAY + 5 * HOUR + 59 * MINUTE),
        s.end(),
    ];
    for t in times {
        let want = truth.counts(t, HOUR);
        assert!(want.total > 0);
        assert_eq!(prom.query_value(total, Some(t as f64)).unwrap(), Some(want.total as f64), "total at {t}");
        assert_eq!(prom.query_value(good, Some(t as f64)).unwrap(), Some(want.good as f64), "good at {t}");
    }
    // Latency buckets too: requests under 300 ms, and all of them.
    let fast = "sum(increase(http_request_duration_seconds_bucket{le=\"0.3\"}[1h]))";
    let count = "sum(increase(http_request_duration_seconds_count[1h]))";
    let latency = s.latency_truth("web", 0.3).unwrap();
    for t in times {
        let want = latency.counts(t, HOUR);
        assert_eq!(prom.query_value(fast, Some(t as f64)).unwrap(), Some(want.good as f64), "fast at {t}");
        assert_eq!(prom.query_value(count, Some(t as f64)).unwrap(), Some(want.total as f64), "count at {t}");
    }
    // The incident's hour has real errors, so the check above is not vacuous.
    assert!(truth.counts(s.at(DAY + 5 * HOUR + 30 * MINUTE), HOUR).error_ratio().unwrap() > 0.05);

    // A non-aligned time, as rule evaluation uses, with the reset inside the
    // hour: the ratio of increases equals counts_prometheus' exactly, and
    // each increase is that count times the common extrapolation factor.
    let t = s.at(DAY + 5 * HOUR + 20 * MINUTE) as f64 + 17.25;
    let want = truth.counts_prometheus(t, HOUR);
    let ratio = format!("{good} / {total}");
    let got = prom.query_value(&ratio, Some(t)).unwrap().unwrap();
    assert!((got - want.sli().unwrap()).abs() < 1e-12, "{got} vs {want:?}");
    let factor = s.prometheus_extrapolation("web", t, HOUR).expect("a common factor");
    assert_eq!(factor, 3600.0 / 3540.0);
    let got_total = prom.query_value(total, Some(t)).unwrap().unwrap();
    assert!((got_total / (want.total as f64 * factor) - 1.0).abs() < 1e-12, "{got_total} vs {want:?}");
    // ...while the aligned definition would be off by the minute that
    // straddles the range's start.
    assert_ne!(truth.counts(t.floor() as i64, HOUR), want);

    // A range query at minute steps: every point exact.
    let from = s.at(DAY + 4 * HOUR) as f64;
    let series = prom.query_range(total, from, from + 3600.0, 600.0).unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].values.len(), 7);
    for (t, v) in &series[0].values {
        assert_eq!(*v, truth.counts(*t as i64, HOUR).total as f64, "range point at {t}");
    }
    // Per-series labels come back as the scenario names them (increase()
    // drops the metric name).
    let per_code = prom.query("increase(http_requests_total[1h])", Some(s.end() as f64)).unwrap();
    let mut labels: Vec<_> = per_code.iter().map(|x| x.labels.clone()).collect();
    labels.sort();
    let mut want: Vec<_> = s.series().iter().map(|x| x.labels()).collect();
    want.sort();
    assert_eq!(labels, want);

    // Nothing is scraped and there are no rules: the head is empty.
    assert_eq!(prom.series_count().unwrap(), 0);
    assert!(prom.rules().unwrap().is_empty());
    assert!(prom.wait_for_rule_evaluations(1).is_err());
    assert_eq!(prom.metric("process_cpu_seconds_total").unwrap().len(), 1);
    // Bad PromQL is an API error that carries Prometheus' message.
    let err = prom.query("sum(", None).unwrap_err().to_string();
    assert!(err.contains("bad_data"), "{err}");
}

const RULES: &str = "\
groups:
  - name: testkit
    rules:
      - record: testkit:one
        expr: vector(1)
      - alert: AlwaysFiring
        expr: vector(1) > 0
        labels:
          severity: page
        annotations:
          summary: always
";

const RULE_TESTS: &str = "\
rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series: []
    promql_expr_test:
      - expr: testkit:one
        eval_time: 1m
        exp_samples:
          - labels: testkit:one
            value: 1
";

#[test]
fn rules_evaluate_alerts_fire_and_promtool_checks() {
    if skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let tests = dir.path().join("rules_test.yaml");
    std::fs::write(&tests, RULE_TESTS).unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "groups:\n  - name: x\n    rules:\n      - record: a\n        expr: sum(\n").unwrap();

    let checked = promtool_check_rules(&rules).unwrap();
    assert!(checked.contains("SUCCESS: 2 rules found"), "{checked}");
    let err = promtool_check_rules(&broken).unwrap_err();
    assert!(err.contains("FAILED"), "{err}");
    let tested = promtool_test_rules(&tests).unwrap();
    assert!(tested.contains("SUCCESS"), "{tested}");

    let data = tempfile::tempdir().unwrap();
    let options = StartOptions::new(data.path()).rule_file(&rules).eval_interval(Duration::from_millis(200));
    let mut prom = Prometheus::start(options).unwrap();
    assert!(prom.addr().ip().is_loopback());
    let groups = prom.wait_for_rule_evaluations(3).unwrap();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!((g.name.as_str(), g.interval), ("testkit", 0.2));
    assert!(g.last_evaluation.is_some());
    assert_eq!(g.rules.len(), 2);
    assert_eq!(
        (g.rules[0].kind, g.rules[0].health.as_str(), &g.rules[0].last_error),
        (RuleKind::Recording, "ok", &None)
    );
    assert_eq!((g.rules[1].kind, g.rules[1].state.as_deref()), (RuleKind::Alerting, Some("firing")));

    let alerts = prom.alerts().unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].labels["alertname"], "AlwaysFiring");
    assert_eq!(alerts[0].labels["severity"], "page");
    assert_eq!(alerts[0].annotations["summary"], "always");
    assert_eq!((alerts[0].state.as_str(), alerts[0].value), ("firing", 1.0));
    assert_eq!(prom.query_value("testkit:one", None).unwrap(), Some(1.0));
    // The recorded series and ALERTS/ALERTS_FOR_STATE are in the head.
    assert!(prom.series_count().unwrap() >= 2);
    let durations = prom.metric("prometheus_rule_group_last_duration_seconds").unwrap();
    assert_eq!(durations.len(), 1);
    assert!(durations[0].labels["rule_group"].ends_with("rules.yaml;testkit"), "{durations:?}");

    // Stopping is by PID and leaves nothing running.
    let pid = prom.pid().unwrap();
    assert!(is_running(pid));
    prom.stop();
    assert_eq!(prom.pid(), None);
    assert!(!is_running(pid));
}

/// Whether `/proc/PID/stat` exists and shows a live (not zombie) process.
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| stat.split_whitespace().nth(2).is_some_and(|state| state != "Z"))
        .unwrap_or(false)
}
