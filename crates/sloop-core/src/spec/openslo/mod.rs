//! OpenSLO v1: reader and writer.
//!
//! [OpenSLO](https://github.com/OpenSLO/OpenSLO) v1 spreads an SLO over
//! several kinds of documents that refer to each other by `metadata.name`,
//! possibly across files: the reader gets every OpenSLO document of a load at
//! once and resolves the references.
//!
//! | OpenSLO                                         | model                                                     |
//! |-------------------------------------------------|-----------------------------------------------------------|
//! | `Service` (`displayName`, `spec.description`, labels) | [`Service`](crate::model::Service)                 |
//! | `SLO` `metadata.name` / `displayName` / labels  | `Objective.name` / `display_name` / `labels`              |
//! | `SLO` `metadata.annotations.runbook_url`        | `Objective.runbook_url`                                   |
//! | `spec.indicator` or `spec.indicatorRef` → `SLI` | `Objective.indicator`                                     |
//! | `ratioMetric` `good`+`total` / `bad`+`total`    | `Indicator::Ratio` with `EventQuery::Good` / `Bad`        |
//! | `ratioMetric` `raw` + `rawType: success/failure`| `Indicator::Raw` (`GoodRatio` / `ErrorRatio`)             |
//! | `thresholdMetric` + objective `op`, `value`     | `Indicator::Threshold`                                    |
//! | `metricSource` `type` or `metricSourceRef` → `DataSource` `spec.type` | `ProviderRef` (Prometheus or Datadog; the DataSource's name) |
//! | `metricSource.spec.query` (`promql` for Prometheus) | the query                                             |
//! | `timeWindow: [{duration: 28d, isRolling: true}]`| `TimeWindow::Rolling`                                     |
//! | `timeWindow: [{duration: 1M, calendar: {timeZone}}]` | `TimeWindow::Calendar` (`d` `w` `M` `Q` `Y`)         |
//! | `budgetingMethod` + `timeSliceTarget` / `timeSliceWindow` | `BudgetingMethod`                               |
//! | each of `spec.objectives[]`                     | one `Objective` (target: `target` fraction or `targetPercent`) |
//! | `alertPolicies` → `AlertPolicy` → `AlertCondition` (burnrate) | custom `AlertPolicy` windows               |
//! | `AlertNotificationTarget` names                 | alert annotation `notification_target` (comma-separated)  |
//!
//! Details worth knowing:
//!
//! - An SLO with several objectives gives several model objectives, named
//!   `<slo>-<slug of the objective's displayName>`, or `<slo>-<index>`
//!   (0-based, as in `spec.objectives[0]`) when it has no displayName.
//! - Duration shorthands `M` (months), `Q` (quarters) and `Y` (years) have no
//!   fixed length: they are valid for calendar windows only. A `timeSliceWindow`
//!   written as a bare number is in minutes, as the spec says.
//! - A calendar window's `startTime` is checked but not kept: sloop aligns
//!   calendar windows to the start of the period (midnight, Monday, the 1st)
//!   in the window's time zone.
//! - A burn-rate `AlertCondition` `{threshold, lookbackWindow, alertAfter}`
//!   becomes the window pair "long = lookbackWindow, short = alertAfter"
//!   spending `threshold × lookbackWindow / SLO window` of the budget
//!   (the SLO window of a calendar window is its nominal length: a month is
//!   30 days). Without `alertAfter` (or with `0m`)
//!   the short window is a twelfth of the long one, as in the SRE workbook.
//!   `severity` `page`, `critical` or `high` (any case) pages; anything else
//!   is a ticket. The policies' `alertWhen*` switches are accepted but not
//!   used. An SLO without `alertPolicies` gets sloop's standard alerting.
//! - AlertNotificationTargets are checked (name and `target` are required)
//!   and their names are kept in the alert annotation `notification_target`;
//!   their `target` and `description` are not kept.
//! - Accepted but not kept: fields of a metric source's `spec` other than
//!   `query` (or `promql`, which draw a warning), an SLI's name, display name
//!   and `description`, `ratioMetric.counter`, a DataSource's
//!   `connectionDetails`, SLO annotations other than `runbook_url`, and the
//!   labels, annotations and descriptions of alerting objects.
//! - `op` and `value` on the objective of a ratio indicator (as in the spec's
//!   own examples) draw a warning and are ignored; so do `timeSliceTarget` and
//!   `timeSliceWindow` where the budgeting method does not use them.
//! - Composite SLOs (an `indicator` per objective) are refused.
//!
//! The writer (`sloop convert --to openslo`) emits one multi-document YAML
//! stream: a `Service` per service, a `DataSource` per named provider, then
//! per objective an `SLO` with its indicator inline, followed by one
//! `AlertPolicy` and one `AlertCondition` per custom alert window, and last
//! the `AlertNotificationTarget`s named by `notification_target` annotations.
//! Latency indicators are written as a `ratioMetric` over the histogram's
//! buckets (`sum(rate(<metric>_bucket{...,le="0.2"}[{{.window}}]))` over the
//! `le="+Inf"` bucket or `_count`), keeping sloop's window placeholder as the
//! other queries of the model do; what OpenSLO cannot say is listed as losses.

mod alerts;
mod indicator;
mod read;
mod types;
mod window;
mod write;

use crate::duration::Duration;
use crate::model::Manifest;
use crate::source::Document;
use crate::spec::{Collector, Written};

/// The OpenSLO v1 kinds.
pub const KINDS: [&str; 7] =
    ["Service", "SLO", "SLI", "DataSource", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"];

/// The alert annotation that keeps the names of an SLO's notification targets.
pub const NOTIFICATION_TARGET_ANNOTATION: &str = "notification_target";

/// The `metadata.annotations` key that holds an SLO's runbook URL.
pub const RUNBOOK_ANNOTATION: &str = "runbook_url";

/// Reads every OpenSLO document of a load, resolving references between them.
pub(crate) fn read(docs: &[Document<'_>], out: &mut Collector) {
    read::read(docs, out);
}

/// Writes a manifest as a multi-document OpenSLO v1 stream.
pub(crate) fn write(m: &Manifest) -> Written {
    write::write(m)
}

/// The share of the budget a burn-rate condition spends in its lookback
/// window: `threshold × lookback / SLO window`. A result within floating-point
/// noise (4 ulps) of a decimal of 12 significant digits is that decimal, so
/// that shares such as 0.02 written out as thresholds read back exactly.
fn budget_share(threshold: f64, lookback: Duration, slo_window: Duration) -> f64 {
    let x = threshold * lookback.as_secs_f64() / slo_window.as_secs_f64();
    let decimal: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    let ulp = x.next_up() - x;
    if (x - decimal).abs() <= 4.0 * ulp { decimal } else { x }
}

/// A fixed duration in OpenSLO shorthand, in its largest exact unit:
/// `28d`, `6h`, `5m`, `90s`.
fn shorthand(d: Duration) -> String {
    let secs = d.as_secs();
    for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs >= len && secs.is_multiple_of(len) {
            return format!("{}{unit}", secs / len);
        }
    }
    format!("{secs}s")
}
