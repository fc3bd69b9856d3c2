//! Where each pane goes. A compact layout at 80x24 (two rows of two panes), a wide one from
//! 140 columns (three columns); a terminal smaller than 80x24 gets no panes, only a message. The
//! panes are a list of [`PaneId`]s placed by one function, so a new pane (the revision DAG)
//! is one more variant, one more place here and one more field of `panes::Panes`.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

/// The smallest terminal the explorer draws in.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal the explorer draws in.
pub const MIN_HEIGHT: u16 = 24;
/// From this width on, three columns.
pub const WIDE: u16 = 140;

/// The panes, in focus order (Tab).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaneId {
    /// The path timeline.
    Path,
    /// The next actions with the selected one's preview.
    Actions,
    /// The state tree.
    State,
    /// The properties.
    Properties,
    /// The revision DAG, in the state tree's place when shown (not in [`PaneId::ALL`]).
    Dag,
}

impl PaneId {
    /// Every pane, in focus order.
    pub const ALL: [PaneId; 4] = [
        PaneId::Path,
        PaneId::Actions,
        PaneId::State,
        PaneId::Properties,
    ];

    /// The pane after this one (Tab), or before it (Shift-Tab).
    pub fn cycle(self, forward: bool) -> PaneId {
        let n = PaneId::ALL.len();
        let i = PaneId::ALL.iter().position(|p| *p == self).unwrap_or(0);
        PaneId::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// The screen, divided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Areas {
    /// The header (two lines).
    pub header: Rect,
    /// Each pane's rectangle.
    pub panes: Vec<(PaneId, Rect)>,
    /// The status line (the last line).
    pub status: Rect,
    /// The lesson panel, when a lesson is open ([`areas_with`]).
    pub lesson: Option<Rect>,
}

impl Areas {
    /// A pane's rectangle.
    pub fn pane(&self, id: PaneId) -> Rect {
        self.panes
            .iter()
            .find(|(p, _)| *p == id)
            .map_or(Rect::default(), |(_, r)| *r)
    }

    /// The same areas with pane `shown` in the place of pane `instead_of`.
    pub fn showing(mut self, shown: PaneId, instead_of: PaneId) -> Areas {
        for (id, _) in &mut self.panes {
            if *id == instead_of {
                *id = shown;
            }
        }
        self
    }

    /// The pane under a screen position.
    pub fn pane_at(&self, x: u16, y: u16) -> Option<PaneId> {
        self.panes
            .iter()
            .find(|(_, r)| r.contains(ratatui::layout::Position { x, y }))
            .map(|(p, _)| *p)
    }
}

/// Divides the screen; `None` when it is smaller than [`MIN_WIDTH`] x [`MIN_HEIGHT`].
pub fn areas(screen: Rect) -> Option<Areas> {
    areas_with(screen, false)
}

/// Divides the screen, with room for the lesson panel when `lesson`: in the wide layout
/// under the actions, in the compact one in the properties' place (which are then not shown).
pub fn areas_with(screen: Rect, lesson: bool) -> Option<Areas> {
    if screen.width < MIN_WIDTH || screen.height < MIN_HEIGHT {
        return None;
    }
    let [header, body, status] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(screen);
    let mut lesson_area = None;
    let panes = if screen.width >= WIDE {
        let [left, middle, right] = Layout::horizontal([
            Constraint::Percentage(32),
            Constraint::Percentage(30),
            Constraint::Percentage(38),
        ])
        .areas(body);
        let [path, properties] = split(left, Direction::Vertical, 70);
        let right = if lesson {
            let [actions, panel] = split(right, Direction::Vertical, 55);
            lesson_area = Some(panel);
            actions
        } else {
            right
        };
        vec![
            (PaneId::Path, path),
            (PaneId::State, middle),
            (PaneId::Actions, right),
            (PaneId::Properties, properties),
        ]
    } else if lesson {
        let [top, bottom] = split(body, Direction::Vertical, 38);
        let [path, state] = split(top, Direction::Horizontal, 50);
        let [actions, panel] = split(bottom, Direction::Horizontal, 55);
        lesson_area = Some(panel);
        vec![
            (PaneId::Path, path),
            (PaneId::Actions, actions),
            (PaneId::State, state),
        ]
    } else {
        let [top, bottom] = split(body, Direction::Vertical, 38);
        let [path, state] = split(top, Direction::Horizontal, 50);
        let [actions, properties] = split(bottom, Direction::Horizontal, 70);
        vec![
            (PaneId::Path, path),
            (PaneId::Actions, actions),
            (PaneId::State, state),
            (PaneId::Properties, properties),
        ]
    };
    Some(Areas {
        header,
        panes,
        status,
        lesson: lesson_area,
    })
}

fn split(area: Rect, direction: Direction, first: u16) -> [Rect; 2] {
    Layout::default()
        .direction(direction)
        .constraints([Constraint::Percentage(first), Constraint::Min(0)])
        .areas(area)
}

/// A centred rectangle of at most `width` x `height` inside `area` (an overlay).
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_terminals_get_no_layout_and_larger_ones_use_their_room() {
        assert_eq!(areas(Rect::new(0, 0, 79, 24)), None);
        assert_eq!(areas(Rect::new(0, 0, 80, 23)), None);
        let compact = areas(Rect::new(0, 0, 80, 24)).unwrap();
        let wide = areas(Rect::new(0, 0, 160, 48)).unwrap();
        for id in PaneId::ALL {
            assert!(compact.pane(id).area() > 0, "{id:?}");
            assert!(wide.pane(id).area() > compact.pane(id).area(), "{id:?}");
        }
        assert_eq!(compact.status.y, 23);
        assert_eq!(wide.pane_at(1, 3), Some(PaneId::Path));
        assert_eq!(wide.pane_at(1, 0), None);
    }

    #[test]
    fn a_lesson_gets_its_panel_beside_the_actions() {
        for size in [Rect::new(0, 0, 80, 24), Rect::new(0, 0, 160, 48)] {
            let plain = areas(size).unwrap();
            let with = areas_with(size, true).unwrap();
            assert_eq!(plain.lesson, None);
            let panel = with.lesson.expect("a lesson panel");
            assert!(panel.width >= 30 && panel.height >= 8, "{panel:?}");
            for (id, area) in &with.panes {
                assert!(
                    area.intersection(panel).is_empty(),
                    "{id:?} under the panel"
                );
            }
            assert!(with.pane(PaneId::Actions).area() > 0);
        }
        let compact = areas_with(Rect::new(0, 0, 80, 24), true).unwrap();
        assert_eq!(compact.pane(PaneId::Properties).area(), 0);
    }

    #[test]
    fn tab_cycles_through_every_pane() {
        let mut p = PaneId::Path;
        for _ in 0..PaneId::ALL.len() {
            p = p.cycle(true);
        }
        assert_eq!(p, PaneId::Path);
        assert_eq!(PaneId::Path.cycle(false), PaneId::Properties);
    }
}
