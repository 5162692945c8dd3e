//! Writing what `sloop init` was told: the model through the chosen format's
//! writer (the one `sloop convert` uses), a short header comment, a check by
//! loading the bytes on disk back exactly as `sloop validate` does, and only
//! then an atomic rename into place. Then what it means (`sloop explain`'s
//! text) and what to do next.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use sloop_core::Diagnostic;
use sloop_core::source::SourceFile;
use sloop_core::spec::{Format, Loaded, Loss};

use super::answers::{Answers, ProviderAnswer};
use crate::commands::{INVALID, render_diagnostic};
use crate::style::{Palette, paint};

/// A manifest written and checked.
#[derive(Debug)]
pub(super) struct Outcome {
    /// The manifest as read back from the file.
    pub(super) loaded: Loaded,
    /// What the format could not say (e.g. OpenSLO has no latency indicator).
    pub(super) losses: Vec<Loss>,
    /// Reading warnings and lints, as `sloop validate` reports them.
    pub(super) warnings: Vec<Diagnostic>,
}

/// The schema line editors use to complete and check sloop manifests.
const SCHEMA_LINE: &str = "# yaml-language-server: $schema=https://sloop.dev/schema/sloop.schema.json\n";

/// Writes the manifest to `path`, or, when it does not read back as valid
/// (a bug, since every answer was checked), leaves `path` untouched and
/// gives the exit code after printing the diagnostics. Unless `replace`
/// (the person said so, or `--force`), a file that has appeared at `path`
/// in the meantime is not replaced.
pub(super) fn write(
    answers: &Answers,
    format: Format,
    path: &Path,
    replace: bool,
    p: &Palette,
) -> Result<Result<Outcome, ExitCode>> {
    let written = sloop_core::spec::write(&answers.manifest(), format)?;
    let text = format!("{}{}", header(answers, format), written.text);

    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the directory {}", dir.display()))?;
    // The text goes to a temporary file in the same directory, which is
    // renamed over the target once checked. A rename within a file system is
    // atomic: whenever the process stops, the target holds either what it
    // held before or the whole new manifest, never part of one. The
    // temporary file is removed when dropped, on every early return.
    let mut tmp = tempfile::Builder::new()
        .prefix(".sloop-init-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    keep_permissions(path, tmp.as_file())?;

    let on_disk =
        std::fs::read_to_string(tmp.path()).with_context(|| format!("cannot read back {}", tmp.path().display()))?;
    let sources = [SourceFile::new(path.display().to_string(), on_disk)];
    let loaded = match sloop_core::spec::load(&sources) {
        Ok(loaded) => loaded,
        Err(sloop_core::Error::Invalid { diagnostics }) => {
            for d in &diagnostics {
                eprint!("{}", render_diagnostic(d, p));
            }
            eprintln!("{}: the manifest does not validate; nothing written", paint(p.error, "error"));
            return Ok(Err(ExitCode::from(INVALID)));
        }
        Err(e) => return Err(e.into()),
    };
    let mut warnings = loaded.warnings.clone();
    warnings.extend(sloop_core::lint::lint(&loaded, &sources));

    // Without leave to replace a file, the rename refuses to (atomically, unlike a check before it).
    let persisted = if replace { tmp.persist(path) } else { tmp.persist_noclobber(path) };
    persisted.map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => {
            anyhow!("{} appeared while the questions were answered; it is kept, and nothing written", path.display())
        }
        _ => anyhow!("cannot write {}: {}", path.display(), e.error),
    })?;
    Ok(Ok(Outcome { loaded, losses: written.losses, warnings }))
}

/// A temporary file is private (0600); the manifest gets the permissions of
/// the file it replaces, or the usual 0644 of a file meant to be shared.
fn keep_permissions(path: &Path, file: &std::fs::File) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let permissions = match std::fs::metadata(path) {
            Ok(m) => m.permissions(),
            Err(_) => std::fs::Permissions::from_mode(0o644),
        };
        file.set_permissions(permissions)
            .with_context(|| format!("cannot set the permissions of {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, file);
    Ok(())
}

/// Comment lines above the manifest: the schema for editors (sloop's format)
/// and where each service's metrics are, which no format has a field for.
fn header(answers: &Answers, format: Format) -> String {
    let mut h = String::new();
    if format == Format::Sloop {
        h.push_str(SCHEMA_LINE);
    }
    h.push_str("# Written by `sloop init`.\n");
    for s in &answers.services {
        h.push_str(&format!("# {}: metrics from {}.\n", s.name, s.provider.describe()));
    }
    h
}

/// Prints what was written: each SLO explained (standard output), then
/// what the format dropped, the warnings, a summary and the next commands
/// (standard error, as `sloop convert` reports).
pub(super) fn report(outcome: &Outcome, answers: &Answers, format: Format, path: &Path, p: &Palette) {
    for (i, o) in outcome.loaded.manifest.objectives.iter().enumerate() {
        if i > 0 {
            println!();
        }
        print!("{}", crate::commands::explain::human(&sloop_core::explain::explain(o), p));
    }
    eprintln!();
    for loss in &outcome.losses {
        eprintln!("{}: {format} cannot express {loss}", paint(p.warning, "note"));
    }
    for w in &outcome.warnings {
        eprint!("{}", render_diagnostic(w, p));
    }
    let m = &outcome.loaded.manifest;
    let ids: Vec<String> = m.objectives.iter().map(|o| o.id()).collect();
    let count = |n: usize, one: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") };
    eprintln!(
        "{} Wrote {} ({format} format): {} of {}: {}.",
        paint(p.ok, "✓"),
        path.display(),
        count(m.objectives.len(), "SLO"),
        count(m.services.len(), "service"),
        ids.join(", ")
    );
    for line in next_steps(answers, path) {
        eprintln!("  {line}");
    }
}

/// The commands that use the file next, with each service's provider.
fn next_steps(answers: &Answers, path: &Path) -> Vec<String> {
    let file = path.display();
    let url = answers.services.iter().find_map(|s| match &s.provider {
        ProviderAnswer::Prometheus { url } => Some(url.as_str()),
        ProviderAnswer::Datadog { .. } => None,
    });
    let site = answers.services.iter().find_map(|s| match &s.provider {
        ProviderAnswer::Datadog { site } => Some(site.as_str()),
        ProviderAnswer::Prometheus { .. } => None,
    });
    let env = site.map(|s| format!("DD_SITE={s} DD_API_KEY=… DD_APP_KEY=… ")).unwrap_or_default();
    let flag = url.map(|u| format!(" --prometheus-url {u}")).unwrap_or_default();
    let mut steps = vec![format!("Measure it:  {env}sloop report -f {file} --live{flag}")];
    if url.is_some() {
        steps.push(format!("Rules:       sloop generate prometheus {file}"));
    }
    steps
}
