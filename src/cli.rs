//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Plan how a live-stream business buys traffic: load campaign history,
/// screen fake viewers, fit channel cost curves, solve for the cheapest plan.
///
/// Exit codes: 0 ok; 1 bad input data (or an infeasible plan); 2 usage or
/// internal error.
#[derive(Debug, Parser)]
#[command(name = "acqplan", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and check a campaign history; print a summary of what it holds.
    ///
    /// Examples:
    ///   acqplan validate --data data/history.csv
    ///   acqplan validate --data export.xlsx --column spend=总花费
    ///   acqplan validate --data data/messy.csv --skip-bad-rows --out reports/check
    Validate(ValidateArgs),
    /// Generate synthetic history from known curves (with the truth beside it).
    ///
    /// Examples:
    ///   acqplan gen --sample --out data
    ///   acqplan gen --rooms 500 --days 730 --parquet --out /tmp/big
    Gen(GenArgs),
}

/// Where the history comes from and how to read it.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// History file: .csv/.tsv, .parquet or .xlsx (default: `data` in acqplan.toml).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Config file (default: ./acqplan.toml if it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Point a contract column at a header of the file, e.g. `spend=总花费`. Repeatable.
    #[arg(long = "column", value_name = "NAME=HEADER")]
    pub columns: Vec<String>,
    /// Go on without bad rows; write each with its reason to rejected_rows.csv.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Run folder for rejected_rows.csv (default: reports/<ISO year-week>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing run folder's files.
    #[arg(long)]
    pub force: bool,
    /// Print the summary as a table or as JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Output format on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "data")]
    pub out: PathBuf,
    /// Write the shipped sample set: history.csv, history_zh.csv (Chinese
    /// headers and channel names), history.parquet, truth.json, fake_rows.csv.
    #[arg(long)]
    pub sample: bool,
    /// Live rooms.
    #[arg(long, default_value_t = 3)]
    pub rooms: usize,
    /// Days of history.
    #[arg(long, default_value_t = 240)]
    pub days: usize,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Share of paid rows inflated by bots.
    #[arg(long, default_value_t = 0.02)]
    pub fake_rate: f64,
    /// Leave out impressions, orders, gmv, watch time and comments.
    #[arg(long)]
    pub no_engagement: bool,
    /// Also write history.parquet.
    #[arg(long)]
    pub parquet: bool,
}
