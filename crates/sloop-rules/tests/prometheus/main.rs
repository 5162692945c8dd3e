//! The generated rules, evaluated by a real Prometheus 2.42 on a month of
//! synthetic traffic, against the exact truth.
//!
//! 1. [`scenario::build`]: 31 days of per-minute counters for two SLOs,
//!    ending ~20 minutes after now, backfilled into a fresh TSDB.
//! 2. sloop's backfill plan: Prometheus serves the raw series while
//!    `promtool tsdb create-blocks-from rules` evaluates the base recordings
//!    over the last 30 days and an hour; the blocks join the TSDB.
//! 3. Prometheus restarts with all the generated rules and evaluates each
//!    group three times. Every rule must be healthy, and every live sample:
//!    - raw windows (5m, 30m, 1h) and the current burn rate: equal to the
//!      truth at the sample's own timestamp (1e-9 relative);
//!    - base rates, recorded windows (2h to 30d), budget left, period burn
//!      rate: equal to what the design computes ([`model`], 1e-9);
//!    - recorded windows and budget left: near the truth ([`edge_bound`],
//!      0.001 (0.1 percentage point) for the budget);
//!    - firing alerts: exactly the pairs whose two burn rates reach their
//!      thresholds in truth.
//!
//! Truth at a rule's timestamp is [`Truth::counts_prometheus`]: the minutes
//! whose both edges lie in the window. Rules are evaluated off the minute,
//! where [`Truth::counts`] would also count the minute straddling the
//! window's start, which no `rate()` sees; for 30d the two differ by about
//! 6e-6 in budget left, far under the tolerance.
//!
//! Everything listens on 127.0.0.1; Prometheus stops on drop. It needs
//! `prometheus` and `promtool` (`scripts/test.sh` installs them); without
//! them the test fails unless `SLOOP_SKIP_PROMETHEUS` is set. About 7
//! minutes, mostly waiting for three evaluations of the 2m30s group. Run
//! with `--nocapture` to see the measured errors.

mod live;
mod model;
mod scenario;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use sloop_core::Duration;
use sloop_core::source::SourceFile;
use sloop_rules::backfill::{Plan, base_groups};
use sloop_rules::{Options, Renderer, Target, generate};
use sloop_testkit::prometheus::{Prometheus, StartOptions, backfill_scenario};
use sloop_testkit::synthetic::{DAY, HOUR, MINUTE, Scenario, Truth};

use model::{Base, Counters};
use scenario::{BUDGET, SERVICE, SLOS, Slo};

/// The raw blocks reach into the future, and Prometheus' head refuses
/// in-order samples older than the newest block ("out of bounds", dropped
/// with a mere warning): live rule samples need the out-of-order window.
const OUT_OF_ORDER: &str = "storage:\n  tsdb:\n    out_of_order_time_window: 2h";

/// The standard pairs of a 30d window: label, long and short windows,
/// threshold, and whether the short group (every 30s) evaluates it.
const PAIRS: [(&str, i64, i64, f64, bool); 4] = [
    ("1h/5m", HOUR, 5 * MINUTE, 14.4, true),
    ("6h/30m", 6 * HOUR, 30 * MINUTE, 6.0, false),
    ("1d/2h", DAY, 2 * HOUR, 3.0, false),
    ("3d/6h", 3 * DAY, 6 * HOUR, 1.0, false),
];

#[test]
fn generated_rules_are_exact_against_a_real_prometheus() {
    if !Prometheus::required_by("generated_rules_are_exact_against_a_real_prometheus") {
        return;
    }
    let clock = Instant::now();
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prometheus-e2e");
    let _ = std::fs::remove_dir_all(&work);
    let (data, blocks) = (work.join("data"), work.join("backfill"));

    let now = unix_now().floor() as i64;
    let scenario = scenario::build(now);
    let loaded = sloop_core::spec::load(&[SourceFile::new("shop.yaml", scenario::manifest())]).unwrap();
    let generated = generate(&loaded.manifest, &Options::default());
    assert_eq!(model::BASE_RANGE_S as u64, Options::default().base_range().as_secs(), "the model follows the rules");
    assert!(generated.skipped.is_empty() && generated.slos.len() == 2, "{:#?}", generated.skipped);
    backfill_scenario(&scenario, &data).unwrap();
    let raw_done = clock.elapsed();

    // sloop's backfill plan, run as its script says, against the raw series.
    let base_file = work.join("base.rules.yaml");
    let base = base_groups(&generated);
    std::fs::write(&base_file, Target::Prometheus.render(&base.iter().collect::<Vec<_>>(), "base")).unwrap();
    let plan = {
        let prom = Prometheus::start(StartOptions::new(&data)).unwrap();
        let interval = Duration::from_secs(150);
        let plan = Plan::new(now, Duration::from_days(30), interval, &path(&base_file), &prom.url(), &path(&blocks));
        // sloop's plan exactly as `generate prometheus --backfill-plan` runs it. (Its block
        // size stays under Prometheus' 11,000 points per range query: see Plan::max_block_hours.)
        let args = plan.promtool_args();
        let (ok, log) = promtool(&args, &blocks);
        assert!(ok, "promtool {args:?} failed:\n{log}");
        plan
    };
    for block in std::fs::read_dir(&blocks).unwrap() {
        let block = block.unwrap();
        std::fs::rename(block.path(), data.join(block.file_name())).unwrap();
    }
    let backfill_done = clock.elapsed();

    let rules = work.join("shop.rules.yaml");
    std::fs::write(&rules, Target::Prometheus.render(&generated.groups().collect::<Vec<_>>(), "e2e")).unwrap();
    let from = unix_now();
    let prom = Prometheus::start(StartOptions::new(&data).rule_file(&rules).config_extra(OUT_OF_ORDER)).unwrap();
    for g in prom.wait_for_rule_evaluations(3).unwrap() {
        for r in &g.rules {
            assert!(
                r.health == "ok" && r.last_error.is_none(),
                "{}/{}: {} {:?}",
                g.name,
                r.name,
                r.health,
                r.last_error
            );
        }
    }
    let evaluated = clock.elapsed();

    let mut stats = Stats::default();
    let mut expected = BTreeSet::new();
    let mut markers = Vec::new();
    for slo in SLOS {
        // Prometheus stamps a group's first evaluation with its latest slot,
        // up to one interval before it started: live samples are those after
        // the last backfilled one, not those after `from`.
        let last_backfilled = plan.start + (plan.end - plan.start) / 150 * 150;
        let live_from = from.min(last_backfilled as f64 + 0.001);
        let check = SloCheck {
            prom: &prom,
            slo,
            truth: scenario.truth(slo.job).unwrap(),
            scenario: &scenario,
            from: live_from,
        };
        check.raw_windows(&mut stats);
        check.long_windows(&mut stats, &plan);
        expected.extend(check.alerts());
        // The short group's last ratio, and the long group's budget left
        // (recorded after its alerts): their evaluations' alerts are in place.
        markers.extend(
            ["sloop:slo_error_ratio:rate1h", "sloop:slo_error_budget_remaining:ratio"].map(|m| check.selector(m)),
        );
    }
    stats.print();
    // The alerts, read between two identical views of the last evaluations.
    let marks = || markers.iter().map(|m| live::latest(&prom, m, unix_now()).unwrap().0).collect::<Vec<_>>();
    let alerts = loop {
        let before = marks();
        let alerts = prom.alerts().unwrap();
        if before == marks() {
            break alerts;
        }
    };
    let firing: BTreeSet<(String, String)> = alerts
        .iter()
        .map(|a| {
            assert_eq!((a.state.as_str(), a.labels["alertname"].as_str()), ("firing", "SLOErrorBudgetBurn"), "{a:?}");
            (a.labels["sloop_slo"].clone(), a.labels["sloop_windows"].clone())
        })
        .collect();
    eprintln!("firing: {firing:?}");
    assert_eq!(firing, expected, "firing alerts (slo, pair) vs truth");
    assert!(!firing.is_empty() && firing.len() < SLOS.len() * PAIRS.len(), "some pairs must fire, others not");
    assert!(stats.failures.is_empty(), "{} mismatches:\n{}", stats.failures.len(), stats.failures.join("\n"));
    eprintln!(
        "time: raw backfill {:.1}s, base backfill {:.1}s, three evaluations {:.1}s, total {:.1}s",
        raw_done.as_secs_f64(),
        (backfill_done - raw_done).as_secs_f64(),
        (evaluated - backfill_done).as_secs_f64(),
        clock.elapsed().as_secs_f64()
    );
    drop(prom);
    let _ = std::fs::remove_dir_all(&work);
}

/// The checks of one SLO.
struct SloCheck<'a> {
    prom: &'a Prometheus,
    slo: Slo,
    truth: &'a Truth,
    scenario: &'a Scenario,
    /// When the rules started being evaluated (unix seconds).
    from: f64,
}

impl SloCheck<'_> {
    fn selector(&self, metric: &str) -> String {
        format!("{metric}{{sloop_service=\"{SERVICE}\", sloop_slo=\"{}\"}}", self.slo.name)
    }

    /// The live samples of `metric`: at least two (the long group's first
    /// evaluation may precede the short group's, and then has no current
    /// burn rate).
    fn samples(&self, metric: &str) -> Vec<(i64, f64)> {
        let got = live::samples(self.prom, &self.selector(metric), self.from, unix_now(), 1.0);
        assert!(got.len() >= 2, "{metric} of {}: only {} live samples", self.slo.name, got.len());
        got
    }

    /// The true error ratio of the window `w` ending at `t_ms`.
    fn truth(&self, t_ms: i64, w: i64) -> f64 {
        self.truth.counts_prometheus(t_ms as f64 / 1000.0, w).error_ratio().expect("traffic")
    }

    /// 5m, 1h (short group) and 30m (long group) read the raw counters.
    fn raw_windows(&self, stats: &mut Stats) {
        let mut five = Vec::new();
        for (w, name) in [(5 * MINUTE, "5m"), (30 * MINUTE, "30m"), (HOUR, "1h")] {
            for (t, got) in self.samples(&format!("sloop:slo_error_ratio:rate{name}")) {
                // The ratio equals the truth's when all series get one extrapolation factor.
                let common = self.scenario.prometheus_extrapolation(self.slo.job, t as f64 / 1000.0, w);
                assert!(common.is_some(), "{name} at {t}: the series do not share one extrapolation");
                stats.exact(&format!("rate{name} (raw) vs truth"), got, self.truth(t, w), t);
                if w == 5 * MINUTE {
                    five.push((t, got));
                }
            }
        }
        for (t, got) in self.samples("sloop:slo_burn_rate:current") {
            // The short group may be evaluating the same instant: the long
            // group reads one of the two latest 5m samples.
            let recent: Vec<_> = five.iter().rev().filter(|s| s.0 <= t).take(2).collect();
            let read = recent.iter().find(|s| (s.1 / BUDGET - got).abs() <= 1e-9 * got);
            let (t5, _) = read.unwrap_or_else(|| panic!("burn rate {got} at {t}: not one of {recent:?} / {BUDGET}"));
            stats.exact("burn rate current vs truth", got, self.truth(*t5, 5 * MINUTE) / BUDGET, *t5);
        }
    }

    /// 2h to 30d sum the base recordings, backfilled and live: each of
    /// those must be exact first.
    fn long_windows(&self, stats: &mut Stats, plan: &Plan) {
        let counters = Counters::new(self.scenario, self.slo.job);
        let mut base = Vec::new();
        let mut junction = (0, 0);
        for (metric, bad) in [("sloop:slo_events:rate", false), ("sloop:slo_bad_events:rate", true)] {
            let sel = self.selector(metric);
            let backfilled = live::samples(self.prom, &sel, plan.start as f64, plan.end as f64, 150.0);
            let (first, last) = (backfilled[0].0, backfilled[backfilled.len() - 1].0);
            assert!(first >= plan.start * 1000 && first < plan.start * 1000 + 150_000, "{metric} from {first}");
            let live = self.samples(metric);
            junction = (last, live[0].0);
            let gaps = backfilled.windows(2).filter(|w| w[1].0 - w[0].0 != 150_000).count();
            let (n, after) = (backfilled.len(), (live[0].0 - last) as f64 / 1e3);
            eprintln!(
                "{} {metric}: {n} backfilled ({gaps} irregular steps), live from {after:.1}s later",
                self.slo.name
            );
            for (t, got) in backfilled.iter().chain(&live) {
                let (b, total) = counters.rates(*t, model::BASE_RANGE_S);
                stats.exact(&format!("{metric} vs model"), *got, if bad { b } else { total.unwrap() }, *t);
            }
            let times: Vec<i64> = backfilled.iter().chain(&live).map(|s| s.0).collect();
            assert!(base.is_empty() || base == times, "the two base series were evaluated at different times");
            base = times;
        }
        let base = Base::new(&counters, &base);
        let mut window30d = BTreeMap::new();
        for (w, name) in [(2 * HOUR, "2h"), (6 * HOUR, "6h"), (DAY, "1d"), (3 * DAY, "3d"), (30 * DAY, "30d")] {
            for (t, got) in self.samples(&format!("sloop:slo_error_ratio:rate{name}")) {
                stats.exact(&format!("rate{name} vs model"), got, base.ratio(t, w), t);
                let bound = edge_bound(self.truth, t, w, junction);
                stats.within(&format!("rate{name} vs truth"), got, self.truth(t, w), bound, t);
                if w == 30 * DAY {
                    window30d.insert(t, got);
                }
            }
        }
        for (t, got) in self.samples("sloop:slo_error_budget_remaining:ratio") {
            stats.exact("budget left vs model", got, 1.0 - base.ratio(t, 30 * DAY) / BUDGET, t);
            let want = 1.0 - self.truth(t, 30 * DAY) / BUDGET;
            stats.within("budget left vs truth", got, want, 0.001, t);
            let aligned = self.truth.counts(t.div_euclid(1000), 30 * DAY).error_ratio().unwrap();
            stats.within("budget left: truth by counts vs counts_prometheus", 1.0 - aligned / BUDGET, want, 1e-4, t);
        }
        for (t, got) in self.samples("sloop:slo_burn_rate:period") {
            stats.exact("burn rate period vs 30d ratio", got, window30d[&t] / BUDGET, t);
        }
        for (t, got) in self.samples("sloop:slo_window_coverage:ratio") {
            stats.exact("window coverage", got, 1.0, t);
        }
    }

    /// The pairs that fire in truth at the groups' last evaluations.
    fn alerts(&self) -> Vec<(String, String)> {
        let at = |metric: &str| live::latest(self.prom, &self.selector(metric), unix_now()).unwrap().0;
        let (short, long) = (at("sloop:slo_error_ratio:rate1h"), at("sloop:slo_error_budget_remaining:ratio"));
        let mut expected = Vec::new();
        for (pair, long_w, short_w, threshold, in_short) in PAIRS {
            let (t, interval) = if in_short { (short, 30_000) } else { (long, 150_000) };
            // At this and the previous evaluation: the same answer, 25 % away
            // from the threshold, so neither the smear of the long windows
            // nor an evaluation during the read can change it.
            let fires = [t, t - interval].map(|t| {
                let burn = [long_w, short_w].map(|w| self.truth(t, w) / BUDGET);
                let (fires, low) = (burn.iter().all(|b| *b >= threshold), burn[0].min(burn[1]));
                let margin = if fires { low / threshold } else { threshold / low };
                assert!(margin > 1.25, "{} {pair}: burn rates {burn:?} too close to {threshold}", self.slo.name);
                fires
            });
            assert_eq!(fires[0], fires[1]);
            let burn = [long_w, short_w].map(|w| self.truth(t, w) / BUDGET);
            eprintln!("{} {pair}: burn rates {burn:.2?}, threshold {threshold}: fires {}", self.slo.name, fires[0]);
            if fires[0] {
                expected.push((self.slo.name.to_string(), pair.to_string()));
            }
        }
        expected
    }
}

/// How far, by design, a recorded window may be from the truth (absolute).
///
/// Base samples come every 150 s; each is `rate(x[6m])` (2 × 150 s + the
/// 1m scrape), which, with one counter sample a minute and evaluated off the
/// minute, counts the five whole minutes before it: every minute inside the
/// window is counted exactly twice. `sum_over_time(...[w])` adds the samples
/// in `[t − w, t]` (both ends: Prometheus 2 ranges are closed, so the oldest
/// sample adds minutes before `t − w`). So minutes up to six before either
/// edge, and around the gap or overlap where live evaluation takes over from
/// the backfill, weigh anywhere from 0 to 1.25 of the nominal weight. The
/// bound counts the events of those zones with that weight.
///
/// (With a plain 5m range, 150 s steps over four-minute spans covered minutes
/// 2, 2, 2, 1, 1 times, and this test measured 30d budgets 0.004 off.)
fn edge_bound(truth: &Truth, t_ms: i64, w: i64, (last, first): (i64, i64)) -> f64 {
    let t = t_ms as f64 / 1000.0;
    let all = truth.counts_prometheus(t, w);
    let junction = truth.counts_prometheus(first as f64 / 1000.0 + 60.0, (first - last) / 1000 + 7 * MINUTE);
    let zones =
        truth.counts_prometheus(t, 7 * MINUTE) + truth.counts_prometheus(t - w as f64 + 420.0, 14 * MINUTE) + junction;
    let (bad, total) = (1.25 * zones.bad() as f64, 1.25 * zones.total as f64);
    (bad + all.error_ratio().unwrap() * total) / (all.total as f64 - total)
}

/// Every comparison's largest error, and what failed.
#[derive(Default)]
struct Stats {
    /// Quantity → (samples, max abs error, max rel error, max error / tolerance).
    max: BTreeMap<String, (usize, f64, f64, f64)>,
    failures: Vec<String>,
}

impl Stats {
    /// `got` must equal `want` to 1e-9 relative.
    fn exact(&mut self, what: &str, got: f64, want: f64, t: i64) {
        self.record(what, got, want, 1e-9 * want.abs().max(1e-6), t);
    }

    /// `got` must be within `tolerance` of `want`.
    fn within(&mut self, what: &str, got: f64, want: f64, tolerance: f64, t: i64) {
        self.record(what, got, want, tolerance, t);
    }

    fn record(&mut self, what: &str, got: f64, want: f64, tolerance: f64, t: i64) {
        let e = self.max.entry(what.to_string()).or_default();
        let abs = (got - want).abs();
        *e = (e.0 + 1, e.1.max(abs), e.2.max(abs / want.abs()), e.3.max(abs / tolerance));
        if abs.is_nan() || abs > tolerance {
            self.failures.push(format!("{what} at {t} ms: got {got}, want {want}, off by {abs:.3e} > {tolerance:.3e}"));
        }
    }

    fn print(&self) {
        for (what, (n, abs, rel, tol)) in &self.max {
            eprintln!("{what:<52}{n:>3} samples  max abs {abs:.2e}  rel {rel:.2e}  of tolerance {tol:.2}");
        }
    }
}

/// Runs promtool into an emptied `out`: whether it succeeded, and its output.
fn promtool(args: &[String], out: &Path) -> (bool, String) {
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).unwrap();
    let run = Command::new("promtool").args(args).output().unwrap();
    (run.status.success(), format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr)))
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
