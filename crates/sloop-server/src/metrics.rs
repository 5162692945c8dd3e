//! `/metrics`: the SLOs a server feeds, in Prometheus' text format, so
//! Grafana can chart them next to everything else; and the server's own
//! counters.
//!
//! Every SLO sample carries `tenant`, `service`, `slo` and `window`. An SLO
//! without events in its window has no `sloop_slo_sli` or budget sample (a
//! missing sample, not a made-up 100 %), and `sloop_slo_has_data 0`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sloop_core::report::Report;

/// The names of the metrics, in one place.
pub mod names {
    /// The SLI over the SLO window.
    pub const SLI: &str = "sloop_slo_sli";
    /// The objective's target.
    pub const TARGET: &str = "sloop_slo_target";
    /// The share of the error budget left (negative when breached).
    pub const BUDGET_REMAINING: &str = "sloop_slo_error_budget_remaining";
    /// The burn rate over one of the report's windows.
    pub const BURN_RATE: &str = "sloop_slo_burn_rate";
    /// Whether an alert pair's condition holds (1) or not (0).
    pub const ALERT_FIRING: &str = "sloop_slo_alert_firing";
    /// Events counted over the SLO window.
    pub const EVENTS: &str = "sloop_slo_events";
    /// Whether the SLO window has events.
    pub const HAS_DATA: &str = "sloop_slo_has_data";
    /// Indicators stored since the server started.
    pub const INGESTED: &str = "sloop_indicators_ingested_total";
    /// HTTP responses since the server started, by status code.
    pub const RESPONSES: &str = "sloop_http_responses_total";
}

/// The server's own counters.
#[derive(Debug, Default)]
pub struct ServerMetrics {
    ingested: AtomicU64,
    responses: Mutex<BTreeMap<u16, u64>>,
}

impl ServerMetrics {
    /// Counts stored indicators.
    pub fn ingested(&self, n: u64) {
        self.ingested.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a response.
    pub fn responded(&self, status: u16) {
        let mut r = self.responses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *r.entry(status).or_default() += 1;
    }

    fn render(&self, out: &mut String) {
        header(out, names::INGESTED, "counter", "Indicators stored since the server started.");
        let _ = writeln!(out, "{} {}", names::INGESTED, self.ingested.load(Ordering::Relaxed));
        header(out, names::RESPONSES, "counter", "HTTP responses since the server started, by status code.");
        let r = self.responses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (code, n) in r.iter() {
            let _ = writeln!(out, "{}{{code=\"{code}\"}} {n}", names::RESPONSES);
        }
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A label value, escaped as the text format wants.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A sample line: `name{labels} value`.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    out.push('{');
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{k}=\"{}\"", escape(v));
    }
    out.push_str("} ");
    if value.is_finite() {
        let _ = write!(out, "{value}");
    } else if value.is_nan() {
        out.push_str("NaN");
    } else {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
    }
    out.push('\n');
}

/// The exposition of the reports of each tenant, and the server's counters.
pub fn render(reports: &[(String, Report)], server: &ServerMetrics) -> String {
    let mut out = String::new();
    type Gauge = fn(&sloop_core::report::ObjectiveReport, &mut dyn FnMut(&[(&str, &str)], f64));
    let gauges: [(&str, &str, Gauge); 7] = [
        (names::SLI, "The SLI over the SLO window: good / total events.", |o, emit| {
            if let Some(sli) = o.sli {
                emit(&[], sli);
            }
        }),
        (names::TARGET, "The objective's target, as a fraction.", |o, emit| emit(&[], o.target / 100.0)),
        (
            names::BUDGET_REMAINING,
            "The share of the error budget left; negative when the SLO is breached.",
            |o, emit| {
                if let Some(b) = &o.budget {
                    emit(&[], b.left);
                }
            },
        ),
        (names::BURN_RATE, "The burn rate over burn_window: (1 - SLI) / (1 - target).", |o, emit| {
            for b in &o.burn_rates {
                if let Some(rate) = b.rate {
                    emit(&[("burn_window", &b.window)], rate);
                }
            }
        }),
        (names::ALERT_FIRING, "Whether a multi-window burn-rate alert fires (1) or not (0).", |o, emit| {
            for p in &o.alerts.pairs {
                emit(
                    &[("severity", &p.severity), ("long", &p.long), ("short", &p.short)],
                    f64::from(u8::from(p.firing)),
                );
            }
        }),
        (names::EVENTS, "Events over the SLO window, by kind (good or total).", |o, emit| {
            emit(&[("kind", "good")], o.good);
            emit(&[("kind", "total")], o.total);
        }),
        (names::HAS_DATA, "Whether the SLO window has events (1) or not (0).", |o, emit| {
            emit(&[], f64::from(u8::from(o.sli.is_some())));
        }),
    ];
    for (name, help, gauge) in gauges {
        header(&mut out, name, "gauge", help);
        for (tenant, report) in reports {
            for o in &report.objectives {
                let base =
                    [("tenant", tenant.as_str()), ("service", &o.service), ("slo", &o.name), ("window", &o.window)];
                gauge(o, &mut |extra, value| {
                    let labels: Vec<(&str, &str)> = base.iter().copied().chain(extra.iter().copied()).collect();
                    sample(&mut out, name, &labels, value);
                });
            }
        }
    }
    server.render(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_infinities_spelled() {
        let mut out = String::new();
        sample(&mut out, "m", &[("a", "x\"y\\z\nw")], f64::INFINITY);
        assert_eq!(out, "m{a=\"x\\\"y\\\\z\\nw\"} +Inf\n");
    }
}
