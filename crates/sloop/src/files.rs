//! Finding and reading manifest files. This is the only place that touches
//! the file system for manifests; sloop-core gets text.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sloop_core::source::SourceFile;

/// Reads every manifest named: files as given, directories searched
/// recursively for `*.yaml` / `*.yml`, in sorted order.
pub(crate) fn read_manifests(paths: &[PathBuf]) -> Result<Vec<SourceFile>> {
    let mut found = Vec::new();
    for p in paths {
        if p.is_dir() {
            let before = found.len();
            walk(p, &mut found).with_context(|| format!("cannot read directory {}", p.display()))?;
            if found.len() == before {
                bail!("{}: no *.yaml or *.yml files in this directory", p.display());
            }
        } else {
            found.push(p.clone());
        }
    }
    found
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
            Ok(SourceFile::new(p.display().to_string(), text))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
    Ok(())
}
