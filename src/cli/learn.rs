//! `orchard learn [NAME]`: the lessons of `models/lessons/` (each name and summary, then the
//! contrast table: under which stronger setting which step becomes impossible), or the
//! explorer opened on one lesson, with its side panel walking through it.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::bail;

use super::Outcome;
use crate::explore::lesson::{self, Lesson};
use crate::explore::session::Session;
use crate::ui::{self, Start};

/// Arguments of `orchard learn`.
#[derive(Debug, clap::Args)]
pub struct LearnArgs {
    /// The lesson to open in the explorer; none: list the lessons and their contrasts.
    pub name: Option<String>,
    /// Where the lessons are.
    #[arg(long, default_value = "models/lessons")]
    pub dir: PathBuf,
}

/// Runs `orchard learn`.
pub fn run(args: &LearnArgs) -> anyhow::Result<Outcome> {
    match &args.name {
        None => list(args),
        Some(name) => open(args, name),
    }
}

/// Lists every lesson, then the contrast table; a lesson that does not load is reported and
/// makes the exit code 2.
fn list(args: &LearnArgs) -> anyhow::Result<Outcome> {
    let mut lessons = Vec::new();
    let mut bad = Vec::new();
    for path in lesson::lesson_files(&args.dir)? {
        match lesson::load(&path) {
            Ok(l) => lessons.push(l),
            Err(e) => bad.push(e.to_string()),
        }
    }
    let width = lessons.iter().map(|l| l.name.len()).max().unwrap_or(0);
    for l in &lessons {
        println!("{:<width$}  {}", l.name, l.summary);
    }
    if !lessons.is_empty() {
        println!();
        print!("{}", table(&lessons));
    }
    if bad.is_empty() {
        Ok(Outcome::Success)
    } else {
        bail!("{}", bad.join("\n"))
    }
}

/// The contrast table: lesson, its level, the contrast's level, and the step impossible
/// under the contrast with why.
pub fn table(lessons: &[Lesson]) -> String {
    let header = [
        "lesson".to_string(),
        "level".to_string(),
        "contrast".to_string(),
        "impossible under the contrast".to_string(),
    ];
    let rows: Vec<[String; 4]> = lessons
        .iter()
        .map(|l| {
            let i = &l.contrast.impossible;
            [
                l.name.clone(),
                l.level(),
                l.contrast_level(),
                format!("step {} ({}): {}", i.step, i.describe, i.reason),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..3)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Opens the explorer on a lesson.
fn open(args: &LearnArgs, name: &str) -> anyhow::Result<Outcome> {
    let lesson = lesson::find(&args.dir, name)?;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        bail!(
            "orchard learn {name} needs a terminal on stdin and stdout, and this is not one; \
             `orchard learn` alone lists the lessons"
        );
    }
    let session = Session::for_lesson(lesson).map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = ui::Options {
        first_frame_only: false,
        trace_dir: PathBuf::from("traces"),
        crash_test: false,
    };
    ui::explore(Start::Session(Box::new(session)), &options)?;
    Ok(Outcome::Success)
}
