//! The `sloop` binary end to end: real files in, text and exit codes out.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sloop() -> Command {
    let mut c = Command::cargo_bin("sloop").unwrap();
    c.current_dir(root()).env_remove("NO_COLOR");
    c
}

fn json(args: &[&str]) -> Value {
    let out = sloop().args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn explain_says_the_sentence_budget_and_alerts() {
    sloop()
        .args(["explain", "examples/sloop/myservice-latency.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "90% of successful requests to myservice are served in under 200ms, over a rolling 30 days.",
        ))
        .stdout(predicate::str::contains("10% of events may fail: 100,000 bad events in every million"))
        .stdout(predicate::str::contains("3 days of full outage per window"))
        .stdout(predicate::str::contains("14.4"))
        // Piped output is not a terminal: no colour codes.
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn explain_json_has_exact_numbers() {
    let v = json(&["explain", "examples/sloop/myservice-latency.yaml", "-o", "json"]);
    let e = &v[0];
    assert_eq!(e["id"], "myservice/requests-latency");
    assert_eq!(e["budget"]["full_outage_secs"], 259_200.0);
    let rows = e["alerting"]["rows"].as_array().unwrap();
    let rates: Vec<f64> = rows.iter().map(|r| r["burn_rate"].as_f64().unwrap()).collect();
    assert_eq!(rates, [14.4, 3.0]);
    assert_eq!(rows[0]["severity"], "page");
    assert_eq!(rows[1]["short"], "1h");
    // On a 90 % target a burn rate of 14.4 needs 144 % of requests to fail: the page can never
    // fire, and explain says so. The ticket (3 → 30 % errors) catches a total outage after
    // 1d × 3 × 10 % = 7h12m.
    assert_eq!(rows[0]["detection_secs"], Value::Null);
    assert_eq!(rows[1]["detection_secs"], 25_920.0);
    assert!(e["notes"][0].as_str().unwrap().contains("can never fire"), "{e:#}");
}

#[test]
fn budget_without_a_file() {
    let v = json(&["budget", "--target", "99.9", "--window", "30d", "-o", "json"]);
    assert_eq!(v["budget"]["full_outage_secs"], 2592.0);
    assert_eq!(v["budget"]["fraction"], 0.001);
    let rates: Vec<f64> = v["alerts"].as_array().unwrap().iter().map(|r| r["burn_rate"].as_f64().unwrap()).collect();
    assert_eq!(rates, [14.4, 6.0, 3.0, 1.0]);
    let v = json(&["budget", "--target", "99.9", "--window", "28d", "-o", "json"]);
    assert_eq!(v["alerts"][0]["burn_rate"], 13.44);
    sloop()
        .args(["budget", "--target", "99.9%", "--window", "30d", "--traffic", "100/s"])
        .assert()
        .success()
        .stdout(predicate::str::contains("43 minutes 12 seconds of full outage"))
        .stdout(predicate::str::contains("259,200,000 events per window, of which 259,200 may fail"));
}

#[test]
fn budget_rejects_a_target_without_budget() {
    sloop().args(["budget", "--target", "100"]).assert().code(2).stderr(predicate::str::contains("no error budget"));
}

#[test]
fn origin_story_validates_with_the_divide_lint() {
    sloop()
        .args(["validate", "examples/reliably/origin-story.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("lint/good-query-divides"))
        .stdout(predicate::str::contains("examples/reliably/origin-story.yaml:10:"))
        .stdout(predicate::str::contains("1 warning"));
    sloop().args(["validate", "--deny-warnings", "examples/reliably/origin-story.yaml"]).assert().code(1);
    sloop()
        .args(["validate", "examples/reliably/frontend.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("warning").not())
        .stdout(predicate::str::contains("1 objective(s) in 1 file(s) are valid"));
}

#[test]
fn every_example_validates() {
    // Every manifest under examples/: each format's folder, the demo's, and the
    // guides' manifests (examples/guides/ also holds a GitHub Actions workflow,
    // which is not a manifest).
    let mut args: Vec<String> = ["validate", "-o", "json"].map(String::from).to_vec();
    for dir in ["sloop", "reliably", "openslo", "sloth", "pyrra", "demo"] {
        args.push(format!("examples/{dir}"));
    }
    let guides = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/guides");
    let mut manifests: Vec<String> = std::fs::read_dir(guides)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml"))
        .map(|name| format!("examples/guides/{name}"))
        .collect();
    assert!(manifests.len() >= 4, "{manifests:?}");
    manifests.sort();
    args.extend(manifests);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = json(&args);
    assert_eq!(v["valid"], true, "{v:#}");
    assert_eq!(v["errors"], 0);
    let files = v["files"].as_array().unwrap();
    for dir in ["sloop", "reliably", "openslo", "sloth", "pyrra", "demo", "guides"] {
        assert!(files.iter().any(|f| f.as_str().unwrap().contains(&format!("examples/{dir}/"))), "no {dir} example");
    }
}

#[test]
fn invalid_manifest_points_at_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: a\n    target: 100\n    window: 30d\n    ratio:\n      bad: sum(rate(e[5m]))\n      total: sum(rate(t[5m]))\n",
    )
    .unwrap();
    let name = file.display().to_string();
    sloop()
        .args(["validate", &name])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(format!("{name}:5:13: slos[0].target:")))
        .stdout(predicate::str::contains("5 |     target: 100"))
        .stdout(predicate::str::contains("expected a percentage above 0 and below 100"));
    let out = sloop().args(["validate", &name, "-o", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["diagnostics"][0]["line"], 5);
    assert_eq!(v["diagnostics"][0]["field"], "slos[0].target");
    // explain refuses it too, with the same diagnostic on stderr.
    sloop().args(["explain", &name]).assert().code(1).stderr(predicate::str::contains("slos[0].target"));
}

#[test]
fn unreadable_input_exits_2() {
    sloop()
        .args(["validate", "no/such/file.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read no/such/file.yaml"));
}

#[test]
fn convert_round_trips_through_files() {
    let dir = tempfile::tempdir().unwrap();
    for to in ["sloop", "openslo", "sloth"] {
        let out = dir.path().join(format!("getting-started.{to}.yaml"));
        sloop().args(["convert", "examples/sloth/getting-started.yml", "--to", to, "-o"]).arg(&out).assert().success();
        let v = json(&["explain", out.to_str().unwrap(), "-o", "json"]);
        assert_eq!(v[0]["id"], "myservice/requests-availability", "{to}");
        assert_eq!(v[0]["budget"]["fraction"], 0.001, "{to}");
    }
}

#[test]
fn convert_names_what_is_lost() {
    sloop()
        .args(["convert", "examples/pyrra/http.yaml", "--to", "sloth"])
        .assert()
        .success()
        .stderr(predicate::str::contains("dropped"))
        .stderr(predicate::str::contains("28d"));
    sloop().args(["convert", "--strict", "examples/pyrra/http.yaml", "--to", "sloth"]).assert().code(1);
}

#[test]
fn colour_on_request() {
    sloop()
        .args(["--color", "always", "explain", "examples/sloop/myservice-latency.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}["));
}

#[test]
fn completions_man_and_schema() {
    sloop().args(["completions", "bash"]).assert().success().stdout(predicate::str::contains("_sloop()"));
    let dir = tempfile::tempdir().unwrap();
    sloop().args(["man"]).arg(dir.path()).assert().success();
    assert!(dir.path().join("sloop.1").exists());
    assert!(dir.path().join("sloop-validate.1").exists());
    let v = json(&["schema"]);
    assert_eq!(v["title"], "sloop manifest");
    sloop().args(["validate", "--help"]).assert().success().stdout(predicate::str::contains("file:line:column"));
}

#[test]
fn yaml_output_and_no_color() {
    let out = sloop()
        .args(["--color", "auto", "explain", "examples/sloop/checkout.yaml", "-o", "yaml"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("- id: checkout/availability\n"), "{text}");
    assert!(text.contains("full_outage_secs: 2419.2"), "{text}");
    assert!(!text.contains('\u{1b}'));
    // NO_COLOR keeps human output plain even where colour is allowed.
    sloop()
        .args(["explain", "examples/sloop/checkout.yaml"])
        .env("NO_COLOR", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn generate_prometheus_rules_that_promtool_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rules.yaml");
    sloop()
        .args(["generate", "prometheus", "examples/sloop", "examples/sloth/getting-started.yml", "-o"])
        .arg(&out)
        .assert()
        .success()
        // The Datadog and time-slice SLOs among the examples are skipped, saying why.
        .stderr(predicate::str::contains(
            "skipped: my-frontend-service/frontend-2xx: Datadog SLOs are evaluated by Datadog",
        ))
        .stderr(predicate::str::contains("skipped: checkout/latency-month: Timeslices budgeting"))
        .stderr(predicate::str::contains("wrote rules for 3 SLO(s)"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("# Generated by sloop"), "{text}");
    assert!(text.contains("record: sloop:slo_error_budget_remaining:ratio"));
    if let Ok(check) = std::process::Command::new("promtool").arg("check").arg("rules").arg(&out).output() {
        assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    } else {
        assert!(std::env::var_os("SLOOP_SKIP_PROMETHEUS").is_some(), "promtool is not installed");
    }
}

#[test]
fn generate_split_kubernetes_and_mimir() {
    let dir = tempfile::tempdir().unwrap();
    sloop()
        .args(["generate", "prometheus", "examples/sloth/two-slos.yml", "--target", "kubernetes", "--split"])
        .arg(dir.path())
        .assert()
        .success();
    let mut files: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, ["checkout-requests-availability.yaml", "checkout-requests-latency.yaml"]);
    let k8s = std::fs::read_to_string(dir.path().join("checkout-requests-latency.yaml")).unwrap();
    assert!(k8s.contains("kind: PrometheusRule\n"), "{k8s}");
    assert!(k8s.contains("  name: sloop-checkout-requests-latency\n"), "{k8s}");
    let out = sloop()
        .args(["generate", "prometheus", "examples/pyrra/http.yaml", "--target", "mimir", "--name", "team-a"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\nnamespace: team-a\ngroups:\n"), "{text}");
}

#[test]
fn generate_sloth_naming_and_backfill_plan() {
    let out = sloop()
        .args(["generate", "prometheus", "examples/sloth/getting-started.yml", "--naming", "sloth"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["record: slo:sli_error:ratio_rate5m", "record: slo:period_error_budget_remaining:ratio", "sloth_id:"] {
        assert!(text.contains(name), "{name}");
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("base.yaml");
    sloop()
        .args([
            "generate",
            "prometheus",
            "examples/sloth/getting-started.yml",
            "--backfill-plan",
            "--backfill-end",
            "1700000000",
        ])
        .arg("--backfill-rules")
        .arg(&rules)
        .assert()
        .success()
        .stdout(predicate::str::contains("create-blocks-from \\\n    rules"))
        .stdout(predicate::str::contains("--end=1700000000"))
        .stdout(predicate::str::contains("--eval-interval=150s"))
        .stdout(predicate::str::contains("--max-block-duration="));
    let base = std::fs::read_to_string(&rules).unwrap();
    assert!(base.contains("record: sloop:slo_bad_events:rate") && base.contains("record: sloop:slo_events:rate"));
    assert!(!base.contains("alert:"), "only recordings are backfilled");
}

#[test]
fn generate_refuses_when_nothing_is_prometheus() {
    sloop()
        .args(["generate", "prometheus", "examples/reliably/frontend.yaml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no SLO can be evaluated by Prometheus"));
}

#[test]
fn metricsql_queries_need_the_dialect() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vm.yaml");
    std::fs::write(
        &file,
        "apiVersion: sloop/v1\nservice: vm\nslos:\n  - name: a\n    target: 99\n    window: 30d\n    ratio:\n      bad: sum(rate(e[{{.window}}])) default 0\n      total: sum(rate(t[{{.window}}]))\n",
    )
    .unwrap();
    // `default` is MetricsQL, not PromQL: refused by default, with the position.
    sloop()
        .args(["generate", "prometheus"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("slos[0].ratio.bad: invalid PromQL"));
    let out = sloop().args(["generate", "prometheus", "--dialect", "metricsql"]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("sum(sum(rate(e[1h])) default 0)"), "{text}");
}
