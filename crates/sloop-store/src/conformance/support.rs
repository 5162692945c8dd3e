//! What the checks share: a deterministic random source, a brute-force model
//! of a store, and assertions that compare a store with it.

use std::collections::BTreeMap;

use sloop_core::math::{Counts, Point};
use sloop_core::measure::Measurement;
use sloop_core::model::Labels;

use crate::{Store, Written};

/// SplitMix64: tiny, good enough to shuffle test data, and the same
/// sequence on every machine, so a failure replays.
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent / 100`.
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// Integer counts: mostly small, sometimes none, sometimes large.
    pub(super) fn counts(&mut self) -> (u64, u64) {
        let total = match self.below(10) {
            0 => 0,
            1 => 1_000_000 + self.below(1_000_000_000),
            _ => self.below(1000),
        };
        (self.below(total + 1), total)
    }

    /// `n` disjoint intervals from `start` on, of mixed lengths, some
    /// touching, some with gaps between them.
    pub(super) fn intervals(&mut self, start: i64, n: usize) -> Vec<(i64, i64)> {
        const LENGTHS: [i64; 7] = [1, 15, 60, 60, 60, 90, 300];
        let mut t = start;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            if self.chance(30) {
                t += 1 + self.below(300) as i64;
            }
            let len = LENGTHS[self.below(LENGTHS.len() as u64) as usize];
            out.push((t, t + len));
            t += len;
        }
        out
    }
}

/// A label set from pairs.
pub(super) fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A measurement as written, unchecked (so checks can build bad ones).
pub(super) fn m(labels: &Labels, from: i64, to: i64, good: f64, total: f64) -> Measurement {
    Measurement { labels: labels.clone(), from, to, good, total }
}

/// A measurement of integer counts.
pub(super) fn mi(labels: &Labels, (from, to): (i64, i64), (good, total): (u64, u64)) -> Measurement {
    m(labels, from, to, good as f64, total as f64)
}

/// What a store should hold, kept the obvious way: every point of every
/// series, summed by brute force. Counts are integers, so every sum is
/// exact and a store must match it to the bit.
#[derive(Debug, Default, Clone)]
pub(super) struct Model {
    /// By series, by `to`: `(from, good, total)`.
    series: BTreeMap<Labels, BTreeMap<i64, (i64, u64, u64)>>,
}

impl Model {
    /// Applies a valid batch item by item; returns what the store should
    /// report having done.
    pub(super) fn apply(&mut self, batch: &[Measurement]) -> Written {
        let mut written = Written::default();
        for m in batch {
            let (good, total) = (m.good as u64, m.total as u64);
            let points = self.series.entry(m.labels.clone()).or_default();
            match points.insert(m.to, (m.from, good, total)) {
                None => written.inserted += 1,
                Some((_, g, t)) if (g, t) == (good, total) => written.unchanged += 1,
                Some(_) => written.replaced += 1,
            }
        }
        written
    }

    /// Forgets the points with `to ≤ before`, as a prune does; returns how
    /// many went.
    pub(super) fn prune(&mut self, before: i64) -> usize {
        let mut pruned = 0;
        for points in self.series.values_mut() {
            let kept = points.split_off(&before.saturating_add(1));
            pruned += points.len();
            *points = kept;
        }
        self.series.retain(|_, points| !points.is_empty());
        pruned
    }

    /// The sums over `(from, to]`.
    pub(super) fn sums(&self, labels: &Labels, from: i64, to: i64) -> (u64, u64) {
        let Some(points) = self.series.get(labels) else { return (0, 0) };
        if from >= to {
            return (0, 0);
        }
        points.range(from + 1..=to).fold((0, 0), |(g, t), (_, p)| (g + p.1, t + p.2))
    }

    /// The points with `to` in `(from, to]`.
    pub(super) fn points(&self, labels: &Labels, from: i64, to: i64) -> Vec<Point> {
        let Some(points) = self.series.get(labels) else { return Vec::new() };
        if from >= to {
            return Vec::new();
        }
        points.range(from + 1..=to).map(|(&t, &(f, g, tot))| Point::new(f, t, g as f64, tot as f64).unwrap()).collect()
    }

    pub(super) fn last_to(&self, labels: &Labels) -> Option<i64> {
        self.series.get(labels).and_then(|p| p.keys().next_back().copied())
    }

    /// Every boundary of every point of the series, sorted.
    pub(super) fn instants(&self, labels: &Labels) -> Vec<i64> {
        let mut out: Vec<i64> =
            self.series.get(labels).into_iter().flatten().flat_map(|(&to, &(from, ..))| [from, to]).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(super) fn labels(&self) -> Vec<Labels> {
        self.series.keys().cloned().collect()
    }
}

/// Writes a batch that must succeed and must report `expected`.
pub(super) fn write_ok(store: &dyn Store, batch: &[Measurement], expected: Written, context: &str) {
    match store.write(batch) {
        Ok(written) => assert_eq!(
            written,
            expected,
            "{context}: a batch of {} measurements was written, but the store reports {written:?} instead of {expected:?}",
            batch.len()
        ),
        Err(e) => panic!("{context}: a valid batch of {} measurements was refused: {e}", batch.len()),
    }
}

/// Checks the counts over `(from, to]` against the model, exactly.
pub(super) fn assert_window(store: &dyn Store, model: &Model, labels: &Labels, from: i64, to: i64, context: &str) {
    let (good, total) = model.sums(labels, from, to);
    let got = store
        .counts(labels, from, to)
        .unwrap_or_else(|e| panic!("{context}: counts of {labels:?} over ({from}, {to}] failed: {e}"));
    assert!(
        got.good() == good as f64 && got.total() == total as f64,
        "{context}: counts of {labels:?} over ({from}, {to}] are {} good of {}, expected exactly {good} of {total}",
        got.good(),
        got.total()
    );
}

/// Checks every window between two of `instants` that starts at or after
/// `not_before`, in one `cumulative` call (and a few through `counts`).
pub(super) fn assert_all_windows(
    store: &dyn Store,
    model: &Model,
    labels: &Labels,
    instants: &[i64],
    not_before: i64,
    context: &str,
) {
    let mut at: Vec<i64> = instants.iter().copied().filter(|&t| t >= not_before).collect();
    at.sort_unstable();
    at.dedup();
    let sums = store
        .cumulative(labels, &at)
        .unwrap_or_else(|e| panic!("{context}: cumulative of {labels:?} at {} instants failed: {e}", at.len()));
    assert_eq!(sums.len(), at.len(), "{context}: cumulative returned {} sums for {} instants", sums.len(), at.len());
    // Brute-force sums up to each instant; their differences are exact
    // (integers), so every window is checked without summing it again.
    let expected: Vec<(u64, u64)> = at.iter().map(|&t| model.sums(labels, i64::MIN, t)).collect();
    for (i, &a) in at.iter().enumerate() {
        for (j, &b) in at.iter().enumerate().skip(i + 1) {
            let (good, total) = (expected[j].0 - expected[i].0, expected[j].1 - expected[i].1);
            let got = crate::difference(sums[i], sums[j]);
            assert!(
                got.good() == good as f64 && got.total() == total as f64,
                "{context}: over ({a}, {b}] of {labels:?}, cum({b}) − cum({a}) is {} good of {}, \
                 expected exactly {good} of {total}",
                got.good(),
                got.total()
            );
        }
    }
    // `counts` must agree with the sums (spot checks: it is a default method
    // a store may override).
    for pair in at.windows(2).step_by(7) {
        assert_window(store, model, labels, pair[0], pair[1], context);
    }
}

/// Checks the points, newest end and window sums of every series of the
/// model, and the list of series.
pub(super) fn assert_matches(store: &dyn Store, model: &Model, context: &str) {
    let mut listed = store.series().unwrap_or_else(|e| panic!("{context}: listing series failed: {e}"));
    listed.sort();
    assert_eq!(listed, model.labels(), "{context}: the store lists other series than were written");
    for labels in model.labels() {
        let points = store
            .points(&labels, i64::MIN, i64::MAX)
            .unwrap_or_else(|e| panic!("{context}: points of {labels:?} failed: {e}"));
        assert_eq!(points, model.points(&labels, i64::MIN, i64::MAX), "{context}: the points of {labels:?} differ");
        let last = store.last_to(&labels).unwrap_or_else(|e| panic!("{context}: last_to of {labels:?} failed: {e}"));
        assert_eq!(last, model.last_to(&labels), "{context}: last_to of {labels:?}");
        assert_all_windows(store, model, &labels, &model.instants(&labels), i64::MIN, context);
    }
}

/// Zero counts, to compare with.
pub(super) const ZERO: Counts = Counts::ZERO;
