//! `/api/v1/reports`: the same JSON as `sloop report -o json`
//! (docs/report-schema.md), computed from the store at request time.
//!
//! - `GET /reports`: every objective of the tenant; `?selector=team=payments,tier=1`
//!   keeps those whose labels (with `service` and `slo`) have all of those.
//! - `GET /reports/{service}/{name}`: one objective, in the same envelope.
//! - `GET /objectives/{service}/{name}/history?points=120`: the window cut
//!   into slices, for charts.
//!
//! Every one takes `?at=` (unix seconds or RFC 3339) to report as of
//! another time; the default is now.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use sloop_core::model::Labels;
use sloop_core::report::{Report, Trend, assemble};
use sloop_store::Scope;
use sloop_store::report::{history_scoped, report_scoped};

use super::error::ApiError;
use super::objectives::not_found;
use super::state::{AppState, Entry, tenant_scope};
use super::{caller, now_unix, query};

/// The query parameters of the report routes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `k=v,k2=v2`: only objectives carrying all of these labels.
    pub selector: Option<String>,
    /// The report's time; default now.
    pub at: Option<String>,
    /// History only: how many slices (2 to 1,000; default 120).
    pub points: Option<usize>,
}

/// An objective's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Its service.
    pub service: String,
    /// Its name.
    pub name: String,
    /// Where the window starts.
    pub window_start: i64,
    /// Where it ends.
    pub window_end: i64,
    /// The slices.
    #[serde(flatten)]
    pub trend: Trend,
}

/// Reads `?at=`: unix seconds or RFC 3339.
pub fn parse_at(at: Option<&str>) -> Result<i64, ApiError> {
    let Some(at) = at else { return Ok(now_unix()) };
    if let Ok(secs) = at.parse::<i64>() {
        return Ok(secs);
    }
    at.parse::<jiff::Timestamp>().map(|t| t.as_second()).map_err(|e| {
        ApiError::parameter(format!(
            "at={at:?} is not unix seconds or an RFC 3339 time like 2024-11-20T10:00:00Z ({e})"
        ))
    })
}

/// Reads `?selector=k=v,k2=v2`.
pub fn parse_selector(selector: Option<&str>) -> Result<Labels, ApiError> {
    let mut out = Labels::new();
    for pair in selector.unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(|| {
            ApiError::parameter(format!("selector: {pair:?} is not name=value (use selector=team=payments,tier=1)"))
        })?;
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

/// Whether an objective is chosen by a report selector: its labels, with
/// `service` and `slo`, include every pair.
fn chosen(entry: &Entry, selector: &Labels) -> bool {
    let o = &entry.objective;
    selector.iter().all(|(k, v)| match k.as_str() {
        "service" => &o.service == v,
        "slo" => &o.name == v,
        _ => o.labels.get(k) == Some(v),
    })
}

/// The report of `entries` at `end`, for `tenant`. Blocking.
pub fn report_of(state: &AppState, tenant: &str, entries: &[Arc<Entry>], end: i64) -> Result<Report, ApiError> {
    let db = state.db();
    let series = db.series()?;
    let scope = tenant_scope(tenant);
    let reports = entries
        .iter()
        .map(|e| report_scoped(db.as_ref(), &series, &e.objective, &scope, end))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(assemble(end, reports))
}

/// `GET /api/v1/reports`
pub(super) async fn all(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let q = query(q)?;
    let caller = caller(&state, &headers, Scope::Read).await?;
    let end = parse_at(q.at.as_deref())?;
    let selector = parse_selector(q.selector.as_deref())?;
    let report = state
        .blocking(move |s| {
            let objectives = s.objectives(&caller.tenant)?;
            let entries: Vec<_> = objectives.entries.iter().filter(|e| chosen(e, &selector)).cloned().collect();
            report_of(s, &caller.tenant, &entries, end)
        })
        .await?;
    Ok(Json(report))
}

/// `GET /api/v1/reports/{service}/{name}`
pub(super) async fn one(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((service, name)): Path<(String, String)>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let q = query(q)?;
    let caller = caller(&state, &headers, Scope::Read).await?;
    let end = parse_at(q.at.as_deref())?;
    let report = state
        .blocking(move |s| {
            let objectives = s.objectives(&caller.tenant)?;
            let entry = objectives.get(&service, &name).cloned().ok_or_else(|| not_found(&service, &name))?;
            report_of(s, &caller.tenant, &[entry], end)
        })
        .await?;
    Ok(Json(report))
}

/// The history of one objective. Blocking.
pub fn history_of(state: &AppState, tenant: &str, entry: &Entry, end: i64, points: usize) -> Result<History, ApiError> {
    let db = state.db();
    let series = db.series()?;
    let trend = history_scoped(db.as_ref(), &series, &entry.objective, &tenant_scope(tenant), end, points)?;
    let (window_start, window_end) = sloop_core::report::window_bounds(&entry.objective.window, end);
    Ok(History {
        service: entry.objective.service.clone(),
        name: entry.objective.name.clone(),
        window_start,
        window_end,
        trend,
    })
}

/// `GET /api/v1/objectives/{service}/{name}/history`
pub(super) async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((service, name)): Path<(String, String)>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<History>, ApiError> {
    let q = query(q)?;
    let caller = caller(&state, &headers, Scope::Read).await?;
    let end = parse_at(q.at.as_deref())?;
    let points = q.points.unwrap_or(120);
    if !(2..=1000).contains(&points) {
        return Err(ApiError::parameter(format!("points={points}: ask for 2 to 1000 points")));
    }
    let history = state
        .blocking(move |s| {
            let objectives = s.objectives(&caller.tenant)?;
            let entry = objectives.get(&service, &name).cloned().ok_or_else(|| not_found(&service, &name))?;
            history_of(s, &caller.tenant, &entry, end, points)
        })
        .await?;
    Ok(Json(history))
}
