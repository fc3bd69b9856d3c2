//! A one-line text editor (the command line, a filter, the save name): characters insert at
//! the cursor, Backspace, Delete, Left, Right, Home and End edit.

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use super::keymap::Key;

/// A line being typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineInput {
    /// The text.
    pub text: String,
    /// The cursor, in characters.
    pub cursor: usize,
}

impl LineInput {
    /// A line holding `text`, the cursor at its end.
    pub fn with(text: &str) -> LineInput {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    /// Edits for a key; whether the key was an editing one.
    pub fn edit(&mut self, key: Key) -> bool {
        if key
            .mods
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        let len = self.text.chars().count();
        match key.code {
            KeyCode::Char(c) => {
                let at = self.byte(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }

    /// Replaces the text, the cursor at its end.
    pub fn set(&mut self, text: &str) {
        *self = LineInput::with(text);
    }

    fn byte(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_and_editing_at_the_cursor() {
        let mut line = LineInput::default();
        for c in "gto".chars() {
            assert!(line.edit(Key::ch(c)));
        }
        line.edit(Key::plain(KeyCode::Left));
        line.edit(Key::plain(KeyCode::Left));
        line.edit(Key::ch('o'));
        assert_eq!(line.text, "goto");
        line.edit(Key::plain(KeyCode::End));
        line.edit(Key::plain(KeyCode::Backspace));
        assert_eq!(line.text, "got");
        line.edit(Key::plain(KeyCode::Home));
        line.edit(Key::plain(KeyCode::Delete));
        assert_eq!((line.text.as_str(), line.cursor), ("ot", 0));
        assert!(!line.edit(Key::ctrl('c')));
        assert!(!line.edit(Key::plain(KeyCode::Enter)));
    }
}
