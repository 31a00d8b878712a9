//! Stage 2: every row scored for fake traffic.

use super::history::History;
use super::{Message, Messages};
use crate::error::Error;
use crate::output::manifest::RowCounts;
use crate::report::flagged_export::{flagged_lanes_csv, flagged_rows_csv};
use crate::screen::{FakeTraffic, ScreenOptions, ScreenResult};
use crate::validate::ValidatedData;

/// A history and what screening found in it.
pub struct Screened {
    /// The history screened.
    pub history: History,
    /// Flagged rows and lanes, per channel figures, the policy.
    pub result: ScreenResult,
}

/// Screen `history`; what was found goes to `messages` (lanes judged as a
/// whole as warnings, the count as a notice) unless screening is off.
pub fn screen(
    history: History,
    options: &ScreenOptions,
    messages: &mut Messages,
) -> Result<Screened, Error> {
    let result = crate::screen::screen(&history.loaded.data, options)?;
    if result.policy != FakeTraffic::Off {
        for lane in result.lanes.iter().take(10) {
            messages.push(Message::Warning(lane.reason.clone()));
        }
        if result.lanes.len() > 10 {
            messages.push(Message::Warning(format!(
                "and {} more lanes judged as a whole; see flagged_lanes.csv",
                result.lanes.len() - 10
            )));
        }
        let verb = match result.policy {
            FakeTraffic::Exclude => "excluded from the curves",
            _ => "kept in the curves (--fake-traffic flag)",
        };
        messages.push(Message::Notice(format!(
            "screening ({}): {} rows flagged as fake traffic, {verb}; see flagged_rows.csv",
            result.signals_text(),
            result.flagged_count()
        )));
    }
    Ok(Screened { history, result })
}

impl Screened {
    /// `flagged_rows.csv` and `flagged_lanes.csv` (none when screening is
    /// off).
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        if self.result.policy == FakeTraffic::Off {
            return Vec::new();
        }
        vec![
            (
                "flagged_rows.csv",
                flagged_rows_csv(&self.result.flagged_rows),
            ),
            ("flagged_lanes.csv", flagged_lanes_csv(&self.result.lanes)),
        ]
    }

    /// The rows the curves are fitted on: flagged rows set aside under the
    /// `exclude` policy, all rows otherwise.
    pub(super) fn curve_input(&self) -> Result<ValidatedData, Error> {
        Ok(self.result.curve_input(&self.history.loaded.data)?)
    }

    /// Row counts for the manifest (`used` filled once the curves' rows are
    /// known).
    pub fn rows(&self) -> RowCounts {
        RowCounts {
            flagged: self.result.flagged_count(),
            ..self.history.rows()
        }
    }
}
