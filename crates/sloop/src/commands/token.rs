//! `sloop token`: tokens made, listed and revoked on the server's database
//! itself, so the first admin token exists before anyone can call the API.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sloop_server::auth::create_token;
use sloop_server::serve::DatabaseUrl;
use sloop_store::Scope;

use crate::cli_server::TokenCommand;
use sloop_store::redact_url as redact;

pub(crate) fn run(command: &TokenCommand) -> Result<ExitCode> {
    let database = match command {
        TokenCommand::Create(a) => &a.db.database,
        TokenCommand::List(a) => &a.db.database,
        TokenCommand::Revoke(a) => &a.db.database,
    };
    let db = DatabaseUrl::parse(database)
        .open()
        .with_context(|| format!("cannot open the database {}", redact(database)))?;
    match command {
        TokenCommand::Create(a) => {
            let scope: Scope = a.scope.parse().map_err(anyhow::Error::msg)?;
            let made = create_token(db.as_ref(), &a.tenant, &a.name, scope, sloop_server::api::now_unix())?;
            // The secret alone on stdout, so `$(sloop token create …)` captures it.
            println!("{}", made.secret);
            eprintln!(
                "created {} ({} scope, tenant {}); it is shown only now: the server keeps its hash",
                made.record.id, made.record.scope, made.record.tenant
            );
        }
        TokenCommand::List(a) => {
            let tokens = db.tokens(a.tenant.as_deref())?;
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::NOTHING).set_header(["ID", "TENANT", "SCOPE", "NAME", "CREATED"]);
            for t in tokens {
                let created = jiff::Timestamp::from_second(t.created_at).map(|t| t.to_string()).unwrap_or_default();
                table.add_row([t.id, t.tenant, t.scope.to_string(), t.name, created]);
            }
            println!("{table}");
        }
        TokenCommand::Revoke(a) => {
            if !db.revoke_token(&a.tenant, &a.id)? {
                bail!("there is no token {} in tenant {} (see `sloop token list`)", a.id, a.tenant);
            }
            eprintln!("revoked {}", a.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}
