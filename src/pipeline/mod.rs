//! The pipeline as typed stages. Each stage takes the previous stage's
//! value, so the order cannot be got wrong, and returns what it has to say
//! as [`Message`]s instead of printing:
//!
//! ```text
//!  load ─▶ History ─screen─▶ Screened ─series─▶ Series ─fit─▶ Fitted ─Planner::new─▶ Planner
//!                                                 │                                  │ solve (many: plan,
//!                                                 └─ backtest                        ▼  what-ifs, frontier)
//!                                                                               PlanReport ─render─▶ RunArtifacts
//! ```
//!
//! The binary's commands (`crate::commands`) turn settings into these calls,
//! write the bytes into the run folder and print the messages; tests and
//! benches call the same stages.

mod artifacts;
pub mod coverage;
mod fitted;
mod groups;
mod history;
mod planner;
mod risk;
mod screened;

pub use artifacts::{Rendered, RunArtifacts, RunOutputs, plan_eml, render, render_run};
pub use fitted::{Fitted, ScreeningImpact, Series, SeriesOptions, fit, series};
pub use history::{History, load};
pub use planner::{PlanSettings, Planner, WhatIf, variants};
pub use screened::{Screened, screen};

/// What a stage has to say, printed by the binary in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Something the user should look at: `warning: …` on stderr, always.
    Warning(String),
    /// A finding stated on stderr whatever the verbosity (what screening
    /// found).
    Notice(String),
    /// A progress note on stderr; left out under `--quiet`.
    Note(String),
}

/// The messages of the stages run so far.
pub type Messages = Vec<Message>;
