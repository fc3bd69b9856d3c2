//! Which overlay a session command's result opens: a check started, a new what-if report, a
//! diff, a new watch, or an error too long for the status line.

use super::overlay::Overlay;
use super::overlay::text::Scroll;
use crate::explore::session::{Session, WhatIfReport};

/// What the session showed before a command, to tell which overlay its result opens.
pub(super) struct Before {
    diff: bool,
    what_if: Option<WhatIfReport>,
    check: bool,
    watches: usize,
    message: Option<String>,
}

impl Before {
    /// What the session shows now.
    pub(super) fn of(session: &Session) -> Before {
        Before {
            diff: session.diff().is_some(),
            what_if: session.what_if().cloned(),
            check: session.check_running(),
            watches: session.watches().len(),
            message: session.message().map(|m| m.text.clone()),
        }
    }

    /// The overlay the change since opens, if any; an error opens one when it takes more than
    /// half the status line of a screen `width` wide.
    pub(super) fn overlay_for(&self, session: &Session, width: u16) -> Option<Overlay> {
        let watches = session.watches().len();
        if session.check_running() && !self.check {
            Some(Overlay::Check)
        } else if session.what_if().is_some() && session.what_if().cloned() != self.what_if {
            Some(Overlay::WhatIf(Scroll::default()))
        } else if session.diff().is_some() && !self.diff {
            Some(Overlay::Diff(Scroll::default()))
        } else if watches > self.watches {
            Some(Overlay::watch(watches - 1, session.cursor_step()))
        } else {
            match session.message() {
                Some(m)
                    if m.error
                        && Some(&m.text) != self.message.as_ref()
                        && m.text.chars().count() > usize::from(width / 2) =>
                {
                    Some(Overlay::Error(m.text.clone(), Scroll::default()))
                }
                _ => None,
            }
        }
    }
}
