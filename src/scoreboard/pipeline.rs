//! acqplan exactly as a user runs it: the history written to a CSV file, a
//! config file with the channel limits, `acqplan plan … --out DIR --force
//! --format json` parsed by the real CLI and run by
//! [`crate::commands::run`], and each lane's planned spend per day read back
//! from the run folder's `plan.json`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;

use super::family::{CAPPED_CHANNEL, EXCLUDED_CHANNEL};
use crate::synth::{CHANNELS, Headers, History};

/// A folder under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh empty folder named after `label`.
    pub fn new(label: &str) -> std::io::Result<Self> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!(
            "acqplan-scoreboard-{}-{n}-{label}",
            std::process::id()
        ));
        if p.exists() {
            std::fs::remove_dir_all(&p)?;
        }
        std::fs::create_dir_all(&p)?;
        Ok(TempDir(p))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the run was asked, as flags.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// `--target-viewers N`.
    Viewers(f64),
    /// `--target-gmv CNY`.
    Gmv(f64),
    /// `--budget CNY`.
    Budget(f64),
    /// `--room-targets FILE` (room name, viewers).
    Rooms(Vec<(String, f64)>),
}

/// Channel limits as written into the config file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConfigLimits {
    /// `[channels.douyin_qianchuan] max_spend_cny`.
    pub capped_max_cny: Option<f64>,
    /// `[channels.kuaishou_ads] excluded = true`.
    pub exclude: bool,
}

/// What came back from the run folder.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRun {
    /// Spend per lane (`room × channels + channel`), CNY/day; 0 for lanes
    /// not in the plan.
    pub spend_cny_per_day: Vec<f64>,
    /// `plan.status`: `optimal` or `infeasible`.
    pub status: String,
    /// `plan.totals.metric_value`: what acqplan expects to deliver.
    pub predicted_metric: f64,
    /// Share of the plan's spend on lanes marked `extrapolation` (daily
    /// spend beyond 1.5 × the lane's highest in the history).
    pub extrapolated_share: f64,
    /// The command line, for the record.
    pub args: Vec<String>,
}

/// The config file's text for `limits`.
pub fn config_toml(limits: &ConfigLimits) -> String {
    let mut s = String::from("# written by acqplan::scoreboard\n");
    if let Some(max) = limits.capped_max_cny {
        s.push_str(&format!(
            "[channels.{}]\nmax_spend_cny = {max:.0}\n",
            CHANNELS[CAPPED_CHANNEL].id
        ));
    }
    if limits.exclude {
        s.push_str(&format!(
            "[channels.{}]\nexcluded = true\n",
            CHANNELS[EXCLUDED_CHANNEL].id
        ));
    }
    s
}

/// Run `acqplan plan` on `history` in `dir` and read `plan.json`.
pub fn run_plan(
    history: &History,
    request: &Request,
    limits: &ConfigLimits,
    horizon_days: usize,
    dir: &Path,
) -> Result<PlanRun, String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let data = dir.join("history.csv");
    std::fs::write(&data, history.to_csv(Headers::English)).map_err(|e| io("history.csv", e))?;
    let config = dir.join("acqplan.toml");
    std::fs::write(&config, config_toml(limits)).map_err(|e| io("acqplan.toml", e))?;
    let out_dir = dir.join("run");
    let path = |p: &Path| p.display().to_string();
    let mut args: Vec<String> = vec![
        "acqplan".into(),
        "plan".into(),
        "--data".into(),
        path(&data),
        "--config".into(),
        path(&config),
        "--horizon-days".into(),
        horizon_days.to_string(),
        "--out".into(),
        path(&out_dir),
        "--force".into(),
        "--format".into(),
        "json".into(),
    ];
    match request {
        Request::Viewers(t) => args.extend(["--target-viewers".into(), format!("{t:.0}")]),
        Request::Gmv(t) => args.extend(["--target-gmv".into(), format!("{t:.0}")]),
        Request::Budget(b) => args.extend(["--budget".into(), format!("{b:.0}")]),
        Request::Rooms(targets) => {
            let file = dir.join("room_targets.csv");
            let mut text = String::from("room,target_viewers\n");
            for (room, t) in targets {
                text.push_str(&format!("{room},{t:.0}\n"));
            }
            std::fs::write(&file, text).map_err(|e| io("room_targets.csv", e))?;
            args.extend(["--room-targets".into(), path(&file)]);
        }
    }
    let cli = crate::cli::Cli::try_parse_from(&args).map_err(|e| format!("flags: {e}"))?;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = crate::commands::run(cli.command, &mut out, &mut err);
    match result {
        Ok(()) | Err(crate::Error::Infeasible { .. }) => {}
        Err(e) => {
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(&format!(": {s}"));
                src = s.source();
            }
            return Err(format!("acqplan plan failed: {msg}"));
        }
    }
    let bytes = std::fs::read(out_dir.join("plan.json")).map_err(|e| io("plan.json", e))?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("plan.json: {e}"))?;
    let mut spend = vec![0.0; history.rooms.len() * CHANNELS.len()];
    let mut extrapolated = 0.0;
    let rows = json["rows"]
        .as_array()
        .ok_or("plan.json has no `rows` array")?;
    for row in rows {
        let room = row["room"].as_str().unwrap_or_default();
        let channel = row["channel"].as_str().unwrap_or_default();
        let r = history
            .rooms
            .iter()
            .position(|x| x == room)
            .ok_or_else(|| format!("plan.json: unknown room `{room}`"))?;
        let c = CHANNELS
            .iter()
            .position(|x| x.id == channel)
            .ok_or_else(|| format!("plan.json: unknown channel `{channel}`"))?;
        let s = row["spend_cny_per_day"]
            .as_f64()
            .ok_or_else(|| format!("plan.json: {room} × {channel} without spend_cny_per_day"))?;
        spend[r * CHANNELS.len() + c] = s;
        if row["extrapolation"].as_bool() == Some(true) {
            extrapolated += s;
        }
    }
    let total: f64 = spend.iter().sum();
    Ok(PlanRun {
        extrapolated_share: if total > 0.0 {
            extrapolated / total
        } else {
            0.0
        },
        spend_cny_per_day: spend,
        status: json["plan"]["status"].as_str().unwrap_or("?").to_string(),
        predicted_metric: json["plan"]["totals"]["metric_value"]
            .as_f64()
            .unwrap_or(f64::NAN),
        args,
    })
}
