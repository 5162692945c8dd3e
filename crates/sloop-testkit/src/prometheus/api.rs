//! Queries against the HTTP API, and the answers' types.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Error, HTTP_TIMEOUT, Prometheus, http};

/// Labels as an ordered map.
pub type Labels = BTreeMap<String, String>;

/// One sample of an instant vector, or of `/metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Its labels, `__name__` included when Prometheus returns it.
    pub labels: Labels,
    /// Its value (NaN and ±Inf included).
    pub value: f64,
}

/// One series of a range query.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    /// Its labels.
    pub labels: Labels,
    /// `(unix seconds, value)` at each step where it has a value.
    pub values: Vec<(f64, f64)>,
}

/// A rule group as `/api/v1/rules` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleGroup {
    /// The group's name.
    pub name: String,
    /// The file it came from.
    pub file: String,
    /// Its evaluation interval, in seconds.
    pub interval: f64,
    /// How long its last evaluation took, in seconds.
    pub evaluation_time: f64,
    /// When it was last evaluated (unix seconds); `None` before the first time.
    pub last_evaluation: Option<f64>,
    /// Its rules, in order.
    pub rules: Vec<Rule>,
}

/// Recording or alerting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// A recording rule (`record:`).
    Recording,
    /// An alerting rule (`alert:`).
    Alerting,
}

/// One rule of a [`RuleGroup`].
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The recorded metric or the alert's name.
    pub name: String,
    /// Its expression.
    pub query: String,
    /// Recording or alerting.
    pub kind: RuleKind,
    /// `ok`, `err` or `unknown` (not evaluated yet).
    pub health: String,
    /// The last evaluation's error, if it failed.
    pub last_error: Option<String>,
    /// How long its last evaluation took, in seconds.
    pub evaluation_time: f64,
    /// When it was last evaluated (unix seconds).
    pub last_evaluation: Option<f64>,
    /// For an alerting rule: `inactive`, `pending` or `firing`.
    pub state: Option<String>,
    /// The labels it adds.
    pub labels: Labels,
}

/// An active alert, from `/api/v1/alerts`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Its labels, `alertname` included.
    pub labels: Labels,
    /// Its annotations.
    pub annotations: Labels,
    /// `pending` or `firing`.
    pub state: String,
    /// Since when it has been active (unix seconds).
    pub active_at: Option<f64>,
    /// The value of the expression's sample that made it active.
    pub value: f64,
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: serde_json::Value,
    #[serde(default, rename = "errorType")]
    error_type: String,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct QueryData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct VectorItem {
    metric: Labels,
    value: (f64, String),
}

#[derive(Deserialize)]
struct MatrixItem {
    metric: Labels,
    values: Vec<(f64, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGroup {
    name: String,
    file: String,
    #[serde(default)]
    interval: f64,
    #[serde(default)]
    evaluation_time: f64,
    #[serde(default)]
    last_evaluation: String,
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    name: String,
    query: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    health: String,
    #[serde(default)]
    last_error: String,
    #[serde(default)]
    evaluation_time: f64,
    #[serde(default)]
    last_evaluation: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    labels: Option<Labels>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAlert {
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    state: String,
    #[serde(default)]
    active_at: String,
    value: String,
}

/// A Prometheus sample value: a float, `NaN`, `+Inf` or `-Inf`.
fn value(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

/// An RFC 3339 time as unix seconds; `None` for Go's zero time or garbage.
fn time(text: &str) -> Option<f64> {
    let ts: jiff::Timestamp = text.parse().ok()?;
    (ts.as_second() > 0).then(|| ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) * 1e-9)
}

impl Prometheus {
    /// Calls an API endpoint and returns its `data`, or its error.
    fn api<T: DeserializeOwned>(&self, method: &str, path: &str, form: Option<&str>) -> Result<T, Error> {
        let response = http::request(self.addr, method, path, form, HTTP_TIMEOUT).map_err(|e| {
            Error::io(format!("{method} {path}\n--- prometheus log (tail) ---\n{}", self.log_tail(20)), e)
        })?;
        let envelope: Envelope = serde_json::from_str(&response.body).map_err(|_| Error::Api {
            path: path.to_owned(),
            status: response.status,
            message: response.body.chars().take(2000).collect(),
        })?;
        if envelope.status != "success" {
            return Err(Error::Api {
                path: path.to_owned(),
                status: response.status,
                message: format!("{}: {}", envelope.error_type, envelope.error),
            });
        }
        serde_json::from_value(envelope.data)
            .map_err(|e| Error::Protocol { path: path.to_owned(), message: e.to_string() })
    }

    /// Evaluates `expr` at `time` (unix seconds, millisecond precision;
    /// now when `None`) through `/api/v1/query`. A scalar result comes back
    /// as one sample without labels.
    pub fn query(&self, expr: &str, time: Option<f64>) -> Result<Vec<Sample>, Error> {
        let mut form = format!("query={}", http::encode(expr));
        if let Some(t) = time {
            form.push_str(&format!("&time={t:.3}"));
        }
        let path = "/api/v1/query";
        let data: QueryData = self.api("POST", path, Some(&form))?;
        let protocol = |e: serde_json::Error| Error::Protocol { path: path.to_owned(), message: e.to_string() };
        match data.result_type.as_str() {
            "vector" => {
                let items: Vec<VectorItem> = serde_json::from_value(data.result).map_err(protocol)?;
                Ok(items.into_iter().map(|i| Sample { labels: i.metric, value: value(&i.value.1) }).collect())
            }
            "scalar" => {
                let (_, v): (f64, String) = serde_json::from_value(data.result).map_err(protocol)?;
                Ok(vec![Sample { labels: Labels::new(), value: value(&v) }])
            }
            other => Err(Error::Protocol { path: path.to_owned(), message: format!("result type {other}") }),
        }
    }

    /// Like [`Prometheus::query`] for an expression with at most one
    /// result: its value, or `None` when the result is empty. Fails when
    /// there are several samples.
    pub fn query_value(&self, expr: &str, time: Option<f64>) -> Result<Option<f64>, Error> {
        let samples = self.query(expr, time)?;
        match samples.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.value)),
            many => Err(Error::Protocol {
                path: "/api/v1/query".to_owned(),
                message: format!("{expr} returned {} samples, expected at most one: {many:?}", many.len()),
            }),
        }
    }

    /// Evaluates `expr` from `start` to `end` every `step` seconds through
    /// `/api/v1/query_range`.
    pub fn query_range(&self, expr: &str, start: f64, end: f64, step: f64) -> Result<Vec<RangeSeries>, Error> {
        let form = format!("query={}&start={start:.3}&end={end:.3}&step={step}", http::encode(expr));
        let path = "/api/v1/query_range";
        let data: QueryData = self.api("POST", path, Some(&form))?;
        if data.result_type != "matrix" {
            let message = format!("result type {}", data.result_type);
            return Err(Error::Protocol { path: path.to_owned(), message });
        }
        let items: Vec<MatrixItem> = serde_json::from_value(data.result)
            .map_err(|e| Error::Protocol { path: path.to_owned(), message: e.to_string() })?;
        Ok(items
            .into_iter()
            .map(|i| RangeSeries { labels: i.metric, values: i.values.iter().map(|(t, v)| (*t, value(v))).collect() })
            .collect())
    }

    /// The rule groups, with each rule's health and last error, from
    /// `/api/v1/rules`.
    pub fn rules(&self) -> Result<Vec<RuleGroup>, Error> {
        #[derive(Deserialize)]
        struct Data {
            groups: Vec<RawGroup>,
        }
        let data: Data = self.api("GET", "/api/v1/rules", None)?;
        Ok(data
            .groups
            .into_iter()
            .map(|g| RuleGroup {
                name: g.name,
                file: g.file,
                interval: g.interval,
                evaluation_time: g.evaluation_time,
                last_evaluation: time(&g.last_evaluation),
                rules: g
                    .rules
                    .into_iter()
                    .map(|r| Rule {
                        name: r.name,
                        query: r.query,
                        kind: if r.kind == "alerting" { RuleKind::Alerting } else { RuleKind::Recording },
                        health: r.health,
                        last_error: Some(r.last_error).filter(|e| !e.is_empty()),
                        evaluation_time: r.evaluation_time,
                        last_evaluation: time(&r.last_evaluation),
                        state: r.state,
                        labels: r.labels.unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect())
    }

    /// The pending and firing alerts, from `/api/v1/alerts`.
    pub fn alerts(&self) -> Result<Vec<Alert>, Error> {
        #[derive(Deserialize)]
        struct Data {
            alerts: Vec<RawAlert>,
        }
        let data: Data = self.api("GET", "/api/v1/alerts", None)?;
        Ok(data
            .alerts
            .into_iter()
            .map(|a| Alert {
                labels: a.labels,
                annotations: a.annotations,
                state: a.state,
                active_at: time(&a.active_at),
                value: value(&a.value),
            })
            .collect())
    }

    /// The number of series in the head block (`headStats.numSeries` of
    /// `/api/v1/status/tsdb`): the recent ones, among them everything
    /// recording rules wrote since the start. Backfilled blocks are not
    /// counted.
    pub fn series_count(&self) -> Result<u64, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Data {
            head_stats: HeadStats,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct HeadStats {
            num_series: u64,
        }
        let data: Data = self.api("GET", "/api/v1/status/tsdb", None)?;
        Ok(data.head_stats.num_series)
    }

    /// The samples of one metric of the server's own `/metrics`, e.g.
    /// `prometheus_rule_group_last_duration_seconds` (one per `rule_group`)
    /// or `process_cpu_seconds_total`. Labels exclude the name.
    pub fn metric(&self, name: &str) -> Result<Vec<Sample>, Error> {
        let response = http::request(self.addr, "GET", "/metrics", None, HTTP_TIMEOUT)
            .map_err(|e| Error::io("GET /metrics", e))?;
        if response.status != 200 {
            return Err(Error::Api { path: "/metrics".to_owned(), status: response.status, message: response.body });
        }
        Ok(parse_exposition(&response.body, name))
    }

    /// Waits until every loaded rule group has been evaluated at least `n`
    /// more times, counting changes of its `lastEvaluation` from the call
    /// on, and returns the groups as last seen. Gives up after 30 s plus
    /// twice `n` times the longest group interval; see
    /// [`Prometheus::wait_for_rule_evaluations_within`]. Fails when no rule
    /// group is loaded.
    pub fn wait_for_rule_evaluations(&self, n: u32) -> Result<Vec<RuleGroup>, Error> {
        let groups = self.rules()?;
        let longest = groups.iter().map(|g| g.interval).fold(0.0, f64::max);
        let timeout = Duration::from_secs(30) + Duration::from_secs_f64(2.0 * f64::from(n) * longest);
        self.wait_for_rule_evaluations_within(n, timeout)
    }

    /// [`Prometheus::wait_for_rule_evaluations`] with an explicit timeout.
    pub fn wait_for_rule_evaluations_within(&self, n: u32, timeout: Duration) -> Result<Vec<RuleGroup>, Error> {
        let started = Instant::now();
        let first = self.rules()?;
        if first.is_empty() {
            let message = "no rule group is loaded: nothing to wait for".to_owned();
            return Err(Error::Protocol { path: "/api/v1/rules".to_owned(), message });
        }
        let shortest = first.iter().map(|g| g.interval).filter(|i| *i > 0.0).fold(f64::INFINITY, f64::min);
        let poll = Duration::from_secs_f64((shortest / 4.0).clamp(0.01, 0.25));
        // (file, name) -> (last evaluation seen, evaluations counted).
        let mut seen: HashMap<(String, String), (Option<f64>, u32)> =
            first.iter().map(|g| ((g.file.clone(), g.name.clone()), (g.last_evaluation, 0))).collect();
        loop {
            let groups = self.rules()?;
            for g in &groups {
                let entry = seen.entry((g.file.clone(), g.name.clone())).or_insert((g.last_evaluation, 0));
                if g.last_evaluation.is_some() && g.last_evaluation != entry.0 {
                    *entry = (g.last_evaluation, entry.1 + 1);
                }
            }
            let behind: Vec<String> = groups
                .iter()
                .filter(|g| seen[&(g.file.clone(), g.name.clone())].1 < n)
                .map(|g| format!("{} ({} of {n})", g.name, seen[&(g.file.clone(), g.name.clone())].1))
                .collect();
            if behind.is_empty() {
                return Ok(groups);
            }
            if started.elapsed() >= timeout {
                return Err(Error::Timeout {
                    what: format!("waiting for {n} evaluations of rule groups {}", behind.join(", ")),
                    after: timeout,
                    log_tail: self.log_tail(20),
                });
            }
            std::thread::sleep(poll);
        }
    }
}

/// The samples named `name` in Prometheus text exposition.
fn parse_exposition(text: &str, name: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(parse_line)
        .filter(|(n, _)| n == name)
        .map(|(_, s)| s)
        .collect()
}

/// `name{a="b",...} value [timestamp]`.
fn parse_line(line: &str) -> Option<(String, Sample)> {
    let line = line.trim();
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    let mut labels = Labels::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        let mut key = String::new();
        loop {
            let (i, c) = chars.next()?;
            match c {
                '}' => {
                    rest = &inner[i + 1..];
                    break;
                }
                ',' | ' ' => {}
                '=' => {
                    chars.next().filter(|(_, c)| *c == '"')?;
                    let mut val = String::new();
                    loop {
                        match chars.next()?.1 {
                            '"' => break,
                            '\\' => match chars.next()?.1 {
                                'n' => val.push('\n'),
                                other => val.push(other),
                            },
                            other => val.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), val);
                }
                other => key.push(other),
            }
        }
    }
    let value = value(rest.split_whitespace().next()?);
    Some((name, Sample { labels, value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_lines_parse() {
        let text = "# HELP x help\n# TYPE x gauge\nx 3\n\
                    prometheus_rule_group_last_duration_seconds{rule_group=\"/r.yaml;slo \\\"a\\\"\"} 0.0125\n\
                    prometheus_rule_group_last_duration_seconds{rule_group=\"/r.yaml;b\",z=\"1\"} +Inf 1700000000000\n\
                    process_cpu_seconds_total 1.5e+01\n";
        let durations = parse_exposition(text, "prometheus_rule_group_last_duration_seconds");
        assert_eq!(durations.len(), 2);
        assert_eq!(durations[0].labels["rule_group"], "/r.yaml;slo \"a\"");
        assert_eq!(durations[0].value, 0.0125);
        assert_eq!(durations[1].labels.len(), 2);
        assert_eq!(durations[1].value, f64::INFINITY);
        assert_eq!(parse_exposition(text, "process_cpu_seconds_total")[0].value, 15.0);
        assert_eq!(parse_exposition(text, "x")[0], Sample { labels: Labels::new(), value: 3.0 });
        assert!(parse_exposition(text, "missing").is_empty());
    }

    #[test]
    fn values_and_times_parse() {
        assert!(value("NaN").is_nan());
        assert_eq!(value("+Inf"), f64::INFINITY);
        assert_eq!(value("-Inf"), f64::NEG_INFINITY);
        assert_eq!(value("0.25"), 0.25);
        assert_eq!(time("2024-03-01T00:00:01.5Z"), Some(1_709_251_201.5));
        assert_eq!(time("0001-01-01T00:00:00Z"), None);
        assert_eq!(time(""), None);
    }
}
