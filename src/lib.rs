//! acqplan plans how a live-stream e-commerce business buys traffic.
//!
//! The program is a pipeline of typed stages, [`pipeline`]: each stage
//! takes the previous stage's value, so the order cannot be got wrong, and
//! returns what it has to say as messages instead of printing:
//!
//! ```text
//!  history file ─load─▶ History ─screen─▶ Screened ─series─▶ Series ─fit─▶ Fitted ─▶ Planner ─solve─▶ PlanReport ─render─▶ RunArtifacts
//!  (CSV/Parquet/xlsx,   (every defect named      (bots set aside)        (curves: value,   (LP over piecewise-            (bytes: tables,
//!   a folder, a store)   by file, line, column)                           derivative, band)  linear segments)               charts, email)
//! ```
//!
//! [`commands`] turns the settings of each subcommand into these calls and
//! writes and prints their results; the binary parses flags and maps errors.
//!
//! - [`contract`] is the data contract every input path shares: the fields
//!   of a history row, header aliases, reading one cell, the calendar, and
//!   the rules of a clean row (as row checks and as polars expressions).
//! - [`load`] reads CSV (with or without BOM), Parquet and .xlsx, maps
//!   Chinese console headers, and hands rows to [`validate`].
//! - [`validate`] checks every cell and produces [`validate::ValidatedData`].
//! - [`curves`] holds the response-curve families.
//! - [`report`] renders tables and exports (bytes, no IO); [`output`] writes
//!   them atomically into a run folder.
//! - [`synth`] makes synthetic history from known curves.
//! - [`config`] resolves defaults < `acqplan.toml` < flags.
//! - [`store`] keeps the history: console exports merged into a
//!   month-partitioned Parquet store (`acqplan ingest`).

pub mod amount;
pub mod backtest;
pub mod backtest_outcomes;
pub mod calendar;
pub mod cli;
pub mod commands;
pub mod config;
pub mod contract;
pub mod curves;
pub mod error;
pub mod lang;
pub mod load;
pub mod mail;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod review;
pub mod scoreboard;
pub mod screen;
pub mod store;
pub mod synth;
pub mod validate;

pub use error::Error;
