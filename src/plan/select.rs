//! Weighted selection: the items a fractional knapsack takes when they are
//! taken by decreasing key until their weights reach a capacity, found in
//! expected linear time (a quickselect on the weights) instead of by a sort.
//! The order is total (key descending, then index ascending), so the
//! selection is the one a stable sort would give.

/// Which candidates a fill takes, in the order (key desc, index asc).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cut {
    /// Every candidate.
    All,
    /// None.
    Nothing,
    /// Those before this item, and this fraction of it.
    At(u32, f64),
}

/// The candidates of `cand` (indices into `key`/`weight`) bought by
/// decreasing key (ties by index) until their weights reach `capacity`.
pub(crate) fn weighted_cut(cand: &mut [u32], key: &[f64], weight: &[f64], capacity: f64) -> Cut {
    if capacity <= 0.0 {
        return Cut::Nothing;
    }
    let total: f64 = cand.iter().map(|&i| weight[i as usize]).sum();
    if total <= capacity {
        return Cut::All;
    }
    let before = |i: u32, j: u32| {
        let (ki, kj) = (key[i as usize], key[j as usize]);
        ki > kj || (ki == kj && i < j)
    };
    let (mut lo, mut hi) = (0usize, cand.len());
    let mut rem = capacity;
    while lo < hi {
        // Median of three as the pivot.
        let (x, y, z) = (cand[lo], cand[lo + (hi - lo) / 2], cand[hi - 1]);
        let pivot = if before(x, y) == before(y, z) {
            y
        } else if before(x, y) == before(z, x) {
            x
        } else {
            z
        };
        let mut i = lo;
        for k in lo..hi {
            if before(cand[k], pivot) {
                cand.swap(i, k);
                i += 1;
            }
        }
        let at = (i..hi)
            .find(|&k| cand[k] == pivot)
            .expect("the pivot is in the range");
        cand.swap(i, at);
        let w_before: f64 = cand[lo..i].iter().map(|&k| weight[k as usize]).sum();
        if w_before >= rem {
            hi = i;
            continue;
        }
        let wp = weight[pivot as usize];
        if w_before + wp >= rem {
            return Cut::At(pivot, ((rem - w_before) / wp).clamp(0.0, 1.0));
        }
        rem -= w_before + wp;
        lo = i + 1;
    }
    // Rounding: everything fits after all.
    Cut::All
}

/// The fraction of each candidate a cut takes.
pub(crate) fn apply(cut: Cut, cand: &[u32], key: &[f64], frac: &mut [f64]) {
    for &i in cand {
        frac[i as usize] = match cut {
            Cut::All => 1.0,
            Cut::Nothing => 0.0,
            Cut::At(p, f) => {
                let (ki, kp) = (key[i as usize], key[p as usize]);
                if i == p {
                    f
                } else if ki > kp || (ki == kp && i < p) {
                    1.0
                } else {
                    0.0
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weighted cut takes exactly the candidates a full sort would.
    #[test]
    fn weighted_cut_matches_a_sort() {
        let mut rng = crate::synth::Rng::new(7);
        for case in 0..500 {
            let n = 1 + (case % 60);
            // Few distinct keys, so ties are common.
            let key: Vec<f64> = (0..n)
                .map(|_| (rng.uniform() * 8.0).floor() - 2.0)
                .collect();
            let weight: Vec<f64> = (0..n).map(|_| 0.1 + rng.uniform()).collect();
            let total: f64 = weight.iter().sum();
            let capacity = total * (rng.uniform() * 1.2 - 0.1);
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by(|&i, &j| key[j as usize].total_cmp(&key[i as usize]).then(i.cmp(&j)));
            let mut want = vec![0.0; n];
            let mut rem = capacity;
            for &i in &order {
                let w = weight[i as usize];
                let take = rem.clamp(0.0, w);
                want[i as usize] = take / w;
                rem -= take;
            }
            let mut cand: Vec<u32> = (0..n as u32).collect();
            let cut = weighted_cut(&mut cand, &key, &weight, capacity);
            let mut got = vec![0.0; n];
            apply(cut, &cand, &key, &mut got);
            for i in 0..n {
                assert!(
                    (got[i] - want[i]).abs() < 1e-9,
                    "case {case} item {i}: {} vs {} ({cut:?})",
                    got[i],
                    want[i]
                );
            }
        }
    }
}
