//! `sloop budget`: the numbers of a target and window, without a manifest.

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;
use sloop_core::alerting::AlertPolicy;
use sloop_core::explain::{AlertRow, BudgetFigures, alert_rows, budget_figures};
use sloop_core::spec::check::{TRAFFIC_HINT, traffic_rate};
use sloop_core::{Duration, Target};

use super::explain::{alert_table, budget_lines};
use super::print_structured;
use crate::cli::{BudgetArgs, OutputFormat};
use crate::style::{Palette, paint};

#[derive(Debug, Serialize)]
struct BudgetReport {
    target: String,
    window: String,
    budget: BudgetFigures,
    alerts: Vec<AlertRow>,
    warnings: Vec<String>,
}

pub(crate) fn run(args: &BudgetArgs, p: &Palette) -> Result<ExitCode> {
    let target = Target::from_percent_str(&args.target).context("--target")?;
    let window = Duration::parse(&args.window).context("--window")?;
    let traffic = args
        .traffic
        .as_deref()
        .map(|t| traffic_rate(t).map_err(|e| anyhow::anyhow!("--traffic: {e}; expected {TRAFFIC_HINT}")))
        .transpose()?;
    let (policy, warnings) = AlertPolicy::standard(window);
    let report = BudgetReport {
        target: target.percent_string(),
        window: window.to_compact(),
        budget: budget_figures(target, window, traffic),
        alerts: alert_rows(&policy, window, target),
        warnings,
    };
    if args.output != OutputFormat::Human {
        print_structured(&report, args.output)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", paint(p.bold, format!("{}% over {}", report.target, window.to_words())));
    print!("{}", budget_lines(&report.budget, &report.target, p));
    for w in &report.warnings {
        println!("  {} {w}", paint(p.warning, "note:"));
    }
    if !report.alerts.is_empty() {
        println!("\n{}", paint(p.bold, "  Standard alerts (multi-window, multi-burn-rate)"));
        for line in alert_table(&report.alerts).lines() {
            println!("  {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
