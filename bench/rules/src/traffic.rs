//! The benchmark's traffic: one series group of the test kit per SLO,
//! 50 pods × 5 status codes each, with its history written as OpenMetrics
//! for `promtool` and its present served live for Prometheus to scrape.
//!
//! The kit's scenarios have minute resolution: the counters are exact at
//! every minute mark. Prometheus scrapes every 15 s in production, so the
//! history and the live endpoint add samples between the marks: of a
//! minute's `e` events, `floor((e · elapsed + u) / minute)` have arrived
//! `elapsed` into it (on top of the previous mark's value; from zero in a
//! minute with a counter reset), with an offset `u` drawn uniformly in
//! `[0, minute)` per series and minute. This randomized rounding puts every
//! event in any part of its minute with the same probability (a plain
//! `floor` would put the rare 5xx events at the ends of minutes, and bias
//! any estimator that samples windows at a fixed phase). Counters stay
//! monotonic between resets and equal the kit's exact values at every
//! minute mark, so [`sloop_testkit::synthetic::Truth`] holds to within the
//! partial minutes at a window's two edges.

use std::io::{self, Write};
use std::sync::Mutex;

use anyhow::{Context, Result};
use sloop_testkit::synthetic::{DAY, HOUR, MINUTE, Scenario, Series, SeriesGroup};

/// Pods per SLO.
pub(crate) const PODS: usize = 50;
/// Status codes per pod (5xx codes count as errors).
pub(crate) const CODES: [&str; 5] = ["200", "201", "404", "500", "503"];

/// The `job` (and service) of SLO number `i`.
pub(crate) fn job(i: usize) -> String {
    format!("svc-{i:02}")
}

/// A number in `[0, 1)` that spreads consecutive `i` evenly (an additive
/// recurrence with an irrational step).
fn spread(i: usize, step: f64) -> f64 {
    ((i as f64 + 1.0) * step).fract()
}

/// The traffic of SLO number `i` over a scenario whose history (the part
/// backfilled) lasts `history` seconds: rates, error ratios, incidents and a
/// counter reset differ from SLO to SLO, all inside the history.
pub(crate) fn group(i: usize, history: i64) -> SeriesGroup {
    // Incidents and resets fall between 10 % and 95 % of the history, on
    // whole minutes: well inside any 30-day window read at the end.
    let place = |f: f64, hour: i64, minute: i64| -> i64 {
        let (lo, hi) = (history / 10, history * 95 / 100);
        let day = (lo + ((hi - lo) as f64 * f) as i64) / DAY * DAY;
        let at = (day + hour * HOUR + minute * MINUTE).clamp(lo, hi);
        at - at.rem_euclid(MINUTE)
    };
    let i64i = i as i64;
    let mut g = SeriesGroup::new(job(i))
        .rate(1.0 + (i % 4) as f64, 40.0 + 20.0 * (i % 6) as f64)
        .peak_hour(((9 + 3 * (i % 5)) % 24) as f64)
        .noise(0.1)
        .error_ratio(0.0001 * (1 + i % 7) as f64)
        .cardinality(PODS, &CODES)
        .incident(
            place(spread(i, 0.618_034), (i64i * 5) % 24, (i64i * 7) % 60),
            (10 + (i64i * 13) % 50) * MINUTE,
            [1.0, 0.3, 0.1, 0.05][i % 4],
        )
        .reset(place(spread(i, 0.236_068), (i64i * 7 + 2) % 24, (i64i * 3) % 60));
    if i.is_multiple_of(3) {
        g = g.incident(
            place(spread(i, 0.414_214), (i64i * 11 + 3) % 24, (i64i * 17) % 60),
            (5 + (i64i * 7) % 25) * MINUTE,
            [0.5, 0.2][i % 2],
        );
    }
    if i % 5 == 2 {
        g = g.degradation(place(spread(i, 0.732_051), (i64i * 3) % 24, 0), 6 * HOUR, 0.02);
    }
    g
}

/// The scenario of `n` SLOs: `history` seconds of backfilled past from
/// `start`, then `horizon` seconds of live traffic.
pub(crate) fn scenario(n: usize, start: i64, history: i64, horizon: i64) -> Result<Scenario> {
    let mut b = Scenario::builder(start, history + horizon).seed(2024);
    for i in 0..n {
        b = b.group(group(i, history));
    }
    b.build().context("building the synthetic scenario")
}

/// Whether the counters of `job` reset in each minute `k` (index 0 unused).
fn reset_flags(scenario: &Scenario, job: &str) -> Vec<bool> {
    let mut flags = vec![false; scenario.minutes() + 1];
    if let Some(g) = scenario.groups().find(|g| g.job == job) {
        for &r in &g.resets {
            flags[(r / MINUTE) as usize] = true;
        }
    }
    flags
}

/// The SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A series' random key (FNV-1a of its labels, mixed).
fn series_key(s: &Series) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in format!("{}/{}/{}", s.job, s.pod, s.code).bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix(h)
}

/// Of `e` events in minute `k` of the series keyed `key`, how many have
/// arrived `num / den` through the minute (`0 <= num <= den`).
fn arrived(key: u64, k: usize, e: u64, num: u64, den: u64) -> u64 {
    let u = mix(key ^ mix(k as u64 ^ 0x9E37_79B9_7F4A_7C15)) % den;
    (e * num + u) / den
}

fn label_prefix(s: &Series) -> Vec<u8> {
    format!("http_requests_total{{job=\"{}\",pod=\"{}\",code=\"{}\"}} ", s.job, s.pod, s.code).into_bytes()
}

/// Appends the decimal digits of `v` (itoa: no allocation, no formatter on this hot path).
fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Writes the counters of `job`'s series as OpenMetrics, one sample every
/// `step` seconds (a divisor of 60) from the scenario's start to before
/// `until` (unix seconds). Returns the number of samples.
pub(crate) fn write_openmetrics<W: Write>(
    scenario: &Scenario,
    job: &str,
    step: i64,
    until: i64,
    mut w: W,
) -> io::Result<u64> {
    assert!(step > 0 && MINUTE % step == 0, "step must divide 60 s");
    let per_minute = (MINUTE / step) as u64;
    let resets = reset_flags(scenario, job);
    let start = scenario.start();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut samples = 0u64;
    buf.extend_from_slice(b"# TYPE http_requests counter\n");
    for s in scenario.series().into_iter().filter(|s| s.job == job) {
        let prefix = label_prefix(&s);
        let key = series_key(&s);
        let events = scenario.events(&s);
        let emit = |buf: &mut Vec<u8>, value: u64, t: i64| {
            buf.extend_from_slice(&prefix);
            push_u64(buf, value);
            buf.push(b' ');
            push_u64(buf, t as u64);
            buf.push(b'\n');
        };
        if start < until {
            emit(&mut buf, 0, start);
            samples += 1;
        }
        let mut counter = 0u64;
        'minutes: for (k, &e) in events.iter().enumerate().map(|(i, e)| (i + 1, e)) {
            let base = if resets[k] { 0 } else { counter };
            let minute_start = start + (k as i64 - 1) * MINUTE;
            for j in 1..=per_minute {
                let t = minute_start + j as i64 * step;
                if t >= until {
                    break 'minutes;
                }
                emit(&mut buf, base + arrived(key, k, e, j, per_minute), t);
                samples += 1;
            }
            counter = base + e;
            if buf.len() >= 1 << 20 {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    buf.extend_from_slice(b"# EOF\n");
    w.write_all(&buf)?;
    w.flush()?;
    Ok(samples)
}

/// The counters of every series from some minute on, served as a Prometheus
/// text exposition at the current time.
#[derive(Debug)]
pub(crate) struct Live {
    start: i64,
    /// The counters are known at mark `k0`; events are kept from minute `k0 + 1`.
    k0: usize,
    /// The scenario's last minute.
    last: usize,
    prefixes: Vec<Vec<u8>>,
    keys: Vec<u64>,
    /// Per series, the events of minutes `k0 + 1 ..= last`.
    events: Vec<Vec<u32>>,
    /// Per series, the reset flags of its group (shared by index).
    reset_of: Vec<usize>,
    resets: Vec<Vec<bool>>,
    state: Mutex<LiveState>,
}

#[derive(Debug)]
struct LiveState {
    /// Every counter in `counters` is its value at mark `k`.
    k: usize,
    counters: Vec<u64>,
}

impl Live {
    /// Prepares to serve the counters from unix time `from` on (it must
    /// lie inside the scenario). Computes every series' events once.
    pub(crate) fn new(scenario: &Scenario, from: i64) -> Result<Live> {
        let start = scenario.start();
        anyhow::ensure!(from > start && from < scenario.end(), "live time outside the scenario");
        let k0 = ((from - start) / MINUTE) as usize;
        let series = scenario.series();
        let jobs: Vec<String> = scenario.groups().map(|g| g.job.clone()).collect();
        let resets: Vec<Vec<bool>> = jobs.iter().map(|j| reset_flags(scenario, j)).collect();
        let reset_of: Vec<usize> =
            series.iter().map(|s| jobs.iter().position(|j| *j == s.job).unwrap_or_default()).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).max(1);
        let chunk = series.len().div_ceil(threads).max(1);
        let parts: Vec<Vec<(u64, Vec<u32>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = series
                .chunks(chunk)
                .enumerate()
                .map(|(c, part)| {
                    let resets = &resets;
                    let reset_of = &reset_of;
                    scope.spawn(move || {
                        part.iter()
                            .enumerate()
                            .map(|(o, s)| {
                                let flags = &resets[reset_of[c * chunk + o]];
                                let events = scenario.events(s);
                                let mut counter = 0u64;
                                for (k, &e) in events.iter().enumerate().take(k0) {
                                    counter = if flags[k + 1] { e } else { counter + e };
                                }
                                let rest = events[k0..].iter().map(|&e| u32::try_from(e).unwrap_or(u32::MAX)).collect();
                                (counter, rest)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        });
        let (counters, events): (Vec<u64>, Vec<Vec<u32>>) = parts.into_iter().flatten().unzip();
        Ok(Live {
            start,
            k0,
            last: scenario.minutes(),
            prefixes: series.iter().map(label_prefix).collect(),
            keys: series.iter().map(series_key).collect(),
            events,
            reset_of,
            resets,
            state: Mutex::new(LiveState { k: k0, counters }),
        })
    }

    /// The exposition of every counter at `t_ms` (unix milliseconds, not
    /// before the previous call's).
    pub(crate) fn exposition(&self, t_ms: i64) -> Vec<u8> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let rel = t_ms - self.start * 1000;
        // Minute k covers (60(k-1), 60k] seconds after the start.
        let k = (rel.max(1) + 59_999) / 60_000;
        let k = (k as usize).clamp(self.k0 + 1, self.last + 1);
        while state.k + 1 < k && state.k < self.last {
            let next = state.k + 1;
            for (s, c) in state.counters.iter_mut().enumerate() {
                let e = u64::from(self.events[s][next - self.k0 - 1]);
                *c = if self.resets[self.reset_of[s]][next] { e } else { *c + e };
            }
            state.k = next;
        }
        let mut out = Vec::with_capacity(self.prefixes.len() * 64 + 64);
        out.extend_from_slice(b"# TYPE http_requests_total counter\n");
        for (s, prefix) in self.prefixes.iter().enumerate() {
            let value = if k > self.last {
                state.counters[s]
            } else {
                let e = u64::from(self.events[s][k - self.k0 - 1]);
                let base = if self.resets[self.reset_of[s]][k] { 0 } else { state.counters[s] };
                let elapsed = (rel - (k as i64 - 1) * 60_000).clamp(0, 60_000) as u64;
                base + arrived(self.keys[s], k, e, elapsed, 60_000)
            };
            out.extend_from_slice(prefix);
            push_u64(&mut out, value);
            out.push(b'\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        let start = 1_700_000_400 - 1_700_000_400 % DAY;
        let mut b = Scenario::builder(start, 3 * DAY).seed(3);
        for i in 0..2 {
            b = b.group(group(i, 2 * DAY).cardinality(2, &["200", "500"]));
        }
        b.build().unwrap()
    }

    #[test]
    fn history_and_live_agree_with_the_kit_at_minute_marks() {
        let sc = small();
        let mut om = Vec::new();
        let until = sc.start() + 2 * DAY;
        let n = write_openmetrics(&sc, "svc-01", 15, until, &mut om).unwrap();
        // 2 pods × 2 codes, 4 samples a minute for 2 days, plus the zero at the start, minus the mark at `until`.
        assert_eq!(n, 4 * (2 * 1440 * 4));
        let text = String::from_utf8(om).unwrap();
        let series = sc.series().into_iter().find(|s| s.pod == "svc-01-1" && s.code == "500").unwrap();
        let want = sc.counter_values(&series);
        let prefix = "http_requests_total{job=\"svc-01\",pod=\"svc-01-1\",code=\"500\"} ";
        let got: Vec<(i64, u64)> = text
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(|r| {
                let (v, t) = r.split_once(' ').unwrap();
                (t.parse().unwrap(), v.parse().unwrap())
            })
            .collect();
        for (t, v) in &got {
            if (t - sc.start()) % 60 == 0 {
                assert_eq!(*v, want[((t - sc.start()) / 60) as usize], "at {t}");
            }
        }
        // Live values at minute marks after `from` are the kit's too.
        let live = Live::new(&sc, until).unwrap();
        let body = String::from_utf8(live.exposition((until + 3600) * 1000)).unwrap();
        let line = body.lines().find(|l| l.starts_with(prefix)).unwrap();
        let v: u64 = line[prefix.len()..].parse().unwrap();
        assert_eq!(v, want[((until + 3600 - sc.start()) / 60) as usize]);
        // Between marks the value lies between its neighbours.
        let body = String::from_utf8(live.exposition((until + 3630) * 1000)).unwrap();
        let line = body.lines().find(|l| l.starts_with(prefix)).unwrap();
        let mid: u64 = line[prefix.len()..].parse().unwrap();
        let m = ((until + 3600 - sc.start()) / 60) as usize;
        assert!(want[m] <= mid && mid <= want[m + 1]);
    }

    #[test]
    fn events_arrive_uniformly_through_their_minute() {
        // One event a minute: which quarter it lands in is uniform.
        let mut quarters = [0u32; 4];
        for k in 1..=40_000 {
            let cum: Vec<u64> = (0..=4).map(|j| arrived(12345, k, 1, j, 4)).collect();
            assert_eq!((cum[0], cum[4]), (0, 1));
            quarters[cum.windows(2).position(|w| w[1] > w[0]).unwrap()] += 1;
        }
        for q in quarters {
            assert!((9_500..10_500).contains(&q), "{quarters:?}");
        }
        // Many events: monotonic, and all there at the mark.
        let cum: Vec<u64> = (0..=60_000).step_by(7_500).map(|ms| arrived(9, 3, 1234, ms, 60_000)).collect();
        assert!(cum.windows(2).all(|w| w[0] <= w[1]) && cum[8] == 1234 && cum[0] == 0);
    }
}
