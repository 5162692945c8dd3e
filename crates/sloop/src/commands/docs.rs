//! Shell completions and man pages, generated from the clap definitions.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::Cli;

pub(crate) fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "sloop", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn man(dir: &Path) -> Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cmd = Cli::command();
    clap_mangen::generate_to(cmd, dir).with_context(|| format!("cannot write man pages to {}", dir.display()))?;
    eprintln!("wrote man pages to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}
