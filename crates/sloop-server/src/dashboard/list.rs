//! The SLO list: every objective on one screen, the most urgent first.
//!
//! "Most urgent" is the least error budget left: an overspent objective
//! (negative budget) comes before one about to run out, which comes before
//! a healthy one. Objectives without data go last, since there is nothing
//! to act on yet; ties keep a stable service/name order so rows do not
//! shuffle between refreshes.

use maud::{Markup, html};
use sloop_core::report::{BURN_WINDOWS, ObjectiveReport, Report, Summary};

use super::page::{alert_class, alert_text, document, slo_href, status_class};
use super::{Chrome, numbers};

/// The SLO list, sorted by budget left (least first; no data last), with
/// status, SLI against target, budget left, burn rates (1h 6h 1d 3d) and
/// alert state; each row links to `{base}/slo/{service}/{name}`. Above it,
/// the summary counts. Without objectives it says how to add some.
pub fn list_page(chrome: &Chrome<'_>, report: &Report) -> String {
    let main = html! {
        div class="title-row" {
            h1 { "Service level objectives" }
            p class="muted" {
                "As of " time id="generated-at" datetime=(report.generated_at) { (numbers::utc_full(report.end)) }
            }
        }
        (summary(&report.summary))
        @if report.objectives.is_empty() {
            (empty_state())
        } @else {
            (table(chrome, &by_budget_left(&report.objectives)))
        }
    };
    document(chrome, "SLOs", true, main)
}

/// The objectives in the order the list shows them.
pub(super) fn by_budget_left(objectives: &[ObjectiveReport]) -> Vec<&ObjectiveReport> {
    let mut sorted: Vec<&ObjectiveReport> = objectives.iter().collect();
    sorted.sort_by(|a, b| {
        let left = |o: &ObjectiveReport| o.budget.map(|b| b.left);
        // `None` sorts after every number: `(true, _)` > `(false, _)`.
        let key = |o| (left(o).is_none(), left(o).unwrap_or(0.0));
        let (a_key, b_key) = (key(a), key(b));
        a_key
            .0
            .cmp(&b_key.0)
            .then(a_key.1.total_cmp(&b_key.1))
            .then_with(|| (&a.service, &a.name).cmp(&(&b.service, &b.name)))
    });
    sorted
}

fn summary(s: &Summary) -> Markup {
    let counts = [
        ("summary-met", "status-met", s.met, "met"),
        ("summary-breached", "status-breached", s.breached, "breached"),
        ("summary-no-data", "status-no-data", s.no_data, "no data"),
        ("summary-alerting", "alerting", s.alerting, "alerting"),
    ];
    html! {
        section id="summary" class="summary" {
            @for (id, class, n, label) in counts {
                div id=(id) class=(format!("count {class}")) data-count=(n) {
                    span class="n" { (n) } " " span class="label" { (label) }
                }
            }
        }
    }
}

fn empty_state() -> Markup {
    html! {
        section id="empty-state" class="panel" {
            h2 { "No objectives yet" }
            p { "This server measures the objectives it has been given. Send it a manifest:" }
            pre { code { "sloop sync -f slos.yaml --server URL" } }
            p class="muted" { "They show up here after the next measurement." }
        }
    }
}

fn table(chrome: &Chrome<'_>, objectives: &[&ObjectiveReport]) -> Markup {
    html! {
        div class="table-wrap" {
            table id="slo-table" {
                thead {
                    tr {
                        th { "SLO" }
                        th { "Status" }
                        th class="num" { "SLI" }
                        th class="num" { "Target" }
                        th class="num" { "Budget left" }
                        @for w in BURN_WINDOWS {
                            th class="num" title="burn rate: 1.00 spends the budget exactly over the window" {
                                "Burn " (w.to_compact())
                            }
                        }
                        th { "Alerts" }
                    }
                }
                tbody {
                    @for o in objectives {
                        (row(chrome, o))
                    }
                }
            }
        }
    }
}

fn row(chrome: &Chrome<'_>, o: &ObjectiveReport) -> Markup {
    let key = format!("{}/{}", o.service, o.name);
    let left = o.budget.map(|b| b.left);
    let status = status_class(o.status);
    html! {
        tr.slo-row.(status) data-slo=(key) {
            td class="c-slo" {
                a href=(slo_href(chrome, &o.service, &o.name)) { (o.title.as_deref().unwrap_or(&key)) }
                @if o.title.is_some() {
                    div class="sub" { (key) }
                }
            }
            td class="c-status" { span class=(format!("badge {status}")) { (o.status.as_str()) } }
            td.num.c-sli.no-data[o.sli.is_none()] { (numbers::sli(o.sli)) }
            td class="num c-target" { (numbers::target(o.target)) }
            td.num.c-budget.negative[left.is_some_and(|l| l < 0.0)].no-data[left.is_none()] {
                (numbers::budget(left))
            }
            @for w in BURN_WINDOWS {
                @let window = w.to_compact();
                @let rate = o.burn_rates.iter().find(|b| b.window == window).and_then(|b| b.rate);
                td.num.c-burn.hot[rate.is_some_and(|r| r >= 1.0)].no-data[rate.is_none()] data-window=(window) {
                    (numbers::burn(rate))
                }
            }
            td class="c-alert" {
                span class=(format!("badge {}", alert_class(&o.alerts.state))) { (alert_text(&o.alerts.state)) }
            }
        }
    }
}
