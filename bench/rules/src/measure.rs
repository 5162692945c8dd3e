//! One measured run: a fresh Prometheus on a snapshot of the recorder's
//! data, with one rule set, scraping the live endpoint.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sloop_testkit::prometheus::{Prometheus, StartOptions};
use sloop_testkit::synthetic::{DAY, Scenario};

use crate::http;
use crate::rulesets::{self, Set};
use crate::traffic::job;
use crate::tsdb;

/// The SLOs' error budget, as a fraction of events.
const BUDGET: f64 = 0.001;

/// How a run is timed.
#[derive(Debug, Clone)]
pub(crate) struct Timing {
    /// From the server's start to the first measurement.
    pub(crate) warmup: Duration,
    /// The measurement window.
    pub(crate) measure: Duration,
    /// Between two reads of `/metrics`.
    pub(crate) poll: Duration,
    /// Prometheus' global evaluation interval (groups without their own).
    pub(crate) eval_interval: Duration,
}

/// The scrape configuration for the live endpoint.
pub(crate) fn scrape_config(live: SocketAddr) -> String {
    format!(
        "scrape_configs:\n  - job_name: live\n    scrape_interval: 15s\n    scrape_timeout: 10s\n    \
         honor_labels: true\n    static_configs:\n      - targets: [\"{live}\"]\n    metric_relabel_configs:\n      \
         - action: labeldrop\n        regex: instance\n"
    )
}

/// One group's figures over the window.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GroupStat {
    /// The SLO it belongs to (`svc-NN`).
    pub(crate) service: Option<String>,
    /// Its interval, seconds.
    pub(crate) interval: f64,
    /// The median of `prometheus_rule_group_last_duration_seconds` over the scrapes.
    pub(crate) median_duration: f64,
    /// How many scrapes saw it.
    pub(crate) scrapes: usize,
}

/// One SLO's 30-day error budget left, read and true.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Budget {
    /// `svc-NN`.
    pub(crate) service: String,
    /// The sample's timestamp, unix seconds.
    pub(crate) at: f64,
    /// What the rules say, as a fraction (1 = untouched).
    pub(crate) got: f64,
    /// The truth at `at`.
    pub(crate) truth: f64,
}

/// Everything measured in one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunResult {
    /// The rule set.
    pub(crate) set: String,
    /// Which repetition.
    pub(crate) repeat: usize,
    /// When the window started, unix seconds.
    pub(crate) started: f64,
    /// The window's length, seconds.
    pub(crate) window: f64,
    /// The 1-minute load average just before the start.
    pub(crate) load_before: f64,
    /// Per group.
    pub(crate) groups: BTreeMap<String, GroupStat>,
    /// `process_cpu_seconds_total` of the measured Prometheus over the window.
    pub(crate) cpu_seconds: f64,
    /// CPU seconds used by the whole machine over the window.
    pub(crate) machine_cpu_seconds: f64,
    /// Head series at the end.
    pub(crate) head_series: u64,
    /// Series of the set's recorded metric names at the end.
    pub(crate) recorded_series: u64,
    /// `ALERTS` series at the end (pending or firing).
    pub(crate) alert_series: u64,
    /// Firing alerts at the end.
    pub(crate) firing: u64,
    /// Rule evaluation failures over the window.
    pub(crate) eval_failures: f64,
    /// Missed group iterations over the window.
    pub(crate) missed_iterations: f64,
    /// TSDB compactions over the window.
    pub(crate) compactions: f64,
    /// Rules whose last evaluation failed, with the error.
    pub(crate) rule_errors: Vec<String>,
    /// Budget left per SLO (empty for the baseline; for the baseline, the
    /// ad-hoc exact `increase()` ratio instead, to check the truth).
    pub(crate) budgets: Vec<Budget>,
}

impl RunResult {
    /// Group evaluation seconds per second of wall time, per SLO (mean
    /// over the SLOs): each group's median duration over its interval,
    /// summed over the SLO's groups.
    pub(crate) fn eval_load_per_slo(&self, slos: usize) -> f64 {
        let total: f64 =
            self.groups.values().filter(|g| g.service.is_some()).map(|g| g.median_duration / g.interval).sum();
        total / slos.max(1) as f64
    }

    /// The CPU used by everything but the measured Prometheus, in cores.
    pub(crate) fn background_cores(&self) -> f64 {
        (self.machine_cpu_seconds - self.cpu_seconds).max(0.0) / self.window
    }

    /// Absolute budget-left errors in percentage points, one per SLO.
    pub(crate) fn budget_errors_pp(&self) -> Vec<f64> {
        self.budgets.iter().map(|b| ((b.got - b.truth) * 100.0).abs()).collect()
    }
}

/// What a run needs besides its rule set.
#[derive(Debug)]
pub(crate) struct Env<'a> {
    /// The traffic (for the truth).
    pub(crate) scenario: &'a Scenario,
    /// SLOs.
    pub(crate) slos: usize,
    /// The recorder's API address and data directory (snapshots).
    pub(crate) recorder: (SocketAddr, PathBuf),
    /// The live endpoint.
    pub(crate) live: SocketAddr,
    /// Rule file per set.
    pub(crate) rule_files: BTreeMap<Set, PathBuf>,
    /// Where runs keep their data.
    pub(crate) runs_dir: PathBuf,
    /// Timing.
    pub(crate) timing: Timing,
}

/// The 1-minute load average.
pub(crate) fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// CPU seconds the whole machine has been busy (all cores), from /proc/stat.
fn machine_busy_seconds() -> f64 {
    let Ok(text) = std::fs::read_to_string("/proc/stat") else { return f64::NAN };
    let Some(line) = text.lines().find(|l| l.starts_with("cpu ")) else { return f64::NAN };
    let v: Vec<f64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest is inside user).
    let busy: f64 = v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, x)| x).sum();
    busy / 100.0
}

fn one(metrics: &BTreeMap<String, Vec<http::Metric>>, name: &str) -> f64 {
    metrics.get(name).map_or(0.0, |v| v.iter().map(|(_, x)| x).sum())
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Runs `set` once and returns what was measured.
pub(crate) fn run(env: &Env<'_>, set: Set, repeat: usize) -> Result<RunResult> {
    let load_before = load_average();
    let snap = tsdb::snapshot(env.recorder.0, &env.recorder.1)?;
    let dir = env.runs_dir.join(format!("{}-{repeat}", set.name()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&snap, &dir).with_context(|| format!("moving snapshot {}", snap.display()))?;
    let result = run_in(env, set, repeat, &dir, load_before);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(env: &Env<'_>, set: Set, repeat: usize, dir: &Path, load_before: f64) -> Result<RunResult> {
    let t = &env.timing;
    let mut options = StartOptions::new(dir).eval_interval(t.eval_interval).config_extra(scrape_config(env.live));
    options.ready_timeout = Duration::from_secs(300);
    if let Some(f) = env.rule_files.get(&set) {
        options = options.rule_file(f);
    }
    let prom = Prometheus::start(options).context("starting the measured Prometheus")?;
    let addr = prom.addr();
    // Warm up; then wait until no TSDB compaction has run for 65 s (they are
    // triggered every minute), so none falls inside the window.
    let begun = Instant::now();
    let mut compactions = f64::NAN;
    let mut changed = Instant::now();
    let quiet_deadline = begun + t.warmup + Duration::from_secs(600);
    loop {
        let now = one(&http::scrape(addr)?, "prometheus_tsdb_compactions_total");
        if now != compactions {
            compactions = now;
            changed = Instant::now();
        }
        // A running compaction writes a `<ulid>.tmp-for-creation` directory.
        let running = std::fs::read_dir(dir)
            .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".tmp-for-creation")))
            .unwrap_or(false);
        if running {
            changed = Instant::now();
        }
        let quiet = changed.elapsed() >= Duration::from_secs(65);
        if (begun.elapsed() >= t.warmup && quiet) || Instant::now() > quiet_deadline {
            break;
        }
        std::thread::sleep(Duration::from_secs(5));
    }
    // Every group must have run at least once before the window opens.
    let deadline = Instant::now() + Duration::from_secs(300);
    while prom.rules()?.iter().any(|g| g.last_evaluation.is_none()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(2));
    }

    let first = http::scrape(addr)?;
    let machine0 = machine_busy_seconds();
    let opened = Instant::now();
    let started = http::now_ms() as f64 / 1000.0;
    let mut durations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut intervals: BTreeMap<String, f64> = BTreeMap::new();
    let mut last = first.clone();
    loop {
        for (labels, v) in last.get("prometheus_rule_group_last_duration_seconds").into_iter().flatten() {
            if let Some(g) = labels.get("rule_group") {
                durations.entry(g.clone()).or_default().push(*v);
            }
        }
        for (labels, v) in last.get("prometheus_rule_group_interval_seconds").into_iter().flatten() {
            if let Some(g) = labels.get("rule_group") {
                intervals.insert(g.clone(), *v);
            }
        }
        if opened.elapsed() >= t.measure {
            break;
        }
        let next = t.poll.min(t.measure.saturating_sub(opened.elapsed()));
        std::thread::sleep(next);
        last = http::scrape(addr)?;
    }
    let machine1 = machine_busy_seconds();
    let window = opened.elapsed().as_secs_f64();
    let delta = |name: &str| one(&last, name) - one(&first, name);

    let groups = durations
        .into_iter()
        .map(|(key, mut v)| {
            let name = key.split_once(';').map_or(key.as_str(), |(_, g)| g).to_owned();
            let stat = GroupStat {
                service: rulesets::group_service(&name),
                interval: intervals.get(&key).copied().unwrap_or(f64::NAN),
                median_duration: median(&mut v),
                scrapes: v.len(),
            };
            (name, stat)
        })
        .collect();
    let rule_errors = prom
        .rules()?
        .iter()
        .flat_map(|g| {
            g.rules.iter().filter_map(|r| r.last_error.as_ref().map(|e| format!("{}/{}: {e}", g.name, r.name)))
        })
        .collect();
    let count = |q: &str| -> Result<u64> { Ok(prom.query_value(q, None)?.unwrap_or(0.0) as u64) };
    let recorded_series =
        if set == Set::Baseline { 0 } else { count(&format!("count({{__name__=~\"{}\"}})", set.recorded_names()))? };
    let alert_series = count("count(ALERTS)")?;
    let firing = count("count(ALERTS{alertstate=\"firing\"})")?;
    let head_series = prom.series_count()?;
    let budgets = budgets(env, &prom, set)?;
    Ok(RunResult {
        set: set.name().into(),
        repeat,
        started,
        window,
        load_before,
        groups,
        cpu_seconds: delta("process_cpu_seconds_total"),
        machine_cpu_seconds: machine1 - machine0,
        head_series,
        recorded_series,
        alert_series,
        firing,
        eval_failures: delta("prometheus_rule_evaluation_failures_total"),
        missed_iterations: delta("prometheus_rule_group_iterations_missed_total"),
        compactions: delta("prometheus_tsdb_compactions_total"),
        rule_errors,
        budgets,
    })
}

/// The truth's budget left for `job` at `at`.
fn truth(scenario: &Scenario, job: &str, at: f64) -> Option<f64> {
    let counts = scenario.truth(job)?.counts_prometheus(at, 30 * DAY);
    counts.error_ratio().map(|r| 1.0 - r / BUDGET)
}

fn budgets(env: &Env<'_>, prom: &Prometheus, set: Set) -> Result<Vec<Budget>> {
    let at = http::now_ms() as f64 / 1000.0 - 1.0;
    let mut out = Vec::new();
    let recorded = |metric: &str, label: &str| -> Result<Vec<Budget>> {
        let values = prom.query(metric, Some(at))?;
        let stamps = prom.query(&format!("timestamp({metric})"), Some(at))?;
        let mut out = Vec::new();
        for v in values {
            let Some(service) = v.labels.get(label) else { continue };
            let Some(ts) = stamps.iter().find(|s| s.labels.get(label) == Some(service)) else { continue };
            if let Some(truth) = truth(env.scenario, service, ts.value) {
                out.push(Budget { service: service.clone(), at: ts.value, got: v.value, truth });
            }
        }
        Ok(out)
    };
    match set {
        Set::Sloop => out = recorded("sloop:slo_error_budget_remaining:ratio", "sloop_service")?,
        Set::Sloth => out = recorded("slo:period_error_budget_remaining:ratio", "sloth_service")?,
        Set::Pyrra => {
            for i in 0..env.slos {
                let j = job(i);
                let slo = format!("{j}-{}", rulesets::SLO);
                let stamp = prom.query_value(
                    &format!("max(timestamp(http_requests:increase30d{{job=\"{j}\",slo=\"{slo}\"}}))"),
                    Some(at),
                )?;
                let Some(ts) = stamp else { continue };
                if let (Some(got), Some(truth)) =
                    (prom.query_value(&rulesets::pyrra_budget_query(&j), Some(ts))?, truth(env.scenario, &j, ts))
                {
                    out.push(Budget { service: j, at: ts, got, truth });
                }
            }
        }
        Set::Baseline => {
            // The exact ratio of increases, ad hoc: checks the truth itself.
            for i in 0..env.slos {
                let j = job(i);
                let q = format!(
                    "1 - (sum(increase(http_requests_total{{job=\"{j}\",code=~\"5..\"}}[30d])) or vector(0)) / \
                     sum(increase(http_requests_total{{job=\"{j}\"}}[30d])) / {BUDGET}"
                );
                if let (Some(got), Some(truth)) = (prom.query_value(&q, Some(at))?, truth(env.scenario, &j, at)) {
                    out.push(Budget { service: j, at, got, truth });
                }
            }
        }
    }
    Ok(out)
}
