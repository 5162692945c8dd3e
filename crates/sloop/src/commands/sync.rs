//! `sloop sync`: make a server's objectives what the manifests say.
//!
//! Each objective goes to `PUT /api/v1/objectives/{service}/{name}` as a
//! manifest of its own in sloop's format: the form the server keeps, so an
//! objective already in sync comes back `unchanged`. `--prune` deletes what
//! the manifests no longer declare; `--dry-run` compares with what the
//! server holds and prints a diff of each manifest that would change.
//!
//! Exit codes: 0 in sync, 1 invalid manifests, 2 the server cannot be
//! reached or refuses a change.

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sloop_core::spec::{self, Format};
use sloop_server::client::ApiClient;
use sloop_store::Put;

use crate::cli_server::{ServerArgs, SyncArgs};
use crate::style::{Palette, paint};

/// A client from `--server` and `--token`.
pub(crate) fn client(args: &ServerArgs) -> Result<ApiClient> {
    let Some(url) = &args.server else {
        bail!("no server: pass --server URL or set SLOOP_SERVER");
    };
    let timeout = super::duration_flag("--server-timeout", &args.server_timeout)?;
    Ok(ApiClient::new(url, args.token.clone(), timeout)?)
}

/// One objective as the server will keep it.
struct Wanted {
    service: String,
    name: String,
    manifest: String,
}

pub(crate) fn run(args: &SyncArgs, p: &Palette) -> Result<ExitCode> {
    let loaded = match super::load(&args.paths, p)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let mut wanted = Vec::new();
    for o in &loaded.manifest.objectives {
        let one = loaded.manifest.of_objective(o);
        let written =
            spec::write(&one, Format::Sloop).with_context(|| format!("cannot write {} in sloop's format", o.id()))?;
        wanted.push(Wanted { service: o.service.clone(), name: o.name.clone(), manifest: written.text });
    }
    let client = client(&args.server)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let existing = client.objectives().await?.objectives;
        let declared: BTreeSet<(String, String)> = wanted.iter().map(|w| (w.service.clone(), w.name.clone())).collect();
        let stale: Vec<(String, String)> = existing
            .iter()
            .map(|o| (o.service.clone(), o.name.clone()))
            .filter(|key| !declared.contains(key))
            .collect();
        let (mut created, mut updated, mut unchanged, mut deleted) = (0, 0, 0, 0);
        for w in &wanted {
            let id = format!("{}/{}", w.service, w.name);
            if args.dry_run {
                match client.objective(&w.service, &w.name).await? {
                    None => {
                        println!("{} {id}", paint(p.ok, "+ create"));
                        created += 1;
                    }
                    Some(doc) if doc.manifest == w.manifest => unchanged += 1,
                    Some(doc) => {
                        println!("{} {id}", paint(p.warning, "~ update"));
                        let diff = similar::TextDiff::from_lines(&doc.manifest, &w.manifest);
                        print!(
                            "{}",
                            diff.unified_diff()
                                .context_radius(2)
                                .header(&format!("server: {id}"), &format!("manifests: {id}"))
                        );
                        updated += 1;
                    }
                }
                continue;
            }
            let result = client.put_objective(&w.service, &w.name, &w.manifest).await?;
            match result.result {
                Put::Created => {
                    println!("{} {id}", paint(p.ok, "+ created"));
                    created += 1;
                }
                Put::Updated => {
                    println!("{} {id}", paint(p.warning, "~ updated"));
                    updated += 1;
                }
                Put::Unchanged => unchanged += 1,
            }
        }
        if args.prune {
            for (service, name) in &stale {
                if !args.dry_run {
                    client.delete_objective(service, name).await?;
                }
                println!("{} {service}/{name}", paint(p.error, if args.dry_run { "- delete" } else { "- deleted" }));
                deleted += 1;
            }
        } else if !stale.is_empty() {
            eprintln!(
                "{} objective(s) on the server are not in the manifests (kept; --prune deletes them): {}",
                stale.len(),
                stale.iter().map(|(s, n)| format!("{s}/{n}")).collect::<Vec<_>>().join(", ")
            );
        }
        let base = client.base();
        if args.dry_run {
            eprintln!("{base}: would create {created}, update {updated}, delete {deleted}; {unchanged} unchanged");
        } else {
            eprintln!("{base}: created {created}, updated {updated}, deleted {deleted}; {unchanged} unchanged");
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
