//! `sloop agent`: measure every objective on an interval into the embedded store.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use sloop_server::agent::forward::Forwarder;
use sloop_server::agent::{Agent, AgentConfig, AgentEvent, now_unix};
use sloop_store::{SqliteOptions, SqliteStore, Store};
use tokio::sync::{mpsc, watch};

use crate::cli_measure::{AgentArgs, LogFormat};
use crate::providers::Providers;
use crate::style::Palette;

pub(crate) fn run(args: &AgentArgs, p: &Palette) -> Result<ExitCode> {
    init_logging(args.log_format, "info");
    let loaded = match super::load(&args.paths, p)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let objectives = &loaded.manifest.objectives;
    let interval = parse_secs("--interval", &args.interval)?;
    let delay = match args.delay.trim() {
        // No delay is a valid choice (the provider is always up to date), but not a valid duration.
        "0" | "0s" | "0m" => 0,
        d => parse_secs("--delay", d)?,
    };
    // Without --backfill, fetch each objective's whole window: the longest one.
    let backfill = match &args.backfill {
        Some(b) => parse_secs("--backfill", b)?,
        None => objectives
            .iter()
            .map(|o| i64::try_from(o.window.nominal_length().as_secs()).unwrap_or(i64::MAX / 4))
            .max()
            .unwrap_or(30 * 86_400),
    };
    let now = now_unix();
    let mut providers = Providers::new(&args.providers).with_synthetic(objectives, now)?;
    let (targets, skipped) = providers.targets(objectives)?;
    for s in &skipped {
        tracing::warn!(objective = %s.objective, reason = %s.reason, "not measured by the agent");
    }
    // The agent only looks up each series' newest interval: a small read cache will do.
    let options = SqliteOptions { read_cache_mib: 16, ..SqliteOptions::new(&args.db) };
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open_with(options).with_context(|| format!("cannot open the store {}", args.db.display()))?,
    );
    let retention = args.retention.as_deref().map(|r| parse_secs("--retention", r)).transpose()?;
    let config = AgentConfig {
        interval,
        backfill,
        delay,
        retention,
        concurrency: args.concurrency.max(1),
        ..AgentConfig::default()
    };
    tracing::info!(
        objectives = targets.len(),
        db = %args.db.display(),
        interval_secs = interval,
        backfill_secs = backfill,
        "agent starting"
    );

    let forwarder = match &args.server.server {
        Some(_) => Some(Arc::new(Forwarder::new(
            store.clone(),
            super::sync::client(&args.server)?,
            Forwarder::state_path_for(&args.db),
        ))),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let agent = Agent::new(targets, store, config).with_events(events_tx);
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stopping after the current write");
            let _ = stop_tx.send(true);
        });
        let progress = tokio::spawn(show_progress(events_rx, args.log_format));
        let code = if args.once {
            let summary = agent.pass(now_unix(), &stop_rx).await;
            for e in &summary.failed {
                tracing::error!(error = %e, "objective not up to date");
            }
            tracing::info!(stored = summary.stored, up_to_date = summary.up_to_date, "caught up");
            let forwarded = match &forwarder {
                Some(f) => forward(f).await,
                None => true,
            };
            if summary.failed.is_empty() && forwarded { ExitCode::SUCCESS } else { ExitCode::from(super::INVALID) }
        } else {
            let pushing = forwarder.clone().map(|f| tokio::spawn(forward_every(f, interval, stop_rx.clone())));
            agent.run(stop_rx).await;
            if let Some(pushing) = pushing {
                let _ = pushing.await;
            }
            ExitCode::SUCCESS
        };
        drop(agent);
        let _ = progress.await;
        Ok(code)
    })
}

/// Sends what the server has not taken yet; whether everything went.
async fn forward(forwarder: &Forwarder) -> bool {
    match forwarder.flush().await {
        Ok(s) => {
            tracing::info!(sent = s.sent, batches = s.batches, "pushed to the server");
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "not pushed; the points stay in the local buffer and go on the next try");
            false
        }
    }
}

/// Pushes every `interval` seconds until stopped, then once more.
async fn forward_every(forwarder: Arc<Forwarder>, interval: i64, mut stop: watch::Receiver<bool>) {
    let period = std::time::Duration::from_secs(u64::try_from(interval).unwrap_or(60).max(1));
    loop {
        forward(&forwarder).await;
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.changed() => break,
        }
    }
    forward(&forwarder).await;
}

fn parse_secs(flag: &str, text: &str) -> Result<i64> {
    i64::try_from(super::duration_flag(flag, text)?.as_secs()).with_context(|| format!("{flag} {text}: too long"))
}

/// SIGINT (Ctrl-C) or SIGTERM.
pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A progress bar for backfills when stderr is a terminal; log lines otherwise.
async fn show_progress(mut events: mpsc::UnboundedReceiver<AgentEvent>, format: LogFormat) {
    let bar = (format == LogFormat::Text && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} backfill [{bar:30}] {pos}/{len} intervals {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    });
    while let Some(e) = events.recv().await {
        match (&bar, &e) {
            (Some(b), AgentEvent::Planned { intervals, .. }) if *intervals > 1 => b.inc_length(*intervals as u64),
            (Some(b), AgentEvent::Stored { intervals, .. }) => b.inc(*intervals as u64),
            _ => {}
        }
        match e {
            AgentEvent::Planned { objective, intervals, from, to } => {
                tracing::debug!(%objective, intervals, from, to, "fetching");
            }
            AgentEvent::Stored { objective, intervals, no_data, to } => {
                tracing::debug!(%objective, intervals, no_data, to, "stored");
            }
            AgentEvent::Retrying { objective, error, retry_in } => {
                tracing::warn!(%objective, %error, retry_in_ms = retry_in.as_millis() as u64, "retrying");
            }
            AgentEvent::Failed { objective, error } => {
                tracing::warn!(%objective, %error, "fetch failed; the gap will be filled on a later pass");
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

/// Logs to stderr, at `SLOOP_LOG`'s level or else `default_level`, with
/// colours only on a terminal and without `NO_COLOR`.
pub(crate) fn init_logging(format: LogFormat, default_level: &str) {
    use std::io::IsTerminal as _;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SLOOP_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
