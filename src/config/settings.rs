//! The resolved settings: every value in force for one command and where
//! it came from ([`Source`]), which `acqplan config` prints and
//! manifest.json records.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::file::ChannelConfig;
use super::parse_smtp;
use crate::cli::By;
use crate::load::{ColumnMap, Field};
use crate::mail::{DEFAULT_FROM, SmtpServer, SmtpTls};
use crate::plan::Metric;
use crate::screen::FakeTraffic;
use crate::validate::PeriodChoice;

/// How much recent history counts in the curves' level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HalfLife {
    /// Chosen per channel by rolling-origin validation (the default).
    #[default]
    Auto,
    /// Every day of the history weighs the same.
    All,
    /// Weights halve every this many days back from the end of the history.
    Days(f64),
}

impl HalfLife {
    /// Parse `auto`, `all` (or `inf`) or a positive number of days.
    pub fn parse(text: &str) -> Result<HalfLife, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(HalfLife::Auto),
            "all" | "inf" | "none" => Ok(HalfLife::All),
            t => match t.trim_end_matches('d').trim().parse::<f64>() {
                Ok(d) if d.is_finite() && d >= 1.0 => Ok(HalfLife::Days(d)),
                _ => Err(format!(
                    "`{text}` is not a half-life: use `auto`, `all` or a number of days ≥ 1"
                )),
            },
        }
    }

    /// The fit stage's recency choice.
    pub fn recency(self) -> crate::curves::stage::RecencyChoice {
        use crate::curves::recency::Setting as R;
        use crate::curves::stage::RecencyChoice;
        match self {
            HalfLife::Auto => RecencyChoice::Auto,
            HalfLife::All => RecencyChoice::Fixed(R::ALL_HISTORY),
            HalfLife::Days(d) => RecencyChoice::Fixed(R {
                half_life_days: Some(d),
                trend: false,
            }),
        }
    }
}

impl fmt::Display for HalfLife {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HalfLife::Auto => f.write_str("auto"),
            HalfLife::All => f.write_str("all"),
            HalfLife::Days(d) => write!(f, "{d}"),
        }
    }
}

/// Where a resolved setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Built-in default.
    Default,
    /// The config file at this path.
    File(PathBuf),
    /// A command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "file {}", p.display()),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A resolved value and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// Default, file or flag.
    pub source: Source,
}

impl<T> Setting<T> {
    pub(super) fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }

    /// Check or convert the value in force; `f` also gets its source, to
    /// name the flag or file key in a message.
    pub(super) fn try_map<U, E>(
        self,
        f: impl FnOnce(T, &Source) -> Result<U, E>,
    ) -> Result<Setting<U>, E> {
        Ok(Setting {
            value: f(self.value, &self.source)?,
            source: self.source,
        })
    }
}

/// Everything a run uses, resolved: defaults < `acqplan.toml` < flags.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// The config file read, if any.
    pub config_file: Setting<Option<PathBuf>>,
    /// History file.
    pub data: Setting<Option<PathBuf>>,
    /// Root of the default run folders.
    pub out_root: Setting<PathBuf>,
    /// The store `ingest` writes (`--into`, else `store = …`).
    pub store: Setting<Option<PathBuf>>,
    /// Header per contract column, on top of the built-in aliases.
    pub columns: BTreeMap<String, Setting<String>>,
    /// How long one row of the history is.
    pub period: Setting<PeriodChoice>,
    /// The `gmv` column is net of refunds (may be below zero).
    pub gmv_is_net: Setting<bool>,
    /// The channel of every row, for an export without a channel column.
    pub channel: Setting<Option<String>>,
    /// Backtest the curves inside `plan`/`run`.
    pub backtest: Setting<bool>,
    /// Curve keys; `None` = room,channel when the data has rooms.
    pub by: Setting<Option<By>>,
    /// Fake-traffic policy.
    pub fake_traffic: Setting<FakeTraffic>,
    /// How much recent history counts in the curves' level.
    pub half_life: Setting<HalfLife>,
    /// Weekly rows: how unevenly the days inside a row spent.
    pub within_period: Setting<crate::curves::period::WithinPeriod>,
    /// Reach caps, viewers/day per room, per channel.
    pub caps_viewers_per_day: BTreeMap<String, Setting<f64>>,
    /// Days the plan covers.
    pub horizon_days: Setting<usize>,
    /// No lane beyond this multiple of its highest daily spend.
    pub max_extrapolation: Setting<f64>,
    /// Plan for this probability of meeting the target (`--confidence`);
    /// `None`: the expected-value plan.
    pub confidence: Setting<Option<f64>>,
    /// Margins and the profit / ROI goals (`--maximize`, `--margin`,
    /// `--min-roi`, `--min-marginal-roi`, `margin` keys).
    pub value_goal: crate::plan::ValueGoal,
    /// What the targets count.
    pub metric: Setting<Metric>,
    /// Targets over the horizon (several: a what-if comparison).
    pub targets: Setting<Vec<f64>>,
    /// Budgets over the horizon, CNY (several: a what-if comparison).
    pub budgets_cny: Setting<Vec<f64>>,
    /// Channels left out of plans.
    pub excluded: BTreeMap<String, Setting<bool>>,
    /// Cost factor per channel: 1.2 = every viewer costs 20 % more.
    pub cost_scale: BTreeMap<String, Setting<f64>>,
    /// Spend limits per channel from the file.
    pub channel_limits: BTreeMap<String, Setting<ChannelConfig>>,
    /// Channel groups, room groups and the stability guardrail.
    #[serde(skip)]
    pub groups: super::groups::GroupSettings,
    /// Recipients of plan.eml (none: no email).
    pub email_to: Setting<Vec<String>>,
    /// Sender of plan.eml.
    pub email_from: Setting<String>,
    /// SMTP server `host:port` that sends plan.eml.
    pub smtp: Setting<Option<String>>,
    /// How the SMTP connection is secured.
    pub smtp_tls: Setting<SmtpTls>,
    /// Language of what people read.
    pub lang: Setting<crate::lang::Lang>,
    /// Promotion days (`[[calendar]]`).
    #[serde(skip)]
    pub calendar: super::calendar::CalendarSettings,
}

impl Settings {
    /// The recipients of plan.eml, parsed (checked in [`Settings::resolve`]).
    pub fn recipients(&self) -> Vec<lettre::message::Mailbox> {
        self.email_to
            .value
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect()
    }

    /// The sender of plan.eml.
    pub fn sender(&self) -> lettre::message::Mailbox {
        self.email_from
            .value
            .parse()
            .or_else(|_| DEFAULT_FROM.parse())
            .expect("the default sender parses")
    }

    /// The SMTP server, if plan.eml is to be sent.
    pub fn smtp_server(&self) -> Option<SmtpServer> {
        let given = self.smtp.value.as_deref()?;
        let (host, port) = parse_smtp(given, "--smtp").ok()?;
        Some(SmtpServer {
            host,
            port,
            tls: self.smtp_tls.value,
        })
    }

    /// The column map for the loader.
    pub fn column_map(&self) -> ColumnMap {
        let mut map = ColumnMap::new();
        for (name, s) in &self.columns {
            if let Some(f) = Field::from_name(name) {
                map.insert(f, s.value.clone());
            }
        }
        map
    }

    /// How the loader reads the history: the column map, what the values
    /// mean, the channel of every row.
    pub fn load_options(&self) -> crate::load::LoadOptions {
        crate::load::LoadOptions {
            columns: self.column_map(),
            skip_bad_rows: false,
            declared: crate::contract::Declared {
                gmv_is_net: self.gmv_is_net.value,
            },
            channel: self.channel.value.clone(),
        }
    }

    /// Reach caps, viewers/day per room.
    pub fn caps(&self) -> BTreeMap<String, f64> {
        self.caps_viewers_per_day
            .iter()
            .map(|(c, s)| (c.clone(), s.value))
            .collect()
    }

    /// The schedule's per-day limits per channel (channels that set one).
    pub fn daily_limits(&self) -> BTreeMap<String, crate::plan::schedule::DailyLimits> {
        self.channel_limits
            .iter()
            .map(|(n, c)| (n.clone(), c.value.daily_limits()))
            .filter(|(_, d)| d.is_set())
            .collect()
    }

    /// The planner's limits per channel: the file's, with exclusions.
    pub fn limits(&self) -> BTreeMap<String, crate::plan::ChannelLimits> {
        let mut out: BTreeMap<String, crate::plan::ChannelLimits> = self
            .channel_limits
            .iter()
            .map(|(n, c)| (n.clone(), c.value.limits()))
            .collect();
        for (name, e) in &self.excluded {
            out.entry(name.clone()).or_default().excluded = e.value;
        }
        out
    }
}
