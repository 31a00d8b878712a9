//! manifest.json: what a run read, with what settings, and when. It is the
//! only file of a run folder that holds times; every other file depends on
//! the inputs and flags alone.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use serde::Serialize;

use super::progress::Progress;
use super::{OutputError, write_atomic};
use crate::contract::calendar::civil_from_days;

/// File name of the manifest in a run folder.
pub const MANIFEST: &str = "manifest.json";

/// When one stage ran.
#[derive(Clone, Debug, Serialize)]
pub struct StageTime {
    /// Stage name: `load`, `screen`, `fit`, `plan`, …
    pub name: &'static str,
    /// Wall-clock start, UTC, RFC 3339.
    pub started_at: String,
    /// Duration, seconds.
    pub seconds: f64,
}

/// Times the stages of a run and tells a [`Progress`] about them.
pub struct StageClock<'p> {
    stages: Vec<StageTime>,
    current: Option<(&'static str, SystemTime, Instant)>,
    progress: &'p dyn Progress,
}

impl<'p> StageClock<'p> {
    /// A clock reporting to `progress`.
    pub fn new(progress: &'p dyn Progress) -> Self {
        StageClock {
            stages: Vec::new(),
            current: None,
            progress,
        }
    }

    /// End the running stage (if any) and start `name`.
    pub fn start(&mut self, name: &'static str) {
        self.end();
        self.progress.start(name);
        self.current = Some((name, SystemTime::now(), Instant::now()));
    }

    /// End the running stage.
    pub fn end(&mut self) {
        if let Some((name, wall, t0)) = self.current.take() {
            let seconds = t0.elapsed().as_secs_f64();
            self.progress.finish(name, seconds);
            self.stages.push(StageTime {
                name,
                started_at: rfc3339(wall),
                seconds,
            });
        }
    }

    /// The stages ended so far.
    pub fn stages(&self) -> &[StageTime] {
        &self.stages
    }

    /// `timings: load 0.10 s, …, total 1.23 s` for `-v`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .stages
            .iter()
            .map(|s| format!("{} {:.2} s", s.name, s.seconds))
            .collect();
        let total: f64 = self.stages.iter().map(|s| s.seconds).sum();
        format!("timings: {}, total {total:.2} s", parts.join(", "))
    }
}

/// The input file and its content hash.
#[derive(Clone, Debug, Serialize)]
pub struct InputInfo {
    /// Path as given.
    pub path: PathBuf,
    /// Size, bytes.
    pub bytes: u64,
    /// BLAKE3 of the file's bytes, hex.
    pub blake3: String,
}

/// Hash a file's bytes (BLAKE3).
pub fn hash_file(path: &Path) -> Result<InputInfo, OutputError> {
    let io = |source| OutputError::Io {
        path: path.into(),
        source,
    };
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(path).map_err(io)?;
    hasher.update_reader(file).map_err(io)?;
    Ok(InputInfo {
        path: path.into(),
        bytes: std::fs::metadata(path).map_err(io)?.len(),
        blake3: hasher.finalize().to_hex().to_string(),
    })
}

/// Rows through the pipeline.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct RowCounts {
    /// Data rows read from the file, good and bad.
    pub read: usize,
    /// Rows skipped as defective (`--skip-bad-rows`).
    pub rejected: usize,
    /// Rows flagged as suspected fake traffic.
    pub flagged: usize,
    /// Rows the curves were fitted on (`None` when nothing was fitted).
    pub used: Option<usize>,
    /// Console total rows (合计 / Total) left out, never summed in.
    pub total_rows_left_out: usize,
    /// Empty cells of each optional column (`orders`, `gmv`, …) in the
    /// rows read; a column without any is not listed.
    pub empty_cells: std::collections::BTreeMap<String, usize>,
}

/// One output file of the run.
#[derive(Clone, Debug, Serialize)]
pub struct FileEntry {
    /// File name in the run folder.
    pub name: String,
    /// Size, bytes.
    pub bytes: u64,
    /// BLAKE3 of its bytes, hex.
    pub blake3: String,
}

/// The manifest of one run.
#[derive(Debug, Serialize)]
pub struct Manifest<'a, C: Serialize> {
    /// `acqplan` version that wrote the run.
    pub acqplan_version: &'static str,
    /// Subcommand: `fit`, `screen`, `plan`, `run`, `frontier`.
    pub command: &'static str,
    /// When the manifest was written, UTC, RFC 3339.
    pub written_at: String,
    /// The history read.
    pub input: Option<&'a InputInfo>,
    /// Rows through the pipeline.
    pub rows: RowCounts,
    /// The resolved settings, each with its source.
    pub config: &'a C,
    /// When each stage ran.
    pub stages: &'a [StageTime],
    /// The other files of the folder with their hashes.
    pub files: Vec<FileEntry>,
}

/// Write manifest.json into `dir`, listing the files already there.
pub fn write_manifest<C: Serialize>(
    dir: &Path,
    command: &'static str,
    input: Option<&InputInfo>,
    rows: RowCounts,
    config: &C,
    stages: &[StageTime],
) -> Result<(), OutputError> {
    let m = Manifest {
        acqplan_version: env!("CARGO_PKG_VERSION"),
        command,
        written_at: rfc3339(SystemTime::now()),
        input,
        rows,
        config,
        stages,
        files: files_in(dir)?,
    };
    let mut bytes = serde_json::to_vec_pretty(&m).expect("manifest serialises");
    bytes.push(b'\n');
    write_atomic(&dir.join(MANIFEST), &bytes)
}

/// The visible files of `dir` except the manifest, by name.
fn files_in(dir: &Path) -> Result<Vec<FileEntry>, OutputError> {
    let io = |source| OutputError::Io {
        path: dir.into(),
        source,
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io)? {
        let e = e.map_err(io)?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == MANIFEST || !e.file_type().map_err(io)?.is_file() {
            continue;
        }
        let bytes = std::fs::read(e.path()).map_err(io)?;
        out.push(FileEntry {
            name,
            bytes: bytes.len() as u64,
            blake3: blake3::hash(&bytes).to_hex().to_string(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `2026-11-25T01:30:00.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i32);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_instants() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_764_034_200_123);
        assert_eq!(rfc3339(t), "2025-11-25T01:30:00.123Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn manifest_lists_files_with_hashes_and_not_itself() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(&dir.path().join("b.csv"), b"2").unwrap();
        write_atomic(&dir.path().join("a.csv"), b"1").unwrap();
        let input = hash_file(&dir.path().join("a.csv")).unwrap();
        assert_eq!(input.blake3, blake3::hash(b"1").to_hex().to_string());
        assert_eq!(input.bytes, 1);
        let rows = RowCounts {
            read: 10,
            rejected: 1,
            flagged: 2,
            used: Some(7),
            ..RowCounts::default()
        };
        write_manifest(dir.path(), "plan", Some(&input), rows.clone(), &"cfg", &[]).unwrap();
        write_manifest(dir.path(), "plan", Some(&input), rows, &"cfg", &[]).unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(MANIFEST)).unwrap()).unwrap();
        let names: Vec<&str> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a.csv", "b.csv"]);
        assert_eq!(v["rows"]["used"], 7);
        assert_eq!(v["acqplan_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["config"], "cfg");
    }
}
