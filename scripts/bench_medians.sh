#!/usr/bin/env bash
# The median time of every criterion benchmark of the last `cargo bench`
# run, as a markdown table (from target/criterion/*/*/*/new/estimates.json).
#
#   cargo bench --bench pipeline && bash scripts/bench_medians.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=${CRITERION_HOME:-target/criterion}
echo "| benchmark | median | 95 % interval |"
echo "|---|---:|---:|"
find "$root" -path '*/new/estimates.json' | sort | while read -r f; do
  id=$(sed -n 's/.*"full_id":"\([^"]*\)".*/\1/p' "${f%estimates.json}benchmark.json")
  # "median":{"confidence_interval":{…,"lower_bound":L,"upper_bound":U},"point_estimate":M,…}
  sed -n 's/.*"median":{"confidence_interval":{[^}]*"lower_bound":\([^,]*\),"upper_bound":\([^}]*\)},"point_estimate":\([^,]*\),.*/\3 \1 \2/p' "$f" |
    awk -v id="$id" 'function t(ns) {
        if (ns >= 1e9) return sprintf("%.2f s", ns / 1e9)
        if (ns >= 1e6) return sprintf("%.1f ms", ns / 1e6)
        return sprintf("%.0f µs", ns / 1e3) }
      { printf "| %s | %s | %s – %s |\n", id, t($1), t($2), t($3) }'
done
