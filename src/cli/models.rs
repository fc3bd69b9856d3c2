//! `orchard models [DIR]`: the model files of a directory with the first line of their
//! descriptions, then, apart, the catalogue of real Kubernetes bugs in `DIR/bugs/`.

use std::path::PathBuf;

use anyhow::Context;

use super::Outcome;
use super::load::{load_model_with, warn_outside};

/// Arguments of `orchard models`.
#[derive(Debug, clap::Args)]
pub struct ModelsArgs {
    /// The directory.
    #[arg(default_value = "models")]
    pub dir: PathBuf,
    /// Let the models' `file:` entries name files outside their directory.
    #[arg(long)]
    pub allow_outside_files: bool,
}

/// The folder of a models directory that holds the catalogue of real Kubernetes bugs.
pub const BUGS_DIR: &str = "bugs";

/// Prints a line per model file (its name padded to `width`, its summary); a file that does
/// not load goes to `bad`.
fn list(files: &[PathBuf], width: usize, args: &ModelsArgs, bad: &mut Vec<String>) {
    for path in files {
        match load_model_with(path, args.allow_outside_files) {
            Ok(file) => {
                warn_outside(&file);
                if let Some(line) = super::check::ignored_line(&file) {
                    eprintln!("{line}");
                }
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                println!("{name:<width$} {}", summary(&file.config.description));
            }
            Err(e) => bad.push(format!("{e:#}")),
        }
    }
}

/// The model files (`.yaml`, `.yml`) of a directory, sorted by name.
pub fn model_files(dir: &std::path::Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list the directory", dir.display()))?
    {
        let path = entry
            .with_context(|| format!("{}: cannot list the directory", dir.display()))?
            .path();
        if path.is_file()
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            )
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The first line of a description, cut after its first sentence (a folded YAML description
/// is one long line).
pub fn summary(description: &str) -> &str {
    let line = description.lines().next().unwrap_or("").trim();
    match line.find(". ") {
        Some(end) => &line[..=end],
        None => line,
    }
}

/// Runs `orchard models`; a file that does not load is reported and makes the exit code 2.
pub fn run(args: &ModelsArgs) -> anyhow::Result<Outcome> {
    let mut bad = Vec::new();
    list(&model_files(&args.dir)?, 32, args, &mut bad);
    let bugs = args.dir.join(BUGS_DIR);
    if bugs.is_dir() {
        println!();
        println!(
            "real Kubernetes bugs ({}), each found with its guard off and holding with it on:",
            bugs.display()
        );
        list(&model_files(&bugs)?, 50, args, &mut bad);
    }
    if bad.is_empty() {
        Ok(Outcome::Success)
    } else {
        anyhow::bail!("{}", bad.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn a_summary_is_the_first_sentence_of_the_first_line() {
        assert_eq!(summary("One. Two.\nThree"), "One.");
        assert_eq!(summary("No stop here\nnext"), "No stop here");
        assert_eq!(summary(""), "");
    }
}
