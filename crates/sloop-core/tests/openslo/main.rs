//! OpenSLO v1 reader and writer, through `spec::load` and `spec::write`.
//! Shared helpers live here; the tests are in `read`, `errors` and `write`.

use sloop_core::Diagnostic;
use sloop_core::alerting::{AlertPolicy, BurnRateWindow, Severity, TierPolicy};
use sloop_core::duration::Duration;
use sloop_core::model::{
    BudgetingMethod, CalendarUnit, CalendarWindow, Comparison, EventQuery, Indicator, Labels, LatencyIndicator,
    LatencyTotal, Manifest, Objective, ProviderKind, ProviderRef, RatioIndicator, RawIndicator, RawMeasure,
    SelectorIndicator, Service, ThresholdIndicator, TimeWindow,
};
use sloop_core::source::SourceFile;
use sloop_core::spec::{self, Format, Loaded, Loss, field};
use sloop_core::target::Target;

const EXAMPLES: [&str; 6] = [
    "ratio-referenced-sli.yaml",
    "calendar-timeslices.yaml",
    "datadog-ratio.yaml",
    "threshold-metric.yaml",
    "raw-ratio-timeslices.yaml",
    "alerting.yaml",
];

fn example(name: &str) -> SourceFile {
    let path = format!("{}/../../examples/openslo/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    SourceFile::new(name, text)
}

fn load(files: &[SourceFile]) -> Loaded {
    match spec::load(files) {
        Ok(l) => l,
        Err(sloop_core::Error::Invalid { diagnostics }) => {
            panic!("{}", diagnostics.iter().map(ToString::to_string).collect::<String>())
        }
        Err(e) => panic!("{e}"),
    }
}

fn load_one(name: &str, text: &str) -> Loaded {
    load(&[SourceFile::new(name, text)])
}

/// The diagnostics of a load that must fail.
fn diagnostics(files: &[SourceFile]) -> Vec<Diagnostic> {
    match spec::load(files) {
        Ok(l) => panic!("expected errors, loaded {:#?}", l.manifest),
        Err(sloop_core::Error::Invalid { diagnostics }) => diagnostics,
        Err(e) => panic!("{e}"),
    }
}

fn errors_of(text: &str) -> Vec<Diagnostic> {
    diagnostics(&[SourceFile::new("slo.yaml", text)]).into_iter().filter(Diagnostic::is_error).collect()
}

/// (line, column, field, message, hint) of a diagnostic.
fn parts(d: &Diagnostic) -> (usize, usize, &str, &str, Option<&str>) {
    (d.line, d.column, d.field.as_str(), d.message.as_str(), d.hint.as_deref())
}

fn days(d: u64) -> Duration {
    Duration::from_days(d)
}

fn target(fraction: &str) -> Target {
    Target::from_fraction_str(fraction).unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn prom_ratio(name: Option<&str>, events: EventQuery, total: &str) -> Indicator {
    Indicator::Ratio(RatioIndicator {
        provider: ProviderRef { kind: ProviderKind::Prometheus, name: name.map(str::to_string) },
        events,
        total: total.into(),
    })
}

/// An objective with the defaults of an OpenSLO SLO: occurrences, standard alerting.
fn objective(name: &str, service: &str, indicator: Indicator, t: &str, window: TimeWindow) -> Objective {
    Objective {
        name: name.into(),
        display_name: None,
        service: service.into(),
        description: None,
        labels: Labels::new(),
        indicator,
        target: target(t),
        alerting: AlertPolicy::standard(window.nominal_length()).0,
        window,
        budgeting: BudgetingMethod::Occurrences,
        runbook_url: None,
        traffic: None,
    }
}

const CHECKOUT_GOOD: &str = r#"sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{.window}}]))"#;
const CHECKOUT_TOTAL: &str = r#"sum(rate(http_requests_total{job="checkout"}[{{.window}}]))"#;

fn checkout_objective() -> Objective {
    let mut o = objective(
        "checkout-availability",
        "checkout",
        prom_ratio(Some("prometheus-main"), EventQuery::Good(CHECKOUT_GOOD.into()), CHECKOUT_TOTAL),
        "0.999",
        TimeWindow::rolling(days(28)),
    );
    o.display_name = Some("Checkout availability".into());
    o.description = Some("99.9% of checkout requests succeed".into());
    o.labels = labels(&[("tier", "1"), ("tags", "payments,critical-path")]);
    o.runbook_url = Some("https://runbooks.example.com/checkout".into());
    o
}

const SLI_DOC: &str = r#"apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-good-requests
spec:
  ratioMetric:
    good:
      metricSource:
        metricSourceRef: prometheus-main
        spec:
          query: sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{.window}}]))
    total:
      metricSource:
        metricSourceRef: prometheus-main
        spec:
          query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
"#;

const DATA_SOURCE_DOC: &str =
    "apiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: prometheus-main\nspec:\n  type: prometheus\n";

/// An SLO for checkout; `indicator` is the text under `spec:` that says what it measures.
fn checkout_slo(indicator: &str) -> String {
    format!(
        "apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  displayName: Checkout availability
  labels:
    tier: \"1\"
    tags: [payments, critical-path]
  annotations:
    runbook_url: https://runbooks.example.com/checkout
spec:
  description: 99.9% of checkout requests succeed
  service: checkout
{indicator}  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
"
    )
}

mod errors;
mod read;
mod write;
