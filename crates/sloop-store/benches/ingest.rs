//! How fast the SQLite store takes in what a server receives: batches of
//! 1,000 points, one new minute of each of 1,000 series, from 16 clients
//! in turn (16,000 series). Written in place (`stage_rows: 0`, what an agent's
//! store does) against staged as `sloop serve` stages them (262,144 rows).
//!
//! `cargo bench -p sloop-store --bench ingest`. The store itself, without
//! HTTP or JSON: `bench/server/` measures the whole server. Each store
//! starts with an hour of every series, and keeps growing across samples,
//! so merges of the staged log fall inside the measured batches in their
//! due proportion (one in every 262 batches).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sloop_core::measure::Measurement;
use sloop_core::model::Labels;
use sloop_store::{SqliteOptions, SqliteStore, Store};

/// 2026-11-21T12:00:00Z, where the first minute starts.
const START: i64 = 1_795_262_400;
const CLIENTS: usize = 16;
const BATCH: usize = 1_000;

/// The series, as the server would key them.
fn series() -> Vec<Labels> {
    (0..CLIENTS * BATCH)
        .map(|i| {
            Labels::from([
                ("service".to_string(), "bench".to_string()),
                ("slo".to_string(), format!("c{}-s{}", i / BATCH, i % BATCH)),
            ])
        })
        .collect()
}

/// Batch `k`: client `k mod 16`'s next minute of each of its series.
fn batch(series: &[Labels], k: usize) -> Vec<Measurement> {
    let client = k % CLIENTS;
    let from = START + 60 * (k / CLIENTS) as i64;
    series[client * BATCH..(client + 1) * BATCH]
        .iter()
        .enumerate()
        .map(|(j, l)| Measurement::new(l.clone(), from, from + 60, (1000 - (j + k) % 5) as f64, 1000.0).unwrap())
        .collect()
}

fn ingest(c: &mut Criterion) {
    let series = series();
    let mut group = c.benchmark_group("ingest 1,000 series x 1 point");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(BATCH as u64));
    for (name, stage_rows) in [("in place", 0), ("staged", 1 << 18)] {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteOptions { write_cache_mib: 128, stage_rows, ..SqliteOptions::new(dir.path().join("s.db")) };
        let store = SqliteStore::open_with(options).unwrap();
        // An hour of every series first: the table is not empty.
        let mut k = 0;
        while k < 60 * CLIENTS {
            store.write(&batch(&series, k)).unwrap();
            k += 1;
        }
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let points = batch(&series, k);
                    k += 1;
                    let t = Instant::now();
                    black_box(store.write(&points).unwrap());
                    spent += t.elapsed();
                }
                spent
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
