#!/usr/bin/env bash
# History larger than memory: a 30-million-row hive-partitioned history,
# aggregated with polars' streaming engine, against the same query on the
# in-memory engine (which holds every raw row). Not a test: it measures.
#
#   scripts/bench_hive.sh [OUT_DIR]      (default /tmp/acqplan-bench)
#
# Needs ~0.5 GB of disk for the data, ~9 GB of free memory for the
# in-memory comparison, and GNU time (`apt-get install time`).
set -euo pipefail

OUT=${1:-/tmp/acqplan-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/target/release/acqplan"
DATA="$OUT/hive30m"
TIME=/usr/bin/time

if [ ! -x "$TIME" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq time >&2 || true   # GNU time, for peak RSS
fi
[ -x "$TIME" ] || { echo "needs GNU time: apt-get install time" >&2; exit 2; }
# The test profile builds the binary with the features the tests use.
(cd "$ROOT" && cargo test --release --no-run >/dev/null 2>&1) || true
[ -x "$BIN" ] || { echo "build first: cargo test --release --no-run" >&2; exit 2; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
DATA="$OUT/hive30m"
cp "$BIN" "$OUT/acqplan"   # other builds may replace target/release meanwhile
BIN="$OUT/acqplan"
cd "$OUT"   # no acqplan.toml from the caller's folder

# 520 rooms × 8 channels × 730 days = 3,036,800 daily rows; 10 live streams
# a day makes 30,368,000 raw rows in 24 monthly partitions.
if [ ! -d "$DATA" ]; then
    $TIME -f "gen: %e s wall, %M kB peak RSS" \
        "$BIN" gen --rooms 520 --days 730 --rows-per-day 10 \
        --parquet-dir "$DATA" 2>&1 | grep -v '^wrote month='
fi
echo "data: $(find "$DATA" -name '*.parquet' | wc -l) Parquet files, $(du -sh "$DATA" | cut -f1)"

measure() { # label, then the command
    local label=$1; shift
    echo "== $label   (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    $TIME -f "   %e s wall, %M kB peak RSS, %P CPU" "$@" 2>&1 >/dev/null |
        grep -E '^read |^timings|wall'
}

measure "validate, streaming (default)" "$BIN" validate --data "$DATA" -v
measure "fit (screen + 4,160 curves), streaming" \
    "$BIN" fit --data "$DATA" --out "$OUT/run-fit" --force -v
measure "validate, in-memory engine (holds every raw row)" \
    env ACQPLAN_ENGINE=in-memory "$BIN" validate --data "$DATA" -v
measure "run (load → screen → fit → plan → charts), budget 5000万, streaming" \
    "$BIN" run --data "$DATA" --budget 5000万 --out "$OUT/run-plan" --force -v
