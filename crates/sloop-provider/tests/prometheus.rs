//! `PrometheusProvider` against a real Prometheus 2.42, counted to the event.
//!
//! Eight days of per-minute synthetic counters are backfilled with
//! `promtool tsdb create-blocks-from openmetrics`: two pods × four codes of
//! `http_requests_total`, a latency histogram, a 30-minute total outage and
//! two counter resets. Then `fetch()` over minute-aligned intervals must give
//! exactly [`Truth::counts`]: Prometheus 2 ranges include both edge samples,
//! so `increase()` at whole minutes does not extrapolate (see
//! `sloop_core::promql::CountQuery`). Checked:
//!
//! - one-minute steps (range queries) across the outage, a reset and the
//!   scenario's start, where intervals before the data have no data;
//! - single hours and a single day (instant queries), and hourly steps;
//! - all 11,520 minutes at once, more than Prometheus' 11,000 points per
//!   range query: the provider must cut them in chunks;
//! - the three shapes of queries (Sloth's `{{.window}}`, OpenSLO's fixed
//!   range, Pyrra's bare selectors), good and bad sides, latency with
//!   `_count` and with the `+Inf` bucket;
//! - a bad or good query matching no series (zero such events), and a
//!   query Prometheus refuses (its message reaches the error).
//!
//! Prometheus listens on 127.0.0.1 and stops on drop. Without `prometheus`
//! and `promtool` the test fails, unless `SLOOP_SKIP_PROMETHEUS` is set.

use std::cell::Cell;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_core::source::SourceFile;
use sloop_provider::{IntervalCounts, PrometheusConfig, PrometheusProvider, Provider, ProviderError, Range};
use sloop_testkit::prometheus::{Prometheus, StartOptions, backfill_scenario};
use sloop_testkit::synthetic::{DAY, HOUR, MINUTE, Scenario, SeriesGroup, Truth};

const JOB: &str = "web";
const DAYS: i64 = 8;

/// When things happen, in seconds after the scenario's start.
const OUTAGE_AT: i64 = 2 * DAY + 10 * HOUR;
const RESETS: [i64; 2] = [2 * DAY + 11 * HOUR + 7 * MINUTE, 5 * DAY + 3 * HOUR];

/// Eight days from `start`, one group of 2 pods × 4 codes with a latency
/// histogram: 80 % of requests within 0.1 s, 95 % within 0.25 s, 99 %
/// within 1 s.
fn scenario(start: i64) -> Scenario {
    let mut web = SeriesGroup::new(JOB)
        .rate(2.0, 40.0)
        .error_ratio(0.002)
        .incident(OUTAGE_AT, 30 * MINUTE, 1.0)
        .incident(4 * DAY, 2 * HOUR, 0.05)
        .cardinality(2, &["200", "404", "500", "503"])
        .latency(&[(0.1, 0.8), (0.25, 0.95), (1.0, 0.99)]);
    for r in RESETS {
        web = web.reset(r);
    }
    Scenario::builder(start, DAYS * DAY).seed(11).group(web).build().unwrap()
}

/// The SLOs, in the three formats sloop reads, all on the job `web`.
fn manifests() -> Vec<SourceFile> {
    let total = r#"sum(rate(http_requests_total{job="web"}[{{.window}}]))"#;
    let sloop = format!(
        r#"apiVersion: sloop/v1
service: web
slos:
  - name: availability
    target: 99
    window: 30d
    ratio:
      bad: sum(rate(http_requests_total{{job="web",code=~"5.."}}[{{{{.window}}}}]))
      total: {total}
  - name: latency
    target: 90
    window: 30d
    latency: {{ metric: http_request_duration_seconds, selector: {{ job: web }}, le: "0.25" }}
  - name: latency-inf
    target: 90
    window: 30d
    latency: {{ metric: http_request_duration_seconds, selector: {{ job: web }}, threshold: 1s, total: inf }}
  - name: no-gateway-timeouts
    target: 99
    window: 30d
    ratio:
      bad: sum(rate(http_requests_total{{job="web",code="504"}}[{{{{.window}}}}]))
      total: {total}
  - name: no-successes
    target: 99
    window: 30d
    ratio:
      good: sum(rate(http_requests_total{{job="web",code="299"}}[{{{{.window}}}}]))
      total: {total}
  - name: bad-join
    target: 99
    window: 30d
    ratio:
      bad: sum(rate(http_requests_total{{job="web"}}[{{{{.window}}}}]) + on(job) rate(http_requests_total{{job="web"}}[{{{{.window}}}}]))
      total: {total}
"#
    );
    let openslo = r#"apiVersion: openslo/v1
kind: SLO
metadata:
  name: good-requests
spec:
  service: web
  indicator:
    metadata:
      name: web-good-requests
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{job="web",code!~"5.."}[5m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{job="web"}[5m]))
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
"#;
    let pyrra = r#"apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: pyrra-errors
  labels:
    pyrra.dev/service: web
spec:
  target: "99"
  window: 4w
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="web",code=~"5.."}
      total:
        metric: http_requests_total{job="web"}
---
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: pyrra-latency
  labels:
    pyrra.dev/service: web
spec:
  target: "95"
  window: 4w
  indicator:
    latency:
      success:
        metric: http_request_duration_seconds_bucket{job="web",le="0.25"}
      total:
        metric: http_request_duration_seconds_count{job="web"}
"#;
    vec![
        SourceFile::new("web.yaml", sloop),
        SourceFile::new("web-openslo.yaml", openslo),
        SourceFile::new("web-pyrra.yaml", pyrra),
    ]
}

/// What an objective should count, from the scenario's truth.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Non-5xx requests over all requests.
    Requests,
    /// Requests within this bound, over all requests.
    Within(f64),
    /// No bad series: every request is good.
    AllGood,
    /// No good series: every request is bad.
    AllBad,
}

/// The objectives whose counts are checked, and what each counts.
const EXACT: [(&str, Expect); 8] = [
    ("availability", Expect::Requests),
    ("good-requests", Expect::Requests),
    ("pyrra-errors", Expect::Requests),
    ("latency", Expect::Within(0.25)),
    ("latency-inf", Expect::Within(1.0)),
    ("pyrra-latency", Expect::Within(0.25)),
    ("no-gateway-timeouts", Expect::AllGood),
    ("no-successes", Expect::AllBad),
];

struct Check<'a> {
    provider: &'a PrometheusProvider,
    scenario: &'a Scenario,
    objectives: Vec<Objective>,
    /// How many intervals were compared.
    compared: Cell<usize>,
}

impl Check<'_> {
    fn objective(&self, name: &str) -> &Objective {
        self.objectives.iter().find(|o| o.name == name).unwrap_or_else(|| panic!("no objective {name}"))
    }

    /// The exact counts of `(from, to]`: `None` outside the data, which
    /// only intervals entirely outside it are asked for.
    fn expected(&self, expect: Expect, from: i64, to: i64) -> Option<Counts> {
        if from < self.scenario.start() || to > self.scenario.end() {
            assert!(to <= self.scenario.start() || from >= self.scenario.end(), "({from}, {to}] straddles an edge");
            return None;
        }
        let truth = |t: &Truth| t.counts(to, to - from);
        let all = truth(self.scenario.truth(JOB).unwrap());
        let good = match expect {
            Expect::Requests => all.good,
            Expect::Within(le) => truth(self.scenario.latency_truth(JOB, le).unwrap()).good,
            Expect::AllGood => all.total,
            Expect::AllBad => 0,
        };
        Some(Counts::new(good as f64, all.total as f64).unwrap())
    }

    /// Fetches `range` for `name` and compares every interval with the truth.
    async fn exact(&self, name: &str, expect: Expect, range: Range) -> Vec<IntervalCounts> {
        let got = self.provider.fetch(self.objective(name), range).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got.len(), range.len(), "{name}: one answer per interval");
        let mut wrong = Vec::new();
        for (i, (got, to)) in got.iter().zip(range.ends()).enumerate() {
            assert_eq!((got.from, got.to), (to - range.step, to), "{name}: interval {i}");
            let want = self.expected(expect, got.from, got.to);
            if got.counts != want {
                wrong.push(format!("({}, {}]: got {:?}, want {want:?}", got.from, got.to, got.counts));
            }
        }
        assert!(wrong.is_empty(), "{name}: {} of {} intervals wrong:\n{}", wrong.len(), range.len(), wrong.join("\n"));
        self.compared.set(self.compared.get() + got.len());
        got
    }
}

#[tokio::test]
async fn counts_equal_the_truth_to_the_event() {
    if !Prometheus::required_by("counts_equal_the_truth_to_the_event") {
        return;
    }
    // Ten days ago at midnight UTC, so that days are whole intervals.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let start = now.div_euclid(DAY) * DAY - 10 * DAY;
    let scenario = scenario(start);
    let data = tempfile::tempdir().unwrap();
    backfill_scenario(&scenario, data.path()).unwrap();
    let prom = Prometheus::start(StartOptions::new(data.path())).unwrap();
    let provider = PrometheusProvider::new(PrometheusConfig::new(prom.url())).unwrap();
    let loaded = sloop_core::spec::load(&manifests()).unwrap();
    let clock = Instant::now();
    let check = Check {
        provider: &provider,
        scenario: &scenario,
        objectives: loaded.manifest.objectives,
        compared: Cell::new(0),
    };
    let at = |offset: i64| start + offset;

    // Minutes across the outage and the first reset, then across the
    // scenario's start: the hour before it has no data (not zero).
    let outage = Range { from: at(OUTAGE_AT - HOUR), to: at(RESETS[0] + HOUR), step: MINUTE };
    let edge = Range { from: at(-HOUR), to: at(HOUR), step: MINUTE };
    for (name, expect) in EXACT {
        check.exact(name, expect, outage).await;
        let got = check.exact(name, expect, edge).await;
        assert!(got[..60].iter().all(|c| c.counts.is_none()) && got[60..].iter().all(|c| c.counts.is_some()));
    }
    // The outage: every request failed, and there was traffic.
    let minutes = check.exact("availability", Expect::Requests, outage).await;
    let during: Counts = minutes[60..90].iter().filter_map(|c| c.counts).sum();
    assert!(during.total() > 0.0 && during.good() == 0.0, "{during:?}");

    // Single hours and a single day: instant queries. Their sums equal the minutes'.
    for name in ["availability", "good-requests", "latency", "latency-inf"] {
        let expect = EXACT.iter().find(|e| e.0 == name).unwrap().1;
        for offset in [OUTAGE_AT + HOUR, RESETS[0] + 53 * MINUTE, RESETS[1] + HOUR, 7 * DAY] {
            check.exact(name, expect, Range::single(at(offset - HOUR), at(offset))).await;
        }
        let day = check.exact(name, expect, Range::single(at(2 * DAY), at(3 * DAY))).await;
        let minutes = check.exact(name, expect, Range { from: at(2 * DAY), to: at(3 * DAY), step: MINUTE }).await;
        let sum: Counts = minutes.iter().filter_map(|c| c.counts).sum();
        assert_eq!(Some(sum), day[0].counts, "{name}: the day is the sum of its minutes");
        check.exact(name, expect, Range { from: at(0), to: at(DAYS * DAY), step: HOUR }).await;
    }

    // Every minute at once: 11,520 intervals, more than one range query may hold.
    let all = Range { from: at(0), to: at(DAYS * DAY), step: MINUTE };
    assert!(all.len() > 11_000);
    for (name, expect) in [("availability", Expect::Requests), ("latency", Expect::Within(0.25))] {
        let got = check.exact(name, expect, all).await;
        let sum: Counts = got.iter().filter_map(|c| c.counts).sum();
        let truth = scenario.truth(JOB).unwrap().all();
        assert_eq!(sum.total(), truth.total as f64);
    }

    // A query Prometheus refuses: its own message, and the query as sent.
    let bad_join = check.objective("bad-join");
    match provider.fetch(bad_join, Range::single(at(DAY), at(DAY + HOUR))).await {
        Err(ProviderError::Query { provider, objective, query, message }) => {
            assert_eq!((provider.as_str(), objective.as_str()), ("prometheus", "web/bad-join"));
            assert!(message.contains("many-to-many matching not allowed"), "{message}");
            assert!(query.contains(r#"increase(http_requests_total{job="web"}[1h]) + on"#), "{query}");
            assert!(!query.contains("rate("), "{query}");
        }
        other => panic!("{other:?}"),
    }
    eprintln!("{} intervals equal to the truth, fetched in {:.2?}", check.compared.get(), clock.elapsed());
}
