//! Reports served from a store equal reports from brute-force sums.

use sloop_core::Objective;
use sloop_core::math::{Counts, Point, Window, window_counts};
use sloop_core::measure::{Measurement, series_labels};
use sloop_core::report::{Status, build};
use sloop_core::source::SourceFile;
use sloop_core::{Duration, spec};
use sloop_store::report::{report, report_objective};
use sloop_store::{SqliteStore, Store};

const DAY: i64 = 86_400;
/// 2026-11-21T12:00:00Z.
const END: i64 = 1_795_262_400;

fn objectives() -> Vec<Objective> {
    let ratio =
        "ratio:\n      bad: sum(rate(errors_total[{{.window}}]))\n      total: sum(rate(requests_total[{{.window}}]))";
    let yaml = format!(
        "apiVersion: sloop/v1\nservice: web\nslos:\n  \
         - name: monthly\n    target: 99.5\n    window: 30d\n    {ratio}\n  \
         - name: daily\n    target: 99\n    window: 1d\n    {ratio}\n  \
         - name: slices\n    target: 99\n    window: 7d\n    budgeting: {{method: timeslices, slice: 1h, target: 95}}\n    {ratio}\n  \
         - name: calendar\n    target: 99.9\n    window: {{calendar: month}}\n    {ratio}\n  \
         - name: silent\n    target: 99.9\n    window: 28d\n    {ratio}\n"
    );
    spec::load(&[SourceFile::new("web.yaml", &yaml)]).unwrap().manifest.objectives
}

/// One point a minute over 40 days before END, an incident of 30 minutes a
/// day before the end. Integer counts: sums are exact either way.
fn points() -> Vec<Point> {
    let mut out = Vec::new();
    let mut x: u64 = 99;
    let mut t = END - 40 * DAY;
    while t < END {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let total = ((t / 3600 % 24) * 3 + 1 + (x >> 60) as i64) as f64;
        let bad = if (END - DAY - 1800..END - DAY).contains(&t) { total } else { ((x >> 33) % 2) as f64 };
        out.push(Point::new(t, t + 60, total - bad, total).unwrap());
        t += 60;
    }
    out
}

#[test]
fn reports_from_the_store_equal_brute_force_reports() {
    let objectives = objectives();
    let points = points();
    let store = SqliteStore::in_memory().unwrap();
    // Every objective but `silent` stores under its own series.
    for o in objectives.iter().filter(|o| o.name != "silent") {
        let labels = series_labels(o);
        let batch: Vec<Measurement> = points
            .iter()
            .map(|p| Measurement::new(labels.clone(), p.from, p.to, p.counts.good(), p.counts.total()).unwrap())
            .collect();
        store.write(&batch).unwrap();
    }
    let brute = |from: i64, to: i64| -> Option<Counts> {
        let length = Duration::from_secs(u64::try_from(to - from).unwrap());
        Some(window_counts(&points, Window::ending_at(to, length)))
    };
    for o in &objectives {
        let got = report_objective(&store, o, END).unwrap();
        if o.name == "silent" {
            assert_eq!(got.status, Status::NoData);
            assert_eq!((got.good, got.total), (0.0, 0.0));
        } else {
            assert_eq!(got, build(o, END, &brute), "the report of {} from the store", o.name);
            assert!(got.total > 0.0);
        }
    }

    let whole = report(&store, &objectives, END).unwrap();
    assert_eq!(whole.objectives.len(), objectives.len());
    assert_eq!(whole.summary.no_data, 1);
    assert_eq!(whole.summary.met + whole.summary.breached + whole.summary.no_data, objectives.len());
    assert_eq!(whole.end, END);
}

#[test]
fn a_report_after_pruning_older_data_is_unchanged() {
    // Retention just longer than the window: the report must not move.
    let objectives = objectives();
    let monthly = &objectives[0];
    let points = points();
    let store = SqliteStore::in_memory().unwrap();
    let labels = series_labels(monthly);
    let batch: Vec<Measurement> = points
        .iter()
        .map(|p| Measurement::new(labels.clone(), p.from, p.to, p.counts.good(), p.counts.total()).unwrap())
        .collect();
    store.write(&batch).unwrap();
    let before = report_objective(&store, monthly, END).unwrap();
    let pruned = store.prune(END - 31 * DAY).unwrap();
    assert_eq!(pruned, 9 * 1440, "nine days of minutes are older than 31 days");
    assert_eq!(report_objective(&store, monthly, END).unwrap(), before);
}
