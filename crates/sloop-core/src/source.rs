//! Manifest text, split into YAML documents, with every field's position.
//!
//! Readers deserialize a [`Document`] with serde (the "as written" stage) and
//! then check values. To point an error at `slos[0].target` they ask the
//! document where that path is: [`Document::error`] builds a [`Diagnostic`]
//! with file, line, column and the source line. The index is built from the
//! YAML event stream of serde-saphyr's own parser, so positions agree with the
//! ones serde-saphyr reports for its own errors.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_saphyr::granit_parser::{Event, Parser, ScanError, Span};

use crate::diagnostic::{Diagnostic, Level};

/// A manifest file's name and text. Reading it from disk is the caller's job.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name used in messages (usually the path as given).
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// A file from its name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }
}

/// A 1-based position, and the length of the node there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    start: Pos,
    end: Pos,
    /// Where the key of this node sits in its parent mapping, if any.
    key: Option<Pos>,
}

/// The top-level keys every format is recognised by.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Header {
    /// `apiVersion` (OpenSLO, Reliably, Pyrra, sloop).
    #[serde(rename = "apiVersion")]
    pub api_version: Option<String>,
    /// `kind` (OpenSLO, Reliably, Pyrra).
    pub kind: Option<String>,
    /// `version` (Sloth).
    pub version: Option<String>,
}

/// One YAML document of a file.
#[derive(Debug)]
pub struct Document<'a> {
    /// The file it came from.
    pub file: &'a SourceFile,
    /// 0-based index of the document within the file.
    pub index: usize,
    /// The file's text with every other document blanked out, so that line
    /// and column numbers from serde-saphyr are those of the file.
    text: String,
    /// The detection keys.
    pub header: Header,
    nodes: HashMap<String, Node>,
    /// Where the document starts.
    pub start: Pos,
    /// Accept Prometheus queries PromQL cannot parse (MetricsQL), set by
    /// [`crate::spec::load_with`].
    pub relaxed_promql: bool,
}

/// Splits a file into its documents. Empty documents are skipped.
pub fn split_documents(file: &SourceFile) -> Result<Vec<Document<'_>>, Diagnostic> {
    let mut docs = Vec::new();
    let mut walker = Walker::default();
    let mut doc_start: Option<(Span, usize)> = None;
    for ev in Parser::new_from_str(&file.text) {
        let (event, span) = ev.map_err(|e| scan_error(file, &e))?;
        match event {
            Event::DocumentStart(..) => {
                walker = Walker::default();
                doc_start = Some((span, docs.len()));
            }
            Event::DocumentEnd => {
                let Some((start, index)) = doc_start.take() else { continue };
                if walker.nodes.is_empty() {
                    continue;
                }
                let (start_line, end_line) = (start.start.line(), span.end.line().max(start.start.line()));
                let text = blank_outside(&file.text, start_line, end_line);
                let nodes = std::mem::take(&mut walker.nodes);
                let mut doc = Document {
                    file,
                    index,
                    text,
                    header: Header::default(),
                    nodes,
                    start: Pos { line: start_line, column: 1 },
                    relaxed_promql: false,
                };
                doc.header = serde_saphyr::from_str::<Header>(&doc.text).unwrap_or_default();
                docs.push(doc);
            }
            other => walker.event(&other, span),
        }
    }
    Ok(docs)
}

/// Keeps lines `first..=last` (1-based) and blanks every other line, so
/// positions are unchanged.
fn blank_outside(text: &str, first: usize, last: usize) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| {
            let n = i + 1;
            if n >= first && n <= last && !is_marker(line) {
                line.to_string()
            } else if line.ends_with('\n') {
                "\n".to_string()
            } else {
                String::new()
            }
        })
        .collect()
}

fn is_marker(line: &str) -> bool {
    let l = line.trim_end();
    l == "---" || l == "..." || l.starts_with("--- ") && l[4..].trim_start().starts_with('#')
}

fn scan_error(file: &SourceFile, e: &ScanError) -> Diagnostic {
    let m = e.marker();
    let pos = Pos { line: m.line(), column: m.col() + 1 };
    diagnostic(file, Level::Error, "yaml-syntax", pos, 1, "", format!("invalid YAML: {e}"), None)
}

fn to_pos(m: &serde_saphyr::granit_parser::Marker) -> Pos {
    Pos { line: m.line(), column: m.col() + 1 }
}

#[derive(Debug)]
enum Frame {
    Map { path: String, pending_key: Option<(String, Pos)>, start: Pos },
    Seq { path: String, next: usize, start: Pos },
}

/// Builds the path → node index from parser events.
#[derive(Debug, Default)]
struct Walker {
    stack: Vec<Frame>,
    nodes: HashMap<String, Node>,
}

impl Walker {
    /// The path of the node that starts now, or `None` if it is a mapping key.
    fn next_path(&mut self, scalar: Option<&str>, at: Pos) -> Option<(String, Option<Pos>)> {
        match self.stack.last_mut() {
            None => Some((String::new(), None)),
            Some(Frame::Seq { path, next, .. }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                Some((p, None))
            }
            Some(Frame::Map { path, pending_key, .. }) => match pending_key.take() {
                None => {
                    *pending_key = Some((scalar.unwrap_or("?").to_string(), at));
                    None
                }
                Some((key, key_pos)) => {
                    let p = if path.is_empty() { key } else { format!("{path}.{key}") };
                    Some((p, Some(key_pos)))
                }
            },
        }
    }

    fn event(&mut self, event: &Event<'_>, span: Span) {
        let (start, end) = (to_pos(&span.start), to_pos(&span.end));
        match event {
            Event::Scalar(value, ..) => {
                if let Some((path, key)) = self.next_path(Some(value), start) {
                    self.nodes.insert(path, Node { start, end, key });
                }
            }
            Event::Alias(..) => {
                if let Some((path, key)) = self.next_path(None, start) {
                    self.nodes.insert(path, Node { start, end, key });
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let (path, key) = self.next_path(None, start).unwrap_or_default();
                self.nodes.insert(path.clone(), Node { start, end: start, key });
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Map { path, pending_key: None, start },
                    _ => Frame::Seq { path, next: 0, start },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame::Map { path, start, .. } | Frame::Seq { path, start, .. }) = self.stack.pop()
                    && let Some(n) = self.nodes.get_mut(&path)
                {
                    n.end = end.max(start);
                }
            }
            _ => {}
        }
    }
}

impl<'a> Document<'a> {
    /// The format keys, lower-cased: (`apiVersion`, `kind`, `version`).
    pub fn detect_keys(&self) -> (String, String, String) {
        let h = &self.header;
        let low = |s: &Option<String>| s.clone().unwrap_or_default().trim().to_string();
        (low(&h.api_version), low(&h.kind), low(&h.version))
    }

    /// Deserializes the whole document into its "as written" type. A serde
    /// error becomes a diagnostic naming the field at the error's position.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        serde_saphyr::from_str::<T>(&self.text).map_err(|e| self.serde_error(&e))
    }

    fn serde_error(&self, e: &serde_saphyr::Error) -> Diagnostic {
        let msg = e.without_snippet().to_string();
        // serde-saphyr appends " at line X, column Y"; the position is shown separately.
        let msg = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        let pos =
            e.location().map(|l| Pos { line: l.line() as usize, column: l.column() as usize }).unwrap_or(self.start);
        let field = self.path_at(pos);
        let hint = if msg.contains("unknown field") || msg.contains("unknown variant") {
            msg.split_once(", expected ").map(|(_, rest)| rest.to_string())
        } else {
            None
        };
        let msg = match (&hint, msg.split_once(", expected ")) {
            (Some(_), Some((head, _))) => head.to_string(),
            _ => msg,
        };
        let len = self.token_len(pos);
        diagnostic(self.file, Level::Error, "invalid-field", pos, len, &field, msg, hint)
    }

    /// The innermost field whose node contains `pos` (or whose key is at `pos`).
    pub fn path_at(&self, pos: Pos) -> String {
        let mut best: Option<(&String, &Node)> = None;
        for (path, node) in &self.nodes {
            let key_hit = node.key == Some(pos);
            let inside = node.start <= pos && pos <= node.end;
            if key_hit {
                return path.clone();
            }
            if inside {
                let better = match best {
                    None => true,
                    Some((bp, _)) => path.len() > bp.len(),
                };
                if better {
                    best = Some((path, node));
                }
            }
        }
        best.map(|(p, _)| p.clone()).unwrap_or_default()
    }

    /// Where a field's value is, if present.
    pub fn locate(&self, path: &str) -> Option<Pos> {
        self.nodes.get(path).map(|n| n.start)
    }

    /// Whether the document has a value at `path`.
    pub fn has(&self, path: &str) -> bool {
        self.nodes.contains_key(path)
    }

    /// Where the field's value is; failing that, its nearest present parent.
    fn nearest(&self, path: &str) -> (Pos, usize) {
        let mut p = path;
        loop {
            if let Some(n) = self.nodes.get(p) {
                let len =
                    if n.start.line == n.end.line { n.end.column.saturating_sub(n.start.column).max(1) } else { 1 };
                return (n.start, len);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return (self.start, 1),
            }
        }
    }

    fn token_len(&self, pos: Pos) -> usize {
        self.line(pos.line)
            .and_then(|l| l.get(pos.column.saturating_sub(1)..))
            .map(|rest| rest.find([':', ' ', ',', '}', ']']).unwrap_or(rest.len()).max(1))
            .unwrap_or(1)
    }

    fn line(&self, n: usize) -> Option<&str> {
        self.file.text.lines().nth(n.checked_sub(1)?)
    }

    /// An error about the field at `path`.
    pub fn error(&self, code: &'static str, path: &str, message: impl Into<String>, hint: Option<&str>) -> Diagnostic {
        let (pos, len) = self.nearest(path);
        diagnostic(self.file, Level::Error, code, pos, len, path, message.into(), hint.map(str::to_string))
    }

    /// A warning about the field at `path`.
    pub fn warning(
        &self,
        code: &'static str,
        path: &str,
        message: impl Into<String>,
        hint: Option<&str>,
    ) -> Diagnostic {
        let mut d = self.error(code, path, message, hint);
        d.level = Level::Warning;
        d
    }
}

/// A diagnostic at a known position of a file, with its source line.
#[allow(clippy::too_many_arguments)]
pub fn diagnostic(
    file: &SourceFile,
    level: Level,
    code: &'static str,
    pos: Pos,
    len: usize,
    field: &str,
    message: String,
    hint: Option<String>,
) -> Diagnostic {
    let source_line = pos.line.checked_sub(1).and_then(|i| file.text.lines().nth(i)).map(str::to_string);
    Diagnostic {
        level,
        code,
        file: file.name.clone(),
        line: pos.line,
        column: pos.column,
        field: field.to_string(),
        message,
        hint,
        source_line,
        len,
    }
}

/// A diagnostic about a whole file, not a position in it.
pub fn file_diagnostic(
    file: &SourceFile,
    level: Level,
    code: &'static str,
    message: String,
    hint: Option<String>,
) -> Diagnostic {
    diagnostic(file, level, code, Pos { line: 0, column: 0 }, 0, "", message, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Slo {
        name: String,
        target: f64,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        slos: Vec<Slo>,
    }

    const TWO: &str = "apiVersion: a/v1\nkind: X\nslos:\n  - name: x\n    target: 99\n---\napiVersion: b/v1\nkind: Y\nslos:\n  - name: y\n    targt: 99.9\n";

    #[test]
    fn splits_and_indexes() {
        let f = SourceFile::new("t.yaml", TWO);
        let docs = split_documents(&f).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].header.api_version.as_deref(), Some("a/v1"));
        assert_eq!(docs[1].header.kind.as_deref(), Some("Y"));
        assert_eq!(docs[0].locate("slos[0].target"), Some(Pos { line: 5, column: 13 }));
        assert_eq!(docs[1].locate("slos[0].name"), Some(Pos { line: 10, column: 11 }));
        assert!(docs[0].deserialize::<Doc>().is_ok());
        let e = docs[1].deserialize::<Doc>().unwrap_err();
        assert_eq!((e.line, e.column), (11, 5));
        assert!(e.message.contains("unknown field `targt`"), "{}", e.message);
        assert_eq!(e.field, "slos[0].targt");
        assert!(e.hint.as_deref().unwrap().contains("target"));
        let d = docs[0].error("x", "slos[0].target", "bad", Some("a number"));
        assert_eq!((d.line, d.column, d.len), (5, 13, 2));
        assert!(d.to_string().contains("5 |     target: 99"), "{d}");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let f = SourceFile::new("bad.yaml", "a: [1, 2\nb: c\n");
        let e = split_documents(&f).unwrap_err();
        assert!(e.line >= 1 && e.message.contains("invalid YAML"), "{e}");
    }
}
