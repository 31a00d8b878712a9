//! Small dense linear algebra on the fit's fixed 9-entry parameter vectors:
//! Cholesky factorisation and solves of symmetric positive definite systems.

// Small dense linear algebra on fixed 9 × 9 arrays reads best with indices.
#![allow(clippy::needless_range_loop)]

/// Parameter vector layout: `[shape0, shape1, c_mon, …, c_sun]` where
/// `c_d = L + w_d` are per-weekday log intercepts.
pub(super) const NP: usize = 9;
pub(super) type Vec9 = [f64; NP];
pub(super) type Mat9 = [[f64; NP]; NP];

/// Cholesky factorisation in place (lower triangle); `None` if not SPD.
fn cholesky(a: &Mat9) -> Option<Mat9> {
    let mut l = [[0.0; NP]; NP];
    for i in 0..NP {
        for j in 0..=i {
            let mut sum = a[i][j];
            for k in 0..j {
                sum -= l[i][k] * l[j][k];
            }
            if i == j {
                if sum.is_nan() || sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                l[i][i] = sum.sqrt();
            } else {
                l[i][j] = sum / l[j][j];
            }
        }
    }
    Some(l)
}

fn chol_solve(l: &Mat9, b: &Vec9) -> Vec9 {
    let mut y = [0.0; NP];
    for i in 0..NP {
        let mut sum = b[i];
        for k in 0..i {
            sum -= l[i][k] * y[k];
        }
        y[i] = sum / l[i][i];
    }
    let mut x = [0.0; NP];
    for i in (0..NP).rev() {
        let mut sum = y[i];
        for k in i + 1..NP {
            sum -= l[k][i] * x[k];
        }
        x[i] = sum / l[i][i];
    }
    x
}

/// Solve the SPD system `a x = b`, adding diagonal jitter if needed.
pub(super) fn solve_spd(a: &Mat9, b: &Vec9) -> Option<Vec9> {
    let scale = (0..NP)
        .map(|i| a[i][i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let mut jitter = 0.0;
    for _ in 0..6 {
        let mut m = *a;
        for (i, row) in m.iter_mut().enumerate() {
            row[i] += jitter;
        }
        if let Some(l) = cholesky(&m) {
            let x = chol_solve(&l, b);
            if x.iter().all(|v| v.is_finite()) {
                return Some(x);
            }
        }
        jitter = if jitter == 0.0 {
            scale * 1e-12
        } else {
            jitter * 100.0
        };
    }
    None
}

pub(super) fn invert_spd(a: &Mat9) -> Option<Mat9> {
    let mut inv = [[0.0; NP]; NP];
    for j in 0..NP {
        let mut e = [0.0; NP];
        e[j] = 1.0;
        let col = solve_spd(a, &e)?;
        for i in 0..NP {
            inv[i][j] = col[i];
        }
    }
    Some(inv)
}
