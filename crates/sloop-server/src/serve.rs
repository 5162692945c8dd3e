//! Running the server: bind, serve, and stop gracefully.
//!
//! On SIGINT or SIGTERM the listener closes at once (a load balancer's
//! health check sees the replica go), and requests under way finish before
//! the process exits: a batch of indicators being written is never cut in
//! half (and would be all-or-nothing if it were).

use std::future::Future;
use std::io;
use std::sync::Arc;

use sloop_store::{Database, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore};
use tokio::net::TcpListener;

use crate::api::{AppState, ServerOptions, router};

/// The page cache of a server's SQLite writer, in MiB: the last page of
/// 32,000 series. SQLite fills it only as pages are touched, so a small
/// server uses little of it.
pub const SERVER_WRITE_CACHE_MIB: u32 = 128;

/// How many appended points a server's SQLite store stages before merging
/// them into their series (`SqliteOptions::stage_rows`): about 10 MB of
/// rows, merged in a fraction of a second. Agents push one point of each of
/// many series at a time, which staging writes onto a few shared pages.
pub const SERVER_STAGE_ROWS: usize = 1 << 18;

/// Where the server keeps its state, from `--database`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` or a bare path.
    Sqlite(std::path::PathBuf),
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads `--database`.
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_string())
        } else {
            DatabaseUrl::Sqlite(url.strip_prefix("sqlite://").unwrap_or(url).into())
        }
    }

    /// Opens it (creating or migrating the schema). Blocking.
    ///
    /// A server's SQLite writer takes in many more series than an agent's,
    /// so it gets a larger page cache (see [`SERVER_WRITE_CACHE_MIB`]), and
    /// stages appends (see [`SERVER_STAGE_ROWS`]).
    pub fn open(&self) -> Result<Arc<dyn Database>, sloop_store::StoreError> {
        Ok(match self {
            DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open_with(SqliteOptions {
                write_cache_mib: SERVER_WRITE_CACHE_MIB,
                stage_rows: SERVER_STAGE_ROWS,
                ..SqliteOptions::new(path.clone())
            })?),
            DatabaseUrl::Postgres(url) => Arc::new(PostgresStore::open(PostgresOptions::new(url.clone()))?),
        })
    }
}

/// Serves the API and dashboard on `listener` until `shutdown` resolves,
/// then lets requests under way finish.
pub async fn serve(
    listener: TcpListener,
    db: Arc<dyn Database>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = router(AppState::new(db, options));
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
