//! Reading and rewriting the PromQL of an objective with promql-parser.
//!
//! An objective's queries come in three shapes:
//!
//! - a template with Sloth's `{{.window}}`: `sum(rate(x[{{.window}}]))`;
//! - a query with a fixed range: `sum(rate(x[5m]))` (OpenSLO);
//! - a bare counter selector: `http_requests_total{job="app"}` (Pyrra).
//!
//! Each is parsed, and rewritten in its syntax tree, into one of two forms:
//!
//! - [`EventRates`] and [`Template`], for the rule generator (sloop-rules):
//!   the same query over any window, as a rate. A bare selector becomes
//!   `sum(rate(selector[w]))`.
//! - [`CountQueries`] and [`CountQuery`], for providers: the *number* of
//!   events in one interval, every `rate()` turned into `increase()` over
//!   the interval's length.
//!
//! Either way the range of every matrix selector is set in the tree, and a
//! grouped result is summed into one series. Nothing is spliced into
//! unparsed text except the placeholder, which is replaced before parsing.

use std::time::Duration as StdDuration;

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{self, AggregateExpr, Expr, MatrixSelector, VectorSelector, token};

use crate::Duration;
use crate::model::{EventQuery, Indicator, LatencyIndicator, LatencyTotal, RawMeasure};
use crate::query::{WINDOW_PLACEHOLDER, has_window_placeholder, render_window};

mod count;

pub use count::{CountError, CountQueries, CountQuery, Counted};

/// Why a query cannot be read or rewritten.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct QueryError {
    /// The query as written.
    pub query: String,
    /// What is wrong.
    pub reason: String,
}

/// How to count one objective's events over any window, as PromQL.
#[derive(Debug, Clone, PartialEq)]
pub enum EventRates {
    /// Bad and total event rates: the SLI is exact over any window.
    Events {
        /// Bad events per second over a window (or per window; only ratios are used).
        bad: Template,
        /// All events.
        total: Template,
    },
    /// A query that yields the error ratio itself (Sloth `raw`). Long windows
    /// can only average it over time.
    ErrorRatio(Template),
}

/// The query language the rules are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// PromQL: every query is parsed and rewritten.
    #[default]
    PromQl,
    /// VictoriaMetrics' MetricsQL, a superset: a query promql-parser cannot
    /// read is kept as text, and windowed through its `{{.window}}` placeholder.
    MetricsQl,
}

/// A query that can be set to any window.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    body: Body,
    /// Whether the expression yields a single series with no labels
    /// (an aggregation without grouping), so `or vector(0)` is safe.
    single: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Parsed(Expr),
    /// MetricsQL that PromQL cannot parse, with the window placeholder.
    Text(String),
}

impl Template {
    /// Parses a PromQL query as written in a manifest.
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        Self::parse_in(query, Dialect::PromQl)
    }

    /// Parses a query in a dialect.
    pub fn parse_in(query: &str, dialect: Dialect) -> Result<Self, QueryError> {
        let err = |reason: String| QueryError { query: query.to_string(), reason };
        let text = render_window(query, "5m");
        let expr = match (parser::parse(&text), dialect) {
            (Ok(e), _) => e,
            (Err(_), Dialect::MetricsQl) if has_window_placeholder(query) => {
                // `at` sums it, so it is one series.
                return Ok(Self { body: Body::Text(query.to_string()), single: true });
            }
            (Err(e), Dialect::MetricsQl) => {
                return Err(err(format!(
                    "not PromQL ({}), and without {WINDOW_PLACEHOLDER} a MetricsQL query cannot be windowed",
                    e.trim()
                )));
            }
            (Err(e), Dialect::PromQl) => return Err(err(format!("invalid PromQL: {}", e.trim()))),
        };
        Ok(Self { body: Body::Parsed(one_windowed_series(query, expr)?), single: true })
    }

    fn from_expr(expr: Expr) -> Self {
        let single = is_single_series(&expr);
        Self { body: Body::Parsed(expr), single }
    }

    /// The query over `window`.
    pub fn at(&self, window: Duration) -> String {
        match &self.body {
            Body::Parsed(expr) => {
                let mut e = expr.clone();
                set_ranges(&mut e, StdDuration::from_secs(window.as_secs()));
                e.to_string()
            }
            Body::Text(t) => format!("sum({})", render_window(t, &window.to_compact())),
        }
    }

    /// The query over `window`, with `or vector(0)` when that is safe, so a
    /// series that does not exist yet (no error so far) counts as zero.
    pub fn at_or_zero(&self, window: Duration) -> String {
        if self.single { format!("{} or vector(0)", self.at(window)) } else { self.at(window) }
    }

    /// Whether the query yields one series without labels.
    pub fn is_single(&self) -> bool {
        self.single
    }
}

/// A parsed query made ready to be windowed: a bare counter selector counts
/// its increase, the query must have a range to set, and a grouped result is
/// summed into one series.
fn one_windowed_series(query: &str, expr: Expr) -> Result<Expr, QueryError> {
    let expr = match expr {
        // A bare counter selector: count its increase.
        Expr::VectorSelector(vs) => sum(range_call("rate", vs, StdDuration::from_secs(300))),
        other => other,
    };
    if count_ranges(&expr) == 0 {
        return Err(QueryError {
            query: query.to_string(),
            reason: format!(
                "the query has no range to set the window on; write it as a rate over {WINDOW_PLACEHOLDER}, \
                 e.g. sum(rate(http_requests_total[{WINDOW_PLACEHOLDER}]))"
            ),
        });
    }
    // One series per SLO: a grouped query is summed, so `or vector(0)` and
    // matching between windows stay simple.
    Ok(if is_single_series(&expr) { expr } else { sum(expr) })
}

impl EventRates {
    /// The event queries of an indicator, or why it has none in PromQL.
    pub fn of(indicator: &Indicator) -> Result<Self, String> {
        Self::of_in(indicator, Dialect::PromQl)
    }

    /// The same, in a dialect.
    pub fn of_in(indicator: &Indicator, dialect: Dialect) -> Result<Self, String> {
        let parse = |q: &str| Template::parse_in(q, dialect).map_err(|e| format!("query `{}`: {}", e.query, e.reason));
        match indicator {
            Indicator::Ratio(r) => ratio(&r.events, &r.total, parse),
            Indicator::Selector(s) => match &s.ratio {
                Some(r) => ratio(&r.events, &r.total, parse),
                None => Err("a selector without queries is measured from pushed indicators, not Prometheus".into()),
            },
            Indicator::Latency(l) => latency(l),
            Indicator::Raw(r) => {
                let t = parse(&r.query)?;
                match r.measures {
                    RawMeasure::ErrorRatio => Ok(EventRates::ErrorRatio(t)),
                    RawMeasure::GoodRatio => Ok(EventRates::ErrorRatio(match t.body {
                        Body::Parsed(e) => Template::from_expr(one_minus(e)),
                        Body::Text(q) => Template { body: Body::Text(format!("1 - ({q})")), single: true },
                    })),
                }
            }
            Indicator::Threshold(_) => {
                Err("a threshold indicator (a metric against a value) has no event counts to turn into burn rates"
                    .into())
            }
        }
    }

    /// The bad-events rate over `window`, as PromQL.
    pub fn bad_rate(&self, window: Duration) -> Option<String> {
        match self {
            EventRates::Events { bad, .. } => Some(bad.at_or_zero(window)),
            EventRates::ErrorRatio(_) => None,
        }
    }

    /// The error ratio over `window` straight from the raw series, `None`
    /// (no result) when there were no events.
    pub fn error_ratio(&self, window: Duration) -> String {
        match self {
            EventRates::Events { bad, total } => {
                format!("(\n  {}\n)\n/\n(\n  {} > 0\n)", bad.at_or_zero(window), total.at(window))
            }
            EventRates::ErrorRatio(q) => q.at(window),
        }
    }

    /// The total-events rate over `window`.
    pub fn total_rate(&self, window: Duration) -> Option<String> {
        match self {
            EventRates::Events { total, .. } => Some(total.at(window)),
            EventRates::ErrorRatio(_) => None,
        }
    }
}

fn ratio(
    events: &EventQuery,
    total: &str,
    parse: impl Fn(&str) -> Result<Template, String>,
) -> Result<EventRates, String> {
    let total = parse(total)?;
    let bad = match events {
        EventQuery::Bad(q) => parse(q)?,
        // bad = total − good; clamped, because scrapes of the two counters are
        // not simultaneous and good may briefly exceed total.
        EventQuery::Good(q) => {
            let good = parse(q)?;
            match (&total.body, &good.body) {
                (Body::Parsed(t), Body::Parsed(g)) => {
                    let g = if good.single { or_zero(g.clone()) } else { g.clone() };
                    let diff = binary(paren(t.clone()), token::T_SUB, paren(g));
                    Template::from_expr(call("clamp_min", vec![diff, Expr::from(0.0)]))
                }
                // MetricsQL text: subtract as text, through the placeholder.
                _ => {
                    Template { body: Body::Text(format!("({}) - ({})", text_of(&total), text_of(&good))), single: true }
                }
            }
        }
    };
    Ok(EventRates::Events { bad, total })
}

/// A template as text with the window placeholder (for MetricsQL).
fn text_of(t: &Template) -> String {
    match &t.body {
        Body::Text(s) => s.clone(),
        Body::Parsed(_) => t.at(Duration::from_secs(300)).replace("[5m]", &format!("[{WINDOW_PLACEHOLDER}]")),
    }
}

/// good = `le` bucket at the threshold, total = `_count` or the `+Inf` bucket.
fn latency(l: &LatencyIndicator) -> Result<EventRates, String> {
    let (good, total) = histogram_selectors(l).map_err(|e| e.reason)?;
    let five = StdDuration::from_secs(300);
    let good = sum(range_call("rate", good, five));
    let total = sum(range_call("rate", total, five));
    let bad =
        call("clamp_min", vec![binary(paren(total.clone()), token::T_SUB, paren(or_zero(good))), Expr::from(0.0)]);
    Ok(EventRates::Events { bad: Template::from_expr(bad), total: Template::from_expr(total) })
}

/// The selectors of a latency indicator's good requests (the `le` bucket at
/// the threshold) and of all its requests (`_count` or the `+Inf` bucket).
fn histogram_selectors(l: &LatencyIndicator) -> Result<(VectorSelector, VectorSelector), QueryError> {
    let selector = |suffix: &str, le: Option<String>| -> Result<VectorSelector, QueryError> {
        let text = format!("{}{suffix}{{{}}}", l.metric, l.matchers.join(","));
        let err = |reason: String| QueryError { query: text.clone(), reason };
        let mut vs = match parser::parse(&text) {
            Ok(Expr::VectorSelector(vs)) => vs,
            Ok(_) => return Err(err(format!("`{text}` is not a selector"))),
            Err(e) => return Err(err(format!("`{text}`: invalid PromQL: {}", e.trim()))),
        };
        if let Some(re) = le {
            let m = Matcher::new_matcher(token::T_EQL_REGEX, "le".into(), re).map_err(|e| err(e.to_string()))?;
            vs.matchers.matchers.push(m);
        }
        Ok(vs)
    };
    let good = selector("_bucket", Some(le_regex(&l.threshold)))?;
    let total = match l.total {
        LatencyTotal::Count => selector("_count", None)?,
        LatencyTotal::InfBucket => selector("_bucket", Some(r"\+Inf".into()))?,
    };
    Ok((good, total))
}

/// A regular expression matching a bucket boundary however it is printed:
/// Prometheus 2 keeps the exporter's text (`0.2`, `0.20`), Prometheus 3
/// normalises it (`0.2`, and `1.0` for `1`). `0.2` → `0\.20*`, `1` → `1(\.0*)?`.
pub fn le_regex(threshold: &str) -> String {
    let t = threshold.trim();
    match t.split_once('.') {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() { format!(r"{int}(\.0*)?") } else { format!(r"{int}\.{frac}0*") }
        }
        None => format!(r"{t}(\.0*)?"),
    }
}

/// `name(vs[range])`, for `rate` and `increase`.
fn range_call(name: &str, vs: VectorSelector, range: StdDuration) -> Expr {
    call(name, vec![Expr::MatrixSelector(MatrixSelector { vs, range })])
}

fn sum(e: Expr) -> Expr {
    Expr::Aggregate(AggregateExpr {
        op: token::TokenType::new(token::T_SUM),
        expr: Box::new(e),
        param: None,
        modifier: None,
    })
}

fn paren(e: Expr) -> Expr {
    Expr::Paren(parser::ParenExpr { expr: Box::new(e) })
}

fn or_zero(e: Expr) -> Expr {
    let zero = call("vector", vec![Expr::from(0.0)]);
    paren(binary(e, token::T_LOR, zero))
}

fn one_minus(e: Expr) -> Expr {
    binary(Expr::from(1.0), token::T_SUB, paren(e))
}

fn binary(lhs: Expr, op: token::TokenId, rhs: Expr) -> Expr {
    Expr::Binary(parser::BinaryExpr {
        op: token::TokenType::new(op),
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        modifier: None,
    })
}

/// A call of one of the few functions sloop builds itself.
fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Call(parser::Call {
        func: function(name),
        args: parser::FunctionArgs { args: args.into_iter().map(Box::new).collect() },
    })
}

/// One of the few functions sloop builds calls of. promql-parser only hands
/// out its function table through the parser, so each is taken from a
/// parsed sample call.
fn function(name: &str) -> parser::Function {
    // Parsing is slow next to cloning: parse each sample once per process.
    static FUNCTIONS: std::sync::OnceLock<Vec<parser::Function>> = std::sync::OnceLock::new();
    let table = FUNCTIONS.get_or_init(|| {
        ["rate(x[1m])", "increase(x[1m])", "clamp_min(x, 0)", "vector(0)"]
            .into_iter()
            .map(|s| match parser::parse(s) {
                Ok(Expr::Call(c)) => c.func,
                _ => unreachable!("{s} parses as a call"),
            })
            .collect()
    });
    match table.iter().find(|f| f.name == name) {
        Some(f) => f.clone(),
        None => unreachable!("sloop does not build calls of {name}"),
    }
}

fn count_ranges(e: &Expr) -> usize {
    match e {
        Expr::MatrixSelector(_) => 1,
        Expr::Aggregate(a) => count_ranges(&a.expr),
        Expr::Unary(u) => count_ranges(&u.expr),
        Expr::Binary(b) => count_ranges(&b.lhs) + count_ranges(&b.rhs),
        Expr::Paren(p) => count_ranges(&p.expr),
        Expr::Subquery(s) => count_ranges(&s.expr),
        Expr::Call(c) => c.args.args.iter().map(|a| count_ranges(a)).sum(),
        _ => 0,
    }
}

fn set_ranges(e: &mut Expr, w: StdDuration) {
    match e {
        Expr::MatrixSelector(m) => m.range = w,
        Expr::Aggregate(a) => set_ranges(&mut a.expr, w),
        Expr::Unary(u) => set_ranges(&mut u.expr, w),
        Expr::Binary(b) => {
            set_ranges(&mut b.lhs, w);
            set_ranges(&mut b.rhs, w);
        }
        Expr::Paren(p) => set_ranges(&mut p.expr, w),
        Expr::Subquery(s) => set_ranges(&mut s.expr, w),
        Expr::Call(c) => c.args.args.iter_mut().for_each(|a| set_ranges(a, w)),
        _ => {}
    }
}

/// An aggregation without `by`/`without` (or arithmetic of such) yields one
/// series with no labels.
fn is_single_series(e: &Expr) -> bool {
    match e {
        Expr::Aggregate(a) => a.modifier.is_none() && a.param.is_none(),
        Expr::Paren(p) => is_single_series(&p.expr),
        Expr::Binary(b) => {
            let scalar = |x: &Expr| matches!(x, Expr::NumberLiteral(_));
            (is_single_series(&b.lhs) || scalar(&b.lhs)) && (is_single_series(&b.rhs) || scalar(&b.rhs))
        }
        Expr::Call(c) => {
            // Element-wise functions keep one series one series.
            const ELEMENTWISE: [&str; 15] = [
                "abs",
                "ceil",
                "floor",
                "round",
                "exp",
                "ln",
                "log2",
                "log10",
                "sqrt",
                "clamp",
                "clamp_min",
                "clamp_max",
                "histogram_count",
                "histogram_sum",
                "histogram_fraction",
            ];
            c.func.name == "vector"
                || (ELEMENTWISE.contains(&c.func.name)
                    && c.args.args.iter().all(|a| matches!(**a, Expr::NumberLiteral(_)) || is_single_series(a)))
        }
        _ => false,
    }
}

/// Whether a matcher op is a regex one (used by tests).
pub fn is_regex(op: &MatchOp) -> bool {
    matches!(op, MatchOp::Re(_) | MatchOp::NotRe(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Duration {
        Duration::parse(s).unwrap()
    }

    #[test]
    fn templates_take_any_window() {
        let t = Template::parse(r#"sum(rate(http_requests_total{job="a",code=~"5.."}[{{.window}}]))"#).unwrap();
        assert_eq!(t.at(d("1h")), r#"sum(rate(http_requests_total{code=~"5..",job="a"}[1h]))"#);
        assert!(t.is_single());
        assert_eq!(t.at_or_zero(d("30m")), r#"sum(rate(http_requests_total{code=~"5..",job="a"}[30m])) or vector(0)"#);
        // A fixed range is re-windowed; a bare selector becomes a rate.
        assert_eq!(Template::parse("sum(increase(x_total[5m]))").unwrap().at(d("6h")), "sum(increase(x_total[6h]))");
        assert_eq!(Template::parse(r#"x_total{a="b"}"#).unwrap().at(d("1d")), r#"sum(rate(x_total{a="b"}[1d]))"#);
        // Grouped queries are summed into one series.
        let g = Template::parse("sum by (code) (rate(x[5m]))").unwrap();
        assert!(g.is_single());
        assert_eq!(g.at(d("5m")), "sum(sum by (code) (rate(x[5m])))");
    }

    #[test]
    fn queries_without_a_range_are_refused() {
        let e = Template::parse("sum(x_total)").unwrap_err();
        assert!(e.reason.contains("no range"), "{e}");
        assert!(Template::parse("sum(rate(x[5m])").unwrap_err().reason.contains("invalid PromQL"));
    }

    #[test]
    fn metricsql_keeps_what_promql_cannot_read() {
        // `default` is MetricsQL, not PromQL.
        let q = "sum(rate(x_total[{{.window}}])) default 0";
        assert!(Template::parse(q).is_err());
        let t = Template::parse_in(q, Dialect::MetricsQl).unwrap();
        assert_eq!(t.at(d("1h")), "sum(sum(rate(x_total[1h])) default 0)");
        assert!(
            Template::parse_in("sum(x) default 0", Dialect::MetricsQl)
                .unwrap_err()
                .reason
                .contains("cannot be windowed")
        );
    }

    #[test]
    fn le_matches_both_spellings() {
        assert_eq!(le_regex("0.2"), r"0\.20*");
        assert_eq!(le_regex("0.20"), r"0\.20*");
        assert_eq!(le_regex("1"), r"1(\.0*)?");
        assert_eq!(le_regex("1.0"), r"1(\.0*)?");
        assert_eq!(le_regex("0.025"), r"0\.0250*");
    }

    #[test]
    fn every_expression_parses() {
        let ratio = Template::parse("sum(rate(t[5m]))").unwrap();
        let bad = Template::parse("sum(rate(e[5m]))").unwrap();
        let rates = EventRates::Events { bad, total: ratio };
        for w in ["5m", "1h", "30d"] {
            for q in [rates.error_ratio(d(w)), rates.bad_rate(d(w)).unwrap(), rates.total_rate(d(w)).unwrap()] {
                parser::parse(&q).unwrap_or_else(|e| panic!("{q}: {e}"));
            }
        }
    }
}
