//! `sloop init`: a wizard that writes a manifest from answers.
//!
//! ```text
//!  flags ──▶ Given ──┬─ --yes ──▶ Given::into_answers ─┐
//!                    └─ prompts::answers (inquire) ────┴─▶ Answers ─▶ Manifest (model)
//!      ─▶ spec::write (sloop | reliably | openslo) ─▶ temp file ─▶ spec::load + lints ─▶ rename ─▶ explain
//! ```
//!
//! - [`flags`]: the answer flags, checked first, so a bad one fails at once.
//! - [`prompts`]: the questions, each skipped when its flag was given.
//! - [`checks`]: the checks both share (names, PromQL, Datadog counts,
//!   targets, windows, thresholds, provider URLs and sites).
//! - [`answers`]: the format-neutral answers and the model they make.
//! - [`output`]: writing, validating, the atomic rename, and the report.
//!
//! Exit codes: 0 written; 1 nothing written because the existing file was
//! kept (or, which would be a bug, the manifest did not validate); 2 bad or
//! missing flags, or no terminal to ask on; 130 left with Ctrl-C or Esc.

mod answers;
mod checks;
mod flags;
mod output;
mod prompts;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::INVALID;
use crate::cli_init::InitArgs;
use crate::style::{Palette, paint};
use answers::Answers;
use flags::Given;
use prompts::Interrupted;

/// The exit code of a wizard left with Ctrl-C or Esc, as a shell reports SIGINT.
const INTERRUPTED: u8 = 130;

/// Runs `sloop init`: checks the flags, asks (unless `--yes`), writes, explains.
pub(crate) fn run(args: &InitArgs, p: &Palette) -> Result<ExitCode> {
    let format = args.format.format();
    let given = Given::from_args(args)?;
    if args.yes {
        let missing = given.missing();
        if !missing.is_empty() {
            bail!(
                "--yes takes every answer from flags, and these are missing: {}. `sloop init --help` lists them all",
                missing.join(", ")
            );
        }
    } else if !std::io::stdin().is_terminal() {
        bail!(
            "sloop init asks its questions on a terminal, and standard input is not one: answer them with flags \
             and --yes instead, e.g. sloop init --yes --service web --good QUERY --total QUERY --target 99.9"
        );
    }
    let path = &args.output;
    if path.is_dir() {
        bail!(
            "-o {}: that is a directory; name the file to write, e.g. -o {}/sloop.yaml",
            path.display(),
            path.display()
        );
    }

    // Whether an existing file may be replaced: with --force, or when the person said yes.
    let replace = args.force || path.exists();
    let answers = if args.yes {
        if path.exists() && !args.force {
            bail!("{} exists: pass --force to overwrite it, or -o to write another file", path.display());
        }
        given.into_answers()?
    } else {
        prompts::set_colours(p);
        match ask(args, given, p) {
            Ok(Some(answers)) => answers,
            Ok(None) => {
                eprintln!("Kept {} as it is; nothing written.", path.display());
                return Ok(ExitCode::from(INVALID));
            }
            Err(e) if e.is::<Interrupted>() => {
                eprintln!("{}: nothing written.", paint(p.warning, "Interrupted"));
                return Ok(ExitCode::from(INTERRUPTED));
            }
            Err(e) => return Err(e),
        }
    };

    let outcome = match output::write(&answers, format, path, replace, p)? {
        Ok(outcome) => outcome,
        Err(code) => return Ok(code),
    };
    output::report(&outcome, &answers, format, path, p);
    Ok(ExitCode::SUCCESS)
}

/// The interactive part: whether to overwrite an existing file (asked first,
/// so no answer is typed in vain), then every question. `None` when the
/// existing file is to be kept.
fn ask(args: &InitArgs, given: Given, p: &Palette) -> Result<Option<Answers>> {
    let format = args.format.format();
    if args.output.exists() && !args.force && !prompts::overwrite(&args.output)? {
        return Ok(None);
    }
    eprintln!(
        "{}",
        paint(
            p.dim,
            format!(
                "Writing {} in {format} format (-o and --format change that). Esc or Ctrl-C leaves without writing.",
                args.output.display()
            )
        )
    );
    prompts::answers(given, format, p).map(Some)
}
