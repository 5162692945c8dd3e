//! Pyrra's `pyrra.dev/v1alpha1` `ServiceLevelObjective`: reader.
//!
//! A Pyrra SLO is a Kubernetes object: `metadata` names it, `spec` holds the
//! `target` (a string, in percent), the `window`, the `indicator` (one of
//! `ratio`, `latency`, `latencyNative`, `bool_gauge`) and `alerting`.
//!
//! | Pyrra                                   | model                                                     |
//! |-----------------------------------------|-----------------------------------------------------------|
//! | `metadata.name`                         | the objective's name                                      |
//! | `metadata.namespace`                    | the label `namespace`                                     |
//! | `metadata.labels` `pyrra.dev/<k>: v`    | the label `<k>: v` (Pyrra copies these onto its rules)    |
//! | other `metadata.labels`                 | not kept: Pyrra puts them on the Kubernetes object only   |
//! | `spec.description`                      | the description                                           |
//! | `metadata.annotations` `pyrra.dev/<k>`  | alert annotations `<k>` (Pyrra's propagation); `pyrra.dev/description` is also the description when `spec.description` is empty |
//! | `spec.target: "99.5"`                   | the target, in percent                                    |
//! | `spec.window: 28d`                      | a rolling window                                          |
//! | `indicator.ratio{errors,total}`         | a ratio of bad over total, each the selector as written   |
//! | `indicator.latency{success,total}`      | a latency indicator on the histogram the selectors name   |
//! | `indicator.latencyNative`               | a ratio using `histogram_fraction` (see below)            |
//! | `indicator.bool_gauge`                  | a ratio of samples at 1 over all samples (see below)      |
//! | `spec.alerting`                         | the alert policy                                          |
//!
//! **Service.** Pyrra has no service. The service is the label
//! `pyrra.dev/service`, else the label `service`, else the namespace, else the
//! SLO's own name.
//!
//! **Ratio.** `errors.metric` and `total.metric` are bare selectors such as
//! `http_requests_total{job="app"}`; they are kept as written, and writers turn
//! them into `sum(rate(selector[window]))` as Pyrra does (see
//! [`crate::query::window_template`]).
//!
//! **Latency.** `success` must select a histogram bucket
//! (`<name>_bucket{...,le="0.5"}`) and `total` the same histogram's count
//! (`<name>_count{...}`) or its `+Inf` bucket, with the same label matchers
//! apart from `le`. The model keeps the base name, the matchers and the `le`
//! value as written. The selectors are parsed with promql-parser.
//!
//! **Native latency.** A native histogram has no `_bucket` series, so it is
//! read as a ratio of good requests over all requests, as Pyrra computes it:
//! good `histogram_fraction(0, T, sum(rate(S[w]))) * histogram_count(sum(rate(S[w])))`,
//! total `histogram_count(sum(rate(S[w])))`, with `T` the latency in seconds.
//!
//! **Bool gauge.** A gauge that is 1 when things are good and 0 when not
//! (`up`): good is `sum(sum_over_time(S[w]))`, total
//! `sum(count_over_time(S[w]))`, which is Pyrra's own computation.
//!
//! **Alerting.** `disabled: true` or `burnrates: false` turn alerting off.
//! `name` names the alert (Pyrra defaults to `ErrorBudgetBurn`). Alerts use
//! sloop's standard multi-window pairs fitted to the window, not Pyrra's
//! table. Pyrra's extra alert on an absent metric (`absent`, `absentName`) has
//! no counterpart and is ignored with a warning, as is `grouping` (one SLO per
//! group of series): sloop evaluates one SLO over all matching series.
//! `partial_response_strategy` only matters to Thanos Ruler and is accepted
//! and ignored.

mod indicator;

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::model::{BudgetingMethod, Labels, Objective, TimeWindow};
use crate::source::Document;
use crate::spec::check::{self, NumOrStr};
use crate::spec::{Collector, Format, field};
use crate::target::Target;

/// The label and annotation prefix Pyrra propagates to its rules, stripped.
pub const PROPAGATION_PREFIX: &str = "pyrra.dev/";

const TARGET_HINT: &str = "a percentage above 0 and below 100, as a quoted string: `target: \"99.5\"`";

type Map = BTreeMap<String, String>;

/// A `ServiceLevelObjective` object, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Object {
    #[serde(rename = "apiVersion")]
    _api_version: String,
    #[serde(rename = "kind")]
    _kind: String,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    spec: Option<Spec>,
    #[serde(default, rename = "status")]
    _status: Option<serde_json::Value>,
}

/// Kubernetes object metadata: only these keys are read, the rest are allowed.
#[derive(Debug, Default, Deserialize)]
struct Metadata {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    labels: Map,
    #[serde(default)]
    annotations: Map,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    target: Option<NumOrStr>,
    #[serde(default)]
    window: Option<String>,
    #[serde(default)]
    indicator: Option<indicator::IndicatorSpec>,
    #[serde(default)]
    alerting: Option<Alerting>,
    #[serde(default)]
    partial_response_strategy: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Alerting {
    #[serde(default)]
    disabled: Option<bool>,
    #[serde(default)]
    burnrates: Option<bool>,
    #[serde(default)]
    absent: Option<bool>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "absentName")]
    absent_name: Option<String>,
}

/// Reads Pyrra documents into the collector.
pub(crate) fn read(docs: &[Document<'_>], out: &mut Collector) {
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for doc in docs {
        let object = match doc.deserialize::<Object>() {
            Ok(o) => o,
            Err(e) => {
                out.push(e);
                continue;
            }
        };
        let mut errors = Vec::new();
        let built = read_object(doc, &object, &mut errors, out);
        if let Some((o, _)) = &built
            && !seen.insert((o.service.clone(), o.name.clone()))
        {
            errors.push(doc.error(
                "duplicate-objective",
                "metadata.name",
                format!("service `{}` already has an SLO named `{}`", o.service, o.name),
                Some("a name (or namespace) not used by another ServiceLevelObjective"),
            ));
        }
        let ok = errors.is_empty();
        out.extend(errors);
        if let (true, Some((objective, fields))) = (ok, built) {
            out.objective(objective, doc, "", Format::Pyrra, &fields);
        }
    }
}

fn read_object(
    doc: &Document<'_>,
    object: &Object,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<(Objective, Vec<(&'static str, String)>)> {
    let meta = &object.metadata;
    let name = match meta.name.as_deref() {
        None => {
            errors.push(doc.error(
                "missing-field",
                "metadata.name",
                "the ServiceLevelObjective needs `metadata.name`",
                Some("a name such as `http-availability`"),
            ));
            None
        }
        Some(n) => check::name(doc, "metadata.name", n).map_err(|d| errors.push(d)).ok(),
    };
    let Some(spec) = &object.spec else {
        errors.push(doc.error(
            "missing-field",
            "spec",
            "the ServiceLevelObjective needs a `spec`",
            Some("`spec` with `target`, `window` and `indicator`"),
        ));
        return None;
    };
    let target = target(doc, spec.target.as_ref(), errors, out);
    let window = match spec.window.as_deref() {
        None => {
            errors.push(doc.error(
                "missing-field",
                "spec.window",
                "the SLO needs a `window`",
                Some("a duration such as 28d, 4w or 7d"),
            ));
            None
        }
        Some(w) => check::duration(doc, "spec.window", w).map_err(|d| errors.push(d)).ok(),
    };
    let indicator = indicator::read(doc, "spec.indicator", spec.indicator.as_ref(), errors, out);
    if let Some(s) = spec.partial_response_strategy.as_deref()
        && !matches!(s, "abort" | "warn" | "")
    {
        errors.push(doc.error(
            "invalid-field",
            "spec.partial_response_strategy",
            format!("`{s}` is not a partial response strategy"),
            Some("`abort` or `warn` (Thanos Ruler only; sloop ignores it)"),
        ));
    }
    let (window, name, target, (indicator, mut fields)) = (window?, name?, target?, indicator?);

    let propagated = |m: &Map| -> Map {
        m.iter()
            .filter_map(|(k, v)| k.strip_prefix(PROPAGATION_PREFIX).map(|s| (s.to_string(), v.clone())))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    };
    let namespace = meta.namespace.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let mut labels: Labels = Labels::new();
    if let Some(ns) = namespace {
        labels.insert("namespace".into(), ns.to_string());
    }
    labels.extend(propagated(&meta.labels));
    let service = meta
        .labels
        .get("pyrra.dev/service")
        .filter(|s| !s.trim().is_empty())
        .or_else(|| meta.labels.get("service").filter(|s| !s.trim().is_empty()))
        .map(|s| s.trim())
        .or(namespace)
        .unwrap_or(&name)
        .to_string();
    let description = spec
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .or_else(|| meta.annotations.get("pyrra.dev/description").map(|d| d.trim()).filter(|d| !d.is_empty()))
        .map(str::to_string);

    let window = TimeWindow::rolling(window);
    let mut policy = check::standard_alerting(doc, "spec.window", &window, out);
    policy.annotations = propagated(&meta.annotations);
    let alerting = spec.alerting.as_ref();
    if let Some(a) = alerting {
        alert_warnings(doc, a, out);
        policy.enabled = !a.disabled.unwrap_or(false) && a.burnrates.unwrap_or(true);
        policy.name = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    }
    fields.extend([
        (field::NAME, "metadata.name".to_string()),
        (field::TARGET, "spec.target".to_string()),
        (field::WINDOW, "spec.window".to_string()),
        (field::INDICATOR, "spec.indicator".to_string()),
        (field::ALERTING, "spec.alerting".to_string()),
    ]);
    let objective = Objective {
        name,
        display_name: None,
        service,
        description,
        labels,
        indicator,
        target,
        window,
        budgeting: BudgetingMethod::Occurrences,
        alerting: policy,
        runbook_url: None,
        traffic: None,
    };
    Some((objective, fields))
}

/// `spec.target`: a string holding a percentage, as Pyrra's CRD declares it.
fn target(
    doc: &Document<'_>,
    raw: Option<&NumOrStr>,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<Target> {
    const PATH: &str = "spec.target";
    let result = match raw {
        None => Err(doc.error("missing-field", PATH, "the SLO needs a `target`", Some(TARGET_HINT))),
        Some(NumOrStr::Num(n)) => Err(doc.error(
            "invalid-target",
            PATH,
            format!("Pyrra's target is a string, and `{n}` is written as a number"),
            Some(TARGET_HINT),
        )),
        Some(NumOrStr::Str(s)) if s.contains('%') => Err(doc.error(
            "invalid-target",
            PATH,
            format!("`{s}`: Pyrra's target is a plain number in a string, without a percent sign"),
            Some(TARGET_HINT),
        )),
        Some(raw @ NumOrStr::Str(_)) => check::target_percent(doc, PATH, raw),
    };
    match result {
        Ok(t) => {
            if t.percent() < 1.0 {
                let meant = Target::from_fraction_str(&t.percent_string()).map(|f| f.percent_string());
                let hint = meant.map(|m| format!("\"{m}\" if {m}% was meant")).unwrap_or_default();
                out.push(doc.warning(
                    "suspicious-target",
                    PATH,
                    format!("the target is in percent, from 0 to 100: `{}` means {t}", t.percent_string()),
                    Some(&hint),
                ));
            }
            Some(t)
        }
        Err(d) => {
            errors.push(d);
            None
        }
    }
}

fn alert_warnings(doc: &Document<'_>, a: &Alerting, out: &mut Collector) {
    if a.disabled.is_some() {
        out.push(doc.warning(
            "deprecated-field",
            "spec.alerting.disabled",
            "Pyrra deprecates `alerting.disabled`",
            Some("`burnrates: false`"),
        ));
    }
    for (key, set) in [("absent", a.absent.is_some()), ("absentName", a.absent_name.is_some())] {
        if set {
            out.push(doc.warning(
                "ignored-field",
                &format!("spec.alerting.{key}"),
                "sloop generates no alert on an absent metric, so this is ignored",
                None,
            ));
        }
    }
}
