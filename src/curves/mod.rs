//! Response curves: model families (`model`), robust log-space fitting with
//! model selection, uncertainty and shrinkage (`fit`, the driver, over
//! `family`, `lm`, `linalg`, `stats`, `cv`, `expectation` and `fitted`),
//! and simulated series for tests and benchmarks (`sim`).

mod cv;
mod expectation;
pub mod extrapolation;
mod family;
pub mod fit;
mod fitted;
mod linalg;
mod lm;
pub mod model;
pub mod period;
pub mod recency;
pub mod shrink;
pub mod sim;
pub mod stage;
mod stats;

#[cfg(test)]
mod tests;

pub use fit::{
    AltFit, CvScore, Family, FitOptions, FitOutcome, FitQuality, FittedCurve, ParamCovariance,
    PeriodSpread, Recency, SeriesData, ShapePrior, SpendSummary, fit_many, fit_pooled, fit_series,
    is_beyond_history,
};
pub use model::{Curve, Model};
