#!/usr/bin/env bash
# The side-by-side rule benchmark of issue 3: sloop's rules, Sloth-shaped rules and Pyrra-shaped rules for
# 40 SLOs (50 pods x 5 status codes each, 10,000 counters scraped every 15 s), each rule set in a fresh
# real Prometheus on the same data. It measures rule-group evaluation time per SLO
# (prometheus_rule_group_last_duration_seconds over the group interval), Prometheus CPU seconds, recorded
# series, and the 30-day error budget left against the synthetic traffic's exact truth.
#
# NOT part of scripts/test.sh: it is slow. With the defaults it takes about 4 hours on 2 cores
# (about 1 hour to backfill 31 days x 10,000 series at 15 s, 1.8 billion samples, SLO by SLO; then
# 4 rule sets, baseline included, x 3 repetitions x about 11 minutes, plus waits for an idle machine),
# needs about 8 GB of RAM (2 promtool runs at once) and 20 GB of free disk under the work directory.
#
# Usage: bench/rules/run.sh [rules-bench flags...]
#   e.g. bench/rules/run.sh --slos 4 --days 2 --repeats 1 --warmup 60 --measure 120   (a quick try)
# The work directory defaults to $TMPDIR/sloop-rules-bench (override with --work DIR); it is emptied first.
# Results: a table on standard output, and Markdown in bench/rules/results.md (paste it into
# docs/benchmarks.md) and JSON in the work directory.
# Needs: cargo, and prometheus + promtool on PATH (Debian: apt-get install prometheus). The numbers in
# docs/benchmarks.md were taken with Debian's Prometheus 2.42.
set -euo pipefail
cd "$(dirname "$0")/../.."

for bin in cargo prometheus promtool; do
  command -v "$bin" >/dev/null 2>&1 || { echo "$bin is not on PATH" >&2; exit 2; }
done

cargo build --release -p sloop-bench-rules
target/release/rules-bench --jobs 2 --markdown bench/rules/results.md "$@" &
pid=$!
# On INT/TERM, stop the benchmark's own children (the Prometheus servers, promtool) and then the benchmark.
trap 'pkill -TERM -P "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null' INT TERM
status=0
wait "$pid" || status=$?
wait "$pid" 2>/dev/null || true
exit "$status"
