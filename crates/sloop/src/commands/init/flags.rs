//! The answers given as flags, checked before the first question so that a
//! bad flag fails at once (exit 2), naming the flag and saying what would be
//! valid.
//!
//! Interactively, each given answer is used once, by the first service or
//! SLO that would ask for it (the prompts take it out of [`Given`]); later
//! SLOs and services are asked. With `--yes`, [`Given::into_answers`] makes
//! the one service and SLO from them and the defaults.

use anyhow::{Result, anyhow, bail};
use sloop_core::model::{EventQuery, ProviderKind};
use sloop_core::spec::Format;
use sloop_core::{Duration, Target};

use super::answers::{
    Answers, DEFAULT_PROMETHEUS_URL, DEFAULT_WINDOW, IndicatorAnswer, Kind, ProviderAnswer, ServiceAnswers, SloAnswers,
    suggested_name,
};
use super::checks::{self, Histogram};
use crate::cli_init::{InitArgs, KindChoice, ProviderChoice, Switch};

/// Checked answers from flags; `None` where no flag was given.
#[derive(Debug, Default)]
pub(super) struct Given {
    /// `--service`.
    pub(super) service: Option<String>,
    /// `--provider`, or implied by `--prometheus-url` / `--datadog-site`.
    pub(super) provider: Option<ProviderKind>,
    /// The flag `provider` came from, to show it.
    pub(super) provider_from: &'static str,
    /// `--prometheus-url`.
    pub(super) prometheus_url: Option<String>,
    /// `--datadog-site`.
    pub(super) datadog_site: Option<String>,
    /// `--kind`, or implied by the query or histogram flags.
    pub(super) kind: Option<Kind>,
    /// The flag `kind` came from, to show it.
    pub(super) kind_from: &'static str,
    /// `--good` or `--bad`; checked against the provider once it is known.
    pub(super) events: Option<EventQuery>,
    /// `--total`; checked against the provider once it is known.
    pub(super) total: Option<String>,
    /// `--histogram`.
    pub(super) histogram: Option<Histogram>,
    /// `--threshold`, as the bucket's `le`.
    pub(super) threshold: Option<String>,
    /// `--target`.
    pub(super) target: Option<Target>,
    /// `--window`.
    pub(super) window: Option<Duration>,
    /// `--name`.
    pub(super) name: Option<String>,
    /// `--alerting`.
    pub(super) alerting: Option<bool>,
}

/// `check(value)`, or an error naming the flag and its value.
fn flag<T>(name: &str, value: &Option<String>, check: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>> {
    value.as_deref().map(|v| check(v).map_err(|why| anyhow!("{name} {v}: {why}"))).transpose()
}

impl Given {
    /// Reads and checks every answer flag.
    pub(super) fn from_args(args: &InitArgs) -> Result<Self> {
        let provider = match (args.provider, &args.prometheus_url, &args.datadog_site) {
            (Some(ProviderChoice::Datadog), Some(_), _) => {
                bail!("--prometheus-url is for --provider prometheus; for Datadog give --datadog-site")
            }
            (Some(ProviderChoice::Prometheus), _, Some(_)) => {
                bail!("--datadog-site is for --provider datadog; for Prometheus give --prometheus-url")
            }
            (Some(ProviderChoice::Prometheus), _, _) => Some((ProviderKind::Prometheus, "--provider")),
            (Some(ProviderChoice::Datadog), _, _) => Some((ProviderKind::Datadog, "--provider")),
            (None, Some(_), _) => Some((ProviderKind::Prometheus, "from --prometheus-url")),
            (None, _, Some(_)) => Some((ProviderKind::Datadog, "from --datadog-site")),
            (None, None, None) => None,
        };
        let (provider, provider_from) = provider.map_or((None, ""), |(k, from)| (Some(k), from));
        // clap keeps the two families of flags apart; --kind must agree with them.
        let latency_flags = args.histogram.is_some() || args.threshold.is_some();
        let ratio_flags = args.good.is_some() || args.bad.is_some() || args.total.is_some();
        let kind = match (args.kind, latency_flags, ratio_flags) {
            (Some(KindChoice::Availability), true, _) => {
                bail!("--histogram and --threshold describe a latency SLO, not --kind availability")
            }
            (Some(KindChoice::Latency), _, true) => {
                bail!("--good, --bad and --total describe an availability SLO, not --kind latency")
            }
            (Some(KindChoice::Availability), ..) => Some((Kind::Availability, "--kind")),
            (Some(KindChoice::Latency), ..) => Some((Kind::Latency, "--kind")),
            (None, true, _) => Some((Kind::Latency, "from --histogram and --threshold")),
            (None, false, true) => Some((Kind::Availability, "from --good, --bad or --total")),
            (None, false, false) => None,
        };
        let (kind, kind_from) = kind.map_or((None, ""), |(k, from)| (Some(k), from));
        if kind == Some(Kind::Latency) && provider == Some(ProviderKind::Datadog) {
            bail!(
                "a latency SLO reads a Prometheus histogram; on Datadog, write an availability SLO whose --good \
                 query counts the requests under the threshold"
            );
        }
        // Queries can be checked now only when the provider is known (with
        // --yes it is Prometheus unless said otherwise); the prompts check
        // them again once it has been asked.
        let known = provider.or(args.yes.then_some(ProviderKind::Prometheus));
        let query = |name: &str, value: &Option<String>| match known {
            Some(kind) => flag(name, value, |q| checks::query(kind, q)),
            None => Ok(value.as_deref().map(|q| q.trim().to_string())),
        };
        let events = match (query("--good", &args.good)?, query("--bad", &args.bad)?) {
            (Some(good), _) => Some(EventQuery::Good(good)),
            (None, Some(bad)) => Some(EventQuery::Bad(bad)),
            (None, None) => None,
        };
        let total = match (known, &args.total, &events) {
            (Some(kind), Some(total), Some(events)) => Some(total_for(kind, total, events)?),
            _ => query("--total", &args.total)?,
        };
        let alerting = args.alerting.map(|s| s == Switch::On);
        let format = args.format.format();
        if alerting == Some(false) && format != Format::Sloop {
            bail!(
                "--alerting off: {format} manifests cannot turn alerting off (read back, they get the standard \
                 alerts); write --format sloop, or leave alerting on"
            );
        }
        Ok(Self {
            service: flag("--service", &args.service, checks::name)?,
            provider,
            provider_from,
            prometheus_url: flag("--prometheus-url", &args.prometheus_url, checks::prometheus_url)?,
            datadog_site: flag("--datadog-site", &args.datadog_site, checks::datadog_site)?,
            kind,
            kind_from,
            events,
            total,
            histogram: flag("--histogram", &args.histogram, checks::histogram)?,
            threshold: flag("--threshold", &args.threshold, checks::threshold)?,
            target: flag("--target", &args.target, checks::target)?,
            window: flag("--window", &args.window, checks::window)?,
            name: flag("--name", &args.name, checks::name)?,
            alerting,
        })
    }

    /// The flags `--yes` needs that were not given: those whose questions
    /// have no sensible default (the service, the queries, the histogram).
    pub(super) fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.service.is_none() {
            missing.push("--service NAME");
        }
        match self.kind.unwrap_or(Kind::Availability) {
            Kind::Availability => {
                if self.events.is_none() {
                    missing.push("--good QUERY (or --bad QUERY)");
                }
                if self.total.is_none() {
                    missing.push("--total QUERY");
                }
            }
            Kind::Latency => {
                if self.histogram.is_none() {
                    missing.push("--histogram SELECTOR");
                }
                if self.threshold.is_none() {
                    missing.push("--threshold LATENCY");
                }
            }
        }
        missing
    }

    /// The one service and SLO of `--yes`: the flags, and the defaults for
    /// the rest. Call only when [`Given::missing`] is empty.
    pub(super) fn into_answers(self) -> Result<Answers> {
        let provider = match self.provider.unwrap_or(ProviderKind::Prometheus) {
            ProviderKind::Prometheus => ProviderAnswer::Prometheus {
                url: self.prometheus_url.unwrap_or_else(|| DEFAULT_PROMETHEUS_URL.to_string()),
            },
            ProviderKind::Datadog => ProviderAnswer::Datadog {
                site: self.datadog_site.unwrap_or_else(|| sloop_provider::DatadogConfig::DEFAULT_SITE.to_string()),
            },
        };
        let indicator = match self.kind.unwrap_or(Kind::Availability) {
            Kind::Availability => {
                let (Some(events), Some(total)) = (self.events, self.total) else {
                    bail!("--yes needs the queries: --good (or --bad) and --total");
                };
                let events = events_for(provider.kind(), events)?;
                let total = total_for(provider.kind(), &total, &events)?;
                IndicatorAnswer::Availability { events, total }
            }
            Kind::Latency => {
                let (Some(histogram), Some(le)) = (self.histogram, self.threshold) else {
                    bail!("--yes needs the histogram: --histogram and --threshold");
                };
                IndicatorAnswer::Latency { histogram, le }
            }
        };
        let Some(service) = self.service else { bail!("--yes needs --service") };
        let slo = SloAnswers {
            name: self.name.unwrap_or_else(|| suggested_name(&indicator, &[])),
            target: self.target.unwrap_or_else(|| indicator.kind().default_target()),
            window: self.window.unwrap_or(DEFAULT_WINDOW),
            alerting: self.alerting.unwrap_or(true),
            indicator,
        };
        Ok(Answers { services: vec![ServiceAnswers { name: service, provider, slos: vec![slo] }] })
    }
}

/// `--good` or `--bad` checked for the provider, naming the flag it came from.
pub(super) fn events_for(kind: ProviderKind, events: EventQuery) -> Result<EventQuery> {
    Ok(match events {
        EventQuery::Good(q) => EventQuery::Good(checks::query(kind, &q).map_err(|why| anyhow!("--good {q}: {why}"))?),
        EventQuery::Bad(q) => EventQuery::Bad(checks::query(kind, &q).map_err(|why| anyhow!("--bad {q}: {why}"))?),
    })
}

/// `--total` checked for the provider and against the other side of the ratio.
pub(super) fn total_for(kind: ProviderKind, total: &str, events: &EventQuery) -> Result<String> {
    checks::total(kind, total, events).map_err(|why| anyhow!("--total {total}: {why}"))
}
