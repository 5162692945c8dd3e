//! `POST /api/v1/indicators`: clients and agents push measurements.
//!
//! ```json
//! {"indicators": [
//!   {"labels": {"service": "checkout", "slo": "availability", "region": "eu"},
//!    "from": 1732100000, "to": 1732100060, "good": 998, "total": 1000},
//!   {"labels": {"app": "web"}, "from": "2024-11-20T10:00:00Z", "to": "2024-11-20T10:05:00Z",
//!    "percentage": 99.5}
//! ]}
//! ```
//!
//! An indicator is good and total events over `(from, to]` (unix seconds or
//! RFC 3339), or, as Reliably's were, a percentage alone: one time slice
//! that weighs as one event. It is stored under its own labels, and counts
//! for every objective whose selector labels it carries, so finer series
//! (one per region) add up in the objective's report.
//!
//! A batch is checked whole before anything is written, and written in one
//! transaction: a request is stored entirely or not at all. The first
//! problem is reported with the indicator's index and field.

use std::collections::BTreeMap;
use std::fmt;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use sloop_core::measure::Measurement;
use sloop_core::model::Labels;
use sloop_store::Scope;

use super::error::ApiError;
use super::state::{AppState, ServerOptions, TENANT_LABEL};
use super::{body_bytes, caller};

/// A request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorBatch {
    /// The indicators, stored together or not at all.
    pub indicators: Vec<IndicatorIn>,
}

/// One indicator as a client sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorIn {
    /// Its series' labels.
    pub labels: Labels,
    /// Where the interval starts (exclusive).
    pub from: Instant,
    /// Where it ends (inclusive).
    pub to: Instant,
    /// Good events (with `total`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<f64>,
    /// All events (with `good`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// Instead of counts: the share of good, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<f64>,
}

/// A point in time: unix seconds, or an RFC 3339 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub i64);

impl Serialize for Instant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Instant;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("unix seconds (an integer) or an RFC 3339 time such as \"2024-11-20T10:00:00Z\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Instant, E> {
                Ok(Instant(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Instant, E> {
                i64::try_from(v).map(Instant).map_err(|_| E::custom(format!("{v} is too far in the future")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Instant, E> {
                if v.fract() == 0.0 && v.abs() < 1e15 {
                    Ok(Instant(v as i64))
                } else {
                    Err(E::custom(format!("{v} is not whole seconds; send unix seconds as an integer")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Instant, E> {
                v.parse::<jiff::Timestamp>()
                    .map(|t| Instant(t.as_second()))
                    .map_err(|e| E::custom(format!("{v:?} is not an RFC 3339 time ({e})")))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestResult {
    /// Indicators stored (new, replaced or unchanged).
    pub stored: usize,
    /// Of those, new intervals.
    pub inserted: usize,
    /// Intervals sent before with other counts, now replaced.
    pub replaced: usize,
    /// Intervals sent before with the same counts.
    pub unchanged: usize,
    /// Indicators that count for at least one objective.
    pub matched: usize,
    /// Indicators that count for none (yet: they are kept, and count for an
    /// objective synced later).
    pub unmatched: usize,
    /// For each objective (`service/name`), how many indicators count for it.
    pub objectives: BTreeMap<String, usize>,
}

/// `POST /api/v1/indicators`
pub(super) async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<IngestResult>, ApiError> {
    let caller = caller(&state, &headers, Scope::Write).await?;
    let body = body_bytes(&state, body)?;
    let batch = parse(&body)?;
    let measurements = check(batch, &caller.tenant, state.options())?;
    let tenant = caller.tenant;
    let result = state
        .blocking(move |s| {
            let objectives = s.objectives(&tenant)?;
            let written = s.db().write(&measurements)?;
            let mut result = IngestResult {
                stored: written.total(),
                inserted: written.inserted,
                replaced: written.replaced,
                unchanged: written.unchanged,
                matched: 0,
                unmatched: 0,
                objectives: BTreeMap::new(),
            };
            for m in &measurements {
                let mut any = false;
                for e in objectives.matching(&m.labels) {
                    any = true;
                    *result.objectives.entry(e.stored.id()).or_default() += 1;
                }
                if any { result.matched += 1 } else { result.unmatched += 1 }
            }
            Ok(result)
        })
        .await?;
    state.metrics().ingested(result.stored as u64);
    Ok(Json(result))
}

/// Reads a body, naming the path of the first problem
/// (`indicators[3].good`).
pub fn parse(body: &[u8]) -> Result<IndicatorBatch, ApiError> {
    // The fast path has no bookkeeping; only a bad body is read again, to
    // say where it went wrong.
    match serde_json::from_slice(body) {
        Ok(batch) => Ok(batch),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let located = serde_path_to_error::deserialize::<_, IndicatorBatch>(&mut de);
            let (path, inner) = match located {
                Err(e) => (e.path().to_string(), e.into_inner()),
                Ok(_) => (String::new(), first),
            };
            let code = if inner.is_data() { "invalid_body" } else { "invalid_json" };
            let message = match path.as_str() {
                "" | "." => format!("{inner}"),
                _ => format!("{path}: {inner}"),
            };
            let hint = if code == "invalid_body" {
                "; expected {\"indicators\": [{\"labels\": {...}, \"from\": ..., \"to\": ..., \"good\": ..., \"total\": ...}]}"
            } else {
                ""
            };
            Err(ApiError::BadRequest { code, message: format!("{message}{hint}") })
        }
    }
}

/// Whether a label name is acceptable: Prometheus' rule
/// (`[a-zA-Z_][a-zA-Z0-9_]*`), without the reserved `__` prefix.
fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
        && name.len() <= 128
}

/// Checks every indicator and turns it into a measurement of `tenant`.
pub fn check(batch: IndicatorBatch, tenant: &str, options: &ServerOptions) -> Result<Vec<Measurement>, ApiError> {
    let n = batch.indicators.len();
    if n > options.max_indicators {
        return Err(ApiError::unprocessable(
            "too_many_indicators",
            format!("the batch has {n} indicators; send at most {} per request", options.max_indicators),
        ));
    }
    let invalid =
        |i: usize, message: String| ApiError::unprocessable("invalid_indicator", format!("indicators[{i}]{message}"));
    let mut out = Vec::with_capacity(n);
    for (i, ind) in batch.indicators.into_iter().enumerate() {
        if ind.labels.is_empty() {
            return Err(invalid(i, ".labels: an indicator needs at least one label to be matched by".into()));
        }
        if ind.labels.len() > options.max_labels {
            return Err(invalid(
                i,
                format!(".labels: {} labels; at most {} are allowed", ind.labels.len(), options.max_labels),
            ));
        }
        for (k, v) in &ind.labels {
            if !valid_label_name(k) {
                return Err(invalid(
                    i,
                    format!(
                        ".labels: {k:?} is not a label name: use letters, digits and '_', not starting with a \
                         digit or with '__' (reserved), at most 128 bytes"
                    ),
                ));
            }
            if v.is_empty() || v.len() > 1024 {
                return Err(invalid(i, format!(".labels.{k}: a label value has 1 to 1024 bytes")));
            }
        }
        let (from, to) = (ind.from.0, ind.to.0);
        let mut labels = ind.labels;
        labels.insert(TENANT_LABEL.to_string(), tenant.to_string());
        let m = match (ind.good, ind.total, ind.percentage) {
            (Some(good), Some(total), None) => Measurement::new(labels, from, to, good, total),
            (None, None, Some(p)) => Measurement::from_percentage(labels, from, to, p),
            _ => {
                return Err(invalid(
                    i,
                    ": give either `good` and `total` (event counts) or `percentage` alone (0 to 100)".into(),
                ));
            }
        };
        out.push(m.map_err(|e| invalid(i, format!(": {e}")))?);
    }
    Ok(out)
}
