//! Where the Datadog API is and how to call it.

use std::fmt;
use std::time::Duration;

use crate::ProviderError;

/// The name Datadog providers go by in messages unless given another.
pub(crate) const PROVIDER: &str = "datadog";

/// How to reach Datadog's metrics query API.
///
/// Build one with [`DatadogConfig::new`] or [`DatadogConfig::from_env`], then
/// adjust the public fields or use the `with_*` methods. The keys are never
/// printed: `{:?}` shows them redacted.
#[derive(Clone)]
pub struct DatadogConfig {
    /// The API key (`DD_API_KEY`), sent as `DD-API-KEY`.
    pub api_key: String,
    /// The application key (`DD_APP_KEY` or `DD_APPLICATION_KEY`), sent as
    /// `DD-APPLICATION-KEY`. It needs the `timeseries_query` permission.
    pub application_key: String,
    /// The Datadog site (`DD_SITE`): `datadoghq.com` (the default),
    /// `datadoghq.eu`, `us3.datadoghq.com`, `us5.datadoghq.com`,
    /// `ap1.datadoghq.com`, `ddog-gov.com`... See [`DatadogConfig::SITES`].
    pub site: String,
    /// A base URL that replaces the site's API host, for a proxy or a test
    /// server: `http://127.0.0.1:8080`. Requests go to `<base>/api/v1/query`.
    pub base_url: Option<String>,
    /// How long one request may take, connection to last byte.
    pub timeout: Duration,
    /// The most points one request may ask for, per series. Datadog answers
    /// at most about 1,500 points per series and silently coarsens the rollup
    /// beyond that, so longer ranges are split into several requests. The
    /// default, 1,440, is one day of one-minute intervals per request.
    pub max_points: usize,
    /// The longest wait for a rate limit to reset that the provider sits
    /// out itself (once) before retrying; a longer one is returned as
    /// [`ProviderError::RateLimited`] for the caller to schedule.
    pub max_rate_limit_wait: Duration,
}

impl DatadogConfig {
    /// The site used when none is given.
    pub const DEFAULT_SITE: &'static str = "datadoghq.com";

    /// The sites whose API host is known: the query API of site `S` is
    /// `https://api.S` (Datadog's "Query timeseries points" reference).
    pub const SITES: &'static [&'static str] = &[
        "datadoghq.com",
        "us3.datadoghq.com",
        "us5.datadoghq.com",
        "datadoghq.eu",
        "ap1.datadoghq.com",
        "ap2.datadoghq.com",
        "uk1.datadoghq.com",
        "ddog-gov.com",
        "us2.ddog-gov.com",
    ];

    /// A configuration for the default site with these keys, a 30 s
    /// timeout, 1,440 points per request and rate limit waits of up to 10 s.
    pub fn new(api_key: impl Into<String>, application_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            application_key: application_key.into(),
            site: Self::DEFAULT_SITE.to_string(),
            base_url: None,
            timeout: Duration::from_secs(30),
            max_points: 1440,
            max_rate_limit_wait: Duration::from_secs(10),
        }
    }

    /// Reads `DD_API_KEY`, `DD_APP_KEY` (or `DD_APPLICATION_KEY`, the name
    /// Datadog's own tools use) and `DD_SITE` from the environment. A missing
    /// or empty key is a [`ProviderError::Config`] naming the variable.
    pub fn from_env() -> Result<Self, ProviderError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`DatadogConfig::from_env`], with the variables looked up by
    /// `var` (a map, a test's fixed values...).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ProviderError> {
        let get = |name: &str| var(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let api_key = get("DD_API_KEY").ok_or_else(|| {
            config_error("DD_API_KEY is not set: set it to a Datadog API key (Organization Settings > API Keys)")
        })?;
        let application_key = get("DD_APP_KEY").or_else(|| get("DD_APPLICATION_KEY")).ok_or_else(|| {
            config_error(
                "DD_APP_KEY (or DD_APPLICATION_KEY) is not set: set it to a Datadog application key with the \
                 timeseries_query permission (Organization Settings > Application Keys)",
            )
        })?;
        let mut config = Self::new(api_key, application_key);
        if let Some(site) = get("DD_SITE") {
            config.site = site;
        }
        Ok(config)
    }

    /// The same configuration for another site (`datadoghq.eu`...).
    pub fn with_site(mut self, site: impl Into<String>) -> Self {
        self.site = site.into();
        self
    }

    /// The same configuration sending requests to `url` instead of the
    /// site's API host.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Where requests go, without a trailing slash: the base URL when one is
    /// set, otherwise `https://api.<site>`. The site may be written as its
    /// web address (`app.datadoghq.eu`, `https://us3.datadoghq.com/`).
    pub fn api_base(&self) -> Result<String, ProviderError> {
        if let Some(url) = &self.base_url {
            let trimmed = url.trim().trim_end_matches('/');
            return match reqwest::Url::parse(trimmed) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(trimmed.to_string()),
                _ => Err(config_error(format!(
                    "base URL {url:?} is not an http(s) URL; write one such as https://datadog-proxy.internal:8443"
                ))),
            };
        }
        let site = normalize_site(&self.site);
        if Self::SITES.contains(&site.as_str()) {
            Ok(format!("https://api.{site}"))
        } else {
            Err(config_error(format!(
                "unknown Datadog site {:?}; valid sites are {}, or set a base URL for a proxy",
                self.site,
                Self::SITES.join(", ")
            )))
        }
    }
}

impl fmt::Debug for DatadogConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatadogConfig")
            .field("api_key", &redacted(&self.api_key))
            .field("application_key", &redacted(&self.application_key))
            .field("site", &self.site)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_points", &self.max_points)
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .finish()
    }
}

/// `app.datadoghq.eu`, `https://datadoghq.eu/` and ` DatadogHQ.eu` all name
/// the site `datadoghq.eu`: people paste what their browser shows.
fn normalize_site(site: &str) -> String {
    let s = site.trim().to_ascii_lowercase();
    let s = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).unwrap_or(&s);
    let s = s.trim_end_matches('/');
    s.strip_prefix("app.").unwrap_or(s).to_string()
}

fn redacted(key: &str) -> &'static str {
    if key.is_empty() { "<empty>" } else { "<redacted>" }
}

fn config_error(message: impl Into<String>) -> ProviderError {
    ProviderError::Config { provider: PROVIDER.to_string(), message: message.into() }
}
