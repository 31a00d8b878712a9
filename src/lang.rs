//! The language of what acqplan writes for people (`--lang`, `[report]
//! lang`). File formats for machines (CSV headers, JSON keys) do not change
//! with it.

use serde::{Deserialize, Serialize};

/// A report language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// One of two words, by language.
    pub fn pick(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}
