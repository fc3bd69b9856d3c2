//! A scrollable box of text over the screen: the frame of the help, diff, what-if, watch and
//! error overlays.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::ui::keymap::Cmd;
use crate::ui::layout::centred;
use crate::ui::theme::Theme;

/// A scroll position in a box of text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scroll(pub usize);

impl Scroll {
    /// Scrolls for a navigation command; whether it was one.
    pub fn handle(&mut self, cmd: Cmd, lines: usize, height: usize) -> bool {
        let last = lines.saturating_sub(height.max(1));
        self.0 = match cmd {
            Cmd::Up => self.0.saturating_sub(1),
            Cmd::Down => (self.0 + 1).min(last),
            Cmd::PageUp => self.0.saturating_sub(height.max(1)),
            Cmd::PageDown => (self.0 + height.max(1)).min(last),
            Cmd::Top => 0,
            Cmd::Bottom => last,
            _ => return false,
        };
        true
    }
}

/// The rectangle of an overlay in a screen: most of it, at most 120 columns wide.
pub fn area(screen: Rect) -> Rect {
    centred(
        screen,
        screen.width.saturating_sub(6).min(120),
        screen.height.saturating_sub(4),
    )
}

/// The number of text rows an overlay shows in a screen.
pub fn height(screen: Rect) -> usize {
    usize::from(area(screen).height.saturating_sub(3))
}

/// Draws a titled box of lines, scrolled, with a one-line hint at its foot.
pub fn draw(
    frame: &mut Frame,
    screen: Rect,
    theme: &Theme,
    title: &str,
    lines: Vec<Line<'static>>,
    scroll: Scroll,
    hint: &str,
) {
    let area = area(screen);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus())
        .title(Span::styled(format!(" {title} "), theme.title()))
        .title_bottom(Span::styled(format!(" {hint} "), theme.dim()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let total = lines.len();
    let shown: Vec<Line<'static>> = lines.into_iter().skip(scroll.0).collect();
    frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: false }), inner);
    if total > usize::from(inner.height) {
        let more = format!(
            " {}-{} of {total} ",
            scroll.0 + 1,
            (scroll.0 + usize::from(inner.height)).min(total)
        );
        let width = more.chars().count() as u16;
        if inner.width > width {
            let tag = Rect {
                x: inner.x + inner.width - width,
                y: area.y,
                width,
                height: 1,
            };
            frame.render_widget(Paragraph::new(Span::styled(more, theme.dim())), tag);
        }
    }
}
