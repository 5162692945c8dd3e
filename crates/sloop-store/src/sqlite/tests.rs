//! What the store does to the file, row by row: appends touch only the new
//! rows; a write into the middle updates the sums of the later rows once.

use sloop_core::measure::Measurement;
use sloop_core::model::Labels;

use super::SqliteStore;
use crate::Store;

fn web() -> Labels {
    Labels::from([("service".to_string(), "web".to_string())])
}

fn minutes(first: i64, n: i64) -> Vec<Measurement> {
    (first..first + n).map(|k| Measurement::new(web(), 60 * k, 60 * (k + 1), 1.0, 2.0).unwrap()).collect()
}

/// Counts the rows of `points` inserted and updated from now on, with
/// temporary triggers (they live only on this connection).
fn count_row_writes(store: &SqliteStore) {
    store
        .write_connection()
        .execute_batch(
            "CREATE TEMP TABLE row_writes (kind TEXT NOT NULL);
             CREATE TEMP TRIGGER count_inserts AFTER INSERT ON main.points
                 BEGIN INSERT INTO row_writes VALUES ('insert'); END;
             CREATE TEMP TRIGGER count_updates AFTER UPDATE ON main.points
                 BEGIN INSERT INTO row_writes VALUES ('update'); END;",
        )
        .unwrap();
}

/// Rows inserted and updated since the last call.
fn row_writes(store: &SqliteStore) -> (i64, i64) {
    let conn = store.write_connection();
    let count = |kind: &str| -> i64 {
        conn.query_row("SELECT count(*) FROM row_writes WHERE kind = ?1", [kind], |r| r.get(0)).unwrap()
    };
    let out = (count("insert"), count("update"));
    conn.execute("DELETE FROM row_writes", []).unwrap();
    out
}

#[test]
fn appending_touches_only_the_new_rows() {
    let store = SqliteStore::in_memory().unwrap();
    store.write(&minutes(0, 1000)).unwrap();
    count_row_writes(&store);
    store.write(&minutes(1000, 10)).unwrap();
    assert_eq!(row_writes(&store), (10, 0), "an append must not update the 1,000 earlier rows");
    // Rewriting the newest points with the same counts writes nothing.
    store.write(&minutes(1005, 5)).unwrap();
    assert_eq!(row_writes(&store), (0, 0));
}

#[test]
fn writing_into_the_middle_recomputes_the_later_sums_once() {
    let store = SqliteStore::in_memory().unwrap();
    let mut first = minutes(0, 1000);
    first.retain(|m| m.to != 60 * 501 && m.to != 60 * 701);
    store.write(&first).unwrap();
    count_row_writes(&store);
    // Two holes filled in one batch: the rows from the first one on have
    // their sums recomputed, each once (the upsert of each new row counts
    // as an insert; the recomputation updates it as well).
    store.write(&minutes(700, 1).into_iter().chain(minutes(500, 1)).collect::<Vec<_>>()).unwrap();
    assert_eq!(row_writes(&store), (2, 500));
    let c = store.counts(&web(), 0, 60 * 1000).unwrap();
    assert_eq!((c.good(), c.total()), (1000.0, 2000.0));
    // New counts for one interval: every later row, once.
    store.write(&[Measurement::new(web(), 60 * 900, 60 * 901, 2.0, 2.0).unwrap()]).unwrap();
    assert_eq!(row_writes(&store), (0, 101));
    let c = store.counts(&web(), 60 * 899, 60 * 1000).unwrap();
    assert_eq!((c.good(), c.total()), (102.0, 202.0));
}

fn staged_rows(store: &SqliteStore) -> i64 {
    store.write_connection().query_row("SELECT count(*) FROM staged", [], |r| r.get(0)).unwrap()
}

#[test]
fn staged_appends_reach_points_in_one_merge_and_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("staged.db");
    let store =
        SqliteStore::open_with(super::SqliteOptions { stage_rows: 25, ..super::SqliteOptions::new(&path) }).unwrap();
    store.write(&minutes(0, 1)).unwrap();
    count_row_writes(&store);
    store.write(&minutes(1, 10)).unwrap();
    assert_eq!((row_writes(&store), staged_rows(&store)), ((0, 0), 11), "appends to a known series are staged");
    store.write(&minutes(11, 20)).unwrap();
    assert_eq!((row_writes(&store), staged_rows(&store)), ((31, 0), 0), "the 25th staged row merges them all");
    store.write(&minutes(31, 5)).unwrap();
    assert_eq!(staged_rows(&store), 5);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let count =
        |table: &str| -> i64 { conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap() };
    assert_eq!((count("points"), count("staged")), (36, 0), "closing merges what the handle staged");
}

#[test]
fn a_read_that_cannot_merge_reads_the_staged_rows_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.db");
    // 40 pages of 4 KiB, and no merge until a read: the log fills the file.
    let options =
        super::SqliteOptions { max_pages: Some(40), stage_rows: usize::MAX, ..super::SqliteOptions::new(&path) };
    let store = SqliteStore::open_with(options).unwrap();
    let mut kept = Vec::new();
    for k in 0.. {
        let batch = minutes(10 * k, 10);
        match store.write(&batch) {
            Ok(_) => kept.extend(batch),
            Err(crate::StoreError::Full { .. }) => break,
            Err(e) => panic!("{e}"),
        }
        assert!(k < 10_000, "160 KiB never filled up");
    }
    assert!(staged_rows(&store) > 100, "the points were staged");
    // The read's merge fails for want of room; the read must not.
    let points = store.points(&web(), i64::MIN, i64::MAX).unwrap();
    assert!(staged_rows(&store) > 100, "the merge could not be made, and nothing was lost");
    assert_eq!(points.len(), kept.len());
    let c = store.counts(&web(), i64::MIN, i64::MAX).unwrap();
    assert_eq!((c.good(), c.total()), (kept.len() as f64, 2.0 * kept.len() as f64));
    assert_eq!(store.last_to(&web()).unwrap(), kept.last().map(|m| m.to));
}

#[test]
fn long_appends_skip_the_log_unless_their_series_has_staged_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.db");
    let options = super::SqliteOptions { stage_rows: 1000, ..super::SqliteOptions::new(&path) };
    let store = SqliteStore::open_with(options).unwrap();
    count_row_writes(&store);
    store.write(&minutes(0, 1)).unwrap();
    assert_eq!((row_writes(&store), staged_rows(&store)), ((0, 0), 1), "a short append is staged");
    store.write(&minutes(1, 20)).unwrap();
    assert_eq!((row_writes(&store), staged_rows(&store)), ((0, 0), 21), "staged behind the series' staged rows");
    store.points(&web(), 0, 1).unwrap();
    assert_eq!((row_writes(&store), staged_rows(&store)), ((21, 0), 0), "a read merges");
    store.write(&minutes(21, 20)).unwrap();
    assert_eq!((row_writes(&store), staged_rows(&store)), ((20, 0), 0), "a long append goes in place");
    store.write(&minutes(41, 3)).unwrap();
    assert_eq!((row_writes(&store), staged_rows(&store)), ((0, 0), 3));
    let c = store.counts(&web(), 0, 60 * 44).unwrap();
    assert_eq!((c.good(), c.total()), (44.0, 88.0));
}
