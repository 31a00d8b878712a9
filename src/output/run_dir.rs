//! A run folder is all or nothing: a run writes into a staging folder
//! beside the final one and renames it into place as its last step.
//!
//! For `reports/2026-W48` a run, holding `reports/.2026-W48.acqplan-lock`
//! (an exclusive `flock`, which the kernel releases when the process dies,
//! however it dies), writes every file into
//! `reports/.2026-W48.acqplan-staging-<pid>`, then renames that folder to
//! `reports/2026-W48`. With `--force` an old run there is renamed aside to
//! `reports/.2026-W48.acqplan-replaced-<pid>` just before, and removed just
//! after. A killed run leaves only hidden folders whose names say what they
//! are; the next run for the same folder takes the lock, which proves their
//! writer dead, and clears them up: a staging folder is removed, an old run
//! renamed aside is put back if nothing replaced it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::OutputError;

/// Infix of the hidden staging folder's name.
pub const STAGING: &str = "acqplan-staging";
/// Infix of the hidden folder an old run is renamed to while `--force`
/// replaces it.
pub const REPLACED: &str = "acqplan-replaced";
/// Infix of the lock file's name.
pub const LOCK: &str = "acqplan-lock";

/// A run folder being written. It derefs to where the run's files are: the
/// staging folder until [`RunDir::commit`], the final folder after. Dropped
/// uncommitted (an error, a panic), it removes the staging folder and
/// leaves the final folder as it was.
#[derive(Debug)]
pub struct RunDir {
    target: PathBuf,
    staging: PathBuf,
    parent: PathBuf,
    name: String,
    force: bool,
    committed: AtomicBool,
    _lock: Lock,
}

impl RunDir {
    /// Start a run for `target`: refused if `target` already holds files,
    /// unless `force`; refused if another run is writing it. Stale folders
    /// of killed runs for `target` are cleared up first, each said on `err`.
    pub fn begin(target: &Path, force: bool, err: &mut dyn Write) -> Result<RunDir, OutputError> {
        let target = resolve(target)?;
        // Empty for a bare name: joined paths then print as given.
        let parent = target.parent().unwrap_or(Path::new("")).to_path_buf();
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let lock = Lock::acquire(&parent.join(format!(".{name}.{LOCK}")), &target)?;
        recover(&parent, &name, &target, err)?;
        check_target(&target, force)?;
        let staging = parent.join(format!(".{name}.{STAGING}-{}", std::process::id()));
        std::fs::create_dir(&staging).map_err(io(&staging))?;
        Ok(RunDir {
            target,
            staging,
            parent,
            name,
            force,
            committed: AtomicBool::new(false),
            _lock: lock,
        })
    }

    /// Re-write files of the existing run `target`: a copy of its files is
    /// staged, to be changed and swapped in whole by [`RunDir::commit`].
    /// Nothing is staged if `target` does not exist (its reader will say
    /// what is missing).
    pub fn update(target: &Path, err: &mut dyn Write) -> Result<RunDir, OutputError> {
        let parent = target.parent().unwrap_or(Path::new(""));
        if !or_dot(parent).is_dir() {
            return Err(OutputError::Io {
                path: target.into(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such run folder"),
            });
        }
        let run = RunDir::begin(target, true, err)?;
        let entries = match std::fs::read_dir(&run.target) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(run),
            Err(e) => return Err(io(&run.target)(e)),
        };
        for e in entries {
            let e = e.map_err(io(&run.target))?;
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let to = run.staging.join(e.file_name());
            std::fs::copy(e.path(), &to).map_err(io(&to))?;
        }
        Ok(run)
    }

    /// The final folder.
    pub fn final_path(&self) -> &Path {
        &self.target
    }

    /// The last step of a run: rename the staging folder into place (with
    /// `force`, over the old run, which is removed only once the new one is
    /// in place). Later calls do nothing.
    pub fn commit(&self) -> Result<(), OutputError> {
        if self.committed.load(Ordering::SeqCst) {
            return Ok(());
        }
        sync_dir(&self.staging);
        let occupied = std::fs::read_dir(&self.target).is_ok_and(|mut d| d.next().is_some());
        if occupied && !self.force {
            // Written by something other than acqplan since the run began.
            return Err(OutputError::Exists {
                path: self.target.clone(),
            });
        }
        if occupied {
            let aside =
                self.parent
                    .join(format!(".{}.{REPLACED}-{}", self.name, std::process::id()));
            std::fs::rename(&self.target, &aside).map_err(io(&self.target))?;
            if let Err(e) = std::fs::rename(&self.staging, &self.target) {
                let _ = std::fs::rename(&aside, &self.target);
                return Err(io(&self.target)(e));
            }
            self.committed.store(true, Ordering::SeqCst);
            let _ = std::fs::remove_dir_all(&aside);
        } else {
            std::fs::rename(&self.staging, &self.target).map_err(|e| {
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::DirectoryNotEmpty | std::io::ErrorKind::AlreadyExists
                ) {
                    OutputError::Exists {
                        path: self.target.clone(),
                    }
                } else {
                    io(&self.target)(e)
                }
            })?;
            self.committed.store(true, Ordering::SeqCst);
        }
        sync_dir(&self.parent);
        Ok(())
    }
}

impl Deref for RunDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        if self.committed.load(Ordering::SeqCst) {
            &self.target
        } else {
            &self.staging
        }
    }
}

impl AsRef<Path> for RunDir {
    fn as_ref(&self) -> &Path {
        self
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed.load(Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// `OutputError::Io` about `path`.
fn io(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.into(),
        source,
    }
}

/// A target that names its folder: `.`, `..` and `/` are resolved.
fn resolve(target: &Path) -> Result<PathBuf, OutputError> {
    if target.file_name().is_some() {
        Ok(target.into())
    } else {
        std::fs::canonicalize(target).map_err(io(target))
    }
}

/// Refuse an occupied target without `force`; with it, refuse a folder
/// that is not a run folder (a run folder holds files only), which `force`
/// would otherwise remove.
fn check_target(target: &Path, force: bool) -> Result<(), OutputError> {
    let entries = match std::fs::read_dir(target) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(target)(e)),
    };
    for e in entries {
        let e = e.map_err(io(target))?;
        if !force {
            return Err(OutputError::Exists {
                path: target.into(),
            });
        }
        if !e.file_type().map_err(io(target))?.is_file() {
            return Err(OutputError::Io {
                path: e.path(),
                source: std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "not a file; --force replaces only a run folder, which holds files alone",
                ),
            });
        }
    }
    Ok(())
}

/// Clear up after killed runs for `target` (the lock is held, so their
/// writers are gone): put back an old run renamed aside if nothing
/// replaced it, remove the rest.
fn recover(
    parent: &Path,
    name: &str,
    target: &Path,
    err: &mut dyn Write,
) -> Result<(), OutputError> {
    let mut left: Vec<(PathBuf, bool, String)> = Vec::new();
    for e in std::fs::read_dir(or_dot(parent)).map_err(io(parent))? {
        let e = e.map_err(io(parent))?;
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else {
            continue;
        };
        for (infix, replaced) in [(STAGING, false), (REPLACED, true)] {
            if let Some(pid) = rest.strip_prefix(&format!("{infix}-")) {
                left.push((parent.join(&file), replaced, pid.to_string()));
            }
        }
    }
    // Old runs first, so that one can go back into an empty place.
    left.sort_by_key(|(path, replaced, _)| (!*replaced, path.clone()));
    for (path, replaced, pid) in left {
        let shown = path.display();
        let empty = std::fs::read_dir(target).map_or(true, |mut d| d.next().is_none());
        if replaced && empty {
            std::fs::rename(&path, target).map_err(io(target))?;
            let _ = writeln!(
                err,
                "note: put back `{}` from `{shown}`: a --force run (pid {pid}) was stopped while replacing it",
                target.display()
            );
        } else {
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
            let what = if replaced {
                format!("the old run a --force run (pid {pid}) had replaced before it was stopped")
            } else {
                format!("left by a run (pid {pid}) that did not finish")
            };
            let _ = writeln!(err, "note: removed stale `{shown}`, {what}");
        }
    }
    Ok(())
}

/// `.` for the empty path (a bare name's parent).
fn or_dot(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// Flush a folder's entries to disk (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(or_dot(dir)) {
        let _ = f.sync_all();
    }
}

/// An exclusive lock on a file, held while the run writes. The file is
/// removed when the lock is released; a killed run's file stays, and the
/// next run takes the lock on it.
#[derive(Debug)]
pub(crate) struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    pub(crate) fn acquire(path: &Path, target: &Path) -> Result<Lock, OutputError> {
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io(path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(OutputError::Busy {
                        path: target.into(),
                        pid: text.trim().parse().ok(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(path)(e)),
            }
            // The holder before us may have removed the file between our
            // open and our lock: then the lock is on a file no one else
            // will open, and we try again.
            if !same_file(path, &file) {
                continue;
            }
            file.set_len(0).map_err(io(path))?;
            write!(file, "{}", std::process::id()).map_err(io(path))?;
            return Ok(Lock {
                path: path.into(),
                _file: file,
            });
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked; the lock goes with the file handle.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn same_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(path: &Path, _file: &File) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::write_atomic;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn nothing_is_in_place_before_commit_and_nothing_else_after() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("r");
        let run = RunDir::begin(&target, false, &mut Vec::new()).unwrap();
        write_atomic(&run.join("a.csv"), b"1").unwrap();
        assert!(!target.exists());
        assert_ne!(&*run, target.as_path());
        run.commit().unwrap();
        assert_eq!(&*run, target.as_path());
        drop(run);
        assert_eq!(names(&target), ["a.csv"]);
        assert_eq!(names(tmp.path()), ["r"]);
    }

    #[test]
    fn an_uncommitted_run_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::begin(&tmp.path().join("r"), false, &mut Vec::new()).unwrap();
        write_atomic(&run.join("a.csv"), b"1").unwrap();
        drop(run);
        assert!(names(tmp.path()).is_empty());
    }

    #[test]
    fn occupied_needs_force_and_force_keeps_the_old_run_until_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("r");
        std::fs::create_dir(&target).unwrap();
        // An empty folder is not occupied.
        let run = RunDir::begin(&target, false, &mut Vec::new()).unwrap();
        write_atomic(&run.join("a.csv"), b"old").unwrap();
        run.commit().unwrap();
        drop(run);
        assert!(matches!(
            RunDir::begin(&target, false, &mut Vec::new()),
            Err(OutputError::Exists { .. })
        ));
        let run = RunDir::begin(&target, true, &mut Vec::new()).unwrap();
        write_atomic(&run.join("b.csv"), b"new").unwrap();
        assert_eq!(names(&target), ["a.csv"]);
        run.commit().unwrap();
        drop(run);
        assert_eq!(names(&target), ["b.csv"]);
        assert_eq!(names(tmp.path()), ["r"]);
    }

    #[test]
    fn force_refuses_a_folder_holding_folders() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("r/sub")).unwrap();
        let e = RunDir::begin(&tmp.path().join("r"), true, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("sub"), "{e}");
        assert_eq!(names(tmp.path()), ["r"]);
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("r");
        let first = RunDir::begin(&target, false, &mut Vec::new()).unwrap();
        let e = RunDir::begin(&target, true, &mut Vec::new()).unwrap_err();
        assert!(
            matches!(e, OutputError::Busy { pid: Some(p), .. } if p == std::process::id()),
            "{e}"
        );
        drop(first);
        RunDir::begin(&target, false, &mut Vec::new()).unwrap();
    }

    #[test]
    fn stale_folders_are_cleared_and_an_old_run_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("r");
        // A killed --force run: the old run aside, the new one staged.
        std::fs::create_dir(tmp.path().join(".r.acqplan-replaced-99999")).unwrap();
        std::fs::write(tmp.path().join(".r.acqplan-replaced-99999/a.csv"), b"old").unwrap();
        std::fs::create_dir(tmp.path().join(".r.acqplan-staging-99999")).unwrap();
        std::fs::write(tmp.path().join(".r.acqplan-lock"), b"99999").unwrap();
        // Another folder's staging is not ours to touch.
        std::fs::create_dir(tmp.path().join(".q.acqplan-staging-99999")).unwrap();
        let mut err = Vec::new();
        let e = RunDir::begin(&target, false, &mut err).unwrap_err();
        assert!(matches!(e, OutputError::Exists { .. }), "{e}");
        let err = String::from_utf8(err).unwrap();
        assert!(err.contains("put back"), "{err}");
        assert!(err.contains("removed stale"), "{err}");
        assert_eq!(std::fs::read(target.join("a.csv")).unwrap(), b"old");
        assert_eq!(names(tmp.path()), [".q.acqplan-staging-99999", "r"]);
    }

    #[test]
    fn update_stages_a_copy_of_the_run() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("r");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("a.csv"), b"a").unwrap();
        std::fs::write(target.join("b.png"), b"old").unwrap();
        let run = RunDir::update(&target, &mut Vec::new()).unwrap();
        write_atomic(&run.join("b.png"), b"new").unwrap();
        assert_eq!(std::fs::read(target.join("b.png")).unwrap(), b"old");
        run.commit().unwrap();
        drop(run);
        assert_eq!(names(&target), ["a.csv", "b.png"]);
        assert_eq!(std::fs::read(target.join("b.png")).unwrap(), b"new");
        assert_eq!(names(tmp.path()), ["r"]);
    }
}
