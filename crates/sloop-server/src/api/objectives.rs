//! `/api/v1/objectives`: the objectives a tenant syncs from its manifests.
//!
//! `PUT /objectives/{service}/{name}` takes a manifest in any format sloop
//! reads (sloop, OpenSLO, Reliably, Sloth, Pyrra; YAML or JSON) that
//! declares exactly that one objective. The server validates it as
//! `sloop validate` would, then keeps it in sloop's own format, so what is
//! stored is one canonical text: putting the same objective again, from
//! whatever format, changes nothing (an idempotent sync).

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sloop_core::model::{Labels, Manifest};
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format};
use sloop_store::{Put, Scope, StoredObjective};

use super::error::ApiError;
use super::state::{AppState, Entry};
use super::{body_bytes, caller, now_unix};

/// An objective in listings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveSummary {
    /// Its service.
    pub service: String,
    /// Its name.
    pub name: String,
    /// Its human title, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its labels.
    #[serde(default)]
    pub labels: Labels,
    /// The labels its indicators are matched by.
    pub selector: Labels,
    /// The target, as a fraction (0.999).
    pub target: f64,
    /// The window, as written (`30d`, `calendar month`).
    pub window: String,
    /// When it was created or last changed, unix seconds.
    pub updated_at: i64,
}

/// One objective with its manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveDocument {
    /// What listings show.
    #[serde(flatten)]
    pub summary: ObjectiveSummary,
    /// The manifest, in sloop's format.
    pub manifest: String,
}

/// The list of a tenant's objectives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveList {
    /// By service, then name.
    pub objectives: Vec<ObjectiveSummary>,
}

/// What a `PUT` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PutResult {
    /// `created`, `updated` or `unchanged`.
    pub result: Put,
    /// The objective as stored.
    pub objective: ObjectiveSummary,
}

pub(super) fn summary(entry: &Entry) -> ObjectiveSummary {
    let o = &entry.objective;
    let mut selector = entry.selector.clone();
    selector.remove(super::state::TENANT_LABEL);
    ObjectiveSummary {
        service: o.service.clone(),
        name: o.name.clone(),
        title: o.display_name.clone(),
        labels: o.labels.clone(),
        selector,
        target: o.target.fraction(),
        window: sloop_core::report::window_label(&o.window),
        updated_at: entry.stored.updated_at,
    }
}

/// `GET /api/v1/objectives`
pub(super) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<ObjectiveList>, ApiError> {
    let caller = caller(&state, &headers, Scope::Read).await?;
    let tenant = caller.tenant;
    let objectives = state.blocking(move |s| s.objectives(&tenant)).await?;
    Ok(Json(ObjectiveList { objectives: objectives.entries.iter().map(|e| summary(e)).collect() }))
}

/// `GET /api/v1/objectives/{service}/{name}`
pub(super) async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((service, name)): Path<(String, String)>,
) -> Result<Json<ObjectiveDocument>, ApiError> {
    let caller = caller(&state, &headers, Scope::Read).await?;
    let tenant = caller.tenant;
    let objectives = state.blocking(move |s| s.objectives(&tenant)).await?;
    let entry = objectives.get(&service, &name).ok_or_else(|| not_found(&service, &name))?;
    Ok(Json(ObjectiveDocument { summary: summary(entry), manifest: entry.stored.manifest.clone() }))
}

pub(super) fn not_found(service: &str, name: &str) -> ApiError {
    ApiError::NotFound(format!(
        "there is no objective {service}/{name}; sync it first (`sloop sync -f FILE --server URL`)"
    ))
}

/// `PUT /api/v1/objectives/{service}/{name}`
pub(super) async fn put(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((service, name)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller = caller(&state, &headers, Scope::Write).await?;
    let body = body_bytes(&state, body)?;
    let stored = canonical(&caller.tenant, &service, &name, &body, now_unix())?;
    let (put, entry) = state
        .blocking(move |s| {
            let put = s.db().put_objective(&stored)?;
            let objectives = s.objectives(&stored.tenant)?;
            let entry = objectives
                .get(&stored.service, &stored.name)
                .cloned()
                .ok_or_else(|| ApiError::Internal(format!("{} was stored but cannot be read back", stored.id())))?;
            Ok((put, entry))
        })
        .await?;
    let status = if put == Put::Created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(PutResult { result: put, objective: summary(&entry) })).into_response())
}

/// `DELETE /api/v1/objectives/{service}/{name}`
pub(super) async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((service, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let caller = caller(&state, &headers, Scope::Write).await?;
    let (s2, n2) = (service.clone(), name.clone());
    let deleted = state.blocking(move |s| Ok(s.db().delete_objective(&caller.tenant, &s2, &n2)?)).await?;
    if deleted { Ok(StatusCode::NO_CONTENT) } else { Err(not_found(&service, &name)) }
}

/// Validates a manifest sent for `service/name` and turns it into what the
/// catalog keeps: the one objective, in sloop's format.
pub fn canonical(tenant: &str, service: &str, name: &str, body: &[u8], now: i64) -> Result<StoredObjective, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| ApiError::BadRequest {
        code: "invalid_manifest",
        message: format!("the body is not UTF-8: {e}"),
    })?;
    let file = SourceFile::new(format!("{service}/{name}"), text);
    let loaded = spec::load(&[file]).map_err(|e| match e {
        sloop_core::Error::Invalid { diagnostics } => {
            let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
            let first = errors.first().map(|d| d.headline()).unwrap_or_default();
            ApiError::Unprocessable {
                code: "invalid_manifest",
                message: format!("the manifest has {} error(s); the first: {first}", errors.len()),
                details: serde_json::to_value(&diagnostics).ok(),
            }
        }
        other => ApiError::unprocessable("invalid_manifest", other.to_string()),
    })?;
    let Manifest { services, objectives } = loaded.manifest;
    let [objective] = <[_; 1]>::try_from(objectives).map_err(|all: Vec<_>| {
        ApiError::unprocessable(
            "invalid_manifest",
            format!(
                "the body declares {} objectives; PUT exactly one, the one the path names \
                 (`sloop sync` splits a manifest into one request per objective)",
                all.len()
            ),
        )
    })?;
    if objective.service != service || objective.name != name {
        return Err(ApiError::unprocessable(
            "invalid_manifest",
            format!(
                "the path names {service}/{name} but the manifest declares {}; PUT it to /api/v1/objectives/{}",
                objective.id(),
                objective.id()
            ),
        ));
    }
    let services = services.into_iter().filter(|s| s.name == objective.service).collect();
    let written = spec::write(&Manifest { services, objectives: vec![objective] }, Format::Sloop)
        .map_err(|e| ApiError::Internal(format!("cannot write {service}/{name} in sloop's format: {e}")))?;
    Ok(StoredObjective {
        tenant: tenant.to_string(),
        service: service.to_string(),
        name: name.to_string(),
        manifest: written.text,
        updated_at: now,
    })
}
