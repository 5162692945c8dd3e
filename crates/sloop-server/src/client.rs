//! A client of the API, for the commands that talk to a server: `sloop sync`,
//! `sloop report --server` and `sloop agent --server`.
//!
//! Errors say whether trying again can help ([`ClientError::is_transient`]):
//! an agent keeps measuring into its local buffer while the server is
//! unreachable or overloaded, but stops on a refused token.

use std::time::Duration;

use serde::de::DeserializeOwned;
use sloop_core::measure::Measurement;
use sloop_core::report::Report;

use crate::api::indicators::{IndicatorBatch, IndicatorIn, IngestResult, Instant};
use crate::api::objectives::{ObjectiveDocument, ObjectiveList, PutResult};

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached, or did not answer in time.
    #[error("cannot reach the sloop server at {url}: {message}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The server answered with an error.
    #[error("the sloop server refused {what}: {message} (HTTP {status}, {code})")]
    Api {
        /// What was asked.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The error's stable code.
        code: String,
        /// Its message.
        message: String,
    },
    /// The answer was not what the API documents.
    #[error("unexpected answer from the sloop server at {url}: {message}")]
    Response {
        /// The URL called.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// The client could not be built (bad URL, TLS).
    #[error("{0}")]
    Config(String),
}

impl ClientError {
    /// Whether trying again later can succeed: the server was unreachable,
    /// overloaded (429), or failed on its side (5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } => true,
            ClientError::Api { status, .. } => *status == 429 || *status >= 500,
            ClientError::Response { .. } | ClientError::Config(_) => false,
        }
    }
}

/// A client of one server.
#[derive(Debug, Clone)]
pub struct ApiClient {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client of the server at `base` (`http://host:port`), with a token.
    pub fn new(base: &str, token: Option<String>, timeout: Duration) -> Result<Self, ClientError> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Config(format!("the server URL {base:?} must start with http:// or https://")));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("sloop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Config(format!("cannot build an HTTP client: {e}")))?;
        Ok(Self { base, token, http })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, self.url(path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn send<T: DeserializeOwned>(&self, what: &str, request: reqwest::RequestBuilder) -> Result<T, ClientError> {
        let response = self.answer(what, request).await?;
        let url = response.url().to_string();
        response.json().await.map_err(|e| ClientError::Response { url, message: e.to_string() })
    }

    /// Sends a request; an error status becomes [`ClientError::Api`].
    async fn answer(&self, what: &str, request: reqwest::RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let response = request.send().await.map_err(|e| ClientError::Unreachable {
            url: e.url().map(ToString::to_string).unwrap_or_else(|| self.base.clone()),
            message: error_chain(&e),
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let error = &body["error"];
        Err(ClientError::Api {
            what: what.to_string(),
            status: status.as_u16(),
            code: error["code"].as_str().unwrap_or("unknown").to_string(),
            message: error["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string()),
        })
    }

    /// `PUT /objectives/{service}/{name}` with a manifest.
    pub async fn put_objective(&self, service: &str, name: &str, manifest: &str) -> Result<PutResult, ClientError> {
        let r = self
            .request(reqwest::Method::PUT, &format!("/objectives/{}/{}", segment(service), segment(name)))
            .header(reqwest::header::CONTENT_TYPE, "application/yaml")
            .body(manifest.to_string());
        self.send(&format!("objective {service}/{name}"), r).await
    }

    /// `DELETE /objectives/{service}/{name}`; whether it existed.
    pub async fn delete_objective(&self, service: &str, name: &str) -> Result<bool, ClientError> {
        let r = self.request(reqwest::Method::DELETE, &format!("/objectives/{}/{}", segment(service), segment(name)));
        match self.answer(&format!("deleting {service}/{name}"), r).await {
            Ok(_) => Ok(true),
            Err(ClientError::Api { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `GET /objectives`.
    pub async fn objectives(&self) -> Result<ObjectiveList, ClientError> {
        self.send("the objective list", self.request(reqwest::Method::GET, "/objectives")).await
    }

    /// `GET /objectives/{service}/{name}`.
    pub async fn objective(&self, service: &str, name: &str) -> Result<Option<ObjectiveDocument>, ClientError> {
        let r = self.request(reqwest::Method::GET, &format!("/objectives/{}/{}", segment(service), segment(name)));
        match self.send(&format!("objective {service}/{name}"), r).await {
            Ok(d) => Ok(Some(d)),
            Err(ClientError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /indicators`: one batch, stored whole or not at all.
    pub async fn push(&self, batch: &[Measurement]) -> Result<IngestResult, ClientError> {
        let body = IndicatorBatch {
            indicators: batch
                .iter()
                .map(|m| IndicatorIn {
                    labels: m.labels.clone(),
                    from: Instant(m.from),
                    to: Instant(m.to),
                    good: Some(m.good),
                    total: Some(m.total),
                    percentage: None,
                })
                .collect(),
        };
        let r = self.request(reqwest::Method::POST, "/indicators").json(&body);
        self.send(&format!("a batch of {} indicators", batch.len()), r).await
    }

    /// `GET /reports`, optionally with a selector (`team=payments`) and time.
    pub async fn report(&self, selector: Option<&str>, at: Option<i64>) -> Result<Report, ClientError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(s) = selector {
            query.push(("selector", s.to_string()));
        }
        if let Some(at) = at {
            query.push(("at", at.to_string()));
        }
        let r = self.request(reqwest::Method::GET, "/reports").query(&query);
        self.send("the report", r).await
    }
}

/// A path segment, percent-encoded where URLs need it.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An error and its causes, on one line: reqwest's own message is often
/// just "error sending request".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}
