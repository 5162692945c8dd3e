//! promtool: backfilling and rule checks, each with a timeout.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::{Error, write_scenario};
use crate::synthetic::Scenario;

/// The largest block promtool should write. promtool rounds it down to one
/// of its block ranges (2 h × 3ⁿ: 486 h, about 20 days, for this value), and
/// reads the whole input once per block, so large blocks keep a month-long
/// backfill to a couple of passes. Go duration syntax: no `d` unit.
const MAX_BLOCK_DURATION: &str = "1000h";

/// How long a backfill may take before it is killed.
const BACKFILL_TIMEOUT: Duration = Duration::from_secs(3600);

/// How long `promtool check rules` or `test rules` may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(120);

/// What a finished (or killed) command printed.
struct Output {
    success: bool,
    status: String,
    stdout: String,
    stderr: String,
}

/// Runs `command` to completion, killing it after `timeout`.
fn run(command: &mut Command, timeout: Duration) -> Result<Output, Error> {
    let line = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(format!("starting {line}"), e))?;
    // Drain both pipes on threads so a chatty child never blocks on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let mut bytes = Vec::new();
                let _ = p.read_to_end(&mut bytes);
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            text
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::io(format!("waiting for {line}"), e)),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        Some(s) => Ok(Output { success: s.success(), status: s.to_string(), stdout, stderr }),
        None => Err(Error::Timeout {
            what: line,
            after: timeout,
            log_tail: format!("stdout:\n{stdout}\nstderr:\n{stderr}"),
        }),
    }
}

/// Runs `promtool tsdb create-blocks-from openmetrics
/// --max-block-duration=1000h FILE DATA_DIR` (killed after an hour) and
/// returns its standard output, the table of blocks written. `data_dir`
/// is created if needed; start [`Prometheus`](super::Prometheus) on it
/// afterwards.
pub fn backfill_openmetrics(file: &Path, data_dir: &Path) -> Result<String, Error> {
    let mut command = Command::new("promtool");
    command
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(format!("--max-block-duration={MAX_BLOCK_DURATION}"))
        .arg(file)
        .arg(data_dir);
    let out = run(&mut command, BACKFILL_TIMEOUT)?;
    if !out.success {
        return Err(Error::Command {
            command: format!("{command:?}"),
            status: out.status,
            output: format!("{}{}", out.stdout, out.stderr),
        });
    }
    Ok(out.stdout)
}

/// Writes `scenario` to a temporary OpenMetrics file, backfills it into
/// `data_dir` with [`backfill_openmetrics`] and removes the file.
pub fn backfill_scenario(scenario: &Scenario, data_dir: &Path) -> Result<String, Error> {
    let file = write_scenario(scenario)?;
    backfill_openmetrics(file.path(), data_dir)
}

/// `promtool check rules PATH`: standard output on success, standard
/// output and error otherwise (also when promtool cannot run).
pub fn promtool_check_rules(path: &Path) -> Result<String, String> {
    promtool(&["check", "rules"], path)
}

/// `promtool test rules PATH` (a rule unit-test file): standard output on
/// success, standard output and error otherwise.
pub fn promtool_test_rules(path: &Path) -> Result<String, String> {
    promtool(&["test", "rules"], path)
}

fn promtool(args: &[&str], path: &Path) -> Result<String, String> {
    let out = run(Command::new("promtool").args(args).arg(path), CHECK_TIMEOUT).map_err(|e| e.to_string())?;
    if out.success { Ok(out.stdout) } else { Err(format!("{}{}", out.stdout, out.stderr)) }
}
