//! Phase 2: report latency for many SLOs. On a fresh database: PUT
//! `objectives` objectives (sloop/v1 manifests, 30-day window, selector
//! `{service: bench2, slo: sN}`), push `history_days` of history for each at
//! one point per `history_step` seconds, ending now, then time
//! `GET /api/v1/reports` (all of them) and `GET /api/v1/reports/bench2/sN`,
//! one request at a time.
//!
//! Every point has the same 1,000 events with a few bad, so each
//! objective's report reads a full 30-day window of data; the answers are
//! checked (every objective present, none without data).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::procfs::{CpuUse, Watched};
use crate::stats::Latency;

/// How the phase runs.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// How many objectives.
    pub(crate) objectives: usize,
    /// Days of history per objective.
    pub(crate) history_days: i64,
    /// Seconds between two points of history.
    pub(crate) history_step: i64,
    /// Indicators per history request.
    pub(crate) batch: usize,
    /// Concurrent clients pushing history (each owns a share of the SLOs).
    pub(crate) clients: usize,
    /// Requests of `GET /reports`.
    pub(crate) all_requests: usize,
    /// Requests of `GET /reports/{service}/{name}`.
    pub(crate) one_requests: usize,
}

/// What the phase measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Outcome {
    /// How many objectives.
    pub(crate) objectives: usize,
    /// Seconds to PUT them all (`clients` at a time).
    pub(crate) put_seconds: f64,
    /// Points of history pushed.
    pub(crate) history_points: u64,
    /// Seconds to push them.
    pub(crate) history_seconds: f64,
    /// The first `GET /reports` after the pushes, not counted below.
    pub(crate) first_all_ms: f64,
    /// `GET /reports`, every objective.
    pub(crate) all: Latency,
    /// Its answer's size, bytes.
    pub(crate) all_bytes: usize,
    /// `GET /reports/{service}/{name}`.
    pub(crate) one: Latency,
    /// CPU while the report requests ran (one at a time).
    pub(crate) cpu: CpuUse,
    /// The server's peak resident memory (`VmHWM`) at the end, MiB.
    pub(crate) server_peak_rss_mib: f64,
    /// The database's size (SQLite: file + WAL), bytes.
    pub(crate) database_bytes: Option<u64>,
}

/// The manifest of objective `sN`.
fn manifest(n: usize) -> String {
    format!(
        "apiVersion: sloop/v1\nservice: bench2\nslos:\n  - name: s{n}\n    target: 99.9\n    window: 30d\n    \
         selector:\n      service: bench2\n      slo: s{n}\n"
    )
}

async fn put_all(http: &reqwest::Client, base: &str, token: &str, config: &Config) -> Result<()> {
    let mut set = JoinSet::new();
    for c in 0..config.clients {
        let (http, base, token) = (http.clone(), base.to_string(), token.to_string());
        let (n, clients) = (config.objectives, config.clients);
        set.spawn(async move {
            for i in (c..n).step_by(clients) {
                let r = http
                    .put(format!("{base}/api/v1/objectives/bench2/s{i}"))
                    .bearer_auth(&token)
                    .header(reqwest::header::CONTENT_TYPE, "application/yaml")
                    .body(manifest(i))
                    .send()
                    .await?;
                let status = r.status();
                if status != reqwest::StatusCode::CREATED {
                    bail!("PUT bench2/s{i}: HTTP {status}: {}", r.text().await.unwrap_or_default());
                }
            }
            Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(())
}

/// Pushes the history: client `c` owns the SLOs `c, c + clients, …` and
/// sends their points oldest first, so every write is an append.
async fn push_history(http: &reqwest::Client, base: &str, token: &str, config: &Config, end: i64) -> Result<u64> {
    let steps = config.history_days * 86_400 / config.history_step;
    let mut set = JoinSet::new();
    for c in 0..config.clients {
        let (http, url, token) = (http.clone(), format!("{base}/api/v1/indicators"), token.to_string());
        let (n, clients, step, batch) = (config.objectives, config.clients, config.history_step, config.batch);
        set.spawn(async move {
            let mine: Vec<usize> = (c..n).step_by(clients).collect();
            let mut items: Vec<String> = Vec::with_capacity(batch);
            let mut sent = 0u64;
            for s in (0..steps).rev() {
                let to = end - s * step;
                for &i in &mine {
                    let good = 1000 - (i as i64 + s) % 3;
                    items.push(format!(
                        "{{\"labels\":{{\"service\":\"bench2\",\"slo\":\"s{i}\"}},\"from\":{},\"to\":{to},\
                         \"good\":{good},\"total\":1000}}",
                        to - step
                    ));
                    if items.len() == batch {
                        sent += send(&http, &url, &token, &mut items).await?;
                    }
                }
            }
            if !items.is_empty() {
                sent += send(&http, &url, &token, &mut items).await?;
            }
            anyhow::Ok(sent)
        });
    }
    let mut total = 0;
    while let Some(r) = set.join_next().await {
        total += r??;
    }
    Ok(total)
}

async fn send(http: &reqwest::Client, url: &str, token: &str, items: &mut Vec<String>) -> Result<u64> {
    let body = format!("{{\"indicators\":[{}]}}", items.join(","));
    let n = items.len();
    items.clear();
    let r = http
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await?;
    let status = r.status();
    let text = r.text().await?;
    if status != reqwest::StatusCode::OK {
        bail!("pushing history: HTTP {status}: {text}");
    }
    let v: serde_json::Value = serde_json::from_str(&text)?;
    if v["stored"].as_u64() != Some(n as u64) || v["matched"].as_u64() != Some(n as u64) {
        bail!("pushing history: {n} indicators sent, answer {text}");
    }
    Ok(n as u64)
}

/// One timed GET; the answer must be a report of `expect` objectives, all
/// with data.
async fn timed_report(http: &reqwest::Client, url: &str, token: &str, expect: usize) -> Result<(Duration, usize)> {
    let t = Instant::now();
    let r = http.get(url).bearer_auth(token).send().await?;
    let status = r.status();
    let body = r.bytes().await?;
    let took = t.elapsed();
    if status != reqwest::StatusCode::OK {
        bail!("GET {url}: HTTP {status}: {}", String::from_utf8_lossy(&body));
    }
    let v: serde_json::Value = serde_json::from_slice(&body).with_context(|| format!("GET {url}"))?;
    let got = v["objectives"].as_array().map(Vec::len);
    if got != Some(expect) || v["summary"]["no_data"].as_u64() != Some(0) {
        bail!("GET {url}: expected {expect} objectives, all with data; got {got:?}, summary {}", v["summary"]);
    }
    Ok((took, body.len()))
}

/// Runs the phase against the server at `base`.
pub(crate) async fn run(base: &str, token: &str, config: &Config, watched: Watched, tps: f64) -> Result<Outcome> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(300)).build()?;
    let t = Instant::now();
    put_all(&http, base, token, config).await?;
    let put_seconds = t.elapsed().as_secs_f64();
    eprintln!("  {} objectives PUT in {put_seconds:.1} s", config.objectives);

    let end = jiff::Timestamp::now().as_second() / 60 * 60;
    let t = Instant::now();
    let history_points = push_history(&http, base, token, config, end).await?;
    let history_seconds = t.elapsed().as_secs_f64();
    eprintln!(
        "  {history_points} points of history pushed in {history_seconds:.1} s ({:.0} points/s)",
        history_points as f64 / history_seconds
    );

    let all_url = format!("{base}/api/v1/reports");
    let (first, _) = timed_report(&http, &all_url, token, config.objectives).await?;
    let a = watched.sample()?;
    let mut all = Vec::with_capacity(config.all_requests);
    let mut all_bytes = 0;
    for _ in 0..config.all_requests {
        let (took, bytes) = timed_report(&http, &all_url, token, config.objectives).await?;
        all.push(took);
        all_bytes = bytes;
    }
    let mut one = Vec::with_capacity(config.one_requests);
    for k in 0..config.one_requests {
        // A spread of SLOs, not one hot one (7 shares no factor with 1,000,
        // so 1,000 requests would visit every one).
        let i = (k * 7 + 3) % config.objectives;
        let (took, _) = timed_report(&http, &format!("{base}/api/v1/reports/bench2/s{i}"), token, 1).await?;
        one.push(took);
    }
    let b = watched.sample()?;
    Ok(Outcome {
        objectives: config.objectives,
        put_seconds,
        history_points,
        history_seconds,
        first_all_ms: first.as_secs_f64() * 1e3,
        all: Latency::of(&all),
        all_bytes,
        one: Latency::of(&one),
        cpu: CpuUse::between(&a, &b, tps),
        server_peak_rss_mib: crate::procfs::peak_rss(watched.server).unwrap_or(0) as f64 / 1048576.0,
        database_bytes: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_one_valid_objective() {
        let stored = sloop_server::api::objectives::canonical("bench", "bench2", "s7", manifest(7).as_bytes(), 0)
            .expect("a valid manifest");
        assert_eq!((stored.service.as_str(), stored.name.as_str()), ("bench2", "s7"));
        assert!(stored.manifest.contains("window: 30d"), "{}", stored.manifest);
    }
}
