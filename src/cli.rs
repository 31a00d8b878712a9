//! The command line (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Shown under every subcommand's help.
const EXIT_CODES: &str =
    "Exit codes: 0 ok; 1 bad input data or an infeasible plan; 2 usage or internal error.";

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
    /// No progress bars and no progress notes on stderr (warnings and
    /// errors still show).
    #[arg(short, long, global = true, display_order = 900)]
    pub quiet: bool,
    /// Print the time of each stage on stderr.
    #[arg(short, long, global = true, display_order = 900)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and check a campaign history; print a summary of what it holds.
    ///
    /// Examples:
    ///   acqplan validate --data data/history.csv
    ///   acqplan validate --data export.xlsx --column spend=总花费
    ///   acqplan validate --data data/messy.csv --skip-bad-rows --out reports/check
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Validate(ValidateArgs),
    /// Generate synthetic history from known curves (with the truth beside it).
    ///
    /// Examples:
    ///   acqplan gen --sample --out data
    ///   acqplan gen --rooms 500 --days 730 --parquet --out /tmp/big
    ///   acqplan gen --rooms 520 --days 730 --rows-per-day 10 --parquet-dir /tmp/hive30m
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Gen(GenArgs),
    /// Fit a response curve viewers(spend) per room × channel (or per
    /// channel) and write curves.csv / curves.json into the run folder.
    ///
    /// Examples:
    ///   acqplan fit --data data/history.csv
    ///   acqplan fit --data data/history.csv --by channel --format json
    ///   acqplan fit --data export.xlsx --cap wechat_private=5000 --out reports/test --force
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Fit(FitArgs),
    /// Screen the history for fake (bot) traffic: score every row, write
    /// flagged_rows.csv with the reasons, and say how much each channel's
    /// cost per viewer changes without them.
    ///
    /// Examples:
    ///   acqplan screen --data data/history.csv
    ///   acqplan screen --data data/history.csv --threshold 6 --out reports/screen
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Screen(ScreenArgs),
    /// Plan next horizon's spend: screen, fit, then solve the LP for the
    /// cheapest plan reaching a target (or the most viewers for a budget)
    /// under the channel limits of acqplan.toml. Writes plan.csv, plan.json,
    /// curves.csv/json and flagged_rows.csv. An unreachable target exits 1
    /// and says what is reachable and which limits stop more.
    ///
    /// Examples:
    ///   acqplan plan --data data/history.csv --target-viewers 1.2M
    ///   acqplan plan --data data/history.csv --budget 80万
    ///   acqplan plan --data data/history.csv --target-viewers 900k --budget 100万 --horizon-days 7
    ///   acqplan plan --data data/history.csv --room-targets targets.csv
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Plan(PlanArgs),
    /// The weekly batch: validate → screen → fit → plan → report in one go,
    /// with the target, budget, horizon, data and output root from
    /// acqplan.toml (`[plan]`), overridden by flags. Writes everything
    /// `plan` writes plus manifest.json; exits 1 if the target is
    /// unreachable.
    ///
    /// Examples:
    ///   acqplan run
    ///   acqplan run --config team/acqplan.toml --out reports/2026-W48-rerun --force
    ///   acqplan run --budget 80万 --budget 100万 --budget 120万
    ///   acqplan run --scale douyin_qianchuan=1.2 --exclude red_packet
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Run(PlanArgs),
    /// Viewers, spend and marginal cost across a range of budgets: fits once,
    /// solves the most-viewers plan per budget, writes frontier.csv.
    ///
    /// Examples:
    ///   acqplan frontier --data data/history.csv --budgets 50万..300万 --steps 12
    ///   acqplan frontier --budgets 100k..2M --steps 20 --exclude red_packet --format json
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Frontier(FrontierArgs),
    /// Draw a run folder's charts (curves, marginal cost, allocation,
    /// frontier, summary) and summary.txt again from its own files
    /// (plan.json, chart_data.json, series.csv), without the history; with
    /// recipients, write plan.eml too (and send it with --smtp).
    ///
    /// Examples:
    ///   acqplan report reports/2026-W48
    ///   acqplan report reports/2026-W48 --out /tmp/charts --force
    ///   acqplan report reports/2026-W48 --email-to growth@example.com --smtp smtp.example.com:587
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Report(ReportArgs),
    /// Check the curves on your own history: for each of the last weeks,
    /// fit (with screening, as `plan` does) on the days before it, predict
    /// that week's viewers per lane at the spend actually spent, and compare
    /// with what happened and with two naive rules (last 28 days' viewers
    /// per CNY; a per-lane log-log regression). Writes backtest.csv and
    /// backtest.png into the run folder.
    ///
    /// Examples:
    ///   acqplan backtest --data data/history.csv
    ///   acqplan backtest --data data/history.csv --weeks 12 --format json
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Backtest(BacktestArgs),
    /// Merge console exports into a history store (a month-partitioned
    /// Parquet folder that `--data STORE` reads): each export is validated
    /// as `validate` does, rows already held with the same values are
    /// skipped, changed rows are revisions (recorded in the store's
    /// ledger), and the store changes all or nothing.
    ///
    /// Examples:
    ///   acqplan ingest week47_qianchuan.csv week47_kuaishou.xlsx --into store
    ///   acqplan ingest export.csv --into store --on-conflict keep
    ///   acqplan plan --data store --target-viewers 500k
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Ingest(IngestArgs),
    /// Last week, reviewed: a run's plan against what the history says
    /// happened over the days it planned. Per lane, channel and in total:
    /// planned vs actual spend and viewers, and what the run's curves
    /// predicted at the spend actually spent; the miss split into
    /// execution (spent differently), prediction (the curve was wrong at
    /// that spend) and fake traffic. Writes review.csv, review.png.
    ///
    /// Examples:
    ///   acqplan review --plan reports/2026-W48 --data store
    ///   acqplan review --plan reports/2026-W48 --config data/acqplan.toml --format json
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Review(ReviewArgs),
    /// What a history store holds: rows, rooms, channels, the date range
    /// per channel, gaps (days without a row inside a lane's spend), and
    /// the last export ingested.
    ///
    /// Examples:
    ///   acqplan store store
    ///   acqplan store store --format json
    ///   acqplan store store --keep-days 730
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Store(StoreArgs),
    /// Print the resolved settings and where each came from (default, the
    /// config file, or a flag). Takes the same flags as `run`.
    ///
    /// Examples:
    ///   acqplan config
    ///   acqplan config --config team/acqplan.toml --budget 90万 --horizon-days 14
    #[command(verbatim_doc_comment, after_help = EXIT_CODES)]
    Config(ConfigArgs),
}

/// Where the history comes from and how to read it.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// History: a .csv/.tsv, .parquet or .xlsx file, or a folder of
    /// (hive-partitioned) .parquet files read with streaming (default: `data`
    /// in acqplan.toml).
    #[arg(long, value_name = "PATH")]
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
    /// How long one row is: auto (detected from the dates), day, week
    /// (default: `period` in acqplan.toml, else auto).
    #[arg(long, value_name = "auto|day|week")]
    pub period: Option<String>,
    /// The `gmv` column is net of refunds: negative days are kept and
    /// summed (default: `[data] gmv_is_net` in acqplan.toml, else false).
    #[arg(long)]
    pub gmv_is_net: bool,
    /// The channel of every row, for a single console's export without a
    /// channel column (default: `[data] channel` in acqplan.toml).
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
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
    #[command(flatten)]
    pub lang: LangArg,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub curves: CurveArgs,
    /// Run folder for curves.csv and curves.json (default: reports/<ISO year-week>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing run folder's files.
    #[arg(long)]
    pub force: bool,
    /// Print the curves as a table or as JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub lang: LangArg,
}

/// How curves are fitted (shared by `fit` and `plan`).
#[derive(Debug, Args)]
pub struct CurveArgs {
    /// One curve per room × channel, or per channel with rooms pooled (spend
    /// and viewers summed per day). Default: room,channel when the data has
    /// a room column.
    #[arg(long, value_enum, value_name = "KEYS")]
    pub by: Option<By>,
    /// Reach cap of a channel in viewers/day per room, e.g.
    /// `wechat_private=5000` (5,000 contacts per account × accounts).
    /// Overrides `[channels.<name>] reach_cap_per_day`. Repeatable.
    #[arg(long = "cap", value_name = "CHANNEL=VIEWERS_PER_DAY")]
    pub caps: Vec<String>,
    /// Suspected fake traffic: `exclude` it from the curves (default), only
    /// `flag` it, or `off` (no screening).
    #[arg(long, value_name = "POLICY")]
    pub fake_traffic: Option<crate::screen::FakeTraffic>,
    /// How much recent history counts in the curves' level: `auto`
    /// (default: per channel, the half-life that best predicted the last 8
    /// weeks), `all` (every day the same) or a half-life in days. Overrides
    /// `[fit] half_life_days`.
    #[arg(long, value_name = "DAYS|auto|all")]
    pub half_life: Option<String>,
    /// Weekly (multi-day) rows: how unevenly the days inside a row spent.
    /// `auto` (default: estimated from the rows' week-to-week changes),
    /// `flat` (the same every day: no correction) or the coefficient of
    /// variation of a day's spend inside its week. Overrides `[fit]
    /// within_period`.
    #[arg(long, value_name = "auto|flat|CV")]
    pub within_period: Option<String>,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub curves: CurveArgs,
    /// Weeks to predict, each from the days before it.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=104))]
    pub weeks: u32,
    /// Run folder (default: <out_root>/<ISO year-week>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing run folder.
    #[arg(long)]
    pub force: bool,
    /// Output on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub lang: LangArg,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The run folder whose plan is reviewed (plan.json, chart_data.json).
    #[arg(long = "plan", value_name = "RUN_DIR")]
    pub plan: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Suspected fake traffic: `exclude` its viewers from the actual
    /// viewers, only `flag` it, or `off` (default: the run's own policy,
    /// from its manifest.json).
    #[arg(long, value_name = "POLICY")]
    pub fake_traffic: Option<crate::screen::FakeTraffic>,
    /// Folder for review.csv, review.png and manifest.json (default:
    /// `RUN_DIR-review` beside the run).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing review folder.
    #[arg(long)]
    pub force: bool,
    /// Output on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub lang: LangArg,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Console exports (.csv/.tsv, .xlsx, .parquet), merged in the order given.
    #[arg(required = true, value_name = "EXPORT")]
    pub exports: Vec<PathBuf>,
    /// The store (made if absent; default: `store` in acqplan.toml).
    #[arg(long, value_name = "STORE")]
    pub into: Option<PathBuf>,
    /// When an export disagrees with a row the store holds.
    #[arg(long, value_enum, default_value_t = crate::store::rows::OnConflict::Newer)]
    pub on_conflict: crate::store::rows::OnConflict,
    /// Config file (default: ./acqplan.toml if it exists): column map, period.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Point a contract column at a header of the exports, e.g. `spend=总花费`. Repeatable.
    #[arg(long = "column", value_name = "NAME=HEADER")]
    pub columns: Vec<String>,
    /// Go on without bad rows; each is kept with its reason in the store's `_rejected/`.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Wait up to this many seconds for another ingest writing the store
    /// (default: fail at once).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = parse_wait)]
    pub wait: f64,
    /// How long one row is: auto, day, week.
    #[arg(long, value_name = "auto|day|week")]
    pub period: Option<String>,
    /// The `gmv` column is net of refunds: negative days are kept.
    #[arg(long)]
    pub gmv_is_net: bool,
    /// The channel of every row, for exports without a channel column.
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// Output on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub lang: LangArg,
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The store.
    #[arg(value_name = "STORE")]
    pub store: PathBuf,
    /// Gaps listed (the lanes with the most missing days first).
    #[arg(long, default_value_t = 10)]
    pub gaps: usize,
    /// First drop the rows older than the store's last N days (keep what
    /// the fits need; the change is all or nothing, like an ingest).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(7..))]
    pub keep_days: Option<u32>,
    /// First check every month file against the store's manifest (BLAKE3,
    /// rows) and rewrite those not in the form this acqplan writes (files
    /// of an older writer or another tool); stray files are left out. All
    /// or nothing, like an ingest.
    #[arg(long)]
    pub compact: bool,
    /// Wait up to this many seconds for an ingest writing the store
    /// (`--keep-days`, `--compact`; default: fail at once).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0, value_parser = parse_wait)]
    pub wait: f64,
    /// Output on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub lang: LangArg,
}

#[derive(Debug, Args)]
pub struct ScreenArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Score from which a row is flagged (mean robust z of the signals).
    #[arg(long, default_value_t = crate::screen::ScreenOptions::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Run folder for flagged_rows.csv (default: reports/<ISO year-week>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing run folder's files.
    #[arg(long)]
    pub force: bool,
    /// Print the result as a table or as JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub lang: LangArg,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub curves: CurveArgs,
    #[command(flatten)]
    pub goal: GoalArgs,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub email: EmailArgs,
    /// Run folder (default: <out_root>/<ISO year-week>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing run folder's files.
    #[arg(long)]
    pub force: bool,
    /// Print the plan as a table or as JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What the plan must reach. Any of these flags replaces the goal of
/// `[plan]` in acqplan.toml as a whole.
#[derive(Debug, Args, Default)]
pub struct GoalArgs {
    /// Viewers to reach over the horizon: 1200000, 1.2M, 120万. Repeat to
    /// compare several targets (the first is the plan written).
    #[arg(long, value_name = "N")]
    pub target_viewers: Vec<String>,
    /// Orders to reach over the horizon (orders per viewer from history).
    #[arg(long, value_name = "N")]
    pub target_orders: Option<String>,
    /// GMV to reach over the horizon, CNY (GMV per viewer from history).
    #[arg(long, value_name = "CNY")]
    pub target_gmv: Option<String>,
    /// Budget over the horizon, CNY: 800000, 80万, 0.8M. Alone: the most
    /// viewers for it; with a target: the cheapest plan within it. Repeat to
    /// compare several budgets (the first is the plan written; all go to
    /// whatif.csv).
    #[arg(long, value_name = "CNY")]
    pub budget: Vec<String>,
    /// CSV with `room,target_viewers`: every room reaches its own target in
    /// one solve, with shared channel limits.
    #[arg(long, value_name = "FILE")]
    pub room_targets: Option<PathBuf>,
}

/// The world the plan assumes: horizon and what-if changes to channels.
#[derive(Debug, Args, Default)]
pub struct ScenarioArgs {
    /// Days the plan covers; daily spend is horizon spend / days
    /// (default: `[plan] horizon_days`, else 7).
    #[arg(long, value_name = "DAYS")]
    pub horizon_days: Option<usize>,
    /// Weeks the plan covers (= --horizon-days 7 × WEEKS; for weekly
    /// histories).
    #[arg(long, value_name = "WEEKS", conflicts_with = "horizon_days")]
    pub horizon_weeks: Option<usize>,
    /// Also backtest the curves over the last 8 weeks (as `acqplan
    /// backtest`): backtest.csv, backtest.png, and the result in
    /// summary.txt and the email (default: `[run] backtest`).
    #[arg(long)]
    pub backtest: bool,
    /// Plan no lane beyond this multiple of its highest daily spend in the
    /// history (default 1.5: beyond the data the fitted family decides
    /// alone). Overrides `[plan] max_extrapolation`.
    #[arg(long, value_name = "FACTOR")]
    pub max_extrapolation: Option<f64>,
    /// Plan for this probability P (0.5 ≤ P < 1) of meeting the target: the
    /// cheapest plan whose P(target met) ≥ P; with only a budget, the most
    /// viewers reached with probability P. Overrides `[plan] confidence`.
    #[arg(long, value_name = "P")]
    pub confidence: Option<f64>,
    /// Stability guardrail: keep each lane's spend within this change of
    /// its spend over the last horizon of history, e.g. `30%` (lanes that
    /// spent nothing then are new and not bounded). Overrides `[plan]
    /// max_change`.
    #[arg(long, value_name = "CHANGE")]
    pub max_change: Option<String>,
    /// What the guardrail bounds: `lane` (each room × channel, default) or
    /// `channel` (each channel's total). Overrides `[plan] max_change_scope`.
    #[arg(long, value_name = "SCOPE")]
    pub max_change_scope: Option<crate::plan::ChangeScope>,
    /// `profit`: maximise margin × expected GMV − spend (needs --margin, or
    /// `margin` under [plan], [channels.X] or [rooms.Y]); each lane is
    /// bought until its next CNY earns nothing, within every limit and
    /// the budget if given. Overrides `[plan] maximize`.
    #[arg(long, value_enum, value_name = "GOAL")]
    pub maximize: Option<crate::plan::Maximize>,
    /// Margin as a fraction of GMV (0.3 = 30 %), for every lane without
    /// its own `[channels.X] margin` / `[rooms.Y] margin`. Overrides
    /// `[plan] margin`; with it the plan states the break-even ROI.
    #[arg(long, value_name = "M")]
    pub margin: Option<f64>,
    /// Blended GMV / spend of the plan at least R (with a target, a budget,
    /// or alone: the most GMV at that ROI). Overrides `[plan] min_roi`.
    #[arg(long, value_name = "R")]
    pub min_roi: Option<f64>,
    /// Buy no lane past the point where its next CNY returns less than R
    /// CNY of GMV. Overrides `[plan] min_marginal_roi`.
    #[arg(long, value_name = "R")]
    pub min_marginal_roi: Option<f64>,
    /// Leave a channel out of the plan. Repeatable.
    #[arg(long, value_name = "CHANNEL")]
    pub exclude: Vec<String>,
    /// What if a channel got dearer: `douyin_qianchuan=1.2` makes each of its
    /// viewers cost 20 % more (its curve's spend axis stretched by 1.2).
    /// Repeatable.
    #[arg(long, value_name = "CHANNEL=FACTOR")]
    pub scale: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FrontierArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub curves: CurveArgs,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Budget range over the horizon, CNY: `50万..300万`.
    #[arg(long, value_name = "LOW..HIGH")]
    pub budgets: String,
    /// Budgets in the range, evenly spaced, ends included.
    #[arg(long, default_value_t = 12)]
    pub steps: usize,
    /// Run folder (default: <out_root>/<ISO year-week>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing run folder's files.
    #[arg(long)]
    pub force: bool,
    /// Print the frontier as a table or as JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub lang: LangArg,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub curves: CurveArgs,
    #[command(flatten)]
    pub goal: GoalArgs,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub email: EmailArgs,
    /// Print the settings as a table or as JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The planning email. Recipients from here or from `[email] to` in
/// acqplan.toml make the run write plan.eml; `--smtp` also sends it (log-in
/// from the environment: ACQPLAN_SMTP_USER and ACQPLAN_SMTP_PASSWORD).
#[derive(Clone, Debug, Args, Default)]
pub struct EmailArgs {
    /// Write plan.eml (summary.txt as the body, every chart attached) to
    /// these recipients: `a@example.com,Name <b@example.com>`. Repeatable.
    #[arg(long, value_name = "ADDR[,ADDR]", value_delimiter = ',')]
    pub email_to: Vec<String>,
    /// Sender of plan.eml (default: `[email] from`, else acqplan@localhost).
    #[arg(long, value_name = "ADDR")]
    pub email_from: Option<String>,
    /// Also send plan.eml through this SMTP server. Log-in only from the
    /// environment: ACQPLAN_SMTP_USER and ACQPLAN_SMTP_PASSWORD (both or
    /// neither).
    #[arg(long, value_name = "HOST:PORT")]
    pub smtp: Option<String>,
    /// How the SMTP connection is secured: `starttls` (default; port 587),
    /// `tls` (port 465) or `none` (a relay on this machine, e.g. 127.0.0.1:25).
    #[arg(long, value_enum, value_name = "MODE")]
    pub smtp_tls: Option<crate::mail::SmtpTls>,
    /// Language of what people read (today: plan.xlsx's sheets and
    /// headers): `en` or `zh` (default: `[report] lang`, else en).
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::lang::Lang>,
}

/// The language of the table on stdout.
#[derive(Clone, Copy, Debug, Args, Default)]
pub struct LangArg {
    /// Language of the table printed (headings and sentences; JSON/CSV keys
    /// and stderr stay English): `en` or `zh` (default: `[report] lang`,
    /// else en).
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::lang::Lang>,
}

impl LangArg {
    /// As the email flags (only `--lang` set), for the settings.
    pub fn email_args(&self) -> EmailArgs {
        EmailArgs {
            lang: self.lang,
            ..EmailArgs::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Run folder written by `acqplan plan` or `acqplan run`.
    #[arg(value_name = "RUN_DIR")]
    pub run_dir: PathBuf,
    /// Write the charts here instead of into RUN_DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the files of an occupied --out folder.
    #[arg(long)]
    pub force: bool,
    /// Config file for the `[email]` settings (default: ./acqplan.toml if it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub email: EmailArgs,
}

/// What one curve covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum By {
    /// One curve per room × channel.
    #[value(name = "room,channel")]
    #[serde(rename = "room,channel")]
    RoomChannel,
    /// One curve per channel, rooms pooled.
    #[value(name = "channel")]
    #[serde(rename = "channel")]
    Channel,
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
    /// Log-sd of the multiplicative viewer noise.
    #[arg(long, default_value_t = 0.2)]
    pub noise_sigma: f64,
    /// What the true curve is of the noisy viewers: their `mean` (noise with
    /// mean 1) or their `median` (noise with median 1).
    #[arg(long, value_enum, default_value_t = crate::synth::Noise::Mean)]
    pub noise: crate::synth::Noise,
    /// Viewers as Poisson counts around the noisy value (small-count lanes:
    /// combine with --volume 0.001 for a few viewers a day).
    #[arg(long)]
    pub counts: bool,
    /// Multiplies every lane's typical spend (and so its viewers).
    #[arg(long, default_value_t = 1.0)]
    pub volume: f64,
    /// Costs that drift: cost per viewer +40 %/year with random walks in
    /// cost and audience; truth.json then holds the curves of the week
    /// after the history.
    #[arg(long)]
    pub drift: bool,
    /// Lanes (room × channel) with bots on 50–80 % of their paid days.
    #[arg(long, default_value_t = 0)]
    pub bot_lanes: usize,
    /// Day-to-day persistence of each lane's log spend (AR(1), 0 ≤ φ < 1):
    /// 0 draws every day afresh, 0.9 holds budgets for days.
    #[arg(long, default_value_t = 0.0, value_name = "PHI")]
    pub spend_persistence: f64,
    /// Hold each lane's spend for a whole ISO week (one draw per week, as a
    /// team that sets daily budgets weekly).
    #[arg(long)]
    pub flat_weeks: bool,
    /// A known promotion lift: viewers at a given spend × LIFT on DATE, for
    /// every channel or one (`2026-06-18:1.5`,
    /// `2026-06-18:douyin_qianchuan:1.5`); repeatable; written to truth.json.
    #[arg(long, value_name = "DATE[:CHANNEL]:LIFT", value_parser = crate::synth::PromotionLift::parse)]
    pub promotion: Vec<crate::synth::PromotionLift>,
    /// Also write history.parquet.
    #[arg(long)]
    pub parquet: bool,
    /// Write the history instead as Parquet files partitioned by
    /// --partition into DIR (`month=2026-03/part-0.parquet`, …), one
    /// partition at a time, with _truth.json and _fake_rows.csv beside them;
    /// `--data DIR` reads it back. No CSV is written.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["sample", "parquet"])]
    pub parquet_dir: Option<PathBuf>,
    /// Partition key of --parquet-dir.
    #[arg(long, value_enum, default_value_t = crate::synth::Partition::Month, requires = "parquet_dir")]
    pub partition: crate::synth::Partition,
    /// Rows per date × room × channel in --parquet-dir (live streams a
    /// day); they sum to the daily history.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..), requires = "parquet_dir")]
    pub rows_per_day: u32,
    /// Delete the .parquet files already in --parquet-dir first (else an
    /// occupied folder is refused, so old partitions never mix in).
    #[arg(long, requires = "parquet_dir")]
    pub force: bool,
}

/// `--wait SECONDS`: a finite number ≥ 0.
fn parse_wait(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds from 0 to 86400")),
    }
}
