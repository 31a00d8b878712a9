//! Standing settings: defaults < `acqplan.toml` < command-line flags.
//!
//! [`Settings::resolve`] turns the file and the flags into one resolved
//! config; every value remembers where it came from ([`Source`]), which
//! `acqplan config` prints and manifest.json records.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::amount::parse_amount;
use crate::cli::{By, CurveArgs, DataArgs, EmailArgs, GoalArgs, ScenarioArgs};
use crate::load::{ColumnMap, Field};
use crate::mail::{DEFAULT_FROM, SmtpServer, SmtpTls};
use crate::plan::Metric;
use crate::screen::FakeTraffic;
use crate::validate::PeriodChoice;

/// Days a plan covers unless told otherwise.
pub const DEFAULT_HORIZON_DAYS: usize = 7;
/// Where run folders go unless told otherwise.
pub const DEFAULT_OUT_ROOT: &str = "reports";

/// The config file as written by the team.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// History file (relative paths are relative to the config file).
    pub data: Option<PathBuf>,
    /// Where run folders go (default `reports`).
    pub out_root: Option<PathBuf>,
    /// How long one row of the history is: `"auto"` (default: detected from
    /// the dates), `"day"` or `"week"`.
    pub period: Option<String>,
    /// Header text per contract column, e.g. `spend = "总花费"`.
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, String>,
    /// Standing settings per channel name, e.g.
    /// `[channels.wechat_private]` `reach_cap_per_day = 5000`.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelConfig>,
    /// The standing request of `plan` and `run` (`[plan]`).
    #[serde(default)]
    pub plan: PlanConfig,
    /// The planning email (`[email]`).
    #[serde(default)]
    pub email: EmailConfig,
    /// How curves are fitted (`[fit]`).
    #[serde(default)]
    pub fit: FitConfig,
    /// What `plan`/`run` do beyond the plan (`[run]`).
    #[serde(default)]
    pub run: RunConfig,
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
}

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
    fn new(value: T, source: Source) -> Self {
        Setting { value, source }
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
    /// Header per contract column, on top of the built-in aliases.
    pub columns: BTreeMap<String, Setting<String>>,
    /// How long one row of the history is.
    pub period: Setting<PeriodChoice>,
    /// Backtest the curves inside `plan`/`run`.
    pub backtest: Setting<bool>,
    /// Curve keys; `None` = room,channel when the data has rooms.
    pub by: Setting<Option<By>>,
    /// Fake-traffic policy.
    pub fake_traffic: Setting<FakeTraffic>,
    /// How much recent history counts in the curves' level.
    pub half_life: Setting<HalfLife>,
    /// Reach caps, viewers/day per room, per channel.
    pub caps_viewers_per_day: BTreeMap<String, Setting<f64>>,
    /// Days the plan covers.
    pub horizon_days: Setting<usize>,
    /// No lane beyond this multiple of its highest daily spend.
    pub max_extrapolation: Setting<f64>,
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
    /// Recipients of plan.eml (none: no email).
    pub email_to: Setting<Vec<String>>,
    /// Sender of plan.eml.
    pub email_from: Setting<String>,
    /// SMTP server `host:port` that sends plan.eml.
    pub smtp: Setting<Option<String>>,
    /// How the SMTP connection is secured.
    pub smtp_tls: Setting<SmtpTls>,
}

impl Settings {
    /// Resolve the file and the flags of one command. Commands without
    /// curve, scenario or goal flags pass `None`.
    pub fn resolve(
        file: &FileConfig,
        file_path: Option<&Path>,
        data: &DataArgs,
        curves: Option<&CurveArgs>,
        scenario: Option<&ScenarioArgs>,
        goal: Option<&GoalArgs>,
        email: Option<&EmailArgs>,
    ) -> Result<Settings, ConfigError> {
        let from_file = || Source::File(file_path.map(Path::to_path_buf).unwrap_or_default());
        let fp = file_path.unwrap_or(Path::new("acqplan.toml"));
        let pick = |flag: Option<PathBuf>, name: &'static str, f: Option<PathBuf>| match (flag, f) {
            (Some(v), _) => Setting::new(Some(v), Source::Flag(name)),
            (None, Some(v)) => Setting::new(Some(v), from_file()),
            (None, None) => Setting::new(None, Source::Default),
        };
        let data_path = pick(data.data.clone(), "--data", file.data.clone());
        let out_root = match &file.out_root {
            Some(r) => Setting::new(r.clone(), from_file()),
            None => Setting::new(PathBuf::from(DEFAULT_OUT_ROOT), Source::Default),
        };

        let mut period = Setting::new(PeriodChoice::Auto, Source::Default);
        if let Some(t) = &file.period {
            let p = PeriodChoice::parse(t).ok_or_else(|| ConfigError::BadPeriod {
                origin: format!("config `{}`, `period`", fp.display()),
                given: t.clone(),
            })?;
            period = Setting::new(p, from_file());
        }
        if let Some(t) = &data.period {
            let p = PeriodChoice::parse(t).ok_or_else(|| ConfigError::BadPeriod {
                origin: "`--period`".into(),
                given: t.clone(),
            })?;
            period = Setting::new(p, Source::Flag("--period"));
        }

        let backtest = match (scenario.is_some_and(|s| s.backtest), file.run.backtest) {
            (true, _) => Setting::new(true, Source::Flag("--backtest")),
            (false, Some(b)) => Setting::new(b, from_file()),
            (false, None) => Setting::new(false, Source::Default),
        };

        let mut columns = BTreeMap::new();
        for (name, header) in &file.columns {
            let field = Field::from_name(name).ok_or_else(|| ConfigError::UnknownColumn {
                given: name.clone(),
            })?;
            columns.insert(
                field.name().to_string(),
                Setting::new(header.clone(), from_file()),
            );
        }
        for (field, header) in parse_column_flags(&data.columns)? {
            columns.insert(
                field.name().to_string(),
                Setting::new(header, Source::Flag("--column")),
            );
        }

        let mut caps = BTreeMap::new();
        for (channel, c) in &file.channels {
            if let Some(v) = c.reach_cap_per_day {
                caps.insert(
                    channel.clone(),
                    Setting::new(check_cap(channel, v, v.to_string())?, from_file()),
                );
            }
        }
        let (mut by, mut fake) = (
            Setting::new(None, Source::Default),
            Setting::new(FakeTraffic::default(), Source::Default),
        );
        if let Some(c) = curves {
            for (channel, v) in parse_cap_flags(&c.caps)? {
                caps.insert(channel, Setting::new(v, Source::Flag("--cap")));
            }
            if let Some(b) = c.by {
                by = Setting::new(Some(b), Source::Flag("--by"));
            }
            if let Some(f) = c.fake_traffic {
                fake = Setting::new(f, Source::Flag("--fake-traffic"));
            }
        }

        let mut half_life = match &file.fit.half_life_days {
            None => Setting::new(HalfLife::Auto, Source::Default),
            Some(v) => {
                let text = match v {
                    HalfLifeValue::Number(n) => n.to_string(),
                    HalfLifeValue::Text(t) => t.clone(),
                };
                let h = HalfLife::parse(&text).map_err(|message| ConfigError::BadHalfLife {
                    origin: format!("config `{}`, `[fit] half_life_days`", fp.display()),
                    message,
                })?;
                Setting::new(h, from_file())
            }
        };
        if let Some(h) = curves.and_then(|c| c.half_life.as_deref()) {
            let h = HalfLife::parse(h).map_err(|message| ConfigError::BadHalfLife {
                origin: "`--half-life`".into(),
                message,
            })?;
            half_life = Setting::new(h, Source::Flag("--half-life"));
        }

        let horizon = match (
            scenario.and_then(|s| s.horizon_days),
            file.plan.horizon_days,
        ) {
            _ if scenario.and_then(|s| s.horizon_weeks).is_some() => Setting::new(
                7 * scenario.and_then(|s| s.horizon_weeks).unwrap_or(1),
                Source::Flag("--horizon-weeks"),
            ),
            (Some(d), _) => Setting::new(d, Source::Flag("--horizon-days")),
            (None, Some(d)) => Setting::new(d, from_file()),
            (None, None) => Setting::new(DEFAULT_HORIZON_DAYS, Source::Default),
        };
        if horizon.value == 0 {
            return Err(ConfigError::BadHorizon);
        }
        let max_extrapolation = match (
            scenario.and_then(|s| s.max_extrapolation),
            file.plan.max_extrapolation,
        ) {
            (Some(v), _) => Setting::new(v, Source::Flag("--max-extrapolation")),
            (None, Some(v)) => Setting::new(v, from_file()),
            (None, None) => Setting::new(crate::plan::DEFAULT_MAX_EXTRAPOLATION, Source::Default),
        };
        if !(max_extrapolation.value.is_finite() && max_extrapolation.value >= 1.0) {
            return Err(ConfigError::BadMaxExtrapolation {
                given: max_extrapolation.value.to_string(),
            });
        }

        let mut excluded = BTreeMap::new();
        let mut limits = BTreeMap::new();
        for (channel, c) in &file.channels {
            if c.excluded {
                excluded.insert(channel.clone(), Setting::new(true, from_file()));
            }
            limits.insert(channel.clone(), Setting::new(c.clone(), from_file()));
        }
        let mut cost_scale = BTreeMap::new();
        if let Some(s) = scenario {
            for channel in &s.exclude {
                excluded.insert(
                    channel.clone(),
                    Setting::new(true, Source::Flag("--exclude")),
                );
            }
            for (channel, f) in parse_scale_flags(&s.scale)? {
                cost_scale.insert(channel, Setting::new(f, Source::Flag("--scale")));
            }
        }

        // The goal: flags replace the file's goal as a whole.
        let flag_goal = goal.is_some_and(|g| {
            !g.target_viewers.is_empty()
                || g.target_orders.is_some()
                || g.target_gmv.is_some()
                || !g.budget.is_empty()
        });
        let (metric, targets, budgets) = if flag_goal {
            let g = goal.expect("flag goal implies goal flags");
            let mut given: Vec<(Metric, Vec<f64>, &'static str)> = Vec::new();
            if !g.target_viewers.is_empty() {
                given.push((
                    Metric::Viewers,
                    amounts("--target-viewers", &g.target_viewers)?,
                    "--target-viewers",
                ));
            }
            if let Some(t) = &g.target_orders {
                given.push((
                    Metric::Orders,
                    amounts("--target-orders", std::slice::from_ref(t))?,
                    "--target-orders",
                ));
            }
            if let Some(t) = &g.target_gmv {
                given.push((
                    Metric::GmvCny,
                    amounts("--target-gmv", std::slice::from_ref(t))?,
                    "--target-gmv",
                ));
            }
            if given.len() > 1 {
                return Err(ConfigError::ManyTargets {
                    given: given.iter().map(|g| g.2).collect::<Vec<_>>().join(", "),
                });
            }
            let budgets = amounts("--budget", &g.budget)?;
            let bsrc = if budgets.is_empty() {
                Source::Default
            } else {
                Source::Flag("--budget")
            };
            match given.pop() {
                Some((m, t, flag)) => (
                    Setting::new(m, Source::Flag(flag)),
                    Setting::new(t, Source::Flag(flag)),
                    Setting::new(budgets, bsrc),
                ),
                None => (
                    Setting::new(Metric::Viewers, Source::Default),
                    Setting::new(Vec::new(), Source::Default),
                    Setting::new(budgets, bsrc),
                ),
            }
        } else {
            let p = &file.plan;
            let mut given = Vec::new();
            for (m, v, key) in [
                (Metric::Viewers, &p.target_viewers, "target_viewers"),
                (Metric::Orders, &p.target_orders, "target_orders"),
                (Metric::GmvCny, &p.target_gmv, "target_gmv"),
            ] {
                if let Some(v) = v {
                    given.push((m, v.value(fp, key)?, key));
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
            let budgets = match &p.budget {
                Some(b) => Setting::new(vec![b.value(fp, "budget")?], from_file()),
                None => Setting::new(Vec::new(), Source::Default),
            };
            match given.pop() {
                Some((m, t, _)) => (
                    Setting::new(m, from_file()),
                    Setting::new(vec![t], from_file()),
                    budgets,
                ),
                None => (
                    Setting::new(Metric::Viewers, Source::Default),
                    Setting::new(Vec::new(), Source::Default),
                    budgets,
                ),
            }
        };
        if targets.value.len() > 1 && budgets.value.len() > 1 {
            return Err(ConfigError::TwoVaried);
        }

        // The email: each key flag > file > default.
        let e = email.cloned().unwrap_or_default();
        let fe = &file.email;
        let email_to = if !e.email_to.is_empty() {
            Setting::new(
                check_addresses(&e.email_to, "--email-to")?,
                Source::Flag("--email-to"),
            )
        } else if !fe.to.is_empty() {
            Setting::new(check_addresses(&fe.to, "[email] to")?, from_file())
        } else {
            Setting::new(Vec::new(), Source::Default)
        };
        let email_from = match (&e.email_from, &fe.from) {
            (Some(f), _) => Setting::new(
                check_address(f, "--email-from")?,
                Source::Flag("--email-from"),
            ),
            (None, Some(f)) => Setting::new(check_address(f, "[email] from")?, from_file()),
            (None, None) => Setting::new(DEFAULT_FROM.to_string(), Source::Default),
        };
        let smtp = match (&e.smtp, &fe.smtp) {
            (Some(h), _) => {
                parse_smtp(h, "--smtp")?;
                Setting::new(Some(h.clone()), Source::Flag("--smtp"))
            }
            (None, Some(h)) => {
                parse_smtp(h, "[email] smtp")?;
                Setting::new(Some(h.clone()), from_file())
            }
            (None, None) => Setting::new(None, Source::Default),
        };
        let smtp_tls = match (e.smtp_tls, fe.smtp_tls) {
            (Some(t), _) => Setting::new(t, Source::Flag("--smtp-tls")),
            (None, Some(t)) => Setting::new(t, from_file()),
            (None, None) => Setting::new(SmtpTls::default(), Source::Default),
        };
        if smtp.value.is_some() && email_to.value.is_empty() {
            return Err(ConfigError::SmtpWithoutRecipients);
        }

        Ok(Settings {
            config_file: Setting::new(
                file_path.map(Path::to_path_buf),
                if data.config.is_some() {
                    Source::Flag("--config")
                } else {
                    Source::Default
                },
            ),
            data: data_path,
            out_root,
            columns,
            period,
            backtest,
            by,
            fake_traffic: fake,
            half_life,
            caps_viewers_per_day: caps,
            horizon_days: horizon,
            max_extrapolation,
            metric,
            targets,
            budgets_cny: budgets,
            excluded,
            cost_scale,
            channel_limits: limits,
            email_to,
            email_from,
            smtp,
            smtp_tls,
        })
    }

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

    /// Reach caps, viewers/day per room.
    pub fn caps(&self) -> BTreeMap<String, f64> {
        self.caps_viewers_per_day
            .iter()
            .map(|(c, s)| (c.clone(), s.value))
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

/// Check email addresses (`a@example.com` or `Name <a@example.com>`),
/// trimmed; empty entries (from `a,,b`) are refused.
fn check_addresses(given: &[String], origin: &'static str) -> Result<Vec<String>, ConfigError> {
    given.iter().map(|a| check_address(a, origin)).collect()
}

fn check_address(given: &str, origin: &'static str) -> Result<String, ConfigError> {
    let a = given.trim();
    a.parse::<lettre::message::Mailbox>()
        .map(|_| a.to_string())
        .map_err(|e| ConfigError::BadAddress {
            origin,
            given: given.to_string(),
            message: e.to_string(),
        })
}

/// `HOST:PORT` of an SMTP server.
fn parse_smtp(given: &str, origin: &'static str) -> Result<(String, u16), ConfigError> {
    let bad = || ConfigError::BadSmtp {
        origin,
        given: given.to_string(),
    };
    let (host, port) = given.trim().rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port.parse().map_err(|_| bad())?;
    if host.is_empty() || port == 0 {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

/// Parse repeated amount flags, naming the flag on error.
fn amounts(flag: &'static str, given: &[String]) -> Result<Vec<f64>, ConfigError> {
    given
        .iter()
        .map(|s| {
            parse_amount(s).map_err(|message| ConfigError::BadAmount {
                flag,
                given: s.clone(),
                message,
            })
        })
        .collect()
}

/// Parse `--scale CHANNEL=FACTOR` flags.
pub fn parse_scale_flags(flags: &[String]) -> Result<Vec<(String, f64)>, ConfigError> {
    flags
        .iter()
        .map(|f| {
            let bad = || ConfigError::BadScale { given: f.clone() };
            let (channel, value) = f
                .rsplit_once('=')
                .filter(|(c, _)| !c.is_empty())
                .ok_or_else(bad)?;
            let v: f64 = value.trim().parse().map_err(|_| bad())?;
            if v.is_finite() && v > 0.0 {
                Ok((channel.to_string(), v))
            } else {
                Err(bad())
            }
        })
        .collect()
}

fn check_cap(channel: &str, value: f64, shown: String) -> Result<f64, ConfigError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ConfigError::BadCap {
            channel: channel.to_string(),
            value: shown,
        })
    }
}

/// Parse `--cap CHANNEL=VIEWERS_PER_DAY` flags.
fn parse_cap_flags(flags: &[String]) -> Result<Vec<(String, f64)>, ConfigError> {
    flags
        .iter()
        .map(|f| {
            let (channel, value) = f
                .rsplit_once('=')
                .filter(|(c, _)| !c.is_empty())
                .ok_or_else(|| ConfigError::BadCapFlag { given: f.clone() })?;
            let v: f64 = value.trim().parse().map_err(|_| ConfigError::BadCap {
                channel: channel.to_string(),
                value: value.to_string(),
            })?;
            Ok((
                channel.to_string(),
                check_cap(channel, v, value.to_string())?,
            ))
        })
        .collect()
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
    #[error("`{flag} {given}` is out of range")]
    BadGenOption { flag: &'static str, given: String },
    #[error("max_extrapolation `{given}` is not a factor ≥ 1")]
    BadMaxExtrapolation { given: String },
    #[error("{origin}: `{given}` is not a period")]
    BadPeriod { origin: String, given: String },
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
                "--noise-sigma takes a log-sd ≥ 0, --volume a factor > 0, --fake-rate a share from 0 to 1".into()
            }
            ConfigError::BadMaxExtrapolation { .. } => {
                "write e.g. --max-extrapolation 2 (plan up to 2 × each lane's highest day), or `[plan] max_extrapolation = 1.5`".into()
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
    cfg.data = cfg.data.map(|d| base.join(d));
    cfg.out_root = cfg.out_root.map(|d| base.join(d));
    Ok((cfg, Some(path)))
}

/// Parse `NAME=HEADER` flags.
pub fn parse_column_flags(flags: &[String]) -> Result<Vec<(Field, String)>, ConfigError> {
    flags
        .iter()
        .map(|f| {
            let (name, header) = f
                .split_once('=')
                .ok_or_else(|| ConfigError::BadColumnFlag { given: f.clone() })?;
            let field = Field::from_name(name).ok_or_else(|| ConfigError::UnknownColumn {
                given: name.to_string(),
            })?;
            Ok((field, header.to_string()))
        })
        .collect()
}

/// Column map from the file, overridden by flags.
pub fn column_map(file: &FileConfig, flags: &[String]) -> Result<ColumnMap, ConfigError> {
    let mut map = ColumnMap::new();
    for (name, header) in &file.columns {
        let field = Field::from_name(name).ok_or_else(|| ConfigError::UnknownColumn {
            given: name.clone(),
        })?;
        map.insert(field, header.clone());
    }
    for (field, header) in parse_column_flags(flags)? {
        map.insert(field, header);
    }
    Ok(map)
}

/// Reach caps per channel (viewers/day per room) from `[channels.*]`,
/// overridden by `--cap CHANNEL=VIEWERS_PER_DAY` flags.
pub fn reach_caps(
    file: &FileConfig,
    flags: &[String],
) -> Result<BTreeMap<String, f64>, ConfigError> {
    let check = |channel: &str, value: f64, shown: String| {
        if value.is_finite() && value > 0.0 {
            Ok(value)
        } else {
            Err(ConfigError::BadCap {
                channel: channel.to_string(),
                value: shown,
            })
        }
    };
    let mut caps = BTreeMap::new();
    for (channel, c) in &file.channels {
        if let Some(v) = c.reach_cap_per_day {
            caps.insert(channel.clone(), check(channel, v, v.to_string())?);
        }
    }
    for f in flags {
        let (channel, value) = f
            .rsplit_once('=')
            .filter(|(c, _)| !c.is_empty())
            .ok_or_else(|| ConfigError::BadCapFlag { given: f.clone() })?;
        let v: f64 = value.trim().parse().map_err(|_| ConfigError::BadCap {
            channel: channel.to_string(),
            value: value.to_string(),
        })?;
        caps.insert(channel.to_string(), check(channel, v, value.to_string())?);
    }
    Ok(caps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_file_columns() {
        let file: FileConfig =
            toml::from_str("[columns]\nspend = \"总花费\"\nviewers = \"UV\"\n").unwrap();
        let map = column_map(&file, &["viewers=观看人数".into()]).unwrap();
        assert_eq!(map[&Field::Spend], "总花费");
        assert_eq!(map[&Field::Viewers], "观看人数");
        assert!(matches!(
            column_map(&file, &["viewer=UV".into()]),
            Err(ConfigError::UnknownColumn { .. })
        ));
        assert!(matches!(
            column_map(&file, &["viewers".into()]),
            Err(ConfigError::BadColumnFlag { .. })
        ));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<FileConfig>("dta = \"x.csv\"\n").is_err());
    }

    #[test]
    fn caps_from_file_overridden_by_flags() {
        let file: FileConfig = toml::from_str(
            "[channels.wechat_private]\nreach_cap_per_day = 5000\n[channels.\"私域社群\"]\nreach_cap_per_day = 10000\n[channels.douyin]\n",
        )
        .unwrap();
        let caps = reach_caps(&file, &[]).unwrap();
        assert_eq!(caps.len(), 2);
        assert_eq!(caps["wechat_private"], 5000.0);
        assert_eq!(caps["私域社群"], 10000.0);
        let caps = reach_caps(&file, &["wechat_private=8000".into(), "a=b=3".into()]).unwrap();
        assert_eq!(caps["wechat_private"], 8000.0);
        assert_eq!(caps["a=b"], 3.0);
        assert!(matches!(
            reach_caps(&file, &["wechat_private".into()]),
            Err(ConfigError::BadCapFlag { .. })
        ));
        assert!(matches!(
            reach_caps(&file, &["x=-1".into()]),
            Err(ConfigError::BadCap { .. })
        ));
        assert!(matches!(
            reach_caps(&file, &["x=lots".into()]),
            Err(ConfigError::BadCap { .. })
        ));
        assert!(toml::from_str::<FileConfig>("[channels.x]\nreach_cap = 5\n").is_err());
        let zero: FileConfig = toml::from_str("[channels.x]\nreach_cap_per_day = 0\n").unwrap();
        assert!(reach_caps(&zero, &[]).is_err());
    }
}
