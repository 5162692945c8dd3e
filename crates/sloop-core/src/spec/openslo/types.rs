//! OpenSLO v1 documents, as written.
//!
//! Field names follow the OpenSLO v1 specification exactly (camelCase). The
//! spec is closed, so unknown fields are refused, except inside a metric
//! source's `spec` and a DataSource's `connectionDetails`, which the spec
//! leaves open to each data source type. The same types are serialized by the
//! writer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spec::check::NumOrStr;

/// The `apiVersion` of every OpenSLO v1 document.
pub(crate) const API_VERSION: &str = "openslo/v1";

/// Any OpenSLO v1 document: `apiVersion`, `kind`, `metadata`, `spec`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Object<S> {
    /// Always `openslo/v1`.
    #[serde(rename = "apiVersion")]
    pub(crate) api_version: String,
    /// `SLO`, `SLI`, `Service`, ...
    pub(crate) kind: String,
    /// Name, display name, labels, annotations.
    pub(crate) metadata: Metadata,
    /// The kind's own fields.
    #[serde(default)]
    pub(crate) spec: S,
}

impl<S> Object<S> {
    /// A document of `kind`.
    pub(crate) fn new(kind: &str, metadata: Metadata, spec: S) -> Self {
        Self { api_version: API_VERSION.into(), kind: kind.into(), metadata, spec }
    }
}

/// Just enough of a document to know its name when the rest does not parse.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct NameOnly {
    /// The metadata, read loosely.
    #[serde(default)]
    pub(crate) metadata: Option<NameOnlyMetadata>,
}

/// `metadata.name`, read loosely.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct NameOnlyMetadata {
    /// The name.
    #[serde(default)]
    pub(crate) name: Option<String>,
}

/// `metadata` of every kind.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Metadata {
    /// The object's name, unique per kind.
    pub(crate) name: String,
    /// A human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) display_name: Option<String>,
    /// Labels: a string or a list of strings per key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) labels: BTreeMap<String, LabelValue>,
    /// Implementation metadata.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// A label's value: `team: identity` or `tags: [auth, web]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub(crate) enum LabelValue {
    /// A plain string.
    Text(String),
    /// An unquoted `true` / `false`.
    Bool(bool),
    /// An unquoted number.
    Num(f64),
    /// A list of strings.
    List(Vec<String>),
}

impl LabelValue {
    /// The value as one string; a list is joined with `,`.
    pub(crate) fn joined(&self) -> String {
        match self {
            LabelValue::Text(s) => s.clone(),
            LabelValue::Bool(b) => b.to_string(),
            LabelValue::Num(n) => format!("{n}"),
            LabelValue::List(l) => l.join(","),
        }
    }
}

/// `kind: Service`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceSpec {
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
}

/// `kind: DataSource`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DataSourceSpec {
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// `Prometheus`, `Datadog`, ...
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub(crate) type_: Option<String>,
    /// Connection settings; anything goes, sloop does not read them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) connection_details: Option<serde_json::Value>,
}

/// `kind: SLO`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SloSpec {
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// The service's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) service: Option<String>,
    /// An inline SLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) indicator: Option<InlineSli>,
    /// The name of an SLI document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) indicator_ref: Option<String>,
    /// Exactly one time window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) time_window: Option<Vec<TimeWindowSpec>>,
    /// `Occurrences`, `Timeslices` or `RatioTimeslices`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) budgeting_method: Option<String>,
    /// The targets.
    #[serde(default)]
    pub(crate) objectives: Vec<ObjectiveSpec>,
    /// Alert policies, inline or by `alertPolicyRef`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) alert_policies: Vec<AlertPolicyEntry>,
}

/// An SLI written inside an SLO: `metadata` and `spec`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InlineSli {
    /// The SLI's name.
    pub(crate) metadata: Metadata,
    /// What it measures.
    #[serde(default)]
    pub(crate) spec: SliSpec,
}

/// `kind: SLI`, and the `spec` of an inline indicator.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SliSpec {
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// One query compared with each objective's `op` and `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) threshold_metric: Option<MetricSpec>,
    /// Good or bad over total, or a raw ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ratio_metric: Option<RatioMetric>,
}

/// `ratioMetric`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RatioMetric {
    /// Whether the metrics are monotonic counters (accepted, not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) counter: Option<bool>,
    /// The good events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) good: Option<MetricSpec>,
    /// The bad events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) bad: Option<MetricSpec>,
    /// All events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) total: Option<MetricSpec>,
    /// `success` or `failure`: what a `raw` ratio measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) raw_type: Option<String>,
    /// A query returning the ratio itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) raw: Option<MetricSpec>,
}

/// `{metricSource: ...}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MetricSpec {
    /// Where and what to query.
    pub(crate) metric_source: MetricSource,
}

/// `metricSource`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MetricSource {
    /// The name of a DataSource document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metric_source_ref: Option<String>,
    /// `Prometheus`, `Datadog`, ...; taken from the DataSource when omitted.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub(crate) type_: Option<String>,
    /// Fields of the data source type; sloop reads `query` (and `promql`).
    #[serde(default)]
    pub(crate) spec: BTreeMap<String, serde_json::Value>,
}

/// One entry of `timeWindow`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TimeWindowSpec {
    /// Duration shorthand: `28d`, `1M`, `1Q`.
    pub(crate) duration: String,
    /// Rolling (true) or calendar-aligned (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) is_rolling: Option<bool>,
    /// Where calendar windows start and in which time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) calendar: Option<CalendarSpec>,
}

/// `calendar` of a calendar-aligned window.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CalendarSpec {
    /// `2022-01-01 12:00:00`, without time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) start_time: Option<String>,
    /// IANA name: `America/New_York`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) time_zone: Option<String>,
}

/// One entry of `objectives`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ObjectiveSpec {
    /// A title for this threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) display_name: Option<String>,
    /// `lt`, `lte`, `gt`, `gte` (thresholdMetric only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) op: Option<String>,
    /// The value compared with (thresholdMetric only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<f64>,
    /// A fraction: `0.999`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target: Option<NumOrStr>,
    /// A percentage: `99.9`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target_percent: Option<NumOrStr>,
    /// What a slice must achieve (Timeslices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) time_slice_target: Option<NumOrStr>,
    /// The slice length: `1m`, or a number of minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) time_slice_window: Option<NumOrStr>,
    /// Composite SLOs (not supported; read to refuse clearly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) indicator: Option<serde_json::Value>,
    /// Composite SLOs (not supported; read to refuse clearly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) indicator_ref: Option<String>,
    /// Composite SLOs (not supported; read to refuse clearly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) composite_weight: Option<f64>,
}

/// An entry of an SLO's `alertPolicies`: `{alertPolicyRef: name}` or an inline AlertPolicy.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AlertPolicyEntry {
    /// The name of an AlertPolicy document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alert_policy_ref: Option<String>,
    /// `AlertPolicy`, when inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
    /// The inline policy's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<Metadata>,
    /// The inline policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) spec: Option<AlertPolicySpec>,
}

/// `kind: AlertPolicy`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AlertPolicySpec {
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// Alert when there is no data (accepted, not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alert_when_no_data: Option<bool>,
    /// Alert when resolved (accepted, not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alert_when_resolved: Option<bool>,
    /// Alert when breaching (accepted, not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alert_when_breaching: Option<bool>,
    /// Conditions, inline or by `conditionRef`.
    #[serde(default)]
    pub(crate) conditions: Vec<ConditionEntry>,
    /// Targets, inline or by `targetRef`.
    #[serde(default)]
    pub(crate) notification_targets: Vec<TargetEntry>,
}

/// `{conditionRef: name}` or an inline AlertCondition.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ConditionEntry {
    /// The name of an AlertCondition document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) condition_ref: Option<String>,
    /// `AlertCondition`, when inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
    /// The inline condition's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<Metadata>,
    /// The inline condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) spec: Option<AlertConditionSpec>,
}

/// `kind: AlertCondition`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AlertConditionSpec {
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// `page`, `ticket`, `sev1`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) severity: Option<String>,
    /// The burn-rate condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) condition: Option<ConditionSpec>,
}

/// `condition` of an AlertCondition.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ConditionSpec {
    /// `burnrate`, the only kind (and the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
    /// `gt` or `gte`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) op: Option<String>,
    /// The burn rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) threshold: Option<f64>,
    /// The window the burn rate is measured over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) lookback_window: Option<String>,
    /// How long the condition must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alert_after: Option<String>,
}

/// `{targetRef: name}` or an inline AlertNotificationTarget.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TargetEntry {
    /// The name of an AlertNotificationTarget document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target_ref: Option<String>,
    /// `AlertNotificationTarget`, when inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
    /// The inline target's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<Metadata>,
    /// The inline target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) spec: Option<NotificationTargetSpec>,
}

/// `kind: AlertNotificationTarget`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotificationTargetSpec {
    /// `slack`, `email`, a webhook...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) target: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
}
