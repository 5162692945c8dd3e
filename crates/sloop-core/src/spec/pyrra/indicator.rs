//! Pyrra indicators → model indicators. Selectors are parsed with
//! promql-parser; see the parent module for the mapping of each kind.

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, VectorSelector};
use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::model::{EventQuery, Indicator, LatencyIndicator, LatencyTotal, ProviderKind, ProviderRef, RatioIndicator};
use crate::query::parse_promql;
use crate::query::windowed_selector;
use crate::source::Document;
use crate::spec::{Collector, check, field};

const SELECTOR_HINT: &str = "a Prometheus vector selector, such as http_requests_total{job=\"app\",code=~\"5..\"}";
const BUCKET_HINT: &str = "the histogram's bucket at the latency threshold, such as http_request_duration_seconds_bucket{job=\"app\",le=\"0.5\"}";
const KINDS: &str = "exactly one of `ratio`, `latency`, `latencyNative` or `bool_gauge`";

/// Where model fields were read from.
pub(super) type Fields = Vec<(&'static str, String)>;

/// `spec.indicator`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IndicatorSpec {
    #[serde(default)]
    ratio: Option<Ratio>,
    #[serde(default)]
    latency: Option<Latency>,
    #[serde(default, rename = "latencyNative")]
    latency_native: Option<LatencyNative>,
    #[serde(default)]
    bool_gauge: Option<BoolGauge>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ratio {
    #[serde(default)]
    errors: Option<Query>,
    #[serde(default)]
    total: Option<Query>,
    #[serde(default)]
    grouping: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Latency {
    #[serde(default)]
    success: Option<Query>,
    #[serde(default)]
    total: Option<Query>,
    #[serde(default)]
    grouping: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LatencyNative {
    #[serde(default)]
    total: Option<Query>,
    #[serde(default)]
    latency: Option<String>,
    #[serde(default)]
    grouping: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoolGauge {
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    grouping: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    #[serde(default)]
    metric: Option<String>,
}

/// Reads `spec.indicator` at `path`. Errors go to `errors`, warnings to `out`.
pub(super) fn read(
    doc: &Document<'_>,
    path: &str,
    spec: Option<&IndicatorSpec>,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<(Indicator, Fields)> {
    let Some(spec) = spec else {
        errors.push(doc.error("missing-field", path, "the SLO needs an `indicator`", Some(KINDS)));
        return None;
    };
    let set = [spec.ratio.is_some(), spec.latency.is_some(), spec.latency_native.is_some(), spec.bool_gauge.is_some()];
    let n = set.iter().filter(|b| **b).count();
    if n != 1 {
        let what = if n == 0 { "the indicator sets no kind" } else { "the indicator sets more than one kind" };
        errors.push(doc.error("invalid-indicator", path, what, Some(KINDS)));
        return None;
    }
    if let Some(r) = &spec.ratio {
        return ratio(doc, &format!("{path}.ratio"), r, errors, out);
    }
    if let Some(l) = &spec.latency {
        return latency(doc, &format!("{path}.latency"), l, errors, out);
    }
    if let Some(l) = &spec.latency_native {
        return latency_native(doc, &format!("{path}.latencyNative"), l, errors, out);
    }
    let b = spec.bool_gauge.as_ref()?;
    bool_gauge(doc, &format!("{path}.bool_gauge"), b, errors, out)
}

fn ratio(
    doc: &Document<'_>,
    path: &str,
    r: &Ratio,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<(Indicator, Fields)> {
    let (errors_path, total_path) = (format!("{path}.errors.metric"), format!("{path}.total.metric"));
    let bad = selector(doc, &errors_path, query_text(&r.errors), errors);
    let total = selector(doc, &total_path, query_text(&r.total), errors);
    grouping(doc, path, &r.grouping, out);
    let ((bad, _), (total, _)) = (bad?, total?);
    if bad == total {
        out.push(doc.warning(
            "suspicious-indicator",
            &errors_path,
            "the errors metric is the same as the total metric, so every request counts as an error",
            Some("a selector of the failed requests only, such as one matching code=~\"5..\""),
        ));
    }
    let indicator = Indicator::Ratio(RatioIndicator {
        provider: ProviderRef::prometheus(),
        events: EventQuery::Bad(bad.to_string()),
        total: total.to_string(),
    });
    Some((indicator, vec![(field::BAD, errors_path), (field::TOTAL, total_path)]))
}

fn latency(
    doc: &Document<'_>,
    path: &str,
    l: &Latency,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<(Indicator, Fields)> {
    let (success_path, total_path) = (format!("{path}.success.metric"), format!("{path}.total.metric"));
    let success = selector(doc, &success_path, query_text(&l.success), errors);
    let total = selector(doc, &total_path, query_text(&l.total), errors);
    grouping(doc, path, &l.grouping, out);
    let ((_, success), (_, total)) = (success?, total?);
    let mut fail = |p: &str, msg: String, hint: &str| {
        errors.push(doc.error("invalid-latency", p, msg, Some(hint)));
        None
    };
    for (p, vs) in [(&success_path, &success), (&total_path, &total)] {
        if vs.offset.is_some() || vs.at.is_some() {
            return fail(p, "a latency selector cannot carry `offset` or `@`".into(), BUCKET_HINT);
        }
        if !vs.matchers.or_matchers.is_empty() {
            return fail(p, "a latency selector cannot use `or` between label matchers".into(), BUCKET_HINT);
        }
    }
    let success_name = metric_name(&success).unwrap_or_default();
    let Some(base) = success_name.strip_suffix("_bucket").filter(|b| !b.is_empty()) else {
        return fail(
            &success_path,
            format!("`{success_name}` is not a histogram bucket series: its name does not end in `_bucket`"),
            BUCKET_HINT,
        );
    };
    let Some(le) = success.matchers.matchers.iter().find(|m| m.name == "le") else {
        return fail(
            &success_path,
            "the success metric has no `le` label matcher, so it picks no latency threshold".into(),
            BUCKET_HINT,
        );
    };
    if le.op != MatchOp::Equal || (le.value != "+Inf" && le.value.parse::<f64>().is_err()) {
        return fail(
            &success_path,
            format!("`{le}` is not a bucket boundary: `le` must be matched with `=` to a number of seconds"),
            BUCKET_HINT,
        );
    }
    let total_name = metric_name(&total).unwrap_or_default();
    let total_le = total.matchers.matchers.iter().find(|m| m.name == "le");
    let same_hint = format!(
        "`{base}_count{{...}}` or `{base}_bucket{{...,le=\"+Inf\"}}`, with the success metric's other matchers"
    );
    let kind = match (total_name.strip_suffix("_count"), total_name.strip_suffix("_bucket"), total_le) {
        (Some(b), _, None) if b == base => LatencyTotal::Count,
        (_, Some(b), Some(m)) if b == base && m.op == MatchOp::Equal && m.value == "+Inf" => LatencyTotal::InfBucket,
        (Some(b), _, _) | (_, Some(b), _) if b == base => {
            return fail(&total_path, "the total metric must count every request of the histogram".into(), &same_hint);
        }
        _ => {
            return fail(
                &total_path,
                format!("the total metric `{total_name}` is not on the success metric's histogram `{base}`"),
                &same_hint,
            );
        }
    };
    let matchers = others(&success);
    let (mut a, mut b) = (matchers.clone(), others(&total));
    a.sort();
    b.sort();
    if a != b {
        return fail(
            &total_path,
            format!(
                "the total metric selects other series than the success metric: {{{}}} against {{{}}}",
                b.join(","),
                a.join(",")
            ),
            &same_hint,
        );
    }
    let indicator = Indicator::Latency(LatencyIndicator {
        provider: ProviderRef::prometheus(),
        metric: base.to_string(),
        matchers,
        threshold: le.value.clone(),
        total: kind,
        buckets: None,
    });
    let fields =
        vec![(field::GOOD, success_path.clone()), (field::THRESHOLD, success_path), (field::TOTAL, total_path)];
    Some((indicator, fields))
}

fn latency_native(
    doc: &Document<'_>,
    path: &str,
    l: &LatencyNative,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<(Indicator, Fields)> {
    let (total_path, latency_path) = (format!("{path}.total.metric"), format!("{path}.latency"));
    let total = selector(doc, &total_path, query_text(&l.total), errors);
    grouping(doc, path, &l.grouping, out);
    let hint = "a duration such as 200ms, 1s or 1m30s";
    let secs = match l.latency.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(doc.error("missing-field", &latency_path, "`latency` is required", Some(hint)));
            None
        }
        Some(s) => match duration_secs(s) {
            Some(secs) => Some(secs),
            None => {
                errors.push(doc.error(
                    "invalid-duration",
                    &latency_path,
                    format!("`{s}` is not a positive Prometheus duration"),
                    Some(hint),
                ));
                None
            }
        },
    };
    let ((text, vs), secs) = (total?, secs?);
    let ranged = windowed_selector(text, &vs);
    let total = format!("histogram_count(sum(rate({ranged})))");
    let good = format!("histogram_fraction(0, {secs}, sum(rate({ranged}))) * {total}");
    let indicator =
        Indicator::Ratio(RatioIndicator { provider: ProviderRef::prometheus(), events: EventQuery::Good(good), total });
    let fields =
        vec![(field::GOOD, latency_path.clone()), (field::THRESHOLD, latency_path), (field::TOTAL, total_path)];
    Some((indicator, fields))
}

fn bool_gauge(
    doc: &Document<'_>,
    path: &str,
    b: &BoolGauge,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<(Indicator, Fields)> {
    let metric_path = format!("{path}.metric");
    let gauge = selector(doc, &metric_path, b.metric.as_deref(), errors);
    grouping(doc, path, &b.grouping, out);
    let (text, vs) = gauge?;
    let ranged = windowed_selector(text, &vs);
    let indicator = Indicator::Ratio(RatioIndicator {
        provider: ProviderRef::prometheus(),
        events: EventQuery::Good(format!("sum(sum_over_time({ranged}))")),
        total: format!("sum(count_over_time({ranged}))"),
    });
    Some((indicator, vec![(field::GOOD, metric_path.clone()), (field::TOTAL, metric_path)]))
}

fn query_text(q: &Option<Query>) -> Option<&str> {
    q.as_ref().and_then(|q| q.metric.as_deref())
}

/// A required metric at `path` that must be a vector selector; its trimmed text and parse.
fn selector<'a>(
    doc: &Document<'_>,
    path: &str,
    text: Option<&'a str>,
    errors: &mut Vec<Diagnostic>,
) -> Option<(&'a str, VectorSelector)> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        errors.push(doc.error("missing-field", path, "`metric` is required", Some(SELECTOR_HINT)));
        return None;
    };
    if let Err(d) = check::query(doc, path, ProviderKind::Prometheus, text) {
        errors.push(d);
        return None;
    }
    match parse_promql(text) {
        Ok(Expr::VectorSelector(vs)) => Some((text, vs)),
        _ => {
            errors.push(doc.error(
                "invalid-query",
                path,
                "Pyrra's metrics are vector selectors, not expressions: Pyrra adds the rate and the sum itself",
                Some(SELECTOR_HINT),
            ));
            None
        }
    }
}

fn grouping(doc: &Document<'_>, path: &str, grouping: &Option<Vec<String>>, out: &mut Collector) {
    if let Some(g) = grouping.as_ref().filter(|g| !g.is_empty()) {
        out.push(doc.warning(
            "ignored-field",
            &format!("{path}.grouping"),
            format!(
                "grouping by {} (one SLO per group) is not supported: sloop evaluates one SLO over all matching series",
                g.join(", ")
            ),
            Some("one ServiceLevelObjective per group, each selecting its series"),
        ));
    }
}

/// The metric name: the selector's name, or its `__name__="..."` matcher.
fn metric_name(vs: &VectorSelector) -> Option<String> {
    vs.name.clone().or_else(|| {
        vs.matchers.matchers.iter().find(|m| m.name == "__name__" && m.op == MatchOp::Equal).map(|m| m.value.clone())
    })
}

/// The label matchers other than the metric name and `le`, in PromQL syntax.
fn others(vs: &VectorSelector) -> Vec<String> {
    vs.matchers.matchers.iter().filter(|m| m.name != "le" && m.name != "__name__").map(Matcher::to_string).collect()
}

/// A Prometheus duration (`200ms`, `1s`, `1m30s`, `1d`) as decimal seconds: `0.2`.
fn duration_secs(s: &str) -> Option<String> {
    let mut rest = s;
    let mut millis: u128 = 0;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !c.is_ascii_digit()).filter(|n| *n > 0)?;
        let (num, after) = rest.split_at(n);
        let num: u128 = num.parse().ok()?;
        let (unit, len): (u128, usize) = if after.starts_with("ms") {
            (1, 2)
        } else {
            let unit = match after.chars().next()? {
                'y' => 365 * 86_400_000,
                'w' => 7 * 86_400_000,
                'd' => 86_400_000,
                'h' => 3_600_000,
                'm' => 60_000,
                's' => 1_000,
                _ => return None,
            };
            (unit, 1)
        };
        millis = millis.checked_add(num.checked_mul(unit)?)?;
        rest = &after[len..];
    }
    if millis == 0 {
        return None;
    }
    let (whole, frac) = (millis / 1000, millis % 1000);
    Some(if frac == 0 { whole.to_string() } else { format!("{whole}.{}", format!("{frac:03}").trim_end_matches('0')) })
}

#[cfg(test)]
mod tests {
    use super::duration_secs;

    #[test]
    fn durations_in_seconds() {
        assert_eq!(duration_secs("200ms").as_deref(), Some("0.2"));
        assert_eq!(duration_secs("1s").as_deref(), Some("1"));
        assert_eq!(duration_secs("1500ms").as_deref(), Some("1.5"));
        assert_eq!(duration_secs("1m30s").as_deref(), Some("90"));
        assert_eq!(duration_secs("5ms").as_deref(), Some("0.005"));
        assert_eq!(duration_secs("0s"), None);
        assert_eq!(duration_secs("1.5s"), None);
        assert_eq!(duration_secs("10"), None);
        assert_eq!(duration_secs("abc"), None);
    }
}
