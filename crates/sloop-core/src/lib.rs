//! # sloop-core
//!
//! The heart of sloop, with no I/O: the validated SLO [`model`], the readers
//! and writers of every manifest format in [`spec`], and the SLO [`math`] of
//! the Google SRE workbook. Every other crate (rules, providers, store,
//! server, the CLI) depends on this one and on nothing below it.
//!
//! Reading goes in two stages. Each format module deserializes its own
//! "as written" types with serde, then checks and converts them into the one
//! format-neutral [`model::Manifest`]. Errors are [`Diagnostic`]s that name
//! the file, line, column and field, and say what would be valid.
//!
//! ```
//! use sloop_core::{spec, source::SourceFile};
//! let yaml = "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: availability\n    target: 99.9\n    window: 30d\n    ratio:\n      bad: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))\n      total: sum(rate(http_requests_total[{{.window}}]))\n";
//! let loaded = spec::load(&[SourceFile::new("web.yaml", yaml)]).unwrap();
//! assert_eq!(loaded.manifest.objectives[0].target.budget(), 0.001);
//! ```
#![forbid(unsafe_code)]
// Readers return `Result<T, Diagnostic>` for each checked field. A diagnostic
// is large (it carries the file, field, message, hint and source line), but it
// is built only on the cold path of invalid input, once per bad field; boxing
// every one would add noise for no measurable gain.
#![allow(clippy::result_large_err)]

pub mod alerting;
pub mod diagnostic;
pub mod duration;
pub mod error;
pub mod explain;
pub mod lint;
pub mod math;
pub mod measure;
pub mod model;
pub mod promql;
pub mod query;
pub mod report;
pub mod source;
pub mod spec;
pub mod target;

pub use diagnostic::{Diagnostic, Level};
pub use duration::Duration;
pub use error::Error;
pub use model::{Manifest, Objective};
pub use target::Target;
