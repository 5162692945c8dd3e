//! The command line, as clap types. Help texts here are the user manual's
//! first page, so they teach: each command says what it is for and shows an
//! example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// SLOs as code: validate, explain, convert, measure and report service level objectives.
///
/// sloop reads its own format (apiVersion: sloop/v1) and Reliably, OpenSLO v1,
/// Sloth (prometheus/v1) and Pyrra manifests, detecting the format of each file.
#[derive(Debug, Parser)]
#[command(name = "sloop", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "Examples:\n  sloop validate slos/\n  sloop explain examples/sloop/myservice-latency.yaml\n  \
                        sloop budget --target 99.9 --window 30d\n  sloop convert sloth.yaml --to openslo")]
pub(crate) struct Cli {
    /// When to colour the output: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check manifests: errors point at file:line:column and say what would be valid.
    ///
    /// Exits 0 when every manifest is valid (warnings allowed, unless --deny-warnings),
    /// 1 when one is not, 2 when a file cannot be read. Directories are searched
    /// for *.yaml and *.yml files.
    #[command(after_help = "Examples:\n  sloop validate slo.yaml\n  sloop validate slos/ -o json")]
    Validate(ValidateArgs),

    /// Say what each SLO means: the sentence, the budget and the alert table.
    #[command(after_help = "Example:\n  sloop explain examples/sloop/myservice-latency.yaml")]
    Explain(ExplainArgs),

    /// Compute an error budget and its alert thresholds without a manifest.
    #[command(after_help = "Examples:\n  sloop budget --target 99.9 --window 30d\n  \
                            sloop budget --target 90 --window 28d --traffic 100/s")]
    Budget(BudgetArgs),

    /// Convert manifests to another format, listing exactly what cannot be carried over.
    #[command(after_help = "Examples:\n  sloop convert examples/sloth/getting-started.yml --to openslo\n  \
                            sloop convert reliably.yaml --to sloop -o sloop.yaml")]
    Convert(ConvertArgs),

    /// Generate rules that let a monitoring system evaluate the SLOs itself.
    #[command(subcommand)]
    Generate(GenerateCommand),

    /// Measure SLOs on an interval into the embedded store (SQLite), backfilling history first.
    ///
    /// Counts come from Prometheus-compatible APIs (--prometheus-url) and Datadog (DD_API_KEY,
    /// DD_APP_KEY, DD_SITE). A provider that is down leaves a gap that is filled when it comes
    /// back. Ctrl-C or SIGTERM stops it after the current write.
    #[command(after_help = "Examples:\n  sloop agent -f slos/ --prometheus-url http://localhost:9090\n  \
                            sloop agent -f web.yaml -i 30s --db /var/lib/sloop/sloop.db --log-format json\n  \
                            sloop agent -f examples/sloop/checkout.yaml --synthetic 1 --once")]
    Agent(crate::cli_measure::AgentArgs),

    /// Where every SLO stands: SLI, budget left, burn rates, alerts and trend. Also a CI gate.
    ///
    /// Reads the store the agent fills (--db), or asks the providers directly (--live).
    /// Exits 0 when every SLO passes the --fail-on conditions, 1 when one does not, 2 on error.
    #[command(after_help = "Examples:\n  sloop report -f slos/\n  sloop report -f slos/ -w\n  \
                            sloop report -f slos/ --live --prometheus-url http://prometheus:9090 -o markdown\n  \
                            sloop report -f slos/ --fail-on breach,budget-below=10")]
    Report(crate::cli_measure::ReportArgs),

    /// Run the shared SLO service: the API, the dashboard and /metrics.
    ///
    /// Objectives are synced to it (`sloop sync`), agents and clients push indicators, and
    /// everyone reads reports, the dashboard at / and /metrics. SQLite by default; PostgreSQL
    /// for several replicas behind a load balancer. SIGTERM drains requests under way.
    #[command(after_help = "Examples:\n  sloop serve\n  \
                            sloop serve --listen 0.0.0.0:8080 --database postgres://sloop@db/sloop\n  \
                            sloop serve --public-read")]
    Serve(crate::cli_server::ServeArgs),

    /// Create, list and revoke the server's API tokens.
    #[command(subcommand)]
    Token(crate::cli_server::TokenCommand),

    /// Push manifests' objectives to a server: create, update, and with --prune delete.
    ///
    /// Idempotent: syncing the same manifests again changes nothing. Exits 0 when in sync,
    /// 1 when a manifest is invalid, 2 when the server cannot be reached or refuses.
    #[command(after_help = "Examples:\n  sloop sync -f slos/ --server http://sloop:8080 --dry-run\n  \
                            SLOOP_TOKEN=… sloop sync -f slos/ --server http://sloop:8080 --prune")]
    Sync(crate::cli_server::SyncArgs),

    /// Write a manifest by answering questions (or with flags and --yes, for scripts).
    ///
    /// Asks for the service, the provider, the kind of SLO, its queries, target, window, name
    /// and alerting, then writes the manifest, validates it and explains it. Never overwrites a
    /// file without asking (or --force); Ctrl-C leaves no half-written file.
    ///
    /// Exits 0 when written, 1 when an existing file was kept, 2 on bad or missing flags (or
    /// no terminal to ask on without --yes), 130 when left with Ctrl-C or Esc.
    #[command(after_help = "Examples:\n  sloop init\n  sloop init -o slos/web.yaml --format openslo\n  \
                            sloop init --yes --service web --provider prometheus --kind availability \\\n    \
                            --good 'sum(rate(http_requests_total{code!~\"5..\"}[{{.window}}]))' \\\n    \
                            --total 'sum(rate(http_requests_total[{{.window}}]))' --target 99.9 --window 30d\n  \
                            sloop init --yes --service web --threshold 200ms --target 99 --name latency \\\n    \
                            --histogram 'http_request_duration_seconds_bucket{job=\"web\"}'")]
    Init(crate::cli_init::InitArgs),

    /// Try sloop in one command: synthetic traffic with an incident, the agent, the server and
    /// the dashboard, all on embedded defaults on 127.0.0.1. Ctrl-C stops it.
    ///
    /// Everything runs in this process: four SLOs (examples/demo/shop.yaml, or -f), seeded
    /// synthetic traffic with an incident under way on the first, an agent that backfills their
    /// windows and measures every minute, and the server with its dashboard, readable without a
    /// token, on SQLite in a temporary directory. It prints the report and the dashboard's
    /// address; Ctrl-C or SIGTERM stops everything and removes the directory.
    #[command(after_help = "Examples:\n  sloop demo\n  sloop demo --listen 127.0.0.1:9000 --seed 7\n  \
                            sloop demo -f slos/ --keep\n  sloop demo --once")]
    Demo(crate::cli_demo::DemoArgs),

    /// Print the JSON Schema of sloop's manifest format (for editor completion).
    Schema,

    /// Write the Markdown reference of the CLI and the manifest format (docs/reference/).
    #[command(hide = true)]
    Reference(crate::cli_reference::ReferenceArgs),

    /// Print a shell completion script.
    #[command(after_help = "Example:\n  sloop completions bash > /etc/bash_completion.d/sloop")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },

    /// Write man pages (sloop.1 and one per command) into a directory.
    Man {
        /// Where to write them.
        #[arg(default_value = "man")]
        dir: PathBuf,
    },
}

/// Machine-readable or human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Tables and sentences for people.
    Human,
    /// JSON, for scripts.
    Json,
    /// YAML, for scripts.
    Yaml,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Manifest files or directories.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) output: OutputFormat,
    /// Treat warnings (lints) as errors.
    #[arg(long)]
    pub(crate) deny_warnings: bool,
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// Manifest files or directories.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) output: OutputFormat,
}

/// Arguments of `budget`.
#[derive(Debug, Args)]
pub(crate) struct BudgetArgs {
    /// The target in percent: 99.9 or 99.9%.
    #[arg(short, long)]
    pub(crate) target: String,
    /// The SLO window: 30d, 28d, 7d, PT1H...
    #[arg(short, long, default_value = "30d")]
    pub(crate) window: String,
    /// Expected traffic, to give the budget in events: 100/s, 6000/min, 2M/day.
    #[arg(long)]
    pub(crate) traffic: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) output: OutputFormat,
}

/// Arguments of `convert`.
#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    /// Manifest files or directories.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    /// The format to write.
    #[arg(long, value_enum)]
    pub(crate) to: TargetFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Fail (exit 1) when anything would be lost, instead of warning.
    #[arg(long)]
    pub(crate) strict: bool,
}

/// Formats `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TargetFormat {
    /// sloop's own format.
    Sloop,
    /// OpenSLO v1.
    Openslo,
    /// Reliably reliably.com/v1 Objective.
    Reliably,
    /// Sloth prometheus/v1.
    Sloth,
}

impl TargetFormat {
    /// The core's format.
    pub(crate) fn format(self) -> sloop_core::spec::Format {
        use sloop_core::spec::Format;
        match self {
            TargetFormat::Sloop => Format::Sloop,
            TargetFormat::Openslo => Format::OpenSlo,
            TargetFormat::Reliably => Format::Reliably,
            TargetFormat::Sloth => Format::Sloth,
        }
    }
}

/// What `generate` writes.
#[derive(Debug, Subcommand)]
pub(crate) enum GenerateCommand {
    /// Prometheus recording and alerting rules (Prometheus, Thanos, Mimir, VictoriaMetrics).
    ///
    /// Per SLO: exact SLI ratios over 5m to the SLO window, multi-window multi-burn-rate page and
    /// ticket alerts, a data-absent alert, and metadata (objective, budget left, burn rates).
    /// Long windows are summed from two small recorded series, so they read from history:
    /// backfill it with --backfill-plan after the first deployment.
    #[command(
        after_help = "Examples:\n  sloop generate prometheus slos/ -o rules.yaml && promtool check rules rules.yaml\n  \
                            sloop generate prometheus slo.yaml --target kubernetes --split k8s/\n  \
                            sloop generate prometheus slo.yaml --backfill-plan --prometheus http://127.0.0.1:9090"
    )]
    Prometheus(GeneratePrometheusArgs),
}

/// Arguments of `generate prometheus`.
#[derive(Debug, Args)]
pub(crate) struct GeneratePrometheusArgs {
    /// Manifest files or directories.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    /// Write the rules to this file instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with = "split")]
    pub(crate) output: Option<PathBuf>,
    /// The file format: a Prometheus rule file, a Mimir/Cortex ruler namespace, or a
    /// Kubernetes PrometheusRule.
    #[arg(long, value_enum, default_value_t = RulesTarget::Prometheus)]
    pub(crate) target: RulesTarget,
    /// Write one file per SLO into this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) split: Option<PathBuf>,
    /// Metric and label names: sloop's, or Sloth's (so Sloth's Grafana dashboards work unchanged).
    #[arg(long, value_enum, default_value_t = NamingArg::Sloop)]
    pub(crate) naming: NamingArg,
    /// The query language: PromQL, or VictoriaMetrics' MetricsQL (relaxed parsing).
    #[arg(long, value_enum, default_value_t = DialectArg::Promql)]
    pub(crate) dialect: DialectArg,
    /// How often Prometheus scrapes the SLOs' raw series (its default is 1m). Long windows are
    /// exactly event-weighted only when this matches.
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = parse_duration)]
    pub(crate) scrape_interval: sloop_core::Duration,
    /// The Mimir namespace, or the PrometheusRule's metadata.name.
    #[arg(long, default_value = "sloop")]
    pub(crate) name: String,
    /// The PrometheusRule's metadata.namespace.
    #[arg(long)]
    pub(crate) namespace: Option<String>,
    /// Print (or, with --prometheus, run) the promtool steps that backfill the history long
    /// windows read, instead of the rules.
    #[arg(long)]
    pub(crate) backfill_plan: bool,
    /// The Prometheus that holds the raw series, for --backfill-plan.
    #[arg(long, value_name = "URL", requires = "backfill_plan")]
    pub(crate) prometheus: Option<String>,
    /// Where --backfill-plan writes the rule file promtool evaluates.
    #[arg(long, value_name = "FILE", default_value = "sloop-backfill.rules.yaml")]
    pub(crate) backfill_rules: PathBuf,
    /// Where --backfill-plan writes the TSDB blocks.
    #[arg(long, value_name = "DIR", default_value = "sloop-backfill-blocks")]
    pub(crate) backfill_dir: PathBuf,
    /// Backfill up to this time (unix seconds; default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub(crate) backfill_end: Option<i64>,
}

/// Rule file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RulesTarget {
    /// A Prometheus rule file (also Thanos Ruler and vmalert).
    Prometheus,
    /// A Mimir or Cortex ruler file with a namespace (mimirtool rules load).
    Mimir,
    /// A Kubernetes monitoring.coreos.com/v1 PrometheusRule.
    Kubernetes,
}

/// Naming schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum NamingArg {
    /// sloop:slo_error_ratio:rate5m{sloop_service, sloop_slo}.
    Sloop,
    /// slo:sli_error:ratio_rate5m{sloth_id, sloth_service, sloth_slo, sloth_window}.
    Sloth,
}

/// Query dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DialectArg {
    /// PromQL.
    Promql,
    /// VictoriaMetrics MetricsQL.
    Metricsql,
}

fn parse_duration(s: &str) -> Result<sloop_core::Duration, String> {
    sloop_core::Duration::parse(s).map_err(|e| e.to_string())
}
