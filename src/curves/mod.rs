//! Response curves: model families and fitting.

pub mod model;

pub use model::{Curve, Model};
