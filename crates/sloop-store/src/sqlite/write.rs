//! Writing a batch, and pruning.
//!
//! A batch goes in four steps, the first two without touching the file (and
//! before the writer's lock is taken):
//!
//! 1. every measurement is checked ([`Measurement::check`]);
//! 2. the batch is grouped by series, each group sorted by interval end, and
//!    intervals of the batch that overlap one another are refused;
//! 3. in one `IMMEDIATE` transaction, each interval is compared with what
//!    the series holds: new, the same interval again (replaced or
//!    unchanged), or overlapping a stored one (refused: the transaction is
//!    dropped, so nothing of the batch stays);
//! 4. the changes are written and the running sums brought up to date.
//!
//! Step 4 has a fast path. When every change lies after the series' newest
//! point, the sums continue from that point's: one insert per point, so an
//! agent appending each minute pays O(batch), not O(series). A change
//! earlier than that shifts the sums of every later point; they are
//! recomputed once per series and batch, from the earliest change on.
//!
//! The writer remembers each series' id and newest point ([`Tips`]), so an
//! append usually costs the insert alone, with no lookup of the series or of
//! its newest point. What it remembers is forgotten whenever another
//! connection (another process on the same file) has committed.
//!
//! With staging on, appends go to the `staged` log rather than `points`,
//! and are merged in bulk (see `staged.rs`). A batch that does anything but
//! append to series the writer knows merges what is staged first, so the
//! lookups and rewrites below only ever see `points`.
//!
//! Sums are always the left fold `base + x₁ + x₂ + …` in the order of the
//! points, whichever path computed them, so the same data gives the same
//! bits however it was written. Sums of integers below 2^53 are exact.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sloop_core::measure::Measurement;

use super::{db_error, label_key, read, staged};
use crate::{StoreError, Written};

/// How many series [`Tips`] remembers before it starts over: about 150 MB
/// of memory at most.
const MAX_TIPS: usize = 1 << 20;

/// What the writer knows of a series without asking the file.
#[derive(Debug, Clone, Copy)]
struct Tip {
    id: i64,
    /// The newest point's end and running sums; `None` for a series
    /// without points.
    newest: Option<(i64, f64, f64)>,
    /// The merge generation ([`Tips::generation`]) in which rows of the
    /// series were last staged: it has staged rows while that is the
    /// current one.
    staged_in: Option<u64>,
}

/// The [`Tip`] of each series the writer has seen, by canonical labels.
///
/// It holds what was committed, and only that: a batch's tips are taken in
/// after its commit. Other connections may write to the same file, so it is
/// kept only while `PRAGMA data_version` (which changes when another
/// connection commits) stays the same.
#[derive(Debug, Default)]
pub(super) struct Tips {
    /// Hashed with foldhash rather than SipHash: the keys are ours, not an
    /// attacker's choice of collisions, and hashing them was 5 % of a write.
    by_key: HashMap<String, Tip, RandomState>,
    data_version: Option<i64>,
    /// How many rows are staged, as of the last commit; `None` when not
    /// known (at first, or after another connection committed).
    staged: Option<usize>,
    /// How many merges this writer has committed: every series staged in
    /// an earlier generation has had its staged rows merged.
    generation: u64,
}

impl Tips {
    /// Forgets every series (after a prune), and the count of staged rows.
    pub(super) fn clear(&mut self) {
        self.by_key.clear();
        self.staged = None;
        self.generation += 1;
    }

    /// Whether this handle may have staged rows that are not merged yet.
    pub(super) fn holds_staged(&self) -> bool {
        self.staged.is_some_and(|n| n > 0)
    }

    /// Records that nothing is staged (after a merge was committed).
    pub(super) fn merged(&mut self) {
        self.staged = Some(0);
        self.generation += 1;
    }

    /// Whether every item of `g` appends to a series whose newest point the
    /// writer knows: the only writes that may be staged without a merge.
    fn appends(&self, batch: &[Measurement], g: &Group) -> bool {
        match self.by_key.get(&g.key) {
            Some(Tip { newest: Some((newest_to, ..)), .. }) => g.items.iter().all(|&i| batch[i].from >= *newest_to),
            Some(Tip { newest: None, .. }) => true,
            None => false,
        }
    }

    /// Forgets every series if another connection committed since the last
    /// call. Run inside the write transaction, once its lock is held.
    fn sync(&mut self, tx: &Connection) -> rusqlite::Result<()> {
        let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if self.data_version != Some(version) {
            self.clear();
            self.data_version = Some(version);
        }
        Ok(())
    }
}

/// The batch items of one series.
struct Group {
    /// The canonical labels.
    key: String,
    /// Indexes into the batch, sorted by `(to, from)`; items with the same
    /// interval stay in batch order, so the last one written wins.
    items: Vec<usize>,
}

/// One distinct interval of a series in the batch, with its final counts.
struct Interval {
    from: i64,
    to: i64,
    good: f64,
    total: f64,
    /// The counts the series already holds for this exact interval.
    stored: Option<(f64, f64)>,
}

impl Interval {
    /// Whether writing it changes the file.
    fn changes(&self) -> bool {
        self.stored != Some((self.good, self.total))
    }
}

/// A batch checked and grouped by series, ready to be written: the work
/// that needs no connection, done before the writer's lock is taken so that
/// requests prepare their batches in parallel.
pub(super) struct Prepared<'a> {
    batch: &'a [Measurement],
    groups: Vec<Group>,
}

/// Checks every measurement, groups the batch by series and refuses
/// intervals of the batch that overlap one another (steps 1 and 2).
pub(super) fn prepare(batch: &[Measurement]) -> Result<Prepared<'_>, StoreError> {
    for (index, m) in batch.iter().enumerate() {
        m.check().map_err(|e| StoreError::Invalid { index, labels: m.labels.clone(), message: e.reason })?;
    }
    let groups = group(batch);
    for g in &groups {
        check_batch_overlaps(batch, g)?;
    }
    Ok(Prepared { batch, groups })
}

/// Writes a prepared batch in one transaction (steps 3 and 4). With
/// `stage_rows` above zero, appends are staged and merged once that many
/// rows are staged.
pub(super) fn write(
    conn: &mut Connection,
    tips: &mut Tips,
    path: &Path,
    prepared: Prepared<'_>,
    stage_rows: usize,
) -> Result<Written, StoreError> {
    let err = |e: rusqlite::Error| db_error(path, e);
    let Prepared { batch, groups } = prepared;
    if batch.is_empty() {
        return Ok(Written::default());
    }
    // IMMEDIATE takes the write lock before reading: two writers that both
    // read first and then try to write would deadlock in WAL mode, and one
    // would fail with SQLITE_BUSY instead of waiting its turn.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
    tips.sync(&tx).map_err(err)?;
    // The staged count as this transaction changes it; `tips` learns it
    // only once the transaction is committed.
    let mut staged = tips.staged;
    let mut generation = tips.generation;
    if staged != Some(0) && !groups.iter().all(|g| tips.appends(batch, g)) {
        staged::merge(&tx).map_err(err)?;
        staged = Some(0);
        generation += 1;
    }
    let mut done = Done::default();
    let mut new_tips = Vec::with_capacity(groups.len());
    let staging = (stage_rows > 0).then_some(generation);
    for g in &groups {
        new_tips.push(write_series(&tx, tips, path, batch, g, staging, &mut done)?);
    }
    if staging.is_some() {
        // Known here: either merged above or every group appended to a
        // known series, which needs a known count (`sync` forgets both).
        let now = staged.unwrap_or(0) + done.staged;
        staged = Some(now);
        if now >= stage_rows {
            staged::merge(&tx).map_err(err)?;
            staged = Some(0);
            generation += 1;
        }
    }
    // On any error above, dropping `tx` rolls the whole batch back, and the
    // tips stay those of the last commit.
    tx.commit().map_err(err)?;
    tips.staged = staged;
    tips.generation = generation;
    if tips.by_key.len() + groups.len() > MAX_TIPS {
        tips.by_key.clear();
    }
    for (g, tip) in groups.into_iter().zip(new_tips) {
        tips.by_key.insert(g.key, tip);
    }
    Ok(done.written)
}

/// What a batch did: the counts it reports, and how many rows it staged.
#[derive(Debug, Default)]
struct Done {
    written: Written,
    staged: usize,
}

/// How many new points of one series a batch writes in place rather than
/// staging them, when the series has nothing staged: enough to fill a good
/// part of a page, so that staging would only write them twice.
const STAGE_BELOW: usize = 16;

/// Where appends go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Points,
    Staged,
}

/// The batch by series, in order of first appearance.
fn group(batch: &[Measurement]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<String, usize, RandomState> = HashMap::default();
    let mut current = 0;
    for (i, m) in batch.iter().enumerate() {
        // Batches usually come series by series (an agent's or a client's
        // push): comparing with the previous item's labels skips building
        // the JSON key for all but the first of each run.
        if i == 0 || batch[i - 1].labels != m.labels {
            let key = label_key(&m.labels);
            current = match by_key.get(&key) {
                Some(&g) => g,
                None => {
                    groups.push(Group { key: key.clone(), items: Vec::new() });
                    by_key.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
        }
        groups[current].items.push(i);
    }
    for g in &mut groups {
        // Stable: equal intervals keep their batch order.
        g.items.sort_by_key(|&i| (batch[i].to, batch[i].from));
    }
    groups
}

/// Refuses intervals of the batch that overlap one another. Sorted by end,
/// the intervals are disjoint exactly when each starts at or after the end
/// of the one before it (then every earlier one ended even sooner).
fn check_batch_overlaps(batch: &[Measurement], g: &Group) -> Result<(), StoreError> {
    for pair in g.items.windows(2) {
        let (prev, cur) = (&batch[pair[0]], &batch[pair[1]]);
        if (prev.from, prev.to) != (cur.from, cur.to) && cur.from < prev.to {
            return Err(StoreError::Overlap {
                labels: cur.labels.clone(),
                from: cur.from,
                to: cur.to,
                existing_from: prev.from,
                existing_to: prev.to,
            });
        }
    }
    Ok(())
}

/// Writes one series' part of the batch, adds what it did to `done`, and
/// returns the series' tip after it. `staging` is the current merge
/// generation when appends may be staged.
///
/// Appends are staged when the series already has staged rows (its points
/// must stay in order: `points` first, then `staged`) or when they are few;
/// [`STAGE_BELOW`] or more go straight into `points`, which they fill
/// nearly as densely as the log would.
fn write_series(
    tx: &Connection,
    tips: &Tips,
    path: &Path,
    batch: &[Measurement],
    g: &Group,
    staging: Option<u64>,
    done: &mut Done,
) -> Result<Tip, StoreError> {
    let err = |e: rusqlite::Error| db_error(path, e);
    let Tip { id, newest, staged_in } = match tips.by_key.get(&g.key) {
        Some(tip) => *tip,
        None => tip(tx, &g.key).map_err(err)?,
    };
    let newest_to = newest.map(|n| n.0);

    // Resolve the batch into distinct intervals, counting what each item does
    // as if the batch were written one item at a time.
    let mut intervals: Vec<Interval> = Vec::with_capacity(g.items.len());
    for &i in &g.items {
        let m = &batch[i];
        let previous = match intervals.last_mut() {
            Some(last) if (last.from, last.to) == (m.from, m.to) => {
                let previous = (last.good, last.total);
                (last.good, last.total) = (m.good, m.total);
                Some(previous)
            }
            _ => {
                // An interval that starts at or after the newest stored end
                // cannot meet a stored one: appends skip the lookup.
                let stored = match newest_to {
                    Some(newest_to) if m.from < newest_to => stored_counts(tx, path, id, m)?,
                    _ => None,
                };
                intervals.push(Interval { from: m.from, to: m.to, good: m.good, total: m.total, stored });
                stored
            }
        };
        match previous {
            None => done.written.inserted += 1,
            Some(counts) if counts == (m.good, m.total) => done.written.unchanged += 1,
            Some(_) => done.written.replaced += 1,
        }
    }

    let Some(first_change) = intervals.iter().position(Interval::changes) else {
        return Ok(Tip { id, newest, staged_in });
    };
    let earliest = intervals[first_change].to;
    let changes = || intervals[first_change..].iter().filter(|i| i.changes());
    let (newest, staged_in) = match newest {
        // Only ever reached with nothing staged: a batch that is not all
        // appends merges first.
        Some((newest_to, ..)) if earliest <= newest_to => {
            (rewrite(tx, id, earliest, changes()).map_err(err)?, staged_in)
        }
        // Every change is after the newest point (so every interval from
        // `earliest` on is new): the sums continue from the newest point's.
        _ => {
            let sums = newest.map_or((0.0, 0.0), |n| (n.1, n.2));
            let stage = staging.filter(|&g| staged_in == Some(g) || changes().count() < STAGE_BELOW);
            let table = if stage.is_some() { Table::Staged } else { Table::Points };
            let (newest, n) = append(tx, table, id, sums, changes()).map_err(err)?;
            if stage.is_some() {
                done.staged += n;
            }
            (newest, stage.or(staged_in))
        }
    };
    Ok(Tip { id, newest: Some(newest), staged_in })
}

/// A series' tip as the file has it; a new series is created.
fn tip(tx: &Connection, key: &str) -> rusqlite::Result<Tip> {
    let existing: Option<i64> =
        tx.prepare_cached("SELECT id FROM series WHERE labels = ?1")?.query_row([key], |r| r.get(0)).optional()?;
    match existing {
        Some(id) => {
            let newest = tx
                .prepare_cached(
                    "SELECT to_ts, cum_good, cum_total FROM points WHERE series = ?1 ORDER BY to_ts DESC LIMIT 1",
                )?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            Ok(Tip { id, newest, staged_in: None })
        }
        None => Ok(Tip {
            id: tx.prepare_cached("INSERT INTO series (labels) VALUES (?1)")?.insert([key])?,
            newest: None,
            staged_in: None,
        }),
    }
}

/// The stored counts of `m`'s exact interval, if the series has it; an
/// error if a stored interval overlaps it otherwise. Stored intervals are
/// disjoint, so only the first one ending after `m.from` can overlap `m`.
fn stored_counts(tx: &Connection, path: &Path, id: i64, m: &Measurement) -> Result<Option<(f64, f64)>, StoreError> {
    let err = |e: rusqlite::Error| db_error(path, e);
    let next: Option<(i64, i64, f64, f64)> = tx
        .prepare_cached(
            "SELECT from_ts, to_ts, good, total FROM points WHERE series = ?1 AND to_ts > ?2 ORDER BY to_ts LIMIT 1",
        )
        .map_err(err)?
        .query_row((id, m.from), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()
        .map_err(err)?;
    match next {
        Some((from, to, good, total)) if from < m.to => {
            if (from, to) == (m.from, m.to) {
                Ok(Some((good, total)))
            } else {
                Err(StoreError::Overlap {
                    labels: m.labels.clone(),
                    from: m.from,
                    to: m.to,
                    existing_from: from,
                    existing_to: to,
                })
            }
        }
        _ => Ok(None),
    }
}

/// Inserts points after the series' newest, continuing its sums, into
/// `table`, and returns the new newest point and how many rows went in.
/// `changes` is not empty.
fn append<'a>(
    tx: &Connection,
    table: Table,
    id: i64,
    (mut cum_good, mut cum_total): (f64, f64),
    changes: impl Iterator<Item = &'a Interval>,
) -> rusqlite::Result<((i64, f64, f64), usize)> {
    let mut insert = tx.prepare_cached(match table {
        Table::Points => {
            "INSERT INTO points (series, to_ts, from_ts, good, total, cum_good, cum_total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        }
        Table::Staged => {
            "INSERT INTO staged (series, to_ts, from_ts, good, total, cum_good, cum_total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        }
    })?;
    let mut last_to = i64::MIN;
    let mut n = 0;
    for i in changes {
        cum_good += i.good;
        cum_total += i.total;
        insert.execute((id, i.to, i.from, i.good, i.total, cum_good, cum_total))?;
        last_to = i.to;
        n += 1;
    }
    Ok(((last_to, cum_good, cum_total), n))
}

/// Writes changes that reach into the stored points, then recomputes the
/// sums of every point from `earliest` on, and returns the newest point.
fn rewrite<'a>(
    tx: &Connection,
    id: i64,
    earliest: i64,
    changes: impl Iterator<Item = &'a Interval>,
) -> rusqlite::Result<(i64, f64, f64)> {
    // Where the sums restart: the point just before `earliest`, or, when the
    // change comes before every point, the series' base (the pruned events),
    // read before the oldest point's counts are replaced.
    let before: Option<(f64, f64)> = tx
        .prepare_cached(
            "SELECT cum_good, cum_total FROM points WHERE series = ?1 AND to_ts < ?2 ORDER BY to_ts DESC LIMIT 1",
        )?
        .query_row((id, earliest), |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (mut cum_good, mut cum_total) = match before {
        Some(sums) => sums,
        None => read::base(tx, id)?.unwrap_or((0.0, 0.0)),
    };

    // Same end means same interval here (overlaps were refused), so a
    // conflict is a replacement; the sums are placeholders until below.
    let mut upsert = tx.prepare_cached(
        "INSERT INTO points (series, to_ts, from_ts, good, total, cum_good, cum_total)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, 0)
         ON CONFLICT (series, to_ts) DO UPDATE SET good = excluded.good, total = excluded.total",
    )?;
    for i in changes {
        upsert.execute((id, i.to, i.from, i.good, i.total))?;
    }

    // Read the tail first, then update it: updating rows under a running
    // SELECT on the same table is not something to rely on.
    let tail: Vec<(i64, f64, f64)> = tx
        .prepare_cached("SELECT to_ts, good, total FROM points WHERE series = ?1 AND to_ts >= ?2 ORDER BY to_ts")?
        .query_map((id, earliest), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update =
        tx.prepare_cached("UPDATE points SET cum_good = ?3, cum_total = ?4 WHERE series = ?1 AND to_ts = ?2")?;
    let mut last_to = i64::MIN;
    for (to, good, total) in tail {
        cum_good += good;
        cum_total += total;
        update.execute((id, to, cum_good, cum_total))?;
        last_to = to;
    }
    Ok((last_to, cum_good, cum_total))
}

/// Deletes the points with `to ≤ before`, series by series (each a range of
/// the primary key), then the series left without points. What is staged
/// is merged first.
pub(super) fn prune(tx: &Connection, before: i64) -> rusqlite::Result<u64> {
    staged::merge(tx)?;
    let ids: Vec<i64> =
        tx.prepare_cached("SELECT id FROM series")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut delete = tx.prepare_cached("DELETE FROM points WHERE series = ?1 AND to_ts <= ?2")?;
    let mut pruned = 0u64;
    for id in ids {
        pruned += delete.execute((id, before))? as u64;
    }
    tx.execute("DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM points WHERE points.series = series.id)", [])?;
    Ok(pruned)
}
