use std::cell::RefCell;
use std::collections::BTreeSet;

use super::*;
use crate::math::{Point, Window, window_counts};
use crate::source::SourceFile;
use crate::spec;

const DAY: i64 = 86_400;
/// 2026-11-21T12:00:00Z.
const END: i64 = 1_795_262_400;

fn objective(window: &str, target: &str) -> Objective {
    let yaml = format!(
        "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: avail\n    target: {target}\n    window: {window}\n    \
         ratio:\n      bad: sum(rate(errors_total[{{{{.window}}}}]))\n      total: sum(rate(requests_total[{{{{.window}}}}]))\n"
    );
    spec::load(&[SourceFile::new("t.yaml", &yaml)]).unwrap().manifest.objectives.remove(0)
}

/// One point a minute over 40 days before END: traffic varying 100× by day,
/// a few errors, and `incident` minutes of total failure at the end.
fn points(incident: i64) -> Vec<Point> {
    let mut out = Vec::new();
    let mut t = END - 40 * DAY;
    let mut x: u64 = 12345;
    while t < END {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let total = ((t / 3600 % 24) as f64 * 4.0 + 1.0) * (1 + (x >> 60)) as f64;
        let bad = if END - t <= incident * 60 { total } else { ((x >> 33) % 3) as f64 * (total / 200.0).floor() };
        out.push(Point::new(t, t + 60, total - bad, total).unwrap());
        t += 60;
    }
    out
}

fn counts_of(points: &[Point]) -> impl Fn(i64, i64) -> Option<Counts> + '_ {
    move |from, to| {
        let length = Duration::from_secs(u64::try_from(to - from).unwrap());
        Some(window_counts(points, Window::ending_at(to, length)))
    }
}

#[test]
fn numbers_are_exact_ratios_of_sums() {
    let obj = objective("30d", "99.5");
    let pts = points(0);
    let r = build(&obj, END, &counts_of(&pts));
    let in_window: Vec<&Point> = pts.iter().filter(|p| p.to > END - 30 * DAY && p.to <= END).collect();
    let good: f64 = in_window.iter().map(|p| p.counts.good()).sum();
    let total: f64 = in_window.iter().map(|p| p.counts.total()).sum();
    assert_eq!((r.good, r.total), (good, total));
    assert_eq!(r.sli, Some(good / total));
    let b = r.budget.unwrap();
    let expected_left = 1.0 - (total - good) / (total * 0.005);
    assert!((b.left - expected_left).abs() < 1e-12, "{} vs {expected_left}", b.left);
    assert!((b.left_secs - b.left * 30.0 * DAY as f64 * 0.005).abs() < 1e-6);
    assert_eq!(r.status, if expected_left < 0.0 { Status::Breached } else { Status::Met });
    // The 1h burn rate from the last 60 points.
    let last: Vec<&Point> = pts.iter().filter(|p| p.to > END - 3600).collect();
    let (g, t): (f64, f64) = last.iter().fold((0.0, 0.0), |a, p| (a.0 + p.counts.good(), a.1 + p.counts.total()));
    assert!((r.burn_rates[0].rate.unwrap() - (1.0 - g / t) / 0.005).abs() < 1e-9);
    assert_eq!(r.burn_rates.iter().map(|b| b.window.as_str()).collect::<Vec<_>>(), ["1h", "6h", "1d", "3d"]);
    // The trend's slices partition the window, and the burn-down ends at the budget left.
    assert_eq!(r.trend.sli.len(), TREND_POINTS);
    assert_eq!(*r.trend.ends.last().unwrap(), END);
    let last_left = r.trend.budget_left.last().unwrap().unwrap();
    assert!((last_left - b.left).abs() < 1e-9, "{last_left} vs {}", b.left);
    assert_eq!(r.alerts.state, "ok");
}

#[test]
fn a_total_outage_pages_and_breaches_nothing_it_should_not() {
    let obj = objective("30d", "99.9");
    let pts = points(20);
    let r = build(&obj, END, &counts_of(&pts));
    assert_eq!(r.firing(), Some(AlertState::PageFiring));
    assert!(r.alerts.pairs.iter().any(|p| p.severity == "page" && p.long == "1h" && p.firing));
    // 20 minutes of total outage in the last hour: the 1h burn rate is far above 14.4.
    assert!(r.burn_rates[0].rate.unwrap() > 14.4);
    let b = r.budget.unwrap();
    assert!(b.exhaustion_secs.is_some());
}

#[test]
fn no_events_is_no_data_everywhere() {
    let obj = objective("7d", "99");
    let r = build(&obj, END, &|_, _| Some(Counts::ZERO));
    assert_eq!(r.status, Status::NoData);
    assert_eq!(r.sli, None);
    assert_eq!(r.budget, None);
    assert!(r.burn_rates.iter().all(|b| b.rate.is_none()));
    assert!(r.alerts.pairs.iter().all(|p| !p.firing));
    assert!(r.trend.sli.iter().all(Option::is_none));
    assert!(r.trend.budget_left.iter().all(Option::is_none));
    // Unknown counts (a failed source) read the same way, not as zero errors.
    let unknown = build(&obj, END, &|_, _| None);
    assert_eq!(unknown.status, Status::NoData);
    let json = serde_json::to_string(&unknown).unwrap();
    assert!(!json.contains("NaN"), "{json}");
}

#[test]
fn build_asks_only_for_the_windows_it_announced() {
    for (window, target) in [("30d", "99.9"), ("28d", "99"), ("1h", "95")] {
        let obj = objective(window, target);
        let announced: BTreeSet<(i64, i64)> = windows_needed(&obj, END).into_iter().collect();
        let asked = RefCell::new(BTreeSet::new());
        let _ = build(&obj, END, &|a, b| {
            asked.borrow_mut().insert((a, b));
            Some(Counts::ZERO)
        });
        let extra: Vec<_> = asked.borrow().difference(&announced).copied().collect();
        assert!(extra.is_empty(), "{window}: asked for unannounced {extra:?}");
    }
}

#[test]
fn calendar_windows_start_at_the_period() {
    let ts = |s: &str| s.parse::<Timestamp>().unwrap().as_second();
    let cal = |unit, tz: &str| TimeWindow::Calendar(CalendarWindow { unit, count: 1, time_zone: tz.into() });
    let end = ts("2026-11-21T12:00:00Z");
    assert_eq!(window_bounds(&cal(CalendarUnit::Month, "UTC"), end).0, ts("2026-11-01T00:00:00Z"));
    assert_eq!(window_bounds(&cal(CalendarUnit::Day, "UTC"), end).0, ts("2026-11-21T00:00:00Z"));
    // 2026-11-21 is a Saturday: the week began on Monday the 16th.
    assert_eq!(window_bounds(&cal(CalendarUnit::Week, "UTC"), end).0, ts("2026-11-16T00:00:00Z"));
    assert_eq!(window_bounds(&cal(CalendarUnit::Quarter, "UTC"), end).0, ts("2026-10-01T00:00:00Z"));
    assert_eq!(window_bounds(&cal(CalendarUnit::Year, "UTC"), end).0, ts("2026-01-01T00:00:00Z"));
    // In Paris (UTC+1 in November) the month began an hour earlier in UTC.
    assert_eq!(window_bounds(&cal(CalendarUnit::Month, "Europe/Paris"), end).0, ts("2026-10-31T23:00:00Z"));
    // The window that ends exactly at midnight is the whole previous month.
    assert_eq!(
        window_bounds(&cal(CalendarUnit::Month, "UTC"), ts("2026-12-01T00:00:00Z")).0,
        ts("2026-11-01T00:00:00Z")
    );
    let two = TimeWindow::Calendar(CalendarWindow { unit: CalendarUnit::Month, count: 2, time_zone: "UTC".into() });
    assert_eq!(window_bounds(&two, end).0, ts("2026-10-01T00:00:00Z"));
}

#[test]
fn summary_counts_each_state() {
    let pts = points(20);
    let met = build(&objective("30d", "90"), END, &counts_of(&pts));
    let none = build(&objective("30d", "90"), END, &|_, _| None);
    let report = assemble(END, vec![met, none]);
    assert_eq!(report.summary, Summary { met: 1, breached: 0, no_data: 1, alerting: 0 });
    assert_eq!(report.generated_at, "2026-11-21T12:00:00Z");
}

#[test]
fn history_at_the_report_grain_is_the_report_trend() {
    let o = objective("30d", "99.9");
    let end = 40 * 86_400;
    let counts = |from: i64, to: i64| Counts::new(((to - from) as f64) * 0.999, (to - from) as f64).ok();
    let report = build(&o, end, &counts);
    assert_eq!(history(&o, end, TREND_POINTS, &counts), report.trend);
    let fine = history(&o, end, 120, &counts);
    assert_eq!(fine.ends.len(), 120);
    assert_eq!(fine.ends.last(), Some(&end));
    assert!(history_windows(&o, end, 120).contains(&(end - 30 * 86_400, end)));
}
