//! # sloop-server
//!
//! sloop's long-running parts. Today that is the [`agent`]: the loop that
//! asks providers for event counts on an interval and writes them into a
//! store, filling any gap it finds. The HTTP API and the dashboard will live
//! here too.
//!
//! It sits above sloop-core (the model), sloop-provider (where counts come
//! from) and sloop-store (where they go), and below the `sloop` binary, which
//! only wires command-line flags to it.
#![forbid(unsafe_code)]

pub mod agent;
