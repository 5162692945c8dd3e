//! Sloth's `version: "prometheus/v1"` spec: reader and writer.
//!
//! A Sloth file names one `service`, its `labels`, and a list of `slos`. Each
//! SLO has a `name`, an `objective` in percent, an SLI (`events` with an
//! `error_query` and a `total_query`, `raw` with an `error_ratio_query`, or a
//! `plugin`) and `alerting` for the page and ticket tiers.
//!
//! # Reading
//!
//! | Sloth                                  | model                                                      |
//! |----------------------------------------|------------------------------------------------------------|
//! | `service`, `labels`                    | [`Service`](crate::model::Service) name and labels          |
//! | `labels` ∪ `slos[].labels`             | the objective's labels (the SLO's own win)                 |
//! | `slos[].objective`                     | the target, in percent                                     |
//! | `sli.events.error_query`/`total_query` | a ratio of bad over total, queries kept verbatim           |
//! | `sli.raw.error_ratio_query`            | a raw error ratio                                          |
//! | `sli.plugin`                           | refused: the query lives in plugin code sloop cannot run   |
//! | (none)                                 | a rolling 30-day window                                    |
//! | `alerting.name/labels/annotations`     | the alert policy's name, labels and annotations            |
//! | `alerting.annotations.runbook_url`     | the objective's runbook URL                                |
//! | `page_alert`/`ticket_alert`            | the page and ticket tiers; `disable: true` turns one off   |
//!
//! Sloth has no window in the spec: the SLO period is a flag of the `sloth`
//! command (`--default-slo-period`, 30 days unless changed), so every Sloth
//! objective reads as a rolling 30-day window. Queries keep their
//! `{{.window}}` placeholder verbatim.
//!
//! Sloth has no switch for alerting as a whole, only one per tier. An SLO whose
//! page and ticket alerts are both disabled therefore reads as an alert policy
//! that is enabled with both tiers disabled: it produces no alert either way,
//! and the tiers' labels and annotations are kept for when one is turned on.
//!
//! The checks are Sloth's own: the service and SLO names match
//! `^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$`; queries are valid PromQL with
//! the `{{.window}}` placeholder; the error and total queries differ; exactly
//! one SLI kind is set; `alerting.name` is required while a tier is enabled;
//! label names are Prometheus label names and label values are not empty; an
//! SLO name appears once per service. sloop refuses an objective of 100,
//! which Sloth accepts: it leaves no error budget to burn.
//!
//! SLO plugin chains (`slo_plugins`, `slos[].plugins`) rewrite the rules Sloth
//! generates; sloop cannot apply them and warns that they are ignored. Rule
//! group intervals (`interval`) and `infoLabels` are accepted and not used.
//!
//! # Writing
//!
//! `sloop convert --to sloth` writes one Sloth document per service (several
//! documents are separated by `---`). Ratio indicators become `sli.events`:
//! a bare counter selector is wrapped as `sum(rate(selector[{{.window}}]))`;
//! a good-events query `good` becomes the error query `(total) - (good)`,
//! which counts exactly the bad events when both are sums of `rate` or
//! `increase` over the same series (as they are for a counter of requests).
//! A latency indicator becomes the count (or `+Inf` bucket) minus the
//! threshold's bucket. A raw good ratio `q` becomes the error ratio `1 - (q)`.
//!
//! Objectives Sloth cannot express at all (Datadog queries, indicators that
//! are only a label selector, threshold indicators, queries without the
//! `{{.window}}` placeholder) are skipped with a [`Loss`](crate::spec::Loss).
//! Anything else Sloth has no field for is written as near as it can be and
//! listed as a loss: a window other than 30 days (Sloth's period is a command
//! flag), calendar windows, time-slice budgeting, custom alert windows,
//! `for` durations, declared traffic, display names. The runbook URL is written
//! as the `runbook_url` annotation of the alerts, which is where Prometheus
//! alerts carry it, and read back from there. When an objective alerts but its
//! policy has no name, the alert is named `ErrorBudgetBurn` (Sloth requires
//! one; that is Pyrra's default name).

mod read;
mod write;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::duration::Duration;
use crate::spec::check::NumOrStr;

pub(crate) use read::read;
pub(crate) use write::write;

/// The value of Sloth's `version` key.
pub const VERSION: &str = "prometheus/v1";

/// Sloth's default SLO period (`sloth generate --default-slo-period`).
pub const DEFAULT_SLO_PERIOD: Duration = Duration::from_days(30);

/// The alert name written when an alerting objective has none.
pub const DEFAULT_ALERT_NAME: &str = "ErrorBudgetBurn";

/// The annotation that carries the runbook URL.
pub const RUNBOOK_ANNOTATION: &str = "runbook_url";

type Map = BTreeMap<String, String>;

/// A Sloth spec file, as written.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Spec {
    pub(crate) version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) service: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) labels: Map,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) slo_plugins: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) slos: Vec<Slo>,
}

/// One SLO of a Sloth spec.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Slo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "whole_as_integer")]
    pub(crate) objective: Option<NumOrStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) labels: Map,
    #[serde(default, rename = "infoLabels", skip_serializing_if = "Map::is_empty")]
    pub(crate) info_labels: Map,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) plugins: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sli: Option<Sli>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alerting: Option<Alerting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) interval: Option<Interval>,
}

/// The SLI: exactly one of the three kinds.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sli {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) events: Option<Events>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) raw: Option<Raw>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) plugin: Option<Plugin>,
}

/// `sli.events`: bad events over total events.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Events {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error_query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) total_query: Option<String>,
}

/// `sli.raw`: a query returning the error ratio itself.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) error_ratio_query: Option<String>,
}

/// `sli.plugin`: a Go plugin that returns the query.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Plugin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) options: Option<serde_json::Value>,
}

/// `alerting`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Alerting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) labels: Map,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) annotations: Map,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) page_alert: Option<Alert>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ticket_alert: Option<Alert>,
}

/// `page_alert` or `ticket_alert`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Alert {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) disable: bool,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) labels: Map,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub(crate) annotations: Map,
}

/// `interval`: rule group evaluation intervals (accepted, not used).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Interval {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) all: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) slierror: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alert: Option<String>,
}

/// Writes `99.0` as `99`: the same number to Sloth, and how people write it.
fn whole_as_integer<S: serde::Serializer>(v: &Option<NumOrStr>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(NumOrStr::Num(n)) if n.fract() == 0.0 && n.abs() < 1e15 => s.serialize_i64(*n as i64),
        other => other.serialize(s),
    }
}

/// Whether `s` is a valid Sloth service or SLO name:
/// `^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$`.
pub fn is_valid_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Whether `s` is a Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("requests-availability"));
        assert!(is_valid_name("k8s.api_server"));
        assert!(!is_valid_name("a"));
        assert!(!is_valid_name("-ab"));
        assert!(!is_valid_name("ab-"));
        assert!(!is_valid_name("a b"));
        assert!(is_label_name("slack_channel"));
        assert!(is_label_name("_x1"));
        assert!(!is_label_name("1x"));
        assert!(!is_label_name("a-b"));
        assert!(!is_label_name(""));
    }
}
