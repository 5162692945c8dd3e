//! # sloop-provider
//!
//! Where sloop's event counts come from. A [`Provider`] answers one
//! question: for an objective, how many events were good and how many were
//! there in each interval of a range? sloop's agent asks it on every tick and
//! stores the answers; `sloop report --live` asks it for whole windows.
//!
//! Implementations:
//! - [`PrometheusProvider`]: any Prometheus-compatible HTTP API (Prometheus,
//!   Thanos, Mimir, VictoriaMetrics), with `increase()` over each interval;
//! - [`DatadogProvider`]: Datadog's metrics query API v1 with `.as_count()`;
//! - [`SyntheticProvider`]: seeded, deterministic traffic for demos and tests.
//!
//! This crate sits on sloop-core (the model and the math) and below the agent
//! and the CLI. It does network I/O with reqwest on tokio.
#![forbid(unsafe_code)]

mod datadog;
mod error;
mod prometheus;
pub mod synthetic;

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;

use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_core::model::ProviderKind;

pub use datadog::{DatadogConfig, DatadogProvider};
pub use error::ProviderError;
pub use prometheus::{PrometheusConfig, PrometheusProvider};
pub use synthetic::SyntheticProvider;

/// A boxed future, so that [`Provider`] can be used as `dyn Provider`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The intervals to count: `(from, from + step]`, `(from + step, from + 2·step]`,
/// … up to `to`, in unix seconds. `to − from` is a multiple of `step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Where the first interval starts (exclusive).
    pub from: i64,
    /// Where the last interval ends (inclusive).
    pub to: i64,
    /// The length of each interval, in seconds (> 0).
    pub step: i64,
}

impl Range {
    /// One interval, `(from, to]`.
    pub fn single(from: i64, to: i64) -> Self {
        Self { from, to, step: to - from }
    }

    /// How many intervals the range holds.
    pub fn len(&self) -> usize {
        if self.step <= 0 || self.to <= self.from { 0 } else { ((self.to - self.from) / self.step) as usize }
    }

    /// Whether the range holds no interval.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The intervals' ends, in order.
    pub fn ends(&self) -> impl Iterator<Item = i64> + '_ {
        (1..=self.len() as i64).map(move |i| self.from + i * self.step)
    }
}

/// The counts of one interval `(from, to]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalCounts {
    /// Where the interval starts (exclusive), unix seconds.
    pub from: i64,
    /// Where it ends (inclusive).
    pub to: i64,
    /// The events; `None` when the provider has no data for the interval
    /// (an empty query result), which is not the same as zero events.
    pub counts: Option<Counts>,
}

/// A source of good and total event counts.
pub trait Provider: Send + Sync + Debug {
    /// The name the provider is known by in messages (`prometheus`, `datadog`,
    /// or a manifest's data source name).
    fn name(&self) -> &str;

    /// The query language it speaks.
    fn kind(&self) -> ProviderKind;

    /// The counts of `objective` for every interval of `range`, one entry per
    /// interval in order. Fails without partial results: either every
    /// interval is answered (possibly with "no data") or none is.
    fn fetch<'a>(
        &'a self,
        objective: &'a Objective,
        range: Range,
    ) -> BoxFuture<'a, Result<Vec<IntervalCounts>, ProviderError>>;
}
