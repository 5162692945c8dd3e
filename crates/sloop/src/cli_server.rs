//! The command line of the shared server: `serve`, `token`, `sync`, and the
//! `--server` flags `agent` and `report` share.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cli_measure::LogFormat;

/// Where a command finds the server, and the token it shows.
#[derive(Debug, Args, Clone)]
pub(crate) struct ServerArgs {
    /// The sloop server, e.g. http://sloop.internal:8080.
    #[arg(long, env = "SLOOP_SERVER", value_name = "URL")]
    pub(crate) server: Option<String>,
    /// The API token (`sloop token create`); read from SLOOP_TOKEN when not given.
    #[arg(long, env = "SLOOP_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub(crate) token: Option<String>,
    /// How long to wait for the server's answer.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub(crate) server_timeout: String,
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "SLOOP_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub(crate) listen: String,
    /// Where to keep objectives, tokens and indicators: sqlite://PATH (or a path), or postgres://….
    #[arg(long, env = "SLOOP_DATABASE", default_value = "sqlite://sloop.db", value_name = "URL")]
    pub(crate) database: String,
    /// Let requests without a token read the default tenant (reports, dashboard, /metrics).
    #[arg(long)]
    pub(crate) public_read: bool,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = 8 * 1024 * 1024, value_name = "BYTES")]
    pub(crate) max_body: usize,
    /// The most indicators in one request.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub(crate) max_indicators: usize,
    /// The most labels on one indicator.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub(crate) max_labels: usize,
    /// How often dashboard pages reload themselves.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub(crate) refresh: String,
    /// How the server logs.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
}

/// `token` subcommands: they write to the server's database directly, so the
/// first admin token can be made before anyone can call the API.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token and print it (only this once; the server keeps its hash).
    #[command(after_help = "Examples:\n  sloop token create --scope admin --tenant acme\n  \
                            SLOOP_TOKEN=$(sloop token create --scope write --name ci) sloop sync -f slos/")]
    Create(TokenCreateArgs),
    /// List tokens (never their secrets).
    List(TokenListArgs),
    /// Revoke a token by its id.
    Revoke(TokenRevokeArgs),
}

/// The database flag of the token commands.
#[derive(Debug, Args)]
pub(crate) struct DatabaseArg {
    /// The server's database, as given to `sloop serve --database`.
    #[arg(long, env = "SLOOP_DATABASE", default_value = "sqlite://sloop.db", value_name = "URL")]
    pub(crate) database: String,
}

/// Arguments of `token create`.
#[derive(Debug, Args)]
pub(crate) struct TokenCreateArgs {
    /// What the token may do: read < write < admin.
    #[arg(long, value_parser = ["read", "write", "admin"])]
    pub(crate) scope: String,
    /// The tenant (organisation) whose data it opens.
    #[arg(long, default_value = sloop_server::auth::DEFAULT_TENANT)]
    pub(crate) tenant: String,
    /// What it is for, shown in listings.
    #[arg(long, default_value = "")]
    pub(crate) name: String,
    #[command(flatten)]
    pub(crate) db: DatabaseArg,
}

/// Arguments of `token list`.
#[derive(Debug, Args)]
pub(crate) struct TokenListArgs {
    /// Only this tenant's tokens.
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    #[command(flatten)]
    pub(crate) db: DatabaseArg,
}

/// Arguments of `token revoke`.
#[derive(Debug, Args)]
pub(crate) struct TokenRevokeArgs {
    /// The token's id (`tok_…`, from `token list`).
    pub(crate) id: String,
    /// Its tenant.
    #[arg(long, default_value = sloop_server::auth::DEFAULT_TENANT)]
    pub(crate) tenant: String,
    #[command(flatten)]
    pub(crate) db: DatabaseArg,
}

/// Arguments of `sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// Manifest files or directories, in any format sloop reads.
    #[arg(short = 'f', long = "file", required = true, value_name = "FILE|DIR")]
    pub(crate) paths: Vec<PathBuf>,
    /// Also delete the server's objectives that the manifests no longer declare.
    #[arg(long)]
    pub(crate) prune: bool,
    /// Show what would change, with a diff of each changed manifest, and change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    #[command(flatten)]
    pub(crate) server: ServerArgs,
}
