//! The questions of `sloop init`, asked with inquire on the terminal.
//!
//! Each question first looks for its answer among the flags ([`Given`]):
//! a given answer is shown as answered and not asked. Typed answers go
//! through the same checks as flags ([`checks`]) as inquire validators, so a
//! wrong answer is asked again with the reason under it. Esc or Ctrl-C at any
//! question ends the wizard with [`Interrupted`] before anything is written.

use std::fmt;

use anyhow::{Result, anyhow};
use inquire::ui::{RenderConfig, Styled};
use inquire::validator::Validation;
use inquire::{Confirm, InquireError, Select, Text};
use sloop_core::Duration;
use sloop_core::model::{EventQuery, ProviderKind};
use sloop_core::spec::Format;
use sloop_provider::DatadogConfig;

use super::answers::{
    Answers, DEFAULT_PROMETHEUS_URL, IndicatorAnswer, Kind, ProviderAnswer, ServiceAnswers, SloAnswers, WINDOWS,
    suggested_name,
};
use super::checks;
use super::flags::{Given, events_for, total_for};
use crate::style::{Palette, paint};

/// The wizard was left with Esc or Ctrl-C.
#[derive(Debug)]
pub(super) struct Interrupted;

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// Colours for the prompts: inquire's own, or none when sloop's own output
/// has none (`--color never`, `NO_COLOR`, standard output not a terminal).
pub(super) fn set_colours(p: &Palette) {
    let plain = p.bold == anstyle::Style::new();
    let config = if plain { RenderConfig::empty() } else { RenderConfig::default_colored() };
    inquire::set_global_render_config(config.with_answered_prompt_prefix(Styled::new(">")));
}

/// A prompt's result, with Esc and Ctrl-C turned into [`Interrupted`].
fn asked<T>(result: Result<T, InquireError>) -> Result<T> {
    match result {
        Ok(v) => Ok(v),
        Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => Err(Interrupted.into()),
        Err(e) => Err(anyhow!("cannot ask on this terminal: {e}")),
    }
}

/// Asks for text until `check` accepts it, showing its message under the
/// prompt when it does not.
fn text<T>(
    message: &str,
    help: &str,
    default: Option<&str>,
    placeholder: Option<&str>,
    check: impl Fn(&str) -> Result<T, String> + Clone + 'static,
) -> Result<T> {
    let validate = check.clone();
    let validator = move |input: &str| {
        Ok::<_, inquire::CustomUserError>(match validate(input) {
            Ok(_) => Validation::Valid,
            Err(why) => Validation::Invalid(why.into()),
        })
    };
    let mut prompt = Text::new(message).with_help_message(help).with_validator(validator);
    if let Some(d) = default {
        prompt = prompt.with_default(d);
    }
    if let Some(p) = placeholder {
        prompt = prompt.with_placeholder(p);
    }
    let answer = asked(prompt.prompt())?;
    // inquire does not validate an accepted default; the defaults offered are valid, but say so if one is not.
    check(&answer).map_err(|why| anyhow!("{message} {answer}: {why}"))
}

/// A yes/no question.
fn confirm(message: &str, default: bool, help: &str) -> Result<bool> {
    asked(Confirm::new(message).with_default(default).with_help_message(help).prompt())
}

/// One option of a list: what is shown, and what it means.
struct Choice<T> {
    /// The text in the list.
    label: String,
    /// What picking it answers.
    value: T,
}

impl<T> fmt::Display for Choice<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// Picks one of `choices`, starting on `start`.
fn select<T>(message: &str, help: &str, choices: Vec<Choice<T>>, start: usize) -> Result<T> {
    let prompt = Select::new(message, choices).with_help_message(help).with_starting_cursor(start);
    Ok(asked(prompt.prompt())?.value)
}

/// Shows an answer that was not asked (a flag's, or the only possible one)
/// the way inquire shows an answered question.
fn show(message: &str, answer: &str, why: &str, p: &Palette) {
    eprintln!("> {message} {answer} {}", paint(p.dim, format!("({why})")));
}

/// Asks whether to overwrite an existing file; no by default.
pub(super) fn overwrite(path: &std::path::Path) -> Result<bool> {
    confirm(&format!("{} exists. Overwrite it?", path.display()), false, "no keeps it as it is; -o writes another file")
}

/// Asks every question: services, each with its SLOs, until the person is done.
pub(super) fn answers(mut given: Given, format: Format, p: &Palette) -> Result<Answers> {
    let mut services: Vec<ServiceAnswers> = Vec::new();
    loop {
        let taken: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
        let service = service_name(&mut given, &taken, p)?;
        let provider = provider(&mut given, &service, services.last().map(|s| &s.provider), p)?;
        let mut slos: Vec<SloAnswers> = Vec::new();
        loop {
            slos.push(slo(&mut given, &service, &provider, &slos, format, p)?);
            if !confirm(&format!("Add another SLO to {service}?"), false, "e.g. latency next to availability")? {
                break;
            }
        }
        services.push(ServiceAnswers { name: service, provider, slos });
        if !confirm("Add another service?", false, "it goes in the same file")? {
            break;
        }
    }
    Ok(Answers { services })
}

/// The service's name, unique in the file.
fn service_name(given: &mut Given, taken: &[String], p: &Palette) -> Result<String> {
    const MESSAGE: &str = "Service name:";
    if let Some(name) = given.service.take() {
        show(MESSAGE, &name, "--service", p);
        return Ok(name);
    }
    let taken = taken.to_vec();
    text(MESSAGE, "lowercase letters, digits and dashes, e.g. checkout", None, None, move |s| {
        let name = checks::name(s)?;
        if taken.contains(&name) {
            return Err(format!("`{name}` is already in this file; give another service"));
        }
        Ok(name)
    })
}

/// Where a service's metrics are, and its URL or site. A second service is offered
/// the previous one's provider and address first.
fn provider(
    given: &mut Given,
    service: &str,
    previous: Option<&ProviderAnswer>,
    p: &Palette,
) -> Result<ProviderAnswer> {
    let message = format!("Where are {service}'s metrics?");
    let kind = match given.provider.take() {
        Some(kind) => {
            show(&message, kind.as_str(), given.provider_from, p);
            kind
        }
        // A latency SLO given as flags reads a Prometheus histogram: there is nothing to choose.
        None if given.kind == Some(Kind::Latency) => {
            show(&message, "prometheus", "latency SLOs read Prometheus histograms", p);
            ProviderKind::Prometheus
        }
        None => {
            let choices = vec![
                Choice {
                    label: "Prometheus (or Thanos, Mimir, VictoriaMetrics)".into(),
                    value: ProviderKind::Prometheus,
                },
                Choice { label: "Datadog".into(), value: ProviderKind::Datadog },
            ];
            let start = usize::from(previous.is_some_and(|p| p.kind() == ProviderKind::Datadog));
            select(&message, "↑↓ to move, type to filter, enter to pick", choices, start)?
        }
    };
    Ok(match kind {
        ProviderKind::Prometheus => {
            const MESSAGE: &str = "Prometheus URL:";
            let url = match given.prometheus_url.take() {
                Some(url) => {
                    show(MESSAGE, &url, "--prometheus-url", p);
                    url
                }
                None => {
                    let default = match previous {
                        Some(ProviderAnswer::Prometheus { url }) => url.clone(),
                        _ => DEFAULT_PROMETHEUS_URL.to_string(),
                    };
                    let help =
                        "the API's base, before /api/v1; sloop report and sloop agent take it as --prometheus-url";
                    text(MESSAGE, help, Some(&default), None, checks::prometheus_url)?
                }
            };
            ProviderAnswer::Prometheus { url }
        }
        ProviderKind::Datadog => {
            const MESSAGE: &str = "Datadog site:";
            let site = match given.datadog_site.take() {
                Some(site) => {
                    show(MESSAGE, &site, "--datadog-site", p);
                    site
                }
                None => {
                    let sites = DatadogConfig::SITES;
                    let start = match previous {
                        Some(ProviderAnswer::Datadog { site }) => sites.iter().position(|s| s == site).unwrap_or(0),
                        _ => 0,
                    };
                    let choices = sites.iter().map(|s| Choice { label: (*s).to_string(), value: *s }).collect();
                    let help = "where the Datadog account lives (sloop reads it from DD_SITE); type to filter";
                    select(MESSAGE, help, choices, start)?.to_string()
                }
            };
            ProviderAnswer::Datadog { site }
        }
    })
}

/// One SLO of `service`: what it measures, its target, window, name and alerting.
fn slo(
    given: &mut Given,
    service: &str,
    provider: &ProviderAnswer,
    done: &[SloAnswers],
    format: Format,
    p: &Palette,
) -> Result<SloAnswers> {
    let indicator = indicator(given, service, provider, p)?;
    let kind = indicator.kind();

    const TARGET: &str = "Target (%):";
    let target = match given.target.take() {
        Some(t) => {
            show(TARGET, &t.percent_string(), "--target", p);
            t
        }
        None => {
            let default = kind.default_target().percent_string();
            let help = "the share of good events to achieve, above 0 and below 100: 99.9 or 99.9%";
            text(TARGET, help, Some(&default), None, checks::target)?
        }
    };

    let window = window(given, p)?;

    const NAME: &str = "SLO name:";
    let taken: Vec<String> = done.iter().map(|s| s.name.clone()).collect();
    let name = match given.name.take() {
        Some(n) => {
            show(NAME, &n, "--name", p);
            n
        }
        None => {
            let suggested = suggested_name(&indicator, &taken);
            let help = format!("unique within {service}: lowercase letters, digits and dashes");
            text(NAME, &help, Some(&suggested), None, move |s| {
                let name = checks::name(s)?;
                if taken.contains(&name) {
                    return Err(format!("`{name}` is taken; give another name"));
                }
                Ok(name)
            })?
        }
    };

    const ALERTING: &str = "Alert when the error budget burns too fast?";
    let alerting = match given.alerting.take() {
        Some(on) => {
            show(ALERTING, if on { "yes" } else { "no" }, "--alerting", p);
            on
        }
        // Only sloop's format can switch alerting off; the others always get the standard alerts.
        None if format != Format::Sloop => {
            show(ALERTING, "yes", &format!("{format} manifests cannot turn alerts off"), p);
            true
        }
        None => {
            confirm(ALERTING, true, "multi-window multi-burn-rate alerts: page on fast burns, ticket on slow ones")?
        }
    };

    Ok(SloAnswers { name, indicator, target, window, alerting })
}

/// What an SLO measures: the kind (only availability on Datadog), then its queries or
/// its histogram and threshold.
fn indicator(given: &mut Given, service: &str, provider: &ProviderAnswer, p: &Palette) -> Result<IndicatorAnswer> {
    const KIND: &str = "What should the SLO measure?";
    let kind = match (given.kind.take(), provider.kind()) {
        (Some(kind), _) => {
            show(KIND, kind_word(kind), given.kind_from, p);
            kind
        }
        (None, ProviderKind::Datadog) => {
            show(KIND, "availability", "latency SLOs read Prometheus histograms", p);
            Kind::Availability
        }
        (None, ProviderKind::Prometheus) => {
            let choices = vec![
                Choice { label: "availability: good events over total events".into(), value: Kind::Availability },
                Choice { label: "latency: requests under a threshold, from a histogram".into(), value: Kind::Latency },
            ];
            select(KIND, "↑↓ to move, type to filter, enter to pick", choices, 0)?
        }
    };
    let pk = provider.kind();
    Ok(match kind {
        Kind::Availability => {
            let events = match given.events.take() {
                Some(events) => {
                    let events = events_for(pk, events)?;
                    let (message, flag) = match &events {
                        EventQuery::Good(_) => ("Good events query:", "--good"),
                        EventQuery::Bad(_) => ("Bad events query:", "--bad"),
                    };
                    show(message, events.query(), flag, p);
                    events
                }
                None => EventQuery::Good(query("Good events query:", pk, &examples(service, pk).0)?),
            };
            let total = match given.total.take() {
                Some(total) => {
                    let total = total_for(pk, &total, &events)?;
                    show("Total events query:", &total, "--total", p);
                    total
                }
                None => {
                    let other = events.clone();
                    let help = query_help(pk);
                    let example = examples(service, pk).1;
                    text("Total events query:", help, None, Some(&example), move |q| checks::total(pk, q, &other))?
                }
            };
            IndicatorAnswer::Availability { events, total }
        }
        Kind::Latency => {
            const HISTOGRAM: &str = "Histogram:";
            let histogram = match given.histogram.take() {
                Some(h) => {
                    show(HISTOGRAM, &format!("{}_bucket{{{}}}", h.metric, h.matchers.join(",")), "--histogram", p);
                    h
                }
                None => {
                    let example = format!("http_request_duration_seconds_bucket{{job=\"{service}\"}}");
                    let help = "its _bucket series, with label matchers if needed";
                    text(HISTOGRAM, help, None, Some(&example), checks::histogram)?
                }
            };
            const THRESHOLD: &str = "Latency threshold:";
            let le = match given.threshold.take() {
                Some(le) => {
                    show(THRESHOLD, &format!("{le}s"), "--threshold", p);
                    le
                }
                None => {
                    let help = "requests at or under it are good: 200ms, 0.5s or seconds; one of the buckets (le)";
                    text(THRESHOLD, help, None, Some("200ms"), checks::threshold)?
                }
            };
            IndicatorAnswer::Latency { histogram, le }
        }
    })
}

/// Asks for a query of `kind`, with an example as the placeholder.
fn query(message: &str, kind: ProviderKind, example: &str) -> Result<String> {
    text(message, query_help(kind), None, Some(example), move |q| checks::query(kind, q))
}

/// The help line under a query prompt.
fn query_help(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Prometheus => "PromQL; write the range as {{.window}}",
        ProviderKind::Datadog => "a Datadog count: metrics with .as_count()",
    }
}

/// Example good and total queries for a service, shown as placeholders.
fn examples(service: &str, kind: ProviderKind) -> (String, String) {
    match kind {
        ProviderKind::Prometheus => (
            format!("sum(rate(http_requests_total{{job=\"{service}\",code!~\"5..\"}}[{{{{.window}}}}]))"),
            format!("sum(rate(http_requests_total{{job=\"{service}\"}}[{{{{.window}}}}]))"),
        ),
        ProviderKind::Datadog => (
            format!(
                "(sum:trace.http.request.hits{{service:{service}}}.as_count() - \
                 sum:trace.http.request.errors{{service:{service}}}.as_count())"
            ),
            format!("sum:trace.http.request.hits{{service:{service}}}.as_count()"),
        ),
    }
}

/// The `--kind` value of a kind, to show it.
fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Availability => "availability",
        Kind::Latency => "latency",
    }
}

/// The rolling window: one of [`WINDOWS`], or any duration typed in.
fn window(given: &mut Given, p: &Palette) -> Result<Duration> {
    const WINDOW: &str = "Window:";
    if let Some(w) = given.window.take() {
        show(WINDOW, &w.to_compact(), "--window", p);
        return Ok(w);
    }
    let mut choices: Vec<Choice<Option<Duration>>> = WINDOWS
        .iter()
        .map(|w| Choice { label: format!("{:<4} rolling {}", w.to_compact(), w.to_words()), value: Some(*w) })
        .collect();
    choices.push(Choice { label: "custom: any other duration".into(), value: None });
    let help = "the rolling window the target is judged over; type to filter";
    match select(WINDOW, help, choices, 0)? {
        Some(w) => Ok(w),
        None => {
            let help = "ISO 8601 like PT5M or P14D, or plainly like 5m, 12h or 14d";
            text("Custom window:", help, None, Some("14d"), checks::window)
        }
    }
}
