//! `/api/v1/tokens`: an admin token manages its tenant's tokens.
//!
//! The first admin token of a tenant comes from the command line
//! (`sloop token create --scope admin --tenant acme`), which writes to the
//! database directly; after that, tokens can be made over the API.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use sloop_store::{Scope, TokenRecord};

use super::error::ApiError;
use super::state::AppState;
use super::{body_bytes, caller, now_unix};
use crate::auth::{TokenError, create_token};

/// A request for a new token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
}

/// A new token: the secret appears here and nowhere else.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedToken {
    /// The secret, for `Authorization: Bearer`.
    pub token: String,
    /// Its id (to revoke it).
    pub id: String,
    /// Its tenant.
    pub tenant: String,
    /// Its name.
    pub name: String,
    /// Its scope.
    pub scope: Scope,
}

/// A token in listings: no secret, no hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its scope.
    pub scope: Scope,
    /// When it was made, unix seconds.
    pub created_at: i64,
}

impl From<&TokenRecord> for TokenInfo {
    fn from(t: &TokenRecord) -> Self {
        Self { id: t.id.clone(), name: t.name.clone(), scope: t.scope, created_at: t.created_at }
    }
}

/// `POST /api/v1/tokens`
pub(super) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let caller = caller(&state, &headers, Scope::Admin).await?;
    let body = body_bytes(&state, body)?;
    let req: TokenRequest = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
        code: if e.is_data() { "invalid_body" } else { "invalid_json" },
        message: format!("{e}; expected {{\"name\": \"ci\", \"scope\": \"read\" | \"write\" | \"admin\"}}"),
    })?;
    let made = state
        .blocking(move |s| {
            create_token(s.db().as_ref(), &caller.tenant, &req.name, req.scope, now_unix()).map_err(|e| match e {
                TokenError::Invalid(m) => ApiError::unprocessable("invalid_token_request", m),
                TokenError::Store(e) => e.into(),
                TokenError::Random(m) => ApiError::Internal(m),
            })
        })
        .await?;
    let r = made.record;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken { token: made.secret, id: r.id, tenant: r.tenant, name: r.name, scope: r.scope }),
    ))
}

/// `GET /api/v1/tokens`
pub(super) async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let caller = caller(&state, &headers, Scope::Admin).await?;
    let tokens = state.blocking(move |s| Ok(s.db().tokens(Some(&caller.tenant))?)).await?;
    Ok(Json(tokens.iter().map(TokenInfo::from).collect()))
}

/// `DELETE /api/v1/tokens/{id}`
pub(super) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let caller = caller(&state, &headers, Scope::Admin).await?;
    let id2 = id.clone();
    let gone = state.blocking(move |s| Ok(s.db().revoke_token(&caller.tenant, &id2)?)).await?;
    if gone {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("there is no token {id} in this tenant")))
    }
}
