//! The month of traffic the test replays, and the manifest of its SLOs.

use sloop_testkit::synthetic::{DAY, HOUR, MINUTE, Scenario, SeriesGroup};

/// The service of both SLOs.
pub(crate) const SERVICE: &str = "shop";

/// One SLO of the manifest and the job whose traffic it measures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slo {
    /// The SLO's name (`sloop_slo`).
    pub(crate) name: &'static str,
    /// The `job` label of its series in the scenario.
    pub(crate) job: &'static str,
}

/// `checkout`: 1 pod × 2 codes, with an incident burning fast right now.
/// `search`: 3 pods × 4 codes, a slow leak over the last three days.
pub(crate) const SLOS: [Slo; 2] =
    [Slo { name: "checkout-availability", job: "checkout" }, Slo { name: "search-availability", job: "search" }];

/// 99.9 %: the budget is 0.001.
pub(crate) const BUDGET: f64 = 0.001;

/// The manifest, in sloop's own format: standard alerting, 99.9 % over 30d.
pub(crate) fn manifest() -> String {
    let mut yaml = format!("apiVersion: sloop/v1\nservice: {SERVICE}\nslos:\n");
    for slo in SLOS {
        let job = slo.job;
        yaml.push_str(&format!(
            "  - name: {}\n    target: 99.9\n    window: 30d\n    ratio:\n      \
             bad: sum(rate(http_requests_total{{job=\"{job}\",code=~\"5..\"}}[{{{{.window}}}}]))\n      \
             total: sum(rate(http_requests_total{{job=\"{job}\"}}[{{{{.window}}}}]))\n",
            slo.name
        ));
    }
    yaml
}

/// 31 days of per-minute counters, ending 15 to 20 minutes after `now`
/// (unix seconds), starting on a multiple of 300 s.
///
/// Both jobs swing 100× between night and day, at times of day set from
/// `now`, so that the test sees the same situation at any hour: checkout
/// peaks twelve hours away from `now` (its current incident happens at
/// night), search six hours before `now`. What happens, in time before `now`:
///
/// | when             | checkout                          | search                         |
/// |------------------|-----------------------------------|--------------------------------|
/// | ~21 days ago     | total outage, 20 min, at its peak |                                |
/// | ~14 days ago     | 10 % errors for 2 h               |                                |
/// | ~11 / ~7 days    | counter reset (every pod)         | counter reset (every pod)      |
/// | last 3 days      |                                   | errors ramp 0.05 % → 0.25 %    |
/// | last ~90 min     | 10 % errors (still going on)      |                                |
///
/// So at test time checkout burns its budget 100× too fast over 1h and 5m
/// (the 1h/5m page fires), but only ~4× over 6h and under 1× over 1d and 3d;
/// search burns ~1.6× over 3d and ~2.4× over 6h (the 3d/6h ticket fires),
/// ~2.3× over 1d and ~2.5× over the short windows (nothing else fires).
pub(crate) fn build(now: i64) -> Scenario {
    let duration = 31 * DAY;
    let start = (now + 20 * MINUTE - duration).div_euclid(300) * 300;
    let now_offset = now - start;
    let minute = |offset: i64| offset.div_euclid(MINUTE) * MINUTE;
    // The hour of the day (UTC) some hours after `now`.
    let hour = |after_now: i64| (now + after_now * HOUR).rem_euclid(DAY) as f64 / HOUR as f64;

    // checkout's peak on `day` (days after the start), as an offset.
    let peak_offset = |day: i64| minute(day * DAY + (now_offset + 12 * HOUR).rem_euclid(DAY));
    let incident_at = minute(now_offset - 90 * MINUTE);
    let checkout = SeriesGroup::new("checkout")
        .rate(1.0, 100.0)
        .peak_hour(hour(12))
        .error_ratio(0.0005)
        .incident(peak_offset(10) - 10 * MINUTE, 20 * MINUTE, 1.0)
        .incident(peak_offset(17) - HOUR, 2 * HOUR, 0.1)
        .reset(20 * DAY + 7 * HOUR)
        .incident(incident_at, duration - incident_at, 0.1);
    let search = SeriesGroup::new("search")
        .rate(2.0, 200.0)
        .peak_hour(hour(-6))
        .error_ratio(0.0005)
        .degradation(minute(now_offset - 3 * DAY), duration - minute(now_offset - 3 * DAY), 0.0025)
        .reset(24 * DAY + 3 * HOUR)
        .cardinality(3, &["200", "404", "500", "503"]);
    Scenario::builder(start, duration)
        .seed(42)
        .group(checkout)
        .group(search)
        .build()
        .unwrap_or_else(|e| panic!("the scenario does not build: {e}"))
}
