//! Sloth spec → model. See the parent module for the mapping.

use std::collections::HashSet;

use super::{
    Alert, Alerting, DEFAULT_SLO_PERIOD, Map, RUNBOOK_ANNOTATION, Sli, Slo, Spec, is_label_name, is_valid_name,
};
use crate::alerting::{AlertPolicy, TierPolicy};
use crate::diagnostic::Diagnostic;
use crate::model::{
    BudgetingMethod, EventQuery, Indicator, Labels, Objective, ProviderKind, ProviderRef, RatioIndicator, RawIndicator,
    RawMeasure, Service, TimeWindow,
};
use crate::query::has_window_placeholder;
use crate::source::Document;
use crate::spec::check::{self, NumOrStr};
use crate::spec::{Collector, Format, field};
use crate::target::{TARGET_HINT, Target};

const NAME_HINT: &str = "letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit, \
     such as `requests-availability`";
const LABEL_HINT: &str = "a Prometheus label name: letters, digits and `_`, not starting with a digit, such as `owner`";
const WINDOW_HINT: &str = "a PromQL expression using Sloth's `{{.window}}` placeholder as its range, \
     such as sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))";

/// Reads Sloth documents into the collector.
pub(crate) fn read(docs: &[Document<'_>], out: &mut Collector) {
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for doc in docs {
        let spec = match doc.deserialize::<Spec>() {
            Ok(s) => s,
            Err(e) => {
                out.push(e);
                continue;
            }
        };
        read_spec(doc, &spec, &mut seen, out);
    }
}

fn read_spec(doc: &Document<'_>, spec: &Spec, seen: &mut HashSet<(String, String)>, out: &mut Collector) {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let service = match spec.service.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(doc.error(
                "missing-field",
                "service",
                "a Sloth spec needs a `service`",
                Some("the name of the application the SLOs belong to, such as `service: myservice`"),
            ));
            None
        }
        Some(s) if !is_valid_name(s) => {
            errors.push(doc.error(
                "invalid-name",
                "service",
                format!("`{s}` is not a valid Sloth name"),
                Some(NAME_HINT),
            ));
            None
        }
        Some(s) => Some(s.to_string()),
    };
    check_labels(doc, "labels", &spec.labels, &mut errors);
    if spec.slo_plugins.is_some() {
        out.push(doc.warning(
            "ignored-field",
            "slo_plugins",
            "Sloth SLO plugin chains change the rules Sloth generates; sloop cannot run them and ignores them",
            Some("rules sloop generates follow the SLO as declared, without the plugins"),
        ));
    }
    if spec.slos.is_empty() {
        errors.push(doc.error(
            "missing-field",
            "slos",
            "a Sloth spec needs at least one SLO",
            Some("a list `slos:` with entries having `name`, `objective` and `sli`"),
        ));
    }
    let spec_ok = errors.is_empty();
    out.extend(errors);
    if let (true, Some(name)) = (spec_ok, &service) {
        out.service(Service { labels: spec.labels.clone(), ..Service::named(name.clone()) });
    }

    for (i, slo) in spec.slos.iter().enumerate() {
        let path = format!("slos[{i}]");
        let mut errors = Vec::new();
        let built = read_slo(doc, &path, spec, service.as_deref(), slo, &mut errors, out);
        if let (Some(service), Some(name)) = (&service, &built.as_ref().map(|o| o.name.clone()))
            && !seen.insert((service.clone(), name.clone()))
        {
            errors.push(doc.error(
                "duplicate-objective",
                &format!("{path}.name"),
                format!("service `{service}` already has an SLO named `{name}`"),
                Some("a name not used by another SLO of the same service"),
            ));
        }
        let ok = errors.is_empty();
        out.extend(errors);
        if let (true, true, Some(objective)) = (spec_ok, ok, built) {
            let fields = slo_fields(&path, slo);
            out.objective(objective, doc, &path, Format::Sloth, &fields);
        }
    }
}

fn slo_fields(path: &str, slo: &Slo) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        (field::NAME, format!("{path}.name")),
        (field::TARGET, format!("{path}.objective")),
        (field::INDICATOR, format!("{path}.sli")),
        (field::ALERTING, format!("{path}.alerting")),
    ];
    if slo.sli.as_ref().is_some_and(|sli| sli.events.is_some()) {
        fields.push((field::BAD, format!("{path}.sli.events.error_query")));
        fields.push((field::TOTAL, format!("{path}.sli.events.total_query")));
    }
    fields
}

/// Checks one SLO and builds its objective. Errors go to `errors`, warnings to `out`.
fn read_slo(
    doc: &Document<'_>,
    path: &str,
    spec: &Spec,
    service: Option<&str>,
    slo: &Slo,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<Objective> {
    let name = match slo.name.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(doc.error(
                "missing-field",
                &format!("{path}.name"),
                "the SLO needs a `name`",
                Some("a name such as `requests-availability`"),
            ));
            None
        }
        Some(n) if !is_valid_name(n) => {
            errors.push(doc.error(
                "invalid-name",
                &format!("{path}.name"),
                format!("`{n}` is not a valid Sloth name"),
                Some(NAME_HINT),
            ));
            None
        }
        Some(n) => Some(n.to_string()),
    };
    let target = objective(doc, &format!("{path}.objective"), slo.objective.as_ref(), errors);
    check_labels(doc, &format!("{path}.labels"), &slo.labels, errors);
    check_labels(doc, &format!("{path}.infoLabels"), &slo.info_labels, errors);
    if slo.plugins.is_some() {
        out.push(doc.warning(
            "ignored-field",
            &format!("{path}.plugins"),
            "Sloth SLO plugin chains change the rules Sloth generates; sloop cannot run them and ignores them",
            Some("rules sloop generates follow the SLO as declared, without the plugins"),
        ));
    }
    let indicator = sli(doc, &format!("{path}.sli"), slo.sli.as_ref(), errors);
    let window = TimeWindow::rolling(DEFAULT_SLO_PERIOD);
    let default_alerting = Alerting::default();
    let alerting = slo.alerting.as_ref().unwrap_or(&default_alerting);
    let (policy, runbook_url) = alert_policy(doc, &format!("{path}.alerting"), alerting, &window, errors, out);

    let mut labels: Labels = spec.labels.clone();
    labels.extend(slo.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    Some(Objective {
        name: name?,
        display_name: None,
        service: service?.to_string(),
        description: slo.description.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_string),
        labels,
        indicator: indicator?,
        target: target?,
        window,
        budgeting: BudgetingMethod::Occurrences,
        alerting: policy,
        runbook_url,
        traffic: None,
    })
}

/// `objective`: a number in (0, 100). Sloth reads a float, so a string is refused.
fn objective(doc: &Document<'_>, path: &str, raw: Option<&NumOrStr>, errors: &mut Vec<Diagnostic>) -> Option<Target> {
    let result = match raw {
        None => Err(doc.error("missing-field", path, "the SLO needs an `objective`", Some(TARGET_HINT))),
        Some(NumOrStr::Str(s)) => Err(doc.error(
            "invalid-target",
            path,
            format!("Sloth's objective is a number, not the string `{s}`"),
            Some("a percentage above 0 and below 100, written as a number: `objective: 99.9`"),
        )),
        Some(n @ NumOrStr::Num(_)) => check::target_percent(doc, path, n),
    };
    result.map_err(|d| errors.push(d)).ok()
}

fn sli(doc: &Document<'_>, path: &str, sli: Option<&Sli>, errors: &mut Vec<Diagnostic>) -> Option<Indicator> {
    const KINDS: &str = "exactly one of `events` (error_query and total_query), `raw` (error_ratio_query) or `plugin`";
    let Some(sli) = sli else {
        errors.push(doc.error("missing-field", path, "the SLO needs an `sli`", Some(KINDS)));
        return None;
    };
    let set = [sli.events.is_some(), sli.raw.is_some(), sli.plugin.is_some()].iter().filter(|b| **b).count();
    if set != 1 {
        let what = if set == 0 { "the SLI sets no kind" } else { "the SLI sets more than one kind" };
        errors.push(doc.error("invalid-sli", path, what, Some(KINDS)));
        return None;
    }
    if let Some(plugin) = &sli.plugin {
        let id = plugin.id.as_deref().unwrap_or("");
        errors.push(doc.error(
            "unsupported-sli",
            &format!("{path}.plugin"),
            format!(
                "Sloth SLI plugins are not supported (plugin `{id}`): their query is built by Go code sloop cannot run"
            ),
            Some(
                "the query the plugin produces, written as `sli.raw.error_ratio_query` (or as `sli.events` with \
                 `error_query` and `total_query`); `sloth generate` shows it in the generated rules",
            ),
        ));
        return None;
    }
    if let Some(events) = &sli.events {
        let error_path = format!("{path}.events.error_query");
        let total_path = format!("{path}.events.total_query");
        let bad = query(doc, &error_path, events.error_query.as_deref(), "error_query", errors);
        let total = query(doc, &total_path, events.total_query.as_deref(), "total_query", errors);
        let (bad, total) = (bad?, total?);
        if bad.trim() == total.trim() {
            errors.push(doc.error(
                "invalid-sli",
                &error_path,
                "the error query and the total query are the same, so every event would be an error",
                Some("an error_query that counts only the bad events, such as requests with a 5xx code"),
            ));
            return None;
        }
        return Some(Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::prometheus(),
            events: EventQuery::Bad(bad),
            total,
        }));
    }
    let raw = sli.raw.as_ref()?;
    let q = query(
        doc,
        &format!("{path}.raw.error_ratio_query"),
        raw.error_ratio_query.as_deref(),
        "error_ratio_query",
        errors,
    )?;
    Some(Indicator::Raw(RawIndicator {
        provider: ProviderRef::prometheus(),
        query: q,
        measures: RawMeasure::ErrorRatio,
    }))
}

/// A required PromQL query with the window placeholder, returned verbatim.
fn query(doc: &Document<'_>, path: &str, raw: Option<&str>, key: &str, errors: &mut Vec<Diagnostic>) -> Option<String> {
    let q = match raw {
        Some(q) if !q.trim().is_empty() => q,
        _ => {
            errors.push(doc.error("missing-field", path, format!("`{key}` is required"), Some(WINDOW_HINT)));
            return None;
        }
    };
    if let Err(d) = check::query(doc, path, ProviderKind::Prometheus, q) {
        errors.push(d);
        return None;
    }
    if !has_window_placeholder(q) {
        errors.push(doc.error(
            "missing-window",
            path,
            "Sloth queries must use the `{{.window}}` placeholder as their range",
            Some(WINDOW_HINT),
        ));
        return None;
    }
    Some(q.to_string())
}

/// `alerting` → the alert policy, and the runbook URL lifted from its annotations.
fn alert_policy(
    doc: &Document<'_>,
    path: &str,
    alerting: &Alerting,
    window: &TimeWindow,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> (AlertPolicy, Option<String>) {
    let default_alert = Alert::default();
    let page = alerting.page_alert.as_ref().unwrap_or(&default_alert);
    let ticket = alerting.ticket_alert.as_ref().unwrap_or(&default_alert);
    let name = alerting.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if name.is_none() && (!page.disable || !ticket.disable) {
        errors.push(doc.error(
            "missing-field",
            &format!("{path}.name"),
            "Sloth needs `alerting.name` while page or ticket alerts are enabled",
            Some(
                "an alert name such as `MyServiceHighErrorRate`, or `disable: true` under both \
                 `page_alert` and `ticket_alert`",
            ),
        ));
    }
    check_labels(doc, &format!("{path}.labels"), &alerting.labels, errors);
    check_annotations(doc, &format!("{path}.annotations"), &alerting.annotations, errors);
    for (key, alert) in [("page_alert", page), ("ticket_alert", ticket)] {
        check_labels(doc, &format!("{path}.{key}.labels"), &alert.labels, errors);
        check_annotations(doc, &format!("{path}.{key}.annotations"), &alert.annotations, errors);
    }
    let mut policy = check::standard_alerting(doc, path, window, out);
    let mut annotations = alerting.annotations.clone();
    let runbook_url = annotations.remove(RUNBOOK_ANNOTATION);
    policy.name = name.map(str::to_string);
    policy.labels = alerting.labels.clone();
    policy.annotations = annotations;
    policy.page = tier(page);
    policy.ticket = tier(ticket);
    (policy, runbook_url)
}

fn tier(alert: &Alert) -> TierPolicy {
    TierPolicy {
        enabled: !alert.disable,
        labels: alert.labels.clone(),
        annotations: alert.annotations.clone(),
        for_duration: None,
    }
}

/// Label names must be Prometheus label names (not `__name__`); values must not be empty.
fn check_labels(doc: &Document<'_>, path: &str, labels: &Map, errors: &mut Vec<Diagnostic>) {
    for (k, v) in labels {
        let p = format!("{path}.{k}");
        if !is_label_name(k) || k == "__name__" {
            errors.push(doc.error("invalid-label", &p, format!("`{k}` is not a valid label name"), Some(LABEL_HINT)));
        } else if v.is_empty() {
            errors.push(doc.error(
                "invalid-label",
                &p,
                format!("label `{k}` has an empty value"),
                Some("a non-empty value, or no label at all"),
            ));
        }
    }
}

/// Annotation names follow label-name rules; values must not be empty.
fn check_annotations(doc: &Document<'_>, path: &str, annotations: &Map, errors: &mut Vec<Diagnostic>) {
    for (k, v) in annotations {
        let p = format!("{path}.{k}");
        if !is_label_name(k) {
            errors.push(doc.error(
                "invalid-annotation",
                &p,
                format!("`{k}` is not a valid annotation name"),
                Some(LABEL_HINT),
            ));
        } else if v.is_empty() {
            errors.push(doc.error(
                "invalid-annotation",
                &p,
                format!("annotation `{k}` has an empty value"),
                Some("a non-empty value, or no annotation at all"),
            ));
        }
    }
}
