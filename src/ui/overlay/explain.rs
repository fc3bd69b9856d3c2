//! The explanation overlay (`e`): the current path's story in sentences, one paragraph per
//! sentence, the header and the broken property marked, the what-ifs after a rule. The
//! explanation is computed when the overlay opens (it re-runs the path under other settings)
//! and kept in it.

use ratatui::text::Line;

use crate::history_view::Explanation;
use crate::ui::theme::Theme;

/// The overlay's lines: each sentence, then a blank line.
pub fn lines(explanation: &Explanation, theme: &Theme) -> Vec<Line<'static>> {
    let sentences = explanation.sentences();
    let broken = explanation
        .violation()
        .map(|v| format!("After step {}, {} ", v.step, v.property));
    let mut out = Vec::new();
    for (i, sentence) in sentences.into_iter().enumerate() {
        let style = if i == 0 {
            theme.title()
        } else if broken.as_ref().is_some_and(|b| sentence.starts_with(b)) {
            theme.bad()
        } else if sentence.starts_with("It would have been prevented") {
            theme.good()
        } else {
            ratatui::style::Style::default()
        };
        out.push(Line::styled(sentence, style));
        out.push(Line::raw(""));
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use crate::ui::tests::{MODEL, TRACE, app_on, render, typed};

    #[test]
    fn the_stale_reads_trace_explained_at_both_sizes() {
        let mut app = app_on(TRACE);
        typed(&mut app, "e");
        let screen = render(&app, 160, 48);
        assert!(
            screen.contains("node-1 restarted at step 6, lost its session"),
            "{screen}"
        );
        insta::assert_snapshot!("explain_80x24", render(&app, 80, 24));
        insta::assert_snapshot!("explain_160x48", screen);
        // It scrolls, and Esc closes it.
        typed(&mut app, "j");
        assert_ne!(render(&app, 80, 24), render(&app_on(TRACE), 80, 24));
        typed(&mut app, "<Esc>");
        assert!(!render(&app, 160, 48).contains(" explain "));
    }

    #[test]
    fn a_model_at_its_start_is_explained_as_a_path_without_a_violation() {
        let mut app = app_on(MODEL);
        typed(&mut app, "e");
        let screen = render(&app, 160, 48);
        assert!(
            screen.contains("The path has zero steps under resettable-session"),
            "{screen}"
        );
        assert!(screen.contains("records no violated property."), "{screen}");
    }
}
