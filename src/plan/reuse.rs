//! Curves cut once, solved many times (issues 15 and 16).
//!
//! Cutting a lane's curve into chords (and, day by day, cutting and
//! merging its day curves, `schedule`) is most of a solve's time on a
//! large request, and it depends on the lanes, their limits and the days,
//! not on the goal: the plan's re-solves (the risk haircuts of
//! `--confidence`, the optimiser's-curse replans, what-ifs at other targets
//! or budgets, the frontier's budgets) all cut the same curves. A request
//! can carry the cuts of an earlier, identical-but-for-the-goal request
//! ([`PlanRequest::segment_cache`], [`PlanRequest::cache_segments`]); `prepare` then takes each lane's cut
//! from it instead of cutting again. The cache is checked on every use:
//! it serves a request only when that request, its goal and lane weights
//! set aside, equals the one it was cut for (the target, budget, room
//! targets, metric, orders and GMV per viewer, solver choice and LP size
//! threshold are the parts set aside — they weight the chords or pick the
//! solver, they never move them). Any other difference — a curve, a
//! limit, a day factor, a field added later — makes a fresh cut, so the
//! cache can make a solve faster but never different.

use std::sync::Arc;

use super::input::{PlanError, PlanRequest};
use super::problem::{LaneCut, cut_lanes};

/// The cut lanes a request carries (empty by default). Not part of the
/// request's meaning: two requests compare equal whatever caches they
/// carry, and it is never serialised.
#[derive(Clone, Default)]
pub struct SegmentCache(Option<Arc<Cached>>);

pub(crate) struct Cached {
    /// The request the lanes were cut for, normalised by [`key`].
    key: PlanRequest,
    cuts: Vec<LaneCut>,
}

impl PartialEq for SegmentCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for SegmentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(c) => write!(f, "SegmentCache({} lanes)", c.cuts.len()),
            None => write!(f, "SegmentCache(empty)"),
        }
    }
}

/// `req` with the parts that never move a chord set to their defaults
/// (everything else is kept, fields added later included).
fn key(req: &PlanRequest) -> PlanRequest {
    let d = PlanRequest::default();
    let mut k = req.clone();
    k.target = None;
    k.room_targets.clear();
    k.budget_cny = None;
    k.metric = d.metric;
    k.solver = d.solver;
    k.lp_full_max_vars = d.lp_full_max_vars;
    k.segment_cache = SegmentCache::default();
    for l in &mut k.lanes {
        l.orders_per_viewer = None;
        l.gmv_cny_per_viewer = None;
    }
    k
}

impl SegmentCache {
    /// Whether it holds cut lanes (for any request).
    pub fn is_filled(&self) -> bool {
        self.0.is_some()
    }

    /// The cuts for `req`, if this cache was made for it.
    pub(crate) fn cuts_for(&self, req: &PlanRequest) -> Option<&[LaneCut]> {
        let c = self.0.as_ref()?;
        (c.cuts.len() == req.lanes.len() && c.key == key(req)).then_some(c.cuts.as_slice())
    }
}

impl PlanRequest {
    /// Cuts every lane's curve now and keeps the cuts in the request, so
    /// that it and its clones with another goal or other lane weights
    /// solve without cutting again (a cache it already carries for this
    /// request is kept). Errors as [`super::solve`] would for a bad request
    /// (the request is then left as it was).
    pub fn cache_segments(&mut self) -> Result<(), PlanError> {
        if self.segment_cache.cuts_for(self).is_none() {
            let cuts = cut_lanes(self)?;
            self.segment_cache = SegmentCache(Some(Arc::new(Cached {
                key: key(self),
                cuts,
            })));
        }
        Ok(())
    }
}

/// `req` with its lanes cut, borrowed when it carries its own cuts already.
pub(crate) fn cached(req: &PlanRequest) -> Result<std::borrow::Cow<'_, PlanRequest>, PlanError> {
    if req.segment_cache.cuts_for(req).is_some() {
        return Ok(std::borrow::Cow::Borrowed(req));
    }
    let mut r = req.clone();
    r.cache_segments()?;
    Ok(std::borrow::Cow::Owned(r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curves::{Curve, Model};
    use crate::plan::schedule::DaySpec;
    use crate::plan::{Lane, Metric, PlanStatus, solve};

    /// A change made to a request.
    type Edit = Box<dyn Fn(&mut PlanRequest)>;

    /// Three lanes of two channels, planned day by day with lane-specific
    /// day factors, orders per viewer set.
    fn request() -> PlanRequest {
        let lane = |room: &str, channel: &str, model: Model, hist: f64, opv: f64| Lane {
            history_max_spend_cny_per_day: Some(hist),
            orders_per_viewer: Some(opv),
            ..Lane::new(room, channel, Curve::uncapped(model))
        };
        let lanes = vec![
            lane(
                "r1",
                "a",
                Model::Exp {
                    vmax: 20_000.0,
                    k_cny: 8_000.0,
                },
                12_000.0,
                0.02,
            ),
            lane(
                "r1",
                "b",
                Model::Hill {
                    vmax: 15_000.0,
                    k_cny: 5_000.0,
                    a: 0.8,
                },
                9_000.0,
                0.05,
            ),
            lane("r2", "a", Model::Power { c: 30.0, b: 0.6 }, 6_000.0, 0.03),
        ];
        PlanRequest {
            lanes,
            target: Some(200_000.0),
            days: Some(DaySpec {
                factors: vec![
                    vec![0.7, 0.8, 0.9, 1.0, 1.1, 1.3, 1.2],
                    vec![1.3, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7],
                    vec![1.0, 1.0, 0.9, 0.9, 1.0, 1.6, 0.6],
                ],
                daily: Default::default(),
            }),
            ..PlanRequest::default()
        }
    }

    /// Other goals and weights solve on the cuts exactly as without them.
    #[test]
    fn cached_cuts_solve_like_fresh_ones() {
        let mut cached = request();
        cached.cache_segments().unwrap();
        assert!(cached.segment_cache.is_filled());
        let variants: Vec<Edit> = vec![
            Box::new(|_: &mut PlanRequest| {}),
            Box::new(|r: &mut PlanRequest| r.target = Some(90_000.0)),
            Box::new(|r: &mut PlanRequest| {
                r.target = None;
                r.budget_cny = Some(150_000.0);
            }),
            Box::new(|r: &mut PlanRequest| {
                r.metric = Metric::Orders;
                r.target = Some(3_000.0);
                r.lanes[1].orders_per_viewer = Some(0.2);
            }),
        ];
        for (k, v) in variants.iter().enumerate() {
            let mut fresh = request();
            v(&mut fresh);
            let mut reuse = cached.clone();
            v(&mut reuse);
            assert!(
                reuse.segment_cache.cuts_for(&reuse).is_some(),
                "variant {k}"
            );
            let a = solve(&fresh).unwrap();
            assert_eq!(a.status, PlanStatus::Optimal, "variant {k}");
            assert_eq!(a, solve(&reuse).unwrap(), "variant {k}");
        }
    }

    /// A request whose curves, limits or days differ from the cached one's
    /// is cut afresh: the stale cuts would give another plan.
    #[test]
    fn stale_cuts_are_not_used() {
        let mut cached = request();
        cached.cache_segments().unwrap();
        let base = solve(&cached).unwrap();
        let changes: Vec<Edit> = vec![
            Box::new(|r: &mut PlanRequest| {
                r.lanes[0].curve.model = Model::Exp {
                    vmax: 30_000.0,
                    k_cny: 8_000.0,
                }
            }),
            Box::new(|r: &mut PlanRequest| {
                r.lanes[2].history_max_spend_cny_per_day = Some(2_000.0)
            }),
            Box::new(|r: &mut PlanRequest| {
                r.channels.insert(
                    "b".into(),
                    crate::plan::ChannelLimits {
                        max_spend_cny: Some(10_000.0),
                        ..Default::default()
                    },
                );
            }),
            Box::new(|r: &mut PlanRequest| r.days.as_mut().unwrap().factors[1] = vec![1.0; 7]),
        ];
        for (k, c) in changes.iter().enumerate() {
            let mut fresh = request();
            c(&mut fresh);
            let mut stale = cached.clone();
            c(&mut stale);
            assert!(stale.segment_cache.cuts_for(&stale).is_none(), "change {k}");
            let a = solve(&fresh).unwrap();
            assert_ne!(a, base, "change {k} changes the plan");
            assert_eq!(a, solve(&stale).unwrap(), "change {k}");
        }
    }
}
