//! The data contract of a campaign history (SPEC.md, "Input"): the fields of
//! a row, the header aliases that name them, how one cell is read, the
//! calendar, and what a clean row is.
//!
//! It sits below [`crate::load`] and [`crate::validate`] and imports
//! neither: every input path (the row reader for CSV/.xlsx/Parquet, the
//! typed-Parquet fast path, the Parquet-folder query) applies the same
//! [`row`] rules, in their row or their expression form.

pub mod aliases;
pub mod calendar;
pub mod cell;
pub mod fields;
pub mod row;

pub use aliases::{ColumnMap, HeaderProblem, Resolved, column_letters, resolve};
pub use cell::{Cell, NumberProblem};
pub use fields::{Field, Kind};
pub use row::{Declared, Rule, Value};
