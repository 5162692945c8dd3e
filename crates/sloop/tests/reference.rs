//! docs/reference/ is what `sloop reference` generates from the code, byte for
//! byte: a changed flag, help text or manifest field without regenerated docs
//! fails here, with the command that regenerates them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The command the failure messages tell to run.
const REGENERATE: &str = "cargo run -p sloop -- reference --out docs/reference";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `sloop reference --out DIR` with a terminal width, and returns the
/// files it wrote, sorted by name.
fn generate(dir: &Path, columns: &str) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_sloop"))
        .args(["reference", "--out"])
        .arg(dir)
        .env("COLUMNS", columns)
        .output()
        .unwrap();
    assert!(out.status.success(), "sloop reference failed: {}", String::from_utf8_lossy(&out.stderr));
    files(dir)
}

/// The Markdown files of a directory, by name.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}; run `{REGENERATE}`", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    found.sort();
    found
}

#[test]
fn docs_reference_is_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let generated = generate(dir.path(), "80");
    let names: Vec<&str> = generated.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["cli.md", "manifest.md"]);
    let committed = files(&root().join("docs/reference"));
    let committed_names: Vec<&str> = committed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(committed_names, names, "docs/reference/ holds other files than sloop writes; run `{REGENERATE}`");
    for ((name, new), (_, old)) in generated.iter().zip(&committed) {
        if new != old {
            let line = new
                .lines()
                .zip(old.lines())
                .position(|(a, b)| a != b)
                .map_or_else(|| new.lines().count().min(old.lines().count()) + 1, |i| i + 1);
            panic!(
                "docs/reference/{name} is stale (first difference at line {line}); regenerate it with\n\n    {REGENERATE}\n"
            );
        }
    }
}

#[test]
fn the_reference_does_not_depend_on_the_terminal() {
    let narrow = tempfile::tempdir().unwrap();
    let wide = tempfile::tempdir().unwrap();
    assert_eq!(generate(narrow.path(), "40"), generate(wide.path(), "250"));
}

#[test]
fn the_reference_covers_every_command_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let generated = generate(dir.path(), "80");
    let cli = &generated[0].1;
    // Every visible command has its section; the hidden `reference` has none.
    for command in [
        "validate",
        "explain",
        "budget",
        "convert",
        "generate prometheus",
        "agent",
        "report",
        "serve",
        "token create",
        "token list",
        "token revoke",
        "sync",
        "init",
        "demo",
        "schema",
        "completions",
        "man",
    ] {
        assert!(cli.contains(&format!("\n## `sloop {command}`\n")), "no section for sloop {command}");
    }
    assert!(!cli.contains("sloop reference"), "the hidden command is documented");
    // A flag with its default, environment variable and values, as clap knows them.
    assert!(cli.contains("- `--db <PATH>`: The SQLite database the agent writes.\n  Default: `sloop.db`. Environment variable: `SLOOP_DB`.\n"));
    assert!(cli.contains("  - `markdown`: Markdown, for pull-request comments and wikis.\n"));
    // Examples from after_help become shell blocks.
    assert!(cli.contains("### Examples\n\n```sh\nsloop budget --target 99.9 --window 30d\n"));

    let manifest = &generated[1].1;
    let schema: serde_json::Value = serde_json::from_str(&sloop_schema()).unwrap();
    // Every property of every object of the schema appears as a field row.
    let mut names = Vec::new();
    collect_properties(&schema, &mut names);
    assert!(names.len() > 40, "{names:?}");
    for name in names {
        assert!(
            manifest.contains(&format!(".{name}` |")) || manifest.contains(&format!("| `{name}` |")),
            "field {name}"
        );
    }
    assert!(manifest.contains("| `slos[].target` | number or string | yes |"));
    assert!(manifest.contains("| `slos[].window.timezone` | string | no |"));
}

fn sloop_schema() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sloop")).arg("schema").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The names of every property anywhere in a schema.
fn collect_properties(node: &serde_json::Value, into: &mut Vec<String>) {
    match node {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                into.extend(props.keys().cloned());
            }
            for value in map.values() {
                collect_properties(value, into);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_properties(i, into)),
        _ => {}
    }
}
