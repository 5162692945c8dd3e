//! `sloop explain`: the sentence, the budget and the alert table of each SLO.

use std::process::ExitCode;

use anyhow::Result;
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use sloop_core::explain::{AlertRow, BudgetFigures, Explanation, explain};

use super::print_structured;
use crate::cli::{ExplainArgs, OutputFormat};
use crate::style::{Palette, paint};

pub(crate) fn run(args: &ExplainArgs, p: &Palette) -> Result<ExitCode> {
    let loaded = match super::load(&args.paths, p)? {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    let explanations: Vec<Explanation> = loaded.manifest.objectives.iter().map(explain).collect();
    if args.output != OutputFormat::Human {
        print_structured(&explanations, args.output)?;
        return Ok(ExitCode::SUCCESS);
    }
    for (i, e) in explanations.iter().enumerate() {
        if i > 0 {
            println!();
        }
        print!("{}", human(e, p));
    }
    Ok(ExitCode::SUCCESS)
}

/// One explanation for people.
pub(crate) fn human(e: &Explanation, p: &Palette) -> String {
    let mut out = String::new();
    let title = e.title.as_deref().map(|t| format!(" — {t}")).unwrap_or_default();
    out.push_str(&format!("{}{}\n", paint(p.bold, &e.id), title));
    out.push_str(&format!("  {}.\n\n", e.sentence));
    out.push_str(&budget_lines(&e.budget, &e.target, p));
    if e.alerting.enabled && !e.alerting.rows.is_empty() {
        out.push_str(&format!(
            "\n{}\n{}\n",
            paint(p.bold, "  Alerts (multi-window, multi-burn-rate)"),
            indent(&alert_table(&e.alerting.rows))
        ));
    } else if e.alerting.enabled {
        out.push_str("\n  Alerts: none (no window pair fits this SLO window)\n");
    } else {
        out.push_str("\n  Alerts: off\n");
    }
    for n in &e.notes {
        out.push_str(&format!("  {} {n}\n", paint(p.warning, "note:")));
    }
    out
}

/// The budget paragraph, shared with `sloop budget`.
pub(crate) fn budget_lines(b: &BudgetFigures, target: &str, p: &Palette) -> String {
    let mut out = format!(
        "  {} {}% of events may fail: {} bad events in every million",
        paint(p.bold, "Error budget:"),
        b.percent,
        number(b.bad_per_million)
    );
    out.push_str(&format!(" (target {target}% over {}).\n", b.window.to_words()));
    out.push_str(&format!("  {} {} of full outage per window.\n", paint(p.bold, "Downtime allowed:"), b.full_outage));
    if let (Some(t), Some(events), Some(bad)) = (b.traffic_per_sec, b.events_per_window, b.bad_events_per_window) {
        out.push_str(&format!(
            "  {} at {} events/s, {} events per window, of which {} may fail.\n",
            paint(p.bold, "In events:"),
            number(t),
            number(events),
            number(bad)
        ));
    }
    out
}

/// The alert table, shared with `sloop budget`.
pub(crate) fn alert_table(rows: &[AlertRow]) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header([
        "severity",
        "long window",
        "short window",
        "budget spent",
        "burn rate",
        "error rate",
        "budget lasts",
        "detects a full outage in",
    ]);
    for r in rows {
        let detect = match r.detection_secs {
            Some(s) => sloop_core::explain::duration_words(s),
            None => "never (needs > 100% errors)".into(),
        };
        t.add_row(vec![
            Cell::new(&r.severity),
            Cell::new(&r.long).set_alignment(CellAlignment::Right),
            Cell::new(&r.short).set_alignment(CellAlignment::Right),
            Cell::new(format!("{}%", number(r.budget_share_percent))).set_alignment(CellAlignment::Right),
            Cell::new(number(r.burn_rate)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{}%", number(r.error_ratio_percent))).set_alignment(CellAlignment::Right),
            Cell::new(&r.exhaustion),
            Cell::new(detect),
        ]);
    }
    t.to_string()
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

/// A number without float noise, with thousands separators for large ones.
pub(crate) fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        let s = format!("{}", x as i64);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 && c != '-' {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        let r = (x * 1e6).round() / 1e6;
        format!("{r}")
    }
}
