//! The one error type of sloop-core.

use crate::diagnostic::Diagnostic;
use crate::spec::Format;

/// Everything that can go wrong in sloop-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Manifests that do not validate. Every finding is kept, warnings too.
    #[error("{} error(s) in the manifests", diagnostics.iter().filter(|d| d.is_error()).count())]
    Invalid {
        /// Errors and warnings, in the order found.
        diagnostics: Vec<Diagnostic>,
    },
    /// A manifest that cannot be written in the format asked for.
    #[error("cannot write {format}: {reason}")]
    Unwritable {
        /// The format asked for.
        format: Format,
        /// Why not.
        reason: String,
    },
    /// A target outside (0 %, 100 %).
    #[error(transparent)]
    Target(#[from] crate::target::TargetError),
    /// A duration that cannot be read.
    #[error(transparent)]
    Duration(#[from] crate::duration::DurationError),
    /// SLO math asked for something impossible.
    #[error("{slo}: {reason}")]
    Math {
        /// The objective, or "" outside one.
        slo: String,
        /// What is impossible.
        reason: String,
    },
}
