//! Live reload: the model file is watched (its directory, since editors replace a file by
//! renaming a new one over it) and each change is sent to the event loop, which coalesces a
//! burst of them into one reload.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::event::UiEvent;

/// Watches one file while it lives.
pub struct FileWatch {
    _watcher: RecommendedWatcher,
}

impl FileWatch {
    /// Starts watching `file`; each change of it sends [`UiEvent::FileChanged`].
    pub fn start(file: &Path, events: Sender<UiEvent>) -> notify::Result<FileWatch> {
        let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let dir = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let name = file.file_name().map(|n| n.to_os_string());
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else { return };
                let relevant = matches!(
                    event.kind,
                    EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                ) && event
                    .paths
                    .iter()
                    .any(|p| p.file_name().map(|n| n.to_os_string()) == name);
                if relevant {
                    let _ = events.send(UiEvent::FileChanged);
                }
            })?;
        watcher.watch(&dir, RecursiveMode::NonRecursive)?;
        Ok(FileWatch { _watcher: watcher })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    #[test]
    fn a_write_to_the_file_is_reported_and_other_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.yaml");
        std::fs::write(&file, "a").unwrap();
        let (tx, rx) = channel();
        let _watch = FileWatch::start(&file, tx).unwrap();
        std::fs::write(dir.path().join("other.yaml"), "x").unwrap();
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        std::fs::write(&file, "b").unwrap();
        let got = rx.recv_timeout(Duration::from_secs(5));
        assert!(matches!(got, Ok(UiEvent::FileChanged)), "{got:?}");
    }
}
