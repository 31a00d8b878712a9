//! The old home of cell reading and the calendar, kept as a path for the
//! integration tests and examples (`acqplan::load::cell::civil_from_days`);
//! the code lives in [`crate::contract::cell`] and
//! [`crate::contract::calendar`].

pub use crate::contract::calendar::{civil_from_days, days_from_civil, format_date, weekday};
pub use crate::contract::cell::{Cell, NumberProblem, parse_date, parse_number};
