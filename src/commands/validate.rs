//! `acqplan validate`.

use super::{Io, finish_run, load_history, run_dir, settings, write_rejected};
use crate::cli::{Format, ValidateArgs};
use crate::error::Error;
use crate::output::RunDir;
use crate::report::summary::summarise;

pub(super) fn validate(args: ValidateArgs, io: &mut Io<'_>) -> Result<(), Error> {
    let s = settings(&args.data, None, None, None, Some(&args.lang.email_args()))?;
    let history = load_history(&s, args.data.skip_bad_rows, io)?;
    let summary = summarise(&history.loaded.data)?;
    if history.loaded.rejected.is_empty() {
        io.finish();
    } else {
        // Only skipped rows make `validate` write a run folder.
        let dir = RunDir::begin(&run_dir(&args.out, &s), args.force, io.err)?;
        write_rejected(&history, &dir, io)?;
        finish_run(io, "validate", &dir, &history.input, history.rows(), &s)?;
    }
    let text = match args.format {
        Format::Table => summary.render(s.lang.value),
        Format::Json => {
            // The summary, with what the reader set aside or found empty.
            let mut v = serde_json::to_value(&summary).expect("summary serialises");
            let rows = history.rows();
            v["total_rows_left_out"] = rows.total_rows_left_out.into();
            v["empty_cells"] = serde_json::to_value(&rows.empty_cells).expect("counts serialise");
            serde_json::to_string_pretty(&v).expect("summary serialises") + "\n"
        }
    };
    let _ = io.out.write_all(text.as_bytes());
    Ok(())
}
