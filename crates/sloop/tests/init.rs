//! `sloop init` end to end: the wizard driven in a real pseudo-terminal, and
//! `--yes` with flags for scripts.
//!
//! The terminal tests use rexpect: it forks the binary onto a fresh pty (so
//! inquire really switches the terminal to raw mode and reads keys, as with a
//! person at a keyboard), every read waits at most `TIMEOUT_MS`, and a
//! session that is dropped kills its child (SIGTERM, then SIGKILL after the
//! same timeout). It is blocking and small, which suits tests that type one
//! answer after seeing each question.

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use rexpect::process::WaitStatus;
use rexpect::session::{Options, PtySession, spawn_with_options};

/// How long any one expected output may take to show up.
const TIMEOUT_MS: u64 = 30_000;

/// Keys as a terminal sends them in raw mode.
const ENTER: &str = "\r";
const BACKSPACE: &str = "\x7f";

/// Starts `sloop --color never init ARGS` in `dir` on a new pty.
///
/// A new pty has no size (0×0); a terminal has one, and inquire lays its
/// lines out by it, so `stty` gives it one before the binary starts.
fn wizard(dir: &Path, args: &[&str]) -> PtySession {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(r#"stty cols 200 rows 50 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_sloop"))
        .args(["--color", "never", "init"])
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1");
    let options = Options::new().timeout_ms(Some(TIMEOUT_MS)).strip_ansi_escape_codes(true);
    spawn_with_options(cmd, options).unwrap()
}

/// Waits for `prompt`, then types `keys`.
fn answer(s: &mut PtySession, prompt: &str, keys: &str) {
    s.exp_string(prompt).unwrap_or_else(|e| panic!("waiting for {prompt:?}: {e}"));
    s.send(keys).unwrap();
    s.flush().unwrap();
}

/// Everything printed until the process closes the terminal, and its exit
/// code. The child is killed if it has not exited within the timeout.
fn finish(mut s: PtySession) -> (String, i32) {
    let rest = s.exp_eof().unwrap();
    let deadline = Instant::now() + Duration::from_millis(TIMEOUT_MS);
    loop {
        match s.process().status() {
            Some(WaitStatus::Exited(_, code)) => return (rest, code),
            Some(WaitStatus::StillAlive) | None if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            other => {
                let _ = s.process_mut().exit();
                panic!("sloop init did not exit in time: {other:?}\n{rest}");
            }
        }
    }
}

/// The names of the files in `dir`, temporary ones included.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// What the full run below writes.
const TWO_SERVICES: &str = r#"# yaml-language-server: $schema=https://sloop.dev/schema/sloop.schema.json
# Written by `sloop init`.
# web: metrics from Prometheus at http://localhost:9090.
# api: metrics from Datadog (datadoghq.eu).
apiVersion: sloop/v1
service: web
slos:
- name: availability
  target: 99.9
  window: 14d
  ratio:
    good: sum(rate(http_requests_total{code!~"5.."}[{{.window}}]))
    total: sum(rate(http_requests_total[{{.window}}]))
- name: latency-200ms
  target: 95.0
  window: 30d
  latency:
    metric: http_request_duration_seconds
    matchers:
    - job="web"
    le: "0.2"
  alerting: false
---
apiVersion: sloop/v1
service: api
provider: datadog
slos:
- name: availability
  target: 99.5
  window: 7d
  ratio:
    good: (sum:trace.http.request.hits{service:api}.as_count() - sum:trace.http.request.errors{service:api}.as_count())
    total: sum:trace.http.request.hits{service:api}.as_count()
"#;

#[test]
fn a_full_run_answers_every_question_and_writes_two_services() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = wizard(dir.path(), &[]);

    // web, on Prometheus at the suggested URL.
    answer(&mut s, "Service name:", "web\r");
    answer(&mut s, "Where are web's metrics?", ENTER);
    answer(&mut s, "Prometheus URL: (http://localhost:9090)", ENTER);

    // An availability SLO; each mistake is shown and asked again.
    answer(&mut s, "What should the SLO measure?", ENTER);
    answer(&mut s, "Good events query:", "sum(rate(http_requests_total{code!~\"5..\"}[{{.window}}])\r");
    answer(&mut s, "invalid PromQL: unclosed left parenthesis", ")\r");
    answer(&mut s, "Total events query:", "sum(rate(http_requests_total[{{.window}}]))\r");
    answer(&mut s, "Target (%): (99.9)", "100\r");
    answer(&mut s, "100% leaves no error budget", &format!("{}99.9\r", BACKSPACE.repeat(3)));
    answer(&mut s, "Window:", "custom\r");
    answer(&mut s, "Custom window:", "5x\r");
    answer(&mut s, "`5x` is not a duration: unknown unit `x`", &format!("{}P14D\r", BACKSPACE.repeat(2)));
    answer(&mut s, "SLO name: (availability)", ENTER);
    answer(&mut s, "Alert when the error budget burns too fast? (Y/n)", ENTER);

    // A latency SLO from a histogram, alerting off.
    answer(&mut s, "Add another SLO to web? (y/N)", "y\r");
    answer(&mut s, "What should the SLO measure?", "lat\r");
    answer(&mut s, "Histogram:", "http_request_duration_seconds_bucket{job=\"web\"}\r");
    answer(&mut s, "Latency threshold:", "200ms\r");
    answer(&mut s, "Target (%): (99)", "95%\r");
    answer(&mut s, "Window:", ENTER);
    answer(&mut s, "SLO name: (latency-200ms)", ENTER);
    answer(&mut s, "Alert when the error budget burns too fast?", "n\r");
    answer(&mut s, "Add another SLO to web?", ENTER);

    // api, on Datadog: no kind to choose, the queries are counts.
    answer(&mut s, "Add another service? (y/N)", "y\r");
    answer(&mut s, "Service name:", "api\r");
    answer(&mut s, "Where are api's metrics?", "datadog\r");
    answer(&mut s, "Datadog site:", "datadoghq.eu\r");
    answer(&mut s, "What should the SLO measure? availability (latency SLOs read Prometheus histograms)", "");
    answer(
        &mut s,
        "Good events query:",
        "(sum:trace.http.request.hits{service:api}.as_count() - \
         sum:trace.http.request.errors{service:api}.as_count())\r",
    );
    answer(&mut s, "Total events query:", "sum:trace.http.request.hits{service:api}.as_count()\r");
    answer(&mut s, "Target (%):", "99.5\r");
    answer(&mut s, "Window:", "7d\r");
    answer(&mut s, "SLO name: (availability)", ENTER);
    answer(&mut s, "Alert when the error budget burns too fast?", ENTER);
    answer(&mut s, "Add another SLO to api?", ENTER);
    answer(&mut s, "Add another service?", ENTER);

    // What it means, then what was written.
    s.exp_string("web/availability").unwrap();
    s.exp_string("99.9% of events for web are good (good events / total events), over a rolling 14 days.").unwrap();
    s.exp_string("web/latency-200ms").unwrap();
    s.exp_string("95% of requests to web are served in under 200ms, over a rolling 30 days.").unwrap();
    s.exp_string("Alerts: off").unwrap();
    s.exp_string("api/availability").unwrap();
    s.exp_string("Error budget: 0.5% of events may fail: 5,000 bad events in every million").unwrap();
    s.exp_string(
        "Wrote sloop.yaml (sloop format): 3 SLOs of 2 services: web/availability, web/latency-200ms, \
         api/availability.",
    )
    .unwrap();
    let (rest, code) = finish(s);
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("DD_SITE=datadoghq.eu"), "{rest}");

    let written = std::fs::read_to_string(dir.path().join("sloop.yaml")).unwrap();
    assert_eq!(written, TWO_SERVICES);
    assert_eq!(files(dir.path()), ["sloop.yaml"]);
    Command::new(env!("CARGO_BIN_EXE_sloop"))
        .current_dir(dir.path())
        .args(["validate", "sloop.yaml"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .stdout("✓ 3 objective(s) in 1 file(s) are valid\n");
}

#[test]
fn flags_skip_their_questions() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"sum(rate(http_requests_total{code!~"5.."}[{{.window}}]))"#;
    let total = "sum(rate(http_requests_total[{{.window}}]))";
    let args = ["--service", "web", "--good", good, "--total", total, "--target", "99.5", "--alerting", "off"];
    let mut s = wizard(dir.path(), &args);
    answer(&mut s, "> Service name: web (--service)", "");
    answer(&mut s, "Where are web's metrics?", ENTER);
    answer(&mut s, "Prometheus URL:", "http://prometheus:9090\r");
    answer(&mut s, "> What should the SLO measure? availability (from --good, --bad or --total)", "");
    answer(&mut s, "> Target (%): 99.5 (--target)", "");
    answer(&mut s, "Window:", "28d\r");
    answer(&mut s, "SLO name: (availability)", "requests\r");
    answer(&mut s, "> Alert when the error budget burns too fast? no (--alerting)", "");
    // The flags answered the first SLO; a second one is asked in full.
    answer(&mut s, "Add another SLO to web?", "y\r");
    answer(&mut s, "What should the SLO measure?", ENTER);
    answer(&mut s, "Good events query:", &format!("{good}\r"));
    answer(&mut s, "Total events query:", &format!("{good}\r"));
    let retyped = format!("{}{total}\r", BACKSPACE.repeat(good.len()));
    answer(&mut s, "this is the good-events query again, so the SLI would always be 100%", &retyped);
    answer(&mut s, "Target (%): (99.9)", "\x1b");
    let (rest, code) = finish(s);
    assert_eq!(code, 130, "{rest}");
    assert!(rest.contains("Interrupted: nothing written."), "{rest}");
    assert_eq!(files(dir.path()), Vec::<String>::new());
}

#[test]
fn ctrl_c_midway_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = wizard(dir.path(), &[]);
    answer(&mut s, "Service name:", "web\r");
    answer(&mut s, "Where are web's metrics?", ENTER);
    s.exp_string("Prometheus URL:").unwrap();
    s.send_control('c').unwrap();
    let (rest, code) = finish(s);
    assert_eq!(code, 130, "{rest}");
    assert!(rest.contains("Interrupted: nothing written."), "{rest}");
    assert_eq!(files(dir.path()), Vec::<String>::new());
}

#[test]
fn an_existing_file_is_kept_when_the_answer_is_no() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sloop.yaml"), "keep: me\n").unwrap();
    let mut s = wizard(dir.path(), &[]);
    answer(&mut s, "sloop.yaml exists. Overwrite it? (y/N)", ENTER);
    let (rest, code) = finish(s);
    assert_eq!(code, 1, "{rest}");
    assert!(rest.contains("Kept sloop.yaml as it is; nothing written."), "{rest}");
    assert_eq!(std::fs::read_to_string(dir.path().join("sloop.yaml")).unwrap(), "keep: me\n");
    assert_eq!(files(dir.path()), ["sloop.yaml"]);
}

#[test]
fn an_existing_file_survives_ctrl_c_after_yes_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.yaml"), "keep: me\n").unwrap();
    let mut s = wizard(dir.path(), &["-o", "web.yaml"]);
    answer(&mut s, "web.yaml exists. Overwrite it? (y/N)", "y\r");
    answer(&mut s, "Service name:", "web\r");
    s.exp_string("Where are web's metrics?").unwrap();
    s.send_control('c').unwrap();
    let (rest, code) = finish(s);
    assert_eq!(code, 130, "{rest}");
    assert_eq!(std::fs::read_to_string(dir.path().join("web.yaml")).unwrap(), "keep: me\n");
    assert_eq!(files(dir.path()), ["web.yaml"]);
}

#[test]
fn a_file_that_appears_while_answering_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"sum(rate(http_requests_total{code!~"5.."}[{{.window}}]))"#;
    let total = "sum(rate(http_requests_total[{{.window}}]))";
    let args = ["--service", "web", "--prometheus-url", "http://localhost:9090", "--good", good, "--total", total];
    let args = [&args[..], &["--target", "99.9", "--window", "30d", "--name", "availability", "--alerting", "on"]];
    let mut s = wizard(dir.path(), &args.concat());
    s.exp_string("Add another SLO to web?").unwrap();
    std::fs::write(dir.path().join("sloop.yaml"), "keep: me\n").unwrap();
    s.send(ENTER).unwrap();
    s.flush().unwrap();
    answer(&mut s, "Add another service?", ENTER);
    let (rest, code) = finish(s);
    assert_eq!(code, 2, "{rest}");
    assert!(rest.contains("sloop.yaml appeared while the questions were answered; it is kept, and nothing written"));
    assert_eq!(std::fs::read_to_string(dir.path().join("sloop.yaml")).unwrap(), "keep: me\n");
    assert_eq!(files(dir.path()), ["sloop.yaml"]);
}

/// `sloop --color never init ARGS` in `dir`, for scripts: no terminal.
fn init(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sloop"));
    c.current_dir(dir).args(["--color", "never", "init"]).args(args).timeout(Duration::from_secs(60));
    c
}

#[test]
fn yes_writes_sloop_format() {
    let dir = tempfile::tempdir().unwrap();
    let histogram = r#"http_request_duration_seconds_bucket{job="web",code=~"2.."}"#;
    init(dir.path(), &["--yes", "--service", "web", "--histogram", histogram, "--threshold", "250ms"])
        .args(["--target", "99.5%", "--window", "PT1H", "--alerting", "off"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "web/latency-250ms\n  99.5% of successful requests to web are served in under 250ms, \
             over a rolling 1 hour.\n",
        ))
        .stderr(predicate::str::contains(
            "✓ Wrote sloop.yaml (sloop format): 1 SLO of 1 service: web/latency-250ms.\n",
        ));
    let expected = r#"# yaml-language-server: $schema=https://sloop.dev/schema/sloop.schema.json
# Written by `sloop init`.
# web: metrics from Prometheus at http://localhost:9090.
apiVersion: sloop/v1
service: web
slos:
- name: latency-250ms
  target: 99.5
  window: 1h
  latency:
    metric: http_request_duration_seconds
    matchers:
    - job="web"
    - code=~"2.."
    le: "0.25"
  alerting: false
"#;
    assert_eq!(std::fs::read_to_string(dir.path().join("sloop.yaml")).unwrap(), expected);
}

#[test]
fn yes_writes_openslo_into_a_new_directory() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path(), &["--yes", "--format", "openslo", "-o", "slos/web.yaml", "--service", "web"])
        .args(["--bad", r#"sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))"#])
        .args(["--total", "sum(rate(http_requests_total[{{.window}}]))", "--target", "99.5", "--window", "28d"])
        .args(["--prometheus-url", "https://mimir.example.com/prometheus/"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "99.5% of events for web are good (at most 0.5% are bad), over a rolling 28 days.",
        ))
        .stderr(predicate::str::contains("--prometheus-url https://mimir.example.com/prometheus\n"));
    let expected = r#"# Written by `sloop init`.
# web: metrics from Prometheus at https://mimir.example.com/prometheus.
apiVersion: openslo/v1
kind: Service
metadata:
  name: web
spec: {}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: web
  indicator:
    metadata:
      name: availability-sli
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total[{{.window}}]))
  timeWindow:
  - duration: 28d
    isRolling: true
  budgetingMethod: Occurrences
  objectives:
  - target: 0.995
"#;
    assert_eq!(std::fs::read_to_string(dir.path().join("slos/web.yaml")).unwrap(), expected);
    assert_eq!(files(&dir.path().join("slos")), ["web.yaml"]);
}

#[test]
fn yes_writes_reliably_for_datadog() {
    let dir = tempfile::tempdir().unwrap();
    let good = "(sum:trace.http.request.hits{service:api}.as_count() - \
                sum:trace.http.request.errors{service:api}.as_count())";
    init(dir.path(), &["--yes", "--format", "reliably", "-o", "api.yaml", "--service", "api"])
        .args(["--datadog-site", "https://app.datadoghq.eu/", "--good", good])
        .args(["--total", "sum:trace.http.request.hits{service:api}.as_count()", "--target", "99", "--window", "7d"])
        .assert()
        .success()
        .stdout(predicate::str::contains("api/availability — availability\n  99% of events for api are good (good events / total events), over a rolling 7 days.\n"))
        .stderr(predicate::str::contains(
            "Measure it:  DD_SITE=datadoghq.eu DD_API_KEY=… DD_APP_KEY=… sloop report -f api.yaml --live\n",
        ));
    let expected = "# Written by `sloop init`.
# api: metrics from Datadog (datadoghq.eu).
apiVersion: reliably.com/v1
kind: Objective
metadata:
  labels:
    name: availability
    service: api
spec:
  indicatorSelector:
    datadog_denominator_query: sum:trace.http.request.hits{service:api}.as_count()
    datadog_numerator_query: (sum:trace.http.request.hits{service:api}.as_count() - sum:trace.http.request.errors{service:api}.as_count())
  objectivePercent: 99
  window: 168h0m0s
";
    assert_eq!(std::fs::read_to_string(dir.path().join("api.yaml")).unwrap(), expected);
}

#[test]
fn yes_names_the_missing_flags() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path(), &["--yes"]).assert().code(2).stderr(
        "error: --yes takes every answer from flags, and these are missing: --service NAME, --good QUERY \
         (or --bad QUERY), --total QUERY. `sloop init --help` lists them all\n",
    );
    init(dir.path(), &["--yes", "--service", "web", "--kind", "latency"]).assert().code(2).stderr(
        "error: --yes takes every answer from flags, and these are missing: --histogram SELECTOR, \
         --threshold LATENCY. `sloop init --help` lists them all\n",
    );
    assert_eq!(files(dir.path()), Vec::<String>::new());
}

#[test]
fn bad_flags_fail_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let latency = ["--yes", "--service", "web", "--histogram", "x_bucket", "--threshold", "1s"];
    let cases: [(&[&str], &str); 7] = [
        (&["--target", "100"], "error: --target 100: target `100`: 100% leaves no error budget"),
        (&["--window", "5x"], "error: --window 5x: `5x` is not a duration: unknown unit `x`"),
        (&["--name", "Latency"], "error: --name Latency: `Latency` is not a name"),
        (&["--format", "openslo", "--alerting", "off"], "error: --alerting off: openslo manifests cannot turn"),
        (&["--provider", "datadog"], "error: a latency SLO reads a Prometheus histogram; on Datadog"),
        (&["--threshold", "fast"], "error: the argument '--threshold <LATENCY>' cannot be used multiple times"),
        (&["--prometheus-url", "localhost:9090"], "error: --prometheus-url localhost:9090: url `localhost:9090`"),
    ];
    for (extra, message) in cases {
        init(dir.path(), &latency).args(extra).assert().code(2).stderr(predicate::str::starts_with(message));
    }
    let ratio = ["--yes", "--service", "web", "--total", "sum(rate(x_total[{{.window}}]))"];
    init(dir.path(), &ratio).args(["--good", "sum(rate(x_total{code!~\"5..\"}[{{.window}}])"]).assert().code(2).stderr(
        "error: --good sum(rate(x_total{code!~\"5..\"}[{{.window}}]): invalid PromQL: unclosed left parenthesis\n",
    );
    init(dir.path(), &["--yes", "--service", "api", "--provider", "datadog", "--total", "sum:hits{a:b}.as_count()"])
        .args(["--good", "sum:hits{a:b}"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: --good sum:hits{a:b}: a Datadog SLO counts events: end each metric with .as_count()",
        ));
    assert_eq!(files(dir.path()), Vec::<String>::new());
}

#[test]
fn without_a_terminal_it_asks_for_yes() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path(), &["--service", "web"]).write_stdin("web\n").assert().code(2).stderr(predicate::str::starts_with(
        "error: sloop init asks its questions on a terminal, and standard input is not one: answer them with \
             flags and --yes instead",
    ));
    assert_eq!(files(dir.path()), Vec::<String>::new());
}

#[test]
fn yes_overwrites_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sloop.yaml"), "keep: me\n").unwrap();
    let args = ["--yes", "--service", "web", "--histogram", "x_bucket", "--threshold", "1s"];
    init(dir.path(), &args)
        .assert()
        .code(2)
        .stderr("error: sloop.yaml exists: pass --force to overwrite it, or -o to write another file\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("sloop.yaml")).unwrap(), "keep: me\n");
    init(dir.path(), &args).arg("--force").assert().success();
    let written = std::fs::read_to_string(dir.path().join("sloop.yaml")).unwrap();
    assert!(
        written.contains("- name: latency-1000ms\n  target: 99.0\n  window: 30d\n  latency:\n    metric: x\n"),
        "{written}"
    );
    assert_eq!(files(dir.path()), ["sloop.yaml"]);
}
