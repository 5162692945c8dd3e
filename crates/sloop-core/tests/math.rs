//! The SLO math against the SRE workbook's numbers and its edge cases.

use std::cell::RefCell;
use std::collections::BTreeMap;

use sloop_core::Error;
use sloop_core::alerting::{AlertPolicy, Severity};
use sloop_core::math::*;
use sloop_core::model::BudgetingMethod;
use sloop_core::{Duration, Target};

const DAY: u64 = 86_400;

fn pct(s: &str) -> Target {
    Target::from_percent_str(s).unwrap()
}

fn counts(good: f64, total: f64) -> Counts {
    Counts::new(good, total).unwrap()
}

fn bad_of(bad: f64, total: f64) -> Counts {
    Counts::from_bad(bad, total).unwrap()
}

#[track_caller]
fn close(got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "got {got}, want {want}");
}

// ---- counts and the SLI ----

#[test]
fn counts_are_checked_when_made() {
    let c = counts(999.5, 1000.0);
    assert_eq!((c.good(), c.total(), c.bad()), (999.5, 1000.0, 0.5));
    assert_eq!(c.sli(), Some(0.9995));
    assert_eq!(c.error_ratio(), Some(0.0005));
    assert_eq!(bad_of(1.0, 1000.0).good(), 999.0);

    let e = Counts::new(1001.0, 1000.0).unwrap_err();
    assert!(e.reason.contains("good events cannot outnumber all events"), "{e}");
    assert!(Counts::from_bad(2.0, 1.0).unwrap_err().reason.contains("bad events cannot outnumber"));
    assert!(Counts::new(-1.0, 10.0).unwrap_err().reason.contains("cannot be negative"));
    assert!(Counts::new(1.0, -10.0).is_err());
    assert!(Counts::new(f64::NAN, 10.0).unwrap_err().reason.contains("finite"));
    assert!(Counts::new(1.0, f64::INFINITY).unwrap_err().reason.contains("finite"));
    assert!(Counts::from_bad(f64::NAN, 1.0).is_err());

    // Clamped reads extrapolation noise as "no failures", but still refuses junk.
    assert_eq!(Counts::clamped(1000.0000001, 1000.0).unwrap(), counts(1000.0, 1000.0));
    assert!(Counts::clamped(-0.5, 10.0).is_err());
    assert!(Counts::clamped(1.0, f64::NAN).is_err());
}

#[test]
fn math_errors_become_crate_errors() {
    let e = Counts::new(2.0, 1.0).unwrap_err().in_objective("web/availability");
    match &e {
        Error::Math { slo, reason } => {
            assert_eq!(slo, "web/availability");
            assert!(reason.starts_with("2 good events out of 1 in total"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().starts_with("web/availability: 2 good events"));
    let e: Error = Counts::new(-1.0, 1.0).unwrap_err().into();
    assert!(matches!(e, Error::Math { ref slo, .. } if slo.is_empty()));
}

#[test]
fn no_events_is_no_data() {
    for c in [Counts::ZERO, counts(0.0, 0.0), Counts::default()] {
        assert!(!c.has_data());
        assert_eq!(c.sli(), None);
        assert_eq!(c.error_ratio(), None);
        assert_eq!(Budget::of(c, pct("99.9")), None);
        assert_eq!(burn_rate_of(c, pct("99.9")), None);
    }
    assert_eq!(sli_of_sums([Counts::ZERO, Counts::ZERO]), None);
    assert_eq!(sli_of_sums([]), None);
}

#[test]
fn sli_is_a_ratio_of_sums_not_an_average_of_ratios() {
    // A quiet minute with its one request good, a busy one with 99 failures.
    let minutes = [counts(1.0, 1.0), counts(0.0, 99.0)];
    assert_eq!(sli_of_sums(minutes), Some(0.01));
    let average: f64 = minutes.iter().map(|c| c.sli().unwrap()).sum::<f64>() / 2.0;
    assert_eq!(average, 0.5); // what an average of ratios would wrongly report
    let total: Counts = minutes.iter().sum();
    assert_eq!((total.good(), total.total()), (1.0, 100.0));
}

// ---- targets ----

#[test]
fn targets_without_a_budget_are_refused() {
    assert!(Target::from_percent_str("100").unwrap_err().reason.contains("no error budget"));
    assert!(Target::from_fraction_str("1.0").unwrap_err().reason.contains("no error budget"));
    assert!(Target::from_percent_str("0").unwrap_err().reason.contains("above 0"));
    assert!(Target::from_percent_str("-1").is_err());
    assert!(Target::from_percent_f64(0.0).is_err());
    assert!(Target::from_percent_f64(100.0).is_err());
}

// ---- the budget ----

#[test]
fn budget_at_the_target_is_exactly_spent() {
    let b = Budget::of(counts(999.0, 1000.0), pct("99.9")).unwrap();
    assert_eq!(b, Budget { sli: 0.999, bad: 1.0, allowed_bad: 1.0, consumed: 1.0, left: 0.0 });
    assert!(!b.is_breached());
    assert_eq!(budget_left(0.999, pct("99.9")), 0.0);
    assert_eq!(budget_consumed(0.999, pct("99.9")), 1.0);
    let half = Budget::of(bad_of(5.0, 10_000.0), pct("99.9")).unwrap();
    assert_eq!((half.allowed_bad, half.consumed, half.left), (10.0, 0.5, 0.5));
    assert_eq!(budget_left(1.0, pct("99.9")), 1.0);
    assert_eq!(budget_consumed(1.0, pct("99.9")), 0.0);
    assert_eq!(budget_left(0.0, pct("99.9")), -999.0);
    assert_eq!(budget_left(0.9995, pct("99.9")), 0.5);
}

#[test]
fn all_bad_overspends_target_over_budget_times() {
    // left = (0 − target) / (1 − target): −999 at 99.9 %, −9 at 90 %, −1 at 50 %.
    for (t, left) in [("99.9", -999.0), ("90", -9.0), ("50", -1.0), ("99", -99.0)] {
        let b = Budget::of(counts(0.0, 500.0), pct(t)).unwrap();
        assert_eq!(b.sli, 0.0);
        close(b.left, left);
        close(b.consumed, 1.0 - left);
        close(budget_left(0.0, pct(t)), left);
        assert!(b.is_breached());
    }
}

#[test]
fn allowed_bad_events_and_downtime() {
    assert_eq!(allowed_bad_events(1_000_000.0, pct("99.9")), 1000.0);
    assert_eq!(allowed_bad_events(0.0, pct("99.9")), 0.0);
    let month = Duration::from_days(30);
    assert_eq!(allowed_downtime_secs(month, pct("90")), 72.0 * 3600.0);
    assert_eq!(allowed_downtime_secs(month, pct("99.9")), 2592.0);
    assert_eq!(whole_seconds(allowed_downtime_secs(month, pct("99.9"))).to_compact(), "43m12s");
    assert_eq!(allowed_downtime_secs(month, pct("99.99")), 259.2);
    assert_eq!(allowed_downtime_secs(month, pct("99.95")), 1296.0);
    assert_eq!(allowed_downtime_secs(Duration::from_days(28), pct("99.9")), 2419.2);
    assert_eq!(allowed_downtime_secs(Duration::from_days(7), pct("99.5")), 3024.0);
}

#[test]
fn whole_seconds_rounds_to_nearest() {
    assert_eq!(whole_seconds(51.84), Duration::from_secs(52));
    assert_eq!(whole_seconds(51.5), Duration::from_secs(52));
    assert_eq!(whole_seconds(51.49), Duration::from_secs(51));
    assert_eq!(whole_seconds(-3.0), Duration::from_secs(0));
    assert_eq!(whole_seconds(f64::NAN), Duration::from_secs(0));
}

// ---- burn rates and thresholds ----

#[test]
fn workbook_thresholds() {
    let t = |slo_days: u64, long: Duration, share: f64| burn_rate_threshold(Duration::from_days(slo_days), long, share);
    close(t(30, Duration::from_hours(1), 0.02), 14.4);
    close(t(30, Duration::from_hours(6), 0.05), 6.0);
    close(t(30, Duration::from_days(1), 0.10), 3.0);
    close(t(30, Duration::from_days(3), 0.10), 1.0);
    close(t(28, Duration::from_hours(1), 0.02), 13.44);
}

#[test]
fn burn_rates() {
    let t = pct("99.9");
    assert_eq!(burn_rate_of(bad_of(144.0, 10_000.0), t), Some(14.4));
    assert_eq!(burn_rate_of(bad_of(1.0, 1000.0), t), Some(1.0));
    assert_eq!(burn_rate_of(counts(10.0, 10.0), t), Some(0.0));
    assert_eq!(burn_rate_of(counts(0.0, 10.0), t), Some(1000.0));
    assert_eq!(burn_rate(0.999, t), 1.0);
    assert_eq!(burn_rate(0.0, t), 1000.0);
    close(burn_rate(0.9856, t), 14.4);
    assert_eq!(burn_rate(1.0, t), 0.0);
    assert_eq!(burn_rate(0.9, pct("90")), 1.0);
}

#[test]
fn reaching_a_threshold_tolerates_float_noise_only() {
    // (144 / 10 000) / 0.001 is 14.399999999999999 in floats: still 14.4.
    let noisy = (144.0 / 10_000.0) / 0.001;
    assert!(noisy < 14.4);
    assert!(burn_reaches(noisy, 14.4));
    assert!(burn_reaches(14.4, 14.4));
    assert!(!burn_reaches(14.4 * (1.0 - 1e-6), 14.4));
    assert!(!burn_reaches(14.39, 14.4));
    assert!(!burn_reaches(f64::NAN, 14.4));
}

#[test]
fn time_to_exhaustion() {
    let month = Duration::from_days(30);
    let secs = month.as_secs_f64();
    assert_eq!(time_to_exhaustion_secs(1.0, 1.0, month), Some(secs));
    assert_eq!(time_to_exhaustion_secs(0.5, 2.0, month), Some(secs / 4.0));
    assert_eq!(time_to_exhaustion_secs(1.0, 14.4, month), Some(secs / 14.4));
    assert_eq!(time_to_exhaustion_secs(0.0, 3.0, month), Some(0.0));
    assert_eq!(time_to_exhaustion_secs(-2.0, 3.0, month), Some(0.0));
    assert_eq!(time_to_exhaustion_secs(-2.0, 0.0, month), Some(0.0));
    assert_eq!(time_to_exhaustion_secs(0.7, 0.0, month), None);
    assert_eq!(time_to_exhaustion_secs(0.7, -1.0, month), None);
    assert_eq!(time_to_exhaustion_secs(0.7, f64::NAN, month), None);
}

#[test]
fn alert_table_for_thirty_days_at_three_nines() {
    let month = Duration::from_days(30);
    let (policy, _) = AlertPolicy::standard(month);
    let rows = alert_table(&policy, month, pct("99.9"));
    let want = [
        // severity, threshold, error ratio, exhaustion (s), detection (s)
        (Severity::Page, 14.4, 0.0144, 50.0 * 3600.0, 51.84),
        (Severity::Page, 6.0, 0.006, 5.0 * DAY as f64, 129.6),
        (Severity::Ticket, 3.0, 0.003, 10.0 * DAY as f64, 259.2),
        (Severity::Ticket, 1.0, 0.001, 30.0 * DAY as f64, 259.2),
    ];
    assert_eq!(rows.len(), 4);
    for (r, (sev, threshold, ratio, exhaustion, detection)) in rows.iter().zip(want) {
        assert_eq!(r.severity, sev);
        close(r.threshold, threshold);
        close(r.error_ratio, ratio);
        close(r.exhaustion_secs, exhaustion);
        close(r.detection_secs.unwrap(), detection);
        assert!(r.can_fire());
    }
    assert_eq!(whole_seconds(rows[0].exhaustion_secs).to_compact(), "2d2h");
    assert_eq!(whole_seconds(rows[0].detection_secs.unwrap()), Duration::from_secs(52));
    assert_eq!(
        (rows[1].long, rows[1].short, rows[1].budget_share),
        (Duration::from_hours(6), Duration::from_mins(30), 0.05)
    );
    // detection = long × threshold × budget, whatever the pair.
    for r in &rows {
        close(r.detection_secs.unwrap(), r.long.as_secs_f64() * r.threshold * 0.001);
    }
}

#[test]
fn a_fast_pair_cannot_fire_on_a_loose_target() {
    // At 90 %, 14.4 × 10 % = 144 % of events would have to fail.
    let month = Duration::from_days(30);
    let (policy, _) = AlertPolicy::standard(month);
    let rows = alert_table(&policy, month, pct("90"));
    close(rows[0].error_ratio, 1.44);
    assert_eq!(rows[0].detection_secs, None);
    assert!(!rows[0].can_fire());
    close(rows[1].detection_secs.unwrap(), 12_960.0); // 6h × 6 × 0.1 = 3.6h
    close(rows[2].detection_secs.unwrap(), 25_920.0);
    close(rows[3].detection_secs.unwrap(), 25_920.0);
    // A threshold needing exactly 100 % can fire, after the whole long window.
    let p = sloop_core::alerting::BurnRateWindow {
        severity: Severity::Ticket,
        long: Duration::from_days(3),
        short: Duration::from_hours(6),
        budget_share: 0.1,
    };
    let n = alert_pair_numbers(&p, Duration::from_days(300), pct("90"));
    close(n.error_ratio, 1.0);
    close(n.detection_secs.unwrap(), 3.0 * DAY as f64);
}

// ---- multi-window multi-burn-rate evaluation ----

fn eval_with(target: &str, per_window: &[(Duration, Counts)]) -> AlertEvaluation {
    let month = Duration::from_days(30);
    let (policy, _) = AlertPolicy::standard(month);
    let map: BTreeMap<Duration, Counts> = per_window.iter().copied().collect();
    evaluate_alerts(&policy, month, pct(target), |w| map.get(&w).copied())
}

fn all_windows(c: Counts) -> Vec<(Duration, Counts)> {
    let (policy, _) = AlertPolicy::standard(Duration::from_days(30));
    alert_windows(&policy).into_iter().map(|w| (w, c)).collect()
}

#[test]
fn the_windows_to_query() {
    let (policy, _) = AlertPolicy::standard(Duration::from_days(30));
    let secs: Vec<u64> = alert_windows(&policy).iter().map(|d| d.as_secs()).collect();
    assert_eq!(secs, [300, 1800, 3600, 7200, 21_600, DAY, 3 * DAY]);
    let calls = RefCell::new(Vec::new());
    evaluate_alerts(&policy, Duration::from_days(30), pct("99.9"), |w| {
        calls.borrow_mut().push(w.as_secs());
        None
    });
    assert_eq!(calls.into_inner(), secs, "one call per distinct window");
}

#[test]
fn healthy_is_ok() {
    let e = eval_with("99.9", &all_windows(bad_of(0.5, 1000.0)));
    assert_eq!(e.state, AlertState::Ok);
    assert_eq!(e.state.as_str(), "ok");
    assert!(e.pairs.iter().all(|p| !p.firing && p.long_burn == Some(0.5) && p.short_burn == Some(0.5)));
    let thresholds: Vec<f64> = e.pairs.iter().map(|p| p.threshold).collect();
    for (g, w) in thresholds.iter().zip([14.4, 6.0, 3.0, 1.0]) {
        close(*g, w);
    }
}

#[test]
fn nothing_measured_is_no_data() {
    let e = eval_with("99.9", &[]);
    assert_eq!(e.state, AlertState::NoData);
    assert!(e.pairs.iter().all(|p| !p.firing && p.long_burn.is_none() && !p.has_data()));
    let e = eval_with("99.9", &all_windows(Counts::ZERO));
    assert_eq!(e.state, AlertState::NoData);
    // All bad, but the 5m window is empty: the 1h pair cannot confirm, no other pair has data.
    let mut w = vec![(Duration::from_hours(1), counts(0.0, 10.0))];
    w.push((Duration::from_mins(5), Counts::ZERO));
    let e = eval_with("99.9", &w);
    assert_eq!(e.pairs[0].long_burn, Some(1000.0));
    assert_eq!(e.pairs[0].short_burn, None);
    assert!(!e.pairs[0].firing);
    assert_eq!(e.state, AlertState::NoData);
}

#[test]
fn fast_burn_pages() {
    let mut w = all_windows(bad_of(0.2, 1000.0));
    w.retain(|(d, _)| *d != Duration::from_hours(1) && *d != Duration::from_mins(5));
    w.push((Duration::from_hours(1), bad_of(20.0, 1000.0))); // burn 20
    w.push((Duration::from_mins(5), bad_of(3.0, 100.0))); // burn 30
    let e = eval_with("99.9", &w);
    let p = &e.pairs[0];
    assert_eq!((p.severity, p.long_burn, p.short_burn, p.firing), (Severity::Page, Some(20.0), Some(30.0), true));
    assert!(e.pairs[1..].iter().all(|p| !p.firing));
    assert_eq!(e.state, AlertState::PageFiring);
}

#[test]
fn a_burn_that_stopped_does_not_fire() {
    let w = [(Duration::from_hours(1), bad_of(20.0, 1000.0)), (Duration::from_mins(5), bad_of(0.0, 100.0))];
    let e = eval_with("99.9", &w);
    assert!(!e.pairs[0].firing);
    assert_eq!(e.state, AlertState::Ok);
}

#[test]
fn exactly_at_the_threshold_fires_and_just_under_does_not() {
    let at = [(Duration::from_hours(1), bad_of(144.0, 10_000.0)), (Duration::from_mins(5), bad_of(144.0, 10_000.0))];
    assert!(eval_with("99.9", &at).pairs[0].firing);
    let under = [(Duration::from_hours(1), bad_of(143.9, 10_000.0)), (Duration::from_mins(5), bad_of(144.0, 10_000.0))];
    assert!(!eval_with("99.9", &under).pairs[0].firing);
}

#[test]
fn slow_burn_tickets() {
    let mut w = all_windows(bad_of(1.5, 1000.0)); // burn 1.5 everywhere: only the 3d pair (threshold 1)
    let e = eval_with("99.9", &w);
    assert_eq!(e.pairs.iter().map(|p| p.firing).collect::<Vec<_>>(), [false, false, false, true]);
    assert_eq!(e.state, AlertState::TicketFiring);
    w.retain(|(d, _)| d.as_secs() != DAY && d.as_secs() != 7200);
    w.push((Duration::from_days(1), bad_of(3.5, 1000.0)));
    w.push((Duration::from_hours(2), bad_of(4.0, 1000.0)));
    let e = eval_with("99.9", &w);
    assert_eq!(e.pairs.iter().map(|p| p.firing).collect::<Vec<_>>(), [false, false, true, true]);
    assert_eq!(e.state, AlertState::TicketFiring);
}

#[test]
fn disabled_tiers_do_not_count() {
    let month = Duration::from_days(30);
    let all_bad = all_windows(counts(0.0, 100.0));
    let map: BTreeMap<Duration, Counts> = all_bad.iter().copied().collect();
    let (mut policy, _) = AlertPolicy::standard(month);
    let run = |p: &AlertPolicy| evaluate_alerts(p, month, pct("99.9"), |w| map.get(&w).copied());
    assert_eq!(run(&policy).state, AlertState::PageFiring);
    policy.page.enabled = false;
    let e = run(&policy);
    assert!(e.pairs.iter().all(|p| p.firing), "the condition is still shown");
    assert_eq!(e.state, AlertState::TicketFiring);
    policy.ticket.enabled = false;
    assert_eq!(run(&policy).state, AlertState::Disabled);
    let off = AlertPolicy::disabled(month);
    assert_eq!(run(&off).state, AlertState::Disabled);
    assert_eq!(AlertState::Disabled.as_str(), "disabled");
}

// ---- series and budgeting methods ----

fn pt(from: i64, to: i64, good: f64, total: f64) -> Point {
    Point::new(from, to, good, total).unwrap()
}

#[test]
fn points_are_checked() {
    assert!(Point::new(60, 60, 1.0, 1.0).unwrap_err().reason.contains("from` must be before its `to"));
    assert!(Point::new(0, 60, 2.0, 1.0).is_err());
    assert_eq!(pt(0, 60, 1.0, 2.0).counts, counts(1.0, 2.0));
}

#[test]
fn windows_are_half_open() {
    let w = Window::ending_at(1000, Duration::from_secs(100));
    assert_eq!(w.start(), 900);
    assert!(!w.contains(900));
    assert!(w.contains(901));
    assert!(w.contains(1000));
    assert!(!w.contains(1001));
    // A point straddling the start is counted whole when its `to` is inside.
    let points = [pt(850, 900, 0.0, 7.0), pt(880, 960, 5.0, 10.0), pt(960, 1000, 10.0, 10.0), pt(1000, 1060, 0.0, 9.0)];
    assert_eq!(window_counts(&points, w), counts(15.0, 20.0));
    assert_eq!(occurrences_sli(&points, w), Some(0.75));
    assert_eq!(points_in(&points, w).count(), 2);
}

#[test]
fn slices_align_to_multiples_of_their_length() {
    let m = Duration::from_mins(1);
    assert_eq!(slice_end(60, m), 60);
    assert_eq!(slice_end(61, m), 120);
    assert_eq!(slice_end(1, m), 60);
    assert_eq!(slice_end(0, m), 0);
    assert_eq!(slice_end(-30, m), 0);
    assert_eq!(slice_end(-60, m), -60);
    assert_eq!(slice_end(-61, m), -60);
    assert_eq!(slice_end(7, Duration::from_secs(0)), 7);
    let points = [pt(0, 30, 1.0, 1.0), pt(30, 60, 0.0, 1.0), pt(60, 90, 2.0, 2.0), pt(90, 120, 0.0, 0.0)];
    let s = slices(&points, Window::ending_at(120, Duration::from_mins(2)), m);
    assert_eq!(s, [Slice { end: 60, counts: counts(1.0, 2.0) }, Slice { end: 120, counts: counts(2.0, 2.0) }]);
}

#[test]
fn meets_target_is_exact() {
    let t = pct("99.9");
    assert_eq!(meets_target(counts(999.0, 1000.0), t), Some(true));
    assert_eq!(meets_target(counts(998.0, 999.0), t), Some(false));
    assert_eq!(meets_target(counts(998.9999999999999, 1000.0), t), Some(false));
    assert_eq!(meets_target(counts(59.94, 60.0), t), Some(true));
    assert_eq!(meets_target(counts(0.999, 1.0), t), Some(true));
    assert_eq!(meets_target(counts(99.0, 100.0), pct("99")), Some(true));
    assert_eq!(meets_target(counts(98.99, 100.0), pct("99")), Some(false));
    // Past 2^53 per product, still decided right when the ratios differ in the 11th digit.
    assert_eq!(meets_target(counts(9_999_999_999.0, 10_000_000_000.0), pct("99.99999999")), Some(true));
    assert_eq!(meets_target(counts(9_999_999_999.0, 10_000_000_000.0), pct("99.999999999")), Some(false));
    assert_eq!(meets_target(counts(9_999_999_999.0, 10_000_000_000.0), pct("99.9999999")), Some(true));
    assert_eq!(meets_target(Counts::ZERO, t), None);
    assert_eq!(meets_target(counts(1e307, 1e307), t), Some(true));
}

/// Five one-minute slices ending at 300: 100 % · 99 % · no events · 50 % · 99.5 %.
fn five_minutes() -> Vec<Point> {
    vec![
        pt(0, 30, 50.0, 50.0),
        pt(30, 60, 50.0, 50.0),
        pt(60, 120, 99.0, 100.0),
        pt(120, 180, 0.0, 0.0),
        pt(180, 240, 1.0, 2.0),
        pt(240, 270, 100.0, 100.0),
        pt(270, 300, 99.0, 100.0),
    ]
}

#[test]
fn the_three_budgeting_methods() {
    let points = five_minutes();
    let w = Window::ending_at(300, Duration::from_mins(5));
    let m = Duration::from_mins(1);
    // Occurrences: (100 + 99 + 1 + 199) / (100 + 100 + 2 + 200).
    assert_eq!(occurrences_sli(&points, w), Some(399.0 / 402.0));
    // Timeslices at 99 %: slices 1, 2 and 5 are good, 4 is not, 3 has no data.
    assert_eq!(timeslices_sli(&points, w, m, pct("99")), Some(0.75));
    assert_eq!(timeslices_sli(&points, w, m, pct("99.9")), Some(0.25));
    // Ratio timeslices: mean of 1, 0.99, 0.5, 0.995.
    close(ratio_timeslices_sli(&points, w, m).unwrap(), (1.0 + 0.99 + 0.5 + 0.995) / 4.0);
    let ts = BudgetingMethod::Timeslices { slice: m, slice_target: pct("99") };
    assert_eq!(series_sli(&points, w, &ts), Some(0.75));
    assert_eq!(series_sli(&points, w, &BudgetingMethod::Occurrences), Some(399.0 / 402.0));
    assert_eq!(
        series_sli(&points, w, &BudgetingMethod::RatioTimeslices { slice: m }),
        ratio_timeslices_sli(&points, w, m)
    );
    // A two-minute window: only the last two slices.
    let w2 = Window::ending_at(300, Duration::from_mins(2));
    assert_eq!(occurrences_sli(&points, w2), Some(200.0 / 202.0));
    assert_eq!(timeslices_sli(&points, w2, m, pct("99")), Some(0.5));
}

#[test]
fn series_without_events_have_no_sli() {
    let empty = [pt(0, 60, 0.0, 0.0), pt(60, 120, 0.0, 0.0)];
    let w = Window::ending_at(120, Duration::from_mins(2));
    let m = Duration::from_mins(1);
    assert_eq!(occurrences_sli(&empty, w), None);
    assert_eq!(timeslices_sli(&empty, w, m, pct("99")), None);
    assert_eq!(ratio_timeslices_sli(&empty, w, m), None);
    assert!(burn_down(&empty, w, &BudgetingMethod::Occurrences, pct("99"), m).is_empty());
    // Points outside the window do not count.
    let late = [pt(120, 180, 5.0, 5.0)];
    assert_eq!(occurrences_sli(&late, w), None);
    assert_eq!(timeslices_sli(&[], w, m, pct("99")), None);
}

#[test]
fn average_of_ratios_differs_from_occurrences() {
    // Same events, split differently across two minutes.
    let a = [pt(0, 60, 1.0, 1.0), pt(60, 120, 0.0, 99.0)];
    let b = [pt(0, 60, 0.5, 50.0), pt(60, 120, 0.5, 50.0)];
    let w = Window::ending_at(120, Duration::from_mins(2));
    let m = Duration::from_mins(1);
    assert_eq!(occurrences_sli(&a, w), Some(0.01));
    assert_eq!(occurrences_sli(&b, w), Some(0.01));
    assert_eq!(ratio_timeslices_sli(&a, w, m), Some(0.5));
    assert_eq!(ratio_timeslices_sli(&b, w, m), Some(0.01));
}

#[test]
fn burn_down_ends_at_the_windows_budget() {
    let points = five_minutes();
    let w = Window::ending_at(300, Duration::from_mins(5));
    let m = Duration::from_mins(1);
    let t = pct("99");
    let occ = burn_down(&points, w, &BudgetingMethod::Occurrences, t, m);
    let at: Vec<i64> = occ.iter().map(|p| p.at).collect();
    assert_eq!(at, [60, 120, 180, 240, 300]);
    // Allowed: 402 × 1 % = 4.02 bad events; bad so far: 0, 1, 1, 2, 3.
    let want = [1.0, 1.0 - 1.0 / 4.02, 1.0 - 1.0 / 4.02, 1.0 - 2.0 / 4.02, 1.0 - 3.0 / 4.02];
    for (p, w) in occ.iter().zip(want) {
        close(p.left, w);
    }
    close(occ[4].left, Budget::of(window_counts(&points, w), t).unwrap().left);
    // Timeslices: 4 slices with data, 0.04 bad slices allowed, one bad slice at 240.
    let ts = burn_down(&points, w, &BudgetingMethod::Timeslices { slice: m, slice_target: t }, t, m);
    let left: Vec<f64> = ts.iter().map(|p| p.left).collect();
    assert_eq!(left[..3], [1.0, 1.0, 1.0]);
    close(left[3], 1.0 - 1.0 / 0.04);
    close(left[4], budget_left(0.75, t));
    // Ratio timeslices: the end matches the SLI's budget.
    let rt = burn_down(&points, w, &BudgetingMethod::RatioTimeslices { slice: m }, t, m);
    close(rt[4].left, budget_left(ratio_timeslices_sli(&points, w, m).unwrap(), t));
    // A window end between steps is the last point; no step gives only it.
    let w = Window::ending_at(290, Duration::from_secs(290));
    let at: Vec<i64> = burn_down(&points, w, &BudgetingMethod::Occurrences, t, m).iter().map(|p| p.at).collect();
    assert_eq!(at, [60, 120, 180, 240, 290]);
    let only = burn_down(&points, w, &BudgetingMethod::Occurrences, t, Duration::from_secs(0));
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].at, 290);
}
