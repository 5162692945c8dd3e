//! Staged appends: a log of new points, merged into `points` in bulk.
//!
//! `points` is clustered by series, so one point appended to each of 1,000
//! series dirties 1,000 pages, and every one of them goes to the WAL (and
//! later back into the file) at each commit: 4 KiB written for a 40-byte
//! row. That is what a server taking in every agent's newest minute does,
//! and it capped SQLite ingestion near 100,000 points/s on two cores.
//!
//! With staging on ([`super::SqliteOptions::stage_rows`]), appends go to
//! `staged` instead: a table clustered by arrival (`seq`), so 1,000 rows
//! fill about ten pages, whatever their series. When it holds `stage_rows`
//! rows, the writer moves them all into `points` in series order, in the
//! same transaction as the batch that filled it: each series' last page is
//! then written once for all of its staged points, not once per point.
//!
//! # The invariant
//!
//! A series' staged rows all come after its newest row in `points`, oldest
//! first by `seq`, with running sums that continue those of `points`. So
//! `points` holds a prefix of every series and `staged` the rest, and a
//! merge only appends. The writer keeps it by staging only appends to a
//! series whose newest point it knows ([`super::write`]), by merging first
//! whenever a batch does anything else (a new series, a rewrite, a prune,
//! or another connection having written), and by writing a long append (a
//! backlog, which fills pages of its own anyway) in place only when its
//! series has nothing staged.
//!
//! # Reading
//!
//! A read that finds staged rows merges them first when its store may write
//! (then reads `points` alone: staged rows that arrive meanwhile are writes
//! that finished after the read began). A read-only store cannot merge, and
//! reads each series' staged rows ([`Suffix`]) next to its points instead;
//! so does a writable one whose merge failed (a full disk, say).
//! `staged` has no index by series (that index would scatter writes again),
//! so the read-only store reads the whole table into an [`Overlay`] and
//! keeps it until another connection commits. It happens only while a
//! server with staging writes the same file, or after one crashed.

use std::collections::HashMap;

use rusqlite::Connection;

/// Moves every staged row into `points`, in series order so that each
/// series' pages are visited once, and empties `staged`. Returns how many
/// rows moved. Run inside the writer's transaction.
pub(super) fn merge(tx: &Connection) -> rusqlite::Result<usize> {
    let moved = tx.execute(
        "INSERT INTO points (series, to_ts, from_ts, good, total, cum_good, cum_total)
         SELECT series, to_ts, from_ts, good, total, cum_good, cum_total FROM staged ORDER BY series, to_ts",
        [],
    )?;
    // No WHERE: SQLite drops the table's pages at once rather than row by row.
    tx.execute("DELETE FROM staged", [])?;
    Ok(moved)
}

/// Whether any row is staged: one probe of the table.
pub(super) fn any(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM staged)")?.query_row([], |r| r.get(0))
}

/// One staged row.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    pub(super) from: i64,
    pub(super) to: i64,
    pub(super) good: f64,
    pub(super) total: f64,
    pub(super) cum_good: f64,
    pub(super) cum_total: f64,
}

/// Every staged row, by series, as one state of the file holds them.
#[derive(Debug)]
pub(super) struct Overlay {
    by_series: HashMap<i64, Suffix>,
    /// `PRAGMA data_version` when read: the overlay holds while it stays.
    pub(super) data_version: i64,
}

impl Overlay {
    /// Reads the whole of `staged` (one scan), inside a read transaction
    /// whose `PRAGMA data_version` is `data_version`.
    pub(super) fn load(conn: &Connection, data_version: i64) -> rusqlite::Result<Overlay> {
        let mut stmt = conn.prepare_cached(
            "SELECT series, from_ts, to_ts, good, total, cum_good, cum_total FROM staged ORDER BY seq",
        )?;
        let mut by_series: HashMap<i64, Suffix> = HashMap::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let row = Row {
                from: r.get(1)?,
                to: r.get(2)?,
                good: r.get(3)?,
                total: r.get(4)?,
                cum_good: r.get(5)?,
                cum_total: r.get(6)?,
            };
            by_series.entry(r.get(0)?).or_default().rows.push(row);
        }
        Ok(Overlay { by_series, data_version })
    }

    /// The staged rows of one series.
    pub(super) fn of(&self, series: i64) -> &Suffix {
        static EMPTY: Suffix = Suffix::EMPTY;
        self.by_series.get(&series).unwrap_or(&EMPTY)
    }
}

/// A series' staged rows, oldest first: the newest part of the series,
/// after everything `points` holds of it. Empty when nothing is staged.
#[derive(Debug, Default)]
pub(super) struct Suffix {
    rows: Vec<Row>,
}

impl Suffix {
    /// No rows.
    pub(super) const EMPTY: Suffix = Suffix { rows: Vec::new() };

    /// The running sums of the newest staged row with `to ≤ t`, if any: then
    /// it is newer than every row of `points` with `to ≤ t`.
    pub(super) fn sums_at(&self, t: i64) -> Option<(f64, f64)> {
        let n = self.rows.partition_point(|r| r.to <= t);
        n.checked_sub(1).map(|i| (self.rows[i].cum_good, self.rows[i].cum_total))
    }

    /// The sums before the oldest staged row (for a series whose points are
    /// all staged).
    pub(super) fn base(&self) -> Option<(f64, f64)> {
        self.rows.first().map(|r| (r.cum_good - r.good, r.cum_total - r.total))
    }

    /// The rows with `to` in `(from, to]`.
    pub(super) fn between(&self, from: i64, to: i64) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.to > from && r.to <= to)
    }

    /// The newest staged row's end.
    pub(super) fn last_to(&self) -> Option<i64> {
        self.rows.last().map(|r| r.to)
    }
}
