//! How numbers read on the dashboard.
//!
//! One place decides the digits, so the list, the objective page and the
//! charts never disagree on how a value is written. SLIs get three decimals
//! in percent because the interesting differences are in the third nine:
//! 99.95% and 99.9% must not both print as "100%".

use jiff::Timestamp;

/// What a missing value reads as, everywhere.
pub(super) const NO_DATA: &str = "no data";

/// `value` with `decimals` digits, minus a lone minus sign: a budget of
/// −0.00001 rounds to zero and should not read as overspent ("-0.0").
fn fixed(value: f64, decimals: usize) -> String {
    if value.is_nan() {
        return NO_DATA.into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "∞".into() } else { "−∞".into() };
    }
    let s = format!("{value:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

/// A fraction of one in percent: `percent(0.9995, 3)` is `99.950%`.
pub(super) fn percent(fraction: f64, decimals: usize) -> String {
    let s = fixed(fraction * 100.0, decimals);
    if fraction.is_nan() { s } else { format!("{s}%") }
}

/// An SLI (a fraction of one) with three decimals in percent.
pub(super) fn sli(value: Option<f64>) -> String {
    value.map_or_else(|| NO_DATA.into(), |v| percent(v, 3))
}

/// A target, already in percent as manifests write it: `99.9%`, as written
/// (the shortest form that reads back the same number).
pub(super) fn target(percent: f64) -> String {
    format!("{percent}%")
}

/// The share of budget left, in percent with one decimal (negative when
/// overspent).
pub(super) fn budget(left: Option<f64>) -> String {
    left.map_or_else(|| NO_DATA.into(), |v| percent(v, 1))
}

/// A burn rate with two decimals: `1.00` burns the budget exactly over the window.
pub(super) fn burn(rate: Option<f64>) -> String {
    rate.map_or_else(|| NO_DATA.into(), |r| fixed(r, 2))
}

/// A duration for people, its two largest units: `3d 4h`, `21m`, `45s`.
/// The sign is dropped; callers say "overspent by" themselves.
pub(super) fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "∞".into();
    }
    // Whole seconds are plenty here, and the cast saturates on absurd values.
    let mut rest = secs.abs().round() as u64;
    if rest == 0 {
        return "0s".into();
    }
    let mut parts = Vec::new();
    for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= len && parts.len() < 2 {
            parts.push(format!("{}{unit}", rest / len));
            rest %= len;
        } else if !parts.is_empty() {
            // Two units that are not adjacent (`3d 5s`) read oddly; stop at the gap.
            break;
        }
    }
    parts.join(" ")
}

/// An event count. Counts from rates are fractional (`increase()` over a
/// window interpolates), but beyond a hundred the fraction is noise: those
/// read as whole numbers with thousands separators, `201,600`.
pub(super) fn count(n: f64) -> String {
    if !n.is_finite() || n.abs() < 100.0 {
        return if n.fract() == 0.0 { fixed(n, 0) } else { fixed(n, 2) };
    }
    let digits = fixed(n.abs(), 0);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 { format!("-{out}") } else { out }
}

/// An instant as a chart label, in UTC to the minute: `11-21 14:00`.
pub(super) fn utc_minute(t: i64) -> String {
    Timestamp::from_second(t).map(|ts| ts.strftime("%m-%d %H:%M").to_string()).unwrap_or_else(|_| t.to_string())
}

/// An instant in full, in UTC to the minute: `2026-11-21 14:00 UTC`.
pub(super) fn utc_full(t: i64) -> String {
    Timestamp::from_second(t).map(|ts| ts.strftime("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_with_fixed_digits() {
        assert_eq!(sli(Some(0.9995)), "99.950%");
        assert_eq!(sli(Some(0.999)), "99.900%");
        assert_eq!(sli(Some(1.0)), "100.000%");
        assert_eq!(sli(None), "no data");
        assert_eq!(target(99.9), "99.9%");
        assert_eq!(target(99.0), "99%");
        assert_eq!(budget(Some(0.4234)), "42.3%");
        assert_eq!(budget(Some(-1.25)), "-125.0%");
        assert_eq!(budget(Some(-0.00001)), "0.0%");
        assert_eq!(budget(None), "no data");
        assert_eq!(burn(Some(14.4)), "14.40");
        assert_eq!(burn(Some(0.004)), "0.00");
        assert_eq!(burn(None), "no data");
        assert_eq!(burn(Some(f64::INFINITY)), "∞");
        assert_eq!(count(12.5), "12.50");
        assert_eq!(count(7.0), "7");
        assert_eq!(count(999.4), "999");
        assert_eq!(count(201_499.6), "201,500");
        assert_eq!(count(1_234_567.0), "1,234,567");
    }

    #[test]
    fn durations_keep_two_adjacent_units() {
        assert_eq!(duration(3.0 * 86_400.0 + 4.0 * 3_600.0 + 5.0), "3d 4h");
        assert_eq!(duration(3.0 * 86_400.0 + 5.0), "3d");
        assert_eq!(duration(-(21.0 * 60.0)), "21m");
        assert_eq!(duration(45.4), "45s");
        assert_eq!(duration(0.2), "0s");
        assert_eq!(duration(f64::INFINITY), "∞");
    }

    #[test]
    fn instants_read_in_utc() {
        // 2026-11-21T12:00:00Z.
        assert_eq!(utc_minute(1_795_262_400), "11-21 12:00");
        assert_eq!(utc_minute(1_795_262_400 + 2 * 3_600 + 59), "11-21 14:00");
        assert_eq!(utc_full(1_795_262_400), "2026-11-21 12:00 UTC");
    }
}
