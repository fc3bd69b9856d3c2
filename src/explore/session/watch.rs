//! Watches: a field of a resource (`Pod/web-0 spec.nodeName`) or of a controller's local state
//! (`node-1 running`), its value at every step of the path with the steps where it changes.

use std::fmt;

use super::view::{local_fields, object_fields, value_at};
use crate::model::resources::Kind;
use crate::model::system::{System, SystemState};

/// What a watch looks at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WatchTarget {
    /// `Pod/web-0` (a resource) or `node-1` (a controller's local state).
    pub subject: String,
    /// The field's path: `spec.nodeName`, `running`, `session.read`.
    pub path: String,
}

impl WatchTarget {
    /// Reads `Pod/web-0 spec.nodeName` or `node-1 running`.
    pub fn parse(text: &str) -> Result<WatchTarget, String> {
        let mut words = text.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(subject), Some(path), None) => Ok(WatchTarget {
                subject: subject.to_string(),
                path: path.to_string(),
            }),
            _ => Err(format!(
                "watch `{text}`: give a resource or controller and a field, as in \
                 `Pod/web-0 spec.nodeName` or `node-1 running`"
            )),
        }
    }

    /// Whether the subject is a resource (`Kind/name`) rather than a controller.
    pub fn is_resource(&self) -> bool {
        self.subject.contains('/')
    }

    /// The value in a state: `None` when the resource or field is absent.
    pub fn value(&self, system: &System, state: &SystemState) -> Option<String> {
        if self.is_resource() {
            let (kind, name) = self.subject.split_once('/')?;
            let kind = Kind::ALL.into_iter().find(|k| k.name() == kind)?;
            let object = state.latest().get(kind, name)?;
            value_at(&object_fields(&object), &self.path)
        } else {
            let i = system.controller_index(&self.subject)?;
            value_at(&local_fields(state, i), &self.path)
        }
    }

    /// Checks that the subject names a controller or a resource kind of the model.
    pub fn check(&self, system: &System) -> Result<(), String> {
        if self.is_resource() {
            let kind = self.subject.split('/').next().unwrap_or_default();
            let known = Kind::ALL.map(|k| k.name());
            if !known.contains(&kind) {
                return Err(format!(
                    "watch: unknown kind `{kind}` (known: {})",
                    known.join(", ")
                ));
            }
            Ok(())
        } else if system.controller_index(&self.subject).is_some() {
            Ok(())
        } else {
            let names: Vec<&str> = (0..system.controller_count())
                .map(|i| system.controller_name(i))
                .collect();
            Err(format!(
                "watch: no controller `{}` (controllers: {}; a resource is written Kind/name)",
                self.subject,
                names.join(", ")
            ))
        }
    }
}

impl fmt::Display for WatchTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.subject, self.path)
    }
}

/// One step of a watch's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchPoint {
    /// The step (0 is the start).
    pub step: usize,
    /// The value there (`None`: absent).
    pub value: Option<String>,
    /// Whether it differs from the step before.
    pub changed: bool,
}

/// A watch with its timeline along the current path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchView {
    /// What is watched.
    pub target: WatchTarget,
    /// Its value at every step of the path.
    pub points: Vec<WatchPoint>,
}

impl WatchView {
    /// The steps where the value changes.
    pub fn changes(&self) -> Vec<usize> {
        self.points
            .iter()
            .filter(|p| p.changed)
            .map(|p| p.step)
            .collect()
    }

    /// The first change after step `k`.
    pub fn next_change(&self, k: usize) -> Option<usize> {
        self.changes().into_iter().find(|&s| s > k)
    }

    /// The last change before step `k`.
    pub fn prev_change(&self, k: usize) -> Option<usize> {
        self.changes().into_iter().rev().find(|&s| s < k)
    }
}

/// The timeline of a watch over the states of a path.
pub fn timeline<'a>(
    system: &System,
    target: &WatchTarget,
    states: impl IntoIterator<Item = &'a SystemState>,
) -> WatchView {
    let mut points: Vec<WatchPoint> = Vec::new();
    for (step, state) in states.into_iter().enumerate() {
        let value = target.value(system, state);
        let changed = points.last().is_some_and(|p| p.value != value);
        points.push(WatchPoint {
            step,
            value,
            changed,
        });
    }
    WatchView {
        target: target.clone(),
        points,
    }
}
