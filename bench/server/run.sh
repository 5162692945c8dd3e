#!/usr/bin/env bash
# The load benchmark of `sloop serve` (bench/server, binary server-bench), on SQLite and on PostgreSQL.
#
# Each run starts the real `sloop serve` (target/release/sloop) as a process of its own on a fresh database and
# measures, with the server's CPU time and peak memory read from /proc:
#   1. ingestion: 16 concurrent clients, one connection each, POST batches of 1,000 indicators back to back to
#      /api/v1/indicators for 3 s of warm-up and 20 s measured; every client appends one point to each of its own
#      1,000 series per request (an agent's steady state; --points-per-series N sends N consecutive minutes of each
#      of 1,000/N series instead, a flushed backlog). Points per second, request latency (p50/p90/p99/max), CPU.
#   2. reports: on another fresh database, PUT 1,000 objectives (30-day window), push 30 days of hourly history
#      for each (720,000 points), then time GET /api/v1/reports (all 1,000) 20 times and
#      GET /api/v1/reports/{service}/{name} 200 times, one request at a time.
# Targets: >= 200,000 points/s on SQLite, >= 100,000 on PostgreSQL. The server, PostgreSQL and the clients share
# the machine's cores: on a 2-core machine, whatever the clients and PostgreSQL use is taken from the server.
#
# NOT part of scripts/test.sh. With the defaults it takes about 10 minutes on 2 cores (3 runs per database, each
# about 25 s of ingestion, 50 s of history pushes and 10 s of reports, plus PostgreSQL's start).
# Run it on an otherwise idle machine: anything else running takes CPU from the server.
#
# Usage: bench/server/run.sh [server-bench flags...]
#   e.g. bench/server/run.sh --seconds 5 --warmup 1 --history-days 3     (a quick try)
#   bench/server/run.sh --points-per-series 100                          (a flushed backlog: 10 series x 100 minutes)
# Environment: REPEATS (default 3), DATABASES (default "sqlite postgres"), WORK (default $TMPDIR/sloop-server-bench),
# RESULTS (default bench/server/results).
# Results: Markdown in $RESULTS.md (paste it into docs/benchmarks.md), every raw number in $RESULTS.json, and one
# JSON file per run in the work directory.
# Needs: cargo; for PostgreSQL, Debian's postgresql package (initdb and postgres, see sloop-testkit's harness).
set -euo pipefail
cd "$(dirname "$0")/../.."

repeats="${REPEATS:-3}"
databases="${DATABASES:-sqlite postgres}"
work="${WORK:-${TMPDIR:-/tmp}/sloop-server-bench}"
results="${RESULTS:-bench/server/results}"

cargo build --release -p sloop -p sloop-bench-server
rm -rf "$work"
mkdir -p "$work"

runs=()
for db in $databases; do
  for i in $(seq 1 "$repeats"); do
    out="$work/$db-$i.json"
    echo "== $db, run $i of $repeats" >&2
    target/release/server-bench --sloop target/release/sloop --database "$db" --work "$work" --out "$out" "$@" &
    pid=$!
    # On INT/TERM, stop the run's own children (the sloop server, PostgreSQL) and then the run.
    trap 'pkill -TERM -P "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; exit 130' INT TERM
    wait "$pid"
    trap - INT TERM
    runs+=("$out")
  done
done

target/release/server-bench summary --markdown "$results.md" --json "$results.json" \
  --command "bench/server/run.sh $*" "${runs[@]}"
