//! `sloop convert`: write manifests in another format, naming every loss.

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::INVALID;
use crate::cli::ConvertArgs;
use crate::style::{Palette, paint};

pub(crate) fn run(args: &ConvertArgs, p: &Palette) -> Result<ExitCode> {
    let loaded = match super::load(&args.paths, p)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let format = args.to.format();
    let written = sloop_core::spec::write(&loaded.manifest, format)?;
    for loss in &written.losses {
        eprintln!("{}: {format} cannot express {loss}", paint(p.warning, "dropped"));
    }
    if args.strict && !written.losses.is_empty() {
        eprintln!(
            "{}: {} thing(s) would be lost; nothing written (--strict)",
            paint(p.error, "error"),
            written.losses.len()
        );
        return Ok(ExitCode::from(INVALID));
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &written.text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "{} wrote {} objective(s) as {format} to {}",
                paint(p.ok, "✓"),
                loaded.manifest.objectives.len(),
                path.display()
            );
        }
        None => print!("{}", written.text),
    }
    Ok(ExitCode::SUCCESS)
}
