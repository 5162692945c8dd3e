//! A real Prometheus for tests: backfill, start, query, stop.
//!
//! ```no_run
//! use sloop_testkit::prometheus::{Prometheus, StartOptions, backfill_scenario};
//! # fn scenario() -> sloop_testkit::synthetic::Scenario { unimplemented!() }
//! if !Prometheus::available() {
//!     return; // skip: prometheus/promtool not installed
//! }
//! let data = tempfile::tempdir().unwrap();
//! backfill_scenario(&scenario(), data.path()).unwrap();
//! let prom = Prometheus::start(StartOptions::new(data.path()).rule_file("slo-rules.yaml")).unwrap();
//! prom.wait_for_rule_evaluations(2).unwrap();
//! let v = prom.query_value("sum(increase(http_requests_total[1h]))", Some(1_709_254_800.0)).unwrap();
//! // `prom` is stopped and its temporary directory removed when dropped.
//! ```
//!
//! Only the loopback interface is used. Every wait has a timeout, and
//! errors about the server carry the tail of its log. The server is a child
//! process: if the test process itself is killed (not unwound), it may
//! outlive it.

mod api;
mod http;
mod process;

use std::fmt::Write as _;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use api::{Alert, Labels, RangeSeries, Rule, RuleGroup, RuleKind, Sample};
pub use process::{backfill_openmetrics, backfill_scenario, promtool_check_rules, promtool_test_rules};

use crate::synthetic::Scenario;

/// What went wrong talking to Prometheus or promtool.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A command exited unsuccessfully.
    #[error("{command} failed ({status}):\n{output}")]
    Command {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// Its standard output and error.
        output: String,
    },
    /// Prometheus answered with an error (HTTP status, `errorType`, `error`).
    #[error("{path}: HTTP {status}: {message}")]
    Api {
        /// The API path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The error type and message, or the body when it was not JSON.
        message: String,
    },
    /// An answer that does not have the expected shape.
    #[error("{path}: unexpected answer: {message}")]
    Protocol {
        /// The API path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Something did not happen in time.
    #[error("{what} timed out after {after:?}\n--- prometheus log (tail) ---\n{log_tail}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long we waited.
        after: Duration,
        /// The end of the server's log, when there is a server.
        log_tail: String,
    },
    /// The server exited on its own.
    #[error("prometheus exited ({status})\n--- prometheus log (tail) ---\n{log_tail}")]
    Exited {
        /// Its exit status.
        status: String,
        /// The end of its log.
        log_tail: String,
    },
}

impl Error {
    fn io(what: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io { what: what.into(), source }
    }
}

/// How to start a server; see [`StartOptions::new`] for the defaults.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// The TSDB directory (`--storage.tsdb.path`), e.g. where
    /// [`backfill_openmetrics`] wrote blocks. Owned by the caller: it is
    /// not removed on stop.
    pub data_dir: PathBuf,
    /// Rule files to load (made absolute).
    pub rule_files: Vec<PathBuf>,
    /// The global `evaluation_interval` (default 1 s), rounded to milliseconds.
    pub eval_interval: Duration,
    /// `--storage.tsdb.retention.time` (default `400d`, so that backfilled
    /// data a year old is kept).
    pub retention: String,
    /// YAML appended to the generated configuration's top level (which has
    /// `global` and `rule_files`), e.g. a `scrape_configs` section.
    pub config_extra: String,
    /// More command-line flags for `prometheus`.
    pub extra_args: Vec<String>,
    /// How long to wait for `/-/ready` (default 30 s).
    pub ready_timeout: Duration,
}

impl StartOptions {
    /// Options for a server on `data_dir`, no rules, evaluation every
    /// second, retention 400 days, ready within 30 seconds.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        StartOptions {
            data_dir: data_dir.into(),
            rule_files: Vec::new(),
            eval_interval: Duration::from_secs(1),
            retention: "400d".to_owned(),
            config_extra: String::new(),
            extra_args: Vec::new(),
            ready_timeout: Duration::from_secs(30),
        }
    }

    /// Adds a rule file.
    pub fn rule_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.rule_files.push(path.into());
        self
    }

    /// Sets the global evaluation interval.
    pub fn eval_interval(mut self, interval: Duration) -> Self {
        self.eval_interval = interval;
        self
    }

    /// Appends YAML to the configuration.
    pub fn config_extra(mut self, yaml: impl Into<String>) -> Self {
        self.config_extra = yaml.into();
        self
    }

    /// Adds a command-line flag.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    /// The configuration file's text.
    fn config(&self) -> Result<String, Error> {
        let millis = self.eval_interval.as_millis().max(1);
        let mut yaml = String::from("# Written by sloop-testkit. Nothing is scraped.\nglobal:\n");
        let _ = writeln!(yaml, "  evaluation_interval: {millis}ms\n  scrape_interval: 1m");
        yaml.push_str("rule_files:");
        if self.rule_files.is_empty() {
            yaml.push_str(" []");
        }
        yaml.push('\n');
        for file in &self.rule_files {
            let abs = std::path::absolute(file).map_err(|e| Error::io(format!("locating {}", file.display()), e))?;
            // A JSON string is a valid double-quoted YAML scalar.
            let quoted = serde_json::to_string(&abs.to_string_lossy()).unwrap_or_default();
            let _ = writeln!(yaml, "  - {quoted}");
        }
        if !self.config_extra.is_empty() {
            yaml.push_str(&self.config_extra);
            yaml.push('\n');
        }
        Ok(yaml)
    }
}

/// A running `prometheus` child process on a free port of 127.0.0.1.
///
/// Dropping it stops the server (SIGTERM through `kill`, then SIGKILL after
/// 10 s or when `kill` is missing) and removes its temporary directory
/// (configuration and log).
#[derive(Debug)]
pub struct Prometheus {
    child: Option<Child>,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    log: PathBuf,
}

/// The variable that lets tests needing Prometheus skip when it is missing.
pub const SKIP_VAR: &str = "SLOOP_SKIP_PROMETHEUS";

/// How long one HTTP request may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

impl Prometheus {
    /// Whether `prometheus` and `promtool` are on `PATH` (and run).
    pub fn available() -> bool {
        ["prometheus", "promtool"].iter().all(|bin| {
            Command::new(bin)
                .arg("--version")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    }

    /// For tests that need a real Prometheus: `true` when it is installed.
    /// Without it, the test fails with how to install it, unless
    /// `SLOOP_SKIP_PROMETHEUS` is set, in which case `test` is reported as
    /// skipped and this returns `false`.
    pub fn required_by(test: &str) -> bool {
        if Self::available() {
            return true;
        }
        assert!(
            std::env::var_os(SKIP_VAR).is_some(),
            "{test}: prometheus and promtool (2.42 or later) must be on PATH: install them \
             (`apt-get install prometheus`, or run scripts/test.sh), or set {SKIP_VAR}=1 to skip it"
        );
        eprintln!("skipped {test}: prometheus/promtool are not on PATH and {SKIP_VAR} is set");
        false
    }

    /// Writes a configuration, starts `prometheus` on a free loopback port
    /// and waits until `/-/ready` answers 200. Fails with the log's tail if
    /// the server exits or is not ready within `options.ready_timeout`.
    /// Retries twice on another port if the chosen one was taken meanwhile.
    pub fn start(options: StartOptions) -> Result<Prometheus, Error> {
        let dir = tempfile::Builder::new()
            .prefix("sloop-prometheus-")
            .tempdir()
            .map_err(|e| Error::io("creating a temporary directory", e))?;
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, options.config()?).map_err(|e| Error::io("writing prometheus.yml", e))?;
        let log = dir.path().join("prometheus.log");
        let mut server = Prometheus { child: None, addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), dir, log };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match server.spawn(&options, &config) {
                Err(Error::Exited { log_tail, .. }) if attempt < 3 && log_tail.contains("address already in use") => {}
                other => return other.map(|()| server),
            }
        }
    }

    fn spawn(&mut self, options: &StartOptions, config: &Path) -> Result<(), Error> {
        self.addr = free_port()?;
        let log = File::create(&self.log).map_err(|e| Error::io("creating the log", e))?;
        let log_err = log.try_clone().map_err(|e| Error::io("creating the log", e))?;
        let mut command = Command::new("prometheus");
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", options.data_dir.display()))
            .arg(format!("--web.listen-address={}", self.addr))
            .arg(format!("--storage.tsdb.retention.time={}", options.retention))
            .arg("--web.enable-lifecycle")
            .args(&options.extra_args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let child = command.spawn().map_err(|e| Error::io("starting prometheus", e))?;
        self.child = Some(child);
        let deadline = Instant::now() + options.ready_timeout;
        loop {
            self.check_running()?;
            if let Ok(r) = http::request(self.addr, "GET", "/-/ready", None, Duration::from_secs(2))
                && r.status == 200
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(Error::Timeout {
                    what: format!("waiting for prometheus on {} to be ready", self.addr),
                    after: options.ready_timeout,
                    log_tail: self.log_tail(40),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Fails with [`Error::Exited`] if the server is no longer running.
    fn check_running(&mut self) -> Result<(), Error> {
        let Some(child) = self.child.as_mut() else {
            return Err(Error::Exited { status: "stopped".to_owned(), log_tail: self.log_tail(40) });
        };
        match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                self.child = None;
                Err(Error::Exited { status: status.to_string(), log_tail: self.log_tail(40) })
            }
            Err(e) => Err(Error::io("checking on prometheus", e)),
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The server's whole log (standard output and error).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last `lines` lines of the log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Asks the server to reload its configuration and rule files
    /// (`POST /-/reload`), e.g. after rewriting a rule file.
    pub fn reload(&self) -> Result<(), Error> {
        let r = http::request(self.addr, "POST", "/-/reload", None, HTTP_TIMEOUT)
            .map_err(|e| Error::io("POST /-/reload", e))?;
        if r.status != 200 {
            return Err(Error::Api { path: "/-/reload".to_owned(), status: r.status, message: r.body });
        }
        Ok(())
    }

    /// Stops the server now (see the type's documentation); idempotent.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            crate::process::stop_child(child, &["-TERM"], Duration::from_secs(10));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read,
/// released. Another process may take it before the server binds it;
/// [`Prometheus::start`] retries in that case.
fn free_port() -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| Error::io("finding a free port", e))?;
    listener.local_addr().map_err(|e| Error::io("finding a free port", e))
}

/// Writes `scenario` as OpenMetrics to a temporary file, removed on drop.
pub(crate) fn write_scenario(scenario: &Scenario) -> Result<tempfile::NamedTempFile, Error> {
    let file = tempfile::Builder::new()
        .prefix("sloop-scenario-")
        .suffix(".om")
        .tempfile()
        .map_err(|e| Error::io("creating the OpenMetrics file", e))?;
    scenario.to_openmetrics(file.as_file()).map_err(|e| Error::io("writing the OpenMetrics file", e))?;
    Ok(file)
}
