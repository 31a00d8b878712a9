#!/usr/bin/env bash
# Fit benchmark: `acqplan fit` on the 3-million-row history (500 rooms × 8
# channels × 730 days = 4,000 room × channel curves), CSV and Parquet.
# Reports the median wall time and peak RSS of N runs, and the median of the
# fitting stage alone (pooled priors + per-curve fits, from `-v`).
#
#   bash scripts/bench_fit.sh [RUNS]        (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
work=${BENCH_DIR:-/tmp/acqplan-bench}
cargo build --release --quiet
bin=target/release/acqplan
if [ ! -f "$work/big/history.parquet" ]; then
  "$bin" gen --rooms 500 --days 730 --parquet --out "$work/big"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for f in history.parquet history.csv; do
  walls=(); rss=(); fits=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" fit --data "$work/big/$f" \
      --out "$work/fit_run" --force -v > /dev/null 2> "$work/fit_err.txt"
    read -r w m < "$work/time.txt"
    # "timings: load … s, series … s, pooled priors P s, fits F s, …"
    s=$(sed -n 's/.*pooled priors \([0-9.]*\) s, fits \([0-9.]*\) s.*/\1 \2/p' "$work/fit_err.txt" | awk '{print $1 + $2}')
    walls+=("$w"); rss+=("$m"); fits+=("$s")
  done
  med_w=$(printf '%s\n' "${walls[@]}" | median)
  med_m=$(printf '%s\n' "${rss[@]}" | median | awk '{printf "%.0f", $1/1024}')
  med_f=$(printf '%s\n' "${fits[@]}" | median)
  echo "$f: median wall ${med_w} s, median peak RSS ${med_m} MB, fitting stage ${med_f} s over $runs runs (walls: ${walls[*]}; fitting: ${fits[*]})"
done
