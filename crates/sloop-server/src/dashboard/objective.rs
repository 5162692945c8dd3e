//! One objective's page: where it stands now, how it got there, and what
//! it is defined as.
//!
//! The header answers "is it OK?" (status, SLI against target, budget
//! left). The two charts answer "since when?": the SLI of each slice of the
//! window against the dashed target line, and the budget burning down
//! towards the zero line. The tables give the numbers the alerts act on,
//! and the manifest at the bottom shows exactly what was measured.

use maud::{Markup, html};
use sloop_core::report::{ObjectiveReport, Trend};

use super::page::{alert_class, alert_text, document, home, status_class};
use super::svg::{Guide, LineChart, line_chart};
use super::{Chrome, numbers};

/// One SLO: a header with status, SLI, target and budget; the SLI chart
/// and the error-budget burn-down chart over the window, drawn from
/// `history` (oldest first; when it has no points, the report's own coarse
/// trend is drawn instead); the burn-rate and alert tables; `manifest` in a
/// `<pre>`; and a link back to the list.
pub fn objective_page(chrome: &Chrome<'_>, report: &ObjectiveReport, history: &Trend, manifest: &str) -> String {
    let key = format!("{}/{}", report.service, report.name);
    let heading = report.title.as_deref().unwrap_or(&key);
    let history = if history.ends.is_empty() { &report.trend } else { history };
    let main = html! {
        nav class="back" { a id="back" href=(home(chrome)) { "← All SLOs" } }
        (header(report, &key, heading))
        (charts(report, history))
        div class="columns" {
            (burn_table(report))
            (alert_table(report))
        }
        section id="manifest-section" {
            h2 { "Manifest" }
            pre id="manifest" { code { (manifest) } }
        }
    };
    document(chrome, heading, true, main)
}

fn header(report: &ObjectiveReport, key: &str, heading: &str) -> Markup {
    let status = status_class(report.status);
    let left = report.budget.map(|b| b.left);
    html! {
        section id="slo-header" class=(format!("slo-header {status}")) data-slo=(key) {
            h1 { (heading) }
            p class="muted" {
                @if report.title.is_some() { (key) " · " }
                "window " (report.window) " · "
                (numbers::utc_full(report.window_start)) " – " (numbers::utc_full(report.window_end))
            }
            @if !report.labels.is_empty() {
                ul class="labels" {
                    @for (k, v) in &report.labels {
                        li { span class="k" { (k) } "=" span class="v" { (v) } }
                    }
                }
            }
            div class="stats" {
                div id="stat-status" class="stat" {
                    div class="label" { "Status" }
                    div class="value" { span class=(format!("badge {status}")) { (report.status.as_str()) } }
                }
                div id="stat-sli" class="stat" {
                    div class="label" { "SLI" }
                    div.value.no-data[report.sli.is_none()] { (numbers::sli(report.sli)) }
                    div class="sub" { "target " span id="target" { (numbers::target(report.target)) } }
                }
                div id="stat-budget" class="stat" {
                    div class="label" { "Error budget left" }
                    div.value.negative[left.is_some_and(|l| l < 0.0)].no-data[left.is_none()] {
                        (numbers::budget(left))
                    }
                    @if let Some(b) = report.budget {
                        div class="sub" {
                            @if b.left_secs < 0.0 {
                                "overspent by " (numbers::duration(b.left_secs)) " of full outage"
                            } @else {
                                (numbers::duration(b.left_secs)) " of full outage left"
                            }
                        }
                    }
                }
                div id="stat-exhaustion" class="stat" {
                    div class="label" { "Runs out in" }
                    @match report.budget {
                        None => div class="value no-data" { (numbers::NO_DATA) },
                        Some(b) if b.left <= 0.0 => div class="value negative" { "spent" },
                        Some(b) => {
                            @match b.exhaustion_secs {
                                Some(s) => div class="value" { (numbers::duration(s)) },
                                None => div class="value" { "not burning" },
                            }
                            div class="sub" { "at the 1h burn rate" }
                        }
                    }
                }
                div id="stat-events" class="stat" {
                    div class="label" { "Good / total" }
                    div class="value" { (numbers::count(report.good)) " / " (numbers::count(report.total)) }
                }
            }
        }
    }
}

fn charts(report: &ObjectiveReport, history: &Trend) -> Markup {
    // The axis covers the window, widened if the history reaches past it,
    // so no point is ever drawn outside the frame.
    let first = history.ends.iter().copied().min().unwrap_or(report.window_start);
    let last = history.ends.iter().copied().max().unwrap_or(report.window_end);
    let span = (report.window_start.min(first), report.window_end.max(last));
    let target = report.target / 100.0;
    let sli = LineChart {
        id: "sli-chart",
        title: "SLI per interval, against the target",
        times: &history.ends,
        values: &history.sli,
        span,
        guide: Some(Guide {
            value: target,
            class: "target",
            label: format!("target {}", numbers::target(report.target)),
        }),
        ceiling: Some(1.0),
        // Ten budgets below the target (99 % for a 99.9 % target): room
        // for a bad hour to show, while the target keeps its own height.
        floor: Some(target - 9.0 * (1.0 - target)),
    };
    let budget = LineChart {
        id: "budget-chart",
        title: "Error budget left over the window",
        times: &history.ends,
        values: &history.budget_left,
        span,
        guide: Some(Guide { value: 0.0, class: "zero", label: "budget spent".into() }),
        ceiling: Some(1.0),
        // An overspent budget falls as far as it falls, but no further than
        // ten budgets below zero.
        floor: Some(-10.0),
    };
    html! {
        section class="charts" {
            figure {
                figcaption { "SLI" span class="muted" { " · each interval on its own, UTC" } }
                (line_chart(&sli))
            }
            figure {
                figcaption { "Error budget left" span class="muted" { " · burn-down since the window started" } }
                (line_chart(&budget))
            }
        }
    }
}

fn burn_table(report: &ObjectiveReport) -> Markup {
    html! {
        section id="burn-rates" {
            h2 { "Burn rates" }
            table id="burn-table" {
                thead { tr { th { "Window" } th class="num" { "Burn rate" } } }
                tbody {
                    @for b in &report.burn_rates {
                        tr class="burn-row" data-window=(b.window) {
                            td { (b.window) }
                            td.num.hot[b.rate.is_some_and(|r| r >= 1.0)].no-data[b.rate.is_none()] {
                                (numbers::burn(b.rate))
                            }
                        }
                    }
                }
            }
            p class="muted" { "1.00 spends the whole budget exactly over the window; above it, the budget runs out early." }
        }
    }
}

fn alert_table(report: &ObjectiveReport) -> Markup {
    let state = &report.alerts.state;
    html! {
        section id="alerts" {
            h2 { "Alerts " span id="alert-state" class=(format!("badge {}", alert_class(state))) { (alert_text(state)) } }
            @if report.alerts.pairs.is_empty() {
                p class="muted" { "No alert windows." }
            } @else {
                div class="table-wrap" {
                table id="alert-table" {
                    thead {
                        tr {
                            th { "Severity" }
                            th { "Windows" }
                            th class="num" { "Threshold" }
                            th class="num" { "Long burn" }
                            th class="num" { "Short burn" }
                            th { "Firing" }
                        }
                    }
                    tbody {
                        @for p in &report.alerts.pairs {
                            tr.alert-row.firing[p.firing] data-severity=(p.severity) data-long=(p.long) {
                                td { (p.severity) }
                                td { (p.long) " / " (p.short) }
                                td class="num" { (numbers::burn(Some(p.threshold))) }
                                td.num.hot[reaches(p.long_burn, p.threshold)].no-data[p.long_burn.is_none()] {
                                    (numbers::burn(p.long_burn))
                                }
                                td.num.hot[reaches(p.short_burn, p.threshold)].no-data[p.short_burn.is_none()] {
                                    (numbers::burn(p.short_burn))
                                }
                                td { @if p.firing { strong { "firing" } } @else { "no" } }
                            }
                        }
                    }
                }
                }
            }
        }
    }
}

/// Whether a burn rate is at or over a pair's threshold (highlighted even
/// when the other window keeps the pair from firing).
fn reaches(burn: Option<f64>, threshold: f64) -> bool {
    burn.is_some_and(|b| b >= threshold)
}
