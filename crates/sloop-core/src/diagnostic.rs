//! Errors and warnings about manifests, pointing at file, line, column and field.
//!
//! A [`Diagnostic`] is what `sloop validate` prints:
//!
//! ```text
//! error: slo.yaml:7:16: slos[0].target: target `100`: 100% leaves no error budget
//!   |
//! 7 |     target: 100
//!   |             ^^^ expected a percentage above 0 and below 100, such as 99.9
//! ```

use std::fmt;

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The manifest is invalid.
    Error,
    /// Valid, but probably not what was meant.
    Warning,
}

/// One finding about a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// A stable code for tooling: `invalid-target`, `lint/good-query-divides`.
    pub code: &'static str,
    /// The file's name as given.
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// The field, as a path: `slos[0].target`, `spec.indicatorSelector`.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// What would be valid, when that can be said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The source line, for the snippet.
    #[serde(skip)]
    pub source_line: Option<String>,
    /// How many characters to underline.
    #[serde(skip)]
    pub len: usize,
}

impl Diagnostic {
    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// `file:line:column`, or less when unknown.
    pub fn position(&self) -> String {
        match (self.line, self.column) {
            (0, _) => self.file.clone(),
            (l, 0) => format!("{}:{l}", self.file),
            (l, c) => format!("{}:{l}:{c}", self.file),
        }
    }

    /// The headline: `slo.yaml:7:16: slos[0].target: message`.
    pub fn headline(&self) -> String {
        if self.field.is_empty() {
            format!("{}: {}", self.position(), self.message)
        } else {
            format!("{}: {}: {}", self.position(), self.field, self.message)
        }
    }

    /// The snippet under the headline: the source line with a caret, and the hint.
    pub fn snippet(&self) -> String {
        let mut out = String::new();
        let Some(src) = &self.source_line else {
            if let Some(h) = &self.hint {
                out.push_str(&format!("  = expected {h}\n"));
            }
            return out;
        };
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        out.push_str(&format!("{pad} |\n{num} | {src}\n"));
        let col = self.column.max(1) - 1;
        let indent: String = src.chars().take(col).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        let carets = "^".repeat(self.len.max(1));
        match &self.hint {
            // A long underline pushes the hint off screen: give it its own line.
            Some(h) if indent.len() + carets.len() > 60 => {
                out.push_str(&format!("{pad} | {indent}{carets}\n{pad} = expected {h}\n"))
            }
            Some(h) => out.push_str(&format!("{pad} | {indent}{carets} expected {h}\n")),
            None => out.push_str(&format!("{pad} | {indent}{carets}\n")),
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(f, "{level}: {}\n{}", self.headline(), self.snippet())
    }
}
