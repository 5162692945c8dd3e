//! How long generating and rendering rules takes for many SLOs.
//! Target (issue 3): 10,000 SLOs in under 2 s. `cargo bench -p sloop-rules`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sloop_core::source::SourceFile;
use sloop_rules::{Options, Renderer, RuleGroup, Target, generate};

/// A manifest of `n` SLOs over `n / 10` services, half ratio and half latency.
fn manifest(n: usize) -> sloop_core::Manifest {
    let mut files = Vec::new();
    for s in 0..n.div_ceil(10) {
        let mut text = format!("apiVersion: sloop/v1\nservice: svc-{s}\nlabels: {{team: t{}}}\nslos:\n", s % 7);
        for i in 0..10.min(n - s * 10) {
            if i % 2 == 0 {
                text.push_str(&format!(
                    "  - name: availability-{i}\n    target: 99.9\n    window: 30d\n    ratio:\n      bad: sum(rate(http_requests_total{{job=\"svc-{s}\",route=\"/r{i}\",code=~\"5..\"}}[{{{{.window}}}}]))\n      total: sum(rate(http_requests_total{{job=\"svc-{s}\",route=\"/r{i}\"}}[{{{{.window}}}}]))\n"
                ));
            } else {
                text.push_str(&format!(
                    "  - name: latency-{i}\n    target: 99\n    window: 28d\n    latency:\n      metric: http_request_duration_seconds\n      selector: {{job: svc-{s}, route: /r{i}}}\n      threshold: 300ms\n"
                ));
            }
        }
        files.push(SourceFile::new(format!("svc-{s}.yaml"), text));
    }
    sloop_core::spec::load(&files).unwrap().manifest
}

fn bench(c: &mut Criterion) {
    let m = manifest(10_000);
    assert_eq!(m.objectives.len(), 10_000);
    let options = Options::default();
    let mut g = c.benchmark_group("rules");
    g.sample_size(10);
    g.bench_function("generate 10k SLOs", |b| b.iter(|| generate(black_box(&m), &options)));
    g.bench_function("generate and render 10k SLOs", |b| {
        b.iter(|| {
            let generated = generate(black_box(&m), &options);
            let groups: Vec<&RuleGroup> = generated.groups().collect();
            Target::Prometheus.render(&groups, "bench")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
