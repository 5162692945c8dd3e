//! Reports from a store.
//!
//! [`sloop_core::report::build`] asks for counts over a few dozen windows
//! that all end at the same instant (the SLO window, the burn-rate and
//! alert windows, the trend's slices). In a store of running sums each is
//! `cum(to) − cum(from)`, and the windows share most of their ends; so the
//! distinct instants are collected first and fetched in **one**
//! [`Store::cumulative`] call per series (one seek each), and `build` is
//! served from that map. The cost depends on how many windows there are,
//! never on how long they are: a 30-day report costs what a 1-day one does.
//!
//! An objective counts every series whose labels include its selector
//! ([`series_labels`], [`matches()`]): an agent writes exactly those labels,
//! while clients of the server may push finer series (one per region, say),
//! which add up. Running sums add, so the sum over several series is the
//! element-wise sum of their cumulative sums.

use std::collections::HashMap;

use sloop_core::math::Counts;
use sloop_core::measure::{matches, series_labels};
use sloop_core::model::{Labels, Objective};
use sloop_core::report::{ObjectiveReport, Report, Trend, assemble, build, history, history_windows, windows_needed};

use crate::{Store, StoreError, difference};

/// The report of one objective at `end` (unix seconds).
pub fn report_objective(store: &dyn Store, objective: &Objective, end: i64) -> Result<ObjectiveReport, StoreError> {
    report_scoped(store, &store.series()?, objective, &Labels::new(), end)
}

/// The report of several objectives at `end`, in their order.
pub fn report(store: &dyn Store, objectives: &[Objective], end: i64) -> Result<Report, StoreError> {
    report_in(store, objectives, &Labels::new(), end)
}

/// [`report`], counting only series that also carry every label of
/// `scope` (the server's tenant label, say). The series are listed once.
pub fn report_in(store: &dyn Store, objectives: &[Objective], scope: &Labels, end: i64) -> Result<Report, StoreError> {
    let series = store.series()?;
    let reports =
        objectives.iter().map(|o| report_scoped(store, &series, o, scope, end)).collect::<Result<Vec<_>, _>>()?;
    Ok(assemble(end, reports))
}

/// The selector an objective counts within `scope`: its series labels and
/// the scope's.
pub fn selector_in(objective: &Objective, scope: &Labels) -> Labels {
    let mut selector = series_labels(objective);
    selector.extend(scope.iter().map(|(k, v)| (k.clone(), v.clone())));
    selector
}

/// One objective's report, from the series of `series` it matches.
pub fn report_scoped(
    store: &dyn Store,
    series: &[Labels],
    objective: &Objective,
    scope: &Labels,
    end: i64,
) -> Result<ObjectiveReport, StoreError> {
    let windows = Windows::read(store, series, &selector_in(objective, scope), windows_needed(objective, end))?;
    Ok(build(objective, end, &|from, to| windows.counts(store, from, to)))
}

/// The objective's window at `end` in `points` slices, for charts
/// ([`sloop_core::report::history`]).
pub fn history_scoped(
    store: &dyn Store,
    series: &[Labels],
    objective: &Objective,
    scope: &Labels,
    end: i64,
    points: usize,
) -> Result<Trend, StoreError> {
    let needed = history_windows(objective, end, points);
    let windows = Windows::read(store, series, &selector_in(objective, scope), needed)?;
    Ok(history(objective, end, points, &|from, to| windows.counts(store, from, to)))
}

/// The summed running sums of the series an objective counts, at every
/// end of the windows it needs.
struct Windows<'a> {
    matching: Vec<&'a Labels>,
    at: HashMap<i64, Counts>,
}

impl<'a> Windows<'a> {
    fn read(
        store: &dyn Store,
        series: &'a [Labels],
        selector: &Labels,
        windows: Vec<(i64, i64)>,
    ) -> Result<Self, StoreError> {
        let matching: Vec<&Labels> = series.iter().filter(|labels| matches(selector, labels)).collect();
        let mut instants: Vec<i64> = windows.into_iter().flat_map(|(from, to)| [from, to]).collect();
        instants.sort_unstable();
        instants.dedup();
        let mut sums = vec![Counts::ZERO; instants.len()];
        for labels in &matching {
            for (sum, c) in sums.iter_mut().zip(store.cumulative(labels, &instants)?) {
                *sum += c;
            }
        }
        Ok(Self { matching, at: instants.into_iter().zip(sums).collect() })
    }

    fn counts(&self, store: &dyn Store, from: i64, to: i64) -> Option<Counts> {
        match (self.at.get(&from), self.at.get(&to)) {
            (Some(earlier), Some(later)) => Some(difference(*earlier, *later)),
            // Only the windows read are asked for; should the two lists ever
            // disagree, ask the store rather than report no data.
            _ => self.matching.iter().map(|labels| store.counts(labels, from, to).ok()).sum(),
        }
    }
}
