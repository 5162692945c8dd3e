//! The command line of the measuring commands, `agent` and `report`, and the
//! provider flags they share.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Where event counts come from. Datadog needs no flag: its keys and site
/// come from `DD_API_KEY`, `DD_APP_KEY` and `DD_SITE`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Providers")]
pub(crate) struct ProviderArgs {
    /// The Prometheus-compatible API (Prometheus, Thanos, Mimir, VictoriaMetrics).
    #[arg(long, env = "SLOOP_PROMETHEUS_URL", value_name = "URL")]
    pub(crate) prometheus_url: Option<String>,
    /// An extra HTTP header for Prometheus, e.g. `X-Scope-OrgID=team-a` (repeatable).
    #[arg(long = "prometheus-header", value_name = "NAME=VALUE")]
    pub(crate) prometheus_headers: Vec<String>,
    /// A bearer token for Prometheus.
    #[arg(long, env = "SLOOP_PROMETHEUS_BEARER_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub(crate) prometheus_bearer_token: Option<String>,
    /// Basic auth for Prometheus.
    #[arg(long, env = "SLOOP_PROMETHEUS_BASIC_AUTH", hide_env_values = true, value_name = "USER:PASSWORD")]
    pub(crate) prometheus_basic_auth: Option<String>,
    /// A PEM file of the CA that signed Prometheus' certificate.
    #[arg(long, value_name = "FILE")]
    pub(crate) prometheus_ca_cert: Option<PathBuf>,
    /// Accept any TLS certificate from Prometheus (testing only).
    #[arg(long)]
    pub(crate) prometheus_insecure: bool,
    /// How long one provider request may take.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub(crate) timeout: String,
    /// Measure every objective from seeded synthetic traffic instead (demos, tests):
    /// a day/night cycle with an incident under way.
    #[arg(long, value_name = "SEED")]
    pub(crate) synthetic: Option<u64>,
    /// The instant the synthetic traffic is laid out around (unix seconds; default now),
    /// so that restarts see the same traffic.
    #[arg(long, value_name = "UNIX", requires = "synthetic")]
    pub(crate) synthetic_anchor: Option<i64>,
}

/// How `agent` logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object per line, for log pipelines.
    Json,
}

/// Arguments of `agent`.
#[derive(Debug, Args)]
pub(crate) struct AgentArgs {
    /// Manifest files or directories.
    #[arg(short = 'f', long = "file", required = true, value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    /// How often to measure, and the length of each stored interval.
    #[arg(short, long, default_value = "1m", value_name = "DURATION")]
    pub(crate) interval: String,
    /// The SQLite database to write.
    #[arg(long, env = "SLOOP_DB", default_value = "sloop.db", value_name = "PATH")]
    pub(crate) db: PathBuf,
    /// How much history to fetch for objectives without any (default: each SLO's window).
    #[arg(long, value_name = "DURATION")]
    pub(crate) backfill: Option<String>,
    /// How long after an interval ends to fetch it, so the provider has its last samples.
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    pub(crate) delay: String,
    /// The most requests in flight per provider.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub(crate) concurrency: usize,
    /// Delete stored intervals older than this after every pass (default: keep everything).
    /// Keep at least the longest SLO window plus 3 days for the burn rates.
    #[arg(long, value_name = "DURATION")]
    pub(crate) retention: Option<String>,
    /// Catch up once and exit (exit code 1 when an objective could not be brought up to date).
    #[arg(long)]
    pub(crate) once: bool,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
    /// Push measurements to this sloop server (--db is then the local buffer kept while it is unreachable).
    #[command(flatten)]
    pub(crate) server: crate::cli_server::ServerArgs,
    #[command(flatten)]
    pub(crate) providers: ProviderArgs,
}

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// A table for a terminal, grouped by service.
    Table,
    /// Plain lines without colour or box drawing, for logs.
    Text,
    /// Markdown, for pull-request comments and wikis.
    Markdown,
    /// JSON (a stable schema: docs/report-schema.md).
    Json,
    /// YAML, with the same fields as JSON.
    Yaml,
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Manifest files or directories (with --server: only these objectives; default all).
    #[arg(short = 'f', long = "file", required_unless_present = "server", value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    /// The SQLite database the agent writes.
    #[arg(long, env = "SLOOP_DB", default_value = "sloop.db", value_name = "PATH", conflicts_with_all = ["live", "server"])]
    pub(crate) db: PathBuf,
    /// Compute straight from the providers over each whole window, without a store (for CI).
    #[arg(long, conflicts_with = "server")]
    pub(crate) live: bool,
    /// With --server: only the objectives whose labels match, e.g. team=payments,tier=1.
    #[arg(long, value_name = "NAME=VALUE,…", requires = "server")]
    pub(crate) selector: Option<String>,
    /// Read the report from a sloop server.
    #[command(flatten)]
    pub(crate) server: crate::cli_server::ServerArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub(crate) output: ReportFormat,
    /// When to exit 1: `breach` (default), `alert` (a page or ticket fires), `no-data`,
    /// `budget-below=N` (less than N % of the budget left). Repeatable, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "breach", value_name = "CONDITION")]
    pub(crate) fail_on: Vec<String>,
    /// Report as of this instant (RFC 3339 or unix seconds) instead of now.
    #[arg(long, value_name = "TIME")]
    pub(crate) at: Option<String>,
    /// A full-screen view refreshed every few seconds, with a burn-down chart; `q` quits.
    #[arg(short, long)]
    pub(crate) watch: bool,
    /// How often `--watch` refreshes.
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    pub(crate) refresh: String,
    #[command(flatten)]
    pub(crate) providers: ProviderArgs,
}
