//! # rules-bench
//!
//! The side-by-side rule benchmark of issue 3: sloop's rules, Sloth-shaped
//! rules and Pyrra-shaped rules for the same SLOs, each in a fresh real
//! Prometheus on the same data. Run it through `bench/rules/run.sh`, which
//! says what it measures and how long it takes.
//!
//! Steps (all under `--work`):
//! 1. Write the rule files (and `promtool check rules` them).
//! 2. Build the synthetic traffic (the test kit's scenarios, one per SLO),
//!    serve its present on a loopback `/metrics`, and start the *recorder*:
//!    a Prometheus that scrapes it every 15 s from now on and evaluates only
//!    the base recordings that sloop's and Sloth's long windows read.
//! 3. Backfill the past, SLO by SLO (`promtool tsdb create-blocks-from
//!    openmetrics`), into the recorder; then backfill the base recordings
//!    over the last 30 days (`promtool tsdb create-blocks-from rules`,
//!    sloop's `backfill::Plan`), so the recorder holds raw history and
//!    recorded history up to now, with no gap.
//! 4. For each repetition and rule set: when the machine is idle, snapshot
//!    the recorder, start a fresh Prometheus on the snapshot with that rule
//!    set (scraping the same live endpoint), warm up, measure, compare the
//!    30-day budget left with the truth, stop.
//! 5. Print the results and write them as Markdown and JSON.
#![forbid(unsafe_code)]

mod http;
mod measure;
mod report;
mod rulesets;
mod traffic;
mod tsdb;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sloop_rules::backfill::Plan;
use sloop_testkit::prometheus::{Prometheus, StartOptions, backfill_openmetrics, promtool_check_rules};
use sloop_testkit::synthetic::DAY;

use crate::measure::{Env, RunResult, Timing};
use crate::rulesets::Set;

/// Live traffic is generated this far past the start (the session must end before).
const HORIZON: i64 = 3 * DAY;

#[derive(Debug, Clone)]
struct Args {
    work: PathBuf,
    slos: usize,
    days: i64,
    step: i64,
    repeats: usize,
    warmup: u64,
    measure: u64,
    sets: Vec<Set>,
    jobs: usize,
    max_load: f64,
    idle_wait: u64,
    max_background: f64,
    markdown: Option<PathBuf>,
    keep: bool,
    resume: bool,
    report: Option<PathBuf>,
}

const USAGE: &str = "rules-bench [--work DIR] [--slos 40] [--days 31] [--step 15] [--repeats 3] [--warmup 150] \
[--measure 480] [--sets baseline,sloop,sloth,pyrra] [--jobs 1] [--max-load 0.5] [--idle-wait 3600] \
[--max-background 0.25] [--markdown FILE] [--keep] [--resume]
       rules-bench --report RESULTS.json [--slos 40]   (print the tables of a finished run again)

--resume continues an interrupted run in the same --work directory: finished backfills and runs are kept.";

impl Args {
    fn parse() -> Result<Args> {
        let mut a = Args {
            work: std::env::temp_dir().join("sloop-rules-bench"),
            slos: 40,
            days: 31,
            step: 15,
            repeats: 3,
            warmup: 150,
            measure: 480,
            sets: Set::ALL.to_vec(),
            jobs: 1,
            max_load: 0.5,
            idle_wait: 3600,
            max_background: 0.25,
            markdown: None,
            keep: false,
            resume: false,
            report: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            if flag == "--keep" || flag == "--resume" {
                if flag == "--keep" {
                    a.keep = true;
                } else {
                    a.resume = true;
                }
                continue;
            }
            if flag == "-h" || flag == "--help" {
                println!("{USAGE}");
                std::process::exit(0);
            }
            let value = it.next().with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
            let bad = || format!("bad value {value} for {flag}");
            match flag.as_str() {
                "--work" => a.work = value.into(),
                "--slos" => a.slos = value.parse().with_context(bad)?,
                "--days" => a.days = value.parse().with_context(bad)?,
                "--step" => a.step = value.parse().with_context(bad)?,
                "--repeats" => a.repeats = value.parse().with_context(bad)?,
                "--warmup" => a.warmup = value.parse().with_context(bad)?,
                "--measure" => a.measure = value.parse().with_context(bad)?,
                "--sets" => a.sets = value.split(',').map(Set::parse).collect::<Result<_>>()?,
                "--jobs" => a.jobs = value.parse().with_context(bad)?,
                "--max-load" => a.max_load = value.parse().with_context(bad)?,
                "--idle-wait" => a.idle_wait = value.parse().with_context(bad)?,
                "--max-background" => a.max_background = value.parse().with_context(bad)?,
                "--markdown" => a.markdown = Some(value.into()),
                "--report" => a.report = Some(value.into()),
                _ => bail!("unknown flag {flag}\n{USAGE}"),
            }
        }
        if a.step <= 0 || 60 % a.step != 0 {
            bail!("--step must divide 60");
        }
        if a.slos == 0 || a.slos > 100 || a.days < 1 || a.jobs == 0 || a.repeats == 0 {
            bail!("--slos must be 1..=100, --days, --jobs and --repeats at least 1");
        }
        Ok(a)
    }
}

fn main() -> ExitCode {
    match real_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Progress on standard error, with the time since the start.
fn say(t0: Instant, msg: impl AsRef<str>) {
    let s = t0.elapsed().as_secs();
    eprintln!("[{:02}:{:02}:{:02}] {}", s / 3600, s / 60 % 60, s % 60, msg.as_ref());
}

const MARKER: &str = ".rules-bench";

/// Empties the work directory, refusing any non-empty directory this tool did not create.
fn prepare_work(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if !empty && !dir.join(MARKER).exists() {
            bail!("{} is not empty and was not made by rules-bench; choose another --work", dir.display());
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    for sub in ["rules", "om", "staging", "hist", "recorder", "runs"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    std::fs::write(
        dir.join(MARKER),
        "made by bench/rules (rules-bench). A full run takes about 4 hours; if it was stopped, continue it with --resume. Safe to delete when no rules-bench runs.\n",
    )?;
    Ok(())
}

/// What a run fixes once, so an interrupted run can resume.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct State {
    /// The scenario's start (unix seconds).
    start: i64,
    /// The backfilled past ends before this (unix seconds).
    cut: i64,
    slos: usize,
    days: i64,
    step: i64,
    /// When the run began (unix seconds), for the report.
    began: i64,
}

/// Waits until the recorder's blocks stop changing for 90 s (at most `max`), and says how big it is.
fn settle(recorder_dir: &Path, max: Duration, t0: Instant) -> Result<()> {
    let blocks = tsdb::wait_settled(recorder_dir, Duration::from_secs(90), max)?;
    say(
        t0,
        format!("recorder settled: {} blocks, {:.1} GB", blocks.len(), tsdb::disk_usage(recorder_dir) as f64 / 1e9),
    );
    Ok(())
}

fn unix_now() -> i64 {
    http::now_ms() / 1000
}

fn real_main() -> Result<()> {
    let args = Args::parse()?;
    let t0 = Instant::now();
    if !Prometheus::available() {
        bail!("prometheus and promtool must be on PATH (Debian: apt-get install prometheus)");
    }
    if let Some(file) = &args.report {
        let results: Vec<RunResult> = serde_json::from_str(
            &std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?,
        )?;
        let summaries = report::summarise(&results, args.slos);
        println!(
            "{}\n{}\n{}",
            report::markdown(&summaries, args.slos),
            report::breakdown(&results, args.slos),
            report::runs_markdown(&results, args.slos)
        );
        return Ok(());
    }
    if args.resume {
        if !args.work.join(MARKER).exists() || !args.work.join("state.json").exists() {
            bail!("nothing to resume in {}", args.work.display());
        }
    } else {
        prepare_work(&args.work)?;
    }
    let work = std::fs::canonicalize(&args.work)?;
    say(t0, format!("work directory {}{}", work.display(), if args.resume { " (resuming)" } else { "" }));
    let state_file = work.join("state.json");
    let saved: Option<State> = if args.resume {
        let st: State = serde_json::from_str(&std::fs::read_to_string(&state_file)?)?;
        if (st.slos, st.days, st.step) != (args.slos, args.days, args.step) {
            bail!(
                "the interrupted run used --slos {} --days {} --step {}; resume with the same",
                st.slos,
                st.days,
                st.step
            );
        }
        Some(st)
    } else {
        None
    };

    // 1. Rule files.
    let files = rulesets::rule_files(args.slos, args.step)?;
    let rules = work.join("rules");
    std::fs::write(rules.join("slos.sloop.yaml"), &files.manifest)?;
    let mut rule_files = BTreeMap::new();
    for (set, text) in &files.rules {
        let path = rules.join(format!("{}.rules.yaml", set.name()));
        std::fs::write(&path, text)?;
        promtool_check_rules(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        rule_files.insert(*set, path);
    }
    let sloop_base = rules.join("sloop-base.rules.yaml");
    let sloth_base = rules.join("sloth-base.rules.yaml");
    std::fs::write(&sloop_base, &files.sloop_base)?;
    std::fs::write(&sloth_base, &files.sloth_base)?;
    for f in [&sloop_base, &sloth_base] {
        promtool_check_rules(f).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
    }
    for n in &files.notes {
        say(t0, format!("sloop note: {n}"));
    }
    say(t0, format!("rule files written to {} and checked by promtool", rules.display()));

    // 2. Traffic, live endpoint, recorder.
    let now = unix_now();
    let start = saved.as_ref().map_or(now - now.rem_euclid(3600) - args.days * DAY, |st| st.start);
    let scenario = traffic::scenario(args.slos, start, args.days * DAY, HORIZON)?;
    say(t0, format!("scenario built: {} series from {start}", scenario.series().len()));
    let live = Arc::new(traffic::Live::new(&scenario, unix_now() - 60)?);
    let server = http::LiveServer::start(live)?;
    say(t0, format!("live endpoint on {}", server.addr));
    let recorder_dir = work.join("recorder");
    let mut options = StartOptions::new(&recorder_dir)
        .rule_file(&sloop_base)
        .rule_file(&sloth_base)
        .eval_interval(Duration::from_secs(60))
        .config_extra(measure::scrape_config(server.addr))
        .arg("--web.enable-admin-api");
    options.ready_timeout = Duration::from_secs(300);
    let recorder = Prometheus::start(options)?;
    say(t0, format!("recorder Prometheus on {}", recorder.url()));
    let deadline = Instant::now() + Duration::from_secs(120);
    while server.first_scrape_ms.load(Ordering::SeqCst) == 0 {
        if Instant::now() > deadline {
            bail!("the recorder never scraped the live endpoint:\n{}", recorder.log_tail(20));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let state = match saved {
        Some(st) => st,
        None => {
            let st = State {
                start,
                cut: server.first_scrape_ms.load(Ordering::SeqCst) / 1000 - 20,
                slos: args.slos,
                days: args.days,
                step: args.step,
                began: now,
            };
            std::fs::write(&state_file, serde_json::to_string_pretty(&st)?)?;
            st
        }
    };
    let cut = state.cut;
    say(t0, format!("first scrape; the backfilled past ends before {cut}"));
    let raw_done = work.join("raw.done");
    let hist_done = work.join("hist.done");

    // 3a. Raw history, SLO by SLO.
    if !raw_done.exists() {
        let next = AtomicUsize::new(0);
        let samples = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|scope| -> Result<()> {
            let handles: Vec<_> = (0..args.jobs)
                .map(|_| {
                    scope.spawn(|| -> Result<()> {
                        loop {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            if i >= args.slos {
                                return Ok(());
                            }
                            let j = traffic::job(i);
                            let out = work.join("staging").join(&j);
                            if out.join(".done").exists() {
                                continue;
                            }
                            let _ = std::fs::remove_dir_all(&out);
                            let t = Instant::now();
                            let om = work.join("om").join(format!("{j}.om"));
                            let file = std::io::BufWriter::new(std::fs::File::create(&om)?);
                            let n = traffic::write_openmetrics(&scenario, &j, args.step, cut, file)?;
                            let written = t.elapsed().as_secs_f64();
                            backfill_openmetrics(&om, &out)?;
                            std::fs::remove_file(&om)?;
                            std::fs::write(out.join(".done"), "")?;
                            samples.fetch_add(n, Ordering::SeqCst);
                            say(
                                t0,
                                format!(
                                    "{j}: {n} samples written in {written:.0} s, backfilled in {:.0} s",
                                    t.elapsed().as_secs_f64() - written
                                ),
                            );
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?;
            }
            Ok(())
        })?;
        let moved = tsdb::move_blocks(&work.join("staging"), &recorder_dir)?;
        say(
            t0,
            format!(
                "{} raw samples in {moved} blocks moved into the recorder; waiting for compaction",
                samples.into_inner()
            ),
        );
        settle(&recorder_dir, Duration::from_secs(4 * 3600), t0)?;
        std::fs::write(&raw_done, "")?;
    }

    // 3b. Recorded history of the base recordings, up to where the recorder took over.
    if !hist_done.exists() {
        for (base, interval, name) in [(&sloop_base, 150u64, "sloop"), (&sloth_base, 60, "sloth")] {
            let out = work.join("hist").join(name);
            let done = work.join("hist").join(format!("{name}.done"));
            if done.exists() {
                continue;
            }
            let _ = std::fs::remove_dir_all(&out);
            let plan = Plan::new(
                cut,
                sloop_core::Duration::from_days(30),
                sloop_core::Duration::from_secs(interval),
                &base.display().to_string(),
                &recorder.url(),
                &out.display().to_string(),
            );
            let t = Instant::now();
            tsdb::promtool(&plan.promtool_args())?;
            let n = tsdb::move_blocks(&out, &recorder_dir)?;
            say(
                t0,
                format!(
                    "{name} base recordings backfilled from {} in {:.0} s ({n} blocks)",
                    plan.start,
                    t.elapsed().as_secs_f64()
                ),
            );
            std::fs::write(&done, "")?;
        }
        settle(&recorder_dir, Duration::from_secs(3600), t0)?;
        std::fs::write(&hist_done, "")?;
    }
    check_recorder(&recorder, &args, t0)?;

    // 4. Measured runs.
    let env = Env {
        scenario: &scenario,
        slos: args.slos,
        recorder: (recorder.addr(), recorder_dir.clone()),
        live: server.addr,
        rule_files,
        runs_dir: work.join("runs"),
        timing: Timing {
            warmup: Duration::from_secs(args.warmup),
            measure: Duration::from_secs(args.measure),
            poll: Duration::from_secs(15),
            eval_interval: Duration::from_secs(60),
        },
    };
    let results_file = work.join("results.json");
    let mut results: Vec<RunResult> = if args.resume && results_file.exists() {
        serde_json::from_str(&std::fs::read_to_string(&results_file)?)?
    } else {
        Vec::new()
    };
    for r in 1..=args.repeats {
        // Rotate the order so no set always runs first or last.
        let mut order = args.sets.clone();
        let shift = (r - 1) % order.len().max(1);
        order.rotate_left(shift);
        for &set in &order {
            if results.iter().any(|x| x.set == set.name() && x.repeat == r) {
                continue;
            }
            let mut attempt = 0;
            loop {
                attempt += 1;
                wait_idle(&args, t0);
                say(t0, format!("run {r}: {} (attempt {attempt})", set.name()));
                let result = measure::run(&env, set, r)?;
                let bg = result.background_cores();
                let errors = report::summarise(std::slice::from_ref(&result), args.slos);
                say(
                    t0,
                    format!(
                        "  eval {:.3} ms/s per SLO, CPU {:.4} cores, background {bg:.3} cores, {} recorded series, \
                         budget error median {:.3} pp, {} rule errors",
                        result.eval_load_per_slo(args.slos) * 1000.0,
                        result.cpu_seconds / result.window,
                        result.recorded_series,
                        errors.first().map_or(f64::NAN, |s| s.err_median),
                        result.rule_errors.len()
                    ),
                );
                for e in result.rule_errors.iter().take(5) {
                    say(t0, format!("  rule error: {e}"));
                }
                let disturbed = bg > args.max_background;
                results.push(result);
                std::fs::write(&results_file, serde_json::to_string_pretty(&results)?)?;
                if !disturbed || attempt >= 3 {
                    break;
                }
                say(t0, format!("  background CPU {bg:.3} cores > {}: discarding and repeating", args.max_background));
                results.pop();
            }
        }
    }

    // 5. Report.
    let summaries = report::summarise(&results, args.slos);
    let table = report::markdown(&summaries, args.slos);
    let machine = machine_description();
    let config = format!(
        "{} SLOs × {} pods × {} codes = {} series, {} s samples, {} days of history (+ live scraping), \
         warm-up {} s, window {} s, {} repetitions",
        args.slos,
        traffic::PODS,
        traffic::CODES.len(),
        args.slos * traffic::PODS * traffic::CODES.len(),
        args.step,
        args.days,
        args.warmup,
        args.measure,
        args.repeats
    );
    let md = format!(
        "Date: {}  \nMachine: {machine}  \nConfiguration: {config}  \nCommand: `{}`  \nTotal time: {:.1} h\n\n{table}\n{}\n{}",
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
        std::env::args().collect::<Vec<_>>().join(" "),
        (unix_now() - state.began) as f64 / 3600.0,
        report::breakdown(&results, args.slos),
        report::runs_markdown(&results, args.slos),
    );
    println!("\n{md}");
    std::fs::write(work.join("results.md"), &md)?;
    if let Some(f) = &args.markdown {
        std::fs::write(f, &md)?;
    }
    say(t0, format!("the live endpoint served {} scrapes", server.scrapes.load(Ordering::SeqCst)));
    drop(recorder);
    if !args.keep {
        let _ = std::fs::remove_dir_all(&recorder_dir);
    }
    say(t0, "done");
    Ok(())
}

/// Sanity checks on the recorder before measuring.
fn check_recorder(recorder: &Prometheus, args: &Args, t0: Instant) -> Result<()> {
    let series = recorder.query_value("count(http_requests_total)", None)?.unwrap_or(0.0);
    let want = (args.slos * traffic::PODS * traffic::CODES.len()) as f64;
    if series != want {
        bail!("the recorder has {series} raw series, expected {want}");
    }
    for (q, what) in [
        ("count_over_time(sloop:slo_events:rate{sloop_service=\"svc-00\"}[30d])", "sloop base samples over 30d"),
        ("count_over_time(slo:sli_error:ratio_rate5m{sloth_service=\"svc-00\"}[30d])", "Sloth 5m ratios over 30d"),
        (
            "count_over_time(http_requests_total{pod=\"svc-00-0\",code=\"200\"}[30d])",
            "raw samples of one series over 30d",
        ),
    ] {
        let v = recorder.query_value(q, None)?.unwrap_or(0.0);
        say(t0, format!("recorder: {what}: {v}"));
    }
    Ok(())
}

/// Waits until the 1-minute load average is under `--max-load` (at most `--idle-wait`).
fn wait_idle(args: &Args, t0: Instant) {
    let deadline = Instant::now() + Duration::from_secs(args.idle_wait);
    let mut said = false;
    while measure::load_average() >= args.max_load && Instant::now() < deadline {
        if !said {
            say(t0, format!("waiting for the machine to be idle (load {:.2})", measure::load_average()));
            said = true;
        }
        std::thread::sleep(Duration::from_secs(10));
    }
}

fn machine_description() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        })
        .map_or("?".into(), |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem} RAM, {}", tsdb::prometheus_version())
}
