//! Properties of the SLO math that must hold for any valid input.

use proptest::prelude::*;

use sloop_core::math::*;
use sloop_core::{Duration, Target};

/// Any target with one to six decimals as a fraction: 0.000001 … 0.999999.
fn target() -> impl Strategy<Value = Target> {
    (1u32..=6).prop_flat_map(|scale| {
        let one = 10u64.pow(scale);
        (1..one).prop_map(move |units| {
            Target::from_fraction_str(&format!("0.{units:0>width$}", width = scale as usize)).unwrap()
        })
    })
}

/// The usual targets, where budgets are small.
fn common_target() -> impl Strategy<Value = Target> {
    prop::sample::select(vec!["90", "95", "99", "99.5", "99.9", "99.95", "99.99", "99.999"])
        .prop_map(|s| Target::from_percent_str(s).unwrap())
}

fn rel_close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1.0)
}

proptest! {
    #[test]
    fn consumed_plus_left_is_the_whole_budget(sli in 0.0f64..=1.0, t in target()) {
        let (left, consumed) = (budget_left(sli, t), budget_consumed(sli, t));
        prop_assert!(rel_close(consumed + left, 1.0, 1e-12 * left.abs().max(1.0)), "{consumed} + {left}");
        // Over the whole window, the share consumed is the burn rate.
        prop_assert!(rel_close(consumed, burn_rate(sli, t), 1e-12 * consumed.abs().max(1.0)), "{consumed}");
    }

    #[test]
    fn counts_budget_agrees_with_the_sli_formula(good in 0u32..1_000_000, extra in 0u32..1_000_000, t in target()) {
        let total = f64::from(good) + f64::from(extra) + 1.0;
        let c = Counts::new(f64::from(good), total).unwrap();
        let b = Budget::of(c, t).unwrap();
        prop_assert!(rel_close(b.consumed + b.left, 1.0, 1e-15 * b.left.abs().max(1.0)));
        let scale = b.left.abs().max(1.0);
        prop_assert!(rel_close(b.left, budget_left(b.sli, t), 1e-9 * scale), "{} vs {}", b.left, budget_left(b.sli, t));
        prop_assert!(rel_close(b.consumed, burn_rate_of(c, t).unwrap(), 1e-15));
    }

    #[test]
    fn burning_at_rate_one_spends_exactly_the_budget(total in 1.0f64..1e12, t in common_target(), days in 1u64..400) {
        let c = Counts::from_bad(total * t.budget(), total).unwrap();
        let b = Budget::of(c, t).unwrap();
        prop_assert!(b.left.abs() <= 1e-9, "left {}", b.left);
        prop_assert!(rel_close(b.consumed, 1.0, 1e-9), "consumed {}", b.consumed);
        let burn = burn_rate_of(c, t).unwrap();
        prop_assert!(rel_close(burn, 1.0, 1e-9), "burn {burn}");
        // A full budget at that rate lasts the SLO window.
        let w = Duration::from_days(days);
        let secs = time_to_exhaustion_secs(1.0, burn, w).unwrap();
        prop_assert!(rel_close(secs, w.as_secs_f64(), 1e-9), "{secs}");
    }

    #[test]
    fn burn_rate_grows_with_bad_events(
        total in 1.0f64..1e9, a in 0.0f64..=1.0, b in 0.0f64..=1.0, t in target()
    ) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let burn = |share: f64| burn_rate_of(Counts::from_bad(total * share, total).unwrap(), t).unwrap();
        prop_assert!(burn(lo) <= burn(hi));
        prop_assert!(burn(0.0) == 0.0);
        prop_assert!(rel_close(burn(1.0), 1.0 / t.budget(), 1e-15));
    }

    #[test]
    fn threshold_times_window_ratio_is_the_share(
        slo in 60u64..(400 * 86_400), long in 60u64..(400 * 86_400), share in 0.0001f64..=1.0
    ) {
        let (w, l) = (Duration::from_secs(slo), Duration::from_secs(long));
        let th = burn_rate_threshold(w, l, share);
        prop_assert!(rel_close(th * l.as_secs_f64() / w.as_secs_f64(), share, 1e-12));
    }

    #[test]
    fn occurrences_do_not_care_how_events_are_split(
        minutes in prop::collection::vec((0u32..10_000, 0u32..10_000, 1usize..5), 1..40)
    ) {
        // Each minute's (good, bad) is cut into `parts` points inside that minute;
        // whole numbers below 2^53 add exactly, so the SLI must be identical.
        let mut whole = Vec::new();
        let mut split = Vec::new();
        let (mut good_sum, mut total_sum) = (0.0, 0.0);
        for (i, &(good, bad, parts)) in minutes.iter().enumerate() {
            let start = i as i64 * 60;
            let (g, tot) = (f64::from(good), f64::from(good) + f64::from(bad));
            good_sum += g;
            total_sum += tot;
            whole.push(Point::new(start, start + 60, g, tot).unwrap());
            let step = 60 / parts as i64;
            let n = parts as u32;
            for k in 0..parts as u32 {
                // The last part takes the remainders.
                let gk = good / n + if k + 1 == n { good % n } else { 0 };
                let bk = bad / n + if k + 1 == n { bad % n } else { 0 };
                let from = start + i64::from(k) * step;
                let to = if k + 1 == n { start + 60 } else { from + step };
                split.push(Point::new(from, to, f64::from(gk), f64::from(gk + bk)).unwrap());
            }
        }
        let w = Window::ending_at(minutes.len() as i64 * 60, Duration::from_secs(minutes.len() as u64 * 60));
        let expected = if total_sum > 0.0 { Some(good_sum / total_sum) } else { None };
        prop_assert_eq!(occurrences_sli(&whole, w), expected);
        prop_assert_eq!(occurrences_sli(&split, w), expected);
        // Slices of one minute rebuild the same per-minute counts from either series.
        let m = Duration::from_mins(1);
        prop_assert_eq!(slices(&whole, w, m), slices(&split, w, m));
    }

    #[test]
    fn meets_target_is_the_integer_comparison(good in 0u64..1u64 << 32, bad in 0u64..1u64 << 32, t in target()) {
        let total = good + bad;
        prop_assume!(total > 0);
        let (num, den) = ratio(t);
        let exact = u128::from(good) * u128::from(den) >= u128::from(total) * u128::from(num);
        let c = Counts::new(good as f64, total as f64).unwrap();
        prop_assert_eq!(meets_target(c, t), Some(exact));
    }

    #[test]
    fn slice_ends_are_the_next_multiple(t in -1_000_000_000i64..1_000_000_000, s in 1u64..100_000) {
        let e = slice_end(t, Duration::from_secs(s));
        let s = s as i64;
        prop_assert!(e >= t && e - t < s && e.rem_euclid(s) == 0, "{t} {s} {e}");
    }

    #[test]
    fn slis_stay_between_zero_and_one(
        pts in prop::collection::vec((0u32..1000, 0u32..1000), 0..30), t in common_target()
    ) {
        let points: Vec<Point> = pts
            .iter()
            .enumerate()
            .map(|(i, &(g, b))| Point::new(i as i64 * 30, i as i64 * 30 + 30, f64::from(g), f64::from(g + b)).unwrap())
            .collect();
        let w = Window::ending_at(pts.len() as i64 * 30, Duration::from_secs(pts.len() as u64 * 30));
        let m = Duration::from_mins(1);
        let has_data = pts.iter().any(|&(g, b)| g + b > 0);
        for sli in [occurrences_sli(&points, w), timeslices_sli(&points, w, m, t), ratio_timeslices_sli(&points, w, m)] {
            prop_assert_eq!(sli.is_some(), has_data);
            if let Some(s) = sli {
                prop_assert!((0.0..=1.0).contains(&s), "{s}");
            }
        }
    }
}

/// The target's exact decimal, from its string.
fn ratio(t: Target) -> (u64, u64) {
    let digits = t.fraction_string().trim_start_matches("0.").to_string();
    (digits.parse().unwrap(), 10u64.pow(digits.len() as u32))
}
