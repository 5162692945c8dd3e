//! Reliably manifests: `apiVersion: reliably.com/v1`, `kind: Objective`.
//!
//! Reliably (reliably.com) kept one objective per YAML document, with
//! `---` between them:
//!
//! ```yaml
//! apiVersion: reliably.com/v1
//! kind: Objective
//! metadata:
//!   labels:
//!     name: 99% of requests over last 5 minutes   # a human title
//!     service: my-test-service
//! spec:
//!   indicatorSelector:
//!     datadog_numerator_query: sum:trace.http.request.hits{service:web}.as_count()
//!     datadog_denominator_query: sum:trace.http.request.hits{service:web}.as_count()
//!   objectivePercent: 99
//!   window: 1h0m0s
//! ```
//!
//! How it maps onto the [model](crate::model):
//!
//! | Reliably                         | model                                                   |
//! |----------------------------------|---------------------------------------------------------|
//! | `metadata.labels.name`           | `display_name` as written; `name` is its slug           |
//! | `metadata.labels.service`        | `service`                                               |
//! | other `metadata.labels`          | `labels`                                                |
//! | `metadata.relatedTo`             | ignored, with a warning                                 |
//! | `spec.indicatorSelector`         | [`Indicator::Selector`]: its plain labels (only queries: [`Indicator::Ratio`]) |
//! | `datadog_numerator_query`, `datadog_denominator_query` | the selector's Datadog ratio: good events, all events |
//! | `prometheus_numerator_query`, `prometheus_denominator_query` | the same in PromQL (a sloop extension, not Reliably's) |
//! | `spec.objectivePercent`          | `target` (percent)                                      |
//! | `spec.window`                    | a rolling window; Go (`1h0m0s`, `720h`) or ISO 8601 (`PT5M`, `P30D`) |
//!
//! Reliably had no alerting, so every objective gets the standard
//! multi-window multi-burn-rate policy, fitted to its window.
//!
//! The writer emits one `Objective` document per objective. Ratio indicators
//! become query keys of the selector: Datadog queries as `datadog_*`, PromQL
//! as `prometheus_*` (sloop's extension, with [`query::window_template`]
//! applied so that a bare counter selector becomes a full expression).
//! Anything Reliably cannot express is reported as a [`Loss`].

use std::collections::HashSet;

use promql_parser::parser::Expr;
use serde::{Deserialize, Serialize};

use crate::alerting::AlertPolicy;
use crate::diagnostic::Diagnostic;
use crate::model::{
    BudgetingMethod, EventQuery, Indicator, Labels, LatencyIndicator, LatencyTotal, Manifest, Objective, ProviderKind,
    ProviderRef, RatioIndicator, SelectorIndicator, TimeWindow,
};
use crate::query;
use crate::source::Document;
use crate::spec::check::{self, NumOrStr};
use crate::spec::{Collector, Format, Loss, Written, field};
use crate::target::TARGET_HINT;

/// Reliably's `apiVersion`.
pub const API_VERSION: &str = "reliably.com/v1";

/// The one Reliably kind sloop reads and writes.
pub const KIND: &str = "Objective";

/// The metadata label holding the objective's title.
const NAME_LABEL: &str = "name";
/// The metadata label holding the service.
const SERVICE_LABEL: &str = "service";

/// Datadog query of the good events.
const DD_NUMERATOR: &str = "datadog_numerator_query";
/// Datadog query of all events.
const DD_DENOMINATOR: &str = "datadog_denominator_query";
/// PromQL query of the good events (sloop extension).
const PROM_NUMERATOR: &str = "prometheus_numerator_query";
/// PromQL query of all events (sloop extension).
const PROM_DENOMINATOR: &str = "prometheus_denominator_query";

/// The selector keys that hold queries, per provider: (numerator, denominator).
const QUERY_KEYS: [(ProviderKind, &str, &str); 2] = [
    (ProviderKind::Datadog, DD_NUMERATOR, DD_DENOMINATOR),
    (ProviderKind::Prometheus, PROM_NUMERATOR, PROM_DENOMINATOR),
];

const SELECTOR: &str = "spec.indicatorSelector";
const TARGET_PATH: &str = "spec.objectivePercent";
const WINDOW_PATH: &str = "spec.window";
const NAME_PATH: &str = "metadata.labels.name";
const SERVICE_PATH: &str = "metadata.labels.service";

/// One Reliably document as written. `M` is the metadata: a plain label map
/// when reading, [`OutMetadata`] (title and service first) when writing.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ObjectiveDoc<M> {
    api_version: String,
    kind: String,
    metadata: Option<M>,
    spec: Option<Spec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Metadata {
    #[serde(default)]
    labels: Labels,
    /// Labels of other entities this one relates to; sloop has no use for them.
    #[serde(default)]
    related_to: Labels,
}

#[derive(Debug, Serialize)]
struct OutMetadata {
    labels: OutLabels,
}

#[derive(Debug, Serialize)]
struct OutLabels {
    name: String,
    service: String,
    #[serde(flatten)]
    other: Labels,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    indicator_selector: Labels,
    #[serde(skip_serializing_if = "Option::is_none")]
    objective_percent: Option<Percent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<String>,
}

/// `objectivePercent`: whole numbers are written without a decimal point.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
enum Percent {
    Int(u64),
    Num(f64),
    Str(String),
}

impl Percent {
    fn text(&self) -> String {
        match self {
            Percent::Int(n) => n.to_string(),
            Percent::Num(n) => format!("{n}"),
            Percent::Str(s) => s.clone(),
        }
    }
}

/// Reads Reliably `Objective` documents, one objective each.
pub(crate) fn read(docs: &[Document<'_>], out: &mut Collector) {
    for doc in docs {
        read_one(doc, out);
    }
}

fn read_one(doc: &Document<'_>, out: &mut Collector) {
    let raw: ObjectiveDoc<Metadata> = match doc.deserialize() {
        Ok(r) => r,
        Err(e) => return out.push(e),
    };
    let mut errors: Vec<Diagnostic> = Vec::new();
    let metadata = raw.metadata.unwrap_or_default();
    let spec = raw.spec.unwrap_or_default();

    if !metadata.related_to.is_empty() {
        out.push(doc.warning(
            "ignored-field",
            "metadata.relatedTo",
            "sloop does not model relationships between entities: `relatedTo` is ignored",
            None,
        ));
    }

    let title = match metadata.labels.get(NAME_LABEL) {
        None => {
            errors.push(doc.error(
                "missing-field",
                NAME_PATH,
                "the objective has no title: Reliably names an objective with the `name` label",
                Some("a title such as `name: 99% of requests over last 5 minutes`"),
            ));
            None
        }
        Some(t) => match check::name(doc, NAME_PATH, t) {
            Err(e) => {
                errors.push(e);
                None
            }
            Ok(_) if check::slug(t).is_empty() => {
                errors.push(doc.error(
                    "invalid-name",
                    NAME_PATH,
                    format!("the title `{t}` has no letter or digit to make an identifier from"),
                    Some("a title with words, such as `99% of requests over last 5 minutes`"),
                ));
                None
            }
            Ok(_) => Some(t.clone()),
        },
    };

    let service = match metadata.labels.get(SERVICE_LABEL) {
        None => {
            errors.push(doc.error(
                "missing-field",
                SERVICE_PATH,
                "the objective names no service: Reliably ties an objective to a service with the `service` label",
                Some("the service's name, such as `service: checkout`"),
            ));
            None
        }
        Some(s) => check::name(doc, SERVICE_PATH, s).map_err(|e| errors.push(e)).ok(),
    };

    let target = match &spec.objective_percent {
        None => {
            errors.push(doc.error(
                "missing-field",
                TARGET_PATH,
                "the objective has no `objectivePercent`",
                Some(TARGET_HINT),
            ));
            None
        }
        Some(p) => check::target_percent(doc, TARGET_PATH, &NumOrStr::Str(p.text())).map_err(|e| errors.push(e)).ok(),
    };

    let window = match &spec.window {
        None => {
            errors.push(doc.error(
                "missing-field",
                WINDOW_PATH,
                "the objective has no `window`",
                Some("a duration such as 720h or 1h0m0s (Go), or P30D or PT5M (ISO 8601)"),
            ));
            None
        }
        Some(w) => check::duration(doc, WINDOW_PATH, w).map_err(|e| errors.push(e)).ok(),
    };

    let indicator = read_selector(doc, &spec.indicator_selector, &mut errors, out);

    let (Some(title), Some(service), Some(target), Some(window), Some(indicator), true) =
        (title, service, target, window, indicator, errors.is_empty())
    else {
        return out.extend(errors);
    };

    let window = TimeWindow::rolling(window);
    let alerting = check::standard_alerting(doc, WINDOW_PATH, &window, out);
    let (good_path, total_path) = match indicator.ratio.as_ref().map(|r| r.provider.kind) {
        Some(ProviderKind::Prometheus) => (PROM_NUMERATOR, PROM_DENOMINATOR),
        _ => (DD_NUMERATOR, DD_DENOMINATOR),
    };
    let labels = metadata.labels.into_iter().filter(|(k, _)| k != NAME_LABEL && k != SERVICE_LABEL).collect::<Labels>();
    let objective = Objective {
        name: check::slug(&title),
        display_name: Some(title),
        service,
        description: None,
        labels,
        // A selector of queries only is just a ratio of those queries: with no
        // labels left it would select every pushed indicator.
        indicator: match indicator {
            SelectorIndicator { labels, ratio: Some(r) } if labels.is_empty() => Indicator::Ratio(r),
            s => Indicator::Selector(s),
        },
        target,
        window,
        budgeting: BudgetingMethod::Occurrences,
        alerting,
        runbook_url: None,
        traffic: None,
    };
    out.objective(
        objective,
        doc,
        "spec",
        Format::Reliably,
        &[
            (field::NAME, NAME_PATH.into()),
            (field::TARGET, TARGET_PATH.into()),
            (field::WINDOW, WINDOW_PATH.into()),
            (field::GOOD, format!("{SELECTOR}.{good_path}")),
            (field::TOTAL, format!("{SELECTOR}.{total_path}")),
            (field::INDICATOR, SELECTOR.into()),
        ],
    );
}

/// The selector's plain labels and, when it names queries, their ratio.
fn read_selector(
    doc: &Document<'_>,
    selector: &Labels,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<SelectorIndicator> {
    if selector.is_empty() {
        errors.push(doc.error(
            "missing-field",
            SELECTOR,
            "the objective has no `indicatorSelector`, so no indicator counts for it",
            Some(
                "labels that the indicators carry, such as `category: availability`, or the queries \
                 `datadog_numerator_query` (good events) and `datadog_denominator_query` (all events)",
            ),
        ));
        return None;
    }
    let is_query_key = |k: &str| QUERY_KEYS.iter().any(|(_, n, d)| k == *n || k == *d);
    for key in selector.keys().filter(|k| !is_query_key(k)) {
        if key.starts_with("datadog_") || key.starts_with("prometheus_") {
            out.push(doc.warning(
                "unknown-query-key",
                &format!("{SELECTOR}.{key}"),
                format!("`{key}` is not a query key sloop knows: it is kept as a plain selector label"),
                Some("datadog_numerator_query, datadog_denominator_query, prometheus_numerator_query or prometheus_denominator_query"),
            ));
        }
    }
    let labels: Labels =
        selector.iter().filter(|(k, _)| !is_query_key(k)).map(|(k, v)| (k.clone(), v.clone())).collect();

    let present: Vec<_> =
        QUERY_KEYS.iter().filter(|(_, n, d)| selector.contains_key(*n) || selector.contains_key(*d)).collect();
    let Some(&&(kind, numerator, denominator)) = present.first() else {
        return Some(SelectorIndicator { labels, ratio: None });
    };
    if present.len() > 1 {
        errors.push(doc.error(
            "conflicting-queries",
            SELECTOR,
            "the selector names both Datadog and Prometheus queries; an objective's queries go to one provider",
            Some("either the datadog_numerator_query/datadog_denominator_query pair or the prometheus_* pair"),
        ));
        return None;
    }
    let mut query_at = |key: &str, other: &str, what: &str| -> Option<String> {
        let path = format!("{SELECTOR}.{key}");
        match selector.get(key) {
            Some(q) => check::query(doc, &path, kind, q).map(|()| q.clone()).map_err(|e| errors.push(e)).ok(),
            None => {
                let other_path = format!("{SELECTOR}.{other}");
                errors.push(doc.error(
                    "missing-query",
                    &other_path,
                    format!("`{other}` is given without `{key}`: a ratio needs both the good events and all events"),
                    Some(&format!("`{key}`: {what}")),
                ));
                None
            }
        }
    };
    let good = query_at(numerator, denominator, "the query of the good events, such as hits - errors");
    let total = query_at(denominator, numerator, "the query of all events, such as hits");
    let (good, total) = (good?, total?);
    let ratio = RatioIndicator { provider: ProviderRef { kind, name: None }, events: EventQuery::Good(good), total };
    Some(SelectorIndicator { labels, ratio: Some(ratio) })
}

/// Writes one Reliably `Objective` document per objective, `---` between them.
pub(crate) fn write(m: &Manifest) -> Written {
    let mut losses = Vec::new();
    // (service, name) of the objectives written so far, as they will read back.
    let mut taken = HashSet::new();
    let docs: Vec<ObjectiveDoc<OutMetadata>> =
        m.objectives.iter().filter_map(|o| write_one(o, &mut taken, &mut losses)).collect();
    service_losses(m, &mut losses);
    let text = match docs.iter().map(crate::spec::to_yaml).collect::<Result<Vec<_>, _>>() {
        Ok(t) => t.join("---\n"),
        Err(e) => {
            losses.push(Loss {
                objective: String::new(),
                field: String::new(),
                reason: format!("the YAML could not be written: {e}"),
            });
            String::new()
        }
    };
    Written { text, losses }
}

fn write_one(
    o: &Objective,
    taken: &mut HashSet<(String, String)>,
    losses: &mut Vec<Loss>,
) -> Option<ObjectiveDoc<OutMetadata>> {
    let indicator_selector = match &o.indicator {
        Indicator::Selector(s) => {
            let mut sel = s.labels.clone();
            if let Some(r) = &s.ratio {
                ratio_keys(o, r, &mut sel, losses);
            }
            sel
        }
        Indicator::Ratio(r) => {
            let mut sel = Labels::new();
            ratio_keys(o, r, &mut sel, losses);
            sel
        }
        Indicator::Latency(l) if l.provider.kind == ProviderKind::Prometheus => latency_keys(o, l, losses),
        other => {
            let why = match other {
                Indicator::Raw(_) => "a query that yields the ratio itself cannot be split into the good and total \
                                      event counts Reliably's numerator and denominator are"
                    .to_string(),
                Indicator::Threshold(_) => "Reliably has no metric-against-a-value indicator".to_string(),
                _ => format!(
                    "Reliably has no latency indicator, and a {} histogram cannot be written as a ratio of queries",
                    other.provider().map_or("", |p| p.kind.as_str())
                ),
            };
            losses.push(Loss::new(
                o,
                field::INDICATOR,
                format!("{why}; the {} objective is not written", other.kind_name()),
            ));
            return None;
        }
    };
    if indicator_selector.is_empty() {
        losses.push(Loss::new(o, field::INDICATOR, "the selector is empty, so it selects nothing; not written"));
        return None;
    }

    let title = title(o, taken, losses);

    let mut other = Labels::new();
    for (k, v) in &o.labels {
        if k == NAME_LABEL || k == SERVICE_LABEL {
            losses.push(Loss::new(
                o,
                &format!("labels.{k}"),
                if k == SERVICE_LABEL && *v == o.service {
                    format!("the label `{k}: {v}` is Reliably's own service label: it reads back as the service only")
                } else {
                    format!("the label `{k}: {v}` clashes with Reliably's own `{k}` label; dropped")
                },
            ));
        } else {
            other.insert(k.clone(), v.clone());
        }
    }

    let window = match &o.window {
        TimeWindow::Rolling { duration } => *duration,
        TimeWindow::Calendar(_) => {
            let nominal = o.window.nominal_length();
            losses.push(Loss::new(
                o,
                field::WINDOW,
                format!(
                    "Reliably windows are rolling: {} is written as a rolling {}",
                    o.window.describe(),
                    nominal.to_words()
                ),
            ));
            nominal
        }
    };
    if o.budgeting != BudgetingMethod::Occurrences {
        losses.push(Loss::new(
            o,
            "budgeting",
            format!("Reliably counts every event: the {} budgeting method is dropped", o.budgeting.openslo_name()),
        ));
    }
    alerting_loss(o, losses);
    if let Some(d) = &o.description {
        losses.push(Loss::new(o, "description", format!("Reliably objectives have no description: `{d}` is dropped")));
    }
    if let Some(u) = &o.runbook_url {
        losses.push(Loss::new(o, "runbook_url", format!("Reliably objectives have no runbook: `{u}` is dropped")));
    }
    if let Some(t) = o.traffic {
        losses.push(Loss::new(o, field::TRAFFIC, format!("Reliably cannot declare traffic: {t} events/s is dropped")));
    }

    Some(ObjectiveDoc {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        metadata: Some(OutMetadata { labels: OutLabels { name: title, service: o.service.clone(), other } }),
        spec: Some(Spec { indicator_selector, objective_percent: Some(percent(o)), window: Some(window.to_go()) }),
    })
}

/// The `name` label: the display name, unless it cannot name an objective or
/// would read back as the name of an objective already written.
fn title(o: &Objective, taken: &mut HashSet<(String, String)>, losses: &mut Vec<Loss>) -> String {
    let mut title = match &o.display_name {
        Some(d) if !check::slug(d).is_empty() => d.clone(),
        Some(d) => {
            losses.push(Loss::new(o, "display_name", format!("the title `{d}` cannot name a Reliably objective")));
            o.name.clone()
        }
        None => o.name.clone(),
    };
    if title != o.name && taken.contains(&(o.service.clone(), check::slug(&title))) {
        losses.push(Loss::new(
            o,
            "display_name",
            format!(
                "the title `{title}` would read back as the same objective as an earlier one: the name `{}` is \
                 written as the title instead",
                o.name
            ),
        ));
        title = o.name.clone();
    }
    let reread = check::slug(&title);
    if reread != o.name {
        losses.push(Loss::new(
            o,
            field::NAME,
            format!(
                "Reliably identifies an objective by its title `{title}`: the name `{}` reads back as `{reread}`",
                o.name
            ),
        ));
    }
    taken.insert((o.service.clone(), reread));
    title
}

/// The target as a YAML number: `99`, `99.9`.
fn percent(o: &Objective) -> Percent {
    let s = o.target.percent_string();
    if let Ok(n) = s.parse::<u64>() {
        return Percent::Int(n);
    }
    s.parse::<f64>().map(Percent::Num).unwrap_or(Percent::Str(s))
}

/// Adds the ratio's query keys to the selector.
fn ratio_keys(o: &Objective, r: &RatioIndicator, sel: &mut Labels, losses: &mut Vec<Loss>) {
    let (numerator, denominator) = keys_for(r.provider.kind);
    let full = |q: &str| match r.provider.kind {
        ProviderKind::Prometheus => query::window_template(q),
        ProviderKind::Datadog => q.to_string(),
    };
    let total = full(&r.total);
    let good = match &r.events {
        EventQuery::Good(q) => full(q),
        EventQuery::Bad(q) => {
            losses.push(Loss::new(
                o,
                field::BAD,
                "Reliably's numerator counts good events: it is written as all events minus the bad ones, \
                 which reads back as a good-events query",
            ));
            let bad = full(q);
            format!("{} - {}", operand(r.provider.kind, &total), operand(r.provider.kind, &bad))
        }
    };
    if let Some(name) = &r.provider.name {
        losses.push(Loss::new(
            o,
            "indicator.provider",
            format!("Reliably cannot name a data source: `{name}` is dropped"),
        ));
    }
    sel.insert(numerator.into(), good);
    sel.insert(denominator.into(), total);
}

/// A query as an operand of `-`, in parentheses unless it is a single term.
fn operand(kind: ProviderKind, q: &str) -> String {
    let single = match kind {
        ProviderKind::Prometheus => matches!(
            query::parse_promql(q),
            Ok(Expr::Aggregate(_) | Expr::Call(_) | Expr::VectorSelector(_) | Expr::Paren(_))
        ),
        ProviderKind::Datadog => {
            // No arithmetic outside `{tags}` and `(arguments)`.
            let mut depth = 0i32;
            !q.trim().chars().any(|c| {
                match c {
                    '{' | '(' => depth += 1,
                    '}' | ')' => depth -= 1,
                    _ => {}
                }
                depth == 0 && matches!(c, '+' | '-' | '*' | '/')
            })
        }
    };
    if single { q.trim().to_string() } else { format!("({})", q.trim()) }
}

fn keys_for(kind: ProviderKind) -> (&'static str, &'static str) {
    match kind {
        ProviderKind::Datadog => (DD_NUMERATOR, DD_DENOMINATOR),
        ProviderKind::Prometheus => (PROM_NUMERATOR, PROM_DENOMINATOR),
    }
}

/// A Prometheus latency indicator as a ratio of histogram series: requests
/// in the threshold's bucket over all requests.
fn latency_keys(o: &Objective, l: &LatencyIndicator, losses: &mut Vec<Loss>) -> Labels {
    let selector = |suffix: &str, le: Option<&str>| {
        let le = le.map(|v| format!("le=\"{v}\""));
        let matchers: Vec<&str> = l.matchers.iter().map(String::as_str).chain(le.as_deref()).collect();
        let braces = if matchers.is_empty() { String::new() } else { format!("{{{}}}", matchers.join(",")) };
        format!("sum(rate({}{suffix}{braces}[{}]))", l.metric, query::WINDOW_PLACEHOLDER)
    };
    let good = selector("_bucket", Some(&l.threshold));
    let total = match l.total {
        LatencyTotal::InfBucket => selector("_bucket", Some("+Inf")),
        LatencyTotal::Count => selector("_count", None),
    };
    let buckets = if l.buckets.is_some() { "; the declared buckets are dropped" } else { "" };
    losses.push(Loss::new(
        o,
        field::INDICATOR,
        format!(
            "Reliably has no latency indicator: written as the ratio of requests in the le=\"{}\" bucket to all \
             requests, which reads back as a ratio indicator{buckets}",
            l.threshold
        ),
    ));
    Labels::from([(PROM_NUMERATOR.to_string(), good), (PROM_DENOMINATOR.to_string(), total)])
}

/// A loss when the policy is not the standard one that reading back gives.
fn alerting_loss(o: &Objective, losses: &mut Vec<Loss>) {
    let (standard, _) = AlertPolicy::standard(o.window.nominal_length());
    let a = &o.alerting;
    if *a == standard {
        return;
    }
    let mut what = Vec::new();
    if !a.enabled {
        what.push("the disabled alerting");
    }
    if a.windows != standard.windows || a.custom_windows {
        what.push("custom burn-rate windows");
    }
    if a.name.is_some() {
        what.push("the alert name");
    }
    if !a.labels.is_empty() || !a.annotations.is_empty() {
        what.push("alert labels and annotations");
    }
    if a.page != standard.page || a.ticket != standard.ticket {
        what.push("page and ticket settings");
    }
    losses.push(Loss::new(
        o,
        field::ALERTING,
        format!(
            "Reliably has no alerting, so {} cannot be written: the objective reads back with the standard policy",
            if what.is_empty() { "the policy".to_string() } else { what.join(", ") }
        ),
    ));
}

/// Reliably has no service entity: only the service's name survives, on
/// each objective.
fn service_losses(m: &Manifest, losses: &mut Vec<Loss>) {
    for s in &m.services {
        let objectives: Vec<&Objective> = m.objectives.iter().filter(|o| o.service == s.name).collect();
        let loss = |field: &str, reason: String| Loss { objective: s.name.clone(), field: field.into(), reason };
        if objectives.is_empty() {
            losses.push(loss(
                "service",
                "Reliably has no service entity: a service without objectives is dropped".into(),
            ));
            continue;
        }
        if let Some(d) = &s.display_name {
            losses.push(loss("service.display_name", format!("Reliably services have no title: `{d}` is dropped")));
        }
        if let Some(d) = &s.description {
            losses
                .push(loss("service.description", format!("Reliably services have no description: `{d}` is dropped")));
        }
        let carried = |k: &String, v: &String| objectives.iter().all(|o| o.labels.get(k) == Some(v));
        let dropped: Vec<String> =
            s.labels.iter().filter(|(k, v)| !carried(k, v)).map(|(k, v)| format!("{k}: {v}")).collect();
        if !dropped.is_empty() {
            losses.push(loss(
                "service.labels",
                format!("Reliably has no service entity: the service labels {} are dropped", dropped.join(", ")),
            ));
        }
    }
}
