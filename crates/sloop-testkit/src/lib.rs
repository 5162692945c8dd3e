//! # sloop-testkit
//!
//! Test support for sloop's integration tests and benchmarks; not published.
//!
//! - [`synthetic`]: deterministic, seeded synthetic HTTP traffic
//!   (`http_requests_total{job, pod, code}` counters) with the exact number
//!   of good and total events in any window, and its OpenMetrics export for
//!   backfilling. Pure.
//! - [`prometheus`]: a real Prometheus for tests: backfill with `promtool`,
//!   start `prometheus` on a free loopback port with given rule files, query
//!   its HTTP API, wait for rule evaluations, stop it on drop. Needs the
//!   `prometheus` and `promtool` binaries on `PATH`
//!   ([`prometheus::Prometheus::available`]).
//! - [`postgres`]: a real PostgreSQL for tests: `initdb` into a temporary
//!   directory, a server on a free loopback port, a fresh database per
//!   test, stopped on drop. Needs Debian's `postgresql` package (or
//!   `initdb` and `postgres` on `PATH`).
//! - [`chromium`]: a real headless Chromium for browser tests:
//!   `chromedriver` on a free loopback port, WebDriver sessions through
//!   [`fantoccini`](chromium::fantoccini), every browser process stopped
//!   on drop. Needs Debian's `chromium` and `chromium-driver` packages.
//!
//! Synthetic traffic and Prometheus together check generated recording and
//! alerting rules against exact truth: backfill a scenario, load the rules,
//! and compare what Prometheus computes with [`synthetic::Truth`].
#![forbid(unsafe_code)]

pub mod chromium;
pub mod postgres;
mod process;
pub mod prometheus;
/// Synthetic traffic, re-exported from sloop-synthetic.
pub use sloop_synthetic as synthetic;
