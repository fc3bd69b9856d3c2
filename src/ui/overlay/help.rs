//! The `?` help: every binding of the keymap, by context, and the `:` commands, all written
//! from their tables.

use ratatui::text::{Line, Span};

use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;

/// The help's lines: the keymap's contexts, then the commands (name, arguments and text).
pub fn lines(keymap: &Keymap, commands: &[(&str, &str)], theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (context, rows) in keymap.help() {
        out.push(Line::styled(
            format!("keys: {}", context.name()),
            theme.title(),
        ));
        let width = rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (keys, help) in rows {
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<width$}  "), theme.key()),
                Span::raw(help),
            ]));
        }
        out.push(Line::raw(""));
    }
    out.extend(dag_legend(theme));
    out.push(Line::styled(
        "commands (type : then a command; Tab completes)",
        theme.title(),
    ));
    let width = commands.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, text) in commands {
        out.push(Line::from(vec![
            Span::styled(format!("  :{name:<width$}  "), theme.key()),
            Span::raw(text.to_string()),
        ]));
    }
    out
}

/// How the revision DAG (`r`) is drawn.
fn dag_legend(theme: &Theme) -> Vec<Line<'static>> {
    let rows = [
        (
            "● ◆ × ○",
            "latest, commit point, lost, any other revision (newest at the top)",
        ),
        (
            "lit",
            "what the next actions' controller may read now; `read`: what its action reads",
        ),
        (
            "↑↓ Enter",
            "select a revision: its state and diff against the latest; Enter opens the diff",
        ),
    ];
    let mut out = vec![Line::styled("revision DAG (r)", theme.title())];
    for (what, text) in rows {
        out.push(Line::from(vec![
            Span::styled(format!("  {what:<8}  "), theme.key()),
            Span::raw(text),
        ]));
    }
    out.push(Line::raw(""));
    out
}
