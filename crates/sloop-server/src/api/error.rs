//! Every way a request can fail, and the one place they become HTTP.
//!
//! Handlers return `Result<_, ApiError>`. [`ApiError`]'s `IntoResponse`
//! picks the status and writes the same JSON body for all of them:
//!
//! ```json
//! {"error": {"status": 422, "code": "invalid_indicator",
//!            "message": "indicators[3]: good (12) is more than total (10)",
//!            "details": [...]}}
//! ```
//!
//! `code` is stable (clients branch on it); `message` is for people.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use sloop_store::StoreError;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or one the server does not know.
    #[error("{0}")]
    Unauthorized(String),
    /// A token whose scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// No such objective (or route).
    #[error("{0}")]
    NotFound(String),
    /// The body is not JSON of the expected shape, or a query parameter is bad.
    #[error("{message}")]
    BadRequest {
        /// A stable code: `invalid_json`, `unknown_field`, `invalid_parameter`.
        code: &'static str,
        /// What is wrong, and where.
        message: String,
    },
    /// The body is well-formed but its content cannot be accepted.
    #[error("{message}")]
    Unprocessable {
        /// A stable code: `invalid_indicator`, `invalid_manifest`.
        code: &'static str,
        /// What is wrong, and where.
        message: String,
        /// Structured details (a manifest's diagnostics, say).
        details: Option<Value>,
    },
    /// The body is over the size limit.
    #[error("the request body is larger than the limit of {limit} bytes; send smaller batches")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The request clashes with what is stored (an overlapping interval).
    #[error("{0}")]
    Conflict(String),
    /// The database is not there or failed.
    #[error("{0}")]
    Unavailable(String),
    /// A bug or an unexpected failure.
    #[error("{0}")]
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    status: u16,
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Value>,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::BadRequest { code, .. } | ApiError::Unprocessable { code, .. } => code,
            ApiError::TooLarge { .. } => "body_too_large",
            ApiError::Conflict(_) => "conflict",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// A 422 with a code and message.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Unprocessable { code, message: message.into(), details: None }
    }

    /// A 400 for a bad query or path parameter.
    pub fn parameter(message: impl Into<String>) -> Self {
        ApiError::BadRequest { code: "invalid_parameter", message: message.into() }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid { .. } => ApiError::unprocessable("invalid_indicator", e.to_string()),
            StoreError::Overlap { .. } | StoreError::Conflict { .. } => ApiError::Conflict(e.to_string()),
            StoreError::Open { .. } | StoreError::ReadOnly { .. } | StoreError::Full { .. } => {
                ApiError::Unavailable(e.to_string())
            }
            StoreError::Database { .. } => ApiError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), error = %self, "request failed");
        }
        let details = match &self {
            ApiError::Unprocessable { details, .. } => details.as_ref(),
            _ => None,
        };
        let body =
            Body { error: Inner { status: status.as_u16(), code: self.code(), message: self.to_string(), details } };
        (status, Json(body)).into_response()
    }
}
