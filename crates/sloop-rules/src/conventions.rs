//! Every metric and label name sloop's rules write, in one place.
//!
//! Two namings exist. sloop's own keeps the window in the metric name, so
//! all of one SLO's ratios share one label set and compare with plain `and`.
//! Sloth's (`--naming sloth`) reproduces Sloth's recording names and labels
//! exactly, window label included, so existing Sloth Grafana dashboards work
//! unchanged; its expressions then ignore `sloth_window` when matching.

use sloop_core::Duration;

/// Which names the rules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Naming {
    /// `sloop:slo_error_ratio:rate5m{sloop_service, sloop_slo}`.
    #[default]
    Sloop,
    /// `slo:sli_error:ratio_rate5m{sloth_id, sloth_service, sloth_slo, sloth_window}`.
    Sloth,
}

/// The names for one naming scheme.
#[derive(Debug, Clone, Copy)]
pub struct Names {
    naming: Naming,
}

/// Recorded rate of bad events per second over the base range (see
/// [`crate::generate::Options::base_range`]), from the raw series. The base of
/// every long window; the same name in both namings.
pub const BAD_RATE: &str = "sloop:slo_bad_events:rate";
/// Recorded rate of all events per second over the base range.
pub const TOTAL_RATE: &str = "sloop:slo_events:rate";
/// Recorded error ratio over the base range of a raw-ratio indicator (Sloth `raw`).
pub const RAW_RATIO: &str = "sloop:slo_raw_error_ratio:rate";
/// The first instant of a calendar window's current period (unix seconds, UTC).
pub const PERIOD_START: &str = "sloop:slo_period_start:timestamp";
/// The error ratio of a calendar window's current period so far.
pub const PERIOD_ERROR_RATIO: &str = "sloop:slo_error_ratio:period";
/// The error budget left in a calendar window's current period so far.
pub const PERIOD_BUDGET_REMAINING: &str = "sloop:slo_error_budget_remaining:period";
/// The share of the SLO window covered by recorded history (0 to 1).
pub const WINDOW_COVERAGE: &str = "sloop:slo_window_coverage:ratio";
/// The name of the burn-rate alerts unless the manifest names them.
pub const DEFAULT_ALERT: &str = "SLOErrorBudgetBurn";
/// The name of the data-absent alert.
pub const ABSENT_ALERT: &str = "SLODataAbsent";
/// The shortest window, whose burn rate is the "current" one.
pub const CURRENT_WINDOW: Duration = Duration::from_mins(5);
/// The label naming which alert pair fired: `1h/5m`.
pub const PAIR_LABEL: &str = "sloop_windows";
/// The label sloop puts on every alert: `page` or `ticket`.
pub const SEVERITY_LABEL: &str = "severity";

impl Names {
    /// Names for a naming scheme.
    pub fn new(naming: Naming) -> Self {
        Self { naming }
    }

    /// The scheme.
    pub fn naming(&self) -> Naming {
        self.naming
    }

    /// The error ratio over a window: `sloop:slo_error_ratio:rate1h` or
    /// `slo:sli_error:ratio_rate1h`.
    pub fn error_ratio(&self, window: Duration) -> String {
        match self.naming {
            Naming::Sloop => format!("sloop:slo_error_ratio:rate{window}"),
            Naming::Sloth => format!("slo:sli_error:ratio_rate{window}"),
        }
    }

    /// The label carrying the window, when the naming has one.
    pub fn window_label(&self) -> Option<&'static str> {
        match self.naming {
            Naming::Sloop => None,
            Naming::Sloth => Some("sloth_window"),
        }
    }

    /// The labels that identify one SLO, with their values.
    pub fn id_labels(&self, service: &str, slo: &str) -> Vec<(&'static str, String)> {
        match self.naming {
            Naming::Sloop => vec![("sloop_service", service.into()), ("sloop_slo", slo.into())],
            Naming::Sloth => vec![
                ("sloth_id", format!("{service}-{slo}")),
                ("sloth_service", service.into()),
                ("sloth_slo", slo.into()),
            ],
        }
    }

    /// The label names of [`Names::id_labels`], for `on(...)`.
    pub fn id_label_names(&self) -> &'static [&'static str] {
        match self.naming {
            Naming::Sloop => &["sloop_service", "sloop_slo"],
            Naming::Sloth => &["sloth_id", "sloth_service", "sloth_slo"],
        }
    }

    /// The target as a ratio: `sloop:slo_objective:ratio` / `slo:objective:ratio`.
    pub fn objective(&self) -> &'static str {
        self.pick("sloop:slo_objective:ratio", "slo:objective:ratio")
    }

    /// `1 − target`: `sloop:slo_error_budget:ratio` / `slo:error_budget:ratio`.
    pub fn error_budget(&self) -> &'static str {
        self.pick("sloop:slo_error_budget:ratio", "slo:error_budget:ratio")
    }

    /// The SLO window: in seconds for sloop, in days for Sloth.
    pub fn period(&self) -> &'static str {
        self.pick("sloop:slo_window:seconds", "slo:time_period:days")
    }

    /// Burn rate over the shortest window.
    pub fn current_burn_rate(&self) -> &'static str {
        self.pick("sloop:slo_burn_rate:current", "slo:current_burn_rate:ratio")
    }

    /// Burn rate over the SLO window.
    pub fn period_burn_rate(&self) -> &'static str {
        self.pick("sloop:slo_burn_rate:period", "slo:period_burn_rate:ratio")
    }

    /// Error budget left over the SLO window (1 = untouched, < 0 = breached).
    pub fn budget_remaining(&self) -> &'static str {
        self.pick("sloop:slo_error_budget_remaining:ratio", "slo:period_error_budget_remaining:ratio")
    }

    /// The info series carrying the SLO's labels.
    pub fn info(&self) -> &'static str {
        self.pick("sloop_slo_info", "sloth_slo_info")
    }

    /// The label on alerts saying page or ticket, next to `severity`.
    pub fn severity_label(&self) -> &'static str {
        self.pick("sloop_severity", "sloth_severity")
    }

    fn pick(&self, sloop: &'static str, sloth: &'static str) -> &'static str {
        match self.naming {
            Naming::Sloop => sloop,
            Naming::Sloth => sloth,
        }
    }
}

/// A Prometheus label name made from any key: invalid characters become `_`,
/// and a leading digit gets a `_` in front.
pub fn label_name(key: &str) -> String {
    let mut out: String = key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The rule group names of one SLO.
pub fn group_name(service: &str, slo: &str, part: &str) -> String {
    format!("sloop-{service}-{slo}-{part}")
}
