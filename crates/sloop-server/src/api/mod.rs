//! The HTTP API of `sloop serve`, under `/api/v1`, and the operators'
//! endpoints (`/healthz`, `/readyz`, `/metrics`).
//!
//! Read it top to bottom: [`router`] lists every route; each handler module
//! says what its routes take and give; [`error`] is the one place failures
//! become HTTP. Handlers are thin: they find the [`Caller`] (auth), parse,
//! and run the database work on a blocking thread ([`AppState::blocking`]),
//! since the stores are synchronous.

pub mod error;
pub mod indicators;
pub mod objectives;
pub mod openapi;
pub mod reports;
pub mod state;
pub mod tokens;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sloop_store::Scope;

pub use error::ApiError;
pub use state::{AppState, ServerOptions, TENANT_LABEL};

use crate::auth::{Caller, DEFAULT_TENANT, authenticate};

/// The cookie the dashboard keeps a token in after signing in.
pub const TOKEN_COOKIE: &str = "sloop_token";

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    // The body limit is enforced by the `Bytes` extractor; a larger body is
    // answered with our JSON 413 (see `body_bytes`), and one larger still
    // is cut off by hyper before it is read whole.
    let limit = state.options().max_body_bytes;
    let api = Router::new()
        .route("/objectives", get(objectives::list))
        .route("/objectives/{service}/{name}", get(objectives::get).put(objectives::put).delete(objectives::delete))
        .route("/objectives/{service}/{name}/history", get(reports::history))
        .route("/indicators", axum::routing::post(indicators::push))
        .route("/reports", get(reports::all))
        .route("/reports/{service}/{name}", get(reports::one))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/openapi.json", get(openapi::document))
        .fallback(api_not_found);
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(crate::web::routes())
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), count_responses))
        .with_state(state)
}

async fn count_responses(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    state.metrics().responded(response.status().as_u16());
    response
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("no such API route; see /api/v1/openapi.json for the routes".into())
}

/// The time now, in unix seconds.
pub fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The token a request carries: `Authorization: Bearer …`, or the
/// dashboard's cookie.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(auth) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (kind, token) = auth.split_once(' ').unwrap_or((auth, ""));
        if kind.eq_ignore_ascii_case("bearer") {
            return Some(token.trim().to_string());
        }
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == TOKEN_COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Who is calling, if they may do what `needed` allows.
pub async fn caller(state: &AppState, headers: &HeaderMap, needed: Scope) -> Result<Caller, ApiError> {
    let Some(token) = token_of(headers) else {
        if needed == Scope::Read && state.options().public_read {
            return Ok(Caller { tenant: DEFAULT_TENANT.to_string(), scope: Scope::Read, token_id: None });
        }
        return Err(ApiError::Unauthorized(format!(
            "this request needs a token with the {needed} scope: send `Authorization: Bearer <token>` \
             (an admin creates one with `sloop token create --scope {needed}`)"
        )));
    };
    let caller = state
        .blocking(move |s| Ok(authenticate(s.db().as_ref(), &token)?))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the token is not known to this server (revoked, or mistyped)".into()))?;
    if !caller.scope.allows(needed) {
        return Err(ApiError::Forbidden(format!(
            "this request needs the {needed} scope; the token has only {}",
            caller.scope
        )));
    }
    Ok(caller)
}

/// The body, or the JSON error for one that could not be read (too large).
pub fn body_bytes(state: &AppState, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge { limit: state.options().max_body_bytes }
        } else {
            ApiError::BadRequest { code: "invalid_body", message: format!("cannot read the body: {e}") }
        }
    })
}

/// Query parameters, or a JSON 400 naming the bad one.
pub fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q).map_err(|e| ApiError::parameter(e.body_text()))
}

/// `/healthz`: the process is up.
async fn healthz() -> &'static str {
    "ok\n"
}

/// `/readyz`: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.blocking(|s| Ok(s.db().ping()?)).await {
        Ok(()) => "ready\n".into_response(),
        Err(e) => ApiError::Unavailable(format!("not ready: {e}")).into_response(),
    }
}

/// `/metrics`: the caller's tenant's SLOs (the default tenant's with
/// `--public-read`), and the server's counters.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = caller(&state, &headers, Scope::Read).await?;
    let text = state
        .blocking(move |s| {
            let objectives = s.objectives(&caller.tenant)?;
            let report = reports::report_of(s, &caller.tenant, &objectives.entries, now_unix())?;
            Ok(crate::metrics::render(&[(caller.tenant.clone(), report)], s.metrics()))
        })
        .await?;
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response())
}
