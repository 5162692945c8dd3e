//! Rule groups as Prometheus reads them, independent of the file they are
//! rendered into (plain, Mimir namespace, Kubernetes `PrometheusRule`).

use std::collections::BTreeMap;

use serde::Serialize;
use sloop_core::Duration;

/// A group of rules evaluated together, in order, at one interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleGroup {
    /// Unique group name.
    pub name: String,
    /// Evaluation interval; `None` uses Prometheus' global one.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_duration")]
    pub interval: Option<Duration>,
    /// Rules, evaluated top to bottom: a rule sees the results of the rules above it.
    pub rules: Vec<Rule>,
}

/// A recording or an alerting rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Rule {
    /// Stores the expression's result as a new series.
    Record(RecordingRule),
    /// Fires while the expression returns anything.
    Alert(AlertingRule),
}

/// `record: name`, `expr`, `labels`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordingRule {
    /// The recorded metric's name.
    pub record: String,
    /// The PromQL expression.
    pub expr: String,
    /// Labels added to the result.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// `alert: name`, `expr`, `for`, `labels`, `annotations`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertingRule {
    /// The alert's name.
    pub alert: String,
    /// The PromQL condition.
    pub expr: String,
    /// How long the condition must hold.
    #[serde(rename = "for", skip_serializing_if = "Option::is_none", serialize_with = "ser_duration")]
    pub for_duration: Option<Duration>,
    /// Labels added to the alert.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations (title, summary, description, runbook_url).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Rule {
    /// The recorded metric or the alert's name.
    pub fn name(&self) -> &str {
        match self {
            Rule::Record(r) => &r.record,
            Rule::Alert(a) => &a.alert,
        }
    }

    /// The expression.
    pub fn expr(&self) -> &str {
        match self {
            Rule::Record(r) => &r.expr,
            Rule::Alert(a) => &a.expr,
        }
    }
}

fn ser_duration<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&prometheus_duration(*d)),
        None => s.serialize_none(),
    }
}

/// A Prometheus duration: `2m30s`, `1d`, `30s`.
pub fn prometheus_duration(d: Duration) -> String {
    d.to_compact()
}
