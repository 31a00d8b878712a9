#!/usr/bin/env bash
# Load + validate benchmark: the 3-million-row history (500 rooms × 8
# channels × 730 days) as CSV and as Parquet. Reports the median wall time
# and the median peak RSS of N runs of `acqplan validate`.
#
#   bash scripts/bench_load.sh [RUNS]        (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
work=${BENCH_DIR:-/tmp/acqplan-bench}
cargo build --release --quiet
bin=target/release/acqplan
if [ ! -f "$work/big/history.parquet" ]; then
  "$bin" gen --rooms 500 --days 730 --parquet --out "$work/big"
fi
rows=$(($(wc -l < "$work/big/history.csv") - 1))
echo "history: $rows rows; CSV $(du -m "$work/big/history.csv" | cut -f1) MB, Parquet $(du -m "$work/big/history.parquet" | cut -f1) MB"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for f in history.csv history.parquet; do
  walls=(); rss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" validate --data "$work/big/$f" > /dev/null
    read -r w m < "$work/time.txt"
    walls+=("$w"); rss+=("$m")
  done
  med_w=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  med_m=$(printf '%s\n' "${rss[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]/1024}')
  echo "$f: median wall ${med_w} s, median peak RSS ${med_m} MB over $runs runs (all: ${walls[*]})"
done
