//! Time windows, duration shorthands and time slices.

use super::types::SloSpec;
use crate::duration::Duration;
use crate::model::{CalendarUnit, CalendarWindow, TimeWindow};
use crate::source::Document;
use crate::spec::Collector;
use crate::spec::check::{self, NumOrStr};

const ROLLING_HINT: &str = "a fixed length such as 28d, 30d, 4w or 1h";
const CALENDAR_HINT: &str = "a whole number of d, w, M, Q or Y, such as 1M, 1Q, 1w or 1d";
const TZ_HINT: &str = "an IANA time zone name such as UTC, Europe/Paris or America/New_York";

/// The calendar unit of an OpenSLO shorthand postfix.
fn calendar_unit(postfix: &str) -> Option<CalendarUnit> {
    Some(match postfix {
        "d" => CalendarUnit::Day,
        "w" => CalendarUnit::Week,
        "M" => CalendarUnit::Month,
        "Q" => CalendarUnit::Quarter,
        "Y" => CalendarUnit::Year,
        _ => return None,
    })
}

/// Splits `12M` into (`12`, `M`).
fn split(raw: &str) -> (&str, &str) {
    let s = raw.trim();
    let i = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(i)
}

/// A fixed length; `M`, `Q` and `Y` are refused with a word on calendar
/// windows. Errors go to `out`.
pub(super) fn fixed(doc: &Document<'_>, path: &str, raw: &str, what: &str, out: &mut Collector) -> Option<Duration> {
    let (num, postfix) = split(raw);
    if !num.is_empty() && matches!(postfix, "M" | "Q" | "Y") {
        let unit = match postfix {
            "M" => "months",
            "Q" => "quarters",
            _ => "years",
        };
        out.push(doc.error(
            "invalid-duration",
            path,
            format!(
                "`{}` counts {unit}, which have no fixed length: {what} needs a fixed duration \
                 (for a window of calendar {unit}, write `isRolling: false` with a `calendar`)",
                raw.trim()
            ),
            Some(ROLLING_HINT),
        ));
        return None;
    }
    check::duration(doc, path, raw).map_err(|e| out.push(e)).ok()
}

/// `spec.timeWindow`: exactly one rolling or calendar window.
pub(super) fn time_window(doc: &Document<'_>, spec: &SloSpec, out: &mut Collector) -> Option<TimeWindow> {
    let list = spec.time_window.as_deref().unwrap_or_default();
    let Some(w) = list.first() else {
        out.push(doc.error(
            "missing-field",
            "spec.timeWindow",
            "sloop needs the SLO's time window",
            Some("timeWindow: [{duration: 28d, isRolling: true}]"),
        ));
        return None;
    };
    if list.len() > 1 {
        out.push(doc.error(
            "invalid-time-window",
            "spec.timeWindow[1]",
            format!("`timeWindow` holds exactly one window, not {}", list.len()),
            Some("a single entry, such as timeWindow: [{duration: 28d, isRolling: true}]"),
        ));
        return None;
    }
    let p = "spec.timeWindow[0]";
    let rolling = w.is_rolling.unwrap_or(w.calendar.is_none());
    if rolling {
        if w.calendar.is_some() {
            out.push(doc.error(
                "conflicting-fields",
                &format!("{p}.calendar"),
                "a rolling window (`isRolling: true`) has no `calendar`",
                Some("`isRolling: false` for a calendar-aligned window, or no `calendar`"),
            ));
            return None;
        }
        let d = fixed(doc, &format!("{p}.duration"), &w.duration, "a rolling window", out)?;
        return Some(TimeWindow::rolling(d));
    }
    let dpath = format!("{p}.duration");
    let unit = calendar_duration(doc, &dpath, &w.duration, out);
    let cal = w.calendar.clone().unwrap_or_default();
    let tz = match cal.time_zone.as_deref() {
        Some(tz) => time_zone(doc, &format!("{p}.calendar.timeZone"), tz, out),
        None => {
            let path = if w.calendar.is_some() { format!("{p}.calendar.timeZone") } else { format!("{p}.calendar") };
            out.push(doc.error(
                "missing-field",
                &path,
                "a calendar-aligned window needs `calendar.timeZone`",
                Some("calendar: {startTime: \"2024-01-01 00:00:00\", timeZone: UTC}"),
            ));
            None
        }
    };
    let start_ok = match &cal.start_time {
        Some(s) => s
            .trim()
            .parse::<jiff::civil::DateTime>()
            .map_err(|e| {
                out.push(doc.error(
                    "invalid-start-time",
                    &format!("{p}.calendar.startTime"),
                    format!("`{s}` is not a date and time ({e})"),
                    Some("a date with a 24h time and no time zone, such as 2024-01-01 00:00:00"),
                ))
            })
            .is_ok(),
        None => true,
    };
    let ((unit, count), tz) = (unit?, tz?);
    start_ok.then_some(TimeWindow::Calendar(CalendarWindow { unit, count, time_zone: tz }))
}

/// `1M`, `1Q`, `2w`, `7d`: a count of calendar periods.
fn calendar_duration(doc: &Document<'_>, path: &str, raw: &str, out: &mut Collector) -> Option<(CalendarUnit, u32)> {
    let (num, postfix) = split(raw);
    let count = num.parse::<u32>().ok().filter(|n| *n > 0);
    let got = count.zip(calendar_unit(postfix)).map(|(count, unit)| (unit, count));
    if got.is_none() {
        out.push(doc.error(
            "invalid-duration",
            path,
            format!("`{}` is not a calendar window length", raw.trim()),
            Some(CALENDAR_HINT),
        ));
    }
    got
}

/// An IANA time zone known to the time zone database. When the system has no
/// time zone database at all, any well-formed name is accepted.
fn time_zone(doc: &Document<'_>, path: &str, raw: &str, out: &mut Collector) -> Option<String> {
    let name = raw.trim();
    let well_formed = !name.is_empty()
        && name.split('/').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        });
    if well_formed && (jiff::tz::TimeZone::get(name).is_ok() || jiff::tz::db().is_definitively_empty()) {
        return Some(name.to_string());
    }
    out.push(doc.error("invalid-time-zone", path, format!("unknown time zone `{name}`"), Some(TZ_HINT)));
    None
}

/// `timeSliceWindow`: a duration shorthand, or a number of minutes.
pub(super) fn slice_window(
    doc: &Document<'_>,
    p: &str,
    raw: Option<&NumOrStr>,
    method: &str,
    window: Option<&TimeWindow>,
    out: &mut Collector,
) -> Option<Duration> {
    let path = format!("{p}.timeSliceWindow");
    let Some(raw) = raw else {
        out.push(doc.error(
            "missing-field",
            &path,
            format!("the {method} budgeting method needs `timeSliceWindow`"),
            Some("the length of a slice, such as `timeSliceWindow: 1m` (a bare number is minutes)"),
        ));
        return None;
    };
    let text = raw.text();
    let d = if text.trim().parse::<f64>().is_ok() {
        check::duration(doc, &path, &format!("{}m", text.trim())).map_err(|e| out.push(e)).ok()?
    } else {
        fixed(doc, &path, &text, "a time slice", out)?
    };
    if let Some(w) = window
        && d >= w.nominal_length()
    {
        out.push(doc.error(
            "invalid-duration",
            &path,
            format!("a time slice of {d} does not fit in the window ({})", w.describe()),
            Some("a slice much shorter than the window, such as 1m or 5m"),
        ));
        return None;
    }
    Some(d)
}
