//! The shared store: a PostgreSQL database that several server replicas
//! write at once.
//!
//! # Layout
//!
//! The same as the SQLite store's (see `sqlite/mod.rs`), in PostgreSQL's
//! types:
//!
//! ```text
//! series(id BIGINT IDENTITY PRIMARY KEY, key BYTEA UNIQUE, labels TEXT)
//! points(series, to_ts, from_ts, good, total, cum_good, cum_total,
//!        PRIMARY KEY (series, to_ts))
//! ```
//!
//! `labels` is the canonical JSON of the label set, as in SQLite, and `key`
//! its SHA-256 ([`series_key`]): what a series is found and locked by, as
//! a label set may be longer than a B-tree entry can be.
//!
//! Each point carries the running sums of its series, so the counts before
//! an instant are one descending seek down the primary key, and a window is
//! two. After [`Store::prune`] the oldest point left still carries sums that
//! include the pruned events; subtracting its own counts gives the *base*,
//! the sum before it, so windows that start at or after the cut stay exact.
//!
//! # Concurrency
//!
//! Several replicas, each with a pool of connections, write at once. Writes
//! to one series must not interleave (each continues the running sums of
//! the last), so a batch locks the rows of its series (`SELECT … FOR
//! UPDATE`) before reading anything, always in the order of their keys:
//! two batches that share series take their locks in the same order, so
//! they queue instead of deadlocking, and batches of other series never wait
//! for each other. A series that does not exist yet is inserted first, also
//! in key order, before any lock is held (see `write.rs`). Reads are single
//! statements: each sees one committed state, never half a batch.
//!
//! # Round trips
//!
//! A batch is sent as columns (one array per field) and expanded by
//! `unnest` on the server, so appending 1,000 points is a handful of
//! statements, not 1,000: begin, create missing series, lock, read the
//! newest points, insert, commit. The instants of a
//! [`Store::cumulative`] call are one array too, answered by one statement
//! that seeks once per instant.
//!
//! # Connections
//!
//! A small pool of connections (`pool.rs`), each with its prepared
//! statements. Opening the store connects once (so a wrong URL fails at
//! start, not at the first request) and brings the schema up to date under
//! an advisory lock (`schema.rs`). Connections use no TLS: run the server
//! next to its database, or in a private network.

mod catalog;
mod fault;
mod pool;
mod read;
mod schema;
mod write;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use postgres::error::SqlState;
use sha2::{Digest, Sha256};
use sloop_core::math::{Counts, Point};
use sloop_core::measure::Measurement;
use sloop_core::model::Labels;

pub use self::fault::redact;
use self::fault::{db_error, open_error, pool_error};
use self::pool::{Conn, Pool};
use self::write::Failure;
use crate::sqlite::label_key;
use crate::{Store, StoreError, Written};

/// The default of [`PostgresOptions::pool_size`].
const DEFAULT_POOL_SIZE: usize = 8;

/// The default of [`PostgresOptions::connect_timeout`].
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a batch is tried when PostgreSQL aborts it for a reason
/// that a second try resolves (a deadlock, a series pruned meanwhile).
const WRITE_ATTEMPTS: u32 = 5;

/// How to open a [`PostgresStore`].
///
/// ```
/// # use sloop_store::PostgresOptions;
/// let options = PostgresOptions { pool_size: 16, ..PostgresOptions::new("postgres://sloop@db/sloop") };
/// # assert_eq!(options.pool_size, 16);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Where the database is: a URL (`postgres://user:password@host:5432/db`)
    /// or libpq's `key=value` form (`host=db user=sloop dbname=sloop`).
    /// Error messages show it with the password replaced by `***`.
    pub url: String,
    /// How many connections the store may hold at most. Calls beyond that
    /// wait for a free one. Each writing call holds one for the length of a
    /// transaction; PostgreSQL gains little from more connections than it
    /// has cores to run them. Default: 8.
    pub pool_size: usize,
    /// How long to wait for the server to accept a connection, and for a
    /// free pooled connection when all are in use. Default: 10 s.
    pub connect_timeout: Duration,
}

impl PostgresOptions {
    /// Options for the database at `url`: 8 connections, 10 s timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), pool_size: DEFAULT_POOL_SIZE, connect_timeout: DEFAULT_CONNECT_TIMEOUT }
    }
}

impl fmt::Debug for PostgresOptions {
    // The URL may hold a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("url", &redact(&self.url))
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// A [`Store`] (and [`Catalog`](crate::Catalog)) in a PostgreSQL database,
/// shared by every replica of a server.
///
/// Each point is stored with the running sums of its series, so a window's
/// counts are two index seeks, whatever its length. Writers of one series
/// queue on a row lock; writers of different series do not wait for each
/// other. Open it with [`PostgresStore::open`].
pub struct PostgresStore {
    /// The URL without its password: what errors name.
    shown: PathBuf,
    pool: Pool,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore").field("url", &self.shown).field("pool", &self.pool).finish()
    }
}

impl PostgresStore {
    /// Connects to the database and creates its schema, or brings it up to
    /// date (see `schema.rs`): several replicas may open one database at
    /// once.
    ///
    /// Fails with [`StoreError::Open`] (naming the URL without its
    /// password) when the URL cannot be read, the server cannot be reached
    /// or refuses the user, or the database holds a schema newer than this
    /// sloop's.
    pub fn open(options: PostgresOptions) -> Result<Self, StoreError> {
        let shown = PathBuf::from(redact(&options.url));
        let open = |message: String| StoreError::Open { path: shown.clone(), message };
        let mut config: postgres::Config = options.url.parse().map_err(|e| {
            open(format!(
                "not a PostgreSQL URL ({e}); expected postgres://user:password@host:port/database \
                 or key=value pairs such as host=localhost user=sloop dbname=sloop"
            ))
        })?;
        if options.pool_size == 0 {
            return Err(open("pool_size is 0; a store needs at least 1 connection".to_string()));
        }
        config.connect_timeout(options.connect_timeout);
        if config.get_application_name().is_none() {
            // Shown in pg_stat_activity, so a DBA can tell sloop's sessions apart.
            config.application_name("sloop");
        }
        let pool = Pool::new(config, options.pool_size, options.connect_timeout);
        let mut conn = pool.get().map_err(|e| pool_error(&shown, &e))?;
        schema::migrate(&mut conn.client).map_err(|e| open_error(&shown, &e))?.map_err(open)?;
        drop(conn);
        Ok(Self { shown, pool })
    }

    /// The URL the store was opened with, its password replaced by `***`.
    pub fn url(&self) -> &Path {
        &self.shown
    }

    fn error(&self, e: &postgres::Error) -> StoreError {
        db_error(&self.shown, e)
    }

    /// A pooled connection, or the error that kept us from one.
    fn conn(&self) -> Result<pool::Lease<'_>, StoreError> {
        self.pool.get().map_err(|e| pool_error(&self.shown, &e))
    }

    /// Runs a read. Pooled connections go stale when the server restarts;
    /// a read that fails on a connection found closed is tried once more
    /// on a fresh one (reads change nothing, so this is always safe).
    fn read<T>(&self, f: impl Fn(&mut Conn) -> Result<T, postgres::Error>) -> Result<T, StoreError> {
        let mut retried = false;
        loop {
            let mut conn = self.conn()?;
            match f(&mut conn) {
                Ok(v) => return Ok(v),
                // The lease drops the closed connection (and the idle ones,
                // likely stale too) on the way round.
                Err(_) if !retried && conn.client.is_closed() => retried = true,
                Err(e) => return Err(self.error(&e)),
            }
        }
    }
}

impl Store for PostgresStore {
    fn write(&self, batch: &[Measurement]) -> Result<Written, StoreError> {
        let plan = write::plan(batch)?;
        if plan.is_empty() {
            return Ok(Written::default());
        }
        let mut attempt = 1;
        loop {
            let mut conn = self.conn()?;
            match write::apply(&mut conn, batch, &plan) {
                Ok(written) => return Ok(written),
                Err(Failure::Refused(e)) => return Err(e),
                // A deadlock cannot arise from this store's own lock order,
                // but other clients of the database (or a future change) may
                // cause one; PostgreSQL then aborts one transaction, whose
                // batch is simply tried again. A series pruned while the
                // batch waited for its lock is created again on the next try.
                Err(Failure::Db(e))
                    if attempt < WRITE_ATTEMPTS
                        && matches!(e.code(), Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
                            || *c == SqlState::T_R_SERIALIZATION_FAILURE) => {}
                Err(Failure::Vanished) if attempt < WRITE_ATTEMPTS => {}
                Err(Failure::Db(e)) => return Err(self.error(&e)),
                Err(Failure::Vanished) => {
                    return Err(StoreError::Database {
                        path: self.shown.clone(),
                        message: format!(
                            "series of the batch were pruned while it was written, {WRITE_ATTEMPTS} times in a row; \
                             nothing was written (try again after the prune)"
                        ),
                    });
                }
            }
            attempt += 1;
        }
    }

    fn cumulative(&self, labels: &Labels, at: &[i64]) -> Result<Vec<Counts>, StoreError> {
        if at.is_empty() {
            return Ok(Vec::new());
        }
        let sums = self.read(|conn| read::cumulative(conn, labels, at))?;
        sums.into_iter().map(|s| read::counts(&self.shown, labels, s)).collect()
    }

    fn points(&self, labels: &Labels, from: i64, to: i64) -> Result<Vec<Point>, StoreError> {
        let rows = self.read(|conn| read::points(conn, labels, from, to))?;
        rows.into_iter()
            .map(|(from, to, good, total)| {
                Point::new(from, to, good, total).map_err(|e| StoreError::Database {
                    path: self.shown.clone(),
                    message: format!(
                        "the stored point ({from}, {to}] of series {} is not valid: {e}",
                        crate::format_labels(labels)
                    ),
                })
            })
            .collect()
    }

    fn last_to(&self, labels: &Labels) -> Result<Option<i64>, StoreError> {
        self.read(|conn| read::last_to(conn, labels))
    }

    fn series(&self) -> Result<Vec<Labels>, StoreError> {
        let texts = self.read(read::series)?;
        let mut out = Vec::with_capacity(texts.len());
        for text in texts {
            let labels: Labels = serde_json::from_str(&text).map_err(|e| StoreError::Database {
                path: self.shown.clone(),
                message: format!("the stored labels {text} are not a JSON object of strings: {e}"),
            })?;
            out.push(labels);
        }
        // Sorted by the label sets themselves, so every store lists them alike.
        out.sort();
        Ok(out)
    }

    fn prune(&self, before: i64) -> Result<u64, StoreError> {
        let mut conn = self.conn()?;
        write::prune(&mut conn, before).map_err(|e| self.error(&e))
    }
}

/// How a series is stored: the canonical JSON of its labels (the SQLite
/// store's spelling) and that text's SHA-256, its key.
pub(super) fn series_key(labels: &Labels) -> (String, [u8; 32]) {
    let json = label_key(labels);
    let key = Sha256::digest(json.as_bytes()).into();
    (json, key)
}
