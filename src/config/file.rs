//! `acqplan.toml`: the structs the file is read into, reading it, and the
//! file's layer of each setting, typed and checked (the resolution puts it
//! between the defaults and the flags).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ConfigError, HalfLife, check_cap};
use crate::amount::parse_amount;
use crate::load::Field;
use crate::mail::SmtpTls;
use crate::plan::Metric;
use crate::validate::PeriodChoice;

/// The config file as written by the team.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// History file (relative paths are relative to the config file):
    /// `data = "history.csv"`, or a `[data]` table with `path` and what
    /// the values mean.
    pub data: Option<DataEntry>,
    /// Where run folders go (default `reports`).
    pub out_root: Option<PathBuf>,
    /// The history store `acqplan ingest` merges exports into when
    /// `--into` is not given (e.g. `store = "store"`; point `data` at it too
    /// to run on it).
    pub store: Option<PathBuf>,
    /// How long one row of the history is: `"auto"` (default: detected from
    /// the dates), `"day"` or `"week"`.
    pub period: Option<String>,
    /// Header text per contract column, e.g. `spend = "总花费"`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Standing settings per channel name, e.g.
    /// `[channels.wechat_private]` `reach_cap_per_day = 5000`.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelConfig>,
    /// The standing request of `plan` and `run` (`[plan]`).
    #[serde(default)]
    pub plan: PlanConfig,
    /// `[rooms.ROOM]`: per-room settings (the margin).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rooms: BTreeMap<String, RoomConfig>,
    /// Channel groups with limits on their summed spend (`[groups.NAME]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, super::groups::GroupConfig>,
    /// Room groups with a budget and minimum (`[room_groups.NAME]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub room_groups: BTreeMap<String, super::groups::RoomGroupConfig>,
    /// Where each group member is written (filled when read).
    #[serde(skip)]
    pub member_positions: super::groups::MemberPositions,
    /// The planning email (`[email]`).
    #[serde(default)]
    pub email: EmailConfig,
    /// How curves are fitted (`[fit]`).
    #[serde(default)]
    pub fit: FitConfig,
    /// What `plan`/`run` do beyond the plan (`[run]`).
    #[serde(default)]
    pub run: RunConfig,
    /// How the outputs for people are written (`[report]`).
    #[serde(default)]
    pub report: ReportConfig,
    /// Promotion days (`[[calendar]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendar: Vec<super::calendar::CalendarEntry>,
    /// The calendar checked, with where its channels are written (filled
    /// when read).
    #[serde(skip)]
    pub calendar_checked: super::calendar::CalendarSettings,
}

/// `data = "history.csv"`, or `[data]` with the path and what the values
/// mean.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum DataEntry {
    /// `data = "history.csv"`.
    Path(PathBuf),
    /// `[data]`.
    Table(DataConfig),
}

impl<'de> Deserialize<'de> for DataEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DataEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a path, or a table with `path`, `gmv_is_net`, `channel`, `store`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DataEntry, E> {
                Ok(DataEntry::Path(v.into()))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, m: M) -> Result<DataEntry, M::Error> {
                DataConfig::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(DataEntry::Table)
            }
        }
        d.deserialize_any(V)
    }
}

/// `[data]`: the history and what its values mean.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// History file or folder (relative to the config file).
    pub path: Option<PathBuf>,
    /// The `gmv` column is GMV net of refunds: a day may be below zero.
    pub gmv_is_net: Option<bool>,
    /// The channel of every row, for a single console's export without a
    /// channel column.
    pub channel: Option<String>,
    /// The history store `acqplan ingest` writes when `--into` is not
    /// given (the top-level `store = …` says the same).
    pub store: Option<PathBuf>,
}

/// `[report]`: how the outputs for people are written.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Language of what people read: `"en"` (default) or `"zh"`. Today it
    /// sets plan.xlsx's sheet names and headers.
    pub lang: Option<crate::lang::Lang>,
}

/// `[run]`: extra work of `plan` and `run`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Backtest the curves over the last 8 weeks in every run (as `acqplan
    /// backtest` does) and state the result in summary.txt and the email.
    pub backtest: Option<bool>,
}

/// `[fit]`: standing settings of the curve fit.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FitConfig {
    /// Half-life of past days in the curves' level: `"auto"` (default:
    /// chosen per channel by rolling-origin validation), `"all"` (every day
    /// weighs the same) or a number of days.
    pub half_life_days: Option<HalfLifeValue>,
    /// Weekly rows: how unevenly the days inside a row spent: `"auto"`
    /// (default), `"flat"` or a coefficient of variation.
    pub within_period: Option<HalfLifeValue>,
}

/// `half_life_days = 90` or `half_life_days = "auto"`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum HalfLifeValue {
    /// Days.
    Number(f64),
    /// `auto`, `all` or a number as text.
    Text(String),
}

impl HalfLifeValue {
    /// The value as [`HalfLife::parse`] reads it.
    fn text(&self) -> String {
        match self {
            HalfLifeValue::Number(n) => n.to_string(),
            HalfLifeValue::Text(t) => t.clone(),
        }
    }
}

/// `[email]`: who gets plan.eml, and the SMTP server that sends it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// Recipients: `["growth@example.com", "Li Lei <li@example.com>"]`.
    #[serde(default)]
    pub to: Vec<String>,
    /// Sender (default `acqplan <acqplan@localhost>`).
    pub from: Option<String>,
    /// SMTP server `host:port`; set, every plan/run sends plan.eml.
    pub smtp: Option<String>,
    /// `starttls` (default), `tls` or `none`.
    pub smtp_tls: Option<SmtpTls>,
}

/// `[plan]`: the team's standing target, budget and horizon. Any goal flag
/// (`--target-*`, `--budget`) replaces the whole goal of the file.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    /// Viewers to reach over the horizon: `1200000` or `"1.2M"`.
    pub target_viewers: Option<AmountValue>,
    /// Orders to reach over the horizon.
    pub target_orders: Option<AmountValue>,
    /// GMV to reach over the horizon, CNY.
    pub target_gmv: Option<AmountValue>,
    /// Budget over the horizon, CNY: `800000` or `"80万"`.
    pub budget: Option<AmountValue>,
    /// Days the plan covers.
    pub horizon_days: Option<usize>,
    /// Support limit: no lane is planned beyond this multiple of its highest
    /// daily spend in the history (default 1.5).
    pub max_extrapolation: Option<f64>,
    /// Plan for this probability of meeting the target, `0.5 ≤ P < 1`
    /// (budget mode: of reaching the metric).
    pub confidence: Option<f64>,
    /// Stability guardrail: each lane within this change of its spend over
    /// the last horizon, `"30%"` or 0.3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_change: Option<super::groups::ChangeValue>,
    /// What the guardrail bounds: `"lane"` (default) or `"channel"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_change_scope: Option<crate::plan::ChangeScope>,
    /// `"profit"`: maximise margin × GMV − spend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximize: Option<crate::plan::Maximize>,
    /// Margin as a fraction of GMV for every lane (0.3 = 30 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<Margin>,
    /// Blended GMV / spend at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_roi: Option<Roi>,
    /// No lane bought past the point where the next CNY returns less GMV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_marginal_roi: Option<Roi>,
}

/// `[rooms.ROOM]`: settings of one live room.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoomConfig {
    /// The room's margin as a fraction of GMV (over its channel's and the
    /// plan's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<Margin>,
}

/// A number checked as it is read, so that a bad one is a parse error
/// naming the file, line and column.
macro_rules! checked_number {
    ($(#[$doc:meta])* $name:ident, $expecting:literal, $ok:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Serialize)]
        pub struct $name(pub f64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$name, E> {
                        let ok: fn(f64) -> bool = $ok;
                        if ok(v) {
                            Ok($name(v))
                        } else {
                            Err(E::custom(format!(concat!($what, " {} is out of range: ", $expecting), v)))
                        }
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

checked_number!(
    /// A margin: a fraction of GMV above 0 and at most 1.
    Margin,
    "a margin is a fraction of GMV above 0 and at most 1, e.g. margin = 0.3 (30 %)",
    |v| v.is_finite() && v > 0.0 && v <= 1.0,
    "margin"
);

checked_number!(
    /// An ROI: CNY of GMV per CNY spent, above 0.
    Roi,
    "an ROI is CNY of GMV per CNY spent, a number above 0, e.g. min_roi = 3",
    |v| v.is_finite() && v > 0.0,
    "ROI"
);

/// An amount in the config file: a number or text such as `"80万"`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum AmountValue {
    /// `budget = 800000`
    Number(f64),
    /// `budget = "80万"`
    Text(String),
}

impl AmountValue {
    fn value(&self, path: &Path, key: &'static str) -> Result<f64, ConfigError> {
        let bad = |message: String| ConfigError::BadFileValue {
            path: path.into(),
            key,
            message,
        };
        match self {
            AmountValue::Number(v) if v.is_finite() && *v >= 0.0 => Ok(*v),
            AmountValue::Number(v) => Err(bad(format!("{v} is not an amount ≥ 0"))),
            AmountValue::Text(t) => parse_amount(t).map_err(bad),
        }
    }
}

impl FileConfig {
    /// The history's path, from `data = "…"` or `[data] path`.
    pub fn data_path(&self) -> Option<PathBuf> {
        match &self.data {
            Some(DataEntry::Path(p)) => Some(p.clone()),
            Some(DataEntry::Table(t)) => t.path.clone(),
            None => None,
        }
    }

    /// `[data]` (empty for `data = "…"` or none).
    pub fn data_table(&self) -> DataConfig {
        match &self.data {
            Some(DataEntry::Table(t)) => t.clone(),
            _ => DataConfig::default(),
        }
    }

    /// `period`, checked; `shown` is the config path messages name.
    pub(super) fn period_choice(&self, shown: &Path) -> Result<Option<PeriodChoice>, ConfigError> {
        let Some(t) = &self.period else {
            return Ok(None);
        };
        PeriodChoice::parse(t)
            .map(Some)
            .ok_or_else(|| ConfigError::BadPeriod {
                origin: format!("config `{}`, `period`", shown.display()),
                given: t.clone(),
            })
    }

    /// `[columns]`: each contract column with its header, names checked.
    pub(super) fn column_headers(&self) -> Result<Vec<(Field, String)>, ConfigError> {
        self.columns
            .iter()
            .map(|(name, header)| {
                let field = Field::from_name(name).ok_or_else(|| ConfigError::UnknownColumn {
                    given: name.clone(),
                })?;
                Ok((field, header.clone()))
            })
            .collect()
    }

    /// `reach_cap_per_day` of each `[channels.*]` that sets one, checked.
    pub(super) fn reach_caps(&self) -> Result<Vec<(String, f64)>, ConfigError> {
        self.channels
            .iter()
            .filter_map(|(channel, c)| Some((channel, c.reach_cap_per_day?)))
            .map(|(channel, v)| Ok((channel.clone(), check_cap(channel, v, v.to_string())?)))
            .collect()
    }

    /// `[fit] within_period`, checked.
    pub(super) fn within_period(
        &self,
        shown: &Path,
    ) -> Result<Option<crate::curves::period::WithinPeriod>, ConfigError> {
        let Some(v) = &self.fit.within_period else {
            return Ok(None);
        };
        crate::curves::period::WithinPeriod::parse(&v.text())
            .map(Some)
            .map_err(|message| ConfigError::BadWithinPeriod {
                origin: format!("config `{}`, `[fit] within_period`", shown.display()),
                message,
            })
    }

    /// `[fit] half_life_days`, checked.
    pub(super) fn half_life(&self, shown: &Path) -> Result<Option<HalfLife>, ConfigError> {
        let Some(v) = &self.fit.half_life_days else {
            return Ok(None);
        };
        HalfLife::parse(&v.text())
            .map(Some)
            .map_err(|message| ConfigError::BadHalfLife {
                origin: format!("config `{}`, `[fit] half_life_days`", shown.display()),
                message,
            })
    }
}

impl PlanConfig {
    /// The target: what it counts and how much; at most one of the three
    /// keys may be set.
    pub(super) fn target(&self, shown: &Path) -> Result<Option<(Metric, f64)>, ConfigError> {
        let mut given = Vec::new();
        for (m, v, key) in [
            (Metric::Viewers, &self.target_viewers, "target_viewers"),
            (Metric::Orders, &self.target_orders, "target_orders"),
            (Metric::GmvCny, &self.target_gmv, "target_gmv"),
        ] {
            if let Some(v) = v {
                given.push((m, v.value(shown, key)?, key));
            }
        }
        if given.len() > 1 {
            return Err(ConfigError::ManyTargets {
                given: given
                    .iter()
                    .map(|g| format!("[plan] {}", g.2))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(given.pop().map(|(m, t, _)| (m, t)))
    }

    /// The budget over the horizon, CNY.
    pub(super) fn budget_cny(&self, shown: &Path) -> Result<Option<f64>, ConfigError> {
        self.budget
            .as_ref()
            .map(|b| b.value(shown, "budget"))
            .transpose()
    }
}

/// Standing settings of one channel (`[channels.<name>]`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// Hard reach cap per room, viewers/day: e.g. 5,000 contacts per
    /// personal WeChat account × the room's accounts.
    pub reach_cap_per_day: Option<f64>,
    /// Least the plan must spend on the channel over the horizon, CNY.
    pub min_spend_cny: Option<f64>,
    /// Most the plan may spend on the channel over the horizon, CNY.
    pub max_spend_cny: Option<f64>,
    /// Largest share of the plan's total spend, 0–1.
    pub max_share: Option<f64>,
    /// Spend fixed by contract over the horizon, CNY.
    pub locked_spend_cny: Option<f64>,
    /// Leave the channel out of plans.
    #[serde(default)]
    pub excluded: bool,
    /// The channel's margin as a fraction of GMV (over the plan's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<Margin>,
    /// Most one room may spend on the channel in one day, CNY (the
    /// schedule's days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_daily_spend_cny: Option<f64>,
    /// Least one room spends on the channel on a day it is bought at all,
    /// CNY (a console's daily minimum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_daily_spend_cny: Option<f64>,
    /// The guardrail's change for this channel (overrides `[plan]
    /// max_change`; alone it bounds only this channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_change: Option<super::groups::ChangeValue>,
}

impl ChannelConfig {
    /// The planner's limits for this channel.
    pub fn limits(&self) -> crate::plan::ChannelLimits {
        crate::plan::ChannelLimits {
            min_spend_cny: self.min_spend_cny,
            max_spend_cny: self.max_spend_cny,
            max_share: self.max_share,
            locked_spend_cny: self.locked_spend_cny,
            excluded: self.excluded,
        }
    }

    /// The schedule's per-day limits for this channel.
    pub fn daily_limits(&self) -> crate::plan::schedule::DailyLimits {
        crate::plan::schedule::DailyLimits {
            max_daily_spend_cny: self.max_daily_spend_cny,
            min_daily_spend_cny: self.min_daily_spend_cny,
        }
    }
}

/// The config file to use: `--config`, else `./acqplan.toml` if present.
pub fn read_file_config(
    explicit: Option<&Path>,
) -> Result<(FileConfig, Option<PathBuf>), ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from("acqplan.toml");
            if !p.exists() {
                return Ok((FileConfig::default(), None));
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
        path: path.clone(),
        source,
    })?;
    let mut cfg: FileConfig = toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.clone(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    cfg.data = cfg.data.map(|d| match d {
        DataEntry::Path(p) => DataEntry::Path(base.join(p)),
        DataEntry::Table(mut t) => {
            t.path = t.path.map(|p| base.join(p));
            t.store = t.store.map(|p| base.join(p));
            DataEntry::Table(t)
        }
    });
    cfg.member_positions =
        super::groups::MemberPositions::of(&path, &text, &cfg.groups, &cfg.room_groups);
    cfg.calendar_checked = super::calendar::resolve(&path, &text, &cfg.calendar)?;
    cfg.out_root = cfg.out_root.map(|d| base.join(d));
    cfg.store = cfg.store.map(|d| base.join(d));
    Ok((cfg, Some(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<FileConfig>("dta = \"x.csv\"\n").is_err());
    }
}
