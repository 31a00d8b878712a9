//! Standing settings: defaults < `acqplan.toml` < command-line flags.
//!
//! [`Settings::resolve`] turns the file (`file.rs`) and the flags
//! (`flags.rs`) into one resolved config (`settings.rs`); every value
//! remembers where it came from ([`Source`]), which `acqplan config` prints
//! and manifest.json records. One helper, `Layers::pick` (and its per-key
//! form `pick_each`), puts the layers in that order; each setting, or
//! group of settings that go together, has a small resolver here.

pub mod calendar;
mod error;
mod file;
mod flags;
pub mod groups;
mod inputs;
mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::{ConfigError, GroupMember};
pub use file::{
    AmountValue, ChannelConfig, DataConfig, DataEntry, EmailConfig, FileConfig, FitConfig,
    HalfLifeValue, PlanConfig, RunConfig, read_file_config,
};
pub use flags::{parse_column_flags, parse_scale_flags};
pub use inputs::{budget_range, read_room_targets};
pub use settings::{HalfLife, Setting, Settings, Source};

use crate::cli::{By, CurveArgs, DataArgs, EmailArgs, GoalArgs, ScenarioArgs};
use crate::load::ColumnMap;
use crate::mail::{DEFAULT_FROM, SmtpTls};
use crate::plan::Metric;
use crate::screen::FakeTraffic;
use crate::validate::PeriodChoice;
use flags::{Each, Flags, Given, parse_cap_flags};

/// Days a plan covers unless told otherwise.
pub const DEFAULT_HORIZON_DAYS: usize = 7;
/// Where run folders go unless told otherwise.
pub const DEFAULT_OUT_ROOT: &str = "reports";

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
        let l = Layers {
            file,
            file_path,
            file_source: Source::File(file_path.map(Path::to_path_buf).unwrap_or_default()),
            shown: file_path.unwrap_or(Path::new("acqplan.toml")),
            flags: Flags {
                data,
                curves,
                scenario,
                goal,
                email,
            },
        };
        // In this order: the first problem found is the one reported.
        let config_file = l.config_file();
        let data = l.data();
        let out_root = l.out_root();
        let store = l.store();
        let period = l.period()?;
        let gmv_is_net = l.pick(l.flags.gmv_is_net(), l.file.data_table().gmv_is_net, false);
        let channel = l.channel()?;
        let backtest = l.backtest();
        let columns = l.columns()?;
        let caps_viewers_per_day = l.caps()?;
        let by = l.by();
        let fake_traffic = l.fake_traffic();
        let half_life = l.half_life()?;
        let within_period = l.within_period()?;
        let horizon_days = l.horizon_days()?;
        let max_extrapolation = l.max_extrapolation()?;
        let confidence = l.confidence()?;
        let value_goal = l.value_goal()?;
        let groups = l.group_settings()?;
        let excluded = l.excluded();
        let channel_limits = l.channel_limits();
        let cost_scale = l.cost_scale()?;
        let goal = l.goal()?;
        let email = l.email()?;
        Ok(Settings {
            config_file,
            data,
            out_root,
            store,
            columns,
            period,
            gmv_is_net,
            channel,
            backtest,
            by,
            fake_traffic,
            half_life,
            within_period,
            caps_viewers_per_day,
            horizon_days,
            max_extrapolation,
            confidence,
            value_goal,
            metric: goal.metric,
            targets: goal.targets,
            budgets_cny: goal.budgets_cny,
            excluded,
            cost_scale,
            channel_limits,
            groups,
            email_to: email.to,
            email_from: email.from,
            smtp: email.smtp,
            smtp_tls: email.smtp_tls,
            lang: l.pick(l.flags.lang(), l.file.report.lang, crate::lang::Lang::En),
            calendar: file.calendar_checked.clone(),
        })
    }
}

/// The layers of one resolution: the built-in defaults, the file, the
/// flags of the command.
struct Layers<'a> {
    /// The file as read (empty when there is none).
    file: &'a FileConfig,
    /// The file's path, if one was read.
    file_path: Option<&'a Path>,
    /// The source of the file's values.
    file_source: Source,
    /// The config path messages name (`acqplan.toml` when none was read).
    shown: &'a Path,
    flags: Flags<'a>,
}

/// Defaults < file < flags.
impl Layers<'_> {
    /// One value: the flag's if given, else the file's, else the default;
    /// with where it came from.
    fn pick<T>(&self, flag: Given<T>, file: Option<T>, default: T) -> Setting<T> {
        match (flag, file) {
            (Some((name, v)), _) => Setting::new(v, Source::Flag(name)),
            (None, Some(v)) => Setting::new(v, self.file_source.clone()),
            (None, None) => Setting::new(default, Source::Default),
        }
    }

    /// A value per key (channel, column): the file's entries, each
    /// replaced by the flag's for the same key; no entry, no key.
    fn pick_each<T>(
        &self,
        file: Vec<(String, T)>,
        (flag, given): Each<T>,
    ) -> BTreeMap<String, Setting<T>> {
        let mut out = BTreeMap::new();
        for (key, v) in file {
            out.insert(key, Setting::new(v, self.file_source.clone()));
        }
        for (key, v) in given {
            out.insert(key, Setting::new(v, Source::Flag(flag)));
        }
        out
    }
}

/// What the plan aims at.
struct Goal {
    metric: Setting<Metric>,
    targets: Setting<Vec<f64>>,
    budgets_cny: Setting<Vec<f64>>,
}

/// Who gets plan.eml and how it is sent.
struct Email {
    to: Setting<Vec<String>>,
    from: Setting<String>,
    smtp: Setting<Option<String>>,
    smtp_tls: Setting<SmtpTls>,
}

/// The resolvers, in the order [`Settings::resolve`] calls them.
impl Layers<'_> {
    /// `--config`, else `./acqplan.toml` if present (a default).
    fn config_file(&self) -> Setting<Option<PathBuf>> {
        let found = self.file_path.map(Path::to_path_buf);
        self.pick(some(self.flags.config()), None, found)
    }

    fn data(&self) -> Setting<Option<PathBuf>> {
        self.pick(
            some(self.flags.data()),
            self.file.data_path().map(Some),
            None,
        )
    }

    /// `ingest --into` replaces it in the command itself.
    fn store(&self) -> Setting<Option<PathBuf>> {
        let file = self.file.data_table().store.or(self.file.store.clone());
        self.pick(None, file.map(Some), None)
    }

    fn out_root(&self) -> Setting<PathBuf> {
        let default = PathBuf::from(DEFAULT_OUT_ROOT);
        self.pick(None, self.file.out_root.clone(), default)
    }

    /// The file's value is checked even when a flag replaces it.
    fn period(&self) -> Result<Setting<PeriodChoice>, ConfigError> {
        let file = self.file.period_choice(self.shown)?;
        Ok(self.pick(self.flags.period()?, file, PeriodChoice::Auto))
    }

    /// `--channel` or `[data] channel`: a name a row could hold (not blank,
    /// not a console's total marker).
    fn channel(&self) -> Result<Setting<Option<String>>, ConfigError> {
        let file = self.file.data_table().channel.map(Some);
        let c = self.pick(some(self.flags.channel()), file, None);
        if let Some(name) = &c.value {
            use crate::contract::{Field, Value};
            let bad = Field::Channel.first_broken(Value::Text(name)).is_some()
                || crate::contract::row::is_total_marker(name);
            if bad {
                return Err(ConfigError::BadChannel {
                    given: name.clone(),
                    origin: match c.source {
                        Source::Flag(f) => f,
                        _ => "[data] channel",
                    },
                });
            }
        }
        Ok(c)
    }

    fn backtest(&self) -> Setting<bool> {
        self.pick(self.flags.backtest(), self.file.run.backtest, false)
    }

    /// Header per contract column, keyed by the column's name.
    fn columns(&self) -> Result<BTreeMap<String, Setting<String>>, ConfigError> {
        let file = self.file.column_headers()?;
        let file = file
            .into_iter()
            .map(|(f, h)| (f.name().to_string(), h))
            .collect();
        Ok(self.pick_each(file, self.flags.columns()?))
    }

    fn caps(&self) -> Result<BTreeMap<String, Setting<f64>>, ConfigError> {
        let file = self.file.reach_caps()?;
        Ok(self.pick_each(file, self.flags.caps()?))
    }

    fn by(&self) -> Setting<Option<By>> {
        self.pick(some(self.flags.by()), None, None)
    }

    fn fake_traffic(&self) -> Setting<FakeTraffic> {
        self.pick(self.flags.fake_traffic(), None, FakeTraffic::default())
    }

    /// The file's value is checked even when a flag replaces it.
    fn within_period(&self) -> Result<Setting<crate::curves::period::WithinPeriod>, ConfigError> {
        let file = self.file.within_period(self.shown)?;
        Ok(self.pick(
            self.flags.within_period()?,
            file,
            crate::curves::period::WithinPeriod::Auto,
        ))
    }

    /// The file's value is checked even when a flag replaces it.
    fn half_life(&self) -> Result<Setting<HalfLife>, ConfigError> {
        let file = self.file.half_life(self.shown)?;
        Ok(self.pick(self.flags.half_life()?, file, HalfLife::Auto))
    }

    fn horizon_days(&self) -> Result<Setting<usize>, ConfigError> {
        let file = self.file.plan.horizon_days;
        let horizon = self.pick(self.flags.horizon_days(), file, DEFAULT_HORIZON_DAYS);
        if horizon.value == 0 {
            return Err(ConfigError::BadHorizon);
        }
        Ok(horizon)
    }

    fn max_extrapolation(&self) -> Result<Setting<f64>, ConfigError> {
        let file = self.file.plan.max_extrapolation;
        let default = crate::plan::DEFAULT_MAX_EXTRAPOLATION;
        let m = self.pick(self.flags.max_extrapolation(), file, default);
        if !(m.value.is_finite() && m.value >= 1.0) {
            return Err(ConfigError::BadMaxExtrapolation {
                given: m.value.to_string(),
            });
        }
        Ok(m)
    }

    /// Margins and the profit / ROI goals: flags over `[plan]`; margins of
    /// `[channels.X]` and `[rooms.Y]` over the plan's. The file's numbers
    /// were checked as it was read (a bad one names its line and column).
    fn value_goal(&self) -> Result<crate::plan::ValueGoal, ConfigError> {
        let plan = &self.file.plan;
        let check = |given: Given<f64>, ok: fn(f64) -> bool, message: &str| match given {
            Some((flag, v)) if !ok(v) => Err(ConfigError::BadValueGoal {
                flag,
                given: v.to_string(),
                message: message.to_string(),
            }),
            _ => Ok(given.map(|(_, v)| v)),
        };
        let margin = check(
            self.flags.margin(),
            |v| v.is_finite() && v > 0.0 && v <= 1.0,
            "a margin is a fraction of GMV above 0 and at most 1",
        )?;
        let roi_ok: fn(f64) -> bool = |v| v.is_finite() && v > 0.0;
        let roi_msg = "an ROI is CNY of GMV per CNY spent, a number above 0";
        let min_roi = check(self.flags.min_roi(), roi_ok, roi_msg)?;
        let min_marginal_roi = check(self.flags.min_marginal_roi(), roi_ok, roi_msg)?;
        let maximize = self.flags.maximize().map(|(_, m)| m).or(plan.maximize);
        Ok(crate::plan::ValueGoal {
            maximize_profit: maximize == Some(crate::plan::Maximize::Profit),
            margin: margin.or(plan.margin.map(|m| m.0)),
            channel_margins: self
                .file
                .channels
                .iter()
                .filter_map(|(c, cfg)| cfg.margin.map(|m| (c.clone(), m.0)))
                .collect(),
            room_margins: self
                .file
                .rooms
                .iter()
                .filter_map(|(r, cfg)| cfg.margin.map(|m| (r.clone(), m.0)))
                .collect(),
            min_roi: min_roi.or(plan.min_roi.map(|r| r.0)),
            min_marginal_roi: min_marginal_roi.or(plan.min_marginal_roi.map(|r| r.0)),
        })
    }

    fn confidence(&self) -> Result<Setting<Option<f64>>, ConfigError> {
        let file = self.file.plan.confidence.map(Some);
        let c = self.pick(some(self.flags.confidence()), file, None);
        if let Some(p) = c.value
            && !(p.is_finite() && (0.5..1.0).contains(&p))
        {
            return Err(ConfigError::BadConfidence {
                given: p.to_string(),
            });
        }
        Ok(c)
    }

    /// Groups and the guardrail: the file's groups (numbers checked), the
    /// guardrail from `--max-change` / `[plan] max_change` and `[channels.X]
    /// max_change`.
    fn group_settings(&self) -> Result<groups::GroupSettings, ConfigError> {
        let path = self.shown.to_path_buf();
        let bad = |section: String, message: String| ConfigError::BadGroup {
            path: path.clone(),
            section,
            message,
        };
        let check = |section: String,
                     n: usize,
                     min: Option<f64>,
                     max: Option<f64>,
                     share: Option<f64>|
         -> Result<(), ConfigError> {
            if n == 0 {
                return Err(bad(section, "lists no members".into()));
            }
            for (key, v) in [("min_spend_cny", min), ("max_spend_cny", max)] {
                if let Some(v) = v
                    && !(v.is_finite() && v >= 0.0)
                {
                    return Err(bad(section, format!("`{key}` {v} is not an amount ≥ 0")));
                }
            }
            if let (Some(a), Some(b)) = (min, max)
                && a > b
            {
                return Err(bad(
                    section,
                    format!("`min_spend_cny` {a} is above `max_spend_cny` {b}"),
                ));
            }
            if let Some(s) = share
                && !(s.is_finite() && (0.0..=1.0).contains(&s))
            {
                return Err(bad(section, format!("`max_share` {s} is not in [0, 1]")));
            }
            Ok(())
        };
        for (n, g) in &self.file.groups {
            check(
                format!("groups.{n}"),
                g.channels.len(),
                g.min_spend_cny,
                g.max_spend_cny,
                g.max_share,
            )?;
        }
        for (n, g) in &self.file.room_groups {
            check(
                format!("room_groups.{n}"),
                g.rooms.len(),
                g.min_spend_cny,
                g.max_spend_cny,
                None,
            )?;
        }
        let (plan_groups, plan_room_groups) =
            groups::plan_groups(&self.file.groups, &self.file.room_groups);
        let origin = format!("config `{}`, `[plan] max_change`", self.shown.display());
        let file_change = self
            .file
            .plan
            .max_change
            .as_ref()
            .map(|v| groups::change_of(v, &origin))
            .transpose()?;
        let change =
            match self.flags.max_change() {
                Some((flag, text)) => Some(groups::parse_change(&text).map_err(|message| {
                    ConfigError::BadMaxChange {
                        origin: format!("`{flag}`"),
                        message,
                    }
                })?),
                None => file_change,
            };
        let mut per_channel = BTreeMap::new();
        for (name, c) in &self.file.channels {
            if let Some(v) = &c.max_change {
                let origin = format!(
                    "config `{}`, `[channels.{name}] max_change`",
                    self.shown.display()
                );
                per_channel.insert(name.clone(), groups::change_of(v, &origin)?);
            }
        }
        let scope = self
            .flags
            .max_change_scope()
            .map(|(_, s)| s)
            .or(self.file.plan.max_change_scope)
            .unwrap_or_default();
        // Only `[channels.X] max_change`: those channels alone are bounded.
        let guardrail = match change {
            Some(m) => Some(groups::GuardrailSettings {
                max_change: m,
                scope,
                channels: per_channel,
            }),
            None if !per_channel.is_empty() => Some(groups::GuardrailSettings {
                max_change: f64::INFINITY,
                scope,
                channels: per_channel,
            }),
            None => None,
        };
        Ok(groups::GroupSettings {
            groups: plan_groups,
            room_groups: plan_room_groups,
            guardrail,
            positions: self.file.member_positions.clone(),
        })
    }

    /// Channels left out: `excluded = true` in the file, `--exclude`.
    fn excluded(&self) -> BTreeMap<String, Setting<bool>> {
        let file = self
            .file
            .channels
            .iter()
            .filter(|(_, c)| c.excluded)
            .map(|(channel, _)| (channel.clone(), true))
            .collect();
        self.pick_each(file, self.flags.excluded())
    }

    /// Every `[channels.*]` of the file as written (no flag sets these).
    fn channel_limits(&self) -> BTreeMap<String, Setting<ChannelConfig>> {
        let from_file = |c: &ChannelConfig| Setting::new(c.clone(), self.file_source.clone());
        let channels = self.file.channels.iter();
        channels
            .map(|(name, c)| (name.clone(), from_file(c)))
            .collect()
    }

    fn cost_scale(&self) -> Result<BTreeMap<String, Setting<f64>>, ConfigError> {
        Ok(self.pick_each(Vec::new(), self.flags.cost_scale()?))
    }

    /// Any goal flag replaces the file's goal as a whole (its values are
    /// then not read at all).
    fn goal(&self) -> Result<Goal, ConfigError> {
        let (flags, (file_target, file_budget)) = match self.flags.goal()? {
            Some(g) => (g, (None, None)),
            None => {
                let plan = &self.file.plan;
                let target = plan.target(self.shown)?;
                let budget = plan.budget_cny(self.shown)?;
                let none = flags::GoalFlags {
                    target: None,
                    budgets_cny: None,
                };
                (none, (target, budget))
            }
        };
        let flag_metric = flags.target.as_ref().map(|(f, (m, _))| (*f, *m));
        let flag_targets = flags.target.map(|(f, (_, t))| (f, t));
        let goal = Goal {
            metric: self.pick(flag_metric, file_target.map(|t| t.0), Metric::Viewers),
            targets: self.pick(flag_targets, file_target.map(|t| vec![t.1]), Vec::new()),
            budgets_cny: self.pick(flags.budgets_cny, file_budget.map(|b| vec![b]), Vec::new()),
        };
        if goal.targets.value.len() > 1 && goal.budgets_cny.value.len() > 1 {
            return Err(ConfigError::TwoVaried);
        }
        Ok(goal)
    }

    /// Each key flag > file > default; only the value in force is checked,
    /// named by the flag or the file key it came from.
    fn email(&self) -> Result<Email, ConfigError> {
        let (f, fe) = (&self.flags, &self.file.email);
        let origin = |source: &Source, key: &'static str| match source {
            Source::Flag(flag) => *flag,
            Source::File(_) | Source::Default => key,
        };
        let file_to = (!fe.to.is_empty()).then_some(fe.to.as_slice());
        let to = self
            .pick(f.email_to(), file_to, &[])
            .try_map(|v, s| check_addresses(v, origin(s, "[email] to")))?;
        let from = self
            .pick(f.email_from(), fe.from.as_deref(), DEFAULT_FROM)
            .try_map(|v, s| check_address(v, origin(s, "[email] from")))?;
        let smtp = self
            .pick(some(f.smtp()), fe.smtp.as_deref().map(Some), None)
            .try_map(|v, s| {
                if let Some(h) = v {
                    parse_smtp(h, origin(s, "[email] smtp"))?;
                }
                Ok::<_, ConfigError>(v.map(str::to_string))
            })?;
        let smtp_tls = self.pick(f.smtp_tls(), fe.smtp_tls, SmtpTls::default());
        if smtp.value.is_some() && to.value.is_empty() {
            return Err(ConfigError::SmtpWithoutRecipients);
        }
        Ok(Email {
            to,
            from,
            smtp,
            smtp_tls,
        })
    }
}

/// A flag for a setting whose value is optional (`None`: not set).
fn some<T>(flag: Given<T>) -> Given<Option<T>> {
    flag.map(|(name, v)| (name, Some(v)))
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

/// Column map from the file, overridden by flags.
pub fn column_map(file: &FileConfig, flags: &[String]) -> Result<ColumnMap, ConfigError> {
    let file = file.column_headers()?;
    let flags = parse_column_flags(flags)?;
    Ok(file.into_iter().chain(flags).collect())
}

/// Reach caps per channel (viewers/day per room) from `[channels.*]`,
/// overridden by `--cap CHANNEL=VIEWERS_PER_DAY` flags.
pub fn reach_caps(
    file: &FileConfig,
    flags: &[String],
) -> Result<BTreeMap<String, f64>, ConfigError> {
    let file = file.reach_caps()?;
    let flags = parse_cap_flags(flags)?;
    Ok(file.into_iter().chain(flags).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use crate::load::Field;
    use clap::Parser;

    /// `acqplan config ARGS` resolved over the file `toml` (read from
    /// `acqplan.toml`).
    fn resolve(toml: &str, args: &[&str]) -> Result<Settings, ConfigError> {
        let file: FileConfig = toml::from_str(toml).unwrap();
        let cli = Cli::try_parse_from(["acqplan", "config"].iter().chain(args)).unwrap();
        let Command::Config(a) = cli.command else {
            unreachable!("parsed `config`")
        };
        let path = Path::new("acqplan.toml");
        Settings::resolve(
            &file,
            Some(path),
            &a.data,
            Some(&a.curves),
            Some(&a.scenario),
            Some(&a.goal),
            Some(&a.email),
        )
    }

    #[test]
    fn flags_over_file_over_defaults_with_their_sources() {
        let toml = "period = \"week\"\n[plan]\nhorizon_days = 14\n";
        let s = resolve(toml, &["--horizon-weeks", "3"]).unwrap();
        assert_eq!(s.period.value, PeriodChoice::Week);
        assert_eq!(s.period.source, Source::File("acqplan.toml".into()));
        assert_eq!(s.horizon_days.value, 21);
        assert_eq!(s.horizon_days.source, Source::Flag("--horizon-weeks"));
        assert_eq!(s.max_extrapolation.source, Source::Default);
        assert_eq!(s.config_file.source, Source::Default);
    }

    #[test]
    fn within_period_from_flag_file_or_default() {
        use crate::curves::period::WithinPeriod;
        let s = resolve("", &[]).unwrap();
        assert_eq!(s.within_period.value, WithinPeriod::Auto);
        assert_eq!(s.within_period.source, Source::Default);
        let s = resolve("[fit]\nwithin_period = \"flat\"\n", &[]).unwrap();
        assert_eq!(s.within_period.value, WithinPeriod::Flat);
        assert_eq!(s.within_period.source, Source::File("acqplan.toml".into()));
        let s = resolve("[fit]\nwithin_period = 0.4\n", &["--within-period", "0.25"]).unwrap();
        assert_eq!(s.within_period.value, WithinPeriod::Cv(0.25));
        assert_eq!(s.within_period.source, Source::Flag("--within-period"));
        let bad = resolve(
            "[fit]\nwithin_period = \"weekly\"\n",
            &["--within-period", "flat"],
        );
        match bad {
            Err(e @ ConfigError::BadWithinPeriod { .. }) => {
                let m = e.to_string();
                assert!(
                    m.contains("`[fit] within_period`") && m.contains("`weekly`"),
                    "{m}"
                );
                assert!(e.hint().unwrap().contains("--within-period flat"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resolve("", &["--within-period=-1"]),
            Err(ConfigError::BadWithinPeriod { .. })
        ));
    }

    #[test]
    fn file_values_checked_even_under_a_flag_except_email_and_goal() {
        // The file's period and half-life are checked though a flag wins.
        let bad_period = resolve("period = \"month\"\n", &["--period", "day"]);
        assert!(matches!(bad_period, Err(ConfigError::BadPeriod { .. })));
        let bad_hl = resolve("[fit]\nhalf_life_days = 0\n", &["--half-life", "all"]);
        assert!(matches!(bad_hl, Err(ConfigError::BadHalfLife { .. })));
        // An email key is checked only where it is in force.
        let s = resolve(
            "[email]\nfrom = \"not an address\"\n",
            &["--email-from", "a@example.com"],
        )
        .unwrap();
        assert_eq!(s.email_from.value, "a@example.com");
        // Goal flags replace the file's goal unread.
        let s = resolve("[plan]\nbudget = -1\n", &["--target-viewers", "1k"]).unwrap();
        assert_eq!(s.targets.value, vec![1000.0]);
        assert_eq!(s.budgets_cny.source, Source::Default);
        assert!(matches!(
            resolve("[plan]\nbudget = -1\n", &[]),
            Err(ConfigError::BadFileValue { .. })
        ));
    }

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
