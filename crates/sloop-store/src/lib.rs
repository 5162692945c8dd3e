//! # sloop-store
//!
//! Where sloop keeps indicators. A [`Store`] holds [`Measurement`]s (good and
//! total events of a label set over an interval) and answers window queries
//! in O(log n), whatever the window's length: each series keeps cumulative
//! sums, so the counts over `(a, b]` are `cum(b) − cum(a)`, two index seeks.
//!
//! - [`SqliteStore`]: one file, WAL mode; the default for one machine.
//! - [`PostgresStore`]: a PostgreSQL database that several server replicas
//!   share, writing at once.
//! - [`Catalog`]: what a shared server keeps besides measurements (the
//!   objectives synced to it, its API tokens), per tenant. [`SqliteStore`]
//!   and [`PostgresStore`] are one too; a [`Database`] is both.
//! - [`conformance`]: the behaviour every store and catalog must have, as
//!   test suites that each implementation runs.
//! - [`report`]: an objective's report from a store, in one batch of
//!   lookups per series.
//!
//! The store sits on sloop-core and below the agent, the server and the CLI.
//! It is synchronous: callers on an async runtime use `spawn_blocking`.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod conformance;
mod error;
mod postgres;
pub mod report;
mod sqlite;

use std::fmt::Debug;

use sloop_core::math::{Counts, Point};
use sloop_core::measure::Measurement;
use sloop_core::model::Labels;

pub use crate::postgres::{PostgresOptions, PostgresStore, redact as redact_url};
pub use catalog::{Catalog, Database, Put, Scope, StoredObjective, TokenRecord};
pub use error::{StoreError, format_labels};
pub use sqlite::{SqliteOptions, SqliteStore};

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// Intervals that were new.
    pub inserted: usize,
    /// Intervals already stored with other counts, now replaced (an interval
    /// written twice counts once, with its latest counts).
    pub replaced: usize,
    /// Intervals already stored with the same counts: nothing changed.
    pub unchanged: usize,
}

impl Written {
    /// Every interval of the batch.
    pub fn total(&self) -> usize {
        self.inserted + self.replaced + self.unchanged
    }
}

/// A place to keep measurements and sum them over windows.
///
/// Semantics every implementation follows (checked by [`conformance`]):
/// - A point belongs to a window `(a, b]` when its `to` is in it.
/// - A batch is written whole or not at all.
/// - The same interval `(from, to]` of a series written again replaces the
///   old counts: it is counted once.
/// - An interval that overlaps a stored one without being equal to it is
///   refused ([`StoreError::Overlap`]), and so is the whole batch.
/// - Counts that cannot be (`good > total`, negative, NaN) and empty
///   intervals are refused ([`StoreError::Invalid`]).
pub trait Store: Send + Sync + Debug {
    /// Writes a batch atomically.
    fn write(&self, batch: &[Measurement]) -> Result<Written, StoreError>;

    /// For each instant `t` of `at`, the sum of the series' points with
    /// `to ≤ t` (since the oldest point kept). O(log n) per instant. A series
    /// never written has zero everywhere.
    fn cumulative(&self, labels: &Labels, at: &[i64]) -> Result<Vec<Counts>, StoreError>;

    /// The counts over `(from, to]`: `cum(to) − cum(from)`.
    fn counts(&self, labels: &Labels, from: i64, to: i64) -> Result<Counts, StoreError> {
        let c = self.cumulative(labels, &[from, to])?;
        Ok(difference(c[0], c[1]))
    }

    /// The points with `to` in `(from, to]`, oldest first.
    fn points(&self, labels: &Labels, from: i64, to: i64) -> Result<Vec<Point>, StoreError>;

    /// The end of the newest point of the series, if it has any.
    fn last_to(&self, labels: &Labels) -> Result<Option<i64>, StoreError>;

    /// Every series' label set.
    fn series(&self) -> Result<Vec<Labels>, StoreError>;

    /// Deletes the points with `to ≤ before` (retention). Window queries that
    /// start at or after `before` are unchanged. Returns how many went.
    fn prune(&self, before: i64) -> Result<u64, StoreError>;
}

/// `later − earlier` of two cumulative sums, as counts. Rounding can leave a
/// good count a hair above the total; it is clamped.
pub fn difference(earlier: Counts, later: Counts) -> Counts {
    let total = (later.total() - earlier.total()).max(0.0);
    let good = (later.good() - earlier.good()).max(0.0);
    Counts::clamped(good, total).unwrap_or(Counts::ZERO)
}
