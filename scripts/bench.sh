#!/usr/bin/env bash
# End-to-end benchmark of the weekly batch: `acqplan run` (load → screen →
# fit → plan → five charts incl. a 12-budget frontier → summary.txt) on
# three history sizes, as CSV and as Parquet. Prints a markdown table of the
# median wall time and the peak RSS of RUNS runs each (/usr/bin/time), the
# median stage times (`-v`), the 1-minute load average when each run
# started, and the share of the machine's CPU that other processes used
# during the runs (/proc/stat minus the run's own user + system time; the
# load average also counts processes this shell cannot see).
#
#   bash scripts/bench.sh [RUNS] [SIZE...]     (default: 5 small medium large)
#   bash scripts/bench.sh 3 large backtest     (the issue-16 figures; add huge for 10×)
#
# Sizes (8 channels each):
#   small   the shipped sample, data/history.{csv,parquet} with
#           data/acqplan.toml (3 rooms × 240 days, 5,760 rows, target 500k)
#   medium  acqplan gen --rooms 50  --days 365  (146,000 rows, 400 curves)
#   large   acqplan gen --rooms 500 --days 730  (2,920,000 rows, 4,000 curves)
#   backtest  `acqplan backtest --weeks 8` on large (Parquet): 8 weekly refits
#   huge    acqplan gen --rooms 5000 --days 730 --parquet-dir (29,200,000
#           rows, 40,000 curves, a month-partitioned Parquet folder of about
#           0.5 GB; generating it takes a few minutes), planned for a budget
#           of 10 × large's last 7 days' spend; the plan stage is the
#           40,000-lane plan
# medium and large are generated once into $BENCH_DIR/<size>/ (kept for the
# next run; delete the folder to regenerate) and planned for the screened viewers of
# their last 7 days (flagged rows left out, as the curves see them), at the
# lowest cost.
#
# Environment:
#   BENCH_DIR   where generated history and run folders go (/tmp/acqplan-bench)
#   ACQPLAN     the binary (default target/release/acqplan, built with
#               `cargo test --release --no-run`, the build CI already makes;
#               `cargo build --release` resolves the same features)
#   MAX_BUSY    before each run, wait while other processes keep more than
#               this share of the CPUs busy (default 0.25), …
#   MAX_WAIT_S  …but at most this long per run (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(small medium large)
work=${BENCH_DIR:-/tmp/acqplan-bench}
max_busy=${MAX_BUSY:-0.25}
max_wait=${MAX_WAIT_S:-300}
mkdir -p "$work"

if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq time >&2 || true   # GNU time, for peak RSS
fi
if [ ! -x /usr/bin/time ]; then
  echo "bench.sh needs GNU time: apt-get install time" >&2
  exit 2
fi
bin=${ACQPLAN:-target/release/acqplan}
if [ -z "${ACQPLAN:-}" ]; then
  cargo test --release --no-run --quiet 2> "$work/build.log" || { cat "$work/build.log" >&2; exit 2; }
fi

# Share of CPU time spent busy over the next 2 s (all processes).
busy() {
  local a b
  a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
  awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
    n = split(a, x, " "); split(b, y, " "); t = 0
    for (i = 2; i <= n; i++) t += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.2f", (t > 0 ? 1 - idle / t : 0) }'
}
# Wait (up to MAX_WAIT_S) until the machine is quiet; print the busy share.
wait_quiet() {
  local waited=0 b
  b=$(busy)
  while awk -v b="$b" -v m="$max_busy" 'BEGIN { exit !(b > m) }' && [ "$waited" -lt "$max_wait" ]; do
    sleep 10; waited=$((waited + 12)); b=$(busy)
  done
  echo "$b"
}
# Busy CPU time of the whole machine so far, seconds (/proc/stat: every
# field but idle and iowait).
busy_s() {
  awk -v hz="$(getconf CLK_TCK)" 'NR == 1 { for (i = 2; i <= NF; i++) if (i != 5 && i != 6) t += $i; printf "%.2f", t / hz; exit }' /proc/stat
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

gen() { # size rooms days
  local dir="$work/$1"
  if [ ! -f "$dir/history.parquet" ] || [ ! -f "$dir/history.csv" ]; then
    echo "generating $1 history ($2 rooms × $3 days) into $dir…" >&2
    "$bin" gen -q --rooms "$2" --days "$3" --parquet --out "$dir"
  fi
  if [ ! -f "$dir/target.txt" ]; then
    # Screened viewers of the last 7 days: every row's viewers (column 5)
    # minus those of the rows `acqplan screen` flags as fake traffic and
    # excludes from the curves (flagged_rows.csv: date, room, channel in
    # columns 2-4, viewers in 6, before its quoted reasons). ISO dates
    # compare as text.
    local last first
    last=$(awk -F, 'NR > 1 && $1 > m { m = $1 } END { print m }' "$dir/history.csv")
    first=$(date -d "$last -6 days" +%F)
    "$bin" screen -q --data "$dir/history.csv" --out "$dir/screen" --force > /dev/null
    awk -F, -v f="$first" '
      FNR == 1 { file++; next }
      file == 1 && $1 >= f { s += $5 }
      file == 2 && $2 >= f { s -= $6 }
      END { printf "%.0f\n", s }' \
      "$dir/history.csv" "$dir/screen/flagged_rows.csv" > "$dir/target.txt"
  fi
}

# One measured command: sets w (wall s), m (peak kB), c (CPU user+sys s),
# l (load average at start), o (others' CPU share during it) and err.
measure() {
  local b u sy c0 c1
  b=$(wait_quiet)
  l=$(cut -d' ' -f1 /proc/loadavg)
  c0=$(busy_s)
  /usr/bin/time -f '%e %M %U %S' -o "$work/time.txt" "$@" > /dev/null 2> "$work/run.err" \
    || { cat "$work/run.err" >&2; exit 1; }
  c1=$(busy_s)
  read -r w m u sy < "$work/time.txt"
  o=$(awk -v c0="$c0" -v c1="$c1" -v u="$u" -v s="$sy" -v w="$w" -v n="$(nproc)" \
    'BEGIN { x = (c1 - c0 - u - s) / (n * (w > 0 ? w : 1)); printf "%.2f", (x < 0 ? 0 : x) }')
  c=$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')
}
extra_md=()
# `acqplan backtest --weeks 8` on a file, RUNS times.
backtest_rows() {
  local f=$1 what=$2 walls=() cpus=() rss=() loads=() busies=()
  for i in $(seq "$runs"); do
    measure "$bin" backtest --data "$f" --weeks 8 --out "$work/run-backtest" --force -q -v
    walls+=("$w"); cpus+=("$c"); rss+=("$m"); loads+=("$l"); busies+=("$o")
    echo "backtest run $i: ${w} s, $((m / 1024)) MB, CPU $c s (load $l, others during $o)" >&2
  done
  extra_md+=("| backtest, 8 weeks | $what | Parquet | $runs | $(printf '%s\n' "${walls[@]}" | median) s ($(printf '%s\n' "${walls[@]}" | sort -g | head -1)–$(printf '%s\n' "${walls[@]}" | sort -g | tail -1)) | $(printf '%s\n' "${cpus[@]}" | median) s | $(($(printf '%s\n' "${rss[@]}" | sort -g | tail -1) / 1024)) MB | – | $(printf '%s\n' "${loads[@]}" | sort -g | head -1)–$(printf '%s\n' "${loads[@]}" | sort -g | tail -1) | $(printf '%s\n' "${busies[@]}" | sort -g | tail -1) |")
}
# The 10× folder: `acqplan run` for a budget, RUNS times.
huge_rows() {
  local dir=$1 walls=() cpus=() rss=() loads=() busies=() plans=() budget
  # 10 × large's last 7 days' spend (78.6M CNY on the default seed).
  budget=${HUGE_BUDGET:-786000000}
  for i in $(seq "$runs"); do
    measure "$bin" run --data "$dir" --budget "$budget" --out "$work/run-huge" --force -q -v
    st=$(sed -n 's/^timings: load \([0-9.]*\) s, screen \([0-9.]*\) s, fit \([0-9.]*\) s, plan \([0-9.]*\) s, report \([0-9.]*\) s.*/\1 \/ \2 \/ \3 \/ \4 \/ \5/p' "$work/run.err")
    walls+=("$w"); cpus+=("$c"); rss+=("$m"); loads+=("$l"); busies+=("$o"); plans+=("$st")
    echo "huge run $i: ${w} s, $((m / 1024)) MB, CPU $c s (load $l, others during $o; stages $st)" >&2
  done
  extra_md+=("| run, 10× folder | 5000 × 730, 29.2M rows, 40,000 curves | Parquet folder | $runs | $(printf '%s\n' "${walls[@]}" | median) s ($(printf '%s\n' "${walls[@]}" | sort -g | head -1)–$(printf '%s\n' "${walls[@]}" | sort -g | tail -1)) | $(printf '%s\n' "${cpus[@]}" | median) s | $(($(printf '%s\n' "${rss[@]}" | sort -g | tail -1) / 1024)) MB | $(IFS=";"; echo "${plans[*]}") | $(printf '%s\n' "${loads[@]}" | sort -g | head -1)–$(printf '%s\n' "${loads[@]}" | sort -g | tail -1) | $(printf '%s\n' "${busies[@]}" | sort -g | tail -1) |")
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GB RAM; $("$bin" --version)" >&2
rows_md=()
for size in "${sizes[@]}"; do
  case $size in
    small)
      args_common=(--config data/acqplan.toml)
      csv=data/history.csv; pq=data/history.parquet; what="3 × 240 (sample)" ;;
    medium)
      gen medium 50 365
      args_common=(--target-viewers "$(cat "$work/medium/target.txt")")
      csv=$work/medium/history.csv; pq=$work/medium/history.parquet; what="50 × 365" ;;
    large)
      gen large 500 730
      args_common=(--target-viewers "$(cat "$work/large/target.txt")")
      csv=$work/large/history.csv; pq=$work/large/history.parquet; what="500 × 730" ;;
    backtest)
      gen large 500 730
      backtest_rows "$work/large/history.parquet" "500 × 730, 8 weeks"
      continue ;;
    huge)
      if [ ! -d "$work/huge" ]; then
        echo "generating huge history (5000 rooms × 730 days) into $work/huge…" >&2
        "$bin" gen -q --rooms 5000 --days 730 --parquet-dir "$work/huge"
      fi
      huge_rows "$work/huge"
      continue ;;
    *) echo "unknown size $size (small, medium, large, backtest, huge)" >&2; exit 2 ;;
  esac
  nrows=$(($(wc -l < "$csv") - 1))
  for f in "$csv" "$pq"; do
    fmt=${f##*.}
    walls=(); rss=(); loads=(); busies=(); stages=(); cpus=()
    for i in $(seq "$runs"); do
      b=$(wait_quiet)
      l=$(cut -d' ' -f1 /proc/loadavg)
      c0=$(busy_s)
      /usr/bin/time -f '%e %M %U %S' -o "$work/time.txt" \
        "$bin" run "${args_common[@]}" --data "$f" --out "$work/run-$size" --force -q -v \
        > /dev/null 2> "$work/run.err" || { cat "$work/run.err" >&2; exit 1; }
      c1=$(busy_s)
      read -r w m u sy < "$work/time.txt"
      # Share of the machine's CPU that other processes used during the run.
      o=$(awk -v c0="$c0" -v c1="$c1" -v u="$u" -v s="$sy" -v w="$w" -v n="$(nproc)" \
        'BEGIN { x = (c1 - c0 - u - s) / (n * (w > 0 ? w : 1)); printf "%.2f", (x < 0 ? 0 : x) }')
      # "timings: load 0.71 s, screen 0.55 s, fit 2.90 s, plan 0.40 s, report 1.10 s, total …"
      st=$(sed -n 's/^timings: load \([0-9.]*\) s, screen \([0-9.]*\) s, fit \([0-9.]*\) s, plan \([0-9.]*\) s, report \([0-9.]*\) s.*/\1 \2 \3 \4 \5/p' "$work/run.err")
      walls+=("$w"); rss+=("$m"); loads+=("$l"); busies+=("$o"); stages+=("$st")
      cpus+=("$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')")
      echo "$size $fmt run $i: ${w} s, $((m / 1024)) MB, CPU ${u}+${sy} s (load $l, busy before $b, others during $o; stages load/screen/fit/plan/report: $st)" >&2
    done
    med_w=$(printf '%s\n' "${walls[@]}" | median)
    min_w=$(printf '%s\n' "${walls[@]}" | sort -g | head -1)
    max_w=$(printf '%s\n' "${walls[@]}" | sort -g | tail -1)
    max_m=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
    stage_med=""
    for k in 1 2 3 4 5; do
      stage_med+="$(printf '%s\n' "${stages[@]}" | awk -v k=$k '{print $k}' | median) "
    done
    read -r s_load s_screen s_fit s_plan s_report <<< "$stage_med"
    load_rng="$(printf '%s\n' "${loads[@]}" | sort -g | head -1)–$(printf '%s\n' "${loads[@]}" | sort -g | tail -1)"
    # Median of the runs during which others used under 10 % of the CPU.
    quiet=$(paste <(printf '%s\n' "${walls[@]}") <(printf '%s\n' "${busies[@]}") \
      | awk '$2 < 0.10 { print $1 }' | median)
    quiet_n=$(paste <(printf '%s\n' "${walls[@]}") <(printf '%s\n' "${busies[@]}") | awk '$2 < 0.10' | wc -l)
    quiet_txt="–"
    [ -z "$quiet" ] || quiet_txt="$quiet s ($quiet_n)"
    med_c=$(printf '%s\n' "${cpus[@]}" | median)
    max_b=$(printf '%s\n' "${busies[@]}" | sort -g | tail -1)
    rows_fmt=$(echo "$nrows" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
    rows_md+=("| $size | $what | $rows_fmt | $fmt | $runs | ${med_w} s (${min_w}–${max_w}) | $quiet_txt | $(awk -v m="$max_m" 'BEGIN {printf "%.0f", m / 1024}') MB | ${med_c} s | $s_load / $s_screen / $s_fit / $s_plan / $s_report | $load_rng | $max_b |")
  done
done
if [ ${#rows_md[@]} -gt 0 ]; then
  echo
  echo "| size | rooms × days | rows | format | runs | median wall (min–max) | median wall, quiet runs (n) | peak RSS (max) | CPU user+sys (median) | stages, median s: load / screen / fit / plan / report | load avg (1 min) at start | others' CPU share during runs (max) |"
  echo "|---|---|---:|---|---:|---|---|---:|---:|---|---|---:|"
  printf '%s\n' "${rows_md[@]}"
fi
if [ ${#extra_md[@]} -gt 0 ]; then
  echo
  echo "| what | history | format | runs | median wall (min–max) | CPU user+sys (median) | peak RSS (max) | stages of each run, s: load / screen / fit / plan / report | load avg (1 min) at start | others' CPU share during runs (max) |"
  echo "|---|---|---|---:|---|---:|---:|---|---|---:|"
  printf '%s\n' "${extra_md[@]}"
fi
