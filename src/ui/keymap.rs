//! The one keymap: every key the explorer answers is decided here, per context, and the
//! footer and the `?` help are written from the same table, so they never drift. A key bound
//! twice in one context is an error when the keymap is built.

use std::collections::HashMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a key is looked up: the focused pane's context first, then [`Context::Global`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Any pane (not overlays, the picker or text input).
    Global,
    /// The path timeline.
    Path,
    /// The state tree.
    State,
    /// The next actions.
    Actions,
    /// The properties.
    Properties,
    /// The revision DAG.
    Dag,
    /// A read-only overlay (help, diff, what-if result, error).
    Overlay,
    /// The check-progress overlay.
    Check,
    /// The watch timeline.
    Watch,
    /// The model and trace picker (typed characters filter).
    Picker,
    /// A line of text being typed (command line, filter, save name).
    Input,
}

impl Context {
    /// The name shown in the help.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "everywhere",
            Context::Path => "path",
            Context::State => "state",
            Context::Actions => "next actions",
            Context::Properties => "properties",
            Context::Dag => "revision DAG",
            Context::Overlay => "overlays",
            Context::Check => "check progress",
            Context::Watch => "watch",
            Context::Picker => "picker",
            Context::Input => "typing",
        }
    }
}

/// What a key asks for. The root maps each to a pane's handler or a Session command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmd {
    /// Quit (q).
    Quit,
    /// Quit from anywhere, text input included (Ctrl-C).
    ForceQuit,
    /// Focus the next pane.
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Select the previous row.
    Up,
    /// Select the next row.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// The first row.
    Top,
    /// The last row.
    Bottom,
    /// Collapse (state tree); the previous read of a group (actions).
    Collapse,
    /// Expand (state tree); the next read of a group (actions).
    Expand,
    /// The focused pane's main action (take, jump, toggle, open).
    Enter,
    /// Filter the focused list or tree.
    Filter,
    /// Open the command line.
    CommandLine,
    /// Show the keys.
    Help,
    /// Back one step.
    Back,
    /// Redo one step.
    Redo,
    /// The path's first step.
    First,
    /// The path's last step.
    Last,
    /// Diff the current state against the previous one.
    Diff,
    /// Mark the current step for a diff.
    Mark,
    /// Diff the selected branch against the path.
    DiffMark,
    /// Save the path as a trace (asks the name).
    Save,
    /// Open a trace or a model (picker).
    Open,
    /// Check from here (breadth-first).
    Check,
    /// Explain the path: its stale reads and the broken property, in sentences.
    Explain,
    /// Watch the selected field.
    Watch,
    /// The next branch at a fork (path).
    NextBranch,
    /// Close the overlay; cancel the input.
    Close,
    /// Cancel the running check.
    Cancel,
    /// Jump to the next change (watch).
    NextChange,
    /// Jump to the previous change (watch).
    PrevChange,
    /// Complete the word being typed (command line).
    Complete,
    /// Accept the typed text.
    Submit,
    /// Show the revision DAG in the state tree's place, or the tree again.
    ToggleDag,
    /// Replay the path against the deployed controllers on the memory store.
    Replay,
}

/// A key with its modifiers; `Shift` is folded into the character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl or Alt (Shift only for non-character keys).
    pub mods: KeyModifiers,
}

impl Key {
    /// A key without modifiers.
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    /// A character key.
    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    /// A character with Ctrl.
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// The key of a press; `None` for releases and repeats, which the explorer ignores.
    pub fn of(event: &KeyEvent) -> Option<Key> {
        if event.kind != KeyEventKind::Press {
            return None;
        }
        let mut mods = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::BackTab => KeyCode::BackTab,
            KeyCode::Char(c) if event.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Char(c) => KeyCode::Char(c),
            other => {
                mods |= event.modifiers & KeyModifiers::SHIFT;
                other
            }
        };
        Some(Key { code, mods })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Backspace => f.write_str("Backspace"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One row of the table: a key, where it applies, what it does, and how the help says it.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// The key.
    pub key: Key,
    /// Where it applies.
    pub context: Context,
    /// What it does.
    pub cmd: Cmd,
    /// The words of the footer and the help; bindings that share words are shown together.
    pub help: &'static str,
    /// Whether the footer shows it (the help shows every binding).
    pub footer: bool,
}

const fn b(key: Key, context: Context, cmd: Cmd, help: &'static str, footer: bool) -> Binding {
    Binding {
        key,
        context,
        cmd,
        help,
        footer,
    }
}

use Context as X;
use KeyCode as K;

/// The explorer's keys: the only place keys are decided.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    b(Key::ctrl('c'), X::Global, Cmd::ForceQuit, "quit", false),
    b(Key::ch('q'), X::Global, Cmd::Quit, "quit", true),
    b(Key::plain(K::Tab), X::Global, Cmd::NextPane, "next pane", true),
    b(Key::plain(K::BackTab), X::Global, Cmd::PrevPane, "previous pane", false),
    b(Key::ch('?'), X::Global, Cmd::Help, "help", true),
    b(Key::ch(':'), X::Global, Cmd::CommandLine, "command", true),
    b(Key::ch('/'), X::Global, Cmd::Filter, "filter", false),
    b(Key::ch('b'), X::Global, Cmd::Back, "back", true),
    b(Key::plain(K::Backspace), X::Global, Cmd::Back, "back", false),
    b(Key::ch('f'), X::Global, Cmd::Redo, "redo", true),
    b(Key::ch('g'), X::Global, Cmd::First, "first step", false),
    b(Key::ch('G'), X::Global, Cmd::Last, "last step", false),
    b(Key::ch('d'), X::Global, Cmd::Diff, "diff (with the mark, or the previous step)", false),
    b(Key::ch('m'), X::Global, Cmd::Mark, "mark step", false),
    b(Key::ch('s'), X::Global, Cmd::Save, "save trace", false),
    b(Key::ch('o'), X::Global, Cmd::Open, "open", false),
    b(Key::ch('c'), X::Global, Cmd::Check, "check from here (bfs)", false),
    b(Key::ch('R'), X::Global, Cmd::Replay, "replay the path against the controllers (:replay etcd URL)", false),
    b(Key::ch('e'), X::Global, Cmd::Explain, "explain the path (stale reads, the broken property)", false),
    b(Key::ch('k'), X::Global, Cmd::Up, "up", false),
    b(Key::plain(K::Up), X::Global, Cmd::Up, "up", false),
    b(Key::ch('j'), X::Global, Cmd::Down, "down", false),
    b(Key::plain(K::Down), X::Global, Cmd::Down, "down", false),
    b(Key::plain(K::PageUp), X::Global, Cmd::PageUp, "page up", false),
    b(Key::plain(K::PageDown), X::Global, Cmd::PageDown, "page down", false),
    b(Key::plain(K::Home), X::Global, Cmd::Top, "top", false),
    b(Key::plain(K::End), X::Global, Cmd::Bottom, "bottom", false),
    b(Key::plain(K::Esc), X::Global, Cmd::Close, "clear filter", false),
    b(Key::plain(K::Enter), X::Path, Cmd::Enter, "go to step / switch branch", true),
    b(Key::ch('h'), X::Path, Cmd::Back, "back", false),
    b(Key::plain(K::Left), X::Path, Cmd::Back, "back", false),
    b(Key::ch('l'), X::Path, Cmd::Redo, "redo", false),
    b(Key::plain(K::Right), X::Path, Cmd::Redo, "redo", false),
    b(Key::ch('n'), X::Path, Cmd::NextBranch, "next branch", true),
    b(Key::ch('D'), X::Path, Cmd::DiffMark, "diff branch with path", false),
    b(Key::plain(K::Enter), X::State, Cmd::Enter, "open/close", true),
    b(Key::ch('l'), X::State, Cmd::Expand, "open", false),
    b(Key::plain(K::Right), X::State, Cmd::Expand, "open", false),
    b(Key::ch('h'), X::State, Cmd::Collapse, "close", false),
    b(Key::plain(K::Left), X::State, Cmd::Collapse, "close", false),
    b(Key::ch('w'), X::State, Cmd::Watch, "watch field", true),
    b(Key::ch('r'), X::State, Cmd::ToggleDag, "revision DAG", true),
    b(Key::ch('r'), X::Global, Cmd::ToggleDag, "revision DAG / state tree", false),
    b(Key::plain(K::Enter), X::Dag, Cmd::Enter, "diff revision with latest", true),
    b(Key::ch('r'), X::Dag, Cmd::ToggleDag, "state tree", true),
    b(Key::plain(K::Esc), X::Dag, Cmd::Close, "unselect revision", false),
    b(Key::plain(K::Enter), X::Actions, Cmd::Enter, "take action", true),
    b(Key::ch('l'), X::Actions, Cmd::Expand, "next/previous read", true),
    b(Key::plain(K::Right), X::Actions, Cmd::Expand, "next/previous read", false),
    b(Key::ch('h'), X::Actions, Cmd::Collapse, "next/previous read", false),
    b(Key::plain(K::Left), X::Actions, Cmd::Collapse, "next/previous read", false),
    b(Key::plain(K::Esc), X::Overlay, Cmd::Close, "close", true),
    b(Key::ch('q'), X::Overlay, Cmd::Close, "close", false),
    b(Key::plain(K::Enter), X::Overlay, Cmd::Close, "close", false),
    b(Key::ch('k'), X::Overlay, Cmd::Up, "scroll", true),
    b(Key::plain(K::Up), X::Overlay, Cmd::Up, "scroll", false),
    b(Key::ch('j'), X::Overlay, Cmd::Down, "scroll", false),
    b(Key::plain(K::Down), X::Overlay, Cmd::Down, "scroll", false),
    b(Key::plain(K::PageUp), X::Overlay, Cmd::PageUp, "page", false),
    b(Key::plain(K::PageDown), X::Overlay, Cmd::PageDown, "page", false),
    b(Key::ctrl('c'), X::Overlay, Cmd::ForceQuit, "quit", false),
    b(Key::plain(K::Esc), X::Check, Cmd::Cancel, "cancel check", true),
    b(Key::ctrl('c'), X::Check, Cmd::ForceQuit, "quit", false),
    b(Key::plain(K::Esc), X::Watch, Cmd::Close, "close", true),
    b(Key::ch('q'), X::Watch, Cmd::Close, "close", false),
    b(Key::ch('n'), X::Watch, Cmd::NextChange, "next change", true),
    b(Key::ch('N'), X::Watch, Cmd::PrevChange, "previous change", true),
    b(Key::ch('k'), X::Watch, Cmd::Up, "up", false),
    b(Key::plain(K::Up), X::Watch, Cmd::Up, "up", false),
    b(Key::ch('j'), X::Watch, Cmd::Down, "down", false),
    b(Key::plain(K::Down), X::Watch, Cmd::Down, "down", false),
    b(Key::plain(K::Enter), X::Watch, Cmd::Enter, "go to step", true),
    b(Key::ctrl('c'), X::Watch, Cmd::ForceQuit, "quit", false),
    b(Key::plain(K::Up), X::Picker, Cmd::Up, "up", false),
    b(Key::plain(K::Down), X::Picker, Cmd::Down, "down", false),
    b(Key::plain(K::PageUp), X::Picker, Cmd::PageUp, "page up", false),
    b(Key::plain(K::PageDown), X::Picker, Cmd::PageDown, "page down", false),
    b(Key::plain(K::Enter), X::Picker, Cmd::Enter, "open", true),
    b(Key::plain(K::Esc), X::Picker, Cmd::Close, "close", true),
    b(Key::ctrl('c'), X::Picker, Cmd::ForceQuit, "quit", true),
    b(Key::plain(K::Enter), X::Input, Cmd::Submit, "accept", true),
    b(Key::plain(K::Esc), X::Input, Cmd::Close, "cancel", true),
    b(Key::plain(K::Tab), X::Input, Cmd::Complete, "complete", true),
    b(Key::ctrl('c'), X::Input, Cmd::ForceQuit, "quit", false),
];

/// A key bound twice in one context.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("keymap: `{key}` is bound twice in the {context} context ({first:?} and {second:?})")]
pub struct DuplicateKey {
    /// The key.
    pub key: String,
    /// The context's name.
    pub context: &'static str,
    /// The first command.
    pub first: Cmd,
    /// The second command.
    pub second: Cmd,
}

/// The keymap, built from a table of bindings.
#[derive(Debug)]
pub struct Keymap {
    bindings: &'static [Binding],
    lookup: HashMap<(Context, Key), Cmd>,
}

impl Keymap {
    /// Builds the keymap; a key bound twice in one context is an error.
    pub fn new(bindings: &'static [Binding]) -> Result<Keymap, DuplicateKey> {
        let mut lookup = HashMap::new();
        for binding in bindings {
            if let Some(first) = lookup.insert((binding.context, binding.key), binding.cmd) {
                return Err(DuplicateKey {
                    key: binding.key.to_string(),
                    context: binding.context.name(),
                    first,
                    second: binding.cmd,
                });
            }
        }
        Ok(Keymap { bindings, lookup })
    }

    /// The explorer's keymap.
    pub fn standard() -> Result<Keymap, DuplicateKey> {
        Keymap::new(BINDINGS)
    }

    /// The command of a key: the first of `contexts` that binds it.
    pub fn lookup(&self, contexts: &[Context], key: Key) -> Option<Cmd> {
        contexts
            .iter()
            .find_map(|c| self.lookup.get(&(*c, key)).copied())
    }

    /// The footer's entries for `contexts` (`key help`, keys that share words joined by `/`),
    /// the focused context's first.
    pub fn footer(&self, contexts: &[Context]) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = Vec::new();
        for context in contexts {
            for binding in self.bindings.iter().filter(|b| b.context == *context) {
                if !binding.footer || self.shadowed(contexts, context, binding) {
                    continue;
                }
                push_joined(&mut out, binding);
            }
        }
        out
    }

    /// The help: per context, every binding (`keys`, `help`).
    pub fn help(&self) -> Vec<(Context, Vec<(String, &'static str)>)> {
        let mut contexts: Vec<Context> = Vec::new();
        for binding in self.bindings {
            if !contexts.contains(&binding.context) {
                contexts.push(binding.context);
            }
        }
        contexts
            .into_iter()
            .map(|context| {
                let mut rows = Vec::new();
                for binding in self.bindings.iter().filter(|b| b.context == context) {
                    push_joined(&mut rows, binding);
                }
                (context, rows)
            })
            .collect()
    }

    /// Whether a context before `context` in `contexts` binds the same key.
    fn shadowed(&self, contexts: &[Context], context: &Context, binding: &Binding) -> bool {
        contexts
            .iter()
            .take_while(|c| *c != context)
            .any(|c| self.lookup.contains_key(&(*c, binding.key)))
    }
}

fn push_joined(out: &mut Vec<(String, &'static str)>, binding: &Binding) {
    match out.iter_mut().find(|(_, help)| *help == binding.help) {
        Some((keys, _)) => {
            keys.push('/');
            keys.push_str(&binding.key.to_string());
        }
        None => out.push((binding.key.to_string(), binding.help)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventState;

    #[test]
    fn the_standard_keymap_binds_no_key_twice_in_a_context() {
        assert!(Keymap::standard().is_ok());
    }

    #[test]
    fn a_key_bound_twice_in_one_context_is_an_error_but_not_across_contexts() {
        static TWICE: &[Binding] = &[
            b(Key::ch('x'), Context::Path, Cmd::Back, "back", true),
            b(Key::ch('x'), Context::Path, Cmd::Redo, "redo", true),
        ];
        let err = Keymap::new(TWICE).unwrap_err();
        assert_eq!(err.key, "x");
        assert_eq!(err.context, "path");
        assert!(err.to_string().contains("bound twice"), "{err}");
        static APART: &[Binding] = &[
            b(Key::ch('x'), Context::Path, Cmd::Back, "back", true),
            b(Key::ch('x'), Context::State, Cmd::Redo, "redo", true),
        ];
        let keymap = Keymap::new(APART).unwrap();
        assert_eq!(
            keymap.lookup(&[Context::State], Key::ch('x')),
            Some(Cmd::Redo)
        );
        assert_eq!(
            keymap.lookup(&[Context::Path], Key::ch('x')),
            Some(Cmd::Back)
        );
    }

    #[test]
    fn the_focused_context_wins_and_global_is_the_fallback() {
        let keymap = Keymap::standard().unwrap();
        let path = [Context::Path, Context::Global];
        assert_eq!(keymap.lookup(&path, Key::ch('l')), Some(Cmd::Redo));
        let state = [Context::State, Context::Global];
        assert_eq!(keymap.lookup(&state, Key::ch('l')), Some(Cmd::Expand));
        assert_eq!(keymap.lookup(&state, Key::ch('q')), Some(Cmd::Quit));
        assert_eq!(keymap.lookup(&[Context::Input], Key::ch('q')), None);
        assert_eq!(
            keymap.lookup(&[Context::Input], Key::ctrl('c')),
            Some(Cmd::ForceQuit)
        );
    }

    #[test]
    fn releases_and_repeats_are_ignored_and_shift_folds_into_the_character() {
        let press = |code, modifiers, kind| KeyEvent {
            code,
            modifiers,
            kind,
            state: KeyEventState::NONE,
        };
        let g = press(KeyCode::Char('G'), KeyModifiers::SHIFT, KeyEventKind::Press);
        assert_eq!(Key::of(&g), Some(Key::ch('G')));
        let release = press(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
        );
        assert_eq!(Key::of(&release), None);
        let repeat = press(KeyCode::Down, KeyModifiers::NONE, KeyEventKind::Repeat);
        assert_eq!(Key::of(&repeat), None);
        let ctrl = press(
            KeyCode::Char('C'),
            KeyModifiers::CONTROL,
            KeyEventKind::Press,
        );
        assert_eq!(Key::of(&ctrl), Some(Key::ctrl('c')));
    }

    #[test]
    fn the_footer_and_help_come_from_the_table() {
        let keymap = Keymap::standard().unwrap();
        let footer = keymap.footer(&[Context::Actions, Context::Global]);
        assert_eq!(footer[0], ("Enter".to_string(), "take action"));
        assert!(footer.iter().any(|(k, h)| k == "q" && *h == "quit"));
        let help = keymap.help();
        let global = &help.iter().find(|(c, _)| *c == Context::Global).unwrap().1;
        assert!(
            global.iter().any(|(k, h)| k == "k/↑" && *h == "up"),
            "{global:?}"
        );
    }
}
