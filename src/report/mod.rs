//! Tables, exports, charts, the email body and `plan.eml`. Exporters return
//! bytes and do no IO (sending the email is [`crate::mail`]'s work).

pub mod charts;
pub mod curves_export;
pub mod email;
pub mod email_html;
pub mod flagged_export;
pub mod i18n;
pub mod limits_text;
pub mod plan_export;
pub mod risk_text;
pub mod run_files;
pub mod schedule_export;
pub mod settings;
pub mod summary;
pub mod summary_text;
pub mod table;
pub mod value_text;
pub mod whatif_export;
pub mod workbook;

use crate::validate::Rejected;

/// `rejected_rows.csv`: every row left out, with its line, reason and the
/// row verbatim.
pub fn rejected_rows_csv(rows: &[Rejected]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["line", "reason", "row"])
        .expect("writing to memory");
    for r in rows {
        w.write_record([r.line.to_string().as_str(), &r.reason, &r.raw])
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
