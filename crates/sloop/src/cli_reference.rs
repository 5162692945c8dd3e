//! The flags of the hidden `sloop reference`, which writes the Markdown
//! reference in docs/reference/ (see `commands::reference`).

use std::path::PathBuf;

use clap::Args;

/// Arguments of `sloop reference`.
#[derive(Debug, Args)]
pub(crate) struct ReferenceArgs {
    /// The directory to write cli.md and manifest.md into (created when missing).
    #[arg(long, value_name = "DIR", default_value = "docs/reference")]
    pub(crate) out: PathBuf,
}
