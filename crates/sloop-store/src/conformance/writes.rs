//! Checks of what a store accepts and refuses, and of what a write reports.

use sloop_core::measure::Measurement;
use sloop_core::model::Labels;

use super::MakeStore;
use super::support::{Model, assert_matches, labels, m, mi, write_ok};
use crate::{Store, StoreError, Written};

const T0: i64 = 1_800_000_000;

fn minute(k: i64) -> (i64, i64) {
    (T0 + 60 * k, T0 + 60 * (k + 1))
}

fn written(inserted: usize, replaced: usize, unchanged: usize) -> Written {
    Written { inserted, replaced, unchanged }
}

pub(super) fn rewrite_counts_once(make: &MakeStore<'_>) {
    let store = make();
    let web = labels(&[("service", "web"), ("slo", "availability")]);
    let mut model = Model::default();
    let batch: Vec<Measurement> = (0..10).map(|k| mi(&web, minute(k), (k as u64, 10))).collect();
    model.apply(&batch);
    write_ok(&*store, &batch, written(10, 0, 0), "ten new points");
    write_ok(&*store, &batch, written(0, 0, 10), "the same ten points again");
    assert_matches(&*store, &model, "after writing the same batch twice");

    // New counts for three intervals, the same counts for two.
    let again = vec![
        mi(&web, minute(2), (1, 1)),
        mi(&web, minute(0), (0, 10)),
        mi(&web, minute(9), (0, 0)),
        mi(&web, minute(1), (1, 10)),
        mi(&web, minute(5), (7, 8)),
    ];
    assert_eq!(model.apply(&again), written(0, 3, 2), "the test's own arithmetic");
    write_ok(&*store, &again, written(0, 3, 2), "three intervals with new counts, two unchanged");
    assert_matches(&*store, &model, "after replacing counts");
}

pub(super) fn duplicates_in_one_batch(make: &MakeStore<'_>) {
    let store = make();
    let web = labels(&[("service", "web"), ("slo", "availability")]);
    let mut model = Model::default();
    // Read as if written one by one: the first is new, the second replaces
    // it, the last repeats the second.
    let batch = vec![
        mi(&web, minute(0), (1, 2)),
        mi(&web, minute(0), (5, 6)),
        mi(&web, minute(1), (1, 1)),
        mi(&web, minute(0), (5, 6)),
    ];
    assert_eq!(model.apply(&batch), written(2, 1, 1), "the test's own arithmetic");
    write_ok(&*store, &batch, written(2, 1, 1), "one interval three times in a batch");
    assert_matches(&*store, &model, "the last counts of an interval written thrice win");

    // Changed and changed back within one batch: the store ends as it was.
    let batch = vec![mi(&web, minute(1), (0, 1)), mi(&web, minute(1), (1, 1))];
    write_ok(&*store, &batch, written(0, 2, 0), "changed and changed back");
    assert_matches(&*store, &model, "an interval changed and changed back");
}

/// An interval `(from, to)`, and two that clash.
type Interval = (i64, i64);
type Clash = (Interval, Interval);

/// Writes a batch that must be refused as overlapping, naming `labels`, and
/// two intervals among `pairs` (new and existing, in either order: which of
/// two clashing intervals of one batch is "new" is the store's choice).
fn expect_overlap(what: &str, store: &dyn Store, batch: &[Measurement], labels: &Labels, pairs: &[Clash]) {
    match store.write(batch) {
        Err(StoreError::Overlap { labels: l, from, to, existing_from, existing_to }) => {
            assert_eq!(&l, labels, "{what}: the overlap error must name the series");
            let got = ((from, to), (existing_from, existing_to));
            assert!(
                pairs.iter().any(|&(a, b)| got == (a, b) || got == (b, a)),
                "{what}: overlap reported as ({from}, {to}] against ({existing_from}, {existing_to}]; expected one of {pairs:?}"
            );
        }
        Err(e) => panic!("{what}: an overlapping batch must fail with StoreError::Overlap, not: {e}"),
        Ok(w) => panic!("{what}: a batch with an overlapping interval was accepted ({w:?}): {batch:?}"),
    }
}

pub(super) fn overlap_is_refused_atomically(make: &MakeStore<'_>) {
    let store = make();
    let (a, b, c) = (labels(&[("slo", "a")]), labels(&[("slo", "b")]), labels(&[("slo", "c")]));
    let mut model = Model::default();
    let stored = vec![mi(&a, (0, 60), (1, 2)), mi(&a, (60, 120), (3, 4))];
    model.apply(&stored);
    write_ok(&*store, &stored, written(2, 0, 0), "two points");

    // Each batch holds valid measurements besides the bad one; none of
    // them may be stored, nor may series b and c come to exist.
    type Case<'a> = (&'a str, &'a Labels, Vec<Measurement>, Vec<Clash>);
    let cases: Vec<Case<'_>> = vec![
        (
            "same end, other start",
            &a,
            vec![mi(&b, (0, 60), (1, 1)), mi(&a, (120, 180), (1, 1)), mi(&a, (30, 60), (1, 1))],
            vec![((30, 60), (0, 60))],
        ),
        (
            "straddling a stored end",
            &a,
            vec![mi(&a, (100, 130), (1, 1)), mi(&b, (0, 60), (1, 1))],
            vec![((100, 130), (60, 120))],
        ),
        (
            "covering two stored",
            &a,
            vec![mi(&a, (-60, 200), (1, 1))],
            vec![((-60, 200), (0, 60)), ((-60, 200), (60, 120))],
        ),
        ("inside a stored one", &a, vec![mi(&a, (10, 20), (1, 1))], vec![((10, 20), (0, 60))]),
        (
            "same start, other end, next to the same interval",
            &a,
            vec![mi(&a, (0, 60), (1, 2)), mi(&a, (0, 30), (1, 1))],
            vec![((0, 30), (0, 60))],
        ),
        (
            "two of one batch",
            &c,
            vec![mi(&c, (0, 60), (1, 1)), mi(&b, (5, 6), (1, 1)), mi(&c, (30, 90), (1, 1))],
            vec![((30, 90), (0, 60))],
        ),
        (
            "two of one batch, same end",
            &c,
            vec![mi(&c, (10, 60), (1, 1)), mi(&c, (0, 60), (1, 1))],
            vec![((10, 60), (0, 60))],
        ),
    ];
    for (what, series, batch, pairs) in cases {
        expect_overlap(what, &*store, &batch, series, &pairs);
        assert_matches(&*store, &model, &format!("after refusing a batch with an overlap ({what})"));
    }

    // Intervals that only touch do not overlap.
    let touching = vec![mi(&a, (120, 180), (1, 1)), mi(&b, (60, 120), (1, 1)), mi(&b, (0, 60), (0, 0))];
    model.apply(&touching);
    write_ok(&*store, &touching, written(3, 0, 0), "intervals that touch");
    assert_matches(&*store, &model, "after intervals that touch");
}

pub(super) fn invalid_counts_are_refused_atomically(make: &MakeStore<'_>) {
    let store = make();
    let (a, b, bad) = (labels(&[("slo", "a")]), labels(&[("slo", "b")]), labels(&[("slo", "bad")]));
    let mut model = Model::default();
    let stored = [mi(&a, (0, 60), (1, 2))];
    model.apply(&stored);
    write_ok(&*store, &stored, written(1, 0, 0), "one point");

    let cases = [
        ("more good than total", m(&bad, 200, 260, 5.0, 4.0)),
        ("negative good", m(&bad, 200, 260, -1.0, 4.0)),
        ("negative total", m(&bad, 200, 260, 0.0, -1.0)),
        ("NaN good", m(&bad, 200, 260, f64::NAN, 4.0)),
        ("NaN total", m(&bad, 200, 260, 1.0, f64::NAN)),
        ("infinite total", m(&bad, 200, 260, 1.0, f64::INFINITY)),
        ("empty interval", m(&bad, 260, 260, 1.0, 2.0)),
        ("interval ending before it starts", m(&bad, 260, 200, 1.0, 2.0)),
    ];
    for (what, invalid) in cases {
        for index in [0, 2] {
            let mut batch = vec![mi(&a, (60, 120), (1, 1)), mi(&b, (0, 60), (1, 1))];
            batch.insert(index, invalid.clone());
            match store.write(&batch) {
                Err(StoreError::Invalid { index: i, labels, message }) => {
                    assert_eq!(i, index, "{what}: the error must give the measurement's place in the batch");
                    assert_eq!(labels, bad, "{what}: the error must name the measurement's series");
                    assert!(!message.is_empty(), "{what}: the error must say what is wrong");
                }
                Err(e) => panic!("{what}: must fail with StoreError::Invalid, not: {e}"),
                Ok(w) => panic!("{what}: an impossible measurement was accepted ({w:?})"),
            }
            assert_matches(&*store, &model, &format!("after refusing a batch with {what}"));
        }
    }
}

pub(super) fn concurrent_writers(make: &MakeStore<'_>) {
    let store = make();
    let store: &dyn Store = &*store;
    let (a, b) = (labels(&[("writer", "a")]), labels(&[("writer", "b")]));
    std::thread::scope(|s| {
        for l in [&a, &b] {
            s.spawn(move || {
                for k in 0..50 {
                    let batch: Vec<Measurement> = (0..10).map(|j| mi(l, minute(k * 10 + j), (1, 2))).collect();
                    if let Err(e) = store.write(&batch) {
                        panic!("writer {l:?}, batch {k}: {e}");
                    }
                }
            });
        }
        // A reader sees whole batches only: ten points of 2 events each.
        s.spawn(|| {
            for _ in 0..50 {
                for l in [&a, &b] {
                    let c = store.counts(l, i64::MIN, i64::MAX).unwrap_or_else(|e| panic!("reader: {e}"));
                    assert!(
                        c.total() % 20.0 == 0.0 && c.good() * 2.0 == c.total(),
                        "a reader saw part of a batch of {l:?}: {} good of {}",
                        c.good(),
                        c.total()
                    );
                }
            }
        });
    });
    for l in [&a, &b] {
        let c = store.counts(l, i64::MIN, i64::MAX).unwrap_or_else(|e| panic!("counts: {e}"));
        assert_eq!((c.good(), c.total()), (500.0, 1000.0), "every write of {l:?} from its thread must be kept");
        let points = store.points(l, i64::MIN, i64::MAX).unwrap_or_else(|e| panic!("points: {e}"));
        assert_eq!(points.len(), 500, "every point of {l:?} must be kept");
    }
}
