//! Writing a batch, and pruning.
//!
//! A batch goes in two parts. [`plan`] needs no database: it checks every
//! measurement ([`Measurement::check`]), groups the batch by series, sorts
//! each group by interval end and refuses intervals of the batch that
//! overlap one another. [`apply`] then runs one transaction, each step one
//! statement for the whole batch, its rows sent as arrays:
//!
//! 1. create the series that do not exist yet, in key order;
//! 2. lock every series of the batch (`FOR UPDATE`), in key order;
//! 3. read each series' newest point;
//! 4. for the intervals that start before their series' newest end (and
//!    only those: an append cannot meet a stored interval), read the first
//!    stored point ending after their start: the same interval (replaced or
//!    unchanged), none, or an overlap, which rolls the whole batch back;
//! 5. for series whose changes reach into their stored points, read those
//!    points from the one before the earliest change on;
//! 6. insert the new points and update the changed ones, sums included.
//!
//! Sums are computed here, not in SQL, as in the SQLite store: always the
//! left fold `base + x₁ + x₂ + …` in the order of the points, so the same
//! data gives the same bits however it was written. An append continues
//! from the newest point's sums (O(batch)); a change in the middle shifts
//! the sums of every later point of its series, which are rewritten once per
//! batch.
//!
//! # Why this lock order cannot deadlock
//!
//! Step 1 inserts rows in key order; a session inserting a key that another
//! has inserted but not committed waits for it, before holding any row lock
//! (step 1 comes first). Step 2 locks rows that were committed, also in key
//! order. So every wait is for a key later than any the waiter holds, and
//! no cycle can form. [`prune`] locks every series in the
//! same order. A batch whose series was deleted by a prune while it waited
//! for the lock finds it missing after step 2 and is tried again
//! ([`Failure::Vanished`]).

use std::collections::HashMap;

use postgres::types::ToSql;
use sloop_core::measure::Measurement;

use super::pool::Conn;
use super::series_key;
use crate::{StoreError, Written};

/// Step 1: the missing series, in key order. The `NOT EXISTS` keeps
/// existing series from drawing identity values; `ON CONFLICT` covers a
/// series another session inserted since.
const CREATE_SERIES: &str = "
    INSERT INTO series (key, labels)
    SELECT n.key, n.labels FROM unnest($1::bytea[], $2::text[]) AS n(key, labels)
    WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.key = n.key)
    ORDER BY n.key
    ON CONFLICT (key) DO NOTHING";

/// Step 2. Rows are locked in the order the query returns them.
const LOCK_SERIES: &str = "SELECT id, key FROM series WHERE key = ANY($1::bytea[]) ORDER BY key FOR UPDATE";

/// Step 3: one descending seek per series.
const NEWEST: &str = "
    SELECT s.id, p.to_ts, p.cum_good, p.cum_total
    FROM unnest($1::bigint[]) AS s(id)
    CROSS JOIN LATERAL (
        SELECT pt.to_ts, pt.cum_good, pt.cum_total FROM points pt
        WHERE pt.series = s.id ORDER BY pt.to_ts DESC LIMIT 1
    ) AS p";

/// Step 4: for each `(series, from)`, the first point ending after `from`.
/// Stored intervals are disjoint, so only that one can overlap an interval
/// starting at `from`.
const NEXT_POINT: &str = "
    SELECT q.i, p.from_ts, p.to_ts, p.good, p.total
    FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS q(series, from_ts, i)
    CROSS JOIN LATERAL (
        SELECT pt.from_ts, pt.to_ts, pt.good, pt.total FROM points pt
        WHERE pt.series = q.series AND pt.to_ts > q.from_ts ORDER BY pt.to_ts LIMIT 1
    ) AS p";

/// Step 5: for each `(series, earliest change)`, its points from the last
/// one before the change on (from the oldest when none is before it).
const TAILS: &str = "
    SELECT q.series, p.to_ts, p.from_ts, p.good, p.total, p.cum_good, p.cum_total
    FROM unnest($1::bigint[], $2::bigint[]) AS q(series, earliest)
    CROSS JOIN LATERAL (
        SELECT pt.to_ts, pt.from_ts, pt.good, pt.total, pt.cum_good, pt.cum_total FROM points pt
        WHERE pt.series = q.series
          AND pt.to_ts >= coalesce(
              (SELECT max(b.to_ts) FROM points b WHERE b.series = q.series AND b.to_ts < q.earliest),
              q.earliest)
    ) AS p
    ORDER BY q.series, p.to_ts";

/// Step 6, new points.
const INSERT_POINTS: &str = "
    INSERT INTO points (series, to_ts, from_ts, good, total, cum_good, cum_total)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[],
                         $4::float8[], $5::float8[], $6::float8[], $7::float8[])";

/// Step 6, stored points with new counts or sums.
const UPDATE_POINTS: &str = "
    UPDATE points AS p
    SET from_ts = u.from_ts, good = u.good, total = u.total, cum_good = u.cum_good, cum_total = u.cum_total
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[],
                $4::float8[], $5::float8[], $6::float8[], $7::float8[])
         AS u(series, to_ts, from_ts, good, total, cum_good, cum_total)
    WHERE p.series = u.series AND p.to_ts = u.to_ts";

/// Why a batch was not written.
pub(super) enum Failure {
    /// The batch itself is wrong (an overlap with a stored interval).
    Refused(StoreError),
    /// The database failed.
    Db(postgres::Error),
    /// A series of the batch was deleted (by a prune) while the batch
    /// waited for its lock; trying again creates it anew.
    Vanished,
}

impl From<postgres::Error> for Failure {
    fn from(e: postgres::Error) -> Self {
        Failure::Db(e)
    }
}

/// One distinct interval of a series in the batch.
struct Interval {
    from: i64,
    to: i64,
    /// The batch items for it, in batch order: the last one's counts win.
    items: Vec<usize>,
}

impl Interval {
    fn last(&self, batch: &[Measurement]) -> (f64, f64) {
        let m = &batch[self.items[self.items.len() - 1]];
        (m.good, m.total)
    }
}

/// The batch items of one series.
struct Group {
    /// The series' key ([`series_key`]).
    key: [u8; 32],
    /// Sorted by end, disjoint.
    intervals: Vec<Interval>,
}

/// A checked batch, grouped: what does not depend on the database, worked
/// out once however often the batch is tried.
pub(super) struct Plan {
    /// In order of first appearance in the batch.
    groups: Vec<Group>,
    /// The groups' keys and labels, sorted by key: the order of creation
    /// and locking.
    keys: Vec<([u8; 32], String)>,
}

impl Plan {
    /// Whether the batch was empty.
    pub(super) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// Checks the batch and groups it by series.
pub(super) fn plan(batch: &[Measurement]) -> Result<Plan, StoreError> {
    for (index, m) in batch.iter().enumerate() {
        m.check().map_err(|e| StoreError::Invalid { index, labels: m.labels.clone(), message: e.reason })?;
    }
    let mut by_key: HashMap<[u8; 32], usize> = HashMap::new();
    let mut items: Vec<([u8; 32], Vec<usize>)> = Vec::new();
    let mut keys = Vec::new();
    let mut current = 0;
    for (i, m) in batch.iter().enumerate() {
        // Batches usually come series by series: comparing with the previous
        // item's labels skips building the key for all but the first of each run.
        if i == 0 || batch[i - 1].labels != m.labels {
            let (json, key) = series_key(&m.labels);
            current = *by_key.entry(key).or_insert_with(|| {
                items.push((key, Vec::new()));
                keys.push((key, json));
                items.len() - 1
            });
        }
        items[current].1.push(i);
    }
    let mut groups = Vec::with_capacity(items.len());
    for (key, mut members) in items {
        // Stable: equal intervals keep their batch order.
        members.sort_by_key(|&i| (batch[i].to, batch[i].from));
        let mut intervals: Vec<Interval> = Vec::new();
        for i in members {
            let m = &batch[i];
            match intervals.last_mut() {
                Some(last) if (last.from, last.to) == (m.from, m.to) => last.items.push(i),
                // Sorted by end, the intervals are disjoint exactly when each
                // starts at or after the end of the one before it.
                Some(last) if m.from < last.to => {
                    return Err(StoreError::Overlap {
                        labels: m.labels.clone(),
                        from: m.from,
                        to: m.to,
                        existing_from: last.from,
                        existing_to: last.to,
                    });
                }
                _ => intervals.push(Interval { from: m.from, to: m.to, items: vec![i] }),
            }
        }
        groups.push(Group { key, intervals });
    }
    keys.sort_unstable();
    Ok(Plan { groups, keys })
}

/// A point as stored, or as it will be.
#[derive(Debug, Clone, Copy)]
struct Stored {
    to: i64,
    from: i64,
    good: f64,
    total: f64,
    cum_good: f64,
    cum_total: f64,
}

/// Points to send, one array per column.
#[derive(Default)]
struct Columns {
    series: Vec<i64>,
    to: Vec<i64>,
    from: Vec<i64>,
    good: Vec<f64>,
    total: Vec<f64>,
    cum_good: Vec<f64>,
    cum_total: Vec<f64>,
}

impl Columns {
    fn push(&mut self, series: i64, p: Stored) {
        self.series.push(series);
        self.to.push(p.to);
        self.from.push(p.from);
        self.good.push(p.good);
        self.total.push(p.total);
        self.cum_good.push(p.cum_good);
        self.cum_total.push(p.cum_total);
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 7] {
        [&self.series, &self.to, &self.from, &self.good, &self.total, &self.cum_good, &self.cum_total]
    }
}

/// A changed interval of a series and its final counts.
type Change<'a> = (&'a Interval, (f64, f64));

/// Writes a planned batch in one transaction (see the module docs).
pub(super) fn apply(conn: &mut Conn, batch: &[Measurement], plan: &Plan) -> Result<Written, Failure> {
    let Conn { client, statements } = conn;
    let mut tx = client.transaction()?;
    let keys: Vec<&[u8]> = plan.keys.iter().map(|(key, _)| &key[..]).collect();
    let labels: Vec<&str> = plan.keys.iter().map(|(_, json)| json.as_str()).collect();

    let create = statements.get(&mut tx, CREATE_SERIES)?;
    tx.execute(&create, &[&keys, &labels])?;
    let lock = statements.get(&mut tx, LOCK_SERIES)?;
    let mut ids: HashMap<Vec<u8>, i64> = HashMap::with_capacity(keys.len());
    for row in tx.query(&lock, &[&keys])? {
        ids.insert(row.try_get(1)?, row.try_get(0)?);
    }
    let mut series = Vec::with_capacity(plan.groups.len());
    for g in &plan.groups {
        // Dropping `tx` on the way out rolls back what step 1 created.
        series.push(*ids.get(&g.key[..]).ok_or(Failure::Vanished)?);
    }

    let newest_points = statements.get(&mut tx, NEWEST)?;
    let mut newest: HashMap<i64, Stored> = HashMap::with_capacity(series.len());
    for row in tx.query(&newest_points, &[&series])? {
        let id: i64 = row.try_get(0)?;
        let (to, cum_good, cum_total) = (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
        newest.insert(id, Stored { to, from: to, good: 0.0, total: 0.0, cum_good, cum_total });
    }

    // Step 4: what each interval replaces, if anything.
    let mut stored: Vec<Vec<Option<(f64, f64)>>> = plan.groups.iter().map(|g| vec![None; g.intervals.len()]).collect();
    let (mut look_series, mut look_from, mut look_at) = (Vec::new(), Vec::new(), Vec::new());
    for (gi, g) in plan.groups.iter().enumerate() {
        let Some(newest) = newest.get(&series[gi]) else { continue };
        for (ii, interval) in g.intervals.iter().enumerate() {
            if interval.from < newest.to {
                look_series.push(series[gi]);
                look_from.push(interval.from);
                look_at.push((gi, ii));
            }
        }
    }
    if !look_at.is_empty() {
        let next_point = statements.get(&mut tx, NEXT_POINT)?;
        let mut found: Vec<Option<(i64, i64, f64, f64)>> = vec![None; look_at.len()];
        for row in tx.query(&next_point, &[&look_series, &look_from])? {
            // WITH ORDINALITY counts from 1.
            let i: i64 = row.try_get(0)?;
            if let Some(slot) = usize::try_from(i - 1).ok().and_then(|i| found.get_mut(i)) {
                *slot = Some((row.try_get(1)?, row.try_get(2)?, row.try_get(3)?, row.try_get(4)?));
            }
        }
        // In batch-group then time order, so the overlap reported is the
        // first one, as in the SQLite store.
        for (&(gi, ii), next) in look_at.iter().zip(found) {
            let interval = &plan.groups[gi].intervals[ii];
            let Some((from, to, good, total)) = next else { continue };
            if from >= interval.to {
                continue;
            }
            if (from, to) != (interval.from, interval.to) {
                return Err(Failure::Refused(StoreError::Overlap {
                    labels: batch[interval.items[0]].labels.clone(),
                    from: interval.from,
                    to: interval.to,
                    existing_from: from,
                    existing_to: to,
                }));
            }
            stored[gi][ii] = Some((good, total));
        }
    }

    let written = count(batch, plan, &stored);

    // What changes, per series: appended after its newest point, or
    // reaching into its stored points.
    let mut inserts = Columns::default();
    let mut updates = Columns::default();
    let mut rewrites: Vec<(i64, Vec<Change<'_>>)> = Vec::new();
    for (gi, g) in plan.groups.iter().enumerate() {
        let changes: Vec<Change<'_>> = g
            .intervals
            .iter()
            .zip(&stored[gi])
            .filter_map(|(interval, stored)| {
                let last = interval.last(batch);
                (*stored != Some(last)).then_some((interval, last))
            })
            .collect();
        let Some(&(first, _)) = changes.first() else { continue };
        let id = series[gi];
        match newest.get(&id) {
            Some(newest) if first.to <= newest.to => rewrites.push((id, changes)),
            // Every change is after the newest point, so every one is new:
            // the sums continue from the newest point's.
            newest => {
                let (mut cum_good, mut cum_total) = newest.map_or((0.0, 0.0), |n| (n.cum_good, n.cum_total));
                for (interval, (good, total)) in changes {
                    cum_good += good;
                    cum_total += total;
                    inserts.push(id, Stored { to: interval.to, from: interval.from, good, total, cum_good, cum_total });
                }
            }
        }
    }

    if !rewrites.is_empty() {
        let ids: Vec<i64> = rewrites.iter().map(|(id, _)| *id).collect();
        let earliest: Vec<i64> = rewrites.iter().map(|(_, changes)| changes[0].0.to).collect();
        let tails_query = statements.get(&mut tx, TAILS)?;
        let mut tails: HashMap<i64, Vec<Stored>> = HashMap::with_capacity(ids.len());
        for row in tx.query(&tails_query, &[&ids, &earliest])? {
            let point = Stored {
                to: row.try_get(1)?,
                from: row.try_get(2)?,
                good: row.try_get(3)?,
                total: row.try_get(4)?,
                cum_good: row.try_get(5)?,
                cum_total: row.try_get(6)?,
            };
            tails.entry(row.try_get(0)?).or_default().push(point);
        }
        for ((id, changes), earliest) in rewrites.iter().zip(earliest) {
            let tail = tails.remove(id).unwrap_or_default();
            rewrite(*id, earliest, &tail, changes, &mut inserts, &mut updates);
        }
    }

    if !inserts.series.is_empty() {
        let insert = statements.get(&mut tx, INSERT_POINTS)?;
        tx.execute(&insert, &inserts.params())?;
    }
    if !updates.series.is_empty() {
        let update = statements.get(&mut tx, UPDATE_POINTS)?;
        tx.execute(&update, &updates.params())?;
    }
    tx.commit()?;
    Ok(written)
}

/// What the batch does, counted as if it were written one item at a time:
/// each item is new, the same counts again, or new counts, compared with
/// what was stored or with the batch's previous item for its interval.
fn count(batch: &[Measurement], plan: &Plan, stored: &[Vec<Option<(f64, f64)>>]) -> Written {
    let mut written = Written::default();
    for (g, stored) in plan.groups.iter().zip(stored) {
        for (interval, &stored) in g.intervals.iter().zip(stored) {
            let mut previous = stored;
            for &i in &interval.items {
                let counts = (batch[i].good, batch[i].total);
                match previous {
                    None => written.inserted += 1,
                    Some(p) if p == counts => written.unchanged += 1,
                    Some(_) => written.replaced += 1,
                }
                previous = Some(counts);
            }
        }
    }
    written
}

/// Merges `changes` into a series' stored `tail` (its points from the one
/// before the earliest change on) and recomputes the sums from there:
/// new points go to `inserts`, stored points whose counts or sums change
/// to `updates`.
fn rewrite(
    id: i64,
    earliest: i64,
    tail: &[Stored],
    changes: &[Change<'_>],
    inserts: &mut Columns,
    updates: &mut Columns,
) {
    // Where the sums restart: the point just before the earliest change,
    // or, when the change comes before every point, the series' base (the
    // events before its oldest point, pruned or not).
    let (mut cum_good, mut cum_total, stored) = match tail.first() {
        Some(p) if p.to < earliest => (p.cum_good, p.cum_total, &tail[1..]),
        Some(p) => (p.cum_good - p.good, p.cum_total - p.total, tail),
        None => (0.0, 0.0, tail),
    };
    let (mut s, mut c) = (0, 0);
    loop {
        // The next point in time: stored, changed, or both (the same
        // interval: overlaps were refused, so the same end means it).
        let (old, from, to, (good, total)) = match (stored.get(s), changes.get(c)) {
            (Some(p), Some(&(interval, counts))) if p.to == interval.to => {
                (s, c) = (s + 1, c + 1);
                (Some(p), interval.from, interval.to, counts)
            }
            (Some(p), Some(&(interval, _))) if p.to < interval.to => {
                s += 1;
                (Some(p), p.from, p.to, (p.good, p.total))
            }
            (Some(p), None) => {
                s += 1;
                (Some(p), p.from, p.to, (p.good, p.total))
            }
            (_, Some(&(interval, counts))) => {
                c += 1;
                (None, interval.from, interval.to, counts)
            }
            (None, None) => break,
        };
        cum_good += good;
        cum_total += total;
        let point = Stored { to, from, good, total, cum_good, cum_total };
        match old {
            None => inserts.push(id, point),
            Some(old)
                if (old.from, old.good, old.total, old.cum_good, old.cum_total)
                    != (from, good, total, cum_good, cum_total) =>
            {
                updates.push(id, point);
            }
            Some(_) => {}
        }
    }
}

/// Takes every series' lock, in the writers' order, so no batch is half
/// way through a series while its points go.
const LOCK_ALL: &str = "SELECT count(*) FROM (SELECT 1 FROM series ORDER BY key FOR UPDATE) AS locked";

/// Deletes the points with `to ≤ before`, then the series left without
/// points, in one transaction.
///
/// It holds every series' lock while it runs, so writes wait for it: a
/// series must not be deleted as empty while a batch adds points to it.
/// Deleting points changes no other point's sums, which is what keeps the
/// windows after the cut exact (see `mod.rs`). Points are found by a scan of
/// the table: a prune is rare (retention), and most of what it reads goes.
pub(super) fn prune(conn: &mut Conn, before: i64) -> Result<u64, postgres::Error> {
    let Conn { client, statements } = conn;
    let mut tx = client.transaction()?;
    let lock_all = statements.get(&mut tx, LOCK_ALL)?;
    tx.execute(&lock_all, &[])?;
    let delete_points = statements.get(&mut tx, "DELETE FROM points WHERE to_ts <= $1")?;
    let pruned = tx.execute(&delete_points, &[&before])?;
    // A new statement, so it sees every batch that committed before the
    // locks were granted.
    let delete_series = statements
        .get(&mut tx, "DELETE FROM series s WHERE NOT EXISTS (SELECT 1 FROM points p WHERE p.series = s.id)")?;
    tx.execute(&delete_series, &[])?;
    tx.commit()?;
    Ok(pruned)
}
