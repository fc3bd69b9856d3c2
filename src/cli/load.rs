//! Reading a model file: its text, its `file:` includes (relative to the model's directory),
//! and the fields the loader ignored (reported by the caller).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::model::config::{ModelConfig, parse_model};

/// A model file, loaded.
#[derive(Debug)]
pub struct LoadedFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The resolved configuration.
    pub config: ModelConfig,
    /// Fields present in the file that the model does not use.
    pub ignored: Vec<String>,
}

/// Loads the model file at `path`.
pub fn load_model(path: &Path) -> anyhow::Result<LoadedFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the model file", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let include = |name: &str| -> Result<String, String> {
        let file = dir.join(name);
        std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))
    };
    let origin = path.display().to_string();
    let (config, ignored) = parse(&text, &origin, &include)?;
    Ok(LoadedFile {
        path: path.to_path_buf(),
        config,
        ignored,
    })
}

fn parse(
    text: &str,
    origin: &str,
    include: &dyn Fn(&str) -> Result<String, String>,
) -> anyhow::Result<(ModelConfig, Vec<String>)> {
    let loaded = parse_model(text, origin, include)?;
    let ignored = loaded
        .ignored
        .iter()
        .map(|f| match f.position {
            Some(p) if f.file != origin => format!("{}:{}:{}: {f}", f.file, p.line, p.column),
            Some(p) => format!("line {}, column {}: {f}", p.line, p.column),
            None if f.file != origin => format!("{}: {f}", f.file),
            None => f.to_string(),
        })
        .collect();
    Ok((loaded.config, ignored))
}
