#!/usr/bin/env python3
"""Writes the data and the manifest of the agent benchmark (bench/agent/run.sh).

N SLOs, each with two counters scraped every minute for DAYS days before END:
  sloop_bench_requests_total{slo="i"} and sloop_bench_errors_total{slo="i"}
as an OpenMetrics file for `promtool tsdb create-blocks-from openmetrics`, and a sloop manifest with one
ratio SLO per counter pair. Deterministic: the same arguments give the same bytes.
"""
import sys

def main():
    n, days, end, om_path, manifest_path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    minutes = days * 1440
    start = end - minutes * 60
    with open(om_path, "w") as om:
        for family, share in (("sloop_bench_requests", None), ("sloop_bench_errors", 0.001)):
            om.write(f"# TYPE {family} counter\n")
            for i in range(n):
                value = 0
                rate = 10 + i % 90
                lines = []
                for m in range(minutes + 1):
                    t = start + m * 60
                    lines.append(f'{family}_total{{slo="{i}"}} {value} {t}\n')
                    # Requests per minute vary by SLO and by hour; errors are a small share of them.
                    step = rate * (1 + (t // 3600) % 24)
                    value += step if share is None else (step // 1000 + (1 if (m + i) % 7 == 0 else 0))
                om.writelines(lines)
        om.write("# EOF\n")
    with open(manifest_path, "w") as f:
        f.write("apiVersion: sloop/v1\nservice: bench\nslos:\n")
        for i in range(n):
            f.write(
                f"  - name: slo-{i}\n    target: 99.9\n    window: 30d\n    ratio:\n"
                f"      bad: sum(rate(sloop_bench_errors_total{{slo=\"{i}\"}}[{{{{.window}}}}]))\n"
                f"      total: sum(rate(sloop_bench_requests_total{{slo=\"{i}\"}}[{{{{.window}}}}]))\n"
            )

main()
