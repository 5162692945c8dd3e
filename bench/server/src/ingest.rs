//! Phase 1: sustained ingestion. `clients` concurrent clients, each with
//! its own HTTP connection, POST batches of `batch` indicators back to back
//! to `/api/v1/indicators`, as agents do.
//!
//! Client `c` owns `batch / points_per_series` series,
//! `{service="bench", slo="c<c>-s<j>"}`, and each request carries the next
//! `points_per_series` one-minute points of each, after the previous
//! request's: every write is an append, as an agent's are. With one point
//! per series (the default) a request is an agent's steady state, every
//! point in a series of its own; with more it is a backlog being flushed. Throughput counts
//! the points of requests that completed inside the measured window (after
//! the warm-up); latency covers every request that started inside it.
//!
//! Bodies are written by hand into a byte buffer from per-series prefixes
//! made once (no serde, no allocation per indicator), so building a
//! 1,000-indicator body costs the client tens of microseconds, not the
//! milliseconds a `serde_json::Value` would: on two shared cores, the
//! clients' CPU would otherwise be taken from the server's.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::procfs::{CpuUse, Watched};
use crate::stats::Latency;

/// How the phase runs.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Concurrent clients.
    pub(crate) clients: usize,
    /// Indicators per request.
    pub(crate) batch: usize,
    /// Consecutive points of each series in a request (divides `batch`).
    pub(crate) points_per_series: usize,
    /// Before measuring.
    pub(crate) warmup: Duration,
    /// Measured.
    pub(crate) measure: Duration,
}

/// What the phase measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Outcome {
    /// Points stored per second in the measured window.
    pub(crate) points_per_s: f64,
    /// Requests per second in the measured window.
    pub(crate) requests_per_s: f64,
    /// Requests that completed in the measured window.
    pub(crate) requests: usize,
    /// Every request, warm-up and tail included (each answered 200 with
    /// `stored` equal to the batch).
    pub(crate) requests_total: usize,
    /// Latency of the requests that started in the measured window, from
    /// sending to having read and parsed the answer.
    pub(crate) latency: Latency,
    /// CPU over the measured window.
    pub(crate) cpu: CpuUse,
    /// The server's peak resident memory (`VmHWM`) at the end, MiB.
    pub(crate) server_peak_rss_mib: f64,
    /// The average request body, bytes.
    pub(crate) body_bytes: usize,
    /// The clients' time building bodies, per request, microseconds.
    pub(crate) body_build_us: f64,
    /// The database's size at the end (SQLite: file + WAL), bytes.
    pub(crate) database_bytes: Option<u64>,
}

/// One client's request bodies: per-series prefixes made once.
struct Bodies {
    prefixes: Vec<String>,
    /// Consecutive minutes of each series in one request.
    run: usize,
}

impl Bodies {
    fn new(client: usize, series: usize, run: usize) -> Bodies {
        let prefixes = (0..series)
            .map(|j| format!("{{\"labels\":{{\"service\":\"bench\",\"slo\":\"c{client}-s{j}\"}},\"from\":"))
            .collect();
        Bodies { prefixes, run }
    }

    /// The body of request `k`: for every series, the `run` minutes from
    /// minute `k × run` on, the minute `m` being `(start + 60m, start + 60(m+1)]`.
    fn body(&self, start: i64, k: usize) -> Vec<u8> {
        let mut buf = itoa::Buffer::new();
        let mut out = Vec::with_capacity(self.prefixes.len() * self.run * 100 + 32);
        out.extend_from_slice(b"{\"indicators\":[");
        let mut first = true;
        for (j, p) in self.prefixes.iter().enumerate() {
            for m in k * self.run..(k + 1) * self.run {
                if !std::mem::replace(&mut first, false) {
                    out.push(b',');
                }
                let from = start + 60 * m as i64;
                out.extend_from_slice(p.as_bytes());
                out.extend_from_slice(buf.format(from).as_bytes());
                out.extend_from_slice(b",\"to\":");
                out.extend_from_slice(buf.format(from + 60).as_bytes());
                out.extend_from_slice(b",\"good\":");
                // A few bad events, varying by series and minute.
                out.extend_from_slice(buf.format(1000 - (j + m) % 5).as_bytes());
                out.extend_from_slice(b",\"total\":1000}");
            }
        }
        out.extend_from_slice(b"]}");
        out
    }
}

/// The part of the answer the benchmark checks.
#[derive(Debug, Deserialize)]
struct Stored {
    stored: usize,
}

/// One request, as a client saw it.
#[derive(Debug, Clone, Copy)]
struct Done {
    start: Instant,
    end: Instant,
}

/// What one client did.
struct ClientLog {
    done: Vec<Done>,
    body_bytes: usize,
    build: Duration,
}

async fn client(
    c: usize,
    url: String,
    token: String,
    batch: usize,
    points_per_series: usize,
    start_unix: i64,
    stop_at: Instant,
) -> Result<ClientLog> {
    // One client, one connection: requests are sequential, so the pool
    // never needs a second.
    let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).pool_max_idle_per_host(1).build()?;
    let bodies = Bodies::new(c, batch / points_per_series, points_per_series);
    let mut log = ClientLog { done: Vec::new(), body_bytes: 0, build: Duration::ZERO };
    let mut k = 0;
    while Instant::now() < stop_at {
        let t = Instant::now();
        let body = bodies.body(start_unix, k);
        log.build += t.elapsed();
        log.body_bytes += body.len();
        let start = Instant::now();
        let response = http
            .post(&url)
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .with_context(|| format!("client {c}, request {k}: sending"))?;
        let status = response.status();
        let answer = response.bytes().await.with_context(|| format!("client {c}, request {k}: reading"))?;
        let end = Instant::now();
        if status != reqwest::StatusCode::OK {
            bail!("client {c}, request {k}: HTTP {status}: {}", String::from_utf8_lossy(&answer));
        }
        let stored: Stored = serde_json::from_slice(&answer)
            .with_context(|| format!("client {c}, request {k}: {}", String::from_utf8_lossy(&answer)))?;
        if stored.stored != batch {
            bail!("client {c}, request {k}: the server stored {} of {batch} indicators", stored.stored);
        }
        log.done.push(Done { start, end });
        k += 1;
    }
    Ok(log)
}

/// Runs the phase against the server at `base`.
pub(crate) async fn run(base: &str, token: &str, config: &Config, watched: Watched, tps: f64) -> Result<Outcome> {
    let url = format!("{base}/api/v1/indicators");
    let t0 = Instant::now();
    let measure_from = t0 + config.warmup;
    let stop_at = measure_from + config.measure;
    // A week ago, on a whole minute: far enough back that no run reaches now.
    let start_unix = (jiff::Timestamp::now().as_second() - 7 * 86_400) / 60 * 60;
    let mut set = JoinSet::new();
    for c in 0..config.clients {
        set.spawn(client(
            c,
            url.clone(),
            token.to_string(),
            config.batch,
            config.points_per_series,
            start_unix,
            stop_at,
        ));
    }
    // Read the counters at the window's edges while the clients run.
    let sampler = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        let a = watched.sample()?;
        tokio::time::sleep_until(stop_at.into()).await;
        let b = watched.sample()?;
        anyhow::Ok((a, b))
    });
    let mut logs = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined.context("a client task panicked")? {
            Ok(log) => logs.push(log),
            Err(e) => {
                // Fail loudly, and at once: the other clients would only
                // add noise.
                set.abort_all();
                sampler.abort();
                return Err(e);
            }
        }
    }
    let (a, b) = sampler.await.context("the sampler panicked")??;
    let cpu = CpuUse::between(&a, &b, tps);
    let window = (b.at - a.at).as_secs_f64();
    let all: Vec<Done> = logs.iter().flat_map(|l| l.done.iter().copied()).collect();
    let completed = all.iter().filter(|d| d.end >= a.at && d.end <= b.at).count();
    let started: Vec<Duration> =
        all.iter().filter(|d| d.start >= a.at && d.start < b.at).map(|d| d.end - d.start).collect();
    if started.is_empty() {
        bail!("no request started in the measured window; is --seconds too short?");
    }
    let bytes: usize = logs.iter().map(|l| l.body_bytes).sum();
    let build: Duration = logs.iter().map(|l| l.build).sum();
    Ok(Outcome {
        points_per_s: (completed * config.batch) as f64 / window,
        requests_per_s: completed as f64 / window,
        requests: completed,
        requests_total: all.len(),
        latency: Latency::of(&started),
        cpu,
        server_peak_rss_mib: crate::procfs::peak_rss(watched.server).unwrap_or(0) as f64 / 1048576.0,
        body_bytes: bytes / all.len().max(1),
        body_build_us: build.as_secs_f64() * 1e6 / all.len().max(1) as f64,
        database_bytes: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_the_json_the_api_takes() {
        let body = Bodies::new(3, 2, 1).body(600, 2);
        let batch: sloop_server::api::indicators::IndicatorBatch = serde_json::from_slice(&body).unwrap();
        let v = serde_json::to_value(&batch).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"indicators": [
                {"labels": {"service": "bench", "slo": "c3-s0"}, "from": 720, "to": 780, "good": 998.0, "total": 1000.0},
                {"labels": {"service": "bench", "slo": "c3-s1"}, "from": 720, "to": 780, "good": 997.0, "total": 1000.0},
            ]})
        );
    }

    #[test]
    fn a_backlog_body_carries_consecutive_minutes_of_each_series() {
        let body = Bodies::new(0, 2, 3).body(0, 1);
        let batch: sloop_server::api::indicators::IndicatorBatch = serde_json::from_slice(&body).unwrap();
        let v = serde_json::to_value(&batch).unwrap();
        let seen: Vec<(String, i64)> = v["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["labels"]["slo"].as_str().unwrap().to_string(), i["from"].as_i64().unwrap()))
            .collect();
        let want: Vec<(String, i64)> =
            [("c0-s0", 180), ("c0-s0", 240), ("c0-s0", 300), ("c0-s1", 180), ("c0-s1", 240), ("c0-s1", 300)]
                .map(|(s, f)| (s.to_string(), f))
                .to_vec();
        assert_eq!(seen, want);
    }
}
