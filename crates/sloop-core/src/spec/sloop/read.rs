//! Reading sloop manifests into the model.

use crate::alerting::{AlertPolicy, BurnRateWindow, Severity, TierPolicy, fit_windows};
use crate::diagnostic::Diagnostic;
use crate::duration::Duration;
use crate::model::{
    BudgetingMethod, CalendarUnit, CalendarWindow, Comparison, EventQuery, Indicator, LatencyIndicator, LatencyTotal,
    Objective, ProviderKind, ProviderRef, RatioIndicator, RawIndicator, RawMeasure, SelectorIndicator, Service,
    ThresholdIndicator, TimeWindow,
};
use crate::source::Document;
use crate::spec::check::{self, NumOrStr};
use crate::spec::sloop::types::*;
use crate::spec::{Collector, Format, field};
use crate::target::Target;

/// Hints for fields whose untagged forms make serde's own message unhelpful.
const SHAPE_HINTS: [(&str, &str); 6] = [
    (
        "window",
        "a duration such as 30d or PT1H, a calendar period (day, week, month, quarter, year), or {calendar: month, timezone: Europe/Paris}",
    ),
    ("alerting", "false, or a policy with name, labels, annotations, page, ticket and windows"),
    (
        "budgeting",
        "occurrences, or {method: timeslices, slice: 1m, target: 95} or {method: ratio_timeslices, slice: 1m}",
    ),
    ("provider", "prometheus, datadog, or {kind: prometheus, name: NAME}"),
    ("page", "false, or {labels, annotations, for}"),
    ("ticket", "false, or {labels, annotations, for}"),
];

pub(crate) fn read(docs: &[Document<'_>], out: &mut Collector) {
    for doc in docs {
        match doc.deserialize::<SloopFile>() {
            Ok(file) => read_file(doc, &file, out),
            Err(mut d) => {
                let key = d.field.rsplit('.').next().unwrap_or("").split('[').next().unwrap_or("");
                if d.message.contains("did not match any variant")
                    && let Some((_, hint)) = SHAPE_HINTS.iter().find(|(k, _)| *k == key)
                {
                    d.message = format!("`{key}` has an unexpected shape");
                    d.hint = Some((*hint).to_string());
                }
                out.push(d)
            }
        }
    }
}

fn read_file(doc: &Document<'_>, file: &SloopFile, out: &mut Collector) {
    let service = match check::name(doc, "service", &file.service) {
        Ok(s) => s,
        Err(e) => return out.push(e),
    };
    if let Some(kind) = &file.kind
        && kind != "Service"
    {
        out.push(doc.error("unknown-kind", "kind", format!("kind `{kind}` is not a sloop kind"), Some("Service")));
    }
    let default_provider = match &file.provider {
        Some(p) => match provider(doc, "provider", p) {
            Ok(p) => p,
            Err(e) => return out.push(e),
        },
        None => ProviderRef::prometheus(),
    };
    out.service(Service {
        name: service.clone(),
        display_name: file.title.clone(),
        description: file.description.clone(),
        labels: file.labels.clone(),
    });
    if file.slos.is_empty() {
        out.push(doc.error(
            "no-slos",
            "slos",
            "the service has no SLOs",
            Some("a list of SLOs, each with name, target, window and an indicator"),
        ));
    }
    for (i, slo) in file.slos.iter().enumerate() {
        let path = format!("slos[{i}]");
        let mut errors = Vec::new();
        let obj = objective(doc, &path, file, &service, &default_provider, slo, &mut errors, out);
        let failed = !errors.is_empty();
        out.extend(errors);
        if let (Some(obj), false) = (obj, failed) {
            let p = |s: &str| format!("{path}.{s}");
            let fields = [
                (field::NAME, p("name")),
                (field::TARGET, p("target")),
                (field::WINDOW, p("window")),
                (field::GOOD, p("ratio.good")),
                (field::BAD, p("ratio.bad")),
                (field::TOTAL, p("ratio.total")),
                (
                    field::THRESHOLD,
                    if slo.latency.as_ref().is_some_and(|l| l.le.is_some()) {
                        p("latency.le")
                    } else {
                        p("latency.threshold")
                    },
                ),
                (field::BUCKETS, p("latency.buckets")),
                (field::INDICATOR, indicator_key(slo).map(p).unwrap_or_else(|| path.clone())),
                (field::TRAFFIC, p("traffic")),
                (field::ALERTING, p("alerting")),
            ];
            out.objective(obj, doc, &path, Format::Sloop, &fields);
        }
    }
}

fn indicator_key(slo: &SloSpec) -> Option<&'static str> {
    [
        (slo.ratio.is_some(), "ratio"),
        (slo.latency.is_some(), "latency"),
        (slo.selector.is_some(), "selector"),
        (slo.raw.is_some(), "raw"),
        (slo.threshold.is_some(), "threshold"),
    ]
    .into_iter()
    .find(|(present, _)| *present)
    .map(|(_, k)| k)
}

/// Keeps the value of a check, or records its error and yields `None`.
fn keep<T>(r: Result<T, Diagnostic>, errors: &mut Vec<Diagnostic>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

#[allow(clippy::too_many_arguments)]
fn objective(
    doc: &Document<'_>,
    path: &str,
    file: &SloopFile,
    service: &str,
    default_provider: &ProviderRef,
    slo: &SloSpec,
    errors: &mut Vec<Diagnostic>,
    out: &mut Collector,
) -> Option<Objective> {
    let p = |s: &str| format!("{path}.{s}");
    let name = keep(check::name(doc, &p("name"), &slo.name), errors);
    let target = keep(check::target_percent(doc, &p("target"), &slo.target), errors);
    let window = keep(window(doc, &p("window"), &slo.window), errors);
    let budgeting = match &slo.budgeting {
        None => Some(BudgetingMethod::Occurrences),
        Some(b) => keep(budgeting(doc, &p("budgeting"), b), errors),
    };
    let provider = match &slo.provider {
        None => Some(default_provider.clone()),
        Some(pr) => keep(provider(doc, &p("provider"), pr), errors),
    };
    let traffic = match &slo.traffic {
        None => Some(None),
        Some(t) => keep(traffic(doc, &p("traffic"), t).map(Some), errors),
    };
    let indicator = provider.as_ref().and_then(|pr| keep(indicator(doc, path, slo, pr), errors));
    let window = window?;
    let alerting = keep(alerting(doc, &p("alerting"), slo.alerting.as_ref(), &window, out), errors);
    let mut labels = file.labels.clone();
    labels.extend(slo.labels.clone());
    Some(Objective {
        name: name?,
        display_name: slo.title.clone(),
        service: service.to_string(),
        description: slo.description.clone(),
        labels,
        indicator: indicator?,
        target: target?,
        window,
        budgeting: budgeting?,
        alerting: alerting?,
        runbook_url: slo.runbook.clone(),
        traffic: traffic?,
    })
}

fn provider(doc: &Document<'_>, path: &str, spec: &ProviderSpec) -> Result<ProviderRef, Diagnostic> {
    let (kind, name, kind_path) = match spec {
        ProviderSpec::Kind(k) => (k.as_str(), None, path.to_string()),
        ProviderSpec::Named { kind, name } => (kind.as_str(), Some(name.clone()), format!("{path}.kind")),
    };
    let kind = match kind.to_ascii_lowercase().as_str() {
        "prometheus" => ProviderKind::Prometheus,
        "datadog" => ProviderKind::Datadog,
        other => {
            return Err(doc.error(
                "unknown-provider",
                &kind_path,
                format!("unknown provider `{other}`"),
                Some("prometheus or datadog"),
            ));
        }
    };
    Ok(ProviderRef { kind, name })
}

/// `30d`, `month`, or `{calendar: month, timezone: Europe/Paris}`.
pub(super) fn window(doc: &Document<'_>, path: &str, spec: &WindowSpec) -> Result<TimeWindow, Diagnostic> {
    let (unit, tz, count, unit_path) = match spec {
        WindowSpec::Text(t) => match CalendarUnit::parse(t.trim()) {
            Some(u) => (u, None, None, path.to_string()),
            None => return check::duration(doc, path, t).map(TimeWindow::rolling),
        },
        WindowSpec::Calendar { calendar, timezone, count } => {
            let unit_path = format!("{path}.calendar");
            let unit = CalendarUnit::parse(calendar.trim()).ok_or_else(|| {
                doc.error(
                    "invalid-window",
                    &unit_path,
                    format!("`{calendar}` is not a calendar period"),
                    Some("day, week, month, quarter or year"),
                )
            })?;
            (unit, timezone.clone(), *count, unit_path)
        }
    };
    let _ = unit_path;
    let time_zone = tz.unwrap_or_else(|| "UTC".to_string());
    if jiff::tz::TimeZone::get(&time_zone).is_err() {
        return Err(doc.error(
            "invalid-timezone",
            &format!("{path}.timezone"),
            format!("unknown time zone `{time_zone}`"),
            Some("an IANA time zone name such as UTC, Europe/Paris or America/New_York"),
        ));
    }
    let count = count.unwrap_or(1);
    if count == 0 {
        return Err(doc.error(
            "invalid-window",
            &format!("{path}.count"),
            "count must be at least 1",
            Some("1 or more"),
        ));
    }
    Ok(TimeWindow::Calendar(CalendarWindow { unit, count, time_zone }))
}

fn budgeting(doc: &Document<'_>, path: &str, spec: &BudgetingSpec) -> Result<BudgetingMethod, Diagnostic> {
    const HINT: &str = "occurrences, timeslices (with slice and target) or ratio_timeslices (with slice)";
    let (method, slice, target, method_path) = match spec {
        BudgetingSpec::Method(m) => (m.as_str(), None, None, path.to_string()),
        BudgetingSpec::Detailed { method, slice, target } => {
            (method.as_str(), slice.as_ref(), target.as_ref(), format!("{path}.method"))
        }
    };
    let slice_len = |doc: &Document<'_>| -> Result<Duration, Diagnostic> {
        match slice {
            Some(s) => check::duration(doc, &format!("{path}.slice"), s),
            None => {
                Err(doc.error("missing-field", path, format!("`{method}` needs a slice length"), Some("slice: 1m")))
            }
        }
    };
    match method.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
        "occurrences" => Ok(BudgetingMethod::Occurrences),
        "timeslices" => {
            let slice = slice_len(doc)?;
            let t = target.ok_or_else(|| {
                doc.error("missing-field", path, "timeslices needs the target a slice must meet", Some("target: 95"))
            })?;
            let slice_target = check::target_percent(doc, &format!("{path}.target"), t)?;
            Ok(BudgetingMethod::Timeslices { slice, slice_target })
        }
        "ratiotimeslices" => Ok(BudgetingMethod::RatioTimeslices { slice: slice_len(doc)? }),
        other => {
            Err(doc.error("invalid-budgeting", &method_path, format!("unknown budgeting method `{other}`"), Some(HINT)))
        }
    }
}

/// Declared traffic, via [`check::traffic_rate`].
fn traffic(doc: &Document<'_>, path: &str, raw: &NumOrStr) -> Result<f64, Diagnostic> {
    check::traffic_rate(&raw.text()).map_err(|why| doc.error("invalid-traffic", path, why, Some(check::TRAFFIC_HINT)))
}

fn indicator(doc: &Document<'_>, path: &str, slo: &SloSpec, provider: &ProviderRef) -> Result<Indicator, Diagnostic> {
    let present: Vec<&str> = [
        (slo.ratio.is_some() && slo.selector.is_none(), "ratio"),
        (slo.latency.is_some(), "latency"),
        (slo.selector.is_some(), "selector"),
        (slo.raw.is_some(), "raw"),
        (slo.threshold.is_some(), "threshold"),
    ]
    .into_iter()
    .filter_map(|(p, k)| p.then_some(k))
    .collect();
    let p = |s: &str| format!("{path}.{s}");
    let query = |field: &str, q: &str| check::query(doc, &p(field), provider.kind, q);
    match present.as_slice() {
        [] => Err(doc.error(
            "missing-indicator",
            path,
            "the SLO has no indicator",
            Some("one of ratio, latency, selector, raw or threshold"),
        )),
        [_, second, ..] => Err(doc.error(
            "ambiguous-indicator",
            &p(second),
            format!("the SLO has more than one indicator ({})", present.join(", ")),
            Some("exactly one of ratio, latency, selector (optionally with ratio), raw or threshold"),
        )),
        ["selector"] => {
            let labels = slo.selector.clone().unwrap_or_default();
            if labels.is_empty() {
                return Err(doc.error(
                    "empty-selector",
                    &p("selector"),
                    "the selector has no labels",
                    Some("labels such as {service: web, env: prod}"),
                ));
            }
            let ratio = slo.ratio.as_ref().map(|r| ratio(doc, &p("ratio"), r, provider)).transpose()?;
            Ok(Indicator::Selector(SelectorIndicator { labels, ratio }))
        }
        ["ratio"] => Ok(Indicator::Ratio(ratio(
            doc,
            &p("ratio"),
            slo.ratio.as_ref().unwrap_or(&RatioSpec::default()),
            provider,
        )?)),
        ["latency"] => latency(doc, &p("latency"), slo.latency.as_ref().unwrap_or(&LatencySpec::default()), provider),
        ["raw"] => {
            let raw = slo.raw.clone().unwrap_or_default();
            let (measures, q, f) = match (&raw.error_ratio, &raw.good_ratio) {
                (Some(q), None) => (RawMeasure::ErrorRatio, q, "raw.error_ratio"),
                (None, Some(q)) => (RawMeasure::GoodRatio, q, "raw.good_ratio"),
                _ => {
                    return Err(doc.error(
                        "invalid-raw",
                        &p("raw"),
                        "raw needs exactly one of error_ratio or good_ratio",
                        Some("error_ratio: QUERY"),
                    ));
                }
            };
            query(f, q)?;
            Ok(Indicator::Raw(RawIndicator { provider: provider.clone(), query: q.clone(), measures }))
        }
        _ => {
            let t = slo.threshold.clone().unwrap_or_default();
            query("threshold.query", &t.query)?;
            let op = Comparison::parse(&t.op).ok_or_else(|| {
                doc.error(
                    "invalid-op",
                    &p("threshold.op"),
                    format!("unknown comparison `{}`", t.op),
                    Some("lt, lte, gt or gte"),
                )
            })?;
            Ok(Indicator::Threshold(ThresholdIndicator {
                provider: provider.clone(),
                query: t.query,
                op,
                value: t.value,
            }))
        }
    }
}

fn ratio(doc: &Document<'_>, path: &str, r: &RatioSpec, provider: &ProviderRef) -> Result<RatioIndicator, Diagnostic> {
    let events = match (&r.good, &r.bad) {
        (Some(g), None) => {
            check::query(doc, &format!("{path}.good"), provider.kind, g)?;
            EventQuery::Good(g.clone())
        }
        (None, Some(b)) => {
            check::query(doc, &format!("{path}.bad"), provider.kind, b)?;
            EventQuery::Bad(b.clone())
        }
        (Some(_), Some(_)) => {
            return Err(doc.error(
                "invalid-ratio",
                &format!("{path}.bad"),
                "give either good or bad, not both",
                Some("good: QUERY or bad: QUERY, with total: QUERY"),
            ));
        }
        (None, None) => {
            return Err(doc.error(
                "invalid-ratio",
                path,
                "the ratio needs a good or a bad query",
                Some("good: QUERY or bad: QUERY, with total: QUERY"),
            ));
        }
    };
    check::query(doc, &format!("{path}.total"), provider.kind, &r.total)?;
    Ok(RatioIndicator { provider: provider.clone(), events, total: r.total.clone() })
}

fn latency(doc: &Document<'_>, path: &str, l: &LatencySpec, provider: &ProviderRef) -> Result<Indicator, Diagnostic> {
    if provider.kind != ProviderKind::Prometheus {
        return Err(doc.error(
            "invalid-latency",
            path,
            "latency SLOs read Prometheus histograms",
            Some("provider: prometheus, or a ratio SLO for Datadog"),
        ));
    }
    let metric = l.metric.trim();
    let metric = metric.strip_suffix("_bucket").unwrap_or(metric).to_string();
    if metric.is_empty() || !metric.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        return Err(doc.error(
            "invalid-metric",
            &format!("{path}.metric"),
            format!("`{}` is not a metric name", l.metric),
            Some("a histogram name such as http_server_requests_seconds"),
        ));
    }
    let mut matchers: Vec<String> =
        l.selector.iter().map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    matchers.extend(l.matchers.iter().cloned());
    // The matchers must make a valid selector, and must not pick the bucket themselves.
    let selector = format!("{metric}_bucket{{{}}}", matchers.join(","));
    if let Err(e) = crate::query::parse_promql(&selector) {
        return Err(doc.error(
            "invalid-query",
            &format!("{path}.matchers"),
            format!("the matchers do not form a valid selector: {e}"),
            Some("matchers such as status=~\"2..\""),
        ));
    }
    if matchers.iter().any(|m| m.trim_start().starts_with("le")) {
        return Err(doc.error(
            "invalid-latency",
            &format!("{path}.selector"),
            "the `le` label is set by the threshold",
            Some("threshold: 200ms (or le: \"0.2\"), without le in the selector"),
        ));
    }
    let threshold = match (&l.threshold, &l.le) {
        (Some(t), None) => threshold_seconds(doc, &format!("{path}.threshold"), t)?,
        (None, Some(le)) => {
            let v: f64 = le.trim().parse().map_err(|_| {
                doc.error(
                    "invalid-threshold",
                    &format!("{path}.le"),
                    format!("`{le}` is not a bucket boundary"),
                    Some("the le label as exported, such as \"0.2\""),
                )
            })?;
            if !(v.is_finite() && v > 0.0) {
                return Err(doc.error(
                    "invalid-threshold",
                    &format!("{path}.le"),
                    "the bucket boundary must be positive and finite",
                    Some("\"0.2\""),
                ));
            }
            le.trim().to_string()
        }
        _ => {
            return Err(doc.error(
                "invalid-threshold",
                path,
                "give exactly one of threshold or le",
                Some("threshold: 200ms"),
            ));
        }
    };
    let total = match l.total.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("count") => LatencyTotal::Count,
        Some("inf" | "+inf") => LatencyTotal::InfBucket,
        Some(other) => {
            return Err(doc.error(
                "invalid-latency",
                &format!("{path}.total"),
                format!("unknown total `{other}`"),
                Some("count or inf"),
            ));
        }
    };
    if l.native {
        // A native histogram has one series per label set, not one per bucket:
        // count the good requests with histogram_fraction, as Pyrra does.
        if l.le.is_some() || l.total.is_some() || l.buckets.is_some() {
            return Err(doc.error(
                "invalid-latency",
                path,
                "a native histogram has no `le` buckets: le, total and buckets do not apply",
                Some("native: true with threshold: 200ms"),
            ));
        }
        let series = format!("{metric}{{{}}}", matchers.join(","));
        let total = format!("histogram_count(sum(rate({series}[{{{{.window}}}}])))");
        let good = format!("histogram_fraction(0, {threshold}, sum(rate({series}[{{{{.window}}}}]))) * {total}");
        return Ok(Indicator::Ratio(RatioIndicator {
            provider: provider.clone(),
            events: EventQuery::Good(good),
            total,
        }));
    }
    if let Some(b) = &l.buckets
        && let Some(i) = b.iter().position(|x| !(x.is_finite() && *x > 0.0))
    {
        return Err(doc.error(
            "invalid-buckets",
            &format!("{path}.buckets[{i}]"),
            "bucket boundaries must be positive numbers",
            Some("seconds, such as [0.05, 0.1, 0.2, 0.5, 1]"),
        ));
    }
    Ok(Indicator::Latency(LatencyIndicator {
        provider: provider.clone(),
        metric,
        matchers,
        threshold,
        total,
        buckets: l.buckets.clone(),
    }))
}

/// `200ms`, `0.2s`, `0.2` → `"0.2"` (seconds, shortest decimal).
fn threshold_seconds(doc: &Document<'_>, path: &str, raw: &NumOrStr) -> Result<String, Diagnostic> {
    let text = raw.text();
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 3)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 0)
    } else {
        (t, 0)
    };
    let bad = || {
        doc.error(
            "invalid-threshold",
            path,
            format!("`{text}` is not a latency"),
            Some("200ms, 0.2s, or seconds as a number"),
        )
    };
    // Shift the decimal point in text, so 200ms is exactly "0.2".
    let num = num.trim();
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') || num.matches('.').count() > 1 {
        return Err(bad());
    }
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 - scale;
    let digits = digits.trim_start_matches('0');
    let lead = int.len() - int.trim_start_matches('0').len();
    let point = point - lead as i64;
    if digits.trim_end_matches('0').is_empty() {
        return Err(doc.error("invalid-threshold", path, "the threshold must be above zero", Some("200ms")));
    }
    let s = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    };
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    Ok(s)
}

fn alerting(
    doc: &Document<'_>,
    path: &str,
    spec: Option<&AlertingSpec>,
    window: &TimeWindow,
    out: &mut Collector,
) -> Result<AlertPolicy, Diagnostic> {
    let len = window.nominal_length();
    let spec = match spec {
        None | Some(AlertingSpec::Switch(true)) => return Ok(check::standard_alerting(doc, path, window, out)),
        Some(AlertingSpec::Switch(false)) => return Ok(AlertPolicy::disabled(len)),
        Some(AlertingSpec::Policy(p)) => p,
    };
    let mut policy = if spec.windows.is_empty() {
        check::standard_alerting(doc, path, window, out)
    } else {
        let mut pairs = Vec::new();
        for (i, w) in spec.windows.iter().enumerate() {
            pairs.push(window_pair(doc, &format!("{path}.windows[{i}]"), w, len)?);
        }
        let (windows, warnings) = fit_windows(pairs, len);
        for w in warnings {
            out.push(doc.warning("alert-window-scaled", &format!("{path}.windows"), w, None));
        }
        let (mut p, _) = AlertPolicy::standard(len);
        p.windows = windows;
        p.custom_windows = true;
        p
    };
    policy.name = spec.name.clone();
    policy.labels = spec.labels.clone();
    policy.annotations = spec.annotations.clone();
    policy.page = tier(doc, &format!("{path}.page"), spec.page.as_ref())?;
    policy.ticket = tier(doc, &format!("{path}.ticket"), spec.ticket.as_ref())?;
    Ok(policy)
}

fn tier(doc: &Document<'_>, path: &str, spec: Option<&TierSpec>) -> Result<TierPolicy, Diagnostic> {
    Ok(match spec {
        None | Some(TierSpec::Switch(true)) => TierPolicy::default(),
        Some(TierSpec::Switch(false)) => TierPolicy { enabled: false, ..TierPolicy::default() },
        Some(TierSpec::Settings(s)) => TierPolicy {
            enabled: true,
            labels: s.labels.clone(),
            annotations: s.annotations.clone(),
            for_duration: s
                .for_duration
                .as_ref()
                .map(|f| check::duration(doc, &format!("{path}.for"), f))
                .transpose()?,
        },
    })
}

fn window_pair(
    doc: &Document<'_>,
    path: &str,
    w: &WindowPairSpec,
    slo_window: Duration,
) -> Result<BurnRateWindow, Diagnostic> {
    let severity = match w.severity.to_ascii_lowercase().as_str() {
        "page" => Severity::Page,
        "ticket" => Severity::Ticket,
        other => {
            return Err(doc.error(
                "invalid-severity",
                &format!("{path}.severity"),
                format!("unknown severity `{other}`"),
                Some("page or ticket"),
            ));
        }
    };
    let long = check::duration(doc, &format!("{path}.long"), &w.long)?;
    let short = check::duration(doc, &format!("{path}.short"), &w.short)?;
    if short >= long {
        return Err(doc.error(
            "invalid-window-pair",
            &format!("{path}.short"),
            format!("the short window {short} must be shorter than the long window {long}"),
            Some("a short window about 1/12 of the long one, e.g. long: 1h, short: 5m"),
        ));
    }
    let share: Target = check::target_percent(doc, &format!("{path}.budget"), &w.budget).map_err(|mut d| {
        d.hint = Some("a share of the budget in percent above 0 and below 100, e.g. 2 or \"2%\"".into());
        d
    })?;
    let _ = slo_window;
    Ok(BurnRateWindow { severity, long, short, budget_share: share.fraction() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, split_documents};

    fn th(s: &str) -> String {
        let f = SourceFile::new("t", "a: 1\n");
        let docs = split_documents(&f).unwrap();
        threshold_seconds(&docs[0], "a", &NumOrStr::Str(s.into())).unwrap()
    }

    #[test]
    fn thresholds_are_exact_decimals() {
        assert_eq!(th("200ms"), "0.2");
        assert_eq!(th("0.2s"), "0.2");
        assert_eq!(th("0.25"), "0.25");
        assert_eq!(th("1500ms"), "1.5");
        assert_eq!(th("2s"), "2");
        assert_eq!(th("5ms"), "0.005");
        assert_eq!(th("10"), "10");
        assert_eq!(th("1000ms"), "1");
    }
}
