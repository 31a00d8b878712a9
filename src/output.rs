//! The run folder and atomic file writes: a crash never leaves a
//! half-written output file, nor a run folder holding part of a run
//! ([`RunDir`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::contract::calendar::{civil_from_days, days_from_civil, weekday};

pub mod manifest;
pub mod progress;
pub mod run_dir;

pub use run_dir::RunDir;

/// Why an output could not be written.
#[derive(Debug, Error)]
pub enum OutputError {
    #[error("output folder `{}` already holds a run", path.display())]
    Exists { path: PathBuf },
    #[error(
        "another acqplan run{} is writing output folder `{}`",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        path.display()
    )]
    Busy { path: PathBuf, pid: Option<u32> },
    #[error("could not write `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl OutputError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            OutputError::Exists { .. } => {
                Some("pass --force to replace it, or --out to write elsewhere".into())
            }
            OutputError::Busy { .. } => {
                Some("wait for it to finish, or pass --out to write elsewhere".into())
            }
            OutputError::Io { .. } => None,
        }
    }
}

/// Write `bytes` to `path` atomically: into a temporary file in the same
/// folder, flushed to disk, then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let io = |source| OutputError::Io {
        path: path.into(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// ISO 8601 year and week of a day count (days since 1970-01-01).
pub fn iso_week(days: i32) -> (i32, u32) {
    // The Thursday of this week decides the year.
    let thursday = days - weekday(days) as i32 + 3;
    let (year, _, _) = civil_from_days(thursday);
    let week = ((thursday - days_from_civil(year, 1, 1)) / 7 + 1) as u32;
    (year, week)
}

/// Today, days since 1970-01-01 (UTC).
pub fn today() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (secs / 86_400) as i32
}

/// The default run folder under `root`: `root/2026-W48`.
pub fn default_run_dir(root: &Path, day: i32) -> PathBuf {
    let (y, w) = iso_week(day);
    root.join(format!("{y}-W{w:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks() {
        assert_eq!(iso_week(days_from_civil(2026, 11, 25)), (2026, 48));
        assert_eq!(iso_week(days_from_civil(2021, 1, 3)), (2020, 53));
        assert_eq!(iso_week(days_from_civil(2024, 12, 30)), (2025, 1));
        assert_eq!(iso_week(days_from_civil(2026, 1, 1)), (2026, 1));
    }

    #[test]
    fn atomic_write_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        write_atomic(&p, b"x,y\n").unwrap();
        write_atomic(&p, b"x,y\n1,2\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"x,y\n1,2\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.csv")]);
    }

    #[test]
    fn failed_write_leaves_no_partial_or_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        // The rename fails after the temp file was written in full: the
        // target is a folder that holds a file.
        let target = dir.path().join("plan.csv");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), b"k").unwrap();
        let e = write_atomic(&target, b"room,channel\n").unwrap_err();
        assert!(matches!(e, OutputError::Io { .. }), "{e}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("plan.csv")]);
        // Parent is a file: nothing can be created at all.
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(write_atomic(&file.join("a.csv"), b"1").is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
    }
}
