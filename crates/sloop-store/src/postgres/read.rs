//! Queries: each one statement, so each sees one committed state (never
//! half a batch), and one round trip on a prepared statement.
//!
//! The series is found by its key inside the statement (an uncorrelated
//! subquery, which PostgreSQL runs once), rather than by a lookup first.

use std::path::Path;

use sloop_core::math::Counts;
use sloop_core::model::Labels;

use super::pool::Conn;
use super::series_key;
use crate::StoreError;

/// For each instant, in the order given: the sums of the point with the
/// largest `to_ts ≤ t` (a descending seek each), and the series' base (the
/// sums before its oldest point, for instants before it).
const CUMULATIVE: &str = "
    SELECT p.cum_good, p.cum_total, b.good, b.total
    FROM unnest($2::bigint[]) WITH ORDINALITY AS q(t, i)
    LEFT JOIN LATERAL (
        SELECT pt.cum_good, pt.cum_total FROM points pt
        WHERE pt.series = (SELECT id FROM series WHERE key = $1) AND pt.to_ts <= q.t
        ORDER BY pt.to_ts DESC LIMIT 1
    ) AS p ON true
    LEFT JOIN (
        SELECT pt.cum_good - pt.good AS good, pt.cum_total - pt.total AS total FROM points pt
        WHERE pt.series = (SELECT id FROM series WHERE key = $1)
        ORDER BY pt.to_ts LIMIT 1
    ) AS b ON true
    ORDER BY q.i";

const POINTS: &str = "
    SELECT from_ts, to_ts, good, total FROM points
    WHERE series = (SELECT id FROM series WHERE key = $1) AND to_ts > $2 AND to_ts <= $3
    ORDER BY to_ts";

const LAST_TO: &str = "SELECT max(to_ts) FROM points WHERE series = (SELECT id FROM series WHERE key = $1)";

/// The sums up to each instant of `at`, as stored (zero for a series
/// never written, or before every event).
pub(super) fn cumulative(conn: &mut Conn, labels: &Labels, at: &[i64]) -> Result<Vec<(f64, f64)>, postgres::Error> {
    let statement = conn.statements.get(&mut conn.client, CUMULATIVE)?;
    let rows = conn.client.query(&statement, &[&key(labels), &at])?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let at_point: (Option<f64>, Option<f64>) = (row.try_get(0)?, row.try_get(1)?);
        let base: (Option<f64>, Option<f64>) = (row.try_get(2)?, row.try_get(3)?);
        out.push(match (at_point, base) {
            ((Some(good), Some(total)), _) => (good, total),
            // Before the oldest point: the events before it, pruned or not.
            (_, (Some(good), Some(total))) => (good, total),
            _ => (0.0, 0.0),
        });
    }
    Ok(out)
}

/// Stored sums as counts. Subtracting a point's own counts can round a hair
/// below zero or leave good a hair above total, so both are clamped; what
/// is still not a count (NaN, infinite) means the table was damaged.
pub(super) fn counts(shown: &Path, labels: &Labels, (good, total): (f64, f64)) -> Result<Counts, StoreError> {
    // `f64::max` would turn a NaN into 0: only finite sums are clamped.
    let clamp = |n: f64| if n.is_finite() { n.max(0.0) } else { n };
    Counts::clamped(clamp(good), clamp(total)).map_err(|e| StoreError::Database {
        path: shown.to_path_buf(),
        message: format!("the stored sums of series {} are not counts: {e}", crate::format_labels(labels)),
    })
}

/// The points with `to` in `(from, to]`, oldest first, as stored.
pub(super) fn points(
    conn: &mut Conn,
    labels: &Labels,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, i64, f64, f64)>, postgres::Error> {
    let statement = conn.statements.get(&mut conn.client, POINTS)?;
    conn.client
        .query(&statement, &[&key(labels), &from, &to])?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?)))
        .collect()
}

pub(super) fn last_to(conn: &mut Conn, labels: &Labels) -> Result<Option<i64>, postgres::Error> {
    let statement = conn.statements.get(&mut conn.client, LAST_TO)?;
    conn.client.query_one(&statement, &[&key(labels)])?.try_get(0)
}

/// Every series' labels, as stored (canonical JSON).
pub(super) fn series(conn: &mut Conn) -> Result<Vec<String>, postgres::Error> {
    let statement = conn.statements.get(&mut conn.client, "SELECT labels FROM series")?;
    conn.client.query(&statement, &[])?.iter().map(|row| row.try_get(0)).collect()
}

/// The series' key, as a statement parameter (`bytea`).
fn key(labels: &Labels) -> Vec<u8> {
    series_key(labels).1.to_vec()
}
