//! Writing a manifest as one multi-document OpenSLO v1 stream.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::types::{
    AlertConditionSpec, AlertPolicyEntry, AlertPolicySpec, CalendarSpec, ConditionEntry, ConditionSpec, DataSourceSpec,
    InlineSli, LabelValue, Metadata, MetricSource, MetricSpec, NotificationTargetSpec, Object, ObjectiveSpec,
    RatioMetric, ServiceSpec, SliSpec, SloSpec, TargetEntry, TimeWindowSpec,
};
use super::{NOTIFICATION_TARGET_ANNOTATION, RUNBOOK_ANNOTATION, budget_share, shorthand};
use crate::alerting::{BurnRateWindow, Severity, TierPolicy};
use crate::duration::Duration;
use crate::model::{
    BudgetingMethod, CalendarUnit, EventQuery, Indicator, LatencyIndicator, LatencyTotal, Manifest, Objective,
    ProviderKind, ProviderRef, RatioIndicator, RawMeasure, TimeWindow,
};
use crate::query::WINDOW_PLACEHOLDER;
use crate::spec::check::NumOrStr;
use crate::spec::{Loss, Written};
use crate::target::Target;

/// The documents written so far, and what was lost.
#[derive(Default)]
struct Out {
    docs: Vec<String>,
    losses: Vec<Loss>,
    /// Notification target names, in the order first met.
    targets: Vec<String>,
}

impl Out {
    fn doc<T: Serialize>(&mut self, value: &T, owner: &str, what: &str) {
        match crate::spec::to_yaml(value) {
            Ok(y) => self.docs.push(y),
            Err(e) => self.losses.push(Loss {
                objective: owner.to_string(),
                field: what.to_string(),
                reason: format!("could not be written as YAML: {e}"),
            }),
        }
    }

    fn loss(&mut self, o: &Objective, field: &str, reason: impl Into<String>) {
        self.losses.push(Loss::new(o, field, reason));
    }
}

/// Writes the manifest: Services, DataSources, then each objective's SLO and
/// alerting documents, then the notification targets they name.
pub(super) fn write(m: &Manifest) -> Written {
    let mut out = Out::default();
    for s in &m.services {
        let meta = metadata(&s.name, s.display_name.clone(), &s.labels);
        out.doc(&Object::new("Service", meta, ServiceSpec { description: s.description.clone() }), &s.name, "service");
    }
    // Named providers become DataSources; a name used with two kinds keeps the first.
    let mut sources: Vec<(String, ProviderKind)> = Vec::new();
    let mut named: HashMap<String, ProviderKind> = HashMap::new();
    for o in &m.objectives {
        let Some(ProviderRef { kind, name: Some(name) }) = o.indicator.provider() else { continue };
        match named.get(name) {
            None => {
                named.insert(name.clone(), *kind);
                sources.push((name.clone(), *kind));
            }
            Some(k) if k != kind => out.loss(
                o,
                "indicator.provider.name",
                format!(
                    "data source `{name}` is already a {} source; this {} query is written with its type only",
                    k.as_str(),
                    kind.as_str()
                ),
            ),
            Some(_) => {}
        }
    }
    for (name, kind) in &sources {
        let spec = DataSourceSpec { description: None, type_: Some(type_name(*kind).into()), connection_details: None };
        out.doc(&Object::new("DataSource", metadata(name, None, &BTreeMap::new()), spec), name, "provider");
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for o in &m.objectives {
        *counts.entry(o.name.as_str()).or_default() += 1;
    }
    for o in &m.objectives {
        let base = if counts.get(o.name.as_str()).copied().unwrap_or(0) > 1 {
            format!("{}-{}", o.service, o.name)
        } else {
            o.name.clone()
        };
        objective(o, &base, &named, &mut out);
    }
    for t in std::mem::take(&mut out.targets) {
        let spec = NotificationTargetSpec {
            target: Some(t.clone()),
            description: Some(format!("written by sloop from the `{NOTIFICATION_TARGET_ANNOTATION}` annotation")),
        };
        out.doc(&Object::new("AlertNotificationTarget", metadata(&t, None, &BTreeMap::new()), spec), &t, "target");
    }
    Written { text: out.docs.join("---\n"), losses: out.losses }
}

fn metadata(name: &str, display_name: Option<String>, labels: &BTreeMap<String, String>) -> Metadata {
    Metadata {
        name: name.to_string(),
        display_name,
        labels: labels.iter().map(|(k, v)| (k.clone(), LabelValue::Text(v.clone()))).collect(),
        annotations: BTreeMap::new(),
    }
}

fn type_name(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Prometheus => "Prometheus",
        ProviderKind::Datadog => "Datadog",
    }
}

/// A metric source: the type, the DataSource's name when the provider has one
/// (and it kept its kind), and the query.
fn metric(p: &ProviderRef, query: &str, named: &HashMap<String, ProviderKind>) -> MetricSpec {
    let reference = p.name.clone().filter(|n| named.get(n) == Some(&p.kind));
    MetricSpec {
        metric_source: MetricSource {
            metric_source_ref: reference,
            type_: Some(type_name(p.kind).into()),
            spec: BTreeMap::from([("query".to_string(), serde_json::Value::String(query.to_string()))]),
        },
    }
}

fn ratio(r: &RatioIndicator, named: &HashMap<String, ProviderKind>) -> RatioMetric {
    let (good, bad) = match &r.events {
        EventQuery::Good(q) => (Some(metric(&r.provider, q, named)), None),
        EventQuery::Bad(q) => (None, Some(metric(&r.provider, q, named))),
    };
    RatioMetric {
        counter: Some(true),
        good,
        bad,
        total: Some(metric(&r.provider, &r.total, named)),
        ..RatioMetric::default()
    }
}

/// The histogram queries of a latency indicator: requests in the threshold's
/// bucket over all requests, with sloop's window placeholder.
fn latency_queries(l: &LatencyIndicator) -> (String, String) {
    let with = |extra: Option<String>| {
        let mut m = l.matchers.clone();
        m.extend(extra);
        if m.is_empty() { String::new() } else { format!("{{{}}}", m.join(",")) }
    };
    let rate = |series: String| format!("sum(rate({series}[{WINDOW_PLACEHOLDER}]))");
    let good = rate(format!("{}_bucket{}", l.metric, with(Some(format!("le=\"{}\"", l.threshold)))));
    let total = match l.total {
        LatencyTotal::InfBucket => rate(format!("{}_bucket{}", l.metric, with(Some("le=\"+Inf\"".into())))),
        LatencyTotal::Count => rate(format!("{}_count{}", l.metric, with(None))),
    };
    (good, total)
}

/// A decimal target as a YAML number.
fn number(t: Target) -> NumOrStr {
    let s = t.fraction_string();
    s.parse().map(NumOrStr::Num).unwrap_or(NumOrStr::Str(s))
}

fn time_window(w: &TimeWindow) -> TimeWindowSpec {
    match w {
        TimeWindow::Rolling { duration } => {
            TimeWindowSpec { duration: shorthand(*duration), is_rolling: Some(true), calendar: None }
        }
        TimeWindow::Calendar(c) => {
            let (postfix, start) = match c.unit {
                CalendarUnit::Day => ("d", "2020-01-01 00:00:00"),
                // 2020-01-06 is a Monday.
                CalendarUnit::Week => ("w", "2020-01-06 00:00:00"),
                CalendarUnit::Month => ("M", "2020-01-01 00:00:00"),
                CalendarUnit::Quarter => ("Q", "2020-01-01 00:00:00"),
                CalendarUnit::Year => ("Y", "2020-01-01 00:00:00"),
            };
            TimeWindowSpec {
                duration: format!("{}{postfix}", c.count),
                is_rolling: Some(false),
                calendar: Some(CalendarSpec { start_time: Some(start.into()), time_zone: Some(c.time_zone.clone()) }),
            }
        }
    }
}

/// The shortest burn-rate threshold that reads back as the window's budget
/// share: the exact threshold in 1 to 17 significant digits, then the floats
/// next to it.
fn threshold(w: &BurnRateWindow, slo_window: Duration) -> f64 {
    let exact = w.threshold(slo_window);
    let shortest = (0..17).filter_map(|digits| format!("{exact:.digits$e}").parse::<f64>().ok());
    let (mut up, mut down) = (exact, exact);
    let near = (0..8).flat_map(move |_| {
        up = up.next_up();
        down = down.next_down();
        [up, down]
    });
    shortest.chain(near).find(|t| budget_share(*t, w.long, slo_window) == w.budget_share).unwrap_or(exact)
}

/// One objective: its SLO document and its alerting documents.
fn objective(o: &Objective, base: &str, named: &HashMap<String, ProviderKind>, out: &mut Out) {
    let mut sli = SliSpec::default();
    let mut obj = ObjectiveSpec { target: Some(number(o.target)), ..ObjectiveSpec::default() };
    match &o.indicator {
        Indicator::Ratio(r) => sli.ratio_metric = Some(ratio(r, named)),
        Indicator::Latency(l) => {
            let (good, total) = latency_queries(l);
            let r = RatioIndicator { provider: l.provider.clone(), events: EventQuery::Good(good), total };
            sli.ratio_metric = Some(ratio(&r, named));
            let buckets = if l.buckets.is_some() { "; the declared buckets are dropped" } else { "" };
            out.loss(
                o,
                "indicator",
                format!(
                    "OpenSLO has no latency indicator: written as a ratioMetric of histogram buckets \
                     (le=\"{}\" over {}){buckets}; reading it back gives a ratio indicator",
                    l.threshold,
                    match l.total {
                        LatencyTotal::InfBucket => "le=\"+Inf\"",
                        LatencyTotal::Count => "_count",
                    }
                ),
            );
        }
        Indicator::Selector(s) => match &s.ratio {
            Some(r) => {
                sli.ratio_metric = Some(ratio(r, named));
                out.loss(
                    o,
                    "indicator",
                    "OpenSLO has no selector indicator: its labels are dropped and its provider queries \
                     written as a ratioMetric",
                );
            }
            None => {
                out.loss(
                    o,
                    "indicator",
                    "OpenSLO has no selector indicator and this one names no provider queries: \
                     the objective is skipped",
                );
                return;
            }
        },
        Indicator::Raw(r) => {
            sli.ratio_metric = Some(RatioMetric {
                raw_type: Some(
                    match r.measures {
                        RawMeasure::GoodRatio => "success",
                        RawMeasure::ErrorRatio => "failure",
                    }
                    .into(),
                ),
                raw: Some(metric(&r.provider, &r.query, named)),
                ..RatioMetric::default()
            });
        }
        Indicator::Threshold(t) => {
            sli.threshold_metric = Some(metric(&t.provider, &t.query, named));
            obj.op = Some(t.op.as_str().into());
            obj.value = Some(t.value);
        }
    }
    match &o.budgeting {
        BudgetingMethod::Occurrences => {}
        BudgetingMethod::Timeslices { slice, slice_target } => {
            obj.time_slice_target = Some(number(*slice_target));
            obj.time_slice_window = Some(NumOrStr::Str(shorthand(*slice)));
        }
        BudgetingMethod::RatioTimeslices { slice } => obj.time_slice_window = Some(NumOrStr::Str(shorthand(*slice))),
    }
    if o.traffic.is_some() {
        out.loss(o, "traffic", "OpenSLO has no field for the declared traffic");
    }
    let policies = alerting(o, base, out);
    let mut meta = metadata(&o.name, o.display_name.clone(), &o.labels);
    if let Some(url) = &o.runbook_url {
        meta.annotations.insert(RUNBOOK_ANNOTATION.into(), url.clone());
    }
    let spec = SloSpec {
        description: o.description.clone(),
        service: Some(o.service.clone()),
        indicator: Some(InlineSli {
            metadata: metadata(&format!("{}-sli", o.name), None, &BTreeMap::new()),
            spec: sli,
        }),
        indicator_ref: None,
        time_window: Some(vec![time_window(&o.window)]),
        budgeting_method: Some(o.budgeting.openslo_name().into()),
        objectives: vec![obj],
        alert_policies: policies
            .iter()
            .map(|(p, _)| AlertPolicyEntry { alert_policy_ref: Some(p.metadata.name.clone()), ..Default::default() })
            .collect(),
    };
    let id = o.id();
    out.doc(&Object::new("SLO", meta, spec), &id, "objective");
    for (policy, _) in &policies {
        out.doc(policy, &id, "alerting");
    }
    for (_, condition) in &policies {
        out.doc(condition, &id, "alerting");
    }
}

type PolicyDocs = Vec<(Object<AlertPolicySpec>, Object<AlertConditionSpec>)>;

/// Custom windows as AlertPolicy + AlertCondition documents; the rest of the
/// alerting model that OpenSLO cannot say is reported as losses.
fn alerting(o: &Objective, base: &str, out: &mut Out) -> PolicyDocs {
    let a = &o.alerting;
    if !a.enabled {
        out.loss(o, "alerting.enabled", "OpenSLO cannot turn alerting off: reading it back gives the standard alerts");
    }
    if a.name.is_some() {
        out.loss(o, "alerting.name", "OpenSLO has no alert name");
    }
    if !a.labels.is_empty() {
        out.loss(o, "alerting.labels", "OpenSLO has no alert labels");
    }
    let mut annotations: Vec<&str> =
        a.annotations.keys().map(String::as_str).filter(|k| *k != NOTIFICATION_TARGET_ANNOTATION).collect();
    annotations.sort_unstable();
    if !annotations.is_empty() {
        out.loss(o, "alerting.annotations", format!("OpenSLO has no alert annotations ({})", annotations.join(", ")));
    }
    for (tier, t) in [("page", &a.page), ("ticket", &a.ticket)] {
        let d = TierPolicy::default();
        let mut what = Vec::new();
        if t.enabled != d.enabled {
            what.push("switching the tier off");
        }
        if !t.labels.is_empty() {
            what.push("labels");
        }
        if !t.annotations.is_empty() {
            what.push("annotations");
        }
        if t.for_duration.is_some() {
            what.push("a `for` duration");
        }
        if !what.is_empty() {
            out.loss(o, &format!("alerting.{tier}"), format!("OpenSLO has no per-tier {}", what.join(", ")));
        }
    }
    let targets: Vec<String> = a
        .annotations
        .get(NOTIFICATION_TARGET_ANNOTATION)
        .map(|t| t.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    if !a.custom_windows {
        if !targets.is_empty() {
            out.loss(
                o,
                "alerting.annotations",
                "notification targets are written only with custom alert windows; the standard alerts keep none",
            );
        }
        return Vec::new();
    }
    if a.windows.is_empty() {
        out.loss(o, "alerting.windows", "no alert windows are left: reading it back gives the standard alerts");
        return Vec::new();
    }
    for t in &targets {
        if !out.targets.contains(t) {
            out.targets.push(t.clone());
        }
    }
    let slo = o.window.nominal_length();
    let none = BTreeMap::new();
    a.windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let n = i + 1;
            let cond_name = format!("{base}-burn-rate-{n}");
            let condition = Object::new(
                "AlertCondition",
                metadata(&cond_name, None, &none),
                AlertConditionSpec {
                    description: Some(format!(
                        "{}% of the error budget spent within {}, confirmed over {}",
                        (w.budget_share * 100.0 * 1e6).round() / 1e6,
                        w.long,
                        w.short
                    )),
                    severity: Some(
                        match w.severity {
                            Severity::Page => "page",
                            Severity::Ticket => "ticket",
                        }
                        .into(),
                    ),
                    condition: Some(ConditionSpec {
                        kind: Some("burnrate".into()),
                        op: Some("gte".into()),
                        threshold: Some(threshold(w, slo)),
                        lookback_window: Some(shorthand(w.long)),
                        alert_after: Some(shorthand(w.short)),
                    }),
                },
            );
            let policy = Object::new(
                "AlertPolicy",
                metadata(&format!("{base}-alert-{n}"), None, &none),
                AlertPolicySpec {
                    description: None,
                    alert_when_no_data: None,
                    alert_when_resolved: None,
                    alert_when_breaching: Some(true),
                    conditions: vec![ConditionEntry { condition_ref: Some(cond_name), ..Default::default() }],
                    notification_targets: targets
                        .iter()
                        .map(|t| TargetEntry { target_ref: Some(t.clone()), ..Default::default() })
                        .collect(),
                },
            );
            (policy, condition)
        })
        .collect()
}
