//! What the command-line flags contribute: each setting's flag layer,
//! typed and checked, with the flag that gave it.

use std::path::PathBuf;

use super::{ConfigError, HalfLife, check_cap};
use crate::amount::parse_amount;
use crate::cli::{By, CurveArgs, DataArgs, EmailArgs, GoalArgs, ScenarioArgs};
use crate::load::Field;
use crate::mail::SmtpTls;
use crate::plan::Metric;
use crate::screen::FakeTraffic;
use crate::validate::PeriodChoice;

/// A flag's value and the flag that gave it (`None`: not given).
pub(super) type Given<T> = Option<(&'static str, T)>;

/// A flag given once per key (channel, column): the flag and its
/// `(key, value)`s in the order given.
pub(super) type Each<T> = (&'static str, Vec<(String, T)>);

/// The flag groups of one command; a command without curve, scenario,
/// goal or email flags has `None` there.
#[derive(Clone, Copy)]
pub(super) struct Flags<'a> {
    pub data: &'a DataArgs,
    pub curves: Option<&'a CurveArgs>,
    pub scenario: Option<&'a ScenarioArgs>,
    pub goal: Option<&'a GoalArgs>,
    pub email: Option<&'a EmailArgs>,
}

/// What the goal flags ask for. Given at all, they replace the file's goal
/// as a whole.
pub(super) struct GoalFlags {
    /// The one target: what it counts and the amounts (several: a what-if).
    pub target: Given<(Metric, Vec<f64>)>,
    /// `--budget`, CNY (several: a what-if).
    pub budgets_cny: Given<Vec<f64>>,
}

impl<'a> Flags<'a> {
    /// `--config`.
    pub fn config(&self) -> Given<PathBuf> {
        self.data.config.clone().map(|p| ("--config", p))
    }

    /// `--data`.
    pub fn data(&self) -> Given<PathBuf> {
        self.data.data.clone().map(|p| ("--data", p))
    }

    /// `--period`, checked.
    pub fn period(&self) -> Result<Given<PeriodChoice>, ConfigError> {
        let Some(t) = &self.data.period else {
            return Ok(None);
        };
        let p = PeriodChoice::parse(t).ok_or_else(|| ConfigError::BadPeriod {
            origin: "`--period`".into(),
            given: t.clone(),
        })?;
        Ok(Some(("--period", p)))
    }

    /// `--gmv-is-net` (only ever turns it on).
    pub fn gmv_is_net(&self) -> Given<bool> {
        self.data.gmv_is_net.then_some(("--gmv-is-net", true))
    }

    /// `--channel NAME`.
    pub fn channel(&self) -> Given<String> {
        self.data.channel.clone().map(|c| ("--channel", c))
    }

    /// `--column NAME=HEADER`, checked.
    pub fn columns(&self) -> Result<Each<String>, ConfigError> {
        let given = parse_column_flags(&self.data.columns)?;
        Ok((
            "--column",
            given
                .into_iter()
                .map(|(f, h)| (f.name().to_string(), h))
                .collect(),
        ))
    }

    /// `--backtest` (only ever turns it on).
    pub fn backtest(&self) -> Given<bool> {
        self.scenario
            .is_some_and(|s| s.backtest)
            .then_some(("--backtest", true))
    }

    /// `--cap CHANNEL=VIEWERS_PER_DAY`, checked.
    pub fn caps(&self) -> Result<Each<f64>, ConfigError> {
        let given = match self.curves {
            Some(c) => parse_cap_flags(&c.caps)?,
            None => Vec::new(),
        };
        Ok(("--cap", given))
    }

    /// `--by`.
    pub fn by(&self) -> Given<By> {
        self.curves.and_then(|c| c.by).map(|b| ("--by", b))
    }

    /// `--fake-traffic`.
    pub fn fake_traffic(&self) -> Given<FakeTraffic> {
        self.curves
            .and_then(|c| c.fake_traffic)
            .map(|f| ("--fake-traffic", f))
    }

    /// `--within-period`, checked.
    pub fn within_period(&self) -> Result<Given<crate::curves::period::WithinPeriod>, ConfigError> {
        let Some(h) = self.curves.and_then(|c| c.within_period.as_deref()) else {
            return Ok(None);
        };
        let w = crate::curves::period::WithinPeriod::parse(h).map_err(|message| {
            ConfigError::BadWithinPeriod {
                origin: "`--within-period`".into(),
                message,
            }
        })?;
        Ok(Some(("--within-period", w)))
    }

    /// `--half-life`, checked.
    pub fn half_life(&self) -> Result<Given<HalfLife>, ConfigError> {
        let Some(h) = self.curves.and_then(|c| c.half_life.as_deref()) else {
            return Ok(None);
        };
        let h = HalfLife::parse(h).map_err(|message| ConfigError::BadHalfLife {
            origin: "`--half-life`".into(),
            message,
        })?;
        Ok(Some(("--half-life", h)))
    }

    /// `--horizon-weeks` (7 days each), else `--horizon-days`.
    pub fn horizon_days(&self) -> Given<usize> {
        let s = self.scenario?;
        match (s.horizon_weeks, s.horizon_days) {
            (Some(w), _) => Some(("--horizon-weeks", 7 * w)),
            (None, Some(d)) => Some(("--horizon-days", d)),
            (None, None) => None,
        }
    }

    /// `--max-extrapolation`.
    pub fn max_extrapolation(&self) -> Given<f64> {
        self.scenario
            .and_then(|s| s.max_extrapolation)
            .map(|v| ("--max-extrapolation", v))
    }

    /// `--max-change`.
    pub fn max_change(&self) -> Given<String> {
        self.scenario
            .and_then(|s| s.max_change.clone())
            .map(|v| ("--max-change", v))
    }

    /// `--max-change-scope`.
    pub fn max_change_scope(&self) -> Given<crate::plan::ChangeScope> {
        self.scenario
            .and_then(|s| s.max_change_scope)
            .map(|v| ("--max-change-scope", v))
    }

    /// `--maximize`.
    pub fn maximize(&self) -> Given<crate::plan::Maximize> {
        self.scenario
            .and_then(|s| s.maximize)
            .map(|v| ("--maximize", v))
    }

    /// `--margin`.
    pub fn margin(&self) -> Given<f64> {
        self.scenario
            .and_then(|s| s.margin)
            .map(|v| ("--margin", v))
    }

    /// `--min-roi`.
    pub fn min_roi(&self) -> Given<f64> {
        self.scenario
            .and_then(|s| s.min_roi)
            .map(|v| ("--min-roi", v))
    }

    /// `--min-marginal-roi`.
    pub fn min_marginal_roi(&self) -> Given<f64> {
        self.scenario
            .and_then(|s| s.min_marginal_roi)
            .map(|v| ("--min-marginal-roi", v))
    }

    /// `--confidence`.
    pub fn confidence(&self) -> Given<f64> {
        self.scenario
            .and_then(|s| s.confidence)
            .map(|v| ("--confidence", v))
    }

    /// `--exclude CHANNEL`.
    pub fn excluded(&self) -> Each<bool> {
        let given = self.scenario.map_or(Vec::new(), |s| {
            s.exclude.iter().map(|c| (c.clone(), true)).collect()
        });
        ("--exclude", given)
    }

    /// `--scale CHANNEL=FACTOR`, checked.
    pub fn cost_scale(&self) -> Result<Each<f64>, ConfigError> {
        let given = match self.scenario {
            Some(s) => parse_scale_flags(&s.scale)?,
            None => Vec::new(),
        };
        Ok(("--scale", given))
    }

    /// The goal flags (`--target-*`, `--budget`), checked; `None` when
    /// none is given.
    pub fn goal(&self) -> Result<Option<GoalFlags>, ConfigError> {
        let Some(g) = self.goal.filter(|g| {
            !g.target_viewers.is_empty()
                || g.target_orders.is_some()
                || g.target_gmv.is_some()
                || !g.budget.is_empty()
        }) else {
            return Ok(None);
        };
        let mut given: Vec<(&'static str, (Metric, Vec<f64>))> = Vec::new();
        if !g.target_viewers.is_empty() {
            given.push((
                "--target-viewers",
                (
                    Metric::Viewers,
                    amounts("--target-viewers", &g.target_viewers)?,
                ),
            ));
        }
        if let Some(t) = &g.target_orders {
            given.push((
                "--target-orders",
                (
                    Metric::Orders,
                    amounts("--target-orders", std::slice::from_ref(t))?,
                ),
            ));
        }
        if let Some(t) = &g.target_gmv {
            given.push((
                "--target-gmv",
                (
                    Metric::GmvCny,
                    amounts("--target-gmv", std::slice::from_ref(t))?,
                ),
            ));
        }
        if given.len() > 1 {
            return Err(ConfigError::ManyTargets {
                given: given.iter().map(|g| g.0).collect::<Vec<_>>().join(", "),
            });
        }
        let budgets = amounts("--budget", &g.budget)?;
        Ok(Some(GoalFlags {
            target: given.pop(),
            budgets_cny: (!budgets.is_empty()).then_some(("--budget", budgets)),
        }))
    }

    /// `--email-to`.
    pub fn email_to(&self) -> Given<&'a [String]> {
        self.email
            .filter(|e| !e.email_to.is_empty())
            .map(|e| ("--email-to", e.email_to.as_slice()))
    }

    /// `--email-from`.
    pub fn email_from(&self) -> Given<&'a str> {
        self.email
            .and_then(|e| e.email_from.as_deref())
            .map(|f| ("--email-from", f))
    }

    /// `--smtp`.
    pub fn smtp(&self) -> Given<&'a str> {
        self.email
            .and_then(|e| e.smtp.as_deref())
            .map(|h| ("--smtp", h))
    }

    /// `--smtp-tls`.
    pub fn smtp_tls(&self) -> Given<SmtpTls> {
        self.email
            .and_then(|e| e.smtp_tls)
            .map(|t| ("--smtp-tls", t))
    }

    /// `--lang`.
    pub fn lang(&self) -> Given<crate::lang::Lang> {
        self.email.and_then(|e| e.lang).map(|l| ("--lang", l))
    }
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

/// Parse `--cap CHANNEL=VIEWERS_PER_DAY` flags.
pub(super) fn parse_cap_flags(flags: &[String]) -> Result<Vec<(String, f64)>, ConfigError> {
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
