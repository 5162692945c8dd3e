//! `sloop serve`: open the database, listen, serve until SIGINT/SIGTERM,
//! then let requests under way finish.

use std::process::ExitCode;

use anyhow::{Context, Result};
use sloop_server::api::ServerOptions;
use sloop_server::serve::{DatabaseUrl, serve};
use sloop_store::redact_url as redact;

use super::agent::{init_logging, wait_for_signal};
use crate::cli_server::ServeArgs;

pub(crate) fn run(args: &ServeArgs) -> Result<ExitCode> {
    init_logging(args.log_format, "info");
    let refresh = super::duration_flag("--refresh", &args.refresh)?;
    let options = ServerOptions {
        public_read: args.public_read,
        max_body_bytes: args.max_body,
        max_indicators: args.max_indicators,
        max_labels: args.max_labels,
        refresh_secs: u32::try_from(refresh.as_secs()).unwrap_or(u32::MAX),
    };
    let url = DatabaseUrl::parse(&args.database);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let opening = url.clone();
        let db = tokio::task::spawn_blocking(move || opening.open())
            .await?
            .with_context(|| format!("cannot open the database {}", redact(&args.database)))?;
        let catalog = db.clone();
        let tokens = tokio::task::spawn_blocking(move || catalog.tokens(None)).await??;
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, database = %redact(&args.database), public_read = args.public_read, "sloop serve listening");
        if tokens.is_empty() {
            tracing::warn!(
                "no API tokens yet: create one with `sloop token create --scope admin --database {}`",
                redact(&args.database)
            );
        }
        serve(listener, db, options, async {
            wait_for_signal().await;
            tracing::info!("stopping: finishing the requests under way");
        })
        .await
        .context("the server failed")?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://sloop:secret@db:5432/x"), "postgres://sloop:***@db:5432/x");
        assert_eq!(redact("postgres://sloop@db/x"), "postgres://sloop@db/x");
        assert_eq!(redact("sqlite://sloop.db"), "sqlite://sloop.db");
    }
}
