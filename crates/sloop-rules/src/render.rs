//! Writing rule groups as files: a plain Prometheus rule file, a Mimir (or
//! Cortex) ruler namespace, or a Kubernetes `PrometheusRule`.

use serde::Serialize;

use crate::rules::RuleGroup;

/// Where the rules are going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A rule file for Prometheus, Thanos Ruler or vmalert (`rule_files:`).
    Prometheus,
    /// A Mimir/Cortex ruler file (`mimirtool rules load`), in a namespace.
    Mimir {
        /// The ruler namespace.
        namespace: String,
    },
    /// A `monitoring.coreos.com/v1` `PrometheusRule` for the Prometheus Operator.
    Kubernetes {
        /// `metadata.name`.
        name: String,
        /// `metadata.namespace`, if set.
        namespace: Option<String>,
    },
}

/// Turns rule groups into the text of one file.
pub trait Renderer {
    /// The file's text; `header` becomes leading comment lines.
    fn render(&self, groups: &[RuleGroup], header: &str) -> String;
}

#[derive(Serialize)]
struct PlainFile<'a> {
    groups: &'a [RuleGroup],
}

#[derive(Serialize)]
struct MimirFile<'a> {
    namespace: &'a str,
    groups: &'a [RuleGroup],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrometheusRule<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    spec: PlainFile<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    labels: std::collections::BTreeMap<&'static str, &'static str>,
}

impl Renderer for Target {
    fn render(&self, groups: &[RuleGroup], header: &str) -> String {
        let body = match self {
            Target::Prometheus => yaml(&PlainFile { groups }),
            Target::Mimir { namespace } => yaml(&MimirFile { namespace, groups }),
            Target::Kubernetes { name, namespace } => yaml(&PrometheusRule {
                api_version: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: Metadata {
                    name,
                    namespace: namespace.as_deref(),
                    labels: [("app.kubernetes.io/managed-by", "sloop")].into(),
                },
                spec: PlainFile { groups },
            }),
        };
        let mut out: String = header.lines().map(|l| format!("# {l}\n").replace("# \n", "#\n")).collect();
        out.push_str(&body);
        out
    }
}

/// YAML with multi-line expressions as literal blocks (`expr: |`).
fn yaml<T: Serialize>(value: &T) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|e| unreachable!("rule files always serialise: {e}"))
}
