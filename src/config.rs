//! Standing settings: defaults < `acqplan.toml` < command-line flags.

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
}
