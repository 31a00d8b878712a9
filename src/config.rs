//! Standing settings: defaults < `acqplan.toml` < command-line flags.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::load::{ColumnMap, Field};

/// The config file as written by the team.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// History file (relative paths are relative to the config file).
    pub data: Option<PathBuf>,
    /// Where run folders go (default `reports`).
    pub out_root: Option<PathBuf>,
    /// Header text per contract column, e.g. `spend = "总花费"`.
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, String>,
    /// Standing settings per channel name, e.g.
    /// `[channels.wechat_private]` `reach_cap_per_day = 5000`.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelConfig>,
}

/// Standing settings of one channel (`[channels.<name>]`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
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
    #[error("nothing to plan for: no target and no budget")]
    NoGoal,
    #[error("more than one target: {given}")]
    ManyTargets { given: String },
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
            ConfigError::NoGoal => {
                "pass --target-viewers N (cheapest plan reaching N), --budget B (most viewers for B), or both".into()
            }
            ConfigError::ManyTargets { .. } => {
                "give one of --target-viewers, --target-orders, --target-gmv (a budget may go with it)".into()
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
