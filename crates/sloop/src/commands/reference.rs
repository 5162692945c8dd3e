//! `sloop reference` (hidden): writes the Markdown reference of the command
//! line (`cli.md`) and of sloop's manifest format (`manifest.md`) into
//! docs/reference/.
//!
//! Both pages are generated, so they cannot drift from the code: `cli.md`
//! walks the clap definitions (`crate::cli::Cli`), `manifest.md` walks the
//! JSON Schema that `sloop schema` prints. `tests/reference.rs` regenerates
//! them and fails when the committed copy differs.
//!
//! The output is deterministic: it holds no date and no version, and help
//! texts are taken as written, never wrapped to a terminal's width. We walk
//! `clap::Command` ourselves rather than use `clap-markdown`: our examples
//! live in `after_help` and must become code blocks (clap-markdown pastes
//! them as a paragraph, which Markdown reflows into one line), environment
//! variables and help headings (`Providers`) must be shown, and the walk is
//! small enough that owning it costs less than a dependency whose output
//! format could change under us.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Arg, ArgAction, CommandFactory};
use serde_json::{Map, Value};

use crate::cli::Cli;
use crate::cli_reference::ReferenceArgs;

/// Writes `cli.md` and `manifest.md` into `--out`.
pub(crate) fn run(args: &ReferenceArgs) -> Result<ExitCode> {
    let cli = cli_markdown(Cli::command());
    let manifest = manifest_markdown(&sloop_core::spec::sloop::json_schema())?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    write(&args.out.join("cli.md"), &cli)?;
    write(&args.out.join("manifest.md"), &manifest)?;
    eprintln!("wrote cli.md and manifest.md into {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The command that regenerates the reference, named in both pages' headers.
const REGENERATE: &str = "cargo run -p sloop -- reference --out docs/reference";

// ---------------------------------------------------------------------------
// cli.md
// ---------------------------------------------------------------------------

/// The Markdown reference of every visible command, from the clap definitions.
pub(crate) fn cli_markdown(mut root: clap::Command) -> String {
    // build() propagates the global flags to every subcommand and sets each
    // one's full name (`sloop token create`), which the usage lines need.
    root.build();
    let mut commands = Vec::new();
    collect_commands(&root, &mut commands);

    let mut out = String::new();
    out.push_str("# Command-line reference\n\n");
    let _ = writeln!(
        out,
        "Generated from sloop's clap definitions by `{REGENERATE}`; do not edit by hand. \
         `sloop <command> --help` prints the same text.\n"
    );
    out.push_str("| command | what it does |\n|---|---|\n");
    for command in commands.iter().skip(1) {
        let name = full_name(command);
        let about = command.get_about().map(|s| s.to_string()).unwrap_or_default();
        let _ = writeln!(out, "| [`{name}`](#{}) | {} |", anchor(&name), table_cell(&sentence(&about)));
    }
    out.push('\n');
    for command in &commands {
        command_section(&mut out, command, command.get_name() == root.get_name());
    }
    out
}

/// The visible commands, depth first, the root first. clap's own `help`
/// subcommand is left out: `--help` is documented once, on the root.
fn collect_commands<'a>(command: &'a clap::Command, into: &mut Vec<&'a clap::Command>) {
    into.push(command);
    for sub in command.get_subcommands() {
        if !sub.is_hide_set() && sub.get_name() != "help" {
            collect_commands(sub, into);
        }
    }
}

/// `sloop token create`: clap's bin name after `build()`.
fn full_name(command: &clap::Command) -> String {
    command.get_bin_name().unwrap_or_else(|| command.get_name()).to_string()
}

/// One command's section: about, usage, arguments, flags by heading, examples.
fn command_section(out: &mut String, command: &clap::Command, is_root: bool) {
    let name = full_name(command);
    let _ = writeln!(out, "## `{name}`\n");
    if let Some(about) = command.get_long_about().or_else(|| command.get_about()) {
        let _ = writeln!(out, "{}\n", sentence(&about.to_string()));
    }
    let usage = command.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim();
    let _ = writeln!(out, "```text\n{usage}\n```\n");

    let subcommands: Vec<_> =
        command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help").collect();
    if !is_root && !subcommands.is_empty() {
        out.push_str("Subcommands:\n\n");
        for sub in subcommands {
            let sub_name = full_name(sub);
            let about = sub.get_about().map(|s| s.to_string()).unwrap_or_default();
            let _ = writeln!(out, "- [`{sub_name}`](#{}): {}", anchor(&sub_name), sentence(&about));
        }
        out.push('\n');
    }

    let positionals: Vec<&Arg> = command.get_positionals().filter(|a| !a.is_hide_set()).collect();
    if !positionals.is_empty() {
        out.push_str("### Arguments\n\n");
        for arg in positionals {
            arg_item(out, arg);
        }
        out.push('\n');
    }

    // Flags grouped under their help heading, in the order clap shows them;
    // the global ones (`--color`) are listed once, on the root.
    let mut headings: Vec<(String, Vec<&Arg>)> = Vec::new();
    for arg in command.get_arguments() {
        let automatic = matches!(arg.get_action(), ArgAction::Help | ArgAction::HelpShort | ArgAction::Version);
        if arg.is_positional() || arg.is_hide_set() || automatic || (arg.is_global_set() && !is_root) {
            continue;
        }
        let heading = match arg.get_help_heading() {
            Some(h) => h.to_string(),
            None if is_root => "Global options".to_string(),
            None => "Options".to_string(),
        };
        match headings.iter_mut().find(|(h, _)| *h == heading) {
            Some((_, args)) => args.push(arg),
            None => headings.push((heading, vec![arg])),
        }
    }
    for (heading, args) in headings {
        let _ = writeln!(out, "### {heading}\n");
        for arg in args {
            arg_item(out, arg);
        }
        out.push('\n');
    }
    if is_root {
        out.push_str(
            "Every command also takes `-h` (a summary) and `--help` (everything on this page), and `-V`/`--version`.\n\n",
        );
    }

    if let Some(after) = command.get_after_help() {
        examples(out, &after.to_string());
    }
}

/// One argument as a list item: its name and value, its help, then what
/// `--help` shows in brackets (required, default, environment variable,
/// possible values).
fn arg_item(out: &mut String, arg: &Arg) {
    let help = arg.get_long_help().or_else(|| arg.get_help()).map(|h| h.to_string()).unwrap_or_default();
    let _ = write!(out, "- {}", arg_name(arg));
    if !help.is_empty() {
        let _ = write!(out, ": {}", indent(&sentence(&help)));
    }
    let mut facts = Vec::new();
    if arg.is_required_set() {
        facts.push("Required.".to_string());
    }
    if takes_values(arg) && (matches!(arg.get_action(), ArgAction::Append) || repeats(arg)) {
        facts.push(match arg.get_value_delimiter() {
            Some(d) => format!("Repeatable, or separated by `{d}`."),
            None => "Repeatable.".to_string(),
        });
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| match v.to_string_lossy() {
            v if v.is_empty() => "empty".to_string(),
            v => format!("`{v}`"),
        })
        .collect();
    if takes_values(arg) && !defaults.is_empty() {
        facts.push(format!("Default: {}.", defaults.join(", ")));
    }
    if let Some(env) = arg.get_env() {
        facts.push(format!("Environment variable: `{}`.", env.to_string_lossy()));
    }
    if !facts.is_empty() {
        let _ = write!(out, "\n  {}", facts.join(" "));
    }
    out.push('\n');
    let values: Vec<_> = arg.get_possible_values().into_iter().filter(|v| !v.is_hide_set()).collect();
    if takes_values(arg) && !values.is_empty() {
        if values.iter().any(|v| v.get_help().is_some()) {
            out.push_str("  Values:\n");
            for v in &values {
                match v.get_help() {
                    Some(h) => {
                        let _ = writeln!(out, "  - `{}`: {}", v.get_name(), sentence(&h.to_string()));
                    }
                    None => {
                        let _ = writeln!(out, "  - `{}`", v.get_name());
                    }
                }
            }
        } else {
            let names: Vec<String> = values.iter().map(|v| format!("`{}`", v.get_name())).collect();
            let _ = writeln!(out, "  Values: {}.", names.join(", "));
        }
    }
}

/// `-o`, `--output <OUTPUT>`, or `<FILE|DIR>...` for a positional.
fn arg_name(arg: &Arg) -> String {
    let value = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map(|n| n.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    if arg.is_positional() {
        let dots = if repeats(arg) { "..." } else { "" };
        return if arg.is_required_set() { format!("`<{value}>{dots}`") } else { format!("`[{value}]{dots}`") };
    }
    let mut names = Vec::new();
    if let Some(short) = arg.get_short() {
        names.push(format!("`-{short}`"));
    }
    if let Some(long) = arg.get_long() {
        if takes_values(arg) {
            names.push(format!("`--{long} <{value}>`"));
        } else {
            names.push(format!("`--{long}`"));
        }
    } else if takes_values(arg) {
        // A short-only flag that takes a value: put the value on the short name.
        if let Some(last) = names.last_mut() {
            *last = format!("{} <{value}>`", last.trim_end_matches('`'));
        }
    }
    names.join(", ")
}

/// Whether the argument takes a value (`--db PATH`), unlike a switch (`--live`).
fn takes_values(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

/// Whether the argument accepts several values in one occurrence.
fn repeats(arg: &Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.max_values() > 1)
}

/// The `Examples:` part of an `after_help`, as a shell code block. Text in
/// any other shape is kept as a paragraph.
fn examples(out: &mut String, after_help: &str) {
    let mut lines = after_help.lines();
    let title = lines.next().unwrap_or_default().trim();
    if !matches!(title, "Example:" | "Examples:") {
        let _ = writeln!(out, "{}\n", after_help.trim());
        return;
    }
    let body: Vec<&str> = lines.collect();
    let margin = body.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min();
    let margin = margin.unwrap_or(0);
    let _ = writeln!(out, "### {}\n\n```sh", title.trim_end_matches(':'));
    for line in body {
        let _ = writeln!(out, "{}", line.get(margin..).unwrap_or("").trim_end());
    }
    out.push_str("```\n\n");
}

// ---------------------------------------------------------------------------
// manifest.md
// ---------------------------------------------------------------------------

/// The hand-written part of manifest.md: the formats sloop reads besides its own.
const MANIFEST_HEADER: &str = "\
sloop reads five manifest formats and tells them apart by their first keys, so a directory may mix them:

| format | recognised by | examples |
|---|---|---|
| sloop's own (this page) | `apiVersion: sloop/v1`, `kind: Service` or no kind | [examples/sloop/](../../examples/sloop/) |
| Reliably | `apiVersion: reliably.com/v1`, `kind: Objective` | [examples/reliably/](../../examples/reliably/) |
| OpenSLO v1 | `apiVersion: openslo/v1`, kinds `Service`, `SLO`, `SLI`, `DataSource`, `AlertPolicy`, `AlertCondition`, `AlertNotificationTarget` | [examples/openslo/](../../examples/openslo/) |
| Sloth | `version: \"prometheus/v1\"` | [examples/sloth/](../../examples/sloth/) |
| Pyrra | `apiVersion: pyrra.dev/v1alpha1`, `kind: ServiceLevelObjective` | [examples/pyrra/](../../examples/pyrra/) |

`sloop convert FILE --to sloop` rewrites any of them in sloop's format and says what it could not carry over.
`sloop validate` checks every format against the same rules.

The rest of this page is sloop's own format, field by field. A path such as `slos[].window` names the field
`window` of each item of the list `slos`. Where a field takes either a short form or an object (`window: 30d`
or `window: {calendar: month}`), the fields of the object form have their own section. Editors complete and
check the format from its JSON Schema: add
`# yaml-language-server: $schema=https://sloop.dev/schema/sloop.schema.json` at the top of a manifest.
";

/// The Markdown reference of sloop's manifest format, from its JSON Schema.
pub(crate) fn manifest_markdown(schema_text: &str) -> Result<String> {
    let schema: Value = serde_json::from_str(schema_text).context("sloop's JSON Schema is not JSON")?;
    let defs = schema.get("$defs").and_then(Value::as_object).cloned().unwrap_or_default();
    let walker = SchemaWalk { defs: &defs };

    let mut out = String::new();
    out.push_str("# Manifest reference\n\n");
    let _ = writeln!(
        out,
        "Generated from the JSON Schema of sloop's format (`sloop schema`, also `schema/sloop.schema.json`) by \
         `{REGENERATE}`; do not edit by hand.\n"
    );
    out.push_str(MANIFEST_HEADER);
    out.push('\n');

    // Sections are written in the order they are found, depth first. An
    // object type used in several places (the provider, an alert tier) gets
    // one section, where it first appears; later fields point to it.
    let mut queue = vec![Section { path: String::new(), title: "Top level".into(), schema: &schema }];
    let mut seen: HashMap<*const Value, String> = HashMap::new();
    seen.insert(std::ptr::from_ref(&schema), "Top level".into());
    while !queue.is_empty() {
        let section = queue.remove(0);
        let mut children = Vec::new();
        let rows = walker.fields(&section, &mut seen, &mut children)?;
        let _ = writeln!(out, "## {}\n", section.title);
        if let Some(d) = walker.resolve(section.schema).get("description").and_then(Value::as_str) {
            let _ = writeln!(out, "{}\n", sentence(&one_line(d)));
        }
        out.push_str("| field | type | required | default | allowed values | description |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for row in rows {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} |",
                row.path,
                table_cell(&row.types),
                if row.required { "yes" } else { "no" },
                row.default.map(|d| format!("`{d}`")).unwrap_or_default(),
                table_cell(&row.allowed.join("<br>")),
                table_cell(&row.description),
            );
        }
        out.push('\n');
        // Depth first: this section's objects come right after it.
        for (i, child) in children.into_iter().enumerate() {
            queue.insert(i, child);
        }
    }
    Ok(out)
}

/// An object of the schema that gets its own section.
struct Section<'a> {
    /// The path prefix of its fields: `` (top level), `slos[].`, `slos[].window.`.
    path: String,
    /// The section's heading.
    title: String,
    /// The object's schema.
    schema: &'a Value,
}

/// One field, one table row.
struct Row {
    /// `slos[].target`.
    path: String,
    /// `number or string`.
    types: String,
    /// Whether its object requires it.
    required: bool,
    /// The schema's default, as JSON.
    default: Option<String>,
    /// Enumerated values, or what each accepted form means.
    allowed: Vec<String>,
    /// The field's description.
    description: String,
}

/// What a schema node accepts, once references and alternatives are resolved.
#[derive(Default)]
struct Shape<'a> {
    /// Type names, `null` left out (an absent field and `null` mean the same).
    types: Vec<String>,
    /// Enumerated values, bounds, and the meaning of each alternative.
    allowed: Vec<String>,
    /// The description of the first referenced definition, for fields without their own.
    description: Option<String>,
    /// Objects with fields, with the path suffix that reaches them (`[]` for list items).
    objects: Vec<(String, &'a Value)>,
    /// The default value.
    default: Option<String>,
}

/// A walk over the schema, resolving `$ref`s into its `$defs`.
struct SchemaWalk<'a> {
    /// `$defs`.
    defs: &'a Map<String, Value>,
}

impl<'a> SchemaWalk<'a> {
    /// Follows a `$ref` (`#/$defs/Name`); anything else is returned as is.
    fn resolve(&self, node: &'a Value) -> &'a Value {
        let mut node = node;
        // The schema has no reference cycles through bare `$ref`s; the bound
        // only keeps a broken schema from looping.
        for _ in 0..16 {
            match node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
                Some(name) => match self.defs.get(name) {
                    Some(def) => node = def,
                    None => return node,
                },
                None => return node,
            }
        }
        node
    }

    /// The rows of an object's fields, required ones first in the schema's
    /// order, then the others by name; objects found below are appended to
    /// `children`.
    fn fields(
        &self,
        section: &Section<'a>,
        seen: &mut HashMap<*const Value, String>,
        children: &mut Vec<Section<'a>>,
    ) -> Result<Vec<Row>> {
        let object = self.resolve(section.schema);
        let Some(props) = object.get("properties").and_then(Value::as_object) else {
            bail!("the schema of `{}` has no properties", section.title);
        };
        let required: Vec<&str> =
            object.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let mut names: Vec<&String> = props.keys().collect();
        names.sort_by_key(|n| (required.iter().position(|r| r == n).unwrap_or(usize::MAX), n.as_str()));

        let mut rows = Vec::new();
        for name in names {
            let prop = &props[name.as_str()];
            let path = format!("{}{name}", section.path);
            let shape = self.shape(prop, 0);
            let mut description = prop
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or(shape.description.clone())
                .unwrap_or_default();
            description = sentence(&one_line(&description));
            for (suffix, object) in &shape.objects {
                let child_path = format!("{path}{suffix}");
                let title = format!("`{child_path}`");
                match seen.get(&std::ptr::from_ref(*object)) {
                    Some(first) => {
                        let _ = write!(description, " Fields: as in [{first}](#{}).", anchor(first));
                    }
                    None => {
                        let _ = write!(description, " Fields: [{title}](#{}).", anchor(&title));
                        seen.insert(std::ptr::from_ref(*object), title.clone());
                        children.push(Section { path: format!("{child_path}."), title, schema: object });
                    }
                }
            }
            rows.push(Row {
                path,
                types: shape.types.join(" or "),
                required: required.contains(&name.as_str()),
                default: shape.default,
                allowed: shape.allowed,
                description,
            });
        }
        Ok(rows)
    }

    /// What a node accepts. `depth` bounds the recursion on a malformed schema.
    fn shape(&self, node: &'a Value, depth: usize) -> Shape<'a> {
        let mut shape = Shape::default();
        if depth > 8 {
            return shape;
        }
        let resolved = self.resolve(node);
        if !std::ptr::eq(resolved, node) {
            shape.description = resolved.get("description").and_then(Value::as_str).map(str::to_string);
        }
        let node = resolved;
        shape.default = node.get("default").map(Value::to_string);
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            shape.allowed.extend(values.iter().map(|v| format!("`{v}`")));
        }
        if let Some(value) = node.get("const") {
            shape.allowed.push(format!("`{value}`"));
        }
        if let Some(min) = node.get("minimum") {
            shape.allowed.push(format!("at least {min}"));
        }
        if let Some(alternatives) = node.get("anyOf").and_then(Value::as_array) {
            let real: Vec<&Value> =
                alternatives.iter().filter(|a| a.get("type").and_then(Value::as_str) != Some("null")).collect();
            for alternative in &real {
                let inner = self.shape(alternative, depth + 1);
                // Say what each form means when there is more than one. A
                // description that is only an example (`99.9`) belongs to the
                // type's first use, not to every field that shares the type.
                if real.len() > 1 {
                    let description = alternative
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .or(inner.description.clone())
                        .filter(|d| !is_example(d));
                    if let Some(d) = description {
                        shape.allowed.push(format!("{}: {}", inner.types.join(" or "), sentence(&one_line(&d))));
                    }
                } else {
                    shape.allowed.extend(inner.allowed);
                }
                for t in inner.types {
                    if !shape.types.contains(&t) {
                        shape.types.push(t);
                    }
                }
                shape.objects.extend(inner.objects);
                if shape.default.is_none() {
                    shape.default = inner.default;
                }
            }
            return shape;
        }
        let types: Vec<&str> = match node.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for t in types {
            match t {
                "null" => {}
                "array" => {
                    let items = node.get("items").map(|i| self.shape(i, depth + 1)).unwrap_or_default();
                    let of = if items.types.is_empty() { "values".to_string() } else { items.types.join(" or ") };
                    shape.types.push(format!("list of {of}"));
                    shape.allowed.extend(items.allowed);
                    shape.objects.extend(items.objects.into_iter().map(|(suffix, o)| (format!("[]{suffix}"), o)));
                }
                "object" => {
                    if node.get("properties").is_some() {
                        shape.types.push("object".into());
                        shape.objects.push((String::new(), node));
                    } else if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
                        let values = self.shape(values, depth + 1);
                        shape.types.push(format!("map of {}", values.types.join(" or ")));
                    } else {
                        shape.types.push("object".into());
                    }
                }
                other => shape.types.push(other.to_string()),
            }
        }
        shape
    }
}

// ---------------------------------------------------------------------------
// Markdown helpers
// ---------------------------------------------------------------------------

/// Whether a description is a lone code span, an example rather than a statement.
fn is_example(text: &str) -> bool {
    let text = text.trim();
    text.starts_with('`') && text.ends_with('`') && text.matches('`').count() == 2
}

/// GitHub's anchor for a heading: lower case, spaces to dashes, other
/// punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// A help text as a sentence: clap's derive drops the final full stop of
/// one-line doc comments, and the reference reads better with it. Markdown
/// would take `<threshold>` in prose for an HTML tag and hide it, so such a
/// `<` is escaped (code spans are left as they are).
fn sentence(text: &str) -> String {
    let text = escape_tags(text.trim());
    if text.is_empty() || text.ends_with(['.', '!', '?', ':']) { text } else { format!("{text}.") }
}

/// Escapes the `<` that would open an HTML tag, outside code spans.
fn escape_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' => in_code = !in_code,
            '<' if !in_code && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '/') => {
                out.push_str("&lt;");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Joins a schema description's lines: they are one paragraph, wrapped in
/// the source for line length.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Text fit for a table cell: one line, pipes escaped.
fn table_cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// A multi-line help text inside a list item: continuation lines indented.
fn indent(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .enumerate()
        .map(|(i, l)| if i == 0 || l.is_empty() { l.to_string() } else { format!("  {l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_github() {
        assert_eq!(anchor("`sloop generate prometheus`"), "sloop-generate-prometheus");
        assert_eq!(anchor("`slos[].alerting.page`"), "slosalertingpage");
        assert_eq!(anchor("Top level"), "top-level");
    }

    #[test]
    fn tags_in_prose_are_escaped_but_not_in_code() {
        assert_eq!(sentence("latency-<threshold>, `<FILE>` and a < b"), "latency-&lt;threshold>, `<FILE>` and a < b.");
    }

    #[test]
    fn examples_become_a_code_block() {
        let mut out = String::new();
        examples(&mut out, "Examples:\n  sloop a \\\n    --b\n  sloop c");
        assert_eq!(out, "### Examples\n\n```sh\nsloop a \\\n  --b\nsloop c\n```\n\n");
    }

    #[test]
    fn a_small_schema_gives_one_row_per_field_and_a_section_per_object() {
        let schema = r##"{
          "type": "object",
          "properties": {
            "b": {"description": "Bee", "type": ["string", "null"], "default": "x", "enum": ["x", "y"]},
            "a": {"description": "Ay", "$ref": "#/$defs/A"}
          },
          "required": ["a"],
          "$defs": {"A": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}}}
        }"##;
        let md = manifest_markdown(schema).unwrap();
        assert!(
            md.contains("| `a` | object | yes |  |  | Ay. Fields: [`a`](#a). |\n| `b` | string | no | `\"x\"` | `\"x\"`<br>`\"y\"` | Bee. |"),
            "{md}"
        );
        assert!(md.contains("## `a`\n\n| field |"), "{md}");
        assert!(md.contains("| `a.n` | integer | no |  | at least 0 |  |"), "{md}");
    }
}
