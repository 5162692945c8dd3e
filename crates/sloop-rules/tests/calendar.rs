//! The period starts of calendar windows, evaluated by a real Prometheus.
//!
//! The period-to-date recordings filter base samples by the start of the
//! current day, week or month, computed in PromQL from `time()` and the
//! calendar functions. This asks a real Prometheus (empty, on 127.0.0.1) for
//! those expressions at instants around midnights, Mondays, month ends and
//! leap days, and compares each with the start jiff computes for the same
//! instant. Needs `prometheus` (scripts/test.sh installs it); fails without
//! it unless `SLOOP_SKIP_PROMETHEUS` is set.

use jiff::{Timestamp, ToSpan, civil::Weekday, tz::TimeZone};
use sloop_core::model::{CalendarUnit, CalendarWindow};
use sloop_rules::generate::calendar_period_start;
use sloop_testkit::prometheus::{Prometheus, StartOptions};

/// The first instant of the period holding the second `t` (UTC): the day,
/// the week from Monday, the month.
fn expected(unit: CalendarUnit, t: i64) -> i64 {
    let date = Timestamp::from_second(t).unwrap().to_zoned(TimeZone::UTC).date();
    let first = match unit {
        CalendarUnit::Day => date,
        CalendarUnit::Week => date.checked_sub(i64::from(date.weekday().since(Weekday::Monday)).days()).unwrap(),
        CalendarUnit::Month => date.first_of_month(),
        other => unreachable!("{other:?} has no PromQL start"),
    };
    first.to_zoned(TimeZone::UTC).unwrap().timestamp().as_second()
}

#[test]
fn period_starts_match_the_calendar() {
    if !Prometheus::required_by("period_starts_match_the_calendar") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prom = Prometheus::start(StartOptions::new(dir.path().join("data"))).unwrap();
    let ts = |s: &str| s.parse::<Timestamp>().unwrap().as_second();
    // Around midnights, a Sunday→Monday, month ends of 28, 29, 30 and 31
    // days, a year end, and plain instants.
    let mut instants = vec![
        ts("2024-02-29T23:59:59Z"),
        ts("2024-03-01T00:00:00Z"),
        ts("2024-03-01T00:00:01Z"),
        ts("2023-02-28T12:00:00Z"),
        ts("2026-11-30T23:59:59Z"),
        ts("2026-12-01T00:00:00Z"),
        ts("2026-12-31T23:59:59Z"),
        ts("2027-01-01T00:00:00Z"),
        ts("2026-11-22T23:59:59Z"), // a Sunday
        ts("2026-11-23T00:00:00Z"), // a Monday
        ts("2026-11-23T00:00:01Z"),
    ];
    // And every 37 hours and 13 minutes across two years.
    let mut t = ts("2025-01-01T00:00:00Z");
    while t < ts("2027-01-01T00:00:00Z") {
        instants.push(t);
        t += 37 * 3600 + 13 * 60;
    }
    for unit in [CalendarUnit::Day, CalendarUnit::Week, CalendarUnit::Month] {
        let (expr, _) = calendar_period_start(&CalendarWindow { unit, count: 1, time_zone: "UTC".into() }).unwrap();
        for &at in &instants {
            let got = prom.query_value(&expr, Some(at as f64)).unwrap();
            assert_eq!(
                got,
                Some(expected(unit, at) as f64),
                "{unit:?} at {at} ({})",
                Timestamp::from_second(at).unwrap()
            );
        }
    }
}
