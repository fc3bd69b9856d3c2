//! A session opened on a lesson ([`Session::for_lesson`]): where the path stands against the
//! lesson's steps, computed from the path itself, so going back, redoing, jumping and
//! branching all keep it right. [`Session::lesson_view`] says what the lesson panel shows: the
//! next step's text and action (and which line of the actions takes it), the check that the
//! last step was the lesson's, what happened instead when the learner took another action and
//! how to go back, and at the end the contrast.

use std::path::PathBuf;
use std::sync::Arc;

use super::actions::reads_label;
use super::{OpenError, Session, Tree, build};
use crate::explore::lesson::Lesson;
use crate::model::system::Action;

/// What the lesson panel shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonView {
    /// The lesson's name.
    pub name: String,
    /// Its summary.
    pub summary: String,
    /// How many steps it has.
    pub steps: usize,
    /// Where the path stands.
    pub progress: Progress,
}

/// Where the path stands against the lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// On the lesson's path, with step `step` to take next.
    Next {
        /// The step to take, from 1.
        step: usize,
        /// Its text.
        text: String,
        /// Its action, as the actions pane names it.
        action: String,
        /// The line of the actions pane that takes it and which of its reads (for ←→).
        entry: Option<(usize, usize)>,
        /// For a controller's step, what it may read now (`node-1 may read r15`).
        readable: Option<String>,
        /// The check of the step just taken: `step 2 done: statefulset reads r9 -> ...`.
        done: Option<String>,
    },
    /// The path left the lesson at step `step`: another action was taken there.
    Off {
        /// The step where the path left the lesson, from 1.
        step: usize,
        /// The lesson's action for it.
        expected: String,
        /// What the lesson's action does.
        expected_outcome: String,
        /// The action taken instead.
        taken: String,
        /// What it did.
        taken_outcome: String,
        /// How many steps back the cursor must go to return to the lesson.
        back: usize,
    },
    /// Every step taken.
    Done {
        /// The lesson's closing text.
        end: String,
        /// `step 8 (node-1 reads r7): allowed by resettable-session, not by monotonic-session`.
        contrast: String,
        /// Why the contrast does not allow it.
        reason: String,
        /// The lesson's text about the contrast.
        contrast_text: String,
        /// Steps taken past the lesson's end.
        beyond: usize,
    },
}

impl Session {
    /// A session on a lesson's model at its start, with the lesson's panel.
    pub fn for_lesson(lesson: Lesson) -> Result<Session, OpenError> {
        let system = build(&lesson.model, false, &lesson.origin)?;
        let tree = Tree::new(system.initial());
        let path = PathBuf::from(&lesson.origin);
        let mut session = Session::new(path, lesson.model.clone(), system, false, tree);
        session.lesson = Some(Arc::new(lesson));
        Ok(session)
    }

    /// The lesson open, if the session is on one.
    pub fn lesson(&self) -> Option<&Lesson> {
        self.lesson.as_deref()
    }

    /// The line of the actions pane that takes the lesson's next step, and which of the
    /// line's reads it is; `None` off the lesson, at its end, or with no lesson.
    pub fn lesson_next(&self) -> Option<(usize, usize)> {
        match self.lesson_view()?.progress {
            Progress::Next { entry, .. } => entry,
            _ => None,
        }
    }

    /// What the lesson panel shows now; `None` with no lesson.
    pub fn lesson_view(&self) -> Option<LessonView> {
        let lesson = self.lesson.as_deref()?;
        let nodes = self.tree.ancestors(self.tree.cursor());
        let taken: Vec<_> = nodes
            .iter()
            .skip(1)
            .filter_map(|&n| self.tree.node(n).step.as_ref())
            .collect();
        let off = taken
            .iter()
            .zip(&lesson.steps)
            .position(|(t, s)| t.action != s.action);
        let progress = match off {
            Some(i) => Progress::Off {
                step: i + 1,
                expected: lesson.steps[i].describe.clone(),
                expected_outcome: lesson.steps[i].outcome.clone(),
                taken: taken[i].describe.clone(),
                taken_outcome: taken[i].outcome.clone(),
                back: taken.len() - i,
            },
            None if taken.len() >= lesson.steps.len() => Progress::Done {
                end: lesson.end.clone(),
                contrast: lesson.contrast_line(),
                reason: lesson.contrast.impossible.reason.clone(),
                contrast_text: lesson.contrast.text.clone(),
                beyond: taken.len() - lesson.steps.len(),
            },
            None => {
                let k = taken.len();
                let step = &lesson.steps[k];
                Progress::Next {
                    step: k + 1,
                    text: step.text.clone(),
                    action: step.describe.clone(),
                    entry: self.entry_of(&step.action),
                    readable: self.readable_for(&step.action),
                    done: taken
                        .last()
                        .map(|t| format!("step {k} done: {} -> {}", t.describe, t.outcome)),
                }
            }
        };
        Some(LessonView {
            name: lesson.name.clone(),
            summary: lesson.summary.clone(),
            steps: lesson.steps.len(),
            progress,
        })
    }

    /// The actions line holding `action`, and its place among the line's actions.
    fn entry_of(&self, action: &Action) -> Option<(usize, usize)> {
        self.actions
            .iter()
            .enumerate()
            .find_map(|(i, e)| e.actions.iter().position(|a| a == action).map(|k| (i, k)))
    }

    /// What the controller of a step may read in the cursor's state.
    fn readable_for(&self, action: &Action) -> Option<String> {
        let Action::Step { controller, .. } = action else {
            return None;
        };
        let reads = self.system.readable(self.state(), *controller);
        Some(format!(
            "{} may read {}",
            self.system.controller_name(*controller),
            reads_label(&self.system, *controller, &reads)
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::explore::lesson;
    use crate::explore::session::Command;

    fn open(name: &str) -> Session {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/lessons");
        Session::for_lesson(lesson::find(&dir, name).unwrap()).unwrap()
    }

    fn progress(s: &Session) -> Progress {
        s.lesson_view().unwrap().progress
    }

    #[test]
    fn the_right_action_advances_and_the_actions_pane_is_told_which_line_takes_it() {
        let mut s = open("stale-reads");
        let steps = s.lesson().unwrap().steps.clone();
        for (i, step) in steps.iter().enumerate() {
            match progress(&s) {
                Progress::Next {
                    step: n,
                    action,
                    entry,
                    done,
                    ..
                } => {
                    assert_eq!(n, i + 1);
                    assert_eq!(action, step.describe);
                    let (line, k) = entry.expect("the step is among the actions");
                    assert_eq!(s.actions()[line].actions[k], step.action);
                    assert_eq!(done.is_some(), i > 0, "{done:?}");
                }
                other => panic!("step {}: {other:?}", i + 1),
            }
            s.handle(Command::Take(step.action.clone()));
        }
        match progress(&s) {
            Progress::Done {
                contrast, beyond, ..
            } => {
                assert_eq!(
                    contrast,
                    "step 8 (node-1 reads r7): allowed by resettable-session, not by monotonic-session"
                );
                assert_eq!(beyond, 0);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.lesson_next(), None);
        assert!(!s.is_model_file(), "a lesson is not reloaded as a model");
    }

    #[test]
    fn another_action_is_explained_and_going_back_returns_to_the_lesson() {
        let mut s = open("stale-reads");
        let first = s.lesson().unwrap().steps[0].action.clone();
        s.handle(Command::Take(first));
        // Step 2 is the StatefulSet controller's read of r9; restart node-1 instead.
        let other = s
            .actions()
            .iter()
            .find(|e| e.outcome == "restart node node-1")
            .and_then(|e| e.action().cloned())
            .expect("a restart is offered");
        s.handle(Command::Take(other));
        match progress(&s) {
            Progress::Off {
                step,
                expected,
                taken,
                taken_outcome,
                back,
                ..
            } => {
                assert_eq!(step, 2);
                assert_eq!(expected, "statefulset reads r9");
                assert_eq!(taken, "restart node node-1");
                assert!(
                    taken_outcome.contains("force-delete Node node-1"),
                    "{taken_outcome}"
                );
                assert_eq!(back, 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.lesson_next(), None, "nothing is marked off the lesson");
        s.handle(Command::Back);
        assert!(
            matches!(progress(&s), Progress::Next { step: 2, .. }),
            "{:?}",
            progress(&s)
        );
        // Jumping back to the start, then forward along the branch, leaves the lesson again.
        s.handle(Command::First);
        assert!(matches!(progress(&s), Progress::Next { step: 1, .. }));
        s.handle(Command::Last);
        assert!(matches!(progress(&s), Progress::Off { step: 2, .. }));
    }

    #[test]
    fn a_step_shows_what_its_reader_may_read() {
        let mut s = open("stale-reads");
        let steps = s.lesson().unwrap().steps.clone();
        for step in &steps[..7] {
            s.handle(Command::Take(step.action.clone()));
        }
        // After the restart, resettable-session lets node-1 read any revision.
        match progress(&s) {
            Progress::Next { readable, .. } => {
                assert_eq!(
                    readable.as_deref(),
                    Some("node-1 may read r1..r15 (15 revisions)")
                )
            }
            other => panic!("{other:?}"),
        }
        let mut m = open("stale-reads-monotonic");
        for step in &m.lesson().unwrap().steps.clone()[..7] {
            m.handle(Command::Take(step.action.clone()));
        }
        match progress(&m) {
            Progress::Next { readable, .. } => {
                assert_eq!(readable.as_deref(), Some("node-1 may read r15"))
            }
            other => panic!("{other:?}"),
        }
    }
}
