//! The planning LP: how to split ad money across room × channel lanes to
//! reach a viewer (or orders / GMV) target at minimum cost, or the most
//! viewers for a budget, under channel limits.
//!
//! Each concave response curve is cut into chords on the spend axis
//! ([`segments`]); one variable per chord, `0 ≤ x ≤ width`, with the chord's
//! viewers per CNY. Concavity makes the LP fill a lane's chords in order, so
//! no integers are needed. When the only coupling row is the total target or
//! budget the LP is a fractional knapsack and is solved exactly by a greedy
//! fill by marginal cost; otherwise good_lp + clarabel solves it, with shadow
//! prices read from the duals. Pure: no IO.
//!
//! Entry point: [`solve`] takes a [`PlanRequest`] and returns a [`Plan`] or a
//! typed [`PlanError`] naming the bad channel/lane. An unreachable target is
//! not an error: the plan comes back with `status: infeasible`, the most
//! reachable under the limits, and the limits that stop more.
//!
//! Modules, in solving order: [`input`] (the request) → [`segments`]
//! (chords of each curve) → `problem` (the request indexed and cut, the
//! goal) → `greedy` (the exact knapsack path) or `lp` (good_lp) and
//! `window` (large LPs on certified windows) → `assemble` (the [`Plan`]) —
//! driven by [`solve`](mod@solve); [`frontier`](mod@frontier) solves one
//! request over many budgets; [`stage`] dresses a plan for the reader.
//!
//! Large LPs (more than `lp_full_max_vars` segments, e.g. 500 rooms × 8
//! channels ≈ 440k segments) are solved on a window of segments per lane
//! around a first guess (per-room greedy, or a coarse LP), the rest of each
//! lane merged into one chord below and one above. The window LP's duals
//! certify optimality for the full segment LP when every merged segment
//! below the window is worth filling and every one above is not at those
//! duals; windows widen until that holds (else the full LP is solved).
//!
//! "Binding" in the outputs means the constraint holds with equality (to
//! 1e-6 relative); LP duals are attached where the LP produced them.
//! Spend beyond a lane's planned range (near saturation, a multiple of its
//! historical max, or its reach cap) is not modelled except when a minimum
//! or locked spend forces it; then it buys no viewers in the LP.

mod assemble;
pub mod beyond;
mod classes;
pub mod frontier;
mod greedy;
pub mod groups;
pub mod input;
pub mod limits;
mod lp;
pub mod output;
mod problem;
pub mod relax;
pub mod reuse;
pub mod risk;
mod roi_fill;
pub mod schedule;
pub mod segments;
mod select;
pub mod solve;
pub mod stage;
pub mod value;
mod window;

#[cfg(test)]
mod groups_tests;
#[cfg(test)]
mod tests;

pub use frontier::{FrontierGoal, frontier};
pub use groups::{ChangeScope, ChannelGroup, Guardrail, RoomGroup};
pub use input::{ChannelLimits, Lane, Metric, PlanError, PlanRequest, SolverChoice};
pub use limits::{GuardrailCost, LimitCost, guardrail_cost, limit_costs};
pub use output::{
    BindingConstraint, ConstraintKind, Infeasibility, LaneBound, LaneName, LanePlan, Limit, Plan,
    PlanMode, PlanStatus, RoomResult, SolverPath, Totals, WrittenLimitCost,
};
pub use relax::{Relax, Relaxation};
pub use segments::{
    DEFAULT_MAX_EXTRAPOLATION, Segment, SegmentOptions, planned_range_cny_per_day, segment_curve,
};
pub use solve::{lane_segments, solve};
pub use value::{LaneValue, Maximize, ValueGoal, ValueReport};
