//! sloop's own format: one file per service, short keys, human durations.
//! See [`types`] for the format itself.

mod read;
pub mod types;
mod write;

pub(crate) use read::read;
pub(crate) use write::write;

/// The `apiVersion` of sloop's own format.
pub const API_VERSION: &str = "sloop/v1";

/// The JSON Schema of the format, for editor completion
/// (`# yaml-language-server: $schema=...`). Published as `schema/sloop.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(types::SloopFile);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
