//! What the benchmark reads from `/proc`: CPU time and peak memory of the
//! server process (and of PostgreSQL's processes), of the benchmark itself,
//! and of the whole machine.
//!
//! CPU time comes from `/proc/PID/stat` (`utime + stime`, all threads), in
//! clock ticks; peak memory from `VmHWM` in `/proc/PID/status`, the
//! resident set's high-water mark, which the kernel keeps for us so no
//! sampling can miss a peak.

use anyhow::{Context, Result};

/// Clock ticks per second (`getconf CLK_TCK`); 100 on every Linux we run on.
pub(crate) fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// The fields of `/proc/PID/stat` after the command name, which may hold
/// spaces and parentheses, so we split after the last `)`.
fn stat_fields(pid: u32) -> Option<Vec<u64>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    // Field 3 (the state) is a letter; keep the numbers' positions by
    // mapping it to 0.
    Some(rest.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect())
}

/// The CPU ticks a process has used (user + system, every thread), or
/// `None` once it has exited.
pub(crate) fn cpu_ticks(pid: u32) -> Option<u64> {
    let f = stat_fields(pid)?;
    // After the name: state(0) ppid(1) … utime(11) stime(12).
    Some(f.get(11)? + f.get(12)?)
}

/// The parent of a process.
fn parent(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1).and_then(|p| u32::try_from(*p).ok())
}

/// A process and all its descendants (PostgreSQL's postmaster forks a
/// backend per connection and its background workers).
pub(crate) fn tree(root: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent(pid)?)))
        .collect();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(all.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

/// The CPU ticks of a process tree. A child that exits between two readings
/// takes its ticks with it; the pooled connections the benchmark measures
/// live for the whole run.
pub(crate) fn tree_ticks(root: u32) -> u64 {
    tree(root).into_iter().filter_map(cpu_ticks).sum()
}

/// A `key: N kB` line of a `/proc` file (`/proc/PID/status`,
/// `/proc/meminfo`), in bytes.
fn kib_line(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

/// The peak resident set of a process so far (`VmHWM`), in bytes.
pub(crate) fn peak_rss(pid: u32) -> Option<u64> {
    kib_line(&format!("/proc/{pid}/status"), "VmHWM:")
}

/// The machine's CPU ticks from `/proc/stat`: (busy, total), every core.
/// Busy is everything but idle and I/O wait.
pub(crate) fn machine_ticks() -> Result<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    let line = text.lines().next().context("/proc/stat is empty")?;
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    Ok((total - idle, total))
}

/// The machine, for the report: cores, CPU model, memory.
pub(crate) fn machine() -> String {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = kib_line("/proc/meminfo", "MemTotal:").map(|b| b as f64 / (1u64 << 30) as f64).unwrap_or(0.0);
    format!("{cores} cores ({model}), {mem:.1} GiB RAM")
}

/// One reading of every counter the benchmark compares across a window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    /// When it was taken.
    pub(crate) at: std::time::Instant,
    /// The sloop server's ticks.
    pub(crate) server: u64,
    /// PostgreSQL's ticks (every process of the cluster), or 0.
    pub(crate) database: u64,
    /// The benchmark's own ticks (the clients).
    pub(crate) clients: u64,
    /// The machine's busy ticks.
    pub(crate) machine_busy: u64,
    /// The machine's total ticks.
    pub(crate) machine_total: u64,
}

/// The processes a run measures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Watched {
    /// The sloop server.
    pub(crate) server: u32,
    /// PostgreSQL's postmaster, if the run uses PostgreSQL.
    pub(crate) database: Option<u32>,
}

impl Watched {
    /// Reads every counter now.
    pub(crate) fn sample(&self) -> Result<Sample> {
        let (machine_busy, machine_total) = machine_ticks()?;
        Ok(Sample {
            at: std::time::Instant::now(),
            server: cpu_ticks(self.server).context("the sloop server has exited")?,
            database: self.database.map(tree_ticks).unwrap_or(0),
            clients: cpu_ticks(std::process::id()).unwrap_or(0),
            machine_busy,
            machine_total,
        })
    }
}

/// CPU used between two samples, in seconds and in cores (seconds per
/// second of wall time).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CpuUse {
    /// The wall time between the samples.
    pub(crate) wall_s: f64,
    /// The sloop server's CPU seconds.
    pub(crate) server_s: f64,
    /// PostgreSQL's CPU seconds (0 on SQLite).
    pub(crate) database_s: f64,
    /// The benchmark's (clients') CPU seconds.
    pub(crate) clients_s: f64,
    /// The whole machine's busy CPU seconds (all of the above, and anything
    /// else running).
    pub(crate) machine_s: f64,
}

impl CpuUse {
    /// The difference between two samples.
    pub(crate) fn between(a: &Sample, b: &Sample, ticks_per_s: f64) -> CpuUse {
        let s = |x: u64, y: u64| y.saturating_sub(x) as f64 / ticks_per_s;
        let machine_s = if b.machine_total > a.machine_total {
            // /proc/stat counts ticks of all cores; scale to seconds via the
            // wall time so the tick rate of /proc/stat does not matter.
            let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64;
            (b.machine_busy - a.machine_busy) as f64 / (b.machine_total - a.machine_total) as f64
                * cores
                * (b.at - a.at).as_secs_f64()
        } else {
            0.0
        };
        CpuUse {
            wall_s: (b.at - a.at).as_secs_f64(),
            server_s: s(a.server, b.server),
            database_s: s(a.database, b.database),
            clients_s: s(a.clients, b.clients),
            machine_s,
        }
    }
}
