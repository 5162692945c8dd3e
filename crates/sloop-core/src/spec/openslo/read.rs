//! Reading: documents are indexed by kind and name, then resolved in
//! dependency order (DataSources, conditions and targets, policies, SLIs,
//! Services, SLOs) so that each referenced object is checked once.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::de::DeserializeOwned;

use super::alerts::{self, Condition, Policy};
use super::indicator::{self, ResolvedSli, Source};
use super::types::{DataSourceSpec, LabelValue, NameOnly, Object, ObjectiveSpec, SloSpec};
use super::window;
use super::{NOTIFICATION_TARGET_ANNOTATION, RUNBOOK_ANNOTATION};
use crate::alerting::{AlertPolicy, TierPolicy, fit_windows};
use crate::model::{
    BudgetingMethod, Comparison, Indicator, Labels, Objective, Service, ThresholdIndicator, TimeWindow,
};
use crate::source::Document;
use crate::spec::{Collector, Format, check, field};
use crate::target::Target;

/// Objects of one kind by name. `None` marks an object that exists but did
/// not validate: references to it fail without a second error.
#[derive(Debug)]
pub(super) struct Named<T> {
    kind: &'static str,
    map: HashMap<String, Option<T>>,
}

impl<T> Named<T> {
    fn new(kind: &'static str) -> Self {
        Self { kind, map: HashMap::new() }
    }

    fn insert(&mut self, name: &str, value: Option<T>) {
        self.map.insert(name.to_string(), value);
    }

    /// The object named `name`; a dangling reference is an error at `path`,
    /// with the names that do exist as the hint.
    pub(super) fn lookup(&self, doc: &Document<'_>, path: &str, name: &str, out: &mut Collector) -> Option<&T> {
        match self.map.get(name) {
            Some(v) => v.as_ref(),
            None => {
                let mut names: Vec<&str> = self.map.keys().map(String::as_str).collect();
                names.sort_unstable();
                let hint = if names.is_empty() {
                    format!("the name of a `kind: {}` document; none is defined in the files loaded", self.kind)
                } else {
                    format!("one of the {}s defined: {}", self.kind, names.join(", "))
                };
                out.push(doc.error(
                    "unknown-reference",
                    path,
                    format!("no {} is named `{name}`", self.kind),
                    Some(&hint),
                ));
                None
            }
        }
    }
}

/// Everything an SLO may refer to.
#[derive(Debug)]
pub(super) struct Registry {
    /// DataSource name → its `spec.type`.
    pub(super) data_sources: Named<String>,
    /// SLI name → the resolved indicator.
    pub(super) slis: Named<ResolvedSli>,
    /// AlertCondition name → the condition.
    pub(super) conditions: Named<Condition>,
    /// AlertNotificationTarget name → its `target`.
    pub(super) targets: Named<String>,
    /// AlertPolicy name → its conditions and targets.
    pub(super) policies: Named<Policy>,
}

/// Documents of every kind, deserialized.
#[derive(Default)]
struct Parsed<'d, 'a> {
    services: Vec<(&'d Document<'a>, Object<super::types::ServiceSpec>)>,
    data_sources: Vec<(&'d Document<'a>, Object<DataSourceSpec>)>,
    slis: Vec<(&'d Document<'a>, Object<super::types::SliSpec>)>,
    slos: Vec<(&'d Document<'a>, Object<SloSpec>)>,
    policies: Vec<(&'d Document<'a>, Object<super::types::AlertPolicySpec>)>,
    conditions: Vec<(&'d Document<'a>, Object<super::types::AlertConditionSpec>)>,
    targets: Vec<(&'d Document<'a>, Object<super::types::NotificationTargetSpec>)>,
    /// Names of documents that did not parse, by kind.
    broken: Vec<(String, String)>,
}

/// Deserializes `doc` as a `T` document, or records the error and its name.
fn parse<'d, 'a, S: DeserializeOwned + Default>(
    doc: &'d Document<'a>,
    kind: &str,
    list: &mut Vec<(&'d Document<'a>, Object<S>)>,
    broken: &mut Vec<(String, String)>,
    out: &mut Collector,
) {
    match doc.deserialize::<Object<S>>() {
        Ok(o) => list.push((doc, o)),
        Err(e) => {
            out.push(e);
            if let Some(name) = doc.deserialize::<NameOnly>().ok().and_then(|n| n.metadata).and_then(|m| m.name) {
                broken.push((kind.to_string(), name));
            }
        }
    }
}

/// Reads every OpenSLO document of a load.
pub(super) fn read(docs: &[Document<'_>], out: &mut Collector) {
    let mut p = Parsed::default();
    for doc in docs {
        let kind = doc.header.kind.clone().unwrap_or_default();
        let kind = kind.trim();
        let b = &mut p.broken;
        match kind {
            "Service" => parse(doc, kind, &mut p.services, b, out),
            "DataSource" => parse(doc, kind, &mut p.data_sources, b, out),
            "SLI" => parse(doc, kind, &mut p.slis, b, out),
            "SLO" => parse(doc, kind, &mut p.slos, b, out),
            "AlertPolicy" => parse(doc, kind, &mut p.policies, b, out),
            "AlertCondition" => parse(doc, kind, &mut p.conditions, b, out),
            "AlertNotificationTarget" => parse(doc, kind, &mut p.targets, b, out),
            // Format::detect only lets the OpenSLO kinds through.
            _ => {}
        }
    }
    unique_names("Service", &p.services, out);
    unique_names("DataSource", &p.data_sources, out);
    unique_names("SLI", &p.slis, out);
    unique_names("AlertPolicy", &p.policies, out);
    unique_names("AlertCondition", &p.conditions, out);
    unique_names("AlertNotificationTarget", &p.targets, out);

    let mut reg = Registry {
        data_sources: Named::new("DataSource"),
        slis: Named::new("SLI"),
        conditions: Named::new("AlertCondition"),
        targets: Named::new("AlertNotificationTarget"),
        policies: Named::new("AlertPolicy"),
    };
    for (kind, name) in &p.broken {
        match kind.as_str() {
            "DataSource" => reg.data_sources.insert(name, None),
            "SLI" => reg.slis.insert(name, None),
            "AlertCondition" => reg.conditions.insert(name, None),
            "AlertNotificationTarget" => reg.targets.insert(name, None),
            "AlertPolicy" => reg.policies.insert(name, None),
            _ => {}
        }
    }
    for (doc, o) in &p.data_sources {
        let t = match o.spec.type_.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Some(t.to_string()),
            _ => {
                out.push(doc.error(
                    "missing-field",
                    "spec.type",
                    "a DataSource needs a `type`",
                    Some("type: Prometheus or type: Datadog"),
                ));
                None
            }
        };
        reg.data_sources.insert(&o.metadata.name, t);
    }
    for (doc, o) in &p.conditions {
        let c = alerts::condition(doc, "spec", &o.spec, out);
        reg.conditions.insert(&o.metadata.name, c);
    }
    for (doc, o) in &p.targets {
        let t = alerts::target(doc, "spec", &o.spec, out);
        reg.targets.insert(&o.metadata.name, t);
    }
    for (doc, o) in &p.policies {
        let pol = alerts::policy(doc, "spec", &o.spec, &reg, out);
        reg.policies.insert(&o.metadata.name, pol);
    }
    for (doc, o) in &p.slis {
        let s = indicator::sli(doc, "spec", &o.spec, &reg.data_sources, out);
        reg.slis.insert(&o.metadata.name, s);
    }
    for (_, o) in &p.services {
        let name = o.metadata.name.trim();
        if name.is_empty() {
            continue;
        }
        out.service(Service {
            name: name.to_string(),
            display_name: o.metadata.display_name.clone(),
            description: o.spec.description.clone(),
            labels: labels(&o.metadata.labels),
        });
    }
    let mut seen: HashMap<(String, String), String> = HashMap::new();
    for (doc, o) in &p.slos {
        slo(doc, o, &reg, &mut seen, out);
    }
}

/// Every document has a name, and two documents of the same kind may not share one.
fn unique_names<S>(kind: &str, docs: &[(&Document<'_>, Object<S>)], out: &mut Collector) {
    let mut first: HashMap<&str, &Document<'_>> = HashMap::new();
    for (doc, o) in docs {
        if let Err(e) = check::name(doc, "metadata.name", &o.metadata.name) {
            out.push(e);
            continue;
        }
        match first.get(o.metadata.name.as_str()) {
            Some(prev) => {
                let line = prev.locate("metadata.name").map(|p| p.line).unwrap_or(prev.start.line);
                out.push(doc.error(
                    "duplicate-name",
                    "metadata.name",
                    format!("a {kind} named `{}` is already defined at {}:{line}", o.metadata.name, prev.file.name),
                    Some(&format!("a name not used by another {kind}")),
                ));
            }
            None => {
                first.insert(&o.metadata.name, doc);
            }
        }
    }
}

/// OpenSLO labels (string or list of strings) as model labels; lists are
/// joined with `,`.
pub(super) fn labels(raw: &BTreeMap<String, LabelValue>) -> Labels {
    raw.iter().map(|(k, v)| (k.clone(), v.joined())).collect()
}

/// The budgeting method named by `spec.budgetingMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Occurrences,
    Timeslices,
    RatioTimeslices,
}

const METHOD_HINT: &str = "Occurrences, Timeslices or RatioTimeslices";

fn method(doc: &Document<'_>, spec: &SloSpec, out: &mut Collector) -> Option<Method> {
    let path = "spec.budgetingMethod";
    let Some(raw) = &spec.budgeting_method else {
        out.push(doc.error("missing-field", path, "an SLO needs a `budgetingMethod`", Some(METHOD_HINT)));
        return None;
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "occurrences" => Some(Method::Occurrences),
        "timeslices" => Some(Method::Timeslices),
        "ratiotimeslices" => Some(Method::RatioTimeslices),
        _ => {
            out.push(doc.error(
                "invalid-budgeting-method",
                path,
                format!("unknown budgeting method `{raw}`"),
                Some(METHOD_HINT),
            ));
            None
        }
    }
}

/// The parts of one `spec.objectives[i]`.
struct ObjectiveParts {
    name: String,
    target: Target,
    target_path: String,
    budgeting: BudgetingMethod,
    threshold: Option<(Comparison, f64)>,
}

/// Reads one SLO document into one model objective per `spec.objectives[]`.
fn slo(
    doc: &Document<'_>,
    o: &Object<SloSpec>,
    reg: &Registry,
    seen: &mut HashMap<(String, String), String>,
    out: &mut Collector,
) {
    let spec = &o.spec;
    let name = check::name(doc, "metadata.name", &o.metadata.name).map_err(|e| out.push(e)).ok();
    let service = match &spec.service {
        Some(s) => check::name(doc, "spec.service", s).map_err(|e| out.push(e)).ok(),
        None => {
            out.push(doc.error(
                "missing-field",
                "spec.service",
                "an SLO needs a `service`",
                Some("the name of the service the SLO belongs to, such as `service: checkout`"),
            ));
            None
        }
    };
    let sli = sli_of(doc, spec, reg, out);
    let window = window::time_window(doc, spec, out);
    let method = method(doc, spec, out);
    let policies = alerts::slo_policies(doc, spec, reg, out);
    let parts = objectives(doc, o, name.as_deref(), method, window.as_ref(), sli.as_ref(), out);
    let (Some(_), Some(service), Some(sli), Some(window), Some(policies), Some(parts)) =
        (name, service, sli, window, policies, parts)
    else {
        return;
    };
    let alerting = alerting(doc, &window, &policies, out);
    let single = parts.len() == 1;
    for (i, part) in parts.into_iter().enumerate() {
        let name_path = if single || spec.objectives[i].display_name.is_none() {
            "metadata.name".to_string()
        } else {
            format!("spec.objectives[{i}].displayName")
        };
        let key = (service.clone(), part.name.clone());
        if let Some(prev) = seen.get(&key) {
            out.push(doc.error(
                "duplicate-name",
                &name_path,
                format!("service `{service}` already has an objective named `{}` ({prev})", part.name),
                Some("objective names unique within their service"),
            ));
            continue;
        }
        let line = doc.locate(&name_path).map(|p| p.line).unwrap_or(doc.start.line);
        seen.insert(key, format!("{}:{line}", doc.file.name));
        let indicator = match (&sli.source, part.threshold) {
            (Source::Threshold { provider, query }, Some((op, value))) => {
                Indicator::Threshold(ThresholdIndicator { provider: provider.clone(), query: query.clone(), op, value })
            }
            (Source::Ratio(r), _) => Indicator::Ratio(r.clone()),
            (Source::Raw(r), _) => Indicator::Raw(r.clone()),
            // objectives() refuses a threshold metric without op and value.
            (Source::Threshold { .. }, None) => continue,
        };
        // As in every format, an objective's labels are its service's, then its own.
        let mut all_labels = out.service_labels(&service).cloned().unwrap_or_default();
        all_labels.extend(labels(&o.metadata.labels));
        let objective = Objective {
            name: part.name,
            display_name: o.metadata.display_name.clone(),
            service: service.clone(),
            description: spec.description.clone(),
            labels: all_labels,
            indicator,
            target: part.target,
            window: window.clone(),
            budgeting: part.budgeting,
            alerting: alerting.clone(),
            runbook_url: o.metadata.annotations.get(RUNBOOK_ANNOTATION).cloned(),
            traffic: None,
        };
        let mut fields: Vec<(&'static str, String)> = vec![
            (field::NAME, name_path),
            (field::TARGET, part.target_path),
            (field::WINDOW, "spec.timeWindow[0].duration".into()),
        ];
        let indicator_path = if spec.indicator_ref.is_some() { "spec.indicatorRef" } else { "spec.indicator" };
        for (f, p) in &sli.fields {
            let p = if spec.indicator_ref.is_some() { "spec.indicatorRef".to_string() } else { p.clone() };
            fields.push((f, p));
        }
        if !sli.fields.iter().any(|(f, _)| *f == field::INDICATOR) {
            fields.push((field::INDICATOR, indicator_path.into()));
        }
        if !spec.alert_policies.is_empty() {
            fields.push((field::ALERTING, "spec.alertPolicies".into()));
        }
        let path = if single { String::new() } else { format!("spec.objectives[{i}]") };
        out.objective(objective, doc, &path, Format::OpenSlo, &fields);
    }
}

/// The SLO's indicator: inline, or the SLI document it names.
fn sli_of(doc: &Document<'_>, spec: &SloSpec, reg: &Registry, out: &mut Collector) -> Option<ResolvedSli> {
    match (&spec.indicator, &spec.indicator_ref) {
        (Some(_), Some(_)) => {
            out.push(doc.error(
                "conflicting-fields",
                "spec.indicatorRef",
                "an SLO has either `indicator` or `indicatorRef`, not both",
                Some("an inline `indicator`, or `indicatorRef` naming an SLI document"),
            ));
            None
        }
        (None, None) => {
            out.push(doc.error(
                "missing-field",
                "spec.indicator",
                "an SLO needs an `indicator` or an `indicatorRef`",
                Some(
                    "an inline `indicator: {metadata: {name}, spec: {ratioMetric: ...}}`, \
                     or `indicatorRef` naming an SLI",
                ),
            ));
            None
        }
        (Some(inline), None) => {
            let name = check::name(doc, "spec.indicator.metadata.name", &inline.metadata.name).map_err(|e| out.push(e));
            let sli = indicator::sli(doc, "spec.indicator.spec", &inline.spec, &reg.data_sources, out);
            name.ok().and(sli)
        }
        (None, Some(r)) => reg.slis.lookup(doc, "spec.indicatorRef", r.trim(), out).cloned(),
    }
}

const TARGET_FRACTION_HINT: &str = "a fraction above 0 and below 1, such as 0.999, or `targetPercent: 99.9`";

/// A fraction of one, with a message that says so for values of 1 and more.
/// Errors go to `out`.
pub(super) fn fraction(
    doc: &Document<'_>,
    path: &str,
    raw: &check::NumOrStr,
    what: &str,
    out: &mut Collector,
) -> Option<Target> {
    let text = raw.text();
    if let Ok(v) = text.trim().parse::<f64>()
        && v >= 1.0
    {
        out.push(doc.error(
            "invalid-target",
            path,
            format!("{what} `{text}` is not below 1: OpenSLO writes it as a fraction of one (0.999 means 99.9%)"),
            Some(TARGET_FRACTION_HINT),
        ));
        return None;
    }
    check::target_fraction(doc, path, raw).map_err(|e| out.push(e)).ok()
}

/// Checks each objective: name, target, budgeting, op and value.
fn objectives(
    doc: &Document<'_>,
    o: &Object<SloSpec>,
    slo_name: Option<&str>,
    method: Option<Method>,
    window: Option<&TimeWindow>,
    sli: Option<&ResolvedSli>,
    out: &mut Collector,
) -> Option<Vec<ObjectiveParts>> {
    let list = &o.spec.objectives;
    if list.is_empty() {
        out.push(doc.error(
            "missing-field",
            "spec.objectives",
            "an SLO needs at least one objective",
            Some("objectives: [{target: 0.999}]"),
        ));
        return None;
    }
    let is_threshold = sli.map(|s| matches!(s.source, Source::Threshold { .. }));
    let mut parts = Vec::new();
    let mut ok = true;
    for (i, obj) in list.iter().enumerate() {
        let p = format!("spec.objectives[{i}]");
        match objective(doc, &p, i, obj, list.len(), slo_name, method, window, is_threshold, out) {
            Some(part) => parts.push(part),
            None => ok = false,
        }
    }
    ok.then_some(parts)
}

#[allow(clippy::too_many_arguments)]
fn objective(
    doc: &Document<'_>,
    p: &str,
    i: usize,
    obj: &ObjectiveSpec,
    count: usize,
    slo_name: Option<&str>,
    method: Option<Method>,
    window: Option<&TimeWindow>,
    is_threshold: Option<bool>,
    out: &mut Collector,
) -> Option<ObjectiveParts> {
    let mut ok = true;
    if obj.indicator.is_some() || obj.indicator_ref.is_some() || obj.composite_weight.is_some() {
        let f = if obj.indicator.is_some() {
            "indicator"
        } else if obj.indicator_ref.is_some() {
            "indicatorRef"
        } else {
            "compositeWeight"
        };
        out.push(doc.error(
            "unsupported",
            &format!("{p}.{f}"),
            "composite SLOs (an indicator per objective) are not supported",
            Some("one SLO per indicator, with `indicator` or `indicatorRef` under `spec`"),
        ));
        ok = false;
    }
    let target = match (&obj.target, &obj.target_percent) {
        (Some(t), None) => fraction(doc, &format!("{p}.target"), t, "target", out).map(|t| (t, format!("{p}.target"))),
        (None, Some(t)) => check::target_percent(doc, &format!("{p}.targetPercent"), t)
            .map(|t| (t, format!("{p}.targetPercent")))
            .map_err(|e| out.push(e))
            .ok(),
        (Some(_), Some(_)) => {
            out.push(doc.error(
                "conflicting-fields",
                &format!("{p}.targetPercent"),
                "an objective has either `target` or `targetPercent`, not both",
                Some("target: 0.999 (a fraction) or targetPercent: 99.9"),
            ));
            None
        }
        (None, None) => {
            out.push(doc.error(
                "missing-field",
                &format!("{p}.target"),
                "an objective needs a `target`",
                Some("target: 0.999 (a fraction), or targetPercent: 99.9"),
            ));
            None
        }
    };
    let budgeting = method.and_then(|m| budgeting(doc, p, obj, m, window, out));
    let threshold = match is_threshold {
        Some(true) => threshold(doc, p, obj, out),
        Some(false) => {
            if obj.op.is_some() || obj.value.is_some() {
                let f = if obj.op.is_some() { "op" } else { "value" };
                out.push(doc.warning(
                    "ignored-field",
                    &format!("{p}.{f}"),
                    "`op` and `value` only apply to a thresholdMetric indicator; ignored",
                    None,
                ));
            }
            Some(None)
        }
        None => Some(None),
    };
    let name = slo_name.map(|n| match (count, obj.display_name.as_deref().map(check::slug)) {
        (1, _) => n.to_string(),
        (_, Some(s)) if !s.is_empty() => format!("{n}-{s}"),
        _ => format!("{n}-{i}"),
    });
    let (Some((target, target_path)), Some(budgeting), Some(threshold), Some(name), true) =
        (target, budgeting, threshold, name, ok)
    else {
        return None;
    };
    Some(ObjectiveParts { name, target, target_path, budgeting, threshold })
}

/// `op` and `value` of a threshold objective.
fn threshold(
    doc: &Document<'_>,
    p: &str,
    obj: &ObjectiveSpec,
    out: &mut Collector,
) -> Option<Option<(Comparison, f64)>> {
    const OP_HINT: &str = "lt, lte, gt or gte: the comparison that makes a sample good";
    let op = match obj.op.as_deref() {
        Some(raw) => match Comparison::parse(raw.trim()) {
            Some(op) => Some(op),
            None => {
                out.push(doc.error(
                    "invalid-op",
                    &format!("{p}.op"),
                    format!("unknown operator `{raw}`"),
                    Some(OP_HINT),
                ));
                None
            }
        },
        None => {
            out.push(doc.error(
                "missing-field",
                &format!("{p}.op"),
                "an objective of a thresholdMetric indicator needs `op`",
                Some(OP_HINT),
            ));
            None
        }
    };
    let value = match obj.value {
        Some(v) if v.is_finite() => Some(v),
        Some(v) => {
            out.push(doc.error("invalid-value", &format!("{p}.value"), format!("`{v}` is not a number"), None));
            None
        }
        None => {
            out.push(doc.error(
                "missing-field",
                &format!("{p}.value"),
                "an objective of a thresholdMetric indicator needs `value`",
                Some("the number each sample is compared with, such as `value: 0.2`"),
            ));
            None
        }
    };
    Some(Some((op?, value?)))
}

/// The objective's budgeting method, with its slices.
fn budgeting(
    doc: &Document<'_>,
    p: &str,
    obj: &ObjectiveSpec,
    method: Method,
    window: Option<&TimeWindow>,
    out: &mut Collector,
) -> Option<BudgetingMethod> {
    let ignored = |out: &mut Collector, f: &str, why: &str| {
        out.push(doc.warning("ignored-field", &format!("{p}.{f}"), format!("`{f}` {why}; ignored"), None));
    };
    match method {
        Method::Occurrences => {
            for (f, present) in [
                ("timeSliceTarget", obj.time_slice_target.is_some()),
                ("timeSliceWindow", obj.time_slice_window.is_some()),
            ] {
                if present {
                    ignored(out, f, "only applies to the Timeslices and RatioTimeslices budgeting methods");
                }
            }
            Some(BudgetingMethod::Occurrences)
        }
        Method::Timeslices => {
            let target = match &obj.time_slice_target {
                Some(t) => fraction(doc, &format!("{p}.timeSliceTarget"), t, "timeSliceTarget", out),
                None => {
                    out.push(doc.error(
                        "missing-field",
                        &format!("{p}.timeSliceTarget"),
                        "the Timeslices budgeting method needs `timeSliceTarget`",
                        Some("the share of good events that makes a slice good, such as `timeSliceTarget: 0.95`"),
                    ));
                    None
                }
            };
            let slice = window::slice_window(doc, p, obj.time_slice_window.as_ref(), "Timeslices", window, out);
            Some(BudgetingMethod::Timeslices { slice: slice?, slice_target: target? })
        }
        Method::RatioTimeslices => {
            if obj.time_slice_target.is_some() {
                ignored(out, "timeSliceTarget", "does not apply to the RatioTimeslices budgeting method");
            }
            let slice = window::slice_window(doc, p, obj.time_slice_window.as_ref(), "RatioTimeslices", window, out)?;
            Some(BudgetingMethod::RatioTimeslices { slice })
        }
    }
}

/// The model alert policy: the burn-rate conditions of the SLO's policies,
/// fitted to its window, or the standard policy when there are none.
fn alerting(doc: &Document<'_>, window: &TimeWindow, policies: &[Policy], out: &mut Collector) -> AlertPolicy {
    if policies.is_empty() {
        return check::standard_alerting(doc, "spec.timeWindow", window, out);
    }
    let slo = window.nominal_length();
    let pairs = policies.iter().flat_map(|p| &p.conditions).map(|c| c.window(slo)).collect();
    let (windows, warnings) = fit_windows(pairs, slo);
    for w in warnings {
        out.push(doc.warning("alert-window-scaled", "spec.alertPolicies", w, None));
    }
    let mut targets: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for t in policies.iter().flat_map(|p| &p.targets) {
        if seen.insert(t.as_str()) {
            targets.push(t);
        }
    }
    let mut annotations = Labels::new();
    if !targets.is_empty() {
        annotations.insert(NOTIFICATION_TARGET_ANNOTATION.into(), targets.join(","));
    }
    AlertPolicy {
        enabled: true,
        name: None,
        labels: Labels::new(),
        annotations,
        page: TierPolicy::default(),
        ticket: TierPolicy::default(),
        windows,
        custom_windows: true,
    }
}
