//! One module per command. Each has `run(args, palette) -> Result<ExitCode>`.

pub(crate) mod agent;
pub(crate) mod budget;
pub(crate) mod convert;
pub(crate) mod demo;
pub(crate) mod docs;
pub(crate) mod explain;
pub(crate) mod generate;
pub(crate) mod init;
pub(crate) mod reference;
pub(crate) mod report;
pub(crate) mod serve;
pub(crate) mod sync;
pub(crate) mod token;
pub(crate) mod validate;

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use sloop_core::Diagnostic;
use sloop_core::spec::Loaded;

use crate::cli::OutputFormat;
use crate::files;
use crate::style::{Palette, paint};

/// Exit code for invalid manifests or a failed check.
pub(crate) const INVALID: u8 = 1;

/// A diagnostic for people: coloured level, headline, snippet.
pub(crate) fn render_diagnostic(d: &Diagnostic, p: &Palette) -> String {
    let level = if d.is_error() { paint(p.error, "error") } else { paint(p.warning, "warning") };
    let code = paint(p.dim, format!("[{}]", d.code));
    format!("{level}: {} {code}\n{}", paint(p.bold, d.headline()), d.snippet())
}

/// Reads and loads manifests. Invalid manifests are reported on stderr and
/// give `Err(exit code 1)` as the outer `Ok`, so callers can return it.
pub(crate) fn load(paths: &[std::path::PathBuf], p: &Palette) -> Result<Result<Loaded, ExitCode>> {
    load_with(paths, p, &sloop_core::spec::LoadOptions::default())
}

/// [`load`], with options (e.g. MetricsQL queries).
pub(crate) fn load_with(
    paths: &[std::path::PathBuf],
    p: &Palette,
    options: &sloop_core::spec::LoadOptions,
) -> Result<Result<Loaded, ExitCode>> {
    let sources = files::read_manifests(paths)?;
    match sloop_core::spec::load_with(&sources, options) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprint!("{}", render_diagnostic(w, p));
            }
            Ok(Ok(loaded))
        }
        Err(sloop_core::Error::Invalid { diagnostics }) => {
            for d in &diagnostics {
                eprint!("{}", render_diagnostic(d, p));
            }
            let n = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!("{}: {n} error(s); run `sloop validate` for details", paint(p.error, "invalid manifests"));
            Ok(Err(ExitCode::from(INVALID)))
        }
        Err(e) => Err(e.into()),
    }
}

/// A duration flag (`30s`, `1m`, `30d`, `PT5M`; never zero), with the flag named in the error.
pub(crate) fn duration_flag(flag: &str, text: &str) -> Result<std::time::Duration> {
    use anyhow::Context as _;
    let d = sloop_core::Duration::parse(text)
        .with_context(|| format!("{flag} {text}: not a duration (e.g. 30s, 1m, 30d, PT5M)"))?;
    Ok(std::time::Duration::from_secs(d.as_secs()))
}

/// Prints a value as JSON or YAML.
pub(crate) fn print_structured<T: Serialize>(value: &T, format: OutputFormat) -> Result<()> {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(value)?),
        OutputFormat::Yaml => print!("{}", serde_saphyr::to_string(value)?),
        OutputFormat::Human => unreachable!("human output is printed by each command"),
    }
    Ok(())
}
