//! Value checks shared by every reader, so that a target or a duration means
//! the same and fails with the same words whatever the format.
//!
//! Each check takes the document and the field's path, and on failure returns
//! a [`Diagnostic`] that points at that field and says what would be valid.

use serde::{Deserialize, Serialize};

use crate::alerting::AlertPolicy;
use crate::diagnostic::Diagnostic;
use crate::duration::{DURATION_HINT, Duration};
use crate::model::{ProviderKind, TimeWindow};
use crate::source::Document;
use crate::spec::Collector;
use crate::target::Target;

/// A YAML scalar that may be written as a number or a string
/// (`target: 99.9` or `target: "99.9%"`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum NumOrStr {
    /// Written as a number.
    Num(f64),
    /// Written as a string.
    Str(String),
}

impl Default for NumOrStr {
    fn default() -> Self {
        NumOrStr::Str(String::new())
    }
}

impl NumOrStr {
    /// The value as text; numbers use the shortest round-trip form.
    pub fn text(&self) -> String {
        match self {
            NumOrStr::Num(n) => format!("{n}"),
            NumOrStr::Str(s) => s.clone(),
        }
    }
}

/// A target written in percent (`99.9`, `"99.9%"`).
pub fn target_percent(doc: &Document<'_>, path: &str, raw: &NumOrStr) -> Result<Target, Diagnostic> {
    Target::from_percent_str(&raw.text()).map_err(|e| doc.error("invalid-target", path, e.reason, Some(e.hint)))
}

/// A target written as a fraction of one (`0.999`), as OpenSLO does.
pub fn target_fraction(doc: &Document<'_>, path: &str, raw: &NumOrStr) -> Result<Target, Diagnostic> {
    Target::from_fraction_str(&raw.text()).map_err(|e| doc.error("invalid-target", path, e.reason, Some(e.hint)))
}

/// A fixed duration in any dialect (`30d`, `1h0m0s`, `PT5M`).
pub fn duration(doc: &Document<'_>, path: &str, raw: &str) -> Result<Duration, Diagnostic> {
    Duration::parse(raw).map_err(|e| doc.error("invalid-duration", path, e.reason, Some(DURATION_HINT)))
}

/// A provider query: PromQL must parse, a Datadog query must look like one.
pub fn query(doc: &Document<'_>, path: &str, kind: ProviderKind, q: &str) -> Result<(), Diagnostic> {
    let checked = match (kind, doc.relaxed_promql) {
        // MetricsQL: PromQL's parser may not read it; the shared bracket check still applies.
        (ProviderKind::Prometheus, true) => crate::query::check_relaxed(q),
        _ => crate::query::check(kind, q),
    };
    checked.map_err(|e| {
        let hint = match kind {
            ProviderKind::Prometheus => {
                "a PromQL expression, such as sum(rate(http_requests_total{code!~\"5..\"}[5m]))"
            }
            ProviderKind::Datadog => {
                "a Datadog count query, such as sum:trace.http.request.hits{service:web}.as_count()"
            }
        };
        doc.error("invalid-query", path, e, Some(hint))
    })
}

/// A name: non-empty, no surrounding spaces.
pub fn name(doc: &Document<'_>, path: &str, raw: &str) -> Result<String, Diagnostic> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(doc.error(
            "invalid-name",
            path,
            "the name is empty",
            Some("a non-empty name such as `checkout-availability`"),
        ));
    }
    Ok(t.to_string())
}

/// What a traffic rate looks like, for messages.
pub const TRAFFIC_HINT: &str = "events per second as a number, or with a unit: 100/s, 6000/min, 50k/h, 2M/day";

/// A traffic rate in events per second: `100/s`, `6000/min`, `50k/h`,
/// `2M/day`, or a plain number (per second).
pub fn traffic_rate(text: &str) -> Result<f64, String> {
    let (num, per) = text.split_once('/').unwrap_or((text, "s"));
    let num = num.trim();
    let (digits, mult) = match num.chars().last() {
        Some('k' | 'K') => (&num[..num.len() - 1], 1e3),
        Some('M') => (&num[..num.len() - 1], 1e6),
        Some('G' | 'B') => (&num[..num.len() - 1], 1e9),
        _ => (num, 1.0),
    };
    let n: f64 = digits.trim().parse().map_err(|_| format!("`{text}` is not a rate"))?;
    let secs = match per.trim() {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        "d" | "day" => 86400.0,
        other => return Err(format!("unknown unit `/{other}` in `{text}`")),
    };
    let rate = n * mult / secs;
    if !(rate.is_finite() && rate > 0.0) {
        return Err(format!("traffic `{text}` must be positive"));
    }
    Ok(rate)
}

/// Turns a human title into an identifier: "99% of requests" → `99-of-requests`.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The standard alerting for a window.
///
/// The standard pairs are not something the manifest wrote, so fitting them to
/// a short window is not a problem with the manifest: no warning is raised
/// here. `sloop explain` shows how they were fitted. Pairs a manifest writes
/// itself are fitted with warnings by the reader (see [`crate::alerting::fit_windows`]).
pub fn standard_alerting(_doc: &Document<'_>, _path: &str, window: &TimeWindow, _out: &mut Collector) -> AlertPolicy {
    AlertPolicy::standard(window.nominal_length()).0
}

#[cfg(test)]
mod tests {
    #[test]
    fn traffic_rates() {
        assert_eq!(super::traffic_rate("100/s"), Ok(100.0));
        assert_eq!(super::traffic_rate("6000/min"), Ok(100.0));
        assert_eq!(super::traffic_rate("8.64M/day"), Ok(100.0));
        assert_eq!(super::traffic_rate("50"), Ok(50.0));
        assert!(super::traffic_rate("0/s").is_err());
        assert!(super::traffic_rate("5/week").unwrap_err().contains("/week"));
    }

    #[test]
    fn slugs() {
        assert_eq!(super::slug("99% of requests  over last 5 minutes"), "99-of-requests-over-last-5-minutes");
        assert_eq!(super::slug("  Hello, World! "), "hello-world");
    }
}
