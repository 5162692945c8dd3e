//! Checks of what a store sums: every window exact, whatever was written
//! in what order, pruned or not.

use sloop_core::measure::Measurement;
use sloop_core::model::Labels;

use super::MakeStore;
use super::support::{Model, Rng, ZERO, assert_all_windows, assert_matches, assert_window, labels, m, mi, write_ok};
use crate::{StoreError, Written};

/// An instant in 2027, so timestamps look like real ones.
const T0: i64 = 1_800_000_000;

/// The `k`-th minute after `T0`.
fn minute(k: i64) -> (i64, i64) {
    (T0 + 60 * k, T0 + 60 * (k + 1))
}

fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    result.unwrap_or_else(|e| panic!("{what} failed: {e}"))
}

fn slo(name: &str) -> Labels {
    labels(&[("service", "web"), ("slo", name)])
}

pub(super) fn fresh_store_is_empty(make: &MakeStore<'_>) {
    let store = make();
    let web = slo("availability");
    assert_eq!(ok(store.series(), "series() of a fresh store"), Vec::<Labels>::new(), "a fresh store lists series");
    let at = [i64::MIN, -1, 0, T0, i64::MAX];
    assert_eq!(
        ok(store.cumulative(&web, &at), "cumulative of a series never written"),
        vec![ZERO; at.len()],
        "a series never written must sum to zero at every instant"
    );
    assert_eq!(ok(store.counts(&web, 0, T0), "counts"), ZERO, "a series never written has no events");
    assert_eq!(ok(store.points(&web, i64::MIN, i64::MAX), "points"), vec![], "a series never written has no points");
    assert_eq!(ok(store.last_to(&web), "last_to"), None, "a series never written has no newest point");
    assert_eq!(ok(store.write(&[]), "writing an empty batch"), Written::default(), "an empty batch writes nothing");
    assert_eq!(ok(store.prune(i64::MAX), "pruning an empty store"), 0, "pruning an empty store deletes nothing");

    let other = slo("latency");
    write_ok(&*store, &[mi(&other, minute(0), (1, 2))], Written { inserted: 1, ..Written::default() }, "one point");
    assert_eq!(
        ok(store.cumulative(&web, &[T0, T0 + 60, T0 + 120]), "cumulative"),
        vec![ZERO; 3],
        "writing {other:?} must not give {web:?} events"
    );
}

/// The items of `series` in the order a seed asks for: in time order, fully
/// shuffled, or nearly in order with some late arrivals.
fn arrival_order(rng: &mut Rng, mut items: Vec<Measurement>, how: u64) -> Vec<Measurement> {
    items.sort_by_key(|m| m.to);
    match how {
        0 => {}
        1 => rng.shuffle(&mut items),
        _ => {
            for i in 0..items.len() {
                if rng.chance(20) {
                    let j = (i + 1 + rng.below(20) as usize).min(items.len() - 1);
                    items.swap(i, j);
                }
            }
        }
    }
    items
}

pub(super) fn window_sums_match_brute_force(make: &MakeStore<'_>) {
    for seed in 0..3u64 {
        let store = make();
        let mut rng = Rng::new(0x5100_0000 + seed);
        let series: Vec<Labels> = (0..3).map(|i| slo(&format!("s{i}"))).collect();
        let mut items = Vec::new();
        for l in &series {
            let start = T0 + rng.below(1000) as i64;
            for interval in rng.intervals(start, 150) {
                items.push(mi(l, interval, rng.counts()));
            }
        }
        let items = arrival_order(&mut rng, items, seed);

        // Random batches mixing series, some carrying rewrites of intervals
        // (same counts or new ones), written before or after the original.
        let mut model = Model::default();
        let mut rest = items.as_slice();
        let mut n = 0;
        while !rest.is_empty() {
            let size = (1 + rng.below(40) as usize).min(rest.len());
            let mut batch = rest[..size].to_vec();
            rest = &rest[size..];
            if rng.chance(30) {
                let again = &items[rng.below(items.len() as u64) as usize];
                let counts = if rng.chance(50) { (again.good as u64, again.total as u64) } else { rng.counts() };
                batch.push(mi(&again.labels, (again.from, again.to), counts));
            }
            let expected = model.apply(&batch);
            write_ok(&*store, &batch, expected, &format!("seed {seed}, batch {n}"));
            n += 1;
        }
        let context = format!("random batches (seed {seed}, {n} batches)");
        assert_matches(&*store, &model, &context);

        // Windows between arbitrary instants, not only point boundaries.
        for l in &series {
            let instants = model.instants(l);
            let (first, last) = (instants[0], instants[instants.len() - 1]);
            for _ in 0..100 {
                let a = first - 500 + rng.below((last - first + 1000) as u64) as i64;
                let b = a + rng.below((last - a + 500).max(1) as u64) as i64;
                assert_window(&*store, &model, l, a, b, &context);
                let points = ok(store.points(l, a, b), "points");
                assert_eq!(points, model.points(l, a, b), "{context}: points of {l:?} with to in ({a}, {b}]");
            }
        }
    }
}

pub(super) fn cumulative_answers_in_order(make: &MakeStore<'_>) {
    let store = make();
    let web = slo("availability");
    let batch = [mi(&web, minute(0), (1, 2)), mi(&web, minute(1), (3, 4)), mi(&web, minute(2), (5, 6))];
    write_ok(&*store, &batch, Written { inserted: 3, ..Written::default() }, "three points");
    let at = [T0 + 120, T0, T0 + 180, T0 + 120, T0 - 5, T0 + 150, T0 + 10_000, T0 + 59];
    let expected = [(4, 6), (0, 0), (9, 12), (4, 6), (0, 0), (4, 6), (9, 12), (0, 0)];
    let got = ok(store.cumulative(&web, &at), "cumulative at unsorted, repeated instants");
    let got: Vec<(f64, f64)> = got.iter().map(|c| (c.good(), c.total())).collect();
    let expected: Vec<(f64, f64)> = expected.iter().map(|&(g, t)| (g as f64, t as f64)).collect();
    assert_eq!(got, expected, "cumulative must answer each instant of {at:?} in the order given");
}

pub(super) fn integer_counts_sum_exactly(make: &MakeStore<'_>) {
    // Counts near 2^42 summed over 1,000 points: sums near 2^52, where an f64
    // still holds every integer. Any window must come out exactly, although
    // it is the difference of two large sums.
    let store = make();
    let big = slo("big");
    let mut rng = Rng::new(42);
    let mut items: Vec<Measurement> = (0..1000)
        .map(|k| {
            let total = (1u64 << 42) + rng.below(1000);
            mi(&big, minute(k), (total - rng.below(100), total))
        })
        .collect();
    // Written out of order, so sums are recomputed over and over.
    rng.shuffle(&mut items);
    let mut model = Model::default();
    for batch in items.chunks(100) {
        let expected = model.apply(batch);
        write_ok(&*store, batch, expected, "large integer counts");
    }
    let (good, total) = model.sums(&big, i64::MIN, i64::MAX);
    assert!(total < 1 << 53, "the test's own sums must stay below 2^53");
    let all = ok(store.counts(&big, T0, T0 + 60_000), "counts over all");
    assert!(
        all.good() == good as f64 && all.total() == total as f64,
        "1,000 counts near 2^42 sum to {good} good of {total}, the store says {} of {}",
        all.good(),
        all.total()
    );
    assert_all_windows(&*store, &model, &big, &model.instants(&big), i64::MIN, "large integer counts");
}

pub(super) fn gap_fill_keeps_windows_exact(make: &MakeStore<'_>) {
    let store = make();
    let web = slo("availability");
    let mut rng = Rng::new(7);
    let mut model = Model::default();
    let instants: Vec<i64> =
        (0..=40).flat_map(|k| [T0 + 60 * k, T0 + 60 * k + 30]).chain([T0 - 100, T0 + 10_000]).collect();
    let mut step = |batch: Vec<Measurement>, what: &str| {
        let expected = model.apply(&batch);
        write_ok(&*store, &batch, expected, what);
        assert_all_windows(&*store, &model, &web, &instants, i64::MIN, what);
        assert_eq!(ok(store.points(&web, i64::MIN, i64::MAX), "points"), model.points(&web, i64::MIN, i64::MAX));
    };
    // Minutes 3..39 with holes at 10..15 and 20; minutes 0..3 and 39 come later.
    let first: Vec<Measurement> =
        (3..39).filter(|k| !(10..15).contains(k) && *k != 20).map(|k| mi(&web, minute(k), rng.counts())).collect();
    step(first, "points with gaps");
    step(vec![mi(&web, minute(20), rng.counts())], "filling one minute in the middle");
    step(vec![mi(&web, (T0 + 600, T0 + 900), rng.counts())], "filling five minutes with one interval");
    let before: Vec<Measurement> = (0..3).rev().map(|k| mi(&web, minute(k), rng.counts())).collect();
    step(before, "filling before the first point");
    step(vec![mi(&web, minute(39), rng.counts())], "appending after the gaps were filled");
    step(vec![mi(&web, minute(5), rng.counts())], "replacing counts in the middle");
    let mixed = vec![mi(&web, minute(40), rng.counts()), mi(&web, minute(7), rng.counts())];
    step(mixed, "one batch replacing in the middle and appending");
}

pub(super) fn prune_keeps_later_windows_exact(make: &MakeStore<'_>) {
    let store = make();
    let (one, seventy) = (slo("minutes"), slo("seventy-seconds"));
    let mut rng = Rng::new(11);
    let mut model = Model::default();
    let mut batch: Vec<Measurement> = (0..100).map(|k| mi(&one, minute(k), rng.counts())).collect();
    // 70-second points: the one ending at T0 + 1820 straddles the cut.
    batch.extend((0..60).map(|k| mi(&seventy, (T0 + 70 * k, T0 + 70 * (k + 1)), rng.counts())));
    let expected = model.apply(&batch);
    write_ok(&*store, &batch, expected, "points to prune");

    let cut = T0 + 1800;
    // The model forgets the pruned points: its sums then differ from the
    // store's by the pruned events, which cancel out of windows after the cut.
    let doomed = model.prune(cut);
    assert_eq!(doomed, 30 + 25, "the test's own arithmetic");
    assert_eq!(ok(store.prune(cut), "prune"), doomed as u64, "prune({cut}) must delete every point with to ≤ {cut}");
    let check = |model: &Model, what: &str| {
        for l in [&one, &seventy] {
            let kept = ok(store.points(l, i64::MIN, i64::MAX), "points after prune");
            assert_eq!(
                kept,
                model.points(l, i64::MIN, i64::MAX),
                "{what}: the points of {l:?} left after prune({cut})"
            );
            let mut instants = model.instants(l);
            instants.extend([cut, cut + 1, cut + 15, cut + 59, T0 + 100_000]);
            assert_all_windows(&*store, model, l, &instants, cut, what);
        }
    };
    check(&model, "after prune");
    assert_eq!(ok(store.prune(cut + 15), "prune again"), 0, "nothing is left to prune before {}", cut + 15);
    check(&model, "after a prune that deleted nothing");

    // Writes after a prune: appends, and a point back inside the pruned
    // stretch; windows after the cut must not move.
    let mut batch: Vec<Measurement> = (100..110).map(|k| mi(&one, minute(k), rng.counts())).collect();
    batch.push(mi(&one, minute(10), rng.counts()));
    let expected = model.apply(&batch);
    write_ok(&*store, &batch, expected, "writing after a prune");
    let kept_old = ok(store.points(&one, i64::MIN, cut), "points");
    assert_eq!(kept_old, model.points(&one, T0 + 600, T0 + 660), "the point written back before the cut is stored");
    // The point written back before the cut counts in no window after it.
    for l in [&one, &seventy] {
        let mut instants = model.instants(l);
        instants.retain(|&t| t >= cut);
        instants.push(cut);
        assert_all_windows(&*store, &model, l, &instants, cut, "after writing past a prune");
    }

    for l in [&one, &seventy] {
        let points = ok(store.points(l, i64::MIN, i64::MAX), "points");
        assert_eq!(points, model.points(l, i64::MIN, i64::MAX), "after writing past a prune: the points of {l:?}");
    }
    let left = model.prune(i64::MAX);
    assert_eq!(ok(store.prune(i64::MAX), "prune everything"), left as u64, "prune(i64::MAX) deletes every point");
    for l in [&one, &seventy] {
        assert_eq!(ok(store.last_to(l), "last_to"), None, "a series pruned empty has no newest point");
        assert_eq!(ok(store.points(l, i64::MIN, i64::MAX), "points"), vec![], "a series pruned empty has no points");
        assert_eq!(ok(store.counts(l, T0, T0 + 100_000), "counts"), ZERO, "a series pruned empty has no events");
    }
}

pub(super) fn series_are_isolated(make: &MakeStore<'_>) {
    let store = make();
    let mut rng = Rng::new(3);
    // Label sets that contain one another, and twenty ordinary ones.
    let mut series = vec![
        labels(&[("service", "a")]),
        labels(&[("service", "a"), ("slo", "x")]),
        labels(&[("service", "a"), ("slo", "x"), ("extra", "")]),
        labels(&[("service", "b"), ("slo", "x")]),
        labels(&[("service", "x"), ("slo", "a")]),
    ];
    series.extend(
        (0..20)
            .map(|i| labels(&[("service", format!("s{}", i % 4).as_str()), ("slo", format!("o{}", i / 4).as_str())])),
    );
    let mut model = Model::default();
    // Every series gets the same intervals, each with its own counts, in
    // batches that hold one point of every series.
    for k in 0..30 {
        let mut batch: Vec<Measurement> = series.iter().map(|l| mi(l, minute(k), rng.counts())).collect();
        rng.shuffle(&mut batch);
        let expected = model.apply(&batch);
        write_ok(&*store, &batch, expected, "interleaved series");
    }
    assert_matches(&*store, &model, "many series written together");
}

pub(super) fn label_order_is_irrelevant(make: &MakeStore<'_>) {
    let store = make();
    // The same set built in two orders.
    let mut forward = Labels::new();
    forward.insert("service".to_string(), "web".to_string());
    forward.insert("slo".to_string(), "x".to_string());
    let mut backward = Labels::new();
    backward.insert("slo".to_string(), "x".to_string());
    backward.insert("service".to_string(), "web".to_string());
    write_ok(&*store, &[mi(&forward, minute(0), (1, 2))], Written { inserted: 1, ..Written::default() }, "forward");
    write_ok(
        &*store,
        &[mi(&backward, minute(0), (1, 2)), mi(&backward, minute(1), (3, 3))],
        Written { inserted: 1, unchanged: 1, ..Written::default() },
        "the same labels in another order name the same series",
    );
    let sums = ok(store.counts(&forward, T0, T0 + 120), "counts");
    assert_eq!((sums.good(), sums.total()), (4.0, 5.0), "both writes went to one series");

    // Label sets with characters that need escaping, and the empty set.
    let odd = [
        labels(&[("quote", "say \"hi\""), ("back\\slash", "\\"), ("unicode", "été ✓ 雪")]),
        labels(&[("newline", "a\nb"), ("empty", ""), ("json", "{\"a\":1}")]),
        labels(&[("", "empty key")]),
        Labels::new(),
    ];
    let mut model = Model::default();
    model.apply(&[m(&forward, minute(0).0, minute(0).1, 1.0, 2.0), m(&forward, minute(1).0, minute(1).1, 3.0, 3.0)]);
    for (i, l) in odd.iter().enumerate() {
        let batch = [mi(l, minute(i as i64), (i as u64, 10))];
        let expected = model.apply(&batch);
        write_ok(&*store, &batch, expected, &format!("labels {l:?}"));
    }
    assert_matches(&*store, &model, "labels that need escaping");
}
