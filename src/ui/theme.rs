//! Styles. With `NO_COLOR` set (to anything non-empty) no colour is used, only bold, dim,
//! reversed and underlined.

use ratatui::style::{Color, Modifier, Style};

/// The explorer's styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Whether colours are used.
    pub color: bool,
}

impl Theme {
    /// The theme the environment asks for (`NO_COLOR`).
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// A violated property, an error.
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// A property that holds.
    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }

    /// Something pending or changed.
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }

    /// A title, a heading.
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// The focused pane's border.
    pub fn focus(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// A pane's border.
    pub fn border(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// The selected row.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Steps after the cursor (redo), and other quiet text.
    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    /// A key in the footer.
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
}
