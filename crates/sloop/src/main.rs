//! `sloop`, the command-line front of the sloop SLO toolkit.
//!
//! This crate only wires things together: it parses the command line (clap),
//! reads files, calls sloop-core, prints, and picks the exit code. Everything
//! that computes lives in the library crates.
//!
//! Exit codes: 0 success, 1 the manifests are invalid (or a check failed),
//! 2 the command could not run (a file is unreadable, bad arguments).
#![forbid(unsafe_code)]

mod cli;
mod cli_demo;
mod cli_init;
mod cli_measure;
mod cli_reference;
mod cli_server;
mod commands;
mod files;
mod providers;
mod style;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::style::Palette;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let palette = Palette::new(cli.color);
    let result = match cli.command {
        Command::Validate(args) => commands::validate::run(&args, &palette),
        Command::Explain(args) => commands::explain::run(&args, &palette),
        Command::Budget(args) => commands::budget::run(&args, &palette),
        Command::Convert(args) => commands::convert::run(&args, &palette),
        Command::Generate(cli::GenerateCommand::Prometheus(args)) => commands::generate::run(&args, &palette),
        Command::Agent(args) => commands::agent::run(&args, &palette),
        Command::Report(args) => commands::report::run(&args, &palette),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Token(command) => commands::token::run(&command),
        Command::Sync(args) => commands::sync::run(&args, &palette),
        Command::Init(args) => commands::init::run(&args, &palette),
        Command::Demo(args) => commands::demo::run(&args, &palette),
        Command::Reference(args) => commands::reference::run(&args),
        Command::Schema => {
            print!("{}", sloop_core::spec::sloop::json_schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => commands::docs::completions(shell),
        Command::Man { dir } => commands::docs::man(&dir),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}: {e:#}", style::paint(palette.error, "error"));
            ExitCode::from(2)
        }
    }
}
