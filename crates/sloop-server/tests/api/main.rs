//! The HTTP API against a real server on 127.0.0.1, on SQLite and on
//! PostgreSQL (a private server from Debian's package, started by the
//! test kit). The scenarios are in `scenarios.rs`; each runs on both.

mod scenarios;
mod support;

use std::sync::Arc;

use sloop_server::serve::DatabaseUrl;
use sloop_store::{Database, PostgresOptions, PostgresStore, SqliteStore};

/// SQLite opened as `sloop serve` opens it: with staged appends.
fn sqlite() -> (tempfile::TempDir, Arc<dyn Database>) {
    let dir = tempfile::tempdir().unwrap();
    let db = DatabaseUrl::Sqlite(dir.path().join("sloop.db")).open().unwrap();
    (dir, db)
}

macro_rules! on_sqlite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (_dir, db) = super::sqlite();
                    super::scenarios::$name(db).await;
                }
            )*
        }
    };
}

on_sqlite!(sync_push_and_report, bad_input_is_refused_whole, tokens_scopes_and_tenants, manifests_and_routes);

/// Every scenario on PostgreSQL: one private server (from Debian's package,
/// started by the test kit), a fresh database per scenario.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_scenarios() {
    // The sync PostgreSQL client runs its own runtime: not on an async thread.
    use tokio::task::block_in_place;
    let Some(pg) = block_in_place(|| sloop_testkit::postgres::Postgres::required_by("postgres_scenarios")) else {
        return;
    };
    let open = |name: &str| -> Arc<dyn Database> {
        block_in_place(|| {
            let url = pg.new_database(name).unwrap();
            Arc::new(PostgresStore::open(PostgresOptions::new(url)).unwrap())
        })
    };
    scenarios::sync_push_and_report(open("sync_push")).await;
    scenarios::bad_input_is_refused_whole(open("bad_input")).await;
    scenarios::tokens_scopes_and_tenants(open("tokens")).await;
    scenarios::manifests_and_routes(open("manifests")).await;
    scenarios::two_replicas(open("replica_a"), {
        // The second replica opens the same database as the first.
        let url = pg.url_of("replica_a");
        block_in_place(|| Arc::new(PostgresStore::open(PostgresOptions::new(url)).unwrap()))
    })
    .await;
    block_in_place(|| drop(pg));
}

/// Two servers on one SQLite file (two handles, as two processes would
/// have): the same guarantees as PostgreSQL replicas, on one machine. Each
/// stages appends, as `sloop serve` does, and plain handles see the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_servers_on_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let a = DatabaseUrl::Sqlite(path.clone()).open().unwrap();
    let b = DatabaseUrl::Sqlite(path.clone()).open().unwrap();
    scenarios::two_replicas(a, b).await;
    let path = dir.path().join("plain.db");
    let a: Arc<dyn Database> = Arc::new(SqliteStore::open(&path).unwrap());
    let b: Arc<dyn Database> = Arc::new(SqliteStore::open(&path).unwrap());
    scenarios::two_replicas(a, b).await;
}
