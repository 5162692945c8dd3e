//! The flags of `sloop demo`, the one command that runs everything at once
//! (see `commands::demo`). Every flag has a default, so `sloop demo` alone
//! works on a fresh machine.

use std::path::PathBuf;

use clap::Args;

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Where the server and dashboard listen [default: 127.0.0.1:8080, or a free port when 8080 is taken].
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<String>,
    /// The seed of the synthetic traffic: the same seed gives the same traffic.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub(crate) seed: u64,
    /// How often the agent measures, in whole minutes (the synthetic traffic has one-minute resolution).
    #[arg(short, long, default_value = "1m", value_name = "DURATION")]
    pub(crate) interval: String,
    /// Measure these manifests instead of the demo's own SLOs (the first SLO gets the incident).
    #[arg(short = 'f', long = "file", value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    /// Keep the temporary directory (the server's database, the agent's buffer) instead of removing it on exit.
    #[arg(long)]
    pub(crate) keep: bool,
    /// Start, print the report and the dashboard's address, and stop at once (for scripts and CI).
    #[arg(long)]
    pub(crate) once: bool,
}
