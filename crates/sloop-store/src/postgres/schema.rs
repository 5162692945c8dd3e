//! The schema and its migrations.
//!
//! As in the SQLite store, `schema_version` holds one row: how many of
//! [`MIGRATIONS`] the database has had, and the list is only ever appended
//! to (its numbering follows SQLite's: 1 the measurements, 2 the catalog).
//! Opening a store applies the missing ones in one transaction, so a crash
//! mid-migration leaves the old schema, and a database from a newer sloop is
//! refused rather than guessed at.
//!
//! Several replicas may start at once on a new database. Each migration
//! runs inside a transaction that first takes a transaction-level advisory
//! lock ([`LOCK_KEY`]): the first replica creates the tables while the
//! others wait on the lock, then find the schema up to date and change
//! nothing. (`CREATE TABLE IF NOT EXISTS` alone is not enough: two sessions
//! creating the same table at once can both get past the check, and one
//! fails on a duplicate catalog entry.) The lock is released at commit or
//! rollback, never left behind by a crashed replica.

use postgres::Client;

/// The advisory lock taken while migrating: "sloop" in ASCII, then the
/// lock's purpose (1: the schema). Advisory locks are per database, so
/// stores of different databases on one server do not wait for each other.
const LOCK_KEY: i64 = 0x736c_6f6f_7000_0001;

/// Each migration, in order; `schema_version` counts how many were applied.
///
/// Text columns that are sorted or compared are `COLLATE "C"`: byte order,
/// like SQLite's, whatever the database's locale, so listings come out in
/// the same order from every store and the indexes skip locale rules.
const MIGRATIONS: &[&str] = &[
    // 1: series and their points with running sums (see `mod.rs`). A
    // series is found by `key`, the SHA-256 of its labels: a B-tree entry
    // must fit in a third of a page (about 2.7 kB), and a label set may
    // not. No foreign key from points to series: it would cost a lookup
    // and a lock per inserted point, and writes already hold the series'
    // row lock.
    "CREATE TABLE series (
         id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
         key    BYTEA NOT NULL UNIQUE,
         labels TEXT  NOT NULL
     );
     CREATE TABLE points (
         series    BIGINT           NOT NULL,
         to_ts     BIGINT           NOT NULL,
         from_ts   BIGINT           NOT NULL,
         good      DOUBLE PRECISION NOT NULL,
         total     DOUBLE PRECISION NOT NULL,
         cum_good  DOUBLE PRECISION NOT NULL,
         cum_total DOUBLE PRECISION NOT NULL,
         PRIMARY KEY (series, to_ts)
     );",
    // 2: the catalog of a server (see `catalog.rs`): objectives as
    // manifests, tokens as hashes of their secrets, and a revision per
    // tenant that every change of its objectives bumps.
    "CREATE TABLE objectives (
         tenant     TEXT COLLATE \"C\" NOT NULL,
         service    TEXT COLLATE \"C\" NOT NULL,
         name       TEXT COLLATE \"C\" NOT NULL,
         manifest   TEXT             NOT NULL,
         updated_at BIGINT           NOT NULL,
         PRIMARY KEY (tenant, service, name)
     );
     CREATE TABLE tokens (
         id         TEXT COLLATE \"C\" PRIMARY KEY,
         tenant     TEXT COLLATE \"C\" NOT NULL,
         name       TEXT             NOT NULL,
         scope      TEXT             NOT NULL,
         hash       TEXT COLLATE \"C\" NOT NULL UNIQUE,
         created_at BIGINT           NOT NULL
     );
     CREATE TABLE catalog_revisions (
         tenant   TEXT COLLATE \"C\" PRIMARY KEY,
         revision BIGINT NOT NULL
     );",
];

/// The schema version this build writes.
pub(super) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Creates the schema or brings it up to date. The outer error is the
/// database's; the inner one says why the database is not a store we can
/// use.
pub(super) fn migrate(client: &mut Client) -> Result<Result<(), String>, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    let current: i64 = match tx.query_opt("SELECT version FROM schema_version", &[])? {
        Some(row) => row.try_get(0)?,
        None => 0,
    };
    if current > VERSION {
        return Ok(Err(format!(
            "the database has sloop schema version {current}, newer than the {VERSION} this sloop knows; \
             use the sloop that wrote it, or a newer one"
        )));
    }
    if current == VERSION {
        // Nothing to do; rolling back (on drop) releases the lock, and the
        // `CREATE TABLE IF NOT EXISTS` created nothing.
        return Ok(Ok(()));
    }
    for migration in &MIGRATIONS[usize::try_from(current).unwrap_or(0)..] {
        tx.batch_execute(migration)?;
    }
    if current == 0 {
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&VERSION])?;
    } else {
        tx.execute("UPDATE schema_version SET version = $1", &[&VERSION])?;
    }
    tx.commit()?;
    Ok(Ok(()))
}
