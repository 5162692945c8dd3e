//! The schema and its migrations.
//!
//! `schema_version` holds one row: how many of [`MIGRATIONS`] the file has
//! had. Opening a store applies the missing ones in one transaction, so
//! opening is idempotent and a crash mid-migration leaves the old schema.
//! Migrations are only ever appended; a file from a newer sloop (a version
//! beyond the list) is refused rather than guessed at.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Each migration, in order; `schema_version` counts how many were applied.
const MIGRATIONS: &[&str] = &[
    // 1: series and their points with running sums (see the module docs of
    // `sqlite`).
    "CREATE TABLE series (
         id     INTEGER PRIMARY KEY,
         labels TEXT    NOT NULL UNIQUE
     );
     CREATE TABLE points (
         series    INTEGER NOT NULL,
         to_ts     INTEGER NOT NULL,
         from_ts   INTEGER NOT NULL,
         good      REAL    NOT NULL,
         total     REAL    NOT NULL,
         cum_good  REAL    NOT NULL,
         cum_total REAL    NOT NULL,
         PRIMARY KEY (series, to_ts)
     ) WITHOUT ROWID;",
    // 2: the catalog of a server (see `catalog.rs`): objectives as
    // manifests, and tokens as hashes of their secrets.
    "CREATE TABLE objectives (
         tenant     TEXT    NOT NULL,
         service    TEXT    NOT NULL,
         name       TEXT    NOT NULL,
         manifest   TEXT    NOT NULL,
         updated_at INTEGER NOT NULL,
         PRIMARY KEY (tenant, service, name)
     ) WITHOUT ROWID;
     CREATE TABLE tokens (
         id         TEXT    PRIMARY KEY,
         tenant     TEXT    NOT NULL,
         name       TEXT    NOT NULL,
         scope      TEXT    NOT NULL,
         hash       TEXT    NOT NULL UNIQUE,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE catalog_revisions (
         tenant   TEXT    PRIMARY KEY,
         revision INTEGER NOT NULL
     ) WITHOUT ROWID;",
    // 3: appends staged in arrival order, merged into `points` in bulk (see
    // `staged.rs`). A rowid table without other index, so a batch's rows
    // fill a few consecutive pages whatever their series.
    "CREATE TABLE staged (
         seq       INTEGER PRIMARY KEY,
         series    INTEGER NOT NULL,
         to_ts     INTEGER NOT NULL,
         from_ts   INTEGER NOT NULL,
         good      REAL    NOT NULL,
         total     REAL    NOT NULL,
         cum_good  REAL    NOT NULL,
         cum_total REAL    NOT NULL
     );",
];

/// The schema version this build writes.
pub(super) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Creates the schema or brings it up to date. The outer error is the
/// database's; the inner one says why the file is not a store we can use.
pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<(), String>> {
    // IMMEDIATE takes the write lock up front: two processes opening a new
    // file at once must not both create the tables.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let current: Option<i64> = tx.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).optional()?;
    let current = current.unwrap_or(0);
    if current > VERSION {
        return Ok(Err(newer(current)));
    }
    for migration in &MIGRATIONS[usize::try_from(current).unwrap_or(0)..] {
        tx.execute_batch(migration)?;
    }
    if current == 0 {
        tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [VERSION])?;
    } else if current < VERSION {
        tx.execute("UPDATE schema_version SET version = ?1", [VERSION])?;
    }
    tx.commit()?;
    Ok(Ok(()))
}

/// Checks, without writing, that a file opened read-only holds a store of a
/// version this build reads.
pub(super) fn check(conn: &Connection) -> rusqlite::Result<Result<(), String>> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(Err(
            "the file holds no sloop store (no schema_version table); open it writable once to create one".to_string()
        ));
    }
    let version: Option<i64> = conn.query_row("SELECT version FROM schema_version", [], |r| r.get(0)).optional()?;
    Ok(match version {
        Some(v) if v == VERSION => Ok(()),
        Some(v) if v > VERSION => Err(newer(v)),
        Some(v) => Err(format!(
            "the store has schema version {v}, older than this sloop's {VERSION}; open it writable once to upgrade it"
        )),
        None => Err("the store's schema_version table is empty; open it writable once to repair it".to_string()),
    })
}

fn newer(version: i64) -> String {
    format!(
        "the store has schema version {version}, newer than the {VERSION} this sloop knows; \
         use the sloop that wrote it, or a newer one"
    )
}
