//! The properties checked, each with its status in the cursor's state, the violated first
//! (the session orders them).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::explore::session::{Session, Status};
use crate::ui::keymap::{Cmd, Context};
use crate::ui::nav::ListNav;
use crate::ui::pane::{Draw, Handled, Pane, block};

/// The properties pane.
#[derive(Debug, Default)]
pub struct PropertiesPane {
    nav: ListNav,
}

fn text(id: &str, words: &str) -> String {
    format!("{id} {words}")
}

impl PropertiesPane {
    fn len(&self, session: &Session) -> usize {
        session
            .properties()
            .iter()
            .filter(|v| self.nav.passes(&text(v.property.id, v.property.text)))
            .count()
    }
}

impl Pane for PropertiesPane {
    fn commands(&self, out: &mut Vec<Context>) {
        out.push(Context::Properties);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &Draw) {
        let theme = view.theme;
        let block = block("properties", &self.nav.filter, view.focused, theme);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let shown: Vec<_> = view
            .session
            .properties()
            .into_iter()
            .filter(|v| self.nav.passes(&text(v.property.id, v.property.text)))
            .collect();
        let height = usize::from(inner.height);
        let offset = self.nav.window(shown.len(), height);
        let width = shown
            .iter()
            .map(|v| v.status.word().len())
            .max()
            .unwrap_or(0);
        let mut lines = Vec::new();
        for (i, v) in shown.iter().enumerate().skip(offset).take(height) {
            let style = match v.status {
                Status::Violated => theme.bad(),
                Status::Pending | Status::NotSeen => theme.warn(),
                Status::Holds => theme.good(),
            };
            let mut line = Line::from(vec![
                Span::styled(format!("{:<4} ", v.property.id), theme.title()),
                Span::styled(format!("{:<width$} ", v.status.word()), style),
                Span::raw(v.property.text),
            ]);
            if view.focused && i == self.nav.selected {
                line = line.style(theme.selected());
            }
            lines.push(line);
        }
        if shown.is_empty() {
            lines.push(Line::styled("(no property checked)", theme.dim()));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }

    fn handle(&mut self, cmd: Cmd, session: &Session, height: usize) -> Handled {
        let len = self.len(session);
        if self.nav.handle(cmd, len, height) {
            self.nav.follow(len, height);
            Handled::Yes
        } else {
            Handled::No
        }
    }

    fn click(&mut self, row: usize, session: &Session, height: usize) -> Handled {
        let len = self.len(session);
        match self.nav.row_at(row, len, height) {
            Some(i) => {
                self.nav.select(i, len);
                Handled::Yes
            }
            None => Handled::No,
        }
    }

    fn scroll(&mut self, delta: isize, session: &Session) {
        let len = self.len(session);
        self.nav.scroll(delta, len);
    }

    fn filter(&mut self) -> Option<&mut String> {
        Some(&mut self.nav.filter)
    }

    fn sync(&mut self, session: &Session) {
        let len = self.len(session);
        self.nav.clamp(len);
    }
}
