//! The run's status: per controller its steps, writes, conflicts (rejected writes) and cache
//! lag, the faults with their start and end, and each property's status; rendered as one line
//! for a terminal or as a JSON line.

use std::time::Instant;

use serde::Serialize;

use crate::runtime::StepReport;

/// One controller's counts.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ControllerStats {
    /// The instance name.
    pub name: String,
    /// Steps taken.
    pub steps: u64,
    /// Writes accepted.
    pub writes: u64,
    /// Writes rejected (a stale resourceVersion, an existing name, a contended key).
    pub conflicts: u64,
    /// How many revisions behind the latest its last read was.
    pub lag: u64,
    /// Store or cache errors met (each retried).
    pub errors: u64,
    /// The last error, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// A fault with its start and end (seconds since the run started).
#[derive(Clone, Debug, Serialize)]
pub struct FaultRecord {
    /// `restart`, `stale-read` or `partition`.
    pub fault: &'static str,
    /// What it hit: a controller, a member.
    pub target: String,
    /// When it started.
    pub start: f64,
    /// When it ended (`None`: in progress).
    pub end: Option<f64>,
}

/// Everything the status shows.
#[derive(Debug)]
pub struct Stats {
    started: Instant,
    /// Per controller, in configuration order.
    pub controllers: Vec<ControllerStats>,
    /// Faults injected.
    pub faults: Vec<FaultRecord>,
    /// Stale reads made.
    pub stale_reads: u64,
}

impl Stats {
    /// The counts of these controllers, from now.
    pub fn new(names: Vec<String>) -> Stats {
        Stats {
            started: Instant::now(),
            controllers: names
                .into_iter()
                .map(|name| ControllerStats {
                    name,
                    ..ControllerStats::default()
                })
                .collect(),
            faults: Vec::new(),
            stale_reads: 0,
        }
    }

    /// Seconds since the start.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Counts a step of controller `i` made knowing `latest`.
    pub fn stepped(&mut self, i: usize, report: &StepReport, latest: u64) {
        let Some(c) = self.controllers.get_mut(i) else {
            return;
        };
        c.steps += 1;
        match &report.applied {
            Some(Ok(_)) => c.writes += 1,
            Some(Err(_)) => c.conflicts += 1,
            None => {}
        }
        c.lag = latest.saturating_sub(report.read.newest());
        if c.lag > 0 {
            self.stale_reads += 1;
        }
    }

    /// Counts an error of controller `i`.
    pub fn error(&mut self, i: usize, message: &str) {
        if let Some(c) = self.controllers.get_mut(i) {
            c.errors += 1;
            c.last_error = Some(message.to_string());
        }
    }

    /// A fault starts now; its index.
    pub fn fault_started(&mut self, fault: &'static str, target: String) -> usize {
        let start = self.elapsed();
        self.faults.push(FaultRecord {
            fault,
            target,
            start,
            end: None,
        });
        self.faults.len() - 1
    }

    /// Fault `i` ends now.
    pub fn fault_ended(&mut self, i: usize) {
        let now = self.elapsed();
        if let Some(f) = self.faults.get_mut(i) {
            f.end = Some(now);
        }
    }

    /// Writes accepted, over all controllers.
    pub fn writes(&self) -> u64 {
        self.controllers.iter().map(|c| c.writes).sum()
    }
}

/// One property's status.
#[derive(Clone, Debug, Serialize)]
pub struct PropertyStatus {
    /// Its id.
    pub id: &'static str,
    /// `holds`, `violated`, `not yet` (eventually), `seen` or `not seen` (sometimes).
    pub status: &'static str,
}

/// A snapshot of the run, as shown.
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    /// Seconds since the start.
    pub elapsed: f64,
    /// The episode, counted from 1 (0: the run has no episodes).
    pub episode: usize,
    /// The newest store revision seen.
    pub revision: u64,
    /// Steps recorded in the model's terms.
    pub recorded: usize,
    /// Per controller.
    pub controllers: Vec<ControllerStats>,
    /// The faults in progress.
    pub faults_active: Vec<FaultRecord>,
    /// Faults so far, of each kind, and stale reads.
    pub faults_total: usize,
    /// Stale reads made.
    pub stale_reads: u64,
    /// Each property.
    pub properties: Vec<PropertyStatus>,
}

impl Snapshot {
    /// The status line: `3.2s episode 2 r57 144 steps | node-1 12/3w/1c lag 0 | ... | P8 holds`.
    pub fn line(&self) -> String {
        let episode = if self.episode > 0 {
            format!(" episode {}", self.episode)
        } else {
            String::new()
        };
        let mut parts = vec![format!(
            "{:.1}s{episode} r{} {} steps",
            self.elapsed, self.revision, self.recorded
        )];
        for c in &self.controllers {
            parts.push(format!(
                "{} {}st {}w {}c lag {}",
                c.name, c.steps, c.writes, c.conflicts, c.lag
            ));
        }
        let active: Vec<String> = self
            .faults_active
            .iter()
            .map(|f| format!("{} {}", f.fault, f.target))
            .collect();
        parts.push(format!(
            "faults {} ({} stale reads){}",
            self.faults_total,
            self.stale_reads,
            if active.is_empty() {
                String::new()
            } else {
                format!(", now: {}", active.join(", "))
            }
        ));
        for p in &self.properties {
            parts.push(format!("{} {}", p.id, p.status));
        }
        parts.join(" | ")
    }

    /// The snapshot as one JSON line.
    pub fn json(&self) -> String {
        serde_json::json!({"status": self}).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_controllers_faults_and_properties() {
        let mut stats = Stats::new(vec!["node-1".into()]);
        let i = stats.fault_started("partition", "member 1".into());
        let snapshot = Snapshot {
            elapsed: 1.25,
            episode: 2,
            revision: 9,
            recorded: 4,
            controllers: stats.controllers.clone(),
            faults_active: stats.faults.clone(),
            faults_total: 1,
            stale_reads: 2,
            properties: vec![PropertyStatus {
                id: "P8",
                status: "holds",
            }],
        };
        assert_eq!(
            snapshot.line(),
            "1.2s episode 2 r9 4 steps | node-1 0st 0w 0c lag 0 | faults 1 (2 stale reads), now: partition member 1 | P8 holds"
        );
        assert!(snapshot.json().contains("\"P8\""));
        stats.fault_ended(i);
        assert!(stats.faults[0].end.is_some());
    }
}
