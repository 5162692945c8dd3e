//! Reading back what the rules recorded, sample by sample, with timestamps.

use std::collections::BTreeMap;

use sloop_testkit::prometheus::Prometheus;

/// Every sample of the one series `selector` selects, with a timestamp in
/// `[from, to]` (unix seconds), as `(timestamp in ms, value)` in time order.
///
/// The harness's instant queries do not return range vectors (`x[15m]`),
/// so this asks for `x` and `timestamp(x)` over `[from, to]` every `step`
/// seconds (in chunks under the 11,000 points a query may have): each step
/// sees the latest sample at or before it, paired with its own timestamp.
/// A step no longer than the interval between samples sees them all.
pub(crate) fn samples(prom: &Prometheus, selector: &str, from: f64, to: f64, step: f64) -> Vec<(i64, f64)> {
    let one = |expr: &str, a: f64, b: f64| -> Vec<(f64, f64)> {
        let mut series = prom.query_range(expr, a, b, step).unwrap_or_else(|e| panic!("query_range {expr}: {e}"));
        assert!(series.len() <= 1, "{expr} selects {} series, expected one: {series:?}", series.len());
        series.pop().map(|s| s.values).unwrap_or_default()
    };
    let mut out: BTreeMap<i64, f64> = BTreeMap::new();
    let mut a = from;
    while a <= to {
        let b = (a + 10_000.0 * step).min(to);
        let values: BTreeMap<i64, f64> = one(selector, a, b).into_iter().map(|(t, v)| (ms(t), v)).collect();
        for (at, stamp) in one(&format!("timestamp({selector})"), a, b) {
            let (stamp, value) = (ms(stamp), values[&ms(at)]);
            if stamp >= ms(from) {
                let before = out.insert(stamp, value);
                assert!(before.is_none_or(|b| b == value), "{selector} at {stamp} ms: two values");
            }
        }
        a = b + step;
    }
    out.into_iter().collect()
}

/// The latest sample of `selector` at or before `at` (unix seconds), if any.
pub(crate) fn latest(prom: &Prometheus, selector: &str, at: f64) -> Option<(i64, f64)> {
    let stamp = prom.query_value(&format!("timestamp({selector})"), Some(at)).unwrap()?;
    let value = prom.query_value(selector, Some(stamp)).unwrap()?;
    Some((ms(stamp), value))
}

/// Unix seconds to milliseconds, as Prometheus stores timestamps.
pub(crate) fn ms(seconds: f64) -> i64 {
    (seconds * 1000.0).round() as i64
}
