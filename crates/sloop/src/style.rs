//! Colours, decided once: `--color`, NO_COLOR and whether stdout is a terminal.

use anstyle::{AnsiColor, Style};

use crate::cli::ColorChoice;

/// Styles used across commands; all plain when colour is off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Palette {
    /// Errors and breached SLOs.
    pub(crate) error: Style,
    /// Warnings.
    pub(crate) warning: Style,
    /// Good news.
    pub(crate) ok: Style,
    /// Headings and names.
    pub(crate) bold: Style,
    /// Secondary text.
    pub(crate) dim: Style,
}

impl Palette {
    /// The palette for this run.
    pub(crate) fn new(choice: ColorChoice) -> Self {
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::IsTerminal::is_terminal(&std::io::stdout())
            }
        };
        if !on {
            let p = Style::new();
            return Self { error: p, warning: p, ok: p, bold: p, dim: p };
        }
        Self {
            error: AnsiColor::Red.on_default().bold(),
            warning: AnsiColor::Yellow.on_default().bold(),
            ok: AnsiColor::Green.on_default(),
            bold: Style::new().bold(),
            dim: Style::new().dimmed(),
        }
    }
}

/// `text` in `style` (nothing added when the style is plain).
pub(crate) fn paint(style: Style, text: impl std::fmt::Display) -> String {
    if style == Style::new() { text.to_string() } else { format!("{style}{text}{style:#}") }
}
