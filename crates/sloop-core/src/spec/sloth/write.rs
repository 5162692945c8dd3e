//! Model → Sloth spec. See the parent module for what is written and what is lost.

use super::{
    Alert, Alerting, DEFAULT_ALERT_NAME, DEFAULT_SLO_PERIOD, Events, Map, RUNBOOK_ANNOTATION, Raw, Sli, Slo, Spec,
    VERSION, is_label_name, is_valid_name,
};
use promql_parser::parser::Expr;

use crate::alerting::{AlertPolicy, TierPolicy};
use crate::error::Error;
use crate::model::{
    BudgetingMethod, EventQuery, Indicator, LatencyIndicator, LatencyTotal, Manifest, Objective, ProviderKind,
    ProviderRef, RatioIndicator, RawMeasure, Service, TimeWindow,
};
use crate::query::windowed_selector;
use crate::query::{self, WINDOW_PLACEHOLDER, has_window_placeholder, parse_promql, window_template};
use crate::spec::check::{NumOrStr, slug};
use crate::spec::{Format, Loss, Written};

/// Writes every objective Sloth can express, one document per service.
pub(crate) fn write(m: &Manifest) -> Result<Written, Error> {
    let mut losses = Vec::new();
    let mut order: Vec<&str> = m.services.iter().map(|s| s.name.as_str()).collect();
    for o in &m.objectives {
        if !order.contains(&o.service.as_str()) {
            order.push(&o.service);
        }
    }
    let mut docs = Vec::new();
    for service_name in order {
        let written: Vec<(Slo, &Objective)> = m
            .objectives
            .iter()
            .filter(|o| o.service == service_name)
            .filter_map(|o| write_slo(o, &mut losses).map(|slo| (slo, o)))
            .collect();
        if written.is_empty() {
            continue;
        }
        let service = m.services.iter().find(|s| s.name == service_name);
        if let Some(spec) = write_spec(service_name, service, written, &mut losses) {
            docs.push(spec);
        }
    }
    if docs.is_empty() {
        let reason = if m.objectives.is_empty() {
            "the manifest has no objectives".to_string()
        } else {
            let why: Vec<String> = losses.iter().map(|l| l.to_string()).collect();
            format!("no objective can be expressed in Sloth: {}", why.join("; "))
        };
        return Err(Error::Unwritable { format: Format::Sloth, reason });
    }
    let mut texts = Vec::new();
    for spec in &docs {
        let text = crate::spec::to_yaml(spec).map_err(|e| Error::Unwritable {
            format: Format::Sloth,
            reason: format!("YAML serialisation failed: {e}"),
        })?;
        texts.push(text);
    }
    Ok(Written { text: texts.join("---\n"), losses })
}

/// The document of one service, with the labels shared by all its SLOs at the top.
fn write_spec(
    name: &str,
    service: Option<&Service>,
    written: Vec<(Slo, &Objective)>,
    losses: &mut Vec<Loss>,
) -> Option<Spec> {
    let sloth_name = if is_valid_name(name) {
        name.to_string()
    } else {
        let s = slug(name);
        if !is_valid_name(&s) {
            for (_, o) in &written {
                losses.push(Loss::new(o, "service", format!("`{name}` cannot be made a valid Sloth service name")));
            }
            return None;
        }
        losses.push(service_loss(name, "service", format!("`{name}` is not a valid Sloth name; written as `{s}`")));
        s
    };
    let mut shared = Map::new();
    if let Some(service) = service {
        for (k, v) in &service.labels {
            if is_label_name(k) && !v.is_empty() && written.iter().all(|(_, o)| o.labels.get(k) == Some(v)) {
                shared.insert(k.clone(), v.clone());
            } else {
                losses.push(service_loss(
                    name,
                    "service.labels",
                    format!("label `{k}` is not carried by every objective of the service, so Sloth cannot hold it"),
                ));
            }
        }
        if service.display_name.is_some() {
            losses.push(service_loss(name, "service.display_name", "Sloth has no display name for a service"));
        }
        if service.description.is_some() {
            losses.push(service_loss(name, "service.description", "Sloth has no description for a service"));
        }
    }
    let slos = written
        .into_iter()
        .map(|(mut slo, _)| {
            slo.labels.retain(|k, v| shared.get(k) != Some(v));
            slo
        })
        .collect();
    Some(Spec { version: VERSION.into(), service: Some(sloth_name), labels: shared, slo_plugins: None, slos })
}

fn service_loss(service: &str, field: &str, reason: impl Into<String>) -> Loss {
    Loss { objective: service.to_string(), field: field.into(), reason: reason.into() }
}

/// One SLO, or `None` (with a loss) when Sloth cannot express the objective.
fn write_slo(o: &Objective, losses: &mut Vec<Loss>) -> Option<Slo> {
    let sli = write_sli(o, losses)?;
    let name = if is_valid_name(&o.name) {
        o.name.clone()
    } else {
        let s = slug(&o.name);
        if !is_valid_name(&s) {
            losses.push(Loss::new(o, "name", format!("`{}` cannot be made a valid Sloth SLO name", o.name)));
            return None;
        }
        losses.push(Loss::new(o, "name", format!("`{}` is not a valid Sloth name; written as `{s}`", o.name)));
        s
    };
    match &o.window {
        TimeWindow::Rolling { duration } if *duration == DEFAULT_SLO_PERIOD => {}
        TimeWindow::Rolling { duration } => losses.push(Loss::new(
            o,
            "window",
            format!(
                "window {duration}: Sloth takes the SLO period from --default-slo-period / --slo-period-windows; \
                 pass --default-slo-period={duration}"
            ),
        )),
        w @ TimeWindow::Calendar(_) => losses.push(Loss::new(
            o,
            "window",
            format!(
                "window {}: Sloth has no calendar windows, only a rolling SLO period from --default-slo-period / \
                 --slo-period-windows; the nearest is --default-slo-period={}",
                w.describe(),
                w.nominal_length()
            ),
        )),
    }
    if o.budgeting != BudgetingMethod::Occurrences {
        losses.push(Loss::new(
            o,
            "budgeting",
            format!(
                "Sloth counts every event against the budget (occurrences); {} budgeting is written as occurrences",
                o.budgeting.openslo_name()
            ),
        ));
    }
    if o.display_name.is_some() {
        losses.push(Loss::new(o, "display_name", "Sloth has no display name for an SLO"));
    }
    if o.traffic.is_some() {
        losses.push(Loss::new(o, "traffic", "Sloth has no field for declared traffic"));
    }
    let objective = o.target.percent_string().parse::<f64>().unwrap_or_else(|_| o.target.percent());
    Some(Slo {
        name: Some(name),
        objective: Some(NumOrStr::Num(objective)),
        description: o.description.clone(),
        labels: clean(o, "labels", &o.labels, losses),
        sli: Some(sli),
        alerting: Some(write_alerting(o, &o.alerting, losses)),
        ..Slo::default()
    })
}

fn write_sli(o: &Objective, losses: &mut Vec<Loss>) -> Option<Sli> {
    if let Some(p) = o.indicator.provider()
        && p.kind != ProviderKind::Prometheus
    {
        losses.push(Loss::new(
            o,
            "indicator",
            format!("Sloth reads Prometheus queries only; this objective's queries are for {}", p.kind.as_str()),
        ));
        return None;
    }
    let sli = match &o.indicator {
        Indicator::Ratio(r) => ratio_events(o, r, losses)?,
        Indicator::Selector(s) => match &s.ratio {
            Some(r) => {
                losses.push(Loss::new(
                    o,
                    "indicator.labels",
                    "Sloth has no indicator selector; only its Prometheus queries are written",
                ));
                ratio_events(o, r, losses)?
            }
            None => {
                losses.push(Loss::new(
                    o,
                    "indicator",
                    "an indicator that is only a label selector has no queries, and Sloth needs PromQL queries",
                ));
                return None;
            }
        },
        Indicator::Latency(l) => {
            provider_loss(o, &l.provider, losses);
            if l.buckets.is_some() {
                losses.push(Loss::new(o, "indicator.buckets", "Sloth has no field for declared histogram buckets"));
            }
            let (error_query, total_query) = latency_queries(l);
            Sli {
                events: Some(Events { error_query: Some(error_query), total_query: Some(total_query) }),
                ..Sli::default()
            }
        }
        Indicator::Raw(r) => {
            provider_loss(o, &r.provider, losses);
            let q = match r.measures {
                RawMeasure::ErrorRatio => r.query.clone(),
                RawMeasure::GoodRatio => format!("1 - ({})", r.query.trim()),
            };
            if !usable(o, &q, losses) {
                return None;
            }
            Sli { raw: Some(Raw { error_ratio_query: Some(q) }), ..Sli::default() }
        }
        Indicator::Threshold(_) => {
            losses.push(Loss::new(
                o,
                "indicator",
                "Sloth has no threshold indicator (a metric compared against a value); write it as a ratio of events",
            ));
            return None;
        }
    };
    Some(sli)
}

fn ratio_events(o: &Objective, r: &RatioIndicator, losses: &mut Vec<Loss>) -> Option<Sli> {
    provider_loss(o, &r.provider, losses);
    let total = events_template(&r.total);
    let error = match &r.events {
        EventQuery::Bad(b) => events_template(b),
        EventQuery::Good(g) => format!("({}) - ({})", total.trim(), events_template(g).trim()),
    };
    if !usable(o, &error, losses) || !usable(o, &total, losses) {
        return None;
    }
    Some(Sli { events: Some(Events { error_query: Some(error), total_query: Some(total) }), ..Sli::default() })
}

/// A query as a windowed template: bare counter selectors are wrapped in
/// `sum(rate(...[{{.window}}]))`, keeping an `offset` or `@` after the range.
fn events_template(q: &str) -> String {
    match parse_promql(q) {
        Ok(Expr::VectorSelector(vs)) if vs.offset.is_some() || vs.at.is_some() => {
            format!("sum(rate({}))", windowed_selector(q, &vs))
        }
        _ => window_template(q),
    }
}

/// Whether Sloth would accept the query: valid PromQL using `{{.window}}`.
fn usable(o: &Objective, q: &str, losses: &mut Vec<Loss>) -> bool {
    if !has_window_placeholder(q) {
        losses.push(Loss::new(
            o,
            "indicator",
            format!("Sloth needs the `{WINDOW_PLACEHOLDER}` placeholder in every query, and `{}` has none", q.trim()),
        ));
        return false;
    }
    if let Err(e) = query::check(ProviderKind::Prometheus, q) {
        losses.push(Loss::new(o, "indicator", format!("`{}`: {e}", q.trim())));
        return false;
    }
    true
}

fn provider_loss(o: &Objective, p: &ProviderRef, losses: &mut Vec<Loss>) {
    if let Some(name) = &p.name {
        losses.push(Loss::new(
            o,
            "indicator.provider",
            format!("Sloth has no data source name (`{name}`); its rules run on whichever Prometheus loads them"),
        ));
    }
}

/// `(error, total)`: the total count minus the threshold's bucket, over the total.
fn latency_queries(l: &LatencyIndicator) -> (String, String) {
    let selector = |suffix: &str, le: Option<&str>| {
        let mut ms = l.matchers.clone();
        if let Some(le) = le {
            ms.push(format!("le=\"{le}\""));
        }
        if ms.is_empty() {
            format!("{}{suffix}", l.metric)
        } else {
            format!("{}{suffix}{{{}}}", l.metric, ms.join(","))
        }
    };
    let total_selector = match l.total {
        LatencyTotal::Count => selector("_count", None),
        LatencyTotal::InfBucket => selector("_bucket", Some("+Inf")),
    };
    let good_selector = selector("_bucket", Some(&l.threshold));
    let total = format!("sum(rate({total_selector}[{WINDOW_PLACEHOLDER}]))");
    let error = format!("{total} - sum(rate({good_selector}[{WINDOW_PLACEHOLDER}]))");
    (error, total)
}

fn write_alerting(o: &Objective, policy: &AlertPolicy, losses: &mut Vec<Loss>) -> Alerting {
    let page_on = policy.enabled && policy.page.enabled;
    let ticket_on = policy.enabled && policy.ticket.enabled;
    if policy.custom_windows {
        losses.push(Loss::new(
            o,
            "alerting.windows",
            "Sloth uses its own burn-rate windows (set with --slo-period-windows); the custom alert windows are dropped",
        ));
    }
    let mut annotations = clean(o, "alerting.annotations", &policy.annotations, losses);
    if let Some(url) = &o.runbook_url
        && let Some(old) = annotations.insert(RUNBOOK_ANNOTATION.into(), url.clone())
        && &old != url
    {
        losses.push(Loss::new(
            o,
            "alerting.annotations",
            format!("the `{RUNBOOK_ANNOTATION}` annotation `{old}` is replaced by the runbook URL `{url}`"),
        ));
    }
    let name = policy.name.clone().or_else(|| (page_on || ticket_on).then(|| DEFAULT_ALERT_NAME.to_string()));
    Alerting {
        name,
        labels: clean(o, "alerting.labels", &policy.labels, losses),
        annotations,
        page_alert: write_tier(o, "page", &policy.page, page_on, losses),
        ticket_alert: write_tier(o, "ticket", &policy.ticket, ticket_on, losses),
    }
}

fn write_tier(o: &Objective, tier: &str, t: &TierPolicy, on: bool, losses: &mut Vec<Loss>) -> Option<Alert> {
    if let Some(d) = t.for_duration {
        losses.push(Loss::new(
            o,
            &format!("alerting.{tier}.for_duration"),
            format!("Sloth sets no `for` duration on its alerts; `for: {d}` is dropped"),
        ));
    }
    let alert = Alert {
        disable: !on,
        labels: clean(o, &format!("alerting.{tier}.labels"), &t.labels, losses),
        annotations: clean(o, &format!("alerting.{tier}.annotations"), &t.annotations, losses),
    };
    let empty = !alert.disable && alert.labels.is_empty() && alert.annotations.is_empty();
    (!empty).then_some(alert)
}

/// Keeps the entries Sloth accepts: label-name keys and non-empty values.
fn clean(o: &Objective, field: &str, map: &Map, losses: &mut Vec<Loss>) -> Map {
    let mut kept = Map::new();
    for (k, v) in map {
        if !is_label_name(k) || k == "__name__" {
            losses.push(Loss::new(o, field, format!("`{k}` is not a Prometheus label name, which Sloth requires")));
        } else if v.is_empty() {
            losses.push(Loss::new(o, field, format!("`{k}` has an empty value, which Sloth refuses")));
        } else {
            kept.insert(k.clone(), v.clone());
        }
    }
    kept
}
