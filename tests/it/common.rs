//! The fixture shared by the integration tests: two channels with exact
//! exponential curves v = V (1 − e^(−s/k)), 120 days of varied spend, no
//! noise and no weekday effect, and the closed-form optimum to check
//! plans against.

use std::path::{Path, PathBuf};

/// (name, V viewers/day, k CNY/day).
pub const CHANNELS: [(&str, f64, f64); 2] = [("alpha", 6_000.0, 3_000.0), ("beta", 2_500.0, 800.0)];

/// `history.csv` in `dir`, one room (no room column).
pub fn write_history(dir: &Path) -> PathBuf {
    write_rooms(dir, &[])
}

/// The same two curves in every room of `rooms` (no room column if empty).
pub fn write_rooms(dir: &Path, rooms: &[&str]) -> PathBuf {
    let mut text = String::from(if rooms.is_empty() {
        "date,channel,spend,viewers\n"
    } else {
        "date,room,channel,spend,viewers\n"
    });
    let room_cells: Vec<String> = if rooms.is_empty() {
        vec![String::new()]
    } else {
        rooms.iter().map(|r| format!("{r},")).collect()
    };
    for day in 0..120u32 {
        let date = 20_000 + day as i32; // 2024-10-04 onwards
        let (y, m, d) = acqplan::load::cell::civil_from_days(date);
        for (r, room) in room_cells.iter().enumerate() {
            for (i, (name, vmax, k)) in CHANNELS.iter().enumerate() {
                // Spend between 0.3k and 1.7k, spread deterministically.
                let frac = ((day * 37 + i as u32 * 11 + r as u32 * 29) % 100) as f64 / 100.0;
                let spend = (k * (0.3 + 1.4 * frac)).round();
                let viewers = vmax * (1.0 - (-spend / k).exp());
                text.push_str(&format!(
                    "{y:04}-{m:02}-{d:02},{room}{name},{spend},{viewers:.4}\n"
                ));
            }
        }
    }
    let path = dir.join("history.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// `(V, k)` of the fixture's channels.
pub fn exp_channels() -> Vec<(f64, f64)> {
    CHANNELS.iter().map(|c| (c.1, c.2)).collect()
}

/// Exact cheapest spend and marginal cost λ for a daily target T over
/// channels `(V, k)`: V_i/k_i e^(−s_i/k_i) = 1/λ, so Σ V − λ⁻¹ Σ k = T.
pub fn exact_min_cost(channels: &[(f64, f64)], target: f64) -> (f64, f64) {
    let sum_v: f64 = channels.iter().map(|c| c.0).sum();
    let sum_k: f64 = channels.iter().map(|c| c.1).sum();
    let lambda = sum_k / (sum_v - target);
    let cost = channels
        .iter()
        .map(|(v, k)| k * (v * lambda / k).ln())
        .sum();
    (cost, lambda)
}

/// Exact most viewers and marginal cost λ for a daily budget B:
/// s_i = k_i ln(V_i λ / k_i), Σ s_i = B.
pub fn exact_max_viewers(channels: &[(f64, f64)], budget: f64) -> (f64, f64) {
    let sum_k: f64 = channels.iter().map(|c| c.1).sum();
    let sum_v: f64 = channels.iter().map(|c| c.0).sum();
    let ln_lambda = (budget - channels.iter().map(|(v, k)| k * (v / k).ln()).sum::<f64>()) / sum_k;
    let lambda = ln_lambda.exp();
    (sum_v - sum_k / lambda, lambda)
}

/// A finished command as (exit code, stdout, stderr); -1 when killed.
pub fn outcome(out: std::process::Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Run the `acqplan` binary with `args` in `dir`: (exit code, stdout, stderr).
pub fn acqplan_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = assert_cmd::Command::cargo_bin("acqplan").unwrap();
    outcome(cmd.current_dir(dir).args(args).output().unwrap())
}

/// Run the `acqplan` binary with `args` in the test's working directory.
pub fn acqplan_args(args: &[&str]) -> (i32, String, String) {
    let mut cmd = assert_cmd::Command::cargo_bin("acqplan").unwrap();
    outcome(cmd.args(args).output().unwrap())
}

/// The shipped sample history, by absolute path.
pub fn sample_history() -> String {
    format!("{}/data/history.csv", env!("CARGO_MANIFEST_DIR"))
}

/// An acqplan.toml in `dir` reading the sample, with WeChat's reach cap and
/// `body` appended; its path.
pub fn sample_config(dir: &Path, body: &str) -> String {
    let text = format!(
        "data = \"{}\"\n[channels.wechat_private]\nreach_cap_per_day = 5000\n{body}",
        sample_history()
    );
    let p = dir.join("acqplan.toml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// `acqplan plan --config CFG --out OUT --force EXTRA…`.
pub fn sample_plan(cfg: &str, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let o = assert_cmd::Command::cargo_bin("acqplan")
        .unwrap()
        .args([
            "plan",
            "--config",
            cfg,
            "--out",
            out.to_str().unwrap(),
            "--force",
        ])
        .args(extra)
        .output()
        .unwrap();
    outcome(o)
}
