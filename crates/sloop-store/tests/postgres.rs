//! The PostgreSQL store on a real server (sloop-testkit's private one):
//! the conformance suites, replicas sharing one database, migrations,
//! pruning under writes, and connection errors.
//!
//! Each test starts its own server. Set `SLOOP_SKIP_POSTGRES=1` to skip
//! them where PostgreSQL is not installed.

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use postgres::NoTls;
use sloop_core::measure::Measurement;
use sloop_core::model::Labels;
use sloop_store::{
    Catalog, PostgresOptions, PostgresStore, Put, Scope, Store, StoreError, StoredObjective, TokenRecord, Written,
    conformance,
};
use sloop_testkit::postgres::Postgres;

const T0: i64 = 1_800_000_000;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The `k`-th minute after `T0`, with counts that differ from minute to
/// minute: `k mod 13 + 5` in total, `k mod 3` of them bad (`mod` never negative).
fn minute(labels: &Labels, k: i64) -> Measurement {
    let total = (k.rem_euclid(13) + 5) as f64;
    Measurement::new(labels.clone(), T0 + 60 * k, T0 + 60 * (k + 1), total - k.rem_euclid(3) as f64, total).unwrap()
}

/// The exact sums of [`minute`] over minutes `ks`.
fn minute_sums(ks: impl IntoIterator<Item = i64>) -> (f64, f64) {
    ks.into_iter().fold((0.0, 0.0), |(g, t), k| {
        let total = (k.rem_euclid(13) + 5) as f64;
        (g + total - k.rem_euclid(3) as f64, t + total)
    })
}

fn counts(store: &dyn Store, labels: &Labels, from: i64, to: i64) -> (f64, f64) {
    let c = store.counts(labels, from, to).unwrap();
    (c.good(), c.total())
}

fn open(url: &str) -> PostgresStore {
    PostgresStore::open(PostgresOptions::new(url)).unwrap_or_else(|e| panic!("opening {url}: {e}"))
}

fn client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, NoTls).unwrap()
}

fn schema_versions(url: &str) -> Vec<i64> {
    client(url).query("SELECT version FROM schema_version", &[]).unwrap().iter().map(|r| r.get(0)).collect()
}

#[test]
fn store_conformance() {
    let Some(pg) = Postgres::required_by("store_conformance") else { return };
    let n = AtomicUsize::new(0);
    conformance::run_all(&|| {
        let url = pg.new_database(&format!("store_{}", n.fetch_add(1, Ordering::Relaxed))).unwrap();
        Box::new(open(&url)) as Box<dyn Store>
    });
}

#[test]
fn catalog_conformance() {
    let Some(pg) = Postgres::required_by("catalog_conformance") else { return };
    let n = AtomicUsize::new(0);
    conformance::catalog::run_all(&|| {
        let url = pg.new_database(&format!("catalog_{}", n.fetch_add(1, Ordering::Relaxed))).unwrap();
        Box::new(open(&url)) as Box<dyn Catalog>
    });
}

#[test]
fn replicas_opening_a_new_database_at_once_create_the_schema_once() {
    let Some(pg) = Postgres::required_by("replicas_opening_a_new_database_at_once") else { return };
    let url = pg.new_database("racing").unwrap();
    let start = Barrier::new(8);
    let stores: Vec<PostgresStore> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    PostgresStore::open(PostgresOptions::new(&url))
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap().expect("every replica opens")).collect()
    });
    assert_eq!(schema_versions(&url), vec![2], "one schema_version row, at the latest version");
    let mut db = client(&url);
    let tables: Vec<String> = db
        .query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(tables, ["catalog_revisions", "objectives", "points", "schema_version", "series", "tokens"]);

    // Every replica works on the one schema.
    let web = labels(&[("service", "web")]);
    for (k, store) in stores.iter().enumerate() {
        store.write(&[minute(&web, k as i64)]).unwrap();
    }
    assert_eq!(counts(&stores[0], &web, i64::MIN, i64::MAX), minute_sums(0..8));
}

#[test]
fn reopening_keeps_the_data_and_migrates_nothing() {
    let Some(pg) = Postgres::required_by("reopening_keeps_the_data_and_migrates_nothing") else { return };
    let url = pg.new_database("reopened").unwrap();
    let web = labels(&[("service", "web")]);
    let batch: Vec<Measurement> = (0..100).map(|k| minute(&web, k)).collect();
    {
        let store = open(&url);
        assert_eq!(store.write(&batch).unwrap(), Written { inserted: 100, ..Written::default() });
    }
    // The row's creating transaction and the tables' identities: a
    // migration run again would change one or the other.
    let identity = |db: &mut postgres::Client| -> (String, u32, u32) {
        let row = db
            .query_one(
                "SELECT xmin::text, 'points'::regclass::oid, 'objectives'::regclass::oid FROM schema_version",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    let before = identity(&mut client(&url));
    let store = open(&url);
    assert_eq!(identity(&mut client(&url)), before, "reopening must not migrate again");
    assert_eq!(schema_versions(&url), vec![2]);
    assert_eq!(counts(&store, &web, i64::MIN, i64::MAX), minute_sums(0..100), "the data is still there");
    assert_eq!(store.write(&batch).unwrap(), Written { unchanged: 100, ..Written::default() });
}

#[test]
fn a_newer_schema_is_refused() {
    let Some(pg) = Postgres::required_by("a_newer_schema_is_refused") else { return };
    let url = pg.new_database("newer").unwrap();
    drop(open(&url));
    client(&url).execute("UPDATE schema_version SET version = 99", &[]).unwrap();
    match PostgresStore::open(PostgresOptions::new(&url)) {
        Err(StoreError::Open { message, .. }) => assert!(
            message.contains("schema version 99, newer than the 2 this sloop knows"),
            "the message must say why: {message}"
        ),
        other => panic!("a database from a newer sloop must be refused with StoreError::Open, got {other:?}"),
    }
    assert_eq!(schema_versions(&url), vec![99], "the refused open changed nothing");
}

#[test]
fn two_replicas_see_each_others_writes_and_catalog() {
    let Some(pg) = Postgres::required_by("two_replicas_see_each_others_writes_and_catalog") else { return };
    let url = pg.new_database("shared").unwrap();
    let (a, b) = (open(&url), open(&url));
    let web = labels(&[("service", "web"), ("slo", "availability")]);
    a.write(&(0..10).map(|k| minute(&web, k)).collect::<Vec<_>>()).unwrap();
    assert_eq!(counts(&b, &web, T0, T0 + 600), minute_sums(0..10), "B reads what A wrote");
    assert_eq!(b.last_to(&web).unwrap(), Some(T0 + 600));
    // B fills in before A's points and appends after them.
    let more: Vec<Measurement> = [-2, -1, 10, 11].iter().map(|&k| minute(&web, k)).collect();
    assert_eq!(b.write(&more).unwrap(), Written { inserted: 4, ..Written::default() });
    assert_eq!(counts(&a, &web, T0 - 120, T0 + 720), minute_sums(-2..12), "A reads both");
    assert_eq!(a.points(&web, i64::MIN, i64::MAX).unwrap().len(), 14);
    assert_eq!(a.series().unwrap(), vec![web.clone()]);

    let objective = StoredObjective {
        tenant: "acme".into(),
        service: "web".into(),
        name: "availability".into(),
        manifest: "m1".into(),
        updated_at: 5,
    };
    let r0 = a.revision("acme").unwrap();
    assert_eq!(b.put_objective(&objective).unwrap(), Put::Created);
    assert_eq!(a.put_objective(&objective).unwrap(), Put::Unchanged, "A sees B's objective");
    assert_eq!(a.objectives("acme").unwrap(), vec![objective.clone()]);
    assert_ne!(a.revision("acme").unwrap(), r0, "A sees the revision B bumped");
    let token = TokenRecord {
        id: "t1".into(),
        tenant: "acme".into(),
        name: "ci".into(),
        scope: Scope::Write,
        hash: "ab".repeat(32),
        created_at: 7,
    };
    a.create_token(&token).unwrap();
    assert_eq!(b.token_by_hash(&token.hash).unwrap(), Some(token.clone()), "B finds A's token");
    assert!(matches!(b.create_token(&token), Err(StoreError::Conflict { .. })), "B cannot reuse A's token id");
    assert!(b.revoke_token("acme", "t1").unwrap());
    assert_eq!(a.token_by_hash(&token.hash).unwrap(), None, "A sees B's revocation");
}

/// Two replicas, four threads each, writing one-minute points of the same
/// three series at once. Thread `t` writes the minutes `k ≡ t (mod 8)`,
/// newest first, so most batches land before points other threads already
/// stored: sums are rewritten on one replica while the other appends.
/// Every window must come out exact.
#[test]
fn replicas_writing_the_same_series_at_once_keep_every_sum_exact() {
    let Some(pg) = Postgres::required_by("replicas_writing_the_same_series_at_once") else { return };
    let url = pg.new_database("contended").unwrap();
    let replicas = [open(&url), open(&url)];
    let series: Vec<Labels> = (0..3).map(|i| labels(&[("service", "web"), ("slo", &format!("s{i}"))])).collect();
    const MINUTES: i64 = 400;
    const THREADS: i64 = 8;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (store, series) = (&replicas[(t % 2) as usize], &series);
            s.spawn(move || {
                // Batches of five of its minutes, for every series.
                let mine: Vec<i64> = (0..MINUTES).filter(|k| k % THREADS == t).rev().collect();
                for ks in mine.chunks(5) {
                    let batch: Vec<Measurement> =
                        series.iter().flat_map(|l| ks.iter().map(|&k| minute(l, k))).collect();
                    let written = store.write(&batch).unwrap_or_else(|e| panic!("thread {t}: {e}"));
                    assert_eq!(written.inserted, batch.len(), "thread {t}: every point is new");
                }
            });
        }
    });
    let reader = &replicas[0];
    for l in &series {
        let points = reader.points(l, i64::MIN, i64::MAX).unwrap();
        assert_eq!(points.len(), MINUTES as usize, "{l:?}: every point is kept");
        let at: Vec<i64> = (0..=MINUTES).map(|k| T0 + 60 * k).collect();
        let sums = reader.cumulative(l, &at).unwrap();
        for (k, c) in sums.iter().enumerate() {
            let (good, total) = minute_sums(0..k as i64);
            assert!(
                c.good() == good && c.total() == total,
                "{l:?}: the sums up to minute {k} are {} of {}, expected exactly {good} of {total}",
                c.good(),
                c.total()
            );
        }
    }
}

/// Writers append while a prune runs again and again: no write fails, and
/// the windows after the last cut are exact.
#[test]
fn pruning_while_replicas_write() {
    let Some(pg) = Postgres::required_by("pruning_while_replicas_write") else { return };
    let url = pg.new_database("pruned").unwrap();
    let (a, b) = (open(&url), open(&url));
    let series: Vec<Labels> = (0..4).map(|i| labels(&[("slo", &format!("s{i}"))])).collect();
    const MINUTES: i64 = 600;
    let cut = T0 + 60 * 300;
    std::thread::scope(|s| {
        for (i, l) in series.iter().enumerate() {
            let store = if i % 2 == 0 { &a } else { &b };
            s.spawn(move || {
                for ks in (0..MINUTES).collect::<Vec<_>>().chunks(20) {
                    let batch: Vec<Measurement> = ks.iter().map(|&k| minute(l, k)).collect();
                    store.write(&batch).unwrap_or_else(|e| panic!("writer of {l:?}: {e}"));
                }
            });
        }
        s.spawn(|| {
            for step in 0..=10 {
                b.prune(T0 + 60 * 30 * step).unwrap_or_else(|e| panic!("prune {step}: {e}"));
            }
        });
    });
    a.prune(cut).unwrap();
    for l in &series {
        let points = a.points(l, i64::MIN, i64::MAX).unwrap();
        assert_eq!(points.len(), 300, "{l:?}: the points after the cut are all kept");
        assert_eq!(points[0].to, cut + 60, "{l:?}: the oldest point left");
        for k in [300, 301, 450, 599] {
            let from = T0 + 60 * k;
            assert_eq!(counts(&a, l, from, T0 + 60 * MINUTES), minute_sums(k..MINUTES), "{l:?}: from minute {k} on");
        }
    }
    assert_eq!(a.series().unwrap(), series, "every series is listed once");
}

/// Label sets longer than a B-tree entry may be (about 2.7 kB) are stored
/// and found like any other: series are indexed by a hash of their labels.
#[test]
fn long_label_sets_are_stored() {
    let Some(pg) = Postgres::required_by("long_label_sets_are_stored") else { return };
    let store = open(&pg.new_database("long_labels").unwrap());
    let long: Labels = (0..32).map(|i| (format!("label_{i}"), format!("{i}-").repeat(400))).collect();
    let other: Labels = long.iter().map(|(k, v)| (k.clone(), format!("{v}x"))).collect();
    let batch: Vec<Measurement> = (0..5).map(|k| minute(&long, k)).chain((0..3).map(|k| minute(&other, k))).collect();
    assert_eq!(store.write(&batch).unwrap(), Written { inserted: 8, ..Written::default() });
    assert_eq!(counts(&store, &long, i64::MIN, i64::MAX), minute_sums(0..5));
    assert_eq!(counts(&store, &other, i64::MIN, i64::MAX), minute_sums(0..3));
    assert_eq!(store.series().unwrap(), vec![long.clone(), other], "the labels come back whole");
    assert_eq!(store.last_to(&long).unwrap(), Some(T0 + 300));
}

/// Pooled connections that the server ended (a restart, a failover, an
/// administrator) are replaced: a read is retried on a new connection, and
/// later calls work.
#[test]
fn connections_ended_by_the_server_are_replaced() {
    let Some(pg) = Postgres::required_by("connections_ended_by_the_server_are_replaced") else { return };
    let url = pg.new_database("ended").unwrap();
    let store = PostgresStore::open(PostgresOptions { pool_size: 3, ..PostgresOptions::new(&url) }).unwrap();
    let web = labels(&[("service", "web")]);
    // Three connections in the pool, all idle.
    std::thread::scope(|s| {
        for k in 0..3 {
            let (store, web) = (&store, &web);
            s.spawn(move || store.write(&[minute(web, k)]).unwrap());
        }
    });
    let ended: i64 = client(&url)
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = 'ended' AND application_name = 'sloop'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ended >= 1, "the store's connections were ended ({ended})");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(counts(&store, &web, i64::MIN, i64::MAX), minute_sums(0..3), "a read after the end works");
    assert_eq!(store.write(&[minute(&web, 3)]).unwrap(), Written { inserted: 1, ..Written::default() });
    assert_eq!(counts(&store, &web, i64::MIN, i64::MAX), minute_sums(0..4));
}

#[test]
fn a_refused_connection_names_the_url_without_its_password() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://sloop:hunter2@127.0.0.1:{port}/sloop");
    let options = PostgresOptions { connect_timeout: Duration::from_secs(5), ..PostgresOptions::new(&url) };
    assert!(!format!("{options:?}").contains("hunter2"), "Debug of the options hides the password");
    match PostgresStore::open(options) {
        Err(e @ StoreError::Open { .. }) => {
            let StoreError::Open { path, message } = &e else { unreachable!() };
            assert_eq!(path.to_str(), Some(format!("postgres://sloop:***@127.0.0.1:{port}/sloop").as_str()));
            assert!(message.contains("is PostgreSQL running"), "the message gives a hint: {message}");
            assert!(!e.to_string().contains("hunter2"), "the error must not show the password: {e}");
        }
        other => panic!("connecting to a closed port must fail with StoreError::Open, got {other:?}"),
    }
}

#[test]
fn a_wrong_password_or_database_is_an_open_error_with_a_hint() {
    let Some(pg) = Postgres::required_by("a_wrong_password_or_database_is_an_open_error") else { return };
    let wrong = format!("postgres://postgres:not-the-password@127.0.0.1:{}/sloop", pg.port());
    match PostgresStore::open(PostgresOptions::new(&wrong)) {
        Err(StoreError::Open { path, message }) => {
            assert_eq!(path.to_str(), Some(format!("postgres://postgres:***@127.0.0.1:{}/sloop", pg.port()).as_str()));
            assert!(message.contains("password authentication failed"), "PostgreSQL's reason: {message}");
            assert!(message.contains("check the user and password"), "a hint: {message}");
        }
        other => panic!("a wrong password must fail with StoreError::Open, got {other:?}"),
    }
    match PostgresStore::open(PostgresOptions::new(pg.url_of("missing"))) {
        Err(StoreError::Open { message, .. }) => {
            assert!(message.contains("database \"missing\" does not exist"), "PostgreSQL's reason: {message}");
            assert!(message.contains("createdb"), "a hint: {message}");
        }
        other => panic!("a missing database must fail with StoreError::Open, got {other:?}"),
    }
    match PostgresStore::open(PostgresOptions::new(format!("{}?sslmode=require", pg.url()))) {
        Err(StoreError::Open { message, .. }) => {
            assert!(message.contains("sloop connects without TLS"), "a hint: {message}");
        }
        other => panic!("a URL that requires TLS must fail with StoreError::Open, got {other:?}"),
    }
    let zero = PostgresOptions { pool_size: 0, ..PostgresOptions::new(pg.url()) };
    assert!(matches!(PostgresStore::open(zero), Err(StoreError::Open { .. })), "a pool of no connections");
}

/// Not a check: a measurement of ingestion speed, 16 clients each writing
/// batches of 1,000 points (10 series × 100 minutes) through one store.
/// `cargo test -p sloop-store --release --test postgres -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check; run by hand"]
fn write_throughput() {
    let Some(pg) = Postgres::required_by("write_throughput") else { return };
    for pool_size in [4, 8, 16] {
        let url = pg.new_database(&format!("throughput_{pool_size}")).unwrap();
        let store = PostgresStore::open(PostgresOptions { pool_size, ..PostgresOptions::new(url) }).unwrap();
        const CLIENTS: usize = 16;
        const BATCHES: i64 = 40;
        let started = Instant::now();
        std::thread::scope(|s| {
            for c in 0..CLIENTS {
                let store = &store;
                s.spawn(move || {
                    let series: Vec<Labels> =
                        (0..10).map(|i| labels(&[("client", &c.to_string()), ("slo", &format!("s{i}"))])).collect();
                    for b in 0..BATCHES {
                        let batch: Vec<Measurement> =
                            series.iter().flat_map(|l| (b * 100..(b + 1) * 100).map(|k| minute(l, k))).collect();
                        store.write(&batch).unwrap();
                    }
                });
            }
        });
        let elapsed = started.elapsed();
        let points = CLIENTS as f64 * BATCHES as f64 * 1000.0;
        println!(
            "pool {pool_size}: {points} points in {:.2} s: {:.0} points/s",
            elapsed.as_secs_f64(),
            points / elapsed.as_secs_f64()
        );
    }
}
