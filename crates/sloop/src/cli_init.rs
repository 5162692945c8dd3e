//! The flags of `sloop init`: one per question of the wizard, so that a script
//! can give every answer with `--yes` and a person can skip the questions they
//! already know the answer to. `commands::init` reads them.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use sloop_core::spec::Format;

/// `sloop init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Where to write the manifest. Its directory is created if needed.
    #[arg(short, long, default_value = "sloop.yaml", value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// The manifest format to write.
    #[arg(long, value_enum, default_value_t = InitFormat::Sloop)]
    pub(crate) format: InitFormat,
    /// Ask nothing: take every answer from the flags below (the rest take their defaults).
    /// Writes one service with one SLO.
    #[arg(short, long)]
    pub(crate) yes: bool,
    /// Overwrite the output file when it exists, without asking.
    #[arg(long)]
    pub(crate) force: bool,

    /// The service's name (lowercase letters, digits and dashes).
    #[arg(long, value_name = "NAME", help_heading = "Answers")]
    pub(crate) service: Option<String>,
    /// Where the service's metrics are [default: prometheus].
    #[arg(long, value_enum, help_heading = "Answers")]
    pub(crate) provider: Option<ProviderChoice>,
    /// The Prometheus-compatible API's base URL [default: http://localhost:9090].
    #[arg(long, value_name = "URL", conflicts_with = "datadog_site", help_heading = "Answers")]
    pub(crate) prometheus_url: Option<String>,
    /// The Datadog site, e.g. datadoghq.eu [default: datadoghq.com].
    #[arg(long, value_name = "SITE", help_heading = "Answers")]
    pub(crate) datadog_site: Option<String>,
    /// What the SLO measures [default: availability, or latency with --histogram].
    #[arg(long, value_enum, help_heading = "Answers")]
    pub(crate) kind: Option<KindChoice>,
    /// Availability: the query counting good events. PromQL writes its range as {{.window}}.
    #[arg(long, value_name = "QUERY", conflicts_with = "bad", help_heading = "Answers")]
    pub(crate) good: Option<String>,
    /// Availability: the query counting bad events, instead of --good.
    #[arg(long, value_name = "QUERY", help_heading = "Answers")]
    pub(crate) bad: Option<String>,
    /// Availability: the query counting all events.
    #[arg(long, value_name = "QUERY", help_heading = "Answers")]
    pub(crate) total: Option<String>,
    /// Latency: the histogram's _bucket series, with label matchers if needed,
    /// e.g. 'http_request_duration_seconds_bucket{job="web"}'.
    #[arg(long, value_name = "SELECTOR", conflicts_with_all = ["good", "bad", "total"], help_heading = "Answers")]
    pub(crate) histogram: Option<String>,
    /// Latency: requests at or under it are good: 200ms, 0.5s or seconds; one of the histogram's buckets.
    #[arg(long, value_name = "LATENCY", conflicts_with_all = ["good", "bad", "total"], help_heading = "Answers")]
    pub(crate) threshold: Option<String>,
    /// The target in percent, above 0 and below 100: 99.9 or 99.9% [default: 99.9, or 99 for latency].
    #[arg(long, value_name = "PERCENT", help_heading = "Answers")]
    pub(crate) target: Option<String>,
    /// The rolling window: 30d, 28d, 7d, 1d, 1h, or any duration such as 14d, PT5M or 5m [default: 30d].
    #[arg(long, value_name = "DURATION", help_heading = "Answers")]
    pub(crate) window: Option<String>,
    /// The SLO's name [default: availability, or latency-<threshold> such as latency-200ms].
    #[arg(long, value_name = "NAME", help_heading = "Answers")]
    pub(crate) name: Option<String>,
    /// Multi-window multi-burn-rate alerts on or off [default: on]. Only sloop's format can
    /// turn them off.
    #[arg(long, value_enum, value_name = "on|off", help_heading = "Answers")]
    pub(crate) alerting: Option<Switch>,
}

/// The formats `sloop init` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InitFormat {
    /// sloop's own format (apiVersion: sloop/v1), one document per service.
    Sloop,
    /// Reliably (apiVersion: reliably.com/v1), one Objective document per SLO.
    Reliably,
    /// OpenSLO v1: a Service document per service and an SLO document per SLO.
    Openslo,
}

impl InitFormat {
    /// The format in sloop-core's terms.
    pub(crate) fn format(self) -> Format {
        match self {
            InitFormat::Sloop => Format::Sloop,
            InitFormat::Reliably => Format::Reliably,
            InitFormat::Openslo => Format::OpenSlo,
        }
    }
}

/// `--provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProviderChoice {
    /// Prometheus or a compatible API (Thanos, Mimir, VictoriaMetrics).
    Prometheus,
    /// Datadog.
    Datadog,
}

/// `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KindChoice {
    /// Good (or bad) events over total events, from two queries.
    Availability,
    /// Requests under a threshold, from a Prometheus histogram.
    Latency,
}

/// `--alerting on|off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Switch {
    /// Alerts on.
    On,
    /// Alerts off.
    Off,
}
