//! The SQLite store with staged appends (`SqliteOptions::stage_rows`): the
//! conformance suite with merges after every few rows and with none until a
//! read, and the same answers as a store without staging from every kind of
//! handle: the writer, a second writable handle, a read-only one (which
//! reads staged rows instead of merging them), and after a crash.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use sloop_core::measure::Measurement;
use sloop_core::model::Labels;
use sloop_store::{SqliteOptions, SqliteStore, Store, conformance};

const T0: i64 = 1_800_000_000;

fn labels(name: &str) -> Labels {
    Labels::from([("slo".to_string(), name.to_string())])
}

/// `n` one-minute points of each of `series` from minute `first` on, one
/// minute at a time across the series (as a server receives them), with
/// counts that differ from point to point.
fn minutes(series: &[Labels], first: i64, n: i64) -> Vec<Measurement> {
    let mut out = Vec::new();
    for k in first..first + n {
        for (j, l) in series.iter().enumerate() {
            let total = ((k + j as i64) % 13 + 5) as f64;
            let good = total - ((k + j as i64) % 3) as f64;
            out.push(Measurement::new(l.clone(), T0 + 60 * k, T0 + 60 * (k + 1), good, total).unwrap());
        }
    }
    out
}

fn staging(path: &Path, stage_rows: usize) -> SqliteStore {
    SqliteStore::open_with(SqliteOptions { stage_rows, ..SqliteOptions::new(path) }).unwrap()
}

fn read_only(path: &Path) -> SqliteStore {
    SqliteStore::open_with(SqliteOptions { read_only: true, ..SqliteOptions::new(path) }).unwrap()
}

/// Every answer a store gives about `series`: counts over many windows
/// (some starting before the oldest point kept), every point, the newest end.
fn answers(store: &dyn Store, series: &[Labels]) -> Vec<String> {
    let mut out = Vec::new();
    let at: Vec<i64> = (-5..80).map(|k| T0 + 60 * k - 30 * (k % 2)).collect();
    for l in series {
        out.push(format!("{l:?} cumulative {:?}", store.cumulative(l, &at).unwrap()));
        out.push(format!("{l:?} points {:?}", store.points(l, i64::MIN, i64::MAX).unwrap()));
        out.push(format!("{l:?} points in (10, 40] {:?}", store.points(l, T0 + 600, T0 + 2400).unwrap()));
        out.push(format!("{l:?} last {:?}", store.last_to(l).unwrap()));
    }
    out.push(format!("series {:?}", store.series().unwrap()));
    out
}

#[test]
fn conformance_merging_every_few_rows() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    conformance::run_all(&|| {
        let path = dir.path().join(format!("store-{}.db", n.fetch_add(1, Ordering::Relaxed)));
        Box::new(staging(&path, 3)) as Box<dyn Store>
    });
}

#[test]
fn conformance_merging_only_on_reads() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    conformance::run_all(&|| {
        let path = dir.path().join(format!("store-{}.db", n.fetch_add(1, Ordering::Relaxed)));
        Box::new(staging(&path, usize::MAX)) as Box<dyn Store>
    });
}

/// Writes the same history to `store` and returns the series: a series
/// pruned and then appended to, one that is only appended to, one that gets
/// a rewrite in its middle and one that is new after the prune.
fn history(store: &dyn Store) -> Vec<Labels> {
    let [pruned, plain, rewritten, late] = ["pruned", "plain", "rewritten", "late"].map(labels);
    let early = [pruned.clone(), plain.clone(), rewritten.clone()];
    for k in 0..20 {
        store.write(&minutes(&early, k, 1)).unwrap();
    }
    store.prune(T0 + 60 * 5).unwrap();
    for k in 20..40 {
        store.write(&minutes(&early, k, 1)).unwrap();
    }
    // New counts for minute 30 of one series: not an append.
    store.write(&[Measurement::new(rewritten.clone(), T0 + 60 * 30, T0 + 60 * 31, 1.0, 9.0).unwrap()]).unwrap();
    for k in 40..60 {
        store.write(&minutes(&[pruned.clone(), plain.clone(), rewritten.clone(), late.clone()], k, 1)).unwrap();
    }
    vec![pruned, plain, rewritten, late]
}

#[test]
fn every_handle_reads_what_a_store_without_staging_holds() {
    let reference = SqliteStore::in_memory().unwrap();
    let series = history(&reference);
    let want = answers(&reference, &series);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staged.db");
    // Never merged by the writer itself: its rows stay staged until a read.
    let writer = staging(&path, usize::MAX);
    history(&writer);

    // A read-only handle cannot merge: it reads the staged rows in place.
    let reader = read_only(&path);
    assert_eq!(answers(&reader, &series), want, "a read-only handle, with rows staged");
    // The writer's own reads merge them first; then so does nothing else.
    assert_eq!(answers(&writer, &series), want, "the staging writer");
    assert_eq!(answers(&reader, &series), want, "a read-only handle, after the merge");

    // Staged again, then read through another writable handle (another
    // process would be the same), which merges what it finds.
    writer.write(&minutes(&series, 60, 5)).unwrap();
    reference.write(&minutes(&series, 60, 5)).unwrap();
    let want = answers(&reference, &series);
    assert_eq!(answers(&reader, &series), want, "the same read-only handle, with new rows staged");
    assert_eq!(answers(&read_only(&path), &series), want, "a new read-only handle, with new rows staged");
    let other = SqliteStore::open(&path).unwrap();
    assert_eq!(answers(&other, &series), want, "a second writable handle");
    // The writer learns that another connection wrote, and goes on.
    writer.write(&minutes(&series, 65, 5)).unwrap();
    reference.write(&minutes(&series, 65, 5)).unwrap();
    assert_eq!(answers(&writer, &series), answers(&reference, &series));
}

#[test]
fn staged_rows_survive_a_crash_and_are_merged_by_the_next_writer() {
    let reference = SqliteStore::in_memory().unwrap();
    let series = history(&reference);
    let want = answers(&reference, &series);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crashed.db");
    let writer = staging(&path, usize::MAX);
    history(&writer);
    // Never dropped: no merge on close, as after a crash. Its connections
    // stay open, which SQLite allows; the next handles see what it committed.
    std::mem::forget(writer);

    assert_eq!(answers(&read_only(&path), &series), want, "read-only, rows still staged");
    // A writer without staging first merges what it finds, then appends.
    let next = SqliteStore::open(&path).unwrap();
    next.write(&minutes(&series, 60, 3)).unwrap();
    reference.write(&minutes(&series, 60, 3)).unwrap();
    assert_eq!(answers(&next, &series), answers(&reference, &series));
    drop(next);
    assert_eq!(answers(&read_only(&path), &series), answers(&reference, &series));
}

#[test]
fn a_batch_refused_after_a_merge_leaves_every_staged_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refused.db");
    let store = staging(&path, usize::MAX);
    let series = [labels("a"), labels("b")];
    store.write(&minutes(&series, 0, 10)).unwrap();
    // A new series makes the writer merge before writing; an overlap later
    // in the same batch refuses it all, merge included.
    let mut bad = minutes(&[labels("new")], 0, 1);
    bad.push(Measurement::new(labels("a"), T0 + 60 * 5 + 30, T0 + 60 * 6 + 30, 1.0, 1.0).unwrap());
    assert!(store.write(&bad).is_err());
    // The writer must still know its rows are staged: appending goes on,
    // and every point is there.
    store.write(&minutes(&series, 10, 10)).unwrap();
    let reference = SqliteStore::in_memory().unwrap();
    reference.write(&minutes(&series, 0, 20)).unwrap();
    assert_eq!(answers(&read_only(&path), &series), answers(&reference, &series));
    assert_eq!(answers(&store, &series), answers(&reference, &series));
    assert!(store.last_to(&labels("new")).unwrap().is_none());
}

/// Batches mixing long runs of one series (written in place when it has
/// nothing staged) with single points (staged), merging at all sorts of
/// moments: the same answers as a store without staging, at every step.
#[test]
fn long_and_short_appends_mixed_read_the_same() {
    let series = [labels("long"), labels("short"), labels("both")];
    for stage_rows in [7, 50, usize::MAX] {
        let reference = SqliteStore::in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mixed.db");
        let store = staging(&path, stage_rows);
        let mut next = [0i64; 3];
        for k in 0..40usize {
            let mut batch = Vec::new();
            for (j, l) in series.iter().enumerate() {
                // `long` gets 20 minutes every third batch, `short` one each
                // time, `both` alternates between 17 and 1.
                let n = match j {
                    0 if k % 3 == 0 => 20,
                    0 => 0,
                    1 => 1,
                    _ if k % 2 == 0 => 17,
                    _ => 1,
                };
                batch.extend(minutes(std::slice::from_ref(l), next[j], n));
                next[j] += n;
            }
            store.write(&batch).unwrap();
            reference.write(&batch).unwrap();
            if k % 9 == 4 {
                assert_eq!(answers(&read_only(&path), &series), answers(&reference, &series), "read-only, batch {k}");
            }
            if k % 13 == 6 {
                assert_eq!(answers(&store, &series), answers(&reference, &series), "writer, batch {k}");
            }
        }
        assert_eq!(answers(&read_only(&path), &series), answers(&reference, &series), "stage_rows {stage_rows}");
        assert_eq!(answers(&store, &series), answers(&reference, &series), "stage_rows {stage_rows}");
    }
}
