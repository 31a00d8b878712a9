//! A history store: each week's console exports merged into one
//! month-partitioned Parquet folder that `--data STORE` reads like any
//! Parquet folder.
//!
//! ```text
//! STORE/
//!   current -> _gen-000007          the store as readers see it (a symlink)
//!   _gen-000007/
//!     month=2026-10/part-0.parquet  one file per month, sorted by date, room, channel
//!     _store.json                   partitions, rows, date range, exports ingested (BLAKE3), schema version
//!     _ledger.csv                   every revision: old and new value, which export, when
//!     _rejected/<export>-<hash>.csv rows an export had defects in (--skip-bad-rows)
//!   _lock                           held while an ingest writes
//! ```
//!
//! An ingest writes a whole new generation beside the current one (months
//! it did not touch are hard links, so this costs only the months that
//! changed), then swaps the `current` symlink in one `rename`, then removes
//! the old generation: a reader sees the old store or the new one, and a
//! killed ingest leaves the old one in place (its half-written generation
//! is removed by the next ingest). Folders and files starting with `_` are
//! skipped by the Parquet-folder reader, so only `current` is read.

pub mod describe;
pub mod error;
pub mod rows;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::contract::calendar::{civil_from_days, format_date};
pub use error::StoreError;

use crate::error::Error;
use crate::load::LoadOptions;
use crate::output::manifest::{hash_file, rfc3339};
use crate::output::{OutputError, write_atomic};
use crate::pipeline::{Message, Messages};
use crate::validate::period::PeriodChoice;
use rows::{MergeCounts, OnConflict, Revision, Rows, frame_of, merge, rows_of};

/// Version of the store's layout, in `_store.json`.
pub const SCHEMA_VERSION: u32 = 1;
/// The symlink naming the current generation.
pub const CURRENT: &str = "current";
/// The manifest inside a generation.
pub const MANIFEST: &str = "_store.json";
/// The revision ledger inside a generation.
pub const LEDGER: &str = "_ledger.csv";
const LEDGER_HEADER: &str = "date,room,channel,field,old,new,export,export_blake3,ingested_at\n";

/// What `_store.json` says.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// Generation number (1 for the first ingest).
    pub generation: u64,
    /// Days one row covers (1 daily, 7 weekly); every export must match.
    pub period_days: u32,
    /// Rows in all partitions.
    pub rows: usize,
    /// First and last date held, `YYYY-MM-DD`.
    pub first_date: Option<String>,
    /// Last date held.
    pub last_date: Option<String>,
    /// One entry per month file.
    pub partitions: Vec<Partition>,
    /// Every export that changed the store, oldest first.
    pub exports: Vec<Export>,
}

/// One month file of the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Partition {
    /// `YYYY-MM`.
    pub month: String,
    /// Path inside the generation, `month=YYYY-MM/part-0.parquet`.
    pub file: String,
    /// Rows in it.
    pub rows: usize,
    /// Its first date, `YYYY-MM-DD`.
    pub first_date: String,
    /// Its last date.
    pub last_date: String,
    /// BLAKE3 of the file.
    pub blake3: String,
}

/// One export ingested.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Export {
    /// The path given to `ingest`.
    pub file: String,
    /// BLAKE3 of its bytes (an export with the same hash is not read again).
    pub blake3: String,
    /// Rows it held (after summing hourly rows).
    pub rows: usize,
    /// Rows new to the store.
    pub added: usize,
    /// Rows the store already had with the same values.
    pub unchanged: usize,
    /// Rows whose values differed.
    pub revised: usize,
    /// What happened to the revised rows: `newer` (replaced) or `keep`.
    pub on_conflict: String,
    /// When it was ingested (UTC).
    pub ingested_at: String,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.into(),
        source,
    }
}

/// How exports are read and merged.
#[derive(Clone, Debug, Default)]
pub struct IngestOptions {
    /// Column map and bad-row policy, as `validate` reads.
    pub load: LoadOptions,
    /// The exports' period (detected, or forced).
    pub period: PeriodChoice,
    /// What to do when an export disagrees with the store.
    pub on_conflict: OnConflict,
    /// How long to wait for another writer's lock before failing
    /// (zero: fail at once).
    pub wait: std::time::Duration,
}

/// What happened to one export.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportOutcome {
    /// The export.
    pub file: PathBuf,
    /// BLAKE3 of its bytes.
    pub blake3: String,
    /// Already ingested (same bytes): not read again.
    pub already_ingested: bool,
    /// Rows read from it.
    pub rows: usize,
    /// Rows left out for defects (`--skip-bad-rows`).
    pub rejected: usize,
    /// How its rows merged.
    pub counts: MergeCounts,
}

/// What an ingest did.
#[derive(Clone, Debug, PartialEq)]
pub struct IngestReport {
    /// One per export, in the order given.
    pub exports: Vec<ExportOutcome>,
    /// The store's manifest after the ingest.
    pub manifest: Manifest,
    /// Whether a new generation was written (false: nothing changed).
    pub changed: bool,
}

/// The current generation's folder and manifest (`None`: an empty or new
/// folder).
pub fn current(store: &Path) -> Result<Option<(PathBuf, Manifest)>, StoreError> {
    let link = store.join(CURRENT);
    if std::fs::symlink_metadata(&link).is_err() {
        if store.is_dir()
            && std::fs::read_dir(store)
                .map_err(io(store))?
                .filter_map(Result::ok)
                .any(|e| !e.file_name().to_string_lossy().starts_with('_'))
        {
            return Err(StoreError::NotAStore {
                path: store.into(),
                problem: format!("it holds files but no `{CURRENT}`"),
            });
        }
        return Ok(None);
    }
    let target = std::fs::read_link(&link).map_err(io(&link))?;
    let dir = store.join(target);
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(io(&path))?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| StoreError::NotAStore {
        path: store.into(),
        problem: format!("{}: {e}", path.display()),
    })?;
    if manifest.schema_version > SCHEMA_VERSION {
        return Err(StoreError::NotAStore {
            path: store.into(),
            problem: format!(
                "schema version {} is newer than this acqplan's {SCHEMA_VERSION}",
                manifest.schema_version
            ),
        });
    }
    Ok(Some((dir, manifest)))
}

/// The store's write lock, held while an ingest, `--keep-days` or
/// `--compact` changes it (released when dropped, or by the kernel when the
/// process dies). Another writer's lock is polled for up to `wait`, then
/// [`StoreError::Busy`].
fn lock(store: &Path, wait: std::time::Duration) -> Result<crate::output::run_dir::Lock, Error> {
    let start = std::time::Instant::now();
    loop {
        match crate::output::run_dir::Lock::acquire(&store.join("_lock"), store) {
            Ok(l) => return Ok(l),
            Err(OutputError::Busy { path, pid }) => {
                if start.elapsed() >= wait {
                    return Err(StoreError::Busy {
                        path,
                        pid,
                        waited: wait,
                    }
                    .into());
                }
                std::thread::sleep(LOCK_POLL.min(wait.saturating_sub(start.elapsed())));
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// How often a waiting writer tries the lock again.
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// `YYYY-MM` of a day.
fn month_of(day: i32) -> String {
    let (y, m, _) = civil_from_days(day);
    format!("{y:04}-{m:02}")
}

/// The rows of one month file.
pub(crate) fn read_month(dir: &Path, p: &Partition) -> Result<Rows, Error> {
    let path = dir.join(&p.file);
    // What the store holds passed an ingest's checks: a `gmv` below zero
    // is there only because that ingest declared it net of refunds.
    let opts = LoadOptions {
        declared: crate::contract::Declared { gmv_is_net: true },
        ..LoadOptions::default()
    };
    let loaded = crate::load::load(&path, &opts)?;
    rows_of(&loaded.data).map_err(|source| {
        StoreError::Partition {
            month: p.month.clone(),
            source,
        }
        .into()
    })
}

/// Merge `exports` into the store at `store` (made if absent), all or
/// nothing. Exports already ingested (same BLAKE3) are not read again; an
/// ingest that changes no row writes nothing.
pub fn ingest(
    store: &Path,
    exports: &[PathBuf],
    options: &IngestOptions,
    now: SystemTime,
    messages: &mut Messages,
) -> Result<IngestReport, Error> {
    std::fs::create_dir_all(store).map_err(io(store))?;
    let _lock = lock(store, options.wait)?;
    let old = current(store)?;
    remove_stale_generations(store, old.as_ref().map(|(d, _)| d.as_path()))?;
    let (old_dir, mut manifest) = match old {
        Some((d, m)) => (Some(d), m),
        None => (None, Manifest::default()),
    };
    let ingested_at = rfc3339(now);
    // Months read from the store or touched by an export.
    let mut months: std::collections::BTreeMap<String, Rows> = Default::default();
    let mut touched = std::collections::BTreeSet::new();
    let mut outcomes = Vec::with_capacity(exports.len());
    let mut ledger = String::new();
    let mut rejected_files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut new_exports = Vec::new();
    for export in exports {
        let blake3 = hash_file(export)?.blake3;
        if manifest.exports.iter().any(|e| e.blake3 == blake3) {
            messages.push(Message::Note(format!(
                "{}: already ingested (same bytes); nothing to do",
                export.display()
            )));
            outcomes.push(ExportOutcome {
                file: export.clone(),
                blake3,
                already_ingested: true,
                rows: 0,
                rejected: 0,
                counts: MergeCounts::default(),
            });
            continue;
        }
        let history = crate::pipeline::load(export, &options.load, options.period, messages)?;
        let period = history.loaded.data.period();
        let store_days = if manifest.period_days == 0 {
            period.days
        } else {
            manifest.period_days
        };
        if period.days != store_days {
            return Err(StoreError::Period {
                export: export.clone(),
                period: period.to_string(),
                store_days,
            }
            .into());
        }
        manifest.period_days = store_days;
        let incoming = rows_of(&history.loaded.data)?;
        let n = incoming.len();
        let mut by_month: std::collections::BTreeMap<String, Rows> = Default::default();
        for (k, v) in incoming {
            by_month.entry(month_of(k.0)).or_default().insert(k, v);
        }
        let mut counts = MergeCounts::default();
        for (month, rows) in by_month {
            if !months.contains_key(&month) {
                let existing = match (
                    &old_dir,
                    manifest.partitions.iter().find(|p| p.month == month),
                ) {
                    (Some(d), Some(p)) => read_month(d, p)?,
                    _ => Rows::new(),
                };
                months.insert(month.clone(), existing);
            }
            let target = months.get_mut(&month).expect("inserted above");
            let c = merge(target, rows, options.on_conflict);
            if c.added > 0 || (c.revised > 0 && options.on_conflict == OnConflict::Newer) {
                touched.insert(month);
            }
            counts.added += c.added;
            counts.unchanged += c.unchanged;
            counts.revised += c.revised;
            counts.revisions.extend(c.revisions);
        }
        if options.on_conflict == OnConflict::Error && counts.revised > 0 {
            return Err(StoreError::Conflict {
                export: export.clone(),
                revised: counts.revised,
                first: counts
                    .revisions
                    .first()
                    .map_or_else(String::new, revision_words),
            }
            .into());
        }
        for r in &counts.revisions {
            ledger.push_str(&ledger_line(r, export, &blake3, &ingested_at));
        }
        if let Some(csv) = history.rejected_rows_csv() {
            let stem = export
                .file_stem()
                .map_or("export".into(), |s| s.to_string_lossy().to_string());
            rejected_files.push((format!("_rejected/{stem}-{}.csv", &blake3[..12]), csv));
        }
        if counts.added + counts.revised > 0 {
            new_exports.push(Export {
                file: export.display().to_string(),
                blake3: blake3.clone(),
                rows: n,
                added: counts.added,
                unchanged: counts.unchanged,
                revised: counts.revised,
                on_conflict: match options.on_conflict {
                    OnConflict::Keep => "keep",
                    _ => "newer",
                }
                .into(),
                ingested_at: ingested_at.clone(),
            });
        } else {
            messages.push(Message::Note(format!(
                "{}: every row is already in the store with the same values",
                export.display()
            )));
        }
        outcomes.push(ExportOutcome {
            file: export.clone(),
            blake3,
            already_ingested: false,
            rows: n,
            rejected: history.loaded.rejected.len(),
            counts,
        });
    }
    if new_exports.is_empty() {
        return Ok(IngestReport {
            exports: outcomes,
            manifest,
            changed: false,
        });
    }
    manifest.exports.extend(new_exports);
    write_generation(
        store,
        old_dir.as_deref(),
        &mut manifest,
        &months,
        &touched,
        &ledger,
        &rejected_files,
    )?;
    Ok(IngestReport {
        exports: outcomes,
        manifest,
        changed: true,
    })
}

/// Drop the rows older than the last `keep_days` days of the store (the
/// history the fits need), all or nothing like an ingest. Returns the new
/// manifest and the rows dropped; `None` when nothing was older.
pub fn keep_days(
    store: &Path,
    keep_days: u32,
    wait: std::time::Duration,
) -> Result<Option<(Manifest, usize)>, Error> {
    let _lock = lock(store, wait)?;
    let (dir, mut manifest) = current(store)?.ok_or_else(|| StoreError::NotAStore {
        path: store.into(),
        problem: "nothing has been ingested into it".into(),
    })?;
    remove_stale_generations(store, Some(&dir))?;
    let Some(last) = manifest
        .last_date
        .as_deref()
        .and_then(crate::contract::cell::parse_date)
    else {
        return Ok(None);
    };
    let cutoff = last - keep_days as i32 + 1;
    let cutoff_text = format_date(cutoff);
    let mut months = std::collections::BTreeMap::new();
    let mut touched = std::collections::BTreeSet::new();
    let mut dropped = 0;
    let mut kept = Vec::new();
    for p in std::mem::take(&mut manifest.partitions) {
        if p.last_date < cutoff_text {
            dropped += p.rows;
        } else if p.first_date < cutoff_text {
            let mut rows = read_month(&dir, &p)?;
            let before = rows.len();
            rows.retain(|k, _| k.0 >= cutoff);
            dropped += before - rows.len();
            touched.insert(p.month.clone());
            months.insert(p.month.clone(), rows);
        } else {
            kept.push(p);
        }
    }
    if dropped == 0 {
        return Ok(None);
    }
    manifest.partitions = kept;
    write_generation(store, Some(&dir), &mut manifest, &months, &touched, "", &[])?;
    Ok(Some((manifest, dropped)))
}

/// What `--compact` did.
#[derive(Clone, Debug, PartialEq)]
pub struct CompactReport {
    /// Month files checked (every partition of the manifest).
    pub checked: usize,
    /// Month files rewritten (not in the current writer's form).
    pub rewritten: Vec<String>,
    /// Files inside the generation that the manifest does not list (left
    /// out of the new generation).
    pub strays: Vec<String>,
    /// Bytes of the month files before and after.
    pub bytes_before: u64,
    /// After.
    pub bytes_after: u64,
    /// The manifest after (a new generation when anything changed).
    pub manifest: Manifest,
}

/// Check every month file against the manifest (BLAKE3, rows) and rewrite
/// those not in the form this acqplan writes (one sorted file per month,
/// the current schema and encoding: files from an older writer, or
/// rewritten by another tool), leaving out stray files the manifest does
/// not list; all or nothing like an ingest. A month file whose bytes do not
/// match its BLAKE3 is [`StoreError::Damaged`] and nothing is changed.
pub fn compact(store: &Path, wait: std::time::Duration) -> Result<CompactReport, Error> {
    let _lock = lock(store, wait)?;
    let (dir, mut manifest) = current(store)?.ok_or_else(|| StoreError::NotAStore {
        path: store.into(),
        problem: "nothing has been ingested into it".into(),
    })?;
    remove_stale_generations(store, Some(&dir))?;
    let mut months = std::collections::BTreeMap::new();
    let mut touched = std::collections::BTreeSet::new();
    let (mut bytes_before, mut bytes_after) = (0u64, 0u64);
    for p in &manifest.partitions {
        let path = dir.join(&p.file);
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        let found = blake3::hash(&bytes).to_hex().to_string();
        if found != p.blake3 {
            return Err(StoreError::Damaged {
                path,
                problem: format!("its BLAKE3 is {found}, the manifest says {}", p.blake3),
            }
            .into());
        }
        let rows = read_month(&dir, p)?;
        if rows.len() != p.rows {
            return Err(StoreError::Damaged {
                path,
                problem: format!("it holds {} rows, the manifest says {}", rows.len(), p.rows),
            }
            .into());
        }
        let canonical = month_bytes(&rows)?;
        bytes_before += bytes.len() as u64;
        bytes_after += canonical.len() as u64;
        if canonical != bytes {
            touched.insert(p.month.clone());
            months.insert(p.month.clone(), rows);
        }
    }
    let listed: std::collections::BTreeSet<PathBuf> = manifest
        .partitions
        .iter()
        .map(|p| PathBuf::from(&p.file))
        .chain([MANIFEST, LEDGER].map(PathBuf::from))
        .collect();
    let mut strays = Vec::new();
    stray_files(&dir, &dir, &listed, &mut strays)?;
    strays.sort();
    let checked = manifest.partitions.len();
    let rewritten: Vec<String> = touched.iter().cloned().collect();
    if !touched.is_empty() || !strays.is_empty() {
        write_generation(store, Some(&dir), &mut manifest, &months, &touched, "", &[])?;
    }
    Ok(CompactReport {
        checked,
        rewritten,
        strays,
        bytes_before,
        bytes_after,
        manifest,
    })
}

/// Files under `dir` (but `_rejected/`) that `listed` does not name.
fn stray_files(
    root: &Path,
    dir: &Path,
    listed: &std::collections::BTreeSet<PathBuf>,
    out: &mut Vec<String>,
) -> Result<(), StoreError> {
    for e in std::fs::read_dir(dir).map_err(io(dir))? {
        let e = e.map_err(io(dir))?;
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .expect("under the root")
            .to_path_buf();
        if path.is_dir() {
            if rel != Path::new("_rejected") {
                stray_files(root, &path, listed, out)?;
            }
        } else if !listed.contains(&rel) {
            out.push(rel.display().to_string());
        }
    }
    Ok(())
}

/// A month's rows as this acqplan writes them.
fn month_bytes(rows: &Rows) -> Result<Vec<u8>, Error> {
    let mut frame = frame_of(rows)?;
    let mut buf = Vec::new();
    polars::prelude::ParquetWriter::new(&mut buf).finish(&mut frame)?;
    Ok(buf)
}

/// `2026-10-03 r1 douyin: spend 1200 → 1250`.
pub fn revision_words(r: &Revision) -> String {
    format!(
        "{} {} {}: {} {} → {}",
        format_date(r.key.0),
        r.key.1,
        r.key.2,
        r.field,
        r.old,
        r.new
    )
}

fn ledger_line(r: &Revision, export: &Path, blake3: &str, at: &str) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record([
        format_date(r.key.0).as_str(),
        &r.key.1,
        &r.key.2,
        r.field,
        &r.old,
        &r.new,
        &export.display().to_string(),
        blake3,
        at,
    ])
    .expect("writing to memory");
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("UTF-8 fields")
}

/// Remove half-written generations a killed ingest left (every `_gen-*`
/// but the current one).
fn remove_stale_generations(store: &Path, current: Option<&Path>) -> Result<(), StoreError> {
    let current_name = current
        .and_then(|c| c.file_name())
        .map(|n| n.to_os_string());
    for e in std::fs::read_dir(store).map_err(io(store))? {
        let e = e.map_err(io(store))?;
        let name = e.file_name();
        let stale =
            name.to_string_lossy().starts_with("_gen-") && Some(&name) != current_name.as_ref();
        let tmp = name.to_string_lossy().starts_with("_current.");
        if stale {
            std::fs::remove_dir_all(e.path()).map_err(io(&e.path()))?;
        } else if tmp {
            std::fs::remove_file(e.path()).map_err(io(&e.path()))?;
        }
    }
    Ok(())
}

/// Write the next generation (changed months rewritten, the others hard
/// linked), then switch `current` to it and remove the old one.
fn write_generation(
    store: &Path,
    old_dir: Option<&Path>,
    manifest: &mut Manifest,
    months: &std::collections::BTreeMap<String, Rows>,
    touched: &std::collections::BTreeSet<String>,
    ledger: &str,
    rejected: &[(String, Vec<u8>)],
) -> Result<(), Error> {
    manifest.schema_version = SCHEMA_VERSION;
    manifest.generation += 1;
    let name = format!("_gen-{:06}", manifest.generation);
    let dir = store.join(&name);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut partitions = Vec::new();
    let mut all_months: std::collections::BTreeSet<String> = manifest
        .partitions
        .iter()
        .map(|p| p.month.clone())
        .collect();
    all_months.extend(touched.iter().cloned());
    for month in &all_months {
        let file = format!("month={month}/part-0.parquet");
        let path = dir.join(&file);
        if touched.contains(month) {
            let rows = &months[month];
            if rows.is_empty() {
                continue;
            }
            let buf = month_bytes(rows)?;
            write_atomic(&path, &buf)?;
            partitions.push(Partition {
                month: month.clone(),
                file,
                rows: rows.len(),
                first_date: format_date(rows.keys().next().expect("not empty").0),
                last_date: format_date(rows.keys().next_back().expect("not empty").0),
                blake3: blake3::hash(&buf).to_hex().to_string(),
            });
        } else {
            let old = manifest
                .partitions
                .iter()
                .find(|p| &p.month == month)
                .expect("an untouched month is an old partition")
                .clone();
            let from = old_dir
                .expect("old partitions have a generation")
                .join(&old.file);
            std::fs::create_dir_all(path.parent().expect("month folder")).map_err(io(&path))?;
            if std::fs::hard_link(&from, &path).is_err() {
                std::fs::copy(&from, &path).map_err(io(&path))?;
            }
            partitions.push(old);
        }
    }
    manifest.rows = partitions.iter().map(|p| p.rows).sum();
    manifest.partitions = partitions;
    manifest.first_date = manifest
        .partitions
        .iter()
        .map(|p| p.first_date.clone())
        .min();
    manifest.last_date = manifest
        .partitions
        .iter()
        .map(|p| p.last_date.clone())
        .max();
    // The ledger: the old one, then this ingest's revisions.
    let mut text = match old_dir {
        Some(d) => std::fs::read_to_string(d.join(LEDGER)).unwrap_or_default(),
        None => String::new(),
    };
    if text.is_empty() {
        text.push_str(LEDGER_HEADER);
    }
    text.push_str(ledger);
    write_atomic(&dir.join(LEDGER), text.as_bytes())?;
    if let Some(d) = old_dir {
        let from = d.join("_rejected");
        if from.is_dir() {
            for e in std::fs::read_dir(&from)
                .map_err(io(&from))?
                .filter_map(Result::ok)
            {
                let to = dir.join("_rejected").join(e.file_name());
                std::fs::create_dir_all(to.parent().expect("folder")).map_err(io(&to))?;
                if std::fs::hard_link(e.path(), &to).is_err() {
                    std::fs::copy(e.path(), &to).map_err(io(&to))?;
                }
            }
        }
    }
    for (file, bytes) in rejected {
        write_atomic(&dir.join(file), bytes)?;
    }
    let mut json = serde_json::to_vec_pretty(&*manifest).expect("manifest serialises");
    json.push(b'\n');
    write_atomic(&dir.join(MANIFEST), &json)?;
    switch_current(store, &name)?;
    if let Some(d) = old_dir {
        std::fs::remove_dir_all(d).map_err(io(d))?;
    }
    Ok(())
}

/// Point `current` at `generation` in one rename.
#[cfg(unix)]
fn switch_current(store: &Path, generation: &str) -> Result<(), StoreError> {
    let tmp = store.join(format!("_current.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(generation, &tmp).map_err(io(&tmp))?;
    std::fs::rename(&tmp, store.join(CURRENT)).map_err(io(store))?;
    Ok(())
}

#[cfg(not(unix))]
fn switch_current(store: &Path, _generation: &str) -> Result<(), StoreError> {
    Err(StoreError::Io {
        path: store.into(),
        source: std::io::Error::other("a store needs symbolic links (Linux, macOS)"),
    })
}
