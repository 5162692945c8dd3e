//! `sloop demo`: everything sloop runs, in one process, on embedded defaults.
//!
//! The other commands each run one piece; the demo wires them together the
//! way a team would deploy them, so that one command shows the whole thing:
//!
//! 1. A temporary directory (removed on exit unless `--keep`) holds the
//!    server's SQLite database and the agent's local buffer.
//! 2. The objectives go into the server's catalog, one manifest per
//!    objective as `sloop sync` sends them, and a write token for the agent
//!    is made in the database, as `sloop token create` does.
//! 3. The server (API and dashboard, readable without a token) listens on
//!    127.0.0.1, as `sloop serve --public-read` does.
//! 4. The agent measures seeded synthetic traffic with an incident under
//!    way, backfilling each SLO's whole window so that charts and burn rates
//!    have data at once, and pushes to the server, as `sloop agent
//!    --synthetic SEED --server URL` does.
//! 5. The report is `sloop report --server URL`'s own table.
//!
//! Then the agent measures every interval until Ctrl-C or SIGTERM; it stops
//! after its current write, pushes what is left, the server finishes the
//! requests under way, and the directory is removed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sloop_core::model::Manifest;
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format};
use sloop_server::agent::forward::Forwarder;
use sloop_server::agent::{Agent, AgentConfig, AgentEvent, now_unix};
use sloop_server::api::ServerOptions;
use sloop_server::api::objectives::canonical;
use sloop_server::auth::{DEFAULT_TENANT, create_token};
use sloop_server::client::ApiClient;
use sloop_server::serve::{DatabaseUrl, serve};
use sloop_store::{Database, Scope, SqliteOptions, SqliteStore, Store};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};

use crate::cli_demo::DemoArgs;
use crate::cli_measure::{LogFormat, ProviderArgs, ReportArgs, ReportFormat};
use crate::cli_server::ServerArgs;
use crate::providers::Providers;
use crate::style::{Palette, paint};

/// The demo's own SLOs, measured when no `-f` is given. Embedded, so that
/// an installed `sloop demo` needs no file; the example folder shows them.
const DEMO_MANIFEST: &str = include_str!("../../../../examples/demo/shop.yaml");

/// The name the embedded manifest's diagnostics would carry.
const DEMO_MANIFEST_NAME: &str = "examples/demo/shop.yaml";

/// Where the server listens without `--listen`: `sloop serve`'s default.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// How often dashboard pages reload themselves: often enough to see each
/// minute's new measurement arrive soon after it is taken.
const REFRESH_SECS: u32 = 10;

/// How long the server may take to finish the requests under way when
/// stopping. A browser can hold a connection open; the demo must still end.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the agent and the report wait for the server's answer.
const SERVER_TIMEOUT: &str = "30s";

/// Runs the demo until Ctrl-C or SIGTERM (or at once with `--once`); exit 0
/// when everything stopped cleanly.
pub(crate) fn run(args: &DemoArgs, p: &Palette) -> Result<ExitCode> {
    // Warnings only: the demo's terminal is for the report, not for each
    // pass's log line. `SLOOP_LOG=info` shows them.
    super::agent::init_logging(LogFormat::Text, "warn");
    let manifest = match manifest(args, p)? {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    let interval = interval(&args.interval)?;
    let dir = tempfile::Builder::new()
        .prefix("sloop-demo-")
        .tempdir()
        .context("cannot create a temporary directory for the demo's databases (is TMPDIR writable?)")?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    // Signals are caught from the very start: a Ctrl-C during the backfill
    // must also stop cleanly and remove the directory.
    let (stop_tx, stop) = watch::channel(false);
    runtime.spawn(async move {
        super::agent::wait_for_signal().await;
        let _ = stop_tx.send(true);
    });
    let demo = runtime.block_on(start(args, &manifest, interval, dir.path(), &stop))?;
    if !*stop.borrow() {
        print_header(&demo, args, &manifest, dir.path(), p);
        // `sloop report --server`'s own code prints the table. It builds a
        // runtime of its own, so it runs here, outside `block_on`, while the
        // server keeps serving on this runtime's worker threads.
        super::report::run(&report_args(&demo.url, &demo.token), p)?;
        print_footer(&demo, args, p);
    }
    runtime.block_on(demo.stop(stop, args.once))?;
    // Every handle on the databases is closed with the runtime; only then
    // can the directory go.
    drop(runtime);
    finish(dir, args.keep)
}

/// What is running once the demo has started.
struct Demo {
    /// The server's base URL, `http://127.0.0.1:8080`.
    url: String,
    /// Why the server is not on the default address, when it is not.
    moved: Option<String>,
    /// The agent's write token.
    token: String,
    /// The objective the synthetic incident hits.
    incident: String,
    /// How much history the agent fetched, in seconds.
    backfilled: i64,
    /// The agent, up to date.
    agent: Agent,
    /// What pushes the agent's buffer to the server.
    forwarder: Arc<Forwarder>,
    /// What the agent stores, to push right after.
    events: mpsc::UnboundedReceiver<AgentEvent>,
    /// The server, serving until told to stop.
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Tells the server to stop accepting and drain.
    shutdown: oneshot::Sender<()>,
}

/// Starts the server, fills its catalog, and brings the agent up to date:
/// when this returns, the server has the whole history and a report has
/// data. A stop request during the backfill cuts it short.
async fn start(
    args: &DemoArgs,
    manifest: &Manifest,
    interval: i64,
    dir: &Path,
    stop: &watch::Receiver<bool>,
) -> Result<Demo> {
    let now = now_unix();
    let server_db = dir.join("server.db");
    let catalog = manifest.clone();
    let (db, token) = tokio::task::spawn_blocking(move || -> Result<(Arc<dyn Database>, String)> {
        let db = DatabaseUrl::Sqlite(server_db.clone())
            .open()
            .with_context(|| format!("cannot open the database {}", server_db.display()))?;
        let token = fill_catalog(db.as_ref(), &catalog, now)?;
        Ok((db, token))
    })
    .await??;

    let (listener, moved) = bind(args.listen.as_deref()).await?;
    let url = format!("http://{}", shown(listener.local_addr()?));
    let options = ServerOptions { public_read: true, refresh_secs: REFRESH_SECS, ..ServerOptions::default() };
    let (shutdown, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, db, options, async {
        let _ = stopped.await;
    }));

    let objectives = &manifest.objectives;
    let mut providers = Providers::new(&synthetic(args.seed)).with_synthetic(objectives, now)?;
    let (targets, skipped) = providers.targets(objectives)?;
    for s in &skipped {
        eprintln!("warning: {} is not measured: {}", s.objective, s.reason);
    }
    // Each objective's whole window, so its budget, burn rates and trend are
    // the real ones from the first report.
    let backfill = objectives
        .iter()
        .map(|o| i64::try_from(o.window.nominal_length().as_secs()).unwrap_or(i64::MAX / 4))
        .max()
        .unwrap_or(86_400);
    let buffer = dir.join("agent.db");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open_with(SqliteOptions { read_cache_mib: 16, ..SqliteOptions::new(&buffer) })
            .with_context(|| format!("cannot open the agent's buffer {}", buffer.display()))?,
    );
    let timeout = super::duration_flag("--server-timeout", SERVER_TIMEOUT)?;
    let client = ApiClient::new(&url, Some(token.clone()), timeout)?;
    let forwarder = Arc::new(Forwarder::new(store.clone(), client, Forwarder::state_path_for(&buffer)));
    // Synthetic traffic is complete the moment a minute ends: no delay.
    let config = AgentConfig { interval, backfill, delay: 0, ..AgentConfig::default() };
    let (events_tx, events) = mpsc::unbounded_channel();
    let agent = Agent::new(targets, store, config).with_events(events_tx);

    let summary = agent.pass(now_unix(), stop).await;
    if let Some(e) = summary.failed.first() {
        bail!("the agent could not measure the synthetic traffic: {e}");
    }
    if !summary.interrupted {
        forwarder.flush().await.context("the agent could not push its measurements to the demo's server")?;
    }
    let incident = objectives.first().map(|o| o.id()).unwrap_or_default();
    Ok(Demo { url, moved, token, incident, backfilled: backfill, agent, forwarder, events, server, shutdown })
}

impl Demo {
    /// Runs the agent until `stop` (unless `once`), then stops everything in
    /// order: the agent after its current write, its last push, the server
    /// after the requests under way.
    async fn stop(self, stop: watch::Receiver<bool>, once: bool) -> Result<()> {
        let Demo { agent, forwarder, events, server, shutdown, .. } = self;
        if !once && !*stop.borrow() {
            let pushing = tokio::spawn(push_when_stored(events, forwarder));
            agent.run(stop).await;
            // The agent holds the events' only sender: dropping it lets the
            // pusher send what is left, then end.
            drop(agent);
            pushing.await.context("the agent's pusher failed")?;
        }
        let _ = shutdown.send(());
        match tokio::time::timeout(DRAIN_TIMEOUT, server).await {
            Ok(joined) => joined.context("the server task failed")?.context("the server failed")?,
            Err(_) => eprintln!("warning: requests still open after {} s; stopping anyway", DRAIN_TIMEOUT.as_secs()),
        }
        Ok(())
    }
}

/// Pushes to the server as soon as the agent has stored something, so
/// that each new minute reaches the dashboard right after it is measured.
async fn push_when_stored(mut events: mpsc::UnboundedReceiver<AgentEvent>, forwarder: Arc<Forwarder>) {
    while let Some(event) = events.recv().await {
        if !matches!(event, AgentEvent::Stored { .. }) {
            continue;
        }
        // One push sends everything stored so far: the events already
        // waiting need no push of their own.
        while events.try_recv().is_ok() {}
        // A failed push keeps its points in the buffer for the next one,
        // and the forwarder logs why.
        let _ = forwarder.flush().await;
    }
}

/// The demo's own manifest, or the one `-f` names.
fn manifest(args: &DemoArgs, p: &Palette) -> Result<Result<Manifest, ExitCode>> {
    let manifest = if args.paths.is_empty() {
        spec::load(&[SourceFile::new(DEMO_MANIFEST_NAME, DEMO_MANIFEST)])
            .context("the demo's embedded manifest does not load")?
            .manifest
    } else {
        match super::load(&args.paths, p)? {
            Ok(loaded) => loaded.manifest,
            Err(code) => return Ok(Err(code)),
        }
    };
    if manifest.objectives.is_empty() {
        bail!("-f: the manifests declare no SLO; the demo needs at least one");
    }
    Ok(Ok(manifest))
}

/// `--interval` in seconds: whole minutes, since the synthetic traffic is
/// counted per minute and a shorter interval would mostly hold no events.
fn interval(text: &str) -> Result<i64> {
    let secs = super::duration_flag("--interval", text)?.as_secs();
    if secs % 60 != 0 {
        bail!("--interval {text}: use whole minutes (1m, 5m): the synthetic traffic is counted per minute");
    }
    i64::try_from(secs).with_context(|| format!("--interval {text}: too long"))
}

/// Puts every objective into the catalog of the default tenant, and makes
/// the agent's write token; returns the token's secret.
fn fill_catalog(db: &dyn Database, manifest: &Manifest, now: i64) -> Result<String> {
    for o in &manifest.objectives {
        // The catalog keeps one manifest per objective, with its service.
        let one = manifest.of_objective(o);
        let text =
            spec::write(&one, Format::Sloop).with_context(|| format!("cannot write {} in sloop's format", o.id()))?;
        let stored = canonical(DEFAULT_TENANT, &o.service, &o.name, text.text.as_bytes(), now)
            .with_context(|| format!("the server refuses {}", o.id()))?;
        db.put_objective(&stored).with_context(|| format!("cannot store {}", o.id()))?;
    }
    let token = create_token(db, DEFAULT_TENANT, "sloop demo agent", Scope::Write, now)?;
    Ok(token.secret)
}

/// Binds `--listen`, or the default address; when the default port is
/// taken (another server, another demo) any free port will do, since the
/// address is printed.
async fn bind(listen: Option<&str>) -> Result<(TcpListener, Option<String>)> {
    if let Some(addr) = listen {
        let listener =
            TcpListener::bind(addr).await.with_context(|| format!("--listen {addr}: cannot listen on it"))?;
        return Ok((listener, None));
    }
    match TcpListener::bind(DEFAULT_LISTEN).await {
        Ok(listener) => Ok((listener, None)),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let listener = TcpListener::bind("127.0.0.1:0").await.context("cannot listen on 127.0.0.1")?;
            Ok((listener, Some(format!("{DEFAULT_LISTEN} is taken"))))
        }
        Err(e) => Err(e).with_context(|| format!("cannot listen on {DEFAULT_LISTEN}; pass --listen ADDR")),
    }
}

/// The address to show for a bound one: a server on every interface
/// (`0.0.0.0`) is reached on the loopback.
fn shown(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port()),
        _ => addr,
    }
}

/// `--synthetic SEED`, and no other provider.
fn synthetic(seed: u64) -> ProviderArgs {
    ProviderArgs {
        prometheus_url: None,
        prometheus_headers: Vec::new(),
        prometheus_bearer_token: None,
        prometheus_basic_auth: None,
        prometheus_ca_cert: None,
        prometheus_insecure: false,
        timeout: "30s".into(),
        synthetic: Some(seed),
        synthetic_anchor: None,
    }
}

/// `sloop report --server URL --token TOKEN --fail-on ''`: every objective
/// of the server, as a table, whatever their state (a demo has nothing to
/// fail).
fn report_args(url: &str, token: &str) -> ReportArgs {
    ReportArgs {
        paths: Vec::new(),
        db: PathBuf::new(),
        live: false,
        selector: None,
        server: ServerArgs {
            server: Some(url.to_string()),
            token: Some(token.to_string()),
            server_timeout: SERVER_TIMEOUT.into(),
        },
        output: ReportFormat::Table,
        fail_on: Vec::new(),
        at: None,
        watch: false,
        refresh: "5s".into(),
        // A report from the server asks no provider.
        providers: ProviderArgs { synthetic: None, ..synthetic(0) },
    }
}

/// What runs where.
fn print_header(demo: &Demo, args: &DemoArgs, manifest: &Manifest, dir: &Path, p: &Palette) {
    let n = manifest.objectives.len();
    println!(
        "{} {n} SLO{} on seeded synthetic traffic (seed {}), with an incident under way on {}.",
        paint(p.bold, "sloop demo:"),
        if n == 1 { "" } else { "s" },
        args.seed,
        paint(p.bold, &demo.incident)
    );
    let moved = demo.moved.as_ref().map(|why| format!(" ({why})")).unwrap_or_default();
    let fate = if args.keep { "kept on exit" } else { "removed on exit" };
    println!("  server  {}{moved}: API and dashboard, no token needed to read", demo.url);
    println!("  data    SQLite in {} ({fate})", dir.display());
    println!(
        "  agent   measures every {}, pushes to the server; {} of history backfilled",
        args.interval,
        sloop_core::Duration::from_secs(demo.backfilled.unsigned_abs())
    );
    println!();
}

/// Where to look, and how to stop.
fn print_footer(demo: &Demo, args: &DemoArgs, p: &Palette) {
    println!();
    println!("Dashboard: {}", paint(p.bold, format!("{}/", demo.url)));
    println!("{}", paint(p.dim, format!("Live in the terminal: sloop report --server {} -w", demo.url)));
    if args.once {
        println!("Stopping (--once).");
    } else {
        println!("Ctrl-C stops the demo.");
    }
}

/// Removes the directory, or says where it is kept.
fn finish(dir: tempfile::TempDir, keep: bool) -> Result<ExitCode> {
    if keep {
        let path = dir.keep();
        println!(
            "Stopped. The data is kept in {}; `sloop serve --public-read --database sqlite://{}` serves it again.",
            path.display(),
            path.join("server.db").display()
        );
    } else {
        let path = dir.path().to_path_buf();
        dir.close().with_context(|| format!("cannot remove {}", path.display()))?;
        println!("Stopped; {} is removed.", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
