//! Calendar windows: the error ratio and budget of the current period so far.
//!
//! A calendar window (this day, this week, this month) resets at the start of
//! each period, so its length changes every evaluation: on the 3rd of the
//! month it is 2 days and some hours, on the 28th almost four weeks. PromQL
//! ranges are constants, so the period cannot be a range. It can be a
//! *filter*: a subquery over the longest possible period (31 days for a
//! month) that keeps only the base samples recorded after the period began.
//!
//! ```text
//! sloop:slo_period_start:timestamp   the period's first instant, from time()
//!                                    and the calendar functions (UTC)
//! sloop:slo_error_ratio:period       Σ bad rate / Σ total rate over the base
//!                                    samples since that instant
//! sloop:slo_error_budget_remaining:period
//! ```
//!
//! `@ end()` pins the period start to the evaluation instant inside the
//! subquery, whose own steps each have their own `time()`. The subquery steps
//! by the long group's interval, the interval the base series are recorded
//! at, so every base sample is read exactly once, as the rolling windows'
//! `sum_over_time` does.
//!
//! What cannot be expressed, and says so instead: a quarter or a year
//! (Prometheus 2.x has no `day_of_year()` to find their first day), several
//! periods per window, and time zones other than UTC (PromQL's calendar
//! functions are UTC; a fixed offset would be wrong across daylight saving).

use sloop_core::Duration;
use sloop_core::model::{CalendarUnit, CalendarWindow};

use super::{Ctx, record};
use crate::conventions::{BAD_RATE, PERIOD_BUDGET_REMAINING, PERIOD_ERROR_RATIO, PERIOD_START, TOTAL_RATE};
use crate::promql::EventRates;
use crate::rules::Rule;

/// The start of the current period as PromQL (a one-element vector of unix
/// seconds, UTC), and the longest the period can be; or why it cannot be
/// expressed.
pub fn period_start(c: &CalendarWindow) -> Result<(String, Duration), String> {
    if c.count != 1 {
        return Err(format!(
            "a window of {} calendar {}s has no expressible start in PromQL",
            c.count,
            c.unit.as_str()
        ));
    }
    // Midnight today, UTC.
    const MIDNIGHT: &str = "vector(time() - time() % 86400)";
    Ok(match c.unit {
        CalendarUnit::Day => (MIDNIGHT.to_string(), Duration::from_days(1)),
        // day_of_week() is 0 on Sunday; weeks start on Monday.
        CalendarUnit::Week => (format!("{MIDNIGHT} - ((day_of_week() + 6) % 7) * 86400"), Duration::from_days(7)),
        CalendarUnit::Month => (format!("{MIDNIGHT} - (day_of_month() - 1) * 86400"), Duration::from_days(31)),
        CalendarUnit::Quarter | CalendarUnit::Year => {
            return Err(format!(
                "the start of a {} cannot be computed in Prometheus 2.x PromQL (there is no day_of_year())",
                c.unit.as_str()
            ));
        }
    })
}

/// Whether the zone is UTC under one of its names.
fn is_utc(zone: &str) -> bool {
    matches!(zone, "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Etc/Zulu" | "Zulu" | "GMT" | "Etc/GMT" | "Etc/GMT0")
}

/// The period-to-date rules of a calendar window, and a note on what they
/// measure (or why there are none).
pub(crate) fn rules(ctx: &Ctx<'_>, c: &CalendarWindow) -> (Vec<Rule>, String) {
    let what = format!("calendar {} ({})", c.unit.as_str(), c.time_zone);
    let alerts = format!("the burn-rate alerts and the rolling ratios use its nominal length of {}", ctx.window);
    if !matches!(ctx.rates, EventRates::Events { .. }) {
        return (
            Vec::new(),
            format!("{what}: {alerts}; a raw ratio has no event counts to sum over the period so far"),
        );
    }
    let (start, longest) = match period_start(c) {
        Ok(s) => s,
        Err(why) => return (Vec::new(), format!("{what}: {alerts}; {why}, so only rolling ratios are recorded")),
    };
    let sel = &ctx.selector;
    let step = ctx.options.long_interval;
    let since = |series: &str| {
        format!(
            "sum_over_time(({series}{sel} and on() (vector(time()) > scalar({PERIOD_START}{sel} @ end())))[{longest}:{step}])"
        )
    };
    let rules = vec![
        record(PERIOD_START.into(), start, ctx.id_labels.clone()),
        record(
            PERIOD_ERROR_RATIO.into(),
            format!("{}\n/\n({} > 0)", since(BAD_RATE), since(TOTAL_RATE)),
            ctx.labels.clone(),
        ),
        record(
            PERIOD_BUDGET_REMAINING.into(),
            format!("1 - {PERIOD_ERROR_RATIO}{sel} / {}", ctx.budget),
            ctx.labels.clone(),
        ),
    ];
    let zone = if is_utc(&c.time_zone) {
        String::new()
    } else {
        format!(
            " Periods start at midnight UTC, not in {}: PromQL has no time zones (`sloop report` counts {} periods exactly).",
            c.time_zone, c.time_zone
        )
    };
    let note = format!(
        "{what}: {PERIOD_ERROR_RATIO} and {PERIOD_BUDGET_REMAINING} hold the {} so far; {alerts}.{zone}",
        c.unit.as_str()
    );
    (rules, note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(unit: CalendarUnit, count: u32) -> CalendarWindow {
        CalendarWindow { unit, count, time_zone: "UTC".into() }
    }

    #[test]
    fn only_days_weeks_and_months_have_an_expressible_start() {
        assert_eq!(period_start(&cal(CalendarUnit::Day, 1)).unwrap().1, Duration::from_days(1));
        assert!(period_start(&cal(CalendarUnit::Week, 1)).unwrap().0.contains("day_of_week()"));
        assert_eq!(period_start(&cal(CalendarUnit::Month, 1)).unwrap().1, Duration::from_days(31));
        assert!(period_start(&cal(CalendarUnit::Quarter, 1)).unwrap_err().contains("day_of_year"));
        assert!(period_start(&cal(CalendarUnit::Year, 1)).is_err());
        assert!(period_start(&cal(CalendarUnit::Month, 2)).is_err());
        for (text, _) in
            [CalendarUnit::Day, CalendarUnit::Week, CalendarUnit::Month].map(|u| period_start(&cal(u, 1)).unwrap())
        {
            promql_parser::parser::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }
}
