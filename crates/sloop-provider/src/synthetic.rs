//! Synthetic traffic as a provider: seeded, deterministic, exact.
//!
//! A [`SyntheticProvider`] answers from a [`sloop_synthetic::Scenario`]:
//! each objective reads the traffic of one series group (by default the
//! group whose `job` is the objective's `service/name`). Counts are the
//! scenario's exact truth, so what the agent stores and the report prints
//! can be checked to the event. It backs `sloop demo`, tests and benchmarks.
//!
//! Scenarios have minute resolution: an interval `(from, to]` holds the
//! minutes that end inside it, as a store of per-minute points would count
//! them. Intervals outside the scenario have no data.

use std::collections::BTreeMap;
use std::sync::Arc;

use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_core::model::{Indicator, ProviderKind};
use sloop_synthetic::{DAY, HOUR, MINUTE, Scenario, ScenarioError, SeriesGroup};

use crate::{BoxFuture, IntervalCounts, Provider, ProviderError, Range};

/// A provider of seeded synthetic traffic.
#[derive(Debug, Clone)]
pub struct SyntheticProvider {
    name: String,
    scenario: Arc<Scenario>,
    /// Objective id (`service/name`) → the job of its series group, when it
    /// is not the id itself.
    jobs: BTreeMap<String, String>,
}

impl SyntheticProvider {
    /// A provider over a scenario. Objectives read the group whose job is
    /// their `service/name`, unless [`SyntheticProvider::with_job`] says otherwise.
    pub fn new(scenario: Scenario) -> Self {
        Self { name: "synthetic".into(), scenario: Arc::new(scenario), jobs: BTreeMap::new() }
    }

    /// Lets the objective `service/name` read the group `job`.
    pub fn with_job(mut self, objective_id: impl Into<String>, job: impl Into<String>) -> Self {
        self.jobs.insert(objective_id.into(), job.into());
        self
    }

    /// Traffic for `objectives` from `now − history` to `now + horizon`
    /// (whole minutes): a day/night cycle between 5 and 200 requests per
    /// second, a baseline error ratio a tenth of each objective's budget, a
    /// partial outage two days ago, and, for the first objective, an
    /// incident under way (since 50 minutes, for 70 more) that burns its budget
    /// about 20 times too fast.
    /// The same `seed` always gives the same traffic.
    pub fn demo(
        objectives: &[Objective],
        now: i64,
        history: i64,
        horizon: i64,
        seed: u64,
    ) -> Result<Self, ScenarioError> {
        let start = (now - history).div_euclid(MINUTE) * MINUTE;
        let end = (now + horizon).div_euclid(MINUTE) * MINUTE;
        let mut builder = Scenario::builder(start, end - start).seed(seed);
        let now_offset = (now - start).div_euclid(MINUTE) * MINUTE;
        for (i, o) in objectives.iter().enumerate() {
            let budget = o.target.budget();
            let mut group = SeriesGroup::new(o.id())
                .rate(5.0, 200.0)
                .error_ratio((budget / 10.0).min(1.0))
                .cardinality(3, &["200", "500"]);
            if now_offset > 2 * DAY + HOUR {
                group = group.incident(now_offset - 2 * DAY, 30 * MINUTE, (budget * 8.0).min(1.0));
            }
            if i == 0 && now_offset > 50 * MINUTE {
                // Started 50 minutes ago and still going for 70: the 1h/5m page fires from the start.
                group = group.incident(now_offset - 50 * MINUTE, 2 * HOUR, (budget * 20.0).min(1.0));
            }
            if let Indicator::Latency(l) = &o.indicator {
                let le = l.threshold_secs();
                if le.is_finite() {
                    group = group.latency(&[(le, 1.0 - budget / 10.0)]);
                }
            }
            builder = builder.group(group);
        }
        Ok(Self::new(builder.build()?))
    }

    /// The scenario, for its exact truth.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    fn job<'a>(&'a self, id: &'a str) -> &'a str {
        self.jobs.get(id).map_or(id, String::as_str)
    }

    fn count(&self, objective: &Objective, id: &str, from: i64, to: i64) -> Result<Option<Counts>, ProviderError> {
        let job = self.job(id);
        let unsupported = |reason: String| ProviderError::Unsupported {
            provider: self.name.clone(),
            objective: id.to_string(),
            reason,
        };
        let truth =
            self.scenario.truth(job).ok_or_else(|| unsupported(format!("the scenario has no group `{job}`")))?;
        if from < self.scenario.start() || to > self.scenario.end() {
            return Ok(None);
        }
        let all = truth.counts(to, to - from);
        let good = match &objective.indicator {
            Indicator::Latency(l) => {
                let latency = self
                    .scenario
                    .latency_truth(job, l.threshold_secs())
                    .ok_or_else(|| unsupported(format!("the group `{job}` has no bucket at {}", l.threshold)))?;
                latency.counts(to, to - from).good
            }
            Indicator::Raw(_) | Indicator::Threshold(_) => {
                return Err(unsupported("synthetic traffic only counts events (ratio, latency, selector)".into()));
            }
            _ => all.good,
        };
        // Scenario counts are exact integers well below 2^53.
        Counts::new(good as f64, all.total as f64)
            .map(|c| c.has_data().then_some(c))
            .map_err(|e| unsupported(e.to_string()))
    }
}

impl Provider for SyntheticProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> ProviderKind {
        ProviderKind::Prometheus
    }

    fn fetch<'a>(
        &'a self,
        objective: &'a Objective,
        range: Range,
    ) -> BoxFuture<'a, Result<Vec<IntervalCounts>, ProviderError>> {
        Box::pin(async move {
            let id = objective.id();
            let mut out = Vec::with_capacity(range.len());
            for to in range.ends() {
                let from = to - range.step;
                out.push(IntervalCounts { from, to, counts: self.count(objective, &id, from, to)? });
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use sloop_core::source::SourceFile;
    use sloop_core::spec;

    use super::*;

    fn objectives() -> Vec<Objective> {
        let yaml = "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: avail\n    target: 99.9\n    window: 30d\n    \
                    ratio:\n      bad: sum(rate(e[{{.window}}]))\n      total: sum(rate(t[{{.window}}]))\n";
        spec::load(&[SourceFile::new("t.yaml", yaml)]).unwrap().manifest.objectives
    }

    #[tokio::test]
    async fn counts_are_the_scenarios_truth_and_sum_across_intervals() {
        let objs = objectives();
        let now = 1_795_262_400;
        let p = SyntheticProvider::demo(&objs, now, 3 * DAY, DAY, 7).unwrap();
        let minutes = p.fetch(&objs[0], Range { from: now - 3600, to: now, step: 60 }).await.unwrap();
        let hour = p.fetch(&objs[0], Range::single(now - 3600, now)).await.unwrap();
        assert_eq!(minutes.len(), 60);
        let sum: Counts = minutes.iter().filter_map(|m| m.counts).sum();
        assert_eq!(Some(sum), hour[0].counts);
        let truth = p.scenario().truth("web/avail").unwrap().counts(now, 3600);
        assert_eq!((sum.good(), sum.total()), (truth.good as f64, truth.total as f64));
        // The incident under way burns the 99.9 % budget about 20 times too fast.
        let burn = sum.error_ratio().unwrap() / 0.001;
        assert!(burn > 10.0, "burn rate {burn}");
        // Outside the scenario: no data, not zero.
        let before = p.fetch(&objs[0], Range::single(now - 10 * DAY, now - 9 * DAY)).await.unwrap();
        assert_eq!(before[0].counts, None);
        // Off the minute grid: the minutes that end inside the interval, as a store counts them.
        let off = p.fetch(&objs[0], Range::single(now - 90, now - 30)).await.unwrap();
        // (now − 90, now − 30] holds one minute mark, now − 60: the minute (now − 120, now − 60].
        assert_eq!(minutes[58].to, now - 60);
        assert_eq!(off[0].counts, minutes[58].counts);
    }
}
