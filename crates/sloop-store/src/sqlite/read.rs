//! Queries. Each runs inside the read transaction [`super::SqliteStore`]
//! opens, on prepared statements cached by the connection.
//!
//! `staged` holds the staged rows the transaction must read next to
//! `points` (see `staged.rs`): only a read-only store ever has them.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use sloop_core::math::{Counts, Point};
use sloop_core::model::Labels;

use super::staged::{Overlay, Suffix};
use super::{db_error, label_key};
use crate::StoreError;

/// The series' id, if it was ever written.
pub(super) fn series_id(conn: &Connection, labels: &Labels) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM series WHERE labels = ?1")?
        .query_row([label_key(labels)], |r| r.get(0))
        .optional()
}

/// The series' staged rows, if the transaction must read them.
fn suffix_of(staged: Option<&Overlay>, id: i64) -> &Suffix {
    static NONE: Suffix = Suffix::EMPTY;
    staged.map_or(&NONE, |o| o.of(id))
}

/// The sums of everything before the series' oldest point: its running sums
/// minus its own counts. Zero for a series never pruned, the pruned events
/// otherwise; `None` when the series has no points.
pub(super) fn base(conn: &Connection, id: i64) -> rusqlite::Result<Option<(f64, f64)>> {
    conn.prepare_cached(
        "SELECT cum_good - good, cum_total - total FROM points WHERE series = ?1 ORDER BY to_ts LIMIT 1",
    )?
    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

pub(super) fn cumulative(
    conn: &Connection,
    path: &Path,
    labels: &Labels,
    at: &[i64],
    staged: Option<&Overlay>,
) -> Result<Vec<Counts>, StoreError> {
    let err = |e: rusqlite::Error| db_error(path, e);
    let Some(id) = series_id(conn, labels).map_err(err)? else {
        return Ok(vec![Counts::ZERO; at.len()]);
    };
    let suffix = suffix_of(staged, id);
    // The row with the largest `to_ts ≤ t`: a descending seek down the
    // primary key, which SQLite stops at the first row.
    let mut seek = conn
        .prepare_cached(
            "SELECT cum_good, cum_total FROM points WHERE series = ?1 AND to_ts <= ?2 ORDER BY to_ts DESC LIMIT 1",
        )
        .map_err(err)?;
    let mut before_oldest: Option<(f64, f64)> = None;
    let mut out = Vec::with_capacity(at.len());
    for &t in at {
        let stored = match suffix.sums_at(t) {
            Some(sums) => Some(sums),
            None => seek.query_row((id, t), |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(err)?,
        };
        let sums = match stored {
            Some(sums) => sums,
            // Before the oldest point: its base, looked up once per call.
            None => match before_oldest {
                Some(sums) => sums,
                None => {
                    let oldest = match base(conn, id).map_err(err)? {
                        Some(sums) => Some(sums),
                        None => suffix.base(),
                    };
                    *before_oldest.insert(oldest.unwrap_or((0.0, 0.0)))
                }
            },
        };
        out.push(counts(path, labels, sums)?);
    }
    Ok(out)
}

/// Stored sums as counts. Subtracting a point's own counts can round a hair
/// below zero or leave good a hair above total, so both are clamped; what
/// is still not a count (NaN, infinite) means the file was damaged.
fn counts(path: &Path, labels: &Labels, (good, total): (f64, f64)) -> Result<Counts, StoreError> {
    // `f64::max` would turn a NaN into 0: only finite sums are clamped.
    let clamp = |n: f64| if n.is_finite() { n.max(0.0) } else { n };
    Counts::clamped(clamp(good), clamp(total)).map_err(|e| StoreError::Database {
        path: path.to_path_buf(),
        message: format!("the stored sums of series {} are not counts: {e}", crate::format_labels(labels)),
    })
}

pub(super) fn points(
    conn: &Connection,
    path: &Path,
    labels: &Labels,
    from: i64,
    to: i64,
    staged: Option<&Overlay>,
) -> Result<Vec<Point>, StoreError> {
    let err = |e: rusqlite::Error| db_error(path, e);
    let Some(id) = series_id(conn, labels).map_err(err)? else { return Ok(Vec::new()) };
    let suffix = suffix_of(staged, id);
    let mut stmt = conn
        .prepare_cached(
            "SELECT from_ts, to_ts, good, total FROM points
             WHERE series = ?1 AND to_ts > ?2 AND to_ts <= ?3 ORDER BY to_ts",
        )
        .map_err(err)?;
    let rows = stmt
        .query_map((id, from, to), |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?, r.get(3)?)))
        .map_err(err)?;
    let mut out = Vec::new();
    // The staged rows come after every row of `points`.
    let staged_rows = suffix.between(from, to).map(|r| Ok::<_, rusqlite::Error>((r.from, r.to, r.good, r.total)));
    for row in rows.chain(staged_rows) {
        let (from, to, good, total) = row.map_err(err)?;
        let point = Point::new(from, to, good, total).map_err(|e| StoreError::Database {
            path: path.to_path_buf(),
            message: format!(
                "the stored point ({from}, {to}] of series {} is not valid: {e}",
                crate::format_labels(labels)
            ),
        })?;
        out.push(point);
    }
    Ok(out)
}

pub(super) fn last_to(
    conn: &Connection,
    path: &Path,
    labels: &Labels,
    staged: Option<&Overlay>,
) -> Result<Option<i64>, StoreError> {
    let err = |e: rusqlite::Error| db_error(path, e);
    let Some(id) = series_id(conn, labels).map_err(err)? else { return Ok(None) };
    if let Some(to) = suffix_of(staged, id).last_to() {
        return Ok(Some(to));
    }
    conn.prepare_cached("SELECT to_ts FROM points WHERE series = ?1 ORDER BY to_ts DESC LIMIT 1")
        .map_err(err)?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(err)
}

pub(super) fn series(conn: &Connection, path: &Path) -> Result<Vec<Labels>, StoreError> {
    let err = |e: rusqlite::Error| db_error(path, e);
    let mut stmt = conn.prepare_cached("SELECT labels FROM series").map_err(err)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
    let mut out = Vec::new();
    for row in rows {
        let text = row.map_err(err)?;
        let labels: Labels = serde_json::from_str(&text).map_err(|e| StoreError::Database {
            path: path.to_path_buf(),
            message: format!("the stored labels {text} are not a JSON object of strings: {e}"),
        })?;
        out.push(labels);
    }
    // Sorted by the label sets themselves, so every store lists them alike.
    out.sort();
    Ok(out)
}
