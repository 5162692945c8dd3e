//! # sloop-server
//!
//! sloop's long-running parts:
//!
//! - [`agent`]: the loop that asks providers for event counts on an
//!   interval and writes them into a store (or pushes them to a server),
//!   filling any gap it finds.
//! - [`api`], [`web`] and [`dashboard`]: `sloop serve`, the shared service:
//!   objectives synced from manifests, indicators pushed by agents and
//!   clients, reports, a server-rendered dashboard and `/metrics`.
//! - [`auth`]: API tokens, kept hashed, per tenant and scope.
//! - [`client`]: the other side of the API, for `sloop sync`, `sloop report
//!   --server` and `sloop agent --server`.
//!
//! It sits above sloop-core (the model), sloop-provider (where counts come
//! from) and sloop-store (where they go), and below the `sloop` binary, which
//! only wires command-line flags to it.
#![forbid(unsafe_code)]

pub mod agent;
pub mod api;
pub mod auth;
pub mod client;
pub mod dashboard;
pub mod metrics;
pub mod serve;
pub mod web;
