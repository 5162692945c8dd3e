//! The behaviour every [`Store`] must have, as checks each implementation
//! runs against itself: SQLite and PostgreSQL, both in this crate's tests.
//!
//! Each check takes a function that makes a fresh, empty store, writes
//! data whose sums it knows by brute force (integer counts, so every sum is
//! exact and compared to the bit), and panics with a message that names the
//! behaviour, the series, the window and both numbers when the store is
//! wrong. [`run_all`] runs every check of [`CHECKS`] and reports which ones
//! failed.
//!
//! ```no_run
//! use sloop_store::{SqliteStore, Store, conformance};
//! conformance::run_all(&|| Box::new(SqliteStore::in_memory().unwrap()) as Box<dyn Store>);
//! ```
//!
//! The checks are ordinary library code with no test-only dependency (their
//! random data comes from a small seeded generator), so another crate's
//! store runs them without features or dev-dependencies, and a failure
//! replays identically on every machine.

pub mod catalog;
mod support;
mod windows;
mod writes;

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::Store;

/// Makes a fresh, empty store.
pub type MakeStore<'a> = dyn Fn() -> Box<dyn Store> + 'a;

/// One behaviour: panics when the stores `make` returns do not have it.
pub type Check = fn(&MakeStore<'_>);

/// Every check, by name.
pub const CHECKS: &[(&str, Check)] = &[
    ("a fresh store is empty", windows::fresh_store_is_empty),
    ("window sums equal brute-force sums over random batches", windows::window_sums_match_brute_force),
    ("cumulative answers each instant, in the order asked", windows::cumulative_answers_in_order),
    ("integer counts sum exactly", windows::integer_counts_sum_exactly),
    ("filling a gap in the middle keeps every window exact", windows::gap_fill_keeps_windows_exact),
    ("pruning keeps the windows after the cut exact", windows::prune_keeps_later_windows_exact),
    ("series are isolated from one another", windows::series_are_isolated),
    ("label order is irrelevant and labels round-trip", windows::label_order_is_irrelevant),
    ("rewriting an interval counts it once", writes::rewrite_counts_once),
    ("the same interval twice in one batch counts once", writes::duplicates_in_one_batch),
    ("an overlapping interval is refused with the whole batch", writes::overlap_is_refused_atomically),
    ("impossible counts are refused with the whole batch", writes::invalid_counts_are_refused_atomically),
    ("writers on several threads keep every write", writes::concurrent_writers),
];

/// Runs every check of [`CHECKS`], each on fresh stores from `make`.
///
/// A failing check does not stop the others; at the end this panics with
/// the names of those that failed (each one's own message is printed when
/// it fails).
pub fn run_all(make: &MakeStore<'_>) {
    let mut failed = Vec::new();
    for (name, check) in CHECKS {
        if catch_unwind(AssertUnwindSafe(|| check(make))).is_err() {
            eprintln!("store conformance: check failed: {name}");
            failed.push(*name);
        }
    }
    assert!(
        failed.is_empty(),
        "store conformance: {} of {} checks failed (messages above): {}",
        failed.len(),
        CHECKS.len(),
        failed.join("; ")
    );
}
