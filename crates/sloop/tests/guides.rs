//! The guides (docs/getting-started.md and docs/guides/*.md) hold what sloop
//! really does.
//!
//! * Every manifest and workflow a guide shows is a file under
//!   examples/guides/, included verbatim in a block fenced with
//!   ```` ```yaml title="examples/guides/…" ````, and every file there is shown.
//! * Every ```` ```console ```` block is a session that is run again here:
//!   each `$ sloop …` line runs the built binary from the repository's root,
//!   with stderr merged into stdout as a terminal shows them, and must print
//!   exactly the lines that follow (a line `...` stands for any lines, where a
//!   guide trims output, and blank lines at the end are not shown);
//!   `$ echo $?` checks the exit code.
//! * The latency guide's rules carry the documented burn-rate thresholds and
//!   bucket, and promtool accepts them; the Datadog guide shows its
//!   manifest's queries; the CI guide's workflow runs the commands the guide
//!   explains, and its gate passes a healthy SLO and fails a breached one.
//!
//! promtool must be installed (`scripts/test.sh` installs Debian's
//! `prometheus`). Without it the promtool test fails, unless
//! `SLOOP_SKIP_PROMETHEUS` is set, in which case it says it skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Output};

use serde::Deserialize;
use serde_json::Value;

/// Set to skip the promtool test when promtool is missing.
const SKIP_VAR: &str = "SLOOP_SKIP_PROMETHEUS";

/// The Prometheus latency guide's manifest.
const LATENCY: &str = "examples/guides/myservice-latency.yaml";
/// The Datadog guide's manifest.
const DATADOG: &str = "examples/guides/web-datadog.yaml";
/// The CI guide's workflow.
const WORKFLOW: &str = "examples/guides/github-actions.yml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs the built sloop from the repository's root.
fn sloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sloop"))
        .args(args)
        .current_dir(root())
        .env_remove("SLOOP_PROMETHEUS_URL")
        .env_remove("SLOOP_DB")
        .output()
        .unwrap()
}

/// Runs sloop with stderr sent to the same pipe as stdout, so that the lines
/// come in the order a terminal shows them.
fn sloop_merged(args: &[String]) -> (String, i32) {
    let out = Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" \"$@\" 2>&1")
        .arg(env!("CARGO_BIN_EXE_sloop"))
        .args(args)
        .current_dir(root())
        .env_remove("SLOOP_PROMETHEUS_URL")
        .env_remove("SLOOP_DB")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap_or(-1))
}

/// The guides, by their path from the repository's root.
fn guides() -> Vec<(String, String)> {
    let mut names = vec!["docs/getting-started.md".to_string()];
    let mut more: Vec<String> = std::fs::read_dir(root().join("docs/guides"))
        .unwrap()
        .map(|e| format!("docs/guides/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".md"))
        .collect();
    more.sort();
    names.extend(more);
    names.into_iter().map(|n| (n.clone(), read(&n))).collect()
}

/// A fenced code block of a Markdown file.
#[derive(Debug)]
struct Block {
    /// The info string: `console`, `yaml title="…"`.
    info: String,
    /// The text between the fences, without the fence's indentation.
    body: String,
    /// The line of the opening fence, from 1.
    line: usize,
}

/// The fenced blocks of a Markdown text, also those indented inside list items.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(info) = trimmed.strip_prefix("```") else { continue };
        let indent = line.len() - trimmed.len();
        let mut body = String::new();
        for (_, inner) in lines.by_ref() {
            if inner.trim() == "```" {
                break;
            }
            body.push_str(inner.get(indent..).unwrap_or(inner.trim_start()));
            body.push('\n');
        }
        found.push(Block { info: info.trim().to_string(), body, line: i + 1 });
    }
    found
}

/// The file a block shows verbatim: `yaml title="examples/guides/x.yaml"`.
fn title(block: &Block) -> Option<&str> {
    block.info.split_once("title=\"")?.1.split_once('"').map(|(t, _)| t)
}

/// The guide's text without the blocks that show files verbatim, so that a
/// check for a command or a query finds what the prose explains.
fn prose(markdown: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if skipping {
            skipping = trimmed.trim() != "```";
            continue;
        }
        if trimmed.starts_with("```") && trimmed.contains("title=\"") {
            skipping = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn every_file_of_examples_guides_is_shown_verbatim() {
    let mut shown = BTreeSet::new();
    for (guide, text) in guides() {
        for block in blocks(&text) {
            if let Some(path) = title(&block) {
                assert_eq!(block.body, read(path), "{guide}:{}: the block differs from {path}", block.line);
                shown.insert(path.to_string());
            }
        }
    }
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("examples/guides")).unwrap() {
        files.insert(format!("examples/guides/{}", entry.unwrap().file_name().to_string_lossy()));
    }
    assert_eq!(shown, files, "each file of examples/guides/ is shown by a guide, and only those");
}

/// Splits a console command into words. Guides keep their commands simple:
/// single quotes are the only quoting, and nothing the shell would expand.
fn words(command: &str, at: &str) -> Vec<String> {
    assert!(
        !command.contains(['"', '\\', '$', '>', '|', '&', ';', '*']),
        "{at}: `{command}`: console blocks run sloop without a shell; keep to plain words and single quotes"
    );
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in command.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    assert!(!quoted, "{at}: unbalanced quote in `{command}`");
    if started {
        words.push(word);
    }
    words
}

/// Whether `actual` matches `expected`, where an expected line `...` matches
/// any number of lines.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|skip| matches(rest, &actual[skip..])),
        Some((line, rest)) => {
            actual.first().is_some_and(|a| a.trim_end() == line.trim_end()) && matches(rest, &actual[1..])
        }
    }
}

/// One console session: runs its commands and compares what they print.
fn run_console(guide: &str, block: &Block) -> usize {
    let mut steps: Vec<(String, Vec<&str>)> = Vec::new();
    for line in block.body.lines() {
        match line.strip_prefix("$ ") {
            Some(command) => steps.push((command.to_string(), Vec::new())),
            None => match steps.last_mut() {
                Some((_, output)) => output.push(line),
                None => panic!("{guide}:{}: a console block starts with a `$ ` command", block.line),
            },
        }
    }
    let mut last_code: Option<i32> = None;
    for (command, expected) in &steps {
        let at = format!("{guide}:{}", block.line);
        if command == "echo $?" {
            let code = last_code.unwrap_or_else(|| panic!("{at}: `echo $?` before any command"));
            assert_eq!(expected.as_slice(), [code.to_string().as_str()], "{at}: the exit code of the command before");
            continue;
        }
        let args = words(command, &at);
        assert_eq!(args.first().map(String::as_str), Some("sloop"), "{at}: console blocks only run sloop: `{command}`");
        let (output, code) = sloop_merged(&args[1..]);
        // Blank lines at the end of an output are not shown in the guides.
        let mut actual: Vec<&str> = output.lines().collect();
        while actual.last().is_some_and(|l| l.trim().is_empty()) {
            actual.pop();
        }
        assert!(
            matches(expected, &actual),
            "{at}: `{command}` printed\n{output}\nbut the guide shows\n{}",
            expected.join("\n")
        );
        last_code = Some(code);
    }
    steps.len()
}

#[test]
fn console_sessions_print_what_the_guides_show() {
    let mut sessions = BTreeMap::new();
    for (guide, text) in guides() {
        for block in blocks(&text).iter().filter(|b| b.info == "console") {
            *sessions.entry(guide.clone()).or_insert(0) += run_console(&guide, block);
        }
    }
    // Each guide shows at least one real session, so none drifts unnoticed.
    let guides: Vec<String> = guides().into_iter().map(|(g, _)| g).collect();
    for guide in guides {
        assert!(sessions.get(&guide).is_some_and(|&n| n > 0), "{guide} has no console session");
    }
}

#[test]
fn the_guides_manifests_validate() {
    for entry in std::fs::read_dir(root().join("examples/guides")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".yaml") {
            continue;
        }
        let path = format!("examples/guides/{name}");
        let out = sloop(&["validate", &path, "-o", "json"]);
        assert_eq!(out.status.code(), Some(0), "{path}: {}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["valid"], true, "{path}: {v:#}");
        assert_eq!(v["errors"], 0, "{path}: {v:#}");
        let lints: Vec<&str> =
            v["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
        if path == LATENCY {
            // A 90 % target leaves a budget of 10 %: even a total outage burns
            // at 1 / 0.1 = 10, under the 1h page's 14.4. The guide explains it.
            assert_eq!(lints, ["lint/alert-never-fires"], "{path}");
        } else {
            assert!(lints.is_empty(), "{path}: {v:#}");
        }
    }
}

/// A number as sloop prints thresholds: no trailing zeros (`14.4`, `6`).
fn decimal(hundredths: u64) -> String {
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// The latency guide's rules, as `sloop generate prometheus` prints them.
fn latency_rules() -> String {
    let out = sloop(&["generate", "prometheus", LATENCY]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_latency_rules_carry_the_documented_thresholds_and_bucket() {
    let rules: Value = serde_saphyr::from_str(&latency_rules()).unwrap();
    let mut alerts = BTreeMap::new();
    for group in rules["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            if rule["alert"] == "SLOErrorBudgetBurn" {
                let windows = rule["labels"]["sloop_windows"].as_str().unwrap().to_string();
                let severity = rule["labels"]["severity"].as_str().unwrap().to_string();
                alerts.insert(windows, (severity, rule["expr"].as_str().unwrap().to_string()));
            }
        }
    }
    // The workbook's pairs for a 30-day window: the threshold is (window ÷
    // long window) × the share of the budget the pair may spend, 720h ÷ 1h ×
    // 2 % = 14.4 and 720h ÷ 6h × 5 % = 6 for the fast burn (pages), 30d ÷ 1d
    // × 10 % = 3 and 30d ÷ 3d × 10 % = 1 for the slow burn (tickets).
    let window_hours = 30 * 24;
    let pairs =
        [("1h/5m", 1, 2, "page"), ("6h/30m", 6, 5, "page"), ("1d/2h", 24, 10, "ticket"), ("3d/6h", 72, 10, "ticket")];
    assert_eq!(alerts.len(), pairs.len(), "{alerts:#?}");
    let guide = read("docs/guides/prometheus-latency.md");
    for (windows, long_hours, budget_percent, severity) in pairs {
        let threshold = decimal(window_hours * budget_percent / long_hours);
        let (sev, expr) = &alerts[windows];
        assert_eq!(sev, severity, "{windows}");
        // The long and the short window are both compared with the threshold,
        // against the 10 % budget of a 90 % target.
        assert_eq!(expr.matches(&format!(" / 0.1 >= {threshold}\n")).count(), 2, "{windows}: {expr}");
        assert!(
            guide.contains(&format!("| {severity} | {} | {threshold} |", windows.replace('/', " | "))),
            "{windows}"
        );
    }
    // The manifest's `le: "0.2"` is matched so that Prometheus 2 (`0.2`) and 3
    // (which normalises `le` values) both find the bucket; the guide says so.
    let bucket = r#"http_server_requests_seconds_bucket{application="myservice",le=~"0\\.20*",outcome="SUCCESS"}"#;
    let text = latency_rules();
    assert!(text.contains(bucket), "{text}");
    assert!(guide.contains(bucket), "the guide shows the bucket selector as generated");
    assert!(read(LATENCY).contains("le: \"0.2\""));
}

#[test]
fn promtool_accepts_the_latency_rules() {
    match Command::new("promtool").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        found => {
            let why = match found {
                Ok(out) => format!("`promtool --version` failed: {}", String::from_utf8_lossy(&out.stderr)),
                Err(e) => format!("promtool cannot be run: {e}"),
            };
            if std::env::var_os(SKIP_VAR).is_some() {
                eprintln!("skipped: {why} ({SKIP_VAR} is set)");
                return;
            }
            panic!(
                "{why}\nInstall promtool (`apt-get install prometheus`, or run scripts/test.sh), or set {SKIP_VAR}=1."
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("myservice.rules.yaml");
    let text = latency_rules();
    std::fs::write(&file, &text).unwrap();
    let rules: Value = serde_saphyr::from_str(&text).unwrap();
    let count: usize = rules["groups"].as_array().unwrap().iter().map(|g| g["rules"].as_array().unwrap().len()).sum();
    let out = Command::new("promtool").args(["check", "rules"]).arg(&file).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "promtool check rules failed:\n{said}");
    assert!(said.contains(&format!("SUCCESS: {count} rules found")), "{said}");
}

#[test]
fn the_datadog_guide_shows_the_manifests_queries() {
    let manifest: Value = serde_saphyr::from_str(&read(DATADOG)).unwrap();
    assert_eq!(manifest["provider"], "datadog");
    let slo = &manifest["slos"][0];
    let good = slo["ratio"]["good"].as_str().unwrap();
    let total = slo["ratio"]["total"].as_str().unwrap();
    assert_eq!(total, "sum:trace.flask.request.hits{service:web}.as_count()");
    assert_eq!(
        good,
        "(sum:trace.flask.request.hits{service:web}.as_count() - sum:trace.flask.request.errors{service:web}.as_count())"
    );
    // Outside the verbatim manifest: where the guide explains the queries and
    // passes them to `sloop init`.
    let text = prose(&read("docs/guides/datadog.md"));
    for query in [good, total, "sum:trace.flask.request.errors{service:web}.as_count()"] {
        assert!(text.contains(&format!("'{query}'")) || text.contains(&format!("\n{query}\n")), "{query}");
    }
}

/// The parts of a GitHub Actions workflow the guide explains.
#[derive(Debug, Deserialize)]
struct Workflow {
    jobs: BTreeMap<String, Job>,
}

/// A job of the workflow.
#[derive(Debug, Deserialize)]
struct Job {
    #[serde(rename = "runs-on")]
    runs_on: String,
    steps: Vec<Step>,
}

/// A step of a job.
#[derive(Debug, Deserialize)]
struct Step {
    name: String,
    uses: Option<String>,
    run: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

fn workflow_steps() -> Vec<Step> {
    let workflow: Workflow = serde_saphyr::from_str(&read(WORKFLOW)).unwrap();
    let mut jobs = workflow.jobs.into_values();
    let job = jobs.next().unwrap();
    assert!(jobs.next().is_none(), "one job");
    assert_eq!(job.runs_on, "ubuntu-latest");
    job.steps
}

#[test]
fn the_workflow_runs_the_commands_the_guide_explains() {
    let steps = workflow_steps();
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["Check out the manifests", "Install sloop", "Validate the manifests", "Gate on the error budgets"]
    );
    assert_eq!(steps[0].uses.as_deref(), Some("actions/checkout@v4"));
    assert_eq!(steps[3].env.get("SLOOP_PROMETHEUS_URL").map(String::as_str), Some("${{ secrets.PROMETHEUS_URL }}"));

    // Each command is explained, in a shell block of its own, outside the
    // verbatim workflow; and each is one the guide documents.
    let guide = read("docs/guides/ci-gating.md");
    let explained: Vec<String> =
        blocks(&prose(&guide)).into_iter().filter(|b| b.info == "sh").map(|b| b.body.trim().to_string()).collect();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s.run.as_deref()).map(str::trim).collect();
    for run in &runs {
        assert!(explained.iter().any(|e| e == run), "`{run}` is not explained in its own block: {explained:#?}");
    }
    assert!(runs[0].starts_with("cargo install --locked --git https://github.com/sloop-slo/sloop"));
    assert_eq!(runs[1], "sloop validate slos/");
    assert!(runs[2].starts_with("sloop report -f slos/ --live --fail-on breach "), "{}", runs[2]);
}

/// The workflow's gate, run on one manifest with synthetic traffic instead of
/// Prometheus, at the current time (the traffic is laid out around it).
fn run_gate(manifest: &str) -> Output {
    let steps = workflow_steps();
    let gate = steps.iter().find_map(|s| s.run.as_deref().filter(|r| r.contains("--fail-on"))).unwrap();
    let command = gate.split(">>").next().unwrap();
    let mut args: Vec<&str> =
        command.split_whitespace().skip(1).map(|w| if w == "slos/" { manifest } else { w }).collect();
    args.extend(["--synthetic", "1"]);
    sloop(&args)
}

#[test]
fn the_gate_passes_a_healthy_slo_and_fails_a_breached_one() {
    // The synthetic traffic fails a tenth of each SLO's budget, and on the
    // first SLO an incident began 50 minutes ago that fails 20 budgets' worth
    // of requests (a partial outage two days ago adds 8 budgets for 30
    // minutes). Request rates follow a day/night cycle between 5 and 200
    // requests a second.
    //
    // Over 1h, the incident holds 50 of the 60 minutes. Even if each of the
    // other 10 minutes weighed 40 times an incident minute (200 ÷ 5), the
    // budget spent would be 50 × 20 ÷ (50 + 10 × 40) ≈ 2.2: breached.
    let breached = run_gate("examples/guides/checkout-1h.yaml");
    assert_eq!(breached.status.code(), Some(1), "{}", String::from_utf8_lossy(&breached.stderr));
    assert_eq!(String::from_utf8_lossy(&breached.stderr), "fail: checkout/availability-1h: breached\n");
    assert!(String::from_utf8_lossy(&breached.stdout).contains("| ❌ breached | availability-1h |"));

    // Over 30 days (43,200 minutes) of whole day/night cycles, an average
    // minute has about (5 + 200) ÷ 2 requests a second, and no minute has much
    // more than 200: an incident minute weighs at most about twice an average
    // one. The budget spent is then at most 0.1 + (50 × 20 + 30 × 8) × 2 ÷
    // 43,200 ≈ 0.16: met.
    let healthy = run_gate("examples/guides/checkout-30d.yaml");
    assert_eq!(healthy.status.code(), Some(0), "{}", String::from_utf8_lossy(&healthy.stderr));
    let report = String::from_utf8_lossy(&healthy.stdout);
    assert!(report.contains("availability-30d"), "{report}");
    assert!(!report.contains("breached |"), "{report}");
}
