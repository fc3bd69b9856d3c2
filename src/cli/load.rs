//! Reading a model file: its text, its `file:` includes (relative to the model's directory,
//! and inside it unless `--allow-outside-files`), and the fields the loader ignored (printed
//! once to stderr by the caller). Only regular files are read, up to a size limit.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::config::limits::{MAX_MODEL_BYTES, MAX_TRACE_BYTES};
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
    /// Files included from outside the model's directory (with `--allow-outside-files`).
    pub outside: Vec<PathBuf>,
}

/// Reads a regular file of at most `limit` bytes as UTF-8. Devices, FIFOs and directories are
/// refused before they are opened (a FIFO would block, /dev/zero never ends).
pub fn read_file(path: &Path, limit: u64) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("is a directory, not a file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file (a device, FIFO or socket)".into());
    }
    if meta.len() > limit {
        return Err(format!(
            "is {} bytes: the limit is {limit} bytes",
            meta.len()
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    // The file may grow after the check: read one byte past the limit at most.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("is over the limit of {limit} bytes"));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "is not UTF-8 text (an invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads a trace file (a regular file within the trace size limit).
pub fn read_trace_file(path: &Path) -> anyhow::Result<String> {
    read_file(path, MAX_TRACE_BYTES)
        .map_err(|why| anyhow::anyhow!("{}: cannot read the trace: {why}", path.display()))
}

/// Loads the model file at `path`; its `file:` includes must stay inside its directory.
pub fn load_model(path: &Path) -> anyhow::Result<LoadedFile> {
    load_model_with(path, false)
}

/// Loads the model file at `path`; `allow_outside` lets `file:` name files outside the
/// model's directory (each is then listed in [`LoadedFile::outside`]).
pub fn load_model_with(path: &Path, allow_outside: bool) -> anyhow::Result<LoadedFile> {
    let text = read_file(path, MAX_MODEL_BYTES)
        .map_err(|why| anyhow::anyhow!("{}: cannot read the model file: {why}", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let outside = std::cell::RefCell::new(Vec::new());
    let include = |name: &str| -> Result<String, String> {
        let file = dir.join(name);
        if !inside(&dir, &file)? {
            if !allow_outside {
                return Err(format!(
                    "{} is outside the model's directory {} (give --allow-outside-files to \
                     read it)",
                    file.display(),
                    shown(&dir).display()
                ));
            }
            outside.borrow_mut().push(file.clone());
        }
        read_file(&file, MAX_MODEL_BYTES).map_err(|why| format!("{}: {why}", file.display()))
    };
    let origin = path.display().to_string();
    let (config, ignored) = parse(&text, &origin, &include)?;
    Ok(LoadedFile {
        path: path.to_path_buf(),
        config,
        ignored,
        outside: outside.into_inner(),
    })
}

/// The directory as shown: `.` for the working directory.
fn shown(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// Whether `file` is inside `dir` once both are resolved (absolute paths, `..` and symbolic
/// links followed), as Helm's `.Files` keeps a chart's files to the chart.
fn inside(dir: &Path, file: &Path) -> Result<bool, String> {
    let dir =
        std::fs::canonicalize(shown(dir)).map_err(|e| format!("{}: {e}", shown(dir).display()))?;
    let file = std::fs::canonicalize(file).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(file.starts_with(dir))
}

/// Prints the files a model includes from outside its directory to stderr.
pub fn warn_outside(file: &LoadedFile) {
    for outside in &file.outside {
        eprintln!(
            "{}: includes {}, outside the model's directory (--allow-outside-files)",
            file.path.display(),
            outside.display()
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.yaml");
        std::fs::write(&file, "name: m\n").unwrap();
        assert_eq!(read_file(&file, 100).unwrap(), "name: m\n");
        assert!(
            read_file(&file, 4)
                .unwrap_err()
                .contains("limit is 4 bytes")
        );
        assert!(
            read_file(dir.path(), 100)
                .unwrap_err()
                .contains("directory")
        );
        assert!(
            read_file(Path::new("/dev/zero"), 100)
                .unwrap_err()
                .contains("not a regular file")
        );
        assert!(
            read_file(Path::new("/dev/null"), 100)
                .unwrap_err()
                .contains("not a regular file")
        );
        std::fs::write(&file, [0x6e, 0xff, 0x0a]).unwrap();
        assert!(read_file(&file, 100).unwrap_err().contains("not UTF-8"));
    }

    #[test]
    fn an_include_stays_inside_the_models_directory() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        std::fs::create_dir_all(models.join("sub")).unwrap();
        std::fs::write(dir.path().join("secret.yaml"), "x").unwrap();
        std::fs::write(models.join("sub/in.yaml"), "x").unwrap();
        assert!(inside(&models, &models.join("sub/in.yaml")).unwrap());
        assert!(!inside(&models, &models.join("../secret.yaml")).unwrap());
        assert!(!inside(&models, Path::new("/etc/passwd")).unwrap());
        assert!(inside(&models, &models.join("sub/../sub/in.yaml")).unwrap());
        // A link inside the directory to a file outside it is outside.
        std::os::unix::fs::symlink(dir.path().join("secret.yaml"), models.join("link.yaml"))
            .unwrap();
        assert!(!inside(&models, &models.join("link.yaml")).unwrap());
    }

    #[test]
    fn an_outside_include_is_refused_without_the_flag_and_listed_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        std::fs::create_dir_all(&models).unwrap();
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n";
        std::fs::write(dir.path().join("pod.yaml"), pod).unwrap();
        let model = models.join("m.yaml");
        std::fs::write(&model, "name: m\nresources:\n  - file: ../pod.yaml\n").unwrap();
        let err = load_model(&model).unwrap_err().to_string();
        assert!(err.contains("outside the model's directory"), "{err}");
        assert!(err.contains("--allow-outside-files"), "{err}");
        let loaded = load_model_with(&model, true).unwrap();
        assert_eq!(loaded.outside, vec![models.join("../pod.yaml")]);
        assert_eq!(loaded.config.initial.len(), 1);
    }
}
