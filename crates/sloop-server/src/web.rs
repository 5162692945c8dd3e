//! The dashboard's routes: HTML pages rendered on the server
//! ([`crate::dashboard`]), with no JavaScript to build or serve.
//!
//! - `/`: every SLO of the tenant, least budget left first.
//! - `/slo/{service}/{name}`: one SLO's charts, burn rates, alerts and
//!   manifest.
//! - `/login`: a form that keeps a read token in an HttpOnly cookie, for
//!   servers that do not run with `--public-read`.
//!
//! Pages reload themselves every `--refresh` seconds.

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use sloop_store::Scope;

use crate::api::reports::{history_of, report_of};
use crate::api::{ApiError, AppState, TOKEN_COOKIE, caller, now_unix};
use crate::auth::authenticate;
use crate::dashboard::{self, Chrome};

/// The dashboard's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list))
        .route("/slo/{service}/{name}", get(objective))
        .route("/login", get(login_form).post(login))
        .route("/logout", axum::routing::post(logout))
}

fn chrome(state: &AppState, tenant: &str) -> (String, Option<u32>) {
    (tenant.to_string(), Some(state.options().refresh_secs).filter(|s| *s > 0))
}

/// A page, or the way to the login form when the visitor has no token.
fn page_or_login(result: Result<(StatusCode, String), ApiError>) -> Response {
    match result {
        Ok((status, html)) => (status, Html(html)).into_response(),
        Err(ApiError::Unauthorized(_)) => (StatusCode::SEE_OTHER, [(LOCATION, "/login")]).into_response(),
        Err(ApiError::NotFound(what)) => {
            let page = dashboard::not_found_page(&Chrome { tenant: "", refresh_secs: None, base_path: "" }, &what);
            (StatusCode::NOT_FOUND, Html(page)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let result = async {
        let caller = caller(&state, &headers, Scope::Read).await?;
        state
            .blocking(move |s| {
                let objectives = s.objectives(&caller.tenant)?;
                let report = report_of(s, &caller.tenant, &objectives.entries, now_unix())?;
                let (tenant, refresh_secs) = chrome(s, &caller.tenant);
                Ok((
                    StatusCode::OK,
                    dashboard::list_page(&Chrome { tenant: &tenant, refresh_secs, base_path: "" }, &report),
                ))
            })
            .await
    }
    .await;
    page_or_login(result)
}

async fn objective(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((service, name)): Path<(String, String)>,
) -> Response {
    let result = async {
        let caller = caller(&state, &headers, Scope::Read).await?;
        state
            .blocking(move |s| {
                let objectives = s.objectives(&caller.tenant)?;
                let (tenant, refresh_secs) = chrome(s, &caller.tenant);
                let Some(entry) = objectives.get(&service, &name).cloned() else {
                    // Still the tenant's page: its header says whose SLOs
                    // were searched, and it does not refresh.
                    let what = format!("There is no SLO {service}/{name} in tenant {tenant}.");
                    let chrome = Chrome { tenant: &tenant, refresh_secs: None, base_path: "" };
                    return Ok((StatusCode::NOT_FOUND, dashboard::not_found_page(&chrome, &what)));
                };
                let end = now_unix();
                let report = report_of(s, &caller.tenant, std::slice::from_ref(&entry), end)?;
                let history = history_of(s, &caller.tenant, &entry, end, 120)?;
                let one = report.objectives.first().ok_or_else(|| ApiError::Internal("an empty report".into()))?;
                Ok((
                    StatusCode::OK,
                    dashboard::objective_page(
                        &Chrome { tenant: &tenant, refresh_secs, base_path: "" },
                        one,
                        &history.trend,
                        &entry.stored.manifest,
                    ),
                ))
            })
            .await
    }
    .await;
    page_or_login(result)
}

async fn login_form() -> Html<String> {
    Html(dashboard::login_page(&Chrome { tenant: "", refresh_secs: None, base_path: "" }, None))
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    let token = form.token.trim().to_string();
    let secret = token.clone();
    let known = state.blocking(move |s| Ok(authenticate(s.db().as_ref(), &secret)?)).await;
    match known {
        Ok(Some(_)) => {
            let cookie = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
            (StatusCode::SEE_OTHER, [(LOCATION, "/".to_string()), (SET_COOKIE, cookie)]).into_response()
        }
        Ok(None) => {
            let chrome = Chrome { tenant: "", refresh_secs: None, base_path: "" };
            let page = dashboard::login_page(&chrome, Some("That token is not known to this server."));
            (StatusCode::UNAUTHORIZED, Html(page)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn logout() -> Response {
    let cookie = format!("{TOKEN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    (StatusCode::SEE_OTHER, [(LOCATION, "/login".to_string()), (SET_COOKIE, cookie)]).into_response()
}
