//! `sloop report --watch`: a full-screen view that refreshes itself.
//!
//! The top half lists every SLO (↑/↓ or j/k select); the bottom half shows the
//! selected one: its error budget burn-down over the window as a chart, and
//! its alert pairs with their burn rates. `q` or Esc quits, `r` refreshes now.
//!
//! Drawing ([`draw`]) is a pure function of the report and the selection, so
//! tests render it into ratatui's `TestBackend` and read the screen back.

use std::time::{Duration, Instant};

use anyhow::Result;
use ratatui::Frame;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table, TableState};
use sloop_core::report::{ObjectiveReport, Report, Status};

/// What the view shows between frames.
#[derive(Debug)]
pub(crate) struct View {
    pub(crate) report: Option<Report>,
    pub(crate) error: Option<String>,
    pub(crate) selected: usize,
    pub(crate) refresh: Duration,
}

/// Runs the view until `q`; `compute(now)` makes a fresh report.
pub(crate) fn run(compute: &dyn Fn(i64) -> Result<Report>, refresh: Duration) -> Result<()> {
    let mut terminal = ratatui::try_init()?;
    let result = (|| -> Result<()> {
        let mut view = View { report: None, error: None, selected: 0, refresh };
        let mut last = None::<Instant>;
        loop {
            if last.is_none_or(|t| t.elapsed() >= refresh) {
                match compute(sloop_server::agent::now_unix()) {
                    Ok(r) => {
                        view.report = Some(r);
                        view.error = None;
                    }
                    Err(e) => view.error = Some(format!("{e:#}")),
                }
                last = Some(Instant::now());
            }
            terminal.draw(|f| draw(f, &view))?;
            if event::poll(Duration::from_millis(200))?
                && let Event::Key(k) = event::read()?
                && k.kind == KeyEventKind::Press
            {
                let n = view.report.as_ref().map_or(0, |r| r.objectives.len());
                match k.code {
                    KeyCode::Char('q') | KeyCode::Esc => return Ok(()),
                    KeyCode::Down | KeyCode::Char('j') if n > 0 => view.selected = (view.selected + 1) % n,
                    KeyCode::Up | KeyCode::Char('k') if n > 0 => view.selected = (view.selected + n - 1) % n,
                    KeyCode::Char('r') => last = None,
                    _ => {}
                }
            }
        }
    })();
    ratatui::restore();
    result
}

fn status_style(o: &ObjectiveReport) -> (&'static str, Style) {
    match (o.status, o.firing()) {
        (Status::NoData, _) => ("·", Style::default().fg(Color::DarkGray)),
        (Status::Breached, _) => ("✖", Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)),
        (_, Some(_)) => ("!", Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
        _ => ("✔", Style::default().fg(Color::Green)),
    }
}

fn pct(x: Option<f64>, decimals: usize) -> String {
    x.map_or("—".into(), |v| format!("{:.*}%", decimals, v * 100.0))
}

/// Draws the whole screen.
pub(crate) fn draw(f: &mut Frame<'_>, view: &View) {
    let [top, bottom, footer] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Min(8), Constraint::Length(1)]).areas(f.area());
    let help = format!("q quit · ↑↓ select · r refresh · every {}s", view.refresh.as_secs());
    let footer_text = match (&view.error, &view.report) {
        (Some(e), _) => Line::from(Span::styled(format!("error: {e}  ({help})"), Style::default().fg(Color::Red))),
        (None, Some(r)) => Line::from(format!(
            "{} met · {} breached · {} no data · {} alerting — {} — {help}",
            r.summary.met, r.summary.breached, r.summary.no_data, r.summary.alerting, r.generated_at
        )),
        (None, None) => Line::from(format!("loading… ({help})")),
    };
    f.render_widget(Paragraph::new(footer_text), footer);
    let Some(report) = &view.report else { return };
    let selected = view.selected.min(report.objectives.len().saturating_sub(1));

    let rows = report.objectives.iter().map(|o| {
        let (mark, style) = status_style(o);
        let mut cells = vec![
            Cell::from(Span::styled(mark, style)),
            Cell::from(format!("{}/{}", o.service, o.name)),
            Cell::from(pct(o.sli, 3)),
            Cell::from(format!("{}%", o.target)),
            Cell::from(o.budget.map_or("—".into(), |b| format!("{:.1}%", b.left * 100.0))),
        ];
        cells.extend(o.burn_rates.iter().map(|b| Cell::from(b.rate.map_or("—".into(), |r| format!("{r:.2}")))));
        cells.push(Cell::from(o.firing().map_or("", |a| a.as_str())));
        Row::new(cells)
    });
    let widths = [
        Constraint::Length(2),
        Constraint::Min(20),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(11),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(7),
    ];
    let header = Row::new(["", "SLO", "SLI", "target", "budget left", "1h", "6h", "1d", "3d", "alerts"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(" SLOs "))
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED));
    let mut state = TableState::default().with_selected(Some(selected));
    f.render_stateful_widget(table, top, &mut state);

    if let Some(o) = report.objectives.get(selected) {
        let [chart_area, alerts_area] =
            Layout::horizontal([Constraint::Percentage(65), Constraint::Percentage(35)]).areas(bottom);
        burn_down(f, chart_area, o);
        alert_table(f, alerts_area, o);
    }
}

/// The budget left over the window, from 100 % down.
fn burn_down(f: &mut Frame<'_>, area: Rect, o: &ObjectiveReport) {
    let points: Vec<(f64, f64)> = o
        .trend
        .ends
        .iter()
        .zip(&o.trend.budget_left)
        .filter_map(|(t, v)| v.map(|v| ((*t - o.window_start) as f64 / 3600.0, v * 100.0)))
        .collect();
    let hours = (o.window_end - o.window_start) as f64 / 3600.0;
    let lowest = points.iter().map(|p| p.1).fold(0.0_f64, f64::min).floor();
    let title = format!(" {}/{}: error budget burn-down over {} ", o.service, o.name, o.window);
    let data = [Dataset::default()
        .name("budget left %")
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(Style::default().fg(if lowest < 0.0 { Color::Red } else { Color::Cyan }))
        .data(&points)];
    let chart = Chart::new(data.to_vec())
        .block(Block::default().borders(Borders::ALL).title(title))
        .x_axis(Axis::default().title("hours into the window").bounds([0.0, hours.max(1.0)]).labels([
            "0".to_string(),
            format!("{:.0}", hours / 2.0),
            format!("{hours:.0}"),
        ]))
        .y_axis(Axis::default().title("%").bounds([lowest.min(0.0), 100.0]).labels([
            format!("{:.0}", lowest.min(0.0)),
            "50".into(),
            "100".into(),
        ]));
    f.render_widget(chart, area);
}

fn alert_table(f: &mut Frame<'_>, area: Rect, o: &ObjectiveReport) {
    let rows = o.alerts.pairs.iter().map(|p| {
        let style = if p.firing { Style::default().fg(Color::Red) } else { Style::default() };
        Row::new([
            p.severity.clone(),
            format!("{}/{}", p.long, p.short),
            format!("{:.1}", p.threshold),
            p.long_burn.map_or("—".into(), |b| format!("{b:.2}")),
            p.short_burn.map_or("—".into(), |b| format!("{b:.2}")),
            if p.firing { "FIRING".into() } else { String::new() },
        ])
        .style(style)
    });
    let widths = [
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let table = Table::new(rows, widths)
        .header(
            Row::new(["tier", "windows", "thr", "long", "short", ""])
                .style(Style::default().add_modifier(Modifier::BOLD)),
        )
        .block(Block::default().borders(Borders::ALL).title(format!(" alerts: {} ", o.alerts.state)));
    f.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use sloop_core::math::Counts;
    use sloop_core::source::SourceFile;

    use super::*;

    #[test]
    fn the_screen_shows_every_slo_and_the_selected_burn_down() {
        let yaml = "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: avail\n    target: 99.9\n    window: 30d\n    \
                    ratio:\n      bad: sum(rate(e[{{.window}}]))\n      total: sum(rate(t[{{.window}}]))\n  \
                    - name: quiet\n    target: 99\n    window: 7d\n    \
                    ratio:\n      bad: sum(rate(e[{{.window}}]))\n      total: sum(rate(t[{{.window}}]))\n";
        let objectives = sloop_core::spec::load(&[SourceFile::new("t.yaml", yaml)]).unwrap().manifest.objectives;
        let end = 1_795_262_400;
        // 1 bad in 2,000 everywhere, for the first SLO: half its budget left.
        let avail = sloop_core::report::build(&objectives[0], end, &|a, b| {
            let total = (b - a) as f64;
            Some(Counts::from_bad(total / 2000.0, total).unwrap())
        });
        let quiet = sloop_core::report::build(&objectives[1], end, &|_, _| Some(Counts::ZERO));
        let report = sloop_core::report::assemble(end, vec![avail, quiet]);
        let view = View { report: Some(report), error: None, selected: 0, refresh: Duration::from_secs(5) };
        let mut terminal = Terminal::new(TestBackend::new(120, 32)).unwrap();
        terminal.draw(|f| draw(f, &view)).unwrap();
        let screen: String = terminal
            .backend()
            .buffer()
            .content()
            .chunks(120)
            .map(|line| line.iter().map(|c| c.symbol()).collect::<String>() + "\n")
            .collect();
        assert!(screen.contains("web/avail"), "{screen}");
        assert!(screen.contains("web/quiet"), "{screen}");
        assert!(screen.contains("99.950%"), "{screen}");
        assert!(screen.contains("50.0%"), "half the budget left:\n{screen}");
        assert!(screen.contains("burn-down over 30d"), "{screen}");
        assert!(screen.contains("1 met · 0 breached · 1 no data"), "{screen}");
    }
}
