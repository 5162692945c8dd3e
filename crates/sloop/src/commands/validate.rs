//! `sloop validate`: errors and lints, with positions and snippets.

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use sloop_core::Diagnostic;

use super::{INVALID, print_structured, render_diagnostic};
use crate::cli::{OutputFormat, ValidateArgs};
use crate::files;
use crate::style::{Palette, paint};

/// What `validate -o json` prints.
#[derive(Debug, Serialize)]
struct Report {
    valid: bool,
    files: Vec<String>,
    objectives: Vec<String>,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<Diagnostic>,
}

pub(crate) fn run(args: &ValidateArgs, p: &Palette) -> Result<ExitCode> {
    let sources = files::read_manifests(&args.paths)?;
    let (objectives, diagnostics) = match sloop_core::spec::load(&sources) {
        Ok(loaded) => {
            let mut ds = loaded.warnings.clone();
            ds.extend(sloop_core::lint::lint(&loaded, &sources));
            (loaded.manifest.objectives.iter().map(|o| o.id()).collect::<Vec<_>>(), ds)
        }
        Err(sloop_core::Error::Invalid { diagnostics }) => (Vec::new(), diagnostics),
        Err(e) => return Err(e.into()),
    };
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let valid = errors == 0 && !(args.deny_warnings && warnings > 0);
    let report = Report {
        valid,
        files: sources.iter().map(|s| s.name.clone()).collect(),
        objectives,
        errors,
        warnings,
        diagnostics,
    };
    if args.output == OutputFormat::Human {
        for d in &report.diagnostics {
            print!("{}", render_diagnostic(d, p));
        }
        let files = report.files.len();
        if report.valid {
            let summary = format!(
                "{} objective(s) in {files} file(s) are valid{}",
                report.objectives.len(),
                if warnings > 0 { format!(", with {warnings} warning(s)") } else { String::new() }
            );
            println!("{} {summary}", paint(p.ok, "✓"));
        } else {
            println!("{} {errors} error(s), {warnings} warning(s) in {files} file(s)", paint(p.error, "✗"));
        }
    } else {
        print_structured(&report, args.output)?;
    }
    Ok(if report.valid { ExitCode::SUCCESS } else { ExitCode::from(INVALID) })
}
