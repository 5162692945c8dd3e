//! # server-bench
//!
//! The load benchmark of `sloop serve`. Run it through
//! `bench/server/run.sh`, which says what it measures and how long it takes.
//!
//! One run (`server-bench [flags] --out RUN.json`), on one database:
//! 1. Ingestion ([`ingest`]): on a fresh database, `--clients` concurrent
//!    clients push batches of `--batch` indicators back to back for
//!    `--warmup` + `--seconds`; points per second, request latency, and the
//!    server's CPU and peak memory over the measured part.
//! 2. Reports ([`reports`]): on another fresh database, 1,000 objectives with
//!    30 days of history; the latency of `GET /api/v1/reports` and of one
//!    objective's report.
//!
//! `server-bench summary --markdown FILE --json FILE RUN.json…` turns runs
//! into the Markdown table of docs/benchmarks.md (medians over runs) and one
//! JSON file of every raw number.
#![forbid(unsafe_code)]

mod ingest;
mod procfs;
mod reports;
mod server;
mod stats;
mod summary;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use serde::{Deserialize, Serialize};

use crate::procfs::Watched;
use crate::server::{Backend, Databases, Launcher, Server};

/// Load benchmark of `sloop serve`: ingestion throughput and report latency.
#[derive(Debug, Parser)]
#[command(name = "server-bench", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Summarise runs: Markdown with medians, and every raw number as JSON.
    Summary {
        /// Where to write the Markdown.
        #[arg(long)]
        markdown: PathBuf,
        /// Where to write every run's numbers together.
        #[arg(long)]
        json: PathBuf,
        /// The command that made the runs, for the report.
        #[arg(long)]
        command: Option<String>,
        /// The runs (`--out` files).
        #[arg(required = true)]
        runs: Vec<PathBuf>,
    },
    /// The server, in its own process, for a `sloop` without `serve`
    /// (used when `--sloop` is not given).
    #[command(hide = true)]
    ServeChild {
        #[arg(long)]
        listen: String,
        #[arg(long)]
        database: String,
    },
}

/// What to measure.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
struct RunArgs {
    /// The `sloop` binary whose `serve` is measured. Without it, the server
    /// runs as `server-bench serve-child` (the same library, its own process).
    #[arg(long)]
    sloop: Option<PathBuf>,
    /// The database the server runs on.
    #[arg(long, value_enum, default_value = "sqlite")]
    database: Backend,
    /// Concurrent ingesting clients, each with its own connection.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Indicators per request.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Consecutive points of one series in a request: 1 (the default) is
    /// an agent's steady state, one point of each of `--batch` series; more
    /// is a backlog being flushed or a backfill, `--batch / N` series with N
    /// minutes each. Must divide `--batch`.
    #[arg(long, default_value_t = 1)]
    #[serde(default = "one")]
    points_per_series: usize,
    /// Seconds of measured ingestion.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds of ingestion before measuring.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Objectives in the report phase.
    #[arg(long, default_value_t = 1000)]
    objectives: usize,
    /// Days of history per objective in the report phase.
    #[arg(long, default_value_t = 30)]
    history_days: i64,
    /// Seconds between two points of history.
    #[arg(long, default_value_t = 3600)]
    history_step: i64,
    /// Requests of `GET /api/v1/reports` (every objective).
    #[arg(long, default_value_t = 20)]
    report_all: usize,
    /// Requests of `GET /api/v1/reports/{service}/{name}`.
    #[arg(long, default_value_t = 200)]
    report_one: usize,
    /// Which phases to run.
    #[arg(long, value_delimiter = ',', default_value = "ingest,reports")]
    phases: Vec<Phase>,
    /// Where the databases and logs go (a fresh temporary directory inside
    /// it, removed at the end unless `--keep`).
    #[arg(long)]
    work: Option<PathBuf>,
    /// Keep the work directory.
    #[arg(long)]
    keep: bool,
    /// Where to write the run's numbers as JSON.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Phase {
    Ingest,
    Reports,
}

/// Everything one run measured, as written to `--out`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RunResult {
    /// When it started (RFC 3339).
    started: String,
    /// The machine.
    machine: String,
    /// The 1-minute load average before the run.
    load_before: f64,
    /// How the server ran.
    server: String,
    /// The flags.
    args: RunArgs,
    /// Phase 1.
    ingest: Option<ingest::Outcome>,
    /// Phase 2.
    reports: Option<reports::Outcome>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Summary { markdown, json, command, runs }) => {
            summary::write(&runs, &markdown, &json, command.as_deref())
        }
        Some(Command::ServeChild { listen, database }) => server::serve_child(&listen, &database),
        None => run(cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// One run. The set-up (PostgreSQL, databases, tokens) is blocking code,
/// so it runs outside the runtime, which only drives the phases.
fn run(args: RunArgs) -> Result<()> {
    if args.clients == 0 || args.batch == 0 || args.seconds == 0 || args.objectives == 0 {
        bail!("--clients, --batch, --seconds and --objectives must be at least 1");
    }
    if args.points_per_series == 0 || !args.batch.is_multiple_of(args.points_per_series) {
        bail!("--points-per-series must be at least 1 and divide --batch ({})", args.batch);
    }
    if args.history_step < 60 || args.history_days < 1 {
        bail!("--history-step must be at least 60 (seconds) and --history-days at least 1");
    }
    let base = args.work.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base)?;
    let work = tempfile::Builder::new().prefix("sloop-server-bench-").tempdir_in(&base)?;
    let dir = work.path().to_path_buf();
    let launcher = Launcher::new(args.sloop.as_deref())?;
    let tps = procfs::ticks_per_second();
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let mut result = RunResult {
        started: jiff::Timestamp::now().round(jiff::Unit::Second)?.to_string(),
        machine: procfs::machine(),
        load_before: load_average(),
        server: launcher.describe(),
        args: args.clone(),
        ingest: None,
        reports: None,
    };
    eprintln!("server-bench on {}: {} (work: {})", args.database.name(), result.server, dir.display());
    let dbs = Databases::new(args.database, &dir)?;

    if args.phases.contains(&Phase::Ingest) {
        let config = ingest::Config {
            clients: args.clients,
            batch: args.batch,
            points_per_series: args.points_per_series,
            warmup: Duration::from_secs(args.warmup),
            measure: Duration::from_secs(args.seconds),
        };
        let (mut server, token) = start(&rt, &dbs, &launcher, "ingest", &dir)?;
        let watched = Watched { server: server.pid(), database: dbs.postgres_pid() };
        eprintln!(
            "ingest: {} clients x {} indicators ({} per series), {} s warm-up + {} s",
            args.clients, args.batch, args.points_per_series, args.warmup, args.seconds
        );
        let outcome = rt.block_on(ingest::run(server.base(), &token, &config, watched, tps));
        let mut outcome = outcome.map_err(|e| e.context(format!("ingestion; server log:\n{}", server.log_tail())))?;
        server.stop()?;
        outcome.database_bytes = dbs.size_of("ingest");
        eprintln!(
            "  {:.0} points/s, p50 {:.1} ms, p99 {:.1} ms; server {:.2} cores",
            outcome.points_per_s,
            outcome.latency.p50_ms,
            outcome.latency.p99_ms,
            outcome.cpu.server_s / outcome.cpu.wall_s
        );
        result.ingest = Some(outcome);
    }

    if args.phases.contains(&Phase::Reports) {
        let config = reports::Config {
            objectives: args.objectives,
            history_days: args.history_days,
            history_step: args.history_step,
            batch: args.batch,
            clients: summary::HISTORY_CLIENTS,
            all_requests: args.report_all,
            one_requests: args.report_one,
        };
        let (mut server, token) = start(&rt, &dbs, &launcher, "reports", &dir)?;
        let watched = Watched { server: server.pid(), database: dbs.postgres_pid() };
        eprintln!(
            "reports: {} objectives, {} days of history every {} s",
            args.objectives, args.history_days, args.history_step
        );
        let outcome = rt.block_on(reports::run(server.base(), &token, &config, watched, tps));
        let mut outcome = outcome.map_err(|e| e.context(format!("reports; server log:\n{}", server.log_tail())))?;
        server.stop()?;
        outcome.database_bytes = dbs.size_of("reports");
        eprintln!(
            "  GET /reports median {:.1} ms (p99 {:.1}); one report median {:.2} ms (p99 {:.2})",
            outcome.all.p50_ms, outcome.all.p99_ms, outcome.one.p50_ms, outcome.one.p99_ms
        );
        result.reports = Some(outcome);
    }

    drop(dbs);
    if args.keep {
        eprintln!("kept {}", work.keep().display());
    }
    let json = serde_json::to_string_pretty(&result)?;
    match &args.out {
        Some(path) => write_file(path, &json)?,
        None => println!("{json}"),
    }
    Ok(())
}

/// A fresh database, a token in it, and a server on it.
fn start(
    rt: &tokio::runtime::Runtime,
    dbs: &Databases,
    launcher: &Launcher,
    name: &str,
    dir: &Path,
) -> Result<(Server, String)> {
    let url = dbs.fresh(name)?;
    let token = launcher.token(&url).with_context(|| format!("creating a token in the {name} database"))?;
    let server = rt.block_on(Server::start(launcher, &url, &dir.join(format!("{name}.log"))))?;
    Ok((server, token))
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// The default of fields added to [`RunArgs`] after runs were recorded.
fn one() -> usize {
    1
}
