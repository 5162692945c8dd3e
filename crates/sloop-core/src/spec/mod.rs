//! Manifest formats: one module per format, each reading its "as written"
//! serde types into the one [`Manifest`] model, and writing them back.
//!
//! ```text
//!  sloop.yaml ─┐                                   ┌─▶ sloop
//!  reliably ───┤                                   ├─▶ openslo
//!  openslo ────┼─▶ split_documents ─▶ detect ─▶ read ─▶ Manifest ─▶ write ─┼─▶ reliably
//!  sloth ──────┤                                   └─▶ sloth
//!  pyrra ──────┘
//! ```
//!
//! [`load`] takes every file at once so that OpenSLO objects may reference
//! each other across files (an SLO naming an SLI defined elsewhere).

pub mod openslo;
pub mod pyrra;
pub mod reliably;
pub mod sloop;
pub mod sloth;

pub mod check;

use std::fmt;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Level};
use crate::error::Error;
use crate::model::{Manifest, Objective, Service};
use crate::source::{Document, SourceFile, file_diagnostic, split_documents};

/// The manifest formats sloop reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// sloop's own `apiVersion: sloop/v1`.
    Sloop,
    /// Reliably `apiVersion: reliably.com/v1`, `kind: Objective`.
    Reliably,
    /// OpenSLO `apiVersion: openslo/v1`.
    OpenSlo,
    /// Sloth `version: prometheus/v1`.
    Sloth,
    /// Pyrra `apiVersion: pyrra.dev/v1alpha1`, `kind: ServiceLevelObjective`.
    Pyrra,
}

impl Format {
    /// Every format, in the order of the docs.
    pub const ALL: [Format; 5] = [Format::Sloop, Format::Reliably, Format::OpenSlo, Format::Sloth, Format::Pyrra];

    /// `sloop`, `reliably`, `openslo`, `sloth`, `pyrra`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Sloop => "sloop",
            Format::Reliably => "reliably",
            Format::OpenSlo => "openslo",
            Format::Sloth => "sloth",
            Format::Pyrra => "pyrra",
        }
    }

    /// Which format a document is, from its `apiVersion`, `kind` and `version`.
    pub fn detect(doc: &Document<'_>) -> Result<Format, Diagnostic> {
        let (api, kind, version) = doc.detect_keys();
        let format = match (api.as_str(), version.as_str()) {
            (a, _) if a == sloop::API_VERSION => Format::Sloop,
            ("reliably.com/v1", _) => Format::Reliably,
            ("openslo/v1", _) => Format::OpenSlo,
            ("pyrra.dev/v1alpha1", _) => Format::Pyrra,
            ("", "prometheus/v1") => Format::Sloth,
            ("sloth.slok.dev/v1", _) => {
                return Err(doc.error(
                    "unknown-format",
                    "apiVersion",
                    "Sloth's Kubernetes CRD (sloth.slok.dev/v1 PrometheusServiceLevel) is not read yet",
                    Some("the plain Sloth spec: `version: \"prometheus/v1\"` with `service` and `slos`"),
                ));
            }
            ("openslo/v1alpha", _) => {
                return Err(doc.error(
                    "unknown-format",
                    "apiVersion",
                    "OpenSLO v1alpha is not supported",
                    Some("apiVersion: openslo/v1"),
                ));
            }
            _ => {
                let (field, what) = if !api.is_empty() {
                    ("apiVersion", format!("unknown apiVersion `{api}`"))
                } else if !version.is_empty() {
                    ("version", format!("unknown version `{version}`"))
                } else {
                    ("", "this document says neither `apiVersion` nor `version`, so its format is unknown".into())
                };
                return Err(doc.error("unknown-format", field, what, Some(DETECT_HINT)));
            }
        };
        let kind_ok = match format {
            // Reliably's own docs spell it both `Objective` and `objective`.
            Format::Reliably => kind.eq_ignore_ascii_case("Objective"),
            Format::Pyrra => kind == "ServiceLevelObjective",
            Format::OpenSlo => openslo::KINDS.contains(&kind.as_str()),
            Format::Sloop => kind.is_empty() || kind == "Service",
            Format::Sloth => true,
        };
        if !kind_ok {
            let valid = match format {
                Format::Reliably => "Objective".to_string(),
                Format::Pyrra => "ServiceLevelObjective".to_string(),
                Format::OpenSlo => openslo::KINDS.join(", "),
                _ => "Service (or no kind)".to_string(),
            };
            return Err(doc.error(
                "unknown-kind",
                "kind",
                format!("kind `{kind}` is not a {} kind", format.as_str()),
                Some(&valid),
            ));
        }
        Ok(format)
    }
}

const DETECT_HINT: &str = "one of `apiVersion: sloop/v1`, `apiVersion: reliably.com/v1`, `apiVersion: openslo/v1`, \
     `apiVersion: pyrra.dev/v1alpha1`, or Sloth's `version: \"prometheus/v1\"`";

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown format `{s}`; valid: sloop, reliably, openslo, sloth, pyrra"))
    }
}

/// Where an objective was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The file's name.
    pub file: String,
    /// The line its definition starts on.
    pub line: usize,
    /// The format it was written in.
    pub format: Format,
    /// Where model fields were written, keyed by the names in [`field`], so
    /// that lints can point at them.
    pub fields: std::collections::BTreeMap<&'static str, FieldPos>,
}

/// Where a field is in its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldPos {
    /// The path as the format writes it: `spec.objectivePercent`.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Names of model fields, for [`Origin::fields`].
pub mod field {
    /// The objective's name.
    pub const NAME: &str = "name";
    /// The target.
    pub const TARGET: &str = "target";
    /// The time window.
    pub const WINDOW: &str = "window";
    /// The good-events query.
    pub const GOOD: &str = "indicator.good";
    /// The bad-events query.
    pub const BAD: &str = "indicator.bad";
    /// The total-events query.
    pub const TOTAL: &str = "indicator.total";
    /// A latency threshold.
    pub const THRESHOLD: &str = "indicator.threshold";
    /// Declared histogram buckets.
    pub const BUCKETS: &str = "indicator.buckets";
    /// The indicator as a whole.
    pub const INDICATOR: &str = "indicator";
    /// Declared traffic.
    pub const TRAFFIC: &str = "traffic";
    /// The alerting policy.
    pub const ALERTING: &str = "alerting";
}

/// A successful load: the model, where each objective came from, warnings.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// Services and objectives.
    pub manifest: Manifest,
    /// `origins[i]` is where `manifest.objectives[i]` was read.
    pub origins: Vec<Origin>,
    /// Warnings from reading (lints are separate, see [`crate::lint`]).
    pub warnings: Vec<Diagnostic>,
}

/// What readers add to while reading.
#[derive(Debug, Default)]
pub struct Collector {
    manifest: Manifest,
    origins: Vec<Origin>,
    diagnostics: Vec<Diagnostic>,
}

impl Collector {
    /// Adds a service, merging with one of the same name.
    pub fn service(&mut self, service: Service) {
        match self.manifest.services.iter_mut().find(|s| s.name == service.name) {
            Some(existing) => {
                existing.display_name = existing.display_name.take().or(service.display_name);
                existing.description = existing.description.take().or(service.description);
                for (k, v) in service.labels {
                    existing.labels.entry(k).or_insert(v);
                }
            }
            None => self.manifest.services.push(service),
        }
    }

    /// Adds an objective read from `doc` at `path`; its service is added too.
    ///
    /// `fields` maps model field names ([`field`]) to the document paths they
    /// were read from; paths absent from the document are ignored.
    pub fn objective(
        &mut self,
        objective: Objective,
        doc: &Document<'_>,
        path: &str,
        format: Format,
        fields: &[(&'static str, String)],
    ) {
        if !self.manifest.services.iter().any(|s| s.name == objective.service) {
            self.service(Service::named(objective.service.clone()));
        }
        let line = doc.locate(path).map(|p| p.line).unwrap_or(doc.start.line);
        let fields = fields
            .iter()
            .filter_map(|(name, p)| {
                doc.locate(p).map(|pos| (*name, FieldPos { path: p.clone(), line: pos.line, column: pos.column }))
            })
            .collect();
        self.origins.push(Origin { file: doc.file.name.clone(), line, format, fields });
        self.manifest.objectives.push(objective);
    }

    /// The labels of a service added so far, if it has been added.
    pub fn service_labels(&self, name: &str) -> Option<&crate::model::Labels> {
        self.manifest.services.iter().find(|s| s.name == name).map(|s| &s.labels)
    }

    /// Records an error or warning.
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Records each diagnostic.
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(ds);
    }

    /// Whether any error has been recorded.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads every document of every file into one model.
///
/// All errors of all files are collected, not just the first. On any error
/// nothing is returned but the diagnostics (warnings included).
pub fn load(files: &[SourceFile]) -> Result<Loaded, Error> {
    load_with(files, &LoadOptions::default())
}

/// How strictly to read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Accept Prometheus queries that PromQL cannot parse, for
    /// VictoriaMetrics' MetricsQL (a superset of PromQL). They are still
    /// checked for being non-empty with balanced brackets.
    pub relaxed_promql: bool,
}

/// [`load`], with options.
pub fn load_with(files: &[SourceFile], options: &LoadOptions) -> Result<Loaded, Error> {
    let mut out = Collector::default();
    let mut by_format: Vec<(Format, Vec<Document<'_>>)> = Format::ALL.iter().map(|f| (*f, Vec::new())).collect();
    for file in files {
        let docs = match split_documents(file) {
            Ok(d) => d,
            Err(e) => {
                out.push(e);
                continue;
            }
        };
        if docs.is_empty() {
            out.push(file_diagnostic(
                file,
                Level::Error,
                "empty-file",
                "the file holds no YAML document".into(),
                Some(DETECT_HINT.into()),
            ));
        }
        for mut doc in docs {
            doc.relaxed_promql = options.relaxed_promql;
            match Format::detect(&doc) {
                Ok(f) => by_format.iter_mut().find(|(g, _)| *g == f).map(|(_, v)| v.push(doc)).unwrap_or(()),
                Err(e) => out.push(e),
            }
        }
    }
    for (format, docs) in &by_format {
        if docs.is_empty() {
            continue;
        }
        match format {
            Format::Sloop => sloop::read(docs, &mut out),
            Format::Reliably => reliably::read(docs, &mut out),
            Format::OpenSlo => openslo::read(docs, &mut out),
            Format::Sloth => sloth::read(docs, &mut out),
            Format::Pyrra => pyrra::read(docs, &mut out),
        }
    }
    if out.has_errors() {
        return Err(Error::Invalid { diagnostics: out.diagnostics });
    }
    Ok(Loaded { manifest: out.manifest, origins: out.origins, warnings: out.diagnostics })
}

/// Serialises one document the way every writer does: queries stay on one
/// line (no folded `>-` scalars), as people write them.
pub(crate) fn to_yaml<T: Serialize>(value: &T) -> Result<String, serde_saphyr::SerializeError> {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.prefer_block_scalars = false;
    serde_saphyr::to_string_with_options(value, options)
}

/// Formats sloop can write.
pub const WRITABLE: [Format; 4] = [Format::Sloop, Format::OpenSlo, Format::Reliably, Format::Sloth];

/// A manifest written in another format, and what could not be carried over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Written {
    /// The YAML text.
    pub text: String,
    /// What the target format cannot express, each naming the objective and field.
    pub losses: Vec<Loss>,
}

/// One thing dropped in a conversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loss {
    /// `service/name` of the objective, or the service's name.
    pub objective: String,
    /// The model field: `alerting.windows`, `indicator`.
    pub field: String,
    /// Why it was dropped.
    pub reason: String,
}

impl Loss {
    /// A loss about an objective.
    pub fn new(objective: &Objective, field: &str, reason: impl Into<String>) -> Self {
        Self { objective: objective.id(), field: field.into(), reason: reason.into() }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.objective, self.field, self.reason)
    }
}

/// Writes a manifest in `format`. Objectives the format cannot express at
/// all (e.g. a Datadog SLO to Sloth) are skipped and listed as losses; an
/// error is returned only when nothing at all could be written.
pub fn write(manifest: &Manifest, format: Format) -> Result<Written, Error> {
    let written = match format {
        Format::Sloop => sloop::write(manifest),
        Format::OpenSlo => openslo::write(manifest),
        Format::Reliably => reliably::write(manifest),
        Format::Sloth => sloth::write(manifest)?,
        Format::Pyrra => {
            return Err(Error::Unwritable {
                format,
                reason: "sloop reads Pyrra manifests but does not write them".into(),
            });
        }
    };
    if written.text.trim().is_empty() {
        let why: Vec<String> = written.losses.iter().map(Loss::to_string).collect();
        let reason = if why.is_empty() { "there is nothing to write".to_string() } else { why.join("; ") };
        return Err(Error::Unwritable { format, reason: format!("no objective can be expressed: {reason}") });
    }
    Ok(written)
}
