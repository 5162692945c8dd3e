//! Large manifests are generated on several threads: the result must be the
//! same as generating each objective alone, in manifest order.

use sloop_core::Manifest;
use sloop_core::source::SourceFile;
use sloop_rules::{Options, generate};

#[test]
fn parallel_generation_equals_one_by_one() {
    let mut text = String::from("apiVersion: sloop/v1\nservice: web\nslos:\n");
    for i in 0..700 {
        if i % 100 == 7 {
            // A few that cannot be generated, to check skipped ones keep their place.
            text.push_str(&format!(
                "  - name: s{i}\n    target: 99\n    window: 7d\n    provider: datadog\n    ratio:\n      good: sum:a{{x:y}}.as_count()\n      total: sum:b{{x:y}}.as_count()\n"
            ));
        } else {
            text.push_str(&format!(
                "  - name: s{i}\n    target: 99.{}\n    window: {}d\n    ratio:\n      bad: sum(rate(e{{route=\"/{i}\"}}[{{{{.window}}}}]))\n      total: sum(rate(t{{route=\"/{i}\"}}[{{{{.window}}}}]))\n",
                i % 10,
                7 + i % 24
            ));
        }
    }
    let manifest = sloop_core::spec::load(&[SourceFile::new("big.yaml", text)]).unwrap().manifest;
    let options = Options::default();
    let all = generate(&manifest, &options);
    assert_eq!(all.slos.len() + all.skipped.len(), 700);
    assert_eq!(all.skipped.len(), 7);
    let mut slos = all.slos.iter();
    let mut skipped = all.skipped.iter();
    for o in &manifest.objectives {
        let alone = generate(&Manifest { services: manifest.services.clone(), objectives: vec![o.clone()] }, &options);
        match alone.slos.first() {
            Some(s) => assert_eq!(Some(s), slos.next(), "{}", o.id()),
            None => assert_eq!(alone.skipped.first(), skipped.next(), "{}", o.id()),
        }
    }
}

#[test]
fn parallel_rendering_equals_whole_rendering() {
    use sloop_rules::{Renderer, RuleGroup, Target};
    let mut text = String::from("apiVersion: sloop/v1\nservice: web\nlabels: {team: \"a b\"}\nslos:\n");
    for i in 0..300 {
        text.push_str(&format!(
            "  - name: s{i}\n    target: 99.9\n    window: 30d\n    ratio:\n      bad: sum(rate(e{{route=\"/{i}\"}}[{{{{.window}}}}]))\n      total: sum(rate(t{{route=\"/{i}\"}}[{{{{.window}}}}]))\n"
        ));
    }
    let manifest = sloop_core::spec::load(&[SourceFile::new("big.yaml", text)]).unwrap().manifest;
    let generated = generate(&manifest, &Options::default());
    let groups: Vec<&RuleGroup> = generated.groups().collect();
    assert!(groups.len() >= 600, "enough groups to render in parallel");
    for target in [
        Target::Prometheus,
        Target::Mimir { namespace: "sloop".into() },
        Target::Kubernetes { name: "slos".into(), namespace: Some("monitoring".into()) },
    ] {
        let parallel = target.render(&groups, "header");
        let whole = format!("# header\n{}", target.render_whole(&groups));
        assert!(parallel == whole, "{target:?} differs");
    }
}
