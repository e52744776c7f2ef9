//! Watching program files for changes, however an editor saves them.
//!
//! Editors save in place, write a temporary file and rename it over the
//! original (vim, VS Code, JetBrains), or delete and recreate the file.
//! Watching the file itself loses track after a rename, so the parent
//! directories are watched and events are filtered by path. Bursts of
//! writes are collapsed by a short debounce (3 ms: an editor's save is a
//! burst of events well under a millisecond apart).

use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// Quiet time after the last file event before a change is reported.
pub const DEBOUNCE: Duration = Duration::from_millis(3);

/// What happened to the watched files.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// One or more files changed (or reappeared).
    Modified(Vec<PathBuf>),
    /// A watched file is gone.
    Removed(PathBuf),
}

/// Watches a set of files through their directories.
pub struct FileWatcher {
    debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    events: Receiver<DebounceEventResult>,
    files: BTreeSet<PathBuf>,
    dirs: BTreeSet<PathBuf>,
    /// When the last event arrived (for latency measurements).
    pub last_event: Option<Instant>,
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

impl FileWatcher {
    pub fn new(files: &[PathBuf]) -> notify::Result<FileWatcher> {
        let (tx, rx) = channel();
        let debouncer = new_debouncer(DEBOUNCE, Some(Duration::from_millis(1)), tx)
            .map_err(|e| notify::Error::generic(&e.to_string()))?;
        let mut w = FileWatcher {
            debouncer,
            events: rx,
            files: BTreeSet::new(),
            dirs: BTreeSet::new(),
            last_event: None,
        };
        w.set_files(files)?;
        Ok(w)
    }

    /// Replaces the set of watched files (e.g. when imports change).
    pub fn set_files(&mut self, files: &[PathBuf]) -> notify::Result<()> {
        self.files = files.iter().map(|f| absolute(f)).collect();
        let dirs: BTreeSet<PathBuf> = self
            .files
            .iter()
            .map(|f| f.parent().map(Path::to_path_buf).unwrap_or_default())
            .collect();
        for d in self.dirs.difference(&dirs) {
            let _ = self.debouncer.unwatch(d);
        }
        for d in dirs.difference(&self.dirs) {
            self.debouncer.watch(d, RecursiveMode::NonRecursive)?;
        }
        self.dirs = dirs;
        Ok(())
    }

    /// The changes since the last call (non-blocking).
    pub fn poll(&mut self) -> Option<Change> {
        let mut changed: BTreeSet<PathBuf> = BTreeSet::new();
        while let Ok(result) = self.events.try_recv() {
            let Ok(events) = result else { continue };
            for e in events {
                for p in &e.paths {
                    let p = absolute(p);
                    if self.files.contains(&p) {
                        changed.insert(p);
                        self.last_event = Some(Instant::now());
                    }
                }
            }
        }
        if changed.is_empty() {
            return None;
        }
        if let Some(gone) = changed.iter().find(|p| !p.exists()) {
            return Some(Change::Removed(gone.clone()));
        }
        Some(Change::Modified(changed.into_iter().collect()))
    }
}
