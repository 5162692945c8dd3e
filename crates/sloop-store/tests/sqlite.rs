//! The SQLite store on real files: the conformance suite, faults (a
//! read-only database, a full one), reopening, and writers on threads.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sloop_core::measure::Measurement;
use sloop_core::model::Labels;
use sloop_store::{Catalog, SqliteOptions, SqliteStore, Store, StoreError, Written, conformance};

const T0: i64 = 1_800_000_000;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `n` one-minute points of `labels` from minute `first` on, with counts
/// that differ from point to point.
fn minutes(labels: &Labels, first: i64, n: i64) -> Vec<Measurement> {
    (first..first + n)
        .map(|k| {
            let total = (k % 13 + 5) as f64;
            Measurement::new(labels.clone(), T0 + 60 * k, T0 + 60 * (k + 1), total - (k % 3) as f64, total).unwrap()
        })
        .collect()
}

fn sums(batch: &[Measurement]) -> (f64, f64) {
    batch.iter().fold((0.0, 0.0), |(g, t), m| (g + m.good, t + m.total))
}

fn counts(store: &dyn Store, labels: &Labels) -> (f64, f64) {
    let c = store.counts(labels, i64::MIN, i64::MAX).unwrap();
    (c.good(), c.total())
}

fn all_points(store: &dyn Store, labels: &Labels) -> Vec<(i64, i64, f64, f64)> {
    let points = store.points(labels, i64::MIN, i64::MAX).unwrap();
    points.iter().map(|p| (p.from, p.to, p.counts.good(), p.counts.total())).collect()
}

fn as_points(batch: &[Measurement]) -> Vec<(i64, i64, f64, f64)> {
    batch.iter().map(|m| (m.from, m.to, m.good, m.total)).collect()
}

#[test]
fn conformance_in_memory() {
    conformance::run_all(&|| Box::new(SqliteStore::in_memory().unwrap()) as Box<dyn Store>);
}

#[test]
fn conformance_on_files() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    conformance::run_all(&|| {
        let path = dir.path().join(format!("store-{}.db", n.fetch_add(1, Ordering::Relaxed)));
        Box::new(SqliteStore::open(path).unwrap()) as Box<dyn Store>
    });
}

#[test]
fn catalog_conformance_in_memory_and_on_files() {
    conformance::catalog::run_all(&|| Box::new(SqliteStore::in_memory().unwrap()) as Box<dyn Catalog>);
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    conformance::catalog::run_all(&|| {
        let path = dir.path().join(format!("catalog-{}.db", n.fetch_add(1, Ordering::Relaxed)));
        Box::new(SqliteStore::open(path).unwrap()) as Box<dyn Catalog>
    });
}

fn schema_version(path: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT version FROM schema_version").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn reopening_keeps_the_data_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sloop.db");
    let web = labels(&[("service", "web"), ("slo", "availability")]);
    let first = minutes(&web, 0, 100);
    {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.write(&first).unwrap(), Written { inserted: 100, ..Written::default() });
    }
    // Closing the store merged its write-ahead log into the file: the file
    // alone (a copy, a backup) holds everything.
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    assert!(!Path::new(&wal).exists(), "the WAL must be checkpointed and removed when the store closes");
    assert_eq!(schema_version(&path), [3]);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal", "the store must be in WAL mode");
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(all_points(&store, &web), as_points(&first));
    assert_eq!(counts(&store, &web), sums(&first));
    // Appending after a reopen continues the running sums.
    let more = minutes(&web, 100, 50);
    assert_eq!(store.write(&more).unwrap(), Written { inserted: 50, ..Written::default() });
    let window = store.counts(&web, T0 + 60 * 90, T0 + 60 * 120).unwrap();
    let expected = sums(&[&first[90..], &more[..20]].concat());
    assert_eq!((window.good(), window.total()), expected);
    drop(store);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(counts(&store, &web), sums(&[first, more].concat()));
    assert_eq!(schema_version(&path), [3], "opening again must not apply the migrations again");
}

#[test]
fn files_that_are_not_stores_are_refused_with_their_path() {
    let dir = tempfile::tempdir().unwrap();

    let missing_dir = dir.path().join("no-such-dir").join("sloop.db");
    match SqliteStore::open(&missing_dir) {
        Err(StoreError::Open { path, message }) => {
            assert_eq!(path, missing_dir);
            assert!(message.contains("directory"), "the message should point at the directory: {message}");
        }
        other => panic!("opening in a missing directory: {other:?}"),
    }

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 8192]).unwrap();
    match SqliteStore::open(&garbage) {
        Err(StoreError::Open { path, message }) => {
            assert_eq!(path, garbage);
            assert!(message.contains("not an SQLite database"), "{message}");
        }
        other => panic!("opening a file of garbage: {other:?}"),
    }

    let read_only = |path: &Path| SqliteStore::open_with(SqliteOptions { read_only: true, ..SqliteOptions::new(path) });
    let absent = dir.path().join("absent.db");
    assert!(matches!(read_only(&absent), Err(StoreError::Open { path, .. }) if path == absent));
    assert!(!absent.exists(), "opening read-only must not create the file");

    let empty = dir.path().join("empty.db");
    rusqlite::Connection::open(&empty).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    match read_only(&empty) {
        Err(StoreError::Open { message, .. }) => assert!(message.contains("no sloop store"), "{message}"),
        other => panic!("opening an SQLite file without a store read-only: {other:?}"),
    }

    let newer = dir.path().join("newer.db");
    drop(SqliteStore::open(&newer).unwrap());
    rusqlite::Connection::open(&newer).unwrap().execute_batch("UPDATE schema_version SET version = 99").unwrap();
    for result in [SqliteStore::open(&newer), read_only(&newer)] {
        match result {
            Err(StoreError::Open { message, .. }) => assert!(message.contains("newer"), "{message}"),
            other => panic!("opening a store from a newer sloop: {other:?}"),
        }
    }
}

/// A store with 100 points written and closed; returns its path and data.
fn closed_store(dir: &Path) -> (PathBuf, Labels, Vec<Measurement>) {
    let path = dir.join("sloop.db");
    let web = labels(&[("service", "web"), ("slo", "availability")]);
    let data = minutes(&web, 0, 100);
    let store = SqliteStore::open(&path).unwrap();
    store.write(&data).unwrap();
    (path, web, data)
}

#[test]
fn a_read_only_store_refuses_writes_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let (path, web, data) = closed_store(dir.path());
    // SQLITE_OPEN_READ_ONLY is enforced by SQLite itself, for any user: the
    // writes below really reach SQLite and come back as SQLITE_READONLY.
    let store = SqliteStore::open_with(SqliteOptions { read_only: true, ..SqliteOptions::new(&path) }).unwrap();
    assert_eq!(all_points(&store, &web), as_points(&data));

    let other = labels(&[("service", "other")]);
    let batch = [minutes(&web, 100, 10), minutes(&other, 0, 10)].concat();
    match store.write(&batch) {
        Err(StoreError::ReadOnly { path: p }) => assert_eq!(p, path),
        other => panic!("writing to a read-only store: {other:?}"),
    }
    match store.prune(T0 + 600) {
        Err(StoreError::ReadOnly { path: p }) => assert_eq!(p, path),
        other => panic!("pruning a read-only store: {other:?}"),
    }
    assert_eq!(all_points(&store, &web), as_points(&data), "a refused write must leave the data as it was");
    assert_eq!(store.series().unwrap(), vec![web.clone()]);
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(all_points(&store, &web), as_points(&data), "the data is intact for the next writer");
}

#[test]
fn a_file_without_write_permission_is_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (path, web, data) = closed_store(dir.path());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    // Root (tests in containers often run as root) writes through file
    // permissions, so the check below would prove nothing; the read-only
    // option above covers SQLITE_READONLY for every user.
    if std::fs::OpenOptions::new().append(true).open(&path).is_ok() {
        eprintln!("skipped: this user can write a file of mode 0444 (root?); see a_read_only_store_refuses_writes");
        return;
    }
    match SqliteStore::open(&path) {
        Err(StoreError::ReadOnly { path: p }) => assert_eq!(p, path),
        other => panic!("opening a file of mode 0444 for writing: {other:?}"),
    }
    let store = SqliteStore::open_with(SqliteOptions { read_only: true, ..SqliteOptions::new(&path) }).unwrap();
    assert_eq!(all_points(&store, &web), as_points(&data));
}

#[test]
fn a_full_store_refuses_the_whole_batch_and_keeps_earlier_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.db");
    // 40 pages of 4 KiB: room for the schema and a few hundred points.
    let store = SqliteStore::open_with(SqliteOptions { max_pages: Some(40), ..SqliteOptions::new(&path) }).unwrap();
    let web = labels(&[("service", "web")]);
    let early = minutes(&web, 0, 100);
    store.write(&early).unwrap();

    let other = labels(&[("service", "other")]);
    let batch = [minutes(&web, 100, 100), minutes(&other, 0, 20_000)].concat();
    match store.write(&batch) {
        Err(e @ StoreError::Full { .. }) => {
            assert!(matches!(&e, StoreError::Full { path: p } if *p == path));
            assert!(e.to_string().contains("nothing was written"), "{e}");
        }
        other => panic!("writing 20,000 points into 160 KiB: {other:?}"),
    }
    assert_eq!(store.series().unwrap(), vec![web.clone()], "the new series of the refused batch must not exist");
    assert_eq!(all_points(&store, &web), as_points(&early), "earlier data must be intact");
    assert_eq!(counts(&store, &web), sums(&early));

    // The store still works for what fits.
    let next = minutes(&web, 100, 10);
    assert_eq!(store.write(&next).unwrap(), Written { inserted: 10, ..Written::default() });
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(all_points(&store, &web), as_points(&[early, next].concat()));
}

#[test]
fn two_handles_on_one_file_write_from_two_threads() {
    // Like two processes: each has its own connections, and they take turns
    // at the file's write lock (IMMEDIATE transactions, busy timeout).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    drop(SqliteStore::open(&path).unwrap());
    let series: Vec<Labels> = (0..2).map(|i| labels(&[("writer", i.to_string().as_str())])).collect();
    std::thread::scope(|s| {
        for l in &series {
            let path = &path;
            s.spawn(move || {
                let store = SqliteStore::open(path).unwrap();
                for k in 0..100 {
                    store.write(&minutes(l, k * 5, 5)).unwrap();
                }
            });
        }
    });
    let store = SqliteStore::open(&path).unwrap();
    for l in &series {
        assert_eq!(all_points(&store, l), as_points(&minutes(l, 0, 500)));
    }
}

#[test]
fn a_store_is_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<SqliteStore>();
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SqliteStore::open(dir.path().join("arc.db")).unwrap());
    let series: Vec<Labels> = (0..2).map(|i| labels(&[("writer", i.to_string().as_str())])).collect();
    let handles: Vec<_> = series
        .iter()
        .cloned()
        .map(|l| {
            let store = store.clone();
            std::thread::spawn(move || {
                for k in 0..100 {
                    store.write(&minutes(&l, k * 5, 5)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for l in &series {
        assert_eq!(counts(&*store, l), sums(&minutes(l, 0, 500)));
    }
}

/// A file written by the first release (schema 1: measurements only) gains
/// the catalog's tables and the staging table when opened, and keeps its points.
#[test]
fn a_version_1_file_is_migrated_to_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);
             INSERT INTO schema_version VALUES (1);
             CREATE TABLE series (id INTEGER PRIMARY KEY, labels TEXT NOT NULL UNIQUE);
             CREATE TABLE points (series INTEGER NOT NULL, to_ts INTEGER NOT NULL, from_ts INTEGER NOT NULL,
                 good REAL NOT NULL, total REAL NOT NULL, cum_good REAL NOT NULL, cum_total REAL NOT NULL,
                 PRIMARY KEY (series, to_ts)) WITHOUT ROWID;
             INSERT INTO series VALUES (1, '{\"service\":\"web\"}');
             INSERT INTO points VALUES (1, 60, 0, 9, 10, 9, 10);",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(schema_version(&path), [3]);
    let web = labels(&[("service", "web")]);
    assert_eq!(store.counts(&web, 0, 60).unwrap().total(), 10.0, "the old points are kept");
    assert!(store.objectives("t").unwrap().is_empty(), "the catalog's tables exist");
}

#[test]
fn two_handles_appending_to_one_series_take_each_others_points_into_account() {
    // Each handle remembers the newest point of the series it wrote; after
    // the other handle's commit it must ask the file again, or its sums
    // would continue from its own stale point (and a prune by the other
    // would leave it a series id that no longer exists).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let (a, b) = (SqliteStore::open(&path).unwrap(), SqliteStore::open(&path).unwrap());
    let web = labels(&[("service", "web")]);
    let all = minutes(&web, 0, 6);
    for (k, m) in all.iter().enumerate() {
        let store = if k % 2 == 0 { &a } else { &b };
        store.write(std::slice::from_ref(m)).unwrap();
    }
    for store in [&a, &b] {
        assert_eq!(all_points(store, &web), as_points(&all));
        assert_eq!(counts(store, &web), sums(&all));
    }
    // `b` prunes every point, and with them the series; `a` writes on.
    assert_eq!(b.prune(T0 + 60 * 6).unwrap(), 6);
    let later = minutes(&web, 6, 2);
    a.write(&later).unwrap();
    assert_eq!(all_points(&b, &web), as_points(&later));
    assert_eq!(b.counts(&web, T0 + 60 * 6, T0 + 60 * 8).unwrap().total(), sums(&later).1);
}

#[test]
fn the_log_is_copied_back_into_the_file_while_the_store_is_open() {
    // Commits go to the `-wal` file; a thread of the store copies them back
    // into the database file (SQLite's own threshold, in the writer, is set
    // far above what this test writes). Poll for the copy, for up to 20 s.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ckpt.db");
    let store = SqliteStore::open(&path).unwrap();
    let empty = std::fs::metadata(&path).unwrap().len();
    let web = labels(&[("service", "web")]);
    for k in 0..20 {
        store.write(&minutes(&web, k * 1000, 1000)).unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut size = empty;
    while size < empty + 500_000 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        size = std::fs::metadata(&path).unwrap().len();
    }
    assert!(
        size >= empty + 500_000,
        "the database file stayed at {size} bytes (from {empty}) while the store was open"
    );
    assert_eq!(counts(&store, &web), sums(&minutes(&web, 0, 20_000)));
}
