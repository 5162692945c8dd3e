//! The embedded store: one SQLite file in WAL mode.
//!
//! # Layout
//!
//! ```text
//! series(id INTEGER PRIMARY KEY, labels TEXT UNIQUE NOT NULL)
//! points(series, to_ts, from_ts, good, total, cum_good, cum_total,
//!        PRIMARY KEY (series, to_ts)) WITHOUT ROWID
//! staged(seq INTEGER PRIMARY KEY, series, to_ts, from_ts, good, total,
//!        cum_good, cum_total)
//! ```
//!
//! `labels` is the canonical JSON of the label map (a `BTreeMap`, so keys are
//! sorted and one label set has one spelling). A point's `cum_*` are the
//! running sums of `good` and `total` over its series up to and including
//! itself, so the counts before an instant `t` are the `cum_*` of the row
//! with the largest `to_ts ≤ t`: one seek down the primary key, whatever the
//! window's length. `WITHOUT ROWID` stores the rows in the primary key's
//! B-tree itself, so that seek lands on the data, not on a pointer to it.
//!
//! After [`Store::prune`] the oldest points are gone but the sums of the
//! others still include them. For an instant before the oldest point left,
//! the sum is that point's `cum_*` minus its own counts (its *base*): the
//! events before it, pruned or not. Windows that start at or after the cut
//! therefore stay exact. A series left without points is deleted with them.
//!
//! # Writing
//!
//! Appending after a series' newest point (what an agent does every minute)
//! costs one seek for the newest point and one insert per new point. Writing
//! into the middle of a series (filling a gap, rewriting an interval with
//! new counts) recomputes the sums of every later point of that series, once
//! per series per batch. See `write.rs`.
//!
//! A server can stage appends in `staged`, a log kept in arrival order, and
//! move them into `points` in bulk: one point for each of many series then
//! costs a few shared pages instead of one page each. See `staged.rs`.
//!
//! # Connections
//!
//! One connection writes, behind a mutex. A file-backed store in WAL mode
//! opens a second, read-only connection for queries: WAL lets readers work
//! on the last committed state while a write is under way, so reports do not
//! wait for the agent. Every read runs in one read transaction, so the
//! several lookups of one call see the same state. A third connection, on a
//! thread of its own, copies the log back into the file (see
//! `checkpoint.rs`), so commits do not stop for it.

mod catalog;
mod checkpoint;
mod read;
mod schema;
mod staged;
#[cfg(test)]
mod tests;
mod write;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, MAIN_DB, OpenFlags, TransactionBehavior};
use sloop_core::math::{Counts, Point};
use sloop_core::measure::Measurement;
use sloop_core::model::Labels;

use crate::{Store, StoreError, Written};

/// How long a write waits for another connection's lock by default.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The default of [`SqliteOptions::write_cache_mib`].
const DEFAULT_WRITE_CACHE_MIB: u32 = 8;

/// The default of [`SqliteOptions::read_cache_mib`].
const DEFAULT_READ_CACHE_MIB: u32 = 256;

/// How many prepared statements each connection keeps: more than the store
/// uses, so none is ever compiled twice.
const STATEMENT_CACHE: usize = 32;

/// How to open a [`SqliteStore`].
///
/// Build one with [`SqliteOptions::new`] and change what you need:
///
/// ```
/// # use sloop_store::SqliteOptions;
/// let options = SqliteOptions { read_only: true, ..SqliteOptions::new("sloop.db") };
/// # assert!(options.read_only);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// The database file, created with its schema when missing (unless
    /// `read_only`). `:memory:` is a private in-memory database.
    pub path: PathBuf,
    /// Open without write access (`SQLITE_OPEN_READ_ONLY`): queries work,
    /// writes fail with [`StoreError::ReadOnly`]. The file must exist and
    /// already hold a store.
    pub read_only: bool,
    /// How long a write waits for another process's (or handle's) write to
    /// finish before failing.
    pub busy_timeout: Duration,
    /// A ceiling on the database's size, in pages of 4 KiB
    /// (`PRAGMA max_page_count`). Writes that would grow the file beyond it
    /// fail with [`StoreError::Full`], as on a full disk. `None`: no limit
    /// but the disk's.
    pub max_pages: Option<u32>,
    /// The page cache of the connection that answers queries, in MiB.
    ///
    /// A report seeks a few dozen instants in every series: about 40,000
    /// pages for 1,000 objectives over 30 days. When they fit in the cache,
    /// reports never go back to the file: 1,000 of them took 68 ms with
    /// 256 MiB against 94 to 106 ms with 64 MiB (`benches/report.rs`).
    /// SQLite fills the cache only as it reads pages, so a small store uses
    /// little of it. Default: 256.
    pub read_cache_mib: u32,
    /// The page cache of the connection that writes, in MiB.
    ///
    /// An append touches the last page of its series, so a writer whose
    /// series' last pages all fit never reads the file: about 4 KiB per
    /// series. 8 MiB (the default) keeps an agent measuring 1,000 SLOs
    /// under 50 MB while it backfills (64 MiB took it to 96 MB); a server
    /// taking in 16,000 series needs 64 MiB or more (docs/benchmarks.md).
    pub write_cache_mib: u32,
    /// Stage appends, and merge them into the series once this many rows
    /// are staged; 0 (the default) writes every point in place.
    ///
    /// A batch holding one new point for each of many series (a server
    /// taking in every agent's newest minute) costs a 4 KiB page per series
    /// written in place, and a few shared pages staged: with 262,144, a
    /// server took in 2.3 times as many such points per second
    /// (docs/benchmarks.md). The batch that fills the stage pays for the
    /// merge, and a read finding staged rows merges them first. A read-only
    /// store, which cannot merge, reads them next to the points instead,
    /// more slowly. Appends of 16 points or more to one series (a backlog, a
    /// backfill) fill pages of their own and are written in place whenever
    /// their series has nothing staged.
    pub stage_rows: usize,
}

impl SqliteOptions {
    /// Read-write, 5 s busy timeout, no size limit.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            read_only: false,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            max_pages: None,
            read_cache_mib: DEFAULT_READ_CACHE_MIB,
            write_cache_mib: DEFAULT_WRITE_CACHE_MIB,
            stage_rows: 0,
        }
    }
}

/// A [`Store`] in one SQLite file, in WAL mode.
///
/// Each point is stored with the running sums of its series, so a window's
/// counts are two index seeks, whatever its length. Appends cost O(batch);
/// a write into the middle of a series recomputes the sums after it. After
/// [`Store::prune`], a series left without points is deleted too. One
/// connection writes; a file-backed store answers queries on a second,
/// read-only one, so reads do not wait for writes.
pub struct SqliteStore {
    path: PathBuf,
    read_only: bool,
    /// The checkpoint thread, for file-backed stores in WAL mode. First, so
    /// it stops (and closes its connection) before the others close.
    checkpointer: Option<checkpoint::Checkpointer>,
    /// A read-only connection for queries, for file-backed stores in WAL mode.
    ///
    /// Declared before `writer` so it is dropped (closed) first: the last
    /// connection to close checkpoints the WAL into the database file and
    /// deletes it, which only a connection that may write can do.
    reader: Option<Mutex<Connection>>,
    /// The connection that writes (and reads, when there is no `reader`).
    writer: Mutex<Connection>,
    /// What the writer knows of each series' newest point. Locked only
    /// while `writer` is held.
    tips: Mutex<write::Tips>,
    /// [`SqliteOptions::stage_rows`].
    stage_rows: usize,
    /// What a read-only store last read of `staged`, kept until another
    /// connection commits.
    overlay: Mutex<Option<Arc<staged::Overlay>>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("read_only", &self.read_only)
            .field("separate_reader", &self.reader.is_some())
            .finish()
    }
}

impl SqliteStore {
    /// Opens (or creates) the store at `path` with the default options.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, StoreError> {
        Self::open_with(SqliteOptions::new(path))
    }

    /// A private store in memory, gone when dropped. For tests and one-shot
    /// commands.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::open_with(SqliteOptions::new(":memory:"))
    }

    /// Opens (or creates) a store.
    ///
    /// A writable store is put in WAL mode with `synchronous=NORMAL`: a
    /// commit is one append to the log, without waiting for the disk, and a
    /// power cut can lose the last commits but never corrupts the file.
    /// Its schema is created or brought up to date (see `schema.rs`).
    ///
    /// Fails with [`StoreError::ReadOnly`] when the file cannot be written
    /// and `read_only` is not set, and with [`StoreError::Open`] when it
    /// cannot be opened at all or is not a store this version understands.
    pub fn open_with(options: SqliteOptions) -> Result<Self, StoreError> {
        let path = options.path.clone();
        let open_error = |e: rusqlite::Error| open_error(&path, e);
        let in_memory = path.as_os_str() == ":memory:";

        let flags = if options.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let mut conn = Connection::open_with_flags(&path, flags).map_err(open_error)?;
        conn.busy_timeout(options.busy_timeout).map_err(open_error)?;
        // Negative: a size in KiB, as `PRAGMA cache_size` takes it.
        let read_cache_kib = -i64::from(options.read_cache_mib) * 1024;
        let write_cache_kib = -i64::from(options.write_cache_mib) * 1024;
        // A connection that also answers queries (in memory, read-only, or
        // without WAL) gets the larger cache of the two.
        conn.pragma_update(None, "cache_size", read_cache_kib.min(write_cache_kib)).map_err(open_error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);

        let mut wal = false;
        if options.read_only {
            schema::check(&conn)
                .map_err(open_error)?
                .map_err(|message| StoreError::Open { path: path.clone(), message })?;
        } else {
            // SQLite quietly opens a file it may not write read-only; a store
            // asked to write must say so now, not at the first write.
            if conn.is_readonly(MAIN_DB).map_err(open_error)? {
                return Err(StoreError::ReadOnly { path });
            }
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0)).map_err(open_error)?;
            // In-memory databases (and some network file systems) cannot use
            // a WAL; they keep their own journal and a single connection.
            wal = mode.eq_ignore_ascii_case("wal");
            conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_error)?;
            if let Some(pages) = options.max_pages {
                conn.pragma_update(None, "max_page_count", pages).map_err(open_error)?;
            }
            schema::migrate(&mut conn)
                .map_err(open_error)?
                .map_err(|message| StoreError::Open { path: path.clone(), message })?;
        }

        let (reader, checkpointer) = if wal && !in_memory {
            let reader =
                Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                    .map_err(open_error)?;
            reader.busy_timeout(options.busy_timeout).map_err(open_error)?;
            reader.pragma_update(None, "cache_size", read_cache_kib).map_err(open_error)?;
            // The writer answers no queries now: its cache can stay small.
            conn.pragma_update(None, "cache_size", write_cache_kib).map_err(open_error)?;
            reader.set_prepared_statement_cache_capacity(STATEMENT_CACHE);

            let ckpt =
                Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                    .map_err(open_error)?;
            ckpt.busy_timeout(options.busy_timeout).map_err(open_error)?;
            // Only once the thread runs does the writer leave checkpoints to it.
            let checkpointer = checkpoint::Checkpointer::start(ckpt)
                .map_err(|e| StoreError::Open { path: path.clone(), message: format!("cannot start a thread: {e}") })?;
            conn.pragma_update(None, "wal_autocheckpoint", checkpoint::WRITER_AUTOCHECKPOINT).map_err(open_error)?;
            (Some(Mutex::new(reader)), Some(checkpointer))
        } else {
            (None, None)
        };
        Ok(Self {
            path,
            read_only: options.read_only,
            checkpointer,
            reader,
            writer: Mutex::new(conn),
            tips: Mutex::new(write::Tips::default()),
            stage_rows: if options.read_only { 0 } else { options.stage_rows },
            overlay: Mutex::new(None),
        })
    }

    /// The database file (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection for queries. A panic while a connection was held
    /// leaves it usable (its transaction was rolled back when dropped), so
    /// a poisoned lock is taken over rather than failing every later call.
    fn read_connection(&self) -> MutexGuard<'_, Connection> {
        self.reader.as_ref().unwrap_or(&self.writer).lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_connection(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` in one read transaction, so its lookups see one state.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = self.read_connection();
        let tx = conn.transaction().map_err(|e| self.error(e))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| self.error(e))?;
        Ok(out)
    }

    /// [`Self::read`] for queries of points.
    ///
    /// `f` gets the staged rows it must read next to `points`, if any. A
    /// store that may write merges them first instead, outside the read
    /// transaction, and reads again: rows staged after that merge belong to
    /// writes that finished after this read began, so `points` alone is
    /// what the read must see (see `staged.rs`).
    fn read_points<T>(
        &self,
        f: impl Fn(&Connection, Option<&staged::Overlay>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // None until a merge was tried, then whether it worked.
        let mut merged: Option<bool> = if self.read_only { Some(false) } else { None };
        loop {
            let mut conn = self.read_connection();
            let tx = conn.transaction().map_err(|e| self.error(e))?;
            let staged = staged::any(&tx).map_err(|e| self.error(e))?;
            if staged && merged.is_none() {
                drop(tx);
                drop(conn);
                // A merge that cannot be made (a full disk, another writer
                // holding the lock too long) must not fail the read: then
                // the staged rows are read in place, as a read-only store does.
                merged = Some(self.merge_staged().is_ok());
                continue;
            }
            let overlay = if staged && merged == Some(false) { Some(self.overlay(&tx)?) } else { None };
            let out = f(&tx, overlay.as_deref())?;
            tx.commit().map_err(|e| self.error(e))?;
            return Ok(out);
        }
    }

    /// Every staged row, read in `tx` unless what was read before still
    /// holds: nothing was committed by another connection since.
    fn overlay(&self, tx: &Connection) -> Result<Arc<staged::Overlay>, StoreError> {
        let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(|e| self.error(e))?;
        let mut cached = self.overlay.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(overlay) = cached.as_ref().filter(|o| o.data_version == version) {
            return Ok(Arc::clone(overlay));
        }
        let overlay = Arc::new(staged::Overlay::load(tx, version).map_err(|e| self.error(e))?);
        *cached = Some(Arc::clone(&overlay));
        Ok(overlay)
    }

    /// Moves every staged row into `points`, in a transaction of its own.
    fn merge_staged(&self) -> Result<(), StoreError> {
        let mut conn = self.write_connection();
        let mut tips = self.tips.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.error(e))?;
        staged::merge(&tx).map_err(|e| self.error(e))?;
        tx.commit().map_err(|e| self.error(e))?;
        tips.merged();
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.notify();
        }
        Ok(())
    }

    fn error(&self, e: rusqlite::Error) -> StoreError {
        db_error(&self.path, e)
    }
}

impl Store for SqliteStore {
    fn write(&self, batch: &[Measurement]) -> Result<Written, StoreError> {
        let prepared = write::prepare(batch)?;
        let mut conn = self.write_connection();
        let mut tips = self.tips.lock().unwrap_or_else(PoisonError::into_inner);
        let written = write::write(&mut conn, &mut tips, &self.path, prepared, self.stage_rows)?;
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.notify();
        }
        Ok(written)
    }

    fn cumulative(&self, labels: &Labels, at: &[i64]) -> Result<Vec<Counts>, StoreError> {
        self.read_points(|conn, staged| read::cumulative(conn, &self.path, labels, at, staged))
    }

    fn points(&self, labels: &Labels, from: i64, to: i64) -> Result<Vec<Point>, StoreError> {
        self.read_points(|conn, staged| read::points(conn, &self.path, labels, from, to, staged))
    }

    fn last_to(&self, labels: &Labels) -> Result<Option<i64>, StoreError> {
        self.read_points(|conn, staged| read::last_to(conn, &self.path, labels, staged))
    }

    fn series(&self) -> Result<Vec<Labels>, StoreError> {
        self.read(|conn| read::series(conn, &self.path))
    }

    fn prune(&self, before: i64) -> Result<u64, StoreError> {
        let mut conn = self.write_connection();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.error(e))?;
        let pruned = write::prune(&tx, before).map_err(|e| self.error(e))?;
        // The newest points may be gone, or whole series with their ids.
        self.tips.lock().unwrap_or_else(PoisonError::into_inner).clear();
        tx.commit().map_err(|e| self.error(e))?;
        Ok(pruned)
    }
}

impl Drop for SqliteStore {
    /// Merges what this handle staged, so that the file it leaves behind
    /// reads fast even where it cannot be merged (a read-only store). A
    /// failure leaves the rows staged, to be merged by the next writer.
    fn drop(&mut self) {
        let holds = self.tips.lock().unwrap_or_else(PoisonError::into_inner).holds_staged();
        if holds {
            // Nothing to report it to; the rows are safe where they are.
            let _ = self.merge_staged();
        }
    }
}

/// A database error as the store's error: a read-only database or a full
/// disk (or size limit) get their own variants, so callers can tell the
/// operator what to fix.
pub(crate) fn db_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path: path.to_path_buf() },
        Some(ErrorCode::DiskFull) => StoreError::Full { path: path.to_path_buf() },
        _ => StoreError::Database { path: path.to_path_buf(), message: e.to_string() },
    }
}

/// An error while opening: the same as [`db_error`], but anything else is
/// [`StoreError::Open`], with a hint for the usual cause.
fn open_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly | ErrorCode::DiskFull) => db_error(path, e),
        Some(ErrorCode::CannotOpen) => StoreError::Open {
            path: path.to_path_buf(),
            message: format!("{e} (check that its directory exists and can be written)"),
        },
        Some(ErrorCode::NotADatabase) => StoreError::Open {
            path: path.to_path_buf(),
            message: format!("{e}: the file exists but is not an SQLite database; point sloop at another file"),
        },
        _ => StoreError::Open { path: path.to_path_buf(), message: e.to_string() },
    }
}

/// The canonical spelling of a label set: JSON of the sorted map.
pub(crate) fn label_key(labels: &Labels) -> String {
    // Serializing a map of strings to a string cannot fail: there is no
    // non-string key, no I/O, and no custom `Serialize`.
    serde_json::to_string(labels).expect("a map of strings always serializes to JSON")
}
