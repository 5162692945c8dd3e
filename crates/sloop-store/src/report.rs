//! Reports from a store.
//!
//! [`sloop_core::report::build`] asks for counts over a few dozen windows
//! that all end at the same instant (the SLO window, the burn-rate and
//! alert windows, the trend's slices). In a store of running sums each is
//! `cum(to) − cum(from)`, and the windows share most of their ends; so the
//! distinct instants are collected first and fetched in **one**
//! [`Store::cumulative`] call per objective (one seek each), and `build`
//! is served from that map. The cost depends on how many windows there
//! are, never on how long they are: a 30-day report costs what a 1-day one
//! does.

use std::collections::HashMap;

use sloop_core::math::Counts;
use sloop_core::measure::series_labels;
use sloop_core::model::Objective;
use sloop_core::report::{ObjectiveReport, Report, assemble, build, windows_needed};

use crate::{Store, StoreError, difference};

/// The report of one objective at `end` (unix seconds), from the series its
/// measurements are stored under ([`series_labels`]).
pub fn report_objective(store: &dyn Store, objective: &Objective, end: i64) -> Result<ObjectiveReport, StoreError> {
    let labels = series_labels(objective);
    let mut instants: Vec<i64> = windows_needed(objective, end).into_iter().flat_map(|(from, to)| [from, to]).collect();
    instants.sort_unstable();
    instants.dedup();
    let sums = store.cumulative(&labels, &instants)?;
    let at: HashMap<i64, Counts> = instants.into_iter().zip(sums).collect();
    let counts = |from: i64, to: i64| match (at.get(&from), at.get(&to)) {
        (Some(earlier), Some(later)) => Some(difference(*earlier, *later)),
        // `build` only asks for the windows `windows_needed` lists; should
        // the two ever disagree, ask the store rather than report no data.
        _ => store.counts(&labels, from, to).ok(),
    };
    Ok(build(objective, end, &counts))
}

/// The report of several objectives at `end`, in their order.
pub fn report(store: &dyn Store, objectives: &[Objective], end: i64) -> Result<Report, StoreError> {
    let reports = objectives.iter().map(|o| report_objective(store, o, end)).collect::<Result<Vec<_>, _>>()?;
    Ok(assemble(end, reports))
}
