//! Building a scenario, and the per-series events and counters.

use std::collections::{BTreeMap, BTreeSet};

use super::latency::{self, LatencyCounters};
use super::rng::{self, SplitMix64};
use super::{DAY, MINUTE, SeriesGroup, Truth};

/// Tags that keep the random streams of one group apart.
const NOISE: u64 = 1;
const TOTAL: u64 = 2;
const BAD: u64 = 3;
const POD_SPLIT: u64 = 4;
const CODE_SPLIT: u64 = 5;
const POD_WEIGHTS: u64 = 6;

/// Why a scenario cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// A value out of range; the message says which and what is allowed.
    #[error("{0}")]
    Invalid(String),
    /// A counter reset that Prometheus would not see: the series' value just
    /// before it is positive and not above its value just after, so
    /// `increase()` would count `after − before` instead of `after`. Move the
    /// reset, or give the series more traffic.
    #[error(
        "the reset at {at} is invisible on {series}: the counter goes from {before} to {after}, \
         not down; move the reset or raise the traffic"
    )]
    InvisibleReset {
        /// The series, as `job/pod/code`.
        series: String,
        /// The reset's mark, unix seconds.
        at: i64,
        /// The counter just before the reset.
        before: u64,
        /// The counter at the reset (the events of its minute).
        after: u64,
    },
}

/// Collects the scenario's description; see [`Scenario::builder`].
#[derive(Debug, Clone)]
pub struct ScenarioBuilder {
    start: i64,
    duration: i64,
    seed: u64,
    groups: Vec<SeriesGroup>,
}

impl ScenarioBuilder {
    /// The seed of every random choice (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Adds a series group (one SLO's traffic).
    pub fn group(mut self, group: SeriesGroup) -> Self {
        self.groups.push(group);
        self
    }

    /// Checks the description and computes every minute's events.
    pub fn build(self) -> Result<Scenario, ScenarioError> {
        let invalid = |m: String| Err(ScenarioError::Invalid(m));
        if self.start.rem_euclid(MINUTE) != 0 {
            return invalid(format!(
                "start {} is not minute-aligned; use {}",
                self.start,
                self.start - self.start.rem_euclid(MINUTE)
            ));
        }
        if self.duration <= 0 || self.duration % MINUTE != 0 {
            return invalid(format!("duration {} s must be a positive multiple of 60 s", self.duration));
        }
        if self.groups.is_empty() {
            return invalid("a scenario needs at least one series group".to_owned());
        }
        let mut jobs = BTreeSet::new();
        for g in &self.groups {
            check_group(g, self.duration)?;
            if !jobs.insert(g.job.as_str()) {
                return invalid(format!("job {:?} appears twice; each series group needs its own job", g.job));
            }
        }
        let minutes = (self.duration / MINUTE) as usize;
        let groups = self.groups.into_iter().map(|spec| Group::new(spec, self.seed, self.start, minutes)).collect();
        let scenario = Scenario { start: self.start, minutes, seed: self.seed, groups };
        scenario.check_resets()?;
        Ok(scenario)
    }
}

fn check_group(g: &SeriesGroup, duration: i64) -> Result<(), ScenarioError> {
    let job = &g.job;
    let fail = |m: String| Err(ScenarioError::Invalid(format!("job {job:?}: {m}")));
    let ratio_ok = |r: f64| (0.0..=1.0).contains(&r);
    let span_ok = |at: i64, d: i64| at >= 0 && at < duration && d > 0 && at % MINUTE == 0 && d % MINUTE == 0;
    if job.is_empty() {
        return fail("the job name is empty".to_owned());
    }
    if !(g.min_rps.is_finite() && g.max_rps.is_finite() && 0.0 <= g.min_rps && g.min_rps <= g.max_rps) {
        return fail(format!("rate {}..{} req/s must satisfy 0 <= min <= max", g.min_rps, g.max_rps));
    }
    if !(0.0..24.0).contains(&g.peak_hour) {
        return fail(format!("peak hour {} must be in [0, 24)", g.peak_hour));
    }
    if !(0.0..1.0).contains(&g.noise) {
        return fail(format!("noise {} must be in [0, 1)", g.noise));
    }
    if !ratio_ok(g.error_ratio) {
        return fail(format!("error ratio {} must be in [0, 1]", g.error_ratio));
    }
    for i in &g.incidents {
        if !span_ok(i.at, i.duration) || !ratio_ok(i.error_ratio) {
            return fail(format!(
                "incident at {} s for {} s with ratio {}: times must be multiples of 60 s starting inside the \
                 scenario (0 <= at < {duration}), the ratio in [0, 1]",
                i.at, i.duration, i.error_ratio
            ));
        }
    }
    for d in &g.degradations {
        if !span_ok(d.at, d.duration) || !ratio_ok(d.to) {
            return fail(format!(
                "degradation at {} s for {} s to {}: times must be multiples of 60 s starting inside the \
                 scenario (0 <= at < {duration}), the ratio in [0, 1]",
                d.at, d.duration, d.to
            ));
        }
    }
    for &r in &g.resets {
        if r < MINUTE || r > duration || r % MINUTE != 0 {
            return fail(format!("reset at {r} s must be a multiple of 60 s in [60, {duration}]"));
        }
    }
    if g.pods == 0 {
        return fail("pods must be at least 1".to_owned());
    }
    let errors = g.codes.iter().filter(|c| SeriesGroup::is_error_code(c)).count();
    if errors == 0 || errors == g.codes.len() {
        return fail(format!("codes {:?} need at least one 5xx code and one other code", g.codes));
    }
    if g.codes.iter().collect::<BTreeSet<_>>().len() != g.codes.len() {
        return fail(format!("codes {:?} repeat a code", g.codes));
    }
    latency::check(&g.latency).or_else(fail)
}

/// A built scenario: every minute's events, ready to export and to query.
#[derive(Debug, Clone)]
pub struct Scenario {
    start: i64,
    minutes: usize,
    seed: u64,
    groups: Vec<Group>,
}

/// A series group with what was computed from it.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub(super) spec: SeriesGroup,
    /// The group's random key, from the seed and the job name.
    pub(super) key: u64,
    pub(super) truth: Truth,
    /// One truth per latency bound: `good` is the requests at or under it.
    pub(super) latency: Vec<Truth>,
    /// Running sums of the pods' weights.
    pub(super) pod_prefix: Vec<f64>,
    /// For each code: whether it is a 5xx and its index among its kind.
    code_slot: Vec<(bool, usize)>,
    /// Running sums of the weights of the good codes, and of the 5xx codes.
    good_prefix: Vec<f64>,
    bad_prefix: Vec<f64>,
    /// `reset[k]`: the counters reset within the minute ending at mark k.
    pub(super) reset: Vec<bool>,
}

impl Group {
    fn new(spec: SeriesGroup, seed: u64, start: i64, minutes: usize) -> Group {
        let key = rng::hash(&[seed, rng::fnv1a(&spec.job)]);
        let mut weights = SplitMix64::new(rng::hash(&[key, POD_WEIGHTS]));
        let pods: Vec<f64> = (0..spec.pods).map(|_| 0.75 + 0.5 * weights.next_f64()).collect();
        let mut code_slot = Vec::with_capacity(spec.codes.len());
        let (mut good, mut bad) = (Vec::new(), Vec::new());
        for code in &spec.codes {
            let (is_error, list) = if SeriesGroup::is_error_code(code) { (true, &mut bad) } else { (false, &mut good) };
            code_slot.push((is_error, list.len()));
            list.push(1.0 / (list.len() + 1) as f64);
        }
        let peak = (spec.peak_hour * 3600.0).round() as i64;
        let per_minute: Vec<(u64, u64)> = (1..=minutes as u64)
            .map(|k| {
                let end = start + k as i64 * MINUTE;
                let phase = (end - MINUTE / 2 - peak).rem_euclid(DAY) as f64 / DAY as f64;
                let shape = (1.0 + rng::cos_turns(phase)) / 2.0;
                let rate = spec.min_rps + (spec.max_rps - spec.min_rps) * shape;
                let noise = 1.0 + spec.noise * (2.0 * rng::unit(rng::hash(&[key, k, NOISE])) - 1.0);
                let total = rng::dither(rate * MINUTE as f64 * noise, rng::hash(&[key, k, TOTAL]));
                let ratio = spec.error_ratio_at(k as i64 * MINUTE);
                let bad = rng::dither(total as f64 * ratio, rng::hash(&[key, k, BAD])).min(total);
                (total - bad, total)
            })
            .collect();
        let mut reset = vec![false; minutes + 1];
        for &r in &spec.resets {
            reset[(r / MINUTE) as usize] = true;
        }
        let totals: Vec<u64> = per_minute.iter().map(|m| m.1).collect();
        Group {
            key,
            truth: Truth::from_minutes(start, &per_minute),
            latency: latency::truths(&spec.latency, key, start, &totals),
            pod_prefix: rng::prefix_sums(&pods),
            code_slot,
            good_prefix: rng::prefix_sums(&good),
            bad_prefix: rng::prefix_sums(&bad),
            reset,
            spec,
        }
    }

    /// The events of series (`pod`, `code`) in the minute ending at mark `k`.
    pub(super) fn events(&self, pod: usize, code: usize, k: usize) -> u64 {
        let minute = self.truth.minute_at_index(k);
        let (is_error, slot) = self.code_slot[code];
        // Good events use the TOTAL tag: only the tag's place in the hash matters.
        let (n, kind, codes) =
            if is_error { (minute.bad(), BAD, &self.bad_prefix) } else { (minute.good, TOTAL, &self.good_prefix) };
        let at_pod = rng::split(n, &self.pod_prefix, pod, rng::hash(&[self.key, k as u64, kind, POD_SPLIT]));
        rng::split(at_pod, codes, slot, rng::hash(&[self.key, k as u64, kind, CODE_SPLIT, pod as u64]))
    }

    /// The counter values of series (`pod`, `code`) at marks `0..=last`.
    pub(super) fn counter_values(&self, pod: usize, code: usize, last: usize) -> impl Iterator<Item = u64> + '_ {
        let mut value = 0u64;
        (0..=last).map(move |k| {
            if k > 0 {
                let e = self.events(pod, code, k);
                value = if self.reset[k] { e } else { value + e };
            }
            value
        })
    }
}

/// One exported series, `http_requests_total{job, pod, code}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Series {
    /// The `job` label: the series group.
    pub job: String,
    /// The `pod` label.
    pub pod: String,
    /// The `code` label.
    pub code: String,
    /// Whether the code counts failed requests (5xx).
    pub error: bool,
    pub(super) group: usize,
    pub(super) pod_index: usize,
    pub(super) code_index: usize,
}

impl Series {
    /// The series' labels, without `__name__`, as Prometheus returns them.
    pub fn labels(&self) -> BTreeMap<String, String> {
        [("job", &self.job), ("pod", &self.pod), ("code", &self.code)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect()
    }
}

impl Scenario {
    /// Starts describing a scenario beginning at `start` (unix seconds,
    /// minute-aligned) and lasting `duration` seconds (a multiple of 60).
    pub fn builder(start: i64, duration: i64) -> ScenarioBuilder {
        ScenarioBuilder { start, duration, seed: 0, groups: Vec::new() }
    }

    /// The first mark (unix seconds), where every counter is 0.
    pub fn start(&self) -> i64 {
        self.start
    }

    /// The last mark (unix seconds): `start + 60 · minutes`.
    pub fn end(&self) -> i64 {
        self.start + self.minutes as i64 * MINUTE
    }

    /// How many minutes the scenario has. Counters have one more sample.
    pub fn minutes(&self) -> usize {
        self.minutes
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The unix time `offset` seconds after the start.
    pub fn at(&self, offset: i64) -> i64 {
        self.start + offset
    }

    /// The series groups' descriptions, in the order added.
    pub fn groups(&self) -> impl Iterator<Item = &SeriesGroup> {
        self.groups.iter().map(|g| &g.spec)
    }

    /// The exact events of the group with this job, summed over its series.
    pub fn truth(&self, job: &str) -> Option<&Truth> {
        self.group(job).map(|(_, g)| &g.truth)
    }

    /// The exact latency truth of a group for one of its bucket bounds
    /// (exactly as given to [`SeriesGroup::latency`]): `good` counts the
    /// requests at or under `le`, `total` all of them (equal to
    /// [`Scenario::truth`]'s total). `None` for an unknown job or bound.
    pub fn latency_truth(&self, job: &str, le: f64) -> Option<&Truth> {
        let (_, g) = self.group(job)?;
        let i = g.spec.latency.iter().position(|b| b.0 == le)?;
        g.latency.get(i)
    }

    /// The latency histogram counters of pod number `pod` (0-based) of a
    /// group, at every mark; `None` for an unknown job or pod, or a group
    /// without latency buckets.
    pub fn latency_counters(&self, job: &str, pod: usize) -> Option<LatencyCounters> {
        let (_, g) = self.group(job)?;
        (pod < g.spec.pods && !g.spec.latency.is_empty()).then(|| g.latency_counters(pod, self.minutes))
    }

    /// Every exported series, in output order: by group, then pod, then code.
    pub fn series(&self) -> Vec<Series> {
        let mut out = Vec::new();
        for (gi, g) in self.groups.iter().enumerate() {
            for pod in 0..g.spec.pods {
                for (ci, code) in g.spec.codes.iter().enumerate() {
                    out.push(Series {
                        job: g.spec.job.clone(),
                        pod: format!("{}-{pod}", g.spec.job),
                        code: code.clone(),
                        error: g.code_slot[ci].0,
                        group: gi,
                        pod_index: pod,
                        code_index: ci,
                    });
                }
            }
        }
        out
    }

    /// The events of one series in each minute: element `k − 1` is the
    /// minute ending at mark `k`. Summed over a group's series, minute by
    /// minute, they equal [`Truth::minute`] (the good ones over non-5xx
    /// codes, the bad ones over 5xx codes).
    pub fn events(&self, series: &Series) -> Vec<u64> {
        let g = &self.groups[series.group];
        (1..=self.minutes).map(|k| g.events(series.pod_index, series.code_index, k)).collect()
    }

    /// The counter of one series at each mark: `minutes + 1` values, the
    /// first (at the start) 0. Each value is the previous plus the minute's
    /// events, except at a reset, where it is the minute's events alone.
    pub fn counter_values(&self, series: &Series) -> Vec<u64> {
        let g = &self.groups[series.group];
        g.counter_values(series.pod_index, series.code_index, self.minutes).collect()
    }

    /// The extrapolation factor Prometheus 2.x applies to `increase()` of
    /// this group's `http_requests_total` series over `[end − window, end]`
    /// (`end` in unix seconds at millisecond precision), when it is the same
    /// for all of them.
    ///
    /// Then `sum(increase(http_requests_total{job=..}[window]))` at `end`
    /// equals this factor times [`Truth::counts_prometheus`]`.total` (and
    /// likewise for any subset of the series, such as the 5xx ones), so
    /// ratios equal the truth's exactly. `None` when the range holds fewer
    /// than two samples, or when some series gets another factor: Prometheus
    /// does not extrapolate a counter below zero, so a series whose first
    /// sample in the range is small compared to its increase (at the start,
    /// after a reset, or a rare 5xx series that had counted nothing yet) is
    /// extrapolated less.
    pub fn prometheus_extrapolation(&self, job: &str, end: f64, window: i64) -> Option<f64> {
        let (_, g) = self.group(job)?;
        let end_ms = (end * 1000.0).round() as i64;
        let (start_ms, step) = (self.start * 1000, MINUTE * 1000);
        let range_start = end_ms - window * 1000;
        let first = (-(start_ms - range_start).div_euclid(step)).max(0); // ceil, first mark >= range start
        let last = (end_ms - start_ms).div_euclid(step).min(self.minutes as i64);
        if last - first < 1 {
            return None;
        }
        // This follows extrapolatedRate() of Prometheus 2.42 (promql/functions.go).
        let sampled = ((last - first) * MINUTE) as f64;
        let average = sampled / (last - first) as f64;
        let threshold = average * 1.1;
        let to_start = (start_ms + first * step - range_start) as f64 / 1000.0;
        let to_end = (end_ms - (start_ms + last * step)) as f64 / 1000.0;
        let extend = |d: f64| if d < threshold { d } else { average / 2.0 };
        let factor = |to_start: f64| (sampled + extend(to_start) + extend(to_end)) / sampled;
        let common = factor(to_start);
        for pod in 0..g.spec.pods {
            for code in 0..g.spec.codes.len() {
                let values: Vec<u64> = g.counter_values(pod, code, last as usize).skip(first as usize).collect();
                let mut result = values[values.len() - 1] as f64 - values[0] as f64;
                for w in values.windows(2).filter(|w| w[1] < w[0]) {
                    result += w[0] as f64;
                }
                if result > 0.0 {
                    let to_zero = sampled * (values[0] as f64 / result);
                    if to_zero < to_start && factor(to_zero) != common {
                        return None;
                    }
                }
            }
        }
        Some(common)
    }

    pub(super) fn group(&self, job: &str) -> Option<(usize, &Group)> {
        self.groups.iter().enumerate().find(|(_, g)| g.spec.job == job)
    }

    pub(super) fn groups_internal(&self) -> &[Group] {
        &self.groups
    }

    /// Fails on a reset that Prometheus would not detect (see
    /// [`ScenarioError::InvisibleReset`]), on any exported counter.
    fn check_resets(&self) -> Result<(), ScenarioError> {
        for g in &self.groups {
            let Some(last) = g.reset.iter().rposition(|&r| r) else { continue };
            let job = &g.spec.job;
            let invisible = |series: String, values: &mut dyn Iterator<Item = u64>| {
                let mut before = 0u64;
                for (k, after) in values.enumerate() {
                    if g.reset[k] && before > 0 && after >= before {
                        let at = self.start + k as i64 * MINUTE;
                        return Err(ScenarioError::InvisibleReset { series, at, before, after });
                    }
                    before = after;
                }
                Ok(())
            };
            for pod in 0..g.spec.pods {
                for (code, name) in g.spec.codes.iter().enumerate() {
                    invisible(format!("{job}/{job}-{pod}/{name}"), &mut g.counter_values(pod, code, last))?;
                }
                if g.spec.latency.is_empty() {
                    continue;
                }
                let h = g.latency_counters(pod, last);
                let les = g.spec.latency.iter().map(|b| latency::le_label(b.0)).chain(["+Inf".to_owned()]);
                for (bucket, le) in h.buckets.iter().zip(les) {
                    invisible(format!("{job}/{job}-{pod}/le={le}"), &mut bucket.iter().copied())?;
                }
                invisible(format!("{job}/{job}-{pod}/_sum"), &mut h.sum_micros.iter().copied())?;
            }
        }
        Ok(())
    }
}
