//! Indicators as data: how many events were good, out of how many, over an
//! interval, for a label set.
//!
//! A [`Measurement`] is the unit of data everywhere in sloop: providers
//! produce them, the agent stores them, clients push them to the server, and
//! reports sum them. Counts are always summed, never averaged as ratios.
//!
//! Every objective has a label set its measurements are stored under
//! ([`series_labels`]): the labels of its selector when it has one (what
//! clients push, as with Reliably's `indicatorSelector`), otherwise
//! `{service, slo}`.

use serde::{Deserialize, Serialize};

use crate::math::{Counts, MathError, Point};
use crate::model::{Indicator, Labels, Objective};

/// The label an objective without a selector stores its service under.
pub const SERVICE_LABEL: &str = "service";
/// The label an objective without a selector stores its name under.
pub const SLO_LABEL: &str = "slo";

/// Good and total events of one label set over `(from, to]` (unix seconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// Which series the counts belong to.
    pub labels: Labels,
    /// Where the interval starts (exclusive), unix seconds.
    pub from: i64,
    /// Where it ends (inclusive), unix seconds.
    pub to: i64,
    /// The good events.
    pub good: f64,
    /// All events.
    pub total: f64,
}

impl Measurement {
    /// A measurement, checked as a [`Point`] is: `from < to`, finite counts,
    /// `0 ≤ good ≤ total`.
    pub fn new(labels: Labels, from: i64, to: i64, good: f64, total: f64) -> Result<Self, MathError> {
        Point::new(from, to, good, total)?;
        Ok(Self { labels, from, to, good, total })
    }

    /// A measurement from a percentage alone (Reliably's indicators carry
    /// only one): one time slice, good = `percent / 100` of one event. It
    /// weighs as one event, whatever the traffic was.
    pub fn from_percentage(labels: Labels, from: i64, to: i64, percent: f64) -> Result<Self, MathError> {
        if !(0.0..=100.0).contains(&percent) {
            return Err(MathError::new(format!("{percent} is not a percentage between 0 and 100")));
        }
        Self::new(labels, from, to, percent / 100.0, 1.0)
    }

    /// Checks an instance built field by field (deserialized, say).
    pub fn check(&self) -> Result<(), MathError> {
        Point::new(self.from, self.to, self.good, self.total).map(|_| ())
    }

    /// The interval and counts, without the labels.
    pub fn point(&self) -> Result<Point, MathError> {
        Point::new(self.from, self.to, self.good, self.total)
    }

    /// The counts.
    pub fn counts(&self) -> Result<Counts, MathError> {
        Counts::new(self.good, self.total)
    }
}

/// The label set an objective's measurements are stored under: its selector
/// labels, or `{service: …, slo: …}`.
pub fn series_labels(objective: &Objective) -> Labels {
    match &objective.indicator {
        Indicator::Selector(s) if !s.labels.is_empty() => s.labels.clone(),
        _ => Labels::from([
            (SERVICE_LABEL.to_string(), objective.service.clone()),
            (SLO_LABEL.to_string(), objective.name.clone()),
        ]),
    }
}

/// Whether a measurement's labels select it for an objective whose series
/// labels are `selector`: it carries every one of them, with the same value.
pub fn matches(selector: &Labels, labels: &Labels) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn refuses_impossible_counts_and_empty_intervals() {
        let l = labels(&[("a", "b")]);
        assert!(Measurement::new(l.clone(), 0, 60, 5.0, 10.0).is_ok());
        assert!(Measurement::new(l.clone(), 60, 60, 5.0, 10.0).is_err());
        assert!(Measurement::new(l.clone(), 0, 60, 11.0, 10.0).is_err());
        assert!(Measurement::new(l.clone(), 0, 60, f64::NAN, 10.0).is_err());
        assert!(Measurement::new(l.clone(), 0, 60, -1.0, 10.0).is_err());
        assert!(Measurement::from_percentage(l.clone(), 0, 60, 101.0).is_err());
        let m = Measurement::from_percentage(l, 0, 60, 99.5).unwrap();
        assert_eq!((m.good, m.total), (0.995, 1.0));
    }

    #[test]
    fn json_rejects_unknown_fields() {
        let ok = r#"{"labels":{"a":"b"},"from":0,"to":60,"good":1,"total":2}"#;
        assert!(serde_json::from_str::<Measurement>(ok).is_ok());
        let bad = r#"{"labels":{},"from":0,"to":60,"good":1,"total":2,"extra":1}"#;
        assert!(serde_json::from_str::<Measurement>(bad).is_err());
    }

    #[test]
    fn selector_matching_needs_every_label() {
        let sel = labels(&[("service", "web"), ("slo", "avail")]);
        assert!(matches(&sel, &labels(&[("service", "web"), ("slo", "avail"), ("pod", "x")])));
        assert!(!matches(&sel, &labels(&[("service", "web")])));
        assert!(!matches(&sel, &labels(&[("service", "web"), ("slo", "latency")])));
    }
}
