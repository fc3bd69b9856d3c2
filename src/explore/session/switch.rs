//! Replacing the path's model or settings: a what-if (re-validate the path under other
//! settings, restore it) and a reload (replay the path on the model file as it is now).

use super::open::{Content, Source};
use super::settings::Settings;
use super::tree::Tree;
use super::whatif::{self, WhatIfReport};
use super::{Base, Session, build};

impl Session {
    /// Re-validates the path the session started from under `settings`: the path becomes the
    /// steps still possible, and the report says where and why it breaks. The settings of the
    /// path's own restore it.
    pub(super) fn switch_settings(&mut self, settings: Settings) {
        let base = match self.what_if.take() {
            Some((base, _)) => base,
            None => Base {
                config: self.config.clone(),
                system: self.system.clone(),
                tree: self.tree.clone(),
            },
        };
        let from = Settings::of(&base.config);
        if settings == from {
            self.restore(base);
            self.info(format!("back to {settings}: the path is restored"));
            return;
        }
        let mut config = base.config.clone();
        settings.apply(&mut config);
        let system = match build(&config, self.fold, &self.path.display().to_string()) {
            Ok(s) => s,
            Err(e) => {
                self.error(e.to_string());
                self.what_if = None;
                self.restore(base);
                return;
            }
        };
        let path = base.tree.path();
        let steps: Vec<_> = path
            .iter()
            .filter_map(|&id| base.tree.node(id).step.as_ref())
            .collect();
        let (start, taken, broken) = whatif::revalidate(&system, &steps);
        let end = &base.tree.node(*path.last().unwrap_or(&0)).state;
        let violated_before = whatif::violated(&base.system, &self.properties, end);
        let mut tree = Tree::new(start);
        for t in taken {
            let describe = system.describe(&t.action);
            tree.push(t, describe);
        }
        let violated_now = whatif::violated(&system, &self.properties, tree.state());
        let cursor = base.tree.node(base.tree.cursor()).depth;
        if broken.is_none() {
            tree.goto(cursor);
        }
        let report = WhatIfReport {
            from,
            to: settings,
            steps: steps.len(),
            broken,
            violated_before,
            violated_now,
        };
        self.info(report.text());
        self.config = config;
        self.system = system;
        self.replace_tree(tree);
        self.what_if = Some((base, report));
    }

    pub(super) fn restore(&mut self, base: Base) {
        self.config = base.config;
        self.system = base.system;
        self.replace_tree(base.tree);
    }

    pub(super) fn reload(&mut self, source: Source) {
        let origin = source.path.display().to_string();
        let Content::Model { mut config, .. } = source.content else {
            self.open_source(source);
            return;
        };
        Settings::of(&self.config).apply(&mut config);
        let system = match build(&config, self.fold, &origin) {
            Ok(s) => s,
            Err(e) => {
                self.error(format!(
                    "reload failed: {e}; the old model and path are kept"
                ));
                return;
            }
        };
        let path = self.tree.path();
        let steps: Vec<_> = path
            .iter()
            .filter_map(|&id| self.tree.node(id).step.as_ref())
            .collect();
        let (start, taken, broken) = whatif::revalidate(&system, &steps);
        if let Some(b) = broken {
            self.error(format!(
                "reload failed: step {} no longer fits the model: {}; the old model and path are kept",
                b.step, b.why
            ));
            return;
        }
        let cursor = self.cursor_step();
        let mut tree = Tree::new(start);
        for t in taken {
            let describe = system.describe(&t.action);
            tree.push(t, describe);
        }
        tree.goto(cursor);
        let n = steps.len();
        self.properties = crate::model::properties::selected(&system);
        self.config = *config;
        self.system = system;
        self.what_if = None;
        self.replace_tree(tree);
        self.info(format!(
            "reloaded {origin}: the path of {n} steps replays on it"
        ));
    }
}
