//! SLO targets, kept as exact decimals.
//!
//! `99.9` is not exactly representable in binary floating point, and
//! `1.0 - 0.999` is `0.0010000000000000009`. A target is therefore stored as
//! the decimal the user wrote, `999 / 10^3`, so the error budget `1 - target`
//! is exact (`1 / 10^3`) and budgets in events come out as whole numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A target strictly between 0 % and 100 %, as an exact decimal fraction
/// `units / 10^scale` (so 99.9 % is `999 / 1000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    units: u64,
    scale: u32,
}

/// Why a target was refused: what is wrong, and what would be valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}; expected {hint}")]
pub struct TargetError {
    /// What is wrong, in words.
    pub reason: String,
    /// What a valid value looks like.
    pub hint: &'static str,
}

/// What a valid target looks like, for error messages.
pub const TARGET_HINT: &str = "a percentage above 0 and below 100, such as 99.9 or \"99.9%\"";

/// What a valid target written as a fraction looks like.
pub const FRACTION_HINT: &str = "a fraction above 0 and below 1, such as 0.999";

const MAX_SCALE: u32 = 15;

impl Target {
    /// Reads a percentage: `99.9`, `"99.9%"`, `"99.95 %"`.
    pub fn from_percent_str(input: &str) -> Result<Self, TargetError> {
        let s = input.trim();
        let s = s.strip_suffix('%').unwrap_or(s).trim_end();
        let (units, scale) = parse_decimal(s)
            .ok_or_else(|| TargetError { reason: format!("`{input}` is not a number"), hint: TARGET_HINT })?;
        // percent → fraction: two more decimal places.
        Self::checked(units, scale + 2, input, TARGET_HINT)
    }

    /// Reads a fraction of one: `0.999`, as OpenSLO and Pyrra's ratio forms write it.
    pub fn from_fraction_str(input: &str) -> Result<Self, TargetError> {
        let (units, scale) = parse_decimal(input.trim())
            .ok_or_else(|| TargetError { reason: format!("`{input}` is not a number"), hint: FRACTION_HINT })?;
        Self::checked(units, scale, input, FRACTION_HINT)
    }

    /// Reads a percentage given as a float (YAML `99.9`). The float is printed
    /// with the shortest representation that round-trips, so `99.9` stays `99.9`.
    pub fn from_percent_f64(p: f64) -> Result<Self, TargetError> {
        if !p.is_finite() {
            return Err(TargetError { reason: format!("`{p}` is not a number"), hint: TARGET_HINT });
        }
        Self::from_percent_str(&format!("{p}"))
    }

    fn checked(units: u64, scale: u32, input: &str, hint: &'static str) -> Result<Self, TargetError> {
        let (units, scale) = normalize(units, scale);
        if scale > MAX_SCALE {
            return Err(TargetError {
                reason: format!("`{input}` has too many decimal places (at most 13 after the percent's point)"),
                hint,
            });
        }
        let one = 10u64.pow(scale);
        if units == 0 {
            return Err(TargetError { reason: format!("target `{input}` must be above 0"), hint });
        }
        if units >= one {
            let why = if units == one {
                "100% leaves no error budget: nothing may ever fail, so no burn rate or alert can be computed"
            } else {
                "a target cannot exceed 100%"
            };
            return Err(TargetError { reason: format!("target `{input}`: {why}"), hint });
        }
        Ok(Self { units, scale })
    }

    /// The target as a fraction of one, e.g. `0.999`.
    pub fn fraction(self) -> f64 {
        self.units as f64 / 10f64.powi(self.scale as i32)
    }

    /// The target in percent, e.g. `99.9`.
    pub fn percent(self) -> f64 {
        self.fraction() * 100.0
    }

    /// The error budget `1 - target` as a fraction of one, computed exactly
    /// in integers before the single rounding to `f64`.
    pub fn budget(self) -> f64 {
        let one = 10u64.pow(self.scale);
        (one - self.units) as f64 / one as f64
    }

    /// The exact percentage as the shortest decimal string: `"99.9"`.
    pub fn percent_string(self) -> String {
        decimal_string(self.units, self.scale as i32 - 2)
    }

    /// The exact fraction as the shortest decimal string: `"0.999"`.
    pub fn fraction_string(self) -> String {
        decimal_string(self.units, self.scale as i32)
    }
}

/// Writes `units / 10^shift` in decimal, with no trailing zeros.
fn decimal_string(units: u64, shift: i32) -> String {
    if shift <= 0 {
        return (units * 10u64.pow((-shift) as u32)).to_string();
    }
    let digits = format!("{:0>width$}", units, width = shift as usize + 1);
    let (int, frac) = digits.split_at(digits.len() - shift as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") }
}

/// Parses `123.45` into `(12345, 2)`. Rejects signs, exponents and junk.
fn parse_decimal(s: &str) -> Option<(u64, u32)> {
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let scale = u32::try_from(frac.len()).ok()?;
    let digits = format!("{int}{frac}");
    let units = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    Some((units, scale))
}

fn normalize(mut units: u64, mut scale: u32) -> (u64, u32) {
    while scale > 0 && units.is_multiple_of(10) && units != 0 {
        units /= 10;
        scale -= 1;
    }
    (units, scale)
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.percent_string())
    }
}

impl Serialize for Target {
    /// Serialised as the percentage number, e.g. `99.9`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.percent())
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(f64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Target::from_percent_f64(n),
            Raw::Str(s) => Target::from_percent_str(&s),
        }
        .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_budget() {
        let t = Target::from_percent_str("99.9").unwrap();
        assert_eq!(t.budget(), 0.001);
        assert_eq!(t.fraction(), 0.999);
        assert_eq!(t.percent_string(), "99.9");
        assert_eq!(t.fraction_string(), "0.999");
        assert_eq!(t.to_string(), "99.9%");
        let t = Target::from_percent_str("90%").unwrap();
        assert_eq!(t.budget(), 0.1);
        assert_eq!(t.percent_string(), "90");
        let t = Target::from_percent_f64(99.95).unwrap();
        assert_eq!(t.budget(), 0.0005);
        assert_eq!(Target::from_fraction_str("0.995").unwrap().percent_string(), "99.5");
        assert_eq!(Target::from_percent_str("99.999 %").unwrap().budget(), 0.00001);
    }

    #[test]
    fn rejects_edges() {
        assert!(Target::from_percent_str("100").unwrap_err().reason.contains("no error budget"));
        assert!(Target::from_percent_str("100.0%").unwrap_err().reason.contains("no error budget"));
        assert!(Target::from_percent_str("0").unwrap_err().reason.contains("above 0"));
        assert!(Target::from_percent_str("-5").is_err());
        assert!(Target::from_percent_str("150").unwrap_err().reason.contains("exceed"));
        assert!(Target::from_percent_str("abc").is_err());
        assert!(Target::from_percent_f64(f64::NAN).is_err());
        let e = Target::from_fraction_str("1").unwrap_err();
        assert!(e.reason.contains("no error budget"), "{e}");
        assert_eq!(e.hint, FRACTION_HINT);
        assert!(e.to_string().ends_with("; expected a fraction above 0 and below 1, such as 0.999"), "{e}");
    }
}
