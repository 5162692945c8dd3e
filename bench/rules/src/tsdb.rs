//! TSDB directories: blocks, compaction, snapshots, promtool.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::http;

/// What a block's `meta.json` says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// Its ULID (the directory name).
    pub(crate) ulid: String,
    /// First sample, unix ms.
    pub(crate) min: i64,
    /// Last sample + 1, unix ms.
    pub(crate) max: i64,
    /// Samples in it.
    pub(crate) samples: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    min_time: i64,
    max_time: i64,
    #[serde(default)]
    stats: Stats,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Stats {
    #[serde(default)]
    num_samples: u64,
}

fn is_ulid(name: &str) -> bool {
    name.len() == 26 && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The complete blocks of a data directory.
pub(crate) fn blocks(dir: &Path) -> Result<Vec<Block>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(out) };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !is_ulid(&name) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(e.path().join("meta.json")) else { continue };
        let m: Meta = serde_json::from_str(&text).with_context(|| format!("{}/meta.json", e.path().display()))?;
        out.push(Block { ulid: name, min: m.min_time, max: m.max_time, samples: m.stats.num_samples });
    }
    out.sort_by_key(|b| (b.min, b.max));
    Ok(out)
}

/// Whether any two blocks overlap in time.
pub(crate) fn overlapping(blocks: &[Block]) -> bool {
    let mut sorted = blocks.to_vec();
    sorted.sort_by_key(|b| b.min);
    sorted.windows(2).any(|w| w[1].min < w[0].max)
}

/// Moves every block of `from` (recursively one level: promtool output
/// directories) into `to`; returns how many.
pub(crate) fn move_blocks(from: &Path, to: &Path) -> Result<usize> {
    let mut n = 0;
    for e in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if is_ulid(&name) && e.path().join("meta.json").exists() {
            std::fs::rename(e.path(), to.join(&name)).with_context(|| format!("moving block {name}"))?;
            n += 1;
        } else if e.path().is_dir() {
            n += move_blocks(&e.path(), to)?;
        }
    }
    Ok(n)
}

/// Waits until Prometheus has loaded `expect_at_least` samples' worth of
/// blocks in `dir` and compacted away every overlap, and the block list has
/// not changed for `quiet`. Returns the blocks.
pub(crate) fn wait_settled(dir: &Path, quiet: Duration, timeout: Duration) -> Result<Vec<Block>> {
    let started = Instant::now();
    let mut last = blocks(dir)?;
    let mut since = Instant::now();
    loop {
        std::thread::sleep(Duration::from_secs(5));
        let now = blocks(dir)?;
        if now != last {
            last = now;
            since = Instant::now();
            continue;
        }
        if !overlapping(&last) && since.elapsed() >= quiet {
            return Ok(last);
        }
        if started.elapsed() > timeout {
            bail!("blocks in {} did not settle within {timeout:?}: {last:?}", dir.display());
        }
    }
}

/// Takes a snapshot (head included) through the admin API and returns its directory.
pub(crate) fn snapshot(addr: SocketAddr, data_dir: &Path) -> Result<PathBuf> {
    let (status, body) = http::request(addr, "POST", "/api/v1/admin/tsdb/snapshot?skip_head=false")?;
    if status != 200 {
        bail!("snapshot: HTTP {status}: {body}");
    }
    let v: serde_json::Value = serde_json::from_str(&body)?;
    let name = v["data"]["name"].as_str().context("snapshot: no name")?;
    Ok(data_dir.join("snapshots").join(name))
}

/// Bytes used by the files under `dir` (hard links counted once per path).
pub(crate) fn disk_usage(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => total += disk_usage(&e.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// Runs promtool with these arguments; fails with its output.
pub(crate) fn promtool(args: &[String]) -> Result<String> {
    let out = Command::new("promtool").args(args).output().context("running promtool")?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        bail!("promtool {} failed ({}):\n{text}", args.join(" "), out.status);
    }
    Ok(text)
}

/// The first line of `prometheus --version`.
pub(crate) fn prometheus_version() -> String {
    Command::new("prometheus")
        .arg("--version")
        .output()
        .map(|o| {
            let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            text.lines().next().unwrap_or_default().to_owned()
        })
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(min: i64, max: i64) -> Block {
        Block { ulid: String::new(), min, max, samples: 0 }
    }

    #[test]
    fn overlaps_are_found() {
        assert!(!overlapping(&[b(0, 10), b(10, 20), b(20, 30)]));
        assert!(overlapping(&[b(10, 20), b(0, 11)]));
        assert!(!overlapping(&[]));
    }
}
