//! `acqplan ingest` and `acqplan store`.

use super::{Io, settings};
use crate::cli::{DataArgs, Format, IngestArgs, StoreArgs};
use crate::error::Error;
use crate::report::i18n::Col;
use crate::report::table::{Align, Table, thousands};
use crate::store::{IngestOptions, describe::describe, ingest, revision_words};

/// Revisions printed on stderr (all of them are in the ledger).
const REVISIONS_SHOWN: usize = 20;

pub(super) fn ingest_cmd(args: IngestArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let data_args = DataArgs {
        data: None,
        config: args.config.clone(),
        columns: args.columns.clone(),
        skip_bad_rows: args.skip_bad_rows,
        period: args.period.clone(),
        gmv_is_net: args.gmv_is_net,
        channel: args.channel.clone(),
    };
    let s = settings(&data_args, None, None, None, Some(&args.lang.email_args()))?;
    let into = match args.into.clone().or(s.store.value.clone()) {
        Some(p) => p,
        None => return Err(crate::config::ConfigError::NoStore.into()),
    };
    let options = IngestOptions {
        load: crate::load::LoadOptions {
            skip_bad_rows: args.skip_bad_rows,
            ..s.load_options()
        },
        period: s.period.value,
        on_conflict: args.on_conflict,
        wait: std::time::Duration::from_secs_f64(args.wait),
    };
    io.clock.start("ingest");
    let mut messages = Vec::new();
    let report = ingest(
        &into,
        &args.exports,
        &options,
        std::time::SystemTime::now(),
        &mut messages,
    );
    let report = io.after(report, &mut messages)?;
    let revisions: Vec<_> = report
        .exports
        .iter()
        .flat_map(|e| e.counts.revisions.iter().map(move |r| (e, r)))
        .collect();
    for (e, r) in revisions.iter().take(REVISIONS_SHOWN) {
        let _ = writeln!(
            io.err,
            "revision: {} (from {})",
            revision_words(r),
            e.file.display()
        );
    }
    if revisions.len() > REVISIONS_SHOWN {
        let _ = writeln!(
            io.err,
            "revision: and {} more; every one is in {}",
            revisions.len() - REVISIONS_SHOWN,
            into.join(crate::store::CURRENT)
                .join(crate::store::LEDGER)
                .display()
        );
    }
    for e in &report.exports {
        if e.rejected > 0 {
            let _ = writeln!(
                io.err,
                "warning: {}: skipped {} rows with defects; each is in the store's _rejected/",
                e.file.display(),
                e.rejected
            );
        }
    }
    io.note(format_args!(
        "{}",
        if report.changed {
            format!(
                "store {} is now generation {}: {} rows, {} to {}",
                into.display(),
                report.manifest.generation,
                report.manifest.rows,
                report.manifest.first_date.as_deref().unwrap_or("-"),
                report.manifest.last_date.as_deref().unwrap_or("-")
            )
        } else {
            format!(
                "store {} unchanged: nothing new in the exports",
                into.display()
            )
        }
    ));
    io.finish();
    let text = match args.format {
        Format::Table => {
            let w = crate::report::i18n::words(s.lang.value);
            let mut t = Table::new(&[
                (w.col(Col::Export), Align::Left),
                (w.col(Col::Rows), Align::Right),
                (w.col(Col::Added), Align::Right),
                (w.col(Col::Unchanged), Align::Right),
                (w.col(Col::Revised), Align::Right),
                (w.col(Col::Rejected), Align::Right),
            ]);
            for e in &report.exports {
                if e.already_ingested {
                    t.row(vec![
                        e.file.display().to_string(),
                        w.col(Col::AlreadyIngested).into(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]);
                    continue;
                }
                t.row(vec![
                    e.file.display().to_string(),
                    thousands(e.rows as f64, 0),
                    thousands(e.counts.added as f64, 0),
                    thousands(e.counts.unchanged as f64, 0),
                    thousands(e.counts.revised as f64, 0),
                    thousands(e.rejected as f64, 0),
                ]);
            }
            t.render()
        }
        Format::Json => {
            let exports: Vec<_> = report
                .exports
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "file": e.file,
                        "blake3": e.blake3,
                        "already_ingested": e.already_ingested,
                        "rows": e.rows,
                        "added": e.counts.added,
                        "unchanged": e.counts.unchanged,
                        "revised": e.counts.revised,
                        "rejected": e.rejected,
                        "revisions": e.counts.revisions.iter().map(revision_words).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({
                "changed": report.changed,
                "exports": exports,
                "store": report.manifest,
            }))
            .expect("ingest report serialises")
                + "\n"
        }
    };
    let _ = io.out.write_all(text.as_bytes());
    Ok(())
}

/// No data flags: the settings of ./acqplan.toml alone.
fn empty_data_args() -> DataArgs {
    DataArgs {
        data: None,
        config: None,
        columns: Vec::new(),
        skip_bad_rows: false,
        period: None,
        gmv_is_net: false,
        channel: None,
    }
}

pub(super) fn store_cmd(args: StoreArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let wait = std::time::Duration::from_secs_f64(args.wait);
    if args.compact {
        let r = crate::store::compact(&args.store, wait)?;
        let mb = |b: u64| format!("{:.1} MB", b as f64 / 1e6);
        for f in &r.strays {
            let _ = writeln!(
                io.err,
                "warning: {}: not in the store's manifest; left out of the new generation",
                args.store.join(crate::store::CURRENT).join(f).display()
            );
        }
        if r.rewritten.is_empty() && r.strays.is_empty() {
            io.note(format_args!(
                "compact: the {} month files match the manifest and are already as this acqplan writes them; store {} unchanged",
                r.checked,
                args.store.display()
            ));
        } else {
            io.note(format_args!(
                "compact: rewrote {} of {} month files ({}), {} → {}; store {} is now generation {}",
                r.rewritten.len(),
                r.checked,
                if r.rewritten.is_empty() { "none".into() } else { r.rewritten.join(", ") },
                mb(r.bytes_before),
                mb(r.bytes_after),
                args.store.display(),
                r.manifest.generation
            ));
        }
    }
    if let Some(days) = args.keep_days {
        match crate::store::keep_days(&args.store, days, wait)? {
            Some((m, dropped)) => io.note(format_args!(
                "dropped {dropped} rows older than the last {days} days; store {} is now generation {}: {} rows, {} to {}",
                args.store.display(),
                m.generation,
                m.rows,
                m.first_date.as_deref().unwrap_or("-"),
                m.last_date.as_deref().unwrap_or("-")
            )),
            None => io.note(format_args!(
                "no rows older than the last {days} days; store {} unchanged",
                args.store.display()
            )),
        }
    }
    let summary = describe(&args.store, args.gaps)?;
    // `--lang`, else `[report] lang` of ./acqplan.toml, else English.
    let lang = match args.lang.lang {
        Some(l) => l,
        None => {
            settings(&empty_data_args(), None, None, None, None)?
                .lang
                .value
        }
    };
    let text = match args.format {
        Format::Table => summary.render(lang),
        Format::Json => {
            serde_json::to_string_pretty(&summary).expect("store summary serialises") + "\n"
        }
    };
    let _ = io.out.write_all(text.as_bytes());
    Ok(())
}
