//! `acqplan report`, and the email of a plan or run.

use std::path::Path;

use super::{Io, settings, write_files};
use crate::cli::{DataArgs, ReportArgs};
use crate::config::Settings;
use crate::error::Error;
use crate::output::{RunDir, write_atomic};
use crate::pipeline::{self, Rendered};
use crate::plan::PlanRequest;
use crate::plan::stage::PlanReport;
use crate::report::email;
use crate::report::run_files::RunFiles;

/// With recipients in the settings, write plan.eml into `dir`; returns
/// its bytes.
pub(super) fn write_eml(
    s: &Settings,
    dir: &Path,
    rendered: &Rendered,
    report: &PlanReport,
    request: Option<&PlanRequest>,
) -> Result<Option<Vec<u8>>, Error> {
    let to = s.recipients();
    if to.is_empty() {
        return Ok(None);
    }
    let eml = pipeline::plan_eml(rendered, report, request, &s.sender(), &to, s.lang.value)?;
    write_atomic(&dir.join(email::PLAN_EML), &eml)?;
    Ok(Some(eml))
}

/// With an SMTP server in the settings, send plan.eml.
pub(super) fn send_eml(s: &Settings, eml: Option<&[u8]>, io: &mut Io<'_>) -> Result<(), Error> {
    let (Some(server), Some(eml)) = (s.smtp_server(), eml) else {
        return Ok(());
    };
    let credentials = crate::mail::credentials_from_env()?;
    io.clock.start("send");
    let to = s.recipients();
    crate::mail::send_eml(&server, credentials, &s.sender(), &to, eml)?;
    io.note(format_args!(
        "sent plan.eml to {} through {}:{} ({})",
        s.email_to.value.join(", "),
        server.host,
        server.port,
        server.tls.name()
    ));
    Ok(())
}

pub(super) fn report_cmd(args: ReportArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let data_args = DataArgs {
        data: None,
        config: args.config.clone(),
        columns: Vec::new(),
        skip_bad_rows: false,
        period: None,
        gmv_is_net: false,
        channel: None,
    };
    let s = settings(&data_args, None, None, None, Some(&args.email))?;
    io.clock.start("read");
    // In place, a copy of the run is re-rendered and swapped in whole.
    let (dir, files) = match &args.out {
        Some(out) => {
            let files = RunFiles::read(&args.run_dir)?;
            (RunDir::begin(out, args.force, io.err)?, files)
        }
        None => {
            let dir = RunDir::update(&args.run_dir, io.err)?;
            (dir, RunFiles::read(&args.run_dir)?)
        }
    };
    io.clock.start("report");
    let input = files.input();
    let rendered = pipeline::render(&input, &files.frontier, files.data.plan_start_day)?;
    let written = rendered.files();
    write_files(&dir, &written)?;
    let eml = write_eml(
        &s,
        &dir,
        &rendered,
        &files.report,
        Some(&files.data.request),
    )?;
    dir.commit()?;
    let names: Vec<&str> = written.iter().map(|(n, _)| *n).collect();
    io.note(format_args!(
        "wrote {}{} to {}",
        names.join(", "),
        if eml.is_some() { ", plan.eml" } else { "" },
        dir.display()
    ));
    send_eml(&s, eml.as_deref(), io)?;
    io.finish();
    Ok(())
}
