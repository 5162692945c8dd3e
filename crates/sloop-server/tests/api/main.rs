//! The HTTP API against a real server on 127.0.0.1, on SQLite and on
//! PostgreSQL (a private server from Debian's package, started by the
//! test kit). The scenarios are in `scenarios.rs`; each runs on both.

mod scenarios;
mod support;

use std::sync::Arc;

use sloop_store::{Database, SqliteStore};

fn sqlite() -> (tempfile::TempDir, Arc<dyn Database>) {
    let dir = tempfile::tempdir().unwrap();
    let db = SqliteStore::open(dir.path().join("sloop.db")).unwrap();
    (dir, Arc::new(db))
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
