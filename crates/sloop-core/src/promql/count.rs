//! Counting an objective's events in one interval, for providers.
//!
//! A provider asks: how many events, good and in total, happened in the
//! interval of length `Δ` ending at `t`? In PromQL that is `increase()` over
//! `Δ`, evaluated at `t`. Manifests write rates (`sum(rate(x[5m]))`), so
//! every `rate()` and `irate()` becomes `increase()`, and every range
//! becomes `Δ`:
//!
//! ```text
//! sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))   Sloth
//! sum(rate(http_requests_total{code=~"5.."}[5m]))            OpenSLO
//! http_requests_total{code=~"5.."}                           Pyrra
//!     → sum(increase(http_requests_total{code=~"5.."}[Δ]))
//! ```
//!
//! Why that is exact at whole minutes, and only there, is told on [`CountQuery`].

use std::time::Duration as StdDuration;

use promql_parser::parser::{self, Expr};

use super::{QueryError, function, histogram_selectors, one_windowed_series, range_call, set_ranges, sum};
use crate::Duration;
use crate::model::{EventQuery, Indicator, LatencyIndicator, RatioIndicator};
use crate::query::render_window;

/// A PromQL query that counts events: the number of events in the interval
/// of a given length ending at the evaluation time, as one series.
///
/// Made from a manifest's query by [`CountQuery::parse`]: a bare counter
/// selector counts its increase, every `rate()` and `irate()` becomes
/// `increase()` (they all take a range vector, so the swap always
/// type-checks), and a grouped result is summed.
///
/// # Why `increase()` at whole minutes is exact
///
/// `increase(x[Δ])` at `t` takes the samples of `x` in `[t − Δ, t]`, adds
/// up how much the counter grew from the first to the last (a drop is a
/// counter reset: the value after it is all growth), and extrapolates that
/// to the whole range by `(sampled + gap at start + gap at end) / sampled`.
/// When a counter is scraped on minute marks and `t` and `Δ` are whole
/// minutes, Prometheus 2 finds samples on both edges of the range (its
/// ranges are closed): both gaps are zero, the factor is exactly 1, and the
/// result is exactly the events of `(t − Δ, t]`. Off the marks the counts
/// are estimates, scaled by about the same factor for good and total, so
/// their ratio stays right. (Prometheus 3 leaves the left edge out: it
/// extrapolates from the sample after it, so its counts are estimates even
/// at whole minutes, and an interval as short as the scrape interval holds
/// a single sample, which gives no result at all.)
#[derive(Debug, Clone, PartialEq)]
pub struct CountQuery {
    expr: Expr,
}

impl CountQuery {
    /// Parses a query as a manifest writes it: with Sloth's `{{.window}}`,
    /// with a fixed range, or a bare counter selector.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let expr = match parser::parse(&render_window(query, "5m")) {
            Ok(e) => e,
            Err(e) => {
                return Err(QueryError { query: query.to_string(), reason: format!("invalid PromQL: {}", e.trim()) });
            }
        };
        let mut expr = one_windowed_series(query, expr)?;
        rates_to_increases(&mut expr);
        Ok(Self { expr })
    }

    /// The query counting the events of the `window` before the evaluation
    /// time: every range set to `window`.
    pub fn over(&self, window: Duration) -> String {
        let mut e = self.expr.clone();
        set_ranges(&mut e, StdDuration::from_secs(window.as_secs()));
        e.to_string()
    }
}

/// Which events the events query of a [`CountQueries`] counts.
#[derive(Debug, Clone, PartialEq)]
pub enum Counted {
    /// The good events: `good = result`.
    Good(CountQuery),
    /// The bad events: `good = total − result`.
    Bad(CountQuery),
}

impl Counted {
    /// The query, whichever side it counts.
    pub fn query(&self) -> &CountQuery {
        match self {
            Counted::Good(q) | Counted::Bad(q) => q,
        }
    }
}

/// The two queries that count one objective's events in an interval: its
/// good or bad events, as the manifest wrote them, and all its events.
#[derive(Debug, Clone, PartialEq)]
pub struct CountQueries {
    /// The good or the bad events.
    pub events: Counted,
    /// All events.
    pub total: CountQuery,
}

/// Why an indicator has no [`CountQueries`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    /// The indicator does not count events (a raw ratio, a threshold, a
    /// selector without queries). The message says why and what would.
    #[error("{0}")]
    Unsupported(String),
    /// One of its queries cannot be read.
    #[error("query `{}`: {}", .0.query, .0.reason)]
    Query(QueryError),
}

impl CountQueries {
    /// The count queries of an indicator, or why it has none.
    ///
    /// A latency indicator counts `_bucket{le=~"<threshold>"}` as good and
    /// `_count` (or the `+Inf` bucket) as total.
    pub fn of(indicator: &Indicator) -> Result<Self, CountError> {
        match indicator {
            Indicator::Ratio(r) => Self::ratio(r),
            Indicator::Selector(s) => match &s.ratio {
                Some(r) => Self::ratio(r),
                None => Err(CountError::Unsupported(
                    "a selector without provider queries is measured from the indicators clients push, \
                     not from a query; add good (or bad) and total queries to measure it here"
                        .into(),
                )),
            },
            Indicator::Latency(l) => Self::latency(l),
            Indicator::Raw(_) => Err(CountError::Unsupported(
                "a raw indicator's query yields a ratio, not events, and a ratio cannot be summed over \
                 intervals of different traffic; write it as a ratio of good (or bad) and total event queries"
                    .into(),
            )),
            Indicator::Threshold(_) => Err(CountError::Unsupported(
                "a threshold indicator compares a metric with a value and has no events to count; \
                 only ratio, latency and selector indicators with queries can be counted"
                    .into(),
            )),
        }
    }

    fn ratio(r: &RatioIndicator) -> Result<Self, CountError> {
        let parse = |q: &str| CountQuery::parse(q).map_err(CountError::Query);
        let events = match &r.events {
            EventQuery::Good(q) => Counted::Good(parse(q)?),
            EventQuery::Bad(q) => Counted::Bad(parse(q)?),
        };
        Ok(Self { events, total: parse(&r.total)? })
    }

    fn latency(l: &LatencyIndicator) -> Result<Self, CountError> {
        let (good, total) = histogram_selectors(l).map_err(CountError::Query)?;
        let count = |vs| CountQuery { expr: sum(range_call("increase", vs, StdDuration::from_secs(300))) };
        Ok(Self { events: Counted::Good(count(good)), total: count(total) })
    }
}

/// Turns every `rate()` and `irate()` into `increase()`, in place.
fn rates_to_increases(e: &mut Expr) {
    match e {
        Expr::Call(c) => {
            if matches!(c.func.name, "rate" | "irate") {
                c.func = function("increase");
            }
            c.args.args.iter_mut().for_each(|a| rates_to_increases(a));
        }
        Expr::Aggregate(a) => rates_to_increases(&mut a.expr),
        Expr::Unary(u) => rates_to_increases(&mut u.expr),
        Expr::Binary(b) => {
            rates_to_increases(&mut b.lhs);
            rates_to_increases(&mut b.rhs);
        }
        Expr::Paren(p) => rates_to_increases(&mut p.expr),
        Expr::Subquery(s) => rates_to_increases(&mut s.expr),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Comparison, LatencyTotal, ProviderRef, RawIndicator, RawMeasure, SelectorIndicator, ThresholdIndicator,
    };

    fn d(s: &str) -> Duration {
        Duration::parse(s).unwrap()
    }

    fn count(q: &str, window: &str) -> String {
        CountQuery::parse(q).unwrap().over(d(window))
    }

    #[test]
    fn every_shape_counts_with_increase() {
        // Sloth's template, OpenSLO's fixed range, Pyrra's bare selector.
        let want = r#"sum(increase(http_requests_total{code=~"5.."}[1m]))"#;
        assert_eq!(count(r#"sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))"#, "1m"), want);
        assert_eq!(count(r#"sum(rate(http_requests_total{code=~"5.."}[5m]))"#, "1m"), want);
        assert_eq!(count(r#"http_requests_total{code=~"5.."}"#, "1m"), want);
        // irate, increase already, and both sides of arithmetic.
        assert_eq!(count("sum(irate(x[5m]))", "1h"), "sum(increase(x[1h]))");
        assert_eq!(count("sum(increase(x[30s]))", "1d"), "sum(increase(x[1d]))");
        assert_eq!(count("sum(rate(a[5m])) + sum(rate(b[5m]))", "2h"), "sum(increase(a[2h])) + sum(increase(b[2h]))");
        // A grouped result is summed into one series; modifiers stay.
        assert_eq!(count("sum by (code) (rate(x[5m]))", "1m"), "sum(sum by (code) (increase(x[1m])))");
        assert_eq!(count("sum(rate(x[5m] offset 1m))", "1h"), "sum(increase(x[1h] offset 1m))");
        // Every rendering parses back.
        for w in ["1m", "1h", "1d", "7d"] {
            let q = count("sum(rate(a[5m])) - sum(irate(b[5m]))", w);
            parser::parse(&q).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
    }

    #[test]
    fn unreadable_queries_are_refused() {
        let e = CountQuery::parse("sum(rate(x[5m])").unwrap_err();
        assert!(e.reason.starts_with("invalid PromQL"), "{e}");
        assert!(CountQuery::parse("sum(x)").unwrap_err().reason.contains("no range"));
    }

    fn ratio(events: EventQuery) -> Indicator {
        Indicator::Ratio(RatioIndicator {
            provider: ProviderRef::prometheus(),
            events,
            total: "sum(rate(http_requests_total[{{.window}}]))".into(),
        })
    }

    #[test]
    fn ratios_keep_their_side() {
        let q = CountQueries::of(&ratio(EventQuery::Bad(r#"sum(rate(x{code=~"5.."}[5m]))"#.into()))).unwrap();
        let Counted::Bad(bad) = &q.events else { panic!("{q:?}") };
        assert_eq!(bad.over(d("5m")), r#"sum(increase(x{code=~"5.."}[5m]))"#);
        assert_eq!(q.total.over(d("5m")), "sum(increase(http_requests_total[5m]))");
        let q = CountQueries::of(&ratio(EventQuery::Good("x_good".into()))).unwrap();
        assert!(matches!(q.events, Counted::Good(_)));
        assert_eq!(q.events.query().over(d("1m")), "sum(increase(x_good[1m]))");
        let e = CountQueries::of(&ratio(EventQuery::Good("sum(".into()))).unwrap_err();
        assert!(matches!(&e, CountError::Query(q) if q.query == "sum("), "{e:?}");
        assert!(e.to_string().starts_with("query `sum(`: invalid PromQL"), "{e}");
    }

    #[test]
    fn latency_counts_buckets() {
        let latency = |total| {
            Indicator::Latency(LatencyIndicator {
                provider: ProviderRef::prometheus(),
                metric: "http_request_duration_seconds".into(),
                matchers: vec![r#"job="web""#.into()],
                threshold: "0.25".into(),
                total,
                buckets: None,
            })
        };
        let q = CountQueries::of(&latency(LatencyTotal::Count)).unwrap();
        let Counted::Good(good) = &q.events else { panic!("{q:?}") };
        assert_eq!(
            good.over(d("1m")),
            r#"sum(increase(http_request_duration_seconds_bucket{job="web",le=~"0\\.250*"}[1m]))"#
        );
        assert_eq!(q.total.over(d("1h")), r#"sum(increase(http_request_duration_seconds_count{job="web"}[1h]))"#);
        let q = CountQueries::of(&latency(LatencyTotal::InfBucket)).unwrap();
        assert_eq!(
            q.total.over(d("1h")),
            r#"sum(increase(http_request_duration_seconds_bucket{job="web",le=~"\\+Inf"}[1h]))"#
        );
    }

    #[test]
    fn indicators_without_events_are_unsupported() {
        let provider = ProviderRef::prometheus();
        let raw = Indicator::Raw(RawIndicator {
            provider: provider.clone(),
            query: "sum(rate(e[5m])) / sum(rate(t[5m]))".into(),
            measures: RawMeasure::ErrorRatio,
        });
        let threshold = Indicator::Threshold(ThresholdIndicator {
            provider,
            query: "max(up)".into(),
            op: Comparison::Lt,
            value: 1.0,
        });
        let selector = Indicator::Selector(SelectorIndicator { labels: Default::default(), ratio: None });
        for (indicator, says) in [(raw, "yields a ratio"), (threshold, "no events"), (selector, "clients push")] {
            match CountQueries::of(&indicator) {
                Err(CountError::Unsupported(m)) => assert!(m.contains(says), "{m}"),
                other => panic!("{other:?}"),
            }
        }
    }
}
