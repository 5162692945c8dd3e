//! Writing the model as sloop manifests: one document per service.
//!
//! sloop's format can express everything in the model, so nothing is lost.
//! Defaults are left out (the standard alert windows, occurrences budgeting,
//! the Prometheus provider) so that the output reads like a hand-written file.

use std::collections::BTreeMap;

use crate::alerting::{AlertPolicy, TierPolicy};
use crate::model::{
    BudgetingMethod, EventQuery, Indicator, LatencyTotal, Manifest, Objective, ProviderKind, ProviderRef,
    RatioIndicator, RawMeasure, TimeWindow,
};
use crate::spec::Written;
use crate::spec::check::NumOrStr;
use crate::spec::sloop::API_VERSION;
use crate::spec::sloop::types::*;

pub(crate) fn write(m: &Manifest) -> Written {
    let mut docs = Vec::new();
    for service in &m.services {
        let objectives: Vec<&Objective> = m.objectives.iter().filter(|o| o.service == service.name).collect();
        if objectives.is_empty() {
            continue;
        }
        let default_provider = common_provider(&objectives);
        let file = SloopFile {
            api_version: API_VERSION.into(),
            kind: None,
            service: service.name.clone(),
            title: service.display_name.clone(),
            description: service.description.clone(),
            labels: service.labels.clone(),
            provider: (default_provider != ProviderRef::prometheus()).then(|| provider_spec(&default_provider)),
            slos: objectives.iter().map(|o| slo(o, &service.labels, &default_provider)).collect(),
        };
        docs.push(crate::spec::to_yaml(&file).unwrap_or_default());
    }
    Written { text: docs.join("---\n"), losses: Vec::new() }
}

/// The provider most objectives use becomes the file's default.
fn common_provider(objectives: &[&Objective]) -> ProviderRef {
    let mut counts: Vec<(ProviderRef, usize)> = Vec::new();
    for p in objectives.iter().filter_map(|o| o.indicator.provider()) {
        match counts.iter_mut().find(|(q, _)| q == p) {
            Some((_, n)) => *n += 1,
            None => counts.push((p.clone(), 1)),
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(p, _)| p).unwrap_or_else(ProviderRef::prometheus)
}

fn provider_spec(p: &ProviderRef) -> ProviderSpec {
    match &p.name {
        None => ProviderSpec::Kind(p.kind.as_str().into()),
        Some(n) => ProviderSpec::Named { kind: p.kind.as_str().into(), name: n.clone() },
    }
}

fn percent(t: crate::target::Target) -> NumOrStr {
    match t.percent_string().parse::<f64>() {
        Ok(n) if format!("{n}") == t.percent_string() => NumOrStr::Num(n),
        _ => NumOrStr::Str(format!("{}%", t.percent_string())),
    }
}

fn slo(o: &Objective, service_labels: &BTreeMap<String, String>, default: &ProviderRef) -> SloSpec {
    let labels = o
        .labels
        .iter()
        .filter(|(k, v)| service_labels.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut s = SloSpec {
        name: o.name.clone(),
        title: o.display_name.clone(),
        description: o.description.clone(),
        labels,
        target: percent(o.target),
        window: window(&o.window),
        budgeting: budgeting(&o.budgeting),
        traffic: o.traffic.map(NumOrStr::Num),
        runbook: o.runbook_url.clone(),
        provider: o.indicator.provider().filter(|p| *p != default).map(provider_spec),
        alerting: alerting(&o.alerting),
        ..SloSpec::default()
    };
    let ratio = |r: &RatioIndicator| RatioSpec {
        good: match &r.events {
            EventQuery::Good(q) => Some(q.clone()),
            EventQuery::Bad(_) => None,
        },
        bad: match &r.events {
            EventQuery::Bad(q) => Some(q.clone()),
            EventQuery::Good(_) => None,
        },
        total: r.total.clone(),
    };
    match &o.indicator {
        Indicator::Ratio(r) => s.ratio = Some(ratio(r)),
        Indicator::Selector(sel) => {
            s.selector = Some(sel.labels.clone());
            s.ratio = sel.ratio.as_ref().map(ratio);
        }
        Indicator::Latency(l) => {
            s.latency = Some(LatencySpec {
                metric: l.metric.clone(),
                selector: BTreeMap::new(),
                matchers: l.matchers.clone(),
                threshold: None,
                le: Some(l.threshold.clone()),
                total: (l.total == LatencyTotal::InfBucket).then(|| "inf".to_string()),
                buckets: l.buckets.clone(),
                native: false,
            })
        }
        Indicator::Raw(r) => {
            s.raw = Some(match r.measures {
                RawMeasure::ErrorRatio => RawSpec { error_ratio: Some(r.query.clone()), good_ratio: None },
                RawMeasure::GoodRatio => RawSpec { error_ratio: None, good_ratio: Some(r.query.clone()) },
            })
        }
        Indicator::Threshold(t) => {
            s.threshold = Some(ThresholdSpec { query: t.query.clone(), op: t.op.as_str().into(), value: t.value })
        }
    }
    // Latency SLOs are Prometheus-only; a datadog default provider must not leak into them.
    if matches!(o.indicator, Indicator::Latency(_)) && default.kind != ProviderKind::Prometheus {
        s.provider = Some(ProviderSpec::Kind("prometheus".into()));
    }
    s
}

fn window(w: &TimeWindow) -> WindowSpec {
    match w {
        TimeWindow::Rolling { duration } => WindowSpec::Text(duration.to_compact()),
        TimeWindow::Calendar(c) if c.time_zone == "UTC" && c.count == 1 => WindowSpec::Text(c.unit.as_str().into()),
        TimeWindow::Calendar(c) => WindowSpec::Calendar {
            calendar: c.unit.as_str().into(),
            timezone: Some(c.time_zone.clone()),
            count: (c.count != 1).then_some(c.count),
        },
    }
}

fn budgeting(b: &BudgetingMethod) -> Option<BudgetingSpec> {
    match b {
        BudgetingMethod::Occurrences => None,
        BudgetingMethod::Timeslices { slice, slice_target } => Some(BudgetingSpec::Detailed {
            method: "timeslices".into(),
            slice: Some(slice.to_compact()),
            target: Some(percent(*slice_target)),
        }),
        BudgetingMethod::RatioTimeslices { slice } => Some(BudgetingSpec::Detailed {
            method: "ratio_timeslices".into(),
            slice: Some(slice.to_compact()),
            target: None,
        }),
    }
}

fn tier(t: &TierPolicy) -> Option<TierSpec> {
    if !t.enabled {
        return Some(TierSpec::Switch(false));
    }
    if t.labels.is_empty() && t.annotations.is_empty() && t.for_duration.is_none() {
        return None;
    }
    Some(TierSpec::Settings(TierSettings {
        labels: t.labels.clone(),
        annotations: t.annotations.clone(),
        for_duration: t.for_duration.map(|d| d.to_compact()),
    }))
}

fn alerting(p: &AlertPolicy) -> Option<AlertingSpec> {
    if !p.enabled {
        return Some(AlertingSpec::Switch(false));
    }
    let spec = AlertPolicySpec {
        name: p.name.clone(),
        labels: p.labels.clone(),
        annotations: p.annotations.clone(),
        page: tier(&p.page),
        ticket: tier(&p.ticket),
        windows: if p.custom_windows {
            p.windows
                .iter()
                .map(|w| WindowPairSpec {
                    severity: w.severity.as_str().into(),
                    long: w.long.to_compact(),
                    short: w.short.to_compact(),
                    budget: share_percent(w.budget_share),
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    (spec != AlertPolicySpec::default()).then(|| AlertingSpec::Policy(Box::new(spec)))
}

/// A budget share as a percentage, printed without float noise (0.02 → 2).
fn share_percent(share: f64) -> NumOrStr {
    let p = share * 100.0;
    let rounded = (p * 1e9).round() / 1e9;
    NumOrStr::Num(rounded)
}
