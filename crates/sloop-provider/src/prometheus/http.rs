//! The HTTP side: one reqwest client, the two query endpoints, and what
//! each kind of answer means as a [`ProviderError`].
//!
//! Prometheus answers every API call with an envelope:
//!
//! ```text
//! {"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1709251260,"42"]]}]}}
//! {"status":"error","errorType":"bad_data","error":"1:14: parse error: unexpected \")\""}
//! ```
//!
//! A refused query is HTTP 400 (it does not parse) or 422 (it cannot be
//! executed); both are [`ProviderError::Query`], permanent until the
//! manifest changes. 401/403 need credentials, 429 asks to wait, and 5xx,
//! refused connections and timeouts are [`ProviderError::Unavailable`],
//! worth retrying. Anything that is not the documented envelope is a
//! [`ProviderError::Response`]: a proxy in between may be misbehaving.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Certificate, StatusCode, Url};
use serde::Deserialize;

use super::{PrometheusConfig, Samples};
use crate::{ProviderError, Range};

/// How to talk to one API: its base URL, the client, the credentials.
#[derive(Clone)]
pub(super) struct Api {
    name: String,
    /// The base URL without a trailing `/`; endpoints are appended.
    base: String,
    client: reqwest::Client,
    auth: Auth,
    timeout: Duration,
}

#[derive(Clone)]
enum Auth {
    None,
    Bearer(String),
    Basic(String, String),
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            Auth::None => "none",
            Auth::Bearer(_) => "bearer",
            Auth::Basic(..) => "basic",
        };
        f.debug_struct("Api").field("name", &self.name).field("base", &self.base).field("auth", &auth).finish()
    }
}

/// What a query was about, for error messages.
struct Asked<'a> {
    objective: &'a str,
    query: &'a str,
    endpoint: &'a str,
}

impl Api {
    /// Checks the configuration and builds the client.
    pub(super) fn new(config: &PrometheusConfig) -> Result<Self, ProviderError> {
        let fail = |message: String| ProviderError::Config { provider: config.name.clone(), message };
        let url = Url::parse(&config.url).map_err(|e| {
            fail(format!("url `{}` is not a URL ({e}); write the API's base, e.g. http://localhost:9090", config.url))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
            return Err(fail(format!(
                "url `{}` must be an http(s) URL without a query string, e.g. https://mimir.example.com/prometheus",
                config.url
            )));
        }
        let auth = match (&config.bearer_token, &config.basic_auth) {
            (None, None) => Auth::None,
            (Some(token), None) => Auth::Bearer(token.clone()),
            (None, Some((user, password))) => Auth::Basic(user.clone(), password.clone()),
            (Some(_), Some(_)) => return Err(fail("set a bearer token or basic auth, not both".into())),
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| fail(format!("header name `{name}` is not a valid HTTP header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| fail(format!("the value of header `{name}` must be visible ASCII")))?;
            headers.append(header, value);
        }
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .default_headers(headers)
            .user_agent(concat!("sloop/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.ca_cert_pem {
            let certs =
                Certificate::from_pem_bundle(pem).map_err(|e| fail(format!("the CA certificates are not PEM: {e}")))?;
            if certs.is_empty() {
                return Err(fail("the CA certificate file holds no PEM certificate".into()));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if config.insecure_skip_verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let client = builder.build().map_err(|e| fail(format!("cannot build the HTTP client: {}", chain(e))))?;
        let base = url.as_str().trim_end_matches('/').to_string();
        Ok(Self { name: config.name.clone(), base, client, auth, timeout: config.timeout })
    }

    /// The provider's name.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// The values of `query` at the ends of the intervals of `range`,
    /// summed over the series of the result (counting queries yield one).
    /// An instant query for one interval, a range query otherwise.
    pub(super) async fn sample(&self, query: &str, range: Range, objective: &str) -> Result<Samples, ProviderError> {
        let (path, params, want) = if range.len() == 1 {
            ("query", vec![("query", query.to_string()), ("time", range.to.to_string())], "vector")
        } else {
            let params = vec![
                ("query", query.to_string()),
                ("start", (range.from + range.step).to_string()),
                ("end", range.to.to_string()),
                ("step", range.step.to_string()),
            ];
            ("query_range", params, "matrix")
        };
        let endpoint = format!("{}/api/v1/{path}", self.base);
        let asked = Asked { objective, query, endpoint: &endpoint };
        let data = self.get(&asked, &params).await?;
        let points: Vec<(f64, String)> = match data.result_type.as_str() {
            "vector" if want == "vector" => {
                let series: Vec<VectorSample> = self.decode(&asked, data.result)?;
                series.into_iter().map(|s| s.value).collect()
            }
            "matrix" if want == "matrix" => {
                let series: Vec<MatrixSeries> = self.decode(&asked, data.result)?;
                series.into_iter().flat_map(|s| s.values).collect()
            }
            other => return Err(self.unexpected(&asked, format!("result type `{other}` where a {want} was expected"))),
        };
        self.by_interval_end(&asked, range, points)
    }

    /// Sums the points by interval end. A point at a time that is not one
    /// of the range's ends (a query frontend that aligned the steps, say)
    /// would count another interval than the one asked: refused.
    fn by_interval_end(
        &self,
        asked: &Asked<'_>,
        range: Range,
        points: Vec<(f64, String)>,
    ) -> Result<Samples, ProviderError> {
        let mut samples = Samples::new();
        for (t, text) in points {
            let millis = (t * 1000.0).round() as i64;
            let end = millis.div_euclid(1000);
            let wanted = millis.rem_euclid(1000) == 0
                && end > range.from
                && end <= range.to
                && (end - range.from) % range.step == 0;
            if !wanted {
                return Err(self.unexpected(
                    asked,
                    format!(
                        "a sample at {t}, which is not the end of an interval asked for (every {}s from {} to {})",
                        range.step,
                        range.from + range.step,
                        range.to
                    ),
                ));
            }
            let value = parse_value(&text)
                .ok_or_else(|| self.unexpected(asked, format!("sample value `{text}` at {t} is not a number")))?;
            // NaN stays NaN through the sum: the interval has no data.
            *samples.entry(end).or_insert(0.0) += value;
        }
        Ok(samples)
    }

    /// Sends a GET and returns the envelope's `data`, or the error the
    /// answer means.
    async fn get(&self, asked: &Asked<'_>, params: &[(&str, String)]) -> Result<Data, ProviderError> {
        let mut request = self.client.get(asked.endpoint).query(params);
        request = match &self.auth {
            Auth::None => request,
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
        };
        tracing::debug!(provider = %self.name, endpoint = asked.endpoint, query = asked.query, "querying");
        let response = request.send().await.map_err(|e| self.transport(asked, e))?;
        let status = response.status();
        let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
        let body = response.bytes().await.map_err(|e| self.transport(asked, e))?;
        let envelope = serde_json::from_slice::<Envelope>(&body).ok();
        if status.is_success() {
            return match envelope {
                Some(Envelope { status: answer, data: Some(data), .. }) if answer == "success" => Ok(data),
                Some(e) => {
                    Err(self.unexpected(asked, format!("HTTP {status} with status `{}`: {}", e.status, e.error)))
                }
                None => Err(self.unexpected(asked, format!("not a Prometheus API answer: {}", excerpt(&body)))),
            };
        }
        // The API's own message when there is one, else the start of the body.
        let (message, detail) = match envelope {
            Some(e) if !e.error.is_empty() => (e.error.clone(), e.error),
            _ => (format!("HTTP {status}: {}", excerpt(&body)), excerpt(&body)),
        };
        let provider = self.name.clone();
        Err(match status {
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => ProviderError::Query {
                provider,
                objective: asked.objective.to_string(),
                query: asked.query.to_string(),
                message,
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                ProviderError::Auth { provider, status: status.as_u16(), message }
            }
            StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited { provider, retry_after },
            StatusCode::NOT_FOUND => ProviderError::Config {
                provider,
                message: format!(
                    "{} answered 404 Not Found: the url must be the base of a Prometheus HTTP API, the part \
                     before /api/v1 (e.g. http://localhost:9090, or http://mimir/prometheus for Mimir)",
                    asked.endpoint
                ),
            },
            s if s.is_server_error() => ProviderError::Unavailable {
                provider,
                message: format!("{} answered {status}: {detail}", asked.endpoint),
            },
            _ => return Err(self.unexpected(asked, format!("HTTP {status}: {detail}"))),
        })
    }

    /// A request that got no answer: unreachable, refused, timed out.
    fn transport(&self, asked: &Asked<'_>, e: reqwest::Error) -> ProviderError {
        let message = if e.is_timeout() {
            format!("no answer from {} within {:?}", asked.endpoint, self.timeout)
        } else {
            format!("{}: {}", asked.endpoint, chain(e))
        };
        ProviderError::Unavailable { provider: self.name.clone(), message }
    }

    /// An answer that is not what the API documents.
    fn unexpected(&self, asked: &Asked<'_>, message: String) -> ProviderError {
        ProviderError::Response { provider: self.name.clone(), query: asked.query.to_string(), message }
    }

    /// Values that cannot be counts, at interval end `to`.
    pub(super) fn response_error(&self, queries: &str, message: String, to: i64) -> ProviderError {
        ProviderError::Response {
            provider: self.name.clone(),
            query: queries.to_string(),
            message: format!("at {to}: {message}"),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        asked: &Asked<'_>,
        result: serde_json::Value,
    ) -> Result<T, ProviderError> {
        serde_json::from_value(result).map_err(|e| self.unexpected(asked, format!("malformed result: {e}")))
    }
}

/// The API's envelope. `data` is absent on errors.
#[derive(Deserialize)]
struct Envelope {
    status: String,
    data: Option<Data>,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

/// One series of an instant query: `[time, "value"]`.
#[derive(Deserialize)]
struct VectorSample {
    value: (f64, String),
}

/// One series of a range query.
#[derive(Deserialize)]
struct MatrixSeries {
    values: Vec<(f64, String)>,
}

/// A sample value: a decimal, `NaN`, `+Inf` or `-Inf`, as Go prints them.
fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        other => other.parse().ok(),
    }
}

/// `Retry-After`: seconds, or an HTTP date (then the time until it).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value).ok()?;
    let secs = at.as_second() - jiff::Timestamp::now().as_second();
    Some(Duration::from_secs(secs.max(0).unsigned_abs()))
}

/// An error with its causes, `outer: inner: root`, so that "connection
/// refused" is not hidden behind "error sending request".
fn chain(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The start of a body, for messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None if text.is_empty() => "(empty body)".into(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_retry_after_parse() {
        assert_eq!(parse_value("12.5"), Some(12.5));
        assert!(parse_value("NaN").unwrap().is_nan());
        assert_eq!(parse_value("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_value("twelve"), None);
        assert_eq!(retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Thu, 01 Jan 1970 00:00:01 GMT"), Some(Duration::ZERO));
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt(b"  oops \n"), "oops");
        assert_eq!(excerpt(b""), "(empty body)");
        assert_eq!(excerpt("é".repeat(400).as_bytes()).chars().count(), 301);
    }
}
