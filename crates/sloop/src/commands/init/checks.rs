//! The checks every answer of `sloop init` goes through, whether typed at a
//! prompt (where a failure re-asks, showing the message) or given as a flag
//! (where it fails the command naming the flag).
//!
//! Each returns the answer in the form the model wants, or a message that
//! says what is wrong and what would be valid. They lean on sloop-core's own
//! checks (PromQL parsing, the Datadog query shape, targets, durations) and on
//! the providers' configuration checks, so that a manifest the wizard accepts
//! is one `sloop validate` and `sloop agent` accept too.

use promql_parser::parser::Expr;
use sloop_core::model::{EventQuery, ProviderKind};
use sloop_core::{Duration, Target};
use sloop_provider::{DatadogConfig, PrometheusConfig, PrometheusProvider, ProviderError};

/// The longest name: a DNS label, which OpenSLO and Kubernetes both accept.
const MAX_NAME: usize = 63;

/// A service's or an SLO's name: lowercase letters, digits and single dashes.
///
/// Every format can carry such a name unchanged: Reliably turns titles into
/// names by this very rule, and OpenSLO names are DNS labels.
pub(super) fn name(text: &str) -> Result<String, String> {
    let t = text.trim();
    let valid = !t.is_empty()
        && t.len() <= MAX_NAME
        && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !t.starts_with('-')
        && !t.ends_with('-')
        && !t.contains("--");
    if valid {
        Ok(t.to_string())
    } else if t.is_empty() {
        Err("a name is needed: lowercase letters, digits and dashes, e.g. checkout-api".into())
    } else {
        Err(format!(
            "`{t}` is not a name: use lowercase letters, digits and single dashes, at most {MAX_NAME} characters, \
             e.g. checkout-api"
        ))
    }
}

/// A target in percent: `99.9`, `99.9%`.
pub(super) fn target(text: &str) -> Result<Target, String> {
    Target::from_percent_str(text).map_err(|e| e.to_string())
}

/// A rolling window: `30d`, `5m`, or ISO 8601 `PT5M`.
pub(super) fn window(text: &str) -> Result<Duration, String> {
    Duration::parse(text).map_err(|e| e.to_string())
}

/// A query that counts events, for its provider.
///
/// First the check `sloop validate` makes (non-empty; PromQL parses, with
/// `{{.window}}` standing for the range; a Datadog query names an aggregation
/// and a metric). Then what measuring needs: a PromQL query must have a range
/// to set the window on (as the rule generator and the agent window it), and
/// no query may divide, since an SLO's sides are counts of events, not ratios
/// (the check the Datadog provider and the lints make). A Datadog count is
/// written with `.as_count()`, which is how its documentation and Reliably's
/// manifests ask for event counts rather than per-second rates.
pub(super) fn query(kind: ProviderKind, text: &str) -> Result<String, String> {
    let q = text.trim();
    sloop_core::query::check(kind, q)?;
    if kind == ProviderKind::Prometheus {
        sloop_core::promql::Template::parse(q).map_err(|e| e.reason)?;
    }
    if sloop_core::query::divides_at_top(kind, q) {
        return Err("the query divides, so it gives a ratio; a count of events is expected (write the good or \
                    bad events and the total as two queries)"
            .into());
    }
    if kind == ProviderKind::Datadog && !q.contains(".as_count()") {
        return Err("a Datadog SLO counts events: end each metric with .as_count(), such as \
             sum:trace.http.request.hits{service:web}.as_count()"
            .into());
    }
    Ok(q.to_string())
}

/// The total-events query of a ratio whose other side is `events`: a
/// [`query`], and not the same one, which would make the SLI always 100 %
/// (or 0 %). `sloop validate` only warns about that (lint
/// `good-equals-total`); here the mistake is caught while it is typed.
pub(super) fn total(kind: ProviderKind, text: &str, events: &EventQuery) -> Result<String, String> {
    let q = query(kind, text)?;
    if q == events.query().trim() {
        let (side, always) = match events {
            EventQuery::Good(_) => ("good", "100"),
            EventQuery::Bad(_) => ("bad", "0"),
        };
        return Err(format!(
            "this is the {side}-events query again, so the SLI would always be {always}%; count all events"
        ));
    }
    Ok(q)
}

/// The histogram of a latency SLO: its base name and label matchers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Histogram {
    /// The name without `_bucket`: `http_request_duration_seconds`.
    pub(super) metric: String,
    /// Matchers in PromQL syntax: `job="web"`.
    pub(super) matchers: Vec<String>,
}

/// What a histogram answer looks like, for messages.
const HISTOGRAM_HINT: &str = "a histogram's _bucket series, such as http_request_duration_seconds_bucket{job=\"web\"}";

/// A histogram's `_bucket` series as a PromQL selector, matchers included:
/// `http_request_duration_seconds_bucket{job="web"}`. The `_bucket` suffix
/// may be left out. Parsed with promql-parser, so matchers are exactly what
/// Prometheus would read.
pub(super) fn histogram(text: &str) -> Result<Histogram, String> {
    let expr = sloop_core::query::parse_promql(text.trim()).map_err(|e| format!("invalid PromQL: {e}"))?;
    let Expr::VectorSelector(vs) = expr else {
        return Err(format!("give the series itself, not an expression: {HISTOGRAM_HINT}"));
    };
    if vs.offset.is_some() || vs.at.is_some() {
        return Err(format!("leave out offset and @: sloop sets the time itself; {HISTOGRAM_HINT}"));
    }
    if !vs.matchers.or_matchers.is_empty() {
        return Err(format!("`or` between matchers selects several histograms; {HISTOGRAM_HINT}"));
    }
    let by_label = vs.matchers.matchers.iter().find(|m| m.name == "__name__").map(|m| m.value.clone());
    let Some(name) = vs.name.clone().or(by_label) else {
        return Err(format!("the selector names no metric; {HISTOGRAM_HINT}"));
    };
    for suffix in ["_count", "_sum"] {
        if let Some(base) = name.strip_suffix(suffix) {
            return Err(format!("`{name}` is the histogram's {suffix} series; give its buckets: {base}_bucket"));
        }
    }
    if vs.matchers.matchers.iter().any(|m| m.name == "le") {
        return Err("leave out the le label: the threshold picks the bucket".into());
    }
    let metric = name.strip_suffix("_bucket").unwrap_or(&name).to_string();
    let matchers = vs.matchers.matchers.iter().filter(|m| m.name != "__name__").map(|m| m.to_string()).collect();
    Ok(Histogram { metric, matchers })
}

/// A latency threshold as the `le` label of its bucket, in seconds written as
/// the shortest decimal: `200ms`, `0.2s` and `0.2` all give `"0.2"`.
///
/// The decimal point is moved in the text rather than through a float, so
/// `200ms` is exactly `0.2` and never `0.20000000000000001`.
pub(super) fn threshold(text: &str) -> Result<String, String> {
    let t = text.trim();
    let bad = || format!("`{t}` is not a latency: write 200ms, 0.5s, or seconds such as 0.2");
    let (number, shift) = match t.strip_suffix("ms") {
        Some(n) => (n.trim_end(), 3),
        None => (t.strip_suffix('s').unwrap_or(t).trim_end(), 0),
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if (int.is_empty() && frac.is_empty()) || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    // All the digits, and where the point goes in them once in seconds.
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 - shift;
    let (int, frac) = if point <= 0 {
        ("0".to_string(), format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)))
    } else {
        let p = point as usize;
        (digits[..p].to_string(), digits[p..].to_string())
    };
    let int = match int.trim_start_matches('0') {
        "" => "0",
        i => i,
    };
    let frac = frac.trim_end_matches('0');
    if int == "0" && frac.is_empty() {
        return Err(format!("the threshold `{t}` must be above zero, e.g. 200ms"));
    }
    Ok(if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") })
}

/// A short label for a threshold, for suggested names: `0.2` → `200ms`,
/// `1.5` → `1500ms`, and seconds when milliseconds would not be whole.
pub(super) fn threshold_label(le: &str) -> String {
    let (int, frac) = le.split_once('.').unwrap_or((le, ""));
    if frac.len() <= 3 {
        let ms = format!("{int}{frac:0<3}");
        let ms = ms.trim_start_matches('0');
        return format!("{}ms", if ms.is_empty() { "0" } else { ms });
    }
    format!("{}s", le.replace('.', "-"))
}

/// A Prometheus-compatible API's base URL, checked the way `sloop agent`
/// checks `--prometheus-url` (an http(s) URL without a query string). Nothing
/// is sent.
pub(super) fn prometheus_url(text: &str) -> Result<String, String> {
    let url = text.trim().trim_end_matches('/').to_string();
    match PrometheusProvider::new(PrometheusConfig::new(url.clone())) {
        Ok(_) => Ok(url),
        Err(ProviderError::Config { message, .. }) => Err(message),
        Err(e) => Err(e.to_string()),
    }
}

/// A Datadog site, checked as the Datadog provider checks `DD_SITE`, and
/// given back as the site's own name (`app.datadoghq.eu` → `datadoghq.eu`).
pub(super) fn datadog_site(text: &str) -> Result<String, String> {
    let config = DatadogConfig::new("-", "-").with_site(text);
    match config.api_base() {
        Ok(base) => Ok(base.strip_prefix("https://api.").unwrap_or(&base).to_string()),
        Err(ProviderError::Config { message, .. }) => Err(message),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_exact_decimals_in_seconds() {
        let cases = [
            ("200ms", "0.2"),
            ("0.2s", "0.2"),
            ("0.2", "0.2"),
            ("1500ms", "1.5"),
            ("2s", "2"),
            ("5ms", "0.005"),
            ("0.25", "0.25"),
            ("10", "10"),
            ("1000ms", "1"),
            ("007.50s", "7.5"),
            (" 250 ms ", "0.25"),
        ];
        for (input, le) in cases {
            assert_eq!(threshold(input).as_deref(), Ok(le), "{input}");
        }
        for bad in ["", "ms", "fast", "1.2.3", "-1", "0ms", "0.000s", "1e3"] {
            assert!(threshold(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn threshold_labels() {
        assert_eq!(threshold_label("0.2"), "200ms");
        assert_eq!(threshold_label("1.5"), "1500ms");
        assert_eq!(threshold_label("2"), "2000ms");
        assert_eq!(threshold_label("0.005"), "5ms");
        assert_eq!(threshold_label("0.0005"), "0-0005s");
    }

    #[test]
    fn histograms_keep_their_matchers() {
        let h = histogram(r#"http_request_duration_seconds_bucket{job="web",code=~"2.."}"#).unwrap();
        assert_eq!(h.metric, "http_request_duration_seconds");
        assert_eq!(h.matchers, vec![r#"job="web""#.to_string(), r#"code=~"2..""#.to_string()]);
        let bare = histogram("rpc_latency_seconds").unwrap();
        assert_eq!(bare, Histogram { metric: "rpc_latency_seconds".into(), matchers: vec![] });
        let by_name = histogram(r#"{__name__="x_bucket",a="b"}"#).unwrap();
        assert_eq!(by_name, Histogram { metric: "x".into(), matchers: vec![r#"a="b""#.into()] });
        assert!(histogram("x_count").unwrap_err().contains("x_bucket"));
        assert!(histogram(r#"x_bucket{le="0.2"}"#).unwrap_err().contains("le label"));
        assert!(histogram("sum(x_bucket)").unwrap_err().contains("not an expression"));
        assert!(histogram("x_bucket{").unwrap_err().starts_with("invalid PromQL"));
    }

    #[test]
    fn names() {
        assert_eq!(name(" checkout-api ").as_deref(), Ok("checkout-api"));
        for bad in ["", "Checkout", "a_b", "-a", "a-", "a--b", "a b", &"x".repeat(64)] {
            assert!(name(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn queries_count_events() {
        let prom = ProviderKind::Prometheus;
        let dd = ProviderKind::Datadog;
        let good = r#"sum(rate(http_requests_total{code!~"5.."}[{{.window}}]))"#;
        assert_eq!(query(prom, &format!(" {good} ")).as_deref(), Ok(good));
        assert!(query(prom, "sum(rate(x[{{.window}}])").unwrap_err().starts_with("invalid PromQL"));
        assert!(query(prom, "sum(x)").unwrap_err().contains("no range"));
        assert!(query(prom, "sum(rate(a[5m])) / sum(rate(b[5m]))").unwrap_err().contains("divides"));
        assert_eq!(query(prom, "  ").unwrap_err(), "the query is empty");
        let hits = "sum:trace.http.request.hits{service:web}.as_count()";
        assert_eq!(query(dd, hits).as_deref(), Ok(hits));
        assert!(query(dd, "sum:trace.http.request.hits{service:web}").unwrap_err().contains(".as_count()"));
        assert!(query(dd, &format!("{hits} / {hits}")).unwrap_err().contains("divides"));
        let errors = "sum:trace.http.request.errors{service:web}.as_count()";
        assert_eq!(total(dd, hits, &EventQuery::Bad(errors.into())).as_deref(), Ok(hits));
        assert!(total(dd, hits, &EventQuery::Good(hits.into())).unwrap_err().contains("always be 100%"));
        assert!(total(dd, hits, &EventQuery::Bad(hits.into())).unwrap_err().contains("always be 0%"));
    }

    #[test]
    fn providers() {
        assert_eq!(prometheus_url("http://localhost:9090/").as_deref(), Ok("http://localhost:9090"));
        assert!(prometheus_url("localhost:9090").is_err());
        assert_eq!(datadog_site("https://app.datadoghq.eu/").as_deref(), Ok("datadoghq.eu"));
        assert!(datadog_site("datadog.example.com").unwrap_err().contains("unknown Datadog site"));
    }
}
