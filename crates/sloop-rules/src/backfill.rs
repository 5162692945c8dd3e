//! Backfilling the base recordings, so long windows are right from day one.
//!
//! Long windows (2h to the SLO window) sum the base recordings
//! `sloop:slo_bad_events:rate` and `sloop:slo_events:rate`, which a
//! fresh Prometheus does not have: until they cover a window, its ratio is
//! computed over the history there is, and the alerts that read it wait (see
//! [`crate::generate`]). A gap in rule evaluation (Prometheus down, a
//! restart) drops those minutes from the sums in the same way.
//!
//! `promtool tsdb create-blocks-from rules` evaluates recording rules over
//! the past, against the raw series in Prometheus, and writes TSDB blocks
//! that Prometheus then loads. This module builds that step: a rule file
//! holding only the base recordings, and the command, with a large
//! `--max-block-duration` (promtool's default of 2h blocks makes 31 days of
//! backfill about 30 times slower).

use sloop_core::Duration;

use crate::conventions::{BAD_RATE, RAW_RATIO, TOTAL_RATE};
use crate::generate::Generated;
use crate::rules::{Rule, RuleGroup};

/// The base recordings of every SLO, in one group per SLO, for promtool.
pub fn base_groups(generated: &Generated) -> Vec<RuleGroup> {
    generated
        .slos
        .iter()
        .filter_map(|s| {
            let long = s.groups.iter().find(|g| g.name.ends_with("-long"))?;
            let rules: Vec<Rule> = long
                .rules
                .iter()
                .filter(|r| matches!(r, Rule::Record(_)) && [BAD_RATE, TOTAL_RATE, RAW_RATIO].contains(&r.name()))
                .cloned()
                .collect();
            Some(RuleGroup { name: format!("{}-backfill", long.name), interval: long.interval, rules })
        })
        .collect()
}

/// The longest SLO window, which is how far back to backfill.
pub fn history_needed(generated: &Generated, windows: impl IntoIterator<Item = Duration>) -> Duration {
    let longest = windows.into_iter().max().unwrap_or(Duration::from_days(30));
    if generated.slos.is_empty() { Duration::from_secs(0) } else { longest }
}

/// How far after the interval's grid backfill evaluations fall, in seconds.
pub const BACKFILL_OFFSET_SECS: i64 = 7;

/// One backfill run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Unix seconds to start at (on the evaluation interval's grid, plus [`BACKFILL_OFFSET_SECS`]).
    pub start: i64,
    /// Unix seconds to end at.
    pub end: i64,
    /// Evaluation interval: the long group's, so backfilled samples weigh the same.
    pub interval: Duration,
    /// The rule file holding [`base_groups`].
    pub rules_file: String,
    /// Where promtool writes blocks.
    pub output_dir: String,
    /// The Prometheus API the raw series are read from.
    pub url: String,
}

impl Plan {
    /// A plan ending at `end` and reaching back `history` (plus one hour, so
    /// the first long-window evaluations find full windows).
    pub fn new(end: i64, history: Duration, interval: Duration, rules_file: &str, url: &str, output_dir: &str) -> Self {
        let step = interval.as_secs().max(1) as i64;
        let start = end - history.as_secs() as i64 - 3600;
        Plan {
            // On the interval's grid, then 7 s later: exporters and synthetic
            // data often sample on the minute, and a base rate evaluated exactly
            // on a sample sees one more scrape interval than one evaluated
            // between samples (see generate::Options::base_range). Live rule
            // evaluation is off the minute too (Prometheus offsets each group).
            start: start - start.rem_euclid(step) + BACKFILL_OFFSET_SECS,
            end,
            interval,
            rules_file: rules_file.into(),
            output_dir: output_dir.into(),
            url: url.into(),
        }
    }

    /// The promtool arguments (after `promtool`).
    pub fn promtool_args(&self) -> Vec<String> {
        vec![
            "tsdb".into(),
            "create-blocks-from".into(),
            "rules".into(),
            format!("--start={}", self.start),
            format!("--end={}", self.end),
            format!("--url={}", self.url),
            format!("--eval-interval={}s", self.interval.as_secs()),
            format!("--output-dir={}", self.output_dir),
            // Go duration syntax: no `d` unit.
            format!("--max-block-duration={}h", self.max_block_hours()),
            self.rules_file.clone(),
        ]
    }

    /// Blocks as large as possible (promtool's 2h default makes a month's
    /// backfill about 30 times slower), but promtool queries each block as one
    /// range query, and Prometheus answers at most 11,000 points per series:
    /// 11,000 × 2m30s is 458 hours.
    pub fn max_block_hours(&self) -> i64 {
        let span = (self.end - self.start + 3599) / 3600 + 24;
        let limit = 11_000 * self.interval.as_secs() as i64 / 3600;
        span.min(limit).max(1)
    }

    /// The steps to run by hand, as a shell script.
    pub fn script(&self) -> String {
        let args = self.promtool_args().join(" \\\n    ");
        format!(
            "# 1. Evaluate sloop's base recordings over the past, against the raw series:\n\
             promtool {args}\n\
             # 2. Move the blocks into Prometheus' data directory (--storage.tsdb.path);\n\
             #    Prometheus picks them up at the next compaction (or restart):\n\
             mv {out}/* /var/lib/prometheus/metrics2/\n",
            out = self.output_dir
        )
    }
}
