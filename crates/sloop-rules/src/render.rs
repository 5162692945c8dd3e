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
    /// The file's text; `header` becomes leading comment lines. Groups are
    /// borrowed: a large manifest has millions of small strings, and copying
    /// them costs more than writing them.
    fn render(&self, groups: &[&RuleGroup], header: &str) -> String;
}

#[derive(Serialize)]
struct PlainFile<'a> {
    groups: &'a [&'a RuleGroup],
}

#[derive(Serialize)]
struct MimirFile<'a> {
    namespace: &'a str,
    groups: &'a [&'a RuleGroup],
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
    fn render(&self, groups: &[&RuleGroup], header: &str) -> String {
        let mut out = comment(header);
        if groups.len() < PARALLEL_MIN {
            out.push_str(&self.render_whole(groups));
            return out;
        }
        // Large rule sets: serialise chunks of groups on every core, then
        // join them under the file's head. `render_whole` is the reference:
        // a test checks both give the same bytes.
        let (head, indent) = match self {
            Target::Prometheus => ("groups:\n".to_string(), ""),
            Target::Mimir { namespace } => (format!("{}groups:\n", yaml(&Namespace { namespace })), ""),
            Target::Kubernetes { .. } => {
                let whole = self.render_whole(&[]);
                (whole.trim_end().trim_end_matches("groups: []").to_string() + "groups:\n", "  ")
            }
        };
        out.push_str(&head);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = groups.len().div_ceil(threads).max(PARALLEL_MIN / 2);
        let parts: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = groups.chunks(chunk).map(|c| scope.spawn(move || yaml(&c))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        });
        for part in parts {
            if indent.is_empty() {
                out.push_str(&part);
            } else {
                for line in part.split_inclusive('\n') {
                    out.push_str(indent);
                    out.push_str(line);
                }
            }
        }
        out
    }
}

/// Below this many groups, one thread renders everything.
const PARALLEL_MIN: usize = 512;

#[derive(Serialize)]
struct Namespace<'a> {
    namespace: &'a str,
}

fn comment(header: &str) -> String {
    header.lines().map(|l| format!("# {l}\n").replace("# \n", "#\n")).collect()
}

impl Target {
    /// The file body, serialised in one piece.
    pub fn render_whole(&self, groups: &[&RuleGroup]) -> String {
        match self {
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
        }
    }
}

/// YAML with multi-line expressions as literal blocks (`expr: |`).
fn yaml<T: Serialize>(value: &T) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|e| unreachable!("rule files always serialise: {e}"))
}
