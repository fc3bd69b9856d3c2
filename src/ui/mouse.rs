//! The mouse: a click focuses the pane under it and selects (or, on the selected row, acts
//! on) the row clicked; the wheel scrolls the pane or the overlay under it.

use ratatui::crossterm::event::{MouseButton, MouseEventKind};

use super::app::App;
use super::event::Flow;
use super::pane::Handled;

impl App {
    /// A mouse event at a screen position.
    pub(super) fn mouse(&mut self, kind: MouseEventKind, x: u16, y: u16) -> Flow {
        if let Some(overlay) = &mut self.overlay {
            return match kind {
                MouseEventKind::ScrollUp => overlay.scroll(-3),
                MouseEventKind::ScrollDown => overlay.scroll(3),
                _ => Flow::Same,
            };
        }
        let Some(areas) = self.areas() else {
            return Flow::Same;
        };
        let Some(id) = areas.pane_at(x, y) else {
            return Flow::Same;
        };
        let Some(session) = &self.session else {
            return Flow::Same;
        };
        let area = areas.pane(id);
        let height = self.pane(id).height(area);
        let pane = self.panes.get_mut(id);
        let handled = match kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = id;
                match y.checked_sub(area.y + 1) {
                    Some(row) => pane.click(usize::from(row), session, height),
                    None => Handled::Yes,
                }
            }
            MouseEventKind::ScrollUp => {
                pane.scroll(-3, session);
                Handled::Yes
            }
            MouseEventKind::ScrollDown => {
                pane.scroll(3, session);
                Handled::Yes
            }
            _ => Handled::No,
        };
        self.panes.link(session);
        match handled {
            Handled::Run(c) => self.run(c),
            Handled::No => Flow::Same,
            _ => Flow::Redraw,
        }
    }
}
