//! Reading a lesson file: its keys read strictly (serde-saphyr, unknown keys refused, each
//! value's position kept), its model resolved by the model loader (a file beside the lesson,
//! or inline, whose errors keep the lesson file's lines and columns), the limits checked, and
//! the lesson validated by replaying it. Every error names file, line, column and field.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::replay;
use super::{Contrast, Lesson, LessonStep, MAX_STEPS, MAX_SUMMARY, MAX_TEXT};
use crate::explore::session::parse::parse_setting;
use crate::explore::session::settings::parse_commit;
use crate::model::config::{
    ConfigError, ModelConfig, Position, field_at, parse_model, plain_message,
};
use crate::model::history::{CommitMode, ConsistencySetting};

/// A lesson file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFile {
    name: Spanned<String>,
    summary: Spanned<String>,
    model: Spanned<serde_json::Value>,
    /// The model's consistency setting, changed for this lesson.
    #[serde(default)]
    consistency: Option<Spanned<String>>,
    /// The model's commit mode, changed for this lesson.
    #[serde(default)]
    commit: Option<Spanned<String>>,
    steps: Spanned<Vec<StepField>>,
    #[serde(default)]
    end: Option<Spanned<String>>,
    contrast: Spanned<ContrastField>,
}

/// One step as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepField {
    /// The action, as the explorer names it.
    #[serde(rename = "do")]
    action: Spanned<String>,
    /// The text.
    say: Spanned<String>,
}

/// The contrast as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContrastField {
    /// `LEVEL [read-your-writes] [relist=R] [lag=L]`, as the `:consistency` command takes it.
    #[serde(default)]
    consistency: Option<Spanned<String>>,
    /// `kubernetes` or `atomic`.
    #[serde(default)]
    commit: Option<Spanned<String>>,
    /// The text.
    say: Spanned<String>,
}

/// A text being read: its name for messages.
struct Origin<'a> {
    file: &'a str,
}

fn position<T>(s: &Spanned<T>) -> Option<Position> {
    let l = s.referenced;
    (l.line() > 0).then(|| Position {
        line: u32::try_from(l.line()).unwrap_or(u32::MAX),
        column: u32::try_from(l.column()).unwrap_or(u32::MAX),
    })
}

impl Origin<'_> {
    fn at<T>(&self, value: &Spanned<T>, field: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::new(self.file, position(value), field, message)
    }

    fn parse_error(&self, text: &str, e: &serde_saphyr::Error) -> ConfigError {
        let position = e.location().filter(|l| l.line() > 0).map(|l| Position {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
        });
        let mut message = plain_message(&e.without_snippet().to_string());
        if let Some(cut) = message.rfind(" at line ")
            && message[cut..].contains(", column ")
        {
            message.truncate(cut);
        }
        let field = position.map_or_else(String::new, |p| field_at(text, p.line, p.column));
        let field = match message.strip_prefix("missing field `") {
            Some(rest) => {
                let missing = rest.split('`').next().unwrap_or("");
                match field.rfind(['.', '[']) {
                    Some(cut) if !field.is_empty() => format!("{}.{missing}", &field[..cut]),
                    _ => missing.to_string(),
                }
            }
            None => field,
        };
        ConfigError::new(self.file, position, field, message)
    }
}

/// Parses, resolves and validates a lesson file. `origin` is its path as given (for
/// messages); `include` returns the text of a file beside it (the model a `model:` names, and
/// that model's `file:` manifests), or why it cannot.
pub fn parse_lesson(
    text: &str,
    origin: &str,
    include: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Lesson, ConfigError> {
    let o = Origin { file: origin };
    let first = Some(Position { line: 1, column: 1 });
    if text.trim().is_empty() {
        return Err(ConfigError::new(
            origin,
            first,
            "",
            "the lesson is empty: it needs a `name`, a `summary`, a `model`, `steps` and a `contrast`",
        ));
    }
    let file: LessonFile = serde_saphyr::from_str(text).map_err(|e| o.parse_error(text, &e))?;
    let name = file.name.value.trim().to_string();
    let stem = std::path::Path::new(origin)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".yaml"));
    if name.is_empty() {
        return Err(o.at(&file.name, "name", "a lesson needs a name"));
    }
    if let Some(stem) = stem
        && stem != name
    {
        return Err(o.at(
            &file.name,
            "name",
            format!("`{name}` differs from the file's name `{stem}`: `orchard learn` finds lessons by file name"),
        ));
    }
    let summary = file.summary.value.trim().to_string();
    if summary.is_empty() || summary.contains('\n') || summary.chars().count() > MAX_SUMMARY {
        return Err(o.at(
            &file.summary,
            "summary",
            format!("give one line of at most {MAX_SUMMARY} characters"),
        ));
    }
    let steps = &file.steps.value;
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(o.at(
            &file.steps,
            "steps",
            format!(
                "a lesson has 1 to {MAX_STEPS} steps; this one has {}",
                steps.len()
            ),
        ));
    }
    for (i, step) in steps.iter().enumerate() {
        text_within(&o, &step.say, &format!("steps[{i}].say"))?;
        if step.action.value.trim().is_empty() {
            return Err(o.at(
                &step.action,
                &format!("steps[{i}].do"),
                "name the action to take",
            ));
        }
    }
    let end = match &file.end {
        Some(end) => text_within(&o, end, "end")?,
        None => String::new(),
    };
    let contrast_text = text_within(&o, &file.contrast.value.say, "contrast.say")?;
    let mut model = model(&o, text, &file.model, include)?;
    (model.consistency, model.commit) = settings(
        &o,
        "",
        file.consistency.as_ref(),
        file.commit.as_ref(),
        &model,
    )?;

    let system = replay::system_of(&model)
        .map_err(|e| o.at(&file.model, "model.controllers", e.to_string()))?;
    let actions: Vec<String> = steps.iter().map(|s| s.action.value.clone()).collect();
    let walked = replay::walk(&system, &actions).map_err(|e| {
        let step = &steps[e.index];
        o.at(&step.action, &format!("steps[{}].do", e.index), e.message)
    })?;
    let steps: Vec<LessonStep> = walked
        .into_iter()
        .zip(steps)
        .map(|(w, s)| LessonStep {
            action: w.action,
            describe: w.describe,
            outcome: w.outcome,
            text: s.say.value.trim().to_string(),
        })
        .collect();

    let (consistency, commit) = contrast_settings(&o, &file.contrast, &model)?;
    let mut stronger = model.clone();
    stronger.consistency = consistency;
    stronger.commit = commit;
    let contrast_system = replay::system_of(&stronger)
        .map_err(|e| o.at(&file.contrast, "contrast", e.to_string()))?;
    let impossible = replay::contrast(&contrast_system, &steps).ok_or_else(|| {
        o.at(
            &file.contrast,
            "contrast",
            format!(
                "every step is still possible under {}: the contrast shows nothing (pick a \
                 setting under which one of the steps cannot be taken)",
                super::settings_name(&consistency, commit)
            ),
        )
    })?;
    Ok(Lesson {
        name,
        summary,
        origin: origin.to_string(),
        model,
        steps,
        end,
        contrast: Contrast {
            consistency,
            commit,
            text: contrast_text,
            impossible,
        },
    })
}

fn text_within(o: &Origin, text: &Spanned<String>, field: &str) -> Result<String, ConfigError> {
    let trimmed = text.value.trim();
    if trimmed.is_empty() {
        return Err(o.at(text, field, "write the text to show"));
    }
    let n = trimmed.chars().count();
    if n > MAX_TEXT {
        return Err(o.at(
            text,
            field,
            format!("{n} characters: the limit is {MAX_TEXT}"),
        ));
    }
    Ok(trimmed.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The lesson's model: a model file beside the lesson (`model: NAME.yaml`), or the model
/// written inline under `model:` as an indented block.
fn model(
    o: &Origin,
    text: &str,
    field: &Spanned<serde_json::Value>,
    include: &dyn Fn(&str) -> Result<String, String>,
) -> Result<ModelConfig, ConfigError> {
    match &field.value {
        serde_json::Value::String(name) => {
            let plain = !name.contains(['/', '\\']) && name != ".." && name.ends_with(".yaml");
            if !plain {
                return Err(o.at(
                    field,
                    "model",
                    format!("`{name}`: name a `.yaml` model file beside the lesson (no directory), or write the model inline"),
                ));
            }
            let model_text = include(name).map_err(|why| o.at(field, "model", why))?;
            let model_origin = std::path::Path::new(o.file)
                .with_file_name(name)
                .display()
                .to_string();
            parse_model(&model_text, &model_origin, include).map(|m| m.config)
        }
        serde_json::Value::Object(_) => {
            let Some(start) = position(field) else {
                return Err(o.at(field, "model", "cannot locate the inline model"));
            };
            let block = inline_block(text, start);
            parse_model(&block, o.file, include)
                .map(|m| m.config)
                .map_err(|e| {
                    if e.file() != o.file {
                        return e;
                    }
                    let position = e
                        .line()
                        .zip(e.column())
                        .map(|(line, column)| Position { line, column });
                    let field = if e.field().is_empty() {
                        "model".to_string()
                    } else {
                        format!("model.{}", e.field())
                    };
                    ConfigError::new(o.file, position, field, e.message())
                })
        }
        _ => Err(o.at(
            field,
            "model",
            "give a model file's name (`model: NAME.yaml`) or the model as an indented mapping",
        )),
    }
}

/// The text of the block that starts at `start` (its first key), every other character blanked
/// so that lines and columns stay those of the lesson file: the lines before it empty, its
/// first line from its column, then the lines indented at least as far, blank lines and
/// comments included, up to the first that is not.
fn inline_block(text: &str, start: Position) -> String {
    let first = start.line as usize;
    let indent = (start.column as usize).saturating_sub(1);
    let mut out = String::new();
    let mut inside = true;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if n < first || !inside {
            out.push('\n');
            continue;
        }
        if n == first {
            let cut = line
                .char_indices()
                .nth(indent)
                .map_or(line.len(), |(b, _)| b);
            out.push_str(&" ".repeat(indent));
            out.push_str(&line[cut..]);
        } else {
            let trimmed = line.trim_start();
            let depth = line.len() - trimmed.len();
            if trimmed.is_empty() || trimmed.starts_with('#') || depth >= indent.max(1) {
                out.push_str(line);
            } else {
                inside = false;
            }
        }
        out.push('\n');
    }
    out
}

/// A model's settings with `consistency` (`LEVEL [read-your-writes] [relist=R] [lag=L]`, as
/// the `:consistency` command takes it) and `commit` changed where given; `prefix` starts the
/// fields' names.
fn settings(
    o: &Origin,
    prefix: &str,
    consistency: Option<&Spanned<String>>,
    commit: Option<&Spanned<String>>,
    model: &ModelConfig,
) -> Result<(ConsistencySetting, CommitMode), ConfigError> {
    let consistency = match consistency {
        Some(c) => {
            let words: Vec<&str> = c.value.split_whitespace().collect();
            parse_setting(&words).map_err(|m| o.at(c, &format!("{prefix}consistency"), m))?
        }
        None => model.consistency,
    };
    let commit = match commit {
        Some(c) => {
            parse_commit(c.value.trim()).map_err(|m| o.at(c, &format!("{prefix}commit"), m))?
        }
        None => model.commit,
    };
    Ok((consistency, commit))
}

/// The contrast's settings: the lesson's own with the contrast's changes; they must differ.
fn contrast_settings(
    o: &Origin,
    contrast: &Spanned<ContrastField>,
    model: &ModelConfig,
) -> Result<(ConsistencySetting, CommitMode), ConfigError> {
    let field = &contrast.value;
    let (consistency, commit) = settings(
        o,
        "contrast.",
        field.consistency.as_ref(),
        field.commit.as_ref(),
        model,
    )?;
    if field.consistency.is_none() && field.commit.is_none() {
        return Err(o.at(
            contrast,
            "contrast",
            "give the stronger setting: `consistency:` (as `:consistency` takes it) or `commit:`",
        ));
    }
    if consistency == model.consistency && commit == model.commit {
        return Err(o.at(
            contrast,
            "contrast",
            format!(
                "the contrast's settings are the lesson's own ({})",
                super::settings_name(&consistency, commit)
            ),
        ));
    }
    Ok((consistency, commit))
}
