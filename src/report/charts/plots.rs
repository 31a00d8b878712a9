//! The four charts, each drawn on any plotters drawing area (full size in
//! their own PNG, small in the summary), under the one name the chart
//! dispatch, the summary and the backtest chart use. Each chart has its
//! own file (`curves`, `marginal_cost`, `allocation`, `frontier`) and they
//! share their frame, fonts and colours (`builder`).

pub(crate) use super::allocation::draw_allocation;
pub(crate) use super::builder::{Drawn, GRID_BOLD, GRID_LIGHT, Msg, cny2, font};
pub(crate) use super::curves::{curves_header_px, draw_curves};
pub(crate) use super::frontier::draw_frontier;
pub(crate) use super::marginal_cost::draw_marginal_cost;
