//! sloop's own manifest format, as written.
//!
//! One file holds one service and its SLOs. Keys are short, durations read
//! like `30d` and targets like `99.9` or `"99.9%"`:
//!
//! ```yaml
//! apiVersion: sloop/v1
//! service: checkout
//! provider: prometheus
//! slos:
//!   - name: availability
//!     target: 99.9
//!     window: 30d
//!     ratio:
//!       bad: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
//!       total: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
//! ```
//!
//! These types are also the source of the published JSON Schema
//! (`schema/sloop.schema.json`), so their doc comments are what editors show.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::spec::check::NumOrStr;

/// A sloop manifest: one service and its service level objectives.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "sloop manifest", extend("$id" = "https://sloop.dev/schema/sloop.schema.json"))]
pub struct SloopFile {
    /// Always `sloop/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// Optional; `Service` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The service's name, e.g. `checkout`.
    pub service: String,
    /// A human title for the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the service does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Labels of the service, inherited by every SLO (owner, tier, repo...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The default provider of the queries: `prometheus` (the default) or `datadog`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderSpec>,
    /// The service level objectives.
    pub slos: Vec<SloSpec>,
}

/// A provider: `prometheus`, `datadog`, or `{kind: prometheus, name: thanos}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ProviderSpec {
    /// `prometheus` or `datadog`.
    Kind(String),
    /// A named source of a kind.
    Named {
        /// `prometheus` or `datadog`.
        kind: String,
        /// The source's name, matched with the agent's provider configuration.
        name: String,
    },
}

/// One service level objective.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    /// Identifier, unique within the service: `availability`, `latency-p90`.
    pub name: String,
    /// A human title: "90% of requests served in under 200ms".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Labels of this SLO (added to the service's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The target in percent, above 0 and below 100: `99.9` or `"99.9%"`.
    #[schemars(with = "TargetSchema")]
    pub target: NumOrStr,
    /// A rolling duration (`30d`, `28d`, `7d`, `PT1H`) or a calendar period
    /// (`day`, `week`, `month`, `quarter`, `year`, or `{calendar: month, timezone: Europe/Paris}`).
    pub window: WindowSpec,
    /// `occurrences` (the default), or time slices:
    /// `{method: timeslices, slice: 1m, target: 95}` / `{method: ratio_timeslices, slice: 1m}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budgeting: Option<BudgetingSpec>,
    /// Expected traffic, to size the budget: `100/s`, `6000/min`, `2M/day`, or events per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<TargetSchema>")]
    pub traffic: Option<NumOrStr>,
    /// A runbook URL, put on alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// Overrides the file's provider for this SLO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderSpec>,
    /// Good (or bad) events over total events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<RatioSpec>,
    /// Requests at or under a latency threshold, from a histogram.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySpec>,
    /// Labels that pushed indicators must carry. May be combined with `ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, String>>,
    /// A query that returns the ratio itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<RawSpec>,
    /// A metric compared against a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<ThresholdSpec>,
    /// `false` to turn alerting off, or the alerting policy. Default: the
    /// standard page and ticket pairs, scaled to the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerting: Option<AlertingSpec>,
}

/// A percentage, as a number or a string with `%`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum TargetSchema {
    /// `99.9`
    Number(f64),
    /// `"99.9%"`
    Text(String),
}

/// A window.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum WindowSpec {
    /// `30d`, `PT1H`, or a calendar period name (`month`).
    Text(String),
    /// A calendar window in a time zone.
    Calendar {
        /// `day`, `week`, `month`, `quarter` or `year`.
        calendar: String,
        /// IANA time zone, default `UTC`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timezone: Option<String>,
        /// How many periods make a window (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<u32>,
    },
}

impl Default for WindowSpec {
    fn default() -> Self {
        WindowSpec::Text("30d".into())
    }
}

/// The budgeting method.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BudgetingSpec {
    /// `occurrences`, `timeslices` or `ratio_timeslices` alone.
    Method(String),
    /// A method with its slice settings.
    Detailed {
        /// `occurrences`, `timeslices` or `ratio_timeslices`.
        method: String,
        /// The slice length, e.g. `1m`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slice: Option<String>,
        /// For `timeslices`: the share a slice needs to be good, in percent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(with = "Option<TargetSchema>")]
        target: Option<NumOrStr>,
    },
}

/// A ratio of events: `good` or `bad`, and `total`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatioSpec {
    /// Counts good events. `{{.window}}` stands for the range, as in Sloth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<String>,
    /// Counts bad events (instead of `good`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad: Option<String>,
    /// Counts all events.
    pub total: String,
}

/// A latency SLO from a Prometheus histogram.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySpec {
    /// The histogram's name without `_bucket`: `http_server_requests_seconds`.
    pub metric: String,
    /// Labels that select the requests: `{service_name: myservice, outcome: SUCCESS}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    /// Extra PromQL label matchers, e.g. `status=~"2.."`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<String>,
    /// The latency threshold: `200ms`, `0.2s`, or seconds as a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<TargetSchema>")]
    pub threshold: Option<NumOrStr>,
    /// The bucket's `le` label exactly as exported, instead of `threshold`: `"0.2"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub le: Option<String>,
    /// `count` (the `_count` series, the default) or `inf` (the `le="+Inf"` bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// The histogram's bucket boundaries in seconds, if known (checked against the threshold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<f64>>,
    /// A native histogram (no `_bucket` series): good requests are
    /// `histogram_fraction(0, threshold, …) × histogram_count(…)`, as Pyrra computes them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub native: bool,
}

/// A query returning a ratio.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    /// The share of bad events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_ratio: Option<String>,
    /// The share of good events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good_ratio: Option<String>,
}

/// A metric compared against a value: good when `query op value`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdSpec {
    /// The metric query.
    pub query: String,
    /// `lt`, `lte`, `gt` or `gte`.
    pub op: String,
    /// The value.
    pub value: f64,
}

/// Alerting: `false`, or a policy.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum AlertingSpec {
    /// `false` turns alerting off; `true` is the default policy.
    Switch(bool),
    /// A policy.
    // Boxed: it is much larger than the switch.
    Policy(Box<AlertPolicySpec>),
}

/// An alerting policy.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertPolicySpec {
    /// The alert's name, e.g. `CheckoutHighErrorRate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Labels on every alert.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations on every alert.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// The page tier: `false` to disable, or its labels, annotations and `for`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<TierSpec>,
    /// The ticket tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TierSpec>,
    /// Window pairs replacing the standard ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<WindowPairSpec>,
}

/// A tier: `false`, or its settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TierSpec {
    /// `false` disables the tier.
    Switch(bool),
    /// Settings of an enabled tier.
    Settings(TierSettings),
}

/// Settings of a tier.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierSettings {
    /// Labels on this tier's alerts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations on this tier's alerts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// How long the condition must hold before firing, e.g. `2m`.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_duration: Option<String>,
}

/// A window pair: spend `budget` of the error budget within `long`, confirmed over `short`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowPairSpec {
    /// `page` or `ticket`.
    pub severity: String,
    /// The long window, e.g. `1h`.
    pub long: String,
    /// The short window, e.g. `5m`.
    pub short: String,
    /// The share of the budget spent within `long`, in percent: `2` or `"2%"`.
    #[schemars(with = "TargetSchema")]
    pub budget: NumOrStr,
}
