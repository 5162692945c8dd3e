//! `server-bench summary`: runs in, Markdown and JSON out. Each figure of
//! the main tables is the median over the runs of one database (the median
//! of the runs' p99s, for instance); the per-run table follows.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::RunResult;
use crate::server::Backend;
use crate::stats::median;

/// The ingestion targets, points per second, per database.
fn target(backend: Backend) -> f64 {
    match backend {
        Backend::Sqlite => 200_000.0,
        Backend::Postgres => 100_000.0,
    }
}

/// A number with thousands separators.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// How many clients push history in the report phase (see `main.rs`).
pub(crate) const HISTORY_CLIENTS: usize = 4;

/// Which request a nearest-rank p99 of `n` requests is, from the slowest.
fn slowest(n: usize) -> String {
    let k = n + 1 - ((0.99 * n as f64).ceil() as usize).clamp(1, n.max(1));
    match k {
        1 => "slowest".into(),
        2 => "second slowest".into(),
        3 => "third slowest".into(),
        k => format!("{k}th slowest"),
    }
}

/// The median over runs of one figure.
fn med<T>(runs: &[&T], f: impl Fn(&T) -> f64) -> f64 {
    median(&runs.iter().map(|r| f(r)).collect::<Vec<_>>())
}

/// Writes the Markdown and the JSON of `paths`.
pub(crate) fn write(paths: &[PathBuf], markdown: &Path, json: &Path, command: Option<&str>) -> Result<()> {
    let mut runs = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        let run: RunResult = serde_json::from_str(&text).with_context(|| format!("reading {}", p.display()))?;
        runs.push(run);
    }
    let md = render(&runs, command)?;
    crate::write_file(markdown, &md)?;
    crate::write_file(json, &serde_json::to_string_pretty(&serde_json::json!({ "runs": runs }))?)?;
    print!("{md}");
    Ok(())
}

fn render(runs: &[RunResult], command: Option<&str>) -> Result<String> {
    let mut md = String::new();
    let Some(first) = runs.first() else { return Ok(md) };
    let a = &first.args;
    writeln!(md, "Date: {}  ", first.started)?;
    writeln!(md, "Machine: {}  ", first.machine)?;
    writeln!(md, "Server: {}  ", first.server)?;
    if let Some(command) = command {
        writeln!(md, "Command: `{}`  ", command.trim())?;
    }
    let shape = if a.points_per_series == 1 {
        "one point of each of as many series".to_string()
    } else {
        format!("{} series × {} consecutive minutes each", a.batch / a.points_per_series, a.points_per_series)
    };
    let reports = if a.phases.contains(&crate::Phase::Reports) {
        format!(
            "; reports on {} objectives with {} days of history, one point every {} s each",
            thousands(a.objectives as f64),
            a.history_days,
            a.history_step
        )
    } else {
        String::new()
    };
    writeln!(
        md,
        "Configuration: {} clients (one connection each) × batches of {} indicators ({shape}), {} s measured after \
         {} s of warm-up{reports}; {} runs in all  ",
        a.clients,
        thousands(a.batch as f64),
        a.seconds,
        a.warmup,
        runs.len()
    )?;
    writeln!(
        md,
        "\nThe server, PostgreSQL (when used) and the benchmark's clients share the machine's cores: the clients' \
         and PostgreSQL's CPU is taken from the server's. Each figure is the median over the runs.\n"
    )?;

    let backends: Vec<Backend> = [Backend::Sqlite, Backend::Postgres]
        .into_iter()
        .filter(|b| runs.iter().any(|r| r.args.database == *b))
        .collect();

    writeln!(md, "### Ingestion: `POST /api/v1/indicators`\n")?;
    writeln!(
        md,
        "| Database | Runs | Points/s | Target | Met | Requests/s | Latency p50 / p90 / p99 / max (ms) | \
         Server CPU (cores) | PostgreSQL CPU (cores) | Clients CPU (cores) | Machine busy (cores) | \
         Server peak RSS (MiB) |"
    )?;
    writeln!(md, "|---|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for &b in &backends {
        let rs: Vec<_> = runs.iter().filter(|r| r.args.database == b).filter_map(|r| r.ingest.as_ref()).collect();
        if rs.is_empty() {
            continue;
        }
        let pps = med(&rs, |o| o.points_per_s);
        let cores = |f: fn(&crate::procfs::CpuUse) -> f64| med(&rs, |o| f(&o.cpu) / o.cpu.wall_s);
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.0} | {:.1} / {:.1} / {:.1} / {:.1} | {:.2} | {} | {:.2} | {:.2} | {:.0} |",
            b.name(),
            rs.len(),
            thousands(pps),
            thousands(target(b)),
            if pps >= target(b) { "yes" } else { "no" },
            med(&rs, |o| o.requests_per_s),
            med(&rs, |o| o.latency.p50_ms),
            med(&rs, |o| o.latency.p90_ms),
            med(&rs, |o| o.latency.p99_ms),
            med(&rs, |o| o.latency.max_ms),
            cores(|c| c.server_s),
            if b == Backend::Postgres { format!("{:.2}", cores(|c| c.database_s)) } else { "–".into() },
            cores(|c| c.clients_s),
            cores(|c| c.machine_s),
            med(&rs, |o| o.server_peak_rss_mib),
        )?;
    }

    if runs.iter().any(|r| r.reports.is_some()) {
        writeln!(
            md,
            "\n### Reports: `GET /api/v1/reports` (every objective) and `GET /api/v1/reports/{{service}}/{{name}}`\n"
        )?;
        writeln!(
            md,
            "| Database | Runs | Objectives | All: median / p99 (ms) | All: answer (KiB) | One: median / p99 (ms) | \
         First all, after the pushes (ms) | History pushed (points/s) | PUT all objectives (s) | \
         Server peak RSS (MiB) |"
        )?;
        writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        for &b in &backends {
            let rs: Vec<_> = runs.iter().filter(|r| r.args.database == b).filter_map(|r| r.reports.as_ref()).collect();
            if rs.is_empty() {
                continue;
            }
            writeln!(
                md,
                "| {} | {} | {} | {:.1} / {:.1} | {:.0} | {:.2} / {:.2} | {:.1} | {} | {:.1} | {:.0} |",
                b.name(),
                rs.len(),
                thousands(med(&rs, |o| o.objectives as f64)),
                med(&rs, |o| o.all.p50_ms),
                med(&rs, |o| o.all.p99_ms),
                med(&rs, |o| o.all_bytes as f64 / 1024.0),
                med(&rs, |o| o.one.p50_ms),
                med(&rs, |o| o.one.p99_ms),
                med(&rs, |o| o.first_all_ms),
                thousands(med(&rs, |o| o.history_points as f64 / o.history_seconds)),
                med(&rs, |o| o.put_seconds),
                med(&rs, |o| o.server_peak_rss_mib),
            )?;
        }
    }
    if let Some(o) = runs.iter().find_map(|r| r.reports.as_ref()) {
        let (all, one) = (o.all.n, o.one.n);
        writeln!(
            md,
            "\nPer run: {all} requests for every objective and {one} for one objective (a different one each \
             time), one at a time, after one untimed request for every objective (\"first all\"). The p99 is a \
             nearest rank: of {all} requests, the {}; of {one}, the {}. \"History pushed\" is ingestion again, \
             but with {} clients whose every indicator matches one of the {} objectives (all of one service).",
            slowest(all),
            slowest(one),
            HISTORY_CLIENTS,
            thousands(o.objectives as f64),
        )?;
    }

    writeln!(
        md,
        "\n| Run | Database | Load before | Points/s | p50 / p99 (ms) | Server CPU (cores) | All reports median (ms) | One report median (ms) |"
    )?;
    writeln!(md, "|---|---|---:|---:|---:|---:|---:|---:|")?;
    for r in runs {
        let i = r.ingest.as_ref();
        let p = r.reports.as_ref();
        writeln!(
            md,
            "| {} | {} | {:.2} | {} | {} | {} | {} | {} |",
            r.started,
            r.args.database.name(),
            r.load_before,
            i.map(|o| thousands(o.points_per_s)).unwrap_or_else(|| "–".into()),
            i.map(|o| format!("{:.1} / {:.1}", o.latency.p50_ms, o.latency.p99_ms)).unwrap_or_else(|| "–".into()),
            i.map(|o| format!("{:.2}", o.cpu.server_s / o.cpu.wall_s)).unwrap_or_else(|| "–".into()),
            p.map(|o| format!("{:.1}", o.all.p50_ms)).unwrap_or_else(|| "–".into()),
            p.map(|o| format!("{:.2}", o.one.p50_ms)).unwrap_or_else(|| "–".into()),
        )?;
    }
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(-12345.0), "-12,345");
        assert_eq!(
            (slowest(20).as_str(), slowest(200).as_str(), slowest(1000).as_str()),
            ("slowest", "third slowest", "11th slowest")
        );
    }
}
