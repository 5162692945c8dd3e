//! The answers of `sloop init`, whatever format they will be written in, and
//! the model manifest they make.
//!
//! Prompts and flags both end here; [`Answers::manifest`] turns the answers
//! into sloop-core's [`Manifest`], which each format's writer then writes (see
//! `output`). The answers hold checked values only (a [`Target`], a
//! [`Duration`], checked queries), so building the model cannot fail.

use sloop_core::alerting::AlertPolicy;
use sloop_core::model::{
    BudgetingMethod, EventQuery, Indicator, LatencyIndicator, LatencyTotal, Manifest, Objective, ProviderKind,
    ProviderRef, RatioIndicator, Service, TimeWindow,
};
use sloop_core::{Duration, Target};

use super::checks::{self, Histogram};

/// Where the wizard suggests Prometheus is.
pub(super) const DEFAULT_PROMETHEUS_URL: &str = "http://localhost:9090";

/// The window suggested first.
pub(super) const DEFAULT_WINDOW: Duration = Duration::from_days(30);

/// The windows offered by name, in the order shown.
pub(super) const WINDOWS: [Duration; 5] = [
    Duration::from_days(30),
    Duration::from_days(28),
    Duration::from_days(7),
    Duration::from_days(1),
    Duration::from_hours(1),
];

/// Everything answered: one or more services, each with one or more SLOs.
#[derive(Debug, Clone)]
pub(super) struct Answers {
    /// In the order asked.
    pub(super) services: Vec<ServiceAnswers>,
}

/// One service.
#[derive(Debug, Clone)]
pub(super) struct ServiceAnswers {
    /// Its name.
    pub(super) name: String,
    /// Where its metrics are.
    pub(super) provider: ProviderAnswer,
    /// Its SLOs, in the order asked.
    pub(super) slos: Vec<SloAnswers>,
}

/// Where a service's metrics are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ProviderAnswer {
    /// A Prometheus-compatible API at this base URL.
    Prometheus {
        /// `http://localhost:9090`.
        url: String,
    },
    /// Datadog, on this site.
    Datadog {
        /// `datadoghq.com`, `datadoghq.eu`...
        site: String,
    },
}

impl ProviderAnswer {
    /// The query language.
    pub(super) fn kind(&self) -> ProviderKind {
        match self {
            ProviderAnswer::Prometheus { .. } => ProviderKind::Prometheus,
            ProviderAnswer::Datadog { .. } => ProviderKind::Datadog,
        }
    }

    /// "Prometheus at http://localhost:9090", "Datadog (datadoghq.eu)".
    pub(super) fn describe(&self) -> String {
        match self {
            ProviderAnswer::Prometheus { url } => format!("Prometheus at {url}"),
            ProviderAnswer::Datadog { site } => format!("Datadog ({site})"),
        }
    }
}

/// What an SLO measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Good (or bad) events over total events.
    Availability,
    /// Requests under a threshold, from a histogram.
    Latency,
}

impl Kind {
    /// The target suggested for the kind: latency SLOs are usually looser.
    pub(super) fn default_target(self) -> Target {
        let percent = match self {
            Kind::Availability => "99.9",
            Kind::Latency => "99",
        };
        // Both are constants strictly between 0 and 100.
        Target::from_percent_str(percent).unwrap_or_else(|_| unreachable!("{percent} is a valid target"))
    }
}

/// One SLO.
#[derive(Debug, Clone)]
pub(super) struct SloAnswers {
    /// Unique within its service.
    pub(super) name: String,
    /// What is measured.
    pub(super) indicator: IndicatorAnswer,
    /// The target.
    pub(super) target: Target,
    /// The rolling window.
    pub(super) window: Duration,
    /// Whether it alerts on fast and slow burns.
    pub(super) alerting: bool,
}

/// What an SLO measures, as answered.
#[derive(Debug, Clone)]
pub(super) enum IndicatorAnswer {
    /// Two checked queries.
    Availability {
        /// The good or the bad events.
        events: EventQuery,
        /// All events.
        total: String,
    },
    /// A histogram and the bucket of the threshold.
    Latency {
        /// The histogram.
        histogram: Histogram,
        /// The threshold as its bucket's `le` label: `"0.2"`.
        le: String,
    },
}

impl IndicatorAnswer {
    /// The kind of SLO.
    pub(super) fn kind(&self) -> Kind {
        match self {
            IndicatorAnswer::Availability { .. } => Kind::Availability,
            IndicatorAnswer::Latency { .. } => Kind::Latency,
        }
    }
}

/// The name suggested for an SLO: `availability`, `latency-200ms`, with
/// `-2`, `-3`... added when the service already has an SLO of that name.
pub(super) fn suggested_name(indicator: &IndicatorAnswer, taken: &[String]) -> String {
    let base = match indicator {
        IndicatorAnswer::Availability { .. } => "availability".to_string(),
        IndicatorAnswer::Latency { le, .. } => format!("latency-{}", checks::threshold_label(le)),
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

impl Answers {
    /// The model manifest: one service per answered service, one objective
    /// per SLO, counted by occurrences, with the standard multi-window
    /// multi-burn-rate alerting fitted to its window (or alerting off).
    pub(super) fn manifest(&self) -> Manifest {
        let mut m = Manifest::default();
        for s in &self.services {
            m.services.push(Service::named(s.name.clone()));
            let provider = ProviderRef { kind: s.provider.kind(), name: None };
            for slo in &s.slos {
                m.objectives.push(objective(&s.name, &provider, slo));
            }
        }
        m
    }
}

/// One objective of the model from an SLO's answers.
fn objective(service: &str, provider: &ProviderRef, slo: &SloAnswers) -> Objective {
    let indicator = match &slo.indicator {
        IndicatorAnswer::Availability { events, total } => Indicator::Ratio(RatioIndicator {
            provider: provider.clone(),
            events: events.clone(),
            total: total.clone(),
        }),
        IndicatorAnswer::Latency { histogram, le } => Indicator::Latency(LatencyIndicator {
            provider: provider.clone(),
            metric: histogram.metric.clone(),
            matchers: histogram.matchers.clone(),
            threshold: le.clone(),
            // The `_count` series, as every histogram has it and sloop's format defaults to it.
            total: LatencyTotal::Count,
            buckets: None,
        }),
    };
    let alerting = if slo.alerting { AlertPolicy::standard(slo.window).0 } else { AlertPolicy::disabled(slo.window) };
    Objective {
        name: slo.name.clone(),
        display_name: None,
        service: service.to_string(),
        description: None,
        labels: Default::default(),
        indicator,
        target: slo.target,
        window: TimeWindow::rolling(slo.window),
        budgeting: BudgetingMethod::Occurrences,
        alerting,
        runbook_url: None,
        traffic: None,
    }
}
