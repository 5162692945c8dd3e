//! Lints: manifests that are valid but probably do not say what was meant.
//!
//! [`lint`] looks at a successful [`Loaded`] and returns warnings, each with
//! a stable code and positioned on the field it is about (from
//! [`Origin::fields`]), falling back to the objective's indicator and then to
//! the line its definition starts on.
//!
//! | code                          | finding                                                         |
//! |-------------------------------|-----------------------------------------------------------------|
//! | `lint/good-query-divides`     | the good-events query is a ratio, not a count                   |
//! | `lint/bad-query-divides`      | the bad-events query is a ratio, not a count                    |
//! | `lint/total-query-divides`    | the total-events query is a ratio, not a count                  |
//! | `lint/good-equals-total`      | good and total are the same query: the SLI is always 100 %      |
//! | `lint/bad-equals-total`       | bad and total are the same query: the SLI is always 0 %         |
//! | `lint/threshold-not-a-bucket` | a latency threshold that is not one of the declared buckets     |
//! | `lint/duplicate-name`         | a second objective with the same service and name               |
//! | `lint/budget-under-one-event` | at the declared traffic, the budget allows under one bad event a day |
//! | `lint/alert-never-fires`      | an alert's burn rate needs more than 100 % of events to fail    |
//!
//! ```
//! use sloop_core::{lint::lint, source::SourceFile, spec};
//! let yaml = "apiVersion: reliably.com/v1\nkind: Objective\nmetadata:\n  labels:\n    name: Availability\n    service: web\nspec:\n  indicatorSelector:\n    datadog_numerator_query: sum:a{x:y}.as_count() / sum:b{x:y}.as_count()\n    datadog_denominator_query: sum:b{x:y}.as_count()\n  objectivePercent: 99\n  window: 720h\n";
//! let files = [SourceFile::new("slo.yaml", yaml)];
//! let loaded = spec::load(&files).unwrap();
//! let found = lint(&loaded, &files);
//! assert_eq!(found[0].code, "lint/good-query-divides");
//! assert_eq!((found[0].line, found[0].column), (9, 30));
//! ```

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Level};
use crate::model::{EventQuery, Indicator, LatencyIndicator, Objective, RatioIndicator};
use crate::query::divides_at_top;
use crate::source::{self, Pos, SourceFile};
use crate::spec::{Loaded, Origin, field};

/// Seconds in a day, for the budget-per-day lint.
const DAY_SECS: f64 = 86_400.0;

/// Targets suggested when the budget is too small for the traffic, highest first.
const SUGGESTED_TARGETS: [f64; 8] = [99.99, 99.95, 99.9, 99.5, 99.0, 98.0, 95.0, 90.0];

/// Every lint finding about `loaded`, as warnings. `files` are the sources
/// the manifests were read from, for the snippets; a file missing from them
/// only loses its snippet.
pub fn lint(loaded: &Loaded, files: &[SourceFile]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // (service, name) → index of the first objective with them.
    let mut first: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, o) in loaded.manifest.objectives.iter().enumerate() {
        let at = At::new(loaded.origins.get(i), files);
        if let Some(r) = ratio_of(&o.indicator) {
            ratio_lints(r, &at, &mut out);
        }
        if let Indicator::Latency(l) = &o.indicator {
            bucket_lint(l, &at, &mut out);
        }
        budget_lint(o, &at, &mut out);
        alert_lint(o, &at, &mut out);
        match first.get(&(o.service.as_str(), o.name.as_str())) {
            Some(&j) => out.push(duplicate(o, loaded.origins.get(j), &at)),
            None => {
                first.insert((&o.service, &o.name), i);
            }
        }
    }
    out
}

/// The ratio an indicator counts with, if any.
fn ratio_of(indicator: &Indicator) -> Option<&RatioIndicator> {
    match indicator {
        Indicator::Ratio(r) => Some(r),
        Indicator::Selector(s) => s.ratio.as_ref(),
        _ => None,
    }
}

fn ratio_lints(r: &RatioIndicator, at: &At<'_>, out: &mut Vec<Diagnostic>) {
    let kind = r.provider.kind;
    let (events_field, side) = match &r.events {
        EventQuery::Good(_) => (field::GOOD, "good"),
        EventQuery::Bad(_) => (field::BAD, "bad"),
    };
    let events = r.events.query();
    if divides_at_top(kind, events) {
        let (code, hint) = match r.events {
            EventQuery::Good(_) => ("lint/good-query-divides", "the good events themselves, e.g. hits - errors"),
            EventQuery::Bad(_) => ("lint/bad-query-divides", "the bad events themselves, e.g. errors"),
        };
        out.push(at.warn(
            events_field,
            code,
            format!("the {side}-events query divides (a ratio); a count of {side} events is expected"),
            Some(hint.into()),
        ));
    }
    if divides_at_top(kind, &r.total) {
        out.push(at.warn(
            field::TOTAL,
            "lint/total-query-divides",
            "the total-events query divides (a ratio); a count of all events is expected".into(),
            Some("all the events, e.g. hits".into()),
        ));
    }
    if events.trim() == r.total.trim() {
        let (code, always, hint) = match r.events {
            EventQuery::Good(_) => {
                ("lint/good-equals-total", "100 %", "a query of the good events only, e.g. requests that succeeded")
            }
            EventQuery::Bad(_) => ("lint/bad-equals-total", "0 %", "a query of the bad events only, e.g. errors"),
        };
        out.push(at.warn(
            events_field,
            code,
            format!("the {side}-events query is the same as the total query, so the SLI is always {always}"),
            Some(hint.into()),
        ));
    }
}

fn bucket_lint(l: &LatencyIndicator, at: &At<'_>, out: &mut Vec<Diagnostic>) {
    let Some(buckets) = &l.buckets else { return };
    let threshold = l.threshold_secs();
    if threshold.is_nan() || buckets.contains(&threshold) {
        return;
    }
    let list: Vec<String> = buckets.iter().map(|b| format!("{b}")).collect();
    out.push(at.warn(
        field::THRESHOLD,
        "lint/threshold-not-a-bucket",
        format!(
            "the threshold {} is not a bucket boundary of `{}`: there is no le=\"{}\" series to count the good \
             requests from",
            l.threshold, l.metric, l.threshold
        ),
        Some(format!("one of the declared buckets: {}", list.join(", "))),
    ));
}

fn budget_lint(o: &Objective, at: &At<'_>, out: &mut Vec<Diagnostic>) {
    let Some(traffic) = o.traffic.filter(|t| t.is_finite() && *t > 0.0) else { return };
    let per_day = |budget: f64| budget * traffic * DAY_SECS;
    let allowed = per_day(o.target.budget());
    if allowed >= 1.0 {
        return;
    }
    let hint = SUGGESTED_TARGETS
        .iter()
        .find(|t| per_day(1.0 - *t / 100.0) >= 1.0)
        .map(|t| {
            format!(
                "a target of {t}% or lower ({} bad events a day at this traffic)",
                round_sig(per_day(1.0 - t / 100.0))
            )
        })
        .unwrap_or_else(|| {
            format!(
                "a longer window, or more traffic such as synthetic probes: at this traffic there are only {} events \
                 a day in all",
                round_sig(traffic * DAY_SECS)
            )
        });
    out.push(at.warn(
        field::TARGET,
        "lint/budget-under-one-event",
        format!(
            "at {traffic} req/s, {} allows {} bad events a day: a single failure spends more than a day's budget",
            o.target,
            round_sig(allowed)
        ),
        Some(hint),
    ));
}

/// An enabled alert pair whose threshold needs an error ratio over 100 %:
/// 14.4 on a 90 % target means 144 % of events failing, so it never fires.
fn alert_lint(o: &Objective, at: &At<'_>, out: &mut Vec<Diagnostic>) {
    if !o.alerting.enabled {
        return;
    }
    let window = o.window.nominal_length();
    for n in crate::math::alert_table(&o.alerting, window, o.target) {
        let tier_on = match n.severity {
            crate::alerting::Severity::Page => o.alerting.page.enabled,
            crate::alerting::Severity::Ticket => o.alerting.ticket.enabled,
        };
        if !tier_on || n.can_fire() {
            continue;
        }
        let max_burn = 1.0 / o.target.budget();
        out.push(at.warn(
            field::ALERTING,
            "lint/alert-never-fires",
            format!(
                "the {} alert over {} needs a burn rate of {}, but with a {} target even a total outage burns at \
                 most {}: it can never fire",
                n.severity.as_str(),
                n.long,
                round_sig(n.threshold),
                o.target,
                round_sig(max_burn)
            ),
            Some(format!(
                "a budget share whose burn rate is at most {}, e.g. spending a larger share over a longer window",
                round_sig(max_burn)
            )),
        ));
    }
}

fn duplicate(o: &Objective, first: Option<&Origin>, at: &At<'_>) -> Diagnostic {
    let where_first = match first {
        Some(f) => {
            let line = f.fields.get(field::NAME).map_or(f.line, |p| p.line);
            format!("{}:{line}", f.file)
        }
        None => "an earlier manifest".into(),
    };
    at.warn(
        field::NAME,
        "lint/duplicate-name",
        format!(
            "service `{}` already has an objective named `{}` (first at {where_first}); both would write the same \
             rules and results",
            o.service, o.name
        ),
        Some("a name that is unique within the service".into()),
    )
}

/// A number for messages: one significant digit under 1 (0.00864 → 0.009),
/// two decimals at most above.
fn round_sig(x: f64) -> String {
    if x <= 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    if x >= 1.0 {
        return format!("{}", (x * 100.0).round() / 100.0);
    }
    let digits = (-x.log10().floor()) as i32;
    let scale = 10f64.powi(digits);
    let rounded = (x * scale).round() / scale;
    // Rounding may carry into the next decade (0.096 → 0.1): print by its own digits.
    let decimals = (-rounded.log10().floor()).max(0.0) as usize;
    format!("{rounded:.decimals$}")
}

/// Where one objective's findings go.
struct At<'a> {
    origin: Option<&'a Origin>,
    file: Option<&'a SourceFile>,
}

impl<'a> At<'a> {
    fn new(origin: Option<&'a Origin>, files: &'a [SourceFile]) -> Self {
        let file = origin.and_then(|o| files.iter().find(|f| f.name == o.file));
        Self { origin, file }
    }

    /// A warning at `field`; failing that, at the indicator for indicator
    /// fields; failing that, at the objective's first line.
    fn warn(&self, field: &str, code: &'static str, message: String, hint: Option<String>) -> Diagnostic {
        let placeholder;
        let file = match self.file {
            Some(f) => f,
            None => {
                placeholder = SourceFile::new(self.origin.map_or("", |o| o.file.as_str()), "");
                &placeholder
            }
        };
        let Some(origin) = self.origin else {
            return source::diagnostic(file, Level::Warning, code, Pos::default(), 0, "", message, hint);
        };
        let found = origin
            .fields
            .get(field)
            .or_else(|| field.starts_with("indicator.").then(|| origin.fields.get(field::INDICATOR)).flatten());
        let (pos, path) = match found {
            Some(p) => (Pos { line: p.line, column: p.column }, p.path.as_str()),
            None => {
                let column = line_of(file, origin.line).map_or(0, |l| l.len() - l.trim_start().len() + 1);
                (Pos { line: origin.line, column }, "")
            }
        };
        let len = value_len(file, pos);
        source::diagnostic(file, Level::Warning, code, pos, len, path, message, hint)
    }
}

fn line_of(file: &SourceFile, line: usize) -> Option<&str> {
    file.text.lines().nth(line.checked_sub(1)?)
}

/// How many characters to underline: the value to the end of its line,
/// without a trailing comment.
fn value_len(file: &SourceFile, pos: Pos) -> usize {
    let Some(line) = line_of(file, pos.line) else { return 1 };
    let rest: String = line.chars().skip(pos.column.saturating_sub(1)).collect();
    let rest = rest.split(" #").next().unwrap_or(&rest).trim_end();
    rest.chars().count().max(1)
}
