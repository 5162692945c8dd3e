//! # sloop-rules
//!
//! Prometheus rules for sloop's SLOs: recording rules that make every SLI
//! window exact and cheap, multi-window multi-burn-rate alerts, and the
//! renderers that write them as a plain rule file, a Mimir ruler namespace
//! or a Kubernetes `PrometheusRule`. Pure: it turns a
//! [`sloop_core::Manifest`] into text and never touches files or networks.
//!
//! It sits between sloop-core (the model and the math it depends on) and the
//! `sloop` binary (which reads manifests and writes the files).
//!
//! The shape of the rules, per SLO, is explained in [`generate`].
#![forbid(unsafe_code)]

pub mod backfill;
pub mod conventions;
pub mod generate;
pub mod render;
pub mod rules;

/// Reading and rewriting PromQL, shared with the providers: it lives in
/// sloop-core and keeps its old path here.
pub use sloop_core::promql;

pub use conventions::Naming;
pub use generate::{Generated, Options, Skipped, generate};
pub use promql::Dialect;
pub use render::{Renderer, Target};
pub use rules::{Rule, RuleGroup};
