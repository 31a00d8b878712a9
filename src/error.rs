//! The error type the binary maps to messages and exit codes.

use thiserror::Error;

use crate::config::ConfigError;
use crate::load::LoadError;
use crate::output::OutputError;

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: bad input data or an infeasible plan.
pub const EXIT_DATA: i32 = 1;
/// Exit code: usage or internal error.
pub const EXIT_USAGE: i32 = 2;

/// Any error of a pipeline stage.
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("internal data error")]
    Polars(#[from] polars::prelude::PolarsError),
    #[error(transparent)]
    Screen(#[from] crate::screen::ScreenError),
    #[error("could not draw the charts")]
    Chart(#[from] crate::report::charts::ChartError),
    #[error("the plan's constraints are inconsistent")]
    Plan(#[from] crate::plan::PlanError),
    /// A run folder's files for `acqplan report`.
    #[error(transparent)]
    RunFiles(#[from] crate::report::run_files::RunFilesError),
    /// Making or sending plan.eml.
    #[error(transparent)]
    Email(#[from] crate::mail::EmailError),
    /// Reading or changing a history store.
    #[error(transparent)]
    Store(#[from] crate::store::error::StoreError),
    /// `acqplan review`: the history does not reach the planned days, or
    /// has another period.
    #[error(transparent)]
    Review(#[from] crate::review::ReviewError),
    /// Writing plan.xlsx.
    #[error("could not write the workbook")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
    /// The history's rows do not have one period.
    #[error("`{}`: {problem}", path.display())]
    Period {
        path: std::path::PathBuf,
        problem: Box<crate::validate::PeriodError>,
    },
    #[error(
        "target not reachable: {requested:.0} {unit} requested, at most {reachable:.0} reachable under the limits"
    )]
    Infeasible {
        requested: f64,
        reachable: f64,
        unit: &'static str,
        limiting: String,
    },
}

impl Error {
    /// The exit code a scheduler can act on.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Load(_)
            | Error::Infeasible { .. }
            | Error::RunFiles(_)
            | Error::Review(_)
            | Error::Period { .. } => EXIT_DATA,
            Error::Store(e) => match e {
                crate::store::error::StoreError::Period { .. }
                | crate::store::error::StoreError::Conflict { .. } => EXIT_DATA,
                _ => EXIT_USAGE,
            },
            Error::Output(_)
            | Error::Config(_)
            | Error::Polars(_)
            | Error::Screen(_)
            | Error::Chart(_)
            | Error::Plan(_)
            | Error::Email(_)
            | Error::Workbook(_) => EXIT_USAGE,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Load(e) => e.hint(),
            Error::Output(e) => e.hint(),
            Error::Config(e) => e.hint(),
            Error::RunFiles(e) => Some(e.hint()),
            Error::Period { problem, .. } => Some(problem.hint()),
            Error::Email(e) => Some(e.hint()),
            Error::Store(e) => e.hint(),
            Error::Review(e) => e.hint(),
            Error::Polars(_) | Error::Screen(_) | Error::Chart(_) | Error::Workbook(_) => {
                Some("this is a bug in acqplan; please report it with the input".into())
            }
            Error::Plan(_) => Some(
                "check the [channels.*] limits in acqplan.toml and the --budget/--target flags"
                    .into(),
            ),
            Error::Infeasible { limiting, .. } => Some(format!(
                "limits that stop more: {limiting}. Lower the target, raise the budget, or relax those limits; plan.csv holds the most reachable plan"
            )),
        }
    }
}
