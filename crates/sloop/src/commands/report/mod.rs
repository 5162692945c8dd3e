//! `sloop report`: where every SLO stands, from the store or live from the
//! providers, as a table, text, Markdown, JSON or YAML, or a live full-screen
//! view. Also a CI gate: the exit code says whether an SLO is breached.
//!
//! Exit codes: 0 every SLO passes the `--fail-on` conditions, 1 one does not,
//! 2 the report could not be made.

mod render;
mod watch;

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use sloop_core::Objective;
use sloop_core::math::Counts;
use sloop_core::report::{self, ObjectiveReport, Report, Status};
use sloop_provider::{Provider, Range};
use sloop_server::client::ApiClient;
use sloop_store::{SqliteOptions, SqliteStore, Store};

use crate::cli_measure::{ReportArgs, ReportFormat};
use crate::providers::Providers;
use crate::style::Palette;

/// A condition that makes `report` exit 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FailOn {
    /// The budget is overspent.
    Breach,
    /// A page or ticket alert fires.
    Alert,
    /// No events in the window.
    NoData,
    /// Less than this share of the budget is left (a fraction: 0.25).
    BudgetBelow(f64),
}

impl FailOn {
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let t = text.trim();
        Ok(match t {
            "breach" => FailOn::Breach,
            "alert" => FailOn::Alert,
            "no-data" => FailOn::NoData,
            _ => match t.strip_prefix("budget-below=") {
                Some(n) => {
                    let v: f64 = n.trim_end_matches('%').parse().with_context(|| {
                        format!("--fail-on {t}: budget-below takes a percentage, e.g. budget-below=25")
                    })?;
                    FailOn::BudgetBelow(v / 100.0)
                }
                None => bail!("--fail-on {t}: expected breach, alert, no-data or budget-below=N"),
            },
        })
    }

    /// Whether an objective fails this condition; the reason if it does.
    pub(crate) fn fails(self, o: &ObjectiveReport) -> Option<String> {
        match self {
            FailOn::Breach => (o.status == Status::Breached).then(|| "breached".to_string()),
            FailOn::Alert => o.firing().map(|a| format!("{} alert firing", a.as_str())),
            FailOn::NoData => (o.status == Status::NoData).then(|| "no data".to_string()),
            FailOn::BudgetBelow(min) => o
                .budget
                .filter(|b| b.left < min)
                .map(|b| format!("{:.1}% of the budget left, under {:.1}%", b.left * 100.0, min * 100.0)),
        }
    }
}

/// Where the counts come from.
#[derive(Debug)]
pub(crate) enum Source {
    /// The embedded store the agent fills.
    Store(Arc<dyn Store>),
    /// The providers, over whole windows.
    Live(Vec<(Objective, Option<Arc<dyn Provider>>)>),
    /// A sloop server's report: all its objectives (those `selector` picks),
    /// or only the ones of the manifests given.
    Server { client: ApiClient, selector: Option<String>, only: Option<BTreeSet<(String, String)>> },
}

pub(crate) fn run(args: &ReportArgs, p: &Palette) -> Result<ExitCode> {
    let objectives = if args.paths.is_empty() {
        Vec::new()
    } else {
        match super::load(&args.paths, p)? {
            Ok(l) => l.manifest.objectives,
            Err(code) => return Ok(code),
        }
    };
    let conditions: Vec<FailOn> = args.fail_on.iter().map(|c| FailOn::parse(c)).collect::<Result<_>>()?;
    let at = args.at.as_deref().map(parse_instant).transpose()?;
    let source = if args.server.server.is_some() {
        let only =
            (!args.paths.is_empty()).then(|| objectives.iter().map(|o| (o.service.clone(), o.name.clone())).collect());
        Source::Server { client: super::sync::client(&args.server)?, selector: args.selector.clone(), only }
    } else if args.live {
        let now = at.unwrap_or_else(sloop_server::agent::now_unix);
        let mut providers = Providers::new(&args.providers).with_synthetic(&objectives, now)?;
        let mut pairs = Vec::new();
        for o in &objectives {
            pairs.push((o.clone(), providers.for_objective(o)?.ok()));
        }
        Source::Live(pairs)
    } else {
        if !args.db.exists() {
            bail!("no store at {}: run `sloop agent -f …` first, pass --db PATH, or use --live", args.db.display());
        }
        let options = SqliteOptions { read_only: true, ..SqliteOptions::new(&args.db) };
        Source::Store(Arc::new(
            SqliteStore::open_with(options).with_context(|| format!("cannot open the store {}", args.db.display()))?,
        ))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if args.watch {
        let refresh = super::duration_flag("--refresh", &args.refresh)?;
        let make = |now: i64| runtime.block_on(compute(&source, &objectives, whole_minute(now)));
        watch::run(&make, refresh)?;
        return Ok(ExitCode::SUCCESS);
    }
    let end = at.unwrap_or_else(|| whole_minute(sloop_server::agent::now_unix()));
    let report = runtime.block_on(compute(&source, &objectives, end))?;
    match args.output {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        ReportFormat::Yaml => print!("{}", serde_saphyr::to_string(&report)?),
        ReportFormat::Markdown => print!("{}", render::markdown(&report)),
        ReportFormat::Text => print!("{}", render::text(&report)),
        ReportFormat::Table => print!("{}", render::table(&report, p)),
    }
    let failures = failures(&report, &conditions);
    for (id, why) in &failures {
        eprintln!("{}: {id}: {why}", crate::style::paint(p.error, "fail"));
    }
    Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(super::INVALID) })
}

/// Every objective that fails a condition, with why.
pub(crate) fn failures(report: &Report, conditions: &[FailOn]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for o in &report.objectives {
        let why: Vec<String> = conditions.iter().filter_map(|c| c.fails(o)).collect();
        if !why.is_empty() {
            out.push((format!("{}/{}", o.service, o.name), why.join(", ")));
        }
    }
    out
}

/// The report at `end`.
pub(crate) async fn compute(source: &Source, objectives: &[Objective], end: i64) -> Result<Report> {
    match source {
        Source::Store(store) => {
            let store = store.clone();
            let objectives = objectives.to_vec();
            Ok(tokio::task::spawn_blocking(move || sloop_store::report::report(store.as_ref(), &objectives, end))
                .await??)
        }
        Source::Live(pairs) => {
            let runs = pairs.iter().map(|(o, provider)| live(o, provider.as_deref(), end));
            let reports = futures::future::join_all(runs).await.into_iter().collect::<Result<Vec<_>>>()?;
            Ok(report::assemble(end, reports))
        }
        Source::Server { client, selector, only } => {
            let report = client.report(selector.as_deref(), Some(end)).await?;
            let Some(only) = only else { return Ok(report) };
            let mut chosen: Vec<ObjectiveReport> =
                report.objectives.into_iter().filter(|o| only.contains(&(o.service.clone(), o.name.clone()))).collect();
            for (service, name) in only {
                if !chosen.iter().any(|o| &o.service == service && &o.name == name) {
                    eprintln!("warning: {service}/{name} is not on the server; run `sloop sync` first");
                }
            }
            chosen.sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
            Ok(report::assemble(end, chosen))
        }
    }
}

/// One objective straight from its provider. Windows that tile a stretch of
/// time back to back with the same length (the trend's slices, timeslice
/// budgeting's minutes) go in one range request; the others one query each.
async fn live(o: &Objective, provider: Option<&dyn Provider>, end: i64) -> Result<ObjectiveReport> {
    let Some(provider) = provider else {
        return Ok(report::build(o, end, &|_, _| None));
    };
    let ranges = tile(report::windows_needed(o, end));
    let semaphore = tokio::sync::Semaphore::new(8);
    let fetches = ranges.iter().map(|&range| {
        let semaphore = &semaphore;
        async move {
            let _permit = semaphore.acquire().await?;
            let counts = provider.fetch(o, range).await.with_context(|| o.id())?;
            anyhow::Ok(counts.into_iter().map(|c| ((c.from, c.to), c.counts)).collect::<Vec<_>>())
        }
    });
    let mut counts: BTreeMap<(i64, i64), Option<Counts>> = BTreeMap::new();
    for part in futures::future::join_all(fetches).await {
        counts.extend(part?);
    }
    Ok(report::build(o, end, &|a, b| counts.get(&(a, b)).copied().flatten()))
}

/// Groups windows into ranges: runs of three or more windows of one length,
/// each starting where the last ended, become one range; the rest stay single.
pub(crate) fn tile(windows: Vec<(i64, i64)>) -> Vec<Range> {
    // Window starts, by length.
    let mut by_length: BTreeMap<i64, std::collections::BTreeSet<i64>> = BTreeMap::new();
    for (a, b) in windows {
        by_length.entry(b - a).or_default().insert(a);
    }
    let mut out = Vec::new();
    for (length, mut starts) in by_length {
        while let Some(first) = starts.pop_first() {
            // Follow the chain first, first + length, first + 2·length…
            let mut next = first + length;
            while starts.remove(&next) {
                next += length;
            }
            let n = (next - first) / length;
            if n >= 3 {
                out.push(Range { from: first, to: next, step: length });
            } else {
                out.extend((0..n).map(|i| Range::single(first + i * length, first + (i + 1) * length)));
            }
        }
    }
    out
}

/// Reports end on a whole minute unless `--at` says otherwise: stored
/// intervals and synthetic traffic are minutes, and the windows then hold
/// whole intervals.
fn whole_minute(t: i64) -> i64 {
    t.div_euclid(60) * 60
}

/// RFC 3339 or unix seconds.
fn parse_instant(text: &str) -> Result<i64> {
    if let Ok(secs) = text.parse::<i64>() {
        return Ok(secs);
    }
    let ts: jiff::Timestamp = text
        .parse()
        .with_context(|| format!("--at {text}: expected RFC 3339 (2026-11-21T12:00:00Z) or unix seconds"))?;
    Ok(ts.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_to_back_windows_of_one_length_become_one_range() {
        let mut w = vec![(0, 100), (40, 100), (10, 100)];
        w.extend((0..5).map(|i| (i * 20, i * 20 + 20)));
        w.push((7, 27)); // same length, not back to back
        let ranges = tile(w);
        assert!(ranges.contains(&Range { from: 0, to: 100, step: 20 }), "{ranges:?}");
        assert!(ranges.contains(&Range::single(7, 27)));
        assert!(ranges.contains(&Range::single(40, 100)));
        assert!(ranges.contains(&Range::single(0, 100)));
        let intervals: usize = ranges.iter().map(Range::len).sum();
        assert_eq!(intervals, 3 + 5 + 1);
    }
}
