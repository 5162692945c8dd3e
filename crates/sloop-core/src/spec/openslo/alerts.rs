//! AlertPolicy, AlertCondition and AlertNotificationTarget.

use super::read::Registry;
use super::types::{AlertConditionSpec, AlertPolicySpec, Metadata, NotificationTargetSpec, SloSpec};
use super::window;
use crate::alerting::{BurnRateWindow, Severity};
use crate::duration::Duration;
use crate::source::Document;
use crate::spec::{Collector, check};

/// A checked burn-rate condition.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    severity: Severity,
    lookback: Duration,
    short: Duration,
    threshold: f64,
}

impl Condition {
    /// The window pair for an SLO window.
    pub(super) fn window(&self, slo_window: Duration) -> BurnRateWindow {
        BurnRateWindow {
            severity: self.severity,
            long: self.lookback,
            short: self.short,
            budget_share: super::budget_share(self.threshold, self.lookback, slo_window),
        }
    }
}

/// A checked alert policy: its conditions and the names of its targets.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(super) conditions: Vec<Condition>,
    pub(super) targets: Vec<String>,
}

const SEVERITY_HINT: &str =
    "a severity such as page or ticket (page, critical and high page; anything else is a ticket)";

/// `page`, `critical` and `high` page; anything else is a ticket.
fn severity(raw: &str) -> Severity {
    match raw.trim().to_ascii_lowercase().as_str() {
        "page" | "critical" | "high" => Severity::Page,
        _ => Severity::Ticket,
    }
}

/// Whether a shorthand is zero (`0`, `0m`): "alert at once".
fn is_zero(raw: &str) -> bool {
    let digits: String = raw.trim().chars().take_while(char::is_ascii_digit).collect();
    !digits.is_empty() && digits.chars().all(|c| c == '0')
}

/// An AlertCondition's spec at `p` (`spec`, or `...conditions[0].spec` inline).
pub(super) fn condition(
    doc: &Document<'_>,
    p: &str,
    spec: &AlertConditionSpec,
    out: &mut Collector,
) -> Option<Condition> {
    let severity = match spec.severity.as_deref() {
        Some(s) if !s.trim().is_empty() => Some(severity(s)),
        _ => {
            out.push(doc.error(
                "missing-field",
                &format!("{p}.severity"),
                "an alert condition needs a `severity`",
                Some(SEVERITY_HINT),
            ));
            None
        }
    };
    let Some(c) = &spec.condition else {
        out.push(doc.error(
            "missing-field",
            &format!("{p}.condition"),
            "an alert condition needs a `condition`",
            Some("condition: {kind: burnrate, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}"),
        ));
        return None;
    };
    let cp = format!("{p}.condition");
    let mut ok = true;
    if let Some(kind) = &c.kind
        && !kind.trim().eq_ignore_ascii_case("burnrate")
    {
        out.push(doc.error(
            "unsupported",
            &format!("{cp}.kind"),
            format!("unknown alert condition kind `{kind}`"),
            Some("burnrate, the only kind OpenSLO v1 defines"),
        ));
        ok = false;
    }
    if let Some(op) = &c.op
        && !matches!(op.trim(), "gt" | "gte")
    {
        let why = if matches!(op.trim(), "lt" | "lte") {
            format!("`op: {op}` would alert while the budget burns slowly")
        } else {
            format!("unknown operator `{op}`")
        };
        out.push(doc.error(
            "invalid-op",
            &format!("{cp}.op"),
            why,
            Some("gt or gte: a burn-rate alert fires when the burn rate is above the threshold"),
        ));
        ok = false;
    }
    let threshold = match c.threshold {
        Some(t) if t.is_finite() && t > 0.0 => Some(t),
        Some(t) => {
            out.push(doc.error(
                "invalid-threshold",
                &format!("{cp}.threshold"),
                format!("burn-rate threshold `{t}` must be above 0"),
                Some("a burn rate such as 14.4 (the budget spent 14.4 times faster than it lasts)"),
            ));
            None
        }
        None => {
            out.push(doc.error(
                "missing-field",
                &format!("{cp}.threshold"),
                "a burn-rate condition needs a `threshold`",
                Some("a burn rate such as 14.4"),
            ));
            None
        }
    };
    let lpath = format!("{cp}.lookbackWindow");
    let lookback = match &c.lookback_window {
        Some(raw) => window::fixed(doc, &lpath, raw, "a lookback window", out),
        None => {
            out.push(doc.error(
                "missing-field",
                &lpath,
                "a burn-rate condition needs a `lookbackWindow`",
                Some("the window the burn rate is measured over, such as 1h"),
            ));
            None
        }
    };
    let apath = format!("{cp}.alertAfter");
    let after = match &c.alert_after {
        Some(raw) if !is_zero(raw) => window::fixed(doc, &apath, raw, "alertAfter", out).map(Some),
        _ => Some(None),
    };
    let (severity, threshold, lookback, after) = (severity?, threshold?, lookback?, after?);
    let short = match after {
        Some(a) if a >= lookback => {
            out.push(doc.error(
                "invalid-duration",
                &apath,
                format!("alertAfter ({a}) must be shorter than lookbackWindow ({lookback})"),
                Some("a confirming window about a twelfth of the lookback window, such as 5m for 1h"),
            ));
            return None;
        }
        Some(a) => a,
        None => Duration::from_secs((lookback.as_secs() / 12).max(1)),
    };
    ok.then_some(Condition { severity, lookback, short, threshold })
}

/// An AlertNotificationTarget's spec: `target` is required. Returns it.
pub(super) fn target(
    doc: &Document<'_>,
    p: &str,
    spec: &NotificationTargetSpec,
    out: &mut Collector,
) -> Option<String> {
    match spec.target.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => Some(t.to_string()),
        _ => {
            out.push(doc.error(
                "missing-field",
                &format!("{p}.target"),
                "a notification target needs a `target`",
                Some("where notifications go, such as slack, email or pagerduty"),
            ));
            None
        }
    }
}

/// Checks an inline object's `kind` and `metadata.name`.
fn inline_header(
    doc: &Document<'_>,
    p: &str,
    want: &str,
    kind: Option<&str>,
    metadata: Option<&Metadata>,
    out: &mut Collector,
) -> Option<String> {
    let mut ok = true;
    if let Some(k) = kind
        && k.trim() != want
    {
        out.push(doc.error(
            "invalid-kind",
            &format!("{p}.kind"),
            format!("an inline {want} has `kind: {want}`, not `{k}`"),
            Some(&format!("kind: {want}")),
        ));
        ok = false;
    }
    let name = match metadata {
        Some(m) => check::name(doc, &format!("{p}.metadata.name"), &m.name).map_err(|e| out.push(e)).ok(),
        None => {
            out.push(doc.error(
                "missing-field",
                &format!("{p}.metadata"),
                format!("an inline {want} needs `metadata.name`"),
                Some(&format!("kind: {want}, metadata: {{name: ...}}, spec: {{...}}")),
            ));
            None
        }
    };
    name.filter(|_| ok)
}

/// An AlertPolicy's spec at `p`, resolving referenced conditions and targets.
pub(super) fn policy(
    doc: &Document<'_>,
    p: &str,
    spec: &AlertPolicySpec,
    reg: &Registry,
    out: &mut Collector,
) -> Option<Policy> {
    let mut ok = true;
    if spec.conditions.is_empty() {
        out.push(doc.error(
            "missing-field",
            &format!("{p}.conditions"),
            "an alert policy needs a condition",
            Some("conditions: [{conditionRef: <AlertCondition name>}]"),
        ));
        ok = false;
    }
    let mut conditions = Vec::new();
    for (i, c) in spec.conditions.iter().enumerate() {
        let cp = format!("{p}.conditions[{i}]");
        let inline = c.kind.is_some() || c.metadata.is_some() || c.spec.is_some();
        let got = match (&c.condition_ref, inline) {
            (Some(r), false) => reg.conditions.lookup(doc, &format!("{cp}.conditionRef"), r.trim(), out).cloned(),
            (Some(_), true) => {
                out.push(doc.error(
                    "conflicting-fields",
                    &format!("{cp}.conditionRef"),
                    "a condition is either a `conditionRef` or inline, not both",
                    Some("conditionRef: <name>, or kind: AlertCondition with metadata and spec"),
                ));
                None
            }
            (None, _) => {
                let name = inline_header(doc, &cp, "AlertCondition", c.kind.as_deref(), c.metadata.as_ref(), out);
                let cond = match &c.spec {
                    Some(s) => condition(doc, &format!("{cp}.spec"), s, out),
                    None => {
                        out.push(doc.error(
                            "missing-field",
                            &format!("{cp}.spec"),
                            "an inline alert condition needs a `spec`",
                            Some("conditionRef: <name>, or kind: AlertCondition with metadata and spec"),
                        ));
                        None
                    }
                };
                name.and(cond)
            }
        };
        match got {
            Some(c) => conditions.push(c),
            None => ok = false,
        }
    }
    let mut targets = Vec::new();
    for (i, t) in spec.notification_targets.iter().enumerate() {
        let tp = format!("{p}.notificationTargets[{i}]");
        let inline = t.kind.is_some() || t.metadata.is_some() || t.spec.is_some();
        let got = match (&t.target_ref, inline) {
            (Some(r), false) => {
                reg.targets.lookup(doc, &format!("{tp}.targetRef"), r.trim(), out).map(|_| r.trim().to_string())
            }
            (Some(_), true) => {
                out.push(doc.error(
                    "conflicting-fields",
                    &format!("{tp}.targetRef"),
                    "a notification target is either a `targetRef` or inline, not both",
                    Some("targetRef: <name>, or kind: AlertNotificationTarget with metadata and spec"),
                ));
                None
            }
            (None, _) => {
                let name =
                    inline_header(doc, &tp, "AlertNotificationTarget", t.kind.as_deref(), t.metadata.as_ref(), out);
                let spec = t.spec.clone().unwrap_or_default();
                let target = target(doc, &format!("{tp}.spec"), &spec, out);
                target.and(name)
            }
        };
        match got {
            Some(n) => targets.push(n),
            None => ok = false,
        }
    }
    ok.then_some(Policy { conditions, targets })
}

/// The SLO's `alertPolicies`, inline or by `alertPolicyRef`.
pub(super) fn slo_policies(
    doc: &Document<'_>,
    spec: &SloSpec,
    reg: &Registry,
    out: &mut Collector,
) -> Option<Vec<Policy>> {
    let mut ok = true;
    let mut policies = Vec::new();
    for (i, e) in spec.alert_policies.iter().enumerate() {
        let p = format!("spec.alertPolicies[{i}]");
        let inline = e.kind.is_some() || e.metadata.is_some() || e.spec.is_some();
        let got = match (&e.alert_policy_ref, inline) {
            (Some(r), false) => reg.policies.lookup(doc, &format!("{p}.alertPolicyRef"), r.trim(), out).cloned(),
            (Some(_), true) => {
                out.push(doc.error(
                    "conflicting-fields",
                    &format!("{p}.alertPolicyRef"),
                    "an alert policy is either an `alertPolicyRef` or inline, not both",
                    Some("alertPolicyRef: <name>, or kind: AlertPolicy with metadata and spec"),
                ));
                None
            }
            (None, _) => {
                let name = inline_header(doc, &p, "AlertPolicy", e.kind.as_deref(), e.metadata.as_ref(), out);
                let spec = e.spec.clone().unwrap_or_default();
                let pol = policy(doc, &format!("{p}.spec"), &spec, reg, out);
                name.and(pol)
            }
        };
        match got {
            Some(pol) => policies.push(pol),
            None => ok = false,
        }
    }
    ok.then_some(policies)
}
