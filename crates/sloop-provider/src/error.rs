//! What can go wrong when asking a provider for counts.

use std::time::Duration;

/// A provider's failure, naming the provider and, where there is one, the
/// objective and the query.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The objective cannot be measured by this provider (a latency SLO on
    /// Datadog, a raw ratio, a selector without queries...). Permanent.
    #[error("{provider}: objective {objective} cannot be measured: {reason}")]
    Unsupported {
        /// The provider's name.
        provider: String,
        /// `service/name`.
        objective: String,
        /// Why, and what would work.
        reason: String,
    },
    /// The provider refused the query (HTTP 400, a PromQL error). Permanent
    /// until the manifest changes.
    #[error("{provider}: query of {objective} refused: {message}\n  query: {query}")]
    Query {
        /// The provider's name.
        provider: String,
        /// `service/name`.
        objective: String,
        /// The query as sent.
        query: String,
        /// The provider's own message.
        message: String,
    },
    /// Credentials are missing or refused (HTTP 401/403). Permanent.
    #[error("{provider}: not authorized ({status}): {message}")]
    Auth {
        /// The provider's name.
        provider: String,
        /// The HTTP status.
        status: u16,
        /// The provider's own message.
        message: String,
    },
    /// Too many requests (HTTP 429). Retry after the given time.
    #[error("{provider}: rate limited{}", .retry_after.map(|d| format!(", retry in {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// The provider's name.
        provider: String,
        /// When the limit resets, if the provider said.
        retry_after: Option<Duration>,
    },
    /// The provider could not be reached or failed (connection refused,
    /// timeout, HTTP 5xx). Transient.
    #[error("{provider}: unavailable: {message}")]
    Unavailable {
        /// The provider's name.
        provider: String,
        /// What happened.
        message: String,
    },
    /// The provider answered something that is not what its API documents
    /// (garbage JSON, a wrong result type). Transient: a proxy in between may
    /// be misbehaving.
    #[error("{provider}: unexpected response to {query}: {message}")]
    Response {
        /// The provider's name.
        provider: String,
        /// The query as sent.
        query: String,
        /// What was wrong with the answer.
        message: String,
    },
    /// The provider's configuration is unusable (a bad URL, a missing key).
    #[error("{provider}: configuration: {message}")]
    Config {
        /// The provider's name.
        provider: String,
        /// What is wrong and what would be valid.
        message: String,
    },
}

impl ProviderError {
    /// Whether trying again later may succeed (rate limits, outages, bad
    /// answers), as opposed to errors that need a human (bad queries,
    /// credentials, configuration).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. } | ProviderError::Unavailable { .. } | ProviderError::Response { .. }
        )
    }

    /// How long the provider asked to wait, for rate limits.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
