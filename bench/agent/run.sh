#!/usr/bin/env bash
# The agent benchmark of issue 4: backfill throughput (stored intervals per second) and memory (peak RSS) of
# `sloop agent` measuring 1,000 SLOs against a real Prometheus, then the cost of `sloop report` over them.
#
# It writes DAYS days of per-minute counters for N SLOs (bench/agent/gen.py), backfills them into a fresh
# Prometheus TSDB with promtool, starts Prometheus on a free loopback port, and runs
#   sloop agent --once --backfill <DAYS>d   (every interval of every SLO, through query_range)
#   sloop agent --once                      (an up-to-date pass: the steady state)
#   sloop report -o json                    (from the store)
# REPEATS times each under /usr/bin/time, on a fresh store for the backfill. Prints medians.
#
# Usage: bench/agent/run.sh [N=1000] [DAYS=7] [REPEATS=3]
# Needs: cargo, python3, prometheus and promtool (Debian: apt-get install prometheus), GNU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000}
DAYS=${2:-7}
REPEATS=${3:-3}
for bin in cargo python3 prometheus promtool /usr/bin/time; do
  command -v "$bin" >/dev/null 2>&1 || { echo "$bin is not on PATH (time: apt-get install time)" >&2; exit 2; }
done
cargo build --release -p sloop >/dev/null
SLOOP=$PWD/target/release/sloop
work=$(mktemp -d "${TMPDIR:-/tmp}/sloop-agent-bench.XXXXXX")
prom_pid=
cleanup() { [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# The data ends at the last whole hour, so every interval the agent asks for is backfilled.
end=$(( $(date +%s) / 3600 * 3600 ))
echo "generating $N SLOs x $DAYS days of per-minute counters..." >&2
t0=$(date +%s)
python3 bench/agent/gen.py "$N" "$DAYS" "$end" "$work/data.om" "$work/slos.yaml"
promtool tsdb create-blocks-from openmetrics --max-block-duration=$((DAYS * 24 + 24))h "$work/data.om" "$work/tsdb" >/dev/null
rm "$work/data.om"
echo "data written and backfilled in $(( $(date +%s) - t0 )) s" >&2

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/prometheus.yml" <<YML
global: { scrape_interval: 1h }
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --storage.tsdb.retention.time=400d --web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
url="http://127.0.0.1:$port"

# `--delay` keeps the agent inside the backfilled data: the newest interval ends at `end`.
delay=$(( $(date +%s) - end ))s
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # the command; prints "seconds peak_rss_kb"
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/time"
}
: >"$work/backfill"; : >"$work/steady"; : >"$work/report"
for r in $(seq 1 "$REPEATS"); do
  rm -f "$work"/sloop.db*
  measure "$SLOOP" agent -f "$work/slos.yaml" --once --backfill "${DAYS}d" --delay "$delay" \
    --db "$work/sloop.db" --prometheus-url "$url" --log-format json >>"$work/backfill"
  measure "$SLOOP" agent -f "$work/slos.yaml" --once --delay "$delay" --db "$work/sloop.db" \
    --prometheus-url "$url" --log-format json >>"$work/steady"
  measure "$SLOOP" report -f "$work/slos.yaml" --db "$work/sloop.db" --at "$end" -o json --fail-on no-data >>"$work/report"
  echo "repeat $r: backfill $(tail -1 "$work/backfill"), steady $(tail -1 "$work/steady"), report $(tail -1 "$work/report") (s, KB)" >&2
done
points=$(( N * DAYS * 1440 ))
b_s=$(cut -d' ' -f1 "$work/backfill" | median); b_rss=$(cut -d' ' -f2 "$work/backfill" | median)
s_s=$(cut -d' ' -f1 "$work/steady" | median); s_rss=$(cut -d' ' -f2 "$work/steady" | median)
r_s=$(cut -d' ' -f1 "$work/report" | median); r_rss=$(cut -d' ' -f2 "$work/report" | median)
cat <<MD
| step ($N SLOs, $DAYS days at 1 minute, $REPEATS repeats) | median time | median peak RSS |
|---|---|---|
| agent backfill: $points intervals | ${b_s} s ($(python3 -c "print(f'{$points/$b_s:,.0f}')") intervals/s) | $((b_rss / 1024)) MB |
| agent pass when up to date | ${s_s} s | $((s_rss / 1024)) MB |
| report from the store (-o json) | ${r_s} s | $((r_rss / 1024)) MB |
MD
