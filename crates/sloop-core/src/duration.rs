//! Fixed-length durations, and the four ways manifests write them.
//!
//! SLO manifests spell durations in several dialects:
//!
//! | dialect                 | examples                 | used by                      |
//! |-------------------------|--------------------------|------------------------------|
//! | compact (Prometheus)    | `30d`, `5m`, `1h30m`, `4w` | sloop, Sloth, Pyrra, OpenSLO |
//! | Go `time.Duration`      | `1h0m0s`, `720h`, `1.5h` | Reliably                     |
//! | ISO 8601                | `PT5M`, `P30D`, `P1W`    | Reliably, sloop              |
//!
//! [`Duration::parse`] accepts all three. A lower-case `y` is Prometheus' year
//! of 365 days. Months, quarters and calendar years (`M`, `Q`, `Y`, ISO `P1Y`)
//! have no fixed length, so they are rejected here: they only make sense for calendar
//! windows (see [`crate::model::CalendarUnit`]).
//!
//! A [`Duration`] is a whole number of seconds. SLO windows and alert windows
//! below one second carry no meaning, and integers keep window arithmetic exact.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A fixed length of time, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    secs: u64,
}

/// Why a duration could not be read; displayed with the spellings that work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}; expected {DURATION_HINT}")]
pub struct DurationError {
    /// What is wrong, in words.
    pub reason: String,
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// The accepted spellings, quoted in error messages.
pub const DURATION_HINT: &str =
    "a duration such as 30d, 28d, 7d, 1h, 5m, 1h30m (Go style 1h0m0s also works) or ISO 8601 such as PT5M or P30D";

impl Duration {
    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Self { secs }
    }
    /// A duration of `m` minutes.
    pub const fn from_mins(m: u64) -> Self {
        Self { secs: m * MINUTE }
    }
    /// A duration of `h` hours.
    pub const fn from_hours(h: u64) -> Self {
        Self { secs: h * HOUR }
    }
    /// A duration of `d` days of 24 hours.
    pub const fn from_days(d: u64) -> Self {
        Self { secs: d * DAY }
    }
    /// The length in seconds.
    pub const fn as_secs(self) -> u64 {
        self.secs
    }
    /// The length in seconds, as a float for ratios.
    pub fn as_secs_f64(self) -> f64 {
        self.secs as f64
    }
    /// Whether this is zero seconds long.
    pub const fn is_zero(self) -> bool {
        self.secs == 0
    }

    /// Reads any of the dialects in the module docs.
    pub fn parse(input: &str) -> Result<Self, DurationError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(err("empty duration".to_string()));
        }
        let d = if s.starts_with('P') || s.starts_with('p') { parse_iso8601(s)? } else { parse_compact(s)? };
        if d.is_zero() {
            return Err(err(format!("duration `{s}` is zero; it must be positive")));
        }
        Ok(d)
    }

    /// The compact spelling: `30d`, `1h30m`, `90s`. Weeks are written as days,
    /// so `28d` stays `28d`. This is also valid Prometheus duration syntax.
    pub fn to_compact(self) -> String {
        if self.secs == 0 {
            return "0s".into();
        }
        let mut out = String::new();
        let mut rest = self.secs;
        for (unit, len) in [("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", 1)] {
            if rest >= len {
                out.push_str(&format!("{}{unit}", rest / len));
                rest %= len;
            }
        }
        out
    }

    /// Go's `time.Duration` spelling: `720h0m0s`, `1h0m0s`, `5m0s`.
    pub fn to_go(self) -> String {
        let h = self.secs / HOUR;
        let m = (self.secs % HOUR) / MINUTE;
        let s = self.secs % MINUTE;
        if h > 0 {
            format!("{h}h{m}m{s}s")
        } else if m > 0 {
            format!("{m}m{s}s")
        } else {
            format!("{s}s")
        }
    }

    /// ISO 8601: `P30D`, `PT1H30M`, `P1DT2H`.
    pub fn to_iso8601(self) -> String {
        let d = self.secs / DAY;
        let h = (self.secs % DAY) / HOUR;
        let m = (self.secs % HOUR) / MINUTE;
        let s = self.secs % MINUTE;
        let mut out = String::from("P");
        if d > 0 {
            out.push_str(&format!("{d}D"));
        }
        if h > 0 || m > 0 || s > 0 || d == 0 {
            out.push('T');
            if h > 0 {
                out.push_str(&format!("{h}H"));
            }
            if m > 0 {
                out.push_str(&format!("{m}M"));
            }
            if s > 0 || (h == 0 && m == 0) {
                out.push_str(&format!("{s}S"));
            }
        }
        out
    }

    /// Words for people: "30 days", "1 hour", "1 hour 30 minutes".
    pub fn to_words(self) -> String {
        if self.secs == 0 {
            return "0 seconds".into();
        }
        let mut parts = Vec::new();
        let mut rest = self.secs;
        for (unit, len) in [("day", DAY), ("hour", HOUR), ("minute", MINUTE), ("second", 1)] {
            if rest >= len {
                let n = rest / len;
                rest %= len;
                parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
            }
        }
        parts.join(" ")
    }
}

fn err(reason: String) -> DurationError {
    DurationError { reason }
}

/// `1h30m`, `30d`, `1.5h`, `300ms`, `1h0m0s`: a sequence of number+unit.
fn parse_compact(s: &str) -> Result<Duration, DurationError> {
    let bad = |why: &str| err(format!("`{s}` is not a duration: {why}"));
    let mut millis: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len =
            rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(|| bad("a number has no unit"))?;
        if num_len == 0 {
            return Err(bad("expected a number"));
        }
        let (num, after) = rest.split_at(num_len);
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let unit_millis: u128 = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            // Prometheus (and Pyrra) define a year as 365 days.
            "y" => 31_536_000_000,
            "M" | "Q" | "Y" => {
                return Err(bad("months, quarters and years have no fixed length; use days (30d, 90d) \
                     or a calendar window"));
            }
            "" => return Err(bad("a number has no unit")),
            other => return Err(bad(&format!("unknown unit `{other}` (valid: ms, s, m, h, d, w, y)"))),
        };
        millis += decimal_times(num, unit_millis).ok_or_else(|| bad("the number is malformed"))?;
        rest = next;
    }
    if !millis.is_multiple_of(1_000) {
        return Err(bad("it must be a whole number of seconds"));
    }
    u64::try_from(millis / 1_000).map(Duration::from_secs).map_err(|_| bad("it is too long"))
}

/// `num` (decimal digits with at most one dot) times `unit`, exactly.
fn decimal_times(num: &str, unit: u128) -> Option<u128> {
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let int: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut total = int.checked_mul(unit)?;
    if !frac.is_empty() {
        let digits: u32 = frac.len().try_into().ok()?;
        let scale = 10u128.checked_pow(digits)?;
        let f: u128 = frac.parse().ok()?;
        let scaled = f.checked_mul(unit)?;
        if scaled % scale != 0 {
            return None;
        }
        total = total.checked_add(scaled / scale)?;
    }
    Some(total)
}

/// ISO 8601 durations through jiff, with days taken as 24 hours.
fn parse_iso8601(s: &str) -> Result<Duration, DurationError> {
    let span: jiff::Span = s.parse().map_err(|e| err(format!("`{s}` is not an ISO 8601 duration ({e})")))?;
    if span.get_years() != 0 || span.get_months() != 0 {
        return Err(err(format!(
            "`{s}` uses years or months, which have no fixed length; use days (P30D) or a calendar window"
        )));
    }
    let secs = span
        .total((jiff::Unit::Second, jiff::SpanRelativeTo::days_are_24_hours()))
        .map_err(|e| err(format!("`{s}` cannot be measured in seconds: {e}")))?;
    if secs < 0.0 || secs.fract() != 0.0 {
        return Err(err(format!("`{s}` must be a positive whole number of seconds")));
    }
    Ok(Duration::from_secs(secs as u64))
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_compact())
    }
}

impl std::str::FromStr for Duration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_compact())
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::ops::Mul<u64> for Duration {
    type Output = Duration;
    fn mul(self, rhs: u64) -> Duration {
        Duration::from_secs(self.secs * rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact() {
        assert_eq!(Duration::parse("30d").unwrap(), Duration::from_days(30));
        assert_eq!(Duration::parse("5m").unwrap(), Duration::from_mins(5));
        assert_eq!(Duration::parse("1h30m").unwrap(), Duration::from_mins(90));
        assert_eq!(Duration::parse("4w").unwrap(), Duration::from_days(28));
        assert_eq!(Duration::parse("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(Duration::parse("1y").unwrap(), Duration::from_days(365));
    }

    #[test]
    fn go_style() {
        assert_eq!(Duration::parse("1h0m0s").unwrap(), Duration::from_hours(1));
        assert_eq!(Duration::parse("720h").unwrap(), Duration::from_days(30));
        assert_eq!(Duration::parse("1.5h").unwrap(), Duration::from_mins(90));
        assert!(Duration::parse("1500ms").unwrap_err().reason.contains("whole number"));
        assert_eq!(Duration::parse("2000ms").unwrap(), Duration::from_secs(2));
    }

    #[test]
    fn iso8601() {
        assert_eq!(Duration::parse("PT5M").unwrap(), Duration::from_mins(5));
        assert_eq!(Duration::parse("P30D").unwrap(), Duration::from_days(30));
        assert_eq!(Duration::parse("P1W").unwrap(), Duration::from_days(7));
        assert_eq!(Duration::parse("PT1H30M").unwrap(), Duration::from_mins(90));
        assert!(Duration::parse("P1M").unwrap_err().reason.contains("calendar window"));
    }

    #[test]
    fn rejects_with_hints() {
        for bad in ["", "30", "30x", "d", "0s", "1M", "1Y", "1Q", "-5m", "5 m"] {
            let e = Duration::parse(bad).unwrap_err();
            assert!(!e.reason.is_empty(), "{bad}");
        }
        assert!(Duration::parse("30x").unwrap_err().reason.contains("unknown unit `x`"));
        assert!(Duration::parse("1M").unwrap_err().reason.contains("calendar window"));
    }

    #[test]
    fn spellings_round_trip() {
        for secs in [1, 59, 60, 300, 3600, 5400, 86_400, 2_592_000, 2_419_200, 93_784] {
            let d = Duration::from_secs(secs);
            assert_eq!(Duration::parse(&d.to_compact()).unwrap(), d);
            assert_eq!(Duration::parse(&d.to_go()).unwrap(), d);
            assert_eq!(Duration::parse(&d.to_iso8601()).unwrap(), d);
        }
        assert_eq!(Duration::from_days(30).to_compact(), "30d");
        assert_eq!(Duration::from_hours(1).to_go(), "1h0m0s");
        assert_eq!(Duration::from_mins(5).to_iso8601(), "PT5M");
        assert_eq!(Duration::from_mins(90).to_words(), "1 hour 30 minutes");
    }
}
