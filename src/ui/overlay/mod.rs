//! What is drawn over the panes: the help, a diff, the what-if result, the path explained, a
//! running check, a watch's timeline, an error, the picker, and a line being typed (the `:`
//! command line with completion, a filter, the save name). The keys each one answers are in the keymap.

pub mod draw;
pub mod explain;
pub mod help;
pub mod line;
pub mod picker;
pub mod text;

use self::text::Scroll;
use super::app::App;
use super::event::Flow;
use super::input::LineInput;
use super::keymap::{Cmd, Context, Key};
use super::layout::PaneId;
use super::nav::ListNav;
use crate::explore::session::{Command, NodeId, Picker};

/// What a typed line is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// The `:` command line.
    Command,
    /// A pane's filter.
    Filter(PaneId),
    /// The name to save the path (or a branch) under.
    Save(Option<NodeId>),
}

/// An overlay.
#[derive(Debug)]
pub enum Overlay {
    /// The keys and commands.
    Help(Scroll),
    /// The session's diff.
    Diff(Scroll),
    /// The session's what-if report.
    WhatIf(Scroll),
    /// The current path's explanation, computed when opened.
    Explain(Box<crate::history_view::Explanation>, Scroll),
    /// The running check's progress.
    Check,
    /// Watch `index`'s timeline.
    Watch {
        /// Which watch.
        index: usize,
        /// The selected step.
        nav: ListNav,
    },
    /// An error too long for the status line.
    Error(String, Scroll),
    /// The picker.
    Picker {
        /// The files.
        picker: Picker,
        /// The filter typed.
        query: LineInput,
        /// The selection.
        nav: ListNav,
        /// Why the last choice did not open.
        error: Option<String>,
    },
    /// A line being typed.
    Line {
        /// What for.
        kind: LineKind,
        /// The text.
        input: LineInput,
        /// Completions offered for the text (command line).
        completions: Vec<String>,
    },
}

impl Overlay {
    /// The picker over these files.
    pub fn picker(picker: Picker) -> Overlay {
        Overlay::Picker {
            picker,
            query: LineInput::default(),
            nav: ListNav::default(),
            error: None,
        }
    }

    /// A line to type, starting with `text`.
    pub fn line(kind: LineKind, text: &str) -> Overlay {
        Overlay::Line {
            kind,
            input: LineInput::with(text),
            completions: Vec::new(),
        }
    }

    /// The save-name prompt (for a branch, or the path).
    pub fn save(branch: Option<NodeId>) -> Overlay {
        Overlay::line(LineKind::Save(branch), "")
    }

    /// Watch `index`'s timeline, the cursor's step selected.
    pub fn watch(index: usize, step: usize) -> Overlay {
        Overlay::Watch {
            index,
            nav: ListNav {
                selected: step,
                ..ListNav::default()
            },
        }
    }

    /// The contexts keys are looked up in while this overlay is up.
    pub fn contexts(&self, pane: &[Context]) -> Vec<Context> {
        match self {
            Overlay::Help(_)
            | Overlay::Diff(_)
            | Overlay::WhatIf(_)
            | Overlay::Explain(..)
            | Overlay::Error(..) => vec![Context::Overlay],
            Overlay::Check => [&[Context::Check], pane, &[Context::Global]].concat(),
            Overlay::Watch { .. } => vec![Context::Watch],
            Overlay::Picker { .. } => vec![Context::Picker],
            Overlay::Line { .. } => vec![Context::Input],
        }
    }

    /// The scroll of a text overlay (help, diff, what-if, error).
    pub fn text_scroll(&mut self) -> Option<&mut Scroll> {
        match self {
            Overlay::Help(s)
            | Overlay::Diff(s)
            | Overlay::WhatIf(s)
            | Overlay::Explain(_, s)
            | Overlay::Error(_, s) => Some(s),
            _ => None,
        }
    }

    /// The mouse wheel over the overlay.
    pub fn scroll(&mut self, delta: isize) -> Flow {
        match self {
            Overlay::Help(s)
            | Overlay::Diff(s)
            | Overlay::WhatIf(s)
            | Overlay::Explain(_, s)
            | Overlay::Error(_, s) => {
                s.0 = s.0.saturating_add_signed(delta);
                Flow::Redraw
            }
            Overlay::Watch { nav, .. } | Overlay::Picker { nav, .. } => {
                nav.selected = nav.selected.saturating_add_signed(delta);
                Flow::Redraw
            }
            _ => Flow::Same,
        }
    }
}

impl App {
    /// A key while an overlay is up.
    pub(super) fn overlay_key(&mut self, cmd: Option<Cmd>, key: Key) -> Flow {
        let screen = self.screen.get();
        let height = text::height(screen);
        let Some(mut overlay) = self.overlay.take() else {
            return Flow::Same;
        };
        if overlay.text_scroll().is_some() {
            return match cmd {
                Some(Cmd::Close) => self.close(overlay),
                Some(c) => {
                    let lines = draw::text_lines(self, &overlay).len();
                    if let Some(s) = overlay.text_scroll() {
                        s.handle(c, lines, height);
                    }
                    self.overlay = Some(overlay);
                    Flow::Redraw
                }
                None => {
                    self.overlay = Some(overlay);
                    Flow::Same
                }
            };
        }
        let flow = match &mut overlay {
            Overlay::Help(_)
            | Overlay::Diff(_)
            | Overlay::WhatIf(_)
            | Overlay::Explain(..)
            | Overlay::Error(..) => Flow::Same,
            Overlay::Check => match cmd {
                Some(Cmd::Cancel) => {
                    self.overlay = Some(overlay);
                    return self.run(Command::CancelCheck);
                }
                _ => Flow::Same,
            },
            Overlay::Watch { index, nav } => {
                let index = *index;
                let Some(session) = &self.session else {
                    return Flow::Quit;
                };
                let len = session.watches().get(index).map_or(0, |w| w.points.len());
                let command = match cmd {
                    Some(Cmd::Close) => return Flow::Redraw,
                    Some(Cmd::NextChange) => Some(Command::NextChange(index)),
                    Some(Cmd::PrevChange) => Some(Command::PrevChange(index)),
                    Some(Cmd::Enter) => Some(Command::Goto(nav.selected)),
                    Some(c) => {
                        nav.handle(c, len, height);
                        nav.follow(len, height);
                        None
                    }
                    None => None,
                };
                self.overlay = Some(overlay);
                return match command {
                    Some(c) => {
                        let flow = self.run(c);
                        self.follow_watch();
                        flow
                    }
                    None => Flow::Redraw,
                };
            }
            Overlay::Picker {
                picker,
                query,
                nav,
                error,
            } => {
                let rows = picker::rows(screen);
                match cmd {
                    Some(Cmd::Close) if self.session.is_none() => return Flow::Quit,
                    Some(Cmd::Close) => return Flow::Redraw,
                    Some(Cmd::Enter) => {
                        let chosen = picker.visible().get(nav.selected).map(|e| e.path.clone());
                        if let Some(path) = chosen {
                            *error = None;
                            if self.session.is_none() {
                                self.overlay = Some(overlay);
                                return self.open_first(&path);
                            }
                            return self.run(Command::Open(path));
                        }
                        Flow::Same
                    }
                    Some(c) => {
                        let len = picker.visible().len();
                        nav.handle(c, len, rows);
                        nav.follow(len, rows);
                        Flow::Redraw
                    }
                    None if query.edit(key) => {
                        picker.set_filter(&query.text);
                        *nav = ListNav::default();
                        Flow::Redraw
                    }
                    None => Flow::Same,
                }
            }
            Overlay::Line {
                kind,
                input,
                completions,
            } => {
                let kind = *kind;
                match cmd {
                    Some(Cmd::Close) => {
                        if let LineKind::Filter(pane) = kind
                            && let Some(f) = self.pane_mut(pane).filter()
                        {
                            f.clear();
                        }
                        return Flow::Redraw;
                    }
                    Some(Cmd::Submit) => {
                        let text = input.text.trim().to_string();
                        return match kind {
                            LineKind::Command if text.is_empty() => Flow::Redraw,
                            LineKind::Command
                                if text == "replay" || text.starts_with("replay ") =>
                            {
                                self.replay_line(&text["replay".len()..])
                            }
                            LineKind::Command => self.run(Command::Line(text)),
                            LineKind::Filter(_) => Flow::Redraw,
                            LineKind::Save(branch) => {
                                let name = (!text.is_empty()).then_some(text);
                                match branch {
                                    Some(node) => self.run(Command::SaveBranch(node, name)),
                                    None => self.run(Command::Save(name)),
                                }
                            }
                        };
                    }
                    Some(Cmd::Complete) => {
                        if kind == LineKind::Command
                            && let Some(session) = &self.session
                        {
                            {
                                *completions = session.complete(&input.text);
                                let common = common_prefix(completions);
                                if common.len() > input.text.len() {
                                    input.set(&common);
                                }
                                if completions.len() == 1 {
                                    input.set(&format!("{} ", completions[0]));
                                }
                            }
                        }
                        Flow::Redraw
                    }
                    _ if input.edit(key) => {
                        completions.clear();
                        if let LineKind::Filter(pane) = kind {
                            let text = input.text.clone();
                            if let Some(f) = self.pane_mut(pane).filter() {
                                *f = text;
                            }
                            self.after(None);
                        }
                        Flow::Redraw
                    }
                    _ => Flow::Same,
                }
            }
        };
        self.overlay = Some(overlay);
        flow
    }

    /// Closes a session-backed overlay (the session forgets its diff).
    fn close(&mut self, overlay: Overlay) -> Flow {
        match overlay {
            Overlay::Diff(_) => self.run(Command::CloseDiff),
            _ => Flow::Redraw,
        }
    }

    /// Keeps the watch timeline's selection on the cursor's step.
    fn follow_watch(&mut self) {
        let step = self.session.as_ref().map(|s| s.cursor_step());
        if let (Some(Overlay::Watch { nav, .. }), Some(step)) = (&mut self.overlay, step) {
            nav.selected = step;
        }
    }
}

/// The longest prefix every candidate shares.
fn common_prefix(candidates: &[String]) -> String {
    let Some(first) = candidates.first() else {
        return String::new();
    };
    let mut end = first.len();
    for c in &candidates[1..] {
        end = first
            .char_indices()
            .zip(c.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    first[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::common_prefix;

    #[test]
    fn completion_extends_to_the_common_prefix() {
        let c = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(common_prefix(&c(&["check bfs", "check dfs"])), "check ");
        assert_eq!(common_prefix(&c(&["commit", "consistency"])), "co");
        assert_eq!(common_prefix(&c(&[])), "");
    }
}
