//! Goals given as a file or a range rather than one value: per-room
//! targets (`--room-targets FILE`) and the frontier's budgets
//! (`--budgets LOW..HIGH`).

use std::collections::BTreeMap;
use std::path::Path;

use super::ConfigError;
use crate::amount::parse_amount;

/// `room,target_viewers` rows.
pub fn read_room_targets(path: &Path) -> Result<BTreeMap<String, f64>, ConfigError> {
    let bad = |line: u64, message: String| ConfigError::RoomTargets {
        path: path.into(),
        line,
        message,
    };
    let text = std::fs::read(path).map_err(|e| ConfigError::RoomTargetsUnreadable {
        path: path.into(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => "file not found".into(),
            _ => e.to_string(),
        },
    })?;
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let headers = r.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let room_i = headers.iter().position(|h| h.trim() == "room");
    let target_i = headers.iter().position(|h| h.trim() == "target_viewers");
    let (Some(room_i), Some(target_i)) = (room_i, target_i) else {
        return Err(bad(
            1,
            format!(
                "header {:?} lacks `room` or `target_viewers`",
                headers.iter().collect::<Vec<_>>()
            ),
        ));
    };
    let mut out = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let room = rec.get(room_i).unwrap_or("").trim().to_string();
        let raw = rec.get(target_i).unwrap_or("");
        let v = parse_amount(raw).map_err(|m| bad(line, m))?;
        if room.is_empty() {
            return Err(bad(line, "empty room".into()));
        }
        if out.insert(room.clone(), v).is_some() {
            return Err(bad(line, format!("room `{room}` appears twice")));
        }
    }
    Ok(out)
}

/// `LOW..HIGH` with `steps` budgets, ends included.
pub fn budget_range(given: &str, steps: usize) -> Result<Vec<f64>, ConfigError> {
    let bad = |message: String| ConfigError::BadRange {
        given: given.to_string(),
        message,
    };
    let (lo, hi) = given
        .split_once("..")
        .ok_or_else(|| bad("not of the form LOW..HIGH".into()))?;
    let lo = parse_amount(lo).map_err(bad)?;
    let hi = parse_amount(hi).map_err(bad)?;
    if lo >= hi {
        return Err(bad(format!("low end {lo} is not below high end {hi}")));
    }
    if steps < 2 {
        return Err(bad(format!("--steps {steps}: need at least 2")));
    }
    Ok((0..steps)
        .map(|i| lo + (hi - lo) * i as f64 / (steps - 1) as f64)
        .collect())
}
