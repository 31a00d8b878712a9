//! Why the config could not be used, and what to do about it.

use std::path::PathBuf;

use thiserror::Error;

use crate::load::Field;

/// A group member the data does not have, and where it is written.
#[derive(Debug)]
pub struct GroupMember {
    /// Line in the config file, 1-based.
    pub line: usize,
    /// Column, 1-based.
    pub column: usize,
    /// `groups.NAME` or `room_groups.NAME`.
    pub section: String,
    /// `channel` or `room`.
    pub kind: &'static str,
    /// The name as written.
    pub name: String,
    /// The names the data has, comma-separated.
    pub known: String,
}

/// Why the config could not be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("could not read config `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config `{}` is not valid", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("`{given}` does not name a column of the data contract")]
    UnknownColumn { given: String },
    #[error("`--column {given}` is not of the form NAME=HEADER")]
    BadColumnFlag { given: String },
    #[error("no history file given")]
    NoData,
    #[error("no store given to ingest into")]
    NoStore,
    #[error("`--cap {given}` is not of the form CHANNEL=VIEWERS_PER_DAY")]
    BadCapFlag { given: String },
    #[error("reach cap `{value}` of channel `{channel}` is not a positive number of viewers/day")]
    BadCap { channel: String, value: String },
    #[error("`{flag} {given}`: {message}")]
    BadAmount {
        flag: &'static str,
        given: String,
        message: String,
    },
    #[error("room targets file `{}`, line {line}: {message}", path.display())]
    RoomTargets {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("room targets file `{}`: {message}", path.display())]
    RoomTargetsUnreadable { path: PathBuf, message: String },
    #[error("nothing to plan for: no target and no budget")]
    NoGoal,
    #[error("more than one target: {given}")]
    ManyTargets { given: String },
    #[error("config `{}`: `{key}`: {message}", path.display())]
    BadFileValue {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
    #[error("`--scale {given}` is not of the form CHANNEL=FACTOR with a factor > 0")]
    BadScale { given: String },
    #[error("the horizon must be at least 1 day")]
    BadHorizon,
    #[error("several targets and several budgets at once")]
    TwoVaried,
    #[error("`--budgets {given}`: {message}")]
    BadRange { given: String, message: String },
    #[error("{origin}: `{given}` is not an email address ({message})")]
    BadAddress {
        origin: &'static str,
        given: String,
        message: String,
    },
    #[error("{origin}: `{given}` is not of the form HOST:PORT")]
    BadSmtp { origin: &'static str, given: String },
    #[error("an SMTP server is given but no recipients")]
    SmtpWithoutRecipients,
    #[error("{origin}: {message}")]
    BadHalfLife { origin: String, message: String },
    #[error("{origin}: {message}")]
    BadWithinPeriod { origin: String, message: String },
    #[error("`{flag} {given}` is out of range")]
    BadGenOption { flag: &'static str, given: String },
    #[error("max_extrapolation `{given}` is not a factor ≥ 1")]
    BadMaxExtrapolation { given: String },
    #[error("{origin} {given:?} is not a channel name")]
    BadChannel { origin: &'static str, given: String },
    #[error("`{flag} {given}`: {message}")]
    BadValueGoal {
        flag: &'static str,
        given: String,
        message: String,
    },
    #[error("confidence `{given}` is not a probability from 0.5 to below 1")]
    BadConfidence { given: String },
    #[error("{origin}: `{given}` is not a period")]
    BadPeriod { origin: String, given: String },
    #[error("{origin}: {message}")]
    BadMaxChange { origin: String, message: String },
    #[error("config `{}`, `[{section}]`: {message}", path.display())]
    BadGroup {
        path: PathBuf,
        section: String,
        message: String,
    },
    #[error("config `{}`, line {}, column {}: `[{}]` names {} `{}`, which the data does not have", path.display(), m.line, m.column, m.section, m.kind, m.name)]
    UnknownGroupMember { path: PathBuf, m: Box<GroupMember> },
    #[error("config `{}`, line {line}, column {column}: {message}", path.display())]
    BadCalendar {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("config `{}`, line {line}, column {column}: `[[calendar]]` entry `{entry}` names channel `{name}`, which the data does not have", path.display())]
    UnknownCalendarChannel {
        path: PathBuf,
        line: usize,
        column: usize,
        entry: String,
        name: String,
        known: String,
    },
    #[error("`--horizon-days {days}` is not a whole number of the history's periods ({period})")]
    HorizonNotWholePeriods {
        days: usize,
        period: String,
        period_days: u32,
    },
}

impl ConfigError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            ConfigError::Io { .. } => "check the --config path".into(),
            ConfigError::Parse { .. } => {
                "see README.md, section \"Config file\", for the keys".into()
            }
            ConfigError::UnknownColumn { .. } | ConfigError::BadColumnFlag { .. } => format!(
                "columns are: {}; e.g. --column spend=总花费",
                Field::ALL.map(Field::name).join(", ")
            ),
            ConfigError::NoData => "pass --data FILE, or set `data = \"…\"` in acqplan.toml".into(),
            ConfigError::NoStore => {
                "pass --into STORE, or set `store = \"…\"` in acqplan.toml".into()
            }
            ConfigError::BadAmount { .. } => {
                "amounts are plain numbers or with k, M, 万, 亿: 800000, 80万, 1.2M".into()
            }
            ConfigError::RoomTargets { .. } => {
                "the file needs a header `room,target_viewers` and one row per room with a number ≥ 0".into()
            }
            ConfigError::RoomTargetsUnreadable { .. } => {
                "check the path given to --room-targets; the file is a CSV with a header `room,target_viewers`".into()
            }
            ConfigError::NoGoal => {
                "pass --target-viewers N (cheapest plan reaching N), --budget B (most viewers for B), or both; or set `[plan] target_viewers` / `budget` in acqplan.toml".into()
            }
            ConfigError::ManyTargets { .. } => {
                "give one of --target-viewers, --target-orders, --target-gmv (a budget may go with it)".into()
            }
            ConfigError::BadFileValue { .. } => {
                "amounts are numbers or text with k, M, 万, 亿: budget = \"80万\", target_viewers = \"1.2M\"".into()
            }
            ConfigError::BadScale { .. } => {
                "write e.g. --scale douyin_qianchuan=1.2 (that channel's viewers cost 20 % more)".into()
            }
            ConfigError::BadHorizon => "pass --horizon-days 7, or set `[plan] horizon_days = 7`".into(),
            ConfigError::TwoVaried => {
                "compare several --budget values with one target, or several --target-viewers with one budget".into()
            }
            ConfigError::BadRange { .. } => {
                "write e.g. --budgets 50万..300万 --steps 12 (low below high, at least 2 steps)".into()
            }
            ConfigError::BadAddress { .. } => {
                "write addresses as growth@example.com or \"Li Lei <li@example.com>\", several comma-separated: --email-to a@example.com,b@example.com".into()
            }
            ConfigError::BadSmtp { .. } => {
                "write e.g. --smtp smtp.example.com:587 (with --smtp-tls starttls), or `smtp = \"smtp.example.com:587\"` under [email] in acqplan.toml".into()
            }
            ConfigError::BadGenOption { .. } => {
                "--noise-sigma takes a log-sd ≥ 0, --volume a factor > 0, --fake-rate a share from 0 to 1, --spend-persistence a coefficient from 0 to below 1".into()
            }
            ConfigError::BadValueGoal { .. } => {
                "write e.g. --maximize profit --margin 0.3 (30 % of GMV), --min-roi 3 (3 CNY of GMV per CNY spent), or `margin = 0.3` under [plan], [channels.X] or [rooms.Y]".into()
            }
            ConfigError::BadConfidence { .. } => {
                "write e.g. --confidence 0.9 (the cheapest plan meeting the target with 90 % probability), or `[plan] confidence = 0.9`".into()
            }
            ConfigError::BadMaxChange { .. } => {
                "write e.g. --max-change 30% (each lane within ±30 % of its spend over the last horizon), or `[plan] max_change = \"30%\"`".into()
            }
            ConfigError::BadGroup { .. } => {
                "a group's min_spend_cny and max_spend_cny are CNY ≥ 0 over the horizon (min ≤ max), max_share a share from 0 to 1, and it lists at least one member".into()
            }
            ConfigError::UnknownGroupMember { m, .. } => {
                format!("check the spelling; the {}s of the data are: {}", m.kind, m.known)
            }
            ConfigError::BadCalendar { .. } => {
                "write each `[[calendar]]` entry with a `name` and either `date = \"2026-11-11\"` or `start = \"2026-11-01\"` and `end = \"2026-11-11\"` (YYYY-MM-DD, end not before start), optionally `channels = [\"douyin_qianchuan\"]`; entries may not share a day of a channel".into()
            }
            ConfigError::UnknownCalendarChannel { known, .. } => {
                format!("check the spelling; the channels of the data are: {known}")
            }
            ConfigError::BadMaxExtrapolation { .. } => {
                "write e.g. --max-extrapolation 2 (plan up to 2 × each lane's highest day), or `[plan] max_extrapolation = 1.5`".into()
            }
            ConfigError::BadChannel { .. } => {
                "name the channel of every row as the console calls it, e.g. --channel douyin_qianchuan (not blank, not 合计 / Total)".into()
            }
            ConfigError::BadPeriod { .. } => {
                "write --period auto (detect from the dates), --period day or --period week, or `period = \"week\"` in acqplan.toml".into()
            }
            ConfigError::HorizonNotWholePeriods { days, period_days, .. } => {
                let lo = (days / *period_days as usize).max(1);
                format!(
                    "each row of this history covers {period_days} days, so plan whole periods: --horizon-days {} (or --horizon-weeks {lo} for weekly rows); pass --period day if the rows are single days",
                    lo * *period_days as usize
                )
            }
            ConfigError::BadWithinPeriod { .. } => {
                "write e.g. --within-period flat (a budget held all week), --within-period 0.3, or `[fit] within_period = \"auto\"` in acqplan.toml".into()
            }
            ConfigError::BadHalfLife { .. } => {
                "write e.g. --half-life 90 (days), --half-life all, or `[fit] half_life_days = \"auto\"` in acqplan.toml".into()
            }
            ConfigError::SmtpWithoutRecipients => {
                "pass --email-to ADDR[,ADDR], or set `to = [\"…\"]` under [email] in acqplan.toml".into()
            }
            ConfigError::BadCapFlag { .. } | ConfigError::BadCap { .. } => {
                "write e.g. --cap wechat_private=5000, or in acqplan.toml `[channels.wechat_private]` `reach_cap_per_day = 5000`".into()
            }
        })
    }
}
