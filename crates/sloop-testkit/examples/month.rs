//! Measures the testkit at benchmark scale: 31 days × 1440 minutes × 250
//! series (one SLO spread over 50 pods × 5 codes), about 11 M samples.
//!
//! `cargo run --release -p sloop-testkit --example month [DIR]` writes the
//! OpenMetrics file into DIR (a temporary directory by default), backfills
//! it, starts Prometheus on it and checks one month-long query against the
//! truth, printing how long each step took.

use std::io::BufWriter;
use std::time::Instant;

use sloop_testkit::prometheus::{Prometheus, StartOptions, backfill_openmetrics};
use sloop_testkit::synthetic::{DAY, HOUR, MINUTE, Scenario, SeriesGroup};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let temp = tempfile::tempdir()?;
    let dir = std::env::args().nth(1).map_or_else(|| temp.path().to_owned(), Into::into);
    std::fs::create_dir_all(&dir)?;
    let start = 1_709_251_200; // 2024-03-01T00:00:00Z

    let t = Instant::now();
    let scenario = Scenario::builder(start, 31 * DAY)
        .seed(2024)
        .group(
            SeriesGroup::new("checkout")
                .rate(1.0, 100.0)
                .error_ratio(0.0005)
                .incident(10 * DAY + 14 * HOUR, 20 * MINUTE, 1.0)
                .incident(17 * DAY + 2 * HOUR, 2 * HOUR, 0.1)
                .degradation(24 * DAY, 3 * DAY, 0.01)
                .reset(20 * DAY + 9 * HOUR)
                .cardinality(50, &["200", "201", "404", "500", "503"]),
        )
        .build()?;
    println!("build (incl. reset check):  {:>7.2} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    scenario.to_openmetrics(std::io::sink())?;
    println!("render OpenMetrics (no I/O):{:>7.2} s", t.elapsed().as_secs_f64());

    let file = dir.join("month.om");
    let t = Instant::now();
    scenario.to_openmetrics(BufWriter::new(std::fs::File::create(&file)?))?;
    let size = std::fs::metadata(&file)?.len();
    let lines = scenario.series().len() * (scenario.minutes() + 1);
    println!(
        "write OpenMetrics:          {:>7.2} s  ({lines} samples, {:.0} MB)",
        t.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
    if !Prometheus::available() {
        println!("prometheus/promtool not on PATH: stopping here");
        return Ok(());
    }

    let data = dir.join("data");
    let t = Instant::now();
    let blocks = backfill_openmetrics(&file, &data)?;
    println!("promtool backfill:          {:>7.2} s", t.elapsed().as_secs_f64());
    print!("{blocks}");

    let t = Instant::now();
    let prom = Prometheus::start(StartOptions::new(&data))?;
    println!("prometheus ready:           {:>7.2} s", t.elapsed().as_secs_f64());

    let truth = scenario.truth("checkout").ok_or("no truth")?;
    let end = scenario.end();
    for (expr, window) in [
        ("sum(increase(http_requests_total[1h]))", HOUR),
        ("sum(increase(http_requests_total[1d]))", DAY),
        ("sum(increase(http_requests_total[30d]))", 30 * DAY),
    ] {
        let t = Instant::now();
        let got = prom.query_value(expr, Some(end as f64))?;
        let want = truth.counts(end, window).total as f64;
        println!(
            "{expr:<42} {:>7.3} s  got {got:?}, truth {want} -> {}",
            t.elapsed().as_secs_f64(),
            if got == Some(want) { "exact" } else { "DIFFERENT" }
        );
    }
    Ok(())
}
