//! The root: the session (or the start picker before one is open), the panes, the overlay on
//! top, and the one place where keys, the mouse and other events become pane commands or
//! session commands. Effects the session returns are carried out here, on the UI thread
//! (they never wait: reading or writing one file, spawning a check's thread).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use ratatui::Frame;
use ratatui::crossterm::event::Event;
use ratatui::layout::Rect;

use super::event::{Flow, Screen, UiEvent};
use super::follow::Before;
use super::keymap::{Cmd, Context, Key, Keymap};
use super::layout::{self, PaneId};
use super::overlay::Overlay;
use super::overlay::text::Scroll;
use super::pane::{Handled, Pane};
use super::panes::Panes;
use super::replay::{Job, Outcome, Target};
use super::theme::Theme;
use super::watcher::FileWatch;
use crate::explore::checker::Strategy;
use crate::explore::session::{CheckSpec, Command, Effect, Overrides, Picker, Session};
use crate::replay::{REGISTRY, Registration};

/// The explorer's application state.
pub struct App {
    /// The session, once a file is open.
    pub session: Option<Session>,
    pub(super) overrides: Overrides,
    pub(super) keymap: Keymap,
    pub(super) theme: Theme,
    pub(super) focus: PaneId,
    pub(super) panes: Panes,
    pub(super) overlay: Option<Overlay>,
    /// The screen's size at the last frame (for page sizes and mouse positions).
    pub(super) screen: Cell<Rect>,
    /// The event channel, for the model file's watcher (none in tests).
    events: Option<Sender<UiEvent>>,
    watch: Option<(PathBuf, FileWatch)>,
    /// A replay of the path running in the background.
    pub(super) replay_job: Option<Job>,
    /// The last replay's status line, until the next session command.
    pub(super) replay_status: Option<(String, bool)>,
    /// The controllers a replay runs (`controllers::REGISTRY`; a test may give its own).
    pub(super) registry: &'static [Registration],
}

impl App {
    /// An explorer on an open session.
    pub fn new(session: Session, keymap: Keymap, theme: Theme) -> App {
        let mut app = App::empty(Overrides::default(), keymap, theme);
        app.session = Some(session);
        app.after(None);
        app
    }

    /// An explorer that starts with the picker over `models/` and `traces/`.
    pub fn with_picker(picker: Picker, overrides: Overrides, keymap: Keymap, theme: Theme) -> App {
        let mut app = App::empty(overrides, keymap, theme);
        app.overlay = Some(Overlay::picker(picker));
        app
    }

    fn empty(overrides: Overrides, keymap: Keymap, theme: Theme) -> App {
        App {
            session: None,
            overrides,
            keymap,
            theme,
            focus: PaneId::Actions,
            panes: Panes::default(),
            overlay: None,
            screen: Cell::new(Rect::new(0, 0, 80, 24)),
            events: None,
            watch: None,
            replay_job: None,
            replay_status: None,
            registry: REGISTRY,
        }
    }

    /// Watches the open model file for changes, sending them on `events`.
    pub fn watch_files(&mut self, events: Sender<UiEvent>) {
        self.events = Some(events);
        self.rewatch();
    }

    /// Starts (or moves) the watcher when the open file is a model other than the watched.
    fn rewatch(&mut self) {
        let (Some(events), Some(session)) = (&self.events, &self.session) else {
            return;
        };
        let path = session.source_path().to_path_buf();
        let watched = self.watch.as_ref().map(|(p, _)| p.as_path());
        if !session.is_model_file() {
            self.watch = None;
        } else if watched != Some(path.as_path()) {
            self.watch = FileWatch::start(&path, events.clone())
                .ok()
                .map(|w| (path, w));
        }
    }

    pub(super) fn pane(&self, id: PaneId) -> &dyn Pane {
        self.panes.get(id)
    }

    pub(super) fn pane_mut(&mut self, id: PaneId) -> &mut dyn Pane {
        self.panes.get_mut(id)
    }

    fn pane_height(&self, id: PaneId) -> usize {
        self.areas().map_or(1, |a| self.pane(id).height(a.pane(id)))
    }

    /// The screen divided as at the last frame: with the lesson panel when one is open, and
    /// the revision DAG in the state tree's place when shown.
    pub(super) fn areas(&self) -> Option<layout::Areas> {
        let lesson = self.session.as_ref().is_some_and(|s| s.lesson().is_some());
        let areas = layout::areas_with(self.screen.get(), lesson)?;
        Some(if self.panes.dag.shown {
            areas.showing(PaneId::Dag, PaneId::State)
        } else {
            areas
        })
    }

    /// Shows the revision DAG in the state tree's place, or the tree again; the focus moves
    /// with it.
    fn toggle_dag(&mut self) {
        let dag = &mut self.panes.dag;
        dag.shown = !dag.shown;
        self.focus = match (self.focus, dag.shown) {
            (PaneId::State, true) => PaneId::Dag,
            (PaneId::Dag, false) => PaneId::State,
            (other, _) => other,
        };
        self.after(None);
    }

    /// The contexts keys are looked up in, the first first.
    pub(super) fn contexts(&self) -> Vec<Context> {
        let mut pane = Vec::new();
        self.pane(self.focus).commands(&mut pane);
        match &self.overlay {
            Some(o) => o.contexts(&pane),
            None => {
                let checking = self.session.as_ref().is_some_and(|s| s.check_running())
                    || self.replay_job.is_some();
                let mut out = if checking {
                    vec![Context::Check]
                } else {
                    Vec::new()
                };
                out.extend(pane);
                out.push(Context::Global);
                out
            }
        }
    }

    /// Sends a command to the session and carries out its effects; overlays follow what
    /// changed (a diff shown, a what-if, a check started, a watch added, an error).
    pub fn run(&mut self, command: Command) -> Flow {
        let Some(session) = &mut self.session else {
            return Flow::Same;
        };
        if !matches!(command, Command::Tick) {
            self.replay_status = None;
        }
        let before = Before::of(session);
        let mut queue = session.handle(command);
        let mut quit = false;
        while let Some(effect) = queue.pop() {
            match effect {
                Effect::Quit => quit = true,
                other => {
                    if let Some(next) = other.perform() {
                        queue.extend(session.handle(next));
                    }
                }
            }
        }
        self.after(Some(before));
        if quit { Flow::Quit } else { Flow::Redraw }
    }

    /// Brings panes and overlays in line with the session after a command.
    pub(super) fn after(&mut self, before: Option<Before>) {
        let Some(session) = &self.session else {
            return;
        };
        self.panes.sync(session);
        let width = self.screen.get().width;
        if let Some(next) = before.and_then(|b| b.overlay_for(session, width)) {
            self.overlay = Some(next);
        }
        let stale = match &self.overlay {
            Some(Overlay::Diff(_)) => session.diff().is_none(),
            Some(Overlay::WhatIf(_)) => session.what_if().is_none(),
            Some(Overlay::Check) => !session.check_running(),
            Some(Overlay::Watch { index, .. }) => *index >= session.watches().len(),
            _ => false,
        };
        if stale {
            self.overlay = None;
        }
        self.rewatch();
    }

    /// Opens the file chosen in the start picker; an error stays in the picker.
    pub(super) fn open_first(&mut self, path: &Path) -> Flow {
        match Session::open(path, &self.overrides) {
            Ok(session) => {
                self.session = Some(session);
                self.overlay = None;
                self.after(None);
            }
            Err(e) => {
                if let Some(Overlay::Picker { error, .. }) = &mut self.overlay {
                    *error = Some(e.to_string());
                }
            }
        }
        Flow::Redraw
    }

    fn key(&mut self, key: Key) -> Flow {
        let cmd = self.keymap.lookup(&self.contexts(), key);
        if cmd == Some(Cmd::ForceQuit) || key == Key::ctrl('c') {
            return Flow::Quit;
        }
        if let Some(overlay) = &self.overlay
            && (!matches!(overlay, Overlay::Check) || cmd == Some(Cmd::Cancel))
        {
            return self.overlay_key(cmd, key);
        }
        let Some(cmd) = cmd else {
            return Flow::Same;
        };
        let height = self.pane_height(self.focus);
        let handled = match &self.session {
            Some(session) => {
                let handled = self.panes.get_mut(self.focus).handle(cmd, session, height);
                self.panes.link(session);
                handled
            }
            None => Handled::No,
        };
        match handled {
            Handled::Yes => Flow::Redraw,
            Handled::Run(c) => self.run(c),
            Handled::Watch(target) => self.watch(&target),
            Handled::SaveBranch(node) => {
                self.overlay = Some(Overlay::save(Some(node)));
                Flow::Redraw
            }
            Handled::No => self.global(cmd),
        }
    }

    fn global(&mut self, cmd: Cmd) -> Flow {
        let command = match cmd {
            Cmd::Quit => return self.run(Command::Quit),
            Cmd::NextPane | Cmd::PrevPane => {
                let forward = cmd == Cmd::NextPane;
                // The DAG takes the state tree's turn when it is shown in its place.
                let dag_shown = self.panes.dag.shown;
                let slot = |p: PaneId| if p == PaneId::Dag { PaneId::State } else { p };
                let pane = |p: PaneId| {
                    if p == PaneId::State && dag_shown {
                        PaneId::Dag
                    } else {
                        p
                    }
                };
                let mut next = pane(slot(self.focus).cycle(forward));
                // A pane the layout leaves out (the properties beside a lesson) is skipped.
                if self.areas().is_some_and(|a| a.pane(next).area() == 0) {
                    next = pane(slot(next).cycle(forward));
                }
                self.focus = next;
                return Flow::Redraw;
            }
            Cmd::ToggleDag => {
                self.toggle_dag();
                return Flow::Redraw;
            }
            Cmd::Help => {
                self.overlay = Some(Overlay::Help(Scroll::default()));
                return Flow::Redraw;
            }
            Cmd::CommandLine => {
                self.overlay = Some(Overlay::line(super::overlay::LineKind::Command, ""));
                return Flow::Redraw;
            }
            Cmd::Filter => {
                if let Some(f) = self.pane_mut(self.focus).filter() {
                    f.clear();
                }
                let kind = super::overlay::LineKind::Filter(self.focus);
                self.overlay = Some(Overlay::line(kind, ""));
                return Flow::Redraw;
            }
            Cmd::Close => {
                if let Some(f) = self.pane_mut(self.focus).filter() {
                    f.clear();
                }
                self.after(None);
                return Flow::Redraw;
            }
            Cmd::Save => {
                self.overlay = Some(Overlay::save(None));
                return Flow::Redraw;
            }
            Cmd::Explain => {
                if let Some(session) = &self.session {
                    let explanation = Box::new(session.explanation());
                    self.overlay = Some(Overlay::Explain(explanation, Scroll::default()));
                }
                return Flow::Redraw;
            }
            Cmd::Open => {
                let picker = Picker::scan(Path::new("models"), Path::new("traces"));
                self.overlay = Some(Overlay::picker(picker));
                return Flow::Redraw;
            }
            Cmd::Back => Command::Back,
            Cmd::Redo => Command::Redo,
            Cmd::First => Command::First,
            Cmd::Last => Command::Last,
            Cmd::Diff => Command::DiffMarked,
            Cmd::Mark => Command::Mark,
            Cmd::Check => Command::Check(CheckSpec::of(Strategy::Bfs)),
            Cmd::Replay => return self.start_replay(Target::Memory),
            Cmd::Cancel if self.replay_job.is_some() => {
                self.replay_job = None;
                self.replay_status = Some(("replay cancelled".into(), false));
                return Flow::Redraw;
            }
            Cmd::Cancel => Command::CancelCheck,
            _ => return Flow::Same,
        };
        self.run(command)
    }

    /// Starts replaying the current path against `target` in the background (one replay at
    /// a time: a new one replaces the running one).
    pub(super) fn start_replay(&mut self, target: Target) -> Flow {
        let Some(session) = &self.session else {
            return Flow::Same;
        };
        let leaf = session.tree().leaf(session.tree().cursor());
        let trace = session.trace_of(leaf);
        let job = Job::start(trace, leaf, target, self.registry);
        self.replay_status = Some((
            format!("replay against {} running · Esc cancels", job.target),
            false,
        ));
        self.replay_job = Some(job);
        Flow::Redraw
    }

    /// Starts a replay from the command line's words after `replay`.
    pub(super) fn replay_line(&mut self, words: &str) -> Flow {
        match Target::parse(words) {
            Ok(target) => self.start_replay(target),
            Err(e) => {
                self.replay_status = Some((e, true));
                Flow::Redraw
            }
        }
    }

    /// Takes a finished replay's result: the path's marks, the cursor on the first
    /// divergent step, the status line.
    pub(super) fn poll_replay(&mut self) -> Flow {
        let Some(job) = &self.replay_job else {
            return Flow::Same;
        };
        let Some(result) = job.poll() else {
            return Flow::Same;
        };
        let outcome = match &result {
            Ok(report) => Outcome::of(report, job.leaf, job.path_len, &job.target),
            Err(e) => Outcome::failed(job.leaf, job.path_len, &job.target, e),
        };
        self.replay_job = None;
        if let Some(step) = outcome.divergence {
            self.run(Command::Goto(step));
            self.focus = PaneId::Path;
        }
        self.replay_status = Some((outcome.status.clone(), outcome.bad));
        self.panes.path.replay = Some(outcome);
        if let Some(session) = &self.session {
            self.panes.sync(session);
        }
        Flow::Redraw
    }

    /// Watches a field (`Pod/web-0 spec.nodeName`) and shows its timeline; the session parses
    /// the target as it parses `:watch`.
    fn watch(&mut self, target: &str) -> Flow {
        self.run(Command::Line(format!("watch {target}")))
    }

    /// Saves the current path under `dir` after a panic; its file.
    pub fn rescue(&self, dir: &Path) -> Option<PathBuf> {
        let session = self.session.as_ref()?;
        let trace = session.trace_of(session.tree().leaf(session.tree().cursor()));
        let path = dir.join(format!("panic-{}", trace.file_name()));
        crate::explore::session::command::write_atomically(&path, &trace.to_json()).ok()?;
        Some(path)
    }
}

impl Screen for App {
    fn handle(&mut self, event: UiEvent) -> Flow {
        match event {
            UiEvent::Term(Event::Key(k)) => match Key::of(&k) {
                Some(key) => self.key(key),
                None => Flow::Same,
            },
            UiEvent::Term(Event::Mouse(m)) => self.mouse(m.kind, m.column, m.row),
            UiEvent::Term(Event::Resize(w, h)) => {
                self.screen.set(Rect::new(0, 0, w, h));
                Flow::Redraw
            }
            UiEvent::Term(_) => Flow::Same,
            UiEvent::FileChanged => self.run(Command::Reload),
            UiEvent::Tick => {
                let replayed = self.poll_replay();
                match self.run(Command::Tick) {
                    Flow::Same => replayed,
                    other => other,
                }
            }
        }
    }

    fn draw(&self, frame: &mut Frame) {
        self.screen.set(frame.area());
        super::draw::draw(self, frame);
    }

    fn tick(&self) -> Option<Duration> {
        self.session
            .as_ref()
            .filter(|s| s.check_running() || self.replay_job.is_some())
            .map(|_| Duration::from_millis(100))
    }
}
