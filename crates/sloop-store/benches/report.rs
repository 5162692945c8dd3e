//! How long reports take from a big store: 1,000 SLOs × 30 days of
//! one-minute points (43.2 M points). Targets (issue 4): every objective's
//! report in under 100 ms in all, and no slower with 1-day windows than with
//! 30-day ones (a window costs two seeks, whatever its length).
//!
//! `cargo bench -p sloop-store --bench report`. The store is built once and
//! kept under `target/sloop-bench/`, named by its size, so later runs start
//! at once. Scale down with `SLOOP_BENCH_SLOS` and `SLOOP_BENCH_DAYS`.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_core::measure::{Measurement, series_labels};
use sloop_core::report::{build, windows_needed};
use sloop_core::source::SourceFile;
use sloop_store::report::report_objective;
use sloop_store::{SqliteStore, Store, difference};

/// 2026-11-21T12:00:00Z: every report ends here.
const END: i64 = 1_795_262_400;
const DAY: i64 = 86_400;

/// Bumped when the data below changes, so a stale cached store is not used.
const DATA_VERSION: u32 = 1;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `n` ratio SLOs over `n / 10` services, all with the same window.
fn objectives(n: usize, window: &str) -> Vec<Objective> {
    let mut files = Vec::new();
    for s in 0..n.div_ceil(10) {
        let mut text = format!("apiVersion: sloop/v1\nservice: svc-{s}\nslos:\n");
        for i in 0..10.min(n - s * 10) {
            text.push_str(&format!(
                "  - name: availability-{i}\n    target: 99.9\n    window: {window}\n    ratio:\n      \
                 bad: sum(rate(http_requests_total{{job=\"svc-{s}\",route=\"/r{i}\",code=~\"5..\"}}[{{{{.window}}}}]))\n      \
                 total: sum(rate(http_requests_total{{job=\"svc-{s}\",route=\"/r{i}\"}}[{{{{.window}}}}]))\n"
            ));
        }
        files.push(SourceFile::new(format!("svc-{s}.yaml"), text));
    }
    sloop_core::spec::load(&files).unwrap().manifest.objectives
}

fn bench_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("sloop-bench")
}

/// One series' points: a minute each, traffic following the time of day,
/// a few errors, integer counts.
fn series(objective: &Objective, seed: u64, days: i64) -> Vec<Measurement> {
    let labels = series_labels(objective);
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let start = END - days * DAY;
    (0..days * 1440)
        .map(|k| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let from = start + 60 * k;
            let total = ((from / 3600 % 24) as f64 * 10.0 + 20.0) * (1 + (x >> 62)) as f64;
            let bad = ((x >> 33) % 3) as f64;
            Measurement { labels: labels.clone(), from, to: from + 60, good: total - bad, total }
        })
        .collect()
}

/// The store for `objectives` × `days`, built on the first run: one batch
/// (one transaction) per series, into a temporary file renamed when done,
/// so an interrupted build is never mistaken for a finished one.
fn store(objectives: &[Objective], days: i64) -> SqliteStore {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap_or(dir);
    let path = dir.join(format!("report-v{DATA_VERSION}-{}slos-{days}d.db", objectives.len()));
    if !path.exists() {
        let partial = path.with_extension("partial");
        for suffix in ["", "-wal", "-shm"] {
            let mut p = partial.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
        let started = Instant::now();
        let store = SqliteStore::open(&partial).unwrap();
        for (i, o) in objectives.iter().enumerate() {
            store.write(&series(o, i as u64, days)).unwrap();
            if (i + 1) % 50 == 0 {
                eprintln!("built {} of {} series in {:.1?}", i + 1, objectives.len(), started.elapsed());
            }
        }
        // Closing checkpoints the WAL into the file and deletes it, so the
        // file alone holds everything when renamed.
        drop(store);
        let mut wal = partial.clone().into_os_string();
        wal.push("-wal");
        assert!(!PathBuf::from(wal).exists(), "the WAL must be merged into the database on close");
        std::fs::rename(&partial, &path).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        eprintln!(
            "built {} ({} points, {:.2} GiB) in {:.1?}",
            path.display(),
            objectives.len() as i64 * days * 1440,
            size as f64 / f64::from(1 << 30),
            started.elapsed()
        );
    }
    SqliteStore::open(&path).unwrap()
}

fn report_all(store: &dyn Store, objectives: &[Objective]) -> usize {
    objectives.iter().map(|o| report_objective(store, o, END).unwrap()).filter(|r| r.total > 0.0).count()
}

fn bench(c: &mut Criterion) {
    let slos = env_or("SLOOP_BENCH_SLOS", 1000);
    let days = env_or("SLOOP_BENCH_DAYS", 30) as i64;
    let monthly = objectives(slos, "30d");
    let daily = objectives(slos, "1d");
    let store = store(&monthly, days);
    // Every objective has data, in both shapes (the same series).
    assert_eq!(report_all(&store, &monthly), slos);
    assert_eq!(report_all(&store, &daily), slos);

    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.bench_function(format!("{slos} SLOs x {days}d of minutes, 30d windows"), |b| {
        b.iter(|| report_all(black_box(&store), &monthly))
    });
    g.bench_function(format!("{slos} SLOs x {days}d of minutes, 1d windows"), |b| {
        b.iter(|| report_all(black_box(&store), &daily))
    });
    // The floor: the report math alone, from sums fetched beforehand.
    let fetched: Vec<HashMap<i64, Counts>> = monthly
        .iter()
        .map(|o| {
            let mut at: Vec<i64> = windows_needed(o, END).into_iter().flat_map(|(a, b)| [a, b]).collect();
            at.sort_unstable();
            at.dedup();
            let sums = store.cumulative(&series_labels(o), &at).unwrap();
            at.into_iter().zip(sums).collect()
        })
        .collect();
    g.bench_function(format!("{slos} SLOs, 30d windows, report math only (sums in memory)"), |b| {
        b.iter(|| {
            monthly
                .iter()
                .zip(&fetched)
                .map(|(o, sums)| build(o, END, &|from, to| Some(difference(sums[&from], sums[&to]))))
                .filter(|r| r.total > 0.0)
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
