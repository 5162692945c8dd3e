//! Medians over the repetitions, and the tables.

use std::fmt::Write as _;

use crate::measure::RunResult;
use crate::rulesets::Set;

/// One rule set's medians over its runs.
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    /// The set.
    pub(crate) set: Set,
    /// Runs summarised.
    pub(crate) runs: usize,
    /// Group evaluation seconds per second, per SLO.
    pub(crate) eval_per_slo: f64,
    /// `process_cpu_seconds_total` per second (cores).
    pub(crate) cpu: f64,
    /// The same minus the baseline's median.
    pub(crate) cpu_over_baseline: f64,
    /// Recorded series (all SLOs).
    pub(crate) recorded: u64,
    /// Head series.
    pub(crate) head: u64,
    /// Median over SLOs of the absolute budget-left error (pp), median over runs.
    pub(crate) err_median: f64,
    /// Largest absolute budget-left error (pp) over SLOs and runs.
    pub(crate) err_max: f64,
    /// Missed iterations and failed evaluations, summed over the runs.
    pub(crate) missed: f64,
    /// Failed evaluations, summed over the runs.
    pub(crate) failures: f64,
    /// Background CPU (cores), largest over the runs.
    pub(crate) background_max: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

/// Summarises every set that has runs.
pub(crate) fn summarise(results: &[RunResult], slos: usize) -> Vec<Summary> {
    let runs_of = |s: Set| results.iter().filter(move |r| r.set == s.name());
    let baseline_cpu = median(runs_of(Set::Baseline).map(|r| r.cpu_seconds / r.window).collect());
    Set::ALL
        .iter()
        .filter(|s| runs_of(**s).next().is_some())
        .map(|&set| {
            let runs: Vec<&RunResult> = runs_of(set).collect();
            let cpu = median(runs.iter().map(|r| r.cpu_seconds / r.window).collect());
            Summary {
                set,
                runs: runs.len(),
                eval_per_slo: median(runs.iter().map(|r| r.eval_load_per_slo(slos)).collect()),
                cpu,
                cpu_over_baseline: if baseline_cpu.is_finite() { cpu - baseline_cpu } else { f64::NAN },
                recorded: median(runs.iter().map(|r| r.recorded_series as f64).collect()) as u64,
                head: median(runs.iter().map(|r| r.head_series as f64).collect()) as u64,
                err_median: median(runs.iter().map(|r| median(r.budget_errors_pp())).collect()),
                err_max: runs.iter().flat_map(|r| r.budget_errors_pp()).fold(f64::NAN, f64::max),
                missed: runs.iter().map(|r| r.missed_iterations).sum(),
                failures: runs.iter().map(|r| r.eval_failures).sum(),
                background_max: runs.iter().map(|r| r.background_cores()).fold(f64::NAN, f64::max),
            }
        })
        .collect()
}

fn label(set: Set) -> &'static str {
    match set {
        Set::Baseline => "baseline (no rules)",
        Set::Sloop => "sloop",
        Set::Sloth => "Sloth-shaped",
        Set::Pyrra => "Pyrra-shaped",
    }
}

fn fmt(x: f64, digits: usize) -> String {
    if x.is_finite() { format!("{x:.digits$}") } else { "–".into() }
}

fn ratio(a: f64, b: f64) -> String {
    if a.is_finite() && b.is_finite() && b > 0.0 { format!("{:.3}", a / b) } else { "–".into() }
}

/// The results as a Markdown table, with the ratios underneath.
pub(crate) fn markdown(summaries: &[Summary], slos: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| Rule set | Runs | Rule-group evaluation per SLO (ms per s) | Prometheus CPU (cores) | CPU above baseline \
         (cores) | Recorded series (per SLO) | Head series | 30d budget-left error vs truth, median / max (pp) | \
         Missed iterations / failed evaluations |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for s in summaries {
        let err = if s.err_median.is_finite() {
            format!("{} / {}", fmt(s.err_median, 3), fmt(s.err_max, 3))
        } else {
            "–".into()
        };
        let err = if s.set == Set::Baseline && s.err_median.is_finite() { format!("({err})¹") } else { err };
        let eval = if s.set == Set::Baseline { "–".into() } else { fmt(s.eval_per_slo * 1000.0, 3) };
        let _ = writeln!(
            out,
            "| {} | {} | {eval} | {} | {} | {} ({}) | {} | {err} | {} / {} |",
            label(s.set),
            s.runs,
            fmt(s.cpu, 4),
            if s.set == Set::Baseline { "0".into() } else { fmt(s.cpu_over_baseline, 4) },
            s.recorded,
            fmt(s.recorded as f64 / slos.max(1) as f64, 1),
            s.head,
            s.missed,
            s.failures,
        );
    }
    let background = summaries.iter().map(|s| s.background_max).fold(f64::NAN, f64::max);
    let _ = writeln!(
        out,
        "\nCPU used by everything else on the machine during a kept run (the recorder, the live endpoint, other \
         processes): at most {} cores.",
        fmt(background, 3)
    );
    let get = |set: Set| summaries.iter().find(|s| s.set == set);
    if let Some(sloop) = get(Set::Sloop) {
        out.push('\n');
        for peer in [Set::Sloth, Set::Pyrra] {
            if let Some(p) = get(peer) {
                let _ = writeln!(
                    out,
                    "- sloop / {}: rule-group evaluation {}, CPU above baseline {}, recorded series {}",
                    label(peer),
                    ratio(sloop.eval_per_slo, p.eval_per_slo),
                    ratio(sloop.cpu_over_baseline, p.cpu_over_baseline),
                    ratio(sloop.recorded as f64, p.recorded as f64),
                );
            }
        }
    }
    out
}

/// One line per run, for the record.
pub(crate) fn runs_markdown(results: &[RunResult], slos: usize) -> String {
    let mut out = String::from(
        "| Run | Set | Load before | Eval per SLO (ms/s) | CPU (cores) | Background CPU (cores) | Head series | \
         Budget error median / max (pp) | Compactions | Rule errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        let mut e = r.budget_errors_pp();
        let max = e.iter().copied().fold(f64::NAN, f64::max);
        let med = median(std::mem::take(&mut e));
        let _ = writeln!(
            out,
            "| {} | {} | {:.2} | {} | {} | {} | {} | {} / {} | {} | {} |",
            r.repeat,
            r.set,
            r.load_before,
            fmt(r.eval_load_per_slo(slos) * 1000.0, 3),
            fmt(r.cpu_seconds / r.window, 4),
            fmt(r.background_cores(), 3),
            r.head_series,
            fmt(med, 3),
            fmt(max, 3),
            r.compactions,
            r.rule_errors.len(),
        );
    }
    out
}

/// Where each set's evaluation time goes: per kind of group (the group
/// name with the SLO's id left out), the mean over SLOs of the median
/// duration over the interval, median over the runs.
pub(crate) fn breakdown(results: &[RunResult], slos: usize) -> String {
    use std::collections::BTreeMap;
    /// Per run: interval, sum over SLOs of median duration / interval, sum of median durations.
    type PerRun = (f64, f64, f64);
    let mut by: BTreeMap<(String, String), Vec<PerRun>> = BTreeMap::new();
    for r in results {
        let mut run: BTreeMap<String, PerRun> = BTreeMap::new();
        for (name, g) in r.groups.iter().filter(|(_, g)| g.service.is_some()) {
            let kind = g.service.as_deref().map_or(name.clone(), |svc| name.replace(svc, "*"));
            let e = run.entry(kind).or_insert((g.interval, 0.0, 0.0));
            e.1 += g.median_duration / g.interval;
            e.2 += g.median_duration;
        }
        for (kind, v) in run {
            by.entry((r.set.clone(), kind)).or_default().push(v);
        }
    }
    let mut out = String::from(
        "| Set | Group (per SLO) | Interval (s) | Median duration (ms) | Evaluation per SLO (ms per s) |\n\
         |---|---|---:|---:|---:|\n",
    );
    let n = slos.max(1) as f64;
    for ((set, kind), runs) in &by {
        let load = median(runs.iter().map(|r| r.1 / n * 1000.0).collect());
        let duration = median(runs.iter().map(|r| r.2 / n * 1000.0).collect());
        let _ = writeln!(out, "| {set} | `{kind}` | {} | {} | {} |", runs[0].0, fmt(duration, 3), fmt(load, 3));
    }
    out
}
