//! SLIs: `ratioMetric` (good/bad/total or raw) and `thresholdMetric`, and
//! their metric sources.

use super::read::Named;
use super::types::{MetricSpec, SliSpec};
use crate::model::{EventQuery, ProviderKind, ProviderRef, RatioIndicator, RawIndicator, RawMeasure};
use crate::source::Document;
use crate::spec::{Collector, check, field};

/// What an SLI measures, before an objective's `op` and `value`.
#[derive(Debug, Clone)]
pub(super) enum Source {
    /// Good or bad over total.
    Ratio(RatioIndicator),
    /// A query yielding the ratio.
    Raw(RawIndicator),
    /// A metric compared with each objective's `op` and `value`.
    Threshold {
        /// Where the query runs.
        provider: ProviderRef,
        /// The query.
        query: String,
    },
}

/// A checked SLI, with the paths its queries were written at.
#[derive(Debug, Clone)]
pub(super) struct ResolvedSli {
    /// What it measures.
    pub(super) source: Source,
    /// Model field → document path, for [`crate::spec::Origin`].
    pub(super) fields: Vec<(&'static str, String)>,
}

const TYPE_HINT: &str = "type: Prometheus or type: Datadog (the metric source types sloop reads)";

/// A checked metric source.
struct Metric {
    provider: ProviderRef,
    query: String,
    /// Where the query is: `...metricSource.spec.query`.
    path: String,
}

/// Reads an SLI's spec; `prefix` is where the spec is (`spec` in an SLI
/// document, `spec.indicator.spec` inline in an SLO).
pub(super) fn sli(
    doc: &Document<'_>,
    prefix: &str,
    spec: &SliSpec,
    ds: &Named<String>,
    out: &mut Collector,
) -> Option<ResolvedSli> {
    match (&spec.threshold_metric, &spec.ratio_metric) {
        (Some(_), Some(_)) => {
            out.push(doc.error(
                "conflicting-fields",
                &format!("{prefix}.thresholdMetric"),
                "an SLI has either `ratioMetric` or `thresholdMetric`, not both",
                Some("ratioMetric (good or bad over total, or raw) or thresholdMetric"),
            ));
            None
        }
        (None, None) => {
            out.push(doc.error(
                "missing-field",
                &format!("{prefix}.ratioMetric"),
                "an SLI needs a `ratioMetric` or a `thresholdMetric`",
                Some("ratioMetric: {good: {metricSource: ...}, total: {metricSource: ...}}"),
            ));
            None
        }
        (Some(t), None) => {
            let m = metric(doc, &format!("{prefix}.thresholdMetric"), t, ds, out)?;
            Some(ResolvedSli {
                source: Source::Threshold { provider: m.provider, query: m.query },
                fields: vec![(field::INDICATOR, m.path)],
            })
        }
        (None, Some(r)) => ratio(doc, &format!("{prefix}.ratioMetric"), r, ds, out),
    }
}

fn ratio(
    doc: &Document<'_>,
    p: &str,
    r: &super::types::RatioMetric,
    ds: &Named<String>,
    out: &mut Collector,
) -> Option<ResolvedSli> {
    if let Some(raw) = &r.raw {
        if r.good.is_some() || r.bad.is_some() || r.total.is_some() {
            out.push(doc.error(
                "conflicting-fields",
                &format!("{p}.raw"),
                "`raw` cannot be combined with `good`, `bad` or `total`",
                Some("either `raw` with `rawType`, or `good` (or `bad`) with `total`"),
            ));
            return None;
        }
        const RAW_HINT: &str = "rawType: success (the query gives the share of good events) or failure (of bad events)";
        let measures = match r.raw_type.as_deref().map(|t| t.trim().to_ascii_lowercase()) {
            Some(t) if t == "success" => Some(RawMeasure::GoodRatio),
            Some(t) if t == "failure" => Some(RawMeasure::ErrorRatio),
            Some(t) => {
                out.push(doc.error(
                    "invalid-raw-type",
                    &format!("{p}.rawType"),
                    format!("unknown rawType `{t}`"),
                    Some(RAW_HINT),
                ));
                None
            }
            None => {
                out.push(doc.error("missing-field", &format!("{p}.rawType"), "`raw` needs `rawType`", Some(RAW_HINT)));
                None
            }
        };
        let m = metric(doc, &format!("{p}.raw"), raw, ds, out);
        let (measures, m) = (measures?, m?);
        return Some(ResolvedSli {
            source: Source::Raw(RawIndicator { provider: m.provider, query: m.query, measures }),
            fields: vec![(field::INDICATOR, m.path)],
        });
    }
    if r.raw_type.is_some() {
        out.push(doc.warning(
            "ignored-field",
            &format!("{p}.rawType"),
            "`rawType` only applies to `raw`; ignored",
            None,
        ));
    }
    let (side, spec, bad) = match (&r.good, &r.bad) {
        (Some(_), Some(_)) => {
            out.push(doc.error(
                "conflicting-fields",
                &format!("{p}.bad"),
                "a ratioMetric has either `good` or `bad`, not both",
                Some("`good` with `total`, or `bad` with `total`"),
            ));
            return None;
        }
        (None, None) => {
            let path = if r.total.is_some() { format!("{p}.good") } else { p.to_string() };
            out.push(doc.error(
                "missing-field",
                &path,
                "a ratioMetric needs `good` or `bad` with `total`, or `raw`",
                Some("good: {metricSource: ...} and total: {metricSource: ...}"),
            ));
            return None;
        }
        (Some(g), None) => ("good", g, false),
        (None, Some(b)) => ("bad", b, true),
    };
    let events = metric(doc, &format!("{p}.{side}"), spec, ds, out);
    let Some(total_spec) = &r.total else {
        out.push(doc.error(
            "missing-field",
            &format!("{p}.total"),
            format!("`{side}` needs `total`, the count of all events"),
            Some("total: {metricSource: {type: Prometheus, spec: {query: ...}}}"),
        ));
        return None;
    };
    let total = metric(doc, &format!("{p}.total"), total_spec, ds, out);
    let (events, total) = (events?, total?);
    if events.provider != total.provider {
        out.push(doc.error(
            "mixed-sources",
            &format!("{p}.total.metricSource"),
            format!(
                "`{side}` and `total` query different data sources ({} and {})",
                describe(&events.provider),
                describe(&total.provider)
            ),
            Some("the same `type` and `metricSourceRef` for both queries"),
        ));
        return None;
    }
    let (query_field, q) =
        if bad { (field::BAD, EventQuery::Bad(events.query)) } else { (field::GOOD, EventQuery::Good(events.query)) };
    Some(ResolvedSli {
        source: Source::Ratio(RatioIndicator { provider: events.provider, events: q, total: total.query }),
        fields: vec![(query_field, events.path), (field::TOTAL, total.path)],
    })
}

fn describe(p: &ProviderRef) -> String {
    match &p.name {
        Some(n) => format!("{} `{n}`", p.kind.as_str()),
        None => p.kind.as_str().to_string(),
    }
}

/// `Prometheus` or `Datadog`, in any case.
fn provider_kind(t: &str) -> Option<ProviderKind> {
    match t.trim().to_ascii_lowercase().as_str() {
        "prometheus" => Some(ProviderKind::Prometheus),
        "datadog" => Some(ProviderKind::Datadog),
        _ => None,
    }
}

/// A `{metricSource: ...}` at `path`: its provider (inline `type`, or the
/// referenced DataSource's) and its checked query.
fn metric(doc: &Document<'_>, path: &str, m: &MetricSpec, ds: &Named<String>, out: &mut Collector) -> Option<Metric> {
    let src = &m.metric_source;
    let sp = format!("{path}.metricSource");
    let (ref_path, type_path) = (format!("{sp}.metricSourceRef"), format!("{sp}.type"));
    let name = src.metric_source_ref.as_deref().map(str::trim);
    let ds_type = match name {
        Some(n) => Some(ds.lookup(doc, &ref_path, n, out)?.clone()),
        None => None,
    };
    let (kind_text, kind_path) = match (&src.type_, &ds_type) {
        (Some(t), Some(d)) if !t.trim().eq_ignore_ascii_case(d.trim()) => {
            out.push(doc.error(
                "conflicting-fields",
                &type_path,
                format!("type `{t}` differs from the type of DataSource `{}`, `{d}`", name.unwrap_or_default()),
                Some(&format!("type: {d}, or no `type` (it is taken from the DataSource)")),
            ));
            return None;
        }
        (Some(t), _) => (t.clone(), type_path.clone()),
        (None, Some(d)) => (d.clone(), ref_path.clone()),
        (None, None) => {
            out.push(doc.error(
                "missing-field",
                &type_path,
                "the metric source names neither a `type` nor a `metricSourceRef`",
                Some("type: Prometheus or type: Datadog, or metricSourceRef naming a DataSource"),
            ));
            return None;
        }
    };
    let Some(kind) = provider_kind(&kind_text) else {
        let whose = match name {
            Some(n) if src.type_.is_none() => format!("DataSource `{n}` is of type `{}`", kind_text.trim()),
            _ => format!("metric source type `{}`", kind_text.trim()),
        };
        out.push(doc.error(
            "unsupported-source",
            &kind_path,
            format!("{whose}, which sloop cannot query"),
            Some(TYPE_HINT),
        ));
        return None;
    };
    let keys: &[&str] = match kind {
        ProviderKind::Prometheus => &["query", "promql"],
        ProviderKind::Datadog => &["query"],
    };
    let spec_path = format!("{sp}.spec");
    let present: Vec<&str> = keys.iter().copied().filter(|k| src.spec.contains_key(*k)).collect();
    let key = match present.as_slice() {
        [k] => *k,
        [] => {
            out.push(doc.error(
                "missing-field",
                &format!("{spec_path}.query"),
                format!("a {} metric source needs `spec.query`", kind_text.trim()),
                Some(match kind {
                    ProviderKind::Prometheus => "spec: {query: sum(rate(http_requests_total[5m]))}",
                    ProviderKind::Datadog => "spec: {query: sum:trace.http.request.hits{service:web}.as_count()}",
                }),
            ));
            return None;
        }
        _ => {
            out.push(doc.error(
                "conflicting-fields",
                &format!("{spec_path}.promql"),
                "`query` and `promql` are the same field; write one",
                Some("spec: {query: ...}"),
            ));
            return None;
        }
    };
    let qpath = format!("{spec_path}.{key}");
    let Some(query) = src.spec.get(key).and_then(|v| v.as_str()) else {
        out.push(doc.error("invalid-query", &qpath, "the query must be text", Some("a query string")));
        return None;
    };
    for other in src.spec.keys().filter(|k| !keys.contains(&k.as_str())) {
        out.push(doc.warning(
            "ignored-field",
            &format!("{spec_path}.{other}"),
            format!(
                "sloop reads only `{}` of a {} metric source; `{other}` is ignored",
                keys.join("`/`"),
                kind.as_str()
            ),
            None,
        ));
    }
    check::query(doc, &qpath, kind, query).map_err(|e| out.push(e)).ok()?;
    Some(Metric {
        provider: ProviderRef { kind, name: name.map(str::to_string) },
        query: query.to_string(),
        path: qpath,
    })
}
