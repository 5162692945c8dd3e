//! The validated, format-neutral SLO model.
//!
//! Every reader in [`crate::spec`] turns its own "as written" types into
//! these, and every writer starts from them. Values here have already been
//! checked: a [`Target`] is strictly between 0 % and 100 %, a window is
//! positive, alert windows fit inside the SLO window. Code downstream (the
//! math, rule generation, the agent) can rely on that and need not re-check.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::alerting::AlertPolicy;
use crate::duration::Duration;
use crate::target::Target;

/// Labels as an ordered map, so output is deterministic.
pub type Labels = BTreeMap<String, String>;

/// Everything read from one set of manifests.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Manifest {
    /// Services, in the order first seen.
    pub services: Vec<Service>,
    /// Objectives, in the order read.
    pub objectives: Vec<Objective>,
}

impl Manifest {
    /// The manifest of one objective: it and its service, as a server's
    /// catalog keeps each objective (what `sloop sync` sends).
    pub fn of_objective(&self, objective: &Objective) -> Manifest {
        let services = self.services.iter().filter(|s| s.name == objective.service).cloned().collect();
        Manifest { services, objectives: vec![objective.clone()] }
    }
}

/// A service that objectives belong to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    /// The service's identifier, e.g. `checkout`.
    pub name: String,
    /// A human title, when the manifest gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Labels shared by every objective of the service (owner, tier, repo...).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
}

impl Service {
    /// A service with just a name.
    pub fn named(name: impl Into<String>) -> Self {
        Self { name: name.into(), display_name: None, description: None, labels: Labels::new() }
    }
}

/// One service level objective.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Objective {
    /// Identifier, unique within its service: `requests-availability`.
    pub name: String,
    /// A human title when the manifest has one, e.g. Reliably's
    /// "99% of requests over last 5 minutes".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The service's name.
    pub service: String,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Labels of the objective (merged over the service's labels).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    /// What is measured.
    pub indicator: Indicator,
    /// The share of good events (or good time slices) to achieve.
    pub target: Target,
    /// Over what time the target is judged.
    pub window: TimeWindow,
    /// How good and bad are counted against the budget.
    pub budgeting: BudgetingMethod,
    /// Multi-window multi-burn-rate alerting.
    pub alerting: AlertPolicy,
    /// Where responders go when an alert fires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runbook_url: Option<String>,
    /// The declared traffic, in events per second, when the manifest says
    /// (sloop's `traffic:`). Used to size the budget in events and by a lint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic: Option<f64>,
}

impl Objective {
    /// `service/name`, the objective's unique key across services.
    pub fn id(&self) -> String {
        format!("{}/{}", self.service, self.name)
    }
}

/// What an objective measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Indicator {
    /// Good (or bad) events over total events, each a provider query.
    Ratio(RatioIndicator),
    /// Requests at or under a threshold, from histogram buckets.
    Latency(LatencyIndicator),
    /// Indicators pushed by clients carrying these labels (Reliably's
    /// `indicatorSelector`). When the selector also names provider queries it
    /// is a ratio indicator for that provider too.
    Selector(SelectorIndicator),
    /// A query that yields the ratio itself (Sloth `raw`, OpenSLO `raw`).
    /// It cannot be summed into exact event counts.
    Raw(RawIndicator),
    /// A metric compared against a value (OpenSLO `thresholdMetric`): a
    /// sample is good when `metric op value` holds.
    Threshold(ThresholdIndicator),
}

impl Indicator {
    /// The provider the indicator's queries go to, when it has queries.
    pub fn provider(&self) -> Option<&ProviderRef> {
        match self {
            Indicator::Ratio(r) => Some(&r.provider),
            Indicator::Latency(l) => Some(&l.provider),
            Indicator::Selector(s) => s.ratio.as_ref().map(|r| &r.provider),
            Indicator::Raw(r) => Some(&r.provider),
            Indicator::Threshold(t) => Some(&t.provider),
        }
    }

    /// A short name of the kind, for messages: `ratio`, `latency`...
    pub fn kind_name(&self) -> &'static str {
        match self {
            Indicator::Ratio(_) => "ratio",
            Indicator::Latency(_) => "latency",
            Indicator::Selector(_) => "selector",
            Indicator::Raw(_) => "raw",
            Indicator::Threshold(_) => "threshold",
        }
    }
}

/// Which system answers an indicator's queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderRef {
    /// The query language and API.
    pub kind: ProviderKind,
    /// A named data source (OpenSLO `DataSource`, a sloop provider entry),
    /// when the manifest names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ProviderRef {
    /// An unnamed Prometheus-compatible source.
    pub fn prometheus() -> Self {
        Self { kind: ProviderKind::Prometheus, name: None }
    }
    /// An unnamed Datadog source.
    pub fn datadog() -> Self {
        Self { kind: ProviderKind::Datadog, name: None }
    }
}

/// Query languages sloop understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// PromQL, for Prometheus, Thanos, Mimir, VictoriaMetrics.
    Prometheus,
    /// Datadog metric queries (`sum:trace.x.hits{...}.as_count()`).
    Datadog,
}

impl ProviderKind {
    /// Lower-case name: `prometheus`, `datadog`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Prometheus => "prometheus",
            ProviderKind::Datadog => "datadog",
        }
    }
}

/// Good-or-bad over total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioIndicator {
    /// Where the queries run.
    pub provider: ProviderRef,
    /// The good or the bad events.
    pub events: EventQuery,
    /// All events.
    pub total: String,
}

/// Which side of the ratio a manifest wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventQuery {
    /// Counts the good events (OpenSLO `good`, Reliably numerator).
    Good(String),
    /// Counts the bad events (Sloth `error_query`, Pyrra `errors`).
    Bad(String),
}

impl EventQuery {
    /// The query text, whichever side it is.
    pub fn query(&self) -> &str {
        match self {
            EventQuery::Good(q) | EventQuery::Bad(q) => q,
        }
    }
}

/// Latency from a histogram: good = requests in the bucket `le = threshold`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyIndicator {
    /// Where the queries run.
    pub provider: ProviderRef,
    /// The histogram's base name, without `_bucket`/`_count`:
    /// `http_server_requests_seconds`.
    pub metric: String,
    /// Label matchers that select the requests, in PromQL syntax without
    /// braces: `service_name="myservice"`, `outcome="SUCCESS"`.
    pub matchers: Vec<String>,
    /// The threshold, exactly as the bucket's `le` label writes it: `"0.2"`.
    pub threshold: String,
    /// How total requests are counted.
    pub total: LatencyTotal,
    /// The bucket boundaries, when the manifest declares them (for the lint
    /// that the threshold must be one of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<f64>>,
}

impl LatencyIndicator {
    /// The threshold in seconds, as a number.
    pub fn threshold_secs(&self) -> f64 {
        self.threshold.parse().unwrap_or(f64::NAN)
    }
}

/// Where a latency SLO's total comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencyTotal {
    /// The `le="+Inf"` bucket.
    InfBucket,
    /// The histogram's `_count` series.
    Count,
}

/// Indicators pushed by clients, matched by labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectorIndicator {
    /// Labels a pushed indicator must carry to count for this objective.
    pub labels: Labels,
    /// When the selector names provider queries (e.g.
    /// `datadog_numerator_query`), the ratio they form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<RatioIndicator>,
}

/// A query that returns a ratio directly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawIndicator {
    /// Where the query runs.
    pub provider: ProviderRef,
    /// The query.
    pub query: String,
    /// Whether the ratio is of good or of bad events.
    pub measures: RawMeasure,
}

/// What a raw ratio query measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RawMeasure {
    /// The share of good events (OpenSLO `rawType: success`).
    GoodRatio,
    /// The share of bad events (Sloth `error_ratio_query`).
    ErrorRatio,
}

/// A metric judged good when `metric op value`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdIndicator {
    /// Where the query runs.
    pub provider: ProviderRef,
    /// The metric query.
    pub query: String,
    /// The comparison that makes a sample good.
    pub op: Comparison,
    /// The value compared against.
    pub value: f64,
}

/// Comparison operators of OpenSLO objectives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
}

impl Comparison {
    /// The OpenSLO spelling: `lt`, `lte`, `gt`, `gte`.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Lt => "lt",
            Comparison::Lte => "lte",
            Comparison::Gt => "gt",
            Comparison::Gte => "gte",
        }
    }
    /// The symbol: `<`, `<=`, `>`, `>=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Lt => "<",
            Comparison::Lte => "<=",
            Comparison::Gt => ">",
            Comparison::Gte => ">=",
        }
    }
    /// Reads `lt`, `lte`, `gt`, `gte`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "lt" => Comparison::Lt,
            "lte" => Comparison::Lte,
            "gt" => Comparison::Gt,
            "gte" => Comparison::Gte,
            _ => return None,
        })
    }
}

/// Over what time an objective is judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimeWindow {
    /// The last `duration`, sliding with now.
    Rolling {
        /// How far back the window reaches.
        duration: Duration,
    },
    /// Calendar-aligned periods that reset: this day, week, month, quarter.
    Calendar(CalendarWindow),
}

impl TimeWindow {
    /// A rolling window of `d`.
    pub fn rolling(d: Duration) -> Self {
        TimeWindow::Rolling { duration: d }
    }

    /// The window's length: exact for rolling windows, and for calendar
    /// windows the nominal length used to scale alert thresholds (a month is
    /// 30 days, a quarter 90, a year 365).
    pub fn nominal_length(&self) -> Duration {
        match self {
            TimeWindow::Rolling { duration } => *duration,
            TimeWindow::Calendar(c) => c.unit.nominal_length() * u64::from(c.count),
        }
    }

    /// "rolling 30 days", "calendar month (Europe/Paris)".
    pub fn describe(&self) -> String {
        match self {
            TimeWindow::Rolling { duration } => format!("a rolling {}", duration.to_words()),
            TimeWindow::Calendar(c) => {
                let unit = c.unit.as_str();
                let n = if c.count == 1 { format!("calendar {unit}") } else { format!("{} calendar {unit}s", c.count) };
                format!("each {n} ({})", c.time_zone)
            }
        }
    }
}

/// A calendar-aligned window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarWindow {
    /// The period.
    pub unit: CalendarUnit,
    /// How many periods make one window (usually 1).
    pub count: u32,
    /// IANA time zone the periods align to: `UTC`, `Europe/Paris`.
    pub time_zone: String,
}

/// Calendar periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarUnit {
    /// From midnight to midnight.
    Day,
    /// Monday to Sunday.
    Week,
    /// The calendar month.
    Month,
    /// January–March, April–June, ...
    Quarter,
    /// The calendar year.
    Year,
}

impl CalendarUnit {
    /// `day`, `week`, `month`, `quarter`, `year`.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarUnit::Day => "day",
            CalendarUnit::Week => "week",
            CalendarUnit::Month => "month",
            CalendarUnit::Quarter => "quarter",
            CalendarUnit::Year => "year",
        }
    }
    /// Reads `day`, `week`, `month`, `quarter`, `year` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "day" => CalendarUnit::Day,
            "week" => CalendarUnit::Week,
            "month" => CalendarUnit::Month,
            "quarter" => CalendarUnit::Quarter,
            "year" => CalendarUnit::Year,
            _ => return None,
        })
    }
    /// The nominal length: 1, 7, 30, 90 or 365 days.
    pub fn nominal_length(self) -> Duration {
        Duration::from_days(match self {
            CalendarUnit::Day => 1,
            CalendarUnit::Week => 7,
            CalendarUnit::Month => 30,
            CalendarUnit::Quarter => 90,
            CalendarUnit::Year => 365,
        })
    }
}

/// How events count against the budget (OpenSLO's `budgetingMethod`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum BudgetingMethod {
    /// Every event counts: SLI = good events / total events. The default.
    Occurrences,
    /// The window is cut into slices; a slice is good when its own ratio
    /// meets `slice_target`; SLI = good slices / slices with data.
    Timeslices {
        /// The slice length, e.g. 1m.
        slice: Duration,
        /// What a slice must achieve to be good.
        slice_target: Target,
    },
    /// Like timeslices, but the SLI is the average of the slices' own ratios.
    RatioTimeslices {
        /// The slice length.
        slice: Duration,
    },
}

impl BudgetingMethod {
    /// The OpenSLO name: `Occurrences`, `Timeslices`, `RatioTimeslices`.
    pub fn openslo_name(&self) -> &'static str {
        match self {
            BudgetingMethod::Occurrences => "Occurrences",
            BudgetingMethod::Timeslices { .. } => "Timeslices",
            BudgetingMethod::RatioTimeslices { .. } => "RatioTimeslices",
        }
    }
}
