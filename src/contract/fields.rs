//! The fields of a history row (SPEC.md, "Input"): their canonical names,
//! which are required, and how their cells are read.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One column of the campaign-history contract (SPEC.md, "Input").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Date,
    Channel,
    Spend,
    Viewers,
    Room,
    Campaign,
    Impressions,
    Orders,
    Gmv,
    AvgWatchSeconds,
    Comments,
}

/// How a field's cells are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A calendar day.
    Date,
    /// Free text (names, ids).
    Text,
    /// A number ≥ 0 (money may carry `¥` and thousands separators).
    Number,
}

impl Field {
    /// Every field, required ones first.
    pub const ALL: [Field; 11] = [
        Field::Date,
        Field::Channel,
        Field::Spend,
        Field::Viewers,
        Field::Room,
        Field::Campaign,
        Field::Impressions,
        Field::Orders,
        Field::Gmv,
        Field::AvgWatchSeconds,
        Field::Comments,
    ];

    /// The optional numeric fields, in output order.
    pub const OPTIONAL_NUMBERS: [Field; 5] = [
        Field::Impressions,
        Field::Orders,
        Field::Gmv,
        Field::AvgWatchSeconds,
        Field::Comments,
    ];

    /// Canonical column name, as in the data contract.
    pub fn name(self) -> &'static str {
        match self {
            Field::Date => "date",
            Field::Channel => "channel",
            Field::Spend => "spend",
            Field::Viewers => "viewers",
            Field::Room => "room",
            Field::Campaign => "campaign",
            Field::Impressions => "impressions",
            Field::Orders => "orders",
            Field::Gmv => "gmv",
            Field::AvgWatchSeconds => "avg_watch_seconds",
            Field::Comments => "comments",
        }
    }

    /// Parse a canonical name (as used by `--column NAME=HEADER`).
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name.trim())
    }

    /// Whether every file must have this column.
    pub fn required(self) -> bool {
        matches!(
            self,
            Field::Date | Field::Channel | Field::Spend | Field::Viewers
        )
    }

    /// How cells of this field are read.
    pub fn kind(self) -> Kind {
        match self {
            Field::Date => Kind::Date,
            Field::Channel | Field::Room | Field::Campaign => Kind::Text,
            _ => Kind::Number,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
