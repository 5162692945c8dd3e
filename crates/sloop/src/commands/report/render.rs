//! The report for people: a terminal table, plain text and Markdown.
//!
//! All three show the same columns, grouped by service: a status mark, the
//! SLO, its SLI over the window against the target, the budget left (as a
//! share and as time), burn rates over 1h, 6h, 1d and 3d, the alerts firing,
//! and a trend (the budget burn-down over the window, as a sparkline).

use std::fmt::Write as _;

use comfy_table::{Cell, CellAlignment, Color, Table, presets::UTF8_FULL_CONDENSED};
use sloop_core::Duration;
use sloop_core::math::AlertState;
use sloop_core::report::{ObjectiveReport, Report, Status};

use crate::style::{Palette, paint};

const HEADERS: [&str; 11] = ["", "SLO", "SLI", "target", "budget left", "as time", "1h", "6h", "1d", "3d", "alerts"];

/// One row's cells, as plain strings.
struct Row {
    mark: &'static str,
    kind: Mark,
    cells: Vec<String>,
    trend: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Met,
    Breached,
    Alerting,
    NoData,
}

fn row(o: &ObjectiveReport) -> Row {
    let kind = match (o.status, o.firing()) {
        (Status::NoData, _) => Mark::NoData,
        (Status::Breached, _) => Mark::Breached,
        (_, Some(_)) => Mark::Alerting,
        (Status::Met, None) => Mark::Met,
    };
    let mark = match kind {
        Mark::Met => "✔",
        Mark::Breached => "✖",
        Mark::Alerting => "!",
        Mark::NoData => "·",
    };
    let name = match &o.title {
        Some(t) => format!("{} ({t})", o.name),
        None => o.name.clone(),
    };
    let decimals = decimals_for(o.target);
    let mut cells = vec![
        name,
        o.sli.map_or("no data".into(), |s| format!("{:.*}%", decimals, s * 100.0)),
        format!("{}% / {}", trim(o.target), o.window),
        o.budget.map_or("—".into(), |b| format!("{:.1}%", b.left * 100.0)),
        o.budget.map_or("—".into(), |b| signed_duration(b.left_secs)),
    ];
    cells.extend(o.burn_rates.iter().map(|b| b.rate.map_or("—".into(), |r| format!("{r:.2}"))));
    cells.push(match o.firing() {
        Some(AlertState::PageFiring) => "page".into(),
        Some(AlertState::TicketFiring) => "ticket".into(),
        _ if o.alerts.state == "disabled" => "off".into(),
        _ => String::new(),
    });
    Row { mark, kind, cells, trend: sparkline(o) }
}

/// Enough decimals to tell the SLI from the target: 99.9 → 3, 99.99 → 4.
fn decimals_for(target: f64) -> usize {
    let t = trim(target);
    t.split_once('.').map_or(2, |(_, f)| (f.len() + 1).max(2))
}

/// `99.9`, not `99.900000000001`.
fn trim(x: f64) -> String {
    let s = format!("{x:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `27m18s`, or `-5m` when overspent.
fn signed_duration(secs: f64) -> String {
    let d = Duration::from_secs(secs.abs().round() as u64);
    let s = if d.is_zero() { "0s".to_string() } else { d.to_compact() };
    if secs < -0.5 { format!("-{s}") } else { s }
}

/// The budget burn-down (or, without one, the SLI of each slice) as a line
/// of eight-level blocks; a gap where a slice has no data.
pub(crate) fn sparkline(o: &ObjectiveReport) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values: &[Option<f64>] =
        if o.trend.budget_left.iter().any(Option::is_some) { &o.trend.budget_left } else { &o.trend.sli };
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    if known.is_empty() {
        return String::new();
    }
    let (lo, hi) = known.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if hi - lo < 1e-12 => BARS[7],
            Some(v) => BARS[(((v - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize],
        })
        .collect()
}

fn by_service(report: &Report) -> Vec<(&str, Vec<&ObjectiveReport>)> {
    let mut out: Vec<(&str, Vec<&ObjectiveReport>)> = Vec::new();
    for o in &report.objectives {
        match out.iter_mut().find(|(s, _)| *s == o.service) {
            Some((_, v)) => v.push(o),
            None => out.push((&o.service, vec![o])),
        }
    }
    out
}

fn summary_line(report: &Report) -> String {
    let s = report.summary;
    format!(
        "{} SLOs at {}: {} met, {} breached, {} without data, {} alerting",
        report.objectives.len(),
        report.generated_at,
        s.met,
        s.breached,
        s.no_data,
        s.alerting
    )
}

/// A table per service, for a terminal.
pub(crate) fn table(report: &Report, p: &Palette) -> String {
    // comfy-table measures cell widths itself, so colours go through its own
    // styling (forced on or off by our palette) rather than ANSI codes in the text.
    let colour = p.ok != anstyle::Style::new();
    let mut out = String::new();
    for (service, objectives) in by_service(report) {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        if colour {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        let mut header: Vec<&str> = HEADERS.to_vec();
        header.push("trend");
        t.set_header(header);
        for o in objectives {
            let r = row(o);
            let mark = Cell::new(r.mark);
            let mark = match (colour, r.kind) {
                (false, _) => mark,
                (true, Mark::Met) => mark.fg(Color::Green),
                (true, Mark::Breached) => mark.fg(Color::Red),
                (true, Mark::Alerting) => mark.fg(Color::Yellow),
                (true, Mark::NoData) => mark.fg(Color::DarkGrey),
            };
            let mut cells = vec![mark];
            for (i, c) in r.cells.into_iter().enumerate() {
                let cell = Cell::new(c);
                cells.push(if i == 0 { cell } else { cell.set_alignment(CellAlignment::Right) });
            }
            cells.push(Cell::new(r.trend));
            t.add_row(cells);
        }
        let _ = writeln!(out, "{}\n{t}", paint(p.bold, service));
    }
    let _ = writeln!(out, "{}", paint(p.dim, summary_line(report)));
    out
}

/// Plain lines, for logs: `service/slo  status  sli …`.
pub(crate) fn text(report: &Report) -> String {
    let mut out = String::new();
    for o in &report.objectives {
        let r = row(o);
        let status = match r.kind {
            Mark::Met => "met",
            Mark::Breached => "BREACHED",
            Mark::Alerting => "ALERTING",
            Mark::NoData => "no-data",
        };
        let c = &r.cells;
        let _ = writeln!(
            out,
            "{}/{} {status} sli={} target={} budget_left={} ({}) burn_1h={} burn_6h={} burn_1d={} burn_3d={}{}",
            o.service,
            o.name,
            c[1].replace(' ', ""),
            c[2].replace(' ', ""),
            c[3],
            c[4],
            c[5],
            c[6],
            c[7],
            c[8],
            if c[9].is_empty() { String::new() } else { format!(" alerts={}", c[9]) }
        );
    }
    let _ = writeln!(out, "{}", summary_line(report));
    out
}

/// GitHub-flavoured Markdown: a heading and a table per service.
pub(crate) fn markdown(report: &Report) -> String {
    let mut out = String::from("## SLO report\n\n");
    for (service, objectives) in by_service(report) {
        let _ = writeln!(out, "### {service}\n");
        let mut header: Vec<&str> = HEADERS.to_vec();
        header[0] = "status";
        header.push("trend");
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let align: Vec<&str> = header
            .iter()
            .enumerate()
            .map(|(i, _)| if i <= 1 || i == header.len() - 1 { "---" } else { "---:" })
            .collect();
        let _ = writeln!(out, "|{}|", align.join("|"));
        for o in objectives {
            let r = row(o);
            let mark = match r.kind {
                Mark::Met => "✅ met",
                Mark::Breached => "❌ breached",
                Mark::Alerting => "⚠️ alerting",
                Mark::NoData => "➖ no data",
            };
            let cells: Vec<String> = r.cells.iter().map(|c| c.replace('|', "\\|")).collect();
            let _ = writeln!(out, "| {mark} | {} | {} |", cells.join(" | "), r.trend);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "_{}_", summary_line(report));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(decimals_for(99.9), 2);
        assert_eq!(decimals_for(99.95), 3);
        assert_eq!(decimals_for(99.0), 2);
        assert_eq!(trim(99.9), "99.9");
        assert_eq!(trim(99.0), "99");
        assert_eq!(signed_duration(1638.0), "27m18s");
        assert_eq!(signed_duration(-300.0), "-5m");
        assert_eq!(signed_duration(0.2), "0s");
    }
}
